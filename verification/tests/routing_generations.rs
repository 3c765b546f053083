//! A completion reaches an entry only if its generation is the entry's
//! current one, on every path the driver routes a completion by
//! (`ownership/driver/routing.rs`): the single completion's fast path, a
//! stream's item and its end, an orphaned stream's end, a zero-copy send's
//! result and its notification, and an orphaned single-shot operation's
//! end. Each test gives a live entry a completion carrying an older
//! generation of the same index (as a late completion of the entry's
//! previous operation would arrive), then checks that it did not reach the
//! operation, and that the operation's own completion still does.
//! `scripts/planted_bugs.py` plants routing that ignores the generation on
//! each path; each plant fails the tests of its path.
#![cfg(not(ring_loom))]

use ring_core::driver::Batch;
use ring_core::{Builder, Driver, SharedFd};
use ring_sys::{IORING_CQE_F_MORE, IORING_CQE_F_NOTIF, IORING_OP_POLL_ADD};
use std::future::Future;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use verification::sim::{Chaos, SimConfig, SimKernel};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

/// A handle on descriptor `fd` of the simulated kernel.
fn sim_fd(fd: RawFd) -> SharedFd {
    // SAFETY: `fd` names an object of the simulated kernel that these tests
    // never close; the handle only reaches operations on that kernel, and
    // dropping it closes nothing.
    unsafe { SharedFd::borrow_raw(fd) }
}

/// A driver on a fresh simulated kernel (SQ of 4, CQ of 8), submitting only
/// when it turns, and its ring's descriptor.
fn world(chaos: Chaos) -> (SimKernel, Driver<SimKernel>, RawFd) {
    let sim = SimKernel::new(SimConfig::default());
    sim.set_chaos(chaos);
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let fd = sim.ring_fds()[0];
    (sim.clone(), Driver::with_ring(ring, Batch::default()), fd)
}

/// `user_data` naming the same entry one generation earlier.
fn older(user_data: u64) -> u64 {
    let (index, generation) = (user_data as u32, (user_data >> 32) as u32);
    (u64::from(generation.wrapping_sub(1)) << 32) | u64::from(index)
}

/// The `user_data` of the one poll the kernel holds.
fn poll_user_data(sim: &SimKernel) -> u64 {
    let polls: Vec<u64> =
        sim.inflight().iter().filter(|f| f.opcode == IORING_OP_POLL_ADD).map(|f| f.user_data).collect();
    assert_eq!(polls.len(), 1, "one poll in the kernel");
    polls[0]
}

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn finish<F: Future + Unpin>(d: &Driver<SimKernel>, sim: &SimKernel, f: &mut F) -> F::Output {
    for _ in 0..100 {
        if let Poll::Ready(v) = poll_once(f) {
            return v;
        }
        sim.release_notifs();
        d.park(Some(std::time::Duration::from_millis(1))).unwrap();
    }
    panic!("the operation never finished");
}

/// The fast path: the single completion of an operation whose owner waits.
#[test]
fn a_stale_completion_never_completes_a_waiting_operation() {
    let (sim, d, ring) = world(Chaos::default());
    let (r, w) = sim.add_pipe();
    let mut read = d.read(&sim_fd(r), Vec::<u8>::with_capacity(8));
    assert!(poll_once(&mut read).is_pending());
    d.poll().unwrap();
    let ud = read.user_data().expect("submitted");
    assert!(sim.inject_cqe(ring, older(ud), 7, 0, None));
    d.poll().unwrap();
    assert!(poll_once(&mut read).is_pending(), "a completion of an older generation completed the read");
    assert_eq!(d.stats().stale, 1);
    sim.pipe_write(w, b"abc");
    let (n, buf) = finish(&d, &sim, &mut read);
    assert_eq!((n.unwrap(), &buf[..]), (3, &b"abc"[..]));
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// A live stream's item (`IORING_CQE_F_MORE`).
#[test]
fn a_stale_item_never_reaches_a_stream() {
    let (sim, d, ring) = world(Chaos::default());
    let pollable = sim.add_pollable();
    let mut s = d.poll_multishot(&sim_fd(pollable), libc::POLLIN as u32);
    assert!(s.poll_next(&mut Context::from_waker(Waker::noop())).is_pending());
    d.poll().unwrap();
    let ud = poll_user_data(&sim);
    assert!(sim.inject_cqe(ring, older(ud), libc::POLLOUT as i32, IORING_CQE_F_MORE, None));
    d.poll().unwrap();
    let p = s.poll_next(&mut Context::from_waker(Waker::noop()));
    assert!(p.is_pending(), "a stale item reached the stream: {p:?}");
    assert_eq!(d.stats().stale, 1);
    sim.set_ready(pollable, libc::POLLIN as u32);
    d.poll().unwrap();
    d.poll().unwrap();
    match s.poll_next(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Some(Ok(mask))) => assert!(mask & libc::POLLIN as u32 != 0, "{mask:#x}"),
        other => panic!("the stream's own item did not arrive: {other:?}"),
    }
}

