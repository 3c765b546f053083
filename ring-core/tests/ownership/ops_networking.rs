//! Networking operations: socket addresses, close-on-exec and non-blocking
//! flags, refusals of bind, listen, connect, shutdown, poll removal and
//! epoll_ctl, and accepts and sockets dropped after they completed. An
//! operation cancelled before its first poll completes through its own
//! `complete` with `-ECANCELED` (`cancelled_before_submission`), so a
//! completion that ignored the result would turn that error into success.

use crate::support;
use crate::support::assert_errno;
use crate::support::rings::tcp_pair;
use crate::support::{finish_unobserved, poll_counted, supported};
use ring_core::ops::{Msg, SockAddr};
use ring_core::Runtime;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

/// The debug form shows an IP address, or the family and length of any other.
#[test]
fn a_socket_address_debug_form_names_it() {
    let v4 = SockAddr::from_std("127.0.0.1:8080".parse().unwrap());
    assert_eq!(format!("{v4:?}"), "SockAddr(127.0.0.1:8080)");
    let v6 = SockAddr::from_std("[::1]:9".parse().unwrap());
    assert_eq!(format!("{v6:?}"), "SockAddr([::1]:9)");
    let un = SockAddr::unix("/tmp/x").unwrap();
    assert_eq!(format!("{un:?}"), format!("SockAddr(family {}, len {})", libc::AF_UNIX, un.len()));
}

/// A path name's length counts its terminating NUL, an abstract name's does
/// not. `unix_path` gives the path back, and the address is not empty.
#[test]
fn a_unix_address_takes_paths_that_fit_and_refuses_longer_ones() {
    let base = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    let a = SockAddr::unix("/tmp/sock").unwrap();
    assert_eq!(a.family(), libc::AF_UNIX);
    assert_eq!(a.len(), base + "/tmp/sock".len() + 1, "a path name counts its NUL");
    assert_eq!(a.unix_path(), Some(&b"/tmp/sock"[..]));
    assert!(!a.is_empty());
    assert_eq!(a.as_socket_addr(), None);
    let abs = SockAddr::unix("\0abc").unwrap();
    assert_eq!(abs.len(), base + 4, "an abstract name is its exact length");
    assert_eq!(abs.unix_path(), Some(&b"\0abc"[..]));
    // sun_path holds 108 bytes: 107 and a NUL fit, 108 do not.
    let fits = "x".repeat(107);
    assert_eq!(SockAddr::unix(&fits).unwrap().unix_path(), Some(fits.as_bytes()));
    let e = SockAddr::unix("x".repeat(108)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

/// Whether `fd` is close-on-exec.
fn cloexec(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFD on a descriptor we hold reads its flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert!(flags >= 0, "F_GETFD");
    flags & libc::FD_CLOEXEC != 0
}

/// The inodes of this process's Unix-domain sockets of type `ty`
/// (`SOCK_SEQPACKET`, ...), from `/proc/self/fd` and `/proc/net/unix`.
fn unix_sockets_of_type(ty: i32) -> Vec<u64> {
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    let of_type: Vec<u64> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (i32::from_str_radix(f.get(4)?, 16).ok()? == ty).then(|| f.get(6)?.parse().ok())?
        })
        .collect();
    let mut mine = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(t) = std::fs::read_link(e.path()) else { continue };
        let t = t.to_string_lossy().into_owned();
        if let Some(ino) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
            let ino: u64 = ino.parse().unwrap();
            if of_type.contains(&ino) {
                mine.push(ino);
            }
        }
    }
    mine
}

/// A socket is close-on-exec whether or not the type asked for it (with `^`,
/// asking for it would clear it).
#[test]
fn a_socket_is_close_on_exec_whether_or_not_asked() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SOCKET, "socket cloexec") {
        return;
    }
    for ty in [libc::SOCK_STREAM, libc::SOCK_STREAM | libc::SOCK_CLOEXEC] {
        let s = rt.block_on(d.socket(libc::AF_INET, ty, 0)).unwrap().unwrap();
        assert!(cloexec(&s), "type {ty:#x}");
    }
}

