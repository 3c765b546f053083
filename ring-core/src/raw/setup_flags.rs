//! The setup flags: every `IORING_SETUP_*` flag by name, the rules between
//! flags (checked before the kernel sees them, so a conflict is an error
//! naming it), and, when the kernel refuses a set-up, which flag it does not
//! know.
#![allow(unsafe_code)]

use crate::error::{Call, Error, Result};
use crate::kernel::Kernel;
use crate::raw::memory::{self, NoMmapMemory, MAX_CQ, MAX_SQ};
use ring_sys::*;

/// Every setup flag with its kernel name and the Linux version that added it.
pub const SETUP_FLAGS: [(u32, &str, &str); 21] = [
    (IORING_SETUP_IOPOLL, "IORING_SETUP_IOPOLL", "5.1"),
    (IORING_SETUP_SQPOLL, "IORING_SETUP_SQPOLL", "5.1"),
    (IORING_SETUP_SQ_AFF, "IORING_SETUP_SQ_AFF", "5.1"),
    (IORING_SETUP_CQSIZE, "IORING_SETUP_CQSIZE", "5.5"),
    (IORING_SETUP_CLAMP, "IORING_SETUP_CLAMP", "5.6"),
    (IORING_SETUP_ATTACH_WQ, "IORING_SETUP_ATTACH_WQ", "5.6"),
    (IORING_SETUP_R_DISABLED, "IORING_SETUP_R_DISABLED", "5.10"),
    (IORING_SETUP_SUBMIT_ALL, "IORING_SETUP_SUBMIT_ALL", "5.18"),
    (IORING_SETUP_COOP_TASKRUN, "IORING_SETUP_COOP_TASKRUN", "5.19"),
    (IORING_SETUP_TASKRUN_FLAG, "IORING_SETUP_TASKRUN_FLAG", "5.19"),
    (IORING_SETUP_SQE128, "IORING_SETUP_SQE128", "5.19"),
    (IORING_SETUP_CQE32, "IORING_SETUP_CQE32", "5.19"),
    (IORING_SETUP_SINGLE_ISSUER, "IORING_SETUP_SINGLE_ISSUER", "6.0"),
    (IORING_SETUP_DEFER_TASKRUN, "IORING_SETUP_DEFER_TASKRUN", "6.1"),
    (IORING_SETUP_NO_MMAP, "IORING_SETUP_NO_MMAP", "6.5"),
    (IORING_SETUP_REGISTERED_FD_ONLY, "IORING_SETUP_REGISTERED_FD_ONLY", "6.5"),
    (IORING_SETUP_NO_SQARRAY, "IORING_SETUP_NO_SQARRAY", "6.6"),
    (IORING_SETUP_HYBRID_IOPOLL, "IORING_SETUP_HYBRID_IOPOLL", "6.13"),
    (IORING_SETUP_CQE_MIXED, "IORING_SETUP_CQE_MIXED", "6.18"),
    (IORING_SETUP_SQE_MIXED, "IORING_SETUP_SQE_MIXED", "6.19"),
    (IORING_SETUP_SQ_REWIND, "IORING_SETUP_SQ_REWIND", "7.0"),
];

/// The kernel name of a single setup flag bit.
///
/// ```
/// use ring_core::builder::setup_flag_name;
///
/// assert_eq!(setup_flag_name(ring_core::sys::IORING_SETUP_SQPOLL), "IORING_SETUP_SQPOLL");
/// assert_eq!(setup_flag_name(1 << 30), "unknown IORING_SETUP_* bit");
/// ```
pub fn setup_flag_name(flag: u32) -> &'static str {
    SETUP_FLAGS.iter().find(|(f, _, _)| *f == flag).map_or("unknown IORING_SETUP_* bit", |(_, n, _)| n)
}

