//! The table of operations in flight: the entries (their phases, hooks and
//! wakers), the storage their values live in, and the credits. Everything a
//! completion updates is here and nothing else, so that completions can be
//! routed into the table (see `routing.rs`) while the ring is being read.

#![allow(unsafe_code)]

use crate::ownership::driver::hooks::Finisher;
use crate::ownership::driver::reports::Stats;
use crate::ownership::driver::slot::Slots;
use crate::ownership::driver::storage::Storage;
use crate::ownership::driver::wakers::{Retired, Wakers};
use crate::raw::cqueue::Cqe;

/// The table of operations in flight and everything a completion updates.
pub(super) struct Table {
    /// The entries, each with its operation's hooks (see [`OrphanHook`]).
    pub(super) slots: Slots,
    /// `None` once leaked at teardown.
    pub(super) storage: Option<Storage>,
    /// Free CQ credits.
    pub(super) credits: u32,
    /// The driver's own requests in the kernel (each holds one credit).
    pub(super) internal: u32,
    /// The serial of the last operation a [`crate::ownership::operation::PollTarget`] may
    /// name (see `Slot::serial`).
    pub(super) serials: u64,
    /// The distinct wakers of the operations in flight.
    pub(super) wakers: Wakers,
    /// Orphans' `orphaned` calls, run outside the borrow.
    pub(super) finishers: Vec<Finisher>,
    /// Wakers replaced or left behind by released entries, dropped outside
    /// the borrow (a foreign waker's destructor may call into the driver).
    pub(super) retired: Vec<Retired>,
    pub(super) stats: Stats,
}

impl Table {
    /// Returns entry `index` to the free list and releases its waker.
    #[inline(always)]
    pub(super) fn free_entry(&mut self, index: u32) {
        let w = self.slots.release(index);
        // Kept as the most recent waker: see `Wakers::release`.
        if let Some(w) = self.wakers.release(w) {
            self.retired.push(w);
        }
    }

    /// Hands a completion of an orphaned multishot operation to the
    /// operation (see [`Operation::orphaned_cqe`]).
    pub(super) fn run_cqe_hook(&mut self, index: u32, cqe: Cqe) {
        if let (Some(hook), Some(storage)) = (self.slots.at(index).cqe_hook, self.storage.as_ref()) {
            // SAFETY: the entry is live (its terminal completion is being handled or has not been taken out yet), the
            // hook was stored for the type in this cell, and its owner is gone, so nothing else references the value
            // during the call.
            unsafe { hook(storage, index as usize, cqe) };
        }
    }

    pub(super) fn run_orphan_hook(&mut self, index: u32, result: Cqe, last: Cqe) {
        if let (Some(hook), Some(storage)) = (self.slots.at(index).orphan_hook.take(), self.storage.as_ref()) {
            // SAFETY: the operation ended (terminal completion seen), and the
            // hook was stored for the type in this cell.
            if let Some(f) = unsafe { hook(storage, index as usize, result, last) } {
                self.finishers.push(f);
            }
        }
    }
}
