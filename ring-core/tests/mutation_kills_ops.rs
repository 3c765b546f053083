//! Tests written to kill survivors of the eleventh cargo-mutants pass over
//! `ring-core/src/ops`, part 1: `bufsel.rs`, `direct.rs`, `fixed_vec.rs`,
//! `fs.rs` and `fs2.rs`. Each test names the mutants it kills (as
//! `file:line:col` of the pass's snapshot); each kill was checked by
//! planting the mutant by hand.
//!
//! Several mutants replace an `orphaned` hook with `()`. The hook runs when
//! an operation's future is dropped after its completion arrived but before
//! the output was collected; [`finish_unobserved`] brings an operation to
//! exactly that point, so the completion (with the descriptor, slot or
//! buffer it created) reaches the hook deterministically, not a
//! cancellation.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::fixed::FixedBuffers;
use ring_core::fixed_files::FixedFiles;
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::sys::*;
use ring_core::{At, Driver, Runtime};
use std::ffi::CString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

mod support;
use support::{finish_unobserved, run_to_completion_unobserved};

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

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ring-core-mkops-{}-{name}", std::process::id()))
}

fn cpath(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

fn pipe() -> (Rc<OwnedFd>, Rc<OwnedFd>) {
    support::pipe()
}

fn tcp_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (a, b)
}

/// How many of this process's descriptors name `path`.
fn fds_naming(path: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        if std::fs::read_link(e.path()).is_ok_and(|t| t == path) {
            n += 1;
        }
    }
    n
}

// ---- bufsel.rs ----

/// Kills `bufsel.rs:88:9: replace <impl Operation for ReadPool>::orphaned
/// with ()`: a pool read whose future is dropped after it completed must
/// still give its buffer back. With one buffer in the pool, the next read
/// fails with ENOBUFS if it was not.
#[test]
fn an_orphaned_pool_read_that_completed_gives_its_buffer_back() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_READ, "orphaned pool read") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(101, 1).buffers(1, 32)).unwrap();
    let (r, w) = pipe();
    support::write_all(&w, b"first");
    finish_unobserved(&d, d.read_pool(&r, &pool, u64::MAX));
    assert_eq!(pool.recycled(), 1, "the orphan's buffer was recycled");
    support::write_all(&w, b"second");
    let buf = rt.block_on(d.read_pool(&r, &pool, u64::MAX)).unwrap().expect("the only buffer is back");
    assert_eq!(&buf[..], b"second");
}

/// Kills `bufsel.rs:117:9: replace <impl Operation for RecvPool>::orphaned
/// with ()`, as above for a receive.
#[test]
fn an_orphaned_pool_receive_that_completed_gives_its_buffer_back() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_RECV, "orphaned pool receive") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(102, 1).buffers(1, 32)).unwrap();
    let (mut peer, sock) = tcp_pair();
    let sock = Rc::new(sock);
    peer.write_all(b"first").unwrap();
    finish_unobserved(&d, d.recv_pool(&sock, &pool, 0));
    assert_eq!(pool.recycled(), 1, "the orphan's buffer was recycled");
    peer.write_all(b"second").unwrap();
    let buf = rt.block_on(d.recv_pool(&sock, &pool, 0)).unwrap().expect("the only buffer is back");
    assert_eq!(&buf[..], b"second");
}

/// The control message a receiving socket with `IP_RECVTTL` gets for a
/// datagram sent with TTL `ttl`: a `cmsghdr` (`IPPROTO_IP`, `IP_TTL`) and
/// the TTL as an `int`, padded to `CMSG_SPACE(4)`.
fn ttl_cmsg(ttl: i32) -> Vec<u8> {
    let mut v = Vec::new();
    // SAFETY: CMSG_LEN and CMSG_SPACE only compute sizes.
    let (len, space) = unsafe { (libc::CMSG_LEN(4) as usize, libc::CMSG_SPACE(4) as usize) };
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&libc::IPPROTO_IP.to_ne_bytes());
    v.extend_from_slice(&libc::IP_TTL.to_ne_bytes());
    v.extend_from_slice(&ttl.to_ne_bytes());
    v.resize(space, 0);
    v
}

