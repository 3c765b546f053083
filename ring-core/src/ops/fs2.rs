//! More file-system operations: renames, links, directories, truncation,
//! extended attributes, advice, range syncs, splice/tee, pipes, and the
//! direct-descriptor table. Paths and names are `CString`s and values are
//! `Vec<u8>`s owned by the operation, so the kernel reads them from memory
//! that lives as long as the operation does.

use super::net::owned_fd;
use super::res;
use crate::buf::AlignedBuf;
use crate::cqueue::Cqe;
use crate::driver::Driver;
use crate::kernel::Kernel;
use crate::op::{Op, Operation};
use crate::opcode;
use crate::shared_fd::{AsSharedFd, At, SharedFd};
use ring_sys::io_uring_sqe;
use std::ffi::CString;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

/// `renameat2(2)` (`IORING_OP_RENAMEAT`, 5.11); see [`Driver::renameat`].
#[derive(Debug)]
pub struct RenameAt {
    olddir: At,
    old: CString,
    newdir: At,
    new: CString,
    flags: u32,
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

/// `unlinkat(2)` (`IORING_OP_UNLINKAT`, 5.11); see [`Driver::unlinkat`].
#[derive(Debug)]
pub struct UnlinkAt {
    dir: At,
    path: CString,
    flags: i32,
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

/// `mkdirat(2)` (`IORING_OP_MKDIRAT`, 5.15); see [`Driver::mkdirat`].
#[derive(Debug)]
pub struct MkdirAt {
    dir: At,
    path: CString,
    mode: u32,
}

// SAFETY: the SQE points at `self.path`'s heap bytes, only read.
unsafe impl Operation for MkdirAt {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::MkDirAt::new(self.dir.raw(), self.path.as_ptr()).mode(self.mode as libc::mode_t).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `symlinkat(2)` (`IORING_OP_SYMLINKAT`, 5.15); see [`Driver::symlinkat`].
#[derive(Debug)]
pub struct SymlinkAt {
    target: CString,
    dir: At,
    link: CString,
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

/// `linkat(2)` (`IORING_OP_LINKAT`, 5.15); see [`Driver::linkat`].
#[derive(Debug)]
pub struct LinkAt {
    olddir: At,
    old: CString,
    newdir: At,
    new: CString,
    flags: i32,
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

/// `ftruncate(2)` (`IORING_OP_FTRUNCATE`, 6.9); see [`Driver::ftruncate`].
#[derive(Debug)]
pub struct Ftruncate {
    pub(crate) fd: SharedFd,
    pub(crate) len: u64,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Ftruncate {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Ftruncate::new(self.fd.raw(), self.len).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// Where an extended attribute lives: an open file or a path.
#[derive(Debug)]
pub enum XattrTarget {
    /// The file open as this descriptor (`fsetxattr`/`fgetxattr`), kept
    /// open until the operation has ended.
    Fd(SharedFd),
    /// The file at this path, following symlinks (`setxattr`/`getxattr`).
    Path(CString),
}

/// `setxattr(2)`/`fsetxattr(2)` (`IORING_OP_SETXATTR`/`FSETXATTR`, 5.19);
/// see [`Driver::fsetxattr`] and [`Driver::setxattr`].
#[derive(Debug)]
pub struct SetXattr {
    target: XattrTarget,
    name: CString,
    value: Vec<u8>,
    flags: i32,
}

// SAFETY: the SQE points at the path (if any), the name and the value,
// all heap memory owned by `self`; the kernel only reads them.
unsafe impl Operation for SetXattr {
    /// The result and the value, given back.
    type Output = (io::Result<()>, Vec<u8>);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = self.value.len().min(u32::MAX as usize) as u32;
        let v = self.value.as_ptr().cast();
        match &self.target {
            XattrTarget::Fd(fd) => {
                opcode::FSetXattr::new(fd.raw(), self.name.as_ptr(), v, len).flags(self.flags).build().into_sqe()
            }
            XattrTarget::Path(p) => {
                opcode::SetXattr::new(p.as_ptr(), self.name.as_ptr(), v, len).flags(self.flags).build().into_sqe()
            }
        }
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(drop), self.value)
    }
}

/// The longest extended attribute value (`XATTR_SIZE_MAX`, 64 KiB): the
/// kernel reads no more, so a larger buffer is never useful.
pub const XATTR_SIZE_MAX: usize = 1 << 16;

/// `getxattr(2)`/`fgetxattr(2)` (`IORING_OP_GETXATTR`/`FGETXATTR`, 5.19);
/// see [`Driver::fgetxattr`] and [`Driver::getxattr`].
#[derive(Debug)]
pub struct GetXattr {
    target: XattrTarget,
    name: CString,
    value: Vec<u8>,
}

// SAFETY: the SQE points at the path (if any) and the name (read) and at
// the spare capacity of `self.value` (heap, owned, written by the kernel
// and reachable by nothing else while `self` is in the table).
unsafe impl Operation for GetXattr {
    /// The value (its length is what the kernel wrote).
    type Output = io::Result<Vec<u8>>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.value.clear();
        let len = self.value.capacity().min(u32::MAX as usize) as u32;
        let v = self.value.as_mut_ptr().cast();
        match &self.target {
            XattrTarget::Fd(fd) => opcode::FGetXattr::new(fd.raw(), self.name.as_ptr(), v, len).build().into_sqe(),
            XattrTarget::Path(p) => opcode::GetXattr::new(p.as_ptr(), self.name.as_ptr(), v, len).build().into_sqe(),
        }
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let n = res(&result)? as usize;
        // SAFETY: the kernel wrote the value's `n` bytes, at most the
        // capacity it was offered.
        unsafe { self.value.set_len(n.min(self.value.capacity())) };
        Ok(self.value)
    }
}

/// `posix_fadvise(2)` (`IORING_OP_FADVISE`, 5.6); see [`Driver::fadvise`].
#[derive(Debug)]
pub struct Fadvise {
    pub(crate) fd: SharedFd,
    pub(crate) offset: u64,
    pub(crate) len: u64,
    pub(crate) advice: i32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Fadvise {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::Fadvise::new(self.fd.raw(), self.len, self.advice).offset(self.offset).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// The `madvise(2)` advice a safe operation may give. Advice that changes
/// what memory *means* in a way Rust cannot see (`MADV_REMOVE`,
/// `MADV_HWPOISON`, `MADV_DONTFORK`, `MADV_WIPEONFORK`, ...) is left out;
/// the ones here either only hint, or (`DontNeed`, `Free`) replace the
/// contents of memory the operation owns with zeros, which is a valid
/// value for bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// `MADV_NORMAL`.
    Normal,
    /// `MADV_RANDOM`.
    Random,
    /// `MADV_SEQUENTIAL`.
    Sequential,
    /// `MADV_WILLNEED`.
    WillNeed,
    /// `MADV_DONTNEED`: the pages read as zeros afterwards.
    DontNeed,
    /// `MADV_FREE`: the pages read as zeros or as their old contents.
    Free,
    /// `MADV_COLD`.
    Cold,
    /// `MADV_PAGEOUT`.
    PageOut,
}

impl Advice {
    fn raw(self) -> i32 {
        match self {
            Advice::Normal => libc::MADV_NORMAL,
            Advice::Random => libc::MADV_RANDOM,
            Advice::Sequential => libc::MADV_SEQUENTIAL,
            Advice::WillNeed => libc::MADV_WILLNEED,
            Advice::DontNeed => libc::MADV_DONTNEED,
            Advice::Free => libc::MADV_FREE,
            Advice::Cold => libc::MADV_COLD,
            Advice::PageOut => libc::MADV_PAGEOUT,
        }
    }
}

/// `madvise(2)` on an [`AlignedBuf`] the operation owns
/// (`IORING_OP_MADVISE`, 5.6); see [`Driver::madvise`].
///
/// Why only an owned, page-aligned buffer: `MADV_DONTNEED` zeroes the
/// pages, so advising memory that a live `&[u8]` points to would change it
/// under a shared reference, and advising a range that shares a page with
/// another allocation would zero that allocation too. An `AlignedBuf`
/// covers whole pages exclusively (its address and length are multiples of
/// its alignment, at least the page size is required below), and while the
/// operation holds it no reference to it exists.
#[derive(Debug)]
pub struct Madvise {
    buf: AlignedBuf,
    advice: Advice,
}

// SAFETY: the SQE names `self.buf`'s heap pages, owned exclusively by `self` and covering whole pages (checked in
// `Driver::madvise`); the allowed advice at most replaces their contents with zeros, and no reference to them exists
// until the buffer is handed back.
unsafe impl Operation for Madvise {
    /// The result and the buffer.
    type Output = (io::Result<()>, AlignedBuf);

