//! Reads and writes with owned buffers: plain and vectored. Each operation
//! holds a [`SharedFd`] of the descriptor it names, so the descriptor stays
//! open until the operation has ended (see [`crate::ownership::shared_fd`]).
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::{res, rw_len, CURRENT_POSITION, IOV_MAX};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use ring_sys::*;
use std::io;

/// A read into an owned buffer; see [`crate::Driver::read_at`].
///
/// ```
/// use ring_core::ops::{Read, Write};
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
/// let (n, buf) = rt.block_on(d.op(Read::new(&file, Vec::with_capacity(64), 0)))?;
/// assert!(n? > 0);
/// // A value never started gives its buffer back.
/// let unused = Read::new(&file, buf, 0);
/// assert_eq!(unused.into_buf().capacity(), 64);
/// let devnull = Rc::new(std::fs::OpenOptions::new().write(true).open("/dev/null")?);
/// let (n, _) = rt.block_on(d.op(Write::new(&devnull, b"gone".to_vec(), 0)))?;
/// assert_eq!(n?, 4);
/// assert_eq!(Write::new(&devnull, b"kept".to_vec(), 0).into_buf(), b"kept");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Read<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
}

impl<B: IoBufMut> Read<B> {
    /// A read of up to `buf.bytes_total()` bytes from `fd` at `offset`;
    /// the operation keeps `fd` open until it has ended.
    pub fn new(fd: &impl AsSharedFd, buf: B, offset: u64) -> Self {
        Read { fd: fd.shared_fd(), buf, offset }
    }

    /// The buffer, from a read that never started (a member taken back
    /// from a refused chain, see [`crate::ownership::driver::ChainRefused`]).
    pub fn into_buf(self) -> B {
        self.buf
    }
}

// SAFETY: the SQE points only at `self.buf`'s stable heap (or 'static)
// memory, `bytes_total` bytes long, which `IoBufMut` guarantees is ours
// alone to write while the buffer sits in the table.
unsafe impl<B: IoBufMut> Operation for Read<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_READ;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.stable_mut_ptr() as u64);
        sqe.len = rw_len(self.buf.bytes_total());
        sqe.set_off(self.offset);
        sqe
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            // SAFETY: the kernel wrote `n` bytes, at most the length it was
            // given; the count is clamped to that length anyway, so no
            // result can claim a byte past it.
            unsafe { self.buf.set_init(n.min(rw_len(self.buf.bytes_total()) as usize)) };
        }
        (r, self.buf)
    }
}

/// A write from an owned buffer; see [`crate::Driver::write_at`].
#[derive(Debug)]
pub struct Write<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
}

impl<B: IoBuf> Write<B> {
    /// A write of `buf.bytes_init()` bytes to `fd` at `offset`; the
    /// operation keeps `fd` open until it has ended.
    pub fn new(fd: &impl AsSharedFd, buf: B, offset: u64) -> Self {
        Write { fd: fd.shared_fd(), buf, offset }
    }

    /// The buffer, from a write that never started (a member taken back
    /// from a refused chain, see [`crate::ownership::driver::ChainRefused`]).
    pub fn into_buf(self) -> B {
        self.buf
    }
}

// SAFETY: the SQE points only at `self.buf`'s stable memory, which the
// kernel only reads, `bytes_init` bytes long.
unsafe impl<B: IoBuf> Operation for Write<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_WRITE;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.stable_ptr() as u64);
        sqe.len = rw_len(self.buf.bytes_init());
        sqe.set_off(self.offset);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// A scatter read; see [`crate::Driver::readv_at`].
#[derive(Debug)]
pub struct Readv<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    iovecs: Vec<libc::iovec>,
    offset: u64,
    /// More buffers than one request carries: the operation never reaches
    /// the kernel (`refuse`) and completes with this error.
    too_many: Option<Error>,
}

impl<B: IoBufMut> Readv<B> {
    /// A read from `fd` filling `bufs` in order; the operation keeps `fd`
    /// open until it has ended. More than [`IOV_MAX`](super::IOV_MAX)
    /// buffers complete at the first poll, without reaching the kernel,
    /// with [`Error::TooLong`] (inside the `io::Error`) and the buffers.
    pub fn new(fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Self {
        let (iovecs, too_many) = iovec_array(bufs.len());
        Readv { fd: fd.shared_fd(), bufs, iovecs, offset, too_many }
    }
}

// SAFETY: the iovec array is owned by `self` (its heap allocation does not
// move once built here) and each entry points at one of `self.bufs`'
// stable memories, `bytes_total` long.
unsafe impl<B: IoBufMut> Operation for Readv<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn prepare(&mut self) -> io_uring_sqe {
        self.iovecs.clear();
        for b in &mut self.bufs {
            self.iovecs.push(libc::iovec { iov_base: b.stable_mut_ptr().cast(), iov_len: b.bytes_total() });
        }
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_READV;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.iovecs.as_ptr() as u64);
        // At most `IOV_MAX` iovecs: more are refused before `prepare`.
        sqe.len = self.iovecs.len().min(IOV_MAX) as u32;
        sqe.set_off(self.offset);
        sqe
    }

    fn refuse(&self, _ring: crate::raw::ring_id::RingId) -> Option<i32> {
        refusal(&self.too_many)
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        if let Some(e) = self.too_many.take() {
            return (Err(e.into()), self.bufs);
        }
        let r = res(&result).map(|n| n as usize);
        if let Ok(mut n) = r {
            for b in &mut self.bufs {
                let here = n.min(b.bytes_total());
                // SAFETY: the kernel filled the buffers in order; this one
                // received its first `here` bytes.
                unsafe { b.set_init(here) };
                n -= here;
            }
        }
        (r, self.bufs)
    }
}

