//! The file system: opening and closing, status, names (rename, unlink,
//! mkdir, symlink, link), extended attributes, pipes, and the registered
//! file table (files update, fixed-fd install).
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{Close, FilesUpdate, FixedFdInstall, LinkAt, MkdirAt, OpenAt, OpenAt2, Pipe, RenameAt, Statx, SymlinkAt, UnlinkAt};
//! use std::ffi::CString;
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let path = CString::new("/dev/null").unwrap();
//! // SAFETY: these C structures are plain integers and pointers, for
//! // which all-zero is a valid value.
//! let mut stx: libc::statx = unsafe { std::mem::zeroed() };
//! let how = ring_core::sys::open_how::default();
//! let table = [fd];
//! let mut pipe_fds = [-1; 2];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let close = Close::new(fd)
//!     .build();
//! assert_eq!(close.into_sqe().opcode, Close::CODE);
//! let files_update = FilesUpdate::new(table.as_ptr(), 64)
//!     .offset(0)
//!     .build();
//! assert_eq!(files_update.into_sqe().opcode, FilesUpdate::CODE);
//! let fixed_fd_install = FixedFdInstall::new(0)
//!     .flags(0)
//!     .build();
//! assert_eq!(fixed_fd_install.into_sqe().opcode, FixedFdInstall::CODE);
//! let link_at = LinkAt::new(libc::AT_FDCWD, path.as_ptr(), libc::AT_FDCWD, path.as_ptr())
//!     .flags(0)
//!     .build();
//! assert_eq!(link_at.into_sqe().opcode, LinkAt::CODE);
//! let mkdir_at = MkdirAt::new(libc::AT_FDCWD, path.as_ptr())
//!     .mode(0o644)
//!     .build();
//! assert_eq!(mkdir_at.into_sqe().opcode, MkdirAt::CODE);
//! let open_at = OpenAt::new(libc::AT_FDCWD, path.as_ptr())
//!     .flags(0)
//!     .mode(0o644)
//!     .file_index(0)
//!     .build();
//! assert_eq!(open_at.into_sqe().opcode, OpenAt::CODE);
//! let open_at2 = OpenAt2::new(libc::AT_FDCWD, path.as_ptr(), &raw const how)
//!     .file_index(0)
//!     .build();
//! assert_eq!(open_at2.into_sqe().opcode, OpenAt2::CODE);
//! let pipe = Pipe::new(&raw mut pipe_fds)
//!     .flags(0)
//!     .file_index(0)
//!     .build();
//! assert_eq!(pipe.into_sqe().opcode, Pipe::CODE);
//! let rename_at = RenameAt::new(libc::AT_FDCWD, path.as_ptr(), libc::AT_FDCWD, path.as_ptr())
//!     .flags(0)
//!     .build();
//! assert_eq!(rename_at.into_sqe().opcode, RenameAt::CODE);
//! let statx = Statx::new(libc::AT_FDCWD, path.as_ptr(), &raw mut stx)
//!     .flags(0)
//!     .mask(0)
//!     .build();
//! assert_eq!(statx.into_sqe().opcode, Statx::CODE);
//! let symlink_at = SymlinkAt::new(path.as_ptr(), libc::AT_FDCWD, path.as_ptr())
//!     .build();
//! assert_eq!(symlink_at.into_sqe().opcode, SymlinkAt::CODE);
//! let unlink_at = UnlinkAt::new(libc::AT_FDCWD, path.as_ptr())
//!     .flags(0)
//!     .build();
//! assert_eq!(unlink_at.into_sqe().opcode, UnlinkAt::CODE);
//! # Ok(())
//! # }
//! ```

use super::{file_index, ptr, sqe, sqe_on};
use crate::raw::types::{Entry, Target};
use core::ffi::c_char;
use ring_sys::*;
use std::os::fd::RawFd;

