//! Memory regions shared through an `Arc` and addressed by offset.
//!
//! This is crosvm's `BackingMemory` idea: a long-lived region (guest
//! memory, a file mapping, a large arena) that many operations use at
//! once, each on its own range. Every operation holds an `Arc` to the
//! region, so the region outlives every operation that points into it,
//! whatever happens to the futures.
#![allow(unsafe_code)]

use super::{IoBuf, IoBufMut};
use crate::error::Error;
use std::sync::Arc;

/// A fixed-size, zero-initialised heap region.
#[derive(Debug)]
pub struct Region {
    mem: Box<[core::cell::UnsafeCell<u8>]>,
}

// SAFETY: the bytes are only reached through raw pointers handed to the
// kernel for disjoint ranges (see `SharedRegion`), and through the
// explicitly `unsafe` accessors below.
unsafe impl Sync for Region {}
// SAFETY: as above.
unsafe impl Send for Region {}

impl Region {
    /// A zeroed region of `len` bytes. The size is checked before anything
    /// is allocated: above `isize::MAX` it is [`Error::TooLong`], and an
    /// allocation the allocator refuses is [`Error::OutOfMemory`] (never a
    /// panic or an abort).
    pub fn new(len: usize) -> Result<Arc<Self>, Error> {
        let mut mem: Vec<core::cell::UnsafeCell<u8>> = Error::try_vec("shared region", len)?;
        mem.resize_with(len, || core::cell::UnsafeCell::new(0));
        Ok(Arc::new(Region { mem: mem.into_boxed_slice() }))
    }

    /// The region's length.
    pub fn len(&self) -> usize {
        self.mem.len()
    }

    /// Whether the region is empty.
    pub fn is_empty(&self) -> bool {
        self.mem.is_empty()
    }

    pub(crate) fn base(&self) -> *mut u8 {
        core::cell::UnsafeCell::raw_get(self.mem.as_ptr())
    }

    /// Copies `out.len()` bytes starting at `offset` into `out`; returns
    /// false (copying nothing) if the range is outside the region.
    ///
    /// The copy races with any operation in flight on the same range; the
    /// bytes are then unspecified but the copy is still memory safe, as
    /// each byte is an `UnsafeCell<u8>` read with a volatile access.
    pub fn read_at(&self, offset: usize, out: &mut [u8]) -> bool {
        let Some(end) = offset.checked_add(out.len()) else { return false };
        if end > self.len() {
            return false;
        }
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `offset + i < len`; a volatile byte read of an
            // UnsafeCell<u8> is valid whatever else accesses it.
            *b = unsafe { self.base().add(offset + i).read_volatile() };
        }
        true
    }

    /// Copies `data` into the region at `offset`; returns false (copying
    /// nothing) if the range is outside the region.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> bool {
        let Some(end) = offset.checked_add(data.len()) else { return false };
        if end > self.len() {
            return false;
        }
        for (i, b) in data.iter().enumerate() {
            // SAFETY: `offset + i < len`; a volatile byte write through an
            // UnsafeCell<u8> is valid whatever else accesses it.
            unsafe { self.base().add(offset + i).write_volatile(*b) };
        }
        true
    }
}

/// A range of a shared [`Region`], usable as an operation's buffer.
///
/// Several `SharedRegion`s may cover overlapping ranges of one region: the
/// kernel then reads and writes the same bytes concurrently, which (as with
/// `pread`/`pwrite` from several threads on shared memory) gives
/// unspecified contents but no undefined behaviour, because the region's
/// bytes are interior-mutable and Rust code reads them only by copy.
///
/// ```
/// use ring_core::buf::{Region, SharedRegion};
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let region = Region::new(8192)?;
/// assert_eq!((region.len(), region.is_empty()), (8192, false));
/// let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
/// // The kernel reads into the second half; Rust reads it by copy.
/// let half = SharedRegion::new(region.clone(), 4096, 4096).expect("inside the region");
/// assert_eq!((half.offset(), half.region().len()), (4096, 8192));
/// let (n, _half) = rt.block_on(d.read_at(&file, half, 0))?;
/// let n = n?;
/// let mut out = vec![0u8; n];
/// assert!(region.read_at(4096, &mut out));
/// assert!(region.write_at(0, b"mine"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SharedRegion {
    region: Arc<Region>,
    offset: usize,
    len: usize,
}

impl SharedRegion {
    /// `len` bytes of `region` at `offset`; `None` if out of range.
    pub fn new(region: Arc<Region>, offset: usize, len: usize) -> Option<Self> {
        if offset.checked_add(len)? > region.len() {
            return None;
        }
        Some(SharedRegion { region, offset, len })
    }

    /// The region.
    pub fn region(&self) -> &Arc<Region> {
        &self.region
    }

    /// The offset of this range in the region.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

// SAFETY: the pointer is into the region's heap allocation, which the Arc
// keeps alive for as long as this value exists, and does not move.
unsafe impl IoBuf for SharedRegion {
    fn stable_ptr(&self) -> *const u8 {
        self.region.base().wrapping_add(self.offset)
    }
    fn bytes_init(&self) -> usize {
        self.len
    }
    fn bytes_total(&self) -> usize {
        self.len
    }
}

// SAFETY: as above; the region's bytes are UnsafeCells, so kernel writes
// through this pointer never alias a Rust reference.
unsafe impl IoBufMut for SharedRegion {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.region.base().wrapping_add(self.offset)
    }
    unsafe fn set_init(&mut self, _n: usize) {}
}
