//! Tests written for the cargo-mutants survivors of the seventh pass
//! (verification/MUTATIONS.md): the executor, the cross-thread
//! handle, the buffer pool, the second half of the driver, the ring's
//! memory, the ring itself and the probe. Each test says which mutants it
//! kills; all of them run against this machine's kernel through
//! ring-core's public API.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::Runtime;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

mod caps;
mod support;
#[allow(unused_imports)]
use support::*;

// ---- helpers ----

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

// ---- executor/mod.rs, executor/task.rs, handle.rs ----

/// Kills `EFD_CLOEXEC | EFD_NONBLOCK` turned into `&` in
/// `Runtime::with_ring` (executor/mod.rs 71:63), which creates the
/// runtime's eventfd with neither flag (the `^` mutant is equivalent: the
/// bits are disjoint). Every eventfd ring-core creates has both flags, so
/// the test checks them on every eventfd of the process (other tests of
/// this binary may have runtimes open at the same time).
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

/// Kills the mutants that make `block_on` spin instead of parking while it
/// waits for another thread: `spawn_waker_task` replaced by `()`
/// (executor/mod.rs 89:9; with no eventfd read in flight, `park` finds
/// nothing in flight and returns at once), `ran > 0` turned into `ran == 0`
/// or `ran >= 0` (175:20), and `Remote::has_jobs` returning `true` or with
/// its `!` deleted (handle.rs 44:9), which report a job where there is
/// none. The other thread fills the slot once `/proc` shows the runtime's
/// thread blocked in `io_uring_enter`; a runtime that parks makes a handful
/// of turns before that (one park, ended by the eventfd write), a spinning
/// one never blocks and makes thousands of turns in the 5 s the other
/// thread waits for it. Without the waker task the runtime does block, on
/// the 5 s timer that bounds the test, and that timer ends it with `None`.
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

/// Kills `RestoreRunning::drop` replaced by `()` (executor/mod.rs 161:17).
/// A runtime `b` run to completion inside runtime `a`'s `block_on` must
/// hand the thread's "runtime running here" marker back to `a`. With the
/// mutant it stays `b`'s, so the wake-ups `a`'s driver makes on its own
/// thread while `a` is parked look like cross-thread ones and each writes
/// `a`'s eventfd, whose read then completes: `a` sees more completions
/// than the three NOPs it ran.
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

/// Kills `current_spawner` returning `None` (executor/mod.rs 197:5): inside
/// `block_on` the running runtime's spawner is there and spawns onto it.
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

/// Kills `Runtime::drop` replaced by `()` and `Remote::close` replaced by
/// `()`, and the `Display` of a cancelled `JoinError` replaced by an empty
/// one. A job queued before the runtime is dropped and never run, and a job
/// handed over after, both resolve at once to a cancelled `JoinError`; with
/// either of the first two mutants the first stays pending for good (the
/// queue keeps it), and with the first the second is accepted and never
/// runs.
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

/// Kills `&&` turned into `||` (handle.rs 152:62) and the `!` deleted
/// (153:12) in `Handle::spawn_via_msg_ring`. Another thread hands a job
/// over once the runtime is parked (blocked in `io_uring_enter`, as `/proc`
/// shows); only the `MSG_RING` completion can end
/// that park. With `||` the message is pushed but never submitted, and the
/// job is still waiting when the runtime's 5 s timer fires. With the `!`
/// deleted the handle writes the eventfd as well, so the runtime's eventfd
/// read completes: one completion more than the three NOPs run after the
/// job (the job itself starts no operation).
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

/// Kills `JoinHandle::is_finished` returning a constant and the `Display`
/// of `JoinError` replaced by an empty one: a task is unfinished until it
/// has run to its end, and a task that panics ends its handle with a
/// `JoinError` that says so and carries the panic.
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

/// Returns `Pending` once, waking itself, then `Ready`.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Kills the mutants of the round budget of `Scheduler::run_ready`
/// (executor/task.rs): `tasks * 2` turned into `tasks + 2` (177:55), `ran <
/// budget` into `<=` (178:19), `ran += 1` into `*=` (187:17, under which a
/// task that keeps waking itself is polled forever and the driver is never
/// turned), and `Scheduler::finish` replaced by `()` (212:9), under which a
/// finished task keeps its slot and the next task does not reuse it, so the
/// table, and with it the budget, grows.
///
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

/// Kills `Scheduler::clear` replaced by `()` (executor/task.rs 218:9). A
/// dropped runtime drops its tasks' futures first, while the runtime is
/// still whole (its field order then drops the scheduler, and the driver
/// last). Without `clear` the futures go only when the scheduler itself is
/// dropped, and a future's destructor then finds the runtime gone: a spawn
/// from it fails (`RuntimeGone`) instead of being accepted (and dropped with the
/// rest).
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

