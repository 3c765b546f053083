//! `io_uring_setup` on the simulated kernel: the flags and their rules, the
//! ring's memory, and the SQPOLL thread when it runs as a real thread.

use super::mem;
use super::state::{RingState, SqPoll};
use super::SimKernel;
use ring_sys::*;
use std::os::fd::RawFd;
use std::sync::Arc;
use std::time::Duration;

impl SimKernel {
    pub(super) fn setup_inner(&self, entries: u32, p: &mut io_uring_params) -> Result<RawFd, i32> {
        const SUPPORTED: u32 = IORING_SETUP_SQPOLL
            | IORING_SETUP_SQ_AFF
            | IORING_SETUP_CQSIZE
            | IORING_SETUP_CLAMP
            | IORING_SETUP_R_DISABLED
            | IORING_SETUP_SUBMIT_ALL
            | IORING_SETUP_COOP_TASKRUN
            | IORING_SETUP_TASKRUN_FLAG
            | IORING_SETUP_SQE128
            | IORING_SETUP_CQE32
            | IORING_SETUP_SINGLE_ISSUER
            | IORING_SETUP_DEFER_TASKRUN
            | IORING_SETUP_NO_SQARRAY
            | IORING_SETUP_CQE_MIXED
            | IORING_SETUP_SQE_MIXED;
        let mut st = self.lock();
        let f = p.flags;
        let has = |x: u32| f & x != 0;
        let single = st.cfg.features & IORING_FEAT_SINGLE_MMAP != 0;
        let bad = f & !SUPPORTED != 0
            || (has(IORING_SETUP_NO_SQARRAY) && (!st.cfg.no_sqarray || !single))
            || (has(IORING_SETUP_SQ_AFF) && !has(IORING_SETUP_SQPOLL))
            || (has(IORING_SETUP_SQPOLL)
                && has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN))
            || (has(IORING_SETUP_TASKRUN_FLAG) && !has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN))
            || (has(IORING_SETUP_DEFER_TASKRUN) && !has(IORING_SETUP_SINGLE_ISSUER))
            || (has(IORING_SETUP_CQE32) && has(IORING_SETUP_CQE_MIXED))
            || (has(IORING_SETUP_SQE128) && has(IORING_SETUP_SQE_MIXED))
            || p.resv != [0; 3];
        if bad {
            return Err(libc::EINVAL);
        }
        const MAX_SQ: u32 = 32768;
        const MAX_CQ: u32 = 2 * MAX_SQ;
        let clamp = has(IORING_SETUP_CLAMP);
        if entries == 0 || (entries > MAX_SQ && !clamp) {
            return Err(libc::EINVAL);
        }
        let sq = entries.min(MAX_SQ).next_power_of_two();
        let cq = if has(IORING_SETUP_CQSIZE) {
            if p.cq_entries == 0 || (p.cq_entries > MAX_CQ && !clamp) {
                return Err(libc::EINVAL);
            }
            let cq = p.cq_entries.min(MAX_CQ).next_power_of_two();
            if cq < sq {
                return Err(libc::EINVAL);
            }
            cq
        } else {
            sq * 2
        };
        let mem = mem::RingMem::new(sq, cq, f, st.cfg.start_index, st.cfg.layout);
        let fd = st.alloc_fd();
        p.sq_entries = sq;
        p.cq_entries = cq;
        p.features = st.cfg.features;
        p.sq_off = mem.sq_off;
        p.cq_off = mem.cq_off;
        let start = st.cfg.start_index;
        let threaded = st.cfg.sqpoll_thread;
        let features = st.cfg.features;
        st.rings.insert(
            fd,
            RingState {
                mem: Some(mem),
                maps: 0,
                closed: false,
                flags: f,
                features,
                sq_head: start,
                cq_tail: start,
                overflow: Default::default(),
                task_work: Default::default(),
                lost: false,
                completions: 0,
                sqpoll: has(IORING_SETUP_SQPOLL).then_some(SqPoll { awake: true, idle: 0, threaded }),
                disabled: has(IORING_SETUP_R_DISABLED),
                in_wait: false,
            },
        );
        drop(st);
        if has(IORING_SETUP_SQPOLL) && threaded {
            self.spawn_sqpoll(fd);
        }
        Ok(fd)
    }

    /// Runs the SQPOLL thread of `ring` as a real thread until the ring closes.
    fn spawn_sqpoll(&self, ring: RawFd) {
        let shared = Arc::downgrade(&self.shared);
        let handle = std::thread::spawn(move || loop {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let mut st = shared.state.lock().unwrap_or_else(|e| e.into_inner());
            let Some(r) = st.rings.get(&ring) else { return };
            if r.closed || r.mem.is_none() {
                return;
            }
            if r.sqpoll.as_ref().is_some_and(|s| s.awake) {
                let n = st.sqpoll_step(ring);
                drop(st);
                shared.cv.notify_all();
                if n == 0 {
                    std::thread::sleep(Duration::from_micros(200));
                } else {
                    std::thread::yield_now();
                }
            } else {
                let _ = shared.cv.wait_timeout(st, Duration::from_millis(2));
            }
        });
        self.shared.threads.lock().unwrap_or_else(|e| e.into_inner()).push((ring, handle));
    }
}
