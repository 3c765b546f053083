//! Operations as futures: the [`Op`] future that claims a table entry for
//! an [`Operation`], explicit cancellation, and the [`MultiOp`] stream of
//! a [`Multishot`] operation.
//!
//! An operation goes through these states (see `docs/ownership.md` for the
//! full argument):
//!
//! 1. **Waiting**: the future holds the operation's value; the kernel knows
//!    nothing of it. Dropping the future here simply drops the value.
//! 2. **In flight**: the value was moved into the driver's table entry, its
//!    SQE built from it at that address and published. The future holds
//!    only `(index, generation)`. Dropping the future *orphans* the entry:
//!    the driver submits a cancellation and keeps the value until the
//!    terminal completion. Forgetting the future leaks the claim; the value
//!    stays in the table until the completion arrives and the driver is
//!    dropped, and is never freed while the kernel may use it.
//! 3. **Done**: the terminal completion arrived. The next poll moves the
//!    value back out and returns it with the result.
#![allow(unsafe_code)]

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::admission::Start;
use crate::ownership::driver::collect::{Collect, StreamPoll};
use crate::ownership::driver::handle::Driver;
use crate::ownership::driver::shared::Shared;
use crate::ownership::operation::{Multishot, Operation, PollOperation, PollTarget, Streaming};
use crate::raw::cqueue::Cqe;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::rc::Rc;

/// Whether an explicitly cancelled operation ran or was cancelled; either
/// way its output (and so its buffers) comes back.
#[derive(Debug)]
pub enum Cancelled<O> {
    /// It completed before the cancellation took effect; nothing is lost.
    Completed(O),
    /// The kernel cancelled it (`-ECANCELED`, or `-EINTR` for some operations).
    Cancelled(O),
}

impl<O> Cancelled<O> {
    /// The output, whichever way it ended.
    pub fn into_inner(self) -> O {
        match self {
            Cancelled::Completed(o) | Cancelled::Cancelled(o) => o,
        }
    }

    /// Whether the kernel cancelled it.
    pub fn was_cancelled(&self) -> bool {
        matches!(self, Cancelled::Cancelled(_))
    }
}

pub(crate) enum OpState<T> {
    /// Not yet in the kernel; holds the value, and a place in the queue for
    /// a free entry if it had to wait.
    Waiting { op: T, ticket: Option<u64> },
    /// In the table at (index, generation).
    Submitted { index: u32, generation: u32 },
    /// The output was returned.
    Finished,
}

/// A future of an operation's output. Created by the driver's operation
/// methods; submits on first poll.
///
/// ```
/// use ring_core::{Cancelled, Op};
/// use ring_core::op::CancelOp;
/// use ring_core::ops::{PollAdd, Recv};
/// use std::rc::Rc;
/// use std::task::{Context, Waker};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let a = Rc::new(a);
/// rt.block_on(async {
///     // A receive that will not complete: cancel it and get the buffer back.
///     let mut recv: Op<Recv<Vec<u8>>> = d.recv(&a, Vec::with_capacity(64), 0);
///     assert_eq!(recv.user_data(), None); // not submitted yet
///     let mut cx = Context::from_waker(Waker::noop());
///     assert!(std::pin::Pin::new(&mut recv).poll(&mut cx).is_pending());
///     assert!(recv.user_data().is_some());
///     let cancel: CancelOp<Recv<Vec<u8>>> = recv.cancel();
///     let c: Cancelled<_> = cancel.await;
///     assert!(c.was_cancelled());
///     let (_res, buf) = c.into_inner();
///     assert_eq!(buf.capacity(), 64);
///
///     // A poll's future names it for `poll_remove` once submitted.
///     let mut poll: Op<PollAdd> = d.poll_add(&a, libc::POLLIN as u32);
///     assert!(std::pin::Pin::new(&mut poll).poll(&mut cx).is_pending());
///     d.poll_remove(poll.poll_target().expect("submitted"))?.await?;
///     assert!(poll.await.is_err());
///     Ok::<(), std::io::Error>(())
/// })??;
/// # use std::future::Future;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "an operation does nothing until polled"]
pub struct Op<T: Operation, K: Kernel = Linux> {
    pub(crate) shared: Rc<Shared<K>>,
    pub(crate) state: OpState<T>,
    pub(crate) cancel: bool,
}

