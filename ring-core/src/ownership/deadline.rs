//! A deadline on one operation that gives its output (and so its buffers)
//! back either way: [`Op::with_timeout`] and [`Op::with_deadline`].
//!
//! Where the kernel can, the operation and an `IORING_OP_LINK_TIMEOUT` are
//! started as a linked chain: the kernel arms the timer when it issues the
//! operation, cancels the operation if the timer fires first, and cancels
//! the timer if the operation finishes first. Each member is an ordinary
//! table entry, so the operation's value comes back with its completion
//! like any other. Otherwise (an operation already in flight, a kernel
//! without linked timeouts, a chain the ring cannot take) the operation
//! races a kernel timer, and when the timer wins it is cancelled
//! explicitly and awaited ([`Op::cancel`]).
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::op::{CancelOp, Cancelled, Op, OpState, Operation};
use crate::ownership::driver::{Link, Shared, StartChain, UserDeadline};
use crate::ownership::ops::{LinkTimeout, Timeout};
use crate::raw::cqueue::Cqe;
use crate::raw::ring_id::RingId;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The output of an operation given a deadline, and whether the deadline
/// cut it short. Either way the output is the operation's own (its result
/// and its buffers).
///
/// ```
/// use ring_core::time::Timed;
///
/// let t: Timed<u32> = Timed::TimedOut(7);
/// assert!(t.timed_out());
/// assert_eq!(t.into_inner(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timed<O> {
    /// The operation finished on its own: its result is genuine (also when
    /// it finished at the very moment the deadline passed).
    Completed(O),
    /// The deadline passed and the kernel cancelled the operation: its
    /// result is the cancellation (`ECANCELED`, or `EINTR` for a few
    /// operations), and its buffers are here.
    TimedOut(O),
}

impl<O> Timed<O> {
    /// The output, whichever way the operation ended.
    pub fn into_inner(self) -> O {
        match self {
            Timed::Completed(o) | Timed::TimedOut(o) => o,
        }
    }

    /// Whether the deadline cut the operation short.
    pub fn timed_out(&self) -> bool {
        matches!(self, Timed::TimedOut(_))
    }

    /// The output if the operation finished on its own.
    pub fn completed(self) -> Option<O> {
        match self {
            Timed::Completed(o) => Some(o),
            Timed::TimedOut(_) => None,
        }
    }
}

impl<O> From<Cancelled<O>> for Timed<O> {
    fn from(c: Cancelled<O>) -> Self {
        match c {
            Cancelled::Completed(o) => Timed::Completed(o),
            Cancelled::Cancelled(o) => Timed::TimedOut(o),
        }
    }
}

/// An operation whose output also carries the completion's raw result, so
/// that a cancellation can be told from the operation's own outcome.
struct Raw<T>(T);

// SAFETY: forwards every part of `T`'s contract unchanged (the SQE, the
// ring refusal, the 128-byte form, the completion count); only the
// completion is extended with the result code, read from the CQE.
unsafe impl<T: Operation> Operation for Raw<T> {
    type Output = (T::Output, i32);
    const CQES: u32 = T::CQES;

    fn prepare(&mut self) -> io_uring_sqe {
        self.0.prepare()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.0.refuse(ring)
    }

    // The checks against the state of the driver it starts on: without
    // these, a timed poll removal or file-table update skipped them.
    fn names(&self) -> Option<crate::ownership::operation::PollTarget> {
        self.0.names()
    }

    fn bare_file_slots(&self) -> Option<(u32, u32)> {
        self.0.bare_file_slots()
    }

    fn is_128(&self) -> bool {
        self.0.is_128()
    }

    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        self.0.prepare128()
    }

    fn complete(self, result: Cqe, last: Cqe) -> Self::Output {
        let res = result.res;
        (self.0.complete(result, last), res)
    }

    fn orphaned(self, result: Cqe, last: Cqe) {
        self.0.orphaned(result, last);
    }

    fn orphaned_cqe(&mut self, cqe: Cqe) {
        self.0.orphaned_cqe(cqe);
    }
}

/// Whether a result code is a cancellation.
fn is_cancellation(res: i32) -> bool {
    matches!(-res, libc::ECANCELED | libc::EINTR)
}

