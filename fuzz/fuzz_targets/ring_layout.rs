//! Fuzzes the code that turns the kernel's ring offsets into pointers:
//! whatever `io_uring_params` and region sizes say, `layout::pointers`
//! either returns pointers that lie inside their regions or an error; it
//! never reads or points outside the memory it was given. The body is
//! `verification::fuzz_bodies::ring_layout`, which also runs as a plain
//! test over `fuzz/seeds/ring_layout/` (`verification/tests/fuzz_bodies.rs`).
//!
//! Run with `scripts/fuzz.sh 60 ring_layout`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    verification::fuzz_bodies::ring_layout(data);
});
