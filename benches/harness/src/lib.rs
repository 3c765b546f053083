//! What every benchmark binary shares, whatever stack it measures.
//!
//! The same file is compiled into ring-core's benchmark binaries (the main
//! workspace's `benches` crate) and into each peer's binary (the separate
//! workspace under `benches/peers/`), so that every stack is measured by
//! the same code: the same counting allocator, the same CPU clock, the same
//! offsets, the same HTTP parser and the same `RESULT` line.
//!
//! # The `RESULT` line
//!
//! Every measurement prints one line to standard output, `RESULT` followed
//! by tab-separated `key=value` pairs ([`Record`]). `scripts/bench_compare.py`
//! reads them from Rust and C programs alike (the C programs in
//! `benches/c/` print the same format).
//!
//! # Two ways a run is measured
//!
//! - In-process workloads (NOP, file reads): the binary measures itself
//!   over a timed window after a warm-up ([`Snapshot`]), and prints its
//!   record when the window ends.
//! - Servers (TCP echo, HTTP): the load comes from another process (the
//!   common echo client, or `wrk`), so the window is set from outside. The
//!   server starts [`control::spawn`], a thread that reads `start` and
//!   `stop` lines from standard input; the server's code counts its work
//!   with [`add_ops`] and [`add_bytes`]. At `stop` the thread prints the
//!   window's record: requests or bytes, wall time, the process's CPU time
//!   (user + system, all threads, from `getrusage(RUSAGE_SELF)`) and the
//!   heap allocations counted in between. End of input ends the process.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub mod control;

// ---------------------------------------------------------------------------
// Arguments.

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

    /// The first argument, if it does not start with `--` (a subcommand).
    pub fn command(&self) -> Option<&str> {
        self.items.first().map(String::as_str).filter(|a| !a.starts_with("--"))
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

    /// The value after `--name` as seconds (fractions allowed), or `default`.
    pub fn secs(&self, name: &str, default: f64) -> Duration {
        let s = match self.value(name) {
            Some(v) => v.parse::<f64>().unwrap_or_else(|_| panic!("{name} expects seconds, got {v:?}")),
            None => default,
        };
        Duration::from_secs_f64(s.max(0.0))
    }

    /// The value after `--name`, or `default`.
    pub fn string(&self, name: &str, default: &str) -> String {
        self.value(name).unwrap_or(default).to_string()
    }
}

// ---------------------------------------------------------------------------
// The RESULT line.

/// One measurement's `RESULT` line, built field by field.
#[derive(Debug, Clone, Default)]
pub struct Record {
    line: String,
}

impl Record {
    /// A record of `stack` running `workload` in configuration `variant`
    /// (`plain`, `best`, ...; each binary's documentation says what its
    /// variants set up).
    pub fn new(stack: &str, variant: &str, workload: &str) -> Self {
        let mut r = Record { line: String::from("RESULT") };
        r = r.field("stack", stack).field("variant", variant).field("workload", workload);
        r
    }

    /// Appends `key=value`.
    pub fn field(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        let _ = write!(self.line, "\t{key}={value}");
        self
    }

    /// Appends the figures of a measured window: operations, seconds,
    /// operations per second, CPU time per operation in microseconds and
    /// heap allocations per operation.
    pub fn window(self, m: &Measured) -> Self {
        let ops = m.ops.max(1) as f64;
        self.field("ops", m.ops)
            .field("secs", format!("{:.4}", m.wall.as_secs_f64()))
            .field("ops_per_sec", format!("{:.0}", m.ops as f64 / m.wall.as_secs_f64().max(1e-9)))
            .field("ns_per_op", format!("{:.2}", m.wall.as_secs_f64() * 1e9 / ops))
            .field("cpu_us_per_op", format!("{:.4}", m.cpu.as_secs_f64() * 1e6 / ops))
            .field("cpu_secs", format!("{:.4}", m.cpu.as_secs_f64()))
            .field("sys_share", format!("{:.3}", m.sys.as_secs_f64() / m.cpu.as_secs_f64().max(1e-9)))
            .field("allocs", m.allocs)
            .field("allocs_per_op", format!("{:.4}", m.allocs as f64 / ops))
    }

