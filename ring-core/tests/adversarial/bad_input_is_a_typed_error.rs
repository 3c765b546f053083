//! Rule: bad input never panics or aborts inside the library; a typed error
//! says what was wrong, and an operation refused for its input gives its
//! values (buffers, leases) back with the error, without reaching the
//! kernel.
//!
//! Each safe entry point below is given the worst values its parameters
//! allow: zero, the largest integer, ranges that end before they start or
//! past the memory they name, counts above the kernel's limits.

use crate::resources_bound_to_their_ring::{pipe, wait};
use ring_core::buf::{AlignedBuf, IoBuf, Region, SharedRegion};
use ring_core::fixed::{FixedBuffers, FixedError};
use ring_core::fixed_files::FixedFiles;
use ring_core::ops::{Msg, Readv, Writev, IOV_MAX};
use ring_core::register::{BufRingConfig, Restriction, MAX_FILES, MAX_REGISTERED_RINGS};
use ring_core::types::Timespec;
use ring_core::{Builder, Driver, Error, Ring};
use std::io;
use std::ops::Range;

/// The ring-core error inside an `io::Error`, if there is one.
fn typed(e: &io::Error) -> Option<&Error> {
    e.get_ref().and_then(|e| e.downcast_ref::<Error>())
}

/// Rule: `readv_fixed` and `writev_fixed` refuse more than `IOV_MAX`
/// segments, a segment past the registered buffer, and a segment that ends
/// before it starts, with a typed error and the lease and segments back,
/// before anything reaches the kernel (they used to panic).
#[test]
fn vectored_fixed_io_refuses_bad_segments_with_a_typed_error() {
    let d = Driver::new(8).unwrap();
    let table = FixedBuffers::new(&d, 1, 4096).unwrap();
    let (r, w) = pipe();
    #[allow(clippy::reversed_empty_ranges, reason = "an inverted segment is the bad input under test")]
    let cases: [(Vec<Range<usize>>, bool); 5] = [
        ((0..IOV_MAX + 1).map(|i| i..i + 1).collect(), true),
        (vec![0..10, 4000..4097], false),
        (vec![0..1, 10..5], false),
        (vec![0..1, usize::MAX..usize::MAX], false),
        ((0..100_000).map(|_| 0..1).collect(), true),
    ];
    for (segs, too_many) in cases {
        for write in [false, true] {
            let lease = table.lease(0).unwrap();
            let (res, back, segs_back) = if write {
                wait(&d, d.writev_fixed(&w, lease, segs.clone(), 0))
            } else {
                wait(&d, d.readv_fixed(&r, lease, segs.clone(), 0))
            };
            let e = res.expect_err("refused");
            match typed(&e) {
                Some(Error::TooLong { len, max, .. }) if too_many => assert_eq!((*len, *max), (segs.len(), IOV_MAX)),
                Some(Error::InvalidArgument(_)) if !too_many => {}
                other => panic!("write {write}, {} segments: {other:?} ({e})", segs.len()),
            }
            assert_eq!(back.index(), 0, "the lease comes back");
            assert_eq!(segs_back, segs, "the segments come back");
        }
    }
    assert_eq!(d.stats().started, 0, "nothing reached the kernel");
    // The limit itself is accepted.
    let lease = table.lease(0).unwrap();
    drop(d.readv_fixed(&r, lease, (0..IOV_MAX).map(|i| i..i + 1).collect(), 0));
}

