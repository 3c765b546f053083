//! Handing work to a runtime from other threads.
//!
//! The runtime's driver is single-threaded (its table is not shared), so
//! other threads do not touch the ring. Instead a [`Handle`] (which is
//! `Send + Sync + Clone`) queues a closure; the runtime's thread runs it the
//! next time it looks, and the closure starts whatever operations it likes
//! on the driver. The closure's result comes back through a
//! [`RemoteJoinHandle`], which any thread can block on or await: the
//! output, or a [`JoinError`] if the closure or its future panicked (with the
//! panic's payload) or the runtime was dropped before it finished.
//!
//! A parked runtime is woken in one of two ways:
//! - an eventfd the runtime keeps a read on (the default), or
//! - an `IORING_OP_MSG_RING` completion posted into its ring by another
//!   ring ([`Handle::spawn_via_msg_ring`]), which wakes the parked
//!   `io_uring_enter` without any file descriptor in between.
#![allow(unsafe_code)]

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::{Driver, WAKE_USER_DATA};
use crate::raw::ring::Ring;
pub use crate::runtime::executor::task::JoinError;
use crate::runtime::executor::task::{CatchUnwind, Spawner, WakeQueue};
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
// Atomics and locks from the `sync` shim, so that the loom model of the
// park protocol (`verification/tests/loom_runtime.rs`) runs them as shipped.
use crate::order::{ABORTED, QUEUE_LEN};
use crate::sync::{AtomicBool, AtomicUsize, Condvar, Mutex};
use std::sync::Arc;

type Job<K> = Box<dyn FnOnce(&Driver<K>, &Spawner) + Send>;

/// The queue shared by a runtime and its handles.
pub(crate) struct Remote<K: Kernel> {
    jobs: Mutex<VecDeque<Job<K>>>,
    /// The number of queued jobs, kept with the queue under its lock, so the
    /// runtime can see "none" without taking the lock (it looks twice in
    /// every round). A look that misses a job just queued by another thread
    /// is covered by the park hand-off: that thread's fence and this
    /// runtime's fence before its last look (`executor::gate`) make one of
    /// them see the other.
    queued: AtomicUsize,
    /// Set when the runtime is dropped: further jobs are refused.
    closed: Mutex<bool>,
    wake: Arc<WakeQueue>,
    /// A duplicate of the runtime's ring descriptor, owned here: the
    /// runtime's own descriptor closes when its driver is torn down (which
    /// may happen before the runtime is dropped, or while another thread is
    /// about to post a wake-up), and its number may then name another ring.
    /// This one keeps naming the runtime's ring for as long as a handle
    /// exists; a message posted after the runtime is gone lands in a ring
    /// nobody reads.
    ring_fd: Option<std::os::fd::OwnedFd>,
    /// The thread that runs the jobs (the runtime's: a runtime is not
    /// `Send`). A blocking join there would wait for itself.
    thread: std::thread::ThreadId,
}

impl<K: Kernel> Remote<K> {
    pub(crate) fn new(wake: Arc<WakeQueue>, ring_fd: Option<std::os::fd::OwnedFd>) -> Self {
        Remote {
            jobs: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            closed: Mutex::new(false),
            wake,
            ring_fd,
            thread: std::thread::current().id(),
        }
    }

    pub(crate) fn has_jobs(&self) -> bool {
        self.queued.load(QUEUE_LEN) != 0
    }

    /// Runs every queued job on the runtime's thread (a job catches its own
    /// panics and reports them through its handle).
    pub(crate) fn run_jobs(&self, driver: &Driver<K>, spawner: &Spawner) -> usize {
        let mut n = 0;
        while let Some(job) = self.pop_job() {
            job(driver, spawner);
            n += 1;
        }
        n
    }

    /// The oldest queued job, if any (the lock is taken only if the count
    /// says there is one).
    pub(crate) fn pop_job(&self) -> Option<Job<K>> {
        if !self.has_jobs() {
            return None;
        }
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        let job = jobs.pop_front();
        self.queued.store(jobs.len(), QUEUE_LEN);
        job
    }

