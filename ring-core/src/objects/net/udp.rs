//! UDP over the ring.

use super::{domain_of, fd_traits, inet_addr, Sock};
use crate::kernel::{Kernel, Linux};
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Msg, Recv, RecvMsg, Send, SendMsg, SockAddr};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;

/// A UDP socket.
///
/// ```
/// use ring_core::net::UdpSocket;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// rt.block_on(async {
///     let a = UdpSocket::bind(&d, "127.0.0.1:0").await?;
///     let b = UdpSocket::bind(&d, "127.0.0.1:0").await?;
///     let (n, _) = a.send_to(b"to b".to_vec(), b.local_addr()?).await;
///     assert_eq!(n?, 4);
///     let (r, buf) = b.recv_from(Vec::with_capacity(16)).await;
///     let (n, from) = r?;
///     assert_eq!((&buf[..n], from), (&b"to b"[..], a.local_addr()?));
///
///     // Connected: plain send and recv.
///     b.connect(a.local_addr()?).await?;
///     let (n, _) = b.send(b"back".to_vec()).await;
///     n?;
///     let (n, buf) = a.recv(Vec::with_capacity(16)).await;
///     assert_eq!(&buf[..n?], b"back");
///
///     let std_socket = a.into_std().expect("no operation holds it");
///     let a = UdpSocket::from_std(&d, std_socket);
///     a.close().await?;
///     let _from_fd = UdpSocket::from_fd(&d, std::net::UdpSocket::bind("127.0.0.1:0")?.into());
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UdpSocket<K: Kernel = Linux> {
    inner: Sock<K>,
}

fd_traits!(UdpSocket);

impl<K: Kernel> UdpSocket<K> {
    /// Creates a socket bound to `addr` (port 0 picks a free port).
    ///
    /// `addr` is anything [`ToSocketAddrs`]; each address it resolves to is
    /// tried in turn until one binds, as in [`TcpListener::bind`](super::TcpListener::bind).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let s = ring_core::net::UdpSocket::bind(&d, "127.0.0.1:0").await?;
    ///     assert!(s.local_addr()?.port() != 0);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(driver: &Driver<K>, addr: impl ToSocketAddrs) -> io::Result<Self> {
        super::each_addr(addr, |addr| async move {
            let inner = Sock::socket(driver, domain_of(&addr), libc::SOCK_DGRAM).await?;
            inner.bind(SockAddr::from_std(addr)).await?;
            Ok(UdpSocket { inner })
        })
        .await
    }

    /// Wraps a descriptor.
    pub fn from_fd(driver: &Driver<K>, fd: OwnedFd) -> Self {
        UdpSocket { inner: Sock::new(driver, fd) }
    }

    /// Wraps a `std::net::UdpSocket`.
    pub fn from_std(driver: &Driver<K>, s: std::net::UdpSocket) -> Self {
        Self::from_fd(driver, s.into())
    }

    /// The `std::net::UdpSocket`, if no operation naming it is in flight.
    pub fn into_std(self) -> Result<std::net::UdpSocket, Self> {
        self.inner.into_fd().map(Into::into).map_err(|inner| UdpSocket { inner })
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(&self.inner.local_addr()?)
    }

    /// Sets the default peer (`IORING_OP_CONNECT`), for [`send`](Self::send)
    /// and [`recv`](Self::recv). `addr` is anything [`ToSocketAddrs`]; each
    /// address it resolves to is tried in turn until one is accepted.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let s = ring_core::net::UdpSocket::bind(&d, "127.0.0.1:0").await?;
    ///     s.connect("127.0.0.1:9").await?;
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        super::each_addr(addr, |addr| self.inner.connect(SockAddr::from_std(addr))).await
    }

    /// Sends one datagram of `buf`'s initialised bytes to `addr`
    /// (`IORING_OP_SENDMSG` with a destination).
    pub async fn send_to<B: IoBuf>(&self, buf: B, addr: SocketAddr) -> (io::Result<usize>, B) {
        let op = SendMsg::new(self.inner.fd(), Msg::new(vec![buf]).to(addr), 0);
        let (r, mut msg) = self.inner.driver.op(op).await;
        (r, msg.bufs.pop().expect("one buffer in, one out"))
    }

    /// Receives one datagram into `buf` (`IORING_OP_RECVMSG`): the count
    /// and the sender's address.
    pub async fn recv_from<B: IoBufMut>(&self, buf: B) -> (io::Result<(usize, SocketAddr)>, B) {
        let op = RecvMsg::new(self.inner.fd(), Msg::new(vec![buf]), 0);
        let (r, mut msg) = self.inner.driver.op(op).await;
        let addr = msg.addr.as_ref().map(inet_addr);
        let buf = msg.bufs.pop().expect("one buffer in, one out");
        let r = match (r, addr) {
            (Ok(n), Some(Ok(a))) => Ok((n, a)),
            (Ok(_), Some(Err(e))) => Err(e),
            (Ok(_), None) => Err(io::Error::new(io::ErrorKind::InvalidData, "no source address")),
            (Err(e), _) => Err(e),
        };
        (r, buf)
    }

    /// Sends to the connected peer.
    pub fn send<B: IoBuf>(&self, buf: B) -> Op<Send<B>, K> {
        self.inner.send(buf)
    }

    /// Receives from the connected peer.
    pub fn recv<B: IoBufMut>(&self, buf: B) -> Op<Recv<B>, K> {
        self.inner.recv(buf)
    }

    /// Closes the socket through the ring.
    pub async fn close(self) -> io::Result<()> {
        self.inner.close().await
    }
}
