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
//!   way, owned by the work that receives it).
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
//!     .start(|core: Core| async move {
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
use crate::ownership::shared_fd::SharedFd;
use crate::runtime::channel::remote;
use crate::runtime::executor::Runtime;
use crate::runtime::handle::{Handle, RemoteJoinHandle};
use core::future::Future;
use std::cell::Cell;
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

    fn check(&self) -> Result<Vec<Option<usize>>, Error> {
        if self.cores == 0 {
            return Err(Error::InvalidArgument("a thread-per-core runtime needs at least one core"));
        }
        if self.cores > MAX_CORES {
            return Err(Error::TooLong { what: "core count", len: self.cores, max: MAX_CORES });
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
        let mut gos = Vec::with_capacity(self.cores);
        let mut wq: Option<Arc<OwnedFd>> = None;
        for (index, pin) in pins.into_iter().enumerate() {
            let entries = self.core_entries.iter().rev().find(|(c, _)| *c == index).map_or(self.entries, |&(_, e)| e);
            let (ready_tx, ready_rx) = mpsc::channel::<io::Result<(Handle<Linux>, Option<OwnedFd>)>>();
            let (go_tx, go_rx) = mpsc::channel::<Arc<[Handle<Linux>]>>();
            let (stop_tx, stop_rx) = remote::unbounded::<()>();
            let setup = CoreSetup {
                index,
                pin,
                entries,
                attach: wq.clone(),
                want_wq: self.attach_wq && index == 0,
                teardown: self.teardown,
                listener: listeners[index].take(),
            };
            let main = main.clone();
            let thread = std::thread::Builder::new()
                .name(format!("ring-core-{index}"))
                .spawn(move || run_core(setup, main, ready_tx, go_rx, stop_rx))?;
            started.threads.push(thread);
            started.stops.push(stop_tx);
            let (handle, wq_fd) = match ready_rx.recv() {
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
            gos.push(go_tx);
        }
        let handles: Arc<[Handle<Linux>]> = Arc::from(handles);
        for go in gos {
            // A core that ended meanwhile reports it at shutdown.
            let _ = go.send(handles.clone());
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

struct CoreSetup {
    index: usize,
    pin: Option<usize>,
    entries: u32,
    attach: Option<Arc<OwnedFd>>,
    want_wq: bool,
    teardown: Option<Duration>,
    listener: Option<std::net::TcpListener>,
}

fn dup(fd: std::os::fd::BorrowedFd<'_>) -> io::Result<OwnedFd> {
    fd.try_clone_to_owned()
}

fn run_core<F, Fut>(
    setup: CoreSetup,
    main: Arc<F>,
    ready: mpsc::Sender<io::Result<(Handle<Linux>, Option<OwnedFd>)>>,
    go: mpsc::Receiver<Arc<[Handle<Linux>]>>,
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
    if ready.send(Ok((handle, wq))).is_err() {
        return CoreReport { index, teardown: TeardownReport::default(), started: false };
    }
    let Ok(handles) = go.recv() else {
        // Another core failed to start: this one stops before running.
        return CoreReport { index, teardown: rt.driver().clone().shutdown(), started: false };
    };
    // Each other core's ring descriptor, once, for the `MSG_RING`
    // wake-ups of hand-offs (no system call per hand-off for it).
    let ring_fds =
        handles.iter().map(|h| h.ring_fd().and_then(|fd| dup(fd).ok()).map(SharedFd::new)).collect::<Vec<_>>();
    let driver = rt.driver().clone();
    let core = Core { index, handles, ring_fds, driver: driver.clone(), listener: Cell::new(setup.listener) };
    let main_fut = main(core);
    let _ = rt.block_on(async move {
        let main_task = crate::runtime::task::spawn_local(main_fut);
        // Any message, or the sender dropped with the `PerCore`, stops it.
        let _ = stop.recv().await;
        drop(main_task);
    });
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
}
