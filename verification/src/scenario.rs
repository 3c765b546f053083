//! A scenario interpreter: random sequences of user actions and kernel
//! behaviours run against the shipped `ring_core::Driver` on the simulated
//! kernel, with invariants checked after every step. Shared by the proptest
//! suite (`tests/prop_driver.rs`) and the fuzz target (`fuzz/`).
//!
//! User actions: submit each kind of safe operation (nop, file read and
//! write, pipe read, sleep, multishot poll and ticks, zero-copy send,
//! multishot reads into a buffer pool, and the same with another driver's
//! pool, which must be refused) on either of two drivers sharing the
//! thread and the simulated kernel; drop the application's handle of a
//! pool while streams still use it,
//! start a linked chain of two or three of them through the shipped chain
//! API (`Driver::chain`, `Chain::push`, `start`, `Started::take`), taking
//! some, all or none of its members' futures; poll, drop, forget, cancel
//! (chain members too); poll with a hostile waker ([`crate::hostile`]) whose
//! `clone`, `wake` or `drop` panics or turns the driver, whenever the driver
//! calls it. Kernel behaviour: held completions released in any
//! order, short I/O, failed and short enters, multishot streams ending
//! early, zero-copy notifications out of order, cancels racing completions
//! ([`crate::sim::Chaos::wild`]), on rings of 1 to 4 entries whose indices
//! start near `u32::MAX`, with a CQ twice the SQ or (a *tiny CQ*, see
//! [`Setup`]) as small as the kernel allows, so that operations wait for
//! CQ credits and multishot streams overflow the CQ.
//!
//! Invariants checked after every step:
//! - the simulated kernel never touched memory that is not live
//!   (`SimKernel::violations`; install [`crate::alloc::TrackingAlloc`] as the
//!   global allocator for this to see freed memory);
//! - no buffer the kernel still holds (`SimKernel::inflight`) was freed;
//! - each operation gets at most one outcome, and only an outcome its own
//!   request could produce (a read returns the file's bytes at its offset,
//!   a write reports at most its length, ...), so a completion never reaches
//!   an operation that did not submit that `user_data`;
//! - in a linked chain (without `hard`), once a member failed (an error, a
//!   short read or write, an expired timeout, a cancellation) every later
//!   member that reports gets `-ECANCELED`; and a member reports
//!   `-ECANCELED` only if it was cancelled or an earlier member may have
//!   failed;
//! - the driver never cuts a chain at a submission boundary
//!   (`SimKernel::split_chains`);
//!
//! and at quiescence: every buffer that was not forgotten was freed exactly
//! once, forgotten ones never, and dropping the driver terminates.

use crate::sim::{Chaos, SimConfig, SimKernel};
use ring_core::buf::{IoBuf, IoBufMut};
use ring_core::driver::{Batch, ChainRefused, StartChain, Started};
use ring_core::op::CancelOp;
use ring_core::ops::{Nop, Read, SendZc, Timeout, Write};
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{Builder, Cancelled, Driver, MultiOp, Op, SharedFd};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Length of the read-only model file.
const SRC_LEN: usize = 4096;
/// Bytes each write owns in the write-only model file.
pub const REGION: usize = 32;

fn src_byte(i: usize) -> u8 {
    (i * 7 % 251) as u8 | 1
}

/// A buffer that records in a shared table how often it was dropped.
struct Tracked {
    data: Vec<u8>,
    id: usize,
    drops: Rc<RefCell<Vec<u32>>>,
}

// SAFETY: forwards to the Vec's heap memory, stable across moves.
unsafe impl IoBuf for Tracked {
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
unsafe impl IoBufMut for Tracked {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.data.set_init(n) }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.borrow_mut()[self.id] += 1;
    }
}

/// An operation the scenario can start.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `IORING_OP_NOP`.
    Nop,
    /// A read of `len` bytes of the read-only file at `off`.
    ReadFile {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A write of `len` bytes into the operation's own region of the
    /// write-only file.
    WriteFile {
        /// Length.
        len: u8,
    },
    /// A read of up to `len` bytes from a pipe (blocks until written).
    ReadPipe {
        /// Length.
        len: u8,
    },
    /// A timeout of `ms` milliseconds of virtual time.
    Sleep {
        /// Milliseconds.
        ms: u8,
    },
    /// A multishot poll on a model descriptor.
    Poll,
    /// A multishot timeout ticking `n` times.
    Ticks {
        /// Ticks.
        n: u8,
    },
    /// A zero-copy send of `len` bytes.
    SendZc {
        /// Length.
        len: u8,
    },
    /// A multishot read of the pipe into buffers of the driver's current
    /// buffer pool (made on first use; [`Action::NewPool`] drops the
    /// application's handle of it, so that only the operations using it
    /// keep it alive).
    PoolStream,
    /// A multishot pool read on this driver with the *other* driver's pool
    /// (a resource of another ring): it must be refused (`EXDEV`) before
    /// anything reaches the kernel.
    ForeignPoolStream,
}

