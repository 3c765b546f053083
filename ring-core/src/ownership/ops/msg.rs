//! Messages: `sendmsg` and `recvmsg`, copying and zero-copy, over a [`Msg`]\n//! the operation owns (its `msghdr`, iovec array, address and control data).

#![allow(unsafe_code)]
use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::sock_addr::SockAddr;
use crate::ownership::ops::{flags, res, IOV_MAX};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use ring_sys::*;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd};

/// Everything a `sendmsg`/`recvmsg` needs, owned: the data buffers, their
/// iovec array, the peer address and the control (ancillary data) buffer.
/// The `msghdr` itself is built inside the operation at its final address.
///
/// # Descriptors in control messages
///
/// An `SCM_RIGHTS` control message names descriptors by number, and the
/// kernel looks the numbers up when it issues the send, which may be much
/// later than the call (see `docs/ownership.md`, "Descriptors"). So a send
/// accepts an `SCM_RIGHTS` message only if the message holds every
/// descriptor it names: add them with [`Msg::with_fds`], which keeps a
/// [`SharedFd`] of each until the operation has ended. A send whose control
/// data names any other number (or is malformed, as the kernel would find
/// it) completes with `EINVAL` without reaching the kernel. The other
/// control messages carry no descriptor or pointer and pass unchanged.
///
/// A receive takes ownership of the descriptors the kernel installed for
/// it (`SCM_RIGHTS`, `SCM_PIDFD`), always close-on-exec
/// (`MSG_CMSG_CLOEXEC` is added): they are in
/// [`received_fds`](Msg::received_fds) and closed with the message unless
/// taken with [`take_received_fds`](Msg::take_received_fds). Their numbers
/// stay readable in `control`.
///
/// ```
/// use ring_core::ops::{Msg, SendMsgZc};
/// use ring_core::Op;
/// use std::os::unix::net::UnixStream;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = UnixStream::pair()?;
/// let (a, b) = (Rc::new(a), Rc::new(b));
/// let file = Rc::new(std::fs::File::open("/dev/null")?);
/// rt.block_on(async {
///     // A descriptor passed with the data (`SCM_RIGHTS`): the message holds
///     // it until the send has ended.
///     let msg = Msg::new(vec![b"fd".to_vec()]).with_fds(&[file]);
///     assert_eq!(msg.fds().len(), 1);
///     let (n, _msg) = d.sendmsg(&a, msg, 0).await;
///     assert_eq!(n?, 2);
///     // The receive offers a control buffer for the descriptor.
///     let msg = Msg::new(vec![Vec::with_capacity(8)]).control(vec![0; 64]);
///     let (n, mut msg) = d.recvmsg(&b, msg, 0).await;
///     assert_eq!(&msg.bufs[0][..n?], b"fd");
///     assert_eq!(msg.received_fds().len(), 1);
///     let fds = msg.take_received_fds();
///     assert!(msg.received_fds().is_empty() && fds.len() == 1);
///
///     // A zero-copy send to an address; the buffers come back after the
///     // kernel's notification.
///     let u = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
///     let to = u.local_addr()?;
///     let zc: Op<SendMsgZc<Vec<u8>>> = d.sendmsg_zc(&u, Msg::new(vec![b"zc".to_vec()]).to(to), 0);
///     match zc.await.0 {
///         Ok(n) => assert_eq!(n, 2),
///         Err(e) => println!("sendmsg_zc refused: {e}"),
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Msg<B> {
    /// The data buffers, in order.
    pub bufs: Vec<B>,
    /// The peer address: the destination for a send (if set), the source
    /// the kernel filled in after a receive.
    pub addr: Option<SockAddr>,
    /// Ancillary data: sent as is (checked, see above); for a receive, its
    /// capacity is offered to the kernel and its length set to what the
    /// kernel used.
    pub control: Vec<u8>,
    /// `msg_flags` after a receive (`MSG_TRUNC`, `MSG_CTRUNC`, ...).
    pub flags: i32,
    /// The descriptors an `SCM_RIGHTS` message of `control` may name.
    fds: Vec<SharedFd>,
    /// The descriptors the kernel installed for received control messages.
    received: Vec<OwnedFd>,
}