/// Rule: a vectored read or write of more buffers than one request carries
/// is refused with a typed error and the buffers back, before anything is
/// allocated for them or reaches the kernel, alone or as a chain member
/// (the chain is refused whole, and every value can be taken back).
#[test]
fn vectored_io_refuses_too_many_buffers_with_a_typed_error() {
    let d = Driver::new(8).unwrap();
    let (r, w) = pipe();
    let bufs = || (0..IOV_MAX + 1).map(|_| Vec::<u8>::with_capacity(1)).collect::<Vec<_>>();
    let (res, back) = wait(&d, d.readv_at(&r, bufs(), 0));
    assert!(matches!(typed(&res.unwrap_err()), Some(Error::TooLong { max: IOV_MAX, .. })));
    assert_eq!(back.len(), IOV_MAX + 1);
    let (res, back) = wait(&d, d.writev_at(&w, bufs(), 0));
    assert!(matches!(typed(&res.unwrap_err()), Some(Error::TooLong { max: IOV_MAX, .. })));
    assert_eq!(back.len(), IOV_MAX + 1);
    assert_eq!(d.stats().started, 0, "nothing reached the kernel");

    let mut chain = d.chain();
    let nop = chain.push(ring_core::ops::Nop);
    let read = chain.push(Readv::new(&r, bufs(), 0));
    let write = chain.push(Writev::new(&w, vec![b"x".to_vec()], 0));
    let mut refused = match wait(&d, chain.start()) {
        Err(refused) => refused,
        Ok(_) => panic!("a chain with a refused member started"),
    };
    assert_eq!(refused.error().errno().map(|e| e.raw()), Some(libc::E2BIG));
    assert!(refused.take(nop).is_some());
    assert!(refused.take(read).is_some());
    assert!(refused.take(write).is_some());
    assert_eq!(d.stats().started, 0);
}

/// Rule: a message of more buffers than one request carries is refused
/// with a typed error and the message back, before its iovec array is
/// allocated or anything reaches the kernel.
#[test]
fn messages_refuse_too_many_buffers_with_a_typed_error() {
    let d = Driver::new(8).unwrap();
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    let (a, b) = (std::rc::Rc::new(a), std::rc::Rc::new(b));
    let bufs = |len| (0..IOV_MAX + 1).map(|_| vec![0u8; len]).collect::<Vec<_>>();
    let (res, msg) = wait(&d, d.sendmsg(&a, Msg::new(bufs(1)), 0));
    assert!(matches!(typed(&res.unwrap_err()), Some(Error::TooLong { max: IOV_MAX, .. })));
    assert_eq!(msg.bufs.len(), IOV_MAX + 1);
    let (res, msg) = wait(&d, d.sendmsg_zc(&a, Msg::new(bufs(1)), 0));
    assert!(matches!(typed(&res.unwrap_err()), Some(Error::TooLong { max: IOV_MAX, .. })));
    assert_eq!(msg.bufs.len(), IOV_MAX + 1);
    let (res, msg) = wait(&d, d.recvmsg(&b, Msg::new(bufs(0)), 0));
    assert!(matches!(typed(&res.unwrap_err()), Some(Error::TooLong { max: IOV_MAX, .. })));
    assert_eq!(msg.bufs.len(), IOV_MAX + 1);
    assert_eq!(d.stats().started, 0, "nothing reached the kernel");
    // The limit itself reaches the kernel.
    let (res, _) = wait(&d, d.sendmsg(&a, Msg::new((0..IOV_MAX).map(|_| b"x".to_vec()).collect()), 0));
    assert_eq!(res.unwrap(), IOV_MAX);
}

/// Rule: an aligned buffer reports why it cannot be made: zero length or
/// a bad alignment ([`Error::InvalidArgument`]), a size no allocation can
/// have ([`Error::TooLong`]), a size the allocator refuses
/// ([`Error::OutOfMemory`]). (It used to answer `None` for all of them.)
#[test]
fn an_aligned_buffer_says_why_it_cannot_be_made() {
    assert!(matches!(AlignedBuf::new(0), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(64, 0), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::with_alignment(64, 96), Err(Error::InvalidArgument(_))));
    assert!(matches!(AlignedBuf::new(usize::MAX), Err(Error::TooLong { .. })));
    assert!(matches!(AlignedBuf::with_alignment(1, 1 << 63), Err(Error::TooLong { .. })));
    assert!(matches!(AlignedBuf::new(1 << 60), Err(Error::OutOfMemory { bytes, .. }) if bytes == 1 << 60));
    let e = io::Error::from(AlignedBuf::new(1 << 60).unwrap_err());
    assert_eq!(e.kind(), io::ErrorKind::OutOfMemory);
    assert_eq!(AlignedBuf::with_alignment(3, 8).unwrap().bytes_total(), 8);
}

