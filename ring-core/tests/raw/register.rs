//! Every `io_uring_register(2)` operation against this machine's kernel,
//! with its effect checked where the kernel supports it, and its typed
//! error checked where it does not (or where the machine lacks the
//! hardware). SQEs are built by hand from `io_uring_sqe` accessors.

use crate::support::rings::pipe;
use crate::support::write_all;
use core::time::Duration;
use ring_core::error::Call;
use ring_core::register::*;
use ring_core::sys::*;
use ring_core::{Builder, Cqe, Error, Ring, Timeout, Wait};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

use crate::caps;

// ---- helpers ----

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn eventfd() -> OwnedFd {
    // SAFETY: eventfd creates a fresh descriptor.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: fresh and ours.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The eventfd counter, or 0 if it has not been signalled (EAGAIN).
fn eventfd_count(fd: &OwnedFd) -> u64 {
    let mut v = 0u64;
    // SAFETY: reads 8 bytes into `v`.
    let n = unsafe { libc::read(fd.as_raw_fd(), (&raw mut v).cast(), 8) };
    if n == 8 {
        v
    } else {
        assert_eq!(errno(), libc::EAGAIN);
        0
    }
}

fn memfd(contents: &[u8]) -> OwnedFd {
    let name = CString::new("ring-register-test").unwrap();
    // SAFETY: memfd_create with a valid name creates a fresh descriptor.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: fresh and ours.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    write_all(&fd, contents);
    fd
}

fn pread(fd: &OwnedFd, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    // SAFETY: reads at most `len` bytes into `v`.
    let n = unsafe { libc::pread(fd.as_raw_fd(), v.as_mut_ptr().cast(), len, 0) };
    assert!(n >= 0);
    v.truncate(n as usize);
    v
}

fn sqe(opcode: u8, fd: RawFd, user_data: u64) -> io_uring_sqe {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = opcode;
    s.fd = fd;
    s.user_data = user_data;
    s
}

fn nop(user_data: u64) -> io_uring_sqe {
    sqe(IORING_OP_NOP, -1, user_data)
}

fn rw(opcode: u8, fd: RawFd, addr: *const u8, len: usize, off: u64, user_data: u64) -> io_uring_sqe {
    let mut s = sqe(opcode, fd, user_data);
    s.set_addr(addr as u64);
    s.len = len as u32;
    s.set_off(off);
    s
}

/// Pushes `s`, which the caller has made valid (see each call site).
fn push(ring: &mut Ring, s: &io_uring_sqe) {
    // SAFETY: every SQE in this file points only at memory the test keeps
    // alive until it has reaped the SQE's completion.
    unsafe { ring.sq().push(s) }.expect("SQ has room");
}

/// Submits and returns the next completion; fails the test if none comes
/// within 10 s.
fn next_cqe(ring: &mut Ring) -> Cqe {
    caps::cqe_within(ring, Duration::from_secs(10)).expect("no completion within 10 s")
}

/// After a tagged table was unregistered as a whole: the tag's completion,
/// if this kernel posts one then (6.18 does; 6.1 and 6.12 do not), and no
/// other completion.
fn tag_after_unregistration(ring: &mut Ring, tag: u64) {
    match caps::cqe_within(ring, Duration::from_millis(500)) {
        Some(c) => assert_eq!((c.user_data, c.res), (tag, 0)),
        None => println!("note: no tag completion after unregistering the whole table on this kernel"),
    }
}

/// Submits and returns the completions of `n` requests, sorted by user data.
fn next_cqes(ring: &mut Ring, n: usize) -> Vec<Cqe> {
    let mut v: Vec<Cqe> = (0..n).map(|_| next_cqe(ring)).collect();
    v.sort_by_key(|c| c.user_data);
    v
}

fn syscall_errno(e: &Error) -> Option<i32> {
    match e {
        Error::Syscall { errno, .. } => Some(errno.raw()),
        _ => None,
    }
}

fn iov(buf: &mut [u8]) -> libc::iovec {
    libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }
}

/// Whether the kernel knows register operation `op`; prints why a test
/// skips when it does not.
fn supports(ring: &Ring, op: u32, what: &str) -> bool {
    let probe = ring.probe().expect("probe");
    let ok = probe.register_op_supported(op);
    if !ok {
        println!(
            "skipping {what}: this kernel does not know {} (knows {:?} register opcodes)",
            ring_core::names::register_op_name(op),
            probe.register_ops()
        );
    }
    ok
}

fn page() -> usize {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// An anonymous mapping the test leaks on purpose (memory a registration
/// may keep must never be reused).
fn leaked_pages(n: usize) -> core::ptr::NonNull<u8> {
    // SAFETY: a fresh anonymous mapping.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            n * page(),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    core::ptr::NonNull::new(p.cast()).unwrap()
}

// ---- probe, query ----

#[test]
fn probe_lists_nop_and_read() {
    let ring = Ring::new(4).unwrap();
    let probe = ring.probe().unwrap();
    assert!(probe.supported(IORING_OP_NOP));
    assert!(probe.supported(IORING_OP_READ));
    assert!(probe.register_op_supported(IORING_REGISTER_BUFFERS));
}

#[test]
fn query_reports_opcodes() {
    let ring = Ring::new(4).unwrap();
    match ring.query() {
        Ok(q) => {
            let op = q.opcodes.expect("IO_URING_QUERY_OPCODES is the first query");
            let probe = ring.probe().unwrap();
            assert_eq!(op.nr_request_opcodes, u32::from(probe.ops_known()));
            assert!(op.nr_register_opcodes > IORING_REGISTER_MEM_REGION);
            assert_ne!(op.ring_setup_flags & u64::from(IORING_SETUP_DEFER_TASKRUN), 0);
            println!("query: {op:?}; zcrx {:?}, scq {:?}", q.zcrx, q.scq);
            let blind = query_kernel(&ring_core::Linux).unwrap();
            assert_eq!(blind.opcodes, q.opcodes);
        }
        Err(e) => {
            assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_QUERY, .. }), "{e:?}");
            println!("skipping the query: {e}");
        }
    }
}

// ---- buffers ----

