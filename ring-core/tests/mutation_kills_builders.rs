//! Tests written to kill the survivors of the eighth cargo-mutants pass
//! (`builder.rs`, the opcode tables, `fs.rs`, `types.rs`, `kernel.rs` and
//! `error.rs`); see `verification/MUTATIONS.md`.
//!
//! Most of them run on this machine's kernel. Some failures of
//! `io_uring_setup` (a flag the kernel lacks, `EPERM`, `ENOMEM`) cannot be
//! provoked on a current kernel, so those tests build the ring on [`Picky`],
//! a [`Kernel`] that forwards every call to [`Linux`] but answers chosen
//! setup calls with an errno first, the way an older or locked-down kernel
//! would. The builder sees only the errno, so this is the path a real
//! refusal takes.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use core::cell::Cell;
use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use core::time::Duration;
use ring_core::builder::{setup_flag_name, SETUP_FLAGS};
use ring_core::error::Call;
use ring_core::fs::File;
use ring_core::opcode::{Nop, PollAdd, PollRemove, UringCmd};
use ring_core::sys::*;
use ring_core::types::Timespec;
use ring_core::{Builder, Entry, Entry128, Error, Kernel, Linux, Ring, Runtime, SqeFlags};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::rc::Rc;

mod caps;
mod support;

/// A kernel that refuses what it is told to and passes everything else to
/// the running one.
#[derive(Default)]
struct Picky {
    /// Setup flags answered with an errno (the first rule that matches wins),
    /// as a kernel without them would answer.
    refuse: Vec<(u32, i32)>,
    /// Flags that need a partner flag: without it, setup fails with EINVAL.
    needs: Vec<(u32, u32)>,
    /// Flags accepted without passing them on (this kernel does not have
    /// them), so that a newer kernel's rules can be played.
    strip: u32,
    /// The errno for the first setup call, the builder's own, whatever its flags.
    first: Option<i32>,
    /// How many setup calls were made (shared, to be read after the kernel
    /// went into a builder).
    setups: Rc<Cell<u32>>,
}

impl Picky {
    fn refusing(bit: u32, errno: i32) -> Self {
        Picky { refuse: vec![(bit, errno)], ..Picky::default() }
    }

    fn failing_first(errno: i32) -> Self {
        Picky { first: Some(errno), ..Picky::default() }
    }
}

// SAFETY: every call that reaches the kernel is forwarded unchanged to
// `Linux`; the others fail before anything is created.
unsafe impl Kernel for Picky {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        let n = self.setups.get();
        self.setups.set(n + 1);
        if n == 0 {
            if let Some(e) = self.first {
                return Err(Errno::new(e));
            }
        }
        for &(bit, errno) in &self.refuse {
            if params.flags & bit != 0 {
                return Err(Errno::new(errno));
            }
        }
        for &(bit, partner) in &self.needs {
            if params.flags & bit != 0 && params.flags & partner == 0 {
                return Err(Errno::new(libc::EINVAL));
            }
        }
        let asked = params.flags;
        params.flags &= !self.strip;
        let r = Linux.setup(entries, params);
        params.flags = asked;
        r
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { Linux.register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        Linux.map(fd, offset, len)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: forwarded contract.
        unsafe { Linux.unmap(ptr, len) }
    }

    fn close(&self, fd: RawFd) {
        Linux.close(fd)
    }
}

/// A NOP goes round trip on `ring`.
fn nop<K: Kernel>(ring: &mut Ring<K>, user_data: u64) {
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = user_data;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.cq().pop().expect("a completion after waiting for one");
    assert_eq!((c.user_data, c.res), (user_data, 0));
}

fn einval() -> Errno {
    Errno::new(libc::EINVAL)
}

/// Kills the three mutants of `setup_flag_name` (returning `""` or
/// `"xyzzy"`, and `==` replaced by `!=` in its search): every flag of the
/// table is named by its own entry, and a bit outside it says so.
#[test]
fn every_setup_flag_is_named_by_its_table_entry_and_an_unknown_bit_says_so() {
    for (bit, name, _) in SETUP_FLAGS {
        assert_eq!(setup_flag_name(bit), name);
    }
    assert_eq!(setup_flag_name(1 << 30), "unknown IORING_SETUP_* bit");
}

/// Kills `Builder::params` returning a leaked default and `Builder::flag`
/// with `|=` replaced by `&=`: the parameters the builder will pass carry
/// every flag and field its methods set, accumulated. (`|` replaced by `^`
/// in `hybrid_iopoll` and `defer_taskrun` is equivalent: the two bits ORed
/// there are distinct, so XOR gives the same word.)
#[test]
fn the_builder_parameters_carry_every_flag_and_field_its_methods_set() {
    let wq = Ring::new(4).unwrap();
    let b = Builder::new(8).sqpoll(Some(25)).sqpoll_cpu(1).cq_size(64).attach_wq_ring(&wq).clamp();
    let p = b.params();
    assert_eq!(
        p.flags,
        IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF | IORING_SETUP_CQSIZE | IORING_SETUP_ATTACH_WQ | IORING_SETUP_CLAMP
    );
    assert_eq!((p.sq_thread_idle, p.sq_thread_cpu, p.cq_entries), (25, 1, 64));
    assert_eq!(p.wq_fd as RawFd, wq.fd().unwrap());

    let p = *Builder::new(8).hybrid_iopoll().params();
    assert_eq!(p.flags, IORING_SETUP_IOPOLL | IORING_SETUP_HYBRID_IOPOLL);
    let p = *Builder::new(8).defer_taskrun().taskrun_flag().submit_all().params();
    assert_eq!(
        p.flags,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_SUBMIT_ALL
    );
    let p = *Builder::new(8).r_disabled().coop_taskrun().sqe128().cqe32().raw_flags(1 << 30).params();
    assert_eq!(
        p.flags,
        IORING_SETUP_R_DISABLED | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | (1 << 30)
    );
    // The default NO_SQARRAY is added at setup time, not to the parameters.
    assert_eq!(Builder::new(8).params().flags, 0);
    assert_eq!(
        Builder::new(8).registered_fd_only().params().flags,
        IORING_SETUP_NO_MMAP | IORING_SETUP_REGISTERED_FD_ONLY
    );
}

