//! Reads and receives into provided buffers ([`BufferPool`]): single-shot
//! with buffer selection, and multishot streams (`IORING_RECV_MULTISHOT`,
//! multishot `IORING_OP_RECVMSG`, `IORING_OP_READ_MULTISHOT`), each
//! completion an owned [`PoolBuf`].
//!
//! Every operation here holds the pool by `Rc`, so the group stays
//! registered and its memory alive until the operation's terminal
//! completion, whatever happens to its future or stream (see
//! [`crate::ownership::pool`]). Every completion that reports a buffer is turned into
//! a [`PoolBuf`] exactly once: for the owner (as the output or a stream
//! item), or, if the owner is gone, in `orphaned` / `orphaned_cqe`, where
//! it is dropped at once and so recycled. No buffer is lost to a dropped
//! future or stream.
//!
//! A stream ends at the completion without `IORING_CQE_F_MORE`. If the
//! kernel ended it early, the last item says why: `Err(ENOBUFS)` when the
//! pool ran dry (drop the [`PoolBuf`]s you hold, which recycles them, and
//! start a new stream: nothing was lost, the data waits in the socket), or
//! another error; `Ok` of an empty buffer is end of file.
//!
//! A pool belongs to the ring it was registered with: given to another
//! driver, an operation here completes with `EXDEV` (a stream yields one
//! such error and ends) without reaching the kernel, since that ring's
//! group of the same id holds other buffers, or none.
//!
//! Dropping a stream cancels it. Data the kernel received for it before
//! the cancellation took effect is discarded (its buffers are recycled), as
//! with any cancelled receive; to stop without losing data, stop reading
//! and let the stream end (for example at `ENOBUFS` or end of file).
#![allow(unsafe_code)]

use super::res;
use crate::kernel::Kernel;
use crate::ownership::driver::op::{MultiOp, Op};
use crate::ownership::driver::Driver;
use crate::ownership::operation::{Multishot, Operation};
use crate::ownership::pool::{BufferPool, PoolBuf, PoolInner};
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::ring_id::RingId;
use ring_sys::*;
use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;

/// The item of a completion that may carry a buffer: the buffer, or the
/// error (after recycling a buffer an error completion still reported).
fn pooled(pool: &Rc<PoolInner>, cqe: &Cqe) -> io::Result<PoolBuf> {
    let buf = pool.take(cqe);
    match res(cqe) {
        Err(e) => Err(e),
        // Zero bytes (end of file) may come without a buffer.
        Ok(0) => Ok(buf.unwrap_or_else(|| pool.empty())),
        // A positive result always reports its buffer.
        Ok(_) => buf.ok_or_else(|| io::Error::from_raw_os_error(libc::ENOBUFS)),
    }
}

/// An SQE that selects a buffer from `pool`'s group.
fn select_sqe(opcode: u8, fd: RawFd, pool: &PoolInner) -> io_uring_sqe {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = opcode;
    sqe.fd = fd;
    sqe.flags = IOSQE_BUFFER_SELECT;
    sqe.set_buf_group(pool.bgid());
    sqe
}

/// A single read into a buffer the kernel picks from a pool
/// (`IORING_OP_READ` with `IOSQE_BUFFER_SELECT`); see
/// [`Driver::read_pool`].
pub struct ReadPool {
    fd: SharedFd,
    pool: Rc<PoolInner>,
    offset: u64,
}

// SAFETY: the SQE names no memory of its own; the kernel writes a buffer of the group, whose memory `self.pool` keeps
// alive and registered until this operation's terminal completion (the pool's memory is freed only when its last
// holder, possibly `self`, is gone).
unsafe impl Operation for ReadPool {
    type Output = io::Result<PoolBuf>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_READ, self.fd.raw(), &self.pool);
        sqe.len = self.pool.buf_len();
        sqe.set_off(self.offset);
        sqe
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        pooled(&self.pool, &result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // Recycle a buffer the completion still reported.
        drop(self.pool.take(&result));
    }
}

/// A single receive into a buffer the kernel picks from a pool
/// (`IORING_OP_RECV` with `IOSQE_BUFFER_SELECT`); see
/// [`Driver::recv_pool`].
pub struct RecvPool {
    fd: SharedFd,
    pool: Rc<PoolInner>,
    flags: i32,
}

// SAFETY: as for `ReadPool`.
unsafe impl Operation for RecvPool {
    type Output = io::Result<PoolBuf>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_RECV, self.fd.raw(), &self.pool);
        sqe.len = self.pool.buf_len();
        sqe.set_msg_flags(self.flags as u32);
        sqe
    }

    /// Refused with `EXDEV` for another ring's pool, `EINVAL` for a flag
    /// outside [`flags::RECV`](super::flags::RECV): with `MSG_TRUNC` the
    /// result would count bytes no buffer received.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::RECV))
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        pooled(&self.pool, &result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(self.pool.take(&result));
    }
}

