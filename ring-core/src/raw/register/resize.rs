//! Resizing the rings: `IORING_REGISTER_RESIZE_RINGS` (33).
//!
//! The kernel allocates new SQ and CQ rings (or pins new application memory
//! for a `IORING_SETUP_NO_MMAP` ring), copies the entries that are still
//! outstanding, by position, into them (the SQEs from its head to the
//! shared tail, the CQEs from the shared head to its tail), carries the
//! head, tail, flag and counter words over, swaps the rings and frees the
//! old ones. The application then maps the new rings at the usual offsets,
//! which the kernel reports in the `io_uring_params` it writes back, and
//! builds its queues on them. The kernel allows this only for rings set up
//! with `IORING_SETUP_DEFER_TASKRUN`, where no other context submits or
//! posts completions behind the application's back.
//!
//! What [`Ring::resize_rings`] adds to keep every entry consistent:
//! - SQEs written but not yet published are published first, so the kernel
//!   copies them; they are submitted by the next enter, as before.
//! - The SQ index array is not copied by the kernel; it is refilled with
//!   the identity mapping before anything can be submitted, which is what
//!   the copied positions assume.
//! - Kernels without a later upstream fix copy only the first 64 bytes of a
//!   128-byte SQE (`IORING_SETUP_SQE128`) and the first 16 bytes of a
//!   32-byte CQE (`IORING_SETUP_CQE32`), one slot per position; those
//!   entries are copied again, whole, from the old rings, which stay mapped
//!   until the end.
//! - With mixed entry sizes (`SQE_MIXED`, `CQE_MIXED`) a two-slot entry
//!   could land across the end of the new ring, so such a queue must be
//!   empty to be resized.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::cqueue::{recopy_big_cqes, CompletionQueue};
use crate::raw::layout;
use crate::raw::memory::{self, NoMmapMemory, MAX_CQ, MAX_SQ};
use crate::raw::ring::Ring;
use crate::raw::squeue::{recopy_big_sqes, SubmissionQueue};
use ring_sys::*;

/// The setup flags a resized ring inherits (the kernel's `COPY_FLAGS`);
/// they may not be passed to the resize itself.
const COPY_FLAGS: u32 = IORING_SETUP_NO_SQARRAY
    | IORING_SETUP_SQE128
    | IORING_SETUP_CQE32
    | IORING_SETUP_NO_MMAP
    | IORING_SETUP_CQE_MIXED
    | IORING_SETUP_SQE_MIXED;

