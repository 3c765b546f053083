//! The driver: a ring, the table of operations in flight, and the rules
//! that keep every byte the kernel may touch alive until it is done.
//!
//! Invariants (each is checked by the verification crate's models):
//!
//! 1. **Ownership.** An operation's memory is in the table from the moment
//!    its SQE is built until its terminal completion is seen. Nothing else
//!    frees it: not a dropped future (the entry is orphaned and cancelled),
//!    not a forgotten one (the entry simply stays), not teardown (which
//!    waits, then leaks).
//! 2. **Routing.** A completion reaches the entry whose `user_data`
//!    (index and generation) it carries, and only while that generation is
//!    current; anything else is ignored.
//! 3. **Credits.** The operations in flight never need more completion
//!    slots than the CQ has: each takes [`Operation::CQES`] credits when it
//!    starts and returns them at its terminal completion, and the driver's
//!    own cancellations take one each. Operations that find no credit wait
//!    in FIFO order; nothing is queued in user space beyond the waiting
//!    futures themselves.
//! 4. **Exactly one outcome.** Every operation that starts ends either with
//!    its output delivered to its future, or, if the future is gone, with
//!    [`Operation::orphaned`] at its terminal completion.
//!
//! # Teardown policy
//!
//! When the last [`Driver`] handle is dropped, the driver cancels every
//! operation in flight, then submits and reaps until each has its terminal
//! completion or the teardown deadline passes (one second by default, see
//! [`Driver::set_teardown_deadline`]). Operations that completed are freed
//! (or handed to their futures, if those are still polled). If any
//! operation is still in the kernel at the deadline, the whole table's
//! memory is **leaked**, never freed: closing the ring descriptor does not
//! retire requests in flight (the kernel may finish them later), so freeing
//! would let the kernel write into memory Rust has reused. The leak is
//! reported by [`TeardownReport`].

mod chain;
pub(crate) mod slot;
mod storage;
pub mod strategy;
mod wakers;

use crate::cqueue::Cqe;
use crate::error::Error;
use crate::kernel::{Kernel, Linux};
use crate::op::{Multishot, Op, Operation, StreamPoll, Streaming};
use crate::ring::{Ring, RingId};
pub use chain::{Chain, ChainRefused, Link, StartChain, Started};
use core::cell::{Cell, RefCell};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use ring_sys::*;
use slot::{Phase, Slots, INTERNAL, WAKE};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Instant;
use storage::Storage;
pub use strategy::{Batch, Immediate, SqPoll, SubmitStrategy};
use wakers::{Wakers, NO_WAKER};

pub use slot::WAKE as WAKE_USER_DATA;

/// What happened at teardown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeardownReport {
    /// Operations in flight when teardown began.
    pub in_flight: u32,
    /// Operations still in the kernel at the deadline (their memory was leaked).
    pub leaked: u32,
    /// How long teardown waited.
    pub waited: Duration,
}

/// Counters for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Operations started.
    pub started: u64,
    /// Terminal completions delivered to a live future.
    pub completed: u64,
    /// Terminal completions of orphaned operations.
    pub orphans_reaped: u64,
    /// Completions ignored as stale (generation mismatch).
    pub stale: u64,
    /// Cancellations submitted.
    pub cancels: u64,
    /// Times an operation had to wait for a credit.
    pub waited_for_credit: u64,
    /// `io_uring_enter` calls made by the driver.
    pub enters: u64,
    /// Transient enter errors (EINTR, EAGAIN, EBUSY) retried.
    pub transient_errors: u64,
}

/// Work to run once the driver's state is no longer borrowed: an orphaned
/// operation's `Operation::orphaned`, which drops values whose destructors
/// may call back into the driver (a buffer pool recycling, a future).
pub(super) type Finisher = Box<dyn FnOnce()>;

/// Takes an orphaned operation's value out of its cell and packages
/// `T::orphaned` to run later (monomorphised per operation type and kept in
/// the entry, since the table is type-erased).
pub(super) type OrphanHook = unsafe fn(&Storage, usize, Cqe, Cqe) -> Option<Finisher>;

/// # Safety
///
/// Cell `index` must hold a `T` whose operation has ended.
unsafe fn orphan_hook<T: Operation>(storage: &Storage, index: usize, result: Cqe, last: Cqe) -> Option<Finisher> {
    // SAFETY: per the contract, the kernel is done with the value.
    let op = unsafe { storage.take::<T>(index) }?;
    Some(Box::new(move || op.orphaned(result, last)))
}

/// Hands one completion of an orphaned multishot operation to
/// `T::orphaned_cqe` (monomorphised per operation type, like [`OrphanHook`]).
pub(super) type CqeHook = unsafe fn(&Storage, usize, Cqe);

/// # Safety
///
/// Cell `index` must hold a live `T` that nothing else references during
/// the call.
unsafe fn cqe_hook<T: Operation>(storage: &Storage, index: usize, cqe: Cqe) {
    // SAFETY: per the contract, the cell holds a `T` nobody else uses now.
    if let Some(op) = unsafe { storage.get::<T>(index) } {
        // SAFETY: `op` points at the live value in its cell.
        unsafe { (*op).orphaned_cqe(cqe) };
    }
}

/// Undoes a start whose operation code panicked before anything was
/// published: drops the value in its cell and frees the entry.
struct UndoStart<'a> {
    storage: &'a Storage,
    slots: &'a mut Slots,
    index: u32,
    armed: bool,
}

impl Drop for UndoStart<'_> {
    fn drop(&mut self) {
        if self.armed {
            // SAFETY: armed only between `put` and a successful `prepare`:
            // the SQE built from the value (if any) was never published, so
            // the kernel holds no pointer into it.
            unsafe { self.storage.clear(self.index as usize) };
            // The entry never had a waker; nothing to unregister.
            let _ = self.slots.release(self.index);
        }
    }
}

/// Undoes the start of a chain whose members' values are in their cells
/// when a member's `prepare` panics: nothing was published, so every value
/// is dropped and every entry freed.
struct UndoChain<'a> {
    storage: &'a Storage,
    slots: &'a mut Slots,
    entries: &'a [(u32, u32)],
    armed: bool,
}

impl Drop for UndoChain<'_> {
    fn drop(&mut self) {
        if self.armed {
            for &(index, _) in self.entries {
                // SAFETY: armed only until every SQE of the chain is built,
                // before any is published: the kernel holds no pointer into
                // any of the values.
                unsafe { self.storage.clear(index as usize) };
                self.slots.at(index).orphan_hook = None;
                // No member had a waker yet; nothing to unregister.
                let _ = self.slots.release(index);
            }
        }
    }
}

pub(crate) struct Inner<K: Kernel> {
    /// `None` after teardown.
    ring: Option<Ring<K>>,
    /// The operations in flight; kept apart from the ring so that
    /// completions can be routed into it while the ring is being read.
    t: Table,
    /// Futures waiting for a credit or an entry, in arrival order.
    waiters: VecDeque<(u64, Waker)>,
    next_ticket: u64,
    /// Entries whose cancellation waits for a credit.
    cancel_backlog: VecDeque<(u32, u32)>,
    strategy: Box<dyn SubmitStrategy>,
    /// The strategy never submits before the driver parks, so it need not
    /// be asked after every SQE.
    submit_at_park_only: bool,
    /// Wakers to call once the borrow of `Inner` is released (besides the
    /// due ones in `t.wakers`): waiters for a credit, and everyone at teardown.
    to_wake: Vec<Waker>,
    /// Kept between calls so that waking needs no allocation.
    wake_buf: Vec<Waker>,
    /// Whether teardown ran.
    closed: bool,
    /// Whether the memory of some operation was leaked at teardown.
    leaked: bool,
    deadline: Duration,
}

