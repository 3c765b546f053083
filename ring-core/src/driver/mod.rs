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
//! 5. **Foreign code outside.** No waker, destructor or hook of someone
//!    else's runs while the driver's state is borrowed, and a future records
//!    its claim before any runs for it; each foreign call is caught so that
//!    a panic in one does not skip the others, and is re-raised where no
//!    outcome is held (see `docs/ownership.md`, "Foreign code").
//!
//! Two more, checked by the adversarial suite: an operation that acts on
//! another (a poll removal or update) names it by a
//! [`PollTarget`](crate::op::PollTarget) and starts only while that very
//! operation is in flight (`Operation::names`, asked in `Inner::start`);
//! and no update makes a single-shot poll multishot, so the credits of
//! invariant 3 hold (see `docs/ownership.md`, "Operations named by
//! handles").
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
use core::task::{Context, Waker};
use core::time::Duration;
use ring_sys::*;
use slot::{Phase, Slots, INTERNAL, WAKE};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::Instant;
use storage::Storage;
pub use strategy::{Batch, Immediate, SqPoll, SubmitStrategy};
use wakers::{Retired, Wakers, NO_WAKER};

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

/// Takes a value that never reached the kernel out of its cell and
/// packages its drop as a [`Finisher`]: the value's destructor is foreign
/// code, so it runs once the driver's state is no longer borrowed.
type DropLater = unsafe fn(&Storage, usize) -> Option<Finisher>;

/// # Safety
///
/// Cell `index` must hold a `T` whose SQE was never published.
unsafe fn drop_later<T: Operation>(storage: &Storage, index: usize) -> Option<Finisher> {
    // SAFETY: per the contract, the kernel never saw the value.
    let op = unsafe { storage.take::<T>(index) }?;
    Some(Box::new(move || drop(op)))
}

/// Undoes a start whose operation code panicked before anything was
/// published: takes the value out of its cell (to be dropped outside the
/// borrow) and frees the entry. Forgotten once `prepare` returned, so its
/// drop runs only while unwinding (and costs the common path nothing).
struct UndoStart<'a> {
    storage: &'a Storage,
    slots: &'a mut Slots,
    finishers: &'a mut Vec<Finisher>,
    take: DropLater,
    index: u32,
}

impl Drop for UndoStart<'_> {
    #[cold]
    fn drop(&mut self) {
        // SAFETY: alive only between `put` and a successful `prepare` (then
        // forgotten): the SQE built from the value (if any) was never
        // published, so the kernel holds no pointer into it.
        if let Some(f) = unsafe { (self.take)(self.storage, self.index as usize) } {
            self.finishers.push(f);
        }
        // The entry never had a waker; nothing to unregister.
        let _ = self.slots.release(self.index);
    }
}

/// Undoes the start of a chain whose members' values are in their cells
/// when a member's `prepare` panics: nothing was published, so every value
/// is taken out (to be dropped outside the borrow) and every entry freed.
struct UndoChain<'a> {
    storage: &'a Storage,
    slots: &'a mut Slots,
    finishers: &'a mut Vec<Finisher>,
    entries: &'a [(u32, u32)],
    members: &'a [chain::Member],
    armed: bool,
}

impl Drop for UndoChain<'_> {
    fn drop(&mut self) {
        if self.armed {
            for (&(index, _), m) in self.entries.iter().zip(self.members) {
                // SAFETY: armed only until every SQE of the chain is built,
                // before any is published: the kernel holds no pointer into
                // any of the values, and each cell holds its member's type.
                if let Some(value) = unsafe { (m.take)(self.storage, index as usize) } {
                    self.finishers.push(Box::new(move || drop(value)));
                }
                self.slots.at(index).orphan_hook = None;
                // No member had a waker yet; nothing to unregister.
                let _ = self.slots.release(index);
            }
        }
    }
}

/// Puts an emptied list back in place of `slot` if that has no capacity
/// (the list was taken out, and nothing refilled it meanwhile), so that its
/// allocation is reused.
#[inline]
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

/// A panic payload caught from foreign code.
type Payload = Box<dyn core::any::Any + Send>;

/// Runs foreign code (wakers, destructors, `Operation::orphaned`) so that a
/// panic in one call does not keep the others from running: each call is
/// caught, and the first payload kept for the caller to re-raise once all
/// of them ran (later ones are leaked rather than dropped, since dropping a
/// payload is foreign code too).
#[derive(Default)]
pub(crate) struct Caught(Option<Payload>);

impl Caught {
    #[inline]
    pub(crate) fn run(&mut self, f: impl FnOnce()) {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            self.keep(p);
        }
    }

    pub(crate) fn keep(&mut self, p: Payload) {
        if self.0.is_none() {
            self.0 = Some(p);
        } else {
            core::mem::forget(p);
        }
    }
}

/// Driver work that arrived while the driver's state was borrowed (a
/// destructor or an operation's own code calling back into the driver), run
/// at its next turn.
#[derive(Debug, Clone, Copy)]
enum Deferred {
    Orphan(u32, u32),
    Cancel(u32, u32),
    Teardown,
}

