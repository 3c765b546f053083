//! Tests written to kill survivors of the eleventh cargo-mutants pass over
//! `ring-core/src/ops`, part 2: `misc.rs`, `misc2.rs`, `mod.rs`, `net.rs`
//! and `rw.rs`. Each test names the mutants it kills (as `file:line:col` of
//! the pass's snapshot); each kill was checked by planting the mutant by
//! hand.
//!
//! Many `complete` mutants return a fixed success. An operation cancelled
//! before its first poll never reaches the kernel and completes through its
//! own `complete` with `-ECANCELED` ([`cancelled_before_submission`]), so
//! such a mutant turns a deterministic error into a success on any kernel.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::op::Cancelled;
use ring_core::ops::{Futex, Msg, SockAddr};
use ring_core::{Driver, Runtime};
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

mod caps;
mod support;
use support::{counter, finish_unobserved};

/// Whether the kernel has `op`; prints why the test skips if not.
fn supported(d: &Driver, op: u8, test: &str) -> bool {
    match d.require(op) {
        Ok(()) => true,
        Err(e) => {
            println!("SKIP {test}: {e}");
            false
        }
    }
}

/// Polls `f` once with a waker that counts; returns the poll and the count.
fn poll_once<F: Future + Unpin>(f: &mut F) -> (Poll<F::Output>, std::sync::Arc<support::Count>) {
    let (count, waker) = counter();
    let p = Pin::new(f).poll(&mut Context::from_waker(&waker));
    (p, count)
}

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

/// Asserts that `r` is the error `errno`.
#[track_caller]
fn assert_errno<T: std::fmt::Debug>(r: std::io::Result<T>, errno: i32) {
    match r {
        Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{e}"),
        Ok(v) => panic!("expected errno {errno}, got Ok({v:?})"),
    }
}

// ---- misc.rs ----

/// Kills `misc.rs:29:9: replace <impl Operation for Nop>::complete ->
/// io::Result<()> with Ok(())`: a NOP that ended as cancelled reports it.
#[test]
fn a_nop_cancelled_before_submission_reports_ecanceled() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    assert_errno(cancelled_before_submission(&rt, d.nop()), libc::ECANCELED);
    rt.block_on(d.nop()).unwrap().unwrap();
}

/// Kills `misc.rs:80:9: replace <impl Operation for Timeout>::complete ->
/// io::Result<bool> with Ok(true)`: a timeout ended by its completion count
/// resolves to `Ok(false)`, and one cancelled to an error.
#[test]
fn a_counted_timeout_reports_the_count_and_a_cancelled_one_the_error() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut t = d.timeout(Duration::from_secs(10), 1);
    assert!(poll_once(&mut t).0.is_pending(), "the timeout was submitted");
    rt.block_on(d.nop()).unwrap().unwrap();
    let start = Instant::now();
    assert!(!rt.block_on(t).unwrap().unwrap(), "the count, not the time, ended it");
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_errno(cancelled_before_submission(&rt, d.sleep(Duration::from_secs(10))), libc::ECANCELED);
}

/// Kills `misc.rs:163:9: replace <impl Multishot for TimeoutStream>::item ->
/// Option<io::Result<()>> with Some(Ok(()))`: a tick stream cancelled in the
/// kernel ends with the cancellation as an error, not as a tick.
#[test]
fn a_cancelled_tick_stream_ends_with_ecanceled() {
    if !caps::multishot_timeouts("a_cancelled_tick_stream_ends_with_ecanceled") {
        return;
    }
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mut ticks = d.ticks(Duration::from_secs(3600), 0);
    assert!(poll_once(&mut ticks.next()).0.is_pending(), "the stream was submitted");
    ticks.cancel();
    let last = rt.block_on(ticks.next()).unwrap().expect("the cancellation arrives as the last item");
    assert_errno(last, libc::ECANCELED);
    assert!(rt.block_on(ticks.next()).unwrap().is_none(), "the stream ended");
}

