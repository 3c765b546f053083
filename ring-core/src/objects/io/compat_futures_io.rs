//! `futures-io` feature: `futures_io::{AsyncRead, AsyncBufRead, AsyncWrite}`
//! for the poll-based I/O objects (and `AsyncSeek` for `File`), each a thin
//! call into the crate's own [`PollRead`], [`PollBufRead`], [`PollWrite`]
//! and [`PollSeek`]. Every object is `Unpin`.

use super::{BufReader, PollBufRead, PollRead, PollSeek, PollWrite};
use crate::kernel::Kernel;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io::{self, SeekFrom};

macro_rules! futures_read {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> futures_io::AsyncRead for $ty {
            fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
                PollRead::poll_read(self.get_mut(), cx, buf)
            }
        }

        impl<$($gen)*> futures_io::AsyncBufRead for $ty {
            fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
                PollBufRead::poll_fill_buf(self.get_mut(), cx)
            }
            fn consume(self: Pin<&mut Self>, amt: usize) {
                PollBufRead::consume(self.get_mut(), amt)
            }
        }
    };
}

macro_rules! futures_write {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> futures_io::AsyncWrite for $ty {
            fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
                PollWrite::poll_write(self.get_mut(), cx, buf)
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                PollWrite::poll_flush(self.get_mut(), cx)
            }
            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                PollWrite::poll_close(self.get_mut(), cx)
            }
        }
    };
}

futures_read!([K: Kernel] crate::objects::fs::File<K>);
futures_read!([K: Kernel] crate::objects::net::TcpStream<K>);
futures_read!([K: Kernel] crate::objects::net::UnixStream<K>);
futures_read!([T: std::os::fd::AsFd + 'static, K: Kernel] crate::objects::adapters::Uring<T, K>);
futures_read!([R: PollBufRead + Unpin] BufReader<R>);
futures_write!([K: Kernel] crate::objects::fs::File<K>);
futures_write!([K: Kernel] crate::objects::net::TcpStream<K>);
futures_write!([K: Kernel] crate::objects::net::UnixStream<K>);
futures_write!([T: std::os::fd::AsFd + 'static, K: Kernel] crate::objects::adapters::Uring<T, K>);

impl<K: Kernel> futures_io::AsyncSeek for crate::objects::fs::File<K> {
    fn poll_seek(self: Pin<&mut Self>, cx: &mut Context<'_>, pos: SeekFrom) -> Poll<io::Result<u64>> {
        PollSeek::poll_seek(self.get_mut(), cx, pos)
    }
}