/// Kills five mutants of the size checks in `Builder::validate`:
/// `entries > MAX_SQ` and `cq > MAX_CQ` with `>` replaced by `>=`, the
/// latter also by `==`, and in `cq == 0 || (!clamp && cq > MAX_CQ)` the
/// `||` replaced by `&&` and the `!` deleted. The largest sizes are
/// accepted, one more is refused with the typed error naming the ring, a
/// zero CQ is refused with or without CLAMP, CLAMP lets an oversized CQ
/// through, and a CQ exactly as large as the SQ is allowed.
#[test]
fn ring_sizes_are_accepted_up_to_the_kernel_maximum_and_refused_past_it() {
    let ring = Builder::new(32768).build().unwrap();
    assert_eq!(ring.params().sq_entries, 32768);
    drop(ring);
    assert_eq!(Builder::new(32769).build().unwrap_err(), Error::RingSize { which: "sq", requested: 32769, max: 32768 });
    assert_eq!(Builder::new(0).build().unwrap_err(), Error::RingSize { which: "sq", requested: 0, max: 32768 });

    let ring = Builder::new(8).cq_size(65536).build().unwrap();
    assert_eq!(ring.params().cq_entries, 65536);
    drop(ring);
    assert_eq!(
        Builder::new(8).cq_size(65537).build().unwrap_err(),
        Error::RingSize { which: "cq", requested: 65537, max: 65536 }
    );
    assert_eq!(
        Builder::new(8).cq_size(0).build().unwrap_err(),
        Error::RingSize { which: "cq", requested: 0, max: 65536 }
    );
    assert_eq!(
        Builder::new(8).cq_size(0).clamp().build().unwrap_err(),
        Error::RingSize { which: "cq", requested: 0, max: 65536 }
    );
    // The largest CQ needs about a megabyte of contiguous ring memory; when
    // other processes press on memory the kernel can answer ENOMEM for a
    // moment, which is not what this test checks, so it tries again.
    let ring = (0..50)
        .find_map(|_| match Builder::new(8).cq_size(1 << 20).clamp().build() {
            Err(Error::MemlockLimit { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(100));
                None
            }
            r => Some(r),
        })
        .expect("the kernel kept answering ENOMEM for five seconds")
        .unwrap();
    assert_eq!(ring.params().cq_entries, 65536, "clamped to IORING_MAX_CQ_ENTRIES");
    drop(ring);

    let mut ring = Builder::new(8).cq_size(8).build().unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (8, 8));
    nop(&mut ring, 1);
    // Five entries become eight, so a CQ of six is too small.
    assert!(matches!(
        Builder::new(5).cq_size(6).build(),
        Err(Error::SetupFlagConflict { flag: "IORING_SETUP_CQSIZE", .. })
    ));
}