    pub(crate) fn close(&self) {
        *self.closed.lock().unwrap_or_else(|e| e.into_inner()) = true;
        // Jobs never run are dropped here; their RemoteJoinHandles see the
        // sender gone and resolve to a cancellation. They are dropped with
        // the lock released: dropping a job runs foreign code (the closure's
        // captures, the waker of whoever awaits its handle), which may hand
        // over another job (refused now) and so take the lock.
        let dropped = {
            let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
            self.queued.store(0, QUEUE_LEN);
            core::mem::take(&mut *jobs)
        };
        drop(dropped);
    }

    fn push(&self, job: Job<K>) -> Result<(), Job<K>> {
        if *self.closed.lock().unwrap_or_else(|e| e.into_inner()) {
            return Err(job);
        }
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.push_back(job);
        self.queued.store(jobs.len(), QUEUE_LEN);
        Ok(())
    }
}

/// A `Send + Sync` handle to a [`crate::Runtime`], for other threads.
///
/// The handles of a runtime share a duplicate of its ring descriptor, the
/// target of [`spawn_via_msg_ring`](Self::spawn_via_msg_ring), so the
/// kernel keeps the runtime's ring instance (not its memory in this
/// process) until the last handle is dropped, even after the runtime is.
///
/// ```
/// use ring_core::handle::{Handle, RemoteJoinHandle};
///
/// let rt = ring_core::Runtime::new(16)?;
/// let handle: Handle = rt.handle();
/// let worker = std::thread::spawn(move || {
///     // Runs on the runtime's thread, with its driver.
///     let job: RemoteJoinHandle<usize> = handle.spawn(|d| async move {
///         let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat").unwrap());
///         let (n, _) = d.read_at(&file, Vec::with_capacity(64), 0).await;
///         n.unwrap()
///     });
///     let _maybe_done = job.is_finished_hint();
///     job.join().expect("the job ran")
/// });
/// // The runtime runs remote jobs while it runs anything.
/// rt.block_on(async {
///     while !worker.is_finished() {
///         ring_core::time::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// })?;
/// assert!(worker.join().unwrap() > 0);
///
/// // Woken through a completion posted into its ring from another ring.
/// let handle = rt.handle();
/// let worker = std::thread::spawn(move || {
///     let mut from = ring_core::Ring::new(4).unwrap();
///     handle.spawn_via_msg_ring(&mut from, |_d| async { 5 }).join()
/// });
/// rt.block_on(async {
///     while !worker.is_finished() {
///         ring_core::time::sleep(std::time::Duration::from_millis(1)).await;
///     }
/// })?;
/// assert_eq!(worker.join().unwrap().expect("the job ran"), 5);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Handle<K: Kernel = Linux> {
    pub(crate) remote: Arc<Remote<K>>,
    _k: PhantomData<fn() -> K>,
}

impl<K: Kernel> Clone for Handle<K> {
    fn clone(&self) -> Self {
        Handle { remote: self.remote.clone(), _k: PhantomData }
    }
}

// SAFETY: a Handle only reaches `Remote`, whose job queue is behind a
// Mutex and whose jobs are `Send`; the driver is never touched off its thread.
unsafe impl<K: Kernel> Send for Handle<K> {}
// SAFETY: as above; every shared field is synchronised.
unsafe impl<K: Kernel> Sync for Handle<K> {}

