//! The six anonymous unions of `struct io_uring_sqe` as named `#[repr(C)]`
//! unions, and the anonymous structs inside them (see `sqe.rs` for how
//! they are named and why reading any member is sound).

use crate::types::__kernel_rwf_t;

/// The anonymous struct `{ cmd_op, __pad1 }` inside [`io_uring_sqe_off`]:
/// the command of an `IORING_OP_URING_CMD`. Linux 5.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_cmd_op_s {
    /// The driver- or socket-specific command number (`SOCKET_URING_OP_*` for sockets).
    pub cmd_op: u32,
    /// Unused, must be zero.
    pub __pad1: u32,
}

/// The union at byte 8 of the SQE: the file offset, a second address, or a
/// `uring_cmd` command number. Linux 5.1 (`off`), with `addr2` from 5.5 and
/// `cmd_op` from 5.19.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_off {
    /// The file offset of a read, write, fsync range, and similar.
    pub off: u64,
    /// A second user address (for example the `addrlen` pointer of
    /// `IORING_OP_ACCEPT` or the `open_how` of `IORING_OP_OPENAT2`); Linux 5.5.
    pub addr2: u64,
    /// The command of an `IORING_OP_URING_CMD` and its padding; Linux 5.19.
    pub cmd_op: io_uring_sqe_cmd_op_s,
}

/// The anonymous struct `{ level, optname }` inside [`io_uring_sqe_addr`]:
/// the `getsockopt`/`setsockopt` level and option of a socket `uring_cmd`.
/// Linux 6.7.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_level_s {
    /// The socket option level (`SOL_SOCKET`, ...).
    pub level: u32,
    /// The socket option name.
    pub optname: u32,
}

/// The union at byte 16 of the SQE: the buffer address, the splice input
/// offset, or a socket option level and name. Linux 5.1 (`addr`), with
/// `splice_off_in` from 5.7 and `level`/`optname` from 6.7.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_addr {
    /// The user address of the buffer, the iovec array, the path, or the
    /// operation-specific argument.
    pub addr: u64,
    /// The offset in the input file of an `IORING_OP_SPLICE`; Linux 5.7.
    pub splice_off_in: u64,
    /// The socket option level and name of a socket option `uring_cmd`; Linux 6.7.
    pub level: io_uring_sqe_level_s,
}

/// The union at byte 28 of the SQE: the per-opcode flag word. Linux 5.1;
/// each member below says when its opcode family came.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_op_flags {
    /// `RWF_*` flags of a vectored or plain read or write; Linux 5.1.
    pub rw_flags: __kernel_rwf_t,
    /// `IORING_FSYNC_*` flags of `IORING_OP_FSYNC`; Linux 5.1.
    pub fsync_flags: u32,
    /// The 16-bit poll mask of `IORING_OP_POLL_ADD`, kept for compatibility; Linux 5.1.
    pub poll_events: u16,
    /// The 32-bit poll mask of `IORING_OP_POLL_ADD`, with its two 16-bit
    /// halves swapped on big-endian machines; Linux 5.9.
    pub poll32_events: u32,
    /// `SYNC_FILE_RANGE_*` flags of `IORING_OP_SYNC_FILE_RANGE`; Linux 5.2.
    pub sync_range_flags: u32,
    /// `MSG_*` flags of send and receive operations; Linux 5.3.
    pub msg_flags: u32,
    /// `IORING_TIMEOUT_*` flags of the timeout operations; Linux 5.4.
    pub timeout_flags: u32,
    /// `SOCK_*` flags of `IORING_OP_ACCEPT`; Linux 5.5.
    pub accept_flags: u32,
    /// `IORING_ASYNC_CANCEL_*` flags of `IORING_OP_ASYNC_CANCEL`; Linux 5.5.
    pub cancel_flags: u32,
    /// `O_*` flags of `IORING_OP_OPENAT`; Linux 5.6.
    pub open_flags: u32,
    /// `AT_*` flags of `IORING_OP_STATX`; Linux 5.6.
    pub statx_flags: u32,
    /// The `POSIX_FADV_*` advice of `IORING_OP_FADVISE` (and `MADV_*` of `IORING_OP_MADVISE`); Linux 5.6.
    pub fadvise_advice: u32,
    /// `SPLICE_F_*` flags of `IORING_OP_SPLICE` and `IORING_OP_TEE`; Linux 5.7.
    pub splice_flags: u32,
    /// `RENAME_*` flags of `IORING_OP_RENAMEAT`; Linux 5.11.
    pub rename_flags: u32,
    /// `AT_REMOVEDIR` of `IORING_OP_UNLINKAT`; Linux 5.11.
    pub unlink_flags: u32,
    /// `AT_*` flags of `IORING_OP_LINKAT`; Linux 5.15.
    pub hardlink_flags: u32,
    /// `XATTR_*` flags of the extended attribute operations; Linux 5.19.
    pub xattr_flags: u32,
    /// `IORING_MSG_RING_*` flags of `IORING_OP_MSG_RING`; Linux 6.0.
    pub msg_ring_flags: u32,
    /// `IORING_URING_CMD_*` flags of `IORING_OP_URING_CMD`; Linux 6.1.
    pub uring_cmd_flags: u32,
    /// Flags of `IORING_OP_WAITID`, none defined so far; Linux 6.7.
    pub waitid_flags: u32,
    /// `FUTEX2_*` flags of the futex operations; Linux 6.7.
    pub futex_flags: u32,
    /// `IORING_FIXED_FD_*` flags of `IORING_OP_FIXED_FD_INSTALL`; Linux 6.8.
    pub install_fd_flags: u32,
    /// `IORING_NOP_*` flags of `IORING_OP_NOP`; Linux 6.10.
    pub nop_flags: u32,
    /// `O_*` flags of `IORING_OP_PIPE`, as `pipe2(2)` takes them; Linux 6.16.
    pub pipe_flags: u32,
}