impl<T: Operation, K: Kernel> Unpin for Op<T, K> {}

impl<T: Operation, K: Kernel> core::fmt::Debug for Op<T, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            OpState::Waiting { .. } => "not started",
            OpState::Submitted { .. } => "in flight",
            OpState::Finished => "finished",
        };
        f.debug_struct("Op").field("operation", &core::any::type_name::<T>()).field("state", &state).finish()
    }
}

impl<T: Operation, K: Kernel> Op<T, K> {
    pub(crate) fn new(driver: &Driver<K>, op: T) -> Self {
        Op { shared: driver.shared.clone(), state: OpState::Waiting { op, ticket: None }, cancel: false }
    }

    /// Asks the kernel to cancel the operation and resolves to its output
    /// together with whether it ran or was cancelled. Cancelling an
    /// operation that already completed returns the completed result.
    /// Unlike dropping the future (which orphans the operation: the driver
    /// cancels it and drops its buffers once the kernel is done), this
    /// gives the buffers back.
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Waker};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
    /// let mut recv = d.recv(&std::rc::Rc::new(a), Vec::with_capacity(64), 0);
    /// // In the kernel, waiting for data that never comes.
    /// assert!(std::pin::Pin::new(&mut recv).poll(&mut Context::from_waker(Waker::noop())).is_pending());
    /// let c = rt.block_on(recv.cancel())?;
    /// assert!(c.was_cancelled());
    /// assert_eq!(c.into_inner().1.capacity(), 64, "the buffer came back");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cancel(mut self) -> CancelOp<T, K> {
        self.cancel = true;
        CancelOp { op: self }
    }

    /// The operation's value, if it has not been polled yet (so it never
    /// reached the kernel); otherwise the future back. For putting an
    /// operation built by a [`Driver`] method into a linked chain
    /// ([`crate::driver::Chain::push`]), which keeps the checks the method
    /// made.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// rt.block_on(async move {
    ///     let mut chain = d.chain();
    ///     let nop = chain.push(d.nop().into_operation().expect("not polled yet"));
    ///     let timer = chain.push(ring_core::ops::LinkTimeout::new(Duration::from_secs(1)));
    ///     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
    ///     started.take(nop).unwrap().await?;
    ///     assert!(!started.take(timer).unwrap().await?, "the nop finished first");
    ///     Ok::<(), std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_operation(mut self) -> Result<T, Self> {
        match core::mem::replace(&mut self.state, OpState::Finished) {
            OpState::Waiting { op, ticket } if !self.cancel => {
                // Its place in the queue for a credit, if it had one, is
                // given up; the future is dropped as finished.
                self.shared.forget_ticket(ticket);
                Ok(op)
            }
            other => {
                self.state = other;
                Err(self)
            }
        }
    }

    /// The `user_data` of the operation once submitted: the number its
    /// completions carry, for tracing. No safe API takes it back: a number
    /// names an operation only on its own ring and only until the entry is
    /// reused (use [`poll_target`](Op::poll_target) to name a poll to
    /// [`Driver::poll_remove`](crate::Driver::poll_remove)).
    pub fn user_data(&self) -> Option<u64> {
        match self.state {
            OpState::Submitted { index, generation } => Some(crate::ownership::driver::slot::encode(index, generation)),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn poll_inner(&mut self, cx: &mut Context<'_>) -> Poll<(T::Output, bool)> {
        // The common poll first: the operation is in the kernel (or its
        // completion is waiting to be collected).
        if let OpState::Submitted { index, generation } = self.state {
            self.poll_submitted(index, generation, cx)
        } else {
            self.poll_start(cx)
        }
    }

    /// Polls the operation in entry `index` at `generation`.
    #[inline(never)]
    fn poll_submitted(&mut self, index: u32, generation: u32, cx: &mut Context<'_>) -> Poll<(T::Output, bool)> {
        if self.cancel {
            self.shared.request_cancel(index, generation);
        }
        match self.shared.poll_complete::<T>(index, generation, cx) {
            Collect::Ready { op, result, last, cancelled, side_work } => {
                // The value is out of the table: the claim is spent before
                // the operation's own code (`complete`) runs.
                self.state = OpState::Finished;
                let out = op.complete(result, last);
                if side_work {
                    // Foreign code (wakers), run once the output is made; a
                    // panic there is kept for the driver's next turn rather
                    // than lose the output.
                    self.shared.after_collect();
                }
                Poll::Ready((out, cancelled))
            }
            Collect::Pending => Poll::Pending,
        }
    }

    /// The outcomes of a start other than `Started` (kept out of the common
    /// path).
    #[cold]
    #[inline(never)]
    fn not_started(&mut self, start: Start<T>, cx: &mut Context<'_>) -> Poll<(T::Output, bool)> {
        match start {
            Start::Wait(op, ticket) => {
                // The ticket is recorded before the waker is cloned (foreign
                // code, which may panic or call back into the driver).
                self.state = OpState::Waiting { op, ticket: Some(ticket) };
                self.shared.settle_wait(ticket, cx);
                Poll::Pending
            }
            // Handled by `poll_start`, which knows the ticket (put back
            // without one, should it ever come here).
            Start::Busy(op) => {
                self.state = OpState::Waiting { op, ticket: None };
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Start::Closed(op) => {
                // The driver is shut down; the operation never reached the
                // kernel and ends as cancelled.
                let cqe = Cqe { res: -libc::ECANCELED, ..Cqe::default() };
                Poll::Ready((op.complete(cqe, cqe), true))
            }
            Start::Refused(op, errno) => {
                // The ring cannot carry it (a 128-byte entry on a 64-byte
                // ring, more completions than its CQ holds, or a resource of
                // another ring): it never reached the kernel.
                let cqe = Cqe { res: -errno, ..Cqe::default() };
                Poll::Ready((op.complete(cqe, cqe), false))
            }
            Start::StartedThen(user_data) => {
                let (index, generation) = crate::ownership::driver::slot::decode(user_data);
                // The claim first: whatever the foreign code below does
                // (clone the waker, wake or drop others), the operation's
                // outcome stays with this future.
                self.state = OpState::Submitted { index, generation };
                self.shared.settle_start(index, generation, cx);
                Poll::Pending
            }
            // Handled by `poll_start` (put back, should it ever come here).
            Start::Started(user_data) => {
                let (index, generation) = crate::ownership::driver::slot::decode(user_data);
                self.state = OpState::Submitted { index, generation };
                Poll::Pending
            }
        }
    }

    /// Polls an operation that has not reached the kernel (or has finished).
    #[inline(never)]
    fn poll_start(&mut self, cx: &mut Context<'_>) -> Poll<(T::Output, bool)> {
        match core::mem::replace(&mut self.state, OpState::Finished) {
            OpState::Waiting { op, ticket } => {
                if self.cancel {
                    // Cancelled before it ever reached the kernel: it is
                    // complete, as cancelled, with nothing lost.
                    self.shared.forget_ticket(ticket);
                    let cqe = Cqe { res: -libc::ECANCELED, ..Cqe::default() };
                    return Poll::Ready((op.complete(cqe, cqe), true));
                }
                match self.shared.start(op, ticket, cx) {
                    Start::Started(user_data) => {
                        let (index, generation) = crate::ownership::driver::slot::decode(user_data);
                        // Its waker is registered, and no completion can
                        // have been dispatched yet: completions are only
                        // reaped when the driver turns, never inside `start`
                        // (which runs no foreign code).
                        self.state = OpState::Submitted { index, generation };
                        Poll::Pending
                    }
                    Start::Busy(op) => {
                        // Polled from inside the driver (an operation's own
                        // code calling back): nothing changed; the future
                        // polls again.
                        self.state = OpState::Waiting { op, ticket };
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    }
                    other => self.not_started(other, cx),
                }
            }
            // Not reached (`poll_inner` sends these to `poll_submitted`);
            // the claim is put back rather than lost if it ever is.
            OpState::Submitted { index, generation } => {
                self.state = OpState::Submitted { index, generation };
                Poll::Pending
            }
            OpState::Finished => Poll::Pending,
        }
    }
}

impl<T: Operation, K: Kernel> Future for Op<T, K> {
    type Output = T::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        self.poll_inner(cx).map(|(out, _)| out)
    }
}

impl<T: Operation, K: Kernel> Op<T, K> {
    /// Whether the operation has not reached the kernel (not polled yet,
    /// or queued for a credit): ending it needs no cancellation.
    pub(crate) fn never_submitted(&self) -> bool {
        matches!(self.state, OpState::Waiting { .. })
    }
}

impl<T: Operation, K: Kernel> Drop for Op<T, K> {
    #[inline]
    fn drop(&mut self) {
        // The common case, a finished operation, needs no work.
        if !matches!(self.state, OpState::Finished) {
            self.drop_unfinished();
        }
    }
}

impl<T: Operation, K: Kernel> Op<T, K> {
    /// Drops an operation that has not finished: its entry becomes an
    /// orphan (the value stays in the table until the terminal completion),
    /// or, if it never started, its value is dropped here.
    #[inline(never)]
    fn drop_unfinished(&mut self) {
        match core::mem::replace(&mut self.state, OpState::Finished) {
            OpState::Submitted { index, generation } => self.shared.orphan(index, generation),
            OpState::Waiting { op, ticket } => {
                self.shared.forget_ticket(ticket);
                drop(op);
            }
            OpState::Finished => {}
        }
    }
}

impl<T: Operation + PollOperation, K: Kernel> Op<T, K> {
    /// A handle that names this poll, and only this poll, to
    /// [`Driver::poll_remove`](crate::Driver::poll_remove) and
    /// [`Driver::poll_update`](crate::Driver::poll_update) of this driver.
    /// `None` until the poll was submitted (its first poll), once it has
    /// completed, and when called from inside the driver.
    pub fn poll_target(&self) -> Option<PollTarget> {
        match self.state {
            OpState::Submitted { index, generation } => self.shared.poll_target(index, generation),
            _ => None,
        }
    }
}

/// The future returned by [`Op::cancel`].
#[must_use = "a cancellation does nothing until polled"]
pub struct CancelOp<T: Operation, K: Kernel = Linux> {
    op: Op<T, K>,
}

impl<T: Operation, K: Kernel> Future for CancelOp<T, K> {
    type Output = Cancelled<T::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.op.poll_inner(cx).map(
            |(out, cancelled)| {
                if cancelled {
                    Cancelled::Cancelled(out)
                } else {
                    Cancelled::Completed(out)
                }
            },
        )
    }
}

