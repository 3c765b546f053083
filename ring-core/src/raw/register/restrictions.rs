//! Restrictions: `IORING_REGISTER_RESTRICTIONS` (11), on a ring (5.10) or,
//! with no ring, on the calling task (7.0).
//!
//! A ring set up with `IORING_SETUP_R_DISABLED` can be given an allow-list
//! before [`Ring::enable`] starts it: which SQE opcodes it runs, which SQE
//! flags those may carry (and which they must), and which register
//! operations it accepts. Once enabled, anything else fails with EACCES:
//! an SQE gets a completion with `-EACCES`, a register call returns it.
//! This is how a ring handed to less trusted code is confined.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::register::call::register_blind;
use crate::raw::ring::Ring;
use ring_sys::*;

/// One entry of an allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restriction {
    /// Allow this `IORING_REGISTER_*` operation
    /// (`IORING_RESTRICTION_REGISTER_OP`).
    RegisterOp(u8),
    /// Allow this `IORING_OP_*` opcode (`IORING_RESTRICTION_SQE_OP`).
    SqeOp(u8),
    /// Allow only these `IOSQE_*` flags on SQEs
    /// (`IORING_RESTRICTION_SQE_FLAGS_ALLOWED`); the last one given counts.
    SqeFlagsAllowed(u8),
    /// Require these `IOSQE_*` flags on every SQE
    /// (`IORING_RESTRICTION_SQE_FLAGS_REQUIRED`); the last one given counts.
    SqeFlagsRequired(u8),
}

impl Restriction {
    /// The kernel's form.
    pub fn to_raw(self) -> io_uring_restriction {
        let mut r = io_uring_restriction::zeroed();
        match self {
            Restriction::RegisterOp(op) => {
                r.opcode = IORING_RESTRICTION_REGISTER_OP;
                r.set_register_op(op);
            }
            Restriction::SqeOp(op) => {
                r.opcode = IORING_RESTRICTION_SQE_OP;
                r.set_sqe_op(op);
            }
            Restriction::SqeFlagsAllowed(f) => {
                r.opcode = IORING_RESTRICTION_SQE_FLAGS_ALLOWED;
                r.set_sqe_flags(f);
            }
            Restriction::SqeFlagsRequired(f) => {
                r.opcode = IORING_RESTRICTION_SQE_FLAGS_REQUIRED;
                r.set_sqe_flags(f);
            }
        }
        r
    }
}

/// The most entries any kernel accepts in one list: its
/// `IORING_MAX_RESTRICTIONS` is the number of restriction kinds plus the
/// numbers of register and SQE opcodes it knows, which is at most this on
/// every kernel up to the ABI this crate describes.
const MAX_RESTRICTIONS: usize = IORING_RESTRICTION_LAST as usize + IORING_REGISTER_LAST as usize + 65;

fn check(list: &[Restriction]) -> Result<(), crate::error::Error> {
    if list.len() > MAX_RESTRICTIONS {
        return Err(Error::TooLong { what: "restriction count", len: list.len(), max: MAX_RESTRICTIONS });
    }
    if list.iter().any(|r| matches!(r, Restriction::RegisterOp(op) if u32::from(*op) >= IORING_REGISTER_LAST)) {
        return Err(Error::InvalidArgument("restriction names an unknown register operation"));
    }
    Ok(())
}

impl<K: Kernel> Ring<K> {
    /// Registers the allow-list `list` (`IORING_REGISTER_RESTRICTIONS`,
    /// Linux 5.10). The ring must have been set up with
    /// `IORING_SETUP_R_DISABLED` ([`crate::Builder::r_disabled`]) and not be
    /// enabled yet, and a ring takes one list only (EBUSY). The list takes
    /// effect at [`Ring::enable`].
    ///
    /// Allow the register operations the ring's later use needs: with a
    /// registered index, even probing is a register call.
    pub fn register_restrictions(&self, list: &[Restriction]) -> Result<(), crate::error::Error> {
        if self.params.flags & IORING_SETUP_R_DISABLED == 0 {
            return Err(Error::NotConfigured("restrictions need a ring set up with IORING_SETUP_R_DISABLED"));
        }
        check(list)?;
        let raw: Vec<io_uring_restriction> = list.iter().map(|r| r.to_raw()).collect();
        // SAFETY: `raw` is a live array of `len` restrictions read during
        // the call (a non-null pointer even when empty, as the kernel wants).
        let r = unsafe { self.register_typed(IORING_REGISTER_RESTRICTIONS, raw.as_ptr().cast(), raw.len() as u32) };
        match r {
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::EBADFD => {
                Err(Error::NotConfigured("restrictions must be registered before the ring is enabled"))
            }
            r => r.map(drop),
        }
    }
}

/// Restricts every ring the calling task (and the children it forks later)
/// creates from now on (`IORING_REGISTER_RESTRICTIONS` with fd -1, Linux
/// 7.0). A task can do this once; like seccomp, it needs
/// `PR_SET_NO_NEW_PRIVS` or `CAP_SYS_ADMIN`. Rings that exist already are
/// not affected. There is no way back, so tests and libraries should only
/// call it on purpose.
pub fn register_task_restrictions<K: Kernel>(kernel: &K, list: &[Restriction]) -> Result<(), crate::error::Error> {
    check(list)?;
    let nr_res = u16::try_from(list.len()).map_err(|_| Error::TooLong {
        what: "restriction count",
        len: list.len(),
        max: u16::MAX as usize,
    })?;
    // The header and the entries are both 16 bytes with 4-byte alignment, so
    // one vector of restrictions holds both: the header in slot 0.
    let mut buf: Vec<io_uring_restriction> = Vec::with_capacity(list.len() + 1);
    buf.push(io_uring_restriction::zeroed());
    buf.extend(list.iter().map(|r| r.to_raw()));
    let hdr = io_uring_task_restriction { flags: 0, nr_res, resv: [0; 3], restrictions: [] };
    const _: () =
        assert!(core::mem::size_of::<io_uring_task_restriction>() == core::mem::size_of::<io_uring_restriction>());
    const _: () =
        assert!(core::mem::align_of::<io_uring_task_restriction>() <= core::mem::align_of::<io_uring_restriction>());
    // SAFETY: slot 0 is 16 bytes, aligned for the header (asserted above),
    // and owned by `buf`; every bit pattern is valid for the plain-integer
    // restriction struct that occupies it.
    unsafe { buf.as_mut_ptr().cast::<io_uring_task_restriction>().write(hdr) };
    // SAFETY: `buf` is a header followed by `nr_res` restrictions, read
    // during the call. Blind task restrictions exist from the kernel that
    // knows 38 register opcodes (7.0) on.
    unsafe { register_blind(kernel, IORING_REGISTER_RESTRICTIONS, buf.as_ptr().cast(), 1, 38) }?;
    Ok(())
}
