//! A TCP echo server on 127.0.0.1 that drops idle connections: one task per
//! connection, each read given a deadline with `Op::with_timeout`, so a
//! read that times out gives its buffer back and the connection is closed.
//! Connections live in a `JoinSet`, so stopping the server aborts them all.
//!
//! ```text
//! cargo run --release -p ring-core --example echo_server -- [PORT] [--seconds N] [--idle SECS]
//! ```
//! Listens on 127.0.0.1:7878 by default, drops a connection after 10 s
//! without data (`--idle`), and stops after `--seconds` (default 30). Try
//! it with the `echo_client` example, or `nc 127.0.0.1 7878`.
//!
//! The example's tests (`cargo test -p ring-core --example echo_server`)
//! run the same server on a free port.

use ring_core::net::{TcpListener, TcpStream};
use ring_core::task::JoinSet;
use ring_core::time::{self, Timed};
use ring_core::Runtime;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// How a connection ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// The peer closed it, after this many bytes.
    Closed(u64),
    /// No data for the idle time, after this many bytes.
    Idle(u64),
}

/// Echoes until the peer closes, or sends nothing for `idle`.
async fn echo(s: TcpStream, idle: Duration) -> io::Result<End> {
    let mut buf = Vec::with_capacity(16 * 1024);
    let mut total = 0;
    loop {
        buf.clear();
        // The deadline is on the read itself: when it passes, the kernel
        // cancels the read and the buffer comes back with the result.
        let (n, b) = match s.read(buf).with_timeout(idle).await {
            Timed::Completed(out) => out,
            Timed::TimedOut(_) => {
                s.close().await?;
                return Ok(End::Idle(total));
            }
        };
        if n? == 0 {
            s.close().await?;
            return Ok(End::Closed(total));
        }
        total += b.len() as u64;
        let (r, b) = s.write_all(b).await;
        r?;
        buf = b;
    }
}

/// Accepts connections on `listener` for `run_for`, echoing each with the
/// `idle` limit; then aborts the connections still open. Returns how each
/// connection that ended by itself ended.
async fn serve(listener: TcpListener, idle: Duration, run_for: Duration) -> io::Result<Vec<End>> {
    let mut connections = JoinSet::new();
    let mut ended = Vec::new();
    let accept = async {
        loop {
            let mut incoming = listener.incoming();
            while let Some(conn) = incoming.next().await {
                match conn {
                    Ok(s) => drop(connections.spawn(echo(s, idle))),
                    Err(e) => eprintln!("accept: {e}"),
                }
                // Collect the connections that ended meanwhile.
                while let Some(Ok(r)) = connections.try_join_next() {
                    ended.push(r?);
                }
            }
            // The kernel ended the multishot accept: arm a new one.
        }
        #[allow(unreachable_code)]
        Ok::<(), io::Error>(())
    };
    // Stop accepting after `run_for`; the accept loop (and its multishot
    // accept) is dropped, and cancelled by the driver.
    let _ = time::timeout(run_for, accept).await;
    while let Some(Ok(r)) = connections.try_join_next() {
        ended.push(r?);
    }
    // Dropping the set would abort the rest too; `shutdown` also waits.
    connections.shutdown().await;
    Ok(ended)
}

fn main() -> io::Result<()> {
    let mut port = 7878u16;
    let mut seconds = 30u64;
    let mut idle = 10u64;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = args.next().and_then(|s| s.parse().ok()).expect("--seconds N"),
            "--idle" => idle = args.next().and_then(|s| s.parse().ok()).expect("--idle SECS"),
            p => port = p.parse().expect("PORT"),
        }
    }
    let rt = Runtime::new(1024)?;
    let d = rt.driver().clone();
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("echo server on {} for {seconds} s, idle limit {idle} s", listener.local_addr()?);
        let ended = serve(listener, Duration::from_secs(idle), Duration::from_secs(seconds)).await?;
        let idle = ended.iter().filter(|e| matches!(e, End::Idle(_))).count();
        println!("done: {} connections ended ({idle} dropped as idle)", ended.len());
        Ok(())
    })?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// An active client gets its bytes back; an idle one is dropped after
    /// the idle limit (it reads end of file); the server then stops.
    #[test]
    fn echoes_and_drops_idle_connections() {
        let rt = Runtime::new(64).unwrap();
        let d = rt.driver().clone();
        let listener = rt.block_on(TcpListener::bind(&d, "127.0.0.1:0")).unwrap().unwrap();
        let addr = listener.local_addr().unwrap();
        let idle_client = std::thread::spawn(move || {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut b = [0u8; 1];
            // The server closes it: end of file, well before the timeout.
            assert_eq!(c.read(&mut b).unwrap(), 0);
        });
        let active_client = std::thread::spawn(move || {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            for round in 0..5 {
                let msg = format!("round {round}");
                c.write_all(msg.as_bytes()).unwrap();
                let mut got = vec![0u8; msg.len()];
                c.read_exact(&mut got).unwrap();
                assert_eq!(got, msg.as_bytes());
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let ended =
            rt.block_on(serve(listener, Duration::from_millis(200), Duration::from_millis(1500))).unwrap().unwrap();
        idle_client.join().unwrap();
        active_client.join().unwrap();
        assert!(ended.contains(&End::Idle(0)), "the idle client was dropped: {ended:?}");
        assert!(
            ended.iter().any(|e| matches!(e, End::Idle(n) | End::Closed(n) if *n == 5 * 7)),
            "the active client's bytes were echoed: {ended:?}"
        );
    }
}
