//! Names in directories: renaming, unlinking, and making directories,
//! symbolic links and hard links, each relative to a directory ([`At`]) the
//! operation keeps open, with the paths as `CString`s it owns. Their
//! [`Driver`](crate::ownership::driver::Driver) methods are with the rest of
//! the file system's (`fs.rs`).
#![allow(unsafe_code)]

use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::At;
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::ffi::CString;
use std::io;

/// `renameat2(2)` (`IORING_OP_RENAMEAT`, 5.11); see
/// [`Driver::renameat`](crate::ownership::driver::Driver::renameat).
#[derive(Debug)]
pub struct RenameAt {
    pub(super) olddir: At,
    pub(super) old: CString,
    pub(super) newdir: At,
    pub(super) new: CString,
    pub(super) flags: u32,
}

// SAFETY: the SQE points at the two paths' heap bytes (NUL-terminated),
// owned by `self`; the kernel only reads them.
unsafe impl Operation for RenameAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::RenameAt::new(self.olddir.raw(), self.old.as_ptr(), self.newdir.raw(), self.new.as_ptr())
            .flags(self.flags)
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `unlinkat(2)` (`IORING_OP_UNLINKAT`, 5.11); see
/// [`Driver::unlinkat`](crate::ownership::driver::Driver::unlinkat).
#[derive(Debug)]
pub struct UnlinkAt {
    pub(super) dir: At,
    pub(super) path: CString,
    pub(super) flags: i32,
}

// SAFETY: the SQE points at `self.path`'s heap bytes, only read.
unsafe impl Operation for UnlinkAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::UnlinkAt::new(self.dir.raw(), self.path.as_ptr()).flags(self.flags).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `mkdirat(2)` (`IORING_OP_MKDIRAT`, 5.15); see
/// [`Driver::mkdirat`](crate::ownership::driver::Driver::mkdirat).
///
/// The path operations, each a value made by its [`Driver`](crate::ownership::driver::Driver) method (or
/// built with its constructor, as [`OpenAt2::new`](crate::ownership::ops::OpenAt2::new) for a chain):
///
/// ```
/// use ring_core::fixed_files::FixedFiles;
/// use ring_core::ops::{FilesUpdate, FixedFdInstall, LinkAt, MkdirAt, OpenAt2, Pipe, RenameAt, SymlinkAt, UnlinkAt};
/// use ring_core::Op;
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let c = |s: &str| CString::new(s).unwrap();
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let base = std::env::temp_dir().join(format!("ring-core-doc-fs-types-{}", std::process::id()));
/// std::fs::create_dir(&base)?;
/// let dir = Rc::new(std::fs::File::open(&base)?);
/// rt.block_on(async {
///     // mkdirat, symlinkat and linkat are operations since 5.15.
///     if let Err(e) = d.require(ring_core::sys::IORING_OP_LINKAT) {
///         println!("skipping: {e}");
///         return Ok(());
///     }
///     let mkdir: Op<MkdirAt> = d.mkdirat(&dir, c("sub"), 0o755);
///     mkdir.await?;
///     std::fs::write(base.join("sub/a"), b"a")?;
///     let mut how = ring_core::sys::open_how::default();
///     how.flags = libc::O_RDONLY as u64;
///     let _fd = d.op(OpenAt2::new(&dir, c("sub/a"), how)).await?;
///     let link: Op<LinkAt> = d.linkat(&dir, c("sub/a"), &dir, c("hard"), 0);
///     link.await?;
///     let symlink: Op<SymlinkAt> = d.symlinkat(c("sub/a"), &dir, c("soft"));
///     symlink.await?;
///     let rename: Op<RenameAt> = d.renameat(&dir, c("hard"), &dir, c("moved"), 0);
///     rename.await?;
///     for name in ["moved", "soft", "sub/a"] {
///         let unlink: Op<UnlinkAt> = d.unlinkat(&dir, c(name), 0);
///         unlink.await?;
///     }
///     d.unlinkat(&dir, c("sub"), libc::AT_REMOVEDIR).await?;
///     // pipe2 is an operation since 6.16.
///     if d.require(ring_core::sys::IORING_OP_PIPE).is_ok() {
///         let pipe: Op<Pipe> = d.pipe(0);
///         let (_rx, _tx) = pipe.await?;
///     }
///     // A slot outside the table's allocation range, filled and emptied;
///     // installing a normal descriptor from a slot is an operation since 6.8.
///     if let Ok(_files) = FixedFiles::new(&d, 8, 0..6) {
///         let file = ring_core::SharedFd::new(std::fs::File::open("/dev/null")?);
///         let update: Op<FilesUpdate> = d.files_update(vec![Some(file)], 7);
///         assert_eq!(update.await.0?, 1);
///         if d.require(ring_core::sys::IORING_OP_FIXED_FD_INSTALL).is_ok() {
///             let install: Op<FixedFdInstall> = d.fixed_fd_install(7);
///             let _plain = install.await?;
///         }
///         assert_eq!(d.files_update(vec![None], 7).await.0?, 1);
///     }
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_dir_all(&base)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct MkdirAt {
    pub(super) dir: At,
    pub(super) path: CString,
    pub(super) mode: u32,
}

// SAFETY: the SQE points at `self.path`'s heap bytes, only read.
unsafe impl Operation for MkdirAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::MkdirAt::new(self.dir.raw(), self.path.as_ptr()).mode(self.mode as libc::mode_t).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `symlinkat(2)` (`IORING_OP_SYMLINKAT`, 5.15); see
/// [`Driver::symlinkat`](crate::ownership::driver::Driver::symlinkat).
#[derive(Debug)]
pub struct SymlinkAt {
    pub(super) target: CString,
    pub(super) dir: At,
    pub(super) link: CString,
}

// SAFETY: the SQE points at the two paths' heap bytes, only read.
unsafe impl Operation for SymlinkAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::SymlinkAt::new(self.target.as_ptr(), self.dir.raw(), self.link.as_ptr()).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `linkat(2)` (`IORING_OP_LINKAT`, 5.15); see
/// [`Driver::linkat`](crate::ownership::driver::Driver::linkat).
#[derive(Debug)]
pub struct LinkAt {
    pub(super) olddir: At,
    pub(super) old: CString,
    pub(super) newdir: At,
    pub(super) new: CString,
    pub(super) flags: i32,
}

// SAFETY: the SQE points at the two paths' heap bytes, only read.
unsafe impl Operation for LinkAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::LinkAt::new(self.olddir.raw(), self.old.as_ptr(), self.newdir.raw(), self.new.as_ptr())
            .flags(self.flags)
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}
