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
//! made cheap relative to the server: each client thread keeps two batches
//! of requests (or echo messages) in flight on each of its connections,
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
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEPTH: usize = 64;

/// CPU time (user and system) this process has used so far.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for the call to overwrite.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is writable, and RUSAGE_SELF names this process.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU seconds (user and system) used so far by this process's threads
/// whose names start with "ring-core" (the cores, and any blocking-pool
/// thread), and by those whose names start with "pcs-client".
fn thread_cpu() -> (f64, f64) {
    // SAFETY: sysconf only reads a configuration value.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let (mut server, mut client) = (0u64, 0u64);
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return (0.0, 0.0) };
    for task in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        // "tid (comm) state ...": the name may hold spaces, so the fields
        // are counted from the last ')'; utime and stime are fields 14 and
        // 15, the 12th and 13th after the name.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let t = ticks(11) + ticks(12);
        if name.starts_with("ring-core") {
            server += t;
        } else if name.starts_with("pcs-client") {
            client += t;
        }
    }
    (server as f64 / tick, client as f64 / tick)
}

/// What one run measured: operations per second of wall time, and the CPU
/// seconds per wall second the process got (how many CPUs it actually had,
/// on a machine other work also uses), the core threads got, and the
/// client threads got.
struct Rate {
    per_sec: f64,
    cpus: f64,
    server: f64,
    client: f64,
}

fn window(done: &AtomicU64, secs: u64) -> Rate {
    std::thread::sleep(Duration::from_millis(300));
    let start_count = done.load(Ordering::Relaxed);
    let start_cpu = cpu_time();
    let (start_server, start_client) = thread_cpu();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let count = done.load(Ordering::Relaxed) - start_count;
    let cpu = (cpu_time() - start_cpu).as_secs_f64();
    let (server, client) = thread_cpu();
    let elapsed = start.elapsed().as_secs_f64();
    Rate {
        per_sec: count as f64 / elapsed,
        cpus: cpu / elapsed,
        server: (server - start_server) / elapsed,
        client: (client - start_client) / elapsed,
    }
}

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

/// The fixed answer of core `core` to every request: the same length on
/// every core (the core as four hex digits), so a client counts answers by
/// their length.
fn http_response(core: usize) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nX-Core: {:04x}\r\n\r\nHello, world!",
        core & 0xffff
    )
    .into_bytes()
}

