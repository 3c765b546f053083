//! The raw ring (`ring_core::Ring`, `SubmissionQueue`, `CompletionQueue`)
//! running unchanged on the simulated kernel.
//!
//! Each test names the bug class of `docs/bug-classes.md` it guards. Counts are
//! smaller under Miri, which runs this file through `scripts/miri.sh`.
#![cfg(not(ring_loom))]

use core::time::Duration;
use ring_core::{Builder, Cqe, Error, Ring};
use ring_sys::*;
use std::collections::HashMap;
use verification::sim::{Chaos, EnterFault, InflightState, Rng, SimConfig, SimKernel, WordLayout, SIM_FEATURES};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

/// Iterations of the long loops: thousands natively, a few hundred under Miri.
const LONG: u64 = if cfg!(miri) { 200 } else { 5000 };

fn nop(user_data: u64) -> io_uring_sqe {
    io_uring_sqe { opcode: IORING_OP_NOP, user_data, ..Default::default() }
}

/// Pushes an SQE that carries no pointer (a NOP, a cancel, a poll).
fn push(ring: &mut Ring<SimKernel>, sqe: &io_uring_sqe) -> bool {
    // SAFETY: every SQE pushed through this helper names no user memory, or
    // memory the calling test keeps alive until the completion it waits for.
    unsafe { ring.sq().push(sqe) }.is_ok()
}

/// Pops everything ready.
fn drain(ring: &mut Ring<SimKernel>) -> Vec<Cqe> {
    let mut v = Vec::new();
    while let Some(c) = ring.cq().pop() {
        v.push(c);
    }
    v
}

/// Asserts the simulator saw no memory or protocol violation and no stall.
fn assert_clean(sim: &SimKernel) {
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
    assert!(sim.stalls().is_empty(), "stalls: {:#?}", sim.stalls());
}

/// Pushes `n` NOPs numbered from `first` in random batches, submitting and
/// reaping as it goes, and checks that each completes exactly once.
fn run_nops(sim: &SimKernel, ring: &mut Ring<SimKernel>, first: u64, n: u64, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let cap = u64::from(ring.sq().capacity());
    let mut next = first;
    let end = first + n;
    let mut guard = 0;
    while next < end || seen.len() < n as usize {
        guard += 1;
        assert!(guard < 100 * n + 1000, "no progress");
        let batch = 1 + rng.below(cap);
        for _ in 0..batch {
            if next == end || !push(ring, &nop(next)) {
                break;
            }
            next += 1;
        }
        match ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(e) if e.is_transient() || matches!(e, Error::CompletionLost) => {}
            Err(e) => panic!("enter failed: {e}"),
        }
        for c in drain(ring) {
            assert_eq!(c.res, 0);
            *seen.entry(c.user_data).or_default() += 1;
        }
    }
    for ud in first..end {
        assert_eq!(seen.get(&ud), Some(&1), "user_data {ud} completed {:?} times", seen.get(&ud));
        assert_eq!(sim.executions(ud), 1, "user_data {ud} ran {} times", sim.executions(ud));
    }
}

// ---- 2.2: wrap-around ----

fn wrap_case(cfg: SimConfig, builder: Builder) {
    let start = u32::MAX - 3;
    let sim = SimKernel::new(SimConfig { start_index: start, ..cfg });
    let mut ring = builder.build_on(sim.clone()).expect("setup on the simulator");
    assert_eq!(ring.sq().local_tail(), start, "the queue starts at the kernel's tail");
    assert_eq!(ring.cq().head(), start);
    run_nops(&sim, &mut ring, 0, LONG, 1);
    // Both rings wrapped past u32::MAX.
    assert!(ring.sq().local_tail() < start && ring.cq().head() < start);
    assert_eq!(ring.sq().local_tail(), start.wrapping_add(LONG as u32));
    assert_eq!(ring.cq().head(), start.wrapping_add(LONG as u32));
    assert_clean(&sim);
}

#[test]
fn wraps_past_u32_max_without_sq_array() {
    let sim_cfg = SimConfig::default();
    wrap_case(sim_cfg, Builder::new(8));
}

#[test]
fn wraps_past_u32_max_with_sq_array() {
    wrap_case(SimConfig::default(), Builder::new(8).no_sqarray(false));
}

