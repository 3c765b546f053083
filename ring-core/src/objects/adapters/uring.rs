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
//! The operation in flight is kept **in the `Uring`** (its engine is the
//! one behind the crate's poll-based I/O, [`crate::objects::io`]), not in the
//! `async fn`'s future. So when a `read` or `write` future is dropped
//! mid-flight (a timeout, a `select!`), nothing is cancelled and nothing
//! is lost: the operation stays in flight with the buffer, and the next
//! call in the same direction first awaits it. A read completed that way
//! keeps its bytes in the internal buffer, and later reads return them
//! first, so a stream's data is neither lost nor reordered. A read fills
//! as much of the internal buffer as the object gives at once, and the
//! bytes the caller's slice had no room for wait for the next read. A
//! write whose future was dropped completes in the background before the
//! next write starts, and a failure of it is returned by that next write
//! (or flush).
//!
//! `Uring` also implements [`PollRead`], [`PollBufRead`](crate::objects::io::PollBufRead)
//! and [`PollWrite`] (and, with the `futures-io` or `tokio` features, the
//! ecosystem's traits), where `poll_write` returns once the write is
//! queued; see [`crate::objects::io`].
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

use crate::kernel::{Kernel, Linux};
use crate::objects::io::engine::{Access, PollIo, Target};
use crate::objects::io::traits::{engine_traits, HasEngine};
use crate::objects::io::{PollRead, PollWrite};
use crate::ownership::driver::Driver;
use crate::ownership::shared_fd::SharedFd;
use core::future::poll_fn;
use std::io;
use std::os::fd::AsFd;
use std::rc::Rc;

pub use crate::objects::io::engine::DEFAULT_BUFFER;

/// An I/O object whose reads and writes go through the ring, copying
/// through internal owned buffers; see the [module docs](self).
///
/// ```
/// use ring_core::adapters::Uring;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let (mut a, mut b) = (Uring::new(rt.driver(), a), Uring::new(rt.driver(), b));
/// rt.block_on(async {
///     a.write_all(b"over the ring").await?;
///     let mut got = [0u8; 13];
///     b.read_exact(&mut got).await?;
///     assert_eq!(&got, b"over the ring");
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Uring<T: AsFd + 'static, K: Kernel = Linux> {
    driver: Driver<K>,
    io: Rc<T>,
    /// The object's descriptor, sharing `io`: each operation holds a clone.
    fd: SharedFd,
    engine: PollIo<K>,
}

impl<T: AsFd + 'static, K: Kernel> core::fmt::Debug for Uring<T, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Uring")
            .field("fd", &self.fd.raw())
            .field("buffered", &self.buffered())
            .field("reading", &self.engine.is_reading())
            .field("writing", &self.engine.is_writing())
            .finish()
    }
}

impl<T: AsFd + 'static, K: Kernel> HasEngine<K> for Uring<T, K> {
    fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>) {
        (&mut self.engine, Target { fd: &self.fd, driver: &self.driver })
    }
}

impl<T: AsFd + 'static, K: Kernel> Uring<T, K> {
    /// Wraps `io`, with internal buffers of [`DEFAULT_BUFFER`] bytes.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(driver: &Driver<K>, io: T) -> Self {
        Self::with_capacity(driver, io, DEFAULT_BUFFER)
    }

    /// Wraps `io`, with internal buffers of `capacity` bytes (at least 1,
    /// at most [`MAX_RW_COUNT`](crate::ownership::ops::MAX_RW_COUNT), the most one
    /// read or write transfers): the most one `read` or `write` transfers.
    /// The buffers are allocated when first used, without aborting: a read
    /// or write whose buffer the allocator refuses fails with
    /// [`crate::Error::OutOfMemory`].
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let f = ring_core::adapters::Uring::with_capacity(rt.driver(), std::io::stdin(), 4096);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_capacity(driver: &Driver<K>, io: T, capacity: usize) -> Self {
        let io = Rc::new(io);
        Uring {
            driver: driver.clone(),
            fd: SharedFd::from(io.clone()),
            io,
            engine: PollIo::new(Access::Stream, capacity),
        }
    }

    /// The wrapped object.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// assert!(f.get_ref().metadata()?.is_file());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.io
    }

    /// Bytes read by the kernel and not yet returned by a read.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// assert_eq!(f.buffered(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn buffered(&self) -> usize {
        self.engine.buffered()
    }

    /// Whether a read or a write is still in flight (a read started by a
    /// call whose future was dropped, or a write queued and not flushed).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// assert!(!f.has_pending());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn has_pending(&self) -> bool {
        self.engine.is_reading() || self.engine.is_writing()
    }

    /// Reads up to `buf.len()` bytes. Returns 0 at end of file, or if `buf`
    /// is empty. Bytes buffered from an earlier read (one whose future was
    /// dropped, or that read more than was asked for) come first.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let mut f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// let mut buf = [0u8; 64];
    /// let n = rt.block_on(f.read(&mut buf))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read(cx, buf)).await
    }

    /// Reads exactly `buf.len()` bytes; fails with `UnexpectedEof` if the
    /// stream ends first.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let mut f = ring_core::adapters::Uring::new(rt.driver(), std::fs::File::open("/etc/hostname")?);
    /// let mut first = [0u8; 1];
    /// rt.block_on(f.read_exact(&mut first))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => buf = &mut buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Writes up to `buf.len()` bytes (at most the internal buffer's
    /// capacity) and returns how many, once the kernel has written them
    /// all (a short write is continued). A write left queued by a call
    /// whose future was dropped is finished first, and its failure, if
    /// any, is returned here.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let mut out = ring_core::adapters::Uring::new(rt.driver(), std::io::stdout());
    /// let n = rt.block_on(out.write(b"hello\n"))??;
    /// assert_eq!(n, 6);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = poll_fn(|cx| self.poll_write(cx, buf)).await?;
        poll_fn(|cx| self.poll_flush(cx)).await?;
        Ok(n)
    }

    /// Writes all of `buf`; fails with `WriteZero` if the object accepts
    /// no more bytes.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let mut out = ring_core::adapters::Uring::new(rt.driver(), std::io::stdout());
    /// rt.block_on(out.write_all(b"all of it\n"))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn write_all(&mut self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            // Queued one after another; each waits for the one before it.
            match poll_fn(|cx| self.poll_write(cx, buf)).await {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => buf = &buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        poll_fn(|cx| self.poll_flush(cx)).await
    }
}

engine_traits!([T: AsFd + 'static, K: Kernel] Uring<T, K>);