/// The table of operations in flight and everything a completion updates.
struct Table {
    /// The entries, each with its operation's hooks (see [`OrphanHook`]).
    slots: Slots,
    /// `None` once leaked at teardown.
    storage: Option<Storage>,
    /// Free CQ credits.
    credits: u32,
    /// The driver's own requests in the kernel (each holds one credit).
    internal: u32,
    /// The distinct wakers of the operations in flight.
    wakers: Wakers,
    /// Orphans' `orphaned` calls, run outside the borrow.
    finishers: Vec<Finisher>,
    /// Wakers replaced or left behind by released entries, dropped outside
    /// the borrow (a foreign waker's destructor may call into the driver).
    retired: Vec<Waker>,
    stats: Stats,
}

/// What happened when an operation tried to start.
pub(crate) enum Start<T> {
    /// It is in the kernel, under this `user_data` (its entry's index and
    /// generation, [`slot::encode`]d). One 64-bit word rather than two
    /// 32-bit ones: the result may pass through the stack, and a 64-bit
    /// load of two 32-bit stores cannot be forwarded from the store buffer
    /// (a stall of about a dozen cycles on every start).
    Started(u64),
    /// No credit or entry yet; it waits with this ticket.
    Wait(T, u64),
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

/// The state shared by the driver handles and the operation futures.
pub(crate) struct Shared<K: Kernel> {
    inner: RefCell<Inner<K>>,
    /// Orphans that arrived while `inner` was borrowed.
    deferred: RefCell<Vec<(u32, u32)>>,
    /// Live [`Driver`] handles; teardown runs when the last one goes.
    handles: Cell<usize>,
    last_teardown: Cell<Option<TeardownReport>>,
    /// The driver's ring, which every resource an operation names must
    /// belong to (see [`Operation::refuse`]).
    pub(crate) ring: RingId,
    /// The allocation range of the [`crate::fixed_files::FixedFiles`]
    /// table registered with the ring, if one is: its slots belong to
    /// direct descriptors, and `files_update` may not replace them.
    pub(crate) reserved_files: Rc<Cell<Option<(u32, u32)>>>,
}

/// The safe io_uring driver. Cheap to clone (a reference-counted handle);
/// single-threaded (see [`crate::handle`] for other threads). It is not
/// `Send`: its ring's registered index names the ring only in the table of
/// the thread that registered it.
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// send(ring_core::Driver::new(4).unwrap());
/// ```
pub struct Driver<K: Kernel = Linux> {
    pub(crate) shared: Rc<Shared<K>>,
}

impl<K: Kernel> Clone for Driver<K> {
    fn clone(&self) -> Self {
        self.shared.handles.set(self.shared.handles.get() + 1);
        Driver { shared: self.shared.clone() }
    }
}

impl Driver<Linux> {
    /// A driver on a new ring of `entries` entries with default settings
    /// and the [`Batch`] strategy.
    pub fn new(entries: u32) -> io::Result<Self> {
        Ok(Driver::with_ring(crate::Builder::new(entries).build()?, Batch::default()))
    }
}

impl<K: Kernel> Driver<K> {
    /// A driver on `ring`, submitting as `strategy` decides.
    ///
    /// Completions already waiting in the ring are discarded: they cannot
    /// belong to the driver's operations, and one whose `user_data` happened
    /// to match an entry could otherwise complete it early. Requests pushed
    /// into the ring before (with the raw layer's `unsafe` push) must have
    /// completed by now; that is part of the push's contract (the memory
    /// they use must stay valid until their completion, which this driver
    /// will never report).
    pub fn with_ring(mut ring: Ring<K>, strategy: impl SubmitStrategy + 'static) -> Self {
        while ring.cq.pop().is_some() {}
        let cq = ring.params.cq_entries.max(1);
        let id = ring.id;
        let inner = Inner {
            t: Table {
                slots: Slots::new(cq),
                storage: Some(Storage::new(cq as usize)),
                credits: cq,
                internal: 0,
                wakers: Wakers::new(),
                finishers: Vec::new(),
                retired: Vec::new(),
                stats: Stats::default(),
            },
            waiters: VecDeque::new(),
            next_ticket: 0,
            cancel_backlog: VecDeque::new(),
            submit_at_park_only: strategy.submits_only_at_park(),
            strategy: Box::new(strategy),
            to_wake: Vec::new(),
            wake_buf: Vec::new(),
            closed: false,
            leaked: false,
            deadline: Duration::from_secs(1),
            ring: Some(ring),
        };
        Driver {
            shared: Rc::new(Shared {
                inner: RefCell::new(inner),
                deferred: RefCell::new(Vec::new()),
                handles: Cell::new(1),
                last_teardown: Cell::new(None),
                ring: id,
                reserved_files: Rc::new(Cell::new(None)),
            }),
        }
    }

    /// Starts `op` as a future. The operation is submitted on first poll.
    pub fn op<T: Operation>(&self, op: T) -> Op<T, K> {
        Op::new(self, op)
    }

    /// Submits any SQE together with the value that keeps its memory alive,
    /// as a future of the completion and the value.
    ///
    /// `build` is called with the value at its final address in the
    /// driver's table and returns the SQE (its `user_data` is replaced).
    ///
    /// # Safety
    ///
    /// The SQE must make the kernel touch only memory that `owned` owns
    /// (inline, or through heap pointers it owns) or `'static` memory, and
    /// for writes only memory nothing else can reach while the operation is
    /// in flight; it must not post more than one completion without
    /// `IORING_CQE_F_MORE` (the driver frees `owned` at the first
    /// completion without it). For example, a read into a `Vec<u8>` held by
    /// `owned`, with `addr` from `owned.as_mut_ptr()` inside `build`, is
    /// sound; a read into a stack array, or into a `Vec` the caller keeps a
    /// clone of the pointer to and reads concurrently, is not. File
    /// descriptors are looked up by the kernel when it issues the request;
    /// one closed and reused meanwhile names another file (not memory
    /// unsafety, but a logic error).
    pub unsafe fn submit_raw<T: 'static, F>(&self, owned: T, build: F) -> Op<RawOp<T, F>, K>
    where
        F: FnMut(&mut T) -> io_uring_sqe + 'static,
    {
        Op::new(self, RawOp { owned, build })
    }

    /// Submits what is written, waits until at least one completion
    /// arrives (or `timeout` passes), and dispatches every completion.
    /// Returns immediately if nothing is in flight.
    pub fn park(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.shared.park(timeout)
    }

    /// Submits what is written and dispatches completions that are ready,
    /// without blocking.
    pub fn poll(&self) -> io::Result<()> {
        self.shared.turn(false, None)
    }

