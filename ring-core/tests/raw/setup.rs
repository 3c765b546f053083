//! Ring setup: the builder's parameters and size limits, the rules between
//! setup flags, and how a refused `io_uring_setup` becomes a typed error
//! naming the flag (some refusals are played by [`Picky`], a kernel that
//! forwards to [`Linux`] but answers chosen setup calls with an errno, the
//! way an older or locked-down kernel would).

use crate::caps;
use crate::support::spy::{Spy, Watch};
use core::cell::Cell;
use ring_core::builder::{setup_flag_name, SETUP_FLAGS};
use ring_core::error::Call;
use ring_core::sys::*;
use ring_core::{Builder, Error, Kernel, Linux, Ring};
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;

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
    fn refusing(bit: u32, errno: i32) -> Spy<Self> {
        Spy(Picky { refuse: vec![(bit, errno)], ..Picky::default() })
    }

    fn failing_first(errno: i32) -> Spy<Self> {
        Spy(Picky { first: Some(errno), ..Picky::default() })
    }
}

// SAFETY: every call that reaches the kernel is forwarded unchanged to
// `Linux`; the others fail before anything is created.
unsafe impl Watch for Picky {
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

/// Every flag of the table is named by its own entry, and a bit outside it says
/// so.
#[test]
fn every_setup_flag_is_named_by_its_table_entry_and_an_unknown_bit_says_so() {
    for (bit, name, _) in SETUP_FLAGS {
        assert_eq!(setup_flag_name(bit), name);
    }
    assert_eq!(setup_flag_name(1 << 30), "unknown IORING_SETUP_* bit");
}

/// The parameters the builder will pass carry every flag and field its methods
/// set, accumulated.
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

/// The largest sizes are accepted, one more is refused with the typed error
/// naming the ring, a zero CQ is refused with or without CLAMP, CLAMP lets an
/// oversized CQ through, and a CQ exactly as large as the SQ is allowed.
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

/// It also checks every other documented rule: each combination is refused
/// before the kernel sees it, with the error naming the flag that cannot be
/// used, and each combination the rule allows builds.
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

/// A negative descriptor is refused as a bad descriptor before setup,
/// descriptor 0 is not (the kernel decides about it), and a real ring's
/// descriptor works.
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

/// Checks `user_disabled` in `Builder::build_on` from the other side than the
/// setup-flag tests: a ring the caller asked to start disabled stays disabled
/// after the builder registered its wait region (submitting fails with EBADFD),
/// and works once the caller enables it. This pins the case
/// `registered_wait_descriptors` does not build.
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

/// A kernel that lacks one flag gets that flag named, whichever it is.
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

/// Without its arm such a flag is probed alone, which any kernel refuses (it
/// needs a partner flag, a CQ size, memory or another ring), so an EINVAL that
/// no single flag causes would be blamed on it. Here the first setup fails with
/// EINVAL and every probe of a flag with what it needs succeeds, so the error
/// stays the plain setup errno. (SQ_REWIND never reaches setup: the builder
/// refuses it.) A flag the running kernel lacks is skipped: its probe names it,
/// as it should.
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

/// A probe that fails for another reason (here ENOMEM for CQE32, probed first)
/// does not name its flag, and the search goes on to the flag that is really
/// missing.
#[test]
fn a_probe_failing_for_another_reason_does_not_name_its_flag() {
    let k = Spy(Picky {
        refuse: vec![(IORING_SETUP_SQPOLL, libc::EINVAL), (IORING_SETUP_CQE32, libc::ENOMEM)],
        ..Picky::default()
    });
    let e = Builder::new(8).sqpoll(None).cqe32().build_on(k).unwrap_err();
    assert_eq!(e, Error::UnsupportedSetupFlag { flag: "IORING_SETUP_SQPOLL", errno: einval() });
}

/// Each errno becomes its own error, ENOMEM names the memlock limit while there
/// is one, and any other errno is the plain setup errno.
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

/// On a kernel without NO_SQARRAY (before 6.6) the default builder falls back
/// to the SQ index array and the ring works, while a builder that asked for
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

/// An EINVAL the builder cannot blame on any flag (here an unknown bit) is
/// retried once without the default NO_SQARRAY, and not retried when NO_SQARRAY
/// was asked for or refused, or when the errno is another. The retry shows only
/// in the number of setup calls, counted by the kernel: the builder's call, one
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