    /// Prints the line to standard output (and flushes it, since the
    /// comparison script reads it through a pipe).
    pub fn print(self) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{}", self.line);
        let _ = out.flush();
    }

    /// The line as built so far.
    pub fn as_str(&self) -> &str {
        &self.line
    }
}

// ---------------------------------------------------------------------------
// CPU time, allocations, operations: snapshots and windows.

/// User plus system CPU time of this process so far, all threads included
/// (live and exited), from `getrusage(RUSAGE_SELF)`. The kernel's io_uring
/// worker threads (io-wq) belong to the process and are counted too.
pub fn cpu_time() -> Duration {
    let (user, sys) = cpu_times();
    user + sys
}

/// User and system CPU time of this process so far, separately (see
/// [`cpu_time`]).
pub fn cpu_times() -> (Duration, Duration) {
    // SAFETY: `rusage` is plain data for which all-zero is valid;
    // `getrusage` writes it and reads nothing else.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `rusage` the call may write.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    assert_eq!(rc, 0, "getrusage(RUSAGE_SELF) cannot fail with a valid pointer");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    (tv(ru.ru_utime), tv(ru.ru_stime))
}

static OPS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// Counts `n` completed operations (reads, requests) for the current
/// window. One relaxed atomic add, the same in every stack's binary.
#[inline]
pub fn add_ops(n: u64) {
    OPS.fetch_add(n, Ordering::Relaxed);
}

/// Counts `n` bytes echoed (the echo servers count bytes; the client's
/// message size turns them into round trips).
#[inline]
pub fn add_bytes(n: u64) {
    BYTES.fetch_add(n, Ordering::Relaxed);
}

/// Operations counted so far with [`add_ops`].
pub fn ops() -> u64 {
    OPS.load(Ordering::Relaxed)
}

/// Bytes counted so far with [`add_bytes`].
pub fn bytes() -> u64 {
    BYTES.load(Ordering::Relaxed)
}

/// The process's counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    cpu: Duration,
    sys: Duration,
    allocs: u64,
    ops: u64,
    bytes: u64,
}

impl Snapshot {
    /// Takes the counters now. The allocation count is read first, so
    /// that nothing this call does is counted.
    pub fn now() -> Self {
        let allocs = allocations();
        let ops = ops();
        let bytes = bytes();
        let (user, sys) = cpu_times();
        Snapshot { at: Instant::now(), cpu: user + sys, sys, allocs, ops, bytes }
    }

    /// The window from `self` to `later`, with the operations counted by
    /// [`add_ops`] in between.
    pub fn to(&self, later: &Snapshot) -> Measured {
        Measured {
            wall: later.at.saturating_duration_since(self.at),
            cpu: later.cpu.saturating_sub(self.cpu),
            sys: later.sys.saturating_sub(self.sys),
            allocs: later.allocs - self.allocs,
            ops: later.ops - self.ops,
            bytes: later.bytes - self.bytes,
        }
    }

    /// The window from `self` to now, with `ops` operations counted by the
    /// caller (for loops that count in a local variable).
    pub fn finish(&self, ops: u64) -> Measured {
        let mut m = self.to(&Snapshot::now());
        m.ops = ops;
        m
    }
}

/// The figures of one measured window.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    /// Wall-clock time.
    pub wall: Duration,
    /// CPU time of the whole process (user + system).
    pub cpu: Duration,
    /// The system (kernel) part of `cpu`.
    pub sys: Duration,
    /// Heap allocations counted by [`CountingAlloc`].
    pub allocs: u64,
    /// Operations.
    pub ops: u64,
    /// Bytes counted by [`add_bytes`].
    pub bytes: u64,
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
/// Every benchmark binary of every stack installs it with
/// `#[global_allocator] static A: CountingAlloc = CountingAlloc;`. With
/// [`trace_allocations`] on, each counted allocation also prints a
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
// The read file, its offsets, and aligned blocks for O_DIRECT.

