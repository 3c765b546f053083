//! The poll-based I/O (`ring_core::io`) and the std-like helpers on the
//! real kernel: round trips through the crate's own traits on sockets,
//! files and the `Uring` adapter, partial reads, end of file, errors
//! surfaced by flush, the file cursor and seeking, `BufReader`, limits,
//! `fs::{read, write, copy, metadata}`, `ToSocketAddrs`, and the
//! `Incoming` stream's `poll_next`. Loopback only, bounded.

use crate::support::temp_path;
use ring_core::adapters::Uring;
use ring_core::io::{BufReader, LimitExceeded, PollBufRead, PollRead, PollSeek, PollWrite};
use ring_core::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use ring_core::{fs, File, Runtime};
use std::future::{poll_fn, Future};
use std::io::{ErrorKind, SeekFrom};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::pin;
use std::task::{Context, Waker};

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 131 + seed + i / 977) as u8).collect()
}

/// Removes a scratch file when the test ends, pass or fail.
struct Remove(PathBuf);
impl Drop for Remove {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn write_all<W: PollWrite>(w: &mut W, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        let n = poll_fn(|cx| w.poll_write(cx, data)).await?;
        data = &data[n..];
    }
    poll_fn(|cx| w.poll_flush(cx)).await
}

async fn read_some<R: PollRead>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    poll_fn(|cx| r.poll_read(cx, buf)).await
}

#[test]
fn unix_stream_round_trip_through_poll_traits_in_small_and_large_pieces() {
    let rt = Runtime::new(64).unwrap();
    let (mut a, mut b) = UnixStream::pair(rt.driver()).unwrap();
    a.set_buffer_capacity(10_000);
    let data = pattern(300_000, 1);
    rt.block_on(async {
        let sent = data.clone();
        let writer = rt.spawn(async move {
            write_all(&mut a, &sent).await.unwrap();
            poll_fn(|cx| a.poll_close(cx)).await.unwrap();
            a
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 777];
        loop {
            let n = read_some(&mut b, &mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
        }
        assert!(got == data, "the bytes differ ({} of {})", got.len(), data.len());
        // End of file stays end of file; an empty buffer reads 0 at once.
        assert_eq!(read_some(&mut b, &mut buf).await.unwrap(), 0);
        assert_eq!(read_some(&mut b, &mut []).await.unwrap(), 0);
        let mut a = writer.await.unwrap();
        // After close, writes are refused.
        let e = poll_fn(|cx| a.poll_write(cx, b"late")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BrokenPipe);
    })
    .unwrap();
}

#[test]
fn a_poll_read_hands_out_only_what_fits_and_keeps_the_rest() {
    let rt = Runtime::new(16).unwrap();
    let (mut a, b) = UnixStream::pair(rt.driver()).unwrap();
    rt.block_on(async {
        b.write_all(b"0123456789").await.0.unwrap();
        let mut three = [0u8; 3];
        assert_eq!(read_some(&mut a, &mut three).await.unwrap(), 3);
        assert_eq!(&three, b"012");
        let rest = poll_fn(|cx| a.poll_fill_buf(cx).map_ok(|s| s.to_vec())).await.unwrap();
        assert_eq!(rest, b"3456789", "one read took all ten bytes; seven are buffered");
        a.consume(4);
        let mut buf = [0u8; 16];
        let n = read_some(&mut a, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"789");
    })
    .unwrap();
}

#[test]
fn a_read_future_dropped_mid_flight_loses_no_bytes() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (mut a, b) = UnixStream::pair(&d).unwrap();
    rt.block_on(async {
        {
            let mut buf = [0u8; 8];
            let mut fut = pin!(read_some(&mut a, &mut buf));
            assert!(fut.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
            d.poll().unwrap();
        }
        b.write_all(b"kept").await.0.unwrap();
        let mut buf = [0u8; 8];
        let n = read_some(&mut a, &mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"kept", "the abandoned read's bytes come first");
    })
    .unwrap();
}

#[test]
fn a_write_to_a_closed_peer_fails_at_the_flush_and_only_once() {
    let rt = Runtime::new(16).unwrap();
    let (mut a, b) = UnixStream::pair(rt.driver()).unwrap();
    drop(b);
    rt.block_on(async {
        // Queued: accepted before the kernel has tried it.
        let r = poll_fn(|cx| a.poll_write(cx, b"into the void")).await;
        let e = match r {
            Ok(n) => {
                assert_eq!(n, 13);
                poll_fn(|cx| a.poll_flush(cx)).await.unwrap_err()
            }
            // The kernel may have answered already at the first poll.
            Err(e) => e,
        };
        assert_eq!(e.kind(), ErrorKind::BrokenPipe, "EPIPE, not SIGPIPE (MSG_NOSIGNAL): {e}");
        poll_fn(|cx| a.poll_flush(cx)).await.expect("the failure is reported once");
    })
    .unwrap();
}

#[test]
fn tcp_stream_poll_io_echoes_and_shuts_down_the_write_side() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, "127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let server = rt.spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut all = Vec::new();
            let mut buf = vec![0u8; 4096];
            loop {
                let n = read_some(&mut s, &mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                all.extend_from_slice(&buf[..n]);
                write_all(&mut s, &buf[..n]).await.unwrap();
            }
            poll_fn(|cx| s.poll_close(cx)).await.unwrap();
            all.len()
        });
        let mut c = TcpStream::connect(&d, addr).await.unwrap();
        let data = pattern(200_000, 5);
        let mut back = Vec::new();
        for chunk in data.chunks(50_000) {
            write_all(&mut c, chunk).await.unwrap();
            let mut got = vec![0u8; chunk.len()];
            let mut r = BufReader::new(&mut c);
            r.read_exact(&mut got).await.unwrap();
            back.extend_from_slice(&got);
        }
        assert!(back == data, "echoed bytes differ");
        poll_fn(|cx| c.poll_close(cx)).await.unwrap();
        let mut rest = [0u8; 8];
        assert_eq!(read_some(&mut c, &mut rest).await.unwrap(), 0, "the server closed after our shutdown");
        assert_eq!(server.await.unwrap(), data.len());
    })
    .unwrap();
}

