//! Operations on registered descriptors and provided buffers: an operation
//! dropped after it completed (reached by `finish_unobserved`) gives its
//! buffer back or empties its slot, direct accepts and connects report
//! peers and errors, and a multishot `recvmsg` parses its areas.

use crate::support;
use crate::support::rings::tcp_pair;
use crate::support::{cpath, finish_unobserved, pipe, run_to_completion_unobserved, supported, temp_path};
use ring_core::fixed_files::FixedFiles;
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::sys::*;
use ring_core::{At, Runtime};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Duration;

/// A pool read whose future is dropped after it completed must still give its
/// buffer back. With one buffer in the pool, the next read fails with ENOBUFS
/// if it was not.
#[test]
fn an_orphaned_pool_read_that_completed_gives_its_buffer_back() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_READ, "orphaned pool read") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(101, 1).buffers(1, 32)).unwrap();
    let (r, w) = pipe();
    support::write_all(&w, b"first");
    finish_unobserved(&d, d.read_pool(&r, &pool, u64::MAX));
    assert_eq!(pool.recycled(), 1, "the orphan's buffer was recycled");
    support::write_all(&w, b"second");
    let buf = rt.block_on(d.read_pool(&r, &pool, u64::MAX)).unwrap().expect("the only buffer is back");
    assert_eq!(&buf[..], b"second");
}

/// As above, for a receive: a pool receive whose future is dropped after
/// it completed gives its buffer back.
#[test]
fn an_orphaned_pool_receive_that_completed_gives_its_buffer_back() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_RECV, "orphaned pool receive") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(102, 1).buffers(1, 32)).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sock = Rc::new(sock);
    peer.write_all(b"first").unwrap();
    finish_unobserved(&d, d.recv_pool(&sock, &pool, 0));
    assert_eq!(pool.recycled(), 1, "the orphan's buffer was recycled");
    peer.write_all(b"second").unwrap();
    let buf = rt.block_on(d.recv_pool(&sock, &pool, 0)).unwrap().expect("the only buffer is back");
    assert_eq!(&buf[..], b"second");
}

/// The control message a receiving socket with `IP_RECVTTL` gets for a
/// datagram sent with TTL `ttl`: a `cmsghdr` (`IPPROTO_IP`, `IP_TTL`) and
/// the TTL as an `int`, padded to `CMSG_SPACE(4)`.
fn ttl_cmsg(ttl: i32) -> Vec<u8> {
    let mut v = Vec::new();
    // SAFETY: CMSG_LEN and CMSG_SPACE only compute sizes.
    let (len, space) = unsafe { (libc::CMSG_LEN(4) as usize, libc::CMSG_SPACE(4) as usize) };
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&libc::IPPROTO_IP.to_ne_bytes());
    v.extend_from_slice(&libc::IP_TTL.to_ne_bytes());
    v.extend_from_slice(&ttl.to_ne_bytes());
    v.resize(space, 0);
    v
}

/// A multishot `recvmsg` into provided buffers parses its areas at their
/// sizes: a datagram of zero bytes fills exactly header + name + control,
/// which is a valid message, not EINVAL; the header's lengths, the control
/// bytes and the payload's start are checked; and a datagram larger than
/// the room left gives `MSG_TRUNC`.
#[test]
fn recvmsg_multishot_parses_name_control_and_payload_areas_of_known_sizes() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    // Multishot recvmsg came with Linux 6.0, as did IORING_OP_SEND_ZC,
    // which the probe can see.
    if !supported(&d, IORING_OP_RECVMSG, "recvmsg multishot") || !supported(&d, IORING_OP_SEND_ZC, "ditto (6.0)") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(103, 4).buffers(4, 256)).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.set_ttl(77).unwrap();
    let on: libc::c_int = 1;
    // SAFETY: setsockopt reads one int from a live local during the call.
    let r = unsafe {
        libc::setsockopt(
            rx.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_RECVTTL,
            (&raw const on).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "IP_RECVTTL: {}", std::io::Error::last_os_error());
    let (name_area, control_area) = (32u32, 64u32);
    let hdr = core::mem::size_of::<io_uring_recvmsg_out>();
    assert_eq!(hdr, 16);
    let room = 256 - hdr - name_area as usize - control_area as usize;
    let cmsg = ttl_cmsg(77);
    let to = rx.local_addr().unwrap();
    let from_port = tx.local_addr().unwrap().port();
    let big: Vec<u8> = (0..room as u32 + 50).map(|i| i as u8).collect();
    rt.block_on(async {
        let mut stream = d.recvmsg_pool_multishot(&rx, &pool, name_area, control_area, 0);
        for msg in [b"hello".as_slice(), &big, b""] {
            tx.send_to(msg, to).unwrap();
            let m = match stream.next().await {
                Some(Ok(m)) => m,
                other => panic!("message of {} bytes: {other:?}", msg.len()),
            };
            let h = m.header();
            assert_eq!(h.namelen as usize, core::mem::size_of::<libc::sockaddr_in>(), "header: name length");
            assert_eq!(h.controllen as usize, cmsg.len(), "header: control length");
            assert_eq!(h.payloadlen as usize, msg.len().min(room), "header: payload length (as copied)");
            assert_eq!(m.name().len(), core::mem::size_of::<libc::sockaddr_in>());
            // SAFETY: the name area holds the sender's sockaddr_in.
            let sin = unsafe { m.name().as_ptr().cast::<libc::sockaddr_in>().read_unaligned() };
            assert_eq!(u16::from_be(sin.sin_port), from_port);
            assert_eq!(m.control(), &cmsg[..], "the TTL control message");
            if msg.len() <= room {
                assert_eq!(m.payload(), msg);
                assert_eq!(m.flags() & libc::MSG_TRUNC as u32, 0);
            } else {
                assert_eq!(m.payload(), &msg[..room], "truncated to the buffer");
                assert_ne!(m.flags() & libc::MSG_TRUNC as u32, 0, "MSG_TRUNC in the message's flags");
            }
        }
        // (On 6.18 the datagram of zero bytes also ended the stream; if it
        // did not, dropping the stream cancels it.)
        drop(stream);
    })
    .unwrap();
    rt.block_on(d.sleep(Duration::from_millis(2))).unwrap().unwrap();
    assert_eq!(pool.with_kernel(), 4);
}