/// A live stream's end (the first completion without `F_MORE`).
#[test]
fn a_stale_end_never_ends_a_stream() {
    let (sim, d, ring) = world(Chaos::default());
    let pollable = sim.add_pollable();
    let mut s = d.poll_multishot(&sim_fd(pollable), libc::POLLIN as u32);
    assert!(s.poll_next(&mut Context::from_waker(Waker::noop())).is_pending());
    d.poll().unwrap();
    let ud = poll_user_data(&sim);
    assert!(sim.inject_cqe(ring, older(ud), -libc::ECANCELED, 0, None));
    d.poll().unwrap();
    let p = s.poll_next(&mut Context::from_waker(Waker::noop()));
    assert!(p.is_pending(), "a stale completion ended the stream: {p:?}");
    assert_eq!(d.stats().stale, 1);
    assert_eq!(d.in_flight(), 1);
}

/// An orphaned stream's end: a stale one must not free the entry (and the
/// operation's value) while the kernel still holds the poll.
#[test]
fn a_stale_end_never_frees_an_orphaned_stream() {
    // Held: the cancellation the next turn submits does not run until
    // released, so the stale completion is the only one that turn reaps.
    let (sim, d, ring) = world(Chaos { hold: true, ..Chaos::default() });
    let pollable = sim.add_pollable();
    let mut s = d.poll_multishot(&sim_fd(pollable), libc::POLLIN as u32);
    assert!(s.poll_next(&mut Context::from_waker(Waker::noop())).is_pending());
    d.poll().unwrap();
    let ud = poll_user_data(&sim);
    // Orphaned; its cancellation is written but not submitted yet.
    drop(s);
    assert!(sim.inject_cqe(ring, older(ud), -libc::ECANCELED, 0, None));
    // Reaps the stale completion first, then submits the cancellation.
    d.poll().unwrap();
    assert_eq!(d.stats().orphans_reaped, 0, "a stale completion freed the orphaned stream");
    assert_eq!(d.stats().stale, 1);
    for _ in 0..10 {
        sim.release_all();
        d.park(Some(std::time::Duration::from_millis(1))).unwrap();
    }
    assert_eq!((d.stats().orphans_reaped, d.in_flight()), (1, 0));
}

/// A zero-copy send's result (`F_MORE`, the notification to come).
#[test]
fn a_stale_result_never_becomes_a_zero_copy_sends_result() {
    let (sim, d, ring) = world(Chaos::default());
    let sock = sim.add_socket();
    let mut send = d.send_zc(&sim_fd(sock), vec![0x5a; 16], 0);
    // Written, not submitted: the stale result arrives first.
    assert!(poll_once(&mut send).is_pending());
    let ud = send.user_data().expect("started");
    assert!(sim.inject_cqe(ring, older(ud), -libc::EIO, IORING_CQE_F_MORE, None));
    let (r, buf) = finish(&d, &sim, &mut send);
    assert_eq!(r.unwrap(), 16, "the send reported another operation's result");
    assert_eq!(buf.len(), 16);
    assert_eq!(d.stats().stale, 1);
}

/// A zero-copy send's notification: a stale one must not end the send (and
/// hand its buffer back) while the kernel may still read the buffer.
#[test]
fn a_stale_notification_never_ends_a_zero_copy_send() {
    let (sim, d, ring) = world(Chaos { shuffle_notifs: true, ..Chaos::default() });
    let sock = sim.add_socket();
    let mut send = d.send_zc(&sim_fd(sock), vec![0x5a; 16], 0);
    assert!(poll_once(&mut send).is_pending());
    // Submitted: the result is posted, the notification held.
    d.poll().unwrap();
    d.poll().unwrap();
    assert!(poll_once(&mut send).is_pending());
    let ud = send.user_data().expect("started");
    assert!(sim.inject_cqe(ring, older(ud), 0, IORING_CQE_F_NOTIF, None));
    d.poll().unwrap();
    let p = poll_once(&mut send);
    assert!(p.is_pending(), "a stale notification handed the buffer back while the kernel holds it: {p:?}");
    assert_eq!(d.stats().stale, 1);
    let (r, _) = finish(&d, &sim, &mut send);
    assert_eq!(r.unwrap(), 16);
}

/// An orphaned single-shot operation's end: a stale one must not free the
/// buffer the kernel is still to write into.
#[test]
fn a_stale_end_never_frees_an_orphaned_read() {
    // Held: the read and its cancellation run only when released.
    let (sim, d, ring) = world(Chaos { hold: true, ..Chaos::default() });
    let (r, w) = sim.add_pipe();
    let mut read = d.read(&sim_fd(r), Vec::<u8>::with_capacity(64));
    assert!(poll_once(&mut read).is_pending());
    d.poll().unwrap();
    let ud = read.user_data().expect("submitted");
    // Orphaned; its cancellation is written but not submitted yet.
    drop(read);
    assert!(sim.inject_cqe(ring, older(ud), 0, 0, None));
    // The data arrives in the same turn the stale completion is reaped.
    sim.pipe_write(w, &[7; 64]);
    d.poll().unwrap();
    assert_eq!(d.stats().orphans_reaped, 0, "a stale completion freed the orphaned read");
    for _ in 0..10 {
        sim.release_all();
        d.park(Some(std::time::Duration::from_millis(1))).unwrap();
    }
    assert_eq!((d.stats().orphans_reaped, d.in_flight()), (1, 0));
    assert!(sim.violations().is_empty(), "the kernel wrote into freed memory: {:?}", sim.violations());
}
