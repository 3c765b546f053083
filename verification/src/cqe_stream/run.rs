//! A whole run: the ring built as the [`Config`] says, each [`Step`]
//! applied with the checks after it, then everything driven to its end and
//! the stale completions counted.

use crate::cqe_stream::steps::{Config, CqMode, Step};
use crate::cqe_stream::world::{file, new_pool, pipe_byte, sim_fd, Live, World};
use crate::sim::{Chaos, SimConfig, SimKernel};
use ring_core::driver::Batch;
use ring_core::{Builder, Driver};
use std::time::Duration;

/// Runs one case. Panics when an invariant breaks.
pub fn run(cfg: Config, steps: &[Step]) {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 3, ..SimConfig::default() });
    // Completions held and released in any order, short I/O, multishot
    // streams that end early, zero-copy notifications shuffled across
    // operations, cancellations that lose the race; no failed or short
    // enters, which the driver's other tests cover.
    let chaos = Chaos { enter_fail: 0, short_submit: 0, whole_chains: true, ..Chaos::wild(cfg.seed) };
    sim.set_chaos(chaos.clone());
    let mut b = Builder::new(cfg.entries).cq_size(cfg.entries * 2);
    b = match cfg.cq {
        CqMode::Plain => b,
        CqMode::Cqe32 => b.cqe32(),
        CqMode::Mixed => b.cqe_mixed(),
    };
    if cfg.defer {
        b = b.defer_taskrun();
    }
    let ring = b.build_on(sim.clone()).expect("a ring on the simulated kernel");
    let cq_entries = ring.params().cq_entries;
    let fd = *sim.ring_fds().last().expect("the ring's descriptor");
    let driver = Driver::with_ring(ring, Batch::default());
    driver.set_teardown_deadline(Duration::from_millis(50));
    let mut w = World {
        file: sim_fd(sim.add_file(file().to_vec())),
        pollable: sim_fd(sim.add_pollable()),
        sock: sim_fd(sim.add_socket()),
        pool: None,
        next_bgid: 1,
        pipes: Vec::new(),
        live: Vec::new(),
        held: Vec::new(),
        forged_stale: 0,
        forgotten: 0,
        ring: fd,
        cq_entries,
        driver,
        sim,
    };
    w.pool = Some(new_pool(&w.driver, 0));
    let stale_before = w.driver.stats().stale;
    let mixed = cfg.cq == CqMode::Mixed;
    for (n, step) in steps.iter().enumerate() {
        match *step {
            Step::Start(s) => w.start(s),
            Step::Poll(k) => w.poll_at(k),
            Step::Drop(k) => {
                if !w.live.is_empty() {
                    let i = usize::from(k) % w.live.len();
                    drop(w.live.swap_remove(i));
                }
            }
            Step::Forget(k) => {
                // A forgotten operation keeps its table entry (and a
                // stream its CQ credit) for ever; forgetting is bounded so
                // that the rest can still run.
                if !w.live.is_empty() && w.forgotten + 2 <= w.cq_entries as usize / 2 {
                    let i = usize::from(k) % w.live.len();
                    core::mem::forget(w.live.swap_remove(i));
                    w.forgotten += 1;
                }
            }
            Step::Inject { to, res, flags, big } => w.inject(to, res, flags, big, mixed),
            Step::Release(all) => {
                if all {
                    w.sim.release_all();
                } else {
                    w.sim.release_some();
                }
                w.sim.release_notifs();
            }
            Step::PipeWrite(k, len) => {
                if !w.pipes.is_empty() {
                    let i = usize::from(k) % w.pipes.len();
                    let p = &mut w.pipes[i];
                    let data: Vec<u8> = (p.written..p.written + usize::from(len)).map(|b| pipe_byte(i, b)).collect();
                    p.written += data.len();
                    w.sim.pipe_write(p.write, &data);
                }
            }
            Step::Ready => w.sim.set_ready(w.pollable.raw(), libc::POLLIN as u32),
            Step::Advance(ms) => w.sim.advance(Duration::from_millis(u64::from(ms))),
            Step::Turn => w.turn(),
            Step::DropBufs => w.held.clear(),
            Step::NewPool => {
                let bgid = w.next_bgid;
                w.next_bgid += 1;
                w.pool = Some(new_pool(&w.driver, bgid));
            }
        }
        w.check(&format!("after step {n} ({step:?})"));
    }
    // Quiescence: streams are dropped (cancelled), pipes closed (end of
    // file), everything held released, and every operation polled until it
    // ends.
    w.live.retain(|l| !matches!(l, Live::Poll { .. }));
    for p in &w.pipes {
        w.sim.close_fd(p.write);
    }
    // The kernel ends every poll stream, a forgotten one too, at the next
    // event. Without that, streams holding every CQ credit could not be
    // cancelled: a cancellation needs a credit of its own (see
    // verification/JOURNAL.md).
    w.sim.set_chaos(Chaos { end_multishot: 1000, ..chaos });
    w.sim.set_ready(w.pollable.raw(), libc::POLLIN as u32);
    w.pool = None;
    for round in 0..200 {
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.advance(Duration::from_millis(100));
        w.turn();
        let mut i = 0;
        while i < w.live.len() {
            if w.poll(i) {
                w.live.swap_remove(i);
            } else {
                i += 1;
            }
        }
        w.check(&format!("at quiescence, round {round}"));
        if w.live.is_empty() && w.driver.in_flight() == 0 {
            break;
        }
    }
    if !w.live.is_empty() {
        let kinds: Vec<&str> = w.live.iter().map(Live::name).collect();
        panic!(
            "{cfg:?}: operations never ended: {kinds:?}; the kernel holds {:?}; {} completions wait in the overflow \
             list, {} in task work; {:?}",
            w.sim.inflight(),
            w.sim.overflow_backlog(),
            w.sim.task_work_backlog(),
            w.driver.stats()
        );
    }
    // Every injected completion was reaped by now (nothing is in flight,
    // and the last turns flushed the overflow list and the task work), and
    // each one that names an entry was ignored as stale.
    w.turn();
    let stale = w.driver.stats().stale - stale_before;
    if w.sim.overflow_backlog() == 0 && w.sim.task_work_backlog() == 0 {
        // More stale than injected: a real completion arrived for an entry
        // the driver had released already (an early release). Fewer: an
        // injected completion reached an operation.
        assert_eq!(
            stale, w.forged_stale,
            "the driver counted {stale} completions stale, but {} injected ones named no current entry",
            w.forged_stale
        );
    }
    w.held.clear();
    let World { driver, sim, .. } = w;
    drop(driver);
    let v = sim.violations();
    assert!(v.is_empty(), "after the driver was dropped: {v:#?}");
}
