//! The optional features: `futures-io` (AsyncRead, AsyncBufRead,
//! AsyncWrite, AsyncSeek), `futures-core` (Stream) and `tokio` (tokio's
//! AsyncRead, AsyncBufRead, AsyncWrite, AsyncSeek), each exercised through
//! the ecosystem's own extension traits and `copy` helpers
//! (futures-util and tokio's `io-util`, dev-dependencies only), on the real
//! kernel, under ring-core's own `Runtime`. Run with
//! `cargo test -p ring-core --all-features --test io ecosystem_traits::`.

#[allow(unused)]
use crate::caps;

#[allow(dead_code)]
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + seed + i / 511) as u8).collect()
}

#[cfg(feature = "futures-io")]
mod futures_io_traits {
    use super::pattern;
    use crate::support::temp_path;
    use futures_util::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
    use ring_core::adapters::Uring;
    use ring_core::io::BufReader;
    use ring_core::net::{TcpListener, TcpStream, UnixStream};
    use ring_core::{File, Runtime};
    use std::io::SeekFrom;

    #[test]
    fn futures_copy_from_a_tcp_stream_into_a_file() {
        let rt = Runtime::new(64).unwrap();
        let d = rt.driver().clone();
        let path = temp_path("futures-copy");
        let data = pattern(700_001, 1);
        let sent = data.clone();
        rt.block_on(async {
            let l = TcpListener::bind(&d, "127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let sender = rt.spawn(async move {
                let (mut s, _) = l.accept().await.unwrap();
                // The sockets' own owned-buffer methods share these names,
                // so the traits' are called through the trait.
                AsyncWriteExt::write_all(&mut s, &sent).await.unwrap();
                AsyncWriteExt::close(&mut s).await.unwrap(); // flush, then shutdown(SHUT_WR)
            });
            let mut from = TcpStream::connect(&d, addr).await.unwrap();
            let mut to = File::create(&d, &path).await.unwrap();
            let n = futures_util::io::copy(&mut from, &mut to).await.unwrap();
            assert_eq!(n, data.len() as u64);
            to.close().await.unwrap();
            sender.await.unwrap();
        })
        .unwrap();
        let got = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(got == data, "the file differs from what was sent");
    }

    #[test]
    fn futures_read_exact_read_to_end_and_lines() {
        let rt = Runtime::new(32).unwrap();
        let (mut a, mut b) = UnixStream::pair(rt.driver()).unwrap();
        rt.block_on(async {
            AsyncWriteExt::write_all(&mut b, b"head:body line one\nline two\n").await.unwrap();
            AsyncWriteExt::close(&mut b).await.unwrap();
            let mut head = [0u8; 5];
            AsyncReadExt::read_exact(&mut a, &mut head).await.unwrap();
            assert_eq!(&head, b"head:");
            let mut line = String::new();
            AsyncBufReadExt::read_line(&mut a, &mut line).await.unwrap();
            assert_eq!(line, "body line one\n");
            let mut rest = Vec::new();
            AsyncReadExt::read_to_end(&mut a, &mut rest).await.unwrap();
            assert_eq!(rest, b"line two\n");
            // Partial read then end of file.
            let mut buf = [0u8; 4];
            assert_eq!(AsyncReadExt::read(&mut a, &mut buf).await.unwrap(), 0);
        })
        .unwrap();
    }

    #[test]
    fn futures_seek_and_read_a_file_and_uring_round_trip() {
        let rt = Runtime::new(32).unwrap();
        let d = rt.driver().clone();
        let path = temp_path("futures-seek");
        rt.block_on(async {
            let mut f = File::create(&d, &path).await.unwrap();
            f.write_all(b"0123456789").await.unwrap();
            assert_eq!(f.seek(SeekFrom::Start(3)).await.unwrap(), 3);
            let mut three = [0u8; 3];
            f.read_exact(&mut three).await.unwrap();
            assert_eq!(&three, b"345");
            assert_eq!(f.seek(SeekFrom::End(-1)).await.unwrap(), 9);
            let mut lines = BufReader::new(&mut f);
            let mut last = Vec::new();
            AsyncReadExt::read_to_end(&mut lines, &mut last).await.unwrap();
            assert_eq!(last, b"9");

            let (x, y) = std::os::unix::net::UnixStream::pair().unwrap();
            let (mut x, mut y) = (Uring::new(&d, x), Uring::new(&d, y));
            AsyncWriteExt::write_all(&mut x, b"via futures-io").await.unwrap();
            AsyncWriteExt::flush(&mut x).await.unwrap();
            let mut got = [0u8; 14];
            AsyncReadExt::read_exact(&mut y, &mut got).await.unwrap();
            assert_eq!(&got, b"via futures-io");
        })
        .unwrap();
        std::fs::remove_file(&path).unwrap();
    }
}

