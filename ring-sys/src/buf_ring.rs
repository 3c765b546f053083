//! Provided-buffer rings (`IORING_REGISTER_PBUF_RING`, Linux 5.19): the
//! ring of `io_uring_buf` entries the application fills and the kernel
//! takes buffers from, its tail overlaid on the first entry, and the
//! registration and status arguments.

use crate::types::impl_zeroed;

/// One buffer of a provided-buffer ring. Linux 5.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_buf {
    /// The user address of the buffer.
    pub addr: u64,
    /// Its length in bytes.
    pub len: u32,
    /// The buffer ID reported in `cqe.flags`.
    pub bid: u16,
    /// Not used by the kernel; in entry 0 it is the ring tail (see
    /// [`io_uring_buf_ring`]).
    pub resv: u16,
}

/// A provided-buffer ring: an array of [`io_uring_buf`] whose tail index,
/// written by the application, overlays the `resv` field of entry 0.
/// Linux 5.19.
///
/// In C the struct is a union of that array with `{ resv1: u64, resv2: u32,
/// resv3: u16, tail: u16 }`, so that the tail costs no extra memory; the
/// size of the C struct is therefore that of one `io_uring_buf` (16 bytes).
/// Here it is only the array, a zero-sized flexible array member; the tail
/// is the `u16` at byte [`IO_URING_BUF_RING_TAIL_OFFSET`] (14), which
/// [`io_uring_buf_ring::tail_ptr`] computes, and
/// [`io_uring_buf_ring_resv1_s`] is the C union's other member, for code
/// that wants the kernel's names. Entry 0 is still a buffer; only its
/// `resv` belongs to the tail.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct io_uring_buf_ring {
    /// The ring entries; their number is the `ring_entries` registered.
    pub bufs: [io_uring_buf; 0],
}

/// The first 16 bytes of an [`io_uring_buf_ring`] seen as the C union's
/// other member, the anonymous struct `{ resv1, resv2, resv3, tail }` that
/// overlays entry 0 (`addr`, `len`, `bid`, `resv`). Linux 5.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_buf_ring_resv1_s {
    /// Overlays `bufs[0].addr`.
    pub resv1: u64,
    /// Overlays `bufs[0].len`.
    pub resv2: u32,
    /// Overlays `bufs[0].bid`.
    pub resv3: u16,
    /// The ring tail, written by the application; overlays `bufs[0].resv`.
    pub tail: u16,
}

/// The byte offset of the tail (`u16`) in an [`io_uring_buf_ring`]: the
/// `resv` field of entry 0. Linux 5.19.
pub const IO_URING_BUF_RING_TAIL_OFFSET: usize = core::mem::offset_of!(io_uring_buf_ring_resv1_s, tail);

impl io_uring_buf_ring {
    /// The byte offset of the tail, as [`IO_URING_BUF_RING_TAIL_OFFSET`]. Linux 5.19.
    pub const TAIL_OFFSET: usize = IO_URING_BUF_RING_TAIL_OFFSET;

    /// Returns a pointer to the tail of the ring at `ring`, computed without
    /// dereferencing; the tail is shared with the kernel, so access it
    /// atomically (release stores). Linux 5.19.
    #[inline]
    #[must_use]
    pub const fn tail_ptr(ring: *mut io_uring_buf_ring) -> *mut u16 {
        ring.cast::<u8>().wrapping_add(IO_URING_BUF_RING_TAIL_OFFSET).cast::<u16>()
    }
}

/// `io_uring_buf_reg.flags`: the kernel allocates the ring, which the
/// application then maps with `mmap(2)` at `IORING_OFF_PBUF_RING |
/// (bgid << IORING_OFF_PBUF_SHIFT)` instead of passing `ring_addr`; Linux 6.4.
pub const IOU_PBUF_RING_MMAP: u16 = 1;
/// `io_uring_buf_reg.flags`: buffers are consumed incrementally, so one big
/// buffer serves several completions (flagged `IORING_CQE_F_BUF_MORE`
/// until it is used up); Linux 6.12.
pub const IOU_PBUF_RING_INC: u16 = 2;

/// The argument of `IORING_REGISTER_PBUF_RING` and
/// `IORING_UNREGISTER_PBUF_RING`. Linux 5.19; `flags` from 6.4 (previously
/// `pad`), `min_left` from 7.1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_buf_reg {
    /// The user address of the ring memory (page aligned), or 0 with `IOU_PBUF_RING_MMAP`.
    pub ring_addr: u64,
    /// The number of entries, a power of two.
    pub ring_entries: u32,
    /// The buffer group ID.
    pub bgid: u16,
    /// `IOU_PBUF_RING_*` flags. Linux 6.4.
    pub flags: u16,
    /// With `IOU_PBUF_RING_INC`, the fewest bytes that must remain in a
    /// partly consumed buffer for it to be used again; 0 for the old
    /// behaviour (1 byte). Added in Linux 7.1 and backported to stable
    /// kernels (previously part of `resv`).
    pub min_left: u32,
    /// Reserved, must be zero.
    pub resv: [u32; 5],
}

/// The argument of `IORING_REGISTER_PBUF_STATUS`. Linux 6.8.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_buf_status {
    /// The buffer group to report on (input).
    pub buf_group: u32,
    /// The kernel's head index of that ring (output).
    pub head: u32,
    /// Reserved, must be zero.
    pub resv: [u32; 8],
}

impl_zeroed!(
    io_uring_buf => "5.19",
    io_uring_buf_ring => "5.19",
    io_uring_buf_ring_resv1_s => "5.19",
    io_uring_buf_reg => "5.19",
    io_uring_buf_status => "6.8",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    const _: () = assert!(size_of::<io_uring_buf>() == 16);
    const _: () = assert!(size_of::<io_uring_buf_ring>() == 0);
    const _: () = assert!(align_of::<io_uring_buf_ring>() == align_of::<io_uring_buf>());
    const _: () = assert!(offset_of!(io_uring_buf, resv) == IO_URING_BUF_RING_TAIL_OFFSET);
    const _: () = assert!(IO_URING_BUF_RING_TAIL_OFFSET == 14);
    const _: () = assert!(size_of::<io_uring_buf_ring_resv1_s>() == size_of::<io_uring_buf>());
    const _: () = assert!(size_of::<io_uring_buf_reg>() == 40);
    const _: () = assert!(size_of::<io_uring_buf_status>() == 40);

    #[test]
    fn tail_overlays_first_resv() {
        let mut bufs = [io_uring_buf::zeroed(); 2];
        let ring = bufs.as_mut_ptr().cast::<io_uring_buf_ring>();
        // SAFETY: the pointer is inside `bufs`, aligned for `u16`.
        unsafe { io_uring_buf_ring::tail_ptr(ring).write(7) };
        assert_eq!(bufs[0].resv, 7);
        assert_eq!(bufs[0].bid, 0);
    }
}
