//! Safe operations: each owns every byte its SQE points to, and gives it
//! back with the result.
//!
//! The methods on [`Driver`] return [`Op`] futures (or [`MultiOp`]
//! streams). An SQE's pointers are taken in `prepare`, from the operation
//! value at its final address in the driver's table (see
//! [`crate::ownership::operation::Operation`]), so moving or dropping the future can never
//! invalidate them.
//!
//! An operation that names a descriptor takes it as [`AsSharedFd`] (a
//! directory as [`At`]) and holds a [`SharedFd`](crate::SharedFd) of it
//! until its terminal completion, so the descriptor cannot be closed, and
//! its number reused by another file, while the kernel may still issue the
//! request (see [`crate::ownership::shared_fd`]).
//!
//! The files are the families of [`crate::raw::opcode`], under the same
//! names, and each operation has the type name of its opcode's builder:
//! `rw`, `file`, `fs`, `xattr`, `net`, `msg`, `poll`, `time`, `process`,
//! `msg_ring`, `cmd`, `provide_buffers` and `nop`. Three more hold the
//! variants that take a registered resource: `fixed` (registered
//! buffers), `direct` (direct descriptors) and `bufsel` (buffers selected
//! from a pool); `keep_alive` ties any value to an operation.
//!
//! [`Driver`]: crate::ownership::driver::Driver
//! [`Op`]: crate::ownership::driver::op::Op
//! [`MultiOp`]: crate::ownership::driver::op::MultiOp
//! [`AsSharedFd`]: crate::ownership::shared_fd::AsSharedFd
//! [`At`]: crate::ownership::shared_fd::At
#![allow(unsafe_code)]

mod bufsel;
mod cmd;
mod constructors;
mod direct;
mod file;
mod fixed;
pub mod flags;
mod fs;
mod keep_alive;
mod msg;
mod msg_ring;
mod net;
mod nop;
mod poll;
mod process;
mod provide_buffers;
mod rw;
mod time;
mod xattr;

pub use bufsel::{ReadPool, ReadPoolMulti, RecvBundleMulti, RecvMsgBuf, RecvMsgPoolMulti, RecvPool, RecvPoolMulti};
pub use cmd::{SocketCmd, SocketCmdOp, UringCmd, UringCmd128, PLAIN_GETSOCKOPTS, PLAIN_SOCKOPTS};
pub use direct::{
    AcceptDirect, CloseDirect, ConnectDirect, OpenAtDirect, ReadDirect, RecvDirect, SendDirect, SocketDirect,
    WriteDirect,
};
pub use file::{Advice, Fadvise, Fallocate, Fsync, Ftruncate, Splice, SyncFileRange};
pub use fixed::{ReadFixed, ReadvFixed, SendZcFixed, WriteFixed, WritevFixed};
pub use fs::{
    Close, FilesUpdate, FixedFdInstall, LinkAt, MkdirAt, OpenAt, OpenAt2, Pipe, RenameAt, Statx, SymlinkAt, UnlinkAt,
};
pub use keep_alive::KeepAlive;
pub use msg::{Msg, RecvMsg, SendMsg, SendMsgZc};
pub use msg_ring::MsgRing;
pub use net::{Accept, AcceptMulti, Bind, Connect, Listen, Recv, Send, SendZc, Shutdown, SockAddr, Socket};
pub use nop::{Nop, Nop128};
pub use poll::{EpollCtl, EpollWait, PollAdd, PollMulti, PollRemove, EP_MAX_EVENTS};
pub use process::{ChildStatus, Futex, FutexWait, FutexWaitV, FutexWake, Madvise, WaitId};
pub use provide_buffers::{BufferGroup, ProvideBuffers, RemoveBuffers};
pub use rw::{Read, Readv, Write, Writev};
pub use time::{LinkTimeout, Timeout, TimeoutStream};
pub use xattr::{GetXattr, SetXattr, XattrTarget, XATTR_SIZE_MAX};

use crate::raw::cqueue::Cqe;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

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
pub(crate) fn foreign(owner: Option<crate::raw::ring_id::RingId>, ring: crate::raw::ring_id::RingId) -> Option<i32> {
    (owner != Some(ring)).then_some(libc::EXDEV)
}

/// `len` clamped to what one SQE can carry.
pub(crate) fn rw_len(len: usize) -> u32 {
    len.min(MAX_RW_COUNT) as u32
}

/// Offset meaning "the file's current position" (`-1` in `off`), for files
/// where the kernel supports it (`IORING_FEAT_RW_CUR_POS`, 5.6).
pub const CURRENT_POSITION: u64 = u64::MAX;

/// Wraps a non-negative descriptor result as an `OwnedFd`.
pub(crate) fn owned_fd(result: &Cqe) -> io::Result<OwnedFd> {
    let fd = res(result)?;
    // SAFETY: the kernel just created this descriptor for us; nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// The earlier name of [`Readv`], spelled as `opcode::Readv` is.
#[deprecated(note = "renamed `Readv`, as the raw builder `opcode::Readv`")]
pub type ReadV<B> = Readv<B>;

/// The earlier name of [`Writev`], spelled as `opcode::Writev` is.
#[deprecated(note = "renamed `Writev`, as the raw builder `opcode::Writev`")]
pub type WriteV<B> = Writev<B>;

/// The earlier name of [`Timeout`], spelled as `opcode::Timeout` is.
#[deprecated(note = "renamed `Timeout`, as the raw builder `opcode::Timeout`")]
pub type TimeoutOp = Timeout;

/// The earlier name of [`SendMsgZc`], spelled as `opcode::SendMsgZc` is.
#[deprecated(note = "renamed `SendMsgZc`, as the raw builder `opcode::SendMsgZc`")]
pub type SendMsgZcOp<B> = SendMsgZc<B>;
