//! Operations that end early: a forgotten read, a read dropped or
//! cancelled in flight or after it completed, a driver dropped or torn down
//! with reads in flight, and dropped streams holding every credit.

use super::*;

#[test]
fn forgotten_read_writes_into_memory_that_is_still_allocated() {
    let rt = Runtime::new(8).unwrap();
    let region = Region::new(16).unwrap();
    let (r, w) = pipe();
    let buf = SharedRegion::new(region.clone(), 4, 8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let mut op = d.read(&r, buf);
        // Start it, then forget the future while the read is in flight.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        std::mem::forget(op);
    })
    .unwrap();
    assert!(rt.driver().in_flight() >= 1, "the forgotten read stays in the table");
    write_all(&w, b"late!");
    // Drive the ring until the forgotten read's completion arrives.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.driver().stats().stale == 0 && Instant::now() < deadline {
        let mut out = [0u8; 16];
        region.read_at(0, &mut out);
        if &out[4..9] == b"late!" {
            break;
        }
        rt.driver().park(Some(Duration::from_millis(10))).unwrap();
    }
    let mut out = [0u8; 16];
    assert!(region.read_at(0, &mut out));
    assert_eq!(&out[4..9], b"late!", "the kernel wrote into the region the table still owns");
    // The region is still referenced by the forgotten entry (leaked claim).
    assert!(std::sync::Arc::strong_count(&region) >= 2);
}

#[test]
fn dropping_a_read_in_flight_cancels_it_and_frees_the_buffer_once() {
    let rt = Runtime::new(8).unwrap();
    let (r, _w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = rt.driver().clone();
    let buf = Counted { data: Vec::with_capacity(32), drops: drops.clone() };
    rt.block_on(async {
        let op = d.read(&r, buf);
        // Race the read against a short sleep; the read loses and is dropped.
        let sleep = d.sleep(Duration::from_millis(10));
        let mut op = Box::pin(op);
        let mut sleep = Box::pin(sleep);
        std::future::poll_fn(|cx| {
            let _ = op.as_mut().poll(cx);
            sleep.as_mut().poll(cx)
        })
        .await
        .unwrap();
        assert_eq!(drops.get(), 0, "still in flight, still owned by the table");
        drop(op);
        assert_eq!(drops.get(), 0, "dropping the future does not free the buffer");
    })
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while drops.get() == 0 && Instant::now() < deadline {
        rt.driver().park(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(drops.get(), 1, "freed exactly once, after the cancelled completion");
    let s = rt.driver().stats();
    assert_eq!(s.orphans_reaped, 1);
    assert!(s.cancels >= 1);
}

#[test]
fn cancel_of_a_blocked_read_returns_the_buffer() {
    let rt = Runtime::new(8).unwrap();
    let (r, _w) = pipe();
    let d = rt.driver().clone();
    let out = rt
        .block_on(async {
            let mut op = d.read(&r, Vec::<u8>::with_capacity(16));
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
            op.cancel().await
        })
        .unwrap();
    assert!(out.was_cancelled());
    let (res, buf) = out.into_inner();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert!(buf.capacity() >= 16);
}

#[test]
fn cancel_of_a_completed_read_returns_the_result_and_the_bytes() {
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    write_all(&w, b"data");
    let d = rt.driver().clone();
    let out = rt
        .block_on(async {
            let mut op = d.read(&r, Vec::with_capacity(16));
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            let _ = std::pin::Pin::new(&mut op).poll(&mut cx);
            // Let the read complete before asking to cancel it: the sleep
            // submits it; where the kernel hands pipe reads to a worker
            // thread (6.1), it completes a moment later, so wait for the
            // pipe to be drained and then reap.
            d.sleep(Duration::from_millis(5)).await.unwrap();
            caps::wait_drained(&r);
            d.sleep(Duration::from_millis(5)).await.unwrap();
            op.cancel().await
        })
        .unwrap();
    match out {
        Cancelled::Completed((res, buf)) => {
            assert_eq!(res.unwrap(), 4);
            assert_eq!(buf, b"data");
        }
        Cancelled::Cancelled(_) => panic!("a completed read must come back completed"),
    }
}

#[test]
fn driver_drop_with_a_blocked_read_returns_within_its_bound() {
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    {
        let rt = Runtime::new(8).unwrap();
        let d = rt.driver().clone();
        let buf = Counted { data: Vec::with_capacity(8), drops: drops.clone() };
        let h = rt.spawn(async move { d.read(&r, buf).await });
        rt.block_on(async { rt.driver().sleep(Duration::from_millis(5)).await }).unwrap().unwrap();
        assert!(!h.is_finished());
        let start = Instant::now();
        drop(rt);
        assert!(start.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(drops.get(), 1, "the cancelled read's buffer was freed once, after its completion");
    drop(w);
}

#[test]
fn teardown_past_its_deadline_leaks_instead_of_freeing() {
    // With a zero deadline, teardown cannot wait for the cancelled read's
    // completion: the kernel may still write into the buffer after the ring
    // is closed, so the buffer must be leaked, never freed.
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = ring_core::Driver::new(4).unwrap();
    d.set_teardown_deadline(Duration::ZERO);
    let mut op = d.read(&r, Counted { data: Vec::with_capacity(8), drops: drops.clone() });
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
    drop(op);
    let report = d.shutdown();
    assert_eq!((report.in_flight, report.leaked), (1, 1), "{report:?}");
    drop(d);
    assert_eq!(drops.get(), 0, "a buffer the kernel may still hold was freed");
    drop(w);
}

/// On a CQ of two, two multishot polls hold both CQ credits; dropping them
/// must end them. Their cancellations cannot wait for a credit (none comes
/// back until a stream ends, and none ends until it is cancelled): the
/// driver cancels from the register call (`IORING_REGISTER_SYNC_CANCEL`,
/// 6.0), which posts no completion of its own.
#[test]
fn dropped_streams_holding_every_credit_are_still_cancelled() {
    use core::task::{Context, Waker};
    let ring = ring_core::Builder::new(1).cq_size(2).build().unwrap();
    assert_eq!(ring.params().cq_entries, 2);
    // A sync cancel of nothing: ENOENT where the kernel has the operation.
    let probe = ring.cancel_sync(&ring_core::register::CancelBuilder::user_data(u64::MAX), Some(Duration::ZERO));
    if probe.as_ref().is_err_and(|e| e.errno().map(|n| n.raw()) != Some(libc::ENOENT)) {
        caps::skip("dropped_streams_holding_every_credit_are_still_cancelled", format!("no sync cancel: {probe:?}"));
        return;
    }
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let ((r1, _w1), (r2, _w2)) = (pipe(), pipe());
    let mut cx = Context::from_waker(Waker::noop());
    let mut s1 = d.poll_multishot(&r1, libc::POLLIN as u32);
    let mut s2 = d.poll_multishot(&r2, libc::POLLIN as u32);
    assert!(s1.poll_next(&mut cx).is_pending());
    assert!(s2.poll_next(&mut cx).is_pending());
    d.poll().unwrap();
    assert_eq!(d.credits(), 0, "the two streams hold both credits");
    drop(s1);
    drop(s2);
    for _ in 0..200 {
        if d.in_flight() == 0 {
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(d.in_flight(), 0, "the dropped streams were never cancelled: {:?}", d.stats());
    assert_eq!(d.stats().orphans_reaped, 2);
    assert_eq!(d.credits(), 2);
}
