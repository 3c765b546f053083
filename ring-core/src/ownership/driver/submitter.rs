//! The submitter: the only part of the driver that writes SQEs and enters the
//! kernel to submit them. An operation's SQE is built by its `prepare` from
//! the value at its final address in the table and written straight into the
//! ring; a full SQ is made room in by submitting (under SQPOLL, by waiting for
//! the poll thread). A `prepare` that panics leaves nothing behind (see
//! `UndoStart`). When to submit is the strategy's decision.

#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::admission::Start;
use crate::ownership::driver::drive::Enter;
use crate::ownership::driver::held_drive::{enter_default, HeldDrive};
use crate::ownership::driver::hooks::{drop_later, DropLater, Finisher};
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::slot::{self, Slots};
use crate::ownership::driver::storage::Storage;
use crate::ownership::operation::Operation;
use core::task::Context;
use core::time::Duration;
use ring_sys::*;

/// Undoes a start whose operation code panicked before anything was
/// published: takes the value out of its cell (to be dropped outside the
/// borrow) and frees the entry. Forgotten once `prepare` returned, so its
/// drop runs only while unwinding (and costs the common path nothing).
struct UndoStart<'a> {
    /// The table's storage, looked at only here, while unwinding (it exists
    /// until teardown, and a start never runs after that).
    storage: &'a Option<Storage>,
    slots: &'a mut Slots,
    finishers: &'a mut Vec<Finisher>,
    take: DropLater,
    index: u32,
}

impl Drop for UndoStart<'_> {
    #[cold]
    fn drop(&mut self) {
        if let Some(storage) = self.storage {
            // SAFETY: alive only between `put` and a successful `prepare`
            // (then forgotten): the SQE built from the value (if any) was
            // never published, so the kernel holds no pointer into it.
            if let Some(f) = unsafe { (self.take)(storage, self.index as usize) } {
                self.finishers.push(f);
            }
        }
        // The entry never had a waker; nothing to unregister.
        let _ = self.slots.release(self.index);
    }
}

impl<K: Kernel> Inner<K> {
    /// Writes the SQE of the operation at `ptr`, in entry `index` at
    /// `generation`, into the SQ. False, with nothing written and `prepare`
    /// not called, if the SQ is full (or gone).
    #[inline(always)]
    pub(super) fn write_sqe<T: Operation>(&mut self, ptr: *mut T, index: u32, generation: u32) -> bool {
        let Some(ring) = self.ring.as_mut() else { return false };
        let storage = &self.table.storage;
        // `prepare` is the operation's own code. If it panics, nothing was
        // written: the guard takes the value back out of its cell and frees
        // the entry while unwinding, so the entry is not stranded until
        // teardown.
        let undo = UndoStart {
            storage,
            slots: &mut self.table.slots,
            finishers: &mut self.table.finishers,
            take: drop_later::<T>,
            index,
        };
        let user_data = slot::encode(index, generation);
        // SAFETY: the SQE is built by `prepare` from the value at its final address in the table, where it stays until
        // the terminal completion (the Operation contract); `ptr` is that value and nothing else uses it meanwhile.
        let pushed = unsafe {
            ring.sq().push_with(|| {
                let mut sqe = (*ptr).prepare();
                sqe.user_data = user_data;
                sqe
            })
        };
        core::mem::forget(undo);
        pushed.is_ok()
    }

    /// [`write_sqe`](Self::write_sqe) once more after submitting to make
    /// room in a full SQ (the value stays in its cell meanwhile: nothing
    /// built from it was published).
    #[cold]
    #[inline(never)]
    pub(super) fn write_sqe_after_making_room<T: Operation>(
        &mut self,
        ptr: *mut T,
        index: u32,
        generation: u32,
    ) -> bool {
        self.ask_ready_sq(1) && self.make_sq_room() && self.write_sqe(ptr, index, generation)
    }

    /// Submits (and, under SQPOLL, waits for the poll thread) until the SQ
    /// has room for one entry; false if it still has none.
    #[cold]
    #[inline(never)]
    pub(super) fn make_sq_room(&mut self) -> bool {
        let Some(ring) = self.ring.as_mut() else { return false };
        for _ in 0..3 {
            self.table.stats.enters += 1;
            match ring.sq_wait() {
                Ok(_) => {}
                Err(e) if e.is_transient() => self.table.stats.transient_errors += 1,
                Err(_) => return false,
            }
            if ring.sq().space_for(1) {
                return true;
            }
        }
        false
    }

