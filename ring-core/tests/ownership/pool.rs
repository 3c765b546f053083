//! Provided-buffer pools and the operations that select from them, against
//! this machine's kernel. Loopback only, bounded.

use crate::caps;
use crate::support::{pipe, write_all};
use ring_core::pool::{BufferPool, PoolBuf};
use ring_core::register::BufRingConfig;
use ring_core::Runtime;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::Duration;

/// A connected pair: the peer, for blocking std I/O, and the ring's side,
/// shared through an `Rc` so that operations naming it hold it open.
fn tcp_pair() -> (TcpStream, Rc<TcpStream>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, Rc::new(b))
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

fn enobufs(r: &std::io::Result<PoolBuf>) -> bool {
    matches!(r, Err(e) if e.raw_os_error() == Some(libc::ENOBUFS))
}

/// Lets the driver reap what is pending (cancellations, orphans' tails).
fn settle(rt: &Runtime) {
    for _ in 0..5 {
        rt.block_on(rt.driver().sleep(Duration::from_millis(2))).unwrap().unwrap();
    }
}

#[test]
fn exhaustion_ends_the_stream_with_enobufs_and_a_restart_loses_nothing() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    settle(&rt);
    let base = d.in_flight();
    let pool = BufferPool::new(&d, BufRingConfig::new(7, 4).buffers(4, 64)).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sent = pattern(1000);
    peer.write_all(&sent).unwrap();
    let mut got = Vec::new();
    let mut rounds = 0;
    rt.block_on(async {
        while got.len() < sent.len() {
            rounds += 1;
            assert!(rounds < 100, "no progress");
            let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
            // Hold every buffer until the stream ends, so the pool runs dry.
            let mut held = Vec::new();
            let mut ended_by = None;
            while let Some(item) = stream.next().await {
                if enobufs(&item) {
                    ended_by = Some(libc::ENOBUFS);
                    break;
                }
                let buf = item.expect("receive");
                assert!(!buf.is_empty(), "unexpected end of file");
                held.push(buf);
                if got.len() + held.iter().map(|b| b.len()).sum::<usize>() == sent.len() {
                    break;
                }
            }
            assert!(held.len() <= 4);
            if ended_by.is_some() {
                assert_eq!(pool.with_kernel(), 0, "every buffer is held by us when the kernel runs dry");
            }
            for b in held.drain(..) {
                got.extend_from_slice(&b);
            }
            // Dropping the held buffers recycled them.
            assert_eq!(pool.with_kernel(), 4);
        }
    })
    .unwrap();
    assert!(rounds >= 2, "1000 bytes cannot fit in 4 buffers of 64");
    assert_eq!(got, sent, "every byte arrives, in order");
    settle(&rt);
    assert_eq!(pool.with_kernel(), 4);
    assert_eq!(d.in_flight(), base);
}

#[test]
fn multishot_recv_under_load_recycles_buffers() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(8, 16).buffers(16, 4096)).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sent = pattern(4 << 20);
    let expect = sent.clone();
    let writer = std::thread::spawn(move || {
        peer.write_all(&sent).unwrap();
        drop(peer);
    });
    let mut got = Vec::with_capacity(expect.len());
    let mut restarts = 0;
    rt.block_on(async {
        'outer: loop {
            let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(b) if b.is_empty() => break 'outer,
                    Ok(b) => got.extend_from_slice(&b),
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {
                        restarts += 1;
                        continue 'outer;
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            // The stream ended without an error item (the kernel may stop
            // a multishot receive on its own); start another.
        }
    })
    .unwrap();
    writer.join().unwrap();
    assert_eq!(got.len(), expect.len());
    assert!(got == expect, "contents differ");
    assert!(pool.recycled() > 16, "buffers were reused: {}", pool.recycled());
    println!("recycled {} buffers, {restarts} ENOBUFS restarts", pool.recycled());
    assert_eq!(pool.with_kernel(), 16);
}

