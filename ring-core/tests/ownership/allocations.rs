//! Heap allocations per operation in steady state: none for operations whose
//! only memory is the caller's buffer (nop, read, write). The benchmarks
//! measure the same with a counting allocator (`benches`); this test keeps
//! the property in the test command, so that a value quietly boxed in the
//! driver's storage (a cell too small, or the inline test inverted) fails
//! here, not only in a benchmark report.

use crate::support::alloc::allocations;
use crate::support::yield_now;
use ring_core::ops::{Read, Write};
use ring_core::{AsSharedFd, Runtime, SharedFd};
use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;

#[test]
fn nops_reads_and_writes_allocate_nothing_in_steady_state() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    // Each operation holds a clone of this `Rc` (a count increment, no
    // allocation) until it has ended.
    let fd = Rc::new(tempfile("rc"));
    let counts = rt
        .block_on(async {
            let mut buf = Vec::with_capacity(4096);
            // Warm up: the driver's tables, waker entries and vectors reach
            // their steady size.
            for _ in 0..16 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(&fd, vec![7u8; 512], 0)).await;
                r.unwrap();
                drop(b);
                let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                r.unwrap();
                buf = b;
                buf.clear();
            }
            let data = vec![9u8; 512];
            let before = allocations();
            let mut data = data;
            for _ in 0..100 {
                d.nop().await.unwrap();
                let (r, b) = d.op(Write::new(&fd, data, 0)).await;
                assert_eq!(r.unwrap(), 512);
                data = b;
                let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                assert_eq!(r.unwrap(), 512);
                buf = b;
                buf.clear();
            }
            allocations() - before
        })
        .unwrap();
    assert_eq!(counts, 0, "300 operations in steady state allocated {counts} times");
}

/// Tasks taking turns allocate nothing either. Each of four spawned tasks
/// starts an operation, awaits it, and starts the next, so consecutive
/// operations belong to different tasks and each task's waker is not the
/// one most recently registered when its next operation starts: the
/// driver's table of wakers must find it without storing it anew (which
/// allocated a shared cell per operation).
#[test]
fn tasks_taking_turns_allocate_nothing_in_steady_state() {
    let (ops, counts) = tasks_taking_turns(false);
    assert_eq!(counts, 0, "{ops} operations of tasks taking turns allocated {counts} times");
}

/// The same with an operation of each task in flight the whole time (a
/// receive that never completes, as a connection's multishot receive
/// would be), and a yield after each round, so that the other tasks' turns
/// come between a task's operations while its waker is used only by the
/// kept operation: it must still be found for the task's next operation.
#[test]
fn tasks_taking_turns_with_an_operation_kept_in_flight_allocate_nothing() {
    let (ops, counts) = tasks_taking_turns(true);
    assert_eq!(counts, 0, "{ops} operations of tasks taking turns allocated {counts} times");
}

/// Tasks that each take an item from a stream of their own (a multishot
/// poll on a socket, as a connection takes what its multishot receive
/// brought) and then start an operation, taking turns. There are more
/// tasks than the waker table's cache has slots, so tasks whose wakers fall
/// in the same slot evict each other there: the item itself must make its
/// task's waker the one the next operation finds (1 to 2 allocations per
/// round without that).
#[test]
fn tasks_answering_their_streams_allocate_nothing() {
    use std::io::{Read as _, Write as _};
    const TASKS: usize = 320;
    let rt = Runtime::new(1024).unwrap();
    let d = rt.driver().clone();
    let turns = Turns::new(TASKS, 4, 8, 2);
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let (d, turns) = (d.clone(), turns.clone());
            rt.spawn(async move {
                let (mine, mut peer) = std::os::unix::net::UnixStream::pair().unwrap();
                mine.set_nonblocking(true).unwrap();
                let mine = Rc::new(mine);
                let mut stream = d.poll_multishot(&mine, libc::POLLIN as u32);
                let mut byte = [0u8; 1];
                let mut progress = Progress::default();
                loop {
                    peer.write_all(&[1]).unwrap();
                    let events = stream.next().await.expect("the poll goes on").unwrap();
                    assert_ne!(events & libc::POLLIN as u32, 0);
                    assert_eq!((&*mine).read(&mut byte).unwrap(), 1);
                    d.nop().await.unwrap();
                    if turns.round_ended(&mut progress) {
                        return;
                    }
                }
            })
        })
        .collect();
    let (ops, counts) = turns.join(&rt, handles);
    assert!(ops >= 8 * 2);
    assert_eq!(counts, 0, "{ops} operations of tasks answering their streams allocated {counts} times");
}

/// The allocation count when the window opened, and when it closed.
type Window = Option<(u64, Option<u64>)>;

/// The window in which tasks taking turns count allocations. It opens once
/// every task is past its warm-up and closes when the first task has
/// counted its rounds, so that spawning, warming up and finishing are
/// outside it.
#[derive(Clone)]
struct Turns {
    tasks: usize,
    warm_rounds: u32,
    counted_rounds: u32,
    /// Operations in each round.
    per_round: u64,
    /// Tasks past their warm-up.
    warm: Rc<Cell<usize>>,
    window: Rc<Cell<Window>>,
    /// Operations counted, in the window, by every task.
    ops: Rc<Cell<u64>>,
}

/// One task's rounds: all of them, and those counted in the window.
#[derive(Default)]
struct Progress {
    round: u32,
    counted: u32,
}

