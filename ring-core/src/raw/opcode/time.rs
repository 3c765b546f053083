//! Timeouts and cancellation: what ends other requests, or ends by
//! itself.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{AsyncCancel, LinkTimeout, Timeout, TimeoutRemove};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let ts = ring_core::types::Timespec::new(0, 1_000_000);
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let async_cancel = AsyncCancel::new(0)
//!     .fd(fd)
//!     .opcode(ring_core::sys::IORING_OP_READ)
//!     .match_user_data(true)
//!     .all(true)
//!     .any(true)
//!     .build();
//! assert_eq!(async_cancel.into_sqe().opcode, AsyncCancel::CODE);
//! let link_timeout = LinkTimeout::new(&raw const ts)
//!     .flags(0)
//!     .build();
//! assert_eq!(link_timeout.into_sqe().opcode, LinkTimeout::CODE);
//! let timeout = Timeout::new(&raw const ts)
//!     .count(64)
//!     .flags(0)
//!     .build();
//! assert_eq!(timeout.into_sqe().opcode, Timeout::CODE);
//! let timeout_remove = TimeoutRemove::new(0)
//!     .update(&raw const ts)
//!     .flags(0)
//!     .build();
//! assert_eq!(timeout_remove.into_sqe().opcode, TimeoutRemove::CODE);
//!
//! // A timer pushed and run on a raw ring: it ends with `ETIME`.
//! let mut ring = ring_core::Ring::new(4)?;
//! let entry = Timeout::new(&raw const ts).build().user_data(3).into_sqe();
//! // SAFETY: `ts` outlives the timeout, whose completion is awaited below.
//! unsafe { ring.sq().push(&entry) }.expect("the SQ has room");
//! ring.submit_and_wait(1)?;
//! assert_eq!(ring.cq().pop().map(|c| c.res), Some(-libc::ETIME));
//!
//! // Cancellation by descriptor, by opcode, or of any request.
//! let by_fd = AsyncCancel::by_fd(fd).all(true).build();
//! let by_op = AsyncCancel::by_opcode(ring_core::sys::IORING_OP_READ).build();
//! let any = AsyncCancel::any_request().build();
//! for entry in [by_fd, by_op, any] {
//!     assert_eq!(entry.into_sqe().opcode, AsyncCancel::CODE);
//! }
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe};
use crate::raw::types::{Entry, Target, Timespec};
use ring_sys::*;

