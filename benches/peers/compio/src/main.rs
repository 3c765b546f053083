//! The benchmark workloads on compio, written as its documentation shows:
//! one task per connection or per read slot, buffers moved into each
//! operation and back (`AsyncReadAt`, `AsyncRead`, `AsyncWriteExt`).
//!
//! Usage (the comparison script passes these; see docs/benchmarks.md):
//! - `peer-compio read --qd N [--direct] [--variant plain|best] [--seconds S]
//!   [--warmup S] [--file PATH]`: 4 KiB random reads, `N` tasks each
//!   keeping one read in flight. `best`: the ring is set up with
//!   SINGLE_ISSUER, DEFER_TASKRUN, COOP_TASKRUN and TASKRUN_FLAG through
//!   `ProactorBuilder` (compio's file API has no registered buffers, and
//!   its reads do not use registered files).
//! - `peer-compio echo|http [--port P]`: the servers, controlled through
//!   standard input (`bench_harness::control`).

use bench_harness::{
    control, AlignedBlock, Args, CountingAlloc, HttpConn, Offsets, Record, Snapshot, BLOCK, FILE_SIZE,
};
use compio::buf::{IoBuf, IoBufMut, SetLen};
use compio::driver::ProactorBuilder;
use compio::io::{AsyncRead, AsyncReadAt, AsyncWriteExt};
use compio::net::{TcpListener, TcpStream};
use std::cell::Cell;
use std::mem::MaybeUninit;
use std::rc::Rc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const STACK: &str = "compio";

/// A 4 KiB-aligned block, for O_DIRECT.
struct Block(AlignedBlock);

impl IoBuf for Block {
    fn as_init(&self) -> &[u8] {
        // SAFETY: the first `init` bytes were zeroed at allocation or
        // written by a read; the block lives as long as the borrow.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr(), self.0.init) }
    }
}

impl SetLen for Block {
    unsafe fn set_len(&mut self, len: usize) {
        self.0.init = len.min(self.0.capacity());
    }
}

impl IoBufMut for Block {
    fn as_uninit(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: the whole block is owned by `self` (and zeroed at
        // allocation); viewing it as maybe-uninitialised bytes is weaker.
        unsafe { std::slice::from_raw_parts_mut(self.0.as_mut_ptr().cast(), self.0.capacity()) }
    }
}

fn runtime(entries: u32, best: bool) -> compio::runtime::Runtime {
    let mut pb = ProactorBuilder::new();
    pb.capacity(entries);
    if best {
        pb.single_issuer(true).defer_taskrun(true).coop_taskrun(true).taskrun_flag(true);
    }
    compio::runtime::RuntimeBuilder::new().with_proactor(pb).build().expect("compio runtime")
}

fn main() {
    let args = Args::from_env();
    match args.command() {
        Some("read") => read(&args),
        Some("echo") => serve(&args, false),
        Some("http") => serve(&args, true),
        _ => {
            eprintln!("usage: peer-compio read|echo|http [options]");
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

    let rt = runtime((qd as u32).next_power_of_two().max(256), best);
    rt.block_on(async move {
        let mut oo = compio::fs::OpenOptions::new();
        oo.read(true);
        if direct {
            oo.custom_flags(libc::O_DIRECT);
        }
        let file = Rc::new(oo.open(&path).await.expect("open the read file"));
        let stop = Rc::new(Cell::new(false));
        let mut tasks = Vec::new();
        for i in 0..qd {
            let (file, stop) = (file.clone(), stop.clone());
            let mut offsets = Offsets::for_task(FILE_SIZE, i);
            if direct {
                let mut buf = Block(AlignedBlock::new());
                tasks.push(compio::runtime::spawn(async move {
                    while !stop.get() {
                        let compio::BufResult(r, b) = file.read_at(buf, offsets.next_offset()).await;
                        assert_eq!(r.expect("read"), BLOCK as usize);
                        buf = b;
                        bench_harness::add_ops(1);
                    }
                }));
            } else {
                let mut buf = Vec::with_capacity(BLOCK as usize);
                tasks.push(compio::runtime::spawn(async move {
                    while !stop.get() {
                        let compio::BufResult(r, mut b) = file.read_at(buf, offsets.next_offset()).await;
                        assert_eq!(r.expect("read"), BLOCK as usize);
                        b.clear();
                        buf = b;
                        bench_harness::add_ops(1);
                    }
                }));
            }
        }
        compio::time::sleep(warmup).await;
        let s0 = Snapshot::now();
        compio::time::sleep(seconds).await;
        let m = s0.to(&Snapshot::now());
        stop.set(true);
        for t in tasks {
            t.await.expect("read task");
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
        let compio::BufResult(n, b) = s.read(buf).await;
        let n = n?;
        if n == 0 {
            return Ok(());
        }
        let compio::BufResult(r, mut b) = s.write_all(b).await;
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
        let compio::BufResult(n, mut b) = s.read(buf).await;
        if n? == 0 {
            return Ok(());
        }
        conn.feed_into(&b, &mut out);
        b.clear();
        buf = b;
        if !out.is_empty() {
            let compio::BufResult(r, o) = s.write_all(out).await;
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
    let rt = runtime(1024, best);
    rt.block_on(async move {
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
            compio::runtime::spawn(async move {
                let _ = if is_http { http(s).await } else { echo(s).await };
            })
            .detach();
        }
    });
}
