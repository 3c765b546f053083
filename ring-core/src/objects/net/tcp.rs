//! TCP over the ring.

use super::{domain_of, fd_traits, inet_addr, Sock};
use crate::kernel::{Kernel, Linux};
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::{MultiOp, Op};
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Accept, AcceptMulti, Recv, Send, SendZc, SockAddr};
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::OwnedFd;

/// A listening TCP socket.
///
/// ```
/// use ring_core::net::{TcpListener, TcpStream};
///
/// let rt = ring_core::Runtime::new(32)?;
/// let d = rt.driver().clone();
/// rt.block_on(async {
///     let listener = TcpListener::bind(&d, "127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let _c1 = TcpStream::connect(&d, addr).await?;
///     let (conn, peer) = listener.accept().await?;
///     assert_eq!(conn.peer_addr()?, peer);
///
///     // Or a stream of connections from one multishot accept.
///     let mut incoming = listener.incoming();
///     let _c2 = TcpStream::connect(&d, addr).await?;
///     let conn = incoming.next().await.expect("a connection")?;
///     assert_eq!(conn.local_addr()?, addr);
///     incoming.cancel();
///     while incoming.next().await.is_some() {}
///     drop(incoming);
///
///     // To and from std's listener.
///     let std_listener = listener.into_std().expect("no operation holds it");
///     let listener = TcpListener::from_std(&d, std_listener);
///     listener.close().await?;
///     let _from_fd = TcpListener::from_fd(&d, std::net::TcpListener::bind("127.0.0.1:0")?.into());
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpListener<K: Kernel = Linux> {
    inner: Sock<K>,
}

fd_traits!(TcpListener);

impl<K: Kernel> TcpListener<K> {
    /// Creates a socket, sets `SO_REUSEADDR`, binds it to `addr` and
    /// listens with a backlog of 1024.
    ///
    /// `addr` is anything [`ToSocketAddrs`]: a `SocketAddr`, `"host:port"`,
    /// `(ip, port)`, a slice of addresses. Each address it resolves to is
    /// tried in turn until one binds; if none does, the last failure is
    /// returned (`InvalidInput` if it resolved to none). Resolving a host
    /// name blocks the thread in `getaddrinfo(3)`, as `std` does; literal
    /// addresses do not.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let l = ring_core::net::TcpListener::bind(&d, "127.0.0.1:0").await?;
    ///     assert!(l.local_addr()?.port() != 0);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind(driver: &Driver<K>, addr: impl ToSocketAddrs) -> io::Result<Self> {
        super::each_addr(addr, |addr| async move {
            let inner = Sock::socket(driver, domain_of(&addr), libc::SOCK_STREAM).await?;
            inner.set_opt(libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
            inner.bind(SockAddr::from_std(addr)).await?;
            inner.listen(1024).await?;
            Ok(TcpListener { inner })
        })
        .await
    }

    /// Wraps a listening descriptor.
    pub fn from_fd(driver: &Driver<K>, fd: OwnedFd) -> Self {
        TcpListener { inner: Sock::new(driver, fd) }
    }

    /// Wraps a `std::net::TcpListener`.
    pub fn from_std(driver: &Driver<K>, l: std::net::TcpListener) -> Self {
        Self::from_fd(driver, l.into())
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(&self.inner.local_addr()?)
    }

    /// Accepts one connection (`IORING_OP_ACCEPT`).
    pub async fn accept(&self) -> io::Result<(TcpStream<K>, SocketAddr)> {
        let op = Accept { fd: self.inner.fd(), addr: SockAddr::empty(), flags: 0 };
        let (fd, addr) = self.inner.driver.op(op).await?;
        Ok((TcpStream::from_fd(&self.inner.driver, fd), inet_addr(&addr)?))
    }

    /// A stream of accepted connections from one multishot accept
    /// (`IORING_ACCEPT_MULTISHOT`, 5.19). Connections the kernel accepted
    /// but that were never taken from the stream are closed when their
    /// items are dropped.
    pub fn incoming(&self) -> Incoming<K> {
        let op = AcceptMulti { fd: self.inner.fd(), flags: 0 };
        Incoming { stream: MultiOp::new(&self.inner.driver, op), driver: self.inner.driver.clone() }
    }

    /// Closes the listener through the ring.
    pub async fn close(self) -> io::Result<()> {
        self.inner.close().await
    }
}

/// The stream of [`TcpListener::incoming`].
///
/// ```
/// # let rt = ring_core::Runtime::new(8)?;
/// # let d = rt.driver().clone();
/// rt.block_on(async {
///     let listener = ring_core::net::TcpListener::bind(&d, "127.0.0.1:0").await?;
///     let mut incoming = listener.incoming();
///     let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
///     let _conn = incoming.next().await.expect("a connection")?;
///     incoming.cancel(); // no more accepts; the stream ends
///     while incoming.next().await.is_some() {}
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Incoming<K: Kernel = Linux> {
    stream: MultiOp<AcceptMulti, K>,
    driver: Driver<K>,
}

