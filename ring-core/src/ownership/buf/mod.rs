//! Owned buffers the kernel can read from and write into.
//!
//! An operation takes its buffer **by value** and hands it back with the
//! result, as `(io::Result<usize>, B)`. While the operation is in flight,
//! the buffer lives in the driver's table entry, not in the future, so
//! dropping or forgetting the future cannot free memory the kernel is
//! using. For that to hold, the address the kernel was given must not
//! change when the buffer value moves (into the table, and back out): that
//! is the contract of [`IoBuf`] and [`IoBufMut`].
//!
//! Implemented for `Vec<u8>`, `Box<[u8]>`, `&'static [u8]` (read-only),
//! `&'static mut [u8]`, [`Slice`] (a sub-range of any of them),
//! [`AlignedBuf`] (page-aligned, for `O_DIRECT`), [`SharedRegion`] (an
//! `Arc`-held memory region addressed by offset), and [`MemSlice`] (one
//! range of any [`BackingMemory`]).
//!
//! Memory the caller owns and shares (guest RAM, a file mapping) signs the
//! [`BackingMemory`] contract; [`MemRegions`] names a list of its
//! (offset, length) ranges, bounds checked, for the vectored
//! [`Driver::read_mem_at`](crate::Driver::read_mem_at) and
//! [`Driver::write_mem_at`](crate::Driver::write_mem_at), as crosvm's
//! `BackingMemory` and `MemRegion`. [`MmapMemory`] is a mapping this
//! crate makes and owns.
//!
//! [`BufResultExt::into_buf_result`] turns any operation's
//! `(io::Result<T>, B)` into a [`BufResult`], whose error ([`BufError`])
//! carries the buffer, so `?` propagates both (tokio-linux-aio's
//! `AioError`).
#![allow(unsafe_code)]

mod aligned;
mod backing;
mod result;
mod shared;
mod slice;

pub use aligned::AlignedBuf;
pub use backing::{BackingMemory, MemRegion, MemRegions, MemSlice, MmapMemory};
pub use result::{BufError, BufResult, BufResultExt};
pub use shared::{Region, SharedRegion};
pub use slice::Slice;

/// A buffer the kernel may read from.
///
/// # Safety
///
/// Implementors promise that:
/// - [`stable_ptr`](IoBuf::stable_ptr) points to [`bytes_init`](IoBuf::bytes_init)
///   initialised bytes that are valid for reads;
/// - the pointer and the bytes behind it stay the same when the value is
///   moved, and stay valid until the value is dropped (heap memory, or
///   `'static` memory; never memory inside the value itself);
/// - nothing other than the holder of the value writes those bytes while
///   the holder does not (no interior aliasing that safe code could use).
pub unsafe trait IoBuf: 'static {
    /// A pointer to the first byte.
    fn stable_ptr(&self) -> *const u8;

    /// How many bytes are initialised (for a write, how many are written).
    fn bytes_init(&self) -> usize;

    /// How many bytes the buffer can hold.
    fn bytes_total(&self) -> usize;

    /// A view of `range` of this buffer that is itself a buffer.
    fn slice(self, range: impl core::ops::RangeBounds<usize>) -> Slice<Self>
    where
        Self: Sized,
    {
        Slice::new(self, range)
    }
}

/// A buffer the kernel may write into.
///
/// # Safety
///
/// As for [`IoBuf`], and additionally: [`stable_mut_ptr`](IoBufMut::stable_mut_ptr)
/// is valid for writes of [`bytes_total`](IoBuf::bytes_total) bytes, and
/// after [`set_init`](IoBufMut::set_init)`(n)` the first `n` bytes count as
/// initialised.
pub unsafe trait IoBufMut: IoBuf {
    /// A pointer to the first byte, for writing.
    fn stable_mut_ptr(&mut self) -> *mut u8;

    /// Records that the kernel initialised the first `n` bytes. Called with
    /// the result of a read, clamped by the operation to the length it gave
    /// the kernel (so at most `bytes_total`); an implementation clamps `n`
    /// to `bytes_total` all the same, so that no count can mark a byte
    /// outside the buffer initialised.
    ///
    /// # Safety
    ///
    /// The first `n` bytes (at most `bytes_total`) must have been written.
    ///
    /// ```
    /// use ring_core::buf::{IoBuf, IoBufMut};
    ///
    /// // What a read does with a `Vec`'s spare capacity once the kernel wrote it.
    /// let mut v: Vec<u8> = Vec::with_capacity(8);
    /// assert_eq!(v.bytes_total(), 8);
    /// // SAFETY: four bytes are written within the capacity, then marked
    /// // initialised.
    /// unsafe {
    ///     v.stable_mut_ptr().copy_from_nonoverlapping(b"abcd".as_ptr(), 4);
    ///     v.set_init(4);
    /// }
    /// assert_eq!(v, b"abcd");
    /// ```
    unsafe fn set_init(&mut self, n: usize);
}

// SAFETY: a Vec's heap buffer does not move when the Vec value moves, and
// stays valid until the Vec is dropped or reallocated (which needs `&mut`,
// which nobody has while the driver holds the Vec).
unsafe impl IoBuf for Vec<u8> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.capacity()
    }
}

// SAFETY: as above; the spare capacity is valid for writes.
unsafe impl IoBufMut for Vec<u8> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        if n > self.len() {
            // SAFETY: the caller guarantees the first `n <= capacity` bytes
            // were written.
            unsafe { self.set_len(n.min(self.capacity())) };
        }
    }
}

// SAFETY: a boxed slice's heap memory does not move with the box.
unsafe impl IoBuf for Box<[u8]> {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as above; all of a boxed slice is initialised and writable.
unsafe impl IoBufMut for Box<[u8]> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, _n: usize) {}
}

// SAFETY: `'static` memory never moves or goes away, and a shared slice
// is never written (it is only `IoBuf`, not `IoBufMut`).
unsafe impl IoBuf for &'static [u8] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as for `&'static [u8]`: a byte-string literal (`b"..."`) is
// `'static`, never moves, and is only read.
unsafe impl<const N: usize> IoBuf for &'static [u8; N] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        N
    }
    fn bytes_total(&self) -> usize {
        N
    }
}

// SAFETY: as for `&'static [u8]`.
unsafe impl IoBuf for &'static str {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: a `&'static mut` slice is exclusive and never goes away; moving
// the reference moves no bytes.
unsafe impl IoBuf for &'static mut [u8] {
    fn stable_ptr(&self) -> *const u8 {
        self.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.len()
    }
    fn bytes_total(&self) -> usize {
        self.len()
    }
}

// SAFETY: as above; exclusive, so the kernel may write all of it.
unsafe impl IoBufMut for &'static mut [u8] {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, _n: usize) {}
}
