//! A tokio application that uses the ring, with no `unsafe` and no
//! strategy to pick: `ring_core::compat::tokio::drive` runs the driver as a
//! local task, and tokio tasks await ring operations (file reads, ring
//! timers, a read with a deadline) next to tokio's own timers.
//!
//! ```text
//! cargo run --release -p ring-core --features tokio --example tokio_bridge
//! ```
//! The example's tests (`cargo test -p ring-core --features tokio --example
//! tokio_bridge`) run the same application.

use ring_core::time::Timed;
use ring_core::Driver;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The application: four tasks each read `/proc/self/stat` through the
/// ring after a ring timer and a tokio timer; one read from a quiet socket
/// times out and gives its buffer back. Returns the bytes each task read.
async fn app(driver: &Driver) -> io::Result<Vec<usize>> {
    let mut tasks = Vec::new();
    for i in 0..4u64 {
        let d = driver.clone();
        tasks.push(tokio::task::spawn_local(async move {
            // A ring timer (a kernel timeout) next to a tokio one.
            ring_core::time::sleep(Duration::from_millis(10 * i)).await;
            tokio::time::sleep(Duration::from_millis(5)).await;
            let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
            let (n, buf) = d.read_at(&file, Vec::with_capacity(256), 0).await;
            let n = n?;
            assert!(buf.starts_with(std::process::id().to_string().as_bytes()), "read our own stat");
            Ok::<_, io::Error>(n)
        }));
    }
    let mut read = Vec::new();
    for t in tasks {
        read.push(t.await.map_err(io::Error::other)??);
    }
    // A read with a deadline on a socket nobody writes to.
    let (quiet, _peer) = std::os::unix::net::UnixStream::pair()?;
    let quiet = Rc::new(quiet);
    match driver.recv(&quiet, Vec::with_capacity(512), 0).with_timeout(Duration::from_millis(20)).await {
        Timed::TimedOut((_, buf)) => assert_eq!(buf.capacity(), 512, "the buffer came back"),
        Timed::Completed(_) => unreachable!("nobody writes"),
    }
    Ok(read)
}

fn main() -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // The driver is single-threaded (`!Send`): its users are local tasks.
    let local = tokio::task::LocalSet::new();
    let start = Instant::now();
    let read = local.block_on(&rt, async {
        let driver = Driver::new(64)?;
        // Spawned first, before the tasks that use the driver.
        let drive = tokio::task::spawn_local(ring_core::compat::tokio::drive(&driver));
        let read = app(&driver).await?;
        drive.abort();
        Ok::<_, io::Error>(read)
    })?;
    for (i, n) in read.iter().enumerate() {
        println!("task {i}: read {n} bytes of /proc/self/stat through the ring");
    }
    println!("four tokio tasks awaited ring-core operations in {:?}", start.elapsed());
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_application_runs_under_tokio() {
        super::main().unwrap();
    }
}
