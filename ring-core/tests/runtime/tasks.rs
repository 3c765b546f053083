//! Tasks: free `spawn`, abort and detach, `JoinSet`, `yield_now`,
//! `spawn_blocking` and its limits, remote aborts, and panics reported
//! through every kind of handle.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use crate::support::within;
use ring_core::task::{self, BlockingLimits, JoinSet, SpawnError};
use ring_core::Runtime;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

#[test]
fn spawn_outside_a_runtime_is_a_typed_error_or_a_clear_panic() {
    assert_eq!(task::try_spawn(async {}).unwrap_err(), SpawnError::NoRuntime);
    assert_eq!(task::try_spawn_blocking(|| ()).unwrap_err(), SpawnError::NoRuntime);
    let p = std::panic::catch_unwind(|| drop(task::spawn(async {}))).unwrap_err();
    let msg = p.downcast_ref::<String>().unwrap();
    assert!(msg.contains("no ring_core runtime on this thread"), "{msg}");
    assert_eq!(SpawnError::RuntimeGone.to_string(), "the runtime was dropped");
}

#[test]
fn a_spawner_of_a_dropped_runtime_gives_a_cancelled_handle_or_an_error() {
    let rt = Runtime::new(8).unwrap();
    let sp = rt.spawner();
    assert!(sp.is_alive());
    drop(rt);
    assert!(!sp.is_alive());
    assert_eq!(sp.try_spawn(async {}).unwrap_err(), SpawnError::RuntimeGone);
    let h = sp.spawn(async { 1 });
    assert!(h.is_finished());
    let rt2 = Runtime::new(8).unwrap();
    assert!(rt2.block_on(h).unwrap().unwrap_err().is_cancelled());
}

/// An aborted task's future is dropped at the runtime's next round, its
/// operations orphaned (the driver keeps their buffers), and its handle
/// reports a cancellation.
#[test]
fn abort_drops_the_task_and_reports_a_cancellation() {
    within(30, abort_drops_the_task_and_reports_a_cancellation_body);
}

fn abort_drops_the_task_and_reports_a_cancellation_body() {
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let dropped = Rc::new(Cell::new(false));
        let flag = Flag(dropped.clone());
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let a = Rc::new(a);
        let d2 = d.clone();
        let t = task::spawn(async move {
            let _flag = flag;
            // A receive in flight when the task is aborted.
            d2.recv(&a, Vec::with_capacity(4096), 0).await
        });
        task::yield_now().await;
        assert!(d.in_flight() >= 2, "the receive is in the kernel");
        t.abort();
        assert!(t.abort_handle().is_aborted());
        let e = t.await.unwrap_err();
        assert!(e.is_cancelled());
        assert!(dropped.get(), "the task's future was dropped");
        // A task that finished keeps its outcome when aborted afterwards.
        let done = task::spawn(async { 5 });
        task::yield_now().await;
        done.abort();
        assert_eq!(done.await.unwrap(), 5);
    })
    .unwrap();
}

#[test]
fn a_task_can_abort_itself_and_abort_from_another_thread_works() {
    within(30, a_task_can_abort_itself_and_abort_from_another_thread_works_body);
}

fn a_task_can_abort_itself_and_abort_from_another_thread_works_body() {
    let rt = Runtime::new(16).unwrap();
    rt.block_on(async {
        let (tx, rx) = ring_core::channel::oneshot::channel();
        let t = task::spawn(async move {
            let me: ring_core::task::AbortHandle = rx.await.unwrap();
            me.abort();
            task::yield_now().await;
            unreachable!("aborted at its own yield");
        });
        tx.send(t.abort_handle()).unwrap();
        assert!(t.await.unwrap_err().is_cancelled());
        let t = task::spawn(std::future::pending::<()>());
        let h = t.abort_handle();
        std::thread::spawn(move || h.abort()).join().unwrap();
        assert!(t.await.unwrap_err().is_cancelled());
    })
    .unwrap();
}

/// A destructor that panics while an aborted task is dropped is reported
/// through the handle, not raised in the runtime.
#[test]
fn a_panicking_destructor_of_an_aborted_task_reaches_its_handle() {
    within(30, a_panicking_destructor_of_an_aborted_task_reaches_its_handle_body);
}

