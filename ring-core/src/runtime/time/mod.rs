//! Time: [`sleep`], [`timeout`] on any future, a deadline on one
//! operation that gives its buffer back either way
//! ([`Op::with_timeout`](crate::Op::with_timeout)), and [`interval`].
//! The guide page is [`crate::guide::timeouts`].
//!
//! Every timer is a kernel timeout on the ring (`IORING_OP_TIMEOUT` with an
//! absolute `CLOCK_MONOTONIC` deadline), so a runtime with nothing but
//! timers pending is a thread blocked in one `io_uring_enter`.
//!
//! # Which driver
//!
//! [`sleep`], [`timeout`] and [`interval`] use the driver of the loop
//! running on the calling thread when they are first polled (not when they
//! are created): the runtime in [`Runtime::block_on`](crate::Runtime::block_on),
//! or a driver driven by an external loop ([`crate::compat::ExternalLoop`],
//! `compat::tokio::drive`, feature `tokio`). The `_in` constructors
//! ([`Sleep::new_in`], [`Timeout::new_in`], [`Interval::new_in`]) name the
//! driver instead, for loops of one's own.
//!
//! # Cancellation
//!
//! [`timeout`] drops the inner future when the time runs out. Dropping an
//! [`Op`](crate::Op) that is in flight *orphans* it: the driver asks the
//! kernel to cancel it, keeps its buffer until the kernel's completion
//! arrives (the kernel may still write into it until then), and then drops
//! the buffer. Nothing is freed early, but the buffer does not come back.
//! To get it back, put the deadline on the operation itself:
//! [`Op::with_timeout`](crate::Op::with_timeout) resolves to the
//! operation's own output (result and buffer) with whether the time ran
//! out ([`Timed`]), using a linked timeout (`IORING_OP_LINK_TIMEOUT`) where
//! the kernel can, and an explicit cancellation otherwise. For several
//! operations, [`crate::select::race`] hands back the one that lost.
//!
//! ```
//! use ring_core::time::{self, Timed};
//! use ring_core::Runtime;
//! use std::time::Duration;
//!
//! let rt = Runtime::new(64)?;
//! let d = rt.driver().clone();
//! rt.block_on(async move {
//!     // A read from a pipe nobody writes to: it can only time out.
//!     let (rx, _tx) = std::io::pipe()?;
//!     let rx = std::rc::Rc::new(rx);
//!     let buf = vec![0u8; 0];
//!     match d.read(&rx, Vec::with_capacity(4096)).with_timeout(Duration::from_millis(20)).await {
//!         Timed::TimedOut((res, buf)) => {
//!             assert!(res.is_err());
//!             assert_eq!(buf.capacity(), 4096, "the buffer came back");
//!         }
//!         Timed::Completed(_) => unreachable!("nobody wrote"),
//!     }
//!     // Any future: the inner future is dropped when the time runs out.
//!     let r = time::timeout(Duration::from_millis(5), std::future::pending::<()>()).await;
//!     assert!(r.is_err());
//!     drop(buf);
//!     Ok::<(), std::io::Error>(())
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```

mod interval;
mod sleep;

pub use crate::ownership::deadline::{monotonic, Timed, WithDeadline};
pub use interval::{interval, interval_at, Interval, MissedTickBehavior, Tick};
pub use sleep::{sleep, sleep_until, timeout, timeout_at, Elapsed, Sleep, Timeout};
