//! The blocking baseline: 4 KiB random `pread(2)`s from the 1 GiB file on
//! one thread, one read at a time, with the same offsets as the other
//! read benchmarks. It has no queue depth; the comparison script runs it
//! once and shows it beside every queue depth.
//!
//! Usage: `pread_read [--direct] [--seconds S] [--warmup S] [--file PATH]`

use bench_harness::{AlignedBlock, Args, CountingAlloc, Offsets, Record, Snapshot, BLOCK, FILE_SIZE};
use std::os::unix::fs::FileExt;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Reads until `deadline` (the clock is read once per 64 reads); returns
/// the number of reads.
#[inline(never)]
fn run(file: &std::fs::File, buf: &mut [u8], offsets: &mut Offsets, deadline: Instant) -> u64 {
    let mut done = 0u64;
    loop {
        for _ in 0..64 {
            let n = file.read_at(buf, offsets.next_offset()).expect("pread");
            assert_eq!(n, BLOCK as usize, "a full block is read");
        }
        done += 64;
        if Instant::now() >= deadline {
            return done;
        }
    }
}

fn main() {
    let args = Args::from_env();
    let direct = args.flag("--direct");
    let warmup = args.secs("--warmup", 1.0);
    let seconds = args.secs("--seconds", 5.0);
    let path = bench_harness::file_arg(&args);
    let _keep = bench_harness::prepare_file(&path, direct).expect("the read file");
    let file = bench_harness::open_std(&path, direct).expect("open the read file");
    let mut block = AlignedBlock::new();
    let mut offsets = Offsets::new(FILE_SIZE);
    run(&file, block.as_mut_slice(), &mut offsets, Instant::now() + warmup);
    let s0 = Snapshot::now();
    let done = run(&file, block.as_mut_slice(), &mut offsets, Instant::now() + seconds.max(Duration::from_millis(1)));
    let m = s0.finish(done);
    Record::new("pread", "plain", if direct { "read4k-direct" } else { "read4k" }).field("qd", 1).window(&m).print();
}
