//! Posting a completion to a ring from outside any ring:
//! `IORING_REGISTER_SEND_MSG_RING` (31).
//!
//! `IORING_OP_MSG_RING` lets one ring post a CQE into another; this
//! register operation does the same from a plain system call, with no
//! source ring at all (the descriptor argument is -1). A thread that has no
//! ring of its own can wake another thread's ring this way.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::register::call::register_blind;
use crate::raw::ring::Ring;
use ring_sys::*;
use std::os::fd::RawFd;

/// Posts a CQE with `user_data` and `res` (and, if given, `cqe_flags` via
/// `IORING_MSG_RING_FLAGS_PASS`, 6.3) to the ring whose descriptor is
/// `target` (`IORING_REGISTER_SEND_MSG_RING`, Linux 6.13). A target set up
/// with `IORING_SETUP_DEFER_TASKRUN` sees the CQE once its submitter next
/// enters the kernel for events.
///
/// # Safety
///
/// As for [`crate::Driver::msg_ring`]: the completion must not impersonate
/// an operation in flight on a ring driven by a [`crate::Driver`].
///
/// ```
/// use ring_core::register::send_msg_ring_sync_fd;
///
/// let mut ring = ring_core::Ring::new(4)?;
/// let fd = ring.fd().expect("a descriptor");
/// // SAFETY: no `Driver` drives `ring`, so the completion impersonates no
/// // operation.
/// match unsafe { send_msg_ring_sync_fd(&ring_core::Linux, fd, 0xabc, 5, None) } {
///     Ok(()) => {
///         let cqe = ring.cq().pop().expect("the posted completion");
///         assert_eq!((cqe.user_data, cqe.res), (0xabc, 5));
///     }
///     Err(e) => println!("no ring-less MSG_RING here (6.13): {e}"),
/// }
/// # Ok::<(), ring_core::Error>(())
/// ```
pub unsafe fn send_msg_ring_sync_fd<K: Kernel>(
    kernel: &K,
    target: RawFd,
    user_data: u64,
    res: i32,
    cqe_flags: Option<u32>,
) -> Result<(), crate::error::Error> {
    if target < 0 {
        return Err(Error::BadFd(target));
    }
    let mut sqe = io_uring_sqe::zeroed();
    sqe.opcode = IORING_OP_MSG_RING;
    sqe.fd = target;
    sqe.set_addr(IORING_MSG_DATA);
    sqe.len = res as u32;
    sqe.set_off(user_data);
    if let Some(flags) = cqe_flags {
        sqe.set_msg_ring_flags(IORING_MSG_RING_FLAGS_PASS);
        sqe.set_file_index(flags);
    }
    // SAFETY: one SQE, read during the call. The blind form exists from the
    // kernel that knows 32 register opcodes (6.13) on.
    unsafe {
        register_blind(
            kernel,
            IORING_REGISTER_SEND_MSG_RING,
            (&raw const sqe).cast(),
            1,
            IORING_REGISTER_SEND_MSG_RING + 1,
        )
    }?;
    Ok(())
}

impl<K: Kernel> Ring<K> {
    /// Posts a CQE with `user_data` and `res` (and optionally `cqe_flags`)
    /// to this ring, as if another ring had sent it a message, through the
    /// ring-less `IORING_REGISTER_SEND_MSG_RING` (Linux 6.13); see
    /// [`send_msg_ring_sync_fd`]. Any thread may call it on a ring's
    /// descriptor; this method is the same call for a ring in hand. A ring
    /// set up with `IORING_SETUP_REGISTERED_FD_ONLY` has no descriptor to
    /// name.
    ///
    /// # Safety
    ///
    /// As for [`send_msg_ring_sync_fd`]: this ring must not be (and must not
    /// later be handed to) a [`crate::Driver`] while the completion could
    /// impersonate one of its operations.
    ///
    /// ```
    /// let mut ring = ring_core::Ring::new(4)?;
    /// // SAFETY: no `Driver` drives `ring`, so the completion impersonates no
    /// // operation.
    /// match unsafe { ring.send_msg_ring_sync(7, -1, None) } {
    ///     Ok(()) => assert_eq!(ring.cq().pop().map(|c| (c.user_data, c.res)), Some((7, -1))),
    ///     Err(e) => println!("no ring-less MSG_RING here (6.13): {e}"),
    /// }
    /// # Ok::<(), ring_core::Error>(())
    /// ```
    pub unsafe fn send_msg_ring_sync(
        &self,
        user_data: u64,
        res: i32,
        cqe_flags: Option<u32>,
    ) -> Result<(), crate::error::Error> {
        let Some(fd) = self.fd() else {
            return Err(Error::NotConfigured(
                "a ring without a descriptor cannot be named by IORING_REGISTER_SEND_MSG_RING",
            ));
        };
        // SAFETY: forwarded contract.
        unsafe { send_msg_ring_sync_fd(&self.kernel, fd, user_data, res, cqe_flags) }
    }
}