#[test]
fn fixed_buffers_read_and_write() {
    let mut ring = Ring::new(8).unwrap();
    let mut src = vec![0u8; 4096];
    let mut dst = vec![0u8; 4096];
    for (i, b) in src.iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    let iovs = [iov(&mut src), iov(&mut dst)];
    // SAFETY: both vectors outlive the registration: they are unregistered
    // at the end of the test, after every fixed request completed.
    unsafe { ring.register_buffers(&iovs) }.unwrap();
    // A second table is refused: the ring holds one.
    // SAFETY: as above; the kernel refuses it anyway.
    let again = unsafe { ring.register_buffers(&iovs) }.unwrap_err();
    assert_eq!(syscall_errno(&again), Some(libc::EBUSY), "{again:?}");

    let file = memfd(&[]);
    let mut w = rw(IORING_OP_WRITE_FIXED, file.as_raw_fd(), src.as_ptr(), 3000, 0, 1);
    w.set_buf_index(0);
    push(&mut ring, &w);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (1, 3000));
    assert_eq!(pread(&file, 4096), src[..3000]);

    let mut r = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), dst.as_mut_ptr(), 3000, 0, 2);
    r.set_buf_index(1);
    push(&mut ring, &r);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (2, 3000));
    assert_eq!(dst[..3000], src[..3000]);

    // An address outside the named buffer is refused by the kernel.
    let mut bad = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), src.as_ptr(), 16, 0, 3);
    bad.set_buf_index(1);
    push(&mut ring, &bad);
    assert_eq!(next_cqe(&mut ring).res, -libc::EFAULT);

    ring.unregister_buffers().unwrap();
    let after = ring.unregister_buffers().unwrap_err();
    assert_eq!(syscall_errno(&after), Some(libc::ENXIO), "{after:?}");
}

#[test]
fn buffer_input_checked_before_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let dangling = libc::iovec { iov_base: 4096 as *mut libc::c_void, iov_len: 16 };
    let too_many = vec![dangling; MAX_BUFFERS + 1];
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&too_many) }.unwrap_err();
    assert!(matches!(e, Error::TooLong { max: MAX_BUFFERS, .. }), "{e:?}");
    let huge = libc::iovec { iov_base: 4096 as *mut libc::c_void, iov_len: MAX_BUFFER_LEN + 1 };
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[huge]) }.unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "registered buffer", .. }), "{e:?}");
    let null_with_len = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 8 };
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[null_with_len]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = ring.register_buffers_sparse(MAX_BUFFERS as u32 + 1).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn sparse_buffers_update_and_tags() {
    let mut ring = Ring::new(8).unwrap();
    ring.register_buffers_sparse(4).unwrap();
    let mut buf = vec![0u8; 64];
    let file = memfd(b"sparse slot two");
    // SAFETY: `buf` outlives its registration: the slot is emptied below,
    // after the read completed.
    let n = unsafe { ring.update_buffers(2, &[iov(&mut buf)], Some(&[77])) }.unwrap();
    assert_eq!(n, 1);
    let mut r = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), buf.as_mut_ptr(), 64, 0, 5);
    r.set_buf_index(2);
    push(&mut ring, &r);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (5, 15));
    assert_eq!(&buf[..15], b"sparse slot two");

    // Emptying the slot releases the tagged buffer: the kernel posts a CQE
    // carrying the tag.
    let empty = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 0 };
    // SAFETY: an empty slot names no memory.
    assert_eq!(unsafe { ring.update_buffers(2, &[empty], None) }.unwrap(), 1);
    ring.get_events().unwrap();
    let tag = next_cqe(&mut ring);
    assert_eq!((tag.user_data, tag.res), (77, 0));

    // A tag on an empty slot is refused before the kernel.
    ring.unregister_buffers().unwrap();
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers_tags(&[empty], &[1]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");

    // Tagged registration, then the whole table unregistered: 6.18 posts
    // the tag then; 6.1 and 6.12 post no completion for a table
    // unregistered as a whole. Either way nothing else arrives.
    // SAFETY: `buf` outlives the registration, which ends just below.
    unsafe { ring.register_buffers_tags(&[iov(&mut buf)], &[88]) }.unwrap();
    ring.unregister_buffers().unwrap();
    ring.get_events().unwrap();
    tag_after_unregistration(&mut ring, 88);
}

#[test]
fn clone_buffers_between_rings() {
    let src = Ring::new(4).unwrap();
    let mut dst = Ring::new(4).unwrap();
    if !supports(&src, IORING_REGISTER_CLONE_BUFFERS, "buffer cloning") {
        return;
    }
    let mut buf = b"cloned into another ring".to_vec();
    // SAFETY: `buf` stays alive until both registrations end: the test
    // unregisters both tables at its end, after every request completed.
    unsafe { src.register_buffers(&[iov(&mut buf)]) }.unwrap();
    // SAFETY: as above; the clone is unregistered below, before `buf` dies.
    unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) }.unwrap();
    let file = memfd(&[]);
    let mut w = rw(IORING_OP_WRITE_FIXED, file.as_raw_fd(), buf.as_ptr(), buf.len(), 0, 9);
    w.set_buf_index(0);
    push(&mut dst, &w);
    assert_eq!(next_cqe(&mut dst).res, buf.len() as i32);
    assert_eq!(pread(&file, 64), buf);
    // Cloning again without replace is refused: the table exists.
    // SAFETY: refused by the kernel.
    let e = unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) }.unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EBUSY), "{e:?}");
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { dst.clone_buffers_from(&src, CloneBuffers { src_offset: 1, ..Default::default() }) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    dst.unregister_buffers().unwrap();
    src.unregister_buffers().unwrap();
}

// ---- files ----