/// An operation that can be a member of a linked chain: the kinds whose
/// failure the reference model can judge (a read or write that comes back
/// short, a timeout that expires, a cancellation).
#[derive(Debug, Clone)]
pub enum Member {
    /// `IORING_OP_NOP`: fails only when cancelled.
    Nop,
    /// A read of `len` bytes of the read-only file at `off` (short, so
    /// failed, past the end of the file or by `Chaos::short_io`).
    ReadFile {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A write of `len` bytes into the member's own region of the
    /// write-only file (short by `Chaos::short_io`).
    WriteFile {
        /// Length.
        len: u8,
    },
    /// A timeout of `ms` milliseconds: it always fails (`-ETIME`).
    Sleep {
        /// Milliseconds.
        ms: u8,
    },
}

/// A linked chain to start ([`Action::Chain`]).
#[derive(Debug, Clone)]
pub struct ChainSpec {
    /// The members, in order (two or three; a chain longer than the SQ is
    /// refused by the driver).
    pub members: Vec<Member>,
    /// `IOSQE_IO_HARDLINK` (`Chain::hard`): a failure does not cancel the rest.
    pub hard: bool,
    /// Bit `i` set: member `i`'s future is taken from the started chain
    /// and becomes a live future; the others are orphaned when the
    /// `Started` chain is dropped.
    pub take: u8,
}

/// One step of a scenario: a user action or a kernel behaviour.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create an operation's future (it starts on its first poll).
    Submit(Kind),
    /// Build a linked chain and start it (polled once at once; if it must
    /// wait for CQ credits or entries it stays a live future that later
    /// polls start). The futures taken from it are live futures like the
    /// others.
    Chain(ChainSpec),
    /// Poll the live future picked by the index (modulo the count) once.
    Poll(u8),
    /// Poll the live future picked by the first byte once, with a hostile
    /// waker of the kind the second byte picks
    /// ([`crate::hostile::Hostility::from_byte`]).
    PollHostile(u8, u8),
    /// Drop a live future.
    Drop(u8),
    /// `mem::forget` a live future.
    Forget(u8),
    /// Turn a live future into its explicit cancellation.
    Cancel(u8),
    /// `Driver::poll`: submit and reap without waiting.
    Turn,
    /// `Driver::park` with a short timeout.
    Park,
    /// The kernel completes a random subset of held operations.
    ReleaseSome,
    /// The kernel completes every held operation.
    ReleaseAll,
    /// The kernel posts held zero-copy notifications.
    ReleaseNotifs,
    /// Another process writes three bytes of this value into the pipe.
    PipeWrite(u8),
    /// The polled descriptor becomes readable.
    SetReady,
    /// Virtual time passes.
    Advance(u8),
    /// The simulated SQPOLL thread takes a turn (a no-op without SQPOLL).
    SqpollStep,
    /// Start an operation on the second driver (another ring on the same
    /// thread and the same simulated kernel, each with its registered-ring
    /// index in the thread's table); its future joins the same live table.
    SubmitOther(Kind),
    /// Drop the application's handle of each driver's current buffer pool:
    /// pool streams still running keep theirs alive, alone (the next pool
    /// stream makes a new pool, with a new group id).
    NewPool,
    /// `Driver::poll` on the second driver.
    TurnOther,
    /// A zero-copy send driven to a phase and dropped there (orphaned):
    /// 0 before it is submitted; 1 submitted and its result posted but not
    /// reaped (it reaches the orphan); 2 with its result reaped and its
    /// notification still to come; 3 after a turn more.
    SendZcPhase(u8),
}

/// A handle on descriptor `fd` of the simulated kernel, for an operation
/// submitted to it.
fn sim_fd(fd: i32) -> SharedFd {
    // SAFETY: `fd` is one of the world's files, which the simulated kernel
    // keeps open for the whole scenario (no action closes them), and the
    // handle only ever reaches operations on that kernel, never a real
    // system call.
    unsafe { SharedFd::borrow_raw(fd) }
}

/// What the test knows about the world, to judge outcomes.
struct World {
    sim: SimKernel,
    driver: Driver<SimKernel>,
    /// A second driver on the same thread and simulated kernel.
    other: Driver<SimKernel>,
    /// Each driver's current buffer pool (made on first use).
    pools: [Option<BufferPool>; 2],
    /// The next buffer group id.
    next_bgid: u16,
    /// SQ entries.
    entries: u32,
    src: i32,
    dst: i32,
    pipe: (i32, i32),
    pollable: i32,
    sock: i32,
    drops: Rc<RefCell<Vec<u32>>>,
    /// (ptr, capacity) of each operation's buffer, if it has one.
    bufs: Vec<Option<(usize, usize)>>,
    forgotten: Vec<bool>,
    outcomes: Vec<u32>,
    /// Bytes written into the pipe so far (all the same value per write).
    piped: Vec<u8>,
    /// What each chain member's outcome was, once seen.
    res: Vec<Option<Res>>,
    /// The bytes each chain member asked to transfer.
    want: Vec<usize>,
    /// Whether the user asked to cancel the operation.
    cancel_asked: Vec<bool>,
    /// The chain each operation belongs to, if any.
    member: Vec<Option<usize>>,
    chains: Vec<ChainRec>,
    /// Futures created while polling another (the members taken from a
    /// chain that just started), to add to the live table.
    spawned: Vec<Box<dyn Live>>,
    report: Report,
}

/// The outcome of a chain member, as a link chain judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Res {
    /// It did all it asked for.
    Full,
    /// It failed: an error, a short transfer, an expired timeout.
    Failed,
    /// `-ECANCELED`.
    Cancelled,
}

/// A linked chain, for the reference model.
struct ChainRec {
    ops: Vec<usize>,
    hard: bool,
}

/// What a scenario did, to check that its actions happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Operations created (chain members included).
    pub ops: usize,
    /// Chains that started (all members in the kernel).
    pub chains_started: u32,
    /// Chains the driver refused (longer than the SQ, or an SQ that stayed
    /// full).
    pub chains_refused: u32,
    /// Chain members whose outcome reached their future.
    pub members_seen: u32,
    /// Of those, members that got `-ECANCELED` without being cancelled by
    /// the user: the kernel cancelled them because an earlier member failed.
    pub members_cancelled_by_chain: u32,
    /// Checks of a later member's outcome against an earlier member's
    /// failure, both seen (in either order): the later one must be
    /// `-ECANCELED`.
    pub members_checked_after_failure: u32,
    /// The CQ's size.
    pub cq_entries: u32,
    /// Times an operation or chain waited for a CQ credit or an entry.
    pub waited_for_credit: u64,
    /// Completions the simulated kernel parked because the CQ was full.
    pub overflowed: u64,
    /// Parked completions it later flushed into the CQ.
    pub flushed: u64,
}

