//! [`Sleep`] and [`Timeout`].
#![allow(unsafe_code)]

use crate::kernel::Linux;
use crate::op::Op;
use crate::ownership::deadline::{after, monotonic};
use crate::ownership::driver::{Driver, UserDeadline};
use crate::ownership::ops::Timeout as TimerOp;
use crate::runtime::executor::context;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Completes after `d` (see [`Sleep`]).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let start = Instant::now();
/// rt.block_on(ring_core::time::sleep(Duration::from_millis(10)))?;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sleep(d: Duration) -> Sleep {
    Sleep::at(after(d), None)
}

/// Completes at `deadline` (at once if it has passed; see [`Sleep`]).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let at = Instant::now() + Duration::from_millis(10);
/// rt.block_on(ring_core::time::sleep_until(at))?;
/// assert!(Instant::now() >= at);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::at(Some(deadline), None)
}

/// A timer on the ring: completes at its deadline.
///
/// Created by [`sleep`] and [`sleep_until`], which take the driver of the
/// loop running on the thread when first polled, or by [`Sleep::new_in`]
/// with a driver named. The kernel timer is armed at the first poll that
/// finds the deadline still ahead (an instant already passed completes
/// without a system call); dropping the `Sleep` cancels it.
///
/// If the driver is shut down while the timer is armed, the `Sleep`
/// completes early rather than never; so does one whose driver's ring is
/// still disabled (`IORING_SETUP_R_DISABLED`), where the kernel timer
/// cannot start.
///
/// # Panics
///
/// When polled with no driver named and no loop driving one on this
/// thread (outside `Runtime::block_on` and external loops): a misuse of
/// the program's structure, as tokio's timers panic outside a runtime. Use
/// [`Sleep::new_in`] there.
///
/// ```
/// use ring_core::time::{sleep, Sleep};
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let mut s: Sleep = sleep(Duration::from_millis(5));
///     assert!(!s.is_elapsed());
///     let deadline = s.deadline().expect("a deadline");
///     std::future::poll_fn(|cx| s.poll_elapsed(cx)).await;
///     assert!(s.is_elapsed() && Instant::now() >= deadline);
///     // Made ready again for a later deadline.
///     s.reset(Instant::now() + Duration::from_millis(1));
///     (&mut s).await;
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Sleep {
    /// `None`: never (a deadline past what an `Instant` holds).
    deadline: Option<Instant>,
    driver: Option<Driver<Linux>>,
    timer: Option<Op<TimerOp, Linux>>,
    /// Armed for `deadline` (a `reset` re-arms).
    armed_for: Option<Instant>,
    /// The deadline kept in user space while the timer waits for a credit
    /// (no kernel timer runs then).
    user: Option<UserDeadline<Linux>>,
    done: bool,
}

impl Sleep {
    fn at(deadline: Option<Instant>, driver: Option<Driver<Linux>>) -> Self {
        Sleep { deadline, driver, timer: None, armed_for: None, user: None, done: false }
    }

    /// A timer for `deadline` on `driver`, for loops that drive a driver
    /// themselves (no runtime or external loop needed on the thread).
    ///
    /// ```
    /// use ring_core::time::Sleep;
    /// use ring_core::Driver;
    /// use std::future::Future;
    /// use std::task::{Context, Poll, Waker};
    /// use std::time::{Duration, Instant};
    ///
    /// let d = Driver::new(8)?;
    /// let mut sleep = std::pin::pin!(Sleep::new_in(&d, Instant::now() + Duration::from_millis(5)));
    /// let mut cx = Context::from_waker(Waker::noop());
    /// while sleep.as_mut().poll(&mut cx).is_pending() {
    ///     d.park(None)?;
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_in(driver: &Driver<Linux>, deadline: Instant) -> Self {
        Sleep::at(Some(deadline), Some(driver.clone()))
    }

    /// The deadline (`None` for a sleep too long for an `Instant`, which
    /// never completes).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        self.done || self.deadline.is_some_and(|d| d <= Instant::now())
    }

    /// Moves the deadline (the armed kernel timer, if any, is cancelled and
    /// a new one armed at the next poll). For idle timeouts: reset on each
    /// sign of life.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let mut idle = ring_core::time::sleep(Duration::from_secs(3600));
    ///     idle.reset(Instant::now() + Duration::from_millis(5));
    ///     idle.await;
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.deadline = Some(deadline);
        self.done = false;
        if self.armed_for != Some(deadline) {
            // The old timer is orphaned: the driver cancels it.
            self.timer = None;
            self.armed_for = None;
            self.user = None;
        }
    }

    /// [`Future::poll`] for an `Unpin` owner.
    pub fn poll_elapsed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.done {
            return Poll::Ready(());
        }
        let Some(deadline) = self.deadline else { return Poll::Pending };
        if self.timer.is_none() {
            if deadline <= Instant::now() {
                self.done = true;
                return Poll::Ready(());
            }
            let driver = match &self.driver {
                Some(d) => d.clone(),
                None => match context::current_driver() {
                    Some(d) => {
                        self.driver = Some(d.clone());
                        d
                    }
                    None => panic!(
                        "ring_core::time: a timer was polled with no ring_core driver on this thread; poll it inside \
                         Runtime::block_on or an external loop (compat::ExternalLoop, compat::tokio::drive), or \
                         create it with Sleep::new_in / Timeout::new_in"
                    ),
                },
            };
            self.timer = Some(driver.sleep_until(monotonic(deadline)));
            self.armed_for = Some(deadline);
        }
        let timer = self.timer.as_mut().expect("armed above");
        match Pin::new(&mut *timer).poll(cx) {
            Poll::Ready(_) => {
                // Fired (`ETIME`), or the driver was shut down: either way
                // this timer is over.
                self.timer = None;
                self.user = None;
                self.done = true;
                Poll::Ready(())
            }
            Poll::Pending if timer.never_submitted() => {
                // The timer waits for a credit: no kernel timer runs, so
                // the deadline is kept in user space (the driver's park
                // ends by then), and once it passes the sleep is over and
                // the queued timer is withdrawn (it never reached the
                // kernel).
                if deadline <= Instant::now() {
                    self.timer = None;
                    self.user = None;
                    self.done = true;
                    return Poll::Ready(());
                }
                let shared = timer.shared.clone();
                self.user.get_or_insert_with(|| UserDeadline::new(shared)).watch(deadline, cx);
                Poll::Pending
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_elapsed(cx)
    }
}

