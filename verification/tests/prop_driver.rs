//! Property tests of the operation lifecycle: random scenarios (see
//! `verification::scenario` for the actions and the invariants checked
//! after every step) against the shipped driver on the simulated kernel,
//! each driver entering the kernel through a drive the scenario picks (the
//! library's, or a scripted hostile one).
#![cfg(not(ring_loom))]

use proptest::prelude::*;
use verification::scenario::{
    run_setup, Action, Base, ChainSpec, DriveSpec, EnterStyle, Kind, Member, Mode, Script, Setup, REGION,
};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

/// The operations; on a tiny CQ more multishot polls (their items take no
/// CQ credit, so they are what overflows the CQ).
fn kind(tiny: bool) -> impl Strategy<Value = Kind> {
    prop_oneof![
        1 => Just(Kind::Nop),
        1 => (0u16..4000, 1u8..64).prop_map(|(off, len)| Kind::ReadFile { off, len }),
        1 => (1u8..REGION as u8).prop_map(|len| Kind::WriteFile { len }),
        1 => (1u8..16).prop_map(|len| Kind::ReadPipe { len }),
        1 => (0u8..50).prop_map(|ms| Kind::Sleep { ms }),
        if tiny { 3 } else { 1 } => Just(Kind::Poll),
        1 => (1u8..4).prop_map(|n| Kind::Ticks { n }),
        1 => (1u8..64).prop_map(|len| Kind::SendZc { len }),
        1 => Just(Kind::PoolStream),
        1 => Just(Kind::ForeignPoolStream),
    ]
}

fn member() -> impl Strategy<Value = Member> {
    prop_oneof![
        2 => Just(Member::Nop),
        // Some reads run past the end of the 4096-byte file: short, so failed.
        3 => (0u16..4200, 1u8..64).prop_map(|(off, len)| Member::ReadFile { off, len }),
        2 => (1u8..REGION as u8).prop_map(|len| Member::WriteFile { len }),
        2 => (0u8..20).prop_map(|ms| Member::Sleep { ms }),
    ]
}

fn chain() -> impl Strategy<Value = ChainSpec> {
    (
        // Mostly two members: a chain longer than the SQ is refused.
        prop_oneof![3 => Just(2usize), 1 => Just(3)].prop_flat_map(|n| proptest::collection::vec(member(), n)),
        prop_oneof![3 => Just(false), 1 => Just(true)],
        // Usually every member's future; otherwise any subset, none included.
        prop_oneof![3 => Just(0b111u8), 1 => 0u8..8],
    )
        .prop_map(|(members, hard, take)| ChainSpec { members, hard, take })
}

/// The library's drives: the default with each strategy, and busy-polling.
fn base() -> impl Strategy<Value = Base> {
    prop_oneof![
        3 => Just(Base::Batch(0)),
        1 => (1u8..4).prop_map(Base::Batch),
        1 => Just(Base::Immediate),
        1 => Just(Base::SqPoll),
        1 => (0u8..40).prop_map(Base::BusyPoll),
    ]
}

/// A script that makes a drive hostile: SQ room refused for a while,
/// submitting early or never, turns that fail or wait twice, a panic at a
/// chosen call.
fn script() -> impl Strategy<Value = Script> {
    (
        prop_oneof![2 => Just(0u8), 1 => 1u8..6],
        proptest::option::of(0u8..3),
        proptest::option::of(prop_oneof![
            Just(EnterStyle::SubmitOnly),
            Just(EnterStyle::Never),
            Just(EnterStyle::Fails),
            Just(EnterStyle::WaitsTwice),
        ]),
        proptest::option::of(1u8..60),
    )
        .prop_map(|(pending, early, enter, panic_at)| Script { pending, early, enter, panic_at })
}

/// A drive: mostly the library's own, one in three scripted.
fn drive() -> impl Strategy<Value = DriveSpec> {
    (base(), prop_oneof![2 => Just(Script::default()), 1 => script()])
        .prop_map(|(base, script)| DriveSpec { base, script })
}

