//! Thread-per-core scaling from 1 to N cores: the same workload on a
//! `per_core` runtime of 1 core, then of 2 (or the counts given), and the
//! throughput of each.
//!
//! - `nop`: every core keeps `DEPTH` NOPs in flight on its own ring (the
//!   cost of the ring and executor, no device, no peer).
//! - `http`: every core serves HTTP/1.1 keep-alive on its own
//!   `SO_REUSEPORT` listener on 127.0.0.1: it parses each request (request
//!   line, headers, `Content-Length` body, `Connection: close`), answers
//!   pipelined requests in order with a fixed "hello" response, and writes
//!   the answers to one read's requests with one send.
//! - `echo`: every core echoes whatever its connections send.
//! - `echo-rr`: the same server, with the clients doing one 64-byte round
//!   trip at a time per connection (latency-bound, and the clients cost as
//!   much CPU as the server).
//!
//! The load generator runs in the same process, on the same CPUs, so it is
//! made cheap relative to the server: each client thread keeps eight
//! batches of 256 requests (or 64-byte echo messages) in flight on each of
//! its four connections per core, enough to keep one core busy,
//! sends a batch with one `write`, and counts a batch's answers by their
//! length, discarding the bytes in the kernel (`recv` with `MSG_TRUNC`, no
//! copy); one batch in 64 is read and compared byte for byte. Before the
//! measurement the clients open connections until every core has the same
//! number (each server says which core it is: the `X-Core` header, or a
//! two-byte greeting for echo), so the kernel's hash of the connections to
//! the listeners does not leave one core with more.
//!
//! Each run prints the operations per second, the CPU time the process got
//! per second, split between the core threads (`ring-core-*`) and the
//! client threads (`pcs-client-*`) from `/proc/self/task/*/stat`, and the
//! operations per CPU-second of the server alone: that figure not falling
//! from 1 core to 2 is the server scaling, whatever share of the CPUs the
//! clients take.
//!
//! ```text
//! cargo run --release -p ring-core --example per_core_scaling -- nop 3 1,2
//! cargo run --release -p ring-core --example per_core_scaling -- http 3 1,2
//! cargo run --release -p ring-core --example per_core_scaling -- echo 3 1,2
//! ```
//! (workload, seconds per run, core counts). With `pin` as a fourth
//! argument, core `i` is pinned to the `i`-th CPU the process may use.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::per_core::Builder;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEPTH: usize = 64;

mod clients;
mod measure;
mod servers;

use clients::*;
use measure::*;
use servers::*;

