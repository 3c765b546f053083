//! The benchmark workloads on glommio, written as its documentation shows:
//! one task per connection or per read slot. glommio's file API allocates
//! the read buffer itself: `BufferedFile::read_at` for page-cache reads,
//! `DmaFile::read_at_aligned` (O_DIRECT, from its registered I/O memory)
//! for direct reads. The network streams are `futures-lite` readers and
//! writers over caller-owned slices.
//!
//! Usage (the comparison script passes these; see docs/benchmarks.md):
//! - `peer-glommio read --qd N [--direct] [--seconds S] [--warmup S]
//!   [--file PATH]`: 4 KiB random reads, `N` tasks each keeping one read
//!   in flight. There is only one variant (`plain`): glommio sets up its
//!   rings itself and registers its I/O memory for DMA reads by default.
//! - `peer-glommio echo|http [--port P]`: the servers, controlled through
//!   standard input (`bench_harness::control`).

use bench_harness::{control, Args, CountingAlloc, HttpConn, Offsets, Record, Snapshot, BLOCK, FILE_SIZE};
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use glommio::io::{BufferedFile, DmaFile};
use glommio::net::{TcpListener, TcpStream};
use glommio::{LocalExecutorBuilder, Placement};
use std::cell::Cell;
use std::rc::Rc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STACK: &str = "glommio";

fn main() {
    let args = Args::from_env();
    match args.command() {
        Some("read") => read(&args),
        Some("echo") => serve(&args, false),
        Some("http") => serve(&args, true),
        _ => {
            eprintln!("usage: peer-glommio read|echo|http [options]");
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
    let depth = (qd as usize).next_power_of_two().max(128);

    LocalExecutorBuilder::new(Placement::Unbound)
        .ring_depth(depth)
        .spawn(move || async move {
            let stop = Rc::new(Cell::new(false));
            let mut tasks = Vec::new();
            if direct {
                let file = Rc::new(DmaFile::open(&path).await.expect("open the read file"));
                for i in 0..qd {
                    let (file, stop) = (file.clone(), stop.clone());
                    let mut offsets = Offsets::for_task(FILE_SIZE, i);
                    tasks.push(glommio::spawn_local(async move {
                        while !stop.get() {
                            let r = file.read_at_aligned(offsets.next_offset(), BLOCK as usize).await.expect("read");
                            assert_eq!(r.len(), BLOCK as usize);
                            bench_harness::add_ops(1);
                        }
                    }));
                }
            } else {
                let file = Rc::new(BufferedFile::open(&path).await.expect("open the read file"));
                for i in 0..qd {
                    let (file, stop) = (file.clone(), stop.clone());
                    let mut offsets = Offsets::for_task(FILE_SIZE, i);
                    tasks.push(glommio::spawn_local(async move {
                        while !stop.get() {
                            let r = file.read_at(offsets.next_offset(), BLOCK as usize).await.expect("read");
                            assert_eq!(r.len(), BLOCK as usize);
                            bench_harness::add_ops(1);
                        }
                    }));
                }
            }
            glommio::timer::sleep(warmup).await;
            let s0 = Snapshot::now();
            glommio::timer::sleep(seconds).await;
            let m = s0.to(&Snapshot::now());
            stop.set(true);
            for t in tasks {
                t.await;
            }
            Record::new(STACK, "plain", if direct { "read4k-direct" } else { "read4k" })
                .field("qd", qd)
                .window(&m)
                .print();
        })
        .expect("glommio executor")
        .join()
        .expect("glommio executor ran");
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
    LocalExecutorBuilder::new(Placement::Unbound)
        .spawn(move || async move {
            let listener = TcpListener::bind(addr).expect("bind");
            bench_harness::ready(listener.local_addr().expect("local_addr"));
            loop {
                let s = match listener.accept().await {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        continue;
                    }
                };
                let _ = s.set_nodelay(true);
                glommio::spawn_local(async move {
                    let _ = if is_http { http(s).await } else { echo(s).await };
                })
                .detach();
            }
        })
        .expect("glommio executor")
        .join()
        .expect("glommio executor ran");
}
