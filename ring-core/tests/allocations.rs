//! Heap allocations per operation in steady state: none for operations whose
//! only memory is the caller's buffer (nop, read, write). The benchmarks
//! measure the same with a counting allocator (`benches`); this test keeps
//! the property in the test command, so that a value quietly boxed in the
//! driver's storage (a cell too small, or the inline test inverted) fails
//! here, not only in a benchmark report.

use ring_core::ops::{Read, Write};
use ring_core::{AsSharedFd, Runtime, SharedFd};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;

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
    // Each operation holds a clone of this `Rc` (a count increment, no
    // allocation) until it has ended.
    let fd = Rc::new(tempfile("rc"));
    let counts = rt
        .block_on(async {
            let mut buf = Vec::with_capacity(4096);
            // Warm up: the driver's tables, waker entries and vectors reach
            // their steady size.
            for _ in 0..16 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(&fd, vec![7u8; 512], 0)).await;
                r.unwrap();
                drop(b);
                let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                r.unwrap();
                buf = b;
                buf.clear();
            }
            let data = vec![9u8; 512];
            let before = allocations();
            let mut data = data;
            for _ in 0..100 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(&fd, data, 0)).await;
                assert_eq!(r.unwrap(), 512);
                data = b;
                let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                assert_eq!(r.unwrap(), 512);
                buf = b;
                buf.clear();
            }
            allocations() - before
        })
        .unwrap();
    assert_eq!(counts, 0, "300 operations in steady state allocated {counts} times");
}

/// Tasks taking turns allocate nothing either. Each of four spawned tasks
/// starts an operation, awaits it, and starts the next, so consecutive
/// operations belong to different tasks and each task's waker is not the
/// one most recently registered when its next operation starts: the
/// driver's table of wakers must find it without storing it anew (which
/// allocated a shared cell per operation). The window opens once every
/// task is past its warm-up and closes when the first task ends, so that
/// spawning and finishing are outside it.
#[test]
fn tasks_taking_turns_allocate_nothing_in_steady_state() {
    const TASKS: usize = 4;
    const WARM: u32 = 16;
    const COUNTED: u32 = 100;
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let fd = Rc::new(tempfile("turns"));
    // Tasks past their warm-up; the allocation count when the last of them
    // got there; the count when the first ended its counted rounds.
    let warm = Rc::new(Cell::new(0usize));
    let window: Rc<Cell<Option<(u64, Option<u64>)>>> = Rc::new(Cell::new(None));
    let ops = Rc::new(Cell::new(0u64));
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let (d, fd, warm, window, ops) = (d.clone(), fd.clone(), warm.clone(), window.clone(), ops.clone());
            rt.spawn(async move {
                let mut buf = Vec::with_capacity(4096);
                let mut data = vec![3u8; 512];
                let mut counted = 0u32;
                let mut round = 0u32;
                loop {
                    d.nop().await.unwrap();
                    let (r, b) = d.op(Write::new(&fd, data, 0)).await;
                    assert_eq!(r.unwrap(), 512);
                    data = b;
                    let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                    assert_eq!(r.unwrap(), 512);
                    buf = b;
                    buf.clear();
                    round += 1;
                    if round == WARM {
                        warm.set(warm.get() + 1);
                        if warm.get() == TASKS {
                            window.set(Some((allocations(), None)));
                        }
                    }
                    if let Some((start, None)) = window.get() {
                        if round > WARM {
                            counted += 1;
                            ops.set(ops.get() + 3);
                            if counted == COUNTED {
                                window.set(Some((start, Some(allocations()))));
                            }
                        }
                    }
                    if matches!(window.get(), Some((_, Some(_)))) {
                        return;
                    }
                }
            })
        })
        .collect();
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    })
    .unwrap();
    let Some((start, Some(end))) = window.get() else { panic!("the window never closed") };
    let counts = end - start;
    assert!(ops.get() >= u64::from(COUNTED) * 3);
    assert_eq!(counts, 0, "{} operations of {TASKS} tasks taking turns allocated {counts} times", ops.get());
}

/// Reads and writes through every kind of descriptor handle an operation
/// can hold (the crate's `File`, which owns its `SharedFd`; an `Arc`; a
/// `SharedFd` made by hand) allocate nothing either: holding the
/// descriptor costs one count increment, and the operation still fits the
/// driver's inline storage.
#[test]
fn holding_the_descriptor_allocates_nothing_whatever_keeps_it_open() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let file = ring_core::File::from_std(&d, tempfile("file"));
    let arc = Arc::new(tempfile("arc"));
    let shared = SharedFd::new(tempfile("shared"));
    let handles = [file.shared_fd(), arc.shared_fd(), shared];
    let counts = rt
        .block_on(async {
            let mut buf = Vec::with_capacity(4096);
            let mut data = vec![5u8; 256];
            let mut before = 0;
            // Sixteen rounds to warm the driver's tables up, then a hundred
            // counted.
            for round in 0..116 {
                if round == 16 {
                    before = allocations();
                }
                for fd in &handles {
                    let (r, b) = d.write_at(fd, data, 0).await;
                    assert_eq!(r.unwrap(), 256);
                    data = b;
                    let (r, b) = d.read_at(fd, buf, 0).await;
                    assert_eq!(r.unwrap(), 256);
                    buf = b;
                    buf.clear();
                }
                let (r, b) = file.write_at(data, 0).await;
                assert_eq!(r.unwrap(), 256);
                data = b;
                let (r, b) = file.read_at(buf, 0).await;
                assert_eq!(r.unwrap(), 256);
                buf = b;
                buf.clear();
            }
            allocations() - before
        })
        .unwrap();
    assert_eq!(counts, 0, "800 operations in steady state allocated {counts} times");
}

fn tempfile(name: &str) -> std::fs::File {
    let path = std::env::temp_dir().join(format!("ring-core-allocations-{}-{name}", std::process::id()));
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}
