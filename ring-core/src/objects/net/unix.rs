//! Unix-domain stream sockets over the ring.

use super::{fd_traits, Sock};
use crate::kernel::{Kernel, Linux};
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Accept, Recv, Send, SockAddr};
use crate::ownership::socket;
use std::io;
use std::path::Path;

/// A listening Unix-domain stream socket.
///
/// ```
/// use ring_core::net::{UnixListener, UnixStream};
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-unix-{}", std::process::id()));
/// rt.block_on(async {
///     let listener = UnixListener::bind(&d, &path).await?;
///     let client = UnixStream::connect(&d, &path).await?;
///     let server = listener.accept().await?;
///     let (r, _) = client.write_all(b"hi".to_vec()).await;
///     r?;
///     let (n, buf) = server.read(Vec::with_capacity(8)).await;
///     assert_eq!(&buf[..n?], b"hi");
///     let _also = UnixListener::from_std(&d, std::os::unix::net::UnixListener::bind(path.with_extension("2"))?);
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// std::fs::remove_file(path.with_extension("2"))?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixListener<K: Kernel = Linux> {
    inner: Sock<K>,
}

fd_traits!(UnixListener);

impl<K: Kernel> UnixListener<K> {
    /// Creates a socket bound to `path` and listens (backlog 1024). The
    /// path must not exist yet.
    pub async fn bind(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Self> {
        let addr = SockAddr::unix(path)?;
        let inner = Sock::socket(driver, libc::AF_UNIX, libc::SOCK_STREAM).await?;
        inner.bind(addr).await?;
        inner.listen(1024).await?;
        Ok(UnixListener { inner })
    }

    /// Wraps a `std::os::unix::net::UnixListener`.
    pub fn from_std(driver: &Driver<K>, l: std::os::unix::net::UnixListener) -> Self {
        UnixListener { inner: Sock::new(driver, l.into()) }
    }

    /// Accepts one connection.
    pub async fn accept(&self) -> io::Result<UnixStream<K>> {
        let op = Accept { fd: self.inner.fd(), addr: SockAddr::empty(), flags: 0 };
        let (fd, _addr) = self.inner.driver.op(op).await?;
        Ok(UnixStream { inner: Sock::new(&self.inner.driver, fd) })
    }
}

/// A connected Unix-domain stream socket.
///
/// ```
/// use ring_core::net::UnixStream;
/// use std::net::Shutdown;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// rt.block_on(async {
///     let (a, b) = UnixStream::pair(&d)?;
///     let (n, _) = a.write(b"ping".to_vec()).await;
///     assert_eq!(n?, 4);
///     let (n, buf) = b.read(Vec::with_capacity(8)).await;
///     assert_eq!(&buf[..n?], b"ping");
///     let (r, _) = b.write_all(b"pong".to_vec()).await;
///     r?;
///     a.shutdown(Shutdown::Write).await?;
///     let (r, buf) = a.read_exact(vec![0u8; 4]).await;
///     r?;
///     assert_eq!(buf, b"pong");
///     a.close().await?;
///     let (c, _d) = std::os::unix::net::UnixStream::pair()?;
///     let c = UnixStream::from_std(&d, c);
///     c.close().await?;
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct UnixStream<K: Kernel = Linux> {
    pub(crate) inner: Sock<K>,
}

fd_traits!(UnixStream);

impl<K: Kernel> UnixStream<K> {
    /// Connects to the socket at `path`.
    pub async fn connect(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Self> {
        let addr = SockAddr::unix(path)?;
        let inner = Sock::socket(driver, libc::AF_UNIX, libc::SOCK_STREAM).await?;
        inner.connect(addr).await?;
        Ok(UnixStream { inner })
    }

    /// A connected pair (`socketpair(2)`, a plain system call).
    pub fn pair(driver: &Driver<K>) -> io::Result<(Self, Self)> {
        let (a, b) = socket::unix_stream_pair()?;
        Ok((UnixStream { inner: Sock::new(driver, a) }, UnixStream { inner: Sock::new(driver, b) }))
    }

    /// Wraps a `std::os::unix::net::UnixStream`.
    pub fn from_std(driver: &Driver<K>, s: std::os::unix::net::UnixStream) -> Self {
        UnixStream { inner: Sock::new(driver, s.into()) }
    }

    /// Reads into `buf`'s capacity.
    pub fn read<B: IoBufMut>(&self, buf: B) -> Op<Recv<B>, K> {
        self.inner.recv(buf)
    }

    /// Writes `buf`'s initialised bytes; may write fewer.
    pub fn write<B: IoBuf>(&self, buf: B) -> Op<Send<B>, K> {
        self.inner.send(buf)
    }

    /// Writes all of `buf`'s initialised bytes.
    pub async fn write_all<B: IoBuf>(&self, buf: B) -> (io::Result<()>, B) {
        self.inner.write_all(buf).await
    }

    /// `shutdown(2)`.
    pub async fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        self.inner.shutdown(how).await
    }

    /// Closes the stream through the ring.
    pub async fn close(self) -> io::Result<()> {
        self.inner.close().await
    }
}
