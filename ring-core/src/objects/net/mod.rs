//! Sockets driven by the ring: [`TcpListener`], [`TcpStream`],
//! [`UdpSocket`], [`UnixListener`] and [`UnixStream`].
//!
//! Each holds its descriptor as a [`SharedFd`] and a [`Driver`] handle.
//! Methods take `&self`, and every operation they start keeps a clone of
//! the handle in the driver's table until its terminal completion, so the
//! descriptor is closed only after the last operation naming it has ended
//! — even when a future is dropped or forgotten. (A closed descriptor's
//! number can be reused by the next `open`/`accept`; a request still
//! naming it would then act on the wrong file: see [`crate::ownership::shared_fd`].)
//! See [`crate::objects::fs`] for the same choice on files. Each type is also
//! [`AsSharedFd`](crate::AsSharedFd), so it can be passed to any
//! [`Driver`] method that names a descriptor.
//!
//! Buffers are owned and given back with the result, as everywhere in the
//! ownership layer: `let (res, buf) = stream.read(buf).await;`.

mod resolve;
mod stream_io;
mod tcp;
mod udp;
mod unix;

pub(crate) use resolve::each_addr;

pub use tcp::{Incoming, NoRuntime, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixListener, UnixStream};

use crate::kernel::Kernel;
use crate::objects::io::engine::{Access, PollIo, Target};
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Bind, Connect, Listen, Recv, Send, SendZc, Shutdown, SockAddr};
use crate::ownership::shared_fd::SharedFd;
use crate::ownership::socket;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd, RawFd};

/// The descriptor and driver every socket type wraps.
pub(crate) struct Sock<K: Kernel> {
    pub(crate) fd: SharedFd,
    pub(crate) driver: Driver<K>,
    /// The poll-based reader and writer (`crate::objects::io`), made on first use.
    pub(crate) poll: Option<Box<PollIo<K>>>,
}

impl<K: Kernel> Sock<K> {
    pub(crate) fn new(driver: &Driver<K>, fd: OwnedFd) -> Self {
        Sock { fd: SharedFd::new(fd), driver: driver.clone(), poll: None }
    }

    /// A handle for an operation to hold until it has ended.
    pub(crate) fn fd(&self) -> SharedFd {
        self.fd.clone()
    }

    pub(crate) fn raw(&self) -> RawFd {
        self.fd.raw()
    }

    /// Creates a socket through the ring (`IORING_OP_SOCKET`), or with the
    /// system call on kernels before 5.19.
    pub(crate) async fn socket(driver: &Driver<K>, domain: i32, ty: i32) -> io::Result<Self> {
        let fd = if driver.require(ring_sys::IORING_OP_SOCKET).is_ok() {
            driver.socket(domain, ty, 0).await?
        } else {
            socket::socket(domain, ty)?
        };
        Ok(Sock::new(driver, fd))
    }

    /// `bind(2)`: through the ring on 6.11 and later, else the system call.
    pub(crate) async fn bind(&self, addr: SockAddr) -> io::Result<()> {
        if self.driver.require(ring_sys::IORING_OP_BIND).is_ok() {
            self.driver.op(Bind { fd: self.fd(), addr }).await
        } else {
            socket::bind(self.fd.as_fd(), &addr)
        }
    }

    /// `listen(2)`: through the ring on 6.11 and later, else the system call.
    pub(crate) async fn listen(&self, backlog: i32) -> io::Result<()> {
        if self.driver.require(ring_sys::IORING_OP_LISTEN).is_ok() {
            self.driver.op(Listen { fd: self.fd(), backlog }).await
        } else {
            socket::listen(self.fd.as_fd(), backlog)
        }
    }

    pub(crate) async fn connect(&self, addr: SockAddr) -> io::Result<()> {
        self.driver.op(Connect { fd: self.fd(), addr }).await
    }

    pub(crate) fn recv<B: IoBufMut>(&self, buf: B) -> Op<Recv<B>, K> {
        self.driver.op(Recv { fd: self.fd(), buf, flags: 0 })
    }

    pub(crate) fn send<B: IoBuf>(&self, buf: B) -> Op<Send<B>, K> {
        self.driver.op(Send { fd: self.fd(), buf, flags: libc::MSG_NOSIGNAL })
    }

