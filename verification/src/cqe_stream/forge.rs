//! Forged completions: the `user_data` each [`Forge`] names (never a live
//! operation's current one), and their injection into the CQ.

use crate::cqe_stream::steps::Forge;
use crate::cqe_stream::world::{Live, World};
use ring_core::driver::WAKE_USER_DATA;
use ring_sys::*;
use std::collections::BTreeMap;

impl World {
    /// The generations of each entry the kernel has seen a request of.
    pub(super) fn seen_generations(&self) -> BTreeMap<u32, Vec<u32>> {
        let mut seen: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for ud in self.sim.execution_counts().keys() {
            let (index, generation) = (*ud as u32, (*ud >> 32) as u32);
            if index < self.cq_entries {
                seen.entry(index).or_default().push(generation);
            }
        }
        for g in seen.values_mut() {
            g.sort_unstable();
        }
        seen
    }

    /// The `user_data` an injected completion carries (see [`Forge`]).
    pub(super) fn forge(&self, to: Forge) -> u64 {
        let seen = self.seen_generations();
        let stale_of = |index: u32, generation: u32| -> u64 {
            // Any generation below the newest the kernel saw for the entry
            // is over: generations only grow.
            let newest = seen.get(&index).and_then(|g| g.last().copied()).unwrap_or(0);
            let g = if generation < newest { generation } else { newest.saturating_sub(1) };
            (u64::from(g) << 32) | u64::from(index)
        };
        match to {
            Forge::Stale(k) => {
                let live: Vec<u64> = self.live.iter().filter_map(Live::user_data).collect();
                if !live.is_empty() {
                    let ud = live[usize::from(k) % live.len()];
                    let (index, generation) = (ud as u32, (ud >> 32) as u32);
                    return (u64::from(generation - 1) << 32) | u64::from(index);
                }
                let indices: Vec<&u32> = seen.keys().collect();
                if indices.is_empty() {
                    return u64::from(k);
                }
                let index = *indices[usize::from(k) % indices.len()];
                stale_of(index, u32::from(k))
            }
            Forge::Gen0(index) => u64::from(u32::from(index) % self.cq_entries),
            Forge::PastTable(i, g) => {
                let index = self.cq_entries + i % (u32::MAX - 1 - self.cq_entries);
                (u64::from(g) << 32) | u64::from(index)
            }
            Forge::Wake => WAKE_USER_DATA,
            Forge::Raw(ud) => {
                let (index, generation) = (ud as u32, (ud >> 32) as u32);
                if index == u32::MAX {
                    // The internal tag (generation 0) is the driver's own.
                    if generation == 0 {
                        WAKE_USER_DATA
                    } else {
                        ud
                    }
                } else if index < self.cq_entries {
                    if generation == 0 || seen.get(&index).is_some_and(|g| generation < *g.last().unwrap()) {
                        ud
                    } else {
                        u64::from(index)
                    }
                } else {
                    ud
                }
            }
        }
    }

    pub(super) fn inject(&mut self, to: Forge, res: i32, flags: u32, big: Option<[u64; 2]>, mixed: bool) {
        let ud = self.forge(to);
        // A mixed ring's reader skips fillers, of either size, without
        // handing them out.
        let skipped = mixed && flags & IORING_CQE_F_SKIP != 0;
        if self.sim.inject_cqe(self.ring, ud, res, flags, big) && ud != WAKE_USER_DATA && !skipped {
            self.forged_stale += 1;
        }
    }
}
