//! What the driver admits: in-flight operations bounded by the CQ,
//! operations and runtimes its rings cannot serve refused with a typed
//! error, and wake-ups that are not returned credits.

use super::*;

#[test]
fn backpressure_bounds_in_flight_operations_by_the_cq() {
    let rt =
        Runtime::with_ring(ring_core::Builder::new(2).build().unwrap(), ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let mut handles = Vec::new();
    for i in 0..200u32 {
        let d = d.clone();
        handles.push(rt.spawn(async move {
            d.nop().await.unwrap();
            i
        }));
    }
    let sum = rt
        .block_on(async {
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        })
        .unwrap();
    assert_eq!(sum, (0..200).sum::<u32>());
    assert!(d.stats().waited_for_credit > 0, "some operations had to wait for a credit");
}

#[test]
fn a_msg_ring_wake_up_does_not_count_as_a_returned_credit() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async { d.nop().await.unwrap() }).unwrap();
    let before = d.credits();
    let handle = rt.handle();
    let mut other = ring_core::Ring::new(4).unwrap();
    let j = handle.spawn_via_msg_ring(&mut other, |d| async move { d.nop().await.is_ok() });
    rt.block_on(async {
        while !j.is_finished_hint() {
            rt.driver().sleep(Duration::from_millis(1)).await.unwrap();
        }
    })
    .unwrap();
    assert!(j.join().unwrap());
    for _ in 0..3 {
        rt.driver().park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(d.credits(), before, "the wake-up completion returned no credit");
}

#[test]
fn an_operation_needing_more_completions_than_the_cq_holds_is_refused_not_stalled() {
    use std::task::{Context, Poll, Waker};
    // A CQ of one entry, and a zero-copy send, which posts two completions
    // (its result and its notification): it could never get its credits.
    // It must end at once with EINVAL and its buffer, not wait forever (and
    // hold up every operation queued behind it).
    let ring = ring_core::Builder::new(1).cq_size(1).build().unwrap();
    assert_eq!(ring.params().cq_entries, 1);
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let mut op = d.send_zc(&a, vec![7u8; 16], 0);
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready((r, buf)) = std::pin::Pin::new(&mut op).poll(&mut cx) else {
        panic!("a zero-copy send on a one-entry CQ waits for credits it can never get");
    };
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    assert_eq!(buf, vec![7u8; 16]);
    assert_eq!(d.in_flight(), 0);
    // The ring still works for operations that fit.
    let mut nop = d.nop();
    assert!(std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending());
    d.park(Some(Duration::from_secs(1))).unwrap();
    assert!(matches!(std::pin::Pin::new(&mut nop).poll(&mut cx), Poll::Ready(Ok(()))));
}

#[test]
fn a_runtime_on_a_one_entry_cq_is_refused() {
    // Its eventfd read would hold the only completion slot for good.
    let ring = ring_core::Builder::new(1).cq_size(1).build().unwrap();
    let e = Runtime::with_ring(ring, ring_core::driver::Batch::default()).err().expect("refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    // Two entries are enough to run operations.
    let rt =
        Runtime::with_ring(ring_core::Builder::new(1).cq_size(2).build().unwrap(), ring_core::driver::Batch::default())
            .unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        for _ in 0..10 {
            d.nop().await.unwrap();
        }
    })
    .unwrap();
}

/// `KeepAlive` is transparent about the entry size: a 128-byte operation
/// kept alive is refused on a 64-byte ring on its first poll, as it is
/// alone, and a chain refuses it as a member. A wrapper that did not
/// forward `is_128`/`prepare128` would send the operation to the kernel as
/// a 64-byte entry.
#[test]
fn a_kept_alive_128_byte_operation_is_refused_on_a_64_byte_ring() {
    use core::pin::Pin;
    use core::task::{Context, Poll, Waker};
    use ring_core::ops::{KeepAlive, Nop128};
    let d = ring_core::Driver::new(8).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    let mut plain = d.nop128();
    assert!(matches!(Pin::new(&mut plain).poll(&mut cx), Poll::Ready(Err(_))), "alone: refused");
    let mut kept = d.op(KeepAlive::new(Nop128, ()));
    let p = Pin::new(&mut kept).poll(&mut cx);
    assert!(matches!(p, Poll::Ready(Err(_))), "kept alive: refused too, not submitted ({p:?})");
    let mut c = d.chain();
    c.push(KeepAlive::new(Nop128, ()));
    let mut start = c.start();
    let p = Pin::new(&mut start).poll(&mut cx);
    assert!(matches!(p, Poll::Ready(Err(_))), "a chain with a kept-alive 128-byte member is refused");
}

/// An operation that refuses a ring (`Operation::refuse`: it names a
/// resource of another ring) never reaches it: alone, it completes with the
/// errno it gave, and as a member of a chain it refuses the chain whole,
/// each member's value coming back.
#[test]
fn an_operation_that_refuses_the_ring_never_reaches_it() {
    struct Bound(ring_core::RingId, Rc<Cell<u32>>);
    // SAFETY: a NOP carries no pointer.
    unsafe impl ring_core::Operation for Bound {
        type Output = i32;
        fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
            self.1.set(self.1.get() + 1);
            ring_core::sys::io_uring_sqe { opcode: ring_core::sys::IORING_OP_NOP, ..Default::default() }
        }
        fn refuse(&self, ring: ring_core::RingId) -> Option<i32> {
            (ring != self.0).then_some(libc::EXDEV)
        }
        fn complete(self, result: ring_core::Cqe, _: ring_core::Cqe) -> i32 {
            result.res
        }
    }
    let a = ring_core::Driver::new(4).unwrap();
    let b = ring_core::Driver::new(4).unwrap();
    let prepared = Rc::new(Cell::new(0));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut op = b.op(Bound(a.ring_id(), prepared.clone()));
    assert_eq!(std::pin::Pin::new(&mut op).poll(&mut cx), std::task::Poll::Ready(-libc::EXDEV));
    let mut chain = b.chain();
    let first = chain.push(ring_core::ops::Nop);
    let bound = chain.push(Bound(a.ring_id(), prepared.clone()));
    let mut start = chain.start();
    let std::task::Poll::Ready(Err(mut refused)) = std::pin::Pin::new(&mut start).poll(&mut cx) else {
        panic!("a chain with a member bound to another ring started")
    };
    assert!(matches!(refused.error(), ring_core::Error::ForeignResource { .. }), "{refused:?}");
    assert!(refused.take(first).is_some() && refused.take(bound).is_some());
    assert_eq!((prepared.get(), b.in_flight(), b.stats().started), (0, 0, 0), "nothing was prepared or started");
    // On its own ring it runs.
    let mut op = a.op(Bound(a.ring_id(), prepared.clone()));
    while std::pin::Pin::new(&mut op).poll(&mut cx).is_pending() {
        a.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(prepared.get(), 1);
}
