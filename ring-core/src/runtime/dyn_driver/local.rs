//! [`DynDriver`] for [`Driver`]: the reusable objects as owners of one
//! operation each.
#![allow(unsafe_code)]

use super::{
    check_read_size, result_of, BuildSqe, DynDriver, LocalBoxFuture, PollFdReady, PollSocketReady, PollTimer, PollWait,
    RawOutput,
};
use crate::kernel::Kernel;
use crate::ownership::driver::op::{CancelOp, Cancelled, Op};
use crate::ownership::driver::Driver;
use crate::ownership::ops::{PollAdd, Read, Timeout as TimeoutOp};
use crate::ownership::shared_fd::SharedFd;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::any::Any;
use std::io;
use std::time::Instant;

/// Events that are reported whether asked for or not, as `poll(2)` does.
const ALWAYS: u32 = (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) as u32;

/// A resettable timer: one absolute `IORING_OP_TIMEOUT` armed for the
/// current deadline, replaced (the old one orphaned and cancelled) when the
/// deadline changes.
pub(crate) struct Timer<K: Kernel> {
    driver: Driver<K>,
    deadline: Option<Instant>,
    armed: Option<(Instant, Op<TimeoutOp, K>)>,
}

impl<K: Kernel> Timer<K> {
    pub(crate) fn new(driver: Driver<K>) -> Self {
        Timer { driver, deadline: None, armed: None }
    }
}

impl<K: Kernel + 'static> PollTimer for Timer<K> {
    fn set_deadline(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
    }

    fn poll_timer(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> Poll<Instant> {
        if let Some(d) = deadline {
            self.deadline = Some(d);
        }
        let Some(at) = self.deadline else {
            self.armed = None;
            return Poll::Pending;
        };
        loop {
            let now = Instant::now();
            if now >= at {
                self.armed = None;
                return Poll::Ready(now);
            }
            let op = match &mut self.armed {
                Some((armed_at, op)) if *armed_at == at => op,
                slot => {
                    let op = self.driver.op(TimeoutOp::absolute(crate::ownership::deadline::monotonic(at)));
                    &mut slot.insert((at, op)).1
                }
            };
            match Pin::new(op).poll(cx) {
                Poll::Pending => return Poll::Pending,
                // The kernel's timer runs on CLOCK_MONOTONIC, the clock of
                // `Instant`: once it fired, `now >= at` above.
                Poll::Ready(Ok(_)) => self.armed = None,
                // The driver is shut down (or refused the timer): no
                // timer will ever fire on it.
                Poll::Ready(Err(_)) => {
                    self.armed = None;
                    return Poll::Pending;
                }
            }
        }
    }
}

/// Readiness of a descriptor: what was seen and not cleared, and one
/// single-shot poll armed for the events wanted.
pub(crate) struct Readiness<K: Kernel> {
    driver: Driver<K>,
    fd: SharedFd,
    ready: u32,
    armed: Option<(u32, Op<PollAdd, K>)>,
}

impl<K: Kernel + 'static> Readiness<K> {
    pub(crate) fn new(driver: Driver<K>, fd: SharedFd) -> Self {
        Readiness { driver, fd, ready: 0, armed: None }
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        loop {
            let hit = self.ready & (events | ALWAYS);
            if hit != 0 {
                return Poll::Ready(Ok(hit));
            }
            let op = match &mut self.armed {
                Some((mask, op)) if *mask & events == events => op,
                slot => {
                    // Arm for what this poll wants and what the previous
                    // armed poll waited for, so alternating callers do not
                    // cancel each other's interest.
                    let mask = events | slot.as_ref().map_or(0, |(m, _)| *m);
                    let op = self.driver.poll_add(&self.fd, mask);
                    &mut slot.insert((mask, op)).1
                }
            };
            match Pin::new(op).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => {
                    self.armed = None;
                    self.ready |= r?;
                }
            }
        }
    }

    fn clear(&mut self, events: u32) {
        self.ready &= !events;
    }
}

impl<K: Kernel + 'static> PollFdReady for Readiness<K> {
    fn poll_fd_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        self.poll_ready(cx, events)
    }
    fn clear_fd_ready(&mut self, events: u32) {
        self.clear(events)
    }
}

impl<K: Kernel + 'static> PollSocketReady for Readiness<K> {
    fn poll_socket_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        self.poll_ready(cx, events)
    }
    fn clear_socket_ready(&mut self, events: u32) {
        self.clear(events)
    }
}

enum WaitState<K: Kernel> {
    Idle,
    Reading(Op<Read<Box<[u8]>>, K>),
    /// The descriptor is non-blocking and had nothing: wait for `POLLIN`.
    Polling(Op<PollAdd, K>),
    Cancelling(CancelOp<Read<Box<[u8]>>, K>),
}

/// Consumes signals from a descriptor by reading `read_size` bytes.
pub(crate) struct Wait<K: Kernel> {
    driver: Driver<K>,
    fd: SharedFd,
    size: usize,
    /// The read buffer, exactly `size` bytes, when no read holds it.
    buf: Option<Box<[u8]>>,
    state: WaitState<K>,
}

