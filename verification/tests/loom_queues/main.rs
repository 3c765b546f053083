//! Loom models of the shipped `ring_core::squeue::SubmissionQueue` and
//! `ring_core::cqueue::CompletionQueue` against a kernel thread that
//! follows the kernel's ordering contract.
//!
//! Under `--cfg ring_loom`, ring-core's `sync` module is loom's, so the
//! queues' atomics and entry cells are loom objects, and the very code the
//! crate ships is model-checked. The ring words and entries are allocated
//! here, as loom objects, and handed to the queues through
//! [`SqPointers`]/[`CqPointers`] exactly as a real ring hands them its
//! mmap'd memory. The kernel side is written out below with the orderings
//! of `io_uring/io_uring.c` (acquire the SQ tail, release the SQ head;
//! acquire the CQ head, release the CQ tail; `smp_mb()` in the SQPOLL
//! sleep path).
//!
//! Each model fails when the ordering constant it guards in
//! `ring_core::order` is weakened; the table in `docs/verification.md`
//! records which change each one caught. Run with
//! `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

use core::ptr::NonNull;
use loom::sync::atomic::{fence, AtomicBool, AtomicU16, AtomicU32, Ordering};
use loom::thread;
use ring_core::layout::{CqPointers, SqPointers};
use ring_core::register::{BufRingPointers, BufRingWriter};
use ring_core::sync::UnsafeCell;
use ring_core::{CompletionQueue, SubmissionQueue};
use ring_sys::{io_uring_buf, io_uring_cqe, io_uring_sqe, IORING_OP_NOP, IORING_SQ_CQ_OVERFLOW, IORING_SQ_NEED_WAKEUP};
use std::sync::Arc;

/// Ring indices start here, so every model also crosses `u32::MAX`.
const START: u32 = u32::MAX - 1;

/// The shared memory of one ring, as loom objects.
struct Rings {
    sq_head: AtomicU32,
    sq_tail: AtomicU32,
    sq_flags: AtomicU32,
    sq_dropped: AtomicU32,
    array: Box<[UnsafeCell<u32>]>,
    sqes: Box<[UnsafeCell<io_uring_sqe>]>,
    cq_head: AtomicU32,
    cq_tail: AtomicU32,
    cq_overflow: AtomicU32,
    cqes: Box<[UnsafeCell<io_uring_cqe>]>,
    sq_entries: u32,
    cq_entries: u32,
}

// SAFETY: the words are loom atomics; the entry cells are only accessed
// through loom's `with`/`with_mut`, which is exactly what loom checks for
// races. Sharing the struct between the model's threads is the point.
unsafe impl Sync for Rings {}
// SAFETY: as above; nothing in it is tied to a thread.
unsafe impl Send for Rings {}

impl Rings {
    fn new(sq_entries: u32, cq_entries: u32) -> Arc<Rings> {
        Arc::new(Rings {
            sq_head: AtomicU32::new(START),
            sq_tail: AtomicU32::new(START),
            sq_flags: AtomicU32::new(0),
            sq_dropped: AtomicU32::new(0),
            array: (0..sq_entries).map(|_| UnsafeCell::new(0)).collect(),
            sqes: (0..sq_entries).map(|_| UnsafeCell::new(io_uring_sqe::default())).collect(),
            cq_head: AtomicU32::new(START),
            cq_tail: AtomicU32::new(START),
            cq_overflow: AtomicU32::new(0),
            cqes: (0..cq_entries).map(|_| UnsafeCell::new(io_uring_cqe::default())).collect(),
            sq_entries,
            cq_entries,
        })
    }

    /// The shipped submission queue over these words. `array`: whether the
    /// ring has the SQ index array (it is filled by `init_array`).
    fn sq(&self, array: bool) -> SubmissionQueue {
        let p = SqPointers {
            head: NonNull::from(&self.sq_head),
            tail: NonNull::from(&self.sq_tail),
            flags: NonNull::from(&self.sq_flags),
            dropped: NonNull::from(&self.sq_dropped),
            array: array.then(|| NonNull::from(&self.array[0])),
            sqes: NonNull::from(&self.sqes[0]),
            entries: self.sq_entries,
        };
        // SAFETY: the pointers name live loom objects owned by `self`,
        // which the model keeps alive (through its `Arc`) for as long as
        // the queue; the model's application thread is the only producer.
        let sq = unsafe { SubmissionQueue::new(p, false, false) };
        // SAFETY: nothing is published yet, so the kernel thread (not even
        // spawned) is not reading the array.
        unsafe { sq.init_array() };
        sq
    }

