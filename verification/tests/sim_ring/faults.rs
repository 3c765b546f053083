//! CQ overflow with `NODROP`, dropped completions, and failed and short
//! enters: nothing lost, nothing repeated (bug classes 3.1, 3.3-3.5).

use super::*;

#[test]
fn cq_overflow_with_nodrop_loses_nothing() {
    let sim = SimKernel::starting_at(u32::MAX - 5);
    let mut ring = Builder::new(4).cq_size(8).build_on(sim.clone()).unwrap();
    let total = 64u64;
    for chunk in 0..total / 4 {
        for i in 0..4 {
            assert!(push(&mut ring, &nop(chunk * 4 + i)));
        }
        // Submit without reaping: after two chunks the CQ is full.
        ring.submit().unwrap();
    }
    assert_eq!(sim.overflow_backlog(), 56);
    assert!(ring.sq().cq_overflow(), "the kernel set IORING_SQ_CQ_OVERFLOW");
    assert_eq!(ring.cq().overflow(), 0, "nothing was dropped");
    let mut order = Vec::new();
    let mut enters = 0;
    while order.len() < total as usize {
        order.extend(drain(&mut ring).into_iter().map(|c| c.user_data));
        if order.len() < total as usize {
            // No wait asked for: ring-core must add GETEVENTS by itself
            // because the overflow flag is set, or nothing is flushed.
            ring.submit().unwrap();
            enters += 1;
            assert!(enters < 100, "overflowed completions are never flushed");
        }
    }
    // Each exactly once, and in order: the kernel keeps the overflow list's order.
    assert_eq!(order, (0..total).collect::<Vec<_>>());
    assert!(!ring.sq().cq_overflow());
    assert_eq!(sim.overflow_backlog(), 0);
    assert_clean(&sim);
}

#[test]
fn dropped_completion_is_reported_as_lost() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { drop_overflow: 1000, ..Chaos::default() });
    let mut ring = Builder::new(4).cq_size(4).build_on(sim.clone()).unwrap();
    for chunk in 0..2 {
        for i in 0..4 {
            assert!(push(&mut ring, &nop(chunk * 4 + i)));
        }
        ring.submit().unwrap();
    }
    assert_eq!(ring.cq().overflow(), 4, "four completions did not fit and were dropped");
    match ring.submit_and_wait(1) {
        Err(Error::CompletionLost) => {}
        other => panic!("expected EBADR as CompletionLost, got {other:?}"),
    }
    assert_eq!(drain(&mut ring).len(), 4);
}

// ---- 3.3, 3.4, 3.5: failed and short enters ----

#[test]
fn scripted_enter_faults_lose_and_repeat_nothing() {
    let sim = SimKernel::starting_at(u32::MAX - 10);
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    for f in [
        EnterFault::Fail(libc::EBUSY),
        EnterFault::Short(1),
        EnterFault::Fail(libc::EAGAIN),
        EnterFault::Short(0),
        EnterFault::Fail(libc::EINTR),
        EnterFault::Short(3),
        EnterFault::Fail(libc::EBADR),
        EnterFault::Pass,
        EnterFault::Short(2),
    ] {
        sim.script(f);
    }
    for i in 0..8 {
        assert!(push(&mut ring, &nop(i)));
    }
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    while seen.len() < 8 {
        match ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(e) => errors.push(e.to_string()),
        }
        seen.extend(drain(&mut ring).into_iter().map(|c| c.user_data));
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..8).collect::<Vec<_>>());
    for i in 0..8 {
        assert_eq!(sim.executions(i), 1, "SQE {i} ran {} times", sim.executions(i));
    }
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_eq!(sim.stats().short_submits, 3);
    assert_clean(&sim);
}

#[test]
fn random_enter_faults_lose_and_repeat_nothing() {
    for seed in 0..if cfg!(miri) { 2 } else { 24 } {
        let sim = SimKernel::starting_at(u32::MAX - (seed as u32 % 16));
        sim.set_chaos(Chaos {
            seed,
            hold: true,
            auto_release: true,
            enter_fail: 250,
            enter_errors: vec![libc::EAGAIN, libc::EINTR, libc::EBUSY, libc::EBADR],
            short_submit: 300,
            ..Chaos::default()
        });
        let mut ring = Builder::new(8).cq_size(16).build_on(sim.clone()).unwrap();
        run_nops(&sim, &mut ring, 1000, LONG / 10, seed);
        assert!(sim.stats().enter_faults > 0 && sim.stats().short_submits > 0);
        assert_clean(&sim);
    }
}

#[test]
fn submit_and_wait_waits_after_earlier_submissions() {
    // Regression: the to-submit count must come from the kernel's head. A
    // count from a head cached before the last enter is too large, and the
    // kernel, submitting fewer than it was told, skips the wait.
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    for round in 0..4 {
        assert!(push(&mut ring, &nop(round)));
        ring.submit_and_wait(1).unwrap();
        assert_eq!(drain(&mut ring).len(), 1);
    }
    let ts = Box::new(__kernel_timespec { tv_sec: 1, tv_nsec: 0 });
    let mut t = io_uring_sqe { opcode: IORING_OP_TIMEOUT, len: 1, user_data: 9, ..Default::default() };
    t.set_addr((&raw const *ts) as u64);
    // SAFETY: `ts` outlives the submission, where it is copied.
    unsafe { push_raw(&mut ring, &t) };
    ring.submit_and_wait(1).unwrap();
    assert_eq!(
        ring.cq().pop().map(|c| c.res),
        Some(-libc::ETIME),
        "submit_and_wait(1) returned before the timeout fired"
    );
    assert_eq!(sim.now(), Duration::from_secs(1));
    assert_clean(&sim);
}

#[test]
fn submission_failure_stops_the_batch_but_loses_nothing() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    assert!(push(&mut ring, &nop(1)));
    // An opcode the kernel does not have fails at submission and ends the
    // batch there: the entries after it stay in the SQ.
    assert!(push(&mut ring, &io_uring_sqe { opcode: 200, user_data: 2, ..Default::default() }));
    assert!(push(&mut ring, &nop(3)));
    assert_eq!(ring.submit().unwrap(), 2, "consumed up to and including the bad entry");
    let first: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(first, vec![(1, 0), (2, -libc::EINVAL)]);
    ring.submit().unwrap();
    assert_eq!(drain(&mut ring).iter().map(|c| c.user_data).collect::<Vec<_>>(), vec![3]);
    assert_eq!(sim.executions(3), 1);
    assert_clean(&sim);
}