impl<K: Kernel + 'static> Handle<K> {
    pub(crate) fn new(remote: Arc<Remote<K>>) -> Self {
        Handle { remote, _k: PhantomData }
    }

    /// Runs `f` on the runtime's thread with its driver, spawns the future
    /// it returns there, and hands the future's output back.
    pub fn spawn<F, Fut>(&self, f: F) -> RemoteJoinHandle<Fut::Output>
    where
        F: FnOnce(Driver<K>) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let (job, join) = self.job(f);
        if self.remote.push(job).is_ok() {
            self.remote.wake.notify();
        }
        join
    }

    /// As [`spawn`](Self::spawn), but wakes the runtime by posting a
    /// completion into its ring from `from` (`IORING_OP_MSG_RING`, 5.18)
    /// instead of through the eventfd. Falls back to the eventfd if the
    /// runtime's ring has no descriptor.
    pub fn spawn_via_msg_ring<F, Fut, K2: Kernel>(&self, from: &mut Ring<K2>, f: F) -> RemoteJoinHandle<Fut::Output>
    where
        F: FnOnce(Driver<K>) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let (job, join) = self.job(f);
        if self.remote.push(job).is_err() {
            return join;
        }
        let Some(target) = self.remote.ring_fd.as_ref().map(std::os::fd::AsRawFd::as_raw_fd) else {
            self.remote.wake.notify();
            return join;
        };
        let mut sqe = ring_sys::io_uring_sqe::default();
        sqe.opcode = ring_sys::IORING_OP_MSG_RING;
        sqe.fd = target;
        sqe.set_addr(ring_sys::IORING_MSG_DATA);
        sqe.set_off(WAKE_USER_DATA);
        sqe.flags = ring_sys::IOSQE_CQE_SKIP_SUCCESS;
        // SAFETY: a MSG_RING SQE carries no pointer; it names the target
        // ring by a descriptor `remote` owns, so it is the runtime's ring
        // whatever happened to the runtime.
        let pushed = unsafe { from.sq().push(&sqe) }.is_ok() && from.submit().is_ok();
        if !pushed {
            self.remote.wake.notify();
        }
        join
    }

    /// Queues `f` as [`spawn`](Self::spawn) does, without waking the
    /// runtime: the caller wakes it (by a `MSG_RING` completion carrying
    /// [`WAKE_USER_DATA`], or [`wake`](Self::wake)). `false` if the runtime
    /// is gone (the handle then reports the cancellation).
    pub(crate) fn spawn_unwoken<F, Fut>(&self, f: F) -> (RemoteJoinHandle<Fut::Output>, bool)
    where
        F: FnOnce(Driver<K>) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let (job, join) = self.job(f);
        let queued = self.remote.push(job).is_ok();
        (join, queued)
    }

    /// Wakes the runtime through its eventfd.
    pub(crate) fn wake(&self) {
        self.remote.wake.notify();
    }

    /// The duplicate of the runtime's ring descriptor the handles share,
    /// if the ring has one: the target of `MSG_RING` wake-ups.
    pub(crate) fn ring_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.remote.ring_fd.as_ref().map(std::os::fd::AsFd::as_fd)
    }

    fn job<F, Fut>(&self, f: F) -> (Job<K>, RemoteJoinHandle<Fut::Output>)
    where
        F: FnOnce(Driver<K>) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let (sender, join) = pair(Some(self.remote.thread));
        let job: Job<K> = Box::new(move |driver: &Driver<K>, spawner: &Spawner| {
            if sender.is_aborted() {
                // Aborted before it ran: dropping the sender reports the
                // cancellation.
                return;
            }
            // The closure and its future are the caller's code: a panic in
            // either goes to the handle, not to the runtime's thread.
            let driver = driver.clone();
            let fut = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || f(driver))) {
                Ok(fut) => fut,
                Err(p) => return sender.finish(Outcome::Failed(JoinError::panic(p))),
            };
            let state = sender.state.clone();
            let task = spawner.spawn(async move {
                let mut fut = CatchUnwind::new(fut);
                match (&mut fut).await {
                    Ok(out) => sender.send(out),
                    Err(p) => sender.finish(Outcome::Failed(JoinError::panic(p))),
                }
                // Dropped once the outcome is sent (see `spawn_local`).
                drop(fut);
            });
            state.attach(task.abort_handle());
        });
        (job, join)
    }
}

/// A sender and the handle it reports to, for work that runs elsewhere (a
/// job on a runtime, a blocking job on a pool thread).
pub(crate) fn pair<T>(runner: Option<std::thread::ThreadId>) -> (Sender<T>, RemoteJoinHandle<T>) {
    let state = Arc::new(RemoteState {
        slot: Mutex::new(Outcome::Pending(None)),
        cv: Condvar::new(),
        runner,
        aborted: AtomicBool::new(false),
        task: Mutex::new(None),
    });
    (Sender { state: state.clone() }, RemoteJoinHandle { state })
}

