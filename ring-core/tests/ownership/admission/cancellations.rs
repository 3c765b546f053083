//! Cancellations and credits: an operation that ended as cancelled, a
//! queued cancellation of an operation that completed, and a cancellation
//! made with no credit free.

use super::*;

/// Cancelling an operation that already ended with `-ECANCELED` on its own
/// (a linked member after a failed one) reports it completed: no
/// cancellation was asked for while it ran.
#[test]
fn cancelling_an_operation_that_ended_with_ecanceled_reports_it_completed() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut chain = d.chain();
    let l1 = chain.push(Raw::new(BAD_OPCODE));
    let l2 = chain.push(Raw::new(IORING_OP_NOP));
    let mut start = chain.start();
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    let (mut failing, second) = (started.take(l1).unwrap(), started.take(l2).unwrap());
    assert_eq!(finish(&d, &mut failing).0, -libc::EINVAL);
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let mut cancel = second.cancel();
    let out = finish(&d, &mut cancel);
    assert!(matches!(out, Cancelled::Completed((r, _)) if r == -libc::ECANCELED), "{out:?}");
    assert_eq!(d.stats().cancels, 0);
}

/// A cancellation that waits for a credit is dropped, not sent, if its
/// operation (still owned by its future) completes on its own first.
#[test]
fn a_queued_cancellation_of_an_operation_that_completed_is_not_sent() {
    // A plain ring: the read must complete as soon as the data is written,
    // not at the driver's next enter, as it would under DEFER_TASKRUN
    // (`Driver::new`'s setup where the kernel has it).
    let d = Driver::with_ring(ring_core::Builder::new(4).build().unwrap(), ring_core::driver::Batch::default());
    let (_, noop) = counter();
    let (r, w) = pipe();
    let mut read = d.read(&r, Vec::<u8>::with_capacity(8));
    assert!(poll_with(&mut read, &noop).is_pending());
    d.poll().unwrap();
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    assert_eq!(d.credits(), 0);
    // The read completes on its own; its completion waits in the CQ (see
    // `caps::wait_drained`). With no credit free, the driver tries a
    // cancellation from the register call, which needs none; the kernel
    // no longer finds the read, so the cancellation stays queued.
    write_all(&w, b"data");
    caps::wait_drained(&r);
    let mut cancel = read.cancel();
    assert!(poll_with(&mut cancel, &noop).is_pending());
    assert_eq!(d.stats().cancels, 0, "no credit for the cancellation yet");
    let out = finish(&d, &mut cancel);
    for mut n in nops {
        finish(&d, &mut n).unwrap();
    }
    assert!(matches!(&out, Cancelled::Completed((Ok(4), _))), "{out:?}");
    assert_eq!(d.stats().cancels, 0, "no cancellation was sent for the finished read");
    assert_eq!((d.in_flight(), d.credits()), (0, c + 1));
}

/// A cancellation with no credit free is made at once from the register
/// call (`IORING_REGISTER_SYNC_CANCEL`), which needs no credit, and the
/// orphan it was for ends while every credit is still taken. (A kernel
/// without it keeps the cancellation queued until a credit returns:
/// `verification/tests/sim_driver.rs`,
/// `without_sync_cancel_a_queued_cancellation_is_sent_once_a_credit_returns`.)
#[test]
fn a_cancellation_with_no_credit_free_is_made_from_the_register_call() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let (r, _w) = pipe();
    let mut read = d.read(&r, Vec::<u8>::with_capacity(8));
    assert!(poll_with(&mut read, &noop).is_pending());
    d.poll().unwrap();
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    drop(read);
    assert_eq!(d.stats().cancels, 1, "cancelled at once, with no credit");
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.stats().orphans_reaped == 0 {
        assert!(Instant::now() < deadline, "the orphaned read never ended");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(d.stats().cancels, 1);
    for mut n in nops {
        finish(&d, &mut n).unwrap();
    }
    assert_eq!((d.in_flight(), d.credits()), (0, c + 1));
}