/// Rule: a time in seconds beyond what the kernel's signed field holds is
/// clamped (a time that never comes), never wrapped into a negative one.
#[test]
fn a_timespec_beyond_the_kernels_range_is_clamped() {
    assert_eq!(Timespec::new(u64::MAX, 7).sec(), i64::MAX);
    assert_eq!(Timespec::new(i64::MAX as u64 + 1, 0).sec(), i64::MAX);
    assert_eq!(Timespec::new(5, 7).sec(), 5);
}

/// Rule: ring sizes and setup values at their extremes are typed errors
/// (or, with `IORING_SETUP_CLAMP`, clamped by the kernel), never a panic.
#[test]
fn ring_setup_takes_extreme_sizes() {
    // `IORING_MAX_ENTRIES`: the largest SQ the kernel sets up.
    const MAX_SQ: u32 = 32768;
    for entries in [0, u32::MAX, MAX_SQ + 1] {
        assert!(matches!(Builder::new(entries).build(), Err(Error::RingSize { which: "sq", .. })), "{entries}");
    }
    for cq in [0, u32::MAX] {
        assert!(matches!(Builder::new(4).cq_size(cq).build(), Err(Error::RingSize { which: "cq", .. })), "{cq}");
    }
    assert!(matches!(Builder::new(8).cq_size(4).build(), Err(Error::SetupFlagConflict { .. })));
    let clamped = Builder::new(u32::MAX).clamp().cq_size(u32::MAX).register_ring_fd(false).build();
    match clamped {
        Ok(ring) => assert_eq!(ring.params().sq_entries, MAX_SQ),
        Err(Error::MemlockLimit { .. }) | Err(Error::Syscall { .. }) => {}
        Err(e) => panic!("clamped ring: {e}"),
    }
    assert!(matches!(Builder::new(4).registered_waits(u32::MAX).build(), Err(Error::TooLong { .. })));
    assert!(matches!(Builder::new(4).attach_wq(&-1).build(), Err(Error::BadFd(-1))));
    // The layout helpers take any parameters.
    let mut p = ring_core::sys::io_uring_params::default();
    p.sq_entries = u32::MAX;
    p.cq_entries = u32::MAX;
    p.sq_off.array = u32::MAX;
    p.cq_off.cqes = u32::MAX;
    p.flags = ring_core::sys::IORING_SETUP_CQE32 | ring_core::sys::IORING_SETUP_SQE128;
    let _ = (ring_core::layout::sq_ring_len(&p), ring_core::layout::cq_ring_len(&p), ring_core::layout::sqes_len(&p));
}

