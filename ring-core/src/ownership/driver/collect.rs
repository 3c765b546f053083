//! Collecting: a future polls its entry, and once the terminal completion is
//! in, takes its value out of the table with the result (invariant 4). A
//! stream takes its items one completion at a time. Runs no foreign code while
//! the state is borrowed (invariant 5): a waker that must be cloned is cloned
//! after the borrow is released, and the stream's `item` runs outside it.

#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::shared::Shared;
use crate::ownership::driver::slot::Phase;
use crate::ownership::driver::wakers::NO_WAKER;
use crate::ownership::operation::{Multishot, Operation, Streaming};
use crate::raw::cqueue::Cqe;
use core::task::{Context, Waker};
use std::rc::Rc;

/// What `Inner::poll_complete` found.
pub(crate) enum Polled<T> {
    /// Done: the value (out of the table), the result, the last
    /// completion, and whether it was cancelled.
    Ready(T, Cqe, Cqe, bool),
    Pending,
    /// In flight, and the future's waker is not stored: it must be cloned
    /// outside the borrow.
    NeedWaker,
}

/// What `Shared::poll_complete` found.
pub(crate) enum Collect<T> {
    /// Done: the value (out of the table) with its completions, whether it
    /// was cancelled, and whether side work is left for
    /// `Shared::after_collect` once the output is made.
    Ready {
        op: T,
        result: Cqe,
        last: Cqe,
        cancelled: bool,
        side_work: bool,
    },
    Pending,
}

/// What polling a stream's entry found.
pub(crate) enum StreamPoll<I, T> {
    Item(I),
    /// The terminal completion's item (if any) and the value.
    Last(Option<I>, T),
    End(T),
    Pending,
}

/// One step of `Shared::poll_stream`.
enum StreamStep<T: Multishot> {
    /// A completion that is not the last, to turn into an item with the
    /// stream's value at this address (it stays in its cell).
    Cqe(*mut Streaming<T>, Cqe),
    /// The terminal completion with the value taken out, and whether side
    /// work is left.
    Last(Streaming<T>, Cqe, bool),
    /// Ended with nothing left to deliver.
    End(Streaming<T>, bool),
    /// Nothing yet; whether side work is left.
    Pending(bool),
    /// Nothing yet, and the future's waker must be cloned outside the borrow.
    NeedWaker,
}

impl<K: Kernel> Shared<K> {
    /// Polls the operation at `index`/`generation` for its completion. Runs
    /// no foreign code before the value is out of the table: a `Ready`
    /// carries it, and whether side work is left for
    /// [`after_collect`](Self::after_collect) once the output is made.
    #[inline]
    pub(crate) fn poll_complete<T: Operation>(&self, index: u32, generation: u32, cx: &mut Context<'_>) -> Collect<T> {
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            // Called from inside the driver: nothing changed; poll again.
            cx.waker().wake_by_ref();
            return Collect::Pending;
        };
        match inner.poll_complete::<T>(index, generation, cx) {
            Polled::Ready(op, result, last, cancelled) => {
                Collect::Ready { op, result, last, cancelled, side_work: inner.has_poll_side_work() }
            }
            Polled::Pending => {
                let side_work = inner.has_poll_side_work();
                drop(inner);
                if side_work {
                    self.settle();
                }
                Collect::Pending
            }
            Polled::NeedWaker => {
                drop(inner);
                self.install_waker(index, generation, cx);
                Collect::Pending
            }
        }
    }

    /// The side work left by a `Ready` collection, run once the output is
    /// made; a panic in it is kept for the next turn, so the output is not
    /// lost.
    #[cold]
    #[inline(never)]
    pub(crate) fn after_collect(&self) {
        self.settle_quietly();
    }

    /// Polls a stream's entry for its next item. `Multishot::item` is the
    /// operation's own code and runs with the state not borrowed.
    pub(crate) fn poll_stream<T: Multishot>(
        &self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> StreamPoll<T::Item, T> {
        loop {
            let step = match self.inner.try_borrow_mut() {
                Ok(mut inner) => inner.stream_step::<T>(index, generation, cx),
                Err(_) => {
                    cx.waker().wake_by_ref();
                    return StreamPoll::Pending;
                }
            };
            match step {
                StreamStep::Cqe(value, cqe) => {
                    // SAFETY: `value` is the stream's value in its cell, where it stays until the terminal completion is
                    // taken, which only this stream's owner does (it is polling now, so it cannot be dropping) or
                    // `Shared`'s drop (this owner holds a count). Nothing else references it during the call; `item`
                    // may run while the operation is in flight, which the `Multishot` contract allows for.
                    if let Some(item) = unsafe { (*value).0.item(cqe) } {
                        return StreamPoll::Item(item);
                    }
                }
                StreamStep::Last(mut op, cqe, side_work) => {
                    let item = op.0.item(cqe);
                    if side_work {
                        self.after_collect();
                    }
                    return StreamPoll::Last(item, op.0);
                }
                StreamStep::End(op, side_work) => {
                    if side_work {
                        self.after_collect();
                    }
                    return StreamPoll::End(op.0);
                }
                StreamStep::Pending(side_work) => {
                    if side_work {
                        self.settle();
                    }
                    return StreamPoll::Pending;
                }
                StreamStep::NeedWaker => {
                    self.install_waker(index, generation, cx);
                    return StreamPoll::Pending;
                }
            }
        }
    }

    /// What follows `StartedThen`, once the future recorded its claim on
    /// entry `index` at `generation`: its waker is cloned if the table had
    /// none like it (foreign code, run with the state not borrowed), and the
    /// side work runs. A panic here propagates; the claim is safe.
    #[cold]
    #[inline(never)]
    pub(crate) fn settle_start(&self, index: u32, generation: u32, cx: &mut Context<'_>) {
        let needs_waker = self.inner.try_borrow_mut().is_ok_and(|mut inner| {
            inner.table.slots.get(index, generation).is_some_and(|s| s.waker == NO_WAKER && s.phase != Phase::Orphaned)
        });
        if needs_waker {
            self.install_waker(index, generation, cx);
        } else {
            self.settle();
        }
    }

    /// Clones the waker of a future that has a claim on entry `index` at
    /// `generation`, with the state not borrowed, and stores the clone in
    /// the entry; then runs the side work (re-raising a panic in it).
    #[cold]
    #[inline(never)]
    pub(super) fn install_waker(&self, index: u32, generation: u32, cx: &mut Context<'_>) {
        let w = cx.waker().clone();
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.install_waker(index, generation, w),
            // Called from inside the driver: the future polls again.
            Err(_) => w.wake(),
        }
        self.settle();
    }
}

