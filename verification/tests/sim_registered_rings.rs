//! The simulated kernel's registered-ring tables (`IORING_REGISTER_RING_FDS`):
//! one per calling thread, shared by every ring used on it, as in Linux;
//! and ring-core's rule on top of them, that a ring acts only on the
//! indices it registered itself.
#![cfg(not(ring_loom))]

use ring_core::driver::Batch;
use ring_core::{Builder, Driver, Error, Ring};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use verification::sim::SimKernel;

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn run<F: Future>(d: &Driver<SimKernel>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = Pin::new(&mut fut).poll(&mut cx) {
            return v;
        }
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    panic!("the future never finished");
}

fn ring(sim: &SimKernel, register: bool) -> Ring<SimKernel> {
    Builder::new(4).register_ring_fd(register).build_on(sim.clone()).unwrap()
}

fn foreign<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::ForeignResource { .. }))
}

/// Rings on one thread share the thread's table, each with an index of its
/// own. No ring can remove another's index, nor one registered through
/// another ring; a ring removes those it registered, and they go with it.
/// Each driver keeps entering its own ring through its index.
#[test]
fn rings_on_one_thread_share_a_table_and_keep_their_own_indices() {
    let sim = SimKernel::default();
    let s = sim.clone();
    std::thread::spawn(move || {
        let a = ring(&s, true);
        let b = ring(&s, true);
        let plain = ring(&s, false);
        assert_eq!((a.registered_index(), b.registered_index(), plain.registered_index()), (Some(0), Some(1), None));
        assert!(foreign(plain.unregister_ring_fds(&[0])));
        assert!(foreign(plain.unregister_ring_fds(&[1])));
        let idx = a.register_ring_fds(&[plain.fd().unwrap()]).unwrap();
        assert_eq!(idx, [2]);
        assert!(foreign(b.unregister_ring_fds(&idx)));
        assert!(foreign(plain.unregister_ring_fds(&idx)));

        let (da, db) = (Driver::with_ring(a, Batch::default()), Driver::with_ring(b, Batch::default()));
        for _ in 0..3 {
            run(&da, da.nop()).unwrap();
            run(&db, db.nop()).unwrap();
        }
        // `a` goes, and with it both indices it registered.
        drop(da);
        let c = ring(&s, true);
        assert_eq!(c.registered_index(), Some(0));
        let rest = plain.register_ring_fds(&[plain.fd().unwrap(); 14]).unwrap();
        assert_eq!(rest.len(), 14, "index 2 was given back: {rest:?}");
        assert_eq!(plain.unregister_ring_fds(&rest).unwrap(), 14);
        run(&db, db.nop()).unwrap();
    })
    .join()
    .unwrap();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Each thread has a table of its own: rings of one simulated kernel on two
/// threads both hold index 0, each naming its own ring, and each thread's
/// driver keeps working through it while the other runs.
#[test]
fn each_thread_has_a_table_of_its_own() {
    let sim = SimKernel::default();
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (s, barrier) = (sim.clone(), barrier.clone());
            std::thread::spawn(move || {
                let r = ring(&s, true);
                assert_eq!(r.registered_index(), Some(0));
                let plain = ring(&s, false);
                let d = Driver::with_ring(r, Batch::default());
                barrier.wait();
                assert!(foreign(plain.unregister_ring_fds(&[0])));
                for _ in 0..20 {
                    run(&d, d.nop()).unwrap();
                }
                barrier.wait();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}
