//! The ABI of `ring-sys` checked against an independent oracle: the
//! bindgen output of the `linux-raw-sys` crate (0.12), which was generated
//! from the Linux 6.17 uapi headers (it has `IORING_NOP_TW` and
//! `IORING_SEND_VECTORIZED`, both 6.17, and lacks `IORING_SETUP_CQE_MIXED`,
//! 6.18).
//!
//! Part 1 compares, for every struct the oracle has, the size, the
//! alignment and the offset of every field, including every member of every
//! union (through the oracle's `__bindgen_anon_N` members), and part 2 the
//! value of every io_uring constant and enum member the oracle has. Part 3
//! covers what is newer than the oracle, or that bindgen does not translate,
//! against the values printed in the Linux 7.0 header, citing the line of
//! liburing's copy (`src/include/liburing/io_uring.h`, or the `query.h` and
//! `bpf_filter.h` next to it) each value comes from. Part 4 asserts the
//! counts of each family together with the list of its names.
//!
//! The tables keep one assertion per line, so the test functions are
//! `#[rustfmt::skip]`.

use core::mem::{align_of, offset_of, size_of};

use linux_raw_sys::general as g;
use linux_raw_sys::io_uring as o;
use ring_sys::*;

/// Same size and alignment.
macro_rules! layout {
    ($ours:ty, $theirs:ty) => {{
        assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), "size_of::<{}>", stringify!($ours));
        assert_eq!(align_of::<$ours>(), align_of::<$theirs>(), "align_of::<{}>", stringify!($ours));
    }};
}

/// Same offset of a field (a path through our unions) as an oracle field path.
macro_rules! field {
    ($ours:ty, $($of:ident).+ ; $theirs:ty, $($tf:ident).+) => {
        assert_eq!(
            offset_of!($ours, $($of).+),
            offset_of!($theirs, $($tf).+),
            "offset_of!({}, {})", stringify!($ours), stringify!($($of).+)
        )
    };
}

/// Same offset of a field as a computed offset (for oracle members wrapped
/// in `__BindgenUnionField`, whose contents `offset_of!` cannot reach).
macro_rules! field_at {
    ($ours:ty, $($of:ident).+ ; $at:expr) => {
        assert_eq!(offset_of!($ours, $($of).+), $at, "offset_of!({}, {})", stringify!($ours), stringify!($($of).+))
    };
}

/// Same value, compared as `i128` so that the integer types may differ.
macro_rules! konst {
    ($ours:ident == $theirs:expr) => {
        assert_eq!($ours as i128, $theirs as i128, "{}", stringify!($ours))
    };
}

/// A value from the header text, with the header line it comes from.
macro_rules! header {
    ($ours:expr, $value:expr, $line:literal) => {
        assert_eq!($ours as i128, $value as i128, "{} (header {})", stringify!($ours), $line)
    };
}

/// Names and values of a family of constants.
macro_rules! family {
    ($($name:ident),* $(,)?) => { [$((stringify!($name), $name as u64)),*] };
}

// ---------------------------------------------------------------------------
// Part 1: struct layouts against the oracle.
// ---------------------------------------------------------------------------

#[test]
#[rustfmt::skip]
fn sqe_layout() {
    layout!(io_uring_sqe, o::io_uring_sqe);
    field!(io_uring_sqe, opcode; o::io_uring_sqe, opcode);
    field!(io_uring_sqe, flags; o::io_uring_sqe, flags);
    field!(io_uring_sqe, ioprio; o::io_uring_sqe, ioprio);
    field!(io_uring_sqe, fd; o::io_uring_sqe, fd);
    // union 1: off / addr2 / { cmd_op, __pad1 }
    layout!(io_uring_sqe_off, o::io_uring_sqe__bindgen_ty_1);
    layout!(io_uring_sqe_cmd_op_s, o::io_uring_sqe__bindgen_ty_1__bindgen_ty_1);
    field!(io_uring_sqe, off; o::io_uring_sqe, __bindgen_anon_1);
    field!(io_uring_sqe, off.off; o::io_uring_sqe, __bindgen_anon_1.off);
    field!(io_uring_sqe, off.addr2; o::io_uring_sqe, __bindgen_anon_1.addr2);
    field!(io_uring_sqe, off.cmd_op.cmd_op; o::io_uring_sqe, __bindgen_anon_1.__bindgen_anon_1.cmd_op);
    field!(io_uring_sqe, off.cmd_op.__pad1; o::io_uring_sqe, __bindgen_anon_1.__bindgen_anon_1.__pad1);
    // union 2: addr / splice_off_in / { level, optname }
    layout!(io_uring_sqe_addr, o::io_uring_sqe__bindgen_ty_2);
    layout!(io_uring_sqe_level_s, o::io_uring_sqe__bindgen_ty_2__bindgen_ty_1);
    field!(io_uring_sqe, addr.addr; o::io_uring_sqe, __bindgen_anon_2.addr);
    field!(io_uring_sqe, addr.splice_off_in; o::io_uring_sqe, __bindgen_anon_2.splice_off_in);
    field!(io_uring_sqe, addr.level.level; o::io_uring_sqe, __bindgen_anon_2.__bindgen_anon_1.level);
    field!(io_uring_sqe, addr.level.optname; o::io_uring_sqe, __bindgen_anon_2.__bindgen_anon_1.optname);
    field!(io_uring_sqe, len; o::io_uring_sqe, len);
    // union 3: the flag word
    layout!(io_uring_sqe_op_flags, o::io_uring_sqe__bindgen_ty_3);
    field!(io_uring_sqe, rw_flags.rw_flags; o::io_uring_sqe, __bindgen_anon_3.rw_flags);
    field!(io_uring_sqe, rw_flags.fsync_flags; o::io_uring_sqe, __bindgen_anon_3.fsync_flags);
    field!(io_uring_sqe, rw_flags.poll_events; o::io_uring_sqe, __bindgen_anon_3.poll_events);
    field!(io_uring_sqe, rw_flags.poll32_events; o::io_uring_sqe, __bindgen_anon_3.poll32_events);
    field!(io_uring_sqe, rw_flags.sync_range_flags; o::io_uring_sqe, __bindgen_anon_3.sync_range_flags);
    field!(io_uring_sqe, rw_flags.msg_flags; o::io_uring_sqe, __bindgen_anon_3.msg_flags);
    field!(io_uring_sqe, rw_flags.timeout_flags; o::io_uring_sqe, __bindgen_anon_3.timeout_flags);
    field!(io_uring_sqe, rw_flags.accept_flags; o::io_uring_sqe, __bindgen_anon_3.accept_flags);
    field!(io_uring_sqe, rw_flags.cancel_flags; o::io_uring_sqe, __bindgen_anon_3.cancel_flags);
    field!(io_uring_sqe, rw_flags.open_flags; o::io_uring_sqe, __bindgen_anon_3.open_flags);
    field!(io_uring_sqe, rw_flags.statx_flags; o::io_uring_sqe, __bindgen_anon_3.statx_flags);
    field!(io_uring_sqe, rw_flags.fadvise_advice; o::io_uring_sqe, __bindgen_anon_3.fadvise_advice);
    field!(io_uring_sqe, rw_flags.splice_flags; o::io_uring_sqe, __bindgen_anon_3.splice_flags);
    field!(io_uring_sqe, rw_flags.rename_flags; o::io_uring_sqe, __bindgen_anon_3.rename_flags);
    field!(io_uring_sqe, rw_flags.unlink_flags; o::io_uring_sqe, __bindgen_anon_3.unlink_flags);
    field!(io_uring_sqe, rw_flags.hardlink_flags; o::io_uring_sqe, __bindgen_anon_3.hardlink_flags);
    field!(io_uring_sqe, rw_flags.xattr_flags; o::io_uring_sqe, __bindgen_anon_3.xattr_flags);
    field!(io_uring_sqe, rw_flags.msg_ring_flags; o::io_uring_sqe, __bindgen_anon_3.msg_ring_flags);
    field!(io_uring_sqe, rw_flags.uring_cmd_flags; o::io_uring_sqe, __bindgen_anon_3.uring_cmd_flags);
    field!(io_uring_sqe, rw_flags.waitid_flags; o::io_uring_sqe, __bindgen_anon_3.waitid_flags);
    field!(io_uring_sqe, rw_flags.futex_flags; o::io_uring_sqe, __bindgen_anon_3.futex_flags);
    field!(io_uring_sqe, rw_flags.install_fd_flags; o::io_uring_sqe, __bindgen_anon_3.install_fd_flags);
    field!(io_uring_sqe, rw_flags.nop_flags; o::io_uring_sqe, __bindgen_anon_3.nop_flags);
    field!(io_uring_sqe, rw_flags.pipe_flags; o::io_uring_sqe, __bindgen_anon_3.pipe_flags);
    field!(io_uring_sqe, user_data; o::io_uring_sqe, user_data);
    // union 4 (packed): buf_index / buf_group
    layout!(io_uring_sqe_buf, o::io_uring_sqe__bindgen_ty_4);
    field!(io_uring_sqe, buf_index.buf_index; o::io_uring_sqe, __bindgen_anon_4.buf_index);
    field!(io_uring_sqe, buf_index.buf_group; o::io_uring_sqe, __bindgen_anon_4.buf_group);
    field!(io_uring_sqe, personality; o::io_uring_sqe, personality);
    // union 5: splice_fd_in / file_index / ... / { write_stream, __pad4 }
    layout!(io_uring_sqe_file, o::io_uring_sqe__bindgen_ty_5);
    layout!(io_uring_sqe_addr_len_s, o::io_uring_sqe__bindgen_ty_5__bindgen_ty_1);
    layout!(io_uring_sqe_write_stream_s, o::io_uring_sqe__bindgen_ty_5__bindgen_ty_2);
    field!(io_uring_sqe, splice_fd_in.splice_fd_in; o::io_uring_sqe, __bindgen_anon_5.splice_fd_in);
    field!(io_uring_sqe, splice_fd_in.file_index; o::io_uring_sqe, __bindgen_anon_5.file_index);
    field!(io_uring_sqe, splice_fd_in.zcrx_ifq_idx; o::io_uring_sqe, __bindgen_anon_5.zcrx_ifq_idx);
    field!(io_uring_sqe, splice_fd_in.optlen; o::io_uring_sqe, __bindgen_anon_5.optlen);
    field!(io_uring_sqe, splice_fd_in.addr_len.addr_len; o::io_uring_sqe, __bindgen_anon_5.__bindgen_anon_1.addr_len);
    field!(io_uring_sqe, splice_fd_in.addr_len.__pad3; o::io_uring_sqe, __bindgen_anon_5.__bindgen_anon_1.__pad3);
    field!(io_uring_sqe, splice_fd_in.write_stream.write_stream; o::io_uring_sqe, __bindgen_anon_5.__bindgen_anon_2.write_stream);
    field!(io_uring_sqe, splice_fd_in.write_stream.__pad4; o::io_uring_sqe, __bindgen_anon_5.__bindgen_anon_2.__pad4);
    // union 6, which bindgen renders as a struct of `__BindgenUnionField`s
    // because of the flexible `cmd[0]`: every member starts at its offset.
    layout!(io_uring_sqe_addr3, o::io_uring_sqe__bindgen_ty_6);
    layout!(io_uring_sqe_addr3_s, o::io_uring_sqe__bindgen_ty_6__bindgen_ty_1);
    layout!(io_uring_sqe_attr_ptr_s, o::io_uring_sqe__bindgen_ty_6__bindgen_ty_2);
    let u6 = offset_of!(o::io_uring_sqe, __bindgen_anon_6);
    field!(io_uring_sqe, addr3; o::io_uring_sqe, __bindgen_anon_6);
    field_at!(io_uring_sqe, addr3.addr3.addr3; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, __bindgen_anon_1) + offset_of!(o::io_uring_sqe__bindgen_ty_6__bindgen_ty_1, addr3));
    field_at!(io_uring_sqe, addr3.addr3.__pad2; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, __bindgen_anon_1) + offset_of!(o::io_uring_sqe__bindgen_ty_6__bindgen_ty_1, __pad2));
    field_at!(io_uring_sqe, addr3.attr_ptr.attr_ptr; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, __bindgen_anon_2) + offset_of!(o::io_uring_sqe__bindgen_ty_6__bindgen_ty_2, attr_ptr));
    field_at!(io_uring_sqe, addr3.attr_ptr.attr_type_mask; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, __bindgen_anon_2) + offset_of!(o::io_uring_sqe__bindgen_ty_6__bindgen_ty_2, attr_type_mask));
    field_at!(io_uring_sqe, addr3.optval; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, optval));
    field_at!(io_uring_sqe, addr3.cmd; u6 + offset_of!(o::io_uring_sqe__bindgen_ty_6, cmd));
    assert_eq!(io_uring_sqe::CMD_OFFSET, u6);
    // The 128-byte form is two SQEs' worth, the command area running on.
    assert_eq!(size_of::<io_uring_sqe128>(), 2 * size_of::<o::io_uring_sqe>());
    assert_eq!(offset_of!(io_uring_sqe128, cmd_ext), size_of::<o::io_uring_sqe>());
    assert_eq!(io_uring_sqe::CMD_OFFSET + io_uring_sqe128::CMD_LEN, size_of::<io_uring_sqe128>());
}

