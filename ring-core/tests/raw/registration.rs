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

mod buffer_rings;
mod cancel;
mod napi;
mod resize;
mod restrictions;
mod ring_fds;
mod tables;

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

fn page() -> usize {
    // SAFETY: sysconf has no memory effects.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
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

fn push<K: Kernel>(ring: &mut Ring<K>, s: &io_uring_sqe) {
    // SAFETY: every SQE of this file points only at leaked memory (see
    // `pending_read`) or at none.
    unsafe { ring.sq().push(s) }.expect("SQ has room");
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
