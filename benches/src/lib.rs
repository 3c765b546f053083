//! Shared helpers for ring-core's benchmark binaries. What every stack's
//! binary shares (arguments, the counting allocator, CPU time, the read
//! file and its offsets, the `RESULT` line) is in `bench-harness`
//! (`benches/harness`) and re-exported here; this crate adds the NOP
//! benchmarks' `Report` and the raw layer's buffers.
//!
//! Every binary prints one line per measurement, starting with `RESULT` and
//! followed by tab-separated `key=value` pairs, so that `scripts/bench.sh`
//! can collect figures from Rust and C programs alike. The C programs in
//! `benches/c/` print the same format.

use std::alloc::Layout;
use std::time::Duration;

pub use bench_harness::{
    add_ops, allocations, cpu_time, cpu_times, default_file, page_cache_file, trace_allocations, Args, CountingAlloc,
    Measured, Offsets, Record, Snapshot, BLOCK, FILE_SIZE,
};

/// One measurement, printed as a `RESULT` line.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The library measured: `ring-core`, `ring-core-safe`, `io-uring`, `liburing`.
    pub stack: &'a str,
    /// How the library entered the kernel: `inline-asm` or `libc-syscall`.
    pub syscall: &'a str,
    /// The ring configuration: `plain`, `regfd`, `defer` (SINGLE_ISSUER +
    /// DEFER_TASKRUN + COOP_TASKRUN, with a registered ring fd where the
    /// stack registers one by default).
    pub variant: &'a str,
    /// `nop`, `read`, `write`.
    pub workload: &'a str,
    /// SQEs per submission (for reads: the queue depth).
    pub batch: u64,
    /// Operations timed.
    pub ops: u64,
    /// Wall-clock time of the timed operations.
    pub elapsed: Duration,
    /// Heap allocations counted in the timed window, where counted.
    pub allocs: Option<u64>,
    /// CPU time (user + system) of the process over the timed window,
    /// where measured.
    pub cpu: Option<Duration>,
}

impl Report<'_> {
    /// Nanoseconds per operation.
    pub fn ns_per_op(&self) -> f64 {
        self.elapsed.as_secs_f64() * 1e9 / self.ops.max(1) as f64
    }

    /// Operations per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-12)
    }

    /// Prints the `RESULT` line to standard output.
    pub fn print(&self) {
        let mut line = format!(
            "RESULT\tstack={}\tsyscall={}\tvariant={}\tworkload={}\tbatch={}\tops={}\tns_per_op={:.2}\tops_per_sec={:.0}",
            self.stack,
            self.syscall,
            self.variant,
            self.workload,
            self.batch,
            self.ops,
            self.ns_per_op(),
            self.ops_per_sec()
        );
        if let Some(a) = self.allocs {
            let per_op = a as f64 / self.ops.max(1) as f64;
            line.push_str(&format!("\tallocs={a}\tallocs_per_op={per_op}"));
        }
        if let Some(c) = self.cpu {
            let per_op = c.as_secs_f64() * 1e6 / self.ops.max(1) as f64;
            line.push_str(&format!("\tcpu_us_per_op={per_op:.4}\tsecs={:.4}", self.elapsed.as_secs_f64()));
        }
        println!("{line}");
    }
}

/// The system-call path ring-core was built with, as the `syscall` field.
pub fn ring_core_syscall_path() -> &'static str {
    if ring_sys::syscall::PATH == "inline asm" {
        "inline-asm"
    } else {
        "libc-syscall"
    }
}

/// The system-call path the `io-uring` crate was built with.
pub fn io_uring_syscall_path() -> &'static str {
    if cfg!(feature = "direct-syscall") {
        "direct-syscall"
    } else {
        "libc-syscall"
    }
}

/// Rounds `ops` up to a whole number of batches (at least one) and returns
/// the number of rounds.
pub fn rounds(ops: u64, batch: u64) -> u64 {
    ops.div_ceil(batch.max(1)).max(1)
}

/// `n` zeroed `BLOCK`-sized buffers in one page-aligned allocation, for the
/// raw-layer read benchmarks (the kernel writes them; nothing else reads
/// them while a read is in flight).
#[derive(Debug)]
pub struct Buffers {
    ptr: *mut u8,
    layout: Layout,
}

impl Buffers {
    /// `n` buffers of `BLOCK` bytes.
    pub fn new(n: usize) -> Self {
        let layout = Layout::from_size_align(n.max(1) * BLOCK as usize, 4096).expect("valid layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!ptr.is_null(), "out of memory");
        Buffers { ptr, layout }
    }

    /// The address of buffer `i`.
    pub fn ptr(&self, i: usize) -> *mut u8 {
        assert!((i + 1) * BLOCK as usize <= self.layout.size());
        // SAFETY: in bounds, as just checked.
        unsafe { self.ptr.add(i * BLOCK as usize) }
    }
}

impl Drop for Buffers {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}
