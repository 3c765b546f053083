//! `tokio` feature: `tokio::io::{AsyncRead, AsyncBufRead, AsyncWrite}` for
//! the poll-based I/O objects (and `AsyncSeek` for `File`), each a thin
//! call into the crate's own [`PollRead`], [`PollBufRead`], [`PollWrite`]
//! and [`PollSeek`]. Only tokio's trait definitions are used (no runtime,
//! no `io-util`). Every object is `Unpin`.

use super::traits::HasEngine;
use super::{BufReader, PollBufRead, PollWrite};
use crate::kernel::Kernel;
use core::pin::Pin;
use core::task::{ready, Context, Poll};
use std::io::{self, SeekFrom};
use tokio::io::ReadBuf;

/// Copies from the object's own buffer into tokio's, which may be
/// uninitialised (`put_slice` writes before it counts).
fn read_into<R: PollBufRead + ?Sized>(r: &mut R, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
    if buf.remaining() == 0 {
        return Poll::Ready(Ok(()));
    }
    let src = ready!(r.poll_fill_buf(cx))?;
    let n = src.len().min(buf.remaining());
    buf.put_slice(&src[..n]);
    r.consume(n);
    Poll::Ready(Ok(()))
}

macro_rules! tokio_read {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> tokio::io::AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
                read_into(self.get_mut(), cx, buf)
            }
        }

        impl<$($gen)*> tokio::io::AsyncBufRead for $ty {
            fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
                PollBufRead::poll_fill_buf(self.get_mut(), cx)
            }
            fn consume(self: Pin<&mut Self>, amt: usize) {
                PollBufRead::consume(self.get_mut(), amt)
            }
        }
    };
}

macro_rules! tokio_write {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> tokio::io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                PollWrite::poll_write(self.get_mut(), cx, buf)
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                PollWrite::poll_flush(self.get_mut(), cx)
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                PollWrite::poll_close(self.get_mut(), cx)
            }
        }
    };
}

tokio_read!([K: Kernel] crate::objects::fs::File<K>);
tokio_read!([K: Kernel] crate::objects::net::TcpStream<K>);
tokio_read!([K: Kernel] crate::objects::net::UnixStream<K>);
tokio_read!([T: std::os::fd::AsFd + 'static, K: Kernel] crate::objects::adapters::Uring<T, K>);
tokio_read!([R: PollBufRead + Unpin] BufReader<R>);
tokio_write!([K: Kernel] crate::objects::fs::File<K>);
tokio_write!([K: Kernel] crate::objects::net::TcpStream<K>);
tokio_write!([K: Kernel] crate::objects::net::UnixStream<K>);
tokio_write!([T: std::os::fd::AsFd + 'static, K: Kernel] crate::objects::adapters::Uring<T, K>);

impl<K: Kernel> tokio::io::AsyncSeek for crate::objects::fs::File<K> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().engine().0.start_seek(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (io, t) = self.get_mut().engine();
        io.poll_complete_seek(&t, cx)
    }
}
