//! Ring-to-ring messages: a completion or a descriptor sent to another
//! ring.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::fixed_files::FixedFd;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
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

/// `IORING_OP_MSG_RING` with `IORING_MSG_SEND_FD` (6.0): installs the file
/// of one of this ring's direct descriptors into a free slot of another
/// ring's table, which the kernel picks (`IORING_FILE_INDEX_ALLOC`), with
/// no completion on that ring (`IORING_MSG_RING_CQE_SKIP`); see
/// [`Driver::msg_ring_send_fixed`].
///
/// ```
/// use ring_core::fixed_files::FixedFiles;
/// use ring_core::ops::MsgRingSendFixed;
/// use ring_core::{Op, Ring, SharedFd};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let mut target = Ring::new(4)?;
/// let (Ok(files), Ok(())) = (FixedFiles::new(&d, 4, 0..4), target.register_files_sparse(2)) else {
///     println!("skipping: no file allocation range (6.0) here");
///     return Ok(());
/// };
/// let fd = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0))??;
/// // SAFETY: `target` outlives the handle, which only this call uses.
/// let ring = unsafe { SharedFd::borrow_raw(target.fd().expect("a ring descriptor")) };
/// let send: Op<MsgRingSendFixed> = d.msg_ring_send_fixed(&ring, &fd);
/// let slot = rt.block_on(send)??;
/// assert!(slot < 2, "a slot of the target's table");
/// assert!(target.cq().pop().is_none(), "no completion on the target");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MsgRingSendFixed {
    ring_fd: SharedFd,
    fd: FixedFd,
}

// SAFETY: the SQE carries no pointer. It names this ring's slot of
// `self.fd`, a lease that keeps the slot (and so its file) until the
// terminal completion. On the target ring it posts no completion (so no
// `user_data` of an operation there can be impersonated), and it fills
// only a slot the kernel finds empty in the target's allocation range, so
// it replaces no file a direct descriptor there names.
unsafe impl Operation for MsgRingSendFixed {
    /// The slot of the target's table the file went into.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::MsgRing::new(self.ring_fd.raw(), 0, 0)
            .flags(IORING_MSG_RING_CQE_SKIP)
            .send_fd((self.fd.slot(), IORING_FILE_INDEX_ALLOC))
            .build()
            .into_sqe()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.fd.refuse(ring)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
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

    /// Installs the file of this ring's direct descriptor `fd` into a free
    /// slot of the ring `ring_fd`'s table, which the kernel picks from that
    /// table's allocation range, posting no completion there
    /// (`IORING_MSG_SEND_FD` with `IORING_FILE_INDEX_ALLOC` and
    /// `IORING_MSG_RING_CQE_SKIP`, 6.0). Resolves to the slot.
    ///
    /// Safe where [`msg_ring_fd`](Self::msg_ring_fd) is not: no completion
    /// reaches the target, and no slot in use there is replaced. `fd` stays
    /// this ring's (the target gets another reference to the same file).
    /// The target's slot stays occupied until its owner empties it: a
    /// per-core runtime adopts it as a [`FixedFd`] of the receiving core
    /// (`per_core::Core::send_fixed_to`); on any other ring, until that
    /// ring's code empties it or the ring goes. Errors (as Linux 6.18
    /// answers): `ENFILE` when the target has no table or no free slot in
    /// its allocation range, `EBADFD` when the target is no ring or a ring
    /// still disabled, `EINVAL` when it is this ring itself and on kernels
    /// before 6.0.
    /// A descriptor of another ring's table completes with `EXDEV` without
    /// reaching the kernel.
    ///
    /// ```
    /// use ring_core::fixed_files::FixedFiles;
    /// use ring_core::{Ring, SharedFd};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// let mut target = Ring::new(4)?;
    /// let (Ok(files), Ok(())) = (FixedFiles::new(&d, 4, 0..4), target.register_files_sparse(1)) else {
    ///     println!("skipping: no file allocation range (6.0) here");
    ///     return Ok(());
    /// };
    /// let fd = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0))??;
    /// // SAFETY: `target` outlives the handle, which only these calls use.
    /// let ring = unsafe { SharedFd::borrow_raw(target.fd().expect("a ring descriptor")) };
    /// assert_eq!(rt.block_on(d.msg_ring_send_fixed(&ring, &fd))?.ok(), Some(0));
    /// // The target's only slot is taken: the kernel replaces nothing.
    /// let full = rt.block_on(d.msg_ring_send_fixed(&ring, &fd))?.unwrap_err();
    /// assert_eq!(full.raw_os_error(), Some(libc::ENFILE));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn msg_ring_send_fixed(&self, ring_fd: &impl AsSharedFd, fd: &FixedFd) -> Op<MsgRingSendFixed, K> {
        self.op(MsgRingSendFixed { ring_fd: ring_fd.shared_fd(), fd: fd.clone() })
    }
}
