//! No-ops, in 64- and 128-byte entries: they complete without doing I/O,
//! and exercise the kernel paths their options name.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{Nop, Nop128};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let nop = Nop::new()
//!     .inject_result(0)
//!     .file(fd)
//!     .fixed_buffer(0)
//!     .task_work(true)
//!     .cqe32([8, 9])
//!     .build();
//! assert_eq!(nop.into_sqe().opcode, Nop::CODE);
//! let nop128 = Nop128::new()
//!     .inject_result(0)
//!     .build();
//! assert_eq!(nop128.into_sqe().sqe.opcode, Nop128::CODE);
//!
//! // Pushed and run on a raw ring.
//! let mut ring = ring_core::Ring::new(4)?;
//! let entry = Nop::new().build().user_data(1).into_sqe();
//! // SAFETY: a NOP touches no memory.
//! unsafe { ring.sq().push(&entry) }.expect("the SQ has room");
//! ring.submit_and_wait(1)?;
//! let cqe = ring.cq().pop().expect("its completion");
//! assert_eq!((cqe.user_data, cqe.res), (1, 0));
//! # Ok(())
//! # }
//! ```

use super::sqe;
use crate::raw::types::{Entry, Entry128, Target};
use ring_sys::*;

opcode! {
    /// Does nothing and completes with 0: `io_uring_prep_nop(3)`. Linux 5.1.
    ///
    /// The optional fields exercise paths of the kernel (6.10 and later)
    /// without side effects: an injected result, a file or registered
    /// buffer lookup, completion through task work, a 32-byte completion.
    /// Points at no memory.
    pub struct Nop {
        ;;
        /// Complete with this result instead of 0 (`IORING_NOP_INJECT_RESULT`,
        /// 6.10); default: none.
        inject_result: Option<i32> [i32] = None,
        /// Look up this file first (`IORING_NOP_FILE`, with
        /// `IORING_NOP_FIXED_FILE` for a registered one, 6.13), failing
        /// with `EBADF` if it does not exist; default: none.
        file: Option<Target> [impl Into<Target>] = None,
        /// Look up this registered buffer first (`IORING_NOP_FIXED_BUFFER`,
        /// 6.13); default: none.
        fixed_buffer: Option<u16> [u16] = None,
        /// Complete through task work (`IORING_NOP_TW`, 6.17); default false.
        task_work: bool = false,
        /// Post a 32-byte completion carrying these two words
        /// (`IORING_NOP_CQE32`, 6.18; needs a `CQE32` or `CQE_MIXED`
        /// ring); default: none.
        cqe32: Option<[u64; 2]> [[u64; 2]] = None,
    }

    pub const CODE = IORING_OP_NOP;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Nop { inject_result, file, fixed_buffer, task_work, cqe32 } = self;
        Entry::from_sqe(nop_sqe(Self::CODE, inject_result, file, fixed_buffer, task_work, cqe32))
    }
}

impl Default for Nop {
    /// A plain NOP, as [`Nop::new`].
    fn default() -> Self {
        Nop::new()
    }
}

/// The SQE of a NOP or NOP128 with the given `nop_flags` options.
fn nop_sqe(
    code: u8,
    inject_result: Option<i32>,
    file: Option<Target>,
    fixed_buffer: Option<u16>,
    task_work: bool,
    cqe32: Option<[u64; 2]>,
) -> io_uring_sqe {
    let mut sqe = sqe(code, -1);
    let mut flags = 0;
    if let Some(r) = inject_result {
        flags |= IORING_NOP_INJECT_RESULT;
        sqe.len = r as u32;
    }
    if let Some(t) = file {
        // The NOP names a registered file through its own flag, not
        // through IOSQE_FIXED_FILE: the opcode has no file of its own.
        flags |= IORING_NOP_FILE;
        if t.is_fixed() {
            flags |= IORING_NOP_FIXED_FILE;
        }
        sqe.fd = t.raw();
    }
    if let Some(b) = fixed_buffer {
        flags |= IORING_NOP_FIXED_BUFFER;
        sqe.set_buf_index(b);
    }
    if task_work {
        flags |= IORING_NOP_TW;
    }
    if let Some([a, b]) = cqe32 {
        flags |= IORING_NOP_CQE32;
        sqe.set_off(a);
        sqe.set_addr(b);
    }
    sqe.set_nop_flags(flags);
    sqe
}

opcode! {
    /// Does nothing, in a 128-byte entry of a ring set up with
    /// `IORING_SETUP_SQE_MIXED`: `io_uring_prep_nop128(3)`. Linux 6.19.
    ///
    /// Push it with [`SubmissionQueue::push128`](crate::SubmissionQueue::push128).
    /// Points at no memory.
    pub struct Nop128 {
        ;;
        /// Complete with this result instead of 0; default: none.
        inject_result: Option<i32> [i32] = None,
    }

    pub const CODE = IORING_OP_NOP128;

    /// Builds the 128-byte entry.
    pub fn build(self) -> Entry128 {
        let Nop128 { inject_result } = self;
        Entry128::from_entry(Entry::from_sqe(nop_sqe(
            Self::CODE,
            inject_result,
            None,
            None,
            false,
            None,
        )))
    }
}

impl Default for Nop128 {
    /// A plain NOP128, as [`Nop128::new`].
    fn default() -> Self {
        Nop128::new()
    }
}
