//! The foreign code a driver call leaves for after its borrow: the orphans'
//! `orphaned` calls and the drops of values that never reached the kernel,
//! the drops of retired wakers, and the wake-ups. Run with the state not
//! borrowed (invariant 5), each call caught; the first panic is re-raised
//! where no outcome is held, or kept for the driver's next turn.

use crate::kernel::Kernel;
use crate::ownership::driver::caught::{Caught, Payload};
use crate::ownership::driver::shared::Shared;
use std::rc::Rc;

/// Puts an emptied list back in place of `slot` if that has no capacity
/// (the list was taken out, and nothing refilled it meanwhile), so that its
/// allocation is reused.
#[inline(always)]
fn put_back<T>(slot: &mut Vec<T>, emptied: Vec<T>) {
    debug_assert!(emptied.is_empty());
    let spare = if emptied.capacity() > slot.capacity() && slot.is_empty() {
        core::mem::replace(slot, emptied)
    } else {
        emptied
    };
    // The spare list is empty: dropping it runs no destructor, and one
    // without capacity has nothing to free either (the common case, which
    // then costs no call).
    if spare.capacity() == 0 {
        core::mem::forget(spare);
    }
}

/// Wakes each of the due wakers in `wake` (by reference), then lets go of
/// them, emptying the list: a waker the table let go of meanwhile is
/// dropped here, its last reference. Each call is caught.
#[inline(always)]
fn wake_each(caught: &mut Caught, wake: &mut Vec<Rc<core::task::Waker>>) {
    for w in wake.iter() {
        caught.run(|| w.wake_by_ref());
    }
    while let Some(w) = wake.pop() {
        if Rc::strong_count(&w) == 1 {
            // The table let go of the waker meanwhile: this is the last
            // reference, and the drop runs the waker's destructor.
            caught.run(move || drop(w));
        }
    }
}

impl<K: Kernel> Shared<K> {
    /// Whether [`run_side_work`](Self::run_side_work) has anything to do.
    #[inline]
    pub(super) fn has_side_work(&self) -> bool {
        self.inner.try_borrow().is_ok_and(|i| i.has_side_work())
    }

    /// Runs the work the driver leaves for when its state is not borrowed,
    /// because it is foreign code that may panic or call back into the
    /// driver: the orphans' finishers (`Operation::orphaned`, destructors of
    /// values that never reached the kernel), the drops of retired wakers,
    /// and the wake-ups (the due wakers, by reference, and the waiters').
    /// Every call runs even if an earlier one panicked; the first panic is
    /// returned, for the caller to re-raise or keep (see [`raise`](Self::raise)).
    #[inline(never)]
    pub(super) fn run_side_work(&self) -> Caught {
        let mut caught = Caught::default();
        // Work deferred by a call made from inside the driver first: what it
        // leaves to wake or drop is then handled in this same pass.
        self.run_deferred();
        // Only the lists with something in them are taken out (an empty one
        // is left with its capacity), and each is put back emptied, so that
        // the common turn (one due waker, nothing else) allocates nothing
        // and moves little.
        let (finishers, mut retired, mut wake, mut owned) = {
            let Ok(mut guard) = self.inner.try_borrow_mut() else { return caught };
            let inner = &mut *guard;
            // The common turn: due wakers and nothing else. A kept panic of
            // the drive always comes with a waker in `to_wake` (see
            // `Inner::strategy_panicked`), so it is not left behind here.
            let only_due = inner.to_wake.is_empty()
                && inner.table.finishers.is_empty()
                && inner.table.retired.is_empty()
                && inner.woken_at_teardown.is_empty();
            if only_due && inner.table.wakers.one_due() {
                // One task to wake: its waker needs no list.
                let w = inner.table.wakers.take_one_due();
                drop(guard);
                if let Some(w) = w {
                    caught.run(|| w.wake_by_ref());
                    if Rc::strong_count(&w) == 1 {
                        // As in `wake_each`: the last reference.
                        caught.run(move || drop(w));
                    }
                }
                return caught;
            }
            let mut wake = core::mem::take(&mut inner.wake_buf);
            // The due wakers (one per distinct waker, however many of its
            // operations completed), as counted references: no foreign code
            // runs while the state is borrowed.
            inner.table.wakers.take_due(&mut wake);
            if only_due {
                drop(guard);
                self.wake_due(&mut caught, wake);
                return caught;
            }
            // A panic of the submit strategy, caught inside the borrow:
            // raised (or kept) with the others once the borrow is released.
            if let Some(p) = inner.strategy_panic.take() {
                caught.keep(p);
            }
            if !inner.woken_at_teardown.is_empty() {
                wake.append(&mut inner.woken_at_teardown);
            }
            let owned = if inner.to_wake.is_empty() { Vec::new() } else { core::mem::take(&mut inner.to_wake) };
            let finishers =
                if inner.table.finishers.is_empty() { Vec::new() } else { core::mem::take(&mut inner.table.finishers) };
            let retired =
                if inner.table.retired.is_empty() { Vec::new() } else { core::mem::take(&mut inner.table.retired) };
            (finishers, retired, wake, owned)
        };
        for f in finishers {
            caught.run(f);
        }
        while let Some(w) = retired.pop() {
            caught.run(move || drop(w));
        }
        wake_each(&mut caught, &mut wake);
        while let Some(w) = owned.pop() {
            caught.run(move || w.wake());
        }
        // The emptied vectors go back so that their capacity is reused (no
        // allocation in steady state), unless a callback above refilled the
        // driver's own meanwhile.
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            put_back(&mut inner.wake_buf, wake);
            put_back(&mut inner.table.retired, retired);
            put_back(&mut inner.to_wake, owned);
        }
        caught
    }

    /// The side work of a turn that has only due wakers to wake (`wake`,
    /// taken out of `wake_buf`), run with the state not borrowed; the list
    /// goes back emptied, as in [`run_side_work`](Self::run_side_work).
    #[inline(always)]
    fn wake_due(&self, caught: &mut Caught, mut wake: Vec<Rc<core::task::Waker>>) {
        wake_each(caught, &mut wake);
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            put_back(&mut inner.wake_buf, wake);
        }
    }

    /// Re-raises a caught panic of foreign code, or keeps it for the next
    /// turn if the thread is already unwinding (a second panic would abort).
    #[inline]
    pub(super) fn raise(&self, caught: Caught) {
        if let Some(p) = caught.0 {
            self.raise_payload(p);
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn raise_payload(&self, p: Payload) {
        if std::thread::panicking() {
            self.keep_panic(p);
        } else {
            std::panic::resume_unwind(p);
        }
    }

    /// Keeps a caught panic of foreign code, re-raised by the next turn:
    /// for callers that hold an output they must not lose, and destructors.
    pub(super) fn keep_panic(&self, p: Payload) {
        match self.panicked.take() {
            None => self.panicked.set(Some(p)),
            Some(first) => {
                self.panicked.set(Some(first));
                core::mem::forget(p);
            }
        }
    }

    /// Runs the side work and re-raises a panic of foreign code in it: for
    /// callers whose claims are all recorded, so that unwinding loses nothing.
    pub(super) fn settle(&self) {
        let caught = self.run_side_work();
        self.raise(caught);
    }

    /// Runs the side work and keeps a panic of foreign code in it for the
    /// next turn: for callers holding an output, and destructors.
    pub(super) fn settle_quietly(&self) {
        if let Some(p) = self.run_side_work().0 {
            self.keep_panic(p);
        }
    }
}