#[test]
fn fixed_files_read_update_and_tags() {
    let mut ring = Ring::new(8).unwrap();
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    ring.register_files(&[r1.as_raw_fd(), -1]).unwrap();
    write_all(&w1, b"abc");
    let mut buf = [0u8; 16];
    let mut s = rw(IORING_OP_READ, 0, buf.as_mut_ptr(), 16, u64::MAX, 1);
    s.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &s);
    let c = next_cqe(&mut ring);
    assert_eq!(c.res, 3);
    assert_eq!(&buf[..3], b"abc");

    // Fill the empty slot through FILES_UPDATE and read through it.
    assert_eq!(ring.update_files(1, &[r2.as_raw_fd()]).unwrap(), 1);
    write_all(&w2, b"second");
    let mut s = rw(IORING_OP_READ, 1, buf.as_mut_ptr(), 16, u64::MAX, 2);
    s.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &s);
    assert_eq!(next_cqe(&mut ring).res, 6);
    assert_eq!(&buf[..6], b"second");

    // FILES_UPDATE2 with a tag, then replace: the tag comes back as a CQE.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(0, &[r2.as_raw_fd()], &[55]) }.unwrap(), 1);
    assert_eq!(ring.update_files(0, &[-1]).unwrap(), 1);
    ring.get_events().unwrap();
    assert_eq!(next_cqe(&mut ring).user_data, 55);

    // Skipping leaves the slot alone.
    assert_eq!(ring.update_files(0, &[IORING_REGISTER_FILES_SKIP, IORING_REGISTER_FILES_SKIP]).unwrap(), 2);
    ring.unregister_files().unwrap();
    assert_eq!(syscall_errno(&ring.unregister_files().unwrap_err()), Some(libc::ENXIO));

    // Tagged registration (the tag after unregistration as for buffers,
    // see `sparse_buffers_update_and_tags`), checked input.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    unsafe { ring.register_files_tags(&[r1.as_raw_fd()], &[66]) }.unwrap();
    ring.unregister_files().unwrap();
    ring.get_events().unwrap();
    tag_after_unregistration(&mut ring, 66);
    assert!(matches!(ring.register_files(&[-5]), Err(Error::BadFd(-5))));
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert!(matches!(unsafe { ring.register_files_tags(&[-1], &[3]) }, Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_files(&[]), Err(Error::InvalidArgument(_))));
    let e = ring.register_files_sparse(MAX_FILES as u32 + 1).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn file_alloc_range_and_direct_openat() {
    let mut ring = Ring::new(8).unwrap();
    ring.register_files_sparse(16).unwrap();
    ring.register_file_alloc_range(8, 4).unwrap();
    assert!(matches!(ring.register_file_alloc_range(u32::MAX, 2), Err(Error::InvalidArgument(_))));
    let file = memfd(b"direct descriptor");
    let path = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).unwrap();
    let mut slots = Vec::new();
    for i in 0..2u64 {
        let mut o = sqe(IORING_OP_OPENAT, libc::AT_FDCWD, 100 + i);
        o.set_addr(path.as_ptr() as u64);
        o.set_open_flags(libc::O_RDONLY as u32);
        o.set_file_index(IORING_FILE_INDEX_ALLOC);
        push(&mut ring, &o);
        let c = next_cqe(&mut ring);
        assert!((8..12).contains(&c.res), "slot {} outside the range 8..12", c.res);
        slots.push(c.res);
    }
    assert_ne!(slots[0], slots[1]);
    // The slot is a working descriptor.
    let mut buf = [0u8; 32];
    let mut r = rw(IORING_OP_READ, slots[1], buf.as_mut_ptr(), 32, 0, 7);
    r.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &r);
    assert_eq!(next_cqe(&mut ring).res, 17);
    assert_eq!(&buf[..17], b"direct descriptor");
}

// ---- eventfd ----

#[test]
fn eventfd_counts_completions() {
    let mut ring = Ring::new(4).unwrap();
    let efd = eventfd();
    assert!(matches!(ring.register_eventfd(-1), Err(Error::BadFd(-1))));
    ring.register_eventfd(efd.as_raw_fd()).unwrap();
    assert_eq!(syscall_errno(&ring.register_eventfd(efd.as_raw_fd()).unwrap_err()), Some(libc::EBUSY));
    push(&mut ring, &nop(1));
    next_cqe(&mut ring);
    assert!(eventfd_count(&efd) >= 1);
    ring.unregister_eventfd().unwrap();
    push(&mut ring, &nop(2));
    next_cqe(&mut ring);
    assert_eq!(eventfd_count(&efd), 0);
}

#[test]
fn eventfd_async_signals_worker_completions_only() {
    let mut ring = Ring::new(4).unwrap();
    let efd = eventfd();
    ring.register_eventfd_async(efd.as_raw_fd()).unwrap();
    // An inline completion does not signal.
    push(&mut ring, &nop(1));
    next_cqe(&mut ring);
    assert_eq!(eventfd_count(&efd), 0);
    // One completed by an io-wq worker does.
    let mut s = nop(2);
    s.flags = IOSQE_ASYNC;
    push(&mut ring, &s);
    next_cqe(&mut ring);
    assert!(eventfd_count(&efd) >= 1);
    ring.unregister_eventfd().unwrap();
}

// ---- personality ----

#[test]
fn personality_used_by_sqe() {
    let mut ring = Ring::new(4).unwrap();
    let id = ring.register_personality().unwrap();
    assert_ne!(id, 0);
    let mut s = nop(1);
    s.personality = id;
    push(&mut ring, &s);
    assert_eq!(next_cqe(&mut ring).res, 0);
    ring.unregister_personality(id).unwrap();
    // The id is gone: a request that names it is refused.
    push(&mut ring, &s);
    assert_eq!(next_cqe(&mut ring).res, -libc::EINVAL);
    assert_eq!(syscall_errno(&ring.unregister_personality(id).unwrap_err()), Some(libc::EINVAL));
}

// ---- restrictions ----

#[test]
fn restrictions_block_disallowed_opcode() {
    let plain = Ring::new(4).unwrap();
    assert!(matches!(plain.register_restrictions(&[]), Err(Error::NotConfigured(_))));

    let mut ring = Builder::new(4).r_disabled().build().unwrap();
    ring.register_restrictions(&[
        Restriction::SqeOp(IORING_OP_NOP),
        Restriction::RegisterOp(IORING_REGISTER_PROBE as u8),
    ])
    .unwrap();
    let e = ring.register_restrictions(&[]).unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EBUSY), "{e:?}");
    ring.enable().unwrap();

    push(&mut ring, &nop(1));
    assert_eq!(next_cqe(&mut ring).res, 0);
    let (r, _w) = pipe();
    let mut buf = [0u8; 8];
    push(&mut ring, &rw(IORING_OP_READ, r.as_raw_fd(), buf.as_mut_ptr(), 8, u64::MAX, 2));
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (2, -libc::EACCES));
    // Flags beyond the allowed set (none) are refused as well.
    let mut s = nop(3);
    s.flags = IOSQE_ASYNC;
    push(&mut ring, &s);
    assert_eq!(next_cqe(&mut ring).res, -libc::EACCES);
    // Register operations: PROBE is allowed, PERSONALITY is not.
    ring.probe().unwrap();
    let e = ring.register_personality().unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EACCES), "{e:?}");
}

#[test]
fn task_restrictions_are_typed_when_missing() {
    let ring = Ring::new(4).unwrap();
    if ring.probe().unwrap().register_op_supported(IORING_REGISTER_BPF_FILTER) {
        // On 7.0 the call would restrict this test process for good.
        println!("skipping: the register probe shows task restrictions here, and they cannot be undone in a test");
        return;
    }
    let e = register_task_restrictions(&ring_core::Linux, &[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_RESTRICTIONS, .. }), "{e:?}");
    println!("note: task restrictions are missing here, typed as: {e} (ring-less restrictions were added in 7.0)");
}

// ---- io-wq ----

