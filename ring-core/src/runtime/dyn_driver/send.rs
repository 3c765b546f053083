//! [`SendDriver`] for [`Handle`]: every object is `Send`; what it waits on
//! runs as a task on the runtime's thread (started through the handle),
//! and comes back through a [`RemoteJoinHandle`].
//!
//! Each task also watches a stop channel whose sender the object holds:
//! dropping the object (or resetting a timer) drops the sender, and the
//! task drops its operation, which the runtime's driver orphans and
//! cancels. So a dropped object leaves no wait behind on the runtime, and
//! no operation's memory is freed before its completion.
#![allow(unsafe_code)]

use super::local::Wait;
use super::{check_read_size, result_of, BoxFuture, PollFdReady, PollSocketReady, PollTimer, PollWait, SendDriver};
use crate::kernel::Linux;
use crate::ownership::ops::Timeout as TimeoutOp;
use crate::ownership::shared_fd::SharedFd;
use crate::runtime::channel::remote;
use crate::runtime::handle::{Handle, RemoteJoinHandle};
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// A descriptor any thread may hand to a [`SendDriver`]: kept open by the
/// `Arc` for as long as an object or an operation holds it.
pub type SendFd = Arc<dyn AsFd + Send + Sync>;

struct Holder(SendFd);

impl AsFd for Holder {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

/// The descriptor as the operations on the runtime hold it.
fn shared(fd: &SendFd) -> SharedFd {
    SharedFd::from(Arc::new(Holder(fd.clone())))
}

fn joined<T>(r: Result<io::Result<T>, crate::runtime::executor::task::JoinError>) -> io::Result<T> {
    r.unwrap_or_else(|e| Err(io::Error::other(e.to_string())))
}

/// A task on the runtime that runs `work` until it finishes or the stop
/// sender (kept by the caller) is dropped; `None` when stopped.
fn spawn_stoppable<F, Fut>(
    handle: &Handle<Linux>,
    work: F,
) -> (RemoteJoinHandle<Option<Fut::Output>>, remote::Sender<()>)
where
    F: FnOnce(crate::ownership::driver::Driver<Linux>) -> Fut + Send + 'static,
    Fut: Future + 'static,
    Fut::Output: Send + 'static,
{
    let (stop, mut stopped) = remote::unbounded::<()>();
    let join = handle.spawn(move |d| {
        let fut = work(d);
        async move {
            let mut fut = core::pin::pin!(fut);
            poll_fn(|cx| {
                if let Poll::Ready(v) = fut.as_mut().poll(cx) {
                    return Poll::Ready(Some(v));
                }
                // Any message, or every sender gone, stops the work.
                match stopped.poll_recv(cx) {
                    Poll::Ready(_) => Poll::Ready(None),
                    Poll::Pending => Poll::Pending,
                }
            })
            .await
        }
    });
    (join, stop)
}

struct RemoteTimer {
    handle: Handle<Linux>,
    deadline: Option<Instant>,
    armed: Option<(Instant, RemoteJoinHandle<Option<bool>>, remote::Sender<()>)>,
}

impl PollTimer for RemoteTimer {
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
            let join = match &mut self.armed {
                Some((armed_at, join, _)) if *armed_at == at => join,
                slot => {
                    // Replacing the slot drops the old stop sender, which
                    // ends the old timer's task.
                    let (join, stop) = spawn_stoppable(&self.handle, move |d| {
                        let op = d.op(TimeoutOp::absolute(crate::ownership::deadline::monotonic(at)));
                        async move { op.await.is_ok() }
                    });
                    &mut slot.insert((at, join, stop)).1
                }
            };
            match Pin::new(join).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(Some(true))) => self.armed = None,
                // The runtime is gone or refused the timer: it never fires.
                Poll::Ready(_) => {
                    self.armed = None;
                    return Poll::Pending;
                }
            }
        }
    }
}

/// An armed remote poll: its mask, its task and the task's stop sender.
type ArmedPoll = (u32, RemoteJoinHandle<Option<io::Result<u32>>>, remote::Sender<()>);

struct RemoteReadiness {
    handle: Handle<Linux>,
    fd: SendFd,
    ready: u32,
    armed: Option<ArmedPoll>,
}

impl RemoteReadiness {
    fn poll_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        const ALWAYS: u32 = (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) as u32;
        loop {
            let hit = self.ready & (events | ALWAYS);
            if hit != 0 {
                return Poll::Ready(Ok(hit));
            }
            let join = match &mut self.armed {
                Some((mask, join, _)) if *mask & events == events => join,
                slot => {
                    let mask = events | slot.as_ref().map_or(0, |(m, _, _)| *m);
                    let fd = self.fd.clone();
                    let (join, stop) = spawn_stoppable(&self.handle, move |d| d.poll_add(&shared(&fd), mask));
                    &mut slot.insert((mask, join, stop)).1
                }
            };
            match Pin::new(join).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => {
                    self.armed = None;
                    let r = joined(r.map(|v| v.unwrap_or_else(|| Err(io::Error::from_raw_os_error(libc::ECANCELED)))));
                    self.ready |= r?;
                }
            }
        }
    }
}

impl PollFdReady for RemoteReadiness {
    fn poll_fd_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        self.poll_ready(cx, events)
    }
    fn clear_fd_ready(&mut self, events: u32) {
        self.ready &= !events;
    }
}

