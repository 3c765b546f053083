//! Thread-per-core: one thread per core, each with its own ring, driver and
//! executor (a [`Runtime`]), as glommio and monoio run.
//!
//! - [`Builder`] starts N cores, optionally pins each to a CPU, optionally
//!   sets up every core's ring after the first with
//!   `IORING_SETUP_ATTACH_WQ` on the first's (see
//!   [`attach_wq`](Builder::attach_wq) for what that shares), and can bind one `SO_REUSEPORT` listener per core on one address, so
//!   the kernel spreads connections across the cores.
//! - [`PerCore`] is the running set: a `Send` [`Handle`] per core, and
//!   [`shutdown`](PerCore::shutdown), which stops every core and tears
//!   each one down under the driver's teardown policy (operations in
//!   flight are cancelled, and leaked rather than freed if the kernel
//!   keeps them past the deadline), with a [`CoreReport`] per core.
//! - [`Core`] is what each core's `main` gets: its driver, the other cores'
//!   handles, [`spawn_on`](Core::spawn_on) (work handed to another core,
//!   which is woken by an `IORING_OP_MSG_RING` completion posted from this
//!   core's ring, not through a descriptor), and
//!   [`send_fd_to`](Core::send_fd_to) (a descriptor handed over the same
//!   way, owned by the work that receives it), and
//!   [`send_fixed_to`](Core::send_fixed_to) (a direct descriptor passed
//!   from this core's file table into the target's by `MSG_RING` itself,
//!   `IORING_MSG_SEND_FD`).
//!
//! Nothing is shared between cores but the handles' job queues: each
//! driver stays on its thread, so the single-threaded ownership rules of
//! `docs/ownership.md` hold on every core unchanged.
//!
//! ```
//! use ring_core::per_core::Builder;
//!
//! let cores = Builder::new(2).entries(64).start(|core| async move {
//!     // Each core runs this once, then keeps serving work handed to it.
//!     let next = (core.index() + 1) % core.cores();
//!     let me = core.index();
//!     let answer = core.spawn_on(next, move |_d| async move { me * 10 }).await.unwrap();
//!     assert_eq!(answer.await.unwrap(), me * 10);
//! })?;
//! let reports = cores.shutdown().unwrap();
//! assert_eq!(reports.len(), 2);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Every knob, and a descriptor handed from one [`Core`] to another:
//!
//! ```
//! use ring_core::per_core::{bind_reuseport, Builder, Core, CoreReport, PerCore, ShutdownError};
//! use std::os::fd::OwnedFd;
//! use std::time::Duration;
//!
//! // `bind_reuseport` is what `listen_reuseport` binds on each core; here
//! // it picks a free port for them.
//! let addr = bind_reuseport("127.0.0.1:0".parse().unwrap(), 16)?.local_addr()?;
//! let explicit = Builder::new(1).pin_to(vec![0]); // core i on CPU list[i % len]
//! drop(explicit);
//! let cores: PerCore = Builder::new(2)
//!     .entries(32)
//!     .core_entries(1, 64)
//!     .pin_to_cpus() // core i on the i-th CPU this process may use
//!     .attach_wq(true)
//!     .teardown_deadline(Duration::from_millis(200))
//!     .listen_reuseport(addr, 16)
//!     .fixed_files(8, 0..8) // a file table per core (none before 6.0)
//!     .start(|core: Core| async move {
//!         let _table = core.fixed_files();
//!         let _listener = core.take_listener().expect("one listener per core");
//!         assert!(core.take_listener().is_none(), "taken once");
//!         assert!(core.handle(core.index()).is_some() && core.handle(core.cores()).is_none());
//!         let _driver = core.driver();
//!         if core.index() == 0 {
//!             let job = core.spawn_on(1, |_d| async { 2 + 2 });
//!             assert_eq!(job.await.expect("core 1 exists").await.expect("the job ran"), 4);
//!             let file = OwnedFd::from(std::fs::File::open("/dev/null").unwrap());
//!             let job = core.send_fd_to(1, file, |_d, fd| async move { std::fs::File::from(fd).metadata().is_ok() });
//!             assert!(job.await.expect("core 1 exists").await.expect("the job ran"));
//!         }
//!     })?;
//! assert_eq!((cores.cores(), cores.handles().len()), (2, 2));
//! assert!(cores.handle(1).is_some() && cores.handle(2).is_none());
//! match cores.shutdown() {
//!     Ok(reports) => {
//!         let first: &CoreReport = &reports[0];
//!         assert!(first.started);
//!     }
//!     Err(ShutdownError { panicked, .. }) => panic!("cores {panicked:?} panicked"),
//! }
//! # Ok::<(), std::io::Error>(())
//! ```
#![allow(unsafe_code)]

