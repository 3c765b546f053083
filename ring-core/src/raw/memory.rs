//! Who owns the ring's memory, and how it is released.
//!
//! Normally the kernel allocates the rings and the application maps them
//! (`mmap(2)` at `IORING_OFF_SQ_RING`, `IORING_OFF_CQ_RING` and
//! `IORING_OFF_SQES`; one mapping serves both rings where
//! `IORING_FEAT_SINGLE_MMAP` is set). With `IORING_SETUP_NO_MMAP` (Linux
//! 6.5) the application provides the memory instead, and the kernel pins it:
//! either ring-core allocates it (one page, or a 2 MiB huge page when the
//! rings need more), or the caller lends it.
#![allow(unsafe_code)]

use crate::error::{Call, Error, Result};
use crate::kernel::Kernel;
use crate::raw::layout::{self, RingRegion};
use core::ptr::NonNull;
use ring_sys::{io_uring_params, Errno};
use std::os::fd::RawFd;

/// The memory behind a ring.
#[derive(Debug)]
pub(crate) enum RingMemory {
    /// Regions the kernel allocated and we mapped; unmapped on drop.
    Mapped {
        /// The SQ ring region (and the CQ ring with single mmap).
        rings: RingRegion,
        /// The CQ ring region when it is a separate mapping.
        cq: Option<RingRegion>,
        /// The SQE array region.
        sqes: RingRegion,
    },
    /// Anonymous memory ring-core allocated for `NO_MMAP`; unmapped on drop.
    Owned {
        /// The SQE array.
        sqes: RingRegion,
        /// Both rings.
        rings: RingRegion,
    },
    /// Memory the caller lent for `NO_MMAP`; the caller frees it.
    Lent {
        /// The SQE array.
        sqes: RingRegion,
        /// Both rings.
        rings: RingRegion,
    },
}

/// How the application provides memory for an `IORING_SETUP_NO_MMAP` ring.
#[derive(Debug, Clone, Copy)]
pub enum NoMmapMemory {
    /// ring-core allocates it: one page per region when the region fits,
    /// else a 2 MiB huge page (which needs huge pages reserved in
    /// `/proc/sys/vm/nr_hugepages`).
    Allocate,
    /// Memory the caller lends, see [`crate::Builder::no_mmap_in`].
    Lent {
        /// Start of the SQE array (page-aligned).
        sqes: NonNull<u8>,
        /// Its length.
        sqes_len: usize,
        /// Start of the ring region (page-aligned).
        rings: NonNull<u8>,
        /// Its length.
        rings_len: usize,
    },
}

const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// Generous room for `struct io_rings`' header (head, tail and flag words,
/// each on its own cache line) ahead of the CQEs.
const RINGS_HEADER: usize = 1024;

/// The system page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as usize
    } else {
        4096
    }
}

fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// The SQ and CQ sizes the kernel will choose for `entries` and `p`.
pub(crate) fn ring_sizes(entries: u32, p: &io_uring_params) -> (u32, u32) {
    let clamp = p.flags & ring_sys::IORING_SETUP_CLAMP != 0;
    let mut sq = entries.max(1).checked_next_power_of_two().unwrap_or(MAX_SQ);
    if clamp {
        sq = sq.min(MAX_SQ);
    }
    let mut cq = if p.flags & ring_sys::IORING_SETUP_CQSIZE != 0 {
        p.cq_entries.max(1).checked_next_power_of_two().unwrap_or(MAX_CQ)
    } else {
        sq.saturating_mul(2)
    };
    if clamp {
        cq = cq.min(MAX_CQ);
    }
    (sq, cq)
}

/// `IORING_MAX_ENTRIES`.
pub const MAX_SQ: u32 = 32768;
/// `IORING_MAX_CQ_ENTRIES`.
pub const MAX_CQ: u32 = 2 * MAX_SQ;

fn anon_map(len: usize, huge: bool) -> Result<NonNull<u8>, crate::error::Error> {
    // Shared, so that a forked child does not get a copy-on-write copy of
    // memory the kernel reads and writes for the parent's ring. Miri (which
    // runs the simulated-kernel suites, where nothing forks) supports only
    // private anonymous mappings.
    let mut flags = if cfg!(miri) {
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS
    } else {
        libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_POPULATE
    };
    if huge {
        flags |= libc::MAP_HUGETLB | libc::MAP_HUGE_2MB;
    }
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let ptr = unsafe { libc::mmap(core::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, -1, 0) };
    if ptr == libc::MAP_FAILED {
        // SAFETY: errno was just set by mmap on this thread.
        let errno = Errno::new(unsafe { *libc::__errno_location() });
        return Err(Error::syscall(Call::Mmap, errno));
    }
    NonNull::new(ptr.cast()).ok_or(Error::syscall(Call::Mmap, Errno::new(libc::ENOMEM)))
}