#[cfg(feature = "futures-core")]
mod streams {
    use futures_util::StreamExt;
    use ring_core::io::BufReader;
    use ring_core::net::{TcpListener, UnixStream};
    use ring_core::Runtime;
    use std::time::Duration;

    #[test]
    fn multishot_streams_incoming_and_lines_are_streams() {
        let rt = Runtime::new(32).unwrap();
        let d = rt.driver().clone();
        rt.block_on(async {
            // `ticks` is a MultiOp: three ticks, then the stream ends. It
            // needs multishot timeouts, which the kernel may lack.
            if super::caps::multishot_timeouts("multishot_streams_incoming_and_lines_are_streams (the ticks)") {
                let ticks: Vec<_> = d.ticks(Duration::from_millis(1), 3).collect().await;
                assert_eq!(ticks.len(), 3, "{ticks:?}");
            }

            let l = TcpListener::bind(&d, "127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let _clients: Vec<_> = (0..2).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
            let accepted: Vec<_> = l.incoming().take(2).collect().await;
            assert!(accepted.iter().all(Result::is_ok), "{accepted:?}");

            let (a, b) = UnixStream::pair(&d).unwrap();
            b.write_all(b"x\ny\nz").await.0.unwrap();
            drop(b);
            let lines: Vec<String> = BufReader::new(a).lines().map(Result::unwrap).collect().await;
            assert_eq!(lines, ["x", "y", "z"]);
        })
        .unwrap();
    }
}

#[cfg(feature = "tokio")]
mod tokio_traits {
    use super::pattern;
    use crate::support::temp_path;
    use ring_core::net::UnixStream;
    use ring_core::{File, Runtime};
    use std::io::SeekFrom;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

    #[test]
    fn tokio_read_write_shutdown_lines_and_copy() {
        let rt = Runtime::new(32).unwrap();
        let d = rt.driver().clone();
        let (mut a, mut b) = UnixStream::pair(&d).unwrap();
        let path = temp_path("tokio-copy");
        let data = pattern(300_000, 3);
        rt.block_on(async {
            AsyncWriteExt::write_all(&mut b, b"one\ntwo\n").await.unwrap();
            AsyncWriteExt::shutdown(&mut b).await.unwrap();
            let mut first = [0u8; 4];
            AsyncReadExt::read_exact(&mut a, &mut first).await.unwrap();
            assert_eq!(&first, b"one\n");
            // tokio's own `lines`, over the stream's AsyncBufRead.
            let mut lines = AsyncBufReadExt::lines(&mut a);
            assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("two"));
            assert_eq!(lines.next_line().await.unwrap(), None);

            // tokio::io::copy from a socket into a file; then seek and read.
            let (mut x, mut y) = UnixStream::pair(&d).unwrap();
            let sent = data.clone();
            let writer = rt.spawn(async move {
                AsyncWriteExt::write_all(&mut y, &sent).await.unwrap();
                AsyncWriteExt::shutdown(&mut y).await.unwrap();
                y
            });
            let mut f = File::create(&d, &path).await.unwrap();
            let n = tokio::io::copy(&mut x, &mut f).await.unwrap();
            assert_eq!(n, data.len() as u64);
            f.flush().await.unwrap();
            drop(writer.await.unwrap());
            assert_eq!(f.seek(SeekFrom::Start(1000)).await.unwrap(), 1000);
            let mut chunk = vec![0u8; 100];
            f.read_exact(&mut chunk).await.unwrap();
            assert_eq!(&chunk[..], &data[1000..1100]);
            assert_eq!(f.stream_position().await.unwrap(), 1100);
            let mut rest = Vec::new();
            f.read_to_end(&mut rest).await.unwrap();
            assert_eq!(rest.len(), data.len() - 1100);
        })
        .unwrap();
        std::fs::remove_file(&path).unwrap();
    }
}
