//! A future's panic caught where it happens, and the rule for payloads
//! caught more than once (the first is kept).

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A panic payload.
pub(super) type Payload = Box<dyn core::any::Any + Send + 'static>;

/// Keeps the first payload; later ones are leaked (dropping a payload is
/// foreign code too).
pub(super) fn keep(slot: &mut Option<Payload>, p: Payload) {
    if slot.is_none() {
        *slot = Some(p);
    } else {
        core::mem::forget(p);
    }
}

/// Runs a future, turning a panic in its `poll` into `Err(payload)`. The
/// future is dropped at once after a panic (its operations are orphaned,
/// never freed early), and never polled again; after its output it is kept
/// until this wrapper is dropped, so that the caller can deliver the output
/// before the future's destructor runs.
pub(crate) struct CatchUnwind<F> {
    fut: Option<Pin<Box<F>>>,
}

impl<F: Future> CatchUnwind<F> {
    pub(crate) fn new(fut: F) -> Self {
        CatchUnwind { fut: Some(Box::pin(fut)) }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Payload>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(fut) = self.fut.as_mut() else {
            // Polled after a panic (a caller's bug): it stays pending.
            return Poll::Pending;
        };
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(payload) => {
                let fut = self.fut.take();
                // A second panic, from the destructor, is leaked: the first
                // is the one reported.
                if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(fut))) {
                    core::mem::forget(p);
                }
                Poll::Ready(Err(payload))
            }
        }
    }
}