/// Kills the survivors in `RecvMsgBuf` (bufsel.rs) with a multishot
/// `recvmsg` whose name area (32 bytes) is larger than the header (16) and
/// whose control area (64 bytes) is larger than both together, receiving
/// datagrams with a TTL control message of known contents:
///
/// - 250:22 `<` replaced by `==` or `<=` in `parse`: a datagram of zero
///   bytes fills exactly header + name + control, which is a valid
///   message, not EINVAL.
/// - 250:28 `+` replaced by `-` (`hdr - name_area` underflows), 250:40 `+`
///   replaced by `-` (`hdr + name_area - control_area` underflows) or by
///   `*` (16 + 32 * 64 is more than the buffer: EINVAL) in `parse`.
/// - 263:9 `header` returning a default header (its lengths are checked).
/// - 274:9 `control` returning an empty slice, `[0]` or `[1]`; 274:66 `+`
///   replaced by `-` or `*` (the control area's start) and 275:32 `+`
///   replaced by `-` or `*` (its end): the control bytes are compared.
/// - 281:83 `+` replaced by `-` in `payload` (the payload's start).
/// - 287:9 `flags` returning 0: a datagram larger than the room left gives
///   `MSG_TRUNC`.
#[test]
fn recvmsg_multishot_parses_name_control_and_payload_areas_of_known_sizes() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    // Multishot recvmsg came with Linux 6.0, as did IORING_OP_SEND_ZC,
    // which the probe can see.
    if !supported(&d, IORING_OP_RECVMSG, "recvmsg multishot") || !supported(&d, IORING_OP_SEND_ZC, "ditto (6.0)") {
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(103, 4).buffers(4, 256)).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.set_ttl(77).unwrap();
    let on: libc::c_int = 1;
    // SAFETY: setsockopt reads one int from a live local during the call.
    let r = unsafe {
        libc::setsockopt(
            rx.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_RECVTTL,
            (&raw const on).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "IP_RECVTTL: {}", std::io::Error::last_os_error());
    let (name_area, control_area) = (32u32, 64u32);
    let hdr = core::mem::size_of::<io_uring_recvmsg_out>();
    assert_eq!(hdr, 16);
    let room = 256 - hdr - name_area as usize - control_area as usize;
    let cmsg = ttl_cmsg(77);
    let to = rx.local_addr().unwrap();
    let from_port = tx.local_addr().unwrap().port();
    let big: Vec<u8> = (0..room as u32 + 50).map(|i| i as u8).collect();
    rt.block_on(async {
        let mut stream = d.recvmsg_pool_multishot(&rx, &pool, name_area, control_area, 0);
        for msg in [b"hello".as_slice(), &big, b""] {
            tx.send_to(msg, to).unwrap();
            let m = match stream.next().await {
                Some(Ok(m)) => m,
                other => panic!("message of {} bytes: {other:?}", msg.len()),
            };
            let h = m.header();
            assert_eq!(h.namelen as usize, core::mem::size_of::<libc::sockaddr_in>(), "header: name length");
            assert_eq!(h.controllen as usize, cmsg.len(), "header: control length");
            assert_eq!(h.payloadlen as usize, msg.len().min(room), "header: payload length (as copied)");
            assert_eq!(m.name().len(), core::mem::size_of::<libc::sockaddr_in>());
            // SAFETY: the name area holds the sender's sockaddr_in.
            let sin = unsafe { m.name().as_ptr().cast::<libc::sockaddr_in>().read_unaligned() };
            assert_eq!(u16::from_be(sin.sin_port), from_port);
            assert_eq!(m.control(), &cmsg[..], "the TTL control message");
            if msg.len() <= room {
                assert_eq!(m.payload(), msg);
                assert_eq!(m.flags() & libc::MSG_TRUNC as u32, 0);
            } else {
                assert_eq!(m.payload(), &msg[..room], "truncated to the buffer");
                assert_ne!(m.flags() & libc::MSG_TRUNC as u32, 0, "MSG_TRUNC in the message's flags");
            }
        }
        // (On 6.18 the datagram of zero bytes also ended the stream; if it
        // did not, dropping the stream cancels it.)
        drop(stream);
    })
    .unwrap();
    rt.block_on(d.sleep(Duration::from_millis(2))).unwrap().unwrap();
    assert_eq!(pool.with_kernel(), 4);
}

