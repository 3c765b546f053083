//! The socket objects (`TcpStream`, `TcpListener`, `UdpSocket`, `UnixStream`):
//! retries after a signal, errors from a closed peer or an unconnected
//! socket, options, closing through the ring, and the `socket(2)` fallback
//! of kernels without the socket opcode. Some rings run on `Spy`, a kernel
//! that forwards to `Linux` but sees each SQE and can hide opcodes from the
//! probe.

use crate::caps;
use crate::support::localhost;
use crate::support::spy::Watch;
use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_core::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use ring_core::opcode::Nop;
use ring_core::sys::*;
use ring_core::{Builder, Driver, Kernel, Linux, Runtime};
use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

/// What [`Spy`] saw and what it should change.
#[derive(Default)]
struct SpyState {
    params: Option<io_uring_params>,
    sq_ring: Option<NonNull<u8>>,
    sqes: Option<NonNull<u8>>,
    /// The opcode of every SQE submitted, in order.
    opcodes: Vec<u8>,
    /// Opcodes the probe reports as unsupported.
    hide: Vec<u8>,
    /// How many of the next SENDs to turn into NOPs failing with EINTR.
    eintr_sends: u32,
    /// How many were turned.
    eintr_done: u32,
}

/// `Linux`, with a look at every SQE as it is submitted: it records the
/// opcodes, can turn a SEND into a NOP whose result is `-EINTR` (the
/// kernel's `IORING_NOP_INJECT_RESULT`), and can hide opcodes from the
/// probe, so the fallback paths for older kernels run.
type Spy = crate::support::spy::Spy<Rc<RefCell<SpyState>>>;

impl Spy {
    fn hiding(ops: &[u8]) -> Self {
        let s = Spy::default();
        s.0.borrow_mut().hide = ops.to_vec();
        s
    }

    fn saw(&self, op: u8) -> usize {
        self.0.borrow().opcodes.iter().filter(|&&o| o == op).count()
    }
}

/// Looks at (and maybe rewrites) the entries in `[head, tail)` of the
/// SQ, which the enter about to be made will submit.
fn inspect(state: &RefCell<SpyState>) {
    let mut st = state.borrow_mut();
    let (Some(p), Some(ring), Some(sqes)) = (st.params, st.sq_ring, st.sqes) else { return };
    let word = |off: u32| ring.as_ptr().wrapping_add(off as usize).cast::<u32>();
    // SAFETY: the offsets the kernel gave lie inside the mapped SQ ring;
    // the head is the kernel's (read atomically), the tail ring-core's,
    // stored on this thread before this enter.
    let (head, tail) = unsafe {
        (
            (*word(p.sq_off.head).cast::<std::sync::atomic::AtomicU32>()).load(std::sync::atomic::Ordering::Acquire),
            word(p.sq_off.tail).read_volatile(),
        )
    };
    let mask = p.sq_entries - 1;
    let size = if p.flags & IORING_SETUP_SQE128 != 0 { 128 } else { 64 };
    let mut pos = head;
    while pos != tail {
        let idx = if p.flags & IORING_SETUP_NO_SQARRAY != 0 {
            pos & mask
        } else {
            // SAFETY: the array has `sq_entries` slots inside the ring.
            unsafe { word(p.sq_off.array).add((pos & mask) as usize).read_volatile() }
        };
        let sqe = sqes.as_ptr().wrapping_add(idx as usize * size).cast::<io_uring_sqe>();
        // SAFETY: `idx < sq_entries` (ring-core's identity array): inside the mapped SQE array; published,
        // not yet consumed, and the kernel reads it only in the enter that follows, on this thread.
        let mut e = unsafe { sqe.read() };
        st.opcodes.push(e.opcode);
        if e.opcode == IORING_OP_SEND && st.eintr_sends > 0 {
            st.eintr_sends -= 1;
            st.eintr_done += 1;
            let nop = Nop::new().inject_result(-libc::EINTR).build().user_data(e.user_data);
            let flags = e.flags;
            e = *nop;
            e.flags = flags;
            // SAFETY: as above.
            unsafe { sqe.write(e) };
        }
        pos = pos.wrapping_add(1);
    }
}

