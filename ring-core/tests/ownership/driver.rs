//! The ownership layer and executor against this machine's kernel.

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
fn forgotten_read_writes_into_memory_that_is_still_allocated() {
    let rt = Runtime::new(8).unwrap();
    let region = Region::new(16).unwrap();
    let (r, w) = pipe();
    let buf = SharedRegion::new(region.clone(), 4, 8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let mut op = d.read(&r, buf);
        // Start it, then forget the future while the read is in flight.
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
        std::mem::forget(op);
    })
    .unwrap();
    assert!(rt.driver().in_flight() >= 1, "the forgotten read stays in the table");
    write_all(&w, b"late!");
    // Drive the ring until the forgotten read's completion arrives.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.driver().stats().stale == 0 && Instant::now() < deadline {
        let mut out = [0u8; 16];
        region.read_at(0, &mut out);
        if &out[4..9] == b"late!" {
            break;
        }
        rt.driver().park(Some(Duration::from_millis(10))).unwrap();
    }
    let mut out = [0u8; 16];
    assert!(region.read_at(0, &mut out));
    assert_eq!(&out[4..9], b"late!", "the kernel wrote into the region the table still owns");
    // The region is still referenced by the forgotten entry (leaked claim).
    assert!(std::sync::Arc::strong_count(&region) >= 2);
}

