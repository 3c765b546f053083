//! A scenario interpreter: random sequences of user actions and kernel
//! behaviours run against the shipped `ring_core::Driver` on the simulated
//! kernel, with invariants checked after every step. Shared by the proptest
//! suite (`tests/prop_driver.rs`) and the fuzz target (`fuzz/`).
//!
//! User actions: submit each kind of safe operation (nop, file read and
//! write, pipe read, sleep, multishot poll and ticks, zero-copy send),
//! poll, drop, forget, cancel. Kernel behaviour: held completions released
//! in any order, short I/O, failed and short enters, multishot streams
//! ending early, zero-copy notifications out of order, cancels racing
//! completions ([`crate::sim::Chaos::wild`]), on rings of 1 to 4 entries
//! whose indices start near `u32::MAX`.
//!
//! Invariants checked after every step:
//! - the simulated kernel never touched memory that is not live
//!   (`SimKernel::violations`; install [`crate::alloc::TrackingAlloc`] as the
//!   global allocator for this to see freed memory);
//! - no buffer the kernel still holds (`SimKernel::inflight`) was freed;
//! - each operation gets at most one outcome, and only an outcome its own
//!   request could produce (a read returns the file's bytes at its offset,
//!   a write reports at most its length, ...), so a completion never reaches
//!   an operation that did not submit that `user_data`;
//!
//! and at quiescence: every buffer that was not forgotten was freed exactly
//! once, forgotten ones never, and dropping the driver terminates.

use crate::sim::{Chaos, SimConfig, SimKernel};
use ring_core::buf::{IoBuf, IoBufMut};
use ring_core::driver::Batch;
use ring_core::op::CancelOp;
use ring_core::ops::{Nop, Read, SendZc, TimeoutOp, Write};
use ring_core::{Builder, Cancelled, Driver, MultiOp, Op};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Length of the read-only model file.
const SRC_LEN: usize = 4096;
/// Bytes each write owns in the write-only model file.
pub const REGION: usize = 32;

fn src_byte(i: usize) -> u8 {
    (i * 7 % 251) as u8 | 1
}

/// A buffer that records in a shared table how often it was dropped.
struct Tracked {
    data: Vec<u8>,
    id: usize,
    drops: Rc<RefCell<Vec<u32>>>,
}

// SAFETY: forwards to the Vec's heap memory, stable across moves.
unsafe impl IoBuf for Tracked {
    fn stable_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.data.len()
    }
    fn bytes_total(&self) -> usize {
        self.data.capacity()
    }
}

// SAFETY: as above.
unsafe impl IoBufMut for Tracked {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.data.set_init(n) }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.borrow_mut()[self.id] += 1;
    }
}

/// An operation the scenario can start.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `IORING_OP_NOP`.
    Nop,
    /// A read of `len` bytes of the read-only file at `off`.
    ReadFile {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A write of `len` bytes into the operation's own region of the
    /// write-only file.
    WriteFile {
        /// Length.
        len: u8,
    },
    /// A read of up to `len` bytes from a pipe (blocks until written).
    ReadPipe {
        /// Length.
        len: u8,
    },
    /// A timeout of `ms` milliseconds of virtual time.
    Sleep {
        /// Milliseconds.
        ms: u8,
    },
    /// A multishot poll on a model descriptor.
    Poll,
    /// A multishot timeout ticking `n` times.
    Ticks {
        /// Ticks.
        n: u8,
    },
    /// A zero-copy send of `len` bytes.
    SendZc {
        /// Length.
        len: u8,
    },
}

/// One step of a scenario: a user action or a kernel behaviour.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create an operation's future (it starts on its first poll).
    Submit(Kind),
    /// Poll the live future picked by the index (modulo the count) once.
    Poll(u8),
    /// Drop a live future.
    Drop(u8),
    /// `mem::forget` a live future.
    Forget(u8),
    /// Turn a live future into its explicit cancellation.
    Cancel(u8),
    /// `Driver::poll`: submit and reap without waiting.
    Turn,
    /// `Driver::park` with a short timeout.
    Park,
    /// The kernel completes a random subset of held operations.
    ReleaseSome,
    /// The kernel completes every held operation.
    ReleaseAll,
    /// The kernel posts held zero-copy notifications.
    ReleaseNotifs,
    /// Another process writes three bytes of this value into the pipe.
    PipeWrite(u8),
    /// The polled descriptor becomes readable.
    SetReady,
    /// Virtual time passes.
    Advance(u8),
    /// The simulated SQPOLL thread takes a turn (a no-op without SQPOLL).
    SqpollStep,
}

