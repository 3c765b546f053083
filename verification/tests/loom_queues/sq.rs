//! The SQ's orderings: an SQE (or a batch written in place) is published
//! before the SQ tail, the head is acquired before a slot is reused, and
//! without SQPOLL the system call orders the SQ (models a, a', b, f).

use super::*;

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
