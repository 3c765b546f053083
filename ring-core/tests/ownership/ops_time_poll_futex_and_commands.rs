//! The other operation families: NOPs, counted timeouts and tick streams,
//! multishot polls, futexes, ring-to-ring messages, raw and 128-byte
//! commands, provided-buffer groups, `require`, and vectored reads. An
//! operation cancelled before its first poll completes through its own
//! `complete` with `-ECANCELED` (`cancelled_before_submission`).

use crate::caps;
use crate::support;
use crate::support::assert_errno;
use crate::support::{finish_unobserved, poll_counted, supported};
use ring_core::op::Cancelled;
use ring_core::ops::Futex;
use ring_core::{Driver, Runtime};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::{Duration, Instant};

/// The output of an operation cancelled before it was ever polled: it never
/// reaches the kernel and completes as cancelled, through its `complete`
/// with `-ECANCELED`.
fn cancelled_before_submission<T>(rt: &Runtime, op: ring_core::Op<T>) -> T::Output
where
    T: ring_core::op::Operation,
{
    match rt.block_on(op.cancel()).unwrap() {
        Cancelled::Cancelled(out) => out,
        Cancelled::Completed(_) => panic!("an operation cancelled before submission cannot have run"),
    }
}

/// Waits (up to five seconds) until `fd` is readable.
fn wait_readable(fd: &impl AsRawFd) {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: polls one valid pollfd for the duration of the call.
    assert_eq!(unsafe { libc::poll(&mut p, 1, 5000) }, 1, "readable within five seconds");
}

/// A NOP that ended as cancelled reports it.
#[test]
fn a_nop_cancelled_before_submission_reports_ecanceled() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    assert_errno(cancelled_before_submission(&rt, d.nop()), libc::ECANCELED);
    rt.block_on(d.nop()).unwrap().unwrap();
}

/// A timeout ended by its completion count resolves to `Ok(false)`, and one
/// cancelled to an error.
#[test]
fn a_counted_timeout_reports_the_count_and_a_cancelled_one_the_error() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut t = d.timeout(Duration::from_secs(10), 1);
    assert!(poll_counted(&mut t).0.is_pending(), "the timeout was submitted");
    rt.block_on(d.nop()).unwrap().unwrap();
    let start = Instant::now();
    assert!(!rt.block_on(t).unwrap().unwrap(), "the count, not the time, ended it");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_errno(cancelled_before_submission(&rt, d.sleep(Duration::from_secs(10))), libc::ECANCELED);
}

/// A tick stream cancelled in the kernel ends with the cancellation as an
/// error, not as a tick.
#[test]
fn a_cancelled_tick_stream_ends_with_ecanceled() {
    if !caps::multishot_timeouts("a_cancelled_tick_stream_ends_with_ecanceled") {
        return;
    }
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut ticks = d.ticks(Duration::from_secs(3600), 0);
    assert!(poll_counted(&mut ticks.next()).0.is_pending(), "the stream was submitted");
    ticks.cancel();
    let last = rt.block_on(ticks.next()).unwrap().expect("the cancellation arrives as the last item");
    assert_errno(last, libc::ECANCELED);
    assert!(rt.block_on(ticks.next()).unwrap().is_none(), "the stream ended");
}

/// The item is the kernel's `revents` mask (`POLLOUT` here, not `POLLIN`, which
/// is 1).
#[test]
fn a_multishot_poll_item_is_the_revents_mask() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (_r, w) = support::pipe();
    let mut polls = d.poll_multishot(&w, libc::POLLOUT as u32);
    let ev = rt.block_on(polls.next()).unwrap().expect("a readiness event").unwrap();
    assert_eq!(ev, libc::POLLOUT as u32);
}

/// An accept through `TcpListener` (an `Accept` kept alive with the listener's
/// descriptor) whose future is dropped after it completed must close the
/// connection it accepted, so the peer sees end of file.
#[test]
fn an_orphaned_listener_accept_that_completed_closes_the_connection() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let listener = ring_core::net::TcpListener::from_std(&d, std_listener);
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    finish_unobserved(&d, Box::pin(listener.accept()));
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut b = [0u8; 1];
    let n = peer.read(&mut b).expect("the accepted side was closed (EOF), not left open (timeout)");
    assert_eq!(n, 0);
}

