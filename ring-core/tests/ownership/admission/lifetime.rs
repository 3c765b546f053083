//! The driver's lifetime: its eventfd, its features and setup flags,
//! teardown while a future lives, the memory a warm round trip and a dropped
//! driver hold, and parking with nothing in flight.

use super::*;

/// `register_eventfd` gives back an eventfd that becomes readable once a
/// completion arrives.
#[test]
fn the_registered_eventfd_signals_a_completion() {
    let d = Driver::new(4).unwrap();
    let efd = d.register_eventfd().expect("an eventfd");
    assert!(!readable_within(&efd, 0));
    let mut nop = d.nop();
    finish(&d, &mut nop).unwrap();
    assert!(readable_within(&efd, 1000), "the completion signalled the eventfd");
}

/// `has_feature` and `setup_flags` report the ring's own values, and
/// nothing after shutdown.
#[test]
fn features_and_setup_flags_are_the_rings_own() {
    let d = Driver::with_ring(Builder::new(4).sqe128().build().unwrap(), ring_core::driver::Batch::default());
    assert!(d.has_feature(ring_core::sys::IORING_FEAT_NODROP));
    assert!(!d.has_feature(1 << 31), "no kernel has feature bit 31");
    let flags = d.setup_flags().expect("the ring's flags");
    assert_ne!(flags & IORING_SETUP_SQE128, 0);
    assert_eq!(flags & IORING_SETUP_IOPOLL, 0);
    assert_eq!(d.teardown_report(), None, "no teardown ran yet");
    let report = d.shutdown();
    assert_eq!(d.teardown_report(), Some(report));
    assert_eq!(d.setup_flags(), None);
    assert!(!d.has_feature(ring_core::sys::IORING_FEAT_NODROP));
}

/// Dropping the last driver handle tears the driver down even while an
/// operation's future is still alive: its operation is cancelled, and the
/// future resolves with `-ECANCELED` without anyone turning the driver.
#[test]
fn dropping_the_last_handle_tears_down_while_a_future_lives() {
    let d = Driver::new(4).unwrap();
    let d2 = d.clone();
    let (r, _w) = pipe();
    let (c, waker) = counter();
    let mut read = d.read(&r, vec![0u8; 8]);
    assert!(poll_with(&mut read, &waker).is_pending());
    d.poll().unwrap();
    drop(d);
    assert!(poll_with(&mut read, &waker).is_pending(), "one handle is left");
    drop(d2);
    assert!(c.0.load(Ordering::SeqCst) >= 1, "teardown woke the future");
    let Poll::Ready((res, _)) = poll_with(&mut read, &waker) else { panic!("the read did not end at teardown") };
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
}

/// Once warm, a NOP's round trip (start, park, collect, wake) allocates
/// nothing: the vector the driver wakes wakers from is handed back and
/// reused.
#[test]
fn a_warm_nop_round_trip_allocates_nothing() {
    let d = Driver::new(4).unwrap();
    let (c, w) = counter();
    let round_trip = || {
        let mut nop = d.nop();
        assert!(poll_with(&mut nop, &w).is_pending());
        loop {
            d.park(Some(Duration::from_secs(1))).unwrap();
            if let Poll::Ready(r) = poll_with(&mut nop, &w) {
                r.unwrap();
                break;
            }
        }
    };
    for _ in 0..4 {
        round_trip();
    }
    let before = allocations();
    for _ in 0..10 {
        round_trip();
    }
    assert_eq!(allocations() - before, 0, "allocations in 10 warm round trips");
    assert!(woken(&c) >= 10);
}

/// A driver that is used and dropped gives back every byte it allocated,
/// the table's storage cells included.
#[test]
fn a_dropped_driver_gives_back_all_its_memory() {
    let cycle = || {
        let d = Driver::new(4).unwrap();
        let (_, w) = counter();
        let mut nop = d.nop();
        assert!(poll_with(&mut nop, &w).is_pending());
        finish(&d, &mut nop).unwrap();
    };
    cycle();
    let before = bytes_held();
    cycle();
    assert_eq!(bytes_held() - before, 0, "bytes still held after the driver was dropped");
}

/// A park with nothing in flight returns at once, whatever its timeout.
#[test]
fn park_with_nothing_in_flight_returns_at_once() {
    let d = Driver::new(4).unwrap();
    let mut nop = d.nop();
    finish(&d, &mut nop).unwrap();
    for _ in 0..3 {
        let t = Instant::now();
        d.park(Some(Duration::from_millis(300))).unwrap();
        assert!(t.elapsed() < Duration::from_millis(150), "park waited {:?}", t.elapsed());
    }
}

/// The descriptor flags (`FD_CLOEXEC`) and status flags (`O_NONBLOCK`
/// among them) of `fd`.
fn fd_flags(fd: &impl std::os::fd::AsRawFd) -> (i32, i32) {
    // SAFETY: fcntl queries on a live descriptor.
    unsafe { (libc::fcntl(fd.as_raw_fd(), libc::F_GETFD), libc::fcntl(fd.as_raw_fd(), libc::F_GETFL)) }
}

/// The bits are disjoint).
#[test]
fn the_registered_eventfd_is_close_on_exec_and_non_blocking() {
    let d = ring_core::Driver::new(4).unwrap();
    let efd = d.register_eventfd().unwrap();
    let (fd_flags, status) = fd_flags(&efd);
    assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "close-on-exec");
    assert_ne!(status & libc::O_NONBLOCK, 0, "non-blocking");
}
