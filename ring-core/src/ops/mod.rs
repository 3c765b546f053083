//! Safe operations: each owns every byte its SQE points to, and gives it
//! back with the result.
//!
//! The methods on [`Driver`] return [`Op`] futures (or [`MultiOp`]
//! streams). An SQE's pointers are taken in `prepare`, from the operation
//! value at its final address in the driver's table (see
//! [`crate::op::Operation`]), so moving or dropping the future can never
//! invalidate them.
//!
//! An operation that names a descriptor takes it as [`AsSharedFd`] (a
//! directory as [`At`]) and holds a [`SharedFd`](crate::SharedFd) of it
//! until its terminal completion, so the descriptor cannot be closed, and
//! its number reused by another file, while the kernel may still issue the
//! request (see [`crate::shared_fd`]).

mod bufsel;
mod constructors;
mod direct;
mod fixed_vec;
pub mod flags;
mod fs;
mod fs2;
mod mem;
mod misc;
mod misc2;
mod net;
mod rw;
mod write_sync;

pub use bufsel::{ReadPool, ReadPoolMulti, RecvBundleMulti, RecvMsgBuf, RecvMsgPoolMulti, RecvPool, RecvPoolMulti};
pub use direct::{
    AcceptDirect, CloseDirect, ConnectDirect, OpenAtDirect, ReadDirect, RecvDirect, SendDirect, SocketDirect,
    WriteDirect,
};
pub use fixed_vec::{ReadvFixed, WritevFixed};
pub use fs::{Close, Fallocate, Fsync, OpenAt, OpenAt2, Statx};
pub use fs2::{
    Advice, Fadvise, FilesUpdate, FixedFdInstall, Ftruncate, GetXattr, LinkAt, Madvise, MkdirAt, Pipe, RenameAt,
    SetXattr, Splice, SymlinkAt, SyncFileRange, UnlinkAt, XattrTarget, XATTR_SIZE_MAX,
};
pub use mem::{ReadMem, WriteMem};
pub use misc::{LinkTimeout, Nop, PollMulti, SendZc, TimeoutOp, TimeoutStream};
pub use misc2::{
    BufferGroup, ChildStatus, Futex, FutexOp, FutexWaitV, KeepAlive, MsgRing, Nop128, ProvideBuffers, RemoveBuffers,
    UringCmd, UringCmd128, WaitId,
};
pub use net::{
    Accept, AcceptMulti, Bind, Connect, EpollCtl, EpollWait, Listen, Msg, PollAdd, PollRemove, Recv, RecvMsg, Send,
    SendMsg, SendMsgZcOp, Shutdown, SockAddr, Socket, SocketCmd, SocketCmdOp, EP_MAX_EVENTS, PLAIN_GETSOCKOPTS,
    PLAIN_SOCKOPTS,
};
pub use rw::{Read, ReadV, Write, WriteV};
pub use write_sync::{SyncLevel, SyncMethod, WriteSync};

use crate::cqueue::Cqe;
use std::io;

/// The largest byte count one read or write transfers (`MAX_RW_COUNT` in
/// the kernel: `INT_MAX` rounded down to a page). Longer buffers are
/// submitted with this length, and the result is a short count, as with
/// `read(2)`.
pub const MAX_RW_COUNT: usize = 0x7fff_f000;

/// The most buffers (iovecs) one vectored request carries (`UIO_MAXIOV`;
/// the kernel refuses more with `EINVAL`). The vectored operations check
/// their count against it before allocating anything for it.
pub const IOV_MAX: usize = 1024;

/// The kernel's result as `io::Result<u32>`, negating the errno once.
pub(crate) fn res(cqe: &Cqe) -> io::Result<u32> {
    cqe.result().map_err(|e| io::Error::from_raw_os_error(e.raw()))
}

/// The refusal of an operation that names a resource of ring `owner` (see
/// [`crate::Operation::refuse`]): `EXDEV` on any other ring, or when the
/// resource belongs to no ring any more.
#[inline]
pub(crate) fn foreign(owner: Option<crate::ring::RingId>, ring: crate::ring::RingId) -> Option<i32> {
    (owner != Some(ring)).then_some(libc::EXDEV)
}

/// `len` clamped to what one SQE can carry.
pub(crate) fn rw_len(len: usize) -> u32 {
    len.min(MAX_RW_COUNT) as u32
}

/// Offset meaning "the file's current position" (`-1` in `off`), for files
/// where the kernel supports it (`IORING_FEAT_RW_CUR_POS`, 5.6).
pub const CURRENT_POSITION: u64 = u64::MAX;

use crate::buf::{IoBuf, IoBufMut};
use crate::driver::Driver;
use crate::kernel::Kernel;
use crate::op::{MultiOp, Op};
use crate::shared_fd::{AsSharedFd, At};
use core::time::Duration;
use std::ffi::CString;
use std::os::fd::OwnedFd;

