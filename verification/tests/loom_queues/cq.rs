//! The CQ's orderings: a CQE is read before the CQ head gives its slot
//! back, and the overflow flag is seen with the tail and flushed entries
//! delivered once (models c, e).

use super::*;

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