fn conflict(b: Builder) -> &'static str {
    match b.build() {
        Err(Error::SetupFlagConflict { flag, .. }) => flag,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Kills the SQPOLL rule of `Builder::validate` with the mask
/// `COOP_TASKRUN | TASKRUN_FLAG | DEFER_TASKRUN` broken by `&` in its first
/// `|` (it then holds DEFER_TASKRUN alone, and SQPOLL with COOP_TASKRUN
/// comes back as the kernel's bare EINVAL). It also checks every other
/// documented rule: each combination is refused before the kernel sees it,
/// with the error naming the flag that cannot be used, and each combination
/// the rule allows builds. (Those rules' other mutants were already caught
/// by the setup-flag tests; `|` replaced by `^` in these masks is
/// equivalent, the bits being distinct.)
#[test]
fn each_rule_between_setup_flags_is_refused_naming_the_flag() {
    assert_eq!(conflict(Builder::new(8).sqpoll_cpu(0)), "IORING_SETUP_SQ_AFF");
    assert_eq!(conflict(Builder::new(8).sqpoll(None).coop_taskrun()), "IORING_SETUP_SQPOLL");
    assert_eq!(conflict(Builder::new(8).sqpoll(None).coop_taskrun().taskrun_flag()), "IORING_SETUP_SQPOLL");
    assert_eq!(conflict(Builder::new(8).sqpoll(None).raw_flags(IORING_SETUP_TASKRUN_FLAG)), "IORING_SETUP_SQPOLL");
    assert_eq!(conflict(Builder::new(8).sqpoll(None).defer_taskrun()), "IORING_SETUP_SQPOLL");
    assert_eq!(conflict(Builder::new(8).taskrun_flag()), "IORING_SETUP_TASKRUN_FLAG");
    assert_eq!(conflict(Builder::new(8).single_issuer().taskrun_flag()), "IORING_SETUP_TASKRUN_FLAG");
    assert_eq!(conflict(Builder::new(8).raw_flags(IORING_SETUP_DEFER_TASKRUN)), "IORING_SETUP_DEFER_TASKRUN");
    assert_eq!(conflict(Builder::new(8).raw_flags(IORING_SETUP_HYBRID_IOPOLL)), "IORING_SETUP_HYBRID_IOPOLL");
    assert_eq!(conflict(Builder::new(8).raw_flags(IORING_SETUP_REGISTERED_FD_ONLY)), "IORING_SETUP_REGISTERED_FD_ONLY");
    assert_eq!(conflict(Builder::new(8).sqe128().sqe_mixed()), "IORING_SETUP_SQE_MIXED");
    assert_eq!(conflict(Builder::new(8).cqe32().cqe_mixed()), "IORING_SETUP_CQE_MIXED");
    assert_eq!(conflict(Builder::new(8).sq_rewind().sqpoll(None)), "IORING_SETUP_SQ_REWIND");
    assert_eq!(conflict(Builder::new(8).sq_rewind().no_sqarray(false)), "IORING_SETUP_SQ_REWIND");

    // The combinations each rule allows do build (where the kernel has
    // the flags: HYBRID_IOPOLL and REGISTERED_FD_ONLY are newer than some).
    for (name, b) in [
        ("SQPOLL with SQ_AFF", Builder::new(8).sqpoll(None).sqpoll_cpu(0)),
        ("COOP_TASKRUN with TASKRUN_FLAG", Builder::new(8).coop_taskrun().taskrun_flag()),
        ("DEFER_TASKRUN with TASKRUN_FLAG", Builder::new(8).defer_taskrun().taskrun_flag()),
        ("HYBRID_IOPOLL with IOPOLL", Builder::new(8).hybrid_iopoll()),
        ("REGISTERED_FD_ONLY with NO_MMAP", Builder::new(8).registered_fd_only()),
        ("SQE128 with CQE32", Builder::new(8).sqe128().cqe32()),
    ] {
        if let Some(mut ring) = caps::build_or_skip(b, name) {
            nop(&mut ring, 2);
        }
    }
}

/// A descriptor number, for `attach_wq`.
struct RawNumber(RawFd);

impl AsRawFd for RawNumber {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// Kills the `wq_fd < 0` check in `Builder::validate` with `<` replaced by
/// `==` or `<=`: a negative descriptor is refused as a bad descriptor
/// before setup, descriptor 0 is not (the kernel decides about it), and a
/// real ring's descriptor works.
#[test]
fn attach_wq_refuses_a_negative_descriptor_and_passes_any_other_to_the_kernel() {
    assert_eq!(Builder::new(8).attach_wq(&RawNumber(-1)).build().unwrap_err(), Error::BadFd(-1));
    assert_eq!(Builder::new(8).attach_wq(&RawNumber(-7)).build().unwrap_err(), Error::BadFd(-7));
    // Descriptor 0 is not an io_uring: the kernel refuses it (EINVAL, or
    // EBADF if nothing is open there), but it is not refused up front.
    match Builder::new(8).attach_wq(&RawNumber(0)).build() {
        Err(Error::Syscall { call: Call::Setup, .. }) => {}
        other => panic!("descriptor 0 went to the kernel, which must refuse it: {other:?}"),
    }
    let first = Ring::new(4).unwrap();
    let fd = RawNumber(first.fd().unwrap());
    let mut second = Builder::new(8).attach_wq(&fd).build().unwrap();
    assert_ne!(second.setup_flags() & IORING_SETUP_ATTACH_WQ, 0);
    nop(&mut second, 3);
}

/// Checks `user_disabled` in `Builder::build_on` from the other side than
/// the setup-flag tests: a ring the caller asked to start disabled stays
/// disabled after the builder registered its wait region (submitting fails
/// with EBADFD), and works once the caller enables it. (Its mutants were
/// all caught by the existing suites in this pass; this pins the case
/// `registered_wait_descriptors` does not build.)
#[test]
fn a_ring_asked_for_disabled_stays_disabled_after_its_wait_region_is_registered() {
    let mut ring = match Builder::new(8).r_disabled().registered_waits(4).build() {
        Ok(r) => r,
        Err(e @ (Error::UnsupportedRegister { .. } | Error::Syscall { .. })) => {
            println!("skipping: this kernel has no registered wait region ({e})");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = 4;
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    let e = ring.submit().unwrap_err();
    assert_eq!(e.errno().map(|e| e.raw()), Some(libc::EBADFD), "{e}");
    ring.enable().unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().user_data, 4);
}

/// Kills the mutants of `Builder::explain` that decide which flag a setup
/// EINVAL is blamed on: `flags & bit == 0` with `==` replaced by `!=` or
/// `&` by `|` or `^` (the wrong flags probed), the probe's guard
/// `e.raw() == EINVAL` replaced by `false` or `!=`, the deleted EINVAL
/// arm, and the partner flags of SQ_AFF, TASKRUN_FLAG, DEFER_TASKRUN,
/// and HYBRID_IOPOLL combined with `&` instead of `|` (the probe
/// then asks for no flag at all and succeeds). A kernel that lacks one flag
/// gets that flag named, whichever it is. (`|` replaced by `^` there is
/// equivalent: the bits are distinct.)
#[test]
fn a_setup_flag_the_kernel_lacks_is_named_in_the_error() {
    let cases: [(u32, &str, Builder); 14] = [
        (IORING_SETUP_SQPOLL, "IORING_SETUP_SQPOLL", Builder::new(8).sqpoll(None)),
        (IORING_SETUP_SQ_AFF, "IORING_SETUP_SQ_AFF", Builder::new(8).sqpoll(None).sqpoll_cpu(0)),
        (IORING_SETUP_TASKRUN_FLAG, "IORING_SETUP_TASKRUN_FLAG", Builder::new(8).coop_taskrun().taskrun_flag()),
        (IORING_SETUP_COOP_TASKRUN, "IORING_SETUP_COOP_TASKRUN", Builder::new(8).coop_taskrun()),
        (IORING_SETUP_DEFER_TASKRUN, "IORING_SETUP_DEFER_TASKRUN", Builder::new(8).defer_taskrun()),
        (IORING_SETUP_SINGLE_ISSUER, "IORING_SETUP_SINGLE_ISSUER", Builder::new(8).single_issuer()),
        (IORING_SETUP_HYBRID_IOPOLL, "IORING_SETUP_HYBRID_IOPOLL", Builder::new(8).hybrid_iopoll()),
        (IORING_SETUP_IOPOLL, "IORING_SETUP_IOPOLL", Builder::new(8).iopoll()),
        (IORING_SETUP_CQSIZE, "IORING_SETUP_CQSIZE", Builder::new(8).cq_size(16)),
        (IORING_SETUP_CQE_MIXED, "IORING_SETUP_CQE_MIXED", Builder::new(8).cqe_mixed()),
        (IORING_SETUP_SQE128, "IORING_SETUP_SQE128", Builder::new(8).sqe128().cqe32()),
        (IORING_SETUP_CQE32, "IORING_SETUP_CQE32", Builder::new(8).sqe128().cqe32()),
        (IORING_SETUP_SUBMIT_ALL, "IORING_SETUP_SUBMIT_ALL", Builder::new(8).submit_all().clamp()),
        (IORING_SETUP_CLAMP, "IORING_SETUP_CLAMP", Builder::new(8).submit_all().clamp()),
    ];
    for (bit, name, b) in cases {
        let k = Picky::refusing(bit, libc::EINVAL);
        let e = b.build_on(k).unwrap_err();
        assert_eq!(e, Error::UnsupportedSetupFlag { flag: name, errno: einval() }, "refusing {name}");
    }
}

/// Kills the deleted match arms of `Builder::explain` for SQ_AFF,
/// TASKRUN_FLAG, DEFER_TASKRUN, HYBRID_IOPOLL, CQSIZE, the
/// flags it probes on memory of its own (NO_MMAP, REGISTERED_FD_ONLY) and
/// the one it does not probe (ATTACH_WQ): without its arm such a flag is
/// probed alone, which any kernel refuses (it needs a partner flag, a CQ
/// size, memory or another ring), so an EINVAL that no single flag causes
/// would be blamed on it. Here the first setup fails with EINVAL and every
/// probe of a flag with what it needs succeeds, so the error stays the
/// plain setup errno. (SQ_REWIND never reaches setup: the builder refuses
/// it.) A flag the running kernel lacks is skipped: its probe names it, as it should.
#[test]
fn an_einval_no_single_flag_explains_stays_the_setup_errno() {
    let wq = Ring::new(4).unwrap();
    let builders = [
        ("SQ_AFF", Builder::new(8).sqpoll(None).sqpoll_cpu(0)),
        ("TASKRUN_FLAG", Builder::new(8).coop_taskrun().taskrun_flag()),
        ("DEFER_TASKRUN", Builder::new(8).defer_taskrun()),
        ("HYBRID_IOPOLL", Builder::new(8).hybrid_iopoll()),
        ("CQSIZE", Builder::new(8).cq_size(16)),
        ("NO_MMAP", Builder::new(8).no_mmap()),
        ("REGISTERED_FD_ONLY", Builder::new(8).registered_fd_only()),
        ("ATTACH_WQ", Builder::new(8).attach_wq_ring(&wq)),
    ];
    for (name, b) in builders {
        // The probes reach the running kernel: a flag it lacks would be
        // named, rightly, so such a case is skipped.
        if b.clone().no_sqarray(false).build().is_err_and(|e| caps::is_unsupported(&e)) {
            caps::skip(name, "this kernel lacks the flag, so its probe names it");
            continue;
        }
        // Without the default NO_SQARRAY, which would be retried without.
        let e = b.no_sqarray(false).build_on(Picky::failing_first(libc::EINVAL)).unwrap_err();
        assert_eq!(e, Error::Syscall { call: Call::Setup, errno: einval() }, "{name}");
    }
}

/// Kills the probe guard `e.raw() == EINVAL` in `Builder::explain`
/// replaced by `true` or by `!=`: a probe that fails for another reason
/// (here ENOMEM for CQE32, probed first) does not name its flag, and the
/// search goes on to the flag that is really missing.
#[test]
fn a_probe_failing_for_another_reason_does_not_name_its_flag() {
    let k = Picky {
        refuse: vec![(IORING_SETUP_SQPOLL, libc::EINVAL), (IORING_SETUP_CQE32, libc::ENOMEM)],
        ..Picky::default()
    };
    let e = Builder::new(8).sqpoll(None).cqe32().build_on(k).unwrap_err();
    assert_eq!(e, Error::UnsupportedSetupFlag { flag: "IORING_SETUP_SQPOLL", errno: einval() });
}

/// Kills the deleted `ENOSYS | EPERM` and `ENOMEM` arms of
/// `Builder::explain`, and in the ENOMEM arm `getrlimit(..) == 0` with `==`
/// replaced by `!=` and `rlim_cur != RLIM_INFINITY` with `!=` replaced by
/// `==`: each errno becomes its own error, ENOMEM names the memlock limit
/// while there is one, and any other errno is the plain setup errno. Where
/// the process may lift the limit it also checks that without a limit
/// ENOMEM stays the setup errno, which kills the `&&` between the two
/// replaced by `||`; this machine's container lacks CAP_SYS_RESOURCE, so
/// there that case is skipped and that mutant lives.
#[test]
fn setup_errnos_become_their_own_errors() {
    for errno in [libc::ENOSYS, libc::EPERM] {
        let e = Builder::new(8).build_on(Picky::failing_first(errno)).unwrap_err();
        assert_eq!(e, Error::Unavailable { errno: Errno::new(errno) });
    }
    let e = Builder::new(8).build_on(Picky::failing_first(libc::EFAULT)).unwrap_err();
    assert_eq!(e, Error::Syscall { call: Call::Setup, errno: Errno::new(libc::EFAULT) });

    let mut saved = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut saved) }, 0);
    let enomem = Errno::new(libc::ENOMEM);
    // A finite soft limit (kept if it is one, else 64 MiB, which anyone may set).
    let finite = if saved.rlim_cur == libc::RLIM_INFINITY { 64 << 20 } else { saved.rlim_cur };
    let set = |cur: libc::rlim_t, max: libc::rlim_t| {
        let lim = libc::rlimit { rlim_cur: cur, rlim_max: max };
        // SAFETY: setrlimit reads one rlimit.
        unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) == 0 }
    };
    assert!(set(finite, saved.rlim_max));
    let e = Builder::new(8).build_on(Picky::failing_first(libc::ENOMEM)).unwrap_err();
    assert_eq!(e, Error::MemlockLimit { limit: finite, errno: enomem });
    // Without a limit (raising the hard limit needs CAP_SYS_RESOURCE).
    if set(libc::RLIM_INFINITY, libc::RLIM_INFINITY) {
        let e = Builder::new(8).build_on(Picky::failing_first(libc::ENOMEM)).unwrap_err();
        assert_eq!(e, Error::Syscall { call: Call::Setup, errno: enomem });
    } else {
        println!("skipping the unlimited case: cannot lift RLIMIT_MEMLOCK here");
    }
    assert!(set(saved.rlim_cur, saved.rlim_max));
}

