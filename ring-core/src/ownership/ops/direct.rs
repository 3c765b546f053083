//! Direct descriptors: opening, accepting and creating sockets straight
//! into a [`FixedFiles`] table (`IORING_FILE_INDEX_ALLOC`), I/O on a
//! [`FixedFd`] (`IOSQE_FIXED_FILE`, which the builders set for
//! [`Target::Fixed`](crate::Target::Fixed)), and the explicit close.
//!
//! Every operation that names a slot holds a lease of it (a clone of the
//! [`FixedFd`]) in its value, which the driver keeps until the terminal
//! completion, so the slot cannot be emptied and handed to another file
//! while the request is in flight (bug class 4.10). Operations that create
//! a slot close it in [`Operation::orphaned`] if their future is gone
//! (bug class 4.6). A table and its slots belong to the ring they were
//! registered with: every operation here refuses another driver's (it
//! completes with `EXDEV` without reaching the kernel). See
//! `crate::ownership::fixed_files` for the whole argument.
#![allow(unsafe_code)]

use super::res;
use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::fixed_files::{before_alloc, FilesInner, FixedFd, FixedFiles};
use crate::ownership::operation::Operation;
use crate::ownership::ops::SockAddr;
use crate::ownership::shared_fd::{AsSharedFd, At, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use crate::raw::types::Fixed;
use ring_sys::{io_uring_sqe, IORING_FILE_INDEX_ALLOC};
use std::ffi::CString;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::rc::Rc;

/// The slot the kernel reported for an allocating request, as a handle.
fn adopt(files: &Rc<FilesInner>, result: &Cqe) -> io::Result<FixedFd> {
    res(result).map(|slot| FixedFd::adopt(files, slot))
}

/// `openat(2)` into a direct descriptor (`IORING_OP_OPENAT` with
/// `IORING_FILE_INDEX_ALLOC`, 5.19); see [`Driver::openat_direct`].
///
/// Each operation on a direct descriptor is a value of its own type, made
/// by the [`Driver`] method of the same name:
///
/// ```
/// use ring_core::fixed_files::FixedFiles;
/// use ring_core::ops::{
///     AcceptDirect, CloseDirect, ConnectDirect, OpenAtDirect, ReadDirect, RecvDirect, SendDirect, SocketDirect,
///     WriteDirect,
/// };
/// use ring_core::{At, Op};
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let Ok(files) = FixedFiles::new(&d, 8, 0..6) else {
///     println!("skipping: no file allocation range here");
///     return Ok(());
/// };
/// let path = std::env::temp_dir().join(format!("ring-core-doc-direct-types-{}", std::process::id()));
/// let cpath = CString::new(path.to_str().unwrap()).unwrap();
/// rt.block_on(async {
///     let open: Op<OpenAtDirect> = d.openat_direct(&files, At::CWD, cpath, libc::O_CREAT | libc::O_RDWR, 0o600);
///     let f = open.await?;
///     let write: Op<WriteDirect<Vec<u8>>> = d.write_direct(&f, b"slot".to_vec(), 0);
///     assert_eq!(write.await.0?, 4);
///     let read: Op<ReadDirect<Vec<u8>>> = d.read_direct(&f, Vec::with_capacity(8), 0);
///     let (n, buf) = read.await;
///     assert_eq!(&buf[..n?], b"slot");
///     let close: Op<CloseDirect> = d.close_direct(f).expect("the only handle");
///     close.await?;
///
///     let listener = Rc::new(std::net::TcpListener::bind("127.0.0.1:0")?);
///     let socket: Op<SocketDirect> = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0);
///     let s = socket.await?;
///     let accept: Op<AcceptDirect> = d.accept_direct(&listener, &files);
///     let connect: Op<ConnectDirect> = d.connect_direct(&s, listener.local_addr()?);
///     connect.await?;
///     let (conn, _peer) = accept.await?;
///     let send: Op<SendDirect<Vec<u8>>> = d.send_direct(&s, b"hi".to_vec(), 0);
///     assert_eq!(send.await.0?, 2);
///     let recv: Op<RecvDirect<Vec<u8>>> = d.recv_direct(&conn, Vec::with_capacity(4), 0);
///     let (n, buf) = recv.await;
///     assert_eq!(&buf[..n?], b"hi");
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct OpenAtDirect {
    dirfd: At,
    path: CString,
    flags: i32,
    mode: u32,
    files: Rc<FilesInner>,
}

// SAFETY: the SQE points at `self.path`, a heap string owned by `self`,
// which the kernel only reads. It names no slot (the kernel allocates one
// and reports it in the result, which `complete`/`orphaned` take over).
unsafe impl Operation for OpenAtDirect {
    type Output = io::Result<FixedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        // `O_CLOEXEC` is refused with a direct slot (a slot is not in the
        // process's table, so it cannot leak across exec anyway).
        opcode::OpenAt::new(self.dirfd.raw(), self.path.as_ptr())
            .flags(self.flags & !libc::O_CLOEXEC)
            .mode(self.mode)
            .file_index(IORING_FILE_INDEX_ALLOC)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.files.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<FixedFd> {
        adopt(&self.files, &result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // Opened after its owner left: adopting and dropping empties the slot.
        drop(adopt(&self.files, &result));
    }
}

/// `accept4(2)` into a direct descriptor (`IORING_OP_ACCEPT` with
/// `IORING_FILE_INDEX_ALLOC`, 5.19); see [`Driver::accept_direct`].
pub struct AcceptDirect {
    fd: SharedFd,
    addr: libc::sockaddr_storage,
    addrlen: libc::socklen_t,
    files: Rc<FilesInner>,
}

impl core::fmt::Debug for AcceptDirect {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcceptDirect").field("fd", &self.fd).finish_non_exhaustive()
    }
}

/// The IPv4 or IPv6 address in a `sockaddr_storage` the kernel filled.
fn socket_addr(s: &libc::sockaddr_storage, len: libc::socklen_t) -> Option<SocketAddr> {
    match i32::from(s.ss_family) {
        libc::AF_INET if len as usize >= core::mem::size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says the storage holds a sockaddr_in, and
            // sockaddr_storage is large enough and aligned for it.
            let sin = unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 if len as usize >= core::mem::size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for a sockaddr_in6.
            let sin6 = unsafe { &*(s as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                u32::from_be(sin6.sin6_flowinfo),
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

// SAFETY: the SQE points at `self.addr` and `self.addrlen`, both inside `self` at its final address; the kernel writes
// them and nothing else can reach them while `self` is in the table. It names no slot of ours as its file (the listener
// is a plain descriptor); the new slot is taken over by `complete`/`orphaned`.
unsafe impl Operation for AcceptDirect {
    /// The connection's direct descriptor and the peer's address (if it
    /// is an IP address).
    type Output = io::Result<(FixedFd, Option<SocketAddr>)>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.addrlen = core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        opcode::Accept::new(self.fd.raw(), (&raw mut self.addr).cast(), &raw mut self.addrlen)
            .file_index(IORING_FILE_INDEX_ALLOC)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.files.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        let fd = adopt(&self.files, &result)?;
        Ok((fd, socket_addr(&self.addr, self.addrlen)))
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // Accepted after its owner left: adopting and dropping empties the
        // slot, which closes the connection.
        drop(adopt(&self.files, &result));
    }
}

/// `socket(2)` into a direct descriptor (`IORING_OP_SOCKET` with
/// `IORING_FILE_INDEX_ALLOC`, 5.19); see [`Driver::socket_direct`].
#[derive(Debug)]
pub struct SocketDirect {
    domain: i32,
    ty: i32,
    protocol: i32,
    files: Rc<FilesInner>,
}

// SAFETY: the SQE carries no pointer; the new slot is taken over by
// `complete`/`orphaned`.
unsafe impl Operation for SocketDirect {
    type Output = io::Result<FixedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Socket::new(self.domain, self.ty & !libc::SOCK_CLOEXEC, self.protocol)
            .file_index(IORING_FILE_INDEX_ALLOC)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.files.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<FixedFd> {
        adopt(&self.files, &result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(adopt(&self.files, &result));
    }
}

/// `IORING_OP_CLOSE` of a direct descriptor (the fixed-file form, 5.15);
/// see [`Driver::close_direct`].
#[derive(Debug)]
pub struct CloseDirect {
    fd: FixedFd,
}

// SAFETY: the SQE carries no pointer. It names the slot, and `self.fd` is
// the only holder of it (checked by `Driver::close_direct`), so no other
// request names the slot while it is closed.
unsafe impl Operation for CloseDirect {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Close::new(Fixed(self.fd.slot())).build().into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        let r = res(&result).map(drop);
        if r.is_ok() {
            self.fd.mark_closed();
        }
        // On failure, dropping the handle empties the slot the other way.
        r
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(self.complete(result, result));
    }
}

/// `read` on a direct descriptor into an owned buffer; see
/// [`Driver::read_direct`].
#[derive(Debug)]
pub struct ReadDirect<B> {
    fd: FixedFd,
    buf: B,
    offset: u64,
}

// SAFETY: the SQE points at `self.buf`'s stable memory, `bytes_total` long, which `IoBufMut` guarantees nothing else
// reaches while the buffer is in the table; it names the slot of `self.fd`, a lease that keeps the slot occupied (and
// so its file) until the terminal completion.
unsafe impl<B: IoBufMut> Operation for ReadDirect<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = super::rw_len(self.buf.bytes_total());
        opcode::Read::new(Fixed(self.fd.slot()), self.buf.stable_mut_ptr(), len).offset(self.offset).build().into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring)
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            // SAFETY: the kernel wrote the first `n` bytes, at most the
            // length it was given (clamped to it all the same).
            unsafe { self.buf.set_init(n.min(super::rw_len(self.buf.bytes_total()) as usize)) };
        }
        (r, self.buf)
    }
}

/// `write` on a direct descriptor from an owned buffer; see
/// [`Driver::write_direct`].
#[derive(Debug)]
pub struct WriteDirect<B> {
    fd: FixedFd,
    buf: B,
    offset: u64,
}

// SAFETY: as for `ReadDirect`; the kernel only reads `bytes_init` bytes.
unsafe impl<B: IoBuf> Operation for WriteDirect<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = super::rw_len(self.buf.bytes_init());
        opcode::Write::new(Fixed(self.fd.slot()), self.buf.stable_ptr(), len).offset(self.offset).build().into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// `send(2)` on a direct descriptor; see [`Driver::send_direct`].
#[derive(Debug)]
pub struct SendDirect<B> {
    fd: FixedFd,
    buf: B,
    flags: i32,
}

// SAFETY: as for `WriteDirect`.
unsafe impl<B: IoBuf> Operation for SendDirect<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = super::rw_len(self.buf.bytes_init());
        opcode::Send::new(Fixed(self.fd.slot()), self.buf.stable_ptr(), len).flags(self.flags as u32).build().into_sqe()
    }

    /// Refused with `EXDEV` for another ring's slot, `EINVAL` for a flag
    /// outside [`flags::SEND`](super::flags::SEND).
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::SEND))
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// `recv(2)` on a direct descriptor; see [`Driver::recv_direct`].
#[derive(Debug)]
pub struct RecvDirect<B> {
    fd: FixedFd,
    buf: B,
    flags: i32,
}

