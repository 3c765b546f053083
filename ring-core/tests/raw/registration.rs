//! Register operations: what each registration hands the kernel (seen by
//! [`Spy`], a kernel that forwards to [`Linux`] and keeps a copy of each
//! `io_uring_register(2)` argument, where the kernel's answer cannot tell a
//! wrong argument from a right one), their limits, and their typed refusals:
//! BPF filters, synchronous cancellation, buffer rings, registered ring
//! descriptors, restrictions, zero-copy receive, NAPI, resizing, file and
//! buffer tables, clocks, queries and memory regions.

use crate::caps;
use crate::support::rings::pipe;
use crate::support::spy::Watch;
use core::cell::RefCell;
use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_core::register::*;
use ring_core::sys::*;
use ring_core::{Builder, Error, Kernel, Linux, Ring};
use std::os::fd::RawFd;
use std::rc::Rc;

/// One `io_uring_register(2)` call as [`Spy`] saw it.
#[derive(Debug, Clone)]
struct Seen {
    fd: c_uint,
    /// The opcode without `IORING_REGISTER_USE_REGISTERED_RING`.
    opcode: u32,
    nr_args: u32,
    /// The captured bytes of the argument (empty unless asked for).
    arg: Vec<u8>,
}

/// A played kernel answer to one register call, given its argument.
type Answer = Rc<dyn Fn(*mut c_void) -> Result<u32, Errno>>;

#[derive(Default)]
struct SpyState {
    /// Which register opcode's argument to copy, and how many bytes of it.
    capture: Option<(u32, usize)>,
    seen: Vec<Seen>,
    /// Register calls with this opcode fail with this errno without
    /// reaching the kernel, as a kernel that refuses them would answer;
    /// the flag says whether blind calls (fd -1) fail too.
    fail: Option<(u32, i32, bool)>,
    /// The number of register opcodes the kernel's blind answer to
    /// `IO_URING_QUERY_OPCODES` reports, as another kernel would answer.
    ops_known: Option<u32>,
    /// Register calls with this opcode are answered by the function (given
    /// the argument) instead of the kernel, as a kernel that has the
    /// operation would answer.
    answer: Option<(u32, Answer)>,
}

/// A kernel that forwards everything to [`Linux`] and records the register
/// calls.
type Spy = crate::support::spy::Spy<Rc<RefCell<SpyState>>>;

impl Spy {
    /// A spy whose register calls with `opcode` fail with `errno` (blind
    /// ones too if `blind_too`).
    fn failing(opcode: u32, errno: i32, blind_too: bool) -> Spy {
        let s = Spy::default();
        s.0.borrow_mut().fail = Some((opcode, errno, blind_too));
        s
    }

    fn capturing(opcode: u32, n: usize) -> Spy {
        let s = Spy::default();
        s.0.borrow_mut().capture = Some((opcode, n));
        s
    }

    /// The last register call with `opcode`.
    fn last(&self, opcode: u32) -> Seen {
        self.0.borrow().seen.iter().rev().find(|s| s.opcode == opcode).cloned().expect("no such register call")
    }

    /// The argument of the last call with `opcode`, as a `T`.
    fn last_arg<T: Copy>(&self, opcode: u32) -> T {
        let s = self.last(opcode);
        assert!(s.arg.len() >= core::mem::size_of::<T>(), "captured {} bytes", s.arg.len());
        // SAFETY: the vector holds at least `size_of::<T>()` bytes, and the
        // types read here are plain integer structs valid for any bytes.
        unsafe { s.arg.as_ptr().cast::<T>().read_unaligned() }
    }
}

// SAFETY: every call is forwarded unchanged to `Linux`; the spy only reads
// the register argument, as the kernel would.
unsafe impl Watch for Rc<RefCell<SpyState>> {
    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        let opcode_only = opcode & !IORING_REGISTER_USE_REGISTERED_RING;
        let (fail, ops_known, answer) = {
            let st = self.borrow();
            (st.fail, st.ops_known, st.answer.clone())
        };
        let bytes = match self.borrow().capture {
            Some((op, n)) if op == opcode_only && !arg.is_null() => {
                // SAFETY: each test names the one opcode whose argument it
                // inspects and a length no longer than that argument.
                unsafe { core::slice::from_raw_parts(arg.cast::<u8>(), n) }.to_vec()
            }
            _ => Vec::new(),
        };
        self.borrow_mut().seen.push(Seen { fd, opcode: opcode_only, nr_args, arg: bytes });
        if let Some((op, f)) = answer {
            if op == opcode_only {
                return f(arg.cast_mut());
            }
        }
        if let Some((op, errno, blind_too)) = fail {
            if op == opcode_only && (blind_too || fd != u32::MAX) {
                return Err(Errno::new(errno));
            }
        }
        // SAFETY: forwarded contract.
        let r = unsafe { Linux.register(fd, opcode, arg, nr_args) };
        if let (Some(n), Ok(_)) = (ops_known, r) {
            if opcode_only == IORING_REGISTER_QUERY && fd == u32::MAX {
                let hdr = arg.cast::<io_uring_query_hdr>().cast_mut();
                // SAFETY: a query argument is a live header, written by the
                // kernel just now, as is the opcode answer it points to
                // when it asks `IO_URING_QUERY_OPCODES` and was answered.
                unsafe {
                    if (*hdr).query_op == IO_URING_QUERY_OPCODES && (*hdr).result == 0 {
                        (*((*hdr).query_data as *mut io_uring_query_opcode)).nr_register_opcodes = n;
                    }
                }
            }
        }
        r
    }
}

fn spy_ring(opcode: u32, capture: usize) -> (Ring<Spy>, Spy) {
    let spy = Spy::capturing(opcode, capture);
    let ring = Builder::new(4).build_on(spy.clone()).unwrap();
    (ring, spy)
}

fn ret_insn(k: u32) -> libc::sock_filter {
    libc::sock_filter { code: (libc::BPF_RET | libc::BPF_K) as u16, jt: 0, jf: 0, k }
}

/// This 6.18 kernel refuses the operation whatever its argument says, so the
/// argument is checked as it leaves for the kernel.
#[test]
fn a_bpf_filter_reaches_the_kernel_with_every_field_it_was_given() {
    let prog = [ret_insn(1), ret_insn(0), ret_insn(1)];
    let (ring, spy) = spy_ring(IORING_REGISTER_BPF_FILTER, core::mem::size_of::<io_uring_bpf>());
    for (deny_rest, strict_size, flags) in [
        (true, true, IO_URING_BPF_FILTER_DENY_REST | IO_URING_BPF_FILTER_SZ_STRICT),
        (true, false, IO_URING_BPF_FILTER_DENY_REST),
        (false, true, IO_URING_BPF_FILTER_SZ_STRICT),
        (false, false, 0),
    ] {
        let f = BpfFilter { opcode: IORING_OP_READ, program: &prog, pdu_size: 24, deny_rest, strict_size };
        // The kernel's answer does not matter here (6.18 does not know the
        // operation; 7.0 may refuse a strict size it disagrees with).
        let _ = ring.register_bpf_filter(&f);
        let seen = spy.last(IORING_REGISTER_BPF_FILTER);
        assert_eq!(seen.nr_args, 1);
        assert_ne!(seen.fd, u32::MAX, "a ring's filter goes to the ring");
        let raw: io_uring_bpf = spy.last_arg(IORING_REGISTER_BPF_FILTER);
        assert_eq!(raw.cmd_type, IO_URING_BPF_CMD_FILTER);
        // SAFETY: `filter` is the union's only member, plain integers.
        let got = unsafe { raw.filter.filter };
        assert_eq!(got.opcode, u32::from(IORING_OP_READ));
        assert_eq!(got.flags, flags, "deny_rest {deny_rest}, strict_size {strict_size}");
        assert_eq!(got.filter_len, 3);
        assert_eq!(got.pdu_size, 24);
        assert_eq!(got.filter_ptr, prog.as_ptr() as u64);
    }
}

/// A program of exactly 4096 instructions is passed to the kernel, one of 4097
/// is refused before it.
#[test]
fn a_bpf_program_of_4096_instructions_is_allowed_and_one_more_is_too_long() {
    let ring = Ring::new(4).unwrap();
    let prog = vec![ret_insn(1); 4097];
    let f =
        BpfFilter { opcode: IORING_OP_NOP, program: &prog[..4096], pdu_size: 0, deny_rest: false, strict_size: false };
    match ring.register_bpf_filter(&f) {
        Ok(()) => {}
        Err(e) => assert!(!matches!(e, Error::TooLong { .. }), "{e:?}"),
    }
    let e = ring.register_bpf_filter(&BpfFilter { program: &prog, ..f }).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "BPF program", len: 4097, max: 4096 });
}

fn push<K: Kernel>(ring: &mut Ring<K>, s: &io_uring_sqe) {
    // SAFETY: every SQE of this file points only at leaked memory (see
    // `pending_read`) or at none.
    unsafe { ring.sq().push(s) }.expect("SQ has room");
}

