//! The driver on the simulated kernel, for what the real kernel of the
//! test machine cannot show: 128-byte operations on an `SQE_MIXED` ring
//! (Linux 6.19), pushed through the safe layer, across the end of the ring
//! where a filler NOP must be inserted.
#![cfg(not(ring_loom))]

use ring_core::driver::Batch;
use ring_core::{Builder, Driver};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;
use verification::sim::{EnterFault, SimConfig, SimKernel};

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn run<F: Future>(d: &Driver<SimKernel>, fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..10_000 {
        if let Poll::Ready(v) = Pin::new(&mut fut).poll(&mut cx) {
            return v;
        }
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    panic!("the future never finished");
}

#[test]
fn nop128_through_the_driver_on_a_mixed_ring_wraps_with_fillers() {
    let sim = SimKernel::new(SimConfig { start_index: u32::MAX - 2, ..SimConfig::default() });
    let ring = Builder::new(4).sqe_mixed().build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    for i in 0..40 {
        // Alternate 128- and 64-byte entries so the 128-byte ones land on
        // every slot position, including the last (which needs a filler).
        run(&d, d.nop128()).unwrap_or_else(|e| panic!("nop128 #{i}: {e}"));
        run(&d, d.nop()).unwrap();
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert_eq!(d.stats().stale, 0);
    let st = sim.stats();
    // 80 operations took 80 completions; the extra entries the kernel
    // consumed are the filler NOPs (CQE_SKIP_SUCCESS) before 128-byte
    // entries that would have straddled the end of the ring.
    assert_eq!(st.posted, 80, "{st:?}");
    assert!(st.consumed > 80, "no filler was ever needed: {st:?}");
}

#[test]
fn nop128_on_a_64_byte_ring_is_refused_before_the_kernel() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let e = run(&d, d.nop128()).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    assert_eq!(sim.stats().consumed, 0, "nothing reached the kernel");
}

/// On a ring set up with `IORING_SETUP_R_DISABLED` and not enabled, a NOP
/// and a read end at their first poll with `EBADFD` and reach no kernel;
/// the read's buffer comes back. Once the ring is enabled through the
/// driver, a NOP runs. Teardown leaks nothing.
#[test]
fn operations_on_a_disabled_ring_are_refused_before_the_kernel() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).r_disabled().build_on(sim.clone()).unwrap();
    assert!(!ring.is_enabled());
    let d = Driver::with_ring(ring, Batch::default());
    let Poll::Ready(r) = poll_once(&mut d.nop()) else { panic!("a NOP on a disabled ring stayed pending") };
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADFD));
    let Poll::Ready((r, buf)) = poll_once(&mut d.read(&sim_fd(sim.add_file(vec![0u8; 16])), vec![7u8; 16])) else {
        panic!("a read on a disabled ring stayed pending")
    };
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADFD));
    assert_eq!(buf, vec![7u8; 16]);
    assert_eq!((sim.stats().consumed, d.in_flight()), (0, 0), "nothing reached the kernel");
    // SAFETY: enabling the ring neither pushes nor reaps.
    unsafe { d.with_ring_mut(|r| r.enable()) }.unwrap().unwrap();
    run(&d, d.nop()).unwrap();
    let report = d.shutdown();
    assert_eq!((report.leaked, report.in_flight), (0, 0), "{report:?}");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// Polls `fut` once with a no-op waker.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}

// Transient `io_uring_enter` failures (`EINTR`, `EAGAIN`, `EBUSY`) cannot be
// provoked on the real kernel at will; the simulator fails the enters it is
// scripted to. In each case below the driver must count the failure, keep
// every operation (the entries stay published), and go on. These tests kill
// the cargo-mutants survivors of `verification/MUTATIONS.md`'s fifth pass in the
// transient-error handling (ring-core's own suites cannot reach them), as
// checked by planting each mutant by hand.

