//! Chains and admission: a chain starts on exactly its credits and free
//! entries and waits for the missing ones, keeps its place in the queue,
//! ends its link at its last member, and enters once when it needs room.

use super::*;

/// A chain starts when the credits left are exactly what it needs, and
/// waits when they are fewer, even if it has entries enough.
#[test]
fn a_chain_starts_on_exactly_its_credits_and_waits_for_missing_ones() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let (r, w) = pipe();
    let mut reads: Vec<_> = (2..c).map(|_| d.read(&r, Vec::<u8>::with_capacity(1))).collect();
    for rd in &mut reads {
        assert!(poll_with(rd, &noop).is_pending());
    }
    assert_eq!(d.credits(), 2);
    // Two NOPs need the two credits left: the chain starts.
    let mut chain = d.chain();
    let l1 = chain.push(Raw::new(IORING_OP_NOP));
    let l2 = chain.push(Raw::new(IORING_OP_NOP));
    let mut start = chain.start();
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    assert_eq!(d.credits(), 0);
    let (mut a, mut b) = (started.take(l1).unwrap(), started.take(l2).unwrap());
    assert_eq!(finish(&d, &mut a), (0, 0));
    assert_eq!(finish(&d, &mut b), (0, 0));
    // One more read leaves one credit and one entry: a one-member chain
    // that needs two credits waits.
    let mut last = d.read(&r, Vec::<u8>::with_capacity(1));
    assert!(poll_with(&mut last, &noop).is_pending());
    assert_eq!((d.credits(), c - d.in_flight()), (1, 1));
    let mut chain = d.chain();
    let l = chain.push(TwoCredits);
    let mut start = chain.start();
    assert!(poll_with(&mut start, &noop).is_pending(), "one credit is not two");
    assert_eq!(d.credits(), 1);
    write_all(&w, &vec![b'x'; reads.len() + 1]);
    let Poll::Ready(Ok(mut started)) = ({
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let p = poll_with(&mut start, &noop);
            if p.is_ready() || Instant::now() > deadline {
                break p;
            }
            d.park(Some(Duration::from_millis(5))).unwrap();
        }
    }) else {
        panic!("the chain never started")
    };
    let mut two = started.take(l).unwrap();
    assert_eq!(finish(&d, &mut two), 0);
    for mut rd in reads {
        assert_eq!(finish(&d, &mut rd).0.unwrap(), 1);
    }
    assert_eq!(finish(&d, &mut last).0.unwrap(), 1);
    assert_eq!((d.in_flight(), d.credits()), (0, c));
}

/// A chain as long as the SQ starts on a ring whose CQ is no larger than
/// the SQ (as many table entries as the chain has members).
#[test]
fn a_chain_as_long_as_the_table_starts() {
    let d = Driver::with_ring(Builder::new(4).cq_size(4).build().unwrap(), ring_core::driver::Batch::default());
    let (_, noop) = counter();
    assert_eq!(d.credits(), 4);
    let mut chain = d.chain();
    let links: Vec<_> = (0..4).map(|_| chain.push(Raw::new(IORING_OP_NOP))).collect();
    let mut start = chain.start();
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    for l in links {
        let mut op = started.take(l).unwrap();
        assert_eq!(finish(&d, &mut op), (0, 0));
    }
    assert_eq!(d.stats().started, 4);
}

/// A chain waits for free table entries even when credits are plenty:
/// completed operations that were not collected yet hold their entries.
#[test]
fn a_chain_waits_for_entries_even_with_credits_to_spare() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut nops: Vec<_> = (1..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(c - d.in_flight(), 1, "one entry is free");
    let mut chain = d.chain();
    let l1 = chain.push(Raw::new(IORING_OP_NOP));
    let l2 = chain.push(Raw::new(IORING_OP_NOP));
    let mut start = chain.start();
    assert!(poll_with(&mut start, &noop).is_pending(), "two members need two entries");
    for mut n in nops {
        assert!(matches!(poll_with(&mut n, &noop), Poll::Ready(Ok(()))));
    }
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    let (mut a, mut b) = (started.take(l1).unwrap(), started.take(l2).unwrap());
    assert_eq!(finish(&d, &mut a), (0, 0));
    assert_eq!(finish(&d, &mut b), (0, 0));
}

