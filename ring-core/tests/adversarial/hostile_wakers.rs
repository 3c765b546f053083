//! Rule: foreign code (a waker's `clone`, `wake` or `drop`) may panic or
//! call back into the driver at any point; the library never panics because
//! of it, never loses an outcome because of it, and its state stays
//! consistent.

use crate::hostile::{panics, Hostile};
use ring_core::Driver;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

fn poll<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}

/// Polls `f` with a no-op waker, turning the driver, until it is ready.
fn finish<F: Future + Unpin>(d: &Driver, f: &mut F) -> F::Output {
    for _ in 0..500 {
        if let Poll::Ready(out) = poll(f, Waker::noop()) {
            return out;
        }
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    panic!("the operation never completed");
}

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
    assert!(panics(|| poll(&mut op, &h.waker())));
    finish(&d, &mut op).unwrap();
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.credits(), credits);
}
