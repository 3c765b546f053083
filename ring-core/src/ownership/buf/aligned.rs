//! Page-aligned buffers for `O_DIRECT` I/O.
#![allow(unsafe_code)]

use super::{IoBuf, IoBufMut};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// A zero-initialised heap buffer whose address and length are multiples
/// of its alignment (4096 by default), as `O_DIRECT` reads and writes
/// require on most file systems.
#[derive(Debug)]
pub struct AlignedBuf {
    ptr: NonNull<u8>,
    layout: Layout,
    init: usize,
}

// SAFETY: AlignedBuf owns its allocation exclusively, like Box<[u8]>.
unsafe impl Send for AlignedBuf {}
// SAFETY: shared access only reads.
unsafe impl Sync for AlignedBuf {}

impl AlignedBuf {
    /// A zeroed buffer of `len` bytes rounded up to a multiple of 4096,
    /// aligned to 4096. `None` if `len` is zero or too large.
    pub fn new(len: usize) -> Option<Self> {
        Self::with_alignment(len, 4096)
    }

    /// A zeroed buffer of `len` bytes rounded up to a multiple of `align`
    /// (a power of two), aligned to `align`.
    pub fn with_alignment(len: usize, align: usize) -> Option<Self> {
        if len == 0 || !align.is_power_of_two() {
            return None;
        }
        let size = len.checked_next_multiple_of(align)?;
        let layout = Layout::from_size_align(size, align).ok()?;
        // SAFETY: the layout has non-zero size.
        let ptr = NonNull::new(unsafe { alloc::alloc_zeroed(layout) })?;
        Some(AlignedBuf { ptr, layout, init: size })
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the allocation holds `layout.size()` zero-initialised or
        // written bytes, owned by `self`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.layout.size()) }
    }

    /// The bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, and `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.layout.size()) }
    }

    /// The alignment.
    pub fn alignment(&self) -> usize {
        self.layout.align()
    }
}

impl Drop for AlignedBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `with_alignment` with this layout.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), self.layout) };
    }
}

// SAFETY: the heap allocation does not move with the value and lives until drop.
unsafe impl IoBuf for AlignedBuf {
    fn stable_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.init
    }
    fn bytes_total(&self) -> usize {
        self.layout.size()
    }
}

// SAFETY: as above; the whole allocation is writable and always initialised.
unsafe impl IoBufMut for AlignedBuf {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }
    unsafe fn set_init(&mut self, _n: usize) {}
}
