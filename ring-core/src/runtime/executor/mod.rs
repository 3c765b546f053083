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

pub(crate) mod context;
pub mod gate;
#[cfg(ring_loom)]
#[doc(hidden)]
pub mod model;
pub(crate) mod task;

use crate::kernel::{Kernel, Linux};
use crate::order::EVENTFD_ARMED;
use crate::ownership::driver::{Batch, DefaultDrive, Drive, Driver, SubmitStrategy};
use crate::raw::ring::Ring;
use crate::runtime::handle::{Handle, Remote};
use crate::runtime::task::blocking::{BlockingJoinHandle, BlockingLimits, BlockingPool};
use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll};
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::Arc;
pub use task::{AbortHandle, JoinError, JoinHandle, SpawnError, Spawner};
use task::{Scheduler, WakeQueue};

/// The executor and its driver.
///
/// ```
/// use ring_core::Runtime;
/// use std::time::Duration;
///
/// let rt = Runtime::new(64)?;
/// let out = rt.block_on(async {
///     let task = ring_core::task::spawn(async { 1 + 1 });
///     ring_core::time::sleep(Duration::from_millis(1)).await;
///     task.await.unwrap()
/// })?;
/// assert_eq!(out, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime<K: Kernel = Linux> {
    // Field order is drop order: tasks (and their operations) go first, so
    // their entries are orphaned before the driver's teardown runs.
    scheduler: Rc<Scheduler>,
    remote: Arc<Remote<K>>,
    blocking: Arc<BlockingPool>,
    driver: Driver<K>,
}

impl Runtime<Linux> {
    /// A runtime on a new ring of `entries` entries, batching submissions
    /// until it parks. The ring is set up for one thread (DEFER_TASKRUN,
    /// SINGLE_ISSUER and TASKRUN_FLAG) where the kernel has it; see
    /// [`Builder::defer_taskrun`](crate::Builder::defer_taskrun). For
    /// another setup, build the ring and use [`with_ring`](Self::with_ring).
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(256)?;
    /// assert_eq!(rt.block_on(async { 7 })?, 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(entries: u32) -> io::Result<Self> {
        Runtime::with_ring(crate::raw::setup::Builder::build_one_thread(entries)?, Batch::default())
    }
}

