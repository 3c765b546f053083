//! The test's hand on the simulated kernel: its faults (the chaos knobs, a
//! scripted enter fault, held completions and notifications released),
//! its virtual clock, and the simulated SQPOLL thread's turns.

use super::chaos::{Chaos, EnterFault, Rng};
use super::state::{self, Obj, SimState};
use super::SimKernel;
use std::os::fd::RawFd;
use std::time::Duration;

impl SimKernel {
    // ---- fault injection ----

    /// Replaces the random fault knobs (and reseeds the generator).
    pub fn set_chaos(&self, chaos: Chaos) {
        let mut st = self.lock();
        st.rng = Rng::new(chaos.seed);
        st.chaos = chaos;
    }

    /// Queues a scripted outcome for the next enter that has none yet.
    pub fn script(&self, fault: EnterFault) {
        self.lock().script.push_back(fault);
    }

    /// Releases the first held request with this `user_data` (or its held
    /// zero-copy notification) and runs it. Returns whether one was held.
    pub fn release(&self, user_data: u64) -> bool {
        let mut st = self.lock();
        let id = st
            .reqs
            .values()
            .find(|r| r.user_data == user_data && !r.linked && (r.hold || r.kind.notif_waiting()))
            .map(|r| r.id);
        id.is_some_and(|id| st.release_id(id))
    }

    /// Releases a random half of the held requests, in random order.
    pub fn release_some(&self) -> usize {
        self.lock().release_random(false)
    }

    /// Releases every held request and notification, in random order.
    pub fn release_all(&self) -> usize {
        let mut st = self.lock();
        let mut n = 0;
        loop {
            let k = st.release_random(true);
            if k == 0 {
                return n;
            }
            n += k;
        }
    }

    /// Posts every held zero-copy notification, in random order.
    pub fn release_notifs(&self) -> usize {
        let mut st = self.lock();
        let mut ids: Vec<u64> = st.reqs.values().filter(|r| r.kind.notif_waiting() && !r.hold).map(|r| r.id).collect();
        state::shuffle(&mut st.rng, &mut ids);
        for id in &ids {
            st.release_id(*id);
        }
        ids.len()
    }

    // ---- time ----

    /// The virtual clock.
    pub fn now(&self) -> Duration {
        self.lock().now
    }

    /// Moves the virtual clock forward by `d`, firing due timeouts.
    pub fn advance(&self, d: Duration) {
        let mut st = self.lock();
        let t = st.now + d;
        st.advance_to(t);
    }

    // ---- SQPOLL ----

    /// One turn of every ring's SQPOLL thread (in step mode); returns the
    /// entries consumed.
    pub fn sqpoll_step(&self) -> u32 {
        let mut st = self.lock();
        let rings: Vec<RawFd> = st.rings.keys().copied().collect();
        rings.into_iter().map(|r| st.sqpoll_step(r)).sum()
    }

    /// Whether some ring's SQPOLL thread is asleep.
    pub fn sqpoll_asleep(&self) -> bool {
        self.lock().rings.values().any(|r| r.sqpoll.as_ref().is_some_and(|s| !s.awake))
    }
}

impl SimState {
    /// The fault for the next enter: the script first, then chance.
    pub(super) fn next_fault(&mut self, to_submit: u32) -> EnterFault {
        if let Some(f) = self.script.pop_front() {
            return f;
        }
        if self.rng.chance(self.chaos.enter_fail) {
            let errs = if self.chaos.enter_errors.is_empty() {
                vec![libc::EAGAIN, libc::EINTR, libc::EBUSY]
            } else {
                self.chaos.enter_errors.clone()
            };
            let i = self.rng.below(errs.len() as u64) as usize;
            EnterFault::Fail(errs[i])
        } else if to_submit > 0 && self.rng.chance(self.chaos.short_submit) {
            EnterFault::Short(self.rng.below(u64::from(to_submit)) as u32)
        } else {
            EnterFault::Pass
        }
    }

    /// Releases one random held request; false if none is held.
    pub(super) fn release_one_random(&mut self) -> bool {
        let ids: Vec<u64> = self.reqs.values().filter(|r| !r.linked && r.hold).map(|r| r.id).collect();
        if ids.is_empty() {
            return false;
        }
        let id = ids[self.rng.below(ids.len() as u64) as usize];
        self.release_id(id)
    }

    /// Posts one random held zero-copy notification; false if none is held.
    pub(super) fn release_one_notif(&mut self) -> bool {
        let ids: Vec<u64> = self.reqs.values().filter(|r| !r.hold && r.kind.notif_waiting()).map(|r| r.id).collect();
        if ids.is_empty() {
            return false;
        }
        let id = ids[self.rng.below(ids.len() as u64) as usize];
        self.release_id(id)
    }

    /// Closes a model object; a pipe's readers then see end of file.
    pub(crate) fn close_obj(&mut self, fd: RawFd) -> bool {
        match self.objs.remove(&fd) {
            Some(Obj::PipeW(p)) => {
                self.pipes[p].writer_open = false;
                self.pipes[p].edge += 1;
                self.changes += 1;
                true
            }
            Some(_) => true,
            None => false,
        }
    }
}
