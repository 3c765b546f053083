//! The SQ side of a ring resize: 128-byte entries copied again, whole,
//! into the resized ring.
#![allow(unsafe_code)]

use crate::order;
use crate::raw::layout::SqPointers;

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