    /// Creates an eventfd and registers it with the ring
    /// (`IORING_REGISTER_EVENTFD`, 5.2), so that an external event loop
    /// (epoll, or tokio's `AsyncFd`) can tell when completions arrive: wait
    /// for the descriptor to become readable, read it to reset it, then call
    /// [`poll`](Self::poll), which dispatches the completions and wakes the
    /// operations' wakers (whatever executor they belong to).
    ///
    /// With the default [`Batch`] strategy an operation polled by a foreign
    /// executor is written to the SQ but reaches the kernel only at the next
    /// [`poll`](Self::poll) or [`park`](Self::park); an external loop should
    /// call `poll` before it waits, or build the driver with [`Immediate`].
    pub fn register_eventfd(&self) -> io::Result<std::os::fd::OwnedFd> {
        use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
        // SAFETY: eventfd has no memory effects; a negative result is an error.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor we own.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let as_int: i32 = fd.as_raw_fd();
        let r = self.ring_mut(|ring| {
            // SAFETY: REGISTER_EVENTFD reads one int during the call; the
            // kernel takes its own reference to the eventfd.
            unsafe { ring.register_raw(IORING_REGISTER_EVENTFD, (&raw const as_int).cast(), 1) }
        });
        match r {
            Some(Ok(_)) => Ok(fd),
            Some(Err(e)) => Err(e.into()),
            None => Err(io::Error::from_raw_os_error(libc::ECANCELED)),
        }
    }

    /// The identity of the driver's ring. Every resource registered
    /// through this driver records it, and the driver refuses resources
    /// that record another (see [`Operation::refuse`]).
    pub fn ring_id(&self) -> RingId {
        self.shared.ring
    }

    /// Operations in flight (including orphans still in the kernel).
    pub fn in_flight(&self) -> u32 {
        self.shared.inner.borrow().t.slots.in_use()
    }

    /// Counters.
    pub fn stats(&self) -> Stats {
        self.shared.inner.borrow().t.stats
    }

    /// Free CQ credits.
    pub fn credits(&self) -> u32 {
        self.shared.inner.borrow().t.credits
    }

    /// How long teardown waits for operations in flight before leaking them.
    pub fn set_teardown_deadline(&self, d: Duration) {
        self.shared.inner.borrow_mut().deadline = d;
    }

    /// Runs `f` with the driver's ring, for registration and probing the
    /// safe API does not cover. Returns `None` after teardown.
    ///
    /// # Safety
    ///
    /// The driver owns the ring's queues and the `user_data` numbering of
    /// its completions; memory safety rests on both. `f` must not push or
    /// roll back SQEs, reap or post completions (including
    /// `send_msg_ring_sync` or any `MSG_RING` towards this ring, which could
    /// forge an operation's completion and hand back a buffer the kernel is
    /// still using), swap or replace the ring, resize it, or unregister
    /// resources that the driver's safe types (`BufferPool`, `FixedBuffers`,
    /// `FixedFiles`) registered. Probing, reading parameters and registering
    /// new, independent resources are fine.
    pub unsafe fn with_ring_mut<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Option<R> {
        self.ring_mut(f)
    }

    /// [`with_ring_mut`](Self::with_ring_mut) for ring-core's own modules,
    /// each of which keeps the contract stated there.
    pub(crate) fn ring_mut<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Option<R> {
        let mut inner = self.shared.inner.borrow_mut();
        inner.ring.as_mut().map(f)
    }

    /// Whether the kernel reported `feature` (an `IORING_FEAT_*` bit);
    /// false after teardown.
    pub fn has_feature(&self, feature: u32) -> bool {
        self.ring_mut(|r| r.has_feature(feature)).unwrap_or(false)
    }

    /// The setup flags the driver's ring runs with; `None` after teardown.
    pub fn setup_flags(&self) -> Option<u32> {
        self.ring_mut(|r| r.setup_flags())
    }

    /// The report of the last teardown of this driver's state, if one ran
    /// (available from any handle or future that outlived it).
    pub fn teardown_report(&self) -> Option<TeardownReport> {
        self.shared.last_teardown.get()
    }

    /// Tears the driver down now (as dropping the last handle would) and
    /// reports what happened. Further operations fail with ECANCELED.
    pub fn shutdown(&self) -> TeardownReport {
        self.shared.teardown()
    }
}

impl<K: Kernel> Drop for Driver<K> {
    fn drop(&mut self) {
        let n = self.shared.handles.get() - 1;
        self.shared.handles.set(n);
        if n == 0 {
            self.shared.teardown();
        }
    }
}

/// An operation submitted with [`Driver::submit_raw`].
pub struct RawOp<T, F> {
    owned: T,
    build: F,
}

// SAFETY: the contract of `Driver::submit_raw`, which the caller accepted,
// is this trait's contract.
unsafe impl<T: 'static, F: FnMut(&mut T) -> io_uring_sqe + 'static> Operation for RawOp<T, F> {
    type Output = (Cqe, T);

    fn prepare(&mut self) -> io_uring_sqe {
        (self.build)(&mut self.owned)
    }

    fn complete(self, result: Cqe, _last: Cqe) -> (Cqe, T) {
        (result, self.owned)
    }
}

impl<K: Kernel> Shared<K> {
    /// Runs `f` with the ring unless the driver's state is borrowed (the
    /// caller is a destructor running inside a driver call) or the driver
    /// is shut down; then returns `None` without calling `f`. For
    /// destructors that release a registration (a buffer pool's last
    /// holder) and leak instead when they cannot.
    pub(crate) fn try_with_ring_mut<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Option<R> {
        let mut inner = self.inner.try_borrow_mut().ok()?;
        inner.ring.as_mut().map(f)
    }

    /// Wakes every due waker and everything collected in `to_wake`, and
    /// runs the orphans' finishers, outside the borrow: wakers and
    /// destructors are foreign code that may call back into the driver.
    #[inline]
    fn wake_collected(&self) {
        if self.inner.borrow().has_side_work() {
            self.wake_collected_slow();
        }
    }

    #[inline(never)]
    fn wake_collected_slow(&self) {
        let (finishers, mut retired, mut wake) = {
            let mut inner = self.inner.borrow_mut();
            let inner = &mut *inner;
            let mut wake = core::mem::take(&mut inner.wake_buf);
            // Clones of the due wakers (one per distinct waker, however
            // many of its operations completed), then the others.
            inner.t.wakers.take_due(&mut wake);
            wake.append(&mut inner.to_wake);
            let finishers =
                if inner.t.finishers.is_empty() { Vec::new() } else { core::mem::take(&mut inner.t.finishers) };
            (finishers, core::mem::take(&mut inner.t.retired), wake)
        };
        for f in finishers {
            f();
        }
        // Dropped here, outside the borrow.
        retired.clear();
        for w in wake.drain(..) {
            w.wake();
        }
        // The emptied vectors go back so that their capacity is reused (no
        // allocation in steady state), unless a callback above refilled the
        // driver's own meanwhile.
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if inner.t.retired.is_empty() {
                inner.t.retired = retired;
            }
            if inner.wake_buf.capacity() == 0 {
                inner.wake_buf = wake;
            }
        }
    }

    /// Orphans deferred while `inner` was borrowed.
    fn run_deferred(&self) {
        let pending = core::mem::take(&mut *self.deferred.borrow_mut());
        if !pending.is_empty() {
            let mut inner = self.inner.borrow_mut();
            for (i, g) in pending {
                inner.orphan(i, g);
            }
        }
    }

