//! The completion queue entry (`struct io_uring_cqe`), its 32-byte form and
//! the `IORING_CQE_F_*` flags.

use crate::types::impl_zeroed;

/// A completion queue entry: the result of one request, as the kernel
/// writes it into the CQ ring. Linux 5.1; `big_cqe` from 5.19. 16 bytes, or
/// the first half of an [`io_uring_cqe32`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_cqe {
    /// The `user_data` of the request this completes.
    pub user_data: u64,
    /// The result: what the equivalent system call would return, or `-errno`.
    pub res: i32,
    /// `IORING_CQE_F_*` flags, and in the upper 16 bits the buffer ID when
    /// `IORING_CQE_F_BUFFER` is set.
    pub flags: u32,
    /// The start of the second 16 bytes of a 32-byte CQE (rings set up with
    /// `IORING_SETUP_CQE32`, or entries flagged `IORING_CQE_F_32`); a
    /// flexible array member of zero size. Linux 5.19.
    pub big_cqe: [u64; 0],
}

/// A 32-byte CQE, the slot size of a ring set up with `IORING_SETUP_CQE32`
/// (Linux 5.19), or of the entries flagged `IORING_CQE_F_32` in a ring set
/// up with `IORING_SETUP_CQE_MIXED` (Linux 6.18).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_cqe32 {
    /// The 16-byte CQE proper.
    pub cqe: io_uring_cqe,
    /// The two extra words, whose meaning depends on the operation (for
    /// example the timestamp of `SOCKET_URING_OP_TX_TIMESTAMP`).
    pub big_cqe: [u64; 2],
}

/// `cqe.flags`: the request used a provided buffer, whose ID is in the
/// upper 16 bits of `flags` (see `IORING_CQE_BUFFER_SHIFT`); Linux 5.7.
pub const IORING_CQE_F_BUFFER: u32 = 1 << 0;
/// `cqe.flags`: the request is multishot and will post more CQEs; Linux 5.13.
pub const IORING_CQE_F_MORE: u32 = 1 << 1;
/// `cqe.flags`: after this receive, the socket still had data to read; Linux 5.19.
pub const IORING_CQE_F_SOCK_NONEMPTY: u32 = 1 << 2;
/// `cqe.flags`: this CQE is the notification of a zero-copy send that its
/// buffers are free again, not the send's result; Linux 6.0.
pub const IORING_CQE_F_NOTIF: u32 = 1 << 3;
/// `cqe.flags`: the buffer named by this CQE was only partly consumed and
/// will appear in later completions too (incrementally consumed buffer
/// rings, `IOU_PBUF_RING_INC`); Linux 6.12.
pub const IORING_CQE_F_BUF_MORE: u32 = 1 << 4;
/// `cqe.flags`: ignore this CQE; the kernel posted it only to fill the gap
/// before the ring wraps when a 32-byte CQE did not fit in the last 16-byte
/// slot (`IORING_SETUP_CQE_MIXED`); Linux 6.18.
pub const IORING_CQE_F_SKIP: u32 = 1 << 5;
/// `cqe.flags`: this is a 32-byte CQE in a ring set up with
/// `IORING_SETUP_CQE_MIXED`, and occupies two 16-byte slots; Linux 6.18.
pub const IORING_CQE_F_32: u32 = 1 << 15;
/// `cqe.flags` of a `SOCKET_URING_OP_TX_TIMESTAMP` completion: the
/// timestamp came from the hardware (bit `IORING_TIMESTAMP_HW_SHIFT`);
/// Linux 6.17.
pub const IORING_CQE_F_TSTAMP_HW: u32 = 1 << crate::op_flags::IORING_TIMESTAMP_HW_SHIFT;

/// The shift of the buffer ID in `cqe.flags` when `IORING_CQE_F_BUFFER` is
/// set: `bid = flags >> IORING_CQE_BUFFER_SHIFT`; Linux 5.7.
pub const IORING_CQE_BUFFER_SHIFT: u32 = 16;

impl_zeroed!(
    io_uring_cqe => "5.1",
    io_uring_cqe32 => "5.19",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    const _: () = assert!(size_of::<io_uring_cqe>() == 16);
    const _: () = assert!(align_of::<io_uring_cqe>() == align_of::<u64>());
    const _: () = assert!(size_of::<io_uring_cqe32>() == 32);
    const _: () = assert!(offset_of!(io_uring_cqe, big_cqe) == 16);
    const _: () = assert!(offset_of!(io_uring_cqe32, big_cqe) == 16);
    const _: () = assert!(IORING_CQE_F_TSTAMP_HW == 1 << 16);
}
