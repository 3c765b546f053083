//! The raw ring (`ring_core::Ring`, `SubmissionQueue`, `CompletionQueue`)
//! running unchanged on the simulated kernel.
//!
//! Each test names the bug class of `docs/bug-classes.md` it guards. Counts are
//! smaller under Miri, which runs this file through `scripts/miri.sh`.
#![cfg(not(ring_loom))]

use core::time::Duration;
use ring_core::{Builder, Cqe, Error, Ring};
use ring_sys::*;
use std::collections::HashMap;
use verification::sim::{Chaos, EnterFault, InflightState, Rng, SimConfig, SimKernel, WordLayout, SIM_FEATURES};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

/// Iterations of the long loops: thousands natively, a few hundred under Miri.
const LONG: u64 = if cfg!(miri) { 200 } else { 5000 };

fn nop(user_data: u64) -> io_uring_sqe {
    io_uring_sqe { opcode: IORING_OP_NOP, user_data, ..Default::default() }
}

/// Pushes an SQE that carries no pointer (a NOP, a cancel, a poll).
fn push(ring: &mut Ring<SimKernel>, sqe: &io_uring_sqe) -> bool {
    // SAFETY: every SQE pushed through this helper names no user memory, or
    // memory the calling test keeps alive until the completion it waits for.
    unsafe { ring.sq().push(sqe) }.is_ok()
}

/// Pops everything ready.
fn drain(ring: &mut Ring<SimKernel>) -> Vec<Cqe> {
    let mut v = Vec::new();
    while let Some(c) = ring.cq().pop() {
        v.push(c);
    }
    v
}

/// Asserts the simulator saw no memory or protocol violation and no stall.
fn assert_clean(sim: &SimKernel) {
    assert!(sim.violations().is_empty(), "violations: {:#?}", sim.violations());
    assert!(sim.stalls().is_empty(), "stalls: {:#?}", sim.stalls());
}

/// Pushes `n` NOPs numbered from `first` in random batches, submitting and
/// reaping as it goes, and checks that each completes exactly once.
fn run_nops(sim: &SimKernel, ring: &mut Ring<SimKernel>, first: u64, n: u64, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut seen: HashMap<u64, u32> = HashMap::new();
    let cap = u64::from(ring.sq().capacity());
    let mut next = first;
    let end = first + n;
    let mut guard = 0;
    while next < end || seen.len() < n as usize {
        guard += 1;
        assert!(guard < 100 * n + 1000, "no progress");
        let batch = 1 + rng.below(cap);
        for _ in 0..batch {
            if next == end || !push(ring, &nop(next)) {
                break;
            }
            next += 1;
        }
        match ring.submit_and_wait(1) {
            Ok(_) => {}
            Err(e) if e.is_transient() || matches!(e, Error::CompletionLost) => {}
            Err(e) => panic!("enter failed: {e}"),
        }
        for c in drain(ring) {
            assert_eq!(c.res, 0);
            *seen.entry(c.user_data).or_default() += 1;
        }
    }
    for ud in first..end {
        assert_eq!(seen.get(&ud), Some(&1), "user_data {ud} completed {:?} times", seen.get(&ud));
        assert_eq!(sim.executions(ud), 1, "user_data {ud} ran {} times", sim.executions(ud));
    }
}

/// Pushes an SQE whose buffers the test keeps alive.
///
/// # Safety
///
/// Every pointer in `sqe` must stay valid until its completion is reaped
/// (or, in the use-after-free test, the test must want the violation).
unsafe fn push_raw(ring: &mut Ring<SimKernel>, sqe: &io_uring_sqe) {
    // SAFETY: forwarded contract.
    unsafe { ring.sq().push(sqe) }.expect("room in the SQ");
}

fn rw(op: u8, fd: i32, buf: *const u8, len: usize, off: u64, user_data: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode: op, fd, len: len as u32, user_data, ..Default::default() };
    sqe.set_addr(buf as u64);
    sqe.set_off(off);
    sqe
}

mod cqes;
mod faults;
mod files;
mod memory;
mod modes;
mod streams;
mod wrap;