enum Outcome<T> {
    Pending(Option<Waker>),
    Ready(T),
    /// The job panicked, or was dropped unfinished (the runtime is gone).
    Failed(JoinError),
    Taken,
}

pub(crate) struct RemoteState<T> {
    slot: Mutex<Outcome<T>>,
    cv: Condvar,
    /// The thread that runs the work if only one can (a runtime's jobs run
    /// on its own thread, see `Remote::thread`): a blocking join there would
    /// wait for itself. `None` for work run by other threads.
    runner: Option<std::thread::ThreadId>,
    /// Set by [`RemoteJoinHandle::abort`]; the work checks it before it
    /// starts.
    aborted: AtomicBool,
    /// The task running the work on its runtime, once spawned, to abort it.
    task: Mutex<Option<crate::runtime::executor::task::AbortHandle>>,
}

impl<T> RemoteState<T> {
    /// Hands the task running the work to its handle: from here an abort of
    /// the handle aborts the task, at once if it came while the task was
    /// being spawned. The task is published under the lock before the flag
    /// is looked at, and `RemoteJoinHandle::abort` sets the flag before it
    /// takes the lock, so one of the two sees the other
    /// (`verification/tests/loom_runtime.rs`,
    /// `runtime_remote_abort_races_the_job_that_spawns_its_task`).
    pub(crate) fn attach(&self, abort: crate::runtime::executor::task::AbortHandle) {
        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(abort.clone());
        if self.aborted.load(ABORTED) {
            abort.abort();
        }
    }
}

/// Sends the outcome; if dropped unsent (the job or task was dropped), the
/// receiver sees a cancelled [`JoinError`].
pub(crate) struct Sender<T> {
    pub(crate) state: Arc<RemoteState<T>>,
}

impl<T> Sender<T> {
    pub(crate) fn send(self, value: T) {
        self.finish(Outcome::Ready(value));
    }

    /// Reports a panic of the work, with its payload.
    pub(crate) fn panicked(self, payload: Box<dyn core::any::Any + Send>) {
        self.finish(Outcome::Failed(JoinError::panic(payload)));
    }

    /// Whether the handle asked for the work to be abandoned.
    pub(crate) fn is_aborted(&self) -> bool {
        self.state.aborted.load(ABORTED)
    }

    /// Stores the outcome (once: a later one is dropped), then wakes the
    /// receiver's waker with the lock released: the waker is foreign code,
    /// which may poll the handle (and so take the lock) or panic.
    fn finish(&self, outcome: Outcome<T>) {
        let mut slot = self.state.slot.lock().unwrap_or_else(|e| e.into_inner());
        let waker = match &mut *slot {
            Outcome::Pending(w) => {
                let w = w.take();
                *slot = outcome;
                w
            }
            _ => None,
        };
        drop(slot);
        self.state.cv.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let pending = matches!(*self.state.slot.lock().unwrap_or_else(|e| e.into_inner()), Outcome::Pending(_));
        if pending {
            // In a destructor: a panicking waker must not escape while the
            // thread may already be unwinding (that would abort).
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.finish(Outcome::Failed(JoinError::cancelled()))
            }));
            if let Err(p) = r {
                if std::thread::panicking() {
                    core::mem::forget(p);
                } else {
                    std::panic::resume_unwind(p);
                }
            }
        }
    }
}

/// The outcome of a job started with [`Handle::spawn`]: await it from any
/// executor, or block on it with [`join`](RemoteJoinHandle::join). It is
/// the job's output, or a [`JoinError`]: the closure or its future panicked
/// ([`JoinError::is_panic`], with the payload), or the runtime was dropped
/// before the job finished ([`JoinError::is_cancelled`]).
pub struct RemoteJoinHandle<T> {
    state: Arc<RemoteState<T>>,
}

