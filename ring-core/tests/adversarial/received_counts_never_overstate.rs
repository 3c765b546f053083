//! **Rule: a count that marks bytes initialised, or hands buffers out,
//! never exceeds what the kernel wrote.** A receive with `MSG_TRUNC`
//! reports a datagram's full length (on TCP, the bytes discarded unwritten);
//! taken as "bytes written" it marked uninitialised bytes initialised
//! (`Recv` into a `Slice` set the whole `Vec`'s length past the slice), and
//! a bundle receive walked that many bytes along the pool's buffers,
//! handing out `PoolBuf`s over buffers the kernel still owned (it wrote the
//! next datagram into them) and pushing them into the ring a second time
//! when dropped. Now: the receives refuse `MSG_TRUNC` (`EINVAL`), every
//! `complete` clamps the count to the length it gave the kernel, a `Slice`
//! clamps to its end, a bundle's walk stops where the kernel cannot have
//! taken buffers, and a `recvmsg`'s control data covers only initialised
//! bytes (the kernel counts padding it never writes).
//!
//! Stale bytes left in a buffer's spare capacity make an overstated count
//! visible without reading uninitialised memory.

use crate::support::finish;
use ring_core::buf::{IoBuf, IoBufMut};
use ring_core::ops::Msg;
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::Driver;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::time::Duration;

/// Whether `r` is a refusal: `EINVAL`, raw or as a typed
/// `ring_core::Error::InvalidArgument` (both of kind `InvalidInput`).
fn einval<T>(r: &std::io::Result<T>) -> bool {
    matches!(r, Err(e) if e.raw_os_error() == Some(libc::EINVAL)
        || (e.raw_os_error().is_none() && e.kind() == std::io::ErrorKind::InvalidInput))
}

/// Rule: an 8-byte slice of a `Vec` never marks more than its 8 bytes
/// initialised, whatever the receive's result.
#[test]
fn msg_trunc_cannot_make_a_slice_claim_bytes_the_kernel_never_wrote() {
    let d = Driver::new(8).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(&[b'D'; 40], rx.local_addr().unwrap()).unwrap();
    let mut v: Vec<u8> = vec![b'Z'; 64];
    v.clear();
    let (r, s) = finish(&d, &mut d.recv(&rx, v.slice(0..8), libc::MSG_TRUNC));
    let v = s.into_inner();
    assert!(v.len() <= 8, "an 8-byte slice read marked {} bytes initialised ({r:?})", v.len());
    assert!(einval(&r), "recv with MSG_TRUNC is refused: {r:?}");
    // Without the flag the datagram is received, truncated to the slice.
    let (r, s) = finish(&d, &mut d.recv(&rx, v.slice(0..8), 0));
    assert_eq!(r.unwrap(), 8);
    assert_eq!(s.into_inner(), vec![b'D'; 8]);
}

/// Rule: a fresh `Vec` read through a 16-byte slice has at most 16
/// initialised bytes afterwards.
#[test]
fn msg_trunc_cannot_mark_a_fresh_vecs_capacity_initialised() {
    let d = Driver::new(8).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(&[b'D'; 1000], rx.local_addr().unwrap()).unwrap();
    let v: Vec<u8> = Vec::with_capacity(4096);
    let (r, s) = finish(&d, &mut d.recv(&rx, v.slice(0..16), libc::MSG_TRUNC));
    let len = s.into_inner().len();
    assert!(len <= 16, "a 16-byte read marked {len} bytes of a fresh Vec initialised ({r:?})");
    assert!(einval(&r), "recv with MSG_TRUNC is refused: {r:?}");
    // recvmsg reports the truncation without the flag, in `msg_flags`.
    let msg = Msg::new(vec![Vec::<u8>::with_capacity(16)]);
    let (r, msg) = finish(&d, &mut d.recvmsg(&rx, msg, 0));
    assert_eq!(r.unwrap(), 16);
    assert_eq!(msg.bufs[0].len(), 16);
    assert_ne!(msg.flags & libc::MSG_TRUNC, 0, "the truncation is reported in msg.flags");
}

