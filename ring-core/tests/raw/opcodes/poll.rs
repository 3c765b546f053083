//! The readiness opcodes: poll and epoll.

use super::*;

// --------------------------------------------------------------- POLL_ADD

#[test]
fn op06_poll_add() {
    let (r, w) = pipe();
    let mut ring = ring();
    // Single shot: pending until the pipe becomes readable.
    // SAFETY: poll points at no memory.
    unsafe { ring.sq().push(&PollAdd::new(raw(&r), libc::POLLIN as u32).build().user_data(1)) }.unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(20)), "poll fired on an empty pipe");
    write_fd(raw(&w), b"x");
    let c = one(&mut ring);
    assert_eq!(c.user_data, 1);
    assert!(c.res & libc::POLLIN as i32 != 0);
    assert!(!c.more());
    let _ = read_fd(raw(&r), 16);

    // Multishot: one completion with F_MORE per wake-up, until removed.
    let e = PollAdd::new(raw(&r), libc::POLLIN as u32).multi(true).build().user_data(2);
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit().unwrap();
    for _ in 0..3 {
        write_fd(raw(&w), b"y");
        let c = one(&mut ring);
        assert_eq!(c.user_data, 2);
        assert!(c.res & libc::POLLIN as i32 != 0);
        assert!(c.more(), "multishot poll completion without F_MORE: {c:?}");
        let _ = read_fd(raw(&r), 16);
    }
    // SAFETY: as above.
    unsafe { ring.sq().push(&PollRemove::new(2).build().user_data(3)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].user_data, v[0].res, v[0].more()), (2, ECANCELED, false));
    assert_eq!((v[1].user_data, v[1].res), (3, 0));
}

#[test]
fn op07_poll_remove() {
    let (r, w) = pipe();
    let mut ring = ring();
    // SAFETY: poll and poll-remove point at no memory.
    unsafe { ring.sq().push(&PollAdd::new(raw(&r), libc::POLLIN as u32).build().user_data(1)) }.unwrap();
    ring.submit().unwrap();
    // Update the pending poll's user_data, then make it fire: the event
    // must arrive under the new user_data.
    // SAFETY: as above.
    unsafe { ring.sq().push(&PollRemove::new(1).new_user_data(5).build().user_data(2)) }.unwrap();
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (2, 0));
    write_fd(raw(&w), b"z");
    let c = one(&mut ring);
    assert_eq!(c.user_data, 5);
    assert!(c.res & libc::POLLIN as i32 != 0);
    let _ = read_fd(raw(&r), 8);

    // Remove a pending poll: it completes with -ECANCELED; removing an
    // unknown one fails with -ENOENT.
    // SAFETY: as above.
    unsafe { ring.sq().push(&PollAdd::new(raw(&r), libc::POLLIN as u32).build().user_data(10)) }.unwrap();
    ring.submit().unwrap();
    // SAFETY: as above.
    unsafe { ring.sq().push(&PollRemove::new(10).build().user_data(11)) }.unwrap();
    // SAFETY: as above.
    unsafe { ring.sq().push(&PollRemove::new(999).build().user_data(12)) }.unwrap();
    let v = sorted(&mut ring, 3);
    assert_eq!(
        v.iter().map(|c| (c.user_data, c.res)).collect::<Vec<_>>(),
        [(10, ECANCELED), (11, 0), (12, -libc::ENOENT)]
    );
}

// -------------------------------------------------------------- EPOLL_CTL

#[test]
fn op29_epoll_ctl() {
    let (r, w) = pipe();
    // SAFETY: epoll_create1 has no memory arguments.
    let ep = own(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) });
    let ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 0xfeed };
    let mut ring = ring();
    let e = EpollCtl::new(raw(&ep), raw(&r), libc::EPOLL_CTL_ADD, &ev).build();
    // SAFETY: `ev` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    write_fd(raw(&w), b"!");
    let mut out = [libc::epoll_event { events: 0, u64: 0 }; 2];
    // SAFETY: `out` has room for 2 events.
    let n = unsafe { libc::epoll_wait(raw(&ep), out.as_mut_ptr(), 2, PATIENCE.as_millis() as i32) };
    assert_eq!(n, 1);
    let data = out[0].u64;
    assert_eq!(data, 0xfeed, "epoll reports the registration made through the ring");
}

// ------------------------------------------------------------ EPOLL_WAIT

#[test]
fn op59_epoll_wait() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_EPOLL_WAIT, "op59_epoll_wait") {
        return;
    }
    let (r, w) = pipe();
    // SAFETY: epoll_create1 has no memory arguments.
    let ep = own(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) });
    let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 0xbeef };
    // SAFETY: `ev` is valid for the call.
    assert_eq!(unsafe { libc::epoll_ctl(raw(&ep), libc::EPOLL_CTL_ADD, raw(&r), &mut ev) }, 0);
    let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
    // SAFETY: `out` outlives the completion, reaped below.
    unsafe { ring.sq().push(&EpollWait::new(raw(&ep), out.as_mut_ptr(), 4).build()) }.unwrap();
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)), "epoll wait with nothing ready");
    write_fd(raw(&w), b"e");
    assert_eq!(one(&mut ring).res, 1);
    let (events, data) = (out[0].events, out[0].u64);
    assert_eq!(data, 0xbeef);
    assert!(events & libc::EPOLLIN as u32 != 0);
}