// ---- direct.rs ----

/// Kills `direct.rs:98:27: replace match guard len as usize >=
/// core::mem::size_of::<libc::sockaddr_in6>() with false in socket_addr`:
/// a direct accept on an IPv6 listener reports the peer's IPv6 address.
#[test]
fn a_direct_accept_reports_an_ipv6_peer() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_ACCEPT, "direct accept over IPv6") {
        return;
    }
    let listener = match TcpListener::bind("[::1]:0") {
        Ok(l) => Rc::new(l),
        Err(e) => {
            println!("SKIP direct accept over IPv6: no IPv6 loopback ({e})");
            return;
        }
    };
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (conn, peer) = rt.block_on(d.accept_direct(&listener, &files)).unwrap().unwrap();
    assert_eq!(peer, Some(client.local_addr().unwrap()), "the peer's address, IPv6");
    drop(conn);
}

/// Kills `direct.rs:136:9: replace <impl Operation for AcceptDirect>::orphaned
/// with ()`: a direct accept whose future is dropped after it completed
/// empties its slot, which closes the connection and frees the slot for
/// the next allocation (one allocatable slot).
#[test]
fn an_orphaned_direct_accept_that_completed_empties_its_slot() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_ACCEPT, "orphaned direct accept") || !supported(&d, IORING_OP_SOCKET, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..1).unwrap();
    let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
    let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    finish_unobserved(&d, d.accept_direct(&listener, &files));
    let sock = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0)).unwrap();
    assert_eq!(sock.expect("the only slot is free again").slot(), 0);
    client.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = [0u8; 1];
    assert_eq!(client.read(&mut rest).unwrap(), 0, "the accepted connection was closed");
}

/// Kills `direct.rs:167:9: replace <impl Operation for SocketDirect>::orphaned
/// with ()`: a direct socket whose future is dropped after it completed
/// gives its slot back (one allocatable slot).
#[test]
fn an_orphaned_direct_socket_that_completed_empties_its_slot() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SOCKET, "orphaned direct socket") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 2..3).unwrap();
    finish_unobserved(&d, d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0));
    assert_eq!(files.occupied(), 0);
    let again = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0)).unwrap();
    assert_eq!(again.expect("the only slot is free again").slot(), 2);
}

/// Kills `direct.rs:198:9: replace <impl Operation for CloseDirect>::orphaned
/// with ()`: an explicit close whose future is dropped after it completed
/// records that the kernel emptied the slot. Without that, dropping the
/// handle it held empties the slot a second time, and by then the slot
/// holds another file: opened after the close, before the drop.
#[test]
fn an_orphaned_direct_close_does_not_empty_the_slot_again() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_CLOSE, "orphaned direct close") || !supported(&d, IORING_OP_OPENAT, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..1).unwrap();
    let path = temp_path("close-direct");
    let flags = libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC;
    let first = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), flags, 0o600)).unwrap().unwrap();
    assert_eq!(first.slot(), 0);
    let mut close = d.close_direct(first).expect("the only holder");
    run_to_completion_unobserved(&d, &mut close);
    // The kernel closed slot 0; a new file takes it.
    let second = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), libc::O_RDWR, 0)).unwrap().unwrap();
    assert_eq!(second.slot(), 0);
    drop(close);
    d.poll().unwrap();
    assert_eq!(files.occupied(), 1, "the new file still occupies the slot");
    let (n, _) = rt.block_on(d.write_direct(&second, b"still open".to_vec(), 0)).unwrap();
    assert_eq!(n.expect("the slot still holds the new file"), 10);
    drop(second);
    assert_eq!(std::fs::read(&path).unwrap(), b"still open");
    std::fs::remove_file(path).unwrap();
}

