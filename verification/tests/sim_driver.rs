//! The driver on the simulated kernel, for what the real kernel of the
//! test machine cannot show: 128-byte operations on an `SQE_MIXED` ring
//! (Linux 6.19), pushed through the safe layer, across the end of the ring
//! where a filler NOP must be inserted.
#![cfg(not(ring_loom))]

use ring_core::driver::Batch;
use ring_core::{Builder, Driver};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use verification::sim::{SimConfig, SimKernel};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn run<F: Future>(d: &Driver<SimKernel>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = Pin::new(&mut fut).poll(&mut cx) {
            return v;
        }
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    panic!("the future never finished");
}

#[test]
fn nop128_through_the_driver_on_a_mixed_ring_wraps_with_fillers() {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 2, ..SimConfig::default() });
    let ring = Builder::new(4).sqe_mixed().build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    for i in 0..40 {
        // Alternate 128- and 64-byte entries so the 128-byte ones land on
        // every slot position, including the last (which needs a filler).
        run(&d, d.nop128()).unwrap_or_else(|e| panic!("nop128 #{i}: {e}"));
        run(&d, d.nop()).unwrap();
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(d.stats().stale, 0);
    let st = sim.stats();
    // 80 operations took 80 completions; the extra entries the kernel
    // consumed are the filler NOPs (CQE_SKIP_SUCCESS) before 128-byte
    // entries that would have straddled the end of the ring.
    assert_eq!(st.posted, 80, "{st:?}");
    assert!(st.consumed > 80, "no filler was ever needed: {st:?}");
}

#[test]
fn nop128_on_a_64_byte_ring_is_refused_before_the_kernel() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let e = run(&d, d.nop128()).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert_eq!(sim.stats().consumed, 0, "nothing reached the kernel");
}
