//! When written SQEs are handed to the kernel.

/// Decides, after each SQE is written, whether to enter the kernel now.
///
/// Whatever it decides, everything written is submitted before the driver
/// waits for completions, so a strategy changes latency and the number of
/// system calls, never correctness.
///
/// ```
/// use ring_core::driver::{Batch, Immediate, SqPoll, SubmitStrategy};
/// use ring_core::{Builder, Driver};
///
/// // Submit once 8 entries wait, or when the driver parks.
/// let batched = Driver::with_ring(Builder::new(16).build()?, Batch { max: 8 });
/// let eager = Driver::with_ring(Builder::new(16).build()?, Immediate);
/// // `SqPoll` goes with a ring set up with a kernel poll thread
/// // (`Builder::sqpoll`), which publishing the tail wakes.
/// let _for_sqpoll_rings = SqPoll;
///
/// /// Submits every second entry.
/// struct Pairs;
/// impl SubmitStrategy for Pairs {
///     fn submit_now(&mut self, unsubmitted: u32) -> bool {
///         unsubmitted >= 2
///     }
/// }
/// let paired = Driver::with_ring(Builder::new(16).build()?, Pairs);
/// drop((batched, eager, paired));
/// # Ok::<(), std::io::Error>(())
/// ```
pub trait SubmitStrategy {
    /// Called after an SQE was written; `unsubmitted` entries are now
    /// waiting for the kernel. Return true to submit them now.
    fn submit_now(&mut self, unsubmitted: u32) -> bool;

    /// Whether [`submit_now`](SubmitStrategy::submit_now) always returns
    /// false, so that only parking submits. Asked once, when the driver is
    /// built; the driver then skips asking after every SQE (counting the
    /// unsubmitted entries reads a shared ring index). The default is false,
    /// which is always correct.
    fn submits_only_at_park(&self) -> bool {
        false
    }
}

/// Submit every SQE as soon as it is written: lowest latency, one system
/// call per operation.
#[derive(Debug, Default, Clone, Copy)]
pub struct Immediate;

impl SubmitStrategy for Immediate {
    fn submit_now(&mut self, _: u32) -> bool {
        true
    }
}

/// Submit when the executor is about to wait (or when `max` entries are
/// waiting): one system call per batch. The default.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    /// Submit early once this many entries are waiting.
    pub max: u32,
}

impl Default for Batch {
    fn default() -> Self {
        Batch { max: u32::MAX }
    }
}

impl SubmitStrategy for Batch {
    fn submit_now(&mut self, unsubmitted: u32) -> bool {
        unsubmitted >= self.max
    }

    fn submits_only_at_park(&self) -> bool {
        // No SQ holds `u32::MAX` entries, so the threshold is never reached.
        self.max == u32::MAX
    }
}

/// For rings set up with SQPOLL: publishing the tail is the submission, and
/// the driver enters the kernel only to wake the poll thread or to wait.
#[derive(Debug, Default, Clone, Copy)]
pub struct SqPoll;

impl SubmitStrategy for SqPoll {
    fn submit_now(&mut self, _: u32) -> bool {
        // `Ring::submit` under SQPOLL only publishes, and enters only if the
        // thread sleeps; asking for it after every push keeps the poll thread fed.
        true
    }
}
