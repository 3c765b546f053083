//! Every opcode, run for real against this machine's kernel through the
//! raw ring, checking what the operation DID (bytes in the file, the
//! peer's data, the directory on disk, the timer's timing, the woken
//! waiter) and not only that it returned non-negative.
//!
//! Each test is named after its opcode. A test that needs something the
//! kernel or the machine lacks prints `SKIP <test>: <reason>` and passes.
//! `docs/opcodes.md` maps every opcode to its builder and its test here.
//!
//! Every push is `unsafe`: each says why the memory the entry points to
//! outlives the kernel's use of it. The common pattern is that the memory
//! is a local declared before the entry, and the test reaps the
//! operation's final completion before the local goes out of scope.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use crate::caps;
use crate::support;

use ring_core::opcode::*;
use ring_core::sys::*;
use ring_core::types::{Fixed, Timespec};
use ring_core::{Builder, Cqe, SqeFlags};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::os::fd::IntoRawFd;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::rings::*;

const ECANCELED: i32 = -libc::ECANCELED;

// ---------------------------------------------------------------- NOP (0)

#[test]
fn op00_nop() {
    let mut ring = ring();
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&Nop::new().build().user_data(7)) }.unwrap();
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (7, 0));

    // Injected result (6.10): the completion carries exactly the value.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().inject_result(-libc::EIO).build().user_data(8)) }.unwrap();
    let c = one(&mut ring);
    if c.res == -libc::EINVAL {
        println!("SKIP op00_nop flags: the kernel refused a NOP with IORING_NOP_INJECT_RESULT (EINVAL; added in 6.10)");
        return;
    }
    assert_eq!((c.user_data, c.res), (8, -libc::EIO));

    // File lookup (6.13): a closed descriptor fails the lookup with EBADF;
    // an open one succeeds, which shows the kernel really looked.
    let (r, _w) = pipe();
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().file(raw(&r)).build().user_data(9)) }.unwrap();
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().file(1_000_000).build().user_data(10)) }.unwrap();
    let v = sorted(&mut ring, 2);
    if v[0].res == -libc::EINVAL {
        println!("SKIP op00_nop file: the kernel refused a NOP with IORING_NOP_FILE (EINVAL; added in 6.13)");
    } else {
        assert_eq!((v[0].res, v[1].res), (0, -libc::EBADF));
    }

    // A 32-byte completion carrying the two words (6.18, CQE32 ring).
    let mut big = Builder::new(4).cqe32().build().expect("CQE32 ring");
    // SAFETY: as above.
    unsafe { big.sq().push(&Nop::new().cqe32([0x1111, 0x2222]).build().user_data(11)) }.unwrap();
    let c = one(&mut big);
    if c.res == -libc::EINVAL {
        println!("SKIP op00_nop cqe32: the kernel refused a NOP with IORING_NOP_CQE32 (EINVAL; added in 6.18)");
    } else {
        assert_eq!((c.res, c.big), (0, [0x1111, 0x2222]));
    }
}

// ------------------------------------------------------- READV / WRITEV

#[test]
fn op01_readv() {
    let f = TempPath::with("readv", b"hello vectored world");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut a = [0u8; 5];
    let mut b = [0u8; 9];
    let iov = [
        libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: a.len() },
        libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() },
    ];
    let mut ring = ring();
    let e = Readv::new(raw(&file), iov.as_ptr(), 2).offset(1).build();
    // SAFETY: `iov`, `a` and `b` outlive the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    let c = one(&mut ring);
    assert_eq!(c.res, 14);
    assert_eq!(&a, b"ello ");
    assert_eq!(&b, b"vectored ");
}

#[test]
fn op02_writev() {
    let f = TempPath::with("writev", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let a = *b"first,";
    let b = *b"second";
    let iov = [
        libc::iovec { iov_base: a.as_ptr() as *mut _, iov_len: a.len() },
        libc::iovec { iov_base: b.as_ptr() as *mut _, iov_len: b.len() },
    ];
    let mut ring = ring();
    let e = Writev::new(raw(&file), iov.as_ptr(), 2).build();
    // SAFETY: `iov`, `a` and `b` outlive the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 12);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"first,second");
}

// ----------------------------------------------------------------- FSYNC

#[test]
fn op03_fsync() {
    let f = TempPath::with("fsync", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let data = *b"durable";
    let mut ring = ring();
    // A write linked to an fsync, then an fdatasync of the range: the
    // data is on the file (the durability itself cannot be observed from
    // here short of a power cut), and both syncs succeed after the write.
    let w = Write::new(raw(&file), data.as_ptr(), 7).build().user_data(1).flags(SqeFlags::IO_LINK);
    let s = Fsync::new(raw(&file)).build().user_data(2).flags(SqeFlags::IO_LINK);
    let d = Fsync::new(raw(&file)).flags(IORING_FSYNC_DATASYNC).len(7).build().user_data(3);
    // SAFETY: `data` outlives the completions reaped below; fsync points at nothing.
    unsafe { ring.sq().push_all(&[w.into_sqe(), s.into_sqe(), d.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 3);
    assert_eq!((v[0].res, v[1].res, v[2].res), (7, 0, 0));
    assert_eq!(std::fs::read(f.path()).unwrap(), b"durable");
}

// ------------------------------------------------ READ_FIXED / WRITE_FIXED

#[test]
fn op04_read_fixed() {
    let f = TempPath::with("read_fixed", b"registered buffer contents");
    let file = std::fs::File::open(f.path()).unwrap();
    // Declared before the ring so it outlives the registration.
    let mut bufs = vec![vec![0u8; 4096]];
    let mut ring = ring();
    register_buffers(&ring, &mut bufs);
    let dst = bufs[0].as_mut_ptr().wrapping_add(100);
    let e = ReadFixed::new(raw(&file), dst, 10, 0).offset(11).build();
    // SAFETY: `dst .. dst + 10` lies in registered buffer 0, which lives
    // (and stays registered) until after the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(&bufs[0][100..110], b"buffer con");
}

#[test]
fn op05_write_fixed() {
    let f = TempPath::with("write_fixed", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    bufs[0][..12].copy_from_slice(b"fixed write!");
    let mut ring = ring();
    register_buffers(&ring, &mut bufs);
    let e = WriteFixed::new(raw(&file), bufs[0].as_ptr(), 12, 0).offset(3).build();
    // SAFETY: the source lies in registered buffer 0, alive and unmodified
    // until the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 12);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"\0\0\0fixed write!");
}

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

// -------------------------------------------------------- SYNC_FILE_RANGE

#[test]
fn op08_sync_file_range() {
    let f = TempPath::with("sync_range", &[7u8; 8192]);
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut ring = ring();
    let how = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
    let e = SyncFileRange::new(raw(&file), 4096).offset(4096).flags(how).build();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&e) }.unwrap();
    // The effect (writeback of the range) is not observable from user
    // space; the kernel accepted and ran it, and the data is intact.
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read(f.path()).unwrap(), vec![7u8; 8192]);
}

// ------------------------------------------------------ SENDMSG / RECVMSG

#[test]
fn op09_sendmsg() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = sockaddr_in(v4(peer.local_addr().unwrap()));
    let data = *b"datagram via sendmsg";
    let mut iov = [libc::iovec { iov_base: data.as_ptr() as *mut _, iov_len: data.len() }];
    // SAFETY: all-zero is a valid msghdr.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&raw const to) as *mut _;
    msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in>() as u32;
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = 1;
    let mut ring = ring();
    // SAFETY: `msg`, `to`, `iov` and `data` outlive the completion below.
    unsafe { ring.sq().push(&SendMsg::new(raw(&me), &msg).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, data.len() as i32);
    let mut got = [0u8; 64];
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let (n, from) = peer.recv_from(&mut got).unwrap();
    assert_eq!(&got[..n], &data);
    assert_eq!(from, me.local_addr().unwrap(), "the peer saw our address");
}

fn v4(a: std::net::SocketAddr) -> SocketAddrV4 {
    match a {
        std::net::SocketAddr::V4(a) => a,
        std::net::SocketAddr::V6(_) => panic!("expected IPv4"),
    }
}

#[test]
fn op10_recvmsg() {
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    peer.send_to(b"to recvmsg", me.local_addr().unwrap()).unwrap();
    let mut buf = [0u8; 64];
    // SAFETY: all-zero is a valid sockaddr_in and msghdr.
    let mut from: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    let mut iov = [libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }];
    // SAFETY: as above.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_name = (&raw mut from).cast();
    msg.msg_namelen = core::mem::size_of::<libc::sockaddr_in>() as u32;
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = 1;
    let mut ring = ring();
    // SAFETY: `msg` and everything it points to outlive the completion.
    unsafe { ring.sq().push(&RecvMsg::new(raw(&me), &mut msg).build()) }.unwrap();
    let c = one(&mut ring);
    assert_eq!(c.res, 10);
    assert_eq!(&buf[..10], b"to recvmsg");
    assert_eq!(from_sockaddr_in(&from), v4(peer.local_addr().unwrap()));

    // Multishot (6.0): one completion per datagram, each buffer laid out as
    // io_uring_recvmsg_out, then the source address, then the payload.
    let br = BufRing::new(&ring, 4, 128, 2);
    // SAFETY: as above.
    let mut tmpl: libc::msghdr = unsafe { core::mem::zeroed() };
    tmpl.msg_namelen = core::mem::size_of::<libc::sockaddr_in>() as u32;
    let e = RecvMsg::new(raw(&me), &mut tmpl).buf_group(2).multishot(true).build().user_data(7);
    // SAFETY: `tmpl` and the buffer ring outlive the request, whose final
    // completion (after the cancel below) is reaped before they drop.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit().unwrap();
    let hdr = core::mem::size_of::<io_uring_recvmsg_out>();
    let namelen = core::mem::size_of::<libc::sockaddr_in>();
    for msg in [&b"first datagram"[..], b"second"] {
        peer.send_to(msg, me.local_addr().unwrap()).unwrap();
        let c = one(&mut ring);
        assert!(c.more(), "multishot recvmsg without F_MORE: {c:?}");
        let b = &br.buf(c.buffer_id().expect("a provided buffer"))[..c.res as usize];
        // SAFETY: the kernel wrote an io_uring_recvmsg_out at the start of
        // the buffer; read_unaligned copes with the Vec's alignment.
        let out: io_uring_recvmsg_out = unsafe { b.as_ptr().cast::<io_uring_recvmsg_out>().read_unaligned() };
        assert_eq!(out.payloadlen as usize, msg.len());
        assert_eq!(&b[hdr + namelen..], msg);
        // SAFETY: as above, for the sockaddr_in that follows the header.
        let src: libc::sockaddr_in = unsafe { b[hdr..].as_ptr().cast::<libc::sockaddr_in>().read_unaligned() };
        assert_eq!(from_sockaddr_in(&src), v4(peer.local_addr().unwrap()));
    }
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&AsyncCancel::new(7).build().user_data(8)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[0].more(), v[1].res), (ECANCELED, false, 0));
    br.unregister(&ring);
}

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

