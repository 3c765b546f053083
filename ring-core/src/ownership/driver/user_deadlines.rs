//! Deadlines kept in user space for operations that never reached the
//! kernel: an operation (or a timer) still queued for a credit has no
//! kernel timer to wake it, so its deadline is kept here. The driver's park
//! is bounded by the earliest one (an `IORING_ENTER_EXT_ARG` timeout, which
//! takes no SQE and no CQ credit), and the turn that finds one passed wakes
//! its future, which then ends the operation itself: nothing of it is in
//! the kernel, so nothing needs cancelling.

use crate::kernel::Kernel;
use crate::ownership::driver::caught::Caught;
use crate::ownership::driver::shared::Shared;
use core::task::{Context, Waker};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Instant;

/// The deadlines of futures waiting in user space, earliest first; each
/// key is unique (its instant and a serial).
#[derive(Default)]
pub(crate) struct UserDeadlines {
    serial: u64,
    wakers: BTreeMap<(Instant, u64), Waker>,
}

impl<K: Kernel> Shared<K> {
    /// The earliest user-space deadline, if any future keeps one.
    pub(super) fn earliest_user_deadline(&self) -> Option<Instant> {
        let d = self.user_deadlines.try_borrow().ok()?;
        d.wakers.keys().next().map(|(at, _)| *at)
    }

    /// Wakes (and forgets) every future whose user-space deadline passed.
    /// The wakers run outside the borrow; a panic is caught into `caught`.
    pub(super) fn fire_user_deadlines(&self, caught: &mut Caught) {
        let due: Vec<Waker> = {
            let Ok(mut d) = self.user_deadlines.try_borrow_mut() else { return };
            let Some(&(first, _)) = d.wakers.keys().next() else { return };
            let now = Instant::now();
            if first > now {
                return;
            }
            let later = d.wakers.split_off(&(now, u64::MAX));
            core::mem::replace(&mut d.wakers, later).into_values().collect()
        };
        for w in due {
            caught.run(move || w.wake());
        }
    }
}

/// One future's user-space deadline, registered with its driver while the
/// future waits for a credit; removed when dropped or [`clear`](Self::clear)ed.
pub(crate) struct UserDeadline<K: Kernel> {
    shared: Rc<Shared<K>>,
    key: Option<(Instant, u64)>,
}

impl<K: Kernel> UserDeadline<K> {
    pub(crate) fn new(shared: Rc<Shared<K>>) -> Self {
        UserDeadline { shared, key: None }
    }

    /// Keeps deadline `at` for the future polled with `cx`: the driver's
    /// park ends by then, and its turn wakes the future. The waker is
    /// cloned, and a replaced one dropped, outside the driver's borrow.
    pub(crate) fn watch(&mut self, at: Instant, cx: &mut Context<'_>) {
        if let Some(key) = self.key {
            if key.0 == at {
                let same = match self.shared.user_deadlines.try_borrow() {
                    Ok(d) => d.wakers.get(&key).is_some_and(|w| w.will_wake(cx.waker())),
                    Err(_) => false,
                };
                if same {
                    return;
                }
            }
        }
        self.clear();
        let waker = cx.waker().clone();
        match self.shared.user_deadlines.try_borrow_mut() {
            Ok(mut d) => {
                d.serial += 1;
                let key = (at, d.serial);
                d.wakers.insert(key, waker);
                self.key = Some(key);
            }
            // Called while the registry is borrowed (not reached: nothing
            // foreign runs under that borrow); the future polls again.
            Err(_) => waker.wake(),
        }
    }

    /// Forgets the deadline (the future no longer waits in user space).
    pub(crate) fn clear(&mut self) {
        let Some(key) = self.key.take() else { return };
        let old = match self.shared.user_deadlines.try_borrow_mut() {
            Ok(mut d) => d.wakers.remove(&key),
            Err(_) => None,
        };
        drop(old);
    }
}

impl<K: Kernel> Drop for UserDeadline<K> {
    fn drop(&mut self) {
        self.clear();
    }
}
