//! A simulated io_uring kernel that the unchanged ring-core runs on.
//!
//! [`SimKernel`] implements [`ring_core::Kernel`], so
//! `ring_core::Builder::new(n).build_on(sim.clone())` gives a real
//! `ring_core::Ring<SimKernel>`, and `ring_core::Driver::with_ring` a real
//! driver, over memory laid out exactly as Linux lays out a ring (see
//! [`WordLayout`]). The handle is a cheap clone of one shared state: the ring owns
//! one clone, the test keeps another to inject faults and inspect what
//! happened.
//!
//! # What is modelled
//!
//! - **Setup**: the `IORING_SETUP_*` flags ring-core uses (SQPOLL, CQSIZE,
//!   CLAMP, SUBMIT_ALL, COOP/DEFER_TASKRUN, TASKRUN_FLAG, SQE128, CQE32,
//!   SQE/CQE_MIXED, SINGLE_ISSUER, NO_SQARRAY, R_DISABLED) with the
//!   kernel's rules between them; `IORING_FEAT_*` as configured
//!   ([`SimConfig::features`]), including whether the rings share one
//!   mapping (`SINGLE_MMAP`). NO_MMAP, REGISTERED_FD_ONLY, IOPOLL and
//!   ATTACH_WQ are refused with `EINVAL`.
//! - **Registered rings**: `IORING_REGISTER_RING_FDS` and its unregister,
//!   with one table of sixteen indices per calling thread, shared by every
//!   ring used on that thread, as `current->io_uring` is.
//! - **Enter**: consuming SQEs through the index array (or directly with
//!   NO_SQARRAY), honouring `to_submit`; stopping a batch at a request
//!   that fails preparation (unless SUBMIT_ALL); GETEVENTS with
//!   `min_complete`; `EXT_ARG` timeouts on the virtual clock; SQ_WAKEUP and
//!   SQ_WAIT under SQPOLL; flushing overflowed completions and running
//!   deferred task work on GETEVENTS.
//! - **Operations** (`ops`): NOP, READ/WRITE/READV/WRITEV on model files
//!   and pipes (a pipe read blocks until written), FSYNC, TIMEOUT (clock or
//!   count), POLL_ADD (single and multishot), ASYNC_CANCEL, SEND and
//!   SEND_ZC (result with `F_MORE`, then `F_NOTIF`), OPENAT, CLOSE, STATX;
//!   link chains (`IOSQE_IO_LINK`, `IOSQE_IO_HARDLINK`) and
//!   `IOSQE_CQE_SKIP_SUCCESS`. Every other opcode fails with `-EINVAL`.
//!   A submission the application bounds (its `to_submit`, or under
//!   SQPOLL what it published) that ends inside a chain is reported
//!   ([`SimKernel::split_chains`]): chains do not span submission
//!   boundaries, so such a chain runs as two.
//! - **Provided buffers** (`pbuf`): rings in application memory
//!   (`IORING_REGISTER_PBUF_RING`), selected by `IORING_OP_READ` with
//!   `IOSQE_BUFFER_SELECT` and by `IORING_OP_READ_MULTISHOT` on pipes; a
//!   buffer written after its group was unregistered is a violation.
//! - **Injected completions** ([`SimKernel::inject_cqe`]): any completion
//!   posted into a ring's CQ, as another ring's `MSG_RING` or a stale or
//!   forged completion would be.
//! - **Faults** ([`Chaos`], [`EnterFault`]): held completions released in
//!   any order, short reads and writes, failed and short enters, a CQ that
//!   overflows, multishot streams that end early, zero-copy notifications
//!   out of order, cancellations that lose the race, dropped completions
//!   (`EBADR`), an SQPOLL thread that sleeps and consumes slowly, and
//!   DEFER_TASKRUN completions that appear only on GETEVENTS. A short
//!   submission may stop inside a link chain, as the kernel's does when it
//!   cannot allocate a request, unless `Chaos::whole_chains`.
//! - **Memory**: every request records the user ranges it holds
//!   ([`SimKernel::inflight`]) and really reads or writes them when it
//!   runs; with [`crate::alloc::TrackingAlloc`] installed, an access to
//!   memory that is not live is reported ([`SimKernel::violations`])
//!   instead of performed.
//!
//! # Time
//!
//! The simulator never sleeps. It keeps a virtual clock ([`SimKernel::now`],
//! [`SimKernel::advance`]). When a wait cannot be satisfied with what is
//! ready, "time passes": held operations are released (with
//! `Chaos::auto_release`), held notifications are posted, and the clock
//! jumps to the next timeout's deadline or to the wait's own `EXT_ARG`
//! deadline, which then fails the wait with `ETIME`. If nothing at all can
//! happen, a real kernel would block forever; the simulator records a
//! *stall* ([`SimKernel::stalls`]) and returns `EINTR` instead. Under Miri
//! the `EXT_ARG` timespec (on ring-core's stack, reachable only by address)
//! cannot be read with strict provenance, and such a timeout simply
//! expires when nothing else can happen.

pub mod chaos;
mod config;
mod mem;
pub use mem::WordLayout;
pub(crate) mod ops;
mod pbuf;
mod request;
mod state;
mod user;

pub use chaos::{Chaos, EnterFault, Rng};
pub use config::{SimConfig, SimStats, SIM_FEATURES};
pub use request::{Access, MemRange};

