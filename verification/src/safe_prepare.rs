//! The safe operations' `prepare`, fuzzed: arbitrary arguments for the
//! operation values a caller can build with safe code (`ring_core::ops`),
//! and checks that the SQE each builds names only what the value owns.
//!
//! For every operation: `prepare` never panics, whatever the arguments (a
//! value the driver refuses, through `Operation::refuse`, is prepared too:
//! a chain prepares its members before it starts, and a refused one must
//! still build without panicking); the entry carries the operation's
//! opcode and the descriptor the value holds; every address in it points
//! into memory the value owns (its buffers, its iovec array, its own
//! timespec), with a length no larger than that memory; and every byte no
//! argument reaches is zero (so no stale field, flag or index can reach the
//! kernel). A vectored operation with more than `IOV_MAX` buffers is
//! refused with `E2BIG`-class errors before the kernel, and its entry never
//! claims more than `IOV_MAX` iovecs. `KeepAlive` builds exactly what the
//! operation it wraps builds.
//!
//! The body runs as a fuzz target (`fuzz/fuzz_targets/safe_prepare.rs`,
//! `scripts/fuzz.sh 600 safe_prepare`) and as a plain test over the seeds
//! in `fuzz/seeds/safe_prepare/` and generated inputs
//! (`tests/safe_prepare.rs`).

use ring_core::ops::{KeepAlive, Nop, Read, Readv, SendZc, Timeout, Write, Writev, IOV_MAX};
use ring_core::{Operation, SharedFd};
use ring_sys::*;
use std::time::Duration;

/// Reads arguments from fuzzer bytes (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
    /// A buffer of capacity `cap` holding `init` bytes (`init <= cap`).
    fn buf(&mut self) -> Vec<u8> {
        let cap = usize::from(self.u16() % 4097);
        let init = if cap == 0 { 0 } else { usize::from(self.u16()) % (cap + 1) };
        let mut v = Vec::with_capacity(cap);
        v.resize(init, 0xa5);
        v
    }
    fn bufs(&mut self) -> Vec<Vec<u8>> {
        // Mostly a few; sometimes more than IOV_MAX.
        let n = match self.u8() % 8 {
            7 => IOV_MAX + 1 + usize::from(self.u8()),
            6 => IOV_MAX,
            k => usize::from(k),
        };
        (0..n).map(|_| if n > 8 { Vec::with_capacity(usize::from(self.u8())) } else { self.buf() }).collect()
    }
}

/// The SQE's 64 bytes.
fn bytes_of(sqe: &io_uring_sqe) -> [u8; 64] {
    // SAFETY: io_uring_sqe is 64 bytes of plain integers (a repr(C) struct
    // of integers and unions of integers), valid to read as bytes.
    unsafe { core::mem::transmute_copy(sqe) }
}

/// Every byte of `got` outside the fields `expected` sets must be zero,
/// and the fields it sets must be equal: compares the whole entry with the
/// one the check built from the arguments.
fn same(what: &str, got: &io_uring_sqe, expected: &io_uring_sqe) {
    let (g, e) = (bytes_of(got), bytes_of(expected));
    if g != e {
        let diff: Vec<usize> = (0..64).filter(|&i| g[i] != e[i]).collect();
        panic!(
            "{what}: the entry differs from what its arguments make at bytes {diff:?}\n got {got:?}\nwant {expected:?}"
        );
    }
}

/// Whether `[addr, addr + len)` lies inside `[base, base + size)`.
fn inside(addr: u64, len: u64, base: *const u8, size: usize) -> bool {
    let base = base as u64;
    addr >= base && addr.checked_add(len).is_some_and(|end| end <= base + size as u64)
}

/// A descriptor the operations hold (an open `/dev/null`); its number is
/// what every entry must carry.
fn descriptor() -> SharedFd {
    let f = std::fs::File::open("/dev/null").expect("/dev/null");
    SharedFd::new(f)
}

thread_local! {
    /// The id of a ring (on the simulated kernel) to ask `refuse` about;
    /// none of these operations names a resource of a ring.
    static RING: ring_core::ring_id::RingId = ring_core::Builder::new(1)
        .build_on(crate::sim::SimKernel::new(crate::sim::SimConfig::default()))
        .expect("a ring on the simulated kernel")
        .id();
}