/// What the test knows about the world, to judge outcomes.
struct World {
    sim: SimKernel,
    driver: Driver<SimKernel>,
    src: i32,
    dst: i32,
    pipe: (i32, i32),
    pollable: i32,
    sock: i32,
    drops: Rc<RefCell<Vec<u32>>>,
    /// (ptr, capacity) of each operation's buffer, if it has one.
    bufs: Vec<Option<(usize, usize)>>,
    forgotten: Vec<bool>,
    outcomes: Vec<u32>,
    /// Bytes written into the pipe so far (all the same value per write).
    piped: Vec<u8>,
}

/// A live operation, type-erased for the test's table.
trait Live {
    fn id(&self) -> usize;
    /// Polls once; `true` once the operation has delivered its outcome.
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool;
    fn cancel(self: Box<Self>) -> Box<dyn Live>;
    fn forget(self: Box<Self>);
}

struct OneShot<T: ring_core::Operation> {
    id: usize,
    op: Op<T, SimKernel>,
    judge: fn(usize, T::Output, bool, &mut World),
}

struct Cancelling<T: ring_core::Operation> {
    id: usize,
    op: CancelOp<T, SimKernel>,
    judge: fn(usize, T::Output, bool, &mut World),
}

struct Stream<T: ring_core::Multishot> {
    id: usize,
    op: MultiOp<T, SimKernel>,
}

impl<T: ring_core::Operation> Live for OneShot<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(out) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>) -> Box<dyn Live> {
        let OneShot { id, op, judge } = *self;
        Box::new(Cancelling { id, op: op.cancel(), judge })
    }
    fn forget(self: Box<Self>) {
        std::mem::forget(self);
    }
}

impl<T: ring_core::Operation> Live for Cancelling<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(Cancelled::Completed(out)) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Ready(Cancelled::Cancelled(out)) => {
                (self.judge)(self.id, out, true, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>) -> Box<dyn Live> {
        self
    }
    fn forget(self: Box<Self>) {
        std::mem::forget(self);
    }
}

impl<T: ring_core::Multishot> Live for Stream<T>
where
    T::Item: core::fmt::Debug,
{
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        loop {
            match self.op.poll_next(cx) {
                Poll::Ready(Some(_item)) => continue,
                Poll::Ready(None) => {
                    w.outcomes[self.id] += 1;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
    }
    fn cancel(mut self: Box<Self>) -> Box<dyn Live> {
        self.op.cancel();
        self
    }
    fn forget(self: Box<Self>) {
        std::mem::forget(self);
    }
}

fn judge_nop(id: usize, out: std::io::Result<()>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if !cancelled {
        out.unwrap();
    }
}

fn judge_read_file(id: usize, (r, buf): (std::io::Result<usize>, Tracked), cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    let off = OFFSETS.with(|o| o.borrow()[id]);
    match r {
        Ok(n) => {
            assert_eq!(buf.data.len(), n, "op {id}: the buffer's initialised length is the result");
            for (k, b) in buf.data.iter().enumerate() {
                assert_eq!(*b, src_byte(off + k), "op {id}: read returned bytes that are not the file's");
            }
        }
        Err(e) => assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}"),
    }
}

fn judge_write(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len(), "op {id}: wrote more than its length");
    }
}

fn judge_read_pipe(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert_eq!(buf.data.len(), n);
        assert!(buf.data.iter().all(|b| w.piped.contains(b)), "op {id}: pipe bytes nobody wrote");
    }
}

fn judge_sleep(id: usize, r: std::io::Result<bool>, cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Err(e) = r {
        assert!(cancelled || e.raw_os_error() == Some(libc::ECANCELED), "op {id}: {e}");
    }
}

