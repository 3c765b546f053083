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
//! from a pool); `keep_alive` ties any value to an operation. Two more
//! belong to `rw`: `mem` (vectored reads and writes over regions of a
//! caller's [`BackingMemory`](crate::ownership::buf::BackingMemory)) and
//! `write_sync` (a write with a [`SyncLevel`]).
//!
//! Each value also has a public constructor, so that it can be started with
//! [`Driver::op`](crate::Driver::op) or as a member of a linked chain
//! ([`Driver::chain`](crate::Driver::chain)), which the kernel runs in
//! order:
//!
//! ```
//! use ring_core::ops::{
//!     Accept, Close, Connect, EpollCtl, EpollWait, Fadvise, Fallocate, Fsync, LinkTimeout, Msg, OpenAt, PollAdd,
//!     Read, Readv, Recv, RecvMsg, Send, SendMsg, SendZc, Shutdown, SocketCmd, SocketCmdOp, Splice, Statx,
//!     SyncFileRange, Timeout, Write, Writev,
//! };
//! use ring_core::At;
//! use std::ffi::CString;
//! use std::os::fd::{FromRawFd, OwnedFd};
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let rt = ring_core::Runtime::new(64)?;
//! let d = rt.driver().clone();
//! let path = std::env::temp_dir().join(format!("ring-core-doc-ops-{}", std::process::id()));
//! let cpath = CString::new(path.to_str().unwrap()).unwrap();
//! rt.block_on(async {
//!     // Files: open, then a chain that runs in order.
//!     let fd = d.op(OpenAt::new(At::CWD, cpath.clone(), libc::O_CREAT | libc::O_RDWR, 0o600)).await?;
//!     let file = Rc::new(std::fs::File::from(fd));
//!     let mut chain = d.chain();
//!     chain.push(Fallocate::new(&file, 0, 0, 4096));
//!     chain.push(Fadvise::new(&file, 0, 4096, libc::POSIX_FADV_SEQUENTIAL));
//!     chain.push(Write::new(&file, b"abc".to_vec(), 0));
//!     chain.push(Writev::new(&file, vec![b"de".to_vec(), b"f".to_vec()], 3));
//!     chain.push(SyncFileRange::new(&file, 0, 6, 0));
//!     chain.push(Fsync::data(&file));
//!     chain.push(Fsync::new(&file));
//!     let read = chain.push(Read::new(&file, Vec::with_capacity(8), 0));
//!     let readv = chain.push(Readv::new(&file, vec![Vec::with_capacity(3), Vec::with_capacity(3)], 0));
//!     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
//!     let (n, buf) = started.take(read).expect("its link").await;
//!     assert_eq!(n?, 8); // the file is 4096 bytes long (fallocate)
//!     assert_eq!(&buf[..6], b"abcdef");
//!     let (n, bufs) = started.take(readv).expect("its link").await;
//!     assert_eq!((n?, &bufs[1][..]), (6, &b"def"[..]));
//!     let st = d.op(Statx::new(At::CWD, cpath, 0, libc::STATX_SIZE)).await?;
//!     assert_eq!(st.stx_size, 4096);
//!
//!     // Pipes: splice from the file into a pipe.
//!     let (rx, tx) = std::io::pipe()?;
//!     let (rx, tx) = (Rc::new(rx), Rc::new(tx));
//!     assert_eq!(d.op(Splice::new(&file, Some(0), &tx, None, 3, 0)).await?, 3);
//!     let (n, buf) = d.read(&rx, Vec::with_capacity(3)).await;
//!     assert_eq!(&buf[..n?], b"abc");
//!     drop(file);
//!     let fd = d.op(OpenAt::new(At::CWD, CString::new(path.to_str().unwrap()).unwrap(), libc::O_RDONLY, 0)).await?;
//!     d.op(Close::new(fd)).await?;
//!
//!     // Sockets: connect and accept in one chain each side.
//!     let listener = Rc::new(std::net::TcpListener::bind("127.0.0.1:0")?);
//!     let client = Rc::new(d.socket(libc::AF_INET, libc::SOCK_STREAM, 0).await?);
//!     let accept = d.op(Accept::new(&listener, 0));
//!     d.op(Connect::new(&client, listener.local_addr()?)).await?;
//!     let (server, _peer) = accept.await?;
//!     let server = Rc::new(server);
//!     let mut chain = d.chain();
//!     let one = chain.push(Send::new(&client, b"one".to_vec(), 0));
//!     let two = chain.push(SendMsg::with_message(&client, Msg::new(vec![b"two".to_vec()]), 0));
//!     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
//!     assert_eq!(started.take(one).expect("its link").await.0?, 3);
//!     assert_eq!(started.take(two).expect("its link").await.0?, 3);
//!     let (n, buf) = d.op(Recv::new(&server, Vec::with_capacity(3), libc::MSG_WAITALL)).await;
//!     assert_eq!(&buf[..n?], b"one");
//!     let (n, msg) = d.op(RecvMsg::with_message(&server, Msg::new(vec![Vec::with_capacity(3)]), libc::MSG_WAITALL)).await;
//!     assert_eq!(&msg.bufs[0][..n?], b"two");
//!     let zc = ring_core::task::spawn({
//!         let (d, client) = (d.clone(), client.clone());
//!         async move { d.op(SendZc::new(&client, b"z".to_vec(), 0)).await.0 }
//!     });
//!     let (n, buf) = d.op(Recv::new(&server, Vec::with_capacity(1), 0)).await;
//!     assert_eq!(&buf[..n?], b"z");
//!     zc.await.expect("the sender ran")?;
//!
//!     // Readiness, with a deadline on a receive that never completes.
//!     let mut chain = d.chain();
//!     let recv = chain.push(Recv::new(&client, Vec::with_capacity(8), 0));
//!     let timer = chain.push(LinkTimeout::new(Duration::from_millis(5)));
//!     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
//!     let (r, _buf) = started.take(recv).expect("its link").await;
//!     assert!(r.is_err());
//!     assert!(started.take(timer).expect("its link").await?);
//!     // SAFETY: epoll_create1 has no memory effects.
//!     let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
//!     assert!(ep >= 0);
//!     // SAFETY: a fresh descriptor, owned here.
//!     let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
//!     let (n, _) = d.send(&server, b"x".to_vec(), 0).await;
//!     n?;
//!     let mut chain = d.chain();
//!     chain.push(EpollCtl::new(&ep, &client, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 9));
//!     let ready = chain.push(PollAdd::new(&client, libc::POLLIN as u32));
//!     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
//!     assert!(started.take(ready).expect("its link").await? & libc::POLLIN as u32 != 0);
//!     if d.require(ring_core::sys::IORING_OP_EPOLL_WAIT).is_ok() {
//!         let events = d.op(EpollWait::new(&ep, 4)?).await?;
//!         assert_eq!(events.len(), 1);
//!     }
//!     if d.require(ring_core::sys::IORING_OP_URING_CMD).is_ok() {
//!         let (n, _) = d.op(SocketCmdOp::new(&client, SocketCmd::InQueue)?).await;
//!         if let Ok(n) = n {
//!             assert_eq!(n, 1);
//!         }
//!     }
//!     d.op(Shutdown::new(&client, libc::SHUT_RDWR)).await?;
//!     assert!(d.op(Timeout::relative(Duration::from_millis(1))).await?);
//!     Ok::<(), std::io::Error>(())
//! })??;
//! std::fs::remove_file(&path)?;
//! # Ok::<(), std::io::Error>(())
//! ```
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
mod dir_entries;
mod direct;
mod file;
mod file_table;
mod fixed;
pub mod flags;
mod fs;
mod keep_alive;
mod mem;
mod msg;
mod msg_ring;
mod net;
mod nop;
mod poll;
mod process;
mod provide_buffers;
mod rw;
mod sock_addr;
mod time;
mod write_sync;
mod xattr;

