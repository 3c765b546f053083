//! The system allocator, counting what the calling thread allocates: the
//! number of allocations (a reallocation counts as one), the bytes it
//! holds, and the bytes it holds in allocations aligned to at least a page
//! (those of `AlignedBuf`, and so of every registered buffer). Tests run on
//! threads of their own, so each test sees only its own counts.
//!
//! A binary has one global allocator, so each binary that counts installs
//! this one once, in its `main.rs`:
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: support::alloc::CountingAlloc = support::alloc::CountingAlloc;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    static HELD: Cell<isize> = const { Cell::new(0) };
    static PAGE_HELD: Cell<isize> = const { Cell::new(0) };
}

/// Adds one allocation of `layout` (`sign` 1) or removes one (`sign` -1).
/// `try_with`, because the allocator also runs while a thread's locals are
/// being destroyed, when there is nothing left to count into.
fn count(layout: Layout, sign: isize) {
    let bytes = sign * layout.size() as isize;
    let _ = HELD.try_with(|h| h.set(h.get() + bytes));
    if layout.align() >= 4096 {
        let _ = PAGE_HELD.try_with(|h| h.set(h.get() + bytes));
    }
    if sign > 0 {
        let _ = ALLOCATIONS.try_with(|a| a.set(a.get() + 1));
    }
}

// SAFETY: forwards every call to the system allocator unchanged; the
// counters are thread-local `Cell`s, which allocate nothing.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout, 1);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout, 1);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout, -1);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout, -1);
        count(Layout::from_size_align(new_size, layout.align()).unwrap(), 1);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// How many allocations this thread has made.
pub fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// Bytes this thread holds.
pub fn bytes_held() -> isize {
    HELD.with(Cell::get)
}

/// Bytes this thread holds in page-aligned allocations.
pub fn page_held() -> isize {
    PAGE_HELD.with(Cell::get)
}