/// Kills `misc.rs:193:9: replace <impl Multishot for PollMulti>::item ->
/// Option<io::Result<u32>> with Some(Ok(1))`: the item is the kernel's
/// `revents` mask (`POLLOUT` here, not `POLLIN`, which is 1).
#[test]
fn a_multishot_poll_item_is_the_revents_mask() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (_r, w) = support::pipe();
    let mut polls = d.poll_multishot(&w, libc::POLLOUT as u32);
    let ev = rt.block_on(polls.next()).unwrap().expect("a readiness event").unwrap();
    assert_eq!(ev, libc::POLLOUT as u32);
}

// ---- misc2.rs ----

/// Kills `misc2.rs:52:9: replace <impl Operation for KeepAlive<T, R>>::orphaned
/// with ()`: an accept through `TcpListener` (an `Accept` kept alive with
/// the listener's descriptor) whose future is dropped after it completed
/// must close the connection it accepted, so the peer sees end of file.
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

/// Kills `misc2.rs:133:9: replace Futex::word -> &AtomicU32 with
/// Box::leak(Box::new(Default::default()))` and `misc2.rs:138:9: replace
/// Futex::load -> u32 with 0` (and `with 1`): the word is the shared one,
/// and `load`/`store` read and write it.
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

/// Kills `misc2.rs:205:9: replace <impl Operation for FutexWaitV>::complete
/// -> io::Result<usize> with Ok(1)`: a vectored wait resolves to the index
/// of the futex that was woken (0 here), and fails with `EAGAIN` at once if
/// a futex does not hold the value it must.
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
    assert!(poll_once(&mut wait).0.is_pending(), "the wait was submitted");
    // The wake is submitted after the wait, so it finds the waiter armed;
    // retried should the kernel have deferred arming it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while rt.block_on(d.futex_wake(&f0, 1)).unwrap().unwrap() == 0 {
        assert!(Instant::now() < deadline, "the waiter never appeared");
        d.park(Some(Duration::from_millis(1))).unwrap();
    }
    assert_eq!(rt.block_on(wait).unwrap().unwrap(), 0, "futex 0 was woken");
}

/// Kills `misc2.rs:234:9: replace <impl Operation for MsgRing>::complete ->
/// io::Result<()> with Ok(())`: a message to a descriptor that is not a
/// ring fails with `EBADFD`.
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

/// Kills `misc2.rs:256:9: replace <impl Operation for UringCmd>::prepare ->
/// io_uring_sqe with Default::default()` (a NOP, which completes with 0):
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

/// Kills `misc2.rs:304:9: replace BufferGroup::buf_len -> usize with 0`: a
/// provided group reports the size it was given for each buffer.
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

/// Kills `misc2.rs:381:9: replace <impl Operation for Nop128>::prepare ->
/// io_uring_sqe with Default::default()` (a plain NOP, which succeeds) on
/// kernels without `IORING_OP_NOP128` (before 6.19): on a ring with 128-byte
/// entries, `nop128` reaches the kernel, which refuses the opcode. On a
/// kernel with the opcode, both succeed and the test only checks that.
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

/// Kills `misc2.rs:421:9: replace <impl Operation for UringCmd128>::is_128 ->
/// bool with false`: on a ring with 64-byte entries a 128-byte command is
/// refused on its first poll with `EINVAL`, without reaching the kernel
/// (the mutant submits it, and the future is still pending).
#[test]
fn uring_cmd128_on_a_64_byte_ring_is_refused_on_its_first_poll() {
    let d = Driver::new(8).unwrap();
    let (r, _w) = support::pipe();
    // SAFETY: the command is refused before the kernel sees it (this ring has
    // 64-byte entries), and its payload is owned by the operation.
    let mut op = unsafe { d.uring_cmd128(&r, 0, [0; 80], Vec::new()) };
    match poll_once(&mut op).0 {
        Poll::Ready((res, _)) => assert_errno(res, libc::EINVAL),
        Poll::Pending => panic!("the 128-byte command was submitted to a 64-byte ring"),
    }
    assert_eq!(d.stats().started, 0);
}