// ----------------------------------------------------------------- ACCEPT

#[test]
fn op13_accept() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut addr: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    let mut len = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let mut ring = ring();
    let e = Accept::new(raw(&l), (&raw mut addr).cast(), &mut len).flags(libc::SOCK_CLOEXEC).build();
    // SAFETY: `addr` and `len` outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    let c = one(&mut ring);
    let server = TcpStream::from(own(c.res));
    assert_eq!(from_sockaddr_in(&addr), v4(client.local_addr().unwrap()));
    assert_eq!(server.peer_addr().unwrap(), client.local_addr().unwrap());
    // The accepted socket is the client's peer: bytes cross.
    (&client).write_all(b"hi").unwrap();
    let mut b = [0u8; 2];
    (&server).read_exact(&mut b).unwrap();
    assert_eq!(&b, b"hi");

    // Into a direct descriptor slot the kernel picks (5.19): the slot is a
    // working socket, shown by sending through it.
    register_files(&ring, &[-1, -1]);
    let e =
        Accept::new(raw(&l), core::ptr::null_mut(), core::ptr::null_mut()).file_index(IORING_FILE_INDEX_ALLOC).build();
    let direct_client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    // SAFETY: no address buffers; nothing is pointed at.
    unsafe { ring.sq().push(&e) }.unwrap();
    let slot = one(&mut ring).res;
    assert!((0..2).contains(&slot), "slot {slot}");
    let msg = *b"via slot";
    // SAFETY: `msg` outlives the completion.
    unsafe { ring.sq().push(&Send::new(Fixed(slot as u32), msg.as_ptr(), 8).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 8);
    let mut got = [0u8; 8];
    (&direct_client).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"via slot");
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Close::new(Fixed(slot as u32)).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);

    // Multishot: one completion with F_MORE per connection.
    let e = Accept::new(raw(&l), core::ptr::null_mut(), core::ptr::null_mut()).multishot(true).build().user_data(5);
    // SAFETY: no address buffers; nothing else is pointed at.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit().unwrap();
    let clients: Vec<TcpStream> = (0..3).map(|_| TcpStream::connect(l.local_addr().unwrap()).unwrap()).collect();
    let v = collect(&mut ring, 3);
    let mut peers = Vec::new();
    for c in &v {
        assert_eq!(c.user_data, 5);
        assert!(c.more(), "multishot accept without F_MORE: {c:?}");
        peers.push(TcpStream::from(own(c.res)).peer_addr().unwrap());
    }
    peers.sort();
    let mut want: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    want.sort();
    assert_eq!(peers, want);
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&AsyncCancel::new(5).build().user_data(6)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[0].more()), (ECANCELED, false));
    assert_eq!(v[1].res, 0);
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

// ---------------------------------------------------------------- CONNECT

#[test]
fn op16_connect() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let s = socket(libc::SOCK_STREAM);
    let to = sockaddr_in(v4(l.local_addr().unwrap()));
    let mut ring = ring();
    let e = Connect::new(raw(&s), (&raw const to).cast(), core::mem::size_of_val(&to) as u32).build();
    // SAFETY: `to` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let (_peer, from) = l.accept().unwrap();
    assert_eq!(v4(from), local_v4(raw(&s)), "the listener accepted our socket");
}

// -------------------------------------------------------------- FALLOCATE

#[test]
fn op17_fallocate() {
    let f = TempPath::with("fallocate", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut ring = ring();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Fallocate::new(raw(&file), 1 << 20).build()) }.unwrap();
    let res = one(&mut ring).res;
    if res == -libc::EOPNOTSUPP {
        println!("SKIP op17_fallocate: the file system of {:?} has no fallocate", f.path());
        return;
    }
    assert_eq!(res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(m.len(), 1 << 20, "mode 0 extends the size");
    assert!(m.blocks() * 512 >= 1 << 20, "blocks allocated: {}", m.blocks());
    // KEEP_SIZE allocates past the end without changing the size.
    let e = Fallocate::new(raw(&file), 1 << 20).offset(1 << 20).mode(libc::FALLOC_FL_KEEP_SIZE).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(m.len(), 1 << 20);
    assert!(m.blocks() * 512 >= 2 << 20, "blocks allocated: {}", m.blocks());
}

