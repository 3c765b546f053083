//! The model files: pipes that block until written, timeouts on the
//! virtual clock, open/statx/close, and the driver on top.

use super::*;

#[test]
fn pipe_read_blocks_until_written() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let (r, w) = sim.add_pipe();
    let mut buf = vec![0u8; 8];
    // SAFETY: `buf` outlives the completion.
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, r, buf.as_mut_ptr(), 8, u64::MAX, 1)) };
    ring.submit().unwrap();
    assert!(ring.cq().pop().is_none());
    sim.pipe_write(w, b"abc");
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.res, 3);
    assert_eq!(&buf[..3], b"abc");
    assert_clean(&sim);
}

#[test]
fn timeouts_fire_on_the_virtual_clock_or_by_count() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let ts = Box::new(__kernel_timespec { tv_sec: 2, tv_nsec: 0 });
    let mut t = io_uring_sqe { opcode: IORING_OP_TIMEOUT, len: 1, user_data: 1, ..Default::default() };
    t.set_addr((&raw const *ts) as u64);
    // SAFETY: `ts` outlives the submission (it is copied then).
    unsafe { push_raw(&mut ring, &t) };
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().res, -libc::ETIME);
    assert_eq!(sim.now(), Duration::from_secs(2));
    // A count of two: two other completions end it with 0.
    t.user_data = 2;
    t.set_off(2);
    // SAFETY: as above.
    unsafe { push_raw(&mut ring, &t) };
    assert!(push(&mut ring, &nop(3)));
    assert!(push(&mut ring, &nop(4)));
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(3, 0), (4, 0), (2, 0)]);
    // An EXT_ARG wait with nothing in flight ends with its timeout.
    assert_eq!(ring.submit_and_wait_timeout(1, Duration::from_millis(5)).unwrap(), 0);
    if !cfg!(miri) {
        assert_eq!(sim.now(), Duration::from_millis(2005));
    }
    assert_clean(&sim);
}

#[test]
fn openat_statx_close() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    sim.add_path("/data", b"0123456789".to_vec());
    let path = b"/data\0".to_vec();
    let mut o = io_uring_sqe { opcode: IORING_OP_OPENAT, fd: libc::AT_FDCWD, user_data: 1, ..Default::default() };
    o.set_addr(path.as_ptr() as u64);
    // SAFETY: the path is copied at submission and outlives it.
    unsafe { push_raw(&mut ring, &o) };
    ring.submit_and_wait(1).unwrap();
    let fd = ring.cq().pop().unwrap().res;
    assert!(fd >= 0);
    // SAFETY: `statx` is plain integers; zero is a valid value.
    let st = Box::new(unsafe { core::mem::zeroed::<libc::statx>() });
    let st_ptr = Box::into_raw(st);
    let mut s = io_uring_sqe { opcode: IORING_OP_STATX, fd: libc::AT_FDCWD, user_data: 2, ..Default::default() };
    s.set_addr(path.as_ptr() as u64);
    s.set_addr2(st_ptr as u64);
    // SAFETY: the path and the statx buffer live until the completion.
    unsafe { push_raw(&mut ring, &s) };
    assert!(push(&mut ring, &io_uring_sqe { opcode: IORING_OP_CLOSE, fd, user_data: 3, ..Default::default() }));
    ring.submit_and_wait(2).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(2, 0), (3, 0)]);
    // SAFETY: from `Box::into_raw` above; the kernel is done with it.
    let st = unsafe { Box::from_raw(st_ptr) };
    assert_eq!(st.stx_size, 10);
    assert!(!sim.is_open(fd));
    assert_clean(&sim);
}

#[test]
fn driver_runs_on_the_simulator() {
    let sim = SimKernel::starting_at(u32::MAX - 1);
    let ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let driver = ring_core::Driver::with_ring(ring, ring_core::driver::Immediate);
    let fd = sim.add_file(b"simulated".to_vec());
    for round in 0..if cfg!(miri) { 3 } else { 50 } {
        // SAFETY: the SQE reads into the Vec owned by the operation.
        let op = unsafe {
            driver.submit_raw(vec![0u8; 9], move |buf: &mut Vec<u8>| rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 9, 0, 0))
        };
        let (cqe, buf) = block_on(&driver, op);
        assert_eq!(cqe.res, 9, "round {round}");
        assert_eq!(&buf, b"simulated");
    }
    drop(driver);
    assert_eq!(sim.live_rings(), 0, "the ring's memory is released");
    assert_clean(&sim);
}

/// Polls `fut` to completion, parking the driver in between.
fn block_on<F: core::future::Future>(driver: &ring_core::Driver<SimKernel>, fut: F) -> F::Output {
    let mut fut = core::pin::pin!(fut);
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    loop {
        if let core::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        driver.park(None).unwrap();
    }
}
