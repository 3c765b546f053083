//! What the loom models share: the ring memory as loom objects, the
//! shipped queues built over it, and the kernel's side of each ring written
//! out with the orderings of `io_uring/io_uring.c`.
//!
//! Every entry array is an array of 16-byte (CQ) or 64-byte (SQ) *units*,
//! as the real rings are: a 32-byte CQE (`IORING_SETUP_CQE32`, or
//! `IORING_CQE_F_32` on a mixed ring) is two CQ units, a 128-byte SQE
//! (`IORING_SETUP_SQE128`, or a `*128` opcode on a mixed ring) two SQ
//! units. Each unit is its own loom cell, so loom checks every half of a
//! big entry separately.
//!
//! Included with `#[path]` by the loom test files; not a test target of its
//! own (cargo only builds `tests/*.rs`).
#![allow(dead_code)]

use core::ptr::NonNull;
use loom::sync::atomic::{AtomicU32, Ordering};
use ring_core::layout::{CqPointers, SqPointers};
use ring_core::sync::UnsafeCell;
use ring_core::{CompletionQueue, SubmissionQueue};
use ring_sys::{
    io_uring_cqe, io_uring_sqe, IORING_CQE_F_32, IORING_CQE_F_SKIP, IORING_OP_NOP, IORING_OP_NOP128,
    IORING_OP_URING_CMD128,
};
use std::sync::Arc;

/// Ring indices start here by default, so every model also crosses `u32::MAX`.
pub const START: u32 = u32::MAX - 1;

/// The entry sizes of a ring's two queues.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub sq_entries: u32,
    pub cq_entries: u32,
    /// `IORING_SETUP_SQE128`: every SQ slot is two units.
    pub sqe128: bool,
    /// `IORING_SETUP_SQE_MIXED`: a `*128` opcode takes two slots.
    pub sq_mixed: bool,
    /// `IORING_SETUP_CQE32`: every CQ slot is two units.
    pub cqe32: bool,
    /// `IORING_SETUP_CQE_MIXED`: an `IORING_CQE_F_32` entry takes two slots.
    pub cq_mixed: bool,
    /// Where both queues' heads and tails start.
    pub start: u32,
}

impl Shape {
    pub const fn new(sq_entries: u32, cq_entries: u32) -> Shape {
        Shape { sq_entries, cq_entries, sqe128: false, sq_mixed: false, cqe32: false, cq_mixed: false, start: START }
    }
}

/// The shared memory of one ring, as loom objects.
pub struct Rings {
    pub sq_head: AtomicU32,
    pub sq_tail: AtomicU32,
    pub sq_flags: AtomicU32,
    pub sq_dropped: AtomicU32,
    pub array: Box<[UnsafeCell<u32>]>,
    /// `sq_entries` units, or twice that with SQE128.
    pub sqes: Box<[UnsafeCell<io_uring_sqe>]>,
    pub cq_head: AtomicU32,
    pub cq_tail: AtomicU32,
    pub cq_overflow: AtomicU32,
    pub cq_flags: AtomicU32,
    /// `cq_entries` units, or twice that with CQE32.
    pub cqes: Box<[UnsafeCell<io_uring_cqe>]>,
    pub shape: Shape,
}

// SAFETY: the words are loom atomics; the entry cells are only accessed
// through loom's `with`/`with_mut`, which is exactly what loom checks for
// races. Sharing the struct between the model's threads is the point.
unsafe impl Sync for Rings {}
// SAFETY: as above; nothing in it is tied to a thread.
unsafe impl Send for Rings {}

impl Rings {
    /// Plain rings of 16-byte CQEs and 64-byte SQEs.
    pub fn new(sq_entries: u32, cq_entries: u32) -> Arc<Rings> {
        Rings::with(Shape::new(sq_entries, cq_entries))
    }

