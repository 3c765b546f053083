//! The completion-stream target: arbitrary completions injected into a
//! driver's CQ while real operations of several kinds are in flight, with
//! the simulated kernel's chaos on, and invariants checked after every
//! step. Shared by the fuzz target (`fuzz/fuzz_targets/completion_stream.rs`)
//! and the plain test that runs it over the checked-in corpus
//! (`tests/completion_stream.rs`).
//!
//! # What is injected, and what the driver must do with it
//!
//! Any `user_data`, result and flags (`IORING_CQE_F_MORE`, `F_BUFFER` with
//! any buffer id, `F_NOTIF`, `F_SKIP`, `F_BUF_MORE`, anything), 16- and
//! 32-byte entries on `CQE32` and `CQE_MIXED` rings (with the fillers a
//! mixed ring needs), posted into the CQ, the overflow list or the
//! deferred task work, as another ring's `IORING_OP_MSG_RING` (which may
//! pass any flags) or a stale completion would be: see
//! [`SimKernel::inject_cqe`]. The `user_data` is one of
//!
//! - an older generation of an entry that holds a live operation now
//!   (single-shot, multishot, zero-copy, orphaned), or of any entry used
//!   before: the generation check must stop it on every routing path;
//! - generation 0 of any entry (never a live one: the first use is 1);
//! - an index past the table, or the index `u32::MAX` of the driver's own
//!   tags with another generation than theirs;
//! - the wake-up tag (`Driver`'s `WAKE_USER_DATA`), which other threads'
//!   handles really post, with any result and flags;
//! - raw bytes, turned into one of the above when they would name an
//!   entry's current generation (see [`Forge::Raw`]).
//!
//! What it never is: the current `user_data` of an operation, or the
//! driver's internal tag. The kernel posts those only for the driver's own
//! requests, and nothing outside the driver can (the driver's contract,
//! `Driver::with_ring_mut`, forbids `MSG_RING` towards its ring); a
//! completion forged with them is indistinguishable from the kernel's own,
//! so no driver could tell.
//!
//! # Invariants, after every step
//!
//! - The simulated kernel touched no memory that is not live, and wrote no
//!   provided buffer of a group unregistered since it took the buffer
//!   (`SimKernel::violations`; the target binary installs
//!   [`crate::alloc::TrackingAlloc`]): nothing was released early, a
//!   zero-copy send's buffer not before its notification, an orphaned
//!   stream's pool not while the kernel holds one of its buffers.
//! - Every outcome is one the operation's own request produced: a read
//!   returns the file's bytes at its offset and leaves the canary after
//!   them untouched, a pool read's buffer holds those bytes, a multishot
//!   pool read's items are the pipe's bytes in order, a poll item is an
//!   event mask that was asked for, a zero-copy send reports at most its
//!   length and returns its buffer unchanged, a NOP succeeds. So an
//!   injected completion that reached an operation would show.
//! - Every buffer handed out by a pool keeps its bytes while the
//!   application holds it (the kernel never writes a buffer it gave back).
//! - Each operation ends at most once.
//!
//! And at the end, with everything driven to completion: the driver
//! counted exactly the injected completions that name no current entry as
//! stale (not the wake-ups, not the fillers a mixed ring's reader skips).
//! One more means a real completion arrived for an entry already released
//! (an early release); one fewer, an injected completion reached an
//! operation. Dropping the driver then returns.

use crate::sim::{Chaos, SimConfig, SimKernel};
use ring_core::buf::{IoBuf, IoBufMut};
use ring_core::driver::{Batch, WAKE_USER_DATA};
use ring_core::ops::{Nop, PollMulti, Read, ReadPool, ReadPoolMulti, SendZc};
use ring_core::pool::{BufferPool, PoolBuf};
use ring_core::register::BufRingConfig;
use ring_core::{Builder, Driver, MultiOp, Op, SharedFd};
use ring_sys::*;
use std::collections::BTreeMap;
use std::future::Future;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Length of the model file the reads read.
const FILE_LEN: usize = 512;
/// What the canary bytes after a read's data hold.
const CANARY: u8 = 0xa5;
/// Buffers per pool, and their length.
const POOL_BUFS: u16 = 4;
const POOL_BUF_LEN: u32 = 48;

