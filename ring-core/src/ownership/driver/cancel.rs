//! Cancellation: a dropped future's operation is orphaned (its memory stays
//! in the table until its terminal completion, invariant 1) and cancelled.
//! Each cancellation the driver submits holds a CQ credit of its own until its
//! completion, so cancellations wait in a backlog when no credit is free.
//!
//! A backlog with no credit free can wait for ever: when the operations
//! holding every credit are the ones being cancelled (two multishot streams
//! on a CQ of two, dropped), no credit comes back until one of them ends,
//! and none ends until it is cancelled. So when no credit is free the driver
//! cancels from the register call instead (`IORING_REGISTER_SYNC_CANCEL`,
//! Linux 6.0, with a zero timeout so it never blocks), which posts no
//! completion of its own: the target's terminal completion, which its own
//! credits cover, is the only one. Kernels without it keep the backlog.

#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::slot::{self, Phase, INTERNAL};
use crate::ownership::driver::wakers::NO_WAKER;
use crate::raw::register::CancelBuilder;
use core::time::Duration;
use ring_sys::*;

impl<K: Kernel> Inner<K> {
    pub(super) fn request_cancel(&mut self, index: u32, generation: u32) {
        let Some(slot) = self.table.slots.get(index, generation) else { return };
        if slot.phase == Phase::Done || slot.cancel_sent || slot.cancel_wanted {
            return;
        }
        slot.cancel_wanted = true;
        self.cancel_backlog.push_back((index, generation));
        self.flush_cancels();
    }

    /// Submits queued cancellations while credits allow.
    #[inline(always)]
    pub(super) fn flush_cancels(&mut self) {
        // Nothing queued, so nothing new to submit either (every reap comes
        // here, and the test is all it costs then).
        if !self.cancel_backlog.is_empty() {
            self.flush_queued_cancels();
        }
    }

    /// [`flush_cancels`](Self::flush_cancels) with cancellations queued.
    #[inline(never)]
    fn flush_queued_cancels(&mut self) {
        // At teardown, when every credit is held by operations that may
        // never complete by themselves (reads of quiet sockets filling the
        // CQ's worth of credits), waiting for a credit would wait out the
        // deadline and leak them all. So teardown sends one cancellation
        // at a time without a credit: its completion may overflow the CQ,
        // which the kernel keeps (`IORING_FEAT_NODROP`) until the reap
        // flushes it, and it returns a credit for the next one.
        while self.table.credits > 0 || (self.closed && self.table.internal == 0) {
            let Some((index, generation)) = self.cancel_backlog.pop_front() else { break };
            let Some(slot) = self.table.slots.get(index, generation) else { continue };
            if slot.phase == Phase::Done || slot.cancel_sent {
                continue;
            }
            slot.cancel_wanted = false;
            slot.cancel_sent = true;
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_ASYNC_CANCEL;
            sqe.fd = -1;
            sqe.set_addr(slot::encode(index, generation));
            sqe.user_data = INTERNAL;
            if self.push(&sqe).is_err() {
                if let Some(slot) = self.table.slots.get(index, generation) {
                    slot.cancel_sent = false;
                    slot.cancel_wanted = true;
                }
                self.cancel_backlog.push_front((index, generation));
                break;
            }
            // An uncredited teardown cancellation takes nothing here, and
            // gives a credit back at its completion, as every cancellation does.
            self.table.credits = self.table.credits.saturating_sub(1);
            self.table.internal += 1;
            self.table.stats.cancels += 1;
        }
        self.maybe_submit();
        if self.table.credits == 0 && !self.cancel_backlog.is_empty() {
            self.cancel_without_credit();
        }
    }