/// Rule: the raw register calls check counts, indices and ranges before
/// the kernel sees them.
#[test]
fn register_calls_take_extreme_arguments() {
    let ring = Ring::new(4).unwrap();
    let fds = vec![-1; MAX_FILES + 1];
    assert!(matches!(ring.register_files(&fds), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_files(&[]), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_files(&[i32::MIN]), Err(Error::BadFd(i32::MIN))));
    assert!(matches!(ring.update_files(u32::MAX, &[-1, -1]), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_files_sparse(u32::MAX), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_file_alloc_range(u32::MAX, 2), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_buffers_sparse(u32::MAX), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_ring_fds(&[0; MAX_REGISTERED_RINGS + 1]), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_ring_fds(&[-7]), Err(Error::BadFd(-7))));
    assert!(matches!(ring.unregister_ring_fds(&[u32::MAX]), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.unregister_ring_fds(&[0; MAX_REGISTERED_RINGS + 1]), Err(Error::TooLong { .. })));
    let many = vec![Restriction::SqeOp(0); 100_000];
    assert!(matches!(ring.register_restrictions(&many), Err(Error::NotConfigured(_))));
    let disabled = Builder::new(4).r_disabled().build().unwrap();
    assert!(matches!(disabled.register_restrictions(&many), Err(Error::TooLong { .. })));
    assert!(matches!(
        disabled.register_restrictions(&[Restriction::RegisterOp(u8::MAX)]),
        Err(Error::InvalidArgument(_))
    ));
    for config in [
        BufRingConfig::new(1, 0),
        BufRingConfig::new(1, 3),
        BufRingConfig::new(1, 4).buffers(5, 64),
        BufRingConfig::new(1, 4).buffers(4, 0),
        BufRingConfig::new(u16::MAX, 4).kernel_mapped(),
    ] {
        assert!(ring.register_buf_ring(config).is_err(), "{config:?}");
    }
    assert!(ring.register_mem_region_owned(usize::MAX, 0).is_err());
    let mut ring = ring;
    assert!(matches!(ring.submit_and_wait_registered(1, u32::MAX, None), Err(Error::NotConfigured(_))));
    assert!(ring.resize_rings(0, None).is_err());
    assert!(ring.resize_rings(u32::MAX, Some(u32::MAX)).is_err());
}

/// Rule: the driver's resource constructors and accessors take any index
/// or size.
#[test]
fn driver_resources_take_extreme_arguments() {
    let d = Driver::new(4).unwrap();
    assert!(matches!(FixedFiles::new(&d, 0, 0..0), Err(Error::InvalidArgument(_))));
    #[allow(clippy::reversed_empty_ranges, reason = "an inverted range is the bad input under test")]
    let inverted = 3..1;
    assert!(matches!(FixedFiles::new(&d, 4, inverted), Err(Error::InvalidArgument(_))));
    assert!(matches!(FixedFiles::new(&d, u32::MAX, 0..u32::MAX), Err(Error::TooLong { .. })));
    let table = FixedBuffers::new(&d, 2, 64).unwrap();
    assert!(matches!(table.lease(u16::MAX), Err(FixedError::OutOfRange { index: u16::MAX })));
    assert!(!table.is_leased(u16::MAX));
    assert!(matches!(table.replace(&d, u16::MAX, 64), Err(FixedError::OutOfRange { .. })));
    assert!(matches!(table.replace(&d, 0, usize::MAX), Err(FixedError::Register(Error::TooLong { .. }))));
    let mut lease = table.lease(0).unwrap();
    lease.set_len(usize::MAX);
    assert_eq!(lease.len(), lease.capacity());
    let probe = d.probe().unwrap();
    let _ = (probe.supported(u8::MAX), probe.register_op_supported(u32::MAX));
    assert!(matches!(probe.require(u8::MAX), Err(Error::UnsupportedOpcode { .. })));
    let region = Region::new(64).unwrap();
    assert!(SharedRegion::new(region.clone(), usize::MAX, 2).is_none());
    assert!(SharedRegion::new(region.clone(), 60, 5).is_none());
    assert!(!region.write_at(usize::MAX, b"xy"));
    assert!(!region.read_at(63, &mut [0; 2]));
    let s = vec![0u8; 8].slice(usize::MAX..);
    assert_eq!(s.bytes_total(), 0);
    #[allow(clippy::reversed_empty_ranges, reason = "an inverted range is the bad input under test")]
    let s = vec![0u8; 8].slice(6..2);
    assert_eq!(s.bytes_total(), 0);
}