/// A stream of a multishot operation's items.
///
/// Poll it with [`next`](MultiOp::next) (or [`poll_next`](MultiOp::poll_next));
/// it yields `None` after the completion without `IORING_CQE_F_MORE`,
/// whether the kernel ended it normally, early (for example `-ENOBUFS`,
/// which arrives as the last item's error), or because it was cancelled.
/// Dropping the stream cancels the operation; its memory stays with the
/// driver until the kernel's last completion.
///
/// ```
/// use ring_core::ops::PollMulti;
/// use ring_core::MultiOp;
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// rt.block_on(async {
///     let mut events: MultiOp<PollMulti> = d.poll_multishot(&b, libc::POLLIN as u32);
///     (&a).write_all(b"x")?;
///     let first = events.next().await.expect("an event")?;
///     assert!(first & libc::POLLIN as u32 != 0);
///     assert!(events.poll_target().is_some());
///     events.cancel();
///     // Or by hand: `poll_next` is what `next` awaits.
///     std::future::poll_fn(|cx| match events.poll_next(cx) {
///         std::task::Poll::Ready(Some(_)) => {
///             cx.waker().wake_by_ref();
///             std::task::Poll::Pending
///         }
///         std::task::Poll::Ready(None) => std::task::Poll::Ready(()),
///         std::task::Poll::Pending => std::task::Poll::Pending,
///     })
///     .await;
///     // Ended: the operation's value comes back.
///     let _value: Option<PollMulti> = events.into_inner();
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "a multishot operation does nothing until polled"]
pub struct MultiOp<T: Multishot, K: Kernel = Linux> {
    shared: Rc<Shared<K>>,
    state: OpState<Streaming<T>>,
    done: Option<T>,
    cancel: bool,
}

