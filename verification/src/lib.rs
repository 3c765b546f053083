//! A simulated io_uring kernel and the models that check ring-core as it ships.
//!
//! - [`sim`]: [`sim::SimKernel`] implements `ring_core::Kernel`, so the
//!   unchanged `ring_core::Ring` and `ring_core::Driver` run on it, over
//!   ring memory laid out as Linux lays it out, with fault injection.
//! - `hostile`: wakers whose `clone`, `wake` or `drop` panic or turn the
//!   driver, polled by the scenario interpreter's `PollHostile` action.
//! - [`alloc`]: [`alloc::TrackingAlloc`], a global allocator that records
//!   live blocks, so the simulator can report an access to freed memory
//!   without Miri (and reach user memory with the right provenance under it).
//! - [`scenario`] and [`cqe_stream`]: interpreters of random cases (user
//!   actions, kernel behaviour, injected completions) against the shipped
//!   driver, shared by the property tests and the fuzz targets.
//! - [`sqe_builders`] and [`safe_prepare`]: the raw builders and the safe
//!   operations' `prepare` with arbitrary arguments (fuzz targets' bodies).
//!
//! The loom models of the shipped queue code live in `tests/loom_*.rs` and
//! run with `--cfg ring_loom`; see `docs/verification.md`.
#![warn(missing_docs)]

pub mod alloc;
#[cfg(not(ring_loom))]
pub mod cqe_stream;
#[cfg(not(ring_loom))]
pub mod fuzz_bodies;
#[cfg(not(ring_loom))]
pub mod hostile;
#[cfg(not(ring_loom))]
pub mod safe_prepare;
#[cfg(not(ring_loom))]
pub mod scenario;
pub mod sim;
#[cfg(not(ring_loom))]
pub mod sqe_builders;

pub use sim::{Chaos, EnterFault, SimConfig, SimKernel};
