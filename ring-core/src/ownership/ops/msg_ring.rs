//! Ring-to-ring messages: a completion or a descriptor sent to another
//! ring.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::io;

/// `IORING_OP_MSG_RING` (5.18): posts a completion on another ring, or
/// passes it a direct descriptor; see [`Driver::msg_ring`] and
/// [`Driver::msg_ring_fd`].
///
/// ```
/// use ring_core::fixed_files::FixedFiles;
/// use ring_core::ops::MsgRing;
/// use ring_core::{Op, Ring, SharedFd};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // A raw ring no `Driver` drives: its completions are ours to read.
/// let mut target = Ring::new(4)?;
/// // SAFETY: `target` outlives the handle, which only these calls use.
/// let fd = unsafe { SharedFd::borrow_raw(target.fd().expect("a ring descriptor")) };
/// // SAFETY: no `Driver` drives `target`, so no operation's `user_data`
/// // can be impersonated.
/// let post: Op<MsgRing> = unsafe { d.msg_ring(&fd, 42, 0xfeed) };
/// rt.block_on(post)??;
/// let cqe = target.cq().pop().expect("the posted completion");
/// assert_eq!((cqe.user_data, cqe.res), (0xfeed, 42));
///
/// // A direct descriptor passed from slot 3 of this ring to slot 1 of the
/// // target's table (6.0).
/// let (Ok(files), Ok(())) = (FixedFiles::new(&d, 4, 0..2), target.register_files_sparse(2)) else {
///     println!("skipping: no sparse file tables here");
///     return Ok(());
/// };
/// let file = SharedFd::new(std::fs::File::open("/dev/null")?);
/// rt.block_on(d.files_update(vec![Some(file)], 3))?.0?;
/// // SAFETY: as above.
/// let pass: Op<MsgRing> = unsafe { d.msg_ring_fd(&fd, 3, 1, 0xf11e) };
/// rt.block_on(pass)??;
/// let cqe = target.cq().pop().expect("the passed descriptor's completion");
/// assert_eq!(cqe.user_data, 0xf11e);
/// drop(files);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MsgRing {
    ring_fd: SharedFd,
    result: i32,
    user_data: u64,
    send_fd: Option<(u32, u32)>,
}

// SAFETY: the SQE carries no pointer: the data travels in the SQE, and a
// passed descriptor is a slot in this ring's registered table.
unsafe impl Operation for MsgRing {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut b = opcode::MsgRing::new(self.ring_fd.raw(), self.result, self.user_data);
        if let Some(pair) = self.send_fd {
            b = b.send_fd(pair);
        }
        b.build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// # Messages between rings
///
/// A completion posted into another ring; for work handed to another
/// runtime, [`crate::handle`] is the safe way.
///
/// ```
/// use ring_core::{Ring, SharedFd};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // A raw ring no `Driver` drives: its completions are ours to read.
/// let mut target = Ring::new(4)?;
/// // SAFETY: `target` outlives the handle, which only this call uses.
/// let fd = unsafe { SharedFd::borrow_raw(target.fd().expect("a ring descriptor")) };
/// // SAFETY: no `Driver` drives `target`, so no operation's `user_data`
/// // can be impersonated.
/// rt.block_on(unsafe { d.msg_ring(&fd, 42, 0xfeed) })??;
/// let cqe = target.cq().pop().expect("the posted completion");
/// assert_eq!((cqe.user_data, cqe.res), (0xfeed, 42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`msg_ring_fd`](Self::msg_ring_fd) passes a direct descriptor the same
/// way.
impl<K: Kernel> Driver<K> {
    /// Posts a completion with `result` and `user_data` on the ring whose
    /// descriptor is `ring_fd` (`IORING_OP_MSG_RING`, 5.18).
    ///
    /// # Safety
    ///
    /// A completion with a chosen `user_data` can impersonate another
    /// operation's: if the target ring belongs to a [`Driver`] (this one or
    /// any other) and `user_data` is one of its operations' (see
    /// [`crate::Op::user_data`]), that operation would end early and hand
    /// back memory the kernel is still using. The caller promises that the
    /// target ring is not driven by a `Driver`, or that `user_data` is not
    /// the `user_data` of an operation in flight there (for example a value
    /// with index `u32::MAX`, which no entry ever has).
    pub unsafe fn msg_ring(&self, ring_fd: &impl AsSharedFd, result: i32, user_data: u64) -> Op<MsgRing, K> {
        self.op(MsgRing { ring_fd: ring_fd.shared_fd(), result, user_data, send_fd: None })
    }

    /// Passes this ring's direct descriptor `src_slot` to slot `dst_slot`
    /// of the ring `ring_fd` (`IORING_MSG_SEND_FD`, 6.0), which gets a
    /// completion with `user_data`.
    ///
    /// # Safety
    ///
    /// A completion with a chosen `user_data` can impersonate another
    /// operation's: if the target ring belongs to a [`Driver`] (this one or
    /// any other) and `user_data` is one of its operations' (see
    /// [`crate::Op::user_data`]), that operation would end early and hand
    /// back memory the kernel is still using. The caller promises that the
    /// target ring is not driven by a `Driver`, or that `user_data` is not
    /// the `user_data` of an operation in flight there (for example a value
    /// with index `u32::MAX`, which no entry ever has).
    ///
    /// ```
    /// use ring_core::fixed_files::FixedFiles;
    /// use ring_core::{Ring, SharedFd};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// // A raw ring no `Driver` drives, with a table of two empty slots.
    /// let mut target = Ring::new(4)?;
    /// let (Ok(_files), Ok(())) = (FixedFiles::new(&d, 4, 0..2), target.register_files_sparse(2)) else {
    ///     println!("skipping: no sparse file tables here");
    ///     return Ok(());
    /// };
    /// // SAFETY: `target` outlives the handle, which only this call uses.
    /// let fd = unsafe { SharedFd::borrow_raw(target.fd().expect("a ring descriptor")) };
    /// let file = SharedFd::new(std::fs::File::open("/dev/null")?);
    /// rt.block_on(d.files_update(vec![Some(file)], 3))?.0?;
    /// // SAFETY: no `Driver` drives `target`, so no operation's `user_data` can
    /// // be impersonated.
    /// rt.block_on(unsafe { d.msg_ring_fd(&fd, 3, 1, 0xf11e) })??;
    /// let cqe = target.cq().pop().expect("the passed descriptor's completion");
    /// assert_eq!(cqe.user_data, 0xf11e);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub unsafe fn msg_ring_fd(
        &self,
        ring_fd: &impl AsSharedFd,
        src_slot: u32,
        dst_slot: u32,
        user_data: u64,
    ) -> Op<MsgRing, K> {
        self.op(MsgRing { ring_fd: ring_fd.shared_fd(), result: 0, user_data, send_fd: Some((src_slot, dst_slot)) })
    }
}
