//! The completion-stream target: arbitrary completions injected into a
//! driver's CQ while real operations of several kinds are in flight, with
//! the simulated kernel's chaos on, and invariants checked after every
//! step. Shared by the fuzz target (`fuzz/fuzz_targets/completion_stream.rs`)
//! and the plain test that runs it over the checked-in corpus
//! (`tests/completion_stream.rs`).
//!
//! # What is injected, and what the driver must do with it
//!
//! Any `user_data`, result and flags (`IORING_CQE_F_MORE`, `F_BUFFER` with
//! any buffer id, `F_NOTIF`, `F_SKIP`, `F_BUF_MORE`, anything), 16- and
//! 32-byte entries on `CQE32` and `CQE_MIXED` rings (with the fillers a
//! mixed ring needs), posted into the CQ, the overflow list or the
//! deferred task work, as another ring's `IORING_OP_MSG_RING` (which may
//! pass any flags) or a stale completion would be: see
//! [`SimKernel::inject_cqe`](crate::sim::SimKernel::inject_cqe). The `user_data` is one of
//!
//! - an older generation of an entry that holds a live operation now
//!   (single-shot, multishot, zero-copy, orphaned), or of any entry used
//!   before: the generation check must stop it on every routing path;
//! - generation 0 of any entry (never a live one: the first use is 1);
//! - an index past the table, or the index `u32::MAX` of the driver's own
//!   tags with another generation than theirs;
//! - the wake-up tag (`Driver`'s `WAKE_USER_DATA`), which other threads'
//!   handles really post, with any result and flags;
//! - raw bytes, turned into one of the above when they would name an
//!   entry's current generation (see [`Forge::Raw`]).
//!
//! What it never is: the current `user_data` of an operation, or the
//! driver's internal tag. The kernel posts those only for the driver's own
//! requests, and nothing outside the driver can (the driver's contract,
//! `Driver::with_ring_mut`, forbids `MSG_RING` towards its ring); a
//! completion forged with them is indistinguishable from the kernel's own,
//! so no driver could tell.
//!
//! # Invariants, after every step
//!
//! - The simulated kernel touched no memory that is not live, and wrote no
//!   provided buffer of a group unregistered since it took the buffer
//!   (`SimKernel::violations`; the target binary installs
//!   [`crate::alloc::TrackingAlloc`]): nothing was released early, a
//!   zero-copy send's buffer not before its notification, an orphaned
//!   stream's pool not while the kernel holds one of its buffers.
//! - Every outcome is one the operation's own request produced: a read
//!   returns the file's bytes at its offset and leaves the canary after
//!   them untouched, a pool read's buffer holds those bytes, a multishot
//!   pool read's items are the pipe's bytes in order, a poll item is an
//!   event mask that was asked for, a zero-copy send reports at most its
//!   length and returns its buffer unchanged, a NOP succeeds. So an
//!   injected completion that reached an operation would show.
//! - Every buffer handed out by a pool keeps its bytes while the
//!   application holds it (the kernel never writes a buffer it gave back).
//! - Each operation ends at most once.
//!
//! And at the end, with everything driven to completion: the driver
//! counted exactly the injected completions that name no current entry as
//! stale (not the wake-ups, not the fillers a mixed ring's reader skips).
//! One more means a real completion arrived for an entry already released
//! (an early release); one fewer, an injected completion reached an
//! operation. Dropping the driver then returns.

mod canary;
mod codec;
mod forge;
mod run;
mod steps;
mod world;

pub use codec::{decode, encode, run_bytes};
pub use run::run;
pub use steps::{Config, CqMode, Forge, Start, Step};