enum State<T: Operation, K: Kernel> {
    /// Not polled yet.
    Init(Op<T, K>, Option<Instant>),
    /// No deadline (one too far for an `Instant`): the operation alone.
    Plain(Op<T, K>),
    /// The chain of the operation and its linked timeout is starting.
    Starting {
        start: StartChain<K>,
        op: Link<Raw<T>>,
        timer: Link<Raw<LinkTimeout>>,
        at: Instant,
    },
    /// Both in the kernel; each output is kept until the other's arrives.
    Linked {
        op: Option<Op<Raw<T>, K>>,
        out: Option<(T::Output, i32)>,
        timer: Option<Op<Raw<LinkTimeout>, K>>,
        fired: Option<bool>,
    },
    /// The operation races a kernel timer.
    Racing {
        op: Op<T, K>,
        timer: Op<Timeout, K>,
        at: Instant,
    },
    /// The timer won: the operation is being cancelled.
    Cancelling(CancelOp<T, K>),
    Done,
}

/// The future of [`Op::with_timeout`] and [`Op::with_deadline`]: the
/// operation's output with whether the deadline cut it short ([`Timed`]).
///
/// Dropping it before it resolves drops the operation (and the timer) as
/// dropping an [`Op`] does: they are orphaned, the driver cancels them and
/// keeps their buffers until the kernel is done.
///
/// ```
/// use ring_core::time::{Timed, WithDeadline};
/// use ring_core::ops::Recv;
/// use std::rc::Rc;
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let a = Rc::new(a);
/// let timed: WithDeadline<Recv<Vec<u8>>, _> = d.recv(&a, Vec::with_capacity(32), 0).with_timeout(Duration::from_millis(5));
/// let out: Timed<_> = rt.block_on(timed)?;
/// assert!(out.timed_out());
/// // Either way the buffer comes back; `completed` is only for an
/// // operation that finished on its own.
/// let (_res, buf) = match out {
///     Timed::Completed(o) | Timed::TimedOut(o) => o,
/// };
/// assert_eq!(buf.capacity(), 32);
/// let t: Timed<u8> = Timed::Completed(1);
/// assert_eq!(t.completed(), Some(1));
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "an operation does nothing until polled"]
pub struct WithDeadline<T: Operation, K: Kernel> {
    shared: Rc<Shared<K>>,
    state: State<T, K>,
    /// The deadline kept in user space while nothing in the kernel times
    /// the operation (the chain, or the racing timer, still waits for a
    /// credit).
    user: UserDeadline<K>,
}

impl<T: Operation, K: Kernel> Unpin for WithDeadline<T, K> {}

impl<T: Operation, K: Kernel> Op<T, K> {
    /// Gives the operation a deadline `d` from now. Resolves to the
    /// operation's own output (its result and buffers) and whether the
    /// deadline cut it short: a buffer is never lost to a timeout.
    ///
    /// Where the kernel can (an operation not yet polled, a kernel with
    /// `IORING_OP_LINK_TIMEOUT`, 5.5), the deadline is a linked timeout
    /// on an absolute `CLOCK_MONOTONIC` instant, armed by the kernel when
    /// it issues the operation; otherwise the operation races a kernel
    /// timer and is cancelled explicitly when the timer wins. Either way
    /// the deadline counts from this call.
    ///
    /// ```
    /// use ring_core::time::Timed;
    /// use std::os::unix::net::UnixStream;
    /// use std::rc::Rc;
    /// use std::time::Duration;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// let (a, _b) = UnixStream::pair()?;
    /// let a = Rc::new(a);
    /// let (res, buf) = rt.block_on(async move {
    ///     match d.recv(&a, Vec::with_capacity(64), 0).with_timeout(Duration::from_millis(10)).await {
    ///         Timed::TimedOut(out) => out,
    ///         Timed::Completed(_) => unreachable!("nobody sends"),
    ///     }
    /// })?;
    /// assert!(res.is_err());
    /// assert_eq!(buf.capacity(), 64, "the buffer came back");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_timeout(self, d: Duration) -> WithDeadline<T, K> {
        let at = after(d);
        WithDeadline {
            shared: self.shared.clone(),
            user: UserDeadline::new(self.shared.clone()),
            state: State::Init(self, at),
        }
    }

    /// Gives the operation the deadline `at` (see
    /// [`with_timeout`](Self::with_timeout)). A deadline already passed
    /// cancels the operation as soon as the kernel issues it (or at once,
    /// if it is in flight).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// let r = rt.block_on(async move { d.nop().with_deadline(Instant::now() + Duration::from_secs(1)).await })?;
    /// assert!(!r.timed_out());
    /// r.into_inner()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_deadline(self, at: Instant) -> WithDeadline<T, K> {
        WithDeadline {
            shared: self.shared.clone(),
            user: UserDeadline::new(self.shared.clone()),
            state: State::Init(self, Some(at)),
        }
    }
}