/// Runs this test binary again, as a child, with only the test `name` and
/// the variable `RING_CORE_TEST_CHILD` set, and returns whether it passed
/// (printing its output if not). For tests that must change something
/// process-wide, such as a resource limit.
fn run_as_child(name: &str) -> bool {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("RING_CORE_TEST_CHILD", "1")
        .output()
        .unwrap();
    if !out.status.success() {
        println!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
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

/// Kills `efd < 0` turned into `efd == 0` in `Runtime::with_ring`
/// (executor/mod.rs 72:16) and `raw < 0` turned into `raw == 0` in
/// `Driver::register_eventfd` (driver/mod.rs 365:16); the `<=` mutants of
/// both are equivalent, since eventfd never returns descriptor 0 while
/// standard input is open. In a child process whose descriptor limit leaves
/// room for a ring's descriptor and no more, the eventfd fails with
/// `EMFILE`, which must come back as the error; with the mutants the
/// failed `-1` is taken for a descriptor and `OwnedFd::from_raw_fd(-1)`
/// panics.
#[test]
fn a_runtime_or_driver_that_cannot_get_an_eventfd_reports_emfile() {
    if std::env::var_os("RING_CORE_TEST_CHILD").is_none() {
        assert!(run_as_child("a_runtime_or_driver_that_cannot_get_an_eventfd_reports_emfile"));
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

// ---- pool.rs ----

/// Kills the accessors of `BufferPool` returning constants (`bgid`,
/// `buffers`, `buf_len` returning 0 or 1, `is_incremental` returning
/// `true` or `false`; pool.rs 173:9 to 188:9) and its `Debug` replaced by
/// an empty one (81:9): no test read them back.
#[test]
fn a_pool_reports_its_group_size_and_mode() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(21, 4).buffers(3, 48)).unwrap();
    assert_eq!((pool.bgid(), pool.buffers(), pool.buf_len(), pool.is_incremental()), (21, 3, 48, false));
    assert_eq!(pool.with_kernel(), 3);
    assert_eq!(format!("{pool:?}"), "BufferPool { bgid: 21, buffers: 3, buf_len: 48, with_kernel: 3 }");
    if caps::incremental_buf_rings("incremental buffer rings (the second half)") {
        let inc = BufferPool::new(&d, BufRingConfig::new(22, 2).buffers(2, 64).incremental()).unwrap();
        assert!(inc.is_incremental());
        assert_eq!((inc.bgid(), inc.buffers(), inc.buf_len()), (22, 2, 64));
    }
}

fn tcp_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, b)
}

/// Kills the three mutants of `cqe.flags & IORING_CQE_F_BUF_MORE != 0` in
/// `PoolInner::take` (pool.rs 218:85 `==`, 218:61 `|` and `^`). On an
/// incremental ring a buffer goes back to the pool only when a completion
/// without `BUF_MORE` used it up. Four 20-byte messages into 64-byte
/// buffers give parts 0..20, 20..40 and 40..60 (with `BUF_MORE`) and then
/// 60..64 (without): while that last part is held one buffer is out of the
/// kernel's hands, and dropping it recycles the buffer. With any of the
/// mutants `BUF_MORE` reads as set on the last part (or clear on the
/// others, which do not reach the end), so the buffer is never returned
/// or recycled. The existing incremental test only counted `with_kernel`
/// at the end, which comes out the same either way.
#[test]
fn a_used_up_incremental_buffer_is_recycled_once_its_parts_are_dropped() {
    use std::io::Write;
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !caps::incremental_buf_rings("incremental buffer rings") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(23, 2).buffers(2, 64).incremental()).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sock = std::rc::Rc::new(sock);
    rt.block_on(async {
        let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
        let mut parts = Vec::new();
        let mut got = 0;
        for i in 0..4u8 {
            peer.write_all(&[i; 20]).unwrap();
            while got < 20 * (usize::from(i) + 1) {
                let b = stream.next().await.unwrap().unwrap();
                got += b.len();
                parts.push(b);
            }
        }
        let b0 = parts[0].bid();
        let (offset, len) = (parts[3].offset(), parts[3].len());
        assert_eq!((parts[3].bid(), offset, len), (b0, 60, 4), "the fourth part ends the first buffer");
        assert_eq!(pool.with_kernel(), 1, "the used-up buffer is out of the kernel's hands");
        assert_eq!(pool.recycled(), 0);
        parts.truncate(3);
        assert_eq!(pool.recycled(), 0, "earlier parts of the buffer are still held");
        let rest: Vec<_> = parts.drain(..).filter(|b| b.bid() != b0).collect();
        assert_eq!(pool.recycled(), 1, "the buffer went back once its last part was dropped");
        assert_eq!(pool.with_kernel(), 2);
        drop(rest);
    })
    .unwrap();
}

