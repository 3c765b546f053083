//! `io_uring_register(2)`: the `IORING_REGISTER_*` opcodes and the
//! structures and flags each of them takes (resources, probes, NAPI,
//! clocks, buffer cloning, memory regions, synchronous cancelation, file
//! slot ranges); the restrictions are in `restriction.rs`, the
//! provided-buffer rings in `buf_ring.rs`.

use crate::types::{__kernel_timespec, impl_zeroed};

// ---- opcodes (C enum io_uring_register_op) ----

/// Registers an array of `iovec` buffers for the `*_FIXED` operations; Linux 5.1.
pub const IORING_REGISTER_BUFFERS: u32 = 0;
/// Unregisters all registered buffers; Linux 5.1.
pub const IORING_UNREGISTER_BUFFERS: u32 = 1;
/// Registers an array of file descriptors for `IOSQE_FIXED_FILE`; Linux 5.1.
pub const IORING_REGISTER_FILES: u32 = 2;
/// Unregisters all registered files; Linux 5.1.
pub const IORING_UNREGISTER_FILES: u32 = 3;
/// Registers an eventfd the kernel signals on every completion; Linux 5.2.
pub const IORING_REGISTER_EVENTFD: u32 = 4;
/// Unregisters the eventfd; Linux 5.2.
pub const IORING_UNREGISTER_EVENTFD: u32 = 5;
/// Replaces part of the registered file table (takes an [`io_uring_files_update`]); Linux 5.5.
pub const IORING_REGISTER_FILES_UPDATE: u32 = 6;
/// Registers an eventfd signalled only for completions that did not finish
/// inline; Linux 5.6.
pub const IORING_REGISTER_EVENTFD_ASYNC: u32 = 7;
/// Fills an [`io_uring_probe`] with the opcodes this kernel supports; Linux 5.6.
pub const IORING_REGISTER_PROBE: u32 = 8;
/// Registers the caller's credentials and returns an id for `sqe.personality`; Linux 5.6.
pub const IORING_REGISTER_PERSONALITY: u32 = 9;
/// Unregisters a personality id; Linux 5.6.
pub const IORING_UNREGISTER_PERSONALITY: u32 = 10;
/// Restricts which opcodes and flags a disabled ring will accept (takes an
/// array of [`io_uring_restriction`](crate::io_uring_restriction)); Linux 5.10. With fd -1 it restricts
/// the calling task instead (takes an [`io_uring_task_restriction`](crate::io_uring_task_restriction)); Linux 7.0.
pub const IORING_REGISTER_RESTRICTIONS: u32 = 11;
/// Enables a ring created with `IORING_SETUP_R_DISABLED`; Linux 5.10.
pub const IORING_REGISTER_ENABLE_RINGS: u32 = 12;
/// Registers files with tags (takes an [`io_uring_rsrc_register`]); Linux 5.13.
pub const IORING_REGISTER_FILES2: u32 = 13;
/// Updates registered files with tags (takes an [`io_uring_rsrc_update2`]); Linux 5.13.
pub const IORING_REGISTER_FILES_UPDATE2: u32 = 14;
/// Registers buffers with tags (takes an [`io_uring_rsrc_register`]); Linux 5.13.
pub const IORING_REGISTER_BUFFERS2: u32 = 15;
/// Updates registered buffers with tags (takes an [`io_uring_rsrc_update2`]); Linux 5.13.
pub const IORING_REGISTER_BUFFERS_UPDATE: u32 = 16;
/// Sets the CPU affinity of the ring's io-wq workers; Linux 5.14.
pub const IORING_REGISTER_IOWQ_AFF: u32 = 17;
/// Clears the CPU affinity of the ring's io-wq workers; Linux 5.14.
pub const IORING_UNREGISTER_IOWQ_AFF: u32 = 18;
/// Sets (and returns the previous) maximum numbers of bounded and unbounded
/// io-wq workers (indexed by `IO_WQ_BOUND`, `IO_WQ_UNBOUND`); Linux 5.15.
pub const IORING_REGISTER_IOWQ_MAX_WORKERS: u32 = 19;
/// Registers ring file descriptors for `IORING_ENTER_REGISTERED_RING`
/// (takes an array of [`io_uring_rsrc_update`]); Linux 5.18.
pub const IORING_REGISTER_RING_FDS: u32 = 20;
/// Unregisters registered ring file descriptors; Linux 5.18.
pub const IORING_UNREGISTER_RING_FDS: u32 = 21;
/// Registers a provided-buffer ring (takes an [`io_uring_buf_reg`](crate::io_uring_buf_reg)); Linux 5.19.
pub const IORING_REGISTER_PBUF_RING: u32 = 22;
/// Unregisters a provided-buffer ring (takes an [`io_uring_buf_reg`](crate::io_uring_buf_reg)); Linux 5.19.
pub const IORING_UNREGISTER_PBUF_RING: u32 = 23;
/// Cancels requests and waits for them synchronously (takes an
/// [`io_uring_sync_cancel_reg`]); Linux 6.0.
pub const IORING_REGISTER_SYNC_CANCEL: u32 = 24;
/// Sets the range of direct descriptor slots the kernel allocates from
/// (takes an [`io_uring_file_index_range`]); Linux 6.0.
pub const IORING_REGISTER_FILE_ALLOC_RANGE: u32 = 25;
/// Reports the head of a provided-buffer ring (takes an [`io_uring_buf_status`](crate::io_uring_buf_status)); Linux 6.8.
pub const IORING_REGISTER_PBUF_STATUS: u32 = 26;
/// Enables NAPI busy polling for the ring (takes an [`io_uring_napi`]); Linux 6.9.
pub const IORING_REGISTER_NAPI: u32 = 27;
/// Disables NAPI busy polling and returns the previous settings; Linux 6.9.
pub const IORING_UNREGISTER_NAPI: u32 = 28;
/// Selects the clock of the ring's waits (takes an [`io_uring_clock_register`]); Linux 6.12.
pub const IORING_REGISTER_CLOCK: u32 = 29;
/// Copies registered buffers from another ring (takes an [`io_uring_clone_buffers`]); Linux 6.12.
pub const IORING_REGISTER_CLONE_BUFFERS: u32 = 30;
/// Performs an `IORING_OP_MSG_RING` from an SQE without a source ring (fd
/// -1); Linux 6.13.
pub const IORING_REGISTER_SEND_MSG_RING: u32 = 31;
/// Registers a network interface receive queue for zero-copy receive
/// (takes an [`crate::io_uring_zcrx_ifq_reg`]); Linux 6.15.
pub const IORING_REGISTER_ZCRX_IFQ: u32 = 32;
/// Resizes the SQ and CQ rings (takes an [`crate::io_uring_params`]); Linux 6.13.
pub const IORING_REGISTER_RESIZE_RINGS: u32 = 33;
/// Registers a memory region (takes an [`io_uring_mem_region_reg`]); Linux 6.13.
pub const IORING_REGISTER_MEM_REGION: u32 = 34;
/// Answers a chain of queries (takes an [`crate::io_uring_query_hdr`]); it
/// works with fd -1 too. Linux 6.18.
pub const IORING_REGISTER_QUERY: u32 = 35;
/// Performs an auxiliary zero-copy receive operation (takes a
/// [`crate::zcrx_ctrl`]); Linux 6.19.
pub const IORING_REGISTER_ZCRX_CTRL: u32 = 36;
/// Registers a classic BPF filter on a ring or, with fd -1, on the calling
/// task (takes an [`crate::io_uring_bpf`]); Linux 7.0.
pub const IORING_REGISTER_BPF_FILTER: u32 = 37;
/// The number of register opcodes this header knows (38); not an opcode,
/// and the kernel's value grows with every new one. Linux 5.10.
pub const IORING_REGISTER_LAST: u32 = 38;
/// OR-ed into the opcode, makes `fd` an index into the registered ring
/// descriptors rather than a file descriptor; Linux 6.3.
pub const IORING_REGISTER_USE_REGISTERED_RING: u32 = 1 << 31;

