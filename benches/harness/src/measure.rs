//! What a window measures: the process's CPU time, the operations and
//! bytes the workload counts, and the snapshots a window runs between.

use crate::counting_alloc::allocations;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// User plus system CPU time of this process so far, all threads included
/// (live and exited), from `getrusage(RUSAGE_SELF)`. The kernel's io_uring
/// worker threads (io-wq) belong to the process and are counted too.
pub fn cpu_time() -> Duration {
    let (user, sys) = cpu_times();
    user + sys
}

/// User and system CPU time of this process so far, separately (see
/// [`cpu_time`]).
pub fn cpu_times() -> (Duration, Duration) {
    // SAFETY: `rusage` is plain data for which all-zero is valid;
    // `getrusage` writes it and reads nothing else.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `rusage` the call may write.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) cannot fail with a valid pointer");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    (tv(ru.ru_utime), tv(ru.ru_stime))
}

static OPS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Counts `n` completed operations (reads, requests) for the current
/// window. One relaxed atomic add, the same in every stack's binary.
#[inline]
pub fn add_ops(n: u64) {
    OPS.fetch_add(n, Ordering::Relaxed);
}

/// Counts `n` bytes echoed (the echo servers count bytes; the client's
/// message size turns them into round trips).
#[inline]
pub fn add_bytes(n: u64) {
    BYTES.fetch_add(n, Ordering::Relaxed);
}

/// Operations counted so far with [`add_ops`].
pub fn ops() -> u64 {
    OPS.load(Ordering::Relaxed)
}

/// Bytes counted so far with [`add_bytes`].
pub fn bytes() -> u64 {
    BYTES.load(Ordering::Relaxed)
}

/// The process's counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    cpu: Duration,
    sys: Duration,
    allocs: u64,
    ops: u64,
    bytes: u64,
}

impl Snapshot {
    /// Takes the counters now. The allocation count is read first, so
    /// that nothing this call does is counted.
    pub fn now() -> Self {
        let allocs = allocations();
        let ops = ops();
        let bytes = bytes();
        let (user, sys) = cpu_times();
        Snapshot { at: Instant::now(), cpu: user + sys, sys, allocs, ops, bytes }
    }

    /// The window from `self` to `later`, with the operations counted by
    /// [`add_ops`] in between.
    pub fn to(&self, later: &Snapshot) -> Measured {
        Measured {
            wall: later.at.saturating_duration_since(self.at),
            cpu: later.cpu.saturating_sub(self.cpu),
            sys: later.sys.saturating_sub(self.sys),
            allocs: later.allocs - self.allocs,
            ops: later.ops - self.ops,
            bytes: later.bytes - self.bytes,
        }
    }

    /// The window from `self` to now, with `ops` operations counted by the
    /// caller (for loops that count in a local variable).
    pub fn finish(&self, ops: u64) -> Measured {
        let mut m = self.to(&Snapshot::now());
        m.ops = ops;
        m
    }
}

/// The figures of one measured window.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock time.
    pub wall: Duration,
    /// CPU time of the whole process (user + system).
    pub cpu: Duration,
    /// The system (kernel) part of `cpu`.
    pub sys: Duration,
    /// Heap allocations counted by [`CountingAlloc`](crate::CountingAlloc).
    pub allocs: u64,
    /// Operations.
    pub ops: u64,
    /// Bytes counted by [`add_bytes`].
    pub bytes: u64,
}