fn wait_buffer(size: usize) -> io::Result<Box<[u8]>> {
    let mut buf: Vec<u8> = crate::error::Error::try_vec("wait buffer", size)?;
    buf.resize(size, 0);
    Ok(buf.into_boxed_slice())
}

impl<K: Kernel + 'static> Wait<K> {
    pub(crate) fn new(driver: Driver<K>, fd: SharedFd, read_size: usize) -> io::Result<Self> {
        check_read_size(read_size)?;
        Ok(Wait { driver, fd, size: read_size, buf: Some(wait_buffer(read_size)?), state: WaitState::Idle })
    }
}

impl<K: Kernel + 'static> PollWait for Wait<K> {
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                WaitState::Idle => {
                    // The buffer comes back with every read; a new one only
                    // if a read never gave it back (a lost completion).
                    let buf = match self.buf.take() {
                        Some(b) => b,
                        None => wait_buffer(self.size)?,
                    };
                    self.state = WaitState::Reading(self.driver.read(&self.fd, buf));
                }
                WaitState::Cancelling(c) => match Pin::new(c).poll(cx) {
                    // A cancellation not finished yet: its read may still
                    // consume a signal, which this wait then reports.
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(out) => {
                        let consumed = matches!(&out, Cancelled::Completed((Ok(_), _)));
                        self.buf = Some(out.into_inner().1);
                        self.state = WaitState::Idle;
                        if consumed {
                            return Poll::Ready(Ok(()));
                        }
                    }
                },
                WaitState::Reading(op) => match Pin::new(op).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready((r, buf)) => {
                        self.buf = Some(buf);
                        self.state = WaitState::Idle;
                        match r {
                            Ok(_) => return Poll::Ready(Ok(())),
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                                self.state = WaitState::Polling(self.driver.poll_add(&self.fd, libc::POLLIN as u32));
                            }
                            Err(e) => return Poll::Ready(Err(e)),
                        }
                    }
                },
                WaitState::Polling(op) => match Pin::new(op).poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(r) => {
                        self.state = WaitState::Idle;
                        r?;
                    }
                },
            }
        }
    }

    fn poll_cancel_wait(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        loop {
            match core::mem::replace(&mut self.state, WaitState::Idle) {
                // A poll consumes nothing: dropping it loses no signal.
                WaitState::Idle | WaitState::Polling(_) => return Poll::Ready(false),
                WaitState::Reading(op) => self.state = WaitState::Cancelling(op.cancel()),
                WaitState::Cancelling(mut c) => match Pin::new(&mut c).poll(cx) {
                    Poll::Pending => {
                        self.state = WaitState::Cancelling(c);
                        return Poll::Pending;
                    }
                    Poll::Ready(out) => {
                        let consumed = matches!(&out, Cancelled::Completed((Ok(_), _)));
                        let (_, buf) = out.into_inner();
                        self.buf = Some(buf);
                        return Poll::Ready(consumed);
                    }
                },
            }
        }
    }
}

impl<K: Kernel + 'static> DynDriver for Driver<K> {
    fn new_timer(&self) -> Box<dyn PollTimer> {
        Box::new(Timer::new(self.clone()))
    }

    fn new_fd_ready(&self, fd: SharedFd) -> io::Result<Box<dyn PollFdReady>> {
        Ok(Box::new(Readiness::new(self.clone(), fd)))
    }

    fn new_socket_ready(&self, fd: SharedFd) -> io::Result<Box<dyn PollSocketReady>> {
        Ok(Box::new(Readiness::new(self.clone(), fd)))
    }

    fn new_wait(&self, fd: SharedFd, read_size: usize) -> io::Result<Box<dyn PollWait>> {
        Ok(Box::new(Wait::new(self.clone(), fd, read_size)?))
    }

    fn probe(&self, opcode: u8) -> bool {
        self.require(opcode).is_ok()
    }

    unsafe fn submit(&self, sqe: io_uring_sqe) -> LocalBoxFuture<io::Result<i32>> {
        // SAFETY: the caller promises the SQE touches only 'static memory
        // and posts one terminal completion; `()` owns nothing it needs.
        let op = unsafe { self.submit_raw((), move |_: &mut ()| sqe) };
        Box::pin(async move { result_of(op.await.0.res) })
    }

    unsafe fn submit_with(&self, owned: Box<dyn Any>, mut build: BuildSqe) -> LocalBoxFuture<RawOutput> {
        // SAFETY: the caller promises the SQE touches only memory `owned`
        // owns (a box's contents do not move with the box, and the driver
        // keeps the box until the terminal completion) or 'static memory,
        // and posts one terminal completion.
        let op = unsafe { self.submit_raw(owned, move |b: &mut Box<dyn Any>| build(&mut **b)) };
        Box::pin(async move {
            let (cqe, owned) = op.await;
            (result_of(cqe.res), owned)
        })
    }
}