// ----------------------------------------------------------- OPENAT/CLOSE

#[test]
fn op18_openat() {
    let f = TempPath::new("openat");
    let path = f.c();
    let mut ring = ring();
    let e = OpenAt::new(libc::AT_FDCWD, path.as_ptr())
        .flags(libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC)
        .mode(0o600)
        .build();
    // SAFETY: `path` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    let file = std::fs::File::from(own(one(&mut ring).res));
    (&file).write_all(b"opened by io_uring").unwrap();
    assert_eq!(std::fs::read(f.path()).unwrap(), b"opened by io_uring");
    assert_eq!(std::fs::metadata(f.path()).unwrap().mode() & 0o777, 0o600);

    // Into a direct descriptor slot the kernel picks; read through it.
    register_files(&ring, &[-1, -1, -1]);
    let e = OpenAt::new(libc::AT_FDCWD, path.as_ptr()).file_index(IORING_FILE_INDEX_ALLOC).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    let slot = one(&mut ring).res;
    assert!((0..3).contains(&slot), "allocated slot {slot}");
    let mut buf = [0u8; 6];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(slot as u32), buf.as_mut_ptr(), 6).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 6);
    assert_eq!(&buf, b"opened");
}

#[test]
fn op19_close() {
    let f = TempPath::with("close", b"abc");
    let fd = std::fs::File::open(f.path()).unwrap().into_raw_fd();
    let mut ring = ring();
    // SAFETY: points at no memory; `fd` is ours to close.
    unsafe { ring.sq().push(&Close::new(fd).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert!(!fd_is_open(fd), "descriptor still open after CLOSE");

    // Closing a direct descriptor empties its slot.
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&ring, &[raw(&file)]);
    // SAFETY: as above.
    unsafe { ring.sq().push(&Close::new(Fixed(0)).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let mut buf = [0u8; 3];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(0), buf.as_mut_ptr(), 3).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EBADF);
    assert!(fd_is_open(raw(&file)), "closing the slot leaves the process's descriptor");
}

// ----------------------------------------------------------- FILES_UPDATE

#[test]
fn op20_files_update() {
    let f = TempPath::with("files_update", b"through slot two");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut ring = ring();
    register_files(&ring, &[-1, -1, -1, -1]);
    let fds = [raw(&file)];
    // SAFETY: `fds` outlives the completion.
    unsafe { ring.sq().push(&FilesUpdate::new(fds.as_ptr(), 1).offset(2).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 1);
    let mut buf = [0u8; 16];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(2), buf.as_mut_ptr(), 16).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 16);
    assert_eq!(&buf, b"through slot two");
    // Slot 1 stayed empty.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Read::new(Fixed(1), buf.as_mut_ptr(), 16).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EBADF);
}

// ------------------------------------------------------------------ STATX

#[test]
fn op21_statx() {
    let f = TempPath::with("statx", &[1u8; 1234]);
    let path = f.c();
    // SAFETY: statx is plain integers; all-zero is valid.
    let mut st: libc::statx = unsafe { core::mem::zeroed() };
    let mut ring = ring();
    let e = Statx::new(libc::AT_FDCWD, path.as_ptr(), &mut st).mask(libc::STATX_BASIC_STATS).build();
    // SAFETY: `path` and `st` outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(st.stx_size, m.len());
    assert_eq!(st.stx_ino, m.ino());
    assert_eq!(u32::from(st.stx_mode), m.mode());
    assert_eq!(u64::from(st.stx_nlink), m.nlink());
    assert_eq!(st.stx_uid, m.uid());
}

// ---------------------------------------------------------- READ / WRITE

#[test]
fn op22_read() {
    let f = TempPath::with("read", b"0123456789");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut buf = [0u8; 4];
    let mut ring = ring();
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(raw(&file), buf.as_mut_ptr(), 4).offset(3).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 4);
    assert_eq!(&buf, b"3456");
}

#[test]
fn short_reads_past_eof() {
    let f = TempPath::with("short", b"0123456789");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut buf = [0u8; 100];
    let mut ring = ring();
    for (off, want) in [(0u64, 10i32), (5, 5), (10, 0), (50, 0)] {
        let e = Read::new(raw(&file), buf.as_mut_ptr(), 100).offset(off).build();
        // SAFETY: `buf` outlives the completion.
        unsafe { ring.sq().push(&e) }.unwrap();
        assert_eq!(one(&mut ring).res, want, "read of 100 bytes at {off}");
    }
    assert_eq!(&buf[..5], b"56789", "the last non-empty read");
}

#[test]
fn op23_write() {
    let f = TempPath::with("write", b"..........");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let data = *b"XYZ";
    let mut ring = ring();
    // SAFETY: `data` outlives the completion.
    unsafe { ring.sq().push(&Write::new(raw(&file), data.as_ptr(), 3).offset(4).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 3);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"....XYZ...");
}

// ------------------------------------------------------ FADVISE / MADVISE

#[test]
fn op24_fadvise() {
    let f = TempPath::with("fadvise", &[0u8; 8192]);
    let file = std::fs::File::open(f.path()).unwrap();
    let mut ring = ring();
    // Advice is a hint with no observable effect guaranteed; the kernel
    // accepting each kind is what can be checked.
    for (ud, advice) in
        [(1, libc::POSIX_FADV_WILLNEED), (2, libc::POSIX_FADV_SEQUENTIAL), (3, libc::POSIX_FADV_DONTNEED)]
    {
        // SAFETY: points at no memory.
        unsafe { ring.sq().push(&Fadvise::new(raw(&file), 8192, advice).build().user_data(ud)) }.unwrap();
    }
    let v = sorted(&mut ring, 3);
    assert!(v.iter().all(|c| c.res == 0), "{v:?}");
    // An invalid advice is refused, which shows the advice reached the kernel.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Fadvise::new(raw(&file), 8192, 12345).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EINVAL);
}