/// Kills the guard of the second fallback arm of `Builder::build_on`
/// (`self.no_sqarray.is_none()` replaced by `false` or `true`): on a kernel
/// without NO_SQARRAY (before 6.6) the default builder falls back to the SQ
/// index array and the ring works, while a builder that asked for
/// NO_SQARRAY fails naming it.
#[test]
fn the_default_builder_falls_back_to_the_sq_array_on_a_kernel_without_no_sqarray() {
    let k = Picky::refusing(IORING_SETUP_NO_SQARRAY, libc::EINVAL);
    let mut ring = Builder::new(8).build_on(k).unwrap();
    assert_eq!(ring.setup_flags() & IORING_SETUP_NO_SQARRAY, 0);
    nop(&mut ring, 5);
    nop(&mut ring, 6);
    let k = Picky::refusing(IORING_SETUP_NO_SQARRAY, libc::EINVAL);
    let e = Builder::new(8).no_sqarray(true).build_on(k).unwrap_err();
    assert_eq!(e, Error::UnsupportedSetupFlag { flag: "IORING_SETUP_NO_SQARRAY", errno: einval() });
}

/// Kills the mutants of the first fallback arm of `Builder::build_on`
/// (its guard `errno == EINVAL && no_sqarray.is_none()` replaced by `true`
/// or `false`, `&&` by `||`, `==` by `!=`): an EINVAL the builder cannot
/// blame on any flag (here an unknown bit) is retried once without the
/// default NO_SQARRAY, and not retried when NO_SQARRAY was asked for or
/// refused, or when the errno is another. The retry shows only in the
/// number of setup calls, counted by the kernel: the builder's call, one
/// probe per known flag set, and the retry with its own probes.
#[test]
fn an_einval_no_flag_explains_is_retried_once_only_without_an_explicit_no_sqarray() {
    // The probe of NO_SQARRAY reaches the running kernel, which must have it
    // for the EINVAL to stay unexplained.
    if caps::build_or_skip(Builder::new(8).no_sqarray(true), "the NO_SQARRAY retry").is_none() {
        return;
    }
    let unknown = 1 << 30;
    let run = |b: Builder, errno: i32| {
        let k = Picky::refusing(unknown, errno);
        let setups = k.setups.clone();
        let e = b.raw_flags(unknown).build_on(k).unwrap_err();
        assert_eq!(e, Error::Syscall { call: Call::Setup, errno: Errno::new(errno) });
        setups.get()
    };
    // Setup, probe of NO_SQARRAY; retry without it (no flag to probe).
    assert_eq!(run(Builder::new(8), libc::EINVAL), 3);
    // Setup, probe of NO_SQARRAY; no retry.
    assert_eq!(run(Builder::new(8).no_sqarray(true), libc::EINVAL), 2);
    // Setup only.
    assert_eq!(run(Builder::new(8).no_sqarray(false), libc::EINVAL), 1);
    // Another errno: no probe and no retry.
    assert_eq!(run(Builder::new(8), libc::EFAULT), 1);
}

