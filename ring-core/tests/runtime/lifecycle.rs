//! The runtime: its eventfd, parking while another thread holds the work,
//! nested runtimes, the current spawner, jobs and tasks dropped with the
//! runtime, MSG_RING hand-offs, join handles, task fairness, and descriptor
//! exhaustion.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use crate::caps;
use crate::support;
use crate::support::yield_now;
use ring_core::Runtime;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;
#[allow(unused_imports)]
use support::*;

/// A one-shot slot another thread fills, waking whoever waits on it.
#[derive(Clone, Default)]
struct Slot(Arc<Mutex<(Option<u32>, Option<Waker>)>>);

impl Slot {
    fn fill(&self, v: u32) {
        let mut g = self.0.lock().unwrap();
        g.0 = Some(v);
        if let Some(w) = g.1.take() {
            w.wake();
        }
    }
}

impl Future for Slot {
    type Output = u32;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let mut g = self.0.lock().unwrap();
        match g.0 {
            Some(v) => Poll::Ready(v),
            None => {
                g.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The `flags:` field of `/proc/self/fdinfo/<fd>` of every eventfd this
/// process has open.
fn eventfd_flags() -> Vec<(i32, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(fd) = e.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(target) = std::fs::read_link(e.path()) else { continue };
        if target.to_string_lossy() != "anon_inode:[eventfd]" {
            continue;
        }
        let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}")) else { continue };
        if let Some(flags) = info.lines().find_map(|l| l.strip_prefix("flags:")) {
            out.push((fd, u32::from_str_radix(flags.trim(), 8).unwrap()));
        }
    }
    out
}

/// Runs three NOPs through `rt`'s `block_on`.
fn settle_with_nops(rt: &Runtime) {
    let d = rt.driver().clone();
    rt.block_on(async move {
        for _ in 0..3 {
            d.nop().await.unwrap();
        }
    })
    .unwrap();
}

/// The calling thread's id, for [`wait_until_parked`].
fn thread_id() -> i32 {
    // SAFETY: gettid has no memory effects.
    unsafe { libc::gettid() }
}

/// Waits (up to 5 s) until thread `tid` of this process is blocked in
/// `io_uring_enter`, as `/proc` reports it: a runtime parked in its ring.
/// Returns whether it saw that.
fn wait_until_parked(tid: i32) -> bool {
    let path = format!("/proc/self/task/{tid}/syscall");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline {
        let s = std::fs::read_to_string(&path).unwrap_or_default();
        if s.split_whitespace().next().and_then(|n| n.parse::<libc::c_long>().ok()) == Some(libc::SYS_io_uring_enter) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// Every eventfd ring-core creates has both flags, so the test checks them on
/// every eventfd of the process (other tests of this binary may have runtimes
/// open at the same time).
#[test]
fn the_runtimes_eventfd_is_close_on_exec_and_non_blocking() {
    let rt = Runtime::new(4).unwrap();
    let fds = eventfd_flags();
    assert!(!fds.is_empty(), "the runtime keeps an eventfd");
    for (fd, flags) in fds {
        assert_ne!(flags & libc::O_CLOEXEC as u32, 0, "eventfd {fd} is close-on-exec (flags {flags:o})");
        assert_ne!(flags & libc::O_NONBLOCK as u32, 0, "eventfd {fd} is non-blocking (flags {flags:o})");
    }
    drop(rt);
}

/// The other thread fills the slot once `/proc` shows the runtime's thread
/// blocked in `io_uring_enter`; a runtime that parks makes a handful of turns
/// before that (one park, ended by the eventfd write), a spinning one never
/// blocks and makes thousands of turns in the 5 s the other thread waits for
/// it. Without the waker task the runtime does block, on the 5 s timer that
/// bounds the test, and that timer ends it with `None`.
#[test]
fn a_runtime_waiting_for_another_thread_parks_instead_of_spinning() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async { d.nop().await.unwrap() }).unwrap();
    let before = d.stats().enters;
    let slot = Slot::default();
    let s2 = slot.clone();
    let me = thread_id();
    let t = std::thread::spawn(move || {
        // A spinning runtime never blocks: the wait then ends at its 5 s
        // deadline, and the turns made meanwhile count.
        wait_until_parked(me);
        s2.fill(7);
    });
    assert_eq!(rt.block_on(within(&d, Duration::from_secs(5), slot)).unwrap(), Some(7), "woken by the other thread");
    t.join().unwrap();
    let turns = d.stats().enters - before;
    assert!(turns <= 10, "{turns} driver turns while waiting for one wake-up");
}

/// A runtime `b` run to completion inside runtime `a`'s `block_on` must hand
/// the thread's "runtime running here" marker back to `a`. With a faulty
/// version it stays `b`'s, so the wake-ups `a`'s driver makes on its own thread
/// while `a` is parked look like cross-thread ones and each writes `a`'s
/// eventfd, whose read then completes: `a` sees more completions than the three
/// NOPs it ran.
#[test]
fn a_nested_runtime_hands_the_thread_back_to_the_outer_one() {
    let a = Runtime::new(8).unwrap();
    let b = Runtime::new(8).unwrap();
    let da = a.driver().clone();
    let db = b.driver().clone();
    // Warm up: the eventfd reads of both runtimes are in flight.
    a.block_on(async { da.nop().await.unwrap() }).unwrap();
    let before = a
        .block_on(async {
            b.block_on(async { db.nop().await.unwrap() }).unwrap();
            let before = da.stats().completed;
            for _ in 0..3 {
                da.nop().await.unwrap();
            }
            before
        })
        .unwrap();
    for _ in 0..3 {
        da.poll().unwrap();
    }
    assert_eq!(da.stats().completed - before, 3, "three NOPs and no eventfd read completed");
}

/// Inside `block_on` the running runtime's spawner is there and spawns onto it.
#[test]
fn the_current_spawner_is_there_inside_block_on_and_spawns_onto_the_runtime() {
    assert!(ring_core::executor::current_spawner().is_none(), "no runtime runs here yet");
    let rt = Runtime::new(8).unwrap();
    let v = rt
        .block_on(async {
            let s = ring_core::executor::current_spawner().expect("inside block_on");
            let j = s.try_spawn(async { 41 + 1 }).expect("the runtime is alive");
            j.await.unwrap()
        })
        .unwrap();
    assert_eq!(v, 42);
    assert!(ring_core::executor::current_spawner().is_none(), "block_on put the old value back");
}

/// A job queued before the runtime is dropped and never run, and a job handed
/// over after, both resolve at once to a cancelled `JoinError`. A runtime
/// whose drop did not close its job queue would keep the first pending for
/// good, and would accept the second and never run it.
#[test]
fn a_dropped_runtime_drops_the_jobs_it_never_ran_and_refuses_new_ones() {
    let rt = Runtime::new(8).unwrap();
    let handle = rt.handle();
    let queued = handle.spawn(|d| async move { d.nop().await.is_ok() });
    assert!(!queued.is_finished_hint(), "the job waits for the runtime");
    drop(rt);
    assert!(queued.is_finished_hint(), "the job was dropped with the runtime");
    let e = queued.join().unwrap_err();
    assert!(e.is_cancelled() && !e.is_panic(), "{e:?}");
    let late = handle.spawn(|d| async move { d.nop().await.is_ok() });
    assert!(late.is_finished_hint(), "a job for a dropped runtime is refused");
    let e = late.join().unwrap_err();
    assert!(e.is_cancelled(), "{e:?}");
    assert_eq!(e.to_string(), "the task was cancelled before it finished (aborted, or dropped with its runtime)");
    assert!(e.into_panic().is_none());
}

/// Polls `f` until it is ready (`Some`), or until the driver's timer of
/// `limit` fires (`None`).
async fn within<F: Future + Unpin>(d: &ring_core::Driver, limit: Duration, mut f: F) -> Option<F::Output> {
    let mut timer = d.sleep(limit);
    std::future::poll_fn(move |cx| {
        // The timer first: once it has fired, `f` lost even if it is ready
        // by now.
        if Pin::new(&mut timer).poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut f).poll(cx).map(Some)
    })
    .await
}