pub use bufsel::{ReadPool, ReadPoolMulti, RecvBundleMulti, RecvMsgBuf, RecvMsgPoolMulti, RecvPool, RecvPoolMulti};
pub use cmd::{SocketCmd, SocketCmdOp, UringCmd, UringCmd128, PLAIN_GETSOCKOPTS, PLAIN_SOCKOPTS};
pub use dir_entries::{LinkAt, MkdirAt, RenameAt, SymlinkAt, UnlinkAt};
pub use direct::{
    AcceptDirect, CloseDirect, ConnectDirect, OpenAtDirect, ReadDirect, RecvDirect, SendDirect, SocketDirect,
    WriteDirect,
};
pub use file::{Advice, Fadvise, Fallocate, Fsync, Ftruncate, Splice, SyncFileRange};
pub use file_table::{FilesUpdate, FixedFdInstall};
pub use fixed::{ReadFixed, ReadvFixed, SendZcFixed, WriteFixed, WritevFixed};
pub use fs::{Close, OpenAt, OpenAt2, Pipe, Statx};
pub use keep_alive::KeepAlive;
pub use mem::{ReadMem, WriteMem};
pub use msg::{Msg, RecvMsg, SendMsg, SendMsgZc};
pub use msg_ring::{MsgRing, MsgRingSendFixed};
pub use net::{Accept, AcceptMulti, Bind, Connect, Listen, Recv, Send, SendZc, Shutdown, Socket};
pub use nop::{Nop, Nop128};
pub use poll::{EpollCtl, EpollWait, PollAdd, PollMulti, PollRemove, EP_MAX_EVENTS};
pub use process::{ChildStatus, Futex, FutexWait, FutexWaitV, FutexWake, Madvise, WaitId};
pub use provide_buffers::{BufferGroup, ProvideBuffers, RemoveBuffers};
pub use rw::{Read, Readv, Write, Writev};
pub use sock_addr::SockAddr;
pub use time::{LinkTimeout, Timeout, TimeoutStream};
pub use write_sync::{SyncLevel, SyncMethod, WriteSync};
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
