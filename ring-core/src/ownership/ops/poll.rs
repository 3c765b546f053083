//! Readiness: one-shot and multishot polls, their removal and update
//! (named by a [`PollTarget`], never by a bare number), and epoll.
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::op::{MultiOp, Op};
use crate::ownership::driver::Driver;
use crate::ownership::operation::{Multishot, Operation, PollTarget};
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::raw::ring_id::RingId;
use ring_sys::*;
use std::io;

/// A multishot poll; see [`crate::Driver::poll_multishot`].
///
/// ```
/// use ring_core::ops::{PollMulti, PollRemove};
/// use ring_core::{MultiOp, Op};
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// (&a).write_all(b"x")?;
/// rt.block_on(async {
///     // A value built by its constructor starts with `multishot_keep` (here
///     // keeping nothing more).
///     let mut kept = d.multishot_keep(PollMulti::new(&b, libc::POLLIN as u32), ());
///     assert!(kept.next().await.expect("an event")? & libc::POLLIN as u32 != 0);
///     kept.cancel();
///     while kept.next().await.is_some() {}
///     // A removal names a poll in flight.
///     let mut events: MultiOp<PollMulti> = d.poll_multishot(&b, libc::POLLIN as u32);
///     assert!(events.next().await.expect("an event")? & libc::POLLIN as u32 != 0);
///     let target = events.poll_target().expect("in flight");
///     let remove: Op<PollRemove> = d.poll_remove(target)?;
///     remove.await?;
///     while let Some(ev) = events.next().await {
///         if ev.is_err() {
///             break; // ECANCELED: removed
///         }
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
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

impl crate::ownership::operation::sealed::Sealed for PollMulti {}

impl crate::ownership::operation::PollOperation for PollMulti {}

/// A single-shot poll (`IORING_OP_POLL_ADD`, 5.1); see [`Driver::poll_add`].
#[derive(Debug)]
pub struct PollAdd {
    pub(crate) fd: SharedFd,
    pub(crate) events: u32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for PollAdd {
    /// The `revents` mask.
    type Output = io::Result<u32>;
    const NAMEABLE: bool = true;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::PollAdd::new(self.fd.raw(), self.events).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

impl crate::ownership::operation::sealed::Sealed for PollAdd {}

impl crate::ownership::operation::PollOperation for PollAdd {}

/// Removes or updates a poll (`IORING_OP_POLL_REMOVE`, 5.1; updates 5.13);
/// see [`Driver::poll_remove`] and [`Driver::poll_update`].
///
/// It names its poll by a [`PollTarget`], never by a bare number, and the
/// driver starts it only while that poll is in flight (see
/// [`Operation::names`]): between that check and the moment the kernel
/// looks the poll up, the poll's entry cannot come back to the same
/// generation, since the removal is issued at the next submission, ahead
/// of every operation started after it. It has no public constructor on
/// purpose: as a chain member it would be issued only once the members
/// before it had ended, arbitrarily late.
#[derive(Debug)]
pub struct PollRemove {
    target: PollTarget,
    new_events: Option<u32>,
}

// SAFETY: the SQE carries no pointer (the target is a `user_data` value).
unsafe impl Operation for PollRemove {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut b =
            opcode::PollRemove::new(crate::ownership::driver::slot::encode(self.target.index, self.target.generation));
        if let Some(ev) = self.new_events {
            // The kernel keeps a poll's behaviour flags on an update (a
            // single-shot poll stays single-shot: `io_poll_remove` replaces
            // only the low 16 event bits); `IORING_POLL_ADD_MULTI` is asked
            // for only for a poll that is multishot already, so no update
            // can make a poll post more completions than it holds credits.
            b = b.new_events(ev).multi(self.target.multishot);
        }
        b.build().into_sqe()
    }

    /// Another driver's poll is refused with `EXDEV` (its number names
    /// some other operation here, or none).
    fn refuse(&self, ring: RingId) -> Option<i32> {
        (self.target.ring != ring).then_some(libc::EXDEV)
    }

    fn names(&self) -> Option<PollTarget> {
        Some(self.target)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `epoll_ctl(2)` (`IORING_OP_EPOLL_CTL`, 5.6); see [`Driver::epoll_ctl`].
pub struct EpollCtl {
    pub(crate) epfd: SharedFd,
    pub(crate) fd: SharedFd,
    pub(crate) op: i32,
    pub(crate) event: libc::epoll_event,
}

impl core::fmt::Debug for EpollCtl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpollCtl").field("epfd", &self.epfd).field("fd", &self.fd).field("op", &self.op).finish()
    }
}

// SAFETY: the SQE points at `self.event`, inside `self` at its final
// address; the kernel only reads it.
unsafe impl Operation for EpollCtl {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::EpollCtl::new(self.epfd.raw(), self.fd.raw(), self.op, &raw const self.event).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// The most events one `epoll_wait` reports (`EP_MAX_EVENTS` in the
/// kernel: `INT_MAX / sizeof(struct epoll_event)`).
pub const EP_MAX_EVENTS: usize = i32::MAX as usize / core::mem::size_of::<libc::epoll_event>();

/// `epoll_wait(2)` (`IORING_OP_EPOLL_WAIT`, 6.15) into an owned event
/// array; see [`Driver::epoll_wait`].
pub struct EpollWait {
    pub(crate) epfd: SharedFd,
    pub(crate) events: Vec<libc::epoll_event>,
}

impl core::fmt::Debug for EpollWait {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpollWait").field("epfd", &self.epfd).field("capacity", &self.events.capacity()).finish()
    }
}

// SAFETY: the SQE points at the spare capacity of `self.events` (heap,
// owned, `capacity` entries); the kernel writes it and nothing else can
// reach it while `self` is in the table.
unsafe impl Operation for EpollWait {
    /// The events the kernel reported (the vector's length is their count).
    type Output = io::Result<Vec<libc::epoll_event>>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.events.clear();
        let cap = self.events.capacity().min(EP_MAX_EVENTS) as u32;
        opcode::EpollWait::new(self.epfd.raw(), self.events.as_mut_ptr(), cap).build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let n = res(&result)? as usize;
        // SAFETY: the kernel wrote `n <= capacity` events.
        unsafe { self.events.set_len(n.min(self.events.capacity())) };
        Ok(self.events)
    }
}

