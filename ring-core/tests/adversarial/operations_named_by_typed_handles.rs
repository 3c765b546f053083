//! Rule: a safe API that acts on another operation (removing or updating a
//! poll) takes a handle that only that operation's driver gave out, and the
//! driver acts on it only while that very operation is in flight: another
//! driver's handle is `Error::ForeignResource`, a handle whose operation has
//! ended is `Error::Ended` (or, if it ended after the call, `ENOENT` without
//! reaching the kernel). No update can make an operation post more
//! completions than the credits it holds.
//!
//! The kernel names a request by its `user_data` alone, and every driver
//! numbers its entries alike (entry 0 at generation 1 first, ...), so a bare
//! number taken from another driver, kept past its operation's end, or made
//! up, names whatever operation of this driver has that number now. The
//! attacks below give each driver a poll with the same number and hand one
//! driver's handle to the other.

use crate::resources_bound_to_their_ring::{pipe, put, wait};
use crate::support::poll_with;
use ring_core::{Driver, Error};
use std::os::fd::OwnedFd;
use std::rc::Rc;
use std::task::{Poll, Waker};
use std::time::Duration;

/// A poll for `POLLIN` on `fd`, submitted (so that it has its target).
fn armed(d: &Driver, fd: &Rc<OwnedFd>) -> ring_core::Op<ring_core::ops::PollAdd> {
    let mut p = d.poll_add(fd, libc::POLLIN as u32);
    assert!(poll_with(&mut p, Waker::noop()).is_pending());
    d.park(Some(Duration::from_millis(1))).unwrap();
    p
}

/// Turns `d` a few times and says whether `p` is still waiting.
fn still_waiting<F: std::future::Future + Unpin>(d: &Driver, p: &mut F) -> bool {
    for _ in 0..5 {
        d.park(Some(Duration::from_millis(2))).unwrap();
    }
    poll_with(p, Waker::noop()).is_pending()
}

/// Rule: a poll target of one driver is refused by another, whose own poll
/// with the same `user_data` is left alone. Without the ring check, driver
/// B's removal of "A's poll" removed B's own poll (same entry, same
/// generation, same number).
#[test]
fn a_poll_target_of_another_driver_is_refused() {
    let a = Driver::new(4).unwrap();
    let b = Driver::new(4).unwrap();
    let (ra, _wa) = pipe();
    let (rb, _wb) = pipe();
    let mut pa = armed(&a, &ra);
    let mut pb = armed(&b, &rb);
    assert_eq!(pa.user_data(), pb.user_data(), "both drivers number their first poll alike");
    let ta = pa.poll_target().expect("submitted");
    assert_eq!(ta.ring_id(), a.ring_id());
    for update in [false, true] {
        let r = if update { b.poll_update(ta, libc::POLLOUT as u32) } else { b.poll_remove(ta) };
        assert!(matches!(r, Err(Error::ForeignResource { .. })), "update: {update}: {:?}", r.map(drop));
    }
    assert!(still_waiting(&b, &mut pb), "driver B's own poll was not removed");
    assert!(still_waiting(&a, &mut pa), "driver A's poll was not touched either");
    assert_eq!(b.stats().started, 1, "nothing was submitted for the refused calls");
    // The target works on its own driver.
    wait(&a, a.poll_remove(ta).unwrap()).unwrap();
    let r = wait(&a, pa);
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
}

/// Rule: a poll target kept after its poll ended is refused, and the poll
/// that took over the same entry (same index, next generation) is left
/// alone.
#[test]
fn a_poll_target_kept_past_its_poll_is_refused() {
    let d = Driver::new(4).unwrap();
    let (r, w) = pipe();
    let mut first = armed(&d, &r);
    let stale = first.poll_target().unwrap();
    let first_number = first.user_data().unwrap();
    put(&*w, b"x");
    wait(&d, &mut first).unwrap();
    assert_eq!(first.poll_target(), None, "no target once the poll has completed");
    // Drain the pipe, then a second poll takes the entry over.
    let mut byte = [0u8; 1];
    // SAFETY: reads into a live one-byte buffer.
    assert_eq!(unsafe { libc::read(std::os::fd::AsRawFd::as_raw_fd(&*r), byte.as_mut_ptr().cast(), 1) }, 1);
    let mut second = armed(&d, &r);
    let second_number = second.user_data().unwrap();
    assert_eq!(second_number as u32, first_number as u32, "the second poll took over the first one's entry");
    assert_ne!(second_number, first_number, "at the next generation");
    assert!(matches!(d.poll_remove(stale), Err(Error::Ended { .. })));
    assert!(matches!(d.poll_update(stale, libc::POLLOUT as u32), Err(Error::Ended { .. })));
    assert!(still_waiting(&d, &mut second), "the entry's new poll was not removed");
    assert!(second.poll_target().is_some_and(|t| t != stale));
    wait(&d, d.poll_remove(second.poll_target().unwrap()).unwrap()).unwrap();
    assert_eq!(wait(&d, second).unwrap_err().raw_os_error(), Some(libc::ECANCELED));
}