fn judge_send(id: usize, (r, buf): (std::io::Result<usize>, Tracked), _cancelled: bool, w: &mut World) {
    w.outcomes[id] += 1;
    if let Ok(n) = r {
        assert!(n <= buf.data.len());
    }
}

thread_local! {
    static OFFSETS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Runs one scenario on a fresh simulated kernel and driver, checking the
/// invariants after every step (see the module documentation). Panics on a
/// violation.
pub fn run(seed: u64, entries: u32, actions: Vec<Action>) {
    run_in(seed, entries, Mode::Plain, actions)
}

/// How the scenario's ring is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Default flags: completions are posted as operations run.
    Plain,
    /// `SINGLE_ISSUER | DEFER_TASKRUN`: completions appear only when the
    /// driver enters the kernel asking for events.
    DeferTaskrun,
    /// `SQPOLL`: a simulated poll thread consumes the SQ when it runs (at
    /// [`Action::SqpollStep`], or when a wait needs it), and sleeps when
    /// idle, so submissions must wake it.
    SqPoll,
}

/// As [`run`], on a ring set up in `mode`.
pub fn run_in(seed: u64, entries: u32, mode: Mode, actions: Vec<Action>) {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 5, ..SimConfig::default() });
    sim.set_chaos(Chaos::wild(seed));
    let builder = match mode {
        Mode::Plain => Builder::new(entries),
        Mode::DeferTaskrun => Builder::new(entries).defer_taskrun(),
        Mode::SqPoll => Builder::new(entries).sqpoll(None),
    };
    let ring = builder.build_on(sim.clone()).expect("ring on the simulated kernel");
    let driver = Driver::with_ring(ring, Batch::default());
    driver.set_teardown_deadline(Duration::from_millis(100));
    let src = sim.add_file((0..SRC_LEN).map(src_byte).collect::<Vec<u8>>());
    let dst = sim.add_file(vec![0u8; 256 * REGION]);
    let pipe = sim.add_pipe();
    let pollable = sim.add_pollable();
    let sock = sim.add_socket();
    let mut w = World {
        sim: sim.clone(),
        driver,
        src,
        dst,
        pipe,
        pollable,
        sock,
        drops: Rc::new(RefCell::new(Vec::new())),
        bufs: Vec::new(),
        forgotten: Vec::new(),
        outcomes: Vec::new(),
        piped: Vec::new(),
    };
    OFFSETS.with(|o| o.borrow_mut().clear());
    let mut live: Vec<Box<dyn Live>> = Vec::new();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);

    for a in actions {
        match a {
            Action::Submit(k) => {
                let id = w.outcomes.len();
                w.outcomes.push(0);
                w.forgotten.push(false);
                w.drops.borrow_mut().push(0);
                OFFSETS.with(|o| o.borrow_mut().push(0));
                let mk = |data: Vec<u8>, w: &mut World| {
                    let t = Tracked { data, id, drops: w.drops.clone() };
                    w.bufs.push(Some((t.data.as_ptr() as usize, t.data.capacity())));
                    t
                };
                let d = w.driver.clone();
                let l: Box<dyn Live> = match k {
                    Kind::Nop => {
                        w.bufs.push(None);
                        Box::new(OneShot { id, op: d.op(Nop), judge: judge_nop })
                    }
                    Kind::ReadFile { off, len } => {
                        OFFSETS.with(|o| o.borrow_mut()[id] = off as usize);
                        let b = mk(Vec::with_capacity(len as usize), &mut w);
                        Box::new(OneShot { id, op: d.op(Read::new(w.src, b, u64::from(off))), judge: judge_read_file })
                    }
                    Kind::WriteFile { len } => {
                        let b = mk(vec![id as u8 | 0x80; len as usize], &mut w);
                        let off = (id % 256 * REGION) as u64;
                        Box::new(OneShot { id, op: d.op(Write::new(w.dst, b, off)), judge: judge_write })
                    }
                    Kind::ReadPipe { len } => {
                        let b = mk(Vec::with_capacity(len as usize), &mut w);
                        Box::new(OneShot { id, op: d.op(Read::new(w.pipe.0, b, u64::MAX)), judge: judge_read_pipe })
                    }
                    Kind::Sleep { ms } => {
                        w.bufs.push(None);
                        Box::new(OneShot {
                            id,
                            op: d.op(TimeoutOp::relative(Duration::from_millis(u64::from(ms)))),
                            judge: judge_sleep,
                        })
                    }
                    Kind::Poll => {
                        w.bufs.push(None);
                        Box::new(Stream { id, op: d.poll_multishot(&w.pollable, libc::POLLIN as u32) })
                    }
                    Kind::Ticks { n } => {
                        w.bufs.push(None);
                        Box::new(Stream { id, op: d.ticks(Duration::from_millis(3), u32::from(n)) })
                    }
                    Kind::SendZc { len } => {
                        let b = mk(vec![0x5a; len as usize], &mut w);
                        Box::new(OneShot { id, op: d.op(SendZc::new(w.sock, b, 0)), judge: judge_send })
                    }
                };
                live.push(l);
            }
            Action::Poll(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                if live[i].poll(&mut w, &mut cx) {
                    live.swap_remove(i);
                }
            }
            Action::Drop(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                drop(live.swap_remove(i));
            }
            Action::Forget(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                let l = live.swap_remove(i);
                w.forgotten[l.id()] = true;
                l.forget();
            }
            Action::Cancel(i) if !live.is_empty() => {
                let i = i as usize % live.len();
                let l = live.swap_remove(i);
                live.push(l.cancel());
            }
            Action::Turn => {
                let _ = w.driver.poll();
            }
            Action::Park => {
                let _ = w.driver.park(Some(Duration::from_millis(1)));
            }
            Action::ReleaseSome => {
                w.sim.release_some();
            }
            Action::ReleaseAll => {
                w.sim.release_all();
            }
            Action::ReleaseNotifs => {
                w.sim.release_notifs();
            }
            Action::PipeWrite(b) => {
                w.piped.push(b);
                w.sim.pipe_write(w.pipe.1, &[b; 3]);
            }
            Action::SetReady => w.sim.set_ready(w.pollable, libc::POLLIN as u32),
            Action::Advance(ms) => w.sim.advance(Duration::from_millis(u64::from(ms))),
            Action::SqpollStep => {
                w.sim.sqpoll_step();
            }
            _ => {}
        }
        check_step(&w);
    }

    // Quiescence: everything not forgotten is dropped or run to its end,
    // and the kernel is allowed to finish whatever it holds.
    for mut l in live.drain(..) {
        // Half the survivors are run to completion, half dropped.
        if l.id() % 2 == 0 {
            for _ in 0..200 {
                if l.poll(&mut w, &mut cx) {
                    break;
                }
                w.sim.release_all();
                w.sim.release_notifs();
                w.sim.set_ready(w.pollable, libc::POLLIN as u32);
                w.sim.pipe_write(w.pipe.1, &[1; 16]);
                w.piped.push(1);
                w.sim.advance(Duration::from_millis(10));
                let _ = w.driver.park(Some(Duration::from_millis(1)));
                check_step(&w);
            }
        }
    }
    for _ in 0..50 {
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.advance(Duration::from_millis(50));
        let _ = w.driver.park(Some(Duration::from_millis(1)));
        check_step(&w);
    }
    for (id, n) in w.outcomes.iter().enumerate() {
        assert!(*n <= 1, "op {id} got {n} outcomes");
    }
    if std::env::var_os("PROP_VERBOSE").is_some() {
        eprintln!(
            "ops {} outcomes {} forgotten {} driver {:?} sim {:?}",
            w.outcomes.len(),
            w.outcomes.iter().sum::<u32>(),
            w.forgotten.iter().filter(|f| **f).count(),
            w.driver.stats(),
            w.sim.stats()
        );
    }
    // Dropping the driver terminates, and frees nothing the kernel holds.
    let start = Instant::now();
    let World { sim, driver, drops, forgotten, bufs, .. } = w;
    drop(driver);
    assert!(start.elapsed() < Duration::from_secs(5), "driver drop took {:?}", start.elapsed());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let drops = drops.borrow();
    for id in 0..drops.len() {
        if bufs[id].is_none() {
            continue;
        }
        if forgotten[id] {
            assert_eq!(drops[id], 0, "forgotten op {id}'s buffer was freed");
        } else if sim.inflight().iter().any(|f| f.user_data as u32 != u32::MAX && holds(&bufs[id], f)) {
            // Still in the (simulated) kernel after teardown: leaked, not freed.
            assert_eq!(drops[id], 0, "op {id}'s buffer freed while the kernel holds it");
        } else {
            assert_eq!(drops[id], 1, "op {id}'s buffer freed {} times", drops[id]);
        }
    }
}