#[test]
#[rustfmt::skip]
fn attr_pi_layout() {
    layout!(io_uring_attr_pi, o::io_uring_attr_pi);
    field!(io_uring_attr_pi, flags; o::io_uring_attr_pi, flags);
    field!(io_uring_attr_pi, app_tag; o::io_uring_attr_pi, app_tag);
    field!(io_uring_attr_pi, len; o::io_uring_attr_pi, len);
    field!(io_uring_attr_pi, addr; o::io_uring_attr_pi, addr);
    field!(io_uring_attr_pi, seed; o::io_uring_attr_pi, seed);
    field!(io_uring_attr_pi, rsvd; o::io_uring_attr_pi, rsvd);
}

#[test]
#[rustfmt::skip]
fn cqe_layout() {
    layout!(io_uring_cqe, o::io_uring_cqe);
    field!(io_uring_cqe, user_data; o::io_uring_cqe, user_data);
    field!(io_uring_cqe, res; o::io_uring_cqe, res);
    field!(io_uring_cqe, flags; o::io_uring_cqe, flags);
    field!(io_uring_cqe, big_cqe; o::io_uring_cqe, big_cqe);
    // CQE32 is the CQE plus the 16 bytes its flexible `big_cqe` covers.
    assert_eq!(size_of::<io_uring_cqe32>(), 2 * size_of::<o::io_uring_cqe>());
    assert_eq!(offset_of!(io_uring_cqe32, big_cqe), offset_of!(o::io_uring_cqe, big_cqe));
    assert_eq!(align_of::<io_uring_cqe32>(), align_of::<o::io_uring_cqe>());
}

#[test]
#[rustfmt::skip]
fn setup_layouts() {
    layout!(io_sqring_offsets, o::io_sqring_offsets);
    field!(io_sqring_offsets, head; o::io_sqring_offsets, head);
    field!(io_sqring_offsets, tail; o::io_sqring_offsets, tail);
    field!(io_sqring_offsets, ring_mask; o::io_sqring_offsets, ring_mask);
    field!(io_sqring_offsets, ring_entries; o::io_sqring_offsets, ring_entries);
    field!(io_sqring_offsets, flags; o::io_sqring_offsets, flags);
    field!(io_sqring_offsets, dropped; o::io_sqring_offsets, dropped);
    field!(io_sqring_offsets, array; o::io_sqring_offsets, array);
    field!(io_sqring_offsets, resv1; o::io_sqring_offsets, resv1);
    field!(io_sqring_offsets, user_addr; o::io_sqring_offsets, user_addr);

    layout!(io_cqring_offsets, o::io_cqring_offsets);
    field!(io_cqring_offsets, head; o::io_cqring_offsets, head);
    field!(io_cqring_offsets, tail; o::io_cqring_offsets, tail);
    field!(io_cqring_offsets, ring_mask; o::io_cqring_offsets, ring_mask);
    field!(io_cqring_offsets, ring_entries; o::io_cqring_offsets, ring_entries);
    field!(io_cqring_offsets, overflow; o::io_cqring_offsets, overflow);
    field!(io_cqring_offsets, cqes; o::io_cqring_offsets, cqes);
    field!(io_cqring_offsets, flags; o::io_cqring_offsets, flags);
    field!(io_cqring_offsets, resv1; o::io_cqring_offsets, resv1);
    field!(io_cqring_offsets, user_addr; o::io_cqring_offsets, user_addr);

    layout!(io_uring_params, o::io_uring_params);
    field!(io_uring_params, sq_entries; o::io_uring_params, sq_entries);
    field!(io_uring_params, cq_entries; o::io_uring_params, cq_entries);
    field!(io_uring_params, flags; o::io_uring_params, flags);
    field!(io_uring_params, sq_thread_cpu; o::io_uring_params, sq_thread_cpu);
    field!(io_uring_params, sq_thread_idle; o::io_uring_params, sq_thread_idle);
    field!(io_uring_params, features; o::io_uring_params, features);
    field!(io_uring_params, wq_fd; o::io_uring_params, wq_fd);
    field!(io_uring_params, resv; o::io_uring_params, resv);
    field!(io_uring_params, sq_off; o::io_uring_params, sq_off);
    field!(io_uring_params, cq_off; o::io_uring_params, cq_off);
}

#[test]
#[rustfmt::skip]
fn enter_layouts() {
    layout!(io_uring_getevents_arg, o::io_uring_getevents_arg);
    field!(io_uring_getevents_arg, sigmask; o::io_uring_getevents_arg, sigmask);
    field!(io_uring_getevents_arg, sigmask_sz; o::io_uring_getevents_arg, sigmask_sz);
    field!(io_uring_getevents_arg, min_wait_usec; o::io_uring_getevents_arg, min_wait_usec);
    field!(io_uring_getevents_arg, ts; o::io_uring_getevents_arg, ts);

    layout!(io_uring_reg_wait, o::io_uring_reg_wait);
    field!(io_uring_reg_wait, ts; o::io_uring_reg_wait, ts);
    field!(io_uring_reg_wait, min_wait_usec; o::io_uring_reg_wait, min_wait_usec);
    field!(io_uring_reg_wait, flags; o::io_uring_reg_wait, flags);
    field!(io_uring_reg_wait, sigmask; o::io_uring_reg_wait, sigmask);
    field!(io_uring_reg_wait, sigmask_sz; o::io_uring_reg_wait, sigmask_sz);
    field!(io_uring_reg_wait, pad; o::io_uring_reg_wait, pad);
    field!(io_uring_reg_wait, pad2; o::io_uring_reg_wait, pad2);
}

