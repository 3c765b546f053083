//! Completion routing: each completion the ring yields goes to the entry whose
//! `user_data` (index and generation) it carries, and only while that
//! generation is current (invariant 2); the driver's own tags and stale
//! completions are counted and dropped. Returns the credits of a terminal
//! completion and marks its owner's waker due; an orphan's terminal completion
//! queues its `orphaned` call and frees its entry.

#![allow(unsafe_code)]

use crate::ownership::driver::slot::{Phase, INTERNAL, WAKE};
use crate::ownership::driver::table::Table;
use crate::raw::cqueue::Cqe;

impl Table {
    /// Routes one completion.
    #[inline(always)]
    pub(super) fn dispatch(&mut self, cqe: Cqe) {
        // The common case inline: the single completion of an operation
        // whose owner is waiting for it. Everything else (the driver's own
        // requests, stale completions, streams, zero-copy sends, orphans) is
        // routed by `dispatch_other`.
        // The driver's own tags (index `u32::MAX`) name no entry, so the
        // lookup sends them to `dispatch_other` too.
        if !cqe.more() {
            if let Some(slot) = self.slots.lookup_in_flight(cqe.user_data) {
                if !slot.multishot && !slot.has_result {
                    // The only completion: it is both the result and the
                    // last (`result` stays unset; readers fall back to `last`).
                    // Stored field by field, from the registers the entry
                    // was read into: a whole-struct copy goes through the
                    // stack, where a 16-byte load of two 8-byte stores
                    // cannot be forwarded and stalls every completion.
                    slot.last.user_data = cqe.user_data;
                    slot.last.res = cqe.res;
                    slot.last.flags = cqe.flags;
                    slot.last.big = cqe.big;
                    self.credits += core::mem::take(&mut slot.credits);
                    slot.phase = Phase::Done;
                    // The owner keeps its waker registered until it collects
                    // the output (or drops the future).
                    self.wakers.mark_due(slot.waker);
                    return;
                }
            }
        }
        self.dispatch_other(cqe);
    }

    /// Routes a completion that is not the plain case of [`dispatch`](Self::dispatch).
    #[cold]
    #[inline(never)]
    pub(super) fn dispatch_other(&mut self, cqe: Cqe) {
        match cqe.user_data {
            INTERNAL => {
                self.internal = self.internal.saturating_sub(1);
                self.credits += 1;
                return;
            }
            WAKE => return,
            _ => {}
        }
        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {
            self.stats.stale += 1;
            return;
        };
        let terminal = !cqe.more();
        if slot.multishot {
            if slot.phase == Phase::Orphaned {
                // An orphaned stream's items have nobody to go to; the
                // operation sees them (to recycle a provided buffer).
                if let (Some(hook), Some(storage)) = (slot.cqe_hook, self.storage.as_ref()) {
                    // SAFETY: as in `run_cqe_hook`: a live entry of this
                    // type whose owner is gone.
                    unsafe { hook(storage, index as usize, cqe) };
                }
            } else {
                slot.stream.get_or_insert_with(Box::default).push_back(cqe);
            }
        } else if !slot.has_result {
            slot.result = cqe;
            slot.has_result = true;
        }
        if !terminal {
            if slot.multishot && slot.phase == Phase::InFlight {
                self.wakers.mark_due(slot.waker);
            }
            return;
        }
        slot.last = cqe;
        self.credits += core::mem::take(&mut slot.credits);
        match slot.phase {
            Phase::InFlight => {
                slot.phase = Phase::Done;
                // The owner keeps its waker registered until it collects the
                // output (or drops the future).
                self.wakers.mark_due(slot.waker);
            }
            Phase::Orphaned => {
                let result = if slot.has_result { slot.result } else { cqe };
                self.run_orphan_hook(index, result, cqe);
                self.free_entry(index);
                self.stats.orphans_reaped += 1;
            }
            Phase::Done | Phase::Free => {}
        }
    }
}
