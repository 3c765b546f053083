//! What each buffer type reports to the kernel (its pointer, initialised
//! length and capacity), and when a registered table (fixed buffers, fixed
//! files) and its slots are released. Memory is counted by a global
//! allocator that tracks this thread's page-aligned allocations (those of
//! `AlignedBuf`, and so of every registered buffer), so a test sees exactly
//! when a table's memory is freed or leaked.

use crate::support::alloc::page_held;
use crate::support::{pipe, write_all};
use ring_core::buf::{AlignedBuf, IoBuf, IoBufMut, Region, SharedRegion, Slice};
use ring_core::fixed::{FixedBuffers, FixedError};
use ring_core::fixed_files::{FixedFd, FixedFiles};
use ring_core::types::Target;
use ring_core::{At, Driver, Runtime};
use std::cell::RefCell;
use std::ffi::CString;
use std::future::Future;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Waker};

/// Reads what is in the pipe now (up to `max` bytes) with `read(2)`;
/// nothing if the pipe stays empty for a second.
fn take(fd: &OwnedFd, max: usize) -> Vec<u8> {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: `p` is one valid pollfd for the duration of the call.
    if unsafe { libc::poll(&mut p, 1, 1000) } != 1 {
        return Vec::new();
    }
    let mut buf = vec![0u8; max];
    // SAFETY: `buf` is valid for writes of `max` bytes during the call.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), max) };
    assert!(n >= 0, "read: {}", std::io::Error::last_os_error());
    buf.truncate(n as usize);
    buf
}

/// Writes `buf` through the driver to a fresh pipe; returns the count and
/// what arrived.
fn write_through<B: IoBuf>(rt: &Runtime, buf: B) -> (usize, Vec<u8>) {
    let (r, w) = pipe();
    let d = rt.driver().clone();
    let (n, _) = rt.block_on(async { d.write(&w, buf).await }).unwrap();
    let n = n.unwrap();
    (n, take(&r, 1 << 16))
}

/// Reads `data` through the driver into `buf`; returns the count and the
/// buffer.
fn read_through<B: IoBufMut>(rt: &Runtime, buf: B, data: &[u8]) -> (usize, B) {
    let (r, w) = pipe();
    write_all(&w, data);
    let d = rt.driver().clone();
    let (n, buf) = rt.block_on(async { d.read(&r, buf).await }).unwrap();
    (n.unwrap(), buf)
}

fn temp_path(name: &str) -> CString {
    let p = std::env::temp_dir().join(format!("ring-core-mk-buf-{}-{name}", std::process::id()));
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

fn remove(path: &CString) {
    let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(path.as_bytes()));
}

/// Opens `path` as a direct descriptor in `files`.
fn open_direct(rt: &Runtime, files: &FixedFiles, path: &CString) -> std::io::Result<FixedFd> {
    let d = rt.driver().clone();
    let flags = libc::O_RDWR | libc::O_CREAT;
    rt.block_on(async { d.openat_direct(files, At::CWD, path.clone(), flags, 0o600).await }).unwrap()
}

#[test]
fn boxed_and_static_buffers_report_their_memory_and_carry_their_bytes() {
    let rt = Runtime::new(8).unwrap();

    let b: Box<[u8]> = b"boxed bytes".to_vec().into_boxed_slice();
    assert_eq!((b.stable_ptr(), b.bytes_init(), b.bytes_total()), (b.as_ptr(), 11, 11));
    assert_eq!(write_through(&rt, b), (11, b"boxed bytes".to_vec()));
    let (n, b) = read_through(&rt, vec![0u8; 6].into_boxed_slice(), b"into a box");
    assert_eq!((n, &b[..]), (6, &b"into a"[..]), "a read fills the whole box, no more");

    static S: &[u8] = b"static slice";
    assert_eq!((S.stable_ptr(), S.bytes_init(), S.bytes_total()), (S.as_ptr(), 12, 12));
    assert_eq!(write_through(&rt, S), (12, b"static slice".to_vec()));

    let s: &'static str = "static str";
    assert_eq!((s.stable_ptr(), s.bytes_init(), s.bytes_total()), (s.as_ptr(), 10, 10));
    assert_eq!(write_through(&rt, s), (10, b"static str".to_vec()));

    let mut m: &'static mut [u8] = Box::leak(vec![0u8; 7].into_boxed_slice());
    let p = m.as_ptr();
    assert_eq!((m.stable_ptr(), m.stable_mut_ptr().cast_const()), (p, p));
    assert_eq!((m.bytes_init(), m.bytes_total()), (7, 7));
    let (n, m) = read_through(&rt, m, b"leaked slice");
    assert_eq!((n, &m[..]), (7, &b"leaked "[..]));
    assert_eq!(write_through(&rt, m), (7, b"leaked ".to_vec()));
}

