//! Tasks, wakers and join handles.
#![allow(unsafe_code)]

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Wake;

thread_local! {
    /// The wake queue of the runtime whose `block_on` is running on this
    /// thread (null outside `block_on`).
    pub(crate) static RUNNING: core::cell::Cell<*const WakeQueue> =
        const { core::cell::Cell::new(core::ptr::null()) };
}

/// The queue of woken task ids, shared with wakers on any thread.
pub(crate) struct WakeQueue {
    ready: Mutex<VecDeque<usize>>,
    /// The length of `ready`, kept with it under its lock, so the runtime
    /// can see an empty queue without taking the lock (it looks twice in
    /// every round). A look that misses a task just queued by another
    /// thread is covered by the park hand-off (see [`notify`](Self::notify)).
    queued: AtomicUsize,
    /// Set while the runtime is (about to be) blocked in the ring.
    pub(crate) gate: super::gate::ParkGate,
    /// Whether the eventfd read is in flight (a write will end the park).
    pub(crate) eventfd_armed: AtomicBool,
    eventfd: Arc<OwnedFd>,
}

impl WakeQueue {
    pub(crate) fn new(eventfd: Arc<OwnedFd>) -> Self {
        WakeQueue {
            ready: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            gate: super::gate::ParkGate::new(),
            eventfd_armed: AtomicBool::new(false),
            eventfd,
        }
    }

    /// Whether the calling thread is inside this queue's `block_on`.
    fn on_runtime_thread(&self) -> bool {
        RUNNING.try_with(|r| core::ptr::eq(r.get(), self)).unwrap_or(false)
    }

    pub(crate) fn has_work(&self) -> bool {
        self.queued.load(Ordering::Relaxed) != 0
    }

    fn push(&self, id: usize) {
        {
            let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            ready.push_back(id);
            self.queued.store(ready.len(), Ordering::Relaxed);
        }
        self.notify();
    }

    /// Ends a park in progress (used by cross-thread handles too). The fence pairs with the runtime's
    /// (parked store, fence, queue check): either the runtime sees the new
    /// work before it parks, or this sees `parked` and writes the eventfd.
    pub(crate) fn notify(&self) {
        // A wake-up on the runtime's own thread needs no eventfd write, nor
        // the fence: that thread is not blocked in the ring (it is the one
        // waking, typically from the driver's wake-ups right after
        // `io_uring_enter` returned), and it checks the queue, the jobs and
        // the main flag, in its own program order, after setting `parked`
        // and before it blocks again. Writing anyway cost a `write(2)` per
        // wake-up and an eventfd read completion per park.
        if self.on_runtime_thread() {
            return;
        }
        if self.gate.needs_signal() {
            let one: u64 = 1;
            // SAFETY: writes 8 bytes from a live u64 to our eventfd.
            unsafe { libc::write(self.eventfd.as_raw_fd(), (&raw const one).cast(), 8) };
        }
    }

    fn pop(&self) -> Option<usize> {
        if !self.has_work() {
            return None;
        }
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        let id = ready.pop_front();
        self.queued.store(ready.len(), Ordering::Relaxed);
        id
    }
}

/// The waker of one task.
struct TaskWaker {
    id: usize,
    queued: AtomicBool,
    queue: Arc<WakeQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            self.queue.push(self.id);
        }
    }
}

/// The waker of the future passed to `block_on`.
pub(crate) struct MainWaker {
    pub(crate) woken: AtomicBool,
    queue: Arc<WakeQueue>,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Already woken: the runtime has not consumed the previous wake-up
        // yet, and it re-checks `woken` after announcing a park and before
        // blocking (`block_on`), so this one needs no signal of its own.
        if !self.woken.swap(true, Ordering::SeqCst) {
            self.queue.notify();
        }
    }
}

pub(crate) fn main_waker(queue: &Arc<WakeQueue>) -> Arc<MainWaker> {
    Arc::new(MainWaker { woken: AtomicBool::new(false), queue: queue.clone() })
}

