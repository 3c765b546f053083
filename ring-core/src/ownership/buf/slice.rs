//! A sub-range of a buffer that is itself a buffer.
#![allow(unsafe_code)]

use super::{IoBuf, IoBufMut};
use core::ops::{Bound, RangeBounds};

/// `buf[begin..end]` as an owned buffer; [`Slice::into_inner`] gives the
/// whole buffer back.
///
/// The range is clamped to the buffer's capacity, so a slice can never
/// reach outside the memory its buffer owns.
///
/// ```
/// use ring_core::buf::{IoBuf, IoBufMut, Slice};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
/// // Read into bytes 8..24 of a 64-byte buffer.
/// let s: Slice<Vec<u8>> = vec![0u8; 64].slice(8..24);
/// assert_eq!((s.begin(), s.end(), s.get_ref().len()), (8, 24, 64));
/// assert_eq!((s.bytes_init(), s.bytes_total()), (16, 16));
/// let (n, s) = rt.block_on(d.read_at(&file, s, 0))?;
/// assert_eq!(n?, 16);
/// let whole = s.into_inner();
/// assert_eq!(whole.len(), 64);
/// let _p = (whole.stable_ptr(), Vec::<u8>::with_capacity(4).stable_mut_ptr());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Slice<B> {
    buf: B,
    begin: usize,
    end: usize,
}

impl<B: IoBuf> Slice<B> {
    pub(crate) fn new(buf: B, range: impl RangeBounds<usize>) -> Self {
        let total = buf.bytes_total();
        let begin = match range.start_bound() {
            Bound::Included(&n) => n,
            Bound::Excluded(&n) => n.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(total);
        let end = match range.end_bound() {
            Bound::Included(&n) => n.saturating_add(1),
            Bound::Excluded(&n) => n,
            Bound::Unbounded => total,
        }
        .clamp(begin, total);
        Slice { buf, begin, end }
    }

    /// The start offset in the underlying buffer.
    pub fn begin(&self) -> usize {
        self.begin
    }

    /// The end offset in the underlying buffer.
    pub fn end(&self) -> usize {
        self.end
    }

    /// The underlying buffer.
    pub fn get_ref(&self) -> &B {
        &self.buf
    }

    /// The whole underlying buffer.
    pub fn into_inner(self) -> B {
        self.buf
    }
}

// SAFETY: the pointer is the inner buffer's stable pointer offset by
// `begin <= bytes_total`, so it inherits the inner buffer's stability, and
// the lengths never reach past the inner buffer's.
unsafe impl<B: IoBuf> IoBuf for Slice<B> {
    fn stable_ptr(&self) -> *const u8 {
        self.buf.stable_ptr().wrapping_add(self.begin)
    }
    fn bytes_init(&self) -> usize {
        self.buf.bytes_init().clamp(self.begin, self.end) - self.begin
    }
    fn bytes_total(&self) -> usize {
        self.end - self.begin
    }
}

// SAFETY: as above, for writes within `[begin, end)` of the inner buffer.
unsafe impl<B: IoBufMut> IoBufMut for Slice<B> {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.buf.stable_mut_ptr().wrapping_add(self.begin)
    }
    unsafe fn set_init(&mut self, n: usize) {
        // The inner buffer can only record an initialised *prefix*. If this
        // slice starts past the end of what is initialised, the bytes in
        // between were never written, so the kernel's `n` bytes cannot be
        // recorded without claiming those too: they are left unrecorded
        // (the caller still has the byte count from the result).
        // The count is clamped to the slice: a count past its end (a result
        // that overstates, whatever its cause) would otherwise make the
        // inner buffer claim bytes after the slice that nobody wrote.
        let n = n.min(self.end - self.begin);
        if self.buf.bytes_init() >= self.begin {
            // SAFETY: bytes `..begin` were initialised already (checked just
            // above) and the caller guarantees `begin..begin + n` were
            // written, with `begin + n <= end <= bytes_total`.
            unsafe { self.buf.set_init(self.begin + n) }
        }
    }
}