impl<T> RemoteJoinHandle<T> {
    /// Cancels the remote work: a job that has not started yet never runs,
    /// and a task already running on the runtime is aborted (see
    /// [`JoinHandle::abort`](crate::JoinHandle::abort): its future is
    /// dropped in the runtime's next round, its operations orphaned, never
    /// freed early). The handle then resolves to a cancelled
    /// [`JoinError`], unless the work had already finished. A blocking job
    /// ([`crate::task::spawn_blocking`]) already running on its thread
    /// cannot be stopped: it finishes and its output is dropped.
    ///
    /// ```
    /// use ring_core::Runtime;
    /// use std::time::Duration;
    ///
    /// let rt = Runtime::new(8)?;
    /// let handle = rt.handle();
    /// let job = std::thread::spawn(move || {
    ///     let job = handle.spawn(|d| async move { d.sleep(Duration::from_secs(3600)).await });
    ///     job.abort();
    ///     job.join()
    /// });
    /// rt.block_on(async {
    ///     while !job.is_finished() {
    ///         ring_core::time::sleep(Duration::from_millis(1)).await;
    ///     }
    /// })?;
    /// assert!(job.join().unwrap().unwrap_err().is_cancelled());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn abort(&self) {
        self.state.aborted.store(true, ABORTED);
        let task = self.state.task.lock().unwrap_or_else(|e| e.into_inner()).clone();
        // Woken with the lock released (the wake-up is foreign code when the
        // task's runtime wakes it from here).
        if let Some(t) = task {
            t.abort();
        }
    }

    /// Whether the outcome is there, so that [`join`](Self::join) would not
    /// block.
    pub fn is_finished_hint(&self) -> bool {
        !matches!(*self.state.slot.lock().unwrap_or_else(|e| e.into_inner()), Outcome::Pending(_))
    }

    /// Blocks the calling thread until the outcome is there.
    ///
    /// On the runtime's own thread (inside its `block_on`, in one of its
    /// tasks, or anywhere else on that thread) the job can only run once
    /// this call returns, so blocking would never end: if the outcome is not
    /// there yet, this returns at once with a [`JoinError`] for which
    /// [`is_own_runtime_thread`](JoinError::is_own_runtime_thread) is true
    /// (the job still runs; its output is dropped). Await the handle there
    /// instead.
    pub fn join(self) -> Result<T, JoinError> {
        let own_thread = self.state.runner == Some(std::thread::current().id());
        let mut slot = self.state.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            match core::mem::replace(&mut *slot, Outcome::Taken) {
                Outcome::Ready(v) => return Ok(v),
                Outcome::Failed(e) => return Err(e),
                Outcome::Taken => return Err(JoinError::cancelled()),
                p @ Outcome::Pending(_) if own_thread => {
                    *slot = p;
                    return Err(JoinError::own_thread());
                }
                p @ Outcome::Pending(_) => {
                    *slot = p;
                    slot = self.state.cv.wait(slot).unwrap_or_else(|e| e.into_inner());
                }
            }
        }
    }
}

impl<T> Future for RemoteJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut slot = self.state.slot.lock().unwrap_or_else(|e| e.into_inner());
            match core::mem::replace(&mut *slot, Outcome::Taken) {
                Outcome::Ready(v) => return Poll::Ready(Ok(v)),
                Outcome::Failed(e) => return Poll::Ready(Err(e)),
                Outcome::Taken => return Poll::Ready(Err(JoinError::cancelled())),
                Outcome::Pending(w) => {
                    let current = w.as_ref().is_some_and(|w| w.will_wake(cx.waker()));
                    *slot = Outcome::Pending(w);
                    if current {
                        return Poll::Pending;
                    }
                }
            }
        }
        // The clone is foreign code (it may panic, or poll this handle and
        // so take the lock): made with the lock released, and the waker it
        // replaces is dropped the same way.
        let w = cx.waker().clone();
        let old = {
            let mut slot = self.state.slot.lock().unwrap_or_else(|e| e.into_inner());
            match &mut *slot {
                Outcome::Pending(old) => old.replace(w),
                // The outcome arrived while the clone ran: wake at once.
                _ => Some(w),
            }
        };
        let finished = self.is_finished_hint();
        drop(old);
        if finished {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}
