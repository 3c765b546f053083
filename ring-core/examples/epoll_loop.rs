//! Driving the ring from an external event loop (here: a bare `epoll`).
//!
//! The driver registers an eventfd with the ring
//! (`IORING_REGISTER_EVENTFD`); the kernel signals it whenever a completion
//! is posted. The loop waits on epoll, and when the eventfd is readable it
//! resets it and calls `Driver::poll`, which dispatches completions and wakes
//! whatever wakers the operations were polled with. tokio integrates the same
//! way through `AsyncFd` on that descriptor.
//!
//! Run with `cargo run -p ring-core --example epoll_loop`.

use ring_core::{Driver, SharedFd};
use std::future::Future;
use std::os::fd::AsRawFd;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn main() -> std::io::Result<()> {
    let driver = Driver::new(32)?;
    let efd = driver.register_eventfd()?;
    // SAFETY: epoll_create1 has no memory effects.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 1 };
    // SAFETY: registers a live descriptor with a valid event structure.
    unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, efd.as_raw_fd(), &mut ev) };

    // Two operations, polled with our own waker (not the ring-core executor's).
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let d = driver.clone();
    let mut work = pin!(async move {
        d.sleep(Duration::from_millis(20)).await?;
        let (r, buf) =
            d.read_at(&SharedFd::new(std::fs::File::open("/proc/self/stat")?), Vec::with_capacity(64), 0).await;
        Ok::<_, std::io::Error>((r?, buf))
    });
    let mut rounds = 0;
    loop {
        if flag.0.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(r) = work.as_mut().poll(&mut cx) {
                let (n, buf) = r?;
                println!("done after {rounds} epoll rounds: read {n} bytes: {}", String::from_utf8_lossy(&buf[..20]));
                break;
            }
        }
        // Hand what the futures wrote to the kernel, then wait in epoll.
        driver.poll()?;
        let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
        // SAFETY: epoll_wait writes at most 4 events into the array.
        let n = unsafe { libc::epoll_wait(ep, out.as_mut_ptr(), 4, 1000) };
        if n > 0 {
            let mut v = 0u64;
            // SAFETY: reads 8 bytes into a live u64 (resets the eventfd).
            unsafe { libc::read(efd.as_raw_fd(), (&raw mut v).cast(), 8) };
            driver.poll()?;
        }
        rounds += 1;
    }
    // SAFETY: closes the epoll descriptor we created.
    unsafe { libc::close(ep) };
    Ok(())
}
