//! The ways a driver enters the kernel: immediate submission, every
//! `Drive` running the same work, and busy polling.

use super::*;

/// Under `Immediate`, every operation started is one system call, counted
/// in `Stats::enters`; and parking with an operation in flight blocks in
/// the kernel until it completes instead of spinning.
#[test]
fn immediate_submission_counts_its_enters_and_a_park_blocks_instead_of_spinning() {
    let ring = ring_core::Builder::new(8).build().unwrap();
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Immediate);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let before = d.stats().enters;
    for _ in 0..5 {
        let mut nop = d.nop();
        assert!(std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending());
        while std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending() {
            d.park(Some(Duration::from_millis(100))).unwrap();
        }
    }
    let after = d.stats().enters;
    assert!(after >= before + 5, "each start under Immediate is an enter: {before} -> {after}");
    // A 50 ms timer: one park waits for it (a few enters at most), where a
    // park that never waits would spin through thousands.
    let mut sleep = d.sleep(Duration::from_millis(50));
    assert!(std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending());
    let start = d.stats().enters;
    while std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending() {
        d.park(None).unwrap();
    }
    let spent = d.stats().enters - start;
    assert!(spent <= 10, "a park with a timer in flight waits in the kernel ({spent} enters for 50 ms)");
}

/// The drives a driver can run with: the default (as `with_ring` builds
/// it), the default spelled as a `Drive`, and busy-polling.
fn runtimes_with_each_drive(entries: u32) -> Vec<(&'static str, Runtime)> {
    use ring_core::driver::{Batch, BusyPoll, DefaultDrive, Immediate};
    use ring_core::Builder;
    vec![
        ("with_ring(Batch)", Runtime::with_ring(Builder::new(entries).build().unwrap(), Batch::default()).unwrap()),
        (
            "DefaultDrive(Immediate)",
            Runtime::with_drive(Builder::new(entries).build().unwrap(), DefaultDrive::new(Immediate)).unwrap(),
        ),
        (
            "BusyPoll",
            Runtime::with_drive(Builder::new(entries).build().unwrap(), BusyPoll::new(Duration::from_micros(200)))
                .unwrap(),
        ),
    ]
}

/// The same behaviour under every drive: file I/O, a timer, and more
/// operations at once than the SQ holds (so a full SQ is made room in).
#[test]
fn every_drive_runs_file_io_timers_and_more_operations_than_the_sq_holds() {
    for (name, rt) in runtimes_with_each_drive(4) {
        let (path, file) = temp_file(&format!("drive-{}", name.len()));
        let file = Rc::new(file);
        let d = rt.driver().clone();
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                rt.spawn({
                    let d = d.clone();
                    async move { d.nop().await }
                })
            })
            .collect();
        let out = rt
            .block_on(async move {
                let (n, _) = d.write_at(&file, b"drive".to_vec(), 0).await;
                assert_eq!(n.unwrap(), 5);
                let (n, buf) = d.read_at(&file, Vec::with_capacity(16), 0).await;
                assert_eq!(n.unwrap(), 5);
                let start = Instant::now();
                assert!(d.sleep(Duration::from_millis(5)).await.unwrap());
                assert!(start.elapsed() >= Duration::from_millis(5));
                for t in tasks {
                    t.await.unwrap().unwrap();
                }
                buf
            })
            .unwrap();
        assert_eq!(out, b"drive", "{name}");
        assert_eq!(rt.driver().in_flight(), 1, "{name}: only the runtime's eventfd read is left");
        std::fs::remove_file(path).unwrap();
    }
}

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    // SAFETY: getrusage writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_THREAD names the calling thread.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) }, 0);
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(u.ru_utime) + t(u.ru_stime)
}

/// The drives really differ: waiting on a 60 ms timer, the default blocks
/// in the kernel (little CPU), busy-polling spins (CPU for most of the
/// wait); both see the timer fire, and a park with a timeout shorter than
/// the spin returns within about that timeout.
#[test]
fn busy_poll_spins_where_the_default_drive_blocks() {
    use ring_core::driver::{BusyPoll, DefaultDrive};
    use ring_core::{Builder, Driver};
    let wait = Duration::from_millis(60);
    let cpu_for = |d: &Driver| {
        let mut sleep = std::pin::pin!(d.sleep(wait));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let cpu = thread_cpu();
        while sleep.as_mut().poll(&mut cx).is_pending() {
            d.park(None).unwrap();
        }
        thread_cpu() - cpu
    };
    let default =
        Driver::with_drive(Builder::new(8).build().unwrap(), DefaultDrive::new(ring_core::driver::Batch::default()));
    let busy = Driver::with_drive(Builder::new(8).build().unwrap(), BusyPoll::new(Duration::from_secs(1)));
    let blocked = cpu_for(&default);
    let spun = cpu_for(&busy);
    // CPU time, not wall time: on a loaded machine the spinning thread is
    // descheduled for part of the wait, so the bounds are loose.
    assert!(blocked < Duration::from_millis(10), "the default drive blocks: {blocked:?}");
    assert!(spun >= wait / 10 && spun > blocked * 3, "busy-polling spins: {spun:?} (default: {blocked:?})");

    let (r, _w) = pipe();
    let mut read = std::pin::pin!(busy.read(&r, Vec::with_capacity(8)));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(read.as_mut().poll(&mut cx).is_pending());
    let start = Instant::now();
    busy.park(Some(Duration::from_millis(20))).unwrap();
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(20) && took < Duration::from_millis(200), "{took:?}");
}
