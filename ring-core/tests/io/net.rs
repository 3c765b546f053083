//! Networking operations and socket types against this machine's kernel,
//! on 127.0.0.1 only, bounded in count and time.

use crate::support::{localhost, supported};
use ring_core::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use ring_core::ops::{Msg, SockAddr, SocketCmd};
use ring_core::{Driver, Runtime, SharedFd};
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Deterministic bytes for client `i`.
fn pattern(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|j| ((i * 31 + j * 7) % 251) as u8).collect()
}

#[test]
fn echo_server_64_clients_every_byte_verified() {
    let rt = Runtime::new(512).unwrap();
    let d = rt.driver().clone();
    let spawner = rt.spawner();
    let start = Instant::now();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, localhost()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        const CLIENTS: usize = 64;
        const LEN: usize = 64 * 1024;
        // The server: one task per accepted connection, echoing until EOF.
        let sp = spawner.clone();
        let server = spawner
            .try_spawn(async move {
                for _ in 0..CLIENTS {
                    let (s, _) = listener.accept().await.unwrap();
                    sp.spawn(async move {
                        let mut buf = Vec::with_capacity(8192);
                        loop {
                            buf.clear();
                            let (n, b) = s.read(buf).await;
                            let n = n.unwrap();
                            if n == 0 {
                                break;
                            }
                            let (r, b) = s.write_all(b).await;
                            r.unwrap();
                            buf = b;
                        }
                    });
                }
            })
            .unwrap();
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            let d = d.clone();
            clients.push(
                spawner
                    .try_spawn(async move {
                        let s = TcpStream::connect(&d, addr).await.unwrap();
                        let data = pattern(i, LEN);
                        let (r, data) = s.write_all(data).await;
                        r.unwrap();
                        s.shutdown(Shutdown::Write).await.unwrap();
                        let mut got = Vec::with_capacity(LEN);
                        loop {
                            let (n, b) = s.read(Vec::with_capacity(16384)).await;
                            if n.unwrap() == 0 {
                                break;
                            }
                            got.extend_from_slice(&b);
                        }
                        assert_eq!(got.len(), data.len(), "client {i}");
                        assert!(got == data, "client {i}: bytes differ");
                        s.close().await.unwrap();
                    })
                    .unwrap(),
            );
        }
        for c in clients {
            c.await.unwrap();
        }
        server.await.unwrap();
    })
    .unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn multishot_accept_200_connections() {
    let rt = Runtime::new(512).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, localhost()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        const N: usize = 200;
        // Clients connect with plain std sockets from another thread, each
        // sending its index, so every accepted stream can be matched.
        let t = std::thread::spawn(move || {
            let mut keep = Vec::new();
            for i in 0..N {
                use std::io::Write;
                let mut s = std::net::TcpStream::connect(addr).unwrap();
                s.write_all(&(i as u32).to_le_bytes()).unwrap();
                keep.push(s);
            }
            keep
        });
        let mut incoming = listener.incoming();
        let mut seen = [false; N];
        let mut n = 0;
        while n < N {
            match incoming.next().await {
                Some(Ok(s)) => {
                    let (r, b) = s.read(Vec::with_capacity(4)).await;
                    assert_eq!(r.unwrap(), 4);
                    let i = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
                    assert!(!seen[i]);
                    seen[i] = true;
                    n += 1;
                }
                Some(Err(e)) => panic!("accept failed: {e}"),
                // The kernel may end a multishot accept; re-arm it.
                None => incoming = listener.incoming(),
            }
        }
        assert!(seen.iter().all(|&s| s));
        incoming.cancel();
        while incoming.next().await.is_some() {}
        drop(t.join().unwrap());
    })
    .unwrap();
}

#[test]
fn udp_send_to_recv_from_and_connected() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let a = UdpSocket::bind(&d, localhost()).await.unwrap();
        let b = UdpSocket::bind(&d, localhost()).await.unwrap();
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let (r, _) = a.send_to(b"datagram".to_vec(), ba).await;
        assert_eq!(r.unwrap(), 8);
        let (r, buf) = b.recv_from(Vec::with_capacity(64)).await;
        let (n, from) = r.unwrap();
        assert_eq!(&buf[..n], b"datagram");
        assert_eq!(from, aa);
        a.connect(ba).await.unwrap();
        let (r, _) = a.send(b"connected".to_vec()).await;
        assert_eq!(r.unwrap(), 9);
        let (r, buf) = b.recv(Vec::with_capacity(64)).await;
        assert_eq!(&buf[..r.unwrap()], b"connected");
    })
    .unwrap();
}

