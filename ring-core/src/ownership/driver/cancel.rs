//! Cancellation: a dropped future's operation is orphaned (its memory stays
//! in the table until its terminal completion, invariant 1) and cancelled.
//! Each cancellation the driver submits holds a CQ credit of its own until its
//! completion, so cancellations wait in a backlog when no credit is free.

#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::slot::{self, Phase, INTERNAL};
use crate::ownership::driver::wakers::NO_WAKER;
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
    pub(super) fn flush_cancels(&mut self) {
        if self.cancel_backlog.is_empty() {
            // Nothing queued, so nothing new to submit either (every reap
            // comes here).
            return;
        }
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