/// Rule: a socket option whose value could carry a pointer the kernel
/// follows, or a descriptor number it looks up, is not set through safe
/// code: `socket_cmd` sets only the options on `PLAIN_SOCKOPTS` and reads
/// only at `SOL_SOCKET`, and refuses the rest with a typed error before
/// anything is submitted. (`SO_ATTACH_FILTER` reads a program through a
/// pointer in its value; netfilter's `IPT_SO_SET_REPLACE` writes counters
/// through one.)
#[test]
fn socket_options_with_pointers_are_refused() {
    use ring_core::ops::{SocketCmd, PLAIN_SOCKOPTS};
    let d = Driver::new(8).unwrap();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let a = std::rc::Rc::new(a);
    // A `struct sock_fprog` whose program pointer names freed memory.
    let freed = Box::into_raw(Box::new([0u64; 4])) as u64;
    // SAFETY: reclaims the box just leaked; only its address is kept.
    drop(unsafe { Box::from_raw(freed as *mut [u64; 4]) });
    let mut fprog = 1u16.to_ne_bytes().to_vec();
    fprog.resize(8, 0);
    fprog.extend_from_slice(&freed.to_ne_bytes());
    let ipt_so_set_replace = 64;
    for (level, name, value) in [
        (libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, fprog.clone()),
        (libc::SOL_SOCKET, libc::SO_ATTACH_REUSEPORT_CBPF, fprog),
        (libc::SOL_SOCKET, libc::SO_ATTACH_BPF, 3i32.to_ne_bytes().to_vec()),
        (libc::IPPROTO_IP, ipt_so_set_replace, vec![0; 96]),
        (i32::MAX, i32::MIN, Vec::new()),
    ] {
        assert!(!PLAIN_SOCKOPTS.contains(&(level, name)));
        let e = d.socket_cmd(&a, SocketCmd::SetOpt { level, name, value }).map(drop).unwrap_err();
        assert!(matches!(typed(&e), Some(Error::InvalidArgument(_))), "({level}, {name}): {e}");
    }
    let get = SocketCmd::GetOpt { level: libc::IPPROTO_TCP, name: libc::TCP_INFO, value: Vec::with_capacity(256) };
    let e = d.socket_cmd(&a, get).map(drop).unwrap_err();
    assert!(matches!(typed(&e), Some(Error::InvalidArgument(_))), "{e}");
    assert_eq!(d.stats().started, 0, "nothing was submitted");
    // A plain option is set.
    let keepalive =
        SocketCmd::SetOpt { level: libc::SOL_SOCKET, name: libc::SO_KEEPALIVE, value: 1i32.to_ne_bytes().to_vec() };
    let (r, _) = wait(&d, d.socket_cmd(&a, keepalive).unwrap());
    if let Err(e) = r {
        println!("SKIP the plain option: the kernel refused setsockopt through uring_cmd: {e}");
    }
}

/// `IORING_SETUP_SQ_REWIND` makes the kernel ignore the SQ head and tail
/// and read from slot 0 at every submit; ring-core's queue publishes a
/// tail, so it would have the kernel issue stale entries again. The builder
/// refuses the flag, by its method or as a raw flag, with a typed error
/// naming it, before anything reaches the kernel. What the running kernel
/// says of the flag is probed (not assumed by version) and printed.
#[test]
fn sq_rewind_is_refused_with_a_typed_error() {
    use ring_core::kernel::Kernel;
    for b in [Builder::new(8).sq_rewind(), Builder::new(8).raw_flags(ring_sys::IORING_SETUP_SQ_REWIND)] {
        match b.build() {
            Err(Error::SetupFlagConflict { flag, .. }) => assert_eq!(flag, "IORING_SETUP_SQ_REWIND"),
            other => panic!("SQ_REWIND must be refused before setup, got {:?}", other.map(|_| ())),
        }
    }
    let mut p = ring_sys::io_uring_params::default();
    p.flags = ring_sys::IORING_SETUP_SQ_REWIND | ring_sys::IORING_SETUP_NO_SQARRAY;
    match ring_core::Linux.setup(8, &mut p) {
        // The probe's ring descriptor is left open (taking ownership of a
        // raw number is `unsafe`, and this suite is safe code only): one
        // descriptor, on kernels that have the flag.
        Ok(fd) => println!("this kernel accepts IORING_SETUP_SQ_REWIND (ring {fd}); the builder still refuses it"),
        Err(e) => println!("this kernel refuses IORING_SETUP_SQ_REWIND: errno {}", e.raw()),
    }
}
