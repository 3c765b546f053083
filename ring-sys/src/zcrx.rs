//! Zero-copy receive (zcrx): registering a network interface receive queue
//! with a ring (`IORING_REGISTER_ZCRX_IFQ`), the refill queue, the
//! completion payload of `IORING_OP_RECV_ZC`, and the control operations of
//! `IORING_REGISTER_ZCRX_CTRL`.

use core::fmt;

use crate::types::impl_zeroed;

/// A refill queue entry: the application returns a buffer it is done with
/// to the kernel by writing one of these. Linux 6.15.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_zcrx_rqe {
    /// The offset of the buffer, as the completion reported it (area id in
    /// the bits above `IORING_ZCRX_AREA_SHIFT`).
    pub off: u64,
    /// The length to return.
    pub len: u32,
    /// Reserved, must be zero.
    pub __pad: u32,
}

/// The second half of the 32-byte CQE of an `IORING_OP_RECV_ZC`
/// completion: where in the registered area the data landed. Linux 6.15.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_zcrx_cqe {
    /// The offset of the data (area id in the bits above `IORING_ZCRX_AREA_SHIFT`).
    pub off: u64,
    /// Reserved.
    pub __pad: u64,
}

/// The bit of a zcrx offset from which the area id is encoded; Linux 6.15.
pub const IORING_ZCRX_AREA_SHIFT: u32 = 48;
/// The bits of a zcrx offset that hold the area id; Linux 6.15.
pub const IORING_ZCRX_AREA_MASK: u64 = !((1u64 << IORING_ZCRX_AREA_SHIFT) - 1);

/// The offsets of the refill ring's fields inside its region, which the
/// kernel fills in. Linux 6.15.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_zcrx_offsets {
    /// Byte offset of the head index.
    pub head: u32,
    /// Byte offset of the tail index.
    pub tail: u32,
    /// Byte offset of the [`io_uring_zcrx_rqe`] array.
    pub rqes: u32,
    /// Reserved.
    pub __resv2: u32,
    /// Reserved.
    pub __resv: [u64; 2],
}

/// `io_uring_zcrx_area_reg.flags`: the area is a dma-buf (`dmabuf_fd`)
/// rather than user memory (C `enum io_uring_zcrx_area_flags`); Linux 6.16.
pub const IORING_ZCRX_AREA_DMABUF: u32 = 1;

/// Describes the memory area receive buffers are carved from. Linux 6.15;
/// `dmabuf_fd` from 6.16.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_zcrx_area_reg {
    /// The user address of the area (user memory areas).
    pub addr: u64,
    /// The length of the area in bytes.
    pub len: u64,
    /// The token to OR into refill offsets for this area (output).
    pub rq_area_token: u64,
    /// `IORING_ZCRX_AREA_*` flags.
    pub flags: u32,
    /// The dma-buf descriptor, with `IORING_ZCRX_AREA_DMABUF`. Linux 6.16.
    pub dmabuf_fd: u32,
    /// Reserved, must be zero.
    pub __resv2: [u64; 2],
}

/// `io_uring_zcrx_ifq_reg.flags`: import a zcrx instance another ring
/// exported (`ZCRX_CTRL_EXPORT`) rather than creating one (C `enum
/// zcrx_reg_flags`); Linux 6.19.
pub const ZCRX_REG_IMPORT: u32 = 1;
/// `io_uring_zcrx_ifq_reg.flags`: create an instance with no network
/// device, for testing: data is always copied, and refill entries may need
/// flushing with `ZCRX_CTRL_FLUSH_RQ`; Linux 7.1.
pub const ZCRX_REG_NODEV: u32 = 2;

/// zcrx feature bit (C `enum zcrx_features`), reported by the zcrx query:
/// the application may choose the receive buffer size in
/// `io_uring_zcrx_ifq_reg.rx_buf_len`; Linux 7.0.
pub const ZCRX_FEATURE_RX_PAGE_SIZE: u32 = 1 << 0;

