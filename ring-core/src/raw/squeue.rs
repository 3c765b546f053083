//! The submission queue: where the application writes SQEs and publishes
//! them to the kernel.
//!
//! The SQ is a single-producer ring. Its head and tail are free-running
//! `u32` counters: they only ever increase (wrapping at `u32::MAX`), the
//! number of entries between them is `tail.wrapping_sub(head)`, and the slot
//! of position `pos` is `pos & (entries - 1)`. Nothing here ever computes a
//! contiguous range of slots, so wrap-around needs no special case.
//!
//! The application keeps a private tail (`local_tail`): entries are written
//! at private positions first and become visible to the kernel only when
//! [`SubmissionQueue::publish`] stores the shared tail with release
//! ordering. This is what makes a linked chain atomic: all its entries are
//! written before a single tail store covers them (bug class 2.4), and an
//! entry that is reserved but never written is never published (bug class
//! 2.3).
#![allow(unsafe_code)]

use crate::error::Error;
use crate::order;
use crate::raw::layout::SqPointers;
use crate::sync::{AtomicU32, UnsafeCell};
use ring_sys::{io_uring_sqe, io_uring_sqe128};

/// The submission queue is full: no entry was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqFull;

impl core::fmt::Display for SqFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("submission queue is full")
    }
}

impl std::error::Error for SqFull {}

impl From<SqFull> for Error {
    fn from(_: SqFull) -> Self {
        Error::SubmissionQueueFull
    }
}

/// The application's side of a submission ring.
#[derive(Debug)]
pub struct SubmissionQueue {
    ptr: SqPointers,
    /// The next position to write. Entries in `[shared tail, local_tail)`
    /// are written but not yet published.
    local_tail: u32,
    /// The most recent kernel head we loaded. The kernel head only moves
    /// forward, so a stale value under-reports free space, never over-reports it.
    cached_head: u32,
    /// `entries - 1`.
    mask: u32,
    /// log2 of 64-byte units per entry: 1 with `IORING_SETUP_SQE128`.
    unit_shift: u32,
    /// `IORING_SETUP_SQE_MIXED`: 64- and 128-byte entries share the ring.
    mixed: bool,
}

// SAFETY: the queue holds raw pointers into ring memory that is not tied to
// a thread; moving the (single) producer to another thread is sound.
unsafe impl Send for SubmissionQueue {}

impl SubmissionQueue {
    /// Builds the queue over the given ring memory, taking the current
    /// shared head and tail as its starting point (a simulated kernel may
    /// start them anywhere, for example just below `u32::MAX`).
    ///
    /// # Safety
    ///
    /// `ptr` must describe live ring memory (see [`crate::raw::layout::pointers`])
    /// that stays valid for the life of the queue, and this queue must be
    /// the only producer on the ring: nothing else writes its tail or entries.
    pub unsafe fn new(ptr: SqPointers, sqe128: bool, mixed: bool) -> Self {
        // SAFETY: live ring words per this function's contract.
        let (tail, head) =
            unsafe { (ptr.tail.as_ref().load(order::SQ_TAIL_LOAD), ptr.head.as_ref().load(order::SQ_HEAD_LOAD)) };
        SubmissionQueue {
            ptr,
            local_tail: tail,
            cached_head: head,
            mask: ptr.entries - 1,
            unit_shift: u32::from(sqe128),
            mixed,
        }
    }

    /// Fills the index array with the identity mapping (slot `i` holds SQE
    /// `i`), once, before the first submission; a no-op with `NO_SQARRAY`.
    ///
    /// With the identity mapping in place the array never needs another
    /// write, which saves a store per SQE (liburing does the same).
    ///
    /// # Safety
    ///
    /// The kernel must not be reading the array: call it before anything
    /// is published.
    pub unsafe fn init_array(&self) {
        if let Some(array) = self.ptr.array {
            for i in 0..self.ptr.entries {
                // SAFETY: `i < entries`, and the array has `entries` slots
                // (checked by `layout::pointers`); nothing is published yet,
                // so the kernel is not reading it.
                unsafe { (*array.as_ptr().add(i as usize)).with_mut(|p| p.write(i)) };
            }
        }
    }

