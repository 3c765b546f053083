//! io_uring rings driven with explicit atomics, typed builders for every
//! opcode, registration and probing, a safe ownership layer, I/O objects
//! and a small runtime.
//!
//! # Quick start
//!
//! A [`Runtime`] runs futures on the current thread and parks in the ring
//! when nothing is ready. Operations take their buffers by value and give
//! them back with the result, so the kernel never writes into memory you
//! still hold (or freed): see [`Op`].
//!
//! ```
//! use ring_core::{fs, task, time, Runtime};
//! use std::time::Duration;
//!
//! let rt = Runtime::new(256)?;
//! let d = rt.driver().clone();
//! let path = std::env::temp_dir().join("ring-core-quick-start");
//! rt.block_on(async move {
//!     // std-like helpers, all through the ring.
//!     fs::write(&d, &path, b"hello, ring").await?;
//!     assert_eq!(fs::read(&d, &path).await?, b"hello, ring");
//!
//!     // Operations on your own buffers: the buffer moves in and comes back.
//!     let file = fs::File::open(&d, &path).await?;
//!     let (n, buf) = file.read_at(Vec::with_capacity(4096), 0).await;
//!     assert_eq!(&buf[..n?], b"hello, ring");
//!
//!     // A deadline on one operation: its buffer comes back either way.
//!     let (n, _buf) = file.read_at(buf, 7).with_timeout(Duration::from_secs(1)).await.into_inner();
//!     assert_eq!(n?, 4);
//!
//!     // Tasks and timers.
//!     let t = task::spawn(async {
//!         time::sleep(Duration::from_millis(1)).await;
//!         7
//!     });
//!     assert_eq!(t.await.unwrap(), 7);
//!     file.close().await?;
//!     std::fs::remove_file(&path)
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Where to go next:
//!
//! - [`guide`]: a page per task ([first programs](guide::programs),
//!   [timeouts and cancellation](guide::timeouts),
//!   [limits and backpressure](guide::limits), [from tokio](guide::tokio),
//!   [from epoll](guide::epoll), [from threads](guide::threads)).
//! - [`Driver`]: every operation, grouped by family in its documentation.
//! - [`task`], [`time`], [`select`], [`semaphore`], [`channel`]: tasks,
//!   timers and deadlines, races, limits, channels.
//! - [`fs`], [`net`], [`io`]: files and sockets, poll-based I/O and the
//!   ecosystem's traits (optional features `futures-io`, `futures-core`,
//!   `tokio`).
//! - [`compat`]: driving a ring from another event loop.
//!
//! # The map
//!
//! The modules are layers, listed here (and in the source) from the
//! kernel up. Each uses only the layers below it; the root re-exports
//! below are the ergonomic façade for users, and inside the crate every
//! name is used from the module that defines it.
//!
//! 1. **The kernel seam** ([`kernel`], [`sync`], [`order`], [`error`],
//!    [`names`]): everything ring-core asks of the kernel goes through
//!    [`Kernel`]; every atomic, fence and shared cell comes from [`sync`]
//!    (std's, or loom's in the models) with an ordering named in [`order`];
//!    the typed errors; the kernel's names for its numbers.
//! 2. **The raw layer** ([`raw`]): the rings exactly as the kernel shares
//!    them: [`Ring`], its [`SubmissionQueue`] and [`CompletionQueue`], set-up
//!    ([`Builder`]), entering ([`Wait`], [`Timeout`]), [`Probe`], a builder
//!    for every opcode ([`opcode`]) and a method for every register
//!    operation ([`register`]). Pushing an SQE is `unsafe`, because an SQE
//!    can point anywhere; everything else is safe.
//! 3. **The ownership layer** ([`ownership`]): operations own every byte
//!    the kernel may touch until the kernel says it is done ([`Operation`]),
//!    the [`Driver`] that runs them and its futures ([`Op`], [`MultiOp`]),
//!    owned buffers ([`buf`]), the safe operations ([`ops`]), registered
//!    resources as leases ([`fixed`], [`fixed_files`], [`pool`]) and
//!    descriptors held open by the operations that name them
//!    ([`SharedFd`]). No sequence of safe calls, panics, drops or
//!    `mem::forget` can let the kernel touch freed memory.
//!    Deadlines on operations ([`Op::with_timeout`]) live here too.
//! 4. **The I/O objects** ([`objects`]): [`File`] and the file-system
//!    helpers ([`fs`]), sockets ([`net`]), poll-based I/O and the
//!    ecosystem's traits ([`io`]), adapters for other I/O objects
//!    ([`adapters`]), and the [`semaphore`] that bounds work in flight.
//!    Written on the ownership layer alone, with no `unsafe` code.
//! 5. **The runtime** ([`runtime`]): an executor that parks in the ring
//!    ([`Runtime`]), tasks ([`task`]), timers ([`time`]), races
//!    ([`select`]), [`channel`]s, driving a ring from another event loop
//!    ([`compat`]), and a [`Handle`](handle::Handle) for other threads.
//!
//! The [`guide`] sits above them all: documentation only.
//!
//! `unsafe` code is opted into file by file (`#![allow(unsafe_code)]` at
//! the top of each file that has any), so `grep -l 'allow(unsafe_code)'`
//! lists every file an audit must read. See `ARCHITECTURE.md` for the
//! invariants between the parts and `docs/` for the reasoning.
#![warn(missing_docs)]
#![deny(unsafe_code)]

