//! `io_uring_setup(2)`: the parameter block, the ring offset blocks, the
//! `IORING_SETUP_*` and `IORING_FEAT_*` flags, the SQ/CQ ring flags and the
//! `mmap(2)` offsets of the ring regions.

use crate::types::impl_zeroed;

/// The offsets of the SQ ring's fields inside the SQ ring region, which the
/// kernel fills in `io_uring_params.sq_off`. Linux 5.1; `user_addr` from 6.5.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_sqring_offsets {
    /// Byte offset of the head index (written by the kernel).
    pub head: u32,
    /// Byte offset of the tail index (written by the application).
    pub tail: u32,
    /// Byte offset of the index mask, `ring_entries - 1`.
    pub ring_mask: u32,
    /// Byte offset of the number of entries.
    pub ring_entries: u32,
    /// Byte offset of the `IORING_SQ_*` flags word.
    pub flags: u32,
    /// Byte offset of the count of invalid SQEs the kernel dropped.
    pub dropped: u32,
    /// Byte offset of the index array (0 with `IORING_SETUP_NO_SQARRAY`).
    pub array: u32,
    /// Reserved.
    pub resv1: u32,
    /// With `IORING_SETUP_NO_MMAP`, the user address of the memory the
    /// application provides for the SQEs; reserved otherwise. Linux 6.5
    /// (previously `resv2`).
    pub user_addr: u64,
}

/// The offsets of the CQ ring's fields inside the CQ ring region, which the
/// kernel fills in `io_uring_params.cq_off`. Linux 5.1; `flags` from 5.8
/// and `user_addr` from 6.5.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_cqring_offsets {
    /// Byte offset of the head index (written by the application).
    pub head: u32,
    /// Byte offset of the tail index (written by the kernel).
    pub tail: u32,
    /// Byte offset of the index mask, `ring_entries - 1`.
    pub ring_mask: u32,
    /// Byte offset of the number of entries.
    pub ring_entries: u32,
    /// Byte offset of the count of completions lost to overflow.
    pub overflow: u32,
    /// Byte offset of the CQE array.
    pub cqes: u32,
    /// Byte offset of the `IORING_CQ_*` flags word, 0 before Linux 5.8. Linux 5.8.
    pub flags: u32,
    /// Reserved.
    pub resv1: u32,
    /// With `IORING_SETUP_NO_MMAP`, the user address of the memory the
    /// application provides for the rings; reserved otherwise. Linux 6.5
    /// (previously `resv2`).
    pub user_addr: u64,
}

/// The parameter block of `io_uring_setup(2)`: the application fills in the
/// request, the kernel writes back the ring sizes, the features and the ring
/// offsets. Linux 5.1; `features` from 5.4 and `wq_fd` from 5.6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_params {
    /// Number of SQ entries (written by the kernel).
    pub sq_entries: u32,
    /// Number of CQ entries (read with `IORING_SETUP_CQSIZE`, written by the kernel).
    pub cq_entries: u32,
    /// `IORING_SETUP_*` flags.
    pub flags: u32,
    /// The CPU of the SQ poll thread, with `IORING_SETUP_SQ_AFF`.
    pub sq_thread_cpu: u32,
    /// Idle time of the SQ poll thread in milliseconds before it sleeps.
    pub sq_thread_idle: u32,
    /// `IORING_FEAT_*` flags (written by the kernel). Linux 5.4.
    pub features: u32,
    /// The ring whose io-wq backend to share, with `IORING_SETUP_ATTACH_WQ`. Linux 5.6.
    pub wq_fd: u32,
    /// Reserved, must be zero.
    pub resv: [u32; 3],
    /// The SQ ring offsets.
    pub sq_off: io_sqring_offsets,
    /// The CQ ring offsets.
    pub cq_off: io_cqring_offsets,
}