/// Index of the bounded (block I/O) worker count in the
/// `IORING_REGISTER_IOWQ_MAX_WORKERS` array (C `enum io_wq_type`); Linux 5.15.
pub const IO_WQ_BOUND: u32 = 0;
/// Index of the unbounded (network and other) worker count in the
/// `IORING_REGISTER_IOWQ_MAX_WORKERS` array; Linux 5.15.
pub const IO_WQ_UNBOUND: u32 = 1;

// ---- resources ----

/// The argument of `IORING_REGISTER_FILES_UPDATE`, superseded by
/// [`io_uring_rsrc_update`]. Linux 5.5.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_files_update {
    /// The first slot to replace.
    pub offset: u32,
    /// Reserved, must be zero.
    pub resv: u32,
    /// The user address of an array of `i32` descriptors (8-byte aligned in C).
    pub fds: u64,
}

/// `io_uring_rsrc_register.flags`: register an all-empty table of `nr`
/// slots instead of passing `nr` descriptors of -1; Linux 5.19.
pub const IORING_RSRC_REGISTER_SPARSE: u32 = 1 << 0;

/// The argument of `IORING_REGISTER_FILES2` and `IORING_REGISTER_BUFFERS2`.
/// Linux 5.13; `flags` from 5.19 (previously `resv`).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_rsrc_register {
    /// The number of entries.
    pub nr: u32,
    /// `IORING_RSRC_REGISTER_*` flags. Linux 5.19.
    pub flags: u32,
    /// Reserved, must be zero.
    pub resv2: u64,
    /// The user address of the descriptors or `iovec`s.
    pub data: u64,
    /// The user address of an array of `u64` tags, or 0.
    pub tags: u64,
}