/// A hostile drive: always scripted.
fn hostile_drive() -> impl Strategy<Value = DriveSpec> {
    (base(), script()).prop_map(|(base, script)| DriveSpec { base, script })
}

/// The actions; on a tiny CQ the polled descriptor becomes ready more
/// often, so that multishot polls overflow the CQ.
fn action(tiny: bool) -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => kind(tiny).prop_map(Action::Submit),
        2 => chain().prop_map(Action::Chain),
        4 => any::<u8>().prop_map(Action::Poll),
        1 => (any::<u8>(), any::<u8>()).prop_map(|(i, k)| Action::PollHostile(i, k)),
        1 => any::<u8>().prop_map(Action::Drop),
        1 => any::<u8>().prop_map(Action::Forget),
        1 => any::<u8>().prop_map(Action::Cancel),
        2 => Just(Action::Turn),
        1 => Just(Action::Park),
        2 => Just(Action::ReleaseSome),
        1 => Just(Action::ReleaseAll),
        1 => Just(Action::ReleaseNotifs),
        1 => any::<u8>().prop_map(Action::PipeWrite),
        if tiny { 3 } else { 1 } => Just(Action::SetReady),
        1 => any::<u8>().prop_map(Action::Advance),
        1 => Just(Action::SqpollStep),
        1 => kind(tiny).prop_map(Action::SubmitOther),
        1 => Just(Action::NewPool),
        1 => Just(Action::TurnOther),
        1 => (0u8..4).prop_map(Action::SendZcPhase),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        // Miri runs each case about a thousand times slower: a handful there.
        cases: if cfg!(miri) { 6 } else { std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(96) },
        max_shrink_iters: 2000,
        failure_persistence: None,
        // Under Miri every run explores the same few cases, so a failure
        // there can be replayed.
        rng_seed: if cfg!(miri) { proptest::test_runner::RngSeed::Fixed(0x5eed) } else { proptest::test_runner::RngSeed::Random },
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_lifecycle_keeps_every_invariant(
        seed in any::<u64>(),
        entries in prop_oneof![Just(1u32), Just(2), Just(4)],
        mode in prop_oneof![Just(Mode::Plain), Just(Mode::DeferTaskrun), Just(Mode::SqPoll)],
        // One case in three on a CQ as small as the kernel allows.
        (tiny, actions) in prop_oneof![2 => Just(false), 1 => Just(true)]
            .prop_flat_map(|tiny| (Just(tiny), proptest::collection::vec(action(tiny), 1..80))),
        drives in (drive(), drive()),
    ) {
        let setup = if tiny { Setup::tiny_cq(mode, entries) } else { Setup::from(mode) };
        run_setup(seed, entries, setup.with_drives([drives.0, drives.1]), actions);
    }

    /// As above, with a scripted hostile drive on the scenario's driver
    /// every time (and any drive on the second one): the driver keeps the
    /// drive's contract (asked neither after its panic nor in teardown,
    /// its panic raised once, everything written submitted at each turn).
    #[test]
    fn hostile_drives_keep_every_invariant(
        seed in any::<u64>(),
        entries in prop_oneof![Just(1u32), Just(2), Just(4)],
        mode in prop_oneof![Just(Mode::Plain), Just(Mode::DeferTaskrun), Just(Mode::SqPoll)],
        (tiny, actions) in prop_oneof![2 => Just(false), 1 => Just(true)]
            .prop_flat_map(|tiny| (Just(tiny), proptest::collection::vec(action(tiny), 1..80))),
        drives in (hostile_drive(), drive()),
    ) {
        let setup = if tiny { Setup::tiny_cq(mode, entries) } else { Setup::from(mode) };
        run_setup(seed, entries, setup.with_drives([drives.0, drives.1]), actions);
    }
}

