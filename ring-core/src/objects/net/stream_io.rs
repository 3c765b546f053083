//! The stream sockets' std-like helpers (`read_exact`, `read_to_end` with a
//! limit) and their poll-based engine (see [`crate::objects::io`]).

use super::{Sock, TcpStream, UnixStream};
use crate::kernel::Kernel;
use crate::objects::io::engine::{PollIo, Target, DEFAULT_BUFFER};
use crate::objects::io::traits::{engine_traits, HasEngine};
use crate::ownership::buf::IoBufMut;
use std::io;

impl<K: Kernel> Sock<K> {
    pub(crate) async fn read_exact<B: IoBufMut>(&self, buf: B) -> (io::Result<()>, B) {
        let total = buf.bytes_total();
        let mut filled = 0;
        let mut buf = buf;
        while filled < total {
            let (r, slice) = self.recv(buf.slice(filled..)).await;
            buf = slice.into_inner();
            match r {
                Ok(0) => return (Err(io::ErrorKind::UnexpectedEof.into()), buf),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    pub(crate) async fn read_to_end(&self, buf: Vec<u8>, limit: usize) -> (io::Result<usize>, Vec<u8>) {
        crate::objects::io::read_to_end_owned(buf, limit, |slice, _| self.recv(slice)).await
    }

    pub(crate) fn set_buffer_capacity(&mut self, capacity: usize) {
        self.engine().0.set_capacity(capacity);
    }

    pub(crate) fn buffer_capacity(&self) -> usize {
        self.poll.as_ref().map_or(DEFAULT_BUFFER, |p| p.capacity())
    }
}

impl<K: Kernel> HasEngine<K> for TcpStream<K> {
    fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>) {
        self.inner.engine()
    }
}

impl<K: Kernel> HasEngine<K> for UnixStream<K> {
    fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>) {
        self.inner.engine()
    }
}

impl<K: Kernel> TcpStream<K> {
    /// Fills all of `buf`'s capacity, or fails with `UnexpectedEof` if the
    /// peer closes first; the buffer comes back either way (with the bytes
    /// that did arrive).
    ///
    /// ```no_run
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// # rt.block_on(async {
    /// let stream = ring_core::net::TcpStream::connect(&d, "127.0.0.1:7000").await?;
    /// let (r, header) = stream.read_exact(Vec::with_capacity(16)).await;
    /// r?;
    /// assert_eq!(header.len(), 16);
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_exact<B: IoBufMut>(&self, buf: B) -> (io::Result<()>, B) {
        self.inner.read_exact(buf).await
    }

    /// Reads until the peer closes its side, appending to `buf`, but at
    /// most `limit` bytes: a longer stream fails with
    /// [`LimitExceeded`](crate::objects::io::LimitExceeded) (kind `FileTooLarge`),
    /// the first `limit` bytes in the buffer. The buffer grows as bytes
    /// arrive, never past `limit` (plus one byte, to tell a longer stream
    /// from one of exactly `limit` bytes).
    ///
    /// ```no_run
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// # rt.block_on(async {
    /// let stream = ring_core::net::TcpStream::connect(&d, "127.0.0.1:7000").await?;
    /// let (n, body) = stream.read_to_end(Vec::new(), 1 << 20).await;
    /// println!("{} bytes", n?);
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_to_end(&self, buf: Vec<u8>, limit: usize) -> (io::Result<usize>, Vec<u8>) {
        self.inner.read_to_end(buf, limit).await
    }

    /// Sets the size of each of the poll-based reader's and writer's
    /// internal buffers ([`crate::objects::io`]): the most one read or write through
    /// them transfers. Applies to buffers allocated from now on; clamped to
    /// 1 byte .. [`MAX_RW_COUNT`](crate::ownership::ops::MAX_RW_COUNT). The default is [`DEFAULT_BUFFER`](DEFAULT_BUFFER).
    ///
    /// ```no_run
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// # rt.block_on(async {
    /// let mut stream = ring_core::net::TcpStream::connect(&d, "127.0.0.1:7000").await?;
    /// stream.set_buffer_capacity(16 * 1024);
    /// assert_eq!(stream.buffer_capacity(), 16 * 1024);
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_buffer_capacity(&mut self, capacity: usize) {
        self.inner.set_buffer_capacity(capacity)
    }

    /// The size of the poll-based reader's and writer's internal buffers.
    ///
    /// ```no_run
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// # rt.block_on(async {
    /// let stream = ring_core::net::TcpStream::connect(&d, "127.0.0.1:7000").await?;
    /// assert_eq!(stream.buffer_capacity(), ring_core::adapters::DEFAULT_BUFFER);
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        self.inner.buffer_capacity()
    }
}

impl<K: Kernel> UnixStream<K> {
    /// Fills all of `buf`'s capacity, or fails with `UnexpectedEof` if the
    /// peer closes first; the buffer comes back either way.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// rt.block_on(async {
    ///     b.write_all(b"exactly").await.0?;
    ///     let (r, buf) = a.read_exact(Vec::with_capacity(7)).await;
    ///     r?;
    ///     assert_eq!(buf, b"exactly");
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_exact<B: IoBufMut>(&self, buf: B) -> (io::Result<()>, B) {
        self.inner.read_exact(buf).await
    }

    /// Reads until the peer closes its side, appending to `buf`, but at
    /// most `limit` bytes (see [`TcpStream::read_to_end`]).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// rt.block_on(async {
    ///     b.write_all(b"everything").await.0?;
    ///     drop(b);
    ///     let (n, all) = a.read_to_end(Vec::new(), 1024).await;
    ///     assert_eq!(n?, 10);
    ///     assert_eq!(all, b"everything");
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_to_end(&self, buf: Vec<u8>, limit: usize) -> (io::Result<usize>, Vec<u8>) {
        self.inner.read_to_end(buf, limit).await
    }

    /// Sets the size of the poll-based reader's and writer's internal
    /// buffers (see [`TcpStream::set_buffer_capacity`]).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (mut a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// a.set_buffer_capacity(4096);
    /// assert_eq!(a.buffer_capacity(), 4096);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_buffer_capacity(&mut self, capacity: usize) {
        self.inner.set_buffer_capacity(capacity)
    }

    /// The size of the poll-based reader's and writer's internal buffers.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// assert_eq!(a.buffer_capacity(), ring_core::adapters::DEFAULT_BUFFER);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        self.inner.buffer_capacity()
    }
}

engine_traits!([K: Kernel] TcpStream<K>);
engine_traits!([K: Kernel] UnixStream<K>);