#[test]
fn iowq_max_workers_round_trip() {
    let ring = Ring::new(4).unwrap();
    let before = ring.iowq_max_workers().unwrap();
    let prev = ring.set_iowq_max_workers(Some(3), Some(5)).unwrap();
    assert_eq!(prev, before);
    assert_eq!(ring.iowq_max_workers().unwrap(), IowqMaxWorkers { bounded: 3, unbounded: 5 });
    let restore = |v: u32| (v != 0).then_some(v);
    ring.set_iowq_max_workers(restore(prev.bounded), restore(prev.unbounded)).unwrap();
    assert!(matches!(ring.set_iowq_max_workers(Some(0), None), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.set_iowq_max_workers(None, Some(u32::MAX)), Err(Error::InvalidArgument(_))));
}

/// The allowed-CPU list of this thread's io-wq workers, if one exists.
fn worker_cpus() -> Option<String> {
    // SAFETY: gettid has no memory effects.
    let tid = unsafe { libc::gettid() };
    let name = format!("iou-wrk-{tid}");
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path();
        let comm = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        if comm.trim() == name {
            let status = std::fs::read_to_string(path.join("status")).ok()?;
            let line = status.lines().find(|l| l.starts_with("Cpus_allowed_list:"))?;
            return Some(line.split(':').nth(1)?.trim().to_string());
        }
    }
    None
}

#[test]
fn iowq_affinity() {
    let mut ring = Ring::new(4).unwrap();
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: CPU 0 is inside the set's bit array.
    unsafe { libc::CPU_SET(0, &mut set) };
    ring.register_iowq_aff(&set).unwrap();
    let mut s = nop(1);
    s.flags = IOSQE_ASYNC;
    push(&mut ring, &s);
    next_cqe(&mut ring);
    match worker_cpus() {
        Some(cpus) => assert_eq!(cpus, "0", "the io-wq worker runs on CPUs {cpus}"),
        None => println!("no io-wq worker found to check its affinity"),
    }
    ring.unregister_iowq_aff().unwrap();
}

// ---- registered ring descriptors ----

#[test]
fn ring_fds_register_other_ring() {
    let mut a = Ring::new(4).unwrap();
    let b = Builder::new(4).register_ring_fd(false).build().unwrap();
    let idx = a.register_ring_fds(&[b.fd().unwrap()]).unwrap();
    assert_eq!(idx.len(), 1);
    let enter = |i: u32| {
        // SAFETY: a bare enter with nothing to submit or wait for.
        unsafe { ring_core::sys::syscall::io_uring_enter2(i, 0, 0, IORING_ENTER_REGISTERED_RING, core::ptr::null(), 0) }
    };
    assert_eq!(enter(idx[0]), Ok(0));
    if let Some(own) = a.registered_index() {
        assert!(matches!(a.unregister_ring_fds(&[own]), Err(Error::InvalidArgument(_))));
    }
    assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 1);
    assert_eq!(enter(idx[0]).unwrap_err().raw(), libc::EBADF);
    assert!(matches!(a.register_ring_fds(&[-1]), Err(Error::BadFd(-1))));
    assert!(matches!(a.register_ring_fds(&[0; 17]), Err(Error::TooLong { .. })));
    // A non-ring descriptor is refused by the kernel.
    let (r, _w) = pipe();
    assert!(a.register_ring_fds(&[r.as_raw_fd()]).is_err());

    // Dropping the ring's own index: it keeps working through its fd.
    a.unregister_ring_fd().unwrap();
    assert_eq!(a.registered_index(), None);
    push(&mut a, &nop(4));
    assert_eq!(next_cqe(&mut a).user_data, 4);
    a.register_ring_fd().unwrap();
}

/// Removes index `index` of this thread's registered-ring table with a raw
/// system call through `fd`, as code outside ring-core (another io_uring
/// library on the thread) can.
fn foreign_unregister_index(fd: RawFd, index: u32) {
    let up = io_uring_rsrc_update { offset: index, resv: 0, data: 0 };
    // SAFETY: one valid io_uring_rsrc_update, read during the call.
    let r = unsafe {
        ring_core::sys::syscall::io_uring_register(fd as u32, IORING_UNREGISTER_RING_FDS, (&raw const up).cast(), 1)
    };
    assert_eq!(r, Ok(1));
}

/// Registers ring `fd` at index `index` of this thread's table with a raw
/// system call, as code outside ring-core can.
fn foreign_register_index(fd: RawFd, index: u32) {
    let mut up = io_uring_rsrc_update { offset: index, resv: 0, data: fd as u64 };
    // SAFETY: one valid io_uring_rsrc_update, read and written during the call.
    let r = unsafe {
        ring_core::sys::syscall::io_uring_register(
            fd as u32,
            IORING_REGISTER_RING_FDS,
            (&raw mut up).cast_const().cast(),
            1,
        )
    };
    assert_eq!(r, Ok(1));
}

/// A ring never takes over an index that ring-core recorded for another
/// live ring: if code outside ring-core removed a driver's index, the next
/// ring the kernel offers it to gives it up and keeps its descriptor, so
/// the driver's calls through its (now empty) index fail instead of
/// landing on that ring.
#[test]
fn a_ring_does_not_take_an_index_foreign_code_freed() {
    std::thread::spawn(|| {
        let d = ring_core::Driver::new(4).unwrap();
        let plain = Builder::new(4).register_ring_fd(false).build().unwrap();
        foreign_unregister_index(plain.fd().unwrap(), 0);
        let x = Ring::new(4).unwrap();
        assert_eq!(x.registered_index(), None, "x took the index recorded for the driver");
        let idx = plain.register_ring_fds(&[x.fd().unwrap()]).unwrap_or_default();
        assert!(!idx.contains(&0), "{idx:?}");
        x.probe().expect("x works through its descriptor");
        drop(d);
    })
    .join()
    .unwrap();
}

/// Memory is given up only on the strength of a call that went to the
/// ring's own descriptor: even when code outside ring-core moved a
/// driver's registered index to another ring, dropping the driver's buffer
/// pool unregisters the pool's group on the driver's ring, and the other
/// ring's group of the same id stays.
#[test]
fn a_pool_is_released_through_the_descriptor_whatever_became_of_the_index() {
    std::thread::spawn(|| {
        let d = ring_core::Driver::new(4).unwrap();
        let cfg = BufRingConfig::new(7, 4).buffers(4, 64);
        let pool = ring_core::pool::BufferPool::new(&d, cfg).unwrap();
        let x = Builder::new(4).register_ring_fd(false).build().unwrap();
        foreign_unregister_index(x.fd().unwrap(), 0);
        foreign_register_index(x.fd().unwrap(), 0);
        let xbr = x.register_buf_ring(cfg).unwrap();
        drop(pool);
        assert!(caps::group_registered(&x, 7), "x's group 7 was unregistered by the driver's pool");
        x.unregister_buf_ring(xbr).unwrap();
        drop(d);
    })
    .join()
    .unwrap();
}

