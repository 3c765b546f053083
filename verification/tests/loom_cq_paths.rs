//! Loom models of every completion-queue read path of the shipped
//! `ring_core::CompletionQueue`, beyond the `pop` and `for_each` of plain
//! 16-byte rings that `loom_queues` (c) checks: `drain` (its loop for a
//! few entries, and its two contiguous runs when many are ready and they
//! wrap past the end of the array), 32-byte entries (`IORING_SETUP_CQE32`)
//! read through `pop`, `for_each` and `drain`, and a mixed ring
//! (`IORING_SETUP_CQE_MIXED`) with a `IORING_CQE_F_SKIP` filler and a
//! 32-byte entry, read through all three.
//!
//! The kernel thread posts with the kernel's orderings (acquire the CQ
//! head before reusing a slot, release the tail after writing the entry).
//! Each model fails, with a causality violation on an entry cell, when a
//! path's acquire of the tail is weakened, or when a path gives a slot back
//! (releases the head) before it has read the entry; the rows of
//! `scripts/planted_bugs.py` that start with "CQ" show which.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

#[path = "loom_support/mod.rs"]
mod support;

use loom::thread;
use ring_core::cqueue::Cqe;
use ring_core::CompletionQueue;
use std::sync::Arc;
use support::{model, KernelCq, Post, Rings, Shape, START};

/// How the application reaps in a model.
#[derive(Clone, Copy, Debug)]
enum Reap {
    Pop,
    ForEach,
    Drain,
}

impl Reap {
    /// Reaps whatever one call of the path gives; returns how many.
    fn once(self, cq: &mut CompletionQueue, got: &mut Vec<Cqe>) -> u32 {
        match self {
            Reap::Pop => match cq.pop() {
                Some(c) => {
                    got.push(c);
                    1
                }
                None => 0,
            },
            Reap::ForEach => cq.for_each(|c| got.push(c)),
            Reap::Drain => cq.drain(|c| got.push(c)),
        }
    }
}

/// Reaps until `n` completions arrived, with `paths[i % len]` on the
/// i-th call, yielding to the kernel thread whenever a call finds nothing.
fn reap(cq: &mut CompletionQueue, n: usize, paths: &[Reap]) -> Vec<Cqe> {
    let mut got = Vec::new();
    let mut call = 0;
    while got.len() < n {
        let path = paths[call % paths.len()];
        call += 1;
        if path.once(cq, &mut got) == 0 {
            thread::yield_now();
        }
    }
    got
}

/// The kernel thread: posts `posts` in order, waiting for room.
fn kernel(r: &Arc<Rings>, posts: Vec<Post>) -> thread::JoinHandle<()> {
    let r = r.clone();
    thread::spawn(move || {
        let mut k = KernelCq::at(r.shape.start);
        for p in posts {
            while !k.try_post(&r, p) {
                thread::yield_now();
            }
        }
    })
}

fn user_data(got: &[Cqe]) -> Vec<u64> {
    got.iter().map(|c| c.user_data).collect()
}

/// `drain` with fewer than four entries ready (its masked loop): a CQ of
/// two and three completions, so the kernel reuses slot 0 after acquiring
/// the head `drain` released once for the run. Guards `drain`'s acquire of
/// the tail and its head release after the reads.
#[test]
fn cq_drain_few_reads_before_head_released() {
    model(|| {
        let r = Rings::new(2, 2);
        let mut cq = r.cq();
        let k = kernel(&r, (0..3).map(Post::small).collect());
        let got = reap(&mut cq, 3, &[Reap::Drain]);
        k.join().unwrap();
        assert_eq!(user_data(&got), [0, 1, 2]);
    });
}

/// `drain` with four or more entries ready: the ready entries are read as
/// two contiguous runs of the array because they wrap past its end (the
/// indices start at slot 2 of 4), then the head is released once, and the
/// kernel reuses a slot for one more. Guards the run path's acquire of
/// the tail and its head release after both runs.
#[test]
fn cq_drain_runs_read_before_head_released() {
    model(|| {
        let r = Rings::new(4, 4);
        let mut cq = r.cq();
        let k = kernel(&r, (0..5).map(Post::small).collect());
        let got = reap(&mut cq, 5, &[Reap::Drain]);
        k.join().unwrap();
        assert_eq!(user_data(&got), [0, 1, 2, 3, 4]);
    });
}

/// The big half of a 32-byte completion (`IORING_SETUP_CQE32`) is read
/// after the acquire of the tail and before the head gives its slot back,
/// through `pop`, `for_each` and `drain` in turn (the last two take `pop`'s
/// path on such a ring): a CQ of two, three completions, so slot 0's two
/// units are rewritten once the application released them.
#[test]
fn cq_cqe32_big_half_read_before_head_released() {
    model(|| {
        let r = Rings::with(Shape { cqe32: true, ..Shape::new(2, 2) });
        let mut cq = r.cq();
        let posts: Vec<Post> = (0..3).map(|ud| Post::big(ud, [ud * 10 + 1, ud * 10 + 2])).collect();
        let k = kernel(&r, posts);
        let got = reap(&mut cq, 3, &[Reap::Pop, Reap::ForEach, Reap::Drain]);
        k.join().unwrap();
        for (i, c) in got.iter().enumerate() {
            let ud = i as u64;
            assert_eq!((c.user_data, c.big), (ud, [ud * 10 + 1, ud * 10 + 2]), "completion {i}: {c:?}");
        }
    });
}

