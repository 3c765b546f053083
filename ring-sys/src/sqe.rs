//! The submission queue entry (`struct io_uring_sqe`), its 128-byte form,
//! the `IOSQE_*` flags and the read/write attribute structures.
//!
//! # Unions
//!
//! The C struct has six anonymous unions. Each is a named `#[repr(C)]` union
//! here, and the SQE field that holds it carries the name of the union's
//! first member (`off`, `addr`, `rw_flags`, `buf_index`, `splice_fd_in`,
//! `addr3`). Where a C union member is itself an anonymous struct, the
//! union member carries the name of that struct's first field and its type
//! is `io_uring_sqe_<name>_s`; so `sqe->cmd_op` is `sqe.off.cmd_op.cmd_op`
//! and `sqe->attr_type_mask` is `sqe.addr3.attr_ptr.attr_type_mask`.
//!
//! The unions and the anonymous structs inside them are in `sqe_unions.rs`.
//!
//! Code should not need those paths: [`io_uring_sqe`] has a getter and a
//! `set_` setter for every member name the kernel header gives inside the
//! unions (all but the `__pad*` fillers, and `cmd`, whose address
//! [`io_uring_sqe::cmd_ptr`] returns), and both are safe. The getters are sound because every member of every union is
//! a plain integer (or an array of them), so any initialised bit pattern is
//! a valid value of any member, and every way this crate offers to build or
//! change an SQE ([`io_uring_sqe::zeroed`], `Default`, the setters, which
//! write in place) keeps all 64 bytes initialised. The one way to break that
//! is to assign a whole union value written as a literal naming a member
//! narrower than the union (`poll_events`, `optval`, `cmd`), which leaves
//! the remaining bytes uninitialised; use the setters instead.

use core::fmt;

use crate::sqe_unions::{
    io_uring_sqe_addr, io_uring_sqe_addr3, io_uring_sqe_addr3_s, io_uring_sqe_buf, io_uring_sqe_file, io_uring_sqe_off,
    io_uring_sqe_op_flags,
};
use crate::types::{__kernel_rwf_t, impl_zeroed};

/// A submission queue entry: one request, as the application writes it
/// into the SQ ring. Linux 5.1; its fields and unions grew from 5.5 on (see
/// each one). 64 bytes, or the first half of an [`io_uring_sqe128`].
#[repr(C)]
#[derive(Clone, Copy)]
pub struct io_uring_sqe {
    /// The operation, one of `IORING_OP_*`.
    pub opcode: u8,
    /// `IOSQE_*` flags.
    pub flags: u8,
    /// The I/O priority of reads and writes, or the per-opcode flags of
    /// send, receive and accept (`IORING_RECVSEND_*`, `IORING_ACCEPT_*`).
    pub ioprio: u16,
    /// The file descriptor (or, with `IOSQE_FIXED_FILE`, the registered file index).
    pub fd: i32,
    /// File offset, second address, or `uring_cmd` command; see [`io_uring_sqe_off`].
    pub off: io_uring_sqe_off,
    /// Buffer address, splice offset, or socket option; see [`io_uring_sqe_addr`].
    pub addr: io_uring_sqe_addr,
    /// The buffer length, the number of iovecs, or another per-opcode count.
    pub len: u32,
    /// The per-opcode flag word; see [`io_uring_sqe_op_flags`].
    pub rw_flags: io_uring_sqe_op_flags,
    /// Opaque data the kernel copies into the completion of this request.
    pub user_data: u64,
    /// Registered buffer index or buffer group; see [`io_uring_sqe_buf`].
    pub buf_index: io_uring_sqe_buf,
    /// The credentials registered with `IORING_REGISTER_PERSONALITY` to
    /// issue the request with, 0 for the submitter's own; Linux 5.6.
    pub personality: u16,
    /// Splice descriptor, direct slot, and others; see [`io_uring_sqe_file`].
    pub splice_fd_in: io_uring_sqe_file,
    /// Third address, attributes, option value, or command; see [`io_uring_sqe_addr3`].
    pub addr3: io_uring_sqe_addr3,
}

