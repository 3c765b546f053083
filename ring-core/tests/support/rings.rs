//! Scaffolding for the opcode tests: rings, completions, temporary files,
//! pipes and loopback sockets, registered files and buffers, and a
//! provided-buffer ring. Standard library and libc only.

// Each test binary that includes this module uses a different subset.
#![allow(dead_code)]

use ring_core::sys::*;
use ring_core::{Cqe, Probe, Ring};
use std::ffi::CString;
use std::net::{SocketAddrV4, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU16, AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How long any single wait in these tests may take before it counts as
/// a hang. Generous: the machine is shared and noisy.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// A default ring for one test.
pub fn ring() -> Ring {
    Ring::new(32).expect("io_uring setup")
}

/// What the running kernel supports.
pub fn probe(ring: &Ring) -> Probe {
    Probe::new(ring).expect("IORING_REGISTER_PROBE")
}

/// Whether the kernel supports `op`; prints why the test skips if not.
pub fn supported(ring: &Ring, op: u8, test: &str) -> bool {
    let ok = probe(ring).supported(op);
    if !ok {
        println!("SKIP {test}: the kernel does not support {} (probe)", ring_core::names::opcode_name(op));
    }
    ok
}

/// Submits what is queued and reaps completions until `n` have arrived,
/// failing the test if that takes longer than [`PATIENCE`].
pub fn collect(ring: &mut Ring, n: usize) -> Vec<Cqe> {
    collect_within(ring, n, PATIENCE)
}

/// As [`collect`], with an explicit limit.
pub fn collect_within(ring: &mut Ring, n: usize, within: Duration) -> Vec<Cqe> {
    let deadline = Instant::now() + within;
    let mut out = Vec::new();
    loop {
        while let Some(c) = ring.cq().pop() {
            out.push(c);
        }
        if out.len() >= n {
            return out;
        }
        let now = Instant::now();
        assert!(now < deadline, "timed out waiting for {n} completions; got {out:?}");
        match ring.submit_and_wait_timeout(1, deadline - now) {
            Ok(_) => {}
            Err(e) if e.is_transient() => {}
            Err(e) => panic!("io_uring_enter: {e}"),
        }
    }
}

/// Submits and returns the one completion that follows.
pub fn one(ring: &mut Ring) -> Cqe {
    let mut v = collect(ring, 1);
    assert_eq!(v.len(), 1, "expected exactly one completion: {v:?}");
    v.pop().unwrap()
}

/// Submits and returns `n` completions sorted by `user_data`.
pub fn sorted(ring: &mut Ring, n: usize) -> Vec<Cqe> {
    let mut v = collect(ring, n);
    v.sort_by_key(|c| c.user_data);
    v
}

/// Whether no completion arrives within `d` (submitting first).
pub fn quiet_for(ring: &mut Ring, d: Duration) -> bool {
    let _ = ring.submit_and_wait_timeout(1, d);
    ring.cq().pop().is_none()
}

/// `-errno` as a completion carries it.
pub const fn neg(errno: i32) -> i32 {
    -errno
}

/// A unique path under the system temporary directory, removed (file or
/// directory tree) when dropped.
pub struct TempPath(pub PathBuf);

impl TempPath {
    /// A fresh, not yet existing path whose name ends in `name`.
    pub fn new(name: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("ring-core-opcodes-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        let _ = std::fs::remove_file(&p);
        TempPath(p)
    }

    /// A fresh file holding `data`.
    pub fn with(name: &str, data: &[u8]) -> Self {
        let t = TempPath::new(name);
        std::fs::write(&t.0, data).expect("write temp file");
        t
    }

    /// The path as a C string.
    pub fn c(&self) -> CString {
        cstr(&self.0)
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A path as a NUL-terminated C string.
pub fn cstr(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).expect("path without NUL")
}

/// A pipe, both ends close-on-exec: (read end, write end).
pub fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(r, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both are fresh descriptors we own.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Writes all of `data` to `fd` with `write(2)`.
pub fn write_fd(fd: RawFd, data: &[u8]) {
    // SAFETY: `data` is valid for reads of its length during the call.
    let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
    assert_eq!(n, data.len() as isize, "write: {}", std::io::Error::last_os_error());
}

/// Reads up to `max` bytes from `fd` with `read(2)`.
pub fn read_fd(fd: RawFd, max: usize) -> Vec<u8> {
    let mut buf = vec![0u8; max];
    // SAFETY: `buf` is valid for writes of `max` bytes during the call.
    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), max) };
    assert!(n >= 0, "read: {}", std::io::Error::last_os_error());
    buf.truncate(n as usize);
    buf
}

/// Whether `fd` is an open descriptor.
pub fn fd_is_open(fd: RawFd) -> bool {
    // SAFETY: F_GETFD only inspects the descriptor table.
    unsafe { libc::fcntl(fd, libc::F_GETFD) != -1 }
}

/// Waits until `fd` has one of `events`, or [`PATIENCE`] passes.
pub fn poll_for(fd: RawFd, events: i16) -> bool {
    let mut p = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one valid pollfd for the duration of the call.
    let r = unsafe { libc::poll(&mut p, 1, PATIENCE.as_millis() as i32) };
    r == 1 && p.revents & events != 0
}

/// A connected TCP pair on 127.0.0.1.
pub fn tcp_pair() -> (TcpStream, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let a = TcpStream::connect(l.local_addr().unwrap()).expect("connect");
    let (b, _) = l.accept().expect("accept");
    (a, b)
}

/// A `sockaddr_in` for `a`.
pub fn sockaddr_in(a: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: a.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
        sin_zero: [0; 8],
    }
}

