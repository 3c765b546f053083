//! The `Op` future's contract (wide entries, cancellation before start and
//! after shutdown, ended streams) and when each submit strategy submits.
//! Most tests use `Raw`, an operation built from one SQE whose output is
//! the completion's `res`.

use crate::caps;
use crate::support::*;
use ring_core::sys::IORING_OP_NOP;
use ring_core::{Builder, Cancelled, Driver};
use std::task::Poll;
use std::time::{Duration, Instant};

// SAFETY: the SQEs built here carry no pointer, so the kernel touches no
// memory of ours.
/// An opcode no kernel has: its request fails with `-EINVAL`.
const BAD_OPCODE: u8 = 250;

/// The default `prepare128` puts `prepare`'s SQE in the first half of the
/// wide entry: on an `SQE128` ring, an operation that asks for a wide entry
/// and does not build it itself reaches the kernel as `prepare` built it.
#[test]
fn the_default_wide_entry_carries_the_operations_own_sqe() {
    let d = Driver::with_ring(Builder::new(4).sqe128().build().unwrap(), ring_core::driver::Batch::default());
    let mut nop = d.op(Raw { wide: true, ..Raw::new(IORING_OP_NOP) });
    assert_eq!(finish(&d, &mut nop), (0, 0), "a wide NOP runs on an SQE128 ring");
    let mut op = d.op(Raw { wide: true, ..Raw::new(BAD_OPCODE) });
    let (res, _) = finish(&d, &mut op);
    assert_eq!(res, -libc::EINVAL, "the kernel saw the unknown opcode, not a zeroed entry (a NOP)");
    let s = d.stats();
    assert_eq!((s.started, s.completed), (2, 2), "both reached the kernel");
}

/// An operation cancelled before its first poll never reaches the kernel
/// and completes with `-ECANCELED`, reported as cancelled.
#[test]
fn an_operation_cancelled_before_it_starts_completes_with_ecanceled() {
    let d = Driver::new(4).unwrap();
    let (_, w) = counter();
    let mut c = d.op(Raw::new(IORING_OP_NOP)).cancel();
    let Poll::Ready(out) = poll_with(&mut c, &w) else { panic!("not ready at once") };
    assert!(out.was_cancelled());
    assert_eq!(out.into_inner(), (-libc::ECANCELED, -libc::ECANCELED));
    assert_eq!(d.stats().started, 0, "nothing reached the kernel");
}

/// An operation polled after the driver was shut down completes at once
/// with `-ECANCELED`.
#[test]
fn an_operation_started_after_shutdown_completes_with_ecanceled() {
    let d = Driver::new(4).unwrap();
    d.shutdown();
    let (_, w) = counter();
    let mut op = d.op(Raw::new(IORING_OP_NOP));
    assert_eq!(poll_with(&mut op, &w), Poll::Ready((-libc::ECANCELED, -libc::ECANCELED)));
    let mut c = d.op(Raw::new(IORING_OP_NOP)).cancel();
    let Poll::Ready(out) = poll_with(&mut c, &w) else { panic!("not ready at once") };
    assert!(out.was_cancelled(), "a closed driver reports the operation as cancelled");
}

/// Cancelling an operation that already completed hands back its result as
/// completed, not cancelled.
#[test]
fn cancelling_a_completed_operation_reports_it_completed() {
    let d = Driver::new(4).unwrap();
    let (_, w) = counter();
    let c0 = d.credits();
    let mut op = d.op(Raw::new(IORING_OP_NOP));
    assert!(poll_with(&mut op, &w).is_pending());
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c0 {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let mut c = op.cancel();
    let out = finish(&d, &mut c);
    assert!(!out.was_cancelled(), "{out:?}");
    assert!(matches!(out, Cancelled::Completed((0, 0))), "{out:?}");
}

/// A multishot stream that ended hands its operation back.
#[test]
fn a_stream_that_ended_hands_its_operation_back() {
    if !caps::multishot_timeouts("a_stream_that_ended_hands_its_operation_back") {
        return;
    }
    let d = Driver::new(4).unwrap();
    let mut ticks = d.ticks(Duration::from_millis(1), 2);
    let mut items = 0;
    loop {
        let mut next = ticks.next();
        match finish(&d, &mut next) {
            Some(r) => {
                r.unwrap();
                items += 1;
            }
            None => break,
        }
    }
    assert_eq!(items, 2);
    assert!(ticks.into_inner().is_some(), "the ended stream gives its value back");
    assert_eq!(d.stats().completed, 1, "the stream's end counts as one completed operation");
}

/// `Immediate` enters the kernel as soon as an SQE is written: a write to
/// a pipe has happened once the first poll returns, with no park.
#[test]
fn immediate_submits_at_the_first_poll() {
    let d = Driver::with_ring(Builder::new(4).build().unwrap(), ring_core::driver::Immediate);
    let (r, w) = pipe();
    let (_, waker) = counter();
    let mut write = d.write(&w, b"x".to_vec());
    assert!(poll_with(&mut write, &waker).is_pending());
    assert!(readable_within(&r, 1000), "the write reached the kernel without a park");
    assert_eq!(d.stats().enters, 1);
    let (n, _) = finish(&d, &mut write);
    assert_eq!(n.unwrap(), 1);
}

/// `Batch { max: 2 }` holds the first SQE back and submits once two are
/// waiting, before any park.
#[test]
fn batch_submits_once_max_entries_wait() {
    let d = Driver::with_ring(Builder::new(4).build().unwrap(), ring_core::driver::Batch { max: 2 });
    let (r, w) = pipe();
    let (_, waker) = counter();
    let mut first = d.write(&w, b"a".to_vec());
    assert!(poll_with(&mut first, &waker).is_pending());
    assert!(!readable_within(&r, 20), "one SQE waits for the batch");
    assert_eq!(d.stats().enters, 0);
    let mut second = d.write(&w, b"b".to_vec());
    assert!(poll_with(&mut second, &waker).is_pending());
    assert!(readable_within(&r, 1000), "the second SQE filled the batch, and both were submitted");
    assert_eq!(d.stats().enters, 1);
    assert_eq!(finish(&d, &mut first).0.unwrap(), 1);
    assert_eq!(finish(&d, &mut second).0.unwrap(), 1);
}

/// `SqPoll` publishes each SQE as it is written, so the poll thread runs
/// it without a park.
#[test]
fn sqpoll_publishes_at_the_first_poll() {
    let d = Driver::with_ring(Builder::new(4).sqpoll(Some(1000)).build().unwrap(), ring_core::driver::SqPoll);
    let (r, w) = pipe();
    let (_, waker) = counter();
    let mut write = d.write(&w, b"x".to_vec());
    assert!(poll_with(&mut write, &waker).is_pending());
    assert!(readable_within(&r, 1000), "the poll thread ran the write without a park");
    let (n, _) = finish(&d, &mut write);
    assert_eq!(n.unwrap(), 1);
}