/// Another thread hands a job over once the runtime is parked (blocked in
/// `io_uring_enter`, as `/proc` shows); only the `MSG_RING` completion can end
/// that park. A message pushed but not submitted would leave the job waiting
/// until the runtime's 5 s timer fires; a handle that also wrote the eventfd
/// would complete the runtime's eventfd read: one completion more than the
/// three NOPs run after the job (the job itself starts no operation).
#[test]
fn a_job_handed_over_by_msg_ring_wakes_the_parked_runtime_by_that_message_alone() {
    if !caps::opcode(ring_core::sys::IORING_OP_MSG_RING, "IORING_OP_MSG_RING") {
        return;
    }
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async { d.nop().await.unwrap() }).unwrap();
    let handle = rt.handle();
    let slot = Slot::default();
    let s2 = slot.clone();
    let me = thread_id();
    let t = std::thread::spawn(move || {
        let mut from = ring_core::Ring::new(4).unwrap();
        assert!(wait_until_parked(me), "the runtime parks");
        handle.spawn_via_msg_ring(&mut from, move |_| async move { s2.fill(1) })
    });
    let before = d.stats().completed;
    let got = rt.block_on(within(&d, Duration::from_secs(5), slot)).unwrap();
    assert_eq!(got, Some(1), "the message woke the runtime and the job ran");
    t.join().unwrap().join().unwrap();
    // The runtime's tasks (its eventfd read among them) run only inside
    // `block_on`: three NOPs give a completed eventfd read the time to be
    // seen and counted.
    settle_with_nops(&rt);
    assert_eq!(d.stats().completed - before, 3, "three NOPs and no eventfd read completed");
}