impl<T: Multishot, K: Kernel> Unpin for MultiOp<T, K> {}

impl<T: Multishot, K: Kernel> MultiOp<T, K> {
    pub(crate) fn new(driver: &Driver<K>, op: T) -> Self {
        MultiOp {
            shared: driver.shared.clone(),
            state: OpState::Waiting { op: Streaming(op), ticket: None },
            done: None,
            cancel: false,
        }
    }

    /// The next item, or `None` once the stream has ended.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<T::Item>> {
        loop {
            // The claim stays recorded while the driver (and `item`, the
            // operation's own code) runs, so a panic there loses nothing.
            if let OpState::Submitted { index, generation } = self.state {
                if self.cancel {
                    self.shared.request_cancel(index, generation);
                }
                return match self.shared.poll_stream::<T>(index, generation, cx) {
                    StreamPoll::Item(item) => Poll::Ready(Some(item)),
                    StreamPoll::Last(item, op) => {
                        self.state = OpState::Finished;
                        self.done = Some(op);
                        Poll::Ready(item)
                    }
                    StreamPoll::End(op) => {
                        self.state = OpState::Finished;
                        self.done = Some(op);
                        Poll::Ready(None)
                    }
                    StreamPoll::Pending => Poll::Pending,
                };
            }
            match core::mem::replace(&mut self.state, OpState::Finished) {
                OpState::Waiting { op, ticket } => {
                    if self.cancel {
                        self.shared.forget_ticket(ticket);
                        self.done = Some(op.0);
                        return Poll::Ready(None);
                    }
                    match self.shared.start(op, ticket, cx) {
                        Start::Started(user_data) => {
                            let (index, generation) = crate::ownership::driver::slot::decode(user_data);
                            self.state = OpState::Submitted { index, generation };
                        }
                        Start::StartedThen(user_data) => {
                            let (index, generation) = crate::ownership::driver::slot::decode(user_data);
                            self.state = OpState::Submitted { index, generation };
                            self.shared.settle_start(index, generation, cx);
                        }
                        Start::Wait(op, ticket) => {
                            self.state = OpState::Waiting { op, ticket: Some(ticket) };
                            self.shared.settle_wait(ticket, cx);
                            return Poll::Pending;
                        }
                        Start::Busy(op) => {
                            self.state = OpState::Waiting { op, ticket };
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                        Start::Closed(op) => {
                            self.done = Some(op.0);
                            return Poll::Ready(None);
                        }
                        Start::Refused(mut op, errno) => {
                            // It never reached the kernel: the stream's one
                            // item says why, as a kernel's refusal would.
                            let cqe = Cqe { res: -errno, ..Cqe::default() };
                            let item = op.0.item(cqe);
                            self.done = Some(op.0);
                            return Poll::Ready(item);
                        }
                    }
                }
                // Handled above.
                OpState::Submitted { index, generation } => self.state = OpState::Submitted { index, generation },
                OpState::Finished => return Poll::Ready(None),
            }
        }
    }