#[test]
#[rustfmt::skip]
fn register_layouts() {
    layout!(io_uring_files_update, o::io_uring_files_update);
    field!(io_uring_files_update, offset; o::io_uring_files_update, offset);
    field!(io_uring_files_update, resv; o::io_uring_files_update, resv);
    field!(io_uring_files_update, fds; o::io_uring_files_update, fds);

    layout!(io_uring_region_desc, o::io_uring_region_desc);
    field!(io_uring_region_desc, user_addr; o::io_uring_region_desc, user_addr);
    field!(io_uring_region_desc, size; o::io_uring_region_desc, size);
    field!(io_uring_region_desc, flags; o::io_uring_region_desc, flags);
    field!(io_uring_region_desc, id; o::io_uring_region_desc, id);
    field!(io_uring_region_desc, mmap_offset; o::io_uring_region_desc, mmap_offset);
    field!(io_uring_region_desc, __resv; o::io_uring_region_desc, __resv);

    layout!(io_uring_mem_region_reg, o::io_uring_mem_region_reg);
    field!(io_uring_mem_region_reg, region_uptr; o::io_uring_mem_region_reg, region_uptr);
    field!(io_uring_mem_region_reg, flags; o::io_uring_mem_region_reg, flags);
    field!(io_uring_mem_region_reg, __resv; o::io_uring_mem_region_reg, __resv);

    layout!(io_uring_rsrc_register, o::io_uring_rsrc_register);
    field!(io_uring_rsrc_register, nr; o::io_uring_rsrc_register, nr);
    field!(io_uring_rsrc_register, flags; o::io_uring_rsrc_register, flags);
    field!(io_uring_rsrc_register, resv2; o::io_uring_rsrc_register, resv2);
    field!(io_uring_rsrc_register, data; o::io_uring_rsrc_register, data);
    field!(io_uring_rsrc_register, tags; o::io_uring_rsrc_register, tags);

    layout!(io_uring_rsrc_update, o::io_uring_rsrc_update);
    field!(io_uring_rsrc_update, offset; o::io_uring_rsrc_update, offset);
    field!(io_uring_rsrc_update, resv; o::io_uring_rsrc_update, resv);
    field!(io_uring_rsrc_update, data; o::io_uring_rsrc_update, data);

    layout!(io_uring_rsrc_update2, o::io_uring_rsrc_update2);
    field!(io_uring_rsrc_update2, offset; o::io_uring_rsrc_update2, offset);
    field!(io_uring_rsrc_update2, resv; o::io_uring_rsrc_update2, resv);
    field!(io_uring_rsrc_update2, data; o::io_uring_rsrc_update2, data);
    field!(io_uring_rsrc_update2, tags; o::io_uring_rsrc_update2, tags);
    field!(io_uring_rsrc_update2, nr; o::io_uring_rsrc_update2, nr);
    field!(io_uring_rsrc_update2, resv2; o::io_uring_rsrc_update2, resv2);

    layout!(io_uring_probe_op, o::io_uring_probe_op);
    field!(io_uring_probe_op, op; o::io_uring_probe_op, op);
    field!(io_uring_probe_op, resv; o::io_uring_probe_op, resv);
    field!(io_uring_probe_op, flags; o::io_uring_probe_op, flags);
    field!(io_uring_probe_op, resv2; o::io_uring_probe_op, resv2);

    layout!(io_uring_probe, o::io_uring_probe);
    field!(io_uring_probe, last_op; o::io_uring_probe, last_op);
    field!(io_uring_probe, ops_len; o::io_uring_probe, ops_len);
    field!(io_uring_probe, resv; o::io_uring_probe, resv);
    field!(io_uring_probe, resv2; o::io_uring_probe, resv2);
    field!(io_uring_probe, ops; o::io_uring_probe, ops);

    layout!(io_uring_restriction, o::io_uring_restriction);
    layout!(io_uring_restriction_op, o::io_uring_restriction__bindgen_ty_1);
    field!(io_uring_restriction, opcode; o::io_uring_restriction, opcode);
    field!(io_uring_restriction, register_op.register_op; o::io_uring_restriction, __bindgen_anon_1.register_op);
    field!(io_uring_restriction, register_op.sqe_op; o::io_uring_restriction, __bindgen_anon_1.sqe_op);
    field!(io_uring_restriction, register_op.sqe_flags; o::io_uring_restriction, __bindgen_anon_1.sqe_flags);
    field!(io_uring_restriction, resv; o::io_uring_restriction, resv);
    field!(io_uring_restriction, resv2; o::io_uring_restriction, resv2);

    layout!(io_uring_clock_register, o::io_uring_clock_register);
    field!(io_uring_clock_register, clockid; o::io_uring_clock_register, clockid);
    field!(io_uring_clock_register, __resv; o::io_uring_clock_register, __resv);

    layout!(io_uring_clone_buffers, o::io_uring_clone_buffers);
    field!(io_uring_clone_buffers, src_fd; o::io_uring_clone_buffers, src_fd);
    field!(io_uring_clone_buffers, flags; o::io_uring_clone_buffers, flags);
    field!(io_uring_clone_buffers, src_off; o::io_uring_clone_buffers, src_off);
    field!(io_uring_clone_buffers, dst_off; o::io_uring_clone_buffers, dst_off);
    field!(io_uring_clone_buffers, nr; o::io_uring_clone_buffers, nr);
    field!(io_uring_clone_buffers, pad; o::io_uring_clone_buffers, pad);

    layout!(io_uring_buf_status, o::io_uring_buf_status);
    field!(io_uring_buf_status, buf_group; o::io_uring_buf_status, buf_group);
    field!(io_uring_buf_status, head; o::io_uring_buf_status, head);
    field!(io_uring_buf_status, resv; o::io_uring_buf_status, resv);

    // The kernel's layout (6.13+), which the oracle has too; liburing's copy
    // shows the 6.9 one, with `pad[3]` and a `u64 resv` over the same bytes.
    layout!(io_uring_napi, o::io_uring_napi);
    field!(io_uring_napi, busy_poll_to; o::io_uring_napi, busy_poll_to);
    field!(io_uring_napi, prefer_busy_poll; o::io_uring_napi, prefer_busy_poll);
    field!(io_uring_napi, opcode; o::io_uring_napi, opcode);
    field!(io_uring_napi, pad; o::io_uring_napi, pad);
    field!(io_uring_napi, op_param; o::io_uring_napi, op_param);
    field!(io_uring_napi, resv; o::io_uring_napi, resv);

    layout!(io_uring_sync_cancel_reg, o::io_uring_sync_cancel_reg);
    field!(io_uring_sync_cancel_reg, addr; o::io_uring_sync_cancel_reg, addr);
    field!(io_uring_sync_cancel_reg, fd; o::io_uring_sync_cancel_reg, fd);
    field!(io_uring_sync_cancel_reg, flags; o::io_uring_sync_cancel_reg, flags);
    field!(io_uring_sync_cancel_reg, timeout; o::io_uring_sync_cancel_reg, timeout);
    field!(io_uring_sync_cancel_reg, opcode; o::io_uring_sync_cancel_reg, opcode);
    field!(io_uring_sync_cancel_reg, pad; o::io_uring_sync_cancel_reg, pad);
    field!(io_uring_sync_cancel_reg, pad2; o::io_uring_sync_cancel_reg, pad2);

    layout!(io_uring_file_index_range, o::io_uring_file_index_range);
    field!(io_uring_file_index_range, off; o::io_uring_file_index_range, off);
    field!(io_uring_file_index_range, len; o::io_uring_file_index_range, len);
    field!(io_uring_file_index_range, resv; o::io_uring_file_index_range, resv);
}

#[test]
#[rustfmt::skip]
fn buf_ring_layouts() {
    layout!(io_uring_buf, o::io_uring_buf);
    field!(io_uring_buf, addr; o::io_uring_buf, addr);
    field!(io_uring_buf, len; o::io_uring_buf, len);
    field!(io_uring_buf, bid; o::io_uring_buf, bid);
    field!(io_uring_buf, resv; o::io_uring_buf, resv);

    // The C struct is a union of the tail struct and the flexible `bufs`,
    // so its size is that of the tail struct (one `io_uring_buf`). Ours is
    // only the flexible array (size 0, same alignment, `bufs` at 0), and
    // the tail struct is `io_uring_buf_ring_resv1_s`.
    assert_eq!(size_of::<o::io_uring_buf_ring>(), size_of::<io_uring_buf>());
    assert_eq!(size_of::<io_uring_buf_ring>(), 0);
    assert_eq!(align_of::<io_uring_buf_ring>(), align_of::<o::io_uring_buf_ring>());
    let anon = offset_of!(o::io_uring_buf_ring, __bindgen_anon_1);
    let bufs = anon
        + offset_of!(o::io_uring_buf_ring__bindgen_ty_1, __bindgen_anon_2)
        + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_2, bufs);
    let tail = anon + offset_of!(o::io_uring_buf_ring__bindgen_ty_1, __bindgen_anon_1);
    field_at!(io_uring_buf_ring, bufs; bufs);
    layout!(io_uring_buf_ring_resv1_s, o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1);
    field_at!(io_uring_buf_ring_resv1_s, resv1; tail + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1, resv1));
    field_at!(io_uring_buf_ring_resv1_s, resv2; tail + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1, resv2));
    field_at!(io_uring_buf_ring_resv1_s, resv3; tail + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1, resv3));
    field_at!(io_uring_buf_ring_resv1_s, tail; tail + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1, tail));
    assert_eq!(IO_URING_BUF_RING_TAIL_OFFSET, tail + offset_of!(o::io_uring_buf_ring__bindgen_ty_1__bindgen_ty_1, tail));
    assert_eq!(IO_URING_BUF_RING_TAIL_OFFSET, offset_of!(o::io_uring_buf, resv));

    // `io_uring_buf_reg`: the oracle (6.17) has `u64 resv[3]` after `flags`;
    // 7.x splits it into `u32 min_left` + `u32 resv[5]` (see part 3).
    layout!(io_uring_buf_reg, o::io_uring_buf_reg);
    field!(io_uring_buf_reg, ring_addr; o::io_uring_buf_reg, ring_addr);
    field!(io_uring_buf_reg, ring_entries; o::io_uring_buf_reg, ring_entries);
    field!(io_uring_buf_reg, bgid; o::io_uring_buf_reg, bgid);
    field!(io_uring_buf_reg, flags; o::io_uring_buf_reg, flags);
    field!(io_uring_buf_reg, min_left; o::io_uring_buf_reg, resv);
}

