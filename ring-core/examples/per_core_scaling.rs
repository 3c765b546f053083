//! Thread-per-core scaling from 1 to N cores: the same workload on a
//! `per_core` runtime of 1 core, then of 2 (or the counts given), and the
//! throughput of each.
//!
//! - `nop`: every core keeps `DEPTH` NOPs in flight on its own ring (the
//!   cost of the ring and executor, no device, no peer).
//! - `echo`: one `SO_REUSEPORT` listener per core on 127.0.0.1, and
//!   client threads (two per core) doing 64-byte ping-pongs with blocking
//!   std sockets. The clients run on the same machine, so they compete
//!   with the cores for the same CPUs: on a 2-CPU machine this bounds the
//!   echo scaling well below 2x whatever the runtime does.
//!
//! ```text
//! cargo run --release -p ring-core --example per_core_scaling -- nop 2 1,2
//! cargo run --release -p ring-core --example per_core_scaling -- echo 2 1,2
//! ```
//! (workload, seconds per run, core counts). With `pin` as a fourth
//! argument, core `i` is pinned to the `i`-th CPU the process may use.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::per_core::Builder;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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

/// What one run measured: operations per second of wall time, and the CPU
/// seconds the process got per wall second (how many CPUs it actually had,
/// on a machine other work also uses).
struct Rate {
    per_sec: f64,
    cpus: f64,
}

fn window(done: &AtomicU64, secs: u64) -> Rate {
    std::thread::sleep(Duration::from_millis(200));
    let start_count = done.load(Ordering::Relaxed);
    let start_cpu = cpu_time();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let count = done.load(Ordering::Relaxed) - start_count;
    let cpu = (cpu_time() - start_cpu).as_secs_f64();
    let elapsed = start.elapsed().as_secs_f64();
    Rate { per_sec: count as f64 / elapsed, cpus: cpu / elapsed }
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

fn echo_run(cores: usize, secs: u64, pin: bool) -> std::io::Result<Rate> {
    let addr = Arc::new(Mutex::new(None::<SocketAddr>));
    let addr2 = addr.clone();
    let mut b = Builder::new(cores).entries(256).listen_reuseport("127.0.0.1:0".parse().unwrap(), 1024);
    if pin {
        b = b.pin_to_cpus();
    }
    let set = b.start(move |core| {
        let addr = addr2.clone();
        async move {
            let Some(l) = core.take_listener() else { return };
            if let Ok(a) = l.local_addr() {
                *addr.lock().unwrap() = Some(a);
            }
            while let Ok((s, _)) = l.accept().await {
                ring_core::task::spawn_local(async move {
                    let mut buf = Vec::with_capacity(64);
                    loop {
                        let (n, b) = s.read(buf).await;
                        match n {
                            Ok(0) | Err(_) => return,
                            Ok(_) => {}
                        }
                        let (r, mut b) = s.write_all(b).await;
                        if r.is_err() {
                            return;
                        }
                        b.clear();
                        buf = b;
                    }
                });
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
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    // Enough connections that the kernel's hash gives every core some.
    let clients: Vec<_> = (0..2 * cores)
        .map(|_| {
            let (stop, done) = (stop.clone(), done.clone());
            std::thread::spawn(move || -> std::io::Result<()> {
                let mut conns: Vec<TcpStream> = (0..4).map(|_| TcpStream::connect(addr)).collect::<Result<_, _>>()?;
                for c in &conns {
                    c.set_nodelay(true)?;
                }
                let msg = [7u8; 64];
                let mut back = [0u8; 64];
                while !stop.load(Ordering::Relaxed) {
                    for c in &mut conns {
                        c.write_all(&msg)?;
                        c.read_exact(&mut back)?;
                    }
                    done.fetch_add(conns.len() as u64, Ordering::Relaxed);
                }
                Ok(())
            })
        })
        .collect();
    let rate = window(&done, secs);
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().map_err(|_| std::io::Error::other("a client panicked"))??;
    }
    set.shutdown().map_err(std::io::Error::other)?;
    Ok(rate)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let workload = args.get(1).map_or("nop", String::as_str).to_string();
    let secs: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2);
    let counts: Vec<usize> =
        args.get(3).map_or("1,2", String::as_str).split(',').filter_map(|s| s.parse().ok()).collect();
    let pin = args.get(4).is_some_and(|s| s == "pin");
    let mut first = None;
    for &n in &counts {
        let rate = match workload.as_str() {
            "echo" => echo_run(n, secs, pin)?,
            _ => nop_run(n, secs, pin)?,
        };
        let per_cpu = rate.per_sec / rate.cpus;
        let (base, base_per_cpu) = *first.get_or_insert((rate.per_sec, per_cpu));
        println!(
            "{workload} cores={n} pin={pin}: {:.0} ops/s ({:.2}x of {} core), {:.2} CPUs used, {:.0} ops per CPU-second ({:.2}x)",
            rate.per_sec,
            rate.per_sec / base,
            counts[0],
            rate.cpus,
            per_cpu,
            per_cpu / base_per_cpu
        );
    }
    Ok(())
}
