//! A waker's `clone` panics or calls back into the driver: when an
//! operation, a stream or a chain starts, waits for a credit, or is polled
//! again by another task.

use crate::hostile::{panics, Hostile};
use crate::support::{drain, finish, poll_with};
use ring_core::ops::Timeout;
use ring_core::{Driver, Op};
use std::cell::RefCell;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

use super::temp_file;

/// Rule: the claim on an operation is made before any foreign code runs.
/// A waker whose `clone` panics while the operation starts leaves the
/// operation claimed by its future: polled again, it delivers its outcome,
/// and the entry and its credit come back.
#[test]
fn a_panicking_clone_at_start_loses_no_outcome() {
    let d = Driver::new(8).unwrap();
    let credits = d.credits();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut op = d.nop();
    assert!(panics(|| poll_with(&mut op, &h.waker())));
    finish(&d, &mut op).unwrap();
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.credits(), credits);
}

/// Rule: an operation that started ends with exactly one outcome, whatever
/// its waker's `clone` does: an open whose waker panicked at the start
/// still hands its descriptor to its future (it is not leaked).
#[test]
fn a_panicking_clone_at_start_loses_no_descriptor() {
    let d = Driver::new(8).unwrap();
    let path = temp_file("open-clone");
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut open = d.openat(ring_core::At::CWD, path.clone(), libc::O_RDONLY, 0);
    assert!(panics(|| poll_with(&mut open, &h.waker())));
    let fd = finish(&d, &mut open).expect("the open's descriptor is delivered");
    assert!(fd.as_raw_fd() >= 0);
    drop(fd);
    std::fs::remove_file(path.to_str().unwrap()).unwrap();
}

/// Rule: an operation whose waker's `clone` panicked at the start, then
/// dropped, is orphaned like any other: its entry and credit come back.
#[test]
fn a_panicking_clone_at_start_then_a_drop_returns_the_entry() {
    let d = Driver::new(8).unwrap();
    let credits = d.credits();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut sleep = d.sleep(Duration::from_secs(30));
    assert!(panics(|| poll_with(&mut sleep, &h.waker())));
    drop(sleep);
    drain(&d);
    assert_eq!(d.credits(), credits);
    assert_eq!(d.stats().orphans_reaped, 1);
}

/// Rule: a waker's `clone` may call back into the driver (turn it, read its
/// counters, start, poll and drop other operations, park it) while an
/// operation starts; nothing panics and nothing is lost.
#[test]
fn a_clone_that_calls_back_into_the_driver_at_start_works() {
    let d = Driver::new(8).unwrap();
    let others: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let victim = Rc::new(RefCell::new(Some(d.sleep(Duration::from_secs(30)))));
    assert!(poll_with(victim.borrow_mut().as_mut().unwrap(), Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let (d, others, victim) = (d.clone(), others.clone(), victim.clone());
        h.clone.on(move || {
            d.poll().unwrap();
            let _ = (d.in_flight(), d.stats(), d.credits());
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            others.borrow_mut().push(nop);
            drop(victim.borrow_mut().take());
            d.park(Some(Duration::ZERO)).unwrap();
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.clone.count.get() >= 1, "the driver cloned the waker");
    finish(&d, &mut op).unwrap();
    for mut nop in others.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
    assert_eq!(d.stats().orphans_reaped, 1, "the dropped sleep was orphaned");
}

/// Rule: a completion reaped while the new waker of an operation is being
/// cloned (the clone parks the driver) reaches that waker: the operation is
/// woken, not left waiting for a wake-up that already went to nobody.
#[test]
fn a_clone_that_completes_its_own_operation_still_wakes_it() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    {
        let d = d.clone();
        h.clone.on(move || {
            // The NOP being started is published: this turn completes it.
            let _ = d.park(Some(Duration::from_millis(100)));
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.wakes() >= 1, "the operation's waker was woken");
    assert!(poll_with(&mut op, Waker::noop()).is_ready());
}

/// Rule: a future's claim survives a panicking `clone` of the waker it is
/// polled with later (by another task): polled again, it completes.
#[test]
fn a_panicking_clone_when_polled_again_keeps_the_claim() {
    let d = Driver::new(8).unwrap();
    let mut op = d.sleep(Duration::from_millis(20));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut op, &h.waker())));
    finish(&d, &mut op).unwrap();
    assert_eq!(d.in_flight(), 0);
}

/// Rule: an operation polled again with a new waker whose `clone` turns
/// the driver and so completes the operation still gets that waker woken.
#[test]
fn a_clone_when_polled_again_that_completes_the_operation_wakes_the_new_waker() {
    let d = Driver::new(8).unwrap();
    let mut op = d.nop();
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let d = d.clone();
        h.clone.on(move || {
            let _ = d.park(Some(Duration::from_millis(100)));
        });
    }
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    h.clone.off();
    assert!(h.wakes() >= 1, "the new waker was woken for the completion");
    assert!(poll_with(&mut op, Waker::noop()).is_ready());
}

