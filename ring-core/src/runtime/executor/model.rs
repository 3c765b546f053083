//! The runtime's park protocol opened up for the verification crate's loom
//! model (`verification/tests/loom_runtime.rs`); compiled only under
//! `--cfg ring_loom`.
//!
//! Every method here calls the code the runtime runs: the wake queue and
//! its wakers (`task.rs`), the handles' job queue (`handle.rs`), the
//! scheduler's round (`Scheduler::run_ready`) and the runtime's last look
//! before it blocks (`super::may_block`, which `Runtime::block_on` calls).
//! Nothing is a copy; what the model adds is only the threads, and the
//! eventfd read that tells it whether a waker signalled.
#![allow(unsafe_code)]

use super::task::{main_waker, AbortHandle, MainWaker, Scheduler, WakeQueue};
use crate::kernel::Linux;
use crate::runtime::handle::{pair, Handle, Remote, RemoteJoinHandle, Sender};
use core::future::Future;
use core::task::Waker;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::Arc;

/// A runtime's wake-up machinery without its ring: the wake queue with its
/// park gate and eventfd, the scheduler, the handles' job queue and the
/// main future's waker.
pub struct ParkModel {
    scheduler: Rc<Scheduler>,
    remote: Arc<Remote<Linux>>,
    main: Arc<MainWaker>,
    eventfd: Arc<OwnedFd>,
}

impl Default for ParkModel {
    fn default() -> Self {
        Self::new()
    }
}

impl ParkModel {
    /// The machinery of a fresh runtime (a non-blocking eventfd stands for
    /// the one whose read the runtime keeps in the ring).
    pub fn new() -> Self {
        // SAFETY: eventfd has no memory effects; a negative result is an error.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        assert!(fd >= 0, "eventfd: {}", std::io::Error::last_os_error());
        // SAFETY: a fresh descriptor nothing else owns.
        let eventfd = Arc::new(unsafe { OwnedFd::from_raw_fd(fd) });
        let queue = Arc::new(WakeQueue::new(eventfd.clone()));
        let remote = Arc::new(Remote::new(queue.clone(), None));
        let main = main_waker(&queue);
        ParkModel { scheduler: Rc::new(Scheduler::new(queue)), remote, main, eventfd }
    }

    /// Spawns `fut` as a task (queued, as `Runtime::spawn` leaves it) and
    /// returns its waker.
    pub fn spawn(&self, fut: impl Future<Output = ()> + 'static) -> Waker {
        let (id, handle) = self.scheduler.spawn_with_id(fut, false);
        drop(handle);
        self.scheduler.waker_of(id).expect("the task just spawned is there")
    }

    /// Spawns `fut` as a task (queued) and returns its abort handle, as
    /// `JoinHandle::abort_handle` gives it out; the join handle is dropped
    /// (the task detached).
    pub fn spawn_abortable(&self, fut: impl Future<Output = ()> + 'static) -> AbortHandle {
        self.scheduler.spawn_local(fut, false).abort_handle()
    }

    /// The two ends of a job handed over by a `Handle`, as `Handle::spawn`
    /// makes them: what the job holds, and the caller's handle.
    pub fn remote_pair(&self) -> (RemoteJob, RemoteJoinHandle<()>) {
        // No runner thread to refuse a blocking join on: loom's threads
        // share one OS thread, and the model joins only once the outcome
        // is in.
        let (sender, join) = pair(None);
        (RemoteJob(sender), join)
    }

    /// What a job does on the runtime's thread once a round takes it, as
    /// `Handle::job` does it (without the driver): it gives up if its
    /// handle was aborted (`Sender::is_aborted`), else spawns the task and
    /// hands it to its handle (`RemoteState::attach`). Whether the task was
    /// spawned.
    pub fn run_remote_job(&self, job: RemoteJob, fut: impl Future<Output = ()> + 'static) -> bool {
        let sender = job.0;
        if sender.is_aborted() {
            return false;
        }
        let state = sender.state.clone();
        let task = self.scheduler.spawn_local(
            async move {
                fut.await;
                sender.send(());
            },
            false,
        );
        state.attach(task.abort_handle());
        true
    }

    /// The main future's waker (what `block_on` polls its future with).
    pub fn main_waker(&self) -> Waker {
        self.main.clone().into()
    }

    /// A handle, as `Runtime::handle` gives out.
    pub fn handle(&self) -> Handle<Linux> {
        Handle::new(self.remote.clone())
    }

    /// One round of the scheduler, as `block_on` runs it.
    pub fn run_ready(&self) -> usize {
        self.scheduler.run_ready()
    }

    /// The runtime's last look before it blocks, as `block_on` makes it:
    /// whether it would block in the ring now.
    pub fn may_block(&self) -> bool {
        super::may_block(&self.scheduler.queue, &self.remote, &self.main)
    }

    /// The end of the park, as `block_on` ends it.
    pub fn end_park(&self) {
        self.scheduler.queue.gate.end_park();
    }

    /// Whether anything is there to run: a woken task, a job from a handle,
    /// or a wake-up of the main future.
    pub fn has_work(&self) -> bool {
        self.scheduler.queue.has_work() || self.remote.has_jobs() || self.main.is_woken()
    }

    /// Marks the main future as woken, as `block_on` does before its first
    /// poll.
    pub fn set_main_woken(&self) {
        self.main.set();
    }

    /// Consumes the main future's wake-up, as `block_on` does before
    /// polling it: whether there was one.
    pub fn take_main_wake(&self) -> bool {
        self.main.take()
    }

    /// Takes the oldest job a handle queued and drops it unrun (the model
    /// has no driver to run it with): whether there was one.
    pub fn take_job(&self) -> bool {
        self.remote.pop_job().is_some()
    }

    /// Whether a waker wrote the eventfd since the last call (which would
    /// end a blocked `io_uring_enter` through the runtime's eventfd read).
    pub fn signalled(&self) -> bool {
        let mut v = 0u64;
        // SAFETY: reads at most 8 bytes into a live u64 from our eventfd,
        // which is non-blocking.
        let n = unsafe { libc::read(self.eventfd.as_raw_fd(), (&raw mut v).cast(), 8) };
        n == 8 && v > 0
    }
}

/// The job's end of a remote job (see [`ParkModel::remote_pair`]).
pub struct RemoteJob(Sender<()>);

impl Drop for ParkModel {
    fn drop(&mut self) {
        // As the runtime drops: jobs refused and dropped, then the tasks.
        self.remote.close();
        self.scheduler.clear();
    }
}