impl<B> Msg<B> {
    /// A message of `bufs` with no address and no control data.
    pub fn new(bufs: Vec<B>) -> Self {
        Msg { bufs, addr: None, control: Vec::new(), flags: 0, fds: Vec::new(), received: Vec::new() }
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

    /// Appends an `SCM_RIGHTS` control message passing `fds` to the peer,
    /// and keeps a [`SharedFd`] of each until the send has ended, so each
    /// number names the file given here when the kernel issues the send.
    /// An empty slice adds nothing. (The kernel accepts at most 253
    /// descriptors in one message: `SCM_MAX_FD`.)
    pub fn with_fds<F: AsSharedFd>(mut self, fds: &[F]) -> Self {
        if fds.is_empty() {
            return self;
        }
        let held: Vec<SharedFd> = fds.iter().map(AsSharedFd::shared_fd).collect();
        // The next header starts at an aligned offset, as the kernel walks
        // the messages (`CMSG_ALIGN` of each length).
        let start = cmsg::align(self.control.len());
        let len = cmsg::DATA + held.len() * core::mem::size_of::<i32>();
        self.control.resize(start, 0);
        self.control.extend_from_slice(&len.to_ne_bytes());
        self.control.extend_from_slice(&libc::SOL_SOCKET.to_ne_bytes());
        self.control.extend_from_slice(&libc::SCM_RIGHTS.to_ne_bytes());
        self.control.resize(start + cmsg::DATA, 0);
        for fd in &held {
            self.control.extend_from_slice(&fd.raw().to_ne_bytes());
        }
        self.control.resize(start + cmsg::align(len), 0);
        self.fds.extend(held);
        self
    }

    /// The descriptors the message holds for its `SCM_RIGHTS` control data.
    pub fn fds(&self) -> &[SharedFd] {
        &self.fds
    }

    /// The descriptors received with the message (by `recvmsg`), owned by
    /// it until taken: dropping the message closes them.
    pub fn received_fds(&self) -> &[OwnedFd] {
        &self.received
    }

    /// Takes the received descriptors out of the message.
    pub fn take_received_fds(&mut self) -> Vec<OwnedFd> {
        core::mem::take(&mut self.received)
    }

    /// `Some(EINVAL)` unless every descriptor number an `SCM_RIGHTS`
    /// message of `control` names is held by the message, and the control
    /// data is well formed as the kernel reads it.
    fn refuse_control(&self) -> Option<i32> {
        if self.control.is_empty() {
            return None;
        }
        let mut refused = false;
        let walked = cmsg::walk(&self.control, |level, ty, data| {
            if level == libc::SOL_SOCKET && ty == libc::SCM_RIGHTS {
                refused |= cmsg::ints(data).any(|n| !self.fds.iter().any(|f| f.raw() == n));
            }
        });
        (walked.is_err() || refused).then_some(libc::EINVAL)
    }

    /// Takes ownership of the descriptors the kernel installed for the
    /// control data it wrote into `control` (`SCM_RIGHTS`, `SCM_PIDFD`).
    ///
    /// # Safety
    ///
    /// As for [`adopt_fds`]: `control` holds exactly what the kernel wrote
    /// for a successful receive, and this is called once for it.
    unsafe fn adopt_received(&mut self) {
        // SAFETY: the caller's contract.
        unsafe { adopt_fds(&self.control, &mut self.received) };
    }
}

/// Takes ownership of the descriptors the kernel installed for the control
/// messages in `control` (`SCM_RIGHTS`, `SCM_PIDFD` at `SOL_SOCKET`),
/// appending them to `out`.
///
/// # Safety
///
/// `control` is exactly the control data the kernel wrote for one
/// successful receive, not yet seen by any code that could have changed it,
/// and this is called once for it: each number in those messages is then a
/// descriptor the kernel just installed for this process, owned by no one.
pub(crate) unsafe fn adopt_fds(control: &[u8], out: &mut Vec<OwnedFd>) {
    let _ = cmsg::walk(control, |level, ty, data| {
        if level == libc::SOL_SOCKET && (ty == libc::SCM_RIGHTS || ty == cmsg::SCM_PIDFD) {
            for n in cmsg::ints(data).filter(|&n| n >= 0) {
                // SAFETY: the kernel installed this descriptor for this
                // receive (the caller's contract), and nothing owns it yet.
                out.push(unsafe { OwnedFd::from_raw_fd(n) });
            }
        }
    });
}

/// Control messages as the kernel lays them out and walks them
/// (`struct cmsghdr`, `CMSG_ALIGN`, `for_each_cmsghdr`), read from bytes
/// with no alignment.
mod cmsg {
    const WORD: usize = core::mem::size_of::<usize>();
    /// `sizeof(struct cmsghdr)`: a `size_t` length, then two `int`s.
    pub(super) const HDR: usize = WORD + 2 * core::mem::size_of::<i32>();
    /// Where the data starts: `CMSG_DATA`, `CMSG_ALIGN(sizeof(struct cmsghdr))`.
    pub(super) const DATA: usize = align(HDR);
    /// `SCM_PIDFD` (Linux 6.5): a pidfd installed for a received message.
    pub(super) const SCM_PIDFD: i32 = 4;