/// One update of a registered resource table, and the argument of
/// `IORING_REGISTER_RING_FDS`. Linux 5.13.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_rsrc_update {
    /// The first slot to update.
    pub offset: u32,
    /// Reserved, must be zero.
    pub resv: u32,
    /// The user address of the new entries (or, for ring fds, the descriptor).
    pub data: u64,
}

/// The argument of `IORING_REGISTER_FILES_UPDATE2` and
/// `IORING_REGISTER_BUFFERS_UPDATE`. Linux 5.13.
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_rsrc_update2 {
    /// The first slot to update.
    pub offset: u32,
    /// Reserved, must be zero.
    pub resv: u32,
    /// The user address of the new entries.
    pub data: u64,
    /// The user address of the new tags, or 0.
    pub tags: u64,
    /// The number of entries.
    pub nr: u32,
    /// Reserved, must be zero.
    pub resv2: u32,
}

/// A descriptor value in a file table update meaning "leave this slot as it
/// is"; Linux 5.12.
pub const IORING_REGISTER_FILES_SKIP: i32 = -2;

// ---- probe ----

/// `io_uring_probe_op.flags`: the opcode is supported; Linux 5.6.
pub const IO_URING_OP_SUPPORTED: u16 = 1 << 0;

/// One opcode's entry in an [`io_uring_probe`]. Linux 5.6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_probe_op {
    /// The opcode.
    pub op: u8,
    /// Reserved.
    pub resv: u8,
    /// `IO_URING_OP_*` flags.
    pub flags: u16,
    /// Reserved.
    pub resv2: u32,
}

/// The result of `IORING_REGISTER_PROBE`: a header followed by `ops_len`
/// [`io_uring_probe_op`] entries (a flexible array member). Linux 5.6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_probe {
    /// The highest opcode the kernel knows.
    pub last_op: u8,
    /// The number of entries the kernel filled in.
    pub ops_len: u8,
    /// Reserved, must be zero.
    pub resv: u16,
    /// Reserved, must be zero.
    pub resv2: [u32; 3],
    /// The entries, indexed by opcode; the caller allocates room for them.
    pub ops: [io_uring_probe_op; 0],
}

// ---- clock, buffer cloning ----

/// The argument of `IORING_REGISTER_CLOCK`. Linux 6.12.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_clock_register {
    /// The clock of waits and timeouts, `CLOCK_MONOTONIC` or `CLOCK_BOOTTIME`.
    pub clockid: u32,
    /// Reserved, must be zero.
    pub __resv: [u32; 3],
}