/// Generates the getter and the `set_` setter of one SQE member.
macro_rules! sqe_accessors {
    ($(
        $get:ident, $set:ident: $ty:ty => $($path:ident).+ ; $what:literal, $ver:literal;
    )*) => {$(
        #[doc = concat!("Returns `", stringify!($get), "`, ", $what, ". Linux ", $ver, ".")]
        #[inline]
        #[must_use]
        pub const fn $get(&self) -> $ty {
            // SAFETY: every member of every SQE union is a plain integer or an array of integers, so any initialised
            // bit pattern is a valid value of this member; all bytes of an SQE are initialised (see the module
            // documentation).
            unsafe { self.$($path).+ }
        }

        #[doc = concat!("Sets `", stringify!($get), "`, ", $what, ". Linux ", $ver, ".")]
        #[doc = ""]
        #[doc = "It writes only the bytes of this member; the other members of the same union keep their bytes."]
        #[inline]
        pub const fn $set(&mut self, v: $ty) {
            self.$($path).+ = v;
        }
    )*};
}

impl io_uring_sqe {
    /// The byte offset in an SQE of the command data area (`cmd`), which is
    /// 16 bytes long in a 64-byte SQE and 80 bytes long in a 128-byte one.
    /// Linux 5.19.
    pub const CMD_OFFSET: usize = 48;