pub(crate) struct Inner<K: Kernel> {
    /// `None` after teardown.
    ring: Option<Ring<K>>,
    /// The operations in flight; kept apart from the ring so that
    /// completions can be routed into it while the ring is being read.
    t: Table,
    /// Futures waiting for a credit or an entry, in arrival order. A
    /// waiter's waker is `None` until its future has cloned it (outside the
    /// borrow, see `Shared::settle_wait`).
    waiters: VecDeque<(u64, Option<Waker>)>,
    next_ticket: u64,
    /// Entries whose cancellation waits for a credit.
    cancel_backlog: VecDeque<(u32, u32)>,
    strategy: Box<dyn SubmitStrategy>,
    /// The strategy never submits before the driver parks, so it need not
    /// be asked after every SQE.
    submit_at_park_only: bool,
    /// External loops driving this driver ([`crate::compat::ExternalLoop`]);
    /// while there is one, every SQE is submitted as it is written.
    external: u32,
    /// Wakers to call once the borrow of `Inner` is released (besides the
    /// due ones in `t.wakers`): waiters for a credit.
    to_wake: Vec<Waker>,
    /// The table's wakers, taken out at teardown to be woken.
    woken_at_teardown: Vec<Rc<Waker>>,
    /// Kept between calls so that waking needs no allocation.
    wake_buf: Vec<Rc<Waker>>,
    /// Whether teardown ran.
    closed: bool,
    /// Whether the memory of some operation was leaked at teardown.
    leaked: bool,
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
    /// The serial of the last operation a [`crate::op::PollTarget`] may
    /// name (see `Slot::serial`).
    serials: u64,
    /// The distinct wakers of the operations in flight.
    wakers: Wakers,
    /// Orphans' `orphaned` calls, run outside the borrow.
    finishers: Vec<Finisher>,
    /// Wakers replaced or left behind by released entries, dropped outside
    /// the borrow (a foreign waker's destructor may call into the driver).
    retired: Vec<Retired>,
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
    /// Work that arrived while `inner` was borrowed (see [`Deferred`]).
    deferred: RefCell<Vec<Deferred>>,
    /// Live [`Driver`] handles; teardown runs when the last one goes.
    handles: Cell<usize>,
    last_teardown: Cell<Option<TeardownReport>>,
    /// How long teardown waits (kept outside `inner` so that setting it
    /// never needs the borrow).
    deadline: Cell<Duration>,
    /// A panic of foreign code the driver ran where it could not be
    /// re-raised at once (a future holding an output it must not lose, or
    /// a destructor); re-raised by the driver's next turn.
    panicked: Cell<Option<Payload>>,
    /// The driver's ring, which every resource an operation names must
    /// belong to (see [`Operation::refuse`]).
    pub(crate) ring: RingId,
    /// The allocation range of the [`crate::fixed_files::FixedFiles`]
    /// table registered with the ring, if one is: its slots belong to
    /// direct descriptors, and `files_update` may not replace them.
    pub(crate) reserved_files: Rc<Cell<Option<(u32, u32)>>>,
    /// Who drives this driver, and how operations started while nothing
    /// does are detected (see `crate::compat`).
    pub(crate) attend: crate::compat::Attendance,
    /// Whether the kernel has `IORING_OP_LINK_TIMEOUT` (probed once, by the
    /// first operation given a deadline).
    pub(crate) link_timeouts: Cell<Option<bool>>,
}

