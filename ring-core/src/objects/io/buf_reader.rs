//! [`BufReader`]: `std::io::BufReader`'s helpers (lines, delimited reads,
//! exact reads, read to end) over an object that already reads into its
//! own owned buffer.

use super::limit::limit_exceeded;
use super::{PollBufRead, PollRead};
use crate::error::Error;
use core::future::poll_fn;
use core::task::{ready, Context, Poll, Waker};
use std::io;

/// A buffered reader with `std`'s helpers, over any [`PollBufRead`]: a
/// [`File`](crate::objects::fs::File), a [`TcpStream`](crate::objects::net::TcpStream), a
/// [`UnixStream`](crate::objects::net::UnixStream) or a [`Uring`](crate::objects::adapters::Uring).
///
/// Those objects already read ahead into their own owned buffer (the
/// kernel fills it while the driver's table owns it), so `BufReader` keeps
/// no second buffer and copies nothing more: it adds the helpers. Set the
/// read-ahead size on the object (`set_buffer_capacity`).
///
/// Every helper is safe to cancel: a future dropped mid-way leaves each
/// byte it had not returned in the reader (or, for
/// [`read_until`](Self::read_until), already appended to the caller's
/// vector), so the next call goes on where it stopped.
///
/// ```
/// use ring_core::io::BufReader;
/// use ring_core::net::UnixStream;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (a, b) = UnixStream::pair(rt.driver())?;
/// rt.block_on(async {
///     b.write_all(b"first\nsecond\n").await.0?;
///     drop(b);
///     let mut lines = BufReader::new(a).lines();
///     assert_eq!(lines.next_line().await?.as_deref(), Some("first"));
///     assert_eq!(lines.next_line().await?.as_deref(), Some("second"));
///     assert_eq!(lines.next_line().await?, None);
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct BufReader<R> {
    inner: R,
    /// The bytes of a line whose `read_line` future was dropped before the
    /// line was complete (a line is only handed out whole and as UTF-8).
    partial: Vec<u8>,
}