    /// Returns an all-zero SQE, which is an `IORING_OP_NOP` with no flags.
    /// Linux 5.1.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        io_uring_sqe {
            opcode: 0,
            flags: 0,
            ioprio: 0,
            fd: 0,
            off: io_uring_sqe_off { off: 0 },
            addr: io_uring_sqe_addr { addr: 0 },
            len: 0,
            rw_flags: io_uring_sqe_op_flags { poll32_events: 0 },
            user_data: 0,
            buf_index: io_uring_sqe_buf { buf_index: 0 },
            personality: 0,
            splice_fd_in: io_uring_sqe_file { file_index: 0 },
            addr3: io_uring_sqe_addr3 { addr3: io_uring_sqe_addr3_s { addr3: 0, __pad2: [0] } },
        }
    }

    /// Returns a pointer to the command data area (`cmd`, byte 48).
    ///
    /// The pointer is derived from `&mut self` and is therefore valid for
    /// the 16 bytes that lie inside this 64-byte SQE. The 80-byte area of a
    /// 128-byte SQE extends past it; use [`io_uring_sqe128::cmd_ptr`], or a
    /// pointer derived from the whole ring slot, to write all of it.
    /// Linux 5.19.
    #[inline]
    pub const fn cmd_ptr(&mut self) -> *mut u8 {
        core::ptr::addr_of_mut!(self.addr3).cast::<u8>()
    }

    sqe_accessors! {
        off, set_off: u64 => off.off;
            "the file offset", "5.1";
        addr2, set_addr2: u64 => off.addr2;
            "the second address, which shares its bytes with `off`", "5.5";
        cmd_op, set_cmd_op: u32 => off.cmd_op.cmd_op;
            "the `uring_cmd` command number, which shares its bytes with the low half of `off`", "5.19";
        addr, set_addr: u64 => addr.addr;
            "the buffer, iovec or argument address", "5.1";
        splice_off_in, set_splice_off_in: u64 => addr.splice_off_in;
            "the splice input offset, which shares its bytes with `addr`", "5.7";
        level, set_level: u32 => addr.level.level;
            "the socket option level, which shares its bytes with the low half of `addr`", "6.7";
        optname, set_optname: u32 => addr.level.optname;
            "the socket option name, which shares its bytes with the high half of `addr`", "6.7";
        rw_flags, set_rw_flags: __kernel_rwf_t => rw_flags.rw_flags;
            "the `RWF_*` flags of a read or write (a C `int`)", "5.1";
        fsync_flags, set_fsync_flags: u32 => rw_flags.fsync_flags;
            "the `IORING_FSYNC_*` flags", "5.1";
        poll_events, set_poll_events: u16 => rw_flags.poll_events;
            "the legacy 16-bit poll mask (the low 16 bits of the flag word on little-endian machines)", "5.1";
        poll32_events, set_poll32_events: u32 => rw_flags.poll32_events;
            "the 32-bit poll mask (halves swapped on big-endian machines)", "5.9";
        sync_range_flags, set_sync_range_flags: u32 => rw_flags.sync_range_flags;
            "the `sync_file_range` flags", "5.2";
        msg_flags, set_msg_flags: u32 => rw_flags.msg_flags;
            "the `MSG_*` flags of a send or receive", "5.3";
        timeout_flags, set_timeout_flags: u32 => rw_flags.timeout_flags;
            "the `IORING_TIMEOUT_*` flags", "5.4";
        accept_flags, set_accept_flags: u32 => rw_flags.accept_flags;
            "the `SOCK_*` flags of an accept", "5.5";
        cancel_flags, set_cancel_flags: u32 => rw_flags.cancel_flags;
            "the `IORING_ASYNC_CANCEL_*` flags", "5.5";
        open_flags, set_open_flags: u32 => rw_flags.open_flags;
            "the `O_*` flags of an open", "5.6";
        statx_flags, set_statx_flags: u32 => rw_flags.statx_flags;
            "the `AT_*` flags of a statx", "5.6";
        fadvise_advice, set_fadvise_advice: u32 => rw_flags.fadvise_advice;
            "the advice of an fadvise or madvise", "5.6";
        splice_flags, set_splice_flags: u32 => rw_flags.splice_flags;
            "the `SPLICE_F_*` flags", "5.7";
        rename_flags, set_rename_flags: u32 => rw_flags.rename_flags;
            "the `RENAME_*` flags of a renameat", "5.11";
        unlink_flags, set_unlink_flags: u32 => rw_flags.unlink_flags;
            "the flags of an unlinkat", "5.11";
        hardlink_flags, set_hardlink_flags: u32 => rw_flags.hardlink_flags;
            "the `AT_*` flags of a linkat", "5.15";
        xattr_flags, set_xattr_flags: u32 => rw_flags.xattr_flags;
            "the `XATTR_*` flags", "5.19";
        msg_ring_flags, set_msg_ring_flags: u32 => rw_flags.msg_ring_flags;
            "the `IORING_MSG_RING_*` flags", "6.0";
        uring_cmd_flags, set_uring_cmd_flags: u32 => rw_flags.uring_cmd_flags;
            "the `IORING_URING_CMD_*` flags", "6.1";
        waitid_flags, set_waitid_flags: u32 => rw_flags.waitid_flags;
            "the flags of a waitid", "6.7";
        futex_flags, set_futex_flags: u32 => rw_flags.futex_flags;
            "the `FUTEX2_*` flags of a futex operation", "6.7";
        install_fd_flags, set_install_fd_flags: u32 => rw_flags.install_fd_flags;
            "the `IORING_FIXED_FD_*` flags", "6.8";
        nop_flags, set_nop_flags: u32 => rw_flags.nop_flags;
            "the `IORING_NOP_*` flags", "6.10";
        pipe_flags, set_pipe_flags: u32 => rw_flags.pipe_flags;
            "the `O_*` flags of a pipe", "6.16";
        buf_index, set_buf_index: u16 => buf_index.buf_index;
            "the registered buffer index", "5.1";
        buf_group, set_buf_group: u16 => buf_index.buf_group;
            "the provided-buffer group, which shares its bytes with `buf_index`", "5.7";
        splice_fd_in, set_splice_fd_in: i32 => splice_fd_in.splice_fd_in;
            "the splice input descriptor", "5.7";
        file_index, set_file_index: u32 => splice_fd_in.file_index;
            "the direct descriptor slot, which shares its bytes with `splice_fd_in`", "5.15";
        zcrx_ifq_idx, set_zcrx_ifq_idx: u32 => splice_fd_in.zcrx_ifq_idx;
            "the zero-copy receive queue index, which shares its bytes with `splice_fd_in`", "6.15";
        optlen, set_optlen: u32 => splice_fd_in.optlen;
            "the socket option length, which shares its bytes with `splice_fd_in`", "6.7";
        addr_len, set_addr_len: u16 => splice_fd_in.addr_len.addr_len;
            "the destination address length of a zero-copy send (the first two bytes of the `splice_fd_in` union)", "6.0";
        write_stream, set_write_stream: u8 => splice_fd_in.write_stream.write_stream;
            "the write stream of a write (the first byte of the `splice_fd_in` union)", "6.16";
        addr3, set_addr3: u64 => addr3.addr3.addr3;
            "the third address", "5.19";
        attr_ptr, set_attr_ptr: u64 => addr3.attr_ptr.attr_ptr;
            "the read/write attribute pointer, which shares its bytes with `addr3`", "6.14";
        attr_type_mask, set_attr_type_mask: u64 => addr3.attr_ptr.attr_type_mask;
            "the read/write attribute mask (`IORING_RW_ATTR_FLAG_*`), the 8 bytes after `addr3`", "6.14";
        optval, set_optval: u64 => addr3.optval;
            "the socket option value address, which shares its bytes with `addr3`", "6.7";
    }
}