impl<T: Operation, K: Kernel> WithDeadline<T, K> {
    /// The first poll: a linked chain if possible, a race otherwise.
    fn begin(&mut self, mut op: Op<T, K>, at: Option<Instant>) -> State<T, K> {
        let Some(at) = at else { return State::Plain(op) };
        let abs = monotonic(at);
        let waiting = matches!(op.state, OpState::Waiting { .. });
        if waiting && !op.cancel && self.shared.has_link_timeouts() {
            if let OpState::Waiting { op: value, ticket } = core::mem::replace(&mut op.state, OpState::Finished) {
                // Its place in the queue for a credit is given up: the chain
                // queues for its own.
                self.shared.forget_ticket(ticket);
                let mut chain = crate::ownership::driver::Chain::new(self.shared.clone());
                let op_link = chain.push(Raw(value));
                let timer = chain.push(Raw(LinkTimeout::at(abs)));
                return State::Starting { start: chain.start(), op: op_link, timer, at };
            }
        }
        let timer = Op::from_shared(self.shared.clone(), Timeout::absolute(abs));
        State::Racing { op, timer, at }
    }
}

impl<T: Operation, K: Kernel> Op<T, K> {
    /// An operation on the driver of `shared` (for ring-core's own futures).
    pub(crate) fn from_shared(shared: Rc<Shared<K>>, op: T) -> Self {
        Op { shared, state: OpState::Waiting { op, ticket: None }, cancel: false }
    }
}

