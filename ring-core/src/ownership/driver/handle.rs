//! The public handle: `Driver`, a counted reference to the shared state, and
//! what it offers besides the operations (which `ops/` adds): turning the
//! driver, its counters, the ring under the safe API's contract, and
//! teardown when the last handle goes.

#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::{Kernel, Linux};
use crate::ownership::driver::attendance::Attendance;
use crate::ownership::driver::drive::{DefaultDrive, Drive};
use crate::ownership::driver::held_drive::HeldDrive;
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::reports::Stats;
use crate::ownership::driver::reports::TeardownReport;
use crate::ownership::driver::shared::Shared;
use crate::ownership::driver::slot::Slots;
use crate::ownership::driver::storage::Storage;
use crate::ownership::driver::strategy::{Batch, SubmitStrategy};
use crate::ownership::driver::table::Table;
use crate::ownership::driver::wakers::Wakers;
use crate::raw::probe::Probe;
use crate::raw::ring::Ring;
use crate::raw::ring_id::RingId;
use core::cell::{Cell, RefCell};
use core::time::Duration;
use ring_sys::*;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

/// The safe io_uring driver. Cheap to clone (a reference-counted handle);
/// single-threaded (see [`crate::runtime::handle`] for other threads). It is not
/// `Send`: its ring's registered index names the ring only in the table of
/// the thread that registered it.
///
/// Most programs get one from a [`Runtime`](crate::Runtime)
/// ([`Runtime::driver`](crate::Runtime::driver)), which also drives it.
/// Each operation method returns an [`Op`](crate::Op) future (or a [`MultiOp`](crate::MultiOp)
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
/// | any operation, chains | [`op`](Self::op) (an [`Operation`](crate::Operation) value, see [`crate::ops`]), [`multishot_keep`](Self::multishot_keep), [`chain`](Self::chain), [`Op::with_timeout`](crate::Op::with_timeout), [`Op::cancel`](crate::Op::cancel), [`nop`](Self::nop) |
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

/// # A driver on a new ring
///
/// ```
/// let d = ring_core::Driver::new(32)?;
/// assert_eq!(d.in_flight(), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
impl Driver<Linux> {
    /// A driver on a new ring of `entries` entries, set up for one thread
    /// where the kernel has it (see [`Runtime::new`](crate::Runtime::new)),
    /// and the [`Batch`] strategy.
    pub fn new(entries: u32) -> io::Result<Self> {
        Ok(Driver::with_ring(crate::raw::setup::Builder::build_one_thread(entries)?, Batch::default()))
    }
}