impl Turns {
    fn new(tasks: usize, warm_rounds: u32, counted_rounds: u32, per_round: u64) -> Self {
        Turns {
            tasks,
            warm_rounds,
            counted_rounds,
            per_round,
            warm: Rc::new(Cell::new(0)),
            window: Rc::new(Cell::new(None)),
            ops: Rc::new(Cell::new(0)),
        }
    }

    /// Records that a task ended a round; returns whether the window has
    /// closed (the task is done).
    fn round_ended(&self, p: &mut Progress) -> bool {
        p.round += 1;
        if p.round == self.warm_rounds {
            self.warm.set(self.warm.get() + 1);
            if self.warm.get() == self.tasks {
                self.window.set(Some((allocations(), None)));
            }
        }
        if let Some((start, None)) = self.window.get() {
            if p.round > self.warm_rounds {
                p.counted += 1;
                self.ops.set(self.ops.get() + self.per_round);
                if p.counted == self.counted_rounds {
                    self.window.set(Some((start, Some(allocations()))));
                }
            }
        }
        matches!(self.window.get(), Some((_, Some(_))))
    }

    /// Waits for the tasks; returns the operations counted and the
    /// allocations among them.
    fn join(&self, rt: &Runtime, handles: Vec<ring_core::JoinHandle<()>>) -> (u64, u64) {
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        })
        .unwrap();
        let Some((start, Some(end))) = self.window.get() else { panic!("the window never closed") };
        (self.ops.get(), end - start)
    }
}

/// Runs four tasks taking turns (see above); returns the operations counted
/// and the allocations among them. The window opens once every task is
/// past its warm-up and closes when the first task ends, so that spawning,
/// finishing and the kept operation's start and cancellation are outside it.
fn tasks_taking_turns(keep_one_in_flight: bool) -> (u64, u64) {
    const TASKS: usize = 4;
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let fd = Rc::new(tempfile("turns"));
    let turns = Turns::new(TASKS, 16, 100, 3);
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let (d, fd, turns) = (d.clone(), fd.clone(), turns.clone());
            rt.spawn(async move {
                // A receive on a socket nobody writes to: in flight until the
                // task ends and drops it.
                let (quiet, _peer) = std::os::unix::net::UnixStream::pair().unwrap();
                let quiet = Rc::new(quiet);
                let mut kept = keep_one_in_flight.then(|| d.op(Read::new(&quiet, Vec::with_capacity(8), 0)));
                if let Some(op) = &mut kept {
                    std::future::poll_fn(|cx| {
                        assert!(std::pin::Pin::new(&mut *op).poll(cx).is_pending());
                        std::task::Poll::Ready(())
                    })
                    .await;
                }
                let mut buf = Vec::with_capacity(4096);
                let mut data = vec![3u8; 512];
                let mut progress = Progress::default();
                loop {
                    d.nop().await.unwrap();
                    let (r, b) = d.op(Write::new(&fd, data, 0)).await;
                    assert_eq!(r.unwrap(), 512);
                    data = b;
                    let (r, b) = d.op(Read::new(&fd, buf, 0)).await;
                    assert_eq!(r.unwrap(), 512);
                    buf = b;
                    buf.clear();
                    if keep_one_in_flight {
                        // Let the other tasks run while only the kept
                        // operation of this one is in flight.
                        yield_now().await;
                    }
                    if turns.round_ended(&mut progress) {
                        return;
                    }
                }
            })
        })
        .collect();
    let (ops, counts) = turns.join(&rt, handles);
    assert!(ops >= 100 * 3);
    (ops, counts)
}

/// Reads and writes through every kind of descriptor handle an operation
/// can hold (the crate's `File`, which owns its `SharedFd`; an `Arc`; a
/// `SharedFd` made by hand) allocate nothing either: holding the
/// descriptor costs one count increment, and the operation still fits the
/// driver's inline storage.
#[test]
fn holding_the_descriptor_allocates_nothing_whatever_keeps_it_open() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let file = ring_core::File::from_std(&d, tempfile("file"));
    let arc = Arc::new(tempfile("arc"));
    let shared = SharedFd::new(tempfile("shared"));
    let handles = [file.shared_fd(), arc.shared_fd(), shared];
    let counts = rt
        .block_on(async {
            let mut buf = Vec::with_capacity(4096);
            let mut data = vec![5u8; 256];
            let mut before = 0;
            // Sixteen rounds to warm the driver's tables up, then a hundred
            // counted.
            for round in 0..116 {
                if round == 16 {
                    before = allocations();
                }
                for fd in &handles {
                    let (r, b) = d.write_at(fd, data, 0).await;
                    assert_eq!(r.unwrap(), 256);
                    data = b;
                    let (r, b) = d.read_at(fd, buf, 0).await;
                    assert_eq!(r.unwrap(), 256);
                    buf = b;
                    buf.clear();
                }
                let (r, b) = file.write_at(data, 0).await;
                assert_eq!(r.unwrap(), 256);
                data = b;
                let (r, b) = file.read_at(buf, 0).await;
                assert_eq!(r.unwrap(), 256);
                buf = b;
                buf.clear();
            }
            allocations() - before
        })
        .unwrap();
    assert_eq!(counts, 0, "800 operations in steady state allocated {counts} times");
}

fn tempfile(name: &str) -> std::fs::File {
    let path = std::env::temp_dir().join(format!("ring-core-allocations-{}-{name}", std::process::id()));
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    f
}