/// Kills the constant mutants of `PoolBuf::bid` (pool.rs 348:9),
/// `PoolBuf::to_vec` (359:9), `AsRef` (395:9), `DerefMut` (389:9) and
/// `Debug` (401:9). Three reads through a pool of four buffers get ids 0, 1
/// and 2, in ring order; each buffer's bytes are read through every view,
/// and written through `DerefMut`.
#[test]
fn pool_buffers_report_their_id_and_bytes_through_every_view() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(24, 4).buffers(4, 32)).unwrap();
    let (r, w) = pipe();
    let bufs = rt
        .block_on(async {
            let mut bufs = Vec::new();
            for msg in [&b"zero"[..], b"one", b"two!!"] {
                write_all(&w, msg);
                bufs.push(d.read_pool(&r, &pool, u64::MAX).await.unwrap());
            }
            bufs
        })
        .unwrap();
    let ids: Vec<u16> = bufs.iter().map(|b| b.bid()).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(bufs[2].to_vec(), b"two!!");
    assert_eq!(bufs[1].as_ref(), b"one");
    assert_eq!(format!("{:?}", bufs[2]), "PoolBuf { bid: 2, offset: 0, len: 5 }");
    let mut b = bufs.into_iter().next().unwrap();
    b.as_mut().copy_from_slice(b"ZERO");
    assert_eq!(&b[..], b"ZERO");
    assert_eq!(pool.with_kernel(), 3, "the other two went back when dropped");
}

/// Kills `ParkGate::end_park` replaced by `()` (executor/gate.rs 46:9):
/// the runtime then counts as parked for good after its first park, and a
/// wake-up from another thread while it is running writes its eventfd,
/// whose read completes for nothing. Here the main future, on its first
/// poll, has another thread wake it and waits for that thread to finish,
/// so the wake-up certainly comes while the runtime is running; it must
/// not cost a completion.
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

// ---- driver/mod.rs (second half) ----

/// The descriptor flags (`FD_CLOEXEC`) and status flags (`O_NONBLOCK`
/// among them) of `fd`.
fn fd_flags(fd: &impl std::os::fd::AsRawFd) -> (i32, i32) {
    // SAFETY: fcntl queries on a live descriptor.
    unsafe { (libc::fcntl(fd.as_raw_fd(), libc::F_GETFD), libc::fcntl(fd.as_raw_fd(), libc::F_GETFL)) }
}

/// Kills `EFD_CLOEXEC | EFD_NONBLOCK` turned into `&` in
/// `Driver::register_eventfd` (driver/mod.rs 364:63), which creates the
/// eventfd with neither flag (`^` would be equivalent: the bits are
/// disjoint).
#[test]
fn the_registered_eventfd_is_close_on_exec_and_non_blocking() {
    let d = ring_core::Driver::new(4).unwrap();
    let efd = d.register_eventfd().unwrap();
    let (fd_flags, status) = fd_flags(&efd);
    assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "close-on-exec");
    assert_ne!(status & libc::O_NONBLOCK, 0, "non-blocking");
}

/// Polls `f` once with `w`.
fn poll_with<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}

