//! The driver's table, chains and shared wakers: which task the driver wakes
//! and when, seen by polling futures by hand with wakers that count their
//! wake-ups.

use crate::caps;
use crate::support::*;
use ring_core::{Driver, Error, Runtime};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

fn woken(c: &Count) -> usize {
    c.0.load(Ordering::SeqCst)
}

/// A cancellation that waits for a credit is dropped, not sent, if the
/// operation it was for completes on its own first and its entry is freed:
/// `Slots::get` finds no live entry at that generation. With no credit
/// free, the driver tries a cancellation from the register call, which
/// needs none; the read has completed (its completion waits in the CQ), so
/// the kernel does not find it and the cancellation stays queued.
#[test]
fn a_queued_cancellation_of_an_orphan_that_completed_on_its_own_is_not_sent() {
    // A plain ring: the read must complete as soon as the data is written,
    // not at the driver's next enter, as it would under DEFER_TASKRUN
    // (`Driver::new`'s setup where the kernel has it).
    let d = Driver::with_ring(ring_core::Builder::new(4).build().unwrap(), ring_core::driver::Batch::default());
    let (_, noop) = counter();
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    // A read that blocks, submitted.
    let mut read = d.read(&r, Counted { data: Vec::with_capacity(8), drops: drops.clone() });
    assert!(poll_with(&mut read, &noop).is_pending());
    d.poll().unwrap();
    // Every other credit is taken by NOPs, queued but not yet submitted.
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    assert_eq!(d.credits(), 0);
    // The read completes by itself: its completion is in the CQ (see
    // `caps::wait_drained`), not reaped yet.
    write_all(&w, b"data");
    caps::wait_drained(&r);
    // Dropping the read orphans it; its cancellation waits for a credit.
    drop(read);
    assert_eq!(d.stats().cancels, 0, "no credit for the cancellation yet");
    // The orphan is freed when its completion is reaped.
    park_until(&d, || d.stats().orphans_reaped == 1);
    for mut n in nops {
        park_until(&d, || poll_with(&mut n, &noop).is_ready());
    }
    assert_eq!(drops.get(), 1, "the buffer was freed once");
    assert_eq!(d.stats().cancels, 0, "no cancellation was sent for the finished read");
    assert_eq!((d.in_flight(), d.credits()), (0, c + 1));
}

/// A park with a timeout blocks in the kernel while nothing is due: with an
/// operation in flight that does not complete, it returns after about its
/// timeout, not at once.
#[test]
fn park_with_nothing_due_waits_for_its_timeout() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let (r, _w) = pipe();
    let mut read = d.read(&r, Vec::<u8>::with_capacity(8));
    assert!(poll_with(&mut read, &noop).is_pending());
    d.poll().unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        d.park(Some(Duration::from_millis(100))).unwrap();
        assert!(t.elapsed() >= Duration::from_millis(50), "park returned after {:?}", t.elapsed());
    }
    assert!(poll_with(&mut read, &noop).is_pending(), "the read is still waiting");
}

/// Once its operation is collected and the driver has turned, the table
/// holds no clone of the waker it was polled with: a waker may own its
/// task, and the task a handle to the driver.
#[test]
fn the_table_keeps_no_waker_after_its_operations_end_and_the_driver_turns() {
    let d = Driver::new(4).unwrap();
    let (c, w) = counter();
    let mut nop = d.nop();
    assert!(poll_with(&mut nop, &w).is_pending());
    assert!(Arc::strong_count(&c) > 2, "the table holds a clone while the NOP is in flight");
    park_until(&d, || poll_with(&mut nop, &w).is_ready());
    d.poll().unwrap();
    assert_eq!(Arc::strong_count(&c), 2, "only `c` and `w` are left");
}

/// `Chain::push` records that a member needs a 128-byte entry, and `start`
/// refuses such a chain before anything reaches the kernel.
#[test]
fn a_chain_with_a_128_byte_member_is_refused() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let r = rt
        .block_on(async {
            let mut chain = d.chain();
            chain.push(ring_core::ops::Nop);
            chain.push(ring_core::ops::Nop128);
            assert!(!chain.is_empty());
            assert_eq!(chain.len(), 2);
            chain.start().await.map(|_| ()).map_err(Error::from)
        })
        .unwrap();
    assert!(matches!(r, Err(Error::InvalidArgument(_))), "{r:?}");
    assert_eq!(d.in_flight(), 0, "nothing was started");
}

/// A chain that was waiting for room and is dropped leaves the queue of
/// waiters at once: the room freed next goes to the waiter behind it, not
/// to a waiter that no longer exists.
#[test]
fn a_waiting_chain_that_is_dropped_gives_its_turn_to_the_next_waiter() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    // Take every credit with NOPs (queued; the strategy submits at park).
    let c = d.credits();
    assert!(c > 0);
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    assert_eq!((d.credits(), d.in_flight()), (0, c));
    // A chain, then a NOP, queue for room, in that order.
    let mut chain = d.chain();
    chain.push(ring_core::ops::Nop);
    let (chain_count, chain_waker) = counter();
    let mut start = chain.start();
    assert!(poll_with(&mut start, &chain_waker).is_pending());
    let (late_count, late_waker) = counter();
    let mut late = d.nop();
    assert!(poll_with(&mut late, &late_waker).is_pending());
    assert_eq!(d.in_flight(), c, "both wait");
    // The chain gives up while it waits.
    drop(start);
    // The NOPs complete; their credits come back, but their entries stay
    // taken until each is collected.
    park_until(&d, || d.credits() == c);
    assert_eq!(woken(&late_count), 0, "no entry is free yet");
    // Collecting one frees one entry: the one waiter left is woken.
    let mut first = nops.remove(0);
    assert!(matches!(poll_with(&mut first, &noop), Poll::Ready(Ok(()))));
    assert_eq!(woken(&late_count), 1, "the waiter behind the dropped chain was woken");
    assert_eq!(woken(&chain_count), 0, "the dropped chain was not");
    assert!(poll_with(&mut late, &late_waker).is_pending(), "it started");
    assert_eq!(d.in_flight(), c);
    for mut n in nops {
        assert!(matches!(poll_with(&mut n, &noop), Poll::Ready(Ok(()))));
    }
    park_until(&d, || poll_with(&mut late, &late_waker).is_ready());
    assert_eq!((d.in_flight(), d.credits()), (0, c));
}
