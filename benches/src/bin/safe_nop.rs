//! ring-core's safe layer: `Runtime` + `Driver` operations, with a counting
//! global allocator that reports heap allocations per operation over the
//! timed (steady-state) window, after a warm-up.
//!
//! Usage: `safe_nop [--workload nop|read|write] [--batch 32] [--ops N]
//! [--warmup N] [--entries 256] [--defer] [--file PATH] [--trace-allocs N]`
//!
//! - `nop`, batch > 1: rounds of `batch` `driver.nop()` futures polled
//!   together by a hand-written join (no spawning, no boxing), so each round
//!   is one submission of `batch` SQEs and one wait, as in `raw_nop`.
//! - `nop`, batch 1: `driver.nop().await` in a loop.
//! - `read`: 4 KiB random `driver.read_at` from the 1 GiB page-cache file
//!   with `batch` reads in flight, each slot reusing its own `Vec<u8>`; the
//!   same offsets as `raw_read`.
//! - `write`: 4 KiB random `driver.write_at` into a 64 MiB file, the same
//!   way.
//!
//! `--trace-allocs N` prints a backtrace for each of the first `N`
//! allocations in the timed window (build with debug info, as the release
//! profile here does, to get file and line).

use benches::{
    allocations, page_cache_file, trace_allocations, Args, CountingAlloc, Offsets, Report, BLOCK, FILE_SIZE,
};
use ring_core::driver::Batch;
use ring_core::ops::{Nop, Read, Write};
use ring_core::{Builder, Driver, Op, Runtime, SharedFd};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Runs `rounds` rounds of `batch` NOPs joined by hand; `slots` is the
/// join's storage, allocated once by the caller.
async fn nop_rounds(d: &Driver, slots: &mut [Option<Op<Nop>>], rounds: u64) {
    if slots.len() == 1 {
        for _ in 0..rounds {
            d.nop().await.expect("nop");
        }
        return;
    }
    for _ in 0..rounds {
        for s in slots.iter_mut() {
            *s = Some(d.nop());
        }
        poll_fn(|cx| {
            let mut pending = false;
            for s in slots.iter_mut() {
                if let Some(op) = s {
                    match Pin::new(op).poll(cx) {
                        Poll::Ready(r) => {
                            r.expect("nop");
                            *s = None;
                        }
                        Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
    }
}

/// The operations the I/O workloads keep in flight.
enum Io {
    Read(Op<Read<Vec<u8>>>),
    Write(Op<Write<Vec<u8>>>),
}

/// Keeps `slots.len()` reads (or writes) in flight until `ops` have
/// completed, refilling each slot as soon as its operation completes, with
/// that slot's buffer.
async fn io_pipeline(
    d: &Driver,
    file: &SharedFd,
    write: bool,
    slots: &mut [Option<Io>],
    bufs: &mut [Option<Vec<u8>>],
    offsets: &mut Offsets,
    ops: u64,
) {
    let mut submitted = 0u64;
    let mut done = 0u64;
    poll_fn(|cx| loop {
        let mut progressed = false;
        for (slot, buf) in slots.iter_mut().zip(bufs.iter_mut()) {
            if slot.is_none() && submitted < ops {
                let b = buf.take().expect("an idle slot holds its buffer");
                let off = offsets.next_offset();
                *slot =
                    Some(if write { Io::Write(d.write_at(file, b, off)) } else { Io::Read(d.read_at(file, b, off)) });
                submitted += 1;
            }
            let ready = match slot {
                Some(Io::Read(op)) => match Pin::new(op).poll(cx) {
                    Poll::Ready((r, mut b)) => {
                        assert_eq!(r.expect("read"), BLOCK as usize, "a full block is read");
                        b.clear();
                        Some(b)
                    }
                    Poll::Pending => None,
                },
                Some(Io::Write(op)) => match Pin::new(op).poll(cx) {
                    Poll::Ready((r, b)) => {
                        assert_eq!(r.expect("write"), BLOCK as usize, "a full block is written");
                        Some(b)
                    }
                    Poll::Pending => None,
                },
                None => None,
            };
            if let Some(b) = ready {
                *buf = Some(b);
                *slot = None;
                done += 1;
                progressed = true;
            }
        }
        if done == ops {
            return Poll::Ready(());
        }
        if !progressed {
            return Poll::Pending;
        }
    })
    .await;
}

fn main() {
    let args = Args::from_env();
    let workload = args.string("--workload", "nop");
    let batch = args.num("--batch", 32).max(1);
    let default_ops = if workload == "nop" { 10_000_000 } else { 1_000_000 };
    let ops = args.num("--ops", default_ops);
    let warmup = args.num("--warmup", 100_000);
    let entries = args.num("--entries", 256) as u32;
    let defer = args.flag("--defer");
    let trace = args.num("--trace-allocs", 0) as usize;

    let mut builder = Builder::new(entries);
    if defer {
        builder = builder.single_issuer().defer_taskrun().coop_taskrun();
    }
    let rt = Runtime::with_ring(builder.build().expect("io_uring setup"), Batch::default()).expect("runtime");
    let d = rt.driver().clone();

    let (elapsed, timed_ops, allocs, cpu): (Duration, u64, u64, Duration) = match workload.as_str() {
        "nop" => {
            let mut slots: Vec<Option<Op<Nop>>> = (0..batch).map(|_| None).collect();
            rt.block_on(async {
                nop_rounds(&d, &mut slots, benches::rounds(warmup, batch)).await;
                let n = benches::rounds(ops, batch);
                trace_allocations(trace > 0, trace);
                let a0 = allocations();
                let c0 = benches::cpu_time();
                let start = Instant::now();
                nop_rounds(&d, &mut slots, n).await;
                let elapsed = start.elapsed();
                let cpu = benches::cpu_time() - c0;
                let a1 = allocations();
                trace_allocations(false, 0);
                (elapsed, n * batch, a1 - a0, cpu)
            })
            .expect("block_on")
        }
        "read" | "write" => {
            let write = workload == "write";
            // Each operation holds a clone of the handle (a count increment)
            // until it has ended, so the file cannot be closed under it.
            let file = SharedFd::new(if write {
                let path = std::env::temp_dir().join("ring-bench-write-64m.bin");
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(path)
                    .expect("the write file");
                f.set_len(64 << 20).expect("set_len");
                f
            } else {
                let path = args.value("--file").map(Into::into).unwrap_or_else(benches::default_file);
                page_cache_file(&path, FILE_SIZE).expect("the test file")
            });
            let mut offsets = Offsets::new(if write { 64 << 20 } else { FILE_SIZE });
            let mut slots: Vec<Option<Io>> = (0..batch).map(|_| None).collect();
            let mut bufs: Vec<Option<Vec<u8>>> = (0..batch)
                .map(|i| {
                    let mut v = Vec::with_capacity(BLOCK as usize);
                    if write {
                        v.resize(BLOCK as usize, b'a' + (i % 26) as u8);
                    }
                    Some(v)
                })
                .collect();
            rt.block_on(async {
                io_pipeline(&d, &file, write, &mut slots, &mut bufs, &mut offsets, warmup).await;
                trace_allocations(trace > 0, trace);
                let a0 = allocations();
                let c0 = benches::cpu_time();
                let start = Instant::now();
                io_pipeline(&d, &file, write, &mut slots, &mut bufs, &mut offsets, ops).await;
                let elapsed = start.elapsed();
                let cpu = benches::cpu_time() - c0;
                let a1 = allocations();
                trace_allocations(false, 0);
                (elapsed, ops, a1 - a0, cpu)
            })
            .expect("block_on")
        }
        other => panic!("--workload expects nop, read or write, got {other}"),
    };

    Report {
        stack: "ring-core-safe",
        syscall: benches::ring_core_syscall_path(),
        variant: if defer { "defer-regfd" } else { "regfd" },
        workload: if workload == "read" {
            "read4k"
        } else if workload == "write" {
            "write4k"
        } else {
            "nop"
        },
        batch,
        ops: timed_ops,
        elapsed,
        allocs: Some(allocs),
        cpu: Some(cpu),
    }
    .print();
    // The whole process's count shows the allocator is counting: setup
    // (the runtime, its tables, buffers, the file) allocates.
    eprintln!("driver stats: {:?}; allocations over the whole process: {}", d.stats(), allocations());
}
