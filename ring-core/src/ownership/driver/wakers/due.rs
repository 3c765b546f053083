//! The due list of the waker table: the wakers with a completion to
//! report this turn, each listed once however many of its operations
//! completed, and handed out as counted references so that the driver
//! wakes them once its state is no longer borrowed (see the parent
//! module's documentation).

use super::Wakers;
use core::task::Waker;
use std::rc::Rc;

impl Wakers {
    /// Marks waker `index` as having a completion to report.
    #[inline]
    pub(crate) fn mark_due(&mut self, index: u32) {
        if let Some(e) = self.entries.get_mut(index as usize) {
            if !e.due && e.waker.is_some() {
                e.due = true;
                self.due.push(index);
            }
        }
    }

    /// Whether some waker is due.
    #[inline]
    pub(crate) fn any_due(&self) -> bool {
        !self.due.is_empty()
    }

    /// Whether exactly one entry is on the due list (the common turn: one
    /// task, however many of its operations completed).
    #[inline]
    pub(crate) fn one_due(&self) -> bool {
        self.due.len() == 1
    }

    /// [`take_due`](Self::take_due) when the due list holds one entry
    /// ([`one_due`](Self::one_due)): its waker, if it is still due, as a
    /// counted reference; the list is left empty.
    #[inline(always)]
    pub(crate) fn take_one_due(&mut self) -> Option<Rc<Waker>> {
        let index = self.due.pop()?;
        debug_assert!(self.due.is_empty(), "more than one due entry");
        let e = self.entries.get_mut(index as usize)?;
        if core::mem::take(&mut e.due) {
            e.waker.clone()
        } else {
            None
        }
    }

    /// Moves every due waker into `out` (a counted reference: no foreign
    /// code runs), clearing the marks. The caller wakes them by reference
    /// once the driver's state is no longer borrowed.
    #[inline(always)]
    pub(crate) fn take_due(&mut self, out: &mut Vec<Rc<Waker>>) {
        // An entry freed (and perhaps reused) since it was marked has its
        // mark cleared; it is skipped, or listed once if marked again (its
        // index is then on the list twice, and only the first finds it set).
        for k in 0..self.due.len() {
            let e = &mut self.entries[self.due[k] as usize];
            if core::mem::take(&mut e.due) {
                if let Some(w) = &e.waker {
                    out.push(w.clone());
                }
            }
        }
        self.due.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{register, Count};
    use super::super::Wakers;
    use crate::sync::AtomicUsize;
    use core::task::Waker;
    use std::sync::Arc;

    #[test]
    fn a_waker_marked_twice_is_listed_once() {
        let w = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let a = register(&mut t, &w, &mut retired);
        t.mark_due(a);
        t.mark_due(a);
        // The list grows by distinct wakers, not by completions.
        assert_eq!(t.due.len(), 1);
        let mut out = Vec::new();
        t.take_due(&mut out);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn the_one_due_waker_is_taken_alone_as_take_due_would() {
        let w = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        let (mut t, mut retired) = (Wakers::new(), Vec::new());
        let a = register(&mut t, &w, &mut retired);
        t.mark_due(a);
        t.mark_due(a);
        assert!(t.one_due() && t.take_one_due().is_some_and(|x| x.will_wake(&w)));
        assert!(!t.any_due(), "the list is emptied");
        // Its mark went with it: the next completion lists it again.
        t.mark_due(a);
        assert!(t.one_due() && t.take_one_due().is_some());
        // A waker whose last user left after it was marked is not handed out.
        t.mark_due(a);
        assert!(t.release(a).is_none());
        assert!(t.one_due() && t.take_one_due().is_none() && !t.any_due());
    }
}