#[test]
fn sendmsg_recvmsg_carry_data_and_addresses() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let a = Rc::new(std::net::UdpSocket::bind(localhost()).unwrap());
        let b = Rc::new(std::net::UdpSocket::bind(localhost()).unwrap());
        let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let msg = Msg::new(vec![b"scatter ".to_vec(), b"gather".to_vec()]).to(ba);
        let (r, _) = d.sendmsg(&a, msg, 0).await;
        assert_eq!(r.unwrap(), 14);
        let msg = Msg::new(vec![Vec::with_capacity(4), Vec::with_capacity(64)]).control(Vec::with_capacity(64));
        let (r, msg) = d.recvmsg(&b, msg, 0).await;
        assert_eq!(r.unwrap(), 14);
        assert_eq!(msg.bufs[0], b"scat");
        assert_eq!(msg.bufs[1], b"ter gather");
        assert_eq!(msg.addr.unwrap().as_socket_addr(), Some(aa));
        // Zero-copy sendmsg, where the kernel has it (the message comes
        // back after the notification).
        if supported(&d, ring_sys::IORING_OP_SENDMSG_ZC, "sendmsg_zc") {
            let msg = Msg::new(vec![b"zero-copy".to_vec()]).to(ba);
            let (r, msg) = d.sendmsg_zc(&a, msg, 0).await;
            assert_eq!(r.unwrap(), 9);
            assert_eq!(msg.bufs[0], b"zero-copy");
            let mut buf = [0u8; 32];
            let (n, from) = b.recv_from(&mut buf).unwrap();
            assert_eq!((&buf[..n], from), (&b"zero-copy"[..], aa));
        }
    })
    .unwrap();
}

#[test]
fn low_level_socket_bind_listen_accept_connect_send_recv() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let sp = rt.spawner();
    rt.block_on(async move {
        if !supported(&d, ring_sys::IORING_OP_BIND, "bind/listen ops") {
            return;
        }
        let l = SharedFd::new(d.socket(libc::AF_INET, libc::SOCK_STREAM, 0).await.unwrap());
        d.bind(&l, localhost()).await.unwrap();
        d.listen(&l, 16).await.unwrap();
        let addr = std::net::TcpListener::from(l.as_fd().try_clone_to_owned().unwrap()).local_addr().unwrap();
        let d2 = d.clone();
        let client = sp
            .try_spawn(async move {
                let c = SharedFd::new(d2.socket(libc::AF_INET, libc::SOCK_STREAM, 0).await.unwrap());
                d2.connect(&c, addr).await.unwrap();
                let (r, _) = d2.send(&c, b"ping".to_vec(), 0).await;
                assert_eq!(r.unwrap(), 4);
                let local = SockAddr::from_std(
                    std::net::TcpStream::from(c.as_fd().try_clone_to_owned().unwrap()).local_addr().unwrap(),
                );
                (c, local)
            })
            .unwrap();
        let (s, peer) = d.accept(&l, 0).await.unwrap();
        let s = SharedFd::new(s);
        let (c, local) = client.await.unwrap();
        assert_eq!(peer.as_socket_addr(), local.as_socket_addr());
        let (r, buf) = d.recv(&s, Vec::with_capacity(16), 0).await;
        assert_eq!(r.unwrap(), 4);
        assert_eq!(buf, b"ping");
        // SIOCINQ through uring_cmd: bytes waiting to be read.
        if supported(&d, ring_sys::IORING_OP_URING_CMD, "socket uring_cmd") {
            let (r, _) = d.send(&c, b"12345".to_vec(), 0).await;
            r.unwrap();
            std::thread::sleep(Duration::from_millis(20));
            let (r, _) = d.socket_cmd(&s, SocketCmd::InQueue).unwrap().await;
            match r {
                Ok(n) => assert_eq!(n, 5),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::EOPNOTSUPP), "{e}");
                    println!("skipping SIOCINQ via uring_cmd: the kernel refused it: {e} (socket commands were added in 6.7)")
                }
            }
            let (r, cmd) = d
                .socket_cmd(
                    &s,
                    SocketCmd::SetOpt {
                        level: libc::SOL_SOCKET,
                        name: libc::SO_KEEPALIVE,
                        value: 1i32.to_ne_bytes().to_vec(),
                    },
                )
                .unwrap()
                .await;
            if r.is_ok() {
                let (r, cmd) = d
                    .socket_cmd(
                        &s,
                        SocketCmd::GetOpt {
                            level: libc::SOL_SOCKET,
                            name: libc::SO_KEEPALIVE,
                            value: Vec::with_capacity(4),
                        },
                    )
                    .unwrap()
                    .await;
                assert_eq!(r.unwrap(), 4);
                match cmd {
                    SocketCmd::GetOpt { value, .. } => assert_eq!(value, 1i32.to_ne_bytes()),
                    _ => unreachable!(),
                }
            } else {
                println!("skipping setsockopt via uring_cmd: the kernel refused it: {r:?} ({cmd:?})");
            }
        }
        // A socket command on a file that is not a socket is refused
        // before it reaches the kernel.
        let f = Rc::new(std::fs::File::open("/proc/self/stat").unwrap());
        let e = d.socket_cmd(&f, SocketCmd::InQueue).err().unwrap();
        assert_eq!(e.raw_os_error(), Some(libc::ENOTSOCK));
        d.shutdown_socket(&c, libc::SHUT_WR).await.unwrap();
        let mut total = 0;
        loop {
            let (r, _) = d.recv(&s, Vec::with_capacity(16), 0).await;
            let n = r.unwrap();
            if n == 0 {
                break;
            }
            total += n;
        }
        assert_eq!(total, 5);
    })
    .unwrap();
}

