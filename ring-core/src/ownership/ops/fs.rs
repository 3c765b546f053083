//! The file system: opening and closing, status and pipes; the Driver
//! methods of those, of the names in directories (rename, unlink, mkdir,
//! symlink, link, whose operations are in `dir_entries.rs`) and of the
//! registered file table (whose operations are in `file_table.rs`). Paths
//! and names are `CString`s the operation owns.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::dir_entries::{LinkAt, MkdirAt, RenameAt, SymlinkAt, UnlinkAt};
use crate::ownership::ops::file_table::{FilesUpdate, FixedFdInstall};
use crate::ownership::ops::{owned_fd, res};
use crate::ownership::shared_fd::{At, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd, RawFd};

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

/// `pipe2(2)` (`IORING_OP_PIPE`, 6.16); see [`Driver::pipe`].
#[derive(Debug)]
pub struct Pipe {
    fds: Box<[RawFd; 2]>,
    flags: u32,
}

impl Pipe {
    fn take(&self, result: &Cqe) -> io::Result<(OwnedFd, OwnedFd)> {
        res(result)?;
        // SAFETY: on success the kernel wrote two new descriptors that
        // nothing else owns.
        Ok(unsafe { (OwnedFd::from_raw_fd(self.fds[0]), OwnedFd::from_raw_fd(self.fds[1])) })
    }
}

// SAFETY: the SQE points at `self.fds` (heap, owned, two ints), written
// by the kernel and reachable by nothing else while `self` is in the table.
unsafe impl Operation for Pipe {
    /// The read end and the write end.
    type Output = io::Result<(OwnedFd, OwnedFd)>;