// 1. The kernel seam.
pub mod error;
pub mod kernel;
pub mod names;
pub mod order;
pub mod sync;

// 2. The raw layer.
pub mod raw;

// 3. The ownership layer.
pub mod ownership;

// 4. The I/O objects.
pub mod objects;

// 5. The runtime.
pub mod runtime;

// Above them all: the guide (documentation only).
pub mod guide;

// The façade: the module paths ring-core had before its layers were
// folders, each still reachable from the root.
pub use objects::{adapters, fs, io, net, semaphore};
pub use ownership::{buf, driver, fixed_files, ops, pool, shared_fd};
pub use raw::{cqueue, layout, opcode, probe, register, ring, ring_id, squeue, types};
pub use raw::{enter as submit, setup as builder};
pub use runtime::{channel, compat, dyn_driver, executor, handle, per_core, select, task, time};

/// Registered buffers and the operations that use them, where they were
/// before the operations joined the other safe operations in
/// [`ownership::ops`] (the table and its leases are
/// [`ownership::fixed_buffers`]).
pub mod fixed {
    pub use crate::ownership::fixed_buffers::*;
    pub use crate::ownership::ops::{ReadFixed, SendZcFixed, WriteFixed};
}

/// The operation contract and its futures, where they were before the
/// contract ([`ownership::operation`]) and the futures
/// ([`ownership::driver::op`]) got files of their own.
pub mod op {
    pub use crate::ownership::driver::op::*;
    pub use crate::ownership::operation::*;
}

// The façade: the names most programs need, at the root.
pub use error::{Error, Result};
pub use kernel::{Kernel, Linux};
pub use objects::fs::File;
pub use ownership::driver::op::{Cancelled, MultiOp, Op};
pub use ownership::driver::Driver;
pub use ownership::operation::{Multishot, Operation, PollOperation, PollTarget};
pub use ownership::shared_fd::{AsSharedFd, At, SharedFd};
pub use raw::cqueue::{CompletionQueue, Cqe};
pub use raw::enter::{Timeout, Wait};
pub use raw::memory::NoMmapMemory;
pub use raw::probe::Probe;
pub use raw::ring::Ring;
pub use raw::ring_id::RingId;
pub use raw::setup::Builder;
pub use raw::squeue::{SqBatch, SqFull, SubmissionQueue};
pub use raw::types::{Entry, Entry128, SqeFlags, Target};
pub use runtime::executor::{JoinHandle, Runtime};

pub use ring_sys as sys;