// ---- provided-buffer rings ----

fn select_read(ring: &mut Ring, fd: RawFd, bgid: u16, len: u32, user_data: u64) -> Cqe {
    let mut s = sqe(IORING_OP_READ, fd, user_data);
    s.flags = IOSQE_BUFFER_SELECT;
    s.set_buf_group(bgid);
    s.len = len;
    s.set_off(u64::MAX);
    push(ring, &s);
    next_cqe(ring)
}

fn buf_ring_round_trip(kernel_mapped: bool) {
    let mut ring = Ring::new(8).unwrap();
    let mut cfg = BufRingConfig::new(7, 8).buffers(4, 64);
    if kernel_mapped {
        cfg = cfg.kernel_mapped();
    }
    let mut br = ring.register_buf_ring(cfg).unwrap();
    assert!((0..4).all(|b| br.is_with_kernel(b)));
    let (r, w) = pipe();
    write_all(&w, b"hello");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 1);
    assert_eq!(c.res, 5);
    assert_ne!(c.flags & IORING_CQE_F_BUFFER, 0);
    let bid = c.buffer_id().unwrap();
    assert_eq!(bid, 0, "the kernel takes buffers in ring order");
    // SAFETY: the completion reported `bid` without BUF_MORE.
    let data = unsafe { br.take(bid) }.unwrap();
    assert_eq!(&data[..5], b"hello");
    if supports(&ring, IORING_REGISTER_PBUF_STATUS, "buffer ring status") {
        assert_eq!(ring.buf_ring_head(7).unwrap(), 1);
    }
    // A taken buffer goes back at the tail; the next read takes buffer 1.
    br.recycle(bid).unwrap();
    assert!(matches!(br.recycle(bid), Err(Error::InvalidArgument(_))));
    write_all(&w, b"world!");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 2);
    assert_eq!((c.res, c.buffer_id()), (6, Some(1)));
    // SAFETY: as above.
    assert_eq!(&unsafe { br.take(1) }.unwrap()[..6], b"world!");
    // SAFETY: refused: buffer 1 is no longer with the kernel.
    assert!(unsafe { br.take(1) }.is_err());
    ring.unregister_buf_ring(br).unwrap();
    // The group is gone.
    write_all(&w, b"x");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 3);
    assert!(c.res < 0, "read without a group: {}", c.res);
}

#[test]
fn buf_ring_user_memory() {
    buf_ring_round_trip(false);
}

#[test]
fn buf_ring_kernel_mapped() {
    if !caps::kernel_mapped_buf_rings("buf_ring_kernel_mapped") {
        return;
    }
    buf_ring_round_trip(true);
}

/// A kernel-allocated buffer ring is mapped at an offset whose group id
/// field has eleven bits: group 0x8000 would be mapped as group 0 (its
/// entries written into group 0's ring), so groups above 2047 are refused
/// before anything is registered, and 2047 works.
#[test]
fn a_kernel_mapped_buffer_ring_refuses_a_group_id_its_mapping_cannot_carry() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(MAX_MAPPED_BGID, 2047);
    if !caps::kernel_mapped_buf_rings("a_kernel_mapped_buffer_ring_refuses_a_group_id_its_mapping_cannot_carry") {
        return;
    }
    for bgid in [2048u16, 0x8000, u16::MAX] {
        let e = ring.register_buf_ring(BufRingConfig::new(bgid, 4).buffers(1, 64).kernel_mapped()).unwrap_err();
        assert!(matches!(e, Error::TooLong { max: 2047, .. }), "group {bgid:#x}: {e:?}");
        // Nothing was registered: a user-memory ring takes the same group.
        let br = ring.register_buf_ring(BufRingConfig::new(bgid, 4).buffers(1, 64)).unwrap();
        ring.unregister_buf_ring(br).unwrap();
    }
    let br = ring.register_buf_ring(BufRingConfig::new(2047, 4).buffers(1, 64).kernel_mapped()).unwrap();
    let (r, w) = pipe();
    write_all(&w, b"hi");
    let c = select_read(&mut ring, r.as_raw_fd(), 2047, 64, 1);
    assert_eq!((c.res, c.buffer_id()), (2, Some(0)));
    // SAFETY: the completion reported bytes 0..2 of buffer 0, written once.
    assert_eq!(unsafe { br.read(0, 0..2) }.unwrap(), b"hi");
    ring.unregister_buf_ring(br).unwrap();
}

/// A provided-buffer ring in kernel memory (6.4) or consumed
/// incrementally (6.12), asked of a kernel without it (6.1 reads the flags
/// as padding and answers a bare EINVAL, 6.4 to 6.11 refuse the
/// incremental bit the same way), is the typed `Error::Unsupported`, found
/// by the crate's probe; where the kernel has it, the ring is registered.
#[test]
fn buffer_ring_flags_are_typed_where_the_kernel_lacks_them() {
    let ring = Ring::new(4).unwrap();
    for (flag, name) in [(IOU_PBUF_RING_MMAP, "kernel-mapped"), (IOU_PBUF_RING_INC, "incremental")] {
        let mut cfg = BufRingConfig::new(30, 4).buffers(1, 64);
        cfg = if flag == IOU_PBUF_RING_MMAP { cfg.kernel_mapped() } else { cfg.incremental() };
        match ring.register_buf_ring(cfg) {
            Ok(br) => {
                assert_eq!(ring.buf_ring_flag_supported(flag), Ok(true));
                ring.unregister_buf_ring(br).unwrap();
            }
            Err(e @ Error::Unsupported { .. }) => {
                assert_eq!(ring.buf_ring_flag_supported(flag), Ok(false));
                caps::skip(&format!("buffer_ring_flags_are_typed_where_the_kernel_lacks_them ({name})"), &e);
                // The raw form is typed the same way.
                let addr =
                    if flag == IOU_PBUF_RING_MMAP { core::ptr::null_mut() } else { leaked_pages(1).as_ptr().cast() };
                // SAFETY: no memory, or a leaked page that is never reused.
                let e = unsafe { ring.register_buf_ring_raw(addr, 1, 31, flag) };
                assert!(matches!(e, Err(Error::Unsupported { .. })), "{e:?}");
            }
            Err(e) => panic!("{name} buffer ring: not a typed error for a missing flag: {e:?}"),
        }
    }
}