    pub(crate) fn send_zc<B: IoBuf>(&self, buf: B) -> Op<SendZc<B>, K> {
        self.driver.op(SendZc { fd: self.fd(), buf, flags: libc::MSG_NOSIGNAL })
    }

    pub(crate) async fn write_all<B: IoBuf>(&self, buf: B) -> (io::Result<()>, B) {
        let total = buf.bytes_init();
        let mut done = 0;
        let mut buf = buf;
        while done < total {
            let (r, slice) = self.send(buf.slice(done..total)).await;
            buf = slice.into_inner();
            match r {
                Ok(0) => return (Err(io::ErrorKind::WriteZero.into()), buf),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    pub(crate) async fn shutdown(&self, how: std::net::Shutdown) -> io::Result<()> {
        let how = match how {
            std::net::Shutdown::Read => libc::SHUT_RD,
            std::net::Shutdown::Write => libc::SHUT_WR,
            std::net::Shutdown::Both => libc::SHUT_RDWR,
        };
        self.driver.op(Shutdown { fd: self.fd(), how }).await
    }

    pub(crate) fn local_addr(&self) -> io::Result<SockAddr> {
        socket::local_addr(self.fd.as_fd())
    }

    pub(crate) fn peer_addr(&self) -> io::Result<SockAddr> {
        socket::peer_addr(self.fd.as_fd())
    }

    pub(crate) fn set_opt(&self, level: i32, name: i32, value: i32) -> io::Result<()> {
        socket::set_int_option(self.fd.as_fd(), level, name, value)
    }

    /// Gives the descriptor back if no operation naming it is in flight
    /// (and no other handle of it lives).
    pub(crate) fn into_fd(self) -> Result<OwnedFd, Self> {
        let Sock { fd, driver, poll } = self;
        fd.try_into_owned().map_err(|fd| Sock { fd, driver, poll })
    }

    pub(crate) async fn close(mut self) -> io::Result<()> {
        // Writes queued by the poll-based writer go out first, and their
        // failure is this close's; a read it left in flight is cancelled.
        if let Some(mut p) = self.poll.take() {
            let t = Target { fd: &self.fd, driver: &self.driver };
            core::future::poll_fn(|cx| p.poll_flush(&t, cx)).await?;
        }
        match self.fd.try_into_owned() {
            Ok(fd) => self.driver.close(fd).await,
            // Still named by operations in flight: closed when the last ends.
            Err(_) => Ok(()),
        }
    }

    pub(crate) fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The poll-based engine (made on first use) and what it names.
    pub(crate) fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>) {
        let io = self
            .poll
            .get_or_insert_with(|| Box::new(PollIo::new(Access::Socket, crate::objects::io::engine::DEFAULT_BUFFER)));
        (io, Target { fd: &self.fd, driver: &self.driver })
    }
}

pub(crate) fn inet_addr(a: &SockAddr) -> io::Result<std::net::SocketAddr> {
    a.as_socket_addr().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an IP socket address"))
}

pub(crate) fn domain_of(addr: &std::net::SocketAddr) -> i32 {
    if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    }
}

/// Implements the descriptor traits for a socket type holding `inner: Sock<K>`.
macro_rules! fd_traits {
    ($ty:ident) => {
        impl<K: crate::kernel::Kernel> std::os::fd::AsFd for $ty<K> {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.inner.as_fd()
            }
        }

        impl<K: crate::kernel::Kernel> std::os::fd::AsRawFd for $ty<K> {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.inner.raw()
            }
        }

        impl<K: crate::kernel::Kernel> crate::ownership::shared_fd::AsSharedFd for $ty<K> {
            fn shared_fd(&self) -> crate::ownership::shared_fd::SharedFd {
                self.inner.fd()
            }
        }

        impl<K: crate::kernel::Kernel> core::fmt::Debug for $ty<K> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($ty)).field("fd", &self.inner.raw()).finish()
            }
        }

        impl<K: crate::kernel::Kernel> TryFrom<$ty<K>> for std::os::fd::OwnedFd {
            type Error = $ty<K>;

            /// The descriptor, if no operation naming it is in flight
            /// (else the socket is given back).
            fn try_from(s: $ty<K>) -> Result<std::os::fd::OwnedFd, $ty<K>> {
                s.inner.into_fd().map_err(|inner| $ty { inner })
            }
        }
    };
}
pub(crate) use fd_traits;
