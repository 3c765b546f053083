//! Driving a ring from a tokio runtime (feature `tokio`): spawn [`drive`]
//! on a `LocalSet` (or a current-thread runtime's local tasks), and await
//! ring operations from any task on that thread. No `unsafe`, no strategy
//! to pick. See [`crate::guide::tokio`].
//!
//! ```
//! use ring_core::Driver;
//! use std::rc::Rc;
//!
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let local = tokio::task::LocalSet::new();
//! let n = local.block_on(&rt, async {
//!     let driver = Driver::new(64)?;
//!     tokio::task::spawn_local(ring_core::compat::tokio::drive(&driver));
//!     let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
//!     let (n, _buf) = driver.read_at(&file, Vec::with_capacity(256), 0).await;
//!     n
//! })?;
//! assert!(n > 0);
//! # Ok::<(), std::io::Error>(())
//! ```
#![allow(unsafe_code)]

use super::ExternalLoop;
use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::Driver;
use ::tokio::io::unix::AsyncFd;
use ::tokio::io::Interest;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;
use std::os::fd::{AsRawFd, RawFd};

/// Lets tokio's reactor watch the loop's eventfd.
struct Watched<K: Kernel>(ExternalLoop<K>);

impl<K: Kernel> AsRawFd for Watched<K> {
    fn as_raw_fd(&self) -> RawFd {
        self.0.efd.as_raw_fd()
    }
}

enum State<K: Kernel> {
    /// The loop, before tokio watches its descriptor (which needs tokio's
    /// reactor, so it happens at the first poll).
    Ready(ExternalLoop<K>),
    Running(AsyncFd<Watched<K>>),
    Failed(io::Error),
    Done,
}

/// Drives `driver` from the tokio runtime this future is polled in: spawn
/// it with `tokio::task::spawn_local` (the driver is not `Send`) before the
/// tasks that use the driver, and keep it running as long as they do.
///
/// It registers an eventfd with the ring (an [`ExternalLoop`]), lets
/// tokio's reactor watch it (`AsyncFd`), and turns the driver whenever a
/// completion makes it readable, which wakes the tokio tasks whose
/// operations completed. While it exists, every request is submitted as
/// soon as a task writes it (see [`crate::compat`]), and the driver is the
/// thread's current one for [`crate::time`].
///
/// It resolves to `Ok(())` once the driver is shut down
/// ([`Driver::shutdown`]), and to an error if the eventfd cannot be
/// registered (a ring has one: `EBUSY` for a second loop), if it is polled
/// outside a tokio runtime with I/O enabled, or if the ring fails.
/// Dropping it (aborting its task) stops driving and unregisters the
/// eventfd.
pub fn drive<K: Kernel + 'static>(driver: &Driver<K>) -> Drive<K> {
    let state = match ExternalLoop::new(driver) {
        Ok(l) => State::Ready(l),
        Err(e) => State::Failed(e),
    };
    Drive { state }
}

/// The future of [`drive`].
///
/// ```
/// use ring_core::compat::tokio::Drive;
///
/// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// let local = tokio::task::LocalSet::new();
/// local.block_on(&rt, async {
///     let driver = ring_core::Driver::new(16)?;
///     let drive: Drive = ring_core::compat::tokio::drive(&driver);
///     let task = tokio::task::spawn_local(drive);
///     driver.nop().await?;
///     driver.shutdown(); // the drive future resolves
///     task.await.expect("the drive task ran")
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "the driver is driven only while this future is polled"]
pub struct Drive<K: Kernel = Linux> {
    state: State<K>,
}

impl<K: Kernel> Unpin for Drive<K> {}

impl<K: Kernel + 'static> Future for Drive<K> {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            let afd = match &mut self.state {
                State::Done => return Poll::Ready(Ok(())),
                State::Failed(_) => {
                    let State::Failed(e) = core::mem::replace(&mut self.state, State::Done) else { continue };
                    return Poll::Ready(Err(e));
                }
                State::Ready(_) => {
                    if ::tokio::runtime::Handle::try_current().is_err() {
                        return Poll::Ready(Err(io::Error::other(
                            "ring_core::compat::tokio::drive must be polled inside a tokio runtime",
                        )));
                    }
                    let State::Ready(ext) = core::mem::replace(&mut self.state, State::Done) else { continue };
                    // tokio panics if its runtime has no I/O driver (built
                    // without `enable_io`); that is turned into an error here.
                    let registered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                        // SAFETY: the descriptor tokio watches is the
                        // eventfd owned by the `ExternalLoop` inside
                        // `Watched`, which the `AsyncFd` owns: it stays open,
                        // naming the same eventfd, for the `AsyncFd`'s whole
                        // life, and `as_raw_fd` always returns it.
                        unsafe { AsyncFd::register_with_interest(Watched(ext), Interest::READABLE) }
                    }));
                    match registered {
                        Ok(Ok(afd)) => self.state = State::Running(afd),
                        Ok(Err(e)) => return Poll::Ready(Err(e.into())),
                        Err(_) => {
                            return Poll::Ready(Err(io::Error::other(
                                "ring_core::compat::tokio::drive needs a tokio runtime with I/O enabled \
                                 (Builder::enable_io or enable_all)",
                            )))
                        }
                    }
                    continue;
                }
                State::Running(afd) => afd,
            };
            // Turn first (submit, reap, wake), then wait for the next
            // completion's signal. Readiness is cleared before the turn that
            // follows it, so a completion posted after the turn's read of
            // the eventfd signals it again. The loop stays in place if the
            // turn re-raises a panic of foreign code (a waker).
            let ext = &afd.get_ref().0;
            let step = match ext.turn() {
                Err(e) => Err(e),
                Ok(()) if ext.driver().teardown_report().is_some() => Ok(true),
                Ok(()) => match afd.poll_read_ready(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(mut guard)) => {
                        guard.clear_ready();
                        Ok(false)
                    }
                    Poll::Ready(Err(e)) => Err(e),
                },
            };
            return match step {
                // Readable: turn again at the next poll, after the tasks
                // already woken have run (a busy ring does not starve them).
                Ok(false) => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                // Shut down: nothing left to drive.
                Ok(true) => {
                    self.state = State::Done;
                    Poll::Ready(Ok(()))
                }
                Err(e) => {
                    self.state = State::Done;
                    Poll::Ready(Err(e))
                }
            };
        }
    }
}

impl<K: Kernel> core::fmt::Debug for Drive<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Running(_) => "running",
            State::Failed(_) => "failed",
            State::Done => "done",
        };
        f.debug_struct("Drive").field("state", &state).finish()
    }
}