fn file_byte(i: usize) -> u8 {
    (i * 13 % 251) as u8 ^ 0x3c
}

/// The byte a pipe's `n`-th written byte holds.
fn pipe_byte(pipe: usize, n: usize) -> u8 {
    (n * 7 + pipe * 31) as u8
}

/// How the CQ is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CqMode {
    /// 16-byte entries.
    Plain,
    /// `IORING_SETUP_CQE32`.
    Cqe32,
    /// `IORING_SETUP_CQE_MIXED`.
    Mixed,
}

/// The ring and simulator the run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// SQ entries (the CQ has twice as many).
    pub entries: u32,
    /// Entry sizes of the CQ.
    pub cq: CqMode,
    /// `IORING_SETUP_DEFER_TASKRUN`: completions, injected ones too, wait
    /// for an enter that asks for events.
    pub defer: bool,
    /// The simulator's chaos seed.
    pub seed: u64,
}

/// An operation to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A read of `len` bytes of the file at `off` into a buffer whose spare
    /// capacity holds canary bytes.
    Read {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A read at `off` into a buffer the kernel takes from the pool.
    PoolRead {
        /// Offset.
        off: u16,
    },
    /// A multishot poll of the pollable descriptor.
    Poll,
    /// A multishot read of a fresh pipe into pool buffers.
    PoolStream,
    /// A zero-copy send of `len` bytes.
    SendZc {
        /// Length.
        len: u8,
    },
    /// A NOP.
    Nop,
}

/// Which `user_data` an injected completion carries (see the module
/// documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// An older generation of the entry of live operation `k` (modulo the
    /// number live), or of any entry used before when none is live.
    Stale(u8),
    /// Generation 0 of entry `index`.
    Gen0(u8),
    /// Entry `index` past the table (`cq_entries + index`), generation `gen`.
    PastTable(u32, u32),
    /// The wake-up tag.
    Wake,
    /// These bytes, made stale if they name an entry's current generation
    /// (the generation is replaced by 0), or the wake-up tag if they are
    /// the internal tag.
    Raw(u64),
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Start an operation (its first poll submits it).
    Start(Start),
    /// Poll live operation `k`.
    Poll(u8),
    /// Drop live operation `k` (orphaning it if it is in flight).
    Drop(u8),
    /// `mem::forget` live operation `k` (at most one per four CQ entries,
    /// less one: a forgotten operation holds its table entry for ever).
    Forget(u8),
    /// Inject a completion.
    Inject {
        /// Its `user_data`.
        to: Forge,
        /// Its result.
        res: i32,
        /// Its flags.
        flags: u32,
        /// The second half of a 32-byte entry.
        big: Option<[u64; 2]>,
    },
    /// Release held completions (all, or a random half), and held
    /// zero-copy notifications.
    Release(bool),
    /// Write `n` bytes into pool stream `k`'s pipe.
    PipeWrite(u8, u8),
    /// Make the pollable descriptor readable (a new edge).
    Ready,
    /// Advance the virtual clock.
    Advance(u8),
    /// A turn of the driver (reap, wake, submit).
    Turn,
    /// Drop the pool buffers the application holds (recycling them).
    DropBufs,
    /// Drop the application's handle of the current pool (operations keep
    /// it alive) and make a new one for later operations.
    NewPool,
}

/// A buffer whose spare capacity holds canary bytes.
struct Canary {
    data: Vec<u8>,
}

impl Canary {
    fn new(cap: usize) -> Canary {
        let mut data = Vec::with_capacity(cap);
        data.spare_capacity_mut().iter_mut().for_each(|b| {
            b.write(CANARY);
        });
        Canary { data }
    }

    /// The bytes after the initialised part, up to the capacity.
    fn tail(&self) -> Vec<u8> {
        let cap = self.data.capacity();
        let len = self.data.len();
        // SAFETY: every byte of the capacity was written in `new` (the
        // canary) or by the kernel; reading `[len, cap)` reads initialised
        // memory of the live allocation.
        (len..cap).map(|i| unsafe { self.data.as_ptr().add(i).read() }).collect()
    }
}

