//! Who drives a driver (see [`crate::runtime::compat`], "Who drives a
//! driver"): set for good once anything enters the ring for it, and
//! checked at each operation start, so that an operation started on a
//! driver nothing drives prints one note instead of waiting silently. Also
//! the eventfds of the external loops, signalled at teardown. Part of the
//! driver's shared state; the loops themselves are the runtime's.
#![allow(unsafe_code)]

use core::cell::{Cell, RefCell};
use std::os::fd::{AsRawFd, OwnedFd};
use std::rc::Rc;

/// What a driver knows about who drives it.
#[derive(Default)]
pub(crate) struct Attendance {
    /// Set for good once anything drives the driver: a turn (`park`,
    /// `poll`), a runtime's `block_on`, an external loop.
    driven: Cell<bool>,
    /// The eventfds of the external loops, signalled when the driver is
    /// torn down (no completion would signal them again), so that a loop
    /// waiting on one turns once more and sees the driver gone.
    loops: RefCell<Vec<Rc<OwnedFd>>>,
}

/// Whether the note was printed in this process.
static NOTED: crate::sync::process_wide::AtomicBool = crate::sync::process_wide::AtomicBool::new(false);

/// The note printed when an operation starts on a driver nothing drives.
pub(crate) const UNDRIVEN_NOTE: &str = "ring_core: an operation was started on a driver that nothing drives \
(no Runtime::block_on, no compat::ExternalLoop or compat::tokio::drive, no Driver::park or Driver::poll \
so far); it will not complete until something enters the ring. Await it inside Runtime::block_on, or \
drive the driver from your event loop (see ring_core::guide::tokio and ring_core::guide::epoll). \
Printed once per process.";

impl Attendance {
    /// Marks the driver as driven.
    #[inline]
    pub(crate) fn mark(&self) {
        self.driven.set(true);
    }

    /// Called at each operation start.
    #[inline]
    pub(crate) fn check(&self) {
        if !self.driven.get() {
            Self::undriven();
        }
    }

    pub(crate) fn add_loop(&self, efd: &Rc<OwnedFd>) {
        self.loops.borrow_mut().push(efd.clone());
    }

    pub(crate) fn remove_loop(&self, efd: &Rc<OwnedFd>) {
        let removed: Vec<_> = {
            let mut loops = self.loops.borrow_mut();
            let (gone, kept) = core::mem::take(&mut *loops).into_iter().partition(|l| Rc::ptr_eq(l, efd));
            *loops = kept;
            gone
        };
        drop(removed);
    }

    /// At teardown: signals every external loop's eventfd.
    pub(crate) fn torn_down(&self) {
        let Ok(loops) = self.loops.try_borrow() else { return };
        for efd in loops.iter() {
            let one = 1u64;
            // SAFETY: writes 8 bytes from a live u64 to an eventfd the
            // loop's `Rc` keeps open.
            unsafe { libc::write(efd.as_raw_fd(), (&raw const one).cast(), 8) };
        }
    }

    #[cold]
    #[inline(never)]
    fn undriven() {
        use std::io::Write;
        if !NOTED.swap(true, crate::sync::process_wide::ORDERING) {
            // Written directly (not `eprintln!`, which panics if standard
            // error fails): a note must never be the reason a program stops.
            let _ = writeln!(std::io::stderr(), "{UNDRIVEN_NOTE}");
        }
    }
}
