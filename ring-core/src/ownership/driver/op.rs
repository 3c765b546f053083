//! Operations as futures: the [`Op`] future that claims a table entry for
//! an [`Operation`] (this file), explicit cancellation (`op/cancel.rs`),
//! the [`MultiOp`] stream of a [`Multishot`](crate::ownership::operation::Multishot)
//! operation (`op/multi.rs`), and any operation or raw entry started as a
//! future (`op/raw.rs`).
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

mod cancel;
mod multi;
mod raw;

pub use cancel::{CancelOp, Cancelled};
pub use multi::{MultiOp, Next};
pub use raw::RawOp;

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::admission::Start;
use crate::ownership::driver::collect::Collect;
use crate::ownership::driver::handle::Driver;
use crate::ownership::driver::shared::Shared;
use crate::ownership::operation::{Operation, PollOperation, PollTarget};
use crate::raw::cqueue::Cqe;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::rc::Rc;

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
                // ring, more completions than its CQ holds, a resource of
                // another ring, or a ring still disabled): it never reached
                // the kernel.
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