/// Kills `in_use < len` turned into `==` or `<=` in the fast test of
/// `Inner::start` (driver/mod.rs 810:68). Operations that completed but
/// whose futures have not collected their output hold their entries while
/// their credits are back: with every entry held so, a new operation has
/// credits but no entry, and must wait for one. Under either mutant it
/// takes the fast path and finds no free entry (`unreachable!`).
#[test]
fn an_operation_waits_for_an_entry_when_only_credits_are_free() {
    let d = ring_core::Driver::new(4).unwrap();
    let (_, noop) = counter();
    let c = d.credits();
    let mut nops: Vec<_> = (0..c).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_with(n, &noop).is_pending());
    }
    for _ in 0..100 {
        if d.credits() == c {
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!((d.credits(), d.in_flight()), (c, c), "every NOP completed, none collected");
    let (woken, w) = counter();
    let mut late = d.nop();
    assert!(poll_with(&mut late, &w).is_pending(), "no entry is free");
    assert!(matches!(poll_with(&mut nops[0], &noop), Poll::Ready(Ok(()))));
    drop(nops);
    assert!(woken.0.load(std::sync::atomic::Ordering::SeqCst) > 0, "the waiting NOP was woken");
    let mut done = false;
    for _ in 0..100 {
        if let Poll::Ready(r) = poll_with(&mut late, &w) {
            r.unwrap();
            done = true;
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert!(done, "the waiting NOP ran once an entry was free");
}

/// Kills `||` turned into `&&` (driver/mod.rs 811:44) and the `!` deleted
/// (811:47) in `ticket.is_some() || !self.waiters.is_empty()`, the test of
/// `Inner::start` that sends a newcomer to the queue while others wait.
/// Every credit and entry is taken by a blocked pipe read, and NOPs `a1`
/// and `a2` wait, in that order. One read completes and is collected: its
/// credit and entry are `a1`'s, which is woken and leaves the queue, while
/// `a2` stays. A NOP `b` polled before `a1` runs again must queue behind
/// `a2` and leave the credit alone; under either mutant `b` takes the fast
/// path and the credit with it.
#[test]
fn a_newcomer_does_not_take_the_credit_of_a_woken_waiter() {
    let d = ring_core::Driver::new(4).unwrap();
    let (_, noop) = counter();
    let (r, w) = pipe();
    let c = d.credits();
    let mut reads: Vec<_> = (0..c).map(|_| d.read(&r, vec![0u8; 1])).collect();
    for op in &mut reads {
        assert!(poll_with(op, &noop).is_pending());
    }
    assert_eq!(d.credits(), 0);
    let (woken1, w1) = counter();
    let (woken2, w2) = counter();
    let mut a1 = d.nop();
    let mut a2 = d.nop();
    assert!(poll_with(&mut a1, &w1).is_pending(), "no credit: a1 waits");
    assert!(poll_with(&mut a2, &w2).is_pending(), "no credit: a2 waits");
    write_all(&w, b"x");
    let mut collected = false;
    for _ in 0..100 {
        d.park(Some(Duration::from_millis(5))).unwrap();
        if let Some(i) = reads.iter_mut().position(|op| poll_with(op, &noop).is_ready()) {
            drop(reads.remove(i));
            collected = true;
            break;
        }
    }
    assert!(collected, "one read completed");
    let count = |c: &std::sync::Arc<Count>| c.0.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((d.credits(), count(&woken1), count(&woken2)), (1, 1, 0), "a credit is back and a1 was woken");
    let mut b = d.nop();
    assert!(poll_with(&mut b, &noop).is_pending());
    assert_eq!(d.credits(), 1, "b queued behind a2 and left the credit to a1");
    assert!(poll_with(&mut a1, &w1).is_pending());
    assert_eq!(d.credits(), 0, "a1 took the credit");
    drop((a1, a2, b, reads));
}

/// Kills `need > self.t.slots.len()` turned into `>=` in
/// `start_contended` (driver/mod.rs 958:17): an operation that needs as
/// many completions as the CQ holds (a zero-copy send, which posts two, on
/// a CQ of two) fits and must run once a read holding the other credit
/// completes; the mutant refuses it with `EINVAL`, as it should only refuse
/// one that needs more (the existing test covers a CQ of one). The check
/// is on the slow path, which the send takes because the read holds a
/// credit.
#[test]
fn an_operation_needing_exactly_the_cqs_completions_runs() {
    if !caps::opcode(ring_core::sys::IORING_OP_SEND_ZC, "IORING_OP_SEND_ZC") {
        return;
    }
    use std::io::Read;
    let ring = ring_core::Builder::new(1).cq_size(2).build().unwrap();
    assert_eq!(ring.params().cq_entries, 2);
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let (a, mut b) = tcp_pair();
    let a = std::rc::Rc::new(a);
    let (_, noop) = counter();
    // A read holds one of the two credits, so the send takes the slow path
    // (`start_contended`) and waits for the other.
    let (r, w) = pipe();
    let mut read = Some(d.read(&r, vec![0u8; 1]));
    assert!(poll_with(read.as_mut().unwrap(), &noop).is_pending());
    let mut op = d.send_zc(&a, b"sixteen bytes!!!".to_vec(), 0);
    assert!(poll_with(&mut op, &noop).is_pending(), "the send waits for its second credit");
    write_all(&w, b"x");
    let mut out = None;
    for _ in 0..200 {
        if read.as_mut().is_some_and(|rd| poll_with(rd, &noop).is_ready()) {
            read = None;
        }
        if let Poll::Ready(v) = poll_with(&mut op, &noop) {
            out = Some(v);
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let (r, buf) = out.expect("the send completed");
    match r {
        Ok(n) => {
            assert_eq!(n, 16);
            let mut got = [0u8; 16];
            b.read_exact(&mut got).unwrap();
            assert_eq!(&got, &buf[..]);
        }
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => println!("SKIP: no zero-copy send here ({e})"),
        Err(e) => panic!("the send failed: {e}"),
    }
}

// ---- ring.rs and memory.rs ----

/// What `/proc/self/fd/<fd>` points to.
fn fd_target(fd: i32) -> String {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Kills `Ring`'s `Debug` replaced by an empty one (ring.rs 46:9) and
/// `Ring::features` returning 0 or 1 (169:9), and pins down the accessors
/// whose mutants the existing suites caught (`fd`, `setup_flags`,
/// `registered_index`, `has_feature`): three rings built on a fresh thread
/// get registered indexes 0, 1 and 2 (the table of registered rings is per
/// thread), each has an io_uring descriptor, and the flags, features and
/// `Debug` are the kernel's.
#[test]
fn a_ring_reports_its_descriptor_index_flags_and_features() {
    if !caps::ring_fds("IORING_REGISTER_RING_FDS") {
        return;
    }
    use ring_core::sys::{IORING_FEAT_NODROP, IORING_FEAT_SINGLE_MMAP, IORING_SETUP_CQSIZE};
    std::thread::spawn(|| {
        let rings = [ring_core::Ring::new(4), ring_core::Builder::new(4).cq_size(16).build(), ring_core::Ring::new(4)]
            .map(Result::unwrap);
        let mut idx: Vec<u32> = rings.iter().map(|r| r.registered_index().expect("registered")).collect();
        idx.sort();
        assert_eq!(idx, [0, 1, 2]);
        for r in &rings {
            let fd = r.fd().expect("a descriptor");
            assert!(fd > 2);
            assert_eq!(fd_target(fd), "anon_inode:[io_uring]");
            assert_eq!(r.features(), r.params().features);
            assert_eq!(r.setup_flags(), r.params().flags);
        }
        let r = &rings[1];
        assert_ne!(r.setup_flags() & IORING_SETUP_CQSIZE, 0);
        assert!(r.features() > 1);
        assert!(r.has_feature(IORING_FEAT_SINGLE_MMAP));
        assert!(r.has_feature(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP));
        assert!(!r.has_feature(1 << 31), "no such feature");
        let want = format!(
            concat!(
                "Ring {{ fd: {}, registered_index: {:?}, sq_entries: 4, cq_entries: 16, ",
                "flags: {:#x}, features: {:#x}, .. }}"
            ),
            r.fd().unwrap(),
            r.registered_index(),
            r.setup_flags(),
            r.features()
        );
        assert_eq!(format!("{r:?}"), want);
    })
    .join()
    .unwrap();
}

/// Kills `Ring::register_ring_fd` returning `Ok(true)` or `Ok(false)`
/// without registering (ring.rs 237:9): a ring built without the
/// registration gets an index when asked, and keeps working through it.
#[test]
fn registering_a_rings_descriptor_later_gives_it_an_index() {
    if !caps::ring_fds("IORING_REGISTER_RING_FDS") {
        return;
    }
    let mut ring = ring_core::Builder::new(4).register_ring_fd(false).build().unwrap();
    assert_eq!(ring.registered_index(), None);
    assert!(ring.register_ring_fd().unwrap());
    assert!(ring.registered_index().is_some());
    assert!(ring.register_ring_fd().unwrap(), "already registered");
    a_nop_round_trips(ring);
}

/// How many io_uring descriptors this process has open.
fn io_uring_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path()).map(|p| p.to_string_lossy() == "anon_inode:[io_uring]").unwrap_or(false)
        })
        .count()
}

/// Kills `Ring::drop` replaced by `()` (ring.rs 271:9) and `self.fd >= 0`
/// turned into `<` in it (275:20): a dropped ring closes its descriptor.
/// Counted in a child process, where no other test opens rings meanwhile.
/// Also kills `UNREGISTER_RING_FDS | USE_REGISTERED_RING` turned into `&`
/// (285:58; `^` is equivalent, the bits are disjoint): a ring set up with
/// `REGISTERED_FD_ONLY` exists only as an index in its thread's table of
/// 16 registered rings, and dropping it must unregister it, or the 17th
/// such ring on the thread fails with `EBUSY`.
#[test]
fn a_dropped_ring_closes_its_descriptor_and_gives_back_its_index() {
    if std::env::var_os("RING_CORE_TEST_CHILD").is_none() {
        assert!(run_as_child("a_dropped_ring_closes_its_descriptor_and_gives_back_its_index"));
        return;
    }
    let before = io_uring_fds();
    let ring = ring_core::Builder::new(4).register_ring_fd(false).build().unwrap();
    assert_eq!(io_uring_fds(), before + 1);
    drop(ring);
    assert_eq!(io_uring_fds(), before, "the descriptor was closed");
    if !caps::setup(
        ring_core::Builder::new(4).registered_fd_only(),
        "IORING_SETUP_REGISTERED_FD_ONLY (the second half)",
    ) {
        return;
    }
    std::thread::spawn(|| {
        for i in 0..20 {
            let ring = ring_core::Builder::new(4).registered_fd_only().build();
            let ring = ring.unwrap_or_else(|e| panic!("ring {i}: {e}"));
            assert_eq!(ring.fd(), None);
        }
    })
    .join()
    .unwrap();
}

/// Whether the system has huge pages reserved (`vm.nr_hugepages`).
fn huge_pages_reserved() -> bool {
    std::fs::read_to_string("/proc/sys/vm/nr_hugepages").map(|s| s.trim() != "0").unwrap_or(true)
}

/// Kills the mutants of the region sizes of a `NO_MMAP` ring that
/// ring-core allocates (memory.rs): `HUGE_PAGE = 2 * 1024 * 1024` with
/// either `*` turned into `+` or `/` (66:28, 66:35), `round_up` returning 0
/// or 1 or with `*` turned into `/` (83:5, 83:20), the SQE array's size
/// with `*` turned into `+` or `/` (134:42), the `CQSIZE` test of
/// `ring_sizes` with `!=` turned into `==` or `&` into `|` or `^` (93:29,
/// 93:61), and the huge-page flags of `anon_map` with `|=` turned into `&=`
/// or `|` into `&` (112:15, 112:36). A region larger than a page takes a 2
/// MiB huge page; with none reserved, `mmap` fails with `ENOMEM`, and that
/// is the error `build` must return for a 2 MiB SQE array (16384 entries
/// of 128 bytes), an 8 KiB one (64 entries of 128 bytes), a CQ of 256
/// entries (set with `cq_size`) and a CQ of 128 32-byte entries. Under the mutants the region is sized as one page (the
/// kernel then refuses the setup, or worse), too large for a huge page
/// (`TooLong`), or mapped with flags that fail with `EINVAL` or take
/// ordinary pages. Skipped where huge pages are reserved.
#[test]
fn a_no_mmap_region_larger_than_a_page_takes_a_huge_page() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    if huge_pages_reserved() {
        println!("SKIP: huge pages are reserved here, so the allocations succeed");
        return;
    }
    for (what, b) in [
        ("2 MiB of SQEs", ring_core::Builder::new(16384).sqe128()),
        ("64 SQEs of 128 bytes", ring_core::Builder::new(64).sqe128()),
        ("a CQ of 256", ring_core::Builder::new(32).cq_size(256)),
        ("a CQ of 128 32-byte entries", ring_core::Builder::new(64).cqe32()),
    ] {
        match b.no_mmap().build() {
            Err(ring_core::Error::Syscall { call: ring_core::error::Call::Mmap, errno }) => {
                assert_eq!(errno.raw(), libc::ENOMEM, "{what}")
            }
            Err(e) => panic!("{what}: {e:?}"),
            Ok(_) => panic!("{what}: built without huge pages"),
        }
    }
    // A ring whose regions fit in a page each builds.
    ring_core::Builder::new(32).no_mmap().build().unwrap();
}

/// Kills `flags & IORING_SETUP_CLAMP != 0` with `!=` turned into `==` in
/// `ring_sizes` (memory.rs 88:56), which `Builder` uses to check a `cq_size`
/// against the SQ size: with `CLAMP`, 65536 SQ entries are clamped to
/// 32768, so a CQ of 32768 is large enough; the mutant compares it with the
/// unclamped 65536 and refuses the ring.
#[test]
fn a_clamped_sq_is_compared_with_the_cq_at_its_clamped_size() {
    let ring = ring_core::Builder::new(65536).clamp().cq_size(32768).build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (32768, 32768));
}

