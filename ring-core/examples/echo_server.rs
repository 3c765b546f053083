//! A TCP echo server on 127.0.0.1, one task per connection, connections
//! taken from a multishot accept.
//!
//! ```text
//! cargo run --release -p ring-core --example echo_server -- [PORT] [--seconds N]
//! ```
//! Listens on 127.0.0.1:7878 by default and stops after `--seconds`
//! (default 30). Try it with the `echo_client` example.

use ring_core::net::{TcpListener, TcpStream};
use ring_core::Runtime;
use std::time::Duration;

async fn echo(s: TcpStream) -> std::io::Result<u64> {
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut total = 0;
    loop {
        buf.clear();
        let (n, b) = s.read(buf).await;
        if n? == 0 {
            return Ok(total);
        }
        total += b.len() as u64;
        let (r, b) = s.write_all(b).await;
        r?;
        buf = b;
    }
}

fn main() -> std::io::Result<()> {
    let mut port = 7878u16;
    let mut seconds = 30u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            p => port = p.parse().expect("PORT"),
        }
    }
    let rt = Runtime::new(1024)?;
    let d = rt.driver().clone();
    let sp = rt.spawner();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, std::net::SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("echo server on {} for {seconds} s", listener.local_addr()?);
        sp.clone().spawn(async move {
            loop {
                let mut incoming = listener.incoming();
                while let Some(conn) = incoming.next().await {
                    match conn {
                        Ok(s) => drop(sp.spawn(async move {
                            if let Err(e) = echo(s).await {
                                eprintln!("connection: {e}");
                            }
                        })),
                        Err(e) => eprintln!("accept: {e}"),
                    }
                }
                // The kernel ended the multishot accept: arm a new one.
            }
        });
        d.sleep(Duration::from_secs(seconds)).await?;
        println!("done");
        Ok::<_, std::io::Error>(())
    })?
}