/// Every drive of the fuzzer's set (`DriveSpec::from_byte`) on both
/// drivers, in every mode, through operations of every kind, more of them
/// than the SQ holds (so that SQ room is asked for) and a chain: the
/// scenario's invariants and the drive's contract hold.
#[test]
fn every_drive_of_the_set_keeps_every_invariant() {
    use Action::*;
    let mut actions = Vec::new();
    for k in [Kind::Nop, Kind::ReadFile { off: 5, len: 9 }, Kind::WriteFile { len: 4 }, Kind::Sleep { ms: 2 }] {
        actions.extend([Submit(k.clone()), Submit(k), SubmitOther(Kind::Nop)]);
    }
    for i in 0..12 {
        actions.push(Poll(i));
    }
    actions.push(Chain(ChainSpec { members: vec![Member::Nop, Member::Nop], hard: false, take: 0b11 }));
    actions.extend(settle(10));
    let (mut panics, mut calls) = (0, 0);
    for b in 0..=u8::MAX {
        let d = DriveSpec::from_byte(b);
        for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
            let setup = Setup::from(mode).with_drives([d, DriveSpec::from_byte(b.wrapping_mul(7))]);
            let r = run_setup(u64::from(b), 2, setup, actions.clone());
            (panics, calls) = (panics + r.drive_panics_raised, calls + r.drive_calls);
        }
    }
    // The drives were asked, and the scripted panics happened (and came out).
    assert!(calls > 10_000 && panics > 50, "{calls} calls, {panics} panics");
}

/// Steps that let the kernel finish what it holds and poll the first live
/// future, `n` times: every live future completes in turn.
fn settle(n: usize) -> Vec<Action> {
    use Action::*;
    let cycle = [Turn, SqpollStep, ReleaseAll, ReleaseNotifs, Advance(5), Park, Poll(0), Poll(1), Poll(2)];
    cycle.iter().cycle().take(cycle.len() * n).cloned().collect()
}

/// A chain whose second member always fails (a timeout expires, `-ETIME`):
/// the third is cancelled by the kernel, and the model sees it.
#[test]
fn a_failed_chain_member_cancels_the_rest() {
    let chain = |hard| {
        Action::Chain(ChainSpec {
            members: vec![Member::Nop, Member::Sleep { ms: 1 }, Member::WriteFile { len: 8 }],
            hard,
            take: 0b111,
        })
    };
    let with = |c| [vec![c], settle(12)].concat();
    for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
        let r = run_setup(7, 4, Setup::from(mode), with(chain(false)));
        assert_eq!((r.chains_started, r.members_seen), (1, 3), "{mode:?}: {r:?}");
        assert_eq!(r.members_cancelled_by_chain, 1, "{mode:?}: {r:?}");
        assert!(r.members_checked_after_failure >= 1, "{mode:?}: {r:?}");
    }
    // A hard link runs the write anyway.
    let r = run_setup(7, 4, Setup::from(Mode::Plain), with(chain(true)));
    assert_eq!((r.chains_started, r.members_seen, r.members_cancelled_by_chain), (1, 3, 0), "{r:?}");
    // On an SQ of 2 the chain of three is refused; every member's value
    // comes back (the scenario takes each back as its outcome).
    let r = run_setup(7, 2, Setup::from(Mode::Plain), with(chain(false)));
    assert_eq!((r.chains_started, r.chains_refused), (0, 1), "{r:?}");
}

/// Members not taken are orphaned, and a chain that must wait for CQ
/// credits starts once they come back.
#[test]
fn untaken_members_and_waiting_chains() {
    use Action::*;
    let chain = |take| Chain(ChainSpec { members: vec![Member::Nop, Member::Nop], hard: false, take });
    let actions = [vec![Submit(Kind::Nop), Submit(Kind::Nop), Poll(0), Poll(1), chain(0b01), chain(0b00)], settle(12)];
    let r = run_setup(11, 2, Setup::tiny_cq(Mode::Plain, 2), actions.concat());
    assert_eq!(r.cq_entries, 2);
    assert_eq!((r.chains_started, r.members_seen), (2, 1), "{r:?}");
    assert!(r.waited_for_credit > 0, "{r:?}");
}

