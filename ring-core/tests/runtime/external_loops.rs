//! Driving a ring from other event loops: `ExternalLoop` (fd + turn) from
//! a plain epoll loop, `compat::tokio::drive` (feature `tokio`), and the
//! note printed when an operation starts on a driver nothing drives.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::compat::ExternalLoop;
use ring_core::Driver;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Waits until `fd` is readable (poll(2)), at most `ms` milliseconds.
fn readable(fd: i32, ms: i32) -> bool {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd for the duration of the call.
    unsafe { libc::poll(&mut p, 1, ms) == 1 }
}

/// Under the default `Batch` strategy an operation polled by a foreign
/// executor reaches the kernel at once while an external loop exists: its
/// completion makes the loop's descriptor readable with no turn before.
#[test]
fn an_external_loop_submits_at_once_and_its_fd_signals_completions() {
    let d = Driver::new(16).unwrap();
    let ext = ExternalLoop::new(&d).unwrap();
    let mut nop = pin!(d.nop());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(nop.as_mut().poll(&mut cx).is_pending());
    assert!(readable(ext.fd().as_raw_fd(), 5000), "the completion signalled the eventfd");
    ext.turn().unwrap();
    assert!(matches!(nop.as_mut().poll(&mut cx), Poll::Ready(Ok(()))));
    // Reset by the turn: not readable until the next completion.
    assert!(!readable(ext.fd().as_raw_fd(), 0));
}

#[test]
fn a_second_external_loop_on_one_driver_is_refused_and_dropping_one_frees_the_place() {
    let d = Driver::new(8).unwrap();
    let first = ExternalLoop::new(&d).unwrap();
    let e = ExternalLoop::new(&d).unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EBUSY), "{e}");
    drop(first);
    let again = ExternalLoop::new(&d).unwrap();
    assert_eq!(again.driver().ring_id(), d.ring_id());
}

/// The epoll loop of the guide: futures polled with the loop's own waker,
/// timers from `ring_core::time` (the loop's driver is the thread's
/// current one), no `unsafe` beyond the epoll calls themselves.
#[test]
fn an_epoll_loop_drives_operations_and_timers() {
    let d = Driver::new(32).unwrap();
    let ext = ExternalLoop::new(&d).unwrap();
    // SAFETY: epoll_create1 has no memory effects.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0);
    let mut ev = libc::epoll_event { events: libc::EPOLLIN as u32, u64: 7 };
    // SAFETY: registers a live descriptor with a valid event.
    assert_eq!(unsafe { libc::epoll_ctl(ep, libc::EPOLL_CTL_ADD, ext.fd().as_raw_fd(), &mut ev) }, 0);
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let d2 = d.clone();
    let start = Instant::now();
    let mut work = pin!(async move {
        ring_core::time::sleep(Duration::from_millis(20)).await;
        let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
        let (n, buf) = d2.read_at(&file, Vec::with_capacity(64), 0).await;
        Ok::<_, std::io::Error>((n?, buf))
    });
    let (n, buf) = loop {
        if flag.0.swap(false, Ordering::SeqCst) {
            if let Poll::Ready(r) = work.as_mut().poll(&mut cx) {
                break r.unwrap();
            }
        }
        let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
        // SAFETY: writes at most 4 events into the array.
        let n = unsafe { libc::epoll_wait(ep, out.as_mut_ptr(), 4, 5000) };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            assert_eq!(e.kind(), std::io::ErrorKind::Interrupted, "{e}");
            continue;
        }
        if n > 0 {
            assert_eq!({ out[0].u64 }, 7);
            ext.turn().unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "the loop made no progress");
    };
    assert!(n > 0 && buf.starts_with(std::process::id().to_string().as_bytes()));
    assert!(start.elapsed() >= Duration::from_millis(20));
    // SAFETY: closes the epoll descriptor made above.
    unsafe { libc::close(ep) };
}

const NOTE: &str = "ring_core: an operation was started on a driver that nothing drives";