#[test]
fn file_cursor_reads_writes_and_seeks_like_std() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let path = temp_path("cursor");
    let _rm = Remove(path.clone());
    rt.block_on(async {
        let mut f = File::create(&d, &path).await.unwrap();
        f.set_buffer_capacity(4096);
        let data = pattern(20_000, 2);
        write_all(&mut f, &data).await.unwrap();
        assert_eq!(f.position(), 20_000);
        // A read right after a queued write sees the written bytes.
        assert_eq!(poll_fn(|cx| f.poll_seek(cx, SeekFrom::Start(100))).await.unwrap(), 100);
        let mut buf = vec![0u8; 50];
        BufReader::new(&mut f).read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf[..], &data[100..150]);
        assert_eq!(f.position(), 150);
        // Overwrite in the middle after reading ahead: the read-ahead is
        // dropped, the next read sees the new bytes.
        write_all(&mut f, b"XYZ").await.unwrap();
        assert_eq!(f.position(), 153);
        assert_eq!(poll_fn(|cx| f.poll_seek(cx, SeekFrom::Current(-3))).await.unwrap(), 150);
        let mut three = [0u8; 3];
        BufReader::new(&mut f).read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"XYZ");
        // From the end, past the end, and refused seeks.
        assert_eq!(poll_fn(|cx| f.poll_seek(cx, SeekFrom::End(-10))).await.unwrap(), 19_990);
        let mut tail = Vec::new();
        BufReader::new(&mut f).read_to_end(&mut tail, 1 << 20).await.unwrap();
        assert_eq!(&tail[..], &data[19_990..]);
        let e = poll_fn(|cx| f.poll_seek(cx, SeekFrom::Current(-30_000))).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(f.position(), 20_000, "a refused seek leaves the cursor");
        let e = poll_fn(|cx| f.poll_seek(cx, SeekFrom::Start(u64::MAX))).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        poll_fn(|cx| f.poll_seek(cx, SeekFrom::End(5))).await.unwrap();
        let mut none = [0u8; 4];
        assert_eq!(read_some(&mut f, &mut none).await.unwrap(), 0, "past the end reads end of file");
        f.close().await.unwrap();
    })
    .unwrap();
    let mut expect = pattern(20_000, 2);
    expect[150..153].copy_from_slice(b"XYZ");
    assert!(std::fs::read(&path).unwrap() == expect, "the file holds what was written");
}

