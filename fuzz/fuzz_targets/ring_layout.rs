//! Fuzzes the code that turns the kernel's ring offsets into pointers:
//! whatever `io_uring_params` and region sizes say, `layout::pointers`
//! either returns pointers that lie inside their regions or an error; it
//! never reads or points outside the memory it was given.
//!
//! Run with `cargo +nightly fuzz run ring_layout` from `fuzz/`.
#![no_main]

use core::ptr::NonNull;
use ring_core::layout::{pointers, Region};
use ring_sys::io_uring_params;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 120 {
        return;
    }
    // SAFETY: io_uring_params is plain integers; any bytes are a value.
    let mut p: io_uring_params = unsafe { core::ptr::read_unaligned(data.as_ptr().cast()) };
    p.flags &= ring_sys::IORING_SETUP_NO_SQARRAY | ring_sys::IORING_SETUP_CQE32 | ring_sys::IORING_SETUP_SQE128;
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
    let region = |v: &mut Vec<u64>| Region { base: NonNull::new(v.as_mut_ptr().cast()).unwrap(), len: v.len() * 8 };
    let (rs, rc, re) = (region(&mut sq), region(&mut cq), region(&mut sqes));
    // SAFETY: the regions are live Vecs, valid for reads and writes, which
    // outlive every use of the returned pointers (none here beyond checks).
    if let Ok((s, c)) = unsafe { pointers(&p, rs, rc, re) } {
        let inside = |ptr: *const u8, r: &Region, size: usize| {
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
});
