//! The pool of threads for blocking work ([`super::spawn_blocking`]).
//!
//! One pool per runtime, bounded twice: at most `max_threads` threads, and
//! at most `max_queued` jobs waiting for a thread. A job that finds the
//! queue full stays in its handle, which waits in FIFO order; each time a
//! thread takes a job out of the queue, the place it frees is granted to
//! the oldest waiting handle (and held for it, so a newcomer cannot take
//! it), whose task is woken to move its job in. A granted handle that is
//! dropped passes its place on.
//!
//! Threads start on demand and end after `keep_alive` without work, or when
//! the runtime is dropped (jobs still queued then are dropped, and their
//! handles report a cancellation). Every waker is woken, and every job
//! dropped, with the pool's lock released.

use crate::order::BLOCKING_GRANTED;
use crate::runtime::executor::task::JoinError;
use crate::runtime::handle::{pair, RemoteJoinHandle, Sender};
use crate::sync::AtomicBool;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The limits of a runtime's pool of blocking threads (see
/// [`crate::Runtime::set_blocking_limits`]).
///
/// ```
/// use ring_core::task::BlockingLimits;
///
/// let l = BlockingLimits::default();
/// assert_eq!((l.max_threads, l.max_queued), (8, 64));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockingLimits {
    /// Threads running jobs at once (at least 1 is used). Default 8.
    pub max_threads: usize,
    /// Jobs waiting for a thread; more wait in their handles. Default 64.
    pub max_queued: usize,
    /// How long an idle thread waits for a job before it ends. Default
    /// 10 s.
    pub keep_alive: Duration,
}

