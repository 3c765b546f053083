//! The runtime on the real kernel: the executor and its tasks, channels
//! and synchronisation, the object-safe driver, one ring per core, and
//! driving a ring from other event loops. One test binary, a module per
//! behaviour.
//!
//! Run with `cargo test -p ring-core --test runtime`.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

#[path = "../caps/mod.rs"]
mod caps;
#[path = "../support/mod.rs"]
mod support;

mod dyn_driver;
mod external_loops;
mod lifecycle;
mod per_core;
mod sync_channels;
mod tasks;