#[test]
fn dropping_a_read_in_flight_cancels_it_and_frees_the_buffer_once() {
    let rt = Runtime::new(8).unwrap();
    let (r, _w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = rt.driver().clone();
    let buf = Counted { data: Vec::with_capacity(32), drops: drops.clone() };
    rt.block_on(async {
        let op = d.read(&r, buf);
        // Race the read against a short sleep; the read loses and is dropped.
        let sleep = d.sleep(Duration::from_millis(10));
        let mut op = Box::pin(op);
        let mut sleep = Box::pin(sleep);
        std::future::poll_fn(|cx| {
            let _ = op.as_mut().poll(cx);
            sleep.as_mut().poll(cx)
        })
        .await
        .unwrap();
        assert_eq!(drops.get(), 0, "still in flight, still owned by the table");
        drop(op);
        assert_eq!(drops.get(), 0, "dropping the future does not free the buffer");
    })
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while drops.get() == 0 && Instant::now() < deadline {
        rt.driver().park(Some(Duration::from_millis(10))).unwrap();
    }
    assert_eq!(drops.get(), 1, "freed exactly once, after the cancelled completion");
    let s = rt.driver().stats();
    assert_eq!(s.orphans_reaped, 1);
    assert!(s.cancels >= 1);
}

#[test]
fn cancel_of_a_blocked_read_returns_the_buffer() {
    let rt = Runtime::new(8).unwrap();
    let (r, _w) = pipe();
    let d = rt.driver().clone();
    let out = rt
        .block_on(async {
            let mut op = d.read(&r, Vec::<u8>::with_capacity(16));
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
            op.cancel().await
        })
        .unwrap();
    assert!(out.was_cancelled());
    let (res, buf) = out.into_inner();
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert!(buf.capacity() >= 16);
}

#[test]
fn cancel_of_a_completed_read_returns_the_result_and_the_bytes() {
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    write_all(&w, b"data");
    let d = rt.driver().clone();
    let out = rt
        .block_on(async {
            let mut op = d.read(&r, Vec::with_capacity(16));
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            let _ = std::pin::Pin::new(&mut op).poll(&mut cx);
            // Let the read complete before asking to cancel it: the sleep
            // submits it; where the kernel hands pipe reads to a worker
            // thread (6.1), it completes a moment later, so wait for the
            // pipe to be drained and then reap.
            d.sleep(Duration::from_millis(5)).await.unwrap();
            caps::wait_drained(&r);
            d.sleep(Duration::from_millis(5)).await.unwrap();
            op.cancel().await
        })
        .unwrap();
    match out {
        Cancelled::Completed((res, buf)) => {
            assert_eq!(res.unwrap(), 4);
            assert_eq!(buf, b"data");
        }
        Cancelled::Cancelled(_) => panic!("a completed read must come back completed"),
    }
}

#[test]
fn driver_drop_with_a_blocked_read_returns_within_its_bound() {
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    {
        let rt = Runtime::new(8).unwrap();
        let d = rt.driver().clone();
        let buf = Counted { data: Vec::with_capacity(8), drops: drops.clone() };
        let h = rt.spawn(async move { d.read(&r, buf).await });
        rt.block_on(async { rt.driver().sleep(Duration::from_millis(5)).await }).unwrap().unwrap();
        assert!(!h.is_finished());
        let start = Instant::now();
        drop(rt);
        assert!(start.elapsed() < Duration::from_secs(2));
    }
    assert_eq!(drops.get(), 1, "the cancelled read's buffer was freed once, after its completion");
    drop(w);
}

#[test]
fn backpressure_bounds_in_flight_operations_by_the_cq() {
    let rt =
        Runtime::with_ring(ring_core::Builder::new(2).build().unwrap(), ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let mut handles = Vec::new();
    for i in 0..200u32 {
        let d = d.clone();
        handles.push(rt.spawn(async move {
            d.nop().await.unwrap();
            i
        }));
    }
    let sum = rt
        .block_on(async {
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        })
        .unwrap();
    assert_eq!(sum, (0..200).sum::<u32>());
    assert!(d.stats().waited_for_credit > 0, "some operations had to wait for a credit");
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
fn a_linked_chain_failing_midway_cancels_the_rest_and_returns_every_buffer() {
    use ring_core::ops::{Read, Write};
    let rt = Runtime::new(16).unwrap();
    let (path, file) = temp_file("chain");
    let file = Rc::new(file);
    // Open for writing only: a read from it fails with EBADF.
    let write_only = Rc::new(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
    let d = rt.driver().clone();
    rt.block_on(async {
        // write 4 bytes, read from a descriptor not open for reading
        // (fails), then a write that the kernel must cancel.
        let mut chain = d.chain();
        let a = chain.push(Write::new(&file, b"abcd".to_vec(), 0));
        let b = chain.push(Read::new(&write_only, Vec::with_capacity(8), 0));
        let c = chain.push(Write::new(&file, b"zzzz".to_vec(), 4));
        let mut started = chain.start().await.unwrap();
        let (ra, ba) = started.take(a).unwrap().await;
        let (rb, bb) = started.take(b).unwrap().await;
        let (rc, bc) = started.take(c).unwrap().await;
        assert_eq!(ra.unwrap(), 4);
        assert_eq!(rb.unwrap_err().raw_os_error(), Some(libc::EBADF));
        assert_eq!(rc.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
        assert_eq!((ba, bb.capacity() >= 8, bc), (b"abcd".to_vec(), true, b"zzzz".to_vec()));
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"abcd", "the cancelled write never ran");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_chain_longer_than_the_sq_is_refused_with_a_typed_error() {
    let rt = Runtime::new(2).unwrap();
    let d = rt.driver().clone();
    let r = rt
        .block_on(async {
            let mut chain = d.chain();
            for _ in 0..3 {
                chain.push(ring_core::ops::Nop);
            }
            chain.start().await.map(|_| ()).map_err(ring_core::Error::from)
        })
        .unwrap();
    assert!(matches!(r, Err(ring_core::Error::TooLong { what: "linked chain", .. })), "{r:?}");
}

#[test]
fn a_refused_chain_gives_every_members_value_back() {
    // An SQ of two entries cannot carry a chain of three: it is refused
    // before anything reaches the kernel, and each member's buffer comes
    // back untouched, as a refused single operation's does.
    use ring_core::ops::{Read, Write};
    let rt = Runtime::new(2).unwrap();
    let d = rt.driver().clone();
    let (path, file) = temp_file("refused-chain");
    let file = Rc::new(file);
    rt.block_on(async {
        let mut chain = d.chain();
        let a = chain.push(Write::new(&file, b"first".to_vec(), 0));
        let b = chain.push(Read::new(&file, Vec::with_capacity(16), 0));
        let c = chain.push(Write::new(&file, b"third".to_vec(), 5));
        let mut refused = match chain.start().await {
            Ok(_) => panic!("a chain of three started on an SQ of two"),
            Err(r) => r,
        };
        assert!(matches!(refused.error(), ring_core::Error::TooLong { len: 3, max: 2, .. }), "{refused:?}");
        assert!(refused.to_string().contains("linked chain of 3 refused"), "{refused}");
        assert!(format!("{refused:?}").contains("members: 3"), "{refused:?}");
        let source = std::error::Error::source(&refused).expect("the reason is the source");
        assert_eq!(source.to_string(), refused.error().to_string());
        assert_eq!(d.in_flight(), 0, "nothing started");
        let wa = refused.take(a).expect("the first member's value").into_buf();
        let rb = refused.take(b).expect("the second member's value").into_buf();
        assert_eq!(wa, b"first".to_vec());
        assert!(rb.is_empty() && rb.capacity() >= 16, "the read's buffer comes back unread");
        assert!(refused.take(a).is_none(), "a value is given back once");
        // A chain with a member taken back is refused if started again; the
        // member still in it comes back then too.
        let mut again = match refused.into_chain().start().await {
            Ok(_) => panic!("a chain missing a member started"),
            Err(r) => r,
        };
        assert!(matches!(again.error(), ring_core::Error::InvalidArgument(_)), "{again:?}");
        let wc = again.take(c).expect("the third member's value").into_buf();
        assert_eq!(wc, b"third".to_vec());
    })
    .unwrap();
    assert!(std::fs::read(&path).unwrap().is_empty(), "no member ran");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_chain_member_whose_prepare_panics_leaves_no_entry_behind() {
    // The chain's values are all in the table when a member's `prepare`
    // panics: every value is dropped once while unwinding and every entry
    // goes back to the free list (nothing was published).
    struct Counted(Rc<Cell<u32>>, bool);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    // SAFETY: a NOP (or nothing, when `prepare` panics) carries no pointer.
    unsafe impl ring_core::Operation for Counted {
        type Output = ();
        fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
            if self.1 {
                panic!("prepare failed");
            }
            ring_core::sys::io_uring_sqe { opcode: ring_core::sys::IORING_OP_NOP, ..Default::default() }
        }
        fn complete(self, _: ring_core::Cqe, _: ring_core::Cqe) {}
    }
    let d = ring_core::Driver::new(4).unwrap();
    let drops = Rc::new(Cell::new(0));
    let mut chain = d.chain();
    chain.push(Counted(drops.clone(), false));
    chain.push(Counted(drops.clone(), true));
    chain.push(Counted(drops.clone(), false));
    let mut start = chain.start();
    let waker = std::task::Waker::noop();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = std::pin::Pin::new(&mut start).poll(&mut std::task::Context::from_waker(waker));
    }));
    assert!(r.is_err(), "the panic reaches the caller");
    assert_eq!(drops.get(), 3, "each value was dropped once, by the unwind");
    assert_eq!(d.in_flight(), 0, "every entry went back to the free list");
    drop(start);
    // The driver goes on working: a chain of four fits in the freed entries.
    let mut chain = d.chain();
    let links: Vec<_> = (0..4).map(|_| chain.push(Counted(drops.clone(), false))).collect();
    let mut start = chain.start();
    let mut cx = std::task::Context::from_waker(waker);
    let std::task::Poll::Ready(Ok(mut started)) = std::pin::Pin::new(&mut start).poll(&mut cx) else {
        panic!("the chain did not start")
    };
    for link in links {
        let mut op = started.take(link).expect("own link");
        while std::pin::Pin::new(&mut op).poll(&mut cx).is_pending() {
            d.park(Some(Duration::from_millis(5))).unwrap();
        }
    }
    assert_eq!(drops.get(), 7);
    assert_eq!(d.in_flight(), 0);
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
fn teardown_past_its_deadline_leaks_instead_of_freeing() {
    // With a zero deadline, teardown cannot wait for the cancelled read's
    // completion: the kernel may still write into the buffer after the ring
    // is closed, so the buffer must be leaked, never freed.
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = ring_core::Driver::new(4).unwrap();
    d.set_teardown_deadline(Duration::ZERO);
    let mut op = d.read(&r, Counted { data: Vec::with_capacity(8), drops: drops.clone() });
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(std::pin::Pin::new(&mut op).poll(&mut cx).is_pending());
    drop(op);
    let report = d.shutdown();
    assert_eq!((report.in_flight, report.leaked), (1, 1), "{report:?}");
    drop(d);
    assert_eq!(drops.get(), 0, "a buffer the kernel may still hold was freed");
    drop(w);
}

#[test]
fn chain_members_not_taken_are_orphaned_and_freed_after_their_completions() {
    use ring_core::ops::Read;
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = rt.driver().clone();
    let credits_before = d.credits();
    rt.block_on(async {
        let mut chain = d.chain();
        assert!(chain.is_empty());
        let _a = chain.push(ring_core::ops::Nop);
        let _b = chain.push(Read::new(&r, Counted { data: Vec::with_capacity(4), drops: drops.clone() }, u64::MAX));
        assert_eq!(chain.len(), 2);
        let started = chain.start().await.unwrap();
        // Neither member is taken: dropping the started chain orphans both.
        drop(started);
    })
    .unwrap();
    assert_eq!(drops.get(), 0, "the read is still in the kernel");
    write_all(&w, b"abcd");
    let deadline = Instant::now() + Duration::from_secs(5);
    while drops.get() == 0 && Instant::now() < deadline {
        rt.driver().park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(drops.get(), 1, "freed once, after its completion");
    assert_eq!(d.credits(), credits_before, "every credit came back");
}

#[test]
fn a_msg_ring_wake_up_does_not_count_as_a_returned_credit() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async { d.nop().await.unwrap() }).unwrap();
    let before = d.credits();
    let handle = rt.handle();
    let mut other = ring_core::Ring::new(4).unwrap();
    let j = handle.spawn_via_msg_ring(&mut other, |d| async move { d.nop().await.is_ok() });
    rt.block_on(async {
        while !j.is_finished_hint() {
            rt.driver().sleep(Duration::from_millis(1)).await.unwrap();
        }
    })
    .unwrap();
    assert!(j.join().unwrap());
    for _ in 0..3 {
        rt.driver().park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(d.credits(), before, "the wake-up completion returned no credit");
}

#[test]
fn a_link_timeout_cancels_the_operation_it_guards() {
    use ring_core::ops::{LinkTimeout, Read};
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    let d = rt.driver().clone();
    let start = Instant::now();
    let ((res, buf), fired) = rt
        .block_on(async {
            let mut chain = d.chain();
            let read = chain.push(Read::new(&r, Vec::<u8>::with_capacity(8), u64::MAX));
            let timer = chain.push(LinkTimeout::new(Duration::from_millis(30)));
            let mut started = chain.start().await.unwrap();
            let read = started.take(read).unwrap().await;
            let fired = started.take(timer).unwrap().await.unwrap();
            (read, fired)
        })
        .unwrap();
    assert!(fired, "the timer fired");
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert!(buf.capacity() >= 8, "the buffer came back");
    assert!(start.elapsed() >= Duration::from_millis(25));
    // And when the guarded read wins, the timer reports that it did not fire.
    write_all(&w, b"quick");
    let ((res, buf), fired) = rt
        .block_on(async {
            let mut chain = d.chain();
            let read = chain.push(Read::new(&r, Vec::<u8>::with_capacity(8), u64::MAX));
            let timer = chain.push(LinkTimeout::new(Duration::from_secs(5)));
            let mut started = chain.start().await.unwrap();
            let read = started.take(read).unwrap().await;
            (read, started.take(timer).unwrap().await.unwrap())
        })
        .unwrap();
    assert_eq!((res.unwrap(), &buf[..], fired), (5, &b"quick"[..], false));
}

#[test]
fn a_link_from_another_chain_takes_nothing() {
    use ring_core::ops::Read;
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (r, w) = pipe();
    write_all(&w, b"x");
    rt.block_on(async {
        let mut a = d.chain();
        let read_link = a.push(Read::new(&r, Vec::<u8>::with_capacity(4), u64::MAX));
        let mut b = d.chain();
        let nop_link = b.push(ring_core::ops::Nop);
        let mut started_b = b.start().await.unwrap();
        // The read's link names position 0, which in chain `b` holds a NOP:
        // taking it there would give an Op<Read> over a NOP's entry.
        assert!(started_b.take(read_link).is_none(), "a link only works on its own chain");
        started_b.take(nop_link).unwrap().await.unwrap();
        drop(a);
    })
    .unwrap();
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

#[test]
fn an_operation_needing_more_completions_than_the_cq_holds_is_refused_not_stalled() {
    use std::task::{Context, Poll, Waker};
    // A CQ of one entry, and a zero-copy send, which posts two completions
    // (its result and its notification): it could never get its credits.
    // It must end at once with EINVAL and its buffer, not wait forever (and
    // hold up every operation queued behind it).
    let ring = ring_core::Builder::new(1).cq_size(1).build().unwrap();
    assert_eq!(ring.params().cq_entries, 1);
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let mut op = d.send_zc(&a, vec![7u8; 16], 0);
    let mut cx = Context::from_waker(Waker::noop());
    let Poll::Ready((r, buf)) = std::pin::Pin::new(&mut op).poll(&mut cx) else {
        panic!("a zero-copy send on a one-entry CQ waits for credits it can never get");
    };
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EINVAL));
    assert_eq!(buf, vec![7u8; 16]);
    assert_eq!(d.in_flight(), 0);
    // The ring still works for operations that fit.
    let mut nop = d.nop();
    assert!(std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending());
    d.park(Some(Duration::from_secs(1))).unwrap();
    assert!(matches!(std::pin::Pin::new(&mut nop).poll(&mut cx), Poll::Ready(Ok(()))));
}

#[test]
fn a_runtime_on_a_one_entry_cq_is_refused() {
    // Its eventfd read would hold the only completion slot for good.
    let ring = ring_core::Builder::new(1).cq_size(1).build().unwrap();
    let e = Runtime::with_ring(ring, ring_core::driver::Batch::default()).err().expect("refused");
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
    // Two entries are enough to run operations.
    let rt =
        Runtime::with_ring(ring_core::Builder::new(1).cq_size(2).build().unwrap(), ring_core::driver::Batch::default())
            .unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        for _ in 0..10 {
            d.nop().await.unwrap();
        }
    })
    .unwrap();
}

/// `KeepAlive` is transparent about the entry size: a 128-byte operation
/// kept alive is refused on a 64-byte ring on its first poll, as it is
/// alone, and a chain refuses it as a member. A wrapper that did not
/// forward `is_128`/`prepare128` would send the operation to the kernel as
/// a 64-byte entry.
#[test]
fn a_kept_alive_128_byte_operation_is_refused_on_a_64_byte_ring() {
    use core::pin::Pin;
    use core::task::{Context, Poll, Waker};
    use ring_core::ops::{KeepAlive, Nop128};
    let d = ring_core::Driver::new(8).unwrap();
    let mut cx = Context::from_waker(Waker::noop());
    let mut plain = d.nop128();
    assert!(matches!(Pin::new(&mut plain).poll(&mut cx), Poll::Ready(Err(_))), "alone: refused");
    let mut kept = d.op(KeepAlive::new(Nop128, ()));
    let p = Pin::new(&mut kept).poll(&mut cx);
    assert!(matches!(p, Poll::Ready(Err(_))), "kept alive: refused too, not submitted ({p:?})");
    let mut c = d.chain();
    c.push(KeepAlive::new(Nop128, ()));
    let mut start = c.start();
    let p = Pin::new(&mut start).poll(&mut cx);
    assert!(matches!(p, Poll::Ready(Err(_))), "a chain with a kept-alive 128-byte member is refused");
}

/// Under `Immediate`, every operation started is one system call, counted
/// in `Stats::enters`; and parking with an operation in flight blocks in
/// the kernel until it completes instead of spinning.
#[test]
fn immediate_submission_counts_its_enters_and_a_park_blocks_instead_of_spinning() {
    let ring = ring_core::Builder::new(8).build().unwrap();
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Immediate);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let before = d.stats().enters;
    for _ in 0..5 {
        let mut nop = d.nop();
        assert!(std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending());
        while std::pin::Pin::new(&mut nop).poll(&mut cx).is_pending() {
            d.park(Some(Duration::from_millis(100))).unwrap();
        }
    }
    let after = d.stats().enters;
    assert!(after >= before + 5, "each start under Immediate is an enter: {before} -> {after}");
    // A 50 ms timer: one park waits for it (a few enters at most), where a
    // park that never waits would spin through thousands.
    let mut sleep = d.sleep(Duration::from_millis(50));
    assert!(std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending());
    let start = d.stats().enters;
    while std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending() {
        d.park(None).unwrap();
    }
    let spent = d.stats().enters - start;
    assert!(spent <= 10, "a park with a timer in flight waits in the kernel ({spent} enters for 50 ms)");
}

/// An operation that refuses a ring (`Operation::refuse`: it names a
/// resource of another ring) never reaches it: alone, it completes with the
/// errno it gave, and as a member of a chain it refuses the chain whole,
/// each member's value coming back.
#[test]
fn an_operation_that_refuses_the_ring_never_reaches_it() {
    struct Bound(ring_core::RingId, Rc<Cell<u32>>);
    // SAFETY: a NOP carries no pointer.
    unsafe impl ring_core::Operation for Bound {
        type Output = i32;
        fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
            self.1.set(self.1.get() + 1);
            ring_core::sys::io_uring_sqe { opcode: ring_core::sys::IORING_OP_NOP, ..Default::default() }
        }
        fn refuse(&self, ring: ring_core::RingId) -> Option<i32> {
            (ring != self.0).then_some(libc::EXDEV)
        }
        fn complete(self, result: ring_core::Cqe, _: ring_core::Cqe) -> i32 {
            result.res
        }
    }
    let a = ring_core::Driver::new(4).unwrap();
    let b = ring_core::Driver::new(4).unwrap();
    let prepared = Rc::new(Cell::new(0));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut op = b.op(Bound(a.ring_id(), prepared.clone()));
    assert_eq!(std::pin::Pin::new(&mut op).poll(&mut cx), std::task::Poll::Ready(-libc::EXDEV));
    let mut chain = b.chain();
    let first = chain.push(ring_core::ops::Nop);
    let bound = chain.push(Bound(a.ring_id(), prepared.clone()));
    let mut start = chain.start();
    let std::task::Poll::Ready(Err(mut refused)) = std::pin::Pin::new(&mut start).poll(&mut cx) else {
        panic!("a chain with a member bound to another ring started")
    };
    assert!(matches!(refused.error(), ring_core::Error::ForeignResource { .. }), "{refused:?}");
    assert!(refused.take(first).is_some() && refused.take(bound).is_some());
    assert_eq!((prepared.get(), b.in_flight(), b.stats().started), (0, 0, 0), "nothing was prepared or started");
    // On its own ring it runs.
    let mut op = a.op(Bound(a.ring_id(), prepared.clone()));
    while std::pin::Pin::new(&mut op).poll(&mut cx).is_pending() {
        a.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(prepared.get(), 1);
}

/// The drives a driver can run with: the default (as `with_ring` builds
/// it), the default spelled as a `Drive`, and busy-polling.
fn runtimes_with_each_drive(entries: u32) -> Vec<(&'static str, Runtime)> {
    use ring_core::driver::{Batch, BusyPoll, DefaultDrive, Immediate};
    use ring_core::Builder;
    vec![
        ("with_ring(Batch)", Runtime::with_ring(Builder::new(entries).build().unwrap(), Batch::default()).unwrap()),
        (
            "DefaultDrive(Immediate)",
            Runtime::with_drive(Builder::new(entries).build().unwrap(), DefaultDrive::new(Immediate)).unwrap(),
        ),
        (
            "BusyPoll",
            Runtime::with_drive(Builder::new(entries).build().unwrap(), BusyPoll::new(Duration::from_micros(200)))
                .unwrap(),
        ),
    ]
}

/// The same behaviour under every drive: file I/O, a timer, and more
/// operations at once than the SQ holds (so a full SQ is made room in).
#[test]
fn every_drive_runs_file_io_timers_and_more_operations_than_the_sq_holds() {
    for (name, rt) in runtimes_with_each_drive(4) {
        let (path, file) = temp_file(&format!("drive-{}", name.len()));
        let file = Rc::new(file);
        let d = rt.driver().clone();
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                rt.spawn({
                    let d = d.clone();
                    async move { d.nop().await }
                })
            })
            .collect();
        let out = rt
            .block_on(async move {
                let (n, _) = d.write_at(&file, b"drive".to_vec(), 0).await;
                assert_eq!(n.unwrap(), 5);
                let (n, buf) = d.read_at(&file, Vec::with_capacity(16), 0).await;
                assert_eq!(n.unwrap(), 5);
                let start = Instant::now();
                assert!(d.sleep(Duration::from_millis(5)).await.unwrap());
                assert!(start.elapsed() >= Duration::from_millis(5));
                for t in tasks {
                    t.await.unwrap().unwrap();
                }
                buf
            })
            .unwrap();
        assert_eq!(out, b"drive", "{name}");
        assert_eq!(rt.driver().in_flight(), 1, "{name}: only the runtime's eventfd read is left");
        std::fs::remove_file(path).unwrap();
    }
}

