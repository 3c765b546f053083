//! Networking and readiness operations: sockets, connections, messages,
//! polling and epoll. Each operation owns every byte its SQE points to:
//! socket addresses, `msghdr`s, iovec arrays, control buffers and epoll
//! event arrays live inside the operation value (at its final address in
//! the driver's table) or on the heap behind pointers it owns.

use super::{res, IOV_MAX};
use crate::buf::{IoBuf, IoBufMut};
use crate::cqueue::Cqe;
use crate::driver::Driver;
use crate::kernel::Kernel;
use crate::op::{MultiOp, Multishot, Op, Operation, PollTarget};
use crate::opcode;
use crate::ring::RingId;
use crate::shared_fd::{AsSharedFd, SharedFd};
use ring_sys::io_uring_sqe;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Wraps a non-negative descriptor result as an `OwnedFd`.
pub(crate) fn owned_fd(result: &Cqe) -> io::Result<OwnedFd> {
    let fd = res(result)?;
    // SAFETY: the kernel just created this descriptor for us; nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// A socket address in kernel form (`sockaddr_storage` and its length),
/// owned by the operation that hands it to the kernel.
#[derive(Clone, Copy)]
pub struct SockAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl core::fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_socket_addr() {
            Some(a) => write!(f, "SockAddr({a})"),
            None => write!(f, "SockAddr(family {}, len {})", self.storage.ss_family, self.len),
        }
    }
}

impl SockAddr {
    /// An empty address with room for any family (for the kernel to fill).
    pub fn empty() -> Self {
        // SAFETY: sockaddr_storage is plain integers; all-zero is valid.
        let storage = unsafe { core::mem::zeroed::<libc::sockaddr_storage>() };
        SockAddr { storage, len: core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t }
    }

