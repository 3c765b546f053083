//! A task's outcome and the handle that waits for it: [`JoinError`],
//! [`JoinHandle`] and the task's end of it (`Completer`).

use super::abort::AbortHandle;
use super::catch_unwind::Payload;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// Why a task (or a job handed to a runtime from another thread, or a
/// blocking job) did not produce its output: it panicked, or it was
/// cancelled (aborted with [`JoinHandle::abort`], or dropped unfinished
/// because its runtime was dropped first). See [`is_panic`](Self::is_panic)
/// and [`into_panic`](Self::into_panic).
///
/// ```
/// use ring_core::Runtime;
///
/// let rt = Runtime::new(8)?;
/// let err = rt.block_on(async {
///     ring_core::task::spawn(async { panic!("boom") }).await.unwrap_err()
/// })?;
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("boom"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JoinError {
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Payload),
    /// A blocking join on the thread that must run the job.
    OwnThread,
}

impl JoinError {
    pub(crate) fn cancelled() -> Self {
        JoinError { repr: Repr::Cancelled }
    }

    pub(crate) fn panic(payload: Payload) -> Self {
        JoinError { repr: Repr::Panic(payload) }
    }

    pub(crate) fn own_thread() -> Self {
        JoinError { repr: Repr::OwnThread }
    }

    /// Whether a blocking [`RemoteJoinHandle::join`](crate::handle::RemoteJoinHandle::join)
    /// was called on the runtime's own thread before the job finished: only
    /// that thread runs the job, so blocking it would never end. The job is
    /// not affected (it still runs, its output is dropped); await the handle
    /// instead, which lets the runtime run it.
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let handle = rt.handle();
    /// let job = handle.spawn(|_driver| async { 7 });
    /// // Joined by blocking on the runtime's own thread, before the runtime ran
    /// // the job: refused at once rather than blocking forever.
    /// let err = job.join().unwrap_err();
    /// assert!(err.is_own_runtime_thread());
    /// // Awaited instead, the job runs.
    /// let job = handle.spawn(|_driver| async { 7 });
    /// assert_eq!(rt.block_on(job)?.expect("the job ran"), 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_own_runtime_thread(&self) -> bool {
        matches!(self.repr, Repr::OwnThread)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// Whether the task was cancelled before it finished: aborted (see
    /// [`JoinHandle::abort`]), or dropped unfinished with its runtime.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// The panic's payload, to inspect or to re-raise with
    /// [`std::panic::resume_unwind`]; `None` if the task was cancelled.
    pub fn into_panic(self) -> Option<Payload> {
        match self.repr {
            Repr::Panic(p) => Some(p),
            Repr::Cancelled | Repr::OwnThread => None,
        }
    }

    /// The panic's message, if it panicked with a string (as `panic!` does).
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(p) => {
                p.downcast_ref::<&'static str>().copied().or_else(|| p.downcast_ref::<String>().map(String::as_str))
            }
            Repr::Cancelled | Repr::OwnThread => None,
        }
    }
}

impl core::fmt::Debug for JoinError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.repr {
            Repr::Cancelled => f.write_str("JoinError::Cancelled"),
            Repr::OwnThread => f.write_str("JoinError::OwnRuntimeThread"),
            Repr::Panic(_) => match self.panic_message() {
                Some(m) => write!(f, "JoinError::Panic({m:?})"),
                None => f.write_str("JoinError::Panic(..)"),
            },
        }
    }
}

impl core::fmt::Display for JoinError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match &self.repr {
            Repr::Cancelled => {
                f.write_str("the task was cancelled before it finished (aborted, or dropped with its runtime)")
            }
            Repr::OwnThread => f.write_str(
                "a blocking join on the runtime's own thread, which must run the job: it would never finish (await the handle instead)",
            ),
            Repr::Panic(_) => match self.panic_message() {
                Some(m) => write!(f, "the task panicked: {m}"),
                None => f.write_str("the task panicked"),
            },
        }
    }
}

impl std::error::Error for JoinError {}

pub(super) struct JoinState<T> {
    pub(super) result: Option<Result<T, JoinError>>,
    pub(super) waker: Option<Waker>,
}

/// The task's end of its [`JoinHandle`]: hands over the outcome and wakes
/// whoever awaits the handle. Dropped without an outcome (the task was
/// dropped unfinished), it reports the task as cancelled.
pub(super) struct Completer<T> {
    pub(super) state: Option<Rc<RefCell<JoinState<T>>>>,
}

