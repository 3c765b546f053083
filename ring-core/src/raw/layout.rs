//! Where each shared word and entry of a ring sits, as typed pointers.
//!
//! After `io_uring_setup(2)` the kernel reports, in `io_uring_params`, the
//! byte offset of every field inside the SQ ring region (`sq_off`) and the
//! CQ ring region (`cq_off`); the SQEs live in a region of their own. This
//! module turns (region, offset) pairs into typed pointers once, checking
//! that every field lies inside its region and is aligned, so that the
//! queue code never does byte arithmetic.
//!
//! A loom model builds the same [`SqPointers`] and [`CqPointers`] from
//! loom-allocated words instead (see [`crate::sync`]); the queues cannot
//! tell the difference.
//!
//! The lengths a ring's regions take, and typed pointers over memory laid
//! out as the kernel reported: here ordinary memory standing in for the
//! kernel's, with the two words `io_uring_setup` writes.
//!
//! ```
//! use ring_core::buf::{BackingMemory, MmapMemory};
//! use ring_core::layout::{cq_ring_len, cqe_size, pointers, sq_ring_len, sqe_size, sqes_len, CqPointers, RingRegion, SqPointers};
//! use std::ptr::NonNull;
//!
//! let ring = ring_core::Ring::new(8)?;
//! let p = ring.params();
//! assert_eq!((sqe_size(p.flags), cqe_size(p.flags)), (64, 16));
//! assert_eq!(sqes_len(p), p.sq_entries as usize * 64);
//! // Both rings in one region, as the kernel maps them (`IORING_FEAT_SINGLE_MMAP`;
//! // without the SQ index array the SQ words are inside the CQ region).
//! let rings_len = sq_ring_len(p).max(cq_ring_len(p));
//! assert!(rings_len >= cq_ring_len(p) && rings_len > 0);
//! let (rings, sqes) = (MmapMemory::anonymous(rings_len)?, MmapMemory::anonymous(sqes_len(p))?);
//! rings.write_at(u64::from(p.sq_off.ring_entries), &p.sq_entries.to_ne_bytes())?;
//! rings.write_at(u64::from(p.sq_off.ring_mask), &(p.sq_entries - 1).to_ne_bytes())?;
//! rings.write_at(u64::from(p.cq_off.ring_entries), &p.cq_entries.to_ne_bytes())?;
//! rings.write_at(u64::from(p.cq_off.ring_mask), &(p.cq_entries - 1).to_ne_bytes())?;
//! let region = |m: &MmapMemory| RingRegion { base: NonNull::new(m.base()).expect("mapped"), len: m.size() };
//! // SAFETY: both regions are ours, readable and writable, mapped until
//! // the end, and hold the entry counts and masks set above.
//! let (sqp, cqp): (SqPointers, CqPointers) = unsafe { pointers(p, region(&rings), region(&rings), region(&sqes)) }?;
//! let _ = (sqp, cqp); // what `SubmissionQueue::new` and `CompletionQueue::new` take
//! // A region too short for the offsets is refused, not trusted.
//! let short = RingRegion { base: NonNull::new(rings.base()).unwrap(), len: 4 };
//! // SAFETY: as above; the call only checks.
//! assert!(unsafe { pointers(p, short, short, region(&sqes)) }.is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::sync::{AtomicU32, UnsafeCell};
use core::ptr::NonNull;
use ring_sys::{io_uring_cqe, io_uring_params, io_uring_sqe};

/// Pointers to the submission ring's shared words and entries.
///
/// Who writes what (after `struct io_rings` in the kernel):
/// - `head`: the kernel, as it consumes entries; the application only reads.
/// - `tail`: the application, as it publishes entries; the kernel only reads.
/// - `flags`: the kernel (`IORING_SQ_NEED_WAKEUP`, `IORING_SQ_CQ_OVERFLOW`,
///   `IORING_SQ_TASKRUN`); the application only reads.
/// - `dropped`: the kernel counts entries it found invalid and skipped.
/// - `array`: the application (absent with `IORING_SETUP_NO_SQARRAY`); it
///   maps ring positions to SQE indices. ring-core fills it once with the
///   identity mapping and never writes it again.
/// - `sqes`: the application writes entries; the kernel reads an entry
///   after it acquires a tail that covers it, and is done with it once the
///   head has moved past it.
#[derive(Debug, Clone, Copy)]
pub struct SqPointers {
    /// The SQ head.
    pub head: NonNull<AtomicU32>,
    /// The SQ tail.
    pub tail: NonNull<AtomicU32>,
    /// The SQ ring flags.
    pub flags: NonNull<AtomicU32>,
    /// The count of dropped (invalid) SQEs.
    pub dropped: NonNull<AtomicU32>,
    /// The index array, unless the ring was set up with `NO_SQARRAY`.
    pub array: Option<NonNull<UnsafeCell<u32>>>,
    /// The SQE array, in 64-byte units (an SQE128 entry spans two).
    pub sqes: NonNull<UnsafeCell<io_uring_sqe>>,
    /// The number of entries (a power of two).
    pub entries: u32,
}