/// Every variant of [`Error`] the crate can return, with the errno its
/// `errno()` must report.
fn every_error() -> Vec<(Error, i32)> {
    let e = |n| Errno::new(n);
    vec![
        (Error::RingSize { which: "sq", requested: 0, max: 32768 }, libc::EINVAL),
        (Error::UnsupportedSetupFlag { flag: "IORING_SETUP_SQE_MIXED", errno: e(libc::EINVAL) }, libc::EINVAL),
        (Error::SetupFlagConflict { flag: "IORING_SETUP_SQ_AFF", reason: "needs IORING_SETUP_SQPOLL" }, libc::EINVAL),
        (Error::MemlockLimit { limit: 65536, errno: e(libc::ENOMEM) }, libc::ENOMEM),
        (Error::Unavailable { errno: e(libc::EPERM) }, libc::EPERM),
        (Error::UnsupportedOpcode { opcode: 64, name: "IORING_OP_URING_CMD128" }, libc::EOPNOTSUPP),
        (Error::UnsupportedRegister { opcode: 33, errno: e(libc::EINVAL) }, libc::EINVAL),
        (Error::Unsupported { what: "a combination", reason: "ignored here" }, libc::EOPNOTSUPP),
        (Error::NotConfigured("registered waits"), libc::EINVAL),
        (Error::TooLong { what: "buffer", len: 5, max: 4 }, libc::E2BIG),
        (Error::BadFd(-3), libc::EBADF),
        (Error::InvalidArgument("slot"), libc::EINVAL),
        (Error::SubmissionQueueFull, libc::EBUSY),
        (Error::CompletionLost, libc::EBADR),
        (Error::Syscall { call: Call::Enter, errno: e(libc::EINTR) }, libc::EINTR),
        (Error::Syscall { call: Call::Register(1), errno: e(libc::ENOMEM) }, libc::ENOMEM),
    ]
}

/// Kills the deleted match arms of `Error::errno` for `CompletionLost`,
/// `SubmissionQueueFull`, `BadFd`, `UnsupportedOpcode` and `TooLong`,
/// which would fall through to EINVAL: every variant reports its own
/// errno, and a `std::io::Error` made from it has that errno's kind and
/// the same message. (Deleting the `Syscall | UnsupportedSetupFlag` arm of
/// the conversion is equivalent: the arm after it takes the same errno
/// from `errno()`.)
#[test]
fn every_error_reports_its_own_errno_and_io_kind() {
    for (err, errno) in every_error() {
        assert_eq!(err.errno(), Some(Errno::new(errno)), "{err:?}");
        let kind = std::io::Error::from_raw_os_error(errno).kind();
        let io: std::io::Error = err.clone().into();
        assert_eq!(io.kind(), kind, "{err:?}");
        assert_eq!(io.get_ref().map(|e| e.to_string()), Some(err.to_string()));
    }
}

