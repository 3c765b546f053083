//! The side-by-side workloads on ring-core's safe layer and its runtime,
//! written the way the peers' binaries (`benches/peers/`) are: one task
//! per connection or per read slot, buffers moved into each operation and
//! back, the crate's own I/O objects (`ring_core::fs::File`,
//! `ring_core::net::TcpListener`/`TcpStream`) which keep their descriptor
//! alive for every operation naming it.
//!
//! Usage (the comparison script passes these; see docs/benchmarks.md):
//! - `safe_stack read --qd N [--direct] [--variant plain|nodefer|defer|best]
//!   [--seconds S] [--warmup S] [--file PATH]`: 4 KiB random reads, `N`
//!   tasks each keeping one read in flight through `File::read_at`.
//!   `plain`: `Runtime::new` (which sets the ring up with SINGLE_ISSUER,
//!   DEFER_TASKRUN and TASKRUN_FLAG where the kernel has them); `nodefer`:
//!   a ring with no setup flag; `defer`: SINGLE_ISSUER, DEFER_TASKRUN,
//!   COOP_TASKRUN and TASKRUN_FLAG. `best`: the `defer` ring, and each task
//!   reads into its lease of a registered `FixedBuffers` table with
//!   `Driver::read_fixed`.
//! - `safe_stack echo|http [--port P] [--variant plain|nodefer|defer]`: the
//!   servers (multishot accept through `TcpListener::incoming`), controlled
//!   through standard input (`bench_harness::control`).

use bench_harness::{control, Args, CountingAlloc, HttpConn, Offsets, Record, Snapshot, BLOCK, FILE_SIZE};
use ring_core::buf::AlignedBuf;
use ring_core::driver::Batch;
use ring_core::fixed::FixedBuffers;
use ring_core::net::{TcpListener, TcpStream};
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{Builder, Runtime};
use std::cell::Cell;
use std::rc::Rc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STACK: &str = "ring-core";

fn runtime(entries: u32, variant: &str) -> Runtime {
    let b = match variant {
        // What a user gets: `Runtime::new` (DEFER_TASKRUN, SINGLE_ISSUER
        // and TASKRUN_FLAG where the kernel has them).
        "plain" => return Runtime::new(entries).expect("runtime"),
        // The ring as it was set up before that default: no setup flag.
        "nodefer" => Builder::new(entries),
        // `defer_taskrun` implies TASKRUN_FLAG, which makes the kernel say
        // (IORING_SQ_TASKRUN) when deferred work waits; the ring checks it
        // before each submit-only enter. Without it a timer's completion
        // waits until the runtime next blocks, which never happens while
        // reads complete inline.
        _ => Builder::new(entries).defer_taskrun().coop_taskrun(),
    };
    Runtime::with_ring(b.build().expect("io_uring setup"), Batch::default()).expect("runtime")
}

/// With `BENCH_TRACE_ALLOCS=N` in the environment, prints a backtrace for
/// each of the first `N` allocations of the measured window (how an
/// allocation on a hot path is found).
fn trace_window() {
    if let Some(n) = std::env::var("BENCH_TRACE_ALLOCS").ok().and_then(|v| v.parse().ok()) {
        bench_harness::trace_allocations(true, n);
    }
}

fn main() {
    let args = Args::from_env();
    match args.command() {
        Some("read") => read(&args),
        Some("echo") => serve(&args, false),
        Some("http") => serve(&args, true),
        _ => {
            eprintln!("usage: safe_stack read|echo|http [options]");
            std::process::exit(2);
        }
    }
}

fn read(args: &Args) {
    let qd = args.num("--qd", 32).max(1);
    let direct = args.flag("--direct");
    let variant = args.string("--variant", "plain");
    let fixed = match variant.as_str() {
        "plain" | "nodefer" | "defer" => false,
        "best" => true,
        other => panic!("--variant expects plain, nodefer, defer or best, got {other}"),
    };
    let warmup = args.secs("--warmup", 1.0);
    let seconds = args.secs("--seconds", 5.0);
    let path = bench_harness::file_arg(args);
    let _keep = bench_harness::prepare_file(&path, direct).expect("the read file");

    let rt = runtime((qd as u32).next_power_of_two().max(256), &variant);
    let d = rt.driver().clone();
    let sp = rt.spawner();
    let record = rt
        .block_on(async move {
            let std_file = bench_harness::open_std(&path, direct).expect("open the read file");
            let file = Rc::new(ring_core::fs::File::from_std(&d, std_file));
            let stop = Rc::new(Cell::new(false));
            let table = if fixed {
                Some(FixedBuffers::new(&d, qd as u16, BLOCK as usize).expect("register the buffers"))
            } else {
                None
            };
            let mut tasks = Vec::new();
            for i in 0..qd {
                let (file, stop, d) = (file.clone(), stop.clone(), d.clone());
                let mut offsets = Offsets::for_task(FILE_SIZE, i);
                let task = if let Some(t) = &table {
                    let mut buf = t.lease(i as u16).expect("one buffer per task");
                    sp.spawn(async move {
                        while !stop.get() {
                            let (r, b) = d.read_fixed(&*file, buf, offsets.next_offset()).await;
                            assert_eq!(r.expect("read"), BLOCK as usize);
                            buf = b;
                            bench_harness::add_ops(1);
                        }
                    })
                } else if direct {
                    let mut buf = AlignedBuf::new(BLOCK as usize).expect("an aligned block");
                    sp.spawn(async move {
                        while !stop.get() {
                            let (r, b) = file.read_at(buf, offsets.next_offset()).await;
                            assert_eq!(r.expect("read"), BLOCK as usize);
                            buf = b;
                            bench_harness::add_ops(1);
                        }
                    })
                } else {
                    let mut buf = Vec::with_capacity(BLOCK as usize);
                    sp.spawn(async move {
                        while !stop.get() {
                            let (r, mut b) = file.read_at(buf, offsets.next_offset()).await;
                            assert_eq!(r.expect("read"), BLOCK as usize);
                            b.clear();
                            buf = b;
                            bench_harness::add_ops(1);
                        }
                    })
                };
                tasks.push(task);
            }
            d.sleep(warmup).await.expect("sleep");
            trace_window();
            let s0 = Snapshot::now();
            d.sleep(seconds).await.expect("sleep");
            let m = s0.to(&Snapshot::now());
            stop.set(true);
            for t in tasks {
                t.await.expect("read task");
            }
            Record::new(STACK, &variant, if direct { "read4k-direct" } else { "read4k" }).field("qd", qd).window(&m)
        })
        .expect("block_on");
    record.print();
}

