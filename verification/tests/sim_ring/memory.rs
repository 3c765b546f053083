//! Operations and the user memory they hold: reads and writes through it,
//! a write into freed memory reported, completions in any order, link
//! chains.

use super::*;

#[test]
fn reads_and_writes_go_through_user_memory() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(b"hello, world".to_vec());
    let mut buf = vec![0u8; 5];
    let src = b"WORLD".to_vec();
    let iov_a = vec![0u8; 3];
    let iov_b = vec![0u8; 4];
    let iovs = [
        libc::iovec { iov_base: iov_a.as_ptr() as *mut _, iov_len: 3 },
        libc::iovec { iov_base: iov_b.as_ptr() as *mut _, iov_len: 4 },
    ];
    let iov_box = Box::new(iovs);
    // SAFETY: the buffers and the iovec array live until the completions
    // are reaped below.
    unsafe {
        push_raw(&mut ring, &rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 5, 7, 1));
        push_raw(&mut ring, &rw(IORING_OP_WRITE, fd, src.as_ptr(), 5, 0, 2));
        push_raw(&mut ring, &rw(IORING_OP_READV, fd, iov_box.as_ptr().cast(), 2, 5, 3));
    }
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, 5), (2, 5), (3, 7)]);
    assert_eq!(&buf, b"world");
    assert_eq!(&iov_a, b", w");
    assert_eq!(&iov_b, b"orld");
    assert_eq!(sim.file_data(fd).unwrap(), b"WORLD, world");
    assert_clean(&sim);
}

#[test]
fn kernel_write_into_freed_buffer_is_reported() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(vec![7u8; 64]);
    let mut buf = vec![0u8; 64];
    let addr = buf.as_mut_ptr();
    // SAFETY: deliberately broken: the buffer is freed while the read is in
    // flight, which is what the simulator must catch (it checks before it
    // writes, so nothing is actually written into freed memory).
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, fd, addr, 64, 0, 9)) };
    ring.submit().unwrap();
    let held = sim.inflight();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].state, InflightState::Held);
    assert_eq!(held[0].held[0].addr, addr as u64);
    drop(buf);
    assert!(sim.release(9));
    let c = drain(&mut ring);
    assert_eq!(c[0].res, -libc::EFAULT);
    let v = sim.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].contains("freed memory"), "{v:?}");
}

#[test]
fn completions_arrive_in_any_order() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    for i in 0..8 {
        assert!(push(&mut ring, &nop(i)));
    }
    ring.submit().unwrap();
    assert_eq!(ring.cq().ready(), 0);
    for i in (0..8).rev() {
        assert!(sim.release(i));
    }
    let order: Vec<_> = drain(&mut ring).iter().map(|c| c.user_data).collect();
    assert_eq!(order, (0..8).rev().collect::<Vec<_>>());
    assert_clean(&sim);
}

#[test]
fn link_chains_break_on_failure_and_hardlinks_survive_it() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let link = |mut s: io_uring_sqe, f: u8| {
        s.flags |= f;
        s
    };
    let bad_read = io_uring_sqe { opcode: IORING_OP_READ, fd: 9999, user_data: 2, ..Default::default() };
    assert!(push(&mut ring, &link(nop(1), IOSQE_IO_LINK)));
    assert!(push(&mut ring, &link(bad_read, IOSQE_IO_LINK)));
    assert!(push(&mut ring, &link(nop(3), IOSQE_IO_LINK)));
    assert!(push(&mut ring, &nop(4)));
    ring.submit_and_wait(4).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, 0), (2, -libc::EBADF), (3, -libc::ECANCELED), (4, -libc::ECANCELED)]);
    let bad_read = io_uring_sqe { opcode: IORING_OP_READ, fd: 9999, user_data: 6, ..Default::default() };
    assert!(push(&mut ring, &link(bad_read, IOSQE_IO_HARDLINK)));
    assert!(push(&mut ring, &link(nop(7), IOSQE_CQE_SKIP_SUCCESS)));
    assert!(push(&mut ring, &nop(8)));
    ring.submit_and_wait(2).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    // The hard link ran 7 despite 6's error; 7's success was skipped.
    assert_eq!(res, vec![(6, -libc::EBADF), (8, 0)]);
    assert_eq!(sim.executions(7), 1);
    assert_clean(&sim);
}
