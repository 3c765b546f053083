//! A multishot receive into a provided-buffer pool: one SQE, a stream of
//! completions, each a `PoolBuf` that goes back into the ring when dropped.
//! A client thread sends 4 MiB over 127.0.0.1; every byte is checked.
//!
//! Run with `cargo run --release -p ring-core --example buffer_pool`.

use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::Runtime;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::rc::Rc;

const TOTAL: usize = 4 << 20;

fn byte(i: usize) -> u8 {
    (i * 13 + i / 511) as u8
}

fn main() -> io::Result<()> {
    let l = TcpListener::bind("127.0.0.1:0")?;
    let addr = l.local_addr()?;
    let client = std::thread::spawn(move || -> io::Result<()> {
        let mut s = TcpStream::connect(addr)?;
        let data: Vec<u8> = (0..TOTAL).map(byte).collect();
        s.write_all(&data)
    });
    // Shared with the multishot receive, which keeps it open until it ends.
    let sock = Rc::new(l.accept()?.0);

    let rt = Runtime::new(64)?;
    let d = rt.driver().clone();
    let pool = BufferPool::new(&d, BufRingConfig::new(7, 16).buffers(16, 16 * 1024))?;
    let (seen, completions, restarts) = rt.block_on(async {
        let (mut seen, mut completions, mut restarts) = (0usize, 0u32, 0u32);
        'outer: loop {
            let mut stream = d.recv_pool_multishot(&sock, &pool, 0);
            while let Some(item) = stream.next().await {
                match item {
                    Ok(buf) if buf.is_empty() => break 'outer,
                    Ok(buf) => {
                        completions += 1;
                        for (k, b) in buf.iter().enumerate() {
                            assert_eq!(*b, byte(seen + k), "byte {} differs", seen + k);
                        }
                        seen += buf.len();
                        // `buf` drops here: its buffer goes back into the ring.
                    }
                    // The pool ran dry (we hold nothing, so it refills at
                    // once); no data is lost, it waits in the socket.
                    Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => {}
                    Err(e) => return Err(e),
                }
            }
            // The stream ended (ENOBUFS or the kernel stopped it): start another.
            restarts += 1;
        }
        Ok((seen, completions, restarts))
    })??;
    client.join().expect("client thread")?;
    assert_eq!(seen, TOTAL);
    println!(
        "received {} MiB in {completions} completions from {} multishot receive(s) (a stream ends when the pool runs dry), {} buffers recycled, every byte verified",
        seen >> 20,
        restarts + 1,
        pool.recycled()
    );
    Ok(())
}
