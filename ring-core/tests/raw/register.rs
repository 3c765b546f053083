//! Every `io_uring_register(2)` operation against this machine's kernel,
//! with its effect checked where the kernel supports it, and its typed
//! error checked where it does not (or where the machine lacks the
//! hardware). SQEs are built by hand from `io_uring_sqe` accessors. The
//! operations with several tests each are in child modules by what they
//! register.

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

mod buffer_rings;
mod buffers;
mod eventfd;
mod files;
mod probe;
mod resize;
mod ring_fds;

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
