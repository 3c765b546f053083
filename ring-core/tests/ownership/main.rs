//! The ownership layer on the real kernel: the driver's table, admission
//! and lifetime, the `Op` future and submit strategies, and the safe
//! operations by family. One test binary, a module per behaviour.
//!
//! Run with `cargo test -p ring-core --test ownership`.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

#[path = "../caps/mod.rs"]
mod caps;
#[path = "../support/mod.rs"]
mod support;

// The allocations, admission and buffers_and_registered_tables modules
// count what their test threads allocate.
#[global_allocator]
static GLOBAL: support::alloc::CountingAlloc = support::alloc::CountingAlloc;

mod admission;
mod allocations;
mod buffers_and_registered_tables;
mod driver;
mod driver_table;
mod fixed;
mod fixed_files;
mod op_futures_and_strategies;
mod ops_direct_and_pool;
mod ops_file_system;
mod ops_networking;
mod ops_time_poll_futex_and_commands;
mod pool;
mod timeouts;