/// Size of the read benchmarks' file: 1 GiB.
pub const FILE_SIZE: u64 = 1 << 30;

/// Size of one read.
pub const BLOCK: u64 = 4096;

/// Where the read benchmarks' file lives unless `--file` says otherwise.
pub fn default_file() -> PathBuf {
    std::env::temp_dir().join("ring-bench-1g.bin")
}

/// The read file named by `--file`, or the default.
pub fn file_arg(args: &Args) -> PathBuf {
    args.value("--file").map(Into::into).unwrap_or_else(default_file)
}

/// Creates `path` with `size` bytes of non-zero data if it is missing or
/// has another size.
pub fn ensure_file(path: &Path, size: u64) -> io::Result<()> {
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
    Ok(())
}

/// Opens `path`, creating it with `size` bytes of non-zero data if it is
/// missing or has another size, then reads it end to end so that every page
/// is in the page cache right before the measurement (this machine's guest
/// drops pages untouched for about 30 seconds).
pub fn page_cache_file(path: &Path, size: u64) -> io::Result<File> {
    ensure_file(path, size)?;
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
    let mut one = [0u8; 1];
    f.read_at(&mut one, 0)?;
    Ok(f)
}

/// Prepares the read file for a run: with `direct`, creates it if needed
/// and opens it with `O_DIRECT` (reads then go to the disk, whatever the
/// page cache holds); otherwise loads it into the page cache and opens it
/// plainly. Each stack's binary then opens the path its own way; this
/// descriptor is only kept open so the check stays true.
pub fn prepare_file(path: &Path, direct: bool) -> io::Result<File> {
    if direct {
        ensure_file(path, FILE_SIZE)?;
        OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(path)
    } else {
        page_cache_file(path, FILE_SIZE)
    }
}

/// `open(2)` flags for the read file: `O_RDONLY`, plus `O_DIRECT` when asked.
pub fn open_flags(direct: bool) -> i32 {
    libc::O_RDONLY | libc::O_CLOEXEC | if direct { libc::O_DIRECT } else { 0 }
}

/// Opens the read file with std, with `O_DIRECT` when asked.
pub fn open_std(path: &Path, direct: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    if direct {
        o.custom_flags(libc::O_DIRECT);
    }
    o.open(path)
}

/// A xorshift64* generator of block-aligned offsets in a file. The C
/// programs in `benches/c/` use the same generator and seed, so every stack
/// reads the same sequence of blocks (each task of an async stack starts
/// its own generator from a seed derived from its index).
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

    /// The generator of task `i` of a stack that runs one task per slot.
    pub fn for_task(size: u64, i: u64) -> Self {
        let mut o = Offsets::new(size);
        o.state ^= (i + 1).wrapping_mul(0xd134_2543_de82_ef95);
        if o.state == 0 {
            o.state = Self::SEED;
        }
        o
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

/// One `BLOCK`-sized, `BLOCK`-aligned heap buffer, as `O_DIRECT` needs.
/// Peers' binaries implement their stack's buffer traits for it.
#[derive(Debug)]
pub struct AlignedBlock {
    ptr: std::ptr::NonNull<u8>,
    /// Bytes the last read filled (the peers' buffer traits track it).
    pub init: usize,
}

impl AlignedBlock {
    const LAYOUT: Layout = match Layout::from_size_align(BLOCK as usize, BLOCK as usize) {
        Ok(l) => l,
        Err(_) => panic!("a 4 KiB block layout is valid"),
    };

    /// A zeroed block.
    pub fn new() -> Self {
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(Self::LAYOUT) };
        let ptr = std::ptr::NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(Self::LAYOUT));
        AlignedBlock { ptr, init: 0 }
    }

    /// The buffer's address.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// The buffer's address, for writing.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The buffer's size.
    pub const fn capacity(&self) -> usize {
        BLOCK as usize
    }

    /// The whole block as a mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the allocation is BLOCK bytes, zero-initialised, owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), BLOCK as usize) }
    }
}

impl Default for AlignedBlock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for AlignedBlock {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::LAYOUT) };
    }
}