opcode! {
    /// Completes after a time, or after `count` other completions,
    /// whichever is first: `io_uring_prep_timeout(3)`. Linux 5.4
    /// (absolute 5.5, clocks 5.15, multishot 6.4).
    ///
    /// Required: the time. The result is `-ETIME` when the time expires,
    /// 0 when the count is reached, `-ECANCELED` when removed. With
    /// `IORING_TIMEOUT_ETIME_SUCCESS` the result of an expiry is still
    /// `-ETIME`, but it does not count as a failure, so a chain linked
    /// after the timeout goes on instead of being cancelled. The timespec must stay valid
    /// until submission (the kernel copies it in its prep step).
    pub struct Timeout {
        timespec: *const Timespec,
        ;;
        /// Complete after this many other completions; 0 (the default)
        /// means only the time counts. With `IORING_TIMEOUT_MULTISHOT` it
        /// is instead the number of expirations, 0 for unlimited.
        count: u32 = 0,
        /// `IORING_TIMEOUT_*` flags: `ABS`, `BOOTTIME`, `REALTIME`,
        /// `ETIME_SUCCESS` (5.16), `MULTISHOT`; default 0 (relative,
        /// monotonic).
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TIMEOUT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Timeout { timespec, count, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(timespec));
        // One timespec; the kernel insists on exactly 1.
        sqe.len = 1;
        sqe.set_off(u64::from(count));
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes a pending timeout, or updates its time:
    /// `io_uring_prep_timeout_remove(3)` and `io_uring_prep_timeout_update(3)`.
    /// Linux 5.5 (update 5.11, linked-timeout update 5.15).
    ///
    /// Required: the `user_data` of the timeout. Removal completes it with
    /// `-ECANCELED`. With [`update`](Self::update), the timeout keeps
    /// running with the new time instead; the timespec must stay valid
    /// until submission.
    pub struct TimeoutRemove {
        user_data: u64,
        ;;
        /// Update the timeout to this time (`IORING_TIMEOUT_UPDATE`);
        /// default: remove it.
        update: Option<*const Timespec> [*const Timespec] = None,
        /// Further `IORING_TIMEOUT_*` flags of an update: `ABS`, a clock,
        /// or `IORING_LINK_TIMEOUT_UPDATE` to update a linked timeout;
        /// default 0. A plain removal must have none.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TIMEOUT_REMOVE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let TimeoutRemove { user_data, update, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = flags;
        if let Some(ts) = update {
            sqe.set_off(ptr(ts));
            flags |= IORING_TIMEOUT_UPDATE;
        }
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Bounds the time of the request before it in a link chain:
    /// `io_uring_prep_link_timeout(3)`. Linux 5.5.
    ///
    /// Push it right after an entry carrying `SqeFlags::IO_LINK`. If the
    /// time expires first, that request is cancelled (completing with
    /// `-ECANCELED`, or `-EINTR` for some) and this one completes with
    /// `-ETIME`; otherwise this one completes with `-ECANCELED`. The
    /// timespec must stay valid until submission.
    pub struct LinkTimeout {
        timespec: *const Timespec,
        ;;
        /// `IORING_TIMEOUT_*` flags (`ABS`, a clock); default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_LINK_TIMEOUT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let LinkTimeout { timespec, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(timespec));
        sqe.len = 1;
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Cancels in-flight requests: `io_uring_prep_cancel64(3)` and
    /// `io_uring_prep_cancel_fd(3)`. Linux 5.5 (fd, any, all 5.19; fixed
    /// fd 6.0; opcode and combined keys 6.6).
    ///
    /// Required: the `user_data` of the request to cancel. The constructors
    /// [`by_fd`](Self::by_fd), [`by_opcode`](Self::by_opcode) and
    /// [`any_request`](Self::any_request) match on other keys instead;
    /// every key given must match. The result is 0 (or, with `all`, the
    /// number cancelled) and `-ENOENT` if nothing matched, `-EALREADY` if
    /// the match was already running; the cancelled request completes
    /// with `-ECANCELED`. Points at no memory.
    pub struct AsyncCancel {
        user_data: u64,
        ;;
        /// Match requests on this file (`IORING_ASYNC_CANCEL_FD`, with
        /// `_FD_FIXED` for a registered one); default: any file.
        fd: Option<Target> [impl Into<Target>] = None,
        /// Match requests with this opcode (`IORING_ASYNC_CANCEL_OP`);
        /// default: any opcode.
        opcode: Option<u8> [u8] = None,
        /// Whether `user_data` must match too; default true, cleared by
        /// the `by_*` and `any_request` constructors.
        match_user_data: bool = true,
        /// Cancel every match, not just the first (`IORING_ASYNC_CANCEL_ALL`);
        /// default false.
        all: bool = false,
        /// Match every request (`IORING_ASYNC_CANCEL_ANY`); default false.
        any: bool = false,
    }

    pub const CODE = IORING_OP_ASYNC_CANCEL;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let AsyncCancel { user_data, fd, opcode, match_user_data, all, any } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = 0;
        if let Some(t) = fd {
            flags |= IORING_ASYNC_CANCEL_FD;
            if t.is_fixed() {
                flags |= IORING_ASYNC_CANCEL_FD_FIXED;
            }
            sqe.fd = t.raw();
        }
        if let Some(op) = opcode {
            flags |= IORING_ASYNC_CANCEL_OP;
            sqe.len = u32::from(op);
        }
        // `user_data` is the default key; with another key it must be
        // asked for explicitly.
        if match_user_data && (fd.is_some() || opcode.is_some()) {
            flags |= IORING_ASYNC_CANCEL_USERDATA;
        }
        if all {
            flags |= IORING_ASYNC_CANCEL_ALL;
        }
        if any {
            flags |= IORING_ASYNC_CANCEL_ANY;
        }
        sqe.set_cancel_flags(flags);
        Entry::from_sqe(sqe)
    }
}

impl AsyncCancel {
    /// Cancels the request(s) working on `fd`, whatever their `user_data`.
    pub fn by_fd(fd: impl Into<Target>) -> Self {
        AsyncCancel::new(0).fd(fd).match_user_data(false)
    }

    /// Cancels the request(s) with opcode `op` (Linux 6.6).
    pub fn by_opcode(op: u8) -> Self {
        AsyncCancel::new(0).opcode(op).match_user_data(false)
    }

    /// Cancels any request; with [`all`](Self::all), every request.
    pub fn any_request() -> Self {
        AsyncCancel::new(0).any(true).match_user_data(false)
    }
}
