//! What a run measured: the process's and its threads' CPU time, and the
//! operations per second over a window.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// CPU time (user and system) this process has used so far.
pub fn cpu_time() -> Duration {
    // SAFETY: an all-zero rusage is a valid value for the call to overwrite.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is writable, and RUSAGE_SELF names this process.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU seconds (user and system) used so far by this process's threads
/// whose names start with "ring-core" (the cores, and any blocking-pool
/// thread), and by those whose names start with "pcs-client".
pub fn thread_cpu() -> (f64, f64) {
    // SAFETY: sysconf only reads a configuration value.
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let (mut server, mut client) = (0u64, 0u64);
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return (0.0, 0.0) };
    for task in dir.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        // "tid (comm) state ...": the name may hold spaces, so the fields
        // are counted from the last ')'; utime and stime are fields 14 and
        // 15, the 12th and 13th after the name.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        let t = ticks(11) + ticks(12);
        if name.starts_with("ring-core") {
            server += t;
        } else if name.starts_with("pcs-client") {
            client += t;
        }
    }
    (server as f64 / tick, client as f64 / tick)
}

/// What one run measured: operations per second of wall time, and the CPU
/// seconds per wall second the process got (how many CPUs it actually had,
/// on a machine other work also uses), the core threads got, and the
/// client threads got.
pub struct Rate {
    pub per_sec: f64,
    pub cpus: f64,
    pub server: f64,
    pub client: f64,
}

pub fn window(done: &AtomicU64, secs: u64) -> Rate {
    std::thread::sleep(Duration::from_millis(300));
    let start_count = done.load(Ordering::Relaxed);
    let start_cpu = cpu_time();
    let (start_server, start_client) = thread_cpu();
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    let count = done.load(Ordering::Relaxed) - start_count;
    let cpu = (cpu_time() - start_cpu).as_secs_f64();
    let (server, client) = thread_cpu();
    let elapsed = start.elapsed().as_secs_f64();
    Rate {
        per_sec: count as f64 / elapsed,
        cpus: cpu / elapsed,
        server: (server - start_server) / elapsed,
        client: (client - start_client) / elapsed,
    }
}
