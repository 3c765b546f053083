//! The benchmark workloads on monoio, written as its documentation shows:
//! one task per connection or per read slot, buffers moved into each
//! operation and back (`AsyncReadRent`/`AsyncWriteRentExt`).
//!
//! Usage (the comparison script passes these; see docs/benchmarks.md):
//! - `peer-monoio read --qd N [--direct] [--variant plain|best] [--seconds S]
//!   [--warmup S] [--file PATH]`: 4 KiB random reads, `N` tasks each
//!   keeping one read in flight. `best`: the ring is set up with
//!   SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN and TASKRUN_FLAG through
//!   `RuntimeBuilder::uring_builder` (monoio has no registered buffers or
//!   files in its API).
//! - `peer-monoio echo|http [--port P]`: the servers, controlled through
//!   standard input (`bench_harness::control`).

use bench_harness::{
    control, AlignedBlock, Args, CountingAlloc, HttpConn, Offsets, Record, Snapshot, BLOCK, FILE_SIZE,
};
use monoio::buf::{IoBuf, IoBufMut};
use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
use monoio::net::{TcpListener, TcpStream};
use std::cell::Cell;
use std::rc::Rc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STACK: &str = "monoio";

/// A 4 KiB-aligned block, for O_DIRECT.
struct Block(AlignedBlock);

// SAFETY: the block is heap memory owned by `self` that does not move
// while the value lives; its initialised length is `init`.
unsafe impl IoBuf for Block {
    fn read_ptr(&self) -> *const u8 {
        self.0.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.0.init
    }
}

// SAFETY: as for `IoBuf`; `set_init` records what the kernel wrote.
unsafe impl IoBufMut for Block {
    fn write_ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr()
    }
    fn bytes_total(&mut self) -> usize {
        self.0.capacity()
    }
    unsafe fn set_init(&mut self, pos: usize) {
        self.0.init = pos.min(self.0.capacity());
    }
}

fn runtime(entries: u32, best: bool) -> monoio::Runtime<monoio::time::TimeDriver<monoio::IoUringDriver>> {
    let mut urb = io_uring::IoUring::builder();
    if best {
        urb.setup_single_issuer().setup_defer_taskrun().setup_coop_taskrun().setup_taskrun_flag();
    }
    monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
        .with_entries(entries)
        .uring_builder(urb)
        .enable_timer()
        .build()
        .expect("monoio runtime")
}

fn main() {
    let args = Args::from_env();
    match args.command() {
        Some("read") => read(&args),
        Some("echo") => serve(&args, false),
        Some("http") => serve(&args, true),
        _ => {
            eprintln!("usage: peer-monoio read|echo|http [options]");
            std::process::exit(2);
        }
    }
}

fn read(args: &Args) {
    let qd = args.num("--qd", 32).max(1);
    let direct = args.flag("--direct");
    let best = args.string("--variant", "plain") == "best";
    let warmup = args.secs("--warmup", 1.0);
    let seconds = args.secs("--seconds", 5.0);
    let path = bench_harness::file_arg(args);
    let _keep = bench_harness::prepare_file(&path, direct).expect("the read file");

    let mut rt = runtime((qd as u32).next_power_of_two().max(256), best);
    rt.block_on(async move {
        let std_file = bench_harness::open_std(&path, direct).expect("open the read file");
        let file = Rc::new(monoio::fs::File::from_std(std_file).expect("monoio file"));
        let stop = Rc::new(Cell::new(false));
        let mut tasks = Vec::new();
        for i in 0..qd {
            let (file, stop) = (file.clone(), stop.clone());
            let mut offsets = Offsets::for_task(FILE_SIZE, i);
            if direct {
                let mut buf = Block(AlignedBlock::new());
                tasks.push(monoio::spawn(async move {
                    while !stop.get() {
                        let (r, b) = file.read_at(buf, offsets.next_offset()).await;
                        assert_eq!(r.expect("read"), BLOCK as usize);
                        buf = b;
                        bench_harness::add_ops(1);
                    }
                }));
            } else {
                let mut buf = Vec::with_capacity(BLOCK as usize);
                tasks.push(monoio::spawn(async move {
                    while !stop.get() {
                        let (r, mut b) = file.read_at(buf, offsets.next_offset()).await;
                        assert_eq!(r.expect("read"), BLOCK as usize);
                        b.clear();
                        buf = b;
                        bench_harness::add_ops(1);
                    }
                }));
            }
        }
        monoio::time::sleep(warmup).await;
        let s0 = Snapshot::now();
        monoio::time::sleep(seconds).await;
        let m = s0.to(&Snapshot::now());
        stop.set(true);
        for t in tasks {
            t.await;
        }
        Record::new(STACK, if best { "best" } else { "plain" }, if direct { "read4k-direct" } else { "read4k" })
            .field("qd", qd)
            .window(&m)
            .print();
    });
}

async fn echo(mut s: TcpStream) -> std::io::Result<()> {
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

async fn http(mut s: TcpStream) -> std::io::Result<()> {
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

fn serve(args: &Args, is_http: bool) {
    let addr = bench_harness::listen_addr(args, 7878);
    let best = args.string("--variant", "plain") == "best";
    control::spawn(
        Record::new(STACK, if best { "best" } else { "plain" }, if is_http { "http" } else { "echo" }),
        args,
    );
    let mut rt = runtime(1024, best);
    rt.block_on(async move {
        let listener = TcpListener::bind(addr).expect("bind");
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
            monoio::spawn(async move {
                let _ = if is_http { http(s).await } else { echo(s).await };
            });
        }
    });
}