    pub fn with(shape: Shape) -> Arc<Rings> {
        let sq_units = shape.sq_entries << u32::from(shape.sqe128);
        let cq_units = shape.cq_entries << u32::from(shape.cqe32);
        Arc::new(Rings {
            sq_head: AtomicU32::new(shape.start),
            sq_tail: AtomicU32::new(shape.start),
            sq_flags: AtomicU32::new(0),
            sq_dropped: AtomicU32::new(0),
            array: (0..shape.sq_entries).map(|_| UnsafeCell::new(0)).collect(),
            sqes: (0..sq_units).map(|_| UnsafeCell::new(io_uring_sqe::default())).collect(),
            cq_head: AtomicU32::new(shape.start),
            cq_tail: AtomicU32::new(shape.start),
            cq_overflow: AtomicU32::new(0),
            cq_flags: AtomicU32::new(0),
            cqes: (0..cq_units).map(|_| UnsafeCell::new(io_uring_cqe::default())).collect(),
            shape,
        })
    }

    /// The pointers a real ring would build from its mapping.
    pub fn sq_pointers(&self, array: bool) -> SqPointers {
        SqPointers {
            head: NonNull::from(&self.sq_head),
            tail: NonNull::from(&self.sq_tail),
            flags: NonNull::from(&self.sq_flags),
            dropped: NonNull::from(&self.sq_dropped),
            array: array.then(|| NonNull::from(&self.array[0])),
            sqes: NonNull::from(&self.sqes[0]),
            entries: self.shape.sq_entries,
        }
    }

    pub fn cq_pointers(&self) -> CqPointers {
        CqPointers {
            head: NonNull::from(&self.cq_head),
            tail: NonNull::from(&self.cq_tail),
            flags: Some(NonNull::from(&self.cq_flags)),
            overflow: NonNull::from(&self.cq_overflow),
            cqes: NonNull::from(&self.cqes[0]),
            entries: self.shape.cq_entries,
        }
    }

    /// The shipped submission queue over these words. `array`: whether the
    /// ring has the SQ index array (it is filled by `init_array`).
    pub fn sq(&self, array: bool) -> SubmissionQueue {
        // SAFETY: the pointers name live loom objects owned by `self`,
        // which the model keeps alive (through its `Arc`) for as long as
        // the queue; the model's application thread is the only producer.
        let sq = unsafe { SubmissionQueue::new(self.sq_pointers(array), self.shape.sqe128, self.shape.sq_mixed) };
        // SAFETY: nothing is published yet, so the kernel thread (not even
        // spawned) is not reading the array.
        unsafe { sq.init_array() };
        sq
    }

    /// The shipped completion queue over these words.
    pub fn cq(&self) -> CompletionQueue {
        // SAFETY: live loom objects kept alive by the model's `Arc`; the
        // model's application thread is the only consumer.
        unsafe { CompletionQueue::new(self.cq_pointers(), self.shape.cqe32, self.shape.cq_mixed) }
    }
}

/// An SQE as the kernel read it: the first unit, and the second of a
/// 128-byte entry.
#[derive(Clone, Copy)]
pub struct Seen {
    pub sqe: io_uring_sqe,
    pub hi: Option<[u8; 64]>,
}

impl Seen {
    pub fn user_data(&self) -> u64 {
        self.sqe.user_data
    }
}

impl core::fmt::Debug for Seen {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "(ud {}, op {}, flags {:#x}", self.sqe.user_data, self.sqe.opcode, self.sqe.flags)?;
        if let Some(hi) = self.hi {
            write!(f, ", hi[0] {:#x}", hi[0])?;
        }
        write!(f, ")")
    }
}

/// The bytes of a 64-byte unit.
pub fn bytes(sqe: &io_uring_sqe) -> [u8; 64] {
    // SAFETY: an SQE is 64 bytes of plain integers (no padding: its size
    // is asserted by ring-sys); every bit pattern of `[u8; 64]` is valid.
    unsafe { core::mem::transmute_copy(sqe) }
}

/// The kernel's side of the SQ: its private head (`cached_sq_head`).
pub struct KernelSq {
    pub head: u32,
    pub array: bool,
}

impl KernelSq {
    pub fn new(array: bool) -> KernelSq {
        KernelSq { head: START, array }
    }

    pub fn at(head: u32, array: bool) -> KernelSq {
        KernelSq { head, array }
    }

    /// The acquire load of the tail that starts a submission
    /// (`smp_load_acquire(&rings->sq.tail)` in `io_submit_sqes`).
    pub fn acquire_tail(&self, r: &Rings) -> u32 {
        r.sq_tail.load(Ordering::Acquire)
    }

