//! A request's run: started once its chain predecessor finished (or held
//! by chaos), finished with its completion (cancelling or starting the rest
//! of its chain), released from hold, and the virtual clock that fires
//! timeouts.

use super::request::Kind;
use super::state::{shuffle, Post, Req, SimState};
use ring_sys::*;
use std::time::Duration;

impl SimState {
    /// A request becomes active: its chain predecessor finished (or it has none).
    pub fn start(&mut self, id: u64) {
        let hold = self.chaos.hold;
        let now = self.now;
        let Some(req) = self.reqs.get_mut(&id) else {
            return;
        };
        req.linked = false;
        self.changes += 1;
        // A request that failed preparation, or belongs to a chain that
        // did, completes (with its error, or -ECANCELED) when `settle`
        // runs it, in submission order, and is never held.
        let doomed = req.chain.is_some_and(|c| self.doomed.contains(&c));
        if doomed || matches!(req.kind, Kind::Fail(_)) {
            if !matches!(req.kind, Kind::Fail(_)) {
                req.kind = Kind::Fail(-libc::ECANCELED);
            }
            return;
        }
        let completions = self.rings.get(&req.ring).map_or(0, |r| r.completions);
        req.kind.arm(now, completions);
        req.hold = hold;
        self.preselect(id);
    }

    /// Ends a request: posts its terminal completion (unless
    /// `IOSQE_CQE_SKIP_SUCCESS` applies) and moves its chain on.
    pub fn finish(&mut self, req: Req, mut p: Post, failed: bool) {
        p.user_data = req.user_data;
        if let Some(sel) = req.kind.selected() {
            // A buffer the request took is reported with its completion,
            // whatever the result (`io_put_kbuf`).
            p.flags |= sel.cqe_flags();
        }
        let skip = req.flags & IOSQE_CQE_SKIP_SUCCESS != 0 && !failed;
        if !skip {
            let counts = !matches!(req.kind, Kind::Timeout { .. });
            self.post(req.ring, p, counts);
        }
        self.stats.finished += 1;
        self.changes += 1;
        let Some(chain) = req.chain else { return };
        if !req.links_next() {
            self.doomed.remove(&chain);
            return;
        }
        let next = self.reqs.values().find(|r| r.chain == Some(chain) && r.linked).map(|r| r.id);
        let Some(next) = next else { return };
        let hard = req.flags & IOSQE_IO_HARDLINK != 0;
        if failed && !hard {
            // The rest of the chain is cancelled, in order; a member that
            // failed its own preparation reports that error instead.
            let next = self.reqs.remove(&next).expect("present");
            let res = match next.kind {
                Kind::Fail(e) => e,
                _ => -libc::ECANCELED,
            };
            self.finish(next, Post { user_data: 0, res, flags: 0, big: None }, true);
        } else {
            self.start(next);
        }
    }

    /// Runs every active request until nothing changes: the simulated
    /// kernel's "time passes with no new input".
    pub fn settle(&mut self) {
        loop {
            let before = self.changes;
            let ids: Vec<u64> = self.reqs.values().filter(|r| !r.linked && !r.hold).map(|r| r.id).collect();
            for id in ids {
                if let Some(req) = self.reqs.remove(&id) {
                    if let Some(req) = self.run(req) {
                        self.reqs.insert(req.id, req);
                    }
                }
            }
            if self.changes == before {
                break;
            }
        }
    }

    /// Releases held requests and notifications: each with probability
    /// one half (`all` releases every one), in random order.
    pub fn release_random(&mut self, all: bool) -> usize {
        let mut ids: Vec<u64> =
            self.reqs.values().filter(|r| !r.linked && (r.hold || r.kind.notif_waiting())).map(|r| r.id).collect();
        shuffle(&mut self.rng, &mut ids);
        let mut n = 0;
        for id in ids {
            if !all && self.rng.below(2) == 0 {
                continue;
            }
            self.release_id(id);
            n += 1;
        }
        n
    }

    /// Releases one request (from chaos hold, or its held notification).
    pub fn release_id(&mut self, id: u64) -> bool {
        let Some(r) = self.reqs.get_mut(&id) else {
            return false;
        };
        let was = r.hold || r.kind.notif_waiting();
        // Releasing a held request runs it; a zero-copy send then posts its
        // result, and its notification stays held (with
        // `Chaos::shuffle_notifs`) for a later release, so that the
        // application sees the result alone first, as it may from the
        // kernel. Releasing a send whose notification is held posts it.
        if !r.hold {
            r.kind.allow_notif();
        }
        r.hold = false;
        self.changes += 1;
        if let Some(req) = self.reqs.remove(&id) {
            if let Some(req) = self.run(req) {
                self.reqs.insert(req.id, req);
            }
        }
        self.settle();
        was
    }

    // ---- SQPOLL ----

    /// The earliest deadline of an armed, unheld timeout.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.reqs.values().filter(|r| !r.linked && !r.hold).filter_map(|r| r.kind.deadline()).min()
    }

    /// Moves the virtual clock forward and fires what is due.
    pub fn advance_to(&mut self, t: Duration) {
        if t > self.now {
            self.now = t;
            self.changes += 1;
        }
        self.settle();
    }
}