impl Default for BlockingLimits {
    fn default() -> Self {
        BlockingLimits { max_threads: 8, max_queued: 64, keep_alive: Duration::from_secs(10) }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// A handle waiting for a place in the queue.
struct Waiter {
    granted: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Job>,
    /// Places in the queue granted to waiting handles and not yet used.
    reserved: usize,
    waiters: VecDeque<Arc<Waiter>>,
    threads: usize,
    idle: usize,
    /// Idle threads already signalled for a job they have not taken yet.
    signalled: usize,
    closed: bool,
    limits: BlockingLimits,
}

impl State {
    fn has_room(&self) -> bool {
        self.queue.len() + self.reserved < self.limits.max_queued.max(1)
    }

    /// Grants a freed place to the oldest waiter, returning its waker to
    /// wake once the lock is released.
    fn grant_next(&mut self) -> Option<Waker> {
        while self.has_room() {
            let w = self.waiters.pop_front()?;
            w.granted.store(true, BLOCKING_GRANTED);
            self.reserved += 1;
            let waker = w.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if waker.is_some() {
                return waker;
            }
        }
        None
    }
}

/// A runtime's pool.
pub(crate) struct BlockingPool {
    state: Mutex<State>,
    cv: Condvar,
}

/// What an attempt to queue a job found.
enum Admit {
    Queued,
    /// No room: the job comes back, and waits in line as this waiter.
    Full(Job, Arc<Waiter>),
    /// The pool is closed (the runtime is gone): the job is dropped by the
    /// caller, which reports a cancellation.
    Closed(Job),
}

impl BlockingPool {
    pub(crate) fn new() -> Self {
        BlockingPool { state: Mutex::new(State::default()), cv: Condvar::new() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_limits(&self, limits: BlockingLimits) {
        let wake = {
            let mut s = self.lock();
            s.limits = limits;
            s.grant_next()
        };
        self.cv.notify_all();
        if let Some(w) = wake {
            w.wake();
        }
    }

    /// Starts `f` (or queues it to wait in its handle).
    pub(crate) fn spawn<F, T>(pool: &Arc<Self>, f: F) -> BlockingJoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (sender, join) = pair(None);
        let job: Job = Box::new(move || run(sender, f));
        let mut handle = BlockingJoinHandle { pool: pool.clone(), pending: None, join };
        match pool.admit(job, None) {
            Admit::Queued => {}
            Admit::Closed(job) => drop(job),
            Admit::Full(job, waiter) => handle.pending = Some(Pending { job, waiter }),
        }
        handle
    }

    /// Queues `job` if there is room for it: the place granted to its
    /// waiter, or a free place when nobody waits ahead of it. Otherwise
    /// the job comes back and its waiter is (or stays) in line. Starts a
    /// thread if none is idle.
    fn admit(self: &Arc<Self>, job: Job, waiter: Option<&Arc<Waiter>>) -> Admit {
        let mut s = self.lock();
        if s.closed {
            return Admit::Closed(job);
        }
        match waiter {
            Some(w) if w.granted.load(BLOCKING_GRANTED) => s.reserved -= 1,
            Some(w) => {
                let first = s.waiters.front().is_some_and(|f| Arc::ptr_eq(f, w));
                if !(first && s.has_room()) {
                    return Admit::Full(job, w.clone());
                }
                s.waiters.pop_front();
            }
            None if s.has_room() && s.waiters.is_empty() => {}
            None => {
                let w = Arc::new(Waiter { granted: AtomicBool::new(false), waker: Mutex::new(None) });
                s.waiters.push_back(w.clone());
                return Admit::Full(job, w);
            }
        }
        s.queue.push_back(job);
        if s.idle > s.signalled {
            s.signalled += 1;
            drop(s);
            self.cv.notify_one();
        } else if s.threads < s.limits.max_threads.max(1) {
            s.threads += 1;
            drop(s);
            let pool = self.clone();
            let started = std::thread::Builder::new().name("ring-blocking".into()).spawn(move || pool.work());
            if started.is_err() {
                let mut s = self.lock();
                s.threads -= 1;
                if s.threads == 0 {
                    // No thread to run anything: the queued jobs are
                    // dropped (their handles report a cancellation) rather
                    // than wait forever.
                    let jobs = core::mem::take(&mut s.queue);
                    drop(s);
                    drop(jobs);
                }
            }
        }
        Admit::Queued
    }

    /// A pool thread: runs jobs until it has been idle for `keep_alive`,
    /// or the pool closes.
    fn work(self: Arc<Self>) {
        let mut s = self.lock();
        loop {
            if let Some(job) = s.queue.pop_front() {
                let wake = s.grant_next();
                drop(s);
                if let Some(w) = wake {
                    w.wake();
                }
                job();
                s = self.lock();
                continue;
            }
            if s.closed || s.threads > s.limits.max_threads.max(1) {
                s.threads -= 1;
                return;
            }
            s.idle += 1;
            let keep_alive = s.limits.keep_alive;
            let (g, timeout) = self.cv.wait_timeout(s, keep_alive).unwrap_or_else(|e| e.into_inner());
            s = g;
            s.idle -= 1;
            if s.signalled > 0 {
                s.signalled -= 1;
            } else if timeout.timed_out() && s.queue.is_empty() {
                s.threads -= 1;
                return;
            }
        }
    }

    /// At the runtime's drop: no more jobs; the queued ones are dropped
    /// (their handles report a cancellation), waiting handles are woken
    /// (they find the pool closed), idle threads end.
    pub(crate) fn close(&self) {
        let (jobs, waiters) = {
            let mut s = self.lock();
            s.closed = true;
            (core::mem::take(&mut s.queue), core::mem::take(&mut s.waiters))
        };
        self.cv.notify_all();
        drop(jobs);
        for w in waiters {
            let waker = w.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// A waiting handle gives up (dropped, or aborted): its place, if
    /// granted, goes to the next waiter.
    fn leave(&self, waiter: &Arc<Waiter>) {
        let wake = {
            let mut s = self.lock();
            if waiter.granted.load(BLOCKING_GRANTED) {
                s.reserved -= 1;
            } else {
                s.waiters.retain(|w| !Arc::ptr_eq(w, waiter));
            }
            s.grant_next()
        };
        if let Some(w) = wake {
            w.wake();
        }
    }
}

/// Runs the job on a pool thread, unless its handle aborted it first; a
/// panic goes to the handle with its payload.
fn run<F: FnOnce() -> T, T>(sender: Sender<T>, f: F) {
    if sender.is_aborted() {
        return;
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => sender.send(v),
        Err(p) => sender.panicked(p),
    }
}

/// A job still held by its handle, waiting for a place in the queue.
struct Pending {
    job: Job,
    waiter: Arc<Waiter>,
}

/// The outcome of a job started with [`super::spawn_blocking`]: the
/// closure's result, or a [`JoinError`] (a panic with its payload, or a
/// cancellation: aborted, or the runtime dropped, before it started).
///
/// Dropping the handle detaches the job if it is queued or running (it
/// still runs, and its output is dropped), and withdraws it if it is still
/// waiting for room in the queue.
///
/// ```
/// let rt = ring_core::Runtime::new(8)?;
/// let r = rt.block_on(async { ring_core::task::spawn_blocking(|| panic!("in a pool thread")).await })?;
/// assert_eq!(r.unwrap_err().panic_message(), Some("in a pool thread"));
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// ```
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let quick = ring_core::task::spawn_blocking(|| 1 + 1);
///     assert_eq!(quick.await.unwrap(), 2);
///     // Aborting before it runs: it never runs (a running closure is not
///     // interrupted; its result is dropped). One that finished already
///     // (a busy machine may get there first) keeps its result.
///     let mut slow = ring_core::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)));
///     let done_first = slow.is_finished();
///     slow.abort();
///     match slow.await {
///         Err(e) => assert!(e.is_cancelled()),
///         Ok(()) => println!("it had finished first (is_finished said {done_first})"),
///     }
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct BlockingJoinHandle<T> {
    pool: Arc<BlockingPool>,
    pending: Option<Pending>,
    join: RemoteJoinHandle<T>,
}

impl<T> BlockingJoinHandle<T> {
    /// Cancels the job if it has not started: it never runs, and the handle
    /// resolves to a cancelled [`JoinError`]. A job already running
    /// finishes (a thread cannot be stopped safely), and the handle then
    /// still reports a cancellation.
    pub fn abort(&mut self) {
        if let Some(p) = self.pending.take() {
            self.pool.leave(&p.waiter);
            // Dropping the job drops its sender: a cancellation.
            drop(p.job);
        }
        self.join.abort();
    }

    /// Whether the job has ended (its outcome is here).
    pub fn is_finished(&self) -> bool {
        self.join.is_finished_hint()
    }
}

impl<T> Unpin for BlockingJoinHandle<T> {}

impl<T> Future for BlockingJoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(p) = self.pending.take() {
            match self.pool.admit(p.job, Some(&p.waiter)) {
                Admit::Queued => {}
                Admit::Closed(job) => drop(job),
                Admit::Full(job, waiter) => {
                    // Still waiting: the waker is cloned with no lock held,
                    // then stored; a grant made meanwhile is seen below.
                    let w = cx.waker().clone();
                    let old = waiter.waker.lock().unwrap_or_else(|e| e.into_inner()).replace(w);
                    drop(old);
                    let granted = waiter.granted.load(BLOCKING_GRANTED);
                    self.pending = Some(Pending { job, waiter });
                    if granted {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
            }
        }
        Pin::new(&mut self.join).poll(cx)
    }
}

impl<T> Drop for BlockingJoinHandle<T> {
    fn drop(&mut self) {
        if let Some(p) = self.pending.take() {
            self.pool.leave(&p.waiter);
        }
    }
}

impl<T> core::fmt::Debug for BlockingJoinHandle<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BlockingJoinHandle").field("waiting_for_room", &self.pending.is_some()).finish()
    }
}
