//! Sockets: creating, binding, listening, accepting, connecting, sending
//! and receiving (copying and zero-copy, plain and with messages), shutting
//! down. Each operation owns every byte its SQE points to: socket
//! addresses, `msghdr`s, iovec arrays, control data.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::{MultiOp, Op};
use crate::ownership::driver::Driver;
use crate::ownership::operation::{Multishot, Operation};
use crate::ownership::ops::sock_addr::SockAddr;
use crate::ownership::ops::{flags, owned_fd, res};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use ring_sys::*;
use std::io;
use std::os::fd::OwnedFd;

/// `socket(2)` (`IORING_OP_SOCKET`, 5.19); see [`Driver::socket`].
#[derive(Debug)]
pub struct Socket {
    domain: i32,
    ty: i32,
    protocol: i32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Socket {
    type Output = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Socket::new(self.domain, self.ty | libc::SOCK_CLOEXEC, self.protocol).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<OwnedFd> {
        owned_fd(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // The socket was created after its owner left: close it.
        drop(owned_fd(&result));
    }
}

/// `bind(2)` (`IORING_OP_BIND`, 6.11); see [`Driver::bind`].
#[derive(Debug)]
pub struct Bind {
    pub(crate) fd: SharedFd,
    pub(crate) addr: SockAddr,
}

// SAFETY: the SQE points at `self.addr`, inside `self` at its final
// address; the kernel only reads it.
unsafe impl Operation for Bind {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Bind::new(self.fd.raw(), self.addr.as_ptr(), self.addr.len).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `listen(2)` (`IORING_OP_LISTEN`, 6.11); see [`Driver::listen`].
#[derive(Debug)]
pub struct Listen {
    pub(crate) fd: SharedFd,
    pub(crate) backlog: i32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Listen {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Listen::new(self.fd.raw(), self.backlog).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `accept4(2)` (`IORING_OP_ACCEPT`, 5.5); see [`Driver::accept`].
#[derive(Debug)]
pub struct Accept {
    pub(crate) fd: SharedFd,
    pub(crate) addr: SockAddr,
    pub(crate) flags: i32,
}

// SAFETY: the SQE points at `self.addr.storage` and `self.addr.len`, both
// inside `self` at its final address; the kernel writes them and nothing
// else can reach them while `self` is in the table.
unsafe impl Operation for Accept {
    /// The connected socket and the peer's address.
    type Output = io::Result<(OwnedFd, SockAddr)>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.addr = SockAddr::empty();
        let len = &raw mut self.addr.len;
        opcode::Accept::new(self.fd.raw(), self.addr.as_mut_ptr(), len)
            .flags(self.flags | libc::SOCK_CLOEXEC)
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        owned_fd(&result).map(|fd| (fd, self.addr))
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // The connection was accepted after its owner left: close it.
        drop(owned_fd(&result));
    }
}

/// Multishot accept (`IORING_ACCEPT_MULTISHOT`, 5.19); see
/// [`Driver::accept_multishot`]. Each item is one accepted connection.
#[derive(Debug)]
pub struct AcceptMulti {
    pub(crate) fd: SharedFd,
    pub(crate) flags: i32,
}

// SAFETY: the SQE carries no pointer (no address is asked for: a
// multishot accept cannot give each connection its own address buffer).
// `item` writes nothing the kernel uses.
unsafe impl Multishot for AcceptMulti {
    type Item = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Accept::new(self.fd.raw(), core::ptr::null_mut(), core::ptr::null_mut())
            .flags(self.flags | libc::SOCK_CLOEXEC)
            .multishot(true)
            .build()
            .into_sqe()
    }

    fn item(&mut self, cqe: Cqe) -> Option<io::Result<OwnedFd>> {
        // The descriptor becomes an OwnedFd as soon as it is taken out of
        // the completion, so an item dropped undelivered closes it.
        Some(owned_fd(&cqe))
    }
}

/// `connect(2)` (`IORING_OP_CONNECT`, 5.5); see [`Driver::connect`].
#[derive(Debug)]
pub struct Connect {
    pub(crate) fd: SharedFd,
    pub(crate) addr: SockAddr,
}

// SAFETY: the SQE points at `self.addr`, inside `self` at its final
// address; the kernel only reads it.
unsafe impl Operation for Connect {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Connect::new(self.fd.raw(), self.addr.as_ptr(), self.addr.len).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `send(2)` of an owned buffer (`IORING_OP_SEND`, 5.6); see [`Driver::send`].
#[derive(Debug)]
pub struct Send<B> {
    pub(crate) fd: SharedFd,
    pub(crate) buf: B,
    pub(crate) flags: i32,
}

// SAFETY: the SQE points at `self.buf`'s stable memory, `bytes_init` long,
// which the kernel only reads.
unsafe impl<B: IoBuf> Operation for Send<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Send::new(self.fd.raw(), self.buf.stable_ptr(), super::rw_len(self.buf.bytes_init()))
            .flags(self.flags as u32)
            .build()
            .into_sqe()
    }