/// The safe io_uring driver. Cheap to clone (a reference-counted handle);
/// single-threaded (see [`crate::handle`] for other threads). It is not
/// `Send`: its ring's registered index names the ring only in the table of
/// the thread that registered it.
///
/// Most programs get one from a [`Runtime`](crate::Runtime)
/// ([`Runtime::driver`](crate::Runtime::driver)), which also drives it.
/// Each operation method returns an [`Op`] future (or a [`MultiOp`](crate::MultiOp)
/// stream) that owns its buffers until the kernel is done with them and
/// gives them back with the result.
///
/// ```
/// let rt = ring_core::Runtime::new(64)?;
/// let d = rt.driver().clone();
/// let file = std::rc::Rc::new(std::fs::File::open("/proc/self/stat")?);
/// let (n, buf) = rt.block_on(d.read_at(&file, Vec::with_capacity(256), 0))?;
/// assert_eq!(n?, buf.len());
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Methods by family
///
/// | family | methods |
/// |---|---|
/// | setting up, driving, inspecting | [`new`](Self::new), [`with_ring`](Self::with_ring), [`park`](Self::park), [`poll`](Self::poll), [`shutdown`](Self::shutdown), [`set_teardown_deadline`](Self::set_teardown_deadline), [`teardown_report`](Self::teardown_report), [`in_flight`](Self::in_flight), [`credits`](Self::credits), [`stats`](Self::stats), [`ring_id`](Self::ring_id), [`has_feature`](Self::has_feature), [`setup_flags`](Self::setup_flags), [`probe`](Self::probe), [`require`](Self::require), [`register_eventfd`](Self::register_eventfd) (or [`compat::ExternalLoop`](crate::compat::ExternalLoop)) |
/// | any operation, chains | [`op`](Self::op) (an [`Operation`] value, see [`crate::ops`]), [`multishot_keep`](Self::multishot_keep), [`chain`](Self::chain), [`Op::with_timeout`], [`Op::cancel`], [`nop`](Self::nop) |
/// | reading and writing | [`read_at`](Self::read_at), [`read`](Self::read), [`write_at`](Self::write_at), [`write`](Self::write), [`readv_at`](Self::readv_at), [`writev_at`](Self::writev_at) |
/// | files and directories | [`openat`](Self::openat), [`openat2`](Self::openat2), [`close`](Self::close), [`statx`](Self::statx), [`fsync`](Self::fsync), [`fdatasync`](Self::fdatasync), [`fallocate`](Self::fallocate), [`ftruncate`](Self::ftruncate), [`fadvise`](Self::fadvise), [`madvise`](Self::madvise), [`sync_file_range`](Self::sync_file_range), [`renameat`](Self::renameat), [`unlinkat`](Self::unlinkat), [`mkdirat`](Self::mkdirat), [`symlinkat`](Self::symlinkat), [`linkat`](Self::linkat), [`setxattr`](Self::setxattr), [`fsetxattr`](Self::fsetxattr), [`getxattr`](Self::getxattr), [`fgetxattr`](Self::fgetxattr) (and [`crate::fs`]) |
/// | pipes | [`pipe`](Self::pipe), [`splice`](Self::splice), [`tee`](Self::tee) |
/// | sockets | [`socket`](Self::socket), [`bind`](Self::bind), [`listen`](Self::listen), [`accept`](Self::accept), [`accept_multishot`](Self::accept_multishot), [`connect`](Self::connect), [`send`](Self::send), [`recv`](Self::recv), [`sendmsg`](Self::sendmsg), [`recvmsg`](Self::recvmsg), [`shutdown_socket`](Self::shutdown_socket), [`socket_cmd`](Self::socket_cmd) (and [`crate::net`]) |
/// | zero-copy sends | [`send_zc`](Self::send_zc), [`sendmsg_zc`](Self::sendmsg_zc), [`send_zc_fixed`](Self::send_zc_fixed) |
/// | readiness | [`poll_add`](Self::poll_add), [`poll_multishot`](Self::poll_multishot), [`poll_remove`](Self::poll_remove), [`poll_update`](Self::poll_update), [`epoll_ctl`](Self::epoll_ctl), [`epoll_wait`](Self::epoll_wait) |
/// | timers | [`sleep`](Self::sleep), [`sleep_until`](Self::sleep_until), [`timeout`](Self::timeout), [`ticks`](Self::ticks) (and [`crate::time`]) |
/// | provided buffers | [`read_pool`](Self::read_pool), [`recv_pool`](Self::recv_pool), [`recv_pool_multishot`](Self::recv_pool_multishot), [`recv_bundle_multishot`](Self::recv_bundle_multishot), [`read_pool_multishot`](Self::read_pool_multishot), [`recvmsg_pool_multishot`](Self::recvmsg_pool_multishot), [`provide_buffers`](Self::provide_buffers), [`remove_buffers`](Self::remove_buffers) (and [`crate::pool`]) |
/// | registered buffers | [`read_fixed`](Self::read_fixed), [`write_fixed`](Self::write_fixed), [`readv_fixed`](Self::readv_fixed), [`writev_fixed`](Self::writev_fixed) (and [`crate::fixed`]) |
/// | direct descriptors | [`openat_direct`](Self::openat_direct), [`accept_direct`](Self::accept_direct), [`socket_direct`](Self::socket_direct), [`close_direct`](Self::close_direct), [`read_direct`](Self::read_direct), [`write_direct`](Self::write_direct), [`send_direct`](Self::send_direct), [`recv_direct`](Self::recv_direct), [`connect_direct`](Self::connect_direct), [`files_update`](Self::files_update), [`fixed_fd_install`](Self::fixed_fd_install) (and [`crate::fixed_files`]) |
/// | processes and futexes | [`waitid`](Self::waitid), [`futex_wait`](Self::futex_wait), [`futex_wake`](Self::futex_wake), [`futex_waitv`](Self::futex_waitv) |
/// | 128-byte entries, commands | [`nop128`](Self::nop128), [`uring_cmd`](Self::uring_cmd), [`uring_cmd128`](Self::uring_cmd128) |
/// | between rings | [`msg_ring`](Self::msg_ring), [`msg_ring_fd`](Self::msg_ring_fd) (`unsafe`; for work, see [`crate::handle`]) |
/// | escape hatches (`unsafe`) | [`submit_raw`](Self::submit_raw), [`with_ring_mut`](Self::with_ring_mut) |
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