// SAFETY: forwards to the Vec's heap memory, stable across moves.
unsafe impl IoBuf for Canary {
    fn stable_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.data.len()
    }
    fn bytes_total(&self) -> usize {
        self.data.capacity()
    }
}

// SAFETY: as above.
unsafe impl IoBufMut for Canary {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.data.set_init(n) }
    }
}

/// A live operation and what its outcome must look like.
enum Live {
    Read { op: Op<Read<Canary>, SimKernel>, off: usize, len: usize },
    PoolRead { op: Op<ReadPool, SimKernel>, off: usize },
    Poll { op: MultiOp<PollMulti, SimKernel> },
    PoolStream { op: MultiOp<ReadPoolMulti, SimKernel>, pipe: usize, got: usize },
    SendZc { op: Op<SendZc<Vec<u8>>, SimKernel>, len: usize },
    Nop { op: Op<Nop, SimKernel> },
}

impl Live {
    fn name(&self) -> &'static str {
        match self {
            Live::Read { .. } => "read",
            Live::PoolRead { .. } => "pool read",
            Live::Poll { .. } => "poll stream",
            Live::PoolStream { .. } => "pool stream",
            Live::SendZc { .. } => "zero-copy send",
            Live::Nop { .. } => "nop",
        }
    }

    fn user_data(&self) -> Option<u64> {
        match self {
            Live::Read { op, .. } => op.user_data(),
            Live::PoolRead { op, .. } => op.user_data(),
            Live::SendZc { op, .. } => op.user_data(),
            Live::Nop { op } => op.user_data(),
            // A stream's `user_data` is not exposed; its entry's older
            // generations are still forged through `Forge::Stale` over every
            // entry used before.
            Live::Poll { .. } | Live::PoolStream { .. } => None,
        }
    }
}

/// The write end of the pipe a pool stream reads, and how many bytes
/// were written into it.
struct Pipe {
    write: RawFd,
    written: usize,
}

/// The state of a run.
struct World {
    sim: SimKernel,
    driver: Driver<SimKernel>,
    ring: RawFd,
    cq_entries: u32,
    file: SharedFd,
    pollable: SharedFd,
    sock: SharedFd,
    pool: Option<BufferPool>,
    next_bgid: u16,
    pipes: Vec<Pipe>,
    live: Vec<Live>,
    /// Pool buffers the application holds, with the bytes they must keep.
    held: Vec<(PoolBuf, Vec<u8>)>,
    /// Injected completions the driver must count as stale when it reaps
    /// them (not wake-ups, not fillers a mixed ring's reader skips).
    forged_stale: u64,
    forgotten: usize,
}

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

impl World {
    fn check(&self, when: &str) {
        let v = self.sim.violations();
        assert!(v.is_empty(), "{when}: the simulated kernel saw {v:#?}");
        for (b, want) in &self.held {
            assert_eq!(&b[..], &want[..], "{when}: pool buffer {} changed while the application held it", b.bid());
        }
    }

    /// A turn of the driver: submit and reap without blocking, then a wait
    /// that asks for events and times out at once (on a `DEFER_TASKRUN`
    /// ring completions appear only in such an enter).
    fn turn(&self) {
        let _ = self.driver.poll();
        let _ = self.driver.park(Some(Duration::ZERO));
    }