#[test]
fn a_vec_is_written_up_to_its_length_and_read_up_to_its_capacity() {
    let rt = Runtime::new(8).unwrap();
    let mut v = Vec::with_capacity(64);
    v.extend_from_slice(b"abc");
    assert_eq!((v.bytes_init(), v.bytes_total()), (3, v.capacity()));
    assert_eq!(v.stable_mut_ptr().cast_const(), v.as_ptr());
    assert_eq!(write_through(&rt, v), (3, b"abc".to_vec()));
    let (n, v) = read_through(&rt, Vec::with_capacity(64), &[7u8; 40]);
    assert_eq!((n, v.len()), (40, 40));
}

#[test]
fn a_slice_reports_its_range_and_its_initialised_part() {
    let rt = Runtime::new(8).unwrap();
    let mut v = Vec::with_capacity(32);
    v.extend_from_slice(b"0123456789");
    let base = v.as_ptr();

    let s = v.slice(2..6);
    assert_eq!((s.begin(), s.end(), s.bytes_total(), s.bytes_init()), (2, 6, 4, 4));
    assert_eq!(s.stable_ptr(), base.wrapping_add(2));
    assert_eq!(s.get_ref().as_ptr(), base);
    let (r, w) = pipe();
    let d = rt.driver().clone();
    let (n, s) = rt.block_on(async { d.write(&w, s).await }).unwrap();
    assert_eq!((n.unwrap(), take(&r, 64)), (4, b"2345".to_vec()));

    // Only part of the range is initialised: 8..10 of 8..20.
    let s = s.into_inner().slice(8..20);
    assert_eq!((s.bytes_total(), s.bytes_init()), (12, 2));
    let mut v = s.into_inner();
    assert_eq!((v.as_ptr(), v.len()), (base, 10), "into_inner gives the whole buffer back");

    // A range past the capacity is clamped to it.
    v.truncate(4);
    let cap = v.capacity();
    let s = v.slice(cap + 8..cap + 90);
    assert_eq!((s.begin(), s.end(), s.bytes_total(), s.bytes_init()), (cap, cap, 0, 0));
    let v = s.into_inner();

    // A read into a slice starting at the end of the initialised part
    // lands at the slice's offset, and extends the buffer by the count.
    let mut s = v.slice(4..12);
    assert_eq!(s.stable_mut_ptr().cast_const(), base.wrapping_add(4));
    let (n, s) = read_through(&rt, s, b"ABCDEFGHIJ");
    assert_eq!(n, 8, "at most the slice's length is read");
    assert_eq!(&s.into_inner()[..], b"0123ABCDEFGH");
}

#[test]
fn a_static_slice_of_a_slice_points_inside_it() {
    static S: &[u8] = b"hello, static world";
    let rt = Runtime::new(8).unwrap();
    let s: Slice<&'static [u8]> = S.slice(7..13);
    assert_eq!((s.begin(), s.end()), (7, 13));
    assert_eq!(s.get_ref().as_ptr(), S.as_ptr());
    assert_eq!(write_through(&rt, s), (6, b"static".to_vec()));
}