impl<K: Kernel> Ring<K> {
    /// Resizes the rings to `sq_entries` SQ entries and `cq_entries` CQ
    /// entries (default: twice the SQ), each rounded up to a power of two
    /// (`IORING_REGISTER_RESIZE_RINGS`, Linux 6.13). The ring must have been
    /// set up with `IORING_SETUP_DEFER_TASKRUN` ([`crate::Builder::defer_taskrun`]).
    ///
    /// Everything outstanding survives: written SQEs (published first, see
    /// the module documentation), unreaped CQEs, and requests in flight,
    /// whose completions land in the new CQ. The new sizes must hold the
    /// outstanding entries ([`Error::TooLong`] otherwise, before the kernel
    /// is asked). A `NO_MMAP` ring gets new memory from ring-core whatever
    /// it had before (a page per ring, or a 2 MiB huge page).
    ///
    /// If mapping the new rings fails after the kernel has swapped them (an
    /// out-of-memory `mmap`), the error is returned and the ring cannot be
    /// used any more: its queues still point at the old, retired rings. Drop
    /// it.
    pub fn resize_rings(&mut self, sq_entries: u32, cq_entries: Option<u32>) -> Result<(), crate::error::Error> {
        let flags = self.params.flags;
        if flags & IORING_SETUP_DEFER_TASKRUN == 0 {
            return Err(Error::NotConfigured("resizing needs a ring set up with IORING_SETUP_DEFER_TASKRUN"));
        }
        if sq_entries == 0 || sq_entries > MAX_SQ {
            return Err(Error::RingSize { which: "sq", requested: sq_entries, max: MAX_SQ });
        }
        let new_sq = sq_entries.next_power_of_two();
        let new_cq = match cq_entries {
            Some(c) if c == 0 || c > MAX_CQ => return Err(Error::RingSize { which: "cq", requested: c, max: MAX_CQ }),
            Some(c) if c.next_power_of_two() < new_sq => {
                return Err(Error::InvalidArgument("the CQ must have at least as many entries as the SQ"))
            }
            Some(c) => c.next_power_of_two(),
            None => new_sq * 2,
        };
        // Everything written, published or not, and not yet consumed by the
        // kernel must fit in the new SQ; everything posted and not reaped,
        // in the new CQ.
        let sq_pending = self.sq.local_tail().wrapping_sub(self.sq.sync_head());
        let cq_pending = self.cq.ready();
        if sq_pending > new_sq {
            return Err(Error::TooLong {
                what: "unconsumed SQEs for the new SQ size",
                len: sq_pending as usize,
                max: new_sq as usize,
            });
        }
        if cq_pending > new_cq {
            return Err(Error::TooLong {
                what: "unreaped CQEs for the new CQ size",
                len: cq_pending as usize,
                max: new_cq as usize,
            });
        }
        if flags & IORING_SETUP_SQE_MIXED != 0 && sq_pending != 0 {
            return Err(Error::InvalidArgument("a ring with mixed-size SQEs can be resized only with an empty SQ"));
        }
        if flags & IORING_SETUP_CQE_MIXED != 0 && cq_pending != 0 {
            return Err(Error::InvalidArgument("a ring with mixed-size CQEs can be resized only with an empty CQ"));
        }
        // The kernel copies the SQEs up to the shared tail only.
        self.sq.publish();

        let mut p = io_uring_params { sq_entries, ..Default::default() };
        if let Some(c) = cq_entries {
            p.cq_entries = c;
            p.flags = IORING_SETUP_CQSIZE;
        }
        let fresh = if flags & IORING_SETUP_NO_MMAP != 0 {
            // The memory is sized for the flags the kernel will apply, which
            // may not be passed in `p` itself.
            let mut sizing = p;
            sizing.flags |= flags & COPY_FLAGS;
            let m = memory::prepare_no_mmap(sq_entries, &mut sizing, NoMmapMemory::Allocate)?;
            p.sq_off.user_addr = sizing.sq_off.user_addr;
            p.cq_off.user_addr = sizing.cq_off.user_addr;
            Some(m)
        } else {
            None
        };
        // SAFETY: `p` is read and written back during the call. The memory
        // a NO_MMAP resize names is fresh memory that becomes the ring's
        // (`self.memory`) below and lives as long as the ring.
        let r = unsafe { self.register_typed(IORING_REGISTER_RESIZE_RINGS, (&raw mut p).cast_const().cast(), 1) };
        if let Err(e) = r {
            if let Some(m) = fresh {
                // SAFETY: the resize failed, so the kernel holds no
                // reference to the new memory.
                unsafe { m.release(&self.kernel) };
            }
            return Err(e);
        }

        // The kernel wrote the new sizes and offsets back into `p`.
        let mut np = self.params;
        np.sq_entries = p.sq_entries;
        np.cq_entries = p.cq_entries;
        np.sq_off = p.sq_off;
        np.cq_off = p.cq_off;
        let new_memory = match fresh {
            Some(m) => m,
            None => memory::map(&self.kernel, self.fd, &np)?,
        };
        let (sqr, cqr, sqesr) = new_memory.regions();
        // SAFETY: the regions are the new rings, mapped (or provided) just
        // now, in which the kernel wrote the ring sizes during the resize;
        // they live as long as `self.memory`, which they become below.
        let new_ptrs = unsafe { layout::pointers(&np, sqr, cqr, sqesr) };
        let (sqp, cqp) = match new_ptrs {
            Ok(ptrs) => ptrs,
            Err(e) => {
                // SAFETY: nothing was built on the new memory. Unmapping our
                // view is harmless to the kernel, which keeps its own
                // references to ring pages.
                unsafe { new_memory.release(&self.kernel) };
                return Err(e);
            }
        };
        let (osq, ocq, osqes) = self.memory.regions();
        // SAFETY: the old regions are still mapped (released only at the
        // end) and were built into pointers the same way at setup.
        let old_ptrs = unsafe { layout::pointers(&self.params, osq, ocq, osqes) };
        if let Ok((osqp, ocqp)) = old_ptrs {
            // SAFETY: old and new rings are both mapped; the kernel touches
            // neither until the next enter (DEFER_TASKRUN: nothing submits
            // or posts behind our back), and we hold `&mut self`.
            unsafe { recopy_big_entries(flags, &osqp, &ocqp, &sqp, &cqp) };
        }

        // SAFETY: the pointers describe the new rings, which the ring owns
        // from here on, and the ring is their only producer and consumer.
        let (sq, cq) = unsafe {
            (
                SubmissionQueue::new(sqp, flags & IORING_SETUP_SQE128 != 0, flags & IORING_SETUP_SQE_MIXED != 0),
                CompletionQueue::new(cqp, flags & IORING_SETUP_CQE32 != 0, flags & IORING_SETUP_CQE_MIXED != 0),
            )
        };
        // SAFETY: the kernel reads the index array only while submitting, inside our own next enter (there is no SQPOLL
        // thread with DEFER_TASKRUN). The published entries it will then read were copied by position, which the
        // identity mapping written here makes the SQE index, as it was in the old ring.
        unsafe { sq.init_array() };
        let old_memory = core::mem::replace(&mut self.memory, new_memory);
        self.sq = sq;
        self.cq = cq;
        self.params = np;
        // SAFETY: the queues now use the new memory; nothing refers to the
        // old regions, which the kernel has already let go.
        unsafe { old_memory.release(&self.kernel) };
        Ok(())
    }
}

/// Copies the outstanding 128-byte SQEs and 32-byte CQEs again, whole,
/// from the old rings to the new ones (see the module documentation). The
/// copying is the queues' own ([`crate::raw::squeue::recopy_big_sqes`],
/// [`crate::raw::cqueue::recopy_big_cqes`]): only they touch ring words
/// and entries. Exposed for the verification crate's loom model of a
/// resize (`verification/tests/loom_resize.rs`), which runs this very code.
///
/// # Safety
///
/// Both sets of pointers describe live rings that nothing else accesses
/// during the call (the kernel has finished the resize and, with
/// `DEFER_TASKRUN`, touches neither ring until the next enter); the new
/// rings hold the head and tail the kernel carried over; the SQE arrays
/// hold two units per slot when `flags` has `IORING_SETUP_SQE128`, the CQE
/// arrays two per slot with `IORING_SETUP_CQE32`.
#[doc(hidden)]
pub unsafe fn recopy_big_entries(
    flags: u32,
    old_sq: &layout::SqPointers,
    old_cq: &layout::CqPointers,
    new_sq: &layout::SqPointers,
    new_cq: &layout::CqPointers,
) {
    if flags & IORING_SETUP_SQE128 != 0 {
        // SAFETY: this function's contract, for the SQ (128-byte SQEs).
        unsafe { recopy_big_sqes(old_sq, new_sq) };
    }
    if flags & IORING_SETUP_CQE32 != 0 {
        // SAFETY: this function's contract, for the CQ (32-byte CQEs).
        unsafe { recopy_big_cqes(old_cq, new_cq) };
    }
}
