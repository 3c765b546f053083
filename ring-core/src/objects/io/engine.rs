//! The state machine behind every poll-based reader and writer in the
//! crate ([`File`](crate::objects::fs::File), [`TcpStream`](crate::objects::net::TcpStream),
//! [`UnixStream`](crate::objects::net::UnixStream), [`Uring`](crate::objects::adapters::Uring)).
//!
//! It owns one read buffer and one write buffer. While the kernel may use a
//! buffer, the buffer is inside an [`Op`] whose value the driver's table
//! owns; the engine keeps only the `Op` handle. So a reader that is dropped
//! orphans its operations (the driver cancels them and frees each buffer
//! after its terminal completion), and a reader that is forgotten leaks
//! them: neither lets the kernel write into memory Rust reuses.
//!
//! Poll methods never leave the engine in a state a later call cannot
//! handle: an operation is taken out of its slot only once it has
//! completed, so a panic inside a poll (a waker's `clone`, say) leaves the
//! operation where the next poll finds it.

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, Slice};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Read, Recv, Send, Shutdown, Statx, Write, CURRENT_POSITION};
use crate::ownership::shared_fd::{At, SharedFd};
use core::future::Future;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::ffi::CString;
use std::io::{self, SeekFrom};

/// The default size of each internal buffer: the most one call transfers.
pub const DEFAULT_BUFFER: usize = 64 * 1024;

/// How the object addresses its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// A connected stream socket: `recv`, `send` with `MSG_NOSIGNAL` (a
    /// write to a closed peer fails with `EPIPE` instead of raising
    /// `SIGPIPE`), and `shutdown(SHUT_WR)` on close. The two directions are
    /// independent.
    Socket,
    /// A file with the engine's own cursor: reads and writes at explicit
    /// offsets, so the descriptor's file offset is neither read nor moved.
    Positioned,
    /// Any descriptor at its own file offset (offset `-1`): pipes,
    /// terminals, character devices, and the `Uring` adapter. The two
    /// directions are independent, as for two `read(2)`/`write(2)` calls.
    Stream,
}

/// The descriptor and driver an engine starts its operations on.
pub(crate) struct Target<'a, K: Kernel> {
    pub(crate) fd: &'a SharedFd,
    pub(crate) driver: &'a Driver<K>,
}

enum ReadOp<K: Kernel> {
    Recv(Op<Recv<Vec<u8>>, K>),
    Read(Op<Read<Vec<u8>>, K>),
}

impl<K: Kernel> ReadOp<K> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<(io::Result<usize>, Vec<u8>)> {
        match self {
            ReadOp::Recv(op) => Pin::new(op).poll(cx),
            ReadOp::Read(op) => Pin::new(op).poll(cx),
        }
    }
}

enum WriteOp<K: Kernel> {
    Send(Op<Send<Slice<Vec<u8>>>, K>),
    Write(Op<Write<Slice<Vec<u8>>>, K>),
}

/// A write in flight: the operation, and the file offset of the buffer's
/// first byte (for a positioned write).
struct Writing<K: Kernel> {
    op: WriteOp<K>,
    at: u64,
}

impl<K: Kernel> Writing<K> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<(io::Result<usize>, Slice<Vec<u8>>)> {
        match &mut self.op {
            WriteOp::Send(op) => Pin::new(op).poll(cx),
            WriteOp::Write(op) => Pin::new(op).poll(cx),
        }
    }
}

/// The largest internal buffer an engine allocates: what one read or write
/// can transfer.
pub(crate) const MAX_BUFFER: usize = crate::ownership::ops::MAX_RW_COUNT;

/// Reads ahead into an owned buffer, queues writes from another, and keeps
/// a cursor for positioned files.
pub(crate) struct PollIo<K: Kernel> {
    access: Access,
    capacity: usize,
    /// Positioned: the file offset of the next byte handed out or written.
    pos: u64,
    /// Bytes `rpos..` were read and not handed out yet. Empty while a read
    /// holds the buffer.
    rbuf: Vec<u8>,
    rpos: usize,
    reading: Option<ReadOp<K>>,
    /// The write buffer while no operation holds it.
    wbuf: Vec<u8>,
    writing: Option<Writing<K>>,
    /// The failure of a queued write, reported by the next write, flush or
    /// close.
    write_error: Option<io::Error>,
    /// A `shutdown(SHUT_WR)` in flight (sockets).
    closing: Option<Op<Shutdown, K>>,
    /// `poll_close` completed: writes are refused from then on.
    closed: bool,
    /// A size query for `SeekFrom::End` (positioned files).
    sizing: Option<Op<Statx, K>>,
    /// A seek started and not completed yet (tokio's two-step `AsyncSeek`).
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pending_seek: Option<SeekFrom>,
}

impl<K: Kernel> PollIo<K> {
    pub(crate) fn new(access: Access, capacity: usize) -> Self {
        PollIo {
            access,
            capacity: capacity.clamp(1, MAX_BUFFER),
            pos: 0,
            rbuf: Vec::new(),
            rpos: 0,
            reading: None,
            wbuf: Vec::new(),
            writing: None,
            write_error: None,
            closing: None,
            closed: false,
            sizing: None,
            pending_seek: None,
        }
    }

