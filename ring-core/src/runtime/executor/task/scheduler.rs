//! The runtime's tasks: spawning one, polling the woken ones, dropping
//! them all when the runtime goes.

use super::abort::{AbortHandle, Abortable};
use super::catch_unwind::{keep, CatchUnwind, Payload};
use super::join::{Completer, JoinError, JoinHandle, JoinState};
use super::wake::{TaskWaker, WakeQueue};
use crate::order::TASK_QUEUED_CLEAR;
use crate::sync::AtomicBool;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::Arc;
use std::task::Wake;

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
        self.spawn_with_id(fut, internal).1
    }

    /// As [`spawn_local`](Self::spawn_local), and the task's id.
    pub(crate) fn spawn_with_id<F>(&self, fut: F, internal: bool) -> (usize, JoinHandle<F::Output>)
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
        (id, JoinHandle { state, abort })
    }

    /// The waker of task `id`, if it is there (for the loom model).
    #[cfg(ring_loom)]
    pub(crate) fn waker_of(&self, id: usize) -> Option<Waker> {
        self.tasks.borrow().get(id).cloned().flatten().map(|t| Waker::from(t.waker.clone()))
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
            // A swap, not a store: a waker on another thread that found the
            // task still queued did not queue it again, and relies on this
            // poll to see what it published before waking. The swap reads
            // its `swap(true)` (or a later value) and so acquires its
            // writes; a plain store would not (`loom_runtime::
            // runtime_task_woken_during_its_poll_runs_again`).
            task.waker.queued.swap(false, TASK_QUEUED_CLEAR);
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