/// CPU time this thread has used.
fn thread_cpu() -> Duration {
    // SAFETY: getrusage writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above; RUSAGE_THREAD names the calling thread.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) }, 0);
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(u.ru_utime) + t(u.ru_stime)
}

/// The drives really differ: waiting on a 60 ms timer, the default blocks
/// in the kernel (little CPU), busy-polling spins (CPU for most of the
/// wait); both see the timer fire, and a park with a timeout shorter than
/// the spin returns within about that timeout.
#[test]
fn busy_poll_spins_where_the_default_drive_blocks() {
    use ring_core::driver::{BusyPoll, DefaultDrive};
    use ring_core::{Builder, Driver};
    let wait = Duration::from_millis(60);
    let cpu_for = |d: &Driver| {
        let mut sleep = std::pin::pin!(d.sleep(wait));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let cpu = thread_cpu();
        while sleep.as_mut().poll(&mut cx).is_pending() {
            d.park(None).unwrap();
        }
        thread_cpu() - cpu
    };
    let default =
        Driver::with_drive(Builder::new(8).build().unwrap(), DefaultDrive::new(ring_core::driver::Batch::default()));
    let busy = Driver::with_drive(Builder::new(8).build().unwrap(), BusyPoll::new(Duration::from_secs(1)));
    let blocked = cpu_for(&default);
    let spun = cpu_for(&busy);
    // CPU time, not wall time: on a loaded machine the spinning thread is
    // descheduled for part of the wait, so the bounds are loose.
    assert!(blocked < Duration::from_millis(10), "the default drive blocks: {blocked:?}");
    assert!(spun >= wait / 10 && spun > blocked * 3, "busy-polling spins: {spun:?} (default: {blocked:?})");

    let (r, _w) = pipe();
    let mut read = std::pin::pin!(busy.read(&r, Vec::with_capacity(8)));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(read.as_mut().poll(&mut cx).is_pending());
    let start = Instant::now();
    busy.park(Some(Duration::from_millis(20))).unwrap();
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(20) && took < Duration::from_millis(200), "{took:?}");
}

