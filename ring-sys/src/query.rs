//! The query interface of `IORING_REGISTER_QUERY`, from the uapi header
//! `linux/io_uring/query.h`: a chain of [`io_uring_query_hdr`]s, each
//! pointing to the result structure of its query.

use crate::types::impl_zeroed;

/// One link of a query chain: which query to run and where its result
/// goes. Linux 6.18.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_query_hdr {
    /// The user address of the next header, or 0 to end the chain.
    pub next_entry: u64,
    /// The user address of the result structure.
    pub query_data: u64,
    /// The query, one of `IO_URING_QUERY_*`.
    pub query_op: u32,
    /// The size of the result structure; the kernel writes back how much it filled.
    pub size: u32,
    /// The result of this query: 0 or `-errno` (output).
    pub result: i32,
    /// Reserved, must be zero.
    pub __resv: [u32; 3],
}

/// Query: the opcodes, flags and features the kernel supports, answered by
/// [`io_uring_query_opcode`]; it needs no ring. Linux 6.18.
pub const IO_URING_QUERY_OPCODES: u32 = 0;
/// Query: the zero-copy receive capabilities, answered by
/// [`io_uring_query_zcrx`]; Linux 6.19.
pub const IO_URING_QUERY_ZCRX: u32 = 1;
/// Query: the SQ/CQ ring header size and alignment, answered by
/// [`io_uring_query_scq`]; Linux 6.19.
pub const IO_URING_QUERY_SCQ: u32 = 2;
/// The number of queries this header knows (3); not a query. Linux 6.18.
pub const __IO_URING_QUERY_MAX: u32 = 3;

/// The answer to `IO_URING_QUERY_OPCODES`. Linux 6.18;
/// `nr_query_opcodes` from 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_query_opcode {
    /// The number of `IORING_OP_*` opcodes supported.
    pub nr_request_opcodes: u32,
    /// The number of `IORING_[UN]REGISTER_*` opcodes supported.
    pub nr_register_opcodes: u32,
    /// All supported `IORING_FEAT_*` flags.
    pub feature_flags: u64,
    /// All supported `IORING_SETUP_*` flags.
    pub ring_setup_flags: u64,
    /// All supported `IORING_ENTER_*` flags.
    pub enter_flags: u64,
    /// All supported `IOSQE_*` flags.
    pub sqe_flags: u64,
    /// The number of query opcodes supported. Linux 6.19.
    pub nr_query_opcodes: u32,
    /// Reserved.
    pub __pad: u32,
}

/// The answer to `IO_URING_QUERY_ZCRX`. Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_query_zcrx {
    /// All supported `ZCRX_REG_*` flags.
    pub register_flags: u64,
    /// All supported `IORING_ZCRX_AREA_*` flags.
    pub area_flags: u64,
    /// The number of `ZCRX_CTRL_*` operations supported.
    pub nr_ctrl_opcodes: u32,
    /// The available `ZCRX_FEATURE_*` bits.
    pub features: u32,
    /// The size of the refill ring header.
    pub rq_hdr_size: u32,
    /// The alignment the refill ring header needs.
    pub rq_hdr_alignment: u32,
    /// Reserved.
    pub __resv2: u64,
}

/// The answer to `IO_URING_QUERY_SCQ`, for sizing application-provided ring
/// memory (`IORING_SETUP_NO_MMAP`, `IORING_MEM_REGION_TYPE_USER`). Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_query_scq {
    /// The size of the SQ/CQ ring header.
    pub hdr_size: u64,
    /// The alignment the header needs.
    pub hdr_alignment: u64,
}

impl_zeroed!(
    io_uring_query_hdr => "6.18",
    io_uring_query_opcode => "6.18",
    io_uring_query_zcrx => "6.19",
    io_uring_query_scq => "6.19",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    const _: () = assert!(size_of::<io_uring_query_hdr>() == 40);
    const _: () = assert!(size_of::<io_uring_query_opcode>() == 48);
    const _: () = assert!(size_of::<io_uring_query_zcrx>() == 40);
    const _: () = assert!(size_of::<io_uring_query_scq>() == 16);
}