/// A multishot receive into pool buffers (`IORING_OP_RECV` with
/// `IORING_RECV_MULTISHOT`, 6.0); see [`Driver::recv_pool_multishot`].
pub struct RecvPoolMulti {
    fd: SharedFd,
    pool: Rc<PoolInner>,
    flags: i32,
}

// SAFETY: as for `ReadPool`; `item` only reads the completion and the
// bookkeeping of the pool, never memory the kernel may write.
unsafe impl Multishot for RecvPoolMulti {
    /// Each completion's bytes; `Ok` of an empty buffer is end of file, and
    /// an error item ends the stream.
    type Item = io::Result<PoolBuf>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_RECV, self.fd.raw(), &self.pool);
        sqe.ioprio = IORING_RECV_MULTISHOT as u16;
        sqe.set_msg_flags(self.flags as u32);
        sqe
    }

    /// Refused with `EXDEV` for another ring's pool, `EINVAL` for a flag
    /// outside [`flags::RECV`](super::flags::RECV): with `MSG_TRUNC` the
    /// result would count bytes no buffer received.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::RECV))
    }

    fn item(&mut self, cqe: Cqe) -> Option<Self::Item> {
        Some(pooled(&self.pool, &cqe))
    }
}

/// A multishot receive that takes several buffers per completion
/// (`IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE`, 6.10); see
/// [`Driver::recv_bundle_multishot`].
pub struct RecvBundleMulti {
    fd: SharedFd,
    pool: Rc<PoolInner>,
    flags: i32,
}

// SAFETY: as for `RecvPoolMulti`.
unsafe impl Multishot for RecvBundleMulti {
    /// The buffers of one completion, in order (empty at end of file).
    type Item = io::Result<Vec<PoolBuf>>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_RECV, self.fd.raw(), &self.pool);
        sqe.ioprio = (IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE) as u16;
        sqe.set_msg_flags(self.flags as u32);
        sqe
    }

    /// Refused with `EXDEV` for another ring's pool, `EINVAL` for a flag
    /// outside [`flags::RECV`](super::flags::RECV): with `MSG_TRUNC` the
    /// result would count bytes no buffer received.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::RECV))
    }

    fn item(&mut self, cqe: Cqe) -> Option<Self::Item> {
        let bufs = self.pool.take_bundle(&cqe);
        Some(res(&cqe).map(|_| bufs))
    }
}

/// A multishot read into pool buffers (`IORING_OP_READ_MULTISHOT`, 6.7),
/// for pollable descriptors (pipes, sockets, eventfds); see
/// [`Driver::read_pool_multishot`].
pub struct ReadPoolMulti {
    fd: SharedFd,
    pool: Rc<PoolInner>,
}

// SAFETY: as for `RecvPoolMulti`.
unsafe impl Multishot for ReadPoolMulti {
    /// As for [`RecvPoolMulti`].
    type Item = io::Result<PoolBuf>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_READ_MULTISHOT, self.fd.raw(), &self.pool);
        sqe.set_off(u64::MAX);
        sqe
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring)
    }

    fn item(&mut self, cqe: Cqe) -> Option<Self::Item> {
        Some(pooled(&self.pool, &cqe))
    }
}

/// A multishot `recvmsg` into pool buffers (`IORING_OP_RECVMSG` with
/// `IORING_RECV_MULTISHOT`, 6.0); see [`Driver::recvmsg_pool_multishot`].
pub struct RecvMsgPoolMulti {
    fd: SharedFd,
    pool: Rc<PoolInner>,
    flags: i32,
    /// The template the kernel reads: how much room to leave for the name
    /// and the control data in each buffer. Boxed so its address is stable
    /// even if the value is stored inline in the driver's table.
    msg: Box<libc::msghdr>,
}

