//! The one place ring-core gets its atomics, fences and interior-mutable
//! cells from.
//!
//! In ordinary builds these are `core`'s types, and [`UnsafeCell`] is a
//! transparent wrapper with loom's closure-based API, so it costs nothing.
//! When the crate is compiled with `--cfg ring_loom` (only the
//! verification crate's loom models do that) they are loom's types, and
//! the very same queue code in [`crate::raw::squeue`] and [`crate::raw::cqueue`] is
//! model-checked against a simulated kernel thread.
//!
//! Loom's atomics cannot overlay memory the kernel mapped (they have a
//! different representation), which is why the queues reach the shared
//! words through typed pointers ([`crate::raw::layout::SqPointers`], [`crate::raw::layout::CqPointers`]) rather
//! than through byte offsets: a real ring builds those pointers from the
//! mmap'd region, a loom model from loom-allocated words.
#![allow(unsafe_code)]
// Every other file of ring-core is kept off `core`'s and `std`'s atomics by
// clippy (`ring-core/clippy.toml`: `disallowed-types` and
// `disallowed-methods`), so that no atomic escapes the loom switch below.
// The atomics are type aliases rather than re-exports: a re-export is the
// very type clippy refuses, while an alias is a name of its own, so using
// `crate::sync::AtomicU32` passes and `core::sync::atomic::AtomicU32` does
// not. `fence` is a function for the same reason.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

pub use core::sync::atomic::Ordering;
#[cfg(ring_loom)]
pub use loom::sync::{Arc, Condvar, Mutex};
#[cfg(not(ring_loom))]
pub use std::sync::{Arc, Condvar, Mutex};

#[cfg(not(ring_loom))]
mod atomics {
    /// An `AtomicBool`: `core`'s.
    pub type AtomicBool = core::sync::atomic::AtomicBool;
    /// An `AtomicU16`: `core`'s.
    pub type AtomicU16 = core::sync::atomic::AtomicU16;
    /// An `AtomicU32`: `core`'s.
    pub type AtomicU32 = core::sync::atomic::AtomicU32;
    /// An `AtomicU64`: `core`'s.
    pub type AtomicU64 = core::sync::atomic::AtomicU64;
    /// An `AtomicUsize`: `core`'s.
    pub type AtomicUsize = core::sync::atomic::AtomicUsize;
    pub use core::sync::atomic::fence as fence_impl;
}

#[cfg(ring_loom)]
mod atomics {
    /// An `AtomicBool`: loom's (a `--cfg ring_loom` build).
    pub type AtomicBool = loom::sync::atomic::AtomicBool;
    /// An `AtomicU16`: loom's (a `--cfg ring_loom` build).
    pub type AtomicU16 = loom::sync::atomic::AtomicU16;
    /// An `AtomicU32`: loom's (a `--cfg ring_loom` build).
    pub type AtomicU32 = loom::sync::atomic::AtomicU32;
    /// An `AtomicU64`: loom's (a `--cfg ring_loom` build).
    pub type AtomicU64 = loom::sync::atomic::AtomicU64;
    /// An `AtomicUsize`: loom's (a `--cfg ring_loom` build).
    pub type AtomicUsize = loom::sync::atomic::AtomicUsize;
    pub use loom::sync::atomic::fence as fence_impl;
}

pub use atomics::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicUsize};

/// A memory fence of `order` (`core`'s, or loom's under `--cfg ring_loom`).
#[inline(always)]
pub fn fence(order: Ordering) {
    atomics::fence_impl(order)
}

/// Atomics that live in `static`s, which stay `core`'s under loom too.
///
/// Loom's atomics cannot be created in a constant, so a `static` cannot
/// hold one. The words here are process-wide counters and flags that
/// publish nothing (a ring's or a chain's id, whether a note was printed):
/// only their own value matters, every access is `Relaxed`
/// ([`process_wide::ORDERING`]), and no model has anything to check in them.
pub mod process_wide {
    /// A process-wide counter (`core`'s type in every build).
    pub type AtomicU64 = core::sync::atomic::AtomicU64;
    /// A process-wide flag (`core`'s type in every build).
    pub type AtomicBool = core::sync::atomic::AtomicBool;

    /// The ordering of every access to a process-wide word (a ring's or a
    /// chain's id taken from its counter, the flag of a note printed once).
    /// *Relaxed*: each word's own value is all that matters (a counter's
    /// RMWs never hand out a number twice, in any ordering) and nothing
    /// else is read on its account, so there is nothing for it to pair
    /// with, nothing weaker to plant, and no model has anything to check.
    pub const ORDERING: core::sync::atomic::Ordering = core::sync::atomic::Ordering::Relaxed;
}

/// Atomics whose address the kernel reads, which stay `core`'s under loom too.
///
/// A futex word is compared and keyed by the kernel through its address, so
/// it must have `u32`'s layout in every build; loom's atomics have another
/// representation and cannot stand in for it. The futex operations are
/// checked against the kernel (`ring-core/tests`), not by a loom model; the
/// orderings of a futex word's loads and stores are named here, next to
/// its type, for that reason (the table of the others is `crate::order`).
pub mod kernel_word {
    /// A 32-bit word the kernel reads by address (`core`'s type in every build).
    pub type AtomicU32 = core::sync::atomic::AtomicU32;

    /// Loading a futex word (`Futex::load`). *Acquire*: pairs with another
    /// thread's [`FUTEX_STORE`] of the value seen, so what that thread
    /// wrote before storing it is visible here, as a futex-based lock or
    /// event needs. The kernel's own read (the compare of a wait) is inside
    /// the system call, which orders it.
    pub const FUTEX_LOAD: core::sync::atomic::Ordering = core::sync::atomic::Ordering::Acquire;

    /// Storing a futex word (`Futex::store`). *Release*: pairs with
    /// another thread's [`FUTEX_LOAD`], so the writes before the store are
    /// visible to whoever sees the value; a waker's store then reaches a
    /// waiter through a wake operation, a system call, after it.
    pub const FUTEX_STORE: core::sync::atomic::Ordering = core::sync::atomic::Ordering::Release;
}

#[cfg(ring_loom)]
pub use loom::cell::UnsafeCell;

/// A cell whose contents another party (the kernel, or another thread) may
/// read or write, accessed only through raw pointers inside closures.
///
/// This is loom's `UnsafeCell` API on top of `core::cell::UnsafeCell`.
/// The closures mark where each access begins and ends, which under loom
/// lets the model checker report two unsynchronised accesses to the same
/// entry; here they compile to a plain pointer.
#[cfg(not(ring_loom))]
#[repr(transparent)]
#[derive(Debug, Default)]
pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(ring_loom))]
impl<T> UnsafeCell<T> {
    /// Creates a cell holding `value`.
    pub const fn new(value: T) -> Self {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a pointer for reading the contents.
    #[inline(always)]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a pointer for writing the contents.
    #[inline(always)]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(not(ring_loom))]
// SAFETY: the cell is only accessed through raw pointers whose use is justified at each access site (release/acquire
// on the ring indices orders every read and write of an entry); sharing the cell moves no `T` across threads by value.
unsafe impl<T: Send> Sync for UnsafeCell<T> {}
