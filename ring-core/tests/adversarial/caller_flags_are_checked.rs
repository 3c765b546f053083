//! **Rule: a flag word from the caller never changes which file the kernel
//! uses, how long it keeps memory, or what a completion means.** Every safe
//! operation that takes flags checks them against an allow-list
//! (`ring_core::ops::flags`) and refuses any other bit with `EINVAL`,
//! giving its buffers back, before anything reaches the kernel.
//!
//! The attacks, each observed on the real kernel before the rule:
//! `SPLICE_F_FD_IN_FIXED` made `splice`/`tee` read slot N of the ring's
//! registered file table (N being the number of the file the caller named:
//! another file); `MSG_ZEROCOPY` on a plain `send`/`sendmsg` let TCP read
//! the buffer after the operation's only completion, when Rust had
//! overwritten and freed it; socket options whose value the kernel reads
//! pointers out of, or that it writes beyond the length it is given
//! (`SO_GET_FILTER` counts 8-byte instructions, not bytes). (A `waitid` on
//! a pidfd given as a bare number is refused too:
//! `descriptors_outlive_their_operations.rs`.)
//!
//! Safe code only, but for the fixture the standard library has no API for
//! (attaching a classic BPF filter), marked.

use crate::support::finish;
use ring_core::fixed_files::FixedFiles;
use ring_core::ops::{flags, Msg, SocketCmd};
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{Driver, SharedFd};
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Duration;

const SPLICE_F_FD_IN_FIXED: u32 = 1 << 31;
const MSG_SPLICE_PAGES: i32 = 0x800_0000;
const MSG_CMSG_COMPAT: i32 = i32::MIN; // 0x80000000

fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ring-adv-flags-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    p
}

/// Whether `r` is a refusal: `EINVAL`, raw or as a typed
/// `ring_core::Error::InvalidArgument` (both of kind `InvalidInput`).
fn einval<T>(r: &std::io::Result<T>) -> bool {
    matches!(r, Err(e) if e.raw_os_error() == Some(libc::EINVAL)
        || (e.raw_os_error().is_none() && e.kind() == std::io::ErrorKind::InvalidInput))
}

/// Rule: `splice` never reads a file the caller did not name. Slot N of the
/// registered table holds a secret file, N being the number of the file the
/// caller passes; with `SPLICE_F_FD_IN_FIXED` the kernel would read slot N.
#[test]
fn splice_with_fd_in_fixed_is_refused() {
    let named = scratch("named", b"PUBLIC: the file the caller named\n");
    let secret = scratch("secret", b"SECRET: a file the caller never passed to splice\n");
    let d = Driver::new(16).unwrap();
    let _files = FixedFiles::new(&d, 1024, 1000..1024).unwrap();
    let named_file = Rc::new(std::fs::File::open(&named).unwrap());
    let n = named_file.as_raw_fd();
    assert!(n < 1000, "the named file's number is a slot outside the direct range");
    let other = SharedFd::new(std::fs::File::open(&secret).unwrap());
    let (r, _) = finish(&d, &mut d.files_update(vec![Some(other)], n));
    assert_eq!(r.unwrap(), 1);

    let (pr, pw) = std::io::pipe().unwrap();
    let pw = Rc::new(pw);
    let moved = finish(&d, &mut d.splice(&named_file, Some(0), &pw, None, 200, SPLICE_F_FD_IN_FIXED));
    assert!(einval(&moved), "splice with SPLICE_F_FD_IN_FIXED from the caller: {moved:?}");
    assert_eq!(d.in_flight(), 0);
    // The same splice without the flag reads the named file.
    let moved = finish(&d, &mut d.splice(&named_file, Some(0), &pw, None, 200, libc::SPLICE_F_MOVE));
    assert!(moved.unwrap() > 0);
    drop(pw);
    let mut got = String::new();
    let mut pr = pr;
    pr.read_to_string(&mut got).unwrap();
    assert!(!got.contains("SECRET"), "splice of the named file delivered another file's bytes: {got:?}");
    assert!(got.contains("PUBLIC"));
    let _ = std::fs::remove_file(named);
    let _ = std::fs::remove_file(secret);
}