/// Queues a read of 8 bytes from `fd` (a registered slot if `fixed`) into
/// a leaked buffer, so the request may outlive the test's scope.
fn pending_read<K: Kernel>(ring: &mut Ring<K>, fd: RawFd, fixed: bool, user_data: u64) {
    let buf: &'static mut [u8; 8] = Box::leak(Box::new([0u8; 8]));
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_READ;
    s.fd = fd;
    s.user_data = user_data;
    s.set_addr(buf.as_mut_ptr() as u64);
    s.len = 8;
    s.set_off(u64::MAX);
    if fixed {
        s.flags = IOSQE_FIXED_FILE;
    }
    push(ring, &s);
}

/// Queues a poll for input on `fd`.
fn pending_poll<K: Kernel>(ring: &mut Ring<K>, fd: RawFd, user_data: u64) {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_POLL_ADD;
    s.fd = fd;
    s.user_data = user_data;
    s.set_poll32_events(libc::POLLIN as u32);
    push(ring, &s);
}

/// Reaps `n` completions (submitting and waiting as needed), sorted by
/// user data, as `(user_data, res)`; fails after two seconds without one
/// rather than hanging.
fn reap<K: Kernel>(ring: &mut Ring<K>, n: usize) -> Vec<(u64, i32)> {
    let mut v = Vec::new();
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(2);
    while v.len() < n {
        if let Some(c) = ring.cq().pop() {
            v.push((c.user_data, c.res));
            continue;
        }
        assert!(std::time::Instant::now() < deadline, "only {} of {n} completions: {v:?}", v.len());
        let wait = ring_core::Wait {
            want: 1,
            timeout: Some(ring_core::Timeout::Relative(core::time::Duration::from_millis(100))),
            ..Default::default()
        };
        match ring.submit_with(&wait) {
            Ok(_) => {}
            Err(e) if e.is_transient() || errno_of(&e) == Some(libc::ETIME) => {}
            Err(e) => panic!("submit_with: {e}"),
        }
    }
    v.sort_unstable();
    v
}

fn errno_of(e: &Error) -> Option<i32> {
    match e {
        Error::Syscall { errno, .. } => Some(errno.raw()),
        _ => None,
    }
}

/// Whether `e` is the kernel's answer (a raw errno, or the typed "this
/// kernel lacks the operation" the crate makes of EINVAL from a kernel that
/// does not know it), not a refusal made before the call.
fn from_kernel(e: &Error) -> bool {
    matches!(e, Error::Syscall { .. } | Error::UnsupportedRegister { .. })
}

const SECOND: Option<core::time::Duration> = Some(core::time::Duration::from_secs(1));

/// A read on registered slot 0 is cancelled by slot, and only it.
#[test]
fn cancel_sync_by_registered_slot_cancels_the_read_on_that_slot() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    let (r, _w) = pipe();
    let (other, _w2) = pipe();
    ring.register_files(&[r.as_raw_fd()]).unwrap();
    pending_read(&mut ring, 0, true, 1);
    pending_read(&mut ring, other.as_raw_fd(), false, 2);
    ring.submit().unwrap();
    assert_eq!(ring.cancel_sync(&CancelBuilder::fixed_fd(0), SECOND).unwrap(), 0);
    assert_eq!(reap(&mut ring, 1), [(1, -libc::ECANCELED)]);
    let e = ring.cancel_sync(&CancelBuilder::fixed_fd(0), SECOND).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::ENOENT), "{e:?}");
    assert_eq!(ring.cancel_sync(&CancelBuilder::any(), SECOND).unwrap(), 1);
    assert_eq!(reap(&mut ring, 1), [(2, -libc::ECANCELED)]);
}

/// Cancelling by opcode reaches every request of that opcode (both reads)
/// and no other (the poll beside them), and `any` then cancels the poll
/// alone; the count the kernel returns is reported.
#[test]
fn cancel_sync_by_opcode_cancels_every_read_and_not_the_poll() {
    use std::os::fd::AsRawFd;
    if !caps::cancel_by_opcode("cancel_sync_by_opcode_cancels_every_read_and_not_the_poll") {
        return;
    }
    let mut ring = Ring::new(8).unwrap();
    let (r1, _w1) = pipe();
    let (r2, _w2) = pipe();
    pending_read(&mut ring, r1.as_raw_fd(), false, 1);
    pending_read(&mut ring, r2.as_raw_fd(), false, 2);
    pending_poll(&mut ring, r1.as_raw_fd(), 3);
    ring.submit().unwrap();
    assert_eq!(ring.cancel_sync(&CancelBuilder::opcode(IORING_OP_READ).all(), SECOND).unwrap(), 2);
    assert_eq!(reap(&mut ring, 2), [(1, -libc::ECANCELED), (2, -libc::ECANCELED)]);
    assert_eq!(ring.cancel_sync(&CancelBuilder::any(), SECOND).unwrap(), 1);
    assert_eq!(reap(&mut ring, 1), [(3, -libc::ECANCELED)]);
    assert_eq!(ring.cancel_sync(&CancelBuilder::any(), SECOND).unwrap(), 0);
}

/// A descriptor criterion added to an opcode keeps the opcode, and one
/// added to a registered-slot criterion replaces it with a plain
/// descriptor.
#[test]
fn and_fd_adds_a_plain_descriptor_criterion_to_what_was_there() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    let (r1, _w1) = pipe();
    let (r2, _w2) = pipe();
    let (fd1, fd2) = (r1.as_raw_fd(), r2.as_raw_fd());
    assert_eq!(
        CancelBuilder::opcode(IORING_OP_READ).and_fd(fd1).all().flags(),
        IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL
    );
    assert_eq!(CancelBuilder::fixed_fd(3).and_fd(fd2).flags(), IORING_ASYNC_CANCEL_FD);
    if !caps::cancel_by_opcode("and_fd_adds_a_plain_descriptor_criterion_to_what_was_there (the kernel half)") {
        return;
    }
    pending_read(&mut ring, fd1, false, 1);
    pending_read(&mut ring, fd1, false, 2);
    pending_read(&mut ring, fd2, false, 3);
    pending_poll(&mut ring, fd1, 4);
    ring.submit().unwrap();
    let what = CancelBuilder::opcode(IORING_OP_READ).and_fd(fd1).all();
    assert_eq!(ring.cancel_sync(&what, SECOND).unwrap(), 2);
    assert_eq!(reap(&mut ring, 2), [(1, -libc::ECANCELED), (2, -libc::ECANCELED)]);
    assert_eq!(ring.cancel_sync(&CancelBuilder::fixed_fd(0).and_fd(fd2), SECOND).unwrap(), 0);
    assert_eq!(reap(&mut ring, 1), [(3, -libc::ECANCELED)]);
    assert_eq!(ring.cancel_sync(&CancelBuilder::any(), SECOND).unwrap(), 1);
    assert_eq!(reap(&mut ring, 1), [(4, -libc::ECANCELED)]);
}

/// A user data combined with a descriptor reaches the kernel with
/// `IORING_ASYNC_CANCEL_USERDATA` and the criteria mask intact: of two
/// reads on one descriptor, only the one with that user data goes.
#[test]
fn user_data_combined_with_a_descriptor_cancels_only_that_request() {
    use std::os::fd::AsRawFd;
    assert_eq!(CancelBuilder::fd(5).flags(), IORING_ASYNC_CANCEL_FD);
    assert_eq!(CancelBuilder::any().flags(), IORING_ASYNC_CANCEL_ANY);
    assert_eq!(CancelBuilder::opcode(IORING_OP_READ).flags(), IORING_ASYNC_CANCEL_OP);
    assert_eq!(CancelBuilder::fd(5).and_user_data(7).flags(), IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA);
    assert_eq!(CancelBuilder::any().and_user_data(7).flags(), IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_USERDATA);
    let mut ring = Ring::new(8).unwrap();
    let (r, _w) = pipe();
    pending_read(&mut ring, r.as_raw_fd(), false, 1);
    pending_read(&mut ring, r.as_raw_fd(), false, 2);
    ring.submit().unwrap();
    let what = CancelBuilder::fd(r.as_raw_fd()).and_user_data(2).all();
    match ring.cancel_sync(&what, SECOND) {
        Ok(n) => {
            // Never more than asked: 6.1 ignores the user data here and,
            // before the crate probed for that, cancelled both reads.
            assert_eq!(n, 1, "cancelled {n} requests where one was asked");
            assert_eq!(reap(&mut ring, 1), [(2, -libc::ECANCELED)]);
            assert_eq!(ring.cancel_sync(&CancelBuilder::fd(r.as_raw_fd()).all(), SECOND).unwrap(), 1);
            assert_eq!(reap(&mut ring, 1), [(1, -libc::ECANCELED)]);
        }
        Err(e @ Error::Unsupported { .. }) => {
            // Refused as a whole, and nothing was cancelled: both reads are
            // still there.
            assert_eq!(ring.sync_cancel_combines_user_data(), Ok(false));
            caps::skip("user_data_combined_with_a_descriptor_cancels_only_that_request (the kernel half)", e);
            assert_eq!(ring.cancel_sync(&CancelBuilder::fd(r.as_raw_fd()).all(), SECOND).unwrap(), 2);
            assert_eq!(reap(&mut ring, 2), [(1, -libc::ECANCELED), (2, -libc::ECANCELED)]);
        }
        Err(e) => panic!("cancel_sync: {e:?}"),
    }
}