impl<K: Kernel + 'static> Runtime<K> {
    /// A runtime on `ring`, submitting as `strategy` decides.
    ///
    /// The CQ must have at least two entries: the runtime keeps a read on
    /// its eventfd in flight, which holds one completion slot for good, and
    /// with no other slot every operation would wait forever. A smaller
    /// ring is refused with `InvalidInput`.
    pub fn with_ring(ring: Ring<K>, strategy: impl SubmitStrategy + 'static) -> io::Result<Self> {
        Runtime::with_drive(ring, DefaultDrive::new(strategy))
    }

    /// A runtime on `ring` whose driver enters the kernel as `drive` decides
    /// (see [`Drive`]); otherwise as [`with_ring`](Self::with_ring).
    ///
    /// ```
    /// use ring_core::driver::BusyPoll;
    /// use ring_core::{Builder, Runtime};
    /// use std::time::Duration;
    ///
    /// let rt = Runtime::with_drive(Builder::new(16).build()?, BusyPoll::new(Duration::from_micros(20)))?;
    /// let d = rt.driver().clone();
    /// assert!(rt.block_on(async move { d.sleep(Duration::from_millis(1)).await })?.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_drive(ring: Ring<K>, drive: impl Drive + 'static) -> io::Result<Self> {
        if ring.params().cq_entries < 2 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the runtime needs a CQ of at least 2 entries (its eventfd read holds one)",
            ));
        }
        let driver = Driver::with_drive(ring, drive);
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
        let rt = Runtime { scheduler, remote, blocking: Arc::new(BlockingPool::new()), driver };
        rt.spawn_waker_task(efd);
        Ok(rt)
    }

    /// The task that keeps a read on the eventfd, so wake-ups from other
    /// threads end a parked wait.
    fn spawn_waker_task(&self, efd: Arc<OwnedFd>) {
        let driver = self.driver.clone();
        let queue = self.scheduler.queue.clone();
        let fut = async move {
            let mut buf = vec![0u8; 8];
            loop {
                let mut read = driver.read(&efd, buf);
                let (r, b) = core::future::poll_fn(|cx| {
                    let p = core::pin::Pin::new(&mut read).poll(cx);
                    // Armed only while the read is in the kernel: a read
                    // still waiting for a credit (every credit held by
                    // operations, and others queued for them first) ends
                    // no park, so the runtime parks with a bound instead
                    // (see `block_on`).
                    queue.eventfd_armed.store(p.is_pending() && read.user_data().is_some(), EVENTFD_ARMED);
                    p
                })
                .await;
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
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// rt.block_on(async move { d.nop().await })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn driver(&self) -> &Driver<K> {
        &self.driver
    }

    /// A `Send + Sync` handle through which other threads hand work to this
    /// runtime (see [`crate::guide::threads`]).
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let handle = rt.handle();
    /// let t = std::thread::spawn(move || handle.spawn(|d| async move { d.nop().await.is_ok() }).join());
    /// rt.block_on(async {
    ///     while !t.is_finished() {
    ///         ring_core::task::yield_now().await;
    ///     }
    /// })?;
    /// assert!(t.join().unwrap().unwrap());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> Handle<K> {
        Handle::new(self.remote.clone())
    }

    /// A handle that spawns tasks onto this runtime (from its thread).
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let task = rt.spawner().spawn(async { 3 });
    /// assert_eq!(rt.block_on(task)?.unwrap(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawner(&self) -> Spawner {
        Spawner { scheduler: Rc::downgrade(&self.scheduler) }
    }

    /// Spawns a task; it runs while the runtime is in [`block_on`](Self::block_on).
    /// Inside `block_on`, [`crate::task::spawn`] does the same without a
    /// reference to the runtime.
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let task = rt.spawn(async { "done" });
    /// assert_eq!(rt.block_on(task)?.unwrap(), "done");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.scheduler.spawn_local(fut, false)
    }

    /// Runs `f` on the runtime's pool of blocking threads (see
    /// [`crate::task::spawn_blocking`], which does the same from inside
    /// `block_on`, for the limits).
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// let job = rt.spawn_blocking(|| std::fs::metadata("/").map(|m| m.is_dir()));
    /// assert!(rt.block_on(job)?.unwrap()?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn_blocking<F, T>(&self, f: F) -> BlockingJoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        BlockingPool::spawn(&self.blocking, f)
    }

    /// Sets the limits of the runtime's pool of blocking threads (see
    /// [`BlockingLimits`] for the defaults). Threads already running beyond a
    /// lowered `max_threads` finish their job and exit.
    ///
    /// ```
    /// use ring_core::task::BlockingLimits;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.set_blocking_limits(BlockingLimits { max_threads: 2, max_queued: 16, ..BlockingLimits::default() });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_blocking_limits(&self, limits: BlockingLimits) {
        self.blocking.set_limits(limits);
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
        // The free functions (`task::spawn`, `time::sleep`, ...) find this
        // runtime through the thread's context while `block_on` runs.
        let _context = context::enter(context::Entry {
            spawner: Some(self.spawner()),
            driver: Rc::new(self.driver.clone()),
            blocking: Some(self.blocking.clone()),
        });
        self.driver.shared.mark_driven();
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
            let r = if may_block(q, &self.remote, &main) {
                // While the eventfd read is not in the kernel, a wake-up
                // from another thread (a handle's job, a remote waker)
                // would end no park: the park is bounded then, and the loop
                // looks again.
                let bound = if q.eventfd_armed.load(EVENTFD_ARMED) { None } else { Some(UNARMED_PARK) };
                self.driver.park(bound)
            } else {
                self.driver.poll()
            };
            q.gate.end_park();
            r?;
        }
    }
}

/// How long the runtime parks while its eventfd read waits for a credit
/// (see `block_on`): how late, at worst, it notices a wake-up from another
/// thread while every credit of its ring is taken.
const UNARMED_PARK: std::time::Duration = std::time::Duration::from_millis(5);

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
///
/// ```
/// assert!(ring_core::executor::current_spawner().is_none());
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async { assert!(ring_core::executor::current_spawner().is_some()) })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn current_spawner() -> Option<Spawner> {
    context::current_runtime().and_then(|e| e.spawner)
}

/// The driver of the loop running on this thread, if any and if it is on
/// the real kernel: the runtime in [`Runtime::block_on`], or a driver
/// driven by an external loop ([`crate::compat`]).
///
/// ```
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let d = ring_core::executor::current_driver().expect("inside block_on");
///     d.nop().await
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn current_driver() -> Option<Driver<Linux>> {
    context::current_driver()
}

impl<K: Kernel> Drop for Runtime<K> {
    fn drop(&mut self) {
        // Tasks first: dropping their futures orphans their operations,
        // which the driver's teardown (when `driver` drops next) cancels and
        // waits for. Jobs from other threads that never ran are refused.
        self.remote.close();
        self.blocking.close();
        self.scheduler.clear();
    }
}
