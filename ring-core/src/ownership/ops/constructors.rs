//! Public constructors of the operation values that name a descriptor, for
//! building linked chains ([`crate::driver::Chain`]) and operations guarded
//! by a linked timeout ([`LinkTimeout`](super::LinkTimeout)): each takes
//! the descriptor as [`AsSharedFd`] and holds it until the operation has
//! ended, as the [`Driver`](crate::Driver) method of the same name does.
//!
//! The socket command [`SocketCmdOp::new`](super::SocketCmdOp::new) is with
//! its checks in the commands' module. A poll removal or update
//! ([`PollRemove`](super::PollRemove)) has none: it may start only while the
//! poll it names is in flight, which a chain member issued after the members
//! before it have ended cannot promise.
//!
//! Any other operation can join a chain too: build it with its `Driver`
//! method and take the value out with [`Op::into_operation`](crate::Op::into_operation)
//! before it is polled (which keeps the checks the method makes).
//!
//! ```
//! use ring_core::ops::{LinkTimeout, Recv};
//! use std::os::unix::net::UnixStream;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let d = rt.driver().clone();
//! let (a, _b) = UnixStream::pair()?;
//! let a = Rc::new(a);
//! let (res, buf, fired) = rt.block_on(async move {
//!     let mut chain = d.chain();
//!     let recv = chain.push(Recv::new(&a, Vec::with_capacity(128), 0));
//!     let timer = chain.push(LinkTimeout::new(Duration::from_millis(10)));
//!     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
//!     let (res, buf) = started.take(recv).unwrap().await;
//!     let fired = started.take(timer).unwrap().await?;
//!     Ok::<_, std::io::Error>((res, buf, fired))
//! })??;
//! assert!(fired && res.is_err());
//! assert_eq!(buf.capacity(), 128, "the buffer came back");
//! # Ok::<(), std::io::Error>(())
//! ```

use super::msg::MsgParts;
use super::sock_addr::SockAddr;
use super::{
    Accept, Bind, Connect, EpollCtl, EpollWait, Fadvise, Fallocate, Fsync, Ftruncate, Listen, Msg, OpenAt, OpenAt2,
    PollAdd, PollMulti, Recv, RecvMsg, Send, SendMsg, Shutdown, Splice, SyncFileRange, EP_MAX_EVENTS,
};
use crate::error::Error;
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::shared_fd::{AsSharedFd, At};
use std::ffi::CString;

impl<B: IoBufMut> Recv<B> {
    /// `recv(2)` into `buf`'s capacity on socket `fd` (see
    /// [`Driver::recv`](crate::Driver::recv)).
    pub fn new(fd: &impl AsSharedFd, buf: B, flags: i32) -> Self {
        Recv { fd: fd.shared_fd(), buf, flags }
    }
}

impl<B: IoBuf> Send<B> {
    /// `send(2)` of `buf`'s initialised bytes on socket `fd` (see
    /// [`Driver::send`](crate::Driver::send)).
    pub fn new(fd: &impl AsSharedFd, buf: B, flags: i32) -> Self {
        Send { fd: fd.shared_fd(), buf, flags }
    }
}

impl<B: IoBuf> SendMsg<B> {
    /// `sendmsg(2)` of an owned message on socket `fd` (see
    /// [`Driver::sendmsg`](crate::Driver::sendmsg)).
    pub fn with_message(fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Self {
        SendMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), flags, zc: false }
    }
}

impl<B: IoBufMut> RecvMsg<B> {
    /// `recvmsg(2)` into an owned message on socket `fd` (see
    /// [`Driver::recvmsg`](crate::Driver::recvmsg)).
    pub fn with_message(fd: &impl AsSharedFd, msg: Msg<B>, flags: i32) -> Self {
        RecvMsg { fd: fd.shared_fd(), msg, parts: MsgParts::new(), name: SockAddr::empty(), flags }
    }
}

impl Accept {
    /// `accept4(2)` on listening socket `fd` (see
    /// [`Driver::accept`](crate::Driver::accept)).
    pub fn new(fd: &impl AsSharedFd, flags: i32) -> Self {
        Accept { fd: fd.shared_fd(), addr: SockAddr::empty(), flags }
    }
}

impl Connect {
    /// `connect(2)` of socket `fd` to `addr` (see
    /// [`Driver::connect`](crate::Driver::connect)).
    pub fn new(fd: &impl AsSharedFd, addr: impl Into<SockAddr>) -> Self {
        Connect { fd: fd.shared_fd(), addr: addr.into() }
    }
}

impl Bind {
    /// `bind(2)` of socket `fd` to `addr` (see
    /// [`Driver::bind`](crate::Driver::bind)).
    pub fn new(fd: &impl AsSharedFd, addr: impl Into<SockAddr>) -> Self {
        Bind { fd: fd.shared_fd(), addr: addr.into() }
    }
}

impl Listen {
    /// `listen(2)` on socket `fd` (see [`Driver::listen`](crate::Driver::listen)).
    pub fn new(fd: &impl AsSharedFd, backlog: i32) -> Self {
        Listen { fd: fd.shared_fd(), backlog }
    }
}

impl Shutdown {
    /// `shutdown(2)` of socket `fd` (see
    /// [`Driver::shutdown_socket`](crate::Driver::shutdown_socket)).
    pub fn new(fd: &impl AsSharedFd, how: i32) -> Self {
        Shutdown { fd: fd.shared_fd(), how }
    }
}

impl Fsync {
    /// `fsync(2)` of `fd` (see [`Driver::fsync`](crate::Driver::fsync)).
    pub fn new(fd: &impl AsSharedFd) -> Self {
        Fsync { fd: fd.shared_fd(), flags: 0 }
    }

