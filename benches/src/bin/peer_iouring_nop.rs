//! NOPs through the `io-uring` crate (tokio-rs, 0.7), the same loop as
//! `raw_nop`: push a batch, one `submit_and_wait`, reap.
//!
//! Usage: `peer_iouring_nop [--batch 32] [--ops 10000000] [--warmup 100000]
//! [--entries 256] [--registered-fd] [--defer]`
//!
//! The crate does not register the ring fd by default; `--registered-fd`
//! does (`Submitter::register_ring_fd`). `--defer` sets up the ring with
//! SINGLE_ISSUER, DEFER_TASKRUN and COOP_TASKRUN. Build with the benches
//! feature `direct-syscall` for the crate's `direct-syscall` path.

use benches::{rounds, Args, Report};
use io_uring::{cqueue, opcode, squeue, IoUring, SubmissionQueue, Submitter};
use std::hint::black_box;
use std::time::Instant;

#[global_allocator]
static ALLOC: benches::CountingAlloc = benches::CountingAlloc;

/// Runs `rounds` rounds of `batch` NOPs and returns the sum of the
/// completions' `user_data` and results, as `raw_nop` does.
#[inline(never)]
fn run(
    submitter: &Submitter<'_>,
    sq: &mut SubmissionQueue<'_, squeue::Entry>,
    cq: &mut io_uring::CompletionQueue<'_, cqueue::Entry>,
    batch: u32,
    rounds: u64,
) -> u64 {
    let mut sum = 0u64;
    for _ in 0..rounds {
        for i in 0..batch {
            // Built in place each time, as the crate's examples do; the
            // compiler folds the constant fields into the stores.
            let sqe = opcode::Nop::new().build().user_data(u64::from(i));
            // SAFETY: a NOP carries no pointer, so the kernel touches no
            // user memory for it.
            unsafe { sq.push(&sqe) }.expect("the SQ has room for a batch");
        }
        sq.sync();
        let mut seen = 0;
        while seen < batch {
            submitter.submit_and_wait((batch - seen) as usize).expect("io_uring_enter");
            cq.sync();
            for cqe in &mut *cq {
                sum = sum.wrapping_add(cqe.user_data()).wrapping_add(cqe.result() as u64);
                seen += 1;
            }
            cq.sync();
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
    let regfd = args.flag("--registered-fd");
    let defer = args.flag("--defer");
    assert!(batch >= 1 && batch <= entries, "batch must be between 1 and the ring size");

    let mut builder = IoUring::builder();
    if defer {
        builder.setup_single_issuer().setup_defer_taskrun().setup_coop_taskrun();
    }
    let mut ring: IoUring = builder.build(entries).expect("io_uring setup");
    let (mut submitter, mut sq, mut cq) = ring.split();
    if regfd {
        submitter.register_ring_fd().expect("IORING_REGISTER_RING_FDS");
    }

    let w = rounds(warmup, u64::from(batch));
    assert_eq!(run(&submitter, &mut sq, &mut cq, batch, w), expected_sum(batch, w));
    let n = rounds(ops, u64::from(batch));
    let (c0, a0) = (benches::cpu_time(), benches::allocations());
    let start = Instant::now();
    let sum = black_box(run(&submitter, &mut sq, &mut cq, batch, n));
    let elapsed = start.elapsed();
    let (cpu, allocs) = (benches::cpu_time() - c0, benches::allocations() - a0);
    assert_eq!(sum, expected_sum(batch, n), "every NOP completed once, with 0");

    let variant = match (defer, regfd) {
        (false, true) => "regfd",
        (false, false) => "plain",
        (true, true) => "defer-regfd",
        (true, false) => "defer-plain",
    };
    Report {
        stack: "io-uring",
        syscall: benches::io_uring_syscall_path(),
        variant,
        workload: "nop",
        batch: u64::from(batch),
        ops: n * u64::from(batch),
        elapsed,
        allocs: Some(allocs),
        cpu: Some(cpu),
    }
    .print();
}
