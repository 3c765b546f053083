//! Tasks, wakers and join handles.

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
        let st = state.clone();
        let wrapped = async move {
            let out = fut.await;
            let mut s = st.borrow_mut();
            s.result = Some(Ok(out));
            if let Some(w) = s.waker.take() {
                w.wake();
            }
        };
        let id = match self.free.borrow_mut().pop() {
            Some(id) => id,
            None => {
                let mut tasks = self.tasks.borrow_mut();
                tasks.push(None);
                tasks.len() - 1
            }
        };
        let waker = Arc::new(TaskWaker { id, queued: AtomicBool::new(true), queue: self.queue.clone() });
        let task = Rc::new(Task { future: RefCell::new(Some(Box::pin(wrapped))), waker, internal });
        self.tasks.borrow_mut()[id] = Some(task);
        self.queue.push(id);
        JoinHandle { state }
    }

    /// Polls every woken task once; returns how many ran.
    pub(crate) fn run_ready(&self) -> usize {
        let mut ran = 0;
        // Bound the round so a task that always wakes itself cannot starve I/O.
        let budget = self.tasks.borrow().len().max(1) * 2;
        while ran < budget {
            let Some(id) = self.queue.pop() else { break };
            let task = self.tasks.borrow().get(id).cloned().flatten();
            let Some(task) = task else { continue };
            task.waker.queued.store(false, Ordering::SeqCst);
            let waker = Waker::from(task.waker.clone());
            let mut cx = Context::from_waker(&waker);
            let mut slot = task.future.borrow_mut();
            let Some(fut) = slot.as_mut() else { continue };
            ran += 1;
            // A panicking task is dropped (its operations are orphaned and
            // cancelled, never freed early); the panic goes to its JoinHandle.
            let poll = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));
            let finished = match poll {
                Ok(Poll::Ready(())) => true,
                Ok(Poll::Pending) => false,
                Err(payload) => {
                    drop(slot.take());
                    drop(slot);
                    self.finish(id);
                    drop(payload);
                    continue;
                }
            };
            if finished {
                slot.take();
                drop(slot);
                self.finish(id);
            }
        }
        ran
    }

    fn finish(&self, id: usize) {
        self.tasks.borrow_mut()[id] = None;
        self.free.borrow_mut().push(id);
    }

    /// Drops every task (at runtime drop).
    pub(crate) fn clear(&self) {
        let tasks: Vec<_> = self.tasks.borrow_mut().drain(..).flatten().collect();
        for t in tasks {
            let fut = t.future.borrow_mut().take();
            drop(fut);
        }
    }
}

/// A task ended by panicking.
#[derive(Debug)]
pub struct JoinError;

impl core::fmt::Display for JoinError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the task panicked or was dropped before finishing")
    }
}

impl std::error::Error for JoinError {}

struct JoinState<T> {
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// Waits for a spawned task's output.
pub struct JoinHandle<T> {
    state: Rc<RefCell<JoinState<T>>>,
}

impl<T> JoinHandle<T> {
    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.state.borrow().result.is_some()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.state.borrow_mut();
        if let Some(r) = s.result.take() {
            return Poll::Ready(r);
        }
        // A task whose future is gone (panicked, or runtime cleared) holds
        // the only other reference; with none left, it will never finish.
        if Rc::strong_count(&self.state) == 1 {
            return Poll::Ready(Err(JoinError));
        }
        s.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Spawns tasks onto a runtime from its own thread.
#[derive(Clone)]
pub struct Spawner {
    pub(crate) scheduler: Weak<Scheduler>,
}

impl Spawner {
    /// Spawns `fut`; `None` if the runtime is gone.
    pub fn spawn<F>(&self, fut: F) -> Option<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.scheduler.upgrade().map(|s| s.spawn_local(fut, false))
    }
}
