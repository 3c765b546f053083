//! The driver's admission: completion credits and free entries, and the
//! turns of the operations waiting for them. Chains that need credits and
//! room, cancellations that wait for a credit, and the driver's lifetime
//! (its eventfd, teardown, and the memory of a warm round trip, counted by
//! the binary's counting allocator) are in the child modules.

use crate::caps;
use crate::support::alloc::{allocations, bytes_held};
use crate::support::rings::tcp_pair;
use crate::support::*;
use ring_core::sys::{io_uring_sqe, IORING_OP_NOP, IORING_OP_WRITE, IORING_SETUP_IOPOLL, IORING_SETUP_SQE128};
use ring_core::{Builder, Cancelled, Cqe, Driver, Op, Operation};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::{Duration, Instant};

mod cancellations;
mod chains;
mod lifetime;

// SAFETY: the SQEs built here carry no pointer, so the kernel touches no
// memory of ours.
fn woken(c: &Count) -> usize {
    c.0.load(Ordering::SeqCst)
}

/// A NOP that reserves two completion credits, as a zero-copy send does
/// (it posts one completion; the driver returns both credits at it).
struct TwoCredits;

// SAFETY: a NOP carries no pointer.
unsafe impl Operation for TwoCredits {
    type Output = i32;
    const CQES: u32 = 2;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> i32 {
        result.res
    }
}

/// An opcode no kernel has: its request fails with `-EINVAL`.
const BAD_OPCODE: u8 = 250;

/// `submit_raw` builds its SQE from the value it owns: a write of the
/// owned bytes to a pipe.
#[test]
fn submit_raw_sends_the_sqe_its_builder_made() {
    let d = Driver::new(4).unwrap();
    let (r, w) = pipe();
    let fd = w.as_raw_fd();
    // SAFETY: the write reads only the bytes of the Vec that the operation
    // owns until its completion.
    let mut op = unsafe {
        d.submit_raw(b"hello".to_vec(), move |v: &mut Vec<u8>| {
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_WRITE;
            sqe.fd = fd;
            sqe.set_addr(v.as_ptr() as u64);
            sqe.len = v.len() as u32;
            sqe.set_off(u64::MAX);
            sqe
        })
    };
    let (cqe, v) = finish(&d, &mut op);
    assert_eq!(cqe.res, 5);
    assert_eq!(v, b"hello");
    assert!(readable_within(&r, 0));
}

/// A NOP that holds a future and drops it inside `prepare`, which the
/// driver calls while its state is borrowed (the only foreign code it runs
/// there).
struct DropsInPrepare {
    held: Option<Op<ring_core::ops::Read<Vec<u8>>>>,
}

// SAFETY: a NOP carries no pointer.
unsafe impl Operation for DropsInPrepare {
    type Output = ();

    fn prepare(&mut self) -> io_uring_sqe {
        drop(self.held.take());
        io_uring_sqe { opcode: IORING_OP_NOP, ..Default::default() }
    }

    fn complete(self, _: Cqe, _: Cqe) {}
}