#[test]
fn wraps_past_u32_max_with_separate_mappings() {
    // Without IORING_FEAT_SINGLE_MMAP the SQ and CQ rings are mapped
    // separately, and NO_SQARRAY is refused (as a pre-6.6 kernel does), so
    // the builder falls back to the index array.
    let cfg = SimConfig { features: SIM_FEATURES & !IORING_FEAT_SINGLE_MMAP, ..SimConfig::default() };
    wrap_case(cfg, Builder::new(4));
}

#[test]
fn wraps_past_u32_max_with_the_5x_word_layout() {
    // Each head and tail on its own cache line, as Linux 5.x lays them out:
    // ring-core must take every offset from the parameters.
    let cfg = SimConfig { layout: WordLayout::CacheLines, ..SimConfig::default() };
    wrap_case(cfg, Builder::new(8).no_sqarray(false));
}

#[test]
fn wraps_past_u32_max_with_cqe32() {
    wrap_case(SimConfig::default(), Builder::new(2).cqe32());
}

#[test]
fn ring_words_sit_where_linux_puts_them() {
    // The offsets Linux 6.18 reports (docs/rings.md, the `tour` example).
    let sim = SimKernel::default();
    let ring = Builder::new(64).build_on(sim.clone()).unwrap();
    let p = ring.params();
    let sq =
        (p.sq_off.head, p.sq_off.tail, p.sq_off.ring_mask, p.sq_off.ring_entries, p.sq_off.flags, p.sq_off.dropped);
    let cq = (
        p.cq_off.head,
        p.cq_off.tail,
        p.cq_off.ring_mask,
        p.cq_off.ring_entries,
        p.cq_off.overflow,
        p.cq_off.cqes,
        p.cq_off.flags,
    );
    assert_eq!(sq, (0, 4, 16, 24, 36, 32));
    assert_eq!(cq, (8, 12, 20, 28, 44, 64, 40));
    assert_eq!((p.sq_entries, p.cq_entries, p.sq_off.array), (64, 128, 0));
    assert!(ring.setup_flags() & IORING_SETUP_NO_SQARRAY != 0);
}

// ---- 3.1: CQ overflow with NODROP ----

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

// ---- 1.1, 3.2: SQPOLL ----

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

// ---- big and mixed CQEs ----

fn big_nop(user_data: u64, a: u64, b: u64, flags: u32) -> io_uring_sqe {
    let mut sqe = nop(user_data);
    sqe.set_addr(a);
    sqe.set_addr2(b);
    sqe.set_nop_flags(flags);
    sqe
}

#[test]
fn cqe32_carries_the_extra_words() {
    let sim = SimKernel::starting_at(u32::MAX - 2);
    let mut ring = Builder::new(2).cqe32().build_on(sim.clone()).unwrap();
    for i in 0..20u64 {
        assert!(push(&mut ring, &big_nop(i, i * 3, !i, 0)));
        ring.submit_and_wait(1).unwrap();
        let c = ring.cq().pop().unwrap();
        assert_eq!((c.user_data, c.big), (i, [i * 3, !i]));
    }
    assert_clean(&sim);
}

#[test]
fn mixed_cq_skips_filler_entries() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(4).cqe_mixed().build_on(sim.clone()).unwrap();
    assert_eq!(ring.cq().capacity(), 8);
    let mut rng = Rng::new(3);
    let mut expect = Vec::new();
    let mut got = Vec::new();
    for i in 0..if cfg!(miri) { 60 } else { 600 } {
        let big = rng.below(3) == 0;
        let sqe = if big { big_nop(i, i, i + 1, IORING_NOP_CQE32) } else { nop(i) };
        assert!(push(&mut ring, &sqe));
        expect.push((i, big));
        if rng.below(2) == 0 || ring.sq().space_left() == 0 {
            ring.submit().unwrap();
            for c in drain(&mut ring) {
                assert_eq!(c.flags & IORING_CQE_F_SKIP, 0, "a filler entry reached the application");
                let big = c.flags & IORING_CQE_F_32 != 0;
                if big {
                    assert_eq!(c.big, [c.user_data, c.user_data + 1]);
                }
                got.push((c.user_data, big));
            }
        }
    }
    ring.submit().unwrap();
    got.extend(drain(&mut ring).iter().map(|c| (c.user_data, c.flags & IORING_CQE_F_32 != 0)));
    assert_eq!(got, expect);
    assert_clean(&sim);
}

// ---- operations and the memory they hold ----

/// Pushes an SQE whose buffers the test keeps alive.
///
/// # Safety
///
/// Every pointer in `sqe` must stay valid until its completion is reaped
/// (or, in the use-after-free test, the test must want the violation).
unsafe fn push_raw(ring: &mut Ring<SimKernel>, sqe: &io_uring_sqe) {
    // SAFETY: forwarded contract.
    unsafe { ring.sq().push(sqe) }.expect("room in the SQ");
}