#[test]
fn dropping_a_stream_recycles_the_buffers_of_its_undelivered_completions() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    settle(&rt);
    let base = d.in_flight();
    let pool = BufferPool::new(&d, BufRingConfig::new(9, 8).buffers(8, 16)).unwrap();
    let (mut peer, sock) = tcp_pair();
    rt.block_on(async {
        let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
        peer.write_all(b"0123456789abcdef").unwrap();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(&first[..], b"0123456789abcdef");
        // More completions arrive and queue up, undelivered.
        for _ in 0..3 {
            peer.write_all(b"xxxxxxxxxxxxxxxx").unwrap();
            d.sleep(Duration::from_millis(5)).await.unwrap();
        }
        drop(stream);
        drop(first);
    })
    .unwrap();
    settle(&rt);
    assert_eq!(d.in_flight(), base, "the stream was cancelled");
    assert_eq!(pool.with_kernel(), 8, "every buffer is back in the ring");

    // Completions that arrive after the stream is gone are recycled too.
    rt.block_on(async {
        let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
        peer.write_all(b"y").unwrap();
        let _ = stream.next().await.unwrap().unwrap();
        drop(stream);
    })
    .unwrap();
    settle(&rt);
    assert_eq!(pool.with_kernel(), 8);
}

#[test]
fn the_pool_outlives_its_handle_while_operations_and_buffers_use_it() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(10, 4).buffers(4, 32)).unwrap();
    let (r, w) = pipe();
    let buf = rt
        .block_on(async {
            let op = d.read_pool(&r, &pool, u64::MAX);
            drop(pool);
            // SAFETY: writes from a live slice.
            assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"hello".as_ptr().cast(), 5) }, 5);
            op.await
        })
        .unwrap()
        .unwrap();
    assert_eq!(&buf[..], b"hello");
    drop(buf);
    // The group was unregistered when the last holder went: registering
    // the same id again works.
    let again = BufferPool::new(&d, BufRingConfig::new(10, 4).buffers(4, 32));
    assert!(again.is_ok(), "{again:?}");
}

#[test]
fn an_orphaned_single_read_recycles_its_buffer() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    settle(&rt);
    let base = d.in_flight();
    let pool = BufferPool::new(&d, BufRingConfig::new(11, 2).buffers(2, 32)).unwrap();
    let (r, w) = pipe();
    rt.block_on(async {
        let mut op = d.read_pool(&r, &pool, u64::MAX);
        // Start it, then drop it while it is in flight.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        drop(op);
    })
    .unwrap();
    // SAFETY: writes from a live slice.
    unsafe { libc::write(w.as_raw_fd(), b"late".as_ptr().cast(), 4) };
    settle(&rt);
    assert_eq!(d.in_flight(), base);
    assert_eq!(pool.with_kernel(), 2);
}

use std::future::Future;

#[test]
fn read_multishot_on_a_pipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_READ_MULTISHOT) {
        println!("SKIP read_multishot: {e} (the opcode probe; added in 6.7)");
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(12, 4).buffers(4, 8)).unwrap();
    let (r, w) = pipe();
    let mut w = std::fs::File::from(Rc::try_unwrap(w).unwrap());
    let got = rt
        .block_on(async {
            let mut stream = d.read_pool_multishot(&r, &pool);
            let mut got = Vec::new();
            for chunk in [b"abc".as_slice(), b"defgh", b"ij"] {
                w.write_all(chunk).unwrap();
                match stream.next().await {
                    Some(Ok(b)) => got.extend_from_slice(&b),
                    other => panic!("{other:?}"),
                }
            }
            drop(w);
            let end = stream.next().await.unwrap().unwrap();
            assert!(end.is_empty(), "end of file");
            assert!(stream.next().await.is_none(), "the stream ended");
            got
        })
        .unwrap();
    assert_eq!(got, b"abcdefghij");
}

#[test]
fn recvmsg_multishot_parses_name_and_payload() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(13, 4).buffers(4, 256)).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let name_len = core::mem::size_of::<libc::sockaddr_in>() as u32;
    rt.block_on(async {
        let mut stream = d.recvmsg_pool_multishot(&rx, &pool, name_len, 0, 0);
        for msg in [b"one".as_slice(), b"two!", b"three"] {
            tx.send_to(msg, rx.local_addr().unwrap()).unwrap();
            let m = stream.next().await.unwrap().unwrap();
            assert_eq!(m.payload(), msg);
            assert_eq!(m.name().len(), name_len as usize);
            // SAFETY: the name area holds a sockaddr_in of the sender.
            let sin = unsafe { m.name().as_ptr().cast::<libc::sockaddr_in>().read_unaligned() };
            assert_eq!(u16::from_be(sin.sin_port), tx.local_addr().unwrap().port());
        }
    })
    .unwrap();
    settle(&rt);
    assert_eq!(pool.with_kernel(), 4);
}