#[test]
fn file_close_flushes_a_queued_poll_write() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let path = temp_path("close-flushes");
    let _rm = Remove(path.clone());
    rt.block_on(async {
        let mut f = File::create(&d, &path).await.unwrap();
        assert_eq!(poll_fn(|cx| f.poll_write(cx, b"queued")).await.unwrap(), 6);
        f.close().await.unwrap();
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"queued");
}

#[test]
fn uring_implements_the_poll_traits() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (r, w) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut r = Uring::with_capacity(&d, r, 5);
    let mut w = Uring::new(&d, w);
    rt.block_on(async {
        write_all(&mut w, b"hello pipe").await.unwrap();
        drop(w);
        let mut all = Vec::new();
        BufReader::new(&mut r).read_to_end(&mut all, 100).await.unwrap();
        assert_eq!(all, b"hello pipe", "read five bytes at a time, to end of file");
    })
    .unwrap();
}

#[test]
fn buf_reader_lines_and_until() {
    let rt = Runtime::new(16).unwrap();
    let (a, b) = UnixStream::pair(rt.driver()).unwrap();
    rt.block_on(async {
        b.write_all(b"a=1\nsecond line\r\n\nnot utf8 \xff\nlast").await.0.unwrap();
        drop(b);
        let mut r = BufReader::new(a);
        let mut key = Vec::new();
        assert_eq!(r.read_until(b'=', &mut key).await.unwrap(), 2);
        assert_eq!(key, b"a=");
        let mut line = String::new();
        assert_eq!(r.read_line(&mut line).await.unwrap(), 2);
        assert_eq!(line, "1\n");
        let mut lines = r.lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("second line"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some(""));
        let e = lines.next_line().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("last"), "a last line without its newline");
        assert_eq!(lines.next_line().await.unwrap(), None);
    })
    .unwrap();
}

#[test]
fn a_read_line_future_dropped_mid_line_keeps_the_lines_bytes() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, b) = UnixStream::pair(&d).unwrap();
    rt.block_on(async {
        let mut r = BufReader::new(a);
        b.write_all(b"half a ").await.0.unwrap();
        {
            let mut line = String::new();
            let mut fut = pin!(r.read_line(&mut line));
            // A few turns: the first half arrives and is taken, then the
            // future waits for the rest, and is dropped.
            for _ in 0..10 {
                assert!(fut.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_pending());
                d.park(Some(std::time::Duration::from_millis(2))).unwrap();
            }
        }
        b.write_all(b"line\n").await.0.unwrap();
        let mut line = String::new();
        r.read_line(&mut line).await.unwrap();
        assert_eq!(line, "half a line\n");
    })
    .unwrap();
}

#[test]
fn read_to_end_checks_its_limit_before_growing() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let (a, b) = UnixStream::pair(&d).unwrap();
    let path = temp_path("limit");
    let _rm = Remove(path.clone());
    std::fs::write(&path, pattern(100_000, 3)).unwrap();
    rt.block_on(async {
        b.write_all(pattern(5000, 4)).await.0.unwrap();
        drop(b);
        let (r, buf) = a.read_to_end(Vec::new(), 4096).await;
        let e = r.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::FileTooLarge);
        assert_eq!(e.get_ref().unwrap().downcast_ref::<LimitExceeded>().unwrap().limit, 4096);
        assert_eq!(buf, pattern(5000, 4)[..4096]);
        assert!(buf.capacity() <= 4097, "grew past the limit: {}", buf.capacity());

        let f = File::open(&d, &path).await.unwrap();
        let (r, buf) = f.read_to_end_at(Vec::new(), 0, 100_000).await;
        assert_eq!(r.unwrap(), 100_000, "exactly the limit is allowed");
        assert!(buf == pattern(100_000, 3));
        let (r, _) = f.read_to_end_at(Vec::new(), 1, 50_000).await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::FileTooLarge);
        let (r, buf) = f.read_to_end_at(b"prefix".to_vec(), 99_990, 10).await;
        assert_eq!(r.unwrap(), 10);
        assert_eq!(&buf[..6], b"prefix", "appends after what the buffer held");
        assert_eq!(&buf[6..], &pattern(100_000, 3)[99_990..]);
    })
    .unwrap();
}

