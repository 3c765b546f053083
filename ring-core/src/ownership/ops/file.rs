//! What is done to an open file's data besides reading and writing it:
//! syncing, allocating, truncating, advising, and moving it between
//! descriptors (splice, tee).
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::io;

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

/// `ftruncate(2)` (`IORING_OP_FTRUNCATE`, 6.9); see [`Driver::ftruncate`].
///
/// ```
/// use ring_core::ops::{Ftruncate, Splice};
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-ftruncate-{}", std::process::id()));
/// let file = Rc::new(std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&path)?);
/// let (rx1, mut tx1) = std::io::pipe()?;
/// let (rx2, tx2) = std::io::pipe()?;
/// let (rx1, tx2) = (Rc::new(rx1), Rc::new(tx2));
/// tx1.write_all(b"teed")?;
/// rt.block_on(async {
///     // ftruncate is an operation since 6.9.
///     if d.require(ring_core::sys::IORING_OP_FTRUNCATE).is_ok() {
///         d.op(Ftruncate::new(&file, 4096)).await?;
///         assert_eq!(file.metadata()?.len(), 4096);
///     }
///     // tee: copy a pipe's contents into another pipe without consuming them.
///     assert_eq!(d.op(Splice::tee(&rx1, &tx2, 4, 0)).await?, 4);
///     Ok::<(), std::io::Error>(())
/// })??;
/// let mut copy = [0u8; 4];
/// std::io::Read::read_exact(&mut &rx2, &mut copy)?;
/// assert_eq!(&copy, b"teed");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
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
/// the ones here either only hint, or (`DontNeed`) replace the contents of
/// memory the operation owns with zeros before it is handed back, which is
/// a valid value for bytes. `MADV_FREE` is left out too: after it the
/// kernel may replace the pages with zeros at any later moment, until they
/// are next written, so bytes behind a `&[u8]` could change with no write,
/// which Rust assumes never happens.
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
    /// `MADV_COLD`.
    Cold,
    /// `MADV_PAGEOUT`.
    PageOut,
}

