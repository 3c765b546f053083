//! What a test can read of the simulated kernel: requests in flight and the
//! memory they hold, violations, stalls, split chains, counters, and the
//! rings' state; and completions it injects as another ring would post them.

use super::state;
use super::{Inflight, InflightState, SimKernel, SimStats};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimKernel {
    // ---- inspection ----

    /// Where ring `ring`'s SQ tail word lives, for a test thread that reads
    /// it as the kernel would (an acquire load) as fast as it can, without
    /// the simulator's lock. The word stays valid until the ring is
    /// unmapped (its driver or `Ring` dropped): the reader must stop
    /// before that.
    pub fn sq_tail_ptr(&self, ring: RawFd) -> Option<*const std::sync::atomic::AtomicU32> {
        let st = self.lock();
        let r = st.rings.get(&ring).filter(|r| !r.closed)?;
        Some(core::ptr::from_ref(r.mem.as_ref()?.sq_tail()))
    }

    /// The SQ tail of ring `ring` as the kernel would read it now (an
    /// acquire load, as the SQPOLL thread's and `io_submit_sqes`' are), or
    /// `None` if the ring is closed or unmapped. A test may call it from
    /// another thread while the application writes entries, to see every
    /// tail the application ever makes visible.
    pub fn sq_tail(&self, ring: RawFd) -> Option<u32> {
        let st = self.lock();
        let r = st.rings.get(&ring).filter(|r| !r.closed)?;
        Some(r.mem.as_ref()?.sq_tail().load(std::sync::atomic::Ordering::Acquire))
    }

    /// Every request in flight, in submission order.
    pub fn inflight(&self) -> Vec<Inflight> {
        self.lock()
            .reqs
            .values()
            .map(|r| Inflight {
                user_data: r.user_data,
                opcode: r.opcode,
                state: if r.linked {
                    InflightState::Linked
                } else if r.hold {
                    InflightState::Held
                } else if r.kind.notif_waiting() {
                    InflightState::AwaitingNotif
                } else {
                    InflightState::Active
                },
                held: r.held.clone(),
            })
            .collect()
    }

    /// Accesses to user memory that was not live, and ring protocol
    /// breaches the kernel could see (a tail that overran the head, a head
    /// past the tail, a wait that left the SQPOLL thread asleep with work).
    pub fn violations(&self) -> Vec<String> {
        self.lock().violations.clone()
    }

    /// Waits that could never have ended on a real kernel.
    pub fn stalls(&self) -> Vec<String> {
        self.lock().stalls.clone()
    }

    /// Link chains the *application* cut: a submission it asked for (the
    /// `to_submit` of an enter, or under SQPOLL everything published) ended
    /// with an SQE carrying `IOSQE_IO_LINK` or `IOSQE_IO_HARDLINK`. Chains
    /// do not span submission boundaries (`io_uring_enter(2)`): the kernel
    /// runs the members it took as a chain of their own, and the rest,
    /// submitted later, as another, so a failure no longer cancels them.
    /// Splits the simulated kernel itself chose (a short submission) are
    /// not listed; they are counted in [`SimStats::chains_split`].
    pub fn split_chains(&self) -> Vec<String> {
        self.lock().split_chains.clone()
    }

    /// How many times an SQE with this `user_data` was consumed.
    pub fn executions(&self, user_data: u64) -> u32 {
        self.lock().executions.get(&user_data).copied().unwrap_or(0)
    }

    /// SQEs consumed per `user_data`.
    pub fn execution_counts(&self) -> std::collections::HashMap<u64, u32> {
        self.lock().executions.clone()
    }

    /// How many completions were produced for this `user_data`.
    pub fn posted(&self, user_data: u64) -> u32 {
        self.lock().posted.get(&user_data).copied().unwrap_or(0)
    }

    /// Counters.
    pub fn stats(&self) -> SimStats {
        self.lock().stats
    }

    /// Completions parked on overflow, over all rings.
    pub fn overflow_backlog(&self) -> usize {
        self.lock().rings.values().map(|r| r.overflow.len()).sum()
    }

    /// Completions waiting for GETEVENTS (`DEFER_TASKRUN`), over all rings.
    pub fn task_work_backlog(&self) -> usize {
        self.lock().rings.values().map(|r| r.task_work.len()).sum()
    }

    /// Rings whose memory is still allocated.
    pub fn live_rings(&self) -> usize {
        self.lock().rings.values().filter(|r| r.mem.is_some()).count()
    }

    // ---- the system calls ----

    /// Posts a completion that no request of this ring produced into ring
    /// `ring`'s CQ, as another ring's `IORING_OP_MSG_RING` does (which,
    /// with `IORING_MSG_RING_FLAGS_PASS`, passes any flags), or a stale or
    /// forged completion would: any `user_data`, result and flags. It goes
    /// where the kernel would put it: the CQ, the overflow list when the CQ
    /// is full, or the task work of a `DEFER_TASKRUN` ring outside a wait.
    ///
    /// The entry's size follows the kernel's rules: on a `CQE32` ring every
    /// entry carries `big` (zeros without it); on a `CQE_MIXED` ring an
    /// entry with `big` or with `IORING_CQE_F_32` in `flags` is a 32-byte
    /// one (`IORING_CQE_F_32` set, the second half zeroed without `big`,
    /// and a `IORING_CQE_F_SKIP` filler first where it would straddle the
    /// end of the ring); elsewhere `big` is dropped.
    /// Returns false if `ring` is no open ring.
    pub fn inject_cqe(&self, ring: RawFd, user_data: u64, res: i32, flags: u32, big: Option<[u64; 2]>) -> bool {
        let mut st = self.lock();
        let Some(r) = st.rings.get_mut(&ring).filter(|r| !r.closed && r.mem.is_some()) else { return false };
        let (mixed, cqe32) = (r.flags & IORING_SETUP_CQE_MIXED != 0, r.flags & IORING_SETUP_CQE32 != 0);
        // On a mixed ring the kernel makes an entry 32 bytes when its flags
        // say so (`io_fill_cqe_aux`: a message's passed flags decide), with
        // its second half zeroed if nothing fills it.
        let big = if mixed && flags & IORING_CQE_F_32 != 0 {
            Some(big.unwrap_or([0; 2]))
        } else if mixed || cqe32 {
            big
        } else {
            None
        };
        let p = state::Post { user_data, res, flags, big };
        st.injected += 1;
        st.changes += 1;
        let r = st.rings.get_mut(&ring).expect("checked");
        if r.flags & IORING_SETUP_DEFER_TASKRUN != 0 && !r.in_wait {
            r.task_work.push_back(p);
            if r.flags & IORING_SETUP_TASKRUN_FLAG != 0 {
                if let Some(m) = &r.mem {
                    m.sq_flags().fetch_or(IORING_SQ_TASKRUN, core::sync::atomic::Ordering::Relaxed);
                }
            }
        } else {
            st.post_now(ring, p);
        }
        drop(st);
        self.shared.cv.notify_all();
        true
    }

    /// How many completions [`inject_cqe`](Self::inject_cqe) posted.
    pub fn injected(&self) -> u64 {
        self.lock().injected
    }

    /// The descriptors of the rings that are open.
    pub fn ring_fds(&self) -> Vec<RawFd> {
        self.lock().rings.iter().filter(|(_, r)| !r.closed).map(|(fd, _)| *fd).collect()
    }

    /// The provided-buffer groups registered with ring `ring`.
    pub fn buffer_groups(&self, ring: RawFd) -> Vec<u16> {
        self.lock().pbufs.keys().filter(|(r, _)| *r == ring).map(|(_, g)| *g).collect()
    }
}
