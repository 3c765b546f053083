//! Hostile wakers for the scenario interpreter ([`crate::scenario`]): a
//! waker whose `clone`, `wake` or `drop` panics, or calls back into the
//! driver (turns it), whenever the driver calls it. The driver must keep
//! every invariant the scenario checks: no outcome lost, no entry or credit
//! kept, no panic of its own (a double borrow of its state).
//!
//! Their panics carry a [`HostilePanic`] payload, so that the scenario can
//! tell them (expected, and re-raised by the driver at some later call)
//! from an invariant violation (any other panic), which still fails it.
//! The scenario's scripted drive panics with a [`DrivePanic`], which
//! [`catch`] lets through and counts, so that the scenario can check that
//! the driver raised it once.

use crate::sim::SimKernel;
use ring_core::Driver;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{RawWaker, RawWakerVTable, Waker};

/// The payload of a hostile waker's panic.
#[derive(Debug)]
pub struct HostilePanic;

/// The payload of a scripted drive's panic (the scenario's hostile `Drive`),
/// naming the driver it drives (0 or 1), so that the scenario can count how
/// often each drive's panic came out of the driver.
#[derive(Debug)]
pub struct DrivePanic(pub usize);

thread_local! {
    /// How many [`DrivePanic`]s of each driver [`catch`] let through.
    static DRIVE_PANICS: Cell<[u32; 2]> = const { Cell::new([0; 2]) };
}

/// How many [`DrivePanic`]s of driver `which` came out of calls made
/// through [`catch`] since the last [`reset_drive_panics`].
pub fn drive_panics(which: usize) -> u32 {
    DRIVE_PANICS.with(|c| c.get()[which])
}

/// Starts counting [`DrivePanic`]s afresh.
pub fn reset_drive_panics() {
    DRIVE_PANICS.with(|c| c.set([0; 2]));
}

/// What a hostile waker does, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostility {
    /// `clone` panics.
    ClonePanics,
    /// `clone` turns the driver (`Driver::poll`).
    CloneTurns,
    /// `wake` (and `wake_by_ref`) panics.
    WakePanics,
    /// `wake` turns the driver.
    WakeTurns,
    /// `drop` panics.
    DropPanics,
    /// `drop` turns the driver.
    DropTurns,
}

impl Hostility {
    /// One of the six, from any byte.
    pub fn from_byte(b: u8) -> Self {
        match b % 6 {
            0 => Hostility::ClonePanics,
            1 => Hostility::CloneTurns,
            2 => Hostility::WakePanics,
            3 => Hostility::WakeTurns,
            4 => Hostility::DropPanics,
            _ => Hostility::DropTurns,
        }
    }
}

thread_local! {
    /// The driver a turning waker turns: set by the scenario while it runs,
    /// and cleared before its driver is dropped (a waker that held a
    /// handle itself would keep the driver alive from its own table).
    static DRIVER: RefCell<Option<Driver<SimKernel>>> = const { RefCell::new(None) };
}

/// Sets (or clears) the driver that turning wakers turn.
pub fn set_driver(d: Option<Driver<SimKernel>>) {
    let old = DRIVER.with(|c| c.replace(d));
    drop(old);
}

struct State {
    kind: Hostility,
    /// Panics left: each hostile waker panics a bounded number of times, so
    /// that a scenario still converges once the waker is replaced.
    panics: Cell<u32>,
}

/// Event kinds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Event {
    Clone,
    Wake,
    Drop,
}

impl State {
    fn fire(&self, e: Event) {
        let (panic, turn) = match (self.kind, e) {
            (Hostility::ClonePanics, Event::Clone)
            | (Hostility::WakePanics, Event::Wake)
            | (Hostility::DropPanics, Event::Drop) => (true, false),
            (Hostility::CloneTurns, Event::Clone)
            | (Hostility::WakeTurns, Event::Wake)
            | (Hostility::DropTurns, Event::Drop) => (false, true),
            _ => (false, false),
        };
        if turn {
            let d = DRIVER.with(|c| c.borrow().clone());
            if let Some(d) = d {
                // A re-entrant turn may re-raise a hostile panic the driver
                // kept; it propagates like any panic of this waker.
                let _ = d.poll();
                let _ = (d.stats(), d.in_flight(), d.credits());
            }
        }
        // Never a second panic while unwinding: that would abort, by this
        // waker's doing rather than the driver's.
        if panic && self.panics.get() > 0 && !std::thread::panicking() {
            self.panics.set(self.panics.get() - 1);
            std::panic::panic_any(HostilePanic);
        }
    }
}

/// A hostile waker of `kind`.
pub fn waker(kind: Hostility) -> Waker {
    let state = Rc::new(State { kind, panics: Cell::new(3) });
    let raw = RawWaker::new(Rc::into_raw(state).cast(), &VTABLE);
    // SAFETY: the vtable's functions treat the data pointer as a counted
    // `Rc<State>` (from `Rc::into_raw` above), keeping the count balanced.
    // The waker is `Rc`-based and so must stay on this thread: the scenario
    // runs on one thread, and the driver never sends wakers elsewhere.
    unsafe { Waker::from_raw(raw) }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

fn state<'a>(p: *const ()) -> &'a State {
    // SAFETY: `p` is a counted `Rc<State>` pointer (see `waker`), alive for
    // the duration of the call that passes it.
    unsafe { &*p.cast::<State>() }
}

fn clone(p: *const ()) -> RawWaker {
    // The count is taken only once the event returned: a clone that panics
    // makes no waker.
    state(p).fire(Event::Clone);
    // SAFETY: `p` is a counted `Rc<State>` pointer.
    unsafe { Rc::increment_strong_count(p.cast::<State>()) };
    RawWaker::new(p, &VTABLE)
}

fn wake(p: *const ()) {
    // SAFETY: `wake` consumes the waker: its count is released after the
    // event, even if the event panics.
    let _own = unsafe { Rc::from_raw(p.cast::<State>()) };
    state(p).fire(Event::Wake);
}

fn wake_by_ref(p: *const ()) {
    state(p).fire(Event::Wake);
}

fn drop_waker(p: *const ()) {
    // SAFETY: as for `wake`.
    let _own = unsafe { Rc::from_raw(p.cast::<State>()) };
    state(p).fire(Event::Drop);
}

/// Runs `f`; `None` if a hostile waker's or a scripted drive's panic came
/// out of it (the latter counted, see [`drive_panics`]). Any other panic
/// (an invariant violation) goes on.
pub fn catch<R>(f: impl FnOnce() -> R) -> Option<R> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Some(r),
        Err(p) if p.is::<HostilePanic>() => None,
        Err(p) if p.is::<DrivePanic>() => {
            let which = p.downcast_ref::<DrivePanic>().map_or(0, |d| d.0 & 1);
            DRIVE_PANICS.with(|c| {
                let mut n = c.get();
                n[which] += 1;
                c.set(n);
            });
            None
        }
        Err(p) => std::panic::resume_unwind(p),
    }
}

/// Installs (once per process) a panic hook that keeps quiet about
/// [`HostilePanic`]s and [`DrivePanic`]s and reports every other panic as
/// before.
pub fn quiet() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<HostilePanic>() && !info.payload().is::<DrivePanic>() {
                previous(info);
            }
        }));
    });
}
