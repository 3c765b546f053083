//! Driving the ring from a plain `epoll` loop: the loop waits on the
//! descriptor of a `compat::ExternalLoop` next to its own, and calls
//! `turn()` when it is readable; futures using the ring are polled with the
//! loop's own waker. The ring side needs no `unsafe` (no eventfd to read by
//! hand, no strategy to pick); the only `unsafe` here is the loop's own
//! epoll calls (`mod epoll`), which an existing loop already has.
//!
//! ```text
//! cargo run -p ring-core --example epoll_loop
//! ```
//! The example's tests (`cargo test -p ring-core --example epoll_loop`) run
//! the same loop.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::compat::ExternalLoop;
use ring_core::Driver;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The loop's own epoll wrapper (what an existing event loop already has).
mod epoll {
    use std::io;
    use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

    pub struct Epoll(OwnedFd);

    impl Epoll {
        pub fn new() -> io::Result<Self> {
            // SAFETY: epoll_create1 has no memory effects; a negative result is an error.
            let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
            if fd < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: a fresh descriptor nothing else owns.
            Ok(Epoll(unsafe { OwnedFd::from_raw_fd(fd) }))
        }

        /// Watches `fd` for reading, reporting `token`.
        pub fn add(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
            let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: token };
            // SAFETY: a live descriptor and a valid event, read during the call.
            if unsafe { libc::epoll_ctl(self.0.as_raw_fd(), libc::EPOLL_CTL_ADD, fd.as_raw_fd(), &mut ev) } < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        }

        /// Waits up to `ms` and returns the tokens that are ready.
        pub fn wait(&self, ms: i32) -> io::Result<Vec<u64>> {
            let mut out = [libc::epoll_event { events: 0, u64: 0 }; 8];
            // SAFETY: epoll_wait writes at most 8 events into the array.
            let n = unsafe { libc::epoll_wait(self.0.as_raw_fd(), out.as_mut_ptr(), 8, ms) };
            if n < 0 {
                let e = io::Error::last_os_error();
                return if e.kind() == io::ErrorKind::Interrupted { Ok(Vec::new()) } else { Err(e) };
            }
            Ok(out[..n as usize].iter().map(|e| e.u64).collect())
        }
    }
}

/// Wakes the loop's future by setting a flag.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

const RING: u64 = 1;

/// Runs `work` on an epoll loop that drives `driver`; returns its output
/// and how many times the loop woke up.
fn run<F: Future>(driver: &Driver, work: F) -> io::Result<(F::Output, usize)> {
    let ring = ExternalLoop::new(driver)?;
    let ep = epoll::Epoll::new()?;
    ep.add(ring.fd(), RING)?;
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut work = pin!(work);
    let mut rounds = 0;
    loop {
        if flag.0.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(out) = work.as_mut().poll(&mut cx) {
                return Ok((out, rounds));
            }
        }
        for token in ep.wait(1000)? {
            if token == RING {
                // Reap the completions and wake their futures.
                ring.turn()?;
            }
        }
        rounds += 1;
    }
}

fn main() -> io::Result<()> {
    let driver = Driver::new(32)?;
    let d = driver.clone();
    let work = async move {
        // `ring_core::time` uses the loop's driver (the thread's current
        // one while the `ExternalLoop` exists).
        ring_core::time::sleep(Duration::from_millis(20)).await;
        let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
        let (n, buf) = d.read_at(&file, Vec::with_capacity(64), 0).await;
        Ok::<_, io::Error>((n?, buf))
    };
    let (out, rounds) = run(&driver, work)?;
    let (n, buf) = out?;
    println!(
        "done after {rounds} epoll rounds: read {n} bytes: {}",
        String::from_utf8_lossy(&buf[..20.min(buf.len())])
    );
    // The loop's descriptor is an ordinary one: it can be registered with
    // any other loop (`AsFd`).
    let _ = ExternalLoop::new(&driver)?.as_fd().as_raw_fd();
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_loop_drives_the_ring() {
        super::main().unwrap();
    }
}
