//! Vectored reads and writes inside one registered buffer
//! (`IORING_OP_READV_FIXED` / `IORING_OP_WRITEV_FIXED`, Linux 6.15).
//!
//! The operation takes the [`FixedBuf`] lease by value together with the
//! segments (byte ranges of that buffer) and builds its iovec array, on
//! the heap and owned by the operation, in `prepare`. The lease keeps the
//! slot registered and its memory alive until the terminal completion
//! (`FixedBuffers::unregister`/`replace` refuse while it exists), and being
//! exclusive it keeps Rust code away from the bytes the kernel writes.

use super::{res, IOV_MAX};
use crate::cqueue::Cqe;
use crate::driver::Driver;
use crate::error::Error;
use crate::fixed::FixedBuf;
use crate::kernel::Kernel;
use crate::op::{Op, Operation};
use crate::opcode;
use crate::ring::RingId;
use crate::shared_fd::{AsSharedFd, SharedFd};
use core::ops::Range;
use ring_sys::io_uring_sqe;
use std::io;

/// Checks that every segment lies inside a buffer of `cap` bytes, and that
/// there are not more than [`IOV_MAX`] of them: the error the operation
/// completes with otherwise (see [`Operation::refuse`]).
fn check_segments(segments: &[Range<usize>], cap: usize) -> Option<Error> {
    if segments.len() > IOV_MAX {
        return Some(Error::TooLong { what: "segment count", len: segments.len(), max: IOV_MAX });
    }
    if segments.iter().any(|s| s.start > s.end || s.end > cap) {
        return Some(Error::InvalidArgument("a segment lies outside the registered buffer (or ends before it starts)"));
    }
    None
}

/// The refusal of an operation whose segments were refused: the typed
/// error's errno (the error itself is the operation's result).
fn refusal(invalid: &Option<Error>) -> Option<i32> {
    invalid.as_ref().map(|e| e.errno().map_or(libc::EINVAL, |e| e.raw()))
}

/// The result: the typed error of refused segments, or the kernel's.
fn result(invalid: Option<Error>, cqe: &Cqe) -> io::Result<usize> {
    match invalid {
        Some(e) => Err(e.into()),
        None => res(cqe).map(|n| n as usize),
    }
}

/// The iovecs of `segments` of the buffer starting at `base`.
fn iovecs(base: *mut u8, segments: &[Range<usize>], out: &mut Vec<libc::iovec>) {
    out.clear();
    for s in segments {
        // `s` lies inside the buffer (checked at construction; an operation
        // whose segments did not is refused before `prepare`), so the
        // address stays within its allocation. The capacity was reserved at
        // construction: no allocation here.
        out.push(libc::iovec { iov_base: base.wrapping_add(s.start).cast(), iov_len: s.end - s.start });
    }
}

/// The registered buffer's base address, covering its whole capacity.
fn base_of(buf: &mut FixedBuf) -> *mut u8 {
    let len = buf.len();
    buf.set_len(buf.capacity());
    let p = buf.as_mut_ptr();
    buf.set_len(len);
    p
}

/// `IORING_OP_READV_FIXED` into segments of a leased registered buffer;
/// see [`Driver::readv_fixed`].
#[derive(Debug)]
pub struct ReadvFixed {
    fd: SharedFd,
    buf: FixedBuf,
    segments: Vec<Range<usize>>,
    iovecs: Vec<libc::iovec>,
    offset: u64,
    /// Why the segments were refused, if they were: the operation then never
    /// reaches the kernel (`refuse`) and completes with this error.
    invalid: Option<Error>,
}

// SAFETY: the SQE points at `self.iovecs` (heap, owned by `self`), each of which points inside the leased slot's memory
// (segments were checked against its capacity, and an operation whose segments were not is refused before `prepare`); the lease, owned by `self`, keeps the slot registered and its memory
// alive, and nothing else can reach those bytes while `self` is in the table.
unsafe impl Operation for ReadvFixed {
    /// The byte count, the lease (its length unchanged) and the segments
    /// the bytes went into, in order.
    type Output = (io::Result<usize>, FixedBuf, Vec<Range<usize>>);

