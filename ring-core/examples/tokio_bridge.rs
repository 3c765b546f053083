//! Driving ring-core's `Driver` from a tokio current-thread runtime.
//!
//! The driver registers an eventfd with the ring; tokio watches it with
//! `AsyncFd`. A small bridge task waits for it to become readable, resets
//! it and calls `Driver::poll`, which dispatches completions and wakes the
//! tokio tasks whose ring-core operations finished. The ring uses the
//! `Immediate` strategy, so an operation is submitted as soon as a task
//! first polls it (nobody else would enter the kernel for it). tokio is a
//! dev-dependency of ring-core only, for this example.
//!
//! Run with `cargo run --release -p ring-core --example tokio_bridge`.

use ring_core::driver::Immediate;
use ring_core::{Builder, Driver};
use std::io;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::{Duration, Instant};
use tokio::io::unix::AsyncFd;

fn main() -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // The driver is single-threaded (`!Send`), so its users are local tasks.
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let driver = Driver::with_ring(Builder::new(64).build()?, Immediate);
        let eventfd = driver.register_eventfd()?;
        // SAFETY: `eventfd` is an `OwnedFd` that the `AsyncFd` owns from here on, so the descriptor stays open and
        // names the same eventfd for the `AsyncFd`'s whole life, and `OwnedFd::as_raw_fd` always returns that same
        // number.
        let efd = unsafe { AsyncFd::register(eventfd) }.map_err(io::Error::from)?;
        let d = driver.clone();
        let bridge = tokio::task::spawn_local(async move {
            loop {
                let mut guard = efd.readable().await?;
                let mut v = 0u64;
                // SAFETY: reads 8 bytes into a live u64, which resets the
                // eventfd; a spurious wake-up just finds it empty (EAGAIN).
                unsafe { libc::read(efd.as_raw_fd(), (&raw mut v).cast(), 8) };
                guard.clear_ready();
                d.poll()?;
            }
            #[allow(unreachable_code)]
            Ok::<(), io::Error>(())
        });

        let start = Instant::now();
        let mut tasks = Vec::new();
        for i in 0..4u64 {
            let d = driver.clone();
            tasks.push(tokio::task::spawn_local(async move {
                // A ring-core timer (a kernel timeout) next to a tokio one.
                d.sleep(Duration::from_millis(10 * i)).await?;
                tokio::time::sleep(Duration::from_millis(5)).await;
                let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
                let (n, buf) = d.read_at(&file, Vec::with_capacity(256), 0).await;
                let n = n?;
                assert!(n > 0 && buf.starts_with(std::process::id().to_string().as_bytes()), "read our own stat");
                Ok::<_, io::Error>((i, n))
            }));
        }
        for t in tasks {
            let (i, n) = tokio::time::timeout(Duration::from_secs(5), t)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "a ring-core operation never completed"))?
                .map_err(io::Error::other)??;
            println!("task {i}: read {n} bytes of /proc/self/stat through the ring");
        }
        println!("four tokio tasks awaited ring-core operations in {:?}", start.elapsed());
        bridge.abort();
        Ok(())
    })
}