/// A mixed ring (`IORING_SETUP_CQE_MIXED`) of four slots from slot 2: a
/// 16-byte completion in slot 2; a 32-byte one, which would straddle the
/// end, so the kernel writes a `IORING_CQE_F_SKIP` filler in slot 3 and
/// the entry in slots 0 and 1; then another 16-byte one in slot 2, once
/// the application gave it back. The application reads through `pop`,
/// `for_each` and `drain` in turn; it never sees the filler, sees the big
/// entry's second half, and reads every slot before releasing it.
#[test]
fn cq_mixed_skip_filler_and_big_entry() {
    model(|| {
        let r = Rings::with(Shape { cq_mixed: true, ..Shape::new(4, 4) });
        assert_eq!(START & 3, 2, "the model needs the first entry in slot 2");
        let mut cq = r.cq();
        let k = kernel(&r, vec![Post::small(0), Post::big(1, [11, 12]), Post::small(2)]);
        let got = reap(&mut cq, 3, &[Reap::Pop, Reap::ForEach, Reap::Drain]);
        k.join().unwrap();
        assert_eq!(user_data(&got), [0, 1, 2], "{got:?}");
        assert_eq!(got[1].big, [11, 12]);
        assert!(got[1].flags & ring_sys::IORING_CQE_F_32 != 0);
        assert!(got.iter().all(|c| c.flags & ring_sys::IORING_CQE_F_SKIP == 0));
    });
}

/// A mixed ring of two slots, starting at slot 1: a 16-byte completion
/// in slot 1, a 32-byte one in slots 0 and 1 (once slot 1 is given back),
/// then two 16-byte ones, which rewrite both halves of the big entry's
/// slots: the application must have read the second half of the big entry
/// before it released the head past it.
#[test]
fn cq_mixed_big_entry_read_before_head_released() {
    model(|| {
        let r = Rings::with(Shape { cq_mixed: true, start: 1, ..Shape::new(2, 2) });
        let mut cq = r.cq();
        let k = kernel(&r, vec![Post::small(0), Post::big(1, [11, 12]), Post::small(2), Post::small(3)]);
        let got = reap(&mut cq, 4, &[Reap::Pop, Reap::ForEach, Reap::Drain]);
        k.join().unwrap();
        assert_eq!(user_data(&got), [0, 1, 2, 3], "{got:?}");
        assert_eq!(got[1].big, [11, 12]);
    });
}

/// The same mixed ring read through `drain` alone (which takes `pop`'s
/// path on a mixed ring): a planted `drain` that read a mixed ring as
/// 16-byte units would hand out the filler and the big entry's second half
/// as completions.
#[test]
fn cq_mixed_through_drain() {
    model(|| {
        let r = Rings::with(Shape { cq_mixed: true, ..Shape::new(4, 4) });
        let mut cq = r.cq();
        let k = kernel(&r, vec![Post::small(0), Post::big(1, [11, 12]), Post::small(2)]);
        let got = reap(&mut cq, 3, &[Reap::Drain]);
        k.join().unwrap();
        assert_eq!(user_data(&got), [0, 1, 2], "{got:?}");
        assert_eq!(got[1].big, [11, 12]);
    });
}

/// `ready` (what `Ring::resize_rings` and callers that count before
/// reaping use) acquires the tail too: entries counted by it and then
/// popped without another load of the tail (`pop` trusts the cached tail
/// while the head is below it) are fully written.
#[test]
fn cq_ready_then_pop() {
    model(|| {
        let r = Rings::new(2, 2);
        let mut cq = r.cq();
        let k = kernel(&r, (0..2).map(Post::small).collect());
        let mut got = Vec::new();
        while got.len() < 2 {
            let n = cq.ready();
            if n == 0 {
                thread::yield_now();
                continue;
            }
            for _ in 0..n {
                got.push(cq.pop().expect("counted as ready").user_data);
            }
        }
        k.join().unwrap();
        assert_eq!(got, [0, 1]);
    });
}

/// The words that are hints or statistics, read and written relaxed: the
/// kernel counts a dropped SQE and an overflowed CQE and sets
/// `IORING_SQ_TASKRUN`, and reads the application's
/// `IORING_CQ_EVENTFD_DISABLED` with `READ_ONCE` while the application
/// flips it through `set_eventfd_enabled`. Nothing is read on their
/// account, so the model only checks that every value seen is one some
/// thread wrote (a torn or invented value would fail), and runs the
/// shipped accessors (`dropped`, `overflow`, `taskrun`,
/// `set_eventfd_enabled`) under loom, which would report a non-atomic
/// access to these words.
#[test]
fn hint_and_counter_words() {
    use loom::sync::atomic::Ordering;
    model(|| {
        let r = Rings::new(2, 2);
        let sq = r.sq(true);
        let cq = r.cq();
        let k = {
            let r = r.clone();
            thread::spawn(move || {
                r.sq_dropped.fetch_add(1, Ordering::Relaxed);
                r.cq_overflow.fetch_add(1, Ordering::Relaxed);
                r.sq_flags.fetch_or(ring_sys::IORING_SQ_TASKRUN, Ordering::Relaxed);
                r.cq_flags.load(Ordering::Relaxed) & !ring_sys::IORING_CQ_EVENTFD_DISABLED
            })
        };
        assert!(cq.set_eventfd_enabled(false));
        assert!(sq.dropped() <= 1 && cq.overflow() <= 1);
        let _ = sq.taskrun();
        assert!(cq.set_eventfd_enabled(true));
        assert_eq!(k.join().unwrap(), 0, "the kernel saw a CQ flag nobody set");
        assert_eq!((sq.dropped(), cq.overflow(), sq.taskrun()), (1, 1, true));
    });
}