    fn prepare(&mut self) -> io_uring_sqe {
        let base = base_of(&mut self.buf);
        iovecs(base, &self.segments, &mut self.iovecs);
        opcode::ReadvFixed::new(self.fd.raw(), self.iovecs.as_ptr(), self.iovecs.len() as u32, self.buf.index())
            .offset(self.offset)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        refusal(&self.invalid).or_else(|| self.buf.refuse(ring))
    }

    fn complete(self, cqe: Cqe, _: Cqe) -> Self::Output {
        (result(self.invalid, &cqe), self.buf, self.segments)
    }
}

/// `IORING_OP_WRITEV_FIXED` from segments of a leased registered buffer;
/// see [`Driver::writev_fixed`].
#[derive(Debug)]
pub struct WritevFixed {
    fd: SharedFd,
    buf: FixedBuf,
    segments: Vec<Range<usize>>,
    iovecs: Vec<libc::iovec>,
    offset: u64,
    /// As for [`ReadvFixed`].
    invalid: Option<Error>,
}

// SAFETY: as for `ReadvFixed`; the kernel only reads the segments.
unsafe impl Operation for WritevFixed {
    /// The byte count, the lease and the segments.
    type Output = (io::Result<usize>, FixedBuf, Vec<Range<usize>>);

    fn prepare(&mut self) -> io_uring_sqe {
        let base = base_of(&mut self.buf);
        iovecs(base, &self.segments, &mut self.iovecs);
        opcode::WritevFixed::new(self.fd.raw(), self.iovecs.as_ptr(), self.iovecs.len() as u32, self.buf.index())
            .offset(self.offset)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        refusal(&self.invalid).or_else(|| self.buf.refuse(ring))
    }

    fn complete(self, cqe: Cqe, _: Cqe) -> Self::Output {
        (result(self.invalid, &cqe), self.buf, self.segments)
    }
}

/// Vectored I/O on registered buffers.
impl<K: Kernel> Driver<K> {
    /// Scatter read from `fd` at `offset` into `segments` (byte ranges) of
    /// the leased registered buffer `buf`, in order
    /// (`IORING_OP_READV_FIXED`, 6.15).
    ///
    /// Segments are checked here, before anything is allocated or reaches
    /// the kernel: more than [`IOV_MAX`] of them, or one reaching past the
    /// buffer's capacity (or ending before it starts), and the operation
    /// completes at its first poll, without reaching the kernel, with the
    /// typed error ([`Error::TooLong`], [`Error::InvalidArgument`], inside
    /// the `io::Error`) and the lease and segments back.
    pub fn readv_fixed(
        &self,
        fd: &impl AsSharedFd,
        buf: FixedBuf,
        segments: Vec<Range<usize>>,
        offset: u64,
    ) -> Op<ReadvFixed, K> {
        let invalid = check_segments(&segments, buf.capacity());
        let iovecs = Vec::with_capacity(if invalid.is_some() { 0 } else { segments.len() });
        self.op(ReadvFixed { fd: fd.shared_fd(), buf, segments, iovecs, offset, invalid })
    }

    /// Gather write to `fd` at `offset` from `segments` of the leased
    /// registered buffer `buf`, in order (`IORING_OP_WRITEV_FIXED`, 6.15).
    /// Segments are checked as [`readv_fixed`](Self::readv_fixed) checks
    /// them.
    pub fn writev_fixed(
        &self,
        fd: &impl AsSharedFd,
        buf: FixedBuf,
        segments: Vec<Range<usize>>,
        offset: u64,
    ) -> Op<WritevFixed, K> {
        let invalid = check_segments(&segments, buf.capacity());
        let iovecs = Vec::with_capacity(if invalid.is_some() { 0 } else { segments.len() });
        self.op(WritevFixed { fd: fd.shared_fd(), buf, segments, iovecs, offset, invalid })
    }
}