    fn prepare(&mut self) -> io_uring_sqe {
        use crate::buf::IoBuf;
        opcode::Madvise::new(self.buf.stable_ptr().cast(), self.buf.bytes_total() as u64, self.advice.raw())
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(drop), self.buf)
    }
}

/// `sync_file_range(2)` (`IORING_OP_SYNC_FILE_RANGE`, 5.2); see
/// [`Driver::sync_file_range`].
#[derive(Debug)]
pub struct SyncFileRange {
    pub(crate) fd: SharedFd,
    pub(crate) offset: u64,
    pub(crate) len: u32,
    pub(crate) flags: u32,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for SyncFileRange {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::SyncFileRange::new(self.fd.raw(), self.len).offset(self.offset).flags(self.flags).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `splice(2)` (`IORING_OP_SPLICE`, 5.7) or `tee(2)` (`IORING_OP_TEE`,
/// 5.8); see [`Driver::splice`] and [`Driver::tee`].
#[derive(Debug)]
pub struct Splice {
    pub(crate) fd_in: SharedFd,
    pub(crate) off_in: Option<u64>,
    pub(crate) fd_out: SharedFd,
    pub(crate) off_out: Option<u64>,
    pub(crate) len: u32,
    pub(crate) flags: u32,
    pub(crate) tee: bool,
}

fn off(o: Option<u64>) -> i64 {
    o.map_or(-1, |o| o as i64)
}

// SAFETY: the SQE carries no pointer (the data moves between files inside
// the kernel).
unsafe impl Operation for Splice {
    /// The bytes moved.
    type Output = io::Result<usize>;

    fn prepare(&mut self) -> io_uring_sqe {
        if self.tee {
            opcode::Tee::new(self.fd_in.raw(), self.fd_out.raw(), self.len).flags(self.flags).build().into_sqe()
        } else {
            opcode::Splice::new(self.fd_in.raw(), off(self.off_in), self.fd_out.raw(), off(self.off_out), self.len)
                .flags(self.flags)
                .build()
                .into_sqe()
        }
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<usize> {
        res(&result).map(|n| n as usize)
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

/// Updates the registered-file table (`IORING_OP_FILES_UPDATE`, 5.6)
/// from owned descriptors; see [`Driver::files_update`].
#[derive(Debug)]
pub struct FilesUpdate {
    /// The descriptors, held open until the kernel has taken its own
    /// reference to each (when it issues the request, which may be after
    /// the future was dropped).
    files: Vec<Option<SharedFd>>,
    /// Their numbers, `-1` for a slot to clear: the array the SQE names.
    raw: Vec<RawFd>,
    offset: i32,
    /// The driver's record of the slots its direct descriptors own (the
    /// allocation range of a registered `FixedFiles`), read at start.
    reserved: std::rc::Rc<core::cell::Cell<Option<(u32, u32)>>>,
}

// SAFETY: the SQE points at `self.raw`'s heap array, owned by `self` and
// read by nothing else while `self` is in the table: the kernel reads it,
// and with `IORING_FILE_INDEX_ALLOC` as the offset also writes the slots it
// picked into it (`io_files_update_with_index_alloc`). Each number in it is
// kept open by the `SharedFd` beside it until the terminal completion; the
// kernel takes its own reference to each file, so the descriptors may be
// closed afterwards.
unsafe impl Operation for FilesUpdate {
    /// How many slots were updated, and the descriptors.
    type Output = (io::Result<usize>, Vec<Option<SharedFd>>);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = self.raw.len().min(u32::MAX as usize) as u32;
        opcode::FilesUpdate::new(self.raw.as_ptr(), len).offset(self.offset).build().into_sqe()
    }

    /// Refused with `EBUSY` if it would replace or empty a slot of a
    /// registered `FixedFiles` table's allocation range: those slots belong
    /// to direct descriptors (`FixedFd`), which would then name another
    /// file. Letting the kernel pick free slots (`IORING_FILE_INDEX_ALLOC`
    /// as the offset) touches no occupied slot and is allowed.
    fn refuse(&self, _ring: crate::ring::RingId) -> Option<i32> {
        let (start, end) = self.reserved.get()?;
        if self.offset as u32 == ring_sys::IORING_FILE_INDEX_ALLOC || self.raw.is_empty() {
            return None;
        }
        let first = u64::from(self.offset as u32);
        let last = first + self.raw.len() as u64;
        (first < u64::from(end) && u64::from(start) < last).then_some(libc::EBUSY)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.files)
    }
}

/// Installs a direct descriptor as a normal one
/// (`IORING_OP_FIXED_FD_INSTALL`, 6.8); see [`Driver::fixed_fd_install`].
#[derive(Debug)]
pub struct FixedFdInstall {
    slot: u32,
    flags: u32,
    /// The direct descriptor named, when the slot was named by one: held
    /// until the terminal completion, so the slot keeps its file.
    fd: Option<crate::fixed_files::FixedFd>,
    /// As for [`FilesUpdate`]: the slots a registered `FixedFiles` table
    /// hands to its direct descriptors, which a bare slot number may not
    /// name.
    reserved: std::rc::Rc<core::cell::Cell<Option<(u32, u32)>>>,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for FixedFdInstall {
    type Output = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::FixedFdInstall::new(self.slot).flags(self.flags).build().into_sqe()
    }

    /// A direct descriptor of another ring is refused with `EXDEV`; a bare
    /// slot number inside a registered `FixedFiles` table's allocation
    /// range with `EBUSY`: that slot belongs to a direct descriptor, and a
    /// number kept past its descriptor's close would name the next file put
    /// there (name it by its [`FixedFd`](crate::fixed_files::FixedFd)
    /// instead, [`Driver::fixed_fd_install_direct`]).
    fn refuse(&self, ring: crate::ring::RingId) -> Option<i32> {
        if let Some(fd) = &self.fd {
            return fd.refuse(ring);
        }
        let (start, end) = self.reserved.get()?;
        (start <= self.slot && self.slot < end).then_some(libc::EBUSY)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<OwnedFd> {
        owned_fd(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(owned_fd(&result));
    }
}

/// File-system calls, extended attributes, advice, pipes and the file
/// table.
impl<K: Kernel> Driver<K> {
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

    /// `ftruncate(2)` (`IORING_OP_FTRUNCATE`, 6.9).
    pub fn ftruncate(&self, fd: &impl AsSharedFd, len: u64) -> Op<Ftruncate, K> {
        self.op(Ftruncate { fd: fd.shared_fd(), len })
    }

    /// `fsetxattr(2)` (`IORING_OP_FSETXATTR`, 5.19); `flags` are
    /// `XATTR_CREATE`/`XATTR_REPLACE`.
    pub fn fsetxattr(&self, fd: &impl AsSharedFd, name: CString, value: Vec<u8>, flags: i32) -> Op<SetXattr, K> {
        self.op(SetXattr { target: XattrTarget::Fd(fd.shared_fd()), name, value, flags })
    }

    /// `setxattr(2)` (`IORING_OP_SETXATTR`, 5.19).
    pub fn setxattr(&self, path: CString, name: CString, value: Vec<u8>, flags: i32) -> Op<SetXattr, K> {
        self.op(SetXattr { target: XattrTarget::Path(path), name, value, flags })
    }

    /// `fgetxattr(2)` (`IORING_OP_FGETXATTR`, 5.19) into a buffer of
    /// `capacity` bytes (`ERANGE` if the value is longer). A capacity above
    /// [`XATTR_SIZE_MAX`] is lowered to it before anything is allocated, as
    /// the kernel itself does (no value is longer).
    pub fn fgetxattr(&self, fd: &impl AsSharedFd, name: CString, capacity: usize) -> Op<GetXattr, K> {
        let value = Vec::with_capacity(capacity.min(XATTR_SIZE_MAX));
        self.op(GetXattr { target: XattrTarget::Fd(fd.shared_fd()), name, value })
    }

    /// `getxattr(2)` (`IORING_OP_GETXATTR`, 5.19); the capacity as for
    /// [`fgetxattr`](Self::fgetxattr).
    pub fn getxattr(&self, path: CString, name: CString, capacity: usize) -> Op<GetXattr, K> {
        let value = Vec::with_capacity(capacity.min(XATTR_SIZE_MAX));
        self.op(GetXattr { target: XattrTarget::Path(path), name, value })
    }

    /// `posix_fadvise(2)` (`IORING_OP_FADVISE`, 5.6); `advice` is a
    /// `POSIX_FADV_*` value.
    pub fn fadvise(&self, fd: &impl AsSharedFd, offset: u64, len: u64, advice: i32) -> Op<Fadvise, K> {
        self.op(Fadvise { fd: fd.shared_fd(), offset, len, advice })
    }

    /// `madvise(2)` of the whole of `buf` (`IORING_OP_MADVISE`, 5.6); see
    /// [`Madvise`] for why the operation takes an owned, page-aligned
    /// buffer. Fails with `EINVAL` (without reaching the kernel's memory)
    /// if the buffer's alignment is below the page size.
    pub fn madvise(&self, buf: AlignedBuf, advice: Advice) -> io::Result<Op<Madvise, K>> {
        // SAFETY: sysconf has no memory effects.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        if buf.alignment() < page {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        Ok(self.op(Madvise { buf, advice }))
    }

    /// `sync_file_range(2)` (`IORING_OP_SYNC_FILE_RANGE`, 5.2); `flags`
    /// are `SYNC_FILE_RANGE_*`.
    pub fn sync_file_range(&self, fd: &impl AsSharedFd, offset: u64, len: u32, flags: u32) -> Op<SyncFileRange, K> {
        self.op(SyncFileRange { fd: fd.shared_fd(), offset, len, flags })
    }

    /// `splice(2)` (`IORING_OP_SPLICE`, 5.7): moves up to `len` bytes; one
    /// side must be a pipe. `None` offsets use the file position (and must
    /// be `None` for a pipe).
    pub fn splice(
        &self,
        fd_in: &impl AsSharedFd,
        off_in: Option<u64>,
        fd_out: &impl AsSharedFd,
        off_out: Option<u64>,
        len: u32,
        flags: u32,
    ) -> Op<Splice, K> {
        self.op(Splice {
            fd_in: fd_in.shared_fd(),
            off_in,
            fd_out: fd_out.shared_fd(),
            off_out,
            len,
            flags,
            tee: false,
        })
    }

    /// `tee(2)` (`IORING_OP_TEE`, 5.8): duplicates up to `len` bytes from
    /// one pipe into another without consuming them.
    pub fn tee(&self, fd_in: &impl AsSharedFd, fd_out: &impl AsSharedFd, len: u32, flags: u32) -> Op<Splice, K> {
        let (fd_in, fd_out) = (fd_in.shared_fd(), fd_out.shared_fd());
        self.op(Splice { fd_in, off_in: None, fd_out, off_out: None, len, flags, tee: true })
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
    /// them back. While a [`crate::fixed_files::FixedFiles`] table is
    /// registered, the slots of its allocation range belong to its direct
    /// descriptors: an update touching any of them completes with `EBUSY`
    /// without reaching the kernel.
    pub fn files_update(&self, files: Vec<Option<SharedFd>>, offset: i32) -> Op<FilesUpdate, K> {
        let raw = files.iter().map(|f| f.as_ref().map_or(-1, SharedFd::raw)).collect();
        self.op(FilesUpdate { files, raw, offset, reserved: self.shared.reserved_files.clone() })
    }

    /// Installs the file in registered slot `slot` as a normal,
    /// close-on-exec descriptor (`IORING_OP_FIXED_FD_INSTALL`, 6.8), for the
    /// slots the caller manages itself (filled with
    /// [`files_update`](Self::files_update)). A slot of a registered
    /// [`crate::fixed_files::FixedFiles`] table's allocation range belongs
    /// to a direct descriptor: the operation completes with `EBUSY` without
    /// reaching the kernel; use
    /// [`fixed_fd_install_direct`](Self::fixed_fd_install_direct).
    pub fn fixed_fd_install(&self, slot: u32) -> Op<FixedFdInstall, K> {
        self.op(FixedFdInstall { slot, flags: 0, fd: None, reserved: self.shared.reserved_files.clone() })
    }

    /// Installs the file of direct descriptor `fd` as a normal,
    /// close-on-exec descriptor (`IORING_OP_FIXED_FD_INSTALL`, 6.8). The
    /// operation holds `fd` (so its slot keeps its file) until it has
    /// ended; a direct descriptor of another ring completes with `EXDEV`.
    pub fn fixed_fd_install_direct(&self, fd: &crate::fixed_files::FixedFd) -> Op<FixedFdInstall, K> {
        let reserved = self.shared.reserved_files.clone();
        self.op(FixedFdInstall { slot: fd.slot(), flags: 0, fd: Some(fd.clone()), reserved })
    }
}