#[test]
fn poll_and_epoll_see_readiness() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let b = Rc::new(b);
        use std::io::Write;
        (&a).write_all(b"x").unwrap();
        let rev = d.poll_add(&b, libc::POLLIN as u32).await.unwrap();
        assert!(rev & libc::POLLIN as u32 != 0);

        // SAFETY: epoll_create1 has no memory effects.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(ep >= 0);
        // SAFETY: a fresh descriptor we own.
        let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
        d.epoll_ctl(&ep, &b, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 42).await.unwrap();
        if supported(&d, ring_sys::IORING_OP_EPOLL_WAIT, "epoll_wait") {
            let evs = d.epoll_wait(&ep, 8).unwrap().await.unwrap();
            assert_eq!(evs.len(), 1);
            let (events, data) = (evs[0].events, evs[0].u64);
            assert_eq!(data, 42);
            assert!(events & libc::EPOLLIN as u32 != 0);
        }
        // Poll remove: a poll that never fires is removed by user_data.
        let (c, _d2) = std::os::unix::net::UnixStream::pair().unwrap();
        let c = Rc::new(c);
        let mut pending = d.poll_add(&c, libc::POLLIN as u32);
        // Submit it by polling once.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::pin::Pin::new(&mut pending).poll(&mut cx).is_pending());
        let target = pending.poll_target().unwrap();
        d.poll_remove(target).unwrap().await.unwrap();
        let r = pending.await;
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
        drop(c);
    })
    .unwrap();
}

use std::future::Future;

#[test]
fn unix_stream_and_listener() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let sp = rt.spawner();
    let path = std::env::temp_dir().join(format!("ring-core-{}-unix.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let p2 = path.clone();
    rt.block_on(async move {
        let l = UnixListener::bind(&d, &p2).await.unwrap();
        let d2 = d.clone();
        let p3 = p2.clone();
        let c = sp
            .try_spawn(async move {
                let s = UnixStream::connect(&d2, &p3).await.unwrap();
                let (r, _) = s.write_all(b"over unix".to_vec()).await;
                r.unwrap();
                s
            })
            .unwrap();
        let s = l.accept().await.unwrap();
        let _client = c.await.unwrap();
        let (r, buf) = s.read(Vec::with_capacity(32)).await;
        assert_eq!(&buf[..r.unwrap()], b"over unix");
        let (x, y) = UnixStream::pair(&d).unwrap();
        let (r, _) = x.write(b"pair".to_vec()).await;
        assert_eq!(r.unwrap(), 4);
        let (r, buf) = y.read(Vec::with_capacity(8)).await;
        assert_eq!(&buf[..r.unwrap()], b"pair");
    })
    .unwrap();
    let _ = std::fs::remove_file(&path);
}

#[test]
fn tcp_send_zc_and_std_conversions() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let spawner = rt.spawner();
    rt.block_on(async move {
        let l = std::net::TcpListener::bind(localhost()).unwrap();
        let addr = l.local_addr().unwrap();
        let s = TcpStream::connect(&d, addr).await.unwrap();
        let (peer, _) = l.accept().unwrap();
        let peer = TcpStream::try_from(peer).unwrap();
        let raw = peer.as_raw_fd();
        assert!(raw >= 0);
        s.set_nodelay(true).unwrap();
        assert_eq!(s.peer_addr().unwrap(), addr);
        // The receiver reads to the end in a task of its own, while the
        // send is awaited: over loopback the send's notification (and so
        // its future) may wait for the receiver's read (see
        // `a_zero_copy_send_over_loopback_may_wait_for_the_receiver`).
        let reader = spawner
            .try_spawn(async move {
                let mut got = Vec::new();
                loop {
                    let (r, b) = peer.read(Vec::with_capacity(65536)).await;
                    if r.unwrap() == 0 {
                        return got;
                    }
                    got.extend_from_slice(&b);
                }
            })
            .unwrap();
        let data = pattern(7, 100_000);
        let mut sent = 0;
        if supported(&d, ring_sys::IORING_OP_SEND_ZC, "send_zc") {
            let (r, back) = s.send_zc(data.clone()).await;
            sent = r.unwrap();
            assert_eq!(back, data);
        }
        let std_stream: std::net::TcpStream = s.try_into().unwrap();
        assert_eq!(std_stream.peer_addr().unwrap(), addr);
        std_stream.shutdown(Shutdown::Write).unwrap();
        let got = reader.await.unwrap();
        assert_eq!(&got[..], &data[..sent]);
    })
    .unwrap();
}