fn a_panicking_destructor_of_an_aborted_task_reaches_its_handle_body() {
    struct Boom;
    impl Drop for Boom {
        fn drop(&mut self) {
            panic!("drop of an aborted task");
        }
    }
    let rt = Runtime::new(8).unwrap();
    let e = rt
        .block_on(async {
            let t = task::spawn(async {
                let _b = Boom;
                std::future::pending::<()>().await
            });
            task::yield_now().await;
            t.abort();
            t.await.unwrap_err()
        })
        .unwrap();
    assert_eq!(e.panic_message(), Some("drop of an aborted task"));
}

#[test]
fn detach_lets_the_task_run_on() {
    // The detached task reports on a channel after it was suspended once; a
    // detach that cancelled it would drop the sender unsent. Waiting on the
    // channel, not on a timer, keeps the test independent of speed.
    let rt = Runtime::new(8).unwrap();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    rt.block_on(async move {
        let (tx, rx) = ring_core::channel::oneshot::channel::<()>();
        task::spawn(async move {
            task::yield_now().await;
            r.set(true);
            let _ = tx.send(());
        })
        .detach();
        rx.await.expect("the detached task was dropped before it finished");
    })
    .unwrap();
    assert!(ran.get());
}

#[test]
fn a_panic_reaches_each_kind_of_handle_with_its_payload() {
    let rt = Runtime::new(8).unwrap();
    let handle = rt.handle();
    let remote = std::thread::spawn(move || handle.spawn(|_| async { panic!("remote") }).join());
    rt.block_on(async {
        let e = task::spawn(async { panic!("local") }).await.unwrap_err();
        assert_eq!(e.panic_message(), Some("local"));
        let mut set = JoinSet::new();
        set.spawn(async { panic!("in a set") });
        assert_eq!(set.join_next().await.unwrap().unwrap_err().panic_message(), Some("in a set"));
        let e = task::spawn_blocking(|| panic!("blocking")).await.unwrap_err();
        assert_eq!(e.panic_message(), Some("blocking"));
        while !remote.is_finished() {
            ring_core::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .unwrap();
    assert_eq!(remote.join().unwrap().unwrap_err().panic_message(), Some("remote"));
}

#[test]
fn join_set_joins_in_completion_order_and_counts() {
    // A set that joined in spawn order would wait for a task that is never
    // released: `within` turns that into a failure instead of a hang.
    within(30, join_set_joins_in_completion_order_and_counts_body);
}

fn join_set_joins_in_completion_order_and_counts_body() {
    // The tasks finish in the order the test releases them, not the order
    // they were spawned in; releasing by channel rather than by timer keeps
    // the order the same on a slow or loaded machine.
    let rt = Runtime::new(32).unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        assert!(set.is_empty());
        let mut release = Vec::new();
        for id in [40u64, 0, 20] {
            let (tx, rx) = ring_core::channel::oneshot::channel::<()>();
            release.push((id, tx));
            set.spawn(async move {
                rx.await.unwrap();
                id
            });
        }
        assert_eq!(set.len(), 3);
        let mut order = Vec::new();
        for wanted in [0u64, 20, 40] {
            let at = release.iter().position(|(id, _)| *id == wanted).unwrap();
            let (_, tx) = release.swap_remove(at);
            tx.send(()).unwrap();
            let r = set.join_next().await.unwrap();
            order.push(r.unwrap());
            assert_eq!(set.len(), 3 - order.len());
        }
        assert_eq!(order, [0, 20, 40]);
        assert!(set.join_next().await.is_none());
    })
    .unwrap();
}

#[test]
fn join_set_abort_all_and_shutdown_and_drop_abort_every_task() {
    within(30, join_set_abort_all_and_shutdown_and_drop_abort_every_task_body);
}

fn join_set_abort_all_and_shutdown_and_drop_abort_every_task_body() {
    let rt = Runtime::new(32).unwrap();
    let live = Rc::new(Cell::new(0));
    struct Live(Rc<Cell<i32>>);
    impl Drop for Live {
        fn drop(&mut self) {
            self.0.set(self.0.get() - 1);
        }
    }
    let l = live.clone();
    rt.block_on(async move {
        let spawn_some = |set: &mut JoinSet<()>| {
            for _ in 0..5 {
                let l = l.clone();
                l.set(l.get() + 1);
                let guard = Live(l);
                set.spawn(async move {
                    let _g = guard;
                    std::future::pending::<()>().await
                });
            }
        };
        let mut set = JoinSet::new();
        spawn_some(&mut set);
        task::yield_now().await;
        set.abort_all();
        let mut cancelled = 0;
        while let Some(r) = set.join_next().await {
            assert!(r.unwrap_err().is_cancelled());
            cancelled += 1;
        }
        assert_eq!(cancelled, 5);
        assert_eq!(l.get(), 0);
        spawn_some(&mut set);
        set.shutdown().await;
        assert!(set.is_empty());
        assert_eq!(l.get(), 0);
        spawn_some(&mut set);
        task::yield_now().await;
        drop(set);
        // Dropped at the runtime's next round.
        ring_core::time::sleep(Duration::from_millis(1)).await;
        assert_eq!(l.get(), 0, "a dropped set aborted its tasks");
    })
    .unwrap();
    assert_eq!(live.get(), 0);
}

#[test]
fn join_set_detach_all_lets_the_tasks_run() {
    let rt = Runtime::new(8).unwrap();
    let n = Rc::new(Cell::new(0));
    let n2 = n.clone();
    rt.block_on(async move {
        let mut set = JoinSet::new();
        for _ in 0..3 {
            let n = n2.clone();
            set.spawn(async move {
                task::yield_now().await;
                n.set(n.get() + 1);
            });
        }
        set.detach_all();
        assert!(set.is_empty());
        drop(set);
        // Yield until the tasks have finished rather than sleep a guessed
        // time: tasks the drop had aborted would never count, and the bound
        // turns that into a failure.
        for _ in 0..1000 {
            if n2.get() == 3 {
                break;
            }
            task::yield_now().await;
        }
    })
    .unwrap();
    assert_eq!(n.get(), 3);
}

#[test]
fn yield_now_lets_the_other_tasks_run() {
    let rt = Runtime::new(8).unwrap();
    let log = Rc::new(std::cell::RefCell::new(Vec::new()));
    let l = log.clone();
    rt.block_on(async move {
        let l2 = l.clone();
        let other = task::spawn(async move { l2.borrow_mut().push("other") });
        l.borrow_mut().push("before");
        task::yield_now().await;
        l.borrow_mut().push("after");
        other.await.unwrap();
    })
    .unwrap();
    assert_eq!(*log.borrow(), ["before", "other", "after"]);
}

/// At most `max_threads` jobs run at once, at most `max_queued` wait in
/// the queue, and the rest wait in their handles, admitted in FIFO order;
/// every job runs and its result comes back to the runtime's thread.
#[test]
fn spawn_blocking_respects_its_limits_and_order() {
    let rt = Runtime::new(32).unwrap();
    rt.set_blocking_limits(BlockingLimits { max_threads: 2, max_queued: 2, keep_alive: Duration::from_millis(200) });
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Mutex::new(Vec::new()));
    let main = std::thread::current().id();
    let out = rt
        .block_on(async {
            let mut handles = Vec::new();
            for i in 0..12usize {
                let (running, peak, started) = (running.clone(), peak.clone(), started.clone());
                handles.push(task::spawn_blocking(move || {
                    started.lock().unwrap().push(i);
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(5));
                    running.fetch_sub(1, Ordering::SeqCst);
                    assert_ne!(std::thread::current().id(), main);
                    i
                }));
            }
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap());
            }
            out
        })
        .unwrap();
    assert_eq!(out, (0..12).collect::<Vec<_>>());
    assert!(peak.load(Ordering::SeqCst) <= 2, "{} threads at once", peak.load(Ordering::SeqCst));
    let started = started.lock().unwrap().clone();
    // Two threads take jobs in queue order: no job starts more than one
    // place out of order.
    for (pos, &i) in started.iter().enumerate() {
        assert!(pos.abs_diff(i) <= 1, "started in order: {started:?}");
    }
}