/// Kills `Error::is_transient` returning `false` and its `||` replaced by
/// `&&`: EINTR, EAGAIN and EBUSY from a system call and a full
/// SQ are transient; other errnos and every other variant are not.
#[test]
fn only_interruptions_shortages_and_a_full_queue_are_transient() {
    for n in [libc::EINTR, libc::EAGAIN, libc::EBUSY] {
        assert!(Error::Syscall { call: Call::Enter, errno: Errno::new(n) }.is_transient(), "{n}");
    }
    assert!(Error::SubmissionQueueFull.is_transient());
    for n in [libc::EINVAL, libc::EBADF, libc::ENOMEM] {
        assert!(!Error::Syscall { call: Call::Enter, errno: Errno::new(n) }.is_transient(), "{n}");
    }
    for (err, _) in every_error() {
        let expect = matches!(err, Error::SubmissionQueueFull)
            || matches!(err, Error::Syscall { errno, .. } if errno.raw() == libc::EINTR);
        assert_eq!(err.is_transient(), expect, "{err:?}");
    }
}

/// Kills 12 mutants of `SqeFlags`: `is_empty` returning a constant or
/// with `==` replaced by `!=`, `union` with `|` replaced by `&` or `^`, the
/// `|` operator with `|` replaced by `^`, `|=` replaced by nothing or by
/// `&=`, the `&` operator returning the empty set or with `&` replaced by
/// `|` or `^`, and in `Debug` the `!` of `rest &= !flag` deleted (an
/// unknown bit would be lost from the text). The set algebra is checked on
/// flags with and without common bits, and the text of every shape of
/// set.
#[test]
fn sqe_flag_sets_combine_compare_and_print() {
    let link = SqeFlags::IO_LINK;
    let drain = SqeFlags::IO_DRAIN;
    let both = link | drain;
    assert_eq!(both.bits(), IOSQE_IO_LINK | IOSQE_IO_DRAIN);
    assert_eq!(link.union(drain), both);
    assert_eq!((both | link).bits(), both.bits(), "OR with a common bit keeps it");
    assert_eq!(both.union(link).bits(), both.bits());
    let mut acc = link;
    acc |= drain;
    acc |= drain;
    assert_eq!(acc, both);
    assert_eq!((both & link).bits(), IOSQE_IO_LINK);
    assert_eq!((both & SqeFlags::ASYNC).bits(), 0);
    assert!(both.contains(link) && both.contains(drain) && both.contains(SqeFlags::EMPTY));
    assert!(!link.contains(both));
    assert!(!link.contains(drain));
    assert!(SqeFlags::EMPTY.is_empty() && SqeFlags::default().is_empty());
    assert!(!link.is_empty());
    assert_eq!(SqeFlags::from_bits_retain(0xff).bits(), 0xff);
    assert_eq!(SqeFlags::from_bits_retain(IOSQE_ASYNC), SqeFlags::ASYNC);

    assert_eq!(format!("{:?}", SqeFlags::EMPTY), "SqeFlags(empty)");
    assert_eq!(format!("{:?}", SqeFlags::FIXED_FILE), "SqeFlags(FIXED_FILE)");
    assert_eq!(format!("{both:?}"), "SqeFlags(IO_DRAIN | IO_LINK)");
    assert_eq!(format!("{:?}", SqeFlags::from_bits_retain(0x80)), "SqeFlags(0x80)");
    assert_eq!(
        format!("{:?}", SqeFlags::CQE_SKIP_SUCCESS | SqeFlags::BUFFER_SELECT | SqeFlags::from_bits_retain(0x80)),
        "SqeFlags(BUFFER_SELECT | CQE_SKIP_SUCCESS | 0x80)"
    );
}

/// Kills `DerefMut` of `Entry` returning a leaked default, `From<Entry>`
/// for `io_uring_sqe` returning a zeroed SQE and `Debug` of `Entry`
/// writing nothing: an entry keeps what it was built from and what its
/// setters add through every conversion, a field set through `DerefMut`
/// stays set, and the kernel runs exactly that entry.
#[test]
fn an_entry_keeps_its_fields_through_every_conversion() {
    let built = Nop::new().build().user_data(41).personality(0).flags(SqeFlags::IO_LINK).flags(SqeFlags::ASYNC);
    assert_eq!(built.sqe_flags(), SqeFlags::IO_LINK | SqeFlags::ASYNC);
    assert_eq!(built.flags, IOSQE_IO_LINK | IOSQE_ASYNC);
    assert_eq!((built.opcode, built.user_data), (IORING_OP_NOP, 41));
    let raw: io_uring_sqe = built.into();
    assert_eq!((raw.opcode, raw.user_data, raw.flags), (IORING_OP_NOP, 41, IOSQE_IO_LINK | IOSQE_ASYNC));
    let raw2 = built.into_sqe();
    assert_eq!((raw2.user_data, raw2.flags), (41, raw.flags));
    let mut back = Entry::from(raw);
    assert_eq!(back.user_data, 41);
    back.user_data = 42;
    assert_eq!(back.user_data, 42);
    assert_eq!(Entry::from_sqe(raw).user_data, 41);
    assert_eq!(built.personality(3).personality, 3);
    let dbg = format!("{built:?}");
    assert!(dbg.starts_with("Entry("), "{dbg}");

    let mut ring = Ring::new(4).unwrap();
    let e = Nop::new().build().user_data(43);
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().user_data, 43);
}

