//! Zero-copy send (`IORING_OP_SEND_ZC`) of 16 MiB over 127.0.0.1, with a
//! receiver thread that checks every byte. Each buffer comes back from the
//! driver only after the kernel's notification that it stopped reading it.
//!
//! Run with `cargo run --release -p ring-core --example zc_send`.

use ring_core::buf::IoBuf;
use ring_core::Runtime;
use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

const CHUNK: usize = 1 << 20;
const CHUNKS: usize = 16;

fn byte(i: usize) -> u8 {
    (i * 7 + i / 4093) as u8
}

fn main() -> io::Result<()> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    // Shared with each send, which keeps it open until the kernel is done.
    let tx = Rc::new(TcpStream::connect(l.local_addr()?)?);
    let (mut rx, _) = l.accept()?;
    rx.set_read_timeout(Some(Duration::from_secs(10)))?;
    let receiver = std::thread::spawn(move || -> io::Result<usize> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut seen = 0;
        loop {
            let n = rx.read(&mut buf)?;
            if n == 0 {
                return Ok(seen);
            }
            for (k, b) in buf[..n].iter().enumerate() {
                if *b != byte(seen + k) {
                    return Err(io::Error::other(format!("byte {} differs", seen + k)));
                }
            }
            seen += n;
        }
    });

    let rt = Runtime::new(64)?;
    let d = rt.driver().clone();
    let start = Instant::now();
    rt.block_on(async {
        let mut buf = vec![0u8; CHUNK];
        for c in 0..CHUNKS {
            for (k, b) in buf.iter_mut().enumerate() {
                *b = byte(c * CHUNK + k);
            }
            let mut off = 0;
            while off < CHUNK {
                // The driver keeps the buffer until the notification; a
                // short send resumes from a slice of the same buffer.
                let (n, back) = d.send_zc(&tx, buf.slice(off..), 0).await;
                buf = back.into_inner();
                match n {
                    Ok(n) => off += n,
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL)) => {
                        return Err(io::Error::other(format!("zero-copy send is not supported here: {e}")));
                    }
                    Err(e) => return Err(e),
                }
            }
            debug_assert_eq!(buf.bytes_init(), CHUNK);
        }
        Ok(())
    })??;
    drop(tx);
    let seen = receiver.join().expect("receiver thread")?;
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(seen, CHUNK * CHUNKS);
    println!(
        "sent {} MiB zero-copy, every byte verified, in {:.1} ms ({:.0} MiB/s)",
        seen >> 20,
        secs * 1e3,
        (seen >> 20) as f64 / secs
    );
    Ok(())
}