/// Kills `direct.rs:326:9: replace <impl Operation for ConnectDirect>::complete
/// -> io::Result<()> with Ok(())`: connecting a direct socket to a port
/// nobody listens on fails with ECONNREFUSED.
#[test]
fn a_refused_direct_connect_reports_the_error() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SOCKET, "refused direct connect") || !supported(&d, IORING_OP_CONNECT, "ditto") {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    // A port that was just free and now has no listener.
    let addr = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let r = rt
        .block_on(async {
            let sock = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0).await.unwrap();
            d.connect_direct(&sock, addr).await
        })
        .unwrap();
    assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::ECONNREFUSED));
}

// ---- fixed_vec.rs ----

/// Kills `fixed_vec.rs: replace check_segments -> Option<Error> with None`:
/// segments past the registered buffer, or more than 1024 of them, are
/// refused with a typed error before anything reaches the kernel, for reads
/// and writes, and the lease and segments come back.
#[test]
fn vectored_fixed_io_refuses_segments_outside_the_buffer_or_too_many() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 1, 4096).unwrap();
    let (r, w) = pipe();
    let cases: [(&str, Vec<core::ops::Range<usize>>); 3] = [
        ("past the end", vec![0..10, 4000..4097]),
        ("inverted", vec![0..1, core::ops::Range { start: 10, end: 5 }]),
        ("1025 segments", (0..1025).map(|i| i..i + 1).collect()),
    ];
    for (what, segs) in cases {
        for write in [false, true] {
            let buf = table.lease(0).unwrap();
            let (res, back, segs_back) = if write {
                rt.block_on(d.writev_fixed(&w, buf, segs.clone(), 0)).unwrap()
            } else {
                rt.block_on(d.readv_fixed(&r, buf, segs.clone(), 0)).unwrap()
            };
            let e = res.expect_err(what);
            let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
            assert!(
                matches!(typed, Some(ring_core::Error::TooLong { .. } | ring_core::Error::InvalidArgument(_))),
                "{what} (write: {write}) is refused with a typed error: {e:?}"
            );
            assert_eq!((back.index(), segs_back), (0, segs.clone()), "the lease and segments come back");
            assert_eq!(d.stats().started, 0, "nothing reached the kernel");
        }
    }
    // Segments inside the buffer are accepted (the operation is built).
    drop(d.readv_fixed(&r, table.lease(0).unwrap(), vec![0..4096, 0..0], 0));
    drop(d.writev_fixed(&w, table.lease(0).unwrap(), (0..1024).map(|i| i..i + 1).collect(), 0));
}

// ---- fs.rs ----

