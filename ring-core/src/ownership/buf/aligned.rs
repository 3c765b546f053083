//! Page-aligned buffers for `O_DIRECT` I/O.
#![allow(unsafe_code)]

use super::{IoBuf, IoBufMut};
use crate::error::{Error, Result};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// A zero-initialised heap buffer whose address and length are multiples
/// of its alignment (4096 by default), as `O_DIRECT` reads and writes
/// require on most file systems.
///
/// ```
/// use ring_core::buf::AlignedBuf;
///
/// let mut buf = AlignedBuf::new(4096)?;
/// assert_eq!((buf.alignment(), buf.as_slice().len()), (4096, 4096));
/// buf.as_mut_slice()[0] = 1;
/// let wide = AlignedBuf::with_alignment(8192, 8192)?;
/// assert_eq!(wide.as_slice().as_ptr() as usize % 8192, 0);
/// # Ok::<(), ring_core::Error>(())
/// ```
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
    /// aligned to 4096.
    ///
    /// A zero `len` is [`Error::InvalidArgument`]; a `len` whose rounded
    /// size does not fit a Rust allocation is [`Error::TooLong`]; a size
    /// the allocator refuses is [`Error::OutOfMemory`]. Never a panic or
    /// an abort.
    pub fn new(len: usize) -> Result<Self, crate::error::Error> {
        Self::with_alignment(len, 4096)
    }

    /// A zeroed buffer of `len` bytes rounded up to a multiple of `align`
    /// (a power of two), aligned to `align`. The errors are those of
    /// [`new`](Self::new), and [`Error::InvalidArgument`] for an `align`
    /// that is not a power of two.
    pub fn with_alignment(len: usize, align: usize) -> Result<Self, crate::error::Error> {
        if len == 0 {
            return Err(Error::InvalidArgument("an aligned buffer needs a length above zero"));
        }
        if !align.is_power_of_two() {
            return Err(Error::InvalidArgument("an aligned buffer's alignment must be a power of two"));
        }
        // The largest size a layout of this alignment accepts: `isize::MAX`
        // rounded down to the alignment.
        let max = (isize::MAX as usize) & !(align - 1);
        let too_long = Error::TooLong { what: "aligned buffer", len, max };
        let size = len.checked_next_multiple_of(align).ok_or(too_long.clone())?;
        let layout = Layout::from_size_align(size, align).map_err(|_| too_long)?;
        // SAFETY: the layout has a non-zero size.
        let ptr = NonNull::new(unsafe { alloc::alloc_zeroed(layout) })
            .ok_or(Error::OutOfMemory { what: "aligned buffer", bytes: size })?;
        Ok(AlignedBuf { ptr, layout, init: size })
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