/// The argument of `IORING_REGISTER_ZCRX_IFQ`. Linux 6.15; `rx_buf_len`
/// from 7.0 (previously `__resv2`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_zcrx_ifq_reg {
    /// The network interface index.
    pub if_idx: u32,
    /// The hardware receive queue of that interface.
    pub if_rxq: u32,
    /// The number of refill queue entries.
    pub rq_entries: u32,
    /// `ZCRX_REG_*` flags.
    pub flags: u32,
    /// The user address of an [`io_uring_zcrx_area_reg`].
    pub area_ptr: u64,
    /// The user address of a [`crate::io_uring_region_desc`] for the refill ring.
    pub region_ptr: u64,
    /// The refill ring offsets (output).
    pub offsets: io_uring_zcrx_offsets,
    /// The id of the new instance, for `zcrx_ifq_idx` (output).
    pub zcrx_id: u32,
    /// The receive buffer size to use, 0 for the default (see
    /// `ZCRX_FEATURE_RX_PAGE_SIZE`). Linux 7.0.
    pub rx_buf_len: u32,
    /// Reserved, must be zero.
    pub __resv: [u64; 3],
}

/// zcrx control operation (`zcrx_ctrl.op`, C `enum zcrx_ctrl_op`): make the
/// kernel consume the refill queue now; Linux 6.19.
pub const ZCRX_CTRL_FLUSH_RQ: u32 = 0;
/// zcrx control operation: export the instance as a file descriptor that
/// other rings can import (`ZCRX_REG_IMPORT`); Linux 6.19.
pub const ZCRX_CTRL_EXPORT: u32 = 1;
/// The number of zcrx control operations this header knows (2); not an
/// operation. Linux 6.19.
pub const __ZCRX_CTRL_LAST: u32 = 2;

/// The payload of `ZCRX_CTRL_FLUSH_RQ`, all reserved. Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct zcrx_ctrl_flush_rq {
    /// Reserved, must be zero.
    pub __resv: [u64; 6],
}

/// The payload of `ZCRX_CTRL_EXPORT`. Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct zcrx_ctrl_export {
    /// The exported file descriptor (output).
    pub zcrx_fd: u32,
    /// Reserved, must be zero.
    pub __resv1: [u32; 11],
}

/// The operation-specific payload of a [`zcrx_ctrl`]. Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy)]
pub union zcrx_ctrl_payload {
    /// The payload of `ZCRX_CTRL_EXPORT`.
    pub zc_export: zcrx_ctrl_export,
    /// The payload of `ZCRX_CTRL_FLUSH_RQ`.
    pub zc_flush: zcrx_ctrl_flush_rq,
}

impl Default for zcrx_ctrl_payload {
    /// All bytes zero.
    #[inline]
    fn default() -> Self {
        zcrx_ctrl_payload { zc_flush: zcrx_ctrl_flush_rq::default() }
    }
}

impl fmt::Debug for zcrx_ctrl_payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: both members are 48 bytes of plain integers, so any
        // initialised bit pattern is a valid `zc_flush`.
        let v = unsafe { self.zc_flush };
        f.debug_struct("zcrx_ctrl_payload").field("zc_flush", &v).finish()
    }
}

/// The argument of `IORING_REGISTER_ZCRX_CTRL`. Linux 6.19.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct zcrx_ctrl {
    /// The zcrx instance.
    pub zcrx_id: u32,
    /// The operation, one of `ZCRX_CTRL_*`.
    pub op: u32,
    /// Reserved, must be zero.
    pub __resv: [u64; 2],
    /// The payload of the operation; the field carries the name of the C
    /// union's first member.
    pub zc_export: zcrx_ctrl_payload,
}

impl_zeroed!(
    io_uring_zcrx_rqe => "6.15",
    io_uring_zcrx_cqe => "6.15",
    io_uring_zcrx_offsets => "6.15",
    io_uring_zcrx_area_reg => "6.15",
    io_uring_zcrx_ifq_reg => "6.15",
    zcrx_ctrl_flush_rq => "6.19",
    zcrx_ctrl_export => "6.19",
    zcrx_ctrl => "6.19",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    const _: () = assert!(size_of::<io_uring_zcrx_rqe>() == 16);
    const _: () = assert!(size_of::<io_uring_zcrx_cqe>() == 16);
    const _: () = assert!(size_of::<io_uring_zcrx_offsets>() == 32);
    const _: () = assert!(size_of::<io_uring_zcrx_area_reg>() == 48);
    const _: () = assert!(size_of::<io_uring_zcrx_ifq_reg>() == 96);
    const _: () = assert!(size_of::<zcrx_ctrl_flush_rq>() == 48);
    const _: () = assert!(size_of::<zcrx_ctrl_export>() == 48);
    const _: () = assert!(size_of::<zcrx_ctrl>() == 72);
    const _: () = assert!(offset_of!(zcrx_ctrl, zc_export) == 24);
    const _: () = assert!(IORING_ZCRX_AREA_MASK == 0xffff_0000_0000_0000);
}