/// A sync cancel by opcode on a kernel without the criterion (6.1 refuses
/// `IORING_ASYNC_CANCEL_OP` with a bare EINVAL) is the typed
/// `Error::Unsupported` the crate documents, found by the crate's probe,
/// and cancels nothing; where the kernel has it, the poll goes and only
/// it. Either way the answer agrees with `sync_cancel_matches_opcode`.
#[test]
fn sync_cancel_by_opcode_is_typed_where_the_kernel_lacks_it() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    let (r, _w) = pipe();
    pending_read(&mut ring, r.as_raw_fd(), false, 1);
    pending_poll(&mut ring, r.as_raw_fd(), 2);
    ring.submit().unwrap();
    match ring.cancel_sync(&CancelBuilder::opcode(IORING_OP_POLL_ADD).all(), SECOND) {
        Ok(n) => {
            assert_eq!(ring.sync_cancel_matches_opcode(), Ok(true));
            assert_eq!(n, 1, "cancelled {n} requests where the one poll was asked");
            assert_eq!(reap(&mut ring, 1), [(2, -libc::ECANCELED)]);
            assert_eq!(ring.cancel_sync(&CancelBuilder::any(), SECOND).unwrap(), 1);
            assert_eq!(reap(&mut ring, 1), [(1, -libc::ECANCELED)]);
        }
        Err(e @ Error::Unsupported { .. }) => {
            assert_eq!(ring.sync_cancel_matches_opcode(), Ok(false));
            caps::skip("sync_cancel_by_opcode_is_typed_where_the_kernel_lacks_it (the kernel half)", &e);
            // Refused as a whole: the read and the poll are both still there.
            assert_eq!(ring.cancel_sync(&CancelBuilder::any().all(), SECOND).unwrap(), 2);
            let mut got = reap(&mut ring, 2);
            got.sort_unstable();
            assert_eq!(got, [(1, -libc::ECANCELED), (2, -libc::ECANCELED)]);
        }
        Err(e) => panic!("cancel_sync by opcode: not the typed error for a missing criterion: {e:?}"),
    }
}

/// The kernel's form of a cancelation carries its `addr`, `fd`, `flags`,
/// `timeout` and `opcode`, and no timeout is `{-1, -1}` ("wait as long as it
/// takes"), not one second or one nanosecond.
#[test]
fn the_kernel_form_of_a_cancelation_carries_every_criterion_and_the_timeout() {
    let raw = CancelBuilder::any().to_raw(None);
    assert_eq!((raw.timeout.tv_sec, raw.timeout.tv_nsec), (-1, -1));
    let raw = CancelBuilder::opcode(IORING_OP_RECV)
        .and_fd(9)
        .and_user_data(0xdead_beef)
        .to_raw(Some(core::time::Duration::new(3, 250)));
    assert_eq!(raw.addr, 0xdead_beef);
    assert_eq!(raw.fd, 9);
    assert_eq!(raw.flags, IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_USERDATA);
    assert_eq!((raw.timeout.tv_sec, raw.timeout.tv_nsec), (3, 250));
    assert_eq!(raw.opcode, IORING_OP_RECV);
}

/// `cancel_sync` refuses only negative plain descriptors itself: descriptor 0
/// is a descriptor, and a registered slot index is not a descriptor whatever
/// its sign as an `i32`; both reach the kernel, which answers for itself.
#[test]
fn cancel_sync_refuses_only_negative_plain_descriptors_itself() {
    let ring = Ring::new(4).unwrap();
    let e = ring.cancel_sync(&CancelBuilder::fd(0), SECOND).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::ENOENT), "{e:?}");
    let e = ring.cancel_sync(&CancelBuilder::fixed_fd(u32::MAX), SECOND).unwrap_err();
    assert!(errno_of(&e).is_some(), "refused before the kernel: {e:?}");
    assert!(matches!(ring.cancel_sync(&CancelBuilder::fd(-1), None), Err(Error::BadFd(-1))));
}

/// A registered ring reports what it was configured with.
#[test]
fn a_buffer_ring_reports_its_configuration() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(5, 8).buffers(3, 100)).unwrap();
    assert_eq!((br.bgid(), br.entries(), br.buf_count(), br.buf_len()), (5, 8, 3, 100));
    assert!(!br.is_incremental());
    ring.unregister_buf_ring(br).unwrap();
    match ring.register_buf_ring(BufRingConfig::new(6, 4).buffers(2, 64).incremental()) {
        Ok(br) => {
            assert!(br.is_incremental());
            assert_eq!((br.bgid(), br.entries(), br.buf_count(), br.buf_len()), (6, 4, 2, 64));
            ring.unregister_buf_ring(br).unwrap();
        }
        Err(e) => {
            assert!(caps::is_unsupported(&e), "{e:?}");
            println!("skipping the incremental half: {e}");
        }
    }
}

/// The largest ring the kernel takes, 32768 entries, is registered through the
/// raw call.
#[test]
fn the_largest_buffer_ring_is_32768_entries_and_registers() {
    assert_eq!(MAX_BUF_RING_ENTRIES, 32768);
    let ring = Ring::new(4).unwrap();
    let bytes = 32768 * core::mem::size_of::<io_uring_buf>();
    let mem = leaked_pages(bytes);
    // SAFETY: the memory is a leaked, page-aligned anonymous mapping of the
    // ring's size, never reused; no buffer is ever published into it.
    unsafe { ring.register_buf_ring_raw(mem.as_ptr().cast(), 32768, 3, 0) }.unwrap();
    ring.unregister_buf_group(3).unwrap();
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buf_ring_raw(mem.as_ptr().cast(), 65536, 3, 0) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
}

fn page() -> usize {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// An anonymous mapping of at least `len` bytes that the test leaks on
/// purpose (memory a registration keeps must never be reused).
fn leaked_pages(len: usize) -> NonNull<u8> {
    // SAFETY: a fresh anonymous mapping aliases nothing.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len.next_multiple_of(page()),
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    NonNull::new(p.cast()).unwrap()
}

/// Reads `n` bytes at `addr` of this process without touching them
/// directly: `None` if they are not mapped readable.
fn peek(addr: *const u8, n: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; n];
    let local = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: n };
    let remote = libc::iovec { iov_base: addr as *mut c_void, iov_len: n };
    // SAFETY: process_vm_readv writes at most `n` bytes into `out` and only
    // reads the remote range through the kernel, which fails with EFAULT
    // instead of faulting if it is not mapped.
    let r = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    (r == n as isize).then_some(out)
}

/// Queues a buffer-select read of `fd` from group `bgid` and returns its
/// completion `(res, flags)`.
fn select_read<K: Kernel>(ring: &mut Ring<K>, fd: RawFd, bgid: u16, user_data: u64) -> (i32, u32) {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_READ;
    s.fd = fd;
    s.user_data = user_data;
    s.flags = IOSQE_BUFFER_SELECT;
    s.set_buf_group(bgid);
    s.len = 64;
    s.set_off(u64::MAX);
    push(ring, &s);
    let c = reap_cqe(ring);
    assert_eq!(c.user_data, user_data);
    (c.res, c.flags)
}

/// The next completion, failing after two seconds without one.
fn reap_cqe<K: Kernel>(ring: &mut Ring<K>) -> ring_core::Cqe {
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(2);
    loop {
        if let Some(c) = ring.cq().pop() {
            return c;
        }
        assert!(std::time::Instant::now() < deadline, "no completion");
        let wait = ring_core::Wait {
            want: 1,
            timeout: Some(ring_core::Timeout::Relative(core::time::Duration::from_millis(100))),
            ..Default::default()
        };
        match ring.submit_with(&wait) {
            Ok(_) => {}
            Err(e) if e.is_transient() || errno_of(&e) == Some(libc::ETIME) => {}
            Err(e) => panic!("submit_with: {e}"),
        }
    }
}

/// After the drop, the buffers are still mapped with what they held, and a read
/// that selects from the group lands in one.
#[test]
fn a_buffer_ring_dropped_while_registered_keeps_its_buffers_mapped() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(11, 2).buffers(2, 64)).unwrap();
    let first = br.buf_ptr(0).unwrap().as_ptr();
    let second = br.buf_ptr(1).unwrap().as_ptr();
    let marker = *b"\xa5\x5akept\x0f\xf0";
    // SAFETY: buffer 1 is a live 64-byte part of the ring's buffer mapping,
    // and no request is in flight, so the kernel does not write it now.
    unsafe { second.copy_from_nonoverlapping(marker.as_ptr(), 8) };
    drop(br);
    // Still mapped, and still ours: a mapping another test thread placed
    // at a freed address would not hold the marker.
    assert_eq!(peek(second, 8).as_deref(), Some(&marker[..]), "the buffers were unmapped");
    let (r, w) = pipe();
    // SAFETY: writes 8 bytes from a live array.
    assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"leak me!".as_ptr().cast(), 8) }, 8);
    let (res, flags) = select_read(&mut ring, r.as_raw_fd(), 11, 1);
    assert_eq!(res, 8, "the kernel could not write the selected buffer");
    assert_eq!(flags >> IORING_CQE_BUFFER_SHIFT, 0);
    assert_eq!(peek(first, 8).as_deref(), Some(&b"leak me!"[..]));
}

