//! The scenario's world: the files, pipe and sockets of the simulated
//! kernel, the two drivers, and what the model knows of every operation
//! (its buffer, its outcomes, its chain), which the oracle judges against;
//! and [`Live`], the type-erased table of futures the actions act on.

use crate::scenario::drive::DriveLog;
use crate::sim::SimKernel;
use ring_core::buf::{IoBuf, IoBufMut};
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{Driver, SharedFd};
use std::cell::RefCell;
use std::rc::Rc;
use std::task::Context;

/// Length of the read-only model file.
pub(super) const SRC_LEN: usize = 4096;
/// Bytes each write owns in the write-only model file.
pub const REGION: usize = 32;

pub(super) fn src_byte(i: usize) -> u8 {
    (i * 7 % 251) as u8 | 1
}

/// A buffer that records in a shared table how often it was dropped.
pub(super) struct Tracked {
    pub(super) data: Vec<u8>,
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

/// A handle on descriptor `fd` of the simulated kernel, for an operation
/// submitted to it.
pub(super) fn sim_fd(fd: i32) -> SharedFd {
    // SAFETY: `fd` is one of the world's files, which the simulated kernel
    // keeps open for the whole scenario (no action closes them), and the
    // handle only ever reaches operations on that kernel, never a real
    // system call.
    unsafe { SharedFd::borrow_raw(fd) }
}

/// What the test knows about the world, to judge outcomes.
pub(super) struct World {
    pub(super) sim: SimKernel,
    pub(super) driver: Driver<SimKernel>,
    /// A second driver on the same thread and simulated kernel.
    pub(super) other: Driver<SimKernel>,
    /// Each driver's current buffer pool (made on first use).
    pub(super) pools: [Option<BufferPool>; 2],
    /// The next buffer group id.
    pub(super) next_bgid: u16,
    /// SQ entries.
    pub(super) entries: u32,
    pub(super) src: i32,
    pub(super) dst: i32,
    pub(super) pipe: (i32, i32),
    pub(super) pollable: i32,
    pub(super) sock: i32,
    pub(super) drops: Rc<RefCell<Vec<u32>>>,
    /// (ptr, capacity) of each operation's buffer, if it has one.
    pub(super) bufs: Vec<Option<(usize, usize)>>,
    pub(super) forgotten: Vec<bool>,
    pub(super) outcomes: Vec<u32>,
    /// Bytes written into the pipe so far (all the same value per write).
    pub(super) piped: Vec<u8>,
    /// What each chain member's outcome was, once seen.
    pub(super) res: Vec<Option<Res>>,
    /// The bytes each chain member asked to transfer.
    pub(super) want: Vec<usize>,
    /// Whether the user asked to cancel the operation.
    pub(super) cancel_asked: Vec<bool>,
    /// The chain each operation belongs to, if any.
    pub(super) member: Vec<Option<usize>>,
    pub(super) chains: Vec<ChainRec>,
    /// Futures created while polling another (the members taken from a
    /// chain that just started), to add to the live table.
    pub(super) spawned: Vec<Box<dyn Live>>,
    /// What each driver's drive saw of it.
    pub(super) drive_logs: [Rc<DriveLog>; 2],
    pub(super) report: Report,
}

/// The outcome of a chain member, as a link chain judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Res {
    /// It did all it asked for.
    Full,
    /// It failed: an error, a short transfer, an expired timeout.
    Failed,
    /// `-ECANCELED`.
    Cancelled,
}

/// A linked chain, for the reference model.
pub(super) struct ChainRec {
    pub(super) ops: Vec<usize>,
    pub(super) hard: bool,
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
    /// Outcomes delivered while the actions ran, before quiescence.
    pub outcomes_in_steps: u32,
    /// Calls the drives' methods got (both drivers).
    pub drive_calls: u32,
    /// Drive panics the driver raised (both drivers).
    pub drive_panics_raised: u32,
}

/// Buffers per scenario pool, and their length.
const POOL_BUFS: u16 = 4;
const POOL_BUF_LEN: u32 = 16;

impl World {
    /// Driver `which`'s current buffer pool, made (with a new group id)
    /// if there is none.
    pub(super) fn pool(&mut self, which: usize) -> &BufferPool {
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
    pub(super) fn new_op(&mut self) -> usize {
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
    pub(super) fn buf(&mut self, id: usize, data: Vec<u8>) -> Tracked {
        let t = Tracked { data, id, drops: self.drops.clone() };
        self.bufs[id] = Some((t.data.as_ptr() as usize, t.data.capacity()));
        t
    }
}

/// A live operation, type-erased for the test's table.
pub(super) trait Live {
    fn id(&self) -> usize;
    /// Whether the operation must reach its outcome once run to quiescence
    /// and cancelled: a multishot stream need not (the simulator lets a
    /// cancellation lose its race with a stream that then never ends).
    fn must_end(&self) -> bool {
        true
    }
    /// Polls once; `true` once the operation has delivered its outcome.
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool;
    fn cancel(self: Box<Self>, w: &mut World) -> Box<dyn Live>;
    fn forget(self: Box<Self>, w: &mut World);
}

thread_local! {
    pub(super) static OFFSETS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}
