//! The [`MultiOp`] stream of a [`Multishot`] operation: one request, an
//! item for each completion until the one without `IORING_CQE_F_MORE`.

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::admission::Start;
use crate::ownership::driver::collect::StreamPoll;
use crate::ownership::driver::handle::Driver;
use crate::ownership::driver::op::OpState;
use crate::ownership::driver::shared::Shared;
use crate::ownership::operation::{Multishot, PollOperation, PollTarget, Streaming};
use crate::raw::cqueue::Cqe;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::rc::Rc;

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
    /// As [`Op::poll_target`](crate::ownership::driver::op::Op::poll_target), for a multishot poll
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