#[test]
fn op25_madvise() {
    let len = 2 * 4096;
    // SAFETY: a fresh anonymous private mapping aliases nothing.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    // SAFETY: the mapping is `len` writable bytes.
    unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0xaa, len) };
    let mut ring = ring();
    // SAFETY: the range stays mapped until after the completion.
    unsafe { ring.sq().push(&Madvise::new(p, len as u64, libc::MADV_DONTNEED).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // MADV_DONTNEED on private anonymous memory is not just a hint: the
    // pages are dropped and read back as zeros.
    // SAFETY: the mapping is `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) };
    assert!(bytes.iter().all(|&b| b == 0), "pages still hold the old data");
    // SAFETY: unmapping our own mapping, no longer used.
    unsafe { libc::munmap(p, len) };
}

// ------------------------------------------------------------ SEND / RECV

#[test]
fn op26_send() {
    let (a, b) = tcp_pair();
    let data = *b"sent by io_uring";
    let mut ring = ring();
    // SAFETY: `data` outlives the completion.
    unsafe { ring.sq().push(&Send::new(raw(&a), data.as_ptr(), 16).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 16);
    let mut got = [0u8; 16];
    (&b).read_exact(&mut got).unwrap();
    assert_eq!(got, data);

    // sendto on an unconnected UDP socket (6.0).
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let me = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = sockaddr_in(v4(peer.local_addr().unwrap()));
    let e = Send::new(raw(&me), data.as_ptr(), 4)
        .dest_addr((&raw const to).cast())
        .dest_addr_len(core::mem::size_of_val(&to) as u16)
        .build();
    // SAFETY: `data` and `to` outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 4);
    peer.set_read_timeout(Some(PATIENCE)).unwrap();
    let (n, from) = peer.recv_from(&mut got).unwrap();
    assert_eq!((&got[..n], from), (&b"sent"[..], me.local_addr().unwrap()));
}

#[test]
fn op27_recv() {
    let (a, b) = tcp_pair();
    (&a).write_all(b"for recv").unwrap();
    let mut buf = [0u8; 32];
    let mut ring = ring();
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Recv::new(raw(&b), buf.as_mut_ptr(), 32).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 8);
    assert_eq!(&buf[..8], b"for recv");

    // Multishot into a buffer ring: one completion per arrival, each with
    // F_MORE and the buffer it filled, until the peer closes.
    let br = BufRing::new(&ring, 8, 64, 3);
    let e = Recv::new(raw(&b), core::ptr::null_mut(), 0).buf_group(3).multishot(true).build().user_data(9);
    // SAFETY: the buffer ring's memory outlives the request: its final
    // completion (on the peer's close) is reaped below, before `br` drops.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit().unwrap();
    let mut got = Vec::new();
    for msg in [&b"one"[..], b"two!", b"three"] {
        (&a).write_all(msg).unwrap();
        let c = one(&mut ring);
        assert!(c.more(), "multishot recv without F_MORE: {c:?}");
        let bid = c.buffer_id().expect("a provided buffer");
        got.extend_from_slice(&br.buf(bid)[..c.res as usize]);
    }
    assert_eq!(got, b"onetwo!three");
    drop(a);
    let c = one(&mut ring);
    assert_eq!((c.res, c.more()), (0, false), "EOF ends the multishot");
    br.unregister(&ring);

    // Bundle (6.10): one receive fills several consecutive buffers.
    if !ring.has_feature(IORING_FEAT_RECVSEND_BUNDLE) {
        println!("SKIP op27_recv bundle: the ring's features lack IORING_FEAT_RECVSEND_BUNDLE (added in 6.10)");
        return;
    }
    let (a, b) = tcp_pair();
    let br = BufRing::new(&ring, 8, 32, 4);
    let data: Vec<u8> = (0..100u8).collect();
    (&a).write_all(&data).unwrap();
    assert!(poll_for(raw(&b), libc::POLLIN));
    // The kernel decides how many buffers one bundle takes (it may leave
    // the rest for another receive); repeat until all 100 bytes arrived.
    let mut got = Vec::new();
    let mut widest = 0;
    while got.len() < 100 {
        let e = Recv::new(raw(&b), core::ptr::null_mut(), 0).buf_group(4).bundle(true).build();
        // SAFETY: the buffer ring outlives the completion.
        unsafe { ring.sq().push(&e) }.unwrap();
        let c = one(&mut ring);
        assert!(c.res > 0, "{c:?}");
        widest = widest.max(c.res);
        let first = c.buffer_id().expect("a provided buffer");
        // The buffers were queued in order, so a bundle is consecutive IDs.
        let mut left = c.res as usize;
        let mut bid = first;
        while left > 0 {
            let take = left.min(32);
            got.extend_from_slice(&br.buf(bid)[..take]);
            left -= take;
            bid += 1;
        }
    }
    assert!(widest > 32, "a bundle spanned more than one buffer (largest {widest})");
    assert_eq!(got, data);
    br.unregister(&ring);
}

// ----------------------------------------------------------------- OPENAT2

#[test]
fn op28_openat2() {
    let dir = TempPath::new("openat2");
    std::fs::create_dir(dir.path()).unwrap();
    std::fs::write(dir.path().join("inside"), b"beneath").unwrap();
    let dirf = std::fs::File::open(dir.path()).unwrap();
    let mut ring = ring();
    let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, mode: 0, resolve: RESOLVE_BENEATH };
    let inside = c"inside";
    let escape = c"../outside";
    // SAFETY: the paths and `how` outlive the completions.
    unsafe {
        ring.sq().push(&OpenAt2::new(raw(&dirf), inside.as_ptr(), &how).build().user_data(1)).unwrap();
        ring.sq().push(&OpenAt2::new(raw(&dirf), escape.as_ptr(), &how).build().user_data(2)).unwrap();
    }
    let v = sorted(&mut ring, 2);
    let f = std::fs::File::from(own(v[0].res));
    let mut s = String::new();
    (&f).read_to_string(&mut s).unwrap();
    assert_eq!(s, "beneath");
    assert_eq!(v[1].res, -libc::EXDEV, "RESOLVE_BENEATH refused to leave the directory");
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

// ----------------------------------------------------------- SPLICE / TEE

#[test]
fn op30_splice() {
    let f = TempPath::with("splice", b"spliced through a pipe");
    let file = std::fs::File::open(f.path()).unwrap();
    let (r, w) = pipe();
    let out = TempPath::with("splice_out", b"");
    let outf = std::fs::OpenOptions::new().write(true).open(out.path()).unwrap();
    let mut ring = ring();
    // file -> pipe, linked to pipe -> other file.
    let a = Splice::new(raw(&file), 8, raw(&w), -1, 14).build().user_data(1).flags(SqeFlags::IO_LINK);
    let b = Splice::new(raw(&r), -1, raw(&outf), 0, 14).build().user_data(2);
    // SAFETY: splice points at no memory.
    unsafe { ring.sq().push_all(&[a.into_sqe(), b.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (14, 14));
    assert_eq!(std::fs::read(out.path()).unwrap(), b"through a pipe");
}

// ---------------------------------------- PROVIDE_BUFFERS / REMOVE_BUFFERS

#[test]
fn op31_provide_buffers() {
    let f = TempPath::with("provide", b"picked by the kernel");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut pool = vec![0u8; 4 * 32];
    let mut ring = ring();
    let e = ProvideBuffers::new(pool.as_mut_ptr(), 32, 4, 9, 100).build();
    // SAFETY: `pool` outlives every use: the one read below, and the
    // removal of the rest, both reaped before it drops.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert!(one(&mut ring).res >= 0);
    let e = Read::new(raw(&file), core::ptr::null_mut(), 32).buf_group(9).build().flags(SqeFlags::BUFFER_SELECT);
    // SAFETY: the kernel picks a buffer from `pool`, alive as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    let c = one(&mut ring);
    assert_eq!(c.res, 20);
    let bid = c.buffer_id().expect("IORING_CQE_F_BUFFER");
    assert!((100..104).contains(&bid), "buffer id {bid}");
    let at = usize::from(bid - 100) * 32;
    assert_eq!(&pool[at..at + 20], b"picked by the kernel");
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&RemoveBuffers::new(10, 9).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 3, "three buffers were left");
}

#[test]
fn op32_remove_buffers() {
    let f = TempPath::with("remove", b"data");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut pool = vec![0u8; 2 * 16];
    let mut ring = ring();
    // SAFETY: `pool` outlives the provide and the removal reaped below.
    unsafe { ring.sq().push(&ProvideBuffers::new(pool.as_mut_ptr(), 16, 2, 4, 0).build()) }.unwrap();
    assert!(one(&mut ring).res >= 0);
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&RemoveBuffers::new(2, 4).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 2);
    // The group is empty now: a buffer-select read finds nothing.
    let e = Read::new(raw(&file), core::ptr::null_mut(), 16).buf_group(4).build().flags(SqeFlags::BUFFER_SELECT);
    // SAFETY: the group has no buffers, so nothing is pointed at.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::ENOBUFS);
}

#[test]
fn op33_tee() {
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    write_fd(raw(&w1), b"duplicated");
    let mut ring = ring();
    // SAFETY: tee points at no memory.
    unsafe { ring.sq().push(&Tee::new(raw(&r1), raw(&w2), 10).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(read_fd(raw(&r2), 32), b"duplicated");
    assert_eq!(read_fd(raw(&r1), 32), b"duplicated", "tee does not consume its input");
}

// --------------------------------------------------------------- SHUTDOWN

#[test]
fn op34_shutdown() {
    let (a, b) = tcp_pair();
    let mut ring = ring();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Shutdown::new(raw(&a), libc::SHUT_WR).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    b.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!((&b).read(&mut buf).unwrap(), 0, "the peer sees end of stream");
    (&b).write_all(b"back").unwrap();
    (&a).read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"back", "only the write side was shut down");
}

// ------------------------------------------------ names: RENAME, UNLINK ...

#[test]
fn op35_renameat() {
    let from = TempPath::with("rename_from", b"moved");
    let to = TempPath::new("rename_to");
    let (a, b) = (from.c(), to.c());
    let mut ring = ring();
    let e = RenameAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).build();
    // SAFETY: the paths outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert!(!from.path().exists());
    assert_eq!(std::fs::read(to.path()).unwrap(), b"moved");
    // RENAME_NOREPLACE refuses to overwrite.
    std::fs::write(from.path(), b"again").unwrap();
    let e = RenameAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).flags(libc::RENAME_NOREPLACE).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EEXIST);
}