/// Kills `misc2.rs:425:9: replace <impl Operation for UringCmd128>::prepare128
/// -> ring_sys::io_uring_sqe128 with Default::default()` (a NOP in a 128-byte
/// entry, which succeeds): on a ring with 128-byte entries the command
/// reaches the kernel as `IORING_OP_URING_CMD128` and fails, because the
/// kernel lacks the opcode (before 6.19) or a pipe has no `uring_cmd`.
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

/// Kills `misc2.rs:456:9: replace Driver<K>::require -> crate::Result<()>
/// with Ok(())`: `require` agrees with the probe, refuses an opcode no
/// kernel has, and fails on a driver that was shut down.
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

// ---- net.rs ----

/// Kills `net.rs:39:9: replace <impl core::fmt::Debug for SockAddr>::fmt ->
/// core::fmt::Result with Ok(Default::default())`: the debug form shows an
/// IP address, or the family and length of any other. An IPv6 address is
/// recognised as one, which kills `net.rs:132:31: replace match guard
/// self.len() >= core::mem::size_of::<libc::sockaddr_in6>() with false` and
/// `net.rs:132:42: replace >= with <` in `SockAddr::as_socket_addr`.
#[test]
fn a_socket_address_debug_form_names_it() {
    let v4 = SockAddr::from_std("127.0.0.1:8080".parse().unwrap());
    assert_eq!(format!("{v4:?}"), "SockAddr(127.0.0.1:8080)");
    let v6 = SockAddr::from_std("[::1]:9".parse().unwrap());
    assert_eq!(format!("{v6:?}"), "SockAddr([::1]:9)");
    let un = SockAddr::unix("/tmp/x").unwrap();
    assert_eq!(format!("{un:?}"), format!("SockAddr(family {}, len {})", libc::AF_UNIX, un.len()));
}

/// Kills `net.rs:103:66: replace != with == in SockAddr::unix`,
/// `net.rs:104:37: replace + with -` (and `with *`) and `net.rs:104:23:
/// replace + with *` there: a path name's length counts its terminating
/// NUL, an abstract name's does not. `unix_path` gives the path back (kills
/// the five `net.rs:149:9` replacements of `SockAddr::unix_path` and
/// `net.rs:149:26: replace != with ==`), and the address is not empty
/// (kills `net.rs:120:9: replace SockAddr::is_empty -> bool with true` and
/// `net.rs:120:18: replace == with !=`). Also pins the length check (a path
/// that fits in `sun_path` makes an address, one that does not is refused),
/// whose mutant `net.rs:94:24` other suites already catch.
#[test]
fn a_unix_address_takes_paths_that_fit_and_refuses_longer_ones() {
    let base = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    let a = SockAddr::unix("/tmp/sock").unwrap();
    assert_eq!(a.family(), libc::AF_UNIX);
    assert_eq!(a.len(), base + "/tmp/sock".len() + 1, "a path name counts its NUL");
    assert_eq!(a.unix_path(), Some(&b"/tmp/sock"[..]));
    assert!(!a.is_empty());
    assert_eq!(a.as_socket_addr(), None);
    let abs = SockAddr::unix("\0abc").unwrap();
    assert_eq!(abs.len(), base + 4, "an abstract name is its exact length");
    assert_eq!(abs.unix_path(), Some(&b"\0abc"[..]));
    // sun_path holds 108 bytes: 107 and a NUL fit, 108 do not.
    let fits = "x".repeat(107);
    assert_eq!(SockAddr::unix(&fits).unwrap().unix_path(), Some(fits.as_bytes()));
    let e = SockAddr::unix("x".repeat(108)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
}

/// Whether `fd` is close-on-exec.
fn cloexec(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFD on a descriptor we hold reads its flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert!(flags >= 0, "F_GETFD");
    flags & libc::FD_CLOEXEC != 0
}

/// The inodes of this process's Unix-domain sockets of type `ty`
/// (`SOCK_SEQPACKET`, ...), from `/proc/self/fd` and `/proc/net/unix`.
fn unix_sockets_of_type(ty: i32) -> Vec<u64> {
    let table = std::fs::read_to_string("/proc/net/unix").unwrap();
    let of_type: Vec<u64> = table
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (i32::from_str_radix(f.get(4)?, 16).ok()? == ty).then(|| f.get(6)?.parse().ok())?
        })
        .collect();
    let mut mine = Vec::new();
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        let Ok(t) = std::fs::read_link(e.path()) else { continue };
        let t = t.to_string_lossy().into_owned();
        if let Some(ino) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
            let ino: u64 = ino.parse().unwrap();
            if of_type.contains(&ino) {
                mine.push(ino);
            }
        }
    }
    mine
}