#[test]
fn buf_ring_incremental() {
    let mut ring = Ring::new(8).unwrap();
    let br = match ring.register_buf_ring(BufRingConfig::new(9, 2).buffers(1, 64).incremental()) {
        Ok(br) => br,
        Err(e) => {
            assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
            println!("skipping incremental buffer rings: {e}");
            return;
        }
    };
    assert!(br.is_incremental());
    let (r, w) = pipe();
    write_all(&w, b"abc");
    let c = select_read(&mut ring, r.as_raw_fd(), 9, 64, 1);
    assert_eq!((c.res, c.buffer_id()), (3, Some(0)));
    assert_ne!(c.flags & IORING_CQE_F_BUF_MORE, 0, "the kernel keeps a partly used buffer");
    write_all(&w, b"defg");
    let c = select_read(&mut ring, r.as_raw_fd(), 9, 64, 2);
    assert_eq!((c.res, c.buffer_id()), (4, Some(0)));
    assert_ne!(c.flags & IORING_CQE_F_BUF_MORE, 0);
    // SAFETY: the two completions reported bytes 0..3 and 3..7 of buffer 0,
    // and the kernel writes each part once.
    assert_eq!(unsafe { br.read(0, 0..7) }.unwrap(), b"abcdefg");
    if supports(&ring, IORING_REGISTER_PBUF_STATUS, "buffer ring status") {
        assert_eq!(ring.buf_ring_head(9).unwrap(), 0, "a partly used buffer stays at the head");
    }
    ring.unregister_buf_ring(br).unwrap();
}

#[test]
fn buf_ring_input_checked() {
    let ring = Ring::new(4).unwrap();
    let other = Ring::new(4).unwrap();
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 3)), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 4).buffers(5, 8)), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 4).buffers(2, 0)), Err(Error::InvalidArgument(_))));
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buf_ring_raw((page() + 16) as *mut io_uring_buf_ring, 4, 1, 0) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // A second ring for the same group is refused by the kernel.
    let br = ring.register_buf_ring(BufRingConfig::new(2, 4)).unwrap();
    let e = ring.register_buf_ring(BufRingConfig::new(2, 4)).unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EEXIST), "{e:?}");
    // Another ring cannot unregister it (the BufRing is then leaked).
    let e = other.unregister_buf_ring(br).unwrap_err();
    assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
    ring.unregister_buf_group(2).unwrap();
}

// ---- cancelation ----

#[test]
fn cancel_sync_pending_reads() {
    let mut ring = Ring::new(8).unwrap();
    if !supports(&ring, IORING_REGISTER_SYNC_CANCEL, "synchronous cancelation") {
        return;
    }
    let (r, _w) = pipe();
    let mut bufs = [[0u8; 8]; 3];
    for (i, b) in bufs.iter_mut().enumerate() {
        push(&mut ring, &rw(IORING_OP_READ, r.as_raw_fd(), b.as_mut_ptr(), 8, u64::MAX, 40 + i as u64));
    }
    ring.submit().unwrap();
    assert_eq!(ring.cancel_sync(&CancelBuilder::user_data(42), Some(Duration::from_secs(1))).unwrap(), 0);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (42, -libc::ECANCELED));
    let e = ring.cancel_sync(&CancelBuilder::user_data(42), None).unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::ENOENT), "{e:?}");
    // Everything on the descriptor at once.
    let n = ring.cancel_sync(&CancelBuilder::fd(r.as_raw_fd()).all(), Some(Duration::from_secs(1))).unwrap();
    assert_eq!(n, 2);
    let cs = next_cqes(&mut ring, 2);
    assert!(cs.iter().all(|c| c.res == -libc::ECANCELED));
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), [40, 41]);
    assert!(matches!(ring.cancel_sync(&CancelBuilder::fd(-3), None), Err(Error::BadFd(-3))));
    // Opcode plus user data (6.6): combines with USERDATA.
    assert_eq!(
        CancelBuilder::user_data(1).and_opcode(IORING_OP_READ).flags(),
        IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA
    );
    assert_eq!(CancelBuilder::user_data(1).flags(), 0);
}

// ---- NAPI ----

#[test]
fn napi_register_or_typed_error() {
    let ring = Ring::new(4).unwrap();
    let napi =
        Napi { busy_poll_timeout: Duration::from_micros(100), prefer_busy_poll: true, tracking: NapiTracking::Dynamic };
    match ring.register_napi(&napi) {
        Ok(prev) => {
            assert_eq!(prev.busy_poll_timeout, Duration::ZERO);
            let had = ring.unregister_napi().unwrap();
            assert_eq!(had, napi);
        }
        Err(e) => {
            assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_NAPI, .. }), "{e:?}");
            println!("skipping NAPI: {e}");
        }
    }
    let e = ring.register_napi(&Napi { busy_poll_timeout: Duration::from_secs(1 << 40), ..napi }).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
}

// ---- clock ----

fn boottime_now() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one timespec.
    assert_eq!(unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut ts) }, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[test]
fn clock_boottime_absolute_wait() {
    let mut ring = Ring::new(4).unwrap();
    if !supports(&ring, IORING_REGISTER_CLOCK, "clock registration") {
        return;
    }
    ring.register_clock(Clock::Boottime).unwrap();
    let start = Instant::now();
    let deadline = boottime_now() + Duration::from_millis(30);
    let wait = Wait { want: 1, timeout: Some(Timeout::Absolute(deadline)), ..Wait::default() };
    assert_eq!(ring.submit_with(&wait).unwrap(), 0);
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(20), "woke after {waited:?}");
    assert!(waited < Duration::from_secs(2), "woke after {waited:?}");
    ring.register_clock(Clock::Monotonic).unwrap();
}

/// The register-operation probe is exact where the kernel can say (every
/// kernel this crate is tested on; `IORING_REGISTER_QUERY` from 6.18, one
/// harmless call per operation before), and never reports an operation
/// that works as missing: clock registration and buffer cloning, which
/// 6.12 has but an inference from its opcode count would deny, are tried
/// here and must be reported exactly as they behave.
#[test]
fn the_register_probe_reports_what_works() {
    let src = Ring::new(4).unwrap();
    let dst = Ring::new(4).unwrap();
    let probe = src.probe().unwrap();
    println!("register operations: {:?}", probe.register_ops());
    let clock = src.register_clock(Clock::Monotonic);
    match &clock {
        Ok(()) => {}
        Err(e) => assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_CLOCK, .. }), "{e:?}"),
    }
    assert_eq!(probe.register_op_supported(IORING_REGISTER_CLOCK), clock.is_ok(), "clock: {clock:?}");
    let mut buf = vec![0u8; 64];
    // SAFETY: `buf` outlives both registrations, which end below.
    unsafe { src.register_buffers(&[iov(&mut buf)]) }.unwrap();
    // SAFETY: as above.
    let clone = unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) };
    match &clone {
        Ok(()) => dst.unregister_buffers().unwrap(),
        Err(e) => assert!(matches!(e, Error::UnsupportedRegister { .. }), "{e:?}"),
    }
    assert_eq!(probe.register_op_supported(IORING_REGISTER_CLONE_BUFFERS), clone.is_ok(), "clone: {clone:?}");
    src.unregister_buffers().unwrap();
}