/// # Readiness: poll and epoll
///
/// ```
/// use std::io::Write;
/// use std::os::fd::{FromRawFd, OwnedFd};
/// use std::os::unix::net::UnixStream;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// rt.block_on(async move {
///     let (a, b) = UnixStream::pair()?;
///     let b = Rc::new(b);
///     (&a).write_all(b"x")?;
///     // One readiness event.
///     let revents = d.poll_add(&b, libc::POLLIN as u32).await?;
///     assert!(revents & libc::POLLIN as u32 != 0);
///
///     // A stream of them, changed and then removed through its target.
///     let mut events = d.poll_multishot(&b, libc::POLLIN as u32);
///     assert!(events.next().await.expect("an event")? & libc::POLLIN as u32 != 0);
///     let target = events.poll_target().expect("in flight");
///     d.poll_update(target, (libc::POLLIN | libc::POLLHUP) as u32)?.await?;
///     d.poll_remove(target)?.await?;
///     while let Some(ev) = events.next().await {
///         if ev.is_err() {
///             break; // ECANCELED: removed
///         }
///     }
///
///     // epoll through the ring; epoll_wait is an operation since 6.15.
///     // SAFETY: epoll_create1 has no memory effects.
///     let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
///     assert!(ep >= 0);
///     // SAFETY: a fresh descriptor, owned here.
///     let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
///     d.epoll_ctl(&ep, &b, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 7).await?;
///     if d.require(ring_core::sys::IORING_OP_EPOLL_WAIT).is_ok() {
///         let ready = d.epoll_wait(&ep, 8)?.await?;
///         let data = ready[0].u64;
///         assert_eq!(data, 7);
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// A stream of readiness events on `fd` (`IORING_OP_POLL_ADD` with
    /// `IORING_POLL_ADD_MULTI`, 5.13), each the `revents` mask.
    pub fn poll_multishot(&self, fd: &impl AsSharedFd, events: u32) -> MultiOp<PollMulti, K> {
        MultiOp::new(self, PollMulti::new(fd, events))
    }

    /// A single-shot poll (`IORING_OP_POLL_ADD`, 5.1): resolves to the
    /// `revents` mask once `fd` is ready for `events`.
    pub fn poll_add(&self, fd: &impl AsSharedFd, events: u32) -> Op<PollAdd, K> {
        self.op(PollAdd::new(fd, events))
    }

    /// Removes the poll `target` names (`IORING_OP_POLL_REMOVE`, 5.1): it
    /// completes with `ECANCELED`. Take the target from the poll's future
    /// ([`Op::poll_target`], [`MultiOp::poll_target`]).
    ///
    /// A target of another driver is refused with
    /// [`Error::ForeignResource`], one whose
    /// poll has ended with [`Error::Ended`] (nothing is
    /// submitted for either). If the poll ends between this call and the
    /// removal's start, the removal completes with `ENOENT` without
    /// reaching the kernel, as the kernel would answer.
    pub fn poll_remove(&self, target: PollTarget) -> Result<Op<PollRemove, K>, Error> {
        self.check_poll_target(&target)?;
        Ok(self.op(PollRemove { target, new_events: None }))
    }

    /// Changes the events the poll `target` names waits for
    /// (`IORING_POLL_UPDATE_EVENTS`, 5.13). A single-shot poll stays
    /// single-shot and a multishot poll multishot. Refused as
    /// [`poll_remove`](Self::poll_remove) refuses.
    pub fn poll_update(&self, target: PollTarget, events: u32) -> Result<Op<PollRemove, K>, Error> {
        self.check_poll_target(&target)?;
        Ok(self.op(PollRemove { target, new_events: Some(events) }))
    }

    /// `epoll_ctl(2)` (`IORING_OP_EPOLL_CTL`, 5.6): `op` is
    /// `EPOLL_CTL_ADD`, `EPOLL_CTL_MOD` or `EPOLL_CTL_DEL`.
    pub fn epoll_ctl(
        &self,
        epfd: &impl AsSharedFd,
        fd: &impl AsSharedFd,
        op: i32,
        events: u32,
        data: u64,
    ) -> Op<EpollCtl, K> {
        self.op(EpollCtl::new(epfd, fd, op, events, data))
    }

    /// `epoll_wait(2)` (`IORING_OP_EPOLL_WAIT`, 6.15) for up to
    /// `max_events` events; waits until at least one is ready.
    ///
    /// `max_events` is checked before the event buffer is allocated: above
    /// what the kernel accepts ([`EP_MAX_EVENTS`]) it is
    /// [`crate::Error::TooLong`], and a buffer the allocator refuses is
    /// [`crate::Error::OutOfMemory`].
    pub fn epoll_wait(&self, epfd: &impl AsSharedFd, max_events: usize) -> Result<Op<EpollWait, K>, Error> {
        Ok(self.op(EpollWait::new(epfd, max_events)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(multishot: bool) -> PollTarget {
        let ring = crate::raw::ring::Ring::new(2).unwrap().id();
        PollTarget { ring, index: 3, generation: 7, serial: 1, multishot }
    }

    /// An update asks the kernel for a multishot poll only when the poll is
    /// multishot already: a single-shot poll holds one completion's credit,
    /// and a kernel that turned it multishot would post more.
    #[test]
    fn an_update_keeps_a_single_shot_poll_single_shot() {
        for multishot in [false, true] {
            let mut op = PollRemove { target: target(multishot), new_events: Some(libc::POLLIN as u32) };
            let sqe = op.prepare();
            assert_eq!(sqe.addr(), crate::ownership::driver::slot::encode(3, 7));
            assert_eq!(sqe.len & ring_sys::IORING_POLL_ADD_MULTI != 0, multishot);
            assert!(sqe.len & ring_sys::IORING_POLL_UPDATE_EVENTS != 0);
            assert_eq!(sqe.len & ring_sys::IORING_POLL_UPDATE_USER_DATA, 0, "never changes the poll's number");
        }
        let mut remove = PollRemove { target: target(false), new_events: None };
        assert_eq!(remove.prepare().len, 0);
    }
}
