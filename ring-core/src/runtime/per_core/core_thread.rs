//! A core's thread ([`run_core`]: its ring, runtime and optional file
//! table, set up and torn down on that thread) and [`Core`], the view its
//! `main` gets: the other cores' handles, hand-offs of work and
//! descriptors.
#![allow(unsafe_code)]

use super::CoreReport;
use crate::error::Error;
use crate::kernel::Linux;
use crate::ownership::driver::{Driver, TeardownReport, WAKE_USER_DATA};
use crate::ownership::fixed_files::{FixedFd, FixedFiles};
use crate::ownership::shared_fd::SharedFd;
use crate::runtime::channel::remote;
use crate::runtime::executor::Runtime;
use crate::runtime::handle::{Handle, RemoteJoinHandle};
use core::future::Future;
use core::ops::Range;
use std::cell::{Cell, RefCell};
use std::io;
use std::os::fd::OwnedFd;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// What a core sends when its ring is up: its handle, a duplicate of its
/// ring descriptor when the others attach to it, and whether it has a file
/// table.
pub(super) type Ready = (Handle<Linux>, Option<OwnedFd>, bool);

/// What every core gets once all are up: the handles, and which cores have
/// a file table.
pub(super) type Go = (Arc<[Handle<Linux>]>, Arc<[bool]>);

thread_local! {
    /// This core's file table, for adopting the slots other cores send it
    /// (set on a core's thread for as long as its runtime runs jobs).
    static CORE_FILES: RefCell<Option<FixedFiles>> = const { RefCell::new(None) };
}

/// Pins the calling thread to `cpu`.
fn pin_thread(cpu: usize) -> io::Result<()> {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `cpu` is below the set's size in bits (`Builder::check`), and
    // the macro only sets its bit in `set`.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: `set` is a cpu_set_t of the size passed, read by the call.
    if unsafe { libc::sched_setaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &set) } != 0 {
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
        return Err(Error::syscall(crate::error::Call::Other("sched_setaffinity"), ring_sys::Errno::new(errno)).into());
    }
    Ok(())
}

pub(super) struct CoreSetup {
    pub(super) index: usize,
    pub(super) pin: Option<usize>,
    pub(super) entries: u32,
    pub(super) attach: Option<Arc<OwnedFd>>,
    pub(super) want_wq: bool,
    pub(super) teardown: Option<Duration>,
    pub(super) listener: Option<std::net::TcpListener>,
    pub(super) files: Option<(u32, Range<u32>)>,
}

fn dup(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}

pub(super) fn run_core<F, Fut>(
    setup: CoreSetup,
    main: Arc<F>,
    ready: mpsc::Sender<io::Result<Ready>>,
    go: mpsc::Receiver<Go>,
    mut stop: remote::Receiver<()>,
) -> CoreReport
where
    F: Fn(Core) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let index = setup.index;
    let failed = |e: io::Error| {
        let _ = ready.send(Err(e));
        CoreReport { index, teardown: TeardownReport::default(), started: false }
    };
    if let Some(cpu) = setup.pin {
        if let Err(e) = pin_thread(cpu) {
            return failed(e);
        }
    }
    let mut b = crate::raw::setup::Builder::new(setup.entries);
    if let Some(fd) = &setup.attach {
        b = b.attach_wq(&**fd);
    }
    let rt = match b
        .build()
        .map_err(io::Error::from)
        .and_then(|ring| Runtime::with_ring(ring, crate::ownership::driver::Batch::default()))
    {
        Ok(rt) => rt,
        Err(e) => return failed(e),
    };
    if let Some(d) = setup.teardown {
        rt.driver().set_teardown_deadline(d);
    }
    let handle = rt.handle();
    let wq = if setup.want_wq { handle.ring_fd().map(dup).transpose() } else { Ok(None) };
    let wq = match wq {
        Ok(w) => w,
        Err(e) => return failed(e),
    };
    // A kernel without sparse tables and allocation ranges leaves the core
    // without one: `send_fixed_to` then says so, and `send_fd_to` works.
    let files = setup.files.and_then(|(size, alloc)| FixedFiles::new(rt.driver(), size, alloc).ok());
    let table = files.is_some();
    CORE_FILES.with(|c| *c.borrow_mut() = files.clone());
    if ready.send(Ok((handle, wq, table))).is_err() {
        CORE_FILES.with(|c| c.borrow_mut().take());
        return CoreReport { index, teardown: TeardownReport::default(), started: false };
    }
    let Ok((handles, tables)) = go.recv() else {
        // Another core failed to start: this one stops before running.
        CORE_FILES.with(|c| c.borrow_mut().take());
        drop(files);
        return CoreReport { index, teardown: rt.driver().clone().shutdown(), started: false };
    };
    // Each other core's ring descriptor, once, for the `MSG_RING`
    // wake-ups of hand-offs (no system call per hand-off for it).
    let ring_fds =
        handles.iter().map(|h| h.ring_fd().and_then(|fd| dup(fd).ok()).map(SharedFd::new)).collect::<Vec<_>>();
    let driver = rt.driver().clone();
    let core =
        Core { index, handles, ring_fds, driver: driver.clone(), listener: Cell::new(setup.listener), files, tables };
    let main_fut = main(core);
    let _ = rt.block_on(async move {
        let main_task = crate::runtime::task::spawn_local(main_fut);
        // Any message, or the sender dropped with the `PerCore`, stops it.
        let _ = stop.recv().await;
        drop(main_task);
    });
    // No job runs any more: the table is unregistered (when its last
    // descriptor goes) while the driver is still there to do it.
    CORE_FILES.with(|c| c.borrow_mut().take());
    // The runtime drops its tasks first (their operations are orphaned),
    // then the driver's teardown cancels what is in flight; the clone kept
    // here lets that teardown's report be read.
    drop(rt);
    CoreReport { index, teardown: driver.shutdown(), started: true }
}

