//! Zero-copy receive: `IORING_REGISTER_ZCRX_IFQ` (32) and
//! `IORING_REGISTER_ZCRX_CTRL` (36).
//!
//! Zero-copy receive binds one hardware receive queue of a network device
//! to a ring. The device writes packet payloads straight into an area of
//! application memory (or a dma-buf); `IORING_OP_RECV_ZC` completions
//! (32-byte CQEs) say where, and the application hands each piece back
//! through a refill ring once it is done with it. It needs a NIC and driver
//! with header/data split and queue management support, `CAP_NET_ADMIN`,
//! and a ring set up with `IORING_SETUP_DEFER_TASKRUN` and 32-byte CQEs
//! (`IORING_SETUP_CQE32` or `IORING_SETUP_CQE_MIXED`).
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::memory::page_size;
use crate::raw::ring::Ring;
use core::ptr::NonNull;
use ring_sys::*;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// The memory receive buffers are carved from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZcrxArea {
    /// Application memory: page-aligned, a whole number of pages.
    User {
        /// The first byte.
        addr: NonNull<u8>,
        /// The length in bytes.
        len: usize,
    },
    /// A dma-buf (`IORING_ZCRX_AREA_DMABUF`, 6.16), from `offset` for `len`
    /// bytes.
    DmaBuf {
        /// The dma-buf descriptor.
        fd: RawFd,
        /// Where the area starts inside it.
        offset: u64,
        /// The length in bytes.
        len: usize,
    },
}

/// The memory of the refill ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZcrxRefill {
    /// The kernel allocates `len` bytes, to be mapped from the ring
    /// descriptor at [`ZcrxIfq::refill_mmap_offset`].
    Kernel {
        /// The length in bytes (a whole number of pages).
        len: usize,
    },
    /// Application memory: page-aligned, a whole number of pages.
    User {
        /// The first byte.
        addr: NonNull<u8>,
        /// The length in bytes.
        len: usize,
    },
}

/// What [`Ring::register_zcrx_ifq`] registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZcrxIfqConfig {
    /// The network interface index (`if_nametoindex(3)`).
    pub if_idx: u32,
    /// The hardware receive queue of that interface.
    pub if_rxq: u32,
    /// The number of refill ring entries (rounded up by the kernel).
    pub rq_entries: u32,
    /// The receive area.
    pub area: ZcrxArea,
    /// The refill ring's memory.
    pub refill: ZcrxRefill,
    /// The receive buffer size, 0 for the default (7.0).
    pub rx_buf_len: u32,
    /// `ZCRX_REG_*` flags.
    pub flags: u32,
}

/// A registered zero-copy receive queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZcrxIfq {
    /// The instance id, for `sqe.zcrx_ifq_idx` and [`Ring::zcrx_flush_rq`].
    pub id: u32,
    /// The number of refill ring entries the kernel chose.
    pub rq_entries: u32,
    /// Where the refill ring's head, tail and entries are in its region.
    pub offsets: io_uring_zcrx_offsets,
    /// The token to OR into refill entry offsets for this area.
    pub area_token: u64,
    /// Where to map a kernel-allocated refill ring from the ring descriptor.
    pub refill_mmap_offset: u64,
}

fn check_user_mem(addr: NonNull<u8>, len: usize, what: &'static str) -> Result<(), crate::error::Error> {
    let page = page_size();
    if len == 0 || len % page != 0 || (addr.as_ptr() as usize) % page != 0 {
        return Err(Error::InvalidArgument(what));
    }
    Ok(())
}