// SAFETY: every call is forwarded to `Linux`; the only changes are a SEND
// entry rewritten into a NOP (which carries no pointer) before the kernel
// reads it, and opcodes cleared in a probe result.
unsafe impl Watch for Rc<RefCell<SpyState>> {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        let r = Linux.setup(entries, params);
        self.borrow_mut().params = Some(*params);
        r
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        if to_submit > 0 {
            inspect(self);
        }
        // SAFETY: forwarded contract.
        unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        let r = unsafe { Linux.register(fd, opcode, arg, nr_args) };
        if opcode & !IORING_REGISTER_USE_REGISTERED_RING == IORING_REGISTER_PROBE && r.is_ok() {
            for &op in &self.borrow().hide {
                if u32::from(op) < nr_args {
                    // SAFETY: the probe buffer (16-byte header, then 8-byte
                    // ops, `nr_args` of them) the caller passed; the flags
                    // are the `u16` at byte 2 of an op.
                    unsafe {
                        let flags = arg.cast::<u8>().cast_mut().add(16 + 8 * usize::from(op) + 2).cast::<u16>();
                        flags.write_unaligned(flags.read_unaligned() & !IO_URING_OP_SUPPORTED);
                    }
                }
            }
        }
        r
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        let r = Linux.map(fd, offset, len);
        if let Ok(p) = r {
            let mut st = self.borrow_mut();
            if offset == IORING_OFF_SQ_RING {
                st.sq_ring = Some(p);
            } else if offset == IORING_OFF_SQES {
                st.sqes = Some(p);
            }
        }
        r
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        let mut st = self.borrow_mut();
        if st.sq_ring == Some(ptr) {
            st.sq_ring = None;
        }
        if st.sqes == Some(ptr) {
            st.sqes = None;
        }
        drop(st);
        // SAFETY: forwarded contract.
        unsafe { Linux.unmap(ptr, len) }
    }
}

/// A runtime whose ring runs on `spy`.
fn spy_runtime(spy: &Spy) -> Runtime<Spy> {
    let ring = Builder::new(64).build_on(spy.clone()).expect("io_uring setup");
    Runtime::with_ring(ring, ring_core::driver::Immediate).expect("runtime")
}

/// An `int` socket option of `fd`.
fn sockopt(fd: RawFd, level: i32, name: i32) -> i32 {
    let mut v: i32 = -1;
    let mut len = core::mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: `v` and `len` are live and sized for an int option.
    let r = unsafe { libc::getsockopt(fd, level, name, (&raw mut v).cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    v
}

/// The device and inode `fd` names, if it is open.
fn identity(fd: RawFd) -> Option<(u64, u64)> {
    // SAFETY: fstat writes one stat, which lives on our stack; all-zero is
    // a valid stat.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: as above.
    (unsafe { libc::fstat(fd, &mut st) } == 0).then_some((st.st_dev, st.st_ino))
}

/// Whether `fd` still names the file it named when `was` was taken. A
/// closed descriptor's number can be reused at once by another test thread
/// of this binary, so being open is not enough to tell.
fn still_open(fd: RawFd, was: Option<(u64, u64)>) -> bool {
    was.is_some() && identity(fd) == was
}

/// Runs `f` for at most `limit`: `None` if the time ran out first (the
/// future is then dropped, its operation left to the driver).
async fn within<K: Kernel, F: Future>(d: &Driver<K>, limit: Duration, f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut t = pin!(d.sleep(limit));
    poll_fn(|cx| {
        if let Poll::Ready(v) = f.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if t.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// A connected pair of TCP streams on `d`.
async fn tcp_pair<K: Kernel>(d: &Driver<K>) -> (TcpStream<K>, TcpStream<K>) {
    let l = TcpListener::bind(d, localhost()).await.unwrap();
    let addr = l.local_addr().unwrap();
    let c = TcpStream::connect(d, addr).await.unwrap();
    let (s, _) = l.accept().await.unwrap();
    (c, s)
}

// A send that fails with EINTR is retried, not reported. The `Spy` kernel turns
// the first SEND of `write_all` into a NOP failing with -EINTR; every byte must
// still arrive, for a TCP stream and a Unix stream.
#[test]
fn write_all_retries_a_send_interrupted_by_a_signal() {
    // The spy fakes the interruption with a NOP that injects -EINTR.
    if !caps::nop_inject_result("write_all_retries_a_send_interrupted_by_a_signal") {
        return;
    }
    let spy = Spy::default();
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    rt.block_on(async {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (c, s) = tcp_pair(&d).await;
        let (u1, u2) = UnixStream::pair(&d).unwrap();
        for (name, r) in [("tcp", s.as_raw_fd()), ("unix", u2.as_raw_fd())] {
            spy.0.borrow_mut().eintr_sends = 1;
            let (res, _) =
                if name == "tcp" { c.write_all(data.clone()).await } else { u1.write_all(data.clone()).await };
            assert_eq!(
                spy.0.borrow().eintr_done,
                if name == "tcp" { 1 } else { 2 },
                "{name}: the spy interrupted one send"
            );
            res.unwrap_or_else(|e| panic!("{name}: write_all gave up on EINTR: {e}"));
            let mut got = vec![0u8; data.len()];
            let mut have = 0;
            while have < got.len() {
                // SAFETY: reads into the live tail of `got`.
                let n = unsafe { libc::read(r, got[have..].as_mut_ptr().cast(), got.len() - have) };
                assert!(n > 0, "{name}: read: {}", std::io::Error::last_os_error());
                have += n as usize;
            }
            assert!(got == data, "{name}: the bytes differ");
        }
    })
    .unwrap();
}

// An error other than EINTR ends `write_all` with that error. Writing to a
// stream whose peer is gone fails with EPIPE (MSG_NOSIGNAL, so no signal); with
// a faulty version it is retried for ever, which the deadline turns into a
// failure.
#[test]
fn write_all_to_a_closed_peer_reports_broken_pipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let (u1, u2) = UnixStream::pair(&d).unwrap();
        drop(u2);
        let r = within(&d, Duration::from_secs(2), u1.write_all(vec![1u8; 100])).await;
        let (res, buf) = r.expect("write_all kept retrying a failed send");
        assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
        assert_eq!(buf.len(), 100);
    })
    .unwrap();
}

// `TcpListener::bind` sets SO_REUSEADDR and `set_nodelay` sets and clears
// TCP_NODELAY, as `getsockopt` sees.
#[test]
fn socket_options_reach_the_socket() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        assert_ne!(sockopt(l.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR), 0, "SO_REUSEADDR");
        let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
        assert_eq!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0);
        c.set_nodelay(true).unwrap();
        assert_ne!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0, "TCP_NODELAY set");
        c.set_nodelay(false).unwrap();
        assert_eq!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0, "TCP_NODELAY cleared");
    })
    .unwrap();
}