    /// The most one read or write transfers; applies to buffers allocated
    /// from now on. Clamped to `1..=MAX_BUFFER`.
    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.clamp(1, MAX_BUFFER);
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes read and not handed out yet.
    pub(crate) fn buffered(&self) -> usize {
        self.rbuf.len() - self.rpos
    }

    pub(crate) fn is_reading(&self) -> bool {
        self.reading.is_some()
    }

    pub(crate) fn is_writing(&self) -> bool {
        self.writing.is_some()
    }

    /// Positioned: the cursor.
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    // ---- reading ----

    /// The buffered bytes, reading more first if there are none. An empty
    /// slice means end of file.
    pub(crate) fn poll_fill_buf(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        if self.rpos >= self.rbuf.len() {
            ready!(self.poll_read_more(t, cx))?;
        }
        Poll::Ready(Ok(&self.rbuf[self.rpos..]))
    }

    /// Marks `amt` buffered bytes as handed out (at most all of them).
    pub(crate) fn consume(&mut self, amt: usize) {
        let amt = amt.min(self.rbuf.len() - self.rpos);
        self.rpos += amt;
        if self.access == Access::Positioned {
            self.pos = self.pos.saturating_add(amt as u64);
        }
    }

    /// Copies buffered bytes into `buf`, reading more first if there are none.
    pub(crate) fn poll_read(
        &mut self,
        t: &Target<'_, K>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let src = ready!(self.poll_fill_buf(t, cx))?;
        let n = src.len().min(buf.len());
        buf[..n].copy_from_slice(&src[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }

    /// Runs one read into the (empty) buffer.
    fn poll_read_more(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.reading.is_none() {
            if self.access == Access::Positioned {
                // A read must see the bytes written before it: a queued
                // write to the same file finishes first (its outcome stays
                // for the next write, flush or close to report).
                ready!(self.poll_writing(t, cx));
            }
            self.start_read(t)?;
        }
        let Some(op) = self.reading.as_mut() else { return Poll::Ready(Ok(())) };
        let (r, buf) = ready!(op.poll(cx));
        self.reading = None;
        self.rbuf = buf;
        self.rpos = 0;
        match r {
            Ok(_) => Poll::Ready(Ok(())),
            Err(e) => {
                self.rbuf.clear();
                Poll::Ready(Err(e))
            }
        }
    }

    fn start_read(&mut self, t: &Target<'_, K>) -> io::Result<()> {
        let mut b = core::mem::take(&mut self.rbuf);
        b.clear();
        if b.capacity() < self.capacity {
            // Reserving relative to an empty vector asks for exactly this
            // much; a failure is reported, never an abort.
            b.try_reserve_exact(self.capacity).map_err(|_| out_of_memory(self.capacity))?;
        }
        self.rpos = 0;
        self.reading = Some(match self.access {
            Access::Socket => ReadOp::Recv(t.driver.recv(t.fd, b, 0)),
            Access::Positioned => ReadOp::Read(t.driver.read_at(t.fd, b, self.pos)),
            Access::Stream => ReadOp::Read(t.driver.read_at(t.fd, b, CURRENT_POSITION)),
        });
        Ok(())
    }

    /// Positioned: forgets the bytes read ahead (the cursor stays where it
    /// is, so they are read again from the file when asked for). A read in
    /// flight is dropped: the driver cancels it and frees its buffer at its
    /// terminal completion.
    fn discard_read_ahead(&mut self) {
        self.reading = None;
        self.rbuf.clear();
        self.rpos = 0;
    }

    // ---- writing ----

    /// Copies up to the capacity of `data` into the write buffer and queues
    /// the write: `Ready(Ok(n))` once the operation is handed to the driver.
    /// Pending while an earlier write is still in flight; its failure, if
    /// any, is returned instead (and `data` is not taken).
    pub(crate) fn poll_write(
        &mut self,
        t: &Target<'_, K>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_writing(t, cx));
        if let Some(e) = self.write_error.take() {
            return Poll::Ready(Err(e));
        }
        if self.closed {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, "written after poll_close")));
        }
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.access == Access::Positioned {
            self.discard_read_ahead();
        }
        let n = data.len().min(self.capacity);
        let mut w = core::mem::take(&mut self.wbuf);
        w.clear();
        if let Err(_e) = w.try_reserve_exact(n) {
            self.wbuf = w;
            return Poll::Ready(Err(out_of_memory(n)));
        }
        w.extend_from_slice(&data[..n]);
        let at = self.pos;
        self.writing = Some(self.start_write(t, w.slice(..n), at));
        // Polled once here, so the write is queued in the driver now (and
        // this task is woken when it ends) rather than at the next poll.
        if self.poll_writing(t, cx).is_ready() {
            if let Some(e) = self.write_error.take() {
                // It never reached the kernel (the driver is shut down, or
                // the kernel refused it at once): the bytes are not taken.
                return Poll::Ready(Err(e));
            }
        }
        if self.access == Access::Positioned {
            self.pos = self.pos.saturating_add(n as u64);
        }
        Poll::Ready(Ok(n))
    }

    fn start_write(&self, t: &Target<'_, K>, buf: Slice<Vec<u8>>, at: u64) -> Writing<K> {
        let op = match self.access {
            Access::Socket => WriteOp::Send(t.driver.send(t.fd, buf, libc::MSG_NOSIGNAL)),
            Access::Positioned => {
                let off = at.saturating_add(buf.begin() as u64);
                WriteOp::Write(t.driver.write_at(t.fd, buf, off))
            }
            Access::Stream => WriteOp::Write(t.driver.write_at(t.fd, buf, CURRENT_POSITION)),
        };
        Writing { op, at }
    }

    /// Drives the queued write until all of its bytes are written or it
    /// fails (the failure is kept in `write_error`). A short write is
    /// continued with the rest of the buffer.
    fn poll_writing(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let Some(w) = self.writing.as_mut() else { return Poll::Ready(()) };
            let (r, slice) = ready!(w.poll(cx));
            let at = w.at;
            self.writing = None;
            let (begin, end) = (slice.begin(), slice.end().min(slice.get_ref().len()));
            let buf = slice.into_inner();
            let rest = match r {
                Ok(0) if begin < end => {
                    self.write_error = Some(io::ErrorKind::WriteZero.into());
                    None
                }
                Ok(n) if begin + n < end => Some(begin + n),
                Ok(_) => None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => Some(begin),
                Err(e) => {
                    self.write_error = Some(e);
                    None
                }
            };
            match rest {
                Some(from) => self.writing = Some(self.start_write(t, buf.slice(from..end), at)),
                None => {
                    self.wbuf = buf;
                    return Poll::Ready(());
                }
            }
        }
    }

    /// Flushes: waits for the queued write and reports its failure.
    pub(crate) fn poll_flush(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_writing(t, cx));
        match self.write_error.take() {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Ready(Ok(())),
        }
    }

    /// Flushes, then (sockets) shuts the write side down. Writes are refused
    /// afterwards; the descriptor stays open until the object is dropped.
    pub(crate) fn poll_close(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_flush(t, cx))?;
        if self.closed {
            return Poll::Ready(Ok(()));
        }
        if self.access == Access::Socket {
            let op = self.closing.get_or_insert_with(|| t.driver.shutdown_socket(t.fd, libc::SHUT_WR));
            let r = ready!(Pin::new(op).poll(cx));
            self.closing = None;
            r?;
        }
        self.closed = true;
        Poll::Ready(Ok(()))
    }

    // ---- seeking ----

    /// Positioned: moves the cursor. Queued writes finish first (so
    /// `SeekFrom::End` sees them); bytes read ahead are kept only if the
    /// cursor does not move.
    pub(crate) fn poll_seek(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>, to: SeekFrom) -> Poll<io::Result<u64>> {
        ready!(self.poll_writing(t, cx));
        let target = match to {
            SeekFrom::Start(n) => {
                self.sizing = None;
                i128::from(n)
            }
            SeekFrom::Current(d) => {
                self.sizing = None;
                i128::from(self.pos) + i128::from(d)
            }
            SeekFrom::End(d) => {
                let op = self.sizing.get_or_insert_with(|| {
                    let at = At::from(t.fd.clone());
                    t.driver.op(Statx::new(at, CString::default(), libc::AT_EMPTY_PATH, libc::STATX_SIZE))
                });
                let r = ready!(Pin::new(op).poll(cx));
                self.sizing = None;
                i128::from(r?.stx_size) + i128::from(d)
            }
        };
        // The kernel's offsets are `loff_t`: a position past `i64::MAX` is
        // as invalid as a negative one (lseek answers EINVAL for both).
        if target < 0 || target > i128::from(i64::MAX) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative position or past i64::MAX",
            )));
        }
        let target = target as u64;
        if target != self.pos {
            self.discard_read_ahead();
            self.pos = target;
        }
        Poll::Ready(Ok(target))
    }
}

#[cfg(feature = "tokio")]
impl<K: Kernel> PollIo<K> {
    /// Records a seek for [`poll_complete_seek`](Self::poll_complete_seek)
    /// (replacing one that was not completed).
    pub(crate) fn start_seek(&mut self, to: SeekFrom) {
        self.pending_seek = Some(to);
    }

    /// Completes the recorded seek, or reports the cursor if there is none.
    pub(crate) fn poll_complete_seek(&mut self, t: &Target<'_, K>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let to = self.pending_seek.unwrap_or(SeekFrom::Current(0));
        let r = ready!(self.poll_seek(t, cx, to));
        self.pending_seek = None;
        Poll::Ready(r)
    }
}

fn out_of_memory(n: usize) -> io::Error {
    Error::OutOfMemory { what: "poll-based I/O buffer", bytes: n }.into()
}