/// Rule: `tee` never duplicates a pipe the caller did not name.
#[test]
fn tee_with_fd_in_fixed_is_refused() {
    let d = Driver::new(16).unwrap();
    let _files = FixedFiles::new(&d, 1024, 1000..1024).unwrap();
    let (named_r, mut named_w) = std::io::pipe().unwrap();
    named_w.write_all(b"named pipe data").unwrap();
    let named_r = Rc::new(named_r);
    let (other_r, mut other_w) = std::io::pipe().unwrap();
    other_w.write_all(b"OTHER pipe data").unwrap();
    let (r, _) = finish(&d, &mut d.files_update(vec![Some(SharedFd::new(other_r))], named_r.as_raw_fd()));
    assert_eq!(r.unwrap(), 1);
    let (out_r, out_w) = std::io::pipe().unwrap();
    let out_w = Rc::new(out_w);
    let res = finish(&d, &mut d.tee(&named_r, &out_w, 100, SPLICE_F_FD_IN_FIXED));
    assert!(einval(&res), "tee with SPLICE_F_FD_IN_FIXED from the caller: {res:?}");
    let res = finish(&d, &mut d.tee(&named_r, &out_w, 100, 0));
    assert!(res.unwrap() > 0);
    drop(out_w);
    let mut got = String::new();
    let mut out_r = out_r;
    out_r.read_to_string(&mut got).unwrap();
    assert!(!got.contains("OTHER"), "tee of the named pipe duplicated another pipe's bytes: {got:?}");
    assert!(got.contains("named"));
}

/// A TCP connection with `SO_ZEROCOPY` set on the sender, through the
/// safe socket command (the option itself is harmless: it only lets
/// `MSG_ZEROCOPY` sends pin pages).
fn zerocopy_connection(d: &Driver) -> (Rc<TcpStream>, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let tx = Rc::new(TcpStream::connect(l.local_addr().unwrap()).unwrap());
    let (rx, _) = l.accept().unwrap();
    let cmd =
        SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_ZEROCOPY, value: 1i32.to_ne_bytes().to_vec() };
    let (r, _) = finish(d, &mut d.socket_cmd(&tx, cmd).unwrap());
    if let Err(e) = r {
        // Socket commands are Linux 6.7; the refusals below do not need them.
        println!("SO_ZEROCOPY not set through the socket command ({e}); the refusals are checked all the same");
    }
    (tx, rx)
}

/// Reads `want` bytes from `rx` and counts those equal to `c`.
fn read_counting(rx: &TcpStream, want: usize, c: u8) -> usize {
    let mut got = vec![0u8; want];
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rx = rx;
    rx.read_exact(&mut got).unwrap();
    got.iter().filter(|&&b| b == c).count()
}

/// Rule: a plain `send` never leaves the kernel reading its buffer after
/// its completion. With `MSG_ZEROCOPY` (on a socket with `SO_ZEROCOPY`)
/// TCP pins the pages and sends whatever they hold later (the auditor saw
/// the peer receive bytes written, and memory allocated, after the send
/// completed, with the receiver's window full); the operation is refused
/// instead, its buffer given back untouched. The bytes then sent without
/// the flag arrive as they were.
#[test]
fn plain_sends_refuse_msg_zerocopy() {
    const N: usize = 64 * 1024;
    let d = Driver::new(16).unwrap();
    let (tx, rx) = zerocopy_connection(&d);
    let (r, buf) = finish(&d, &mut d.send(&tx, vec![b'A'; N], libc::MSG_ZEROCOPY));
    assert!(einval(&r), "send with MSG_ZEROCOPY: {r:?}");
    assert_eq!(buf, vec![b'A'; N]);
    let (r, msg) = finish(&d, &mut d.sendmsg(&tx, Msg::new(vec![buf]), libc::MSG_ZEROCOPY));
    assert!(einval(&r), "sendmsg with MSG_ZEROCOPY: {r:?}");
    let (r, mut buf) = finish(&d, &mut d.send(&tx, msg.bufs.into_iter().next().unwrap(), MSG_SPLICE_PAGES));
    assert!(einval(&r), "send with the kernel-internal MSG_SPLICE_PAGES: {r:?}");
    // The buffer is sent (copied) without the flag, then overwritten and
    // freed at once: the peer must still get what was sent.
    let (r, back) = finish(&d, &mut d.send(&tx, core::mem::take(&mut buf), 0));
    assert_eq!(r.unwrap(), N);
    drop(back);
    let reuse = vec![b'S'; N];
    assert_eq!(read_counting(&rx, N, b'A'), N, "the peer did not get the bytes that were sent");
    drop(reuse);
}

