//! Timeouts, linked timeouts and cancellation, and what a failing link
//! does to the rest of its chain.

use super::*;

// ------------------------------------------------ TIMEOUT / TIMEOUT_REMOVE

#[test]
fn op11_timeout() {
    let mut ring = ring();
    // Relative: fires with -ETIME after about the requested time.
    let ts = Timespec::from(Duration::from_millis(50));
    let start = Instant::now();
    // SAFETY: `ts` outlives the completion reaped below.
    unsafe { ring.sq().push(&Timeout::new(&ts).build().user_data(1)) }.unwrap();
    let c = one(&mut ring);
    let took = start.elapsed();
    assert_eq!(c.res, -libc::ETIME);
    assert!(took >= Duration::from_millis(45), "fired early: {took:?}");
    assert!(took < Duration::from_secs(3), "fired late: {took:?}");

    // Count: completes with 0 as soon as one other completion posts.
    let long = Timespec::from(Duration::from_secs(10));
    // SAFETY: `long` outlives the completions; the NOP points at nothing.
    unsafe { ring.sq().push(&Timeout::new(&long).count(1).build().user_data(2)) }.unwrap();
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().build().user_data(3)) }.unwrap();
    let start = Instant::now();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 0));
    assert!(start.elapsed() < Duration::from_secs(5));

    // Absolute, on CLOCK_MONOTONIC.
    // SAFETY: all-zero is a valid timespec, written by clock_gettime.
    let mut now: libc::timespec = unsafe { core::mem::zeroed() };
    // SAFETY: `now` is valid for writes.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    let at = Duration::new(now.tv_sec as u64, now.tv_nsec as u32) + Duration::from_millis(40);
    let abs = Timespec::from(at);
    let start = Instant::now();
    // SAFETY: `abs` outlives the completion.
    unsafe { ring.sq().push(&Timeout::new(&abs).flags(IORING_TIMEOUT_ABS).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::ETIME);
    assert!(start.elapsed() >= Duration::from_millis(30));

    // ETIME_SUCCESS (5.16): the expiry still reports -ETIME but does not
    // count as a failure, so the linked NOP runs; without the flag the
    // same chain cancels the NOP.
    let short = Timespec::from(Duration::from_millis(5));
    for (flags, nop_res) in [(IORING_TIMEOUT_ETIME_SUCCESS, 0), (0, ECANCELED)] {
        let t = Timeout::new(&short).flags(flags).build().user_data(20).flags(SqeFlags::IO_LINK);
        let n = Nop::new().build().user_data(21);
        // SAFETY: `short` outlives both completions; the NOP points at nothing.
        unsafe { ring.sq().push_all(&[t.into_sqe(), n.into_sqe()]) }.unwrap();
        let v = sorted(&mut ring, 2);
        assert_eq!((v[0].res, v[1].res), (-libc::ETIME, nop_res), "timeout flags {flags:#x}");
    }

    // Multishot (6.4): three expirations, the first two flagged F_MORE.
    if !caps::multishot_timeouts("op11_timeout (the multishot half)") {
        return;
    }
    let tick = Timespec::from(Duration::from_millis(15));
    let e = Timeout::new(&tick).count(3).flags(IORING_TIMEOUT_MULTISHOT).build().user_data(9);
    let start = Instant::now();
    // SAFETY: `tick` outlives all three completions.
    unsafe { ring.sq().push(&e) }.unwrap();
    let v = collect(&mut ring, 3);
    let took = start.elapsed();
    assert!(v.iter().all(|c| c.user_data == 9 && c.res == -libc::ETIME), "{v:?}");
    assert_eq!(v.iter().map(Cqe::more).collect::<Vec<_>>(), [true, true, false]);
    assert!(took >= Duration::from_millis(40), "three 15 ms ticks took {took:?}");
}

#[test]
fn op12_timeout_remove() {
    let mut ring = ring();
    let long = Timespec::from(Duration::from_secs(10));
    // SAFETY: `long` outlives the completions below (the timeout is
    // removed, and its completion reaped, within this test).
    unsafe { ring.sq().push(&Timeout::new(&long).build().user_data(1)) }.unwrap();
    ring.submit().unwrap();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&TimeoutRemove::new(1).build().user_data(2)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (ECANCELED, 0));

    // Update: a 10 s timeout shortened to 20 ms fires soon after.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Timeout::new(&long).build().user_data(3)) }.unwrap();
    ring.submit().unwrap();
    let short = Timespec::from(Duration::from_millis(20));
    let start = Instant::now();
    // SAFETY: `short` outlives the completions.
    unsafe { ring.sq().push(&TimeoutRemove::new(3).update(&short).build().user_data(4)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].user_data, v[0].res), (3, -libc::ETIME));
    assert_eq!((v[1].user_data, v[1].res), (4, 0));
    assert!(start.elapsed() < Duration::from_secs(5));
}

// ----------------------------------------------------------- ASYNC_CANCEL

