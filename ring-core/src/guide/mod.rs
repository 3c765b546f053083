//! Guides: one page per task, each with complete programs (they are
//! compiled and run as tests).
//!
//! - [`programs`]: four first programs (copy a file, an echo server that
//!   drops idle connections, reading many files with a limit and
//!   deadlines, the ring from tokio and from epoll), start to finish.
//! - [`timeouts`]: deadlines, timeouts and cancellation, and what happens
//!   to the buffers.
//! - [`limits`]: bounding work in flight, backpressure, and the limits the
//!   crate has of its own.
//! - [`tokio`]: using the ring from a tokio application.
//! - [`epoll`]: using the ring from an epoll loop (or any event loop).
//! - [`threads`]: handing work to a runtime from other threads, and
//!   blocking work on a thread pool.

#[doc = include_str!("programs.md")]
pub mod programs {}

#[doc = include_str!("timeouts.md")]
pub mod timeouts {}

#[doc = include_str!("limits.md")]
pub mod limits {}

#[doc = include_str!("tokio.md")]
pub mod tokio {}

#[doc = include_str!("epoll.md")]
pub mod epoll {}

#[doc = include_str!("threads.md")]
pub mod threads {}
