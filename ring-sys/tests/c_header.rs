//! The ABI of `ring-sys` checked against a C compiler: a small C program
//! that includes `<linux/io_uring.h>` prints the `sizeof`, `_Alignof` and
//! `offsetof` of every struct and field, and the value of every constant,
//! and each line is compared with what this crate says.
//!
//! The C source and the Rust expectations come from one list, [`table`], so
//! that they cannot drift apart. Each entry has a tier:
//!
//! - `Both`: the same name in old and new headers;
//! - `Old`: a name only older headers use (a field renamed since, such as
//!   `io_sqring_offsets.resv2`, now `user_addr`), mapped to our field at the
//!   same offset;
//! - `New`: a name only the Linux 7.0 headers have.
//!
//! Macros are always guarded with `#ifdef`, so a header that lacks one just
//! skips it. Enum members and struct fields cannot be guarded, so the list
//! only puts in `Both` those present in the system header of the machine
//! this was written on (Debian 12, `linux-libc-dev` 6.1.x).
//!
//! `system_header` compiles `Both` + `Old` against the system's headers.
//! `uapi_7_header` compiles `Both` + `New` against a Linux 7.0 header tree
//! when `RING_SYS_UAPI_INCLUDE` names one (a directory holding
//! `linux/io_uring.h`, `linux/io_uring/query.h` and
//! `linux/io_uring/bpf_filter.h`, for example liburing's
//! `src/include/liburing` copies laid out that way), and is skipped
//! otherwise. Both are skipped, with a message, when there is no `cc`.

use core::mem::{align_of, offset_of, size_of};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ring_sys::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tier {
    Both,
    Old,
    New,
}

struct Entry {
    tier: Tier,
    /// The C expression, also the key of the output line.
    expr: String,
    /// `#ifdef` guard for macros.
    guard: Option<&'static str>,
    /// What ring-sys says.
    rust: i128,
}

/// `sizeof` and `_Alignof` of a struct.
macro_rules! size {
    ($tier:ident $t:ident) => {
        [
            Entry {
                tier: Tier::$tier,
                expr: concat!("sizeof(struct ", stringify!($t), ")").to_owned(),
                guard: None,
                rust: size_of::<$t>() as i128,
            },
            Entry {
                tier: Tier::$tier,
                expr: concat!("_Alignof(struct ", stringify!($t), ")").to_owned(),
                guard: None,
                rust: align_of::<$t>() as i128,
            },
        ]
    };
}

/// `offsetof` of a C member; `=> path` names our field when the path differs.
macro_rules! off {
    ($tier:ident $t:ident . $c:ident) => {
        off!($tier $t . $c => $c)
    };
    ($tier:ident $t:ident . $c:ident => $($r:ident).+) => {
        [Entry {
            tier: Tier::$tier,
            expr: concat!("offsetof(struct ", stringify!($t), ", ", stringify!($c), ")").to_owned(),
            guard: None,
            rust: offset_of!($t, $($r).+) as i128,
        }]
    };
}

/// A macro, guarded by `#ifdef`.
macro_rules! def {
    ($($n:ident),* $(,)?) => {
        [$(Entry { tier: Tier::Both, expr: stringify!($n).to_owned(), guard: Some(stringify!($n)), rust: $n as i128 }),*]
    };
}

/// Enum members (or macros that are enum members in some headers), unguarded.
macro_rules! member {
    ($tier:ident: $($n:ident),* $(,)?) => {
        [$(Entry { tier: Tier::$tier, expr: stringify!($n).to_owned(), guard: None, rust: $n as i128 }),*]
    };
}

/// A free-form C expression and the value it must have.
macro_rules! raw {
    ($tier:ident $c:literal => $rust:expr) => {
        [Entry { tier: Tier::$tier, expr: $c.to_owned(), guard: None, rust: $rust as i128 }]
    };
}