/// Kills `fs.rs:24:9: replace <impl Operation for Fsync>::prepare ->
/// io_uring_sqe with Default::default()` (a NOP, which succeeds) and
/// `fs.rs:32:9: replace <impl Operation for Fsync>::complete ->
/// io::Result<()> with Ok(())`: `fsync` and `fdatasync` of a pipe fail with
/// EINVAL, and succeed on a file.
#[test]
fn fsync_of_a_pipe_fails_with_einval() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FSYNC, "fsync of a pipe") {
        return;
    }
    let (r, _w) = pipe();
    let path = temp_path("fsync");
    let file = Rc::new(std::fs::File::create(&path).unwrap());
    rt.block_on(async {
        assert_eq!(d.fsync(&r).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        assert_eq!(d.fdatasync(&r).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        d.fsync(&file).await.unwrap();
        d.fdatasync(&file).await.unwrap();
    })
    .unwrap();
    std::fs::remove_file(path).unwrap();
}

/// Kills `fs.rs:50:9: replace <impl Operation for Fallocate>::prepare ->
/// io_uring_sqe with Default::default()` (a NOP: the file keeps its size)
/// and `fs.rs:60:9: replace <impl Operation for Fallocate>::complete ->
/// io::Result<()> with Ok(())` (fallocate of a pipe fails with ESPIPE).
#[test]
fn fallocate_grows_a_file_and_refuses_a_pipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FALLOCATE, "fallocate") {
        return;
    }
    let path = temp_path("fallocate");
    let file =
        Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap());
    let (_r, w) = pipe();
    rt.block_on(async {
        d.fallocate(&file, 0, 4096, 8192).await.unwrap();
        assert_eq!(d.fallocate(&w, 0, 0, 4096).await.unwrap_err().raw_os_error(), Some(libc::ESPIPE));
    })
    .unwrap();
    assert_eq!(file.metadata().unwrap().len(), 4096 + 8192);
    std::fs::remove_file(path).unwrap();
}

/// Whether `fd` has `FD_CLOEXEC`.
fn cloexec(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor's flags.
    let f = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert!(f >= 0);
    f & libc::FD_CLOEXEC != 0
}

/// Kills `fs.rs:92:46: replace | with ^ in <impl Operation for
/// OpenAt>::prepare`: `openat` always opens close-on-exec, also when the
/// caller asked for `O_CLOEXEC` itself (`^` would clear it).
#[test]
fn openat_is_close_on_exec_whether_or_not_asked() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT, "openat close-on-exec") {
        return;
    }
    let null = cpath(Path::new("/dev/null"));
    rt.block_on(async {
        for flags in [libc::O_RDONLY, libc::O_RDONLY | libc::O_CLOEXEC] {
            let fd = d.openat(At::CWD, null.clone(), flags, 0).await.unwrap();
            assert!(cloexec(&fd), "flags {flags:#x}");
        }
    })
    .unwrap();
}

/// Kills `fs.rs:102:9: replace <impl Operation for OpenAt>::orphaned with
/// ()`: a file opened by an `openat` whose future was dropped after it
/// completed is closed (no descriptor of this process names it).
#[test]
fn an_orphaned_openat_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT, "orphaned openat") {
        return;
    }
    let path = temp_path("orphan-openat");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    finish_unobserved(&d, d.openat(At::CWD, cpath(&path), libc::O_RDONLY, 0));
    assert_eq!(fds_naming(&path), 0, "the orphan's descriptor was closed");
    // The check sees a descriptor that is open.
    let fd = rt.block_on(d.openat(At::CWD, cpath(&path), libc::O_RDONLY, 0)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop(fd);
    std::fs::remove_file(path).unwrap();
}

/// Kills `fs.rs:120:9: replace <impl Operation for OpenAt2>::prepare ->
/// io_uring_sqe with Default::default()`: the descriptor `openat2` returns
/// is the named file (a NOP would hand back descriptor 0).
#[test]
fn openat2_opens_the_named_file() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT2, "openat2") {
        return;
    }
    let path = temp_path("openat2");
    std::fs::write(&path, b"openat2").unwrap();
    let how = open_how { flags: libc::O_RDONLY as u64, mode: 0, resolve: 0 };
    // Kept as a number until checked: the mutant's descriptor 0 is not ours to close.
    let fd = rt.block_on(d.openat2(At::CWD, cpath(&path), how)).unwrap().unwrap().into_raw_fd();
    // SAFETY: fstat writes one `stat` into the live local.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: as above; `st` is valid for writes.
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    let meta = std::fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((st.st_dev, st.st_ino), (meta.dev(), meta.ino()), "descriptor {fd} names the file");
    // SAFETY: `fd` is the descriptor openat2 just opened for us.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
    std::fs::remove_file(path).unwrap();
}

