//! Operations as futures: the [`Operation`] contract, the [`Op`] future that
//! claims a table entry, and explicit cancellation.
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

use crate::cqueue::Cqe;
use crate::driver::{Collect, Driver, Shared, Start};
use crate::kernel::{Kernel, Linux};
use crate::ring::RingId;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::rc::Rc;

/// An operation whose memory the driver owns while the kernel uses it.
///
/// # Safety
///
/// [`prepare`](Operation::prepare) is called once the value sits at its final
/// address in the driver's table, and the value is not moved or dropped
/// until the operation's terminal completion (the first one without
/// `IORING_CQE_F_MORE`) has been seen. Implementors promise that the SQE
/// it returns makes the kernel read or write only:
///
/// - memory owned by `self` (inline, or on the heap through owned
///   pointers), within what `self` owns, or `'static` memory;
/// - for writes, memory nothing else can read or write while `self` is in
///   the table (owned buffers, not shared references into Rust objects);
///
/// and that it names no resource (a registered buffer or file index) that
/// could be released while the operation is in flight, unless `self` holds
/// what keeps it registered. A resource registered with a ring means
/// something else (or nothing) on another ring: an operation that names
/// one says which ring it belongs to in [`refuse`](Operation::refuse).
pub unsafe trait Operation: 'static {
    /// What the operation resolves to (typically the result with the
    /// operation's buffers).
    type Output;

    /// Completion-queue entries the operation can post before its terminal
    /// one, plus one; the driver never admits more operations than the CQ
    /// can hold. 1 for single-shot operations, 2 for zero-copy sends (the
    /// result and the notification).
    const CQES: u32 = 1;

    /// Whether completions are queued as a stream ([`MultiOp`]) rather than
    /// kept as one result. Set by the multishot adapter only.
    #[doc(hidden)]
    const MULTISHOT: bool = false;

    /// Whether a [`PollTarget`] may name this operation (the polls; see
    /// [`PollOperation`]). Set by ring-core's own polls only.
    #[doc(hidden)]
    const NAMEABLE: bool = false;

    /// The operation of this driver that this one acts on, if it acts on
    /// one (a poll removal or update). The driver starts it only while that
    /// operation is in flight, and refuses it otherwise (it completes with
    /// `ENOENT` without reaching the kernel). Set by ring-core's own
    /// operations only.
    #[doc(hidden)]
    fn names(&self) -> Option<PollTarget> {
        None
    }

    /// Builds the SQE from `self` at its final address. `user_data` is
    /// overwritten by the driver. Runs inside the driver, with its state
    /// borrowed: it must not call back into it (a call that does is refused
    /// or deferred, see `docs/ownership.md`, "Foreign code"); if it panics,
    /// nothing was published and the value is dropped as the panic leaves.
    fn prepare(&mut self) -> io_uring_sqe;

    /// Whether the operation must not start on the ring `ring`, and if so
    /// the errno it completes with instead. The driver asks before
    /// anything reaches the kernel (alone or in a chain, which is then
    /// refused whole); a refused operation completes through
    /// [`complete`](Operation::complete) with that errno and its values.
    ///
    /// Operations that name a resource registered with one ring (a buffer
    /// group, a registered buffer, a direct descriptor or its table)
    /// return `Some(EXDEV)` for every other ring: the same index names
    /// another resource there, or none. The default refuses no ring.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        let _ = ring;
        None
    }

    /// Whether this operation needs a 128-byte SQE (the `*128` opcodes on
    /// an `IORING_SETUP_SQE_MIXED` ring, or a command using the extended
    /// area on an `IORING_SETUP_SQE128` ring). The driver then calls
    /// [`prepare128`](Operation::prepare128) instead of `prepare`, and
    /// refuses the operation (it completes with `-EINVAL`, never reaching the
    /// kernel) on a ring set up with neither flag.
    fn is_128(&self) -> bool {
        false
    }

    /// Builds the 128-byte SQE, under the same contract as `prepare`. The
    /// default puts `prepare`'s entry in the first half and zeroes the rest.
    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        ring_sys::io_uring_sqe128 { sqe: self.prepare(), ..Default::default() }
    }

    /// Turns the completion into the output, giving the memory back.
    /// `result` is the first completion (the operation's result); `last`
    /// is the terminal one (the same, except for zero-copy sends, where it
    /// is the notification).
    fn complete(self, result: Cqe, last: Cqe) -> Self::Output;

    /// Called instead of [`complete`](Operation::complete) when the owner
    /// was gone before the operation ended. The default drops `self`;
    /// operations that create resources (an opened or accepted descriptor)
    /// release them here so a cancelled-but-successful operation leaks
    /// nothing (bug class 4.6).
    fn orphaned(self, result: Cqe, last: Cqe)
    where
        Self: Sized,
    {
        let _ = (result, last);
    }

    /// Called, for a multishot operation whose owner (the stream) is gone,
    /// with each completion the owner never received, in order and exactly
    /// once, including the terminal one (before
    /// [`orphaned`](Operation::orphaned)). The default ignores it; streams
    /// turn it into an item and drop that, so a provided buffer it reports
    /// is recycled. Runs inside the driver, with its state borrowed: it must
    /// not call back into it (a call that does is refused or deferred).
    fn orphaned_cqe(&mut self, cqe: Cqe) {
        let _ = cqe;
    }
}

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
            OpState::Submitted { index, generation } => Some(crate::driver::slot::encode(index, generation)),
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
                let (index, generation) = crate::driver::slot::decode(user_data);
                // The claim first: whatever the foreign code below does
                // (clone the waker, wake or drop others), the operation's
                // outcome stays with this future.
                self.state = OpState::Submitted { index, generation };
                self.shared.settle_start(index, generation, cx);
                Poll::Pending
            }
            // Handled by `poll_start` (put back, should it ever come here).
            Start::Started(user_data) => {
                let (index, generation) = crate::driver::slot::decode(user_data);
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
                        let (index, generation) = crate::driver::slot::decode(user_data);
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

/// A multishot operation: one SQE, a stream of completions, each with
/// `IORING_CQE_F_MORE` except the last.
///
/// # Safety
///
/// As for [`Operation`]: the SQE touches only memory `self` owns (or
/// `'static` memory), which the driver keeps until the completion without
/// `IORING_CQE_F_MORE`. In addition, [`item`](Multishot::item) runs while
/// the operation may still be in flight, so it must not write memory the
/// kernel may be reading or writing.
pub unsafe trait Multishot: 'static {
    /// What each completion becomes.
    type Item;

    /// As [`Operation::NAMEABLE`].
    #[doc(hidden)]
    const NAMEABLE: bool = false;

    /// Builds the SQE from `self` at its final address.
    fn prepare(&mut self) -> io_uring_sqe;

    /// As [`Operation::refuse`]. A refused stream yields one item, made by
    /// [`item`](Multishot::item) from a completion carrying the errno and
    /// no flags, and then ends.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        let _ = ring;
        None
    }

    /// Turns one completion into an item (`None` to skip it). Called
    /// exactly once per completion: for the stream's owner (with the
    /// driver's state not borrowed, while the stream keeps its claim), or,
    /// once the owner is gone, by the driver (inside its borrow), which
    /// drops the item at once; there it must not call back into the driver
    /// (a call that does is refused or deferred).
    fn item(&mut self, cqe: Cqe) -> Option<Self::Item>;
}

