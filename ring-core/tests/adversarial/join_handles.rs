//! Rule: every task ends with exactly one outcome delivered to its handle,
//! and whoever awaits the handle is woken: the output, the panic (with its
//! payload), or the news that the task was dropped unfinished. Foreign code
//! around the handles (the awaiting waker's clone or wake, a job closure,
//! a destructor) may panic or call back at any point without losing it.

use crate::hostile::{panics, Hostile};
use crate::support::within;
use crate::support::yield_now;
use crate::support::{counter, poll_with};
use ring_core::executor::JoinHandle;
use ring_core::Runtime;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Rule: a handle awaited before its task panics is woken, and reports the
/// panic with its payload (awaited alone, it does not hang).
#[test]
fn a_handle_awaited_before_its_task_panics_is_woken_with_the_panic() {
    let e = within(10, || {
        let rt = Runtime::new(8).unwrap();
        let task = rt.spawn(async {
            yield_now().await;
            if std::hint::black_box(true) {
                panic!("the task's own panic");
            }
            7
        });
        rt.block_on(task).unwrap().unwrap_err()
    });
    assert!(e.is_panic() && !e.is_cancelled());
    assert_eq!(e.panic_message(), Some("the task's own panic"));
    let payload = e.into_panic().expect("the payload");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the task's own panic"));
}

/// Rule: a handle awaited by another task is woken when the task panics,
/// and the payload of a non-string panic comes back whole.
#[test]
fn a_handle_awaited_by_another_task_gets_the_payload() {
    #[derive(Debug, PartialEq)]
    struct Custom(u32);
    let got = within(10, || {
        let rt = Runtime::new(8).unwrap();
        let task = rt.spawn(async {
            yield_now().await;
            std::panic::panic_any(Custom(42));
        });
        let watcher = rt.spawn(async move { task.await.unwrap_err() });
        let e = rt.block_on(watcher).unwrap().unwrap();
        assert!(e.is_panic());
        assert_eq!(e.panic_message(), None);
        *e.into_panic().unwrap().downcast::<Custom>().unwrap()
    });
    assert_eq!(got, Custom(42));
}

/// Rule: a handle whose task is dropped unfinished (its runtime dropped)
/// reports a cancellation, and the waker that awaits it is woken.
#[test]
fn a_handle_whose_task_is_dropped_is_woken_as_cancelled() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let mut task: JoinHandle<()> = rt.spawn(std::future::pending());
        let (count, w) = counter();
        assert!(poll_with(&mut task, &w).is_pending());
        drop(rt);
        assert_eq!(count.0.load(Ordering::SeqCst), 1, "the waiting waker was woken");
        match poll_with(&mut task, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled() && e.into_panic().is_none()),
            other => panic!("expected a cancellation, got {:?}", other.map(|r| r.map(drop))),
        }
    });
}

/// Rule: the waker of whoever awaits a handle may poll the handle from its
/// `wake` (an executor that polls at once): the outcome is delivered, and
/// nothing panics inside the library.
#[test]
fn a_wake_that_polls_the_handle_gets_the_outcome() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let task = Rc::new(RefCell::new(rt.spawn(async {
            yield_now().await;
            5
        })));
        let got: Rc<RefCell<Option<u32>>> = Rc::default();
        let h = Hostile::new();
        {
            let (task, got) = (task.clone(), got.clone());
            h.wake.on(move || {
                if let Poll::Ready(r) = poll_with(&mut *task.borrow_mut(), Waker::noop()) {
                    *got.borrow_mut() = Some(r.unwrap());
                }
            });
        }
        assert!(poll_with(&mut *task.borrow_mut(), &h.waker()).is_pending());
        rt.block_on(async {
            for _ in 0..10 {
                yield_now().await;
            }
        })
        .unwrap();
        h.wake.off();
        assert_eq!(*got.borrow(), Some(5), "the wake polled the handle and got the output");
    });
}

/// Rule: a handle polled with a waker whose `clone` panics loses nothing:
/// polled again, it delivers the task's output.
#[test]
fn a_panicking_clone_on_a_handle_loses_nothing() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let mut task = rt.spawn(async {
            yield_now().await;
            9
        });
        let h = Hostile::new();
        h.clone.panic_next(1);
        assert!(panics(|| poll_with(&mut task, &h.waker())));
        assert_eq!(rt.block_on(task).unwrap().unwrap(), 9);
    });
}

