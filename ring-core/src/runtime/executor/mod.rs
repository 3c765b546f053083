//! A small single-threaded executor that parks in the ring.
//!
//! [`Runtime::block_on`] runs a future (and every task spawned onto the
//! runtime) on the current thread. When no task can make progress, the
//! runtime submits what is written and waits in `io_uring_enter` for a
//! completion; timers are ring timeouts, so a sleeping program is a thread
//! blocked in one system call.
//!
//! Wakers are ordinary `std::task::Waker`s and may be called from any
//! thread. A wake-up from another thread while the runtime is parked is
//! delivered through an eventfd that the runtime keeps a read on, so the
//! parked `io_uring_enter` returns.
#![allow(unsafe_code)]

pub mod gate;
#[cfg(ring_loom)]
#[doc(hidden)]
pub mod model;
pub(crate) mod task;

use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::{Batch, Driver, SubmitStrategy};
use crate::raw::ring::Ring;
use crate::runtime::handle::{Handle, Remote};
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll};
use std::cell::RefCell;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::Arc;
pub use task::{JoinError, JoinHandle, Spawner};
use task::{Scheduler, WakeQueue};

/// The executor and its driver.
pub struct Runtime<K: Kernel = Linux> {
    // Field order is drop order: tasks (and their operations) go first, so
    // their entries are orphaned before the driver's teardown runs.
    scheduler: Rc<Scheduler>,
    remote: Arc<Remote<K>>,
    driver: Driver<K>,
}

impl Runtime<Linux> {
    /// A runtime on a new ring of `entries` entries, batching submissions
    /// until it parks.
    pub fn new(entries: u32) -> io::Result<Self> {
        Runtime::with_ring(crate::raw::setup::Builder::new(entries).build()?, Batch::default())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<(Spawner, Rc<dyn core::any::Any>)>> = const { RefCell::new(None) };
}

impl<K: Kernel + 'static> Runtime<K> {
    /// A runtime on `ring`, submitting as `strategy` decides.
    ///
    /// The CQ must have at least two entries: the runtime keeps a read on
    /// its eventfd in flight, which holds one completion slot for good, and
    /// with no other slot every operation would wait forever. A smaller
    /// ring is refused with `InvalidInput`.
    pub fn with_ring(ring: Ring<K>, strategy: impl SubmitStrategy + 'static) -> io::Result<Self> {
        if ring.params().cq_entries < 2 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the runtime needs a CQ of at least 2 entries (its eventfd read holds one)",
            ));
        }
        let driver = Driver::with_ring(ring, strategy);
        // SAFETY: eventfd has no memory effects; a negative result is an error.
        let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if efd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor we own.
        let efd = Arc::new(unsafe { OwnedFd::from_raw_fd(efd) });
        let queue = Arc::new(WakeQueue::new(efd.clone()));
        // Handles post wake-ups to the ring by descriptor, possibly after the
        // driver closed its own: they get a duplicate, which cannot come to
        // name another ring (see `handle::Remote`). Without one (no
        // descriptor, or none left) they use the eventfd.
        let ring_fd = driver.ring_mut(|r| r.fd()).flatten().and_then(|fd| {
            // SAFETY: F_DUPFD_CLOEXEC has no memory effects; `fd` is the
            // ring's open descriptor, and a non-negative result is a new
            // descriptor nothing else owns.
            let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
            // SAFETY: as just said.
            (dup >= 0).then(|| unsafe { OwnedFd::from_raw_fd(dup) })
        });
        let remote = Arc::new(Remote::new(queue.clone(), ring_fd));
        let scheduler = Rc::new(Scheduler::new(queue));
        let rt = Runtime { scheduler, remote, driver };
        rt.spawn_waker_task(efd);
        Ok(rt)
    }

    /// The task that keeps a read on the eventfd, so wake-ups from other
    /// threads end a parked wait.
    fn spawn_waker_task(&self, efd: Arc<OwnedFd>) {
        let driver = self.driver.clone();
        let fut = async move {
            let mut buf = vec![0u8; 8];
            loop {
                let (r, b) = driver.read(&efd, buf).await;
                buf = b;
                buf.clear();
                match r {
                    Ok(_) => {}
                    // The driver is shutting down.
                    Err(e) if e.raw_os_error() == Some(libc::ECANCELED) => break,
                    Err(_) => break,
                }
            }
        };
        drop(self.scheduler.spawn_local(fut, true));
    }

    /// The driver, for starting operations.
    pub fn driver(&self) -> &Driver<K> {
        &self.driver
    }

    /// A `Send + Sync` handle through which other threads hand work to this
    /// runtime.
    pub fn handle(&self) -> Handle<K> {
        Handle::new(self.remote.clone())
    }

    /// A handle that spawns tasks onto this runtime (from its thread).
    pub fn spawner(&self) -> Spawner {
        Spawner { scheduler: Rc::downgrade(&self.scheduler) }
    }

    /// Spawns a task; it runs while the runtime is in [`block_on`](Self::block_on).
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.scheduler.spawn_local(fut, false)
    }

    /// Runs `fut` to completion on this thread, running spawned tasks and
    /// parking in the ring whenever nothing can make progress.
    ///
    /// Returns an error if the ring fails in a way that is not transient
    /// (transient failures are retried).
    pub fn block_on<F: Future>(&self, fut: F) -> io::Result<F::Output> {
        let mut fut = pin!(fut);
        let main = task::main_waker(&self.scheduler.queue);
        let waker = main.clone().into();
        let mut cx = Context::from_waker(&waker);
        let prev = CURRENT
            .with(|c| c.borrow_mut().replace((self.spawner(), Rc::new(self.driver.clone()) as Rc<dyn core::any::Any>)));
        struct Restore(Option<(Spawner, Rc<dyn core::any::Any>)>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let prev = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = prev);
            }
        }
        let _restore = Restore(prev);
        // Marks this thread as running the runtime, so that wake-ups made on
        // it skip the eventfd (see `WakeQueue::notify`).
        let prev_running = task::RUNNING.with(|r| r.replace(Arc::as_ptr(&self.scheduler.queue)));
        struct RestoreRunning(*const WakeQueue);
        impl Drop for RestoreRunning {
            fn drop(&mut self) {
                let prev = self.0;
                let _ = task::RUNNING.try_with(|r| r.set(prev));
            }
        }
        let _restore_running = RestoreRunning(prev_running);
        main.set();
        loop {
            if main.take() {
                if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
                    return Ok(out);
                }
            }
            let spawner = self.spawner();
            let ran = self.remote.run_jobs(&self.driver, &spawner) + self.scheduler.run_ready();
            if ran > 0 || main.is_woken() {
                // Let completions that are already there in before running
                // more, without blocking.
                self.driver.poll()?;
                continue;
            }
            // Nothing runnable: park, unless a wake-up slipped in.
            let q = &self.scheduler.queue;
            let r = if may_block(q, &self.remote, &main) { self.driver.park(None) } else { self.driver.poll() };
            q.gate.end_park();
            r?;
        }
    }
}

