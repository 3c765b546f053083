//! When `enter` does or does not enter the kernel (nothing to submit, task
//! work, overflowed completions, a sleeping poll thread), the wait arguments
//! and their errors, the registered wait region's size limit, and `sq_wait`
//! with and without SQPOLL.

use crate::caps;
use core::time::Duration;
use ring_core::sys::*;
use ring_core::{Builder, Error, Ring, Timeout, Wait};
use std::time::Instant;

/// Pushes a NOP carrying `user_data`.
fn push_nop(ring: &mut Ring, user_data: u64) {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = user_data;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
}

/// Pushes a relative timeout of `ts`, completing with -ETIME.
///
/// # Safety
///
/// `ts` must stay valid until the kernel has consumed the entry (it copies
/// the timespec at submission).
unsafe fn push_timer(ring: &mut Ring, ts: &__kernel_timespec, user_data: u64) {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_TIMEOUT;
    sqe.fd = -1;
    sqe.set_addr(core::ptr::from_ref(ts) as u64);
    sqe.len = 1;
    sqe.user_data = user_data;
    // SAFETY: per this function's contract `ts` outlives the kernel's read.
    unsafe { ring.sq().push(&sqe) }.unwrap();
}

/// The `user_data` of every completion ready now.
fn reap(ring: &mut Ring) -> Vec<u64> {
    let mut v: Vec<u64> = std::iter::from_fn(|| ring.cq().pop()).map(|c| c.user_data).collect();
    v.sort_unstable();
    v
}

/// Waits until the SQPOLL thread has gone to sleep (NEED_WAKEUP set).
fn wait_until_asleep(ring: &mut Ring) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ring.sq().needs_wakeup() {
        assert!(Instant::now() < deadline, "the SQPOLL thread never went to sleep");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn errno_of(e: &Error) -> Option<i32> {
    match e {
        Error::Syscall { errno, .. } => Some(errno.raw()),
        _ => None,
    }
}

fn page() -> usize {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

#[test]
fn submit_with_nothing_to_do_makes_no_system_call() {
    // A disabled ring answers every io_uring_enter with EBADFD, so it shows
    // whether a call was made: with nothing written, none is.
    // sq_wait without SQPOLL is a submit, so it makes none either.
    let mut ring = Builder::new(8).r_disabled().build().unwrap();
    assert_eq!(ring.submit().unwrap(), 0);
    assert_eq!(ring.sq_wait().unwrap(), 0);
    push_nop(&mut ring, 1);
    let e = ring.submit().unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EBADFD), "{e}");
}

#[test]
fn submit_does_not_run_deferred_task_work_unless_flagged() {
    // Under DEFER_TASKRUN (without TASKRUN_FLAG) an expired timer's
    // completion waits as task work until GETEVENTS. A submit with nothing
    // to submit and no wait must not enter the kernel, so it stays pending.
    let mut ring = Builder::new(8).defer_taskrun().no_taskrun_flag().build().unwrap();
    let ts = __kernel_timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    // SAFETY: `ts` lives until the end of the test; the kernel copies it at submission.
    unsafe { push_timer(&mut ring, &ts, 7) };
    assert_eq!(ring.submit().unwrap(), 1);
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(ring.submit().unwrap(), 0);
    assert_eq!(reap(&mut ring), [] as [u64; 0], "submit ran deferred task work");
    ring.get_events().unwrap();
    assert_eq!(reap(&mut ring), [7]);
}

