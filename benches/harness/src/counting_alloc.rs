//! The counting allocator every benchmark binary installs, and the
//! backtraces it can print to find an allocation on a hot path.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static TRACE: AtomicBool = AtomicBool::new(false);
static TRACES_LEFT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set while this thread is printing a backtrace, whose own allocations
    /// must not be traced again.
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

/// A global allocator that forwards to [`System`] and counts every
/// allocation (`alloc`, `alloc_zeroed` and `realloc` each count one).
///
/// Every benchmark binary of every stack installs it with
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`. With
/// [`trace_allocations`] on, each counted allocation also prints a
/// backtrace to standard error (up to a limit), which is how an allocation
/// on a hot path is located.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Allocations counted so far (by [`CountingAlloc`], if installed).
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// Starts (or stops) printing a backtrace for each of the next `limit`
/// allocations.
pub fn trace_allocations(on: bool, limit: usize) {
    TRACES_LEFT.store(limit, Ordering::Relaxed);
    TRACE.store(on, Ordering::SeqCst);
}

#[inline]
fn note_allocation() {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    if TRACE.load(Ordering::Relaxed) {
        trace_one();
    }
}

#[cold]
fn trace_one() {
    let reentered = IN_TRACE.with(|t| t.replace(true));
    if reentered {
        return;
    }
    let left = TRACES_LEFT.load(Ordering::Relaxed);
    if left > 0 {
        TRACES_LEFT.store(left - 1, Ordering::Relaxed);
        let bt = std::backtrace::Backtrace::force_capture();
        eprintln!("allocation in the measured window:\n{bt}");
    }
    IN_TRACE.with(|t| t.set(false));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are this allocator's; counting touches
// only atomics and (when tracing) thread-local state guarded against reentry.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract of `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}
