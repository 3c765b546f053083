//! [`Interval`]: ticks at a fixed period.

use super::sleep::Sleep;
use crate::kernel::Linux;
use crate::ownership::driver::Driver;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What an [`Interval`] does when ticks were missed (the task was busy, or
/// not polled, past one or more periods).
///
/// With a 10 ms period started at 0 and a tick taken late at 35 ms
/// (ticks at 10, 20 and 30 missed):
///
/// | behaviour | next ticks |
/// |---|---|
/// | `Burst` (default) | 35 (for 10), 35 (for 20), 35 (for 30), then 40, 50 |
/// | `Delay` | 35 (for 10), then 45, 55 |
/// | `Skip` | 35 (for 10), then 40, 50 |
///
/// The default is tokio's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Every missed tick is delivered, at once, until the interval has
    /// caught up; then the original schedule goes on.
    #[default]
    Burst,
    /// One tick for all the missed ones; the schedule restarts a period
    /// after that tick.
    Delay,
    /// One tick for all the missed ones; the schedule keeps its original
    /// phase (the next tick is the next multiple of the period).
    Skip,
}

/// Ticks every `period`, the first tick at once (see [`Interval`]).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let start = Instant::now();
/// rt.block_on(async {
///     let mut every = ring_core::time::interval(Duration::from_millis(5));
///     for _ in 0..3 {
///         every.tick().await;
///     }
/// })?;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period` from `start` (see [`Interval`]).
///
/// ```
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let start = Instant::now() + Duration::from_millis(5);
/// let first = rt.block_on(async { ring_core::time::interval_at(start, Duration::from_secs(1)).tick().await })?;
/// assert_eq!(first, start);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval::build(start, period, None)
}

/// Ticks at `start`, `start + period`, `start + 2 * period`, ...
///
/// [`tick`](Self::tick) resolves at the next scheduled instant and returns
/// it. If ticks were missed, [`MissedTickBehavior`] says what happens
/// (by default every missed tick is delivered at once). A zero period is
/// taken as one nanosecond (the interval then ticks whenever polled),
/// rather than refused; a period above 2³² seconds is taken as that.
///
/// Each tick is one kernel timeout on the ring (none when the tick is
/// already due). For a kernel-side repeating timer without a system call
/// per tick, see [`Driver::ticks`](crate::Driver::ticks) (a multishot
/// timeout, 6.4), whose missed ticks are the kernel's business.
///
/// Takes its driver as [`Sleep`] does (and panics as it does, polled
/// outside any loop).
///
/// ```
/// use ring_core::time::{interval, Interval, MissedTickBehavior, Tick};
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let start = Instant::now();
///     let mut every: Interval = interval(Duration::from_millis(5));
///     every.set_missed_tick_behavior(MissedTickBehavior::Skip);
///     assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
///     assert_eq!(every.period(), Duration::from_millis(5));
///     every.tick().await; // the first tick is at once
///     let next: Tick<'_> = every.tick();
///     next.await;
///     every.reset(); // the next tick a full period from now
///     let at = std::future::poll_fn(|cx| every.poll_tick(cx)).await;
///     assert!(at >= start + Duration::from_millis(10));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Interval {
    next: Instant,
    period: Duration,
    missed: MissedTickBehavior,
    sleep: Sleep,
}

impl Interval {
    fn build(start: Instant, period: Duration, driver: Option<&Driver<Linux>>) -> Self {
        // At least a nanosecond (a zero period is not refused), at most
        // about 136 years (so no schedule overflows an `Instant`).
        let period = period.clamp(Duration::from_nanos(1), Duration::from_secs(u64::from(u32::MAX)));
        let sleep = match driver {
            Some(d) => Sleep::new_in(d, start),
            None => super::sleep_until(start),
        };
        Interval { next: start, period, missed: MissedTickBehavior::default(), sleep }
    }

    /// An interval with its timers on `driver`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let mut iv = ring_core::time::Interval::new_in(rt.driver(), Instant::now(), Duration::from_millis(1));
    /// rt.block_on(async { iv.tick().await; iv.tick().await })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new_in(driver: &Driver<Linux>, start: Instant, period: Duration) -> Self {
        Interval::build(start, period, Some(driver))
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what happens to missed ticks.
    ///
    /// ```
    /// use ring_core::time::{interval, MissedTickBehavior};
    /// use std::time::Duration;
    ///
    /// let mut iv = interval(Duration::from_secs(1));
    /// iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, b: MissedTickBehavior) {
        self.missed = b;
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.next = Instant::now() + self.period;
        self.sleep.reset(self.next);
    }

    /// Waits for the next tick and returns its scheduled instant.
    pub fn tick(&mut self) -> Tick<'_> {
        Tick { interval: self }
    }

    /// [`tick`](Self::tick) as a poll function.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.sleep.deadline() != Some(self.next) {
            self.sleep.reset(self.next);
        }
        if self.sleep.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let tick = self.next;
        let now = Instant::now();
        let scheduled = tick + self.period;
        self.next = if scheduled > now {
            scheduled
        } else {
            match self.missed {
                MissedTickBehavior::Burst => scheduled,
                MissedTickBehavior::Delay => now + self.period,
                MissedTickBehavior::Skip => {
                    // The first instant of the original schedule after now.
                    let behind = now.duration_since(tick).as_nanos();
                    let period = self.period.as_nanos();
                    let steps = behind / period + 1;
                    let ahead = period.saturating_mul(steps);
                    tick.checked_add(Duration::from_nanos(u64::try_from(ahead).unwrap_or(u64::MAX)))
                        .unwrap_or(now + self.period)
                }
            }
        };
        Poll::Ready(tick)
    }
}

/// The future of [`Interval::tick`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Tick<'a> {
    interval: &'a mut Interval,
}

impl Future for Tick<'_> {
    type Output = Instant;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Instant> {
        self.interval.poll_tick(cx)
    }
}
