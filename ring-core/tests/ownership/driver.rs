//! The driver against this machine's kernel: file I/O and timers,
//! multishot streams, work handed over from other threads, zero-copy sends,
//! orphans and stale generations, and foreign code run from the driver.
//! Cancellation, chains, what the driver admits, and the ways it enters
//! the kernel are in the child modules.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]
use std::future::Future;

use ring_core::buf::{Region, SharedRegion};
use ring_core::{Cancelled, Runtime};
use std::cell::Cell;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::caps;
use crate::support;
use support::*;

mod cancellation;
mod chains;
mod drives;
mod limits;

#[test]
fn write_then_read_a_file() {
    let rt = Runtime::new(32).unwrap();
    let (path, file) = temp_file("rw");
    let file = Rc::new(file);
    let d = rt.driver().clone();
    let out = rt
        .block_on(async move {
            let (n, _) = d.write_at(&file, b"hello ring".to_vec(), 0).await;
            assert_eq!(n.unwrap(), 10);
            d.fsync(&file).await.unwrap();
            let (n, buf) = d.read_at(&file, Vec::with_capacity(64), 0).await;
            assert_eq!(n.unwrap(), 10);
            buf
        })
        .unwrap();
    assert_eq!(out, b"hello ring");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn sleep_is_a_ring_timeout() {
    let rt = Runtime::new(8).unwrap();
    let start = Instant::now();
    let fired = rt.block_on(rt.driver().sleep(Duration::from_millis(30))).unwrap().unwrap();
    assert!(fired);
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[test]
fn multishot_timeout_ticks_then_ends() {
    if !caps::multishot_timeouts("multishot_timeout_ticks_then_ends") {
        return;
    }
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let n = rt
        .block_on(async {
            let mut ticks = d.ticks(Duration::from_millis(2), 3);
            let mut n = 0;
            while let Some(t) = ticks.next().await {
                t.unwrap();
                n += 1;
            }
            n
        })
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn multishot_poll_sees_several_events() {
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    let d = rt.driver().clone();
    let n = rt
        .block_on(async {
            let mut events = d.poll_multishot(&r, libc::POLLIN as u32);
            let mut n = 0;
            let mut buf = [0u8; 8];
            for _ in 0..3 {
                write_all(&w, b"x");
                let ev = events.next().await.unwrap().unwrap();
                assert!(ev & libc::POLLIN as u32 != 0);
                // SAFETY: reads into a live stack array.
                unsafe { libc::read(r.as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
                n += 1;
            }
            events.cancel();
            while events.next().await.is_some() {}
            n
        })
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn several_threads_hand_work_to_the_ring_thread() {
    let rt = Runtime::new(64).unwrap();
    let handle = rt.handle();
    let (path, file) = temp_file("xthread");
    // Shared with the other threads' jobs, each of whose writes holds a clone.
    let file = std::sync::Arc::new(file);
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let handle = handle.clone();
            let file = file.clone();
            std::thread::spawn(move || {
                let mut joins = Vec::new();
                for i in 0..25u64 {
                    let off = (t * 25 + i) * 8;
                    let file = file.clone();
                    joins.push(handle.spawn(move |d| async move {
                        let (n, _) = d.write_at(&file, off.to_le_bytes().to_vec(), off).await;
                        n.unwrap()
                    }));
                }
                joins.into_iter().map(|j| j.join().unwrap()).sum::<usize>()
            })
        })
        .collect();
    // The ring thread runs until every remote job has been served.
    let total = rt
        .block_on(async {
            loop {
                if threads.iter().all(|t| t.is_finished()) {
                    break;
                }
                rt.driver().sleep(Duration::from_millis(1)).await.unwrap();
            }
        })
        .map(|_| threads.into_iter().map(|t| t.join().unwrap()).sum::<usize>())
        .unwrap();
    assert_eq!(total, 100 * 8);
    let data = std::fs::read(&path).unwrap();
    for k in 0..100u64 {
        let at = (k * 8) as usize;
        assert_eq!(u64::from_le_bytes(data[at..at + 8].try_into().unwrap()), k * 8);
    }
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_parked_runtime_is_woken_by_another_thread() {
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};
    let rt = Runtime::new(8).unwrap();
    // A hand-made one-shot channel: the other thread stores a value and
    // calls the waker. With nothing else to do, the runtime is parked in
    // io_uring_enter; only the eventfd write from the waker can end that.
    let slot: Arc<Mutex<(Option<u32>, Option<Waker>)>> = Arc::new(Mutex::new((None, None)));
    let s2 = slot.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        let mut g = s2.lock().unwrap();
        g.0 = Some(7);
        if let Some(w) = g.1.take() {
            w.wake();
        }
    });
    let start = Instant::now();
    let v = rt
        .block_on(std::future::poll_fn(|cx| {
            let mut g = slot.lock().unwrap();
            match g.0 {
                Some(v) => Poll::Ready(v),
                None => {
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }))
        .unwrap();
    assert_eq!(v, 7);
    assert!(start.elapsed() < Duration::from_secs(2));
    t.join().unwrap();
    // The remote-job path through the same wake-up.
    let handle = rt.handle();
    let j = std::thread::spawn(move || handle.spawn(|d| async move { d.nop().await.is_ok() }).join().unwrap());
    rt.block_on(async {
        while !j.is_finished() {
            rt.driver().sleep(Duration::from_millis(5)).await.unwrap();
        }
    })
    .unwrap();
    assert!(j.join().unwrap());
}

#[test]
fn zero_copy_send_returns_the_buffer_after_its_notification() {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let client = Rc::new(std::net::TcpStream::connect(addr).unwrap());
    let (mut server, _) = listener.accept().unwrap();
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let payload: Vec<u8> = (0..256 * 1024).map(|i| (i % 253) as u8).collect();
    let expect = payload.clone();
    let reader = std::thread::spawn(move || {
        let mut got = vec![0u8; expect.len()];
        server.read_exact(&mut got).unwrap();
        got == expect
    });
    let (sent, buf) = rt
        .block_on(async {
            let mut off = 0;
            let mut buf = payload;
            while off < buf.len() {
                let (n, b) = d.send_zc(&client, buf, 0).await;
                let n = match n {
                    Ok(n) => n,
                    Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) || e.raw_os_error() == Some(libc::EINVAL) => {
                        println!("skipping: zero-copy send unsupported here ({e})");
                        return (usize::MAX, b);
                    }
                    Err(e) => panic!("send_zc: {e}"),
                };
                off += n;
                buf = b;
                if off < buf.len() {
                    buf.drain(..n);
                    off = 0;
                }
            }
            (off, buf)
        })
        .unwrap();
    if sent == usize::MAX {
        return;
    }
    assert!(!buf.is_empty());
    assert!(reader.join().unwrap(), "the receiver got every byte");
    // Each send took two credits (result + notification) and gave both back.
    assert_eq!(d.credits() as u64 + d.in_flight() as u64, u64::from(16u32));
}

#[test]
fn an_orphaned_value_whose_drop_calls_into_the_driver_does_not_panic() {
    // The value an orphaned operation owns is dropped after its completion;
    // its destructor may use the driver (a pool recycling a buffer does).
    struct UsesDriver(ring_core::Driver, Rc<Cell<u32>>);
    impl Drop for UsesDriver {
        fn drop(&mut self) {
            let _ = self.0.in_flight();
            self.1.set(self.1.get() + 1);
        }
    }
    let rt = Runtime::new(8).unwrap();
    let (r, _w) = pipe();
    let dropped = Rc::new(Cell::new(0));
    let d = rt.driver().clone();
    let owned = (UsesDriver(d.clone(), dropped.clone()), Vec::<u8>::with_capacity(8));
    let fd = r.as_raw_fd();
    // SAFETY: the read targets the Vec owned by `owned`, whose heap memory is
    // stable and reachable by nothing else while the operation is in flight.
    let mut op = unsafe {
        d.submit_raw(owned, move |(_, buf)| {
            let mut sqe = ring_core::sys::io_uring_sqe::default();
            sqe.opcode = ring_core::sys::IORING_OP_READ;
            sqe.fd = fd;
            sqe.set_addr(buf.as_mut_ptr() as u64);
            sqe.len = buf.capacity() as u32;
            sqe
        })
    };
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
    drop(op);
    let deadline = Instant::now() + Duration::from_secs(5);
    while dropped.get() == 0 && Instant::now() < deadline {
        rt.driver().park(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(dropped.get(), 1);
}

#[test]
fn a_late_completion_with_an_old_generation_never_reaches_a_reused_entry() {
    // A NOP takes entry e (generation g) and completes; a blocked pipe read
    // then reuses e (generation g+1). A completion forged for (e, g) — what
    // a late or duplicate CQE of the first operation would look like — is
    // posted into the ring with MSG_RING. The read must not see it.
    let ring = ring_core::Builder::new(1).build().unwrap();
    let fd = ring.fd().unwrap();
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Immediate);
    let (r, w) = pipe();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut nop = d.nop();
    assert!(std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending());
    let old = nop.user_data().unwrap();
    while std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending() {
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
    let mut read = d.read(&r, Vec::<u8>::with_capacity(8));
    assert!(std::pin::Pin::new(&mut read).poll(&mut cx).is_pending());
    let new = read.user_data().unwrap();
    assert_eq!(old as u32, new as u32, "the read reuses the NOP's entry");
    assert_ne!(old >> 32, new >> 32, "with a new generation");
    // Forge the stale completion from a second ring.
    let mut other = ring_core::Ring::new(2).unwrap();
    let mut sqe = ring_core::sys::io_uring_sqe::default();
    sqe.opcode = ring_core::sys::IORING_OP_MSG_RING;
    sqe.fd = fd;
    sqe.set_addr(ring_core::sys::IORING_MSG_DATA);
    sqe.set_off(old);
    sqe.len = 77; // the forged result
                  // SAFETY: MSG_RING carries no pointer.
    unsafe { other.sq().push(&sqe) }.unwrap();
    other.submit_and_wait(1).unwrap();
    assert_eq!(other.cq().pop().unwrap().res, 0);
    for _ in 0..5 {
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert!(std::pin::Pin::new(&mut read).poll(&mut cx).is_pending(), "the stale completion was ignored");
    assert_eq!(d.stats().stale, 1);
    write_all(&w, b"real");
    let (n, buf) = loop {
        if let std::task::Poll::Ready(out) = std::pin::Pin::new(&mut read).poll(&mut cx) {
            break out;
        }
        d.park(Some(Duration::from_millis(10))).unwrap();
    };
    assert_eq!((n.unwrap(), &buf[..]), (4, &b"real"[..]));
}

#[test]
fn a_slice_past_the_initialised_part_does_not_claim_the_gap() {
    use ring_core::buf::IoBuf;
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (r, w) = pipe();
    write_all(&w, b"tail");
    let slice = Vec::<u8>::with_capacity(100).slice(50..100);
    let (n, slice) = rt.block_on(async { d.read(&r, slice).await }).unwrap();
    assert_eq!(n.unwrap(), 4);
    // Bytes 0..50 were never written: the Vec must not claim them.
    assert_eq!(slice.into_inner().len(), 0);
}

#[test]
fn a_waker_whose_drop_uses_the_driver_is_dropped_outside_its_borrow() {
    use std::task::{RawWaker, RawWakerVTable, Waker};
    // A waker holding a driver handle, whose destructor asks the driver
    // something. Built by hand because `Driver` is not `Send`; it never
    // leaves this thread.
    struct Data(ring_core::Driver, Rc<Cell<u32>>);
    unsafe fn clone(p: *const ()) -> RawWaker {
        // SAFETY: `p` came from `Rc::into_raw` of a live `Rc<Data>`.
        unsafe { Rc::increment_strong_count(p.cast::<Data>()) };
        RawWaker::new(p, &VTABLE)
    }
    unsafe fn wake(p: *const ()) {
        // SAFETY: as for `drop_w`.
        unsafe { drop_w(p) }
    }
    unsafe fn wake_by_ref(_: *const ()) {}
    unsafe fn drop_w(p: *const ()) {
        // SAFETY: `p` came from `Rc::into_raw` and this drops one count.
        let data = unsafe { Rc::from_raw(p.cast::<Data>()) };
        let _ = data.0.in_flight();
        data.1.set(data.1.get() + 1);
    }
    static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_w);
    let d = ring_core::Driver::new(8).unwrap();
    let drops = Rc::new(Cell::new(0));
    let make = || {
        let p = Rc::into_raw(Rc::new(Data(d.clone(), drops.clone()))).cast::<()>();
        // SAFETY: the vtable's functions treat `p` as the Rc it is, and the
        // waker is used only on this thread.
        unsafe { Waker::from_raw(RawWaker::new(p, &VTABLE)) }
    };
    let (r, _w) = pipe();
    let (w1, w2) = (make(), make());
    let mut op = d.read(&r, Vec::<u8>::with_capacity(8));
    assert!(std::pin::Pin::new(&mut op).poll(&mut std::task::Context::from_waker(&w1)).is_pending());
    // A second poll with another waker replaces the stored clone of the
    // first, and dropping the operation releases the second.
    assert!(std::pin::Pin::new(&mut op).poll(&mut std::task::Context::from_waker(&w2)).is_pending());
    drop(op);
    for _ in 0..20 {
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    drop((w1, w2));
    assert!(drops.get() >= 4, "every clone was dropped, none under the driver's borrow ({})", drops.get());
}

#[test]
fn a_prepare_that_panics_leaves_no_entry_behind() {
    struct Explodes(Rc<Cell<u32>>);
    impl Drop for Explodes {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    // SAFETY: `prepare` never returns, so no SQE is ever built.
    unsafe impl ring_core::Operation for Explodes {
        type Output = ();
        fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
            panic!("prepare failed");
        }
        fn complete(self, _: ring_core::Cqe, _: ring_core::Cqe) {}
    }
    let d = ring_core::Driver::new(2).unwrap();
    let drops = Rc::new(Cell::new(0));
    let mut op = d.op(Explodes(drops.clone()));
    let waker = std::task::Waker::noop();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = std::pin::Pin::new(&mut op).poll(&mut std::task::Context::from_waker(waker));
    }));
    assert!(r.is_err(), "the panic reaches the caller");
    assert_eq!(drops.get(), 1, "the value was dropped once, by the unwind");
    assert_eq!(d.in_flight(), 0, "the entry went back to the free list");
    drop(op);
    // The driver goes on working, and its drop does not wait for a phantom.
    let start = Instant::now();
    let mut nop = d.nop();
    let mut cx = std::task::Context::from_waker(waker);
    while std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending() {
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    drop(d);
    assert!(start.elapsed() < Duration::from_millis(500));
}
