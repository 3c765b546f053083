//! The simulated kernel's ring memory, laid out as Linux lays out
//! `struct io_rings`, and the kernel side of every access to it.
//!
//! One region per ring holds `struct io_rings`, at the offsets Linux
//! reports. Two layouts are modelled ([`WordLayout`]):
//!
//! | field | 6.x (`Packed`) | 5.x (`CacheLines`) |
//! |-------|------:|------:|
//! | SQ head | 0 | 0 |
//! | SQ tail | 4 | 64 |
//! | CQ head | 8 | 128 |
//! | CQ tail | 12 | 192 |
//! | SQ / CQ ring mask | 16 / 20 | 256 / 260 |
//! | SQ / CQ ring entries | 24 / 28 | 264 / 268 |
//! | SQ dropped | 32 | 272 |
//! | SQ flags | 36 | 276 |
//! | CQ flags | 40 | 280 |
//! | CQ overflow | 44 | 284 |
//! | CQEs (16 or 32 bytes each) | 64 | 320 |
//!
//! The first is what Linux 6.18 reports (see `docs/rings.md`); the second
//! is the older `struct io_uring` with `____cacheline_aligned_in_smp` head
//! and tail. After the CQEs, aligned to a cache line, comes the SQ index
//! array (absent with `IORING_SETUP_NO_SQARRAY`), as in `rings_size()`.
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
    io_cqring_offsets, io_sqring_offsets, io_uring_cqe, io_uring_sqe, IORING_SETUP_CQE32, IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQE128,
};
use std::alloc::Layout;

/// Where the shared words of `struct io_rings` sit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WordLayout {
    /// Linux 6.x: the words packed at the start, the CQEs at 64.
    #[default]
    Packed,
    /// Linux 5.x: each head and tail on its own 64-byte cache line, the
    /// CQEs at 320.
    CacheLines,
}

/// The byte offsets of the words, for one layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Offsets {
    pub sq_head: u32,
    pub sq_tail: u32,
    pub cq_head: u32,
    pub cq_tail: u32,
    pub sq_mask: u32,
    pub cq_mask: u32,
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub sq_dropped: u32,
    pub sq_flags: u32,
    pub cq_flags: u32,
    pub cq_overflow: u32,
    pub cqes: u32,
}

impl WordLayout {
    fn offsets(self) -> Offsets {
        let (h, base) = match self {
            WordLayout::Packed => (4, 16),
            WordLayout::CacheLines => (64, 256),
        };
        Offsets {
            sq_head: 0,
            sq_tail: h,
            cq_head: 2 * h,
            cq_tail: 3 * h,
            sq_mask: base,
            cq_mask: base + 4,
            sq_entries: base + 8,
            cq_entries: base + 12,
            sq_dropped: base + 16,
            sq_flags: base + 20,
            cq_flags: base + 24,
            cq_overflow: base + 28,
            cqes: (base + 32).div_ceil(64) * 64,
        }
    }
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
    pub off: Offsets,
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
    pub fn new(sq_entries: u32, cq_entries: u32, flags: u32, start: u32, layout: WordLayout) -> RingMem {
        let off = layout.offsets();
        let sqe_size = if flags & IORING_SETUP_SQE128 != 0 { 128 } else { 64 };
        let cqe_size = if flags & IORING_SETUP_CQE32 != 0 { 32 } else { 16 };
        let has_array = flags & IORING_SETUP_NO_SQARRAY == 0;
        let cqes_end = off.cqes as usize + cq_entries as usize * cqe_size;
        let array = cqes_end.div_ceil(64) * 64;
        let rings_len = if has_array { array + sq_entries as usize * 4 } else { cqes_end };
        let rings = Region::new(rings_len);
        let sqes = Region::new(sq_entries as usize * sqe_size);
        let sq_off = io_sqring_offsets {
            head: off.sq_head,
            tail: off.sq_tail,
            ring_mask: off.sq_mask,
            ring_entries: off.sq_entries,
            flags: off.sq_flags,
            dropped: off.sq_dropped,
            array: if has_array { array as u32 } else { 0 },
            ..Default::default()
        };
        let cq_off = io_cqring_offsets {
            head: off.cq_head,
            tail: off.cq_tail,
            ring_mask: off.cq_mask,
            ring_entries: off.cq_entries,
            overflow: off.cq_overflow,
            cqes: off.cqes,
            flags: off.cq_flags,
            ..Default::default()
        };
        let mem = RingMem { rings, sqes, sq_off, cq_off, off, sq_entries, cq_entries, cqe_size, has_array };
        // Nobody else has the memory yet, so relaxed stores suffice; the
        // application first sees it through `map`, which happens after
        // setup returns (and the mutex orders the two).
        for (o, v) in [
            (off.sq_mask, sq_entries - 1),
            (off.cq_mask, cq_entries - 1),
            (off.sq_entries, sq_entries),
            (off.cq_entries, cq_entries),
            (off.sq_head, start),
            (off.sq_tail, start),
            (off.cq_head, start),
            (off.cq_tail, start),
        ] {
            mem.word(o).store(v, Ordering::Relaxed);
        }
        mem
    }

    /// The shared word at byte offset `o` of the rings region.
    pub fn word(&self, o: u32) -> &AtomicU32 {
        debug_assert!(o as usize + 4 <= self.rings.len() && o % 4 == 0);
        // SAFETY: every offset passed here is one of `self.off`'s, 4-aligned and inside the region (which is at least a
        // page), and the region is live for as long as `self`. The word is only ever accessed atomically, by us and by
        // the application.
        unsafe { &*self.rings.base.as_ptr().add(o as usize).cast::<AtomicU32>() }
    }

    pub fn sq_head(&self) -> &AtomicU32 {
        self.word(self.off.sq_head)
    }
    pub fn sq_tail(&self) -> &AtomicU32 {
        self.word(self.off.sq_tail)
    }
    pub fn sq_flags(&self) -> &AtomicU32 {
        self.word(self.off.sq_flags)
    }
    pub fn sq_dropped(&self) -> &AtomicU32 {
        self.word(self.off.sq_dropped)
    }
    pub fn cq_head(&self) -> &AtomicU32 {
        self.word(self.off.cq_head)
    }
    pub fn cq_tail(&self) -> &AtomicU32 {
        self.word(self.off.cq_tail)
    }
    pub fn cq_overflow(&self) -> &AtomicU32 {
        self.word(self.off.cq_overflow)
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
        unsafe { self.rings.base.as_ptr().add(self.sq_off.array as usize + i * 4).cast::<u32>().read() }
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
        unsafe { self.sqes.base.as_ptr().add(unit * 64).cast::<io_uring_sqe>().read() }
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
        let base = self.off.cqes as usize + unit * 16;
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
