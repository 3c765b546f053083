//! Explicit cancellation: [`Op::cancel`] asks the kernel to stop an
//! operation and, unlike dropping its future, gives its output (and so its
//! buffers) back, saying whether it ran or was cancelled.

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::op::Op;
use crate::ownership::operation::Operation;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

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

impl<T: Operation, K: Kernel> Op<T, K> {
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
