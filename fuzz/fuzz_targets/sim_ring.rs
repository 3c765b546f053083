//! Fuzzes the raw queues against the simulated kernel with every fault
//! enabled: the bytes pick a chaos seed, a ring size and a stream of
//! push / submit / wait / release steps; every NOP pushed must come back
//! exactly once, whatever the kernel did in between.
//!
//! Run with `cargo +nightly fuzz run sim_ring` from `fuzz/`.
#![no_main]

use ring_core::Builder;
use ring_sys::*;
use std::collections::HashMap;
use verification::sim::{Chaos, SimConfig, SimKernel};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else { return };
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - u32::from(head), ..SimConfig::default() });
    let mut chaos = Chaos::wild(u64::from(head) * 0x9E37_79B9);
    chaos.enter_errors = vec![libc::EAGAIN, libc::EINTR, libc::EBUSY];
    sim.set_chaos(chaos);
    let Ok(mut ring) = Builder::new(1 << (head % 4)).cq_size(2 << (head % 4)).build_on(sim.clone()) else { return };
    let mut next = 0u64;
    let mut seen: HashMap<u64, u32> = HashMap::new();
    for &b in rest.iter().take(500) {
        match b % 4 {
            0 | 1 => {
                let sqe = io_uring_sqe { opcode: IORING_OP_NOP, user_data: next, ..Default::default() };
                // SAFETY: a NOP carries no pointer.
                if unsafe { ring.sq().push(&sqe) }.is_ok() {
                    next += 1;
                }
            }
            2 => {
                let _ = ring.submit();
            }
            _ => {
                sim.release_all();
                let _ = ring.get_events();
            }
        }
        while let Some(c) = ring.cq().pop() {
            *seen.entry(c.user_data).or_default() += 1;
        }
    }
    for _ in 0..100 {
        sim.release_all();
        let _ = ring.submit_and_wait(0);
        let _ = ring.get_events();
        while let Some(c) = ring.cq().pop() {
            *seen.entry(c.user_data).or_default() += 1;
        }
        if seen.len() as u64 == next {
            break;
        }
    }
    assert!(seen.values().all(|&n| n == 1), "a completion arrived twice");
    assert_eq!(seen.len() as u64, next, "a submitted NOP never completed");
});