impl<R: PollBufRead> BufReader<R> {
    /// Wraps `inner`.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver();
    /// let (a, _b) = ring_core::net::UnixStream::pair(d)?;
    /// let reader = ring_core::io::BufReader::new(a);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: R) -> Self {
        BufReader { inner, partial: Vec::new() }
    }

    /// The wrapped object.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// let reader = ring_core::io::BufReader::new(a);
    /// let _stream: &ring_core::net::UnixStream = reader.get_ref();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The wrapped object, mutably (reading through it directly skips
    /// the bytes of an unfinished line this reader holds).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// let mut reader = ring_core::io::BufReader::new(a);
    /// reader.get_mut().set_buffer_capacity(4096);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The wrapped object. Bytes it read ahead stay in it; the bytes of an
    /// unfinished line (a dropped [`read_line`](Self::read_line)) are lost.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// let (a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// let a = ring_core::io::BufReader::new(a).into_inner();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The buffered bytes, reading more if there are none; empty at end of
    /// file. Mark what you used with [`consume`](Self::consume).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"abc").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let n = r.fill_buf().await?.len();
    /// r.consume(n);
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let n = poll_fn(|cx| PollBufRead::poll_fill_buf(self, cx).map_ok(<[u8]>::len)).await?;
        if n == 0 {
            return Ok(&[]);
        }
        // The bytes are buffered now, so this second call does no I/O and is
        // ready at once; it only hands out the borrow (which the first
        // call, made inside a closure, could not return).
        match PollBufRead::poll_fill_buf(self, &mut Context::from_waker(Waker::noop())) {
            Poll::Ready(r) => r,
            Poll::Pending => Ok(&[]),
        }
    }

    /// Marks `amt` bytes of the last [`fill_buf`](Self::fill_buf) as read.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"abc").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// assert_eq!(r.fill_buf().await?[0], b'a');
    /// r.consume(1);
    /// assert_eq!(r.fill_buf().await?, b"bc");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn consume(&mut self, amt: usize) {
        PollBufRead::consume(self, amt)
    }

    /// Reads up to `buf.len()` bytes; 0 at end of file.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"abc").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let mut buf = [0u8; 8];
    /// let n = r.read(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"abc");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        poll_fn(|cx| PollRead::poll_read(self, cx, buf)).await
    }

    /// Fills `buf` exactly, or fails with `UnexpectedEof` (the bytes read
    /// so far are in `buf`'s prefix and consumed).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"abcd").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let mut four = [0u8; 4];
    /// r.read_exact(&mut four).await?;
    /// assert_eq!(&four, b"abcd");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_exact(&mut self, mut buf: &mut [u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read(buf).await {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                // `read` is this reader's own `poll_read`, which refuses a
                // count past the buffer (`checked_count`).
                Ok(n) => buf = &mut buf[n..],
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Appends bytes up to and including `byte` (or to end of file) to
    /// `buf`; returns how many. A dropped future keeps what it appended.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"key=value").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let mut key = Vec::new();
    /// r.read_until(b'=', &mut key).await?;
    /// assert_eq!(key, b"key=");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_until(&mut self, byte: u8, buf: &mut Vec<u8>) -> io::Result<usize> {
        let mut n = 0;
        poll_fn(|cx| self.poll_until(cx, byte, buf, &mut n)).await?;
        Ok(n)
    }

    /// Appends one line, its `\n` included, to `buf`; returns its length
    /// in bytes, 0 at end of file. A line that is not UTF-8 fails with
    /// `InvalidData` (it is consumed, and nothing is appended). A dropped
    /// future keeps the line's bytes in the reader for the next call.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"GET / HTTP/1.1\r\n").await.0?;
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let mut line = String::new();
    /// r.read_line(&mut line).await?;
    /// assert_eq!(line, "GET / HTTP/1.1\r\n");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_line(&mut self, buf: &mut String) -> io::Result<usize> {
        poll_fn(|cx| self.poll_read_line(cx, buf)).await
    }

    /// Reads to end of file, appending to `buf`, but no more than `limit`
    /// bytes: a longer stream fails with [`LimitExceeded`](super::LimitExceeded)
    /// (kind `FileTooLarge`), the first `limit` bytes appended. The buffer
    /// grows only as bytes arrive, and never past the limit.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"all of it").await.0?;
    /// # drop(b);
    /// let mut r = ring_core::io::BufReader::new(a);
    /// let mut all = Vec::new();
    /// r.read_to_end(&mut all, 1 << 20).await?;
    /// assert_eq!(all, b"all of it");
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_to_end(&mut self, buf: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
        let mut n = 0;
        poll_fn(|cx| self.poll_to_end(cx, buf, &mut n, limit)).await?;
        Ok(n)
    }

    /// The lines, as a stream without their `\n` (or `\r\n`).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"one\r\ntwo").await.0?;
    /// # drop(b);
    /// let mut lines = ring_core::io::BufReader::new(a).lines();
    /// while let Some(line) = lines.next_line().await? {
    ///     println!("{line}");
    /// }
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn lines(self) -> Lines<R> {
        Lines { reader: self, line: String::new() }
    }

    /// Moves bytes up to and including `byte` into `out`, counting them in
    /// `n`; ends at the delimiter or at end of file.
    fn poll_until(&mut self, cx: &mut Context<'_>, byte: u8, out: &mut Vec<u8>, n: &mut usize) -> Poll<io::Result<()>> {
        loop {
            let avail = match ready!(<Self as PollBufRead>::poll_fill_buf(self, cx)) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if avail.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let (take, done) = match avail.iter().position(|&b| b == byte) {
                Some(i) => (i + 1, true),
                None => (avail.len(), false),
            };
            if out.try_reserve(take).is_err() {
                return Poll::Ready(Err(Error::OutOfMemory { what: "line", bytes: take }.into()));
            }
            out.extend_from_slice(&avail[..take]);
            <Self as PollBufRead>::consume(self, take);
            *n += take;
            if done {
                return Poll::Ready(Ok(()));
            }
        }
    }

    fn poll_to_end(
        &mut self,
        cx: &mut Context<'_>,
        out: &mut Vec<u8>,
        n: &mut usize,
        limit: usize,
    ) -> Poll<io::Result<()>> {
        loop {
            let avail = match ready!(<Self as PollBufRead>::poll_fill_buf(self, cx)) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Poll::Ready(Err(e)),
            };
            if avail.is_empty() {
                return Poll::Ready(Ok(()));
            }
            let (len, take) = (avail.len(), avail.len().min(limit - *n));
            if out.try_reserve(take).is_err() {
                return Poll::Ready(Err(Error::OutOfMemory { what: "read_to_end buffer", bytes: take }.into()));
            }
            out.extend_from_slice(&avail[..take]);
            <Self as PollBufRead>::consume(self, take);
            *n += take;
            if take < len {
                return Poll::Ready(Err(limit_exceeded(limit)));
            }
        }
    }

    fn poll_read_line(&mut self, cx: &mut Context<'_>, buf: &mut String) -> Poll<io::Result<usize>> {
        let mut partial = core::mem::take(&mut self.partial);
        let mut n = partial.len();
        let r = self.poll_until(cx, b'\n', &mut partial, &mut n);
        match r {
            Poll::Pending => {
                self.partial = partial;
                Poll::Pending
            }
            Poll::Ready(Err(e)) => {
                self.partial = partial;
                Poll::Ready(Err(e))
            }
            Poll::Ready(Ok(())) => match String::from_utf8(partial) {
                Ok(line) => {
                    if buf.try_reserve(line.len()).is_err() {
                        return Poll::Ready(Err(Error::OutOfMemory { what: "line", bytes: line.len() }.into()));
                    }
                    buf.push_str(&line);
                    Poll::Ready(Ok(line.len()))
                }
                Err(_) => Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, "a line is not valid UTF-8"))),
            },
        }
    }
}

