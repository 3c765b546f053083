//! Commands for a file's driver (`uring_cmd`), in 64- and 128-byte
//! entries.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{UringCmd, UringCmd128};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let mut buf = [0u8; 64];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let uring_cmd = UringCmd::new(fd, 0)
//!     .cmd([0; 16])
//!     .addr(0)
//!     .optlen(64)
//!     .buf_index(0)
//!     .build();
//! assert_eq!(uring_cmd.into_sqe().opcode, UringCmd::CODE);
//! let uring_cmd128 = UringCmd128::new(fd, 0)
//!     .cmd([0; 80])
//!     .addr(0)
//!     .buf_index(0)
//!     .build();
//! assert_eq!(uring_cmd128.into_sqe().sqe.opcode, UringCmd128::CODE);
//!
//! // Socket commands, and the 128-byte form of a raw command.
//! for cmd in [UringCmd::siocinq(fd), UringCmd::siocoutq(fd)] {
//!     assert_eq!(cmd.build().into_sqe().opcode, UringCmd::CODE);
//! }
//! let get = UringCmd::getsockopt(fd, libc::SOL_SOCKET as u32, libc::SO_RCVBUF as u32, buf.as_mut_ptr().cast(), 4);
//! let set = UringCmd::setsockopt(fd, libc::SOL_SOCKET as u32, libc::SO_RCVBUF as u32, buf.as_ptr().cast(), 4);
//! assert_eq!(get.build().into_sqe().fd, set.build().into_sqe().fd);
//! assert_eq!(UringCmd::siocinq(fd).build128().into_sqe().sqe.opcode, UringCmd::CODE);
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe_on};
use crate::raw::types::{set_cmd16, Entry, Entry128, Target};
use core::ffi::c_void;
use ring_sys::*;

opcode! {
    /// Passes a driver- or socket-specific command to a file (NVMe
    /// passthrough, ublk, sockets): `io_uring_prep_uring_cmd(3)` and
    /// `io_uring_prep_cmd_sock(3)`. Linux 5.19 (socket commands 6.7).
    ///
    /// Required: the file and the command number (`SOCKET_URING_OP_*` for
    /// sockets). The 16-byte command area and the other fields mean what
    /// the command defines; [`siocinq`](Self::siocinq),
    /// [`getsockopt`](Self::getsockopt) and friends fill them for the
    /// socket commands. On a ring set up with `IORING_SETUP_SQE128` use
    /// [`build128`](Self::build128), which gives the 80-byte area. Whatever
    /// memory the command points at must stay valid until the completion.
    pub struct UringCmd {
        fd: Target [impl Into<Target>],
        cmd_op: u32,
        ;;
        /// The first 16 bytes of the command area; default all zero.
        cmd: [u8; 16] = [0; 16],
        /// The `addr` word (a socket option's level and name, or a
        /// `getsockname` address); default 0.
        addr: u64 = 0,
        /// The `optlen` word (a socket option's length, or `getsockname`'s
        /// peer flag); default 0.
        optlen: u32 = 0,
        /// Use registered buffer `n` (`IORING_URING_CMD_FIXED`, 6.1);
        /// default: none.
        buf_index: Option<u16> [u16] = None,
    }

    pub const CODE = IORING_OP_URING_CMD;

    /// Builds the 64-byte entry.
    pub fn build(self) -> Entry {
        let UringCmd { fd, cmd_op, cmd, addr, optlen, buf_index } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_cmd_op(cmd_op);
        sqe.set_addr(addr);
        sqe.set_optlen(optlen);
        set_cmd16(&mut sqe, cmd);
        if let Some(i) = buf_index {
            sqe.set_uring_cmd_flags(IORING_URING_CMD_FIXED);
            sqe.set_buf_index(i);
        }
        Entry::from_sqe(sqe)
    }
}

impl UringCmd {
    /// Builds the 128-byte entry for a ring set up with
    /// `IORING_SETUP_SQE128`, with the last 64 bytes of the command area
    /// zero; fill them with [`Entry128::with_cmd`].
    pub fn build128(self) -> Entry128 {
        Entry128::from_entry(self.build())
    }

