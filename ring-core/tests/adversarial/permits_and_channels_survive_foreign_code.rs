//! **Rule: no permit is lost and no value is lost or duplicated, whatever
//! foreign code does.** A semaphore's acquire future dropped at any point
//! gives its permits back (forgotten, it leaks them, never more); wakers
//! that panic, or call back into the semaphore or channel from `clone`,
//! `wake` or `drop`, find it consistent (no borrow held, no double
//! borrow), and the permit or value stays accounted for. A blocking job
//! that panics reports the panic through its handle and leaves the pool
//! working.

use crate::hostile::{panics, Hostile};
use crate::support::poll_with;
use ring_core::channel::{mpsc, oneshot, remote};
use ring_core::semaphore::Semaphore;
use ring_core::task::{self, BlockingLimits};
use ring_core::Runtime;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Acquire futures dropped in every state, and forgotten ones: the permits
/// in circulation always add up.
#[test]
fn permits_add_up_whatever_happens_to_acquire_futures() {
    let s = Rc::new(Semaphore::new(3));
    let noop = Waker::noop();
    let mut forgotten_permits = 0;
    for round in 0..50usize {
        let held: Vec<_> = (0..round % 4).filter_map(|_| s.try_acquire_owned().ok()).collect();
        let mut futs: Vec<_> = (0..5).map(|i| Box::pin(s.acquire_many_owned(1 + i % 2))).collect();
        for f in futs.iter_mut() {
            let _ = poll_with(f, noop);
        }
        drop(held);
        // Some are granted now; drop or forget them in a round-dependent order.
        for (i, f) in futs.into_iter().enumerate() {
            match (round + i) % 3 {
                0 => drop(f),
                1 => match Pin::new(&mut { f }).as_mut().poll(&mut Context::from_waker(noop)) {
                    Poll::Ready(p) => drop(p.unwrap()),
                    Poll::Pending => {}
                },
                _ => {
                    // Forgotten: a granted one leaks its permits, a queued
                    // one keeps its place. Only the granted kind is counted
                    // (a queued forgotten one would block the queue for
                    // good, which the next round would show as a hang, so
                    // it is only done when nothing waits behind it).
                    if i == 4 {
                        let mut f = f;
                        if let Poll::Ready(p) = poll_with(&mut f, noop) {
                            let p = p.unwrap();
                            forgotten_permits += p.num_permits();
                            std::mem::forget(p);
                        } else {
                            drop(f);
                        }
                    }
                }
            }
        }
        if forgotten_permits >= 3 {
            break;
        }
        assert_eq!(
            s.available_permits() + forgotten_permits,
            3,
            "round {round}: {} free, {forgotten_permits} forgotten",
            s.available_permits()
        );
        assert_eq!(s.waiting(), 0);
    }
}

/// A waiter's waker that panics when a released permit wakes it: the
/// permit is still granted (the waiter takes it at its next poll), and the
/// other waiters are woken too.
#[test]
fn a_waiters_waker_that_panics_on_wake_loses_no_permit() {
    let s = Semaphore::new(0);
    let bad = Hostile::new();
    bad.wake.panic_next(1);
    let good = Hostile::new();
    let (bw, gw) = (bad.waker(), good.waker());
    let mut a = Box::pin(s.acquire());
    let mut b = Box::pin(s.acquire());
    assert!(poll_with(&mut a, &bw).is_pending());
    assert!(poll_with(&mut b, &gw).is_pending());
    assert!(panics(|| s.add_permits(2)), "the waker's panic is re-raised after every waiter is served");
    assert_eq!(good.wakes(), 1, "the second waiter was woken despite the first's panic");
    assert!(matches!(poll_with(&mut a, Waker::noop()), Poll::Ready(Ok(_))));
    assert!(matches!(poll_with(&mut b, Waker::noop()), Poll::Ready(Ok(_))));
    assert_eq!(s.available_permits(), 2);
}