impl<R: PollBufRead> PollRead for BufReader<R> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        if !self.partial.is_empty() {
            // The start of an unfinished line comes first.
            let n = self.partial.len().min(buf.len());
            buf[..n].copy_from_slice(&self.partial[..n]);
            self.partial.drain(..n);
            return Poll::Ready(Ok(n));
        }
        let len = buf.len();
        // The inner reader may be any type: a count past the buffer is
        // refused, not passed on to callers that slice by it.
        self.inner.poll_read(cx, buf).map(|r| r.and_then(|n| super::traits::checked_count(n, len, "reader")))
    }
}

impl<R: PollBufRead> PollBufRead for BufReader<R> {
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        if !self.partial.is_empty() {
            return Poll::Ready(Ok(&self.partial));
        }
        self.inner.poll_fill_buf(cx)
    }

    fn consume(&mut self, amt: usize) {
        if !self.partial.is_empty() {
            let n = amt.min(self.partial.len());
            self.partial.drain(..n);
            return;
        }
        self.inner.consume(amt)
    }
}

/// The lines of a [`BufReader`], from [`BufReader::lines`]: each without
/// its line ending. With the `futures-core` feature it is also a `Stream`
/// of `io::Result<String>`.
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
/// # rt.block_on(async {
/// # b.write_all(b"x\ny\n").await.0?;
/// # drop(b);
/// let mut lines = ring_core::io::BufReader::new(a).lines();
/// let mut all = Vec::new();
/// while let Some(l) = lines.next_line().await? {
///     all.push(l);
/// }
/// assert_eq!(all, ["x", "y"]);
/// # Ok::<_, std::io::Error>(()) })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Lines<R> {
    reader: BufReader<R>,
    line: String,
}

impl<R: PollBufRead> Lines<R> {
    /// The next line, or `None` at end of file. A dropped future loses
    /// nothing: the line's bytes wait in the reader.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"only\n").await.0?;
    /// let mut lines = ring_core::io::BufReader::new(a).lines();
    /// assert_eq!(lines.next_line().await?.as_deref(), Some("only"));
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn next_line(&mut self) -> io::Result<Option<String>> {
        poll_fn(|cx| self.poll_next_line(cx)).await
    }

    /// Polls for the next line (`Ready(Ok(None))` at end of file).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// # rt.block_on(async {
    /// # b.write_all(b"only\n").await.0?;
    /// let mut lines = ring_core::io::BufReader::new(a).lines();
    /// let line = std::future::poll_fn(|cx| lines.poll_next_line(cx)).await?;
    /// assert_eq!(line.as_deref(), Some("only"));
    /// # Ok::<_, std::io::Error>(()) })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_next_line(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Option<String>>> {
        let n = ready!(self.reader.poll_read_line(cx, &mut self.line))?;
        if n == 0 && self.line.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = core::mem::take(&mut self.line);
        if line.ends_with('\n') {
            line.pop();
            if line.ends_with('\r') {
                line.pop();
            }
        }
        Poll::Ready(Ok(Some(line)))
    }

    /// The reader back.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let (a, _b) = ring_core::net::UnixStream::pair(rt.driver())?;
    /// let lines = ring_core::io::BufReader::new(a).lines();
    /// let reader = lines.into_inner();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> BufReader<R> {
        self.reader
    }
}