impl<K: Kernel> core::fmt::Debug for Incoming<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Incoming").finish_non_exhaustive()
    }
}

impl<K: Kernel> Incoming<K> {
    /// The next connection, or `None` once the kernel ended the multishot
    /// accept (after an error, or when cancelled). Call
    /// [`TcpListener::incoming`] again to re-arm it.
    pub async fn next(&mut self) -> Option<io::Result<TcpStream<K>>> {
        core::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Polls for the next connection (`Ready(None)` once the multishot
    /// accept has ended). With the `futures-core` feature, `Incoming` is
    /// also a `Stream` of `io::Result<TcpStream>`.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let l = ring_core::net::TcpListener::bind(&d, "127.0.0.1:0").await?;
    ///     let _c = std::net::TcpStream::connect(l.local_addr()?)?;
    ///     let mut incoming = l.incoming();
    ///     let s = std::future::poll_fn(|cx| incoming.poll_next(cx)).await.unwrap()?;
    ///     # let _ = s;
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn poll_next(
        &mut self,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Option<io::Result<TcpStream<K>>>> {
        self.stream.poll_next(cx).map(|r| r.map(|r| r.map(|fd| TcpStream::from_fd(&self.driver, fd))))
    }

    /// Stops accepting; connections already accepted are still delivered.
    pub fn cancel(&mut self) {
        self.stream.cancel();
    }
}

/// A connected TCP socket.
///
/// ```
/// use ring_core::net::{TcpListener, TcpStream};
/// use std::net::Shutdown;
///
/// let rt = ring_core::Runtime::new(32)?;
/// let d = rt.driver().clone();
/// rt.block_on(async {
///     let listener = TcpListener::bind(&d, "127.0.0.1:0").await?;
///     let client = TcpStream::connect(&d, listener.local_addr()?).await?;
///     let (server, _) = listener.accept().await?;
///     client.set_nodelay(true)?;
///     assert_eq!(client.peer_addr()?, listener.local_addr()?);
///     assert_eq!(client.local_addr()?, server.peer_addr()?);
///
///     let (r, _) = client.write_all(b"hello".to_vec()).await;
///     r?;
///     let (n, buf) = server.read(Vec::with_capacity(16)).await;
///     assert_eq!(&buf[..n?], b"hello");
///     // `send`/`recv` are `write`/`read` with the socket calls' names.
///     let (n, _) = server.send(b"ok".to_vec()).await;
///     n?;
///     let (n, buf) = client.recv(Vec::with_capacity(16)).await;
///     assert_eq!(&buf[..n?], b"ok");
///     let (n, _) = client.write(b"!".to_vec()).await;
///     n?;
///
///     // A zero-copy send; its buffer returns after the kernel's
///     // notification, which on loopback may wait for the reader.
///     let zc = ring_core::task::spawn(async move {
///         let (n, _) = client.send_zc(vec![1u8; 3]).await;
///         n.map(|_| client)
///     });
///     let (r, buf) = server.read_exact(vec![0u8; 4]).await;
///     r?;
///     assert_eq!(buf, [b'!', 1, 1, 1]);
///     let client = zc.await.expect("the sender ran")?;
///
///     client.shutdown(Shutdown::Write).await?;
///     let (n, _) = server.read(Vec::with_capacity(1)).await;
///     assert_eq!(n?, 0); // end of stream
///
///     // To and from std's socket.
///     let std_stream = server.into_std().expect("no operation holds it");
///     let server = TcpStream::from_std(&d, std_stream);
///     server.close().await?;
///     client.close().await?;
///     let _from_fd = TcpStream::from_fd(&d, std::net::TcpStream::connect(listener.local_addr()?)?.into());
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct TcpStream<K: Kernel = Linux> {
    pub(crate) inner: Sock<K>,
}

fd_traits!(TcpStream);

impl<K: Kernel> TcpStream<K> {
    /// Connects to `addr` (`IORING_OP_CONNECT`).
    ///
    /// `addr` is anything [`ToSocketAddrs`]; each address it resolves to
    /// is tried in turn, in the resolver's order, until one connects; if
    /// none does, the last failure is returned (`InvalidInput` if it
    /// resolved to none). Resolving a host name blocks the thread in
    /// `getaddrinfo(3)`, as `std` does; literal addresses do not.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let l = ring_core::net::TcpListener::bind(&d, "127.0.0.1:0").await?;
    ///     let port = l.local_addr()?.port();
    ///     let s = ring_core::net::TcpStream::connect(&d, ("127.0.0.1", port)).await?;
    ///     assert_eq!(s.peer_addr()?.port(), port);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn connect(driver: &Driver<K>, addr: impl ToSocketAddrs) -> io::Result<Self> {
        super::each_addr(addr, |addr| async move {
            let inner = Sock::socket(driver, domain_of(&addr), libc::SOCK_STREAM).await?;
            inner.connect(SockAddr::from_std(addr)).await?;
            Ok(TcpStream { inner })
        })
        .await
    }

    /// Wraps a connected descriptor.
    pub fn from_fd(driver: &Driver<K>, fd: OwnedFd) -> Self {
        TcpStream { inner: Sock::new(driver, fd) }
    }

    /// Wraps a `std::net::TcpStream`.
    pub fn from_std(driver: &Driver<K>, s: std::net::TcpStream) -> Self {
        Self::from_fd(driver, s.into())
    }

    /// The `std::net::TcpStream`, if no operation naming it is in flight.
    /// Bytes the poll-based reader ([`crate::objects::io`]) had read ahead and not
    /// handed out are dropped with it.
    pub fn into_std(self) -> Result<std::net::TcpStream, Self> {
        self.inner.into_fd().map(Into::into).map_err(|inner| TcpStream { inner })
    }

    /// Reads into `buf`'s capacity (`IORING_OP_RECV`); 0 means the peer
    /// closed its side.
    pub fn read<B: IoBufMut>(&self, buf: B) -> Op<Recv<B>, K> {
        self.inner.recv(buf)
    }

    /// The same as [`read`](Self::read).
    pub fn recv<B: IoBufMut>(&self, buf: B) -> Op<Recv<B>, K> {
        self.inner.recv(buf)
    }

    /// Writes `buf`'s initialised bytes (`IORING_OP_SEND`, `MSG_NOSIGNAL`);
    /// may write fewer.
    pub fn write<B: IoBuf>(&self, buf: B) -> Op<Send<B>, K> {
        self.inner.send(buf)
    }

    /// The same as [`write`](Self::write).
    pub fn send<B: IoBuf>(&self, buf: B) -> Op<Send<B>, K> {
        self.inner.send(buf)
    }

    /// Writes all of `buf`'s initialised bytes.
    pub async fn write_all<B: IoBuf>(&self, buf: B) -> (io::Result<()>, B) {
        self.inner.write_all(buf).await
    }

    /// Zero-copy send (`IORING_OP_SEND_ZC`, 6.0); the buffer comes back
    /// after the kernel's notification that it no longer reads it. Over
    /// loopback that notification may wait for the peer's read (see
    /// [`Driver::send_zc`](crate::Driver::send_zc)).
    pub fn send_zc<B: IoBuf>(&self, buf: B) -> Op<SendZc<B>, K> {
        self.inner.send_zc(buf)
    }

    /// `shutdown(2)` (`IORING_OP_SHUTDOWN`).
    pub async fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.inner.shutdown(how).await
    }

    /// `TCP_NODELAY`.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.inner.set_opt(libc::IPPROTO_TCP, libc::TCP_NODELAY, i32::from(on))
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(&self.inner.local_addr()?)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        inet_addr(&self.inner.peer_addr()?)
    }