    /// Refused with `EINVAL` for a flag outside [`flags::SEND`].
    #[inline]
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        flags::refuse_msg(self.flags, flags::SEND)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// `recv(2)` into an owned buffer (`IORING_OP_RECV`, 5.6); see [`Driver::recv`].
#[derive(Debug)]
pub struct Recv<B> {
    pub(crate) fd: SharedFd,
    pub(crate) buf: B,
    pub(crate) flags: i32,
}

// SAFETY: the SQE points at `self.buf`'s stable memory, `bytes_total`
// long, which `IoBufMut` guarantees nothing else writes or reads while the
// buffer is in the table.
unsafe impl<B: IoBufMut> Operation for Recv<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Recv::new(self.fd.raw(), self.buf.stable_mut_ptr(), super::rw_len(self.buf.bytes_total()))
            .flags(self.flags as u32)
            .build()
            .into_sqe()
    }

    /// Refused with `EINVAL` for a flag outside [`flags::RECV`] (so never
    /// with `MSG_TRUNC`, whose result counts bytes not written).
    #[inline]
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        flags::refuse_msg(self.flags, flags::RECV)
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            // SAFETY: the kernel wrote the first `n` bytes, and no more than
            // the length it was given (the count is clamped to it, so no
            // result can claim a byte past it).
            unsafe { self.buf.set_init(n.min(super::rw_len(self.buf.bytes_total()) as usize)) };
        }
        (r, self.buf)
    }
}

/// `shutdown(2)` (`IORING_OP_SHUTDOWN`, 5.11); see [`Driver::shutdown_socket`].
#[derive(Debug)]
pub struct Shutdown {
    pub(crate) fd: SharedFd,
    pub(crate) how: i32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Shutdown {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Shutdown::new(self.fd.raw(), self.how).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// A zero-copy send; see [`crate::Driver::send_zc`].
#[derive(Debug)]
pub struct SendZc<B> {
    pub(crate) fd: SharedFd,
    pub(crate) buf: B,
    pub(crate) flags: i32,
}

impl<B: IoBuf> SendZc<B> {
    /// A zero-copy send of `buf`'s initialised bytes on socket `fd`,
    /// which the operation keeps open until it has ended.
    pub fn new(fd: &impl AsSharedFd, buf: B, flags: i32) -> Self {
        SendZc { fd: fd.shared_fd(), buf, flags }
    }
}

// SAFETY: the SQE points at `self.buf`'s stable memory, which the kernel
// reads until it posts the notification; the driver keeps `self` until
// that terminal completion (CQES = 2: the result has IORING_CQE_F_MORE).
unsafe impl<B: IoBuf> Operation for SendZc<B> {
    type Output = (io::Result<usize>, B);
    const CQES: u32 = 2;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_SEND_ZC;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.stable_ptr() as u64);
        sqe.len = super::rw_len(self.buf.bytes_init());
        sqe.set_msg_flags(self.flags as u32);
        sqe
    }

