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
//!    slots than the CQ has: each takes [`Operation::CQES`](crate::ownership::operation::Operation::CQES) credits when it
//!    starts and returns them at its terminal completion, and the driver's
//!    own cancellations take one each. Operations that find no credit wait
//!    in FIFO order; nothing is queued in user space beyond the waiting
//!    futures themselves.
//! 4. **Exactly one outcome.** Every operation that starts ends either with
//!    its output delivered to its future, or, if the future is gone, with
//!    [`Operation::orphaned`](crate::ownership::operation::Operation::orphaned) at its terminal completion.
//! 5. **Foreign code outside.** No waker, destructor or hook of someone
//!    else's runs while the driver's state is borrowed, and a future records
//!    its claim before any runs for it; each foreign call is caught so that
//!    a panic in one does not skip the others, and is re-raised where no
//!    outcome is held (see `docs/ownership.md`, "Foreign code").
//!
//! Two more, checked by the adversarial suite: an operation that acts on
//! another (a poll removal or update) names it by a
//! [`PollTarget`](crate::ownership::operation::PollTarget) and starts only while that very
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
//!
//! # The files
//!
//! Each file holds one part of the driver's state, or one thing done to it:
//!
//! - The public face: `handle.rs` ([`Driver`]), `op.rs` (the [`Op`]
//!   future; in `op/`, explicit cancellation, the [`MultiOp`] stream, and
//!   raw entries), `chain.rs` (linked chains),
//!   `strategy.rs` (when to submit), `drive.rs` (how the kernel is
//!   entered: the pluggable [`Drive`]; `held_drive.rs`, the crate's own
//!   drives asked directly, a caller's contained), `reports.rs` ([`Stats`],
//!   [`TeardownReport`]).
//! - The shared state and the discipline of its `RefCell` (invariant 5):
//!   `shared.rs`; who drives the driver, `attendance.rs`; the foreign code left for after the borrow,
//!   `side_work.rs`; each foreign call caught, `caught.rs`.
//! - The state behind the `RefCell`, `inner.rs`, composed of the ring and
//!   the table (`table.rs`: the entries of `slot.rs`, the cells of
//!   `storage.rs`, the wakers of `wakers.rs`, the type-erased hooks of
//!   `hooks.rs`), acted on by admission and credits (`admission.rs`), the
//!   submitter, the only part that writes SQEs (`submitter.rs`),
//!   completion routing (`routing.rs`), collecting outputs
//!   (`collect.rs`), cancellation (`cancel.rs`), starting a chain
//!   (`chain_start.rs`) and teardown (`teardown.rs`).
//!
//! [`Op`]: op::Op
//! [`MultiOp`]: op::MultiOp

mod admission;
mod attendance;
mod cancel;
mod caught;
mod chain;
mod chain_start;
mod collect;
mod deadline_watch;
pub mod drive;
mod handle;
mod held_drive;
mod hooks;
mod inner;
pub mod op;
mod reports;
mod routing;
mod shared;
mod side_work;
pub(crate) mod slot;
mod storage;
pub mod strategy;
mod submitter;
mod table;
mod teardown;
mod user_deadlines;
mod wakers;

pub use chain::{Chain, ChainRefused, Link, StartChain, Started};
pub(crate) use deadline_watch::UserDeadline;
pub use drive::{BusyPoll, DefaultDrive, Drive, Enter};
pub use handle::Driver;
pub use op::RawOp;
pub use reports::{Stats, TeardownReport};
pub(crate) use shared::Shared;
pub use slot::WAKE as WAKE_USER_DATA;
pub use strategy::{Batch, Immediate, SqPoll, SubmitStrategy};
