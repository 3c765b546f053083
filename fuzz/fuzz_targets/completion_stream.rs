//! Fuzzes the driver with arbitrary completions injected into its CQ
//! (any `user_data` but an operation's current one, any result and flags,
//! 16- and 32-byte entries, fillers) while reads into canary buffers, pool
//! reads, multishot polls and pool streams (owned and orphaned) and
//! zero-copy sends are in flight on the simulated kernel with its chaos on:
//! the driver must never panic, never deliver a completion to an operation
//! that did not submit it, and never release memory the kernel still holds.
//! The body and its invariants are `verification::cqe_stream`; the
//! corpus in `fuzz/seeds/completion_stream/` also runs as a plain test
//! (`verification/tests/completion_stream.rs`).
//!
//! Run with `scripts/fuzz.sh 600 completion_stream`.
#![no_main]

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    verification::cqe_stream::run_bytes(data);
});