/// The largest count one read or write transfers (`MAX_RW_COUNT`).
const MAX_RW_COUNT: usize = 0x7fff_f000;

/// One fuzz case: the first byte picks the operation, the rest are its
/// arguments.
pub fn run(data: &[u8]) {
    let mut b = Bytes(data);
    let fd = descriptor();
    let raw = fd.raw();
    let which = b.u8() % 8;
    let ring = RING.with(|r| *r);
    match which {
        0 => {
            let (buf, off) = (b.buf(), b.u64());
            let (ptr, cap) = (buf.as_ptr(), buf.capacity());
            let mut op = Read::new(&fd, buf, off);
            assert_eq!(op.refuse(ring), None, "a read refused");
            let sqe = op.prepare();
            let mut want = io_uring_sqe {
                opcode: IORING_OP_READ,
                fd: raw,
                len: cap.min(MAX_RW_COUNT) as u32,
                ..Default::default()
            };
            want.set_addr(ptr as u64);
            want.set_off(off);
            same("Read", &sqe, &want);
            assert!(cap == 0 || inside(sqe.addr(), u64::from(sqe.len), ptr, cap), "Read: outside its buffer");
        }
        1 => {
            let (buf, off) = (b.buf(), b.u64());
            let (ptr, len, cap) = (buf.as_ptr(), buf.len(), buf.capacity());
            let mut op = Write::new(&fd, buf, off);
            assert_eq!(op.refuse(ring), None, "a write refused");
            let sqe = op.prepare();
            let mut want = io_uring_sqe { opcode: IORING_OP_WRITE, fd: raw, len: len as u32, ..Default::default() };
            want.set_addr(ptr as u64);
            want.set_off(off);
            same("Write", &sqe, &want);
            assert!(cap == 0 || inside(sqe.addr(), u64::from(sqe.len), ptr, cap), "Write: outside its buffer");
        }
        2 | 3 => {
            let (bufs, off) = (b.bufs(), b.u64());
            let spans: Vec<(usize, usize, usize)> =
                bufs.iter().map(|v| (v.as_ptr() as usize, v.len(), v.capacity())).collect();
            let n = bufs.len();
            let (sqe, refused, op_name) = if which == 2 {
                let mut op = Readv::new(&fd, bufs, off);
                (op.prepare(), op.refuse(ring), "Readv")
            } else {
                let mut op = Writev::new(&fd, bufs, off);
                (op.prepare(), op.refuse(ring), "Writev")
            };
            if n > IOV_MAX {
                assert!(refused.is_some(), "{op_name} of {n} buffers was not refused");
            } else {
                assert_eq!(refused, None, "{op_name} of {n} buffers refused");
            }
            assert!(sqe.len as usize <= IOV_MAX, "{op_name}: {} iovecs claimed", sqe.len);
            assert_eq!(sqe.len as usize, n.min(IOV_MAX), "{op_name}: the iovec count");
            let opcode = if which == 2 { IORING_OP_READV } else { IORING_OP_WRITEV };
            let mut want = io_uring_sqe { opcode, fd: raw, len: sqe.len, ..Default::default() };
            want.set_addr(sqe.addr());
            want.set_off(off);
            same(op_name, &sqe, &want);
            // The op is gone by now (its iovec array with it): the entry's
            // iovecs are checked while it lives, in `check_vectored`.
            drop(spans);
        }
        4 => {
            let (buf, flags) = (b.buf(), b.u32() as i32);
            let (ptr, len, cap) = (buf.as_ptr(), buf.len(), buf.capacity());
            let mut op = SendZc::new(&fd, buf, flags);
            let refused = op.refuse(ring);
            let sqe = op.prepare();
            let mut want = io_uring_sqe { opcode: IORING_OP_SEND_ZC, fd: raw, len: len as u32, ..Default::default() };
            want.set_addr(ptr as u64);
            want.set_msg_flags(flags as u32);
            same("SendZc", &sqe, &want);
            assert!(cap == 0 || inside(sqe.addr(), u64::from(sqe.len), ptr, cap), "SendZc: outside its buffer");
            let _ = refused;
        }
        5 => {
            let d = Duration::new(b.u64(), b.u32() % 1_000_000_000);
            let mut op = Timeout::relative(d);
            let at = core::ptr::from_ref(&op).cast::<u8>();
            let sqe = op.prepare();
            assert_eq!(op.refuse(ring), None);
            assert_eq!(sqe.opcode, IORING_OP_TIMEOUT);
            assert_eq!(sqe.len, 1, "Timeout: one timespec");
            let size = core::mem::size_of::<Timeout>();
            assert!(
                inside(sqe.addr(), core::mem::size_of::<__kernel_timespec>() as u64, at, size),
                "Timeout: the timespec is not inside the operation"
            );
            // SAFETY: checked just above to lie inside `op`, which lives.
            let ts = unsafe { (sqe.addr() as *const __kernel_timespec).read_unaligned() };
            let secs = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            assert_eq!((ts.tv_sec, ts.tv_nsec), (secs, i64::from(d.subsec_nanos())), "Timeout: the time");
            let mut want = io_uring_sqe { opcode: IORING_OP_TIMEOUT, fd: -1, len: 1, ..Default::default() };
            want.set_addr(sqe.addr());
            same("Timeout", &sqe, &want);
        }
        6 => {
            let (buf, off) = (b.buf(), b.u64());
            // A copy with the same capacity (a clone's is its length).
            let mut copy = Vec::with_capacity(buf.capacity());
            copy.extend_from_slice(&buf);
            let mut plain = Read::new(&fd, copy, off);
            let mut kept = KeepAlive::new(Read::new(&fd, buf, off), b.u64());
            let (p, k) = (plain.prepare(), kept.prepare());
            // The addresses differ (two buffers); everything else is equal.
            let mut k2 = k;
            k2.set_addr(p.addr());
            same("KeepAlive<Read>", &k2, &p);
            assert_eq!(kept.refuse(ring), plain.refuse(ring));
        }
        _ => {
            let mut op = Nop;
            let sqe = op.prepare();
            same("Nop", &sqe, &io_uring_sqe { opcode: IORING_OP_NOP, ..Default::default() });
        }
    }
    check_vectored(&mut b, &fd);
}

