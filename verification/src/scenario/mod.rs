//! A scenario interpreter: random sequences of user actions and kernel
//! behaviours run against the shipped `ring_core::Driver` on the simulated
//! kernel, with invariants checked after every step. Shared by the proptest
//! suite (`tests/prop_driver.rs`) and the fuzz target (`fuzz/`).
//!
//! User actions: submit each kind of safe operation (nop, file read and
//! write, pipe read, sleep, multishot poll and ticks, zero-copy send,
//! multishot reads into a buffer pool, and the same with another driver's
//! pool, which must be refused) on either of two drivers sharing the
//! thread and the simulated kernel; drop the application's handle of a
//! pool while streams still use it,
//! start a linked chain of two or three of them through the shipped chain
//! API (`Driver::chain`, `Chain::push`, `start`, `Started::take`), taking
//! some, all or none of its members' futures; poll, drop, forget, cancel
//! (chain members too); poll with a hostile waker ([`crate::hostile`]) whose
//! `clone`, `wake` or `drop` panics or turns the driver, whenever the driver
//! calls it. Kernel behaviour: held completions released in any
//! order, short I/O, failed and short enters, multishot streams ending
//! early, zero-copy notifications out of order, cancels racing completions
//! ([`crate::sim::Chaos::wild`]), on rings of 1 to 4 entries whose indices
//! start near `u32::MAX`, with a CQ twice the SQ or (a *tiny CQ*, see
//! [`Setup`]) as small as the kernel allows, so that operations wait for
//! CQ credits and multishot streams overflow the CQ.
//!
//! Each driver enters the kernel through the drive its [`Setup`] names
//! ([`DriveSpec`]): one the library ships, or one behind a hostile
//! [`Script`].
//!
//! Invariants checked after every step:
//! - the simulated kernel never touched memory that is not live
//!   (`SimKernel::violations`; install [`crate::alloc::TrackingAlloc`] as the
//!   global allocator for this to see freed memory);
//! - no buffer the kernel still holds (`SimKernel::inflight`) was freed;
//! - each operation gets at most one outcome, and only an outcome its own
//!   request could produce (a read returns the file's bytes at its offset,
//!   a write reports at most its length, ...), so a completion never reaches
//!   an operation that did not submit that `user_data`;
//! - in a linked chain (without `hard`), once a member failed (an error, a
//!   short read or write, an expired timeout, a cancellation) every later
//!   member that reports gets `-ECANCELED`; and a member reports
//!   `-ECANCELED` only if it was cancelled or an earlier member may have
//!   failed;
//! - the driver never cuts a chain at a submission boundary
//!   (`SimKernel::split_chains`);
//! - a drive that panicked is not asked again;
//!
//! and at quiescence: every one-shot operation and chain run to its end
//! got its outcome (unless a forgotten future keeps a CQ credit), each
//! drive's panic came out of the driver once, every buffer that was not
//! forgotten was freed exactly once, forgotten ones never, dropping the
//! driver terminates, and no drive was asked during its teardown.

mod action;
mod decode;
mod drive;
mod live;
mod oracle;
mod run;
mod setup;
mod start;
mod step;
mod world;

pub use action::{Action, ChainSpec, Kind, Member};
pub use decode::{decode, decode_with_mode};
pub use drive::{Base, DriveSpec, EnterStyle, Script};
pub use run::{run, run_in, run_setup};
pub use setup::{Mode, Setup};
pub use world::{Report, REGION};