/// Kills `net.rs:193:50: replace | with ^ in <impl Operation for
/// Socket>::prepare`: a socket is close-on-exec whether or not the type
/// asked for it (with `^`, asking for it would clear it).
#[test]
fn a_socket_is_close_on_exec_whether_or_not_asked() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SOCKET, "socket cloexec") {
        return;
    }
    for ty in [libc::SOCK_STREAM, libc::SOCK_STREAM | libc::SOCK_CLOEXEC] {
        let s = rt.block_on(d.socket(libc::AF_INET, ty, 0)).unwrap().unwrap();
        assert!(cloexec(&s), "type {ty:#x}");
    }
}

/// Kills `net.rs:202:9: replace <impl Operation for Socket>::orphaned with
/// ()`: a socket created after its future was dropped is closed. The test
/// uses the only `SOCK_SEQPACKET` sockets of this test binary, so it can
/// find them among the process's descriptors.
#[test]
fn an_orphaned_socket_that_completed_is_closed() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SOCKET, "orphaned socket") {
        return;
    }
    let kept = rt.block_on(d.socket(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0)).unwrap().unwrap();
    let before = unix_sockets_of_type(libc::SOCK_SEQPACKET);
    assert_eq!(before.len(), 1, "the lookup sees the socket that was kept");
    finish_unobserved(&d, d.socket(libc::AF_UNIX, libc::SOCK_SEQPACKET, 0));
    assert_eq!(unix_sockets_of_type(libc::SOCK_SEQPACKET), before, "the orphan's socket was closed");
    drop(kept);
}

/// Kills `net.rs:223:9: replace <impl Operation for Bind>::complete ->
/// io::Result<()> with Ok(())`: binding to an address in use fails.
#[test]
fn a_bind_to_an_address_in_use_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_BIND, "bind") {
        return;
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sock = Rc::new(rt.block_on(d.socket(libc::AF_INET, libc::SOCK_STREAM, 0)).unwrap().unwrap());
    assert_errno(rt.block_on(d.bind(&sock, taken.local_addr().unwrap())).unwrap(), libc::EADDRINUSE);
    rt.block_on(d.bind(&sock, "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap())).unwrap().unwrap();
}

/// Kills `net.rs:243:9: replace <impl Operation for Listen>::complete ->
/// io::Result<()> with Ok(())`: a datagram socket cannot listen.
#[test]
fn a_listen_on_a_datagram_socket_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_LISTEN, "listen") {
        return;
    }
    let udp = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    assert_errno(rt.block_on(d.listen(&udp, 8)).unwrap(), libc::EOPNOTSUPP);
}

/// Whether `fd` is non-blocking.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL on a descriptor we hold reads its status flags.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "F_GETFL");
    flags & libc::O_NONBLOCK != 0
}