/// A tiny CQ: more operations than credits wait their turn, and multishot
/// streams (whose items take no credit) overflow the CQ, so completions are
/// parked and flushed later.
#[test]
fn a_tiny_cq_backpressures_and_overflows() {
    use Action::*;
    let mut actions = Vec::new();
    for _ in 0..3 {
        actions.push(Submit(Kind::Poll));
    }
    for _ in 0..3 {
        actions.push(Submit(Kind::Nop));
    }
    for i in 0..6 {
        actions.push(Poll(i));
    }
    // The kernel runs everything, and the polled descriptor becomes ready
    // three times before the driver reaps: nine items for a CQ of four.
    for _ in 0..4 {
        actions.extend([Turn, SqpollStep, ReleaseAll, SetReady, SetReady, SetReady]);
    }
    actions.extend(settle(20));
    for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
        let r = run_setup(3, 4, Setup::tiny_cq(mode, 4), actions.clone());
        assert_eq!(r.cq_entries, 4, "{mode:?}");
        assert!(r.waited_for_credit > 0, "{mode:?}: {r:?}");
        assert!(r.overflowed > 0 && r.flushed > 0, "{mode:?}: {r:?}");
    }
}

/// A chain started while the SQ holds an unsubmitted entry and has no room
/// for all of it: the driver must make room first and publish the chain
/// whole, never submit part of it (the simulator reports a submission that
/// ends inside a chain, `SimKernel::split_chains`).
#[test]
fn a_chain_is_never_split_by_a_full_sq() {
    use Action::*;
    let chain = Chain(ChainSpec { members: vec![Member::Nop, Member::Nop], hard: false, take: 0b11 });
    let actions = [vec![Submit(Kind::Nop), Submit(Kind::Nop), Poll(0), chain], settle(6)].concat();
    for seed in 0..8 {
        for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
            let r = run_setup(seed, 2, Setup::from(mode), actions.clone());
            // Under SQPOLL the driver may give up instead, with
            // `SubmissionQueueFull`: `IORING_ENTER_SQ_WAIT` returns as soon
            // as one entry is free, which is not room for the chain, and
            // the driver retries only three times.
            let started = if mode == Mode::SqPoll { r.chains_started + r.chains_refused } else { r.chains_started };
            assert_eq!(started, 1, "seed {seed} {mode:?}: {r:?}");
        }
    }
}

/// Every kind of hostile waker (`verification::hostile`), on every kind of
/// operation and on a chain waiting for room, in every mode and on a tiny
/// CQ: no outcome lost, no buffer freed early or twice, and the scenario's
/// quiescence (every live future completes, the driver's drop terminates)
/// still reached.
#[test]
fn hostile_wakers_keep_every_invariant() {
    use Action::*;
    let kinds = [
        Kind::Nop,
        Kind::ReadFile { off: 10, len: 20 },
        Kind::WriteFile { len: 8 },
        Kind::ReadPipe { len: 4 },
        Kind::Sleep { ms: 3 },
        Kind::Poll,
        Kind::Ticks { n: 2 },
        Kind::SendZc { len: 16 },
    ];
    for hostility in 0..6u8 {
        let mut actions = Vec::new();
        for k in &kinds {
            actions.extend([Submit(k.clone()), PollHostile(255, hostility), Turn]);
        }
        actions.push(Chain(ChainSpec { members: vec![Member::Nop, Member::Nop], hard: false, take: 0b11 }));
        for i in 0..12u8 {
            actions.extend([
                PollHostile(i, hostility),
                ReleaseSome,
                SetReady,
                PipeWrite(i),
                Park,
                PollHostile(i, hostility + 1),
            ]);
        }
        actions.extend(settle(6));
        // Under Miri (about a thousand times slower) one ring per kind.
        let modes: &[Mode] = if cfg!(miri) { &[Mode::Plain] } else { &[Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] };
        for &mode in modes {
            run_setup(u64::from(hostility), 2, Setup::tiny_cq(mode, 2), actions.clone());
            if !cfg!(miri) {
                run_setup(u64::from(hostility) + 100, 4, Setup::from(mode), actions.clone());
            }
        }
    }
}