/// Pointers to the completion ring's shared words and entries.
///
/// Who writes what:
/// - `head`: the application, as it consumes entries; the kernel only reads.
/// - `tail`: the kernel, as it posts entries; the application only reads.
/// - `flags`: the application (`IORING_CQ_EVENTFD_DISABLED`); absent on
///   kernels before 5.8, where the offset is 0.
/// - `overflow`: the kernel counts completions it could not post.
/// - `cqes`: the kernel writes an entry before the release store of the
///   tail that covers it; the application reads it before the release
///   store of the head that gives the slot back.
#[derive(Debug, Clone, Copy)]
pub struct CqPointers {
    /// The CQ head.
    pub head: NonNull<AtomicU32>,
    /// The CQ tail.
    pub tail: NonNull<AtomicU32>,
    /// The CQ ring flags, if the kernel has them.
    pub flags: Option<NonNull<AtomicU32>>,
    /// The overflow counter.
    pub overflow: NonNull<AtomicU32>,
    /// The CQE array, in 16-byte units (a 32-byte CQE spans two).
    pub cqes: NonNull<UnsafeCell<io_uring_cqe>>,
    /// The number of entries (a power of two).
    pub entries: u32,
}

/// A region of ring memory: its base and length in bytes. (Not to be
/// confused with [`crate::ownership::buf::Region`], a heap region that
/// operations share.)
#[derive(Debug, Clone, Copy)]
pub struct RingRegion {
    /// First byte.
    pub base: NonNull<u8>,
    /// Length in bytes.
    pub len: usize,
}

/// The earlier name of [`RingRegion`].
#[deprecated(note = "renamed `RingRegion` (`buf::Region` is another thing)")]
pub type Region = RingRegion;

impl RingRegion {
    /// A pointer to a `T` at byte `offset`, if `T` fits inside the region
    /// there and the address is aligned for `T`.
    fn field<T>(&self, offset: u32, count: usize, what: &'static str) -> Result<NonNull<T>, crate::error::Error> {
        let offset = offset as usize;
        let size = core::mem::size_of::<T>().checked_mul(count);
        let end = size.and_then(|s| offset.checked_add(s));
        if end.is_none_or(|end| end > self.len) {
            return Err(Error::InvalidArgument(what));
        }
        // SAFETY: `offset + size_of::<T>() * count <= len`, so the pointer
        // stays inside the region (one-past-the-end at most for count 0).
        let ptr = unsafe { self.base.as_ptr().add(offset) };
        if (ptr as usize) % core::mem::align_of::<T>() != 0 {
            return Err(Error::InvalidArgument(what));
        }
        // SAFETY: derived from a non-null base by an in-bounds offset.
        Ok(unsafe { NonNull::new_unchecked(ptr.cast()) })
    }
}

/// The size of one SQE slot in bytes, per the setup flags.
pub fn sqe_size(setup_flags: u32) -> usize {
    if setup_flags & ring_sys::IORING_SETUP_SQE128 != 0 {
        128
    } else {
        64
    }
}

/// The size of one CQE slot in bytes, per the setup flags.
pub fn cqe_size(setup_flags: u32) -> usize {
    if setup_flags & ring_sys::IORING_SETUP_CQE32 != 0 {
        32
    } else {
        16
    }
}

