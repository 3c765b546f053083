//! The fair `Semaphore` and the channels.

use ring_core::channel::{mpsc, oneshot, remote, TryRecvError, TrySendError};
use ring_core::semaphore::{AcquireError, Semaphore, TryAcquireError};
use ring_core::task;
use ring_core::Runtime;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

fn poll<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

#[test]
fn semaphore_serves_waiters_in_order_and_never_lets_a_newcomer_overtake() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let mut a = Box::pin(s.acquire());
    let mut b = Box::pin(s.acquire());
    assert!(poll(&mut a).is_pending());
    assert!(poll(&mut b).is_pending());
    assert_eq!(s.waiting(), 2);
    drop(held);
    // The permit went to `a`, held for it: neither `b` nor a newcomer gets it.
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert!(poll(&mut b).is_pending());
    let pa = match poll(&mut a) {
        Poll::Ready(p) => p.unwrap(),
        Poll::Pending => panic!("a was first"),
    };
    drop(pa);
    assert!(matches!(poll(&mut b), Poll::Ready(Ok(_))));
}

#[test]
fn semaphore_does_not_let_small_requests_starve_a_large_one() {
    let s = Semaphore::new(2);
    let p1 = s.try_acquire().unwrap();
    let mut big = Box::pin(s.acquire_many(2));
    assert!(poll(&mut big).is_pending());
    // One permit is free, but the big request is ahead.
    let mut small = Box::pin(s.acquire());
    assert!(poll(&mut small).is_pending());
    drop(p1);
    assert!(matches!(poll(&mut big), Poll::Ready(Ok(ref p)) if p.num_permits() == 2));
}

/// Dropping an acquire future never loses a permit: queued, it leaves the
/// queue (and unblocks the ones behind it); granted but not taken, its
/// permits go to the next waiter.
#[test]
fn a_dropped_acquire_never_loses_a_permit() {
    let s = Semaphore::new(1);
    let held = s.try_acquire().unwrap();
    let mut granted = Box::pin(s.acquire());
    let mut next = Box::pin(s.acquire());
    assert!(poll(&mut granted).is_pending() && poll(&mut next).is_pending());
    drop(held);
    drop(granted);
    assert!(matches!(poll(&mut next), Poll::Ready(Ok(_))), "the granted permit passed on");
    drop(next);
    assert_eq!(s.available_permits(), 1);
    // A queued request for two, dropped, lets a request for one through.
    let held = s.try_acquire().unwrap();
    let mut two = Box::pin(s.acquire_many(2));
    let mut one = Box::pin(s.acquire());
    assert!(poll(&mut two).is_pending() && poll(&mut one).is_pending());
    drop(held);
    assert!(poll(&mut one).is_pending(), "still behind the request for two");
    drop(two);
    assert!(matches!(poll(&mut one), Poll::Ready(Ok(_))));
}

#[test]
fn semaphore_close_fails_waiters_and_later_acquires_and_bad_counts_are_errors() {
    let rt = Runtime::new(8).unwrap();
    let s = Rc::new(Semaphore::new(0));
    rt.block_on(async {
        let s2 = s.clone();
        let waiter = task::spawn(async move { s2.acquire().await.map(drop) });
        task::yield_now().await;
        s.close();
        assert_eq!(waiter.await.unwrap(), Err(AcquireError::Closed));
        assert_eq!(s.acquire().await.unwrap_err(), AcquireError::Closed);
        let huge = usize::MAX;
        assert_eq!(Semaphore::new(1).acquire_many(huge).await.unwrap_err(), AcquireError::TooMany { asked: huge });
        assert!(matches!(Semaphore::new(1).try_acquire_many(huge), Err(TryAcquireError::TooMany { .. })));
        assert_eq!(Semaphore::new(usize::MAX).available_permits(), Semaphore::MAX_PERMITS);
    })
    .unwrap();
}