#[test]
fn op14_async_cancel() {
    let (r, _w) = pipe();
    let (r2, _w2) = pipe();
    let mut bufs = [[0u8; 8]; 5];
    let mut ring = ring();
    register_files(&ring, &[raw(&r2)]);
    let targets: [(ring_core::Target, u64); 5] =
        [(raw(&r).into(), 1), (raw(&r).into(), 2), (raw(&r).into(), 3), (Fixed(0).into(), 4), (Fixed(0).into(), 5)];
    for ((fd, ud), b) in targets.into_iter().zip(bufs.iter_mut()) {
        let e = Read::new(fd, b.as_mut_ptr(), 8).offset(u64::MAX).build().user_data(ud);
        // SAFETY: every read buffer is in `bufs`, which outlives all the
        // completions reaped in this test (every read is cancelled below).
        unsafe { ring.sq().push(&e) }.unwrap();
    }
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)), "reads of empty pipes completed");
    let mut cancel = |e: ring_core::Entry, n: usize| {
        // SAFETY: a cancel points at no memory.
        unsafe { ring.sq().push(&e.user_data(100)) }.unwrap();
        sorted(&mut ring, n).iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>()
    };
    // By user_data: exactly read 1 goes.
    assert_eq!(cancel(AsyncCancel::new(1).build(), 2), [(1, ECANCELED), (100, 0)]);
    // By registered file, every match: reads 4 and 5; the result counts them.
    assert_eq!(cancel(AsyncCancel::by_fd(Fixed(0)).all(true).build(), 3), [(4, ECANCELED), (5, ECANCELED), (100, 2)]);
    // By opcode and user_data together (6.6): only read 3, although read 2
    // is on the same file with the same opcode. Without the opcode
    // criterion, by user data alone.
    if caps::async_cancel_by_opcode("op14_async_cancel (the opcode criterion)") {
        assert_eq!(cancel(AsyncCancel::new(3).opcode(IORING_OP_READ).build(), 2), [(3, ECANCELED), (100, 0)]);
    } else {
        assert_eq!(cancel(AsyncCancel::new(3).build(), 2), [(3, ECANCELED), (100, 0)]);
    }
    // By plain descriptor: read 2 is the last one on `r`.
    assert_eq!(cancel(AsyncCancel::by_fd(raw(&r)).all(true).build(), 2), [(2, ECANCELED), (100, 1)]);
    // Nothing left to match.
    assert_eq!(cancel(AsyncCancel::new(12345).build(), 1), [(100, -libc::ENOENT)]);
    let any = cancel(AsyncCancel::any_request().all(true).build(), 1);
    assert!(any == [(100, 0)] || any == [(100, -libc::ENOENT)], "{any:?}");
}

// ----------------------------------------------------------- LINK_TIMEOUT

#[test]
fn op15_link_timeout() {
    let (r, _w) = pipe();
    let mut buf = [0u8; 8];
    let mut ring = ring();
    let ts = Timespec::from(Duration::from_millis(30));
    let read = Read::new(raw(&r), buf.as_mut_ptr(), 8).offset(u64::MAX).build().user_data(1).flags(SqeFlags::IO_LINK);
    let lt = LinkTimeout::new(&ts).build().user_data(2);
    let start = Instant::now();
    // SAFETY: `buf` and `ts` outlive both completions reaped below.
    unsafe { ring.sq().push_all(&[read.into_sqe(), lt.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (ECANCELED, -libc::ETIME));
    assert!(start.elapsed() >= Duration::from_millis(25));

    // The operation wins: the timeout is cancelled.
    let long = Timespec::from(Duration::from_secs(10));
    let nop = Nop::new().build().user_data(3).flags(SqeFlags::IO_LINK);
    let lt = LinkTimeout::new(&long).build().user_data(4);
    // SAFETY: `long` outlives the completions; the NOP points at nothing.
    unsafe { ring.sq().push_all(&[nop.into_sqe(), lt.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, ECANCELED));
}

#[test]
fn linked_chain_failure_cancels_the_rest() {
    let f = TempPath::with("chain", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut buf = [0u8; 4];
    let data = *b"never";
    let mut ring = ring();
    let bad = Read::new(1_000_000, buf.as_mut_ptr(), 4).build().user_data(1).flags(SqeFlags::IO_LINK);
    let w = Write::new(raw(&file), data.as_ptr(), 5).build().user_data(2).flags(SqeFlags::IO_LINK);
    let n = Nop::new().build().user_data(3);
    // SAFETY: `buf` and `data` outlive the three completions reaped below.
    unsafe { ring.sq().push_all(&[bad.into_sqe(), w.into_sqe(), n.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 3);
    assert_eq!(v.iter().map(|c| c.res).collect::<Vec<_>>(), [-libc::EBADF, ECANCELED, ECANCELED]);
    assert!(std::fs::read(f.path()).unwrap().is_empty(), "the cancelled write did not run");
}
