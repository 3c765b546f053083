//! Time: `sleep`, `timeout`, deadlines on operations that give their
//! buffers back, `interval`, and `race`.

use crate::support::unix_pair;
use ring_core::select::{race, race3, Either, Either3};
use ring_core::time::{self, MissedTickBehavior, Timed};
use ring_core::{Builder, Driver, Runtime};
use std::future::Future;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

#[test]
fn sleep_waits_and_sleep_until_a_past_instant_is_immediate() {
    let rt = Runtime::new(16).unwrap();
    let start = Instant::now();
    rt.block_on(time::sleep(Duration::from_millis(20))).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(20));
    let before = rt.driver().stats().started;
    rt.block_on(time::sleep_until(Instant::now() - Duration::from_millis(1))).unwrap();
    assert_eq!(rt.driver().stats().started, before, "a deadline already passed needs no kernel timer");
}

#[test]
fn a_sleep_created_outside_the_runtime_binds_when_first_polled() {
    let rt = Runtime::new(16).unwrap();
    let s = time::sleep(Duration::from_millis(1));
    rt.block_on(s).unwrap();
}

#[test]
fn a_sleep_reset_moves_its_deadline() {
    let rt = Runtime::new(16).unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let mut s = time::sleep(Duration::from_secs(3600));
        // Armed for an hour...
        let mut cx = Context::from_waker(Waker::noop());
        assert!(s.poll_elapsed(&mut cx).is_pending());
        // ...then reset to 10 ms: the old kernel timer is cancelled.
        s.reset(Instant::now() + Duration::from_millis(10));
        s.await;
        assert!(start.elapsed() < Duration::from_secs(60));
    })
    .unwrap();
}

#[test]
fn timeout_returns_the_output_or_elapsed_and_drops_the_inner_future() {
    struct Flag(Rc<std::cell::Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let rt = Runtime::new(16).unwrap();
    rt.block_on(async {
        assert_eq!(time::timeout(Duration::from_secs(5), async { 3 }).await, Ok(3));
        let dropped = Rc::new(std::cell::Cell::new(false));
        let flag = Flag(dropped.clone());
        let r = time::timeout(Duration::from_millis(10), async move {
            let _f = flag;
            std::future::pending::<()>().await
        })
        .await;
        assert_eq!(r.unwrap_err().to_string(), "deadline has elapsed");
        assert!(dropped.get(), "the inner future was dropped at the deadline");
        let e: std::io::Error = time::timeout(Duration::ZERO, std::future::pending::<()>()).await.unwrap_err().into();
        assert_eq!(e.kind(), std::io::ErrorKind::TimedOut);
    })
    .unwrap();
}

#[test]
fn an_output_ready_at_the_deadline_is_returned_not_lost() {
    let rt = Runtime::new(16).unwrap();
    rt.block_on(async {
        // Both ready at the first poll: the inner future is polled first.
        let r = time::timeout(Duration::ZERO, async { 9 }).await;
        assert_eq!(r, Ok(9));
    })
    .unwrap();
}

/// A deadline on a receive that nobody feeds: the operation times out and
/// its buffer comes back (the linked-timeout path, since the operation was
/// never polled before).
#[test]
fn a_linked_deadline_gives_the_buffer_back_when_it_fires() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, _b) = unix_pair();
    rt.block_on(async move {
        let start = Instant::now();
        let mut buf = Vec::with_capacity(1000);
        buf.extend_from_slice(b"keep");
        let out = d.recv(&a, buf, 0).with_timeout(Duration::from_millis(30)).await;
        assert!(out.timed_out());
        let (res, buf) = out.into_inner();
        assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
        assert_eq!(buf.capacity(), 1000);
        assert!(start.elapsed() >= Duration::from_millis(30));
        // Only the chain and its timer reached the kernel: no separate
        // cancellation request.
        assert_eq!(d.stats().cancels, 0, "the kernel's linked timeout cancelled it");
    })
    .unwrap();
}

#[test]
fn a_linked_deadline_that_does_not_fire_reports_a_completed_operation() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, mut b) = unix_pair();
    std::io::Write::write_all(&mut b, b"hello").unwrap();
    rt.block_on(async move {
        let out = d.recv(&a, Vec::with_capacity(64), 0).with_timeout(Duration::from_secs(10)).await;
        let Timed::Completed((n, buf)) = out else { panic!("timed out") };
        assert_eq!(n.unwrap(), 5);
        assert_eq!(buf, b"hello");
        // The timer was disarmed by the kernel when the receive finished:
        // nothing is left in flight but the runtime's own eventfd read.
        assert_eq!(d.in_flight(), 1);
    })
    .unwrap();
}

/// An operation already in flight takes the explicit-cancel path: it races
/// a timer and is cancelled when the timer wins; its buffer comes back.
#[test]
fn a_deadline_on_an_operation_in_flight_cancels_it_explicitly() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, _b) = unix_pair();
    rt.block_on(async move {
        let mut op = d.recv(&a, Vec::with_capacity(77), 0);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        let out = op.with_timeout(Duration::from_millis(20)).await;
        assert!(out.timed_out());
        let (res, buf) = out.into_inner();
        assert!(res.is_err());
        assert_eq!(buf.capacity(), 77);
        assert!(d.stats().cancels >= 1, "cancelled by an explicit request");
    })
    .unwrap();
}