type BoxFuture = Pin<Box<dyn Future<Output = ()>>>;

struct Task {
    future: RefCell<Option<BoxFuture>>,
    waker: Arc<TaskWaker>,
    /// Internal tasks do not keep `block_on` from parking.
    #[allow(dead_code)]
    internal: bool,
}

/// The runtime's tasks.
pub(crate) struct Scheduler {
    tasks: RefCell<Vec<Option<Rc<Task>>>>,
    free: RefCell<Vec<usize>>,
    pub(crate) queue: Arc<WakeQueue>,
}

impl Scheduler {
    pub(crate) fn new(queue: Arc<WakeQueue>) -> Self {
        Scheduler { tasks: RefCell::new(Vec::new()), free: RefCell::new(Vec::new()), queue }
    }

    pub(crate) fn spawn_local<F>(&self, fut: F, internal: bool) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let state = Rc::new(RefCell::new(JoinState { result: None, waker: None }));
        let mut completer = Completer { state: Some(state.clone()) };
        let id = match self.free.borrow_mut().pop() {
            Some(id) => id,
            None => {
                let mut tasks = self.tasks.borrow_mut();
                tasks.push(None);
                tasks.len() - 1
            }
        };
        let waker = Arc::new(TaskWaker { id, queued: AtomicBool::new(true), queue: self.queue.clone() });
        let abort = AbortHandle::new(Waker::from(waker.clone()));
        let flag = abort.clone();
        // The task's panic is caught here, where its handle can be told, and
        // whatever way the task ends (output, panic, abort, or dropped
        // unfinished with the runtime) its handle is given the outcome and
        // woken.
        let wrapped = async move {
            let mut fut = CatchUnwind::new(fut);
            match (Abortable { fut: &mut fut, abort: &flag }).await {
                Some(out) => {
                    completer.complete(out.map_err(JoinError::panic));
                    // The task's future is dropped only now, once its
                    // outcome is delivered: a destructor that panics cannot
                    // take the output with it (that panic is re-raised by
                    // `run_ready`).
                    drop(fut);
                }
                None => {
                    // Aborted: the future goes first (its operations are
                    // orphaned, their buffers kept by the driver), so that a
                    // handle that reports the cancellation never outlives
                    // the work. A destructor that panics is reported
                    // through the handle instead.
                    let dropped = catch_unwind(AssertUnwindSafe(move || drop(fut)));
                    completer.complete(Err(match dropped {
                        Ok(()) => JoinError::cancelled(),
                        Err(p) => JoinError::panic(p),
                    }));
                }
            }
        };
        let task = Rc::new(Task { future: RefCell::new(Some(Box::pin(wrapped))), waker, internal });
        self.tasks.borrow_mut()[id] = Some(task);
        self.queue.push(id);
        JoinHandle { state, abort }
    }

    /// Polls every woken task once; returns how many ran.
    ///
    /// A task's own panic is caught inside it and goes to its
    /// [`JoinHandle`]. Foreign code that still panics here (the waker of
    /// whoever awaits a handle, or the destructor of a finished task's
    /// future) does not keep the other tasks from running: the first such
    /// panic is re-raised once the round is over and every task's state is
    /// settled.
    pub(crate) fn run_ready(&self) -> usize {
        let mut ran = 0;
        let mut caught: Option<Payload> = None;
        // Tasks found being polled further up this thread's stack (a task
        // that called `block_on` itself): woken again after the round.
        let mut busy: Vec<Arc<TaskWaker>> = Vec::new();
        // Bound the round so a task that always wakes itself cannot starve I/O.
        let budget = self.tasks.borrow().len().max(1) * 2;
        while ran < budget {
            let Some(id) = self.queue.pop() else { break };
            let task = self.tasks.borrow().get(id).cloned().flatten();
            let Some(task) = task else { continue };
            task.waker.queued.store(false, Ordering::SeqCst);
            let waker = Waker::from(task.waker.clone());
            let mut cx = Context::from_waker(&waker);
            let Ok(mut slot) = task.future.try_borrow_mut() else {
                busy.push(task.waker.clone());
                continue;
            };
            let Some(fut) = slot.as_mut() else { continue };
            ran += 1;
            let poll = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
            let finished = match poll {
                Ok(Poll::Ready(())) => true,
                Ok(Poll::Pending) => false,
                Err(payload) => {
                    keep(&mut caught, payload);
                    true
                }
            };
            if finished {
                // Dropped first (its operations are orphaned, never freed
                // early), then the task is gone: a destructor that panics
                // leaves the task finished all the same.
                let fut = slot.take();
                drop(slot);
                if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(fut))) {
                    keep(&mut caught, p);
                }
                self.finish(id);
            }
        }
        for w in busy {
            w.wake_by_ref();
        }
        if let Some(p) = caught {
            std::panic::resume_unwind(p);
        }
        ran
    }

    fn finish(&self, id: usize) {
        self.tasks.borrow_mut()[id] = None;
        self.free.borrow_mut().push(id);
    }

    /// Drops every task (at runtime drop): each unfinished task's handle
    /// then reports it as cancelled. A future whose destructor panics does
    /// not keep the others from being dropped; the first panic is re-raised
    /// at the end (unless the thread is already unwinding).
    pub(crate) fn clear(&self) {
        let mut caught: Option<Payload> = None;
        // A destructor may spawn more tasks; they are dropped too (a bounded
        // number of rounds, so one that spawns at every drop cannot hang).
        for _ in 0..16 {
            let tasks: Vec<_> = self.tasks.borrow_mut().drain(..).flatten().collect();
            self.free.borrow_mut().clear();
            if tasks.is_empty() {
                break;
            }
            for t in tasks {
                let fut = t.future.borrow_mut().take();
                if let Err(p) = catch_unwind(AssertUnwindSafe(move || drop(fut))) {
                    keep(&mut caught, p);
                }
            }
        }
        if let Some(p) = caught {
            if std::thread::panicking() {
                core::mem::forget(p);
            } else {
                std::panic::resume_unwind(p);
            }
        }
    }
}

