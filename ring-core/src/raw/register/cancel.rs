//! Synchronous cancelation: `IORING_REGISTER_SYNC_CANCEL` (24).
//!
//! Unlike `IORING_OP_ASYNC_CANCEL`, which is itself a request with a
//! completion, this cancels from the register call and, for requests that
//! cannot be stopped at once, waits (up to a timeout) until they are gone.
//! The canceled requests still post their own completions, usually with
//! `-ECANCELED`; reap them as usual.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use core::time::Duration;
use ring_sys::*;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// Which requests to cancel: the match criteria of
/// `IORING_REGISTER_SYNC_CANCEL` (and of `IORING_OP_ASYNC_CANCEL`).
///
/// Start from one criterion and add others; a request matches when it
/// meets all of them (combining needs Linux 6.6). By default the first
/// matching request is canceled; [`all`](Self::all) cancels every match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelBuilder {
    /// The flags of every criterion but the user data.
    flags: u32,
    /// Whether the user data is a criterion.
    by_user_data: bool,
    user_data: u64,
    fd: i32,
    opcode: u8,
}

impl CancelBuilder {
    /// Requests whose `user_data` is `user_data` (the kernel's default
    /// criterion; `IORING_ASYNC_CANCEL_USERDATA` once combined).
    pub fn user_data(user_data: u64) -> Self {
        CancelBuilder { flags: 0, by_user_data: true, user_data, fd: 0, opcode: 0 }
    }

    /// Requests on file descriptor `fd` (`IORING_ASYNC_CANCEL_FD`, 5.19).
    pub fn fd(fd: RawFd) -> Self {
        CancelBuilder { flags: IORING_ASYNC_CANCEL_FD, by_user_data: false, user_data: 0, fd, opcode: 0 }
    }

    /// Requests on registered file `index` (`IORING_ASYNC_CANCEL_FD` with
    /// `IORING_ASYNC_CANCEL_FD_FIXED`, 6.0).
    pub fn fixed_fd(index: u32) -> Self {
        CancelBuilder {
            flags: IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED,
            by_user_data: false,
            user_data: 0,
            fd: index as i32,
            opcode: 0,
        }
    }

    /// Requests with opcode `opcode` (`IORING_ASYNC_CANCEL_OP`, 6.6).
    pub fn opcode(opcode: u8) -> Self {
        CancelBuilder { flags: IORING_ASYNC_CANCEL_OP, by_user_data: false, user_data: 0, fd: 0, opcode }
    }

    /// Any request (`IORING_ASYNC_CANCEL_ANY`, 5.19); implies
    /// [`all`](Self::all) in effect, as every request matches.
    pub fn any() -> Self {
        CancelBuilder { flags: IORING_ASYNC_CANCEL_ANY, by_user_data: false, user_data: 0, fd: 0, opcode: 0 }
    }

    /// Also require `user_data` (`IORING_ASYNC_CANCEL_USERDATA`, 6.6).
    pub fn and_user_data(mut self, user_data: u64) -> Self {
        self.by_user_data = true;
        self.user_data = user_data;
        self
    }

    /// Also require file descriptor `fd` (`IORING_ASYNC_CANCEL_FD`).
    pub fn and_fd(mut self, fd: RawFd) -> Self {
        self.flags = (self.flags & !IORING_ASYNC_CANCEL_FD_FIXED) | IORING_ASYNC_CANCEL_FD;
        self.fd = fd;
        self
    }

    /// Also require opcode `opcode` (`IORING_ASYNC_CANCEL_OP`).
    pub fn and_opcode(mut self, opcode: u8) -> Self {
        self.flags |= IORING_ASYNC_CANCEL_OP;
        self.opcode = opcode;
        self
    }

    /// Cancel every matching request, not just the first
    /// (`IORING_ASYNC_CANCEL_ALL`, 5.19).
    pub fn all(mut self) -> Self {
        self.flags |= IORING_ASYNC_CANCEL_ALL;
        self
    }