#[test]
fn op36_unlinkat() {
    let f = TempPath::with("unlink", b"x");
    let d = TempPath::new("unlink_dir");
    std::fs::create_dir(d.path()).unwrap();
    let (fp, dp) = (f.c(), d.c());
    let mut ring = ring();
    // SAFETY: the paths outlive the completions.
    unsafe {
        ring.sq().push(&UnlinkAt::new(libc::AT_FDCWD, fp.as_ptr()).build().user_data(1)).unwrap();
        ring.sq()
            .push(&UnlinkAt::new(libc::AT_FDCWD, dp.as_ptr()).flags(libc::AT_REMOVEDIR).build().user_data(2))
            .unwrap();
    }
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 0));
    assert!(!f.path().exists() && !d.path().exists());
}

#[test]
fn op37_mkdirat() {
    let d = TempPath::new("mkdir");
    let p = d.c();
    let mut ring = ring();
    // SAFETY: the path outlives the completion.
    unsafe { ring.sq().push(&MkdirAt::new(libc::AT_FDCWD, p.as_ptr()).mode(0o700).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(d.path()).unwrap();
    assert!(m.is_dir());
    assert_eq!(m.mode() & 0o777, 0o700);
}

#[test]
fn op38_symlinkat() {
    let l = TempPath::new("symlink");
    let lp = l.c();
    let target = c"/some/where/else";
    let mut ring = ring();
    let e = SymlinkAt::new(target.as_ptr(), libc::AT_FDCWD, lp.as_ptr()).build();
    // SAFETY: the strings outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read_link(l.path()).unwrap(), std::path::Path::new("/some/where/else"));
}

#[test]
fn op39_linkat() {
    let f = TempPath::with("link_src", b"shared inode");
    let l = TempPath::new("link_dst");
    let (a, b) = (f.c(), l.c());
    let mut ring = ring();
    let e = LinkAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).build();
    // SAFETY: the paths outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let (m1, m2) = (std::fs::metadata(f.path()).unwrap(), std::fs::metadata(l.path()).unwrap());
    assert_eq!(m1.ino(), m2.ino());
    assert_eq!(m1.nlink(), 2);
}

// --------------------------------------------------------------- MSG_RING

#[test]
fn op40_msg_ring() {
    let mut a = ring();
    let mut b = ring();
    let b_fd = b.fd().expect("ring descriptor");
    // A data message: B gets a completion A made up.
    let e = MsgRing::new(b_fd, 4242, 0xabc).build().user_data(1);
    // SAFETY: points at no memory.
    unsafe { a.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut a).res, 0);
    let c = one(&mut b);
    assert_eq!((c.user_data, c.res), (0xabc, 4242));

    // With flags passed through (6.3).
    let e = MsgRing::new(b_fd, 1, 0xdef).cqe_flags(0x100).build();
    // SAFETY: as above.
    unsafe { a.sq().push(&e) }.unwrap();
    let r = one(&mut a).res;
    if r == 0 {
        let c = one(&mut b);
        assert_eq!((c.user_data, c.flags), (0xdef, 0x100));
    } else {
        println!("SKIP op40_msg_ring flags: the kernel refused IORING_MSG_RING_FLAGS_PASS ({r}; added in 6.3)");
    }

    // Passing a registered file (6.0): B reads the file through the slot.
    let f = TempPath::with("msg_ring", b"passed between rings");
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&a, &[raw(&file)]);
    register_files(&b, &[-1, -1]);
    let e = MsgRing::new(b_fd, 0, 0x5eed).send_fd((0, IORING_FILE_INDEX_ALLOC)).build();
    // SAFETY: as above.
    unsafe { a.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut a).res, 0);
    let c = one(&mut b);
    assert_eq!(c.user_data, 0x5eed);
    let slot = c.res;
    assert!((0..2).contains(&slot));
    let mut buf = [0u8; 20];
    // SAFETY: `buf` outlives the completion.
    unsafe { b.sq().push(&Read::new(Fixed(slot as u32), buf.as_mut_ptr(), 20).build()) }.unwrap();
    assert_eq!(one(&mut b).res, 20);
    assert_eq!(&buf, b"passed between rings");
}

// ----------------------------------------------------------------- XATTR

/// Whether the file system of `f` takes `user.` extended attributes.
fn user_xattrs_work(f: &TempPath) -> bool {
    let p = f.c();
    // SAFETY: the path, name and value are valid for the call.
    let r = unsafe { libc::setxattr(p.as_ptr(), c"user.probe".as_ptr(), b"1".as_ptr().cast(), 1, 0) };
    if r != 0 {
        println!("SKIP xattr tests: user xattrs unsupported on {:?}: {}", f.path(), std::io::Error::last_os_error());
    }
    r == 0
}