/// A zero-copy send dropped in each phase (before submission, with its
/// result posted but not reaped, with its notification to come, after):
/// its buffer is never released before the notification, whatever order
/// the kernel then posts in. A driver that frees an orphaned send at its
/// result fails here (the simulator reads the buffer at the notification).
#[test]
fn zero_copy_sends_dropped_in_every_phase() {
    use Action::*;
    for phase in 0..4u8 {
        for seed in 0..16u64 {
            for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
                let actions = vec![SendZcPhase(phase), Turn, Park, ReleaseSome, Turn, ReleaseNotifs, Park, Turn];
                run_setup(seed, 2, Setup::from(mode), actions);
            }
        }
    }
}

/// A multishot pool read dropped while the kernel holds a buffer of its
/// pool, after the application dropped its own handle of the pool: the
/// orphaned stream alone keeps the pool (and its registration) alive until
/// its terminal completion. A driver that frees an orphaned stream at its
/// next item fails here (the simulator writes into a buffer of a group
/// unregistered since it took it).
#[test]
fn pool_streams_orphaned_alone_keep_their_pool() {
    use Action::*;
    for seed in 0..32u64 {
        for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
            // Every step that may end a hold or run the cancellation is
            // followed by bytes for the kernel to write into the buffer it
            // took.
            let actions = vec![
                Submit(Kind::PoolStream),
                Poll(0),
                Turn,
                SqpollStep,
                ReleaseAll,
                Turn,
                PipeWrite(3),
                Turn,
                NewPool,
                Drop(0),
                PipeWrite(4),
                Turn,
                PipeWrite(5),
                SqpollStep,
                PipeWrite(6),
                Turn,
                PipeWrite(7),
                ReleaseSome,
                PipeWrite(8),
                Park,
                PipeWrite(9),
                Turn,
                PipeWrite(10),
            ];
            run_setup(seed, 2, Setup::from(mode), actions);
        }
    }
}

/// Two drivers on one thread and one simulated kernel (each ring with its
/// registered-ring index in the thread's table): operations on both at
/// once, and a pool stream given the other driver's pool, which must be
/// refused (`EXDEV`) before anything reaches the kernel.
#[test]
fn resources_are_never_used_across_drivers() {
    use Action::*;
    for seed in 0..8u64 {
        for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
            let actions = vec![
                SubmitOther(Kind::PoolStream),
                Poll(0),
                Submit(Kind::ForeignPoolStream),
                Poll(1),
                Submit(Kind::PoolStream),
                Poll(2),
                SubmitOther(Kind::ForeignPoolStream),
                Poll(3),
                TurnOther,
                Turn,
                PipeWrite(9),
                TurnOther,
                Turn,
                Poll(0),
                Poll(1),
                Poll(2),
                Poll(3),
                SubmitOther(Kind::SendZc { len: 8 }),
                Poll(4),
                NewPool,
                Drop(0),
                TurnOther,
            ];
            run_setup(seed, 2, Setup::from(mode), actions);
        }
    }
}

/// A drive that never enters the kernel (it says it did), on every ring:
/// the driver enters for it at each turn, for what was written and, on a
/// `DEFER_TASKRUN` ring, for the completions the kernel defers until it is
/// entered for events; so the operations end while the steps run, before
/// quiescence cancels anything.
#[test]
fn a_drive_that_never_enters_starves_no_ring() {
    use Action::*;
    let never =
        DriveSpec { base: Base::Batch(0), script: Script { enter: Some(EnterStyle::Never), ..Script::default() } };
    let mut actions = vec![Submit(Kind::Sleep { ms: 1 }), Submit(Kind::Nop), Submit(Kind::ReadFile { off: 3, len: 8 })];
    for _ in 0..6 {
        actions.extend([Poll(0), Poll(1), Poll(2), Turn, SqpollStep, ReleaseAll, Advance(2), Park]);
    }
    for seed in 0..8u64 {
        for mode in [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll] {
            let r = run_setup(seed, 4, Setup::from(mode).with_drives([never, DriveSpec::default()]), actions.clone());
            assert_eq!(r.outcomes_in_steps, 3, "seed {seed} {mode:?}: {r:?}");
        }
    }
}