    /// The `IORING_ASYNC_CANCEL_*` flags the kernel will see. The user data
    /// is the kernel's default criterion and needs no flag on its own;
    /// combined with another criterion it is asked for with
    /// `IORING_ASYNC_CANCEL_USERDATA` (6.6), which older kernels refuse.
    pub fn flags(&self) -> u32 {
        let criteria = IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_ANY;
        if self.by_user_data && self.flags & criteria != 0 {
            self.flags | IORING_ASYNC_CANCEL_USERDATA
        } else {
            self.flags
        }
    }

    /// The kernel's form, with `timeout` (`None`: wait as long as it takes).
    pub fn to_raw(&self, timeout: Option<Duration>) -> io_uring_sync_cancel_reg {
        let timeout = match timeout {
            Some(d) => __kernel_timespec {
                tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
                tv_nsec: i64::from(d.subsec_nanos()),
            },
            None => __kernel_timespec { tv_sec: -1, tv_nsec: -1 },
        };
        io_uring_sync_cancel_reg {
            addr: self.user_data,
            fd: self.fd,
            flags: self.flags(),
            timeout,
            opcode: self.opcode,
            ..Default::default()
        }
    }
}

impl<K: Kernel> Ring<K> {
    /// Cancels the requests `what` matches and waits until they are gone, or
    /// until `timeout` passes (`IORING_REGISTER_SYNC_CANCEL`, Linux 6.0).
    ///
    /// Returns how many requests were canceled without waiting (for `all`
    /// and `any`; 0 or 1 otherwise, and 0 after a wait). Nothing to cancel
    /// is an error with ENOENT; a timeout, ETIME.
    ///
    /// The user data combined with another criterion
    /// ([`and_user_data`](CancelBuilder::and_user_data) after
    /// [`fd`](CancelBuilder::fd), for example) needs a kernel that honours
    /// it (6.6). Some older kernels accept the flag in a sync cancel and
    /// ignore it, which would cancel more than was asked (6.1 cancels every
    /// request on the descriptor); so the first such call on a ring probes
    /// the kernel's behaviour on a private ring, and where the criterion is
    /// not honoured the call fails with [`Error::Unsupported`] and cancels
    /// nothing.
    pub fn cancel_sync(&self, what: &CancelBuilder, timeout: Option<Duration>) -> Result<u32, crate::error::Error> {
        if what.flags & IORING_ASYNC_CANCEL_FD != 0 && what.flags & IORING_ASYNC_CANCEL_FD_FIXED == 0 && what.fd < 0 {
            return Err(Error::BadFd(what.fd));
        }
        if what.flags() & IORING_ASYNC_CANCEL_USERDATA != 0 && !self.sync_cancel_combines_user_data()? {
            return Err(Error::Unsupported {
                what: "sync cancelation by user data combined with another criterion",
                reason: "a sync cancel on a private ring showed that this kernel ignores IORING_ASYNC_CANCEL_USERDATA \
                         in IORING_REGISTER_SYNC_CANCEL (honoured since Linux 6.6)",
            });
        }
        if what.flags() & IORING_ASYNC_CANCEL_OP != 0 && !self.sync_cancel_matches_opcode()? {
            return Err(Error::Unsupported {
                what: "sync cancelation by opcode",
                reason: "a sync cancel on a private ring showed that this kernel refuses or ignores \
                         IORING_ASYNC_CANCEL_OP in IORING_REGISTER_SYNC_CANCEL (added in Linux 6.6)",
            });
        }
        let reg = what.to_raw(timeout);
        // SAFETY: `reg` is read during the call.
        unsafe { self.register_typed(IORING_REGISTER_SYNC_CANCEL, (&raw const reg).cast(), 1) }
    }

    /// Whether this kernel's sync cancel honours the user data as one
    /// criterion among others (`IORING_ASYNC_CANCEL_USERDATA` with a
    /// descriptor or opcode), as [`cancel_sync`](Self::cancel_sync) needs.
    /// Found by trying it on a private ring, once per ring: a sync cancel of
    /// "the requests on this pipe with another user data" while one request
    /// waits on the pipe must find nothing.
    pub fn sync_cancel_combines_user_data(&self) -> Result<bool, crate::error::Error> {
        self.probed
            .get_or_probe(super::behaviour::Behaviour::CancelUserData, || user_data_criterion_honoured(&self.kernel))
    }

