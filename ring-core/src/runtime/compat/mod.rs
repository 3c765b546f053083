//! Driving a ring from another event loop: an [`ExternalLoop`] gives the
//! loop a descriptor to wait on ([`fd`](ExternalLoop::fd)) and a
//! non-blocking [`turn`](ExternalLoop::turn) to call when it is readable;
//! with the `tokio` feature, `compat::tokio::drive` does both inside a tokio
//! runtime. Guides: [`crate::guide::tokio`], [`crate::guide::epoll`].
//!
//! # Who drives a driver
//!
//! An operation makes progress only while something enters the ring for
//! its driver: [`Runtime::block_on`](crate::Runtime::block_on), an
//! [`ExternalLoop`] (or `compat::tokio::drive`), or a loop of the caller's own
//! calling [`Driver::park`] / [`Driver::poll`]. An operation awaited under
//! another executor with none of these (`#[tokio::main]` with a bare
//! `Driver`) would wait forever, since nobody reaps its completion.
//!
//! The driver detects the common form of that mistake: the first time an
//! operation starts on a driver that has never been driven by any of the
//! above, it prints one note to standard error (once per process), naming
//! the ways to drive it. The operation itself is unchanged (it is
//! submitted with the next turn, if one comes). A loop of the caller's
//! own that starts operations before its first turn sees the note too;
//! calling [`Driver::poll`] once before the first operation silences it.
//! The check is one flag read per operation start.
//!
//! While an [`ExternalLoop`] exists, the driver submits each request as it
//! is written (the loop outside cannot be told when to submit), whatever
//! its [`SubmitStrategy`](crate::driver::SubmitStrategy): an operation
//! polled by the other loop's tasks reaches the kernel at once, and its
//! completion makes [`fd`](ExternalLoop::fd) readable.
#![allow(unsafe_code)]

#[cfg(feature = "tokio")]
pub mod tokio;

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::Driver;
use crate::runtime::executor::context;

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::rc::Rc;

/// A driver driven by another event loop.
///
/// It registers an eventfd with the ring (`IORING_REGISTER_EVENTFD`),
/// which the kernel signals whenever it posts a completion. The loop waits
/// for [`fd`](Self::fd) to be readable, then calls [`turn`](Self::turn),
/// which resets the eventfd, submits what was written, reaps the
/// completions and wakes the futures they belong to (whatever executor
/// polls them). While it exists the driver submits each request at once
/// (see the module docs), and the driver is the thread's current one for
/// [`crate::time`] and the operations' undriven check.
///
/// A ring has one registered eventfd: a second `ExternalLoop` on the same
/// driver fails with `EBUSY`. Dropping it unregisters the eventfd.
///
/// ```
/// use ring_core::compat::ExternalLoop;
/// use ring_core::Driver;
/// use std::future::Future;
/// use std::os::fd::AsRawFd;
/// use std::task::{Context, Poll, Waker};
/// use std::time::Duration;
///
/// let driver = Driver::new(32)?;
/// let ext = ExternalLoop::new(&driver)?;
/// let mut sleep = std::pin::pin!(driver.sleep(Duration::from_millis(5)));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(sleep.as_mut().poll(&mut cx).is_pending());
/// // The loop waits for the descriptor (poll(2) here; epoll or tokio alike).
/// let mut pfd = libc::pollfd { fd: ext.fd().as_raw_fd(), events: libc::POLLIN, revents: 0 };
/// // SAFETY: one valid pollfd, for the duration of the call.
/// assert_eq!(unsafe { libc::poll(&mut pfd, 1, 5000) }, 1);
/// ext.turn()?;
/// assert!(matches!(sleep.as_mut().poll(&mut cx), Poll::Ready(Ok(true))));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ExternalLoop<K: Kernel = Linux> {
    driver: Driver<K>,
    efd: Rc<OwnedFd>,
    _current: Option<context::Guard>,
}

impl<K: Kernel + 'static> ExternalLoop<K> {
    /// Registers an eventfd with `driver`'s ring and marks the driver as
    /// driven by an external loop.
    pub fn new(driver: &Driver<K>) -> io::Result<Self> {
        // SAFETY: eventfd has no memory effects; a negative result is an error.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nothing else owns.
        let efd = unsafe { OwnedFd::from_raw_fd(raw) };
        let raw = efd.as_raw_fd();
        match driver.ring_mut(|ring| ring.register_eventfd(raw)) {
            Some(Ok(())) => {}
            // The kernel's answer as is (`EBUSY`: the ring has an eventfd).
            Some(Err(e)) => return Err(e.errno().map_or_else(|| e.into(), |n| io::Error::from_raw_os_error(n.raw()))),
            None => return Err(io::Error::from_raw_os_error(libc::ECANCELED)),
        }
        let efd = Rc::new(efd);
        driver.shared.set_external_loop(true);
        driver.shared.attend.mark();
        driver.shared.attend.add_loop(&efd);
        let current = context::enter(context::Entry { spawner: None, driver: Rc::new(driver.clone()), blocking: None });
        Ok(ExternalLoop { driver: driver.clone(), efd, _current: Some(current) })
    }

    /// The eventfd to wait on: readable once a completion was posted since
    /// the last [`turn`](Self::turn).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.efd.as_fd()
    }

    /// Resets the eventfd, submits what was written, reaps the completions
    /// and wakes their futures, without blocking. Call it when
    /// [`fd`](Self::fd) is readable (a spurious call costs one system call).
    pub fn turn(&self) -> io::Result<()> {
        let mut v = 0u64;
        // SAFETY: reads at most 8 bytes into a live u64; the eventfd is
        // non-blocking, so an empty one answers EAGAIN, which is fine.
        unsafe { libc::read(self.efd.as_raw_fd(), (&raw mut v).cast(), 8) };
        self.driver.poll()
    }

    /// The driver.
    ///
    /// ```
    /// let ext = ring_core::compat::ExternalLoop::new(&ring_core::Driver::new(8)?)?;
    /// assert_eq!(ext.driver().in_flight(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn driver(&self) -> &Driver<K> {
        &self.driver
    }
}

impl<K: Kernel> AsFd for ExternalLoop<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.efd.as_fd()
    }
}

impl<K: Kernel> Drop for ExternalLoop<K> {
    fn drop(&mut self) {
        // Unregistered before the descriptor closes (the kernel holds its
        // own reference anyway); nothing to do if the driver is shut down.
        let _ = self.driver.ring_mut(|ring| ring.unregister_eventfd());
        self.driver.shared.set_external_loop(false);
        self.driver.shared.attend.remove_loop(&self.efd);
    }
}

impl<K: Kernel> core::fmt::Debug for ExternalLoop<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExternalLoop").field("fd", &self.efd.as_raw_fd()).finish()
    }
}