    /// `start` for an operation that needs a 128-byte entry.
    #[cold]
    #[inline(never)]
    pub(super) fn start_wide<T: Operation>(&mut self, op: T, need: u32, cx: &mut Context<'_>) -> Start<T> {
        let modes = self.ring.as_ref().map_or(0, |r| r.params.flags) & (IORING_SETUP_SQE128 | IORING_SETUP_SQE_MIXED);
        if modes == 0 {
            // The ring cannot carry it: it never reaches the kernel.
            return Start::Refused(op, libc::EINVAL);
        }
        let Some((index, generation)) = self.table.slots.alloc(need, T::MULTISHOT, T::NAMEABLE) else {
            unreachable!("a free entry exists (checked by the caller)")
        };
        let storage = self.table.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the entry was free, so its cell is empty and unused; the
        // table and the storage have the same length.
        let ptr = unsafe { storage.put(index as usize, op) };
        // As in `start`: a panicking `prepare128` leaves nothing behind.
        let mut sqe = {
            let undo = UndoStart {
                storage: &self.table.storage,
                slots: &mut self.table.slots,
                finishers: &mut self.table.finishers,
                take: drop_later::<T>,
                index,
            };
            // SAFETY: `ptr` is the value at its final address; nothing else uses it.
            let sqe = unsafe { (*ptr).prepare128() };
            core::mem::forget(undo);
            sqe
        };
        sqe.sqe.user_data = slot::encode(index, generation);
        if self.push128(&sqe).is_err() {
            return self.unstart::<T>(index);
        }
        self.started::<T>(index, generation, need, cx)
    }

    /// As [`push`](Self::push), for a 128-byte entry.
    pub(super) fn push128(&mut self, sqe: &ring_sys::io_uring_sqe128) -> Result<(), Error> {
        // SAFETY: built by an `Operation::prepare128` from a value now at rest in the table; the Operation contract
        // keeps its memory valid until the terminal completion.
        self.push_retrying(|sq| unsafe { sq.push128(sqe) }.is_ok())
    }

    /// Writes an SQE, submitting (and, under SQPOLL, waiting for room) if
    /// the SQ is full. Fails only if there is still no room.
    pub(super) fn push(&mut self, sqe: &io_uring_sqe) -> Result<(), Error> {
        // SAFETY: every SQE the driver pushes was built by an `Operation::prepare` from a value now at rest in the
        // table, or is a cancellation carrying only a user_data; the contract keeps the memory valid until completion.
        self.push_retrying(|sq| unsafe { sq.push(sqe) }.is_ok())
    }

    /// Calls `try_push` until it finds room, making room in between by
    /// submitting (`sq_wait`, which under SQPOLL waits for the poll thread).
    pub(super) fn push_retrying(
        &mut self,
        mut try_push: impl FnMut(&mut crate::raw::squeue::SubmissionQueue) -> bool,
    ) -> Result<(), Error> {
        let ring = self.ring.as_mut().ok_or(Error::NotConfigured("driver is shut down"))?;
        for _ in 0..3 {
            if try_push(ring.sq()) {
                return Ok(());
            }
            self.table.stats.enters += 1;
            match ring.sq_wait() {
                Ok(_) => {}
                Err(e) if e.is_transient() => self.table.stats.transient_errors += 1,
                Err(e) => return Err(e),
            }
        }
        Err(Error::SubmissionQueueFull)
    }

    pub(super) fn maybe_submit(&mut self) {
        let Some(ring) = self.ring.as_ref() else { return };
        let unsubmitted = ring.sq.len();
        if self.external > 0 || self.ask_strategy(unsubmitted) {
            let Some(ring) = self.ring.as_mut() else { return };
            self.table.stats.enters += 1;
            if let Err(e) = ring.submit() {
                // The entries stay published; the next turn submits them.
                if e.is_transient() {
                    self.table.stats.transient_errors += 1;
                }
            }
        }
    }