// SAFETY: the SQE points at `self.msg`, a heap msghdr owned by `self` that the kernel reads (it names no iovec, name or
// control memory: only the lengths are used as a template); the buffers are the pool's, as for `RecvPoolMulti`.
unsafe impl Multishot for RecvMsgPoolMulti {
    /// Each message, parsed from the buffer's `io_uring_recvmsg_out` header.
    type Item = io::Result<RecvMsgBuf>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = select_sqe(IORING_OP_RECVMSG, self.fd.raw(), &self.pool);
        sqe.ioprio = IORING_RECV_MULTISHOT as u16;
        sqe.set_addr((&raw const *self.msg) as u64);
        sqe.len = 1;
        // Received descriptors never leak into a child process.
        sqe.set_msg_flags((self.flags | libc::MSG_CMSG_CLOEXEC) as u32);
        sqe
    }

    /// Refused with `EXDEV` for another ring's pool, `EINVAL` for a flag
    /// outside [`flags::RECV`](super::flags::RECV): with `MSG_TRUNC` the
    /// result would count bytes no buffer received.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.pool.refuse(ring).or_else(|| super::flags::refuse_msg(self.flags, super::flags::RECV))
    }

    fn item(&mut self, cqe: Cqe) -> Option<Self::Item> {
        let buf = match pooled(&self.pool, &cqe) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        // SAFETY: `buf` was made from this completion just above; the
        // control data in it is what the kernel wrote for the message.
        Some(unsafe { RecvMsgBuf::parse(buf, self.msg.msg_namelen, self.msg.msg_controllen as u32) })
    }
}

/// One message of a multishot `recvmsg`: the buffer, laid out as the kernel
/// writes it (an `io_uring_recvmsg_out` header, the name area, the control
/// area, then the payload).
///
/// Descriptors the kernel installed for the message's control data
/// (`SCM_RIGHTS`, `SCM_PIDFD`; always close-on-exec) are owned by it: see
/// [`received_fds`](Self::received_fds). Their numbers stay readable in
/// [`control`](Self::control).
///
/// Each pool operation is a value made by its [`Driver`] method; a
/// datagram received with its address and control data is a [`RecvMsgBuf`]:
///
/// ```
/// use ring_core::ops::{ReadPool, ReadPoolMulti, RecvBundleMulti, RecvMsgBuf, RecvMsgPoolMulti, RecvPool, RecvPoolMulti};
/// use ring_core::pool::BufferPool;
/// use ring_core::register::BufRingConfig;
/// use ring_core::{MultiOp, Op};
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let pool = BufferPool::new(&d, BufRingConfig::new(2, 16).buffers(16, 4096))?;
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
/// rt.block_on(async {
///     let read: Op<ReadPool> = d.read_pool(&file, &pool, 0);
///     assert!(!read.await?.is_empty());
///     (&a).write_all(b"one")?;
///     let recv: Op<RecvPool> = d.recv_pool(&b, &pool, 0);
///     assert_eq!(&recv.await?[..], b"one");
///     let mut stream: MultiOp<RecvPoolMulti> = d.recv_pool_multishot(&b, &pool, 0);
///     (&a).write_all(b"two")?;
///     assert_eq!(&stream.next().await.expect("an item")?[..], b"two");
///     stream.cancel();
///     while stream.next().await.is_some() {}
///     // Bundles (6.10) and multishot reads (6.7): probe first.
///     if d.has_feature(ring_core::sys::IORING_FEAT_RECVSEND_BUNDLE) {
///         let mut bundles: MultiOp<RecvBundleMulti> = d.recv_bundle_multishot(&b, &pool, 0);
///         (&a).write_all(b"three")?;
///         assert!(!bundles.next().await.expect("an item")?.is_empty());
///         bundles.cancel();
///         while bundles.next().await.is_some() {}
///     }
///     if d.require(ring_core::sys::IORING_OP_READ_MULTISHOT).is_ok() {
///         let mut reads: MultiOp<ReadPoolMulti> = d.read_pool_multishot(&b, &pool);
///         (&a).write_all(b"four")?;
///         assert_eq!(&reads.next().await.expect("an item")?[..], b"four");
///         reads.cancel();
///         while reads.next().await.is_some() {}
///     }
///
///     let u = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
///     let from = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     let mut msgs: MultiOp<RecvMsgPoolMulti> = d.recvmsg_pool_multishot(&u, &pool, 32, 0, 0);
///     from.send_to(b"five", u.local_addr()?)?;
///     let mut msg: RecvMsgBuf = msgs.next().await.expect("an item")?;
///     assert_eq!(msg.payload(), b"five");
///     assert_eq!(msg.header().payloadlen, 4);
///     assert!(!msg.name().is_empty() && msg.control().is_empty());
///     assert_eq!(msg.flags() & libc::MSG_TRUNC as u32, 0);
///     assert!(msg.received_fds().is_empty() && msg.take_received_fds().is_empty());
///     let whole = msg.into_buf(); // the pool buffer, header and all
///     assert!(whole.len() >= 4);
///     msgs.cancel();
///     while msgs.next().await.is_some() {}
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct RecvMsgBuf {
    buf: PoolBuf,
    out: io_uring_recvmsg_out,
    name_area: usize,
    control_area: usize,
    fds: Vec<std::os::fd::OwnedFd>,
}