/// The one list.
fn table() -> Vec<Entry> {
    let groups: Vec<Vec<Entry>> = vec![
        // ---- io_uring_sqe ----
        size!(Both io_uring_sqe).into(),
        off!(Both io_uring_sqe.opcode).into(),
        off!(Both io_uring_sqe.flags).into(),
        off!(Both io_uring_sqe.ioprio).into(),
        off!(Both io_uring_sqe.fd).into(),
        off!(Both io_uring_sqe.off => off.off).into(),
        off!(Both io_uring_sqe.addr2 => off.addr2).into(),
        off!(Both io_uring_sqe.cmd_op => off.cmd_op.cmd_op).into(),
        off!(Both io_uring_sqe.__pad1 => off.cmd_op.__pad1).into(),
        off!(Both io_uring_sqe.addr => addr.addr).into(),
        off!(Both io_uring_sqe.splice_off_in => addr.splice_off_in).into(),
        off!(New io_uring_sqe.level => addr.level.level).into(),
        off!(New io_uring_sqe.optname => addr.level.optname).into(),
        off!(Both io_uring_sqe.len).into(),
        off!(Both io_uring_sqe.rw_flags => rw_flags.rw_flags).into(),
        off!(Both io_uring_sqe.fsync_flags => rw_flags.fsync_flags).into(),
        off!(Both io_uring_sqe.poll_events => rw_flags.poll_events).into(),
        off!(Both io_uring_sqe.poll32_events => rw_flags.poll32_events).into(),
        off!(Both io_uring_sqe.sync_range_flags => rw_flags.sync_range_flags).into(),
        off!(Both io_uring_sqe.msg_flags => rw_flags.msg_flags).into(),
        off!(Both io_uring_sqe.timeout_flags => rw_flags.timeout_flags).into(),
        off!(Both io_uring_sqe.accept_flags => rw_flags.accept_flags).into(),
        off!(Both io_uring_sqe.cancel_flags => rw_flags.cancel_flags).into(),
        off!(Both io_uring_sqe.open_flags => rw_flags.open_flags).into(),
        off!(Both io_uring_sqe.statx_flags => rw_flags.statx_flags).into(),
        off!(Both io_uring_sqe.fadvise_advice => rw_flags.fadvise_advice).into(),
        off!(Both io_uring_sqe.splice_flags => rw_flags.splice_flags).into(),
        off!(Both io_uring_sqe.rename_flags => rw_flags.rename_flags).into(),
        off!(Both io_uring_sqe.unlink_flags => rw_flags.unlink_flags).into(),
        off!(Both io_uring_sqe.hardlink_flags => rw_flags.hardlink_flags).into(),
        off!(Both io_uring_sqe.xattr_flags => rw_flags.xattr_flags).into(),
        off!(Both io_uring_sqe.msg_ring_flags => rw_flags.msg_ring_flags).into(),
        off!(Both io_uring_sqe.uring_cmd_flags => rw_flags.uring_cmd_flags).into(),
        off!(New io_uring_sqe.waitid_flags => rw_flags.waitid_flags).into(),
        off!(New io_uring_sqe.futex_flags => rw_flags.futex_flags).into(),
        off!(New io_uring_sqe.install_fd_flags => rw_flags.install_fd_flags).into(),
        off!(New io_uring_sqe.nop_flags => rw_flags.nop_flags).into(),
        off!(New io_uring_sqe.pipe_flags => rw_flags.pipe_flags).into(),
        off!(Both io_uring_sqe.user_data).into(),
        off!(Both io_uring_sqe.buf_index => buf_index.buf_index).into(),
        off!(Both io_uring_sqe.buf_group => buf_index.buf_group).into(),
        off!(Both io_uring_sqe.personality).into(),
        off!(Both io_uring_sqe.splice_fd_in => splice_fd_in.splice_fd_in).into(),
        off!(Both io_uring_sqe.file_index => splice_fd_in.file_index).into(),
        off!(New io_uring_sqe.zcrx_ifq_idx => splice_fd_in.zcrx_ifq_idx).into(),
        off!(New io_uring_sqe.optlen => splice_fd_in.optlen).into(),
        off!(Both io_uring_sqe.addr_len => splice_fd_in.addr_len.addr_len).into(),
        off!(Both io_uring_sqe.__pad3 => splice_fd_in.addr_len.__pad3).into(),
        off!(Both io_uring_sqe.addr3 => addr3.addr3.addr3).into(),
        off!(Both io_uring_sqe.__pad2 => addr3.addr3.__pad2).into(),
        off!(New io_uring_sqe.attr_ptr => addr3.attr_ptr.attr_ptr).into(),
        off!(New io_uring_sqe.attr_type_mask => addr3.attr_ptr.attr_type_mask).into(),
        off!(New io_uring_sqe.optval => addr3.optval).into(),
        off!(Both io_uring_sqe.cmd => addr3.cmd).into(),
        size!(New io_uring_attr_pi).into(),
        off!(New io_uring_attr_pi.flags).into(),
        off!(New io_uring_attr_pi.app_tag).into(),
        off!(New io_uring_attr_pi.len).into(),
        off!(New io_uring_attr_pi.addr).into(),
        off!(New io_uring_attr_pi.seed).into(),
        off!(New io_uring_attr_pi.rsvd).into(),
        // ---- io_uring_cqe ----
        size!(Both io_uring_cqe).into(),
        off!(Both io_uring_cqe.user_data).into(),
        off!(Both io_uring_cqe.res).into(),
        off!(Both io_uring_cqe.flags).into(),
        off!(Both io_uring_cqe.big_cqe).into(),
        // ---- setup ----
        size!(Both io_sqring_offsets).into(),
        off!(Both io_sqring_offsets.head).into(),
        off!(Both io_sqring_offsets.tail).into(),
        off!(Both io_sqring_offsets.ring_mask).into(),
        off!(Both io_sqring_offsets.ring_entries).into(),
        off!(Both io_sqring_offsets.flags).into(),
        off!(Both io_sqring_offsets.dropped).into(),
        off!(Both io_sqring_offsets.array).into(),
        off!(Both io_sqring_offsets.resv1).into(),
        off!(Old io_sqring_offsets.resv2 => user_addr).into(),
        off!(New io_sqring_offsets.user_addr).into(),
        size!(Both io_cqring_offsets).into(),
        off!(Both io_cqring_offsets.head).into(),
        off!(Both io_cqring_offsets.tail).into(),
        off!(Both io_cqring_offsets.ring_mask).into(),
        off!(Both io_cqring_offsets.ring_entries).into(),
        off!(Both io_cqring_offsets.overflow).into(),
        off!(Both io_cqring_offsets.cqes).into(),
        off!(Both io_cqring_offsets.flags).into(),
        off!(Both io_cqring_offsets.resv1).into(),
        off!(Old io_cqring_offsets.resv2 => user_addr).into(),
        off!(New io_cqring_offsets.user_addr).into(),
        size!(Both io_uring_params).into(),
        off!(Both io_uring_params.sq_entries).into(),
        off!(Both io_uring_params.cq_entries).into(),
        off!(Both io_uring_params.flags).into(),
        off!(Both io_uring_params.sq_thread_cpu).into(),
        off!(Both io_uring_params.sq_thread_idle).into(),
        off!(Both io_uring_params.features).into(),
        off!(Both io_uring_params.wq_fd).into(),
        off!(Both io_uring_params.resv).into(),
        off!(Both io_uring_params.sq_off).into(),
        off!(Both io_uring_params.cq_off).into(),
        // ---- enter ----
        size!(Both io_uring_getevents_arg).into(),
        off!(Both io_uring_getevents_arg.sigmask).into(),
        off!(Both io_uring_getevents_arg.sigmask_sz).into(),
        off!(Old io_uring_getevents_arg.pad => min_wait_usec).into(),
        off!(New io_uring_getevents_arg.min_wait_usec).into(),
        off!(Both io_uring_getevents_arg.ts).into(),
        size!(New io_uring_reg_wait).into(),
        off!(New io_uring_reg_wait.ts).into(),
        off!(New io_uring_reg_wait.min_wait_usec).into(),
        off!(New io_uring_reg_wait.flags).into(),
        off!(New io_uring_reg_wait.sigmask).into(),
        off!(New io_uring_reg_wait.sigmask_sz).into(),
        off!(New io_uring_reg_wait.pad).into(),
        off!(New io_uring_reg_wait.pad2).into(),
        // ---- register ----
        size!(Both io_uring_files_update).into(),
        off!(Both io_uring_files_update.offset).into(),
        off!(Both io_uring_files_update.resv).into(),
        off!(Both io_uring_files_update.fds).into(),
        size!(New io_uring_region_desc).into(),
        off!(New io_uring_region_desc.user_addr).into(),
        off!(New io_uring_region_desc.size).into(),
        off!(New io_uring_region_desc.flags).into(),
        off!(New io_uring_region_desc.id).into(),
        off!(New io_uring_region_desc.mmap_offset).into(),
        off!(New io_uring_region_desc.__resv).into(),
        size!(New io_uring_mem_region_reg).into(),
        off!(New io_uring_mem_region_reg.region_uptr).into(),
        off!(New io_uring_mem_region_reg.flags).into(),
        off!(New io_uring_mem_region_reg.__resv).into(),
        size!(Both io_uring_rsrc_register).into(),
        off!(Both io_uring_rsrc_register.nr).into(),
        off!(Both io_uring_rsrc_register.flags).into(),
        off!(Both io_uring_rsrc_register.resv2).into(),
        off!(Both io_uring_rsrc_register.data).into(),
        off!(Both io_uring_rsrc_register.tags).into(),
        size!(Both io_uring_rsrc_update).into(),
        off!(Both io_uring_rsrc_update.offset).into(),
        off!(Both io_uring_rsrc_update.resv).into(),
        off!(Both io_uring_rsrc_update.data).into(),
        size!(Both io_uring_rsrc_update2).into(),
        off!(Both io_uring_rsrc_update2.offset).into(),
        off!(Both io_uring_rsrc_update2.resv).into(),
        off!(Both io_uring_rsrc_update2.data).into(),
        off!(Both io_uring_rsrc_update2.tags).into(),
        off!(Both io_uring_rsrc_update2.nr).into(),
        off!(Both io_uring_rsrc_update2.resv2).into(),
        size!(Both io_uring_probe_op).into(),
        off!(Both io_uring_probe_op.op).into(),
        off!(Both io_uring_probe_op.resv).into(),
        off!(Both io_uring_probe_op.flags).into(),
        off!(Both io_uring_probe_op.resv2).into(),
        size!(Both io_uring_probe).into(),
        off!(Both io_uring_probe.last_op).into(),
        off!(Both io_uring_probe.ops_len).into(),
        off!(Both io_uring_probe.resv).into(),
        off!(Both io_uring_probe.resv2).into(),
        off!(Both io_uring_probe.ops).into(),
        size!(Both io_uring_restriction).into(),
        off!(Both io_uring_restriction.opcode).into(),
        off!(Both io_uring_restriction.register_op => register_op.register_op).into(),
        off!(Both io_uring_restriction.sqe_op => register_op.sqe_op).into(),
        off!(Both io_uring_restriction.sqe_flags => register_op.sqe_flags).into(),
        off!(Both io_uring_restriction.resv).into(),
        off!(Both io_uring_restriction.resv2).into(),
        size!(New io_uring_task_restriction).into(),
        off!(New io_uring_task_restriction.flags).into(),
        off!(New io_uring_task_restriction.nr_res).into(),
        off!(New io_uring_task_restriction.resv).into(),
        off!(New io_uring_task_restriction.restrictions).into(),
        size!(New io_uring_clock_register).into(),
        off!(New io_uring_clock_register.clockid).into(),
        off!(New io_uring_clock_register.__resv).into(),
        size!(New io_uring_clone_buffers).into(),
        off!(New io_uring_clone_buffers.src_fd).into(),
        off!(New io_uring_clone_buffers.flags).into(),
        off!(New io_uring_clone_buffers.src_off).into(),
        off!(New io_uring_clone_buffers.dst_off).into(),
        off!(New io_uring_clone_buffers.nr).into(),
        off!(New io_uring_clone_buffers.pad).into(),
        size!(Both io_uring_buf).into(),
        off!(Both io_uring_buf.addr).into(),
        off!(Both io_uring_buf.len).into(),
        off!(Both io_uring_buf.bid).into(),
        off!(Both io_uring_buf.resv).into(),
        // The C struct is the union of the tail struct and `bufs`; ours is
        // only `bufs` (zero-sized), with the tail struct on its own.
        raw!(Both "sizeof(struct io_uring_buf_ring)" => size_of::<io_uring_buf>()).into(),
        raw!(Both "_Alignof(struct io_uring_buf_ring)" => align_of::<io_uring_buf_ring>()).into(),
        raw!(Both "offsetof(struct io_uring_buf_ring, bufs)" => offset_of!(io_uring_buf_ring, bufs)).into(),
        raw!(Both "offsetof(struct io_uring_buf_ring, resv1)" => offset_of!(io_uring_buf_ring_resv1_s, resv1)).into(),
        raw!(Both "offsetof(struct io_uring_buf_ring, resv2)" => offset_of!(io_uring_buf_ring_resv1_s, resv2)).into(),
        raw!(Both "offsetof(struct io_uring_buf_ring, resv3)" => offset_of!(io_uring_buf_ring_resv1_s, resv3)).into(),
        raw!(Both "offsetof(struct io_uring_buf_ring, tail)" => IO_URING_BUF_RING_TAIL_OFFSET).into(),
        size!(Both io_uring_buf_reg).into(),
        off!(Both io_uring_buf_reg.ring_addr).into(),
        off!(Both io_uring_buf_reg.ring_entries).into(),
        off!(Both io_uring_buf_reg.bgid).into(),
        off!(Old io_uring_buf_reg.pad => flags).into(),
        off!(New io_uring_buf_reg.flags).into(),
        off!(Old io_uring_buf_reg.resv => min_left).into(),
        off!(New io_uring_buf_reg.min_left).into(),
        off!(New io_uring_buf_reg.resv).into(),
        size!(New io_uring_buf_status).into(),
        off!(New io_uring_buf_status.buf_group).into(),
        off!(New io_uring_buf_status.head).into(),
        off!(New io_uring_buf_status.resv).into(),
        // liburing's 7.0 copy keeps the 6.9 layout of `io_uring_napi`, whose
        // `pad` and `resv` cover the kernel's (and our) `opcode` and `op_param`.
        // Its `resv` is a `__u64`, so that copy has alignment 8 where the
        // kernel's struct (6.13+, and ours; see abi_oracle.rs) has 4: only
        // the size is compared here.
        raw!(New "sizeof(struct io_uring_napi)" => size_of::<io_uring_napi>()).into(),
        off!(New io_uring_napi.busy_poll_to).into(),
        off!(New io_uring_napi.prefer_busy_poll).into(),
        off!(New io_uring_napi.pad => opcode).into(),
        off!(New io_uring_napi.resv => op_param).into(),
        size!(Both io_uring_sync_cancel_reg).into(),
        off!(Both io_uring_sync_cancel_reg.addr).into(),
        off!(Both io_uring_sync_cancel_reg.fd).into(),
        off!(Both io_uring_sync_cancel_reg.flags).into(),
        off!(Both io_uring_sync_cancel_reg.timeout).into(),
        off!(Old io_uring_sync_cancel_reg.pad => opcode).into(),
        off!(New io_uring_sync_cancel_reg.opcode).into(),
        off!(New io_uring_sync_cancel_reg.pad).into(),
        off!(New io_uring_sync_cancel_reg.pad2).into(),
        size!(Both io_uring_file_index_range).into(),
        off!(Both io_uring_file_index_range.off).into(),
        off!(Both io_uring_file_index_range.len).into(),
        off!(Both io_uring_file_index_range.resv).into(),
        // ---- types ----
        size!(Both io_uring_recvmsg_out).into(),
        off!(Both io_uring_recvmsg_out.namelen).into(),
        off!(Both io_uring_recvmsg_out.controllen).into(),
        off!(Both io_uring_recvmsg_out.payloadlen).into(),
        off!(Both io_uring_recvmsg_out.flags).into(),
        size!(New io_timespec).into(),
        off!(New io_timespec.tv_sec).into(),
        off!(New io_timespec.tv_nsec).into(),
        size!(Both __kernel_timespec).into(),
        off!(Both __kernel_timespec.tv_sec).into(),
        off!(Both __kernel_timespec.tv_nsec).into(),
        raw!(Both "sizeof(__kernel_rwf_t)" => size_of::<__kernel_rwf_t>()).into(),
        size!(Both open_how).into(),
        off!(Both open_how.flags).into(),
        off!(Both open_how.mode).into(),
        off!(Both open_how.resolve).into(),
        size!(Both futex_waitv).into(),
        off!(Both futex_waitv.val).into(),
        off!(Both futex_waitv.uaddr).into(),
        off!(Both futex_waitv.flags).into(),
        off!(Both futex_waitv.__reserved).into(),
        // ---- zcrx ----
        size!(New io_uring_zcrx_rqe).into(),
        off!(New io_uring_zcrx_rqe.off).into(),
        off!(New io_uring_zcrx_rqe.len).into(),
        off!(New io_uring_zcrx_rqe.__pad).into(),
        size!(New io_uring_zcrx_cqe).into(),
        off!(New io_uring_zcrx_cqe.off).into(),
        off!(New io_uring_zcrx_cqe.__pad).into(),
        size!(New io_uring_zcrx_offsets).into(),
        off!(New io_uring_zcrx_offsets.head).into(),
        off!(New io_uring_zcrx_offsets.tail).into(),
        off!(New io_uring_zcrx_offsets.rqes).into(),
        off!(New io_uring_zcrx_offsets.__resv2).into(),
        off!(New io_uring_zcrx_offsets.__resv).into(),
        size!(New io_uring_zcrx_area_reg).into(),
        off!(New io_uring_zcrx_area_reg.addr).into(),
        off!(New io_uring_zcrx_area_reg.len).into(),
        off!(New io_uring_zcrx_area_reg.rq_area_token).into(),
        off!(New io_uring_zcrx_area_reg.flags).into(),
        off!(New io_uring_zcrx_area_reg.dmabuf_fd).into(),
        off!(New io_uring_zcrx_area_reg.__resv2).into(),
        size!(New io_uring_zcrx_ifq_reg).into(),
        off!(New io_uring_zcrx_ifq_reg.if_idx).into(),
        off!(New io_uring_zcrx_ifq_reg.if_rxq).into(),
        off!(New io_uring_zcrx_ifq_reg.rq_entries).into(),
        off!(New io_uring_zcrx_ifq_reg.flags).into(),
        off!(New io_uring_zcrx_ifq_reg.area_ptr).into(),
        off!(New io_uring_zcrx_ifq_reg.region_ptr).into(),
        off!(New io_uring_zcrx_ifq_reg.offsets).into(),
        off!(New io_uring_zcrx_ifq_reg.zcrx_id).into(),
        off!(New io_uring_zcrx_ifq_reg.rx_buf_len).into(),
        off!(New io_uring_zcrx_ifq_reg.__resv).into(),
        size!(New zcrx_ctrl_flush_rq).into(),
        off!(New zcrx_ctrl_flush_rq.__resv).into(),
        size!(New zcrx_ctrl_export).into(),
        off!(New zcrx_ctrl_export.zcrx_fd).into(),
        off!(New zcrx_ctrl_export.__resv1).into(),
        size!(New zcrx_ctrl).into(),
        off!(New zcrx_ctrl.zcrx_id).into(),
        off!(New zcrx_ctrl.op).into(),
        off!(New zcrx_ctrl.__resv).into(),
        off!(New zcrx_ctrl.zc_export => zc_export.zc_export).into(),
        off!(New zcrx_ctrl.zc_flush => zc_export.zc_flush).into(),
        // ---- query.h ----
        size!(New io_uring_query_hdr).into(),
        off!(New io_uring_query_hdr.next_entry).into(),
        off!(New io_uring_query_hdr.query_data).into(),
        off!(New io_uring_query_hdr.query_op).into(),
        off!(New io_uring_query_hdr.size).into(),
        off!(New io_uring_query_hdr.result).into(),
        off!(New io_uring_query_hdr.__resv).into(),
        size!(New io_uring_query_opcode).into(),
        off!(New io_uring_query_opcode.nr_request_opcodes).into(),
        off!(New io_uring_query_opcode.nr_register_opcodes).into(),
        off!(New io_uring_query_opcode.feature_flags).into(),
        off!(New io_uring_query_opcode.ring_setup_flags).into(),
        off!(New io_uring_query_opcode.enter_flags).into(),
        off!(New io_uring_query_opcode.sqe_flags).into(),
        off!(New io_uring_query_opcode.nr_query_opcodes).into(),
        off!(New io_uring_query_opcode.__pad).into(),
        size!(New io_uring_query_zcrx).into(),
        off!(New io_uring_query_zcrx.register_flags).into(),
        off!(New io_uring_query_zcrx.area_flags).into(),
        off!(New io_uring_query_zcrx.nr_ctrl_opcodes).into(),
        off!(New io_uring_query_zcrx.features).into(),
        off!(New io_uring_query_zcrx.rq_hdr_size).into(),
        off!(New io_uring_query_zcrx.rq_hdr_alignment).into(),
        off!(New io_uring_query_zcrx.__resv2).into(),
        size!(New io_uring_query_scq).into(),
        off!(New io_uring_query_scq.hdr_size).into(),
        off!(New io_uring_query_scq.hdr_alignment).into(),
        // ---- bpf_filter.h ----
        size!(New io_uring_bpf_ctx).into(),
        off!(New io_uring_bpf_ctx.user_data).into(),
        off!(New io_uring_bpf_ctx.opcode).into(),
        off!(New io_uring_bpf_ctx.sqe_flags).into(),
        off!(New io_uring_bpf_ctx.pdu_size).into(),
        off!(New io_uring_bpf_ctx.pad).into(),
        off!(New io_uring_bpf_ctx.socket => socket.socket).into(),
        off!(New io_uring_bpf_ctx.open => socket.open).into(),
        raw!(New "offsetof(struct io_uring_bpf_ctx, socket.type)" => offset_of!(io_uring_bpf_ctx, socket.socket.r#type)).into(),
        raw!(New "offsetof(struct io_uring_bpf_ctx, socket.protocol)" => offset_of!(io_uring_bpf_ctx, socket.socket.protocol)).into(),
        raw!(New "offsetof(struct io_uring_bpf_ctx, open.mode)" => offset_of!(io_uring_bpf_ctx, socket.open.mode)).into(),
        raw!(New "offsetof(struct io_uring_bpf_ctx, open.resolve)" => offset_of!(io_uring_bpf_ctx, socket.open.resolve)).into(),
        size!(New io_uring_bpf_filter).into(),
        off!(New io_uring_bpf_filter.opcode).into(),
        off!(New io_uring_bpf_filter.flags).into(),
        off!(New io_uring_bpf_filter.filter_len).into(),
        off!(New io_uring_bpf_filter.pdu_size).into(),
        off!(New io_uring_bpf_filter.resv).into(),
        off!(New io_uring_bpf_filter.filter_ptr).into(),
        off!(New io_uring_bpf_filter.resv2).into(),
        size!(New io_uring_bpf).into(),
        off!(New io_uring_bpf.cmd_type).into(),
        off!(New io_uring_bpf.cmd_flags).into(),
        off!(New io_uring_bpf.resv).into(),
        off!(New io_uring_bpf.filter => filter.filter).into(),
        // ---- macros (guarded, so any header version) ----
        def![
            IORING_RW_ATTR_FLAG_PI, IORING_FILE_INDEX_ALLOC,
            IOSQE_FIXED_FILE, IOSQE_IO_DRAIN, IOSQE_IO_LINK, IOSQE_IO_HARDLINK, IOSQE_ASYNC,
            IOSQE_BUFFER_SELECT, IOSQE_CQE_SKIP_SUCCESS,
            IORING_SETUP_IOPOLL, IORING_SETUP_SQPOLL, IORING_SETUP_SQ_AFF, IORING_SETUP_CQSIZE,
            IORING_SETUP_CLAMP, IORING_SETUP_ATTACH_WQ, IORING_SETUP_R_DISABLED,
            IORING_SETUP_SUBMIT_ALL, IORING_SETUP_COOP_TASKRUN, IORING_SETUP_TASKRUN_FLAG,
            IORING_SETUP_SQE128, IORING_SETUP_CQE32, IORING_SETUP_SINGLE_ISSUER,
            IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_NO_MMAP, IORING_SETUP_REGISTERED_FD_ONLY,
            IORING_SETUP_NO_SQARRAY, IORING_SETUP_HYBRID_IOPOLL, IORING_SETUP_CQE_MIXED,
            IORING_SETUP_SQE_MIXED, IORING_SETUP_SQ_REWIND,
            IORING_URING_CMD_FIXED, IORING_URING_CMD_MASK, IORING_FSYNC_DATASYNC,
            IORING_TIMEOUT_ABS, IORING_TIMEOUT_UPDATE, IORING_TIMEOUT_BOOTTIME,
            IORING_TIMEOUT_REALTIME, IORING_LINK_TIMEOUT_UPDATE, IORING_TIMEOUT_ETIME_SUCCESS,
            IORING_TIMEOUT_MULTISHOT, IORING_TIMEOUT_IMMEDIATE_ARG, IORING_TIMEOUT_CLOCK_MASK,
            IORING_TIMEOUT_UPDATE_MASK, SPLICE_F_FD_IN_FIXED,
            IORING_POLL_ADD_MULTI, IORING_POLL_UPDATE_EVENTS, IORING_POLL_UPDATE_USER_DATA,
            IORING_POLL_ADD_LEVEL,
            IORING_ASYNC_CANCEL_ALL, IORING_ASYNC_CANCEL_FD, IORING_ASYNC_CANCEL_ANY,
            IORING_ASYNC_CANCEL_FD_FIXED, IORING_ASYNC_CANCEL_USERDATA, IORING_ASYNC_CANCEL_OP,
            IORING_RECVSEND_POLL_FIRST, IORING_RECV_MULTISHOT, IORING_RECVSEND_FIXED_BUF,
            IORING_SEND_ZC_REPORT_USAGE, IORING_RECVSEND_BUNDLE, IORING_SEND_VECTORIZED,
            IORING_NOTIF_USAGE_ZC_COPIED,
            IORING_ACCEPT_MULTISHOT, IORING_ACCEPT_DONTWAIT, IORING_ACCEPT_POLL_FIRST,
            IORING_MSG_RING_CQE_SKIP, IORING_MSG_RING_FLAGS_PASS, IORING_FIXED_FD_NO_CLOEXEC,
            IORING_NOP_INJECT_RESULT, IORING_NOP_FILE, IORING_NOP_FIXED_FILE,
            IORING_NOP_FIXED_BUFFER, IORING_NOP_TW, IORING_NOP_CQE32,
            IORING_CQE_F_BUFFER, IORING_CQE_F_MORE, IORING_CQE_F_SOCK_NONEMPTY,
            IORING_CQE_F_NOTIF, IORING_CQE_F_BUF_MORE, IORING_CQE_F_SKIP, IORING_CQE_F_32,
            IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES, IORING_OFF_PBUF_RING,
            IORING_OFF_PBUF_SHIFT, IORING_OFF_MMAP_MASK,
            IORING_SQ_NEED_WAKEUP, IORING_SQ_CQ_OVERFLOW, IORING_SQ_TASKRUN,
            IORING_CQ_EVENTFD_DISABLED,
            IORING_ENTER_GETEVENTS, IORING_ENTER_SQ_WAKEUP, IORING_ENTER_SQ_WAIT,
            IORING_ENTER_EXT_ARG, IORING_ENTER_REGISTERED_RING, IORING_ENTER_ABS_TIMER,
            IORING_ENTER_EXT_ARG_REG, IORING_ENTER_NO_IOWAIT,
            IORING_FEAT_SINGLE_MMAP, IORING_FEAT_NODROP, IORING_FEAT_SUBMIT_STABLE,
            IORING_FEAT_RW_CUR_POS, IORING_FEAT_CUR_PERSONALITY, IORING_FEAT_FAST_POLL,
            IORING_FEAT_POLL_32BITS, IORING_FEAT_SQPOLL_NONFIXED, IORING_FEAT_EXT_ARG,
            IORING_FEAT_NATIVE_WORKERS, IORING_FEAT_RSRC_TAGS, IORING_FEAT_CQE_SKIP,
            IORING_FEAT_LINKED_FILE, IORING_FEAT_REG_REG_RING, IORING_FEAT_RECVSEND_BUNDLE,
            IORING_FEAT_MIN_TIMEOUT, IORING_FEAT_RW_ATTR, IORING_FEAT_NO_IOWAIT,
            IORING_RSRC_REGISTER_SPARSE, IORING_REGISTER_FILES_SKIP, IO_URING_OP_SUPPORTED,
            IORING_TIMESTAMP_HW_SHIFT, IORING_TIMESTAMP_TYPE_SHIFT, IORING_CQE_F_TSTAMP_HW,
            IORING_ZCRX_AREA_SHIFT, IORING_ZCRX_AREA_MASK,
            RESOLVE_NO_XDEV, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH,
            RESOLVE_IN_ROOT, RESOLVE_CACHED,
            FUTEX2_SIZE_U8, FUTEX2_SIZE_U16, FUTEX2_SIZE_U32, FUTEX2_SIZE_U64, FUTEX2_SIZE_MASK,
            FUTEX2_NUMA, FUTEX2_MPOL, FUTEX2_PRIVATE, FUTEX_WAITV_MAX,
        ]
        .into(),
        // ---- enum members present in the old system header too ----
        member![Both:
            IOSQE_FIXED_FILE_BIT, IOSQE_IO_DRAIN_BIT, IOSQE_IO_LINK_BIT, IOSQE_IO_HARDLINK_BIT,
            IOSQE_ASYNC_BIT, IOSQE_BUFFER_SELECT_BIT, IOSQE_CQE_SKIP_SUCCESS_BIT,
            IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC,
            IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED, IORING_OP_POLL_ADD,
            IORING_OP_POLL_REMOVE, IORING_OP_SYNC_FILE_RANGE, IORING_OP_SENDMSG,
            IORING_OP_RECVMSG, IORING_OP_TIMEOUT, IORING_OP_TIMEOUT_REMOVE, IORING_OP_ACCEPT,
            IORING_OP_ASYNC_CANCEL, IORING_OP_LINK_TIMEOUT, IORING_OP_CONNECT,
            IORING_OP_FALLOCATE, IORING_OP_OPENAT, IORING_OP_CLOSE, IORING_OP_FILES_UPDATE,
            IORING_OP_STATX, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FADVISE,
            IORING_OP_MADVISE, IORING_OP_SEND, IORING_OP_RECV, IORING_OP_OPENAT2,
            IORING_OP_EPOLL_CTL, IORING_OP_SPLICE, IORING_OP_PROVIDE_BUFFERS,
            IORING_OP_REMOVE_BUFFERS, IORING_OP_TEE, IORING_OP_SHUTDOWN, IORING_OP_RENAMEAT,
            IORING_OP_UNLINKAT, IORING_OP_MKDIRAT, IORING_OP_SYMLINKAT, IORING_OP_LINKAT,
            IORING_OP_MSG_RING, IORING_OP_FSETXATTR, IORING_OP_SETXATTR, IORING_OP_FGETXATTR,
            IORING_OP_GETXATTR, IORING_OP_SOCKET, IORING_OP_URING_CMD, IORING_OP_SEND_ZC,
            IORING_OP_SENDMSG_ZC,
            IORING_MSG_DATA, IORING_MSG_SEND_FD, IORING_CQE_BUFFER_SHIFT,
            IORING_REGISTER_BUFFERS, IORING_UNREGISTER_BUFFERS, IORING_REGISTER_FILES,
            IORING_UNREGISTER_FILES, IORING_REGISTER_EVENTFD, IORING_UNREGISTER_EVENTFD,
            IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_EVENTFD_ASYNC, IORING_REGISTER_PROBE,
            IORING_REGISTER_PERSONALITY, IORING_UNREGISTER_PERSONALITY,
            IORING_REGISTER_RESTRICTIONS, IORING_REGISTER_ENABLE_RINGS, IORING_REGISTER_FILES2,
            IORING_REGISTER_FILES_UPDATE2, IORING_REGISTER_BUFFERS2,
            IORING_REGISTER_BUFFERS_UPDATE, IORING_REGISTER_IOWQ_AFF, IORING_UNREGISTER_IOWQ_AFF,
            IORING_REGISTER_IOWQ_MAX_WORKERS, IORING_REGISTER_RING_FDS,
            IORING_UNREGISTER_RING_FDS, IORING_REGISTER_PBUF_RING, IORING_UNREGISTER_PBUF_RING,
            IORING_REGISTER_SYNC_CANCEL, IORING_REGISTER_FILE_ALLOC_RANGE,
            IO_WQ_BOUND, IO_WQ_UNBOUND,
            IORING_RESTRICTION_REGISTER_OP, IORING_RESTRICTION_SQE_OP,
            IORING_RESTRICTION_SQE_FLAGS_ALLOWED, IORING_RESTRICTION_SQE_FLAGS_REQUIRED,
            IORING_RESTRICTION_LAST,
        ]
        .into(),
        // ---- enum members only the 7.0 headers have (or whose value moved) ----
        member![New:
            IORING_OP_READ_MULTISHOT, IORING_OP_WAITID, IORING_OP_FUTEX_WAIT,
            IORING_OP_FUTEX_WAKE, IORING_OP_FUTEX_WAITV, IORING_OP_FIXED_FD_INSTALL,
            IORING_OP_FTRUNCATE, IORING_OP_BIND, IORING_OP_LISTEN, IORING_OP_RECV_ZC,
            IORING_OP_EPOLL_WAIT, IORING_OP_READV_FIXED, IORING_OP_WRITEV_FIXED, IORING_OP_PIPE,
            IORING_OP_NOP128, IORING_OP_URING_CMD128, IORING_OP_LAST,
            IORING_REGISTER_PBUF_STATUS, IORING_REGISTER_NAPI, IORING_UNREGISTER_NAPI,
            IORING_REGISTER_CLOCK, IORING_REGISTER_CLONE_BUFFERS, IORING_REGISTER_SEND_MSG_RING,
            IORING_REGISTER_ZCRX_IFQ, IORING_REGISTER_RESIZE_RINGS, IORING_REGISTER_MEM_REGION,
            IORING_REGISTER_QUERY, IORING_REGISTER_ZCRX_CTRL, IORING_REGISTER_BPF_FILTER,
            IORING_REGISTER_LAST, IORING_REGISTER_USE_REGISTERED_RING,
            IORING_MEM_REGION_TYPE_USER, IORING_MEM_REGION_REG_WAIT_ARG,
            IORING_REGISTER_SRC_REGISTERED, IORING_REGISTER_DST_REPLACE,
            IOU_PBUF_RING_MMAP, IOU_PBUF_RING_INC, IORING_REG_WAIT_TS,
            SOCKET_URING_OP_SIOCINQ, SOCKET_URING_OP_SIOCOUTQ, SOCKET_URING_OP_GETSOCKOPT,
            SOCKET_URING_OP_SETSOCKOPT, SOCKET_URING_OP_TX_TIMESTAMP, SOCKET_URING_OP_GETSOCKNAME,
            IORING_ZCRX_AREA_DMABUF, ZCRX_REG_IMPORT, ZCRX_REG_NODEV, ZCRX_FEATURE_RX_PAGE_SIZE,
            ZCRX_CTRL_FLUSH_RQ, ZCRX_CTRL_EXPORT, __ZCRX_CTRL_LAST,
            IO_URING_QUERY_OPCODES, IO_URING_QUERY_ZCRX, IO_URING_QUERY_SCQ,
            __IO_URING_QUERY_MAX,
            IO_URING_BPF_FILTER_DENY_REST, IO_URING_BPF_FILTER_SZ_STRICT, IO_URING_BPF_CMD_FILTER,
        ]
        .into(),
    ];
    groups.into_iter().flatten().collect()
}

/// Writes the C program for the entries of `tiers`.
fn c_source(entries: &[&Entry], extra_headers: &[&str]) -> String {
    let mut s = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include <linux/io_uring.h>\n\
         #include <linux/openat2.h>\n#include <linux/futex.h>\n",
    );
    for h in extra_headers {
        s.push_str(&format!("#include <{h}>\n"));
    }
    s.push_str("\nint main(void)\n{\n");
    for e in entries {
        let line = format!("\tprintf(\"%s\\t%lld\\n\", \"{}\", (long long)({}));\n", e.expr, e.expr);
        match e.guard {
            Some(g) => s.push_str(&format!("#ifdef {g}\n{line}#endif\n")),
            None => s.push_str(&line),
        }
    }
    s.push_str("\treturn 0;\n}\n");
    s
}

/// Compiles and runs the program; `None` (after saying why) if it cannot.
fn run_c(tag: &str, source: &str, include: Option<&Path>) -> Option<BTreeMap<String, i128>> {
    match Command::new("cc").arg("--version").output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            println!("skipping: `cc --version` failed with {}", o.status);
            return None;
        }
        Err(e) => {
            println!("skipping: no C compiler (`cc`) to check against: {e}");
            return None;
        }
    }
    let dir = std::env::temp_dir().join(format!("ring-sys-c-header-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let c = dir.join("abi.c");
    let exe = dir.join("abi");
    std::fs::write(&c, source).expect("write C source");
    let mut cmd = Command::new("cc");
    cmd.arg("-std=gnu11").arg("-Wall").arg("-o").arg(&exe).arg(&c);
    if let Some(inc) = include {
        cmd.arg("-I").arg(inc);
    }
    let out = cmd.output().expect("run cc");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("linux/io_uring.h: No such file") {
            println!("skipping: the C compiler has no <linux/io_uring.h>:\n{err}");
            let _ = std::fs::remove_dir_all(&dir);
            return None;
        }
        panic!("the generated C program does not compile ({}):\n{err}", c.display());
    }
    let run = Command::new(&exe).output().expect("run the C program");
    assert!(run.status.success(), "the C program failed: {}", run.status);
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(run.stdout).expect("utf-8 output");
    let mut values = BTreeMap::new();
    for line in text.lines() {
        let (k, v) = line.rsplit_once('\t').expect("`expr<TAB>value` line");
        values.insert(k.to_owned(), v.parse::<i128>().expect("integer"));
    }
    Some(values)
}

