//! [`Uring`]: any std I/O object (file, socket, pipe) behind an
//! `async fn read(&mut self, &mut [u8])` / `async fn write(&mut self, &[u8])`
//! interface, in the style of ringbahn's `Ring`.
//!
//! # Why borrowed slices are safe here
//!
//! The kernel never sees the caller's slice. Each direction has an
//! internal, owned buffer (`Vec<u8>`); a read hands that buffer to a read
//! operation *by value*, and only after the operation's completion has
//! been seen are the bytes copied out into the caller's slice; a write
//! copies the caller's bytes into the internal buffer first and then hands
//! the buffer over. While the kernel may touch it, the buffer is owned by
//! the operation, which lives in the driver's table (see
//! `docs/ownership.md`), so the kernel only ever reads or writes memory
//! that nothing in Rust can reach.
//!
//! The operation future ([`Op`]) is kept **in the `Uring`**, not in the
//! `async fn`'s future. So when a `read` or `write` future is dropped
//! mid-flight (a timeout, a `select!`), nothing is cancelled and nothing
//! is lost: the operation stays in flight with the buffer, and the next
//! call in the same direction first awaits it. A read completed that way
//! keeps its bytes in the internal buffer, and later reads return them
//! first, so a stream's data is neither lost nor reordered. A write whose
//! future was dropped completes in the background before the next write
//! starts; its outcome is discarded (as with any cancelled write, the
//! caller cannot know whether it happened).
//!
//! If the `Uring` itself is dropped with an operation in flight, that
//! operation is orphaned: the driver cancels it and keeps its buffer, and
//! the I/O object (the operation holds a [`SharedFd`] sharing the `Uring`'s
//! `Rc` of it), until the kernel's completion, so the descriptor is not
//! closed and reused under it.
//!
//! Reads and writes are independent (one of each may be pending), so a
//! read abandoned on a quiet socket does not block the next write. On a
//! seekable file both use the file position (`-1` offset), so mixing an
//! abandoned operation of one direction with a new one of the other has
//! the ordering of two concurrent `read(2)`/`write(2)` calls.

use crate::buf::{IoBuf, Slice};
use crate::driver::Driver;
use crate::kernel::{Kernel, Linux};
use crate::op::Op;
use crate::ops::{Read, Write, CURRENT_POSITION, MAX_RW_COUNT};
use crate::shared_fd::SharedFd;
use core::future::poll_fn;
use core::pin::Pin;
use std::future::Future;
use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;

/// The default size of each internal buffer: the most one call transfers.
pub const DEFAULT_BUFFER: usize = 64 * 1024;

type ReadOp<K> = Op<Read<Slice<Vec<u8>>>, K>;
type WriteOp<K> = Op<Write<Vec<u8>>, K>;

/// An I/O object whose reads and writes go through the ring, copying
/// through internal owned buffers; see the [module docs](self).
pub struct Uring<T: AsFd + 'static, K: Kernel = Linux> {
    driver: Driver<K>,
    io: Rc<T>,
    /// The object's descriptor, sharing `io`: each operation holds a clone.
    fd: SharedFd,
    capacity: usize,
    /// The read buffer while no operation holds it; bytes `pos..len()`
    /// were read by the kernel and not handed out yet.
    rbuf: Option<Vec<u8>>,
    pos: usize,
    reading: Option<ReadOp<K>>,
    /// The write buffer while no operation holds it.
    wbuf: Option<Vec<u8>>,
    writing: Option<WriteOp<K>>,
}

impl<T: AsFd + 'static, K: Kernel> core::fmt::Debug for Uring<T, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Uring")
            .field("fd", &self.fd.raw())
            .field("buffered", &self.buffered())
            .field("reading", &self.reading.is_some())
            .field("writing", &self.writing.is_some())
            .finish()
    }
}