mod reuseport;

pub use reuseport::bind_reuseport;

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
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

/// The most cores a [`Builder`] starts.
pub const MAX_CORES: usize = 1024;

/// Starts a thread-per-core runtime; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Builder {
    cores: usize,
    entries: u32,
    core_entries: Vec<(usize, u32)>,
    cpus: Option<Vec<usize>>,
    pin_allowed: bool,
    attach_wq: bool,
    teardown: Option<Duration>,
    listen: Option<(SocketAddr, i32)>,
    files: Option<(u32, Range<u32>)>,
}

impl Builder {
    /// `cores` cores (1 to [`MAX_CORES`]), each with a ring of 256 entries.
    pub fn new(cores: usize) -> Self {
        Builder {
            cores,
            entries: 256,
            core_entries: Vec::new(),
            cpus: None,
            pin_allowed: false,
            attach_wq: false,
            teardown: None,
            listen: None,
            files: None,
        }
    }

    /// The SQ size of every core's ring (the CQ is twice that).
    pub fn entries(mut self, entries: u32) -> Self {
        self.entries = entries;
        self
    }

    /// The SQ size of one core's ring, instead of [`entries`](Self::entries).
    pub fn core_entries(mut self, core: usize, entries: u32) -> Self {
        self.core_entries.push((core, entries));
        self
    }

    /// Pins core `i` to CPU `cpus[i % cpus.len()]`.
    pub fn pin_to(mut self, cpus: Vec<usize>) -> Self {
        self.cpus = Some(cpus);
        self
    }

    /// Pins core `i` to the `i`-th CPU this process may run on (wrapping
    /// around when there are more cores than CPUs).
    pub fn pin_to_cpus(mut self) -> Self {
        self.pin_allowed = true;
        self
    }

    /// Sets up every core's ring after the first with
    /// `IORING_SETUP_ATTACH_WQ` and the first one's descriptor as `wq_fd`.
    ///
    /// What that shares depends on the kernel. From 5.6 to 5.11 io-wq
    /// (the workers that run blocking work such as buffered file I/O)
    /// belonged to a ring, and the cores' rings shared core 0's. Since
    /// 5.12 io-wq belongs to the thread that submits, so each core has its
    /// own whatever this says; the flag shares an SQPOLL thread, which
    /// these rings do not use, and otherwise the kernel only checks that
    /// `wq_fd` is a ring. Nor does it join the hash that serialises
    /// buffered writes to one file in io-wq: that is per ring
    /// (`docs/task-work.md`, "io-wq").
    pub fn attach_wq(mut self, attach: bool) -> Self {
        self.attach_wq = attach;
        self
    }

    /// How long each core's teardown waits for operations in flight at
    /// shutdown before leaking them (the driver's default otherwise).
    pub fn teardown_deadline(mut self, d: Duration) -> Self {
        self.teardown = Some(d);
        self
    }

    /// Binds one listener per core on `addr` with `SO_REUSEPORT` (port 0:
    /// the port the first gets, for all); each core takes its own with
    /// [`Core::take_listener`].
    pub fn listen_reuseport(mut self, addr: SocketAddr, backlog: i32) -> Self {
        self.listen = Some((addr, backlog));
        self
    }

    /// Registers a file table of `size` slots on every core, whose
    /// allocation range `alloc` the kernel hands out as direct descriptors
    /// ([`FixedFiles::new`]); each core's is [`Core::fixed_files`], and
    /// [`Core::send_fixed_to`] passes a direct descriptor from one core's
    /// table to another's. Where the kernel has no sparse tables with an
    /// allocation range (before 6.0), the cores start without one.
    pub fn fixed_files(mut self, size: u32, alloc: Range<u32>) -> Self {
        self.files = Some((size, alloc));
        self
    }