// SAFETY: as for `ReadDirect`.
unsafe impl<B: IoBufMut> Operation for RecvDirect<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = super::rw_len(self.buf.bytes_total());
        opcode::Recv::new(Fixed(self.fd.slot()), self.buf.stable_mut_ptr(), len)
            .flags(self.flags as u32)
            .build()
            .into_sqe()
    }

    /// Refused with `EXDEV` for another ring's slot, `EINVAL` for a flag
    /// outside [`flags::RECV`](super::flags::RECV).
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::RECV))
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result).map(|n| n as usize);
        if let Ok(n) = r {
            // SAFETY: the kernel wrote the first `n` bytes, at most the
            // length it was given (clamped to it all the same).
            unsafe { self.buf.set_init(n.min(super::rw_len(self.buf.bytes_total()) as usize)) };
        }
        (r, self.buf)
    }
}

/// `connect(2)` of a direct socket; see [`Driver::connect_direct`].
#[derive(Debug)]
pub struct ConnectDirect {
    fd: FixedFd,
    addr: SockAddr,
}

// SAFETY: the SQE points at `self.addr`, inside `self` at its final
// address, which the kernel only reads; the slot is leased by `self.fd`.
unsafe impl Operation for ConnectDirect {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Connect::new(Fixed(self.fd.slot()), self.addr.as_ptr(), self.addr.len() as libc::socklen_t)
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// # Direct descriptors ([`crate::fixed_files`])
///
/// Opens, accepts and sockets whose descriptor is a slot of the ring's
/// registered [`FixedFiles`] table, and the I/O on them. Since 6.0 (the
/// table's allocation range).
///
/// ```
/// use ring_core::fixed_files::FixedFiles;
/// use ring_core::{At, SharedFd};
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let files = match FixedFiles::new(&d, 8, 0..6) {
///     Ok(files) => files,
///     Err(e) => {
///         println!("skipping: no file allocation range here: {e}");
///         return Ok(());
///     }
/// };
/// let path = std::env::temp_dir().join(format!("ring-core-doc-direct-{}", std::process::id()));
/// let cpath = CString::new(path.to_str().unwrap()).unwrap();
/// rt.block_on(async {
///     let f = d.openat_direct(&files, At::CWD, cpath, libc::O_CREAT | libc::O_RDWR, 0o600).await?;
///     let (n, _) = d.write_direct(&f, b"direct".to_vec(), 0).await;
///     assert_eq!(n?, 6);
///     let (n, buf) = d.read_direct(&f, Vec::with_capacity(16), 0).await;
///     assert_eq!(&buf[..n?], b"direct");
///     // A normal descriptor for the same file (6.8).
///     if d.require(ring_core::sys::IORING_OP_FIXED_FD_INSTALL).is_ok() {
///         let _plain = d.fixed_fd_install_direct(&f).await?;
///     }
///     d.close_direct(f).expect("the only handle").await?;
///
///     // Sockets: a direct socket connects to a listener that accepts
///     // into the table.
///     let listener = Rc::new(std::net::TcpListener::bind("127.0.0.1:0")?);
///     let addr = listener.local_addr()?;
///     let s = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0).await?;
///     let accept = d.accept_direct(&listener, &files);
///     d.connect_direct(&s, addr).await?;
///     let (conn, _peer) = accept.await?;
///     let (n, _) = d.send_direct(&s, b"ping".to_vec(), 0).await;
///     assert_eq!(n?, 4);
///     let (n, buf) = d.recv_direct(&conn, Vec::with_capacity(8), 0).await;
///     assert_eq!(&buf[..n?], b"ping");
///
///     // Slots outside the allocation range are the caller's own.
///     let stdin = SharedFd::new(std::fs::File::open("/dev/null")?);
///     let (n, _back) = d.files_update(vec![Some(stdin)], 7).await;
///     assert_eq!(n?, 1);
///     let (n, _back) = d.files_update(vec![None], 7).await;
///     assert_eq!(n?, 1);
///     if d.require(ring_core::sys::IORING_OP_FIXED_FD_INSTALL).is_ok() {
///         // Slot 7 is empty again: nothing to install.
///         assert!(d.fixed_fd_install(7).await.is_err());
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Opens `path` (relative to `dir`: [`At::CWD`], or an open directory
    /// the operation keeps open until it has ended)
    /// into a slot of `files` that the kernel picks from its allocation
    /// range (`IORING_OP_OPENAT` with `IORING_FILE_INDEX_ALLOC`, 5.19).
    /// Fails with `ENFILE` when the range is full. If the future is dropped
    /// and the open still succeeds, the slot is emptied again.
    pub fn openat_direct(
        &self,
        files: &FixedFiles,
        dir: impl Into<At>,
        path: CString,
        flags: i32,
        mode: u32,
    ) -> Op<OpenAtDirect, K> {
        let files = before_alloc(files);
        self.op(OpenAtDirect { dirfd: dir.into(), path, flags, mode, files })
    }

    /// Accepts a connection on `listener` into a slot of `files`
    /// (`IORING_OP_ACCEPT` with `IORING_FILE_INDEX_ALLOC`, 5.19). If the
    /// future is dropped and a connection is still accepted, its slot is
    /// emptied (closing the connection).
    pub fn accept_direct(&self, listener: &impl AsSharedFd, files: &FixedFiles) -> Op<AcceptDirect, K> {
        let files = before_alloc(files);
        // SAFETY: sockaddr_storage is plain integers; all-zero is valid.
        let addr = unsafe { core::mem::zeroed::<libc::sockaddr_storage>() };
        self.op(AcceptDirect { fd: listener.shared_fd(), addr, addrlen: 0, files })
    }

    /// Creates a socket in a slot of `files` (`IORING_OP_SOCKET` with
    /// `IORING_FILE_INDEX_ALLOC`, 5.19). `SOCK_CLOEXEC` is ignored (a slot
    /// is not in the process's descriptor table).
    pub fn socket_direct(&self, files: &FixedFiles, domain: i32, ty: i32, protocol: i32) -> Op<SocketDirect, K> {
        let files = before_alloc(files);
        self.op(SocketDirect { domain, ty, protocol, files })
    }

    /// Closes a direct descriptor now (`IORING_OP_CLOSE` on the slot, 5.15)
    /// rather than when its last holder is dropped. Refused (the handle is
    /// given back) while another handle or an operation in flight holds
    /// the slot.
    #[allow(clippy::result_large_err, reason = "the error is the handle itself, given back")]
    pub fn close_direct(&self, fd: FixedFd) -> Result<Op<CloseDirect, K>, FixedFd> {
        if !fd.is_unique() {
            return Err(fd);
        }
        Ok(self.op(CloseDirect { fd }))
    }

    /// Reads into `buf` from the direct descriptor `fd` at `offset`
    /// ([`CURRENT_POSITION`](super::CURRENT_POSITION) for pipes, sockets and
    /// the file position). The operation holds a lease of the slot.
    pub fn read_direct<B: IoBufMut>(&self, fd: &FixedFd, buf: B, offset: u64) -> Op<ReadDirect<B>, K> {
        self.op(ReadDirect { fd: fd.clone(), buf, offset })
    }

    /// Writes the initialised bytes of `buf` to the direct descriptor `fd`
    /// at `offset`. The operation holds a lease of the slot.
    pub fn write_direct<B: IoBuf>(&self, fd: &FixedFd, buf: B, offset: u64) -> Op<WriteDirect<B>, K> {
        self.op(WriteDirect { fd: fd.clone(), buf, offset })
    }

    /// `send(2)` of `buf`'s initialised bytes on the direct socket `fd`.
    pub fn send_direct<B: IoBuf>(&self, fd: &FixedFd, buf: B, flags: i32) -> Op<SendDirect<B>, K> {
        self.op(SendDirect { fd: fd.clone(), buf, flags })
    }

    /// `recv(2)` into `buf` (up to its capacity) from the direct socket `fd`.
    pub fn recv_direct<B: IoBufMut>(&self, fd: &FixedFd, buf: B, flags: i32) -> Op<RecvDirect<B>, K> {
        self.op(RecvDirect { fd: fd.clone(), buf, flags })
    }

    /// `connect(2)` of the direct socket `fd` to `addr`.
    pub fn connect_direct(&self, fd: &FixedFd, addr: impl Into<SockAddr>) -> Op<ConnectDirect, K> {
        self.op(ConnectDirect { fd: fd.clone(), addr: addr.into() })
    }
}