/// Buffers per scenario pool, and their length.
const POOL_BUFS: u16 = 4;
const POOL_BUF_LEN: u32 = 16;

impl World {
    /// Driver `which`'s current buffer pool, made (with a new group id)
    /// if there is none.
    fn pool(&mut self, which: usize) -> &BufferPool {
        if self.pools[which].is_none() {
            let bgid = self.next_bgid;
            self.next_bgid = self.next_bgid.wrapping_add(1).max(1);
            let d = if which == 0 { &self.driver } else { &self.other };
            let pool = BufferPool::new(d, BufRingConfig::new(bgid, POOL_BUFS).buffers(POOL_BUFS, POOL_BUF_LEN))
                .expect("a buffer pool on the simulated kernel");
            self.pools[which] = Some(pool);
        }
        self.pools[which].as_ref().expect("made above")
    }

    /// Registers a new operation; returns its id.
    fn new_op(&mut self) -> usize {
        let id = self.outcomes.len();
        self.outcomes.push(0);
        self.forgotten.push(false);
        self.drops.borrow_mut().push(0);
        self.bufs.push(None);
        self.res.push(None);
        self.want.push(0);
        self.cancel_asked.push(false);
        self.member.push(None);
        OFFSETS.with(|o| o.borrow_mut().push(0));
        id
    }

    /// A tracked buffer holding `data`, owned by operation `id`.
    fn buf(&mut self, id: usize, data: Vec<u8>) -> Tracked {
        let t = Tracked { data, id, drops: self.drops.clone() };
        self.bufs[id] = Some((t.data.as_ptr() as usize, t.data.capacity()));
        t
    }

    /// Records chain member `id`'s outcome and checks its chain.
    fn record(&mut self, id: usize, r: Res) {
        self.res[id] = Some(r);
        self.report.members_seen += 1;
        if r == Res::Cancelled && !self.cancel_asked[id] {
            self.report.members_cancelled_by_chain += 1;
        }
        let c = self.member[id].expect("a chain member");
        let chain = &self.chains[c];
        let at = chain.ops.iter().position(|&o| o == id).expect("in its chain");
        let earlier = &chain.ops[..at];
        if !chain.hard {
            // A failure cancels the rest (io_uring_enter(2), IOSQE_IO_LINK).
            for &i in earlier {
                if matches!(self.res[i], Some(Res::Failed | Res::Cancelled)) {
                    self.report.members_checked_after_failure += 1;
                    assert_eq!(
                        r,
                        Res::Cancelled,
                        "chain {c}: op {i} failed ({:?}), yet the later member op {id} was not cancelled \
                         (members {:?}, outcomes {:?})",
                        self.res[i],
                        chain.ops,
                        chain.ops.iter().map(|&o| self.res[o]).collect::<Vec<_>>()
                    );
                    break;
                }
            }
            for &j in &chain.ops[at + 1..] {
                if matches!(r, Res::Failed | Res::Cancelled) && self.res[j].is_some() {
                    self.report.members_checked_after_failure += 1;
                    assert_eq!(
                        self.res[j],
                        Some(Res::Cancelled),
                        "chain {c}: op {id} failed ({r:?}), yet the later member op {j} was not cancelled"
                    );
                }
            }
        }
        if r == Res::Cancelled && !self.cancel_asked[id] {
            // Nobody cancelled it: only the kernel, because an earlier
            // member failed (or might have: its outcome was not seen).
            let reason = !chain.hard && earlier.iter().any(|&i| self.res[i] != Some(Res::Full));
            assert!(
                reason,
                "chain {c}: op {id} got -ECANCELED although nobody cancelled it and every earlier member \
                 succeeded (hard: {}, outcomes {:?})",
                chain.hard,
                chain.ops.iter().map(|&o| self.res[o]).collect::<Vec<_>>()
            );
        }
    }
}

/// A live operation, type-erased for the test's table.
trait Live {
    fn id(&self) -> usize;
    /// Polls once; `true` once the operation has delivered its outcome.
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool;
    fn cancel(self: Box<Self>, w: &mut World) -> Box<dyn Live>;
    fn forget(self: Box<Self>, w: &mut World);
}

struct OneShot<T: ring_core::Operation> {
    id: usize,
    op: Op<T, SimKernel>,
    judge: fn(usize, T::Output, bool, &mut World),
}

struct Cancelling<T: ring_core::Operation> {
    id: usize,
    op: CancelOp<T, SimKernel>,
    judge: fn(usize, T::Output, bool, &mut World),
}

struct Stream<T: ring_core::Multishot> {
    id: usize,
    op: MultiOp<T, SimKernel>,
}

impl<T: ring_core::Operation> Live for OneShot<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(out) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        let OneShot { id, op, judge } = *self;
        w.cancel_asked[id] = true;
        Box::new(Cancelling { id, op: op.cancel(), judge })
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