    /// Cancels the backlog's operations from the register call, which needs
    /// no CQ credit (see the module's documentation). Each target must be
    /// known to the kernel first, so what is written is submitted. A target
    /// the kernel does not find (not consumed yet, under SQPOLL, or already
    /// completed, its completion waiting to be reaped) stays in the backlog
    /// for the next reap; a kernel without the register operation leaves it
    /// there for good, as before.
    fn cancel_without_credit(&mut self) {
        if self.no_sync_cancel {
            return;
        }
        let Some(ring) = self.ring.as_mut() else { return };
        if !ring.sq.is_empty() {
            self.table.stats.enters += 1;
            if ring.submit().is_err() {
                return;
            }
        }
        while let Some(&(index, generation)) = self.cancel_backlog.front() {
            let Some(slot) = self.table.slots.get(index, generation) else {
                self.cancel_backlog.pop_front();
                continue;
            };
            if slot.phase == Phase::Done || slot.cancel_sent {
                self.cancel_backlog.pop_front();
                continue;
            }
            let Some(ring) = self.ring.as_ref() else { return };
            let what = CancelBuilder::user_data(slot::encode(index, generation));
            match ring.cancel_sync(&what, Some(Duration::ZERO)) {
                // Cancelled, or (ETIME, after EALREADY) running and told to
                // stop: either way its terminal completion is on its way.
                Ok(_) => {}
                Err(e) if e.errno().is_some_and(|n| n.raw() == libc::ETIME) => {}
                Err(e) if e.errno().is_some_and(|n| n.raw() == libc::ENOENT) => return,
                Err(_) => {
                    self.no_sync_cancel = true;
                    return;
                }
            }
            self.cancel_backlog.pop_front();
            if let Some(slot) = self.table.slots.get(index, generation) {
                slot.cancel_wanted = false;
                slot.cancel_sent = true;
            }
            self.table.stats.cancels += 1;
        }
    }

    pub(super) fn orphan(&mut self, index: u32, generation: u32) {
        let Some(slot) = self.table.slots.get(index, generation) else { return };
        // A stream's completions that were queued for its owner and never
        // delivered go to the operation instead (a provided buffer in one
        // must be recycled), each exactly once: the queue is emptied here.
        if slot.multishot && matches!(slot.phase, Phase::InFlight | Phase::Done) {
            if let Some(queued) = slot.stream.take() {
                for cqe in *queued {
                    self.table.run_cqe_hook(index, cqe);
                }
            }
        }
        let Some(slot) = self.table.slots.get(index, generation) else { return };
        match slot.phase {
            Phase::Done => {
                // Completed but never collected: the kernel is done, free now.
                let last = slot.last;
                let result = if slot.has_result { slot.result } else { last };
                self.table.run_orphan_hook(index, result, last);
                self.table.free_entry(index);
                self.wake_first_waiter();
            }
            Phase::InFlight => {
                slot.phase = Phase::Orphaned;
                let w = core::mem::replace(&mut slot.waker, NO_WAKER);
                if let Some(w) = self.table.wakers.unregister(w) {
                    self.table.retired.push(w);
                }
                if !self.closed {
                    self.request_cancel(index, generation);
                }
            }
            Phase::Orphaned | Phase::Free => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ownership::driver::handle::Driver;
    use core::future::Future;
    use core::time::Duration;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::rc::Rc;
    use std::task::{Context, Waker};

    #[test]
    fn a_sent_cancellation_is_counted_until_its_completion() {
        let d = Driver::new(4).unwrap();
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: fresh descriptors we own.
        let (r, _w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let mut read = d.read(&Rc::new(r), Vec::<u8>::with_capacity(8));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(core::pin::Pin::new(&mut read).poll(&mut cx).is_pending());
        d.poll().unwrap();
        drop(read);
        assert_eq!(d.stats().cancels, 1);
        assert_eq!(d.shared.inner.borrow().table.internal, 1, "the cancellation holds a credit until it completes");
        while d.stats().orphans_reaped == 0 {
            d.park(Some(Duration::from_millis(5))).unwrap();
        }
        d.poll().unwrap();
        assert_eq!(d.shared.inner.borrow().table.internal, 0);
    }
}
