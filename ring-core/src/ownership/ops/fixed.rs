//! Operations on registered buffers ([`FixedBuf`] leases of a
//! [`crate::ownership::fixed_buffers::FixedBuffers`] table): reads and
//! writes of one buffer, zero-copy sends, and vectored reads and writes
//! inside one registered buffer (`IORING_OP_READV_FIXED` /
//! `IORING_OP_WRITEV_FIXED`, Linux 6.15).
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::fixed_buffers::FixedBuf;
use crate::ownership::operation::Operation;
use crate::ownership::ops::{flags, res, IOV_MAX};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use core::ops::Range;
use ring_sys::*;
use std::io;

/// `IORING_OP_READ_FIXED` into a leased registered buffer; see
/// [`Driver::read_fixed`].
///
/// Each operation on a registered buffer is a value made by its
/// [`Driver`] method:
///
/// ```
/// use ring_core::fixed::FixedBuffers;
/// use ring_core::ops::{ReadFixed, ReadvFixed, SendZcFixed, WriteFixed, WritevFixed};
/// use ring_core::Op;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let table = FixedBuffers::new(&d, 2, 4096)?;
/// let path = std::env::temp_dir().join(format!("ring-core-doc-fixed-types-{}", std::process::id()));
/// let file = Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?);
/// rt.block_on(async {
///     let mut buf = table.lease(0)?;
///     buf.fill(b'y');
///     let write: Op<WriteFixed> = d.write_fixed(&file, buf, 0);
///     assert_eq!(write.await.0?, 4096);
///     let read: Op<ReadFixed> = d.read_fixed(&file, table.lease(1)?, 0);
///     let (n, buf) = read.await;
///     assert!(n? == 4096 && buf.iter().all(|b| *b == b'y'));
///     drop(buf);
///     // Scatter and gather within one slot: operations since 6.15.
///     if d.require(ring_core::sys::IORING_OP_READV_FIXED).is_ok() {
///         let writev: Op<WritevFixed> = d.writev_fixed(&file, table.lease(0)?, vec![0..4, 8..12], 0);
///         assert_eq!(writev.await.0?, 8);
///         let readv: Op<ReadvFixed> = d.readv_fixed(&file, table.lease(1)?, vec![0..8], 0);
///         assert_eq!(readv.await.0?, 8);
///     }
///     let (a, _b) = std::os::unix::net::UnixStream::pair()?;
///     let a = Rc::new(a);
///     let mut buf = table.lease(0)?;
///     buf.set_len(3);
///     let send: Op<SendZcFixed> = d.send_zc_fixed(&a, buf, 0);
///     if let Err(e) = send.await.0 {
///         // Unix sockets have no zero-copy sends on some kernels.
///         println!("send_zc_fixed refused: {e}");
///     }
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReadFixed {
    fd: SharedFd,
    buf: FixedBuf,
    offset: u64,
}

// SAFETY: the SQE names the leased slot by index and its memory by address;
// the lease (owned by `self`) keeps the slot registered and the memory
// alive, and makes `self` its only user until the terminal completion.
unsafe impl Operation for ReadFixed {
    type Output = (io::Result<usize>, FixedBuf);

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_READ_FIXED;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.ptr as u64);
        sqe.len = crate::ownership::ops::rw_len(self.buf.cap);
        sqe.set_off(self.offset);
        sqe.set_buf_index(self.buf.index);
        sqe
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.buf.refuse(ring)
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            self.buf.set_len(n);
        }
        (r, self.buf)
    }
}

/// `IORING_OP_WRITE_FIXED` from a leased registered buffer; see
/// [`Driver::write_fixed`].
#[derive(Debug)]
pub struct WriteFixed {
    fd: SharedFd,
    buf: FixedBuf,
    offset: u64,
}

// SAFETY: as for `ReadFixed`; the kernel only reads `len` bytes.
unsafe impl Operation for WriteFixed {
    type Output = (io::Result<usize>, FixedBuf);

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_WRITE_FIXED;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.ptr as u64);
        sqe.len = crate::ownership::ops::rw_len(self.buf.len);
        sqe.set_off(self.offset);
        sqe.set_buf_index(self.buf.index);
        sqe
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.buf.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// A zero-copy send from a leased registered buffer (`IORING_OP_SEND_ZC`
/// with `IORING_RECVSEND_FIXED_BUF`); see [`Driver::send_zc_fixed`].
#[derive(Debug)]
pub struct SendZcFixed {
    fd: SharedFd,
    buf: FixedBuf,
    flags: i32,
}

