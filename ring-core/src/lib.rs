//! io_uring rings driven with explicit atomics, typed builders for every
//! opcode, registration and probing, and a safe ownership layer.
//!
//! The crate has two layers:
//!
//! - **The raw layer** ([`Ring`], [`SubmissionQueue`], [`CompletionQueue`],
//!   [`opcode`], [`register`], [`probe`]): the rings exactly as the kernel
//!   shares them. Pushing an SQE is `unsafe`, because an SQE can point
//!   anywhere; every other operation is safe.
//! - **The ownership layer** (later modules): operations own every byte
//!   the kernel may touch until the kernel says it is done, so no sequence
//!   of safe calls, panics, drops or `mem::forget` can let the kernel touch
//!   freed memory.
//!
//! See `ARCHITECTURE.md` and `docs/` for the map and the reasoning.
#![warn(missing_docs)]

pub mod adapters;
pub mod buf;
pub mod builder;
pub mod cqueue;
pub mod driver;
pub mod error;
pub mod executor;
pub mod fixed;
pub mod fixed_files;
pub mod fs;
pub mod handle;
pub mod io;
pub mod kernel;
pub mod layout;
pub(crate) mod memory;
pub mod net;
pub use memory::NoMmapMemory;
pub mod op;
pub mod opcode;
pub mod ops;
pub mod order;
pub mod pool;
pub mod probe;
pub mod register;
pub mod ring;
pub mod shared_fd;
pub mod squeue;
pub mod submit;
pub mod sync;
pub mod types;

pub use builder::Builder;
pub use cqueue::{CompletionQueue, Cqe};
pub use driver::Driver;
pub use error::{Error, Result};
pub use executor::{JoinHandle, Runtime};
pub use fs::File;
pub use kernel::{Kernel, Linux};
pub use op::{Cancelled, MultiOp, Multishot, Op, Operation, PollOperation, PollTarget};
pub use probe::Probe;
pub use ring::{Ring, RingId};
pub use shared_fd::{AsSharedFd, At, SharedFd};
pub use squeue::{SqBatch, SqFull, SubmissionQueue};
pub use submit::{Timeout, Wait};
pub use types::{Entry, Entry128, SqeFlags, Target};

pub use ring_sys as sys;
