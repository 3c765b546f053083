//! 4 KiB random reads at a fixed queue depth from the 1 GiB file, through
//! ring-core's raw layer or the `io-uring` crate, with the same loop: fill
//! the queue, then wait for one completion, reap every completion ready
//! and refill each slot at once, submit.
//!
//! Usage: `raw_read [--stack ring-core|io-uring] [--qd 32]
//! [--ops N | --seconds S] [--warmup N | --warmup-seconds S] [--file PATH]
//! [--direct] [--variant plain|best] [--no-registered-fd]
//! [--registered-fd] [--defer]`
//!
//! - `--direct` opens the file with `O_DIRECT` (the reads go to the disk);
//!   otherwise the file is read end to end right before the measurement,
//!   so that it is in the page cache (this guest drops pages left
//!   untouched for about 30 seconds).
//! - `--variant best` is the best setup each stack offers: SINGLE_ISSUER,
//!   DEFER_TASKRUN, COOP_TASKRUN and TASKRUN_FLAG, a registered ring descriptor, the
//!   file registered (`IOSQE_FIXED_FILE`) and the buffers registered
//!   (`IORING_OP_READ_FIXED`). `plain` is each stack's default ring with
//!   `IORING_OP_READ` on the plain descriptor (ring-core registers its
//!   ring descriptor by default; `--no-registered-fd` turns that off, and
//!   `--registered-fd` turns it on for the `io-uring` crate).
//!
//! `benches/c/liburing_read.c` is the same loop in C; all read the same
//! sequence of offsets. Results are `RESULT` lines with the process's CPU
//! time and heap allocations over the timed window.

use benches::{page_cache_file, Args, Buffers, Offsets, Report, BLOCK, FILE_SIZE};
use ring_core::sys::{io_uring_sqe, IORING_OP_READ, IORING_OP_READ_FIXED, IOSQE_FIXED_FILE};
use ring_core::{Builder, Ring};
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: benches::CountingAlloc = benches::CountingAlloc;

/// When a run ends: after a number of reads, or at a moment.
#[derive(Clone, Copy)]
enum Until {
    Ops(u64),
    Time(Instant),
}

impl Until {
    /// Whether the run should stop submitting, with `done` reads complete.
    /// The clock is read once per 64 reads.
    #[inline(always)]
    fn reached(self, done: u64, next_check: &mut u64) -> bool {
        match self {
            Until::Ops(n) => done >= n,
            Until::Time(t) => {
                if done < *next_check {
                    return false;
                }
                *next_check = done + 64;
                Instant::now() >= t
            }
        }
    }
}

/// How the reads name their file and buffers.
#[derive(Clone, Copy)]
struct Setup {
    fd: RawFd,
    fixed_file: bool,
    fixed_buf: bool,
}

/// The SQE of a read of block-sized buffer `slot` at `offset`.
#[inline(always)]
fn read_sqe(s: Setup, bufs: &Buffers, slot: u64, offset: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe {
        opcode: if s.fixed_buf { IORING_OP_READ_FIXED } else { IORING_OP_READ },
        fd: if s.fixed_file { 0 } else { s.fd },
        flags: if s.fixed_file { IOSQE_FIXED_FILE } else { 0 },
        len: BLOCK as u32,
        user_data: slot,
        ..Default::default()
    };
    if s.fixed_buf {
        sqe.buf_index.buf_index = slot as u16;
    }
    sqe.set_addr(bufs.ptr(slot as usize) as u64);
    sqe.set_off(offset);
    sqe
}

