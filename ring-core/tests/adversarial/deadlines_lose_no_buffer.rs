//! **Rule: a deadline never frees a buffer the kernel may write, and a
//! deadline on an operation gives its buffer back either way.** When a
//! deadline passes, the operation is either cancelled by the kernel (its
//! output, with the buffer, comes back: `Op::with_timeout`) or orphaned
//! with its buffer kept by the driver until the kernel's completion
//! (`time::timeout`, an aborted task, a dropped deadline future, a
//! `JoinSet` dropped with work in flight). Forgetting any of these leaks,
//! never frees.
//!
//! The canary tests make the data arrive *after* the deadline passed and
//! before the driver submitted the cancellation it queued, so the kernel
//! completes the receive into its buffer after the owner gave up; then
//! blocks of the buffer's size are allocated and filled with a marker. Had
//! the buffer been freed, the allocator would hand its block to a canary,
//! and the kernel's bytes would land in it.

use crate::hostile::{panics, Hostile};
use crate::support::unix_pair;
use crate::support::{self, batch_driver, finish, settle};
use ring_core::task::{self, JoinSet};
use ring_core::time::{self, Timed};
use ring_core::{Builder, Driver, Runtime};
use std::future::Future;
use std::io::Write as _;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

const CAPACITY: usize = 23_457;
const MARKER: u8 = 0x5A;
const CANARIES: usize = 64;
const PATIENCE: Duration = Duration::from_secs(10);
const DATA: &[u8] = b"KERNEL-WROTE-THIS-AFTER-THE-DEADLINE";

fn canaries() -> Vec<Vec<u8>> {
    support::canaries(MARKER, CANARIES, CAPACITY)
}

#[track_caller]
fn assert_untouched(canaries: &[Vec<u8>], what: &str) {
    support::assert_untouched(canaries, MARKER, what)
}

/// `time::timeout` drops the receive at the deadline: it is orphaned, and
/// the kernel's late write lands in the buffer the driver still owns.
#[test]
fn a_receive_dropped_by_timeout_keeps_its_buffer_for_the_kernel() {
    let d = batch_driver();
    d.poll().unwrap();
    let credits = d.credits();
    let (a, mut peer) = unix_pair();
    let at = Instant::now() + Duration::from_millis(5);
    let r = finish(&d, time::Timeout::new_in(&d, at, d.recv(&a, Vec::with_capacity(CAPACITY), 0)));
    assert!(r.is_err(), "nobody wrote before the deadline");
    // The cancellation is queued, not submitted: the data wins.
    let canaries = canaries();
    peer.write_all(DATA).unwrap();
    settle(&d, credits);
    assert_untouched(&canaries, "a receive dropped by timeout");
}

/// A deadline future dropped or forgotten while its operation is in the
/// kernel (linked to its timer, or racing one): the buffer stays with the
/// driver (or leaks), never freed under the kernel.
#[test]
fn a_deadline_future_dropped_or_forgotten_mid_flight_frees_nothing() {
    for (forget, in_flight_first) in [(false, false), (true, false), (false, true), (true, true)] {
        let d = batch_driver();
        d.poll().unwrap();
        let credits = d.credits();
        let (a, mut peer) = unix_pair();
        let mut op = d.recv(&a, Vec::with_capacity(CAPACITY), 0);
        let mut cx = Context::from_waker(Waker::noop());
        if in_flight_first {
            // Already in the kernel: the explicit-cancel path.
            assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        }
        // Long enough for the data to come first, short enough that a
        // forgotten deadline's timer ends (it is nobody's to cancel).
        let mut timed = Box::pin(op.with_timeout(Duration::from_millis(300)));
        assert!(timed.as_mut().poll(&mut cx).is_pending());
        d.poll().unwrap();
        if forget {
            std::mem::forget(timed);
        } else {
            drop(timed);
        }
        let canaries = canaries();
        peer.write_all(DATA).unwrap();
        settle(&d, credits);
        assert_untouched(&canaries, &format!("forget {forget}, in flight first {in_flight_first}"));
    }
}

