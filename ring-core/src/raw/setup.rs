//! Setting up a ring: the [`Builder`] with every `IORING_SETUP_*` flag,
//! checked before the kernel sees it (the rules between flags, and the
//! typed error naming the flag when the kernel says no, are in
//! `setup_flags.rs`).
#![allow(unsafe_code)]

pub use crate::raw::setup_flags::{setup_flag_name, SETUP_FLAGS};

use crate::error::{Call, Error, Result};
use crate::kernel::{Kernel, Linux};
use crate::raw::memory::{self, NoMmapMemory};
use crate::raw::ring::Ring;
use crate::raw::setup_flags::{check_rules, explain};
use core::ptr::NonNull;
use ring_sys::*;
use std::os::fd::{AsRawFd, RawFd};

/// Builds a [`Ring`] with any combination of setup flags.
///
/// ```no_run
/// let ring = ring_core::Builder::new(256)
///     .single_issuer()
///     .defer_taskrun()
///     .build()?;
/// # Ok::<(), ring_core::Error>(())
/// ```
///
/// Every set-up option, each tried on this kernel (a flag it does not
/// know is an error at `build`, reported here and nothing more):
///
/// ```
/// use ring_core::buf::{BackingMemory, MmapMemory};
/// use ring_core::builder::{setup_flag_name, Builder};
/// use ring_core::sys::{IORING_SETUP_SQPOLL, IORING_SETUP_SUBMIT_ALL};
/// use std::os::fd::BorrowedFd;
/// use std::ptr::NonNull;
///
/// assert_eq!(setup_flag_name(IORING_SETUP_SQPOLL), "IORING_SETUP_SQPOLL");
/// let first = Builder::new(4).build()?;
/// // SAFETY: `first` outlives this borrow, used only during `build`.
/// let first_fd = unsafe { BorrowedFd::borrow_raw(first.fd().expect("a descriptor")) };
/// // Memory lent for a NO_MMAP ring: a page for the entries, one for the
/// // rings (enough for 4 entries); it outlives the ring set up on it.
/// let sqes = MmapMemory::anonymous(4096)?;
/// let rings = MmapMemory::anonymous(4096)?;
/// let lent = |b: Builder| {
///     // SAFETY: both regions are page-aligned, this long, used for nothing
///     // else, and unmapped only after the ring (declared later) is gone.
///     unsafe { b.no_mmap_in(NonNull::new(sqes.base()).unwrap(), sqes.size(), NonNull::new(rings.base()).unwrap(), rings.size()) }
/// };
/// let tries = [
///     ("cq_size, clamp", Builder::new(4).cq_size(64).clamp()),
///     ("attach_wq", Builder::new(4).attach_wq(&first_fd)),
///     ("attach_wq_ring", Builder::new(4).attach_wq_ring(&first)),
///     ("iopoll", Builder::new(4).iopoll()),
///     ("hybrid_iopoll", Builder::new(4).iopoll().hybrid_iopoll()),
///     ("sqpoll", Builder::new(4).sqpoll(Some(10)).sqpoll_cpu(0)),
///     ("r_disabled", Builder::new(4).r_disabled()),
///     ("submit_all", Builder::new(4).submit_all()),
///     ("coop_taskrun, taskrun_flag", Builder::new(4).coop_taskrun().taskrun_flag()),
///     ("defer_taskrun, no_taskrun_flag", Builder::new(4).defer_taskrun().no_taskrun_flag()),
///     ("sqe128, cqe32", Builder::new(4).sqe128().cqe32()),
///     ("sqe_mixed, cqe_mixed", Builder::new(4).sqe_mixed().cqe_mixed()),
///     ("no_mmap", Builder::new(4).no_mmap()),
///     ("no_mmap_in", lent(Builder::new(4))),
///     ("registered_fd_only", Builder::new(4).registered_fd_only()),
///     ("no_sqarray", Builder::new(4).no_sqarray(true)),
///     ("sq_rewind", Builder::new(4).sq_rewind()),
///     ("register_ring_fd", Builder::new(4).register_ring_fd(true)),
///     ("registered_waits", Builder::new(4).registered_waits(2)),
///     ("raw_flags", Builder::new(4).raw_flags(IORING_SETUP_SUBMIT_ALL)),
/// ];
/// for (what, builder) in tries {
///     let flags = builder.params().flags;
///     match builder.build_on(ring_core::Linux) {
///         Ok(_ring) => println!("{what} ({flags:#x}): set up"),
///         Err(e) => println!("{what} ({flags:#x}): {e}"),
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    entries: u32,
    params: io_uring_params,
    /// Whether the caller asked for `NO_SQARRAY` explicitly (then it is
    /// required) or left the default (then it is used where the kernel has it).
    no_sqarray: Option<bool>,
    no_mmap: Option<NoMmapMemory>,
    register_ring_fd: bool,
    reg_wait_slots: u32,
}