/// Runs this test binary again with only test `name` of this module, and
/// returns its standard error.
fn child_stderr(name: &str) -> String {
    let out = crate::support::child(&format!("external_loops::{name}"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

use crate::support::in_child;

/// An operation polled under a foreign executor on a driver nothing
/// drives prints the note once (once per process, not per operation).
#[test]
fn undriven_child_an_operation_on_an_undriven_driver() {
    if !in_child() {
        return;
    }
    let d = Driver::new(8).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..3 {
        let mut nop = pin!(d.nop());
        assert!(nop.as_mut().poll(&mut cx).is_pending());
    }
}

/// The same under a runtime, after a turn, and with an external loop:
/// silent.
#[test]
fn undriven_child_operations_on_driven_drivers() {
    if !in_child() {
        return;
    }
    let rt = ring_core::Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move { d.nop().await.unwrap() }).unwrap();
    let d = Driver::new(8).unwrap();
    d.poll().unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(pin!(d.nop()).as_mut().poll(&mut cx).is_pending());
    let d = Driver::new(8).unwrap();
    let _ext = ExternalLoop::new(&d).unwrap();
    assert!(pin!(d.nop()).as_mut().poll(&mut cx).is_pending());
}

#[test]
fn an_operation_nothing_drives_is_noted_once_on_stderr() {
    if in_child() {
        return;
    }
    let noted = child_stderr("undriven_child_an_operation_on_an_undriven_driver");
    assert_eq!(noted.matches(NOTE).count(), 1, "{noted}");
    assert!(noted.contains("ring_core::guide::tokio"), "the note says what to do: {noted}");
    let silent = child_stderr("undriven_child_operations_on_driven_drivers");
    assert!(!silent.contains(NOTE), "{silent}");
}

#[cfg(feature = "tokio")]
mod tokio_drive {
    use super::*;

    /// Operations and ring timers awaited by tokio tasks complete while
    /// `drive` runs, with tokio timers next to them; no `unsafe`.
    #[test]
    fn tokio_tasks_await_ring_operations_while_drive_runs() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let local = tokio::task::LocalSet::new();
        local.block_on(&rt, async {
            let driver = Driver::new(64).unwrap();
            let drive = tokio::task::spawn_local(ring_core::compat::tokio::drive(&driver));
            let mut tasks = Vec::new();
            for i in 0..4u64 {
                let d = driver.clone();
                tasks.push(tokio::task::spawn_local(async move {
                    ring_core::time::sleep(Duration::from_millis(5 * i)).await;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    let file = Rc::new(std::fs::File::open("/proc/self/stat").unwrap());
                    let (n, _) = d.read_at(&file, Vec::with_capacity(256), 0).await;
                    n.unwrap()
                }));
            }
            for t in tasks {
                let n = tokio::time::timeout(Duration::from_secs(10), t).await.expect("completed").unwrap();
                assert!(n > 0);
            }
            // The deadline of an operation works under tokio too.
            let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
            let a = Rc::new(a);
            let out = driver.recv(&a, Vec::with_capacity(10), 0).with_timeout(Duration::from_millis(10)).await;
            assert!(out.timed_out());
            // Shut down, the driver is no longer driven: `drive` ends.
            driver.shutdown();
            tokio::time::timeout(Duration::from_secs(10), drive).await.unwrap().unwrap().unwrap();
        });
    }

    #[test]
    fn drive_outside_a_tokio_runtime_is_an_error_not_a_panic() {
        let d = Driver::new(8).unwrap();
        let mut f = pin!(ring_core::compat::tokio::drive(&d));
        let mut cx = Context::from_waker(Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(Err(e)) => assert!(e.to_string().contains("tokio runtime"), "{e}"),
            other => panic!("{other:?}"),
        }
        // A runtime without I/O: an error too.
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let d = Driver::new(8).unwrap();
        let r = rt.block_on(ring_core::compat::tokio::drive(&d));
        assert!(r.unwrap_err().to_string().contains("enable_io"));
    }
}