    /// A future of the next item.
    #[allow(clippy::should_implement_trait, reason = "an async stream's next, not Iterator::next")]
    pub fn next(&mut self) -> Next<'_, T, K> {
        Next { stream: self }
    }

    /// Asks the kernel to stop the operation. Items already posted are
    /// still delivered; the stream then ends.
    pub fn cancel(&mut self) {
        self.cancel = true;
        if let OpState::Submitted { index, generation } = self.state {
            self.shared.request_cancel(index, generation);
        }
    }

    /// The operation's value, once the stream has ended.
    pub fn into_inner(mut self) -> Option<T> {
        self.done.take()
    }
}

impl<T: Multishot, K: Kernel> Drop for MultiOp<T, K> {
    fn drop(&mut self) {
        match core::mem::replace(&mut self.state, OpState::Finished) {
            OpState::Submitted { index, generation } => self.shared.orphan(index, generation),
            OpState::Waiting { ticket, .. } => self.shared.forget_ticket(ticket),
            OpState::Finished => {}
        }
    }
}

impl<T: Multishot + PollOperation, K: Kernel> MultiOp<T, K> {
    /// As [`Op::poll_target`], for a multishot poll
    /// ([`Driver::poll_multishot`](crate::Driver::poll_multishot)).
    pub fn poll_target(&self) -> Option<PollTarget> {
        match self.state {
            OpState::Submitted { index, generation } => self.shared.poll_target(index, generation),
            _ => None,
        }
    }
}