#[test]
fn incremental_buffers_yield_consecutive_parts() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let pool = match BufferPool::new(&d, BufRingConfig::new(14, 2).buffers(2, 64).incremental()) {
        Ok(p) => p,
        Err(e) => {
            assert!(matches!(e, ring_core::Error::Unsupported { .. }), "{e:?}");
            println!("SKIP incremental: {e}");
            return;
        }
    };
    let (mut peer, sock) = tcp_pair();
    rt.block_on(async {
        let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
        let mut parts = Vec::new();
        let mut got = Vec::new();
        for i in 0..4u8 {
            peer.write_all(&[i; 20]).unwrap();
            while got.len() < 20 * (usize::from(i) + 1) {
                let b = stream.next().await.unwrap().unwrap();
                got.extend_from_slice(&b);
                parts.push((b.bid(), b.offset(), b.len()));
            }
        }
        let expect: Vec<u8> = (0..4u8).flat_map(|i| [i; 20]).collect();
        assert_eq!(got, expect);
        // One buffer served 0..20, 20..40, 40..60 and then its last 4 bytes;
        // the rest of the fourth message went to the next buffer.
        let b0 = parts[0].0;
        assert_eq!(&parts[..4], &[(b0, 0, 20), (b0, 20, 20), (b0, 40, 20), (b0, 60, 4)]);
        assert_eq!(parts[4].1, 0);
        assert_ne!(parts[4].0, b0);
    })
    .unwrap();
    settle(&rt);
    assert_eq!(pool.with_kernel(), 2);
}

#[test]
fn bundles_cover_several_buffers_in_order() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let has = d.has_feature(ring_core::sys::IORING_FEAT_RECVSEND_BUNDLE);
    if !has {
        println!("SKIP bundles: no IORING_FEAT_RECVSEND_BUNDLE");
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(15, 8).buffers(8, 16)).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sent = pattern(600);
    let mut got = Vec::new();
    let mut max_bufs = 0;
    peer.write_all(&sent).unwrap();
    rt.block_on(async {
        // The pool (128 bytes) runs dry several times; after each restart
        // the ring order (the order buffers were recycled in) differs from
        // the id order, which the bundle resolution must follow. A stream
        // is never dropped while data may arrive for it: a dropped stream's
        // data is discarded (its buffers recycled).
        while got.len() < sent.len() {
            let mut stream = d.recv_bundle_multishot(&sock, &pool, 0);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(bufs) => {
                        max_bufs = max_bufs.max(bufs.len());
                        for b in &bufs {
                            got.extend_from_slice(b);
                        }
                        if got.len() == sent.len() {
                            break;
                        }
                    }
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => break,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    })
    .unwrap();
    assert_eq!(got, sent);
    assert!(max_bufs > 1, "a completion covered several buffers");
    settle(&rt);
    assert_eq!(pool.with_kernel(), 8);
}

#[test]
fn a_pool_read_on_an_empty_pool_fails_with_enobufs_and_recovers() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(16, 1).buffers(1, 8)).unwrap();
    let (mut peer, sock) = tcp_pair();
    peer.write_all(b"abcdefgh12345678").unwrap();
    rt.block_on(async {
        let a = d.recv_pool(&sock, &pool, 0).await.unwrap();
        assert_eq!(&a[..], b"abcdefgh");
        let e = d.recv_pool(&sock, &pool, 0).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOBUFS));
        drop(a);
        let b = d.recv_pool(&sock, &pool, 0).await.unwrap();
        assert_eq!(&b[..], b"12345678");
    })
    .unwrap();
    let mut sink = [0u8; 1];
    drop(peer.set_nonblocking(true));
    let _ = peer.read(&mut sink);
}