/// Kills `fs.rs:134:9: replace <impl Operation for OpenAt2>::orphaned with
/// ()`, as for `openat` above.
#[test]
fn an_orphaned_openat2_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT2, "orphaned openat2") {
        return;
    }
    let path = temp_path("orphan-openat2");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    let how = open_how { flags: libc::O_RDONLY as u64, mode: 0, resolve: 0 };
    finish_unobserved(&d, d.openat2(At::CWD, cpath(&path), how));
    assert_eq!(fds_naming(&path), 0, "the orphan's descriptor was closed");
    let fd = rt.block_on(d.openat2(At::CWD, cpath(&path), how)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop(fd);
    std::fs::remove_file(path).unwrap();
}

/// A duplicate of `fd` at the lowest free number at or above `min`, which
/// no other thread of the test binary reaches (they hold a few dozen).
fn dup_high(fd: &impl AsRawFd, min: i32) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC creates a new descriptor; no memory is involved.
    let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) };
    assert!(n >= min, "F_DUPFD_CLOEXEC: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor nothing else owns.
    unsafe { OwnedFd::from_raw_fd(n) }
}

/// Kills `fs.rs:177:9: replace <impl Operation for Close>::orphaned with
/// ()`: a close whose future is dropped after the kernel closed the
/// descriptor must not close it again, since by then the number may name
/// another file (here one put there on purpose, with `dup2`).
#[test]
fn an_orphaned_close_does_not_close_the_number_again() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_CLOSE, "orphaned close") {
        return;
    }
    let (r, w) = pipe();
    let victim = dup_high(&r, 700);
    let n = victim.as_raw_fd();
    let mut close = d.close(victim);
    run_to_completion_unobserved(&d, &mut close);
    // SAFETY: F_GETFD only reads the descriptor table.
    assert_eq!(unsafe { libc::fcntl(n, libc::F_GETFD) }, -1, "the kernel closed {n}");
    // The number now names the pipe's write end.
    // SAFETY: `n` is free (just closed) and far above what other threads use.
    assert_eq!(unsafe { libc::dup2(w.as_raw_fd(), n) }, n);
    drop(close);
    d.poll().unwrap();
    // SAFETY: as above.
    assert_ne!(unsafe { libc::fcntl(n, libc::F_GETFD) }, -1, "{n} is still open");
    // SAFETY: `n` is the descriptor dup2 made, still open (checked); we own it.
    let replacement = unsafe { OwnedFd::from_raw_fd(n) };
    support::write_all(&replacement, b"!");
    let mut got = [0u8; 1];
    std::fs::File::from(Rc::try_unwrap(r).unwrap()).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"!");
    drop(replacement);
}

// ---- fs2.rs ----

/// `path` spelled relative to the working directory.
fn relative_to_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    let mut rel = PathBuf::new();
    for _ in cwd.components().skip(1) {
        rel.push("..");
    }
    rel.join(path.strip_prefix("/").unwrap())
}

/// Kills `fs2.rs:21:5: replace dir -> RawFd with Default::default()`: with
/// no directory descriptor, relative paths resolve against the working
/// directory (`AT_FDCWD`), not against descriptor 0.
#[test]
fn relative_paths_without_a_directory_resolve_against_the_working_directory() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_MKDIRAT, "relative mkdirat") || !supported(&d, IORING_OP_RENAMEAT, "ditto") {
        return;
    }
    let base = temp_path("relative");
    let _ = std::fs::remove_dir_all(&base);
    let (a, b) = (relative_to_cwd(&base.join("a")), relative_to_cwd(&base.join("b")));
    std::fs::create_dir(&base).unwrap();
    rt.block_on(async {
        d.mkdirat(At::CWD, cpath(&a), 0o755).await.unwrap();
        d.renameat(At::CWD, cpath(&a), At::CWD, cpath(&b), 0).await.unwrap();
        d.unlinkat(At::CWD, cpath(&b), libc::AT_REMOVEDIR).await.unwrap();
    })
    .unwrap();
    assert!(std::fs::read_dir(&base).unwrap().next().is_none(), "made, renamed and removed");
    std::fs::remove_dir(&base).unwrap();
}

