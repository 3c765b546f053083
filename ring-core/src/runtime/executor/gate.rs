//! The hand-off between a runtime about to block in the ring and a thread
//! that gives it work.
//!
//! The runtime: announce "parked", full fence, look for work one last time,
//! and block in `io_uring_enter` only if there is none. The waker: publish
//! the work, full fence, and if the runtime announced "parked", signal it
//! (an eventfd write, which completes the read the runtime keeps in the
//! ring). This is the store-buffering shape of the SQPOLL wake-up
//! (`crate::order::sqpoll_wakeup_fence`): with weaker orderings each side
//! can miss the other's store, and the runtime sleeps with work queued while
//! nobody signals it. The verification crate model-checks this type under
//! loom (`verification/tests/loom_handle.rs`).

use crate::order::{PARKED_FLAG, PARK_FENCE};
use crate::sync::{fence, AtomicBool};

/// The "parked" flag and the two halves of its protocol.
#[derive(Debug)]
pub struct ParkGate {
    parked: AtomicBool,
}

impl Default for ParkGate {
    fn default() -> Self {
        Self::new()
    }
}

impl ParkGate {
    /// A gate whose runtime is not parked.
    pub fn new() -> Self {
        ParkGate { parked: AtomicBool::new(false) }
    }

    /// Runtime side, before its last look for work: from here on a waker
    /// that publishes work will signal.
    #[inline]
    pub fn announce_park(&self) {
        self.parked.store(true, PARKED_FLAG);
        fence(PARK_FENCE);
    }

    /// Runtime side, after waking (or deciding not to block).
    #[inline]
    pub fn end_park(&self) {
        self.parked.store(false, PARKED_FLAG);
    }

    /// Waker side, after publishing work: whether the runtime may be
    /// blocked and must be signalled.
    #[inline]
    pub fn needs_signal(&self) -> bool {
        fence(PARK_FENCE);
        self.parked.load(PARKED_FLAG)
    }
}
