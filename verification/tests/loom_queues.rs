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

// ---- (a) SQE contents are published before the SQ tail ----

fn sqe_published_before_tail(array: bool) {
    model(move || {
        let r = Rings::new(4, 8);
        let mut sq = r.sq(array);
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                let mut ks = KernelSq::new(array);
                let mut seen = Vec::new();
                while let Some(ud) = ks.consume_one(&r) {
                    seen.push(ud);
                }
                seen
            })
        };
        // A two-entry chain: both entries are written, then one release
        // store of the tail publishes them together.
        assert!(push(&mut sq, 7));
        assert!(push(&mut sq, 8));
        sq.publish();
        let seen = k.join().unwrap();
        // The kernel sees the whole chain or none of it, and never a stale
        // entry (a stale read would also be a loom causality violation).
        assert!(seen.is_empty() || seen == [7, 8], "kernel saw {seen:?}");
    });
}

/// Guards `order::SQ_TAIL_STORE` (bug classes 1.2, 1.7, 2.4).
#[test]
fn a_sqe_published_before_tail_with_array() {
    sqe_published_before_tail(true);
}

/// The same without the SQ index array (`IORING_SETUP_NO_SQARRAY`).
#[test]
fn a_sqe_published_before_tail_no_sqarray() {
    sqe_published_before_tail(false);
}

// ---- (a') the same through the in-place batch writer ----

/// Guards `order::SQ_TAIL_STORE` for entries filled in place through
/// `SubmissionQueue::reserve` (bug classes 1.2, 2.3, 2.4): a batch of
/// three on a ring of four, starting at slot 2, so it wraps past the end of
/// the ring; a second batch is filled and dropped without `commit`. The
/// kernel sees the committed batch whole or not at all, never the dropped
/// entry, and a weakened tail store is a causality violation on the cells
/// written through the batch's `with_mut`.
#[test]
fn a_sqe_batch_published_before_tail() {
    model(|| {
        let r = Rings::new(4, 8);
        let mut sq = r.sq(true);
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                let mut ks = KernelSq::new(true);
                let mut seen = Vec::new();
                while let Some(ud) = ks.consume_one(&r) {
                    seen.push(ud);
                }
                seen
            })
        };
        // SAFETY: NOPs carry no pointer.
        let mut b = unsafe { sq.reserve(3) }.expect("room for three");
        for ud in [7, 8, 9] {
            b.fill(|s| {
                s.opcode = IORING_OP_NOP;
                s.user_data = ud;
            })
            .expect("reserved");
        }
        assert!(b.fill(|_| ()).is_err(), "only three were reserved");
        assert_eq!(b.commit(), 3);
        // SAFETY: as above.
        let mut dropped = unsafe { sq.reserve(1) }.expect("room for one");
        dropped.fill(|s| s.user_data = 99).expect("reserved");
        drop(dropped);
        sq.publish();
        let seen = k.join().unwrap();
        assert!(seen.is_empty() || seen == [7, 8, 9], "kernel saw {seen:?}");
    });
}

// ---- (b) the SQ head is acquired before a slot is reused ----

/// Guards `order::SQ_HEAD_LOAD` (bug class 1.3): a ring of two entries and
/// three pushes, so the third reuses the first slot once the kernel
/// thread has consumed it.
#[test]
fn b_sq_slot_reused_only_after_head_acquired() {
    model(|| {
        let r = Rings::new(2, 4);
        let mut sq = r.sq(true);
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                let mut ks = KernelSq::new(true);
                let mut seen = Vec::new();
                while seen.len() < 3 {
                    match ks.consume_one(&r) {
                        Some(ud) => seen.push(ud),
                        None => thread::yield_now(),
                    }
                }
                seen
            })
        };
        assert!(push(&mut sq, 1));
        assert!(push(&mut sq, 2));
        sq.publish();
        // The ring is full: the third push succeeds only once an acquire
        // load of the head shows slot 0 consumed.
        while !push(&mut sq, 3) {
            thread::yield_now();
        }
        sq.publish();
        assert_eq!(k.join().unwrap(), [1, 2, 3]);
    });
}