#[test]
#[rustfmt::skip]
fn zcrx_layouts() {
    layout!(io_uring_zcrx_rqe, o::io_uring_zcrx_rqe);
    field!(io_uring_zcrx_rqe, off; o::io_uring_zcrx_rqe, off);
    field!(io_uring_zcrx_rqe, len; o::io_uring_zcrx_rqe, len);
    field!(io_uring_zcrx_rqe, __pad; o::io_uring_zcrx_rqe, __pad);

    layout!(io_uring_zcrx_cqe, o::io_uring_zcrx_cqe);
    field!(io_uring_zcrx_cqe, off; o::io_uring_zcrx_cqe, off);
    field!(io_uring_zcrx_cqe, __pad; o::io_uring_zcrx_cqe, __pad);

    layout!(io_uring_zcrx_offsets, o::io_uring_zcrx_offsets);
    field!(io_uring_zcrx_offsets, head; o::io_uring_zcrx_offsets, head);
    field!(io_uring_zcrx_offsets, tail; o::io_uring_zcrx_offsets, tail);
    field!(io_uring_zcrx_offsets, rqes; o::io_uring_zcrx_offsets, rqes);
    field!(io_uring_zcrx_offsets, __resv2; o::io_uring_zcrx_offsets, __resv2);
    field!(io_uring_zcrx_offsets, __resv; o::io_uring_zcrx_offsets, __resv);

    layout!(io_uring_zcrx_area_reg, o::io_uring_zcrx_area_reg);
    field!(io_uring_zcrx_area_reg, addr; o::io_uring_zcrx_area_reg, addr);
    field!(io_uring_zcrx_area_reg, len; o::io_uring_zcrx_area_reg, len);
    field!(io_uring_zcrx_area_reg, rq_area_token; o::io_uring_zcrx_area_reg, rq_area_token);
    field!(io_uring_zcrx_area_reg, flags; o::io_uring_zcrx_area_reg, flags);
    field!(io_uring_zcrx_area_reg, dmabuf_fd; o::io_uring_zcrx_area_reg, dmabuf_fd);
    field!(io_uring_zcrx_area_reg, __resv2; o::io_uring_zcrx_area_reg, __resv2);

    // `rx_buf_len` (7.0) took the place of the oracle's `__resv2`.
    layout!(io_uring_zcrx_ifq_reg, o::io_uring_zcrx_ifq_reg);
    field!(io_uring_zcrx_ifq_reg, if_idx; o::io_uring_zcrx_ifq_reg, if_idx);
    field!(io_uring_zcrx_ifq_reg, if_rxq; o::io_uring_zcrx_ifq_reg, if_rxq);
    field!(io_uring_zcrx_ifq_reg, rq_entries; o::io_uring_zcrx_ifq_reg, rq_entries);
    field!(io_uring_zcrx_ifq_reg, flags; o::io_uring_zcrx_ifq_reg, flags);
    field!(io_uring_zcrx_ifq_reg, area_ptr; o::io_uring_zcrx_ifq_reg, area_ptr);
    field!(io_uring_zcrx_ifq_reg, region_ptr; o::io_uring_zcrx_ifq_reg, region_ptr);
    field!(io_uring_zcrx_ifq_reg, offsets; o::io_uring_zcrx_ifq_reg, offsets);
    field!(io_uring_zcrx_ifq_reg, zcrx_id; o::io_uring_zcrx_ifq_reg, zcrx_id);
    field!(io_uring_zcrx_ifq_reg, rx_buf_len; o::io_uring_zcrx_ifq_reg, __resv2);
    field!(io_uring_zcrx_ifq_reg, __resv; o::io_uring_zcrx_ifq_reg, __resv);
}

#[test]
#[rustfmt::skip]
fn other_header_layouts() {
    layout!(__kernel_timespec, o::__kernel_timespec);
    field!(__kernel_timespec, tv_sec; o::__kernel_timespec, tv_sec);
    field!(__kernel_timespec, tv_nsec; o::__kernel_timespec, tv_nsec);
    layout!(__kernel_timespec, g::__kernel_timespec);
    assert_eq!(size_of::<__kernel_rwf_t>(), size_of::<o::__kernel_rwf_t>());

    layout!(io_uring_recvmsg_out, o::io_uring_recvmsg_out);
    field!(io_uring_recvmsg_out, namelen; o::io_uring_recvmsg_out, namelen);
    field!(io_uring_recvmsg_out, controllen; o::io_uring_recvmsg_out, controllen);
    field!(io_uring_recvmsg_out, payloadlen; o::io_uring_recvmsg_out, payloadlen);
    field!(io_uring_recvmsg_out, flags; o::io_uring_recvmsg_out, flags);

    layout!(io_timespec, o::io_timespec);
    field!(io_timespec, tv_sec; o::io_timespec, tv_sec);
    field!(io_timespec, tv_nsec; o::io_timespec, tv_nsec);

    layout!(open_how, g::open_how);
    field!(open_how, flags; g::open_how, flags);
    field!(open_how, mode; g::open_how, mode);
    field!(open_how, resolve; g::open_how, resolve);

    layout!(futex_waitv, g::futex_waitv);
    field!(futex_waitv, val; g::futex_waitv, val);
    field!(futex_waitv, uaddr; g::futex_waitv, uaddr);
    field!(futex_waitv, flags; g::futex_waitv, flags);
    field!(futex_waitv, __reserved; g::futex_waitv, __reserved);
}

// ---------------------------------------------------------------------------
// Part 2: constants against the oracle.
// ---------------------------------------------------------------------------

#[test]
#[rustfmt::skip]
fn sqe_constants() {
    konst!(IORING_RW_ATTR_FLAG_PI == o::IORING_RW_ATTR_FLAG_PI);
    // bindgen renders `~0U` as the `i32` -1; compare the bits.
    assert_eq!(IORING_FILE_INDEX_ALLOC, o::IORING_FILE_INDEX_ALLOC as u32);
    konst!(IOSQE_FIXED_FILE_BIT == o::io_uring_sqe_flags_bit::IOSQE_FIXED_FILE_BIT);
    konst!(IOSQE_IO_DRAIN_BIT == o::io_uring_sqe_flags_bit::IOSQE_IO_DRAIN_BIT);
    konst!(IOSQE_IO_LINK_BIT == o::io_uring_sqe_flags_bit::IOSQE_IO_LINK_BIT);
    konst!(IOSQE_IO_HARDLINK_BIT == o::io_uring_sqe_flags_bit::IOSQE_IO_HARDLINK_BIT);
    konst!(IOSQE_ASYNC_BIT == o::io_uring_sqe_flags_bit::IOSQE_ASYNC_BIT);
    konst!(IOSQE_BUFFER_SELECT_BIT == o::io_uring_sqe_flags_bit::IOSQE_BUFFER_SELECT_BIT);
    konst!(IOSQE_CQE_SKIP_SUCCESS_BIT == o::io_uring_sqe_flags_bit::IOSQE_CQE_SKIP_SUCCESS_BIT);
    // The IOSQE_* flags are macros over the bits, which bindgen skips.
    konst!(IOSQE_FIXED_FILE == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_FIXED_FILE_BIT as u32);
    konst!(IOSQE_IO_DRAIN == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_IO_DRAIN_BIT as u32);
    konst!(IOSQE_IO_LINK == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_IO_LINK_BIT as u32);
    konst!(IOSQE_IO_HARDLINK == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_IO_HARDLINK_BIT as u32);
    konst!(IOSQE_ASYNC == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_ASYNC_BIT as u32);
    konst!(IOSQE_BUFFER_SELECT == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_BUFFER_SELECT_BIT as u32);
    konst!(IOSQE_CQE_SKIP_SUCCESS == 1u32 << o::io_uring_sqe_flags_bit::IOSQE_CQE_SKIP_SUCCESS_BIT as u32);
}

#[test]
#[rustfmt::skip]
fn setup_constants() {
    konst!(IORING_SETUP_IOPOLL == o::IORING_SETUP_IOPOLL);
    konst!(IORING_SETUP_SQPOLL == o::IORING_SETUP_SQPOLL);
    konst!(IORING_SETUP_SQ_AFF == o::IORING_SETUP_SQ_AFF);
    konst!(IORING_SETUP_CQSIZE == o::IORING_SETUP_CQSIZE);
    konst!(IORING_SETUP_CLAMP == o::IORING_SETUP_CLAMP);
    konst!(IORING_SETUP_ATTACH_WQ == o::IORING_SETUP_ATTACH_WQ);
    konst!(IORING_SETUP_R_DISABLED == o::IORING_SETUP_R_DISABLED);
    konst!(IORING_SETUP_SUBMIT_ALL == o::IORING_SETUP_SUBMIT_ALL);
    konst!(IORING_SETUP_COOP_TASKRUN == o::IORING_SETUP_COOP_TASKRUN);
    konst!(IORING_SETUP_TASKRUN_FLAG == o::IORING_SETUP_TASKRUN_FLAG);
    konst!(IORING_SETUP_SQE128 == o::IORING_SETUP_SQE128);
    konst!(IORING_SETUP_CQE32 == o::IORING_SETUP_CQE32);
    konst!(IORING_SETUP_SINGLE_ISSUER == o::IORING_SETUP_SINGLE_ISSUER);
    konst!(IORING_SETUP_DEFER_TASKRUN == o::IORING_SETUP_DEFER_TASKRUN);
    konst!(IORING_SETUP_NO_MMAP == o::IORING_SETUP_NO_MMAP);
    konst!(IORING_SETUP_REGISTERED_FD_ONLY == o::IORING_SETUP_REGISTERED_FD_ONLY);
    konst!(IORING_SETUP_NO_SQARRAY == o::IORING_SETUP_NO_SQARRAY);
    konst!(IORING_SETUP_HYBRID_IOPOLL == o::IORING_SETUP_HYBRID_IOPOLL);

    konst!(IORING_FEAT_SINGLE_MMAP == o::IORING_FEAT_SINGLE_MMAP);
    konst!(IORING_FEAT_NODROP == o::IORING_FEAT_NODROP);
    konst!(IORING_FEAT_SUBMIT_STABLE == o::IORING_FEAT_SUBMIT_STABLE);
    konst!(IORING_FEAT_RW_CUR_POS == o::IORING_FEAT_RW_CUR_POS);
    konst!(IORING_FEAT_CUR_PERSONALITY == o::IORING_FEAT_CUR_PERSONALITY);
    konst!(IORING_FEAT_FAST_POLL == o::IORING_FEAT_FAST_POLL);
    konst!(IORING_FEAT_POLL_32BITS == o::IORING_FEAT_POLL_32BITS);
    konst!(IORING_FEAT_SQPOLL_NONFIXED == o::IORING_FEAT_SQPOLL_NONFIXED);
    konst!(IORING_FEAT_EXT_ARG == o::IORING_FEAT_EXT_ARG);
    konst!(IORING_FEAT_NATIVE_WORKERS == o::IORING_FEAT_NATIVE_WORKERS);
    konst!(IORING_FEAT_RSRC_TAGS == o::IORING_FEAT_RSRC_TAGS);
    konst!(IORING_FEAT_CQE_SKIP == o::IORING_FEAT_CQE_SKIP);
    konst!(IORING_FEAT_LINKED_FILE == o::IORING_FEAT_LINKED_FILE);
    konst!(IORING_FEAT_REG_REG_RING == o::IORING_FEAT_REG_REG_RING);
    konst!(IORING_FEAT_RECVSEND_BUNDLE == o::IORING_FEAT_RECVSEND_BUNDLE);
    konst!(IORING_FEAT_MIN_TIMEOUT == o::IORING_FEAT_MIN_TIMEOUT);
    konst!(IORING_FEAT_RW_ATTR == o::IORING_FEAT_RW_ATTR);
    konst!(IORING_FEAT_NO_IOWAIT == o::IORING_FEAT_NO_IOWAIT);

    konst!(IORING_SQ_NEED_WAKEUP == o::IORING_SQ_NEED_WAKEUP);
    konst!(IORING_SQ_CQ_OVERFLOW == o::IORING_SQ_CQ_OVERFLOW);
    konst!(IORING_SQ_TASKRUN == o::IORING_SQ_TASKRUN);
    konst!(IORING_CQ_EVENTFD_DISABLED == o::IORING_CQ_EVENTFD_DISABLED);

    konst!(IORING_OFF_SQ_RING == o::IORING_OFF_SQ_RING);
    konst!(IORING_OFF_CQ_RING == o::IORING_OFF_CQ_RING);
    konst!(IORING_OFF_SQES == o::IORING_OFF_SQES);
    konst!(IORING_OFF_PBUF_RING == o::IORING_OFF_PBUF_RING);
    konst!(IORING_OFF_PBUF_SHIFT == o::IORING_OFF_PBUF_SHIFT);
    konst!(IORING_OFF_MMAP_MASK == o::IORING_OFF_MMAP_MASK);
}