    /// Asks the strategy whether to submit now. The crate's own strategies
    /// are asked directly (see `HeldDrive`). A caller's strategy is foreign
    /// code run while the state is borrowed, so it is contained like a
    /// waker: every entry it could disturb is already recorded in the
    /// table, a panic is caught and kept in `strategy_panic` (re-raised by
    /// the side work once the borrow is released and the future holds its
    /// claim), and a strategy that panicked is not asked again: everything
    /// is submitted at once. A call back into the driver from it finds the
    /// state borrowed and changes nothing. Teardown never asks it
    /// (`closed`): it runs in destructors, where a panic could abort.
    #[inline]
    fn ask_strategy(&mut self, unsubmitted: u32) -> bool {
        if self.closed || self.strategy_failed {
            return true;
        }
        let strategy = match &mut self.strategy {
            HeldDrive::Own(own) => return own.submit_now(unsubmitted),
            HeldDrive::Foreign(drive) => drive,
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| strategy.submit_now(unsubmitted))) {
            Ok(now) => now,
            Err(p) => self.strategy_panicked(p),
        }
    }

    /// Asks the drive whether to make room in the SQ now for an operation
    /// needing `needed` entries (`Drive::poll_ready_sq`); false if it says
    /// to wait. Contained as [`ask_strategy`](Self::ask_strategy) is: never
    /// asked in teardown or once it panicked (then: make room).
    #[cold]
    #[inline(never)]
    fn ask_ready_sq(&mut self, needed: u32) -> bool {
        if self.closed || self.strategy_failed {
            return true;
        }
        let free = self.ring.as_ref().map_or(0, |r| r.params.sq_entries.saturating_sub(r.sq.len()));
        let drive = match &mut self.strategy {
            // The default drive makes room now.
            HeldDrive::Own(_) => return true,
            HeldDrive::Foreign(drive) => drive,
        };
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.poll_ready_sq(free, needed))) {
            Ok(ready) => ready.is_ready(),
            Err(p) => self.strategy_panicked(p),
        }
    }

    /// One turn's entry into the kernel, as the drive decides
    /// (`Drive::submit`) through an [`Enter`] that can only submit what is
    /// written and wait as asked (`want`, at most `timeout`). If the drive
    /// did not enter the kernel at all, what is written is submitted here
    /// (a drive that entered and met a transient error leaves it for the
    /// next turn, as the default does). Contained as
    /// [`ask_strategy`](Self::ask_strategy) is; never asked in teardown or
    /// once it panicked (then: the default entry). The crate's own drives
    /// are the default entry, made directly.
    #[inline(always)]
    pub(super) fn ask_submit(&mut self, want: bool, timeout: Option<Duration>) -> Result<u32, Error> {
        let Some(ring) = self.ring.as_mut() else { return Ok(0) };
        match &self.strategy {
            HeldDrive::Own(_) => enter_default(ring, want, timeout),
            HeldDrive::Foreign(_) => self.ask_foreign_submit(want, timeout),
        }
    }

    /// [`ask_submit`](Self::ask_submit) for a drive that is foreign code.
    #[inline(never)]
    fn ask_foreign_submit(&mut self, want: bool, timeout: Option<Duration>) -> Result<u32, Error> {
        let Some(ring) = self.ring.as_mut() else { return Ok(0) };
        let HeldDrive::Foreign(drive) = &mut self.strategy else { return enter_default(ring, want, timeout) };
        if self.closed || self.strategy_failed {
            return enter_default(ring, want, timeout);
        }
        let mut enter = Enter::new(ring, want, timeout);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.submit(&mut enter)));
        let entered = enter.entered();
        let r = match r {
            Ok(r) => r.map(|()| 0),
            Err(p) => {
                self.strategy_panicked(p);
                Ok(0)
            }
        };
        if entered {
            return r;
        }
        // Everything written reaches the kernel at each turn, whatever the
        // drive did (under SQPOLL this only publishes, or wakes the thread).
        // `Ring::submit` also enters, for events, a ring whose flags say the
        // kernel holds deferred completions (`IORING_SQ_TASKRUN` under
        // DEFER_TASKRUN) or overflowed ones, even with nothing written: a
        // drive that never enters would otherwise starve every operation
        // on such a ring. With nothing to do it does not enter at all.
        let ring = self.ring.as_mut().expect("checked above");
        if let Err(e) = ring.submit() {
            if !e.is_transient() {
                return Err(e);
            }
            self.table.stats.transient_errors += 1;
        }
        r
    }

    /// Tells the drive that `n` completions were processed in a turn
    /// (`Drive::on_completions`), contained as
    /// [`ask_strategy`](Self::ask_strategy) is.
    #[inline(always)]
    pub(super) fn tell_completions(&mut self, n: u32) {
        // The crate's own drives do nothing with the count.
        let HeldDrive::Foreign(drive) = &mut self.strategy else { return };
        if n == 0 || self.closed || self.strategy_failed {
            return;
        }
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.on_completions(n))) {
            self.strategy_panicked(p);
        }
    }

    #[cold]
    #[inline(never)]
    fn strategy_panicked(&mut self, p: crate::ownership::driver::caught::Payload) -> bool {
        self.strategy_failed = true;
        if self.strategy_panic.is_none() {
            self.strategy_panic = Some(p);
            // The kept panic is side work (raised by it): a waker that does
            // nothing, queued to be woken, says so to the checks for side
            // work, which then look at their lists only (see
            // `Inner::has_poll_side_work`).
            self.to_wake.push(core::task::Waker::noop().clone());
        } else {
            // Dropping a payload is foreign code too: leaked, never dropped here.
            core::mem::forget(p);
        }
        true
    }
}
