//! Memory regions: `IORING_REGISTER_MEM_REGION` (34).
//!
//! A memory region is memory shared between the application and the
//! kernel for parameters, registered once per ring. With
//! `IORING_MEM_REGION_REG_WAIT_ARG` it holds the wait arguments that
//! `io_uring_enter(2)` with `IORING_ENTER_EXT_ARG_REG` reads by offset
//! ([`Ring::register_wait_region`] uses it that way). The memory is either
//! the application's (`IORING_MEM_REGION_TYPE_USER`), which the kernel pins
//! and reaches through its own mapping of the pages, or the kernel's, which
//! the application maps from the ring descriptor at the offset the kernel
//! returns.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::memory::{page_size, AnonMap};
use crate::raw::ring::Ring;
use core::ptr::NonNull;
use ring_sys::*;

/// A memory region registered with a ring, in memory this value owns.
///
/// Dropping it unmaps the application's view only: the kernel pinned the
/// pages at registration and keeps them, with whatever they hold, until the
/// ring is destroyed. That is sound, because nothing else can be placed in
/// pinned pages; it only means the application can no longer update the
/// region.
///
/// ```
/// use ring_core::register::MemRegion;
///
/// // A region for registered wait arguments needs a ring set up disabled.
/// let mut ring = ring_core::Builder::new(4).r_disabled().build()?;
/// match ring.register_mem_region_owned(4096, ring_core::sys::IORING_MEM_REGION_REG_WAIT_ARG) {
///     Ok(region) => {
///         let region: MemRegion = region;
///         assert!(region.len() >= 4096 && !region.is_empty());
///         println!("registered at {:p}", region.as_ptr());
///     }
///     Err(e) => println!("no memory regions here (6.13): {e}"),
/// }
/// ring.enable()?;
/// # Ok::<(), ring_core::Error>(())
/// ```
#[derive(Debug)]
pub struct MemRegion {
    map: AnonMap,
}

// SAFETY: the region is plain memory owned by this value.
unsafe impl Send for MemRegion {}

impl MemRegion {
    /// The first byte of the region (page-aligned).
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.map.ptr
    }

    /// The length of the region in bytes (whole pages).
    pub fn len(&self) -> usize {
        self.map.len
    }

    /// Whether the region is empty (never: regions are at least a page).
    pub fn is_empty(&self) -> bool {
        self.map.len == 0
    }
}

impl<K: Kernel> Ring<K> {
    /// Registers the region `desc` describes (`IORING_REGISTER_MEM_REGION`,
    /// Linux 6.13) with `IORING_MEM_REGION_*` `flags`. The kernel writes
    /// back into `desc` (for a kernel-allocated region, the `mmap_offset` to
    /// map it at). A ring has at most one region (EBUSY), and a
    /// `IORING_MEM_REGION_REG_WAIT_ARG` region can only be registered while
    /// the ring is still disabled (`IORING_SETUP_R_DISABLED`).
    ///
    /// # Safety
    ///
    /// For a `IORING_MEM_REGION_TYPE_USER` region, the `desc.size` bytes at
    /// `desc.user_addr` must be valid for reads and writes and must not be
    /// freed or reused for other data until the ring is dropped: the kernel
    /// pins them for its whole life. (An anonymous mapping may be unmapped
    /// earlier, since pinned pages are never reused; heap memory may not be
    /// freed.)
    pub unsafe fn register_mem_region(
        &self,
        desc: &mut io_uring_region_desc,
        flags: u64,
    ) -> Result<(), crate::error::Error> {
        if flags & !IORING_MEM_REGION_REG_WAIT_ARG != 0 {
            return Err(Error::InvalidArgument("unknown IORING_MEM_REGION_* flag"));
        }
        let page = page_size() as u64;
        if desc.size == 0 || desc.size % page != 0 {
            return Err(Error::InvalidArgument("a memory region is a whole number of pages"));
        }
        if desc.size / page > i32::MAX as u64 {
            return Err(Error::TooLong { what: "memory region", len: usize::MAX, max: i32::MAX as usize });
        }
        if desc.flags & IORING_MEM_REGION_TYPE_USER != 0 && (desc.user_addr == 0 || desc.user_addr % page != 0) {
            return Err(Error::InvalidArgument("user memory of a region must be page-aligned"));
        }
        if desc.id != 0 || desc.mmap_offset != 0 {
            return Err(Error::InvalidArgument("region id and mmap_offset are outputs and must be 0"));
        }
        if flags & IORING_MEM_REGION_REG_WAIT_ARG != 0 && self.params.flags & IORING_SETUP_R_DISABLED == 0 {
            return Err(Error::NotConfigured(
                "a wait-argument region needs a ring set up with IORING_SETUP_R_DISABLED",
            ));
        }
        let reg = io_uring_mem_region_reg {
            region_uptr: (desc as *mut io_uring_region_desc) as u64,
            flags,
            ..Default::default()
        };
        // SAFETY: `reg` and the descriptor it points to are read (and the
        // descriptor written) during the call; the memory the descriptor
        // names is kept per this function's contract.
        unsafe { self.register_pinning(IORING_REGISTER_MEM_REGION, (&raw const reg).cast(), 1) }?;
        Ok(())
    }

    /// Allocates `len` bytes (rounded up to whole pages) of zeroed memory and
    /// registers it as this ring's memory region with `flags`
    /// (`IORING_REGISTER_MEM_REGION` with `IORING_MEM_REGION_TYPE_USER`,
    /// Linux 6.13). See [`register_mem_region`](Self::register_mem_region)
    /// for the rules and [`MemRegion`] for ownership.
    pub fn register_mem_region_owned(&self, len: usize, flags: u64) -> Result<MemRegion, crate::error::Error> {
        let map = AnonMap::new(len, "memory region")?;
        let mut desc = io_uring_region_desc {
            user_addr: map.ptr.as_ptr() as u64,
            size: map.len as u64,
            flags: IORING_MEM_REGION_TYPE_USER,
            ..Default::default()
        };
        // SAFETY: the memory is a fresh anonymous mapping that the returned
        // MemRegion owns; it is only ever unmapped, never reused, which is
        // sound for pinned pages (see `MemRegion`).
        unsafe { self.register_mem_region(&mut desc, flags) }?;
        Ok(MemRegion { map })
    }
}
