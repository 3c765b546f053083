//! The `Drop` of a value handed to an operation panics or calls back into
//! the driver when the driver drops it for an orphaned operation.

use crate::hostile::panics;
use crate::support::{drain, finish, poll_with};
use ring_core::ops::KeepAlive;
use ring_core::{Driver, Op};
use std::cell::RefCell;
use std::ffi::CString;
use std::rc::Rc;
use std::task::Waker;
use std::time::Duration;

use super::temp_file;

/// Drops count, and panics at the first drop if asked to.
struct Keep {
    drops: Rc<std::cell::Cell<u32>>,
    panic: bool,
    call: Option<Box<dyn FnOnce()>>,
}

impl Drop for Keep {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
        if let Some(f) = self.call.take() {
            f();
        }
        if self.panic && !std::thread::panicking() {
            panic!("hostile drop");
        }
    }
}

/// How many of this process's descriptors name the file at `path`.
fn descriptors_of(path: &CString) -> usize {
    let want = std::path::Path::new(path.to_str().unwrap());
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target == want)
        .count()
}

/// Rule: a value handed to an operation whose `Drop` panics when the
/// driver drops it (its future was dropped, the operation orphaned) does
/// not keep the other orphans of the same turn from being finished (an
/// orphaned open still closes the descriptor it opened); the panic reaches
/// the caller of the turn; every entry comes back.
#[test]
fn an_orphan_whose_drop_panics_does_not_skip_the_other_orphans() {
    let d = Driver::new(8).unwrap();
    let path = temp_file("orphan-drop");
    let drops = Rc::new(std::cell::Cell::new(0));
    let keep = |panic| Keep { drops: drops.clone(), panic, call: None };
    let mut first = d.op(KeepAlive::new(ring_core::ops::Nop, keep(true)));
    let mut open = d.openat(ring_core::At::CWD, path.clone(), libc::O_RDONLY, 0);
    let mut last = d.op(KeepAlive::new(ring_core::ops::Nop, keep(false)));
    assert!(poll_with(&mut first, Waker::noop()).is_pending());
    assert!(poll_with(&mut open, Waker::noop()).is_pending());
    assert!(poll_with(&mut last, Waker::noop()).is_pending());
    // Orphaned before any is reaped (the SQEs are not even submitted): the
    // next turn reaps all three, the panicking one's completion first.
    drop((first, open, last));
    let mut panicked = false;
    for _ in 0..100 {
        panicked |= panics(|| d.park(Some(Duration::from_millis(10))).unwrap());
        if d.in_flight() == 0 {
            break;
        }
    }
    assert!(panicked, "the drop's panic reached the caller of the turn");
    assert_eq!(drops.get(), 2, "every orphan's value was dropped");
    assert_eq!(descriptors_of(&path), 0, "the orphaned open's descriptor was closed");
    assert_eq!(d.in_flight(), 0);
    assert_eq!(d.stats().orphans_reaped, 3);
    std::fs::remove_file(path.to_str().unwrap()).unwrap();
}

/// Rule: a value whose `Drop` calls back into the driver (starts an
/// operation, turns the driver, drops the last handle) when the driver
/// drops it works: nothing panics.
#[test]
fn an_orphan_whose_drop_calls_back_into_the_driver_works() {
    let d = Driver::new(8).unwrap();
    let drops = Rc::new(std::cell::Cell::new(0));
    let started: Rc<RefCell<Vec<Op<ring_core::ops::Nop>>>> = Rc::default();
    let call: Box<dyn FnOnce()> = {
        let (d, started) = (d.clone(), started.clone());
        Box::new(move || {
            let mut nop = d.nop();
            let _ = poll_with(&mut nop, Waker::noop());
            started.borrow_mut().push(nop);
            d.poll().unwrap();
        })
    };
    let keep = Keep { drops: drops.clone(), panic: false, call: Some(call) };
    let mut op = d.op(KeepAlive::new(ring_core::ops::Nop, keep));
    assert!(poll_with(&mut op, Waker::noop()).is_pending());
    drop(op);
    while drops.get() == 0 {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    for mut nop in started.borrow_mut().drain(..) {
        finish(&d, &mut nop).unwrap();
    }
    drain(&d);
}