/// Rule: the zero-copy sends accept `MSG_ZEROCOPY` (they hold their buffer
/// until the kernel's notification anyway).
#[test]
fn zero_copy_sends_accept_msg_zerocopy() {
    let d = Driver::new(16).unwrap();
    if d.require(ring_sys::IORING_OP_SEND_ZC).is_err() {
        println!("skipped: IORING_OP_SEND_ZC not supported");
        return;
    }
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let (r, _) = finish(&d, &mut d.send_zc(&a, b"zero-copy".to_vec(), libc::MSG_ZEROCOPY));
    // A Unix socket does not support zero-copy (`EOPNOTSUPP`): what
    // matters is that the flag was not refused here.
    assert!(!einval(&r), "send_zc refused MSG_ZEROCOPY: {r:?}");
    drop(b);
}

/// Rule: every bit outside an operation's allow-list is refused with
/// `EINVAL` before the kernel sees the operation, and the operation's
/// values come back. Every single bit is tried on every send and receive.
#[test]
fn every_flag_outside_the_allow_lists_is_refused() {
    let d = Driver::new(16).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let (a, b) = (Rc::new(a), Rc::new(b));
    let pool = BufferPool::new(&d, BufRingConfig::new(21, 4).buffers(4, 256)).unwrap();
    for bit in 0..32 {
        let f = 1i32 << bit;
        if flags::SEND & f == 0 {
            let (r, buf) = finish(&d, &mut d.send(&a, vec![1u8; 8], f));
            assert!(einval(&r) && buf == vec![1u8; 8], "send with {f:#x}: {r:?}");
            let (r, msg) = finish(&d, &mut d.sendmsg(&a, Msg::new(vec![vec![2u8; 8]]), f));
            assert!(einval(&r) && msg.bufs[0] == vec![2u8; 8], "sendmsg with {f:#x}: {r:?}");
        }
        if flags::SEND_ZC & f == 0 {
            let (r, _) = finish(&d, &mut d.send_zc(&a, vec![3u8; 8], f));
            assert!(einval(&r), "send_zc with {f:#x}: {r:?}");
            let (r, _) = finish(&d, &mut d.sendmsg_zc(&a, Msg::new(vec![vec![3u8; 8]]), f));
            assert!(einval(&r), "sendmsg_zc with {f:#x}: {r:?}");
        }
        if flags::RECV & f == 0 {
            let (r, buf) = finish(&d, &mut d.recv(&b, Vec::with_capacity(8), f));
            assert!(einval(&r) && buf.capacity() >= 8, "recv with {f:#x}: {r:?}");
            let (r, _) = finish(&d, &mut d.recvmsg(&b, Msg::new(vec![Vec::<u8>::with_capacity(8)]), f));
            assert!(einval(&r), "recvmsg with {f:#x}: {r:?}");
            let r = finish(&d, &mut d.recv_pool(&b, &pool, f));
            assert!(einval(&r), "recv_pool with {f:#x}: {r:?}");
            let mut s = d.recv_pool_multishot(&b, &pool, f);
            let item = finish(&d, &mut Box::pin(s.next()));
            assert!(matches!(&item, Some(r) if einval(r)), "recv_pool_multishot with {f:#x}: {item:?}");
            let mut s = d.recv_bundle_multishot(&b, &pool, f);
            let item = finish(&d, &mut Box::pin(s.next()));
            assert!(matches!(&item, Some(r) if einval(r)), "recv_bundle_multishot with {f:#x}: {item:?}");
            let mut s = d.recvmsg_pool_multishot(&b, &pool, 0, 0, f);
            let item = finish(&d, &mut Box::pin(s.next()));
            assert!(matches!(&item, Some(r) if einval(r)), "recvmsg_pool_multishot with {f:#x}: {item:?}");
        }
        let f = 1u32 << bit;
        if flags::SPLICE & f == 0 {
            let (pr, pw) = std::io::pipe().unwrap();
            let (pr, pw) = (Rc::new(pr), Rc::new(pw));
            let r = finish(&d, &mut d.splice(&pr, None, &pw, None, 8, f));
            assert!(einval(&r), "splice with {f:#x}: {r:?}");
            let r = finish(&d, &mut d.tee(&pr, &pw, 8, f));
            assert!(einval(&r), "tee with {f:#x}: {r:?}");
        }
        assert_eq!(d.in_flight(), 0, "a refused operation reached the kernel");
    }
    // `MSG_CMSG_COMPAT` (the top bit) would make the kernel read the
    // control data in the 32-bit layout, hiding an `SCM_RIGHTS` message
    // from the check of `Msg`.
    let (r, _) = finish(&d, &mut d.sendmsg(&a, Msg::new(vec![vec![0u8; 1]]), MSG_CMSG_COMPAT));
    assert!(einval(&r));
    // The allowed flags still work.
    let (r, _) = finish(&d, &mut d.send(&a, b"ok".to_vec(), libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT));
    assert_eq!(r.unwrap(), 2);
    let (r, buf) = finish(&d, &mut d.recv(&b, Vec::with_capacity(8), libc::MSG_PEEK | libc::MSG_CMSG_CLOEXEC));
    assert_eq!(r.unwrap(), 2);
    assert_eq!(buf, b"ok");
}