/// A direct accept on an IPv6 listener reports the peer's IPv6 address.
#[test]
fn a_direct_accept_reports_an_ipv6_peer() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_ACCEPT, "direct accept over IPv6") {
        return;
    }
    let listener = match TcpListener::bind("[::1]:0") {
        Ok(l) => Rc::new(l),
        Err(e) => {
            println!("SKIP direct accept over IPv6: no IPv6 loopback ({e})");
            return;
        }
    };
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (conn, peer) = rt.block_on(d.accept_direct(&listener, &files)).unwrap().unwrap();
    assert_eq!(peer, Some(client.local_addr().unwrap()), "the peer's address, IPv6");
    drop(conn);
}

/// A direct accept whose future is dropped after it completed empties its slot,
/// which closes the connection and frees the slot for the next allocation (one
/// allocatable slot).
#[test]
fn an_orphaned_direct_accept_that_completed_empties_its_slot() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_ACCEPT, "orphaned direct accept") || !supported(&d, IORING_OP_SOCKET, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..1).unwrap();
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    finish_unobserved(&d, d.accept_direct(&listener, &files));
    let sock = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0)).unwrap();
    assert_eq!(sock.expect("the only slot is free again").slot(), 0);
    client.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = [0u8; 1];
    assert_eq!(client.read(&mut rest).unwrap(), 0, "the accepted connection was closed");
}

/// A direct socket whose future is dropped after it completed gives its slot
/// back (one allocatable slot).
#[test]
fn an_orphaned_direct_socket_that_completed_empties_its_slot() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SOCKET, "orphaned direct socket") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 2..3).unwrap();
    finish_unobserved(&d, d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0));
    assert_eq!(files.occupied(), 0);
    let again = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0)).unwrap();
    assert_eq!(again.expect("the only slot is free again").slot(), 2);
}

/// An explicit close whose future is dropped after it completed records that
/// the kernel emptied the slot. Without that, dropping the handle it held
/// empties the slot a second time, and by then the slot holds another file:
/// opened after the close, before the drop.
#[test]
fn an_orphaned_direct_close_does_not_empty_the_slot_again() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_CLOSE, "orphaned direct close") || !supported(&d, IORING_OP_OPENAT, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..1).unwrap();
    let path = temp_path("close-direct");
    let flags = libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC;
    let first = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), flags, 0o600)).unwrap().unwrap();
    assert_eq!(first.slot(), 0);
    let mut close = d.close_direct(first).expect("the only holder");
    run_to_completion_unobserved(&d, &mut close);
    // The kernel closed slot 0; a new file takes it.
    let second = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), libc::O_RDWR, 0)).unwrap().unwrap();
    assert_eq!(second.slot(), 0);
    drop(close);
    d.poll().unwrap();
    assert_eq!(files.occupied(), 1, "the new file still occupies the slot");
    let (n, _) = rt.block_on(d.write_direct(&second, b"still open".to_vec(), 0)).unwrap();
    assert_eq!(n.expect("the slot still holds the new file"), 10);
    drop(second);
    assert_eq!(std::fs::read(&path).unwrap(), b"still open");
    std::fs::remove_file(path).unwrap();
}

/// Connecting a direct socket to a port nobody listens on fails with
/// ECONNREFUSED.
#[test]
fn a_refused_direct_connect_reports_the_error() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SOCKET, "refused direct connect") || !supported(&d, IORING_OP_CONNECT, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    // A port that was just free and now has no listener.
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let r = rt
        .block_on(async {
            let sock = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0).await.unwrap();
            d.connect_direct(&sock, addr).await
        })
        .unwrap();
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ECONNREFUSED));
}