impl Builder {
    /// A ring with at least `entries` SQ entries (rounded up to a power of
    /// two by the kernel) and, unless [`cq_size`](Self::cq_size) says
    /// otherwise, twice as many CQ entries.
    pub fn new(entries: u32) -> Self {
        Builder {
            entries,
            params: io_uring_params::default(),
            no_sqarray: None,
            no_mmap: None,
            register_ring_fd: true,
            reg_wait_slots: 0,
        }
    }

    fn flag(mut self, f: u32) -> Self {
        self.params.flags |= f;
        self
    }

    /// `IORING_SETUP_IOPOLL` (5.1): busy-poll for completions of O_DIRECT
    /// I/O on devices that support polling, instead of waiting for interrupts.
    pub fn iopoll(self) -> Self {
        self.flag(IORING_SETUP_IOPOLL)
    }

    /// `IORING_SETUP_HYBRID_IOPOLL` (6.13): with IOPOLL, sleep for part of
    /// the expected completion time before polling.
    pub fn hybrid_iopoll(self) -> Self {
        self.flag(IORING_SETUP_IOPOLL | IORING_SETUP_HYBRID_IOPOLL)
    }

    /// `IORING_SETUP_SQPOLL` (5.1): a kernel thread polls the SQ, so
    /// submitting needs no system call while it is awake. It sleeps after
    /// `idle_ms` milliseconds without work (the kernel's default when `None`)
    /// and must then be woken with `IORING_ENTER_SQ_WAKEUP`, which
    /// [`Ring::submit`] does by itself.
    pub fn sqpoll(mut self, idle_ms: Option<u32>) -> Self {
        self.params.sq_thread_idle = idle_ms.unwrap_or(0);
        self.flag(IORING_SETUP_SQPOLL)
    }

    /// `IORING_SETUP_SQ_AFF` (5.1): pin the SQPOLL thread to `cpu`.
    pub fn sqpoll_cpu(mut self, cpu: u32) -> Self {
        self.params.sq_thread_cpu = cpu;
        self.flag(IORING_SETUP_SQ_AFF)
    }

    /// `IORING_SETUP_CQSIZE` (5.5): a CQ of `entries` (at least the SQ size).
    pub fn cq_size(mut self, entries: u32) -> Self {
        self.params.cq_entries = entries;
        self.flag(IORING_SETUP_CQSIZE)
    }

    /// `IORING_SETUP_CLAMP` (5.6): clamp sizes above the maximum instead of
    /// failing.
    pub fn clamp(self) -> Self {
        self.flag(IORING_SETUP_CLAMP)
    }

    /// `IORING_SETUP_ATTACH_WQ` (5.6): with SQPOLL, share the poll thread
    /// of the SQPOLL ring `fd` (of this process). From 5.6 to 5.11 it also
    /// shared that ring's io-wq; since 5.12 io-wq belongs to the task, and
    /// without SQPOLL the kernel only checks that `fd` is a ring (`EINVAL`
    /// if it is not, `ENXIO` if it is no open descriptor).
    pub fn attach_wq(mut self, fd: &impl AsRawFd) -> Self {
        self.params.wq_fd = fd.as_raw_fd() as u32;
        self.flag(IORING_SETUP_ATTACH_WQ)
    }

    /// `IORING_SETUP_ATTACH_WQ` with another [`Ring`] of this process.
    pub fn attach_wq_ring<K: Kernel>(mut self, ring: &Ring<K>) -> Self {
        self.params.wq_fd = ring.fd as u32;
        self.flag(IORING_SETUP_ATTACH_WQ)
    }