impl<T: Operation, K: Kernel> Future for WithDeadline<T, K> {
    type Output = Timed<T::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Every future the state holds is polled where it lies: a poll that
        // unwinds (a waker's `clone` panicking inside the driver) leaves the
        // claims in place, and the next poll goes on from there.
        loop {
            match &mut this.state {
                State::Init(..) => {
                    let State::Init(op, at) = core::mem::replace(&mut this.state, State::Done) else { continue };
                    this.state = this.begin(op, at);
                }
                State::Plain(op) => {
                    let Poll::Ready(out) = Pin::new(op).poll(cx) else { return Poll::Pending };
                    this.state = State::Done;
                    return Poll::Ready(Timed::Completed(out));
                }
                State::Starting { start, op, timer, at } => match Pin::new(&mut *start).poll(cx) {
                    Poll::Pending => {
                        // Waiting for credits: nothing is in the kernel, so
                        // the deadline is enforced here. Once it passes the
                        // chain is withdrawn and the operation ends as
                        // cancelled, its value back, nothing to cancel.
                        let (op, at) = (*op, *at);
                        if Instant::now() < at {
                            this.user.watch(at, cx);
                            return Poll::Pending;
                        }
                        let Some(mut chain) = start.withdraw() else { return Poll::Pending };
                        this.user.clear();
                        let value = chain.take_back(op);
                        drop(chain);
                        let Some(Raw(value)) = value else {
                            // Not reached: the chain gives back what it took.
                            this.state = State::Done;
                            return Poll::Pending;
                        };
                        this.state = State::Cancelling(Op::from_shared(this.shared.clone(), value).cancel());
                    }
                    Poll::Ready(Ok(mut started)) => {
                        this.user.clear();
                        let (op, timer) = (*op, *timer);
                        this.state =
                            State::Linked { op: started.take(op), out: None, timer: started.take(timer), fired: None };
                    }
                    Poll::Ready(Err(mut refused)) => {
                        this.user.clear();
                        // The ring cannot take the chain (a 128-byte
                        // operation, an SQ too small, ...): nothing reached
                        // the kernel; the operation races a timer instead.
                        let (op, at) = (*op, *at);
                        let Some(Raw(value)) = refused.take(op) else {
                            // Not reached: the chain gives back what it took.
                            this.state = State::Done;
                            return Poll::Pending;
                        };
                        drop(refused);
                        let op = Op::from_shared(this.shared.clone(), value);
                        let timer = Op::from_shared(this.shared.clone(), Timeout::absolute(monotonic(at)));
                        this.state = State::Racing { op, timer, at };
                    }
                },
                State::Linked { op, out, timer, fired } => {
                    if let Some(o) = op.as_mut() {
                        if let Poll::Ready(v) = Pin::new(o).poll(cx) {
                            *out = Some(v);
                            *op = None;
                        }
                    }
                    if let Some(t) = timer.as_mut() {
                        if let Poll::Ready((_, res)) = Pin::new(t).poll(cx) {
                            // `-ECANCELED`: the operation finished first and
                            // the kernel disarmed the timer. Anything else
                            // (`-ETIME`, or the outcome of its attempt to
                            // cancel the operation) means it fired.
                            *fired = Some(res != -libc::ECANCELED);
                            *timer = None;
                        }
                    }
                    if out.is_none() || fired.is_none() {
                        return Poll::Pending;
                    }
                    let State::Linked { out: Some((v, res)), fired: Some(fired), .. } =
                        core::mem::replace(&mut this.state, State::Done)
                    else {
                        return Poll::Pending;
                    };
                    return Poll::Ready(if fired && is_cancellation(res) {
                        Timed::TimedOut(v)
                    } else {
                        Timed::Completed(v)
                    });
                }
                State::Racing { op, timer, at } => {
                    if let Poll::Ready(v) = Pin::new(op).poll(cx) {
                        // The timer is dropped (orphaned: the driver
                        // cancels it).
                        this.user.clear();
                        this.state = State::Done;
                        return Poll::Ready(Timed::Completed(v));
                    }
                    if Pin::new(&mut *timer).poll(cx).is_pending() {
                        if !timer.never_submitted() {
                            return Poll::Pending;
                        }
                        // The timer waits for a credit (every one is taken,
                        // perhaps by the operation itself): the deadline is
                        // kept in user space, and when it passes the
                        // operation is cancelled as if the timer fired.
                        if Instant::now() < *at {
                            this.user.watch(*at, cx);
                            return Poll::Pending;
                        }
                    }
                    this.user.clear();
                    let State::Racing { op, .. } = core::mem::replace(&mut this.state, State::Done) else { continue };
                    this.state = State::Cancelling(op.cancel());
                }
                State::Cancelling(c) => {
                    let Poll::Ready(out) = Pin::new(c).poll(cx) else { return Poll::Pending };
                    this.state = State::Done;
                    return Poll::Ready(out.into());
                }
                // Polled after it resolved: stays pending.
                State::Done => return Poll::Pending,
            }
        }
    }
}

impl<T: Operation, K: Kernel> core::fmt::Debug for WithDeadline<T, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Init(..) => "init",
            State::Plain(_) => "no deadline",
            State::Starting { .. } => "starting",
            State::Linked { .. } => "linked timeout",
            State::Racing { .. } => "racing a timer",
            State::Cancelling(_) => "cancelling",
            State::Done => "done",
        };
        f.debug_struct("WithDeadline").field("state", &state).finish()
    }
}

/// `at` as a point on `CLOCK_MONOTONIC` (the clock of the kernel's
/// absolute timeouts, [`crate::Driver::sleep_until`] and
/// [`crate::ops::LinkTimeout::at`]). An instant in the past gives a point
/// in the past (an absolute timeout there fires at once).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let soon = ring_core::time::monotonic(Instant::now() + Duration::from_secs(1));
/// let now = ring_core::time::monotonic(Instant::now());
/// assert!(soon > now);
/// ```
pub fn monotonic(at: Instant) -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec into `ts` during the call.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let now_clock = Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32);
    let now = Instant::now();
    match at.checked_duration_since(now) {
        Some(ahead) => now_clock.saturating_add(ahead),
        None => now_clock.saturating_sub(now.saturating_duration_since(at)),
    }
}

/// `now + d`, or `None` if that is past what an `Instant` can hold (a
/// deadline so far away is no deadline).
pub(crate) fn after(d: Duration) -> Option<Instant> {
    Instant::now().checked_add(d)
}