#[test]
fn submit_runs_task_work_the_kernel_flagged() {
    // With TASKRUN_FLAG the kernel sets IORING_SQ_TASKRUN when task work is
    // pending; then even a plain submit carries GETEVENTS and posts it.
    let mut ring = Builder::new(8).defer_taskrun().taskrun_flag().build().unwrap();
    let ts = __kernel_timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    // SAFETY: `ts` lives until the end of the test; the kernel copies it at submission.
    unsafe { push_timer(&mut ring, &ts, 9) };
    ring.submit().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ring.sq().taskrun() {
        assert!(Instant::now() < deadline, "IORING_SQ_TASKRUN never appeared");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(ring.submit().unwrap(), 0);
    assert_eq!(reap(&mut ring), [9]);
}

#[test]
fn submit_flushes_completions_parked_on_overflow() {
    // A CQ of 4 receives 8 completions: 4 are parked (IORING_FEAT_NODROP)
    // and IORING_SQ_CQ_OVERFLOW is set. Once the 4 are reaped, a plain
    // submit must carry GETEVENTS, which flushes the parked ones.
    let mut ring = Builder::new(4).cq_size(4).build().unwrap();
    if !ring.has_feature(IORING_FEAT_NODROP) {
        println!("skipping: no IORING_FEAT_NODROP");
        return;
    }
    for round in 0..2 {
        for i in 0..4 {
            push_nop(&mut ring, round * 4 + i);
        }
        assert_eq!(ring.submit().unwrap(), 4);
    }
    assert!(ring.sq().cq_overflow(), "the CQ did not overflow");
    assert_eq!(reap(&mut ring), [0, 1, 2, 3]);
    assert_eq!(ring.submit().unwrap(), 0);
    assert_eq!(reap(&mut ring), [4, 5, 6, 7], "the parked completions were not flushed");
}

#[test]
fn submit_with_nothing_new_does_not_wake_a_sleeping_poll_thread() {
    // A wake-up clears IORING_SQ_NEED_WAKEUP and keeps the thread awake for
    // its idle time (here 10 ms); with nothing submitted there is no reason
    // to wake it, so the flag stays set.
    let mut ring = Builder::new(8).sqpoll(Some(10)).build().unwrap();
    push_nop(&mut ring, 1);
    ring.submit_and_wait(1).unwrap();
    assert_eq!(reap(&mut ring), [1]);
    wait_until_asleep(&mut ring);
    assert_eq!(ring.submit().unwrap(), 0);
    let until = Instant::now() + Duration::from_millis(30);
    while Instant::now() < until {
        assert!(ring.sq().needs_wakeup(), "the poll thread was woken with nothing to do");
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn submit_and_wait_timeout_waits_for_the_completion() {
    let mut ring = Ring::new(8).unwrap();
    let ts = __kernel_timespec { tv_sec: 0, tv_nsec: 20_000_000 };
    // SAFETY: `ts` lives until the end of the test; the kernel copies it at submission.
    unsafe { push_timer(&mut ring, &ts, 3) };
    let start = Instant::now();
    ring.submit_and_wait_timeout(1, Duration::from_secs(5)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(15), "returned after {:?}", start.elapsed());
    assert_eq!(reap(&mut ring), [3], "returned before the completion");
}

#[test]
fn wait_errors_other_than_etime_are_reported() {
    // Only ETIME (the timeout expired) becomes Ok(0); a disabled ring's
    // EBADFD comes back as an error, through both wait paths.
    let mut ring = Builder::new(8).r_disabled().build().unwrap();
    push_nop(&mut ring, 1);
    let e = ring.submit_and_wait_timeout(1, Duration::from_millis(10)).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EBADFD), "{e}");

    let Some(mut ring) =
        caps::build_or_skip(Builder::new(8).registered_waits(4).r_disabled(), "the registered-wait half")
    else {
        return;
    };
    let e = ring.submit_and_wait_registered(1, 1, Some(Duration::from_millis(10))).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EBADFD), "{e}");
    ring.enable().unwrap();
    assert_eq!(ring.submit_and_wait_registered(1, 1, Some(Duration::from_millis(10))).unwrap(), 0);
}

