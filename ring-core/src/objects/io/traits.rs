//! The crate's own poll-based I/O traits, and their implementations for
//! the four objects that have an internal [`PollIo`] engine.

use super::engine::{PollIo, Target};
use crate::kernel::Kernel;
use core::task::{Context, Poll};
use std::io::{self, SeekFrom};

/// Reading into a borrowed slice, by polling: the object copies out of
/// its own buffer, which only the kernel's operation held while the read
/// was in flight (see the [module documentation](super)).
///
/// Implemented by [`File`](crate::objects::fs::File), [`TcpStream`](crate::objects::net::TcpStream),
/// [`UnixStream`](crate::objects::net::UnixStream), [`Uring`](crate::objects::adapters::Uring)
/// and [`BufReader`](super::BufReader). All of them are `Unpin`, so the
/// methods take `&mut self`.
///
/// ```
/// use ring_core::io::PollRead;
/// use ring_core::net::UnixStream;
/// use std::future::poll_fn;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (mut a, b) = UnixStream::pair(rt.driver())?;
/// let n = rt.block_on(async {
///     b.write_all(b"ping").await.0?;
///     let mut buf = [0u8; 16];
///     let n = poll_fn(|cx| a.poll_read(cx, &mut buf)).await?;
///     assert_eq!(&buf[..n], b"ping");
///     Ok::<_, std::io::Error>(n)
/// })??;
/// assert_eq!(n, 4);
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait PollRead {
    /// Copies up to `buf.len()` bytes into `buf`: `Ready(Ok(0))` at end of
    /// file (or for an empty `buf`), `Pending` while a read is in flight
    /// (this task is woken when it completes). A read left in flight by a
    /// dropped future is the one polled next; its bytes come first.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
}

/// Reading by reference from the object's own buffer.
///
/// ```
/// use ring_core::io::{PollBufRead, PollRead};
/// use ring_core::net::UnixStream;
/// use std::future::poll_fn;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (mut a, b) = UnixStream::pair(rt.driver())?;
/// rt.block_on(async {
///     b.write_all(b"hello").await.0?;
///     let got = poll_fn(|cx| a.poll_fill_buf(cx).map_ok(|s| s.to_vec())).await?;
///     assert_eq!(got, b"hello");
///     a.consume(got.len());
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait PollBufRead: PollRead {
    /// The bytes read and not consumed yet, reading more first if there
    /// are none; an empty slice means end of file.
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>;

    /// Marks the first `amt` bytes of the last [`poll_fill_buf`](Self::poll_fill_buf)
    /// as read (at most as many as are buffered).
    fn consume(&mut self, amt: usize);
}

/// Writing from a borrowed slice, by polling: the bytes are copied into
/// the object's own buffer, which the write operation then owns.
///
/// `poll_write` returns `Ready(Ok(n))` once the write is **queued**; the
/// next `poll_write`, [`poll_flush`](Self::poll_flush) or
/// [`poll_close`](Self::poll_close) waits for it and reports its failure.
/// Flush or close before dropping the object: a write still in flight
/// when it is dropped is cancelled (see the [module documentation](super)).
///
/// ```
/// use ring_core::io::PollWrite;
/// use ring_core::net::UnixStream;
/// use std::future::poll_fn;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (mut a, b) = UnixStream::pair(rt.driver())?;
/// rt.block_on(async {
///     let n = poll_fn(|cx| a.poll_write(cx, b"queued")).await?;
///     poll_fn(|cx| a.poll_flush(cx)).await?; // the queued write is done
///     poll_fn(|cx| a.poll_close(cx)).await?; // then shutdown(SHUT_WR)
///     let (r, got) = b.read(Vec::with_capacity(16)).await;
///     assert_eq!(r?, n);
///     assert_eq!(got, b"queued");
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait PollWrite {
    /// Copies up to the buffer capacity of `buf` and queues the write.
    /// `Pending` while an earlier write is in flight (none of `buf` is
    /// taken then); its failure, if any, is returned instead.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;

    /// Waits until every queued byte is written; reports a failure of a
    /// queued write (once).
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;

    /// Flushes, then shuts a socket's write side down (the peer reads end
    /// of file). Later writes fail with `BrokenPipe`. The descriptor
    /// itself is closed when the object is dropped or closed.
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// Moving a [`File`](crate::objects::fs::File)'s cursor, by polling.
///
/// ```
/// use ring_core::io::{PollSeek, PollWrite};
/// use std::future::poll_fn;
/// use std::io::SeekFrom;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-doc-seek-{}", std::process::id()));
/// rt.block_on(async {
///     let mut f = ring_core::File::create(&d, &path).await?;
///     poll_fn(|cx| f.poll_write(cx, b"0123456789")).await?;
///     // Queued writes finish first, so the end is where they left it.
///     assert_eq!(poll_fn(|cx| f.poll_seek(cx, SeekFrom::End(-2))).await?, 8);
///     Ok::<_, std::io::Error>(())
/// })??;
/// std::fs::remove_file(path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait PollSeek {
    /// Moves the cursor and returns its new position. `SeekFrom::End` asks
    /// the kernel for the file's size (`statx`) after the queued write has
    /// finished. A position below 0 or past `i64::MAX` fails with
    /// `InvalidInput` and leaves the cursor where it was.
    fn poll_seek(&mut self, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>>;
}

impl<T: PollRead + ?Sized> PollRead for &mut T {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        (**self).poll_read(cx, buf)
    }
}