impl Default for io_uring_sqe {
    /// An all-zero SQE, as [`io_uring_sqe::zeroed`].
    #[inline]
    fn default() -> Self {
        Self::zeroed()
    }
}

impl fmt::Debug for io_uring_sqe {
    /// Prints the fields most requests use, each union shown through its first member.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("io_uring_sqe")
            .field("opcode", &self.opcode)
            .field("flags", &self.flags)
            .field("ioprio", &self.ioprio)
            .field("fd", &self.fd)
            .field("off", &self.off())
            .field("addr", &self.addr())
            .field("len", &self.len)
            .field("rw_flags", &self.poll32_events())
            .field("user_data", &self.user_data)
            .field("buf_index", &self.buf_index())
            .field("personality", &self.personality)
            .field("splice_fd_in", &self.splice_fd_in())
            .field("addr3", &self.addr3())
            .finish()
    }
}

/// Generates `Debug` for an SQE union as the value of one full-width member.
macro_rules! union_debug {
    ($($ty:ident => $member:ident),* $(,)?) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                // SAFETY: all members are plain integers (or structs and
                // arrays of them) and this member spans the whole union, so
                // any initialised bit pattern is a valid value of it.
                let v = unsafe { self.$member };
                f.debug_struct(stringify!($ty)).field(stringify!($member), &v).finish()
            }
        }

        impl Default for $ty {
            /// All bytes zero.
            #[inline]
            fn default() -> Self {
                $ty { $member: Default::default() }
            }
        }
    )*};
}

union_debug! {
    io_uring_sqe_off => off,
    io_uring_sqe_addr => addr,
    io_uring_sqe_op_flags => poll32_events,
    io_uring_sqe_buf => buf_index,
    io_uring_sqe_file => file_index,
    io_uring_sqe_addr3 => addr3,
}

/// A 128-byte SQE, the slot size of a ring set up with
/// `IORING_SETUP_SQE128` (Linux 5.19), or of the big entries of a ring set
/// up with `IORING_SETUP_SQE_MIXED` (Linux 6.19).
///
/// The command area of an `IORING_OP_URING_CMD` (and `IORING_OP_URING_CMD128`)
/// starts at the `addr3` union, byte 48 of [`io_uring_sqe`], and runs for
/// 80 bytes: the last 16 bytes of `sqe` and all 64 bytes of `cmd_ext`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct io_uring_sqe128 {
    /// The 64-byte SQE proper.
    pub sqe: io_uring_sqe,
    /// The second 64 bytes, the tail of the command area.
    pub cmd_ext: [u8; 64],
}

impl io_uring_sqe128 {
    /// The length in bytes of the command area of a 128-byte SQE. Linux 5.19.
    pub const CMD_LEN: usize = 80;

