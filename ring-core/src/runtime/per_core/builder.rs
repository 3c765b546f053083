//! [`Builder`]: the configuration of a thread-per-core runtime, and
//! starting it (one thread per core, pinned if asked).
#![allow(unsafe_code)]

use super::core_thread::{run_core, Core, CoreSetup, Go, Ready};
use super::{reuseport, PerCore, MAX_CORES};
use crate::error::Error;
use crate::kernel::Linux;
use crate::runtime::channel::remote;
use crate::runtime::handle::Handle;
use core::future::Future;
use core::ops::Range;
use std::io;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Starts a thread-per-core runtime; see the [module docs](super).
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
    /// ([`FixedFiles::new`](crate::ownership::fixed_files::FixedFiles::new)); each core's is [`Core::fixed_files`], and
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