/// A chain waits its turn like any operation: in arrival order, behind a
/// NOP that came first and ahead of one that came after, and its start
/// leaves the waiter behind it in the queue.
#[test]
fn a_waiting_chain_keeps_its_place_in_the_queue() {
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
    let mut chain = d.chain();
    let link = chain.push(Raw::new(IORING_OP_NOP));
    let (c_count, c_waker) = counter();
    let mut start = chain.start();
    assert!(poll_with(&mut start, &c_waker).is_pending());
    let (b_count, b_waker) = counter();
    let mut b = d.nop();
    assert!(poll_with(&mut b, &b_waker).is_pending());
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.credits() != c {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let wakes = || (woken(&a_count), woken(&c_count), woken(&b_count));
    assert_eq!(wakes(), (0, 0, 0));
    // Each collected NOP frees one entry, for the next waiter in order.
    let mut collect = || assert!(matches!(poll_with(&mut nops.pop().unwrap(), &noop), Poll::Ready(Ok(()))));
    collect();
    assert_eq!(wakes(), (1, 0, 0), "the NOP that came first");
    assert!(poll_with(&mut a, &a_waker).is_pending());
    collect();
    assert_eq!(wakes(), (1, 1, 0), "then the chain");
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &c_waker) else { panic!("the chain did not start") };
    collect();
    assert_eq!(wakes(), (1, 1, 1), "then the NOP behind it");
    assert!(poll_with(&mut b, &b_waker).is_pending());
    for mut n in nops {
        assert!(matches!(poll_with(&mut n, &noop), Poll::Ready(Ok(()))));
    }
    let mut member = started.take(link).unwrap();
    assert_eq!(finish(&d, &mut member), (0, 0));
    finish(&d, &mut a).unwrap();
    finish(&d, &mut b).unwrap();
    assert_eq!(d.in_flight(), 0);
}

/// The last member of a chain is not linked to whatever the driver submits
/// after it: a NOP written after a chain whose only member fails still
/// runs.
#[test]
fn the_last_member_of_a_chain_is_not_linked_to_the_next_operation() {
    let d = Driver::new(4).unwrap();
    let (_, noop) = counter();
    let mut chain = d.chain();
    let link = chain.push(Raw::new(BAD_OPCODE));
    let mut start = chain.start();
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    let mut failing = started.take(link).unwrap();
    let mut after = d.op(Raw::new(IORING_OP_NOP));
    assert!(poll_with(&mut after, &noop).is_pending());
    assert_eq!(d.stats().enters, 0, "both are submitted together, at the park");
    assert_eq!(finish(&d, &mut failing).0, -libc::EINVAL);
    assert_eq!(finish(&d, &mut after), (0, 0), "the NOP ran, not cancelled as a linked member");
}

/// A chain that does not fit in the SQ's free room is pushed after one
/// enter that submits what is queued, and that enter is counted.
#[test]
fn a_chain_that_needs_room_enters_once_and_counts_it() {
    let d = Driver::with_ring(Builder::new(2).build().unwrap(), ring_core::driver::Batch::default());
    let (_, noop) = counter();
    let mut first = d.nop();
    assert!(poll_with(&mut first, &noop).is_pending());
    assert_eq!(d.stats().enters, 0);
    let mut chain = d.chain();
    let l1 = chain.push(Raw::new(IORING_OP_NOP));
    let l2 = chain.push(Raw::new(IORING_OP_NOP));
    let mut start = chain.start();
    let Poll::Ready(Ok(mut started)) = poll_with(&mut start, &noop) else { panic!("the chain did not start") };
    assert_eq!(d.stats().enters, 1, "one enter made room");
    let (mut a, mut b) = (started.take(l1).unwrap(), started.take(l2).unwrap());
    finish(&d, &mut first).unwrap();
    assert_eq!(finish(&d, &mut a), (0, 0));
    assert_eq!(finish(&d, &mut b), (0, 0));
}

/// A 128-byte entry that finds the SQ full is pushed after one enter that
/// submits what is queued, and that enter is counted.
#[test]
fn a_wide_entry_that_needs_room_enters_once_and_counts_it() {
    let d = Driver::with_ring(Builder::new(2).sqe128().build().unwrap(), ring_core::driver::Batch::default());
    let (_, noop) = counter();
    let mut a = d.nop();
    let mut b = d.nop();
    assert!(poll_with(&mut a, &noop).is_pending());
    assert!(poll_with(&mut b, &noop).is_pending());
    assert_eq!(d.stats().enters, 0);
    let mut wide = d.op(Raw { wide: true, ..Raw::new(IORING_OP_NOP) });
    assert!(poll_with(&mut wide, &noop).is_pending());
    assert_eq!((d.stats().enters, d.stats().started), (1, 3), "one enter made room");
    finish(&d, &mut a).unwrap();
    finish(&d, &mut b).unwrap();
    assert_eq!(finish(&d, &mut wide), (0, 0));
}