impl<T: ring_core::Operation> Live for Cancelling<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(Cancelled::Completed(out)) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Ready(Cancelled::Cancelled(out)) => {
                (self.judge)(self.id, out, true, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>, _: &mut World) -> Box<dyn Live> {
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

impl<T: ring_core::Multishot> Live for Stream<T>
where
    T::Item: core::fmt::Debug,
{
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        loop {
            match self.op.poll_next(cx) {
                Poll::Ready(Some(_item)) => continue,
                Poll::Ready(None) => {
                    w.outcomes[self.id] += 1;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
    }
    fn cancel(mut self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        w.cancel_asked[self.id] = true;
        self.op.cancel();
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

/// A pool stream given another driver's pool: refused before the kernel.
struct Foreign {
    id: usize,
    op: MultiOp<ring_core::ops::ReadPoolMulti, SimKernel>,
}

impl Live for Foreign {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        loop {
            match self.op.poll_next(cx) {
                Poll::Ready(Some(Err(e))) => assert_eq!(
                    e.raw_os_error(),
                    Some(libc::EXDEV),
                    "op {}: a stream with another driver's pool failed otherwise: {e}",
                    self.id
                ),
                Poll::Ready(Some(Ok(b))) => panic!("op {}: a stream used another driver's pool: {b:?}", self.id),
                Poll::Ready(None) => {
                    w.outcomes[self.id] += 1;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
    }
    fn cancel(mut self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        w.cancel_asked[self.id] = true;
        self.op.cancel();
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

/// Takes one member's future out of a started chain.
type Taker = Box<dyn FnOnce(&mut Started<SimKernel>) -> Box<dyn Live>>;

/// Takes one member's value back from a refused chain; true if it was
/// there.
type Backer = Box<dyn FnOnce(&mut ChainRefused<SimKernel>) -> bool>;

/// A chain waiting to start (for CQ credits or entries): its members are
/// still inside the `StartChain` future.
struct Starting {
    ids: Vec<usize>,
    start: StartChain<SimKernel>,
    /// For each member, its taker if the scenario takes its future.
    takers: Vec<Option<Taker>>,
    /// For each member, how to take its value back if the chain is refused.
    backers: Vec<Backer>,
}

impl Live for Starting {
    fn id(&self) -> usize {
        self.ids[0]
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.start).poll(cx) {
            Poll::Pending => false,
            Poll::Ready(Ok(mut started)) => {
                w.report.chains_started += 1;
                for t in self.takers.drain(..).flatten() {
                    let l = t(&mut started);
                    w.spawned.push(l);
                }
                // The members not taken are orphaned here.
                drop(started);
                true
            }
            Poll::Ready(Err(mut e)) => {
                // Refused: nothing reached the kernel, and every member's
                // value (with its buffer) comes back, which is its outcome.
                let sq = w.entries as usize;
                for (&id, back) in self.ids.iter().zip(self.backers.drain(..)) {
                    assert!(back(&mut e), "op {id}: a refused chain did not give its value back");
                    w.outcomes[id] += 1;
                }
                let ok = match e.error() {
                    ring_core::Error::TooLong { .. } => self.ids.len() > sq,
                    ring_core::Error::SubmissionQueueFull => true,
                    _ => false,
                };
                assert!(ok, "chain of {} members on an SQ of {sq} refused: {e}", self.ids.len());
                w.report.chains_refused += 1;
                true
            }
        }
    }
    fn cancel(self: Box<Self>, _: &mut World) -> Box<dyn Live> {
        // Nothing in the kernel yet: nothing to cancel.
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        // The members' values (and their buffers) are never dropped.
        for &id in &self.ids {
            w.forgotten[id] = true;
        }
        std::mem::forget(self);
    }
}

fn judge_nop(id: usize, out: std::io::Result<()>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if !cancelled {
        out.unwrap();
    }
}

fn judge_read_file(id: usize, (r, buf): (std::io::Result<usize>, Tracked), cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let off = OFFSETS.with(|o| o.borrow()[id]);
    match r {
        Ok(n) => {
            assert_eq!(buf.data.len(), n, "op {id}: the buffer's initialised length is the result");
            for (k, b) in buf.data.iter().enumerate() {
                assert_eq!(*b, src_byte(off + k), "op {id}: read returned bytes that are not the file's");
            }
        }
        Err(e) => assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}"),
    }
}

fn judge_write(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len(), "op {id}: wrote more than its length");
    }
}

fn judge_read_pipe(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert_eq!(buf.data.len(), n);
        assert!(buf.data.iter().all(|b| w.piped.contains(b)), "op {id}: pipe bytes nobody wrote");
    }
}

fn judge_sleep(id: usize, r: std::io::Result<bool>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Err(e) = r {
        assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}");
    }
}

fn judge_send(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len());
    }
}

/// A chain member's error: only `-ECANCELED` (from the user's cancel, or
/// the kernel's after an earlier member failed) is one its request can get.
fn member_err(id: usize, e: &std::io::Error) -> Res {
    assert_eq!(e.raw_os_error(), Some(libc::ECANCELED), "chain member op {id}: {e}");
    Res::Cancelled
}

fn judge_member_nop(id: usize, out: std::io::Result<()>, _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let r = match out {
        Ok(()) => Res::Full,
        Err(e) => member_err(id, &e),
    };
    w.record(id, r);
}

fn judge_member_read(id: usize, (r, buf): (std::io::Result<usize>, Tracked), cancelled: bool, w: &mut World) {
    let res = match &r {
        Ok(n) if *n == w.want[id] => Res::Full,
        Ok(_) => Res::Failed,
        Err(e) => member_err(id, e),
    };
    judge_read_file(id, (r, buf), cancelled, w);
    w.record(id, res);
}

fn judge_member_write(id: usize, (r, buf): (std::io::Result<usize>, Tracked), cancelled: bool, w: &mut World) {
    let res = match &r {
        Ok(n) if *n == w.want[id] => Res::Full,
        Ok(_) => Res::Failed,
        Err(e) => member_err(id, e),
    };
    judge_write(id, (r, buf), cancelled, w);
    w.record(id, res);
}

fn judge_member_sleep(id: usize, r: std::io::Result<bool>, _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let res = match r {
        // The time ran out: -ETIME, a failure for the chain.
        Ok(true) => Res::Failed,
        Ok(false) => Res::Full,
        Err(e) => member_err(id, &e),
    };
    w.record(id, res);
}

thread_local! {
    static OFFSETS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Runs one scenario on a fresh simulated kernel and driver, checking the
/// invariants after every step (see the module documentation). Panics on a
/// violation.
pub fn run(seed: u64, entries: u32, actions: Vec<Action>) {
    run_in(seed, entries, Mode::Plain, actions)
}

/// How the scenario's ring is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Default flags: completions are posted as operations run.
    Plain,
    /// `SINGLE_ISSUER | DEFER_TASKRUN`: completions appear only when the
    /// driver enters the kernel asking for events.
    DeferTaskrun,
    /// `SQPOLL`: a simulated poll thread consumes the SQ when it runs (at
    /// [`Action::SqpollStep`], or when a wait needs it), and sleeps when
    /// idle, so submissions must wake it.
    SqPoll,
}

/// The scenario's ring: its [`Mode`] and the size of its CQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// The set-up flags.
    pub mode: Mode,
    /// `Some(n)`: a CQ of `n` entries (`IORING_SETUP_CQSIZE`; at least the
    /// SQ's size, as the kernel requires). `None`: the kernel's default,
    /// twice the SQ.
    pub cq: Option<u32>,
}

impl Setup {
    /// A ring in `mode` whose CQ is as small as the kernel allows for an SQ
    /// of `entries` (as many entries as the SQ, and at least 2, so that a
    /// zero-copy send, which needs two CQ credits, can start): operations
    /// then wait for CQ credits, and a multishot stream's items (which take
    /// no credit of their own) overflow the CQ, so the simulated kernel
    /// parks them (`IORING_FEAT_NODROP`), sets `IORING_SQ_CQ_OVERFLOW` and
    /// flushes them on a later enter.
    pub fn tiny_cq(mode: Mode, entries: u32) -> Setup {
        Setup { mode, cq: Some(entries.max(2)) }
    }
}

impl From<Mode> for Setup {
    fn from(mode: Mode) -> Setup {
        Setup { mode, cq: None }
    }
}

/// As [`run`], on a ring set up as `setup` says (a [`Mode`], or a
/// [`Setup`] that also sizes the CQ).
pub fn run_in(seed: u64, entries: u32, setup: impl Into<Setup>, actions: Vec<Action>) {
    run_setup(seed, entries, setup.into(), actions);
}

/// As [`run_in`], returning what the scenario did.
pub fn run_setup(seed: u64, entries: u32, setup: Setup, actions: Vec<Action>) -> Report {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 5, ..SimConfig::default() });
    // The simulated kernel never splits a chain by a short submission of
    // its own (as a real one does only when it cannot allocate a request
    // mid-chain), so that "a failed member cancels the rest" holds exactly;
    // a split at the driver's own submission boundary is still reported.
    sim.set_chaos(Chaos { whole_chains: true, ..Chaos::wild(seed) });
    let builder = match setup.mode {
        Mode::Plain => Builder::new(entries),
        Mode::DeferTaskrun => Builder::new(entries).defer_taskrun(),
        Mode::SqPoll => Builder::new(entries).sqpoll(None),
    };
    let builder = match setup.cq {
        Some(cq) => builder.cq_size(cq.max(entries)),
        None => builder,
    };
    let ring = builder.build_on(sim.clone()).expect("ring on the simulated kernel");
    let cq_entries = ring.params().cq_entries;
    let driver = Driver::with_ring(ring, Batch::default());
    driver.set_teardown_deadline(Duration::from_millis(100));
    // The second ring: plain flags, a CQ of four.
    let other = Driver::with_ring(
        Builder::new(2).build_on(sim.clone()).expect("a second ring on the simulated kernel"),
        Batch::default(),
    );
    other.set_teardown_deadline(Duration::from_millis(100));
    // Hostile wakers panic with a payload of their own, which every driver
    // call below may re-raise (the driver re-raises a panic of foreign code
    // where no outcome is lost): `hostile::catch` lets those through, and
    // only those.
    let hostile = actions.iter().any(|a| matches!(a, Action::PollHostile(..)));
    if hostile {
        crate::hostile::quiet();
        crate::hostile::set_driver(Some(driver.clone()));
    }
    let src = sim.add_file((0..SRC_LEN).map(src_byte).collect::<Vec<u8>>());
    let dst = sim.add_file(vec![0u8; 256 * REGION]);
    let pipe = sim.add_pipe();
    let pollable = sim.add_pollable();
    let sock = sim.add_socket();
    let mut w = World {
        sim: sim.clone(),
        driver,
        other,
        pools: [None, None],
        next_bgid: 1,
        entries,
        src,
        dst,
        pipe,
        pollable,
        sock,
        drops: Rc::new(RefCell::new(Vec::new())),
        bufs: Vec::new(),
        forgotten: Vec::new(),
        outcomes: Vec::new(),
        piped: Vec::new(),
        res: Vec::new(),
        want: Vec::new(),
        cancel_asked: Vec::new(),
        member: Vec::new(),
        chains: Vec::new(),
        spawned: Vec::new(),
        report: Report { cq_entries, ..Report::default() },
    };
    OFFSETS.with(|o| o.borrow_mut().clear());
    let mut live: Vec<Box<dyn Live>> = Vec::new();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);

    for a in actions {
        match a {
            Action::Submit(k) => {
                let l = submit(&mut w, 0, k);
                live.push(l);
            }
            Action::SubmitOther(k) => {
                let l = submit(&mut w, 1, k);
                live.push(l);
            }
            Action::NewPool => {
                let old = std::mem::take(&mut w.pools);
                let _ = crate::hostile::catch(move || drop(old));
            }
            Action::TurnOther => {
                let _ = crate::hostile::catch(|| w.other.poll());
            }
            Action::SendZcPhase(phase) => {
                let id = w.new_op();
                let b = w.buf(id, vec![0x5a; 24]);
                let mut op = w.driver.op(SendZc::new(&sim_fd(w.sock), b, 0));
                let _ = crate::hostile::catch(|| Pin::new(&mut op).poll(&mut cx).is_ready());
                let mut finished = false;
                if phase % 4 >= 1 {
                    let _ = crate::hostile::catch(|| w.driver.poll());
                    // Held by the simulator's chaos: the kernel runs it now
                    // (the result is posted, the notification held), with
                    // nothing reaped.
                    if let Some(ud) = op.user_data() {
                        w.sim.release(ud);
                    }
                }
                if phase % 4 >= 2 {
                    let _ = crate::hostile::catch(|| w.driver.poll());
                    if let Some(Poll::Ready(out)) = crate::hostile::catch(|| Pin::new(&mut op).poll(&mut cx)) {
                        judge_send(id, out, false, &mut w);
                        finished = true;
                    }
                }
                if phase % 4 >= 3 {
                    let _ = crate::hostile::catch(|| w.driver.poll());
                }
                if !finished {
                    let _ = crate::hostile::catch(move || drop(op));
                }
            }
            Action::Chain(spec) => {
                let mut l = start_chain(&mut w, spec);
                if !l.poll(&mut w, &mut cx) {
                    live.push(l);
                }
            }
            Action::Poll(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                if crate::hostile::catch(|| live[i].poll(&mut w, &mut cx)) == Some(true) {
                    live.swap_remove(i);
                }
            }
            Action::PollHostile(i, kind) if !live.is_empty() => {
                let i = i as usize % live.len();
                let hw = crate::hostile::waker(crate::hostile::Hostility::from_byte(kind));
                let mut hcx = Context::from_waker(&hw);
                // A poll the waker's panic interrupted leaves the future
                // live: its claim must have been kept.
                if crate::hostile::catch(|| live[i].poll(&mut w, &mut hcx)) == Some(true) {
                    live.swap_remove(i);
                }
                let _ = crate::hostile::catch(move || drop(hw));
            }
            Action::Drop(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                let _ = crate::hostile::catch(|| drop(live.swap_remove(i)));
            }
            Action::Forget(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                live.swap_remove(i).forget(&mut w);
            }
            Action::Cancel(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                let l = live.swap_remove(i);
                live.push(l.cancel(&mut w));
            }
            Action::Turn => {
                let _ = crate::hostile::catch(|| w.driver.poll());
            }
            Action::Park => {
                let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
            }
            Action::ReleaseSome => {
                w.sim.release_some();
            }
            Action::ReleaseAll => {
                w.sim.release_all();
            }
            Action::ReleaseNotifs => {
                w.sim.release_notifs();
            }
            Action::PipeWrite(b) => {
                w.piped.push(b);
                w.sim.pipe_write(w.pipe.1, &[b; 3]);
            }
            Action::SetReady => w.sim.set_ready(w.pollable, libc::POLLIN as u32),
            Action::Advance(ms) => w.sim.advance(Duration::from_millis(u64::from(ms))),
            Action::SqpollStep => {
                w.sim.sqpoll_step();
            }
            _ => {}
        }
        live.append(&mut w.spawned);
        check_step(&w);
    }

    // Quiescence: everything not forgotten is dropped or run to its end,
    // and the kernel is allowed to finish whatever it holds. Half the
    // survivors are dropped, in order; the others are then polled in turn
    // until each has its outcome (together, since one may wait for a CQ
    // credit or an entry that another holds until it is collected). A
    // chain's members all go the same way (run in three chains of four),
    // so that a later member's outcome is seen after an earlier one's; a
    // chain that starts meanwhile adds its members' futures to the runners.
    let mut running: Vec<Box<dyn Live>> = Vec::new();
    for l in live {
        let run = match w.member[l.id()] {
            Some(c) => w.chains[c].ops[0] % 4 != 3,
            None => l.id() % 2 == 0,
        };
        if run {
            running.push(l);
        }
    }
    for _ in 0..200 {
        let mut i = 0;
        while i < running.len() {
            if crate::hostile::catch(|| running[i].poll(&mut w, &mut cx)) == Some(true) {
                running.swap_remove(i);
            } else {
                i += 1;
            }
            running.append(&mut w.spawned);
        }
        if running.is_empty() {
            break;
        }
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.set_ready(w.pollable, libc::POLLIN as u32);
        w.sim.pipe_write(w.pipe.1, &[1; 16]);
        w.piped.push(1);
        w.sim.advance(Duration::from_millis(10));
        let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
        let _ = crate::hostile::catch(|| w.other.poll());
        check_step(&w);
    }
    let _ = crate::hostile::catch(move || drop(running));
    for _ in 0..50 {
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.advance(Duration::from_millis(50));
        let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
        let _ = crate::hostile::catch(|| w.other.poll());
        check_step(&w);
    }
    for (id, n) in w.outcomes.iter().enumerate() {
        assert!(*n <= 1, "op {id} got {n} outcomes");
    }
    let (dstats, sstats) = (w.driver.stats(), w.sim.stats());
    let report = Report {
        ops: w.outcomes.len(),
        waited_for_credit: dstats.waited_for_credit,
        overflowed: sstats.overflowed,
        flushed: sstats.flushed,
        ..w.report
    };
    if std::env::var_os("PROP_VERBOSE").is_some() {
        eprintln!(
            "ops {} outcomes {} forgotten {} {report:?} driver {dstats:?} sim {sstats:?}",
            w.outcomes.len(),
            w.outcomes.iter().sum::<u32>(),
            w.forgotten.iter().filter(|f| **f).count(),
        );
    }
    // Dropping the driver terminates, and frees nothing the kernel holds.
    let start = Instant::now();
    let World { sim, driver, other, pools, drops, forgotten, bufs, .. } = w;
    if hostile {
        crate::hostile::set_driver(None);
    }
    let _ = crate::hostile::catch(move || drop(pools));
    let _ = crate::hostile::catch(move || drop(driver));
    let _ = crate::hostile::catch(move || drop(other));
    assert!(start.elapsed() < Duration::from_secs(5), "driver drop took {:?}", start.elapsed());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.split_chains().is_empty(), "{:?}", sim.split_chains());
    let drops = drops.borrow();
    for id in 0..drops.len() {
        if bufs[id].is_none() {
            continue;
        }
        if forgotten[id] {
            assert_eq!(drops[id], 0, "forgotten op {id}'s buffer was freed");
        } else if sim.inflight().iter().any(|f| f.user_data as u32 != u32::MAX && holds(&bufs[id], f)) {
            // Still in the (simulated) kernel after teardown: leaked, not freed.
            assert_eq!(drops[id], 0, "op {id}'s buffer freed while the kernel holds it");
        } else {
            assert_eq!(drops[id], 1, "op {id}'s buffer freed {} times", drops[id]);
        }
    }
    report
}