    /// Reads the entry at the private head, which must be below `tail`,
    /// and moves the private head past it (two positions for a 128-byte
    /// entry of a mixed ring). The shared head is not stored: see
    /// [`release_head`](Self::release_head).
    pub fn read_next(&mut self, r: &Rings, tail: u32) -> Option<Seen> {
        if tail == self.head {
            return None;
        }
        let entries = r.shape.sq_entries;
        let pos = self.head & (entries - 1);
        let idx = if self.array {
            // SAFETY: `pos < sq_entries`; the slot is below the acquired tail.
            r.array[pos as usize].with(|p| unsafe { *p })
        } else {
            pos
        };
        assert!(idx < entries, "an SQ index out of range");
        let unit = (idx << u32::from(r.shape.sqe128)) as usize;
        // SAFETY: the unit is inside the array; the entry is below the
        // acquired tail, so its writes happen before this read unless the
        // application's tail store is too weak, which loom then reports as
        // a causality violation on this cell.
        let sqe = r.sqes[unit].with(|p| unsafe { *p });
        let mut hi = None;
        let mut slots = 1;
        if r.shape.sqe128 {
            // SAFETY: the second unit of the same slot, as above.
            hi = Some(r.sqes[unit + 1].with(|p| unsafe { bytes(&*p) }));
        } else if r.shape.sq_mixed && matches!(sqe.opcode, IORING_OP_NOP128 | IORING_OP_URING_CMD128) {
            // A 128-byte entry of a mixed ring never straddles the end of
            // the ring and is published whole (the kernel fails it with
            // -EINVAL otherwise).
            assert!(idx < entries - 1, "a 128-byte SQE straddles the end of the ring");
            assert!(tail.wrapping_sub(self.head) >= 2, "half of a 128-byte SQE was published");
            // SAFETY: the next unit, below the acquired tail too.
            hi = Some(r.sqes[unit + 1].with(|p| unsafe { bytes(&*p) }));
            slots = 2;
        }
        self.head = self.head.wrapping_add(slots);
        Some(Seen { sqe, hi })
    }

    /// `smp_store_release(&rings->sq.head, ...)`: the reads of the entries
    /// consumed happen before the application may reuse their slots.
    pub fn release_head(&self, r: &Rings) {
        r.sq_head.store(self.head, Ordering::Release);
    }

    /// One submission: acquire the tail, read every entry below it,
    /// release the head. Returns the entries read, in order.
    pub fn submit(&mut self, r: &Rings) -> Vec<Seen> {
        let tail = self.acquire_tail(r);
        let mut out = Vec::new();
        while let Some(s) = self.read_next(r, tail) {
            out.push(s);
        }
        if !out.is_empty() {
            self.release_head(r);
        }
        out
    }

    /// At most one entry: acquire the tail, read, release the head.
    pub fn consume_one(&mut self, r: &Rings) -> Option<Seen> {
        let tail = self.acquire_tail(r);
        let s = self.read_next(r, tail)?;
        self.release_head(r);
        Some(s)
    }
}

/// A completion the modelled kernel posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Post {
    pub user_data: u64,
    pub res: i32,
    pub flags: u32,
    /// The second 16 bytes of a 32-byte entry.
    pub big: Option<[u64; 2]>,
}

impl Post {
    pub const fn small(user_data: u64) -> Post {
        Post { user_data, res: 0, flags: 0, big: None }
    }

    pub const fn big(user_data: u64, big: [u64; 2]) -> Post {
        Post { user_data, res: 0, flags: 0, big: Some(big) }
    }
}

/// The kernel's side of the CQ: its private tail (`cached_cq_tail`).
pub struct KernelCq {
    pub tail: u32,
}

impl KernelCq {
    pub fn new() -> KernelCq {
        KernelCq { tail: START }
    }

    pub fn at(tail: u32) -> KernelCq {
        KernelCq { tail }
    }

    fn write(r: &Rings, unit: usize, cqe: io_uring_cqe) {
        // SAFETY: the caller checked the unit is free by an acquired head:
        // the application finished reading it before releasing that head,
        // unless its head store is too weak, which loom reports here.
        r.cqes[unit].with_mut(|p| unsafe { p.write(cqe) });
    }