/// What a client sends: a request as a small HTTP client would.
const HTTP_REQUEST: &[u8] =
    b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: per_core_scaling\r\nAccept: */*\r\n\r\n";

/// Why a request cannot be served.
#[derive(Debug)]
struct BadRequest(&'static str);

/// Where the head of the request at the front of `buf` ends (just past its
/// empty line), if it is complete.
fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = buf[from..].iter().position(|&b| b == b'\n') {
        let nl = from + p;
        if nl >= 3 && &buf[nl - 3..=nl] == b"\r\n\r\n" {
            return Some(nl + 1);
        }
        from = nl + 1;
    }
    None
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Parses the request at the front of `buf`: `Ok(None)` while it is
/// incomplete, else its length (head and body) and whether the client asked
/// for the connection to close after it.
fn parse_request(buf: &[u8]) -> Result<Option<(usize, bool)>, BadRequest> {
    let Some(end) = head_end(buf) else {
        return if buf.len() > 64 * 1024 { Err(BadRequest("a request head over 64 KiB")) } else { Ok(None) };
    };
    let mut lines = buf[..end - 4].split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().ok_or(BadRequest("no request line"))?;
    let mut parts = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BadRequest("a request line is a method, a target and a version"));
    };
    if method.is_empty() || !method.iter().all(u8::is_ascii_uppercase) {
        return Err(BadRequest("a bad method"));
    }
    if !(target.starts_with(b"/") || target == b"*") {
        return Err(BadRequest("a bad request target"));
    }
    let mut close = match version {
        b"HTTP/1.1" => false,
        b"HTTP/1.0" => true,
        _ => return Err(BadRequest("a version other than HTTP/1.0 or HTTP/1.1")),
    };
    let mut body = 0usize;
    for line in lines {
        let colon = line.iter().position(|&b| b == b':').ok_or(BadRequest("a header line without ':'"))?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            body = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or(BadRequest("a bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case(b"connection") {
            if value.eq_ignore_ascii_case(b"close") {
                close = true;
            } else if value.eq_ignore_ascii_case(b"keep-alive") {
                close = false;
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(BadRequest("chunked bodies are not served here"));
        }
    }
    let total = end.checked_add(body).ok_or(BadRequest("a bad Content-Length"))?;
    Ok((buf.len() >= total).then_some((total, close)))
}

/// Parses every complete request at the front of `buf`, appending one
/// `response` per request to `out`: how many bytes were consumed, and
/// whether the connection closes after them.
fn answer(buf: &[u8], response: &[u8], out: &mut Vec<u8>) -> Result<(usize, bool), BadRequest> {
    let mut at = 0;
    while let Some((len, close)) = parse_request(&buf[at..])? {
        at += len;
        out.extend_from_slice(response);
        if close {
            return Ok((at, true));
        }
    }
    Ok((at, false))
}

async fn serve_http(s: ring_core::net::TcpStream, response: Arc<[u8]>, served: Arc<AtomicU64>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::with_capacity(64 * response.len());
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        let (n, b) = s.read(buf).await;
        buf = b;
        if !matches!(n, Ok(n) if n > 0) {
            return;
        }
        out.clear();
        // Requests are parsed where they landed; only an unfinished one is
        // copied aside until the rest arrives.
        let parsed = if pending.is_empty() {
            answer(&buf, &response, &mut out).map(|(used, close)| {
                pending.extend_from_slice(&buf[used..]);
                close
            })
        } else {
            pending.extend_from_slice(&buf);
            answer(&pending, &response, &mut out).map(|(used, close)| {
                pending.drain(..used);
                close
            })
        };
        let close = match parsed {
            Ok(close) => close,
            Err(BadRequest(why)) => {
                // The answers to the requests before the bad one, then a
                // 400 saying why, and the connection closes.
                let bad = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{why}",
                    why.len()
                );
                out.extend_from_slice(bad.as_bytes());
                let _ = s.write_all(out).await;
                return;
            }
        };
        if out.is_empty() {
            continue;
        }
        // Counted when handed to the kernel: a client may count an answer
        // before a long write has returned here.
        served.fetch_add((out.len() / response.len()) as u64, Ordering::Relaxed);
        let (r, o) = s.write_all(out).await;
        out = o;
        if r.is_err() || close {
            return;
        }
    }
}

async fn serve_echo(s: ring_core::net::TcpStream, core: usize) {
    let (r, _) = s.write_all((core as u16).to_le_bytes().to_vec()).await;
    if r.is_err() {
        return;
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let (n, b) = s.read(buf).await;
        if !matches!(n, Ok(n) if n > 0) {
            return;
        }
        let (r, mut b) = s.write_all(b).await;
        if r.is_err() {
            return;
        }
        b.clear();
        buf = b;
    }
}

/// How a workload's clients load the servers.
#[derive(Clone, Copy)]
struct Load {
    http: bool,
    /// Requests (or 64-byte messages) per batch, sent with one `write`.
    batch: usize,
    /// Batches in flight per connection.
    depth: usize,
    /// Connections per core.
    conns_per_core: usize,
    /// Client threads per core.
    threads_per_core: usize,
}

const ECHO_MESSAGE: usize = 64;

/// One client connection: its socket and the answer to one batch.
struct Conn {
    s: TcpStream,
    expect: Arc<[u8]>,
}

/// Opens connections to `addr` until each of the `cores` has `per_core` of
/// them, learning each one's core from its first answer (which is checked
/// byte for byte).
fn connect_balanced(
    addr: SocketAddr,
    cores: usize,
    per_core: usize,
    load: Load,
) -> std::io::Result<Vec<(usize, Conn)>> {
    let mut got: Vec<(usize, Conn)> = Vec::new();
    let mut per = vec![0usize; cores];
    let mut tries = 0;
    while got.len() < cores * per_core {
        tries += 1;
        if tries > 256 * cores * per_core {
            return Err(std::io::Error::other(format!("the kernel spread connections over the cores as {per:?}")));
        }
        let mut s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let (core, one) = if load.http {
            s.write_all(HTTP_REQUEST)?;
            let mut resp = vec![0u8; http_response(0).len()];
            s.read_exact(&mut resp)?;
            let text = String::from_utf8_lossy(&resp);
            let core = text
                .split("\r\n")
                .find_map(|l| l.strip_prefix("X-Core: "))
                .and_then(|h| usize::from_str_radix(h, 16).ok())
                .ok_or_else(|| std::io::Error::other(format!("an answer without its core: {text:?}")))?;
            if resp != http_response(core) {
                return Err(std::io::Error::other(format!("a wrong answer: {text:?}")));
            }
            (core, resp)
        } else {
            let mut hello = [0u8; 2];
            s.read_exact(&mut hello)?;
            (u16::from_le_bytes(hello) as usize, vec![0x5a; ECHO_MESSAGE])
        };
        if core >= cores {
            return Err(std::io::Error::other(format!("an answer from core {core} of {cores}")));
        }
        if per[core] == per_core {
            continue;
        }
        per[core] += 1;
        let expect: Arc<[u8]> = one.repeat(load.batch).into();
        got.push((core, Conn { s, expect }));
    }
    got.sort_by_key(|(core, _)| *core);
    Ok(got)
}

/// Reads exactly `len` bytes; with `discard`, the kernel drops them
/// without copying them out (`MSG_TRUNC` on TCP).
fn read_batch(s: &mut TcpStream, buf: &mut [u8], len: usize, discard: bool) -> std::io::Result<()> {
    let mut got = 0;
    while got < len {
        let n = if discard {
            // SAFETY: `buf` is writable for `len - got` bytes (`len` is at
            // most its length); with MSG_TRUNC the kernel writes nothing.
            let n = unsafe {
                libc::recv(s.as_raw_fd(), buf.as_mut_ptr().cast(), len - got, libc::MSG_TRUNC | libc::MSG_NOSIGNAL)
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            n as usize
        } else {
            s.read(&mut buf[got..len])?
        };
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got += n;
    }
    Ok(())
}

fn client(
    mut conns: Vec<Conn>,
    request: Arc<[u8]>,
    per_batch: u64,
    depth: usize,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; conns.iter().map(|c| c.expect.len()).max().unwrap_or(0)];
    for c in &mut conns {
        for _ in 0..depth {
            c.s.write_all(&request)?;
        }
    }
    let mut batches = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for c in &mut conns {
            let len = c.expect.len();
            // One batch in 64 is copied out and checked.
            let check = batches % 64 == 0;
            read_batch(&mut c.s, &mut buf, len, !check)?;
            if check && buf[..len] != c.expect[..] {
                return Err(std::io::Error::other("a wrong answer"));
            }
            batches += 1;
            done.fetch_add(per_batch, Ordering::Relaxed);
            c.s.write_all(&request)?;
        }
    }
    Ok(())
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
        "http" => Some(Load { http: true, batch: 256, depth: 2, conns_per_core: 2, threads_per_core: 1 }),
        "echo" => Some(Load { http: false, batch: 256, depth: 2, conns_per_core: 2, threads_per_core: 1 }),
        "echo-rr" => Some(Load { http: false, batch: 1, depth: 1, conns_per_core: 8, threads_per_core: 2 }),
        other => return Err(std::io::Error::other(format!("unknown workload {other}: nop, http, echo or echo-rr"))),
    };
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