/// Once a buffer ring is unregistered, its buffers are unmapped. The bytes are
/// read through the kernel, so a test thread that mapped something at the same
/// address meanwhile cannot make it fault; such a mapping would not hold the
/// marker written here.
#[test]
fn unregistering_a_buffer_ring_unmaps_its_buffers() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(12, 2).buffers(2, 64)).unwrap();
    let first = br.buf_ptr(1).unwrap().as_ptr();
    let marker = *b"\x5a\xa5unmap\x0f";
    // SAFETY: buffer 1 is a live 64-byte part of the ring's buffer mapping,
    // and no request is in flight, so the kernel does not write it now.
    unsafe { first.copy_from_nonoverlapping(marker.as_ptr(), 8) };
    assert_eq!(peek(first, 8).as_deref(), Some(&marker[..]));
    ring.unregister_buf_ring(br).unwrap();
    assert_ne!(peek(first, 8).as_deref(), Some(&marker[..]), "the buffers are still mapped");
}

/// An id one past the owned buffers is not an owned buffer, also when the owned
/// count is a multiple of 64 (the bitmap has no word for it) or 0 (no bitmap).
#[test]
fn the_id_past_the_owned_buffers_is_never_with_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(13, 64).buffers(64, 16)).unwrap();
    assert!(br.is_with_kernel(63));
    assert!(!br.is_with_kernel(64));
    ring.unregister_buf_ring(br).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(14, 4)).unwrap();
    assert!(!br.is_with_kernel(0));
    ring.unregister_buf_ring(br).unwrap();
}

/// `io_uring_enter(2)` through registered-ring index `index`, submitting
/// up to `to_submit` entries: how many it submitted.
fn enter_index(index: u32, to_submit: u32) -> Result<u32, Errno> {
    // SAFETY: no argument pointer; whatever ring the index names submits
    // only entries its owner published, which point at no memory here.
    unsafe {
        ring_core::sys::syscall::io_uring_enter2(
            index,
            to_submit,
            0,
            IORING_ENTER_REGISTERED_RING,
            core::ptr::null(),
            0,
        )
    }
}

/// Three rings registered in one call come back as three distinct indices, each
/// naming its own ring (entering through an index submits the one NOP only that
/// ring has published).
#[test]
fn registered_ring_indices_come_back_in_the_order_of_the_descriptors() {
    let a = Ring::new(4).unwrap();
    let mut rings: Vec<Ring> = (0..3).map(|_| Builder::new(4).register_ring_fd(false).build().unwrap()).collect();
    let fds: Vec<RawFd> = rings.iter().map(|r| r.fd().unwrap()).collect();
    let idx = a.register_ring_fds(&fds).unwrap();
    assert_eq!(idx.len(), 3);
    assert!(idx[0] != idx[1] && idx[1] != idx[2] && idx[0] != idx[2], "{idx:?}");
    for (i, ring) in rings.iter_mut().enumerate() {
        let mut s = io_uring_sqe::zeroed();
        s.opcode = IORING_OP_NOP;
        s.user_data = 50 + i as u64;
        push(ring, &s);
        ring.sq().publish();
        for (j, &index) in idx.iter().enumerate() {
            let want = u32::from(j == i);
            assert_eq!(enter_index(index, 1), Ok(want), "index {index} of ring {j}, NOP on ring {i}");
        }
        assert_eq!(reap(ring, 1), [(50 + i as u64, 0)]);
    }
    assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 3);
}

/// Sixteen descriptors fill the table (while a ring holds a slot of its own,
/// the kernel stops after fifteen), and sixteen indices are all removed, by the
/// ring that registered them. Runs on a thread of its own, whose table starts
/// empty.
#[test]
fn sixteen_ring_descriptors_and_sixteen_indices_are_not_too_many() {
    std::thread::spawn(|| {
        let a = Ring::new(4).unwrap();
        assert!(a.registered_index().is_some());
        let b = Builder::new(4).register_ring_fd(false).build().unwrap();
        let idx = a.register_ring_fds(&[b.fd().unwrap(); 16]).unwrap();
        assert_eq!(idx.len(), 15, "{idx:?}");
        assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 15);
        drop(a);
        // `b` has no index of its own: with `a` gone it fills all sixteen
        // slots, and removes all sixteen in one call.
        let all = b.register_ring_fds(&[b.fd().unwrap(); 16]).unwrap();
        assert_eq!(all.len(), 16, "{all:?}");
        assert_eq!(b.unregister_ring_fds(&all).unwrap(), 16);
        for i in all {
            assert_eq!(enter_index(i, 0), Err(Errno::new(libc::EBADF)));
        }
    })
    .join()
    .unwrap();
}

/// Descriptor 0 is not refused as negative (the kernel refuses it as not a
/// ring).
#[test]
fn ring_descriptor_zero_goes_to_the_kernel() {
    let a = Ring::new(4).unwrap();
    let e = a.register_ring_fds(&[0]).unwrap_err();
    assert!(errno_of(&e).is_some(), "{e:?}");
}

/// A ring that exists only as its registered index refuses to give it up, and
/// keeps working through it.
#[test]
fn a_registered_fd_only_ring_keeps_its_index() {
    let mut ring = match Builder::new(4).registered_fd_only().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    assert_eq!(ring.fd(), None);
    let index = ring.registered_index().unwrap();
    assert!(matches!(ring.unregister_ring_fd(), Err(Error::NotConfigured(_))));
    assert_eq!(ring.registered_index(), Some(index));
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_NOP;
    s.user_data = 9;
    push(&mut ring, &s);
    assert_eq!(reap(&mut ring, 1), [(9, 0)]);
}

/// 107 restrictions reach the kernel, 108 are refused before it, on a ring and
/// for the task (which never reaches the kernel here), as is an unknown
/// register operation.
#[test]
fn restriction_lists_are_checked_against_107_entries_and_known_register_operations() {
    let list = vec![Restriction::SqeOp(IORING_OP_NOP); 108];
    let ring = Builder::new(4).r_disabled().build().unwrap();
    let e = ring.register_restrictions(&list).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "restriction count", len: 108, max: 107 });
    let e = register_task_restrictions(&Linux, &list).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "restriction count", len: 108, max: 107 });
    let e = ring.register_restrictions(&[Restriction::RegisterOp(IORING_REGISTER_LAST as u8)]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = register_task_restrictions(&Linux, &[Restriction::RegisterOp(IORING_REGISTER_LAST as u8)]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // 107 pass the checks; the kernel decides (6.18 knows fewer opcodes
    // and refuses that many).
    if let Err(e) = ring.register_restrictions(&list[..107]) {
        assert!(!matches!(e, Error::TooLong { .. }), "{e:?}");
    }
}

/// A ring set up enabled is refused before the kernel, with the reason that it
/// was not set up disabled (the kernel's own EBADFD would be typed as "already
/// enabled").
#[test]
fn restrictions_on_a_ring_not_set_up_disabled_are_refused_before_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let e = ring.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(e, Error::NotConfigured("restrictions need a ring set up with IORING_SETUP_R_DISABLED"));
}

/// Restrictions on a ring already enabled are refused as `NotConfigured`, not
/// as a bare errno, and a second list on a disabled ring keeps the kernel's
/// EBUSY.
#[test]
fn restrictions_after_enable_are_refused_as_not_configured() {
    let twice = Builder::new(4).r_disabled().build().unwrap();
    twice.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap();
    let e = twice.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EBUSY), "{e:?}");
    let mut ring = Builder::new(4).r_disabled().build().unwrap();
    ring.enable().unwrap();
    let e = ring.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(e, Error::NotConfigured("restrictions must be registered before the ring is enabled"));
}

/// Whole, page-aligned pages reach the kernel (which has no capable NIC here
/// and refuses with its own errno), and an empty area, a length that is not a
/// whole number of pages, or an unaligned address is refused before it, for the
/// receive area and for a user refill ring alike.
#[test]
fn zero_copy_receive_memory_must_be_whole_aligned_pages() {
    let ring = Builder::new(4).defer_taskrun().cqe32().build().unwrap();
    let pg = page();
    let mem = leaked_pages(8 * pg);
    // SAFETY: `mem` spans eight pages.
    let unaligned = unsafe { NonNull::new_unchecked(mem.as_ptr().add(64)) };
    let good = ZcrxArea::User { addr: mem, len: 4 * pg };
    let config = ZcrxIfqConfig {
        if_idx: 1,
        if_rxq: 0,
        rq_entries: 64,
        area: good,
        refill: ZcrxRefill::Kernel { len: pg },
        rx_buf_len: 0,
        flags: 0,
    };
    // SAFETY: the memory is leaked, so it stays valid for the ring's life.
    match unsafe { ring.register_zcrx_ifq(&config) } {
        Ok(ifq) => println!("zcrx registered on interface 1: {ifq:?}"),
        Err(e) => assert!(from_kernel(&e), "refused before the kernel: {e:?}"),
    }
    let refill_good = ZcrxRefill::User { addr: NonNull::new(mem.as_ptr().wrapping_add(4 * pg)).unwrap(), len: pg };
    // SAFETY: as above.
    match unsafe { ring.register_zcrx_ifq(&ZcrxIfqConfig { refill: refill_good, ..config }) } {
        Ok(ifq) => println!("zcrx registered on interface 1: {ifq:?}"),
        Err(e) => assert!(from_kernel(&e), "refused before the kernel: {e:?}"),
    }
    for (addr, len) in [(mem, 0), (mem, pg + 1), (mem, pg / 2), (unaligned, pg)] {
        let area = ZcrxIfqConfig { area: ZcrxArea::User { addr, len }, ..config };
        // SAFETY: refused before the kernel sees it.
        let e = unsafe { ring.register_zcrx_ifq(&area) }.unwrap_err();
        assert_eq!(e, Error::InvalidArgument("a zero-copy receive area must be whole, page-aligned pages"), "{len}");
        let refill = ZcrxIfqConfig { refill: ZcrxRefill::User { addr, len }, ..config };
        // SAFETY: refused before the kernel sees it.
        let e = unsafe { ring.register_zcrx_ifq(&refill) }.unwrap_err();
        assert_eq!(e, Error::InvalidArgument("user refill ring memory must be whole, page-aligned pages"), "{len}");
    }
}

