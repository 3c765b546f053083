//! 4 KiB random reads (`IORING_OP_READ`) at a fixed queue depth from a 1 GiB
//! file in the page cache, through ring-core's raw layer or the `io-uring`
//! crate, with the same loop: fill the queue, then wait for one completion,
//! reap every completion ready and refill each slot at once, submit.
//!
//! Usage: `raw_read [--stack ring-core|io-uring] [--qd 32] [--ops 1000000]
//! [--warmup 50000] [--file PATH] [--no-registered-fd] [--registered-fd]
//! [--defer]`
//!
//! The file is created if missing and read end to end right before the
//! measurement, so that it is in the page cache (this guest drops pages left
//! untouched for about 30 seconds). `benches/c/liburing_read.c` is the same
//! loop in C; all three read the same sequence of offsets.

use benches::{page_cache_file, Args, Buffers, Offsets, Report, BLOCK, FILE_SIZE};
use ring_core::sys::{io_uring_sqe, IORING_OP_READ};
use ring_core::{Builder, Ring};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

/// The SQE of a read of block-sized buffer `slot` at `offset`.
#[inline(always)]
fn read_sqe(fd: RawFd, bufs: &Buffers, slot: u64, offset: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode: IORING_OP_READ, fd, len: BLOCK as u32, user_data: slot, ..Default::default() };
    sqe.set_addr(bufs.ptr(slot as usize) as u64);
    sqe.set_off(offset);
    sqe
}

/// Reads `ops` blocks through ring-core with `qd` reads in flight.
#[inline(never)]
fn run_ring_core(ring: &mut Ring, fd: RawFd, bufs: &Buffers, qd: u64, ops: u64, offsets: &mut Offsets) {
    let mut submitted = 0u64;
    let mut done = 0u64;
    while submitted < qd.min(ops) {
        let sqe = read_sqe(fd, bufs, submitted, offsets.next_offset());
        // SAFETY: the SQE points at buffer `submitted` of `bufs`, which
        // outlives the loop; no other read uses that buffer until this one's
        // completion has been reaped, and nothing else reads or writes it.
        unsafe { ring.sq().push(&sqe) }.expect("the SQ holds the queue depth");
        submitted += 1;
    }
    while done < ops {
        ring.submit_and_wait(1).expect("io_uring_enter");
        let (sq, cq) = ring.queues();
        cq.drain(|c| {
            assert_eq!(c.res, BLOCK as i32, "a full block is read");
            done += 1;
            if submitted < ops {
                let sqe = read_sqe(fd, bufs, c.user_data, offsets.next_offset());
                // SAFETY: as above: the buffer of slot `user_data` was just
                // handed back by the read that completed.
                unsafe { sq.push(&sqe) }.expect("a slot was just freed");
                submitted += 1;
            }
        });
    }
}

/// Reads `ops` blocks through the `io-uring` crate with `qd` reads in flight.
#[inline(never)]
fn run_io_uring(
    ring: &mut io_uring::IoUring,
    regfd: bool,
    fd: RawFd,
    bufs: &Buffers,
    qd: u64,
    ops: u64,
    offsets: &mut Offsets,
) {
    use io_uring::{opcode, types};
    let (mut submitter, mut sq, mut cq) = ring.split();
    if regfd {
        submitter.register_ring_fd().expect("IORING_REGISTER_RING_FDS");
    }
    let sqe = |slot: u64, offset: u64| {
        opcode::Read::new(types::Fd(fd), bufs.ptr(slot as usize), BLOCK as u32).offset(offset).build().user_data(slot)
    };
    let mut submitted = 0u64;
    let mut done = 0u64;
    while submitted < qd.min(ops) {
        let e = sqe(submitted, offsets.next_offset());
        // SAFETY: as in `run_ring_core`.
        unsafe { sq.push(&e) }.expect("the SQ holds the queue depth");
        submitted += 1;
    }
    while done < ops {
        sq.sync();
        submitter.submit_and_wait(1).expect("io_uring_enter");
        // The queue's view of the kernel head is refreshed only by `sync`.
        sq.sync();
        cq.sync();
        for c in &mut cq {
            assert_eq!(c.result(), BLOCK as i32, "a full block is read");
            done += 1;
            if submitted < ops {
                let e = sqe(c.user_data(), offsets.next_offset());
                // SAFETY: as in `run_ring_core`.
                unsafe { sq.push(&e) }.expect("a slot was just freed");
                submitted += 1;
            }
        }
        cq.sync();
    }
    if regfd {
        submitter.unregister_ring_fd().expect("IORING_UNREGISTER_RING_FDS");
    }
}

fn main() {
    let args = Args::from_env();
    let stack = args.string("--stack", "ring-core");
    let qd = args.num("--qd", 32);
    let ops = args.num("--ops", 1_000_000);
    let warmup = args.num("--warmup", 50_000);
    let path = args.value("--file").map(Into::into).unwrap_or_else(benches::default_file);
    let defer = args.flag("--defer");
    let entries = qd.next_power_of_two().max(8) as u32;

    let mut offsets = Offsets::new(FILE_SIZE);
    let bufs = Buffers::new(qd as usize);
    let (elapsed, regfd, syscall): (Duration, bool, &str) = match stack.as_str() {
        "ring-core" => {
            let regfd = !args.flag("--no-registered-fd");
            let mut b = Builder::new(entries).register_ring_fd(regfd);
            if defer {
                b = b.single_issuer().defer_taskrun().coop_taskrun();
            }
            let mut ring = b.build().expect("io_uring setup");
            let file = page_cache_file(&path, FILE_SIZE).expect("the test file");
            let fd = file.as_raw_fd();
            run_ring_core(&mut ring, fd, &bufs, qd, warmup, &mut offsets);
            let start = Instant::now();
            run_ring_core(&mut ring, fd, &bufs, qd, ops, &mut offsets);
            (start.elapsed(), regfd, benches::ring_core_syscall_path())
        }
        "io-uring" => {
            let regfd = args.flag("--registered-fd");
            let mut b = io_uring::IoUring::builder();
            if defer {
                b.setup_single_issuer().setup_defer_taskrun().setup_coop_taskrun();
            }
            let mut ring: io_uring::IoUring = b.build(entries).expect("io_uring setup");
            let file = page_cache_file(&path, FILE_SIZE).expect("the test file");
            let fd = file.as_raw_fd();
            run_io_uring(&mut ring, regfd, fd, &bufs, qd, warmup, &mut offsets);
            let start = Instant::now();
            run_io_uring(&mut ring, regfd, fd, &bufs, qd, ops, &mut offsets);
            (start.elapsed(), regfd, benches::io_uring_syscall_path())
        }
        other => panic!("--stack expects ring-core or io-uring, got {other}"),
    };
    let variant = match (defer, regfd) {
        (false, true) => "regfd",
        (false, false) => "plain",
        (true, true) => "defer-regfd",
        (true, false) => "defer-plain",
    };
    Report { stack: &stack, syscall, variant, workload: "read4k", batch: qd, ops, elapsed, allocs: None }.print();
}
