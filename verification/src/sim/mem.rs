//! The simulated kernel's ring memory, laid out as Linux lays out
//! `struct io_rings`, and the kernel side of every access to it.
//!
//! One region per ring holds, at the offsets the real kernel reports on
//! x86-64 (64-byte cache lines):
//!
//! | offset | field |
//! |-------:|-------|
//! | 0 | SQ head (`____cacheline_aligned`) |
//! | 64 | SQ tail |
//! | 128 | CQ head |
//! | 192 | CQ tail |
//! | 256 / 260 | SQ / CQ ring mask |
//! | 264 / 268 | SQ / CQ ring entries |
//! | 272 | SQ dropped |
//! | 276 | SQ flags |
//! | 280 | CQ flags |
//! | 284 | CQ overflow |
//! | 320 | the CQEs (16 or 32 bytes each) |
//! | after the CQEs, cache-line aligned | the SQ index array (absent with `NO_SQARRAY`) |
//!
//! The SQEs (64 or 128 bytes each) are a second region. Both are allocated
//! zeroed with page alignment, and their base pointers are kept: every
//! pointer the simulator (or, through [`super::SimKernel`]'s `map`,
//! ring-core) uses is derived from them, so the provenance is right under
//! Miri.
//!
//! The kernel's accesses follow its ordering contract: it acquires the SQ
//! tail, reads entries, and releases the SQ head; it acquires the CQ head
//! before reusing a slot, writes the CQE, and releases the CQ tail.
//! Everything shared with the application is accessed through atomics or,
//! for entries, through raw pointers only after the synchronising atomic.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};
use ring_sys::{
    io_cqring_offsets, io_sqring_offsets, io_uring_cqe, io_uring_sqe, IORING_SETUP_CQE32,
    IORING_SETUP_NO_SQARRAY, IORING_SETUP_SQE128,
};
use std::alloc::Layout;

/// The byte offsets of `struct io_rings` on x86-64.
pub(crate) mod off {
    pub const SQ_HEAD: u32 = 0;
    pub const SQ_TAIL: u32 = 64;
    pub const CQ_HEAD: u32 = 128;
    pub const CQ_TAIL: u32 = 192;
    pub const SQ_MASK: u32 = 256;
    pub const CQ_MASK: u32 = 260;
    pub const SQ_ENTRIES: u32 = 264;
    pub const CQ_ENTRIES: u32 = 268;
    pub const SQ_DROPPED: u32 = 272;
    pub const SQ_FLAGS: u32 = 276;
    pub const CQ_FLAGS: u32 = 280;
    pub const CQ_OVERFLOW: u32 = 284;
    pub const CQES: u32 = 320;
}

/// Page alignment for both regions, as mmap would give.
const PAGE: usize = 4096;

/// One allocated region: its base (the allocation's own pointer) and layout.
#[derive(Debug)]
pub(crate) struct Region {
    pub base: NonNull<u8>,
    pub layout: Layout,
}

impl Region {
    fn new(len: usize) -> Region {
        let len = len.div_ceil(PAGE).max(1) * PAGE;
        let layout = Layout::from_size_align(len, PAGE).expect("ring regions are small");
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        let base = NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        Region { base, layout }
    }

    pub fn len(&self) -> usize {
        self.layout.size()
    }
}

/// The memory of one ring and where everything sits in it.
#[derive(Debug)]
pub(crate) struct RingMem {
    pub rings: Region,
    pub sqes: Region,
    pub sq_off: io_sqring_offsets,
    pub cq_off: io_cqring_offsets,
    pub sq_entries: u32,
    pub cq_entries: u32,
    /// 16 or 32.
    pub cqe_size: usize,
    pub has_array: bool,
}

// SAFETY: `RingMem` owns its two allocations outright; the raw pointers
// are not tied to a thread. The simulator only touches it under the state
// mutex, and the application side synchronises through the ring atomics.
unsafe impl Send for RingMem {}

impl RingMem {
    /// Allocates and initialises the memory of a ring with the given sizes
    /// and setup flags; head and tail of both rings start at `start`.
    pub fn new(sq_entries: u32, cq_entries: u32, flags: u32, start: u32) -> RingMem {
        let sqe_size = if flags & IORING_SETUP_SQE128 != 0 {
            128
        } else {
            64
        };
        let cqe_size = if flags & IORING_SETUP_CQE32 != 0 {
            32
        } else {
            16
        };
        let has_array = flags & IORING_SETUP_NO_SQARRAY == 0;
        let cqes_end = off::CQES as usize + cq_entries as usize * cqe_size;
        let array = cqes_end.div_ceil(64) * 64;
        let rings_len = if has_array {
            array + sq_entries as usize * 4
        } else {
            cqes_end
        };
        let rings = Region::new(rings_len);
        let sqes = Region::new(sq_entries as usize * sqe_size);
        let sq_off = io_sqring_offsets {
            head: off::SQ_HEAD,
            tail: off::SQ_TAIL,
            ring_mask: off::SQ_MASK,
            ring_entries: off::SQ_ENTRIES,
            flags: off::SQ_FLAGS,
            dropped: off::SQ_DROPPED,
            array: if has_array { array as u32 } else { 0 },
            ..Default::default()
        };
        let cq_off = io_cqring_offsets {
            head: off::CQ_HEAD,
            tail: off::CQ_TAIL,
            ring_mask: off::CQ_MASK,
            ring_entries: off::CQ_ENTRIES,
            overflow: off::CQ_OVERFLOW,
            cqes: off::CQES,
            flags: off::CQ_FLAGS,
            ..Default::default()
        };
        let mem = RingMem {
            rings,
            sqes,
            sq_off,
            cq_off,
            sq_entries,
            cq_entries,
            cqe_size,
            has_array,
        };
        // Nobody else has the memory yet, so relaxed stores suffice; the
        // application first sees it through `map`, which happens after
        // setup returns (and the mutex orders the two).
        for (o, v) in [
            (off::SQ_MASK, sq_entries - 1),
            (off::CQ_MASK, cq_entries - 1),
            (off::SQ_ENTRIES, sq_entries),
            (off::CQ_ENTRIES, cq_entries),
            (off::SQ_HEAD, start),
            (off::SQ_TAIL, start),
            (off::CQ_HEAD, start),
            (off::CQ_TAIL, start),
        ] {
            mem.word(o).store(v, Ordering::Relaxed);
        }
        mem
    }