/// The future returned by [`MultiOp::next`].
pub struct Next<'a, T: Multishot, K: Kernel = Linux> {
    stream: &'a mut MultiOp<T, K>,
}

impl<T: Multishot, K: Kernel> Future for Next<'_, T, K> {
    type Output = Option<T::Item>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.stream.poll_next(cx)
    }
}

/// # Any operation
///
/// An [`Operation`] value (see [`crate::ops`], whose values have public
/// constructors) as a future, and the `unsafe` escape hatch for an entry
/// the crate has no operation for.
///
/// ```
/// use ring_core::ops::Recv;
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = UnixStream::pair()?;
/// (&a).write_all(b"hi")?;
/// let b = Rc::new(b);
/// let (n, buf) = rt.block_on(d.op(Recv::new(&b, Vec::with_capacity(8), 0)))?;
/// assert_eq!(&buf[..n?], b"hi");
///
/// // A raw entry with the value that keeps its memory alive: a NOP here.
/// // SAFETY: the entry touches no memory.
/// let raw = unsafe {
///     d.submit_raw((), |_| {
///         let mut sqe = ring_core::sys::io_uring_sqe::default();
///         sqe.opcode = ring_core::sys::IORING_OP_NOP;
///         sqe
///     })
/// };
/// let (cqe, ()) = rt.block_on(raw)?;
/// assert_eq!(cqe.result(), Ok(0));
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Starts `op` as a future. The operation is submitted on first poll.
    pub fn op<T: Operation>(&self, op: T) -> Op<T, K> {
        Op::new(self, op)
    }

    /// Submits any SQE together with the value that keeps its memory alive,
    /// as a future of the completion and the value.
    ///
    /// `build` is called with the value at its final address in the
    /// driver's table and returns the SQE (its `user_data` is replaced).
    ///
    /// # Safety
    ///
    /// The SQE must make the kernel touch only memory that `owned` owns
    /// (inline, or through heap pointers it owns) or `'static` memory, and
    /// for writes only memory nothing else can reach while the operation is
    /// in flight; it must not post more than one completion without
    /// `IORING_CQE_F_MORE` (the driver frees `owned` at the first
    /// completion without it). For example, a read into a `Vec<u8>` held by
    /// `owned`, with `addr` from `owned.as_mut_ptr()` inside `build`, is
    /// sound; a read into a stack array, or into a `Vec` the caller keeps a
    /// clone of the pointer to and reads concurrently, is not. File
    /// descriptors are looked up by the kernel when it issues the request;
    /// one closed and reused meanwhile names another file (not memory
    /// unsafety, but a logic error).
    pub unsafe fn submit_raw<T: 'static, F>(&self, owned: T, build: F) -> Op<RawOp<T, F>, K>
    where
        F: FnMut(&mut T) -> io_uring_sqe + 'static,
    {
        Op::new(self, RawOp { owned, build })
    }
}

/// An operation submitted with [`Driver::submit_raw`].
///
/// ```
/// use ring_core::driver::op::{Next, RawOp};
/// use ring_core::ops::TimeoutStream;
/// use ring_core::Op;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // SAFETY: the entry (a NOP) touches no memory.
/// let raw: Op<RawOp<u32, _>> = unsafe {
///     d.submit_raw(5u32, |_| ring_core::opcode::Nop::new().build().into_sqe())
/// };
/// let (cqe, kept) = rt.block_on(raw)?;
/// assert_eq!((cqe.result(), kept), (Ok(0), 5));
///
/// // `MultiOp::next` is a future of the stream's next item.
/// let mut ticks = d.ticks(std::time::Duration::from_millis(1), 1);
/// let next: Next<'_, TimeoutStream> = ticks.next();
/// assert!(rt.block_on(next)?.expect("one tick").is_ok());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RawOp<T, F> {
    owned: T,
    build: F,
}

// SAFETY: the contract of `Driver::submit_raw`, which the caller accepted,
// is this trait's contract.
unsafe impl<T: 'static, F: FnMut(&mut T) -> io_uring_sqe + 'static> Operation for RawOp<T, F> {
    type Output = (Cqe, T);

    fn prepare(&mut self) -> io_uring_sqe {
        (self.build)(&mut self.owned)
    }

    fn complete(self, result: Cqe, _last: Cqe) -> (Cqe, T) {
        (result, self.owned)
    }
}