/// A park whose enter fails transiently returns `Ok` and counts the
/// failure; the operation completes at the next park. A failure that is
/// not transient is reported. (The `is_transient()` guard of `turn`, and
/// its counter update.)
#[test]
fn a_transient_enter_failure_while_parking_is_counted_and_loses_nothing() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let mut nop = d.nop();
    assert!(poll_once(&mut nop).is_pending());
    for (i, errno) in [libc::EINTR, libc::EAGAIN, libc::EBUSY].into_iter().enumerate() {
        sim.script(EnterFault::Fail(errno));
        d.park(Some(Duration::from_millis(1))).unwrap_or_else(|e| panic!("a transient {errno} was reported: {e}"));
        assert_eq!(d.stats().transient_errors, i as u64 + 1);
        assert!(poll_once(&mut nop).is_pending(), "nothing was submitted yet");
    }
    assert_eq!(sim.stats().consumed, 0);
    d.park(Some(Duration::from_millis(1))).unwrap();
    assert!(matches!(poll_once(&mut nop), Poll::Ready(Ok(()))));
    // `EBADF` is not transient: the park reports it.
    let mut nop = d.nop();
    assert!(poll_once(&mut nop).is_pending());
    sim.script(EnterFault::Fail(libc::EBADF));
    let e = d.park(Some(Duration::from_millis(1))).unwrap_err();
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<ring_core::Error>());
    assert_eq!(inner.and_then(|i| i.errno()).map(|n| n.raw()), Some(libc::EBADF), "{e}");
    assert_eq!(d.stats().transient_errors, 3);
    assert_eq!(run(&d, nop).map_err(|e| e.raw_os_error()), Ok(()));
}

/// With the `Immediate` strategy every start submits at once; a transient
/// failure of that submit is counted and the entry stays published for the
/// next enter. (The counter update of `maybe_submit`.)
#[test]
fn a_transient_failure_of_an_immediate_submit_is_counted() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, ring_core::driver::Immediate);
    sim.script(EnterFault::Fail(libc::EAGAIN));
    let mut nop = d.nop();
    assert!(poll_once(&mut nop).is_pending());
    assert_eq!(d.stats().transient_errors, 1);
    assert_eq!(sim.stats().consumed, 0, "the failed submit consumed nothing");
    d.park(Some(Duration::from_millis(1))).unwrap();
    assert!(matches!(poll_once(&mut nop), Poll::Ready(Ok(()))));
    assert_eq!(sim.stats().consumed, 1);
}

/// A start that finds the SQ full submits to make room; when that submit
/// fails transiently it is counted and retried, and the operation starts.
/// (The counter update of `make_sq_room`.)
#[test]
fn a_transient_failure_while_making_room_in_the_sq_is_counted_and_retried() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(2).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let mut nops: Vec<_> = (0..3).map(|_| d.nop()).collect();
    assert!(poll_once(&mut nops[0]).is_pending());
    assert!(poll_once(&mut nops[1]).is_pending());
    // The SQ (two entries) is full and nothing is submitted: the third
    // start must submit first, and that submit fails once.
    sim.script(EnterFault::Fail(libc::EINTR));
    assert!(poll_once(&mut nops[2]).is_pending());
    assert_eq!(d.stats().transient_errors, 1);
    assert_eq!(d.in_flight(), 3, "the third operation started after the retry");
    for nop in nops {
        assert_eq!(run(&d, nop).map_err(|e| e.raw_os_error()), Ok(()));
    }
    assert_eq!(sim.stats().consumed, 3);
}

/// A cancellation pushed into a full SQ submits to make room; a transient
/// failure of that submit is counted and retried, and the cancellation
/// goes in. (The `is_transient()` guard of `push_retrying`, and its
/// counter update.)
#[test]
fn a_transient_failure_while_pushing_a_cancellation_is_counted_and_retried() {
    let sim = SimKernel::new(SimConfig::default());
    sim.set_chaos(verification::Chaos { hold: true, auto_release: false, ..verification::Chaos::default() });
    let ring = Builder::new(2).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    // A sleep held in the kernel, then two NOPs filling the SQ unsubmitted.
    let mut sleep = d.sleep(Duration::from_secs(60));
    assert!(poll_once(&mut sleep).is_pending());
    d.park(Some(Duration::from_millis(1))).unwrap();
    assert_eq!(sim.inflight().len(), 1, "the sleep is in the kernel");
    let mut nops: Vec<_> = (0..2).map(|_| d.nop()).collect();
    for n in &mut nops {
        assert!(poll_once(n).is_pending());
    }
    // Dropping the sleep cancels it: the cancellation needs an SQ slot, so
    // the driver submits first, and that submit fails once.
    sim.script(EnterFault::Fail(libc::EBUSY));
    drop(sleep);
    assert_eq!(d.stats().transient_errors, 1);
    assert_eq!(d.stats().cancels, 1, "the cancellation went in after the retry");
    sim.release_all();
    for nop in nops {
        assert_eq!(run(&d, nop).map_err(|e| e.raw_os_error()), Ok(()));
    }
}

