//! The SQ consumer: SQEs read from a ring's SQ into requests (by the
//! application's enter or the SQPOLL thread), and link chains assembled.

use super::request::Kind;
use super::state::{Req, SimState};
use core::sync::atomic::{fence, Ordering};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimState {
    /// Consumes up to `max` published SQEs of `ring`, as `io_submit_sqes`
    /// does, and starts them. Returns how many entries were consumed.
    ///
    /// `short` says that `max` is the simulated kernel's own short
    /// submission (fault injection), not the application's bound: with
    /// `Chaos::whole_chains` it then runs on to the end of a chain it
    /// stopped inside. A submission that ends inside a chain at the
    /// application's bound is recorded in `split_chains`.
    pub fn consume(&mut self, ring: RawFd, max: u32, short: bool) -> u32 {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        let Some(mem) = &r.mem else { return 0 };
        let entries = mem.sq_entries;
        let mask = entries - 1;
        // Acquire: pairs with the application's release store of the tail,
        // so the SQEs (and array slots) written before it are visible.
        let tail = mem.sq_tail().load(Ordering::Acquire);
        let mut avail = tail.wrapping_sub(r.sq_head);
        if avail > entries {
            self.violations.push(format!(
                "ring {ring}: the SQ tail {tail:#x} is {avail} entries past the head {:#x}, more than the ring holds",
                r.sq_head
            ));
            avail = entries;
        }
        let mut want = max.min(avail);
        let whole = short && self.chaos.whole_chains;
        let mixed = r.flags & IORING_SETUP_SQE_MIXED != 0;
        let shift = u32::from(r.flags & IORING_SETUP_SQE128 != 0);
        let mut raw = Vec::new();
        let mut pos = 0;
        while pos < want {
            let p = r.sq_head.wrapping_add(pos);
            let idx = if mem.has_array {
                // SAFETY: position `p` is below the acquired tail.
                unsafe { mem.array_at(p) }
            } else {
                p & mask
            };
            if idx >= entries {
                // An invalid index: counted as dropped, and submission stops.
                let d = mem.sq_dropped();
                d.store(d.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
                raw.push(None);
                break;
            }
            // SAFETY: `idx < entries`, so the unit (and its second half with
            // SQE128) is inside the array; the entry is below the acquired tail.
            let sqe = unsafe { mem.sqe_unit((idx << shift) as usize) };
            let big = mixed && matches!(sqe.opcode, IORING_OP_NOP128 | IORING_OP_URING_CMD128);
            if big && (idx == mask || pos + 1 >= want) {
                // A 128-byte entry must not straddle the ring's end, and
                // both halves must be published.
                raw.push(Some((sqe, Some(-libc::EINVAL))));
                break;
            }
            raw.push(Some((sqe, None)));
            pos += if big { 2 } else { 1 };
            if whole && pos >= want && pos < avail && sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0 {
                // A short submission of our own choosing: take the rest of
                // the chain too (it is published whole, or the application
                // split it, which the check below reports).
                want = pos + 1;
            }
        }
        // Where the submission ended: inside a chain (the last SQE taken
        // links on), although nothing stopped it early (a bad index or
        // entry, a failed preparation: see below).
        let ends_in_chain = pos >= want
            && matches!(raw.last(), Some(Some((sqe, None))) if sqe.flags & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) != 0);
        // Prepare each request (this is where the kernel copies what it
        // needs from user memory), stopping at a failure as the kernel
        // does unless `IORING_SETUP_SUBMIT_ALL`.
        let submit_all = r.flags & IORING_SETUP_SUBMIT_ALL != 0;
        let mut consumed = 0u32;
        let mut batch = Vec::new();
        let mut stopped = false;
        for item in raw {
            let Some((sqe, err)) = item else {
                consumed += 1;
                stopped = true;
                break;
            };
            let big = mixed && matches!(sqe.opcode, IORING_OP_NOP128 | IORING_OP_URING_CMD128) && err.is_none();
            consumed += if big { 2 } else { 1 };
            *self.executions.entry(sqe.user_data).or_default() += 1;
            self.stats.consumed += 1;
            let req = self.prep(ring, &sqe, err);
            let stop = matches!(req.kind, Kind::Fail(_)) && !req.links_next() && !submit_all;
            batch.push(req);
            if stop {
                stopped = true;
                break;
            }
        }
        if ends_in_chain && !stopped {
            if short && want < avail {
                self.stats.chains_split += 1;
            } else {
                let last = batch.last().map_or(0, |r: &Req| r.user_data);
                self.split_chains.push(format!(
                    "ring {ring}: a submission of {consumed} entries ended inside a link chain (after user_data {last:#x}): \
                     chains do not span submission boundaries, so the rest of it will run unlinked"
                ));
            }
        }
        let r = self.rings.get_mut(&ring).expect("caller checked");
        r.sq_head = r.sq_head.wrapping_add(consumed);
        if let Some(mem) = &r.mem {
            // Release: our reads of the entries happen before the
            // application may reuse their slots.
            mem.sq_head().store(r.sq_head, Ordering::Release);
        }
        self.assemble(batch);
        consumed
    }

    /// Links a batch of prepared requests into chains and starts the heads.
    fn assemble(&mut self, batch: Vec<Req>) {
        let mut chain: Option<u64> = None;
        let mut heads = Vec::new();
        for mut req in batch {
            match chain {
                Some(c) => {
                    req.chain = Some(c);
                    req.linked = true;
                }
                None => {
                    if req.links_next() {
                        req.chain = Some(req.id);
                    }
                    heads.push(req.id);
                }
            }
            if let (Kind::Fail(_), Some(c)) = (&req.kind, req.chain) {
                self.doomed.insert(c);
            }
            chain = if req.links_next() { req.chain } else { None };
            self.reqs.insert(req.id, req);
        }
        for id in heads {
            self.start(id);
        }
    }

    /// One turn of the SQPOLL thread: consume what is published, or go
    /// towards sleep. Returns the number of entries consumed.
    pub fn sqpoll_step(&mut self, ring: RawFd) -> u32 {
        let short = self.rng.chance(self.chaos.short_submit);
        let idle_limit = self.cfg.sqpoll_idle_steps.max(1);
        let Some(r) = self.rings.get_mut(&ring) else {
            return 0;
        };
        let Some(mem) = &r.mem else { return 0 };
        let Some(sp) = &mut r.sqpoll else { return 0 };
        if !sp.awake || r.closed {
            return 0;
        }
        let pending = mem.sq_tail().load(Ordering::Acquire).wrapping_sub(r.sq_head);
        if pending > 0 {
            sp.idle = 0;
            let max = if short && pending > 1 { 1 + self.rng.below(u64::from(pending - 1)) as u32 } else { pending };
            let n = self.consume(ring, max, max < pending);
            self.stats.sqpoll_consumed += u64::from(n);
            self.settle();
            return n;
        }
        sp.idle += 1;
        if sp.idle >= idle_limit {
            // Going to sleep, as `io_sq_thread` does: set NEED_WAKEUP, a
            // full barrier (`smp_mb__after_atomic`), then look at the tail
            // once more. This pairs with the application's tail store,
            // fence, flags load: one of the two sides must see the other.
            mem.sq_flags().fetch_or(IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let tail = mem.sq_tail().load(Ordering::Acquire);
            if tail != r.sq_head {
                mem.sq_flags().fetch_and(!IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
                sp.idle = 0;
            } else {
                sp.awake = false;
                self.stats.sqpoll_sleeps += 1;
            }
        }
        0
    }

    /// `IORING_ENTER_SQ_WAKEUP`: wakes the poll thread.
    pub fn sqpoll_wake(&mut self, ring: RawFd) {
        let r = self.rings.get_mut(&ring).expect("caller checked");
        if let (Some(sp), Some(mem)) = (&mut r.sqpoll, &r.mem) {
            if !sp.awake {
                self.stats.sqpoll_wakeups += 1;
            }
            sp.awake = true;
            sp.idle = 0;
            mem.sq_flags().fetch_and(!IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
        }
    }

    /// Whether the poll thread sleeps while published entries wait.
    pub fn sqpoll_stranded(&self, ring: RawFd) -> bool {
        let r = &self.rings[&ring];
        match (&r.sqpoll, &r.mem) {
            (Some(sp), Some(m)) => !sp.awake && m.sq_tail().load(Ordering::Acquire) != r.sq_head,
            _ => false,
        }
    }

    // ---- the clock ----
}
