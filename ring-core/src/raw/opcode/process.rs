//! The process's children and memory: waiting for a child, futexes, and
//! memory advice.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{FutexWait, FutexWaitV, FutexWake, Madvise, WaitId};
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut buf = [0u8; 64];
//! // SAFETY: these C structures are plain integers and pointers, for
//! // which all-zero is a valid value.
//! let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
//! let waitv = [ring_core::sys::futex_waitv::default()];
//! let word = 0u32;
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let futex_wait = FutexWait::new(&raw const word, 0)
//!     .mask(0)
//!     .futex_flags(0)
//!     .build();
//! assert_eq!(futex_wait.into_sqe().opcode, FutexWait::CODE);
//! let futex_wait_v = FutexWaitV::new(waitv.as_ptr(), 64)
//!     .build();
//! assert_eq!(futex_wait_v.into_sqe().opcode, FutexWaitV::CODE);
//! let futex_wake = FutexWake::new(&raw const word, 64)
//!     .mask(0)
//!     .futex_flags(0)
//!     .build();
//! assert_eq!(futex_wake.into_sqe().opcode, FutexWake::CODE);
//! let madvise = Madvise::new(buf.as_ptr().cast(), 64, 0)
//!     .build();
//! assert_eq!(madvise.into_sqe().opcode, Madvise::CODE);
//! let wait_id = WaitId::new(libc::P_ALL, 0, 0, &raw mut info)
//!     .build();
//! assert_eq!(wait_id.into_sqe().opcode, WaitId::CODE);
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe};
use crate::raw::types::Entry;
use core::ffi::c_void;
use ring_sys::*;

opcode! {
    /// Waits for a child process to change state, like `waitid(2)`:
    /// `io_uring_prep_waitid(3)`. Linux 6.7.
    ///
    /// Required: the id type (`P_PID`, `P_PGID`, `P_ALL`, `P_PIDFD`), the
    /// id, the `W*` options (`WEXITED` and friends) and where to store the
    /// `siginfo_t` (may be null), which must stay valid until the
    /// completion. The result is 0.
    pub struct WaitId {
        idtype: libc::idtype_t,
        id: libc::id_t,
        options: i32,
        infop: *mut libc::siginfo_t,
        ;;
    }

    pub const CODE = IORING_OP_WAITID;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let WaitId { idtype, id, options, infop } = self;
        let mut sqe = sqe(Self::CODE, id as i32);
        // `idtype_t` is unsigned on most Linux targets and signed on
        // Android; the kernel reads the bits as an unsigned word either way.
        #[allow(clippy::unnecessary_cast)]
        let which = idtype as u32;
        sqe.len = which;
        sqe.set_file_index(options as u32);
        sqe.set_off(ptr(infop));
        Entry::from_sqe(sqe)
    }
}

/// The futex2 flags the futex builders default to: a 32-bit futex private
/// to this process.
const FUTEX_DEFAULT_FLAGS: u32 = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;

/// A futex mask matching every waiter (`FUTEX_BITSET_MATCH_ANY`).
const FUTEX_MATCH_ANY: u64 = 0xffff_ffff;

opcode! {
    /// Waits on a futex while it holds `val`, like `futex_wait(2)`:
    /// `io_uring_prep_futex_wait(3)`. Linux 6.7.
    ///
    /// Required: the futex word and the value it must hold for the wait to
    /// start (otherwise the result is `-EAGAIN`). The result is 0 once
    /// woken. The futex word must stay valid until the completion.
    pub struct FutexWait {
        futex: *const u32,
        val: u64,
        ;;
        /// The wait's bit mask (only wakes with an overlapping mask wake
        /// it); default all ones (`FUTEX_BITSET_MATCH_ANY`).
        mask: u64 = FUTEX_MATCH_ANY,
        /// `FUTEX2_*` flags; default `FUTEX2_SIZE_U32 | FUTEX2_PRIVATE`.
        futex_flags: u32 = FUTEX_DEFAULT_FLAGS,
    }

    pub const CODE = IORING_OP_FUTEX_WAIT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWait { futex, val, mask, futex_flags } = self;
        // The futex2 flags travel in the descriptor field; the SQE's own
        // `futex_flags` word is reserved and must stay 0.
        let mut sqe = sqe(Self::CODE, futex_flags as i32);
        sqe.set_addr(ptr(futex));
        sqe.set_off(val);
        sqe.set_addr3(mask);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Wakes up to `count` waiters of a futex, like `futex_wake(2)`:
    /// `io_uring_prep_futex_wake(3)`. Linux 6.7.
    ///
    /// Required: the futex word and the most waiters to wake. The result
    /// is the number woken. The futex word must stay valid until the
    /// completion.
    pub struct FutexWake {
        futex: *const u32,
        count: u64,
        ;;
        /// Wake only waiters whose mask overlaps this one; default all ones.
        mask: u64 = FUTEX_MATCH_ANY,
        /// `FUTEX2_*` flags; default `FUTEX2_SIZE_U32 | FUTEX2_PRIVATE`.
        futex_flags: u32 = FUTEX_DEFAULT_FLAGS,
    }

    pub const CODE = IORING_OP_FUTEX_WAKE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWake { futex, count, mask, futex_flags } = self;
        let mut sqe = sqe(Self::CODE, futex_flags as i32);
        sqe.set_addr(ptr(futex));
        sqe.set_off(count);
        sqe.set_addr3(mask);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Waits on several futexes at once, like `futex_waitv(2)`:
    /// `io_uring_prep_futex_waitv(3)`. Linux 6.7.
    ///
    /// Required: the array of [`futex_waitv`] and its length (at most
    /// `FUTEX_WAITV_MAX`). The array and the futex words must stay valid
    /// until the completion. The result is the index of the futex that
    /// woke the wait.
    pub struct FutexWaitV {
        futexv: *const futex_waitv,
        nr: u32,
        ;;
    }

    pub const CODE = IORING_OP_FUTEX_WAITV;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWaitV { futexv, nr } = self;
        let mut sqe = sqe(Self::CODE, 0);
        sqe.set_addr(ptr(futexv));
        sqe.len = nr;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Declares a memory access pattern, like `madvise(2)`:
    /// `io_uring_prep_madvise(3)` / `io_uring_prep_madvise64(3)`. Linux 5.6.
    ///
    /// Required: the start of the range (page-aligned), its length and the
    /// `MADV_*` advice. The range must stay mapped until the completion.
    /// Advice is only a hint for most values; success says the kernel
    /// accepted it. A length that does not fit in 32 bits goes in
    /// `sqe.off`, which only Linux 6.8 and later read.
    pub struct Madvise {
        addr: *const c_void,
        len: u64,
        advice: i32,
        ;;
    }

    pub const CODE = IORING_OP_MADVISE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Madvise { addr, len, advice } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(addr));
        match u32::try_from(len) {
            Ok(l) => sqe.len = l,
            Err(_) => sqe.set_off(len),
        }
        sqe.set_fadvise_advice(advice as u32);
        Entry::from_sqe(sqe)
    }
}