/// A job waiting in its handle (the queue full) that is dropped never
/// runs, and its place goes to the next; one aborted while queued never
/// runs either.
#[test]
fn a_blocking_job_dropped_or_aborted_before_it_starts_never_runs() {
    let rt = Runtime::new(32).unwrap();
    rt.set_blocking_limits(BlockingLimits { max_threads: 1, max_queued: 1, keep_alive: Duration::from_millis(200) });
    let ran = Arc::new(Mutex::new(Vec::new()));
    let gate = Arc::new(Barrier::new(2));
    rt.block_on(async {
        let g = gate.clone();
        let r = ran.clone();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        // Occupies the one thread until the barrier.
        let first = task::spawn_blocking(move || {
            started_tx.send(()).unwrap();
            g.wait();
            r.lock().unwrap().push(0);
        });
        let job = |i| {
            let r = ran.clone();
            move || r.lock().unwrap().push(i)
        };
        // The thread took the first job out of the queue.
        started_rx.recv().unwrap();
        let queued = task::spawn_blocking(job(1)); // in the queue
        let waiting = task::spawn_blocking(job(2)); // in its handle
        let mut aborted = task::spawn_blocking(job(3)); // in its handle
        aborted.abort();
        drop(waiting);
        let last = task::spawn_blocking(job(4));
        gate.wait();
        first.await.unwrap();
        queued.await.unwrap();
        last.await.unwrap();
        assert!(aborted.await.unwrap_err().is_cancelled());
    })
    .unwrap();
    assert_eq!(*ran.lock().unwrap(), [0, 1, 4]);
}