fn rw(op: u8, fd: i32, buf: *const u8, len: usize, off: u64, user_data: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode: op, fd, len: len as u32, user_data, ..Default::default() };
    sqe.set_addr(buf as u64);
    sqe.set_off(off);
    sqe
}

#[test]
fn reads_and_writes_go_through_user_memory() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(b"hello, world".to_vec());
    let mut buf = vec![0u8; 5];
    let src = b"WORLD".to_vec();
    let iov_a = vec![0u8; 3];
    let iov_b = vec![0u8; 4];
    let iovs = [
        libc::iovec { iov_base: iov_a.as_ptr() as *mut _, iov_len: 3 },
        libc::iovec { iov_base: iov_b.as_ptr() as *mut _, iov_len: 4 },
    ];
    let iov_box = Box::new(iovs);
    // SAFETY: the buffers and the iovec array live until the completions
    // are reaped below.
    unsafe {
        push_raw(&mut ring, &rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 5, 7, 1));
        push_raw(&mut ring, &rw(IORING_OP_WRITE, fd, src.as_ptr(), 5, 0, 2));
        push_raw(&mut ring, &rw(IORING_OP_READV, fd, iov_box.as_ptr().cast(), 2, 5, 3));
    }
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, 5), (2, 5), (3, 7)]);
    assert_eq!(&buf, b"world");
    assert_eq!(&iov_a, b", w");
    assert_eq!(&iov_b, b"orld");
    assert_eq!(sim.file_data(fd).unwrap(), b"WORLD, world");
    assert_clean(&sim);
}

#[test]
fn kernel_write_into_freed_buffer_is_reported() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(vec![7u8; 64]);
    let mut buf = vec![0u8; 64];
    let addr = buf.as_mut_ptr();
    // SAFETY: deliberately broken: the buffer is freed while the read is in
    // flight, which is what the simulator must catch (it checks before it
    // writes, so nothing is actually written into freed memory).
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, fd, addr, 64, 0, 9)) };
    ring.submit().unwrap();
    let held = sim.inflight();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].state, InflightState::Held);
    assert_eq!(held[0].held[0].addr, addr as u64);
    drop(buf);
    assert!(sim.release(9));
    let c = drain(&mut ring);
    assert_eq!(c[0].res, -libc::EFAULT);
    let v = sim.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("freed memory"), "{v:?}");
}

#[test]
fn completions_arrive_in_any_order() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    for i in 0..8 {
        assert!(push(&mut ring, &nop(i)));
    }
    ring.submit().unwrap();
    assert_eq!(ring.cq().ready(), 0);
    for i in (0..8).rev() {
        assert!(sim.release(i));
    }
    let order: Vec<_> = drain(&mut ring).iter().map(|c| c.user_data).collect();
    assert_eq!(order, (0..8).rev().collect::<Vec<_>>());
    assert_clean(&sim);
}

#[test]
fn link_chains_break_on_failure_and_hardlinks_survive_it() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let link = |mut s: io_uring_sqe, f: u8| {
        s.flags |= f;
        s
    };
    let bad_read = io_uring_sqe { opcode: IORING_OP_READ, fd: 9999, user_data: 2, ..Default::default() };
    assert!(push(&mut ring, &link(nop(1), IOSQE_IO_LINK)));
    assert!(push(&mut ring, &link(bad_read, IOSQE_IO_LINK)));
    assert!(push(&mut ring, &link(nop(3), IOSQE_IO_LINK)));
    assert!(push(&mut ring, &nop(4)));
    ring.submit_and_wait(4).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, 0), (2, -libc::EBADF), (3, -libc::ECANCELED), (4, -libc::ECANCELED)]);
    let bad_read = io_uring_sqe { opcode: IORING_OP_READ, fd: 9999, user_data: 6, ..Default::default() };
    assert!(push(&mut ring, &link(bad_read, IOSQE_IO_HARDLINK)));
    assert!(push(&mut ring, &link(nop(7), IOSQE_CQE_SKIP_SUCCESS)));
    assert!(push(&mut ring, &nop(8)));
    ring.submit_and_wait(2).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    // The hard link ran 7 despite 6's error; 7's success was skipped.
    assert_eq!(res, vec![(6, -libc::EBADF), (8, 0)]);
    assert_eq!(sim.executions(7), 1);
    assert_clean(&sim);
}