/// `io_uring_clone_buffers.flags`: `src_fd` is a registered ring index; Linux 6.12.
pub const IORING_REGISTER_SRC_REGISTERED: u32 = 1 << 0;
/// `io_uring_clone_buffers.flags`: replace buffers already registered in the
/// destination range instead of failing; Linux 6.13.
pub const IORING_REGISTER_DST_REPLACE: u32 = 1 << 1;

/// The argument of `IORING_REGISTER_CLONE_BUFFERS`. Linux 6.12;
/// `src_off`, `dst_off` and `nr` from 6.13.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_clone_buffers {
    /// The ring to copy from.
    pub src_fd: u32,
    /// `IORING_REGISTER_SRC_REGISTERED`, `IORING_REGISTER_DST_REPLACE`.
    pub flags: u32,
    /// The first source buffer. Linux 6.13.
    pub src_off: u32,
    /// The first destination slot. Linux 6.13.
    pub dst_off: u32,
    /// How many buffers to copy, 0 for all. Linux 6.13.
    pub nr: u32,
    /// Reserved, must be zero.
    pub pad: [u32; 3],
}

// ---- NAPI ----

/// `io_uring_napi.opcode`: set the busy-poll parameters and the tracking
/// strategy (in `op_param`), as `IORING_REGISTER_NAPI` did before these
/// opcodes existed (C `enum io_uring_napi_op`); Linux 6.13.
pub const IO_URING_NAPI_REGISTER_OP: u8 = 0;
/// `io_uring_napi.opcode`: add the NAPI id in `op_param` to the static
/// list; Linux 6.13.
pub const IO_URING_NAPI_STATIC_ADD_ID: u8 = 1;
/// `io_uring_napi.opcode`: remove the NAPI id in `op_param` from the static
/// list; Linux 6.13.
pub const IO_URING_NAPI_STATIC_DEL_ID: u8 = 2;

/// `io_uring_napi.op_param` of `IO_URING_NAPI_REGISTER_OP`: track NAPI ids
/// from the sockets requests use (C `enum io_uring_napi_tracking_strategy`);
/// Linux 6.13.
pub const IO_URING_NAPI_TRACKING_DYNAMIC: u32 = 0;
/// `io_uring_napi.op_param` of `IO_URING_NAPI_REGISTER_OP`: poll only the
/// NAPI ids added with `IO_URING_NAPI_STATIC_ADD_ID`; Linux 6.13.
pub const IO_URING_NAPI_TRACKING_STATIC: u32 = 1;
/// `io_uring_napi.op_param` of `IO_URING_NAPI_REGISTER_OP`: track nothing
/// (busy polling off); Linux 6.13.
pub const IO_URING_NAPI_TRACKING_INACTIVE: u32 = 255;

/// The argument of `IORING_REGISTER_NAPI` and `IORING_UNREGISTER_NAPI`.
/// Linux 6.9; `opcode` and `op_param` from 6.13.
///
/// This is the kernel's layout; liburing's copy of the header still shows
/// the Linux 6.9 one, where `opcode` and `op_param` were `pad[3]` and the
/// first half of a `u64 resv` (the same bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_napi {
    /// The busy-poll timeout in microseconds.
    pub busy_poll_to: u32,
    /// Non-zero to prefer busy polling over interrupts.
    pub prefer_busy_poll: u8,
    /// An `IO_URING_NAPI_*` operation. Linux 6.13.
    pub opcode: u8,
    /// Reserved, must be zero.
    pub pad: [u8; 2],
    /// The tracking strategy or NAPI id the operation takes. Linux 6.13.
    pub op_param: u32,
    /// Reserved, must be zero.
    pub resv: u32,
}

// ---- memory regions ----

/// `io_uring_region_desc.flags`: the region is user memory at `user_addr`
/// rather than memory the kernel allocates; Linux 6.13.
pub const IORING_MEM_REGION_TYPE_USER: u32 = 1;