    /// Polls live operation `i`; returns true if it finished (and was judged).
    fn poll(&mut self, i: usize) -> bool {
        let mut cx = cx();
        let live = &mut self.live[i];
        match live {
            Live::Read { op, off, len } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready((r, buf)) => {
                    let (off, len) = (*off, *len);
                    let n = match r {
                        Ok(n) => n,
                        Err(e) => {
                            assert!(is_kernel_error(&e), "a read failed with {e}");
                            0
                        }
                    };
                    assert!(n <= len, "a read of {len} returned {n}");
                    let want = &file()[off.min(FILE_LEN)..(off + n).min(FILE_LEN)];
                    assert_eq!(&buf.data[..], want, "a read returned bytes that are not the file's at {off}");
                    assert!(buf.tail().iter().all(|&b| b == CANARY), "a read wrote past its {n} bytes");
                    true
                }
            },
            Live::PoolRead { op, off } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready(r) => {
                    let off = *off;
                    match r {
                        Ok(b) => {
                            assert!(b.len() <= POOL_BUF_LEN as usize);
                            let want = &file()[off.min(FILE_LEN)..(off + b.len()).min(FILE_LEN)];
                            assert_eq!(&b[..], want, "a pool read's buffer {} does not hold the file's bytes", b.bid());
                            let want = want.to_vec();
                            self.held.push((b, want));
                        }
                        Err(e) => assert!(is_kernel_error(&e), "a pool read failed with {e}"),
                    }
                    true
                }
            },
            Live::Poll { op } => loop {
                match op.poll_next(&mut cx) {
                    Poll::Pending => return false,
                    Poll::Ready(None) => return true,
                    Poll::Ready(Some(Ok(mask))) => {
                        let allowed = (libc::POLLIN | libc::POLLRDNORM | libc::POLLERR | libc::POLLHUP) as u32;
                        assert!(mask != 0 && mask & !allowed == 0, "a poll stream delivered the mask {mask:#x}");
                    }
                    Poll::Ready(Some(Err(e))) => assert!(is_kernel_error(&e), "a poll stream failed with {e}"),
                }
            },
            Live::PoolStream { op, pipe, got } => loop {
                match op.poll_next(&mut cx) {
                    Poll::Pending => return false,
                    Poll::Ready(None) => return true,
                    Poll::Ready(Some(Ok(b))) => {
                        let want: Vec<u8> = (*got..*got + b.len()).map(|n| pipe_byte(*pipe, n)).collect();
                        assert_eq!(&b[..], &want[..], "a pool stream's item is not the pipe's next bytes");
                        *got += b.len();
                        self.held.push((b, want));
                    }
                    Poll::Ready(Some(Err(e))) => assert!(is_kernel_error(&e), "a pool stream failed with {e}"),
                }
            },
            Live::SendZc { op, len } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready((r, buf)) => {
                    if let Ok(n) = r {
                        assert!(n <= *len, "a send of {len} reported {n}");
                    } else if let Err(e) = r {
                        assert!(is_kernel_error(&e), "a send failed with {e}");
                    }
                    assert!(buf.len() == *len && buf.iter().all(|&b| b == 0x5a), "a send's buffer came back changed");
                    true
                }
            },
            Live::Nop { op } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready(r) => {
                    assert!(r.is_ok(), "a NOP failed with {r:?}");
                    true
                }
            },
        }
    }

    fn poll_at(&mut self, k: u8) {
        if self.live.is_empty() {
            return;
        }
        let i = usize::from(k) % self.live.len();
        if self.poll(i) {
            self.live.swap_remove(i);
        }
    }

    fn start(&mut self, s: Start) {
        let d = self.driver.clone();
        let live = match s {
            Start::Read { off, len } => {
                let off = usize::from(off) % FILE_LEN;
                let len = usize::from(len).max(1);
                let op = d.op(Read::new(&self.file, Canary::new(len + 8), off as u64));
                Live::Read { op, off, len: len + 8 }
            }
            Start::PoolRead { off } => {
                let Some(pool) = &self.pool else { return };
                let off = usize::from(off) % FILE_LEN;
                Live::PoolRead { op: d.read_pool(&self.file, pool, off as u64), off }
            }
            Start::Poll => Live::Poll { op: d.poll_multishot(&self.pollable, libc::POLLIN as u32) },
            Start::PoolStream => {
                let Some(pool) = &self.pool else { return };
                let (read, write) = self.sim.add_pipe();
                self.pipes.push(Pipe { write, written: 0 });
                let pipe = self.pipes.len() - 1;
                Live::PoolStream { op: d.read_pool_multishot(&sim_fd(read), pool), pipe, got: 0 }
            }
            Start::SendZc { len } => {
                let len = usize::from(len).max(1);
                Live::SendZc { op: d.op(SendZc::new(&self.sock, vec![0x5a; len], 0)), len }
            }
            Start::Nop => Live::Nop { op: d.op(Nop) },
        };
        self.live.push(live);
        let i = self.live.len() - 1;
        if self.poll(i) {
            self.live.swap_remove(i);
        }
    }

    /// The generations of each entry the kernel has seen a request of.
    fn seen_generations(&self) -> BTreeMap<u32, Vec<u32>> {
        let mut seen: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for ud in self.sim.execution_counts().keys() {
            let (index, generation) = (*ud as u32, (*ud >> 32) as u32);
            if index < self.cq_entries {
                seen.entry(index).or_default().push(generation);
            }
        }
        for g in seen.values_mut() {
            g.sort_unstable();
        }
        seen
    }

    /// The `user_data` an injected completion carries (see [`Forge`]).
    fn forge(&self, to: Forge) -> u64 {
        let seen = self.seen_generations();
        let stale_of = |index: u32, generation: u32| -> u64 {
            // Any generation below the newest the kernel saw for the entry
            // is over: generations only grow.
            let newest = seen.get(&index).and_then(|g| g.last().copied()).unwrap_or(0);
            let g = if generation < newest { generation } else { newest.saturating_sub(1) };
            (u64::from(g) << 32) | u64::from(index)
        };
        match to {
            Forge::Stale(k) => {
                let live: Vec<u64> = self.live.iter().filter_map(Live::user_data).collect();
                if !live.is_empty() {
                    let ud = live[usize::from(k) % live.len()];
                    let (index, generation) = (ud as u32, (ud >> 32) as u32);
                    return (u64::from(generation - 1) << 32) | u64::from(index);
                }
                let indices: Vec<&u32> = seen.keys().collect();
                if indices.is_empty() {
                    return u64::from(k);
                }
                let index = *indices[usize::from(k) % indices.len()];
                stale_of(index, u32::from(k))
            }
            Forge::Gen0(index) => u64::from(u32::from(index) % self.cq_entries),
            Forge::PastTable(i, g) => {
                let index = self.cq_entries + i % (u32::MAX - 1 - self.cq_entries);
                (u64::from(g) << 32) | u64::from(index)
            }
            Forge::Wake => WAKE_USER_DATA,
            Forge::Raw(ud) => {
                let (index, generation) = (ud as u32, (ud >> 32) as u32);
                if index == u32::MAX {
                    // The internal tag (generation 0) is the driver's own.
                    if generation == 0 {
                        WAKE_USER_DATA
                    } else {
                        ud
                    }
                } else if index < self.cq_entries {
                    if generation == 0 || seen.get(&index).is_some_and(|g| generation < *g.last().unwrap()) {
                        ud
                    } else {
                        u64::from(index)
                    }
                } else {
                    ud
                }
            }
        }
    }

    fn inject(&mut self, to: Forge, res: i32, flags: u32, big: Option<[u64; 2]>, mixed: bool) {
        let ud = self.forge(to);
        // A mixed ring's reader skips fillers, of either size, without
        // handing them out.
        let skipped = mixed && flags & IORING_CQE_F_SKIP != 0;
        if self.sim.inject_cqe(self.ring, ud, res, flags, big) && ud != WAKE_USER_DATA && !skipped {
            self.forged_stale += 1;
        }
    }
}

