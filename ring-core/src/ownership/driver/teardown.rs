//! Teardown: when the last handle goes (or on `Driver::shutdown`), every
//! operation still in the kernel is cancelled and reaped until the deadline;
//! what is still in the kernel then is leaked with the whole table, never
//! freed (see the teardown policy in the folder's documentation). The state's
//! own drop runs the foreign code left and frees the storage.

#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::caught::Caught;
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::reports::TeardownReport;
use crate::ownership::driver::shared::{Deferred, Shared};
use crate::ownership::driver::slot::Phase;
use crate::ownership::driver::wakers::NO_WAKER;
use core::time::Duration;
use ring_sys::IORING_FEAT_EXT_ARG;
use std::time::Instant;

impl<K: Kernel> Shared<K> {
    /// Tears the driver down (see the module docs). `explicit` for
    /// [`Driver::shutdown`], which re-raises a panic of foreign code it ran;
    /// the last handle's drop keeps it instead.
    pub(crate) fn teardown(&self, explicit: bool) -> TeardownReport {
        self.run_deferred();
        let report = match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.teardown(self.deadline.get()),
            Err(_) => {
                // Called from inside the driver (a destructor it ran):
                // deferred to the end of what it is doing.
                self.deferred.borrow_mut().push(Deferred::Teardown);
                return TeardownReport::default();
            }
        };
        self.last_teardown.set(Some(report));
        // External loops wait for a signal no completion will give now.
        self.attend.torn_down();
        if explicit {
            self.settle();
        } else {
            self.settle_quietly();
        }
        report
    }
}

impl<K: Kernel> Drop for Shared<K> {
    fn drop(&mut self) {
        let deadline = self.deadline.get();
        // A panic kept for a turn that will never come: leaked, since
        // dropping a payload is foreign code too.
        core::mem::forget(self.panicked.take());
        let inner = self.inner.get_mut();
        if !inner.closed {
            inner.teardown(deadline);
        }
        // Nothing borrows the state any more (nothing else holds it): the
        // foreign code left (the orphans' finishers, the drops of wakers and
        // of values still stored) runs here directly, each call caught so
        // that one panic does not skip the others.
        let mut caught = Caught::default();
        for f in core::mem::take(&mut inner.table.finishers) {
            caught.run(f);
        }
        let mut table_wakers = Vec::new();
        inner.table.wakers.take_all(&mut table_wakers);
        let wakers = core::mem::take(&mut inner.table.retired)
            .into_iter()
            .chain(table_wakers)
            .chain(core::mem::take(&mut inner.woken_at_teardown))
            .chain(core::mem::take(&mut inner.wake_buf));
        for w in wakers {
            caught.run(move || drop(w));
        }
        let owned = core::mem::take(&mut inner.to_wake)
            .into_iter()
            .chain(core::mem::take(&mut inner.waiters).into_iter().filter_map(|(_, w)| w));
        for w in owned {
            caught.run(move || drop(w));
        }
        if let Some(storage) = inner.table.storage.take() {
            if inner.leaked {
                storage.leak();
            } else {
                // SAFETY: teardown saw every operation's terminal
                // completion (otherwise `leaked` would be set), so the
                // kernel uses none of the values any more.
                unsafe { storage.free(&mut caught) };
            }
        }
        if let Some(p) = caught.0 {
            if std::thread::panicking() {
                core::mem::forget(p);
            } else {
                std::panic::resume_unwind(p);
            }
        }
    }
}

impl<K: Kernel> Inner<K> {
    pub(super) fn teardown(&mut self, deadline: Duration) -> TeardownReport {
        let mut report = TeardownReport::default();
        if self.closed {
            return report;
        }
        self.closed = true;
        let start = Instant::now();
        // Every operation still in the kernel: live ones become orphans too,
        // since after teardown nothing will drive their completion.
        let mut targets = Vec::new();
        for (i, slot) in self.table.slots.iter_mut() {
            if matches!(slot.phase, Phase::InFlight | Phase::Orphaned) {
                report.in_flight += 1;
                if !slot.cancel_sent {
                    targets.push((i, slot.generation));
                }
            }
        }
        for (i, g) in targets {
            if let Some(slot) = self.table.slots.get(i, g) {
                slot.cancel_wanted = true;
            }
            self.cancel_backlog.push_back((i, g));
        }
        self.flush_cancels();
        loop {
            self.reap();
            let in_kernel = self
                .table
                .slots
                .iter_mut()
                .filter(|(_, s)| matches!(s.phase, Phase::InFlight | Phase::Orphaned))
                .count() as u32;
            if in_kernel == 0 && self.table.internal == 0 {
                break;
            }
            let elapsed = start.elapsed();
            if elapsed >= deadline {
                report.leaked = in_kernel;
                break;
            }
            self.flush_cancels();
            let Some(ring) = self.ring.as_mut() else { break };
            let left = deadline - elapsed;
            let r = if ring.has_feature(IORING_FEAT_EXT_ARG) {
                ring.submit_and_wait_timeout(1, left.min(Duration::from_millis(50)))
            } else {
                ring.submit_and_wait(1)
            };
            if let Err(e) = r {
                if !e.is_transient() {
                    report.leaked = in_kernel;
                    break;
                }
            }
        }
        report.waited = start.elapsed();
        if report.leaked > 0 {
            // The kernel may still write into these operations' memory after
            // the ring is closed: leak the whole table rather than free it.
            self.leaked = true;
        }
        // Waiters will find the driver closed.
        for (_, w) in self.waiters.drain(..) {
            self.to_wake.extend(w);
        }
        for (_, slot) in self.table.slots.iter_mut() {
            slot.waker = NO_WAKER;
        }
        self.table.wakers.take_all(&mut self.woken_at_teardown);
        self.ring = None;
        report
    }
}