// SAFETY: as for `WriteFixed`; the kernel reads the buffer until the
// notification, which is the terminal completion (CQES = 2), so the lease
// stays in the table until then.
unsafe impl Operation for SendZcFixed {
    type Output = (io::Result<usize>, FixedBuf);
    const CQES: u32 = 2;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_SEND_ZC;
        sqe.fd = self.fd.raw();
        sqe.ioprio = IORING_RECVSEND_FIXED_BUF as u16;
        sqe.set_addr(self.buf.ptr as u64);
        sqe.len = crate::ownership::ops::rw_len(self.buf.len);
        sqe.set_msg_flags(self.flags as u32);
        sqe.set_buf_index(self.buf.index);
        sqe
    }

    /// Refused with `EXDEV` for another ring's lease, `EINVAL` for a flag
    /// outside [`flags::SEND_ZC`](crate::ownership::ops::flags::SEND_ZC).
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.buf.refuse(ring).or_else(|| flags::refuse_msg(self.flags, flags::SEND_ZC))
    }

    fn complete(self, result: Cqe, _notif: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

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

/// # I/O on registered buffers ([`crate::fixed`])
///
/// Each operation takes a slot leased from a [`FixedBuffers`](crate::fixed::FixedBuffers)
/// table and gives it back with the result.
///
/// ```
/// use ring_core::fixed::FixedBuffers;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let table = FixedBuffers::new(&d, 2, 4096)?;
/// let path = std::env::temp_dir().join(format!("ring-core-doc-fixed-{}", std::process::id()));
/// let file = Rc::new(
///     std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?,
/// );
/// rt.block_on(async {
///     let mut buf = table.lease(0)?;
///     buf.fill(b'x');
///     let (n, _) = d.write_fixed(&file, buf, 0).await;
///     assert_eq!(n?, 4096);
///     let (n, buf) = d.read_fixed(&file, table.lease(1)?, 0).await;
///     assert_eq!(n?, 4096);
///     assert!(buf.iter().all(|b| *b == b'x'));
///     drop(buf);
///
///     // Scatter and gather within one slot: operations since 6.15.
///     if d.require(ring_core::sys::IORING_OP_READV_FIXED).is_ok() {
///         let (n, _, _) = d.writev_fixed(&file, table.lease(0)?, vec![0..10, 100..110], 0).await;
///         assert_eq!(n?, 20);
///         let (n, _, _) = d.readv_fixed(&file, table.lease(1)?, vec![0..10, 200..210], 0).await;
///         assert_eq!(n?, 20);
///     }
///
///     // A zero-copy send from a slot (the lease returns after the
///     // kernel's notification).
///     let (a, b) = std::os::unix::net::UnixStream::pair()?;
///     let a = Rc::new(a);
///     let mut buf = table.lease(0)?;
///     buf.set_len(3);
///     let (n, _) = d.send_zc_fixed(&a, buf, 0).await;
///     match n {
///         Ok(n) => {
///             assert_eq!(n, 3);
///             let mut got = [0u8; 3];
///             std::io::Read::read_exact(&mut &b, &mut got)?;
///         }
///         // Unix sockets have no zero-copy sends on some kernels.
///         Err(e) => println!("send_zc_fixed refused: {e}"),
///     }
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Reads into the leased registered buffer `buf` (up to its capacity)
    /// from `fd` at `offset` (`IORING_OP_READ_FIXED`, 5.1). The lease
    /// comes back with its length set to the count read.
    pub fn read_fixed(&self, fd: &impl AsSharedFd, buf: FixedBuf, offset: u64) -> Op<ReadFixed, K> {
        self.op(ReadFixed { fd: fd.shared_fd(), buf, offset })
    }

    /// Writes the first `buf.len()` bytes of the leased registered buffer
    /// to `fd` at `offset` (`IORING_OP_WRITE_FIXED`, 5.1).
    pub fn write_fixed(&self, fd: &impl AsSharedFd, buf: FixedBuf, offset: u64) -> Op<WriteFixed, K> {
        self.op(WriteFixed { fd: fd.shared_fd(), buf, offset })
    }

    /// Zero-copy send of the first `buf.len()` bytes of a leased registered
    /// buffer on socket `fd` (`IORING_OP_SEND_ZC` with
    /// `IORING_RECVSEND_FIXED_BUF`, 6.0). The lease comes back only after
    /// the kernel's notification, even if the send failed or was cancelled.
    pub fn send_zc_fixed(&self, fd: &impl AsSharedFd, buf: FixedBuf, flags: i32) -> Op<SendZcFixed, K> {
        self.op(SendZcFixed { fd: fd.shared_fd(), buf, flags })
    }

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