/// The union at byte 40 of the SQE: a registered-buffer index or a
/// provided-buffer group. It is packed in C, to keep old ARM ABIs from
/// padding it. Linux 5.1 (`buf_index`), with `buf_group` from 5.7.
#[repr(C, packed)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_buf {
    /// The index of a registered buffer, for the `*_FIXED` operations.
    pub buf_index: u16,
    /// The provided-buffer group to pick from, with `IOSQE_BUFFER_SELECT`; Linux 5.7.
    pub buf_group: u16,
}

/// The anonymous struct `{ addr_len, __pad3 }` inside [`io_uring_sqe_file`]:
/// the destination address length of a zero-copy send. Linux 6.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_addr_len_s {
    /// The length of the socket address `addr2` points to.
    pub addr_len: u16,
    /// Unused, must be zero.
    pub __pad3: [u16; 1],
}

/// The anonymous struct `{ write_stream, __pad4 }` inside
/// [`io_uring_sqe_file`]: the write stream (data placement hint) of a
/// write. This member is in the kernel's header but not in liburing's copy
/// of it. Linux 6.16.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_write_stream_s {
    /// The write stream to direct the data to, 0 for none.
    pub write_stream: u8,
    /// Unused, must be zero.
    pub __pad4: [u8; 3],
}

/// The union at byte 44 of the SQE: the splice input descriptor, a direct
/// descriptor slot, a zcrx queue, a socket option length, an address length
/// or a write stream. Linux 5.7 (`splice_fd_in`); each member below says
/// when it came.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_file {
    /// The input descriptor of `IORING_OP_SPLICE` and `IORING_OP_TEE`; Linux 5.7.
    pub splice_fd_in: i32,
    /// The direct descriptor slot (plus one) an open or accept installs
    /// into, or `IORING_FILE_INDEX_ALLOC`; Linux 5.15.
    pub file_index: u32,
    /// The zero-copy receive queue of an `IORING_OP_RECV_ZC`; Linux 6.15.
    pub zcrx_ifq_idx: u32,
    /// The option length of a socket option `uring_cmd`; Linux 6.7.
    pub optlen: u32,
    /// The destination address length of a zero-copy send; Linux 6.0.
    pub addr_len: io_uring_sqe_addr_len_s,
    /// The write stream of a write; Linux 6.16.
    pub write_stream: io_uring_sqe_write_stream_s,
}

/// The anonymous struct `{ addr3, __pad2 }` inside [`io_uring_sqe_addr3`].
/// Linux 5.19 (before that these 16 bytes were padding).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_addr3_s {
    /// A third user address (the value buffer of the xattr operations, the
    /// message of a zero-copy `sendmsg`, and so on).
    pub addr3: u64,
    /// Unused, must be zero.
    pub __pad2: [u64; 1],
}

/// The anonymous struct `{ attr_ptr, attr_type_mask }` inside
/// [`io_uring_sqe_addr3`]: the attributes of a read or write. Linux 6.14.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sqe_attr_ptr_s {
    /// The user address of the attribute structures (such as [`io_uring_attr_pi`](crate::io_uring_attr_pi)).
    pub attr_ptr: u64,
    /// Which attributes are present, as `IORING_RW_ATTR_FLAG_*` bits.
    pub attr_type_mask: u64,
}

/// The union at byte 48 of the SQE, the last 16 bytes. With
/// `IORING_SETUP_SQE128` it is where the 80-byte command area of a
/// 128-byte SQE begins (`cmd`). Linux 5.19 (`addr3`, `cmd`); `optval` from
/// 6.7 and `attr_ptr`/`attr_type_mask` from 6.14.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_sqe_addr3 {
    /// A third address and its padding; Linux 5.19.
    pub addr3: io_uring_sqe_addr3_s,
    /// The read/write attribute pointer and mask; Linux 6.14.
    pub attr_ptr: io_uring_sqe_attr_ptr_s,
    /// The user address of the option value of a socket option `uring_cmd`; Linux 6.7.
    pub optval: u64,
    /// The start of the command data of an `IORING_OP_URING_CMD`: 16 bytes
    /// in a 64-byte SQE, 80 bytes in a 128-byte one; Linux 5.19.
    pub cmd: [u8; 0],
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    const _: () = assert!(size_of::<io_uring_sqe_off>() == 8);
    const _: () = assert!(size_of::<io_uring_sqe_addr>() == 8);
    const _: () = assert!(size_of::<io_uring_sqe_op_flags>() == 4);
    const _: () = assert!(size_of::<io_uring_sqe_buf>() == 2);
    const _: () = assert!(align_of::<io_uring_sqe_buf>() == 1);
    const _: () = assert!(size_of::<io_uring_sqe_file>() == 4);
    const _: () = assert!(size_of::<io_uring_sqe_addr3>() == 16);
}
