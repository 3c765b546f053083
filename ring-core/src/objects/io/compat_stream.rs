//! `futures-core` feature: `futures_core::Stream` for the multishot streams
//! ([`MultiOp`]: `ticks`, `poll_multishot`, `accept_multishot`, the
//! receives from a buffer pool, ...), [`Incoming`] and [`Lines`]. Each is a
//! thin call into the type's own `poll_next`; every one is `Unpin`.

use super::{Lines, PollBufRead};
use crate::kernel::Kernel;
use crate::objects::net::{Incoming, TcpStream};
use crate::ownership::driver::op::MultiOp;
use crate::ownership::operation::Multishot;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;

impl<T: Multishot, K: Kernel> futures_core::Stream for MultiOp<T, K> {
    type Item = T::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T::Item>> {
        MultiOp::poll_next(self.get_mut(), cx)
    }
}

impl<K: Kernel> futures_core::Stream for Incoming<K> {
    type Item = io::Result<TcpStream<K>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Incoming::poll_next(self.get_mut(), cx)
    }
}

impl<R: PollBufRead + Unpin> futures_core::Stream for Lines<R> {
    type Item = io::Result<String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Lines::poll_next_line(self.get_mut(), cx).map(Result::transpose)
    }
}