/// A kernel that refuses `RWF_DSYNC`/`RWF_SYNC` (`EOPNOTSUPP`): the AIO
/// context's first sync write finds out, is redone as a write linked to
/// an `fsync`, and the context (with its clones) keeps that method.
#[test]
fn aio_sync_writes_fall_back_to_a_linked_fsync_where_the_flags_are_refused() {
    use ring_core::adapters::AioContext;
    use ring_core::buf::AlignedBuf;
    use ring_core::ops::{SyncLevel, SyncMethod};
    for refused in [true, false] {
        let sim = SimKernel::new(SimConfig { rw_flags_unsupported: refused, ..SimConfig::default() });
        let ring = Builder::new(8).build_on(sim.clone()).unwrap();
        let d = Driver::with_ring(ring, Batch::default());
        let fd = sim.add_file(vec![0u8; 8192]);
        // SAFETY: the simulated kernel keeps its file open for the whole
        // test, and the handle only reaches operations on that kernel.
        let file = unsafe { ring_core::SharedFd::borrow_raw(fd) };
        let ctx = AioContext::new(&d, 2);
        let clone = ctx.clone();
        let mut buf = AlignedBuf::new(4096).unwrap();
        buf.as_mut_slice().fill(9);
        let (n, buf) = run(&d, ctx.write_sync(&file, 4096, buf, SyncLevel::Data)).unwrap();
        assert_eq!(n, 4096);
        let want = if refused { SyncMethod::FsyncLink } else { SyncMethod::Flags };
        assert_eq!(clone.sync_method(), Some(want));
        assert!(sim.file_data(fd).unwrap()[4096..].iter().all(|&b| b == 9));
        // The next one goes straight to the learnt method.
        let (n, _) = run(&d, clone.write_sync(&file, 0, buf, SyncLevel::Full)).unwrap();
        assert_eq!(n, 4096);
        assert_eq!(ctx.in_flight(), 0);
        assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    }
}

/// A handle on descriptor `fd` of the simulated kernel.
fn sim_fd(fd: std::os::fd::RawFd) -> ring_core::SharedFd {
    // SAFETY: `fd` names an object of the simulated kernel that this test
    // never closes; the handle only reaches operations on that kernel, and
    // dropping it closes nothing.
    unsafe { ring_core::SharedFd::borrow_raw(fd) }
}