/// Starts as many sleeps as there are credits, so the next operation waits.
fn fill(d: &Driver) -> Vec<Op<Timeout>> {
    let mut fillers = Vec::new();
    while d.credits() > 0 {
        let mut s = d.sleep(Duration::from_millis(20));
        assert!(poll_with(&mut s, Waker::noop()).is_pending());
        fillers.push(s);
    }
    fillers
}

/// Rule: an operation waiting for a credit keeps its place (its ticket)
/// if its waker's `clone` panics; once room frees it starts and completes.
#[test]
fn a_panicking_clone_while_waiting_for_a_credit_keeps_the_ticket() {
    let d = Driver::new(2).unwrap();
    let mut fillers = fill(&d);
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut late = d.nop();
    assert!(panics(|| poll_with(&mut late, &h.waker())));
    for f in &mut fillers {
        finish(&d, f).unwrap();
    }
    finish(&d, &mut late).unwrap();
    drain(&d);
}

/// Rule: a waiter whose waker's `clone` frees the room it waits for (by
/// completing other operations) is woken, not forgotten: the wake-up that
/// came while its waker was being cloned goes to the clone.
#[test]
fn a_clone_that_frees_the_credit_it_waits_for_wakes_the_waiter() {
    let d = Driver::new(2).unwrap();
    let fillers = Rc::new(RefCell::new(fill(&d)));
    let h = Hostile::new();
    {
        let (d, fillers) = (d.clone(), fillers.clone());
        h.clone.on(move || {
            for f in fillers.borrow_mut().iter_mut() {
                finish(&d, f).unwrap();
            }
            fillers.borrow_mut().clear();
        });
    }
    let mut late = d.nop();
    assert!(poll_with(&mut late, &h.waker()).is_pending());
    h.clone.off();
    assert!(fillers.borrow().is_empty(), "the clone completed the fillers");
    assert!(h.wakes() >= 1, "the waiter was woken for the room its clone made");
    finish(&d, &mut late).unwrap();
    drain(&d);
}

/// Rule: a stream keeps its claim if its waker's `clone` panics as it
/// starts: polled again it delivers every item, and its entry comes back.
#[test]
fn a_panicking_clone_at_a_streams_start_loses_no_item() {
    // A tick stream is a multishot timeout, which some kernels lack.
    if !crate::caps::multishot_timeouts("a_panicking_clone_at_a_streams_start_loses_no_item") {
        return;
    }
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut ticks = d.ticks(Duration::from_millis(2), 3);
    assert!(panics(|| poll_with(&mut ticks.next(), &h.waker())));
    let mut items = 0;
    while finish(&d, &mut ticks.next()).is_some() {
        items += 1;
    }
    assert_eq!(items, 3);
    drain(&d);
}

/// Rule: a stream whose new waker's `clone` panics keeps its claim too.
#[test]
fn a_panicking_clone_when_a_stream_is_polled_again_keeps_the_claim() {
    // A tick stream is a multishot timeout, which some kernels lack.
    if !crate::caps::multishot_timeouts("a_panicking_clone_when_a_stream_is_polled_again_keeps_the_claim") {
        return;
    }
    let d = Driver::new(8).unwrap();
    let mut ticks = d.ticks(Duration::from_millis(2), 2);
    assert!(poll_with(&mut ticks.next(), Waker::noop()).is_pending());
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut ticks.next(), &h.waker())));
    let mut items = 0;
    while finish(&d, &mut ticks.next()).is_some() {
        items += 1;
    }
    assert_eq!(items, 2);
    drain(&d);
}

/// Rule: a chain waiting for room keeps its place if its waker's `clone`
/// panics; it starts once room frees.
#[test]
fn a_panicking_clone_while_a_chain_waits_keeps_it() {
    let d = Driver::new(2).unwrap();
    let mut fillers = fill(&d);
    let mut chain = d.chain();
    let a = chain.push(ring_core::ops::Nop);
    let b = chain.push(ring_core::ops::Nop);
    let mut start = chain.start();
    let h = Hostile::new();
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut start, &h.waker())));
    for f in &mut fillers {
        finish(&d, f).unwrap();
    }
    let mut started = finish(&d, &mut start).expect("the chain starts once room frees");
    finish(&d, &mut started.take(a).unwrap()).unwrap();
    finish(&d, &mut started.take(b).unwrap()).unwrap();
    drain(&d);
}

/// Rule: a clone that drops the last handle of the driver while an
/// operation starts (teardown from inside a waker) works: the operation
/// ends (completed or cancelled) and nothing panics.
#[test]
fn a_clone_that_drops_the_last_driver_handle_works() {
    let d = Driver::new(8).unwrap();
    let mut op = d.nop();
    let holder = Rc::new(RefCell::new(Some(d)));
    let h = Hostile::new();
    {
        let holder = holder.clone();
        h.clone.on(move || drop(holder.borrow_mut().take()));
    }
    let _ = poll_with(&mut op, &h.waker());
    h.clone.off();
    assert!(holder.borrow().is_none(), "the clone dropped the last handle");
    let mut done = false;
    for _ in 0..100 {
        if let Poll::Ready(r) = poll_with(&mut op, Waker::noop()) {
            let _ = r;
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(done, "the operation ended after teardown");
}