/// Kills `fs2.rs:47:9` (`RenameAt::complete`), `fs2.rs:89:9`
/// (`MkdirAt::complete`), `fs2.rs:110:9` (`SymlinkAt::complete`) and
/// `fs2.rs:136:9` (`LinkAt::complete`), each replaced by `Ok(())`: the
/// kernel's refusals come back as errors.
#[test]
fn directory_operations_report_the_kernels_refusals() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    for (op, name) in [
        (IORING_OP_RENAMEAT, "renameat"),
        (IORING_OP_MKDIRAT, "mkdirat"),
        (IORING_OP_SYMLINKAT, "symlinkat"),
        (IORING_OP_LINKAT, "linkat"),
    ] {
        if !supported(&d, op, name) {
            return;
        }
    }
    let base = temp_path("refusals");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir(&base).unwrap();
    let file = base.join("file");
    std::fs::write(&file, b"x").unwrap();
    let missing = base.join("missing");
    let errno = |r: std::io::Result<()>| r.unwrap_err().raw_os_error();
    rt.block_on(async {
        assert_eq!(errno(d.renameat(At::CWD, cpath(&missing), At::CWD, cpath(&file), 0).await), Some(libc::ENOENT));
        assert_eq!(errno(d.mkdirat(At::CWD, cpath(&base), 0o755).await), Some(libc::EEXIST));
        assert_eq!(errno(d.symlinkat(cpath(&missing), At::CWD, cpath(&file)).await), Some(libc::EEXIST));
        assert_eq!(
            errno(d.linkat(At::CWD, cpath(&missing), At::CWD, cpath(&base.join("l")), 0).await),
            Some(libc::ENOENT)
        );
    })
    .unwrap();
    std::fs::remove_dir_all(&base).unwrap();
}

/// Kills `fs2.rs:156:9` (`Ftruncate::complete` replaced by `Ok(())`),
/// `fs2.rs:252:9` (`Fadvise::prepare` replaced by a NOP) and `fs2.rs:256:9`
/// (`Fadvise::complete` replaced by `Ok(())`): truncating a pipe fails with
/// EINVAL, advice on a pipe with ESPIPE.
#[test]
fn ftruncate_and_fadvise_of_a_pipe_fail() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (_r, w) = pipe();
    rt.block_on(async {
        if supported(&d, IORING_OP_FTRUNCATE, "ftruncate of a pipe") {
            assert_eq!(d.ftruncate(&w, 0).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        }
        if supported(&d, IORING_OP_FADVISE, "fadvise of a pipe") {
            let e = d.fadvise(&w, 0, 4096, libc::POSIX_FADV_DONTNEED).await.unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ESPIPE));
        }
    })
    .unwrap();
}

/// Kills `fs2.rs:351:9` (`SyncFileRange::prepare` replaced by a NOP) and
/// `fs2.rs:355:9` (`SyncFileRange::complete` replaced by `Ok(())`):
/// `sync_file_range` of a pipe fails with ESPIPE.
#[test]
fn sync_file_range_of_a_pipe_fails_with_espipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SYNC_FILE_RANGE, "sync_file_range of a pipe") {
        return;
    }
    let (_r, w) = pipe();
    let e = rt.block_on(d.sync_file_range(&w, 0, 4096, libc::SYNC_FILE_RANGE_WRITE)).unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ESPIPE));
}

