//! Fault injection: what the simulated kernel may do that a well-behaved
//! test run would never show, chosen by a seeded generator so that every
//! failure replays.

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same sequence of choices, so a failing run can be replayed exactly.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.below(1000) < u64::from(per_mille)
    }
}

/// A scripted outcome for one future `io_uring_enter` call, consumed in
/// order (see [`super::SimKernel::script`]); it takes precedence over the
/// random faults of [`Chaos`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnterFault {
    /// The call fails with this errno before consuming anything
    /// (`EAGAIN`, `EINTR`, `EBUSY`, `EBADR`, ...).
    Fail(i32),
    /// The call consumes at most this many SQEs (a short submit).
    Short(u32),
    /// The call behaves normally.
    Pass,
}

/// Random misbehaviour, each knob off by default. Probabilities are per
/// mille (0 to 1000).
#[derive(Debug, Clone, Default)]
pub struct Chaos {
    /// The seed of the generator behind every choice below.
    pub seed: u64,
    /// Operations that could complete at once are held in flight until
    /// released: by the test ([`super::SimKernel::release`] and friends) or,
    /// with `auto_release`, at random during later enters. Holding is what
    /// makes completions arrive in any order.
    pub hold: bool,
    /// With `hold`: every enter releases a random subset of the held
    /// operations, in random order, and a wait releases more until it is
    /// satisfied.
    pub auto_release: bool,
    /// Chance that a read or write on a model file transfers fewer bytes
    /// than asked (a short read or write, which also breaks a link chain).
    pub short_io: u32,
    /// Chance that an enter fails before doing anything, with an errno
    /// picked from `enter_errors` (`EAGAIN`, `EINTR` and `EBUSY` if empty).
    pub enter_fail: u32,
    /// The errnos `enter_fail` picks from.
    pub enter_errors: Vec<i32>,
    /// Chance that an enter (or an SQPOLL step) consumes fewer SQEs than
    /// were asked for or published.
    pub short_submit: u32,
    /// With `short_submit` (random or [`EnterFault::Short`]): end a short
    /// submission at the end of a link chain rather than inside it. Off,
    /// a short submission may stop inside a chain, as the kernel's does
    /// when it cannot allocate a request mid-chain (`io_submit_sqes` then
    /// runs the members it took as a chain of their own, and the rest as
    /// another); on, the simulated kernel never splits a chain itself, so
    /// a test can hold the application to "a failed member cancels the
    /// rest" exactly.
    pub whole_chains: bool,
    /// Chance, at each event of a multishot poll, that the stream ends
    /// there: the event without `IORING_CQE_F_MORE`, or `-ENOBUFS`.
    pub end_multishot: u32,
    /// Zero-copy notifications are held and posted later in random order,
    /// across operations (during enters, or by
    /// [`super::SimKernel::release_notifs`]).
    pub shuffle_notifs: bool,
    /// Chance that a cancellation whose target could complete loses the
    /// race: the target completes with its real result and the cancel
    /// answers `-EALREADY`.
    pub cancel_race: u32,
    /// Chance that a completion which does not fit in the CQ is dropped
    /// (the kernel's allocation failure) instead of parked: the overflow
    /// counter grows and the next waiting enter fails with `EBADR`.
    pub drop_overflow: u32,
}

impl Chaos {
    /// Every knob on at a moderate rate, for fuzzing and property tests.
    pub fn wild(seed: u64) -> Chaos {
        Chaos {
            seed,
            hold: true,
            auto_release: true,
            short_io: 200,
            enter_fail: 150,
            enter_errors: Vec::new(),
            short_submit: 200,
            whole_chains: false,
            end_multishot: 100,
            shuffle_notifs: true,
            cancel_race: 300,
            drop_overflow: 0,
        }
    }
}
