//! Fuzzes the ownership layer: the bytes become a scenario of user actions
//! (submit, poll, drop, forget, cancel) and kernel behaviours (completions in
//! any order, short I/O, failed enters, early multishot ends, shuffled
//! notifications) run against the shipped driver on the simulated kernel,
//! with every invariant of `verification::scenario` checked after each step.
//!
//! Run with `cargo +nightly fuzz run driver_scenario` from `fuzz/`.
#![no_main]

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (seed, entries, mode, actions) = verification::scenario::decode_with_mode(data);
    verification::scenario::run_in(seed, entries, mode, actions);
});
