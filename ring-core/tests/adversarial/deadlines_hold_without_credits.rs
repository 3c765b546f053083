//! **Rule: a deadline holds while its operation waits for a credit.** An
//! operation (or the kernel timer that would time it) still queued for a
//! CQ credit has never reached the kernel, so nothing there can end it:
//! its deadline is kept in user space, the driver's park is bounded by the
//! earliest such deadline, and when it passes the operation ends as timed
//! out with its buffer, the queued timer is withdrawn, and a `time::sleep`
//! whose timer never got a credit is over. Each test saturates the ring's
//! credits with receives that never complete, then waits with an unbounded
//! park (`Driver::park(None)`, or a runtime's own park): without the
//! user-space deadline these hang, which `within` turns into a failure.

use crate::support::within;
use ring_core::ops::Recv;
use ring_core::{task, time, Builder, Driver, Op, Runtime};
use std::future::Future;
use std::os::unix::net::UnixStream;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Starts receives on an idle socket until `leave` credits are left; they
/// never complete while the returned peer lives.
fn hog(d: &Driver, leave: u32) -> (Vec<Op<Recv<Vec<u8>>>>, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let mut hogs = Vec::new();
    let mut cx = Context::from_waker(Waker::noop());
    while d.credits() > leave {
        let mut op = d.recv(&a, Vec::with_capacity(8), 0);
        assert!(Pin::new(&mut op).poll(&mut cx).is_pending());
        hogs.push(op);
        d.poll().unwrap();
    }
    (hogs, b)
}

/// Polls `f` with a no-op waker, parking with no bound in between: only
/// the driver's own wake-ups (a completion, or a user-space deadline) end
/// each park.
fn drive<F: Future>(d: &Driver, f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        d.park(None).unwrap();
    }
}

/// `Op::with_timeout` on a driver whose every credit is taken (the linked
/// chain of the operation and its timeout waits for two), and with one
/// credit left (the chain still waits: it needs two): the deadline passes
/// while it waits, and it resolves as timed out with its buffer, having
/// never reached the kernel.
#[test]
fn an_operation_queued_for_a_credit_times_out_on_time() {
    for leave in [0, 1] {
        within(20, move || {
            let d = Driver::new(4).unwrap();
            let (_hogs, _peer) = hog(&d, leave);
            let (c, _c2) = UnixStream::pair().unwrap();
            let c = Rc::new(c);
            let t0 = Instant::now();
            let out = drive(&d, d.recv(&c, Vec::with_capacity(64), 0).with_timeout(Duration::from_millis(20)));
            let took = t0.elapsed();
            assert!(out.timed_out(), "leave {leave}: nobody sends, so the deadline must cut it");
            assert!(took >= Duration::from_millis(20), "leave {leave}: resolved early ({took:?})");
            assert!(took < Duration::from_secs(5), "leave {leave}: the deadline was late ({took:?})");
            let (res, buf) = out.into_inner();
            assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
            assert_eq!(buf.capacity(), 64, "the buffer came back");
            assert_eq!(d.credits(), leave, "the withdrawn operation took no credit");
        });
    }
}

/// A ring with one CQ entry: the operation holds the only credit, so the
/// timer it races can never start. The deadline is kept in user space and
/// the operation cancelled (credit-free) when it passes.
#[test]
fn a_racing_timer_without_a_credit_still_fires() {
    within(20, || {
        let Ok(ring) = Builder::new(1).cq_size(1).build() else {
            println!("skipped: this kernel cannot build a ring with a 1-entry CQ");
            return;
        };
        let d = Driver::with_ring(ring, ring_core::driver::Batch::default());
        let (a, _b) = UnixStream::pair().unwrap();
        let a = Rc::new(a);
        let t0 = Instant::now();
        let out = drive(&d, d.recv(&a, Vec::with_capacity(64), 0).with_timeout(Duration::from_millis(20)));
        assert!(out.timed_out());
        assert!(t0.elapsed() >= Duration::from_millis(20));
        assert_eq!(out.into_inner().1.capacity(), 64);
        assert_eq!(d.in_flight(), 0);
    });
}

/// `time::Timeout` and `time::sleep` on a saturated driver: their timer
/// cannot get a credit, and the deadline still ends them on time.
#[test]
fn a_sleep_whose_timer_cannot_start_still_ends() {
    within(20, || {
        let d = Driver::new(4).unwrap();
        let (_hogs, _peer) = hog(&d, 0);
        let t0 = Instant::now();
        drive(&d, time::Sleep::new_in(&d, Instant::now() + Duration::from_millis(20)));
        assert!(t0.elapsed() >= Duration::from_millis(20));
        let (c, _c2) = UnixStream::pair().unwrap();
        let c = Rc::new(c);
        let t0 = Instant::now();
        let r = drive(
            &d,
            time::Timeout::new_in(&d, Instant::now() + Duration::from_millis(20), d.recv(&c, Vec::with_capacity(8), 0)),
        );
        assert!(r.is_err(), "the deadline passed first");
        assert!(t0.elapsed() >= Duration::from_millis(20));
    });
}

/// The ordinary shape of the problem: a runtime whose credits are all held
/// by tasks awaiting idle receives (one more is its eventfd read); the main
/// future sleeps, then aborts them, then runs one more operation.
#[test]
fn a_runtime_saturated_by_idle_tasks_still_sleeps_and_recovers() {
    within(20, || {
        let rt = Runtime::new(4).unwrap();
        let n = rt.driver().credits() as usize - 1;
        rt.block_on(async move {
            let mut handles = Vec::new();
            let mut peers = Vec::new();
            for _ in 0..n {
                let (a, b) = UnixStream::pair().unwrap();
                peers.push(b);
                let d = ring_core::runtime::executor::current_driver().unwrap();
                handles.push(task::spawn(async move {
                    let a = Rc::new(a);
                    d.recv(&a, Vec::with_capacity(64), 0).await.0.is_ok()
                }));
            }
            task::yield_now().await;
            let t0 = Instant::now();
            time::sleep(Duration::from_millis(30)).await;
            assert!(t0.elapsed() >= Duration::from_millis(30));
            for h in &handles {
                h.abort();
            }
            for h in handles {
                let _ = h.await;
            }
            let d = ring_core::runtime::executor::current_driver().unwrap();
            d.nop().await.unwrap();
            drop(peers);
        })
        .unwrap();
    });
}