/// A socket created after its future was dropped is closed. The test uses the
/// only `SOCK_SEQPACKET` sockets of this test binary, so it can find them among
/// the process's descriptors.
#[test]
fn an_orphaned_socket_that_completed_is_closed() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SOCKET, "orphaned socket") {
        return;
    }
    let kept = rt.block_on(d.socket(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0)).unwrap().unwrap();
    let before = unix_sockets_of_type(libc::SOCK_SEQPACKET);
    assert_eq!(before.len(), 1, "the lookup sees the socket that was kept");
    finish_unobserved(&d, d.socket(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0));
    assert_eq!(unix_sockets_of_type(libc::SOCK_SEQPACKET), before, "the orphan's socket was closed");
    drop(kept);
}

/// Binding to an address in use fails.
#[test]
fn a_bind_to_an_address_in_use_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_BIND, "bind") {
        return;
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sock = Rc::new(rt.block_on(d.socket(libc::AF_INET, libc::SOCK_STREAM, 0)).unwrap().unwrap());
    assert_errno(rt.block_on(d.bind(&sock, taken.local_addr().unwrap())).unwrap(), libc::EADDRINUSE);
    rt.block_on(d.bind(&sock, "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap())).unwrap().unwrap();
}

/// A datagram socket cannot listen.
#[test]
fn a_listen_on_a_datagram_socket_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_LISTEN, "listen") {
        return;
    }
    let udp = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    assert_errno(rt.block_on(d.listen(&udp, 8)).unwrap(), libc::EOPNOTSUPP);
}

/// Whether `fd` is non-blocking.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL on a descriptor we hold reads its status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "F_GETFL");
    flags & libc::O_NONBLOCK != 0
}

/// An accepted connection is close-on-exec whatever the flags, and keeps the
/// flags asked for (`SOCK_NONBLOCK`).
#[test]
fn accepted_connections_are_close_on_exec_and_keep_their_flags() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_ACCEPT, "accept flags") {
        return;
    }
    let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let addr = l.local_addr().unwrap();
    let mut peers = Vec::new();
    for flags in [0, libc::SOCK_CLOEXEC, libc::SOCK_NONBLOCK] {
        peers.push(std::net::TcpStream::connect(addr).unwrap());
        let (fd, from) = rt.block_on(d.accept(&l, flags)).unwrap().unwrap();
        assert!(cloexec(&fd), "accept with flags {flags:#x}");
        assert_eq!(nonblocking(&fd), flags == libc::SOCK_NONBLOCK, "accept with flags {flags:#x}");
        assert_eq!(from.as_socket_addr(), Some(peers.last().unwrap().local_addr().unwrap()));
    }
    // A listener per multishot accept: a stream dropped while still armed
    // could take the next connection.
    for flags in [0, libc::SOCK_CLOEXEC, libc::SOCK_NONBLOCK] {
        let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
        peers.push(std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap());
        let mut incoming = d.accept_multishot(&l, flags);
        let fd = rt.block_on(incoming.next()).unwrap().expect("a connection").unwrap();
        assert!(cloexec(&fd), "multishot accept with flags {flags:#x}");
        assert_eq!(nonblocking(&fd), flags == libc::SOCK_NONBLOCK, "multishot accept with flags {flags:#x}");
    }
}

/// A connection accepted after the accept's future was dropped is closed, so
/// the peer sees end of file.
#[test]
fn an_orphaned_accept_that_completed_closes_the_connection() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_ACCEPT, "orphaned accept") {
        return;
    }
    let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let mut peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    finish_unobserved(&d, d.accept(&l, 0));
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let n = peer.read(&mut [0u8; 1]).expect("the accepted side was closed (EOF), not left open (timeout)");
    assert_eq!(n, 0);
}

/// A new, unconnected IPv4 stream socket (plain system call).
fn tcp_socket() -> Rc<OwnedFd> {
    // SAFETY: socket(2) returns a new descriptor or -1.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket");
    // SAFETY: a fresh descriptor that nothing else owns.
    Rc::new(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// A connection to a closed port is refused.
#[test]
fn a_connect_to_a_closed_port_is_refused() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_CONNECT, "connect") {
        return;
    }
    // A port that was free a moment ago, with no listener now.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let s = tcp_socket();
    assert_errno(rt.block_on(d.connect(&s, closed)).unwrap(), libc::ECONNREFUSED);
}

