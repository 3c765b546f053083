//! Thread-per-core: one thread per core, each with its own ring, driver and
//! executor (a [`Runtime`](crate::runtime::executor::Runtime)), as glommio
//! and monoio run.
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

mod builder;
mod core_thread;
mod reuseport;

pub use builder::Builder;
pub use core_thread::Core;
pub use reuseport::bind_reuseport;

use crate::kernel::Linux;
use crate::ownership::driver::TeardownReport;
use crate::runtime::channel::remote;
use crate::runtime::handle::Handle;
use std::sync::Arc;
use std::thread::JoinHandle;

/// The most cores a [`Builder`] starts.
pub const MAX_CORES: usize = 1024;

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
    pub(super) handles: Arc<[Handle<Linux>]>,
    pub(super) stops: Vec<remote::Sender<()>>,
    pub(super) threads: Vec<JoinHandle<CoreReport>>,
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

    pub(super) fn stop_and_join(&mut self) -> Result<Vec<CoreReport>, ShutdownError> {
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
