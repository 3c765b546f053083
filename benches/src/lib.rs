//! Shared helpers for the benchmark binaries: argument parsing, the result
//! line every binary prints, a counting global allocator, the page-cache
//! test file, and the random offsets every read benchmark uses.
//!
//! Every binary prints one line per measurement, starting with `RESULT` and
//! followed by tab-separated `key=value` pairs, so that `scripts/bench.sh`
//! can collect figures from Rust and C programs alike. The C programs in
//! `benches/c/` print the same format.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// Command-line arguments of the form `--key value` and `--flag`.
#[derive(Debug, Clone)]
pub struct Args {
    items: Vec<String>,
}

impl Args {
    /// The process's arguments, without the program name.
    pub fn from_env() -> Self {
        Args { items: std::env::args().skip(1).collect() }
    }

    /// Whether `--name` was given.
    pub fn flag(&self, name: &str) -> bool {
        self.items.iter().any(|a| a == name)
    }

    /// The value after `--name`, if given.
    pub fn value(&self, name: &str) -> Option<&str> {
        let i = self.items.iter().position(|a| a == name)?;
        self.items.get(i + 1).map(String::as_str)
    }

    /// The value after `--name` parsed as a number (underscores allowed),
    /// or `default`.
    pub fn num(&self, name: &str, default: u64) -> u64 {
        match self.value(name) {
            Some(v) => v.replace('_', "").parse().unwrap_or_else(|_| panic!("{name} expects a number, got {v:?}")),
            None => default,
        }
    }

    /// The value after `--name`, or `default`.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.value(name).unwrap_or(default).to_string()
    }
}

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

// ---------------------------------------------------------------------------
// Counting allocator.

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static TRACE: AtomicBool = AtomicBool::new(false);
static TRACES_LEFT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Set while this thread is printing a backtrace, whose own allocations
    /// must not be traced again.
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

/// A global allocator that forwards to [`System`] and counts every
/// allocation (`alloc`, `alloc_zeroed` and `realloc` each count one).
///
/// Install it with `#[global_allocator] static A: CountingAlloc = CountingAlloc;`.
/// With [`trace_allocations`] on, each counted allocation also prints a
/// backtrace to standard error (up to a limit), which is how an allocation
/// on a hot path is located.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountingAlloc;

/// Allocations counted so far (by [`CountingAlloc`], if installed).
pub fn allocations() -> u64 {
    ALLOCS.load(Ordering::Relaxed)
}

/// Starts (or stops) printing a backtrace for each of the next `limit`
/// allocations.
pub fn trace_allocations(on: bool, limit: usize) {
    TRACES_LEFT.store(limit, Ordering::Relaxed);
    TRACE.store(on, Ordering::SeqCst);
}

#[inline]
fn note_allocation() {
    ALLOCS.fetch_add(1, Ordering::Relaxed);
    if TRACE.load(Ordering::Relaxed) {
        trace_one();
    }
}

#[cold]
fn trace_one() {
    let reentered = IN_TRACE.with(|t| t.replace(true));
    if reentered {
        return;
    }
    let left = TRACES_LEFT.load(Ordering::Relaxed);
    if left > 0 {
        TRACES_LEFT.store(left - 1, Ordering::Relaxed);
        let bt = std::backtrace::Backtrace::force_capture();
        eprintln!("allocation in the measured window:\n{bt}");
    }
    IN_TRACE.with(|t| t.set(false));
}

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees are this allocator's; counting touches
// only atomics and (when tracing) thread-local state guarded against reentry.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: forwarded contract of `GlobalAlloc::realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract of `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

// ---------------------------------------------------------------------------
// The page-cache test file and random offsets.

/// Size of the read benchmarks' file: 1 GiB.
pub const FILE_SIZE: u64 = 1 << 30;

/// Size of one read.
pub const BLOCK: u64 = 4096;

/// Where the read benchmarks' file lives unless `--file` says otherwise.
pub fn default_file() -> PathBuf {
    std::env::temp_dir().join("ring-bench-1g.bin")
}

/// Opens `path`, creating it with `size` bytes of non-zero data if it is
/// missing or has another size, then reads it end to end so that every page
/// is in the page cache right before the measurement (this machine's guest
/// drops pages untouched for about 30 seconds).
pub fn page_cache_file(path: &Path, size: u64) -> io::Result<File> {
    let fresh = std::fs::metadata(path).map(|m| m.len() != size).unwrap_or(true);
    if fresh {
        let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        let mut chunk = vec![0u8; 1 << 20];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x as u8) | 1;
        }
        let mut written = 0;
        while written < size {
            let n = chunk.len().min((size - written) as usize);
            f.write_all(&chunk[..n])?;
            written += n as u64;
        }
        f.sync_all()?;
    }
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    if total != size {
        return Err(io::Error::other(format!("{} has {total} bytes, expected {size}", path.display())));
    }
    // Touch one byte per page once more through pread, so the check does
    // not depend on readahead state.
    let mut one = [0u8; 1];
    f.read_at(&mut one, 0)?;
    Ok(f)
}

/// A xorshift64* generator of block-aligned offsets in a file. The C
/// programs in `benches/c/` use the same generator and seed, so every stack
/// reads the same sequence of blocks.
#[derive(Debug, Clone)]
pub struct Offsets {
    state: u64,
    blocks: u64,
}

impl Offsets {
    /// The seed every stack uses.
    pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

    /// Offsets of `BLOCK`-sized blocks in a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        Offsets { state: Self::SEED, blocks: (size / BLOCK).max(1) }
    }

    /// The next offset.
    #[inline(always)]
    pub fn next_offset(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) % self.blocks) * BLOCK
    }
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