/// # Setting up, driving and inspecting
///
/// The driver itself (see ["Methods by family"](Driver#methods-by-family)
/// for the operations): made on a ring of one's own, turned by hand when no
/// [`Runtime`](crate::Runtime) turns it, its counters, what the kernel
/// behind it supports, and its teardown.
///
/// ```
/// use ring_core::driver::Batch;
/// use ring_core::{Builder, Driver};
/// use std::time::Duration;
///
/// let d = Driver::with_ring(Builder::new(16).build()?, Batch::default());
/// // For an event loop of one's own: readable when completions arrive
/// // (`compat::ExternalLoop` wraps this).
/// let _eventfd = d.register_eventfd()?;
/// // What the kernel supports: refuse early, with a typed error.
/// let _single_mmap = d.has_feature(ring_core::sys::IORING_FEAT_SINGLE_MMAP);
/// let _flags = d.setup_flags();
/// let _id = d.ring_id();
///
/// // Turned by hand: start an operation, then park until it completes.
/// let mut nop = std::pin::pin!(d.nop());
/// let waker = std::task::Waker::noop();
/// let mut cx = std::task::Context::from_waker(waker);
/// assert!(nop.as_mut().poll(&mut cx).is_pending());
/// assert_eq!(d.in_flight(), 1);
/// while nop.as_mut().poll(&mut cx).is_pending() {
///     d.park(Some(Duration::from_millis(100)))?;
/// }
/// assert_eq!(d.in_flight(), 0);
/// assert!(d.credits() > 0);
/// assert!(d.stats().started >= 1);
///
/// // Teardown waits this long for operations still in flight.
/// d.set_teardown_deadline(Duration::from_secs(1));
/// let report = d.shutdown();
/// assert_eq!(d.teardown_report(), Some(report));
/// # use std::future::Future;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    pub fn with_ring(ring: Ring<K>, strategy: impl SubmitStrategy + 'static) -> Self {
        Driver::with_drive(ring, DefaultDrive::new(strategy))
    }

    /// A driver on `ring` that enters the kernel as `drive` decides (see
    /// [`Drive`]): its policy for a full SQ, for submitting and for waiting.
    /// The driver keeps writing every SQE, owning every operation's memory
    /// and reaping every completion; `drive` is contained foreign code.
    /// What [`with_ring`](Self::with_ring) says of completions already in
    /// the ring holds here too.
    pub fn with_drive(mut ring: Ring<K>, drive: impl Drive + 'static) -> Self {
        while ring.cq.pop().is_some() {}
        let cq = ring.params.cq_entries.max(1);
        let id = ring.id;
        // Asked once, here, before the driver exists (a panic leaves
        // nothing behind); never again inside the driver's borrow.
        let parks_only = drive.submits_only_at_park();
        let disabled = !ring.is_enabled();
        let inner = Inner {
            table: Table {
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
            submit_at_park_only: parks_only,
            strategy_parks_only: parks_only,
            external: 0,
            strategy: HeldDrive::new(drive),
            strategy_failed: false,
            strategy_panic: None,
            to_wake: Vec::new(),
            woken_at_teardown: Vec::new(),
            wake_buf: Vec::new(),
            closed: false,
            disabled,
            not_open: disabled,
            leaked: false,
            no_sync_cancel: false,
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
                attend: Attendance::default(),
                link_timeouts: Cell::new(None),
                user_deadlines: Default::default(),
                next_user_deadline: Cell::new(None),
            }),
        }
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
    /// call `poll` before it waits, or build the driver with [`Immediate`](crate::ownership::driver::strategy::Immediate).
    /// [`compat::ExternalLoop`](crate::runtime::compat::ExternalLoop) does all of
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
        let r = self.ring_call(|ring| {
            // SAFETY: REGISTER_EVENTFD reads one int during the call; the
            // kernel takes its own reference to the eventfd.
            unsafe { ring.register_raw(IORING_REGISTER_EVENTFD, (&raw const as_int).cast(), 1) }
        });
        match r {
            Ok(Ok(_)) => Ok(fd),
            Ok(Err(e)) | Err(e) => Err(e.into()),
        }
    }

    /// Checks that `target` names a poll of this driver that is still in
    /// flight: the only operation a removal or update built from it may act
    /// on (see [`crate::ownership::operation::PollTarget`]).
    pub(crate) fn check_poll_target(&self, target: &crate::ownership::operation::PollTarget) -> Result<(), Error> {
        if target.ring != self.shared.ring {
            return Err(Error::ForeignResource { what: "poll operation (a poll target of another driver)" });
        }
        let mut inner = self.shared.inner.try_borrow_mut().map_err(|_| Error::Reentrant)?;
        if inner.table.slots.names(target.index, target.generation, target.serial) {
            Ok(())
        } else {
            Err(Error::Ended { what: "poll operation" })
        }
    }

    /// The identity of the driver's ring. Every resource registered
    /// through this driver records it, and the driver refuses resources
    /// that record another (see [`Operation::refuse`](crate::ownership::operation::Operation::refuse)).
    pub fn ring_id(&self) -> RingId {
        self.shared.ring
    }

    /// Operations in flight (including orphans still in the kernel).
    ///
    /// This and the other counters read the driver's state; called from
    /// inside the driver (from an operation's own code while the driver
    /// runs it, which the [`Operation`](crate::ownership::operation::Operation) contract rules out) they return
    /// zero rather than panic.
    pub fn in_flight(&self) -> u32 {
        self.shared.inner.try_borrow().map_or(0, |i| i.table.slots.in_use())
    }

    /// Counters (all zero if called from inside the driver, see
    /// [`in_flight`](Self::in_flight)).
    pub fn stats(&self) -> Stats {
        self.shared.inner.try_borrow().map_or(Stats::default(), |i| i.table.stats)
    }

    /// Free CQ credits (zero if called from inside the driver, see
    /// [`in_flight`](Self::in_flight)).
    pub fn credits(&self) -> u32 {
        self.shared.inner.try_borrow().map_or(0, |i| i.table.credits)
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

    /// [`ring_mut`](Self::ring_mut) with the reason it could not run: the
    /// driver busy running foreign code ([`Error::Reentrant`]) or shut down.
    pub(crate) fn ring_call<R>(&self, f: impl FnOnce(&mut Ring<K>) -> R) -> Result<R, Error> {
        self.shared.ring_call(f)
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

/// # Probing the kernel
///
/// Refuse early, with a typed error, what the running kernel lacks.
/// [`with_ring_mut`](Self::with_ring_mut) (`unsafe`) reaches the raw ring
/// under the driver for what no method covers.
///
/// ```
/// let d = ring_core::Driver::new(8)?;
/// let probe = d.probe()?;
/// assert!(probe.supported(ring_core::sys::IORING_OP_NOP));
/// d.require(ring_core::sys::IORING_OP_NOP)?;
/// if let Err(e) = d.require(ring_core::sys::IORING_OP_EPOLL_WAIT) {
///     println!("no epoll_wait here (6.15): {e}");
/// }
/// // SAFETY: only reads the ring's parameters; no entry is written.
/// let sq_entries = unsafe { d.with_ring_mut(|ring| ring.params().sq_entries) };
/// assert_eq!(sq_entries, Some(8));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// What the kernel behind this driver supports.
    pub fn probe(&self) -> crate::error::Result<Probe> {
        self.ring_call(|r| Probe::new(r))?
    }

    /// `Err(UnsupportedOpcode)` if the kernel lacks `opcode` (an
    /// `IORING_OP_*` value): check before relying on an operation newer
    /// than the oldest kernel you support. An unsupported operation that
    /// is submitted anyway completes with the kernel's `EINVAL` or
    /// `EOPNOTSUPP`.
    pub fn require(&self, opcode: u8) -> crate::error::Result<()> {
        self.probe()?.require(opcode)
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

impl<K: Kernel> core::fmt::Debug for Driver<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.shared.inner.try_borrow() {
            Ok(inner) => f
                .debug_struct("Driver")
                .field("in_flight", &inner.table.slots.in_use())
                .field("credits", &inner.table.credits)
                .field("closed", &inner.closed)
                .finish(),
            Err(_) => f.write_str("Driver { <busy> }"),
        }
    }
}
