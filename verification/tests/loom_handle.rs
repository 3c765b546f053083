//! A loom model of the shipped executor hand-off
//! (`ring_core::executor::gate::ParkGate`): a thread that gives a parked
//! runtime work (a cross-thread `Handle`, or a waker called on another
//! thread) must either be seen by the runtime's last look for work, or see
//! "parked" and signal it. Weakening `ring_core::order::PARK_FENCE` makes
//! loom find the interleaving where the runtime blocks with work queued and
//! nobody signals it.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;
use ring_core::executor::gate::ParkGate;

#[test]
fn h_cross_thread_wakeup_is_never_lost() {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(|| {
        let gate = Arc::new(ParkGate::new());
        // The work is a flag, as the main future's `woken` flag is: no lock
        // orders it, so only the gate's fences do.
        let work = Arc::new(AtomicBool::new(false));
        let signalled = Arc::new(AtomicBool::new(false));
        let waker = {
            let (gate, work, signalled) = (gate.clone(), work.clone(), signalled.clone());
            thread::spawn(move || {
                work.store(true, Ordering::Relaxed);
                if gate.needs_signal() {
                    signalled.store(true, Ordering::Relaxed);
                }
            })
        };
        gate.announce_park();
        let saw_work = work.load(Ordering::Relaxed);
        waker.join().unwrap();
        gate.end_park();
        assert!(
            saw_work || signalled.load(Ordering::Relaxed),
            "the runtime parked with work queued and nobody signalled it"
        );
    });
}