async fn echo(s: TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    loop {
        let (n, b) = s.read(buf).await;
        let n = n?;
        if n == 0 {
            return Ok(());
        }
        let (r, mut b) = s.write_all(b).await;
        r?;
        bench_harness::add_bytes(n as u64);
        b.clear();
        buf = b;
    }
}

async fn http(s: TcpStream) -> std::io::Result<()> {
    let mut conn = HttpConn::new();
    let mut buf = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    loop {
        let (n, mut b) = s.read(buf).await;
        if n? == 0 {
            return Ok(());
        }
        conn.feed_into(&b, &mut out);
        b.clear();
        buf = b;
        if !out.is_empty() {
            let (r, o) = s.write_all(out).await;
            r?;
            out = o;
        }
    }
}

/// The echo and HTTP connection with a multishot receive into buffers of
/// a pool the connections share (`--variant multishot`): each received
/// chunk is copied out of its pool buffer (as a `read` into the caller's
/// buffer would), and the buffer goes back to the kernel at once.
async fn serve_multishot(
    d: ring_core::Driver,
    s: TcpStream,
    pool: Rc<BufferPool>,
    is_http: bool,
) -> std::io::Result<()> {
    let mut conn = HttpConn::new();
    let mut input = Vec::with_capacity(4096);
    let mut out = Vec::with_capacity(4096);
    loop {
        let mut stream = d.recv_pool_multishot(&s, &pool, 0);
        while let Some(item) = stream.next().await {
            let buf = match item {
                Ok(buf) => buf,
                // The pool ran dry: the data waits in the socket; re-arm.
                Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => break,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(());
            }
            input.extend_from_slice(&buf);
            drop(buf);
            if is_http {
                conn.feed_into(&input, &mut out);
            } else {
                bench_harness::add_bytes(input.len() as u64);
                out.extend_from_slice(&input);
            }
            input.clear();
            if !out.is_empty() {
                let (r, mut o) = s.write_all(out).await;
                r?;
                o.clear();
                out = o;
            }
        }
    }
}

fn serve(args: &Args, is_http: bool) {
    let addr = bench_harness::listen_addr(args, 7878);
    let variant = args.string("--variant", "plain");
    if !matches!(variant.as_str(), "plain" | "nodefer" | "defer" | "multishot") {
        panic!("--variant expects plain, nodefer, defer or multishot, got {variant}");
    }
    control::spawn(Record::new(STACK, &variant, if is_http { "http" } else { "echo" }), args);
    let rt = runtime(4096, &variant);
    let d = rt.driver().clone();
    let sp = rt.spawner();
    let pool = (variant == "multishot").then(|| {
        Rc::new(BufferPool::new(&d, BufRingConfig::new(1, 4096).buffers(4096, 4096)).expect("the receive pool"))
    });
    rt.block_on(async move {
        let listener = TcpListener::bind(&d, addr).await.expect("bind");
        trace_window();
        bench_harness::ready(listener.local_addr().expect("local_addr"));
        loop {
            let mut incoming = listener.incoming();
            while let Some(conn) = incoming.next().await {
                let s = match conn {
                    Ok(s) => s,
                    Err(e) => {
                        eprintln!("accept: {e}");
                        continue;
                    }
                };
                let _ = s.set_nodelay(true);
                if let Some(pool) = &pool {
                    let (d, pool) = (d.clone(), pool.clone());
                    drop(sp.spawn(async move {
                        let _ = serve_multishot(d, s, pool, is_http).await;
                    }));
                    continue;
                }
                drop(sp.spawn(async move {
                    let _ = if is_http { http(s).await } else { echo(s).await };
                }));
            }
            // The kernel ended the multishot accept: arm a new one.
        }
    })
    .expect("block_on");
}
