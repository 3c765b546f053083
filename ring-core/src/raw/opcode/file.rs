//! What is done to an open file's data besides reading and writing it:
//! syncing, allocating, advising, truncating, and moving it between
//! descriptors (splice, tee).
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{Fadvise, Fallocate, Fsync, Ftruncate, Splice, SyncFileRange, Tee};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let fadvise = Fadvise::new(fd, 64, 0)
//!     .offset(0)
//!     .build();
//! assert_eq!(fadvise.into_sqe().opcode, Fadvise::CODE);
//! let fallocate = Fallocate::new(fd, 64)
//!     .offset(0)
//!     .mode(0)
//!     .build();
//! assert_eq!(fallocate.into_sqe().opcode, Fallocate::CODE);
//! let fsync = Fsync::new(fd)
//!     .flags(0)
//!     .offset(0)
//!     .len(64)
//!     .build();
//! assert_eq!(fsync.into_sqe().opcode, Fsync::CODE);
//! let ftruncate = Ftruncate::new(fd, 64)
//!     .build();
//! assert_eq!(ftruncate.into_sqe().opcode, Ftruncate::CODE);
//! let splice = Splice::new(fd, 0, fd, 0, 64)
//!     .flags(0)
//!     .build();
//! assert_eq!(splice.into_sqe().opcode, Splice::CODE);
//! let sync_file_range = SyncFileRange::new(fd, 64)
//!     .offset(0)
//!     .flags(0)
//!     .build();
//! assert_eq!(sync_file_range.into_sqe().opcode, SyncFileRange::CODE);
//! let tee = Tee::new(fd, fd, 64)
//!     .flags(0)
//!     .build();
//! assert_eq!(tee.into_sqe().opcode, Tee::CODE);
//! # Ok(())
//! # }
//! ```

use super::sqe_on;
use crate::raw::types::{Entry, Target};
use ring_sys::*;