opcode! {
    /// Opens a file, like `openat(2)`: `io_uring_prep_openat(3)` and, with
    /// [`file_index`](Self::file_index), `io_uring_prep_openat_direct(3)`.
    /// Linux 5.6 (direct descriptors 5.15).
    ///
    /// Required: the directory descriptor the path is relative to
    /// (`libc::AT_FDCWD` for the working directory; the kernel refuses a
    /// registered file here with `EBADF`) and the NUL-terminated path.
    ///
    /// The path must stay valid until the kernel has consumed the SQE
    /// (submission, with `IORING_FEAT_SUBMIT_STABLE`); keeping it until the
    /// completion is always safe. The result is the new descriptor, or
    /// with a direct slot 0 (or the allocated slot).
    pub struct OpenAt {
        dirfd: RawFd,
        path: *const c_char,
        ;;
        /// `O_*` flags; default 0 (`O_RDONLY`).
        flags: i32 = 0,
        /// The mode of a created file; default 0.
        mode: libc::mode_t = 0,
        /// Open into this direct descriptor slot instead of the process's
        /// table; `IORING_FILE_INDEX_ALLOC` lets the kernel pick a free
        /// slot and return it as the result. `O_CLOEXEC` is invalid with a
        /// slot. Default: none. The ABI cannot express slot
        /// `u32::MAX - 1` (the kernel reads slot `n` as `n + 1`, and
        /// `u32::MAX` is `IORING_FILE_INDEX_ALLOC`): it is sent as
        /// `IORING_FILE_INDEX_ALLOC`; no file table has that many slots.
        file_index: Option<u32> [u32] = None,
    }

    pub const CODE = IORING_OP_OPENAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let OpenAt { dirfd, path, flags, mode, file_index: slot } = self;
        let mut sqe = sqe(Self::CODE, dirfd);
        sqe.set_addr(ptr(path));
        sqe.len = mode;
        sqe.set_open_flags(flags as u32);
        sqe.set_file_index(file_index(slot));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Opens a file with an `open_how`, like `openat2(2)`:
    /// `io_uring_prep_openat2(3)` / `io_uring_prep_openat2_direct(3)`.
    /// Linux 5.6 (direct descriptors 5.15).
    ///
    /// Required: the directory descriptor (a plain descriptor), the
    /// NUL-terminated path and the `open_how`. Both must stay valid until
    /// submission (until the completion is always safe).
    pub struct OpenAt2 {
        dirfd: RawFd,
        path: *const c_char,
        how: *const open_how,
        ;;
        /// A direct descriptor slot or `IORING_FILE_INDEX_ALLOC`, as for
        /// [`OpenAt::file_index`]; default: none.
        file_index: Option<u32> [u32] = None,
    }

    pub const CODE = IORING_OP_OPENAT2;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let OpenAt2 { dirfd, path, how, file_index: slot } = self;
        let mut sqe = sqe(Self::CODE, dirfd);
        sqe.set_addr(ptr(path));
        sqe.set_off(ptr(how));
        sqe.len = core::mem::size_of::<open_how>() as u32;
        sqe.set_file_index(file_index(slot));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Closes a file descriptor, or frees a direct descriptor slot:
    /// `io_uring_prep_close(3)` / `io_uring_prep_close_direct(3)`.
    /// Linux 5.6 (direct descriptors 5.15).
    ///
    /// Required: what to close. A [`Target::Fixed`] is sent in
    /// `file_index` (not with `IOSQE_FIXED_FILE`, which the kernel refuses
    /// for this opcode). Points at no memory.
    pub struct Close {
        fd: Target [impl Into<Target>],
        ;;
    }

    pub const CODE = IORING_OP_CLOSE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Close { fd } = self;
        let sqe = match fd {
            Target::Fd(fd) => sqe(Self::CODE, fd),
            Target::Fixed(slot) => {
                let mut s = sqe(Self::CODE, 0);
                s.set_file_index(file_index(Some(slot)));
                s
            }
        };
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Queries file status, like `statx(2)`: `io_uring_prep_statx(3)`. Linux 5.6.
    ///
    /// Required: the directory descriptor (a plain descriptor), the
    /// NUL-terminated path (empty with `AT_EMPTY_PATH` to stat `dirfd`
    /// itself) and the `statx` buffer to fill.
    ///
    /// The path must stay valid until submission; the `statx` buffer until
    /// the completion.
    pub struct Statx {
        dirfd: RawFd,
        path: *const c_char,
        statxbuf: *mut libc::statx,
        ;;
        /// `AT_*` flags; default 0.
        flags: i32 = 0,
        /// `STATX_*` fields wanted; default 0 (only the basic ones the
        /// kernel always fills, as for the system call).
        mask: u32 = 0,
    }

    pub const CODE = IORING_OP_STATX;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Statx { dirfd, path, statxbuf, flags, mask } = self;
        let mut sqe = sqe(Self::CODE, dirfd);
        sqe.set_addr(ptr(path));
        sqe.set_off(ptr(statxbuf));
        sqe.len = mask;
        sqe.set_statx_flags(flags as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Renames a file, like `renameat2(2)`: `io_uring_prep_renameat(3)`.
    /// Linux 5.11.
    ///
    /// Required: the old directory descriptor and path, the new directory
    /// descriptor and path. Paths must stay valid until submission.
    pub struct RenameAt {
        olddirfd: RawFd,
        oldpath: *const c_char,
        newdirfd: RawFd,
        newpath: *const c_char,
        ;;
        /// `RENAME_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_RENAMEAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let RenameAt { olddirfd, oldpath, newdirfd, newpath, flags } = self;
        let mut sqe = sqe(Self::CODE, olddirfd);
        sqe.set_addr(ptr(oldpath));
        sqe.len = newdirfd as u32;
        sqe.set_off(ptr(newpath));
        sqe.set_rename_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes a file or (with `AT_REMOVEDIR`) an empty directory, like
    /// `unlinkat(2)`: `io_uring_prep_unlinkat(3)`. Linux 5.11.
    ///
    /// Required: the directory descriptor and the path, which must stay
    /// valid until submission.
    pub struct UnlinkAt {
        dirfd: RawFd,
        path: *const c_char,
        ;;
        /// `AT_REMOVEDIR` or 0; default 0.
        flags: i32 = 0,
    }

    pub const CODE = IORING_OP_UNLINKAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let UnlinkAt { dirfd, path, flags } = self;
        let mut sqe = sqe(Self::CODE, dirfd);
        sqe.set_addr(ptr(path));
        sqe.set_unlink_flags(flags as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Creates a directory, like `mkdirat(2)`: `io_uring_prep_mkdirat(3)`.
    /// Linux 5.15.
    ///
    /// Required: the directory descriptor and the path, which must stay
    /// valid until submission.
    pub struct MkdirAt {
        dirfd: RawFd,
        path: *const c_char,
        ;;
        /// The new directory's mode (before the umask); default 0.
        mode: libc::mode_t = 0,
    }

    pub const CODE = IORING_OP_MKDIRAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let MkdirAt { dirfd, path, mode } = self;
        let mut sqe = sqe(Self::CODE, dirfd);
        sqe.set_addr(ptr(path));
        sqe.len = mode;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Creates a symbolic link `linkpath` (relative to `newdirfd`) that
    /// points to `target`, like `symlinkat(2)`: `io_uring_prep_symlinkat(3)`.
    /// Linux 5.15.
    ///
    /// Required, in `symlinkat(2)` order: the link's content, the directory
    /// descriptor, the link's path. Both strings must stay valid until
    /// submission.
    pub struct SymlinkAt {
        target: *const c_char,
        newdirfd: RawFd,
        linkpath: *const c_char,
        ;;
    }

    pub const CODE = IORING_OP_SYMLINKAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SymlinkAt { target, newdirfd, linkpath } = self;
        let mut sqe = sqe(Self::CODE, newdirfd);
        sqe.set_addr(ptr(target));
        sqe.set_off(ptr(linkpath));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Creates a hard link, like `linkat(2)`: `io_uring_prep_linkat(3)`.
    /// Linux 5.15.
    ///
    /// Required: the existing file's directory descriptor and path, the new
    /// name's directory descriptor and path. Paths must stay valid until
    /// submission.
    pub struct LinkAt {
        olddirfd: RawFd,
        oldpath: *const c_char,
        newdirfd: RawFd,
        newpath: *const c_char,
        ;;
        /// `AT_*` flags (`AT_SYMLINK_FOLLOW`, `AT_EMPTY_PATH`); default 0.
        flags: i32 = 0,
    }

    pub const CODE = IORING_OP_LINKAT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let LinkAt { olddirfd, oldpath, newdirfd, newpath, flags } = self;
        let mut sqe = sqe(Self::CODE, olddirfd);
        sqe.set_addr(ptr(oldpath));
        sqe.len = newdirfd as u32;
        sqe.set_off(ptr(newpath));
        sqe.set_hardlink_flags(flags as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Replaces entries of the registered file table from within the ring,
    /// like `IORING_REGISTER_FILES_UPDATE`: `io_uring_prep_files_update(3)`.
    /// Linux 5.6.
    ///
    /// Required: an array of `len` descriptors (-1 clears a slot,
    /// `IORING_REGISTER_FILES_SKIP` leaves it) and its length. The array
    /// must stay valid until the completion: the kernel reads it when the
    /// operation runs and, with offset `IORING_FILE_INDEX_ALLOC`, writes
    /// the allocated slots back into it. The result is the number of
    /// slots updated.
    pub struct FilesUpdate {
        fds: *const RawFd,
        len: u32,
        ;;
        /// The first slot to update; default 0.
        offset: i32 = 0,
    }

    pub const CODE = IORING_OP_FILES_UPDATE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FilesUpdate { fds, len, offset } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(fds));
        sqe.len = len;
        sqe.set_off(offset as u32 as u64);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Installs a direct descriptor (a registered file) as an ordinary file
    /// descriptor of the process: `io_uring_prep_fixed_fd_install(3)`.
    /// Linux 6.8.
    ///
    /// Required: the registered file index. The builder sets
    /// `IOSQE_FIXED_FILE`, which the opcode requires. The result is the new
    /// descriptor, close-on-exec unless `IORING_FIXED_FD_NO_CLOEXEC` is
    /// given. Points at no memory.
    pub struct FixedFdInstall {
        fixed: u32,
        ;;
        /// `IORING_FIXED_FD_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_FIXED_FD_INSTALL;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FixedFdInstall { fixed, flags } = self;
        let mut sqe = sqe_on(Self::CODE, Target::Fixed(fixed));
        sqe.set_install_fd_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Creates a pipe, like `pipe2(2)`: `io_uring_prep_pipe(3)` and, with
    /// [`file_index`](Self::file_index), `io_uring_prep_pipe_direct(3)`.
    /// Linux 6.16.
    ///
    /// Required: where to store the two descriptors (read end first),
    /// which must stay valid until the completion.
    pub struct Pipe {
        fds: *mut [RawFd; 2],
        ;;
        /// `O_CLOEXEC`, `O_NONBLOCK`, `O_DIRECT`; default 0.
        flags: u32 = 0,
        /// Create both ends as direct descriptors, in slots `n` and `n + 1`,
        /// or (`IORING_FILE_INDEX_ALLOC`) in two free slots; the slots are
        /// stored in `fds`. Default: ordinary descriptors.
        file_index: Option<u32> [u32] = None,
    }

    pub const CODE = IORING_OP_PIPE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Pipe { fds, flags, file_index: slot } = self;
        let mut sqe = sqe(Self::CODE, 0);
        sqe.set_addr(ptr(fds));
        sqe.set_pipe_flags(flags);
        sqe.set_file_index(file_index(slot));
        Entry::from_sqe(sqe)
    }
}

/// The earlier name of [`MkdirAt`], spelled as the other `*At` builders
/// and as `ops::MkdirAt` are.
#[deprecated(note = "renamed `MkdirAt`")]
pub type MkDirAt = MkdirAt;