#[test]
fn op41_fsetxattr() {
    let f = TempPath::with("fsetxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let file = std::fs::File::open(f.path()).unwrap();
    let value = *b"set via fd";
    let mut ring = ring();
    let e = FSetXattr::new(raw(&file), c"user.ring".as_ptr(), value.as_ptr().cast(), 10).build();
    // SAFETY: the name and value outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let mut back = [0u8; 32];
    let p = f.c();
    // SAFETY: the buffer has room for 32 bytes.
    let n = unsafe { libc::getxattr(p.as_ptr(), c"user.ring".as_ptr(), back.as_mut_ptr().cast(), 32) };
    assert_eq!(&back[..n as usize], b"set via fd");
}

#[test]
fn op42_setxattr() {
    let f = TempPath::with("setxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    let value = *b"set via path";
    let mut ring = ring();
    let e =
        SetXattr::new(p.as_ptr(), c"user.ring".as_ptr(), value.as_ptr().cast(), 12).flags(libc::XATTR_CREATE).build();
    // SAFETY: the path, name and value outlive the completions.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // XATTR_CREATE a second time: it exists now.
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EEXIST);
    let mut back = [0u8; 32];
    // SAFETY: the buffer has room for 32 bytes.
    let n = unsafe { libc::getxattr(p.as_ptr(), c"user.ring".as_ptr(), back.as_mut_ptr().cast(), 32) };
    assert_eq!(&back[..n as usize], b"set via path");
}

#[test]
fn op43_fgetxattr() {
    let f = TempPath::with("fgetxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    // SAFETY: valid strings and value for the call.
    let r = unsafe { libc::setxattr(p.as_ptr(), c"user.k".as_ptr(), b"round trip".as_ptr().cast(), 10, 0) };
    assert_eq!(r, 0);
    let file = std::fs::File::open(f.path()).unwrap();
    let mut back = [0u8; 32];
    let mut ring = ring();
    let e = FGetXattr::new(raw(&file), c"user.k".as_ptr(), back.as_mut_ptr().cast(), 32).build();
    // SAFETY: the name and buffer outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(&back[..10], b"round trip");
}

#[test]
fn op44_getxattr() {
    let f = TempPath::with("getxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    let mut ring = ring();
    let value = *b"both ways";
    let set = SetXattr::new(p.as_ptr(), c"user.rt".as_ptr(), value.as_ptr().cast(), 9)
        .build()
        .user_data(1)
        .flags(SqeFlags::IO_LINK);
    let mut back = [0u8; 32];
    let get = GetXattr::new(p.as_ptr(), c"user.rt".as_ptr(), back.as_mut_ptr().cast(), 32).build().user_data(2);
    // SAFETY: the path, names, value and buffer outlive both completions.
    unsafe { ring.sq().push_all(&[set.into_sqe(), get.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 9));
    assert_eq!(&back[..9], b"both ways", "the value round-trips through the ring");
}

// ----------------------------------------------------------------- SOCKET

#[test]
fn op45_socket() {
    let mut ring = ring();
    let e = Socket::new(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0).build();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&e) }.unwrap();
    let s = own(one(&mut ring).res);
    assert_eq!(sockopt_int(raw(&s), libc::SOL_SOCKET, libc::SO_TYPE), libc::SOCK_DGRAM);
    assert_eq!(sockopt_int(raw(&s), libc::SOL_SOCKET, libc::SO_DOMAIN), libc::AF_INET);

    // As a direct descriptor, then installed as a normal one to inspect it.
    register_files(&ring, &[-1, -1]);
    let e = Socket::new(libc::AF_INET, libc::SOCK_STREAM, 0).file_index(IORING_FILE_INDEX_ALLOC).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    let slot = one(&mut ring).res;
    assert!((0..2).contains(&slot), "slot {slot}");
    if !supported(&ring, IORING_OP_FIXED_FD_INSTALL, "op45_socket (inspecting the direct socket)") {
        return;
    }
    // SAFETY: as above.
    unsafe { ring.sq().push(&FixedFdInstall::new(slot as u32).build()) }.unwrap();
    let s = own(one(&mut ring).res);
    assert_eq!(sockopt_int(raw(&s), libc::SOL_SOCKET, libc::SO_TYPE), libc::SOCK_STREAM);
}

// -------------------------------------------------------------- URING_CMD

#[test]
fn op46_uring_cmd() {
    let (a, b) = tcp_pair();
    (&a).write_all(b"12345").unwrap();
    assert!(poll_for(raw(&b), libc::POLLIN));
    let mut ring = ring();
    // SAFETY: SIOCINQ points at no memory.
    unsafe { ring.sq().push(&UringCmd::siocinq(raw(&b)).build()) }.unwrap();
    let res = one(&mut ring).res;
    if res == -libc::EOPNOTSUPP || res == -libc::EINVAL {
        println!("SKIP op46_uring_cmd: the kernel refused SIOCINQ through uring_cmd on a socket ({res}; socket commands were added in 6.7)");
        return;
    }
    assert_eq!(res, 5, "five bytes wait in the receive queue");

    let mut val: i32 = 0;
    let e = UringCmd::getsockopt(raw(&b), libc::SOL_SOCKET as u32, libc::SO_RCVBUF as u32, (&raw mut val).cast(), 4)
        .build();
    // SAFETY: `val` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 4, "getsockopt returns the option length");
    assert_eq!(val, sockopt_int(raw(&b), libc::SOL_SOCKET, libc::SO_RCVBUF));

    let on: i32 = 1;
    let e =
        UringCmd::setsockopt(raw(&b), libc::SOL_SOCKET as u32, libc::SO_KEEPALIVE as u32, (&raw const on).cast(), 4)
            .build();
    // SAFETY: `on` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(sockopt_int(raw(&b), libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
}

// ------------------------------------------------- SEND_ZC / SENDMSG_ZC

#[test]
fn op47_send_zc() {
    let (a, b) = tcp_pair();
    let data = vec![0x5au8; 8192];
    let mut ring = ring();
    let e = SendZc::new(raw(&a), data.as_ptr(), 8192).zc_flags(IORING_SEND_ZC_REPORT_USAGE as u16).build().user_data(3);
    // SAFETY: `data` stays alive and unmodified until the notification,
    // reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    let v = collect(&mut ring, 2);
    assert!(v.iter().all(|c| c.user_data == 3));
    let (res, notif) = (v[0], v[1]);
    assert_eq!(res.res, 8192);
    assert!(res.more() && !res.notif(), "the result says a notification follows: {res:?}");
    assert!(notif.notif() && !notif.more(), "then the notification: {notif:?}");
    // Loopback copies the data, which REPORT_USAGE may reveal.
    println!("op47_send_zc: notification res {:#x} (bit 31: data was copied)", notif.res);
    let mut got = vec![0u8; 8192];
    (&b).read_exact(&mut got).unwrap();
    assert_eq!(got, data);
}

#[test]
fn op48_sendmsg_zc() {
    let (a, b) = tcp_pair();
    let (p1, p2) = (*b"zero-copy ", *b"message");
    let mut iov = [
        libc::iovec { iov_base: p1.as_ptr() as *mut _, iov_len: p1.len() },
        libc::iovec { iov_base: p2.as_ptr() as *mut _, iov_len: p2.len() },
    ];
    // SAFETY: all-zero is a valid msghdr.
    let mut msg: libc::msghdr = unsafe { core::mem::zeroed() };
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = 2;
    let mut ring = ring();
    // SAFETY: `msg`, `iov`, `p1`, `p2` outlive the notification reaped below.
    unsafe { ring.sq().push(&SendMsgZc::new(raw(&a), &msg).build()) }.unwrap();
    let v = collect(&mut ring, 2);
    assert_eq!(v[0].res, 17);
    assert!(v[0].more() && v[1].notif());
    let mut got = [0u8; 17];
    (&b).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"zero-copy message");
}

// --------------------------------------------------------- READ_MULTISHOT

#[test]
fn op49_read_multishot() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_READ_MULTISHOT, "op49_read_multishot") {
        return;
    }
    let (r, w) = pipe();
    let br = BufRing::new(&ring, 4, 32, 7);
    // SAFETY: the buffer ring outlives the request, whose final completion
    // (after the cancel below) is reaped before `br` drops.
    unsafe { ring.sq().push(&ReadMulti::new(raw(&r), br.bgid()).build().user_data(1)) }.unwrap();
    ring.submit().unwrap();
    let mut seen = Vec::new();
    for chunk in [&b"aa"[..], b"bbb", b"cccc"] {
        write_fd(raw(&w), chunk);
        let c = one(&mut ring);
        assert!(c.more(), "multishot read without F_MORE: {c:?}");
        let bid = c.buffer_id().expect("a provided buffer");
        seen.push(br.buf(bid)[..c.res as usize].to_vec());
    }
    assert_eq!(seen, [b"aa".to_vec(), b"bbb".to_vec(), b"cccc".to_vec()]);
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&AsyncCancel::new(1).build().user_data(2)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[0].more()), (ECANCELED, false));
    br.unregister(&ring);
}

// ----------------------------------------------------------------- WAITID