/// Creates operation `k`'s future on driver `which` (0: the scenario's
/// driver, 1: the second one).
fn submit(w: &mut World, which: usize, k: Kind) -> Box<dyn Live> {
    let id = w.new_op();
    let d = if which == 0 { w.driver.clone() } else { w.other.clone() };
    let l: Box<dyn Live> = match k {
        Kind::Nop => Box::new(OneShot { id, op: d.op(Nop), judge: judge_nop }),
        Kind::ReadFile { off, len } => {
            OFFSETS.with(|o| o.borrow_mut()[id] = off as usize);
            let b = w.buf(id, Vec::with_capacity(len as usize));
            Box::new(OneShot { id, op: d.op(Read::new(&sim_fd(w.src), b, u64::from(off))), judge: judge_read_file })
        }
        Kind::WriteFile { len } => {
            let b = w.buf(id, vec![id as u8 | 0x80; len as usize]);
            let off = (id % 256 * REGION) as u64;
            Box::new(OneShot { id, op: d.op(Write::new(&sim_fd(w.dst), b, off)), judge: judge_write })
        }
        Kind::ReadPipe { len } => {
            let b = w.buf(id, Vec::with_capacity(len as usize));
            Box::new(OneShot { id, op: d.op(Read::new(&sim_fd(w.pipe.0), b, u64::MAX)), judge: judge_read_pipe })
        }
        Kind::Sleep { ms } => Box::new(OneShot {
            id,
            op: d.op(Timeout::relative(Duration::from_millis(u64::from(ms)))),
            judge: judge_sleep,
        }),
        Kind::Poll => Box::new(Stream { id, op: d.poll_multishot(&sim_fd(w.pollable), libc::POLLIN as u32) }),
        Kind::Ticks { n } => Box::new(Stream { id, op: d.ticks(Duration::from_millis(3), u32::from(n)) }),
        Kind::SendZc { len } => {
            let b = w.buf(id, vec![0x5a; len as usize]);
            Box::new(OneShot { id, op: d.op(SendZc::new(&sim_fd(w.sock), b, 0)), judge: judge_send })
        }
        Kind::PoolStream => {
            let pool = w.pool(which).clone();
            Box::new(Stream { id, op: d.read_pool_multishot(&sim_fd(w.pipe.0), &pool) })
        }
        Kind::ForeignPoolStream => {
            let pool = w.pool(1 - which).clone();
            Box::new(Foreign { id, op: d.read_pool_multishot(&sim_fd(w.pipe.0), &pool) })
        }
    };
    l
}