use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_sys::*;
use state::{Obj, Pipe, RingState, SimState, SqPoll};
use std::os::fd::RawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where a request in flight stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflightState {
    /// Waiting for its predecessor in a link chain.
    Linked,
    /// Held by chaos until released.
    Held,
    /// Running or blocked (a pipe, a poll, a timer).
    Active,
    /// A zero-copy send whose result is out, waiting to post its notification.
    AwaitingNotif,
}

/// A request in flight, as the test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    /// Its `user_data`.
    pub user_data: u64,
    /// Its opcode.
    pub opcode: u8,
    /// Its state.
    pub state: InflightState,
    /// The user memory it holds until its terminal completion.
    pub held: Vec<MemRange>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<SimState>,
    /// Signalled when the SQPOLL thread made progress or was woken.
    cv: Condvar,
    /// SQPOLL threads by ring.
    threads: Mutex<Vec<(RawFd, JoinHandle<()>)>>,
    /// Tells this kernel's per-thread registered-ring tables apart from
    /// every other kernel's (see `Kernel::registered_ring_table`).
    table_key: u64,
}

/// A handle to a simulated kernel. Clones share the same kernel.
#[derive(Debug, Clone)]
pub struct SimKernel {
    shared: Arc<Shared>,
}

impl Default for SimKernel {
    fn default() -> Self {
        SimKernel::new(SimConfig::default())
    }
}

impl SimKernel {
    /// A kernel configured by `cfg`, with no chaos.
    pub fn new(cfg: SimConfig) -> SimKernel {
        SimKernel {
            shared: Arc::new(Shared {
                state: Mutex::new(SimState::new(cfg)),
                cv: Condvar::new(),
                threads: Mutex::new(Vec::new()),
                table_key: {
                    // Linux's tables are key 0.
                    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                },
            }),
        }
    }

    /// A default kernel whose ring indices start at `start`.
    pub fn starting_at(start: u32) -> SimKernel {
        SimKernel::new(SimConfig { start_index: start, ..SimConfig::default() })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        // A panicking test must not hide the simulator from the next
        // assertion (or from the ring's drop): recover from poisoning.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---- fault injection ----

    /// Replaces the random fault knobs (and reseeds the generator).
    pub fn set_chaos(&self, chaos: Chaos) {
        let mut st = self.lock();
        st.rng = Rng::new(chaos.seed);
        st.chaos = chaos;
    }

    /// Queues a scripted outcome for the next enter that has none yet.
    pub fn script(&self, fault: EnterFault) {
        self.lock().script.push_back(fault);
    }

    /// Releases the first held request with this `user_data` (or its held
    /// zero-copy notification) and runs it. Returns whether one was held.
    pub fn release(&self, user_data: u64) -> bool {
        let mut st = self.lock();
        let id = st
            .reqs
            .values()
            .find(|r| r.user_data == user_data && !r.linked && (r.hold || r.kind.notif_waiting()))
            .map(|r| r.id);
        id.is_some_and(|id| st.release_id(id))
    }

    /// Releases a random half of the held requests, in random order.
    pub fn release_some(&self) -> usize {
        self.lock().release_random(false)
    }

    /// Releases every held request and notification, in random order.
    pub fn release_all(&self) -> usize {
        let mut st = self.lock();
        let mut n = 0;
        loop {
            let k = st.release_random(true);
            if k == 0 {
                return n;
            }
            n += k;
        }
    }

    /// Posts every held zero-copy notification, in random order.
    pub fn release_notifs(&self) -> usize {
        let mut st = self.lock();
        let mut ids: Vec<u64> = st.reqs.values().filter(|r| r.kind.notif_waiting() && !r.hold).map(|r| r.id).collect();
        state::shuffle(&mut st.rng, &mut ids);
        for id in &ids {
            st.release_id(*id);
        }
        ids.len()
    }

    // ---- model files ----

    /// A regular file holding `data`; returns its descriptor.
    pub fn add_file(&self, data: impl Into<Vec<u8>>) -> RawFd {
        let mut st = self.lock();
        st.inodes.push(data.into());
        let inode = st.inodes.len() - 1;
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::File { inode, pos: 0 });
        fd
    }

    /// A file reachable by `path` (for OPENAT and STATX), not opened.
    pub fn add_path(&self, path: &str, data: impl Into<Vec<u8>>) {
        let mut st = self.lock();
        st.inodes.push(data.into());
        let inode = st.inodes.len() - 1;
        st.paths.insert(path.as_bytes().to_vec(), inode);
    }

    /// The contents of the file behind `fd`.
    pub fn file_data(&self, fd: RawFd) -> Option<Vec<u8>> {
        let st = self.lock();
        match st.objs.get(&fd) {
            Some(Obj::File { inode, .. }) => Some(st.inodes[*inode].clone()),
            _ => None,
        }
    }

    /// The contents of the file at `path`.
    pub fn path_data(&self, path: &str) -> Option<Vec<u8>> {
        let st = self.lock();
        st.paths.get(path.as_bytes()).map(|&i| st.inodes[i].clone())
    }