    #[inline]
    pub(crate) fn start<T: Operation>(&self, op: T, ticket: Option<u64>, cx: &mut Context<'_>) -> Start<T> {
        // A constant `None` for operations that name no ring-bound
        // resource; one comparison of ring ids for those that do.
        if let Some(errno) = op.refuse(self.ring) {
            return self.refuse_start(op, ticket, errno);
        }
        let r = {
            let mut inner = self.inner.borrow_mut();
            let r = inner.start(op, ticket, cx);
            if !inner.has_poll_side_work() {
                // The common case returns straight away, so that the result
                // need not be kept across the call below.
                return r;
            }
            r
        };
        self.wake_collected_slow();
        r
    }

    #[inline]
    pub(crate) fn poll_complete<T: Operation>(
        &self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> Poll<(T::Output, bool)> {
        let (r, side_work) = {
            let mut inner = self.inner.borrow_mut();
            let r = inner.poll_complete::<T>(index, generation, cx);
            (r, inner.has_poll_side_work())
        };
        if side_work {
            self.wake_collected_slow();
        }
        match r {
            // Outside the borrow: `complete` is the operation's code.
            Poll::Ready((op, result, last, cancelled)) => Poll::Ready((op.complete(result, last), cancelled)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// An operation that refused this driver's ring: it never reaches the
    /// kernel, and gives up its place in the queue if it had one.
    #[cold]
    #[inline(never)]
    fn refuse_start<T: Operation>(&self, op: T, ticket: Option<u64>, errno: i32) -> Start<T> {
        self.forget_ticket(ticket);
        Start::Refused(op, errno)
    }

    pub(crate) fn request_cancel(&self, index: u32, generation: u32) {
        self.inner.borrow_mut().request_cancel(index, generation);
    }

    pub(crate) fn poll_stream<T: Multishot>(
        &self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> StreamPoll<T::Item, T> {
        let r = self.inner.borrow_mut().poll_stream::<T>(index, generation, cx);
        if !matches!(r, StreamPoll::Pending | StreamPoll::Item(_)) {
            self.wake_collected();
        }
        r
    }

    pub(crate) fn orphan(&self, index: u32, generation: u32) {
        let done = match self.inner.try_borrow_mut() {
            Ok(mut inner) => {
                inner.orphan(index, generation);
                true
            }
            Err(_) => {
                self.deferred.borrow_mut().push((index, generation));
                false
            }
        };
        if done {
            self.wake_collected();
        }
    }

    pub(crate) fn forget_ticket(&self, ticket: Option<u64>) {
        let Some(t) = ticket else { return };
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            inner.waiters.retain(|(x, _)| *x != t);
            // The departing waiter may have been the one a free credit was
            // meant for: pass the turn on.
            inner.wake_first_waiter();
        }
        self.wake_collected_try();
    }

    fn wake_collected_try(&self) {
        if self.inner.try_borrow_mut().is_ok() {
            self.wake_collected();
        }
    }

    fn park(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.turn(true, timeout)
    }

    /// One turn of the driver: submit, maybe wait, reap, wake.
    fn turn(&self, wait: bool, timeout: Option<Duration>) -> io::Result<()> {
        self.run_deferred();
        let r = self.inner.borrow_mut().turn(wait, timeout);
        self.wake_collected();
        r
    }

    pub(crate) fn teardown(&self) -> TeardownReport {
        self.run_deferred();
        let report = self.inner.borrow_mut().teardown();
        self.last_teardown.set(Some(report));
        self.wake_collected();
        report
    }
}

impl<K: Kernel> Drop for Shared<K> {
    fn drop(&mut self) {
        let inner = self.inner.get_mut();
        if !inner.closed {
            inner.teardown();
        }
        // Nothing borrows the state any more: the orphans' finishers (and
        // their destructors) can run here directly.
        for f in core::mem::take(&mut inner.t.finishers) {
            f();
        }
        if let Some(storage) = inner.t.storage.take() {
            if inner.leaked {
                storage.leak();
            } else {
                // SAFETY: teardown saw every operation's terminal
                // completion (otherwise `leaked` would be set), so the
                // kernel uses none of the values any more.
                unsafe { storage.free() };
            }
        }
    }
}

impl Table {
    /// Returns entry `index` to the free list and unregisters its waker.
    #[inline(always)]
    fn free_entry(&mut self, index: u32) {
        let w = self.slots.release(index);
        if let Some(w) = self.wakers.unregister(w) {
            self.retired.push(w);
        }
    }

    /// Hands a completion of an orphaned multishot operation to the
    /// operation (see [`Operation::orphaned_cqe`]).
    fn run_cqe_hook(&mut self, index: u32, cqe: Cqe) {
        if let (Some(hook), Some(storage)) = (self.slots.at(index).cqe_hook, self.storage.as_ref()) {
            // SAFETY: the entry is live (its terminal completion is being handled or has not been taken out yet), the
            // hook was stored for the type in this cell, and its owner is gone, so nothing else references the value
            // during the call.
            unsafe { hook(storage, index as usize, cqe) };
        }
    }

    fn run_orphan_hook(&mut self, index: u32, result: Cqe, last: Cqe) {
        if let (Some(hook), Some(storage)) = (self.slots.at(index).orphan_hook.take(), self.storage.as_ref()) {
            // SAFETY: the operation ended (terminal completion seen), and the
            // hook was stored for the type in this cell.
            if let Some(f) = unsafe { hook(storage, index as usize, result, last) } {
                self.finishers.push(f);
            }
        }
    }

    /// Routes one completion.
    #[inline(always)]
    fn dispatch(&mut self, cqe: Cqe) {
        // The common case inline: the single completion of an operation
        // whose owner is waiting for it. Everything else (the driver's own
        // requests, stale completions, streams, zero-copy sends, orphans) is
        // routed by `dispatch_other`.
        // The driver's own tags (index `u32::MAX`) name no entry, so the
        // lookup sends them to `dispatch_other` too.
        if !cqe.more() {
            if let Some((_, slot)) = self.slots.lookup(cqe.user_data) {
                if !slot.multishot && slot.phase == Phase::InFlight && !slot.has_result {
                    // The only completion: it is both the result and the
                    // last (`result` stays unset; readers fall back to `last`).
                    // Stored field by field, from the registers the entry
                    // was read into: a whole-struct copy goes through the
                    // stack, where a 16-byte load of two 8-byte stores
                    // cannot be forwarded and stalls every completion.
                    slot.last.user_data = cqe.user_data;
                    slot.last.res = cqe.res;
                    slot.last.flags = cqe.flags;
                    slot.last.big = cqe.big;
                    self.credits += core::mem::take(&mut slot.credits);
                    slot.phase = Phase::Done;
                    // The owner keeps its waker registered until it collects
                    // the output (or drops the future).
                    self.wakers.mark_due(slot.waker);
                    return;
                }
            }
        }
        self.dispatch_other(cqe);
    }

    /// Routes a completion that is not the plain case of [`dispatch`](Self::dispatch).
    #[cold]
    #[inline(never)]
    fn dispatch_other(&mut self, cqe: Cqe) {
        match cqe.user_data {
            INTERNAL => {
                self.internal = self.internal.saturating_sub(1);
                self.credits += 1;
                return;
            }
            WAKE => return,
            _ => {}
        }
        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {
            self.stats.stale += 1;
            return;
        };
        let terminal = !cqe.more();
        if slot.multishot {
            if slot.phase == Phase::Orphaned {
                // An orphaned stream's items have nobody to go to; the
                // operation sees them (to recycle a provided buffer).
                if let (Some(hook), Some(storage)) = (slot.cqe_hook, self.storage.as_ref()) {
                    // SAFETY: as in `run_cqe_hook`: a live entry of this
                    // type whose owner is gone.
                    unsafe { hook(storage, index as usize, cqe) };
                }
            } else {
                slot.stream.get_or_insert_with(Box::default).push_back(cqe);
            }
        } else if !slot.has_result {
            slot.result = cqe;
            slot.has_result = true;
        }
        if !terminal {
            if slot.multishot && slot.phase == Phase::InFlight {
                self.wakers.mark_due(slot.waker);
            }
            return;
        }
        slot.last = cqe;
        self.credits += core::mem::take(&mut slot.credits);
        match slot.phase {
            Phase::InFlight => {
                slot.phase = Phase::Done;
                // The owner keeps its waker registered until it collects the
                // output (or drops the future).
                self.wakers.mark_due(slot.waker);
            }
            Phase::Orphaned => {
                let result = if slot.has_result { slot.result } else { cqe };
                self.run_orphan_hook(index, result, cqe);
                self.free_entry(index);
                self.stats.orphans_reaped += 1;
            }
            Phase::Done | Phase::Free => {}
        }
    }
}

impl<K: Kernel> Inner<K> {
    /// Whether `Shared::wake_collected` has anything to do.
    #[inline]
    fn has_side_work(&self) -> bool {
        self.t.wakers.any_due()
            || !self.to_wake.is_empty()
            || !self.t.finishers.is_empty()
            || !self.t.retired.is_empty()
    }

    /// The part of [`has_side_work`](Self::has_side_work) that starting or
    /// collecting an operation can create: a waker retired (replaced as the
    /// most recent one, or left by the freed entry) and waiters woken for
    /// the room it made. Neither marks a waker due nor queues a finisher:
    /// only reaping does, and every turn that reaps calls
    /// `wake_collected` afterwards (a waker left due by a panic there is
    /// woken at the next turn, which does not block while one is due).
    #[inline(always)]
    fn has_poll_side_work(&self) -> bool {
        !self.t.retired.is_empty() || !self.to_wake.is_empty()
    }

    #[inline]
    fn start<T: Operation>(&mut self, op: T, ticket: Option<u64>, cx: &mut Context<'_>) -> Start<T> {
        let need = T::CQES.max(1);
        // The common case in one test: open, nobody queued, a credit and an
        // entry free, and this is not a returning waiter.
        let room = self.t.credits >= need && self.t.slots.in_use() < self.t.slots.len();
        if self.closed || ticket.is_some() || !self.waiters.is_empty() || !room {
            if let Some(refused) = self.start_contended(ticket, need, cx) {
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
        let Some(storage) = self.t.storage.as_ref() else {
            // Not reached: the storage exists until teardown, which sets `closed`.
            return Start::Closed(op);
        };
        let Some((index, generation)) = self.t.slots.alloc(need, T::MULTISHOT) else {
            unreachable!("a free entry exists (checked above)")
        };
        // SAFETY: the entry was free, so its cell is empty and unused; the
        // table and the storage have the same length.
        let ptr = unsafe { storage.put(index as usize, op) };
        if !self.write_sqe(ptr, index, generation) && !self.write_sqe_after_making_room(ptr, index, generation) {
            return self.unstart::<T>(index, cx);
        }
        self.started::<T>(index, generation, need, cx)
    }

    /// Writes the SQE of the operation at `ptr`, in entry `index` at
    /// `generation`, into the SQ. False, with nothing written and `prepare`
    /// not called, if the SQ is full (or gone).
    #[inline(always)]
    fn write_sqe<T: Operation>(&mut self, ptr: *mut T, index: u32, generation: u32) -> bool {
        let (Some(ring), Some(storage)) = (self.ring.as_mut(), self.t.storage.as_ref()) else { return false };
        // `prepare` is the operation's own code. If it panics, nothing was
        // written: the guard takes the value back out of its cell and frees
        // the entry while unwinding, so the entry is not stranded until
        // teardown.
        let mut undo = UndoStart { storage, slots: &mut self.t.slots, index, armed: true };
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
        undo.armed = false;
        pushed.is_ok()
    }

    /// [`write_sqe`](Self::write_sqe) once more after submitting to make
    /// room in a full SQ (the value stays in its cell meanwhile: nothing
    /// built from it was published).
    #[cold]
    #[inline(never)]
    fn write_sqe_after_making_room<T: Operation>(&mut self, ptr: *mut T, index: u32, generation: u32) -> bool {
        self.make_sq_room() && self.write_sqe(ptr, index, generation)
    }

    /// The bookkeeping of an operation whose SQE is written: settled before
    /// any foreign code runs (a waker clone), so that a waker whose clone
    /// panics leaves the table consistent (credits taken, hooks set).
    #[inline]
    fn started<T: Operation>(&mut self, index: u32, generation: u32, need: u32, cx: &mut Context<'_>) -> Start<T> {
        self.t.credits -= need;
        self.t.stats.started += 1;
        let slot = self.t.slots.at(index);
        // The hooks of an entry are only ever called while it holds the
        // operation they were stored for (and they check the stored type), so
        // a finished operation's hooks are simply overwritten by the next.
        slot.orphan_hook = Some(orphan_hook::<T>);
        slot.cqe_hook = if T::MULTISHOT { Some(cqe_hook::<T>) } else { None };
        slot.waker = self.t.wakers.register(cx.waker(), &mut self.t.retired);
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        // Another waiter may fit in the remaining credits.
        self.wake_first_waiter();
        Start::Started(slot::encode(index, generation))
    }

    /// Submits (and, under SQPOLL, waits for the poll thread) until the SQ
    /// has room for one entry; false if it still has none.
    #[cold]
    #[inline(never)]
    fn make_sq_room(&mut self) -> bool {
        let Some(ring) = self.ring.as_mut() else { return false };
        for _ in 0..3 {
            self.t.stats.enters += 1;
            match ring.sq_wait() {
                Ok(_) => {}
                Err(e) if e.is_transient() => self.t.stats.transient_errors += 1,
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
    fn start_wide<T: Operation>(&mut self, op: T, need: u32, cx: &mut Context<'_>) -> Start<T> {
        let modes = self.ring.as_ref().map_or(0, |r| r.params.flags) & (IORING_SETUP_SQE128 | IORING_SETUP_SQE_MIXED);
        if modes == 0 {
            // The ring cannot carry it: it never reaches the kernel.
            return Start::Refused(op, libc::EINVAL);
        }
        let Some((index, generation)) = self.t.slots.alloc(need, T::MULTISHOT) else {
            unreachable!("a free entry exists (checked by the caller)")
        };
        let storage = self.t.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the entry was free, so its cell is empty and unused; the
        // table and the storage have the same length.
        let ptr = unsafe { storage.put(index as usize, op) };
        // As in `start`: a panicking `prepare128` leaves nothing behind.
        let mut sqe = {
            let mut undo = UndoStart { storage, slots: &mut self.t.slots, index, armed: true };
            // SAFETY: `ptr` is the value at its final address; nothing else uses it.
            let sqe = unsafe { (*ptr).prepare128() };
            undo.armed = false;
            sqe
        };
        sqe.sqe.user_data = slot::encode(index, generation);
        if self.push128(&sqe).is_err() {
            return self.unstart::<T>(index, cx);
        }
        self.started::<T>(index, generation, need, cx)
    }

    /// The slow half of `start`: the driver is closed, or the operation must
    /// queue (no credit or entry, or earlier waiters), or it is a queued
    /// waiter coming back. Returns `None` if it may start now.
    #[cold]
    #[inline(never)]
    fn start_contended(&mut self, ticket: Option<u64>, need: u32, cx: &mut Context<'_>) -> Option<Contended> {
        if self.closed {
            // No ring any more: the operation never reaches the kernel and
            // completes as cancelled.
            return Some(Contended::Closed);
        }
        if need > self.t.slots.len() {
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
        if queued_ahead || self.t.credits < need || self.t.slots.in_use() >= self.t.slots.len() {
            self.t.stats.waited_for_credit += 1;
            let t = ticket.unwrap_or_else(|| {
                self.next_ticket += 1;
                self.next_ticket
            });
            match self.waiters.iter_mut().find(|(x, _)| *x == t) {
                Some(w) => {
                    if !w.1.will_wake(cx.waker()) {
                        self.t.retired.push(core::mem::replace(&mut w.1, cx.waker().clone()));
                    }
                }
                // A waiter that was woken and lost the race keeps its place
                // at the front; a newcomer goes to the back.
                None if ticket.is_some() => self.waiters.push_front((t, cx.waker().clone())),
                None => self.waiters.push_back((t, cx.waker().clone())),
            }
            return Some(Contended::Wait(t));
        }
        if let Some(t) = ticket {
            self.waiters.retain(|(x, _)| *x != t);
        }
        None
    }

    /// Undoes a start whose SQE could not be written (the SQ stayed full):
    /// the kernel never saw it. The operation goes back to its future, first
    /// in the queue.
    #[cold]
    #[inline(never)]
    fn unstart<T: Operation>(&mut self, index: u32, cx: &mut Context<'_>) -> Start<T> {
        let storage = self.t.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the SQE was not published, so the kernel holds no
        // pointer into the value.
        let op = unsafe { storage.take::<T>(index as usize) }.expect("just stored");
        self.t.free_entry(index);
        self.next_ticket += 1;
        let t = self.next_ticket;
        self.waiters.push_front((t, cx.waker().clone()));
        Start::Wait(op, t)
    }

    /// Starts every member of a chain at once, or none (see `chain.rs`).
    pub(crate) fn start_chain(
        &mut self,
        members: Vec<chain::Member>,
        hard: bool,
        ticket: Option<u64>,
        cx: &mut Context<'_>,
    ) -> chain::ChainStart {
        if self.closed {
            return chain::ChainStart::Failed(Error::NotConfigured("the driver is shut down"), members);
        }
        let n = members.len() as u32;
        let need: u32 = members.iter().map(|m| m.cqes).sum();
        let sq_cap = self.ring.as_ref().map_or(0, |r| r.params.sq_entries);
        if n == 0 {
            return chain::ChainStart::Entries(Vec::new());
        }
        if n > sq_cap || n > self.t.slots.len() || need > self.t.slots.len() {
            let error =
                Error::TooLong { what: "linked chain", len: n as usize, max: sq_cap.min(self.t.slots.len()) as usize };
            return chain::ChainStart::Failed(error, members);
        }
        let queued_ahead = ticket.is_none() && !self.waiters.is_empty();
        if queued_ahead || self.t.credits < need || self.t.slots.len() - self.t.slots.in_use() < n {
            self.t.stats.waited_for_credit += 1;
            let t = ticket.unwrap_or_else(|| {
                self.next_ticket += 1;
                self.next_ticket
            });
            match self.waiters.iter_mut().find(|(x, _)| *x == t) {
                Some(w) => {
                    if !w.1.will_wake(cx.waker()) {
                        self.t.retired.push(core::mem::replace(&mut w.1, cx.waker().clone()));
                    }
                }
                None if ticket.is_some() => self.waiters.push_front((t, cx.waker().clone())),
                None => self.waiters.push_back((t, cx.waker().clone())),
            }
            return chain::ChainStart::Wait(members, t);
        }
        if let Some(t) = ticket {
            self.waiters.retain(|(x, _)| *x != t);
        }
        let link = if hard { IOSQE_IO_HARDLINK } else { IOSQE_IO_LINK };
        let mut members = members;
        let Some(storage) = self.t.storage.as_ref() else {
            // Not reached: the storage exists until teardown, which sets `closed`.
            return chain::ChainStart::Failed(Error::NotConfigured("the driver is shut down"), members);
        };
        // First every value moves into its cell, which runs none of the
        // operations' code, so nothing can fail half-way.
        let mut entries = Vec::with_capacity(n as usize);
        for m in &mut members {
            let (index, generation) =
                self.t.slots.alloc(m.cqes, m.multishot).expect("room for every member (checked above)");
            let value = m.value.take().expect("a chain with a member taken back is refused by `Chain::start`");
            // SAFETY: the entry was just allocated, so its cell is empty and
            // unused, and the table and the storage have the same length;
            // `value` is the member's own type (`Chain::push` stored both).
            unsafe { (m.put)(storage, index as usize, value) };
            let slot = self.t.slots.at(index);
            slot.orphan_hook = Some(m.hook);
            slot.cqe_hook = None;
            entries.push((index, generation));
        }
        // Then each member's `prepare` builds its SQE from its value at rest.
        // That is the operations' own code: if one panics, the guard drops
        // every value again and frees the entries while unwinding (nothing
        // was published).
        let mut sqes = Vec::with_capacity(n as usize);
        {
            let mut undo = UndoChain { storage, slots: &mut self.t.slots, entries: &entries, armed: true };
            let last = entries.len() - 1;
            for (i, (m, &(index, generation))) in members.iter().zip(&entries).enumerate() {
                // SAFETY: the cell holds the member's value, just put there, which nothing else uses.
                let mut sqe = unsafe { (m.prepare)(storage, index as usize) };
                sqe.user_data = slot::encode(index, generation);
                if i != last {
                    sqe.flags |= link;
                }
                sqes.push(sqe);
            }
            undo.armed = false;
        }
        // All or nothing: submit what is queued to make room, then write the
        // whole chain and publish it with one tail store.
        let pushed = {
            let ring = self.ring.as_mut().expect("not closed");
            let mut ok = false;
            // Without SQPOLL one `sq_wait` submits everything queued. Under
            // SQPOLL it waits only while the SQ is full, so a chain that needs
            // more room than the poll thread has freed yet is refused with
            // `SubmissionQueueFull` (a known limit; nothing is lost).
            for _ in 0..3 {
                // SAFETY: each SQE was built by its member's `prepare` from a
                // value now at rest in the table (the Operation contract).
                if unsafe { ring.sq().push_all(&sqes) }.is_ok() {
                    ok = true;
                    break;
                }
                self.t.stats.enters += 1;
                if let Err(e) = ring.sq_wait() {
                    if !e.is_transient() {
                        break;
                    }
                }
            }
            ok
        };
        if !pushed {
            // Nothing of the chain was published: every value goes back to
            // its member, for the chain's owner to take back.
            for (m, &(index, _)) in members.iter_mut().zip(&entries) {
                let storage = self.t.storage.as_ref().expect("storage exists until teardown");
                // SAFETY: the cell holds the member's value, whose SQE was never published.
                m.value = unsafe { (m.take)(storage, index as usize) };
                self.t.slots.at(index).orphan_hook = None;
                self.t.free_entry(index);
            }
            return chain::ChainStart::Failed(Error::SubmissionQueueFull, members);
        }
        self.t.credits -= need;
        self.t.stats.started += u64::from(n);
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        self.wake_first_waiter();
        chain::ChainStart::Entries(entries)
    }

    /// As [`push`](Self::push), for a 128-byte entry.
    fn push128(&mut self, sqe: &ring_sys::io_uring_sqe128) -> Result<(), Error> {
        // SAFETY: built by an `Operation::prepare128` from a value now at rest in the table; the Operation contract
        // keeps its memory valid until the terminal completion.
        self.push_retrying(|sq| unsafe { sq.push128(sqe) }.is_ok())
    }

    /// Writes an SQE, submitting (and, under SQPOLL, waiting for room) if
    /// the SQ is full. Fails only if there is still no room.
    fn push(&mut self, sqe: &io_uring_sqe) -> Result<(), Error> {
        // SAFETY: every SQE the driver pushes was built by an `Operation::prepare` from a value now at rest in the
        // table, or is a cancellation carrying only a user_data; the contract keeps the memory valid until completion.
        self.push_retrying(|sq| unsafe { sq.push(sqe) }.is_ok())
    }

    /// Calls `try_push` until it finds room, making room in between by
    /// submitting (`sq_wait`, which under SQPOLL waits for the poll thread).
    fn push_retrying(&mut self, mut try_push: impl FnMut(&mut crate::SubmissionQueue) -> bool) -> Result<(), Error> {
        let ring = self.ring.as_mut().ok_or(Error::NotConfigured("driver is shut down"))?;
        for _ in 0..3 {
            if try_push(ring.sq()) {
                return Ok(());
            }
            self.t.stats.enters += 1;
            match ring.sq_wait() {
                Ok(_) => {}
                Err(e) if e.is_transient() => self.t.stats.transient_errors += 1,
                Err(e) => return Err(e),
            }
        }
        Err(Error::SubmissionQueueFull)
    }

    fn maybe_submit(&mut self) {
        let Some(ring) = self.ring.as_mut() else { return };
        let unsubmitted = ring.sq.len();
        if self.strategy.submit_now(unsubmitted) {
            self.t.stats.enters += 1;
            if let Err(e) = ring.submit() {
                // The entries stay published; the next turn submits them.
                if e.is_transient() {
                    self.t.stats.transient_errors += 1;
                }
            }
        }
    }

    #[inline]
    fn poll_complete<T: Operation>(
        &mut self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> Poll<(T, Cqe, Cqe, bool)> {
        let Some(slot) = self.t.slots.get(index, generation) else {
            // The entry was reused: cannot happen for a live claim, because
            // only the claim's owner (this future) releases a non-orphan.
            return Poll::Pending;
        };
        match slot.phase {
            Phase::Done => {
                let last = slot.last;
                let result = if slot.has_result { slot.result } else { last };
                let cancelled =
                    (slot.cancel_sent || slot.cancel_wanted) && matches!(-result.res, libc::ECANCELED | libc::EINTR);
                let storage = self.t.storage.as_ref().expect("a Done entry's storage is never leaked");
                // SAFETY: `get` found entry `index` (one cell per entry). Done: the kernel is done with the value. The cell holds
                // a `T`: the caller is the `Op<T>` owning the current claim (checked above), `start::<T>` (or a chain link, checked
                // by chain id) put a `T` there, and only the claim's owner takes a live entry's value out (checked in debug).
                let op = unsafe { storage.take_unchecked::<T>(index as usize) };
                self.t.free_entry(index);
                self.t.stats.completed += 1;
                self.wake_first_waiter();
                Poll::Ready((op, result, last, cancelled))
            }
            Phase::InFlight => {
                let w = self.t.wakers.update(slot.waker, cx.waker(), &mut self.t.retired);
                slot.waker = w;
                Poll::Pending
            }
            Phase::Orphaned | Phase::Free => Poll::Pending,
        }
    }

    fn poll_stream<T: Multishot>(
        &mut self,
        index: u32,
        generation: u32,
        cx: &mut Context<'_>,
    ) -> StreamPoll<T::Item, T> {
        let Some(slot) = self.t.slots.get(index, generation) else { return StreamPoll::Pending };
        let storage = self.t.storage.as_ref().expect("a live entry's storage is never leaked");
        while let Some(cqe) = slot.stream.as_mut().and_then(|q| q.pop_front()) {
            let terminal = !cqe.more();
            // SAFETY: the cell holds this entry's `Streaming<T>`; `item` may
            // run while the operation is in flight, which the `Multishot`
            // contract allows for.
            let value = unsafe { storage.get::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            // SAFETY: the pointer is to the live value in its cell, and
            // nothing else holds a reference to it during this call.
            let item = unsafe { (*value).0.item(cqe) };
            if terminal {
                // SAFETY: the terminal completion was seen.
                let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("just checked");
                self.t.slots.at(index).orphan_hook = None;
                self.t.free_entry(index);
                self.t.stats.completed += 1;
                self.wake_first_waiter();
                return StreamPoll::Last(item, op.0);
            }
            if let Some(item) = item {
                return StreamPoll::Item(item);
            }
        }
        if slot.phase == Phase::Done {
            // Ended with no completion left to deliver (cannot normally
            // happen: the terminal completion is queued like the others).
            // SAFETY: the terminal completion was seen.
            let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            self.t.slots.at(index).orphan_hook = None;
            self.t.free_entry(index);
            self.wake_first_waiter();
            return StreamPoll::End(op.0);
        }
        let w = self.t.wakers.update(slot.waker, cx.waker(), &mut self.t.retired);
        slot.waker = w;
        StreamPoll::Pending
    }

    fn request_cancel(&mut self, index: u32, generation: u32) {
        let Some(slot) = self.t.slots.get(index, generation) else { return };
        if slot.phase == Phase::Done || slot.cancel_sent || slot.cancel_wanted {
            return;
        }
        slot.cancel_wanted = true;
        self.cancel_backlog.push_back((index, generation));
        self.flush_cancels();
    }

    /// Submits queued cancellations while credits allow.
    fn flush_cancels(&mut self) {
        if self.cancel_backlog.is_empty() {
            // Nothing queued, so nothing new to submit either (every reap
            // comes here).
            return;
        }
        while self.t.credits > 0 {
            let Some((index, generation)) = self.cancel_backlog.pop_front() else { break };
            let Some(slot) = self.t.slots.get(index, generation) else { continue };
            if slot.phase == Phase::Done || slot.cancel_sent {
                continue;
            }
            slot.cancel_wanted = false;
            slot.cancel_sent = true;
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_ASYNC_CANCEL;
            sqe.fd = -1;
            sqe.set_addr(slot::encode(index, generation));
            sqe.user_data = INTERNAL;
            if self.push(&sqe).is_err() {
                if let Some(slot) = self.t.slots.get(index, generation) {
                    slot.cancel_sent = false;
                    slot.cancel_wanted = true;
                }
                self.cancel_backlog.push_front((index, generation));
                break;
            }
            self.t.credits -= 1;
            self.t.internal += 1;
            self.t.stats.cancels += 1;
        }
        self.maybe_submit();
    }

    fn orphan(&mut self, index: u32, generation: u32) {
        let Some(slot) = self.t.slots.get(index, generation) else { return };
        // A stream's completions that were queued for its owner and never
        // delivered go to the operation instead (a provided buffer in one
        // must be recycled), each exactly once: the queue is emptied here.
        if slot.multishot && matches!(slot.phase, Phase::InFlight | Phase::Done) {
            if let Some(queued) = slot.stream.take() {
                for cqe in *queued {
                    self.t.run_cqe_hook(index, cqe);
                }
            }
        }
        let Some(slot) = self.t.slots.get(index, generation) else { return };
        match slot.phase {
            Phase::Done => {
                // Completed but never collected: the kernel is done, free now.
                let last = slot.last;
                let result = if slot.has_result { slot.result } else { last };
                self.t.run_orphan_hook(index, result, last);
                self.t.free_entry(index);
                self.wake_first_waiter();
            }
            Phase::InFlight => {
                slot.phase = Phase::Orphaned;
                let w = core::mem::replace(&mut slot.waker, NO_WAKER);
                if let Some(w) = self.t.wakers.unregister(w) {
                    self.t.retired.push(w);
                }
                if !self.closed {
                    self.request_cancel(index, generation);
                }
            }
            Phase::Orphaned | Phase::Free => {}
        }
    }

    /// Wakes waiters, in arrival order, for as many operations as could
    /// start now, taking them off the queue (a woken waiter that finds no
    /// room re-queues itself at the front).
    #[inline]
    fn wake_first_waiter(&mut self) {
        if !self.waiters.is_empty() {
            self.wake_waiters();
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_waiters(&mut self) {
        let room = self.t.credits.min(self.t.slots.len() - self.t.slots.in_use());
        for _ in 0..room {
            let Some((_, w)) = self.waiters.pop_front() else { break };
            self.to_wake.push(w);
        }
    }

    fn reap(&mut self) -> u32 {
        let Some(ring) = self.ring.as_mut() else { return 0 };
        let t = &mut self.t;
        let n = ring.cq.for_each(|cqe| t.dispatch(cqe));
        if n > 0 {
            self.flush_cancels();
            self.wake_first_waiter();
        }
        n
    }

    fn turn(&mut self, wait: bool, timeout: Option<Duration>) -> io::Result<()> {
        if self.ring.is_none() {
            return Ok(());
        }
        self.t.wakers.release_idle(&mut self.t.retired);
        self.reap();
        let busy = self.t.slots.in_use() > 0 || self.t.internal > 0;
        // Wait only if nobody is about to be woken: a completion reaped just
        // now must reach its owner before the thread blocks.
        let want = u32::from(wait && busy && self.to_wake.is_empty() && !self.t.wakers.any_due());
        let ring = self.ring.as_mut().expect("checked above");
        self.t.stats.enters += 1;
        let r = match (want, timeout) {
            (0, _) => ring.submit(),
            (_, Some(t)) if ring.has_feature(IORING_FEAT_EXT_ARG) => ring.submit_and_wait_timeout(want, t),
            _ => ring.submit_and_wait(want),
        };
        match r {
            Ok(_) => {}
            // Interrupted, out of resources, or no room for completions:
            // nothing is lost (entries stay published), reap and go on.
            Err(e) if e.is_transient() => self.t.stats.transient_errors += 1,
            Err(e) => {
                self.reap();
                return Err(e.into());
            }
        }
        self.reap();
        self.wake_first_waiter();
        Ok(())
    }

    fn teardown(&mut self) -> TeardownReport {
        let mut report = TeardownReport::default();
        if self.closed {
            return report;
        }
        self.closed = true;
        let start = Instant::now();
        // Every operation still in the kernel: live ones become orphans too,
        // since after teardown nothing will drive their completion.
        let mut targets = Vec::new();
        for (i, slot) in self.t.slots.iter_mut() {
            if matches!(slot.phase, Phase::InFlight | Phase::Orphaned) {
                report.in_flight += 1;
                if !slot.cancel_sent {
                    targets.push((i, slot.generation));
                }
            }
        }
        for (i, g) in targets {
            if let Some(slot) = self.t.slots.get(i, g) {
                slot.cancel_wanted = true;
            }
            self.cancel_backlog.push_back((i, g));
        }
        self.flush_cancels();
        let deadline = self.deadline;
        loop {
            self.reap();
            let in_kernel =
                self.t.slots.iter_mut().filter(|(_, s)| matches!(s.phase, Phase::InFlight | Phase::Orphaned)).count()
                    as u32;
            if in_kernel == 0 && self.t.internal == 0 {
                break;
            }
            let elapsed = start.elapsed();
            if elapsed >= deadline {
                report.leaked = in_kernel;
                break;
            }
            self.flush_cancels();
            let Some(ring) = self.ring.as_mut() else { break };
            let left = deadline - elapsed;
            let r = if ring.has_feature(IORING_FEAT_EXT_ARG) {
                ring.submit_and_wait_timeout(1, left.min(Duration::from_millis(50)))
            } else {
                ring.submit_and_wait(1)
            };
            if let Err(e) = r {
                if !e.is_transient() {
                    report.leaked = in_kernel;
                    break;
                }
            }
        }
        report.waited = start.elapsed();
        if report.leaked > 0 {
            // The kernel may still write into these operations' memory after
            // the ring is closed: leak the whole table rather than free it.
            self.leaked = true;
        }
        // Waiters will find the driver closed.
        for (_, w) in self.waiters.drain(..) {
            self.to_wake.push(w);
        }
        for (_, slot) in self.t.slots.iter_mut() {
            slot.waker = NO_WAKER;
        }
        self.t.wakers.take_all(&mut self.to_wake);
        self.ring = None;
        report
    }
}

impl<K: Kernel> core::fmt::Debug for Driver<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.shared.inner.try_borrow() {
            Ok(inner) => f
                .debug_struct("Driver")
                .field("in_flight", &inner.t.slots.in_use())
                .field("credits", &inner.t.credits)
                .field("closed", &inner.closed)
                .finish(),
            Err(_) => f.write_str("Driver { <busy> }"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::future::Future;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::task::{Context, Waker};

    #[test]
    fn a_sent_cancellation_is_counted_until_its_completion() {
        let d = Driver::new(4).unwrap();
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into the array.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: fresh descriptors we own.
        let (r, _w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        let mut read = d.read(&Rc::new(r), Vec::<u8>::with_capacity(8));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(core::pin::Pin::new(&mut read).poll(&mut cx).is_pending());
        d.poll().unwrap();
        drop(read);
        assert_eq!(d.stats().cancels, 1);
        assert_eq!(d.shared.inner.borrow().t.internal, 1, "the cancellation holds a credit until it completes");
        while d.stats().orphans_reaped == 0 {
            d.park(Some(Duration::from_millis(5))).unwrap();
        }
        d.poll().unwrap();
        assert_eq!(d.shared.inner.borrow().t.internal, 0);
    }
}