/// Reads through ring-core with `qd` reads in flight until `until`, then
/// waits for the reads still in flight; returns the reads completed.
#[inline(never)]
fn run_ring_core(ring: &mut Ring, s: Setup, bufs: &Buffers, qd: u64, until: Until, offsets: &mut Offsets) -> u64 {
    let mut in_flight = 0u64;
    let mut done = 0u64;
    let mut next_check = 0u64;
    let mut stopping = false;
    while in_flight < qd {
        let sqe = read_sqe(s, bufs, in_flight, offsets.next_offset());
        // SAFETY: the SQE points at buffer `in_flight` of `bufs`, which
        // outlives the loop; no other read uses that buffer until this one's
        // completion has been reaped, and nothing else reads or writes it.
        unsafe { ring.sq().push(&sqe) }.expect("the SQ holds the queue depth");
        in_flight += 1;
    }
    while in_flight > 0 {
        ring.submit_and_wait(1).expect("io_uring_enter");
        if !stopping && until.reached(done, &mut next_check) {
            stopping = true;
        }
        let (sq, cq) = ring.queues();
        cq.drain(|c| {
            assert_eq!(c.res, BLOCK as i32, "a full block is read");
            done += 1;
            if stopping {
                in_flight -= 1;
            } else {
                let sqe = read_sqe(s, bufs, c.user_data, offsets.next_offset());
                // SAFETY: as above: the buffer of slot `user_data` was just
                // handed back by the read that completed.
                unsafe { sq.push(&sqe) }.expect("a slot was just freed");
            }
        });
    }
    done
}

/// Reads through the `io-uring` crate with `qd` reads in flight until
/// `until`, then waits for the reads still in flight.
#[inline(never)]
fn run_io_uring(
    ring: &mut io_uring::IoUring,
    s: Setup,
    bufs: &Buffers,
    qd: u64,
    until: Until,
    offsets: &mut Offsets,
) -> u64 {
    use io_uring::{opcode, squeue, types};
    let (submitter, mut sq, mut cq) = ring.split();
    let sqe = |slot: u64, offset: u64| -> squeue::Entry {
        let ptr = bufs.ptr(slot as usize);
        let e = match (s.fixed_file, s.fixed_buf) {
            (true, true) => {
                opcode::ReadFixed::new(types::Fixed(0), ptr, BLOCK as u32, slot as u16).offset(offset).build()
            }
            (false, true) => {
                opcode::ReadFixed::new(types::Fd(s.fd), ptr, BLOCK as u32, slot as u16).offset(offset).build()
            }
            (true, false) => opcode::Read::new(types::Fixed(0), ptr, BLOCK as u32).offset(offset).build(),
            (false, false) => opcode::Read::new(types::Fd(s.fd), ptr, BLOCK as u32).offset(offset).build(),
        };
        e.user_data(slot)
    };
    let mut in_flight = 0u64;
    let mut done = 0u64;
    let mut next_check = 0u64;
    let mut stopping = false;
    while in_flight < qd {
        let e = sqe(in_flight, offsets.next_offset());
        // SAFETY: as in `run_ring_core`.
        unsafe { sq.push(&e) }.expect("the SQ holds the queue depth");
        in_flight += 1;
    }
    while in_flight > 0 {
        sq.sync();
        submitter.submit_and_wait(1).expect("io_uring_enter");
        if !stopping && until.reached(done, &mut next_check) {
            stopping = true;
        }
        // The queue's view of the kernel head is refreshed only by `sync`.
        sq.sync();
        cq.sync();
        for c in &mut cq {
            assert_eq!(c.result(), BLOCK as i32, "a full block is read");
            done += 1;
            if stopping {
                in_flight -= 1;
            } else {
                let e = sqe(c.user_data(), offsets.next_offset());
                // SAFETY: as in `run_ring_core`.
                unsafe { sq.push(&e) }.expect("a slot was just freed");
            }
        }
        cq.sync();
    }
    done
}

/// The iovecs of `qd` buffers, for registering them.
fn iovecs(bufs: &Buffers, qd: u64) -> Vec<libc::iovec> {
    (0..qd as usize).map(|i| libc::iovec { iov_base: bufs.ptr(i).cast(), iov_len: BLOCK as usize }).collect()
}