/// This 6.18 kernel does not know `IORING_REGISTER_ZCRX_CTRL`, so the control
/// block is checked as it leaves for the kernel.
#[test]
fn zcrx_control_blocks_name_the_instance_and_the_operation() {
    let (ring, spy) = spy_ring(IORING_REGISTER_ZCRX_CTRL, core::mem::size_of::<zcrx_ctrl>());
    let _ = ring.zcrx_flush_rq(0x1234);
    let c: zcrx_ctrl = spy.last_arg(IORING_REGISTER_ZCRX_CTRL);
    assert_eq!((c.zcrx_id, c.op), (0x1234, ZCRX_CTRL_FLUSH_RQ));
    if let Ok(fd) = ring.zcrx_export(0x5678) {
        println!("an instance 0x5678 exported as {fd:?}");
    }
    let c: zcrx_ctrl = spy.last_arg(IORING_REGISTER_ZCRX_CTRL);
    assert_eq!((c.zcrx_id, c.op), (0x5678, ZCRX_CTRL_EXPORT));
    assert_eq!(spy.last(IORING_REGISTER_ZCRX_CTRL).nr_args, 0);
}

/// A NAPI id the kernel accepts as one (`napi_id_valid`: above `NR_CPUS`);
/// static tracking does not check that a device has it.
const NAPI_ID: u32 = 1 << 24;

/// Whether NAPI busy polling with `tracking` can be registered here (the
/// static and inactive modes are newer than NAPI itself: a kernel without
/// them refuses their fields); prints why a test skips otherwise.
fn napi_mode_available(ring: &Ring, tracking: NapiTracking) -> bool {
    let napi = Napi { busy_poll_timeout: core::time::Duration::ZERO, prefer_busy_poll: false, tracking };
    match ring.register_napi(&napi) {
        Ok(_) => {
            ring.unregister_napi().unwrap();
            true
        }
        Err(e) => {
            println!("skipping: NAPI busy polling with {tracking:?} tracking not available: {e}");
            false
        }
    }
}

/// The previous settings the kernel hands back name the tracking mode it had.
#[test]
fn napi_registration_hands_back_the_previous_tracking_mode() {
    let ring = Ring::new(4).unwrap();
    if !napi_mode_available(&ring, NapiTracking::Static) {
        return;
    }
    let us = core::time::Duration::from_micros;
    let stat = Napi { busy_poll_timeout: us(50), prefer_busy_poll: false, tracking: NapiTracking::Static };
    let dynamic = Napi { busy_poll_timeout: us(70), prefer_busy_poll: true, tracking: NapiTracking::Dynamic };
    // After `napi_available`'s unregistration the kernel's mode is inactive.
    let prev = ring.register_napi(&stat).unwrap();
    assert_eq!(prev.tracking, NapiTracking::Inactive, "{prev:?}");
    assert_eq!(ring.register_napi(&dynamic).unwrap(), stat);
    assert_eq!(ring.register_napi(&stat).unwrap(), dynamic);
    ring.unregister_napi().unwrap();
}

/// In static mode an id is added once (EEXIST the second time, a plain errno)
/// and deleted once (ENOENT the second time).
#[test]
fn static_napi_ids_are_added_and_deleted_once() {
    let ring = Ring::new(4).unwrap();
    if !napi_mode_available(&ring, NapiTracking::Static) {
        return;
    }
    let stat =
        Napi { busy_poll_timeout: core::time::Duration::ZERO, prefer_busy_poll: false, tracking: NapiTracking::Static };
    ring.register_napi(&stat).unwrap();
    ring.napi_add_static_id(NAPI_ID).unwrap();
    let e = ring.napi_add_static_id(NAPI_ID).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EEXIST), "{e:?}");
    ring.napi_del_static_id(NAPI_ID).unwrap();
    let e = ring.napi_del_static_id(NAPI_ID).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::ENOENT), "{e:?}");
    ring.unregister_napi().unwrap();
}

/// Static tracking on a kernel whose NAPI registration takes no tracking
/// mode (6.9 to 6.12 read the mode's field as reserved and answer a bare
/// EINVAL) is the typed `Error::Unsupported`, as are the static-id
/// operations; inactive tracking, which no kernel registers, is refused
/// before the call on every kernel. Where the kernel has the modes, static
/// tracking is registered. A kernel without NAPI busy polling at all says
/// so with `UnsupportedRegister`.
#[test]
fn napi_tracking_modes_are_typed_where_the_kernel_lacks_them() {
    let ring = Ring::new(4).unwrap();
    let inactive = Napi {
        busy_poll_timeout: core::time::Duration::ZERO,
        prefer_busy_poll: false,
        tracking: NapiTracking::Inactive,
    };
    let e = ring.register_napi(&inactive).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let stat = Napi { tracking: NapiTracking::Static, ..inactive };
    match ring.register_napi(&stat) {
        Ok(_) => {
            assert_eq!(ring.napi_has_tracking_modes(), Ok(true));
            ring.napi_add_static_id(NAPI_ID).unwrap();
            ring.unregister_napi().unwrap();
        }
        Err(e @ Error::Unsupported { .. }) => {
            assert_eq!(ring.napi_has_tracking_modes(), Ok(false));
            caps::skip("napi_tracking_modes_are_typed_where_the_kernel_lacks_them (static tracking)", &e);
            for e in [ring.napi_add_static_id(NAPI_ID).unwrap_err(), ring.napi_del_static_id(NAPI_ID).unwrap_err()] {
                assert!(matches!(e, Error::Unsupported { .. }), "a static id without tracking modes: {e:?}");
            }
        }
        Err(e @ Error::UnsupportedRegister { .. }) => {
            caps::skip("napi_tracking_modes_are_typed_where_the_kernel_lacks_them", &e);
        }
        Err(e) => panic!("static NAPI tracking: not a typed error for a missing mode: {e:?}"),
    }
}

fn nop_sqe(user_data: u64) -> io_uring_sqe {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_NOP;
    s.user_data = user_data;
    s
}

/// Whether this kernel resizes rings; prints why a test skips otherwise.
fn resizes() -> bool {
    let ring = Ring::new(4).unwrap();
    let ok = ring.probe().unwrap().register_op_supported(IORING_REGISTER_RESIZE_RINGS);
    if !ok {
        println!("skipping: the register probe finds no IORING_REGISTER_RESIZE_RINGS here (added in 6.13)");
    }
    ok
}

fn sizes<K: Kernel>(ring: &Ring<K>) -> (u32, u32) {
    (ring.params().sq_entries, ring.params().cq_entries)
}

/// The resize limits: an SQ of 0 or above `MAX_SQ`, a CQ of 0 or above
/// `MAX_CQ`, and a CQ smaller than the SQ are refused. Each limit is
/// accepted and one past it refused with the typed error, before the kernel.
#[test]
fn resize_accepts_the_largest_sizes_and_refuses_one_past_them() {
    if !resizes() {
        return;
    }
    let mut ring = Builder::new(4).defer_taskrun().build().unwrap();
    assert_eq!(ring.resize_rings(0, None).unwrap_err(), Error::RingSize { which: "sq", requested: 0, max: 32768 });
    assert_eq!(
        ring.resize_rings(32769, None).unwrap_err(),
        Error::RingSize { which: "sq", requested: 32769, max: 32768 }
    );
    assert_eq!(ring.resize_rings(8, Some(0)).unwrap_err(), Error::RingSize { which: "cq", requested: 0, max: 65536 });
    assert_eq!(
        ring.resize_rings(8, Some(65537)).unwrap_err(),
        Error::RingSize { which: "cq", requested: 65537, max: 65536 }
    );
    assert!(matches!(ring.resize_rings(8, Some(4)), Err(Error::InvalidArgument(_))));
    ring.resize_rings(8, Some(8)).unwrap();
    assert_eq!(sizes(&ring), (8, 8));
    ring.resize_rings(32768, Some(65536)).unwrap();
    assert_eq!(sizes(&ring), (32768, 65536));
    ring.resize_rings(4, None).unwrap();
    assert_eq!(sizes(&ring), (4, 8));
    push(&mut ring, &nop_sqe(1));
    assert_eq!(reap(&mut ring, 1), [(1, 0)]);
}