impl RecvMsgBuf {
    /// # Safety
    ///
    /// `buf` was made from the message's completion and not handed out yet,
    /// so its control area holds what the kernel wrote for this message.
    unsafe fn parse(buf: PoolBuf, name_area: u32, control_area: u32) -> io::Result<Self> {
        let hdr = core::mem::size_of::<io_uring_recvmsg_out>();
        let (name_area, control_area) = (name_area as usize, control_area as usize);
        if buf.len() < hdr + name_area + control_area {
            // The kernel always writes the header and both areas; anything
            // shorter is not a recvmsg buffer.
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        // SAFETY: the buffer holds at least `hdr` initialised bytes (checked);
        // the header may be unaligned, hence `read_unaligned`.
        let out = unsafe { buf.as_ptr().cast::<io_uring_recvmsg_out>().read_unaligned() };
        let mut msg = RecvMsgBuf { buf, out, name_area, control_area, fds: Vec::new() };
        let mut fds = Vec::new();
        // SAFETY: the control area is what the kernel wrote for this message
        // (the caller's contract); this runs once per completion.
        unsafe { super::msg::adopt_fds(msg.control(), &mut fds) };
        msg.fds = fds;
        Ok(msg)
    }

    /// The descriptors received with the message, owned by it until taken:
    /// dropping the message closes them.
    pub fn received_fds(&self) -> &[std::os::fd::OwnedFd] {
        &self.fds
    }

    /// Takes the received descriptors out of the message.
    pub fn take_received_fds(&mut self) -> Vec<std::os::fd::OwnedFd> {
        core::mem::take(&mut self.fds)
    }

    /// The header the kernel wrote.
    pub fn header(&self) -> io_uring_recvmsg_out {
        self.out
    }

    /// The source address (as much of it as fit in the name area).
    pub fn name(&self) -> &[u8] {
        let start = core::mem::size_of::<io_uring_recvmsg_out>();
        &self.buf[start..start + (self.out.namelen as usize).min(self.name_area)]
    }

    /// The control data (as much as fit).
    pub fn control(&self) -> &[u8] {
        let start = core::mem::size_of::<io_uring_recvmsg_out>() + self.name_area;
        &self.buf[start..start + (self.out.controllen as usize).min(self.control_area)]
    }

    /// The payload (truncated to the buffer if `MSG_TRUNC` is in
    /// [`flags`](Self::flags): the kernel sets it in the message's flags
    /// when the datagram did not fit; as a receive flag it is refused).
    pub fn payload(&self) -> &[u8] {
        let start = core::mem::size_of::<io_uring_recvmsg_out>() + self.name_area + self.control_area;
        &self.buf[start..]
    }

    /// The message's `msg_flags`.
    pub fn flags(&self) -> u32 {
        self.out.flags
    }

    /// The whole buffer (the received descriptors, if any, are closed
    /// unless taken first).
    pub fn into_buf(self) -> PoolBuf {
        self.buf
    }
}

/// # Reads and receives into provided buffers ([`crate::pool`])
///
/// The kernel picks a buffer from a [`BufferPool`] when data arrives, so
/// a thousand idle sockets hold no buffer; each result is a [`PoolBuf`]
/// that goes back to the pool when dropped.
///
/// ```
/// use ring_core::pool::BufferPool;
/// use ring_core::register::BufRingConfig;
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let pool = BufferPool::new(&d, BufRingConfig::new(1, 16).buffers(16, 4096))?;
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
/// rt.block_on(async {
///     let buf = d.read_pool(&file, &pool, 0).await?;
///     assert!(!buf.is_empty());
///
///     (&a).write_all(b"one")?;
///     assert_eq!(&d.recv_pool(&b, &pool, 0).await?[..], b"one");
///
///     // One request, a buffer each time data arrives.
///     let mut stream = d.recv_pool_multishot(&b, &pool, 0);
///     (&a).write_all(b"two")?;
///     assert_eq!(&stream.next().await.expect("an item")?[..], b"two");
///     stream.cancel();
///     while stream.next().await.is_some() {}
///
///     // Bundles: several buffers per completion (6.10).
///     if d.has_feature(ring_core::sys::IORING_FEAT_RECVSEND_BUNDLE) {
///         let mut bundles = d.recv_bundle_multishot(&b, &pool, 0);
///         (&a).write_all(b"three")?;
///         let bufs = bundles.next().await.expect("an item")?;
///         let got: Vec<u8> = bufs.iter().flat_map(|b| b.iter().copied()).collect();
///         assert_eq!(got, b"three");
///         bundles.cancel();
///         while bundles.next().await.is_some() {}
///     }
///
///     // Multishot reads of a pipe or socket (6.7).
///     if d.require(ring_core::sys::IORING_OP_READ_MULTISHOT).is_ok() {
///         let mut reads = d.read_pool_multishot(&b, &pool);
///         (&a).write_all(b"four")?;
///         assert_eq!(&reads.next().await.expect("an item")?[..], b"four");
///         reads.cancel();
///         while reads.next().await.is_some() {}
///     }
///
///     // Datagrams with their source address.
///     let u = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     let from = std::net::UdpSocket::bind("127.0.0.1:0")?;
///     let u = Rc::new(u);
///     let mut msgs = d.recvmsg_pool_multishot(&u, &pool, 32, 0, 0);
///     from.send_to(b"five", u.local_addr()?)?;
///     let msg = msgs.next().await.expect("an item")?;
///     assert_eq!(msg.payload(), b"five");
///     assert!(!msg.name().is_empty());
///     msgs.cancel();
///     while msgs.next().await.is_some() {}
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Reads once from `fd` at `offset` into a buffer the kernel picks
    /// from `pool` (`IORING_OP_READ` with `IOSQE_BUFFER_SELECT`, 5.7 for
    /// provided buffers, 5.19 for rings). Fails with `ENOBUFS` if the pool
    /// has no free buffer.
    pub fn read_pool(&self, fd: &impl AsSharedFd, pool: &BufferPool, offset: u64) -> Op<ReadPool, K> {
        self.op(ReadPool { fd: fd.shared_fd(), pool: pool.inner.clone(), offset })
    }