// `getpeername` on a socket that is not connected fails with ENOTCONN, and
// `peer_addr` must say so (with either faulty version the failure is ignored
// and the empty address comes back as InvalidData instead).
#[test]
fn peer_addr_of_an_unconnected_socket_is_enotconn() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    // SAFETY: socket has no memory effects.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0);
    // SAFETY: a fresh descriptor that nothing else owns.
    let s = TcpStream::from_fd(&d, unsafe { OwnedFd::from_raw_fd(fd) });
    let e = s.peer_addr().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOTCONN), "{e:?}");
    assert_eq!(s.local_addr().unwrap(), "0.0.0.0:0".parse::<SocketAddr>().unwrap());
}

/// `Incoming` has a `Debug` form that names it.
#[test]
fn incoming_has_a_debug_form() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let inc = l.incoming();
        assert_eq!(format!("{inc:?}"), "Incoming { .. }");
    })
    .unwrap();
}

// `close` closes the descriptor through the ring (IORING_OP_CLOSE, which the
// `Spy` kernel sees), not by dropping it. Each socket type's `close` is
// checked, and that the descriptor is closed after.
#[test]
fn close_goes_through_the_ring() {
    let spy = Spy::default();
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let (c, s) = {
            let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
            (c, l.accept().await.unwrap().0)
        };
        let u = UdpSocket::bind(&d, localhost()).await.unwrap();
        let (x, y) = UnixStream::pair(&d).unwrap();
        let path = std::env::temp_dir().join(format!("ring-core-mkqn-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ul = UnixListener::bind(&d, &path).await.unwrap();
        let _ = std::fs::remove_file(&path);
        let mut closes = spy.saw(IORING_OP_CLOSE);
        let mut check = |what: &str, fd: RawFd, was: Option<(u64, u64)>| {
            assert_eq!(spy.saw(IORING_OP_CLOSE), closes + 1, "{what}: closed through the ring");
            closes += 1;
            assert!(!still_open(fd, was), "{what}: the descriptor is closed");
        };
        let fd = l.as_raw_fd();
        let was = identity(fd);
        l.close().await.unwrap();
        check("TcpListener", fd, was);
        let fd = c.as_raw_fd();
        let was = identity(fd);
        c.close().await.unwrap();
        check("TcpStream", fd, was);
        let fd = u.as_raw_fd();
        let was = identity(fd);
        u.close().await.unwrap();
        check("UdpSocket", fd, was);
        let fd = x.as_raw_fd();
        let was = identity(fd);
        x.close().await.unwrap();
        check("UnixStream", fd, was);
        drop((s, y, ul));
    })
    .unwrap();
}