fn anon_unmap(r: RingRegion) {
    // SAFETY: `r` is a mapping `anon_map` returned, unmapped once.
    unsafe { libc::munmap(r.base.as_ptr().cast(), r.len) };
}

/// Allocates the regions for a `NO_MMAP` ring and stores their addresses
/// in `p` (`sq_off.user_addr` for the SQEs, `cq_off.user_addr` for the rings).
pub(crate) fn prepare_no_mmap(
    entries: u32,
    p: &mut io_uring_params,
    how: NoMmapMemory,
) -> Result<RingMemory, crate::error::Error> {
    let (sq, cq) = ring_sizes(entries, p);
    let page = page_size();
    let sqes_need = round_up(sq as usize * layout::sqe_size(p.flags), page);
    let mut rings_need = RINGS_HEADER + cq as usize * layout::cqe_size(p.flags);
    if p.flags & ring_sys::IORING_SETUP_NO_SQARRAY == 0 {
        rings_need += sq as usize * 4;
    }
    let rings_need = round_up(rings_need, page);
    let memory = match how {
        NoMmapMemory::Allocate => {
            let alloc = |need: usize| -> Result<RingRegion> {
                if need <= page {
                    Ok(RingRegion { base: anon_map(page, false)?, len: page })
                } else if need <= HUGE_PAGE {
                    Ok(RingRegion { base: anon_map(HUGE_PAGE, true)?, len: HUGE_PAGE })
                } else {
                    Err(Error::TooLong { what: "NO_MMAP ring region", len: need, max: HUGE_PAGE })
                }
            };
            let sqes = alloc(sqes_need)?;
            let rings = match alloc(rings_need) {
                Ok(r) => r,
                Err(e) => {
                    anon_unmap(sqes);
                    return Err(e);
                }
            };
            RingMemory::Owned { sqes, rings }
        }
        NoMmapMemory::Lent { sqes, sqes_len, rings, rings_len } => {
            if sqes_len < sqes_need {
                return Err(Error::TooLong {
                    what: "ring size for the lent SQE memory",
                    len: sqes_need,
                    max: sqes_len,
                });
            }
            if rings_len < rings_need {
                return Err(Error::TooLong {
                    what: "ring size for the lent ring memory",
                    len: rings_need,
                    max: rings_len,
                });
            }
            RingMemory::Lent {
                sqes: RingRegion { base: sqes, len: sqes_len },
                rings: RingRegion { base: rings, len: rings_len },
            }
        }
    };
    let (sqes, rings) = memory.no_mmap_regions();
    p.sq_off.user_addr = sqes.base.as_ptr() as u64;
    p.cq_off.user_addr = rings.base.as_ptr() as u64;
    Ok(memory)
}

/// Maps the regions of a ring the kernel allocated.
pub(crate) fn map<K: Kernel>(kernel: &K, fd: RawFd, p: &io_uring_params) -> Result<RingMemory> {
    let map = |off: u64, len: usize| -> Result<RingRegion> {
        let base = kernel.map(fd, off, len).map_err(|e| Error::syscall(Call::Mmap, e))?;
        Ok(RingRegion { base, len })
    };
    let sq_len = layout::sq_ring_len(p);
    let cq_len = layout::cq_ring_len(p);
    let single = p.features & ring_sys::IORING_FEAT_SINGLE_MMAP != 0;
    let rings_len = if single { sq_len.max(cq_len) } else { sq_len };
    let rings = map(ring_sys::IORING_OFF_SQ_RING, rings_len)?;
    let cq = if single {
        None
    } else {
        match map(ring_sys::IORING_OFF_CQ_RING, cq_len) {
            Ok(r) => Some(r),
            Err(e) => {
                // SAFETY: just mapped, not shared with anything yet.
                unsafe { kernel.unmap(rings.base, rings.len) };
                return Err(e);
            }
        }
    };
    let sqes = match map(ring_sys::IORING_OFF_SQES, layout::sqes_len(p)) {
        Ok(r) => r,
        Err(e) => {
            // SAFETY: just mapped, not shared with anything yet.
            unsafe {
                kernel.unmap(rings.base, rings.len);
                if let Some(cq) = cq {
                    kernel.unmap(cq.base, cq.len);
                }
            }
            return Err(e);
        }
    };
    Ok(RingMemory::Mapped { rings, cq, sqes })
}

