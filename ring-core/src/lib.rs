//! io_uring rings driven with explicit atomics, typed builders for every
//! opcode, registration and probing, a safe ownership layer, I/O objects
//! and a small runtime.
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
//! 4. **The I/O objects** ([`objects`]): [`File`] and the file-system
//!    helpers ([`fs`]), sockets ([`net`]), poll-based I/O and the
//!    ecosystem's traits ([`io`]), adapters for other I/O objects
//!    ([`adapters`]). Written on the ownership layer alone, with no
//!    `unsafe` code.
//! 5. **The runtime** ([`runtime`]): an executor that parks in the ring
//!    ([`Runtime`]), and a [`Handle`](handle::Handle) for other threads.
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

// The façade: the module paths ring-core had before its layers were
// folders, each still reachable from the root.
pub use objects::{adapters, fs, io, net};
pub use ownership::{buf, driver, fixed_files, ops, pool, shared_fd};
pub use raw::{cqueue, layout, opcode, probe, register, ring, ring_id, squeue, types};
pub use raw::{enter as submit, setup as builder};
pub use runtime::{executor, handle};

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