/// Runs `f` for at most `limit`: `None` if the time ran out first.
async fn within<F: std::future::Future>(d: &Driver, limit: Duration, f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut t = std::pin::pin!(d.sleep(limit));
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(v));
        }
        if t.as_mut().poll(cx).is_ready() {
            return std::task::Poll::Ready(None);
        }
        std::task::Poll::Pending
    })
    .await
}

/// The hazard `docs/zero-copy.md` states: over loopback a zero-copy send
/// puts its pages in the receiver's queue, and a kernel may post the
/// notification, which gives the buffer back and ends the future, only
/// once the receiver has read them (6.1 does for a send of this size;
/// 6.12 and 6.18 notify without waiting for the read). Awaiting such a send
/// before reading, on one task, then never ends. Here the send is given
/// half a second before the receiver, a task of its own, starts to read;
/// after the read it must end either way, with every byte delivered.
#[test]
fn a_zero_copy_send_over_loopback_may_wait_for_the_receiver() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let spawner = rt.spawner();
    rt.block_on(async move {
        if !supported(&d, ring_sys::IORING_OP_SEND_ZC, "the loopback zero-copy check") {
            return;
        }
        let l = std::net::TcpListener::bind(localhost()).unwrap();
        let s = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
        let peer = TcpStream::try_from(l.accept().unwrap().0).unwrap();
        let rd = d.clone();
        let reader = spawner
            .try_spawn(async move {
                // Starts after the sender's half second without a reader.
                rd.sleep(Duration::from_millis(700)).await.unwrap();
                let mut got = Vec::new();
                loop {
                    let (r, b) = peer.read(Vec::with_capacity(65536)).await;
                    if r.unwrap() == 0 {
                        return got;
                    }
                    got.extend_from_slice(&b);
                }
            })
            .unwrap();
        let data = pattern(3, 100_000);
        let (n, when) = {
            let mut send = std::pin::pin!(s.send_zc(data.clone()));
            let early = within(&d, Duration::from_millis(500), send.as_mut()).await;
            let ((r, back), when) = match early {
                Some(out) => (out, "without waiting for the receiver"),
                None => (
                    within(&d, Duration::from_secs(10), send.as_mut())
                        .await
                        .expect("the notification arrives once the receiver has read"),
                    "only after the receiver read the data",
                ),
            };
            assert_eq!(back, data);
            (r.unwrap(), when)
        };
        let std_stream: std::net::TcpStream = s.try_into().unwrap();
        std_stream.shutdown(Shutdown::Write).unwrap();
        let got = within(&d, Duration::from_secs(10), reader).await.expect("the reader ends").unwrap();
        assert_eq!(got, data[..n]);
        println!("on this kernel a loopback zero-copy send of {n} bytes completed {when}");
    })
    .unwrap();
}