/// Kills `fs2.rs:373:5: replace off -> i64 with -1`: a splice with explicit
/// offsets reads and writes the files there, not at their positions (0).
#[test]
fn splice_honours_explicit_offsets_on_both_sides() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SPLICE, "splice with offsets") {
        return;
    }
    let (src_path, dst_path) = (temp_path("splice-src"), temp_path("splice-dst"));
    std::fs::write(&src_path, b"0123456789").unwrap();
    std::fs::write(&dst_path, b"..........").unwrap();
    let src = Rc::new(std::fs::File::open(&src_path).unwrap());
    let dst = Rc::new(std::fs::OpenOptions::new().write(true).open(&dst_path).unwrap());
    let (r, w) = pipe();
    rt.block_on(async {
        assert_eq!(d.splice(&src, Some(3), &w, None, 4, 0).await.unwrap(), 4);
        assert_eq!(d.splice(&r, None, &dst, Some(5), 4, 0).await.unwrap(), 4);
    })
    .unwrap();
    assert_eq!(std::fs::read(&dst_path).unwrap(), b".....3456.");
    std::fs::remove_file(src_path).unwrap();
    std::fs::remove_file(dst_path).unwrap();
}

/// Whether `fd` has `O_NONBLOCK`.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL only reads the file's status flags.
    let f = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(f >= 0);
    f & libc::O_NONBLOCK != 0
}

/// Kills `fs2.rs:422:64: replace | with &` and `replace | with ^ in <impl
/// Operation for Pipe>::prepare`: both ends of a pipe are close-on-exec
/// whatever the flags (also when `O_CLOEXEC` is passed), and the other
/// flags are kept.
#[test]
fn pipe_ends_are_close_on_exec_and_keep_the_flags_asked_for() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_PIPE, "pipe flags") {
        return;
    }
    rt.block_on(async {
        for flags in [0, libc::O_CLOEXEC, libc::O_NONBLOCK] {
            let (r, w) = d.pipe(flags as u32).await.unwrap();
            assert!(cloexec(&r) && cloexec(&w), "flags {flags:#x}");
            let nb = flags == libc::O_NONBLOCK;
            assert_eq!((nonblocking(&r), nonblocking(&w)), (nb, nb), "flags {flags:#x}");
        }
    })
    .unwrap();
}

/// How many descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Kills `fs2.rs:431:9: replace <impl Operation for Pipe>::orphaned with
/// ()`: a pipe created by an operation whose future was dropped after it
/// completed has both ends closed. A pipe has no name to look for, so the
/// test counts descriptors, in a child process that runs this test alone
/// (other tests' threads open descriptors at any time).
#[test]
fn an_orphaned_pipe_that_completed_closes_both_ends() {
    const CHILD: &str = "RING_CORE_MUTATION_KILLS_OPS_CHILD";
    const NAME: &str = "an_orphaned_pipe_that_completed_closes_both_ends";
    if std::env::var_os(CHILD).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads=1", "--nocapture"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("1 passed"), "the child ran the test: {stdout}");
        return;
    }
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_PIPE, "orphaned pipe") {
        return;
    }
    let before = open_fds();
    finish_unobserved(&d, d.pipe(0));
    assert_eq!(open_fds(), before, "both ends of the orphan's pipe were closed");
    // The count sees a pipe that is open.
    let ends = rt.block_on(d.pipe(0)).unwrap().unwrap();
    assert_eq!(open_fds(), before + 2);
    drop(ends);
}

/// Kills `fs2.rs:481:9: replace <impl Operation for FixedFdInstall>::orphaned
/// with ()`: a descriptor installed from a direct slot by an operation
/// whose future was dropped after it completed is closed.
#[test]
fn an_orphaned_fixed_fd_install_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FIXED_FD_INSTALL, "orphaned fixed fd install")
        || !supported(&d, IORING_OP_OPENAT, "ditto")
    {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    let path = temp_path("fd-install");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    let direct = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), libc::O_RDONLY, 0)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 0, "a direct descriptor is not in the process's table");
    finish_unobserved(&d, d.fixed_fd_install_direct(&direct));
    assert_eq!(fds_naming(&path), 0, "the orphan's installed descriptor was closed");
    let fd = rt.block_on(d.fixed_fd_install_direct(&direct)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop((fd, direct));
    std::fs::remove_file(path).unwrap();
}