// ---- send msg ring ----

#[test]
fn send_msg_ring_sync_posts_cqe() {
    let mut target = Ring::new(4).unwrap();
    if !supports(&target, IORING_REGISTER_SEND_MSG_RING, "ring-less MSG_RING") {
        // Typed without a ring, from one harmless ring-less call per
        // operation, on kernels without IORING_REGISTER_QUERY too.
        // SAFETY: the kernel lacks the operation; nothing is posted.
        let e = unsafe { send_msg_ring_sync_fd(&ring_core::Linux, target.fd().unwrap(), 1, 0, None) }.unwrap_err();
        assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_SEND_MSG_RING, .. }), "{e:?}");
        return;
    }
    // SAFETY: `target` is a raw ring no Driver drives, so a posted
    // completion impersonates no operation.
    unsafe { target.send_msg_ring_sync(0xfeed, 17, None) }.unwrap();
    // SAFETY: as above.
    unsafe { send_msg_ring_sync_fd(&ring_core::Linux, target.fd().unwrap(), 0xbeef, -3, Some(1 << 8)) }.unwrap();
    let cs = next_cqes(&mut target, 2);
    assert_eq!((cs[0].user_data, cs[0].res), (0xbeef, -3));
    assert_eq!(cs[0].flags, 1 << 8);
    assert_eq!((cs[1].user_data, cs[1].res), (0xfeed, 17));
    // SAFETY: a negative descriptor is refused before any system call.
    assert!(matches!(unsafe { send_msg_ring_sync_fd(&ring_core::Linux, -2, 0, 0, None) }, Err(Error::BadFd(-2))));
    let (r, _w) = pipe();
    // SAFETY: a pipe is not a ring; the kernel refuses the message.
    assert!(unsafe { send_msg_ring_sync_fd(&ring_core::Linux, r.as_raw_fd(), 0, 0, None) }.is_err());
}

// ---- resize ----

#[test]
fn resize_keeps_entries_in_flight() {
    let plain = Ring::new(4).unwrap();
    if !supports(&plain, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut plain = plain;
    assert!(matches!(plain.resize_rings(8, None), Err(Error::NotConfigured(_))));

    let mut ring = Builder::new(4).defer_taskrun().build().unwrap();
    let (r, w) = pipe();
    let mut buf = [0u8; 16];
    // In flight: a read with no data yet.
    push(&mut ring, &rw(IORING_OP_READ, r.as_raw_fd(), buf.as_mut_ptr(), 16, u64::MAX, 1));
    ring.submit().unwrap();
    // Completed, not reaped.
    for i in 10..13 {
        push(&mut ring, &nop(i));
    }
    ring.submit_and_wait(3).unwrap();
    // Written, not submitted.
    push(&mut ring, &nop(20));
    push(&mut ring, &nop(21));

    // Too small for what is outstanding: refused before the kernel.
    let e = ring.resize_rings(1, Some(2)).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");

    ring.resize_rings(32, Some(64)).unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (32, 64));
    assert_eq!(ring.sq().capacity(), 32);
    assert_eq!(ring.cq().capacity(), 64);

    write_all(&w, b"after resize");
    let cs = next_cqes(&mut ring, 6);
    let ids: Vec<u64> = cs.iter().map(|c| c.user_data).collect();
    assert_eq!(ids, [1, 10, 11, 12, 20, 21]);
    assert_eq!(cs[0].res, 12);
    assert_eq!(&buf[..12], b"after resize");

    // The new size is usable: more requests at once than the old SQ held.
    for i in 0..20 {
        push(&mut ring, &nop(100 + i));
    }
    let cs = next_cqes(&mut ring, 20);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), (100..120).collect::<Vec<_>>());

    // And back down, empty.
    ring.resize_rings(2, None).unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (2, 4));
    push(&mut ring, &nop(7));
    assert_eq!(next_cqe(&mut ring).user_data, 7);
}

#[test]
fn resize_big_entries() {
    let probe_ring = Ring::new(4).unwrap();
    if !supports(&probe_ring, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut ring = Builder::new(4).defer_taskrun().sqe128().cqe32().build().unwrap();
    for i in 0..3 {
        push(&mut ring, &nop(10 + i));
    }
    ring.submit_and_wait(3).unwrap();
    let big = io_uring_sqe128 { sqe: nop(20), ..Default::default() };
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push128(&big) }.unwrap();
    ring.resize_rings(16, None).unwrap();
    let cs = next_cqes(&mut ring, 4);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), [10, 11, 12, 20]);
    assert!(cs.iter().all(|c| c.res == 0));
}

#[test]
fn resize_no_mmap_ring() {
    let probe_ring = Ring::new(4).unwrap();
    if !supports(&probe_ring, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut ring = match Builder::new(4).defer_taskrun().no_mmap().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping NO_MMAP resize: setup failed: {e}");
            return;
        }
    };
    for i in 0..4 {
        push(&mut ring, &nop(i));
    }
    ring.submit_and_wait(4).unwrap();
    push(&mut ring, &nop(9));
    ring.resize_rings(8, Some(16)).unwrap();
    let cs = next_cqes(&mut ring, 5);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), [0, 1, 2, 3, 9]);
}

// ---- memory regions ----

#[test]
fn mem_region_holds_wait_arguments() {
    let mut ring = Builder::new(4).r_disabled().build().unwrap();
    if !supports(&ring, IORING_REGISTER_MEM_REGION, "memory regions") {
        return;
    }
    let region = ring.register_mem_region_owned(page(), IORING_MEM_REGION_REG_WAIT_ARG).unwrap();
    assert_eq!(region.len(), page());
    let e = ring.register_mem_region_owned(page(), 0).unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EBUSY), "{e:?}");
    ring.enable().unwrap();

    // The kernel reads the wait arguments from the region: a 30 ms timeout
    // written at offset 0 ends the wait.
    let arg = io_uring_reg_wait {
        ts: __kernel_timespec { tv_sec: 0, tv_nsec: 30_000_000 },
        flags: IORING_REG_WAIT_TS,
        ..Default::default()
    };
    // SAFETY: the region is a live, page-aligned mapping of a page, and the
    // kernel reads it only during our enter below.
    unsafe { region.as_ptr().cast::<io_uring_reg_wait>().as_ptr().write_volatile(arg) };
    let start = Instant::now();
    let fd = ring.fd().unwrap() as u32;
    // SAFETY: EXT_ARG_REG passes an offset into the registered region, not
    // a pointer; nothing is submitted.
    let r = unsafe {
        ring_core::sys::syscall::io_uring_enter2(
            fd,
            0,
            1,
            IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG,
            core::ptr::null(),
            core::mem::size_of::<io_uring_reg_wait>(),
        )
    };
    assert_eq!(r.unwrap_err().raw(), libc::ETIME);
    assert!(start.elapsed() >= Duration::from_millis(20), "waited {:?}", start.elapsed());

    // A plain region on a running ring.
    let plain = Ring::new(4).unwrap();
    let region2 = plain.register_mem_region_owned(2 * page(), 0).unwrap();
    assert_eq!(region2.len(), 2 * page());
    let e = plain.register_mem_region_owned(page(), IORING_MEM_REGION_REG_WAIT_ARG).unwrap_err();
    assert!(matches!(e, Error::NotConfigured(_)), "{e:?}");
}

