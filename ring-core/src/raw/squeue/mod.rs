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
use crate::sync::AtomicU32;
use ring_sys::{io_uring_sqe, io_uring_sqe128};

mod batch;
mod resize;

pub use batch::SqBatch;
pub use resize::recopy_big_sqes;

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
///
/// ```
/// use ring_core::opcode::Nop;
/// use ring_core::squeue::{SqBatch, SqFull};
/// use ring_core::Ring;
///
/// let mut ring = Ring::new(4)?;
/// let sq = ring.sq();
/// assert_eq!((sq.capacity(), sq.len(), sq.is_empty()), (4, 0, true));
/// assert!(sq.space_for(4) && sq.space_left() == 4);
/// let nop = Nop::new().build().user_data(1).into_sqe();
/// // SAFETY: NOPs touch no memory.
/// unsafe {
///     sq.push(&nop).expect("room");
///     sq.push_with(|| Nop::new().build().user_data(2).into_sqe()).expect("room");
/// }
/// assert_eq!((sq.unpublished(), sq.len()), (2, 2));
/// // Taken back before the kernel saw them.
/// let tail = sq.local_tail();
/// // SAFETY: as above.
/// unsafe { sq.push(&nop) }.expect("room");
/// sq.rollback_to(tail);
/// assert_eq!(sq.unpublished(), 2);
/// // Several at once, or none if they do not all fit.
/// // SAFETY: as above.
/// let full: Result<(), SqFull> = unsafe { sq.push_all(&[nop; 3]) };
/// assert!(full.is_err() && sq.len() == 2);
/// // A batch written in place: all or nothing, committed at once.
/// // SAFETY: as above.
/// let mut batch: SqBatch<'_> = unsafe { sq.reserve(2) }.expect("room for two");
/// assert_eq!((batch.remaining(), batch.filled()), (2, 0));
/// batch.write(&nop).expect("reserved");
/// batch.fill(|sqe| *sqe = Nop::new().build().user_data(4).into_sqe()).expect("reserved");
/// assert_eq!(batch.commit(), 2);
/// assert_eq!(sq.publish(), 4);
/// assert!(!sq.needs_wakeup() && !sq.cq_overflow() && !sq.taskrun());
/// assert_eq!((sq.dropped(), sq.flags() & ring_core::sys::IORING_SQ_CQ_OVERFLOW), (0, 0));
/// ring.submit_and_wait(4)?;
/// assert_eq!(ring.sq().sync_head(), 4);
/// // 128-byte entries need a ring of them (5.19).
/// match ring_core::Builder::new(2).sqe128().build() {
///     Ok(mut wide) => {
///         let big = ring_core::types::Entry128::from_entry(Nop::new().build()).into_sqe();
///         // SAFETY: as above.
///         unsafe { wide.sq().push128(&big) }.expect("room");
///     }
///     Err(e) => println!("no 128-byte entries here: {e}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

/// The two 64-byte halves of a 128-byte entry.
fn split128(sqe: &io_uring_sqe128) -> [io_uring_sqe; 2] {
    const _: () = assert!(core::mem::size_of::<io_uring_sqe128>() == 128);
    // SAFETY: `io_uring_sqe128` is 128 bytes of plain integers with no
    // padding requirements beyond alignment 8, the same layout as two
    // consecutive `io_uring_sqe`; every bit pattern of an SQE is valid.
    unsafe { core::mem::transmute_copy::<io_uring_sqe128, [io_uring_sqe; 2]>(sqe) }
}

// The SQE array is addressed as `UnsafeCell<io_uring_sqe>` units; in
// ordinary builds the cell is transparent, so a unit is exactly 64 bytes.
#[cfg(not(ring_loom))]
const _: () = assert!(core::mem::size_of::<crate::sync::UnsafeCell<io_uring_sqe>>() == 64);
