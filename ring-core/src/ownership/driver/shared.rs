//! The state shared by the driver's handles and its futures, and the
//! discipline of its `RefCell`: every entry point borrows the state with
//! `try_borrow_mut`, and a call that finds it borrowed (an operation's own
//! code, or a destructor, calling back into the driver) changes nothing: its
//! work is deferred to the driver's next turn, or the future is woken to try
//! again. No foreign code runs while the state is borrowed.

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::admission::Start;
use crate::ownership::driver::attendance::Attendance;
use crate::ownership::driver::caught::{Caught, Payload};
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::reports::TeardownReport;
use crate::ownership::driver::slot::Phase;
use crate::ownership::operation::Operation;
use crate::raw::probe::Probe;
use crate::raw::ring::Ring;
use crate::raw::ring_id::RingId;
use core::cell::{Cell, RefCell};
use core::task::Context;
use core::time::Duration;
use std::io;
use std::rc::Rc;

/// Driver work that arrived while the driver's state was borrowed (a
/// destructor or an operation's own code calling back into the driver), run
/// at its next turn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Deferred {
    Orphan(u32, u32),
    Cancel(u32, u32),
    Teardown,
}

/// The state shared by the driver handles and the operation futures.
pub(crate) struct Shared<K: Kernel> {
    pub(super) inner: RefCell<Inner<K>>,
    /// Work that arrived while `inner` was borrowed (see [`Deferred`]).
    pub(super) deferred: RefCell<Vec<Deferred>>,
    /// Live [`Driver`] handles; teardown runs when the last one goes.
    pub(super) handles: Cell<usize>,
    pub(super) last_teardown: Cell<Option<TeardownReport>>,
    /// How long teardown waits (kept outside `inner` so that setting it
    /// never needs the borrow).
    pub(super) deadline: Cell<Duration>,
    /// A panic of foreign code the driver ran where it could not be
    /// re-raised at once (a future holding an output it must not lose, or
    /// a destructor); re-raised by the driver's next turn.
    pub(super) panicked: Cell<Option<Payload>>,
    /// The driver's ring, which every resource an operation names must
    /// belong to (see [`Operation::refuse`]).
    pub(crate) ring: RingId,
    /// The allocation range of the [`crate::ownership::fixed_files::FixedFiles`]
    /// table registered with the ring, if one is: its slots belong to
    /// direct descriptors, and `files_update` may not replace them.
    pub(crate) reserved_files: Rc<Cell<Option<(u32, u32)>>>,
    /// Who drives this driver, and how operations started while nothing
    /// does are detected (see `attendance.rs`).
    pub(crate) attend: Attendance,
    /// Whether the kernel has `IORING_OP_LINK_TIMEOUT` (probed once, by the
    /// first operation given a deadline).
    pub(crate) link_timeouts: Cell<Option<bool>>,
    /// The deadlines of futures still waiting for a credit (see
    /// `user_deadlines.rs`): the park is bounded by the earliest.
    pub(super) user_deadlines: RefCell<crate::ownership::driver::user_deadlines::UserDeadlines>,
    /// The earliest of `user_deadlines`, kept by every change to them
    /// (`deadline_watch.rs`), so that a turn with none kept tests one word
    /// and reads no clock.
    pub(super) next_user_deadline: Cell<Option<std::time::Instant>>,
}

impl<K: Kernel> Shared<K> {
    /// Runs `f` with the ring unless the driver's state is borrowed (the
    /// caller is a destructor running inside a driver call) or the driver
    /// is shut down; then returns `None` without calling `f`. For
    /// destructors that release a registration (a buffer pool's last
    /// holder) and leak instead when they cannot.
    pub(crate) fn try_with_ring_mut<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Option<R> {
        let mut inner = self.inner.try_borrow_mut().ok()?;
        let r = inner.ring.as_mut().map(f);
        inner.refresh_disabled();
        r
    }

    /// Runs `f` with the ring, or says why it cannot: [`Error::Reentrant`]
    /// if the driver's state is borrowed (the caller is foreign code the
    /// driver is running: a strategy, a waker, a destructor), or
    /// [`Error::NotConfigured`] if the driver is shut down. For the safe
    /// calls that register or unregister a resource, whose error must say
    /// which of the two it was.
    pub(crate) fn ring_call<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Result<R, Error> {
        let mut inner = self.inner.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        let r = inner.ring.as_mut().map(f);
        inner.refresh_disabled();
        r.ok_or(Error::NotConfigured("the driver is shut down"))
    }

    /// Whether the kernel can put a linked timeout on an operation (probed
    /// once; `false` if the probe fails or the driver is shut down, which
    /// only costs the explicit-cancel path).
    pub(crate) fn has_link_timeouts(&self) -> bool {
        if let Some(known) = self.link_timeouts.get() {
            return known;
        }
        let Some(probe) = self.try_with_ring_mut(|r| Probe::new(r)) else { return false };
        let known = probe.is_ok_and(|p| p.supported(ring_sys::IORING_OP_LINK_TIMEOUT));
        self.link_timeouts.set(Some(known));
        known
    }

