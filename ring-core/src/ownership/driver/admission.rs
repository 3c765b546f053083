//! Admission and credits (invariant 3): an operation starts only with a free
//! entry and as many CQ credits as it may post completions; otherwise it
//! waits, in arrival order, with a ticket. Waiters are woken as room appears
//! and taken off the queue as they are woken, so a forgotten waiter costs one
//! wake-up and never blocks the queue. Also the checks that refuse an
//! operation before anything is written (a poll target that ended, a ring
//! that cannot carry it).

#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::hooks::{cqe_hook, orphan_hook};
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::slot;
use crate::ownership::driver::wakers::NO_WAKER;
use crate::ownership::operation::Operation;
use core::task::{Context, Waker};
use std::rc::Rc;

/// What happened when an operation tried to start.
pub(crate) enum Start<T> {
    /// It is in the kernel, under this `user_data` (its entry's index and
    /// generation, [`slot::encode`]d). One 64-bit word rather than two
    /// 32-bit ones: the result may pass through the stack, and a 64-bit
    /// load of two 32-bit stores cannot be forwarded from the store buffer
    /// (a stall of about a dozen cycles on every start).
    Started(u64),
    /// As `Started`, but foreign code is left to run (the waker must be
    /// cloned, or wakers retired or woken): the future records its claim
    /// first, then calls [`Shared::settle_start`].
    StartedThen(u64),
    /// No credit or entry yet; it waits with this ticket. The future
    /// records the ticket, then calls [`Shared::settle_wait`] (which clones
    /// its waker outside the borrow).
    Wait(T, u64),
    /// The driver's state is borrowed: this was called from inside the
    /// driver (an operation's own code calling back). Nothing changed; the
    /// future is woken to try again.
    Busy(T),
    /// The driver is shut down; the operation never reached the kernel.
    Closed(T),
    /// The ring cannot carry this operation (a 128-byte entry on a ring
    /// without `SQE128` or `SQE_MIXED`, an operation posting more
    /// completions than the CQ holds, or one naming a resource of another
    /// ring, see [`Operation::refuse`]); it completes with this errno.
    Refused(T, i32),
}

/// Why `Inner::start_contended` held an operation back.
enum Contended {
    Closed,
    Wait(u64),
    /// It can never start on this ring (it needs more completion slots than
    /// the CQ has); it completes with this errno.
    Refused(i32),
}

impl<K: Kernel> Inner<K> {
    /// Starts `op` (see `Shared::start`); runs no foreign code but the
    /// operation's own `is_128` and `prepare`.
    #[inline]
    pub(super) fn start<T: Operation>(&mut self, op: T, ticket: Option<u64>, cx: &mut Context<'_>) -> Start<T> {
        // A constant `None` for every operation but a poll removal or
        // update, which may start only while the poll it names is in flight.
        if let Some(t) = op.names() {
            if !self.table.slots.names(t.index, t.generation, t.serial) {
                return self.refuse_ended(op, ticket);
            }
        }
        let need = T::CQES.max(1);
        // The common case in one test: open and enabled, nobody queued, a credit and an
        // entry free, and this is not a returning waiter.
        let room = self.table.credits >= need && self.table.slots.in_use() < self.table.slots.len();
        if self.not_open || ticket.is_some() || !self.waiters.is_empty() || !room {
            if let Some(refused) = self.start_contended(ticket, need) {
                return match refused {
                    Contended::Closed => Start::Closed(op),
                    Contended::Wait(t) => Start::Wait(op, t),
                    Contended::Refused(errno) => Start::Refused(op, errno),
                };
            }
        }
        // The operation's own code runs first, before anything changes.
        if op.is_128() {
            return self.start_wide(op, need, cx);
        }
        let Some(storage) = self.table.storage.as_ref() else {
            // Not reached: the storage exists until teardown, which sets `closed`.
            return Start::Closed(op);
        };
        let Some((index, generation)) = self.table.slots.alloc(need, T::MULTISHOT, T::NAMEABLE) else {
            unreachable!("a free entry exists (checked above)")
        };
        // SAFETY: the entry was free, so its cell is empty and unused; the
        // table and the storage have the same length.
        let ptr = unsafe { storage.put(index as usize, op) };
        if !self.write_sqe(ptr, index, generation) && !self.write_sqe_after_making_room(ptr, index, generation) {
            return self.unstart::<T>(index);
        }
        self.started::<T>(index, generation, need, cx)
    }

    /// The bookkeeping of an operation whose SQE is written, all of it done
    /// with no foreign code: the future's waker is registered only if that
    /// needs no clone (it wakes like the most recent waker); otherwise the
    /// entry has none yet and the result is `StartedThen`, so that the
    /// future records its claim before its waker is cloned (a clone that
    /// panics, or calls back into the driver, then finds the claim made and
    /// the table consistent).
    #[inline]
    pub(super) fn started<T: Operation>(
        &mut self,
        index: u32,
        generation: u32,
        need: u32,
        cx: &mut Context<'_>,
    ) -> Start<T> {
        self.table.credits -= need;
        self.table.stats.started += 1;
        if T::NAMEABLE {
            self.table.serials += 1;
            self.table.slots.at(index).serial = self.table.serials;
        }
        let slot = self.table.slots.at(index);
        // The hooks of an entry are only ever called while it holds the
        // operation they were stored for (and they check the stored type), so
        // a finished operation's hooks are simply overwritten by the next.
        slot.orphan_hook = Some(orphan_hook::<T>);
        slot.cqe_hook = if T::MULTISHOT { Some(cqe_hook::<T>) } else { None };
        let user_data = slot::encode(index, generation);
        match self.table.wakers.register_same(cx.waker()) {
            Some(w) => slot.waker = w,
            None => {
                slot.waker = NO_WAKER;
                return self.started_without_waker(user_data);
            }
        }
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        // Another waiter may fit in the remaining credits.
        self.wake_first_waiter();
        if self.has_poll_side_work() {
            return Start::StartedThen(user_data);
        }
        Start::Started(user_data)
    }