#[test]
fn read_exact_on_sockets_fills_the_capacity_or_reports_eof() {
    let rt = Runtime::new(16).unwrap();
    let (a, b) = UnixStream::pair(rt.driver()).unwrap();
    rt.block_on(async {
        b.write_all(b"abc").await.0.unwrap();
        b.write_all(b"defgh").await.0.unwrap();
        let (r, buf) = a.read_exact(Vec::with_capacity(6)).await;
        r.unwrap();
        assert_eq!(buf, b"abcdef");
        drop(b);
        let (r, buf) = a.read_exact(Vec::with_capacity(6)).await;
        assert_eq!(r.unwrap_err().kind(), ErrorKind::UnexpectedEof);
        assert_eq!(buf, b"gh", "the bytes that did arrive come back");
    })
    .unwrap();
}

#[test]
fn fs_read_write_copy_and_metadata() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let (src, dst, small) = (temp_path("copy-src"), temp_path("copy-dst"), temp_path("small"));
    let _rm = (Remove(src.clone()), Remove(dst.clone()), Remove(small.clone()));
    // Larger than the pipeline's 8 x 256 KiB and not a multiple of a chunk.
    let data = pattern(5 * 1024 * 1024 + 12_345, 7);
    std::fs::write(&src, &data).unwrap();
    std::fs::set_permissions(&src, std::os::unix::fs::PermissionsExt::from_mode(0o640)).unwrap();
    rt.block_on(async {
        let n = fs::copy(&d, &src, &dst).await.unwrap();
        assert_eq!(n, data.len() as u64);
        assert!(fs::read(&d, &dst).await.unwrap() == data, "the copy differs");
        let m = fs::metadata(&d, &dst).await.unwrap();
        let std_m = std::fs::metadata(&dst).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(m.len(), std_m.len());
        assert!(m.is_file() && !m.is_dir() && !m.is_symlink());
        assert_eq!(m.ino(), std_m.ino());
        assert_eq!(m.dev(), std_m.dev());
        assert_eq!(m.nlink(), std_m.nlink());
        assert_eq!((m.uid(), m.gid()), (std_m.uid(), std_m.gid()));
        assert_eq!(m.blksize(), std_m.blksize());
        assert_eq!(m.blocks(), std_m.blocks());
        assert_eq!(m.mode(), std_m.mode());
        assert_eq!(m.permissions().mode() & 0o777, 0o640 & !umask(), "the source's permission bits, less the umask");
        assert_eq!(m.modified().unwrap(), std_m.modified().unwrap());
        assert_eq!(m.accessed().unwrap(), std_m.accessed().unwrap());
        match (m.created(), std_m.created()) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(_)) => assert_eq!(a.kind(), ErrorKind::Unsupported),
            (a, b) => panic!("created: {a:?} but std says {b:?}"),
        }
        assert!(fs::metadata(&d, "/").await.unwrap().is_dir());

        fs::write(&d, &small, b"tiny".to_vec()).await.unwrap();
        assert_eq!(fs::read(&d, &small).await.unwrap(), b"tiny");
        fs::write(&d, &small, &b"x"[..]).await.unwrap();
        assert_eq!(fs::read(&d, &small).await.unwrap(), b"x", "write truncates");
        // A file whose size statx does not know is copied to end of file.
        let n = fs::copy(&d, "/proc/self/status", &small).await.unwrap();
        assert!(n > 0 && std::fs::metadata(&small).unwrap().len() == n);
        let e = fs::copy(&d, "/", &small).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "a directory is not copied");
        let e = fs::read(&d, temp_path("missing")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    })
    .unwrap();

    fn umask() -> u32 {
        // SAFETY: umask has no memory effects; it is set back at once.
        let old = unsafe { libc::umask(0o022) };
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        old as u32
    }
    use std::os::unix::fs::PermissionsExt;
}