    /// `IORING_SETUP_R_DISABLED` (5.10): start disabled, so that
    /// restrictions can be registered first; enable with
    /// [`Ring::enable`](crate::Ring::enable). A [`Driver`](crate::Driver)
    /// on a ring still disabled refuses every operation at start
    /// (`EBADFD`), and so its timers cannot start either: a
    /// [`Sleep`](crate::time::Sleep) on it completes at once rather than
    /// at its deadline. Enable the ring before handing it to a driver that
    /// runs timers.
    pub fn r_disabled(self) -> Self {
        self.flag(IORING_SETUP_R_DISABLED)
    }

    /// `IORING_SETUP_SUBMIT_ALL` (5.18): keep submitting a batch after an
    /// SQE fails to submit.
    pub fn submit_all(self) -> Self {
        self.flag(IORING_SETUP_SUBMIT_ALL)
    }

    /// `IORING_SETUP_COOP_TASKRUN` (5.19): run completion task work when the
    /// task enters the kernel anyway, instead of interrupting it.
    pub fn coop_taskrun(self) -> Self {
        self.flag(IORING_SETUP_COOP_TASKRUN)
    }

    /// `IORING_SETUP_TASKRUN_FLAG` (5.19): set `IORING_SQ_TASKRUN` when task
    /// work is pending (needs COOP_TASKRUN or DEFER_TASKRUN).
    pub fn taskrun_flag(self) -> Self {
        self.flag(IORING_SETUP_TASKRUN_FLAG)
    }

    /// `IORING_SETUP_SQE128` (5.19): 128-byte SQEs (for `URING_CMD`).
    pub fn sqe128(self) -> Self {
        self.flag(IORING_SETUP_SQE128)
    }

    /// `IORING_SETUP_CQE32` (5.19): 32-byte CQEs.
    pub fn cqe32(self) -> Self {
        self.flag(IORING_SETUP_CQE32)
    }

    /// `IORING_SETUP_SQE_MIXED` (6.19): 64- and 128-byte SQEs in one ring.
    pub fn sqe_mixed(self) -> Self {
        self.flag(IORING_SETUP_SQE_MIXED)
    }

    /// `IORING_SETUP_CQE_MIXED` (6.18): 16- and 32-byte CQEs in one ring.
    pub fn cqe_mixed(self) -> Self {
        self.flag(IORING_SETUP_CQE_MIXED)
    }

    /// `IORING_SETUP_SINGLE_ISSUER` (6.0): only one task submits.
    pub fn single_issuer(self) -> Self {
        self.flag(IORING_SETUP_SINGLE_ISSUER)
    }

    /// `IORING_SETUP_DEFER_TASKRUN` (6.1): run completion work only when the
    /// application asks for events; implies [`single_issuer`](Self::single_issuer)
    /// and [`taskrun_flag`](Self::taskrun_flag).
    ///
    /// The kernel runs deferred work (a socket's data, a timer's expiry, any
    /// completion that is not posted inline) only when the ring is entered
    /// with `IORING_ENTER_GETEVENTS`. A program that is never idle enters
    /// only to submit, and would not see those completions until it ran out
    /// of other work: a timer of one second fired after five in a loop kept
    /// busy by page-cache reads. With TASKRUN_FLAG the kernel sets
    /// `IORING_SQ_TASKRUN` while such work waits, and [`Ring::submit`]
    /// then adds GETEVENTS (and enters even with nothing to submit), so
    /// every submit runs it.
    pub fn defer_taskrun(self) -> Self {
        self.flag(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG)
    }

    /// Clears `IORING_SETUP_TASKRUN_FLAG` (set by
    /// [`defer_taskrun`](Self::defer_taskrun)), for a program that enters
    /// with `IORING_ENTER_GETEVENTS` by itself often enough (for example
    /// [`Ring::get_events`] before every reap) and would rather the kernel
    /// did not update the SQ flags word each time it queues deferred work.
    pub fn no_taskrun_flag(mut self) -> Self {
        self.params.flags &= !IORING_SETUP_TASKRUN_FLAG;
        self
    }