#[test]
#[rustfmt::skip]
fn enter_constants() {
    konst!(IORING_ENTER_GETEVENTS == o::IORING_ENTER_GETEVENTS);
    konst!(IORING_ENTER_SQ_WAKEUP == o::IORING_ENTER_SQ_WAKEUP);
    konst!(IORING_ENTER_SQ_WAIT == o::IORING_ENTER_SQ_WAIT);
    konst!(IORING_ENTER_EXT_ARG == o::IORING_ENTER_EXT_ARG);
    konst!(IORING_ENTER_REGISTERED_RING == o::IORING_ENTER_REGISTERED_RING);
    konst!(IORING_ENTER_ABS_TIMER == o::IORING_ENTER_ABS_TIMER);
    konst!(IORING_ENTER_EXT_ARG_REG == o::IORING_ENTER_EXT_ARG_REG);
    konst!(IORING_ENTER_NO_IOWAIT == o::IORING_ENTER_NO_IOWAIT);
    konst!(IORING_REG_WAIT_TS == o::IORING_REG_WAIT_TS);
}

#[test]
#[rustfmt::skip]
fn cqe_constants() {
    konst!(IORING_CQE_F_BUFFER == o::IORING_CQE_F_BUFFER);
    konst!(IORING_CQE_F_MORE == o::IORING_CQE_F_MORE);
    konst!(IORING_CQE_F_SOCK_NONEMPTY == o::IORING_CQE_F_SOCK_NONEMPTY);
    konst!(IORING_CQE_F_NOTIF == o::IORING_CQE_F_NOTIF);
    konst!(IORING_CQE_F_BUF_MORE == o::IORING_CQE_F_BUF_MORE);
    konst!(IORING_CQE_BUFFER_SHIFT == o::IORING_CQE_BUFFER_SHIFT);
}

#[test]
#[rustfmt::skip]
fn opcode_constants() {
    use o::io_uring_op as op;
    konst!(IORING_OP_NOP == op::IORING_OP_NOP);
    konst!(IORING_OP_READV == op::IORING_OP_READV);
    konst!(IORING_OP_WRITEV == op::IORING_OP_WRITEV);
    konst!(IORING_OP_FSYNC == op::IORING_OP_FSYNC);
    konst!(IORING_OP_READ_FIXED == op::IORING_OP_READ_FIXED);
    konst!(IORING_OP_WRITE_FIXED == op::IORING_OP_WRITE_FIXED);
    konst!(IORING_OP_POLL_ADD == op::IORING_OP_POLL_ADD);
    konst!(IORING_OP_POLL_REMOVE == op::IORING_OP_POLL_REMOVE);
    konst!(IORING_OP_SYNC_FILE_RANGE == op::IORING_OP_SYNC_FILE_RANGE);
    konst!(IORING_OP_SENDMSG == op::IORING_OP_SENDMSG);
    konst!(IORING_OP_RECVMSG == op::IORING_OP_RECVMSG);
    konst!(IORING_OP_TIMEOUT == op::IORING_OP_TIMEOUT);
    konst!(IORING_OP_TIMEOUT_REMOVE == op::IORING_OP_TIMEOUT_REMOVE);
    konst!(IORING_OP_ACCEPT == op::IORING_OP_ACCEPT);
    konst!(IORING_OP_ASYNC_CANCEL == op::IORING_OP_ASYNC_CANCEL);
    konst!(IORING_OP_LINK_TIMEOUT == op::IORING_OP_LINK_TIMEOUT);
    konst!(IORING_OP_CONNECT == op::IORING_OP_CONNECT);
    konst!(IORING_OP_FALLOCATE == op::IORING_OP_FALLOCATE);
    konst!(IORING_OP_OPENAT == op::IORING_OP_OPENAT);
    konst!(IORING_OP_CLOSE == op::IORING_OP_CLOSE);
    konst!(IORING_OP_FILES_UPDATE == op::IORING_OP_FILES_UPDATE);
    konst!(IORING_OP_STATX == op::IORING_OP_STATX);
    konst!(IORING_OP_READ == op::IORING_OP_READ);
    konst!(IORING_OP_WRITE == op::IORING_OP_WRITE);
    konst!(IORING_OP_FADVISE == op::IORING_OP_FADVISE);
    konst!(IORING_OP_MADVISE == op::IORING_OP_MADVISE);
    konst!(IORING_OP_SEND == op::IORING_OP_SEND);
    konst!(IORING_OP_RECV == op::IORING_OP_RECV);
    konst!(IORING_OP_OPENAT2 == op::IORING_OP_OPENAT2);
    konst!(IORING_OP_EPOLL_CTL == op::IORING_OP_EPOLL_CTL);
    konst!(IORING_OP_SPLICE == op::IORING_OP_SPLICE);
    konst!(IORING_OP_PROVIDE_BUFFERS == op::IORING_OP_PROVIDE_BUFFERS);
    konst!(IORING_OP_REMOVE_BUFFERS == op::IORING_OP_REMOVE_BUFFERS);
    konst!(IORING_OP_TEE == op::IORING_OP_TEE);
    konst!(IORING_OP_SHUTDOWN == op::IORING_OP_SHUTDOWN);
    konst!(IORING_OP_RENAMEAT == op::IORING_OP_RENAMEAT);
    konst!(IORING_OP_UNLINKAT == op::IORING_OP_UNLINKAT);
    konst!(IORING_OP_MKDIRAT == op::IORING_OP_MKDIRAT);
    konst!(IORING_OP_SYMLINKAT == op::IORING_OP_SYMLINKAT);
    konst!(IORING_OP_LINKAT == op::IORING_OP_LINKAT);
    konst!(IORING_OP_MSG_RING == op::IORING_OP_MSG_RING);
    konst!(IORING_OP_FSETXATTR == op::IORING_OP_FSETXATTR);
    konst!(IORING_OP_SETXATTR == op::IORING_OP_SETXATTR);
    konst!(IORING_OP_FGETXATTR == op::IORING_OP_FGETXATTR);
    konst!(IORING_OP_GETXATTR == op::IORING_OP_GETXATTR);
    konst!(IORING_OP_SOCKET == op::IORING_OP_SOCKET);
    konst!(IORING_OP_URING_CMD == op::IORING_OP_URING_CMD);
    konst!(IORING_OP_SEND_ZC == op::IORING_OP_SEND_ZC);
    konst!(IORING_OP_SENDMSG_ZC == op::IORING_OP_SENDMSG_ZC);
    konst!(IORING_OP_READ_MULTISHOT == op::IORING_OP_READ_MULTISHOT);
    konst!(IORING_OP_WAITID == op::IORING_OP_WAITID);
    konst!(IORING_OP_FUTEX_WAIT == op::IORING_OP_FUTEX_WAIT);
    konst!(IORING_OP_FUTEX_WAKE == op::IORING_OP_FUTEX_WAKE);
    konst!(IORING_OP_FUTEX_WAITV == op::IORING_OP_FUTEX_WAITV);
    konst!(IORING_OP_FIXED_FD_INSTALL == op::IORING_OP_FIXED_FD_INSTALL);
    konst!(IORING_OP_FTRUNCATE == op::IORING_OP_FTRUNCATE);
    konst!(IORING_OP_BIND == op::IORING_OP_BIND);
    konst!(IORING_OP_LISTEN == op::IORING_OP_LISTEN);
    konst!(IORING_OP_RECV_ZC == op::IORING_OP_RECV_ZC);
    konst!(IORING_OP_EPOLL_WAIT == op::IORING_OP_EPOLL_WAIT);
    konst!(IORING_OP_READV_FIXED == op::IORING_OP_READV_FIXED);
    konst!(IORING_OP_WRITEV_FIXED == op::IORING_OP_WRITEV_FIXED);
    konst!(IORING_OP_PIPE == op::IORING_OP_PIPE);
    // The oracle's IORING_OP_LAST is 63 (6.17); ours is 65, see part 3.
    assert_eq!(op::IORING_OP_LAST as u8, IORING_OP_PIPE + 1);
}