/// With an SQ of one entry a chain of two cannot start: the deadline falls
/// back to racing a timer, and still gives the buffer back.
#[test]
fn a_deadline_falls_back_when_the_ring_cannot_take_the_chain() {
    let ring = Builder::new(1).cq_size(8).build().unwrap();
    let rt = Runtime::with_ring(ring, ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let (a, _b) = unix_pair();
    rt.block_on(async move {
        let out = d.recv(&a, Vec::with_capacity(33), 0).with_timeout(Duration::from_millis(20)).await;
        assert!(out.timed_out());
        assert_eq!(out.into_inner().1.capacity(), 33);
        assert!(d.stats().cancels >= 1, "the fallback cancels explicitly");
    })
    .unwrap();
}

#[test]
fn a_deadline_far_in_the_future_is_no_deadline() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let out = d.nop().with_timeout(Duration::MAX).await;
        assert!(matches!(out, Timed::Completed(Ok(()))));
    })
    .unwrap();
}

#[test]
fn a_deadline_already_passed_cancels_at_once() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, _b) = unix_pair();
    rt.block_on(async move {
        let out = d.recv(&a, Vec::with_capacity(8), 0).with_deadline(Instant::now() - Duration::from_secs(1)).await;
        assert!(out.timed_out());
    })
    .unwrap();
}

#[test]
fn interval_ticks_on_schedule_and_each_missed_tick_behaviour_holds() {
    let rt = Runtime::new(16).unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let period = Duration::from_millis(10);
        let mut iv = time::interval_at(start, period);
        assert_eq!(iv.tick().await, start, "the first tick is at the start");
        assert_eq!(iv.tick().await, start + period);
        // Busy past three periods, then each behaviour.
        for b in [MissedTickBehavior::Burst, MissedTickBehavior::Delay, MissedTickBehavior::Skip] {
            let start = Instant::now();
            let mut iv = time::interval_at(start, period);
            iv.set_missed_tick_behavior(b);
            assert_eq!(iv.tick().await, start);
            std::thread::sleep(period * 3 + period / 2);
            let late = iv.tick().await;
            let late_at = Instant::now();
            assert_eq!(late, start + period, "{b:?}: the first missed tick is delivered at once");
            let next = iv.tick().await;
            match b {
                MissedTickBehavior::Burst => assert_eq!(next, start + period * 2, "burst delivers each missed tick"),
                MissedTickBehavior::Delay => {
                    assert!(next >= late_at + period - period / 10, "delay restarts a period after the late tick")
                }
                MissedTickBehavior::Skip => {
                    assert!(next > late_at, "skip jumps past the missed ticks");
                    assert_eq!((next - start).as_nanos() % period.as_nanos(), 0, "skip keeps the phase");
                }
            }
        }
        // A zero period is not refused.
        let mut fast = time::interval(Duration::ZERO);
        fast.tick().await;
        fast.tick().await;
    })
    .unwrap();
}

/// The losing operation comes back from `race` and can be cancelled for
/// its buffer; the winner's output is there.
#[test]
fn race_hands_back_the_loser() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, mut b) = unix_pair();
    rt.block_on(async move {
        let read = d.recv(&a, Vec::with_capacity(99), 0);
        match race(read, d.sleep(Duration::from_millis(10))).await {
            Either::Right((read, timer)) => {
                assert!(matches!(timer, Ok(true)));
                let c = read.cancel().await;
                assert!(c.was_cancelled());
                assert_eq!(c.into_inner().1.capacity(), 99);
            }
            Either::Left(_) => panic!("nobody wrote"),
        }
        std::io::Write::write_all(&mut b, b"x").unwrap();
        let read = d.recv(&a, Vec::with_capacity(9), 0);
        match race(read, d.sleep(Duration::from_secs(10))).await {
            Either::Left(((n, buf), timer)) => {
                assert_eq!(n.unwrap(), 1);
                assert_eq!(buf, b"x");
                // The loser is an operation too: cancelled, it ends.
                assert!(timer.cancel().await.was_cancelled());
            }
            Either::Right(_) => panic!("the read was ready"),
        }
        let never = std::future::pending::<u8>();
        let long = std::pin::pin!(time::sleep(Duration::from_secs(9)));
        let r = race3(never, d.sleep(Duration::from_millis(1)), long).await;
        assert!(matches!(r, Either3::Second(_)));
    })
    .unwrap();
}

/// Timers work with a driver named instead of the thread's runtime.
#[test]
fn timers_on_a_named_driver_work_in_a_loop_of_ones_own() {
    let d = Driver::new(8).unwrap();
    d.poll().unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    let mut t = std::pin::pin!(time::Timeout::new_in(
        &d,
        Instant::now() + Duration::from_millis(5),
        std::future::pending::<()>()
    ));
    let r = loop {
        if let Poll::Ready(r) = t.as_mut().poll(&mut cx) {
            break r;
        }
        d.park(None).unwrap();
    };
    assert!(r.is_err());
}

/// Polling a free-function timer with no loop on the thread is a misuse
/// reported by a panic that says what to do.
#[test]
fn a_free_timer_polled_outside_any_loop_panics_with_a_clear_message() {
    let mut s = std::pin::pin!(time::sleep(Duration::from_millis(1)));
    let mut cx = Context::from_waker(Waker::noop());
    let p = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = s.as_mut().poll(&mut cx);
    }))
    .unwrap_err();
    let msg = p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned());
    assert!(msg.unwrap().contains("Sleep::new_in"));
}