// ---- probe.rs ----

/// Kills the constant and operator mutants of `Probe`'s accessors
/// (`require`, `supported_count`, `features`, `has_feature`,
/// `register_ops`, `setup_flags`: probe.rs 247:9 to 296:9), its `Debug`
/// (193:9), `opcode_name` and `register_op_name` (164:5, 169:5, 169:17,
/// 169:19), and, where the kernel answers `IORING_REGISTER_QUERY` (6.18),
/// `query_opcodes` returning `None`, leaving out the result's address or
/// size, or with its result test replaced by `false` or `<` (326:5, 329:9,
/// 331:9, 339:18, 339:29): every answer is checked against the kernel's own
/// (the opcode probe, the ring's features) or against a boundary.
#[test]
fn a_probe_reports_what_the_kernel_said() {
    if !caps::opcode(ring_core::sys::IORING_OP_MSG_RING, "opcodes up to IORING_OP_MSG_RING") {
        return;
    }
    use ring_core::names::{opcode_name, register_op_name};
    use ring_core::probe::Probe;
    use ring_core::sys::{
        IORING_FEAT_NODROP, IORING_FEAT_SINGLE_MMAP, IORING_OP_NOP, IORING_OP_READ, IORING_REGISTER_PROBE,
        IORING_REGISTER_USE_REGISTERED_RING,
    };
    let ring = ring_core::Ring::new(4).unwrap();
    let p = Probe::new(&ring).unwrap();
    assert_eq!(opcode_name(IORING_OP_READ), "IORING_OP_READ");
    assert_eq!(opcode_name(200), "unknown IORING_OP_*");
    assert_eq!(register_op_name(IORING_REGISTER_PROBE | IORING_REGISTER_USE_REGISTERED_RING), "IORING_REGISTER_PROBE");
    assert_eq!(register_op_name(IORING_REGISTER_PROBE), "IORING_REGISTER_PROBE");
    assert_eq!(register_op_name(200), "unknown IORING_REGISTER_*");
    assert!(p.supported(IORING_OP_NOP) && p.supported(IORING_OP_READ));
    assert!(!p.supported(255));
    assert!(p.require(IORING_OP_READ).is_ok());
    assert!(matches!(p.require(255), Err(ring_core::Error::UnsupportedOpcode { opcode: 255, .. })));
    let known = p.ops_known();
    assert!(known > 40, "a 5.18 or later kernel knows more than 40 opcodes: {known}");
    assert!(known < 256);
    let count = (0..=255u8).filter(|&o| p.supported(o)).count();
    assert_eq!(p.supported_count(), count);
    assert!(count > 1);
    assert_eq!(p.features(), ring.features());
    assert!(p.has_feature(IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP));
    assert!(!p.has_feature(1 << 31));
    let (n, queried) = p.register_ops();
    assert!(n > 20, "{n} register operations");
    assert!(p.register_op_supported(IORING_REGISTER_PROBE));
    assert!(p.register_op_supported(n - 1));
    assert!(!p.register_op_supported(n));
    let debug = format!("{p:?}");
    assert!(debug.starts_with("Probe { opcodes: [\"IORING_OP_NOP\", \"IORING_OP_READV\""), "{debug}");
    assert!(debug.ends_with(&format!("features: {:#x}, register_ops: {n} }}", ring.features())), "{debug}");
    if caps::query("the query half") {
        assert!(queried, "a kernel that answers IORING_REGISTER_QUERY says how many register opcodes it knows");
        let flags = p.setup_flags().expect("the query reports the setup flags");
        assert!(flags > 1, "{flags:#x}");
        assert_ne!(flags & u64::from(ring_core::sys::IORING_SETUP_CQSIZE), 0);
    } else {
        // The register operations were counted one call at a time (see
        // `the_register_probe_reports_what_works` in register.rs); the
        // setup flags only a query can tell.
        assert_eq!(p.setup_flags(), None);
    }
}