/// On a CQ of two, two multishot polls hold both CQ credits; dropping them
/// must end them. Their cancellations cannot wait for a credit (none comes
/// back until a stream ends, and none ends until it is cancelled): the
/// driver cancels from the register call (`IORING_REGISTER_SYNC_CANCEL`,
/// 6.0), which posts no completion of its own.
#[test]
fn dropped_streams_holding_every_credit_are_still_cancelled() {
    use core::task::{Context, Waker};
    let ring = ring_core::Builder::new(1).cq_size(2).build().unwrap();
    assert_eq!(ring.params().cq_entries, 2);
    // A sync cancel of nothing: ENOENT where the kernel has the operation.
    let probe = ring.cancel_sync(&ring_core::register::CancelBuilder::user_data(u64::MAX), Some(Duration::ZERO));
    if probe.as_ref().is_err_and(|e| e.errno().map(|n| n.raw()) != Some(libc::ENOENT)) {
        caps::skip("dropped_streams_holding_every_credit_are_still_cancelled", format!("no sync cancel: {probe:?}"));
        return;
    }
    let d = ring_core::Driver::with_ring(ring, ring_core::driver::Batch::default());
    let ((r1, _w1), (r2, _w2)) = (pipe(), pipe());
    let mut cx = Context::from_waker(Waker::noop());
    let mut s1 = d.poll_multishot(&r1, libc::POLLIN as u32);
    let mut s2 = d.poll_multishot(&r2, libc::POLLIN as u32);
    assert!(s1.poll_next(&mut cx).is_pending());
    assert!(s2.poll_next(&mut cx).is_pending());
    d.poll().unwrap();
    assert_eq!(d.credits(), 0, "the two streams hold both credits");
    drop(s1);
    drop(s2);
    for _ in 0..200 {
        if d.in_flight() == 0 {
            break;
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(d.in_flight(), 0, "the dropped streams were never cancelled: {:?}", d.stats());
    assert_eq!(d.stats().orphans_reaped, 2);
    assert_eq!(d.credits(), 2);
}