impl<T: AsFd + 'static, K: Kernel> Uring<T, K> {
    /// Wraps `io`, with internal buffers of [`DEFAULT_BUFFER`] bytes.
    pub fn new(driver: &Driver<K>, io: T) -> Self {
        Self::with_capacity(driver, io, DEFAULT_BUFFER)
    }

    /// Wraps `io`, with internal buffers of `capacity` bytes (at least 1,
    /// at most [`MAX_RW_COUNT`], the most one read or write transfers):
    /// the most one `read` or `write` transfers. The buffers are allocated
    /// when first used, without aborting: a `read` or `write` whose buffer
    /// the allocator refuses fails with [`crate::Error::OutOfMemory`].
    pub fn with_capacity(driver: &Driver<K>, io: T, capacity: usize) -> Self {
        let io = Rc::new(io);
        Uring {
            driver: driver.clone(),
            fd: SharedFd::from(io.clone()),
            io,
            capacity: capacity.clamp(1, MAX_RW_COUNT),
            rbuf: None,
            pos: 0,
            reading: None,
            wbuf: None,
            writing: None,
        }
    }

    /// The wrapped object.
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// Bytes read by the kernel (for a read whose future was dropped) and
    /// not yet returned by [`read`](Self::read).
    pub fn buffered(&self) -> usize {
        self.rbuf.as_ref().map_or(0, |b| b.len() - self.pos)
    }

    /// Whether a read or a write is still in flight (started by a call
    /// whose future was dropped).
    pub fn has_pending(&self) -> bool {
        self.reading.is_some() || self.writing.is_some()
    }

    /// Reads up to `buf.len()` bytes (and at most the internal buffer's
    /// capacity). Returns 0 at end of file, or if `buf` is empty. Bytes
    /// buffered from a read whose future was dropped come first.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.buffered() == 0 && self.reading.is_none() {
            if buf.is_empty() {
                return Ok(0);
            }
            self.start_read(buf.len())?;
        }
        if self.reading.is_some() {
            // Our own read, or one a dropped call started: either way its
            // bytes are the next in the stream.
            let n = self.finish_read().await?;
            if n == 0 {
                return Ok(0);
            }
        }
        let src = self.rbuf.as_ref().expect("a completed read left its buffer");
        let n = buf.len().min(src.len() - self.pos);
        buf[..n].copy_from_slice(&src[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }

    /// Reads exactly `buf.len()` bytes; fails with `UnexpectedEof` if the
    /// stream ends first.
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes up to `buf.len()` bytes (at most the internal buffer's
    /// capacity) and returns how many were written. A write left in flight
    /// by a dropped call is awaited first (its outcome is discarded).
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.writing.is_some() {
            let _ = self.finish_write().await;
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let mut w = self.wbuf.take().unwrap_or_default();
        w.clear();
        let n = buf.len().min(self.capacity);
        if w.try_reserve_exact(n).is_err() {
            return Err(crate::Error::OutOfMemory { what: "write buffer", bytes: n }.into());
        }
        w.extend_from_slice(&buf[..n]);
        self.writing = Some(self.driver.op(Write::new(&self.fd, w, CURRENT_POSITION)));
        self.finish_write().await
    }

    /// Writes all of `buf`; fails with `WriteZero` if the object accepts
    /// no more bytes.
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Starts a read of up to `want` bytes into the internal buffer (a
    /// fresh one if the previous one is still with an operation, which
    /// cannot happen while `reading` is `None`, but costs nothing to
    /// handle).
    fn start_read(&mut self, want: usize) -> io::Result<()> {
        let mut b = match self.rbuf.take() {
            Some(b) => b,
            None => crate::Error::try_vec("read buffer", self.capacity)?,
        };
        b.clear();
        self.pos = 0;
        let want = want.min(b.capacity());
        self.reading = Some(self.driver.op(Read::new(&self.fd, b.slice(0..want), CURRENT_POSITION)));
        Ok(())
    }

    /// Awaits the read in flight; its bytes become the buffered bytes.
    /// If this future is dropped, the operation stays in `self.reading`.
    async fn finish_read(&mut self) -> io::Result<usize> {
        let (r, b) = poll_fn(|cx| {
            let op = self.reading.as_mut().expect("a read is in flight");
            Pin::new(op).poll(cx)
        })
        .await;
        self.reading = None;
        let mut b = b.into_inner();
        if r.is_err() {
            b.clear();
        }
        self.rbuf = Some(b);
        self.pos = 0;
        r
    }

    /// Awaits the write in flight and takes its buffer back. If this future
    /// is dropped, the operation stays in `self.writing`.
    async fn finish_write(&mut self) -> io::Result<usize> {
        let (r, b) = poll_fn(|cx| {
            let op = self.writing.as_mut().expect("a write is in flight");
            Pin::new(op).poll(cx)
        })
        .await;
        self.writing = None;
        debug_assert!(b.bytes_init() <= self.capacity);
        self.wbuf = Some(b);
        r
    }
}