    /// Returns an all-zero 128-byte SQE. Linux 5.19.
    #[inline]
    #[must_use]
    pub const fn zeroed() -> Self {
        io_uring_sqe128 { sqe: io_uring_sqe::zeroed(), cmd_ext: [0; 64] }
    }

    /// Returns a pointer to the 80-byte command area (byte 48 of the
    /// 128-byte entry), valid for [`io_uring_sqe128::CMD_LEN`] bytes of
    /// reads and writes for as long as `self` is borrowed. Linux 5.19.
    #[inline]
    pub const fn cmd_ptr(&mut self) -> *mut u8 {
        (self as *mut Self).cast::<u8>().wrapping_add(io_uring_sqe::CMD_OFFSET)
    }
}

impl Default for io_uring_sqe128 {
    /// An all-zero 128-byte SQE, as [`io_uring_sqe128::zeroed`].
    #[inline]
    fn default() -> Self {
        Self::zeroed()
    }
}

/// The bit number of `IOSQE_FIXED_FILE`; the `*_BIT` constants are the
/// members of C `enum io_uring_sqe_flags_bit`. Linux 5.1.
pub const IOSQE_FIXED_FILE_BIT: u8 = 0;
/// The bit number of `IOSQE_IO_DRAIN`; Linux 5.2.
pub const IOSQE_IO_DRAIN_BIT: u8 = 1;
/// The bit number of `IOSQE_IO_LINK`; Linux 5.3.
pub const IOSQE_IO_LINK_BIT: u8 = 2;
/// The bit number of `IOSQE_IO_HARDLINK`; Linux 5.5.
pub const IOSQE_IO_HARDLINK_BIT: u8 = 3;
/// The bit number of `IOSQE_ASYNC`; Linux 5.6.
pub const IOSQE_ASYNC_BIT: u8 = 4;
/// The bit number of `IOSQE_BUFFER_SELECT`; Linux 5.7.
pub const IOSQE_BUFFER_SELECT_BIT: u8 = 5;
/// The bit number of `IOSQE_CQE_SKIP_SUCCESS`; Linux 5.17.
pub const IOSQE_CQE_SKIP_SUCCESS_BIT: u8 = 6;

/// `sqe.flags`: `fd` is an index into the registered file table rather than
/// a file descriptor; Linux 5.1.
pub const IOSQE_FIXED_FILE: u8 = 1 << IOSQE_FIXED_FILE_BIT;
/// `sqe.flags`: do not start this request until every earlier one has
/// completed, and start no later one before it completes; Linux 5.2.
pub const IOSQE_IO_DRAIN: u8 = 1 << IOSQE_IO_DRAIN_BIT;
/// `sqe.flags`: the next SQE starts only after this one completes, and is
/// cancelled if this one fails; Linux 5.3.
pub const IOSQE_IO_LINK: u8 = 1 << IOSQE_IO_LINK_BIT;
/// `sqe.flags`: like `IOSQE_IO_LINK`, but the chain continues even if this
/// request fails; Linux 5.5.
pub const IOSQE_IO_HARDLINK: u8 = 1 << IOSQE_IO_HARDLINK_BIT;
/// `sqe.flags`: skip the non-blocking attempt and hand the request to an
/// io-wq worker at once; Linux 5.6.
pub const IOSQE_ASYNC: u8 = 1 << IOSQE_ASYNC_BIT;
/// `sqe.flags`: pick the buffer from the provided-buffer group in
/// `buf_group` when the request runs; Linux 5.7.
pub const IOSQE_BUFFER_SELECT: u8 = 1 << IOSQE_BUFFER_SELECT_BIT;
/// `sqe.flags`: post no CQE if the request succeeds; Linux 5.17.
pub const IOSQE_CQE_SKIP_SUCCESS: u8 = 1 << IOSQE_CQE_SKIP_SUCCESS_BIT;