/// Twelve unreaped completions fit the default CQ of an 8-entry SQ (16, not 10
/// or 4); exactly as many unreaped completions as CQ entries, or unsubmitted
/// entries as SQ entries, fit, and one more is refused before the kernel.
#[test]
fn resize_counts_outstanding_entries_against_the_new_sizes() {
    if !resizes() {
        return;
    }
    let mut ring = Builder::new(16).defer_taskrun().build().unwrap();
    for i in 0..12 {
        push(&mut ring, &nop_sqe(i));
    }
    ring.submit_and_wait(12).unwrap();
    ring.resize_rings(8, None).unwrap();
    assert_eq!(sizes(&ring), (8, 16));
    assert_eq!(reap(&mut ring, 12), (0..12).map(|i| (i, 0)).collect::<Vec<_>>());

    for i in 0..8 {
        push(&mut ring, &nop_sqe(20 + i));
    }
    ring.submit_and_wait(8).unwrap();
    let e = ring.resize_rings(2, Some(4)).unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "unreaped CQEs for the new CQ size", len: 8, max: 4 }), "{e:?}");
    ring.resize_rings(4, Some(8)).unwrap();
    assert_eq!(reap(&mut ring, 8), (20..28).map(|i| (i, 0)).collect::<Vec<_>>());

    for i in 0..4 {
        push(&mut ring, &nop_sqe(30 + i));
    }
    let e = ring.resize_rings(2, Some(8)).unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "unconsumed SQEs for the new SQ size", len: 4, max: 2 }), "{e:?}");
    ring.resize_rings(4, Some(8)).unwrap();
    assert_eq!(reap(&mut ring, 4), (30..34).map(|i| (i, 0)).collect::<Vec<_>>());
}

/// A resized ring keeps its entry-size modes: a ring without mixed entries
/// still refuses a 128-byte entry after the resize, and a mixed ring still
/// reads its 32-byte completions.
#[test]
fn a_resized_ring_keeps_its_entry_size_modes() {
    if !resizes() {
        return;
    }
    let mut plain = Builder::new(4).defer_taskrun().build().unwrap();
    plain.resize_rings(8, None).unwrap();
    let big = io_uring_sqe128 { sqe: nop_sqe(1), ..Default::default() };
    // SAFETY: a NOP carries no pointer; refused anyway on a 64-byte ring.
    assert!(unsafe { plain.sq().push128(&big) }.is_err(), "a 64-byte ring took a 128-byte entry after a resize");
    push(&mut plain, &nop_sqe(2));
    assert_eq!(reap(&mut plain, 1), [(2, 0)]);

    let mut mixed = match Builder::new(4).defer_taskrun().cqe_mixed().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping the CQE_MIXED half: {e}");
            return;
        }
    };
    mixed.resize_rings(8, None).unwrap();
    let words = [0x1111_2222, 0x3333_4444_5555];
    // SAFETY: a NOP carries no pointer.
    unsafe { mixed.sq().push(&ring_core::opcode::Nop::new().cqe32(words).build().user_data(7)) }.unwrap();
    push(&mut mixed, &nop_sqe(8));
    mixed.submit_and_wait(2).unwrap();
    let a = mixed.cq().pop().expect("the 32-byte completion");
    if a.res == -libc::EINVAL {
        println!("skipping the CQE_MIXED half: the kernel refused a NOP with IORING_NOP_CQE32 (EINVAL; added in 6.18)");
        return;
    }
    assert_eq!((a.user_data, a.res, a.big), (7, 0, words));
    let b = mixed.cq().pop().expect("the 16-byte completion");
    assert_eq!((b.user_data, b.res), (8, 0));
    assert!(mixed.cq().pop().is_none());
}

/// With every inherited flag (or their complement) the sizing would assume
/// 128-byte SQEs and 32-byte CQEs and ask for a 2 MiB huge page for 64 SQEs,
/// which this machine may not have; sized right, a page each is enough.
#[test]
fn a_no_mmap_ring_is_resized_into_memory_sized_for_its_own_entries() {
    if !resizes() {
        return;
    }
    let mut ring = match Builder::new(4).defer_taskrun().no_mmap().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: NO_MMAP ring not available: {e}");
            return;
        }
    };
    ring.resize_rings(64, Some(64)).unwrap();
    assert_eq!(sizes(&ring), (64, 64));
    for i in 0..64 {
        push(&mut ring, &nop_sqe(i));
    }
    assert_eq!(reap(&mut ring, 64).len(), 64);
}

/// A 512-entry ring needs two pages, and every one of its 512 owned buffers is
/// handed to the kernel and taken back by reads in ring order, the last one
/// from the second page.
#[test]
fn a_buffer_ring_larger_than_a_page_serves_every_entry() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    let mut br = ring.register_buf_ring(BufRingConfig::new(15, 512).buffers(512, 8)).unwrap();
    let (r, w) = pipe();
    for bid in 0..512u16 {
        let data = [bid as u8, (bid >> 8) as u8, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee];
        // SAFETY: writes 8 bytes from a live array.
        assert_eq!(unsafe { libc::write(w.as_raw_fd(), data.as_ptr().cast(), 8) }, 8);
        let (res, flags) = select_read(&mut ring, r.as_raw_fd(), 15, 100 + u64::from(bid));
        assert_eq!(res, 8, "buffer {bid}");
        assert_eq!((flags >> IORING_CQE_BUFFER_SHIFT) as u16, bid);
        // SAFETY: the completion reported `bid` (not incremental).
        assert_eq!(unsafe { br.take(bid) }.unwrap(), &data);
    }
    ring.unregister_buf_ring(br).unwrap();
}

/// A ring that has only its registered index cannot map a kernel-allocated
/// buffer ring, and says so before registering anything.
#[test]
fn a_kernel_mapped_buffer_ring_needs_a_ring_descriptor() {
    let ring = match Builder::new(4).registered_fd_only().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    let e = ring.register_buf_ring(BufRingConfig::new(16, 4).kernel_mapped()).unwrap_err();
    assert!(matches!(e, Error::NotConfigured(_)), "{e:?}");
    // Nothing was registered: the group is free for a ring in user memory.
    let br = ring.register_buf_ring(BufRingConfig::new(16, 4)).unwrap();
    ring.unregister_buf_ring(br).unwrap();
}

/// The soft `RLIMIT_NOFILE` of this process, if finite.
fn nofile() -> Option<usize> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    (lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur as usize)
}

/// A file table as large as `RLIMIT_NOFILE` is registered, one slot more
/// is refused before the kernel as above the limit, and so is `MAX_FILES`
/// itself (above the limit here), while `MAX_FILES + 1` is refused as
/// above the kernel's maximum.
#[test]
fn file_tables_are_checked_against_rlimit_nofile_and_the_kernel_maximum() {
    let Some(limit) = nofile().filter(|&n| n < MAX_FILES) else {
        println!("skipping: RLIMIT_NOFILE is not below MAX_FILES here");
        return;
    };
    let ring = Ring::new(4).unwrap();
    let above = "registered file count (above RLIMIT_NOFILE)";
    let e = ring.register_files_sparse(limit as u32 + 1).unwrap_err();
    assert_eq!(e, Error::TooLong { what: above, len: limit + 1, max: limit });
    let e = ring.register_files_sparse(MAX_FILES as u32).unwrap_err();
    assert_eq!(e, Error::TooLong { what: above, len: MAX_FILES, max: limit });
    let e = ring.register_files_sparse(MAX_FILES as u32 + 1).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "registered file count", len: MAX_FILES + 1, max: MAX_FILES });
    ring.register_files_sparse(limit as u32).unwrap();
    ring.unregister_files().unwrap();
}

/// An update of `MAX_FILES` descriptors is not too long and one of
/// `MAX_FILES + 1` is; a skip is an update's own value, and no other negative
/// number is a descriptor. The kernel answers the first, ring-core refuses
/// the others.
#[test]
fn file_updates_are_checked_for_length_and_descriptors() {
    let ring = Ring::new(4).unwrap();
    ring.register_files_sparse(4).unwrap();
    let skips = vec![IORING_REGISTER_FILES_SKIP; MAX_FILES + 1];
    let e = ring.update_files(0, &skips).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "file update count", len: MAX_FILES + 1, max: MAX_FILES });
    let e = ring.update_files(0, &skips[..MAX_FILES]).unwrap_err();
    assert!(errno_of(&e).is_some(), "refused before the kernel: {e:?}");
    assert_eq!(ring.update_files(0, &[-5]).unwrap_err(), Error::BadFd(-5));
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(0, &[-5], &[0]) }.unwrap_err(), Error::BadFd(-5));
    ring.unregister_files().unwrap();
    assert_eq!(ring.register_files(&[IORING_REGISTER_FILES_SKIP]).unwrap_err(), Error::BadFd(-2));
}

/// Reads through registered slot `slot`: the bytes a pipe in it gives.
fn read_slot<K: Kernel>(ring: &mut Ring<K>, slot: RawFd, user_data: u64) -> Vec<u8> {
    let buf: &'static mut [u8; 16] = Box::leak(Box::new([0u8; 16]));
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_READ;
    s.fd = slot;
    s.flags = IOSQE_FIXED_FILE;
    s.user_data = user_data;
    s.set_addr(buf.as_mut_ptr() as u64);
    s.len = 16;
    s.set_off(u64::MAX);
    push(ring, &s);
    let c = reap(ring, 1);
    assert_eq!(c[0].0, user_data);
    assert!(c[0].1 >= 0, "read through slot {slot}: {}", c[0].1);
    buf[..c[0].1 as usize].to_vec()
}

