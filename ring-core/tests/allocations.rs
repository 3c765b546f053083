//! Heap allocations per operation in steady state: none for operations whose
//! only memory is the caller's buffer (nop, read, write). The benchmarks
//! measure the same with a counting allocator (`benches`); this test keeps
//! the property in the test command, so that a value quietly boxed in the
//! driver's storage (a cell too small, or the inline test inverted) fails
//! here, not only in a benchmark report.

use ring_core::ops::{Read, Write};
use ring_core::Runtime;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::os::fd::AsRawFd;

/// Counts the allocations of the calling thread (other test threads run at
/// the same time and must not count).
struct CountingAlloc;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: forwards every call to `System` unchanged; the counter is a
// thread-local `Cell` that allocates nothing.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn nops_reads_and_writes_allocate_nothing_in_steady_state() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let file = tempfile();
    let fd = file.as_raw_fd();
    let counts = rt
        .block_on(async {
            let mut buf = Vec::with_capacity(4096);
            // Warm up: the driver's tables, waker entries and vectors reach
            // their steady size.
            for _ in 0..16 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(fd, vec![7u8; 512], 0)).await;
                r.unwrap();
                drop(b);
                let (r, b) = d.op(Read::new(fd, buf, 0)).await;
                r.unwrap();
                buf = b;
                buf.clear();
            }
            let data = vec![9u8; 512];
            let before = allocations();
            let mut data = data;
            for _ in 0..100 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(fd, data, 0)).await;
                assert_eq!(r.unwrap(), 512);
                data = b;
                let (r, b) = d.op(Read::new(fd, buf, 0)).await;
                assert_eq!(r.unwrap(), 512);
                buf = b;
                buf.clear();
            }
            allocations() - before
        })
        .unwrap();
    assert_eq!(counts, 0, "300 operations in steady state allocated {counts} times");
}

fn tempfile() -> std::fs::File {
    let path = std::env::temp_dir().join(format!("ring-core-allocations-{}", std::process::id()));
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}