#[test]
fn aligned_buffers_refuse_bad_sizes_and_report_their_layout() {
    use ring_core::Error;
    assert!(matches!(AlignedBuf::new(0), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(0, 4096), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(0, 64), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(64, 48), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(usize::MAX - 10, 4096), Err(Error::TooLong { .. })));

    let mut a = AlignedBuf::with_alignment(100, 64).unwrap();
    assert_eq!((a.alignment(), a.bytes_total(), a.bytes_init()), (64, 128, 128));
    assert_eq!((a.as_slice().len(), a.as_mut_slice().len()), (128, 128));
    assert_eq!(a.stable_ptr() as usize % 64, 0);
    assert_eq!(a.stable_ptr(), a.as_slice().as_ptr());
    assert_eq!(a.stable_mut_ptr().cast_const(), a.as_slice().as_ptr());

    let b = AlignedBuf::new(1).unwrap();
    assert_eq!((b.alignment(), b.bytes_total(), b.bytes_init()), (4096, 4096, 4096));
    assert!(b.as_slice().iter().all(|&x| x == 0), "zero-initialised");
}

#[test]
fn aligned_buffers_carry_their_bytes_and_are_freed_when_dropped() {
    let rt = Runtime::new(8).unwrap();
    let before = page_held();
    let mut a = AlignedBuf::new(4096).unwrap();
    assert_eq!(page_held() - before, 4096);
    for (i, b) in a.as_mut_slice().iter_mut().enumerate() {
        *b = (i % 251) as u8;
    }
    let expect = a.as_slice().to_vec();
    assert_eq!(write_through(&rt, a), (4096, expect.clone()));
    assert_eq!(page_held(), before, "the buffer was freed with the operation's output");

    let data: Vec<u8> = (0..4096u32).map(|i| (i % 13) as u8).collect();
    let (n, b) = read_through(&rt, AlignedBuf::new(4096).unwrap(), &data);
    assert_eq!((n, b.as_slice()), (4096, &data[..]));
    drop(b);
    assert_eq!(page_held(), before);
}

#[test]
fn region_reads_and_writes_stay_inside_the_region() {
    let empty = Region::new(0).unwrap();
    assert_eq!((empty.len(), empty.is_empty()), (0, true));
    let r = Region::new(16).unwrap();
    assert!(!r.is_empty());
    assert_eq!(r.len(), 16);

    assert!(r.write_at(0, b"0123456789abcdef"), "a write up to the end fits");
    assert!(!r.write_at(1, b"0123456789abcdef"), "one byte past the end does not");
    assert!(!r.write_at(usize::MAX, b"xy"), "an overflowing range does not");
    assert!(r.write_at(4, b"WXYZ"), "a write inside fits");
    let mut out = [0u8; 16];
    assert!(r.read_at(0, &mut out));
    assert_eq!(&out, b"0123WXYZ89abcdef", "the write landed at its offset");

    let mut out = [0u8; 4];
    assert!(r.read_at(12, &mut out), "a read up to the end fits");
    assert_eq!(&out, b"cdef");
    assert!(r.read_at(6, &mut out), "a read inside fits");
    assert_eq!(&out, b"YZ89", "the read came from its offset");
    let mut out = [9u8; 4];
    assert!(!r.read_at(13, &mut out), "one byte past the end does not");
    assert!(!r.read_at(usize::MAX, &mut out), "an overflowing range does not");
    assert_eq!(out, [9; 4], "a refused read copies nothing");
}

#[test]
fn a_shared_region_is_its_range_of_the_region() {
    let rt = Runtime::new(8).unwrap();
    let region = Region::new(32).unwrap();
    assert!(region.write_at(0, b"................region contents!"));
    assert!(SharedRegion::new(region.clone(), 30, 3).is_none());
    assert!(SharedRegion::new(region.clone(), usize::MAX, 2).is_none());

    let s = SharedRegion::new(region.clone(), 16, 6).unwrap();
    assert!(Arc::ptr_eq(s.region(), &region));
    assert_eq!((s.offset(), s.bytes_init(), s.bytes_total()), (16, 6, 6));
    assert_eq!(write_through(&rt, s.clone()), (6, b"region".to_vec()));

    let mut t = SharedRegion::new(region.clone(), 8, 4).unwrap();
    assert_eq!(t.stable_mut_ptr().cast_const(), t.stable_ptr());
    let (n, _) = read_through(&rt, t, b"READ-IN");
    assert_eq!(n, 4);
    let mut out = [0u8; 32];
    assert!(region.read_at(0, &mut out));
    assert_eq!(&out, b"........READ....region contents!");
}

