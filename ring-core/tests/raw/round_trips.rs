//! The raw ring against this machine's kernel, round trip by round trip: a
//! NOP and a read, entries reserved, filled and committed (also 128-byte
//! ones), completions drained across wrap-around, the SQ's accounting and
//! rollback, the eventfd silenced, and a dropped ring's registered slot.

use ring_core::sys::*;
use ring_core::{Builder, Ring};

#[test]
fn nop_round_trip() {
    let mut ring = Ring::new(8).expect("io_uring setup");
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = 42;
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
    assert_eq!(ring.cq().capacity(), 16, "twice the SQ");
    assert_eq!(ring.cq().ready(), 1, "one completion waiting");
    let cqe = ring.cq().pop().expect("a completion");
    assert_eq!(ring.cq().ready(), 0);
    assert_eq!(cqe.user_data, 42);
    assert_eq!(cqe.res, 0);
    assert!(ring.cq().pop().is_none());
    println!("{ring:?}");
}

#[test]
fn without_registered_fd_and_sqarray() {
    let mut ring = Builder::new(4).register_ring_fd(false).no_sqarray(false).build().unwrap();
    assert!(ring.registered_index().is_none());
    for round in 0..10u64 {
        for i in 0..4u64 {
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_NOP;
            sqe.user_data = round * 10 + i;
            // SAFETY: a NOP points at no memory.
            unsafe { ring.sq().push(&sqe) }.unwrap();
        }
        ring.submit_and_wait(4).unwrap();
        let mut seen = Vec::new();
        while let Some(c) = ring.cq().pop() {
            seen.push(c.user_data);
        }
        seen.sort();
        assert_eq!(seen, (0..4).map(|i| round * 10 + i).collect::<Vec<_>>());
    }
}

/// `SubmissionQueue::reserve`: entries filled in place reach the kernel
/// only after `commit`, a batch dropped without it publishes nothing,
/// filling past the reservation fails, and reservations that wrap past the
/// end of the ring fill both runs.
#[test]
fn reserve_fill_commit() {
    let mut ring = Ring::new(4).expect("io_uring setup");
    let mut next = 0u64;
    for round in 0..10u32 {
        // 3 per round on a ring of 4: the reservations wrap in most rounds.
        let n = 3;
        // SAFETY: NOPs point at no memory.
        let mut b = unsafe { ring.sq().reserve(n) }.unwrap();
        assert_eq!(b.remaining(), n);
        for _ in 0..n {
            let ud = next;
            next += 1;
            b.fill(|s| {
                s.opcode = IORING_OP_NOP;
                s.user_data = ud;
            })
            .unwrap();
        }
        assert_eq!(b.remaining(), 0);
        assert!(b.fill(|_| unreachable!("no position left")).is_err());
        assert_eq!(b.commit(), n);
        if round % 3 == 0 {
            // Dropped without commit: nothing of it is published.
            // SAFETY: as above.
            let mut b = unsafe { ring.sq().reserve(1) }.unwrap();
            b.fill(|s| s.user_data = 999).unwrap();
            drop(b);
        }
        assert_eq!(ring.submit_and_wait(n).unwrap(), n);
        let mut seen = Vec::new();
        ring.cq().drain(|c| {
            assert_eq!(c.res, 0);
            seen.push(c.user_data);
        });
        seen.sort();
        assert_eq!(seen, (next - u64::from(n)..next).collect::<Vec<_>>());
    }
    // SAFETY: reserving nothing is fine; more than the ring is not.
    assert!(unsafe { ring.sq().reserve(5) }.is_err());
}

/// On an SQE128 ring a filled entry's second half is zeroed.
#[test]
fn reserve_fill_sqe128() {
    let mut ring = match Builder::new(4).sqe128().build() {
        Ok(ring) => ring,
        Err(e) => {
            assert!(matches!(e, ring_core::Error::UnsupportedSetupFlag { .. }), "{e:?}");
            println!("skipping: {e}");
            return;
        }
    };
    for round in 0..6u64 {
        // SAFETY: NOPs point at no memory.
        let mut b = unsafe { ring.sq().reserve(3) }.unwrap();
        for i in 0..3 {
            b.write(&io_uring_sqe { opcode: IORING_OP_NOP, user_data: round * 3 + i, ..Default::default() }).unwrap();
        }
        b.commit();
        ring.submit_and_wait(3).unwrap();
        let mut n = 0;
        ring.cq().drain(|c| {
            assert_eq!(c.res, 0);
            n += 1;
        });
        assert_eq!(n, 3);
    }
}

