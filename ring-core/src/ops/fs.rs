//! File-system operations whose auxiliary memory (paths, `open_how`,
//! `statx` buffers) the operation owns.

use super::res;
use crate::cqueue::Cqe;
use crate::op::Operation;
use crate::shared_fd::{At, SharedFd};
use ring_sys::*;
use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd, RawFd};

/// `fsync`/`fdatasync`; see [`crate::Driver::fsync`].
#[derive(Debug)]
pub struct Fsync {
    pub(crate) fd: SharedFd,
    pub(crate) flags: u32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Fsync {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_FSYNC;
        sqe.fd = self.fd.raw();
        sqe.set_fsync_flags(self.flags);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `fallocate`; see [`crate::Driver::fallocate`].
#[derive(Debug)]
pub struct Fallocate {
    pub(crate) fd: SharedFd,
    pub(crate) mode: i32,
    pub(crate) offset: u64,
    pub(crate) len: u64,
}

// SAFETY: the SQE carries no pointer (the length travels in `addr`).
unsafe impl Operation for Fallocate {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_FALLOCATE;
        sqe.fd = self.fd.raw();
        sqe.set_off(self.offset);
        sqe.set_addr(self.len);
        sqe.len = self.mode as u32;
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// Wraps a non-negative descriptor result as an `OwnedFd`.
fn owned_fd(result: &Cqe) -> io::Result<OwnedFd> {
    let fd = res(result)?;
    // SAFETY: the kernel just created this descriptor for us; nothing else
    // owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

/// `openat`; see [`crate::Driver::openat`].
#[derive(Debug)]
pub struct OpenAt {
    pub(crate) dirfd: At,
    pub(crate) path: CString,
    pub(crate) flags: i32,
    pub(crate) mode: u32,
}

// SAFETY: the SQE points at `self.path`'s heap bytes (NUL-terminated),
// which live as long as `self`.
unsafe impl Operation for OpenAt {
    type Output = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_OPENAT;
        sqe.fd = self.dirfd.raw();
        sqe.set_addr(self.path.as_ptr() as u64);
        sqe.len = self.mode;
        sqe.set_open_flags(self.flags as u32 | libc::O_CLOEXEC as u32);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<OwnedFd> {
        owned_fd(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // The open succeeded after its owner left: close what it opened.
        drop(owned_fd(&result));
    }
}

/// `openat2`; see [`crate::Driver::openat2`].
#[derive(Debug)]
pub struct OpenAt2 {
    pub(crate) dirfd: At,
    pub(crate) path: CString,
    pub(crate) how: open_how,
}

// SAFETY: the SQE points at `self.path` (heap) and `self.how` (inside
// `self`, at its final address in the table); both live as long as `self`.
unsafe impl Operation for OpenAt2 {
    type Output = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_OPENAT2;
        sqe.fd = self.dirfd.raw();
        sqe.set_addr(self.path.as_ptr() as u64);
        sqe.len = core::mem::size_of::<open_how>() as u32;
        sqe.set_off((&raw const self.how) as u64);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<OwnedFd> {
        owned_fd(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(owned_fd(&result));
    }
}

/// `close`; see [`crate::Driver::close`].
#[derive(Debug)]
pub struct Close {
    /// Held until the kernel has the close; if the operation is dropped
    /// before it starts, dropping this closes the descriptor instead.
    fd: Option<OwnedFd>,
}

impl Close {
    /// Closes `fd` (see [`crate::Driver::close`]).
    pub fn new(fd: OwnedFd) -> Self {
        Close { fd: Some(fd) }
    }

    /// The kernel closed (or tried to close) the descriptor: do not close it again.
    fn release(mut self) {
        if let Some(fd) = self.fd.take() {
            let _ = fd.into_raw_fd();
        }
    }
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Close {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        use std::os::fd::AsRawFd;
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_CLOSE;
        sqe.fd = self.fd.as_ref().map_or(-1, |f| f.as_raw_fd());
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        self.release();
        res(&result).map(drop)
    }

    fn orphaned(self, _: Cqe, _: Cqe) {
        self.release();
    }
}

/// `statx`; see [`crate::Driver::statx`].
pub struct Statx {
    dirfd: At,
    path: CString,
    flags: i32,
    mask: u32,
    buf: Box<libc::statx>,
}

impl core::fmt::Debug for Statx {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Statx").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Statx {
    /// `statx` of `path` relative to `dirfd` (see [`crate::Driver::statx`]).
    pub fn new(dirfd: At, path: CString, flags: i32, mask: u32) -> Self {
        // SAFETY: statx is plain integers; all-zero is a valid value.
        let buf = Box::new(unsafe { core::mem::zeroed::<libc::statx>() });
        Statx { dirfd, path, flags, mask, buf }
    }
}

// SAFETY: the SQE points at `self.path` and `self.buf`, both heap memory
// owned by `self`; the kernel writes only the statx buffer.
unsafe impl Operation for Statx {
    type Output = io::Result<libc::statx>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_STATX;
        sqe.fd = self.dirfd.raw();
        sqe.set_addr(self.path.as_ptr() as u64);
        sqe.len = self.mask;
        sqe.set_off((&raw mut *self.buf) as u64);
        sqe.set_statx_flags(self.flags as u32);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<libc::statx> {
        res(&result).map(|_| *self.buf)
    }
}