#[test]
fn op50_waitid() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_WAITID, "op50_waitid") {
        return;
    }
    // The ring's WAITID reaps the child; `Child::wait` would then find
    // nothing to wait for, so the lint's advice does not apply.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new("sh").args(["-c", "exit 3"]).spawn().expect("spawn sh");
    let pid = child.id();
    // SAFETY: siginfo_t is plain data; all-zero is valid.
    let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
    let e = WaitId::new(libc::P_PID, pid, libc::WEXITED, &mut info).build();
    // SAFETY: `info` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // SAFETY: waitid filled a SIGCHLD siginfo, whose pid and status fields
    // these accessors read.
    let (spid, status) = unsafe { (info.si_pid(), info.si_status()) };
    assert_eq!((spid as u32, status), (pid, 3));
    assert_eq!(info.si_code, libc::CLD_EXITED);
}

// ---------------------------------------------------------------- FUTEXES

fn futex_syscall(word: &AtomicU32, op: i32, val: u32, timeout: Option<&libc::timespec>) -> i64 {
    let ts = timeout.map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a live, aligned u32; `ts` is null or a live timespec.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), op, val, ts, 0usize, 0u32) }
}

#[test]
fn op51_futex_wait() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAIT, "op51_futex_wait") {
        return;
    }
    let word = AtomicU32::new(0);
    // A wait whose expected value is stale fails at once with EAGAIN.
    // SAFETY: `word` outlives the completion.
    unsafe { ring.sq().push(&FutexWait::new(word.as_ptr(), 1).build().user_data(1)) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EAGAIN);
    // A real wait: armed at submission, woken by an ordinary futex wake.
    // SAFETY: as above; the wait is woken and reaped below.
    unsafe { ring.sq().push(&FutexWait::new(word.as_ptr(), 0).build().user_data(2)) }.unwrap();
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)), "futex wait completed unwoken");
    let woke = futex_syscall(&word, libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 1, None);
    assert_eq!(woke, 1, "the wake found the ring's waiter");
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (2, 0));
}

#[test]
fn op52_futex_wake() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAKE, "op52_futex_wake") {
        return;
    }
    let word = Arc::new(AtomicU32::new(0));
    let w2 = Arc::clone(&word);
    // A thread blocks in FUTEX_WAIT (bounded, so a failure cannot hang).
    let waiter = std::thread::spawn(move || {
        let ts = libc::timespec { tv_sec: 5, tv_nsec: 0 };
        futex_syscall(&w2, libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG, 0, Some(&ts))
    });
    // Wake through the ring until the wake reports it woke someone (the
    // thread may not be waiting yet on the first tries).
    let deadline = Instant::now() + PATIENCE;
    let woken = loop {
        // SAFETY: `word` outlives the completion.
        unsafe { ring.sq().push(&FutexWake::new(word.as_ptr(), 1).build()) }.unwrap();
        let n = one(&mut ring).res;
        if n != 0 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(woken, 1);
    assert_eq!(waiter.join().unwrap(), 0, "the waiter returned from a wake, not a timeout");
}

#[test]
fn op53_futex_waitv() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAITV, "op53_futex_waitv") {
        return;
    }
    let words = [AtomicU32::new(0), AtomicU32::new(0)];
    let flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
    let v = [
        futex_waitv { val: 0, uaddr: words[0].as_ptr() as u64, flags, __reserved: 0 },
        futex_waitv { val: 0, uaddr: words[1].as_ptr() as u64, flags, __reserved: 0 },
    ];
    // SAFETY: `v` and `words` outlive the completion, reaped below.
    unsafe { ring.sq().push(&FutexWaitV::new(v.as_ptr(), 2).build()) }.unwrap();
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)));
    assert_eq!(futex_syscall(&words[1], libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 1, None), 1);
    assert_eq!(one(&mut ring).res, 1, "the index of the futex that was woken");
}

// ------------------------------------------------------ FIXED_FD_INSTALL

#[test]
fn op54_fixed_fd_install() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FIXED_FD_INSTALL, "op54_fixed_fd_install") {
        return;
    }
    let f = TempPath::with("install", b"installed");
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&ring, &[raw(&file)]);
    drop(file); // The slot keeps its own reference to the file.
                // SAFETY: points at no memory.
    unsafe { ring.sq().push(&FixedFdInstall::new(0).build()) }.unwrap();
    let fd = own(one(&mut ring).res);
    // SAFETY: F_GETFD inspects the descriptor table only.
    let cloexec = unsafe { libc::fcntl(raw(&fd), libc::F_GETFD) } & libc::FD_CLOEXEC != 0;
    assert!(cloexec, "installed close-on-exec by default");
    let mut s = String::new();
    std::fs::File::from(fd).read_to_string(&mut s).unwrap();
    assert_eq!(s, "installed");
}

// -------------------------------------------------------------- FTRUNCATE

#[test]
fn op55_ftruncate() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FTRUNCATE, "op55_ftruncate") {
        return;
    }
    let f = TempPath::with("ftruncate", b"0123456789");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Ftruncate::new(raw(&file), 4).build().user_data(1)) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"0123");
    // SAFETY: as above.
    unsafe { ring.sq().push(&Ftruncate::new(raw(&file), 4096).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::metadata(f.path()).unwrap().len(), 4096);
}

// ---------------------------------------------------------- BIND / LISTEN

#[test]
fn op56_bind() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_BIND, "op56_bind") {
        return;
    }
    let s = socket(libc::SOCK_STREAM);
    let addr = sockaddr_in(SocketAddrV4::new([127, 0, 0, 1].into(), 0));
    let e = Bind::new(raw(&s), (&raw const addr).cast(), core::mem::size_of_val(&addr) as u32).build();
    // SAFETY: `addr` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let local = local_v4(raw(&s));
    assert_eq!(*local.ip(), std::net::Ipv4Addr::LOCALHOST);
    assert_ne!(local.port(), 0, "bound to an ephemeral port");
}

#[test]
fn op57_listen() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_LISTEN, "op57_listen") {
        return;
    }
    let s = socket(libc::SOCK_STREAM);
    let addr = sockaddr_in(SocketAddrV4::new([127, 0, 0, 1].into(), 0));
    let b = Bind::new(raw(&s), (&raw const addr).cast(), core::mem::size_of_val(&addr) as u32)
        .build()
        .user_data(1)
        .flags(SqeFlags::IO_LINK);
    let l = Listen::new(raw(&s), 8).build().user_data(2);
    // SAFETY: `addr` outlives both completions.
    unsafe { ring.sq().push_all(&[b.into_sqe(), l.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 0));
    // A connection now lands in the backlog; accept it with the listener.
    let client = TcpStream::connect(local_v4(raw(&s))).expect("connect to the listening socket");
    let listener = TcpListener::from(s);
    let (_srv, peer) = listener.accept().unwrap();
    assert_eq!(peer, client.local_addr().unwrap());
}

// --------------------------------------------------------------- RECV_ZC

#[test]
fn op58_recv_zc() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_RECV_ZC, "op58_recv_zc") {
        return;
    }
    // Zero-copy receive needs an interface queue registered with
    // IORING_REGISTER_ZCRX_IFQ on a NIC with header split and flow
    // steering, and a CQE32 ring; loopback cannot provide one. What can be
    // checked here is that the kernel rejects a request naming no
    // registered queue instead of accepting it.
    let (_a, b) = tcp_pair();
    // SAFETY: RECV_ZC points at no memory of ours.
    unsafe { ring.sq().push(&RecvZc::new(raw(&b), 0).build()) }.unwrap();
    let res = one(&mut ring).res;
    assert!(res < 0, "RECV_ZC without a zcrx queue must fail, got {res}");
    println!(
        "SKIP op58_recv_zc effect: needs a zcrx-capable NIC queue (none on loopback); \
         unregistered queue refused with {res}"
    );
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

// -------------------------------------------- READV_FIXED / WRITEV_FIXED

