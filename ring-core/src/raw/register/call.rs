//! The register system call with this crate's typed errors: through the
//! ring's registered index or its descriptor, ring-less ("blind") calls,
//! and the classification of a failure (an operation this kernel does not
//! know, a memory-lock limit, or the errno).
#![allow(unsafe_code)]

use crate::error::{Call, Error, Result};
use crate::kernel::Kernel;
use crate::raw::probe::{register_ops_exact, register_ops_known};
use crate::raw::ring::Ring;
use core::ffi::{c_uint, c_void};
use ring_sys::Errno;

/// The descriptor value that makes `io_uring_register(2)` run a "blind"
/// operation, one that needs no ring (`-1` as the kernel's `unsigned int`).
const BLIND_FD: c_uint = u32::MAX;

impl<K: Kernel> Ring<K> {
    /// `io_uring_register(2)` on this ring with the typed errors of this
    /// module (see the module documentation).
    ///
    /// # Safety
    ///
    /// As for [`Ring::register_raw`]: `arg` points to what `opcode`
    /// expects, with `nr_args` as the kernel reads it, and memory a
    /// registration keeps outlives the registration.
    pub(crate) unsafe fn register_typed(&self, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32> {
        // SAFETY: forwarded contract.
        unsafe { self.register_to(self.register_target(), opcode, arg, nr_args) }
    }

    /// As [`register_typed`](Self::register_typed), through the ring's
    /// descriptor when it has one: for the calls after which memory or a
    /// registered file is given up (see the module documentation).
    ///
    /// # Safety
    ///
    /// As for [`register_typed`](Self::register_typed).
    pub(crate) unsafe fn register_releasing(&self, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32> {
        // SAFETY: forwarded contract.
        unsafe { self.register_to(self.release_target(), opcode, arg, nr_args) }
    }

    /// # Safety
    ///
    /// As for [`register_typed`](Self::register_typed); `target` is this
    /// ring's descriptor or registered index and the bit that says which.
    unsafe fn register_to(&self, target: (c_uint, u32), opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32> {
        let (fd, bit) = target;
        // SAFETY: forwarded contract; `fd` is this ring's descriptor or
        // registered index, and `bit` says which.
        let r = unsafe { self.kernel.register(fd, opcode | bit, arg, nr_args) };
        r.map_err(|e| self.register_failure(opcode, e))
    }

    /// Types the failure `e` of register operation `opcode` on this ring.
    pub(crate) fn register_failure(&self, opcode: u32, e: Errno) -> Error {
        classify(opcode, e, opcode + 1, || register_ops_known(&self.kernel, Some(self)))
    }

    /// As [`register_typed`](Self::register_typed), for operations that pin
    /// memory: `ENOMEM` there means the `RLIMIT_MEMLOCK` budget is spent
    /// (it is charged only to tasks without `CAP_IPC_LOCK`), and becomes
    /// [`Error::MemlockLimit`] when the limit is finite.
    ///
    /// # Safety
    ///
    /// As for [`register_typed`](Self::register_typed).
    pub(crate) unsafe fn register_pinning(&self, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32> {
        // SAFETY: forwarded contract.
        match unsafe { self.register_typed(opcode, arg, nr_args) } {
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::ENOMEM => Err(memlock_error(opcode, errno)),
            r => r,
        }
    }
}

/// `io_uring_register(2)` with no ring (fd -1): the "blind" operations
/// `IORING_REGISTER_SEND_MSG_RING` (6.13), `IORING_REGISTER_QUERY` (6.18),
/// and the task-wide `IORING_REGISTER_RESTRICTIONS` and
/// `IORING_REGISTER_BPF_FILTER` (7.0). `needs_ops` is the number of register
/// opcodes a kernel must know for the blind form to exist.
///
/// # Safety
///
/// `arg` points to what `opcode` expects, with `nr_args` as the kernel
/// reads it.
pub(crate) unsafe fn register_blind<K: Kernel>(
    kernel: &K,
    opcode: u32,
    arg: *const c_void,
    nr_args: u32,
    needs_ops: u32,
) -> Result<u32> {
    // SAFETY: forwarded contract; fd -1 names no ring.
    let r = unsafe { kernel.register(BLIND_FD, opcode, arg, nr_args) };
    r.map_err(|e| classify_blind(opcode, e, needs_ops, || register_ops_exact(kernel)))
}

/// Types the failure of a ring-less call. A kernel without the ring-less
/// form of an operation it knows takes the -1 for a descriptor and answers
/// EBADF (task restrictions before 7.0, for example), which no ring-less
/// call can mean otherwise when the kernel is too old for it; so EBADF
/// counts like EINVAL and EOPNOTSUPP when the kernel knows fewer than
/// `needs_ops` register opcodes.
fn classify_blind(opcode: u32, e: Errno, needs_ops: u32, known: impl FnOnce() -> Option<u32>) -> Error {
    if e.raw() == libc::EBADF {
        if let Some(n) = known() {
            if n < needs_ops {
                return Error::UnsupportedRegister { opcode, errno: e };
            }
        }
        return Error::Syscall { call: Call::Register(opcode), errno: e };
    }
    classify(opcode, e, needs_ops, known)
}

/// Types a register failure: `EINVAL` or `EOPNOTSUPP` from a kernel that
/// knows fewer than `needs_ops` register opcodes means the operation is
/// missing, not that its arguments were wrong.
fn classify(opcode: u32, e: Errno, needs_ops: u32, known: impl FnOnce() -> Option<u32>) -> Error {
    if matches!(e.raw(), libc::EINVAL | libc::EOPNOTSUPP) {
        if let Some(n) = known() {
            if n < needs_ops {
                return Error::UnsupportedRegister { opcode, errno: e };
            }
        }
    }
    Error::Syscall { call: Call::Register(opcode), errno: e }
}

/// `ENOMEM` from a pinning registration, typed: with a finite
/// `RLIMIT_MEMLOCK` it is the limit that was hit.
pub(crate) fn memlock_error(opcode: u32, errno: Errno) -> Error {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit, which lives on our stack.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut lim) } == 0;
    if ok && lim.rlim_cur != libc::RLIM_INFINITY {
        Error::MemlockLimit { limit: lim.rlim_cur, errno }
    } else {
        Error::Syscall { call: Call::Register(opcode), errno }
    }
}