impl<T: PollBufRead + ?Sized> PollBufRead for &mut T {
    fn poll_fill_buf(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        (**self).poll_fill_buf(cx)
    }
    fn consume(&mut self, amt: usize) {
        (**self).consume(amt)
    }
}

impl<T: PollWrite + ?Sized> PollWrite for &mut T {
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        (**self).poll_write(cx, buf)
    }
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_flush(cx)
    }
    fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        (**self).poll_close(cx)
    }
}

/// What the four engine-backed objects give the trait implementations:
/// their engine and the descriptor and driver its operations name.
pub(crate) trait HasEngine<K: Kernel> {
    fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>);
}

/// Implements the crate's poll traits for a type that is [`HasEngine`].
macro_rules! engine_traits {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> crate::objects::io::PollRead for $ty {
            fn poll_read(
                &mut self,
                cx: &mut core::task::Context<'_>,
                buf: &mut [u8],
            ) -> core::task::Poll<std::io::Result<usize>> {
                let (io, t) = crate::objects::io::traits::HasEngine::engine(self);
                io.poll_read(&t, cx, buf)
            }
        }

        impl<$($gen)*> crate::objects::io::PollBufRead for $ty {
            fn poll_fill_buf(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<std::io::Result<&[u8]>> {
                let (io, t) = crate::objects::io::traits::HasEngine::engine(self);
                io.poll_fill_buf(&t, cx)
            }
            fn consume(&mut self, amt: usize) {
                crate::objects::io::traits::HasEngine::engine(self).0.consume(amt)
            }
        }

        impl<$($gen)*> crate::objects::io::PollWrite for $ty {
            fn poll_write(
                &mut self,
                cx: &mut core::task::Context<'_>,
                buf: &[u8],
            ) -> core::task::Poll<std::io::Result<usize>> {
                let (io, t) = crate::objects::io::traits::HasEngine::engine(self);
                io.poll_write(&t, cx, buf)
            }
            fn poll_flush(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<std::io::Result<()>> {
                let (io, t) = crate::objects::io::traits::HasEngine::engine(self);
                io.poll_flush(&t, cx)
            }
            fn poll_close(&mut self, cx: &mut core::task::Context<'_>) -> core::task::Poll<std::io::Result<()>> {
                let (io, t) = crate::objects::io::traits::HasEngine::engine(self);
                io.poll_close(&t, cx)
            }
        }
    };
}

pub(crate) use engine_traits;

/// A count reported by a reader or writer this crate did not write (the
/// traits are public, so any type may implement them): more than the
/// buffer it was given is not a count of bytes moved, and is refused with
/// `InvalidData` rather than trusted (it would slice past the buffer, or
/// count bytes that were never copied).
pub(crate) fn checked_count(n: usize, len: usize, who: &'static str) -> std::io::Result<usize> {
    if n <= len {
        Ok(n)
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the {who} reported {n} bytes for a buffer of {len}"),
        ))
    }
}