/// No test read them back.
#[test]
fn a_pool_reports_its_group_size_and_mode() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(21, 4).buffers(3, 48)).unwrap();
    assert_eq!((pool.bgid(), pool.buffers(), pool.buf_len(), pool.is_incremental()), (21, 3, 48, false));
    assert_eq!(pool.with_kernel(), 3);
    assert_eq!(format!("{pool:?}"), "BufferPool { bgid: 21, buffers: 3, buf_len: 48, with_kernel: 3 }");
    if caps::incremental_buf_rings("incremental buffer rings (the second half)") {
        let inc = BufferPool::new(&d, BufRingConfig::new(22, 2).buffers(2, 64).incremental()).unwrap();
        assert!(inc.is_incremental());
        assert_eq!((inc.bgid(), inc.buffers(), inc.buf_len()), (22, 2, 64));
    }
}

/// On an incremental ring a buffer goes back to the pool only when a completion
/// without `BUF_MORE` used it up. Four 20-byte messages into 64-byte buffers
/// give parts 0..20, 20..40 and 40..60 (with `BUF_MORE`) and then 60..64
/// (without): while that last part is held one buffer is out of the kernel's
/// hands, and dropping it recycles the buffer. With any of the faulty versions
/// `BUF_MORE` reads as set on the last part (or clear on the others, which do
/// not reach the end), so the buffer is never returned or recycled. The
/// existing incremental test only counted `with_kernel` at the end, which comes
/// out the same either way.
#[test]
fn a_used_up_incremental_buffer_is_recycled_once_its_parts_are_dropped() {
    use std::io::Write;
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !caps::incremental_buf_rings("incremental buffer rings") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(23, 2).buffers(2, 64).incremental()).unwrap();
    let (mut peer, sock) = crate::support::rings::tcp_pair();
    let sock = std::rc::Rc::new(sock);
    rt.block_on(async {
        let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
        let mut parts = Vec::new();
        let mut got = 0;
        for i in 0..4u8 {
            peer.write_all(&[i; 20]).unwrap();
            while got < 20 * (usize::from(i) + 1) {
                let b = stream.next().await.unwrap().unwrap();
                got += b.len();
                parts.push(b);
            }
        }
        let b0 = parts[0].bid();
        let (offset, len) = (parts[3].offset(), parts[3].len());
        assert_eq!((parts[3].bid(), offset, len), (b0, 60, 4), "the fourth part ends the first buffer");
        assert_eq!(pool.with_kernel(), 1, "the used-up buffer is out of the kernel's hands");
        assert_eq!(pool.recycled(), 0);
        parts.truncate(3);
        assert_eq!(pool.recycled(), 0, "earlier parts of the buffer are still held");
        let rest: Vec<_> = parts.drain(..).filter(|b| b.bid() != b0).collect();
        assert_eq!(pool.recycled(), 1, "the buffer went back once its last part was dropped");
        assert_eq!(pool.with_kernel(), 2);
        drop(rest);
    })
    .unwrap();
}

/// Three reads through a pool of four buffers get ids 0, 1 and 2, in ring
/// order; each buffer's bytes are read through every view, and written through
/// `DerefMut`.
#[test]
fn pool_buffers_report_their_id_and_bytes_through_every_view() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(24, 4).buffers(4, 32)).unwrap();
    let (r, w) = pipe();
    let bufs = rt
        .block_on(async {
            let mut bufs = Vec::new();
            for msg in [&b"zero"[..], b"one", b"two!!"] {
                write_all(&w, msg);
                bufs.push(d.read_pool(&r, &pool, u64::MAX).await.unwrap());
            }
            bufs
        })
        .unwrap();
    let ids: Vec<u16> = bufs.iter().map(|b| b.bid()).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(bufs[2].to_vec(), b"two!!");
    assert_eq!(bufs[1].as_ref(), b"one");
    assert_eq!(format!("{:?}", bufs[2]), "PoolBuf { bid: 2, offset: 0, len: 5 }");
    let mut b = bufs.into_iter().next().unwrap();
    b.as_mut().copy_from_slice(b"ZERO");
    assert_eq!(&b[..], b"ZERO");
    assert_eq!(pool.with_kernel(), 3, "the other two went back when dropped");
}