/// One core's view, given to its `main`; not `Send` (it holds the core's
/// driver).
pub struct Core {
    index: usize,
    handles: Arc<[Handle<Linux>]>,
    ring_fds: Vec<Option<SharedFd>>,
    driver: Driver<Linux>,
    listener: Cell<Option<std::net::TcpListener>>,
    files: Option<FixedFiles>,
    tables: Arc<[bool]>,
}

impl core::fmt::Debug for Core {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core").field("index", &self.index).field("cores", &self.handles.len()).finish_non_exhaustive()
    }
}

impl Core {
    /// This core's index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many cores run.
    pub fn cores(&self) -> usize {
        self.handles.len()
    }

    /// This core's driver.
    pub fn driver(&self) -> &Driver<Linux> {
        &self.driver
    }

    /// Core `i`'s handle.
    pub fn handle(&self, i: usize) -> Option<&Handle<Linux>> {
        self.handles.get(i)
    }

    /// This core's file table (see
    /// [`Builder::fixed_files`](super::Builder::fixed_files)), if it has
    /// one.
    pub fn fixed_files(&self) -> Option<&FixedFiles> {
        self.files.as_ref()
    }

    /// This core's `SO_REUSEPORT` listener (see
    /// [`Builder::listen_reuseport`](super::Builder::listen_reuseport)), the first time it is asked for.
    pub fn take_listener(&self) -> Option<crate::objects::net::TcpListener> {
        self.listener.take().map(|l| crate::objects::net::TcpListener::from_std(&self.driver, l))
    }