#[test]
fn op60_readv_fixed() {
    let f = TempPath::with("readv_fixed", b"scatter into registered memory");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    let mut ring = ring();
    if !supported(&ring, IORING_OP_READV_FIXED, "op60_readv_fixed") {
        return;
    }
    register_buffers(&ring, &mut bufs);
    let base = bufs[0].as_mut_ptr();
    let iov = [
        libc::iovec { iov_base: base.wrapping_add(10).cast(), iov_len: 8 },
        libc::iovec { iov_base: base.wrapping_add(1000).cast(), iov_len: 22 },
    ];
    // SAFETY: both iovecs lie in registered buffer 0, which (like `iov`)
    // outlives the completion.
    unsafe { ring.sq().push(&ReadvFixed::new(raw(&file), iov.as_ptr(), 2, 0).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 30);
    assert_eq!(&bufs[0][10..18], b"scatter ");
    assert_eq!(&bufs[0][1000..1022], b"into registered memory");
}

#[test]
fn op61_writev_fixed() {
    let f = TempPath::with("writev_fixed", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    bufs[0][..6].copy_from_slice(b"gather");
    bufs[0][2000..2005].copy_from_slice(b" done");
    let mut ring = ring();
    if !supported(&ring, IORING_OP_WRITEV_FIXED, "op61_writev_fixed") {
        return;
    }
    register_buffers(&ring, &mut bufs);
    let base = bufs[0].as_mut_ptr();
    let iov = [
        libc::iovec { iov_base: base.cast(), iov_len: 6 },
        libc::iovec { iov_base: base.wrapping_add(2000).cast(), iov_len: 5 },
    ];
    // SAFETY: both iovecs lie in registered buffer 0, alive and unmodified
    // until the completion.
    unsafe { ring.sq().push(&WritevFixed::new(raw(&file), iov.as_ptr(), 2, 0).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 11);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"gather done");
}

// ------------------------------------------------------------------ PIPE

#[test]
fn op62_pipe() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_PIPE, "op62_pipe") {
        return;
    }
    let mut fds = [-1; 2];
    let e = Pipe::new(&mut fds).flags(libc::O_CLOEXEC as u32).build();
    // SAFETY: `fds` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let (r, w) = (own(fds[0]), own(fds[1]));
    write_fd(raw(&w), b"through the new pipe");
    assert_eq!(read_fd(raw(&r), 64), b"through the new pipe");

    // As direct descriptors: splice through the registered pair.
    register_files(&ring, &[-1, -1, -1, -1]);
    let mut slots = [-1; 2];
    let e = Pipe::new(&mut slots).file_index(IORING_FILE_INDEX_ALLOC).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let data = *b"direct";
    let mut back = [0u8; 6];
    let wr = Write::new(Fixed(slots[1] as u32), data.as_ptr(), 6)
        .offset(u64::MAX)
        .build()
        .user_data(1)
        .flags(SqeFlags::IO_LINK);
    let rd = Read::new(Fixed(slots[0] as u32), back.as_mut_ptr(), 6).offset(u64::MAX).build().user_data(2);
    // SAFETY: `data` and `back` outlive both completions.
    unsafe { ring.sq().push_all(&[wr.into_sqe(), rd.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (6, 6));
    assert_eq!(&back, b"direct");
}

// ------------------------------------------------- NOP128 / URING_CMD128

#[test]
fn op63_nop128() {
    let r = ring();
    if !supported(&r, IORING_OP_NOP128, "op63_nop128 (added in 6.19)") {
        return;
    }
    let mut ring = Builder::new(8).sqe_mixed().build().expect("SQE_MIXED ring");
    // Fill all but the last slot so that the 128-byte entry has to wrap,
    // which exercises push128's padding NOP too.
    for i in 0..7 {
        // SAFETY: NOPs point at no memory.
        unsafe { ring.sq().push(&Nop::new().build().user_data(i)) }.unwrap();
    }
    let _ = collect(&mut ring, 7);
    // SAFETY: as above.
    unsafe { ring.sq().push128(&Nop128::new().inject_result(77).build().user_data(100)) }.unwrap();
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (100, 77));
}

#[test]
fn op64_uring_cmd128() {
    let r = ring();
    if !supported(&r, IORING_OP_URING_CMD128, "op64_uring_cmd128 (added in 6.19)") {
        return;
    }
    let (a, b) = tcp_pair();
    (&a).write_all(b"abc").unwrap();
    assert!(poll_for(raw(&b), libc::POLLIN));
    let mut ring = Builder::new(8).sqe_mixed().build().expect("SQE_MIXED ring");
    let e = UringCmd128::new(raw(&b), SOCKET_URING_OP_SIOCINQ).build();
    // SAFETY: SIOCINQ points at no memory.
    unsafe { ring.sq().push128(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 3);
}

// ------------------------------------------------------- queue behaviour

#[test]
fn sq_full() {
    let mut ring = ring_core::Ring::new(8).unwrap();
    let cap = ring.sq().capacity();
    for i in 0..cap {
        // SAFETY: NOPs point at no memory.
        unsafe { ring.sq().push(&Nop::new().build().user_data(u64::from(i))) }.unwrap();
    }
    // SAFETY: as above.
    let full = unsafe { ring.sq().push(&Nop::new().build()) };
    assert_eq!(full, Err(ring_core::SqFull));
    assert_eq!(ring.submit().unwrap(), cap);
    let v = sorted(&mut ring, cap as usize);
    assert_eq!(v.iter().map(|c| c.user_data).collect::<Vec<_>>(), (0..u64::from(cap)).collect::<Vec<_>>());
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().build()) }.expect("room again after submitting");
    let _ = one(&mut ring);
}

#[test]
fn cq_overflow_nodrop_loses_nothing() {
    let mut ring = Builder::new(8).cq_size(16).build().unwrap();
    assert!(ring.has_feature(IORING_FEAT_NODROP), "every supported kernel has NODROP");
    let cq = ring.cq().capacity() as u64;
    let rounds = 40u64;
    let per = u64::from(ring.sq().capacity());
    let total = rounds * per;
    let mut overflowed = false;
    // Submit many NOPs without reaping: far more than the CQ holds. With
    // NODROP the kernel parks the excess on its overflow list.
    for round in 0..rounds {
        for i in 0..per {
            let ud = round * per + i;
            // SAFETY: NOPs point at no memory.
            unsafe { ring.sq().push(&Nop::new().build().user_data(ud)) }.unwrap();
        }
        loop {
            match ring.submit() {
                Ok(_) => break,
                // An older kernel may refuse to submit while it cannot
                // flush the overflow; that is transient.
                Err(e) if e.is_transient() => {
                    ring.get_events().ok();
                }
                Err(e) => panic!("submit: {e}"),
            }
        }
        overflowed |= ring.sq().cq_overflow();
    }
    assert!(overflowed, "the CQ of {cq} never overflowed with {total} completions");
    // Now reap, entering with GETEVENTS to have the kernel flush the
    // overflow list into the CQ as room appears.
    let mut seen = vec![0u32; total as usize];
    let mut got = 0u64;
    let deadline = Instant::now() + PATIENCE;
    while got < total {
        assert!(Instant::now() < deadline, "only {got} of {total} completions arrived");
        while let Some(c) = ring.cq().pop() {
            assert_eq!(c.res, 0);
            seen[c.user_data as usize] += 1;
            got += 1;
        }
        if got < total {
            ring.get_events().unwrap();
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "every user_data exactly once");
    assert!(!ring.sq().cq_overflow(), "the overflow list is empty");
    assert_eq!(ring.cq().overflow(), 0, "nothing was dropped");
}