// SAFETY: the block is uniquely owned heap memory, like a `Box<[u8]>`.
unsafe impl Send for AlignedBlock {}

// ---------------------------------------------------------------------------
// The network workloads' protocol.

/// The one answer of every HTTP server: 13 bytes of body, kept alive.
pub const HTTP_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\nHello, world!";

/// Counts complete request heads (each ended by an empty line) in `buf`,
/// returning how many and where the unfinished remainder starts. Every
/// HTTP server of every stack parses with this function and answers each
/// request with [`HTTP_RESPONSE`] (pipelined requests in order).
pub fn complete_requests(buf: &[u8]) -> (usize, usize) {
    let (mut n, mut start) = (0, 0);
    while let Some(i) = find_blank_line(&buf[start..]) {
        n += 1;
        start += i + 4;
    }
    (n, start)
}

fn find_blank_line(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n")
}

/// An HTTP connection's state: the bytes of an unfinished request head
/// carried over between reads, and the answer being built. Fed each read,
/// it returns the bytes to write (empty if no request was complete).
#[derive(Debug, Default)]
pub struct HttpConn {
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl HttpConn {
    /// A connection with room for 16 pipelined answers.
    pub fn new() -> Self {
        HttpConn { pending: Vec::new(), out: Vec::with_capacity(HTTP_RESPONSE.len() * 16) }
    }

    /// Parses `input` (the bytes just read) and fills `out` with one answer
    /// per complete request; counts the requests with [`add_ops`]. Returns
    /// how many requests were complete.
    pub fn feed_into(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        out.clear();
        let reqs = if self.pending.is_empty() {
            let (n, rest) = complete_requests(input);
            self.pending.extend_from_slice(&input[rest..]);
            n
        } else {
            self.pending.extend_from_slice(input);
            let (n, rest) = complete_requests(&self.pending);
            self.pending.drain(..rest);
            n
        };
        for _ in 0..reqs {
            out.extend_from_slice(HTTP_RESPONSE);
        }
        add_ops(reqs as u64);
        reqs
    }

    /// [`feed_into`](Self::feed_into) into the connection's own buffer.
    pub fn feed(&mut self, input: &[u8]) -> &[u8] {
        let mut out = std::mem::take(&mut self.out);
        self.feed_into(input, &mut out);
        self.out = out;
        &self.out
    }
}

/// The address every server listens on: 127.0.0.1 and `--port`.
pub fn listen_addr(args: &Args, default_port: u16) -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], args.num("--port", u64::from(default_port)) as u16))
}

/// Announces that a server listens, for the comparison script, which waits
/// for this line before it starts the load.
pub fn ready(addr: std::net::SocketAddr) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "READY\t{addr}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_across_reads() {
        let mut c = HttpConn::new();
        let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(c.feed(req).len(), HTTP_RESPONSE.len());
        let mut two = req.to_vec();
        two.extend_from_slice(req);
        assert_eq!(c.feed(&two[..10]).len(), 0);
        assert_eq!(c.feed(&two[10..40]).len(), HTTP_RESPONSE.len());
        assert_eq!(c.feed(&two[40..]).len(), HTTP_RESPONSE.len());
        assert!(c.pending.is_empty());
    }

    #[test]
    fn task_offsets_differ_and_stay_in_the_file() {
        let mut a = Offsets::for_task(FILE_SIZE, 0);
        let mut b = Offsets::for_task(FILE_SIZE, 1);
        let (x, y) = (a.next_offset(), b.next_offset());
        assert_ne!(x, y);
        for _ in 0..1000 {
            let o = a.next_offset();
            assert!(o % BLOCK == 0 && o + BLOCK <= FILE_SIZE);
        }
    }

    #[test]
    fn record_carries_the_window() {
        let s = Snapshot::now();
        let m = s.finish(10);
        let r = Record::new("s", "v", "w").window(&m);
        assert!(r.as_str().starts_with("RESULT\tstack=s\tvariant=v\tworkload=w\tops=10\t"));
        assert!(r.as_str().contains("\tcpu_us_per_op="));
    }
}