/// A task is unfinished until it has run to its end, and a task that panics
/// ends its handle with a `JoinError` that says so and carries the panic.
#[test]
fn a_join_handle_tells_when_its_task_finished_or_panicked() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (r, w) = pipe();
    let reader = rt.spawn(async move {
        let (n, _) = d.read(&r, vec![0u8; 4]).await;
        n.unwrap()
    });
    let doomed = rt.spawn(async {
        if std::hint::black_box(true) {
            panic!("this task panics on purpose");
        }
    });
    rt.block_on(async { rt.driver().nop().await.unwrap() }).unwrap();
    assert!(!reader.is_finished(), "the read waits for data");
    write_all(&w, b"data");
    let n = rt.block_on(reader).unwrap().unwrap();
    assert_eq!(n, 4);
    let e = rt.block_on(doomed).unwrap().unwrap_err();
    assert!(e.is_panic());
    assert_eq!(e.to_string(), "the task panicked: this task panics on purpose");
    let quick = rt.spawn(async { 1 });
    rt.block_on(async { rt.driver().nop().await.unwrap() }).unwrap();
    assert!(quick.is_finished(), "the task ran to its end");
}

/// A round polls woken tasks up to twice the size of the task table, then
/// the runtime turns the driver (`stats().enters` goes up by one) before the
/// next round. Two tasks run to their end first; two idle tasks and a task
/// that wakes itself 100 times then take their slots and one more, so the
/// table holds 4 tasks (with the runtime's own eventfd task) and the
/// self-waking task is polled exactly 8 times per round, apart from the
/// first and last rounds.
#[test]
fn a_task_that_keeps_waking_itself_gets_twice_the_task_count_polls_per_round() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    for v in 0..2 {
        assert_eq!(rt.block_on(rt.spawn(async move { v })).unwrap().unwrap(), v);
    }
    let _idle: Vec<_> = (0..2).map(|_| rt.spawn(std::future::pending::<()>())).collect();
    let busy = rt.spawn(async move {
        let mut per_turn: Vec<(u64, u32)> = Vec::new();
        for _ in 0..100 {
            let e = d.stats().enters;
            match per_turn.last_mut() {
                Some((turn, n)) if *turn == e => *n += 1,
                _ => per_turn.push((e, 1)),
            }
            yield_now().await;
        }
        per_turn
    });
    let per_turn = rt.block_on(busy).unwrap().unwrap();
    let polls: Vec<u32> = per_turn.iter().map(|(_, n)| *n).collect();
    assert!(polls.len() >= 4, "the driver turned between rounds: {polls:?}");
    assert!(polls[1..polls.len() - 1].iter().all(|&n| n == 8), "8 polls per round: {polls:?}");
}