/// A panic payload.
type Payload = Box<dyn core::any::Any + Send + 'static>;

/// Keeps the first payload; later ones are leaked (dropping a payload is
/// foreign code too).
fn keep(slot: &mut Option<Payload>, p: Payload) {
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

struct JoinState<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// The task's end of its [`JoinHandle`]: hands over the outcome and wakes
/// whoever awaits the handle. Dropped without an outcome (the task was
/// dropped unfinished), it reports the task as cancelled.
struct Completer<T> {
    state: Option<Rc<RefCell<JoinState<T>>>>,
}

impl<T> Completer<T> {
    /// Stores the outcome and wakes the handle's waker, outside the state's
    /// borrow (the waker is foreign code, which may poll the handle).
    fn complete(&mut self, outcome: Result<T, JoinError>) {
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
    state: Rc<RefCell<JoinState<T>>>,
    abort: AbortHandle,
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

/// Stops a task from anywhere: see [`JoinHandle::abort`]. `Send + Sync +
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

    /// Asks for the task to be dropped (see [`JoinHandle::abort`]).
    pub fn abort(&self) {
        // Pairs with the load in `is_aborted`, made by the runtime's thread
        // before each poll of the task: the wake-up below queues the task,
        // and the queue's lock orders this store before that poll.
        self.inner.aborted.store(true, Ordering::SeqCst);
        self.inner.task.wake_by_ref();
    }

    /// Whether [`abort`](Self::abort) was called.
    pub fn is_aborted(&self) -> bool {
        self.inner.aborted.load(Ordering::SeqCst)
    }
}

impl core::fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AbortHandle").field("aborted", &self.is_aborted()).finish()
    }
}