/// Wakers that call back into the semaphore from `wake` and `drop`
/// (acquiring, releasing, closing) and whose `clone` panics: no borrow
/// panic, and the count stays right.
#[test]
fn wakers_calling_back_into_the_semaphore_find_it_consistent() {
    let s = Rc::new(Semaphore::new(1));
    let held = s.try_acquire_owned().unwrap();
    let h = Hostile::new();
    let reentered = Rc::new(RefCell::new(Vec::new()));
    {
        let (s, r) = (s.clone(), reentered.clone());
        h.wake.on(move || {
            // A new acquire from inside the wake-up: queued behind nobody,
            // but the permit was granted to the waiter being woken.
            r.borrow_mut().push(s.try_acquire().is_ok());
            s.add_permits(1);
        });
    }
    {
        let s = s.clone();
        h.drop.on(move || {
            let _ = s.available_permits();
            let _ = s.try_acquire().map(drop);
        });
    }
    let w = h.waker();
    let mut a = Box::pin(s.acquire_owned());
    // A clone that panics: the place in the queue is kept.
    h.clone.panic_next(1);
    assert!(panics(|| poll_with(&mut a, &w)));
    assert_eq!(s.waiting(), 1, "queued before the clone ran");
    assert!(poll_with(&mut a, &w).is_pending());
    drop(held);
    assert_eq!(*reentered.borrow(), [false], "the released permit was the waiter's");
    let p = match poll_with(&mut a, Waker::noop()) {
        Poll::Ready(p) => p.unwrap(),
        Poll::Pending => panic!("granted"),
    };
    drop(w);
    drop(p);
    assert_eq!(s.available_permits(), 2, "the one added from the waker, and the one given back");
    h.wake.off();
    h.drop.off();
}

/// A closing semaphore whose waiter's waker panics: every waiter still
/// learns it is closed.
#[test]
fn closing_with_a_panicking_waker_fails_every_waiter() {
    let s = Semaphore::new(0);
    let bad = Hostile::new();
    bad.wake.panic_next(1);
    let bw = bad.waker();
    let mut a = Box::pin(s.acquire());
    let mut b = Box::pin(s.acquire());
    assert!(poll_with(&mut a, &bw).is_pending());
    assert!(poll_with(&mut b, Waker::noop()).is_pending());
    assert!(panics(|| s.close()));
    assert!(matches!(poll_with(&mut a, Waker::noop()), Poll::Ready(Err(_))));
    assert!(matches!(poll_with(&mut b, Waker::noop()), Poll::Ready(Err(_))));
}

/// mpsc: a receiver's waker that panics on wake, or that calls back into
/// the channel (receiving, sending, closing) from `wake`: no borrow panic,
/// and no value is lost or duplicated.
#[test]
fn mpsc_with_hostile_receiver_wakers_loses_nothing() {
    let (tx, rx) = mpsc::channel::<u32>(4);
    let rx = Rc::new(RefCell::new(rx));
    let h = Hostile::new();
    let got = Rc::new(RefCell::new(Vec::new()));
    {
        let (rx, got, tx) = (rx.clone(), got.clone(), tx.clone());
        h.wake.on(move || {
            if let Ok(mut rx) = rx.try_borrow_mut() {
                while let Ok(v) = rx.try_recv() {
                    got.borrow_mut().push(v);
                }
            }
            let _ = tx.try_send(1000);
        });
    }
    let w = h.waker();
    let recv_once = |w: &Waker| {
        let mut rx = rx.borrow_mut();
        let mut fut = Box::pin(rx.recv());
        match fut.as_mut().poll(&mut Context::from_waker(w)) {
            Poll::Ready(v) => v,
            Poll::Pending => None,
        }
    };
    assert_eq!(recv_once(&w), None);
    tx.try_send(1).unwrap();
    assert_eq!(*got.borrow(), [1], "the waker received from inside the wake-up");
    // The waker's own send (1000) is queued.
    assert_eq!(recv_once(&w), Some(1000));
    h.wake.off();
    h.wake.panic_next(1);
    assert_eq!(recv_once(&w), None);
    assert!(panics(|| tx.try_send(2)), "the send panics with the waker...");
    assert_eq!(recv_once(Waker::noop()), Some(2), "...after the value was queued");
    drop(tx);
    assert_eq!(recv_once(Waker::noop()), None);
}

