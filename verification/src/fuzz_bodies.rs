//! The bodies of the older fuzz targets (`fuzz/fuzz_targets/sim_ring.rs`
//! and `ring_layout.rs`), here so that the same code also runs as a plain
//! test over the seeds checked in under `fuzz/seeds/`
//! (`tests/fuzz_bodies.rs`). The other targets' bodies are
//! [`crate::scenario`], [`crate::cqe_stream`] and [`crate::sqe_builders`].

use crate::sim::{Chaos, SimConfig, SimKernel};
use core::ptr::NonNull;
use ring_core::layout::{pointers, RingRegion};
use ring_core::Builder;
use ring_sys::*;
use std::collections::HashMap;

/// The raw queues against the simulated kernel with every fault enabled:
/// the bytes pick a chaos seed, a ring size and a stream of push / submit
/// / wait / release steps; every NOP pushed must come back exactly once,
/// whatever the kernel did in between.
pub fn sim_ring(data: &[u8]) {
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
}

/// The code that turns the kernel's ring offsets into pointers: whatever
/// `io_uring_params` and region sizes say, `layout::pointers` either
/// returns pointers that lie inside their regions or an error; it never
/// reads or points outside the memory it was given.
pub fn ring_layout(data: &[u8]) {
    if data.len() < 120 {
        return;
    }
    // SAFETY: io_uring_params is plain integers; any bytes are a value.
    let mut p: io_uring_params = unsafe { core::ptr::read_unaligned(data.as_ptr().cast()) };
    p.flags &= IORING_SETUP_NO_SQARRAY | IORING_SETUP_CQE32 | IORING_SETUP_SQE128;
    p.sq_entries %= 64;
    p.cq_entries %= 128;
    let sizes = data.get(120..).unwrap_or(&[]);
    let len = |i: usize| usize::from(sizes.get(i).copied().unwrap_or(0)) * 16;
    // Regions of u64s, so every field is at least 8-aligned at offset 0.
    let mut sq = vec![0u64; len(0) / 8 + 1];
    let mut cq = vec![0u64; len(1) / 8 + 1];
    let mut sqes = vec![0u64; len(2) / 8 + 1];
    // Write the ring_entries words where the params say they are, when they fit.
    for (mem, off, val) in
        [(&mut sq, p.sq_off.ring_entries, p.sq_entries), (&mut cq, p.cq_off.ring_entries, p.cq_entries)]
    {
        let bytes = mem.len() * 8;
        if (off as usize) + 4 <= bytes && off % 4 == 0 {
            // SAFETY: in bounds and aligned, checked just above.
            unsafe { mem.as_mut_ptr().cast::<u8>().add(off as usize).cast::<u32>().write(val) };
        }
    }
    let region = |v: &mut Vec<u64>| RingRegion { base: NonNull::new(v.as_mut_ptr().cast()).unwrap(), len: v.len() * 8 };
    let (rs, rc, re) = (region(&mut sq), region(&mut cq), region(&mut sqes));
    // SAFETY: the regions are live Vecs, valid for reads and writes, which
    // outlive every use of the returned pointers (none here beyond checks).
    if let Ok((s, c)) = unsafe { pointers(&p, rs, rc, re) } {
        let inside = |ptr: *const u8, r: &RingRegion, size: usize| {
            let a = ptr as usize;
            let b = r.base.as_ptr() as usize;
            a >= b && a + size <= b + r.len
        };
        assert!(inside(s.head.as_ptr().cast(), &rs, 4));
        assert!(inside(s.tail.as_ptr().cast(), &rs, 4));
        assert!(inside(c.head.as_ptr().cast(), &rc, 4));
        assert!(inside(c.cqes.as_ptr().cast(), &rc, c.entries as usize * 16));
        assert!(inside(s.sqes.as_ptr().cast(), &re, s.entries as usize * 64));
    }
}
