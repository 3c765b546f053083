//! Tests written to kill survivors of the eleventh cargo-mutants pass over
//! `ring-core/src/ops`, part 2: `misc.rs`, `misc2.rs`, `mod.rs`, `net.rs`
//! and `rw.rs`. Each test names the mutants it kills (as `file:line:col` of
//! the pass's snapshot); each kill was checked by planting the mutant by
//! hand.
//!
//! Many `complete` mutants return a fixed success. An operation cancelled
//! before its first poll never reaches the kernel and completes through its
//! own `complete` with `-ECANCELED` ([`cancelled_before_submission`]), so
//! such a mutant turns a deterministic error into a success on any kernel.

use ring_core::op::Cancelled;
use ring_core::ops::Futex;
use ring_core::{Driver, Runtime};
use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

mod support;
use support::counter;

/// Whether the kernel has `op`; prints why the test skips if not.
#[allow(dead_code)]
fn supported(d: &Driver, op: u8, test: &str) -> bool {
    match d.require(op) {
        Ok(()) => true,
        Err(e) => {
            println!("SKIP {test}: {e}");
            false
        }
    }
}

/// Polls `f` once with a waker that counts; returns the poll and the count.
fn poll_once<F: Future + Unpin>(f: &mut F) -> (Poll<F::Output>, std::sync::Arc<support::Count>) {
    let (count, waker) = counter();
    let p = Pin::new(f).poll(&mut Context::from_waker(&waker));
    (p, count)
}

/// Polls `op` once (which submits it) and turns the driver until its
/// completion has arrived (its waker was woken), without collecting the
/// output. Dropping `op` afterwards hands that completion to the
/// operation's `orphaned` hook.
fn run_to_completion_unobserved<F: Future + Unpin>(d: &Driver, op: &mut F) {
    let (p, count) = poll_once(op);
    assert!(p.is_pending(), "submitted on the first poll");
    let deadline = Instant::now() + Duration::from_secs(5);
    while count.0.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the operation's completion never arrived");
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
}

/// [`run_to_completion_unobserved`], then drops the future, and lets the
/// driver run what that deferred.
fn finish_unobserved<F: Future + Unpin>(d: &Driver, mut op: F) {
    run_to_completion_unobserved(d, &mut op);
    drop(op);
    d.poll().unwrap();
}

/// The output of an operation cancelled before it was ever polled: it never
/// reaches the kernel and completes as cancelled, through its `complete`
/// with `-ECANCELED`.
fn cancelled_before_submission<T>(rt: &Runtime, op: ring_core::Op<T>) -> T::Output
where
    T: ring_core::op::Operation,
{
    match rt.block_on(op.cancel()).unwrap() {
        Cancelled::Cancelled(out) => out,
        Cancelled::Completed(_) => panic!("an operation cancelled before submission cannot have run"),
    }
}

/// Asserts that `r` is the error `errno`.
#[track_caller]
fn assert_errno<T: std::fmt::Debug>(r: std::io::Result<T>, errno: i32) {
    match r {
        Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{e}"),
        Ok(v) => panic!("expected errno {errno}, got Ok({v:?})"),
    }
}

// ---- misc.rs ----

/// Kills `misc.rs:29:9: replace <impl Operation for Nop>::complete ->
/// io::Result<()> with Ok(())`: a NOP that ended as cancelled reports it.
#[test]
fn a_nop_cancelled_before_submission_reports_ecanceled() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    assert_errno(cancelled_before_submission(&rt, d.nop()), libc::ECANCELED);
    rt.block_on(d.nop()).unwrap().unwrap();
}

/// Kills `misc.rs:80:9: replace <impl Operation for TimeoutOp>::complete ->
/// io::Result<bool> with Ok(true)`: a timeout ended by its completion count
/// resolves to `Ok(false)`, and one cancelled to an error.
#[test]
fn a_counted_timeout_reports_the_count_and_a_cancelled_one_the_error() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut t = d.timeout(Duration::from_secs(10), 1);
    assert!(poll_once(&mut t).0.is_pending(), "the timeout was submitted");
    rt.block_on(d.nop()).unwrap().unwrap();
    let start = Instant::now();
    assert!(!rt.block_on(t).unwrap().unwrap(), "the count, not the time, ended it");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_errno(cancelled_before_submission(&rt, d.sleep(Duration::from_secs(10))), libc::ECANCELED);
}

/// Kills `misc.rs:163:9: replace <impl Multishot for TimeoutStream>::item ->
/// Option<io::Result<()>> with Some(Ok(()))`: a tick stream cancelled in the
/// kernel ends with the cancellation as an error, not as a tick.
#[test]
fn a_cancelled_tick_stream_ends_with_ecanceled() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut ticks = d.ticks(Duration::from_secs(3600), 0);
    assert!(poll_once(&mut ticks.next()).0.is_pending(), "the stream was submitted");
    ticks.cancel();
    let last = rt.block_on(ticks.next()).unwrap().expect("the cancellation arrives as the last item");
    assert_errno(last, libc::ECANCELED);
    assert!(rt.block_on(ticks.next()).unwrap().is_none(), "the stream ended");
}

/// Kills `misc.rs:193:9: replace <impl Multishot for PollMulti>::item ->
/// Option<io::Result<u32>> with Some(Ok(1))`: the item is the kernel's
/// `revents` mask (`POLLOUT` here, not `POLLIN`, which is 1).
#[test]
fn a_multishot_poll_item_is_the_revents_mask() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (_r, w) = support::pipe();
    let mut polls = d.poll_multishot(&w, libc::POLLOUT as u32);
    let ev = rt.block_on(polls.next()).unwrap().expect("a readiness event").unwrap();
    assert_eq!(ev, libc::POLLOUT as u32);
}

// ---- misc2.rs ----

/// Kills `misc2.rs:52:9: replace <impl Operation for KeepAlive<T, R>>::orphaned
/// with ()`: an accept through `TcpListener` (an `Accept` kept alive with
/// the listener's descriptor) whose future is dropped after it completed
/// must close the connection it accepted, so the peer sees end of file.
#[test]
fn an_orphaned_listener_accept_that_completed_closes_the_connection() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let listener = ring_core::net::TcpListener::from_std(&d, std_listener);
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    finish_unobserved(&d, Box::pin(listener.accept()));
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut b = [0u8; 1];
    let n = peer.read(&mut b).expect("the accepted side was closed (EOF), not left open (timeout)");
    assert_eq!(n, 0);
}

/// Kills `misc2.rs:133:9: replace Futex::word -> &AtomicU32 with
/// Box::leak(Box::new(Default::default()))` and `misc2.rs:138:9: replace
/// Futex::load -> u32 with 0` (and `with 1`): the word is the shared one,
/// and `load`/`store` read and write it.
#[test]
fn a_futex_word_load_and_store_see_the_same_value() {
    let f = Futex::new(7);
    assert_eq!(f.load(), 7);
    assert_eq!(f.word().load(Ordering::SeqCst), 7);
    f.store(9);
    assert_eq!(f.word().load(Ordering::SeqCst), 9);
    assert_eq!(f.clone().load(), 9);
    f.word().store(11, Ordering::SeqCst);
    assert_eq!(f.load(), 11);
}
