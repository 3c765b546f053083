//! Messages: `sendmsg` and `recvmsg` over a `msghdr`, copying and zero-copy.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{RecvMsg, SendMsg, SendMsgZc};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! // SAFETY: these C structures are plain integers and pointers, for
//! // which all-zero is a valid value.
//! let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let recv_msg = RecvMsg::new(fd, &raw mut msg)
//!     .flags(0)
//!     .ioprio(0)
//!     .buf_group(0)
//!     .multishot(true)
//!     .build();
//! assert_eq!(recv_msg.into_sqe().opcode, RecvMsg::CODE);
//! let send_msg = SendMsg::new(fd, &raw const msg)
//!     .flags(0)
//!     .ioprio(0)
//!     .build();
//! assert_eq!(send_msg.into_sqe().opcode, SendMsg::CODE);
//! let send_msg_zc = SendMsgZc::new(fd, &raw const msg)
//!     .flags(0)
//!     .zc_flags(0)
//!     .build();
//! assert_eq!(send_msg_zc.into_sqe().opcode, SendMsgZc::CODE);
//! # Ok(())
//! # }
//! ```

use super::{prio, ptr, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;

opcode! {
    /// Sends a message, like `sendmsg(2)`: `io_uring_prep_sendmsg(3)`. Linux 5.3.
    ///
    /// Required: the socket and the `msghdr`. The `msghdr`, its address,
    /// iovec array, buffers and control data must stay valid until the
    /// completion. The result is the number of bytes sent.
    pub struct SendMsg {
        fd: Target [impl Into<Target>],
        msg: *const libc::msghdr,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// `IORING_RECVSEND_*` flags (for example `IORING_RECVSEND_POLL_FIRST`); default 0.
        ioprio: u16 = 0,
    }

    pub const CODE = IORING_OP_SENDMSG;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SendMsg { fd, msg, flags, ioprio } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(msg));
        // One message; the kernel takes the real lengths from the msghdr.
        sqe.len = 1;
        sqe.set_msg_flags(flags);
        sqe.ioprio = ioprio;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Receives a message, like `recvmsg(2)`: `io_uring_prep_recvmsg(3)`
    /// and, with [`multishot`](Self::multishot),
    /// `io_uring_prep_recvmsg_multishot(3)`. Linux 5.3 (multishot 6.0).
    ///
    /// Required: the socket and the `msghdr`. The `msghdr` and everything
    /// it points to must stay valid until the (final) completion; the
    /// kernel writes the name, control data and lengths back into it.
    ///
    /// In multishot mode each completion's buffer starts with an
    /// [`io_uring_recvmsg_out`] header followed by the name, the control
    /// data and the payload, sized by the `msghdr`'s `msg_namelen` and
    /// `msg_controllen`.
    pub struct RecvMsg {
        fd: Target [impl Into<Target>],
        msg: *mut libc::msghdr,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// Other `IORING_RECVSEND_*` flags; default 0.
        ioprio: u16 = 0,
        /// The provided-buffer group, used with `SqeFlags::BUFFER_SELECT`
        /// (which multishot sets); default 0.
        buf_group: u16 = 0,
        /// Keep receiving, one completion per message with
        /// `IORING_CQE_F_MORE`, into buffers of `buf_group` (the builder
        /// then sets `IOSQE_BUFFER_SELECT`, which multishot requires);
        /// default false.
        multishot: bool = false,
    }

    pub const CODE = IORING_OP_RECVMSG;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let RecvMsg { fd, msg, flags, ioprio, buf_group, multishot } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(msg));
        sqe.len = 1;
        sqe.set_msg_flags(flags);
        sqe.ioprio = ioprio;
        sqe.set_buf_group(buf_group);
        if multishot {
            sqe.ioprio |= prio(IORING_RECV_MULTISHOT);
            sqe.flags |= IOSQE_BUFFER_SELECT;
        }
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Sends a message without copying its data:
    /// `io_uring_prep_sendmsg_zc(3)`. Linux 6.1.
    ///
    /// Required: the socket and the `msghdr`. Completes like [`SendZc`](super::SendZc):
    /// a result, then a notification; the `msghdr`'s buffers must stay
    /// valid and unmodified until the notification.
    pub struct SendMsgZc {
        fd: Target [impl Into<Target>],
        msg: *const libc::msghdr,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// `IORING_RECVSEND_POLL_FIRST`, `IORING_SEND_ZC_REPORT_USAGE`; default 0.
        zc_flags: u16 = 0,
    }

    pub const CODE = IORING_OP_SENDMSG_ZC;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SendMsgZc { fd, msg, flags, zc_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(msg));
        sqe.len = 1;
        sqe.set_msg_flags(flags);
        sqe.ioprio = zc_flags;
        Entry::from_sqe(sqe)
    }
}
