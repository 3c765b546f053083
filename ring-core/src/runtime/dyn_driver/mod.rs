//! An object-safe driver (openvmm's `pal_async` shape): usable as
//! `Box<dyn DynDriver>` on the driver's thread, or as
//! `Arc<dyn SendDriver>` from any thread, handing out **reusable**
//! objects polled again and again, instead of one future per wait:
//!
//! - [`PollTimer`]: a timer whose deadline can be reset at any time;
//! - [`PollFdReady`] and [`PollSocketReady`]: readiness of a descriptor,
//!   remembered until the caller clears it (the caller then does the I/O,
//!   and clears the readiness when the descriptor says `EAGAIN`);
//! - [`PollWait`]: waits for a signal on a descriptor (an eventfd, a
//!   pipe) and consumes it by reading `read_size` bytes;
//! - [`DynDriver::probe`] and the `unsafe` raw submission of an SQE.
//!
//! [`Driver`](crate::ownership::driver::Driver) implements [`DynDriver`] (the local form: its
//! objects are `!Send` and live on the driver's thread), and
//! [`Handle`](crate::runtime::handle::Handle) implements [`SendDriver`] (the `Send + Sync`
//! form: every object is `Send`, and each poll hands the work to the
//! runtime's thread).
//!
//! Every object owns the operation it waits on (the timer, the poll, the
//! read and its buffer). Dropping an object orphans that operation, so the
//! driver cancels it and frees its memory at its terminal completion, as
//! for any dropped future (see `docs/ownership.md`); nothing here lends the
//! kernel memory the object does not own.
//!
//! ```
//! use ring_core::dyn_driver::DynDriver;
//! use std::future::poll_fn;
//! use std::time::{Duration, Instant};
//!
//! let rt = ring_core::Runtime::new(16)?;
//! let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
//! rt.block_on(async move {
//!     let mut timer = driver.new_timer();
//!     let start = Instant::now();
//!     // One timer, reset and polled again.
//!     for ms in [1u64, 3] {
//!         timer.set_deadline(Instant::now() + Duration::from_millis(ms));
//!         poll_fn(|cx| timer.poll_timer(cx, None)).await;
//!     }
//!     assert!(start.elapsed() >= Duration::from_millis(4));
//!     assert!(driver.probe(ring_sys::IORING_OP_NOP));
//! })?;
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Every object, from the local form and from the `Send` form; the latter
//! can be polled on any thread, here on the runtime's own:
//!
//! ```
//! use ring_core::dyn_driver::{
//!     BoxFuture, BuildSqe, DynDriver, LocalBoxFuture, PollFdReady, PollSocketReady, PollTimer, PollWait, RawOutput,
//!     SendDriver, SendFd,
//! };
//! use std::future::poll_fn;
//! use std::io::Write;
//! use std::os::unix::net::UnixStream;
//! use std::sync::Arc;
//! use std::task::Poll;
//! use std::time::{Duration, Instant};
//!
//! let rt = ring_core::Runtime::new(32)?;
//! let local: Box<dyn DynDriver> = Box::new(rt.driver().clone());
//! let remote: Arc<dyn SendDriver> = Arc::new(rt.handle());
//! let (a, b) = UnixStream::pair()?;
//! let b = Arc::new(b);
//! let in_events = libc::POLLIN as u32;
//! rt.block_on(async {
//!     (&a).write_all(b"xy")?;
//!     // Readiness, kept until cleared.
//!     let mut ready: Box<dyn PollFdReady> = local.new_fd_ready(ring_core::SharedFd::from(b.clone()))?;
//!     assert!(poll_fn(|cx| ready.poll_fd_ready(cx, in_events)).await? & in_events != 0);
//!     ready.clear_fd_ready(in_events);
//!     let mut sock: Box<dyn PollSocketReady> = local.new_socket_ready(ring_core::SharedFd::from(b.clone()))?;
//!     assert!(poll_fn(|cx| sock.poll_socket_ready(cx, in_events)).await? & in_events != 0);
//!     sock.clear_socket_ready(in_events);
//!     // A signal consumed by a one-byte read; then a wait given up.
//!     let mut wait: Box<dyn PollWait> = local.new_wait(ring_core::SharedFd::from(b.clone()), 1)?;
//!     poll_fn(|cx| wait.poll_wait(cx)).await?;
//!     poll_fn(|cx| {
//!         let _ = wait.poll_wait(cx); // starts the next read
//!         Poll::Ready(())
//!     })
//!     .await;
//!     let consumed = poll_fn(|cx| wait.poll_cancel_wait(cx)).await;
//!     println!("the second byte was consumed before the cancellation: {consumed}");
//!
//!     // Raw entries: a NOP each way.
//!     let nop = || ring_core::opcode::Nop::new().build().into_sqe();
//!     // SAFETY: a NOP touches no memory and posts one completion.
//!     let fut: LocalBoxFuture<std::io::Result<i32>> = unsafe { local.submit(nop()) };
//!     assert_eq!(fut.await?, 0);
//!     let build: BuildSqe = Box::new(move |_owned| nop());
//!     // SAFETY: as above.
//!     let (r, _owned): RawOutput = unsafe { local.submit_with(Box::new(()), build) }.await;
//!     assert_eq!(r?, 0);
//!
//!     // The `Send` form: its objects go to any thread.
//!     let mut timer: Box<dyn PollTimer + Send> = remote.new_timer();
//!     timer.set_deadline(Instant::now() + Duration::from_millis(1));
//!     poll_fn(|cx| timer.poll_timer(cx, None)).await;
//!     let fd: SendFd = b.clone();
//!     (&a).write_all(b"z")?;
//!     let mut ready = remote.new_fd_ready(fd.clone())?;
//!     assert!(poll_fn(|cx| ready.poll_fd_ready(cx, in_events)).await? & in_events != 0);
//!     let mut sock = remote.new_socket_ready(fd.clone())?;
//!     assert!(poll_fn(|cx| sock.poll_socket_ready(cx, in_events)).await? & in_events != 0);
//!     let mut wait = remote.new_wait(fd, 1)?;
//!     poll_fn(|cx| wait.poll_wait(cx)).await?;
//!     assert!(remote.probe(ring_core::sys::IORING_OP_NOP));
//!     // SAFETY: as above.
//!     let fut: BoxFuture<std::io::Result<i32>> = unsafe { remote.submit(nop()) };
//!     assert_eq!(fut.await?, 0);
//!     Ok::<(), std::io::Error>(())
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```
#![allow(unsafe_code)]

mod local;
mod send;

pub use send::SendFd;

use crate::ownership::shared_fd::SharedFd;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::any::Any;
use std::io;
use std::sync::Arc;
use std::time::Instant;

/// A boxed future for the driver's thread.
pub type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// A boxed future any thread may poll.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a raw submission with a value resolves to: the result and the
/// value back.
pub type RawOutput = (io::Result<i32>, Box<dyn Any>);

/// Builds the SQE of a raw submission from the value at its final address.
pub type BuildSqe = Box<dyn FnMut(&mut dyn Any) -> io_uring_sqe>;

/// The most bytes a [`PollWait`] reads per signal.
pub const MAX_WAIT_READ: usize = 64 * 1024;

/// A timer whose deadline can be set again and again.
pub trait PollTimer {
    /// Sets the deadline, replacing the previous one. An earlier or later
    /// deadline both take effect at the next poll.
    fn set_deadline(&mut self, deadline: Instant);

    /// Ready with the current time once the deadline has passed; with
    /// `deadline`, sets it first. Without any deadline, never ready.
    fn poll_timer(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> Poll<Instant>;
}

/// The readiness of a descriptor, kept until cleared.
pub trait PollFdReady {
    /// Ready with the events (`POLLIN`, `POLLOUT`, ... as `poll(2)`'s;
    /// `POLLERR`, `POLLHUP` and `POLLNVAL` always count) seen and not yet
    /// cleared, once one of `events` is; or the error of the poll request.
    fn poll_fd_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>>;

    /// Forgets `events` (after the descriptor answered `EAGAIN`), so that
    /// the next poll waits for them again.
    fn clear_fd_ready(&mut self, events: u32);
}

/// The readiness of a socket, kept until cleared; as [`PollFdReady`], for
/// sockets (`POLLRDHUP` is worth asking for).
pub trait PollSocketReady {
    /// As [`PollFdReady::poll_fd_ready`].
    fn poll_socket_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>>;

    /// As [`PollFdReady::clear_fd_ready`].
    fn clear_socket_ready(&mut self, events: u32);
}

/// Waits for a signal on a descriptor and consumes it.
pub trait PollWait {
    /// Ready once a signal was consumed: `read_size` bytes (at most) read
    /// from the descriptor, such as an eventfd's counter; or the error.
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Cancels a wait in progress; ready with whether a signal was
    /// consumed all the same (the read completed before the cancellation
    /// took effect), so that no signal is lost unseen.
    fn poll_cancel_wait(&mut self, cx: &mut Context<'_>) -> Poll<bool>;
}

/// An object-safe driver, for its own thread (`Box<dyn DynDriver>`,
/// `Rc<dyn DynDriver>`).
pub trait DynDriver {
    /// A timer with no deadline yet.
    fn new_timer(&self) -> Box<dyn PollTimer>;

    /// A readiness object for `fd`.
    fn new_fd_ready(&self, fd: SharedFd) -> io::Result<Box<dyn PollFdReady>>;

    /// A readiness object for the socket `fd`.
    fn new_socket_ready(&self, fd: SharedFd) -> io::Result<Box<dyn PollSocketReady>>;

    /// A wait object that consumes each signal of `fd` by reading
    /// `read_size` bytes (8 for an eventfd). Zero bytes is
    /// [`Error::InvalidArgument`](crate::error::Error::InvalidArgument), more than
    /// [`MAX_WAIT_READ`] [`Error::TooLong`](crate::error::Error::TooLong), each
    /// inside the `io::Error`.
    fn new_wait(&self, fd: SharedFd, read_size: usize) -> io::Result<Box<dyn PollWait>>;

    /// Whether the kernel supports `opcode` (`IORING_REGISTER_PROBE`).
    fn probe(&self, opcode: u8) -> bool;

    /// Submits `sqe` as it is (its `user_data` is replaced) and resolves
    /// to its result (`res`, or the error it encodes).
    ///
    /// # Safety
    ///
    /// The SQE must make the kernel touch only `'static` memory (and write
    /// only memory nothing else reads or writes while it is in flight), and
    /// post exactly one completion without `IORING_CQE_F_MORE`. The
    /// request outlives the future: dropping the future cancels it, but
    /// the kernel may still touch that memory until it completes, which
    /// is why borrowed memory (a stack buffer, a `&mut` of the caller's)
    /// is not allowed. Memory that only needs to live as long as the
    /// request belongs in [`submit_with`](Self::submit_with).
    ///
    /// ```
    /// use ring_core::dyn_driver::DynDriver;
    /// # let rt = ring_core::Runtime::new(8)?;
    /// # let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    /// static GREETING: &[u8] = b"hello from a static\n";
    /// let (r, w) = std::os::unix::net::UnixStream::pair()?;
    /// let mut sqe = ring_sys::io_uring_sqe::default();
    /// sqe.opcode = ring_sys::IORING_OP_WRITE;
    /// sqe.fd = std::os::fd::AsRawFd::as_raw_fd(&w);
    /// sqe.set_addr(GREETING.as_ptr() as u64);
    /// sqe.len = GREETING.len() as u32;
    /// // SAFETY: the SQE reads only 'static memory and posts one completion;
    /// // `w` stays open until the future resolved (below).
    /// let n = rt.block_on(unsafe { driver.submit(sqe) })??;
    /// assert_eq!(n as usize, GREETING.len());
    /// # drop(r);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    unsafe fn submit(&self, sqe: io_uring_sqe) -> LocalBoxFuture<io::Result<i32>>;

    /// Submits the SQE `build` makes from `owned` at its final address, and
    /// resolves to the result and `owned` (openvmm's `issue_io`). The driver
    /// keeps `owned` until the request's terminal completion, whatever
    /// happens to the future.
    ///
    /// # Safety
    ///
    /// The SQE must make the kernel touch only memory `owned` owns (inline,
    /// or on the heap through pointers it owns) or `'static` memory, write
    /// only memory nothing else reaches while the request is in flight,
    /// and post exactly one completion without `IORING_CQE_F_MORE`. A
    /// write of a buffer held in `owned` upholds it, so it can be wrapped
    /// into a safe function:
    ///
    /// ```
    /// use ring_core::dyn_driver::{DynDriver, RawOutput};
    /// use std::os::fd::AsRawFd;
    /// use std::rc::Rc;
    ///
    /// /// A safe write on any `DynDriver`: the buffer and the descriptor
    /// /// travel inside the owned value, so both outlive the request.
    /// async fn write(driver: &dyn DynDriver, fd: Rc<std::os::unix::net::UnixStream>, buf: Vec<u8>) -> (std::io::Result<i32>, Vec<u8>) {
    ///     let owned: Box<dyn std::any::Any> = Box::new((fd, buf));
    ///     let build = Box::new(|v: &mut dyn std::any::Any| {
    ///         let mut sqe = ring_sys::io_uring_sqe::default();
    ///         if let Some((fd, buf)) = v.downcast_mut::<(Rc<std::os::unix::net::UnixStream>, Vec<u8>)>() {
    ///             sqe.opcode = ring_sys::IORING_OP_WRITE;
    ///             sqe.fd = fd.as_raw_fd();
    ///             sqe.set_addr(buf.as_ptr() as u64);
    ///             sqe.len = buf.len() as u32;
    ///         } else {
    ///             sqe.opcode = ring_sys::IORING_OP_NOP;
    ///         }
    ///         sqe
    ///     });
    ///     // SAFETY: the SQE reads only the Vec's heap memory, which `owned`
    ///     // owns, and the descriptor `owned` keeps open; a write posts one
    ///     // completion.
    ///     let (r, owned): RawOutput = unsafe { driver.submit_with(owned, build) }.await;
    ///     let buf = owned.downcast::<(Rc<std::os::unix::net::UnixStream>, Vec<u8>)>().map(|b| b.1).unwrap_or_default();
    ///     (r, buf)
    /// }
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    /// let (r, w) = std::os::unix::net::UnixStream::pair()?;
    /// let (n, buf) = rt.block_on(write(&*driver, Rc::new(w), b"owned bytes".to_vec()))?;
    /// assert_eq!(n? as usize, buf.len());
    /// # drop(r);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    unsafe fn submit_with(&self, owned: Box<dyn Any>, build: BuildSqe) -> LocalBoxFuture<RawOutput>;
}