#[test]
fn fixed_buffer_errors_and_handles_describe_themselves() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    assert_eq!(FixedError::Leased { index: 3 }.to_string(), "registered buffer 3 is leased");
    assert_eq!(FixedError::OutOfRange { index: 9 }.to_string(), "registered buffer 9 does not exist");
    let e = FixedBuffers::new(&d, 1, 0).unwrap_err();
    let FixedError::Register(inner) = &e else { panic!("{e:?}") };
    assert!(!inner.to_string().is_empty());
    assert_eq!(e.to_string(), inner.to_string());

    let table = FixedBuffers::new(&d, 3, 5000).unwrap();
    assert_eq!(format!("{table:?}"), "FixedBuffers { slots: 3 }");
    assert_eq!((table.len(), table.is_empty()), (3, false));
    let mut b = table.lease(2).unwrap();
    b.set_len(5);
    assert_eq!(format!("{b:?}"), "FixedBuf { index: 2, len: 5 }");
}

#[test]
fn a_lease_reports_its_slot_and_capacity_and_clamps_its_length() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 3, 5000).unwrap();
    assert!(matches!(table.lease(3), Err(FixedError::OutOfRange { index: 3 })));
    assert!(!table.is_leased(3));
    let mut b = table.lease(2).unwrap();
    assert_eq!((b.index(), b.capacity(), b.len()), (2, 8192, 8192));
    b.set_len(1 << 20);
    assert_eq!(b.len(), 8192, "a length past the capacity is clamped to it");
    b.set_len(3);
    b.copy_from_slice(b"abc");
    let one = table.lease(1).unwrap();
    assert_eq!(one.index(), 1);
    let (r, w) = pipe();
    let (b, one) = rt
        .block_on(async {
            let (n, b) = d.write_fixed(&w, b, 0).await;
            assert_eq!(n.unwrap(), 3);
            let (n, one) = d.read_fixed(&r, one, 0).await;
            assert_eq!(n.unwrap(), 3);
            (b, one)
        })
        .unwrap();
    assert_eq!((&one[..], one.index(), one.capacity()), (&b"abc"[..], 1, 8192));
    drop((b, one));
}

#[test]
fn unregistration_is_refused_exactly_while_a_slot_is_leased() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 3, 4096).unwrap();
    let b = table.lease(2).unwrap();
    assert!(matches!(table.unregister(&d), Err(FixedError::Leased { index: 2 })));
    assert!(matches!(table.replace(&d, 3, 4096), Err(FixedError::OutOfRange { index: 3 })));
    assert!(matches!(table.replace(&d, 2, 4096), Err(FixedError::Leased { index: 2 })));
    drop(b);
    // The last slot is in range, and its new memory is what a lease sees.
    table.replace(&d, 2, 3 * 4096).unwrap();
    assert_eq!(table.lease(2).unwrap().capacity(), 3 * 4096);
    table.unregister(&d).unwrap();
}

#[test]
fn a_table_is_unregistered_and_freed_when_its_last_holder_goes() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let before = page_held();
    let table = FixedBuffers::new(&d, 3, 5000).unwrap();
    assert_eq!(page_held() - before, 3 * 8192);
    let lease = table.lease(0).unwrap();
    drop(table);
    assert_eq!(page_held() - before, 3 * 8192, "a lease keeps the memory");
    assert!(FixedBuffers::new(&d, 1, 4096).is_err(), "and the table registered");
    drop(lease);
    assert_eq!(page_held(), before, "the last holder freed the memory");
    let again = FixedBuffers::new(&d, 1, 4096).expect("the table was unregistered");
    drop(again);
    assert_eq!(page_held(), before);
}