/// The runtime's last look for work before it blocks in the ring: whether
/// it may block. It announces the park first and looks after (the flag
/// store, the fence and the looks pair with a waker's queue push, fence and
/// flag load, `WakeQueue::notify`): a look made before the announcement
/// could miss work queued by another thread that, not yet seeing "parked",
/// does not signal either. The caller ends the park (`ParkGate::end_park`)
/// whatever this returns. `verification/tests/loom_runtime.rs` runs this
/// function as shipped against wakers and handles on other threads.
pub(crate) fn may_block<K: Kernel>(queue: &WakeQueue, remote: &Remote<K>, main: &task::MainWaker) -> bool {
    queue.gate.announce_park();
    !(queue.has_work() || remote.has_jobs() || main.is_woken())
}

/// The spawner of the runtime running on this thread, if any (inside
/// [`Runtime::block_on`]).
pub fn current_spawner() -> Option<Spawner> {
    CURRENT.with(|c| c.borrow().as_ref().map(|(s, _)| s.clone()))
}

/// The driver of the runtime running on this thread, if any and if it is
/// on the real kernel.
pub fn current_driver() -> Option<Driver<Linux>> {
    CURRENT.with(|c| {
        c.borrow().as_ref().and_then(|(_, d)| d.clone().downcast::<Driver<Linux>>().ok()).map(|d| (*d).clone())
    })
}

impl<K: Kernel> Drop for Runtime<K> {
    fn drop(&mut self) {
        // Tasks first: dropping their futures orphans their operations,
        // which the driver's teardown (when `driver` drops next) cancels and
        // waits for. Jobs from other threads that never ran are refused.
        self.remote.close();
        self.scheduler.clear();
    }
}
