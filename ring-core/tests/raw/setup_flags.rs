//! Every setup flag on this machine's kernel: a ring is built with it and a
//! request goes round trip, plus the flag's own effect where one can be
//! observed. A flag the kernel lacks is reported with the typed error and
//! the test prints why it skips.

use ring_core::sys::*;
use ring_core::{Builder, Error, Ring};
use std::time::{Duration, Instant};

fn nop(ring: &mut Ring, user_data: u64) {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = user_data;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(c) = ring.cq().pop() {
            assert_eq!((c.user_data, c.res), (user_data, 0));
            return;
        }
        assert!(Instant::now() < deadline, "no completion for {user_data}");
        ring.get_events().unwrap();
    }
}

/// Builds the ring, or prints why the kernel refused and returns `None`:
/// a flag or register operation it lacks (the typed errors that name it),
/// or a privilege this process lacks. Any other error, a bare errno above
/// all, fails the test: a kernel without a flag must be named as such.
fn build(name: &str, b: Builder) -> Option<Ring> {
    match b.build() {
        Ok(r) => Some(r),
        Err(e @ (Error::UnsupportedSetupFlag { .. } | Error::UnsupportedRegister { .. })) => {
            println!("skipping {name}: this kernel refuses it ({e})");
            None
        }
        Err(e @ Error::Syscall { .. }) if matches!(e.errno().map(|e| e.raw()), Some(libc::EPERM | libc::EACCES)) => {
            println!("skipping {name}: not permitted here ({e})");
            None
        }
        Err(e) => panic!("{name}: {e:?}"),
    }
}

#[test]
fn sqpoll_thread_sleeps_and_is_woken() {
    let Some(mut ring) = build("SQPOLL", Builder::new(8).sqpoll(Some(10))) else { return };
    nop(&mut ring, 1);
    // Idle past sq_thread_idle: the thread sets NEED_WAKEUP and sleeps.
    let deadline = Instant::now() + Duration::from_secs(5);
    while ring.sq().flags() & IORING_SQ_NEED_WAKEUP == 0 {
        assert!(Instant::now() < deadline, "the SQPOLL thread never went to sleep");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The next submission must wake it (SQ_WAKEUP after the full fence).
    nop(&mut ring, 2);
}

#[test]
fn sqpoll_pinned_to_a_cpu() {
    let Some(mut ring) = build("SQ_AFF", Builder::new(8).sqpoll(Some(10)).sqpoll_cpu(0)) else { return };
    assert_ne!(ring.setup_flags() & IORING_SETUP_SQ_AFF, 0);
    nop(&mut ring, 1);
}

#[test]
fn iopoll_and_hybrid_iopoll() {
    // Polled completion needs a device with poll queues for real I/O; the
    // ring itself and a NOP work anywhere.
    if let Some(mut ring) = build("IOPOLL", Builder::new(8).iopoll()) {
        assert_ne!(ring.setup_flags() & IORING_SETUP_IOPOLL, 0);
        nop(&mut ring, 1);
    }
    if let Some(mut ring) = build("HYBRID_IOPOLL", Builder::new(8).hybrid_iopoll()) {
        assert_ne!(ring.setup_flags() & IORING_SETUP_HYBRID_IOPOLL, 0);
        nop(&mut ring, 1);
    }
}

#[test]
fn cq_size_and_clamp() {
    let mut ring = build("CQSIZE", Builder::new(8).cq_size(100)).unwrap();
    assert_eq!(ring.params().cq_entries, 128, "rounded up to a power of two");
    nop(&mut ring, 1);
    let ring = build("CLAMP", Builder::new(1 << 20).clamp()).unwrap();
    assert_eq!(ring.params().sq_entries, 32768, "clamped to IORING_MAX_ENTRIES");
    assert!(matches!(Builder::new(1 << 20).build(), Err(Error::RingSize { which: "sq", .. })));
    assert!(matches!(Builder::new(0).build(), Err(Error::RingSize { .. })));
    assert!(matches!(Builder::new(8).cq_size(4).build(), Err(Error::SetupFlagConflict { .. })));
}

#[test]
fn attach_wq_shares_the_worker_pool() {
    let first = Ring::new(8).unwrap();
    let mut second = build("ATTACH_WQ", Builder::new(8).attach_wq_ring(&first)).unwrap();
    assert_ne!(second.setup_flags() & IORING_SETUP_ATTACH_WQ, 0);
    nop(&mut second, 1);
}

#[test]
fn r_disabled_refuses_submissions_until_enabled() {
    let mut ring = build("R_DISABLED", Builder::new(8).r_disabled()).unwrap();
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    let e = ring.submit().unwrap_err();
    assert_eq!(e.errno().map(|e| e.raw()), Some(libc::EBADFD), "{e}");
    ring.enable().unwrap();
    // The entry written while disabled is still there and goes now.
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().res, 0);
}

