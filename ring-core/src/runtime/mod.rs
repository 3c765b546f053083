//! The runtime: a single-threaded [`executor`] that parks in the ring,
//! with a park gate that other threads' wakers open, and a
//! [`handle`] through which other threads hand it work; [`dyn_driver`],
//! the driver as object-safe traits with reusable readiness objects; and
//! [`per_core`], one ring and executor per thread.

pub mod channel;
pub mod compat;
pub mod dyn_driver;
pub mod executor;
mod from_std;
pub mod handle;
pub mod per_core;
pub mod select;
pub mod task;
pub mod time;
