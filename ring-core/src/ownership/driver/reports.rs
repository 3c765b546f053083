//! What the driver reports about itself: its counters ([`Stats`]) and
//! what its teardown did ([`TeardownReport`]). Plain values, apart from
//! the state that fills them so that the state's parts can all name them.

use core::time::Duration;

/// What happened at teardown.
///
/// ```
/// use ring_core::driver::{Stats, TeardownReport};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// rt.block_on(d.nop())??;
/// let stats: Stats = d.stats();
/// assert!(stats.started >= 1 && stats.completed >= 1);
/// let report: TeardownReport = d.shutdown();
/// assert_eq!(report.leaked, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeardownReport {
    /// Operations in flight when teardown began.
    pub in_flight: u32,
    /// Operations still in the kernel at the deadline (their memory was leaked).
    pub leaked: u32,
    /// How long teardown waited.
    pub waited: Duration,
}

/// Counters for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Operations started.
    pub started: u64,
    /// Terminal completions delivered to a live future.
    pub completed: u64,
    /// Terminal completions of orphaned operations.
    pub orphans_reaped: u64,
    /// Completions ignored as stale (generation mismatch).
    pub stale: u64,
    /// Cancellations submitted.
    pub cancels: u64,
    /// Times an operation had to wait for a credit.
    pub waited_for_credit: u64,
    /// `io_uring_enter` calls made by the driver.
    pub enters: u64,
    /// Transient enter errors (EINTR, EAGAIN, EBUSY) retried.
    pub transient_errors: u64,
}