    fn prepare(&mut self) -> io_uring_sqe {
        *self.fds = [-1, -1];
        opcode::Pipe::new(&raw mut *self.fds).flags(self.flags | libc::O_CLOEXEC as u32).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        self.take(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        // The pipe was created after its owner left: close both ends.
        drop(self.take(&result));
    }
}

/// # Opening, closing, `statx`, names in directories, pipes and the file table
///
/// Paths are relative to a directory: [`At::CWD`], or `&dir` for an open
/// directory, which the operation keeps open until it has ended.
///
/// ```
/// use ring_core::At;
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let c = |s: &str| CString::new(s).unwrap();
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let base = std::env::temp_dir().join(format!("ring-core-doc-fs-{}", std::process::id()));
/// std::fs::create_dir(&base)?;
/// let dir = Rc::new(std::fs::File::open(&base)?);
/// rt.block_on(async {
///     // mkdirat, symlinkat and linkat are operations since 5.15.
///     for op in [ring_core::sys::IORING_OP_MKDIRAT, ring_core::sys::IORING_OP_LINKAT] {
///         if let Err(e) = d.require(op) {
///             println!("skipping: {e}");
///             return Ok(());
///         }
///     }
///     d.mkdirat(&dir, c("sub"), 0o755).await?;
///     let fd = d.openat(&dir, c("sub/a"), libc::O_CREAT | libc::O_WRONLY, 0o644).await?;
///     d.close(fd).await?;
///     let mut how = ring_core::sys::open_how::default();
///     how.flags = libc::O_RDONLY as u64;
///     let _fd = d.openat2(&dir, c("sub/a"), how).await?;
///     let st = d.statx(&dir, c("sub/a"), 0, libc::STATX_SIZE).await?;
///     assert_eq!(st.stx_size, 0);
///     d.linkat(&dir, c("sub/a"), &dir, c("hard"), 0).await?;
///     d.symlinkat(c("sub/a"), &dir, c("soft")).await?;
///     d.renameat(&dir, c("hard"), &dir, c("moved"), 0).await?;
///     for name in ["moved", "soft", "sub/a"] {
///         d.unlinkat(&dir, c(name), 0).await?;
///     }
///     d.unlinkat(&dir, c("sub"), libc::AT_REMOVEDIR).await?;
///     // pipe2 is an operation since 6.16.
///     if d.require(ring_core::sys::IORING_OP_PIPE).is_ok() {
///         let (rx, tx) = d.pipe(0).await?;
///         drop((rx, tx));
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_dir_all(&base)?;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`files_update`](Self::files_update), [`fixed_fd_install`](Self::fixed_fd_install)
/// and [`fixed_fd_install_direct`](Self::fixed_fd_install_direct) work on
/// the ring's file table: see *Direct descriptors*.
impl<K: Kernel> Driver<K> {
    /// `openat(2)` (`IORING_OP_OPENAT`, 5.6) of `path` relative to `dir`:
    /// [`At::CWD`] for the working directory, or `&d` for an open
    /// directory `d`, which the operation keeps open until it has ended.
    /// `O_CLOEXEC` is always added, as the standard library adds it. If the
    /// future is dropped and the open still succeeds, the driver closes the
    /// new descriptor.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// use ring_core::At;
    /// let path = std::ffi::CString::new("/proc/self/stat").unwrap();
    /// let fd = rt.block_on(d.openat(At::CWD, path, libc::O_RDONLY, 0))??;
    /// rt.block_on(d.close(fd))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn openat(&self, dir: impl Into<At>, path: CString, flags: i32, mode: u32) -> Op<OpenAt, K> {
        self.op(OpenAt { dirfd: dir.into(), path, flags, mode })
    }

    /// `openat2(2)` (`IORING_OP_OPENAT2`, 5.6) with a full `open_how`.
    /// `O_CLOEXEC` is added to `how.flags`, as [`openat`](Self::openat)
    /// adds it, so that no descriptor this crate opens leaks into a child
    /// process; clear the flag on the descriptor afterwards if a child
    /// should inherit it. If the future is dropped and the open still
    /// succeeds, the driver closes the new descriptor.
    pub fn openat2(&self, dir: impl Into<At>, path: CString, mut how: ring_sys::open_how) -> Op<OpenAt2, K> {
        how.flags |= libc::O_CLOEXEC as u64;
        self.op(OpenAt2 { dirfd: dir.into(), path, how })
    }

    /// Closes `fd` (`IORING_OP_CLOSE`, 5.6). The descriptor is consumed, so
    /// no other code can use it while the close is in flight.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let fd = std::os::fd::OwnedFd::from(std::fs::File::open("/proc/self/stat")?);
    /// rt.block_on(d.close(fd))??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn close(&self, fd: OwnedFd) -> Op<Close, K> {
        self.op(Close::new(fd))
    }

    /// `statx(2)` (`IORING_OP_STATX`, 5.6) of `path` relative to `dir`
    /// (with `AT_EMPTY_PATH` and an empty path: of `dir` itself).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// use ring_core::At;
    /// let path = std::ffi::CString::new("/").unwrap();
    /// let st = rt.block_on(d.statx(At::CWD, path, 0, libc::STATX_TYPE))??;
    /// assert_eq!(u32::from(st.stx_mode) & libc::S_IFMT, libc::S_IFDIR);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn statx(&self, dir: impl Into<At>, path: CString, flags: i32, mask: u32) -> Op<Statx, K> {
        self.op(Statx::new(dir.into(), path, flags, mask))
    }

    /// `renameat2(2)` (`IORING_OP_RENAMEAT`, 5.11); each path is relative
    /// to its directory ([`At::CWD`] or `&dir`, kept open until the
    /// operation has ended); `flags` are `RENAME_*`.
    pub fn renameat(
        &self,
        olddir: impl Into<At>,
        old: CString,
        newdir: impl Into<At>,
        new: CString,
        flags: u32,
    ) -> Op<RenameAt, K> {
        self.op(RenameAt { olddir: olddir.into(), old, newdir: newdir.into(), new, flags })
    }

    /// `unlinkat(2)` (`IORING_OP_UNLINKAT`, 5.11); `AT_REMOVEDIR` in
    /// `flags` removes a directory.
    pub fn unlinkat(&self, dir: impl Into<At>, path: CString, flags: i32) -> Op<UnlinkAt, K> {
        self.op(UnlinkAt { dir: dir.into(), path, flags })
    }

    /// `mkdirat(2)` (`IORING_OP_MKDIRAT`, 5.15).
    pub fn mkdirat(&self, dir: impl Into<At>, path: CString, mode: u32) -> Op<MkdirAt, K> {
        self.op(MkdirAt { dir: dir.into(), path, mode })
    }

    /// `symlinkat(2)` (`IORING_OP_SYMLINKAT`, 5.15): creates `link`
    /// pointing at `target`.
    pub fn symlinkat(&self, target: CString, dir: impl Into<At>, link: CString) -> Op<SymlinkAt, K> {
        self.op(SymlinkAt { target, dir: dir.into(), link })
    }

    /// `linkat(2)` (`IORING_OP_LINKAT`, 5.15).
    pub fn linkat(
        &self,
        olddir: impl Into<At>,
        old: CString,
        newdir: impl Into<At>,
        new: CString,
        flags: i32,
    ) -> Op<LinkAt, K> {
        self.op(LinkAt { olddir: olddir.into(), old, newdir: newdir.into(), new, flags })
    }

    /// `pipe2(2)` (`IORING_OP_PIPE`, 6.16): the read and write ends,
    /// close-on-exec. If the future is dropped and the pipe is still
    /// created, the driver closes both ends.
    pub fn pipe(&self, flags: u32) -> Op<Pipe, K> {
        self.op(Pipe { fds: Box::new([-1, -1]), flags })
    }

    /// Replaces registered files from slot `offset` on with `files`
    /// (`IORING_OP_FILES_UPDATE`, 5.6); `None` clears a slot. The
    /// operation keeps each descriptor open until it has ended, and gives
    /// them back. While a [`crate::ownership::fixed_files::FixedFiles`] table is
    /// registered, the slots of its allocation range belong to its direct
    /// descriptors: an update touching any of them completes with `EBUSY`
    /// without reaching the kernel.
    pub fn files_update(&self, files: Vec<Option<SharedFd>>, offset: i32) -> Op<FilesUpdate, K> {
        let raw = files.iter().map(|f| f.as_ref().map_or(-1, SharedFd::raw)).collect();
        self.op(FilesUpdate { files, raw, offset })
    }

    /// Installs the file in registered slot `slot` as a normal,
    /// close-on-exec descriptor (`IORING_OP_FIXED_FD_INSTALL`, 6.8), for the
    /// slots the caller manages itself (filled with
    /// [`files_update`](Self::files_update)). A slot of a registered
    /// [`crate::ownership::fixed_files::FixedFiles`] table's allocation range belongs
    /// to a direct descriptor: the operation completes with `EBUSY` without
    /// reaching the kernel; use
    /// [`fixed_fd_install_direct`](Self::fixed_fd_install_direct).
    pub fn fixed_fd_install(&self, slot: u32) -> Op<FixedFdInstall, K> {
        self.op(FixedFdInstall { slot, flags: 0, fd: None })
    }

    /// Installs the file of direct descriptor `fd` as a normal,
    /// close-on-exec descriptor (`IORING_OP_FIXED_FD_INSTALL`, 6.8). The
    /// operation holds `fd` (so its slot keeps its file) until it has
    /// ended; a direct descriptor of another ring completes with `EXDEV`.
    pub fn fixed_fd_install_direct(&self, fd: &crate::ownership::fixed_files::FixedFd) -> Op<FixedFdInstall, K> {
        self.op(FixedFdInstall { slot: fd.slot(), flags: 0, fd: Some(fd.clone()) })
    }
}
