//! The servers' control channel: standard input.
//!
//! The comparison script starts a server, waits for its `READY` line,
//! starts the load generator, and writes `start` to the server's standard
//! input when the load's warm-up is over and `stop` when its measured
//! window ends. The control thread snapshots the process's counters at
//! each ([`Snapshot`]) and prints the window's `RESULT` line at `stop`.
//! End of input (the script closed the pipe or died) ends the process, and
//! so does `--max-seconds` (default 600), so that a server left behind
//! stops by itself.
//!
//! The thread reads with `read(2)` into a buffer on its stack, so that
//! nothing it does between two snapshots allocates: the allocation counts
//! are the server's own.

use crate::measure::Snapshot;
use crate::{Args, Record};
use std::time::{Duration, Instant};

/// Starts the control thread. `record` names the stack, variant and
/// workload; the window's figures are appended at each `stop`.
pub fn spawn(record: Record, args: &Args) {
    let max = args.secs("--max-seconds", 600.0);
    std::thread::Builder::new()
        .name("bench-control".into())
        .spawn(move || run(record, max))
        .expect("spawn the control thread");
}

fn run(record: Record, max: Duration) {
    let deadline = Instant::now() + max;
    let mut start: Option<Snapshot> = None;
    let mut buf = [0u8; 256];
    let mut used = 0usize;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            eprintln!("bench-control: --max-seconds reached, exiting");
            std::process::exit(0);
        }
        let mut pfd = libc::pollfd { fd: 0, events: libc::POLLIN, revents: 0 };
        let ms = left.as_millis().min(1000) as i32;
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, ms) };
        if n <= 0 {
            continue;
        }
        if used == buf.len() {
            used = 0;
        }
        // SAFETY: the destination is the unused tail of `buf`, valid for
        // writes of its length.
        let r = unsafe { libc::read(0, buf[used..].as_mut_ptr().cast(), buf.len() - used) };
        if r <= 0 {
            std::process::exit(0);
        }
        used += r as usize;
        while let Some(nl) = buf[..used].iter().position(|&b| b == b'\n') {
            let now = Snapshot::now();
            match &buf[..nl] {
                b"start" => start = Some(now),
                b"stop" => {
                    if let Some(s) = start.take() {
                        let m = s.to(&now);
                        record.clone().window(&m).field("bytes", m.bytes).print();
                    }
                }
                b"exit" => std::process::exit(0),
                _ => {}
            }
            buf.copy_within(nl + 1..used, 0);
            used -= nl + 1;
        }
    }
}
