//! `io_uring_enter` on the simulated kernel: consuming the SQ, waiting for
//! completions on the virtual clock, and the SQPOLL flags.

use super::chaos::EnterFault;
use super::SimKernel;
use core::ffi::{c_uint, c_void};
use ring_sys::*;
use std::time::{Duration, Instant};

impl SimKernel {
    /// The enter system call, with the state locked in `st` (which a wait
    /// on the SQPOLL thread may release and take back).
    ///
    /// # Safety
    ///
    /// As for [`ring_core::Kernel::enter`]: `arg` is null or what `flags`
    /// and `argsz` say it is.
    pub(super) unsafe fn enter_inner(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, i32> {
        const KNOWN: u32 = IORING_ENTER_GETEVENTS
            | IORING_ENTER_SQ_WAKEUP
            | IORING_ENTER_SQ_WAIT
            | IORING_ENTER_EXT_ARG
            | IORING_ENTER_REGISTERED_RING
            | IORING_ENTER_ABS_TIMER
            | IORING_ENTER_NO_IOWAIT;
        let mut st = self.lock();
        st.stats.enters += 1;
        if flags & !KNOWN != 0 {
            return Err(libc::EINVAL);
        }
        let ring = st.ring_fd(fd, flags & IORING_ENTER_REGISTERED_RING != 0).ok_or(libc::EBADF)?;
        if st.rings[&ring].disabled {
            return Err(libc::EBADFD);
        }
        // The wait's deadline on the virtual clock, if any.
        let mut deadline = None;
        let mut unknown_deadline = false;
        if flags & IORING_ENTER_EXT_ARG != 0 {
            if st.rings[&ring].features & IORING_FEAT_EXT_ARG == 0 {
                return Err(libc::EINVAL);
            }
            if argsz != core::mem::size_of::<io_uring_getevents_arg>() || arg.is_null() {
                return Err(libc::EINVAL);
            }
            // SAFETY: with EXT_ARG, `arg` points to an io_uring_getevents_arg
            // of `argsz` bytes for the duration of the call (contract).
            let a = unsafe { arg.cast::<io_uring_getevents_arg>().read_unaligned() };
            if a.ts != 0 {
                match st.read_arg::<__kernel_timespec>(a.ts) {
                    Some(ts) => {
                        let d = Duration::new(ts.tv_sec.max(0) as u64, ts.tv_nsec.clamp(0, 999_999_999) as u32);
                        deadline = Some(if flags & IORING_ENTER_ABS_TIMER != 0 { d } else { st.now + d });
                    }
                    None => unknown_deadline = true,
                }
            }
        }
        // Fault injection: the script first, then chance.
        let fault = st.next_fault(to_submit);
        let mut limit = u32::MAX;
        match fault {
            EnterFault::Fail(e) => {
                st.stats.enter_faults += 1;
                return Err(e);
            }
            EnterFault::Short(k) => {
                st.stats.short_submits += 1;
                limit = k;
            }
            EnterFault::Pass => {}
        }
        let sqpoll = st.rings[&ring].sqpoll.is_some();
        let threaded = st.rings[&ring].sqpoll.as_ref().is_some_and(|s| s.threaded);
        let mut submitted = 0;
        if sqpoll {
            // Every enter on an SQPOLL ring flushes overflowed completions.
            st.flush_overflow(ring);
            if flags & IORING_ENTER_SQ_WAKEUP != 0 {
                st.sqpoll_wake(ring);
                self.shared.cv.notify_all();
            }
            if flags & IORING_ENTER_SQ_WAIT != 0 {
                let started = Instant::now();
                loop {
                    let r = &st.rings[&ring];
                    let Some(m) = &r.mem else { break };
                    let used = m.sq_tail().load(core::sync::atomic::Ordering::Acquire).wrapping_sub(r.sq_head);
                    if used < m.sq_entries {
                        break;
                    }
                    let awake = r.sqpoll.as_ref().is_some_and(|s| s.awake);
                    if !awake {
                        let msg = format!("ring {ring}: SQ_WAIT with a full SQ and the SQPOLL thread asleep");
                        st.stalls.push(msg);
                        return Err(libc::EINTR);
                    }
                    if threaded {
                        if started.elapsed() > st.cfg.thread_wait {
                            st.stalls.push(format!("ring {ring}: SQ_WAIT timed out in real time"));
                            return Err(libc::EINTR);
                        }
                        st = self
                            .shared
                            .cv
                            .wait_timeout(st, Duration::from_millis(1))
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    } else {
                        st.sqpoll_step(ring);
                    }
                }
            }
            submitted = to_submit;
        } else if to_submit > 0 {
            submitted = st.consume(ring, to_submit.min(limit), limit < to_submit);
            if submitted != to_submit {
                // `io_uring_enter` returns at once when it submitted fewer
                // entries than it was told to (`ret != to_submit`): no
                // wait, no flush. Telling it more than is published (say,
                // from a stale head) therefore skips the wait.
                st.settle();
                return Ok(submitted);
            }
        }
        if st.chaos.hold && st.chaos.auto_release {
            st.release_random(false);
        }
        st.settle();
        if flags & IORING_ENTER_GETEVENTS == 0 {
            return Ok(submitted);
        }
        if let Some(r) = st.rings.get_mut(&ring) {
            r.in_wait = true;
        }
        let started = Instant::now();
        let waited: Result<(), i32> = loop {
            st.flush_overflow(ring);
            st.run_task_work(ring);
            st.settle();
            st.flush_overflow(ring);
            let r = st.rings.get_mut(&ring).expect("ring exists");
            if r.lost {
                r.lost = false;
                break Err(libc::EBADR);
            }
            if st.cq_ready(ring) >= min_complete {
                break Ok(());
            }
            // Nothing ready enough: let time pass, in the cheapest way that
            // can change something.
            if sqpoll {
                if st.sqpoll_stranded(ring) {
                    let msg = format!("ring {ring}: waiting for completions while the SQPOLL thread sleeps with published entries (a lost wake-up)");
                    st.violations.push(msg.clone());
                    st.stalls.push(msg);
                    break Err(libc::EINTR);
                }
                let awake = st.rings[&ring].sqpoll.as_ref().is_some_and(|s| s.awake);
                if awake {
                    if threaded {
                        if started.elapsed() > st.cfg.thread_wait {
                            st.stalls.push(format!("ring {ring}: wait timed out in real time"));
                            break Err(libc::EINTR);
                        }
                        st = self
                            .shared
                            .cv
                            .wait_timeout(st, Duration::from_millis(1))
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    } else {
                        st.sqpoll_step(ring);
                    }
                    continue;
                }
            }
            if st.chaos.hold && st.chaos.auto_release && st.release_one_random() {
                continue;
            }
            if st.release_one_notif() {
                continue;
            }
            let auto = st.cfg.auto_advance;
            if auto {
                if let Some(t) = st.next_deadline() {
                    if deadline.is_none_or(|d| t <= d) {
                        st.advance_to(t);
                        continue;
                    }
                }
            }
            if let Some(d) = deadline {
                if auto {
                    st.advance_to(d);
                }
                break Err(libc::ETIME);
            }
            if unknown_deadline {
                break Err(libc::ETIME);
            }
            let msg = format!(
                "ring {ring}: waiting for {min_complete} completions with {} ready and nothing left that could complete",
                st.cq_ready(ring)
            );
            st.stalls.push(msg);
            break Err(libc::EINTR);
        };
        if let Some(r) = st.rings.get_mut(&ring) {
            r.in_wait = false;
        }
        match waited {
            Ok(()) => Ok(submitted),
            Err(_) if submitted > 0 => Ok(submitted),
            Err(e) => Err(e),
        }
    }
}