    /// The end of [`started`](Self::started) for an operation whose waker
    /// needs a clone (its task is not the most recent one's), which the
    /// future makes after recording its claim.
    #[cold]
    #[inline(never)]
    pub(super) fn started_without_waker<T>(&mut self, user_data: u64) -> Start<T> {
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        self.wake_first_waiter();
        Start::StartedThen(user_data)
    }

    /// The slow half of `start`: the driver is closed or its ring disabled, or the operation must
    /// queue (no credit or entry, or earlier waiters), or it is a queued
    /// waiter coming back. Returns `None` if it may start now.
    #[cold]
    #[inline(never)]
    fn start_contended(&mut self, ticket: Option<u64>, need: u32) -> Option<Contended> {
        if self.closed {
            // No ring any more: the operation never reaches the kernel and
            // completes as cancelled.
            return Some(Contended::Closed);
        }
        if self.disabled {
            // A ring set up with `IORING_SETUP_R_DISABLED` and not enabled:
            // the kernel answers every enter with EBADFD and consumes
            // nothing, so the operation would stay pending for ever.
            return Some(Contended::Refused(libc::EBADFD));
        }
        if need > self.table.slots.len() {
            // More completions than the CQ holds (a zero-copy send, which
            // posts two, on a CQ of one entry): it would wait for credits
            // forever, and every operation queued behind it with it.
            return Some(Contended::Refused(libc::EINVAL));
        }
        // Fairness without trusting waiters to come back: waiters are woken
        // in arrival order and taken off the queue as they are woken (see
        // `wake_first_waiter`), so a waiter whose future was forgotten costs
        // one wake-up and never blocks the queue. A newcomer may not
        // overtake the waiters still queued; a woken waiter competes on
        // equal terms, and goes back to the front if it lost.
        let queued_ahead = match ticket {
            Some(_) => false,
            None => !self.waiters.is_empty(),
        };
        if queued_ahead || self.table.credits < need || self.table.slots.in_use() >= self.table.slots.len() {
            self.table.stats.waited_for_credit += 1;
            let t = ticket.unwrap_or_else(|| {
                self.next_ticket += 1;
                self.next_ticket
            });
            self.queue_waiter(t, ticket.is_some());
            return Some(Contended::Wait(t));
        }
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.table.retired.push(Rc::new(w));
            }
        }
        None
    }

    /// Puts waiter `t` in the queue unless it is there: a waiter that was
    /// woken and lost the race keeps its place at the front (`returning`),
    /// a newcomer goes to the back. Its waker is stored later, cloned
    /// outside the borrow (see `Shared::settle_wait`).
    pub(super) fn queue_waiter(&mut self, t: u64, returning: bool) {
        if self.waiters.iter().any(|(x, _)| *x == t) {
            return;
        }
        if returning {
            self.waiters.push_front((t, None));
        } else {
            self.waiters.push_back((t, None));
        }
    }

    /// Takes waiter `t` off the queue; returns its waker, for the caller to
    /// drop outside the borrow.
    pub(super) fn remove_waiter(&mut self, t: u64) -> Option<Waker> {
        let i = self.waiters.iter().position(|(x, _)| *x == t)?;
        self.waiters.remove(i).and_then(|(_, w)| w)
    }

    /// Refuses an operation that names a poll no longer in flight: it never
    /// reaches the kernel, completes with `ENOENT` (the kernel's answer for
    /// a poll that has ended), and gives up its place in the queue.
    #[cold]
    #[inline(never)]
    pub(super) fn refuse_ended<T: Operation>(&mut self, op: T, ticket: Option<u64>) -> Start<T> {
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.table.retired.push(Rc::new(w));
            }
        }
        Start::Refused(op, libc::ENOENT)
    }

    /// Undoes a start whose SQE could not be written (the SQ stayed full):
    /// the kernel never saw it. The operation goes back to its future, first
    /// in the queue.
    #[cold]
    #[inline(never)]
    pub(super) fn unstart<T: Operation>(&mut self, index: u32) -> Start<T> {
        let storage = self.table.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the SQE was not published, so the kernel holds no
        // pointer into the value.
        let op = unsafe { storage.take::<T>(index as usize) }.expect("just stored");
        self.table.free_entry(index);
        self.next_ticket += 1;
        let t = self.next_ticket;
        self.waiters.push_front((t, None));
        Start::Wait(op, t)
    }

    /// Wakes waiters, in arrival order, for as many operations as could
    /// start now, taking them off the queue (a woken waiter that finds no
    /// room re-queues itself at the front).
    #[inline]
    pub(super) fn wake_first_waiter(&mut self) {
        if !self.waiters.is_empty() {
            self.wake_waiters();
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn wake_waiters(&mut self) {
        let room = self.table.credits.min(self.table.slots.len() - self.table.slots.in_use());
        for _ in 0..room {
            let Some((_, w)) = self.waiters.pop_front() else { break };
            // A waiter without a waker is cloning it right now; it finds
            // itself off the queue and wakes its clone (`Shared::settle_wait`).
            if let Some(w) = w {
                self.to_wake.push(w);
            }
        }
    }
}