impl RingMemory {
    fn no_mmap_regions(&self) -> (RingRegion, RingRegion) {
        match *self {
            RingMemory::Owned { sqes, rings } | RingMemory::Lent { sqes, rings } => (sqes, rings),
            RingMemory::Mapped { rings, sqes, .. } => (sqes, rings),
        }
    }

    /// The (SQ ring, CQ ring, SQEs) regions.
    pub(crate) fn regions(&self) -> (RingRegion, RingRegion, RingRegion) {
        match *self {
            RingMemory::Mapped { rings, cq, sqes } => (rings, cq.unwrap_or(rings), sqes),
            RingMemory::Owned { sqes, rings } | RingMemory::Lent { sqes, rings } => (rings, rings, sqes),
        }
    }

    /// Releases the memory this ring owns.
    ///
    /// # Safety
    ///
    /// Nothing may use the regions afterwards.
    pub(crate) unsafe fn release<K: Kernel>(&self, kernel: &K) {
        match *self {
            RingMemory::Mapped { rings, cq, sqes } => {
                // SAFETY: regions `map` returned; per this function's
                // contract nothing uses them afterwards.
                unsafe {
                    kernel.unmap(sqes.base, sqes.len);
                    kernel.unmap(rings.base, rings.len);
                    if let Some(cq) = cq {
                        kernel.unmap(cq.base, cq.len);
                    }
                }
            }
            RingMemory::Owned { sqes, rings } => {
                anon_unmap(sqes);
                anon_unmap(rings);
            }
            RingMemory::Lent { .. } => {}
        }
    }
}

/// The memory of registered wait descriptors (`IORING_ENTER_EXT_ARG_REG`).
#[derive(Debug)]
pub(crate) struct RegWaitRegion {
    pub(crate) region: RingRegion,
    /// How many wait descriptors the region holds.
    pub(crate) slots: u32,
}

impl RegWaitRegion {
    pub(crate) fn release(self) {
        // SAFETY: the mapping was made by `register_wait_region` and is
        // released once, after the ring (and so the registration) is gone.
        unsafe { libc::munmap(self.region.base.as_ptr().cast(), self.region.len) };
    }
}

/// An anonymous private mapping that this module owns and unmaps itself.
///
/// Memory registered with the kernel is allocated this way rather than on
/// the heap for a reason that matters to soundness: the kernel pins the
/// pages of registered buffers, buffer rings and memory regions and reaches
/// them through its own page references. Unmapping such memory while the
/// kernel still holds it only drops the application's view; the pages stay
/// alive until the kernel lets go, and no later allocation can be placed in
/// them. Heap memory, by contrast, is reused by the allocator while still
/// pinned.
#[derive(Debug)]
pub(crate) struct AnonMap {
    pub(crate) ptr: core::ptr::NonNull<u8>,
    pub(crate) len: usize,
}

impl AnonMap {
    /// Maps `len` bytes (rounded up to whole pages) of zeroed memory.
    pub(crate) fn new(len: usize, what: &'static str) -> Result<AnonMap> {
        let page = page_size();
        let len =
            len.max(1).checked_next_multiple_of(page).ok_or(Error::TooLong { what, len, max: isize::MAX as usize })?;
        // Populated up front outside Miri, which supports only the plain
        // private anonymous mapping (it runs the simulated-kernel suites,
        // where the flag changes nothing observable).
        let populate = if cfg!(miri) { 0 } else { libc::MAP_POPULATE };
        // SAFETY: a fresh anonymous mapping aliases no Rust object.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            // SAFETY: errno is thread-local and was just set by mmap.
            let errno = Errno::new(unsafe { *libc::__errno_location() });
            return Err(Error::Syscall { call: Call::Mmap, errno });
        }
        let ptr = core::ptr::NonNull::new(ptr.cast::<u8>())
            .ok_or(Error::Syscall { call: Call::Mmap, errno: Errno::new(libc::ENOMEM) })?;
        Ok(AnonMap { ptr, len })
    }

    /// Gives the mapping up without unmapping it, for memory the kernel may
    /// still reach through user addresses.
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for AnonMap {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by `AnonMap::new`, is unmapped once,
        // and every owner drops it only when nothing reaches the memory
        // through its user address any more (see each owner).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
