//! Running a scenario: the world is built on a fresh simulated kernel,
//! each action applied with the checks after it, then quiescence (every
//! survivor dropped or run to its end) and the drivers' teardown, with the
//! final checks of what was freed.

use crate::scenario::action::Action;
use crate::scenario::drive::{driver_on, DriveLog};
use crate::scenario::oracle::{check_step, holds};
use crate::scenario::setup::{Mode, Setup};
use crate::scenario::step::step;
use crate::scenario::world::{src_byte, Live, Report, World, OFFSETS, REGION, SRC_LEN};
use crate::sim::{Chaos, SimConfig, SimKernel};
use ring_core::Builder;
use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

/// Runs one scenario on a fresh simulated kernel and driver, checking the
/// invariants after every step (see the module documentation). Panics on a
/// violation.
pub fn run(seed: u64, entries: u32, actions: Vec<Action>) {
    run_in(seed, entries, Mode::Plain, actions)
}

/// As [`run`], on a ring set up as `setup` says (a [`Mode`], or a
/// [`Setup`] that also sizes the CQ).
pub fn run_in(seed: u64, entries: u32, setup: impl Into<Setup>, actions: Vec<Action>) {
    run_setup(seed, entries, setup.into(), actions);
}

/// As [`run_in`], returning what the scenario did.
pub fn run_setup(seed: u64, entries: u32, setup: Setup, actions: Vec<Action>) -> Report {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 5, ..SimConfig::default() });
    // The simulated kernel never splits a chain by a short submission of
    // its own (as a real one does only when it cannot allocate a request
    // mid-chain), so that "a failed member cancels the rest" holds exactly;
    // a split at the driver's own submission boundary is still reported.
    sim.set_chaos(Chaos { whole_chains: true, ..Chaos::wild(seed) });
    let builder = match setup.mode {
        Mode::Plain => Builder::new(entries),
        Mode::DeferTaskrun => Builder::new(entries).defer_taskrun(),
        Mode::SqPoll => Builder::new(entries).sqpoll(None),
    };
    let builder = match setup.cq {
        Some(cq) => builder.cq_size(cq.max(entries)),
        None => builder,
    };
    let ring = builder.build_on(sim.clone()).expect("ring on the simulated kernel");
    let cq_entries = ring.params().cq_entries;
    let drive_logs = [DriveLog::new(0), DriveLog::new(1)];
    let driver = driver_on(ring, setup.drives[0], drive_logs[0].clone());
    driver.set_teardown_deadline(Duration::from_millis(100));
    // The second ring: plain flags, a CQ of four.
    let other = driver_on(
        Builder::new(2).build_on(sim.clone()).expect("a second ring on the simulated kernel"),
        setup.drives[1],
        drive_logs[1].clone(),
    );
    other.set_teardown_deadline(Duration::from_millis(100));
    // Hostile wakers panic with a payload of their own, which every driver
    // call below may re-raise (the driver re-raises a panic of foreign code
    // where no outcome is lost): `hostile::catch` lets those through, and
    // only those.
    // A scripted drive's panic is let through (and counted) the same way.
    let hostile = actions.iter().any(|a| matches!(a, Action::PollHostile(..)));
    crate::hostile::reset_drive_panics();
    if hostile || setup.drives.iter().any(|d| d.script.panic_at.is_some()) {
        crate::hostile::quiet();
    }
    if hostile {
        crate::hostile::set_driver(Some(driver.clone()));
    }
    let src = sim.add_file((0..SRC_LEN).map(src_byte).collect::<Vec<u8>>());
    let dst = sim.add_file(vec![0u8; 256 * REGION]);
    let pipe = sim.add_pipe();
    let pollable = sim.add_pollable();
    let sock = sim.add_socket();
    let mut w = World {
        sim: sim.clone(),
        driver,
        other,
        pools: [None, None],
        next_bgid: 1,
        entries,
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
        res: Vec::new(),
        want: Vec::new(),
        cancel_asked: Vec::new(),
        member: Vec::new(),
        chains: Vec::new(),
        spawned: Vec::new(),
        drive_logs,
        report: Report { cq_entries, ..Report::default() },
    };
    OFFSETS.with(|o| o.borrow_mut().clear());
    let mut live: Vec<Box<dyn Live>> = Vec::new();
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);

    for a in actions {
        step(&mut w, &mut live, &mut cx, a);
        live.append(&mut w.spawned);
        check_step(&w);
    }
    w.report.outcomes_in_steps = w.outcomes.iter().sum();

    // Quiescence: everything not forgotten is dropped or run to its end,
    // and the kernel is allowed to finish whatever it holds. Half the
    // survivors are dropped, in order; the others are then polled in turn
    // until each has its outcome (together, since one may wait for a CQ
    // credit or an entry that another holds until it is collected). A
    // chain's members all go the same way (run in three chains of four),
    // so that a later member's outcome is seen after an earlier one's; a
    // chain that starts meanwhile adds its members' futures to the runners.
    // Halfway, whatever still runs is cancelled (a multishot stream never
    // ends by itself, and holds a CQ credit another may wait for), and by
    // the end every runner but a stream has its outcome: none was lost.
    let mut running: Vec<Box<dyn Live>> = Vec::new();
    for l in live {
        let run = match w.member[l.id()] {
            Some(c) => w.chains[c].ops[0] % 4 != 3,
            None => l.id() % 2 == 0,
        };
        if run {
            running.push(l);
        }
    }
    for round in 0..200 {
        if round == 100 {
            running = running.into_iter().map(|l| l.cancel(&mut w)).collect();
        }
        let mut i = 0;
        while i < running.len() {
            if crate::hostile::catch(|| running[i].poll(&mut w, &mut cx)) == Some(true) {
                running.swap_remove(i);
            } else {
                i += 1;
            }
            running.append(&mut w.spawned);
        }
        if running.is_empty() {
            break;
        }
        w.sim.release_all();
        w.sim.release_notifs();
        // A real SQPOLL thread runs by itself; the simulated one only when
        // asked (or when a wait needs it), and a drive may never wait.
        w.sim.sqpoll_step();
        w.sim.set_ready(w.pollable, libc::POLLIN as u32);
        w.sim.pipe_write(w.pipe.1, &[1; 16]);
        w.piped.push(1);
        w.sim.advance(Duration::from_millis(10));
        let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
        let _ = crate::hostile::catch(|| w.other.poll());
        check_step(&w);
    }
    // A forgotten future keeps its CQ credit for ever (the driver cannot
    // tell it from a slow one), so others may wait for ever too: only
    // without one must every runner end.
    let stuck: Vec<usize> = running.iter().filter(|l| l.must_end()).map(|l| l.id()).collect();
    assert!(
        stuck.is_empty() || w.forgotten.iter().any(|f| *f),
        "operations {stuck:?} never got their outcome (drives {:?})",
        setup.drives
    );
    let _ = crate::hostile::catch(move || drop(running));
    for _ in 0..50 {
        w.sim.release_all();
        w.sim.release_notifs();
        w.sim.advance(Duration::from_millis(50));
        let _ = crate::hostile::catch(|| w.driver.park(Some(Duration::from_millis(1))));
        let _ = crate::hostile::catch(|| w.other.poll());
        check_step(&w);
    }
    for (id, n) in w.outcomes.iter().enumerate() {
        assert!(*n <= 1, "op {id} got {n} outcomes");
    }
    // A drive's panic comes out of the driver once, by now (a turn raises
    // it); with hostile wakers about, it may be the second panic of a pass
    // over foreign code, which the driver leaks rather than raises.
    for which in 0..2 {
        let _ = crate::hostile::catch(|| if which == 0 { w.driver.poll() } else { w.other.poll() });
        let (raised, panicked) = (crate::hostile::drive_panics(which), w.drive_logs[which].panicked.get());
        assert!(raised <= 1, "driver {which}: its drive's panic came out {raised} times");
        assert!(
            raised == u32::from(panicked) || hostile && raised == 0,
            "driver {which}: its drive panicked ({panicked}), its panic came out {raised} times"
        );
    }
    let (dstats, sstats) = (w.driver.stats(), w.sim.stats());
    let report = Report {
        ops: w.outcomes.len(),
        waited_for_credit: dstats.waited_for_credit,
        overflowed: sstats.overflowed,
        flushed: sstats.flushed,
        drive_calls: w.drive_logs.iter().map(|l| l.calls.get()).sum(),
        drive_panics_raised: crate::hostile::drive_panics(0) + crate::hostile::drive_panics(1),
        ..w.report
    };
    if std::env::var_os("PROP_VERBOSE").is_some() {
        eprintln!(
            "ops {} outcomes {} forgotten {} {report:?} driver {dstats:?} sim {sstats:?}",
            w.outcomes.len(),
            w.outcomes.iter().sum::<u32>(),
            w.forgotten.iter().filter(|f| **f).count(),
        );
    }
    // Dropping the driver terminates, and frees nothing the kernel holds.
    let start = Instant::now();
    let World { sim, driver, other, pools, drops, forgotten, bufs, drive_logs, .. } = w;
    if hostile {
        crate::hostile::set_driver(None);
    }
    let _ = crate::hostile::catch(move || drop(pools));
    // Teardown runs from here: no drive may be asked any more.
    for log in &drive_logs {
        log.closing.set(true);
    }
    let _ = crate::hostile::catch(move || drop(driver));
    let _ = crate::hostile::catch(move || drop(other));
    for (which, log) in drive_logs.iter().enumerate() {
        assert_eq!(log.in_teardown.get(), 0, "driver {which}: its drive was asked during teardown");
    }
    assert!(start.elapsed() < Duration::from_secs(5), "driver drop took {:?}", start.elapsed());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.split_chains().is_empty(), "{:?}", sim.split_chains());
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
    report
}
