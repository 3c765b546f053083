//! Fuzzes the raw queues against the simulated kernel with every fault
//! enabled: the bytes pick a chaos seed, a ring size and a stream of
//! push / submit / wait / release steps; every NOP pushed must come back
//! exactly once, whatever the kernel did in between. The body is
//! `verification::fuzz_bodies::sim_ring`, which also runs as a plain test
//! over `fuzz/seeds/sim_ring/` (`verification/tests/fuzz_bodies.rs`).
//!
//! Run with `scripts/fuzz.sh 60 sim_ring`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    verification::fuzz_bodies::sim_ring(data);
});