impl<K: Kernel> Inner<K> {
    #[inline]
    pub(super) fn poll_complete<T: Operation>(
        &mut self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> Polled<T> {
        let Some(slot) = self.table.slots.get(index, generation) else {
            // The entry was reused: cannot happen for a live claim, because
            // only the claim's owner (this future) releases a non-orphan.
            return Polled::Pending;
        };
        match slot.phase {
            Phase::Done => {
                let last = slot.last;
                let result = if slot.has_result { slot.result } else { last };
                let cancelled =
                    (slot.cancel_sent || slot.cancel_wanted) && matches!(-result.res, libc::ECANCELED | libc::EINTR);
                let storage = self.table.storage.as_ref().expect("a Done entry's storage is never leaked");
                // SAFETY: `get` found entry `index` (one cell per entry). Done: the kernel is done with the value. The cell holds
                // a `T`: the caller is the `Op<T>` owning the current claim (checked above), `start::<T>` (or a chain link, checked
                // by chain id) put a `T` there, and only the claim's owner takes a live entry's value out (checked in debug).
                let op = unsafe { storage.take_unchecked::<T>(index as usize) };
                self.table.free_entry(index);
                self.table.stats.completed += 1;
                self.wake_first_waiter();
                Polled::Ready(op, result, last, cancelled)
            }
            Phase::InFlight => match self.table.wakers.update_same(slot.waker, cx.waker(), &mut self.table.retired) {
                Some(w) => {
                    slot.waker = w;
                    Polled::Pending
                }
                None => Polled::NeedWaker,
            },
            Phase::Orphaned | Phase::Free => Polled::Pending,
        }
    }

    /// Stores `w`, a clone made outside the borrow, as the waker of the
    /// future that has a claim on entry `index` at `generation`. If the
    /// entry has something to report already (a completion reaped while
    /// the clone ran), the waker is marked due so that it is woken.
    pub(super) fn install_waker(&mut self, index: u32, generation: u32, w: Waker) {
        let table = &mut self.table;
        match table.slots.get(index, generation) {
            Some(slot) if matches!(slot.phase, Phase::InFlight | Phase::Done) => {
                slot.waker = table.wakers.update_owned(slot.waker, w, &mut table.retired);
                if slot.phase == Phase::Done || slot.stream.as_ref().is_some_and(|q| !q.is_empty()) {
                    table.wakers.mark_due(slot.waker);
                }
            }
            // The claim is gone (cannot happen for a live future): dropped
            // outside the borrow.
            _ => table.retired.push(Rc::new(w)),
        }
    }

    /// One step of a stream's poll (see `Shared::poll_stream`, which calls
    /// `Multishot::item` outside the borrow).
    fn stream_step<T: Multishot>(&mut self, index: u32, generation: u32, cx: &mut Context<'_>) -> StreamStep<T> {
        let Some(slot) = self.table.slots.get(index, generation) else { return StreamStep::Pending(false) };
        let storage = self.table.storage.as_ref().expect("a live entry's storage is never leaked");
        if let Some(cqe) = slot.stream.as_mut().and_then(|q| q.pop_front()) {
            if cqe.more() {
                // SAFETY: reading the address of the live value in its cell (of this stream's type: the entry is at the
                // claim's generation, started by `start::<Streaming<T>>`).
                let value =
                    unsafe { storage.get::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
                // The task taking the item is the likeliest to start an operation next (see `Wakers::touch`); a
                // waker let go here is dropped by the driver's next settle or turn.
                let waker = slot.waker;
                if let Some(old) = self.table.wakers.touch(waker) {
                    self.table.retired.push(old);
                }
                return StreamStep::Cqe(value, cqe);
            }
            // SAFETY: the terminal completion was seen: the kernel is done with the value.
            let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            self.table.slots.at(index).orphan_hook = None;
            self.table.free_entry(index);
            self.table.stats.completed += 1;
            self.wake_first_waiter();
            return StreamStep::Last(op, cqe, self.has_poll_side_work());
        }
        if slot.phase == Phase::Done {
            // Ended with no completion left to deliver (cannot normally
            // happen: the terminal completion is queued like the others).
            // SAFETY: the terminal completion was seen.
            let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            self.table.slots.at(index).orphan_hook = None;
            self.table.free_entry(index);
            self.wake_first_waiter();
            return StreamStep::End(op, self.has_poll_side_work());
        }
        match self.table.wakers.update_same(slot.waker, cx.waker(), &mut self.table.retired) {
            Some(w) => {
                slot.waker = w;
                StreamStep::Pending(self.has_poll_side_work())
            }
            None => StreamStep::NeedWaker,
        }
    }
}