/// Rule: a task whose future's destructor panics does not keep the other
/// tasks from running, and its handle still has the output.
#[test]
fn a_task_whose_destructor_panics_does_not_stop_the_others() {
    within(20, || {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                if !std::thread::panicking() {
                    panic!("hostile destructor");
                }
            }
        }
        /// A future that holds a `Bomb` beside its inner future, so the bomb
        /// goes off when the task's future is dropped (after its output was
        /// delivered), not when the inner future returns.
        struct Holding<F>(Pin<Box<F>>, #[allow(dead_code)] Bomb);
        impl<F: Future> Future for Holding<F> {
            type Output = F::Output;
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
                self.0.as_mut().poll(cx)
            }
        }
        let rt = Runtime::new(8).unwrap();
        let bomb = rt.spawn(Holding(
            Box::pin(async {
                yield_now().await;
                1
            }),
            Bomb,
        ));
        let other = rt.spawn(async {
            yield_now().await;
            2
        });
        // The destructor's panic reaches `block_on`'s caller once the round of
        // tasks is over; the runtime goes on.
        let mut raised = false;
        for _ in 0..10 {
            raised |= panics(|| rt.block_on(yield_now()).unwrap());
            if bomb.is_finished() && other.is_finished() {
                break;
            }
        }
        assert!(raised, "the destructor's panic was re-raised");
        assert_eq!(rt.block_on(bomb).unwrap().unwrap(), 1);
        assert_eq!(rt.block_on(other).unwrap().unwrap(), 2);
    });
}

/// Rule: `block_on` whose future panics propagates the panic and leaves the
/// runtime usable: its spawned tasks still run to their outcome.
#[test]
fn block_on_after_a_panic_still_runs_the_tasks() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let task = rt.spawn(async {
            yield_now().await;
            3
        });
        assert!(panics(|| rt
            .block_on(async {
                rt.driver().nop().await.unwrap();
                panic!("the main future panics");
            })
            .unwrap()));
        assert_eq!(rt.block_on(task).unwrap().unwrap(), 3);
        rt.block_on(async { rt.driver().nop().await.unwrap() }).unwrap();
    });
}

/// Rule: a job handed over from another thread whose future panics
/// reports the panic, with its payload, through its handle; the runtime
/// goes on.
#[test]
fn a_remote_job_whose_future_panics_reports_the_panic() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let handle = rt.handle();
        let job = std::thread::spawn(move || {
            handle.spawn(|d| async move {
                d.nop().await.unwrap();
                if std::hint::black_box(true) {
                    panic!("the remote future panics");
                }
                1
            })
        })
        .join()
        .unwrap();
        let d = rt.driver().clone();
        rt.block_on(async move {
            while !job.is_finished_hint() {
                d.nop().await.unwrap();
            }
            let e = job.await.unwrap_err();
            assert!(e.is_panic());
            assert_eq!(e.panic_message(), Some("the remote future panics"));
        })
        .unwrap();
    });
}

/// Rule: a job whose closure itself panics on the runtime's thread reports
/// the panic through its handle; `block_on` does not panic.
#[test]
fn a_remote_job_whose_closure_panics_does_not_take_block_on_down() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let handle = rt.handle();
        let job = handle.spawn(|_d| -> std::future::Ready<u32> { panic!("the closure panics") });
        let d = rt.driver().clone();
        let r = rt.block_on(async move {
            for _ in 0..10 {
                d.nop().await.unwrap();
            }
        });
        assert!(r.is_ok());
        let e = job.join().unwrap_err();
        assert!(e.is_panic());
        assert_eq!(e.panic_message(), Some("the closure panics"));
    });
}

/// Rule: a remote handle polled with a waker whose `clone` panics loses
/// nothing: the job's output still comes back (it is not reported as gone
/// before the job even ran).
#[test]
fn a_panicking_clone_on_a_remote_handle_loses_nothing() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let mut job = rt.handle().spawn(|d| async move {
            d.nop().await.unwrap();
            11
        });
        let h = Hostile::new();
        h.clone.panic_next(1);
        assert!(panics(|| poll_with(&mut job, &h.waker())));
        assert!(!job.is_finished_hint(), "the job has not run yet");
        let d = rt.driver().clone();
        let out = rt.block_on(async move {
            while !job.is_finished_hint() {
                d.nop().await.unwrap();
            }
            job.await
        });
        assert_eq!(out.unwrap().unwrap(), 11);
    });
}

/// A `Send` waker whose `wake` asks its remote handle whether it finished
/// (taking the handle's lock) from the thread that completes the job.
struct AsksTheHandle {
    handle: Mutex<Option<Arc<Mutex<ring_core::handle::RemoteJoinHandle<u32>>>>>,
    asked: AtomicBool,
}

impl Wake for AsksTheHandle {
    fn wake(self: Arc<Self>) {
        if let Some(h) = self.handle.lock().unwrap().as_ref() {
            let _ = h.lock().unwrap().is_finished_hint();
            self.asked.store(true, Ordering::SeqCst);
        }
    }
}