/// A classic BPF program of one instruction (`ret #-1`: accept all) on
/// `fd`: the fixture for the filter options, which the standard library
/// cannot set.
fn attach_accept_all_filter(fd: i32) {
    let mut prog = [libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: u32::MAX }];
    let fprog = libc::sock_fprog { len: 1, filter: prog.as_mut_ptr() };
    // SAFETY: the program and its header live across the call, which copies
    // them; `fd` is an open socket.
    let r = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&raw const fprog).cast(),
            core::mem::size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    };
    assert_eq!(r, 0, "attaching the fixture filter: {}", std::io::Error::last_os_error());
}

/// Rule: the safe socket command never lets the kernel read through a
/// pointer, or write past the buffer it was given. `SO_ATTACH_FILTER`'s
/// value holds a pointer the kernel reads the program through (any address
/// safe code cares to write there), and `SO_GET_FILTER` reads its length
/// as a count of 8-byte instructions: given a buffer of capacity `c` it
/// writes up to `8 * c` bytes. Both are refused before anything is
/// submitted; plain options still work.
#[test]
fn socket_options_that_reach_past_their_value_are_refused() {
    let d = Driver::new(8).unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    // A value whose "pointer" is whatever safe code puts in it.
    let mut value = 4u16.to_ne_bytes().to_vec();
    value.resize(core::mem::size_of::<libc::sock_fprog>(), 0);
    value[8..16].copy_from_slice(&0x1000usize.to_ne_bytes());
    let cmd = SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_ATTACH_FILTER, value };
    let r = d.socket_cmd(&a, cmd).map(drop);
    assert!(einval(&r), "SO_ATTACH_FILTER: {r:?}");
    for (level, name) in [
        (libc::SOL_SOCKET, libc::SO_ATTACH_BPF),
        (libc::SOL_SOCKET, libc::SO_ATTACH_REUSEPORT_CBPF),
        (libc::SOL_PACKET, libc::PACKET_FANOUT_DATA),
        (libc::SOL_XDP, 4), // XDP_UMEM_REG
    ] {
        let r = d.socket_cmd(&a, SocketCmd::SetOpt { level, name, value: vec![0u8; 32] }).map(drop);
        assert!(einval(&r), "({level}, {name}): {r:?}");
    }

    // A filter of one instruction is 8 bytes; a buffer of 8 bytes holds it
    // (the kernel reads the 8 as "8 instructions"), so the unrefused call
    // would write within the buffer here, but with a capacity of 1 it
    // would write 8 bytes into 1.
    attach_accept_all_filter(a.as_raw_fd());
    let cmd = SocketCmd::GetOpt { level: libc::SOL_SOCKET, name: libc::SO_GET_FILTER, value: Vec::with_capacity(8) };
    match d.socket_cmd(&a, cmd) {
        Err(e) => assert!(einval::<()>(&Err(e))),
        Ok(mut op) => {
            let (r, cmd) = finish(&d, &mut op);
            panic!("SO_GET_FILTER was not refused: {r:?} {cmd:?}");
        }
    }
    assert_eq!(d.in_flight(), 0);

    // Plain options pass, on a kernel with socket commands (6.7).
    let (r, _) = finish(&d, &mut d.socket_cmd(&a, SocketCmd::InQueue).unwrap());
    if let Err(e) = r {
        println!("SKIP (part) socket_options_that_reach_past_their_value_are_refused: no socket commands ({e})");
        return;
    }
    let cmd =
        SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_RCVBUF, value: 8192i32.to_ne_bytes().to_vec() };
    let (r, _) = finish(&d, &mut d.socket_cmd(&a, cmd).unwrap());
    r.unwrap();
    let cmd = SocketCmd::GetOpt { level: libc::SOL_SOCKET, name: libc::SO_RCVBUF, value: Vec::with_capacity(4) };
    let (r, cmd) = finish(&d, &mut d.socket_cmd(&a, cmd).unwrap());
    assert_eq!(r.unwrap(), 4);
    let SocketCmd::GetOpt { value, .. } = cmd else { unreachable!() };
    assert!(i32::from_ne_bytes(value[..4].try_into().unwrap()) >= 8192);
}
