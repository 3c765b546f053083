//! The counting allocator counts, and tracing an allocation (which itself
//! allocates a backtrace) neither recurses nor deadlocks.

use benches::{allocations, trace_allocations, CountingAlloc};
use std::hint::black_box;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn counts_allocations_and_traces_without_recursing() {
    let before = allocations();
    let b = black_box(Box::new([7u8; 64]));
    let v: Vec<u32> = black_box((0..100).collect());
    assert!(allocations() >= before + 2, "a Box and a Vec are two allocations at least");
    drop((b, v));

    trace_allocations(true, 1);
    let traced = black_box(vec![1u8; 16]);
    trace_allocations(false, 0);
    assert_eq!(traced.len(), 16);

    let quiet = allocations();
    let x = black_box(3u64).wrapping_mul(5);
    assert_eq!(allocations(), quiet, "arithmetic does not allocate");
    assert_eq!(x, 15);
}