/// Data arriving around the deadline: whichever wins, the buffer comes back
/// with the operation's output, and it holds the data exactly when the
/// receive completed.
#[test]
fn a_deadline_racing_the_data_always_gives_the_buffer_back() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let (mut completed, mut timed_out) = (0, 0);
        for i in 0..200u64 {
            let (a, peer) = unix_pair();
            let delay = Duration::from_micros(i % 7 * 150);
            let writer = std::thread::spawn(move || {
                std::thread::sleep(delay);
                (&peer).write_all(DATA).unwrap();
                peer
            });
            let deadline = Duration::from_micros(i % 5 * 200);
            let out = d.recv(&a, Vec::with_capacity(CAPACITY), 0).with_timeout(deadline).await;
            let was_timeout = out.timed_out();
            let (res, buf) = out.into_inner();
            assert_eq!(buf.capacity(), CAPACITY, "the buffer came back");
            match res {
                Ok(n) => {
                    assert!(!was_timeout, "a receive that completed is not a timeout");
                    assert_eq!(&buf[..n], &DATA[..n]);
                    completed += 1;
                }
                Err(e) => {
                    assert!(was_timeout, "{e}");
                    assert!(buf.is_empty());
                    timed_out += 1;
                }
            }
            drop(writer.join().unwrap());
        }
        assert_eq!(completed + timed_out, 200);
    })
    .unwrap();
}

/// Allocates canaries, then sends the data to a receive that was just
/// orphaned, when dropped: it is the first thing a task's future holds, so
/// it is dropped after the receive it awaits was (the driver queued the
/// cancellation and has not submitted it yet).
struct LateData {
    peer: UnixStream,
    canaries: Rc<std::cell::RefCell<Vec<Vec<u8>>>>,
}

impl Drop for LateData {
    fn drop(&mut self) {
        self.canaries.borrow_mut().extend(canaries());
        self.peer.write_all(DATA).unwrap();
    }
}

/// A task aborted with a receive in flight, and a `JoinSet` dropped with
/// several: their futures are dropped, the receives orphaned, and the
/// kernel's writes, made right then, land in buffers the driver still
/// owns.
#[test]
fn aborted_tasks_and_a_dropped_join_set_keep_their_buffers_for_the_kernel() {
    let rt = Runtime::with_ring(Builder::new(64).build().unwrap(), ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let written = Rc::new(std::cell::RefCell::new(Vec::new()));
    let spawn_reader = |d: &Driver| {
        let (a, peer) = unix_pair();
        let late = LateData { peer, canaries: written.clone() };
        let d = d.clone();
        async move {
            let _late = late;
            d.recv(&a, Vec::with_capacity(CAPACITY), 0).await
        }
    };
    rt.block_on(async {
        let t = task::spawn(spawn_reader(&d));
        let mut set = JoinSet::new();
        for _ in 0..4 {
            set.spawn(spawn_reader(&d));
        }
        task::yield_now().await;
        task::yield_now().await;
        assert!(d.in_flight() >= 6, "the receives are in the kernel");
        t.abort();
        drop(set);
        assert!(t.await.unwrap_err().is_cancelled());
    })
    .unwrap();
    let deadline = Instant::now() + PATIENCE;
    while d.in_flight() > 1 {
        assert!(Instant::now() < deadline, "the orphans never completed");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(written.borrow().len(), 5 * CANARIES, "every task was dropped");
    assert_untouched(&written.borrow(), "aborted tasks and a dropped JoinSet");
}

/// A deadline future polled with a waker whose clone panics, at its first
/// poll (when the chain starts) and later: the operation stays claimed,
/// and the next poll with a sane waker still resolves with the buffer.
#[test]
fn a_deadline_polled_with_a_hostile_waker_still_resolves_with_its_buffer() {
    for late in [false, true] {
        let d = batch_driver();
        d.poll().unwrap();
        let (a, _peer) = unix_pair();
        let mut timed = Box::pin(d.recv(&a, Vec::with_capacity(CAPACITY), 0).with_timeout(Duration::from_millis(20)));
        if late {
            assert!(timed.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
            d.poll().unwrap();
        }
        let h = Hostile::new();
        h.clone.panic_next(1);
        let w = h.waker();
        assert!(panics(|| timed.as_mut().poll(&mut Context::from_waker(&w))), "the clone ran and panicked");
        drop(w);
        let out = finish(&d, timed);
        assert!(matches!(out, Timed::TimedOut(_)), "late {late}");
        assert_eq!(out.into_inner().1.capacity(), CAPACITY);
    }
}
