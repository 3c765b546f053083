//! The restrictions of `IORING_REGISTER_RESTRICTIONS` (Linux 5.10): which
//! register operations, SQE opcodes and SQE flags a ring disabled at setup
//! (`IORING_SETUP_R_DISABLED`) accepts once enabled, and the per-task form.

use core::fmt;

use crate::types::impl_zeroed;

/// The union of [`io_uring_restriction`]: what the restriction allows or
/// requires, read according to its `opcode`. Linux 5.10.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_restriction_op {
    /// A register opcode (`IORING_RESTRICTION_REGISTER_OP`).
    pub register_op: u8,
    /// An SQE opcode (`IORING_RESTRICTION_SQE_OP`).
    pub sqe_op: u8,
    /// SQE flags (`IORING_RESTRICTION_SQE_FLAGS_*`).
    pub sqe_flags: u8,
}

impl Default for io_uring_restriction_op {
    /// Zero.
    #[inline]
    fn default() -> Self {
        io_uring_restriction_op { register_op: 0 }
    }
}

impl fmt::Debug for io_uring_restriction_op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: all three members are one `u8` at offset 0, so the union
        // is one initialised byte that is valid for any of them.
        let v = unsafe { self.register_op };
        f.debug_struct("io_uring_restriction_op").field("register_op", &v).finish()
    }
}

/// One restriction of `IORING_REGISTER_RESTRICTIONS`. Linux 5.10.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct io_uring_restriction {
    /// The kind of restriction, one of `IORING_RESTRICTION_*`.
    pub opcode: u16,
    /// The opcode or flags it concerns; see [`io_uring_restriction_op`].
    pub register_op: io_uring_restriction_op,
    /// Reserved, must be zero.
    pub resv: u8,
    /// Reserved, must be zero.
    pub resv2: [u32; 3],
}

impl io_uring_restriction {
    /// Returns an all-zero restriction. Linux 5.10.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        io_uring_restriction {
            opcode: 0,
            register_op: io_uring_restriction_op { register_op: 0 },
            resv: 0,
            resv2: [0; 3],
        }
    }

    /// Returns `register_op`, the register opcode of an `IORING_RESTRICTION_REGISTER_OP`. Linux 5.10.
    #[inline]
    #[must_use]
    pub const fn register_op(&self) -> u8 {
        // SAFETY: every member is a `u8` at offset 0.
        unsafe { self.register_op.register_op }
    }

    /// Sets `register_op`, the register opcode of an `IORING_RESTRICTION_REGISTER_OP`. Linux 5.10.
    #[inline]
    pub const fn set_register_op(&mut self, v: u8) {
        self.register_op.register_op = v;
    }

    /// Returns `sqe_op`, the SQE opcode of an `IORING_RESTRICTION_SQE_OP`. Linux 5.10.
    #[inline]
    #[must_use]
    pub const fn sqe_op(&self) -> u8 {
        // SAFETY: every member is a `u8` at offset 0.
        unsafe { self.register_op.sqe_op }
    }

    /// Sets `sqe_op`, the SQE opcode of an `IORING_RESTRICTION_SQE_OP`. Linux 5.10.
    #[inline]
    pub const fn set_sqe_op(&mut self, v: u8) {
        self.register_op.sqe_op = v;
    }

    /// Returns `sqe_flags`, the `IOSQE_*` flags of an `IORING_RESTRICTION_SQE_FLAGS_*`. Linux 5.10.
    #[inline]
    #[must_use]
    pub const fn sqe_flags(&self) -> u8 {
        // SAFETY: every member is a `u8` at offset 0.
        unsafe { self.register_op.sqe_flags }
    }

    /// Sets `sqe_flags`, the `IOSQE_*` flags of an `IORING_RESTRICTION_SQE_FLAGS_*`. Linux 5.10.
    #[inline]
    pub const fn set_sqe_flags(&mut self, v: u8) {
        self.register_op.sqe_flags = v;
    }
}

/// `io_uring_restriction.opcode`: allow one `io_uring_register(2)` opcode; Linux 5.10.
pub const IORING_RESTRICTION_REGISTER_OP: u16 = 0;
/// `io_uring_restriction.opcode`: allow one SQE opcode; Linux 5.10.
pub const IORING_RESTRICTION_SQE_OP: u16 = 1;
/// `io_uring_restriction.opcode`: allow these `IOSQE_*` flags; Linux 5.10.
pub const IORING_RESTRICTION_SQE_FLAGS_ALLOWED: u16 = 2;
/// `io_uring_restriction.opcode`: require these `IOSQE_*` flags on every SQE; Linux 5.10.
pub const IORING_RESTRICTION_SQE_FLAGS_REQUIRED: u16 = 3;
/// The number of restriction kinds this header knows (4); not a kind. Linux 5.10.
pub const IORING_RESTRICTION_LAST: u16 = 4;

/// A set of restrictions for the calling task rather than for one ring
/// (`IORING_REGISTER_RESTRICTIONS` with fd -1): a header followed by
/// `nr_res` [`io_uring_restriction`] entries (a flexible array member).
/// Rings the task, or children it forks, create get them applied. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct io_uring_task_restriction {
    /// Flags, none defined so far.
    pub flags: u16,
    /// The number of entries in `restrictions`.
    pub nr_res: u16,
    /// Reserved, must be zero.
    pub resv: [u32; 3],
    /// The restrictions.
    pub restrictions: [io_uring_restriction; 0],
}

impl_zeroed!(
    io_uring_task_restriction => "7.0",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    const _: () = assert!(size_of::<io_uring_restriction>() == 16);
    const _: () = assert!(size_of::<io_uring_task_restriction>() == 16);

    #[test]
    fn restriction_accessors() {
        let mut r = io_uring_restriction::zeroed();
        r.set_sqe_op(22);
        assert_eq!(r.register_op(), 22);
        r.set_sqe_flags(1);
        assert_eq!(r.sqe_flags(), 1);
        r.set_register_op(3);
        assert_eq!(r.sqe_op(), 3);
    }
}
