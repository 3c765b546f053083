//! Stopping a task from anywhere: [`AbortHandle`], and the wrapper that
//! stops polling an aborted task's future.

use crate::order::ABORTED;
use crate::sync::AtomicBool;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::sync::Arc;

/// Stops a task from anywhere: see [`JoinHandle::abort`](super::JoinHandle::abort). `Send + Sync +
/// Clone`; aborting a task that finished does nothing.
///
/// ```
/// use ring_core::Runtime;
/// use std::time::Duration;
///
/// let rt = Runtime::new(8)?;
/// rt.block_on(async {
///     let task = ring_core::task::spawn(ring_core::time::sleep(Duration::from_secs(3600)));
///     let abort = task.abort_handle();
///     std::thread::spawn(move || abort.abort()).join().unwrap();
///     assert!(task.await.unwrap_err().is_cancelled());
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct AbortHandle {
    inner: Arc<AbortInner>,
}

struct AbortInner {
    aborted: AtomicBool,
    /// The task's waker: an abort wakes the task so that its runtime drops
    /// it in its next round.
    task: Waker,
}

impl AbortHandle {
    pub(crate) fn new(task: Waker) -> Self {
        AbortHandle { inner: Arc::new(AbortInner { aborted: AtomicBool::new(false), task }) }
    }

    /// Asks for the task to be dropped (see [`JoinHandle::abort`](super::JoinHandle::abort)).
    pub fn abort(&self) {
        // Pairs with the load in `is_aborted`, made by the runtime's thread
        // before each poll of the task: the wake-up below queues the task,
        // and the queue's lock orders this store before that poll.
        self.inner.aborted.store(true, ABORTED);
        self.inner.task.wake_by_ref();
    }

    /// Whether [`abort`](Self::abort) was called.
    pub fn is_aborted(&self) -> bool {
        self.inner.aborted.load(ABORTED)
    }
}

impl core::fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AbortHandle").field("aborted", &self.is_aborted()).finish()
    }
}

/// Polls a task's future unless its task was aborted (then resolves to
/// `None` without polling it).
pub(super) struct Abortable<'a, F> {
    pub(super) fut: &'a mut F,
    pub(super) abort: &'a AbortHandle,
}

impl<F: Future + Unpin> Future for Abortable<'_, F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.abort.is_aborted() {
            return Poll::Ready(None);
        }
        Pin::new(&mut *self.fut).poll(cx).map(Some)
    }
}
