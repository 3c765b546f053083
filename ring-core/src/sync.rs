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

#[cfg(not(ring_loom))]
pub use core::sync::atomic::{fence, AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(ring_loom))]
pub use std::sync::{Arc, Condvar, Mutex};

#[cfg(ring_loom)]
pub use loom::sync::atomic::{fence, AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering};
#[cfg(ring_loom)]
pub use loom::sync::{Arc, Condvar, Mutex};

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