/// Rule: a removal whose poll ends after the call (the target was valid)
/// but before the removal starts is refused when it starts, with `ENOENT`
/// as the kernel would answer, without reaching the kernel.
#[test]
fn a_removal_whose_poll_ended_before_it_started_never_reaches_the_kernel() {
    let d = Driver::new(4).unwrap();
    let (r, w) = pipe();
    let mut p = armed(&d, &r);
    let target = p.poll_target().unwrap();
    let mut remove = d.poll_remove(target).unwrap();
    put(&*w, b"x");
    wait(&d, &mut p).unwrap();
    let started = d.stats().started;
    match poll_with(&mut remove, Waker::noop()) {
        Poll::Ready(r) => assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ENOENT)),
        Poll::Pending => panic!("the removal of an ended poll was started"),
    }
    assert_eq!(d.stats().started, started, "nothing was submitted");
}

/// Rule: updating a single-shot poll, even with the events a multishot poll
/// would take, leaves it single-shot: it posts exactly one completion (the
/// one credit it holds), however often its descriptor becomes ready.
#[test]
fn an_updated_single_shot_poll_posts_one_completion() {
    let d = Driver::new(4).unwrap();
    let (r, w) = pipe();
    // Waits for POLLOUT on a read end: never ready until updated.
    let mut p = d.poll_add(&r, libc::POLLOUT as u32);
    assert!(poll_with(&mut p, Waker::noop()).is_pending());
    d.park(Some(Duration::from_millis(1))).unwrap();
    let t = p.poll_target().unwrap();
    assert!(!t.is_multishot());
    if let Err(e) = wait(&d, d.poll_update(t, libc::POLLIN as u32).unwrap()) {
        println!("SKIP poll updates (5.13): {e}");
        return;
    }
    let mut byte = [0u8; 1];
    for _ in 0..3 {
        put(&*w, b"x");
        d.park(Some(Duration::from_millis(2))).unwrap();
        // SAFETY: reads into a live one-byte buffer.
        let _ = unsafe { libc::read(std::os::fd::AsRawFd::as_raw_fd(&*r), byte.as_mut_ptr().cast(), 1) };
    }
    let revents = wait(&d, p).unwrap();
    assert!(revents & libc::POLLIN as u32 != 0);
    for _ in 0..5 {
        d.park(Some(Duration::from_millis(2))).unwrap();
    }
    let s = d.stats();
    assert_eq!((s.stale, d.in_flight(), d.credits()), (0, 0, 8), "one completion per operation, credits back");
}

/// Rule: a multishot poll's target updates and removes that stream, which
/// stays multishot after an update and ends after a removal.
#[test]
fn a_multishot_poll_is_updated_and_removed_through_its_target() {
    let d = Driver::new(4).unwrap();
    let (r, w) = pipe();
    let mut s = d.poll_multishot(&r, libc::POLLOUT as u32);
    assert!(poll_with(&mut s.next(), Waker::noop()).is_pending());
    d.park(Some(Duration::from_millis(1))).unwrap();
    let t = s.poll_target().expect("submitted");
    assert!(t.is_multishot());
    if let Err(e) = wait(&d, d.poll_update(t, libc::POLLIN as u32).unwrap()) {
        println!("SKIP poll updates (5.13): {e}");
        return;
    }
    let mut byte = [0u8; 1];
    for _ in 0..2 {
        put(&*w, b"x");
        let ev = wait(&d, s.next()).expect("still multishot").unwrap();
        assert!(ev & libc::POLLIN as u32 != 0);
        // SAFETY: reads into a live one-byte buffer.
        assert_eq!(unsafe { libc::read(std::os::fd::AsRawFd::as_raw_fd(&*r), byte.as_mut_ptr().cast(), 1) }, 1);
    }
    wait(&d, d.poll_remove(t).unwrap()).unwrap();
    loop {
        match wait(&d, s.next()) {
            Some(Err(e)) => assert_eq!(e.raw_os_error(), Some(libc::ECANCELED)),
            Some(Ok(_)) => {}
            None => break,
        }
    }
    assert!(matches!(d.poll_remove(t), Err(Error::Ended { .. })));
}

/// Rule: a future has no target before it was submitted, and a poll of a
/// driver that is gone is refused by every other driver.
#[test]
fn targets_exist_only_for_polls_in_flight() {
    let (r, _w) = pipe();
    let a = Driver::new(4).unwrap();
    let unsubmitted = a.poll_add(&r, libc::POLLIN as u32);
    assert_eq!(unsubmitted.poll_target(), None);
    let p = armed(&a, &r);
    let t = p.poll_target().unwrap();
    drop(p);
    drop(a);
    let b = Driver::new(4).unwrap();
    let mut pb = armed(&b, &r);
    assert!(matches!(b.poll_remove(t), Err(Error::ForeignResource { .. })));
    assert!(still_waiting(&b, &mut pb));
}
