//! Rule: a user-space wait queue (the AIO context's permits, the driver's
//! credit waiters) clones a waiter's waker *before* it decides whether the
//! waiter must queue, and decides and queues with no foreign code in
//! between; after any foreign call (a clone, the drop of a replaced waker)
//! it looks again at whether the waiter was served meanwhile. Otherwise a
//! permit released by the waker's own `clone` is put back as "available"
//! while the waiter is about to queue behind it (everyone wedged for good),
//! or a waiter served while its new waker was being cloned is woken through
//! the waker it had before (a lost wake-up).
//!
//! The driver's credit queue follows the same rule (`settle_wait`: the
//! ticket is queued first, the clone made after, and a waiter taken off
//! the queue meanwhile wakes its clone at once); `hostile_wakers.rs` attacks
//! it. The join handles (`join_handles.rs`) look at the outcome again after
//! their clone. These tests attack the AIO context.

use crate::hostile::Hostile;
use crate::support::poll_with;
use ring_core::adapters::AioContext;
use ring_core::buf::AlignedBuf;
use ring_core::Driver;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

type Fut = Pin<Box<dyn Future<Output = (std::io::Result<usize>, AlignedBuf)>>>;

/// A file of 8 KiB and a context of capacity 1 whose only permit is held by
/// a read that has completed (its future not yet collected).
fn context_with_one_permit_taken() -> (Driver, &'static AioContext, &'static Rc<std::fs::File>, Fut) {
    let dir = std::env::temp_dir().join(format!("ring-adv-aio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("f{:?}", std::thread::current().id()));
    std::fs::write(&path, [7u8; 8192]).unwrap();
    let d = Driver::new(8).unwrap();
    // Leaked so the futures can borrow them for `'static`; a test leaks two
    // small values.
    let ctx: &'static AioContext = Box::leak(Box::new(AioContext::new(&d, 1)));
    let file: &'static Rc<std::fs::File> = Box::leak(Box::new(Rc::new(std::fs::File::open(&path).unwrap())));
    let _ = std::fs::remove_file(&path);
    let mut a: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    assert!(poll_with(&mut a, Waker::noop()).is_pending());
    d.park(Some(Duration::from_secs(1))).unwrap();
    assert_eq!(ctx.in_flight(), 1);
    (d, ctx, file, a)
}

/// Polls each future until it is ready, turning the driver; whether all
/// finished.
fn all_finish(d: &Driver, futs: &mut [Fut]) -> bool {
    let mut done = vec![false; futs.len()];
    for _ in 0..200 {
        for (f, done) in futs.iter_mut().zip(done.iter_mut()) {
            if !*done {
                *done = poll_with(f, Waker::noop()).is_ready();
            }
        }
        if done.iter().all(|d| *d) {
            return true;
        }
        let _ = d.park(Some(Duration::from_millis(5)));
    }
    false
}

/// Rule: a permit released by the clone of the waker of a caller that found
/// none is not lost. The clone drops the holder's future, which releases
/// the only permit while the caller has not queued yet; the caller must
/// take it (or be handed it), and everyone after it must get through.
#[test]
fn a_permit_released_by_the_waiters_own_clone_is_not_lost() {
    let (d, ctx, file, a) = context_with_one_permit_taken();
    let holder: Rc<RefCell<Option<Fut>>> = Rc::new(RefCell::new(Some(a)));
    let h = Hostile::new();
    let slot = holder.clone();
    h.clone.on(move || drop(slot.borrow_mut().take()));
    let mut b: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    let first = poll_with(&mut b, &h.waker());
    h.clone.off();
    assert!(holder.borrow().is_none(), "the clone ran and released the permit");
    let c: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    let mut futs = [b, c];
    let finished = first.is_ready() || all_finish(&d, &mut futs[..1]);
    assert!(finished, "the caller whose clone released the permit waits forever ({} waiting)", ctx.waiting());
    assert!(all_finish(&d, &mut futs[1..]), "a later caller waits forever ({} waiting)", ctx.waiting());
    assert_eq!(ctx.in_flight(), 0);
    assert_eq!(ctx.waiting(), 0);
}

/// Rule: a queued caller polled again with a new waker whose clone releases
/// the permit to it is woken through the new waker (or finds it granted at
/// once), not only through the one it replaced.
#[test]
fn a_waiter_granted_while_its_new_waker_is_cloned_is_not_left_asleep() {
    let (d, ctx, file, a) = context_with_one_permit_taken();
    let w1 = Hostile::new();
    let mut b: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    assert!(poll_with(&mut b, &w1.waker()).is_pending());
    assert_eq!(ctx.waiting(), 1);
    let holder: Rc<RefCell<Option<Fut>>> = Rc::new(RefCell::new(Some(a)));
    let w2 = Hostile::new();
    let slot = holder.clone();
    w2.clone.on(move || drop(slot.borrow_mut().take()));
    let second = poll_with(&mut b, &w2.waker());
    w2.clone.off();
    for _ in 0..5 {
        let _ = d.park(Some(Duration::from_millis(5)));
    }
    assert!(
        second.is_ready() || w2.wakes() > 0,
        "granted while its new waker was cloned, the waiter was woken only through the old one \
         (old woken {} times, new {} times)",
        w1.wakes(),
        w2.wakes()
    );
    if second.is_pending() {
        assert!(all_finish(&d, &mut [b]));
    }
    assert_eq!(ctx.in_flight(), 0);
}

/// Rule: a queued caller polled with a new waker, where dropping the waker
/// it replaces releases the permit to it, gets the permit: it is ready at
/// once or woken through the waker it stored.
#[test]
fn a_waiter_granted_while_its_old_waker_is_dropped_is_not_left_asleep() {
    let (d, ctx, file, a) = context_with_one_permit_taken();
    let w1 = Hostile::new();
    let mut b: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    assert!(poll_with(&mut b, &w1.waker()).is_pending());
    let holder: Rc<RefCell<Option<Fut>>> = Rc::new(RefCell::new(Some(a)));
    let slot = holder.clone();
    w1.drop.on(move || drop(slot.borrow_mut().take()));
    let w2 = Hostile::new();
    let second = poll_with(&mut b, &w2.waker());
    w1.drop.off();
    assert!(holder.borrow().is_none(), "the old waker was dropped and released the permit");
    assert!(second.is_ready() || w2.wakes() > 0, "the waiter was granted the permit but never woken");
    if second.is_pending() {
        assert!(all_finish(&d, &mut [b]));
    }
    assert_eq!(ctx.in_flight(), 0);
    assert_eq!(ctx.waiting(), 0);
}

/// Rule: a waker whose clone panics while the caller looks for a permit
/// leaves the context consistent: once that caller is gone, no permit is
/// held and the next caller gets through.
#[test]
fn a_panicking_clone_takes_no_permit() {
    let (d, ctx, file, a) = context_with_one_permit_taken();
    drop(a);
    assert_eq!(ctx.in_flight(), 0);
    let h = Hostile::new();
    h.clone.panic_next(1);
    let mut b: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    let _ = crate::hostile::panics(|| poll_with(&mut b, &h.waker()));
    assert_eq!(ctx.waiting(), 0);
    // An `async fn` that unwound cannot be polled again; whatever it held
    // goes with it.
    drop(b);
    crate::support::drain(&d);
    assert_eq!(ctx.in_flight(), 0, "a permit stayed taken after its caller was gone");
    let c: Fut = Box::pin(ctx.read(file, 0, AlignedBuf::new(4096).unwrap()));
    assert!(all_finish(&d, &mut [c]));
    assert_eq!(ctx.in_flight(), 0);
}