/// Kills `net.rs:266:31: replace | with & in <impl Operation for
/// Accept>::prepare` (and `with ^`) and `net.rs:297:31` (both) in
/// `AcceptMulti::prepare`: an accepted connection is close-on-exec whatever
/// the flags, and keeps the flags asked for (`SOCK_NONBLOCK`).
#[test]
fn accepted_connections_are_close_on_exec_and_keep_their_flags() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_ACCEPT, "accept flags") {
        return;
    }
    let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let addr = l.local_addr().unwrap();
    let mut peers = Vec::new();
    for flags in [0, libc::SOCK_CLOEXEC, libc::SOCK_NONBLOCK] {
        peers.push(std::net::TcpStream::connect(addr).unwrap());
        let (fd, from) = rt.block_on(d.accept(&l, flags)).unwrap().unwrap();
        assert!(cloexec(&fd), "accept with flags {flags:#x}");
        assert_eq!(nonblocking(&fd), flags == libc::SOCK_NONBLOCK, "accept with flags {flags:#x}");
        assert_eq!(from.as_socket_addr(), Some(peers.last().unwrap().local_addr().unwrap()));
    }
    // A listener per multishot accept: a stream dropped while still armed
    // could take the next connection.
    for flags in [0, libc::SOCK_CLOEXEC, libc::SOCK_NONBLOCK] {
        let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
        peers.push(std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap());
        let mut incoming = d.accept_multishot(&l, flags);
        let fd = rt.block_on(incoming.next()).unwrap().expect("a connection").unwrap();
        assert!(cloexec(&fd), "multishot accept with flags {flags:#x}");
        assert_eq!(nonblocking(&fd), flags == libc::SOCK_NONBLOCK, "multishot accept with flags {flags:#x}");
    }
}

/// Kills `net.rs:277:9: replace <impl Operation for Accept>::orphaned with
/// ()`: a connection accepted after the accept's future was dropped is
/// closed, so the peer sees end of file.
#[test]
fn an_orphaned_accept_that_completed_closes_the_connection() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_ACCEPT, "orphaned accept") {
        return;
    }
    let l = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let mut peer = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    finish_unobserved(&d, d.accept(&l, 0));
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let n = peer.read(&mut [0u8; 1]).expect("the accepted side was closed (EOF), not left open (timeout)");
    assert_eq!(n, 0);
}

/// A new, unconnected IPv4 stream socket (plain system call).
fn tcp_socket() -> Rc<OwnedFd> {
    // SAFETY: socket(2) returns a new descriptor or -1.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket");
    // SAFETY: a fresh descriptor that nothing else owns.
    Rc::new(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Kills `net.rs:327:9: replace <impl Operation for Connect>::complete ->
/// io::Result<()> with Ok(())`: a connection to a closed port is refused.
#[test]
fn a_connect_to_a_closed_port_is_refused() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_CONNECT, "connect") {
        return;
    }
    // A port that was free a moment ago, with no listener now.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let s = tcp_socket();
    assert_errno(rt.block_on(d.connect(&s, closed)).unwrap(), libc::ECONNREFUSED);
}

/// Kills `net.rs:541:40: replace == with != in <impl Operation for
/// RecvMsg<B>>::prepare` (a control buffer with capacity would not be
/// offered) and `net.rs:568:44: replace > with >= in <impl Operation for
/// RecvMsg<B>>::complete` (a receive that reports no source address would
/// give an empty one): a datagram's TTL arrives as control data with its
/// source address; a stream reports no address.
#[test]
fn recvmsg_offers_its_control_buffer_and_reports_a_source_only_when_there_is_one() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_RECVMSG, "recvmsg") {
        return;
    }
    let rx = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let on: libc::c_int = 1;
    // SAFETY: IP_RECVTTL reads one int from a live local during the call.
    let r = unsafe {
        libc::setsockopt(
            rx.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_RECVTTL,
            (&raw const on).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "IP_RECVTTL");
    tx.send_to(b"ttl", rx.local_addr().unwrap()).unwrap();
    let msg = Msg::new(vec![Vec::with_capacity(16)]).control(Vec::with_capacity(64));
    let (n, msg) = rt.block_on(d.recvmsg(&rx, msg, 0)).unwrap();
    assert_eq!(n.unwrap(), 3);
    assert_eq!(&msg.bufs[0][..], b"ttl");
    assert!(!msg.control.is_empty(), "the TTL arrived as control data");
    assert_eq!(msg.addr.and_then(|a| a.as_socket_addr()), Some(tx.local_addr().unwrap()));

    let (mut a, b) = tcp_pair();
    let b = Rc::new(b);
    std::io::Write::write_all(&mut a, b"stream").unwrap();
    let (n, msg) = rt.block_on(d.recvmsg(&b, Msg::new(vec![Vec::with_capacity(16)]), 0)).unwrap();
    assert_eq!(n.unwrap(), 6);
    assert!(msg.addr.is_none(), "a stream receive reports no source address: {:?}", msg.addr);
}