/// Checks the entries of `tiers` against the headers found with `include`.
fn check(tag: &str, tiers: &[Tier], include: Option<&Path>, extra_headers: &[&str]) {
    let table = table();
    let entries: Vec<&Entry> = table.iter().filter(|e| tiers.contains(&e.tier)).collect();
    // The list itself must not name one C expression twice.
    let mut seen = std::collections::BTreeSet::new();
    for e in &table {
        assert!(seen.insert((e.expr.as_str(), e.tier == Tier::Old)), "duplicate entry {}", e.expr);
    }
    let Some(values) = run_c(tag, &c_source(&entries, extra_headers), include) else {
        return;
    };
    let mut mismatches = Vec::new();
    let mut absent = Vec::new();
    for e in &entries {
        match values.get(&e.expr) {
            // C prints every value as a `long long`; compare the low 64 bits,
            // so that `u64` masks with the top bit set match.
            Some(&c) if c as i64 == e.rust as i64 => {}
            Some(&c) => mismatches.push(format!("{}: C says {c}, ring-sys says {}", e.expr, e.rust)),
            None if e.guard.is_some() => absent.push(e.expr.as_str()),
            None => mismatches.push(format!("{}: no output line", e.expr)),
        }
    }
    println!(
        "{tag}: {} of {} entries compared; macros this header does not define: {absent:?}",
        entries.len() - absent.len(),
        entries.len()
    );
    assert!(mismatches.is_empty(), "{tag}: {} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}

#[test]
fn system_header() {
    check("system", &[Tier::Both, Tier::Old], None, &[]);
}

#[test]
fn uapi_7_header() {
    let Some(dir) = std::env::var_os("RING_SYS_UAPI_INCLUDE").map(PathBuf::from) else {
        println!("skipping: set RING_SYS_UAPI_INCLUDE to a Linux 7.0 uapi include tree to check the New entries");
        return;
    };
    check("uapi-7.0", &[Tier::Both, Tier::New], Some(&dir), &["linux/io_uring/query.h", "linux/io_uring/bpf_filter.h"]);
}

#[test]
fn table_is_complete_for_the_families() {
    // Every opcode and register opcode appears in the list exactly once,
    // whatever its tier.
    let table = table();
    let ops = table.iter().filter(|e| e.expr.starts_with("IORING_OP_")).count();
    let regs = table
        .iter()
        .filter(|e| e.expr.starts_with("IORING_REGISTER_") || e.expr.starts_with("IORING_UNREGISTER_"))
        .count();
    assert_eq!(ops, 65 + 1, "IORING_OP_* entries (with IORING_OP_LAST)");
    // 38 opcodes, LAST, USE_REGISTERED_RING, FILES_SKIP, SRC_REGISTERED, DST_REPLACE.
    assert_eq!(regs, 38 + 5, "IORING_REGISTER_* entries");
}