#[test]
fn symlink_metadata_does_not_follow() {
    let rt = Runtime::new(16).unwrap();
    let d = rt.driver().clone();
    let link = temp_path("link");
    let _rm = Remove(link.clone());
    std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
    rt.block_on(async {
        assert!(fs::symlink_metadata(&d, &link).await.unwrap().is_symlink());
        assert!(!fs::metadata(&d, &link).await.unwrap().is_symlink());
    })
    .unwrap();
}

#[test]
fn connect_tries_each_resolved_address_in_order() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, "127.0.0.1:0").await.unwrap();
        let good = l.local_addr().unwrap();
        // A port with nothing listening: bind one and close it.
        let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let addrs = [dead, good];
        let s = TcpStream::connect(&d, &addrs[..]).await.unwrap();
        assert_eq!(s.peer_addr().unwrap(), good, "the refused first address was skipped");
        // Both refused: the last failure is returned.
        let e = TcpStream::connect(&d, &[dead, dead][..]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConnectionRefused);
        // Nothing to try.
        let none: &[SocketAddr] = &[];
        assert_eq!(TcpStream::connect(&d, none).await.unwrap_err().kind(), ErrorKind::InvalidInput);
        // Names resolve ("localhost" may give ::1 first; either works).
        let s = TcpStream::connect(&d, ("localhost", good.port())).await;
        if let Ok(s) = s {
            assert_eq!(s.peer_addr().unwrap().port(), good.port());
        }
        // bind takes the first address that binds: the second here,
        // because the first is in use.
        let taken = l.local_addr().unwrap();
        let l2 = TcpListener::bind(&d, &[taken, "127.0.0.1:0".parse().unwrap()][..]).await.unwrap();
        assert_ne!(l2.local_addr().unwrap(), taken);
        let u = UdpSocket::bind(&d, "127.0.0.1:0").await.unwrap();
        u.connect(("127.0.0.1", good.port())).await.unwrap();
        assert_eq!(TcpListener::bind(&d, "not an address").await.unwrap_err().kind(), ErrorKind::InvalidInput);
    })
    .unwrap();
}

#[test]
fn incoming_poll_next_yields_connections() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, "127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let mut incoming = l.incoming();
        let clients: Vec<_> = (0..3).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
        for _ in 0..3 {
            let s = poll_fn(|cx| incoming.poll_next(cx)).await.unwrap().unwrap();
            let peer = s.peer_addr().unwrap();
            assert!(clients.iter().any(|c| c.local_addr().unwrap() == peer));
        }
        incoming.cancel();
        // The kernel's last completion may come as an item (the
        // cancellation's error); then the stream ends.
        let mut end = false;
        for _ in 0..3 {
            match poll_fn(|cx| incoming.poll_next(cx)).await {
                None => {
                    end = true;
                    break;
                }
                Some(Err(e)) => assert_eq!(e.raw_os_error(), Some(libc::ECANCELED), "{e}"),
                Some(Ok(_)) => panic!("no connection was pending"),
            }
        }
        assert!(end, "the stream ends after cancel");
    })
    .unwrap();
}

#[test]
fn io_copy_moves_everything_and_flushes() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (path, out) = (temp_path("io-copy-in"), temp_path("io-copy-out"));
    let _rm = (Remove(path.clone()), Remove(out.clone()));
    let data = pattern(1_000_003, 9);
    std::fs::write(&path, &data).unwrap();
    rt.block_on(async {
        let mut from = File::open(&d, &path).await.unwrap();
        let mut to = File::create(&d, &out).await.unwrap();
        to.set_buffer_capacity(10_000);
        let n = ring_core::io::copy(&mut from, &mut to).await.unwrap();
        assert_eq!(n, data.len() as u64);
        drop(to);
    })
    .unwrap();
    assert!(std::fs::read(&out).unwrap() == data);
}