#[test]
#[rustfmt::skip]
fn op_flag_constants() {
    konst!(IORING_URING_CMD_FIXED == o::IORING_URING_CMD_FIXED);
    konst!(IORING_URING_CMD_MASK == o::IORING_URING_CMD_MASK);
    konst!(IORING_FSYNC_DATASYNC == o::IORING_FSYNC_DATASYNC);
    konst!(IORING_TIMEOUT_ABS == o::IORING_TIMEOUT_ABS);
    konst!(IORING_TIMEOUT_UPDATE == o::IORING_TIMEOUT_UPDATE);
    konst!(IORING_TIMEOUT_BOOTTIME == o::IORING_TIMEOUT_BOOTTIME);
    konst!(IORING_TIMEOUT_REALTIME == o::IORING_TIMEOUT_REALTIME);
    konst!(IORING_LINK_TIMEOUT_UPDATE == o::IORING_LINK_TIMEOUT_UPDATE);
    konst!(IORING_TIMEOUT_ETIME_SUCCESS == o::IORING_TIMEOUT_ETIME_SUCCESS);
    konst!(IORING_TIMEOUT_MULTISHOT == o::IORING_TIMEOUT_MULTISHOT);
    konst!(IORING_TIMEOUT_CLOCK_MASK == o::IORING_TIMEOUT_CLOCK_MASK);
    konst!(IORING_TIMEOUT_UPDATE_MASK == o::IORING_TIMEOUT_UPDATE_MASK);
    konst!(SPLICE_F_FD_IN_FIXED == o::SPLICE_F_FD_IN_FIXED);
    konst!(IORING_POLL_ADD_MULTI == o::IORING_POLL_ADD_MULTI);
    konst!(IORING_POLL_UPDATE_EVENTS == o::IORING_POLL_UPDATE_EVENTS);
    konst!(IORING_POLL_UPDATE_USER_DATA == o::IORING_POLL_UPDATE_USER_DATA);
    konst!(IORING_POLL_ADD_LEVEL == o::IORING_POLL_ADD_LEVEL);
    konst!(IORING_ASYNC_CANCEL_ALL == o::IORING_ASYNC_CANCEL_ALL);
    konst!(IORING_ASYNC_CANCEL_FD == o::IORING_ASYNC_CANCEL_FD);
    konst!(IORING_ASYNC_CANCEL_ANY == o::IORING_ASYNC_CANCEL_ANY);
    konst!(IORING_ASYNC_CANCEL_FD_FIXED == o::IORING_ASYNC_CANCEL_FD_FIXED);
    konst!(IORING_ASYNC_CANCEL_USERDATA == o::IORING_ASYNC_CANCEL_USERDATA);
    konst!(IORING_ASYNC_CANCEL_OP == o::IORING_ASYNC_CANCEL_OP);
    konst!(IORING_RECVSEND_POLL_FIRST == o::IORING_RECVSEND_POLL_FIRST);
    konst!(IORING_RECV_MULTISHOT == o::IORING_RECV_MULTISHOT);
    konst!(IORING_RECVSEND_FIXED_BUF == o::IORING_RECVSEND_FIXED_BUF);
    konst!(IORING_SEND_ZC_REPORT_USAGE == o::IORING_SEND_ZC_REPORT_USAGE);
    konst!(IORING_RECVSEND_BUNDLE == o::IORING_RECVSEND_BUNDLE);
    konst!(IORING_SEND_VECTORIZED == o::IORING_SEND_VECTORIZED);
    konst!(IORING_NOTIF_USAGE_ZC_COPIED == o::IORING_NOTIF_USAGE_ZC_COPIED);
    konst!(IORING_ACCEPT_MULTISHOT == o::IORING_ACCEPT_MULTISHOT);
    konst!(IORING_ACCEPT_DONTWAIT == o::IORING_ACCEPT_DONTWAIT);
    konst!(IORING_ACCEPT_POLL_FIRST == o::IORING_ACCEPT_POLL_FIRST);
    konst!(IORING_MSG_DATA == o::io_uring_msg_ring_flags::IORING_MSG_DATA);
    konst!(IORING_MSG_SEND_FD == o::io_uring_msg_ring_flags::IORING_MSG_SEND_FD);
    konst!(IORING_MSG_RING_CQE_SKIP == o::IORING_MSG_RING_CQE_SKIP);
    konst!(IORING_MSG_RING_FLAGS_PASS == o::IORING_MSG_RING_FLAGS_PASS);
    konst!(IORING_FIXED_FD_NO_CLOEXEC == o::IORING_FIXED_FD_NO_CLOEXEC);
    konst!(IORING_NOP_INJECT_RESULT == o::IORING_NOP_INJECT_RESULT);
    // In the kernel's header, not in liburing's copy of it.
    konst!(IORING_NOP_FILE == o::IORING_NOP_FILE);
    konst!(IORING_NOP_FIXED_FILE == o::IORING_NOP_FIXED_FILE);
    konst!(IORING_NOP_FIXED_BUFFER == o::IORING_NOP_FIXED_BUFFER);
    konst!(IORING_NOP_TW == o::IORING_NOP_TW);
    konst!(SOCKET_URING_OP_SIOCINQ == o::io_uring_socket_op::SOCKET_URING_OP_SIOCINQ);
    konst!(SOCKET_URING_OP_SIOCOUTQ == o::io_uring_socket_op::SOCKET_URING_OP_SIOCOUTQ);
    konst!(SOCKET_URING_OP_GETSOCKOPT == o::io_uring_socket_op::SOCKET_URING_OP_GETSOCKOPT);
    konst!(SOCKET_URING_OP_SETSOCKOPT == o::io_uring_socket_op::SOCKET_URING_OP_SETSOCKOPT);
    konst!(SOCKET_URING_OP_TX_TIMESTAMP == o::io_uring_socket_op::SOCKET_URING_OP_TX_TIMESTAMP);
    konst!(IORING_TIMESTAMP_HW_SHIFT == o::IORING_TIMESTAMP_HW_SHIFT);
    konst!(IORING_TIMESTAMP_TYPE_SHIFT == o::IORING_TIMESTAMP_TYPE_SHIFT);
}

#[test]
#[rustfmt::skip]
fn register_constants() {
    use o::io_uring_register_op as r;
    konst!(IORING_REGISTER_BUFFERS == r::IORING_REGISTER_BUFFERS);
    konst!(IORING_UNREGISTER_BUFFERS == r::IORING_UNREGISTER_BUFFERS);
    konst!(IORING_REGISTER_FILES == r::IORING_REGISTER_FILES);
    konst!(IORING_UNREGISTER_FILES == r::IORING_UNREGISTER_FILES);
    konst!(IORING_REGISTER_EVENTFD == r::IORING_REGISTER_EVENTFD);
    konst!(IORING_UNREGISTER_EVENTFD == r::IORING_UNREGISTER_EVENTFD);
    konst!(IORING_REGISTER_FILES_UPDATE == r::IORING_REGISTER_FILES_UPDATE);
    konst!(IORING_REGISTER_EVENTFD_ASYNC == r::IORING_REGISTER_EVENTFD_ASYNC);
    konst!(IORING_REGISTER_PROBE == r::IORING_REGISTER_PROBE);
    konst!(IORING_REGISTER_PERSONALITY == r::IORING_REGISTER_PERSONALITY);
    konst!(IORING_UNREGISTER_PERSONALITY == r::IORING_UNREGISTER_PERSONALITY);
    konst!(IORING_REGISTER_RESTRICTIONS == r::IORING_REGISTER_RESTRICTIONS);
    konst!(IORING_REGISTER_ENABLE_RINGS == r::IORING_REGISTER_ENABLE_RINGS);
    konst!(IORING_REGISTER_FILES2 == r::IORING_REGISTER_FILES2);
    konst!(IORING_REGISTER_FILES_UPDATE2 == r::IORING_REGISTER_FILES_UPDATE2);
    konst!(IORING_REGISTER_BUFFERS2 == r::IORING_REGISTER_BUFFERS2);
    konst!(IORING_REGISTER_BUFFERS_UPDATE == r::IORING_REGISTER_BUFFERS_UPDATE);
    konst!(IORING_REGISTER_IOWQ_AFF == r::IORING_REGISTER_IOWQ_AFF);
    konst!(IORING_UNREGISTER_IOWQ_AFF == r::IORING_UNREGISTER_IOWQ_AFF);
    konst!(IORING_REGISTER_IOWQ_MAX_WORKERS == r::IORING_REGISTER_IOWQ_MAX_WORKERS);
    konst!(IORING_REGISTER_RING_FDS == r::IORING_REGISTER_RING_FDS);
    konst!(IORING_UNREGISTER_RING_FDS == r::IORING_UNREGISTER_RING_FDS);
    konst!(IORING_REGISTER_PBUF_RING == r::IORING_REGISTER_PBUF_RING);
    konst!(IORING_UNREGISTER_PBUF_RING == r::IORING_UNREGISTER_PBUF_RING);
    konst!(IORING_REGISTER_SYNC_CANCEL == r::IORING_REGISTER_SYNC_CANCEL);
    konst!(IORING_REGISTER_FILE_ALLOC_RANGE == r::IORING_REGISTER_FILE_ALLOC_RANGE);
    konst!(IORING_REGISTER_PBUF_STATUS == r::IORING_REGISTER_PBUF_STATUS);
    konst!(IORING_REGISTER_NAPI == r::IORING_REGISTER_NAPI);
    konst!(IORING_UNREGISTER_NAPI == r::IORING_UNREGISTER_NAPI);
    konst!(IORING_REGISTER_CLOCK == r::IORING_REGISTER_CLOCK);
    konst!(IORING_REGISTER_CLONE_BUFFERS == r::IORING_REGISTER_CLONE_BUFFERS);
    konst!(IORING_REGISTER_SEND_MSG_RING == r::IORING_REGISTER_SEND_MSG_RING);
    konst!(IORING_REGISTER_ZCRX_IFQ == r::IORING_REGISTER_ZCRX_IFQ);
    konst!(IORING_REGISTER_RESIZE_RINGS == r::IORING_REGISTER_RESIZE_RINGS);
    konst!(IORING_REGISTER_MEM_REGION == r::IORING_REGISTER_MEM_REGION);
    konst!(IORING_REGISTER_USE_REGISTERED_RING == r::IORING_REGISTER_USE_REGISTERED_RING);
    // The oracle's IORING_REGISTER_LAST is 35 (6.17); ours is 38, see part 3.
    assert_eq!(r::IORING_REGISTER_LAST as u32, IORING_REGISTER_MEM_REGION + 1);

    konst!(IO_WQ_BOUND == o::io_wq_type::IO_WQ_BOUND);
    konst!(IO_WQ_UNBOUND == o::io_wq_type::IO_WQ_UNBOUND);
    konst!(IORING_MEM_REGION_TYPE_USER == o::IORING_MEM_REGION_TYPE_USER);
    konst!(IORING_MEM_REGION_REG_WAIT_ARG == o::IORING_MEM_REGION_REG_WAIT_ARG);
    konst!(IORING_RSRC_REGISTER_SPARSE == o::IORING_RSRC_REGISTER_SPARSE);
    konst!(IORING_REGISTER_FILES_SKIP == o::IORING_REGISTER_FILES_SKIP);
    konst!(IO_URING_OP_SUPPORTED == o::IO_URING_OP_SUPPORTED);
    konst!(IORING_REGISTER_SRC_REGISTERED == o::IORING_REGISTER_SRC_REGISTERED);
    konst!(IORING_REGISTER_DST_REPLACE == o::IORING_REGISTER_DST_REPLACE);
    konst!(IOU_PBUF_RING_MMAP == o::io_uring_register_pbuf_ring_flags::IOU_PBUF_RING_MMAP);
    konst!(IOU_PBUF_RING_INC == o::io_uring_register_pbuf_ring_flags::IOU_PBUF_RING_INC);
    // In the kernel's header, not in liburing's copy of it.
    konst!(IO_URING_NAPI_REGISTER_OP == o::io_uring_napi_op::IO_URING_NAPI_REGISTER_OP);
    konst!(IO_URING_NAPI_STATIC_ADD_ID == o::io_uring_napi_op::IO_URING_NAPI_STATIC_ADD_ID);
    konst!(IO_URING_NAPI_STATIC_DEL_ID == o::io_uring_napi_op::IO_URING_NAPI_STATIC_DEL_ID);
    konst!(IO_URING_NAPI_TRACKING_DYNAMIC == o::io_uring_napi_tracking_strategy::IO_URING_NAPI_TRACKING_DYNAMIC);
    konst!(IO_URING_NAPI_TRACKING_STATIC == o::io_uring_napi_tracking_strategy::IO_URING_NAPI_TRACKING_STATIC);
    konst!(IO_URING_NAPI_TRACKING_INACTIVE == o::io_uring_napi_tracking_strategy::IO_URING_NAPI_TRACKING_INACTIVE);
    {
        use o::io_uring_register_restriction_op as rr;
        konst!(IORING_RESTRICTION_REGISTER_OP == rr::IORING_RESTRICTION_REGISTER_OP);
        konst!(IORING_RESTRICTION_SQE_OP == rr::IORING_RESTRICTION_SQE_OP);
        konst!(IORING_RESTRICTION_SQE_FLAGS_ALLOWED == rr::IORING_RESTRICTION_SQE_FLAGS_ALLOWED);
        konst!(IORING_RESTRICTION_SQE_FLAGS_REQUIRED == rr::IORING_RESTRICTION_SQE_FLAGS_REQUIRED);
        konst!(IORING_RESTRICTION_LAST == rr::IORING_RESTRICTION_LAST);
    }
}

