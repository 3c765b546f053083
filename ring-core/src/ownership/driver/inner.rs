//! The driver's state behind its `RefCell`: the ring (the only way to the SQ
//! and CQ), the table of operations in flight, the queue of futures waiting
//! for a credit, the cancellations waiting for one, and the lists of foreign
//! code left to run once the borrow is released. The parts that act on it
//! are in the files named for what they do: `admission.rs` (credits and
//! waiters), `submitter.rs` (writing SQEs), `collect.rs` (handing outputs to
//! futures), `cancel.rs`, `chain_start.rs` and `teardown.rs`; here is what
//! they share: one turn of reaping and waiting.

use crate::kernel::Kernel;
use crate::ownership::driver::caught::Payload;
use crate::ownership::driver::held_drive::HeldDrive;
use crate::ownership::driver::table::Table;
use crate::raw::ring::Ring;
use core::task::Waker;
use core::time::Duration;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

/// The driver's state, borrowed by one driver call at a time (see
/// `shared.rs`).
pub(crate) struct Inner<K: Kernel> {
    /// `None` after teardown.
    pub(super) ring: Option<Ring<K>>,
    /// The operations in flight; kept apart from the ring so that
    /// completions can be routed into it while the ring is being read.
    pub(super) table: Table,
    /// Futures waiting for a credit or an entry, in arrival order. A
    /// waiter's waker is `None` until its future has cloned it (outside the
    /// borrow, see `Shared::settle_wait`).
    pub(super) waiters: VecDeque<(u64, Option<Waker>)>,
    pub(super) next_ticket: u64,
    /// Entries whose cancellation waits for a credit.
    pub(super) cancel_backlog: VecDeque<(u32, u32)>,
    /// The drive (a `Drive`, or a `SubmitStrategy` in a `DefaultDrive`):
    /// the crate's own, asked directly, or the caller's, foreign code asked
    /// only through `Inner::ask_*` (`submitter.rs`), which contain its
    /// panics (see [`HeldDrive`]).
    pub(super) strategy: HeldDrive,
    /// The drive panicked once: it is not asked again; everything written
    /// is submitted at once and the driver behaves as `DefaultDrive`.
    pub(super) strategy_failed: bool,
    /// The strategy's panic, caught inside the borrow and re-raised by the
    /// side work once the borrow is released and the claims are recorded.
    pub(super) strategy_panic: Option<Payload>,
    /// The strategy never submits before the driver parks, so it need not
    /// be asked after every SQE.
    pub(super) submit_at_park_only: bool,
    /// The strategy's own answer to `submits_only_at_park`, asked once when
    /// the driver was built (`submit_at_park_only` also depends on
    /// external loops).
    pub(super) strategy_parks_only: bool,
    /// External loops driving this driver
    /// ([`crate::runtime::compat::ExternalLoop`]); while there is one,
    /// every SQE is submitted as it is written.
    pub(super) external: u32,
    /// Wakers to call once the borrow of `Inner` is released (besides the
    /// due ones in `table.wakers`): waiters for a credit.
    pub(super) to_wake: Vec<Waker>,
    /// The table's wakers, taken out at teardown to be woken.
    pub(super) woken_at_teardown: Vec<Rc<Waker>>,
    /// Kept between calls so that waking needs no allocation.
    pub(super) wake_buf: Vec<Rc<Waker>>,
    /// Whether teardown began: no operation starts any more, and the
    /// strategy is not asked (teardown submits everything itself). Not a
    /// promise that the kernel is done with the table: `Shared`'s drop
    /// decides that from the entries' phases.
    pub(super) closed: bool,
    /// Whether the ring is still disabled (`IORING_SETUP_R_DISABLED`, see
    /// [`Ring::is_enabled`](crate::Ring::is_enabled)): the kernel would
    /// consume no SQE, so operations are refused at start with `EBADFD`.
    /// Cached here (and folded into `not_open`) so that `start` tests it
    /// with `closed` in one branch; refreshed after every closure given the
    /// ring, through which a caller may enable it.
    pub(super) disabled: bool,
    /// `closed || disabled`, kept in one field so that `start`'s test of the
    /// common case reads one flag for both (written wherever either changes).
    pub(super) not_open: bool,
    /// Whether the memory of some operation was leaked at teardown.
    pub(super) leaked: bool,
    /// Whether the kernel refused `IORING_REGISTER_SYNC_CANCEL` (older than
    /// 6.0): cancellations then wait for a credit (`cancel.rs`).
    pub(super) no_sync_cancel: bool,
}

