//! The runtime: a single-threaded [`executor`] that parks in the ring,
//! with a park gate that other threads' wakers open, and a
//! [`handle`] through which other threads hand it work.

pub mod channel;
pub mod compat;
pub mod executor;
mod from_std;
pub mod handle;
pub mod select;
pub mod task;
pub mod time;
