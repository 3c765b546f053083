//! How a simulated kernel is configured, and what it counts.

use super::mem::WordLayout;
use ring_sys::*;
use std::time::Duration;

/// How the simulated kernel behaves, fixed when it is created.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The value every ring's SQ and CQ head and tail start at; just below
    /// `u32::MAX` makes every index wrap early.
    pub start_index: u32,
    /// Where the shared words sit in the ring memory (Linux 6.x or 5.x).
    pub layout: WordLayout,
    /// The `IORING_FEAT_*` bits reported by setup (and honoured:
    /// `SINGLE_MMAP`, `NODROP`, `EXT_ARG`, `REG_REG_RING`).
    pub features: u32,
    /// Whether `IORING_SETUP_NO_SQARRAY` is accepted (a 6.6 kernel).
    pub no_sqarray: bool,
    /// Under SQPOLL, run the poll thread as a real thread rather than
    /// only when the test calls [`SimKernel::sqpoll_step`](crate::sim::SimKernel::sqpoll_step) (or a wait needs it).
    pub sqpoll_thread: bool,
    /// How many empty turns the SQPOLL thread takes before it sleeps.
    pub sqpoll_idle_steps: u32,
    /// Whether a wait that cannot be satisfied moves the virtual clock to
    /// the next deadline (otherwise only [`SimKernel::advance`](crate::sim::SimKernel::advance) moves it).
    pub auto_advance: bool,
    /// Whether `IORING_REGISTER_RING_FDS` works (5.18).
    pub register_ring_fds: bool,
    /// Whether `IORING_REGISTER_SYNC_CANCEL` works (6.0).
    pub sync_cancel: bool,
    /// How long, in real time, a wait may block on the SQPOLL thread (in
    /// thread mode) before it is declared a stall.
    pub thread_wait: Duration,
    /// Whether reads and writes that carry `RWF_*` flags are refused with
    /// `EOPNOTSUPP` (a kernel or file that does not take them).
    pub rw_flags_unsupported: bool,
}

/// Every feature the simulator can honour.
pub const SIM_FEATURES: u32 = IORING_FEAT_SINGLE_MMAP
    | IORING_FEAT_NODROP
    | IORING_FEAT_SUBMIT_STABLE
    | IORING_FEAT_RW_CUR_POS
    | IORING_FEAT_CUR_PERSONALITY
    | IORING_FEAT_FAST_POLL
    | IORING_FEAT_POLL_32BITS
    | IORING_FEAT_SQPOLL_NONFIXED
    | IORING_FEAT_EXT_ARG
    | IORING_FEAT_NATIVE_WORKERS
    | IORING_FEAT_CQE_SKIP
    | IORING_FEAT_LINKED_FILE
    | IORING_FEAT_REG_REG_RING
    | IORING_FEAT_NO_IOWAIT;

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            start_index: 0,
            layout: WordLayout::Packed,
            features: SIM_FEATURES,
            no_sqarray: true,
            sqpoll_thread: false,
            sqpoll_idle_steps: 2,
            auto_advance: true,
            register_ring_fds: true,
            sync_cancel: true,
            thread_wait: Duration::from_secs(10),
            rw_flags_unsupported: false,
        }
    }
}

/// Counters of what the simulated kernel did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// `io_uring_enter` calls.
    pub enters: u64,
    /// Enters failed by fault injection.
    pub enter_faults: u64,
    /// Enters limited to fewer SQEs by fault injection.
    pub short_submits: u64,
    /// SQEs consumed.
    pub consumed: u64,
    /// Completions produced (posted, parked or deferred).
    pub posted: u64,
    /// Requests finished.
    pub finished: u64,
    /// Completions parked on overflow.
    pub overflowed: u64,
    /// Parked completions later flushed into the CQ.
    pub flushed: u64,
    /// Completions dropped (no NODROP, or injected).
    pub dropped: u64,
    /// Completions for a ring that was already gone.
    pub discarded: u64,
    /// Entries the SQPOLL thread consumed.
    pub sqpoll_consumed: u64,
    /// Times the SQPOLL thread went to sleep.
    pub sqpoll_sleeps: u64,
    /// Times an enter woke it.
    pub sqpoll_wakeups: u64,
    /// Link chains split by a short submission the simulated kernel chose
    /// (`Chaos::short_submit` without `Chaos::whole_chains`).
    pub chains_split: u64,
}