fn holds(buf: &Option<(usize, usize)>, f: &crate::sim::Inflight) -> bool {
    let Some((ptr, cap)) = *buf else { return false };
    f.held.iter().any(|r| r.addr as usize >= ptr && (r.addr as usize) < ptr + cap.max(1))
}

fn check_step(w: &World) {
    let v = w.sim.violations();
    assert!(v.is_empty(), "the kernel touched memory that is not live: {v:?}");
    let drops = w.drops.borrow();
    for f in w.sim.inflight() {
        for id in 0..w.bufs.len() {
            if holds(&w.bufs[id], &f) {
                assert_eq!(drops[id], 0, "op {id}'s buffer was freed while the kernel holds it ({f:?})");
            }
        }
    }
}

/// Decodes a scenario from arbitrary bytes (for the fuzzer): a seed, a ring
/// size and mode, then one action per two bytes.
pub fn decode(data: &[u8]) -> (u64, u32, Vec<Action>) {
    let (seed, entries, _, actions) = decode_with_mode(data);
    (seed, entries, actions)
}

/// As [`decode`], also picking the ring's [`Mode`].
pub fn decode_with_mode(data: &[u8]) -> (u64, u32, Mode, Vec<Action>) {
    let mut seed = [0u8; 8];
    let n = data.len().min(8);
    seed[..n].copy_from_slice(&data[..n]);
    let rest = data.get(8..).unwrap_or(&[]);
    let entries = [1u32, 2, 4][rest.first().copied().unwrap_or(0) as usize % 3];
    let actions = rest
        .get(1..)
        .unwrap_or(&[])
        .chunks(2)
        .take(200)
        .map(|c| {
            let (op, arg) = (c[0], c.get(1).copied().unwrap_or(0));
            match op % 19 {
                0 => Action::Submit(Kind::Nop),
                1 => Action::Submit(Kind::ReadFile { off: u16::from(arg) * 15, len: arg % 63 + 1 }),
                2 => Action::Submit(Kind::WriteFile { len: arg % (REGION as u8 - 1) + 1 }),
                3 => Action::Submit(Kind::ReadPipe { len: arg % 15 + 1 }),
                4 => Action::Submit(Kind::Sleep { ms: arg % 50 }),
                5 => Action::Submit(Kind::Poll),
                6 => Action::Submit(Kind::Ticks { n: arg % 3 + 1 }),
                7 => Action::Submit(Kind::SendZc { len: arg % 63 + 1 }),
                8 | 9 => Action::Poll(arg),
                10 => Action::Drop(arg),
                11 => Action::Forget(arg),
                12 => Action::Cancel(arg),
                13 => Action::Turn,
                14 => Action::Park,
                15 => Action::ReleaseSome,
                16 => Action::ReleaseAll,
                17 => Action::ReleaseNotifs,
                _ => match arg % 4 {
                    0 => Action::PipeWrite(arg),
                    1 => Action::SetReady,
                    2 => Action::SqpollStep,
                    _ => Action::Advance(arg),
                },
            }
        })
        .collect();
    let mode = [Mode::Plain, Mode::DeferTaskrun, Mode::SqPoll][rest.first().copied().unwrap_or(0) as usize / 3 % 3];
    (u64::from_le_bytes(seed), entries, mode, actions)
}