    /// `IORING_SETUP_NO_MMAP` (6.5) with memory ring-core allocates: a page
    /// per region when it fits, else a 2 MiB huge page.
    pub fn no_mmap(mut self) -> Self {
        self.no_mmap = Some(NoMmapMemory::Allocate);
        self.flag(IORING_SETUP_NO_MMAP)
    }

    /// `IORING_SETUP_NO_MMAP` with memory the caller lends: `sqes` for the
    /// SQE array and `rings` for both rings, each page-aligned and, if larger
    /// than a page, physically contiguous (a huge page).
    ///
    /// # Safety
    ///
    /// Both regions must be valid for reads and writes, must not be used by
    /// anything else while the ring exists, and must never be reused for
    /// other data afterwards without being unmapped first: the kernel pins
    /// the pages and may write to them until its own teardown of the ring
    /// completes, which can be after the ring is dropped.
    pub unsafe fn no_mmap_in(
        mut self,
        sqes: NonNull<u8>,
        sqes_len: usize,
        rings: NonNull<u8>,
        rings_len: usize,
    ) -> Self {
        self.no_mmap = Some(NoMmapMemory::Lent { sqes, sqes_len, rings, rings_len });
        self.flag(IORING_SETUP_NO_MMAP)
    }

    /// `IORING_SETUP_REGISTERED_FD_ONLY` (6.5): the ring gets no file
    /// descriptor, only an index in its own registered-ring table. Implies
    /// [`no_mmap`](Self::no_mmap) unless memory was lent already.
    pub fn registered_fd_only(mut self) -> Self {
        if self.no_mmap.is_none() {
            self = self.no_mmap();
        }
        self.flag(IORING_SETUP_REGISTERED_FD_ONLY)
    }

    /// `IORING_SETUP_NO_SQARRAY` (6.6): drop the SQ index array. By default
    /// the builder uses it where the kernel has it; `false` turns that off,
    /// `true` makes it required.
    pub fn no_sqarray(mut self, on: bool) -> Self {
        self.no_sqarray = Some(on);
        self
    }

    /// `IORING_SETUP_SQ_REWIND` (7.0): the kernel reads SQEs from slot 0 on
    /// every submit and ignores head and tail, which the application must
    /// leave at 0 (the uapi header: "Any other value is undefined
    /// behaviour"). Ring-core's submission queue cannot drive that mode: it
    /// writes each entry at the tail, publishes the tail and counts from the
    /// head, so the kernel would read the first entries again at every
    /// submit, requests whose memory may be gone. [`build`](Self::build)
    /// therefore refuses the flag (from this method or
    /// [`raw_flags`](Self::raw_flags)) with [`Error::SetupFlagConflict`]
    /// before anything reaches the kernel.
    pub fn sq_rewind(mut self) -> Self {
        self.no_sqarray = Some(true);
        self.flag(IORING_SETUP_SQ_REWIND)
    }

    /// Whether to register the ring descriptor with itself after setup
    /// (default: yes, where the kernel supports it, 5.18).
    pub fn register_ring_fd(mut self, on: bool) -> Self {
        self.register_ring_fd = on;
        self
    }

    /// Registers a region of `slots` wait descriptors
    /// (`IORING_REGISTER_MEM_REGION` with `IORING_MEM_REGION_REG_WAIT_ARG`,
    /// 6.13) for [`Ring::submit_and_wait_registered`]. The ring is set up
    /// disabled for the registration and enabled afterwards (unless
    /// [`r_disabled`](Self::r_disabled) was asked for).
    pub fn registered_waits(mut self, slots: u32) -> Self {
        self.reg_wait_slots = slots;
        self
    }

    /// Any raw `IORING_SETUP_*` bits, for flags newer than this builder.
    pub fn raw_flags(self, flags: u32) -> Self {
        self.flag(flags)
    }

    /// The `io_uring_params` that setup will be called with.
    pub fn params(&self) -> &io_uring_params {
        &self.params
    }

    /// Sets up the ring on the running kernel.
    pub fn build(self) -> Result<Ring<Linux>, crate::error::Error> {
        self.build_on(Linux)
    }