impl core::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sleep").field("deadline", &self.deadline).field("done", &self.done).finish()
    }
}

/// The time ran out ([`timeout`]).
///
/// ```
/// use ring_core::time::{timeout, Elapsed};
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let r: Result<(), Elapsed> = rt.block_on(timeout(Duration::from_millis(1), std::future::pending()))?;
/// assert!(r.is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elapsed(());

impl core::fmt::Display for Elapsed {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(e: Elapsed) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, e)
    }
}

/// Runs `fut` for at most `d`: its output, or [`Elapsed`] (the future is
/// then dropped; see [`Timeout`]).
///
/// ```
/// use ring_core::time::timeout;
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     assert_eq!(timeout(Duration::from_secs(5), async { 1 }).await, Ok(1));
///     assert!(timeout(Duration::from_millis(5), std::future::pending::<()>()).await.is_err());
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn timeout<F: Future>(d: Duration, fut: F) -> Timeout<F> {
    Timeout { fut: Some(fut), sleep: Sleep::at(after(d), None) }
}

/// Runs `fut` until `deadline`: its output, or [`Elapsed`].
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let at = Instant::now() + Duration::from_millis(5);
/// let r = rt.block_on(ring_core::time::timeout_at(at, std::future::pending::<()>()))?;
/// assert!(r.is_err());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn timeout_at<F: Future>(deadline: Instant, fut: F) -> Timeout<F> {
    Timeout { fut: Some(fut), sleep: Sleep::at(Some(deadline), None) }
}

/// A future with a deadline: its output, or `Err(`[`Elapsed`]`)`.
///
/// The inner future is polled first, so an output that is ready when the
/// time runs out is returned, not lost. When the time runs out the inner
/// future is dropped at once, in place. For an [`Op`] that means it is
/// orphaned: the driver cancels it and keeps its buffer until the kernel's
/// completion, then drops it. Use
/// [`Op::with_timeout`](crate::Op::with_timeout) to get the buffer back.
///
/// Takes its driver as [`Sleep`] does (and panics as it does, polled
/// outside any loop).
///
/// ```
/// use ring_core::time::{timeout, Timeout};
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let t: Timeout<_> = timeout(Duration::from_secs(5), async { 7 });
///     assert!(t.get_ref().is_some());
///     // Taken out again: the inner future, not yet polled.
///     let inner = t.into_inner().expect("still there");
///     assert_eq!(timeout(Duration::from_secs(5), inner).await, Ok(7));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct Timeout<F> {
    fut: Option<F>,
    sleep: Sleep,
}

impl<F: Future> Timeout<F> {
    /// A deadline on `fut` with the timer on `driver`.
    ///
    /// ```
    /// use ring_core::time::Timeout;
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// let fut = Timeout::new_in(&d, Instant::now() + Duration::from_millis(5), std::future::pending::<()>());
    /// assert!(rt.block_on(fut)?.is_err());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_in(driver: &Driver<Linux>, deadline: Instant, fut: F) -> Self {
        Timeout { fut: Some(fut), sleep: Sleep::new_in(driver, deadline) }
    }

    /// The inner future, unless the time ran out.
    pub fn get_ref(&self) -> Option<&F> {
        self.fut.as_ref()
    }

    /// The inner future, if the time has not run out (consuming the
    /// deadline).
    pub fn into_inner(self) -> Option<F> {
        self.fut
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `fut` is structurally pinned: it is never moved out of
        // `self` while pinned (it is only polled in place through the pin
        // below and dropped in place by assigning `None`, which runs its
        // destructor where it lies, as the pinning contract allows), and
        // `Timeout` has no `Drop` impl that could move it. `sleep` is not
        // pinned (it is `Unpin`).
        let this = unsafe { self.get_unchecked_mut() };
        let Some(fut) = this.fut.as_mut() else {
            // Polled after it completed: stays pending.
            return Poll::Pending;
        };
        // SAFETY: see above; `fut` stays where it is until dropped in place.
        if let Poll::Ready(out) = unsafe { Pin::new_unchecked(fut) }.poll(cx) {
            this.fut = None;
            return Poll::Ready(Ok(out));
        }
        match this.sleep.poll_elapsed(cx) {
            Poll::Ready(()) => {
                // Dropped in place (an operation is orphaned: the driver
                // keeps its memory until the kernel is done).
                this.fut = None;
                Poll::Ready(Err(Elapsed(())))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> core::fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Timeout").field("sleep", &self.sleep).finish_non_exhaustive()
    }
}
