//! The user-space deadline of one future waiting for a credit
//! ([`UserDeadline`]), and the driver's side of them: the park's bound and
//! the wake-up at the deadline (see `user_deadlines.rs`).

use crate::kernel::Kernel;
use crate::ownership::driver::caught::Caught;
use crate::ownership::driver::shared::Shared;
use core::task::{Context, Waker};
use std::rc::Rc;
use std::time::Instant;

impl<K: Kernel> Shared<K> {
    /// The earliest user-space deadline, if any future keeps one.
    #[inline(always)]
    pub(super) fn earliest_user_deadline(&self) -> Option<Instant> {
        self.next_user_deadline.get()
    }

    /// Wakes (and forgets) every future whose user-space deadline passed.
    /// The wakers run outside the borrow; a panic is caught into `caught`.
    #[inline(never)]
    pub(super) fn fire_user_deadlines(&self, caught: &mut Caught) {
        let due: Vec<Waker> = match self.user_deadlines.try_borrow_mut() {
            Ok(mut d) => {
                let due = d.take_due(Instant::now());
                self.next_user_deadline.set(d.earliest());
                due
            }
            Err(_) => return,
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
                    Ok(d) => d.wakes_as(key, cx.waker()),
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
                self.key = Some(d.insert(at, waker));
                self.shared.next_user_deadline.set(d.earliest());
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
            Ok(mut d) => {
                let old = d.remove(key);
                self.shared.next_user_deadline.set(d.earliest());
                old
            }
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

#[cfg(test)]
mod tests {
    use super::UserDeadline;
    use crate::ownership::driver::handle::Driver;
    use core::task::{Context, Waker};
    use std::time::{Duration, Instant};

    /// The turn reads the earliest deadline from one word: every change to
    /// the registry keeps it, so a turn with none tests it and reads no
    /// clock, and one with some is bounded by the right one.
    #[test]
    fn the_earliest_user_deadline_follows_every_change() {
        let d = Driver::new(8).expect("a ring");
        let shared = d.shared.clone();
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(shared.earliest_user_deadline(), None);
        let now = Instant::now();
        let (early, late) = (now + Duration::from_secs(60), now + Duration::from_secs(120));
        let mut a = UserDeadline::new(shared.clone());
        let mut b = UserDeadline::new(shared.clone());
        b.watch(late, &mut cx);
        assert_eq!(shared.earliest_user_deadline(), Some(late));
        a.watch(early, &mut cx);
        assert_eq!(shared.earliest_user_deadline(), Some(early));
        // Watched again for another instant: the old one goes.
        a.watch(late + Duration::from_secs(1), &mut cx);
        assert_eq!(shared.earliest_user_deadline(), Some(late));
        a.clear();
        assert_eq!(shared.earliest_user_deadline(), Some(late));
        drop(b);
        assert_eq!(shared.earliest_user_deadline(), None);
        // A deadline that passed is fired, and forgotten, by the next turn.
        let mut c = UserDeadline::new(shared.clone());
        c.watch(now, &mut cx);
        assert_eq!(shared.earliest_user_deadline(), Some(now));
        d.poll().expect("a turn");
        assert_eq!(shared.earliest_user_deadline(), None);
        drop(c);
        assert_eq!(shared.earliest_user_deadline(), None);
    }
}