#[test]
fn an_explicitly_unregistered_table_is_freed_when_dropped() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let before = page_held();
    let table = FixedBuffers::new(&d, 2, 4096).unwrap();
    table.unregister(&d).unwrap();
    drop(table);
    assert_eq!(page_held(), before, "unregistered already: nothing to wait for");
    FixedBuffers::new(&d, 1, 4096).unwrap();
}

#[test]
fn a_table_outliving_its_driver_leaks_its_memory() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let before = page_held();
    let table = FixedBuffers::new(&d, 2, 4096).unwrap();
    d.shutdown();
    drop(table);
    assert_eq!(page_held() - before, 2 * 4096, "not unregistered, so not freed");
}

#[test]
fn a_zero_copy_send_from_a_registered_buffer_sends_its_bytes() {
    use std::io::Read;
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 2, 4096).unwrap();
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tx = Rc::new(std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap());
    let (mut rx, _) = l.accept().unwrap();
    let mut b = table.lease(1).unwrap();
    b.set_len(13);
    b.copy_from_slice(b"zero-copy 13!");
    let (n, b) = rt.block_on(async { d.send_zc_fixed(&tx, b, 0).await }).unwrap();
    match n {
        Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EINVAL)) => {
            println!("SKIP zero-copy fixed send: {e}");
            return;
        }
        n => assert_eq!(n.unwrap(), 13, "the whole lease was sent"),
    }
    assert_eq!((b.index(), b.len()), (1, 13), "the lease came back as it went");
    let mut got = [0u8; 13];
    rx.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
    rx.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"zero-copy 13!");
}

#[test]
fn a_file_table_and_its_descriptors_describe_themselves() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 8, 5..8).unwrap();
    assert_eq!((files.size(), files.alloc_range()), (8, 5..8));
    let path = temp_path("describe");
    let a = open_direct(&rt, &files, &path).unwrap();
    let b = open_direct(&rt, &files, &path).unwrap();
    assert!((5..8).contains(&a.slot()) && (5..8).contains(&b.slot()) && a.slot() != b.slot());
    assert_eq!(a.target(), Target::Fixed(a.slot()));
    assert_eq!(a.files().size(), 8);
    assert_eq!(format!("{a:?}"), format!("FixedFd {{ slot: {} }}", a.slot()));
    assert_eq!(format!("{files:?}"), "FixedFiles { size: 8, alloc: 5..8, occupied: 2 }");
    assert!(a.is_unique());
    let a2 = a.clone();
    assert!(!a.is_unique() && !a2.is_unique());
    drop((a, a2, b));
    assert_eq!((files.occupied(), files.pending_closes(), files.flush_pending()), (0, 0, 0));
    remove(&path);
}

#[test]
fn a_dropped_descriptor_frees_its_slot_for_the_next_open() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 2, 1..2).unwrap();
    let path = temp_path("reuse");
    for round in 0..3 {
        let fd = open_direct(&rt, &files, &path).unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!((fd.slot(), files.occupied()), (1, 1));
        let full = open_direct(&rt, &files, &path).unwrap_err();
        assert_eq!(full.raw_os_error(), Some(libc::ENFILE), "the only slot is taken");
        drop(fd);
        assert_eq!((files.occupied(), files.pending_closes()), (0, 0));
    }
    remove(&path);
}

#[test]
fn a_file_table_is_unregistered_when_its_last_holder_goes() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    assert!(FixedFiles::new(&d, 4, 0..4).is_err(), "one table per ring");
    let path = temp_path("unregister");
    let fd = open_direct(&rt, &files, &path).unwrap();
    drop(files);
    assert!(FixedFiles::new(&d, 4, 0..4).is_err(), "a descriptor keeps the table");
    drop(fd);
    let again = FixedFiles::new(&d, 4, 0..4).expect("the table was unregistered");
    drop(again);
    remove(&path);
}