// ---- zero-copy receive ----

#[test]
fn zcrx_without_capable_nic_is_typed() {
    let ring = Ring::new(4).unwrap();
    if !supports(&ring, IORING_REGISTER_ZCRX_IFQ, "zero-copy receive") {
        return;
    }
    let area = ZcrxArea::User { addr: leaked_pages(16), len: 16 * page() };
    let config = ZcrxIfqConfig {
        if_idx: 1,
        if_rxq: 0,
        rq_entries: 64,
        area,
        refill: ZcrxRefill::Kernel { len: 4 * page() },
        rx_buf_len: 0,
        flags: 0,
    };
    // SAFETY: refused before the kernel sees it (the ring lacks DEFER_TASKRUN).
    let e = unsafe { ring.register_zcrx_ifq(&config) }.unwrap_err();
    assert!(matches!(e, Error::NotConfigured(_)), "{e:?}");

    let ring = Builder::new(4).defer_taskrun().cqe32().build().unwrap();
    let lo = CString::new("lo").unwrap();
    // SAFETY: a valid interface name.
    let config = ZcrxIfqConfig { if_idx: unsafe { libc::if_nametoindex(lo.as_ptr()) }, ..config };
    // SAFETY: the area is leaked, so it stays valid for the ring's life.
    match unsafe { ring.register_zcrx_ifq(&config) } {
        Ok(ifq) => println!("zcrx registered on lo (unexpected but fine): {ifq:?}"),
        Err(e) => {
            assert!(matches!(e, Error::Syscall { call: Call::Register(IORING_REGISTER_ZCRX_IFQ), .. }), "{e:?}");
            println!("skipping zcrx registration: no capable NIC here, the kernel said {e}");
        }
    }
    // ZCRX_CTRL (6.19) on an instance that does not exist.
    let e = ring.zcrx_flush_rq(12345).unwrap_err();
    if ring.probe().unwrap().register_op_supported(IORING_REGISTER_ZCRX_CTRL) {
        assert!(matches!(e, Error::Syscall { .. }), "{e:?}");
    } else {
        assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_ZCRX_CTRL, .. }), "{e:?}");
        println!("note: zcrx control is missing here, typed as: {e}");
    }
}

// ---- BPF filters ----

#[test]
fn bpf_filter_typed_when_missing() {
    let mut ring = Ring::new(4).unwrap();
    // "return 0": deny every request of the opcode.
    let deny = [libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k: 0 }];
    let filter = BpfFilter { opcode: IORING_OP_NOP, program: &deny, pdu_size: 0, deny_rest: false, strict_size: false };
    assert!(matches!(ring.register_bpf_filter(&BpfFilter { program: &[], ..filter }), Err(Error::InvalidArgument(_))));
    let supported = ring.probe().unwrap().register_op_supported(IORING_REGISTER_BPF_FILTER);
    match ring.register_bpf_filter(&filter) {
        Ok(()) => {
            assert!(supported);
            push(&mut ring, &nop(1));
            assert_eq!(next_cqe(&mut ring).res, -libc::EACCES);
        }
        Err(e) if !supported => {
            assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_BPF_FILTER, .. }), "{e:?}");
            println!("skipping the filters themselves: {e} (the register probe; added in 7.0)");
            let e = register_task_bpf_filter(&ring_core::Linux, &filter).unwrap_err();
            assert!(matches!(e, Error::UnsupportedRegister { .. }), "{e:?}");
        }
        Err(e) => panic!("BPF filter refused on a kernel that has it: {e}"),
    }
}

// ---- locked-memory accounting ----

/// Drops `CAP_IPC_LOCK` from the calling thread's effective set (Linux
/// capabilities are per thread), so that rings it creates charge pinned
/// memory to `RLIMIT_MEMLOCK`. Returns false if that was not possible.
fn drop_ipc_lock_here() -> bool {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    const CAP_IPC_LOCK: u32 = 14;
    let mut hdr = Header { version: VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: capget writes two Data entries for a version-3 header.
    if unsafe { libc::syscall(libc::SYS_capget, &raw mut hdr, data.as_mut_ptr()) } != 0 {
        return false;
    }
    data[0].effective &= !(1 << CAP_IPC_LOCK);
    // SAFETY: capset reads the header and two Data entries; it changes only
    // the calling thread's capabilities.
    unsafe { libc::syscall(libc::SYS_capset, &raw mut hdr, data.as_ptr()) == 0 }
}

#[test]
fn buffer_registration_over_memlock_is_typed() {
    std::thread::spawn(|| {
        if !drop_ipc_lock_here() {
            println!("skipping the RLIMIT_MEMLOCK check: cannot drop CAP_IPC_LOCK");
            return;
        }
        // Declared before the ring, so it would outlive a registration.
        let mut buf = vec![0u8; 1 << 20];
        let ring = Ring::new(4).unwrap();
        let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes one rlimit.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut old) }, 0);
        let low = libc::rlimit { rlim_cur: 64 * 1024, rlim_max: old.rlim_max };
        // SAFETY: setrlimit reads one rlimit. The limit is process-wide, but
        // only rings created by threads without CAP_IPC_LOCK (this one) are
        // charged against it, and it is restored right after.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &low) }, 0);
        // SAFETY: `buf` outlives the ring, so any registration.
        let r = unsafe { ring.register_buffers(&[iov(&mut buf)]) };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &old) }, 0);
        match r {
            Err(Error::MemlockLimit { limit, errno }) => {
                assert_eq!((limit, errno.raw()), (64 * 1024, libc::ENOMEM));
            }
            other => panic!("expected MemlockLimit, got {other:?}"),
        }
    })
    .join()
    .unwrap();
}