/// An anonymous shared mapping of `pages` pages, unmapped on drop.
struct Mapping(std::ptr::NonNull<u8>, usize);

impl Mapping {
    fn new(pages: usize) -> Mapping {
        let len = pages * 4096;
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        Mapping(std::ptr::NonNull::new(p.cast()).unwrap(), len)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping `new` made; whatever lent it was dropped first.
        unsafe { libc::munmap(self.0.as_ptr().cast(), self.1) };
    }
}

/// Kills the size checks of memory lent for a `NO_MMAP` ring
/// (`prepare_no_mmap`, memory.rs): `sqes_len < sqes_need` and `rings_len <
/// rings_need` with `<` turned into `==`, `>` or `<=` (162:25, 169:26), and
/// the SQ array's share of the ring region (136:16, 136:52, 137:20,
/// 137:35). A ring of 1024 SQEs with an SQ array (`no_sqarray(false)`) and
/// 2048 CQEs needs 16 pages of SQEs and 10 pages of rings (1024 bytes of
/// header, 32768 of CQEs and 4096 of SQ array, rounded up). Lent exactly
/// that, it builds and runs a NOP; lent a page less of either, it is
/// refused with `TooLong` naming the region. The mappings are a page
/// larger than what is lent, so a mutant that lets the kernel use more
/// than was lent stays inside memory the test owns.
#[test]
fn memory_lent_to_a_no_mmap_ring_is_checked_against_the_rings_size() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    let sqes = Mapping::new(17);
    let rings = Mapping::new(11);
    let build = |sqe_pages: usize, ring_pages: usize| {
        let b = ring_core::Builder::new(1024).no_sqarray(false);
        // SAFETY: both regions are live mappings of this test, page-aligned
        // and used by nothing else; they are unmapped only after the ring
        // (and its driver) are dropped, at the end of the test.
        unsafe { b.no_mmap_in(sqes.0, sqe_pages * 4096, rings.0, ring_pages * 4096) }.build()
    };
    match build(15, 10) {
        Err(ring_core::Error::TooLong { what, .. }) => assert_eq!(what, "ring size for the lent SQE memory"),
        other => panic!("15 pages of SQEs: {other:?}"),
    }
    match build(16, 9) {
        Err(ring_core::Error::TooLong { what, .. }) => assert_eq!(what, "ring size for the lent ring memory"),
        other => panic!("9 pages of rings: {other:?}"),
    }
    let ring = match build(16, 10) {
        Ok(ring) => ring,
        Err(e) => panic!("exactly enough memory: {e:?}"),
    };
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (1024, 2048));
    a_nop_round_trips(ring);
}

