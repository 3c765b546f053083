//! io_uring rings driven with explicit atomics, typed builders for every
//! opcode, registration and probing, and a safe ownership layer with a
//! small executor.
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
//! # Layers
//!
//! - **The raw layer** ([`Ring`], [`SubmissionQueue`], [`CompletionQueue`],
//!   [`opcode`], [`register`], [`probe`]): the rings exactly as the kernel
//!   shares them. Pushing an SQE is `unsafe`, because an SQE can point
//!   anywhere; every other operation is safe.
//! - **The ownership layer** (everything else): operations own every byte
//!   the kernel may touch until the kernel says it is done, so no sequence
//!   of safe calls, panics, drops or `mem::forget` can let the kernel touch
//!   freed memory.
//!
//! See `ARCHITECTURE.md` and `docs/` for the map and the reasoning.
#![warn(missing_docs)]

pub mod adapters;
pub mod buf;
pub mod builder;
pub mod channel;
pub mod compat;
pub mod cqueue;
pub mod driver;
pub mod dyn_driver;
pub mod error;
pub mod executor;
pub mod fixed;
pub mod fixed_files;
pub mod fs;
pub mod guide;
pub mod handle;
pub mod io;
pub mod kernel;
pub mod layout;
pub(crate) mod memory;
pub mod net;
pub use memory::NoMmapMemory;
pub mod op;
pub mod per_core;
pub mod opcode;
pub mod ops;
pub mod order;
pub mod pool;
pub mod probe;
pub mod register;
pub mod ring;
pub mod select;
pub mod semaphore;
pub mod shared_fd;
pub mod squeue;
pub mod submit;
pub mod sync;
pub mod task;
pub mod time;
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