/// A vectored read and write whose iovecs are checked while the operation
/// lives: each points at one of its buffers, as long as its capacity (a
/// read) or its initialised bytes (a write).
fn check_vectored(b: &mut Bytes<'_>, fd: &SharedFd) {
    let bufs = b.bufs();
    if bufs.len() > IOV_MAX {
        return;
    }
    let spans: Vec<(usize, usize, usize)> = bufs.iter().map(|v| (v.as_ptr() as usize, v.len(), v.capacity())).collect();
    let mut r = Readv::new(fd, bufs, 0);
    let sqe = r.prepare();
    iovecs_within("Readv", &sqe, &spans, |_, cap| cap);
    let bufs = b.bufs();
    if bufs.len() > IOV_MAX {
        return;
    }
    let spans: Vec<(usize, usize, usize)> = bufs.iter().map(|v| (v.as_ptr() as usize, v.len(), v.capacity())).collect();
    let mut w = Writev::new(fd, bufs, 0);
    let sqe = w.prepare();
    iovecs_within("Writev", &sqe, &spans, |init, _| init);
}

/// Checks the iovec array the entry points at: `sqe.len` entries, the
/// `i`th at buffer `i`'s memory, as long as `len(init, cap)` says.
fn iovecs_within(what: &str, sqe: &io_uring_sqe, spans: &[(usize, usize, usize)], len: fn(usize, usize) -> usize) {
    assert_eq!(sqe.len as usize, spans.len(), "{what}: the iovec count");
    if spans.is_empty() {
        return;
    }
    let iov = sqe.addr() as *const libc::iovec;
    for (i, &(ptr, init, cap)) in spans.iter().enumerate() {
        // SAFETY: the entry points at the operation's iovec array of
        // `sqe.len` entries (checked above), which lives while the caller
        // holds the operation.
        let v = unsafe { iov.add(i).read() };
        assert_eq!(v.iov_base as usize, ptr, "{what}: iovec {i} is not its buffer");
        assert_eq!(v.iov_len, len(init, cap), "{what}: iovec {i}'s length");
    }
}