/// Checks the documented rules between flags, so that a conflict comes
/// back as an error that names it rather than a bare EINVAL.
pub(crate) fn check_rules(entries: u32, params: &io_uring_params, no_sqarray: Option<bool>) -> Result<()> {
    let f = params.flags;
    let has = |x: u32| f & x != 0;
    let conflict = |flag, reason| Err(Error::SetupFlagConflict { flag, reason });
    let clamp = has(IORING_SETUP_CLAMP);
    if entries == 0 || (!clamp && entries > MAX_SQ) {
        return Err(Error::RingSize { which: "sq", requested: entries, max: MAX_SQ });
    }
    if has(IORING_SETUP_CQSIZE) {
        let cq = params.cq_entries;
        if cq == 0 || (!clamp && cq > MAX_CQ) {
            return Err(Error::RingSize { which: "cq", requested: cq, max: MAX_CQ });
        }
        let (sq, _) = memory::ring_sizes(entries, params);
        if cq < sq {
            return conflict("IORING_SETUP_CQSIZE", "the CQ must have at least as many entries as the SQ");
        }
    }
    if has(IORING_SETUP_SQ_AFF) && !has(IORING_SETUP_SQPOLL) {
        return conflict("IORING_SETUP_SQ_AFF", "needs IORING_SETUP_SQPOLL");
    }
    if has(IORING_SETUP_SQPOLL)
        && has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN)
    {
        return conflict(
            "IORING_SETUP_SQPOLL",
            "excludes COOP_TASKRUN, TASKRUN_FLAG and DEFER_TASKRUN (the poll thread runs the task work)",
        );
    }
    if has(IORING_SETUP_TASKRUN_FLAG) && !has(IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN) {
        return conflict("IORING_SETUP_TASKRUN_FLAG", "needs COOP_TASKRUN or DEFER_TASKRUN");
    }
    if has(IORING_SETUP_DEFER_TASKRUN) && !has(IORING_SETUP_SINGLE_ISSUER) {
        return conflict("IORING_SETUP_DEFER_TASKRUN", "needs IORING_SETUP_SINGLE_ISSUER");
    }
    if has(IORING_SETUP_HYBRID_IOPOLL) && !has(IORING_SETUP_IOPOLL) {
        return conflict("IORING_SETUP_HYBRID_IOPOLL", "needs IORING_SETUP_IOPOLL");
    }
    if has(IORING_SETUP_REGISTERED_FD_ONLY) && !has(IORING_SETUP_NO_MMAP) {
        return conflict("IORING_SETUP_REGISTERED_FD_ONLY", "needs IORING_SETUP_NO_MMAP");
    }
    if has(IORING_SETUP_SQE128) && has(IORING_SETUP_SQE_MIXED) {
        return conflict("IORING_SETUP_SQE_MIXED", "excludes IORING_SETUP_SQE128");
    }
    if has(IORING_SETUP_CQE32) && has(IORING_SETUP_CQE_MIXED) {
        return conflict("IORING_SETUP_CQE_MIXED", "excludes IORING_SETUP_CQE32");
    }
    if has(IORING_SETUP_SQ_REWIND) && has(IORING_SETUP_SQPOLL) {
        return conflict("IORING_SETUP_SQ_REWIND", "excludes IORING_SETUP_SQPOLL");
    }
    if has(IORING_SETUP_SQ_REWIND) && no_sqarray == Some(false) {
        return conflict("IORING_SETUP_SQ_REWIND", "needs IORING_SETUP_NO_SQARRAY");
    }
    if has(IORING_SETUP_SQ_REWIND) {
        // The kernel ignores the SQ head and tail in this mode and reads
        // from slot 0 on every submit; this crate's queue publishes a
        // tail, so the kernel would submit stale entries again.
        return conflict(
            "IORING_SETUP_SQ_REWIND",
            "ring-core's submission queue publishes a tail, which the kernel ignores in this mode (it reads \
             from slot 0 at every submit and would issue stale entries again)",
        );
    }
    if has(IORING_SETUP_ATTACH_WQ) && (params.wq_fd as i32) < 0 {
        return Err(Error::BadFd(params.wq_fd as i32));
    }
    Ok(())
}

