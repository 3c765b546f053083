//! Ring-to-ring messages: a completion or a registered file sent to
//! another ring.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{MsgRing};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let msg_ring = MsgRing::new(fd, 0, 0)
//!     .flags(0)
//!     .cqe_flags(0)
//!     .send_fd((0, 1))
//!     .build();
//! assert_eq!(msg_ring.into_sqe().opcode, MsgRing::CODE);
//! # Ok(())
//! # }
//! ```

use super::{file_index, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;

opcode! {
    /// Posts a completion to another ring, or passes it a registered file:
    /// `io_uring_prep_msg_ring(3)`, `io_uring_prep_msg_ring_cqe_flags(3)`,
    /// `io_uring_prep_msg_ring_fd(3)` and `io_uring_prep_msg_ring_fd_alloc(3)`.
    /// Linux 5.18 (send-fd 6.0, flag passing 6.3).
    ///
    /// Required: the target ring's descriptor (or its index in this ring's
    /// registered files), the `res` and the `user_data` of the completion
    /// the target ring receives. This request completes with 0 on success.
    /// Points at no memory.
    pub struct MsgRing {
        ring_fd: Target [impl Into<Target>],
        result: i32,
        user_data: u64,
        ;;
        /// `IORING_MSG_RING_CQE_SKIP` (no completion on the target, for
        /// send-fd); default 0.
        flags: u32 = 0,
        /// The `flags` of the target's completion
        /// (`IORING_MSG_RING_FLAGS_PASS`); default: none (0).
        cqe_flags: Option<u32> [u32] = None,
        /// Instead of a plain message, install this ring's registered file
        /// `.0` into the target ring's slot `.1` (or
        /// `IORING_FILE_INDEX_ALLOC`). The target's completion carries
        /// `user_data` and, as its result, 0 or the allocated slot;
        /// `result` and `cqe_flags` are not sent (the kernel wants 0 in
        /// `len`, and passes no flags with a file). Default: none.
        send_fd: Option<(u32, u32)> [(u32, u32)] = None,
    }

    pub const CODE = IORING_OP_MSG_RING;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let MsgRing { ring_fd, result, user_data, flags, cqe_flags, send_fd } = self;
        let mut sqe = sqe_on(Self::CODE, ring_fd);
        sqe.set_off(user_data);
        let mut flags = flags;
        match send_fd {
            None => {
                sqe.set_addr(IORING_MSG_DATA);
                sqe.len = result as u32;
                if let Some(f) = cqe_flags {
                    flags |= IORING_MSG_RING_FLAGS_PASS;
                    sqe.set_file_index(f);
                }
            }
            Some((src, dst)) => {
                sqe.set_addr(IORING_MSG_SEND_FD);
                sqe.set_addr3(u64::from(src));
                sqe.set_file_index(file_index(Some(dst)));
            }
        }
        sqe.set_msg_ring_flags(flags);
        Entry::from_sqe(sqe)
    }
}