    #[inline(always)]
    fn head_word(&self) -> &AtomicU32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.head.as_ref() }
    }

    #[inline(always)]
    fn tail_word(&self) -> &AtomicU32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.tail.as_ref() }
    }

    #[inline(always)]
    fn flags_word(&self) -> &AtomicU32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.flags.as_ref() }
    }

    /// The ring's number of entries.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.ptr.entries
    }

    /// Reloads the kernel's head.
    ///
    /// Acquire ([`order::SQ_HEAD_LOAD`]): pairs with the kernel's
    /// `smp_store_release` of the head, so once we see a slot consumed, the
    /// kernel's reads of that slot happened before we rewrite it (bug class
    /// 1.3: a cached head is never trusted to free a slot it does not show).
    #[inline(always)]
    pub fn sync_head(&mut self) -> u32 {
        self.cached_head = self.head_word().load(order::SQ_HEAD_LOAD);
        self.cached_head
    }

    /// Entries written (published or not) that the kernel has not consumed,
    /// by the cached head.
    #[inline(always)]
    pub fn len(&self) -> u32 {
        self.local_tail.wrapping_sub(self.cached_head)
    }

    /// Whether no entry is waiting for the kernel, by the cached head.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Entries written but not yet published with [`publish`](Self::publish).
    #[inline(always)]
    pub fn unpublished(&self) -> u32 {
        self.local_tail.wrapping_sub(self.tail_word().load(order::SQ_TAIL_LOAD))
    }

    /// Free slots, reloading the kernel head only if the cached one shows
    /// fewer than `want`.
    #[inline(always)]
    pub fn space_for(&mut self, want: u32) -> bool {
        let cap = self.ptr.entries;
        if cap - self.len() >= want {
            return true;
        }
        self.sync_head();
        cap - self.len() >= want
    }

    /// Free slots after reloading the kernel head.
    #[inline]
    pub fn space_left(&mut self) -> u32 {
        self.sync_head();
        self.ptr.entries - self.len()
    }

    /// Writes one 64-byte unit at 64-byte unit index `unit`.
    ///
    /// # Safety
    ///
    /// `unit` is inside the SQE array and its slot is not visible to the
    /// kernel (not in `[head, shared tail)`).
    #[inline(always)]
    unsafe fn write_unit(&self, unit: u32, sqe: &io_uring_sqe) {
        // SAFETY: per this function's contract the unit is in bounds and
        // the kernel is not reading it: either it was never published or
        // the acquire load of the head showed it consumed.
        unsafe { (*self.ptr.sqes.as_ptr().add(unit as usize)).with_mut(|p| p.write(*sqe)) };
    }

    /// Writes `sqe` at the next private position. It becomes visible to the
    /// kernel at the next [`publish`](Self::publish).
    ///
    /// # Safety
    ///
    /// The SQE must be valid for the kernel to execute: every pointer it
    /// carries (buffers, iovecs, paths, structures) must stay valid, and
    /// buffers the kernel writes must not be read or written by anything
    /// else, until the operation's final completion has been reaped (or,
    /// for data the kernel copies at submission, until it has consumed the
    /// entry). A file descriptor it names is looked up when the kernel
    /// issues the operation.
    ///
    /// On a ring set up with `IORING_SETUP_SQE128` the second half of the
    /// slot is zeroed; use [`push128`](Self::push128) to fill it.
    #[inline(always)]
    pub unsafe fn push(&mut self, sqe: &io_uring_sqe) -> Result<(), SqFull> {
        if !self.space_for(1) {
            return Err(SqFull);
        }
        let slot = self.local_tail & self.mask;
        // SAFETY: `slot <= mask`; `space_for` showed the position free: the
        // kernel's head, acquired, has moved past its previous use.
        unsafe { self.write_unit(slot << self.unit_shift, sqe) };
        if self.unit_shift == 1 {
            // On an SQE128 ring the slot's second half is the command area
            // of a URING_CMD: clear what an earlier entry left there, so a
            // 64-byte entry never carries another operation's bytes.
            // SAFETY: the same free slot's second unit.
            unsafe { self.write_unit((slot << 1) + 1, &io_uring_sqe::default()) };
        }
        self.local_tail = self.local_tail.wrapping_add(1);
        Ok(())
    }

    /// Writes the entry that `build` returns at the next private position,
    /// like [`push`](Self::push), but straight into the ring's slot: when
    /// `build` is inlined, the compiler stores the fields where the kernel
    /// will read them instead of building the entry on the stack and copying
    /// its 64 bytes. `build` runs only if there is room; if it panics,
    /// nothing was written and the private tail has not moved.
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push): the entry `build` returns must be valid
    /// for the kernel to execute until its completion.
    #[inline(always)]
    pub unsafe fn push_with(&mut self, build: impl FnOnce() -> io_uring_sqe) -> Result<(), SqFull> {
        if !self.space_for(1) {
            return Err(SqFull);
        }
        let slot = self.local_tail & self.mask;
        let unit = slot << self.unit_shift;
        // SAFETY: `slot <= mask`, so `unit` is inside the SQE array; `space_for` showed the position free (the kernel's
        // head, acquired, has moved past its previous use) and it is above the shared tail, invisible to the kernel.
        unsafe { (*self.ptr.sqes.as_ptr().add(unit as usize)).with_mut(|p| p.write(build())) };
        if self.unit_shift == 1 {
            // As in `push`: clear the second half on an SQE128 ring.
            // SAFETY: the same free slot's second unit.
            unsafe { self.write_unit(unit + 1, &io_uring_sqe::default()) };
        }
        self.local_tail = self.local_tail.wrapping_add(1);
        Ok(())
    }

    /// Reserves `n` consecutive private positions for entries that the
    /// returned [`SqBatch`] fills in place, checking for space once.
    ///
    /// Nothing is visible to anyone until [`SqBatch::commit`] moves the
    /// private tail past the entries filled; the next
    /// [`publish`](Self::publish) then hands them to the kernel with the
    /// usual release store of the shared tail. A batch dropped without
    /// `commit` leaves the private tail where it was: neither the entries it
    /// filled nor the positions it did not fill are ever published (bug
    /// classes 2.3 and 2.4: a chain filled through one batch is published
    /// whole or not at all).
    ///
    /// Returns [`SqFull`] without reserving anything if fewer than `n`
    /// slots are free (after reloading the kernel's head).
    ///
    /// # Safety
    ///
    /// Every entry filled through the batch must satisfy the contract of
    /// [`push`](Self::push).
    #[inline(always)]
    pub unsafe fn reserve(&mut self, n: u32) -> Result<SqBatch<'_>, SqFull> {
        if !self.space_for(n) {
            return Err(SqFull);
        }
        let shift = CELL_SHIFT + self.unit_shift;
        // The reservation as at most two contiguous runs of the array: from
        // the private tail's slot towards the end of the ring, then, if it
        // wraps, from the start. Offsets are scaled (see `CELL_SHIFT`):
        // `entries << shift` is at most 32768 * 128 bytes, so nothing here
        // overflows a `usize`.
        let start = ((self.local_tail & self.mask) as usize) << shift;
        let total = (n as usize) << shift;
        let ring = (self.ptr.entries as usize) << shift;
        let first = total.min(ring - start);
        Ok(SqBatch {
            base: self.ptr.sqes,
            cur: start,
            lim: start + first,
            wrap: total - first,
            n,
            shift,
            sqe128: self.unit_shift == 1,
            sq: self,
        })
    }

    /// Writes all of `sqes` at consecutive private positions, or none of
    /// them if they do not all fit. A linked chain pushed this way is
    /// published by one tail store and cannot be split across submissions.
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push), for every entry.
    pub unsafe fn push_all(&mut self, sqes: &[io_uring_sqe]) -> Result<(), SqFull> {
        let n = u32::try_from(sqes.len()).map_err(|_| SqFull)?;
        if !self.space_for(n) {
            return Err(SqFull);
        }
        for sqe in sqes {
            let slot = self.local_tail & self.mask;
            // SAFETY: as in `push`; space for all `n` was checked first.
            unsafe { self.write_unit(slot << self.unit_shift, sqe) };
            self.local_tail = self.local_tail.wrapping_add(1);
        }
        Ok(())
    }

    /// Writes a 128-byte entry: on an `IORING_SETUP_SQE128` ring into one
    /// slot, on an `IORING_SETUP_SQE_MIXED` ring into two consecutive slots
    /// (the opcode must be one of the `*128` opcodes there). A mixed ring's
    /// 128-byte entry may not straddle the end of the ring, so when it would,
    /// a NOP with `IOSQE_CQE_SKIP_SUCCESS` fills the last slot first.
    ///
    /// Returns [`SqFull`] without writing anything if there is no room, or
    /// on a ring that has neither mode.
    ///
    /// # Safety
    ///
    /// As for [`push`](Self::push).
    pub unsafe fn push128(&mut self, sqe: &io_uring_sqe128) -> Result<(), SqFull> {
        let [lo, hi] = split128(sqe);
        if self.unit_shift == 1 {
            if !self.space_for(1) {
                return Err(SqFull);
            }
            let unit = (self.local_tail & self.mask) << 1;
            // SAFETY: the slot is free (see `push`) and spans units
            // `unit` and `unit + 1`, both inside the array.
            unsafe {
                self.write_unit(unit, &lo);
                self.write_unit(unit + 1, &hi);
            }
            self.local_tail = self.local_tail.wrapping_add(1);
            return Ok(());
        }
        if !self.mixed {
            return Err(SqFull);
        }
        let at_end = self.local_tail & self.mask == self.mask;
        let need = if at_end { 3 } else { 2 };
        if !self.space_for(need) {
            return Err(SqFull);
        }
        if at_end {
            let mut nop = io_uring_sqe::default();
            nop.opcode = ring_sys::IORING_OP_NOP;
            nop.flags = ring_sys::IOSQE_CQE_SKIP_SUCCESS;
            // SAFETY: free slot, as in `push`.
            unsafe { self.write_unit(self.local_tail & self.mask, &nop) };
            self.local_tail = self.local_tail.wrapping_add(1);
        }
        let slot = self.local_tail & self.mask;
        // SAFETY: two free consecutive slots, the second not wrapping
        // (`slot < mask` after the filler).
        unsafe {
            self.write_unit(slot, &lo);
            self.write_unit(slot + 1, &hi);
        }
        self.local_tail = self.local_tail.wrapping_add(2);
        Ok(())
    }

    /// Makes every written entry visible to the kernel by storing the
    /// shared tail, and returns how many entries the kernel has yet to
    /// consume (by the cached head).
    ///
    /// Release ([`order::SQ_TAIL_STORE`]): pairs with the kernel's
    /// `smp_load_acquire` of the tail, so the SQE writes above happen before
    /// the kernel can read them (bug classes 1.2 and 1.7).
    #[inline(always)]
    pub fn publish(&mut self) -> u32 {
        self.tail_word().store(self.local_tail, order::SQ_TAIL_STORE);
        // The count must come from the kernel's current head, not the
        // cached one: a head cached before the last enter over-reports the
        // entries left, and the kernel, on submitting fewer than it was
        // told, returns at once without waiting or flushing overflowed
        // completions (`ret != to_submit` in `io_uring_enter`).
        self.sync_head();
        self.len()
    }

    /// The SQ ring flags (`IORING_SQ_*`), loaded relaxed: they only decide
    /// whether to enter the kernel.
    #[inline(always)]
    pub fn flags(&self) -> u32 {
        self.flags_word().load(order::SQ_FLAGS_LOAD)
    }

    /// Under SQPOLL, after [`publish`](Self::publish): whether the polling
    /// thread is asleep and needs `IORING_ENTER_SQ_WAKEUP`.
    ///
    /// Issues the full fence first ([`order::sqpoll_wakeup_fence`]): it
    /// pairs with the `smp_mb()` between the kernel thread's setting of
    /// `NEED_WAKEUP` and its re-check of the tail. Without it both sides can
    /// miss the other's store and the thread sleeps with work queued (bug
    /// class 1.1). This check must run on every submit path, including the
    /// ones that also wait (bug class 3.2).
    #[inline(always)]
    pub fn needs_wakeup(&self) -> bool {
        order::sqpoll_wakeup_fence();
        self.flags() & ring_sys::IORING_SQ_NEED_WAKEUP != 0
    }

    /// Whether the kernel holds completions that did not fit in the CQ
    /// (`IORING_SQ_CQ_OVERFLOW`): the next enter must carry GETEVENTS to
    /// flush them (bug class 3.1).
    #[inline(always)]
    pub fn cq_overflow(&self) -> bool {
        self.flags() & ring_sys::IORING_SQ_CQ_OVERFLOW != 0
    }

    /// Whether the kernel has task work waiting for an enter
    /// (`IORING_SQ_TASKRUN`, with `IORING_SETUP_TASKRUN_FLAG`).
    #[inline(always)]
    pub fn taskrun(&self) -> bool {
        self.flags() & ring_sys::IORING_SQ_TASKRUN != 0
    }

    /// How many entries the kernel dropped as invalid.
    pub fn dropped(&self) -> u32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.dropped.as_ref() }.load(order::COUNTER_LOAD)
    }

    /// The private tail: the position the next entry will be written at.
    #[inline]
    pub fn local_tail(&self) -> u32 {
        self.local_tail
    }

    /// Forgets entries written since `tail` but not yet published, so a
    /// reservation that could not be completed is rolled back (bug class 2.3).
    ///
    /// Does nothing if `tail` is not between the shared and the private tail.
    pub fn rollback_to(&mut self, tail: u32) {
        let published = self.tail_word().load(order::SQ_TAIL_LOAD);
        let unpublished = self.local_tail.wrapping_sub(published);
        if tail.wrapping_sub(published) <= unpublished {
            self.local_tail = tail;
        }
    }
}