#[test]
fn submit_all_keeps_going_after_a_bad_entry() {
    let mut ring = build("SUBMIT_ALL", Builder::new(8).submit_all()).unwrap();
    for (i, op) in [IORING_OP_NOP, 250, IORING_OP_NOP].into_iter().enumerate() {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = op;
        sqe.user_data = i as u64;
        // SAFETY: NOPs and an invalid opcode carry no pointer.
        unsafe { ring.sq().push(&sqe) }.unwrap();
    }
    assert_eq!(ring.submit_and_wait(3).unwrap(), 3, "all three consumed");
    let mut res = [0; 3];
    while let Some(c) = ring.cq().pop() {
        res[c.user_data as usize] = c.res;
    }
    assert_eq!(res, [0, -libc::EINVAL, 0]);
}

#[test]
fn coop_taskrun_taskrun_flag_single_issuer_defer_taskrun() {
    for (name, b) in [
        ("COOP_TASKRUN", Builder::new(8).coop_taskrun()),
        ("COOP_TASKRUN|TASKRUN_FLAG", Builder::new(8).coop_taskrun().taskrun_flag()),
        ("SINGLE_ISSUER", Builder::new(8).single_issuer()),
        ("DEFER_TASKRUN", Builder::new(8).defer_taskrun()),
        ("DEFER_TASKRUN|TASKRUN_FLAG", Builder::new(8).defer_taskrun().taskrun_flag()),
    ] {
        let mut ring = build(name, b).unwrap();
        for i in 0..4 {
            nop(&mut ring, i);
        }
    }
    assert!(matches!(
        Builder::new(8).sqpoll(None).defer_taskrun().build(),
        Err(Error::SetupFlagConflict { flag: "IORING_SETUP_SQPOLL", .. })
    ));
}

#[test]
fn sqe128_and_cqe32() {
    let mut ring = build("SQE128", Builder::new(8).sqe128()).unwrap();
    let mut big = io_uring_sqe128::default();
    big.sqe.opcode = IORING_OP_NOP;
    big.sqe.user_data = 7;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push128(&big) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().user_data, 7);
    let mut ring = build("CQE32", Builder::new(8).cqe32()).unwrap();
    nop(&mut ring, 8);
}

#[test]
fn mixed_sizes() {
    if let Some(mut ring) = build("CQE_MIXED", Builder::new(8).cqe_mixed()) {
        for i in 0..20 {
            nop(&mut ring, i);
        }
    }
    if let Some(mut ring) = build("SQE_MIXED", Builder::new(8).sqe_mixed()) {
        nop(&mut ring, 1);
    }
}

#[test]
fn no_mmap_and_registered_fd_only() {
    let Some(mut ring) = build("NO_MMAP", Builder::new(8).no_mmap()) else { return };
    nop(&mut ring, 1);
    let Some(mut ring) = build("REGISTERED_FD_ONLY", Builder::new(8).registered_fd_only()) else { return };
    assert!(ring.fd().is_none(), "the ring has no descriptor, only a registered index");
    assert!(ring.registered_index().is_some());
    nop(&mut ring, 2);
}

#[test]
fn no_sqarray_by_default_and_on_request() {
    let ring = Ring::new(8).unwrap();
    // Used by default where the kernel has it; where it does not (asking
    // for it is refused, naming it), the default falls back to the array.
    let has = build("NO_SQARRAY", Builder::new(8).no_sqarray(true)).is_some();
    assert_eq!(
        ring.setup_flags() & IORING_SETUP_NO_SQARRAY != 0,
        has,
        "used by default exactly where the kernel has it"
    );
    let mut ring = build("no NO_SQARRAY", Builder::new(8).no_sqarray(false)).unwrap();
    assert_eq!(ring.setup_flags() & IORING_SETUP_NO_SQARRAY, 0);
    nop(&mut ring, 1);
}

/// SQ_REWIND makes the kernel ignore the SQ head and tail, which this
/// crate's queue publishes: the builder refuses it before setup, whatever
/// the kernel would say (`adversarial` `sq_rewind_is_refused_with_a_typed_error`).
#[test]
fn sq_rewind() {
    match Builder::new(8).sq_rewind().build() {
        Err(Error::SetupFlagConflict { flag, .. }) => assert_eq!(flag, "IORING_SETUP_SQ_REWIND"),
        other => panic!("SQ_REWIND must be refused before setup, got {:?}", other.map(|r| r.setup_flags())),
    }
}