// With IORING_OP_SOCKET (and BIND and LISTEN) hidden from the probe, as on a
// kernel before 5.19, sockets are made with socket(2), close-on-exec, and work.
#[test]
fn sockets_without_the_socket_opcode_use_the_system_call() {
    let spy = Spy::hiding(&[IORING_OP_SOCKET, IORING_OP_BIND, IORING_OP_LISTEN]);
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    assert!(d.require(IORING_OP_SOCKET).is_err(), "the spy hides the opcode");
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        let u = UdpSocket::bind(&d, localhost()).await.unwrap();
        for (what, fd) in [("listener", l.as_raw_fd()), ("stream", c.as_raw_fd()), ("udp", u.as_raw_fd())] {
            // SAFETY: F_GETFD has no memory effects.
            let fl = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            assert_eq!(fl & libc::FD_CLOEXEC, libc::FD_CLOEXEC, "{what}: close-on-exec");
        }
        assert_eq!(sockopt(u.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE), libc::SOCK_DGRAM);
        let (r, _) = c.write_all(b"ping".to_vec()).await;
        r.unwrap();
        let (n, b) = s.read(Vec::with_capacity(8)).await;
        assert_eq!((n.unwrap(), &b[..]), (4, &b"ping"[..]));
    })
    .unwrap();
    assert_eq!(spy.saw(IORING_OP_SOCKET), 0, "no SOCKET entry was submitted");
}

// Only a negative result of socket(2) is an error; 0 is a descriptor like any
// other, and it is the one socket(2) returns when standard input is closed. The
// test runs itself again as a child process (so closing descriptor 0 touches no
// other test), with SOCKET hidden from the probe; the child closes descriptor 0
// and binds a UDP socket, which must get descriptor 0 and work.
#[test]
fn a_socket_made_by_the_system_call_may_be_descriptor_0() {
    const NAME: &str = "sockets::a_socket_made_by_the_system_call_may_be_descriptor_0";
    if crate::support::in_child() {
        let spy = Spy::hiding(&[IORING_OP_SOCKET]);
        let rt = spy_runtime(&spy);
        let d = rt.driver().clone();
        // SAFETY: descriptor 0 is this child's standard input, /dev/null,
        // which nothing here uses.
        assert_eq!(unsafe { libc::close(0) }, 0);
        rt.block_on(async {
            let u = UdpSocket::bind(&d, localhost()).await.expect("bind with socket(2) returning 0");
            assert_eq!(u.as_raw_fd(), 0, "socket(2) returned the lowest free descriptor");
            let addr = u.local_addr().unwrap();
            let v = UdpSocket::bind(&d, localhost()).await.unwrap();
            let (r, _) = v.send_to(b"zero".to_vec(), addr).await;
            assert_eq!(r.unwrap(), 4);
            let (r, b) = u.recv_from(Vec::with_capacity(8)).await;
            assert_eq!((r.unwrap().0, &b[..]), (4, &b"zero"[..]));
        })
        .unwrap();
        println!("CHILD OK");
        return;
    }
    let out = crate::support::child(NAME);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("CHILD OK"), "the child failed:\n{text}");
}

// After `shutdown(Write)` the peer reads end of file, and after
// `shutdown(Read)` this end's own read returns 0 at once.
#[test]
fn unix_stream_shutdown_reaches_the_socket() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let (a, b) = UnixStream::pair(&d).unwrap();
        a.shutdown(std::net::Shutdown::Write).await.unwrap();
        let r = within(&d, Duration::from_secs(2), b.read(Vec::with_capacity(8))).await;
        let (n, _) = r.expect("the peer saw no end of file after shutdown(Write)");
        assert_eq!(n.unwrap(), 0);
        b.shutdown(std::net::Shutdown::Read).await.unwrap();
        let r = within(&d, Duration::from_secs(2), b.read(Vec::with_capacity(8))).await;
        let (n, _) = r.expect("a read after shutdown(Read) did not end");
        assert_eq!(n.unwrap(), 0);
    })
    .unwrap();
}