/// A handle on descriptor `fd` of the simulated kernel, for operations
/// submitted to it.
fn sim_fd(fd: RawFd) -> SharedFd {
    // SAFETY: `fd` names an object of the simulated kernel that the run
    // never closes (only pipes' write ends, which no operation names, are
    // closed), so it stays open for every operation naming it; the handle
    // only ever reaches operations on that kernel, never a real system
    // call, and dropping it closes nothing.
    unsafe { SharedFd::borrow_raw(fd) }
}

fn file() -> &'static [u8] {
    static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    FILE.get_or_init(|| (0..FILE_LEN).map(file_byte).collect())
}

/// Errors the kernel may report for the operations here (a cancellation,
/// a pool run dry, a stream ended by the simulator's chaos, an interrupted
/// or timed-out wait).
fn is_kernel_error(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ECANCELED | libc::ENOBUFS | libc::EINTR | libc::ETIME | libc::EAGAIN | libc::EALREADY)
    )
}

/// Runs one case. Panics when an invariant breaks.
pub fn run(cfg: Config, steps: &[Step]) {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 3, ..SimConfig::default() });
    // Completions held and released in any order, short I/O, multishot
    // streams that end early, zero-copy notifications shuffled across
    // operations, cancellations that lose the race; no failed or short
    // enters, which the driver's other tests cover.
    let chaos = Chaos { enter_fail: 0, short_submit: 0, whole_chains: true, ..Chaos::wild(cfg.seed) };
    sim.set_chaos(chaos.clone());
    let mut b = Builder::new(cfg.entries).cq_size(cfg.entries * 2);
    b = match cfg.cq {
        CqMode::Plain => b,
        CqMode::Cqe32 => b.cqe32(),
        CqMode::Mixed => b.cqe_mixed(),
    };
    if cfg.defer {
        b = b.defer_taskrun();
    }
    let ring = b.build_on(sim.clone()).expect("a ring on the simulated kernel");
    let cq_entries = ring.params().cq_entries;
    let fd = *sim.ring_fds().last().expect("the ring's descriptor");
    let driver = Driver::with_ring(ring, Batch::default());
    driver.set_teardown_deadline(Duration::from_millis(50));
    let mut w = World {
        file: sim_fd(sim.add_file(file().to_vec())),
        pollable: sim_fd(sim.add_pollable()),
        sock: sim_fd(sim.add_socket()),
        pool: None,
        next_bgid: 1,
        pipes: Vec::new(),
        live: Vec::new(),
        held: Vec::new(),
        forged_stale: 0,
        forgotten: 0,
        ring: fd,
        cq_entries,
        driver,
        sim,
    };
    w.pool = Some(new_pool(&w.driver, 0));
    let stale_before = w.driver.stats().stale;
    let mixed = cfg.cq == CqMode::Mixed;
    for (n, step) in steps.iter().enumerate() {
        match *step {
            Step::Start(s) => w.start(s),
            Step::Poll(k) => w.poll_at(k),
            Step::Drop(k) => {
                if !w.live.is_empty() {
                    let i = usize::from(k) % w.live.len();
                    drop(w.live.swap_remove(i));
                }
            }
            Step::Forget(k) => {
                // A forgotten operation keeps its table entry (and a
                // stream its CQ credit) for ever; forgetting is bounded so
                // that the rest can still run.
                if !w.live.is_empty() && w.forgotten + 2 <= w.cq_entries as usize / 2 {
                    let i = usize::from(k) % w.live.len();
                    core::mem::forget(w.live.swap_remove(i));
                    w.forgotten += 1;
                }
            }
            Step::Inject { to, res, flags, big } => w.inject(to, res, flags, big, mixed),
            Step::Release(all) => {
                if all {
                    w.sim.release_all();
                } else {
                    w.sim.release_some();
                }
                w.sim.release_notifs();
            }
            Step::PipeWrite(k, len) => {
                if !w.pipes.is_empty() {
                    let i = usize::from(k) % w.pipes.len();
                    let p = &mut w.pipes[i];
                    let data: Vec<u8> = (p.written..p.written + usize::from(len)).map(|b| pipe_byte(i, b)).collect();
                    p.written += data.len();
                    w.sim.pipe_write(p.write, &data);
                }
            }
            Step::Ready => w.sim.set_ready(w.pollable.raw(), libc::POLLIN as u32),
            Step::Advance(ms) => w.sim.advance(Duration::from_millis(u64::from(ms))),
            Step::Turn => w.turn(),
            Step::DropBufs => w.held.clear(),
            Step::NewPool => {
                let bgid = w.next_bgid;
                w.next_bgid += 1;
                w.pool = Some(new_pool(&w.driver, bgid));
            }
        }
        w.check(&format!("after step {n} ({step:?})"));
    }
    // Quiescence: streams are dropped (cancelled), pipes closed (end of
    // file), everything held released, and every operation polled until it
    // ends.
    w.live.retain(|l| !matches!(l, Live::Poll { .. }));
    for p in &w.pipes {
        w.sim.close_fd(p.write);
    }
    // The kernel ends every poll stream, a forgotten one too, at the next
    // event. Without that, streams holding every CQ credit could not be
    // cancelled: a cancellation needs a credit of its own (see
    // verification/JOURNAL.md).
    w.sim.set_chaos(Chaos { end_multishot: 1000, ..chaos });
    w.sim.set_ready(w.pollable.raw(), libc::POLLIN as u32);
    w.pool = None;
    for round in 0..200 {
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.advance(Duration::from_millis(100));
        w.turn();
        let mut i = 0;
        while i < w.live.len() {
            if w.poll(i) {
                w.live.swap_remove(i);
            } else {
                i += 1;
            }
        }
        w.check(&format!("at quiescence, round {round}"));
        if w.live.is_empty() && w.driver.in_flight() == 0 {
            break;
        }
    }
    if !w.live.is_empty() {
        let kinds: Vec<&str> = w.live.iter().map(Live::name).collect();
        panic!(
            "{cfg:?}: operations never ended: {kinds:?}; the kernel holds {:?}; {} completions wait in the overflow \
             list, {} in task work; {:?}",
            w.sim.inflight(),
            w.sim.overflow_backlog(),
            w.sim.task_work_backlog(),
            w.driver.stats()
        );
    }
    // Every injected completion was reaped by now (nothing is in flight,
    // and the last turns flushed the overflow list and the task work), and
    // each one that names an entry was ignored as stale.
    w.turn();
    let stale = w.driver.stats().stale - stale_before;
    if w.sim.overflow_backlog() == 0 && w.sim.task_work_backlog() == 0 {
        // More stale than injected: a real completion arrived for an entry
        // the driver had released already (an early release). Fewer: an
        // injected completion reached an operation.
        assert_eq!(
            stale, w.forged_stale,
            "the driver counted {stale} completions stale, but {} injected ones named no current entry",
            w.forged_stale
        );
    }
    w.held.clear();
    let World { driver, sim, .. } = w;
    drop(driver);
    let v = sim.violations();
    assert!(v.is_empty(), "after the driver was dropped: {v:#?}");
}