impl Advice {
    pub(crate) fn raw(self) -> i32 {
        match self {
            Advice::Normal => libc::MADV_NORMAL,
            Advice::Random => libc::MADV_RANDOM,
            Advice::Sequential => libc::MADV_SEQUENTIAL,
            Advice::WillNeed => libc::MADV_WILLNEED,
            Advice::DontNeed => libc::MADV_DONTNEED,
            Advice::Cold => libc::MADV_COLD,
            Advice::PageOut => libc::MADV_PAGEOUT,
        }
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

    /// Refused with `EINVAL` for a flag outside
    /// [`flags::SPLICE`](super::flags::SPLICE): above all
    /// `SPLICE_F_FD_IN_FIXED`, which would make the kernel read the input
    /// number as a slot of the ring's registered file table.
    #[inline]
    fn refuse(&self, _ring: crate::raw::ring_id::RingId) -> Option<i32> {
        super::flags::refuse_bits(self.flags, super::flags::SPLICE)
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<usize> {
        res(&result).map(|n| n as usize)
    }
}

fn off(o: Option<u64>) -> i64 {
    o.map_or(-1, |o| o as i64)
}

/// # Syncing, allocating, advising, truncating, splicing
///
/// ```
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-file-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::options().read(true).write(true).create(true).truncate(true).open(&path)?);
/// rt.block_on(async {
///     d.fallocate(&file, 0, 0, 8192).await?;
///     d.fadvise(&file, 0, 8192, libc::POSIX_FADV_SEQUENTIAL).await?;
///     let (n, _) = d.write_at(&file, b"hello".to_vec(), 0).await;
///     n?;
///     d.sync_file_range(&file, 0, 5, libc::SYNC_FILE_RANGE_WRITE as u32).await?;
///     d.fdatasync(&file).await?;
///     d.ftruncate(&file, 5).await?; // 6.9
///     d.fsync(&file).await?;
///     assert_eq!(file.metadata()?.len(), 5);
///
///     // splice moves bytes between a file and a pipe; tee copies between
///     // pipes.
///     let (r1, w1) = std::io::pipe()?;
///     let (r2, w2) = std::io::pipe()?;
///     let (r1, w1, r2, w2) = (Rc::new(r1), Rc::new(w1), Rc::new(r2), Rc::new(w2));
///     assert_eq!(d.splice(&file, Some(0), &w1, None, 5, 0).await?, 5);
///     assert_eq!(d.tee(&r1, &w2, 5, 0).await?, 5);
///     let (n, buf) = d.read(&r2, Vec::with_capacity(8)).await;
///     assert_eq!(&buf[..n?], b"hello");
///     let (n, buf) = d.read(&r1, Vec::with_capacity(8)).await;
///     assert_eq!(&buf[..n?], b"hello");
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// `fsync(2)` (`IORING_OP_FSYNC`, 5.1).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let path = std::env::temp_dir().join(format!("ring-doc-fsync-{}", std::process::id()));
    /// let file = std::rc::Rc::new(std::fs::File::create(&path)?);
    /// rt.block_on(d.fsync(&file))??;
    /// # std::fs::remove_file(path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn fsync(&self, fd: &impl AsSharedFd) -> Op<Fsync, K> {
        self.op(Fsync { fd: fd.shared_fd(), flags: 0 })
    }

    /// `fdatasync(2)` (`IORING_OP_FSYNC` with `IORING_FSYNC_DATASYNC`).
    pub fn fdatasync(&self, fd: &impl AsSharedFd) -> Op<Fsync, K> {
        self.op(Fsync { fd: fd.shared_fd(), flags: ring_sys::IORING_FSYNC_DATASYNC })
    }

    /// `fallocate(2)` (`IORING_OP_FALLOCATE`, 5.6).
    pub fn fallocate(&self, fd: &impl AsSharedFd, mode: i32, offset: u64, len: u64) -> Op<Fallocate, K> {
        self.op(Fallocate { fd: fd.shared_fd(), mode, offset, len })
    }

    /// `ftruncate(2)` (`IORING_OP_FTRUNCATE`, 6.9).
    pub fn ftruncate(&self, fd: &impl AsSharedFd, len: u64) -> Op<Ftruncate, K> {
        self.op(Ftruncate { fd: fd.shared_fd(), len })
    }

    /// `posix_fadvise(2)` (`IORING_OP_FADVISE`, 5.6); `advice` is a
    /// `POSIX_FADV_*` value.
    pub fn fadvise(&self, fd: &impl AsSharedFd, offset: u64, len: u64, advice: i32) -> Op<Fadvise, K> {
        self.op(Fadvise { fd: fd.shared_fd(), offset, len, advice })
    }

    /// `sync_file_range(2)` (`IORING_OP_SYNC_FILE_RANGE`, 5.2); `flags`
    /// are `SYNC_FILE_RANGE_*`.
    pub fn sync_file_range(&self, fd: &impl AsSharedFd, offset: u64, len: u32, flags: u32) -> Op<SyncFileRange, K> {
        self.op(SyncFileRange { fd: fd.shared_fd(), offset, len, flags })
    }

    /// `splice(2)` (`IORING_OP_SPLICE`, 5.7): moves up to `len` bytes; one
    /// side must be a pipe. `None` offsets use the file position (and must
    /// be `None` for a pipe). `flags` outside
    /// [`flags::SPLICE`](super::flags::SPLICE) (above all
    /// `SPLICE_F_FD_IN_FIXED`) complete with `EINVAL`.
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
    /// one pipe into another without consuming them. `flags` as for
    /// [`splice`](Self::splice).
    pub fn tee(&self, fd_in: &impl AsSharedFd, fd_out: &impl AsSharedFd, len: u32, flags: u32) -> Op<Splice, K> {
        let (fd_in, fd_out) = (fd_in.shared_fd(), fd_out.shared_fd());
        self.op(Splice { fd_in, off_in: None, fd_out, off_out: None, len, flags, tee: true })
    }
}