fn main() {
    let args = Args::from_env();
    let stack = args.string("--stack", "ring-core");
    let qd = args.num("--qd", 32);
    let direct = args.flag("--direct");
    let best = args.string("--variant", "plain") == "best";
    let (warmup, timed) = match args.value("--seconds") {
        Some(_) => {
            (Until::Time(Instant::now() + args.secs("--warmup-seconds", 1.0)), Some(args.secs("--seconds", 5.0)))
        }
        None => (Until::Ops(args.num("--warmup", 50_000)), None),
    };
    let ops = args.num("--ops", 1_000_000);
    let path = bench_harness::file_arg(&args);
    let defer = args.flag("--defer") || best;
    let entries = qd.next_power_of_two().max(8) as u32;

    // The file: in the page cache, or opened with O_DIRECT.
    let file = if direct {
        bench_harness::prepare_file(&path, true).expect("the test file")
    } else {
        page_cache_file(&path, FILE_SIZE).expect("the test file")
    };
    let fd = file.as_raw_fd();
    let mut offsets = Offsets::new(FILE_SIZE);
    let bufs = Buffers::new(qd as usize);
    let setup = Setup { fd, fixed_file: best, fixed_buf: best };

    let until = |start: Instant| match timed {
        Some(d) => Until::Time(start + d),
        None => Until::Ops(ops),
    };
    let (elapsed, done, cpu, allocs, regfd, syscall): (Duration, u64, Duration, u64, bool, &str) = match stack.as_str()
    {
        "ring-core" => {
            let regfd = !args.flag("--no-registered-fd");
            let mut b = Builder::new(entries).register_ring_fd(regfd);
            if defer {
                b = b.single_issuer().defer_taskrun().coop_taskrun().taskrun_flag();
            }
            let mut ring = b.build().expect("io_uring setup");
            if best {
                ring.register_files(&[fd]).expect("IORING_REGISTER_FILES");
                let iov = iovecs(&bufs, qd);
                // SAFETY: the iovecs name `bufs`, which outlives the ring
                // (it is declared before it and dropped after it); the
                // kernel writes them only through the reads below.
                unsafe { ring.register_buffers(&iov) }.expect("IORING_REGISTER_BUFFERS");
            }
            run_ring_core(&mut ring, setup, &bufs, qd, warmup, &mut offsets);
            let (c0, a0) = (benches::cpu_time(), benches::allocations());
            let start = Instant::now();
            let done = run_ring_core(&mut ring, setup, &bufs, qd, until(start), &mut offsets);
            let elapsed = start.elapsed();
            let (cpu, allocs) = (benches::cpu_time() - c0, benches::allocations() - a0);
            (elapsed, done, cpu, allocs, regfd, benches::ring_core_syscall_path())
        }
        "io-uring" => {
            let regfd = args.flag("--registered-fd") || best;
            let mut b = io_uring::IoUring::builder();
            if defer {
                b.setup_single_issuer().setup_defer_taskrun().setup_coop_taskrun().setup_taskrun_flag();
            }
            let mut ring: io_uring::IoUring = b.build(entries).expect("io_uring setup");
            if regfd {
                ring.submitter().register_ring_fd().expect("IORING_REGISTER_RING_FDS");
            }
            if best {
                ring.submitter().register_files(&[fd]).expect("IORING_REGISTER_FILES");
                let iov = iovecs(&bufs, qd);
                // SAFETY: as for ring-core above.
                unsafe { ring.submitter().register_buffers(&iov) }.expect("IORING_REGISTER_BUFFERS");
            }
            run_io_uring(&mut ring, setup, &bufs, qd, warmup, &mut offsets);
            let (c0, a0) = (benches::cpu_time(), benches::allocations());
            let start = Instant::now();
            let done = run_io_uring(&mut ring, setup, &bufs, qd, until(start), &mut offsets);
            let elapsed = start.elapsed();
            let (cpu, allocs) = (benches::cpu_time() - c0, benches::allocations() - a0);
            (elapsed, done, cpu, allocs, regfd, benches::io_uring_syscall_path())
        }
        other => panic!("--stack expects ring-core or io-uring, got {other}"),
    };
    let variant = if best {
        "best"
    } else {
        match (defer, regfd) {
            (false, true) => "regfd",
            (false, false) => "plain",
            (true, true) => "defer-regfd",
            (true, false) => "defer-plain",
        }
    };
    let workload = if direct { "read4k-direct" } else { "read4k" };
    Report {
        stack: &stack,
        syscall,
        variant,
        workload,
        batch: qd,
        ops: done,
        elapsed,
        allocs: Some(allocs),
        cpu: Some(cpu),
    }
    .print();
    drop(file);
}
