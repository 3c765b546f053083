//! Connects `CLIENTS` concurrent clients to the echo server on 127.0.0.1,
//! each sending `ROUNDS` messages and checking every echoed byte.
//!
//! ```text
//! cargo run --release -p ring-core --example echo_server &
//! cargo run --release -p ring-core --example echo_client -- [PORT] [CLIENTS] [ROUNDS]
//! ```

use ring_core::net::TcpStream;
use ring_core::Runtime;
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args.first().map_or(7878, |s| s.parse().expect("PORT"));
    let clients: usize = args.get(1).map_or(16, |s| s.parse().expect("CLIENTS"));
    let rounds: usize = args.get(2).map_or(1000, |s| s.parse().expect("ROUNDS"));
    let rt = Runtime::new(1024)?;
    let d = rt.driver().clone();
    let start = Instant::now();
    rt.block_on(async move {
        let mut tasks = Vec::new();
        for c in 0..clients {
            let d = d.clone();
            tasks.push(ring_core::task::spawn(async move {
                let s = TcpStream::connect(&d, std::net::SocketAddr::from(([127, 0, 0, 1], port))).await?;
                s.set_nodelay(true)?;
                let mut buf = Vec::with_capacity(512);
                for r in 0..rounds {
                    let msg = format!("client {c} round {r}\n").into_bytes();
                    let (res, msg) = s.write_all(msg).await;
                    res?;
                    let mut got = 0;
                    while got < msg.len() {
                        buf.clear();
                        let (n, b) = s.read(buf).await;
                        let n = n?;
                        if n == 0 {
                            return Err(std::io::Error::other("server closed early"));
                        }
                        assert_eq!(&b[..], &msg[got..got + n], "echo differs");
                        got += n;
                        buf = b;
                    }
                }
                s.close().await
            }));
        }
        for t in tasks {
            t.await.map_err(|_| std::io::Error::other("client task failed"))??;
        }
        Ok::<_, std::io::Error>(())
    })??;
    let secs = start.elapsed().as_secs_f64();
    let n = clients * rounds;
    println!("{n} round trips by {clients} clients in {secs:.3} s ({:.0}/s), all bytes verified", n as f64 / secs);
    Ok(())
}