    /// Runs `f` on core `core` with its driver, spawns the future it
    /// returns there, and hands back its output through the handle.
    ///
    /// The work is queued on the target's job queue, and the target is
    /// woken by a completion this core's ring posts into the target's
    /// ring (`IORING_OP_MSG_RING`, 5.18), which ends its wait in
    /// `io_uring_enter` with no descriptor in between; where that fails
    /// (an older kernel), through the target's eventfd. On this core, the
    /// work is queued like any other job. A core index out of range is
    /// [`Error::InvalidArgument`].
    pub async fn spawn_on<F, Fut>(&self, core: usize, f: F) -> Result<RemoteJoinHandle<Fut::Output>, Error>
    where
        F: FnOnce(Driver<Linux>) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let Some(target) = self.handles.get(core) else {
            return Err(Error::InvalidArgument("no core of that index"));
        };
        let (join, queued) = target.spawn_unwoken(f);
        if !queued {
            // The target is gone; the handle reports the cancellation.
            return Ok(join);
        }
        let ring = self.ring_fds.get(core).and_then(Option::as_ref).filter(|_| core != self.index);
        let woken = match ring {
            // SAFETY: the completion carries `WAKE_USER_DATA`, the tag a
            // runtime's driver reads as its wake-up and that no operation's
            // entry ever has, so it cannot impersonate an operation of the
            // target's driver.
            Some(fd) => unsafe { self.driver.msg_ring(fd, 0, WAKE_USER_DATA) }.await.is_ok(),
            None => false,
        };
        if !woken {
            target.wake();
        }
        Ok(join)
    }

    /// Hands the descriptor `fd` to core `core`, with the work that takes
    /// it over there: `f` runs on that core with its driver and `fd` (as
    /// [`spawn_on`](Self::spawn_on), woken by `MSG_RING`). The descriptor
    /// is owned by the job until `f` takes it; if the target is gone
    /// before it runs, it is closed with the job.
    pub async fn send_fd_to<F, Fut>(
        &self,
        core: usize,
        fd: OwnedFd,
        f: F,
    ) -> Result<RemoteJoinHandle<Fut::Output>, Error>
    where
        F: FnOnce(Driver<Linux>, OwnedFd) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        self.spawn_on(core, move |d| f(d, fd)).await
    }

    /// Passes the direct descriptor `fd` of this core's table to core
    /// `core`, with the work that takes it over there: `f` runs on that
    /// core with its driver and the descriptor, now a [`FixedFd`] of that
    /// core's table.
    ///
    /// The file goes by `IORING_OP_MSG_RING` with `IORING_MSG_SEND_FD`
    /// (6.0) from this core's ring into a slot the kernel picks among the
    /// free ones of the target's allocation range, with no completion
    /// there ([`Driver::msg_ring_send_fixed`]): no slot in use on the
    /// target is replaced, and the receiving core adopts the one the
    /// kernel filled before `f` runs. The work is then handed over as by
    /// [`spawn_on`](Self::spawn_on). `fd` is given up once the file is
    /// on the target (this core's slot empties when its other holders
    /// go); if the work never runs (the target stopped, or the handle
    /// aborted it first), the target's slot stays occupied until its ring
    /// goes.
    ///
    /// Needs a table on both cores
    /// ([`Builder::fixed_files`](super::Builder::fixed_files)); without
    /// one, or on a kernel that refuses the message, `fd` comes back with
    /// the error: [`Error::NotConfigured`], or the kernel's error (`ENFILE`
    /// when the target's range is full). A core index out of range, or
    /// this core's own, is [`Error::InvalidArgument`]. A descriptor held as
    /// an `OwnedFd` goes with [`send_fd_to`](Self::send_fd_to), which any
    /// kernel does.
    ///
    /// ```
    /// use ring_core::per_core::Builder;
    ///
    /// let cores = Builder::new(2).fixed_files(8, 0..8).start(|core| async move {
    ///     let (Some(files), 0) = (core.fixed_files(), core.index()) else { return };
    ///     let d = core.driver().clone();
    ///     let Ok(fd) = d.socket_direct(files, libc::AF_INET, libc::SOCK_DGRAM, 0).await else { return };
    ///     match core.send_fixed_to(1, fd, |_d, fd| async move { fd.ring_id() }).await {
    ///         Ok(job) => println!("now in core 1's table: {:?}", job.await),
    ///         Err((e, _fd)) => println!("kept on core 0: {e}"),
    ///     }
    /// })?;
    /// cores.shutdown().unwrap();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn send_fixed_to<F, Fut>(
        &self,
        core: usize,
        fd: FixedFd,
        f: F,
    ) -> Result<RemoteJoinHandle<Fut::Output>, (Error, FixedFd)>
    where
        F: FnOnce(Driver<Linux>, FixedFd) -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        if core >= self.handles.len() || core == self.index {
            return Err((Error::InvalidArgument("a descriptor goes to another core of the runtime"), fd));
        }
        let ring = self.ring_fds.get(core).and_then(Option::as_ref);
        let (Some(ring), Some(_), true) = (ring, &self.files, self.tables.get(core).copied().unwrap_or(false)) else {
            return Err((Error::NotConfigured("a file table on both cores (Builder::fixed_files)"), fd));
        };
        let slot = match self.driver.msg_ring_send_fixed(ring, &fd).await {
            Ok(slot) => slot,
            Err(e) => {
                let errno = ring_sys::Errno::new(e.raw_os_error().unwrap_or(libc::EIO));
                return Err((Error::syscall(crate::error::Call::Other("IORING_OP_MSG_RING"), errno), fd));
            }
        };
        let job = move |d: Driver<Linux>| {
            // The kernel filled `slot` of this core's table for this job
            // alone: it was free, and nothing here names a free slot.
            let fd = CORE_FILES.with(|c| c.borrow().as_ref().map(|files| FixedFd::adopt(&files.inner, slot)));
            f(d, fd.expect("a core that was sent a descriptor has the table the kernel put it in"))
        };
        match self.spawn_on(core, job).await {
            Ok(join) => Ok(join),
            Err(e) => Err((e, fd)),
        }
    }
}