/// On a CQ of two, two multishot streams hold both CQ credits. Dropping
/// them must still end them: their cancellations cannot wait for a credit
/// (none comes back until a stream ends, and a stream ends only when it is
/// cancelled), so the driver cancels them from the register call
/// (`IORING_REGISTER_SYNC_CANCEL`), which posts no completion of its own.
#[test]
fn dropped_streams_holding_every_credit_are_still_cancelled() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(1).cq_size(2).build_on(sim.clone()).unwrap();
    assert_eq!(ring.params().cq_entries, 2);
    let d = Driver::with_ring(ring, Batch::default());
    let (a, b) = (sim_fd(sim.add_pollable()), sim_fd(sim.add_pollable()));
    let mut cx = Context::from_waker(Waker::noop());
    let mut s1 = d.poll_multishot(&a, libc::POLLIN as u32);
    let mut s2 = d.poll_multishot(&b, libc::POLLIN as u32);
    assert!(s1.poll_next(&mut cx).is_pending());
    assert!(s2.poll_next(&mut cx).is_pending());
    d.poll().unwrap();
    assert_eq!(d.credits(), 0, "the two streams hold both credits");
    drop(s1);
    drop(s2);
    for _ in 0..20 {
        if d.in_flight() == 0 {
            break;
        }
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(d.in_flight(), 0, "the dropped streams were never cancelled: {:?}", d.stats());
    assert_eq!(d.stats().orphans_reaped, 2);
    assert_eq!(d.credits(), 2);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// On a kernel without `IORING_REGISTER_SYNC_CANCEL` (before 6.0), a
/// cancellation with no credit free waits in the backlog and is sent as an
/// `IORING_OP_ASYNC_CANCEL` as soon as a completion returns a credit.
#[test]
fn without_sync_cancel_a_queued_cancellation_is_sent_once_a_credit_returns() {
    let sim = SimKernel::new(SimConfig { sync_cancel: false, ..SimConfig::default() });
    let ring = Builder::new(1).cq_size(2).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let (r, w) = sim.add_pipe();
    let a = sim_fd(sim.add_pollable());
    let mut cx = Context::from_waker(Waker::noop());
    let mut stream = d.poll_multishot(&a, libc::POLLIN as u32);
    assert!(stream.poll_next(&mut cx).is_pending());
    let mut read = d.read(&sim_fd(r), Vec::<u8>::with_capacity(4));
    assert!(Pin::new(&mut read).poll(&mut cx).is_pending());
    d.poll().unwrap();
    assert_eq!(d.credits(), 0);
    drop(stream);
    d.poll().unwrap();
    assert_eq!(d.stats().cancels, 0, "no credit, and no register call to cancel with");
    // The read completes and returns its credit: the cancellation goes.
    sim.pipe_write(w, b"data");
    let (n, _) = run(&d, &mut read);
    assert_eq!(n.unwrap(), 4);
    for _ in 0..20 {
        if d.in_flight() == 0 {
            break;
        }
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(d.stats().cancels, 1);
    assert_eq!((d.in_flight(), d.stats().orphans_reaped), (0, 1));
}

/// A linked chain becomes visible to the kernel all at once: while the
/// driver starts chains of three NOPs, another thread reads the SQ tail as
/// the kernel would, as fast as it can, and every tail it sees must end a
/// chain (a multiple of three from the start). A driver (or `push_all`)
/// that published members one by one would show a tail inside a chain
/// whenever the reader looked between two members; the loom model
/// `loom_sq_paths::sq_push_all_chain_published_whole` checks every
/// interleaving of the queue itself, and this test checks the driver's use
/// of it on real threads (it catches such a driver with high probability,
/// not certainty: the reader must be running at the moment).
#[test]
fn chains_become_visible_to_the_kernel_whole() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let fd = sim.ring_fds()[0];
    let d = Driver::with_ring(ring, ring_core::driver::Immediate);
    let base = sim.sq_tail(fd).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    /// The tail word's address, sent to the reader thread.
    struct Tail(*const std::sync::atomic::AtomicU32);
    // SAFETY: the pointer names an atomic word, which any thread may load.
    unsafe impl Send for Tail {}
    let tail = Tail(sim.sq_tail_ptr(fd).unwrap());
    let reader = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let tail = tail;
            let (mut inside, mut reads) = (Vec::new(), 0u64);
            while !stop.load(Ordering::Relaxed) {
                // SAFETY: the ring stays mapped until the driver is dropped,
                // after this thread is joined; the word is only ever
                // accessed atomically.
                let t = unsafe { (*tail.0).load(Ordering::Acquire) };
                reads += 1;
                if t.wrapping_sub(base) % 3 != 0 && inside.len() < 8 {
                    inside.push(t.wrapping_sub(base));
                }
            }
            (inside, reads)
        })
    };
    let mut cx = Context::from_waker(Waker::noop());
    // Under Miri (which interprets every access) a few chains show that the
    // code is free of undefined behaviour; the catching needs many.
    for _ in 0..if cfg!(miri) { 20 } else { 10_000 } {
        let mut c = d.chain();
        let links = [c.push(ring_core::ops::Nop), c.push(ring_core::ops::Nop), c.push(ring_core::ops::Nop)];
        let mut start = c.start();
        let mut started = loop {
            match Pin::new(&mut start).poll(&mut cx) {
                Poll::Ready(Ok(s)) => break s,
                Poll::Ready(Err(e)) => panic!("the chain was refused: {e}"),
                Poll::Pending => d.poll().unwrap(),
            }
        };
        for link in links {
            let op = started.take(link).expect("own link");
            run(&d, op).unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (inside, reads) = reader.join().unwrap();
    assert!(inside.is_empty(), "the kernel saw the SQ tail inside a chain (offsets from the start: {inside:?})");
    assert!(reads > 0);
    if std::env::var_os("CHAIN_READS").is_some() {
        eprintln!("{reads} reads of the tail");
    }
    assert!(sim.split_chains().is_empty(), "{:?}", sim.split_chains());
}

/// A deadline holds while the operation waits for a credit: every credit
/// is held by pipe reads that never complete, and a read given a 20 ms
/// deadline resolves as timed out with its buffer, having never reached
/// the (simulated) kernel; nothing is left in flight of it, no memory
/// access is reported, and the driver's waits end by the deadline (the
/// simulator records no stall).
#[test]
fn a_deadline_holds_while_waiting_for_a_credit() {
    let sim = SimKernel::new(SimConfig::default());
    let ring = Builder::new(2).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    let mut cx = Context::from_waker(Waker::noop());
    let mut hogs = Vec::new();
    while d.credits() > 0 {
        let (r, _w) = sim.add_pipe();
        let mut read = d.read(&sim_fd(r), Vec::<u8>::with_capacity(4));
        assert!(Pin::new(&mut read).poll(&mut cx).is_pending());
        d.poll().unwrap();
        hogs.push(read);
    }
    let in_flight = d.in_flight();
    let (r, _w) = sim.add_pipe();
    let start = std::time::Instant::now();
    let out = run(&d, d.read(&sim_fd(r), Vec::<u8>::with_capacity(64)).with_timeout(Duration::from_millis(20)));
    assert!(out.timed_out());
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(out.into_inner().1.capacity(), 64, "the buffer came back");
    assert_eq!(d.in_flight(), in_flight, "nothing of the timed read reached the kernel");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    assert!(sim.stalls().is_empty(), "{:?}", sim.stalls());
    drop(hogs);
}

/// On a kernel that refuses `IORING_REGISTER_SYNC_CANCEL` (`EINVAL`, before
/// 6.0), teardown still cancels operations that hold every CQ credit and
/// would never complete by themselves (reads of pipes nobody writes): with
/// no credit free and no register call to cancel with, it sends each
/// cancellation without a credit (the kernel keeps an overflowing
/// completion), so nothing is leaked and no memory access is reported.
#[test]
fn without_sync_cancel_teardown_cancels_reads_holding_every_credit() {
    let sim = SimKernel::new(SimConfig { sync_cancel: false, ..SimConfig::default() });
    let ring = Builder::new(2).cq_size(2).build_on(sim.clone()).unwrap();
    let d = Driver::with_ring(ring, Batch::default());
    d.set_teardown_deadline(Duration::from_millis(500));
    let mut cx = Context::from_waker(Waker::noop());
    let mut reads = Vec::new();
    while d.credits() > 0 {
        let (r, _w) = sim.add_pipe();
        let mut read = d.read(&sim_fd(r), Vec::<u8>::with_capacity(4));
        assert!(Pin::new(&mut read).poll(&mut cx).is_pending());
        d.poll().unwrap();
        reads.push(read);
    }
    assert_eq!(reads.len(), 2, "the CQ's two credits are held by the reads");
    let report = d.shutdown();
    assert_eq!(report.in_flight, 2, "{report:?}");
    assert_eq!(report.leaked, 0, "teardown waited for a credit no read returns: {report:?} {:?}", d.stats());
    assert_eq!(d.stats().cancels, 2, "{:?}", d.stats());
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    // Each read ended by its cancellation and is freed with its future.
    drop(reads);
    assert_eq!(d.in_flight(), 0);
}
