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
        core::mem::forget(inner.strategy_panic.take());
        // Teardown runs if it never ran or did not finish (the ring is
        // still open): whether it began is no answer to whether the kernel
        // is done with the table.
        if !inner.torn_down() {
            inner.teardown(deadline);
        }
        // The foreign code run below cannot change a phase (nothing else
        // holds the state), so the answer holds until the storage goes.
        let kernel_owns = inner.kernel_may_use_table();
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
        // The caller's strategy is foreign code too: its drop is caught
        // like the others (one of the crate's own takes its place).
        let strategy = core::mem::replace(
            &mut inner.strategy,
            crate::ownership::driver::held_drive::HeldDrive::Own(
                crate::ownership::driver::held_drive::OwnStrategy::Immediate,
            ),
        );
        caught.run(move || drop(strategy));
        if let Some(storage) = inner.table.storage.take() {
            if kernel_owns {
                storage.leak();
            } else {
                // SAFETY: no entry is in flight or orphaned: every operation
                // that reached the kernel had its terminal completion reaped,
                // so the kernel uses none of the values any more.
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
    /// Whether teardown finished: the ring is gone. `closed` only says that
    /// it began; a teardown that did not finish runs again.
    pub(super) fn torn_down(&self) -> bool {
        self.ring.is_none()
    }

    /// Whether the kernel may still use the table's memory, read from the
    /// entries themselves: one still in the kernel (in flight or orphaned)
    /// means it may, whatever else happened on the way here.
    pub(super) fn kernel_may_use_table(&mut self) -> bool {
        self.leaked || self.table.slots.iter_mut().any(|(_, s)| matches!(s.phase, Phase::InFlight | Phase::Orphaned))
    }

    pub(super) fn teardown(&mut self, deadline: Duration) -> TeardownReport {
        let mut report = TeardownReport::default();
        if self.torn_down() {
            return report;
        }
        self.closed = true;
        self.not_open = true;
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

#[cfg(test)]
mod tests {
    use crate::ownership::driver::handle::Driver;
    use core::future::Future;
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::net::UnixStream;
    use std::rc::Rc;
    use std::task::{Context, Waker};
    use std::time::Duration;

    /// A teardown that began (`closed` set) but did not finish, with a read
    /// still in the kernel and the ring kept open by a duplicate of its
    /// descriptor: the state's drop finishes the teardown or leaks, and
    /// never frees the read's buffer (checked with canaries).
    #[test]
    fn a_teardown_that_did_not_finish_frees_nothing_in_the_kernel() {
        const N: usize = 4096;
        let d = Driver::new(8).unwrap();
        let (rx, mut tx) = UnixStream::pair().unwrap();
        let rx = Rc::new(rx);
        let mut read = d.read(&rx, Vec::<u8>::with_capacity(N));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(core::pin::Pin::new(&mut read).poll(&mut cx).is_pending());
        d.poll().unwrap();
        let ring_fd = d.shared.inner.borrow().ring.as_ref().and_then(|r| r.fd()).expect("a ring with a descriptor");
        // SAFETY: dup has no memory effects; the copy is owned below.
        let dup = unsafe { libc::dup(ring_fd) };
        assert!(dup >= 0);
        // SAFETY: a fresh descriptor we own.
        let keep_ring = unsafe { OwnedFd::from_raw_fd(dup) };
        // Teardown began and was interrupted before it did anything.
        d.shared.inner.borrow_mut().closed = true;
        drop(read);
        drop(d);
        let canaries: Vec<Vec<u8>> = (0..256).map(|_| vec![0xCC; N]).collect();
        tx.write_all(&[0xAB; N]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let hit = canaries.iter().filter(|c| c.iter().any(|&b| b != 0xCC)).count();
        rx.set_nonblocking(true).unwrap();
        let _ = (&*rx).read(&mut [0u8; N]);
        drop(keep_ring);
        assert_eq!(hit, 0, "the kernel wrote into memory the table freed");
    }
}