/// Polls a task's future unless its task was aborted (then resolves to
/// `None` without polling it).
struct Abortable<'a, F> {
    fut: &'a mut F,
    abort: &'a AbortHandle,
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

/// Why a task could not be spawned.
///
/// ```
/// use ring_core::driver::Immediate;
/// use ring_core::executor::{AbortHandle, JoinError, JoinHandle, SpawnError, Spawner};
/// use ring_core::{Builder, Runtime};
///
/// // Outside `block_on` there is no runtime to spawn on.
/// assert_eq!(ring_core::task::try_spawn(async {}).err(), Some(SpawnError::NoRuntime));
///
/// // A runtime on a ring of one's own, submitting every entry at once.
/// let rt = Runtime::with_ring(Builder::new(16).build()?, Immediate)?;
/// let spawner: Spawner = rt.spawner();
/// assert!(spawner.is_alive());
/// rt.block_on(async {
///     let task: JoinHandle<()> = ring_core::task::spawn(std::future::pending());
///     let abort: AbortHandle = task.abort_handle();
///     assert!(!task.is_finished() && !abort.is_aborted());
///     abort.abort();
///     let e: JoinError = task.await.unwrap_err();
///     assert!(e.is_cancelled() && abort.is_aborted());
///
///     let boom = ring_core::task::spawn(async { panic!("boom") });
///     let payload = boom.await.unwrap_err().into_panic().expect("a panic");
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// })?;
/// drop(rt);
/// assert!(!spawner.is_alive());
/// assert_eq!(spawner.try_spawn(async {}).err(), Some(SpawnError::RuntimeGone));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// No ring-core runtime runs on this thread: the call was made outside
    /// [`Runtime::block_on`](crate::Runtime::block_on) (an external loop
    /// such as tokio has its own `spawn_local`).
    NoRuntime,
    /// The runtime this spawner belongs to was dropped.
    RuntimeGone,
}

impl core::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpawnError::NoRuntime => f.write_str(
                "no ring_core runtime on this thread: spawn from inside Runtime::block_on, or use Runtime::spawn",
            ),
            SpawnError::RuntimeGone => f.write_str("the runtime was dropped"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// Spawns tasks onto a runtime from its own thread (it is not `Send`).
///
/// ```
/// use ring_core::Runtime;
///
/// let rt = Runtime::new(8)?;
/// let spawner = rt.spawner();
/// let task = spawner.spawn(async { 7 });
/// assert_eq!(rt.block_on(task)?.unwrap(), 7);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Spawner {
    pub(crate) scheduler: Weak<Scheduler>,
}

impl Spawner {
    /// Spawns `fut` onto the runtime; it runs while the runtime is in
    /// `block_on`. If the runtime was dropped, the future is dropped and the
    /// handle reports a cancelled [`JoinError`] (see
    /// [`try_spawn`](Self::try_spawn) to tell beforehand).
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.scheduler.upgrade() {
            Some(s) => s.spawn_local(fut, false),
            None => {
                drop(fut);
                JoinHandle::ready(Err(JoinError::cancelled()))
            }
        }
    }

    /// Spawns `fut`, or fails with [`SpawnError::RuntimeGone`] (dropping
    /// `fut`) if the runtime was dropped.
    ///
    /// ```
    /// use ring_core::task::SpawnError;
    /// use ring_core::Runtime;
    ///
    /// let rt = Runtime::new(8)?;
    /// let spawner = rt.spawner();
    /// drop(rt);
    /// assert_eq!(spawner.try_spawn(async {}).unwrap_err(), SpawnError::RuntimeGone);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_spawn<F>(&self, fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.scheduler.upgrade() {
            Some(s) => Ok(s.spawn_local(fut, false)),
            None => Err(SpawnError::RuntimeGone),
        }
    }

    /// Whether the runtime is still there.
    pub fn is_alive(&self) -> bool {
        self.scheduler.strong_count() > 0
    }
}

impl core::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Spawner").field("alive", &self.is_alive()).finish()
    }
}