/// Rule: a `Slice` records at most its own length as initialised, even if
/// told more (a count that overstates, whatever its cause). The bytes after
/// the slice were written here, so the call keeps its contract; what is
/// checked is that the inner buffer does not take them as the slice's.
#[test]
fn a_slice_clamps_the_count_it_records() {
    let mut v = vec![b'Z'; 64];
    v.truncate(4);
    let mut s = v.slice(4..12);
    // SAFETY: every byte of the Vec's capacity was written above (it held
    // 64 initialised bytes before `truncate`), so any prefix counts as
    // written.
    unsafe { s.set_init(100) };
    assert_eq!(s.get_ref().len(), 12, "a slice ending at 12 marked {} bytes initialised", s.get_ref().len());
    let mut v = vec![0u8; 4];
    v.reserve_exact(60);
    let mut s = v.slice(0..8);
    // SAFETY: as above: the first 4 bytes were written, and the call says
    // 4 more were; then those are the only ones recorded.
    unsafe { s.set_init(8) };
    assert_eq!(s.get_ref().len(), 8);
}

/// Sends `n` bytes of `byte` to `to` as one datagram.
fn datagram(tx: &UdpSocket, to: std::net::SocketAddr, byte: u8, n: usize) {
    tx.send_to(&vec![byte; n], to).unwrap();
}

/// Rule: a bundle receive never hands out a `PoolBuf` over a buffer the
/// kernel still owns. With `MSG_TRUNC` the count was the datagram's full
/// length, larger than what the kernel placed, and the next datagram
/// landed in `PoolBuf`s the caller held; it is refused. Without it, the
/// buffers of one completion are never written by the next.
#[test]
fn a_bundle_never_claims_buffers_the_kernel_still_owns() {
    let d = Driver::new(64).unwrap();
    if !d.has_feature(ring_sys::IORING_FEAT_RECVSEND_BUNDLE) {
        println!("skipped: the kernel has no bundle receives (IORING_FEAT_RECVSEND_BUNDLE)");
        return;
    }
    let pool = BufferPool::new(&d, BufRingConfig::new(31, 512).buffers(512, 16)).unwrap();
    let rx = Rc::new(UdpSocket::bind("127.0.0.1:0").unwrap());
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = rx.local_addr().unwrap();

    // The auditor's attack: should the stream run, the buffers of the first
    // completion must stay as the kernel left them while the second
    // datagram arrives. It is refused instead.
    let mut stream = d.recv_bundle_multishot(&rx, &pool, libc::MSG_TRUNC);
    datagram(&tx, to, b'A', 5000);
    match finish(&d, &mut Box::pin(stream.next())) {
        Some(Ok(first)) => {
            let before: Vec<Vec<u8>> = first.iter().map(|b| b.to_vec()).collect();
            datagram(&tx, to, b'B', 300);
            let second = finish(&d, &mut Box::pin(stream.next()));
            let changed = first.iter().zip(&before).filter(|(b, s)| b[..] != s[..]).count();
            assert_eq!(changed, 0, "the kernel wrote the next datagram into {changed} PoolBufs still held");
            drop(second);
            panic!("a bundle receive with MSG_TRUNC was not refused");
        }
        first => assert!(matches!(&first, Some(r) if einval(r)), "bundle with MSG_TRUNC: {first:?}"),
    }
    assert!(finish(&d, &mut Box::pin(stream.next())).is_none(), "a refused stream ends");
    drop(stream);
    assert_eq!(pool.with_kernel(), 512, "a refused stream took no buffer");
    // Drain the datagram the refused stream left in the socket.
    let (r, _) = finish(&d, &mut d.recv(&rx, Vec::with_capacity(8192), 0));
    r.unwrap();

    // Without the flag: the first datagram's buffers stay as the kernel
    // left them while the second arrives.
    let mut stream = d.recv_bundle_multishot(&rx, &pool, 0);
    datagram(&tx, to, b'A', 5000);
    let first = finish(&d, &mut Box::pin(stream.next())).expect("an item").expect("the first datagram");
    // How many buffers a datagram's bundle takes is the kernel's choice
    // (this one may stop at the first, truncating the datagram); what
    // it reports must be bytes of the datagram.
    let total: usize = first.iter().map(|b| b.len()).sum();
    assert!(total > 0 && total <= 5000, "{total} bytes");
    assert!(first.iter().all(|b| b.iter().all(|&c| c == b'A')));
    let before: Vec<Vec<u8>> = first.iter().map(|b| b.to_vec()).collect();
    datagram(&tx, to, b'B', 300);
    let second = finish(&d, &mut Box::pin(stream.next())).expect("an item").expect("the second datagram");
    let total: usize = second.iter().map(|b| b.len()).sum();
    assert!(total > 0 && total <= 300, "{total} bytes");
    assert!(second.iter().all(|b| b.iter().all(|&c| c == b'B')));
    let changed = first.iter().zip(&before).filter(|(b, s)| b[..] != s[..]).count();
    assert_eq!(changed, 0, "the kernel wrote the second datagram into {changed} buffers of the first");
    let held: std::collections::HashSet<u16> = first.iter().chain(&second).map(|b| b.bid()).collect();
    assert_eq!(held.len(), first.len() + second.len(), "two live PoolBufs over one buffer");
    drop((first, second));
    drop(stream);
    for _ in 0..100 {
        if d.in_flight() == 0 {
            break;
        }
        let _ = d.park(Some(Duration::from_millis(10)));
    }
    assert_eq!(pool.with_kernel(), 512, "every buffer went back to the kernel once");
}