/// Kills `MAX_CQ = 2 * MAX_SQ` with `*` turned into `+` (memory.rs
/// 107:27): a CQ of exactly `IORING_MAX_CQ_ENTRIES` (65536) is allowed,
/// one more entry is not.
#[test]
fn a_cq_of_the_kernels_maximum_size_is_allowed() {
    let ring = ring_core::Builder::new(4).cq_size(65536).build().unwrap();
    assert_eq!(ring.params().cq_entries, 65536);
    assert!(matches!(
        ring_core::Builder::new(4).cq_size(65537).build(),
        Err(ring_core::Error::RingSize { which: "cq", requested: 65537, max: 65536 })
    ));
}

/// The size of this process's address space, in pages (`/proc/self/statm`).
fn address_space_pages() -> usize {
    let s = std::fs::read_to_string("/proc/self/statm").unwrap();
    s.split_whitespace().next().unwrap().parse().unwrap()
}

/// Kills `anon_unmap` replaced by `()` (memory.rs 126:5): the memory
/// ring-core allocates for a `NO_MMAP` ring is unmapped when the ring is
/// dropped. In a child process (so that no other test maps or unmaps
/// meanwhile), 64 rings of two one-page regions each are built and
/// dropped; the address space must not grow by their 128 pages.
#[test]
fn a_dropped_no_mmap_ring_unmaps_the_memory_it_allocated() {
    if !caps::setup(ring_core::Builder::new(4).no_mmap(), "IORING_SETUP_NO_MMAP") {
        return;
    }
    if std::env::var_os("RING_CORE_TEST_CHILD").is_none() {
        assert!(run_as_child("a_dropped_no_mmap_ring_unmaps_the_memory_it_allocated"));
        return;
    }
    drop(ring_core::Builder::new(8).no_mmap().build().unwrap());
    let before = address_space_pages();
    for _ in 0..64 {
        drop(ring_core::Builder::new(8).no_mmap().build().unwrap());
    }
    let grown = address_space_pages().saturating_sub(before);
    assert!(grown < 32, "the address space grew by {grown} pages");
}