    /// Whether this kernel's sync cancel honours the opcode criterion
    /// (`IORING_ASYNC_CANCEL_OP`), as [`cancel_sync`](Self::cancel_sync)
    /// needs for [`CancelBuilder::opcode`] and
    /// [`and_opcode`](CancelBuilder::and_opcode). Found by trying it on a
    /// private ring, once per ring: a sync cancel of "every read" while a
    /// poll waits must find nothing. Kernels before 6.6 refuse the flag.
    pub fn sync_cancel_matches_opcode(&self) -> Result<bool, crate::error::Error> {
        self.probed.get_or_probe(super::behaviour::Behaviour::CancelOpcode, || opcode_criterion_honoured(&self.kernel))
    }
}

/// Probes whether `kernel` honours `IORING_ASYNC_CANCEL_USERDATA` next to
/// `IORING_ASYNC_CANCEL_FD` in a sync cancel, harmlessly: on a private
/// one-entry ring, a poll on a private pipe with user data 1 is armed, and
/// a sync cancel of "every request on that pipe whose user data is 2" is
/// asked. A kernel that honours the user data cancels nothing (and counts
/// 0); one that ignores it cancels the poll (6.1 does, and counts it); one
/// that refuses the flag says EINVAL. Nothing outside the private ring and
/// pipe is touched, and dropping them ends the poll if it is still armed.
pub(crate) fn user_data_criterion_honoured<K: Kernel>(kernel: &K) -> Result<bool> {
    finds_nothing_beside_a_poll(kernel, |pipe| CancelBuilder::fd(pipe).and_user_data(2).all())
}

/// Probes whether `kernel` honours `IORING_ASYNC_CANCEL_OP` in a sync
/// cancel, harmlessly, as [`user_data_criterion_honoured`] does: with a
/// poll (user data 1) armed on a private pipe, "every read" must cancel
/// nothing. A kernel that honours the opcode finds nothing; one that
/// refuses the flag (before 6.6: it is not among the flags it knows, and
/// the opcode lies in what it reads as padding) says EINVAL; one that
/// ignored it would cancel the poll.
pub(crate) fn opcode_criterion_honoured<K: Kernel>(kernel: &K) -> Result<bool> {
    finds_nothing_beside_a_poll(kernel, |_| CancelBuilder::opcode(IORING_OP_READ).all())
}

/// Arms a poll with user data 1 on a private pipe on a private ring and
/// asks a sync cancel for what `ask(read end of the pipe)` describes, which
/// must not match the poll. Whether the kernel found nothing (`true`), or
/// cancelled the poll or refused the request with EINVAL (`false`): the
/// criterion is honoured only in the first case.
fn finds_nothing_beside_a_poll<K: Kernel>(kernel: &K, ask: impl FnOnce(RawFd) -> CancelBuilder) -> Result<bool> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        // SAFETY: errno is thread-local and was just set by pipe2.
        let errno = ring_sys::Errno::new(unsafe { *libc::__errno_location() });
        return Err(Error::Syscall { call: crate::error::Call::Other("pipe2"), errno });
    }
    // SAFETY: two fresh descriptors that nothing else owns.
    let (r, _w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // Declared after the pipe, so dropped before it: the ring's teardown
    // ends the poll while the pipe is still open.
    let mut ring = super::probe_ring::probe_ring(kernel)?;
    let poll = crate::raw::opcode::PollAdd::new(r.as_raw_fd(), libc::POLLIN as u32).build().user_data(1);
    // SAFETY: a poll carries no pointer, and the pipe outlives the request
    // (the ring is dropped first, see above).
    unsafe { ring.sq().push(&poll) }.map_err(|_| Error::SubmissionQueueFull)?;
    ring.submit()?;
    let reg = ask(r.as_raw_fd()).to_raw(Some(Duration::from_secs(1)));
    // SAFETY: `reg` is read during the call.
    match unsafe { ring.register_typed(IORING_REGISTER_SYNC_CANCEL, (&raw const reg).cast(), 1) } {
        // "All" counts what it canceled: none. (ENOENT, nothing found, is
        // how a single cancel says it.)
        Ok(0) => Ok(true),
        Err(e) if e.errno().is_some_and(|e| e.raw() == libc::ENOENT) => Ok(true),
        Ok(_) => Ok(false),
        Err(e) if super::behaviour::is_register_einval(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
