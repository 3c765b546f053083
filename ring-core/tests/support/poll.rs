//! Polling a future by hand and turning a driver until something holds,
//! each bounded so that a lost wake-up fails the test instead of hanging
//! it.

use super::{counter, Count};
use ring_core::Driver;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// How long the helpers here wait before they fail the test. Generous: the
/// machine is shared and noisy, and a failure here is a hang, not a slow
/// run.
const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// Polls `f` once with `w`.
pub fn poll_with<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}

/// Polls `f` once with a waker that does nothing (to get it submitted).
pub fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    poll_with(f, Waker::noop())
}

/// Polls `f` once with a waker that counts; returns the poll and the count.
pub fn poll_counted<F: Future + Unpin>(f: &mut F) -> (Poll<F::Output>, Arc<Count>) {
    let (count, waker) = counter();
    (poll_with(f, &waker), count)
}

/// Polls `f` with a waker that does nothing, parking the driver between
/// polls, until it is ready; fails the test if that takes longer than
/// ten seconds (an outcome lost, or a wake-up that never came). Pass
/// `&mut f` to keep the future.
#[track_caller]
pub fn finish<F: Future>(d: &Driver, f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    let deadline = Instant::now() + WAIT_LIMIT;
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        assert!(Instant::now() < deadline, "the future never became ready: its outcome was lost");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

/// Parks the driver until `done` holds, failing after ten seconds.
#[track_caller]
pub fn park_until(d: &Driver, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT_LIMIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

/// Turns the driver until every operation it started has had its terminal
/// completion (all `credits` are back), also those whose futures are gone
/// or were forgotten.
#[track_caller]
pub fn settle(d: &Driver, credits: u32) {
    let deadline = Instant::now() + WAIT_LIMIT;
    while d.credits() != credits {
        assert!(Instant::now() < deadline, "an operation never completed");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

/// Turns the driver until nothing is in flight; fails the test if an entry
/// stays taken.
#[track_caller]
pub fn drain(d: &Driver) {
    let deadline = Instant::now() + WAIT_LIMIT;
    while d.in_flight() != 0 {
        assert!(Instant::now() < deadline, "{} entries stayed taken", d.in_flight());
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

/// Runs `f` on its own thread and fails the test if it takes longer than
/// `secs` seconds: for checks whose failure is a hang (a future never
/// woken, an abort that never happens). The stuck thread is left behind;
/// the test fails either way.
pub fn within<R: Send + 'static>(secs: u64, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(Ok(r)) => r,
        Ok(Err(p)) => std::panic::resume_unwind(p),
        Err(_) => panic!("did not finish within {secs} s (hung)"),
    }
}

/// Returns `Pending` once, after waking its task: the other tasks that are
/// ready run before it goes on.
pub async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