/// Kills the three mutants of `flags & IORING_SETUP_SQE_MIXED != 0` in
/// `Ring::from_setup` (ring.rs 113:27 `|` and `^`, 113:62 `==`), which
/// tell the SQ it is mixed-size on a ring that is not: a 128-byte entry
/// must be refused (`SqFull`) on a ring with neither `SQE128` nor
/// `SQE_MIXED`, where the mutants write it into two slots.
#[test]
fn a_plain_ring_refuses_a_128_byte_entry() {
    let mut ring = ring_core::Ring::new(4).unwrap();
    let sqe = ring_core::sys::io_uring_sqe128::default();
    // SAFETY: the entry names no memory, and it is refused (the assertion
    // checks that nothing was written); nothing is submitted.
    let r = unsafe { ring.sq().push128(&sqe) };
    assert!(r.is_err(), "a plain ring has no room for a 128-byte entry");
    assert!(ring.sq().is_empty());
}

/// Kills the guard of `Ring::register_target` replaced by `false`
/// (ring.rs 211:24): a `REGISTERED_FD_ONLY` ring has no descriptor, so its
/// `io_uring_register` calls must go through its registered index; the
/// mutant sends them to descriptor -1. A probe is such a call.
#[test]
fn a_ring_without_a_descriptor_registers_through_its_index() {
    if !caps::setup(ring_core::Builder::new(4).registered_fd_only(), "IORING_SETUP_REGISTERED_FD_ONLY") {
        return;
    }
    let ring = ring_core::Builder::new(4).registered_fd_only().build().unwrap();
    assert_eq!(ring.fd(), None);
    let probe = ring_core::probe::Probe::new(&ring).expect("a probe through the registered index");
    assert!(probe.supported(ring_core::sys::IORING_OP_NOP));
}

/// A NOP through a driver on `ring`: pending until the driver parks, then
/// complete with `Ok`. The driver and the NOP are dropped before returning.
fn a_nop_round_trips(ring: ring_core::Ring) {
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let mut nop = d.nop();
    let (_, noop) = counter();
    assert!(poll_with(&mut nop, &noop).is_pending());
    d.park(Some(Duration::from_secs(1))).unwrap();
    assert!(matches!(poll_with(&mut nop, &noop), Poll::Ready(Ok(()))));
}
