//! The SQPOLL wake-up handshake: never lost (model d).

use super::*;

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