/// A dropped runtime drops its tasks' futures first, while the runtime is still
/// whole (its field order then drops the scheduler, and the driver last).
/// Without `clear` the futures go only when the scheduler itself is dropped,
/// and a future's destructor then finds the runtime gone: a spawn from it fails
/// (`RuntimeGone`) instead of being accepted (and dropped with the rest).
#[test]
fn a_runtime_drops_its_tasks_while_it_is_still_whole() {
    struct Guard(ring_core::executor::Spawner, std::rc::Rc<std::cell::Cell<Option<bool>>>);
    impl Drop for Guard {
        fn drop(&mut self) {
            self.1.set(Some(self.0.try_spawn(async {}).is_ok()));
        }
    }
    let rt = Runtime::new(8).unwrap();
    let seen = std::rc::Rc::new(std::cell::Cell::new(None));
    let guard = Guard(rt.spawner(), seen.clone());
    let task = rt.spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    rt.block_on(async { rt.driver().nop().await.unwrap() }).unwrap();
    assert_eq!(seen.get(), None, "the task is alive");
    drop(rt);
    assert_eq!(seen.get(), Some(true), "the runtime still took a task while dropping the others");
    drop(task);
}

/// In the child process only: lowers `RLIMIT_NOFILE` so that exactly one
/// more descriptor can be opened.
fn allow_one_more_descriptor() {
    // SAFETY: dup of stdin, closed again at once; it finds the lowest free
    // descriptor number.
    let free = unsafe { libc::dup(0) };
    assert!(free >= 0);
    // SAFETY: closes the descriptor just opened.
    unsafe { libc::close(free) };
    let lim = libc::rlimit { rlim_cur: free as libc::rlim_t + 1, rlim_max: libc::RLIM_INFINITY };
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: reads and sets this process's limit from live structs.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut old), 0);
    }
    let lim = libc::rlimit { rlim_max: old.rlim_max, ..lim };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) }, 0);
}

/// In a child process whose descriptor limit leaves room for a ring's
/// descriptor and no more, the eventfd fails with `EMFILE`, which must come
/// back as the error; a check that took the failed `-1` for a descriptor
/// would panic in `OwnedFd::from_raw_fd(-1)`.
#[test]
fn a_runtime_or_driver_that_cannot_get_an_eventfd_reports_emfile() {
    if !crate::support::in_child() {
        assert!(crate::support::run_as_child(
            "lifecycle::a_runtime_or_driver_that_cannot_get_an_eventfd_reports_emfile"
        ));
        return;
    }
    allow_one_more_descriptor();
    let d = ring_core::Driver::new(4).unwrap();
    let e = d.register_eventfd().expect_err("no descriptor is left for the eventfd");
    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
    drop(d);
    let e = Runtime::new(4).err().expect("no descriptor is left for the eventfd");
    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
}

/// The runtime then counts as parked for good after its first park, and a
/// wake-up from another thread while it is running writes its eventfd, whose
/// read completes for nothing. Here the main future, on its first poll, has
/// another thread wake it and waits for that thread to finish, so the wake-up
/// certainly comes while the runtime is running; it must not cost a completion.
#[test]
fn a_wake_up_from_another_thread_while_the_runtime_runs_writes_no_eventfd() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    // Warm up, with a park: the runtime has parked and come back.
    rt.block_on(async { d.sleep(Duration::from_millis(1)).await.unwrap() }).unwrap();
    let before = d.stats().completed;
    let mut woken = false;
    rt.block_on(std::future::poll_fn(|cx| {
        if woken {
            return Poll::Ready(());
        }
        woken = true;
        let w = cx.waker().clone();
        std::thread::spawn(move || w.wake()).join().unwrap();
        Poll::Pending
    }))
    .unwrap();
    // The runtime's tasks (its eventfd read among them) run only inside
    // `block_on`: three NOPs give a completed eventfd read the time to be
    // seen and counted.
    settle_with_nops(&rt);
    assert_eq!(d.stats().completed - before, 3, "three NOPs and no eventfd read completed");
}