/// Turns a setup failure into the most precise error we can name: for
/// `EINVAL`, the flag of `flags` this kernel does not know, found by trying
/// each alone on a tiny ring (with `sq_thread_cpu`, the CPU asked for).
pub(crate) fn explain<K: Kernel>(kernel: &K, flags: u32, sq_thread_cpu: u32, errno: Errno) -> Error {
    match errno.raw() {
        libc::ENOSYS | libc::EPERM => Error::Unavailable { errno },
        libc::ENOMEM => {
            let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            // SAFETY: getrlimit writes one rlimit.
            let ok = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } == 0;
            if ok && lim.rlim_cur != libc::RLIM_INFINITY {
                Error::MemlockLimit { limit: lim.rlim_cur, errno }
            } else {
                Error::syscall(Call::Setup, errno)
            }
        }
        libc::EINVAL => {
            // Find a flag this kernel does not know: try each one alone
            // (with the flags it cannot go without) on a tiny ring.
            for (bit, name, _) in SETUP_FLAGS.iter().rev() {
                if flags & bit == 0 {
                    continue;
                }
                let mut p = io_uring_params::default();
                p.flags = match *bit {
                    IORING_SETUP_SQ_AFF => bit | IORING_SETUP_SQPOLL,
                    IORING_SETUP_TASKRUN_FLAG => bit | IORING_SETUP_COOP_TASKRUN,
                    IORING_SETUP_DEFER_TASKRUN => bit | IORING_SETUP_SINGLE_ISSUER,
                    IORING_SETUP_HYBRID_IOPOLL => bit | IORING_SETUP_IOPOLL,
                    IORING_SETUP_CQSIZE => {
                        p.cq_entries = 2;
                        *bit
                    }
                    // These need ring memory to test: a one-entry ring
                    // on memory allocated for the probe (with NO_MMAP,
                    // which REGISTERED_FD_ONLY needs).
                    IORING_SETUP_NO_MMAP | IORING_SETUP_REGISTERED_FD_ONLY => {
                        let extra = *bit & IORING_SETUP_REGISTERED_FD_ONLY;
                        match probe_no_mmap(kernel, extra) {
                            Err(e) if e.raw() == libc::EINVAL => {
                                return Error::UnsupportedSetupFlag { flag: name, errno: e }
                            }
                            _ => continue,
                        }
                    }
                    // This needs another ring to test alone; its rule
                    // (a descriptor that can be one) was checked by
                    // `validate`.
                    IORING_SETUP_ATTACH_WQ => continue,
                    _ => *bit,
                };
                p.sq_thread_cpu = sq_thread_cpu;
                match kernel.setup(1, &mut p) {
                    Ok(fd) => kernel.close(fd),
                    Err(e) if e.raw() == libc::EINVAL => return Error::UnsupportedSetupFlag { flag: name, errno: e },
                    Err(_) => {}
                }
            }
            Error::syscall(Call::Setup, errno)
        }
        _ => Error::syscall(Call::Setup, errno),
    }
}

/// Sets up a one-entry `IORING_SETUP_NO_MMAP` ring (with `extra` flags) on
/// memory allocated for it and releases it at once: whether `kernel` knows
/// the flags. `Err` carries the setup errno (ENOMEM when the memory could
/// not even be allocated, which blames no flag).
fn probe_no_mmap<K: Kernel>(kernel: &K, extra: u32) -> core::result::Result<(), Errno> {
    let mut p = io_uring_params::default();
    p.flags = IORING_SETUP_NO_MMAP | extra;
    let Ok(memory) = memory::prepare_no_mmap(1, &mut p, NoMmapMemory::Allocate) else {
        return Err(Errno::new(libc::ENOMEM));
    };
    let r = kernel.setup(1, &mut p);
    if let Ok(fd) = r {
        if extra & IORING_SETUP_REGISTERED_FD_ONLY != 0 {
            // The ring has no descriptor, only this index in the task's
            // registered-ring table; dropping the registration releases it.
            let up = io_uring_rsrc_update { offset: fd as u32, resv: 0, data: 0 };
            // SAFETY: one valid io_uring_rsrc_update, read during the call.
            let _ = unsafe {
                kernel.register(
                    fd as u32,
                    IORING_UNREGISTER_RING_FDS | IORING_REGISTER_USE_REGISTERED_RING,
                    (&raw const up).cast(),
                    1,
                )
            };
        } else {
            kernel.close(fd);
        }
    }
    // SAFETY: nothing uses the memory any more; a kernel that set the ring
    // up holds its own references to the pages until its teardown ends,
    // and the mappings are anonymous, so unmapping them cannot hand the
    // pages to anything else meanwhile.
    unsafe { memory.release(kernel) };
    r.map(drop)
}