fn new_pool(driver: &Driver<SimKernel>, bgid: u16) -> BufferPool {
    BufferPool::new(driver, BufRingConfig::new(bgid, POOL_BUFS).buffers(POOL_BUFS, POOL_BUF_LEN))
        .expect("a pool on the simulated kernel")
}

/// Reads fuzzer bytes.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
}

/// Turns fuzzer bytes into a configuration and steps (any bytes are a
/// case; at most 300 steps).
pub fn decode(data: &[u8]) -> (Config, Vec<Step>) {
    let mut b = Bytes(data);
    let head = b.u8();
    let cfg = Config {
        entries: 1 << (head & 3).min(2),
        cq: match (head >> 2) & 3 {
            0 => CqMode::Plain,
            1 => CqMode::Cqe32,
            _ => CqMode::Mixed,
        },
        defer: head & 0x40 != 0,
        seed: u64::from(b.u8()),
    };
    let mut steps = Vec::new();
    while !b.0.is_empty() && steps.len() < 300 {
        let tag = b.u8();
        let step = match tag % 16 {
            0 | 1 => Step::Start(match b.u8() % 6 {
                0 => Start::Read { off: u16::from(b.u8()) * 2, len: b.u8() },
                1 => Start::PoolRead { off: u16::from(b.u8()) * 2 },
                2 => Start::Poll,
                3 => Start::PoolStream,
                4 => Start::SendZc { len: b.u8() },
                _ => Start::Nop,
            }),
            2 | 3 => Step::Poll(b.u8()),
            4 => Step::Drop(b.u8()),
            5 => Step::Forget(b.u8()),
            6..=8 => {
                let to = match b.u8() % 5 {
                    0 => Forge::Stale(b.u8()),
                    1 => Forge::Gen0(b.u8()),
                    2 => Forge::PastTable(b.u32(), b.u32()),
                    3 => Forge::Wake,
                    _ => Forge::Raw(b.u64()),
                };
                // The flags that matter most, often; any bits otherwise.
                let sel = b.u8();
                let flags = if sel & 0x80 != 0 {
                    b.u32()
                } else {
                    let known = [
                        IORING_CQE_F_BUFFER,
                        IORING_CQE_F_MORE,
                        IORING_CQE_F_SOCK_NONEMPTY,
                        IORING_CQE_F_NOTIF,
                        IORING_CQE_F_BUF_MORE,
                        IORING_CQE_F_SKIP,
                        IORING_CQE_F_32,
                    ];
                    let mut f = 0;
                    for (i, k) in known.iter().enumerate() {
                        if sel & (1 << i) != 0 {
                            f |= k;
                        }
                    }
                    f | (u32::from(b.u8() % 8) << IORING_CQE_BUFFER_SHIFT)
                };
                let res = b.u32() as i32;
                let big = (tag & 0x10 != 0).then(|| [b.u64(), b.u64()]);
                Step::Inject { to, res, flags, big }
            }
            9 => Step::Release(tag & 0x10 != 0),
            10 => Step::PipeWrite(b.u8(), b.u8() % 100),
            11 => Step::Ready,
            12 => Step::Advance(b.u8()),
            13 => Step::Turn,
            14 => Step::DropBufs,
            _ => Step::NewPool,
        };
        steps.push(step);
    }
    (cfg, steps)
}

