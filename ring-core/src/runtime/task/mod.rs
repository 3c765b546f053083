//! Tasks: spawning onto the current runtime, aborting, joining many,
//! yielding, and blocking work on a bounded thread pool.
//!
//! The functions here use the runtime whose [`Runtime::block_on`] is
//! running on the calling thread. Tasks run on that thread and need not be
//! `Send` ([`spawn`] and [`spawn_local`] are the same function under two
//! names, the second for readers used to tokio's).
//!
//! Called outside a runtime, the `try_` forms return
//! [`SpawnError::NoRuntime`]; the plain forms panic with a message saying
//! so. That panic is the one place this crate panics on a caller's
//! mistake, as tokio's `spawn` does: it is a misuse of the program's
//! structure, not bad input, and the `try_` forms exist for code that
//! cannot know where it runs.
//!
//! ```
//! use ring_core::task::{self, JoinSet};
//! use ring_core::Runtime;
//!
//! let rt = Runtime::new(64)?;
//! let total = rt.block_on(async {
//!     let mut set = JoinSet::new();
//!     for i in 0..10u64 {
//!         set.spawn(async move {
//!             task::yield_now().await;
//!             i * i
//!         });
//!     }
//!     let mut total = 0;
//!     while let Some(r) = set.join_next().await {
//!         total += r.unwrap();
//!     }
//!     total
//! })?;
//! assert_eq!(total, 285);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`Runtime::block_on`]: crate::Runtime::block_on

pub(crate) mod blocking;
mod join_set;

pub use crate::runtime::executor::{AbortHandle, JoinError, JoinHandle, SpawnError, Spawner};
pub use blocking::{BlockingJoinHandle, BlockingLimits};
pub use join_set::{JoinNext, JoinSet};

use crate::runtime::executor::context;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// Spawns `fut` onto the runtime running on this thread, or fails with
/// [`SpawnError::NoRuntime`] outside [`Runtime::block_on`](crate::Runtime::block_on)
/// (dropping `fut`).
///
/// ```
/// use ring_core::task::{try_spawn, SpawnError};
///
/// assert_eq!(try_spawn(async {}).unwrap_err(), SpawnError::NoRuntime);
/// let rt = ring_core::Runtime::new(8)?;
/// assert_eq!(rt.block_on(async { try_spawn(async { 5 }).unwrap().await })?.unwrap(), 5);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn try_spawn<F>(fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match context::current_runtime().and_then(|e| e.spawner) {
        Some(s) => s.try_spawn(fut),
        None => Err(SpawnError::NoRuntime),
    }
}

/// Spawns `fut` onto the runtime running on this thread; the task runs
/// while the runtime is in `block_on`, and its outcome comes back through
/// the [`JoinHandle`] (dropping the handle detaches the task).
///
/// # Panics
///
/// Outside [`Runtime::block_on`](crate::Runtime::block_on) (a misuse of the
/// program's structure, like tokio's `spawn` outside a runtime); use
/// [`try_spawn`] or [`Runtime::spawn`](crate::Runtime::spawn) where that
/// can happen.
///
/// ```
/// let rt = ring_core::Runtime::new(8)?;
/// let v = rt.block_on(async {
///     let a = ring_core::task::spawn(async { 1 });
///     let b = ring_core::task::spawn(async { 2 });
///     a.await.unwrap() + b.await.unwrap()
/// })?;
/// assert_eq!(v, 3);
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn spawn<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    match try_spawn(fut) {
        Ok(h) => h,
        Err(e) => panic!("ring_core::task::spawn: {e}"),
    }
}

/// The same as [`spawn`]: every ring-core task is local to its runtime's
/// thread, so this name (tokio's, for tasks that are not `Send`) is offered
/// too.
///
/// # Panics
///
/// As [`spawn`], outside a runtime.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let shared = Rc::new(5); // not Send
/// let s = shared.clone();
/// let v = rt.block_on(async move { ring_core::task::spawn_local(async move { *s + 1 }).await })?;
/// assert_eq!(v.unwrap(), 6);
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn spawn_local<F>(fut: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn(fut)
}

/// Runs `f` on the current runtime's pool of blocking threads and resolves
/// to its result, for the calls io_uring cannot make asynchronously (a
/// `getaddrinfo`, a library that blocks), so the runtime's thread keeps
/// running the other tasks.
///
/// # Limits
///
/// Each runtime has its own pool ([`BlockingLimits`]: by default at most 8
/// threads, started on demand, each ending after 10 s idle, and at most 64
/// jobs waiting for a thread). When that queue is full, the job waits in
/// its handle, in FIFO order with the other waiting handles, and enters
/// the queue once a thread takes a job; the handle must be polled (awaited)
/// for that to happen. Nothing blocks the runtime's thread.
///
/// The result comes back to the runtime's thread through the handle's
/// waker: the pool thread wakes the task that awaits it, which reaches a
/// parked runtime through its eventfd, as any cross-thread wake-up does.
/// A panic in `f` is caught on the pool thread and reported with its
/// payload ([`JoinError::is_panic`]). A job that has not started when the
/// runtime is dropped, or when its handle is aborted, never runs
/// ([`JoinError::is_cancelled`]); a job already running cannot be stopped.
///
/// # Panics
///
/// Outside a runtime's `block_on` (see [`try_spawn_blocking`]).
///
/// ```
/// let rt = ring_core::Runtime::new(8)?;
/// let n = rt.block_on(async {
///     ring_core::task::spawn_blocking(|| (1..=10u32).sum::<u32>()).await
/// })?;
/// assert_eq!(n.unwrap(), 55);
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> BlockingJoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match try_spawn_blocking(f) {
        Ok(h) => h,
        Err(e) => panic!("ring_core::task::spawn_blocking: {e}"),
    }
}

/// [`spawn_blocking`], or [`SpawnError::NoRuntime`] outside a runtime's
/// `block_on` (dropping `f`).
///
/// ```
/// use ring_core::task::{try_spawn_blocking, SpawnError};
///
/// assert_eq!(try_spawn_blocking(|| ()).unwrap_err(), SpawnError::NoRuntime);
/// ```
pub fn try_spawn_blocking<F, T>(f: F) -> Result<BlockingJoinHandle<T>, SpawnError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match context::current_runtime().and_then(|e| e.blocking) {
        Some(pool) => Ok(blocking::BlockingPool::spawn(&pool, f)),
        None => Err(SpawnError::NoRuntime),
    }
}

/// Lets the other tasks run before this one continues: resolves on its
/// second poll, having woken itself on the first.
///
/// Works under any executor (it only uses the waker it is polled with).
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let order = Rc::new(Cell::new(0));
/// let o = order.clone();
/// rt.block_on(async move {
///     let other = ring_core::task::spawn(async move { o.set(1) });
///     ring_core::task::yield_now().await;
///     assert_eq!(order.get(), 1, "the other task ran while this one yielded");
///     other.await.unwrap();
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let order = rt.block_on(async {
///     let seen = Rc::new(Cell::new(0));
///     let other = ring_core::task::spawn({
///         let seen = seen.clone();
///         async move { seen.set(1) }
///     });
///     let y: ring_core::task::YieldNow = ring_core::task::yield_now();
///     y.await; // lets the other task run
///     let got = seen.get();
///     other.await.unwrap();
///     got
/// })?;
/// assert_eq!(order, 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
