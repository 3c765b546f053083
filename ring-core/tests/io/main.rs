//! The I/O objects on the real kernel: files, sockets and the adapters.
//! One test binary, a module per behaviour.
//!
//! Run with `cargo test -p ring-core --test io`.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

#[path = "../caps/mod.rs"]
mod caps;
#[path = "../support/mod.rs"]
mod support;

mod adapters;
mod aio_and_uring;
mod aio_sync;
mod backing_memory;
mod ecosystem_traits;
mod files;
mod fs_ops;
mod net;
mod poll_io;
mod sockets;