/// The word is the shared one, and `load`/`store` read and write it.
#[test]
fn a_futex_word_load_and_store_see_the_same_value() {
    let f = Futex::new(7);
    assert_eq!(f.load(), 7);
    assert_eq!(f.word().load(Ordering::SeqCst), 7);
    f.store(9);
    assert_eq!(f.word().load(Ordering::SeqCst), 9);
    assert_eq!(f.clone().load(), 9);
    f.word().store(11, Ordering::SeqCst);
    assert_eq!(f.load(), 11);
}

/// A vectored wait resolves to the index of the futex that was woken (0 here),
/// and fails with `EAGAIN` at once if a futex does not hold the value it must.
#[test]
fn a_futex_waitv_reports_the_index_woken_and_a_value_mismatch() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_FUTEX_WAITV, "futex_waitv")
        || !supported(&d, ring_core::sys::IORING_OP_FUTEX_WAKE, "futex_waitv")
    {
        return;
    }
    let (f0, f1) = (Futex::new(0), Futex::new(0));
    assert_errno(rt.block_on(d.futex_waitv(&[(f0.clone(), 5), (f1.clone(), 0)])).unwrap(), libc::EAGAIN);
    let mut wait = d.futex_waitv(&[(f0.clone(), 0), (f1.clone(), 0)]);
    assert!(poll_counted(&mut wait).0.is_pending(), "the wait was submitted");
    // The wake is submitted after the wait, so it finds the waiter armed;
    // retried should the kernel have deferred arming it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.block_on(d.futex_wake(&f0, 1)).unwrap().unwrap() == 0 {
        assert!(Instant::now() < deadline, "the waiter never appeared");
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(rt.block_on(wait).unwrap().unwrap(), 0, "futex 0 was woken");
}

/// A message to a descriptor that is not a ring fails with `EBADFD`.
#[test]
fn a_msg_ring_to_a_pipe_fails_with_ebadfd() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_MSG_RING, "msg_ring") {
        return;
    }
    let (r, _w) = support::pipe();
    // SAFETY: the target is a pipe, not a ring, so no completion is posted
    // anywhere and no operation can be impersonated.
    let op = unsafe { d.msg_ring(&r, 0, u64::MAX) };
    assert_errno(rt.block_on(op).unwrap(), libc::EBADFD);
}

/// `SIOCINQ` through a raw command reports the bytes queued on a socket.
#[test]
fn a_raw_uring_cmd_siocinq_reports_the_bytes_queued() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_URING_CMD, "raw uring_cmd") {
        return;
    }
    let b = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    a.send_to(b"12345", b.local_addr().unwrap()).unwrap();
    wait_readable(&b);
    // SAFETY: `SIOCINQ` on a socket reads and writes no memory of ours; it
    // posts one completion with the byte count.
    let op = unsafe { d.uring_cmd(&b, ring_core::sys::SOCKET_URING_OP_SIOCINQ, [0; 16], Vec::new()) };
    let (r, _) = rt.block_on(op).unwrap();
    match r {
        Ok(n) => assert_eq!(n, 5),
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => {
            println!(
                "SKIP raw SIOCINQ: the kernel refused uring_cmd on a socket: {e} (socket commands were added in 6.7)"
            )
        }
        Err(e) => panic!("SIOCINQ: {e}"),
    }
}

/// A provided group reports the size it was given for each buffer.
#[test]
fn a_provided_buffer_group_reports_its_buffer_size() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_PROVIDE_BUFFERS, "provide_buffers") {
        return;
    }
    let g = rt.block_on(d.provide_buffers(48, 3, 91, 0).unwrap()).unwrap().unwrap();
    assert_eq!((g.bgid(), g.count(), g.buf_len()), (91, 3, 48));
    assert_eq!(rt.block_on(d.remove_buffers(3, 91)).unwrap().unwrap(), 3);
}