#[test]
fn owned_permits_travel_and_forget_shrinks_the_capacity() {
    let s = Rc::new(Semaphore::new(2));
    let p = s.try_acquire_owned().unwrap();
    assert_eq!(p.num_permits(), 1);
    assert!(Rc::ptr_eq(p.semaphore(), &s));
    p.forget();
    assert_eq!(s.available_permits(), 1);
    let q = s.try_acquire_many_owned(1).unwrap();
    drop(q);
    assert_eq!(s.available_permits(), 1);
    s.add_permits(usize::MAX);
    assert_eq!(s.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn oneshot_delivers_once_and_reports_a_dropped_sender() {
    let rt = Runtime::new(8).unwrap();
    rt.block_on(async {
        let (tx, rx) = oneshot::channel();
        task::spawn(async move {
            task::yield_now().await;
            tx.send(String::from("v")).unwrap();
        });
        assert_eq!(rx.await.unwrap(), "v");
        let (tx, rx) = oneshot::channel::<()>();
        drop(tx);
        assert!(rx.await.is_err());
        let (mut tx, mut rx) = oneshot::channel::<u8>();
        assert!(!tx.is_closed());
        rx.close();
        assert!(tx.is_closed());
        tx.closed().await;
        assert_eq!(tx.send(1), Err(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    })
    .unwrap();
}

/// A full bounded channel makes senders wait, in order, until the receiver
/// takes values: the producer can never be more than `capacity` ahead.
#[test]
fn a_bounded_channel_applies_backpressure_in_order() {
    let rt = Runtime::new(8).unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let l = log.clone();
    rt.block_on(async move {
        let (tx, mut rx) = mpsc::channel(2);
        assert_eq!(tx.capacity(), 2);
        let l2 = l.clone();
        let producer = task::spawn(async move {
            for i in 0..6 {
                tx.send(i).await.unwrap();
                l2.borrow_mut().push(format!("sent {i}"));
            }
        });
        for _ in 0..4 {
            task::yield_now().await;
        }
        assert_eq!(l.borrow().len(), 2, "two fit, the third waits: {:?}", l.borrow());
        let mut got = Vec::new();
        while let Some(v) = rx.recv().await {
            got.push(v);
            let sent = l.borrow().len();
            assert!(sent <= got.len() + 2 + 1, "the producer ran ahead: {sent} sent, {} received", got.len());
        }
        assert_eq!(got, [0, 1, 2, 3, 4, 5]);
        producer.await.unwrap();
    })
    .unwrap();
}

#[test]
fn mpsc_close_and_drop_give_values_back_and_try_variants_work() {
    let rt = Runtime::new(8).unwrap();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1);
        tx.try_send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        let tx2 = tx.clone();
        let waiting = task::spawn(async move { tx2.send(3).await.map_err(|e| e.0) });
        task::yield_now().await;
        rx.close();
        assert_eq!(waiting.await.unwrap(), Err(3), "a sender waiting for room gets its value back");
        assert!(tx.is_closed());
        assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
        assert_eq!(rx.recv().await, Some(1), "queued values stay receivable");
        assert_eq!(rx.recv().await, None);
        let (utx, mut urx) = mpsc::unbounded_channel();
        for i in 0..1000 {
            utx.send(i).unwrap();
        }
        assert_eq!(urx.len(), 1000);
        drop(utx);
        let mut n = 0;
        while urx.recv().await.is_some() {
            n += 1;
        }
        assert_eq!(n, 1000);
        assert_eq!(urx.try_recv(), Err(TryRecvError::Disconnected));
        let (utx, urx) = mpsc::unbounded_channel::<u8>();
        drop(urx);
        assert_eq!(utx.send(1).unwrap_err().0, 1);
    })
    .unwrap();
}

/// A dropped send future gives its slot back (or leaves the queue of
/// waiting senders).
#[test]
fn a_dropped_send_future_loses_no_slot() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    tx.try_send(0).unwrap();
    let mut a = Box::pin(tx.send(1));
    let mut b = Box::pin(tx.send(2));
    assert!(poll(&mut a).is_pending() && poll(&mut b).is_pending());
    // The receiver frees the slot: granted to `a`, which is dropped.
    assert_eq!(rx.try_recv(), Ok(0));
    drop(a);
    assert!(matches!(poll(&mut b), Poll::Ready(Ok(()))));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(5).unwrap();
}

/// Senders on other threads; the receiver on the runtime, woken through the
/// cross-thread path while parked.
#[test]
fn a_remote_channel_carries_values_from_threads_into_the_runtime() {
    let rt = Runtime::new(8).unwrap();
    let (tx, mut rx) = remote::channel::<u64>(4);
    let producers: Vec<_> = (0..4)
        .map(|t| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..250u64 {
                    tx.send(t * 1000 + i).unwrap();
                    if i % 50 == 0 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            })
        })
        .collect();
    drop(tx);
    let (n, sum) = rt
        .block_on(async {
            let (mut n, mut sum) = (0, 0u64);
            while let Some(v) = rx.recv().await {
                n += 1;
                sum += v;
            }
            (n, sum)
        })
        .unwrap();
    for p in producers {
        p.join().unwrap();
    }
    assert_eq!(n, 1000);
    assert_eq!(sum, (0..4u64).map(|t| (0..250).map(|i| t * 1000 + i).sum::<u64>()).sum());
    let (tx, mut rx) = remote::channel::<u8>(1);
    tx.try_send(1).unwrap();
    assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    assert_eq!(tx.send_timeout(3, Duration::from_millis(1)), Err(TrySendError::Full(3)));
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(4).unwrap_err().0, 4);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// A thread blocked on a full remote channel is released when the
/// receiver takes a value, and when the receiver is dropped.
#[test]
fn a_blocked_remote_sender_is_released() {
    let (tx, mut rx) = remote::channel::<u8>(1);
    tx.send(0).unwrap();
    let tx2 = tx.clone();
    let t = std::thread::spawn(move || tx2.send(1));
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(rx.try_recv(), Ok(0));
    t.join().unwrap().unwrap();
    let t = std::thread::spawn(move || tx.send(2));
    std::thread::sleep(Duration::from_millis(20));
    drop(rx);
    assert_eq!(t.join().unwrap().unwrap_err().0, 2);
}