/// How a batch position is scaled: by the size of one 64-byte SQE unit, so
/// a position is a byte offset into the array. Under loom the cells are
/// loom's (not 64 bytes), and positions are unit indices instead.
#[cfg(not(ring_loom))]
const CELL_SHIFT: u32 = 6;
#[cfg(ring_loom)]
const CELL_SHIFT: u32 = 0;

/// The cell at scaled position `off` (see [`CELL_SHIFT`]).
///
/// # Safety
///
/// `off >> CELL_SHIFT` must be a unit index inside the SQE array.
#[inline(always)]
unsafe fn cell_at<'a>(base: core::ptr::NonNull<UnsafeCell<io_uring_sqe>>, off: usize) -> &'a UnsafeCell<io_uring_sqe> {
    #[cfg(not(ring_loom))]
    // SAFETY: per the contract; units are exactly 64 bytes here (asserted
    // at the end of this file), so byte offset `off` starts a unit.
    unsafe {
        &*base.as_ptr().cast::<u8>().add(off).cast::<UnsafeCell<io_uring_sqe>>()
    }
    #[cfg(ring_loom)]
    // SAFETY: per the contract.
    unsafe {
        &*base.as_ptr().add(off)
    }
}

/// Positions reserved with [`SubmissionQueue::reserve`], filled in place.
///
/// The batch keeps the SQE array's base and its place in locals, so
/// filling an entry costs its stores and a few instructions; the queue's
/// private tail is written once, by [`commit`](Self::commit).
///
/// The reserved positions are kept as at most two contiguous runs of the
/// array (the second when the reservation wraps past the end of the ring),
/// as scaled offsets from its base: byte offsets, or unit indices under
/// loom (see `CELL_SHIFT`). Filling checks only the end of the current
/// run.
#[must_use = "entries filled into a batch are published only after `commit`"]
#[derive(Debug)]
pub struct SqBatch<'a> {
    sq: &'a mut SubmissionQueue,
    /// The SQE array.
    base: core::ptr::NonNull<UnsafeCell<io_uring_sqe>>,
    /// The next slot to fill (scaled offset).
    cur: usize,
    /// The end of the current run (scaled offset).
    lim: usize,
    /// The length of the run from the start of the array still to come
    /// (scaled; 0 if the reservation does not wrap or already did).
    wrap: usize,
    /// Positions reserved.
    n: u32,
    /// log2 of an entry's scaled size.
    shift: u32,
    /// `IORING_SETUP_SQE128`: the second half of each slot is zeroed too.
    sqe128: bool,
}