fn cancel(target: u64, user_data: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode: IORING_OP_ASYNC_CANCEL, fd: -1, user_data, ..Default::default() };
    sqe.set_addr(target);
    sqe
}

fn poll(fd: i32, user_data: u64, multi: bool) -> io_uring_sqe {
    let mut sqe = io_uring_sqe {
        opcode: IORING_OP_POLL_ADD,
        fd,
        user_data,
        len: if multi { IORING_POLL_ADD_MULTI } else { 0 },
        ..Default::default()
    };
    sqe.set_poll32_events(libc::POLLIN as u32);
    sqe
}

#[test]
fn cancel_finds_its_target_or_reports_why_not() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_pollable();
    assert!(push(&mut ring, &poll(fd, 1, false)));
    ring.submit().unwrap();
    assert!(ring.cq().pop().is_none(), "the poll blocks");
    assert!(push(&mut ring, &cancel(1, 100)));
    assert!(push(&mut ring, &cancel(42, 101)));
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, -libc::ECANCELED), (100, 0), (101, -libc::ENOENT)]);
    assert_clean(&sim);
}

#[test]
fn cancel_can_lose_the_race() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, cancel_race: 1000, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(b"data".to_vec());
    let mut buf = vec![0u8; 4];
    // SAFETY: `buf` outlives the completion, reaped below.
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 4, 0, 1)) };
    ring.submit().unwrap();
    assert!(push(&mut ring, &cancel(1, 2)));
    ring.submit().unwrap();
    assert!(sim.release(2));
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    // Both CQEs: the target with its real result, the cancel too late.
    assert_eq!(res, vec![(1, 4), (2, -libc::EALREADY)]);
    assert_eq!(&buf, b"data");
    assert_clean(&sim);
}

#[test]
fn multishot_poll_streams_until_cancelled_or_ended() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_pollable();
    assert!(push(&mut ring, &poll(fd, 1, true)));
    ring.submit().unwrap();
    for _ in 0..3 {
        sim.set_ready(fd, libc::POLLIN as u32);
    }
    let c = drain(&mut ring);
    assert_eq!(c.len(), 3);
    assert!(c.iter().all(|c| c.more() && c.res == libc::POLLIN as i32));
    assert!(push(&mut ring, &cancel(1, 2)));
    ring.submit().unwrap();
    let c = drain(&mut ring);
    assert_eq!((c[0].user_data, c[0].res, c[0].more()), (1, -libc::ECANCELED, false));
    // With chaos the stream may end on its own, early.
    sim.set_chaos(Chaos { end_multishot: 1000, ..Chaos::default() });
    assert!(push(&mut ring, &poll(fd, 3, true)));
    ring.submit().unwrap();
    let c = drain(&mut ring);
    assert_eq!(c.len(), 1, "the fd was ready at arm time");
    assert!(!c[0].more());
    assert_clean(&sim);
}

#[test]
fn send_zc_posts_notifications_late_and_out_of_order() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { shuffle_notifs: true, seed: 5, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let sock = sim.add_socket();
    let bufs: Vec<Vec<u8>> = (0..6u8).map(|i| vec![b'a' + i; 3]).collect();
    for (i, b) in bufs.iter().enumerate() {
        let mut sqe = rw(IORING_OP_SEND_ZC, sock, b.as_ptr(), 3, 0, i as u64);
        sqe.set_off(0);
        // SAFETY: `bufs` lives until every notification is reaped below.
        unsafe { push_raw(&mut ring, &sqe) };
    }
    ring.submit().unwrap();
    let results = drain(&mut ring);
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|c| c.more() && !c.notif() && c.res == 3));
    // The buffers are still held: nothing was sent yet.
    assert!(sim.inflight().iter().all(|r| r.state == InflightState::AwaitingNotif && r.held.len() == 1));
    assert!(sim.socket_data(sock).is_empty());
    assert_eq!(sim.release_notifs(), 6);
    let notifs = drain(&mut ring);
    assert!(notifs.iter().all(|c| c.notif() && !c.more()));
    let order: Vec<_> = notifs.iter().map(|c| c.user_data).collect();
    assert_ne!(order, (0..6).collect::<Vec<_>>(), "seed 5 shuffles the notifications");
    assert_eq!(sim.socket_data(sock).len(), 18);
    assert!(sim.inflight().is_empty());
    assert_clean(&sim);
}