/// Builds the chain `spec` describes and its (not yet polled) start.
fn start_chain(w: &mut World, spec: ChainSpec) -> Box<dyn Live> {
    let c = w.chains.len();
    let mut chain = w.driver.chain();
    if spec.hard {
        chain = chain.hard();
    }
    let mut ids = Vec::new();
    let mut takers: Vec<Option<Taker>> = Vec::new();
    let mut backers: Vec<Backer> = Vec::new();
    for (i, m) in spec.members.into_iter().enumerate() {
        let id = w.new_op();
        w.member[id] = Some(c);
        ids.push(id);
        let t: Taker = match m {
            Member::Nop => {
                let link = chain.push(Nop);
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_nop })
                })
            }
            Member::ReadFile { off, len } => {
                OFFSETS.with(|o| o.borrow_mut()[id] = off as usize);
                let b = w.buf(id, Vec::with_capacity(len as usize));
                w.want[id] = b.data.capacity();
                let link = chain.push(Read::new(&sim_fd(w.src), b, u64::from(off)));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_read })
                })
            }
            Member::WriteFile { len } => {
                let b = w.buf(id, vec![id as u8 | 0x80; len as usize]);
                w.want[id] = len as usize;
                let off = (id % 256 * REGION) as u64;
                let link = chain.push(Write::new(&sim_fd(w.dst), b, off));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_write })
                })
            }
            Member::Sleep { ms } => {
                let link = chain.push(Timeout::relative(Duration::from_millis(u64::from(ms))));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_sleep })
                })
            }
        };
        takers.push((spec.take >> i & 1 == 1).then_some(t));
    }
    w.chains.push(ChainRec { ops: ids.clone(), hard: spec.hard });
    Box::new(Starting { ids, start: chain.start(), takers, backers })
}