    /// Closes the stream through the ring.
    pub async fn close(self) -> io::Result<()> {
        self.inner.close().await
    }
}

/// The error of wrapping a std socket with the current runtime's driver
/// (`TryFrom<std::net::TcpStream>`, `TryFrom<std::net::TcpListener>`)
/// outside [`Runtime::block_on`](crate::Runtime::block_on), where there is
/// no current driver. Holds the socket, unchanged.
///
/// ```
/// use ring_core::net::TcpListener;
///
/// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// // Outside `block_on`: no driver to wrap it with; the socket comes back.
/// let back = TcpListener::try_from(std_listener).err().expect("no runtime");
/// let std_listener = back.into_inner();
///
/// let rt = ring_core::Runtime::new(8)?;
/// let listener = rt.block_on(async { TcpListener::try_from(std_listener) })?.ok().expect("inside block_on");
/// drop(listener);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct NoRuntime<T> {
    value: T,
}

impl<T> NoRuntime<T> {
    /// The error for `value`, a socket that could not be wrapped.
    pub(crate) fn new(value: T) -> Self {
        NoRuntime { value }
    }
}

impl<T> NoRuntime<T> {
    /// The socket that was not wrapped.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> core::fmt::Debug for NoRuntime<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("NoRuntime").finish_non_exhaustive()
    }
}

impl<T> core::fmt::Display for NoRuntime<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no runtime is running on this thread (outside Runtime::block_on): wrap the socket with from_std")
    }
}

impl<T> std::error::Error for NoRuntime<T> {}

impl<T> From<NoRuntime<T>> for io::Error {
    fn from(e: NoRuntime<T>) -> io::Error {
        io::Error::other(e.to_string())
    }
}

impl<K: Kernel> TryFrom<TcpStream<K>> for std::net::TcpStream {
    type Error = TcpStream<K>;

    /// The std stream, if no operation naming it is in flight.
    fn try_from(s: TcpStream<K>) -> Result<Self, TcpStream<K>> {
        s.into_std()
    }
}

impl<K: Kernel> TcpListener<K> {
    /// The `std::net::TcpListener`, if no operation naming it is in flight.
    pub fn into_std(self) -> Result<std::net::TcpListener, Self> {
        self.inner.into_fd().map(Into::into).map_err(|inner| TcpListener { inner })
    }
}