/// Adapts a [`Multishot`] to the driver's [`Operation`] table entry.
pub(crate) struct Streaming<T>(pub(crate) T);

// SAFETY: forwards `T`'s contract; `complete`/`orphaned` only hand `T`
// back or drop it after the terminal completion.
unsafe impl<T: Multishot> Operation for Streaming<T> {
    type Output = T;
    const MULTISHOT: bool = true;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.0.prepare()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.0.refuse(ring)
    }

    fn complete(self, _: Cqe, _: Cqe) -> T {
        self.0
    }

    fn orphaned_cqe(&mut self, cqe: Cqe) {
        // Nobody will receive the item; dropping it releases what it holds
        // (a provided buffer goes back to its ring, a descriptor is closed).
        drop(self.0.item(cqe));
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
                            let (index, generation) = crate::driver::slot::decode(user_data);
                            self.state = OpState::Submitted { index, generation };
                        }
                        Start::StartedThen(user_data) => {
                            let (index, generation) = crate::driver::slot::decode(user_data);
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

/// What polling a stream's entry found.
pub(crate) enum StreamPoll<I, T> {
    Item(I),
    /// The terminal completion's item (if any) and the value.
    Last(Option<I>, T),
    End(T),
    Pending,
}

/// Names one poll operation of one driver, for
/// [`Driver::poll_remove`](crate::Driver::poll_remove) and
/// [`Driver::poll_update`](crate::Driver::poll_update); from
/// [`Op::poll_target`] or [`MultiOp::poll_target`].
///
/// The kernel names a request by its `user_data` only, and a number names
/// different operations over time (an entry is reused) and on different
/// rings (every driver numbers its entries alike): a removal given a bare
/// number, taken from another driver or made up, would remove whichever
/// poll of this driver has that number now. A `PollTarget` records the
/// driver's ring ([`RingId`]), the entry and its generation, and the serial
/// of the start that put the poll there (never reused, unlike a generation,
/// which wraps); the driver acts on it only while that very poll is in
/// flight. Another driver's target is refused with
/// [`Error::ForeignResource`](crate::Error::ForeignResource), a target
/// whose poll has ended with [`Error::Ended`](crate::Error::Ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTarget {
    pub(crate) ring: RingId,
    pub(crate) index: u32,
    pub(crate) generation: u32,
    pub(crate) serial: u64,
    pub(crate) multishot: bool,
}

impl PollTarget {
    /// The ring of the driver the poll belongs to.
    pub fn ring_id(&self) -> RingId {
        self.ring
    }

    /// Whether the poll is multishot ([`Driver::poll_multishot`](crate::Driver::poll_multishot)).
    pub fn is_multishot(&self) -> bool {
        self.multishot
    }

    /// The poll's `user_data` (what the kernel's removal names).
    pub(crate) fn user_data(&self) -> u64 {
        crate::driver::slot::encode(self.index, self.generation)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The operations a [`PollTarget`] can name: ring-core's polls,
/// [`PollAdd`](crate::ops::PollAdd) and [`PollMulti`](crate::ops::PollMulti).
/// Sealed.
pub trait PollOperation: sealed::Sealed {}

impl sealed::Sealed for crate::ops::PollAdd {}
impl PollOperation for crate::ops::PollAdd {}
impl sealed::Sealed for crate::ops::PollMulti {}
impl PollOperation for crate::ops::PollMulti {}