impl PollSocketReady for RemoteReadiness {
    fn poll_socket_ready(&mut self, cx: &mut Context<'_>, events: u32) -> Poll<io::Result<u32>> {
        self.poll_ready(cx, events)
    }
    fn clear_socket_ready(&mut self, events: u32) {
        self.ready &= !events;
    }
}

/// What a remote wait task reports: a signal consumed (`true`), or, after
/// a cancellation, whether its read consumed one all the same.
type WaitJoin = RemoteJoinHandle<io::Result<bool>>;

enum RemoteWaitState {
    Idle,
    Waiting(WaitJoin, remote::Sender<()>),
    Cancelling(WaitJoin),
}

struct RemoteWait {
    handle: Handle<Linux>,
    fd: SendFd,
    size: usize,
    state: RemoteWaitState,
}

impl RemoteWait {
    fn spawn(&self) -> (WaitJoin, remote::Sender<()>) {
        let (cancel, mut cancelled) = remote::unbounded::<()>();
        let (fd, size) = (self.fd.clone(), self.size);
        let join = self.handle.spawn(move |d| {
            let wait = Wait::new(d, shared(&fd), size);
            async move {
                let mut wait = wait?;
                // The local wait object does the work; a cancel message (or
                // the sender dropped with the object) cancels its read and
                // reports whether a signal was consumed all the same.
                let signalled = poll_fn(|cx| {
                    if let Poll::Ready(r) = wait.poll_wait(cx) {
                        return Poll::Ready(r.map(|()| true));
                    }
                    match cancelled.poll_recv(cx) {
                        Poll::Ready(_) => Poll::Ready(Ok(false)),
                        Poll::Pending => Poll::Pending,
                    }
                })
                .await?;
                if signalled {
                    return Ok(true);
                }
                Ok(poll_fn(|cx| wait.poll_cancel_wait(cx)).await)
            }
        });
        (join, cancel)
    }
}

impl PollWait for RemoteWait {
    fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            match &mut self.state {
                RemoteWaitState::Idle => {
                    let (join, cancel) = self.spawn();
                    self.state = RemoteWaitState::Waiting(join, cancel);
                }
                RemoteWaitState::Waiting(join, _) | RemoteWaitState::Cancelling(join) => {
                    match Pin::new(join).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(r) => {
                            self.state = RemoteWaitState::Idle;
                            // A cancelled wait that consumed nothing waits again.
                            if joined(r)? {
                                return Poll::Ready(Ok(()));
                            }
                        }
                    }
                }
            }
        }
    }

    fn poll_cancel_wait(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        loop {
            match core::mem::replace(&mut self.state, RemoteWaitState::Idle) {
                RemoteWaitState::Idle => return Poll::Ready(false),
                RemoteWaitState::Waiting(join, cancel) => {
                    // A send fails only if the task is gone, which its
                    // handle reports below.
                    let _ = cancel.send(());
                    self.state = RemoteWaitState::Cancelling(join);
                }
                RemoteWaitState::Cancelling(mut join) => match Pin::new(&mut join).poll(cx) {
                    Poll::Pending => {
                        self.state = RemoteWaitState::Cancelling(join);
                        return Poll::Pending;
                    }
                    Poll::Ready(r) => return Poll::Ready(matches!(r, Ok(Ok(true)))),
                },
            }
        }
    }
}

/// The kernel's opcodes, probed once per process on a small ring of its
/// own (what a kernel supports does not depend on the ring).
fn kernel_supports(opcode: u8) -> bool {
    static PROBED: OnceLock<Option<Vec<bool>>> = OnceLock::new();
    let probed = PROBED.get_or_init(|| {
        let ring = crate::raw::setup::Builder::new(2).build().ok()?;
        let probe = crate::raw::probe::Probe::new(&ring).ok()?;
        Some((0..=u8::MAX).map(|op| probe.supported(op)).collect())
    });
    probed.as_ref().and_then(|v| v.get(usize::from(opcode)).copied()).unwrap_or(false)
}

impl SendDriver for Handle<Linux> {
    fn new_timer(&self) -> Box<dyn PollTimer + Send> {
        Box::new(RemoteTimer { handle: self.clone(), deadline: None, armed: None })
    }

    fn new_fd_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollFdReady + Send>> {
        Ok(Box::new(RemoteReadiness { handle: self.clone(), fd, ready: 0, armed: None }))
    }

    fn new_socket_ready(&self, fd: SendFd) -> io::Result<Box<dyn PollSocketReady + Send>> {
        Ok(Box::new(RemoteReadiness { handle: self.clone(), fd, ready: 0, armed: None }))
    }

    fn new_wait(&self, fd: SendFd, read_size: usize) -> io::Result<Box<dyn PollWait + Send>> {
        check_read_size(read_size)?;
        Ok(Box::new(RemoteWait { handle: self.clone(), fd, size: read_size, state: RemoteWaitState::Idle }))
    }

    fn probe(&self, opcode: u8) -> bool {
        kernel_supports(opcode)
    }

    unsafe fn submit(&self, sqe: io_uring_sqe) -> BoxFuture<io::Result<i32>> {
        let join = self.spawn(move |d| {
            // SAFETY: the caller of `submit` promised that the SQE touches
            // only 'static memory and posts one terminal completion; `()`
            // owns nothing it needs.
            let op = unsafe { d.submit_raw((), move |_: &mut ()| sqe) };
            async move { result_of(op.await.0.res) }
        });
        Box::pin(async move { joined(join.await) })
    }
}