/// A connected pair of loopback TCP sockets.
fn tcp_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, b)
}

/// Kills `net.rs:591:9: replace <impl Operation for Shutdown>::complete ->
/// io::Result<()> with Ok(())`: an unconnected socket cannot be shut down.
#[test]
fn a_shutdown_of_an_unconnected_socket_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_SHUTDOWN, "shutdown") {
        return;
    }
    let s = tcp_socket();
    assert_errno(rt.block_on(d.shutdown_socket(&s, libc::SHUT_RDWR)).unwrap(), libc::ENOTCONN);
}

/// Kills `net.rs:638:9: replace <impl Operation for PollRemove>::complete ->
/// io::Result<()> with Ok(())`: removing a poll that does not exist fails.
#[test]
fn removing_a_poll_that_does_not_exist_fails() {
    // A plain ring: the poll must complete in the kernel as soon as the
    // byte is written, not at the runtime's next enter, as it would under
    // DEFER_TASKRUN (`Runtime::new`'s setup where the kernel has it).
    let rt =
        Runtime::with_ring(ring_core::Builder::new(8).build().unwrap(), ring_core::driver::Batch::default()).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_POLL_REMOVE, "poll_remove") {
        return;
    }
    // A poll the kernel completed (its descriptor became ready) before the
    // removal reached it, but whose completion the driver has not reaped
    // yet: the target is still in flight for the driver, so the removal
    // starts, and the kernel answers that it has no such poll.
    let (r, w) = std::os::unix::net::UnixStream::pair().unwrap();
    let r = Rc::new(r);
    let mut poll = d.poll_add(&r, libc::POLLIN as u32);
    assert!(poll_once(&mut poll).0.is_pending());
    d.poll().unwrap();
    let target = poll.poll_target().expect("submitted");
    (&w).write_all(b"x").unwrap();
    let mut remove = d.poll_remove(target).unwrap();
    assert!(poll_once(&mut remove).0.is_pending(), "started: the driver has not seen the poll end");
    assert_errno(rt.block_on(remove).unwrap(), libc::ENOENT);
    assert_eq!(rt.block_on(poll).unwrap().unwrap() & libc::POLLIN as u32, libc::POLLIN as u32);
}

/// Kills `net.rs:666:9: replace <impl Operation for EpollCtl>::complete ->
/// io::Result<()> with Ok(())`: deleting a descriptor an epoll instance does
/// not watch fails.
#[test]
fn an_epoll_ctl_delete_of_an_unwatched_descriptor_fails() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_EPOLL_CTL, "epoll_ctl") {
        return;
    }
    // SAFETY: epoll_create1 returns a new descriptor or -1.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0, "epoll_create1");
    // SAFETY: a fresh descriptor that nothing else owns.
    let ep = Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
    let (r, _w) = support::pipe();
    assert_errno(rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_DEL, 0, 0)).unwrap(), libc::ENOENT);
    rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 1)).unwrap().unwrap();
    rt.block_on(d.epoll_ctl(&ep, &r, libc::EPOLL_CTL_DEL, 0, 0)).unwrap().unwrap();
}

// ---- rw.rs ----

/// Kills `rw.rs:146:19: replace -= with += in <impl Operation for
/// Readv<B>>::complete`: a scatter read that fills the first buffer and
/// part of the second marks exactly the bytes each received.
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
