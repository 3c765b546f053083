//! openvmm's `pal_async` shape: code written against an object-safe
//! driver (`&dyn DynDriver` here, `Arc<dyn SendDriver>` from other
//! threads), with reusable timer, readiness and wait objects.
//!
//! A small event loop: a periodic tick from one timer reset each time, a
//! wait object consuming an eventfd's signals sent by another thread, and
//! a socket's readiness polled again and again.
//!
//! Run with `cargo run -p ring-core --example dyn_driver`.

use ring_core::dyn_driver::{DynDriver, SendDriver};
use ring_core::{Runtime, SharedFd};
use std::future::poll_fn;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

async fn event_loop(driver: &dyn DynDriver, efd: Arc<OwnedFd>, sock: Rc<UnixStream>) -> std::io::Result<()> {
    let mut tick = driver.new_timer();
    let mut signals = driver.new_wait(SharedFd::from(efd), 8)?;
    let mut readable = driver.new_socket_ready(SharedFd::from(sock.clone()))?;
    let (mut ticks, mut signalled, mut received) = (0, 0, Vec::new());
    let mut next = Instant::now() + Duration::from_millis(2);
    // Signals to an eventfd add up, so two close together may be consumed
    // by one read; the bytes on the socket are what the loop counts.
    while received.len() < 6 {
        // One loop turn: whichever object is ready first.
        poll_fn(|cx| {
            let mut any = false;
            if tick.poll_timer(cx, Some(next)).is_ready() {
                ticks += 1;
                next += Duration::from_millis(2);
                any = true;
            }
            if let Poll::Ready(r) = signals.poll_wait(cx) {
                r?;
                signalled += 1;
                any = true;
            }
            if let Poll::Ready(ev) = readable.poll_socket_ready(cx, libc::POLLIN as u32) {
                ev?;
                let mut buf = [0u8; 16];
                match (&*sock).read(&mut buf) {
                    Ok(n) => received.extend_from_slice(&buf[..n]),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        readable.clear_socket_ready(libc::POLLIN as u32)
                    }
                    Err(e) => return Poll::Ready(Err(e)),
                }
                any = true;
            }
            if any {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await?;
    }
    println!("{ticks} ticks, {signalled} signals, received {:?}", String::from_utf8_lossy(&received));
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = Runtime::new(32)?;
    // SAFETY: eventfd has no memory effects; the result is checked.
    let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    if raw < 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    // SAFETY: a fresh descriptor nothing else owns.
    let efd = Arc::new(unsafe { OwnedFd::from_raw_fd(raw) });
    let (a, b) = UnixStream::pair()?;
    a.set_nonblocking(true)?;

    // Another thread signals the eventfd, and uses the Send form of the
    // driver (through the runtime's handle) to time its signals.
    let remote: Arc<dyn SendDriver> = Arc::new(rt.handle());
    let efd2 = efd.clone();
    let signaller = std::thread::spawn(move || -> std::io::Result<()> {
        let mut timer = remote.new_timer();
        for _ in 0..3 {
            let at = Instant::now() + Duration::from_millis(3);
            // A busy wait keeps the example free of an executor for this
            // thread; the timer itself runs on the runtime's ring.
            let waker = std::task::Waker::noop();
            while timer.poll_timer(&mut std::task::Context::from_waker(waker), Some(at)).is_pending() {
                std::thread::sleep(Duration::from_millis(1));
            }
            std::fs::File::from(efd2.try_clone()?).write_all(&1u64.to_ne_bytes())?;
            (&b).write_all(b"ab")?;
        }
        Ok(())
    });
    let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    rt.block_on(event_loop(&*driver, efd, Rc::new(a)))??;
    signaller.join().map_err(|_| "the signalling thread panicked")??;
    Ok(())
}
