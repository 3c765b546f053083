//! **Rule: a poll-based reader's buffer belongs to its operation in flight.
//! Dropping or forgetting the reader, or its read future, between polls,
//! or polling it with a hostile waker, never lets the kernel write into
//! memory Rust has freed or reused; the bytes in flight are either handed
//! out later or discarded with the reader, never written elsewhere.**
//!
//! Each test starts a poll-based read on a quiet stream (the kernel arms
//! it and waits), lets go of the reader, and then makes the data arrive
//! *before* the driver submits the cancellation it queued: the kernel
//! completes the read, writing the bytes into the read's buffer, after the
//! reader is gone. In between, the test allocates "canaries" of exactly the
//! buffer's size, filled with a marker: had the reader freed its buffer,
//! the allocator would hand that block to a canary, and the kernel's bytes
//! would land in it. Every canary must still hold only the marker.
//!
//! The drop tests fail when the reader lends the kernel a pointer into a
//! buffer it owns itself (as a borrowed-slice design would), instead of
//! moving the buffer into the operation: planted in the engine's
//! `start_read`, the kernel's bytes land in freed heap memory and the test
//! process crashes. (Forgetting frees nothing in either design; those
//! tests guard the leak path.)

use crate::support::rings::pipe;
use crate::support::{self, batch_driver, settle};
use ring_core::adapters::Uring;
use ring_core::io::{PollRead, PollWrite};
use ring_core::net::UnixStream;
use ring_core::Driver;
use std::future::Future;
use std::io::Write as _;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::{Duration, Instant};

/// An odd size, so the canaries share a size class with the buffer and
/// with little else.
const CAPACITY: usize = 12_345;
const MARKER: u8 = 0xA5;
const CANARIES: usize = 64;
const PATIENCE: Duration = Duration::from_secs(10);

fn canaries() -> Vec<Vec<u8>> {
    support::canaries(MARKER, CANARIES, CAPACITY)
}

#[track_caller]
fn assert_untouched(canaries: &[Vec<u8>], what: &str) {
    support::assert_untouched(canaries, MARKER, what)
}

/// Polls a read once, so its operation is submitted and armed in the
/// kernel, and returns with it still in flight.
fn start_read<R: PollRead>(d: &Driver, r: &mut R) {
    let mut buf = [0u8; 16];
    let mut cx = Context::from_waker(Waker::noop());
    assert!(r.poll_read(&mut cx, &mut buf).is_pending(), "nothing to read yet");
    // Submits it: the kernel arms the receive on the empty socket.
    d.poll().unwrap();
}

/// The bytes the peer sends: recognisable in a canary.
const DATA: &[u8] = b"KERNEL-WROTE-THIS-AFTER-THE-READER-WAS-GONE";

#[derive(Clone, Copy, Debug)]
enum LetGo {
    Drop,
    Forget,
    DropFutureThenReader,
}

fn socket_reader_let_go(how: LetGo) {
    let d = batch_driver();
    let credits = d.credits();
    let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut r = UnixStream::from_std(&d, mine);
    r.set_buffer_capacity(CAPACITY);
    match how {
        LetGo::DropFutureThenReader => {
            let mut buf = [0u8; 16];
            {
                let mut fut = pin!(std::future::poll_fn(|cx| r.poll_read(cx, &mut buf)));
                assert!(fut.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
            }
            d.poll().unwrap();
            drop(r);
        }
        LetGo::Drop => {
            start_read(&d, &mut r);
            drop(r);
        }
        LetGo::Forget => {
            start_read(&d, &mut r);
            std::mem::forget(r);
        }
    }
    let canaries = canaries();
    // The data arrives before the cancellation is submitted: the kernel
    // completes the receive into the read's buffer now.
    peer.write_all(DATA).unwrap();
    settle(&d, credits);
    assert_untouched(&canaries, &format!("{how:?} a socket reader"));
}

#[test]
fn dropping_a_socket_reader_mid_read_keeps_its_buffer_for_the_kernel() {
    socket_reader_let_go(LetGo::Drop);
}

#[test]
fn forgetting_a_socket_reader_mid_read_leaks_its_buffer_never_frees_it() {
    socket_reader_let_go(LetGo::Forget);
}

#[test]
fn dropping_the_read_future_then_the_reader_keeps_the_buffer_for_the_kernel() {
    socket_reader_let_go(LetGo::DropFutureThenReader);
}

#[test]
fn dropping_and_forgetting_a_uring_adapter_mid_read_on_a_pipe() {
    for forget in [false, true] {
        let d = batch_driver();
        let credits = d.credits();
        let (rx, tx) = pipe();
        let mut tx = std::fs::File::from(tx);
        let mut r = Uring::with_capacity(&d, rx, CAPACITY);
        start_read(&d, &mut r);
        if forget {
            std::mem::forget(r);
        } else {
            drop(r);
        }
        let canaries = canaries();
        tx.write_all(DATA).unwrap();
        settle(&d, credits);
        assert_untouched(&canaries, if forget { "forgetting a Uring" } else { "dropping a Uring" });
    }
}

/// A waker whose `clone` panics while `armed`.
fn hostile_waker(armed: Arc<AtomicBool>) -> Waker {
    fn vtable() -> &'static RawWakerVTable {
        &RawWakerVTable::new(clone, noop, noop, drop_arc)
    }
    unsafe fn clone(p: *const ()) -> RawWaker {
        // SAFETY: `p` came from `Arc::into_raw` below and the waker holds a
        // count of it.
        let armed = unsafe { &*(p as *const AtomicBool) };
        if armed.load(Ordering::SeqCst) {
            panic!("hostile waker: clone");
        }
        // SAFETY: as above; the clone takes a count of its own.
        unsafe { Arc::increment_strong_count(p as *const AtomicBool) };
        RawWaker::new(p, vtable())
    }
    unsafe fn noop(_: *const ()) {}
    unsafe fn drop_arc(p: *const ()) {
        // SAFETY: each waker holds one count, given back here once.
        unsafe { Arc::decrement_strong_count(p as *const AtomicBool) };
    }
    let p = Arc::into_raw(armed) as *const ();
    // SAFETY: the vtable's functions keep the Arc's count as a waker
    // must: clone takes one, drop gives one back, wake is a no-op.
    unsafe { Waker::from_raw(RawWaker::new(p, vtable())) }
}

