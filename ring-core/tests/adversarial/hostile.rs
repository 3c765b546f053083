//! Hostile foreign code for the adversarial suite: wakers whose `clone`,
//! `wake` or `drop` panic or call back into the library, built from a
//! `RawWakerVTable`.
//!
//! The vtable is the only `unsafe` here: it is how a `Waker` is built from
//! arbitrary code, which is exactly what an attacker controls. The waker is
//! backed by an `Rc`, so it must stay on the thread that made it; every test
//! that uses one is single-threaded (the driver is too).
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// What a hostile waker does at one kind of event.
#[derive(Default)]
pub struct Event {
    /// Times the event happened.
    pub count: Cell<usize>,
    /// Panic at the next events (decremented each time; 0 = never).
    pub panics: Cell<usize>,
    /// Called (outside any of this module's borrows) at each event.
    call: RefCell<Option<Box<dyn FnMut()>>>,
}

impl Event {
    fn fire(&self, what: &str) {
        self.count.set(self.count.get() + 1);
        // Taken out for the call, so a callback that triggers the same
        // event again does not find this cell borrowed.
        let call = self.call.borrow_mut().take();
        if let Some(mut f) = call {
            f();
            let mut slot = self.call.borrow_mut();
            if slot.is_none() {
                *slot = Some(f);
            }
        }
        let n = self.panics.get();
        // Never a second panic while unwinding: that would abort the test
        // binary, which is the attacker's doing, not the library's.
        if n > 0 && !std::thread::panicking() {
            self.panics.set(n - 1);
            panic!("hostile waker: {what}");
        }
    }

    /// Calls `f` at every event of this kind.
    pub fn on(&self, f: impl FnMut() + 'static) {
        *self.call.borrow_mut() = Some(Box::new(f));
    }

    /// Stops calling back.
    pub fn off(&self) {
        *self.call.borrow_mut() = None;
    }

    /// Panics at the next `n` events.
    pub fn panic_next(&self, n: usize) {
        self.panics.set(n);
    }
}

/// The shared state of a hostile waker and its clones.
#[derive(Default)]
pub struct Hostile {
    pub clone: Event,
    pub wake: Event,
    pub drop: Event,
}

impl Hostile {
    pub fn new() -> Rc<Self> {
        Rc::new(Hostile::default())
    }

    /// A waker over this state (one reference; its clones take more).
    pub fn waker(self: &Rc<Self>) -> Waker {
        let raw = RawWaker::new(Rc::into_raw(self.clone()).cast(), &VTABLE);
        // SAFETY: the vtable's functions treat the data pointer as an
        // `Rc<Hostile>` reference (taken by `Rc::into_raw` above), keeping
        // the count balanced; the waker is used on this thread only.
        unsafe { Waker::from_raw(raw) }
    }

    /// Wakes (`wake` and `wake_by_ref` alike) so far.
    pub fn wakes(&self) -> usize {
        self.wake.count.get()
    }

    /// Live wakers over this state (clones not yet dropped), besides the
    /// test's own `Rc`.
    pub fn live(self: &Rc<Self>) -> usize {
        Rc::strong_count(self) - 1
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

fn state(p: *const ()) -> &'static Hostile {
    // SAFETY: `p` came from `Rc::into_raw` of an `Rc<Hostile>` that is still
    // counted (every waker holds one count); the reference is used only
    // during the call.
    unsafe { &*p.cast::<Hostile>() }
}

unsafe fn clone(p: *const ()) -> RawWaker {
    // The count is taken only once the event returns: a panicking clone
    // produces no waker, so it must not leave a count behind.
    state(p).clone.fire("clone");
    // SAFETY: `p` is a live `Rc<Hostile>` pointer (see `state`).
    unsafe { Rc::increment_strong_count(p.cast::<Hostile>()) };
    RawWaker::new(p, &VTABLE)
}

unsafe fn wake(p: *const ()) {
    // SAFETY: `wake` consumes the waker: its count is released after the
    // event, even if the event panics.
    let _own = unsafe { Rc::from_raw(p.cast::<Hostile>()) };
    state(p).wake.fire("wake");
}

unsafe fn wake_by_ref(p: *const ()) {
    state(p).wake.fire("wake_by_ref");
}

unsafe fn drop_waker(p: *const ()) {
    // SAFETY: as for `wake`: the count goes whatever the event does.
    let _own = unsafe { Rc::from_raw(p.cast::<Hostile>()) };
    state(p).drop.fire("drop");
}

/// Runs `f`, returning whether it panicked (the payload is dropped).
pub fn panics<R>(f: impl FnOnce() -> R) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).is_err()
}
