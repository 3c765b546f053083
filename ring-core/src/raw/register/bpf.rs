//! Classic BPF request filters: `IORING_REGISTER_BPF_FILTER` (37), on a
//! ring or, with no ring, on the calling task (Linux 7.0).
//!
//! A filter is a classic BPF program (the seccomp kind) attached to one
//! opcode. It runs for each request of that opcode on a
//! `struct io_uring_bpf_ctx` (user data, opcode, flags and, for some
//! opcodes, their arguments) and returns 0 to deny the request, which then
//! completes with `-EACCES`, or non-zero to let it run. The kernel copies
//! the program, so nothing here keeps application memory.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::register::call::register_blind;
use crate::raw::ring::Ring;
use ring_sys::*;

/// The longest classic BPF program (`BPF_MAXINSNS`).
const MAX_INSNS: usize = 4096;

/// A filter for one opcode.
#[derive(Debug, Clone, Copy)]
pub struct BpfFilter<'a> {
    /// The `IORING_OP_*` opcode it filters.
    pub opcode: u8,
    /// The program.
    pub program: &'a [libc::sock_filter],
    /// The size of the opcode-specific data the program expects in its
    /// context (`pdu_size`).
    pub pdu_size: u8,
    /// Also deny every opcode that has no filter
    /// (`IO_URING_BPF_FILTER_DENY_REST`).
    pub deny_rest: bool,
    /// Fail the registration if the kernel's idea of `pdu_size` differs
    /// (`IO_URING_BPF_FILTER_SZ_STRICT`).
    pub strict_size: bool,
}

impl BpfFilter<'_> {
    fn to_raw(self) -> Result<io_uring_bpf, crate::error::Error> {
        if self.program.is_empty() {
            return Err(Error::InvalidArgument("an empty BPF program"));
        }
        if self.program.len() > MAX_INSNS {
            return Err(Error::TooLong { what: "BPF program", len: self.program.len(), max: MAX_INSNS });
        }
        let filter = io_uring_bpf_filter {
            opcode: u32::from(self.opcode),
            flags: (if self.deny_rest { IO_URING_BPF_FILTER_DENY_REST } else { 0 })
                | (if self.strict_size { IO_URING_BPF_FILTER_SZ_STRICT } else { 0 }),
            filter_len: self.program.len() as u32,
            pdu_size: self.pdu_size,
            filter_ptr: self.program.as_ptr() as u64,
            ..Default::default()
        };
        Ok(io_uring_bpf {
            cmd_type: IO_URING_BPF_CMD_FILTER,
            cmd_flags: 0,
            resv: 0,
            filter: io_uring_bpf_cmd { filter },
        })
    }
}

/// The number of register opcodes a kernel with BPF filters knows (7.0).
const BPF_KERNEL_OPS: u32 = IORING_REGISTER_BPF_FILTER + 1;

impl<K: Kernel> Ring<K> {
    /// Attaches `filter` to this ring (`IORING_REGISTER_BPF_FILTER`, Linux
    /// 7.0). Older kernels answer with [`Error::UnsupportedRegister`].
    pub fn register_bpf_filter(&self, filter: &BpfFilter<'_>) -> Result<(), crate::error::Error> {
        let raw = filter.to_raw()?;
        // SAFETY: `raw` and the program it points to are read (the program
        // copied) during the call.
        unsafe { self.register_typed(IORING_REGISTER_BPF_FILTER, (&raw const raw).cast(), 1) }?;
        Ok(())
    }
}

/// Attaches `filter` to the calling task: every ring it (or a child forked
/// later) creates from now on runs it (`IORING_REGISTER_BPF_FILTER` with fd
/// -1, Linux 7.0). Like seccomp, it needs `PR_SET_NO_NEW_PRIVS` or
/// `CAP_SYS_ADMIN`, and it cannot be undone.
pub fn register_task_bpf_filter<K: Kernel>(kernel: &K, filter: &BpfFilter<'_>) -> Result<(), crate::error::Error> {
    let raw = filter.to_raw()?;
    // SAFETY: `raw` and the program it points to are read during the call.
    unsafe { register_blind(kernel, IORING_REGISTER_BPF_FILTER, (&raw const raw).cast(), 1, BPF_KERNEL_OPS) }?;
    Ok(())
}