impl SqBatch<'_> {
    /// Reserved positions not filled yet.
    #[inline(always)]
    pub fn remaining(&self) -> u32 {
        ((self.lim - self.cur + self.wrap) >> self.shift) as u32
    }

    /// Entries filled so far.
    #[inline(always)]
    pub fn filled(&self) -> u32 {
        self.n - self.remaining()
    }

    /// Moves to the run at the start of the array, if the reservation wraps
    /// and that run is still to come.
    #[cold]
    fn next_run(&mut self) -> bool {
        if self.wrap == 0 {
            return false;
        }
        self.cur = 0;
        self.lim = self.wrap;
        self.wrap = 0;
        true
    }

    /// Fills the next reserved position in place: the slot is zeroed, then
    /// `f` sets the fields it needs, directly in the ring (no temporary
    /// entry is copied). Returns [`SqFull`], without calling `f`, once every
    /// reserved position is filled.
    ///
    /// On an `IORING_SETUP_SQE128` ring the slot's second half is zeroed
    /// too (as [`SubmissionQueue::push`] does).
    ///
    /// If `f` panics, the entry does not count as filled and is never
    /// published.
    #[inline(always)]
    pub fn fill(&mut self, f: impl FnOnce(&mut io_uring_sqe)) -> Result<(), SqFull> {
        if self.cur == self.lim && !self.next_run() {
            return Err(SqFull);
        }
        let off = self.cur;
        // SAFETY: `off` is a slot's scaled offset inside the SQE array (`reserve` split the reservation into runs that end by the
        // ring's end). Its position, in `[local_tail, local_tail + n)`, was shown free by an acquired head and is above the shared
        // tail (invisible to the kernel); the batch borrows the queue mutably, so nothing else writes the slot meanwhile.
        let cell = unsafe { cell_at(self.base, off) };
        cell.with_mut(|p| {
            // SAFETY: as above: a private, free, aligned slot of the live SQE array. Zeroing first makes every field
            // the caller does not set well-defined; the reference given to `f` does not outlive this closure.
            unsafe {
                p.write(io_uring_sqe::default());
                f(&mut *p);
            }
        });
        if self.sqe128 {
            // SAFETY: the same private slot's second 64-byte unit; clearing
            // it keeps another operation's command bytes out (see `push`).
            let hi = unsafe { cell_at(self.base, off + (1 << CELL_SHIFT)) };
            // SAFETY: as above.
            hi.with_mut(|p| unsafe { p.write(io_uring_sqe::default()) });
        }
        self.cur = off + (1 << self.shift);
        Ok(())
    }

    /// Copies `sqe` into the next reserved position (see [`fill`](Self::fill)).
    #[inline(always)]
    pub fn write(&mut self, sqe: &io_uring_sqe) -> Result<(), SqFull> {
        self.fill(|slot| *slot = *sqe)
    }

    /// Moves the queue's private tail past every entry filled, so the next
    /// [`SubmissionQueue::publish`] hands them to the kernel. Reserved
    /// positions left unfilled are given back. Returns how many entries
    /// were committed.
    #[inline(always)]
    pub fn commit(self) -> u32 {
        let n = self.filled();
        self.sq.local_tail = self.sq.local_tail.wrapping_add(n);
        n
    }
}