    /// The ring [`Runtime::new`](crate::Runtime::new) and
    /// [`Driver::new`](crate::Driver::new) run on: set up for one thread
    /// ([`defer_taskrun`](Self::defer_taskrun): DEFER_TASKRUN, SINGLE_ISSUER
    /// and TASKRUN_FLAG) where the kernel has it (6.1), else a plain ring.
    ///
    /// Both types stay on the thread that made them, which is what
    /// SINGLE_ISSUER asks, and they enter the kernel with GETEVENTS whenever
    /// they wait or the kernel flags deferred work, which is what
    /// DEFER_TASKRUN needs. The kernel then runs a completion's work
    /// (a socket's data copied out, a timer's expiry) in batches when the
    /// runtime enters, instead of interrupting it for each one: about a
    /// quarter less CPU per request for an echo or HTTP server (see
    /// `docs/benchmarks.md`).
    pub(crate) fn build_one_thread(entries: u32) -> Result<Ring<Linux>> {
        match Builder::new(entries).defer_taskrun().build() {
            Err(Error::UnsupportedSetupFlag { .. }) => Builder::new(entries).build(),
            r => r,
        }
    }

    /// Sets up the ring on `kernel` (the real one, or a simulated one).
    pub fn build_on<K: Kernel>(mut self, kernel: K) -> Result<Ring<K>, crate::error::Error> {
        check_rules(self.entries, &self.params, self.no_sqarray)?;
        let user_disabled = self.params.flags & IORING_SETUP_R_DISABLED != 0;
        if self.reg_wait_slots > 0 {
            self.params.flags |= IORING_SETUP_R_DISABLED;
        }
        let try_no_sqarray = self.no_sqarray != Some(false);
        let mut params = self.params;
        if try_no_sqarray {
            params.flags |= IORING_SETUP_NO_SQARRAY;
        }
        let (fd, params, memory) = match self.setup(&kernel, params) {
            Ok(r) => r,
            // A kernel before 6.6 rejects NO_SQARRAY; if it was only the
            // default, fall back to the index array.
            Err(Error::Syscall { call: Call::Setup, errno })
                if errno.raw() == libc::EINVAL && self.no_sqarray.is_none() =>
            {
                self.setup(&kernel, self.params)?
            }
            // FIX (found by the verification crate's simulated pre-6.6
            // kernel, `wraps_past_u32_max_with_separate_mappings`): `setup`
            // already turned that EINVAL into this error by probing each
            // flag alone, so the arm above never matched and the default
            // builder failed on every kernel before 6.6.
            Err(Error::UnsupportedSetupFlag { flag: "IORING_SETUP_NO_SQARRAY", .. }) if self.no_sqarray.is_none() => {
                self.setup(&kernel, self.params)?
            }
            Err(e) => return Err(e),
        };
        let mut ring = Ring::from_setup(kernel, fd, params, memory)?;
        if self.register_ring_fd {
            ring.register_ring_fd()?;
        }
        if self.reg_wait_slots > 0 {
            ring.register_wait_region(self.reg_wait_slots)?;
            if !user_disabled {
                ring.enable()?;
            }
        }
        Ok(ring)
    }

    fn setup<K: Kernel>(
        &self,
        kernel: &K,
        mut params: io_uring_params,
    ) -> Result<(RawFd, io_uring_params, Option<memory::RingMemory>)> {
        let memory = match self.no_mmap {
            Some(how) => Some(memory::prepare_no_mmap(self.entries, &mut params, how)?),
            None => None,
        };
        match kernel.setup(self.entries, &mut params) {
            Ok(fd) => Ok((fd, params, memory)),
            Err(errno) => {
                if let Some(m) = memory {
                    // SAFETY: setup failed, so the kernel holds no reference
                    // to the memory.
                    unsafe { m.release(kernel) };
                }
                Err(explain(kernel, params.flags, self.params.sq_thread_cpu, errno))
            }
        }
    }
}

impl Ring<Linux> {
    /// A ring with `entries` SQ entries and default settings on the running
    /// kernel. See [`crate::Builder`] for everything else.
    pub fn new(entries: u32) -> Result<Self> {
        Builder::new(entries).build()
    }
}