    /// A pipe; returns (read end, write end). A read of an empty pipe
    /// blocks until data is written or the write end is closed.
    pub fn add_pipe(&self) -> (RawFd, RawFd) {
        let mut st = self.lock();
        st.pipes.push(Pipe { writer_open: true, ..Pipe::default() });
        let p = st.pipes.len() - 1;
        let r = st.alloc_fd();
        st.objs.insert(r, Obj::PipeR(p));
        let w = st.alloc_fd();
        st.objs.insert(w, Obj::PipeW(p));
        (r, w)
    }

    /// Writes into a pipe from outside (another process), waking readers.
    pub fn pipe_write(&self, write_end: RawFd, data: &[u8]) {
        let mut st = self.lock();
        if let Some(Obj::PipeW(p)) = st.objs.get(&write_end) {
            let p = *p;
            st.pipes[p].buf.extend(data);
            st.pipes[p].edge += 1;
            st.changes += 1;
        }
        st.settle();
    }

    /// A descriptor the test makes ready with [`set_ready`](Self::set_ready).
    pub fn add_pollable(&self) -> RawFd {
        let mut st = self.lock();
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::Pollable { ready: 0, edge: 0 });
        fd
    }

    /// Sets the readiness of a pollable descriptor (a new edge: multishot
    /// polls post again), and runs what it wakes.
    pub fn set_ready(&self, fd: RawFd, mask: u32) {
        let mut st = self.lock();
        if let Some(Obj::Pollable { ready, edge }) = st.objs.get_mut(&fd) {
            *ready = mask;
            *edge += 1;
            st.changes += 1;
        }
        st.settle();
    }

    /// A socket that records what is sent to it.
    pub fn add_socket(&self) -> RawFd {
        let mut st = self.lock();
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::Socket { sent: Vec::new() });
        fd
    }

    /// Everything sent to a socket so far.
    pub fn socket_data(&self, fd: RawFd) -> Vec<u8> {
        match self.lock().objs.get(&fd) {
            Some(Obj::Socket { sent }) => sent.clone(),
            _ => Vec::new(),
        }
    }

    /// Closes a model descriptor from outside the ring.
    pub fn close_fd(&self, fd: RawFd) -> bool {
        let mut st = self.lock();
        let r = st.close_obj(fd);
        st.settle();
        r
    }

    /// Whether `fd` names an open model object.
    pub fn is_open(&self, fd: RawFd) -> bool {
        self.lock().objs.contains_key(&fd)
    }

    // ---- time ----

    /// The virtual clock.
    pub fn now(&self) -> Duration {
        self.lock().now
    }

    /// Moves the virtual clock forward by `d`, firing due timeouts.
    pub fn advance(&self, d: Duration) {
        let mut st = self.lock();
        let t = st.now + d;
        st.advance_to(t);
    }

    // ---- SQPOLL ----

    /// One turn of every ring's SQPOLL thread (in step mode); returns the
    /// entries consumed.
    pub fn sqpoll_step(&self) -> u32 {
        let mut st = self.lock();
        let rings: Vec<RawFd> = st.rings.keys().copied().collect();
        rings.into_iter().map(|r| st.sqpoll_step(r)).sum()
    }

    /// Whether some ring's SQPOLL thread is asleep.
    pub fn sqpoll_asleep(&self) -> bool {
        self.lock().rings.values().any(|r| r.sqpoll.as_ref().is_some_and(|s| !s.awake))
    }

    // ---- inspection ----

    /// Where ring `ring`'s SQ tail word lives, for a test thread that reads
    /// it as the kernel would (an acquire load) as fast as it can, without
    /// the simulator's lock. The word stays valid until the ring is
    /// unmapped (its driver or `Ring` dropped): the reader must stop
    /// before that.
    pub fn sq_tail_ptr(&self, ring: RawFd) -> Option<*const std::sync::atomic::AtomicU32> {
        let st = self.lock();
        let r = st.rings.get(&ring).filter(|r| !r.closed)?;
        Some(core::ptr::from_ref(r.mem.as_ref()?.sq_tail()))
    }

    /// The SQ tail of ring `ring` as the kernel would read it now (an
    /// acquire load, as the SQPOLL thread's and `io_submit_sqes`' are), or
    /// `None` if the ring is closed or unmapped. A test may call it from
    /// another thread while the application writes entries, to see every
    /// tail the application ever makes visible.
    pub fn sq_tail(&self, ring: RawFd) -> Option<u32> {
        let st = self.lock();
        let r = st.rings.get(&ring).filter(|r| !r.closed)?;
        Some(r.mem.as_ref()?.sq_tail().load(std::sync::atomic::Ordering::Acquire))
    }

    /// Every request in flight, in submission order.
    pub fn inflight(&self) -> Vec<Inflight> {
        self.lock()
            .reqs
            .values()
            .map(|r| Inflight {
                user_data: r.user_data,
                opcode: r.opcode,
                state: if r.linked {
                    InflightState::Linked
                } else if r.hold {
                    InflightState::Held
                } else if r.kind.notif_waiting() {
                    InflightState::AwaitingNotif
                } else {
                    InflightState::Active
                },
                held: r.held.clone(),
            })
            .collect()
    }

    /// Accesses to user memory that was not live, and ring protocol
    /// breaches the kernel could see (a tail that overran the head, a head
    /// past the tail, a wait that left the SQPOLL thread asleep with work).
    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    /// Waits that could never have ended on a real kernel.
    pub fn stalls(&self) -> Vec<String> {
        self.lock().stalls.clone()
    }

    /// Link chains the *application* cut: a submission it asked for (the
    /// `to_submit` of an enter, or under SQPOLL everything published) ended
    /// with an SQE carrying `IOSQE_IO_LINK` or `IOSQE_IO_HARDLINK`. Chains
    /// do not span submission boundaries (`io_uring_enter(2)`): the kernel
    /// runs the members it took as a chain of their own, and the rest,
    /// submitted later, as another, so a failure no longer cancels them.
    /// Splits the simulated kernel itself chose (a short submission) are
    /// not listed; they are counted in [`SimStats::chains_split`].
    pub fn split_chains(&self) -> Vec<String> {
        self.lock().split_chains.clone()
    }

    /// How many times an SQE with this `user_data` was consumed.
    pub fn executions(&self, user_data: u64) -> u32 {
        self.lock().executions.get(&user_data).copied().unwrap_or(0)
    }

    /// SQEs consumed per `user_data`.
    pub fn execution_counts(&self) -> std::collections::HashMap<u64, u32> {
        self.lock().executions.clone()
    }

    /// How many completions were produced for this `user_data`.
    pub fn posted(&self, user_data: u64) -> u32 {
        self.lock().posted.get(&user_data).copied().unwrap_or(0)
    }

    /// Counters.
    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }

    /// Completions parked on overflow, over all rings.
    pub fn overflow_backlog(&self) -> usize {
        self.lock().rings.values().map(|r| r.overflow.len()).sum()
    }

    /// Completions waiting for GETEVENTS (`DEFER_TASKRUN`), over all rings.
    pub fn task_work_backlog(&self) -> usize {
        self.lock().rings.values().map(|r| r.task_work.len()).sum()
    }

    /// Rings whose memory is still allocated.
    pub fn live_rings(&self) -> usize {
        self.lock().rings.values().filter(|r| r.mem.is_some()).count()
    }

    // ---- the system calls ----

    /// Posts a completion that no request of this ring produced into ring
    /// `ring`'s CQ, as another ring's `IORING_OP_MSG_RING` does (which,
    /// with `IORING_MSG_RING_FLAGS_PASS`, passes any flags), or a stale or
    /// forged completion would: any `user_data`, result and flags. It goes
    /// where the kernel would put it: the CQ, the overflow list when the CQ
    /// is full, or the task work of a `DEFER_TASKRUN` ring outside a wait.
    ///
    /// The entry's size follows the kernel's rules: on a `CQE32` ring every
    /// entry carries `big` (zeros without it); on a `CQE_MIXED` ring an
    /// entry with `big` or with `IORING_CQE_F_32` in `flags` is a 32-byte
    /// one (`IORING_CQE_F_32` set, the second half zeroed without `big`,
    /// and a `IORING_CQE_F_SKIP` filler first where it would straddle the
    /// end of the ring); elsewhere `big` is dropped.
    /// Returns false if `ring` is no open ring.
    pub fn inject_cqe(&self, ring: RawFd, user_data: u64, res: i32, flags: u32, big: Option<[u64; 2]>) -> bool {
        let mut st = self.lock();
        let Some(r) = st.rings.get_mut(&ring).filter(|r| !r.closed && r.mem.is_some()) else { return false };
        let (mixed, cqe32) = (r.flags & IORING_SETUP_CQE_MIXED != 0, r.flags & IORING_SETUP_CQE32 != 0);
        // On a mixed ring the kernel makes an entry 32 bytes when its flags
        // say so (`io_fill_cqe_aux`: a message's passed flags decide), with
        // its second half zeroed if nothing fills it.
        let big = if mixed && flags & IORING_CQE_F_32 != 0 {
            Some(big.unwrap_or([0; 2]))
        } else if mixed || cqe32 {
            big
        } else {
            None
        };
        let p = state::Post { user_data, res, flags, big };
        st.injected += 1;
        st.changes += 1;
        let r = st.rings.get_mut(&ring).expect("checked");
        if r.flags & IORING_SETUP_DEFER_TASKRUN != 0 && !r.in_wait {
            r.task_work.push_back(p);
            if r.flags & IORING_SETUP_TASKRUN_FLAG != 0 {
                if let Some(m) = &r.mem {
                    m.sq_flags().fetch_or(IORING_SQ_TASKRUN, core::sync::atomic::Ordering::Relaxed);
                }
            }
        } else {
            st.post_now(ring, p);
        }
        drop(st);
        self.shared.cv.notify_all();
        true
    }

    /// How many completions [`inject_cqe`](Self::inject_cqe) posted.
    pub fn injected(&self) -> u64 {
        self.lock().injected
    }

    /// The descriptors of the rings that are open.
    pub fn ring_fds(&self) -> Vec<RawFd> {
        self.lock().rings.iter().filter(|(_, r)| !r.closed).map(|(fd, _)| *fd).collect()
    }

    /// The provided-buffer groups registered with ring `ring`.
    pub fn buffer_groups(&self, ring: RawFd) -> Vec<u16> {
        self.lock().pbufs.keys().filter(|(r, _)| *r == ring).map(|(_, g)| *g).collect()
    }

    fn setup_inner(&self, entries: u32, p: &mut io_uring_params) -> Result<RawFd, i32> {
        const SUPPORTED: u32 = IORING_SETUP_SQPOLL
            | IORING_SETUP_SQ_AFF
            | IORING_SETUP_CQSIZE
            | IORING_SETUP_CLAMP
            | IORING_SETUP_R_DISABLED
            | IORING_SETUP_SUBMIT_ALL
            | IORING_SETUP_COOP_TASKRUN
            | IORING_SETUP_TASKRUN_FLAG
            | IORING_SETUP_SQE128
            | IORING_SETUP_CQE32
            | IORING_SETUP_SINGLE_ISSUER
            | IORING_SETUP_DEFER_TASKRUN
            | IORING_SETUP_NO_SQARRAY
            | IORING_SETUP_CQE_MIXED
            | IORING_SETUP_SQE_MIXED;
        let mut st = self.lock();
        let f = p.flags;
        let has = |x: u32| f & x != 0;
        let single = st.cfg.features & IORING_FEAT_SINGLE_MMAP != 0;
        let bad = f & !SUPPORTED != 0
            || (has(IORING_SETUP_NO_SQARRAY) && (!st.cfg.no_sqarray || !single))
            || (has(IORING_SETUP_SQ_AFF) && !has(IORING_SETUP_SQPOLL))
            || (has(IORING_SETUP_SQPOLL)
                && has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN))
            || (has(IORING_SETUP_TASKRUN_FLAG) && !has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN))
            || (has(IORING_SETUP_DEFER_TASKRUN) && !has(IORING_SETUP_SINGLE_ISSUER))
            || (has(IORING_SETUP_CQE32) && has(IORING_SETUP_CQE_MIXED))
            || (has(IORING_SETUP_SQE128) && has(IORING_SETUP_SQE_MIXED))
            || p.resv != [0; 3];
        if bad {
            return Err(libc::EINVAL);
        }
        const MAX_SQ: u32 = 32768;
        const MAX_CQ: u32 = 2 * MAX_SQ;
        let clamp = has(IORING_SETUP_CLAMP);
        if entries == 0 || (entries > MAX_SQ && !clamp) {
            return Err(libc::EINVAL);
        }
        let sq = entries.min(MAX_SQ).next_power_of_two();
        let cq = if has(IORING_SETUP_CQSIZE) {
            if p.cq_entries == 0 || (p.cq_entries > MAX_CQ && !clamp) {
                return Err(libc::EINVAL);
            }
            let cq = p.cq_entries.min(MAX_CQ).next_power_of_two();
            if cq < sq {
                return Err(libc::EINVAL);
            }
            cq
        } else {
            sq * 2
        };
        let mem = mem::RingMem::new(sq, cq, f, st.cfg.start_index, st.cfg.layout);
        let fd = st.alloc_fd();
        p.sq_entries = sq;
        p.cq_entries = cq;
        p.features = st.cfg.features;
        p.sq_off = mem.sq_off;
        p.cq_off = mem.cq_off;
        let start = st.cfg.start_index;
        let threaded = st.cfg.sqpoll_thread;
        let features = st.cfg.features;
        st.rings.insert(
            fd,
            RingState {
                mem: Some(mem),
                maps: 0,
                closed: false,
                flags: f,
                features,
                sq_head: start,
                cq_tail: start,
                overflow: Default::default(),
                task_work: Default::default(),
                lost: false,
                completions: 0,
                sqpoll: has(IORING_SETUP_SQPOLL).then_some(SqPoll { awake: true, idle: 0, threaded }),
                disabled: has(IORING_SETUP_R_DISABLED),
                in_wait: false,
            },
        );
        drop(st);
        if has(IORING_SETUP_SQPOLL) && threaded {
            self.spawn_sqpoll(fd);
        }
        Ok(fd)
    }

    /// Runs the SQPOLL thread of `ring` as a real thread until the ring closes.
    fn spawn_sqpoll(&self, ring: RawFd) {
        let shared = Arc::downgrade(&self.shared);
        let handle = std::thread::spawn(move || loop {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let Some(r) = st.rings.get(&ring) else { return };
            if r.closed || r.mem.is_none() {
                return;
            }
            if r.sqpoll.as_ref().is_some_and(|s| s.awake) {
                let n = st.sqpoll_step(ring);
                drop(st);
                shared.cv.notify_all();
                if n == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                } else {
                    std::thread::yield_now();
                }
            } else {
                let _ = shared.cv.wait_timeout(st, Duration::from_millis(2));
            }
        });
        self.shared.threads.lock().unwrap_or_else(|e| e.into_inner()).push((ring, handle));
    }

    /// The enter system call, with the state locked in `st` (which a wait
    /// on the SQPOLL thread may release and take back).
    ///
    /// # Safety
    ///
    /// As for [`ring_core::Kernel::enter`]: `arg` is null or what `flags`
    /// and `argsz` say it is.
    unsafe fn enter_inner(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, i32> {
        const KNOWN: u32 = IORING_ENTER_GETEVENTS
            | IORING_ENTER_SQ_WAKEUP
            | IORING_ENTER_SQ_WAIT
            | IORING_ENTER_EXT_ARG
            | IORING_ENTER_REGISTERED_RING
            | IORING_ENTER_ABS_TIMER
            | IORING_ENTER_NO_IOWAIT;
        let mut st = self.lock();
        st.stats.enters += 1;
        if flags & !KNOWN != 0 {
            return Err(libc::EINVAL);
        }
        let ring = st.ring_fd(fd, flags & IORING_ENTER_REGISTERED_RING != 0).ok_or(libc::EBADF)?;
        if st.rings[&ring].disabled {
            return Err(libc::EBADFD);
        }
        // The wait's deadline on the virtual clock, if any.
        let mut deadline = None;
        let mut unknown_deadline = false;
        if flags & IORING_ENTER_EXT_ARG != 0 {
            if st.rings[&ring].features & IORING_FEAT_EXT_ARG == 0 {
                return Err(libc::EINVAL);
            }
            if argsz != core::mem::size_of::<io_uring_getevents_arg>() || arg.is_null() {
                return Err(libc::EINVAL);
            }
            // SAFETY: with EXT_ARG, `arg` points to an io_uring_getevents_arg
            // of `argsz` bytes for the duration of the call (contract).
            let a = unsafe { arg.cast::<io_uring_getevents_arg>().read_unaligned() };
            if a.ts != 0 {
                match st.read_arg::<__kernel_timespec>(a.ts) {
                    Some(ts) => {
                        let d = Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32);
                        deadline = Some(if flags & IORING_ENTER_ABS_TIMER != 0 { d } else { st.now + d });
                    }
                    None => unknown_deadline = true,
                }
            }
        }
        // Fault injection: the script first, then chance.
        let fault = st.next_fault(to_submit);
        let mut limit = u32::MAX;
        match fault {
            EnterFault::Fail(e) => {
                st.stats.enter_faults += 1;
                return Err(e);
            }
            EnterFault::Short(k) => {
                st.stats.short_submits += 1;
                limit = k;
            }
            EnterFault::Pass => {}
        }
        let sqpoll = st.rings[&ring].sqpoll.is_some();
        let threaded = st.rings[&ring].sqpoll.as_ref().is_some_and(|s| s.threaded);
        let mut submitted = 0;
        if sqpoll {
            // Every enter on an SQPOLL ring flushes overflowed completions.
            st.flush_overflow(ring);
            if flags & IORING_ENTER_SQ_WAKEUP != 0 {
                st.sqpoll_wake(ring);
                self.shared.cv.notify_all();
            }
            if flags & IORING_ENTER_SQ_WAIT != 0 {
                let started = Instant::now();
                loop {
                    let r = &st.rings[&ring];
                    let Some(m) = &r.mem else { break };
                    let used = m.sq_tail().load(core::sync::atomic::Ordering::Acquire).wrapping_sub(r.sq_head);
                    if used < m.sq_entries {
                        break;
                    }
                    let awake = r.sqpoll.as_ref().is_some_and(|s| s.awake);
                    if !awake {
                        let msg = format!("ring {ring}: SQ_WAIT with a full SQ and the SQPOLL thread asleep");
                        st.stalls.push(msg);
                        return Err(libc::EINTR);
                    }
                    if threaded {
                        if started.elapsed() > st.cfg.thread_wait {
                            st.stalls.push(format!("ring {ring}: SQ_WAIT timed out in real time"));
                            return Err(libc::EINTR);
                        }
                        st = self
                            .shared
                            .cv
                            .wait_timeout(st, Duration::from_millis(1))
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    } else {
                        st.sqpoll_step(ring);
                    }
                }
            }
            submitted = to_submit;
        } else if to_submit > 0 {
            submitted = st.consume(ring, to_submit.min(limit), limit < to_submit);
            if submitted != to_submit {
                // `io_uring_enter` returns at once when it submitted fewer
                // entries than it was told to (`ret != to_submit`): no
                // wait, no flush. Telling it more than is published (say,
                // from a stale head) therefore skips the wait.
                st.settle();
                return Ok(submitted);
            }
        }
        if st.chaos.hold && st.chaos.auto_release {
            st.release_random(false);
        }
        st.settle();
        if flags & IORING_ENTER_GETEVENTS == 0 {
            return Ok(submitted);
        }
        if let Some(r) = st.rings.get_mut(&ring) {
            r.in_wait = true;
        }
        let started = Instant::now();
        let waited: Result<(), i32> = loop {
            st.flush_overflow(ring);
            st.run_task_work(ring);
            st.settle();
            st.flush_overflow(ring);
            let r = st.rings.get_mut(&ring).expect("ring exists");
            if r.lost {
                r.lost = false;
                break Err(libc::EBADR);
            }
            if st.cq_ready(ring) >= min_complete {
                break Ok(());
            }
            // Nothing ready enough: let time pass, in the cheapest way that
            // can change something.
            if sqpoll {
                if st.sqpoll_stranded(ring) {
                    let msg = format!("ring {ring}: waiting for completions while the SQPOLL thread sleeps with published entries (a lost wake-up)");
                    st.violations.push(msg.clone());
                    st.stalls.push(msg);
                    break Err(libc::EINTR);
                }
                let awake = st.rings[&ring].sqpoll.as_ref().is_some_and(|s| s.awake);
                if awake {
                    if threaded {
                        if started.elapsed() > st.cfg.thread_wait {
                            st.stalls.push(format!("ring {ring}: wait timed out in real time"));
                            break Err(libc::EINTR);
                        }
                        st = self
                            .shared
                            .cv
                            .wait_timeout(st, Duration::from_millis(1))
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    } else {
                        st.sqpoll_step(ring);
                    }
                    continue;
                }
            }
            if st.chaos.hold && st.chaos.auto_release && st.release_one_random() {
                continue;
            }
            if st.release_one_notif() {
                continue;
            }
            let auto = st.cfg.auto_advance;
            if auto {
                if let Some(t) = st.next_deadline() {
                    if deadline.is_none_or(|d| t <= d) {
                        st.advance_to(t);
                        continue;
                    }
                }
            }
            if let Some(d) = deadline {
                if auto {
                    st.advance_to(d);
                }
                break Err(libc::ETIME);
            }
            if unknown_deadline {
                break Err(libc::ETIME);
            }
            let msg = format!(
                "ring {ring}: waiting for {min_complete} completions with {} ready and nothing left that could complete",
                st.cq_ready(ring)
            );
            st.stalls.push(msg);
            break Err(libc::EINTR);
        };
        if let Some(r) = st.rings.get_mut(&ring) {
            r.in_wait = false;
        }
        match waited {
            Ok(()) => Ok(submitted),
            Err(_) if submitted > 0 => Ok(submitted),
            Err(e) => Err(e),
        }
    }

    fn register_inner(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, i32> {
        let mut st = self.lock();
        let use_reg = opcode & IORING_REGISTER_USE_REGISTERED_RING != 0;
        let op = opcode & !IORING_REGISTER_USE_REGISTERED_RING;
        if use_reg && st.cfg.features & IORING_FEAT_REG_REG_RING == 0 {
            return Err(libc::EINVAL);
        }
        let ring = st.ring_fd(fd, use_reg).ok_or(libc::EBADF)?;
        match op {
            IORING_REGISTER_RING_FDS | IORING_UNREGISTER_RING_FDS => {
                if !st.cfg.register_ring_fds {
                    return Err(libc::EINVAL);
                }
                if arg.is_null() || nr_args == 0 || nr_args > 16 {
                    return Err(libc::EINVAL);
                }
                let ups = arg.cast::<io_uring_rsrc_update>().cast_mut();
                if op == IORING_UNREGISTER_RING_FDS {
                    // The kernel only reads the entries of an unregister
                    // (`io_ringfd_unregister` copies each from user memory
                    // and writes nothing back), so they may be read-only
                    // memory; each must name a slot and carry no data.
                    for i in 0..nr_args as usize {
                        // SAFETY: the caller passes `nr_args` valid
                        // io_uring_rsrc_update entries for the call's
                        // duration (the contract of `Kernel::register`).
                        let u = unsafe { ups.add(i).read() };
                        if u.resv != 0 || u.data != 0 || u.offset >= 16 {
                            // As the kernel: the count done so far, or the
                            // error if none was.
                            return if i > 0 { Ok(i as u32) } else { Err(libc::EINVAL) };
                        }
                        if let Some(table) = st.reg_rings.get_mut(&std::thread::current().id()) {
                            table.remove(&u.offset);
                        }
                    }
                    return Ok(nr_args);
                }
                for i in 0..nr_args as usize {
                    // A register writes each entry's slot back, as the
                    // kernel does.
                    // SAFETY: the caller passes `nr_args` valid, writable
                    // entries for the call (`Kernel::register`'s contract).
                    let u = unsafe { &mut *ups.add(i) };
                    let target = u.data as RawFd;
                    if !st.rings.contains_key(&target) {
                        return Err(libc::EBADF);
                    }
                    // The calling thread's table; a taken slot is refused
                    // with EBUSY, as `io_ring_add_registered_file` does.
                    let table = st.reg_rings.entry(std::thread::current().id()).or_default();
                    let idx = if u.offset == u32::MAX {
                        (0..16).find(|i| !table.contains_key(i)).ok_or(libc::EBUSY)?
                    } else if u.offset >= 16 || table.contains_key(&u.offset) {
                        return Err(if u.offset >= 16 { libc::EINVAL } else { libc::EBUSY });
                    } else {
                        u.offset
                    };
                    table.insert(idx, target);
                    u.offset = idx;
                }
                Ok(nr_args)
            }
            IORING_REGISTER_SYNC_CANCEL => {
                // `io_sync_cancel`: one argument, known flags, zero padding;
                // the targets are cancelled as `IORING_OP_ASYNC_CANCEL`
                // would, and the call posts no completion of its own.
                if !st.cfg.sync_cancel || arg.is_null() || nr_args != 1 {
                    return Err(libc::EINVAL);
                }
                // SAFETY: the caller passes one valid io_uring_sync_cancel_reg
                // for the call's duration (`Kernel::register`'s contract).
                let reg = unsafe { arg.cast::<io_uring_sync_cancel_reg>().read() };
                let known = IORING_ASYNC_CANCEL_ALL
                    | IORING_ASYNC_CANCEL_FD
                    | IORING_ASYNC_CANCEL_ANY
                    | IORING_ASYNC_CANCEL_USERDATA;
                if reg.flags & !known != 0 || reg.pad != [0; 7] || reg.pad2 != [0; 3] {
                    return Err(libc::EINVAL);
                }
                match st.run_cancel(ring, reg.addr, reg.fd, reg.flags) {
                    n if n >= 0 => Ok(n as u32),
                    // A target that was already completing: the kernel waits
                    // for it up to the timeout; here it has finished by now,
                    // so only a zero timeout reports the wait as expired.
                    e if e == -libc::EALREADY => {
                        if reg.timeout.tv_sec == 0 && reg.timeout.tv_nsec == 0 {
                            Err(libc::ETIME)
                        } else {
                            Ok(0)
                        }
                    }
                    e => Err(-e),
                }
            }
            IORING_REGISTER_PBUF_RING => st.register_pbuf(ring, arg, nr_args),
            IORING_UNREGISTER_PBUF_RING => st.unregister_pbuf(ring, arg, nr_args),
            IORING_REGISTER_ENABLE_RINGS => {
                let r = st.rings.get_mut(&ring).expect("checked");
                if !r.disabled {
                    return Err(libc::EBADFD);
                }
                r.disabled = false;
                Ok(0)
            }
            _ => Err(libc::EINVAL),
        }
    }
}