/// Two tagged files go into slots 1 and 2, are read through those slots, and
/// post their tags when replaced.
#[test]
fn tagged_file_updates_fill_the_slots_they_name_and_post_their_tags() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    ring.register_files_sparse(4).unwrap();
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(1, &[r1.as_raw_fd(), r2.as_raw_fd()], &[71, 72]) }.unwrap(), 2);
    // SAFETY: writes from live arrays.
    unsafe {
        assert_eq!(libc::write(w1.as_raw_fd(), b"one".as_ptr().cast(), 3), 3);
        assert_eq!(libc::write(w2.as_raw_fd(), b"two!".as_ptr().cast(), 4), 4);
    }
    assert_eq!(read_slot(&mut ring, 1, 1), b"one");
    assert_eq!(read_slot(&mut ring, 2, 2), b"two!");
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert!(matches!(unsafe { ring.update_files_tags(3, &[-1], &[9]) }, Err(Error::InvalidArgument(_))));
    // Descriptor 0 with a tag is a valid update; emptying slots 1..4 then
    // releases all three tagged files.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(3, &[0], &[73]) }.unwrap(), 1);
    assert_eq!(ring.update_files(1, &[-1, -1, -1]).unwrap(), 3);
    ring.get_events().unwrap();
    assert_eq!(reap(&mut ring, 3), [(71, 0), (72, 0), (73, 0)]);
}

/// A buffer ring belongs to its ring by the ring's identity, not by the
/// registered index it had when the buffer ring was registered: a ring
/// that gave up its registered index afterwards still owns the buffer ring
/// and unregisters it.
#[test]
fn a_ring_that_dropped_its_index_still_unregisters_its_buffer_ring() {
    let mut ring = Ring::new(4).unwrap();
    assert!(ring.registered_index().is_some());
    let br = ring.register_buf_ring(BufRingConfig::new(17, 4).buffers(2, 16)).unwrap();
    ring.unregister_ring_fd().unwrap();
    ring.unregister_buf_ring(br).unwrap();
    // The group is gone. Kernels say so differently: ENOENT (no such
    // group) on 6.12 and later; EINVAL on 6.1, which keeps a table entry
    // for each group id below 64 and answers that the emptied entry is not
    // a buffer ring.
    let e = ring.unregister_buf_group(17).unwrap_err();
    assert!(matches!(errno_of(&e), Some(libc::ENOENT | libc::EINVAL)), "{e:?}");
}

/// A buffer ring of one is refused by the other, which keeps its own group of
/// the same id, and is unregistered by its owner.
#[test]
fn rings_without_descriptors_tell_their_buffer_rings_apart_by_index() {
    use std::os::fd::AsRawFd;
    let (a, mut b) = match (Builder::new(4).registered_fd_only().build(), Builder::new(4).registered_fd_only().build())
    {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    let a_br = a.register_buf_ring(BufRingConfig::new(18, 4).buffers(2, 16)).unwrap();
    let b_br = b.register_buf_ring(BufRingConfig::new(18, 4).buffers(2, 16)).unwrap();
    let e = b.unregister_buf_ring(a_br).unwrap_err();
    assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
    // `b`'s group 18 is intact.
    let (r, w) = pipe();
    // SAFETY: writes 2 bytes from a live array.
    assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"ok".as_ptr().cast(), 2) }, 2);
    assert_eq!(select_read(&mut b, r.as_raw_fd(), 18, 1).0, 2);
    b.unregister_buf_ring(b_br).unwrap();
    // `a_br` was leaked by the refusal; `a`'s group is unregistered by id.
    a.unregister_buf_group(18).unwrap();
}

/// A writer over an 8-entry ring reports 8, and its private tail moves with
/// each entry written, across the `u16` wrap, while the shared tail moves only
/// when published.
#[test]
fn a_buffer_ring_writer_reports_its_capacity_and_private_tail() {
    let mem = leaked_pages(8 * core::mem::size_of::<io_uring_buf>());
    let ring: NonNull<io_uring_buf_ring> = mem.cast();
    let shared = || {
        // SAFETY: the tail is the 2-byte `resv` field of entry 0, inside the
        // live mapping; nothing writes it concurrently.
        unsafe { io_uring_buf_ring::tail_ptr(ring.as_ptr()).read_volatile() }
    };
    // SAFETY: a leaked, page-aligned, zeroed mapping of 8 entries whose tail
    // is 0; this writer is its only producer and no kernel reads it.
    let mut w = unsafe { BufRingWriter::over_ring(ring, 8, 0) };
    assert_eq!((w.capacity(), w.tail()), (8, 0));
    for i in 0..3u16 {
        // SAFETY: the ring has room (3 of 8 entries) and nothing reads them.
        unsafe { w.write_entry(0x1000 * u64::from(i + 1), 64, i) };
    }
    assert_eq!((w.tail(), shared()), (3, 0));
    w.publish();
    assert_eq!(shared(), 3);
    // SAFETY: as above, and the tail word holds 65534 before the writer
    // starts there.
    unsafe { io_uring_buf_ring::tail_ptr(ring.as_ptr()).write_volatile(65534) };
    // SAFETY: as above; the tail word holds 65534.
    let mut w = unsafe { BufRingWriter::over_ring(ring, 8, 65534) };
    for i in 0..4u16 {
        // SAFETY: as above.
        unsafe { w.write_entry(0x9000, 16, i) };
    }
    assert_eq!(w.tail(), 2);
    w.publish();
    assert_eq!(shared(), 2);
}

/// A table of exactly `MAX_BUFFERS` entries (empty slots) is registered, as is
/// a sparse one, and a buffer of exactly `MAX_BUFFER_LEN` bytes reaches the
/// kernel (which cannot pin this reserved, inaccessible range, and says so
/// itself).
#[test]
fn buffer_tables_of_the_maximum_size_and_buffers_of_the_maximum_length_reach_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let empty = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 0 };
    // SAFETY: empty slots name no memory.
    unsafe { ring.register_buffers(&vec![empty; MAX_BUFFERS]) }.unwrap();
    ring.unregister_buffers().unwrap();
    ring.register_buffers_sparse(MAX_BUFFERS as u32).unwrap();
    ring.unregister_buffers().unwrap();
    // SAFETY: reserves address space only: no access, no memory behind it.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            MAX_BUFFER_LEN,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let huge = libc::iovec { iov_base: p, iov_len: MAX_BUFFER_LEN };
    // SAFETY: the kernel cannot pin inaccessible pages, so nothing is
    // registered; the reservation is leaked, never reused.
    let e = unsafe { ring.register_buffers(&[huge]) }.unwrap_err();
    assert!(errno_of(&e).is_some(), "refused before the kernel: {e:?}");
}

/// `IORING_REGISTER_QUERY` (35) is the last register opcode this 6.18 kernel
/// knows (it knows 36), so a ring's query refused with EINVAL is an argument
/// the kernel did not like, not a missing operation. The refusal is played by
/// [`Spy`]; the count of known opcodes is the kernel's own blind answer.
#[test]
fn a_refusal_of_the_last_known_register_operation_is_a_plain_errno() {
    let known = match query_kernel(&Linux) {
        Ok(q) => q.opcodes.map(|o| o.nr_register_opcodes),
        Err(_) => None,
    };
    if known != Some(IORING_REGISTER_QUERY + 1) {
        println!("skipping: the kernel's last register opcode is not QUERY here ({known:?} known)");
        return;
    }
    let spy = Spy::failing(IORING_REGISTER_QUERY, libc::EINVAL, false);
    let ring = Builder::new(4).build_on(spy).unwrap();
    let e = ring.query().unwrap_err();
    assert!(matches!(e, Error::Syscall { call: ring_core::error::Call::Register(IORING_REGISTER_QUERY), .. }), "{e:?}");
    assert_eq!(errno_of(&e), Some(libc::EINVAL));
}

/// On a kernel that knows 37 register opcodes (6.19, up to
/// `IORING_REGISTER_ZCRX_CTRL`), `IORING_REGISTER_BPF_FILTER` (37) does not
/// exist, so a refusal of a task filter is `UnsupportedRegister`. The kernel's
/// count is played by [`Spy`], which also refuses the filter itself, so no
/// filter ever reaches this kernel.
#[test]
fn a_task_bpf_filter_on_a_kernel_that_knows_37_register_opcodes_is_unsupported() {
    let spy = Spy::failing(IORING_REGISTER_BPF_FILTER, libc::EINVAL, true);
    spy.0.borrow_mut().ops_known = Some(37);
    if query_kernel(&spy).is_err() {
        println!(
            "skipping: the kernel does not answer IORING_REGISTER_QUERY, which the test plays through (added in 6.18)"
        );
        return;
    }
    let prog = [ret_insn(1)];
    let f = BpfFilter { opcode: IORING_OP_NOP, program: &prog, pdu_size: 0, deny_rest: false, strict_size: false };
    let e = register_task_bpf_filter(&spy, &f).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_BPF_FILTER, .. }), "{e:?}");
}