// ---- (c) a CQE is read before the CQ head gives its slot back ----

/// The kernel thread of the (c) models: posts completions 0, 1 and 2,
/// waiting for the application to give a slot back whenever the CQ is full.
fn post_three_completions(r: &Arc<Rings>) -> thread::JoinHandle<()> {
    let r = r.clone();
    thread::spawn(move || {
        let mut kc = KernelCq { tail: START };
        for ud in 0..3 {
            while !kc.try_post(&r, ud) {
                thread::yield_now();
            }
        }
    })
}

/// Guards `order::CQ_TAIL_LOAD` and `order::CQ_HEAD_STORE` (bug classes
/// 1.4, 1.5): a CQ of two entries and three completions, so the kernel
/// thread reuses slot 0 after acquiring the head the application released.
#[test]
fn c_cqe_read_before_head_released() {
    model(|| {
        let r = Rings::new(2, 2);
        let mut cq = r.cq();
        let k = post_three_completions(&r);
        let mut got = Vec::new();
        while got.len() < 3 {
            match cq.pop() {
                Some(c) => got.push(c.user_data),
                None => thread::yield_now(),
            }
        }
        k.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
    });
}

/// The same protocol through `CompletionQueue::for_each`, the loop the
/// driver reaps with: one acquire load of the tail for the run, and each
/// slot given back before its entry is handed out (after it is copied).
#[test]
fn c_cqe_read_before_head_released_for_each() {
    model(|| {
        let r = Rings::new(2, 2);
        let mut cq = r.cq();
        let k = post_three_completions(&r);
        let mut got = Vec::new();
        while got.len() < 3 {
            if cq.for_each(|c| got.push(c.user_data)) == 0 {
                thread::yield_now();
            }
        }
        k.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
    });
}

// ---- (d) the SQPOLL wake-up handshake ----

/// Guards `order::SQPOLL_FENCE` (bug class 1.1): the application publishes
/// and calls the shipped `needs_wakeup()` (tail store, `fence`, flags
/// load); the poll thread, about to sleep, sets `NEED_WAKEUP`, issues
/// `smp_mb()` and re-loads the tail. It must never happen that the thread
/// sleeps (it saw no new tail) and the application does not wake it (it
/// saw no flag): the store-buffering outcome.
#[test]
fn d_sqpoll_wakeup_is_never_lost() {
    model(|| {
        let r = Rings::new(2, 4);
        let mut sq = r.sq(true);
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                // The poll thread has consumed everything it saw (head ==
                // START) and goes to sleep, as `io_sq_thread` does.
                r.sq_flags.fetch_or(IORING_SQ_NEED_WAKEUP, Ordering::Relaxed);
                fence(Ordering::SeqCst);
                let tail = r.sq_tail.load(Ordering::Acquire);
                tail == START
            })
        };
        assert!(push(&mut sq, 1));
        sq.publish();
        let wakes = sq.needs_wakeup();
        let sleeps = k.join().unwrap();
        assert!(!sleeps || wakes, "the poll thread sleeps with work queued and nobody wakes it");
    });
}

// ---- (e) the CQ overflow flag ----

/// Pre-writes the CQEs of `slots` positions from `START` before any other
/// thread exists, so that a model fails on what it is about (the flag),
/// not on the entries (model (c) covers those).
fn prefill(r: &Rings, n: u64) {
    for ud in 0..n {
        let at = (START.wrapping_add(ud as u32) & (r.cq_entries - 1)) as usize;
        // SAFETY: no other thread exists yet, so nothing else accesses the cell.
        r.cqes[at].with_mut(|p| unsafe { p.write(io_uring_cqe { user_data: ud, res: 0, flags: 0, big_cqe: [] }) });
    }
}

/// Reaps through the shipped `pop` until `got` holds `n` completions.
fn reap_until(cq: &mut CompletionQueue, got: &mut Vec<u64>, n: usize) {
    while got.len() < n {
        match cq.pop() {
            Some(c) => got.push(c.user_data),
            None => thread::yield_now(),
        }
    }
}