/// An explicit close and a new descriptor that the kernel puts in the same
/// slot, submitted together: the closed handle, dropped once its close
/// completes, must not empty the slot again (it holds the new descriptor).
#[test]
fn a_slot_closed_explicitly_is_not_emptied_again_under_its_next_owner() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 2, 1..2).unwrap();
    let path = temp_path("reclose");
    let fd = open_direct(&rt, &files, &path).unwrap();
    let mut close = d.close_direct(fd).expect("sole holder");
    let mut sock = d.socket_direct(&files, libc::AF_INET, libc::SOCK_STREAM, 0);
    let mut cx = Context::from_waker(Waker::noop());
    // Both are queued, then submitted together by the next turn.
    assert!(Pin::new(&mut close).poll(&mut cx).is_pending());
    assert!(Pin::new(&mut sock).poll(&mut cx).is_pending());
    let sock = rt
        .block_on(async {
            close.await.unwrap();
            sock.await
        })
        .unwrap()
        .unwrap();
    assert_eq!((sock.slot(), files.occupied()), (1, 1));
    let full = open_direct(&rt, &files, &path).unwrap_err();
    assert_eq!(full.raw_os_error(), Some(libc::ENFILE), "the socket still holds the only slot");
    drop(sock);
    open_direct(&rt, &files, &path).expect("free once the socket's handle goes");
    remove(&path);
}

thread_local! {
    /// A descriptor that [`DropsInPrepare`]'s `prepare` drops.
    static TO_DROP: RefCell<Option<FixedFd>> = const { RefCell::new(None) };
}

/// A NOP whose `prepare` drops the descriptor in [`TO_DROP`]: the driver
/// runs `prepare` while its state is borrowed (the only foreign code it
/// runs there), so the descriptor's close cannot reach the ring then.
struct DropsInPrepare;

// SAFETY: a NOP carries no pointer.
unsafe impl ring_core::Operation for DropsInPrepare {
    type Output = ();
    fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
        let fd = TO_DROP.with(|t| t.borrow_mut().take());
        drop(fd);
        ring_core::sys::io_uring_sqe { opcode: ring_core::sys::IORING_OP_NOP, ..Default::default() }
    }
    fn complete(self, _: ring_core::Cqe, _: ring_core::Cqe) {}
}

#[test]
fn a_close_deferred_inside_a_driver_call_is_retried() {
    let rt = Runtime::new(8).unwrap();
    let d: Driver = rt.driver().clone();
    let files = FixedFiles::new(&d, 2, 1..2).unwrap();
    let path = temp_path("deferred");
    let fd = open_direct(&rt, &files, &path).unwrap();
    TO_DROP.with(|t| *t.borrow_mut() = Some(fd));
    let mut nop = d.op(DropsInPrepare);
    let mut cx = Context::from_waker(Waker::noop());
    let _ = Pin::new(&mut nop).poll(&mut cx);
    assert!(TO_DROP.with(|t| t.borrow().is_none()), "the driver ran prepare");
    assert_eq!((files.pending_closes(), files.occupied()), (1, 1), "the close was deferred");
    assert_eq!(files.flush_pending(), 0, "and done on the retry");
    assert_eq!((files.pending_closes(), files.occupied()), (0, 0));
    drop(nop);
    let fd = open_direct(&rt, &files, &path).expect("the slot is free again");
    assert_eq!(fd.slot(), 1);
    drop(fd);
    remove(&path);
}

#[test]
fn a_close_after_shutdown_stays_pending() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let files = FixedFiles::new(&d, 2, 0..2).unwrap();
    let path = temp_path("shutdown");
    let fd = open_direct(&rt, &files, &path).unwrap();
    d.shutdown();
    drop(fd);
    assert_eq!((files.pending_closes(), files.occupied()), (1, 1));
    assert_eq!(files.flush_pending(), 1, "the driver cannot be reached");
    assert_eq!(files.pending_closes(), 1);
    remove(&path);
}
