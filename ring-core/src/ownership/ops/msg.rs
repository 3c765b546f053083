//! Messages: `sendmsg` and `recvmsg`, copying and zero-copy, over a [`Msg`]\n//! the operation owns (its `msghdr`, iovec array, address and control data).

#![allow(unsafe_code)]
use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::net::SockAddr;
use crate::ownership::ops::{res, IOV_MAX};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use ring_sys::*;
use std::io;

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
    Error::TooLong { what: "message buffer count", len: n, max: IOV_MAX }.into()
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
            let e = Error::InvalidArgument("SCM_RIGHTS names descriptors by number, looked up only at issue");
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

impl<K: Kernel> Driver<K> {
    /// `sendmsg(2)` (`IORING_OP_SENDMSG`, 5.3) of an owned message.
    pub fn sendmsg<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsg<B>, K> {
        self.op(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: false })
    }

    /// Zero-copy `sendmsg(2)` (`IORING_OP_SENDMSG_ZC`, 6.1). The message
    /// comes back only after the kernel's notification that it no longer
    /// reads the buffers.
    pub fn sendmsg_zc<B: IoBuf>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<SendMsgZc<B>, K> {
        self.op(SendMsgZc(SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: true }))
    }

    /// `recvmsg(2)` (`IORING_OP_RECVMSG`, 5.3) into an owned message: the
    /// buffers are filled in order, `addr` is set to the source address and
    /// `control` to the ancillary data received (up to its capacity).
    pub fn recvmsg<B: IoBufMut>(&self, fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Op<RecvMsg<B>, K> {
        self.op(RecvMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), name: SockAddr::empty(), flags })
    }
}