/// The bytes [`decode`] turns into `cfg` and `steps` (for seeds written
/// as steps).
pub fn encode(cfg: Config, steps: &[Step]) -> Vec<u8> {
    let entries = cfg.entries.trailing_zeros().min(2) as u8;
    let cq = match cfg.cq {
        CqMode::Plain => 0,
        CqMode::Cqe32 => 1,
        CqMode::Mixed => 2,
    };
    let mut out = vec![entries | (cq << 2) | if cfg.defer { 0x40 } else { 0 }, cfg.seed as u8];
    let u32le = |out: &mut Vec<u8>, v: u32| out.extend(v.to_le_bytes());
    let u64le = |out: &mut Vec<u8>, v: u64| out.extend(v.to_le_bytes());
    for s in steps {
        match *s {
            Step::Start(st) => {
                out.push(0);
                match st {
                    Start::Read { off, len } => out.extend([0, (off / 2) as u8, len]),
                    Start::PoolRead { off } => out.extend([1, (off / 2) as u8]),
                    Start::Poll => out.push(2),
                    Start::PoolStream => out.push(3),
                    Start::SendZc { len } => out.extend([4, len]),
                    Start::Nop => out.push(5),
                }
            }
            Step::Poll(k) => out.extend([2, k]),
            Step::Drop(k) => out.extend([4, k]),
            Step::Forget(k) => out.extend([5, k]),
            Step::Inject { to, res, flags, big } => {
                out.push(if big.is_some() { 6 | 0x10 } else { 6 });
                match to {
                    Forge::Stale(k) => out.extend([0, k]),
                    Forge::Gen0(i) => out.extend([1, i]),
                    Forge::PastTable(i, g) => {
                        out.push(2);
                        u32le(&mut out, i);
                        u32le(&mut out, g);
                    }
                    Forge::Wake => out.push(3),
                    Forge::Raw(ud) => {
                        out.push(4);
                        u64le(&mut out, ud);
                    }
                }
                out.push(0x80);
                u32le(&mut out, flags);
                u32le(&mut out, res as u32);
                if let Some([a, b]) = big {
                    u64le(&mut out, a);
                    u64le(&mut out, b);
                }
            }
            Step::Release(all) => out.push(if all { 9 | 0x10 } else { 9 }),
            Step::PipeWrite(k, n) => out.extend([10, k, n]),
            Step::Ready => out.push(11),
            Step::Advance(ms) => out.extend([12, ms]),
            Step::Turn => out.push(13),
            Step::DropBufs => out.push(14),
            Step::NewPool => out.push(15),
        }
    }
    out
}

/// Decodes and runs one case (the fuzz target's body).
pub fn run_bytes(data: &[u8]) {
    let (cfg, steps) = decode(data);
    run(cfg, &steps);
}