/// The byte length of the SQ ring region the kernel describes in `p`.
pub fn sq_ring_len(p: &io_uring_params) -> usize {
    if p.flags & ring_sys::IORING_SETUP_NO_SQARRAY != 0 {
        // Without the index array the SQ words are the first fields of the
        // shared `struct io_rings`, which the CQ region (mapped as one with
        // it, `IORING_FEAT_SINGLE_MMAP`, on every kernel that has
        // NO_SQARRAY) covers in full.
        0
    } else {
        // Saturating: the offsets come from the caller's (or the kernel's)
        // parameters, and on a 32-bit target the sum could overflow; a
        // saturated length is refused where the region is checked.
        (p.sq_off.array as usize).saturating_add((p.sq_entries as usize).saturating_mul(core::mem::size_of::<u32>()))
    }
}

/// The byte length of the CQ ring region the kernel describes in `p`.
pub fn cq_ring_len(p: &io_uring_params) -> usize {
    (p.cq_off.cqes as usize).saturating_add((p.cq_entries as usize).saturating_mul(cqe_size(p.flags)))
}

/// The byte length of the SQE region.
pub fn sqes_len(p: &io_uring_params) -> usize {
    (p.sq_entries as usize).saturating_mul(sqe_size(p.flags))
}

/// Builds the typed pointers for a ring from its three regions (the SQ and
/// CQ regions may be the same memory) and the offsets in `p`.
///
/// Every field is checked to lie inside its region and to be aligned, and
/// the ring sizes to be non-zero powers of two that agree with the sizes in
/// `p`; a mismatch is an [`Error::InvalidArgument`], never undefined
/// behaviour.
///
/// # Safety
///
/// The regions must be valid for reads and writes, shared with the kernel
/// (or a stand-in honouring [`crate::Kernel`]'s contract), and must stay
/// mapped for as long as the returned pointers are used. The kernel must
/// already have written `ring_mask` and `ring_entries` in them.
pub unsafe fn pointers(
    p: &io_uring_params,
    sq: RingRegion,
    cq: RingRegion,
    sqes: RingRegion,
) -> Result<(SqPointers, CqPointers)> {
    let sq_entries_word: NonNull<u32> = sq.field(p.sq_off.ring_entries, 1, "sq_off.ring_entries")?;
    let cq_entries_word: NonNull<u32> = cq.field(p.cq_off.ring_entries, 1, "cq_off.ring_entries")?;
    // SAFETY: in bounds and aligned (checked above); the kernel wrote these
    // words once during setup and never changes them.
    let (sq_entries, cq_entries) =
        unsafe { (sq_entries_word.as_ptr().read_volatile(), cq_entries_word.as_ptr().read_volatile()) };
    if !sq_entries.is_power_of_two() || sq_entries != p.sq_entries {
        return Err(Error::InvalidArgument("sq ring_entries disagrees with params"));
    }
    if !cq_entries.is_power_of_two() || cq_entries != p.cq_entries {
        return Err(Error::InvalidArgument("cq ring_entries disagrees with params"));
    }
    let sqe_units = sq_entries as usize * (sqe_size(p.flags) / 64);
    let cqe_units = cq_entries as usize * (cqe_size(p.flags) / 16);
    let array = if p.flags & ring_sys::IORING_SETUP_NO_SQARRAY != 0 {
        None
    } else {
        Some(sq.field(p.sq_off.array, sq_entries as usize, "sq_off.array")?)
    };
    let cq_flags = if p.cq_off.flags == 0 { None } else { Some(cq.field(p.cq_off.flags, 1, "cq_off.flags")?) };
    let sqp = SqPointers {
        head: sq.field(p.sq_off.head, 1, "sq_off.head")?,
        tail: sq.field(p.sq_off.tail, 1, "sq_off.tail")?,
        flags: sq.field(p.sq_off.flags, 1, "sq_off.flags")?,
        dropped: sq.field(p.sq_off.dropped, 1, "sq_off.dropped")?,
        array,
        sqes: sqes.field(0, sqe_units, "sqes")?,
        entries: sq_entries,
    };
    let cqp = CqPointers {
        head: cq.field(p.cq_off.head, 1, "cq_off.head")?,
        tail: cq.field(p.cq_off.tail, 1, "cq_off.tail")?,
        flags: cq_flags,
        overflow: cq.field(p.cq_off.overflow, 1, "cq_off.overflow")?,
        cqes: cq.field(p.cq_off.cqes, cqe_units, "cq_off.cqes")?,
        entries: cq_entries,
    };
    Ok((sqp, cqp))
}
