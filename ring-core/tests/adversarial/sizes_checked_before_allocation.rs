//! Rule: every size and count a caller gives is checked before anything is
//! allocated for it; too large is a typed error (`Error::TooLong`, or
//! `Error::OutOfMemory` for a size the kernel accepts but the allocator
//! refuses), never a panic (capacity overflow) or an abort (allocation
//! failure) inside the library.

use crate::support::finish;
use ring_core::buf::{AlignedBuf, Region};
use ring_core::ops::{Futex, EP_MAX_EVENTS};
use ring_core::{Driver, Error};
use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};

/// A size no allocator grants: more than a 64-bit address space's user
/// half (2^47 bytes), still below `isize::MAX`.
const HUGE: usize = 1 << 60;

fn typed(e: &std::io::Error) -> &Error {
    e.get_ref().and_then(|e| e.downcast_ref::<Error>()).expect("a ring_core::Error inside")
}

/// Rule: `provide_buffers` checks its length and count against what the
/// kernel accepts before allocating, and a total the allocator refuses is
/// a typed error.
#[test]
fn provide_buffers_checks_its_sizes_first() {
    let d = Driver::new(4).unwrap();
    assert!(matches!(d.provide_buffers(0, 4, 1, 0), Err(Error::InvalidArgument(_))));
    assert!(matches!(d.provide_buffers(64, 0, 1, 0), Err(Error::InvalidArgument(_))));
    assert!(matches!(d.provide_buffers(usize::MAX, u16::MAX, 1, 0), Err(Error::TooLong { .. })));
    assert!(matches!(d.provide_buffers(u32::MAX as usize + 1, 1, 1, 0), Err(Error::TooLong { .. })));
    assert!(matches!(d.provide_buffers(64, 2, 1, u16::MAX), Err(Error::TooLong { .. })));
    // 2^32 - 1 bytes times 65535 buffers: accepted by the kernel's checks,
    // refused by the allocator.
    match d.provide_buffers(u32::MAX as usize, u16::MAX, 1, 0) {
        Err(Error::OutOfMemory { bytes, .. }) => assert_eq!(bytes, u32::MAX as usize * usize::from(u16::MAX)),
        other => panic!("expected OutOfMemory, got {:?}", other.map(drop)),
    }
    // A reasonable request still works.
    let mut op = d.provide_buffers(64, 2, 1, 0).unwrap();
    let g = finish(&d, &mut op).unwrap();
    assert_eq!((g.count(), g.buf_len()), (2, 64));
}

/// Rule: `epoll_wait` checks its event count before allocating the event
/// buffer.
#[test]
fn epoll_wait_checks_its_count_first() {
    let d = Driver::new(4).unwrap();
    // SAFETY: epoll_create1 has no memory effects; the result is checked.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0);
    // SAFETY: a fresh descriptor this test owns.
    let ep = std::rc::Rc::new(unsafe { OwnedFd::from_raw_fd(ep) });
    match d.epoll_wait(&ep, usize::MAX) {
        Err(Error::TooLong { max, .. }) => assert_eq!(max, EP_MAX_EVENTS),
        other => panic!("expected TooLong, got {:?}", other.map(drop)),
    }
    assert!(matches!(d.epoll_wait(&ep, EP_MAX_EVENTS + 1), Err(Error::TooLong { .. })));
    // The largest count the kernel accepts is allocated without aborting:
    // granted (and never touched), or refused with a typed error.
    match d.epoll_wait(&ep, EP_MAX_EVENTS) {
        Ok(op) => drop(op),
        Err(Error::OutOfMemory { .. }) => {}
        Err(e) => panic!("unexpected {e}"),
    }
}

/// Rule: `getxattr`/`fgetxattr` take any capacity without allocating more
/// than the longest value the kernel returns.
#[test]
fn xattr_capacity_is_bounded_before_allocating() {
    let d = Driver::new(4).unwrap();
    let path = std::env::temp_dir().join(format!("ring-adversarial-xattr-{}", std::process::id()));
    std::fs::write(&path, b"x").unwrap();
    let file = std::rc::Rc::new(std::fs::File::open(&path).unwrap());
    let name = CString::new("user.ring-adversarial").unwrap();
    let mut op = d.fgetxattr(&file, name.clone(), usize::MAX);
    // No such attribute (or no xattr support): the kernel's answer, and no
    // buffer larger than any value was allocated for it.
    assert!(finish(&d, &mut op).is_err());
    let p = CString::new(path.to_str().unwrap()).unwrap();
    let mut op = d.getxattr(p, name, usize::MAX);
    let _ = finish(&d, &mut op);
    std::fs::remove_file(path).unwrap();
}