    fn check(&self) -> Result<Vec<Option<usize>>, Error> {
        if self.cores == 0 {
            return Err(Error::InvalidArgument("a thread-per-core runtime needs at least one core"));
        }
        if self.cores > MAX_CORES {
            return Err(Error::TooLong { what: "core count", len: self.cores, max: MAX_CORES });
        }
        if let Some((size, alloc)) = &self.files {
            if alloc.start >= alloc.end || alloc.end > *size {
                return Err(Error::InvalidArgument("the allocation range must be a non-empty part of the table"));
            }
        }
        if let Some(&(core, _)) = self.core_entries.iter().find(|(c, _)| *c >= self.cores) {
            return Err(Error::TooLong { what: "core index", len: core, max: self.cores - 1 });
        }
        let set_size = 8 * core::mem::size_of::<libc::cpu_set_t>();
        let cpus: Vec<usize> = match (&self.cpus, self.pin_allowed) {
            (Some(c), _) if c.is_empty() => return Err(Error::InvalidArgument("an empty CPU list")),
            (Some(c), _) => c.clone(),
            (None, true) => allowed_cpus()?,
            (None, false) => return Ok(vec![None; self.cores]),
        };
        if let Some(&bad) = cpus.iter().find(|&&c| c >= set_size) {
            return Err(Error::TooLong { what: "CPU number", len: bad, max: set_size - 1 });
        }
        Ok((0..self.cores).map(|i| Some(cpus[i % cpus.len()])).collect())
    }

    /// Starts the cores. Each runs `main` once with its [`Core`] as its
    /// first task, and keeps running (serving the tasks `main` spawned and
    /// the work other cores and threads hand it) until
    /// [`PerCore::shutdown`]. A core that cannot start (a ring refused, a
    /// CPU it may not run on) stops those already started and is the
    /// error.
    pub fn start<F, Fut>(self, main: F) -> io::Result<PerCore>
    where
        F: Fn(Core) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        let pins = self.check()?;
        let mut listeners: Vec<Option<std::net::TcpListener>> = match self.listen {
            Some((addr, backlog)) => reuseport::listeners(addr, self.cores, backlog)?.into_iter().map(Some).collect(),
            None => (0..self.cores).map(|_| None).collect(),
        };
        let main = Arc::new(main);
        let mut started = PerCore { handles: Arc::from(Vec::new()), stops: Vec::new(), threads: Vec::new() };
        let mut handles = Vec::with_capacity(self.cores);
        let mut tables = Vec::with_capacity(self.cores);
        let mut gos = Vec::with_capacity(self.cores);
        let mut wq: Option<Arc<OwnedFd>> = None;
        for (index, pin) in pins.into_iter().enumerate() {
            let entries = self.core_entries.iter().rev().find(|(c, _)| *c == index).map_or(self.entries, |&(_, e)| e);
            let (ready_tx, ready_rx) = mpsc::channel::<io::Result<Ready>>();
            let (go_tx, go_rx) = mpsc::channel::<Go>();
            let (stop_tx, stop_rx) = remote::unbounded::<()>();
            let setup = CoreSetup {
                index,
                pin,
                entries,
                attach: wq.clone(),
                want_wq: self.attach_wq && index == 0,
                teardown: self.teardown,
                listener: listeners[index].take(),
                files: self.files.clone(),
            };
            let main = main.clone();
            let thread = std::thread::Builder::new()
                .name(format!("ring-core-{index}"))
                .spawn(move || run_core(setup, main, ready_tx, go_rx, stop_rx))?;
            started.threads.push(thread);
            started.stops.push(stop_tx);
            let (handle, wq_fd, table) = match ready_rx.recv() {
                Ok(Ok(v)) => v,
                Ok(Err(e)) => {
                    drop(gos);
                    let _ = started.stop_and_join();
                    return Err(e);
                }
                Err(_) => {
                    drop(gos);
                    let _ = started.stop_and_join();
                    return Err(io::Error::other(format!("core {index} ended while starting")));
                }
            };
            if let Some(fd) = wq_fd {
                wq = Some(Arc::new(fd));
            }
            handles.push(handle);
            tables.push(table);
            gos.push(go_tx);
        }
        let handles: Arc<[Handle<Linux>]> = Arc::from(handles);
        let tables: Arc<[bool]> = Arc::from(tables);
        for go in gos {
            // A core that ended meanwhile reports it at shutdown.
            let _ = go.send((handles.clone(), tables.clone()));
        }
        started.handles = handles;
        Ok(started)
    }
}