#[test]
#[rustfmt::skip]
fn zcrx_constants() {
    konst!(IORING_ZCRX_AREA_SHIFT == o::IORING_ZCRX_AREA_SHIFT);
    konst!(IORING_ZCRX_AREA_DMABUF == o::io_uring_zcrx_area_flags::IORING_ZCRX_AREA_DMABUF);
}

#[test]
#[rustfmt::skip]
fn other_header_constants() {
    konst!(RESOLVE_NO_XDEV == g::RESOLVE_NO_XDEV);
    konst!(RESOLVE_NO_MAGICLINKS == g::RESOLVE_NO_MAGICLINKS);
    konst!(RESOLVE_NO_SYMLINKS == g::RESOLVE_NO_SYMLINKS);
    konst!(RESOLVE_BENEATH == g::RESOLVE_BENEATH);
    konst!(RESOLVE_IN_ROOT == g::RESOLVE_IN_ROOT);
    konst!(RESOLVE_CACHED == g::RESOLVE_CACHED);
    konst!(FUTEX2_SIZE_U8 == g::FUTEX2_SIZE_U8);
    konst!(FUTEX2_SIZE_U16 == g::FUTEX2_SIZE_U16);
    konst!(FUTEX2_SIZE_U32 == g::FUTEX2_SIZE_U32);
    konst!(FUTEX2_SIZE_U64 == g::FUTEX2_SIZE_U64);
    konst!(FUTEX2_SIZE_MASK == g::FUTEX2_SIZE_MASK);
    konst!(FUTEX2_NUMA == g::FUTEX2_NUMA);
    konst!(FUTEX2_MPOL == g::FUTEX2_MPOL);
    konst!(FUTEX2_PRIVATE == g::FUTEX2_PRIVATE);
    konst!(FUTEX_WAITV_MAX == g::FUTEX_WAITV_MAX);
}

// ---------------------------------------------------------------------------
// Part 3: newer than the oracle (Linux 6.18 .. 7.1), or macros bindgen does
// not translate. Checked against the values printed in the 7.0 header;
// "io_uring.h:N" is line N of liburing's src/include/liburing/io_uring.h,
// "query.h:N" and "bpf_filter.h:N" of the files next to it.
// ---------------------------------------------------------------------------

#[test]
#[rustfmt::skip]
fn newer_than_oracle_constants() {
    header!(IORING_SETUP_CQE_MIXED, 1u32 << 18, "io_uring.h:229");
    header!(IORING_SETUP_SQE_MIXED, 1u32 << 19, "io_uring.h:235");
    header!(IORING_SETUP_SQ_REWIND, 1u32 << 20, "io_uring.h:247");
    header!(IORING_OP_NOP128, 63, "io_uring.h:313 (64th member of enum io_uring_op)");
    header!(IORING_OP_URING_CMD128, 64, "io_uring.h:314");
    header!(IORING_OP_LAST, 65, "io_uring.h:317");
    header!(IORING_TIMEOUT_IMMEDIATE_ARG, 1u32 << 7, "io_uring.h:348");
    header!(IORING_NOP_CQE32, 1u32 << 5, "io_uring.h:481");
    header!(IORING_CQE_F_SKIP, 1u32 << 5, "io_uring.h:529");
    header!(IORING_CQE_F_32, 1u32 << 15, "io_uring.h:530");
    header!(IORING_REGISTER_QUERY, 35, "io_uring.h:704");
    header!(IORING_REGISTER_ZCRX_CTRL, 36, "io_uring.h:707");
    header!(IORING_REGISTER_BPF_FILTER, 37, "io_uring.h:710");
    header!(IORING_REGISTER_LAST, 38, "io_uring.h:713");
    header!(SOCKET_URING_OP_GETSOCKNAME, 5, "io_uring.h:1001");
    // Macros with casts or arithmetic that bindgen leaves out.
    header!(IORING_CQE_F_TSTAMP_HW, 1u32 << 16, "io_uring.h:1012");
    header!(IORING_ZCRX_AREA_MASK, !((1u64 << 48) - 1), "io_uring.h:1033");
    header!(ZCRX_REG_IMPORT, 1, "io_uring.h:1057");
    header!(ZCRX_REG_NODEV, 2, "io_uring.h:1063");
    header!(ZCRX_FEATURE_RX_PAGE_SIZE, 1 << 0, "io_uring.h:1071");
    header!(ZCRX_CTRL_FLUSH_RQ, 0, "io_uring.h:1093");
    header!(ZCRX_CTRL_EXPORT, 1, "io_uring.h:1094");
    header!(__ZCRX_CTRL_LAST, 2, "io_uring.h:1096");
    header!(IO_URING_QUERY_OPCODES, 0, "query.h:20");
    header!(IO_URING_QUERY_ZCRX, 1, "query.h:21");
    header!(IO_URING_QUERY_SCQ, 2, "query.h:22");
    header!(__IO_URING_QUERY_MAX, 3, "query.h:24");
    header!(IO_URING_BPF_FILTER_DENY_REST, 1, "bpf_filter.h:37");
    header!(IO_URING_BPF_FILTER_SZ_STRICT, 2, "bpf_filter.h:42");
    header!(IO_URING_BPF_CMD_FILTER, 1, "bpf_filter.h:56");
}

/// Offsets of one struct, as the C layout rules give them for the header's
/// declarations (all members naturally aligned, no packing).
macro_rules! offsets {
    ($ty:ty, size $size:literal, align $align:literal, line $line:literal { $($($f:ident).+ @ $off:literal),* $(,)? }) => {{
        assert_eq!(size_of::<$ty>(), $size, "size_of::<{}> ({})", stringify!($ty), $line);
        assert_eq!(align_of::<$ty>(), $align, "align_of::<{}> ({})", stringify!($ty), $line);
        $(assert_eq!(offset_of!($ty, $($f).+), $off, "offset_of!({}, {}) ({})", stringify!($ty), stringify!($($f).+), $line);)*
    }};
}

#[test]
#[rustfmt::skip]
fn newer_than_oracle_layouts() {
    // 7.1 (backported to stable): `min_left` splits the old `u64 resv[3]`.
    offsets!(io_uring_buf_reg, size 40, align 8, line "io_uring.h:889" {
        ring_addr @ 0, ring_entries @ 8, bgid @ 12, flags @ 14, min_left @ 16, resv @ 20,
    });
    // 7.0: `rx_buf_len` replaces `__resv2`.
    offsets!(io_uring_zcrx_ifq_reg, size 96, align 8, line "io_uring.h:1077" {
        if_idx @ 0, if_rxq @ 4, rq_entries @ 8, flags @ 12, area_ptr @ 16, region_ptr @ 24,
        offsets @ 32, zcrx_id @ 64, rx_buf_len @ 68, __resv @ 72,
    });
    offsets!(io_uring_task_restriction, size 16, align 4, line "io_uring.h:817" {
        flags @ 0, nr_res @ 2, resv @ 4, restrictions @ 16,
    });
    offsets!(zcrx_ctrl_flush_rq, size 48, align 8, line "io_uring.h:1099" { __resv @ 0 });
    offsets!(zcrx_ctrl_export, size 48, align 4, line "io_uring.h:1103" { zcrx_fd @ 0, __resv1 @ 4 });
    offsets!(zcrx_ctrl, size 72, align 8, line "io_uring.h:1108" {
        zcrx_id @ 0, op @ 4, __resv @ 8, zc_export @ 24, zc_export.zc_export @ 24, zc_export.zc_flush @ 24,
    });
    offsets!(io_uring_query_hdr, size 40, align 8, line "query.h:10" {
        next_entry @ 0, query_data @ 8, query_op @ 16, size @ 20, result @ 24, __resv @ 28,
    });
    offsets!(io_uring_query_opcode, size 48, align 8, line "query.h:28" {
        nr_request_opcodes @ 0, nr_register_opcodes @ 4, feature_flags @ 8, ring_setup_flags @ 16,
        enter_flags @ 24, sqe_flags @ 32, nr_query_opcodes @ 40, __pad @ 44,
    });
    offsets!(io_uring_query_zcrx, size 40, align 8, line "query.h:46" {
        register_flags @ 0, area_flags @ 8, nr_ctrl_opcodes @ 16, features @ 20,
        rq_hdr_size @ 24, rq_hdr_alignment @ 28, __resv2 @ 32,
    });
    offsets!(io_uring_query_scq, size 16, align 8, line "query.h:62" { hdr_size @ 0, hdr_alignment @ 8 });
    offsets!(io_uring_bpf_ctx, size 40, align 8, line "bpf_filter.h:13" {
        user_data @ 0, opcode @ 8, sqe_flags @ 9, pdu_size @ 10, pad @ 11, socket @ 16,
        socket.socket.family @ 16, socket.socket.r#type @ 20, socket.socket.protocol @ 24,
        socket.open.flags @ 16, socket.open.mode @ 24, socket.open.resolve @ 32,
    });
    offsets!(io_uring_bpf_filter, size 64, align 8, line "bpf_filter.h:45" {
        opcode @ 0, flags @ 4, filter_len @ 8, pdu_size @ 12, resv @ 13, filter_ptr @ 16, resv2 @ 24,
    });
    offsets!(io_uring_bpf, size 72, align 8, line "bpf_filter.h:59" {
        cmd_type @ 0, cmd_flags @ 2, resv @ 4, filter @ 8, filter.filter @ 8,
    });
}