#[test]
fn min_wait_and_no_iowait_are_accepted_where_the_kernel_has_them() {
    let mut ring = Ring::new(8).unwrap();
    let timeout = Some(Timeout::Relative(Duration::from_millis(10)));
    let min = Wait { want: 1, timeout, min_wait: Some(Duration::from_millis(1)), ..Wait::default() };
    match ring.submit_with(&min) {
        Ok(n) => {
            assert!(ring.has_feature(IORING_FEAT_MIN_TIMEOUT));
            assert_eq!(n, 0);
        }
        Err(Error::NotConfigured(_)) => assert!(!ring.has_feature(IORING_FEAT_MIN_TIMEOUT)),
        Err(e) => panic!("min_wait: {e}"),
    }
    let no_iowait = Wait { want: 1, timeout, no_iowait: true, ..Wait::default() };
    match ring.submit_with(&no_iowait) {
        Ok(n) => {
            assert!(ring.has_feature(IORING_FEAT_NO_IOWAIT));
            assert_eq!(n, 0);
        }
        Err(Error::NotConfigured(_)) => assert!(!ring.has_feature(IORING_FEAT_NO_IOWAIT)),
        Err(e) => panic!("no_iowait: {e}"),
    }
}

#[test]
fn registered_wait_region_is_one_page_at_most() {
    // A 4 KiB page holds 64 descriptors of 64 bytes, of which the last
    // cannot be used (the kernel maps the offset of the last slot to 0; see
    // `register_wait_region`), so 63 fit and 64 are refused with that limit.
    assert_eq!(page(), 4096, "the slot counts below assume 4 KiB pages");
    let e = Builder::new(8).registered_waits(64).build().unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "registered wait slots", len: 64, max: 63 }), "64 slots: {e:?}");
    let Some(mut ring) = caps::build_or_skip(Builder::new(8).registered_waits(63), "registered waits") else {
        return;
    };
    assert!(matches!(ring.submit_and_wait_registered(1, 63, None), Err(Error::InvalidArgument(_))));
    // The last slot offered runs with its own arguments, not slot 0's: slot 0
    // holds a 5 ms timeout, slot 62 a 200 ms one.
    assert_eq!(ring.submit_and_wait_registered(1, 0, Some(Duration::from_millis(5))).unwrap(), 0);
    let start = std::time::Instant::now();
    assert_eq!(ring.submit_and_wait_registered(1, 62, Some(Duration::from_millis(200))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(150), "slot 62 waited {:?}", start.elapsed());
}

#[test]
fn sq_wait_without_sqpoll_submits_the_whole_queue() {
    let mut ring = Ring::new(8).unwrap();
    for i in 0..8 {
        push_nop(&mut ring, i);
    }
    assert_eq!(ring.sq().space_left(), 0);
    assert_eq!(ring.sq_wait().unwrap(), 8);
    assert_eq!(ring.sq().space_left(), 8);
    assert_eq!(reap(&mut ring), (0..8).collect::<Vec<_>>());
}

#[test]
fn sq_wait_under_sqpoll_returns_once_there_is_room() {
    // The ring's flags are exactly IORING_SETUP_SQPOLL (no NO_SQARRAY). The
    // SQ is filled while the poll thread sleeps; sq_wait wakes it and waits
    // until it has consumed something, so there is room on return. A plain
    // submit only wakes it and returns at once, before the thread has run.
    let mut ring = Builder::new(8).sqpoll(Some(10)).no_sqarray(false).build().unwrap();
    assert_eq!(ring.setup_flags(), IORING_SETUP_SQPOLL);
    for round in 0..5u64 {
        wait_until_asleep(&mut ring);
        for i in 0..8 {
            push_nop(&mut ring, round * 8 + i);
        }
        assert_eq!(ring.sq().space_left(), 0);
        ring.sq_wait().unwrap();
        assert!(ring.sq().space_left() > 0, "round {round}: sq_wait returned with the SQ still full");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        while seen.len() < 8 {
            seen.extend(reap(&mut ring));
            assert!(Instant::now() < deadline, "round {round}: got only {seen:?}");
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