/// The CPUs this thread may run on.
fn allowed_cpus() -> Result<Vec<usize>, Error> {
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: `set` is a writable cpu_set_t of the size passed.
    if unsafe { libc::sched_getaffinity(0, core::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
        return Err(Error::syscall(crate::error::Call::Other("sched_getaffinity"), ring_sys::Errno::new(errno)));
    }
    let cpus: Vec<usize> = (0..8 * core::mem::size_of::<libc::cpu_set_t>())
        // SAFETY: `c` is below the set's size in bits, and the macro only
        // reads the set.
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect();
    if cpus.is_empty() {
        return Err(Error::InvalidArgument("this process may run on no CPU"));
    }
    Ok(cpus)
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

/// What a core sends when its ring is up: its handle, a duplicate of its
/// ring descriptor when the others attach to it, and whether it has a file
/// table.
type Ready = (Handle<Linux>, Option<OwnedFd>, bool);

/// What every core gets once all are up: the handles, and which cores have
/// a file table.
type Go = (Arc<[Handle<Linux>]>, Arc<[bool]>);

thread_local! {
    /// This core's file table, for adopting the slots other cores send it
    /// (set on a core's thread for as long as its runtime runs jobs).
    static CORE_FILES: RefCell<Option<FixedFiles>> = const { RefCell::new(None) };
}

struct CoreSetup {
    index: usize,
    pin: Option<usize>,
    entries: u32,
    attach: Option<Arc<OwnedFd>>,
    want_wq: bool,
    teardown: Option<Duration>,
    listener: Option<std::net::TcpListener>,
    files: Option<(u32, Range<u32>)>,
}

fn dup(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}

fn run_core<F, Fut>(
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

/// What one core's shutdown found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreReport {
    /// Which core.
    pub index: usize,
    /// Its driver's teardown: operations in flight, and leaked past the
    /// deadline.
    pub teardown: TeardownReport,
    /// Whether the core ran (false when the set was stopped while starting).
    pub started: bool,
}

/// Why [`PerCore::shutdown`] could not report every core.
#[derive(Debug)]
pub struct ShutdownError {
    /// The reports of the cores that ended normally.
    pub reports: Vec<CoreReport>,
    /// The cores whose thread panicked outside any task (a task's panic
    /// goes to its `JoinHandle`, not here).
    pub panicked: Vec<usize>,
}

impl core::fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cores {:?} panicked", self.panicked)
    }
}

impl std::error::Error for ShutdownError {}

/// A running thread-per-core runtime; see the [module docs](self).
/// Dropping it shuts every core down as [`shutdown`](Self::shutdown) does.
pub struct PerCore {
    handles: Arc<[Handle<Linux>]>,
    stops: Vec<remote::Sender<()>>,
    threads: Vec<JoinHandle<CoreReport>>,
}

impl core::fmt::Debug for PerCore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PerCore").field("cores", &self.threads.len()).finish_non_exhaustive()
    }
}

impl PerCore {
    /// How many cores run.
    pub fn cores(&self) -> usize {
        self.handles.len()
    }

    /// Core `i`'s `Send + Sync` handle: any thread hands it work with
    /// [`Handle::spawn`].
    pub fn handle(&self, i: usize) -> Option<&Handle<Linux>> {
        self.handles.get(i)
    }

    /// Every core's handle, by index.
    pub fn handles(&self) -> &[Handle<Linux>] {
        &self.handles
    }

    /// Stops every core (each drops its tasks and tears its driver down:
    /// operations in flight are cancelled, or leaked past the teardown
    /// deadline) and waits for their threads.
    pub fn shutdown(mut self) -> Result<Vec<CoreReport>, ShutdownError> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> Result<Vec<CoreReport>, ShutdownError> {
        for stop in self.stops.drain(..) {
            // A core already gone has nothing to stop.
            let _ = stop.send(());
        }
        let me = std::thread::current().id();
        let mut reports = Vec::new();
        let mut panicked = Vec::new();
        for (i, t) in self.threads.drain(..).enumerate() {
            if t.thread().id() == me {
                // Called on a core's own thread: it stops once this returns.
                continue;
            }
            match t.join() {
                Ok(r) => reports.push(r),
                Err(_) => panicked.push(i),
            }
        }
        if panicked.is_empty() {
            Ok(reports)
        } else {
            Err(ShutdownError { reports, panicked })
        }
    }
}

impl Drop for PerCore {
    fn drop(&mut self) {
        // Stopping and joining threads frees no memory the kernel uses:
        // each core tears its own driver down on its own thread.
        let _ = self.stop_and_join();
    }
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

    /// This core's file table (see [`Builder::fixed_files`]), if it has
    /// one.
    pub fn fixed_files(&self) -> Option<&FixedFiles> {
        self.files.as_ref()
    }

    /// This core's `SO_REUSEPORT` listener (see
    /// [`Builder::listen_reuseport`]), the first time it is asked for.
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
    /// Needs a table on both cores ([`Builder::fixed_files`]); without
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
