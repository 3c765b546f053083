//! A waker's `drop` panics or calls back into the driver when the driver
//! lets go of it.

use crate::hostile::{panics, Hostile};
use crate::support::{drain, finish, poll_with};
use ring_core::Driver;
use std::cell::RefCell;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

/// Rule: a waker whose `drop` panics when the driver lets go of it leaves
/// the operation's claim intact and the driver consistent; a waker whose
/// `drop` calls back into the driver works.
#[test]
fn a_waker_drop_that_panics_or_calls_back_is_contained() {
    let d = Driver::new(8).unwrap();
    let mut op = d.sleep(Duration::from_millis(20));
    let h = Hostile::new();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    assert_eq!(h.live(), 1, "the driver holds a clone");
    h.drop.panic_next(1);
    // Polled by another task: the first waker is let go of (dropped once the
    // driver's state is not borrowed), and its panic reaches this poll,
    // whose claim is kept.
    assert!(panics(|| poll_with(&mut op, Waker::noop())));
    assert_eq!(h.live(), 0, "the replaced waker was dropped");
    finish(&d, &mut op).unwrap();
    let h2 = Hostile::new();
    {
        let d = d.clone();
        h2.drop.on(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            d.poll().unwrap();
            drop(nop);
        });
    }
    let mut op = d.sleep(Duration::from_millis(5));
    assert!(poll_with(&mut op, &h2.waker()).is_pending());
    finish(&d, &mut op).unwrap();
    drain(&d);
    assert_eq!(h2.live(), 0, "every clone was dropped");
}

/// Rule: the AIO context's waiter keeps working when the waker it lets go
/// of (replaced by a new poll) releases, from its destructor, the very
/// permit the waiter waits for: the old waker is dropped with nothing
/// borrowed, and the waiter is granted and completes.
#[test]
fn an_aio_waker_whose_drop_releases_the_permit_works() {
    use ring_core::adapters::aio::AioContext;
    use ring_core::buf::AlignedBuf;
    use std::os::fd::{FromRawFd, OwnedFd};
    let d: &'static Driver = Box::leak(Box::new(Driver::new(8).unwrap()));
    let ctx: &'static AioContext = Box::leak(Box::new(AioContext::new(d, 1)));
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors this test owns.
    let (r, w) = unsafe { (Rc::new(OwnedFd::from_raw_fd(fds[0])), OwnedFd::from_raw_fd(fds[1])) };
    let r: &'static Rc<OwnedFd> = Box::leak(Box::new(r));
    let first = Rc::new(RefCell::new(Box::pin(ctx.read(r, 0, AlignedBuf::new(4096).unwrap()))));
    assert!(poll_with(&mut *first.borrow_mut(), Waker::noop()).is_pending());
    d.poll().unwrap();
    let mut second = Box::pin(ctx.sync(r));
    let h = Hostile::new();
    assert!(poll_with(&mut second, &h.waker()).is_pending());
    assert_eq!(ctx.waiting(), 1);
    let drops = h.drop.count.get();
    {
        let first = first.clone();
        h.drop.on(move || {
            // SAFETY: writes from a live byte to a descriptor this test owns.
            assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"x".as_ptr().cast(), 1) }, 1);
            // The first read completes and its value (and permit) is
            // dropped: the permit goes to the waiter whose waker this is.
            finish(d, &mut *first.borrow_mut()).0.unwrap();
        });
    }
    // Polled by another task: the hostile waker is let go of.
    let _ = poll_with(&mut second, Waker::noop());
    h.drop.off();
    assert_eq!(h.drop.count.get(), drops + 1, "the old waker was dropped");
    // An fsync of a pipe fails (EINVAL); what matters is that it ran.
    let _ = finish(d, &mut second);
    assert_eq!(ctx.in_flight(), 0);
}