/// `params.flags`: the application polls for completions instead of
/// waiting for interrupts (`O_DIRECT` files on polled block devices); Linux 5.1.
pub const IORING_SETUP_IOPOLL: u32 = 1 << 0;
/// `params.flags`: a kernel thread polls the SQ ring, so submission needs
/// no system call; Linux 5.1.
pub const IORING_SETUP_SQPOLL: u32 = 1 << 1;
/// `params.flags`: pin the SQ poll thread to `sq_thread_cpu`; Linux 5.1.
pub const IORING_SETUP_SQ_AFF: u32 = 1 << 2;
/// `params.flags`: the application chooses the CQ size in `cq_entries`; Linux 5.5.
pub const IORING_SETUP_CQSIZE: u32 = 1 << 3;
/// `params.flags`: clamp too-large ring sizes to the maximum instead of
/// failing; Linux 5.6.
pub const IORING_SETUP_CLAMP: u32 = 1 << 4;
/// `params.flags`: share the io-wq backend of the ring in `wq_fd`; Linux 5.6.
pub const IORING_SETUP_ATTACH_WQ: u32 = 1 << 5;
/// `params.flags`: create the ring disabled, so that restrictions can be
/// registered before `IORING_REGISTER_ENABLE_RINGS`; Linux 5.10.
pub const IORING_SETUP_R_DISABLED: u32 = 1 << 6;
/// `params.flags`: keep submitting the rest of a batch after one SQE fails
/// to submit; Linux 5.18.
pub const IORING_SETUP_SUBMIT_ALL: u32 = 1 << 7;
/// `params.flags`: do not interrupt the task with an inter-processor
/// interrupt to run completion work; run it when the task next enters the
/// kernel; Linux 5.19.
pub const IORING_SETUP_COOP_TASKRUN: u32 = 1 << 8;
/// `params.flags`: set `IORING_SQ_TASKRUN` in the SQ flags when completion
/// work is pending and needs a kernel entry to run (with
/// `IORING_SETUP_COOP_TASKRUN` or `IORING_SETUP_DEFER_TASKRUN`); Linux 5.19.
pub const IORING_SETUP_TASKRUN_FLAG: u32 = 1 << 9;
/// `params.flags`: every SQE is 128 bytes ([`crate::io_uring_sqe128`]); Linux 5.19.
pub const IORING_SETUP_SQE128: u32 = 1 << 10;
/// `params.flags`: every CQE is 32 bytes ([`crate::io_uring_cqe32`]); Linux 5.19.
pub const IORING_SETUP_CQE32: u32 = 1 << 11;
/// `params.flags`: only one task will ever submit to this ring; Linux 6.0.
pub const IORING_SETUP_SINGLE_ISSUER: u32 = 1 << 12;
/// `params.flags`: run completion work only when the submitting task waits
/// for completions (requires `IORING_SETUP_SINGLE_ISSUER`); Linux 6.1.
pub const IORING_SETUP_DEFER_TASKRUN: u32 = 1 << 13;
/// `params.flags`: the application provides the ring memory, at
/// `sq_off.user_addr` and `cq_off.user_addr`, instead of mapping it from the
/// kernel; Linux 6.5.
pub const IORING_SETUP_NO_MMAP: u32 = 1 << 14;
/// `params.flags`: register the ring's own descriptor with it and return
/// the registered index instead of a file descriptor (for use with
/// `IORING_REGISTER_USE_REGISTERED_RING`); Linux 6.5.
pub const IORING_SETUP_REGISTERED_FD_ONLY: u32 = 1 << 15;
/// `params.flags`: the SQ ring has no index array; the SQ head and tail
/// index the SQEs directly; Linux 6.6.
pub const IORING_SETUP_NO_SQARRAY: u32 = 1 << 16;
/// `params.flags`: with `IORING_SETUP_IOPOLL`, sleep for part of the
/// expected completion time before starting to poll; Linux 6.13.
pub const IORING_SETUP_HYBRID_IOPOLL: u32 = 1 << 17;
/// `params.flags`: the CQ ring holds both 16- and 32-byte CQEs, the latter
/// flagged with `IORING_CQE_F_32`; Linux 6.18.
pub const IORING_SETUP_CQE_MIXED: u32 = 1 << 18;
/// `params.flags`: the SQ ring holds both 64- and 128-byte SQEs, the latter
/// used by the 128-byte opcodes (`IORING_OP_NOP128`,
/// `IORING_OP_URING_CMD128`); Linux 6.19.
pub const IORING_SETUP_SQE_MIXED: u32 = 1 << 19;
/// `params.flags`: the kernel ignores the SQ head and tail and takes each
/// batch from index 0 of the SQE array, so the application must place every
/// submission at the start of the array and leave head and tail at 0.
/// Requires `IORING_SETUP_NO_SQARRAY` and excludes `IORING_SETUP_SQPOLL`;
/// Linux 7.0.
pub const IORING_SETUP_SQ_REWIND: u32 = 1 << 20;

