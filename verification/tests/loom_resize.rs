//! A loom model of resizing the rings (`IORING_REGISTER_RESIZE_RINGS`)
//! over the shipped code that touches ring memory during a resize:
//! `ring_core::register::recopy_big_entries` (what `Ring::resize_rings`
//! runs once the kernel has swapped the rings) and the queues built on the
//! new rings (`SubmissionQueue::new` with `init_array`, and
//! `CompletionQueue::new`), which `Ring::resize_rings` itself cannot be
//! built over loom objects to run (its memory comes from `Kernel::map`).
//!
//! The kernel side follows `io_register_resize_rings` on a kernel without
//! the later fix that copies big entries whole: it copies the first 64
//! bytes of every outstanding SQE and the first 16 bytes of every
//! unreaped CQE, by position, into the new rings, and carries the head and
//! tail words over. A resize needs `IORING_SETUP_DEFER_TASKRUN`, so the
//! kernel touches the rings only inside the application's own system calls;
//! each call is modelled as a release/acquire hand-off between the two
//! threads, as in `loom_queues` (f). The model therefore proves the
//! functional part (a 128-byte SQE and a 32-byte CQE outstanding across a
//! resize come out whole, and the kernel reads the new SQ from the right
//! position) with loom checking every cell access; it cannot fail on a
//! weakened ordering of the recopy's loads, which the system call orders
//! (a control, like (f)).
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

#[path = "loom_support/mod.rs"]
mod support;

use loom::sync::atomic::{AtomicU32, Ordering};
use loom::thread;
use ring_sys::{io_uring_sqe, io_uring_sqe128, IORING_OP_URING_CMD, IORING_SETUP_CQE32, IORING_SETUP_SQE128};
use std::sync::Arc;
use support::{model, KernelCq, KernelSq, Post, Rings, Shape, START};

/// The second half of the outstanding 128-byte SQE.
const HI: [u8; 64] = [0x5a; 64];
/// The second half of the unreaped 32-byte CQE.
const BIG: [u64; 2] = [51, 52];

/// The application's system calls, as a counter the kernel thread waits
/// on (release by the application, acquire by the kernel), and their
/// returns (the other way round).
struct Calls {
    call: AtomicU32,
    done: AtomicU32,
}

impl Calls {
    fn enter(&self, n: u32) {
        self.call.store(n, Ordering::Release);
        while self.done.load(Ordering::Acquire) != n {
            thread::yield_now();
        }
    }

    fn wait_call(&self, n: u32) {
        while self.call.load(Ordering::Acquire) != n {
            thread::yield_now();
        }
    }

    fn ret(&self, n: u32) {
        self.done.store(n, Ordering::Release);
    }
}

/// Copies unit `unit` of an old array into a new one (the kernel's copy).
fn copy_unit<T: Copy>(from: &ring_core::sync::UnsafeCell<T>, to: &ring_core::sync::UnsafeCell<T>) {
    // SAFETY: inside the register call, which the hand-off orders after
    // every application access before it and before every one after.
    let v = from.with(|p| unsafe { *p });
    // SAFETY: as above.
    to.with_mut(|p| unsafe { p.write(v) });
}

#[test]
fn resize_keeps_big_entries_whole() {
    model(|| {
        let shape = Shape { sqe128: true, cqe32: true, ..Shape::new(2, 4) };
        let old = Rings::with(shape);
        let new = Rings::with(Shape { sq_entries: 4, cq_entries: 8, ..shape });
        let calls = Arc::new(Calls { call: AtomicU32::new(0), done: AtomicU32::new(0) });
        let k = {
            let (old, new, calls) = (old.clone(), new.clone(), calls.clone());
            thread::spawn(move || {
                // Call 1, an enter: a 32-byte completion is posted.
                calls.wait_call(1);
                let mut kc = KernelCq::at(START);
                assert!(kc.try_post(&old, Post::big(5, BIG)));
                calls.ret(1);
                // Call 2, the resize: copy the first unit of each
                // outstanding entry, by position, and carry the words over.
                calls.wait_call(2);
                let sq_tail = old.sq_tail.load(Ordering::Acquire);
                let sq_head = START;
                let cq_head = old.cq_head.load(Ordering::Acquire);
                let mut pos = sq_head;
                while pos != sq_tail {
                    let from = ((pos & (old.shape.sq_entries - 1)) << 1) as usize;
                    let to = ((pos & (new.shape.sq_entries - 1)) << 1) as usize;
                    copy_unit(&old.sqes[from], &new.sqes[to]);
                    pos = pos.wrapping_add(1);
                }
                let mut pos = cq_head;
                while pos != kc.tail {
                    let from = ((pos & (old.shape.cq_entries - 1)) << 1) as usize;
                    let to = ((pos & (new.shape.cq_entries - 1)) << 1) as usize;
                    copy_unit(&old.cqes[from], &new.cqes[to]);
                    pos = pos.wrapping_add(1);
                }
                new.sq_head.store(sq_head, Ordering::Relaxed);
                new.sq_tail.store(sq_tail, Ordering::Relaxed);
                new.cq_head.store(cq_head, Ordering::Relaxed);
                new.cq_tail.store(kc.tail, Ordering::Relaxed);
                calls.ret(2);
                // Call 3, an enter on the new rings: submit.
                calls.wait_call(3);
                let seen = KernelSq::at(sq_head, true).submit(&new);
                calls.ret(3);
                seen
            })
        };
        let mut sq = old.sq(true);
        calls.enter(1);
        // A 128-byte entry written and published (what `resize_rings` does
        // first with anything written), not yet submitted.
        let e = io_uring_sqe128 {
            sqe: io_uring_sqe { opcode: IORING_OP_URING_CMD, user_data: 9, ..Default::default() },
            cmd_ext: HI,
        };
        // SAFETY: the modelled kernel never runs the command.
        assert!(unsafe { sq.push128(&e) }.is_ok());
        sq.publish();
        calls.enter(2);
        // The kernel swapped the rings: copy the big entries again, whole,
        // and build the queues on the new rings, as `resize_rings` does.
        // SAFETY: both rings are live loom objects, nothing else touches
        // them until the next call, and the new words were carried over.
        unsafe {
            ring_core::register::recopy_big_entries(
                IORING_SETUP_SQE128 | IORING_SETUP_CQE32,
                &old.sq_pointers(true),
                &old.cq_pointers(),
                &new.sq_pointers(true),
                &new.cq_pointers(),
            )
        };
        let _sq = new.sq(true);
        let mut cq = new.cq();
        let c = cq.pop().expect("the completion survives the resize");
        assert_eq!((c.user_data, c.big), (5, BIG), "the 32-byte completion came out torn");
        assert!(cq.pop().is_none());
        calls.enter(3);
        let seen = k.join().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!((seen[0].user_data(), seen[0].hi), (9, Some(HI)), "the 128-byte entry came out torn");
    });
}
