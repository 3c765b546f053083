//! The adapters `AioContext` and `Uring` over pipes, whose reads stay in
//! flight until the test writes: permits handed out in order and counted,
//! sync results, and byte and pending-operation counts.

use crate::support::rings::pipe;
use crate::support::write_all;
use ring_core::adapters::{AioContext, Uring, DEFAULT_BUFFER};
use ring_core::buf::AlignedBuf;
use ring_core::{Driver, Kernel, Runtime};
use std::cell::RefCell;
use std::future::Future;
use std::os::fd::{AsRawFd, OwnedFd};
use std::pin::pin;
use std::rc::Rc;
use std::time::Duration;

/// Lets the runtime run everything that is ready (a short sleep on the ring).
async fn settle<K: Kernel>(d: &Driver<K>) {
    d.sleep(Duration::from_millis(20)).await.ok();
}

// The AioContext's semaphore, step by step: capacity 2, reads of empty pipes
// (each stays in flight until its pipe gets data). Each count is checked after
// every step, the permits go to the waiters in order, a waiter dropped while
// queued leaves the queue, a waiter polled again before its turn keeps waiting,
// and a permit granted to a waiter that is dropped before it takes it comes
// back.
#[test]
fn aio_context_hands_out_permits_in_order_and_counts_them() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let ctx = Rc::new(AioContext::new(&d, 2));
    let pipes: Vec<(Rc<OwnedFd>, OwnedFd)> = (0..5)
        .map(|_| {
            let (r, w) = pipe();
            (Rc::new(r), w)
        })
        .collect();
    let done: Rc<RefCell<Vec<usize>>> = Rc::default();
    let state = |ctx: &AioContext| (ctx.in_flight(), ctx.waiting(), ctx.peak());
    rt.block_on(async {
        assert_eq!(ctx.capacity(), 2);
        assert_eq!(state(&ctx), (0, 0, 0));
        assert_eq!(format!("{ctx:?}"), "AioContext { capacity: 2, in_flight: 0, waiting: 0 }");
        // Reads 0..3 as tasks; 0 and 1 take the permits, 2 and 3 queue.
        let mut tasks = Vec::new();
        for (i, (file, _)) in pipes.iter().enumerate().take(4) {
            let (ctx, file, done) = (ctx.clone(), file.clone(), done.clone());
            tasks.push(rt.spawn(async move {
                let (n, buf) = ctx.read(&file, 0, AlignedBuf::new(4096).unwrap()).await;
                assert_eq!(n.unwrap(), 1, "read {i}");
                assert_eq!(buf.as_slice()[0], i as u8);
                done.borrow_mut().push(i);
            }));
        }
        settle(&d).await;
        assert_eq!(state(&ctx), (2, 2, 2));
        assert_eq!(format!("{ctx:?}"), "AioContext { capacity: 2, in_flight: 2, waiting: 2 }");
        // A fifth read, polled by hand: it queues behind 2 and 3.
        let mut fifth = Box::pin(ctx.read(&pipes[4].0, 0, AlignedBuf::new(4096).unwrap()));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(fifth.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 3, 2));
        // Data for 3 first: it has no permit yet, so nothing completes.
        write_all(&pipes[3].1, &[3]);
        settle(&d).await;
        assert!(done.borrow().is_empty());
        // Read 0 ends: its permit goes to the oldest waiter, 2 (not 3, whose
        // data is ready).
        write_all(&pipes[0].1, &[0]);
        settle(&d).await;
        assert_eq!(*done.borrow(), [0]);
        assert_eq!(state(&ctx), (2, 2, 2), "the permit went straight to a waiter");
        // Read 1 ends: the permit goes to 3, which completes at once and
        // hands its permit to the fifth read, never polled since: granted
        // but not taken.
        write_all(&pipes[1].1, &[1]);
        settle(&d).await;
        assert_eq!(*done.borrow(), [0, 1, 3]);
        assert_eq!(state(&ctx), (2, 0, 2), "2 in flight, the fifth granted");
        // Dropping the fifth before it takes its permit gives it back.
        drop(fifth);
        assert_eq!(state(&ctx), (1, 0, 2), "the granted permit came back");
        write_all(&pipes[2].1, &[2]);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*done.borrow(), [0, 1, 3, 2]);
        assert_eq!(state(&ctx), (0, 0, 2));
        // Both permits are free again: two reads start at once.
        let a = ctx.read(&pipes[0].0, 0, AlignedBuf::new(4096).unwrap());
        let b = ctx.read(&pipes[1].0, 0, AlignedBuf::new(4096).unwrap());
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        assert!(a.as_mut().poll(&mut cx).is_pending() && b.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 0, 2));
        // A third one queues; dropped while queued, it leaves the queue.
        let mut c = Box::pin(ctx.read(&pipes[2].0, 0, AlignedBuf::new(4096).unwrap()));
        assert!(c.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 1, 2));
        // Polled again before any permit is free, it still waits: its read
        // has not started, so data in its pipe does not complete it.
        assert!(c.as_mut().poll(&mut cx).is_pending());
        write_all(&pipes[2].1, &[2]);
        settle(&d).await;
        assert!(c.as_mut().poll(&mut cx).is_pending(), "a waiter polled again took a permit never granted to it");
        assert_eq!(state(&ctx), (2, 1, 2));
        drop(c);
        assert_eq!(state(&ctx), (2, 0, 2), "a dropped waiter leaves the queue");
        write_all(&pipes[0].1, &[0]);
        write_all(&pipes[1].1, &[1]);
        assert_eq!(a.await.0.unwrap(), 1);
        assert_eq!(b.await.0.unwrap(), 1);
        assert_eq!(state(&ctx), (0, 0, 2));
    })
    .unwrap();
}

