//! A minimal HTTP/1.1 server on 127.0.0.1 answering every request with a
//! fixed "hello" response, keeping connections alive (and answering
//! pipelined requests in order), so that `wrk` can drive it.
//!
//! ```text
//! cargo run --release -p ring-core --example http_hello -- [--port P] [--seconds N | --requests N]
//! wrk -t2 -c64 -d5s http://127.0.0.1:8080/
//! ```
//! It stops by itself after `--seconds` (default 10) or after serving
//! `--requests` requests, and prints how many it served.

use ring_core::net::{TcpListener, TcpStream};
use ring_core::Runtime;
use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

const RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\nHello, world!";

/// Counts complete request heads (ended by an empty line) in `buf`,
/// returning how many and where the unfinished remainder starts.
fn complete_requests(buf: &[u8]) -> (usize, usize) {
    let (mut n, mut start) = (0, 0);
    while let Some(i) = buf[start..].windows(4).position(|w| w == b"\r\n\r\n") {
        n += 1;
        start += i + 4;
    }
    (n, start)
}

async fn serve(s: TcpStream, served: Rc<Cell<u64>>) -> std::io::Result<()> {
    let mut pending: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::with_capacity(RESPONSE.len() * 16);
    let mut buf = Vec::with_capacity(8192);
    loop {
        buf.clear();
        let (n, b) = s.read(buf).await;
        if n? == 0 {
            return Ok(());
        }
        pending.extend_from_slice(&b);
        buf = b;
        let (reqs, rest) = complete_requests(&pending);
        pending.drain(..rest);
        if reqs == 0 {
            continue;
        }
        out.clear();
        for _ in 0..reqs {
            out.extend_from_slice(RESPONSE);
        }
        let (r, o) = s.write_all(out).await;
        r?;
        out = o;
        served.set(served.get() + reqs as u64);
    }
}

fn main() -> std::io::Result<()> {
    let (mut port, mut seconds, mut requests) = (8080u16, 10u64, u64::MAX);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse::<u64>().ok()).expect("a number after the flag");
        match a.as_str() {
            "--port" => port = v as u16,
            "--seconds" => seconds = v,
            "--requests" => requests = v,
            other => panic!("unknown argument {other}"),
        }
    }
    let rt = Runtime::new(4096)?;
    let d = rt.driver().clone();
    let sp = rt.spawner();
    let served = Rc::new(Cell::new(0u64));
    let counter = served.clone();
    let start = Instant::now();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, std::net::SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("http_hello on http://{}/ for {seconds} s or {requests} requests", listener.local_addr()?);
        let c2 = counter.clone();
        sp.clone().spawn(async move {
            loop {
                let mut incoming = listener.incoming();
                while let Some(conn) = incoming.next().await {
                    if let Ok(s) = conn {
                        let c = c2.clone();
                        drop(sp.spawn(async move {
                            let _ = serve(s, c).await;
                        }));
                    }
                }
            }
        });
        // Check the bounds every 50 ms with a ring timer.
        let deadline = Duration::from_secs(seconds);
        while start.elapsed() < deadline && counter.get() < requests {
            d.sleep(Duration::from_millis(50)).await?;
        }
        Ok::<_, std::io::Error>(())
    })??;
    let secs = start.elapsed().as_secs_f64();
    println!("served {} requests in {secs:.1} s", served.get());
    Ok(())
}