// ---------------------------------------------------------------------------
// Part 4: the families and their counts.
// ---------------------------------------------------------------------------

/// Asserts that a family is exactly the single bits `0..N`, in order.
fn assert_bits(what: &str, family: &[(&str, u64)], count: usize) {
    assert_eq!(family.len(), count, "{what}: count");
    for (i, (name, value)) in family.iter().enumerate() {
        assert_eq!(*value, 1 << i, "{what}: {name} is not bit {i}");
    }
}

/// Asserts that a family is exactly the values `0..N`, in order.
fn assert_sequence(what: &str, family: &[(&str, u64)], count: usize) {
    assert_eq!(family.len(), count, "{what}: count");
    for (i, (name, value)) in family.iter().enumerate() {
        assert_eq!(*value, i as u64, "{what}: {name} is not {i}");
    }
}

#[test]
#[rustfmt::skip]
fn counts() {
    let opcodes = family![
        IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC, IORING_OP_READ_FIXED,
        IORING_OP_WRITE_FIXED, IORING_OP_POLL_ADD, IORING_OP_POLL_REMOVE, IORING_OP_SYNC_FILE_RANGE,
        IORING_OP_SENDMSG, IORING_OP_RECVMSG, IORING_OP_TIMEOUT, IORING_OP_TIMEOUT_REMOVE,
        IORING_OP_ACCEPT, IORING_OP_ASYNC_CANCEL, IORING_OP_LINK_TIMEOUT, IORING_OP_CONNECT,
        IORING_OP_FALLOCATE, IORING_OP_OPENAT, IORING_OP_CLOSE, IORING_OP_FILES_UPDATE,
        IORING_OP_STATX, IORING_OP_READ, IORING_OP_WRITE, IORING_OP_FADVISE, IORING_OP_MADVISE,
        IORING_OP_SEND, IORING_OP_RECV, IORING_OP_OPENAT2, IORING_OP_EPOLL_CTL, IORING_OP_SPLICE,
        IORING_OP_PROVIDE_BUFFERS, IORING_OP_REMOVE_BUFFERS, IORING_OP_TEE, IORING_OP_SHUTDOWN,
        IORING_OP_RENAMEAT, IORING_OP_UNLINKAT, IORING_OP_MKDIRAT, IORING_OP_SYMLINKAT,
        IORING_OP_LINKAT, IORING_OP_MSG_RING, IORING_OP_FSETXATTR, IORING_OP_SETXATTR,
        IORING_OP_FGETXATTR, IORING_OP_GETXATTR, IORING_OP_SOCKET, IORING_OP_URING_CMD,
        IORING_OP_SEND_ZC, IORING_OP_SENDMSG_ZC, IORING_OP_READ_MULTISHOT, IORING_OP_WAITID,
        IORING_OP_FUTEX_WAIT, IORING_OP_FUTEX_WAKE, IORING_OP_FUTEX_WAITV,
        IORING_OP_FIXED_FD_INSTALL, IORING_OP_FTRUNCATE, IORING_OP_BIND, IORING_OP_LISTEN,
        IORING_OP_RECV_ZC, IORING_OP_EPOLL_WAIT, IORING_OP_READV_FIXED, IORING_OP_WRITEV_FIXED,
        IORING_OP_PIPE, IORING_OP_NOP128, IORING_OP_URING_CMD128,
    ];
    assert_sequence("IORING_OP_*", &opcodes, 65);
    assert_eq!(IORING_OP_LAST as usize, opcodes.len());

    let setup = family![
        IORING_SETUP_IOPOLL, IORING_SETUP_SQPOLL, IORING_SETUP_SQ_AFF, IORING_SETUP_CQSIZE,
        IORING_SETUP_CLAMP, IORING_SETUP_ATTACH_WQ, IORING_SETUP_R_DISABLED,
        IORING_SETUP_SUBMIT_ALL, IORING_SETUP_COOP_TASKRUN, IORING_SETUP_TASKRUN_FLAG,
        IORING_SETUP_SQE128, IORING_SETUP_CQE32, IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_NO_MMAP, IORING_SETUP_REGISTERED_FD_ONLY,
        IORING_SETUP_NO_SQARRAY, IORING_SETUP_HYBRID_IOPOLL, IORING_SETUP_CQE_MIXED,
        IORING_SETUP_SQE_MIXED, IORING_SETUP_SQ_REWIND,
    ];
    assert_bits("IORING_SETUP_*", &setup, 21);

    let enter = family![
        IORING_ENTER_GETEVENTS, IORING_ENTER_SQ_WAKEUP, IORING_ENTER_SQ_WAIT,
        IORING_ENTER_EXT_ARG, IORING_ENTER_REGISTERED_RING, IORING_ENTER_ABS_TIMER,
        IORING_ENTER_EXT_ARG_REG, IORING_ENTER_NO_IOWAIT,
    ];
    assert_bits("IORING_ENTER_*", &enter, 8);

    let feat = family![
        IORING_FEAT_SINGLE_MMAP, IORING_FEAT_NODROP, IORING_FEAT_SUBMIT_STABLE,
        IORING_FEAT_RW_CUR_POS, IORING_FEAT_CUR_PERSONALITY, IORING_FEAT_FAST_POLL,
        IORING_FEAT_POLL_32BITS, IORING_FEAT_SQPOLL_NONFIXED, IORING_FEAT_EXT_ARG,
        IORING_FEAT_NATIVE_WORKERS, IORING_FEAT_RSRC_TAGS, IORING_FEAT_CQE_SKIP,
        IORING_FEAT_LINKED_FILE, IORING_FEAT_REG_REG_RING, IORING_FEAT_RECVSEND_BUNDLE,
        IORING_FEAT_MIN_TIMEOUT, IORING_FEAT_RW_ATTR, IORING_FEAT_NO_IOWAIT,
    ];
    assert_bits("IORING_FEAT_*", &feat, 18);

    let sqe_flags = family![
        IOSQE_FIXED_FILE, IOSQE_IO_DRAIN, IOSQE_IO_LINK, IOSQE_IO_HARDLINK, IOSQE_ASYNC,
        IOSQE_BUFFER_SELECT, IOSQE_CQE_SKIP_SUCCESS,
    ];
    assert_bits("IOSQE_*", &sqe_flags, 7);
    let sqe_bits = family![
        IOSQE_FIXED_FILE_BIT, IOSQE_IO_DRAIN_BIT, IOSQE_IO_LINK_BIT, IOSQE_IO_HARDLINK_BIT,
        IOSQE_ASYNC_BIT, IOSQE_BUFFER_SELECT_BIT, IOSQE_CQE_SKIP_SUCCESS_BIT,
    ];
    assert_sequence("IOSQE_*_BIT", &sqe_bits, 7);

    let register = family![
        IORING_REGISTER_BUFFERS, IORING_UNREGISTER_BUFFERS, IORING_REGISTER_FILES,
        IORING_UNREGISTER_FILES, IORING_REGISTER_EVENTFD, IORING_UNREGISTER_EVENTFD,
        IORING_REGISTER_FILES_UPDATE, IORING_REGISTER_EVENTFD_ASYNC, IORING_REGISTER_PROBE,
        IORING_REGISTER_PERSONALITY, IORING_UNREGISTER_PERSONALITY, IORING_REGISTER_RESTRICTIONS,
        IORING_REGISTER_ENABLE_RINGS, IORING_REGISTER_FILES2, IORING_REGISTER_FILES_UPDATE2,
        IORING_REGISTER_BUFFERS2, IORING_REGISTER_BUFFERS_UPDATE, IORING_REGISTER_IOWQ_AFF,
        IORING_UNREGISTER_IOWQ_AFF, IORING_REGISTER_IOWQ_MAX_WORKERS, IORING_REGISTER_RING_FDS,
        IORING_UNREGISTER_RING_FDS, IORING_REGISTER_PBUF_RING, IORING_UNREGISTER_PBUF_RING,
        IORING_REGISTER_SYNC_CANCEL, IORING_REGISTER_FILE_ALLOC_RANGE,
        IORING_REGISTER_PBUF_STATUS, IORING_REGISTER_NAPI, IORING_UNREGISTER_NAPI,
        IORING_REGISTER_CLOCK, IORING_REGISTER_CLONE_BUFFERS, IORING_REGISTER_SEND_MSG_RING,
        IORING_REGISTER_ZCRX_IFQ, IORING_REGISTER_RESIZE_RINGS, IORING_REGISTER_MEM_REGION,
        IORING_REGISTER_QUERY, IORING_REGISTER_ZCRX_CTRL, IORING_REGISTER_BPF_FILTER,
    ];
    assert_sequence("IORING_REGISTER_*", &register, 38);
    assert_eq!(IORING_REGISTER_LAST as usize, register.len());
    assert_eq!(IORING_REGISTER_USE_REGISTERED_RING, 1 << 31);
    for (name, value) in register {
        assert_eq!(value & u64::from(IORING_REGISTER_USE_REGISTERED_RING), 0, "{name}");
    }

    let cqe_flags = family![
        IORING_CQE_F_BUFFER, IORING_CQE_F_MORE, IORING_CQE_F_SOCK_NONEMPTY, IORING_CQE_F_NOTIF,
        IORING_CQE_F_BUF_MORE, IORING_CQE_F_SKIP,
    ];
    assert_bits("IORING_CQE_F_* (low bits)", &cqe_flags, 6);
    assert_eq!(IORING_CQE_F_32, 1 << 15);
    assert_eq!(IORING_CQE_F_TSTAMP_HW, 1 << 16);
}