/// On a ring with 128-byte entries, `nop128` reaches the kernel, which refuses
/// the opcode. On a kernel with the opcode, both succeed and the test only
/// checks that.
#[test]
fn nop128_on_a_128_byte_ring_reaches_the_kernel_as_nop128() {
    let ring = match ring_core::Builder::new(8).sqe128().build() {
        Ok(r) => r,
        Err(e) => {
            println!("SKIP nop128 on an SQE128 ring: {e}");
            return;
        }
    };
    let rt = Runtime::with_ring(ring, ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let r = rt.block_on(d.nop128()).unwrap();
    if d.require(ring_core::sys::IORING_OP_NOP128).is_ok() {
        r.unwrap();
    } else {
        assert_errno(r, libc::EINVAL);
    }
}

/// On a ring with 64-byte entries a 128-byte command is refused on its first
/// poll with `EINVAL`, without reaching the kernel (a faulty version submits
/// it, and the future is still pending).
#[test]
fn uring_cmd128_on_a_64_byte_ring_is_refused_on_its_first_poll() {
    let d = Driver::new(8).unwrap();
    let (r, _w) = support::pipe();
    // SAFETY: the command is refused before the kernel sees it (this ring has
    // 64-byte entries), and its payload is owned by the operation.
    let mut op = unsafe { d.uring_cmd128(&r, 0, [0; 80], Vec::new()) };
    match poll_counted(&mut op).0 {
        Poll::Ready((res, _)) => assert_errno(res, libc::EINVAL),
        Poll::Pending => panic!("the 128-byte command was submitted to a 64-byte ring"),
    }
    assert_eq!(d.stats().started, 0);
}

/// On a ring with 128-byte entries the command reaches the kernel as
/// `IORING_OP_URING_CMD128` and fails, because the kernel lacks the opcode
/// (before 6.19) or a pipe has no `uring_cmd`.
#[test]
fn uring_cmd128_on_a_128_byte_ring_reaches_the_kernel_as_uring_cmd128() {
    let ring = match ring_core::Builder::new(8).sqe128().build() {
        Ok(r) => r,
        Err(e) => {
            println!("SKIP uring_cmd128 on an SQE128 ring: {e}");
            return;
        }
    };
    let rt = Runtime::with_ring(ring, ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    let (r, _w) = support::pipe();
    // SAFETY: a pipe has no `uring_cmd` handler (and a kernel before 6.19 no
    // such opcode), so the command reads or writes nothing; the payload is
    // owned by the operation.
    let op = unsafe { d.uring_cmd128(&r, 0, [0; 80], Vec::new()) };
    let (res, _) = rt.block_on(op).unwrap();
    if d.require(ring_core::sys::IORING_OP_URING_CMD128).is_ok() {
        assert!(res.is_err(), "a pipe has no uring_cmd handler: {res:?}");
    } else {
        assert_errno(res, libc::EINVAL);
    }
}

/// `require` agrees with the probe, refuses an opcode no kernel has, and fails
/// on a driver that was shut down.
#[test]
fn require_agrees_with_the_probe_and_refuses_unknown_opcodes() {
    let d = Driver::new(8).unwrap();
    let probe = d.probe().unwrap();
    for op in 0..=u8::MAX {
        assert_eq!(d.require(op).is_ok(), probe.supported(op), "opcode {op}");
    }
    match d.require(u8::MAX) {
        Err(ring_core::Error::UnsupportedOpcode { opcode, .. }) => assert_eq!(opcode, u8::MAX),
        other => panic!("opcode 255 is no kernel's: {other:?}"),
    }
    d.require(ring_core::sys::IORING_OP_NOP).unwrap();
    d.shutdown();
    assert!(d.require(ring_core::sys::IORING_OP_NOP).is_err(), "no probe after shutdown");
}

/// A scatter read that fills the first buffer and part of the second marks
/// exactly the bytes each received.
#[test]
fn a_scatter_read_marks_the_bytes_each_buffer_received() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (r, w) = support::pipe();
    support::write_all(&w, b"abcdef");
    let bufs = vec![Vec::with_capacity(4), Vec::with_capacity(8), Vec::with_capacity(8)];
    let (n, bufs) = rt.block_on(d.readv_at(&r, bufs, u64::MAX)).unwrap();
    assert_eq!(n.unwrap(), 6);
    let got: Vec<&[u8]> = bufs.iter().map(|b| &b[..]).collect();
    assert_eq!(got, [&b"abcd"[..], b"ef", b""]);
}
