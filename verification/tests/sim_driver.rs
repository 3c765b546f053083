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

/// Polls `fut` once with a no-op waker.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
}

// Transient `io_uring_enter` failures (`EINTR`, `EAGAIN`, `EBUSY`) cannot be
// provoked on the real kernel at will; the simulator fails the enters it is
// scripted to. In each case below the driver must count the failure, keep
// every operation (the entries stay published), and go on. These tests kill
// the cargo-mutants survivors of `docs/verification.md`'s fifth pass in the
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
