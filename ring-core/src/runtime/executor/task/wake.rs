//! The wake queue and the wakers that feed it: a task's waker and the
//! waker of the future passed to `block_on`, usable from any thread.
#![allow(unsafe_code)]

// The wakers are `std::task::Wake`, which needs std's `Arc`; the words and
// locks inside it come from the `sync` shim, so that the verification
// crate's loom model (`verification/tests/loom_runtime.rs`) runs this
// code as it ships.
use crate::order::{MAIN_WOKEN, QUEUE_LEN, TASK_QUEUED_SET};
use crate::sync::{AtomicBool, AtomicUsize, Mutex};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::Arc;
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
    pub(crate) gate: crate::runtime::executor::gate::ParkGate,
    /// Whether the eventfd read is in flight (a write will end the park).
    pub(crate) eventfd_armed: AtomicBool,
    eventfd: Arc<OwnedFd>,
}

impl WakeQueue {
    pub(crate) fn new(eventfd: Arc<OwnedFd>) -> Self {
        WakeQueue {
            ready: Mutex::new(VecDeque::new()),
            queued: AtomicUsize::new(0),
            gate: crate::runtime::executor::gate::ParkGate::new(),
            eventfd_armed: AtomicBool::new(false),
            eventfd,
        }
    }

    /// Whether the calling thread is inside this queue's `block_on`.
    fn on_runtime_thread(&self) -> bool {
        RUNNING.try_with(|r| core::ptr::eq(r.get(), self)).unwrap_or(false)
    }

    pub(crate) fn has_work(&self) -> bool {
        self.queued.load(QUEUE_LEN) != 0
    }

    pub(super) fn push(&self, id: usize) {
        {
            let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            ready.push_back(id);
            self.queued.store(ready.len(), QUEUE_LEN);
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

    pub(super) fn pop(&self) -> Option<usize> {
        if !self.has_work() {
            return None;
        }
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        let id = ready.pop_front();
        self.queued.store(ready.len(), QUEUE_LEN);
        id
    }
}

/// The waker of one task.
pub(super) struct TaskWaker {
    pub(super) id: usize,
    pub(super) queued: AtomicBool,
    pub(super) queue: Arc<WakeQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, TASK_QUEUED_SET) {
            self.queue.push(self.id);
        }
    }
}

/// The waker of the future passed to `block_on`.
pub(crate) struct MainWaker {
    woken: AtomicBool,
    queue: Arc<WakeQueue>,
}

impl MainWaker {
    /// Marks the main future as woken (before its first poll).
    pub(crate) fn set(&self) {
        self.woken.store(true, MAIN_WOKEN);
    }

    /// Consumes a wake-up: whether the main future is to be polled.
    pub(crate) fn take(&self) -> bool {
        self.woken.swap(false, MAIN_WOKEN)
    }

    /// Whether a wake-up is waiting (the runtime's looks before parking).
    pub(crate) fn is_woken(&self) -> bool {
        self.woken.load(MAIN_WOKEN)
    }
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Already woken: the runtime has not consumed the previous wake-up
        // yet, and it re-checks `woken` after announcing a park and before
        // blocking (`block_on`), so this one needs no signal of its own.
        if !self.woken.swap(true, MAIN_WOKEN) {
            self.queue.notify();
        }
    }
}

pub(crate) fn main_waker(queue: &Arc<WakeQueue>) -> Arc<MainWaker> {
    Arc::new(MainWaker { woken: AtomicBool::new(false), queue: queue.clone() })
}