/// A datagram's TTL arrives as control data with its source address; a stream
/// reports no address.
#[test]
fn recvmsg_offers_its_control_buffer_and_reports_a_source_only_when_there_is_one() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_RECVMSG, "recvmsg") {
        return;
    }
    let rx = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let on: libc::c_int = 1;
    // SAFETY: IP_RECVTTL reads one int from a live local during the call.
    let r = unsafe {
        libc::setsockopt(
            rx.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_RECVTTL,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "IP_RECVTTL");
    tx.send_to(b"ttl", rx.local_addr().unwrap()).unwrap();
    let msg = Msg::new(vec![Vec::with_capacity(16)]).control(Vec::with_capacity(64));
    let (n, msg) = rt.block_on(d.recvmsg(&rx, msg, 0)).unwrap();
    assert_eq!(n.unwrap(), 3);
    assert_eq!(&msg.bufs[0][..], b"ttl");
    assert!(!msg.control.is_empty(), "the TTL arrived as control data");
    assert_eq!(msg.addr.and_then(|a| a.as_socket_addr()), Some(tx.local_addr().unwrap()));

    let (mut a, b) = tcp_pair();
    let b = Rc::new(b);
    std::io::Write::write_all(&mut a, b"stream").unwrap();
    let (n, msg) = rt.block_on(d.recvmsg(&b, Msg::new(vec![Vec::with_capacity(16)]), 0)).unwrap();
    assert_eq!(n.unwrap(), 6);
    assert!(msg.addr.is_none(), "a stream receive reports no source address: {:?}", msg.addr);
}

/// An unconnected socket cannot be shut down.
#[test]
fn a_shutdown_of_an_unconnected_socket_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SHUTDOWN, "shutdown") {
        return;
    }
    let s = tcp_socket();
    assert_errno(rt.block_on(d.shutdown_socket(&s, libc::SHUT_RDWR)).unwrap(), libc::ENOTCONN);
}

/// Removing a poll that does not exist fails.
#[test]
fn removing_a_poll_that_does_not_exist_fails() {
    // A plain ring: the poll must complete in the kernel as soon as the
    // byte is written, not at the runtime's next enter, as it would under
    // DEFER_TASKRUN (`Runtime::new`'s setup where the kernel has it).
    let rt =
        Runtime::with_ring(ring_core::Builder::new(8).build().unwrap(), ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_POLL_REMOVE, "poll_remove") {
        return;
    }
    // A poll the kernel completed (its descriptor became ready) before the
    // removal reached it, but whose completion the driver has not reaped
    // yet: the target is still in flight for the driver, so the removal
    // starts, and the kernel answers that it has no such poll.
    let (r, w) = std::os::unix::net::UnixStream::pair().unwrap();
    let r = Rc::new(r);
    let mut poll = d.poll_add(&r, libc::POLLIN as u32);
    assert!(poll_counted(&mut poll).0.is_pending());
    d.poll().unwrap();
    let target = poll.poll_target().expect("submitted");
    (&w).write_all(b"x").unwrap();
    let mut remove = d.poll_remove(target).unwrap();
    assert!(poll_counted(&mut remove).0.is_pending(), "started: the driver has not seen the poll end");
    assert_errno(rt.block_on(remove).unwrap(), libc::ENOENT);
    assert_eq!(rt.block_on(poll).unwrap().unwrap() & libc::POLLIN as u32, libc::POLLIN as u32);
}

/// Deleting a descriptor an epoll instance does not watch fails.
#[test]
fn an_epoll_ctl_delete_of_an_unwatched_descriptor_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_EPOLL_CTL, "epoll_ctl") {
        return;
    }
    // SAFETY: epoll_create1 returns a new descriptor or -1.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0, "epoll_create1");
    // SAFETY: a fresh descriptor that nothing else owns.
    let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
    let (r, _w) = support::pipe();
    assert_errno(rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_DEL, 0, 0)).unwrap(), libc::ENOENT);
    rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 1)).unwrap().unwrap();
    rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_DEL, 0, 0)).unwrap().unwrap();
}
