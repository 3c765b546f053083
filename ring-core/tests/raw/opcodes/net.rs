//! The networking opcodes: sockets, connections, sends and receives
//! (plain, with messages, and zero-copy).

use super::*;

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