    /// `fdatasync(2)` of `fd` (see [`Driver::fdatasync`](crate::Driver::fdatasync)).
    pub fn data(fd: &impl AsSharedFd) -> Self {
        Fsync { fd: fd.shared_fd(), flags: ring_sys::IORING_FSYNC_DATASYNC }
    }
}

impl Fallocate {
    /// `fallocate(2)` on `fd` (see [`Driver::fallocate`](crate::Driver::fallocate)).
    pub fn new(fd: &impl AsSharedFd, mode: i32, offset: u64, len: u64) -> Self {
        Fallocate { fd: fd.shared_fd(), mode, offset, len }
    }
}

impl Ftruncate {
    /// `ftruncate(2)` of `fd` (see [`Driver::ftruncate`](crate::Driver::ftruncate)).
    pub fn new(fd: &impl AsSharedFd, len: u64) -> Self {
        Ftruncate { fd: fd.shared_fd(), len }
    }
}

impl Fadvise {
    /// `posix_fadvise(2)` on `fd` (see [`Driver::fadvise`](crate::Driver::fadvise)).
    pub fn new(fd: &impl AsSharedFd, offset: u64, len: u64, advice: i32) -> Self {
        Fadvise { fd: fd.shared_fd(), offset, len, advice }
    }
}

impl SyncFileRange {
    /// `sync_file_range(2)` on `fd` (see
    /// [`Driver::sync_file_range`](crate::Driver::sync_file_range)).
    pub fn new(fd: &impl AsSharedFd, offset: u64, len: u32, flags: u32) -> Self {
        SyncFileRange { fd: fd.shared_fd(), offset, len, flags }
    }
}

impl Splice {
    /// `splice(2)` from `fd_in` to `fd_out` (see
    /// [`Driver::splice`](crate::Driver::splice)).
    pub fn new(
        fd_in: &impl AsSharedFd,
        off_in: Option<u64>,
        fd_out: &impl AsSharedFd,
        off_out: Option<u64>,
        len: u32,
        flags: u32,
    ) -> Self {
        Splice { fd_in: fd_in.shared_fd(), off_in, fd_out: fd_out.shared_fd(), off_out, len, flags, tee: false }
    }

    /// `tee(2)` from pipe `fd_in` to pipe `fd_out` (see
    /// [`Driver::tee`](crate::Driver::tee)).
    pub fn tee(fd_in: &impl AsSharedFd, fd_out: &impl AsSharedFd, len: u32, flags: u32) -> Self {
        Splice {
            fd_in: fd_in.shared_fd(),
            off_in: None,
            fd_out: fd_out.shared_fd(),
            off_out: None,
            len,
            flags,
            tee: true,
        }
    }
}

impl OpenAt {
    /// `openat(2)` of `path` relative to `dir`, close-on-exec (see
    /// [`Driver::openat`](crate::Driver::openat)).
    pub fn new(dir: impl Into<At>, path: CString, flags: i32, mode: u32) -> Self {
        OpenAt { dirfd: dir.into(), path, flags, mode }
    }
}

impl OpenAt2 {
    /// `openat2(2)` with a full `open_how`, close-on-exec added (see
    /// [`Driver::openat2`](crate::Driver::openat2)).
    pub fn new(dir: impl Into<At>, path: CString, mut how: ring_sys::open_how) -> Self {
        how.flags |= libc::O_CLOEXEC as u64;
        OpenAt2 { dirfd: dir.into(), path, how }
    }
}

impl PollAdd {
    /// A single-shot poll of `fd` for `events` (see
    /// [`Driver::poll_add`](crate::Driver::poll_add)).
    pub fn new(fd: &impl AsSharedFd, events: u32) -> Self {
        PollAdd { fd: fd.shared_fd(), events }
    }
}

impl EpollCtl {
    /// `epoll_ctl(2)` on epoll instance `epfd` for `fd`, with the event
    /// mask `events` and `data` as the event's `u64` (see
    /// [`Driver::epoll_ctl`](crate::Driver::epoll_ctl)).
    pub fn new(epfd: &impl AsSharedFd, fd: &impl AsSharedFd, op: i32, events: u32, data: u64) -> Self {
        let event = libc::epoll_event { events, u64: data };
        EpollCtl { epfd: epfd.shared_fd(), fd: fd.shared_fd(), op, event }
    }
}

impl EpollWait {
    /// `epoll_wait(2)` on `epfd` for up to `max_events` events (see
    /// [`Driver::epoll_wait`](crate::Driver::epoll_wait)): above
    /// [`EP_MAX_EVENTS`] it is [`Error::TooLong`], and an event buffer the
    /// allocator refuses is [`Error::OutOfMemory`].
    pub fn new(epfd: &impl AsSharedFd, max_events: usize) -> Result<Self, Error> {
        if max_events > EP_MAX_EVENTS {
            return Err(Error::TooLong { what: "epoll event count", len: max_events, max: EP_MAX_EVENTS });
        }
        let events = Error::try_vec("epoll event buffer", max_events.max(1))?;
        Ok(EpollWait { epfd: epfd.shared_fd(), events })
    }
}

impl PollMulti {
    /// A multishot poll of `fd` for `events` (see
    /// [`Driver::poll_multishot`](crate::Driver::poll_multishot)), for
    /// [`Driver::multishot_keep`](crate::Driver::multishot_keep) (a
    /// multishot operation is not a chain member).
    pub fn new(fd: &impl AsSharedFd, events: u32) -> Self {
        PollMulti { fd: fd.shared_fd(), events }
    }
}