/// An `O_PATH` descriptor: open, but refused by the kernel for any I/O
/// (`fget` skips path-only files), so an fsync of it fails with `EBADF`.
fn path_only() -> Rc<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    Rc::new(std::fs::OpenOptions::new().read(true).custom_flags(libc::O_PATH).open("/").unwrap())
}

// The fsync's result is returned (EBADF for a descriptor the kernel refuses for
// I/O), and each holds a permit until it completes.
#[test]
fn aio_context_sync_and_datasync_return_the_kernel_result() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let ctx = AioContext::new(&d, 1);
    let bad = path_only();
    let path = std::env::temp_dir().join(format!("ring-core-mkqn-sync-{}", std::process::id()));
    let good = Rc::new(std::fs::File::create(&path).unwrap());
    rt.block_on(async {
        assert_eq!(ctx.sync(&bad).await.unwrap_err().raw_os_error(), Some(libc::EBADF));
        assert_eq!(ctx.datasync(&bad).await.unwrap_err().raw_os_error(), Some(libc::EBADF));
        ctx.sync(&good).await.unwrap();
        ctx.datasync(&good).await.unwrap();
        assert_eq!((ctx.in_flight(), ctx.peak()), (0, 1));
    })
    .unwrap();
    std::fs::remove_file(path).unwrap();
}

// `Uring` over a pipe, with every count checked. It checks the buffer size, the
// `Debug` form, `buffered` and `has_pending` before, during and after a read
// abandoned mid-flight, reads and writes of empty slices (which start nothing),
// counts bounded by the capacity, and `read_exact`/`write_all` across several
// internal transfers.
#[test]
fn uring_counts_every_byte_and_every_pending_operation() {
    assert_eq!(DEFAULT_BUFFER, 64 * 1024);
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (rx, tx) = pipe();
    let rfd = rx.as_raw_fd();
    let mut r = Uring::new(&d, rx);
    let mut w = Uring::with_capacity(&d, std::fs::File::from(tx), 10);
    rt.block_on(async {
        assert_eq!((r.buffered(), r.has_pending()), (0, false));
        assert_eq!(format!("{r:?}"), format!("Uring {{ fd: {rfd}, buffered: 0, reading: false, writing: false }}"));
        // Empty slices: nothing starts.
        assert_eq!(r.read(&mut []).await.unwrap(), 0);
        assert_eq!(w.write(&[]).await.unwrap(), 0);
        assert!(!r.has_pending() && !w.has_pending());
        // A write moves at most the capacity.
        let data: Vec<u8> = (0..25u8).collect();
        assert_eq!(w.write(&data).await.unwrap(), 10);
        assert!(!w.has_pending());
        // A read abandoned mid-flight stays pending, then its bytes come
        // first.
        {
            let mut big = [0u8; 64];
            let mut fut = pin!(r.read(&mut big));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            // The 10 bytes are already in the pipe: poll until the read is
            // submitted, then drop the future before it can finish.
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
        assert!(r.has_pending(), "the abandoned read is still in flight");
        assert_eq!(r.buffered(), 0, "nothing is buffered before the read completes");
        assert!(format!("{r:?}").contains("reading: true"), "{r:?}");
        let mut three = [0u8; 3];
        assert_eq!(r.read(&mut three).await.unwrap(), 3);
        assert_eq!(three, [0, 1, 2]);
        assert!(!r.has_pending());
        assert_eq!(r.buffered(), 7, "the rest of the abandoned read's 10 bytes");
        assert!(format!("{r:?}").contains("buffered: 7"), "{r:?}");
        let mut four = [0u8; 4];
        assert_eq!(r.read(&mut four).await.unwrap(), 4);
        assert_eq!((four, r.buffered()), ([3, 4, 5, 6], 3));
        let mut more = [0u8; 64];
        assert_eq!(r.read(&mut more).await.unwrap(), 3, "only what is buffered, no new read");
        assert_eq!(&more[..3], [7, 8, 9]);
        assert_eq!(r.buffered(), 0);
        // write_all over three transfers of at most 10, read_exact over
        // reads that each return what the pipe holds.
        w.write_all(&data[10..]).await.unwrap();
        let mut rest = [0u8; 15];
        r.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest[..], &data[10..]);
        assert_eq!((r.buffered(), r.has_pending(), w.has_pending()), (0, false, false));
        // A large write through the default-sized reader's peer: one read
        // returns at most DEFAULT_BUFFER bytes.
        let (rx2, tx2) = pipe();
        let mut r2 = Uring::new(&d, rx2);
        let mut w2 = Uring::new(&d, std::fs::File::from(tx2));
        // SAFETY: F_SETPIPE_SZ has no memory effects.
        unsafe { libc::fcntl(w2.get_ref().as_raw_fd(), libc::F_SETPIPE_SZ, 256 * 1024) };
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(w2.write(&big).await.unwrap(), DEFAULT_BUFFER, "one write moves the whole buffer");
        let mut got = vec![0u8; 100_000];
        assert_eq!(r2.read(&mut got).await.unwrap(), DEFAULT_BUFFER);
        assert!(got[..DEFAULT_BUFFER] == big[..DEFAULT_BUFFER]);
        // End of file: read_exact reports it.
        drop(w2);
        let mut tail = [0u8; 8];
        assert_eq!(r2.read_exact(&mut tail).await.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    })
    .unwrap();
}
