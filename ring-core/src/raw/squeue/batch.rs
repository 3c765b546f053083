//! Filling reserved positions in place: [`SubmissionQueue::reserve`] and
//! the [`SqBatch`] it returns.
#![allow(unsafe_code)]

use super::{SqFull, SubmissionQueue};
use crate::sync::UnsafeCell;
use ring_sys::io_uring_sqe;

impl SubmissionQueue {
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
