//! NOP, timers, multishot poll and zero-copy send.

use super::res;
use crate::buf::IoBuf;
use crate::cqueue::Cqe;
use crate::op::{Multishot, Operation};
use crate::shared_fd::{AsSharedFd, SharedFd};
use core::time::Duration;
use ring_sys::*;
use std::io;

/// `IORING_OP_NOP`; see [`crate::Driver::nop`].
#[derive(Debug)]
pub struct Nop;

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Nop {
    type Output = io::Result<()>;

    #[inline]
    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        sqe
    }

    #[inline]
    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

fn timespec(d: Duration) -> __kernel_timespec {
    __kernel_timespec { tv_sec: d.as_secs().min(i64::MAX as u64) as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

/// A kernel timer; see [`crate::Driver::sleep`] and [`crate::Driver::timeout`].
#[derive(Debug)]
pub struct TimeoutOp {
    ts: __kernel_timespec,
    flags: u32,
    count: u32,
}

impl TimeoutOp {
    /// Fires `d` from now.
    pub fn relative(d: Duration) -> Self {
        TimeoutOp { ts: timespec(d), flags: 0, count: 0 }
    }

    /// Fires at `at` on `CLOCK_MONOTONIC`.
    pub fn absolute(at: Duration) -> Self {
        TimeoutOp { ts: timespec(at), flags: IORING_TIMEOUT_ABS, count: 0 }
    }

    /// Also completes once `count` other completions were posted.
    pub fn with_count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address.
unsafe impl Operation for TimeoutOp {
    /// `Ok(true)` when the time ran out, `Ok(false)` when the count was reached.
    type Output = io::Result<bool>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_off(u64::from(self.count));
        sqe.set_timeout_flags(self.flags);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<bool> {
        if result.res == -libc::ETIME {
            Ok(true)
        } else {
            res(&result).map(|_| false)
        }
    }
}

/// A timeout on the operation linked before it (`IORING_OP_LINK_TIMEOUT`,
/// 5.5): pushed into a [`crate::driver::Chain`] right after the operation it
/// guards, it cancels that operation if it has not completed after `d`.
///
/// Its output is `Ok(true)` if the timer fired (the guarded operation then
/// completes with `-ECANCELED`), `Ok(false)` if the guarded operation
/// finished first (the timer is then cancelled: the kernel answers
/// `-ECANCELED` for it, reported here as `Ok(false)`).
#[derive(Debug)]
pub struct LinkTimeout {
    ts: __kernel_timespec,
    flags: u32,
}

impl LinkTimeout {
    /// Times out the previous chain member `d` after the kernel issues it.
    pub fn new(d: Duration) -> Self {
        LinkTimeout { ts: timespec(d), flags: 0 }
    }

    /// Times out the previous chain member at `deadline` on
    /// `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`, accepted for linked
    /// timeouts since they were added in 5.5): a deadline already passed
    /// fires as soon as the member is issued. See
    /// [`crate::time::monotonic`] for an `Instant`'s value on that clock.
    pub fn at(deadline: Duration) -> Self {
        LinkTimeout { ts: timespec(deadline), flags: IORING_TIMEOUT_ABS }
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address;
// the kernel copies it when it arms the timer, and the driver keeps `self`
// until the timer's own completion anyway.
unsafe impl Operation for LinkTimeout {
    type Output = io::Result<bool>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_LINK_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_timeout_flags(self.flags);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<bool> {
        match -result.res {
            libc::ETIME => Ok(true),
            libc::ECANCELED | libc::EALREADY | 0 => Ok(false),
            _ => res(&result).map(|_| false),
        }
    }
}

/// A repeating kernel timer; see [`crate::Driver::ticks`].
#[derive(Debug)]
pub struct TimeoutStream {
    ts: __kernel_timespec,
    count: u32,
}

impl TimeoutStream {
    pub(crate) fn new(interval: Duration, count: u32) -> Self {
        TimeoutStream { ts: timespec(interval), count }
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address.
unsafe impl Multishot for TimeoutStream {
    type Item = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_off(u64::from(self.count));
        sqe.set_timeout_flags(IORING_TIMEOUT_MULTISHOT);
        sqe
    }

    fn item(&mut self, cqe: Cqe) -> Option<io::Result<()>> {
        if cqe.res == -libc::ETIME {
            Some(Ok(()))
        } else {
            Some(res(&cqe).map(drop))
        }
    }
}

/// A multishot poll; see [`crate::Driver::poll_multishot`].
#[derive(Debug)]
pub struct PollMulti {
    pub(crate) fd: SharedFd,
    pub(crate) events: u32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Multishot for PollMulti {
    /// The `revents` mask of each readiness event.
    type Item = io::Result<u32>;
    const NAMEABLE: bool = true;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_POLL_ADD;
        sqe.fd = self.fd.raw();
        sqe.len = IORING_POLL_ADD_MULTI;
        sqe.set_poll32_events(self.events);
        sqe
    }

    fn item(&mut self, cqe: Cqe) -> Option<io::Result<u32>> {
        Some(res(&cqe))
    }
}

/// A zero-copy send; see [`crate::Driver::send_zc`].
#[derive(Debug)]
pub struct SendZc<B> {
    pub(crate) fd: SharedFd,
    pub(crate) buf: B,
    pub(crate) flags: i32,
}

impl<B: IoBuf> SendZc<B> {
    /// A zero-copy send of `buf`'s initialised bytes on socket `fd`,
    /// which the operation keeps open until it has ended.
    pub fn new(fd: &impl AsSharedFd, buf: B, flags: i32) -> Self {
        SendZc { fd: fd.shared_fd(), buf, flags }
    }
}

// SAFETY: the SQE points at `self.buf`'s stable memory, which the kernel
// reads until it posts the notification; the driver keeps `self` until
// that terminal completion (CQES = 2: the result has IORING_CQE_F_MORE).
unsafe impl<B: IoBuf> Operation for SendZc<B> {
    type Output = (io::Result<usize>, B);
    const CQES: u32 = 2;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_SEND_ZC;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.stable_ptr() as u64);
        sqe.len = super::rw_len(self.buf.bytes_init());
        sqe.set_msg_flags(self.flags as u32);
        sqe
    }

    fn complete(self, result: Cqe, _notif: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}
