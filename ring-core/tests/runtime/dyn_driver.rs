//! The object-safe driver (openvmm's `pal_async` shape): reusable timer,
//! readiness and wait objects, probe and raw submission, through
//! `Box<dyn DynDriver>` on the driver's thread and `Arc<dyn SendDriver>`
//! from other threads.

// The test's own flags are std atomics; the library's go through its sync module.
#![allow(clippy::disallowed_types)]

use ring_core::dyn_driver::{DynDriver, SendDriver, SendFd, MAX_WAIT_READ};
use ring_core::{Runtime, SharedFd};
use std::future::{poll_fn, Future};
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

const IN: u32 = libc::POLLIN as u32;
const OUT: u32 = libc::POLLOUT as u32;

fn poll_once<T>(f: impl FnOnce(&mut Context<'_>) -> Poll<T>) -> Poll<T> {
    f(&mut Context::from_waker(Waker::noop()))
}

fn eventfd() -> OwnedFd {
    // SAFETY: eventfd has no memory effects; the result is checked.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: a fresh descriptor nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn signal(fd: &OwnedFd) {
    let one = 1u64.to_ne_bytes();
    assert_eq!(std::fs::File::from(fd.try_clone().unwrap()).write(&one).unwrap(), 8);
}

#[test]
fn one_timer_is_reset_and_fires_again_and_again() {
    let rt = Runtime::new(16).unwrap();
    let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    rt.block_on(async {
        let mut timer = driver.new_timer();
        assert!(poll_once(|cx| timer.poll_timer(cx, None)).is_pending(), "no deadline: never ready");
        // A far deadline armed, then brought forward: the near one fires.
        timer.set_deadline(Instant::now() + Duration::from_secs(8));
        assert!(poll_once(|cx| timer.poll_timer(cx, None)).is_pending());
        let start = Instant::now();
        let near = start + Duration::from_millis(5);
        let fired = poll_fn(|cx| timer.poll_timer(cx, Some(near))).await;
        assert!(fired >= near);
        assert!(start.elapsed() < Duration::from_secs(6), "the earlier deadline did not replace the armed one");
        // Fired, it stays ready for that deadline, and is reused for the next.
        assert!(poll_once(|cx| timer.poll_timer(cx, None)).is_ready());
        let next = Instant::now() + Duration::from_millis(2);
        assert!(poll_fn(|cx| timer.poll_timer(cx, Some(next))).await >= next);
        // A deadline pushed later while armed: nothing fires early.
        timer.set_deadline(Instant::now() + Duration::from_millis(1));
        assert!(poll_once(|cx| timer.poll_timer(cx, None)).is_pending());
        let later = Instant::now() + Duration::from_millis(20);
        assert!(poll_fn(|cx| timer.poll_timer(cx, Some(later))).await >= later);
    })
    .unwrap();
}

#[test]
fn readiness_is_kept_until_cleared_and_polled_again() {
    let rt = Runtime::new(16).unwrap();
    let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    rt.block_on(async {
        let mut fd = driver.new_fd_ready(SharedFd::from(a.clone())).unwrap();
        assert!(poll_once(|cx| fd.poll_fd_ready(cx, IN)).is_pending());
        (&b).write_all(b"x").unwrap();
        let ev = poll_fn(|cx| fd.poll_fd_ready(cx, IN)).await.unwrap();
        assert!(ev & IN != 0);
        // Still ready: nothing was cleared.
        assert!(poll_once(|cx| fd.poll_fd_ready(cx, IN)).is_ready());
        let mut one = [0u8; 1];
        (&*a).read_exact(&mut one).unwrap();
        fd.clear_fd_ready(IN);
        assert!(poll_once(|cx| fd.poll_fd_ready(cx, IN)).is_pending());
        (&b).write_all(b"y").unwrap();
        assert!(poll_fn(|cx| fd.poll_fd_ready(cx, IN)).await.unwrap() & IN != 0);

        let mut sock = driver.new_socket_ready(SharedFd::from(a.clone())).unwrap();
        assert!(poll_fn(|cx| sock.poll_socket_ready(cx, OUT)).await.unwrap() & OUT != 0);
        sock.clear_socket_ready(OUT);
    })
    .unwrap();
    // A readiness object dropped while its poll is armed: the operation
    // is orphaned and cancelled, and lets go of the descriptor at its end.
    let (c, _d) = UnixStream::pair().unwrap();
    let c = Rc::new(c);
    rt.block_on(async {
        let mut fd = driver.new_fd_ready(SharedFd::from(c.clone())).unwrap();
        assert!(poll_once(|cx| fd.poll_fd_ready(cx, IN)).is_pending());
    })
    .unwrap();
    let start = Instant::now();
    while Rc::strong_count(&c) > 1 {
        rt.block_on(ring_core::time::sleep(Duration::from_millis(1))).unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn a_wait_consumes_each_signal_once_and_a_cancel_loses_none() {
    let rt = Runtime::new(16).unwrap();
    let driver: Box<dyn DynDriver> = Box::new(rt.driver().clone());
    let (r, w) = UnixStream::pair().unwrap();
    rt.block_on(async {
        let mut wait = driver.new_wait(SharedFd::new(r), 1).unwrap();
        (&w).write_all(b"abc").unwrap();
        for _ in 0..3 {
            poll_fn(|cx| wait.poll_wait(cx)).await.unwrap();
        }
        assert!(poll_once(|cx| wait.poll_wait(cx)).is_pending(), "three signals, three waits");
        assert!(!poll_fn(|cx| wait.poll_cancel_wait(cx)).await, "nothing to consume");
        (&w).write_all(b"d").unwrap();
        poll_fn(|cx| wait.poll_wait(cx)).await.unwrap();
        // An eventfd: 8-byte reads of its counter.
        let efd = Arc::new(eventfd());
        let mut ev = driver.new_wait(SharedFd::from(efd.clone()), 8).unwrap();
        signal(&efd);
        poll_fn(|cx| ev.poll_wait(cx)).await.unwrap();
        assert!(poll_once(|cx| ev.poll_wait(cx)).is_pending());
        signal(&efd);
        // Cancelled after the signal arrived: the read may have taken it;
        // if so, the cancel says so, otherwise the next wait gets it.
        if !poll_fn(|cx| ev.poll_cancel_wait(cx)).await {
            poll_fn(|cx| ev.poll_wait(cx)).await.unwrap();
        }
    })
    .unwrap();
    let (x, _y) = UnixStream::pair().unwrap();
    let x = SharedFd::new(x);
    for bad in [0, MAX_WAIT_READ + 1, usize::MAX] {
        assert!(driver.new_wait(x.clone(), bad).is_err(), "{bad}");
    }
}

#[test]
fn probe_and_raw_submission_through_the_trait_object() {
    let rt = Runtime::new(8).unwrap();
    let driver: Rc<dyn DynDriver> = Rc::new(rt.driver().clone());
    assert!(driver.probe(ring_sys::IORING_OP_NOP));
    assert!(!driver.probe(u8::MAX), "no kernel has opcode 255");
    let mut sqe = ring_sys::io_uring_sqe::default();
    sqe.opcode = ring_sys::IORING_OP_NOP;
    // SAFETY: a NOP touches no memory and posts one completion.
    assert_eq!(rt.block_on(unsafe { driver.submit(sqe) }).unwrap().unwrap(), 0);
    // A bad descriptor: the kernel's error, as an io::Error.
    let mut sqe = ring_sys::io_uring_sqe::default();
    sqe.opcode = ring_sys::IORING_OP_FSYNC;
    sqe.fd = -1;
    // SAFETY: an fsync touches no memory and posts one completion.
    let e = rt.block_on(unsafe { driver.submit(sqe) }).unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EBADF));
}

/// A minimal executor for a thread that has no runtime.
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

#[test]
fn the_send_form_works_from_another_thread() {
    let rt = Runtime::new(32).unwrap();
    let driver: Arc<dyn SendDriver> = Arc::new(rt.handle());
    let done = Arc::new(AtomicBool::new(false));
    let (done2, driver2) = (done.clone(), driver.clone());
    let worker = std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            block_on(async {
                let d = &driver2;
                assert!(d.probe(ring_sys::IORING_OP_NOP));
                let mut timer = d.new_timer();
                let at = Instant::now() + Duration::from_millis(5);
                assert!(poll_fn(|cx| timer.poll_timer(cx, Some(at))).await >= at);
                // Reset and reused.
                let at = Instant::now() + Duration::from_millis(2);
                assert!(poll_fn(|cx| timer.poll_timer(cx, Some(at))).await >= at);

                let (a, b) = UnixStream::pair().unwrap();
                let a: SendFd = Arc::new(a);
                let mut ready = d.new_socket_ready(a.clone()).unwrap();
                (&b).write_all(b"z").unwrap();
                assert!(poll_fn(|cx| ready.poll_socket_ready(cx, IN)).await.unwrap() & IN != 0);

                let efd = Arc::new(eventfd());
                let mut wait = d.new_wait(efd.clone(), 8).unwrap();
                signal(&efd);
                poll_fn(|cx| wait.poll_wait(cx)).await.unwrap();
                // A pending wait cancelled from this thread: nothing consumed.
                let mut wait2 = d.new_wait(efd.clone(), 8).unwrap();
                assert!(poll_once(|cx| wait2.poll_wait(cx)).is_pending());
                assert!(!poll_fn(|cx| wait2.poll_cancel_wait(cx)).await);

                let mut sqe = ring_sys::io_uring_sqe::default();
                sqe.opcode = ring_sys::IORING_OP_NOP;
                // SAFETY: a NOP touches no memory and posts one completion.
                assert_eq!(unsafe { d.submit(sqe) }.await.unwrap(), 0);

                // A readiness object dropped while armed: its task on the
                // runtime stops and lets go of the descriptor.
                let (c, _keep) = UnixStream::pair().unwrap();
                let c: SendFd = Arc::new(c);
                let mut r = d.new_fd_ready(c.clone()).unwrap();
                assert!(poll_once(|cx| r.poll_fd_ready(cx, IN)).is_pending());
                drop(r);
                let start = Instant::now();
                while Arc::strong_count(&c) > 1 {
                    std::thread::sleep(Duration::from_millis(1));
                    assert!(start.elapsed() < Duration::from_secs(10), "the dropped object's task kept the descriptor");
                }
            })
        }));
        done2.store(true, Ordering::SeqCst);
        out
    });
    rt.block_on(async {
        while !done.load(Ordering::SeqCst) {
            ring_core::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .unwrap();
    if let Err(p) = worker.join().unwrap() {
        std::panic::resume_unwind(p);
    }
    // Objects made after the runtime is gone fail, they do not hang.
    drop(rt);
    let mut timer = driver.new_timer();
    assert!(poll_once(|cx| timer.poll_timer(cx, Some(Instant::now() + Duration::from_secs(1)))).is_pending());
}
