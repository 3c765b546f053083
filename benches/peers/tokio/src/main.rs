//! The benchmark workloads on tokio (epoll), written as its documentation
//! shows, on a current-thread runtime (every io_uring stack here runs one
//! thread per core as well): one task per connection, `AsyncReadExt` /
//! `AsyncWriteExt` over caller-owned slices. tokio has no asynchronous
//! file I/O of its own; the reads are `pread` through `spawn_blocking`
//! (which `tokio::fs::File` does too, with a seek in front of each read).
//!
//! Usage (the comparison script passes these; see docs/benchmarks.md):
//! - `peer-tokio read --qd N [--direct] [--seconds S] [--warmup S]
//!   [--file PATH]`: 4 KiB random reads, `N` tasks each keeping one
//!   `spawn_blocking` read in flight.
//! - `peer-tokio echo|http [--port P]`: the servers, controlled through
//!   standard input (`bench_harness::control`).

use bench_harness::{
    control, AlignedBlock, Args, CountingAlloc, HttpConn, Offsets, Record, Snapshot, BLOCK, FILE_SIZE,
};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STACK: &str = "tokio";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
}

fn main() {
    let args = Args::from_env();
    match args.command() {
        Some("read") => read(&args),
        Some("echo") => serve(&args, false),
        Some("http") => serve(&args, true),
        _ => {
            eprintln!("usage: peer-tokio read|echo|http [options]");
            std::process::exit(2);
        }
    }
}

fn read(args: &Args) {
    let qd = args.num("--qd", 32).max(1);
    let direct = args.flag("--direct");
    let warmup = args.secs("--warmup", 1.0);
    let seconds = args.secs("--seconds", 5.0);
    let path = bench_harness::file_arg(args);
    let _keep = bench_harness::prepare_file(&path, direct).expect("the read file");

    runtime().block_on(async move {
        let file = Arc::new(bench_harness::open_std(&path, direct).expect("open the read file"));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for i in 0..qd {
            let (file, stop) = (file.clone(), stop.clone());
            let mut offsets = Offsets::for_task(FILE_SIZE, i);
            let mut buf = AlignedBlock::new();
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let off = offsets.next_offset();
                    let f = file.clone();
                    let (r, b) = tokio::task::spawn_blocking(move || {
                        let r = f.read_at(buf.as_mut_slice(), off);
                        (r, buf)
                    })
                    .await
                    .expect("blocking read");
                    assert_eq!(r.expect("read"), BLOCK as usize);
                    buf = b;
                    bench_harness::add_ops(1);
                }
            }));
        }
        tokio::time::sleep(warmup).await;
        let s0 = Snapshot::now();
        tokio::time::sleep(seconds).await;
        let m = s0.to(&Snapshot::now());
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.expect("read task");
        }
        Record::new(STACK, "plain", if direct { "read4k-direct" } else { "read4k" }).field("qd", qd).window(&m).print();
    });
}

async fn echo(mut s: TcpStream) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        s.write_all(&buf[..n]).await?;
        bench_harness::add_bytes(n as u64);
    }
}

async fn http(mut s: TcpStream) -> std::io::Result<()> {
    let mut conn = HttpConn::new();
    let mut buf = vec![0u8; 4096];
    let mut out = Vec::with_capacity(4096);
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.feed_into(&buf[..n], &mut out);
        if !out.is_empty() {
            s.write_all(&out).await?;
        }
    }
}

fn serve(args: &Args, is_http: bool) {
    let addr = bench_harness::listen_addr(args, 7878);
    control::spawn(Record::new(STACK, "plain", if is_http { "http" } else { "echo" }), args);
    runtime().block_on(async move {
        let listener = TcpListener::bind(addr).await.expect("bind");
        bench_harness::ready(listener.local_addr().expect("local_addr"));
        loop {
            let (s, _) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("accept: {e}");
                    continue;
                }
            };
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let _ = if is_http { http(s).await } else { echo(s).await };
            });
        }
    });
}
