//! Reads many files concurrently through the ring, at most `--limit` at a
//! time (a `Semaphore`), each with a deadline: a file whose open or reads
//! take longer is given up, and its buffer comes back from the cancelled
//! read (`Op::with_deadline`).
//!
//! ```text
//! cargo run --release -p ring-core --example concurrent_reader -- [--limit N] [--deadline-ms MS] [PATH...]
//! ```
//! With no paths it reads every regular file directly in `/etc`. The
//! example's tests (`cargo test -p ring-core --example concurrent_reader`)
//! read generated files and a FIFO nobody writes to, which times out.

use ring_core::fs::File;
use ring_core::semaphore::Semaphore;
use ring_core::task::JoinSet;
use ring_core::time::{self, Timed};
use ring_core::{Driver, Runtime};
use std::cell::Cell;
use std::io;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// What happened to one file.
#[derive(Debug)]
enum Outcome {
    /// Read whole: this many bytes.
    Read(usize),
    /// Given up at the deadline.
    TimedOut,
    /// Failed (not found, no permission, ...).
    Failed(io::Error),
}

/// Reads `path` until end of file, giving up at `deadline`.
async fn read_one(d: &Driver, path: &PathBuf, deadline: Instant) -> Outcome {
    // Opening can block (a FIFO waits for a writer): the open gets the
    // deadline too. If it is dropped at the deadline and the open still
    // succeeds, the driver closes the new descriptor.
    let file = match time::timeout_at(deadline, File::open(d, path)).await {
        Ok(Ok(f)) => f,
        Ok(Err(e)) => return Outcome::Failed(e),
        Err(_) => return Outcome::TimedOut,
    };
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut total = 0;
    let outcome = loop {
        buf.clear();
        // The deadline is on the read itself: if it passes, the kernel
        // cancels the read and the buffer comes back either way.
        match file.read_at(buf, total as u64).with_deadline(deadline).await {
            Timed::Completed((Ok(0), _)) => break Outcome::Read(total),
            Timed::Completed((Ok(n), b)) => {
                total += n;
                buf = b;
            }
            Timed::Completed((Err(e), _)) => break Outcome::Failed(e),
            Timed::TimedOut((_, b)) => {
                debug_assert!(b.capacity() >= 64 * 1024, "the buffer came back");
                break Outcome::TimedOut;
            }
        }
    };
    if let Err(e) = file.close().await {
        return Outcome::Failed(e);
    }
    outcome
}

/// The outcome of each path (in the order given), and the most files that
/// were being read at once.
async fn read_all(d: &Driver, paths: Vec<PathBuf>, limit: usize, per_file: Duration) -> (Vec<Outcome>, usize) {
    let limit = Rc::new(Semaphore::new(limit));
    let running = Rc::new(Cell::new(0usize));
    let peak = Rc::new(Cell::new(0usize));
    let mut set = JoinSet::new();
    let n = paths.len();
    for (i, path) in paths.into_iter().enumerate() {
        // Waiting here is the backpressure: no more than `limit` readers
        // exist at once, however many paths there are.
        let permit = limit.acquire_owned().await.expect("the semaphore is never closed");
        let (d, running, peak) = (d.clone(), running.clone(), peak.clone());
        set.spawn(async move {
            let _permit = permit;
            running.set(running.get() + 1);
            peak.set(peak.get().max(running.get()));
            let deadline = Instant::now() + per_file;
            let outcome = read_one(&d, &path, deadline).await;
            running.set(running.get() - 1);
            (i, outcome)
        });
    }
    let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    while let Some(done) = set.join_next().await {
        let (i, outcome) = done.expect("a reader task panicked");
        outcomes[i] = Some(outcome);
    }
    (outcomes.into_iter().map(|o| o.expect("every task reported")).collect(), peak.get())
}

fn main() -> io::Result<()> {
    let mut limit = 8usize;
    let mut deadline_ms = 1000u64;
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--limit" => limit = args.next().and_then(|s| s.parse().ok()).expect("--limit N"),
            "--deadline-ms" => deadline_ms = args.next().and_then(|s| s.parse().ok()).expect("--deadline-ms MS"),
            p => paths.push(PathBuf::from(p)),
        }
    }
    if paths.is_empty() {
        for entry in std::fs::read_dir("/etc")? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                paths.push(entry.path());
            }
        }
    }
    let rt = Runtime::new(256)?;
    let d = rt.driver().clone();
    let start = Instant::now();
    let count = paths.len();
    let (outcomes, peak) = rt.block_on(read_all(&d, paths.clone(), limit, Duration::from_millis(deadline_ms)))?;
    let (mut bytes, mut read, mut timed_out, mut failed) = (0, 0, 0, 0);
    for (path, o) in paths.iter().zip(&outcomes) {
        match o {
            Outcome::Read(n) => {
                bytes += n;
                read += 1;
            }
            Outcome::TimedOut => {
                timed_out += 1;
                println!("{}: timed out", path.display());
            }
            Outcome::Failed(e) => {
                failed += 1;
                println!("{}: {e}", path.display());
            }
        }
    }
    println!(
        "{count} files in {:?}: {read} read ({bytes} bytes), {timed_out} timed out, {failed} failed; \
         at most {peak} at once (limit {limit})",
        start.elapsed()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twenty files and a FIFO that never gets data, read three at a time
    /// with a 200 ms deadline each: the files are read whole, the FIFO
    /// times out, and no more than three are ever read at once.
    #[test]
    fn reads_with_a_limit_and_gives_up_on_the_slow_one() {
        let dir = std::env::temp_dir().join(format!("ring-concurrent-reader-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut paths = Vec::new();
        for i in 0..20usize {
            let p = dir.join(format!("f{i}"));
            std::fs::write(&p, vec![i as u8; 1000 * (i + 1)]).unwrap();
            paths.push(p);
        }
        let fifo = dir.join("slow");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads the NUL-terminated path during the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // A writer that never writes: the reader's open succeeds, its reads
        // wait for data.
        let _writer = std::fs::OpenOptions::new().read(true).write(true).open(&fifo).unwrap();
        paths.insert(7, fifo);
        paths.push(dir.join("missing"));
        let rt = Runtime::new(64).unwrap();
        let d = rt.driver().clone();
        let (outcomes, peak) = rt.block_on(read_all(&d, paths, 3, Duration::from_millis(200))).unwrap();
        assert!((1..=3).contains(&peak), "peak {peak}");
        assert!(matches!(outcomes[7], Outcome::TimedOut), "{:?}", outcomes[7]);
        assert!(matches!(outcomes[21], Outcome::Failed(ref e) if e.kind() == io::ErrorKind::NotFound));
        for (i, o) in outcomes.iter().enumerate().filter(|(i, _)| *i != 7 && *i != 21) {
            let file = if i < 7 { i } else { i - 1 };
            assert!(matches!(o, Outcome::Read(n) if *n == 1000 * (file + 1)), "{i}: {o:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
