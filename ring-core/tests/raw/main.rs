//! The raw layer on the real kernel: setup, the queues, entering and
//! waiting, the ring's memory, entries and errors, and register operations.
//! One test binary, a module per behaviour.
//!
//! Run with `cargo test -p ring-core --test raw`.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

#[path = "../caps/mod.rs"]
mod caps;
#[path = "../support/mod.rs"]
mod support;

mod entries_and_errors;
mod opcodes;
mod queues;
mod register;
mod registration;
mod ring_memory;
mod round_trips;
mod setup;
mod setup_flags;
mod submit_and_wait;