    /// `CMSG_ALIGN`: rounded up to the size of a `long`.
    pub(super) const fn align(n: usize) -> usize {
        n.saturating_add(WORD - 1) & !(WORD - 1)
    }

    fn read<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&b[at..at + N]);
        out
    }

    /// Calls `f(level, type, data)` for each message, in the kernel's
    /// order; `Err` where the kernel finds a malformed message
    /// (`CMSG_OK` fails: shorter than its header or longer than what is
    /// left), which it refuses with `EINVAL`.
    pub(super) fn walk(b: &[u8], mut f: impl FnMut(i32, i32, &[u8])) -> Result<(), ()> {
        let mut at = 0usize;
        while b.len() - at >= HDR {
            let len = usize::from_ne_bytes(read(b, at));
            let level = i32::from_ne_bytes(read(b, at + WORD));
            let ty = i32::from_ne_bytes(read(b, at + WORD + 4));
            if len < HDR || len > b.len() - at {
                return Err(());
            }
            f(level, ty, &b[(at + DATA).min(at + len)..at + len]);
            // The kernel stops once the next header would not fit.
            let next = at.saturating_add(align(len));
            if next >= b.len() || b.len() - next < HDR {
                break;
            }
            at = next;
        }
        Ok(())
    }

    /// The `int`s of a message's data (a partial last one is ignored, as
    /// the kernel ignores it).
    pub(super) fn ints(data: &[u8]) -> impl Iterator<Item = i32> + '_ {
        data.chunks_exact(4).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
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
    Error::TooLong { what: "message buffer count", len: n, max: IOV_MAX }.into()
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
// `bytes_init` long, which the kernel only reads. The zero-copy form (`SendMsgZc`, `CQES = 2`) keeps all to the notification.
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
    /// [`crate::Error::TooLong`]; a flag outside [`flags::SEND`] (for the
    /// zero-copy form [`flags::SEND_ZC`]) with `EINVAL`; control data
    /// naming a descriptor the message does not hold (see [`Msg`]), or that
    /// the kernel would find malformed, with
    /// [`crate::Error::InvalidArgument`]: the kernel looks those numbers up
    /// when it issues the send, when they may name other files. The message
    /// is given back.
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        let allowed = if self.zc { flags::SEND_ZC } else { flags::SEND };
        too_many_buffers(self.msg.bufs.len())
            .or_else(|| flags::refuse_msg(self.flags, allowed))
            .or_else(|| self.msg.refuse_control())
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        if too_many_buffers(self.msg.bufs.len()).is_some() {
            return (Err(too_many_buffers_error(self.msg.bufs.len())), self.msg);
        }
        if self.msg.refuse_control().is_some() {
            let e = Error::InvalidArgument(
                "SCM_RIGHTS names a descriptor the message does not hold (pass descriptors with Msg::with_fds)",
            );
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
        // The kernel counts the padding after each control message in the
        // length it reports without writing it (`put_cmsg` advances by
        // `CMSG_SPACE`, writes `CMSG_LEN`): the capacity is zeroed first so
        // that every byte the reported length covers is initialised.
        let cap = self.msg.control.capacity();
        self.msg.control.clear();
        self.msg.control.resize(cap, 0);
        if cap == 0 {
            p.hdr.msg_control = core::ptr::null_mut();
            p.hdr.msg_controllen = 0;
        } else {
            p.hdr.msg_control = self.msg.control.as_mut_ptr().cast();
            p.hdr.msg_controllen = cap as _;
        }
        // Received descriptors never leak into a child process.
        let flags = self.flags | libc::MSG_CMSG_CLOEXEC;
        opcode::RecvMsg::new(self.fd.raw(), &raw mut p.hdr).flags(flags as u32).build().into_sqe()
    }

    /// As for [`SendMsg`]: more than [`IOV_MAX`] buffers are refused; a
    /// flag outside [`flags::RECV`] with `EINVAL`.
    fn refuse(&self, _ring: RingId) -> Option<i32> {
        too_many_buffers(self.msg.bufs.len()).or_else(|| flags::refuse_msg(self.flags, flags::RECV))
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
            let clen = (self.parts.hdr.msg_controllen as usize).min(self.msg.control.len());
            self.msg.control.truncate(clen);
            // SAFETY: `control` holds what the kernel wrote for this
            // successful receive (the rest of it, zeroed by `prepare`, was
            // just cut off), and this completion is handled once.
            unsafe { self.msg.adopt_received() };
            self.name.len = self.parts.hdr.msg_namelen.min(core::mem::size_of::<libc::sockaddr_storage>() as u32);
            self.msg.addr = (self.name.len > 0).then_some(self.name);
            self.msg.flags = self.parts.hdr.msg_flags;
        } else {
            self.msg.control.clear();
        }
        (r, self.msg)
    }

    fn orphaned(self, result: Cqe, last: Cqe) {
        // Descriptors received after the owner left are closed with the
        // message, not leaked into the process's table.
        drop(self.complete(result, last));
    }
}