    /// Refused with `EINVAL` for a flag outside
    /// [`flags::SEND_ZC`](super::flags::SEND_ZC).
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        flags::refuse_msg(self.flags, flags::SEND_ZC)
    }

    fn complete(self, result: Cqe, _notif: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// # Sockets
///
/// The socket system calls as operations. Most programs use the objects
/// of [`crate::net`] (`TcpListener`, `TcpStream`, `UdpSocket`,
/// `UnixStream`), which are built on these; the methods are for sockets
/// those do not cover. The operation values behind them have constructors
/// in [`crate::ops`] for linked chains. `sendmsg`, `recvmsg` and
/// `sendmsg_zc` are under *Messages*.
///
/// ```
/// use std::net::{SocketAddr, TcpListener};
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(64)?;
/// let d = rt.driver().clone();
/// rt.block_on(async move {
///     // A client socket made by the ring, connected to std's listener.
///     let listener = Rc::new(TcpListener::bind("127.0.0.1:0")?);
///     let client = Rc::new(d.socket(libc::AF_INET, libc::SOCK_STREAM, 0).await?);
///     d.connect(&client, listener.local_addr()?).await?;
///     let (server, _peer) = d.accept(&listener, libc::SOCK_CLOEXEC).await?;
///     let server = Rc::new(server);
///
///     let (n, _buf) = d.send(&client, b"ping", 0).await;
///     assert_eq!(n?, 4);
///     let (n, buf) = d.recv(&server, Vec::with_capacity(16), 0).await;
///     assert_eq!(&buf[..n?], b"ping");
///
///     // A zero-copy send hands its buffer back after the kernel's
///     // notification, which on loopback can wait for the reader: read on
///     // another task.
///     let reader = {
///         let (d, server) = (d.clone(), server.clone());
///         ring_core::task::spawn(async move { d.recv(&server, Vec::with_capacity(16), 0).await })
///     };
///     let (n, buf) = d.send_zc(&client, vec![7u8; 3], 0).await;
///     assert_eq!((n?, buf.len()), (3, 3));
///     let (n, buf) = reader.await.expect("the reader ran");
///     assert_eq!(n?, buf.len());
///
///     d.shutdown_socket(&client, libc::SHUT_WR).await?;
///
///     // `bind` and `listen` are operations since 6.11: probe first.
///     if d.require(ring_core::sys::IORING_OP_LISTEN).is_ok() {
///         let fd = d.socket(libc::AF_INET, libc::SOCK_STREAM, 0).await?;
///         let listener = Rc::new(TcpListener::from(fd));
///         d.bind(&listener, "127.0.0.1:0".parse::<SocketAddr>().unwrap()).await?;
///         d.listen(&listener, 16).await?;
///         // One accept request, a connection each time it completes.
///         let mut incoming = d.accept_multishot(&listener, 0);
///         let _c = std::net::TcpStream::connect(listener.local_addr()?)?;
///         let conn = incoming.next().await.expect("a connection")?;
///         drop(conn);
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// `socket(2)` (`IORING_OP_SOCKET`, 5.19); the descriptor is
    /// close-on-exec. If the future is dropped and the socket is still
    /// created, the driver closes it.
    pub fn socket(&self, domain: i32, ty: i32, protocol: i32) -> Op<Socket, K> {
        self.op(Socket { domain, ty, protocol })
    }

    /// `bind(2)` (`IORING_OP_BIND`, 6.11).
    pub fn bind(&self, fd: &impl AsSharedFd, addr: impl Into<SockAddr>) -> Op<Bind, K> {
        self.op(Bind { fd: fd.shared_fd(), addr: addr.into() })
    }

    /// `listen(2)` (`IORING_OP_LISTEN`, 6.11).
    pub fn listen(&self, fd: &impl AsSharedFd, backlog: i32) -> Op<Listen, K> {
        self.op(Listen { fd: fd.shared_fd(), backlog })
    }

    /// `accept4(2)` (`IORING_OP_ACCEPT`, 5.5): the connection and the
    /// peer's address. If the future is dropped and the accept still
    /// succeeds, the driver closes the accepted descriptor.
    pub fn accept(&self, fd: &impl AsSharedFd, flags: i32) -> Op<Accept, K> {
        self.op(Accept { fd: fd.shared_fd(), addr: SockAddr::empty(), flags })
    }

    /// A stream of accepted connections (`IORING_ACCEPT_MULTISHOT`, 5.19).
    /// Each item is an `OwnedFd`, so one dropped undelivered is closed.
    pub fn accept_multishot(&self, fd: &impl AsSharedFd, flags: i32) -> MultiOp<AcceptMulti, K> {
        MultiOp::new(self, AcceptMulti { fd: fd.shared_fd(), flags })
    }

    /// `connect(2)` (`IORING_OP_CONNECT`, 5.5).
    pub fn connect(&self, fd: &impl AsSharedFd, addr: impl Into<SockAddr>) -> Op<Connect, K> {
        self.op(Connect { fd: fd.shared_fd(), addr: addr.into() })
    }

    /// `send(2)` of `buf`'s initialised bytes (`IORING_OP_SEND`, 5.6).
    /// `flags` outside [`flags::SEND`] (such as `MSG_ZEROCOPY`: use
    /// [`send_zc`](Self::send_zc)) complete with `EINVAL`.
    pub fn send<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B, flags: i32) -> Op<Send<B>, K> {
        self.op(Send { fd: fd.shared_fd(), buf, flags })
    }

    /// `recv(2)` into `buf`'s capacity (`IORING_OP_RECV`, 5.6); the
    /// buffer's first `n` bytes are then initialised. `flags` outside
    /// [`flags::RECV`] (such as `MSG_TRUNC`) complete with `EINVAL`.
    pub fn recv<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B, flags: i32) -> Op<Recv<B>, K> {
        self.op(Recv { fd: fd.shared_fd(), buf, flags })
    }

    /// `shutdown(2)` (`IORING_OP_SHUTDOWN`, 5.11); `how` is `SHUT_RD`,
    /// `SHUT_WR` or `SHUT_RDWR`.
    pub fn shutdown_socket(&self, fd: &impl AsSharedFd, how: i32) -> Op<Shutdown, K> {
        self.op(Shutdown { fd: fd.shared_fd(), how })
    }

    /// Zero-copy send of `buf` on socket `fd` (`IORING_OP_SEND_ZC`, 6.0).
    /// The buffer is returned only after the kernel's notification that it
    /// no longer uses it, even if the send failed or was cancelled. `flags`
    /// outside [`flags::SEND_ZC`] complete with `EINVAL`.
    ///
    /// When the receiver is on this machine (loopback), some kernels (6.1)
    /// notify only once the receiver has read the data: awaiting the send
    /// before reading, on the same task, then never ends. Read from
    /// another task or thread (see `docs/zero-copy.md`).
    pub fn send_zc<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B, flags: i32) -> Op<SendZc<B>, K> {
        self.op(SendZc { fd: fd.shared_fd(), buf, flags })
    }
}