/// The two 64-byte halves of a 128-byte entry.
fn split128(sqe: &io_uring_sqe128) -> [io_uring_sqe; 2] {
    const _: () = assert!(core::mem::size_of::<io_uring_sqe128>() == 128);
    // SAFETY: `io_uring_sqe128` is 128 bytes of plain integers with no
    // padding requirements beyond alignment 8, the same layout as two
    // consecutive `io_uring_sqe`; every bit pattern of an SQE is valid.
    unsafe { core::mem::transmute_copy::<io_uring_sqe128, [io_uring_sqe; 2]>(sqe) }
}

/// Copies the outstanding 128-byte SQEs again, whole, from the SQ of a ring
/// before a resize to the SQ after it: kernels without a later upstream
/// fix copy only the first 64 bytes of each (see
/// [`crate::raw::register`]'s resize). Every entry is copied one 64-byte
/// unit at a time through the `sync` cells, like every other access to the
/// entries, so the loom model of a resize runs this code.
///
/// # Safety
///
/// Both pointers describe live SQs of a ring set up with
/// `IORING_SETUP_SQE128` (two 64-byte units per slot), in distinct memory,
/// that nothing else accesses during the call; `new` holds the head and
/// tail the kernel carried over.
#[doc(hidden)]
pub unsafe fn recopy_big_sqes(old: &SqPointers, new: &SqPointers) {
    // Acquire and relaxed as in the queues: the kernel wrote these words
    // before the register call returned, which already orders them.
    // SAFETY: live ring words per this function's contract.
    let (head, tail) =
        unsafe { (new.head.as_ref().load(order::SQ_HEAD_LOAD), new.tail.as_ref().load(order::SQ_TAIL_LOAD)) };
    let mut pos = head;
    while pos != tail {
        let from = ((pos & (old.entries - 1)) as usize) << 1;
        let to = ((pos & (new.entries - 1)) as usize) << 1;
        for unit in 0..2 {
            // SAFETY: both units are inside their SQE arrays (`entries`
            // slots of two 64-byte units each), the arrays are distinct
            // mappings, and nothing else accesses them now.
            unsafe {
                let v = (*old.sqes.as_ptr().add(from + unit)).with(|p| p.read());
                (*new.sqes.as_ptr().add(to + unit)).with_mut(|p| p.write(v));
            }
        }
        pos = pos.wrapping_add(1);
    }
}

// The SQE array is addressed as `UnsafeCell<io_uring_sqe>` units; in
// ordinary builds the cell is transparent, so a unit is exactly 64 bytes.
#[cfg(not(ring_loom))]
const _: () = assert!(core::mem::size_of::<crate::sync::UnsafeCell<io_uring_sqe>>() == 64);
