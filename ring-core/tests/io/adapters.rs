//! The adapters: `Uring` over a file, a pipe and a TCP socket (including
//! a read future dropped mid-flight), and `AioContext` doing `O_DIRECT`
//! I/O within its capacity. Loopback only, bounded.

use crate::support::rings::pipe;
use ring_core::adapters::{AioContext, Uring};
use ring_core::buf::AlignedBuf;
use ring_core::Runtime;
use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Waker};
use std::time::Duration;

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 + seed + i / 1021) as u8).collect()
}

#[test]
fn uring_on_a_file_writes_and_reads_back_in_pieces() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let path = std::env::temp_dir().join(format!("ring-core-adapters-{}-file", std::process::id()));
    let data = pattern(200 * 1024 + 17, 3);
    let f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&path).unwrap();
    let mut w = Uring::new(&d, f);
    rt.block_on(async {
        w.write_all(&data).await.unwrap();
        let mut r = Uring::with_capacity(&d, std::fs::File::open(&path).unwrap(), 10_000);
        let mut got = vec![0u8; data.len()];
        r.read_exact(&mut got).await.unwrap();
        assert!(got == data, "contents differ");
        let mut more = [0u8; 8];
        assert_eq!(r.read(&mut more).await.unwrap(), 0, "end of file");
    })
    .unwrap();
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_read_dropped_mid_flight_on_a_pipe_loses_no_bytes() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (rx, tx) = pipe();
    let mut tx = std::fs::File::from(tx);
    let mut r = Uring::new(&d, rx);
    rt.block_on(async {
        {
            let mut big = [0u8; 64];
            let mut fut = pin!(r.read(&mut big));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            // The read is submitted and waits in the kernel; then its
            // future goes away (as a timeout or select! would drop it).
            d.poll().unwrap();
        }
        assert!(r.has_pending(), "the read stayed in flight with its buffer");
        tx.write_all(b"hello world").unwrap();
        let mut five = [0u8; 5];
        assert_eq!(r.read(&mut five).await.unwrap(), 5);
        assert_eq!(&five, b"hello");
        assert_eq!(r.buffered(), 6, "the rest of the abandoned read is buffered");
        let mut rest = [0u8; 64];
        let n = r.read(&mut rest).await.unwrap();
        assert_eq!(&rest[..n], b" world");
        tx.write_all(b"after").unwrap();
        let n = r.read(&mut rest).await.unwrap();
        assert_eq!(&rest[..n], b"after");
        drop(tx);
        assert_eq!(r.read(&mut rest).await.unwrap(), 0, "end of file once the writer is gone");
    })
    .unwrap();
}

#[test]
fn uring_on_tcp_echoes_and_survives_an_abandoned_read() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let echo = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = [0u8; 8192];
        loop {
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            s.write_all(&buf[..n]).unwrap();
        }
    });
    let mut c = Uring::new(&d, TcpStream::connect(addr).unwrap());
    let data = pattern(256 * 1024, 9);
    rt.block_on(async {
        // Abandon a read on the quiet socket: the next write must not wait
        // for it (reads and writes are independent).
        {
            let mut b = [0u8; 100];
            let mut fut = pin!(c.read(&mut b));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
            d.poll().unwrap();
        }
        c.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        c.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping", "the abandoned read's bytes came first, in order");
        // Then a larger exchange, in rounds so neither side's buffers fill.
        for chunk in data.chunks(32 * 1024) {
            c.write_all(chunk).await.unwrap();
            let mut back = vec![0u8; chunk.len()];
            c.read_exact(&mut back).await.unwrap();
            assert!(back == chunk, "echoed bytes differ");
        }
    })
    .unwrap();
    // SAFETY: shutdown on a live socket; no memory is involved.
    unsafe { libc::shutdown(c.get_ref().as_raw_fd(), libc::SHUT_WR) };
    echo.join().unwrap();
}

/// Opens `path` with `O_DIRECT` and checks that an aligned write works;
/// `Err` says why the file system does not take `O_DIRECT`.
fn open_direct(path: &std::path::Path) -> Result<std::fs::File, String> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .map_err(|e| format!("open with O_DIRECT: {e}"))?;
    let b = AlignedBuf::new(4096).unwrap();
    // SAFETY: writes 4096 bytes from a live, aligned allocation.
    let n = unsafe { libc::pwrite(f.as_raw_fd(), b.as_slice().as_ptr().cast(), 4096, 0) };
    if n != 4096 {
        return Err(format!("aligned O_DIRECT write: {}", std::io::Error::last_os_error()));
    }
    Ok(f)
}

#[test]
fn aio_context_does_o_direct_io_within_its_capacity() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("aio-{}", std::process::id()));
    let file = match open_direct(&path) {
        Ok(f) => Rc::new(f),
        Err(why) => {
            println!("SKIP aio_context: {} does not take O_DIRECT ({why})", dir.display());
            let _ = std::fs::remove_file(&path);
            return;
        }
    };
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let capacity = 4;
    let ctx = Rc::new(AioContext::new(&d, capacity));
    let blocks = 32usize;
    let block = 4096usize;
    rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..blocks {
            let (ctx, file) = (ctx.clone(), file.clone());
            tasks.push(rt.spawn(async move {
                let mut buf = AlignedBuf::new(block).unwrap();
                buf.as_mut_slice().copy_from_slice(&pattern(block, i));
                assert!(ctx.in_flight() <= ctx.capacity());
                let (n, _) = ctx.write(&file, (i * block) as u64, buf).await;
                assert_eq!(n.unwrap(), block);
                assert!(ctx.in_flight() <= ctx.capacity());
            }));
        }
        // Everything is queued behind the capacity, nothing is submitted
        // beyond it.
        for t in tasks {
            t.await.unwrap();
        }
        ctx.datasync(&file).await.unwrap();
        ctx.sync(&file).await.unwrap();
        let mut tasks = Vec::new();
        for i in (0..blocks).rev() {
            let (ctx, file) = (ctx.clone(), file.clone());
            tasks.push(rt.spawn(async move {
                let (n, buf) = ctx.read(&file, (i * block) as u64, AlignedBuf::new(block).unwrap()).await;
                assert_eq!(n.unwrap(), block);
                assert!(buf.as_slice() == &pattern(block, i)[..], "block {i} differs");
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    })
    .unwrap();
    assert!(ctx.peak() <= capacity, "capacity exceeded: {}", ctx.peak());
    assert_eq!(ctx.peak(), capacity, "the queue kept the context full");
    assert_eq!(ctx.in_flight(), 0);
    assert_eq!(ctx.waiting(), 0);
    // Read through the page cache as well: the bytes are on the file.
    let all = std::fs::read(&path).unwrap();
    for i in 0..blocks {
        assert!(all[i * block..(i + 1) * block] == pattern(block, i)[..], "block {i} differs on the file");
    }
    std::fs::remove_file(path).unwrap();
}
