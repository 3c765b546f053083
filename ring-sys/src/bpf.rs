//! Classic BPF request filters (`IORING_REGISTER_BPF_FILTER`), from the uapi
//! header `linux/io_uring/bpf_filter.h`: the context a filter program sees
//! and the registration structures.

use core::fmt;

use crate::types::impl_zeroed;

/// The `socket` member of [`io_uring_bpf_ctx_pdu`]: the arguments of an
/// `IORING_OP_SOCKET` request. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_bpf_ctx_socket {
    /// The address family.
    pub family: u32,
    /// The socket type.
    pub r#type: u32,
    /// The protocol.
    pub protocol: u32,
}

/// The `open` member of [`io_uring_bpf_ctx_pdu`]: the arguments of an
/// `IORING_OP_OPENAT` or `IORING_OP_OPENAT2` request. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_bpf_ctx_open {
    /// The `O_*` flags.
    pub flags: u64,
    /// The creation mode.
    pub mode: u64,
    /// The `RESOLVE_*` flags.
    pub resolve: u64,
}

/// The opcode-specific data of an [`io_uring_bpf_ctx`] (the C anonymous
/// union). Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_bpf_ctx_pdu {
    /// Socket creation arguments.
    pub socket: io_uring_bpf_ctx_socket,
    /// Open arguments.
    pub open: io_uring_bpf_ctx_open,
}

impl Default for io_uring_bpf_ctx_pdu {
    /// All bytes zero.
    #[inline]
    fn default() -> Self {
        io_uring_bpf_ctx_pdu { open: io_uring_bpf_ctx_open::default() }
    }
}

impl fmt::Debug for io_uring_bpf_ctx_pdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: `open` spans the whole union and both members are plain integers. The kernel writes all of it, and
        // `Default` and `zeroed` initialise all of it; only a literal naming the shorter `socket` member would leave
        // its tail uninitialised.
        let v = unsafe { self.open };
        f.debug_struct("io_uring_bpf_ctx_pdu").field("open", &v).finish()
    }
}

/// The context a BPF filter program runs on, one per request. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct io_uring_bpf_ctx {
    /// The request's `user_data`.
    pub user_data: u64,
    /// The request's opcode.
    pub opcode: u8,
    /// The request's `IOSQE_*` flags.
    pub sqe_flags: u8,
    /// The size of the opcode-specific data that follows.
    pub pdu_size: u8,
    /// Reserved.
    pub pad: [u8; 5],
    /// The opcode-specific data; the field carries the name of the C
    /// union's first member.
    pub socket: io_uring_bpf_ctx_pdu,
}

/// `io_uring_bpf_filter.flags`: also deny every opcode that has no filter
/// yet; Linux 7.0.
pub const IO_URING_BPF_FILTER_DENY_REST: u32 = 1;
/// `io_uring_bpf_filter.flags`: fail the registration if the kernel's idea
/// of `pdu_size` for the opcode differs from the application's; Linux 7.0.
pub const IO_URING_BPF_FILTER_SZ_STRICT: u32 = 2;

/// A classic BPF filter for one opcode. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_bpf_filter {
    /// The `IORING_OP_*` opcode to filter.
    pub opcode: u32,
    /// `IO_URING_BPF_FILTER_*` flags.
    pub flags: u32,
    /// The number of BPF instructions.
    pub filter_len: u32,
    /// The opcode-specific data size the program expects.
    pub pdu_size: u8,
    /// Reserved, must be zero.
    pub resv: [u8; 3],
    /// The user address of the `struct sock_filter` instructions.
    pub filter_ptr: u64,
    /// Reserved, must be zero.
    pub resv2: [u64; 5],
}

/// `io_uring_bpf.cmd_type`: register the filter in `filter`; Linux 7.0.
pub const IO_URING_BPF_CMD_FILTER: u16 = 1;

/// The command-specific part of an [`io_uring_bpf`] (the C anonymous
/// union, which has one member so far). Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy)]
pub union io_uring_bpf_cmd {
    /// The filter of `IO_URING_BPF_CMD_FILTER`.
    pub filter: io_uring_bpf_filter,
}

impl Default for io_uring_bpf_cmd {
    /// All bytes zero.
    #[inline]
    fn default() -> Self {
        io_uring_bpf_cmd { filter: io_uring_bpf_filter::default() }
    }
}

impl fmt::Debug for io_uring_bpf_cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: `filter` is the only member, plain integers spanning the
        // whole union.
        let v = unsafe { self.filter };
        f.debug_struct("io_uring_bpf_cmd").field("filter", &v).finish()
    }
}

/// The argument of `IORING_REGISTER_BPF_FILTER`. Linux 7.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct io_uring_bpf {
    /// The command, one of `IO_URING_BPF_CMD_*`.
    pub cmd_type: u16,
    /// Command flags, none defined so far.
    pub cmd_flags: u16,
    /// Reserved, must be zero.
    pub resv: u32,
    /// The command's argument; the field carries the name of the C union's
    /// only member.
    pub filter: io_uring_bpf_cmd,
}

impl_zeroed!(
    io_uring_bpf_ctx_socket => "7.0",
    io_uring_bpf_ctx_open => "7.0",
    io_uring_bpf_ctx => "7.0",
    io_uring_bpf_filter => "7.0",
    io_uring_bpf => "7.0",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    const _: () = assert!(size_of::<io_uring_bpf_ctx>() == 40);
    const _: () = assert!(offset_of!(io_uring_bpf_ctx, socket) == 16);
    const _: () = assert!(size_of::<io_uring_bpf_filter>() == 64);
    const _: () = assert!(size_of::<io_uring_bpf>() == 72);
    const _: () = assert!(offset_of!(io_uring_bpf, filter) == 8);
}
