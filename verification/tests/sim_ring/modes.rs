//! The ring's modes: SQPOLL's thread (asleep, woken, running concurrently)
//! and `DEFER_TASKRUN`'s completions on GETEVENTS (bug classes 1.1, 3.2).

use super::*;

#[test]
fn sqpoll_sleeps_and_is_woken() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).sqpoll(Some(10)).build_on(sim.clone()).unwrap();
    assert!(push(&mut ring, &nop(1)));
    // The thread is awake: publishing is the submission, no system call.
    assert_eq!(ring.submit().unwrap(), 1);
    assert_eq!(sim.stats().enters, 0);
    assert_eq!(sim.sqpoll_step(), 1);
    assert_eq!(drain(&mut ring).len(), 1);
    // Two idle turns and it sleeps, setting NEED_WAKEUP.
    sim.sqpoll_step();
    sim.sqpoll_step();
    assert!(sim.sqpoll_asleep());
    assert!(ring.sq().flags() & IORING_SQ_NEED_WAKEUP != 0);
    // A submit now must wake it.
    assert!(push(&mut ring, &nop(2)));
    ring.submit().unwrap();
    assert_eq!(sim.stats().sqpoll_wakeups, 1);
    assert!(!sim.sqpoll_asleep());
    assert_eq!(sim.sqpoll_step(), 1);
    assert_eq!(drain(&mut ring)[0].user_data, 2);
    // Asleep again; the waiting path must wake it too (bug class 3.2).
    for _ in 0..3 {
        sim.sqpoll_step();
    }
    assert!(sim.sqpoll_asleep());
    assert!(push(&mut ring, &nop(3)));
    ring.submit_and_wait(1).unwrap();
    assert_eq!(drain(&mut ring)[0].user_data, 3);
    assert_eq!(sim.stats().sqpoll_wakeups, 2);
    assert_clean(&sim);
}

#[test]
fn sqpoll_lost_wakeup_is_detected() {
    // Check the detector itself: publish behind the sleeping thread's back
    // and wait without SQ_WAKEUP, as the buggy libraries of 1.1 did.
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).sqpoll(None).register_ring_fd(false).build_on(sim.clone()).unwrap();
    for _ in 0..3 {
        sim.sqpoll_step();
    }
    assert!(sim.sqpoll_asleep());
    assert!(push(&mut ring, &nop(1)));
    ring.sq().publish();
    let fd = ring.fd().unwrap() as u32;
    // SAFETY: a plain GETEVENTS enter with no argument.
    let r = unsafe { ring_core::Kernel::enter(&sim, fd, 0, 1, IORING_ENTER_GETEVENTS, core::ptr::null(), 0) };
    assert_eq!(r.unwrap_err().raw(), libc::EINTR);
    assert!(sim.violations().iter().any(|v| v.contains("lost wake-up")), "{:?}", sim.violations());
}

#[test]
fn sqpoll_thread_runs_concurrently() {
    let sim = SimKernel::new(SimConfig { sqpoll_thread: true, sqpoll_idle_steps: 3, ..SimConfig::default() });
    let mut ring = Builder::new(8).sqpoll(Some(1)).build_on(sim.clone()).unwrap();
    let n = if cfg!(miri) { 24 } else { 2000 };
    let mut seen = 0;
    for i in 0..n {
        assert!(push(&mut ring, &nop(i)));
        if i % 3 == 2 {
            ring.submit_and_wait(1).unwrap();
        } else {
            ring.submit().unwrap();
        }
        seen += drain(&mut ring).len();
        if i % 50 == 0 {
            // Let the thread go to sleep now and then.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    while seen < n as usize {
        ring.submit_and_wait(1).unwrap();
        seen += drain(&mut ring).len();
    }
    for i in 0..n {
        assert_eq!(sim.executions(i), 1);
    }
    drop(ring);
    assert_clean(&sim);
}

// ---- DEFER_TASKRUN ----

#[test]
fn defer_taskrun_posts_only_on_getevents() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).single_issuer().defer_taskrun().build_on(sim.clone()).unwrap();
    for i in 0..4 {
        assert!(push(&mut ring, &nop(i)));
    }
    assert_eq!(ring.submit().unwrap(), 4);
    assert_eq!(ring.cq().ready(), 0, "nothing is posted outside a GETEVENTS enter");
    assert_eq!(sim.task_work_backlog(), 4);
    ring.get_events().unwrap();
    assert_eq!(drain(&mut ring).len(), 4);
    assert_clean(&sim);
}

#[test]
fn taskrun_flag_makes_the_next_submit_get_events() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).single_issuer().defer_taskrun().taskrun_flag().build_on(sim.clone()).unwrap();
    assert!(push(&mut ring, &nop(1)));
    ring.submit().unwrap();
    assert!(ring.sq().taskrun(), "IORING_SQ_TASKRUN is set while task work waits");
    // A plain submit with nothing new: ring-core must still enter with
    // GETEVENTS because of the flag.
    ring.submit().unwrap();
    assert_eq!(drain(&mut ring).len(), 1);
    assert!(!ring.sq().taskrun());
    assert_clean(&sim);
}
