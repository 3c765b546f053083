//! Direct descriptors (`FixedFiles`/`FixedFd`), vectored I/O in registered
//! buffers, and `sendmsg_zc` of several MiB, against this machine's
//! kernel. Loopback only, bounded.

use crate::support::{cpath, poll_once, temp_path};
use ring_core::fixed::FixedBuffers;
use ring_core::fixed_files::FixedFiles;
use ring_core::ops::Msg;
use ring_core::{At, Driver, Runtime};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

/// Turns the driver until nothing is in flight (bounded).
async fn quiesce(d: &Driver) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while d.in_flight() > 1 {
        assert!(Instant::now() < deadline, "operations still in flight: {}", d.in_flight());
        d.sleep(Duration::from_millis(2)).await.unwrap();
    }
}

#[test]
fn open_write_read_and_close_a_direct_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 16, 8..16).unwrap();
    let path = temp_path("rw");
    rt.block_on(async {
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC;
        let fd = d.openat_direct(&files, At::CWD, cpath(&path), flags, 0o600).await.unwrap();
        assert!((8..16).contains(&fd.slot()), "allocated inside the range: {}", fd.slot());
        assert_eq!(files.occupied(), 1);
        let (n, _) = d.write_direct(&fd, b"hello direct descriptor".to_vec(), 0).await;
        assert_eq!(n.unwrap(), 23);
        let (n, buf) = d.read_direct(&fd, Vec::with_capacity(64), 6).await;
        assert_eq!(n.unwrap(), 17);
        assert_eq!(&buf[..], b"direct descriptor");
        // An explicit close is refused while another holder exists.
        let other = fd.clone();
        let fd = d.close_direct(fd).expect_err("refused: a clone holds the slot");
        drop(other);
        d.close_direct(fd).expect("sole holder").await.unwrap();
        assert_eq!(files.occupied(), 0);
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"hello direct descriptor");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn accept_and_socket_direct_descriptors_carry_bytes_both_ways() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 8, 0..8).unwrap();
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"ping from std").unwrap();
        let mut got = [0u8; 13];
        s.read_exact(&mut got).unwrap();
        got
    });
    // A second listener for the direct socket to connect to.
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    let target_addr = target.local_addr().unwrap();
    rt.block_on(async {
        let (conn, peer) = d.accept_direct(&listener, &files).await.unwrap();
        assert_eq!(peer.unwrap().ip(), addr.ip());
        let (n, buf) = d.recv_direct(&conn, vec![0u8; 13].into_boxed_slice(), libc::MSG_WAITALL).await;
        assert_eq!(n.unwrap(), 13);
        assert_eq!(&buf[..], b"ping from std");
        let (n, _) = d.send_direct(&conn, b"pong from fix".to_vec(), 0).await;
        assert_eq!(n.unwrap(), 13);

        let sock = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0).await.unwrap();
        assert_ne!(sock.slot(), conn.slot());
        d.connect_direct(&sock, target_addr).await.unwrap();
        let (n, _) = d.send_direct(&sock, b"direct socket".to_vec(), 0).await;
        assert_eq!(n.unwrap(), 13);
        assert_eq!(files.occupied(), 2);
        drop((conn, sock));
        assert_eq!(files.occupied(), 0, "the last holders emptied both slots");
    })
    .unwrap();
    assert_eq!(&client.join().unwrap(), b"pong from fix");
    let (mut s, _) = target.accept().unwrap();
    let mut got = Vec::new();
    s.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"direct socket", "and closing the slot closed the connection (EOF)");
}

#[test]
fn a_fixed_fd_dropped_under_an_operation_keeps_its_slot_until_the_operation_ends() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    // One allocatable slot, so a second allocation shows whether it is free.
    let files = FixedFiles::new(&d, 4, 0..1).unwrap();
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    rt.block_on(async {
        let (conn, _) = d.accept_direct(&listener, &files).await.unwrap();
        let mut recv = d.recv_direct(&conn, Vec::with_capacity(64), 0);
        assert!(poll_once(&mut recv).is_pending());
        d.poll().unwrap();
        drop(conn);
        assert_eq!(files.occupied(), 1, "the receive's lease keeps the slot");
        let again = d.openat_direct(&files, At::CWD, cpath(std::path::Path::new("/dev/null")), libc::O_RDONLY, 0).await;
        assert_eq!(again.unwrap_err().raw_os_error(), Some(libc::ENFILE), "the kernel still has the slot occupied");
        client.write_all(b"late bytes").unwrap();
        let (n, buf) = recv.await;
        assert_eq!(n.unwrap(), 10);
        assert_eq!(&buf[..], b"late bytes", "the receive read the right connection");
        assert_eq!(files.occupied(), 0, "the slot closed with the operation");
        let fd = d.openat_direct(&files, At::CWD, cpath(std::path::Path::new("/dev/null")), libc::O_RDONLY, 0).await;
        assert_eq!(fd.unwrap().slot(), 0, "and is free again");
    })
    .unwrap();
    let mut rest = Vec::new();
    client.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the connection was closed with its slot");
}