impl<T> Completer<T> {
    /// Stores the outcome and wakes the handle's waker, outside the state's
    /// borrow (the waker is foreign code, which may poll the handle).
    pub(super) fn complete(&mut self, outcome: Result<T, JoinError>) {
        let Some(state) = self.state.take() else { return };
        let waker = {
            let mut s = state.borrow_mut();
            s.result = Some(outcome);
            s.waker.take()
        };
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if self.state.is_none() {
            return;
        }
        // Inside a destructor: a panicking waker must not escape while the
        // thread may already be unwinding (that would abort).
        let r = catch_unwind(AssertUnwindSafe(|| self.complete(Err(JoinError::cancelled()))));
        if let Err(p) = r {
            if std::thread::panicking() {
                core::mem::forget(p);
            } else {
                std::panic::resume_unwind(p);
            }
        }
    }
}

/// Waits for a spawned task's outcome: its output, or a [`JoinError`] if it
/// panicked (with the panic's payload), was aborted, or was dropped
/// unfinished. Awaiting it is woken in every case.
///
/// Dropping the handle **detaches** the task, which runs on (as
/// [`detach`](Self::detach) says explicitly); [`abort`](Self::abort) stops
/// it.
///
/// ```
/// use ring_core::Runtime;
///
/// let rt = Runtime::new(8)?;
/// let n = rt.block_on(async {
///     let task = ring_core::task::spawn(async { 40 + 2 });
///     task.await
/// })?;
/// assert_eq!(n.unwrap(), 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JoinHandle<T> {
    pub(super) state: Rc<RefCell<JoinState<T>>>,
    pub(super) abort: AbortHandle,
}

impl<T> JoinHandle<T> {
    /// Whether the task has finished (its outcome is waiting here).
    pub fn is_finished(&self) -> bool {
        self.state.try_borrow().is_ok_and(|s| s.result.is_some())
    }

    /// Stops the task: its future is dropped the next time the runtime
    /// would poll it (at once, in the runtime's next round), and the
    /// handle resolves to a cancelled [`JoinError`]. Operations the task
    /// had in flight are orphaned, not freed: the driver keeps their
    /// buffers until the kernel is done with them, and cancels them. A task
    /// that already finished keeps its outcome.
    ///
    /// ```
    /// use ring_core::Runtime;
    /// use std::time::Duration;
    ///
    /// let rt = Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let task = ring_core::task::spawn(ring_core::time::sleep(Duration::from_secs(3600)));
    ///     task.abort();
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn abort(&self) {
        self.abort.abort();
    }

    /// A handle that can abort the task from anywhere (it is `Send +
    /// Sync`), without waiting for it.
    pub fn abort_handle(&self) -> AbortHandle {
        self.abort.clone()
    }

    /// Lets the task run on without anyone waiting for its outcome (the
    /// same as dropping the handle, said explicitly).
    ///
    /// ```
    /// use ring_core::Runtime;
    ///
    /// let rt = Runtime::new(8)?;
    /// rt.block_on(async {
    ///     ring_core::task::spawn(async { println!("runs on its own") }).detach();
    ///     ring_core::task::yield_now().await;
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn detach(self) {}

    /// A handle that already holds `outcome` (a task that could not be
    /// spawned).
    pub(crate) fn ready(outcome: Result<T, JoinError>) -> Self {
        JoinHandle {
            state: Rc::new(RefCell::new(JoinState { result: Some(outcome), waker: None })),
            abort: AbortHandle::new(Waker::noop().clone()),
        }
    }
}

impl<T> core::fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JoinHandle").field("finished", &self.is_finished()).finish_non_exhaustive()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let Ok(mut s) = self.state.try_borrow_mut() else {
                // Polled from inside the task's own completion (its waker
                // polling this handle): try again.
                cx.waker().wake_by_ref();
                return Poll::Pending;
            };
            if let Some(r) = s.result.take() {
                return Poll::Ready(r);
            }
            if s.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                return Poll::Pending;
            }
        }
        // The clone is foreign code: made with the state not borrowed, and
        // the waker it replaces is dropped the same way.
        let w = cx.waker().clone();
        let old = match self.state.try_borrow_mut() {
            Ok(mut s) => s.waker.replace(w),
            Err(_) => Some(w),
        };
        drop(old);
        // The task may have finished while the clone ran.
        if self.is_finished() {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}
