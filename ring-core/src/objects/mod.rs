//! The I/O objects: files, sockets and adapters, written on the ownership
//! layer alone and with no `unsafe` code.
//!
//! [`fs`] holds [`File`](fs::File) and the std-like helpers (`read`,
//! `write`, `copy`, `metadata`); [`net`] the TCP, UDP and Unix sockets;
//! [`io`] the poll-based traits the objects implement, their owned-buffer
//! engine, a `BufReader` and, behind cargo features, the ecosystem's
//! traits; [`adapters`] wraps any std I/O object in the ring, and bounds
//! O_DIRECT I/O AIO-style. Every object holds a
//! [`SharedFd`](crate::ownership::shared_fd::SharedFd) that each operation
//! it starts clones.

pub mod adapters;
pub mod fs;
pub mod io;
pub mod net;
pub mod semaphore;