/// A gather write; see [`crate::Driver::writev_at`].
#[derive(Debug)]
pub struct Writev<B> {
    fd: SharedFd,
    bufs: Vec<B>,
    iovecs: Vec<libc::iovec>,
    offset: u64,
    /// As for [`Readv`].
    too_many: Option<Error>,
}

impl<B: IoBuf> Writev<B> {
    /// A write to `fd` of every buffer's initialised bytes, in order; the
    /// operation keeps `fd` open until it has ended. The buffer count is
    /// checked as [`Readv::new`] checks it.
    pub fn new(fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Self {
        let (iovecs, too_many) = iovec_array(bufs.len());
        Writev { fd: fd.shared_fd(), bufs, iovecs, offset, too_many }
    }
}

// SAFETY: as for Readv; the kernel only reads the buffers.
unsafe impl<B: IoBuf> Operation for Writev<B> {
    type Output = (io::Result<usize>, Vec<B>);

    fn prepare(&mut self) -> io_uring_sqe {
        self.iovecs.clear();
        for b in &self.bufs {
            self.iovecs.push(libc::iovec { iov_base: b.stable_ptr() as *mut _, iov_len: b.bytes_init() });
        }
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_WRITEV;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.iovecs.as_ptr() as u64);
        sqe.len = self.iovecs.len().min(IOV_MAX) as u32;
        sqe.set_off(self.offset);
        sqe
    }

    fn refuse(&self, _ring: crate::raw::ring_id::RingId) -> Option<i32> {
        refusal(&self.too_many)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        if let Some(e) = self.too_many {
            return (Err(e.into()), self.bufs);
        }
        (res(&result).map(|n| n as usize), self.bufs)
    }
}

/// Checks a vectored request's buffer count before its iovec array is
/// allocated: more than [`IOV_MAX`] is refused (the kernel would answer
/// `EINVAL`), and nothing is allocated for it.
fn iovec_array(count: usize) -> (Vec<libc::iovec>, Option<Error>) {
    if count > IOV_MAX {
        return (Vec::new(), Some(Error::TooLong { what: "iovec count", len: count, max: IOV_MAX }));
    }
    (Vec::with_capacity(count), None)
}

/// The refusal errno of an operation with too many buffers.
fn refusal(too_many: &Option<Error>) -> Option<i32> {
    too_many.as_ref().map(|e| e.errno().map_or(libc::EINVAL, |e| e.raw()))
}

/// # Reading and writing
///
impl<K: Kernel> Driver<K> {
    /// Reads into `buf` from `fd` at `offset` (`IORING_OP_READ`, 5.6).
    /// Resolves to the byte count and the buffer, whose first `n` bytes
    /// are then initialised.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
    /// let (n, buf) = rt.block_on(d.read_at(&file, Vec::with_capacity(512), 0))?;
    /// assert_eq!(n?, buf.len());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read_at<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B, offset: u64) -> Op<Read<B>, K> {
        self.op(Read::new(fd, buf, offset))
    }

    /// Reads at the file's current position, advancing it.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// std::io::Write::write_all(&mut &tx, b"ping")?;
    /// let (n, buf) = rt.block_on(d.read(&std::rc::Rc::new(rx), Vec::with_capacity(16)))?;
    /// assert_eq!(&buf[..n?], b"ping");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B) -> Op<Read<B>, K> {
        self.op(Read::new(fd, buf, CURRENT_POSITION))
    }

    /// Writes the initialised bytes of `buf` to `fd` at `offset`
    /// (`IORING_OP_WRITE`, 5.6).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(tempfile()?);
    /// let (n, _buf) = rt.block_on(d.write_at(&file, b"hello".to_vec(), 0))?;
    /// assert_eq!(n?, 5);
    /// # fn tempfile() -> std::io::Result<std::fs::File> {
    /// #     let p = std::env::temp_dir().join(format!("ring-doc-write-at-{}", std::process::id()));
    /// #     let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&p)?;
    /// #     std::fs::remove_file(p)?;
    /// #     Ok(f)
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_at<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B, offset: u64) -> Op<Write<B>, K> {
        self.op(Write::new(fd, buf, offset))
    }

    /// Writes at the file's current position, advancing it.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// let (n, _buf) = rt.block_on(d.write(&std::rc::Rc::new(tx), b"pong"))?;
    /// assert_eq!(n?, 4);
    /// # drop(rx);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B) -> Op<Write<B>, K> {
        self.op(Write::new(fd, buf, CURRENT_POSITION))
    }

    /// Scatter read into `bufs` (`IORING_OP_READV`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
    /// let bufs = vec![Vec::with_capacity(4), Vec::with_capacity(64)];
    /// let (n, bufs) = rt.block_on(d.readv_at(&file, bufs, 0))?;
    /// assert_eq!(n?, bufs[0].len() + bufs[1].len());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn readv_at<B: IoBufMut>(&self, fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Op<Readv<B>, K> {
        self.op(Readv::new(fd, bufs, offset))
    }

    /// Gather write from `bufs` (`IORING_OP_WRITEV`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// let (n, _) = rt.block_on(d.writev_at(&std::rc::Rc::new(tx), vec![b"ab".to_vec(), b"cd".to_vec()], ring_core::ops::CURRENT_POSITION))?;
    /// assert_eq!(n?, 4);
    /// # drop(rx);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn writev_at<B: IoBuf>(&self, fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Op<Writev<B>, K> {
        self.op(Writev::new(fd, bufs, offset))
    }
}
