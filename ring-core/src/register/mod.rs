//! Typed registration: one method on [`Ring`] for every
//! `io_uring_register(2)` operation, from `IORING_REGISTER_BUFFERS` (0) to
//! `IORING_REGISTER_BPF_FILTER` (37).
//!
//! Every method checks its input before the kernel sees it (counts, lengths,
//! alignment, descriptors), so a request the kernel would certainly refuse
//! comes back as [`Error::TooLong`], [`Error::InvalidArgument`] or
//! [`Error::BadFd`] and never as a panic. What the kernel refuses comes back
//! typed as well:
//!
//! - [`Error::UnsupportedRegister`] when this kernel does not know the
//!   operation: it answered `EINVAL` or `EOPNOTSUPP` and the operation lies
//!   beyond the register opcodes it knows (asked with
//!   `IORING_REGISTER_QUERY` on 6.18 and later, with one harmless ring-less
//!   call per operation before, see
//!   [`crate::probe::Probe::register_op_supported`]). The ring-less
//!   operations (`send_msg_ring_sync_fd`, `register_task_restrictions`,
//!   `register_task_bpf_filter`) are typed the same way without a ring,
//!   and also when a kernel without their ring-less form took the -1 for a
//!   descriptor (`EBADF`);
//! - [`Error::MemlockLimit`] when pinning memory failed for
//!   `RLIMIT_MEMLOCK`;
//! - [`Error::Syscall`] with [`Call::Register`] and the errno otherwise.
//!
//! Registration goes through the ring's registered index
//! (`IORING_REGISTER_USE_REGISTERED_RING`) whenever the ring has one, as
//! [`Ring::register_raw`] does, except for the calls after which memory or
//! a registered file is given up (unregistering buffers, buffer rings and
//! files, replacing buffers and files): those go through the ring's
//! descriptor when it has one. An index is a name that code outside
//! ring-core can remove from the thread's table and see handed to another
//! ring, and memory must never be freed on the strength of a call that
//! landed on another ring; the descriptor belongs to the ring and no safe
//! code can close it.
//!
//! # Memory the kernel keeps
//!
//! A registration that leaves the kernel holding on to application memory
//! after the call returns (registered buffers, provided-buffer rings,
//! memory regions, zero-copy receive areas) is an `unsafe fn` whose
//! `# Safety` section says what must stay valid and until when. Where an
//! owning wrapper is natural it is provided as well and is safe:
//! [`BufRing`] owns a provided-buffer ring and its buffers, and
//! [`MemRegion`] owns a registered memory region. Closing a ring does not
//! retire its requests synchronously, so "until the ring is dropped" below
//! always means "until the ring is dropped and every request still running
//! in it has finished".
//!
//! See `docs/registration.md` for the table of operations and methods.

mod bpf;
mod buf_ring;
mod buf_ring_writer;
mod buffers;
mod cancel;
mod clock;
mod eventfd;
mod files;
mod iowq;
mod msg_ring;
mod napi;
mod personality;
mod query;
mod region;
mod resize;
mod restrictions;
pub(crate) mod ring_fds;
mod zcrx;

pub use bpf::{register_task_bpf_filter, BpfFilter};
pub use buf_ring::{BufRing, BufRingConfig, MAX_BUF_RING_ENTRIES, MAX_MAPPED_BGID};
pub use buf_ring_writer::{BufRingPointers, BufRingWriter};
pub use buffers::{CloneBuffers, MAX_BUFFERS, MAX_BUFFER_LEN};
pub use cancel::CancelBuilder;
pub use clock::Clock;
pub use files::MAX_FILES;
pub use iowq::IowqMaxWorkers;
pub use msg_ring::send_msg_ring_sync_fd;
pub use napi::{Napi, NapiTracking};
pub use query::{query_kernel, QueryResult};
pub use region::MemRegion;
#[doc(hidden)]
pub use resize::recopy_big_entries;
pub use restrictions::{register_task_restrictions, Restriction};
pub use ring_fds::MAX_REGISTERED_RINGS;
pub use zcrx::{ZcrxArea, ZcrxIfq, ZcrxIfqConfig, ZcrxRefill};