/// Rule: the waker of a remote handle may call back into the handle from
/// its `wake` (on the runtime's thread, as the job finishes): it is woken
/// with the handle's lock released, so this neither deadlocks nor panics.
#[test]
fn a_remote_wake_that_calls_back_into_the_handle_does_not_deadlock() {
    within(10, || {
        let rt = Runtime::new(8).unwrap();
        let job = Arc::new(Mutex::new(rt.handle().spawn(|d| async move {
            d.nop().await.unwrap();
            4
        })));
        let waker = Arc::new(AsksTheHandle { handle: Mutex::new(Some(job.clone())), asked: AtomicBool::new(false) });
        let w = Waker::from(waker.clone());
        {
            let mut j = job.lock().unwrap();
            assert!(Pin::new(&mut *j).poll(&mut Context::from_waker(&w)).is_pending());
        }
        let d = rt.driver().clone();
        let w2 = waker.clone();
        rt.block_on(async move {
            while !w2.asked.load(Ordering::SeqCst) {
                d.nop().await.unwrap();
            }
        })
        .unwrap();
        *waker.handle.lock().unwrap() = None;
        let mut j = job.lock().unwrap();
        match Pin::new(&mut *j).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Ok(v)) => assert_eq!(v, 4),
            _ => panic!("the output is there"),
        }
    });
}

/// Rule: a job still queued when its runtime is dropped ends with a
/// cancellation, and a thread blocked in `join` or awaiting it is woken.
#[test]
fn a_remote_job_dropped_with_its_runtime_wakes_its_waiter() {
    within(20, || {
        let rt = Runtime::new(8).unwrap();
        let mut job = rt.handle().spawn(|d| async move {
            d.nop().await.unwrap();
            1
        });
        let (count, w) = counter();
        assert!(poll_with(&mut job, &w).is_pending());
        drop(rt);
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        match poll_with(&mut job, Waker::noop()) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            _ => panic!("expected a cancellation"),
        }
        let _ = Duration::ZERO;
    });
}

/// Rule: a task may call back into its runtime (`block_on` from inside the
/// task, with an `Rc` of the runtime) while it is itself woken: the inner
/// run finds the task being polled and wakes it again later, rather than
/// panicking on the task's own borrow.
#[test]
fn a_task_that_runs_block_on_itself_works() {
    let got = within(20, || {
        let rt = Rc::new(Runtime::new(8).unwrap());
        let inner = rt.clone();
        let task = rt.spawn(async move {
            // Queued again while being polled: the nested run meets it.
            std::future::poll_fn(|cx| {
                cx.waker().wake_by_ref();
                Poll::Ready(())
            })
            .await;
            inner
                .block_on(async {
                    yield_now().await;
                    6
                })
                .unwrap()
        });
        rt.block_on(task).unwrap().unwrap()
    });
    assert_eq!(got, 6);
}

/// Hands over a job when dropped (from whatever thread drops it).
struct SpawnsOnDrop(Option<ring_core::handle::Handle>, Arc<AtomicBool>);

impl Drop for SpawnsOnDrop {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let late = h.spawn(|_d| async { 0u8 });
            self.1.store(late.is_finished_hint(), Ordering::SeqCst);
        }
    }
}

/// Rule: a job dropped unrun when its runtime goes may run foreign code in
/// its destructor that hands over another job: the queue is not locked
/// meanwhile (no deadlock), and the late job is refused as cancelled.
#[test]
fn a_dropped_job_whose_destructor_hands_over_another_does_not_deadlock() {
    let refused = within(10, || {
        let rt = Runtime::new(8).unwrap();
        let handle = rt.handle();
        let flag = Arc::new(AtomicBool::new(false));
        let guard = SpawnsOnDrop(Some(handle.clone()), flag.clone());
        let job = handle.spawn(move |_d| {
            let _keep = &guard;
            async { 1u8 }
        });
        drop(rt);
        assert!(job.join().unwrap_err().is_cancelled());
        flag.load(Ordering::SeqCst)
    });
    assert!(refused, "the job handed over by the destructor was refused at once");
}

/// A blocking `RemoteJoinHandle::join` on the runtime's own thread (inside
/// `block_on`, or anywhere else on it) waits for a job only that thread can
/// run: it returns a typed error at once instead of deadlocking silently.
/// From another thread it blocks and gets the output.
#[test]
fn a_blocking_join_on_the_runtimes_own_thread_is_a_typed_error() {
    let (inside, outside, other) = within(20, || {
        let rt = Runtime::new(8).unwrap();
        let h = rt.handle();
        let h2 = h.clone();
        let inside = rt
            .block_on(async move {
                let j = h2.spawn(|d: ring_core::Driver| async move { d.nop().await.is_ok() });
                j.join().map_err(|e| (e.is_own_runtime_thread(), e.to_string()))
            })
            .unwrap();
        let outside = h.spawn(|_| async { 1 }).join().map_err(|e| e.is_own_runtime_thread());
        // Another thread may block: the runtime runs the job meanwhile.
        let j = h.spawn(|d: ring_core::Driver| async move { d.nop().await.is_ok() });
        let waiter = std::thread::spawn(move || j.join().ok());
        let other = rt
            .block_on(async move {
                while !waiter.is_finished() {
                    yield_now().await;
                }
                waiter.join().unwrap()
            })
            .unwrap();
        (inside, outside, other)
    });
    let (own, message) = inside.unwrap_err();
    assert!(own, "inside block_on: {message}");
    assert!(message.contains("own thread"), "{message}");
    assert_eq!(outside, Err(true), "outside block_on, on the runtime's thread");
    assert_eq!(other, Some(true), "from another thread the join gets the output");
}