/// `sqe.attr_type_mask`: `attr_ptr` points to an [`io_uring_attr_pi`]
/// carrying integrity (protection information) metadata; Linux 6.14.
pub const IORING_RW_ATTR_FLAG_PI: u64 = 1 << 0;

/// The protection-information attribute of a read or write, which
/// `attr_ptr` points to when `attr_type_mask` has `IORING_RW_ATTR_FLAG_PI`.
/// Linux 6.14.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_attr_pi {
    /// Which integrity checks to perform (`IO_INTEGRITY_CHK_*`).
    pub flags: u16,
    /// The application tag to check or write.
    pub app_tag: u16,
    /// The length of the metadata buffer.
    pub len: u32,
    /// The user address of the metadata buffer.
    pub addr: u64,
    /// The seed of the reference tag.
    pub seed: u64,
    /// Reserved, must be zero.
    pub rsvd: u64,
}

/// `sqe.file_index`: let the kernel pick a free direct descriptor slot for
/// an open, accept, socket or similar request and return it in `cqe.res`
/// (or fail with `ENFILE` when the table is full); Linux 5.19.
pub const IORING_FILE_INDEX_ALLOC: u32 = !0;

impl_zeroed!(
    io_uring_attr_pi => "6.14",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    const _: () = assert!(size_of::<io_uring_sqe>() == 64);
    const _: () = assert!(align_of::<io_uring_sqe>() == align_of::<u64>());
    const _: () = assert!(size_of::<io_uring_sqe128>() == 128);
    const _: () = assert!(size_of::<io_uring_attr_pi>() == 32);
    const _: () = assert!(offset_of!(io_uring_sqe, addr3) == io_uring_sqe::CMD_OFFSET);
    const _: () = assert!(offset_of!(io_uring_sqe, buf_index) == 40);
    const _: () = assert!(offset_of!(io_uring_sqe, personality) == 42);

    #[test]
    fn accessors_write_only_their_bytes() {
        let mut sqe = io_uring_sqe::zeroed();
        sqe.set_off(0x1122_3344_5566_7788);
        sqe.set_cmd_op(0xaabb_ccdd);
        assert_eq!(sqe.cmd_op(), 0xaabb_ccdd);
        assert_eq!(sqe.off() >> 32, 0x1122_3344, "cmd_op must keep the upper half");
        sqe.set_level(1);
        sqe.set_optname(2);
        assert_eq!(sqe.addr(), u64::from(1u32) | (u64::from(2u32) << 32));
        sqe.set_poll32_events(0xffff_ffff);
        sqe.set_poll_events(0x1234);
        assert_eq!(sqe.poll_events(), 0x1234);
        sqe.set_rw_flags(-1);
        assert_eq!(sqe.msg_flags(), u32::MAX);
        sqe.set_splice_fd_in(-1);
        sqe.set_addr_len(7);
        assert_eq!(sqe.addr_len(), 7);
        sqe.set_write_stream(3);
        assert_eq!(sqe.write_stream(), 3);
        sqe.set_attr_ptr(10);
        sqe.set_attr_type_mask(IORING_RW_ATTR_FLAG_PI);
        assert_eq!(sqe.addr3(), 10);
        assert_eq!(sqe.optval(), 10);
        assert_eq!(sqe.attr_type_mask(), 1);
        sqe.set_buf_group(9);
        assert_eq!(sqe.buf_index(), 9);
    }

    #[test]
    fn cmd_area() {
        let mut big = io_uring_sqe128::zeroed();
        let p = big.cmd_ptr();
        // SAFETY: `cmd_ptr` of a 128-byte SQE is valid for `CMD_LEN` bytes.
        unsafe { p.add(io_uring_sqe128::CMD_LEN - 1).write(0xee) };
        assert_eq!(big.cmd_ext[63], 0xee);
        let mut sqe = io_uring_sqe::zeroed();
        let q = sqe.cmd_ptr();
        // SAFETY: the first 16 bytes of the command area lie inside the SQE.
        unsafe { q.write(1) };
        assert_eq!(sqe.addr3(), 1);
    }
}