    /// The shipped completion queue over these words.
    fn cq(&self) -> CompletionQueue {
        let p = CqPointers {
            head: NonNull::from(&self.cq_head),
            tail: NonNull::from(&self.cq_tail),
            flags: None,
            overflow: NonNull::from(&self.cq_overflow),
            cqes: NonNull::from(&self.cqes[0]),
            entries: self.cq_entries,
        };
        // SAFETY: live loom objects kept alive by the model's `Arc`; the
        // model's application thread is the only consumer.
        unsafe { CompletionQueue::new(p, false, false) }
    }
}

/// The kernel's side of the SQ: its private head (`cached_sq_head`).
struct KernelSq {
    head: u32,
    array: bool,
}

impl KernelSq {
    fn new(array: bool) -> KernelSq {
        KernelSq { head: START, array }
    }

    /// `io_submit_sqes` for at most one entry: acquire the tail, read the
    /// entry, release the head. Returns the entry's `user_data`.
    fn consume_one(&mut self, r: &Rings) -> Option<u64> {
        // `smp_load_acquire(&rings->sq.tail)`.
        let tail = r.sq_tail.load(Ordering::Acquire);
        if tail == self.head {
            return None;
        }
        let pos = (self.head & (r.sq_entries - 1)) as usize;
        let idx = if self.array {
            // SAFETY: `pos < sq_entries`; the slot is below the acquired tail.
            r.array[pos].with(|p| unsafe { *p }) as usize
        } else {
            pos
        };
        // SAFETY: `idx < sq_entries` (the identity mapping); the entry is below the acquired tail, so its writes happen
        // before this read unless the application's tail store is too weak, which loom then reports as a causality
        // violation on this cell.
        let user_data = r.sqes[idx].with(|p| unsafe { (*p).user_data });
        self.head = self.head.wrapping_add(1);
        // `smp_store_release(&rings->sq.head, ...)`: our read of the entry
        // happens before the application may reuse the slot.
        r.sq_head.store(self.head, Ordering::Release);
        Some(user_data)
    }
}

/// The kernel's side of the CQ: its private tail (`cached_cq_tail`).
struct KernelCq {
    tail: u32,
}

impl KernelCq {
    /// Posts a CQE if there is room: acquire the head, write the entry,
    /// release the tail.
    fn try_post(&mut self, r: &Rings, user_data: u64) -> bool {
        // The kernel's load of the CQ head, modelled as acquire (see
        // docs/verification.md: loom does not see control dependencies).
        let head = r.cq_head.load(Ordering::Acquire);
        if self.tail.wrapping_sub(head) == r.cq_entries {
            return false;
        }
        let slot = (self.tail & (r.cq_entries - 1)) as usize;
        // SAFETY: the slot is free by the acquired head; the application
        // finished reading it before releasing that head, unless its head
        // store is too weak, which loom reports on this cell.
        r.cqes[slot].with_mut(|p| unsafe { p.write(io_uring_cqe { user_data, res: 0, flags: 0, big_cqe: [] }) });
        self.tail = self.tail.wrapping_add(1);
        // `smp_store_release(&rings->cq.tail, ...)`.
        r.cq_tail.store(self.tail, Ordering::Release);
        true
    }
}

fn nop(user_data: u64) -> io_uring_sqe {
    io_uring_sqe { opcode: IORING_OP_NOP, user_data, ..Default::default() }
}

/// Pushes through the shipped queue.
fn push(sq: &mut SubmissionQueue, user_data: u64) -> bool {
    // SAFETY: a NOP carries no pointer.
    unsafe { sq.push(&nop(user_data)) }.is_ok()
}

/// Runs a model with the preemption bound from `LOOM_MAX_PREEMPTIONS`,
/// or 2 when unset, so a plain `cargo test` stays bounded too.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

mod buf_ring;
mod cq;
mod sq;
mod sqpoll;
