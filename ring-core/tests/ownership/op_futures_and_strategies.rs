//! The `Op` future's contract (wide entries, cancellation before start and
//! after shutdown, ended streams) and when each submit strategy submits.
//! Most tests use `Raw`, an operation built from one SQE whose output is
//! the completion's `res`.

use crate::caps;
use crate::support::*;
use ring_core::sys::{io_uring_sqe, IORING_OP_NOP};
use ring_core::{Builder, Cancelled, Cqe, Driver, Operation};
use std::future::Future;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Polls `f` once with `w`.
fn poll_with<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}

/// Parks the driver and polls `f` until it is ready, failing after five
/// seconds.
fn park_for<F: Future + Unpin>(d: &Driver, f: &mut F) -> F::Output {
    let (_, w) = counter();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Poll::Ready(v) = poll_with(f, &w) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

/// An operation made of one SQE with no memory behind it; its output is
/// the `res` of its first and of its terminal completion.
struct Raw {
    sqe: io_uring_sqe,
    wide: bool,
}

impl Raw {
    fn new(opcode: u8) -> Self {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = opcode;
        Raw { sqe, wide: false }
    }
}

// SAFETY: the SQEs built here carry no pointer, so the kernel touches no
// memory of ours.
unsafe impl Operation for Raw {
    type Output = (i32, i32);

    fn prepare(&mut self) -> io_uring_sqe {
        self.sqe
    }

    fn is_128(&self) -> bool {
        self.wide
    }

    fn complete(self, result: Cqe, last: Cqe) -> (i32, i32) {
        (result.res, last.res)
    }
}

/// Whether `fd` becomes readable within `ms` milliseconds.
fn readable_within(fd: &OwnedFd, ms: i32) -> bool {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    n == 1 && p.revents & libc::POLLIN != 0
}

/// An opcode no kernel has: its request fails with `-EINVAL`.
const BAD_OPCODE: u8 = 250;

/// The default `prepare128` puts `prepare`'s SQE in the first half of the
/// wide entry: on an `SQE128` ring, an operation that asks for a wide entry
/// and does not build it itself reaches the kernel as `prepare` built it.
#[test]
fn the_default_wide_entry_carries_the_operations_own_sqe() {
    let d = Driver::with_ring(Builder::new(4).sqe128().build().unwrap(), ring_core::driver::Batch::default());
    let mut nop = d.op(Raw { wide: true, ..Raw::new(IORING_OP_NOP) });
    assert_eq!(park_for(&d, &mut nop), (0, 0), "a wide NOP runs on an SQE128 ring");
    let mut op = d.op(Raw { wide: true, ..Raw::new(BAD_OPCODE) });
    let (res, _) = park_for(&d, &mut op);
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
    let out = park_for(&d, &mut c);
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
        match park_for(&d, &mut next) {
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
    let (n, _) = park_for(&d, &mut write);
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
    assert_eq!(park_for(&d, &mut first).0.unwrap(), 1);
    assert_eq!(park_for(&d, &mut second).0.unwrap(), 1);
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
    let (n, _) = park_for(&d, &mut write);
    assert_eq!(n.unwrap(), 1);
}