fn nop_run(cores: usize, secs: u64, pin: bool) -> std::io::Result<Rate> {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (done2, stop2) = (done.clone(), stop.clone());
    let mut b = Builder::new(cores).entries(256);
    if pin {
        b = b.pin_to_cpus();
    }
    let set = b.start(move |core| {
        let (done, stop) = (done2.clone(), stop2.clone());
        async move {
            let mut tasks = Vec::new();
            for _ in 0..DEPTH {
                let d = core.driver().clone();
                let (done, stop) = (done.clone(), stop.clone());
                tasks.push(ring_core::task::spawn_local(async move {
                    let mut local = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        if d.nop().await.is_err() {
                            break;
                        }
                        local += 1;
                        if local % 256 == 0 {
                            done.fetch_add(256, Ordering::Relaxed);
                        }
                    }
                    done.fetch_add(local % 256, Ordering::Relaxed);
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        }
    })?;
    // Warm up, then measure.
    let rate = window(&done, secs);
    stop.store(true, Ordering::Relaxed);
    set.shutdown().map_err(std::io::Error::other)?;
    Ok(rate)
}

fn net_run(cores: usize, secs: u64, pin: bool, load: Load) -> std::io::Result<Rate> {
    let addr = Arc::new(Mutex::new(None::<SocketAddr>));
    let served = Arc::new(AtomicU64::new(0));
    let (addr2, served2) = (addr.clone(), served.clone());
    let mut b = Builder::new(cores).entries(256).listen_reuseport("127.0.0.1:0".parse().unwrap(), 1024);
    if pin {
        b = b.pin_to_cpus();
    }
    let set = b.start(move |core| {
        let (addr, served) = (addr2.clone(), served2.clone());
        async move {
            let Some(l) = core.take_listener() else { return };
            if let Ok(a) = l.local_addr() {
                *addr.lock().unwrap() = Some(a);
            }
            let index = core.index();
            let response: Arc<[u8]> = http_response(index).into();
            while let Ok((s, _)) = l.accept().await {
                if load.http {
                    ring_core::task::spawn_local(serve_http(s, response.clone(), served.clone()));
                } else {
                    ring_core::task::spawn_local(serve_echo(s, index));
                }
            }
        }
    })?;
    let start = Instant::now();
    let addr = loop {
        if let Some(a) = *addr.lock().unwrap() {
            break a;
        }
        if start.elapsed() > Duration::from_secs(10) {
            return Err(std::io::Error::other("no listener"));
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let conns = connect_balanced(addr, cores, load.conns_per_core, load)?;
    let request: Arc<[u8]> =
        if load.http { HTTP_REQUEST.repeat(load.batch) } else { vec![0x5a; ECHO_MESSAGE * load.batch] }.into();
    // Each client thread gets connections to every core in turn.
    let threads = (load.threads_per_core * cores).max(1);
    let mut shares: Vec<Vec<Conn>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, (_, c)) in conns.into_iter().enumerate() {
        shares[i % threads].push(c);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(i, share)| {
            let (stop, done, request) = (stop.clone(), done.clone(), request.clone());
            std::thread::Builder::new()
                .name(format!("pcs-client-{i}"))
                .spawn(move || client(share, request, load.batch as u64, load.depth, stop, done))
        })
        .collect::<Result<_, _>>()?;
    let rate = window(&done, secs);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().map_err(|_| std::io::Error::other("a client panicked"))??;
    }
    set.shutdown().map_err(std::io::Error::other)?;
    if load.http && served.load(Ordering::Relaxed) < done.load(Ordering::Relaxed) {
        return Err(std::io::Error::other("the clients counted more answers than the servers sent"));
    }
    Ok(rate)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let workload = args.get(1).map_or("nop", String::as_str).to_string();
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let counts: Vec<usize> =
        args.get(3).map_or("1,2", String::as_str).split(',').filter_map(|s| s.parse().ok()).collect();
    let pin = args.get(4).is_some_and(|s| s == "pin");
    let load = match workload.as_str() {
        "nop" => None,
        "http" => Some(Load { http: true, batch: 256, depth: 8, conns_per_core: 4, threads_per_core: 1 }),
        "echo" => Some(Load { http: false, batch: 256, depth: 8, conns_per_core: 4, threads_per_core: 1 }),
        "echo-rr" => Some(Load { http: false, batch: 1, depth: 1, conns_per_core: 8, threads_per_core: 2 }),
        other => return Err(std::io::Error::other(format!("unknown workload {other}: nop, http, echo or echo-rr"))),
    };
    // The client's shape can be changed from the environment, for finding
    // a load that keeps one core busy: PCS_BATCH, PCS_DEPTH, PCS_CONNS and
    // PCS_THREADS (per core).
    let var = |name: &str, default: usize| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let load = load.map(|l| Load {
        batch: var("PCS_BATCH", l.batch).max(1),
        depth: var("PCS_DEPTH", l.depth).max(1),
        conns_per_core: var("PCS_CONNS", l.conns_per_core).max(1),
        threads_per_core: var("PCS_THREADS", l.threads_per_core).max(1),
        ..l
    });
    let mut first = None;
    for &n in &counts {
        let rate = match load {
            Some(load) => net_run(n, secs, pin, load)?,
            None => nop_run(n, secs, pin)?,
        };
        // Operations per CPU-second of the server alone (of the whole
        // process for `nop`, whose only threads are the cores).
        let server = if load.is_some() { rate.server } else { rate.cpus };
        let per_server_cpu = rate.per_sec / server.max(1e-9);
        let (base, base_per_cpu) = *first.get_or_insert((rate.per_sec, per_server_cpu));
        print!(
            "{workload} cores={n} pin={pin}: {:.0} ops/s ({:.2}x of {} core), {:.2} CPUs used",
            rate.per_sec,
            rate.per_sec / base,
            counts[0],
            rate.cpus,
        );
        if load.is_some() {
            print!(
                " (cores {:.2}, clients {:.2}, client CPU per server CPU {:.2})",
                rate.server,
                rate.client,
                rate.client / rate.server.max(1e-9)
            );
        }
        println!(", {per_server_cpu:.0} ops per server CPU-second ({:.2}x)", per_server_cpu / base_per_cpu);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipelined_requests_are_answered_in_order_and_a_partial_one_waits() {
        let three = HTTP_REQUEST.repeat(3);
        let mut out = Vec::new();
        // The third request cut in its head: two answers, and the third
        // starts where the parser stopped.
        let cut = 2 * HTTP_REQUEST.len() + 10;
        let (used, close) = answer(&three[..cut], b"R", &mut out).unwrap();
        assert_eq!((used, close, out.as_slice()), (2 * HTTP_REQUEST.len(), false, b"RR".as_slice()));
        out.clear();
        assert_eq!(answer(&three[used..], b"R", &mut out).unwrap(), (HTTP_REQUEST.len(), false));
        assert_eq!(out, b"R");
    }

    #[test]
    fn a_body_is_skipped_by_its_length_and_close_ends_the_answers() {
        let post = b"POST /x HTTP/1.1\r\ncontent-length:  5 \r\n\r\nhello";
        let mut out = Vec::new();
        assert_eq!(parse_request(&post[..post.len() - 1]).unwrap(), None, "the body is not all here");
        assert_eq!(parse_request(post).unwrap(), Some((post.len(), false)));
        let mut two = b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n".to_vec();
        two.extend_from_slice(HTTP_REQUEST);
        assert_eq!(answer(&two, b"R", &mut out).unwrap(), (two.len() - HTTP_REQUEST.len(), true));
        assert_eq!(parse_request(b"GET / HTTP/1.0\r\n\r\n").unwrap(), Some((18, true)));
        for bad in [
            &b"GET / HTTP/2\r\n\r\n"[..],
            b"get / HTTP/1.1\r\n\r\n",
            b"GET x HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: many\r\n\r\n",
            b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert!(parse_request(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_request(&vec![b'a'; 70 * 1024]).is_err(), "an endless head");
    }

    #[test]
    fn every_workload_serves_two_balanced_cores() {
        for load in [
            Load { http: true, batch: 8, depth: 2, conns_per_core: 2, threads_per_core: 1 },
            Load { http: false, batch: 8, depth: 2, conns_per_core: 2, threads_per_core: 1 },
        ] {
            let rate = net_run(2, 1, false, load).unwrap();
            assert!(rate.per_sec > 0.0);
        }
    }
}
