//! The CQ poster: completions posted into a ring's CQ, or parked on its
//! overflow list when the CQ is full, or on its task work under
//! `DEFER_TASKRUN`, and flushed from there.

use super::state::{Post, RingState, SimState};
use core::sync::atomic::Ordering;
use ring_sys::*;
use std::os::fd::RawFd;

impl SimState {
    /// Posts a completion for a request of ring `ring`: into the CQ, the
    /// overflow list, or (`DEFER_TASKRUN`, outside a wait) the task work
    /// list. `counts` is false for timeouts, whose completions do not
    /// count towards other timeouts.
    pub fn post(&mut self, ring: RawFd, p: Post, counts: bool) {
        *self.posted.entry(p.user_data).or_default() += 1;
        self.stats.posted += 1;
        self.changes += 1;
        let Some(r) = self.rings.get_mut(&ring) else {
            return;
        };
        if counts {
            r.completions += 1;
        }
        if r.mem.is_none() {
            // The ring is gone; the completion has nowhere to go.
            self.stats.discarded += 1;
            return;
        }
        if r.flags & IORING_SETUP_DEFER_TASKRUN != 0 && !r.in_wait {
            r.task_work.push_back(p);
            if r.flags & IORING_SETUP_TASKRUN_FLAG != 0 {
                if let Some(m) = &r.mem {
                    m.sq_flags().fetch_or(IORING_SQ_TASKRUN, Ordering::Relaxed);
                }
            }
            return;
        }
        self.post_now(ring, p);
    }

    /// Posts into the CQ, or parks or drops on overflow.
    pub(crate) fn post_now(&mut self, ring: RawFd, p: Post) {
        let drop_it = self.rng.chance(self.chaos.drop_overflow);
        let r = self.rings.get_mut(&ring).expect("caller checked");
        if r.overflow.is_empty() && r.write_cqe(p, &mut self.violations) {
            return;
        }
        let mem = r.mem.as_ref().expect("caller checked");
        if r.features & IORING_FEAT_NODROP == 0 || drop_it {
            // The kernel's `io_account_cq_overflow`: count it and lose it.
            let o = mem.cq_overflow();
            o.store(o.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
            r.lost = r.features & IORING_FEAT_NODROP != 0;
            self.stats.dropped += 1;
            return;
        }
        if r.overflow.is_empty() {
            mem.sq_flags().fetch_or(IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
        }
        r.overflow.push_back(p);
        self.stats.overflowed += 1;
    }

    /// Moves parked completions into the CQ while there is room, and
    /// clears `IORING_SQ_CQ_OVERFLOW` once none is left.
    pub fn flush_overflow(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        while let Some(&p) = r.overflow.front() {
            if !r.write_cqe(p, &mut self.violations) {
                break;
            }
            r.overflow.pop_front();
            self.stats.flushed += 1;
            self.changes += 1;
        }
        if r.overflow.is_empty() {
            if let Some(m) = &r.mem {
                m.sq_flags().fetch_and(!IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
            }
        }
    }

    /// Runs deferred task work: posts the completions `DEFER_TASKRUN` held.
    pub fn run_task_work(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        let work = core::mem::take(&mut r.task_work);
        if let Some(m) = &r.mem {
            m.sq_flags().fetch_and(!IORING_SQ_TASKRUN, Ordering::Relaxed);
        }
        for p in work {
            self.changes += 1;
            self.post_now(ring, p);
        }
    }

    /// Completions in the CQ the application has not consumed.
    pub fn cq_ready(&self, ring: RawFd) -> u32 {
        let r = &self.rings[&ring];
        match &r.mem {
            Some(m) => r.cq_tail.wrapping_sub(m.cq_head().load(Ordering::Acquire)),
            None => 0,
        }
    }

    // ---- consuming SQEs ----
}

impl RingState {
    /// Writes one completion into the CQ if it fits. The CQ head is loaded
    /// with acquire first: it pairs with the application's release store,
    /// so its reads of the slot happen before we overwrite it.
    pub fn write_cqe(&mut self, p: Post, violations: &mut Vec<String>) -> bool {
        let Some(mem) = &self.mem else { return false };
        let entries = mem.cq_entries;
        let mask = entries - 1;
        let head = mem.cq_head().load(Ordering::Acquire);
        let used = self.cq_tail.wrapping_sub(head);
        if used > entries {
            violations.push(format!(
                "the CQ head {head:#x} is past the tail {:#x}: the application consumed entries never posted",
                self.cq_tail
            ));
            return false;
        }
        let free = entries - used;
        let cqe = |flags: u32| io_uring_cqe { user_data: p.user_data, res: p.res, flags, big_cqe: [] };
        if self.flags & IORING_SETUP_CQE32 != 0 {
            if free == 0 {
                return false;
            }
            let unit = ((self.cq_tail & mask) as usize) * 2;
            // SAFETY: slot `tail & mask` is free (acquired head) and its two
            // units lie inside the CQE array.
            unsafe { mem.write_cqe(unit, cqe(p.flags), Some(p.big.unwrap_or([0; 2]))) };
            self.cq_tail = self.cq_tail.wrapping_add(1);
        } else if self.flags & IORING_SETUP_CQE_MIXED != 0 && p.big.is_some() {
            let mut free = free;
            if self.cq_tail & mask == mask {
                // As `io_cqe_cache_refill`: the filler goes into the last
                // slot as soon as that slot is free, whether or not the
                // entry then fits at the start of the ring (if it does not,
                // it waits in the overflow list and the filler stays).
                if free == 0 {
                    return false;
                }
                let filler = io_uring_cqe { user_data: 0, res: 0, flags: IORING_CQE_F_SKIP, big_cqe: [] };
                // SAFETY: the last slot is free (checked above) and in bounds.
                unsafe { mem.write_cqe(mask as usize, filler, None) };
                self.cq_tail = self.cq_tail.wrapping_add(1);
                free -= 1;
                // Release: the filler is published even if the entry waits.
                mem.cq_tail().store(self.cq_tail, Ordering::Release);
            }
            if free < 2 {
                return false;
            }
            let unit = (self.cq_tail & mask) as usize;
            // SAFETY: two free consecutive slots, the second not wrapping
            // (the filler above moved us off the last slot).
            unsafe { mem.write_cqe(unit, cqe(p.flags | IORING_CQE_F_32), p.big) };
            self.cq_tail = self.cq_tail.wrapping_add(2);
        } else {
            if free == 0 {
                return false;
            }
            // SAFETY: slot `tail & mask` is free and in bounds.
            unsafe { mem.write_cqe((self.cq_tail & mask) as usize, cqe(p.flags), None) };
            self.cq_tail = self.cq_tail.wrapping_add(1);
        }
        // Release: the entry is written before the application can see
        // the tail that covers it.
        mem.cq_tail().store(self.cq_tail, Ordering::Release);
        true
    }
}