/// Reading and writing, opening and closing files, timers, multishot
/// readiness and zero-copy sends.
impl<K: Kernel> Driver<K> {
    /// `IORING_OP_NOP`: completes with 0.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(d.nop())??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nop(&self) -> Op<Nop, K> {
        self.op(Nop)
    }

    /// Reads into `buf` from `fd` at `offset` (`IORING_OP_READ`, 5.6).
    /// Resolves to the byte count and the buffer, whose first `n` bytes
    /// are then initialised.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
    /// let (n, buf) = rt.block_on(d.read_at(&file, Vec::with_capacity(512), 0))?;
    /// assert_eq!(n?, buf.len());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read_at<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B, offset: u64) -> Op<Read<B>, K> {
        self.op(Read::new(fd, buf, offset))
    }

    /// Reads at the file's current position, advancing it.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// std::io::Write::write_all(&mut &tx, b"ping")?;
    /// let (n, buf) = rt.block_on(d.read(&std::rc::Rc::new(rx), Vec::with_capacity(16)))?;
    /// assert_eq!(&buf[..n?], b"ping");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read<B: IoBufMut>(&self, fd: &impl AsSharedFd, buf: B) -> Op<Read<B>, K> {
        self.op(Read::new(fd, buf, CURRENT_POSITION))
    }

    /// Writes the initialised bytes of `buf` to `fd` at `offset`
    /// (`IORING_OP_WRITE`, 5.6).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(tempfile()?);
    /// let (n, _buf) = rt.block_on(d.write_at(&file, b"hello".to_vec(), 0))?;
    /// assert_eq!(n?, 5);
    /// # fn tempfile() -> std::io::Result<std::fs::File> {
    /// #     let p = std::env::temp_dir().join(format!("ring-doc-write-at-{}", std::process::id()));
    /// #     let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&p)?;
    /// #     std::fs::remove_file(p)?;
    /// #     Ok(f)
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write_at<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B, offset: u64) -> Op<Write<B>, K> {
        self.op(Write::new(fd, buf, offset))
    }

    /// Writes at the file's current position, advancing it.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// let (n, _buf) = rt.block_on(d.write(&std::rc::Rc::new(tx), b"pong"))?;
    /// assert_eq!(n?, 4);
    /// # drop(rx);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn write<B: IoBuf>(&self, fd: &impl AsSharedFd, buf: B) -> Op<Write<B>, K> {
        self.op(Write::new(fd, buf, CURRENT_POSITION))
    }

    /// Scatter read into `bufs` (`IORING_OP_READV`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
    /// let bufs = vec![Vec::with_capacity(4), Vec::with_capacity(64)];
    /// let (n, bufs) = rt.block_on(d.readv_at(&file, bufs, 0))?;
    /// assert_eq!(n?, bufs[0].len() + bufs[1].len());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn readv_at<B: IoBufMut>(&self, fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Op<ReadV<B>, K> {
        self.op(ReadV::new(fd, bufs, offset))
    }

    /// Gather write from `bufs` (`IORING_OP_WRITEV`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// let (n, _) = rt.block_on(d.writev_at(&std::rc::Rc::new(tx), vec![b"ab".to_vec(), b"cd".to_vec()], ring_core::ops::CURRENT_POSITION))?;
    /// assert_eq!(n?, 4);
    /// # drop(rx);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn writev_at<B: IoBuf>(&self, fd: &impl AsSharedFd, bufs: Vec<B>, offset: u64) -> Op<WriteV<B>, K> {
        self.op(WriteV::new(fd, bufs, offset))
    }

    /// `fsync(2)` (`IORING_OP_FSYNC`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let path = std::env::temp_dir().join(format!("ring-doc-fsync-{}", std::process::id()));
    /// let file = std::rc::Rc::new(std::fs::File::create(&path)?);
    /// rt.block_on(d.fsync(&file))??;
    /// # std::fs::remove_file(path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn fsync(&self, fd: &impl AsSharedFd) -> Op<Fsync, K> {
        self.op(Fsync { fd: fd.shared_fd(), flags: 0 })
    }

    /// `fdatasync(2)` (`IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC`).
    pub fn fdatasync(&self, fd: &impl AsSharedFd) -> Op<Fsync, K> {
        self.op(Fsync { fd: fd.shared_fd(), flags: ring_sys::IORING_FSYNC_DATASYNC })
    }

    /// `openat(2)` (`IORING_OP_OPENAT`, 5.6) of `path` relative to `dir`:
    /// [`At::CWD`] for the working directory, or `&d` for an open
    /// directory `d`, which the operation keeps open until it has ended.
    /// `O_CLOEXEC` is always added, as the standard library adds it. If the
    /// future is dropped and the open still succeeds, the driver closes the
    /// new descriptor.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// use ring_core::At;
    /// let path = std::ffi::CString::new("/proc/self/stat").unwrap();
    /// let fd = rt.block_on(d.openat(At::CWD, path, libc::O_RDONLY, 0))??;
    /// rt.block_on(d.close(fd))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn openat(&self, dir: impl Into<At>, path: CString, flags: i32, mode: u32) -> Op<OpenAt, K> {
        self.op(OpenAt { dirfd: dir.into(), path, flags, mode })
    }

    /// `openat2(2)` (`IORING_OP_OPENAT2`, 5.6) with a full `open_how`.
    /// `O_CLOEXEC` is added to `how.flags`, as [`openat`](Self::openat)
    /// adds it, so that no descriptor this crate opens leaks into a child
    /// process; clear the flag on the descriptor afterwards if a child
    /// should inherit it. If the future is dropped and the open still
    /// succeeds, the driver closes the new descriptor.
    pub fn openat2(&self, dir: impl Into<At>, path: CString, mut how: ring_sys::open_how) -> Op<OpenAt2, K> {
        how.flags |= libc::O_CLOEXEC as u64;
        self.op(OpenAt2 { dirfd: dir.into(), path, how })
    }

    /// Closes `fd` (`IORING_OP_CLOSE`, 5.6). The descriptor is consumed, so
    /// no other code can use it while the close is in flight.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let fd = std::os::fd::OwnedFd::from(std::fs::File::open("/proc/self/stat")?);
    /// rt.block_on(d.close(fd))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn close(&self, fd: OwnedFd) -> Op<Close, K> {
        self.op(Close::new(fd))
    }

    /// `statx(2)` (`IORING_OP_STATX`, 5.6) of `path` relative to `dir`
    /// (with `AT_EMPTY_PATH` and an empty path: of `dir` itself).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// use ring_core::At;
    /// let path = std::ffi::CString::new("/").unwrap();
    /// let st = rt.block_on(d.statx(At::CWD, path, 0, libc::STATX_TYPE))??;
    /// assert_eq!(u32::from(st.stx_mode) & libc::S_IFMT, libc::S_IFDIR);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn statx(&self, dir: impl Into<At>, path: CString, flags: i32, mask: u32) -> Op<Statx, K> {
        self.op(Statx::new(dir.into(), path, flags, mask))
    }

    /// `fallocate(2)` (`IORING_OP_FALLOCATE`, 5.6).
    pub fn fallocate(&self, fd: &impl AsSharedFd, mode: i32, offset: u64, len: u64) -> Op<Fallocate, K> {
        self.op(Fallocate { fd: fd.shared_fd(), mode, offset, len })
    }

    /// Completes after `d` (`IORING_OP_TIMEOUT`, 5.4), a timer kept by the
    /// kernel: the executor parks in the ring until it fires.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let fired = rt.block_on(d.sleep(std::time::Duration::from_millis(1)))??;
    /// assert!(fired);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn sleep(&self, d: Duration) -> Op<TimeoutOp, K> {
        self.op(TimeoutOp::relative(d))
    }

    /// Completes at `at` on `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let at = ring_core::time::monotonic(std::time::Instant::now() + std::time::Duration::from_millis(1));
    /// assert!(rt.block_on(d.sleep_until(at))??);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn sleep_until(&self, at: Duration) -> Op<TimeoutOp, K> {
        self.op(TimeoutOp::absolute(at))
    }

    /// Completes after `d`, or once `count` other completions have been
    /// posted, whichever is first (`IORING_OP_TIMEOUT` with a count).
    /// Resolves to `Ok(true)` if the time ran out, `Ok(false)` on the count.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// // Fires on time: nothing else completes meanwhile.
    /// assert!(rt.block_on(d.timeout(std::time::Duration::from_millis(1), 100))??);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timeout(&self, d: Duration, count: u32) -> Op<TimeoutOp, K> {
        self.op(TimeoutOp::relative(d).with_count(count))
    }

    /// A stream of ticks every `interval` (`IORING_TIMEOUT_MULTISHOT`,
    /// 6.4); `count` ticks, or forever with 0.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let mut ticks = d.ticks(std::time::Duration::from_millis(1), 3);
    ///     let mut n = 0;
    ///     while let Some(t) = ticks.next().await {
    ///         t?;
    ///         n += 1;
    ///     }
    ///     assert_eq!(n, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn ticks(&self, interval: Duration, count: u32) -> MultiOp<TimeoutStream, K> {
        MultiOp::new(self, TimeoutStream::new(interval, count))
    }

    /// A stream of readiness events on `fd` (`IORING_OP_POLL_ADD` with
    /// `IORING_POLL_ADD_MULTI`, 5.13), each the `revents` mask.
    pub fn poll_multishot(&self, fd: &impl AsSharedFd, events: u32) -> MultiOp<PollMulti, K> {
        MultiOp::new(self, PollMulti { fd: fd.shared_fd(), events })
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