impl<K: Kernel> Ring<K> {
    /// Binds receive queue `config.if_rxq` of interface `config.if_idx` to
    /// this ring for zero-copy receive (`IORING_REGISTER_ZCRX_IFQ`, Linux
    /// 6.15). Without a capable device, or without `CAP_NET_ADMIN`, the
    /// kernel's refusal comes back typed ([`Error::Syscall`] with its errno).
    ///
    /// # Safety
    ///
    /// A user-memory area or refill ring must stay valid, and not be reused
    /// for other data, until the ring is dropped: the device writes packet
    /// data into the area and the kernel reads the refill ring for the
    /// ring's whole life. A dma-buf must stay as the kernel imported it.
    pub unsafe fn register_zcrx_ifq(&self, config: &ZcrxIfqConfig) -> Result<ZcrxIfq, crate::error::Error> {
        let flags = self.params.flags;
        if flags & IORING_SETUP_DEFER_TASKRUN == 0 || flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED) == 0 {
            return Err(Error::NotConfigured(
                "zero-copy receive needs IORING_SETUP_DEFER_TASKRUN and IORING_SETUP_CQE32 or IORING_SETUP_CQE_MIXED",
            ));
        }
        if config.rq_entries == 0 {
            return Err(Error::InvalidArgument("the refill ring needs entries"));
        }
        let mut area = io_uring_zcrx_area_reg::default();
        match config.area {
            ZcrxArea::User { addr, len } => {
                check_user_mem(addr, len, "a zero-copy receive area must be whole, page-aligned pages")?;
                area.addr = addr.as_ptr() as u64;
                area.len = len as u64;
            }
            ZcrxArea::DmaBuf { fd, offset, len } => {
                if fd < 0 {
                    return Err(Error::BadFd(fd));
                }
                area.addr = offset;
                area.len = len as u64;
                area.flags = IORING_ZCRX_AREA_DMABUF;
                area.dmabuf_fd = fd as u32;
            }
        }
        let mut region = io_uring_region_desc::default();
        match config.refill {
            ZcrxRefill::Kernel { len } => {
                if len == 0 || len % page_size() != 0 {
                    return Err(Error::InvalidArgument("the refill ring is a whole number of pages"));
                }
                region.size = len as u64;
            }
            ZcrxRefill::User { addr, len } => {
                check_user_mem(addr, len, "user refill ring memory must be whole, page-aligned pages")?;
                region.user_addr = addr.as_ptr() as u64;
                region.size = len as u64;
                region.flags = IORING_MEM_REGION_TYPE_USER;
            }
        }
        let mut reg = io_uring_zcrx_ifq_reg {
            if_idx: config.if_idx,
            if_rxq: config.if_rxq,
            rq_entries: config.rq_entries,
            flags: config.flags,
            area_ptr: (&raw mut area) as u64,
            region_ptr: (&raw mut region) as u64,
            rx_buf_len: config.rx_buf_len,
            ..Default::default()
        };
        // SAFETY: `reg`, `area` and `region` are read and written back
        // during the call; the memory they name is kept per this function's
        // contract.
        unsafe { self.register_pinning(IORING_REGISTER_ZCRX_IFQ, (&raw mut reg).cast_const().cast(), 1) }?;
        Ok(ZcrxIfq {
            id: reg.zcrx_id,
            rq_entries: reg.rq_entries,
            offsets: reg.offsets,
            area_token: area.rq_area_token,
            refill_mmap_offset: region.mmap_offset,
        })
    }

    /// Makes the kernel consume the refill ring of zcrx instance `zcrx_id`
    /// now (`IORING_REGISTER_ZCRX_CTRL` with `ZCRX_CTRL_FLUSH_RQ`, Linux
    /// 6.19).
    pub fn zcrx_flush_rq(&self, zcrx_id: u32) -> Result<(), crate::error::Error> {
        let mut ctrl = zcrx_ctrl { zcrx_id, op: ZCRX_CTRL_FLUSH_RQ, ..Default::default() };
        self.zcrx_ctrl(&mut ctrl).map(drop)
    }

    /// Exports zcrx instance `zcrx_id` as a descriptor that other rings can
    /// import with `ZCRX_REG_IMPORT` (`IORING_REGISTER_ZCRX_CTRL` with
    /// `ZCRX_CTRL_EXPORT`, Linux 6.19).
    pub fn zcrx_export(&self, zcrx_id: u32) -> Result<OwnedFd, crate::error::Error> {
        let mut ctrl = zcrx_ctrl { zcrx_id, op: ZCRX_CTRL_EXPORT, ..Default::default() };
        let ret = self.zcrx_ctrl(&mut ctrl)?;
        // The descriptor is the call's result on some kernels and written
        // into the payload on others.
        // SAFETY: both payload members are plain integers, so any bytes are
        // a valid export member.
        let written = unsafe { ctrl.zc_export.zc_export.zcrx_fd };
        let fd = if ret > 0 { ret as RawFd } else { written as RawFd };
        if fd < 0 {
            return Err(Error::BadFd(fd));
        }
        // SAFETY: the kernel just installed `fd` in our table for us to own.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    fn zcrx_ctrl(&self, ctrl: &mut zcrx_ctrl) -> Result<u32, crate::error::Error> {
        // SAFETY: one zcrx_ctrl, read and written during the call, which
        // takes `nr_args` 0.
        unsafe { self.register_typed(IORING_REGISTER_ZCRX_CTRL, (ctrl as *mut zcrx_ctrl).cast_const().cast(), 0) }
    }
}
