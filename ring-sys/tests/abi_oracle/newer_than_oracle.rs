//! Part 3: newer than the oracle (Linux 6.18 .. 7.1), or macros bindgen does
//! not translate. Checked against the values printed in the 7.0 header;
//! "io_uring.h:N" is line N of liburing's src/include/liburing/io_uring.h,
//! "query.h:N" and "bpf_filter.h:N" of the files next to it.

use core::mem::{align_of, offset_of, size_of};

use ring_sys::*;

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