    fn write_big(r: &Rings, unit: usize, big: [u64; 2]) {
        // SAFETY: as in `write`; a 16-byte, 8-aligned unit holds two `u64`s.
        r.cqes[unit].with_mut(|p| unsafe { p.cast::<[u64; 2]>().write(big) });
    }

    /// Writes one completion without publishing it (the tail store is
    /// [`publish`](Self::publish)), if there is room by an acquired head:
    /// one slot, or on a mixed ring two for a 32-byte entry, plus a
    /// `IORING_CQE_F_SKIP` filler in the last slot when the entry would
    /// otherwise straddle the end of the ring (as `io_get_cqe_overflow`
    /// does).
    pub fn write_one(&mut self, r: &Rings, p: Post) -> bool {
        // The kernel's load of the CQ head, modelled as acquire (loom does
        // not see control dependencies; see docs/verification.md).
        let head = r.cq_head.load(Ordering::Acquire);
        let entries = r.shape.cq_entries;
        let mask = entries - 1;
        let free = entries - self.tail.wrapping_sub(head);
        let cqe = |flags| io_uring_cqe { user_data: p.user_data, res: p.res, flags, big_cqe: [] };
        if r.shape.cqe32 {
            if free == 0 {
                return false;
            }
            let unit = ((self.tail & mask) << 1) as usize;
            Self::write(r, unit, cqe(p.flags));
            Self::write_big(r, unit + 1, p.big.unwrap_or([0; 2]));
            self.tail = self.tail.wrapping_add(1);
        } else if r.shape.cq_mixed && p.big.is_some() {
            let at_end = self.tail & mask == mask;
            if free < if at_end { 3 } else { 2 } {
                return false;
            }
            if at_end {
                let filler = io_uring_cqe { user_data: 0, res: 0, flags: IORING_CQE_F_SKIP, big_cqe: [] };
                Self::write(r, mask as usize, filler);
                self.tail = self.tail.wrapping_add(1);
            }
            let unit = (self.tail & mask) as usize;
            Self::write(r, unit, cqe(p.flags | IORING_CQE_F_32));
            Self::write_big(r, unit + 1, p.big.unwrap_or([0; 2]));
            self.tail = self.tail.wrapping_add(2);
        } else {
            if free == 0 {
                return false;
            }
            Self::write(r, (self.tail & mask) as usize, cqe(p.flags));
            self.tail = self.tail.wrapping_add(1);
        }
        true
    }

    /// `smp_store_release(&rings->cq.tail, ...)`.
    pub fn publish(&self, r: &Rings) {
        r.cq_tail.store(self.tail, Ordering::Release);
    }

    /// Posts one completion if there is room: acquire the head, write the
    /// entry, release the tail.
    pub fn try_post(&mut self, r: &Rings, p: Post) -> bool {
        let ok = self.write_one(r, p);
        if ok {
            self.publish(r);
        }
        ok
    }
}

impl Default for KernelCq {
    fn default() -> Self {
        Self::new()
    }
}

pub fn nop(user_data: u64) -> io_uring_sqe {
    io_uring_sqe { opcode: IORING_OP_NOP, user_data, ..Default::default() }
}

/// Pushes a NOP through the shipped queue.
pub fn push(sq: &mut SubmissionQueue, user_data: u64) -> bool {
    // SAFETY: a NOP carries no pointer.
    unsafe { sq.push(&nop(user_data)) }.is_ok()
}

/// Runs a model with the preemption bound from `LOOM_MAX_PREEMPTIONS`,
/// or 2 when unset, so a plain `cargo test` stays bounded too. Prints how
/// many executions loom explored when `LOOM_REPORT` is set (for the state
/// counts in docs/verification.md).
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    let f = Arc::new(f);
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (f2, runs2) = (f.clone(), runs.clone());
    b.check(move || {
        runs2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f2();
    });
    if std::env::var_os("LOOM_REPORT").is_some() {
        let name = std::thread::current().name().unwrap_or("?").to_string();
        eprintln!("loom-executions {name} {}", runs.load(std::sync::atomic::Ordering::Relaxed));
    }
}