opcode! {
    /// Flushes a file to storage, like `fsync(2)`, or with
    /// `IORING_FSYNC_DATASYNC` like `fdatasync(2)`: `io_uring_prep_fsync(3)`.
    /// Linux 5.1.
    ///
    /// Required: the file. Points at no memory. The kernel flushes the
    /// range `offset .. offset + len`, where `len == 0` means "to the end";
    /// the defaults flush the whole file.
    pub struct Fsync {
        fd: Target [impl Into<Target>],
        ;;
        /// `IORING_FSYNC_*` flags; default 0 (a full `fsync`).
        flags: u32 = 0,
        /// Start of the range to flush; default 0.
        offset: u64 = 0,
        /// Length of the range to flush, 0 for "to the end"; default 0.
        len: u32 = 0,
    }

    pub const CODE = IORING_OP_FSYNC;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fsync { fd, flags, offset, len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_fsync_flags(flags);
        sqe.set_off(offset);
        sqe.len = len;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Flushes part of a file, like `sync_file_range(2)`:
    /// `io_uring_prep_sync_file_range(3)`. Linux 5.2.
    ///
    /// Required: the file and the length of the range (0: to the end).
    /// Points at no memory.
    pub struct SyncFileRange {
        fd: Target [impl Into<Target>],
        len: u32,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
        /// `SYNC_FILE_RANGE_*` flags; default 0, which (as for the system
        /// call) starts and waits for nothing: pass
        /// `SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
        /// SYNC_FILE_RANGE_WAIT_AFTER` to write the range out.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_SYNC_FILE_RANGE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SyncFileRange { fd, len, offset, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.len = len;
        sqe.set_off(offset);
        sqe.set_sync_range_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Allocates or deallocates file space, like `fallocate(2)`:
    /// `io_uring_prep_fallocate(3)`. Linux 5.6.
    ///
    /// Required: the file and the length of the range. Points at no memory.
    pub struct Fallocate {
        fd: Target [impl Into<Target>],
        len: u64,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
        /// `FALLOC_FL_*` mode; default 0 (allocate and extend the size).
        mode: i32 = 0,
    }

    pub const CODE = IORING_OP_FALLOCATE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fallocate { fd, len, offset, mode } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        // The 64-bit length travels in `addr`, the mode in `len`.
        sqe.set_addr(len);
        sqe.len = mode as u32;
        sqe.set_off(offset);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Declares a file access pattern, like `posix_fadvise(2)`:
    /// `io_uring_prep_fadvise(3)` / `io_uring_prep_fadvise64(3)`. Linux 5.6.
    ///
    /// Required: the file, the length of the range (0: to the end) and the
    /// `POSIX_FADV_*` advice. Points at no memory. Advice is only a hint:
    /// success says the kernel accepted it, not that anything changed.
    ///
    /// A length that fits in 32 bits goes in `sqe.len`, which every kernel
    /// reads; a longer one goes in `sqe.addr`, which only Linux 6.8 and
    /// later read (older kernels fail it with `EINVAL`).
    pub struct Fadvise {
        fd: Target [impl Into<Target>],
        len: u64,
        advice: i32,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
    }

    pub const CODE = IORING_OP_FADVISE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fadvise { fd, len, advice, offset } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        match u32::try_from(len) {
            Ok(l) => sqe.len = l,
            Err(_) => sqe.set_addr(len),
        }
        sqe.set_fadvise_advice(advice as u32);
        sqe.set_off(offset);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Truncates (or extends) a file to `len` bytes, like `ftruncate(2)`:
    /// `io_uring_prep_ftruncate(3)`. Linux 6.9.
    ///
    /// Required: the file and the new length. Points at no memory.
    pub struct Ftruncate {
        fd: Target [impl Into<Target>],
        len: u64,
        ;;
    }

    pub const CODE = IORING_OP_FTRUNCATE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Ftruncate { fd, len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_off(len);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Moves data between two files, one of which must be a pipe, like
    /// `splice(2)`: `io_uring_prep_splice(3)`. Linux 5.7.
    ///
    /// Required: input file and offset, output file and offset, and the
    /// byte count. An offset of -1 means "the file position" (and must be
    /// -1 for a pipe). Points at no memory.
    ///
    /// A registered input file is marked with `SPLICE_F_FD_IN_FIXED` in the
    /// splice flags, a registered output file with `IOSQE_FIXED_FILE`; the
    /// builder does both.
    pub struct Splice {
        fd_in: Target [impl Into<Target>],
        off_in: i64,
        fd_out: Target [impl Into<Target>],
        off_out: i64,
        len: u32,
        ;;
        /// `SPLICE_F_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_SPLICE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Splice { fd_in, off_in, fd_out, off_out, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd_out);
        sqe.set_off(off_out as u64);
        sqe.set_splice_off_in(off_in as u64);
        sqe.set_splice_fd_in(fd_in.raw());
        sqe.len = len;
        let fixed_in = if fd_in.is_fixed() { SPLICE_F_FD_IN_FIXED } else { 0 };
        sqe.set_splice_flags(flags | fixed_in);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Duplicates pipe data without consuming it, like `tee(2)`:
    /// `io_uring_prep_tee(3)`. Linux 5.8.
    ///
    /// Required: the input pipe, the output pipe and the byte count.
    /// Registered files are marked as for [`Splice`]. Points at no memory.
    pub struct Tee {
        fd_in: Target [impl Into<Target>],
        fd_out: Target [impl Into<Target>],
        len: u32,
        ;;
        /// `SPLICE_F_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TEE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Tee { fd_in, fd_out, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd_out);
        sqe.set_splice_fd_in(fd_in.raw());
        sqe.len = len;
        let fixed_in = if fd_in.is_fixed() { SPLICE_F_FD_IN_FIXED } else { 0 };
        sqe.set_splice_flags(flags | fixed_in);
        Entry::from_sqe(sqe)
    }
}