impl SimState {
    /// The fault for the next enter: the script first, then chance.
    fn next_fault(&mut self, to_submit: u32) -> EnterFault {
        if let Some(f) = self.script.pop_front() {
            return f;
        }
        if self.rng.chance(self.chaos.enter_fail) {
            let errs = if self.chaos.enter_errors.is_empty() {
                vec![libc::EAGAIN, libc::EINTR, libc::EBUSY]
            } else {
                self.chaos.enter_errors.clone()
            };
            let i = self.rng.below(errs.len() as u64) as usize;
            EnterFault::Fail(errs[i])
        } else if to_submit > 0 && self.rng.chance(self.chaos.short_submit) {
            EnterFault::Short(self.rng.below(u64::from(to_submit)) as u32)
        } else {
            EnterFault::Pass
        }
    }

    /// Releases one random held request; false if none is held.
    fn release_one_random(&mut self) -> bool {
        let ids: Vec<u64> = self.reqs.values().filter(|r| !r.linked && r.hold).map(|r| r.id).collect();
        if ids.is_empty() {
            return false;
        }
        let id = ids[self.rng.below(ids.len() as u64) as usize];
        self.release_id(id)
    }

    /// Posts one random held zero-copy notification; false if none is held.
    fn release_one_notif(&mut self) -> bool {
        let ids: Vec<u64> = self.reqs.values().filter(|r| !r.hold && r.kind.notif_waiting()).map(|r| r.id).collect();
        if ids.is_empty() {
            return false;
        }
        let id = ids[self.rng.below(ids.len() as u64) as usize];
        self.release_id(id)
    }

