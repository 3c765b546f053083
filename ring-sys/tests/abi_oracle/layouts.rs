//! Part 1: struct layouts against the oracle.

use core::mem::{align_of, offset_of, size_of};

use linux_raw_sys::general as g;
use linux_raw_sys::io_uring as o;
use ring_sys::*;

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