#[test]
fn registered_wait_descriptors() {
    let Some(mut ring) = build("registered waits", Builder::new(8).registered_waits(4)) else { return };
    let start = Instant::now();
    // Nothing in flight: the wait ends by its timeout, described in slot 2.
    assert_eq!(ring.submit_and_wait_registered(1, 2, Some(Duration::from_millis(20))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(15), "{:?}", start.elapsed());
    nop(&mut ring, 3);
    assert!(matches!(ring.submit_and_wait_registered(1, 99, None), Err(Error::InvalidArgument(_))));
}

#[test]
fn cqe32_ring_cycles_through_every_slot() {
    // Every completion of a 32-byte-CQE ring sits at twice its slot index in
    // 16-byte units; cycling through the ring several times reads each slot.
    let mut ring = build("CQE32", Builder::new(4).cqe32()).unwrap();
    for round in 0..10u64 {
        for i in 0..4u64 {
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_NOP;
            sqe.user_data = round * 4 + i;
            // SAFETY: a NOP carries no pointer.
            unsafe { ring.sq().push(&sqe) }.unwrap();
        }
        ring.submit_and_wait(4).unwrap();
        let mut seen: Vec<u64> = if round % 2 == 0 {
            std::iter::from_fn(|| ring.cq().pop()).map(|c| c.user_data).collect()
        } else {
            // `drain` on a 32-byte ring takes the entry-by-entry path.
            let mut v = Vec::new();
            assert_eq!(ring.cq().drain(|c| v.push(c.user_data)), 4);
            v
        };
        seen.sort();
        assert_eq!(seen, (0..4).map(|i| round * 4 + i).collect::<Vec<_>>(), "round {round}");
    }
}

#[test]
fn taskrun_flag_reports_deferred_completions() {
    // Under DEFER_TASKRUN a timer's completion waits as task work until the
    // application asks for events; TASKRUN_FLAG makes that visible in the
    // SQ flags.
    let Some(mut ring) = build("DEFER_TASKRUN|TASKRUN_FLAG", Builder::new(8).defer_taskrun().taskrun_flag()) else {
        return;
    };
    let ts = __kernel_timespec { tv_sec: 0, tv_nsec: 1_000_000 };
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_TIMEOUT;
    sqe.fd = -1;
    sqe.set_addr((&raw const ts) as u64);
    sqe.len = 1;
    sqe.user_data = 9;
    // SAFETY: the timespec lives on this stack frame until the completion
    // is reaped below (and the kernel copies it at submission anyway).
    unsafe { ring.sq().push(&sqe) }.unwrap();
    ring.submit().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !ring.sq().taskrun() {
        assert!(Instant::now() < deadline, "IORING_SQ_TASKRUN never appeared");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(ring.cq().pop().is_none(), "deferred: not posted yet");
    ring.get_events().unwrap();
    let c = ring.cq().pop().expect("posted once events were asked for");
    assert_eq!((c.user_data, c.res), (9, -libc::ETIME));
    assert!(!ring.sq().taskrun());
}

/// A ring set up with `Builder::defer_taskrun` runs deferred completions at
/// every submit, not only when the program runs out of work: a runtime kept
/// busy by operations that complete inline (NOPs here, page-cache reads in
/// the benchmarks) still sees its timer fire on time. Without TASKRUN_FLAG
/// the kernel never tells ring-core that deferred work waits, no submit
/// asks for it, and the timer's completion sits in the deferred list until
/// the busy loop ends.
#[test]
fn defer_taskrun_delivers_deferred_completions_to_a_busy_runtime() {
    let Some(ring) = build("DEFER_TASKRUN", Builder::new(64).defer_taskrun()) else { return };
    let rt = ring_core::Runtime::with_ring(ring, ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let fired = std::rc::Rc::new(std::cell::Cell::new(None));
    let start = Instant::now();
    let timer = {
        let (d, fired) = (d.clone(), fired.clone());
        rt.spawn(async move {
            d.sleep(Duration::from_millis(50)).await.unwrap();
            fired.set(Some(start.elapsed()));
        })
    };
    // Busy until the timer fires (or for 3 s): every NOP completes inline
    // at the submit, and wakes this task again before the runtime would
    // park, so the runtime never waits for a completion (a wait enters with
    // GETEVENTS, which runs the deferred work by itself).
    let busy = {
        let fired = fired.clone();
        rt.spawn(async move {
            while fired.get().is_none() && start.elapsed() < Duration::from_secs(3) {
                d.nop().await.unwrap();
            }
        })
    };
    rt.block_on(async {
        busy.await.unwrap();
        timer.await.unwrap();
    })
    .unwrap();
    let at = fired.get().unwrap();
    assert!(
        at < Duration::from_millis(1500),
        "a 50 ms timer fired after {at:?} while the runtime was busy: deferred completions were not run"
    );
}