/// The address in a `sockaddr_in`.
pub fn from_sockaddr_in(s: &libc::sockaddr_in) -> SocketAddrV4 {
    SocketAddrV4::new(s.sin_addr.s_addr.to_ne_bytes().into(), u16::from_be(s.sin_port))
}

/// The local address of a socket, by `getsockname(2)`.
pub fn local_v4(fd: RawFd) -> SocketAddrV4 {
    // SAFETY: all-zero is a valid sockaddr_in.
    let mut sa: libc::sockaddr_in = unsafe { core::mem::zeroed() };
    let mut len = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: `sa` and `len` are valid for writes during the call.
    let r = unsafe { libc::getsockname(fd, (&raw mut sa).cast(), &mut len) };
    assert_eq!(r, 0, "getsockname: {}", std::io::Error::last_os_error());
    from_sockaddr_in(&sa)
}

/// A socket option of type int, by `getsockopt(2)`.
pub fn sockopt_int(fd: RawFd, level: i32, name: i32) -> i32 {
    let mut v: i32 = 0;
    let mut len = 4 as libc::socklen_t;
    // SAFETY: `v` and `len` are valid for writes during the call.
    let r = unsafe { libc::getsockopt(fd, level, name, (&raw mut v).cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    v
}

/// A new IPv4 socket of `ty`, owned.
pub fn socket(ty: i32) -> OwnedFd {
    // SAFETY: socket(2) has no memory arguments.
    let fd = unsafe { libc::socket(libc::AF_INET, ty | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor we own.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Registers `fds` as the ring's file table (-1 for an empty slot).
pub fn register_files(ring: &Ring, fds: &[RawFd]) {
    // SAFETY: `fds` is a live array of `fds.len()` descriptors, which the
    // kernel reads during the call only (it takes its own references).
    unsafe { ring.register_raw(IORING_REGISTER_FILES, fds.as_ptr().cast(), fds.len() as u32) }
        .expect("IORING_REGISTER_FILES");
}

/// Registers `bufs` as the ring's fixed buffers.
///
/// The kernel pins the pages; the caller keeps the buffers alive (declared
/// before the ring, so they are dropped after it) and submits no fixed
/// operation on them after they are freed.
pub fn register_buffers(ring: &Ring, bufs: &mut [Vec<u8>]) {
    let iov: Vec<libc::iovec> =
        bufs.iter_mut().map(|b| libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() }).collect();
    // SAFETY: `iov` is a live array of iovecs naming live buffers; the
    // kernel pins those pages and reads the array during the call only.
    unsafe { ring.register_raw(IORING_REGISTER_BUFFERS, iov.as_ptr().cast(), iov.len() as u32) }
        .expect("IORING_REGISTER_BUFFERS");
}

/// A provided-buffer ring (`IORING_REGISTER_PBUF_RING`) of `entries`
/// buffers of `buf_len` bytes in group `bgid`, over memory mapped here.
pub struct BufRing {
    ring: *mut u8,
    map_len: usize,
    entries: u16,
    bgid: u16,
    buf_len: usize,
    data: Vec<u8>,
    tail: u16,
}

impl BufRing {
    /// Maps, registers and fills the ring with every buffer.
    pub fn new(ring: &Ring, entries: u16, buf_len: usize, bgid: u16) -> Self {
        assert!(entries.is_power_of_two());
        let map_len = (usize::from(entries) * core::mem::size_of::<io_uring_buf>()).max(4096);
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let mem = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(mem, libc::MAP_FAILED, "mmap");
        let reg =
            io_uring_buf_reg { ring_addr: mem as u64, ring_entries: u32::from(entries), bgid, ..Default::default() };
        // SAFETY: `reg` names a page-aligned mapping big enough for
        // `entries` ring entries, which stays mapped until `Drop` (after
        // `unregister`, or after the ring's teardown released it).
        unsafe { ring.register_raw(IORING_REGISTER_PBUF_RING, (&raw const reg).cast(), 1) }
            .expect("IORING_REGISTER_PBUF_RING");
        let mut br = BufRing {
            ring: mem.cast(),
            map_len,
            entries,
            bgid,
            buf_len,
            data: vec![0u8; usize::from(entries) * buf_len],
            tail: 0,
        };
        for bid in 0..entries {
            br.add(bid);
        }
        br.publish();
        br
    }

    /// Queues buffer `bid` at the private tail (visible after `publish`).
    pub fn add(&mut self, bid: u16) {
        let idx = usize::from(self.tail & (self.entries - 1));
        let addr = self.data.as_mut_ptr().wrapping_add(usize::from(bid) * self.buf_len);
        let entry = self.ring.wrapping_add(idx * core::mem::size_of::<io_uring_buf>());
        // SAFETY: `idx < entries`, so the entry lies inside the mapping; it is not in the published range, so the
        // kernel is not reading it. Only `addr`, `len` and `bid` are written: the `resv` field of entry 0 is the shared
        // tail.
        unsafe {
            entry.cast::<u64>().write(addr as u64);
            entry.add(8).cast::<u32>().write(self.buf_len as u32);
            entry.add(12).cast::<u16>().write(bid);
        }
        self.tail = self.tail.wrapping_add(1);
    }

    /// Publishes the queued buffers with a release store of the tail, so
    /// the kernel sees the entries before the tail that covers them.
    pub fn publish(&self) {
        let tail = io_uring_buf_ring::tail_ptr(self.ring.cast());
        // SAFETY: the tail is a 2-aligned u16 inside the mapping, which the
        // kernel reads concurrently; an atomic view of it is how both sides
        // share it.
        let tail = unsafe { AtomicU16::from_ptr(tail) };
        tail.store(self.tail, Ordering::Release);
    }

    /// The bytes of buffer `bid`.
    pub fn buf(&self, bid: u16) -> &[u8] {
        let start = usize::from(bid) * self.buf_len;
        &self.data[start..start + self.buf_len]
    }

    /// The group ID.
    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    /// Unregisters the group; call it once nothing uses the buffers.
    pub fn unregister(&self, ring: &Ring) {
        let reg = io_uring_buf_reg { bgid: self.bgid, ..Default::default() };
        // SAFETY: an io_uring_buf_reg naming the group, read during the call.
        unsafe { ring.register_raw(IORING_UNREGISTER_PBUF_RING, (&raw const reg).cast(), 1) }
            .expect("IORING_UNREGISTER_PBUF_RING");
    }
}

impl Drop for BufRing {
    fn drop(&mut self) {
        // SAFETY: the mapping was made in `new` and is unmapped once. The
        // kernel pinned the pages at registration, so even a ring that
        // still has the group registered never touches freed memory.
        unsafe { libc::munmap(self.ring.cast(), self.map_len) };
    }
}

/// Consumes `fd` into an owned descriptor (for results that are new fds).
pub fn own(fd: i32) -> OwnedFd {
    assert!(fd >= 0, "not a descriptor: {fd}");
    // SAFETY: the caller passes a fresh descriptor nothing else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The raw descriptor of anything that has one.
pub fn raw(x: &impl AsRawFd) -> RawFd {
    x.as_raw_fd()
}
