//! Deadlines kept in user space for operations that never reached the
//! kernel: an operation (or a timer) still queued for a credit has no
//! kernel timer to wake it, so its deadline is kept here. The driver's park
//! is bounded by the earliest one (an `IORING_ENTER_EXT_ARG` timeout, which
//! takes no SQE and no CQ credit), and the turn that finds one passed wakes
//! its future, which then ends the operation itself: nothing of it is in
//! the kernel, so nothing needs cancelling.

use core::task::Waker;
use std::collections::BTreeMap;
use std::time::Instant;

/// The deadlines of futures waiting in user space, earliest first; each
/// key is unique (its instant and a serial).
#[derive(Default)]
pub(crate) struct UserDeadlines {
    serial: u64,
    wakers: BTreeMap<(Instant, u64), Waker>,
}

impl UserDeadlines {
    /// The earliest deadline kept.
    pub(super) fn earliest(&self) -> Option<Instant> {
        self.wakers.keys().next().map(|(at, _)| *at)
    }

    /// Takes out the wakers of every deadline not after `now`, for the
    /// caller to wake outside the borrow.
    pub(super) fn take_due(&mut self, now: Instant) -> Vec<Waker> {
        if self.earliest().is_none_or(|first| first > now) {
            return Vec::new();
        }
        let later = self.wakers.split_off(&(now, u64::MAX));
        core::mem::replace(&mut self.wakers, later).into_values().collect()
    }

    /// Keeps `waker` for `at`; returns its key.
    pub(super) fn insert(&mut self, at: Instant, waker: Waker) -> (Instant, u64) {
        self.serial += 1;
        let key = (at, self.serial);
        self.wakers.insert(key, waker);
        key
    }

    /// Takes out the waker kept under `key`, for the caller to drop outside the borrow.
    pub(super) fn remove(&mut self, key: (Instant, u64)) -> Option<Waker> {
        self.wakers.remove(&key)
    }

    /// Whether `key` is kept with a waker that wakes as `waker` does.
    pub(super) fn wakes_as(&self, key: (Instant, u64), waker: &Waker) -> bool {
        self.wakers.get(&key).is_some_and(|w| w.will_wake(waker))
    }
}
