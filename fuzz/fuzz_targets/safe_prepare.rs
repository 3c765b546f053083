//! Fuzzes the safe operations' `prepare` (`ring_core::ops`) with arbitrary
//! arguments: it never panics, and the entry it builds names only memory
//! the operation owns, within it, with every byte no argument reaches left
//! zero. The body is `verification::safe_prepare`; the seeds in
//! `fuzz/seeds/safe_prepare/` also run as a plain test
//! (`verification/tests/safe_prepare.rs`).
//!
//! Run with `scripts/fuzz.sh 600 safe_prepare`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    verification::safe_prepare::run(data);
});