    /// Receives once from socket `fd` into a buffer from `pool`
    /// (`IORING_OP_RECV` with `IOSQE_BUFFER_SELECT`).
    pub fn recv_pool(&self, fd: &impl AsSharedFd, pool: &BufferPool, flags: i32) -> Op<RecvPool, K> {
        self.op(RecvPool { fd: fd.shared_fd(), pool: pool.inner.clone(), flags })
    }

    /// A stream of receives from socket `fd`, each into a buffer from
    /// `pool` (`IORING_RECV_MULTISHOT`, 6.0). See the module documentation
    /// for how it ends.
    pub fn recv_pool_multishot(
        &self,
        fd: &impl AsSharedFd,
        pool: &BufferPool,
        flags: i32,
    ) -> MultiOp<RecvPoolMulti, K> {
        MultiOp::new(self, RecvPoolMulti { fd: fd.shared_fd(), pool: pool.inner.clone(), flags })
    }

    /// A stream of receives from socket `fd` where each completion may
    /// fill several consecutive buffers of `pool` (`IORING_RECVSEND_BUNDLE`,
    /// 6.10; check `IORING_FEAT_RECVSEND_BUNDLE`).
    pub fn recv_bundle_multishot(
        &self,
        fd: &impl AsSharedFd,
        pool: &BufferPool,
        flags: i32,
    ) -> MultiOp<RecvBundleMulti, K> {
        MultiOp::new(self, RecvBundleMulti { fd: fd.shared_fd(), pool: pool.inner.clone(), flags })
    }

    /// A stream of reads from pollable `fd` (a pipe, socket, eventfd), each
    /// into a buffer from `pool` (`IORING_OP_READ_MULTISHOT`, 6.7).
    pub fn read_pool_multishot(&self, fd: &impl AsSharedFd, pool: &BufferPool) -> MultiOp<ReadPoolMulti, K> {
        MultiOp::new(self, ReadPoolMulti { fd: fd.shared_fd(), pool: pool.inner.clone() })
    }

    /// A stream of `recvmsg`s from socket `fd`, each into a buffer from
    /// `pool`, with room for `name_len` bytes of source address and
    /// `control_len` bytes of control data before the payload
    /// (`IORING_OP_RECVMSG` with `IORING_RECV_MULTISHOT`, 6.0).
    pub fn recvmsg_pool_multishot(
        &self,
        fd: &impl AsSharedFd,
        pool: &BufferPool,
        name_len: u32,
        control_len: u32,
        flags: i32,
    ) -> MultiOp<RecvMsgPoolMulti, K> {
        // SAFETY: msghdr is plain data; all-zero is a valid value.
        let mut msg: Box<libc::msghdr> = Box::new(unsafe { core::mem::zeroed() });
        msg.msg_namelen = name_len;
        msg.msg_controllen = control_len as _;
        MultiOp::new(self, RecvMsgPoolMulti { fd: fd.shared_fd(), pool: pool.inner.clone(), flags, msg })
    }
}