/// A zero-copy `sendmsg`; see [`Driver::sendmsg_zc`].
#[derive(Debug)]
pub struct SendMsgZc<B>(SendMsg<B>);

// SAFETY: as for `SendMsg` (which prepares the zero-copy opcode here); the
// driver keeps `self` until the notification, the terminal completion
// (CQES = 2).
unsafe impl<B: IoBuf> Operation for SendMsgZc<B> {
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

/// # Messages (`sendmsg`, `recvmsg`)
///
/// A [`Msg`] owns the data buffers, the address and the control data, and
/// comes back with the result.
///
/// ```
/// use ring_core::ops::Msg;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let a = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
/// let b = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
/// let to = b.local_addr()?;
/// rt.block_on(async {
///     let msg = Msg::new(vec![b"ab".to_vec(), b"cd".to_vec()]).to(to);
///     let (n, _msg) = d.sendmsg(&a, msg, 0).await;
///     assert_eq!(n?, 4);
///     let (n, msg) = d.recvmsg(&b, Msg::new(vec![Vec::with_capacity(16)]), 0).await;
///     assert_eq!(&msg.bufs[0][..n?], b"abcd");
///     assert_eq!(msg.addr.and_then(|a| a.as_socket_addr()), Some(a.local_addr()?));
///
///     // Zero-copy: the buffers come back after the kernel's notification.
///     let (n, _msg) = d.sendmsg_zc(&a, Msg::new(vec![b"zc".to_vec()]).to(to), 0).await;
///     match n {
///         Ok(n) => assert_eq!(n, 2),
///         Err(e) => println!("sendmsg_zc refused: {e}"),
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// `sendmsg(2)` (`IORING_OP_SENDMSG`, 5.3) of an owned message.
    /// `flags` outside [`flags::SEND`], or control data naming a
    /// descriptor the message does not hold (see [`Msg`]), complete with
    /// `EINVAL`.
    pub fn sendmsg<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsg<B>, K> {
        self.op(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: false })
    }

    /// Zero-copy `sendmsg(2)` (`IORING_OP_SENDMSG_ZC`, 6.1). The message
    /// comes back only after the kernel's notification that it no longer
    /// reads the buffers. Flags and control data as for
    /// [`sendmsg`](Self::sendmsg), with [`flags::SEND_ZC`].
    pub fn sendmsg_zc<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsgZc<B>, K> {
        self.op(SendMsgZc(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: true }))
    }

    /// `recvmsg(2)` (`IORING_OP_RECVMSG`, 5.3) into an owned message: the
    /// buffers are filled in order, `addr` is set to the source address and
    /// `control` to the ancillary data received (up to its capacity); the
    /// message owns the descriptors received (see [`Msg`]). `flags`
    /// outside [`flags::RECV`] complete with `EINVAL`; `MSG_CMSG_CLOEXEC`
    /// is always added.
    pub fn recvmsg<B: IoBufMut>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<RecvMsg<B>, K> {
        self.op(RecvMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), name: SockAddr::empty(), flags })
    }
}
