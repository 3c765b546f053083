//! **Rule: every operation ends with exactly one outcome, even on a ring
//! that cannot run it.** A ring set up with `IORING_SETUP_R_DISABLED` and
//! not enabled makes the kernel answer `io_uring_enter` with `EBADFD` and
//! consume nothing, so an operation written to it would stay pending for
//! ever and be reported leaked at teardown. The driver refuses such
//! operations at start instead: each ends at once with `EBADFD` (a chain
//! with a typed error) and gives its buffer back. Once the ring is enabled
//! through the driver's escape hatch, operations run as usual.

use crate::support::{finish, pipe, poll_once};
use ring_core::ops::Nop;
use ring_core::{Builder, Driver, Error};
use std::future::Future as _;
use std::os::fd::AsRawFd;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

const MARKER: u8 = 0xA5;
const CAPACITY: usize = 4096;

/// A driver on a ring set up disabled, or `None` (with the reason printed)
/// on a kernel before 5.10, which does not know `IORING_SETUP_R_DISABLED`.
fn disabled_driver() -> Option<Driver> {
    match Builder::new(8).r_disabled().build() {
        Ok(ring) => {
            assert!(!ring.is_enabled());
            Some(Driver::with_ring(ring, ring_core::driver::Batch::default()))
        }
        Err(e) => {
            eprintln!("skipped: this kernel refuses IORING_SETUP_R_DISABLED ({e})");
            None
        }
    }
}

#[track_caller]
fn assert_ebadfd(r: std::io::Result<impl std::fmt::Debug>, what: &str) {
    match r {
        Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EBADFD), "{what}: {e}"),
        Ok(v) => panic!("{what} ran on a disabled ring: {v:?}"),
    }
}

/// Starts a NOP, a read into a marked buffer, a timeout and a chain on
/// `d`, whose ring is disabled: each must end at its first poll.
fn refused_at_once(d: &Driver) {
    let (r, _w) = pipe();
    let Poll::Ready(out) = poll_once(&mut d.nop()) else { panic!("a NOP on a disabled ring stayed pending") };
    assert_ebadfd(out, "a NOP");

    let Poll::Ready((out, buf)) = poll_once(&mut d.read(&r, vec![MARKER; CAPACITY])) else {
        panic!("a read on a disabled ring stayed pending")
    };
    assert_ebadfd(out, "a read");
    assert_eq!(buf.len(), CAPACITY, "the buffer comes back whole");
    assert!(buf.iter().all(|&b| b == MARKER), "nobody wrote into the buffer");

    let Poll::Ready(out) = poll_once(&mut d.timeout(Duration::from_secs(60), 0)) else {
        panic!("a timeout on a disabled ring stayed pending")
    };
    assert_ebadfd(out, "a timeout");

    let mut chain = d.chain();
    let first = chain.push(Nop);
    chain.push(Nop);
    let mut start = pin!(chain.start());
    let Poll::Ready(started) = start.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
        panic!("a chain on a disabled ring stayed pending")
    };
    let Err(mut refused) = started else { panic!("a chain started on a disabled ring") };
    assert!(matches!(refused.error(), Error::NotConfigured(_)), "{:?}", refused.error());
    assert!(refused.take(first).is_some(), "the chain's values come back");

    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.stats().started, 0);
}

/// Operations on a ring that was never enabled end at once with `EBADFD`,
/// and teardown finds nothing in flight and leaks nothing.
#[test]
fn operations_on_a_never_enabled_ring_end_at_once_and_teardown_leaks_nothing() {
    let Some(d) = disabled_driver() else { return };
    refused_at_once(&d);
    let report = d.shutdown();
    assert_eq!((report.leaked, report.in_flight), (0, 0), "{report:?}");
}

/// The same driver, once its ring is enabled through `with_ring_mut`, runs
/// a NOP and a read: the refusal follows the ring's state, not its setup.
#[test]
fn a_disabled_ring_enabled_through_the_driver_runs_operations() {
    let Some(d) = disabled_driver() else { return };
    refused_at_once(&d);
    // SAFETY: enabling the ring neither pushes nor reaps.
    unsafe { d.with_ring_mut(|r| r.enable()) }.unwrap().unwrap();
    // SAFETY: reading the state neither pushes nor reaps.
    assert!(unsafe { d.with_ring_mut(|r| r.is_enabled()) }.unwrap());
    finish(&d, d.nop()).unwrap();
    let (r, w) = pipe();
    // SAFETY: four bytes from a live array into a pipe this test owns.
    assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"data".as_ptr().cast(), 4) }, 4);
    let (n, buf) = finish(&d, d.read(&r, vec![MARKER; CAPACITY]));
    assert_eq!(n.unwrap(), 4);
    assert_eq!(&buf[..4], b"data");
    let report = d.shutdown();
    assert_eq!((report.leaked, report.in_flight), (0, 0), "{report:?}");
}