/// A sender waiting for room whose waker panics when a slot frees: the
/// slot is still its, and the next poll sends.
#[test]
fn a_waiting_senders_waker_that_panics_keeps_its_slot() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.try_send(0).unwrap();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let w = h.waker();
    let mut send = Box::pin(tx.send(7));
    assert!(poll_with(&mut send, &w).is_pending());
    assert!(panics(|| rx.try_recv()), "freeing the slot woke the sender, whose waker panicked");
    assert!(matches!(poll_with(&mut send, Waker::noop()), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(7));
    assert!(rx.try_recv().is_err());
}

/// oneshot: a receiver's waker that panics or calls back on the send; a
/// sender dropped inside a receiver's waker.
#[test]
fn oneshot_with_hostile_wakers_delivers_exactly_once() {
    let (tx, rx) = oneshot::channel::<String>();
    let mut rx = Box::pin(rx);
    let h = Hostile::new();
    h.wake.panic_next(1);
    let w = h.waker();
    assert!(poll_with(&mut rx, &w).is_pending());
    assert!(panics(|| tx.send("v".into())), "the send woke a panicking waker");
    assert!(matches!(poll_with(&mut rx, Waker::noop()), Poll::Ready(Ok(ref v)) if v == "v"));
    // The sender's `closed` waker panics when the receiver is dropped: the
    // drop still closes the channel, and the send gives its value back.
    let (mut tx, rx) = oneshot::channel::<u8>();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let w = h.waker();
    assert!(tx.poll_closed(&mut Context::from_waker(&w)).is_pending());
    assert!(panics(move || drop(rx)));
    assert!(tx.poll_closed(&mut Context::from_waker(Waker::noop())).is_ready());
    assert_eq!(tx.send(1), Err(1));
}

/// remote: a receiver's waker that panics when a thread sends: the value
/// is queued before the wake-up, and the sending thread sees the panic
/// only in its own call.
#[test]
fn a_remote_send_to_a_panicking_waker_keeps_the_value() {
    let (tx, mut rx) = remote::unbounded::<u8>();
    struct PanicWaker;
    impl std::task::Wake for PanicWaker {
        fn wake(self: std::sync::Arc<Self>) {
            panic!("remote receiver's waker");
        }
    }
    let w = Waker::from(std::sync::Arc::new(PanicWaker));
    assert!(rx.poll_recv(&mut Context::from_waker(&w)).is_pending());
    let t = std::thread::spawn(move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| tx.send(9))).is_err());
    assert!(t.join().unwrap(), "the sender's thread saw the waker's panic");
    assert_eq!(rx.try_recv(), Ok(9));
}

/// A blocking job that panics: its handle reports the payload; the pool
/// thread survives and runs the next job.
#[test]
fn a_panicking_blocking_job_reports_through_its_handle_and_the_pool_goes_on() {
    let rt = Runtime::new(8).unwrap();
    rt.set_blocking_limits(BlockingLimits { max_threads: 1, max_queued: 4, keep_alive: Duration::from_secs(1) });
    rt.block_on(async {
        for i in 0..5 {
            let e = task::spawn_blocking(move || -> u32 { panic!("job {i}") }).await.unwrap_err();
            assert_eq!(e.panic_message(), Some(format!("job {i}").as_str()));
            assert_eq!(task::spawn_blocking(move || i).await.unwrap(), i);
        }
        // Non-string payloads come back whole.
        let e = task::spawn_blocking(|| std::panic::panic_any(42u64)).await.unwrap_err();
        assert_eq!(e.into_panic().unwrap().downcast_ref::<u64>(), Some(&42));
    })
    .unwrap();
}