/// The runtime's drop cancels blocking jobs that have not started.
#[test]
fn a_dropped_runtime_cancels_queued_blocking_jobs() {
    let rt = Runtime::new(8).unwrap();
    rt.set_blocking_limits(BlockingLimits { max_threads: 1, max_queued: 8, keep_alive: Duration::from_millis(100) });
    let gate = Arc::new(Barrier::new(2));
    let g = gate.clone();
    let first = rt.spawn_blocking(move || {
        g.wait();
    });
    let second = rt.spawn_blocking(|| 2);
    std::thread::sleep(Duration::from_millis(20));
    drop(rt);
    gate.wait();
    let rt2 = Runtime::new(8).unwrap();
    assert!(rt2.block_on(second).unwrap().unwrap_err().is_cancelled());
    // The running one finished; nobody needed its result.
    rt2.block_on(first).unwrap().unwrap();
}

/// A parked runtime is woken by a blocking job's result (the cross-thread
/// wake path), not by polling.
#[test]
fn a_blocking_result_wakes_a_parked_runtime() {
    let rt = Runtime::new(8).unwrap();
    let start = Instant::now();
    let v = rt
        .block_on(async {
            task::try_spawn_blocking(|| {
                std::thread::sleep(Duration::from_millis(30));
                7
            })
            .unwrap()
            .await
        })
        .unwrap()
        .unwrap();
    assert_eq!(v, 7);
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// `RemoteJoinHandle::abort` stops a job before it runs, and a task the
/// job started while it runs.
#[test]
fn a_remote_handle_aborts_the_remote_work() {
    within(30, a_remote_handle_aborts_the_remote_work_body);
}

fn a_remote_handle_aborts_the_remote_work_body() {
    let rt = Runtime::new(16).unwrap();
    let handle = rt.handle();
    // Aborted before the runtime runs it: never runs.
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let early = handle.spawn(move |_| {
        r.fetch_add(1, Ordering::SeqCst);
        async {}
    });
    early.abort();
    // Aborted while its future waits in the kernel.
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let late = handle.spawn(move |d| async move {
        started_tx.send(()).unwrap();
        d.sleep(Duration::from_secs(3600)).await.ok();
    });
    let aborter = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        late.abort();
        late.join()
    });
    rt.block_on(async {
        while !aborter.is_finished() {
            ring_core::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .unwrap();
    assert!(aborter.join().unwrap().unwrap_err().is_cancelled());
    assert!(early.join().unwrap_err().is_cancelled());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// Limits of zero are raised to one rather than refused: one thread, one
/// queued job, and the jobs still all run.
#[test]
fn zero_blocking_limits_still_run_every_job() {
    let rt = Runtime::new(8).unwrap();
    rt.set_blocking_limits(BlockingLimits { max_threads: 0, max_queued: 0, keep_alive: Duration::ZERO });
    let out = rt
        .block_on(async {
            let handles: Vec<_> = (0..5u32).map(|i| task::spawn_blocking(move || i * 2)).collect();
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap());
            }
            out
        })
        .unwrap();
    assert_eq!(out, [0, 2, 4, 6, 8]);
}