fn holds(buf: &Option<(usize, usize)>, f: &crate::sim::Inflight) -> bool {
    let Some((ptr, cap)) = *buf else { return false };
    f.held.iter().any(|r| r.addr as usize >= ptr && (r.addr as usize) < ptr + cap.max(1))
}

fn check_step(w: &World) {
    let v = w.sim.violations();
    assert!(v.is_empty(), "the kernel touched memory that is not live: {v:?}");
    let split = w.sim.split_chains();
    assert!(split.is_empty(), "the driver cut a linked chain: {split:?}");
    let drops = w.drops.borrow();
    for f in w.sim.inflight() {
        for id in 0..w.bufs.len() {
            if holds(&w.bufs[id], &f) {
                assert_eq!(drops[id], 0, "op {id}'s buffer was freed while the kernel holds it ({f:?})");
            }
        }
    }
}

/// Decodes a scenario from arbitrary bytes (for the fuzzer): a seed, a ring
/// size and set-up, then one action per two bytes.
pub fn decode(data: &[u8]) -> (u64, u32, Vec<Action>) {
    let (seed, entries, _, actions) = decode_with_mode(data);
    (seed, entries, actions)
}

/// As [`decode`], also picking the ring's [`Setup`]: its [`Mode`] and
/// whether its CQ is tiny ([`Setup::tiny_cq`]).
pub fn decode_with_mode(data: &[u8]) -> (u64, u32, Setup, Vec<Action>) {
    let mut seed = [0u8; 8];
    let n = data.len().min(8);
    seed[..n].copy_from_slice(&data[..n]);
    let rest = data.get(8..).unwrap_or(&[]);
    let ring = rest.first().copied().unwrap_or(0) as usize;
    let entries = [1u32, 2, 4][ring % 3];
    let actions = rest
        .get(1..)
        .unwrap_or(&[])
        .chunks(2)
        .take(200)
        .map(|c| {
            let (op, arg) = (c[0], c.get(1).copied().unwrap_or(0));
            match op % 20 {
                0 => Action::Submit(Kind::Nop),
                1 => Action::Submit(Kind::ReadFile { off: u16::from(arg) * 15, len: arg % 63 + 1 }),
                2 => Action::Submit(Kind::WriteFile { len: arg % (REGION as u8 - 1) + 1 }),
                3 => Action::Submit(Kind::ReadPipe { len: arg % 15 + 1 }),
                4 => Action::Submit(Kind::Sleep { ms: arg % 50 }),
                5 => Action::Submit(Kind::Poll),
                6 => Action::Submit(Kind::Ticks { n: arg % 3 + 1 }),
                7 => Action::Submit(Kind::SendZc { len: arg % 63 + 1 }),
                8 => Action::Poll(arg),
                // One poll in two of this kind with a hostile waker.
                9 if op / 20 % 2 == 1 => Action::PollHostile(arg, op / 40),
                9 => Action::Poll(arg),
                10 => Action::Drop(arg),
                11 => Action::Forget(arg),
                12 => Action::Cancel(arg),
                13 => Action::Turn,
                14 => Action::Park,
                15 => Action::ReleaseSome,
                16 => Action::ReleaseAll,
                17 => Action::ReleaseNotifs,
                18 => Action::Chain(decode_chain(op / 20, arg)),
                _ => match arg % 8 {
                    0 => Action::PipeWrite(arg),
                    1 => Action::SetReady,
                    2 => Action::SqpollStep,
                    3 => Action::Advance(arg),
                    4 => Action::Submit(Kind::PoolStream),
                    5 => Action::NewPool,
                    6 => Action::SubmitOther(match arg >> 3 & 3 {
                        0 => Kind::Nop,
                        1 => Kind::PoolStream,
                        2 => Kind::ReadPipe { len: arg % 15 + 1 },
                        _ => Kind::SendZc { len: arg % 63 + 1 },
                    }),
                    _ => match arg >> 3 & 3 {
                        0 => Action::Submit(Kind::ForeignPoolStream),
                        1 => Action::TurnOther,
                        _ => Action::SendZcPhase(arg >> 5),
                    },
                },
            }
        })
        .collect();
    let mode = [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll][ring / 3 % 3];
    let setup = if ring / 9 % 2 == 1 { Setup::tiny_cq(mode, entries) } else { Setup::from(mode) };
    (u64::from_le_bytes(seed), entries, setup, actions)
}

/// A chain from two small numbers (`hi` < 13, `arg` any byte): two or
/// three members of the four kinds, hard or not, and which to take.
fn decode_chain(hi: u8, arg: u8) -> ChainSpec {
    let member = |k: u8| match k % 4 {
        0 => Member::Nop,
        1 => Member::ReadFile { off: u16::from(arg) * 16, len: arg % 63 + 1 },
        2 => Member::WriteFile { len: arg % (REGION as u8 - 1) + 1 },
        _ => Member::Sleep { ms: arg % 20 },
    };
    let n = 2 + usize::from(hi % 2);
    let members = (0..n).map(|i| member((arg >> (2 * i)) ^ (hi >> 1))).collect();
    ChainSpec { members, hard: hi / 2 % 4 == 3, take: if hi / 8 == 0 { 0b111 } else { arg >> 5 } }
}
