//! Cancellation (found, not found, losing the race), multishot polls, and
//! zero-copy sends' late notifications.

use super::*;

fn cancel(target: u64, user_data: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode: IORING_OP_ASYNC_CANCEL, fd: -1, user_data, ..Default::default() };
    sqe.set_addr(target);
    sqe
}

fn poll(fd: i32, user_data: u64, multi: bool) -> io_uring_sqe {
    let mut sqe = io_uring_sqe {
        opcode: IORING_OP_POLL_ADD,
        fd,
        user_data,
        len: if multi { IORING_POLL_ADD_MULTI } else { 0 },
        ..Default::default()
    };
    sqe.set_poll32_events(libc::POLLIN as u32);
    sqe
}

#[test]
fn cancel_finds_its_target_or_reports_why_not() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_pollable();
    assert!(push(&mut ring, &poll(fd, 1, false)));
    ring.submit().unwrap();
    assert!(ring.cq().pop().is_none(), "the poll blocks");
    assert!(push(&mut ring, &cancel(1, 100)));
    assert!(push(&mut ring, &cancel(42, 101)));
    ring.submit_and_wait(3).unwrap();
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    assert_eq!(res, vec![(1, -libc::ECANCELED), (100, 0), (101, -libc::ENOENT)]);
    assert_clean(&sim);
}

#[test]
fn cancel_can_lose_the_race() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { hold: true, cancel_race: 1000, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_file(b"data".to_vec());
    let mut buf = vec![0u8; 4];
    // SAFETY: `buf` outlives the completion, reaped below.
    unsafe { push_raw(&mut ring, &rw(IORING_OP_READ, fd, buf.as_mut_ptr(), 4, 0, 1)) };
    ring.submit().unwrap();
    assert!(push(&mut ring, &cancel(1, 2)));
    ring.submit().unwrap();
    assert!(sim.release(2));
    let res: Vec<_> = drain(&mut ring).iter().map(|c| (c.user_data, c.res)).collect();
    // Both CQEs: the target with its real result, the cancel too late.
    assert_eq!(res, vec![(1, 4), (2, -libc::EALREADY)]);
    assert_eq!(&buf, b"data");
    assert_clean(&sim);
}

#[test]
fn multishot_poll_streams_until_cancelled_or_ended() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let fd = sim.add_pollable();
    assert!(push(&mut ring, &poll(fd, 1, true)));
    ring.submit().unwrap();
    for _ in 0..3 {
        sim.set_ready(fd, libc::POLLIN as u32);
    }
    let c = drain(&mut ring);
    assert_eq!(c.len(), 3);
    assert!(c.iter().all(|c| c.more() && c.res == libc::POLLIN as i32));
    assert!(push(&mut ring, &cancel(1, 2)));
    ring.submit().unwrap();
    let c = drain(&mut ring);
    assert_eq!((c[0].user_data, c[0].res, c[0].more()), (1, -libc::ECANCELED, false));
    // With chaos the stream may end on its own, early.
    sim.set_chaos(Chaos { end_multishot: 1000, ..Chaos::default() });
    assert!(push(&mut ring, &poll(fd, 3, true)));
    ring.submit().unwrap();
    let c = drain(&mut ring);
    assert_eq!(c.len(), 1, "the fd was ready at arm time");
    assert!(!c[0].more());
    assert_clean(&sim);
}

#[test]
fn send_zc_posts_notifications_late_and_out_of_order() {
    let sim = SimKernel::default();
    sim.set_chaos(Chaos { shuffle_notifs: true, seed: 5, ..Chaos::default() });
    let mut ring = Builder::new(8).build_on(sim.clone()).unwrap();
    let sock = sim.add_socket();
    let bufs: Vec<Vec<u8>> = (0..6u8).map(|i| vec![b'a' + i; 3]).collect();
    for (i, b) in bufs.iter().enumerate() {
        let mut sqe = rw(IORING_OP_SEND_ZC, sock, b.as_ptr(), 3, 0, i as u64);
        sqe.set_off(0);
        // SAFETY: `bufs` lives until every notification is reaped below.
        unsafe { push_raw(&mut ring, &sqe) };
    }
    ring.submit().unwrap();
    let results = drain(&mut ring);
    assert_eq!(results.len(), 6);
    assert!(results.iter().all(|c| c.more() && !c.notif() && c.res == 3));
    // The buffers are still held: nothing was sent yet.
    assert!(sim.inflight().iter().all(|r| r.state == InflightState::AwaitingNotif && r.held.len() == 1));
    assert!(sim.socket_data(sock).is_empty());
    assert_eq!(sim.release_notifs(), 6);
    let notifs = drain(&mut ring);
    assert!(notifs.iter().all(|c| c.notif() && !c.more()));
    let order: Vec<_> = notifs.iter().map(|c| c.user_data).collect();
    assert_ne!(order, (0..6).collect::<Vec<_>>(), "seed 5 shuffles the notifications");
    assert_eq!(sim.socket_data(sock).len(), 18);
    assert!(sim.inflight().is_empty());
    assert_clean(&sim);
}