/// Kills `Entry128::flags` with `|=` replaced by `&=` (the flags asked for
/// would be dropped): a 128-byte entry keeps the 64-byte entry it extends,
/// the flags of both, its setters and its whole 80-byte command area, and
/// a ring with 128-byte entries runs it.
#[test]
fn a_big_entry_keeps_its_fields_and_its_command_area() {
    let mut cmd = [0u8; 80];
    for (i, b) in cmd.iter_mut().enumerate() {
        *b = i as u8 + 1;
    }
    let base = Nop::new().build().user_data(9);
    let big = Entry128::from(base).flags(SqeFlags::IO_DRAIN).personality(2).with_cmd(cmd);
    assert_eq!(big.cmd(), cmd);
    assert_eq!(
        (big.sqe.opcode, big.sqe.user_data, big.sqe.flags, big.sqe.personality),
        (IORING_OP_NOP, 9, IOSQE_IO_DRAIN, 2)
    );
    assert_eq!(big.cmd_ext[..], cmd[16..]);
    let raw = big.into_sqe();
    assert_eq!(raw.cmd_ext[63], 80);
    let again = Entry128::from_sqe(raw);
    assert_eq!(again.cmd(), cmd);
    assert_eq!(Entry128::from_entry(base).user_data(10).sqe.user_data, 10);
    assert_eq!(Entry128::from_entry(base).cmd(), [0; 80]);
    let mut m = Entry128::from_entry(base);
    m.sqe.user_data = 11;
    assert_eq!(m.sqe.user_data, 11);
    let flags = Entry128::from_entry(base.flags(SqeFlags::IO_LINK)).flags(SqeFlags::ASYNC).sqe.flags;
    assert_eq!(flags, IOSQE_IO_LINK | IOSQE_ASYNC);

    let mut ring = Builder::new(4).sqe128().build().unwrap();
    let e = UringCmd::new(-1, 0).build128().user_data(12);
    assert_eq!(e.sqe.opcode, IORING_OP_URING_CMD);
    // SAFETY: the command names no file and no memory; the kernel refuses it.
    unsafe { ring.sq().push128(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.user_data, 12);
    assert!(c.res < 0, "a uring_cmd on descriptor -1 fails: {}", c.res);
}

/// Kills `Timespec::sec` and `Timespec::nsec` returning 0, 1 or -1 and
/// `From<__kernel_timespec>` returning a zero time: a time keeps its
/// seconds and nanoseconds from a `Duration` and from the raw structure.
#[test]
fn a_timespec_keeps_its_seconds_and_nanoseconds() {
    let t = Timespec::from(Duration::new(7, 250));
    assert_eq!((t.sec(), t.nsec()), (7, 250));
    let raw = t.into_raw();
    assert_eq!((raw.tv_sec, raw.tv_nsec), (7, 250));
    let back = Timespec::from(__kernel_timespec { tv_sec: 3, tv_nsec: 999_999_999 });
    assert_eq!((back.sec(), back.nsec()), (3, 999_999_999));
    assert_eq!(Timespec::new(2, 5), Timespec::from(Duration::new(2, 5)));
    assert_eq!(Timespec::from(Duration::MAX).sec(), i64::MAX);
}

/// Kills `<Linux as Kernel>::close` replaced by `()`: the descriptor is
/// closed. (A descriptor number far above what the tests open is used, so
/// that no other thread can be handed it between the close and the check.)
#[test]
fn the_real_kernel_closes_the_descriptor_it_is_given() {
    let (r, _w) = support::pipe();
    let high = 900;
    // SAFETY: dup2 onto a number this process does not use.
    assert_eq!(unsafe { libc::dup2(r.as_raw_fd(), high) }, high);
    Linux.close(high);
    // SAFETY: fcntl on a closed descriptor only reports EBADF.
    let rc = unsafe { libc::fcntl(high, libc::F_GETFD) };
    assert_eq!((rc, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EBADF)));
}

/// A file in a fresh directory, removed at the end.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("ring-core-mk-builders-{}-{name}", std::process::id()));
        std::fs::write(&p, contents).unwrap();
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Kills the `Interrupted` guard of `File::read_exact_at` replaced by
/// `true` or with `==` replaced by `!=`, which retry a real error forever:
/// a read the kernel refuses (EBADF) fails at once. It also checks that
/// reading from an offset fills the buffer from there, and that a read
/// that meets the end of the file after a short first read fails with
/// `UnexpectedEof` and keeps the bytes it got (the loop's other mutants
/// were caught by `file_round_trip_through_the_ring`).
#[test]
fn read_exact_at_fills_from_its_offset_and_stops_at_the_end_or_an_error() {
    let tmp = TempFile::new("read-exact", b"0123456789ab");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let f = File::open(&d, &tmp.0).await.unwrap();
        let (r, buf) = f.read_exact_at(Vec::with_capacity(4), 5).await;
        r.unwrap();
        assert_eq!(buf, b"5678");
        // Eight wanted from offset 8: four come, then the end of the file.
        let (r, buf) = f.read_exact_at(Vec::with_capacity(8), 8).await;
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(buf, b"89ab");
        let (r, buf) = f.read_exact_at(Vec::new(), 3).await;
        r.unwrap();
        assert!(buf.is_empty());
        let w = File::open_with(&d, &tmp.0, libc::O_WRONLY, 0).await.unwrap();
        let (r, _) = w.read_exact_at(Vec::with_capacity(4), 0).await;
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADF));
    })
    .unwrap();
}

/// Kills `File::write_all_at` with `pos + done` replaced by `pos * done`
/// (the first write goes to offset 0) and its `Interrupted` guard replaced
/// by `true` or with `==` replaced by `!=` (a real error retried forever):
/// the bytes land at the offset asked for, an empty write writes nothing
/// and succeeds, and a write the kernel refuses (EBADF) fails at once.
#[test]
fn write_all_at_writes_at_its_offset_and_stops_at_an_error() {
    let tmp = TempFile::new("write-all", b"..........");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let f = File::open_with(&d, &tmp.0, libc::O_RDWR, 0).await.unwrap();
        let (r, _) = f.write_all_at(b"abc".to_vec(), 4).await;
        r.unwrap();
        let (r, _) = f.write_all_at(Vec::new(), 1).await;
        r.unwrap();
        let ro = File::open(&d, &tmp.0).await.unwrap();
        let (r, _) = ro.write_all_at(b"x".to_vec(), 0).await;
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADF));
    })
    .unwrap();
    assert_eq!(std::fs::read(&tmp.0).unwrap(), b"....abc...");
}