/// Guards `order::CQ_TAIL_LOAD` for the overflow decision (bug class 3.1).
///
/// The kernel fills a CQ of two entries, fails to post a third, sets
/// `IORING_SQ_CQ_OVERFLOW`, and only then releases the tail covering the
/// two (as `__io_submit_flush_completions` does: the flag is set while
/// filling, the tail committed after). An application that has reaped
/// those two through the shipped `pop` (which acquires the tail) must see
/// the flag through the shipped `cq_overflow()`, the predicate behind "the
/// next enter carries GETEVENTS". `Ring::enter`, which applies the same
/// test inline (`flags() & (CQ_OVERFLOW | TASKRUN)`), needs a whole `Ring`
/// and cannot be built over loom objects; the simulator's
/// `cq_overflow_with_nodrop_loses_nothing` checks that it does add GETEVENTS.
#[test]
fn e_cq_overflow_flag_visible_with_the_tail() {
    model(|| {
        let r = Rings::new(2, 2);
        prefill(&r, 2);
        let sq = r.sq(true);
        let mut cq = r.cq();
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                r.sq_flags.fetch_or(IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
                r.cq_tail.store(START.wrapping_add(2), Ordering::Release);
            })
        };
        let mut got = Vec::new();
        reap_until(&mut cq, &mut got, 2);
        assert!(sq.cq_overflow(), "reaped the CQEs committed after the overflow but did not see the flag");
        k.join().unwrap();
    });
}