/// A future dropped while the driver's state is borrowed (here, inside an
/// operation's `prepare`) is orphaned at the driver's next turn: its
/// operation is cancelled and its memory freed, not forgotten.
#[test]
fn a_future_dropped_inside_the_driver_is_orphaned_at_the_next_turn() {
    let d = Driver::new(4).unwrap();
    let (_, waker) = counter();
    let (r, _w) = pipe();
    let mut read = d.read(&r, vec![0u8; 8]);
    assert!(poll_with(&mut read, &waker).is_pending());
    d.poll().unwrap();
    let mut nop = d.op(DropsInPrepare { held: Some(read) });
    assert!(poll_with(&mut nop, &waker).is_pending());
    assert_eq!(d.in_flight(), 2);
    assert_eq!(d.stats().cancels, 0, "the orphan waits for the driver's next turn");
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.stats().orphans_reaped == 0 {
        assert!(Instant::now() < deadline, "the dropped read was never orphaned");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(d.stats().cancels, 1, "the orphaned read was cancelled");
    finish(&d, &mut nop);
    assert_eq!(d.in_flight(), 0);
}

/// The entry freed when a stream's owner collects its last item goes to
/// the next waiter at once, as for a single-shot operation.
#[test]
fn a_stream_that_ends_wakes_the_next_waiter_at_once() {
    if !caps::multishot_timeouts("a_stream_that_ends_wakes_the_next_waiter_at_once") {
        return;
    }
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut ticks = d.ticks(Duration::from_millis(1), 1);
    assert!(poll_with(&mut ticks.next(), &noop).is_pending());
    let mut nops: Vec<_> = (1..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    let (late_count, late_waker) = counter();
    let mut late = d.nop();
    assert!(poll_with(&mut late, &late_waker).is_pending());
    assert_eq!(d.in_flight(), c, "the late NOP waits");
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(woken(&late_count), 0, "no entry is free yet");
    assert!(matches!(poll_with(&mut ticks.next(), &noop), Poll::Ready(Some(Ok(())))), "the only tick");
    assert_eq!(woken(&late_count), 1, "the stream's entry went to the waiter at once");
    for mut n in nops {
        assert!(matches!(poll_with(&mut n, &noop), Poll::Ready(Ok(()))));
    }
    finish(&d, &mut late).unwrap();
    assert_eq!(d.in_flight(), 0);
}

/// A woken waiter that is dropped before it takes its turn passes the turn
/// to the next waiter at once.
#[test]
fn a_woken_waiter_that_is_dropped_passes_its_turn_on_at_once() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    let (a_count, a_waker) = counter();
    let mut a = d.nop();
    assert!(poll_with(&mut a, &a_waker).is_pending());
    let (b_count, b_waker) = counter();
    let mut b = d.nop();
    assert!(poll_with(&mut b, &b_waker).is_pending());
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    // Collecting one NOP frees one entry: the first waiter is woken.
    let mut first = nops.remove(0);
    assert!(matches!(poll_with(&mut first, &noop), Poll::Ready(Ok(()))));
    assert_eq!((woken(&a_count), woken(&b_count)), (1, 0));
    // It gives up instead of starting: the turn passes to the second.
    drop(a);
    assert_eq!(woken(&b_count), 1, "the next waiter was woken when the first one left");
    for mut n in nops {
        assert!(matches!(poll_with(&mut n, &noop), Poll::Ready(Ok(()))));
    }
    finish(&d, &mut b).unwrap();
    assert_eq!(d.in_flight(), 0);
}

/// A wake-up posted to the driver's ring (a `MSG_RING` completion tagged
/// `WAKE_USER_DATA`, as `Handle` sends) is recognised and ignored; it is
/// not counted as a stale completion, which another tag with no entry is.
#[test]
fn a_wake_up_is_not_counted_as_stale() {
    let d = Driver::new(4).unwrap();
    // SAFETY: reads the ring's descriptor only.
    let fd = unsafe { d.with_ring_mut(|r| r.fd()) }.flatten().expect("the ring has a descriptor");
    let c = d.credits();
    // SAFETY: `WAKE_USER_DATA` names no entry (index `u32::MAX`).
    unsafe { caps::post_msg_ring(fd, ring_core::driver::WAKE_USER_DATA) };
    d.park(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(d.stats().stale, 0, "the wake-up is not stale");
    // SAFETY: index `u32::MAX` names no entry either.
    unsafe { caps::post_msg_ring(fd, (7 << 32) | u64::from(u32::MAX)) };
    d.park(Some(Duration::from_millis(100))).unwrap();
    assert_eq!(d.stats().stale, 1, "a completion for no entry is");
    assert_eq!(d.credits(), c);
}

/// A driver whose `io_uring_enter` fails for good until [`Unenterable::restore`]:
/// the ring's descriptor number is made to name `/dev/null` (an enter then
/// fails with `EOPNOTSUPP`, which is not transient) while its memory stays
/// mapped, so SQEs are written and never consumed. A disabled ring cannot
/// serve here: the driver refuses operations on it at start.
struct Unenterable {
    fd: i32,
    saved: i32,
}

impl Unenterable {
    fn new(d: &Driver) -> Self {
        // SAFETY: reading the descriptor neither pushes nor reaps.
        let fd = unsafe { d.with_ring_mut(|r| r.fd()) }.unwrap().expect("a ring with a descriptor");
        // SAFETY: plain descriptor calls on descriptors this test owns.
        let saved = unsafe { libc::dup(fd) };
        assert!(saved >= 0);
        let null = std::fs::File::open("/dev/null").unwrap();
        // SAFETY: as above; the ring file stays open through `saved`.
        assert!(unsafe { libc::dup2(null.as_raw_fd(), fd) } >= 0);
        Unenterable { fd, saved }
    }

    /// Puts the ring's file back under its descriptor number.
    fn restore(self) {
        // SAFETY: plain descriptor calls on descriptors this test owns.
        unsafe {
            assert!(libc::dup2(self.saved, self.fd) >= 0);
            libc::close(self.saved);
        }
    }
}

fn unenterable_driver() -> (Driver, Unenterable) {
    let ring = Builder::new(2).register_ring_fd(false).build().unwrap();
    let d = Driver::with_ring(ring, ring_core::driver::Batch::default());
    let u = Unenterable::new(&d);
    (d, u)
}

/// When the SQ is full and entering the kernel fails for good (see
/// [`Unenterable`]), the driver enters once to make room, counts no
/// transient error, and the operation waits; once the ring can be entered
/// again, all three run.
#[test]
fn a_full_sq_that_cannot_be_submitted_is_tried_once() {
    let (d, u) = unenterable_driver();
    let (_, w) = counter();
    let mut a = d.nop();
    let mut b = d.nop();
    assert!(poll_with(&mut a, &w).is_pending());
    assert!(poll_with(&mut b, &w).is_pending());
    assert_eq!(d.stats().enters, 0);
    let mut c = d.nop();
    assert!(poll_with(&mut c, &w).is_pending(), "no room in the SQ");
    let s = d.stats();
    assert_eq!((s.enters, s.transient_errors, s.started), (1, 0, 2));
    u.restore();
    finish(&d, &mut a).unwrap();
    finish(&d, &mut b).unwrap();
    finish(&d, &mut c).unwrap();
    assert_eq!(d.stats().started, 3);
}

/// A woken waiter that finds exactly the one credit it needs takes it.
#[test]
fn a_woken_waiter_takes_the_last_credit() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    // Every credit but one is held by reads that block, the last by a NOP.
    let (r, w) = pipe();
    let mut reads: Vec<_> = (1..c).map(|_| d.read(&r, Vec::<u8>::with_capacity(1))).collect();
    for rd in &mut reads {
        assert!(poll_with(rd, &noop).is_pending());
    }
    let mut nop = d.nop();
    assert!(poll_with(&mut nop, &noop).is_pending());
    let (count, waker) = counter();
    let mut waiter = d.nop();
    assert!(poll_with(&mut waiter, &waker).is_pending());
    assert_eq!(d.credits(), 0);
    // The NOP completes: one credit is back, but its entry is still taken.
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != 1 {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(woken(&count), 0);
    assert!(matches!(poll_with(&mut nop, &noop), Poll::Ready(Ok(()))));
    assert_eq!(woken(&count), 1, "the freed entry and the credit went to the waiter");
    let started = d.stats().started;
    assert!(poll_with(&mut waiter, &waker).is_pending());
    assert_eq!((d.stats().started, d.credits()), (started + 1, 0), "the waiter started with the last credit");
    finish(&d, &mut waiter).unwrap();
    write_all(&w, &vec![b'x'; reads.len()]);
    for mut rd in reads {
        assert_eq!(finish(&d, &mut rd).0.unwrap(), 1);
    }
    assert_eq!((d.in_flight(), d.credits()), (0, c));
}

/// An operation put back in the queue because the SQ stayed full gets a
/// ticket of its own: when it later starts, the waiter queued behind it
/// keeps its place and is woken.
#[test]
fn an_operation_put_back_for_a_full_sq_does_not_take_another_waiters_ticket() {
    let (d, u) = unenterable_driver();
    let (_, noop) = counter();
    let mut a = d.nop();
    let mut b = d.nop();
    assert!(poll_with(&mut a, &noop).is_pending());
    assert!(poll_with(&mut b, &noop).is_pending());
    // `c` finds the SQ full and is put back, first in the queue; `e` queues
    // behind it.
    let (c_count, c_waker) = counter();
    let mut c = d.nop();
    assert!(poll_with(&mut c, &c_waker).is_pending());
    let (e_count, e_waker) = counter();
    let mut e = d.nop();
    assert!(poll_with(&mut e, &e_waker).is_pending());
    // `c` comes back while the SQ is still full, and is put back again.
    assert!(poll_with(&mut c, &c_waker).is_pending());
    assert_eq!(d.stats().started, 2);
    u.restore();
    // Now `c` starts (entering the kernel makes room), and the waiter
    // behind it is woken for the room left.
    assert!(poll_with(&mut c, &c_waker).is_pending());
    assert_eq!(d.stats().started, 3);
    assert_eq!(woken(&e_count), 1, "the waiter behind was woken");
    assert_eq!(woken(&c_count), 0);
    finish(&d, &mut e).unwrap();
    for op in [&mut a, &mut b, &mut c] {
        finish(&d, op).unwrap();
    }
    assert_eq!(d.in_flight(), 0);
}

/// Operations that completed but whose futures have not collected their output
/// hold their entries while their credits are back: with every entry held so, a
/// new operation has credits but no entry, and must wait for one. Under either
/// faulty version it takes the fast path and finds no free entry
/// (`unreachable!`).
#[test]
fn an_operation_waits_for_an_entry_when_only_credits_are_free() {
    let d = ring_core::Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    for _ in 0..100 {
        if d.credits() == c {
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!((d.credits(), d.in_flight()), (c, c), "every NOP completed, none collected");
    let (woken, w) = counter();
    let mut late = d.nop();
    assert!(poll_with(&mut late, &w).is_pending(), "no entry is free");
    assert!(matches!(poll_with(&mut nops[0], &noop), Poll::Ready(Ok(()))));
    drop(nops);
    assert!(woken.0.load(std::sync::atomic::Ordering::SeqCst) > 0, "the waiting NOP was woken");
    let mut done = false;
    for _ in 0..100 {
        if let Poll::Ready(r) = poll_with(&mut late, &w) {
            r.unwrap();
            done = true;
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert!(done, "the waiting NOP ran once an entry was free");
}

/// Every credit and entry is taken by a blocked pipe read, and NOPs `a1` and
/// `a2` wait, in that order. One read completes and is collected: its credit
/// and entry are `a1`'s, which is woken and leaves the queue, while `a2` stays.
/// A NOP `b` polled before `a1` runs again must queue behind `a2` and leave the
/// credit alone; under either faulty version `b` takes the fast path and the
/// credit with it.
#[test]
fn a_newcomer_does_not_take_the_credit_of_a_woken_waiter() {
    let d = ring_core::Driver::new(4).unwrap();
    let (_, noop) = counter();
    let (r, w) = pipe();
    let c = d.credits();
    let mut reads: Vec<_> = (0..c).map(|_| d.read(&r, vec![0u8; 1])).collect();
    for op in &mut reads {
        assert!(poll_with(op, &noop).is_pending());
    }
    assert_eq!(d.credits(), 0);
    let (woken1, w1) = counter();
    let (woken2, w2) = counter();
    let mut a1 = d.nop();
    let mut a2 = d.nop();
    assert!(poll_with(&mut a1, &w1).is_pending(), "no credit: a1 waits");
    assert!(poll_with(&mut a2, &w2).is_pending(), "no credit: a2 waits");
    write_all(&w, b"x");
    let mut collected = false;
    for _ in 0..100 {
        d.park(Some(Duration::from_millis(5))).unwrap();
        if let Some(i) = reads.iter_mut().position(|op| poll_with(op, &noop).is_ready()) {
            drop(reads.remove(i));
            collected = true;
            break;
        }
    }
    assert!(collected, "one read completed");
    let count = |c: &std::sync::Arc<Count>| c.0.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((d.credits(), count(&woken1), count(&woken2)), (1, 1, 0), "a credit is back and a1 was woken");
    let mut b = d.nop();
    assert!(poll_with(&mut b, &noop).is_pending());
    assert_eq!(d.credits(), 1, "b queued behind a2 and left the credit to a1");
    assert!(poll_with(&mut a1, &w1).is_pending());
    assert_eq!(d.credits(), 0, "a1 took the credit");
    drop((a1, a2, b, reads));
}

/// An operation that needs as many completions as the CQ holds (a zero-copy
/// send, which posts two, on a CQ of two) fits and must run once a read holding
/// the other credit completes; a faulty version refuses it with `EINVAL`, as it
/// should only refuse one that needs more (the existing test covers a CQ of
/// one). The check is on the slow path, which the send takes because the read
/// holds a credit.
#[test]
fn an_operation_needing_exactly_the_cqs_completions_runs() {
    if !caps::opcode(ring_core::sys::IORING_OP_SEND_ZC, "IORING_OP_SEND_ZC") {
        return;
    }
    use std::io::Read;
    let ring = ring_core::Builder::new(1).cq_size(2).build().unwrap();
    assert_eq!(ring.params().cq_entries, 2);
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let (a, mut b) = tcp_pair();
    let a = std::rc::Rc::new(a);
    let (_, noop) = counter();
    // A read holds one of the two credits, so the send takes the slow path
    // (`start_contended`) and waits for the other.
    let (r, w) = pipe();
    let mut read = Some(d.read(&r, vec![0u8; 1]));
    assert!(poll_with(read.as_mut().unwrap(), &noop).is_pending());
    let mut op = d.send_zc(&a, b"sixteen bytes!!!".to_vec(), 0);
    assert!(poll_with(&mut op, &noop).is_pending(), "the send waits for its second credit");
    write_all(&w, b"x");
    let mut out = None;
    for _ in 0..200 {
        if read.as_mut().is_some_and(|rd| poll_with(rd, &noop).is_ready()) {
            read = None;
        }
        if let Poll::Ready(v) = poll_with(&mut op, &noop) {
            out = Some(v);
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let (r, buf) = out.expect("the send completed");
    match r {
        Ok(n) => {
            assert_eq!(n, 16);
            let mut got = [0u8; 16];
            b.read_exact(&mut got).unwrap();
            assert_eq!(&got, &buf[..]);
        }
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => println!("SKIP: no zero-copy send here ({e})"),
        Err(e) => panic!("the send failed: {e}"),
    }
}