/// Setting up, driving and inspecting the driver (see ["Methods by
/// family"](Driver#methods-by-family) for the operations).
impl<K: Kernel> Driver<K> {
    /// A driver on `ring`, submitting as `strategy` decides.
    ///
    /// Completions already waiting in the ring are discarded: they cannot
    /// belong to the driver's operations, and one whose `user_data` happened
    /// to match an entry could otherwise complete it early. Requests pushed
    /// into the ring before (with the raw layer's `unsafe` push) must have
    /// completed by now; that is part of the push's contract (the memory
    /// they use must stay valid until their completion, which this driver
    /// will never report). Completions the kernel posts later with a
    /// `user_data` chosen before (the tags of registered files and buffers,
    /// [`Ring::register_files_tags`]) are the `unsafe` registration's
    /// contract too: they must not name the driver's entries.
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
                serials: 0,
                wakers: Wakers::new(),
                finishers: Vec::new(),
                retired: Vec::new(),
                stats: Stats::default(),
            },
            waiters: VecDeque::new(),
            next_ticket: 0,
            cancel_backlog: VecDeque::new(),
            submit_at_park_only: strategy.submits_only_at_park(),
            external: 0,
            strategy: Box::new(strategy),
            to_wake: Vec::new(),
            woken_at_teardown: Vec::new(),
            wake_buf: Vec::new(),
            closed: false,
            leaked: false,
            ring: Some(ring),
        };
        Driver {
            shared: Rc::new(Shared {
                inner: RefCell::new(inner),
                deferred: RefCell::new(Vec::new()),
                handles: Cell::new(1),
                last_teardown: Cell::new(None),
                deadline: Cell::new(Duration::from_secs(1)),
                panicked: Cell::new(None),
                ring: id,
                reserved_files: Rc::new(Cell::new(None)),
                attend: crate::compat::Attendance::default(),
                link_timeouts: Cell::new(None),
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
    /// Returns immediately if nothing is in flight. For a loop of one's own
    /// ([`Runtime::block_on`](crate::Runtime::block_on) does this).
    ///
    /// ```
    /// use std::future::Future;
    /// use std::task::{Context, Poll, Waker};
    ///
    /// let d = ring_core::Driver::new(8)?;
    /// let mut nop = std::pin::pin!(d.nop());
    /// let mut cx = Context::from_waker(Waker::noop());
    /// while nop.as_mut().poll(&mut cx).is_pending() {
    ///     d.park(None)?;
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn park(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.shared.park(timeout)
    }

    /// Submits what is written and dispatches completions that are ready,
    /// without blocking (see [`compat::ExternalLoop::turn`](crate::compat::ExternalLoop::turn)
    /// for other event loops).
    ///
    /// ```
    /// let d = ring_core::Driver::new(8)?;
    /// d.poll()?; // nothing in flight: returns at once
    /// # Ok::<(), std::io::Error>(())
    /// ```
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
    /// [`compat::ExternalLoop`](crate::compat::ExternalLoop) does all of
    /// this (and resets the eventfd in its `turn`): prefer it.
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

    /// Checks that `target` names a poll of this driver that is still in
    /// flight: the only operation a removal or update built from it may act
    /// on (see [`crate::op::PollTarget`]).
    pub(crate) fn check_poll_target(&self, target: &crate::op::PollTarget) -> Result<(), Error> {
        if target.ring != self.shared.ring {
            return Err(Error::ForeignResource { what: "poll operation (a poll target of another driver)" });
        }
        let mut inner = self.shared.inner.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        if inner.t.slots.names(target.index, target.generation, target.serial) {
            Ok(())
        } else {
            Err(Error::Ended { what: "poll operation" })
        }
    }

    /// The identity of the driver's ring. Every resource registered
    /// through this driver records it, and the driver refuses resources
    /// that record another (see [`Operation::refuse`]).
    pub fn ring_id(&self) -> RingId {
        self.shared.ring
    }

    /// Operations in flight (including orphans still in the kernel).
    ///
    /// This and the other counters read the driver's state; called from
    /// inside the driver (from an operation's own code while the driver
    /// runs it, which the [`Operation`] contract rules out) they return
    /// zero rather than panic.
    pub fn in_flight(&self) -> u32 {
        self.shared.inner.try_borrow().map_or(0, |i| i.t.slots.in_use())
    }

    /// Counters (all zero if called from inside the driver, see
    /// [`in_flight`](Self::in_flight)).
    pub fn stats(&self) -> Stats {
        self.shared.inner.try_borrow().map_or(Stats::default(), |i| i.t.stats)
    }

    /// Free CQ credits (zero if called from inside the driver, see
    /// [`in_flight`](Self::in_flight)).
    pub fn credits(&self) -> u32 {
        self.shared.inner.try_borrow().map_or(0, |i| i.t.credits)
    }

    /// How long teardown waits for operations in flight before leaking them.
    pub fn set_teardown_deadline(&self, d: Duration) {
        self.shared.deadline.set(d);
    }

    /// Runs `f` with the driver's ring, for registration and probing the
    /// safe API does not cover. Returns `None` after teardown, and when
    /// called from inside the driver (from `f` itself, or from an
    /// operation's own code while the driver runs it).
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
        self.shared.try_with_ring_mut(f)
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
    ///
    /// Called from inside the driver (a destructor or an operation's own
    /// code that the driver is running), teardown is deferred to the end of
    /// what the driver is doing and the report is empty; see
    /// [`teardown_report`](Self::teardown_report) for the real one.
    pub fn shutdown(&self) -> TeardownReport {
        self.shared.teardown(true)
    }
}

impl<K: Kernel> Drop for Driver<K> {
    fn drop(&mut self) {
        let n = self.shared.handles.get() - 1;
        self.shared.handles.set(n);
        if n == 0 {
            self.shared.teardown(false);
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

    /// Whether the kernel can put a linked timeout on an operation (probed
    /// once; `false` if the probe fails or the driver is shut down, which
    /// only costs the explicit-cancel path).
    pub(crate) fn has_link_timeouts(&self) -> bool {
        if let Some(known) = self.link_timeouts.get() {
            return known;
        }
        let Some(probe) = self.try_with_ring_mut(|r| crate::Probe::new(r)) else { return false };
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
    /// runs inside the driver's borrow (no safe foreign code does), so the
    /// state is always free here in practice; if it is not, nothing
    /// changes (the driver keeps its strategy, which is always correct).
    pub(crate) fn set_external_loop(&self, on: bool) {
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            if on {
                inner.external += 1;
            } else {
                inner.external = inner.external.saturating_sub(1);
            }
            inner.submit_at_park_only = inner.external == 0 && inner.strategy.submits_only_at_park();
            if on {
                // What was written before the loop came is submitted now.
                inner.maybe_submit();
            }
        }
    }

    /// Whether [`run_side_work`](Self::run_side_work) has anything to do.
    #[inline]
    fn has_side_work(&self) -> bool {
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
    fn run_side_work(&self) -> Caught {
        let mut caught = Caught::default();
        // Work deferred by a call made from inside the driver first: what it
        // leaves to wake or drop is then handled in this same pass.
        self.run_deferred();
        // Only the lists with something in them are taken out (an empty one
        // is left with its capacity), and each is put back emptied, so that
        // the common turn (one due waker, nothing else) allocates nothing
        // and moves little.
        let (finishers, mut retired, mut wake, mut owned) = {
            let Ok(mut inner) = self.inner.try_borrow_mut() else { return caught };
            let inner = &mut *inner;
            let mut wake = core::mem::take(&mut inner.wake_buf);
            // The due wakers (one per distinct waker, however many of its
            // operations completed), as counted references: no foreign code
            // runs while the state is borrowed.
            inner.t.wakers.take_due(&mut wake);
            if !inner.woken_at_teardown.is_empty() {
                wake.append(&mut inner.woken_at_teardown);
            }
            let owned = if inner.to_wake.is_empty() { Vec::new() } else { core::mem::take(&mut inner.to_wake) };
            let finishers =
                if inner.t.finishers.is_empty() { Vec::new() } else { core::mem::take(&mut inner.t.finishers) };
            let retired = if inner.t.retired.is_empty() { Vec::new() } else { core::mem::take(&mut inner.t.retired) };
            (finishers, retired, wake, owned)
        };
        for f in finishers {
            caught.run(f);
        }
        while let Some(w) = retired.pop() {
            caught.run(move || drop(w));
        }
        for w in &wake {
            caught.run(|| w.wake_by_ref());
        }
        while let Some(w) = wake.pop() {
            if Rc::strong_count(&w) == 1 {
                // The table let go of the waker meanwhile: this is the last
                // reference, and the drop runs the waker's destructor.
                caught.run(move || drop(w));
            }
        }
        while let Some(w) = owned.pop() {
            caught.run(move || w.wake());
        }
        // The emptied vectors go back so that their capacity is reused (no
        // allocation in steady state), unless a callback above refilled the
        // driver's own meanwhile.
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            put_back(&mut inner.wake_buf, wake);
            put_back(&mut inner.t.retired, retired);
            put_back(&mut inner.to_wake, owned);
        }
        caught
    }

    /// Re-raises a caught panic of foreign code, or keeps it for the next
    /// turn if the thread is already unwinding (a second panic would abort).
    #[inline]
    fn raise(&self, caught: Caught) {
        if let Some(p) = caught.0 {
            self.raise_payload(p);
        }
    }

    #[cold]
    #[inline(never)]
    fn raise_payload(&self, p: Payload) {
        if std::thread::panicking() {
            self.keep_panic(p);
        } else {
            std::panic::resume_unwind(p);
        }
    }

    /// Keeps a caught panic of foreign code, re-raised by the next turn:
    /// for callers that hold an output they must not lose, and destructors.
    fn keep_panic(&self, p: Payload) {
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
    fn settle(&self) {
        let caught = self.run_side_work();
        self.raise(caught);
    }

    /// Runs the side work and keeps a panic of foreign code in it for the
    /// next turn: for callers holding an output, and destructors.
    fn settle_quietly(&self) {
        if let Some(p) = self.run_side_work().0 {
            self.keep_panic(p);
        }
    }

    /// Work deferred while `inner` was borrowed.
    #[inline]
    fn run_deferred(&self) {
        if self.deferred.try_borrow().is_ok_and(|d| !d.is_empty()) {
            self.run_deferred_now();
        }
    }

    #[cold]
    #[inline(never)]
    fn run_deferred_now(&self) {
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
        if teardown && !inner.closed {
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
        if let Some(errno) = op.refuse(self.ring) {
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

    /// What follows `StartedThen`, once the future recorded its claim on
    /// entry `index` at `generation`: its waker is cloned if the table had
    /// none like it (foreign code, run with the state not borrowed), and the
    /// side work runs. A panic here propagates; the claim is safe.
    #[cold]
    #[inline(never)]
    pub(crate) fn settle_start(&self, index: u32, generation: u32, cx: &mut Context<'_>) {
        let needs_waker = self.inner.try_borrow_mut().is_ok_and(|mut inner| {
            inner.t.slots.get(index, generation).is_some_and(|s| s.waker == NO_WAKER && s.phase != Phase::Orphaned)
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
    fn install_waker(&self, index: u32, generation: u32, cx: &mut Context<'_>) {
        let w = cx.waker().clone();
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.install_waker(index, generation, w),
            // Called from inside the driver: the future polls again.
            Err(_) => w.wake(),
        }
        self.settle();
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

    /// The [`crate::op::PollTarget`] of the poll a future holds entry
    /// `index` at `generation` for; `None` if the entry holds no poll that
    /// is still in the kernel, or if called from inside the driver.
    pub(crate) fn poll_target(&self, index: u32, generation: u32) -> Option<crate::op::PollTarget> {
        let mut inner = self.inner.try_borrow_mut().ok()?;
        let slot = inner.t.slots.get(index, generation)?;
        let live = slot.named && matches!(slot.phase, Phase::InFlight | Phase::Orphaned);
        live.then_some(crate::op::PollTarget {
            ring: self.ring,
            index,
            generation,
            serial: slot.serial,
            multishot: slot.multishot,
        })
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
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.request_cancel(index, generation),
            Err(_) => self.deferred.borrow_mut().push(Deferred::Cancel(index, generation)),
        }
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

    fn park(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.turn(true, timeout)
    }

    /// One turn of the driver: submit, maybe wait, reap, wake. A panic of
    /// foreign code the driver ran (here, or kept from earlier) is re-raised
    /// once everything else ran.
    fn turn(&self, wait: bool, timeout: Option<Duration>) -> io::Result<()> {
        self.attend.mark();
        self.run_deferred();
        let r = match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.turn(wait, timeout),
            Err(_) => return Err(Error::Reentrant.into()),
        };
        let mut caught = if self.has_side_work() { self.run_side_work() } else { Caught::default() };
        if caught.0.is_none() {
            caught.0 = self.panicked.take();
        }
        self.raise(caught);
        r
    }

    /// Tears the driver down (see the module docs). `explicit` for
    /// [`Driver::shutdown`], which re-raises a panic of foreign code it ran;
    /// the last handle's drop keeps it instead.
    pub(crate) fn teardown(&self, explicit: bool) -> TeardownReport {
        self.run_deferred();
        let report = match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.teardown(self.deadline.get()),
            Err(_) => {
                // Called from inside the driver (a destructor it ran):
                // deferred to the end of what it is doing.
                self.deferred.borrow_mut().push(Deferred::Teardown);
                return TeardownReport::default();
            }
        };
        self.last_teardown.set(Some(report));
        // External loops wait for a signal no completion will give now.
        self.attend.torn_down();
        if explicit {
            self.settle();
        } else {
            self.settle_quietly();
        }
        report
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

impl<K: Kernel> Drop for Shared<K> {
    fn drop(&mut self) {
        let deadline = self.deadline.get();
        // A panic kept for a turn that will never come: leaked, since
        // dropping a payload is foreign code too.
        core::mem::forget(self.panicked.take());
        let inner = self.inner.get_mut();
        if !inner.closed {
            inner.teardown(deadline);
        }
        // Nothing borrows the state any more (nothing else holds it): the
        // foreign code left (the orphans' finishers, the drops of wakers and
        // of values still stored) runs here directly, each call caught so
        // that one panic does not skip the others.
        let mut caught = Caught::default();
        for f in core::mem::take(&mut inner.t.finishers) {
            caught.run(f);
        }
        let mut table_wakers = Vec::new();
        inner.t.wakers.take_all(&mut table_wakers);
        let wakers = core::mem::take(&mut inner.t.retired)
            .into_iter()
            .chain(table_wakers)
            .chain(core::mem::take(&mut inner.woken_at_teardown))
            .chain(core::mem::take(&mut inner.wake_buf));
        for w in wakers {
            caught.run(move || drop(w));
        }
        let owned = core::mem::take(&mut inner.to_wake)
            .into_iter()
            .chain(core::mem::take(&mut inner.waiters).into_iter().filter_map(|(_, w)| w));
        for w in owned {
            caught.run(move || drop(w));
        }
        if let Some(storage) = inner.t.storage.take() {
            if inner.leaked {
                storage.leak();
            } else {
                // SAFETY: teardown saw every operation's terminal
                // completion (otherwise `leaked` would be set), so the
                // kernel uses none of the values any more.
                unsafe { storage.free(&mut caught) };
            }
        }
        if let Some(p) = caught.0 {
            if std::thread::panicking() {
                core::mem::forget(p);
            } else {
                std::panic::resume_unwind(p);
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
            || !self.woken_at_teardown.is_empty()
    }

    /// The part of [`has_side_work`](Self::has_side_work) that starting or
    /// collecting an operation can create: a waker retired (replaced as the
    /// most recent one, or left by the freed entry) and waiters woken for
    /// the room it made. Neither marks a waker due nor queues a finisher:
    /// only reaping does, and every turn that reaps runs the side work
    /// afterwards (a panic in one waker does not keep the others from being
    /// woken: `Shared::run_side_work` catches each).
    #[inline(always)]
    fn has_poll_side_work(&self) -> bool {
        !self.t.retired.is_empty() || !self.to_wake.is_empty()
    }

    /// Starts `op` (see `Shared::start`); runs no foreign code but the
    /// operation's own `is_128` and `prepare`.
    #[inline]
    fn start<T: Operation>(&mut self, op: T, ticket: Option<u64>, cx: &mut Context<'_>) -> Start<T> {
        // A constant `None` for every operation but a poll removal or
        // update, which may start only while the poll it names is in flight.
        if let Some(t) = op.names() {
            if !self.t.slots.names(t.index, t.generation, t.serial) {
                return self.refuse_ended(op, ticket);
            }
        }
        let need = T::CQES.max(1);
        // The common case in one test: open, nobody queued, a credit and an
        // entry free, and this is not a returning waiter.
        let room = self.t.credits >= need && self.t.slots.in_use() < self.t.slots.len();
        if self.closed || ticket.is_some() || !self.waiters.is_empty() || !room {
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
        let Some(storage) = self.t.storage.as_ref() else {
            // Not reached: the storage exists until teardown, which sets `closed`.
            return Start::Closed(op);
        };
        let Some((index, generation)) = self.t.slots.alloc(need, T::MULTISHOT, T::NAMEABLE) else {
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
        let undo = UndoStart {
            storage,
            slots: &mut self.t.slots,
            finishers: &mut self.t.finishers,
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
    fn write_sqe_after_making_room<T: Operation>(&mut self, ptr: *mut T, index: u32, generation: u32) -> bool {
        self.make_sq_room() && self.write_sqe(ptr, index, generation)
    }

    /// The bookkeeping of an operation whose SQE is written, all of it done
    /// with no foreign code: the future's waker is registered only if that
    /// needs no clone (it wakes like the most recent waker); otherwise the
    /// entry has none yet and the result is `StartedThen`, so that the
    /// future records its claim before its waker is cloned (a clone that
    /// panics, or calls back into the driver, then finds the claim made and
    /// the table consistent).
    #[inline]
    fn started<T: Operation>(&mut self, index: u32, generation: u32, need: u32, cx: &mut Context<'_>) -> Start<T> {
        self.t.credits -= need;
        self.t.stats.started += 1;
        if T::NAMEABLE {
            self.t.serials += 1;
            self.t.slots.at(index).serial = self.t.serials;
        }
        let slot = self.t.slots.at(index);
        // The hooks of an entry are only ever called while it holds the
        // operation they were stored for (and they check the stored type), so
        // a finished operation's hooks are simply overwritten by the next.
        slot.orphan_hook = Some(orphan_hook::<T>);
        slot.cqe_hook = if T::MULTISHOT { Some(cqe_hook::<T>) } else { None };
        let user_data = slot::encode(index, generation);
        match self.t.wakers.register_same(cx.waker()) {
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
    fn started_without_waker<T>(&mut self, user_data: u64) -> Start<T> {
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        self.wake_first_waiter();
        Start::StartedThen(user_data)
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
        let Some((index, generation)) = self.t.slots.alloc(need, T::MULTISHOT, T::NAMEABLE) else {
            unreachable!("a free entry exists (checked by the caller)")
        };
        let storage = self.t.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the entry was free, so its cell is empty and unused; the
        // table and the storage have the same length.
        let ptr = unsafe { storage.put(index as usize, op) };
        // As in `start`: a panicking `prepare128` leaves nothing behind.
        let mut sqe = {
            let undo = UndoStart {
                storage,
                slots: &mut self.t.slots,
                finishers: &mut self.t.finishers,
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

    /// The slow half of `start`: the driver is closed, or the operation must
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
            self.queue_waiter(t, ticket.is_some());
            return Some(Contended::Wait(t));
        }
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.t.retired.push(Rc::new(w));
            }
        }
        None
    }

    /// Puts waiter `t` in the queue unless it is there: a waiter that was
    /// woken and lost the race keeps its place at the front (`returning`),
    /// a newcomer goes to the back. Its waker is stored later, cloned
    /// outside the borrow (see `Shared::settle_wait`).
    fn queue_waiter(&mut self, t: u64, returning: bool) {
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
    fn remove_waiter(&mut self, t: u64) -> Option<Waker> {
        let i = self.waiters.iter().position(|(x, _)| *x == t)?;
        self.waiters.remove(i).and_then(|(_, w)| w)
    }

    /// Refuses an operation that names a poll no longer in flight: it never
    /// reaches the kernel, completes with `ENOENT` (the kernel's answer for
    /// a poll that has ended), and gives up its place in the queue.
    #[cold]
    #[inline(never)]
    fn refuse_ended<T: Operation>(&mut self, op: T, ticket: Option<u64>) -> Start<T> {
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.t.retired.push(Rc::new(w));
            }
        }
        Start::Refused(op, libc::ENOENT)
    }

    /// Undoes a start whose SQE could not be written (the SQ stayed full):
    /// the kernel never saw it. The operation goes back to its future, first
    /// in the queue.
    #[cold]
    #[inline(never)]
    fn unstart<T: Operation>(&mut self, index: u32) -> Start<T> {
        let storage = self.t.storage.as_ref().expect("storage exists until teardown");
        // SAFETY: the SQE was not published, so the kernel holds no
        // pointer into the value.
        let op = unsafe { storage.take::<T>(index as usize) }.expect("just stored");
        self.t.free_entry(index);
        self.next_ticket += 1;
        let t = self.next_ticket;
        self.waiters.push_front((t, None));
        Start::Wait(op, t)
    }

    /// Starts every member of a chain at once, or none (see `chain.rs`).
    pub(crate) fn start_chain(
        &mut self,
        members: Vec<chain::Member>,
        hard: bool,
        ticket: Option<u64>,
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
            self.queue_waiter(t, ticket.is_some());
            return chain::ChainStart::Wait(members, t);
        }
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.t.retired.push(Rc::new(w));
            }
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
                self.t.slots.alloc(m.cqes, m.multishot, m.nameable).expect("room for every member (checked above)");
            let value = m.value.take().expect("a chain with a member taken back is refused by `Chain::start`");
            // SAFETY: the entry was just allocated, so its cell is empty and
            // unused, and the table and the storage have the same length;
            // `value` is the member's own type (`Chain::push` stored both).
            unsafe { (m.put)(storage, index as usize, value) };
            if m.nameable {
                self.t.serials += 1;
                self.t.slots.at(index).serial = self.t.serials;
            }
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
            let mut undo = UndoChain {
                storage,
                slots: &mut self.t.slots,
                finishers: &mut self.t.finishers,
                entries: &entries,
                members: &members,
                armed: true,
            };
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
        if self.external > 0 || self.strategy.submit_now(unsubmitted) {
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
    fn poll_complete<T: Operation>(&mut self, index: u32, generation: u32, cx: &mut Context<'_>) -> Polled<T> {
        let Some(slot) = self.t.slots.get(index, generation) else {
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
                let storage = self.t.storage.as_ref().expect("a Done entry's storage is never leaked");
                // SAFETY: `get` found entry `index` (one cell per entry). Done: the kernel is done with the value. The cell holds
                // a `T`: the caller is the `Op<T>` owning the current claim (checked above), `start::<T>` (or a chain link, checked
                // by chain id) put a `T` there, and only the claim's owner takes a live entry's value out (checked in debug).
                let op = unsafe { storage.take_unchecked::<T>(index as usize) };
                self.t.free_entry(index);
                self.t.stats.completed += 1;
                self.wake_first_waiter();
                Polled::Ready(op, result, last, cancelled)
            }
            Phase::InFlight => match self.t.wakers.update_same(slot.waker, cx.waker(), &mut self.t.retired) {
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
    fn install_waker(&mut self, index: u32, generation: u32, w: Waker) {
        let t = &mut self.t;
        match t.slots.get(index, generation) {
            Some(slot) if matches!(slot.phase, Phase::InFlight | Phase::Done) => {
                slot.waker = t.wakers.update_owned(slot.waker, w, &mut t.retired);
                if slot.phase == Phase::Done || slot.stream.as_ref().is_some_and(|q| !q.is_empty()) {
                    t.wakers.mark_due(slot.waker);
                }
            }
            // The claim is gone (cannot happen for a live future): dropped
            // outside the borrow.
            _ => t.retired.push(Rc::new(w)),
        }
    }

    /// One step of a stream's poll (see `Shared::poll_stream`, which calls
    /// `Multishot::item` outside the borrow).
    fn stream_step<T: Multishot>(&mut self, index: u32, generation: u32, cx: &mut Context<'_>) -> StreamStep<T> {
        let Some(slot) = self.t.slots.get(index, generation) else { return StreamStep::Pending(false) };
        let storage = self.t.storage.as_ref().expect("a live entry's storage is never leaked");
        if let Some(cqe) = slot.stream.as_mut().and_then(|q| q.pop_front()) {
            if cqe.more() {
                // SAFETY: reading the address of the live value in its cell (of this stream's type: the entry is at the
                // claim's generation, started by `start::<Streaming<T>>`).
                let value =
                    unsafe { storage.get::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
                return StreamStep::Cqe(value, cqe);
            }
            // SAFETY: the terminal completion was seen: the kernel is done with the value.
            let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            self.t.slots.at(index).orphan_hook = None;
            self.t.free_entry(index);
            self.t.stats.completed += 1;
            self.wake_first_waiter();
            return StreamStep::Last(op, cqe, self.has_poll_side_work());
        }
        if slot.phase == Phase::Done {
            // Ended with no completion left to deliver (cannot normally
            // happen: the terminal completion is queued like the others).
            // SAFETY: the terminal completion was seen.
            let op = unsafe { storage.take::<Streaming<T>>(index as usize) }.expect("entry holds this stream's type");
            self.t.slots.at(index).orphan_hook = None;
            self.t.free_entry(index);
            self.wake_first_waiter();
            return StreamStep::End(op, self.has_poll_side_work());
        }
        match self.t.wakers.update_same(slot.waker, cx.waker(), &mut self.t.retired) {
            Some(w) => {
                slot.waker = w;
                StreamStep::Pending(self.has_poll_side_work())
            }
            None => StreamStep::NeedWaker,
        }
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
        // At teardown, when every credit is held by operations that may
        // never complete by themselves (reads of quiet sockets filling the
        // CQ's worth of credits), waiting for a credit would wait out the
        // deadline and leak them all. So teardown sends one cancellation
        // at a time without a credit: its completion may overflow the CQ,
        // which the kernel keeps (`IORING_FEAT_NODROP`) until the reap
        // below flushes it, and it returns a credit for the next one.
        while self.t.credits > 0 || (self.closed && self.t.internal == 0) {
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
            // An uncredited teardown cancellation takes nothing here, and
            // gives a credit back at its completion, as every cancellation does.
            self.t.credits = self.t.credits.saturating_sub(1);
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
            // A waiter without a waker is cloning it right now; it finds
            // itself off the queue and wakes its clone (`Shared::settle_wait`).
            if let Some(w) = w {
                self.to_wake.push(w);
            }
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

    fn teardown(&mut self, deadline: Duration) -> TeardownReport {
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
            self.to_wake.extend(w);
        }
        for (_, slot) in self.t.slots.iter_mut() {
            slot.waker = NO_WAKER;
        }
        self.t.wakers.take_all(&mut self.woken_at_teardown);
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
