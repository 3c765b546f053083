//! A waker's `wake` panics or calls back into the driver: after a turn,
//! and at teardown.

use crate::hostile::{panics, Hostile};
use crate::support::{counter, drain, finish, poll_with};
use ring_core::{Driver, Op};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::task::Waker;
use std::time::Duration;

/// Rule: a waker whose `wake` panics does not keep the other due wakers of
/// the same turn from being woken; the panic reaches the caller of the
/// turn, and the driver goes on working.
#[test]
fn a_panicking_wake_does_not_keep_others_from_being_woken() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let (count, good) = counter();
    let mut first = d.nop();
    assert!(poll_with(&mut first, &h.waker()).is_pending());
    let mut second = d.nop();
    assert!(poll_with(&mut second, &good).is_pending());
    let mut turned = false;
    for _ in 0..100 {
        let panicked = panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        turned |= panicked;
        if count.0.load(Ordering::SeqCst) > 0 {
            break;
        }
    }
    assert!(turned, "the waker's panic reached the caller of the turn");
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the other waker was woken in the same turn");
    finish(&d, &mut first).unwrap();
    finish(&d, &mut second).unwrap();
    drain(&d);
}

/// Rule: a waker's `wake` may call back into the driver (turn it, start and
/// drop operations); nothing panics and nothing is lost.
#[test]
fn a_wake_that_calls_back_into_the_driver_works() {
    let d = Driver::new(8).unwrap();
    let started: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let victim = Rc::new(RefCell::new(Some(d.sleep(Duration::from_secs(30)))));
    assert!(poll_with(victim.borrow_mut().as_mut().unwrap(), Waker::noop()).is_pending());
    let h = Hostile::new();
    {
        let (d, started, victim) = (d.clone(), started.clone(), victim.clone());
        h.wake.on(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            started.borrow_mut().push(nop);
            drop(victim.borrow_mut().take());
            d.poll().unwrap();
        });
    }
    let mut op = d.nop();
    assert!(poll_with(&mut op, &h.waker()).is_pending());
    while h.wakes() == 0 {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    h.wake.off();
    finish(&d, &mut op).unwrap();
    for mut nop in started.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
    assert_eq!(d.stats().orphans_reaped, 1);
}

/// Rule: teardown wakes everyone waiting on the driver, even if one waker
/// panics; the operations end as cancelled and nothing stays in flight.
#[test]
fn teardown_wakes_every_waker_even_if_one_panics() {
    let d = Driver::new(8).unwrap();
    let h = Hostile::new();
    h.wake.panic_next(1);
    let (count, good) = counter();
    let mut a = d.sleep(Duration::from_secs(30));
    assert!(poll_with(&mut a, &h.waker()).is_pending());
    let mut b = d.sleep(Duration::from_secs(30));
    assert!(poll_with(&mut b, &good).is_pending());
    d.poll().unwrap();
    assert!(panics(|| d.shutdown()), "the waker's panic reaches shutdown's caller");
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the other waiter was woken");
    assert!(finish(&d, &mut a).is_err());
    assert!(finish(&d, &mut b).is_err());
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.teardown_report().map(|r| r.leaked), Some(0));
}

/// A waker whose `wake_by_ref` runs a callback and then panics, and whose
/// `drop`, once armed, panics even while the thread unwinds (a second panic
/// there aborts the process).
struct Brutal {
    on_wake: RefCell<Option<Box<dyn FnMut()>>>,
    armed: std::cell::Cell<bool>,
    drops: std::cell::Cell<usize>,
}

static BRUTAL: std::task::RawWakerVTable =
    std::task::RawWakerVTable::new(brutal_clone, brutal_wake, brutal_wake_by_ref, brutal_drop);

impl Brutal {
    fn waker(self: &Rc<Self>) -> Waker {
        let raw = std::task::RawWaker::new(Rc::into_raw(self.clone()).cast(), &BRUTAL);
        // SAFETY: the vtable's functions keep the reference count of the
        // `Rc<Brutal>` the data pointer came from.
        unsafe { Waker::from_raw(raw) }
    }
}

unsafe fn brutal_clone(p: *const ()) -> std::task::RawWaker {
    // SAFETY: `p` came from `Rc::into_raw` in `Brutal::waker`.
    unsafe { Rc::increment_strong_count(p.cast::<Brutal>()) };
    std::task::RawWaker::new(p, &BRUTAL)
}

unsafe fn brutal_wake(p: *const ()) {
    // SAFETY: as in `brutal_clone`; `wake` consumes this reference.
    unsafe {
        brutal_wake_by_ref(p);
        brutal_drop(p);
    }
}

unsafe fn brutal_wake_by_ref(p: *const ()) {
    // SAFETY: as in `brutal_clone`; the reference outlives this call.
    let b = unsafe { &*p.cast::<Brutal>() };
    let call = b.on_wake.borrow_mut().take();
    if let Some(mut f) = call {
        f();
    }
    panic!("brutal waker: wake");
}

unsafe fn brutal_drop(p: *const ()) {
    // SAFETY: as in `brutal_clone`; `drop` gives back this reference.
    let b = unsafe { Rc::from_raw(p.cast::<Brutal>()) };
    b.drops.set(b.drops.get() + 1);
    if b.armed.get() {
        panic!("brutal waker: drop");
    }
}

/// Rule: the turn wakes a task and lets go of its waker inside its
/// containment even when the wake panics: a task that, from its wake,
/// drops its completed operation and starts another with another waker
/// makes the driver let go of the first waker, so the turn holds its last
/// reference; that waker's drop then runs caught (its panic is not a second
/// one during unwinding, which would abort), and the wake's panic reaches
/// the caller of the turn.
#[test]
fn a_waker_let_go_of_during_its_panicking_wake_is_dropped_without_an_abort() {
    let d = Driver::new(8).unwrap();
    let b = Rc::new(Brutal { on_wake: RefCell::new(None), armed: false.into(), drops: 0.into() });
    let done: Rc<RefCell<Option<Op<ring_core::ops::Nop>>>> = Rc::default();
    let next: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    {
        let w = b.waker();
        let mut op = d.nop();
        assert!(poll_with(&mut op, &w).is_pending());
        *done.borrow_mut() = Some(op);
    }
    {
        let (d, done, next) = (d.clone(), done.clone(), next.clone());
        *b.on_wake.borrow_mut() = Some(Box::new(move || {
            drop(done.borrow_mut().take());
            let mut nop = d.nop();
            assert!(poll_with(&mut nop, Waker::noop()).is_pending());
            next.borrow_mut().push(nop);
        }));
    }
    b.armed.set(true);
    let mut panicked = false;
    for _ in 0..100 {
        panicked |= panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        if b.on_wake.borrow().is_none() {
            break;
        }
    }
    b.armed.set(false);
    assert!(panicked, "the wake's panic reached the caller of the turn");
    assert!(done.borrow().is_none(), "the wake ran");
    assert_eq!(Rc::strong_count(&b), 1, "every clone of the waker was dropped");
    for mut nop in next.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
}