/// Polls `f` with a waker whose `clone` panics; the panic is caught.
fn poll_with_hostile_waker<T>(f: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Result<Poll<T>, ()> {
    let armed = Arc::new(AtomicBool::new(true));
    let w = hostile_waker(armed.clone());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut Context::from_waker(&w))));
    armed.store(false, Ordering::SeqCst);
    r.map_err(drop)
}

/// Drives `f` with a real waker until it is ready.
fn run<T>(d: &Driver, mut f: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Poll::Ready(v) = f(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
        assert!(Instant::now() < deadline, "never became ready after a hostile waker");
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
}

#[test]
fn a_waker_that_panics_in_clone_mid_read_and_mid_write_leaves_both_usable() {
    let d = batch_driver();
    let credits = d.credits();
    let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut s = UnixStream::from_std(&d, mine);
    s.set_buffer_capacity(CAPACITY);
    // The read is in the kernel; then it is polled with a waker whose clone
    // panics (the driver clones a new waker to register it). The read
    // must still be the one polled next: the bytes that arrive later are
    // read once, in order.
    start_read(&d, &mut s);
    let mut buf = [0u8; 64];
    assert!(poll_with_hostile_waker(|cx| s.poll_read(cx, &mut buf)).is_err(), "the waker's clone ran");
    peer.write_all(b"first").unwrap();
    let n = run(&d, |cx| s.poll_read(cx, &mut buf)).unwrap();
    assert_eq!(&buf[..n], b"first");
    // A queued write, flushed with such a waker, then flushed again: the
    // bytes go out exactly once.
    let n = run(&d, |cx| s.poll_write(cx, b"out")).unwrap();
    assert_eq!(n, 3);
    let _ = poll_with_hostile_waker(|cx| s.poll_flush(cx));
    run(&d, |cx| s.poll_flush(cx)).unwrap();
    let mut got = [0u8; 8];
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let n = std::io::Read::read(&mut peer, &mut got).unwrap();
    assert_eq!(&got[..n], b"out", "the write reached the peer exactly once");
    drop(s);
    settle(&d, credits);
    // Nothing was freed under the kernel either: a last read dropped.
    let canaries = canaries();
    assert_untouched(&canaries, "after the hostile waker");
}

/// A waker whose clone panics while the driver *starts* the read (the
/// first waker it registers): the `Op` has recorded its entry before any
/// foreign code runs, so the read stays the reader's, and the bytes that
/// arrive later are read once, in order.
#[test]
fn a_waker_that_panics_in_clone_at_the_start_of_a_read_leaves_the_reader_usable() {
    let d = batch_driver();
    let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut s = UnixStream::from_std(&d, mine);
    let mut buf = [0u8; 64];
    let _ = poll_with_hostile_waker(|cx| s.poll_read(cx, &mut buf));
    d.poll().unwrap();
    peer.write_all(b"first").unwrap();
    let n = run(&d, |cx| s.poll_read(cx, &mut buf)).unwrap();
    assert_eq!(&buf[..n], b"first");
    peer.write_all(b"second").unwrap();
    let n = run(&d, |cx| s.poll_read(cx, &mut buf)).unwrap();
    assert_eq!(&buf[..n], b"second");
}