#[test]
fn orphaned_direct_opens_do_not_leak_slots() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 8, 0..4).unwrap();
    let null = cpath(std::path::Path::new("/dev/null"));
    rt.block_on(async {
        for round in 0..3 {
            let before = d.stats().orphans_reaped;
            let mut ops: Vec<_> =
                (0..4).map(|_| d.openat_direct(&files, At::CWD, null.clone(), libc::O_RDONLY, 0)).collect();
            for op in &mut ops {
                assert!(poll_once(op).is_pending());
            }
            // Dropped before their completions were seen: each either is
            // cancelled or opens, and an open that happened is closed.
            drop(ops);
            quiesce(&d).await;
            assert_eq!(d.stats().orphans_reaped - before, 4, "round {round}");
            assert_eq!(files.occupied(), 0, "round {round}: no slot leaked");
            assert_eq!(files.pending_closes(), 0);
        }
        // All four allocatable slots can be had again.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(d.openat_direct(&files, At::CWD, null.clone(), libc::O_RDONLY, 0).await.unwrap());
        }
        let mut slots: Vec<u32> = held.iter().map(|f| f.slot()).collect();
        slots.sort();
        assert_eq!(slots, [0, 1, 2, 3]);
    })
    .unwrap();
}

#[test]
fn writev_and_readv_fixed_round_trip() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    for op in [ring_core::sys::IORING_OP_WRITEV_FIXED, ring_core::sys::IORING_OP_READV_FIXED] {
        if let Err(e) = d.require(op) {
            println!("SKIP writev_and_readv_fixed_round_trip: {e}");
            return;
        }
    }
    let table = FixedBuffers::new(&d, 2, 3 * 4096).unwrap();
    let path = temp_path("vec");
    let file =
        Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap());
    let mut src = table.lease(0).unwrap();
    for (i, b) in src.iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let expect = src.to_vec();
    let dst = table.lease(1).unwrap();
    let segs = vec![0..100, 4096..4196, 8000..12288];
    let total: usize = segs.iter().map(|s| s.len()).sum();
    let done = rt
        .block_on(async {
            let (n, src, segs) = d.writev_fixed(&file, src, segs, 0).await;
            assert_eq!(n.unwrap(), total);
            // Read the same bytes back into other places of the second buffer.
            let back = vec![100..200, 300..400, 5000..9288];
            let (n, dst, back) = d.readv_fixed(&file, dst, back, 0).await;
            assert_eq!(n.unwrap(), total);
            (src, segs, dst, back)
        })
        .unwrap();
    let (_src, segs, dst, back) = done;
    let written: Vec<u8> = segs.iter().flat_map(|s| expect[s.clone()].iter().copied()).collect();
    assert!(std::fs::read(&path).unwrap() == written, "the file holds the gathered segments");
    let read: Vec<u8> = back.iter().flat_map(|s| dst[s.clone()].iter().copied()).collect();
    assert!(read == written, "the scattered segments hold the file's bytes");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn sendmsg_zc_of_several_mib_arrives_intact_and_gives_the_buffers_back_after_the_notification() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let chunk = 1 << 20;
    let bufs: Vec<Vec<u8>> = (0..4).map(|c| (0..chunk).map(|i| (i * 7 + c * 31 + i / 977) as u8).collect()).collect();
    let expect: Vec<u8> = bufs.concat();
    let size = expect.len();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let tx = Rc::new(TcpStream::connect(l.local_addr().unwrap()).unwrap());
    let (mut rx, _) = l.accept().unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = vec![0u8; size];
        rx.read_exact(&mut got).unwrap();
        got
    });
    rt.block_on(d.sleep(Duration::from_millis(1))).unwrap().unwrap();
    let credits = d.credits();
    let back = rt
        .block_on(async {
            let (n, msg) = d.sendmsg_zc(&tx, Msg::new(bufs), 0).await;
            let n = match n {
                Ok(n) => n,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL)) => {
                    println!("SKIP sendmsg_zc: {e}");
                    return None;
                }
                Err(e) => panic!("{e}"),
            };
            // The driver returns both credits only at the notification, so
            // seeing them back means the kernel said it stopped reading.
            assert_eq!(d.credits(), credits, "result and notification both arrived");
            if n < size {
                (&*tx).write_all(&expect[n..]).unwrap();
            }
            Some(msg)
        })
        .unwrap();
    let Some(msg) = back else { return };
    assert_eq!(msg.bufs.len(), 4, "every buffer came back");
    let got = reader.join().unwrap();
    assert!(got == expect, "contents differ at the receiver");
}