    /// The kernel form of an IPv4 or IPv6 address.
    pub fn from_std(addr: SocketAddr) -> Self {
        let mut s = SockAddr::empty();
        match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for
                // every sockaddr type; we write one sockaddr_in at its start.
                unsafe { (&raw mut s.storage).cast::<libc::sockaddr_in>().write(sin) };
                s.len = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo().to_be(),
                    sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: as above, for a sockaddr_in6.
                unsafe { (&raw mut s.storage).cast::<libc::sockaddr_in6>().write(sin6) };
                s.len = core::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            }
        }
        s
    }

    /// A Unix-domain address for `path` (a file-system path; an abstract
    /// address starts with a NUL byte). Fails if the path does not fit in
    /// `sun_path`.
    pub fn unix(path: impl AsRef<Path>) -> io::Result<Self> {
        let bytes = path.as_ref().as_os_str().as_bytes();
        let mut s = SockAddr::empty();
        // SAFETY: sockaddr_un fits in and is aligned for sockaddr_storage.
        let sun = unsafe { &mut *(&raw mut s.storage).cast::<libc::sockaddr_un>() };
        if bytes.len() >= sun.sun_path.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "path too long for sockaddr_un"));
        }
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (d, b) in sun.sun_path.iter_mut().zip(bytes) {
            *d = *b as libc::c_char;
        }
        let base = core::mem::offset_of!(libc::sockaddr_un, sun_path);
        // A path name is NUL-terminated; an abstract one is its exact length.
        let extra = usize::from(bytes.first().is_some_and(|&b| b != 0));
        s.len = (base + bytes.len() + extra) as libc::socklen_t;
        Ok(s)
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`, ...).
    pub fn family(&self) -> i32 {
        i32::from(self.storage.ss_family)
    }

    /// The length the kernel reported (or that was given).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the address is empty (the kernel reported no address).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The IPv4 or IPv6 address, if it is one.
    pub fn as_socket_addr(&self) -> Option<SocketAddr> {
        match self.family() {
            libc::AF_INET if self.len() >= core::mem::size_of::<libc::sockaddr_in>() => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let sin = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_in>() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
            }
            libc::AF_INET6 if self.len() >= core::mem::size_of::<libc::sockaddr_in6>() => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let sin6 = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_in6>() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    u32::from_be(sin6.sin6_flowinfo),
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }

    /// The path bytes of a Unix-domain address (empty for an unnamed one).
    pub fn unix_path(&self) -> Option<&[u8]> {
        if self.family() != libc::AF_UNIX {
            return None;
        }
        // SAFETY: the family says the storage holds a sockaddr_un.
        let sun = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_un>() };
        let base = core::mem::offset_of!(libc::sockaddr_un, sun_path);
        let n = self.len().saturating_sub(base).min(sun.sun_path.len());
        // SAFETY: c_char and u8 have the same layout; `n` is within sun_path.
        let bytes = unsafe { core::slice::from_raw_parts(sun.sun_path.as_ptr().cast::<u8>(), n) };
        Some(bytes.strip_suffix(&[0]).unwrap_or(bytes))
    }

    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }

    pub(crate) fn set_len(&mut self, len: libc::socklen_t) {
        self.len = len.min(core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t);
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&raw mut self.storage).cast()
    }
}

impl From<SocketAddr> for SockAddr {
    fn from(a: SocketAddr) -> Self {
        SockAddr::from_std(a)
    }
}

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

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            // SAFETY: the kernel wrote the first `n` bytes.
            unsafe { self.buf.set_init(n) };
        }
        (r, self.buf)
    }
}

/// Everything a `sendmsg`/`recvmsg` needs, owned: the data buffers, their
/// iovec array, the peer address and the control (ancillary data) buffer.
/// The `msghdr` itself is built inside the operation at its final address.
#[derive(Debug)]
pub struct Msg<B> {
    /// The data buffers, in order.
    pub bufs: Vec<B>,
    /// The peer address: the destination for a send (if set), the source
    /// the kernel filled in after a receive.
    pub addr: Option<SockAddr>,
    /// Ancillary data: sent as is; for a receive, its capacity is offered
    /// to the kernel and its length set to what the kernel wrote.
    pub control: Vec<u8>,
    /// `msg_flags` after a receive (`MSG_TRUNC`, `MSG_CTRUNC`, ...).
    pub flags: i32,
}

impl<B> Msg<B> {
    /// A message of `bufs` with no address and no control data.
    pub fn new(bufs: Vec<B>) -> Self {
        Msg { bufs, addr: None, control: Vec::new(), flags: 0 }
    }

    /// Sets the destination (for a send) address.
    pub fn to(mut self, addr: impl Into<SockAddr>) -> Self {
        self.addr = Some(addr.into());
        self
    }

    /// Sets the control buffer.
    pub fn control(mut self, control: Vec<u8>) -> Self {
        self.control = control;
        self
    }
}

/// The refusal of a message with more buffers than one request carries
/// (the kernel would answer `EMSGSIZE`): it never reaches the kernel, and
/// nothing is allocated for its iovecs.
fn too_many_buffers(n: usize) -> Option<i32> {
    (n > IOV_MAX).then_some(libc::E2BIG)
}

/// The typed error of such a message, given back with it.
fn too_many_buffers_error(n: usize) -> io::Error {
    crate::Error::TooLong { what: "message buffer count", len: n, max: IOV_MAX }.into()
}

/// Whether control data `control` passes descriptors (`SCM_RIGHTS`), walked
/// as the kernel walks it (`for_each_cmsghdr`, `__cmsg_nxthdr`): a header
/// is read while one fits, and the next starts `CMSG_ALIGN(cmsg_len)` bytes
/// later. The numbers in such a message are looked up when the kernel
/// issues the send, and a descriptor closed meanwhile, its number taken by
/// another file, would send that file to the peer.
fn passes_descriptors(control: &[u8]) -> bool {
    let hdr = core::mem::size_of::<libc::cmsghdr>();
    let align = core::mem::size_of::<usize>();
    let mut at = 0usize;
    while control.len().saturating_sub(at) >= hdr {
        // SAFETY: `hdr` bytes from `at` lie inside `control`; the header may
        // be unaligned there, hence `read_unaligned`.
        let c = unsafe { control.as_ptr().add(at).cast::<libc::cmsghdr>().read_unaligned() };
        if c.cmsg_level == libc::SOL_SOCKET && c.cmsg_type == libc::SCM_RIGHTS {
            return true;
        }
        // `cmsg_len` is `size_t` on glibc and `socklen_t` on musl.
        #[allow(clippy::unnecessary_cast)]
        let len = c.cmsg_len as usize;
        if len < hdr {
            // The kernel refuses the message (`CMSG_OK`) at this header.
            return false;
        }
        match len.checked_next_multiple_of(align).and_then(|l| at.checked_add(l)) {
            Some(next) => at = next,
            None => return false,
        }
    }
    false
}

/// The owned `msghdr` and iovec array of a message operation.
pub(crate) struct MsgParts {
    hdr: libc::msghdr,
    iovecs: Vec<libc::iovec>,
}

impl MsgParts {
    pub(crate) fn new() -> Self {
        // SAFETY: msghdr is plain integers and pointers; all-zero (null
        // pointers, zero lengths) is a valid value.
        MsgParts { hdr: unsafe { core::mem::zeroed() }, iovecs: Vec::new() }
    }
}

/// `sendmsg(2)` (`IORING_OP_SENDMSG`, 5.3), or its zero-copy form
/// (`IORING_OP_SENDMSG_ZC`, 6.1); see [`Driver::sendmsg`].
pub struct SendMsg<B> {
    pub(crate) fd: SharedFd,
    pub(crate) msg: Msg<B>,
    pub(crate) parts: MsgParts,
    pub(crate) flags: i32,
    pub(crate) zc: bool,
}

impl<B> core::fmt::Debug for SendMsg<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SendMsg").field("fd", &self.fd).field("zc", &self.zc).finish_non_exhaustive()
    }
}

// SAFETY: the SQE points at `self.parts.hdr` (inside `self`), which points at `self.parts.iovecs` (heap), `self.msg.addr`
// (inside `self`) and `self.msg.control` (heap), all owned; each iovec points at one of `self.msg.bufs`' stable memories,
// `bytes_init` long, which the kernel only reads. The zero-copy form (`SendMsgZcOp`, `CQES = 2`) keeps all to the notification.
unsafe impl<B: IoBuf> Operation for SendMsg<B> {
    type Output = (io::Result<usize>, Msg<B>);

    fn prepare(&mut self) -> io_uring_sqe {
        let p = &mut self.parts;
        p.iovecs.clear();
        for b in &self.msg.bufs {
            p.iovecs.push(libc::iovec { iov_base: b.stable_ptr() as *mut _, iov_len: b.bytes_init() });
        }
        p.hdr.msg_iov = p.iovecs.as_mut_ptr();
        p.hdr.msg_iovlen = p.iovecs.len() as _;
        match &mut self.msg.addr {
            Some(a) => {
                p.hdr.msg_name = a.as_mut_ptr().cast();
                p.hdr.msg_namelen = a.len;
            }
            None => {
                p.hdr.msg_name = core::ptr::null_mut();
                p.hdr.msg_namelen = 0;
            }
        }
        if self.msg.control.is_empty() {
            p.hdr.msg_control = core::ptr::null_mut();
            p.hdr.msg_controllen = 0;
        } else {
            p.hdr.msg_control = self.msg.control.as_mut_ptr().cast();
            p.hdr.msg_controllen = self.msg.control.len() as _;
        }
        if self.zc {
            opcode::SendMsgZc::new(self.fd.raw(), &raw const p.hdr).flags(self.flags as u32).build().into_sqe()
        } else {
            opcode::SendMsg::new(self.fd.raw(), &raw const p.hdr).flags(self.flags as u32).build().into_sqe()
        }
    }

    /// More than [`IOV_MAX`] buffers are refused with
    /// [`crate::Error::TooLong`], and control data passing descriptors by
    /// number (`SCM_RIGHTS`) with [`crate::Error::InvalidArgument`], the
    /// message given back: the kernel looks those numbers up when it issues
    /// the send, when they may name other files.
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        too_many_buffers(self.msg.bufs.len()).or_else(|| passes_descriptors(&self.msg.control).then_some(libc::EINVAL))
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        if too_many_buffers(self.msg.bufs.len()).is_some() {
            return (Err(too_many_buffers_error(self.msg.bufs.len())), self.msg);
        }
        if passes_descriptors(&self.msg.control) {
            let e = crate::Error::InvalidArgument("SCM_RIGHTS names descriptors by number, looked up only at issue");
            return (Err(e.into()), self.msg);
        }
        (res(&result).map(|n| n as usize), self.msg)
    }
}

impl<B> SendMsg<B> {
    pub(crate) fn new(fd: SharedFd, msg: Msg<B>, flags: i32) -> Self {
        SendMsg { fd, msg, parts: MsgParts::new(), flags, zc: false }
    }
}

impl<B> RecvMsg<B> {
    pub(crate) fn new(fd: SharedFd, msg: Msg<B>, flags: i32) -> Self {
        RecvMsg { fd, msg, parts: MsgParts::new(), name: SockAddr::empty(), flags }
    }
}

/// `recvmsg(2)` (`IORING_OP_RECVMSG`, 5.3); see [`Driver::recvmsg`].
pub struct RecvMsg<B> {
    pub(crate) fd: SharedFd,
    pub(crate) msg: Msg<B>,
    pub(crate) parts: MsgParts,
    pub(crate) name: SockAddr,
    pub(crate) flags: i32,
}

impl<B> core::fmt::Debug for RecvMsg<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecvMsg").field("fd", &self.fd).finish_non_exhaustive()
    }
}

// SAFETY: the SQE points at `self.parts.hdr` (inside `self`), which points at `self.parts.iovecs` (heap), `self.name` (inside
// `self`) and the spare capacity of `self.msg.control` (heap), all owned; each iovec points at one of `self.msg.bufs`' stable
// memories, `bytes_total` long. What the kernel writes (buffers, name, control, lengths) nothing else reaches meanwhile.
unsafe impl<B: IoBufMut> Operation for RecvMsg<B> {
    type Output = (io::Result<usize>, Msg<B>);

    fn prepare(&mut self) -> io_uring_sqe {
        let p = &mut self.parts;
        p.iovecs.clear();
        for b in &mut self.msg.bufs {
            p.iovecs.push(libc::iovec { iov_base: b.stable_mut_ptr().cast(), iov_len: b.bytes_total() });
        }
        self.name = SockAddr::empty();
        p.hdr.msg_iov = p.iovecs.as_mut_ptr();
        p.hdr.msg_iovlen = p.iovecs.len() as _;
        p.hdr.msg_name = self.name.as_mut_ptr().cast();
        p.hdr.msg_namelen = self.name.len;
        self.msg.control.clear();
        if self.msg.control.capacity() == 0 {
            p.hdr.msg_control = core::ptr::null_mut();
            p.hdr.msg_controllen = 0;
        } else {
            p.hdr.msg_control = self.msg.control.as_mut_ptr().cast();
            p.hdr.msg_controllen = self.msg.control.capacity() as _;
        }
        opcode::RecvMsg::new(self.fd.raw(), &raw mut p.hdr).flags(self.flags as u32).build().into_sqe()
    }

    /// As for [`SendMsg`]: more than [`IOV_MAX`] buffers are refused.
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        too_many_buffers(self.msg.bufs.len())
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        if too_many_buffers(self.msg.bufs.len()).is_some() {
            return (Err(too_many_buffers_error(self.msg.bufs.len())), self.msg);
        }
        let r = res(&result).map(|n| n as usize);
        if let Ok(mut n) = r {
            for b in &mut self.msg.bufs {
                let here = n.min(b.bytes_total());
                // SAFETY: the kernel filled the buffers in order; this one
                // received its first `here` bytes.
                unsafe { b.set_init(here) };
                n -= here;
            }
            // `msg_controllen` is `size_t` on glibc and `socklen_t` on musl.
            #[allow(clippy::unnecessary_cast)]
            let clen = (self.parts.hdr.msg_controllen as usize).min(self.msg.control.capacity());
            // SAFETY: the kernel wrote `msg_controllen` bytes of control
            // data into the capacity it was offered.
            unsafe { self.msg.control.set_len(clen) };
            self.name.len = self.parts.hdr.msg_namelen.min(core::mem::size_of::<libc::sockaddr_storage>() as u32);
            self.msg.addr = (self.name.len > 0).then_some(self.name);
            self.msg.flags = self.parts.hdr.msg_flags;
        }
        (r, self.msg)
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

/// A single-shot poll (`IORING_OP_POLL_ADD`, 5.1); see [`Driver::poll_add`].
#[derive(Debug)]
pub struct PollAdd {
    fd: SharedFd,
    events: u32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for PollAdd {
    /// The `revents` mask.
    type Output = io::Result<u32>;
    const NAMEABLE: bool = true;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::PollAdd::new(self.fd.raw(), self.events).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

/// Removes or updates a poll (`IORING_OP_POLL_REMOVE`, 5.1; updates 5.13);
/// see [`Driver::poll_remove`] and [`Driver::poll_update`].
///
/// It names its poll by a [`PollTarget`], never by a bare number, and the
/// driver starts it only while that poll is in flight (see
/// [`Operation::names`]): between that check and the moment the kernel
/// looks the poll up, the poll's entry cannot come back to the same
/// generation, since the removal is issued at the next submission, ahead
/// of every operation started after it. It has no public constructor on
/// purpose: as a chain member it would be issued only once the members
/// before it had ended, arbitrarily late.
#[derive(Debug)]
pub struct PollRemove {
    target: PollTarget,
    new_events: Option<u32>,
}

// SAFETY: the SQE carries no pointer (the target is a `user_data` value).
unsafe impl Operation for PollRemove {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut b = opcode::PollRemove::new(self.target.user_data());
        if let Some(ev) = self.new_events {
            // The kernel keeps a poll's behaviour flags on an update (a
            // single-shot poll stays single-shot: `io_poll_remove` replaces
            // only the low 16 event bits); `IORING_POLL_ADD_MULTI` is asked
            // for only for a poll that is multishot already, so no update
            // can make a poll post more completions than it holds credits.
            b = b.new_events(ev).multi(self.target.multishot);
        }
        b.build().into_sqe()
    }

    /// Another driver's poll is refused with `EXDEV` (its number names
    /// some other operation here, or none).
    fn refuse(&self, ring: RingId) -> Option<i32> {
        (self.target.ring != ring).then_some(libc::EXDEV)
    }

    fn names(&self) -> Option<PollTarget> {
        Some(self.target)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `epoll_ctl(2)` (`IORING_OP_EPOLL_CTL`, 5.6); see [`Driver::epoll_ctl`].
pub struct EpollCtl {
    epfd: SharedFd,
    fd: SharedFd,
    op: i32,
    event: libc::epoll_event,
}

impl core::fmt::Debug for EpollCtl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpollCtl").field("epfd", &self.epfd).field("fd", &self.fd).field("op", &self.op).finish()
    }
}

// SAFETY: the SQE points at `self.event`, inside `self` at its final
// address; the kernel only reads it.
unsafe impl Operation for EpollCtl {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::EpollCtl::new(self.epfd.raw(), self.fd.raw(), self.op, &raw const self.event).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// The most events one `epoll_wait` reports (`EP_MAX_EVENTS` in the
/// kernel: `INT_MAX / sizeof(struct epoll_event)`).
pub const EP_MAX_EVENTS: usize = i32::MAX as usize / core::mem::size_of::<libc::epoll_event>();

/// `epoll_wait(2)` (`IORING_OP_EPOLL_WAIT`, 6.15) into an owned event
/// array; see [`Driver::epoll_wait`].
pub struct EpollWait {
    epfd: SharedFd,
    events: Vec<libc::epoll_event>,
}

impl core::fmt::Debug for EpollWait {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpollWait").field("epfd", &self.epfd).field("capacity", &self.events.capacity()).finish()
    }
}

// SAFETY: the SQE points at the spare capacity of `self.events` (heap,
// owned, `capacity` entries); the kernel writes it and nothing else can
// reach it while `self` is in the table.
unsafe impl Operation for EpollWait {
    /// The events the kernel reported (the vector's length is their count).
    type Output = io::Result<Vec<libc::epoll_event>>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.events.clear();
        let cap = self.events.capacity().min(EP_MAX_EVENTS) as u32;
        opcode::EpollWait::new(self.epfd.raw(), self.events.as_mut_ptr(), cap).build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let n = res(&result)? as usize;
        // SAFETY: the kernel wrote `n <= capacity` events.
        unsafe { self.events.set_len(n.min(self.events.capacity())) };
        Ok(self.events)
    }
}

/// The socket commands of `IORING_OP_URING_CMD` (6.7); see
/// [`Driver::socket_cmd`].
#[derive(Debug)]
pub enum SocketCmd {
    /// `SIOCINQ`: bytes queued for reading.
    InQueue,
    /// `SIOCOUTQ`: bytes queued for sending, not yet acknowledged.
    OutQueue,
    /// `getsockopt(level, name)` into a buffer of this capacity.
    GetOpt {
        /// `SOL_SOCKET`, `IPPROTO_TCP`, ...
        level: i32,
        /// `SO_RCVBUF`, `TCP_NODELAY`, ...
        name: i32,
        /// Receives the option's value; its capacity is offered.
        value: Vec<u8>,
    },
    /// `setsockopt(level, name, value)`.
    SetOpt {
        /// `SOL_SOCKET`, `IPPROTO_TCP`, ...
        level: i32,
        /// `SO_RCVBUF`, `TCP_NODELAY`, ...
        name: i32,
        /// The option's value.
        value: Vec<u8>,
    },
}

/// The socket options whose value is plain data, as `(level, name)`: no
/// pointer the kernel follows, no descriptor number it looks up. The only
/// options [`Driver::socket_cmd`] sets (others need
/// [`Driver::socket_cmd_unchecked`]).
pub const PLAIN_SOCKOPTS: &[(i32, i32)] = &[
    (libc::SOL_SOCKET, libc::SO_DEBUG),
    (libc::SOL_SOCKET, libc::SO_REUSEADDR),
    (libc::SOL_SOCKET, libc::SO_REUSEPORT),
    (libc::SOL_SOCKET, libc::SO_DONTROUTE),
    (libc::SOL_SOCKET, libc::SO_BROADCAST),
    (libc::SOL_SOCKET, libc::SO_SNDBUF),
    (libc::SOL_SOCKET, libc::SO_RCVBUF),
    (libc::SOL_SOCKET, libc::SO_SNDBUFFORCE),
    (libc::SOL_SOCKET, libc::SO_RCVBUFFORCE),
    (libc::SOL_SOCKET, libc::SO_KEEPALIVE),
    (libc::SOL_SOCKET, libc::SO_OOBINLINE),
    (libc::SOL_SOCKET, libc::SO_NO_CHECK),
    (libc::SOL_SOCKET, libc::SO_PRIORITY),
    (libc::SOL_SOCKET, libc::SO_LINGER),
    (libc::SOL_SOCKET, libc::SO_PASSCRED),
    (libc::SOL_SOCKET, libc::SO_RCVLOWAT),
    (libc::SOL_SOCKET, libc::SO_RCVTIMEO),
    (libc::SOL_SOCKET, libc::SO_SNDTIMEO),
    (libc::SOL_SOCKET, libc::SO_TIMESTAMP),
    (libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
    (libc::SOL_SOCKET, libc::SO_MARK),
    (libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
    (libc::SOL_SOCKET, libc::SO_PEEK_OFF),
    (libc::SOL_SOCKET, libc::SO_BUSY_POLL),
    (libc::SOL_SOCKET, libc::SO_INCOMING_CPU),
    (libc::SOL_SOCKET, libc::SO_ZEROCOPY),
    (libc::SOL_SOCKET, libc::SO_BINDTODEVICE),
    (libc::SOL_SOCKET, libc::SO_MAX_PACING_RATE),
    (libc::IPPROTO_TCP, libc::TCP_NODELAY),
    (libc::IPPROTO_TCP, libc::TCP_MAXSEG),
    (libc::IPPROTO_TCP, libc::TCP_CORK),
    (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
    (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
    (libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
    (libc::IPPROTO_TCP, libc::TCP_SYNCNT),
    (libc::IPPROTO_TCP, libc::TCP_LINGER2),
    (libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT),
    (libc::IPPROTO_TCP, libc::TCP_WINDOW_CLAMP),
    (libc::IPPROTO_TCP, libc::TCP_QUICKACK),
    (libc::IPPROTO_TCP, libc::TCP_CONGESTION),
    (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
    (libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT),
    (libc::IPPROTO_TCP, libc::TCP_FASTOPEN),
    (libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT),
    (libc::IPPROTO_IP, libc::IP_TOS),
    (libc::IPPROTO_IP, libc::IP_TTL),
    (libc::IPPROTO_IP, libc::IP_RECVERR),
    (libc::IPPROTO_IP, libc::IP_MTU_DISCOVER),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_IF),
    (libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP),
    (libc::IPPROTO_IP, libc::IP_DROP_MEMBERSHIP),
    (libc::IPPROTO_IP, libc::IP_FREEBIND),
    (libc::IPPROTO_IP, libc::IP_TRANSPARENT),
    (libc::IPPROTO_IP, libc::IP_PKTINFO),
    (libc::IPPROTO_IP, libc::IP_RECVTOS),
    (libc::IPPROTO_IP, libc::IP_RECVTTL),
    (libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT),
    (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
    (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF),
    (libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP),
    (libc::IPPROTO_IPV6, libc::IPV6_DROP_MEMBERSHIP),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
    (libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
    (libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER),
    (libc::IPPROTO_UDP, libc::UDP_CORK),
    (libc::IPPROTO_UDP, libc::UDP_SEGMENT),
    (libc::IPPROTO_UDP, libc::UDP_GRO),
];

/// A socket `IORING_OP_URING_CMD`; see [`Driver::socket_cmd`].
///
/// The operation holds the socket's descriptor (a [`SharedFd`]), checked
/// to be a socket when the operation was made. A `uring_cmd` is
/// interpreted by whatever file the descriptor names, and another file
/// type (a device driver) could read pointers out of the command bytes;
/// holding the descriptor open means the number cannot be closed and
/// reused for such a file while the command is in flight, so the check
/// stays true.
#[derive(Debug)]
pub struct SocketCmdOp {
    fd: SharedFd,
    cmd: SocketCmd,
}

// SAFETY: the descriptor is held open by `self` and is a socket (fstat-checked at creation; an open descriptor keeps naming
// the same file), so the socket `uring_cmd` handler reads the command. SIOCINQ/SIOCOUTQ carry no pointer; the sockopt variants point at `value`'s heap memory, owned by `self`:
// getsockopt offers its capacity (kernel-written, reachable by nothing else meanwhile), setsockopt its length (only read).
// The option's value holds no pointer the kernel follows and no descriptor number: `Driver::socket_cmd` lets through only
// `PLAIN_SOCKOPTS` and `SOL_SOCKET` reads, and `Driver::socket_cmd_unchecked`'s caller promises it.
unsafe impl Operation for SocketCmdOp {
    /// The command's result (a byte count, or the option's length for
    /// getsockopt) and the command with its (filled) buffer.
    type Output = (io::Result<u32>, SocketCmd);

    fn prepare(&mut self) -> io_uring_sqe {
        let fd = self.fd.raw();
        let b = match &mut self.cmd {
            SocketCmd::InQueue => opcode::UringCmd::siocinq(fd),
            SocketCmd::OutQueue => opcode::UringCmd::siocoutq(fd),
            SocketCmd::GetOpt { level, name, value } => {
                value.clear();
                let cap = value.capacity().min(u32::MAX as usize) as u32;
                opcode::UringCmd::getsockopt(fd, *level as u32, *name as u32, value.as_mut_ptr().cast(), cap)
            }
            SocketCmd::SetOpt { level, name, value } => {
                let len = value.len().min(u32::MAX as usize) as u32;
                opcode::UringCmd::setsockopt(fd, *level as u32, *name as u32, value.as_ptr().cast(), len)
            }
        };
        b.build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result);
        if let (Ok(n), SocketCmd::GetOpt { value, .. }) = (&r, &mut self.cmd) {
            // SAFETY: the kernel wrote the option's `n` bytes (at most the
            // capacity it was offered).
            unsafe { value.set_len((*n as usize).min(value.capacity())) };
        }
        (r, self.cmd)
    }
}

/// Sockets, readiness (poll and epoll) and socket commands.
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
    pub fn send<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B, flags: i32) -> Op<Send<B>, K> {
        self.op(Send { fd: fd.shared_fd(), buf, flags })
    }

    /// `recv(2)` into `buf`'s capacity (`IORING_OP_RECV`, 5.6); the
    /// buffer's first `n` bytes are then initialised.
    pub fn recv<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B, flags: i32) -> Op<Recv<B>, K> {
        self.op(Recv { fd: fd.shared_fd(), buf, flags })
    }

    /// `sendmsg(2)` (`IORING_OP_SENDMSG`, 5.3) of an owned message.
    pub fn sendmsg<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsg<B>, K> {
        self.op(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: false })
    }

    /// Zero-copy `sendmsg(2)` (`IORING_OP_SENDMSG_ZC`, 6.1). The message
    /// comes back only after the kernel's notification that it no longer
    /// reads the buffers.
    pub fn sendmsg_zc<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsgZcOp<B>, K> {
        self.op(SendMsgZcOp(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: true }))
    }

    /// `recvmsg(2)` (`IORING_OP_RECVMSG`, 5.3) into an owned message: the
    /// buffers are filled in order, `addr` is set to the source address and
    /// `control` to the ancillary data received (up to its capacity).
    pub fn recvmsg<B: IoBufMut>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<RecvMsg<B>, K> {
        self.op(RecvMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), name: SockAddr::empty(), flags })
    }

    /// `shutdown(2)` (`IORING_OP_SHUTDOWN`, 5.11); `how` is `SHUT_RD`,
    /// `SHUT_WR` or `SHUT_RDWR`.
    pub fn shutdown_socket(&self, fd: &impl AsSharedFd, how: i32) -> Op<Shutdown, K> {
        self.op(Shutdown { fd: fd.shared_fd(), how })
    }

    /// A single-shot poll (`IORING_OP_POLL_ADD`, 5.1): resolves to the
    /// `revents` mask once `fd` is ready for `events`.
    pub fn poll_add(&self, fd: &impl AsSharedFd, events: u32) -> Op<PollAdd, K> {
        self.op(PollAdd { fd: fd.shared_fd(), events })
    }

    /// Removes the poll `target` names (`IORING_OP_POLL_REMOVE`, 5.1): it
    /// completes with `ECANCELED`. Take the target from the poll's future
    /// ([`Op::poll_target`], [`MultiOp::poll_target`]).
    ///
    /// A target of another driver is refused with
    /// [`Error::ForeignResource`](crate::Error::ForeignResource), one whose
    /// poll has ended with [`Error::Ended`](crate::Error::Ended) (nothing is
    /// submitted for either). If the poll ends between this call and the
    /// removal's start, the removal completes with `ENOENT` without
    /// reaching the kernel, as the kernel would answer.
    pub fn poll_remove(&self, target: PollTarget) -> Result<Op<PollRemove, K>, crate::Error> {
        self.check_poll_target(&target)?;
        Ok(self.op(PollRemove { target, new_events: None }))
    }

    /// Changes the events the poll `target` names waits for
    /// (`IORING_POLL_UPDATE_EVENTS`, 5.13). A single-shot poll stays
    /// single-shot and a multishot poll multishot. Refused as
    /// [`poll_remove`](Self::poll_remove) refuses.
    pub fn poll_update(&self, target: PollTarget, events: u32) -> Result<Op<PollRemove, K>, crate::Error> {
        self.check_poll_target(&target)?;
        Ok(self.op(PollRemove { target, new_events: Some(events) }))
    }

    /// `epoll_ctl(2)` (`IORING_OP_EPOLL_CTL`, 5.6): `op` is
    /// `EPOLL_CTL_ADD`, `EPOLL_CTL_MOD` or `EPOLL_CTL_DEL`.
    pub fn epoll_ctl(
        &self,
        epfd: &impl AsSharedFd,
        fd: &impl AsSharedFd,
        op: i32,
        events: u32,
        data: u64,
    ) -> Op<EpollCtl, K> {
        let event = libc::epoll_event { events, u64: data };
        self.op(EpollCtl { epfd: epfd.shared_fd(), fd: fd.shared_fd(), op, event })
    }

    /// `epoll_wait(2)` (`IORING_OP_EPOLL_WAIT`, 6.15) for up to
    /// `max_events` events; waits until at least one is ready.
    ///
    /// `max_events` is checked before the event buffer is allocated: above
    /// what the kernel accepts ([`EP_MAX_EVENTS`]) it is
    /// [`crate::Error::TooLong`], and a buffer the allocator refuses is
    /// [`crate::Error::OutOfMemory`].
    pub fn epoll_wait(&self, epfd: &impl AsSharedFd, max_events: usize) -> Result<Op<EpollWait, K>, crate::Error> {
        if max_events > EP_MAX_EVENTS {
            return Err(crate::Error::TooLong { what: "epoll event count", len: max_events, max: EP_MAX_EVENTS });
        }
        let events = crate::Error::try_vec("epoll event buffer", max_events.max(1))?;
        Ok(self.op(EpollWait { epfd: epfd.shared_fd(), events }))
    }

    /// A socket command through `IORING_OP_URING_CMD` (6.7): `SIOCINQ`,
    /// `SIOCOUTQ`, getsockopt or setsockopt. The operation holds the
    /// descriptor open (see [`SocketCmdOp`] for why); fails with `ENOTSOCK`
    /// if `fd` is not a socket, before anything is submitted.
    ///
    /// Some socket options carry more than data in their value: a pointer
    /// the kernel follows (`SO_ATTACH_FILTER`'s program, the counters
    /// netfilter's `IPT_SO_SET_REPLACE` writes back), or a descriptor
    /// number it looks up (`SO_ATTACH_BPF`). Given through safe code, such
    /// a value would let the kernel read or write memory Rust freed or lent
    /// elsewhere. So a setsockopt is accepted only for the options on
    /// [`PLAIN_SOCKOPTS`], whose values are plain data, and a getsockopt only
    /// at `SOL_SOCKET` (the one level the kernel answers through
    /// `uring_cmd`, which writes only the value); anything else fails with
    /// [`crate::Error::InvalidArgument`] (inside the `io::Error`) before
    /// anything is submitted. [`socket_cmd_unchecked`](Self::socket_cmd_unchecked)
    /// takes any option.
    pub fn socket_cmd(&self, fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Op<SocketCmdOp, K>> {
        match &cmd {
            SocketCmd::SetOpt { level, name, .. } if !PLAIN_SOCKOPTS.contains(&(*level, *name)) => {
                return Err(crate::Error::InvalidArgument(
                    "setsockopt of an option not known to carry plain data (see PLAIN_SOCKOPTS and socket_cmd_unchecked)",
                )
                .into());
            }
            SocketCmd::GetOpt { level, .. } if *level != libc::SOL_SOCKET => {
                return Err(crate::Error::InvalidArgument(
                    "getsockopt through uring_cmd is answered at SOL_SOCKET only (see socket_cmd_unchecked)",
                )
                .into());
            }
            _ => {}
        }
        // SAFETY: the option, if any, carries plain data (checked above).
        unsafe { self.socket_cmd_unchecked(fd, cmd) }
    }

    /// [`socket_cmd`](Self::socket_cmd) for any socket option.
    ///
    /// # Safety
    ///
    /// For a setsockopt or getsockopt, the option's value must make the
    /// kernel read or write no memory other than the value itself (no
    /// pointer inside it that the option follows) and name no descriptor
    /// by number (the kernel would look it up when it issues the request,
    /// when the number may name another file).
    pub unsafe fn socket_cmd_unchecked(&self, fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Op<SocketCmdOp, K>> {
        let fd = fd.shared_fd();
        // SAFETY: fstat writes one `stat` into the zeroed value during the call.
        let mut st = unsafe { core::mem::zeroed::<libc::stat>() };
        // SAFETY: as above; `fd` is open (held by the handle).
        if unsafe { libc::fstat(fd.raw(), &mut st) } < 0 {
            return Err(io::Error::last_os_error());
        }
        if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
            return Err(io::Error::from_raw_os_error(libc::ENOTSOCK));
        }
        Ok(self.op(SocketCmdOp { fd, cmd }))
    }
}

/// A zero-copy `sendmsg`; see [`Driver::sendmsg_zc`].
#[derive(Debug)]
pub struct SendMsgZcOp<B>(SendMsg<B>);

// SAFETY: as for `SendMsg` (which prepares the zero-copy opcode here); the
// driver keeps `self` until the notification, the terminal completion
// (CQES = 2).
unsafe impl<B: IoBuf> Operation for SendMsgZcOp<B> {
    type Output = (io::Result<usize>, Msg<B>);
    const CQES: u32 = 2;

    fn prepare(&mut self) -> io_uring_sqe {
        self.0.prepare()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.0.refuse(ring)
    }

    fn complete(self, result: Cqe, last: Cqe) -> Self::Output {
        self.0.complete(result, last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(multishot: bool) -> PollTarget {
        let ring = crate::Ring::new(2).unwrap().id();
        PollTarget { ring, index: 3, generation: 7, serial: 1, multishot }
    }

    /// An update asks the kernel for a multishot poll only when the poll is
    /// multishot already: a single-shot poll holds one completion's credit,
    /// and a kernel that turned it multishot would post more.
    #[test]
    fn an_update_keeps_a_single_shot_poll_single_shot() {
        for multishot in [false, true] {
            let mut op = PollRemove { target: target(multishot), new_events: Some(libc::POLLIN as u32) };
            let sqe = op.prepare();
            assert_eq!(sqe.addr(), crate::driver::slot::encode(3, 7));
            assert_eq!(sqe.len & ring_sys::IORING_POLL_ADD_MULTI != 0, multishot);
            assert!(sqe.len & ring_sys::IORING_POLL_UPDATE_EVENTS != 0);
            assert_eq!(sqe.len & ring_sys::IORING_POLL_UPDATE_USER_DATA, 0, "never changes the poll's number");
        }
        let mut remove = PollRemove { target: target(false), new_events: None };
        assert_eq!(remove.prepare().len, 0);
    }
}