    /// Closes a model object; a pipe's readers then see end of file.
    pub(crate) fn close_obj(&mut self, fd: RawFd) -> bool {
        match self.objs.remove(&fd) {
            Some(Obj::PipeW(p)) => {
                self.pipes[p].writer_open = false;
                self.pipes[p].edge += 1;
                self.changes += 1;
                true
            }
            Some(_) => true,
            None => false,
        }
    }
}

// SAFETY: setup reports `mem::RingMem`'s offsets, inside the regions `map` returns (with or without SINGLE_MMAP), with io_uring's
// sizes; a region stays allocated until the ring is closed and unmapped; shared words use the kernel's orderings (`state.rs`,
// `mem.rs`); user memory is touched only as the real operations would, after the tracking allocator vouches for it.
unsafe impl ring_core::Kernel for SimKernel {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        self.setup_inner(entries, params).map_err(Errno::new)
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { self.enter_inner(fd, to_submit, min_complete, flags, arg, argsz) }.map_err(Errno::new)
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        self.register_inner(fd, opcode, arg, nr_args).map_err(Errno::new)
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        let mut st = self.lock();
        let r = st.rings.get_mut(&fd).filter(|r| !r.closed).ok_or(Errno::new(libc::EBADF))?;
        let m = r.mem.as_ref().ok_or(Errno::new(libc::EBADF))?;
        let region = match offset {
            IORING_OFF_SQ_RING | IORING_OFF_CQ_RING => &m.rings,
            IORING_OFF_SQES => &m.sqes,
            _ => return Err(Errno::new(libc::EINVAL)),
        };
        if len == 0 || len > region.len() {
            return Err(Errno::new(libc::EINVAL));
        }
        let base = region.base;
        r.maps += 1;
        Ok(base)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, _len: usize) {
        let mut st = self.lock();
        let found = st
            .rings
            .values_mut()
            .find(|r| r.mem.as_ref().is_some_and(|m| m.rings.base == ptr || m.sqes.base == ptr) && r.maps > 0);
        match found {
            Some(r) => {
                r.maps -= 1;
                if r.closed && r.maps == 0 {
                    r.mem = None;
                }
            }
            None => st.violations.push(format!("unmap of {ptr:p}, which is no mapped ring region")),
        }
    }

    fn registered_ring_table(&self) -> u64 {
        self.shared.table_key
    }

    fn close(&self, fd: RawFd) {
        let mut st = self.lock();
        if st.rings.contains_key(&fd) {
            st.close_ring(fd);
            drop(st);
            self.shared.cv.notify_all();
            let handle = {
                let mut threads = self.shared.threads.lock().unwrap_or_else(|e| e.into_inner());
                threads.iter().position(|(r, _)| *r == fd).map(|i| threads.swap_remove(i).1)
            };
            if let Some(h) = handle {
                let _ = h.join();
            }
        } else {
            st.close_obj(fd);
        }
    }
}
