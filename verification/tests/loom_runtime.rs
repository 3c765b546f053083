//! Loom models of the runtime's park and wake-up protocol as it ships
//! (`ring_core::executor::model::ParkModel`, which calls the wake queue,
//! the wakers, the handles' job queue, the scheduler's round and the
//! runtime's last look before blocking, `executor::may_block`, exactly as
//! `Runtime::block_on` does).
//!
//! The property: a runtime that decides to block in the ring has been
//! signalled (its eventfd written) by every thread whose work it did not
//! see, and a task woken while it is being polled is polled again. An
//! executor that looks for work before announcing that it parks, a waker
//! that skips the signal, a weakened park fence, or a scheduler that clears
//! a task's "queued" flag after polling it instead of before each fail a
//! model here (`scripts/planted_bugs.py` plants each).
//!
//! `loom_handle.rs` models the park gate alone; these models run the whole
//! path around it, with the queue's lock and counters from the `sync` shim.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test loom_runtime`.
#![cfg(ring_loom)]

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use ring_core::executor::model::ParkModel;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

/// A task that never finishes and counts its polls (and notes whether the
/// other thread's work was visible when it was polled).
struct Pending {
    polls: Arc<AtomicUsize>,
    work: Arc<AtomicBool>,
    saw_work: Arc<AtomicBool>,
}

impl Future for Pending {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        if self.work.load(Ordering::Acquire) {
            self.saw_work.store(true, Ordering::Relaxed);
        }
        Poll::Pending
    }
}

/// The runtime's side: its last look and, if it finds nothing, the
/// decision to block. After the other thread is done, a blocked runtime
/// must have been signalled.
fn runtime_parks(m: &ParkModel, other: thread::JoinHandle<()>) {
    let blocked = m.may_block();
    other.join().unwrap();
    m.end_park();
    if blocked {
        assert!(m.signalled(), "the runtime blocked in the ring with work queued and nobody signalled it");
    } else {
        assert!(m.has_work(), "the runtime stayed awake for work that is not there");
    }
}

/// A task woken from another thread while the runtime parks (a waker
/// handed to another thread, as a channel or a timer thread would).
#[test]
fn runtime_task_woken_from_another_thread_while_parking() {
    model(|| {
        let m = ParkModel::new();
        let (polls, work, saw) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let waker = m.spawn(Pending { polls: polls.clone(), work, saw_work: saw });
        // Its first poll, which leaves it waiting (not queued).
        assert_eq!(m.run_ready(), 1);
        let other = thread::spawn(move || waker.wake());
        runtime_parks(&m, other);
        // The wake-up queued the task: the next round polls it.
        assert_eq!(m.run_ready(), 1, "the woken task was not queued");
        assert_eq!(polls.load(Ordering::Relaxed), 2);
    });
}

/// The main future's waker called from another thread while the runtime
/// parks (its `woken` flag is the work, ordered by nothing but the gate).
#[test]
fn runtime_main_future_woken_from_another_thread_while_parking() {
    model(|| {
        let m = ParkModel::new();
        // `block_on` polls its future once before anything else.
        m.set_main_woken();
        assert!(m.take_main_wake());
        let waker = m.main_waker();
        let other = thread::spawn(move || waker.wake());
        runtime_parks(&m, other);
        assert!(m.take_main_wake(), "the main future's wake-up was lost");
        assert!(!m.take_main_wake());
    });
}

/// A job handed over through a `Handle` while the runtime parks.
#[test]
fn runtime_handle_job_while_parking() {
    model(|| {
        let m = ParkModel::new();
        let handle = m.handle();
        let other = thread::spawn(move || drop(handle.spawn(|_driver| async {})));
        runtime_parks(&m, other);
        assert!(m.take_job(), "the job was lost");
        assert!(!m.take_job());
    });
}

/// A task woken by another thread while the scheduler polls it is polled
/// again: its wake-up either finds it not queued (and queues it) or
/// happened before the poll that saw the work.
#[test]
fn runtime_task_woken_during_its_poll_runs_again() {
    model(|| {
        let m = ParkModel::new();
        let (polls, work, saw) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        let waker = m.spawn(Pending { polls: polls.clone(), work: work.clone(), saw_work: saw.clone() });
        let other = thread::spawn(move || {
            work.store(true, Ordering::Release);
            waker.wake();
        });
        // The round that polls the task races with the wake-up.
        m.run_ready();
        other.join().unwrap();
        // One more round: the task runs if it was queued again.
        m.run_ready();
        assert!(saw.load(Ordering::Relaxed), "the task was woken while being polled and never polled again");
        let _ = polls;
    });
}

/// A task that never finishes and notes when its future is dropped.
struct Forever(Arc<AtomicBool>);

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for Forever {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// A task aborted from another thread (`AbortHandle::abort`) while the
/// runtime polls it and parks: the abort either comes before the poll
/// that looks at it or wakes the task again, so the next round drops it.
#[test]
fn runtime_task_aborted_from_another_thread_while_parking() {
    model(|| {
        let m = ParkModel::new();
        let dropped = Arc::new(AtomicBool::new(false));
        let abort = m.spawn_abortable(Forever(dropped.clone()));
        let other = thread::spawn(move || abort.abort());
        // The round that polls the task races with the abort; the task may
        // be dropped in it, leaving nothing to do (so the runtime may
        // block unsignalled, unlike in `runtime_parks`).
        m.run_ready();
        let blocked = m.may_block();
        other.join().unwrap();
        m.end_park();
        if blocked && !m.signalled() {
            assert!(!m.has_work(), "the runtime blocked in the ring with work queued and nobody signalled it");
        }
        m.run_ready();
        assert!(dropped.load(Ordering::Relaxed), "an aborted task was never dropped");
    });
}

/// A job's handle aborted (`RemoteJoinHandle::abort`) while the runtime
/// runs the job, which spawns its task and hands it to the handle
/// (`RemoteState::attach`): the task is never spawned, or it is aborted.
#[test]
fn runtime_remote_abort_races_the_job_that_spawns_its_task() {
    model(|| {
        let m = ParkModel::new();
        let (job, handle) = m.remote_pair();
        let dropped = Arc::new(AtomicBool::new(false));
        let other = thread::spawn(move || {
            handle.abort();
            handle
        });
        let started = m.run_remote_job(job, Forever(dropped.clone()));
        m.run_ready();
        let handle = other.join().unwrap();
        m.run_ready();
        assert!(!started || dropped.load(Ordering::Relaxed), "an abort of the job's handle was lost");
        assert!(handle.join().unwrap_err().is_cancelled());
    });
}
