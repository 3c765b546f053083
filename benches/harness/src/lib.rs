//! What every benchmark binary shares, whatever stack it measures.
//!
//! The same crate is compiled into ring-core's benchmark binaries (the main
//! workspace's `benches` crate) and into each peer's binary (the separate
//! workspace under `benches/peers/`), so that every stack is measured by
//! the same code: the same counting allocator, the same CPU clock, the same
//! offsets, the same HTTP parser and the same `RESULT` line.
//!
//! Here: the arguments ([`Args`]) and the `RESULT` line ([`Record`]);
//! `measure.rs`, CPU time, counters and windows; `counting_alloc.rs`;
//! `read_file.rs`, the read workloads' file, offsets and aligned blocks;
//! `protocol.rs`, the network workloads' protocol; `control.rs`, the
//! servers' control channel. Everything is re-exported here.
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

pub mod control;
mod counting_alloc;
mod measure;
mod protocol;
mod read_file;

pub use counting_alloc::{allocations, trace_allocations, CountingAlloc};
pub use measure::{add_bytes, add_ops, bytes, cpu_time, cpu_times, ops, Measured, Snapshot};
pub use protocol::{complete_requests, listen_addr, ready, HttpConn, HTTP_RESPONSE};
pub use read_file::{
    default_file, ensure_file, file_arg, open_flags, open_std, page_cache_file, prepare_file, AlignedBlock, Offsets,
    BLOCK, FILE_SIZE,
};

use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::Duration;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_carries_the_window() {
        let s = Snapshot::now();
        let m = s.finish(10);
        let r = Record::new("s", "v", "w").window(&m);
        assert!(r.as_str().starts_with("RESULT\tstack=s\tvariant=v\tworkload=w\tops=10\t"));
        assert!(r.as_str().contains("\tcpu_us_per_op="));
    }
}