/// Describes a memory region shared between the application and the
/// kernel. Linux 6.13.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_region_desc {
    /// The user address of the memory, with `IORING_MEM_REGION_TYPE_USER`.
    pub user_addr: u64,
    /// The size of the region in bytes.
    pub size: u64,
    /// `IORING_MEM_REGION_TYPE_*` flags.
    pub flags: u32,
    /// The region id (output).
    pub id: u32,
    /// The `mmap(2)` offset of a kernel-allocated region (output).
    pub mmap_offset: u64,
    /// Reserved, must be zero.
    pub __resv: [u64; 4],
}

/// `io_uring_mem_region_reg.flags`: use the region for registered wait
/// arguments ([`crate::io_uring_reg_wait`]); Linux 6.13.
pub const IORING_MEM_REGION_REG_WAIT_ARG: u64 = 1;

/// The argument of `IORING_REGISTER_MEM_REGION`. Linux 6.13.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_mem_region_reg {
    /// The user address of an [`io_uring_region_desc`].
    pub region_uptr: u64,
    /// `IORING_MEM_REGION_*` flags.
    pub flags: u64,
    /// Reserved, must be zero.
    pub __resv: [u64; 2],
}

// ---- synchronous cancelation, file slot ranges ----

/// The argument of `IORING_REGISTER_SYNC_CANCEL`. Linux 6.0; `opcode` from
/// 6.6 (previously part of `pad`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_sync_cancel_reg {
    /// The `user_data` to match.
    pub addr: u64,
    /// The descriptor to match, with `IORING_ASYNC_CANCEL_FD`.
    pub fd: i32,
    /// `IORING_ASYNC_CANCEL_*` flags.
    pub flags: u32,
    /// How long to wait; `tv_sec` and `tv_nsec` of -1 wait forever.
    pub timeout: __kernel_timespec,
    /// The opcode to match, with `IORING_ASYNC_CANCEL_OP`. Linux 6.6.
    pub opcode: u8,
    /// Reserved, must be zero.
    pub pad: [u8; 7],
    /// Reserved, must be zero.
    pub pad2: [u64; 3],
}

/// The argument of `IORING_REGISTER_FILE_ALLOC_RANGE`: the slots
/// `[off, off + len)`. Linux 6.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_file_index_range {
    /// The first slot.
    pub off: u32,
    /// The number of slots.
    pub len: u32,
    /// Reserved, must be zero.
    pub resv: u64,
}

impl_zeroed!(
    io_uring_files_update => "5.5",
    io_uring_rsrc_register => "5.13",
    io_uring_rsrc_update => "5.13",
    io_uring_rsrc_update2 => "5.13",
    io_uring_probe_op => "5.6",
    io_uring_probe => "5.6",
    io_uring_clock_register => "6.12",
    io_uring_clone_buffers => "6.12",
    io_uring_napi => "6.9",
    io_uring_region_desc => "6.13",
    io_uring_mem_region_reg => "6.13",
    io_uring_sync_cancel_reg => "6.0",
    io_uring_file_index_range => "6.0",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    const _: () = assert!(size_of::<io_uring_files_update>() == 16);
    const _: () = assert!(size_of::<io_uring_rsrc_register>() == 32);
    const _: () = assert!(size_of::<io_uring_rsrc_update>() == 16);
    const _: () = assert!(size_of::<io_uring_rsrc_update2>() == 32);
    const _: () = assert!(align_of::<io_uring_rsrc_update2>() == 8);
    const _: () = assert!(size_of::<io_uring_probe_op>() == 8);
    const _: () = assert!(size_of::<io_uring_probe>() == 16);
    const _: () = assert!(size_of::<io_uring_clock_register>() == 16);
    const _: () = assert!(size_of::<io_uring_clone_buffers>() == 32);
    const _: () = assert!(size_of::<io_uring_napi>() == 16);
    const _: () = assert!(size_of::<io_uring_region_desc>() == 64);
    const _: () = assert!(size_of::<io_uring_mem_region_reg>() == 32);
    const _: () = assert!(size_of::<io_uring_sync_cancel_reg>() == 64);
    const _: () = assert!(size_of::<io_uring_file_index_range>() == 16);
}
