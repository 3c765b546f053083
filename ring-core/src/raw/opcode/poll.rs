//! Readiness: poll (one-shot, multishot, removal and update) and epoll
//! (control and wait).
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{EpollCtl, EpollWait, PollAdd, PollRemove};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 0 };
//! let mut events = [libc::epoll_event { events: 0, u64: 0 }; 4];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let epoll_ctl = EpollCtl::new(fd, fd, 0, &raw const ev)
//!     .build();
//! assert_eq!(epoll_ctl.into_sqe().opcode, EpollCtl::CODE);
//! let epoll_wait = EpollWait::new(fd, events.as_mut_ptr(), 64)
//!     .build();
//! assert_eq!(epoll_wait.into_sqe().opcode, EpollWait::CODE);
//! let poll_add = PollAdd::new(fd, 0)
//!     .multi(true)
//!     .level(true)
//!     .build();
//! assert_eq!(poll_add.into_sqe().opcode, PollAdd::CODE);
//! let poll_remove = PollRemove::new(0)
//!     .new_events(0)
//!     .multi(true)
//!     .new_user_data(0)
//!     .build();
//! assert_eq!(poll_remove.into_sqe().opcode, PollRemove::CODE);
//! # Ok(())
//! # }
//! ```

use super::{poll_mask, ptr, sqe, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;
use std::os::fd::RawFd;

opcode! {
    /// Waits for poll events on a file, once or repeatedly:
    /// `io_uring_prep_poll_add(3)` and `io_uring_prep_poll_multishot(3)`.
    /// Linux 5.1 (multishot 5.13).
    ///
    /// Required: the file and the `POLL*` event mask. The result is the
    /// mask of ready events. A multishot poll posts a completion with
    /// `IORING_CQE_F_MORE` for every event until it is removed or fails.
    /// Points at no memory.
    pub struct PollAdd {
        fd: Target [impl Into<Target>],
        events: u32,
        ;;
        /// Stay armed after each event (`IORING_POLL_ADD_MULTI`); default false.
        multi: bool = false,
        /// Level-triggered instead of edge-triggered
        /// (`IORING_POLL_ADD_LEVEL`, 5.19); default false.
        level: bool = false,
    }

    pub const CODE = IORING_OP_POLL_ADD;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let PollAdd { fd, events, multi, level } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_poll32_events(poll_mask(events));
        let mut flags = 0;
        if multi {
            flags |= IORING_POLL_ADD_MULTI;
        }
        if level {
            flags |= IORING_POLL_ADD_LEVEL;
        }
        sqe.len = flags;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes a pending poll, or updates its events or `user_data`:
    /// `io_uring_prep_poll_remove(3)` and `io_uring_prep_poll_update(3)`.
    /// Linux 5.1 (update 5.13).
    ///
    /// Required: the `user_data` of the poll request. Removal completes the
    /// poll with `-ECANCELED` and this request with 0 (or `-ENOENT` if no
    /// such poll is pending). With either update set, the poll is changed
    /// in place instead. Points at no memory.
    pub struct PollRemove {
        user_data: u64,
        ;;
        /// Update the poll's events to this mask; default: no update.
        new_events: Option<u32> [u32] = None,
        /// With `new_events`: make the updated poll multishot; default false.
        multi: bool = false,
        /// Update the poll's `user_data` to this value; default: no update.
        new_user_data: Option<u64> [u64] = None,
    }

    pub const CODE = IORING_OP_POLL_REMOVE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let PollRemove { user_data, new_events, multi, new_user_data } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = 0;
        if let Some(ev) = new_events {
            flags |= IORING_POLL_UPDATE_EVENTS;
            sqe.set_poll32_events(poll_mask(ev));
            if multi {
                flags |= IORING_POLL_ADD_MULTI;
            }
        }
        if let Some(ud) = new_user_data {
            flags |= IORING_POLL_UPDATE_USER_DATA;
            sqe.set_off(ud);
        }
        sqe.len = flags;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Changes an epoll interest list, like `epoll_ctl(2)`:
    /// `io_uring_prep_epoll_ctl(3)`. Linux 5.6.
    ///
    /// Required: the epoll descriptor (a plain descriptor: the kernel
    /// looks it up itself), the descriptor to add, change or remove, the
    /// `EPOLL_CTL_*` operation, and the event (null for `EPOLL_CTL_DEL`).
    /// The event must stay valid until submission.
    pub struct EpollCtl {
        epfd: RawFd,
        fd: RawFd,
        op: i32,
        event: *const libc::epoll_event,
        ;;
    }

    pub const CODE = IORING_OP_EPOLL_CTL;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let EpollCtl { epfd, fd, op, event } = self;
        let mut sqe = sqe(Self::CODE, epfd);
        sqe.set_addr(ptr(event));
        sqe.len = op as u32;
        sqe.set_off(fd as u32 as u64);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Waits for epoll events, like `epoll_wait(2)` with a zero timeout
    /// once an event is ready: `io_uring_prep_epoll_wait(3)`. Linux 6.15.
    ///
    /// Required: the epoll descriptor, the event array and its capacity.
    /// The array must stay valid and unaliased until the completion. The
    /// result is the number of events stored.
    pub struct EpollWait {
        fd: Target [impl Into<Target>],
        events: *mut libc::epoll_event,
        max_events: u32,
        ;;
    }

    pub const CODE = IORING_OP_EPOLL_WAIT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let EpollWait { fd, events, max_events } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(events));
        sqe.len = max_events;
        Entry::from_sqe(sqe)
    }
}