    /// The shared word at byte offset `o` of the rings region.
    pub fn word(&self, o: u32) -> &AtomicU32 {
        debug_assert!(o as usize + 4 <= self.rings.len() && o % 4 == 0);
        // SAFETY: every offset passed here is one of `off::*`, 4-aligned and
        // inside the region (which is at least a page), and the region is
        // live for as long as `self`. The word is only ever accessed
        // atomically, by us and by the application.
        unsafe { &*self.rings.base.as_ptr().add(o as usize).cast::<AtomicU32>() }
    }

    pub fn sq_head(&self) -> &AtomicU32 {
        self.word(off::SQ_HEAD)
    }
    pub fn sq_tail(&self) -> &AtomicU32 {
        self.word(off::SQ_TAIL)
    }
    pub fn sq_flags(&self) -> &AtomicU32 {
        self.word(off::SQ_FLAGS)
    }
    pub fn sq_dropped(&self) -> &AtomicU32 {
        self.word(off::SQ_DROPPED)
    }
    pub fn cq_head(&self) -> &AtomicU32 {
        self.word(off::CQ_HEAD)
    }
    pub fn cq_tail(&self) -> &AtomicU32 {
        self.word(off::CQ_TAIL)
    }
    pub fn cq_overflow(&self) -> &AtomicU32 {
        self.word(off::CQ_OVERFLOW)
    }

    /// Reads the SQ index array at ring position `pos`.
    ///
    /// # Safety
    ///
    /// The caller has acquired an SQ tail covering `pos`, so the
    /// application's write of the array slot happened before this read.
    pub unsafe fn array_at(&self, pos: u32) -> u32 {
        let i = (pos & (self.sq_entries - 1)) as usize;
        // SAFETY: the array has `sq_entries` u32 slots at `sq_off.array`
        // inside the region; `i < sq_entries`. The read is ordered after
        // the application's write by the caller's acquire of the tail.
        unsafe {
            self.rings
                .base
                .as_ptr()
                .add(self.sq_off.array as usize + i * 4)
                .cast::<u32>()
                .read()
        }
    }

    /// Copies the 64-byte unit `unit` of the SQE array.
    ///
    /// # Safety
    ///
    /// `unit` lies inside the array and the caller has acquired an SQ tail
    /// covering the entry, so the application is not writing it.
    pub unsafe fn sqe_unit(&self, unit: usize) -> io_uring_sqe {
        debug_assert!((unit + 1) * 64 <= self.sqes.len());
        // SAFETY: in bounds per the contract, 64-aligned (page-aligned base),
        // and ordered after the application's write by the tail acquire.
        unsafe {
            self.sqes
                .base
                .as_ptr()
                .add(unit * 64)
                .cast::<io_uring_sqe>()
                .read()
        }
    }

    /// Writes a CQE into 16-byte unit `unit` and, if given, the two extra
    /// words into the next unit.
    ///
    /// # Safety
    ///
    /// The units lie inside the CQE array and the caller has acquired a CQ
    /// head showing them free (the application has finished reading them),
    /// and will release the tail only after this write.
    pub unsafe fn write_cqe(&self, unit: usize, cqe: io_uring_cqe, big: Option<[u64; 2]>) {
        let units = self.cq_entries as usize * (self.cqe_size / 16);
        debug_assert!(unit + usize::from(big.is_some()) < units);
        let base = off::CQES as usize + unit * 16;
        // SAFETY: in bounds and 16-aligned (per the contract and the
        // layout); no one else accesses the units until the tail release.
        unsafe {
            let p = self.rings.base.as_ptr().add(base);
            p.cast::<io_uring_cqe>().write(cqe);
            if let Some(big) = big {
                p.add(16).cast::<[u64; 2]>().write(big);
            }
        }
    }
}

impl Drop for RingMem {
    fn drop(&mut self) {
        // SAFETY: both regions were allocated in `Region::new` with exactly
        // these layouts, and the simulator drops a `RingMem` only when the
        // ring is closed and every mapping of it has been unmapped.
        unsafe {
            std::alloc::dealloc(self.rings.base.as_ptr(), self.rings.layout);
            std::alloc::dealloc(self.sqes.base.as_ptr(), self.sqes.layout);
        }
    }
}
