//! Fuzzes every raw SQE builder of `ring_core::opcode` with arbitrary
//! arguments: building never panics, the entry carries the opcode, no
//! argument is lost (changing any one changes the entry, except for the
//! encodings the ABI cannot tell apart, each listed with its reason), a
//! file lands in `sqe.fd` with `IOSQE_FIXED_FILE` exactly when it is
//! registered, setters commute and the last value wins, and no byte that
//! no argument reaches ever changes. The body is
//! `verification::sqe_builders`; the seeds in `fuzz/seeds/sqe_builders/`
//! also run as a plain test (`verification/tests/sqe_builders.rs`).
//!
//! Run with `scripts/fuzz.sh 600 sqe_builders`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    verification::sqe_builders::run_bytes(data);
});