impl<K: Kernel> Inner<K> {
    /// Reads the ring's enabled state into `disabled` again, after code that
    /// held the ring mutably (and may have enabled it) returned.
    #[inline]
    pub(super) fn refresh_disabled(&mut self) {
        if let Some(ring) = self.ring.as_ref() {
            self.disabled = !ring.is_enabled();
        }
        self.not_open = self.closed || self.disabled;
    }

    /// Whether `Shared::run_side_work` has anything to do.
    #[inline]
    pub(super) fn has_side_work(&self) -> bool {
        self.table.wakers.any_due()
            || !self.to_wake.is_empty()
            || !self.table.finishers.is_empty()
            || !self.table.retired.is_empty()
            || !self.woken_at_teardown.is_empty()
    }

    /// The part of [`has_side_work`](Self::has_side_work) that starting or
    /// collecting an operation can create: a waker retired (replaced as the
    /// most recent one, or left by the freed entry) and waiters woken for
    /// the room it made. Neither marks a waker due nor queues a finisher:
    /// only reaping does, and every turn that reaps runs the side work
    /// afterwards (a panic in one waker does not keep the others from being
    /// woken: `Shared::run_side_work` catches each). A panic of the drive
    /// kept for the side work (`strategy_panic`) comes with a waker in
    /// `to_wake` (see `Inner::strategy_panicked`), so it is found here too.
    #[inline(always)]
    pub(super) fn has_poll_side_work(&self) -> bool {
        !self.table.retired.is_empty() || !self.to_wake.is_empty()
    }

    #[inline(always)]
    pub(super) fn reap(&mut self) -> u32 {
        let Some(ring) = self.ring.as_mut() else { return 0 };
        let table = &mut self.table;
        let n = ring.cq.for_each(|cqe| table.dispatch(cqe));
        if n > 0 {
            self.flush_cancels();
            self.wake_first_waiter();
        }
        n
    }

    pub(super) fn turn(&mut self, wait: bool, timeout: Option<Duration>) -> io::Result<()> {
        if self.ring.is_none() {
            return Ok(());
        }
        self.table.wakers.release_idle(&mut self.table.retired);
        let mut reaped = self.reap();
        let busy = self.table.slots.in_use() > 0 || self.table.internal > 0;
        // Wait only if nobody is about to be woken: a completion reaped just
        // now must reach its owner before the thread blocks.
        let want = wait && busy && self.to_wake.is_empty() && !self.table.wakers.any_due();
        self.table.stats.enters += 1;
        let r = self.ask_submit(want, timeout);
        match r {
            Ok(_) => {}
            // Interrupted, out of resources, or no room for completions:
            // nothing is lost (entries stay published), reap and go on.
            Err(e) if e.is_transient() => self.table.stats.transient_errors += 1,
            Err(e) => return self.turn_failed(reaped, e),
        }
        reaped += self.reap();
        self.tell_completions(reaped);
        self.wake_first_waiter();
        Ok(())
    }

    /// The end of a turn whose entry into the kernel failed: what arrived
    /// is still reaped and counted, and the error returned.
    #[cold]
    #[inline(never)]
    fn turn_failed(&mut self, reaped: u32, e: crate::error::Error) -> io::Result<()> {
        let reaped = reaped + self.reap();
        self.tell_completions(reaped);
        Err(e.into())
    }
}