/// `ENOMEM` from a pinning registration is `MemlockLimit` only while
/// `RLIMIT_MEMLOCK` is finite; with no limit it is the plain errno. The
/// `ENOMEM` is played by [`Spy`] (this process has `CAP_IPC_LOCK`, so the
/// kernel charges it nothing). The unlimited half needs a process allowed to
/// lift its hard limit (`CAP_SYS_RESOURCE`), and is skipped, with a message,
/// elsewhere.
#[test]
fn enomem_from_pinning_is_a_memlock_limit_only_under_a_finite_limit() {
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut old) }, 0);
    let ring = Builder::new(4).build_on(Spy::failing(IORING_REGISTER_BUFFERS, libc::ENOMEM, false)).unwrap();
    let mut buf = vec![0u8; 64];
    let iov = [libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }];
    // SAFETY: the spy refuses the call; nothing is registered.
    let finite = unsafe { ring.register_buffers(&iov) }.unwrap_err();
    if old.rlim_cur != libc::RLIM_INFINITY {
        assert!(matches!(finite, Error::MemlockLimit { limit, .. } if limit == old.rlim_cur), "{finite:?}");
    }
    let unlimited = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: setrlimit reads one rlimit; only this test binary's process
    // is affected, and no other test of it reads the limit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } != 0 {
        println!("skipping the unlimited half: cannot lift RLIMIT_MEMLOCK");
        return;
    }
    // SAFETY: as above.
    let e = unsafe { ring.register_buffers(&iov) }.unwrap_err();
    // SAFETY: restores the limit read above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &old) }, 0);
    assert!(matches!(e, Error::Syscall { .. }), "{e:?}");
    assert_eq!(errno_of(&e), Some(libc::ENOMEM));
}

/// A kernel built without `CONFIG_NET_RX_BUSY_POLL` knows the opcode but
/// answers EOPNOTSUPP, which is `UnsupportedRegister` for this ring. That
/// answer is played by [`Spy`] (this kernel has busy polling).
#[test]
fn napi_refused_with_eopnotsupp_is_unsupported() {
    let ring = Builder::new(4).build_on(Spy::failing(IORING_REGISTER_NAPI, libc::EOPNOTSUPP, false)).unwrap();
    let napi = Napi {
        busy_poll_timeout: core::time::Duration::ZERO,
        prefer_busy_poll: false,
        tracking: NapiTracking::Dynamic,
    };
    let e = ring.register_napi(&napi).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_NAPI, .. }), "{e:?}");
    let e = ring.napi_add_static_id(NAPI_ID).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_NAPI, .. }), "{e:?}");
}

/// The clock id leaves for the kernel, which accepts it.
#[test]
fn register_clock_hands_the_clock_id_to_the_kernel() {
    let (ring, spy) = spy_ring(IORING_REGISTER_CLOCK, core::mem::size_of::<io_uring_clock_register>());
    if !ring.probe().unwrap().register_op_supported(IORING_REGISTER_CLOCK) {
        println!("skipping: the register probe finds no IORING_REGISTER_CLOCK here (added in 6.12)");
        return;
    }
    for (clock, id) in [(Clock::Boottime, libc::CLOCK_BOOTTIME), (Clock::Monotonic, libc::CLOCK_MONOTONIC)] {
        ring.register_clock(clock).unwrap();
        let reg: io_uring_clock_register = spy.last_arg(IORING_REGISTER_CLOCK);
        assert_eq!(reg.clockid, id as u32);
        assert_eq!(spy.last(IORING_REGISTER_CLOCK).nr_args, 0);
    }
}

/// Descriptor 0 goes to the kernel, which refuses it as not an eventfd.
#[test]
fn eventfd_descriptor_zero_goes_to_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let e = ring.register_eventfd(0).unwrap_err();
    assert!(errno_of(&e).is_some(), "{e:?}");
    let e = ring.register_eventfd_async(0).unwrap_err();
    assert!(errno_of(&e).is_some(), "{e:?}");
}

/// The kernel accepts the call whether or not an affinity was registered, and
/// existing io-wq workers keep the affinity they were created with, so the call
/// itself is checked as it leaves for the kernel: after a registration, the
/// unregistration is sent, with no argument.
#[test]
fn unregistering_the_iowq_affinity_reaches_the_kernel() {
    let (ring, spy) = spy_ring(IORING_UNREGISTER_IOWQ_AFF, 0);
    // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { core::mem::zeroed() };
    // SAFETY: CPU 0 is inside the set's bit array.
    unsafe { libc::CPU_SET(0, &mut set) };
    ring.register_iowq_aff(&set).unwrap();
    ring.unregister_iowq_aff().unwrap();
    let seen = spy.last(IORING_UNREGISTER_IOWQ_AFF);
    assert_eq!((seen.nr_args, seen.arg.len()), (0, 0));
}

/// `i32::MAX` is the largest limit and is accepted (the kernel clamps it to
/// `RLIMIT_NPROC`).
#[test]
fn an_iowq_worker_limit_of_i32_max_is_accepted() {
    let ring = Ring::new(4).unwrap();
    let before = ring.set_iowq_max_workers(Some(i32::MAX as u32), None).unwrap();
    let now = ring.iowq_max_workers().unwrap();
    assert!(now.bounded >= 1, "{now:?}");
    let restore = |v: u32| (v != 0).then_some(v);
    ring.set_iowq_max_workers(restore(before.bounded), restore(before.unbounded)).unwrap();
}

/// A kernel that knows only the opcode query answers it, and nothing else.
#[test]
fn queries_the_kernel_does_not_know_come_back_unanswered() {
    let ring = Ring::new(4).unwrap();
    if !ring.probe().unwrap().register_op_supported(IORING_REGISTER_QUERY) {
        println!("skipping: the register probe finds no IORING_REGISTER_QUERY here (added in 6.18)");
        return;
    }
    let q = ring.query().unwrap();
    let op = q.opcodes.unwrap();
    if op.nr_query_opcodes <= IO_URING_QUERY_ZCRX {
        assert_eq!(q.zcrx, None);
    }
    if op.nr_query_opcodes <= IO_URING_QUERY_SCQ {
        assert_eq!(q.scq, None);
    }
    assert_eq!(query_kernel(&Linux).unwrap(), q);
}

/// A registered region is never empty.
#[test]
fn a_memory_region_is_not_empty() {
    let ring = Ring::new(4).unwrap();
    if !ring.probe().unwrap().register_op_supported(IORING_REGISTER_MEM_REGION) {
        println!("skipping: the register probe finds no IORING_REGISTER_MEM_REGION here (added in 6.13)");
        return;
    }
    let region = ring.register_mem_region_owned(1, 0).unwrap();
    assert_eq!(region.len(), page());
    assert!(!region.is_empty());
    assert_eq!(region.as_ptr().as_ptr() as usize % page(), 0);
}

/// A descriptor of this process that the test owns (a fresh pipe end).
fn spare_fd() -> RawFd {
    use std::os::fd::IntoRawFd;
    pipe().0.into_raw_fd()
}

/// Runs `zcrx_export` on a ring whose kernel answers `ZCRX_CTRL` with
/// `ret` and writes `payload` as the exported descriptor, and returns the
/// descriptor it hands back (without ever closing one it should not have
/// returned).
fn export_answered(ret: u32, payload: u32) -> Result<RawFd, Error> {
    use std::os::fd::IntoRawFd;
    let spy = Spy::default();
    let answer = move |arg: *mut c_void| -> Result<u32, Errno> {
        let ctrl = arg.cast::<zcrx_ctrl>();
        // SAFETY: the argument of `IORING_REGISTER_ZCRX_CTRL` is one live
        // `zcrx_ctrl`, which the kernel writes back, as played here.
        unsafe { (*ctrl).zc_export.zc_export.zcrx_fd = payload };
        Ok(ret)
    };
    spy.0.borrow_mut().answer = Some((IORING_REGISTER_ZCRX_CTRL, Rc::new(answer)));
    let ring = Builder::new(4).build_on(spy).unwrap();
    ring.zcrx_export(3).map(|fd| fd.into_raw_fd())
}

/// A kernel that returns the descriptor as the call's result and one that
/// writes it into the payload (result 0) both give it back, and a negative one
/// is refused. This 6.18 kernel has no `IORING_REGISTER_ZCRX_CTRL` (and
/// exporting needs a zero-copy receive instance, so a capable NIC), so [`Spy`]
/// plays the kernel's answer.
#[test]
fn zcrx_export_hands_back_the_descriptor_the_kernel_gave() {
    let a = spare_fd();
    let got = export_answered(a as u32, u32::MAX).unwrap();
    assert_eq!(got, a, "the descriptor returned as the result");
    // SAFETY: `got` is `a`, which this test owns.
    unsafe { libc::close(got) };
    let b = spare_fd();
    let got = export_answered(0, b as u32);
    // Only close what the test owns, whatever a faulty version returned.
    if got != Ok(b) {
        // SAFETY: `b` is this test's.
        unsafe { libc::close(b) };
        panic!("the descriptor written into the payload: {got:?}, expected {b}");
    }
    // SAFETY: as above.
    unsafe { libc::close(b) };
    assert_eq!(export_answered(0, u32::MAX), Err(Error::BadFd(-1)));
}