/// Rule: `futex_waitv` with more futexes than the kernel waits on is a
/// typed error, and nothing is allocated for them.
#[test]
fn futex_waitv_refuses_a_vector_too_long() {
    let d = Driver::new(4).unwrap();
    let futexes: Vec<(Futex, u32)> = (0..129).map(|_| (Futex::new(0), 1)).collect();
    let mut op = d.futex_waitv(&futexes);
    let e = finish(&d, &mut op).unwrap_err();
    assert!(matches!(typed(&e), Error::TooLong { len: 129, max: 128, .. }), "{e}");
}

/// Rule: a shared region's size is checked before it is allocated.
#[test]
fn a_region_too_large_is_a_typed_error() {
    assert!(matches!(Region::new(usize::MAX), Err(Error::TooLong { .. })));
    assert!(matches!(Region::new(HUGE), Err(Error::OutOfMemory { bytes: HUGE, .. })));
    assert_eq!(Region::new(64).unwrap().len(), 64);
}

/// Rule: an aligned buffer too large, or with a bad alignment, is refused
/// with a typed error that says which, without panicking or aborting.
#[test]
fn an_aligned_buffer_too_large_is_refused() {
    match AlignedBuf::new(usize::MAX) {
        Err(Error::TooLong { len, .. }) => assert_eq!(len, usize::MAX),
        other => panic!("expected TooLong, got {other:?}"),
    }
    assert!(matches!(AlignedBuf::new(HUGE), Err(Error::OutOfMemory { bytes: HUGE, .. })));
    assert!(matches!(AlignedBuf::new(0), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(64, 3), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(64, 1 << 62), Err(Error::OutOfMemory { .. })));
    assert!(matches!(AlignedBuf::with_alignment(64, 1 << 63), Err(Error::TooLong { .. })));
    assert_eq!(AlignedBuf::new(1).unwrap().as_slice().len(), 4096);
}

/// Rule: a registered buffer table's count and length are checked against
/// the kernel's limits before its memory is allocated.
#[test]
fn fixed_buffers_check_their_sizes_first() {
    use ring_core::fixed::{FixedBuffers, FixedError};
    let d = Driver::new(4).unwrap();
    for len in [usize::MAX, HUGE, ring_core::register::MAX_BUFFER_LEN + 1] {
        match FixedBuffers::new(&d, 4, len) {
            Err(FixedError::Register(Error::TooLong { .. })) => {}
            other => panic!("expected TooLong for {len}, got {:?}", other.map(drop)),
        }
    }
    let table = FixedBuffers::new(&d, 1, 4096).unwrap();
    assert!(matches!(table.replace(&d, 0, HUGE), Err(FixedError::Register(Error::TooLong { .. }))));
}

/// Rule: the ringbahn-style adapter takes any capacity; its buffer is
/// bounded by what one read transfers and allocated without aborting.
#[test]
fn the_adapter_bounds_its_buffer() {
    let d = Driver::new(4).unwrap();
    let path = std::env::temp_dir().join(format!("ring-adversarial-uring-{}", std::process::id()));
    std::fs::write(&path, b"hello").unwrap();
    let mut io = ring_core::adapters::uring::Uring::with_capacity(&d, std::fs::File::open(&path).unwrap(), usize::MAX);
    let mut buf = [0u8; 5];
    let mut read = Box::pin(io.read(&mut buf));
    match finish(&d, &mut read) {
        Ok(n) => assert_eq!(n, 5),
        Err(e) => assert!(matches!(typed(&e), Error::OutOfMemory { .. }), "{e}"),
    }
    drop(read);
    std::fs::remove_file(path).unwrap();
}

/// Rule: ring and runtime sizes are checked (by the builder) before
/// anything is allocated or set up.
#[test]
fn ring_sizes_are_checked() {
    assert!(ring_core::Builder::new(u32::MAX).build().is_err());
    assert!(ring_core::Builder::new(0).build().is_err());
    assert!(Driver::new(u32::MAX).is_err());
    assert!(ring_core::Runtime::new(u32::MAX).is_err());
}

/// Rule: a buffer pool whose buffers add up to more than the allocator
/// grants is a typed error, not an abort.
#[test]
fn a_buffer_pool_too_large_is_a_typed_error() {
    use ring_core::pool::BufferPool;
    use ring_core::register::BufRingConfig;
    let d = Driver::new(4).unwrap();
    let config = BufRingConfig::new(7, 32768).buffers(32768, u32::MAX);
    assert!(BufferPool::new(&d, config).is_err());
}