/// The `Send + Sync` form of [`DynDriver`] (`Arc<dyn SendDriver>`),
/// implemented by [`Handle`](crate::runtime::handle::Handle): any thread makes objects and
/// polls them; the operations run on the runtime's thread.
pub trait SendDriver: Send + Sync {
    /// A timer with no deadline yet.
    fn new_timer(&self) -> Box<dyn PollTimer + Send>;

    /// A readiness object for `fd`.
    fn new_fd_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollFdReady + Send>>;

    /// A readiness object for the socket `fd`.
    fn new_socket_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollSocketReady + Send>>;

    /// As [`DynDriver::new_wait`].
    fn new_wait(&self, fd: SendFd, read_size: usize) -> io::Result<Box<dyn PollWait + Send>>;

    /// Whether the kernel supports `opcode`.
    fn probe(&self, opcode: u8) -> bool;

    /// As [`DynDriver::submit`], from any thread.
    ///
    /// # Safety
    ///
    /// As for [`DynDriver::submit`]: only `'static` memory, one terminal
    /// completion.
    unsafe fn submit(&self, sqe: io_uring_sqe) -> BoxFuture<io::Result<i32>>;
}

/// `Arc<dyn SendDriver>` is a `SendDriver` too, so code generic over the
/// trait takes either form.
impl<T: SendDriver + ?Sized> SendDriver for Arc<T> {
    fn new_timer(&self) -> Box<dyn PollTimer + Send> {
        (**self).new_timer()
    }
    fn new_fd_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollFdReady + Send>> {
        (**self).new_fd_ready(fd)
    }
    fn new_socket_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollSocketReady + Send>> {
        (**self).new_socket_ready(fd)
    }
    fn new_wait(&self, fd: SendFd, read_size: usize) -> io::Result<Box<dyn PollWait + Send>> {
        (**self).new_wait(fd, read_size)
    }
    fn probe(&self, opcode: u8) -> bool {
        (**self).probe(opcode)
    }
    unsafe fn submit(&self, sqe: io_uring_sqe) -> BoxFuture<io::Result<i32>> {
        // SAFETY: the caller's promise, passed on.
        unsafe { (**self).submit(sqe) }
    }
}

/// Checks a wait object's read size.
pub(crate) fn check_read_size(read_size: usize) -> io::Result<()> {
    if read_size == 0 {
        return Err(crate::error::Error::InvalidArgument("a wait object reads at least one byte").into());
    }
    if read_size > MAX_WAIT_READ {
        return Err(crate::error::Error::TooLong { what: "wait read size", len: read_size, max: MAX_WAIT_READ }.into());
    }
    Ok(())
}

/// A completion's result as `io::Result<i32>`.
pub(crate) fn result_of(res: i32) -> io::Result<i32> {
    if res < 0 {
        Err(io::Error::from_raw_os_error(-res))
    } else {
        Ok(res)
    }
}
