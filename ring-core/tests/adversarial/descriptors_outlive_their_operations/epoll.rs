//! The rule for epoll_ctl: neither its target nor its epoll instance,
//! dropped, lets it register another file.

use super::*;

/// A new epoll instance (the fixture; see the module documentation).
fn epoll() -> Rc<OwnedFd> {
    // SAFETY: epoll_create1 takes no pointer and returns a new descriptor
    // or -1, checked below.
    let fd: RawFd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(fd >= 0, "epoll_create1: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` was just created and nothing else owns it.
    Rc::new(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether `fd` becomes readable within a short while, asked through the
/// ring (a poll that is cancelled if it has not fired).
fn readable_soon(d: &Driver, fd: &impl ring_core::AsSharedFd) -> bool {
    let mut poll = d.poll_add(fd, libc::POLLIN as u32);
    for _ in 0..20 {
        if let Poll::Ready(r) = poll_once(&mut poll) {
            return r.is_ok();
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let r = finish(d, poll.cancel());
    matches!(r, ring_core::Cancelled::Completed(Ok(_)))
}

/// Path: `Batch`; the descriptor is `epoll_ctl`'s *target*. The caller
/// drops the socket before the registration is submitted; a new socket
/// takes the lowest free number and is made readable. The epoll instance
/// must not report it: the registration was of the named socket (which
/// goes away with the operation).
#[test]
fn an_epoll_ctl_whose_target_was_dropped_never_registers_another_file() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let ep = epoll();
    let (named, _named_peer) = UnixStream::pair().unwrap();
    let named = Rc::new(named);
    let number = named.as_raw_fd();
    let mut op = d.epoll_ctl(&ep, &named, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 42);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    finish(&d, op).expect("the named socket was registered");
    (&other_peer).write_all(b"ready").unwrap();
    assert!(!readable_soon(&d, &ep), "the epoll instance watches another socket");
    assert!(!reused, "the target's number was freed while the registration still named it");
}

/// Path: `Batch`; the descriptor is `epoll_ctl`'s *epoll instance*. The
/// caller drops it before the registration is submitted; a new epoll
/// instance takes the lowest free number. The registration must not land
/// in it.
#[test]
fn an_epoll_ctl_whose_epoll_instance_was_dropped_never_registers_into_another() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let (watched, watched_peer) = UnixStream::pair().unwrap();
    let watched = Rc::new(watched);
    (&watched_peer).write_all(b"ready").unwrap();
    let named = epoll();
    let number = named.as_raw_fd();
    let mut op = d.epoll_ctl(&named, &watched, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 7);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let other = epoll();
    let reused = other.as_raw_fd() == number;
    finish(&d, op).expect("registered in the named instance");
    assert!(!readable_soon(&d, &other), "the registration landed in another epoll instance");
    assert!(!reused, "the instance's number was freed while the registration still named it");
}