#[test]
fn drain_reaps_every_batch_size_across_wrap_around() {
    // A CQ of 8 entries, batches of 1 to 8 completions, many rounds: the
    // head and tail wrap the ring in every position, and `drain` takes both
    // its short-batch loop (fewer than 4) and its run-walking path.
    let mut ring = Builder::new(8).cq_size(8).build().unwrap();
    let mut next = 0u64;
    for round in 0..60u32 {
        let n = round % 8 + 1;
        for _ in 0..n {
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_NOP;
            sqe.user_data = next;
            next += 1;
            // SAFETY: a NOP carries no pointer.
            unsafe { ring.sq().push(&sqe) }.unwrap();
        }
        assert_eq!(ring.sq().unpublished(), n, "written, not yet published");
        assert!(!ring.sq().is_empty());
        ring.submit_and_wait(n).unwrap();
        assert_eq!(ring.sq().unpublished(), 0);
        ring.sq().sync_head();
        assert!(ring.sq().is_empty(), "the kernel consumed everything");
        let head_before = ring.cq().head();
        let mut got = Vec::new();
        let reaped = ring.cq().drain(|c| got.push((c.user_data, c.res)));
        assert_eq!(reaped, n, "round {round}");
        assert_eq!(ring.cq().head(), head_before.wrapping_add(n), "the head moved past exactly the reaped entries");
        got.sort();
        let want: Vec<(u64, i32)> = (next - u64::from(n)..next).map(|u| (u, 0)).collect();
        assert_eq!(got, want, "round {round}");
        assert_eq!(ring.cq().drain(|_| panic!("nothing is left")), 0);
        assert_eq!(ring.cq().overflow(), 0);
    }
    assert!(ring.cq().set_eventfd_enabled(false), "this kernel has CQ ring flags");
    assert!(ring.cq().set_eventfd_enabled(true));
    assert_eq!(ring_core::SqFull.to_string(), "submission queue is full");
}

#[test]
fn sq_accounting_and_rollback() {
    let mut ring = Builder::new(8).build().unwrap();
    let start = ring.sq().local_tail();
    assert_eq!(ring.sq().space_left(), 8);
    for i in 0..3u64 {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        sqe.user_data = i;
        // SAFETY: a NOP carries no pointer.
        unsafe { ring.sq().push(&sqe) }.unwrap();
    }
    assert_eq!(ring.sq().local_tail(), start.wrapping_add(3));
    assert_eq!(ring.sq().space_left(), 5);
    // Roll the last two back: they were never published, so they vanish.
    ring.sq().rollback_to(start.wrapping_add(1));
    assert_eq!(ring.sq().unpublished(), 1);
    assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.user_data, 0);
    assert!(ring.cq().pop().is_none(), "the rolled-back entries never ran");
    assert_eq!(ring.sq().dropped(), 0);
}

#[test]
fn disabling_eventfd_notifications_silences_the_eventfd() {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let mut ring = Builder::new(4).build().unwrap();
    // SAFETY: eventfd has no memory effects.
    let raw = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(raw >= 0);
    // SAFETY: a fresh descriptor we own.
    let efd = unsafe { OwnedFd::from_raw_fd(raw) };
    ring.register_eventfd(efd.as_raw_fd()).unwrap();
    let count = |efd: &OwnedFd| {
        let mut v = 0u64;
        // SAFETY: reads 8 bytes into a live u64.
        let n = unsafe { libc::read(efd.as_raw_fd(), (&raw mut v).cast(), 8) };
        if n == 8 {
            v
        } else {
            0
        }
    };
    let nop = |ring: &mut ring_core::Ring| {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        // SAFETY: a NOP carries no pointer.
        unsafe { ring.sq().push(&sqe) }.unwrap();
        ring.submit_and_wait(1).unwrap();
        ring.cq().pop().unwrap();
    };
    assert!(ring.cq().set_eventfd_enabled(false));
    nop(&mut ring);
    assert_eq!(count(&efd), 0, "disabled: the completion did not signal");
    assert!(ring.cq().set_eventfd_enabled(true));
    nop(&mut ring);
    assert!(count(&efd) >= 1, "enabled again: it signals");
}

#[test]
fn a_dropped_ring_gives_its_registered_slot_back() {
    // A thread has 16 slots for registered rings, and a registration keeps
    // its ring alive. Each ring the builder registers by default must give
    // its slot back when dropped, or the seventeenth ring built and dropped
    // on a thread gets no index (and a REGISTERED_FD_ONLY ring cannot be set
    // up there at all). Run on a thread of its own: the table is per thread.
    std::thread::spawn(|| {
        let first = ring_core::Ring::new(2).expect("ring");
        let Some(index) = first.registered_index() else {
            println!("skipping: a ring set up here got no registered index (IORING_REGISTER_RING_FDS, added in 5.18)");
            return;
        };
        drop(first);
        for i in 0..40 {
            let ring = ring_core::Ring::new(2).expect("ring");
            assert_eq!(ring.registered_index(), Some(index), "ring {i} got another slot, or none");
        }
        match ring_core::Builder::new(2).registered_fd_only().build() {
            Ok(_) => {}
            // A kernel without the flag (6.1) names it; that is no leak.
            Err(e @ ring_core::Error::UnsupportedSetupFlag { .. }) => {
                println!("skipping the REGISTERED_FD_ONLY half: {e}");
            }
            Err(e) => panic!("a REGISTERED_FD_ONLY ring after 40 dropped rings: {e:?}"),
        }
    })
    .join()
    .unwrap();
}