use crate::error::{Call, Error, Result};
use crate::kernel::Kernel;
use crate::ring::Ring;
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
    pub(crate) unsafe fn register_typed(
        &self,
        opcode: u32,
        arg: *const c_void,
        nr_args: u32,
    ) -> Result<u32, crate::Error> {
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
    pub(crate) unsafe fn register_releasing(
        &self,
        opcode: u32,
        arg: *const c_void,
        nr_args: u32,
    ) -> Result<u32, crate::Error> {
        // SAFETY: forwarded contract.
        unsafe { self.register_to(self.release_target(), opcode, arg, nr_args) }
    }

    /// # Safety
    ///
    /// As for [`register_typed`](Self::register_typed); `target` is this
    /// ring's descriptor or registered index and the bit that says which.
    unsafe fn register_to(
        &self,
        target: (c_uint, u32),
        opcode: u32,
        arg: *const c_void,
        nr_args: u32,
    ) -> Result<u32, crate::Error> {
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
    pub(crate) unsafe fn register_pinning(
        &self,
        opcode: u32,
        arg: *const c_void,
        nr_args: u32,
    ) -> Result<u32, crate::Error> {
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
) -> Result<u32, crate::Error> {
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

/// How many register opcodes the kernel knows: its own word when it can
/// give one ([`register_ops_exact`]), else the inference from the opcode
/// probe of `ring`, else unknown.
pub(crate) fn register_ops_known<K: Kernel>(kernel: &K, ring: Option<&Ring<K>>) -> Option<u32> {
    if let Some(n) = register_ops_exact(kernel) {
        return Some(n);
    }
    let probe = crate::probe::Probe::new(ring?).ok()?;
    Some(probe.register_ops().0)
}

/// How many register opcodes the kernel knows, in the kernel's own words:
/// its answer to `IO_URING_QUERY_OPCODES` (6.18 and later), else what one
/// harmless call per operation shows ([`count_register_ops`]); `None` when
/// neither can tell. Needs no ring.
pub(crate) fn register_ops_exact<K: Kernel>(kernel: &K) -> Option<u32> {
    match query::query_opcodes(kernel) {
        Some(q) => Some(q.nr_register_opcodes),
        None => count_register_ops(kernel),
    }
}

/// A descriptor number no process can have open: the kernel caps
/// descriptors at `fs.nr_open`, which is at most 2^30 - 8 or so, far below
/// `i32::MAX`. It is not -1, which asks for a ring-less ("blind") call.
const CLOSED_FD: c_uint = i32::MAX as c_uint;

/// An opcode no kernel knows (register opcodes are numbered densely from 0
/// and number a few dozen).
const UNKNOWN_REGISTER_OP: u32 = 0xffff;

/// Counts the register opcodes the kernel knows without a ring and without
/// touching anything: `io_uring_register(CLOSED_FD, op, NULL, 0)` for each
/// opcode in turn. The kernel checks `opcode >= IORING_REGISTER_LAST`
/// (EINVAL) before it looks the descriptor up (EBADF) —
/// `SYSCALL_DEFINE4(io_uring_register)` in io_uring/register.c, since
/// 5.18 —, so EBADF means "known" and EINVAL "unknown", and no ring is
/// ever reached. Kernels that look the descriptor up first answer EBADF to
/// everything; the call with an opcode nobody knows tells those apart, and
/// for them (and for anything else unexpected) the answer is `None`.
pub(crate) fn count_register_ops<K: Kernel>(kernel: &K) -> Option<u32> {
    // SAFETY: with a null argument and no descriptor behind CLOSED_FD the
    // kernel reads and writes no user memory; it fails before any
    // operation runs.
    let knows = |op: u32| match unsafe { kernel.register(CLOSED_FD, op, core::ptr::null(), 0) } {
        Err(e) if e.raw() == libc::EBADF => Some(true),
        Err(e) if e.raw() == libc::EINVAL => Some(false),
        _ => None,
    };
    if knows(UNKNOWN_REGISTER_OP)? {
        return None;
    }
    let mut n = 0;
    while n < UNKNOWN_REGISTER_OP && knows(n)? {
        n += 1;
    }
    Some(n)
}

/// A behaviour of the kernel that no opcode, register operation or setup
/// flag names, found by trying it on a private ring (see each probe).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Behaviour {
    /// The sync cancel honours the user data next to another criterion
    /// (`cancel::user_data_criterion_honoured`).
    CancelUserData = 0,
    /// The sync cancel honours the opcode criterion
    /// (`cancel::opcode_criterion_honoured`).
    CancelOpcode = 1,
    /// NAPI registration takes a tracking mode (`napi::tracking_modes`).
    NapiTracking = 2,
    /// Provided-buffer rings in kernel memory (`buf_ring::flag_accepted`
    /// with `IOU_PBUF_RING_MMAP`).
    BufRingMapped = 3,
    /// Incremental provided-buffer rings (`buf_ring::flag_accepted` with
    /// `IOU_PBUF_RING_INC`).
    BufRingIncremental = 4,
}

/// What the probes of [`Behaviour`]s found for one ring, two bits each:
/// 0 not asked yet, 1 yes, 2 no. A probe sets up a private ring, so each is
/// asked at most once per ring; a probe that fails (for want of memory,
/// say) is asked again next time. Per ring rather than per process because
/// a ring runs on a [`Kernel`] of its own (the simulated one among them).
#[derive(Debug, Default)]
pub(crate) struct Probed(core::cell::Cell<u32>);

impl Probed {
    /// Whether the kernel has `b`: what an earlier probe found, else what
    /// `probe` finds now (and is kept).
    pub(crate) fn get_or_probe(&self, b: Behaviour, probe: impl FnOnce() -> Result<bool>) -> Result<bool> {
        let shift = 2 * b as u32;
        match (self.0.get() >> shift) & 3 {
            1 => Ok(true),
            2 => Ok(false),
            _ => {
                let yes = probe()?;
                let word = self.0.get() & !(3 << shift);
                self.0.set(word | (if yes { 1 } else { 2 }) << shift);
                Ok(yes)
            }
        }
    }
}

/// A private one-entry ring on `kernel` for a probe: nothing the caller
/// owns is touched, and dropping it undoes whatever the probe registered.
/// Without the SQ array flag and a registered descriptor, the two setup
/// features a kernel may lack, so that any kernel sets it up.
pub(crate) fn probe_ring<K: Kernel>(kernel: &K) -> Result<Ring<&K>> {
    crate::Builder::new(1).no_sqarray(false).register_ring_fd(false).build_on(kernel)
}

/// Whether `e` is the plain `EINVAL` of a register call: the errno a kernel
/// gives for a flag or field it does not know, and for bad arguments alike.
pub(crate) fn is_register_einval(e: &Error) -> bool {
    matches!(e, Error::Syscall { call: Call::Register(_), errno } if errno.raw() == libc::EINVAL)
}

/// The system page size.
pub(crate) fn page_size() -> usize {
    // SAFETY: sysconf has no memory effects.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as usize
    } else {
        4096
    }
}

/// An anonymous private mapping that this module owns and unmaps itself.
///
/// Memory registered with the kernel is allocated this way rather than on
/// the heap for a reason that matters to soundness: the kernel pins the
/// pages of registered buffers, buffer rings and memory regions and reaches
/// them through its own page references. Unmapping such memory while the
/// kernel still holds it only drops the application's view; the pages stay
/// alive until the kernel lets go, and no later allocation can be placed in
/// them. Heap memory, by contrast, is reused by the allocator while still
/// pinned.
#[derive(Debug)]
pub(crate) struct AnonMap {
    pub(crate) ptr: core::ptr::NonNull<u8>,
    pub(crate) len: usize,
}

impl AnonMap {
    /// Maps `len` bytes (rounded up to whole pages) of zeroed memory.
    pub(crate) fn new(len: usize, what: &'static str) -> Result<AnonMap, crate::Error> {
        let page = page_size();
        let len =
            len.max(1).checked_next_multiple_of(page).ok_or(Error::TooLong { what, len, max: isize::MAX as usize })?;
        // SAFETY: a fresh anonymous mapping aliases no Rust object.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            // SAFETY: errno is thread-local and was just set by mmap.
            let errno = Errno::new(unsafe { *libc::__errno_location() });
            return Err(Error::Syscall { call: Call::Mmap, errno });
        }
        let ptr = core::ptr::NonNull::new(ptr.cast::<u8>())
            .ok_or(Error::Syscall { call: Call::Mmap, errno: Errno::new(libc::ENOMEM) })?;
        Ok(AnonMap { ptr, len })
    }

    /// Gives the mapping up without unmapping it, for memory the kernel may
    /// still reach through user addresses.
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for AnonMap {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by `AnonMap::new`, is unmapped once,
        // and every owner drops it only when nothing reaches the memory
        // through its user address any more (see each owner).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

impl<K: Kernel> Ring<K> {
    /// What this kernel supports: opcodes (`IORING_REGISTER_PROBE`, Linux
    /// 5.6), features, and register operations (see [`crate::Probe`]).
    pub fn probe(&self) -> Result<crate::Probe, crate::Error> {
        crate::Probe::new(self)
    }
}