/// A control message passing `fd` (`SCM_RIGHTS`), in the kernel's layout,
/// for the sending side's fixture.
fn rights(fd: &Rc<std::fs::File>) -> Msg<Vec<u8>> {
    Msg::new(vec![b"x".to_vec()]).with_fds(&[fd])
}

/// Rule: the control data a `recvmsg` hands back covers only bytes that
/// are initialised. The kernel's reported control length counts the
/// padding after each message (`CMSG_SPACE`), which it never writes: a
/// one-descriptor message is 20 bytes written, 24 reported. Stale bytes in
/// the capacity would have shown through.
#[test]
fn recvmsg_control_covers_no_byte_the_kernel_left_unwritten() {
    let d = Driver::new(8).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let (a, b) = (Rc::new(a), Rc::new(b));
    let file = Rc::new(std::fs::File::open("/dev/null").unwrap());
    let (r, _) = finish(&d, &mut d.sendmsg(&a, rights(&file), 0));
    r.unwrap();
    let mut control = vec![b'Z'; 64];
    control.clear();
    let msg = Msg::new(vec![Vec::<u8>::with_capacity(8)]).control(control);
    let (r, mut msg) = finish(&d, &mut d.recvmsg(&b, msg, 0));
    assert_eq!(r.unwrap(), 1);
    assert!(!msg.control.is_empty());
    assert!(
        !msg.control.contains(&b'Z'),
        "control bytes the kernel never wrote were handed back as data: {:?}",
        msg.control
    );
    // The descriptor is owned by the message, close-on-exec.
    let fds = msg.take_received_fds();
    assert_eq!(fds.len(), 1);
    // SAFETY: F_GETFD reads the flags of a descriptor this test owns.
    let fl = unsafe { libc::fcntl(fds[0].as_raw_fd(), libc::F_GETFD) };
    assert_eq!(fl & libc::FD_CLOEXEC, libc::FD_CLOEXEC, "a received descriptor is close-on-exec");
}