#[test]
fn dropped_multishot_accept_closes_undelivered_connections() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, localhost()).await.unwrap();
        let addr = listener.local_addr().unwrap();
        const N: usize = 5;
        // Connections complete in the listen backlog before the accept is armed.
        let clients: Vec<std::net::TcpStream> = (0..N).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
        let mut incoming = listener.incoming();
        let held = incoming.next().await.unwrap().unwrap();
        // Let the kernel accept the rest and the driver queue them for the
        // stream, then drop the stream with those items undelivered.
        d.sleep(Duration::from_millis(50)).await.unwrap();
        drop(incoming);
        d.sleep(Duration::from_millis(50)).await.unwrap();
        let held_peer = held.peer_addr().unwrap();
        let mut eof = 0;
        for c in &clients {
            if c.local_addr().unwrap() == held_peer {
                continue;
            }
            use std::io::Read;
            c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let mut b = [0u8; 8];
            match (&*c).read(&mut b) {
                Ok(0) => eof += 1,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => eof += 1,
                other => panic!("connection left open by the dropped stream: {other:?}"),
            }
        }
        assert_eq!(eof, N - 1, "every undelivered accepted connection was closed");
        drop(held);
    })
    .unwrap();
}

/// The readiness and socket-command operations built by their public
/// constructors run as members of a linked chain, in order: an epoll
/// registration, a poll, an epoll wait, then a setsockopt and the
/// getsockopt that reads it back; the constructors refuse what the
/// `Driver` methods refuse.
#[test]
fn readiness_and_socket_commands_are_chain_members() {
    use ring_core::ops::{EpollCtl, EpollWait, PollAdd, SocketCmdOp, EP_MAX_EVENTS};
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let b = Rc::new(b);
        use std::io::Write;
        (&a).write_all(b"x").unwrap();
        // SAFETY: epoll_create1 has no memory effects.
        let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        assert!(ep >= 0);
        // SAFETY: a fresh descriptor we own.
        let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
        let wait = supported(&d, ring_sys::IORING_OP_EPOLL_WAIT, "epoll_wait as a chain member");
        let mut chain = d.chain();
        let ctl = chain.push(EpollCtl::new(&ep, &b, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 42));
        let poll = chain.push(PollAdd::new(&b, libc::POLLIN as u32));
        let waited = wait.then(|| chain.push(EpollWait::new(&ep, 8).unwrap()));
        let mut started = chain.start().await.map_err(ring_core::Error::from).unwrap();
        started.take(ctl).unwrap().await.unwrap();
        let rev = started.take(poll).unwrap().await.unwrap();
        assert!(rev & libc::POLLIN as u32 != 0);
        if let Some(w) = waited {
            let evs = started.take(w).unwrap().await.unwrap();
            assert_eq!(evs.len(), 1);
            let (events, data) = (evs[0].events, evs[0].u64);
            assert_eq!(data, 42);
            assert!(events & libc::EPOLLIN as u32 != 0);
        }
        let e = EpollWait::new(&ep, EP_MAX_EVENTS + 1).unwrap_err();
        assert!(matches!(e, ring_core::Error::TooLong { .. }), "{e:?}");

        // Socket commands: refused before the kernel as the method refuses.
        let f = Rc::new(std::fs::File::open("/proc/self/stat").unwrap());
        let e = SocketCmdOp::new(&f, SocketCmd::InQueue).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOTSOCK));
        let s = Rc::new(std::net::UdpSocket::bind(localhost()).unwrap());
        let bad = SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_ATTACH_FILTER, value: vec![0; 16] };
        assert!(SocketCmdOp::new(&s, bad).is_err());
        if !supported(&d, ring_sys::IORING_OP_URING_CMD, "socket uring_cmd as a chain member") {
            return;
        }
        let set =
            SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_KEEPALIVE, value: 1i32.to_ne_bytes().to_vec() };
        let get = SocketCmd::GetOpt { level: libc::SOL_SOCKET, name: libc::SO_KEEPALIVE, value: Vec::with_capacity(4) };
        let mut chain = d.chain();
        let set = chain.push(SocketCmdOp::new(&s, set).unwrap());
        let get = chain.push(SocketCmdOp::new(&s, get).unwrap());
        let mut started = chain.start().await.map_err(ring_core::Error::from).unwrap();
        let (r, _) = started.take(set).unwrap().await;
        let (r2, cmd) = started.take(get).unwrap().await;
        match r {
            Ok(_) => {
                assert_eq!(r2.unwrap(), 4);
                match cmd {
                    SocketCmd::GetOpt { value, .. } => assert_eq!(value, 1i32.to_ne_bytes()),
                    _ => unreachable!(),
                }
            }
            Err(e) => println!("skipping setsockopt via uring_cmd: the kernel refused it: {e}"),
        }
    })
    .unwrap();
}