    /// Marks the driver as driven (a runtime's `block_on` runs it).
    pub(crate) fn mark_driven(&self) {
        self.attend.mark();
    }

    /// Registers (or unregisters) an external loop: while one exists, every
    /// SQE is submitted as it is written. Only an operation's own `prepare`
    /// runs inside the driver's borrow besides the submit strategy, which is
    /// contained (`Inner::ask_strategy`), so the state is free here unless a
    /// strategy calls this; then nothing changes (the driver keeps its
    /// strategy, which is always correct).
    pub(crate) fn set_external_loop(&self, on: bool) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if on {
                inner.external += 1;
            } else {
                inner.external = inner.external.saturating_sub(1);
            }
            inner.submit_at_park_only = inner.external == 0 && inner.strategy_parks_only;
            if on {
                // What was written before the loop came is submitted now.
                inner.maybe_submit();
            }
        }
    }

    /// Work deferred while `inner` was borrowed.
    #[inline]
    pub(super) fn run_deferred(&self) {
        if self.deferred.try_borrow().is_ok_and(|d| !d.is_empty()) {
            self.run_deferred_now();
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn run_deferred_now(&self) {
        let Ok(mut inner) = self.inner.try_borrow_mut() else { return };
        let pending = core::mem::take(&mut *self.deferred.borrow_mut());
        let mut teardown = false;
        for d in pending {
            match d {
                Deferred::Orphan(i, g) => inner.orphan(i, g),
                Deferred::Cancel(i, g) => inner.request_cancel(i, g),
                Deferred::Teardown => teardown = true,
            }
        }
        if teardown && !inner.torn_down() {
            let report = inner.teardown(self.deadline.get());
            self.last_teardown.set(Some(report));
            self.attend.torn_down();
        }
    }

    /// Starts `op`. Runs no foreign code: an operation that started returns
    /// `Started`, or `StartedThen` if foreign code is left to run, which the
    /// caller runs with [`settle_start`](Self::settle_start) once it has
    /// recorded its claim.
    #[inline]
    pub(crate) fn start<T: Operation>(&self, op: T, ticket: Option<u64>, cx: &mut Context<'_>) -> Start<T> {
        self.attend.check();
        // A constant `None` for operations that name no ring-bound
        // resource; one comparison of ring ids for those that do.
        if let Some(errno) = op.refuse(self.ring).or_else(|| self.refuse_slots(op.bare_file_slots())) {
            return self.refuse_start(op, ticket, errno);
        }
        // If the operation's own code panics, the value it was built from is
        // dropped as the panic leaves, once the borrow is released.
        let unwinding = Unwinding(self);
        let r = match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.start(op, ticket, cx),
            Err(_) => Start::Busy(op),
        };
        core::mem::forget(unwinding);
        r
    }

    /// `EBUSY` if `slots` (an operation's [`Operation::bare_file_slots`])
    /// meet the allocation range of the `FixedFiles` table registered with
    /// this driver's ring: the check is made against the driver the
    /// operation starts on, whichever driver built it.
    #[inline]
    pub(crate) fn refuse_slots(&self, slots: Option<(u32, u32)>) -> Option<i32> {
        let (first, count) = slots?;
        let (start, end) = self.reserved_files.get()?;
        let last = u64::from(first) + u64::from(count);
        (count > 0 && u64::from(first) < u64::from(end) && u64::from(start) < last).then_some(libc::EBUSY)
    }

    /// An operation that refused this driver's ring: it never reaches the
    /// kernel, and gives up its place in the queue if it had one.
    #[cold]
    #[inline(never)]
    pub(super) fn refuse_start<T: Operation>(&self, op: T, ticket: Option<u64>, errno: i32) -> Start<T> {
        self.forget_ticket(ticket);
        Start::Refused(op, errno)
    }

    /// What follows `Wait` (or a chain's wait), once the future recorded
    /// its ticket: its waker is cloned with the state not borrowed and
    /// stored with the ticket (or, if the waiter was woken meanwhile, woken
    /// at once); then the side work runs. A panic here propagates; the
    /// ticket is safe.
    #[cold]
    #[inline(never)]
    pub(crate) fn settle_wait(&self, ticket: u64, cx: &mut Context<'_>) {
        enum Waiter {
            Current,
            NeedsClone,
            Gone,
        }
        let state = match self.inner.try_borrow() {
            Ok(inner) => match inner.waiters.iter().find(|(t, _)| *t == ticket) {
                Some((_, Some(w))) if w.will_wake(cx.waker()) => Waiter::Current,
                Some(_) => Waiter::NeedsClone,
                None => Waiter::Gone,
            },
            Err(_) => Waiter::Gone,
        };
        let mut caught = Caught::default();
        match state {
            Waiter::Current => {}
            Waiter::NeedsClone => {
                let w = cx.waker().clone();
                let placed = match self.inner.try_borrow_mut() {
                    Ok(mut inner) => match inner.waiters.iter_mut().find(|(t, _)| *t == ticket) {
                        Some(entry) => Ok(entry.1.replace(w)),
                        None => Err(w),
                    },
                    Err(_) => Err(w),
                };
                match placed {
                    // The waker it replaced, dropped with the state not borrowed.
                    Ok(old) => caught.run(move || drop(old)),
                    // Woken (taken off the queue) while the clone ran.
                    Err(w) => caught.run(move || w.wake()),
                }
            }
            Waiter::Gone => caught.run(|| cx.waker().wake_by_ref()),
        }
        let rest = self.run_side_work();
        if let Some(p) = rest.0 {
            caught.keep(p);
        }
        self.raise(caught);
    }

    /// The [`crate::ownership::operation::PollTarget`] of the poll a future holds entry
    /// `index` at `generation` for; `None` if the entry holds no poll that
    /// is still in the kernel, or if called from inside the driver.
    pub(crate) fn poll_target(&self, index: u32, generation: u32) -> Option<crate::ownership::operation::PollTarget> {
        let mut inner = self.inner.try_borrow_mut().ok()?;
        let slot = inner.table.slots.get(index, generation)?;
        let live = slot.named && matches!(slot.phase, Phase::InFlight | Phase::Orphaned);
        live.then_some(crate::ownership::operation::PollTarget {
            ring: self.ring,
            index,
            generation,
            serial: slot.serial,
            multishot: slot.multishot,
        })
    }

    pub(crate) fn request_cancel(&self, index: u32, generation: u32) {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.request_cancel(index, generation),
            Err(_) => self.deferred.borrow_mut().push(Deferred::Cancel(index, generation)),
        }
    }

    pub(crate) fn orphan(&self, index: u32, generation: u32) {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.orphan(index, generation),
            Err(_) => {
                self.deferred.borrow_mut().push(Deferred::Orphan(index, generation));
                return;
            }
        }
        if self.has_side_work() {
            self.settle_quietly();
        }
    }

    pub(crate) fn forget_ticket(&self, ticket: Option<u64>) {
        let Some(t) = ticket else { return };
        let old = match self.inner.try_borrow_mut() {
            Ok(mut inner) => {
                let old = inner.remove_waiter(t);
                // The departing waiter may have been the one a free credit
                // was meant for: pass the turn on.
                inner.wake_first_waiter();
                old
            }
            // Called from inside the driver: the ticket stays queued, and
            // costs one spurious wake-up when its turn comes.
            Err(_) => return,
        };
        let mut caught = Caught::default();
        caught.run(move || drop(old));
        if let Some(p) = caught.0 {
            self.keep_panic(p);
        }
        self.settle_quietly();
    }

    pub(super) fn park(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.turn(true, timeout)
    }

    /// One turn of the driver: submit, maybe wait, reap, wake. A panic of
    /// foreign code the driver ran (here, or kept from earlier) is re-raised
    /// once everything else ran.
    pub(super) fn turn(&self, wait: bool, timeout: Option<Duration>) -> io::Result<()> {
        self.attend.mark();
        self.run_deferred();
        // A future waiting for a credit keeps its deadline in user space:
        // the park ends by the earliest (no SQE, no credit needed).
        let (wait, timeout) = match self.earliest_user_deadline() {
            Some(at) if wait => match at.checked_duration_since(std::time::Instant::now()) {
                Some(left) if !left.is_zero() => (true, Some(timeout.map_or(left, |t| t.min(left)))),
                _ => (false, timeout),
            },
            _ => (wait, timeout),
        };
        let r = match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.turn(wait, timeout),
            Err(_) => return Err(Error::Reentrant.into()),
        };
        let mut caught = if self.has_side_work() { self.run_side_work() } else { Caught::default() };
        if self.earliest_user_deadline().is_some() {
            self.fire_user_deadlines(&mut caught);
        }
        if caught.0.is_none() {
            caught.0 = self.panicked.take();
        }
        self.raise(caught);
        r
    }
}

/// Runs the side work if a panic leaves a driver call that borrowed the
/// state (an operation's `prepare`): after the borrow is released, so the
/// values the driver took back are dropped with the state not borrowed. Its
/// drop only runs while unwinding (the normal path forgets it), where a
/// second panic would abort, so panics in the side work are kept.
pub(crate) struct Unwinding<'a, K: Kernel>(pub(crate) &'a Shared<K>);

impl<K: Kernel> Drop for Unwinding<'_, K> {
    fn drop(&mut self) {
        self.0.settle_quietly();
    }
}