/// `params.features`: the SQ and CQ rings share one mapping, at
/// `IORING_OFF_SQ_RING`; Linux 5.4.
pub const IORING_FEAT_SINGLE_MMAP: u32 = 1 << 0;
/// `params.features`: completions are never dropped on CQ overflow; the
/// kernel keeps them until there is room; Linux 5.5.
pub const IORING_FEAT_NODROP: u32 = 1 << 1;
/// `params.features`: the kernel has consumed all data an SQE points to
/// once `io_uring_enter(2)` returns; Linux 5.5.
pub const IORING_FEAT_SUBMIT_STABLE: u32 = 1 << 2;
/// `params.features`: an offset of -1 means the current file position, as
/// in `preadv2(2)`; Linux 5.6.
pub const IORING_FEAT_RW_CUR_POS: u32 = 1 << 3;
/// `params.features`: requests run with the credentials of the submitter
/// (or of `personality`), not of the ring creator; Linux 5.6.
pub const IORING_FEAT_CUR_PERSONALITY: u32 = 1 << 4;
/// `params.features`: requests that would block are retried through
/// internal polling rather than always handed to a worker; Linux 5.7.
pub const IORING_FEAT_FAST_POLL: u32 = 1 << 5;
/// `params.features`: `IORING_OP_POLL_ADD` takes a 32-bit mask
/// (`poll32_events`); Linux 5.9.
pub const IORING_FEAT_POLL_32BITS: u32 = 1 << 6;
/// `params.features`: `IORING_SETUP_SQPOLL` works with unregistered files;
/// Linux 5.11.
pub const IORING_FEAT_SQPOLL_NONFIXED: u32 = 1 << 7;
/// `params.features`: `io_uring_enter(2)` accepts `IORING_ENTER_EXT_ARG`;
/// Linux 5.11.
pub const IORING_FEAT_EXT_ARG: u32 = 1 << 8;
/// `params.features`: io-wq workers are threads of the submitting task;
/// Linux 5.12.
pub const IORING_FEAT_NATIVE_WORKERS: u32 = 1 << 9;
/// `params.features`: registered resources can carry tags
/// (`IORING_REGISTER_FILES2` and friends); Linux 5.13.
pub const IORING_FEAT_RSRC_TAGS: u32 = 1 << 10;
/// `params.features`: `IOSQE_CQE_SKIP_SUCCESS` is supported; Linux 5.17.
pub const IORING_FEAT_CQE_SKIP: u32 = 1 << 11;
/// `params.features`: the file of a linked request is looked up when the
/// request starts, not when it is submitted; Linux 5.18.
pub const IORING_FEAT_LINKED_FILE: u32 = 1 << 12;
/// `params.features`: `io_uring_register(2)` accepts
/// `IORING_REGISTER_USE_REGISTERED_RING`; Linux 6.3.
pub const IORING_FEAT_REG_REG_RING: u32 = 1 << 13;
/// `params.features`: send and receive accept `IORING_RECVSEND_BUNDLE`; Linux 6.10.
pub const IORING_FEAT_RECVSEND_BUNDLE: u32 = 1 << 14;
/// `params.features`: waits accept a minimum wait time
/// (`io_uring_getevents_arg.min_wait_usec`); Linux 6.12.
pub const IORING_FEAT_MIN_TIMEOUT: u32 = 1 << 15;
/// `params.features`: reads and writes accept attributes (`attr_ptr`,
/// `attr_type_mask`); Linux 6.14.
pub const IORING_FEAT_RW_ATTR: u32 = 1 << 16;
/// `params.features`: `io_uring_enter(2)` accepts `IORING_ENTER_NO_IOWAIT`;
/// Linux 6.15.
pub const IORING_FEAT_NO_IOWAIT: u32 = 1 << 17;

/// SQ ring flags word: the SQ poll thread is asleep and needs
/// `IORING_ENTER_SQ_WAKEUP` to notice new entries; Linux 5.1.
pub const IORING_SQ_NEED_WAKEUP: u32 = 1 << 0;
/// SQ ring flags word: the CQ ring has overflowed and completions are
/// waiting in the kernel; Linux 5.8.
pub const IORING_SQ_CQ_OVERFLOW: u32 = 1 << 1;
/// SQ ring flags word: completion work is pending and needs the task to
/// enter the kernel (with `IORING_SETUP_TASKRUN_FLAG`); Linux 5.19.
pub const IORING_SQ_TASKRUN: u32 = 1 << 2;

/// CQ ring flags word: the application asks the kernel not to signal the
/// registered eventfd; Linux 5.8.
pub const IORING_CQ_EVENTFD_DISABLED: u32 = 1 << 0;

/// `mmap(2)` offset of the SQ ring region (and, with
/// `IORING_FEAT_SINGLE_MMAP`, of the CQ ring too); Linux 5.1.
pub const IORING_OFF_SQ_RING: u64 = 0;
/// `mmap(2)` offset of the CQ ring region; Linux 5.1.
pub const IORING_OFF_CQ_RING: u64 = 0x0800_0000;
/// `mmap(2)` offset of the SQE array; Linux 5.1.
pub const IORING_OFF_SQES: u64 = 0x1000_0000;
/// `mmap(2)` offset of a kernel-allocated provided-buffer ring
/// (`IOU_PBUF_RING_MMAP`), to be OR-ed with
/// `bgid << IORING_OFF_PBUF_SHIFT`; Linux 6.4.
pub const IORING_OFF_PBUF_RING: u64 = 0x8000_0000;
/// The shift of the buffer group ID in a `IORING_OFF_PBUF_RING` offset; Linux 6.4.
pub const IORING_OFF_PBUF_SHIFT: u64 = 16;
/// The bits of an `mmap(2)` offset that select the region type; Linux 6.4.
pub const IORING_OFF_MMAP_MASK: u64 = 0xf800_0000;

impl_zeroed!(
    io_sqring_offsets => "5.1",
    io_cqring_offsets => "5.1",
    io_uring_params => "5.1",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    const _: () = assert!(size_of::<io_sqring_offsets>() == 40);
    const _: () = assert!(size_of::<io_cqring_offsets>() == 40);
    const _: () = assert!(size_of::<io_uring_params>() == 120);
    const _: () = assert!(offset_of!(io_uring_params, sq_off) == 40);
    const _: () = assert!(offset_of!(io_uring_params, cq_off) == 80);
}