/// Kills `File::close` returning `Ok(())` (the descriptor is then closed
/// by dropping it, and a failing close would go unreported), `as_raw_fd`
/// returning 0, and the `Debug` of `File` writing nothing: the descriptor
/// is the one wrapped, `close` closes it as one operation of the ring (the
/// driver counts it as started), and `Debug` names it. It also reads the
/// file's size through `metadata`. (The descriptor is moved to a number far above what the tests
/// open, so that no other thread is handed it between the close and the
/// check.)
#[test]
fn a_file_reports_its_descriptor_and_metadata_and_close_closes_it() {
    let tmp = TempFile::new("close", b"twelve bytes");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let std_file = std::fs::File::open(&tmp.0).unwrap();
    let high = 901;
    // SAFETY: dup2 onto a number this process does not use.
    assert_eq!(unsafe { libc::dup2(std_file.as_raw_fd(), high) }, high);
    // SAFETY: `high` is a fresh descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(high) };
    rt.block_on(async {
        let f = File::from_fd(&d, owned);
        assert_eq!(f.as_raw_fd(), high);
        assert_eq!(f.as_fd().as_raw_fd(), high);
        assert_eq!(format!("{f:?}"), format!("File {{ fd: {high} }}"));
        assert_eq!(f.metadata().await.unwrap().len(), 12);
        let g = File::from_std(&d, std_file);
        assert_eq!(g.metadata().await.unwrap().len(), 12);
        let started = d.stats().started;
        f.close().await.unwrap();
        assert_eq!(d.stats().started, started + 1, "the close went through the ring");
    })
    .unwrap();
    // SAFETY: fcntl on a closed descriptor only reports EBADF.
    let rc = unsafe { libc::fcntl(high, libc::F_GETFD) };
    assert_eq!((rc, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EBADF)));
}

/// Kills `poll_mask` returning 1 (the bit of `POLLIN`, the only mask the
/// opcode table's unit test used): a poll for `POLLOUT` carries `POLLOUT`,
/// in a new poll and in a poll update, and the kernel completes it on the
/// writable end of an empty pipe.
#[test]
fn a_poll_asks_the_kernel_for_the_events_it_was_given() {
    let out = libc::POLLOUT as u32;
    assert_eq!(PollAdd::new(3, out).build().poll32_events(), out);
    assert_eq!(PollAdd::new(3, out | libc::POLLIN as u32).build().poll32_events(), out | libc::POLLIN as u32);
    assert_eq!(PollRemove::new(1).new_events(out).build().poll32_events(), out);

    let (_r, w) = support::pipe();
    let mut ring = Ring::new(4).unwrap();
    let e = PollAdd::new(w.as_raw_fd(), out).build().user_data(21);
    // SAFETY: a poll carries no pointer; the pipe outlives the request.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait_timeout(1, Duration::from_secs(10)).unwrap();
    let c = ring.cq().pop().expect("an empty pipe is writable at once");
    assert_eq!(c.user_data, 21);
    assert_ne!(c.res as u32 & out, 0, "res {:#x}", c.res);
}

/// Kills `File::write_all_at` with `pos + done` replaced by `pos - done`:
/// after a short write, the rest goes after the part written. A short
/// write is made with `RLIMIT_FSIZE`: a write that crosses the limit stops
/// at it, and the next write fails with `EFBIG` (`SIGXFSZ` is ignored for
/// the test). The mutant writes the rest before the part written instead,
/// where the limit lets it through, and succeeds.
#[test]
fn write_all_at_continues_after_a_short_write_where_it_stopped() {
    let tmp = TempFile::new("short-write", b"");
    let limit: libc::rlim_t = 1 << 20;
    let mut saved = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut saved) }, 0);
    if saved.rlim_max < limit {
        println!("skipping: RLIMIT_FSIZE is already below 1 MiB");
        return;
    }
    // SAFETY: ignoring SIGXFSZ installs no handler.
    let old = unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let lim = libc::rlimit { rlim_cur: limit, rlim_max: saved.rlim_max };
    // SAFETY: setrlimit reads one rlimit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &lim) }, 0);
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let result = rt
        .block_on(async {
            let f = File::open_with(&d, &tmp.0, libc::O_RDWR, 0).await.unwrap();
            let (r, _) = f.write_all_at(vec![7u8; 100], limit - 10).await;
            r
        })
        .unwrap();
    // SAFETY: restores the limit and the disposition saved above.
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &saved), 0);
        libc::signal(libc::SIGXFSZ, old);
    }
    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::EFBIG));
    let data = std::fs::read(&tmp.0).unwrap();
    assert_eq!(data.len() as u64, limit, "the ten bytes below the limit were written");
    assert_eq!(data[data.len() - 10..], [7; 10]);
    assert!(data[..data.len() - 10].iter().all(|&b| b == 0), "nothing was written before the offset");
}

/// Kills two mutants of `nop_sqe`: `IORING_NOP_TW` ORed in with `&=`
/// instead of `|=` (a NOP asked to complete through task work would not
/// say so), and the `-` of its `fd = -1` deleted (a plain NOP would name
/// descriptor 1; liburing's `io_uring_prep_nop` sets -1, which the opcode
/// tests' field placement follows). The kernel runs the task-work NOP
/// where it has the flag (6.17).
#[test]
fn a_nop_names_no_file_and_asks_for_task_work_when_told() {
    assert_eq!(Nop::new().build().fd, -1);
    assert_eq!(Nop::new().build().nop_flags(), 0);
    let e = Nop::new().task_work(true).build();
    assert_eq!((e.fd, e.nop_flags()), (-1, IORING_NOP_TW));
    let e = Nop::new().task_work(true).inject_result(-7).build();
    assert_eq!(e.nop_flags(), IORING_NOP_TW | IORING_NOP_INJECT_RESULT);

    let mut ring = Ring::new(4).unwrap();
    let e = Nop::new().task_work(true).inject_result(5).build().user_data(31);
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.user_data, 31);
    if c.res == -libc::EINVAL {
        println!("skipping the kernel half: the kernel refused a NOP with IORING_NOP_TW (EINVAL; added in 6.17)");
    } else {
        assert_eq!(c.res, 5);
    }
}