    /// `SOCKET_URING_OP_SIOCINQ`: the result is the number of bytes
    /// waiting to be read, like the `SIOCINQ` ioctl.
    pub fn siocinq(fd: impl Into<Target>) -> Self {
        UringCmd::new(fd, SOCKET_URING_OP_SIOCINQ)
    }

    /// `SOCKET_URING_OP_SIOCOUTQ`: the result is the number of bytes not
    /// yet sent, like the `SIOCOUTQ` ioctl.
    pub fn siocoutq(fd: impl Into<Target>) -> Self {
        UringCmd::new(fd, SOCKET_URING_OP_SIOCOUTQ)
    }

    /// `SOCKET_URING_OP_GETSOCKOPT`: like `getsockopt(2)` into
    /// `optval .. optval + optlen` (which must stay valid until the
    /// completion); the result is the option's length. The kernel supports
    /// only `SOL_SOCKET` options here.
    pub fn getsockopt(fd: impl Into<Target>, level: u32, optname: u32, optval: *mut c_void, optlen: u32) -> Self {
        Self::sockopt(fd, SOCKET_URING_OP_GETSOCKOPT, level, optname, ptr(optval), optlen)
    }

    /// `SOCKET_URING_OP_SETSOCKOPT`: like `setsockopt(2)` from
    /// `optval .. optval + optlen` (valid until the completion).
    pub fn setsockopt(fd: impl Into<Target>, level: u32, optname: u32, optval: *const c_void, optlen: u32) -> Self {
        Self::sockopt(fd, SOCKET_URING_OP_SETSOCKOPT, level, optname, ptr(optval), optlen)
    }

    /// A socket option command: level and name in `addr` (as the
    /// `{ level, optname }` pair of 32-bit words), the value's address at
    /// the start of the command area (`optval`), its length in `optlen`.
    fn sockopt(fd: impl Into<Target>, op: u32, level: u32, optname: u32, optval: u64, optlen: u32) -> Self {
        let mut pair = [0u8; 8];
        pair[..4].copy_from_slice(&level.to_ne_bytes());
        pair[4..].copy_from_slice(&optname.to_ne_bytes());
        let mut cmd = [0u8; 16];
        cmd[..8].copy_from_slice(&optval.to_ne_bytes());
        UringCmd::new(fd, op).addr(u64::from_ne_bytes(pair)).optlen(optlen).cmd(cmd)
    }
}

opcode! {
    /// Passes a command with an 80-byte command area, in a 128-byte entry
    /// of a ring set up with `IORING_SETUP_SQE_MIXED`:
    /// `io_uring_prep_uring_cmd128(3)`. Linux 6.19.
    ///
    /// As [`UringCmd`], with the whole 80-byte area. Push it with
    /// [`SubmissionQueue::push128`](crate::SubmissionQueue::push128).
    pub struct UringCmd128 {
        fd: Target [impl Into<Target>],
        cmd_op: u32,
        ;;
        /// The 80-byte command area; default all zero.
        cmd: [u8; 80] = [0; 80],
        /// The `addr` word; default 0.
        addr: u64 = 0,
        /// Use registered buffer `n` (`IORING_URING_CMD_FIXED`); default: none.
        buf_index: Option<u16> [u16] = None,
    }

    pub const CODE = IORING_OP_URING_CMD128;

    /// Builds the 128-byte entry.
    pub fn build(self) -> Entry128 {
        let UringCmd128 { fd, cmd_op, cmd, addr, buf_index } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_cmd_op(cmd_op);
        sqe.set_addr(addr);
        if let Some(i) = buf_index {
            sqe.set_uring_cmd_flags(IORING_URING_CMD_FIXED);
            sqe.set_buf_index(i);
        }
        Entry128::from_entry(Entry::from_sqe(sqe)).with_cmd(cmd)
    }
}
