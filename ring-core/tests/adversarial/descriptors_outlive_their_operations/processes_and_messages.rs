//! The rule for process descriptors and descriptors passed in messages:
//! process-lifetime descriptors need no keeper, a pidfd wait reaps the named
//! child, and a message passing descriptors by number is refused.

use super::*;

/// A descriptor open for the life of the process needs nothing to keep it
/// open: the standard streams and a leaked file are accepted as they are.
#[test]
fn process_lifetime_descriptors_are_accepted_without_a_keeper() {
    let d = Driver::new(16).unwrap();
    let leaked: &'static std::fs::File = Box::leak(Box::new(std::fs::File::open("/dev/null").unwrap()));
    let static_fd = SharedFd::from_static(std::os::fd::AsFd::as_fd(leaked));
    let (n, _) = finish(&d, d.read(&static_fd, Vec::with_capacity(8)));
    assert_eq!(n.unwrap(), 0, "/dev/null reads as empty");
    let (n, _) = finish(&d, d.write(&std::io::stderr(), Vec::new()));
    assert_eq!(n.unwrap(), 0);
}

/// `pidfd_open(2)` of `pid`.
fn pidfd_open(pid: u32) -> OwnedFd {
    // SAFETY: pidfd_open has no memory effects; the result is checked.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    assert!(fd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor this test owns.
    unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
}

/// Path: a `P_PIDFD` wait names a pidfd, which the kernel looks up when it
/// issues the request (at the next park under `Batch`). A bare number is
/// refused (`waitid` with `P_PIDFD`); `waitid_pidfd` holds the pidfd, so
/// the caller's handle can go and another child's pidfd cannot take the
/// number: the wait reaps the named child, not the other one.
#[test]
fn a_pidfd_wait_whose_handle_was_dropped_reaps_the_named_child() {
    let _t = turn();
    let d = Driver::new(8).unwrap();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_WAITID) {
        println!("SKIP: {e} (the opcode probe; added in 6.7)");
        return;
    }
    let mut named = std::process::Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let mut other = std::process::Command::new("sh").args(["-c", "exit 5"]).spawn().unwrap();
    let pa = pidfd_open(named.id());
    let r = finish(&d, d.waitid(libc::P_PIDFD, pa.as_raw_fd() as libc::id_t, libc::WEXITED));
    let e = r.expect_err("a bare pidfd number is refused");
    let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
    assert!(matches!(typed, Some(ring_core::Error::InvalidArgument(_))), "{e}");
    assert_eq!(d.stats().started, 0, "the bare number never reached the kernel");

    let pa = Rc::new(pa);
    let n = pa.as_raw_fd();
    let mut wait = d.waitid_pidfd(&pa, libc::WEXITED);
    assert!(poll_once(&mut wait).is_pending(), "written, not yet submitted");
    drop(pa);
    let pb = pidfd_open(other.id());
    let reused = pb.as_raw_fd() == n;
    let st = finish(&d, wait).unwrap();
    assert_eq!(
        (st.pid as u32, st.status),
        (named.id(), 3),
        "the wait reaped another child (whose pidfd {} the named one's number)",
        if reused { "took" } else { "did not take" }
    );
    assert!(!reused, "the named pidfd's number was freed while a wait still named it");
    // The other child is still there for its owner to reap.
    assert_eq!(other.wait().unwrap().code(), Some(5));
    assert!(named.try_wait().is_err(), "already reaped by the ring");
    drop(pb);
}

/// Path: descriptors passed in a message's control data (`SCM_RIGHTS`)
/// are numbers the kernel looks up when it issues the send: one closed
/// meanwhile, its number taken by another file, would send that file to
/// the peer. A message whose control data passes descriptors is refused
/// (`Error::InvalidArgument`, the message back, nothing submitted); other
/// control data still goes out.
#[test]
fn a_message_passing_descriptors_by_number_is_refused() {
    let _t = turn();
    let d = Driver::new(8).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let passed = std::fs::File::open("/dev/null").unwrap();
    let hdr = core::mem::size_of::<libc::cmsghdr>();
    let control = |level: i32, ty: i32, data: &[u8]| {
        // SAFETY: cmsghdr is plain integers; all-zero is valid.
        let mut c: libc::cmsghdr = unsafe { core::mem::zeroed() };
        c.cmsg_len = (hdr + data.len()) as _;
        c.cmsg_level = level;
        c.cmsg_type = ty;
        // SAFETY: the header's bytes, read as bytes.
        let mut bytes = unsafe { core::slice::from_raw_parts((&raw const c).cast::<u8>(), hdr) }.to_vec();
        bytes.extend_from_slice(data);
        bytes.resize(bytes.len().next_multiple_of(core::mem::size_of::<usize>()), 0);
        bytes
    };
    let fd_bytes = passed.as_raw_fd().to_ne_bytes();
    // SCM_RIGHTS first, or after another control message.
    let mut second = control(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[0; 12]);
    second.extend(control(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes));
    for c in [control(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes), second] {
        let msg = ring_core::ops::Msg::new(vec![b"x".to_vec()]).control(c.clone());
        let (r, back) = finish(&d, d.sendmsg(&a, msg, 0));
        let e = r.expect_err("refused");
        let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
        assert!(matches!(typed, Some(ring_core::Error::InvalidArgument(_))), "{e}");
        assert_eq!(back.control, c, "the message comes back");
    }
    assert_eq!(d.stats().started, 0, "nothing was submitted");
    // A message without descriptors is sent.
    let (r, _) = finish(&d, d.sendmsg(&a, ring_core::ops::Msg::new(vec![b"y".to_vec()]), 0));
    assert_eq!(r.unwrap(), 1);
    let mut got = [0u8; 1];
    (&b).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"y");
}
