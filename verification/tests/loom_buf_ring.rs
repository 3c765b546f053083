//! A loom model of a provided-buffer ring's slots being reused, over the
//! shipped `BufRingWriter` and `CompletionQueue`: the application puts a
//! buffer back into the ring only after the completion that returned it,
//! and `order.rs` (`BUF_RING_TAIL_STORE`) argues that this alone orders
//! its rewrite of an entry after the kernel's read of it, since there is
//! no head to acquire on the application's side. Here the kernel takes
//! buffers from a ring of two (acquiring the ring's tail), posts a
//! completion for each (releasing the CQ tail after reading the entry),
//! and the application, reaping with the shipped queue, writes the
//! returned buffer's entry into the slot the kernel read and publishes it;
//! the kernel then takes it again. A rewrite not ordered after the
//! kernel's read is a race on the entry cell, which loom reports.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

#[path = "loom_support/mod.rs"]
mod support;

use core::ptr::NonNull;
use loom::sync::atomic::{AtomicU16, Ordering};
use loom::thread;
use ring_core::register::{BufRingPointers, BufRingWriter};
use ring_core::sync::UnsafeCell;
use ring_sys::io_uring_buf;
use std::sync::Arc;
use support::{model, KernelCq, Post, Rings};

struct BufRingMem {
    entries: Box<[UnsafeCell<io_uring_buf>]>,
    tail: AtomicU16,
}
// SAFETY: the entry cells are only accessed through loom's `with`/`with_mut`;
// the tail is a loom atomic.
unsafe impl Sync for BufRingMem {}
// SAFETY: as above.
unsafe impl Send for BufRingMem {}

#[test]
fn g_buf_ring_slot_reused_only_after_its_completion() {
    model(|| {
        let m = Arc::new(BufRingMem {
            entries: (0..2).map(|_| UnsafeCell::new(io_uring_buf::default())).collect(),
            tail: AtomicU16::new(0),
        });
        let r = Rings::new(2, 4);
        let k = {
            let (m, r) = (m.clone(), r.clone());
            thread::spawn(move || {
                let mut head = 0u16;
                let mut kc = KernelCq::at(r.shape.start);
                let mut taken = Vec::new();
                // Three buffers taken from a ring of two: the third is the
                // first one again, put back by the application.
                while taken.len() < 3 {
                    // `smp_load_acquire(&br->tail)` in io_ring_buffer_select.
                    if m.tail.load(Ordering::Acquire) == head {
                        thread::yield_now();
                        continue;
                    }
                    let slot = usize::from(head & 1);
                    // SAFETY: the entry is below the acquired tail; the
                    // application wrote it before releasing the tail.
                    let (addr, bid) = m.entries[slot].with(|p| unsafe { ((*p).addr, (*p).bid) });
                    head = head.wrapping_add(1);
                    taken.push((addr, bid));
                    while !kc.try_post(&r, Post::small(u64::from(bid))) {
                        thread::yield_now();
                    }
                }
                taken
            })
        };
        let p = BufRingPointers { entries: NonNull::from(&*m.entries).cast(), tail: NonNull::from(&m.tail), count: 2 };
        // SAFETY: live loom objects owned by `m`, alive as long as the
        // writer; two entries; this thread is the only producer; the tail
        // starts at 0, where it was last published.
        let mut w = unsafe { BufRingWriter::new(p, 0) };
        for bid in [0u16, 1] {
            // SAFETY: the ring is empty; the addresses are never dereferenced.
            unsafe { w.write_entry(0x1000 * u64::from(bid + 1), 64, bid) };
        }
        w.publish();
        let mut cq = r.cq();
        // The completion of buffer 0: put it back, at the slot the kernel
        // read it from (the ring is full until then).
        let returned = loop {
            match cq.pop() {
                Some(c) => break c.user_data as u16,
                None => thread::yield_now(),
            }
        };
        // SAFETY: the ring has room: the kernel took the returned buffer
        // (its completion came back), so at most one entry is unconsumed;
        // the slot rewritten is the returned buffer's own (the ring holds
        // each buffer once, in order), whose read the completion follows.
        // The address is never dereferenced.
        unsafe { w.write_entry(0x1000 * u64::from(returned + 1), 64, returned) };
        w.publish();
        let taken = k.join().unwrap();
        assert_eq!(taken.len(), 3);
        assert_eq!(taken[2].1, returned, "the kernel took another buffer than the one put back: {taken:?}");
        while cq.pop().is_some() {}
    });
}
