//! Property tests of the operation lifecycle: random scenarios (see
//! `verification::scenario` for the actions and the invariants checked
//! after every step) against the shipped driver on the simulated kernel.
#![cfg(not(ring_loom))]

use proptest::prelude::*;
use verification::scenario::{run_in, Action, Kind, Mode, REGION};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Nop),
        (0u16..4000, 1u8..64).prop_map(|(off, len)| Kind::ReadFile { off, len }),
        (1u8..REGION as u8).prop_map(|len| Kind::WriteFile { len }),
        (1u8..16).prop_map(|len| Kind::ReadPipe { len }),
        (0u8..50).prop_map(|ms| Kind::Sleep { ms }),
        Just(Kind::Poll),
        (1u8..4).prop_map(|n| Kind::Ticks { n }),
        (1u8..64).prop_map(|len| Kind::SendZc { len }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => kind().prop_map(Action::Submit),
        4 => any::<u8>().prop_map(Action::Poll),
        1 => any::<u8>().prop_map(Action::Drop),
        1 => any::<u8>().prop_map(Action::Forget),
        1 => any::<u8>().prop_map(Action::Cancel),
        2 => Just(Action::Turn),
        1 => Just(Action::Park),
        2 => Just(Action::ReleaseSome),
        1 => Just(Action::ReleaseAll),
        1 => Just(Action::ReleaseNotifs),
        1 => any::<u8>().prop_map(Action::PipeWrite),
        1 => Just(Action::SetReady),
        1 => any::<u8>().prop_map(Action::Advance),
        1 => Just(Action::SqpollStep),
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
        actions in proptest::collection::vec(action(), 1..80),
    ) {
        run_in(seed, entries, mode, actions);
    }
}
