//! NOPs through ring-core's raw layer: push `io_uring_sqe`s, submit and
//! wait for the whole batch in one `io_uring_enter`, reap.
//!
//! Usage: `raw_nop [--batch 32] [--ops 10000000] [--warmup 100000]
//! [--entries 256] [--no-registered-fd] [--defer] [--reap drain|pop]
//! [--sq fill|push]`
//!
//! `--sq fill` (the default) writes each round's NOPs in place through one
//! `SubmissionQueue::reserve` batch; `--sq push` copies each from a
//! template with `SubmissionQueue::push`.
//!
//! `--defer` sets up the ring with SINGLE_ISSUER, DEFER_TASKRUN and
//! COOP_TASKRUN. The system-call path (inline assembly or `libc::syscall`)
//! is chosen at build time with the `ring-core/libc-syscall` feature.

use benches::{rounds, Args, Report};
use ring_core::sys::{io_uring_sqe, IORING_OP_NOP};
use ring_core::{Builder, Ring};
use std::hint::black_box;
use std::time::Instant;

#[global_allocator]
static ALLOC: benches::CountingAlloc = benches::CountingAlloc;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sq {
    Fill,
    Push,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Reap {
    Drain,
    Pop,
}

/// Runs `rounds` rounds of `batch` NOPs and returns the sum of the
/// completions' `user_data` (each completion is consumed by adding its
/// `user_data` and result, as a real consumer would read them).
#[inline(never)]
fn run(ring: &mut Ring, batch: u32, rounds: u64, sq: Sq, reap: Reap) -> u64 {
    let mut sum = 0u64;
    let mut sqe = io_uring_sqe { opcode: IORING_OP_NOP, ..Default::default() };
    for _ in 0..rounds {
        match sq {
            Sq::Fill => {
                // SAFETY: a NOP carries no pointer, so the kernel touches no
                // user memory for it.
                let mut b = unsafe { ring.sq().reserve(batch) }.expect("the SQ has room for a batch");
                for i in 0..batch {
                    b.fill(|s| {
                        s.opcode = IORING_OP_NOP;
                        s.user_data = u64::from(i);
                    })
                    .expect("reserved");
                }
                b.commit();
            }
            Sq::Push => {
                for i in 0..batch {
                    sqe.user_data = u64::from(i);
                    // SAFETY: a NOP carries no pointer, so the kernel touches
                    // no user memory for it.
                    unsafe { ring.sq().push(&sqe) }.expect("the SQ has room for a batch");
                }
            }
        }
        let mut seen = 0;
        while seen < batch {
            ring.submit_and_wait(batch - seen).expect("io_uring_enter");
            seen += match reap {
                Reap::Drain => ring.cq().drain(|c| {
                    sum = sum.wrapping_add(c.user_data).wrapping_add(c.res as u64);
                }),
                Reap::Pop => {
                    let mut n = 0;
                    while let Some(c) = ring.cq().pop() {
                        sum = sum.wrapping_add(c.user_data).wrapping_add(c.res as u64);
                        n += 1;
                    }
                    n
                }
            };
        }
    }
    sum
}

/// The sum `run` returns when every completion arrived with result 0.
fn expected_sum(batch: u32, rounds: u64) -> u64 {
    let b = u64::from(batch);
    rounds * (b * (b - 1) / 2)
}

fn main() {
    let args = Args::from_env();
    let batch = args.num("--batch", 32) as u32;
    let ops = args.num("--ops", 10_000_000);
    let warmup = args.num("--warmup", 100_000);
    let entries = args.num("--entries", 256) as u32;
    let regfd = !args.flag("--no-registered-fd");
    let defer = args.flag("--defer");
    let reap = match args.string("--reap", "drain").as_str() {
        "drain" => Reap::Drain,
        "pop" => Reap::Pop,
        other => panic!("--reap expects drain or pop, got {other}"),
    };
    let sq = match args.string("--sq", "fill").as_str() {
        "fill" => Sq::Fill,
        "push" => Sq::Push,
        other => panic!("--sq expects fill or push, got {other}"),
    };
    assert!(batch >= 1 && batch <= entries, "batch must be between 1 and the ring size");

    let mut builder = Builder::new(entries).register_ring_fd(regfd);
    if defer {
        builder = builder.single_issuer().defer_taskrun().coop_taskrun();
    }
    let mut ring = builder.build().expect("io_uring setup");
    assert_eq!(ring.registered_index().is_some(), regfd, "ring fd registration as asked");

    let w = rounds(warmup, u64::from(batch));
    assert_eq!(run(&mut ring, batch, w, sq, reap), expected_sum(batch, w));
    let n = rounds(ops, u64::from(batch));
    let (c0, a0) = (benches::cpu_time(), benches::allocations());
    let start = Instant::now();
    let sum = black_box(run(&mut ring, batch, n, sq, reap));
    let elapsed = start.elapsed();
    let (cpu, allocs) = (benches::cpu_time() - c0, benches::allocations() - a0);
    assert_eq!(sum, expected_sum(batch, n), "every NOP completed once, with 0");

    let variant = match (defer, regfd) {
        (false, true) => "regfd",
        (false, false) => "plain",
        (true, true) => "defer-regfd",
        (true, false) => "defer-plain",
    };
    let mut variant = variant.to_string();
    if reap == Reap::Pop {
        variant.push_str("-pop");
    }
    if sq == Sq::Push {
        variant.push_str("-push");
    }
    Report {
        stack: "ring-core",
        syscall: benches::ring_core_syscall_path(),
        variant: &variant,
        workload: "nop",
        batch: u64::from(batch),
        ops: n * u64::from(batch),
        elapsed,
        allocs: Some(allocs),
        cpu: Some(cpu),
    }
    .print();
}