#[test]
fn pipe_read_blocks_until_written() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let (r, w) = sim.add_pipe();
    let mut buf = vec![0u8; 8];
    // SAFETY: `buf` outlives the completion.
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, r, buf.as_mut_ptr(), 8, u64::MAX, 1)) };
    ring.submit().unwrap();
    assert!(ring.cq().pop().is_none());
    sim.pipe_write(w, b"abc");
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.res, 3);
    assert_eq!(&buf[..3], b"abc");
    assert_clean(&sim);
}

#[test]
fn timeouts_fire_on_the_virtual_clock_or_by_count() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let ts = Box::new(__kernel_timespec { tv_sec: 2, tv_nsec: 0 });
    let mut t = io_uring_sqe { opcode: IORING_OP_TIMEOUT, len: 1, user_data: 1, ..Default::default() };
    t.set_addr((&raw const *ts) as u64);
    // SAFETY: `ts` outlives the submission (it is copied then).
    unsafe { push_raw(&mut ring, &t) };
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().res, -libc::ETIME);
    assert_eq!(sim.now(), Duration::from_secs(2));
    // A count of two: two other completions end it with 0.
    t.user_data = 2;
    t.set_off(2);
    // SAFETY: as above.
    unsafe { push_raw(&mut ring, &t) };
    assert!(push(&mut ring, &nop(3)));
    assert!(push(&mut ring, &nop(4)));
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(3, 0), (4, 0), (2, 0)]);
    // An EXT_ARG wait with nothing in flight ends with its timeout.
    assert_eq!(ring.submit_and_wait_timeout(1, Duration::from_millis(5)).unwrap(), 0);
    if !cfg!(miri) {
        assert_eq!(sim.now(), Duration::from_millis(2005));
    }
    assert_clean(&sim);
}

#[test]
fn openat_statx_close() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    sim.add_path("/data", b"0123456789".to_vec());
    let path = b"/data\0".to_vec();
    let mut o = io_uring_sqe { opcode: IORING_OP_OPENAT, fd: libc::AT_FDCWD, user_data: 1, ..Default::default() };
    o.set_addr(path.as_ptr() as u64);
    // SAFETY: the path is copied at submission and outlives it.
    unsafe { push_raw(&mut ring, &o) };
    ring.submit_and_wait(1).unwrap();
    let fd = ring.cq().pop().unwrap().res;
    assert!(fd >= 0);
    // SAFETY: `statx` is plain integers; zero is a valid value.
    let st = Box::new(unsafe { core::mem::zeroed::<libc::statx>() });
    let st_ptr = Box::into_raw(st);
    let mut s = io_uring_sqe { opcode: IORING_OP_STATX, fd: libc::AT_FDCWD, user_data: 2, ..Default::default() };
    s.set_addr(path.as_ptr() as u64);
    s.set_addr2(st_ptr as u64);
    // SAFETY: the path and the statx buffer live until the completion.
    unsafe { push_raw(&mut ring, &s) };
    assert!(push(&mut ring, &io_uring_sqe { opcode: IORING_OP_CLOSE, fd, user_data: 3, ..Default::default() }));
    ring.submit_and_wait(2).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(2, 0), (3, 0)]);
    // SAFETY: from `Box::into_raw` above; the kernel is done with it.
    let st = unsafe { Box::from_raw(st_ptr) };
    assert_eq!(st.stx_size, 10);
    assert!(!sim.is_open(fd));
    assert_clean(&sim);
}

#[test]
fn driver_runs_on_the_simulator() {
    let sim = SimKernel::starting_at(u32::MAX - 1);
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let driver = ring_core::Driver::with_ring(ring, ring_core::driver::Immediate);
    let fd = sim.add_file(b"simulated".to_vec());
    for round in 0..if cfg!(miri) { 3 } else { 50 } {
        // SAFETY: the SQE reads into the Vec owned by the operation.
        let op = unsafe {
            driver.submit_raw(vec![0u8; 9], move |buf: &mut Vec<u8>| rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 9, 0, 0))
        };
        let (cqe, buf) = block_on(&driver, op);
        assert_eq!(cqe.res, 9, "round {round}");
        assert_eq!(&buf, b"simulated");
    }
    drop(driver);
    assert_eq!(sim.live_rings(), 0, "the ring's memory is released");
    assert_clean(&sim);
}

/// Polls `fut` to completion, parking the driver in between.
fn block_on<F: core::future::Future>(driver: &ring_core::Driver<SimKernel>, fut: F) -> F::Output {
    let mut fut = core::pin::pin!(fut);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    loop {
        if let core::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        driver.park(None).unwrap();
    }
}