/// The flush after an overflow: the application's enter with GETEVENTS is
/// modelled as a flag the kernel thread waits for; the kernel then posts
/// the parked completion into the slot the application gave back (after
/// acquiring the head), clears the overflow flag, and the application
/// reaps it. Every completion arrives exactly once and in order. Guards
/// `order::CQ_TAIL_LOAD` on the flush path. It does *not* catch a relaxed
/// `order::CQ_HEAD_STORE`, and should not: the flush runs inside the
/// application's own enter (the `getevents` handshake here), which orders
/// the application's earlier reads of the slot before the kernel's rewrite
/// of it. The head's release matters for completions posted from another
/// CPU, which model (c) covers.
#[test]
fn e_cq_overflow_flush_delivers_each_completion_once() {
    model(|| {
        let r = Rings::new(2, 2);
        prefill(&r, 2);
        let sq = r.sq(true);
        let mut cq = r.cq();
        let getevents = Arc::new(AtomicBool::new(false));
        let k = {
            let r = r.clone();
            let getevents = getevents.clone();
            thread::spawn(move || {
                r.sq_flags.fetch_or(IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
                r.cq_tail.store(START.wrapping_add(2), Ordering::Release);
                while !getevents.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                let mut kc = KernelCq { tail: START.wrapping_add(2) };
                while !kc.try_post(&r, 2) {
                    thread::yield_now();
                }
                r.sq_flags.fetch_and(!IORING_SQ_CQ_OVERFLOW, Ordering::Relaxed);
            })
        };
        let mut got = Vec::new();
        reap_until(&mut cq, &mut got, 2);
        if sq.cq_overflow() {
            getevents.store(true, Ordering::Release);
        }
        reap_until(&mut cq, &mut got, 3);
        k.join().unwrap();
        assert_eq!(got, [0, 1, 2]);
    });
}

// ---- (f) without SQPOLL, the system call orders the SQ ----

/// A control, not a guard: without SQPOLL the kernel reads the SQ only
/// inside `io_uring_enter`, on the application's own thread, so the call
/// orders the SQE and tail writes before the kernel's reads whatever the
/// tail store's ordering (liburing `f03becf5`). Modelled as a hand-off: the
/// kernel thread starts only after acquiring the "entered" flag the
/// application releases after publishing through the shipped queue. It
/// must pass even with `order::SQ_TAIL_STORE` weakened to `Relaxed`, which
/// shows that the release is there for SQPOLL (model (a)), and that a
/// model treating the call as a synchronisation point cannot see it.
#[test]
fn f_sq_tail_without_sqpoll() {
    model(|| {
        let r = Rings::new(4, 8);
        let mut sq = r.sq(true);
        let entered = Arc::new(AtomicBool::new(false));
        let k = {
            let r = r.clone();
            let entered = entered.clone();
            thread::spawn(move || {
                while !entered.load(Ordering::Acquire) {
                    thread::yield_now();
                }
                let mut ks = KernelSq::new(true);
                let mut seen = Vec::new();
                while let Some(ud) = ks.consume_one(&r) {
                    seen.push(ud);
                }
                seen
            })
        };
        assert!(push(&mut sq, 7));
        assert!(push(&mut sq, 8));
        sq.publish();
        entered.store(true, Ordering::Release);
        assert_eq!(k.join().unwrap(), [7, 8]);
    });
}

// ---- (g) provided-buffer ring entries are published before its tail ----

/// Guards `order::BUF_RING_TAIL_STORE` (bug class 1.6): the shipped
/// `BufRingWriter` (what `BufRing::push` and `BufRing::publish` run) writes
/// two buffer entries, then stores the ring's `u16` tail; the kernel
/// (`io_ring_buffer_select`) acquires the tail and reads the entries below
/// it. The entry cells and the tail are loom objects allocated here and
/// handed to the writer through `BufRingPointers`, as a real `BufRing`
/// hands it its mapped memory (where the tail is entry 0's `resv`). The
/// tail starts at `u16::MAX`, so the two writes use slots 1 and 0 and the
/// publish wraps.
#[test]
fn g_buf_ring_entries_published_before_tail() {
    /// The `u16` tail starts at its maximum, so the publish wraps it.
    const BUF_START: u16 = u16::MAX;
    /// The entries the application writes, as (addr, len, bid).
    const BUFS: [(u64, u32, u16); 2] = [(0x1000, 64, 5), (0x2000, 32, 6)];

    struct BufRingMem {
        entries: Box<[UnsafeCell<io_uring_buf>]>,
        tail: AtomicU16,
    }
    // SAFETY: the entry cells are only accessed through loom's
    // `with`/`with_mut`, which loom checks; the tail is a loom atomic.
    unsafe impl Sync for BufRingMem {}
    // SAFETY: as above.
    unsafe impl Send for BufRingMem {}

    model(|| {
        let m = Arc::new(BufRingMem {
            entries: (0..2).map(|_| UnsafeCell::new(io_uring_buf::default())).collect(),
            tail: AtomicU16::new(BUF_START),
        });
        let k = {
            let m = m.clone();
            thread::spawn(move || {
                let head = BUF_START;
                // `smp_load_acquire(&br->tail)`.
                let tail = m.tail.load(Ordering::Acquire);
                let mut seen = Vec::new();
                let mut pos = head;
                while pos != tail {
                    let slot = usize::from(pos & 1);
                    // SAFETY: the entry is below the acquired tail, so the application's writes of it happen before this
                    // read, unless its tail store is too weak, which loom then reports as a causality violation here.
                    seen.push(m.entries[slot].with(|p| unsafe { ((*p).addr, (*p).len, (*p).bid) }));
                    pos = pos.wrapping_add(1);
                }
                seen
            })
        };
        let p = BufRingPointers { entries: NonNull::from(&*m.entries).cast(), tail: NonNull::from(&m.tail), count: 2 };
        // SAFETY: the pointers name live loom objects owned by `m`, alive as long as the writer; two entries, a power of
        // two; this thread is the only producer, and the tail starts where it was last published.
        let mut w = unsafe { BufRingWriter::new(p, BUF_START) };
        for (addr, len, bid) in BUFS {
            // SAFETY: the ring of two holds nothing before the first write
            // and one entry before the second; the addresses are never
            // dereferenced (the modelled kernel only reads the entries).
            unsafe { w.write_entry(addr, len, bid) };
        }
        w.publish();
        let seen = k.join().unwrap();
        assert!(seen.is_empty() || seen == BUFS, "kernel saw {seen:?}");
    });
}
