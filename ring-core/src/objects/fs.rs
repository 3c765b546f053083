//! [`File`]: a file opened, read, written, synced and closed through the ring.
//!
//! # Why the descriptor is a [`SharedFd`]
//!
//! The kernel looks a descriptor up when it *issues* a request, which can
//! be long after the SQE was written. If the descriptor were closed in the
//! meantime and its number reused by another `open`, the request would act
//! on the wrong file (see [`crate::ownership::shared_fd`]). Methods therefore take
//! `&self`, and every operation they start holds a clone of the file's
//! [`SharedFd`] inside the driver's table until its terminal completion —
//! also when its future is dropped or forgotten. Dropping a `File` closes
//! the descriptor only when the last operation naming it has ended. The
//! alternative, `&mut self` methods borrowing the file for the future's
//! lifetime, cannot cover a forgotten future, which releases the borrow
//! while the request is still in the kernel.

mod helpers;
mod metadata;

pub use helpers::{copy, metadata, read, symlink_metadata, write};
pub use metadata::Metadata;

use crate::kernel::{Kernel, Linux};
use crate::objects::io::engine::{PollIo, Target};
use crate::ownership::buf::{IoBuf, IoBufMut};
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Fsync, Ftruncate, Read, Readv, Statx, Write, Writev};
use crate::ownership::shared_fd::{AsSharedFd, At, SharedFd};
use std::ffi::CString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

pub(crate) fn cstring(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path has a NUL"))
}

/// A file driven by the ring. See the [module documentation](self) for how
/// the descriptor outlives every operation naming it.
///
/// A `File` is [`AsSharedFd`], so it can also be passed to any
/// [`Driver`] method that names a descriptor (`driver.splice(&file, ..)`).
///
/// ```
/// use ring_core::fs::File;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-file-obj-{}", std::process::id()));
/// rt.block_on(async {
///     let f = File::create(&d, &path).await?;
///     let (r, _) = f.write_all_at(b"hello, ring".to_vec(), 0).await;
///     r?;
///     let (n, _) = f.writev_at(vec![b"!".to_vec(), b"?".to_vec()], 11).await;
///     assert_eq!(n?, 2);
///     let (n, _) = f.write_at(b"H".to_vec(), 0).await;
///     assert_eq!(n?, 1);
///     f.sync_data().await?;
///     f.set_len(12).await?;
///     f.sync_all().await?;
///     let _same_driver = f.driver().clone();
///     f.close().await?;
///
///     let f = File::open(&d, &path).await?;
///     let (n, buf) = f.read_at(Vec::with_capacity(64), 0).await;
///     assert_eq!(&buf[..n?], b"Hello, ring!");
///     let (r, buf) = f.read_exact_at(vec![0u8; 4], 7).await;
///     r?;
///     assert_eq!(buf, b"ring");
///     let (n, bufs) = f.readv_at(vec![Vec::with_capacity(5), Vec::with_capacity(7)], 0).await;
///     assert_eq!(n?, 12);
///     assert_eq!(bufs[0], b"Hello");
///
///     // Descriptors from elsewhere, and open flags of one's own.
///     let _std = File::from_std(&d, std::fs::File::open(&path)?);
///     let _fd = File::from_fd(&d, std::fs::File::open(&path)?.into());
///     let _rw = File::open_with(&d, &path, libc::O_RDWR | libc::O_APPEND, 0).await?;
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct File<K: Kernel = Linux> {
    fd: SharedFd,
    driver: Driver<K>,
    /// The poll-based reader and writer with the cursor (`crate::objects::io`),
    /// made on first use.
    poll: Option<Box<PollIo<K>>>,
}

impl<K: Kernel> core::fmt::Debug for File<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("File").field("fd", &self.fd.as_raw_fd()).finish()
    }
}

impl<K: Kernel> File<K> {
    /// Opens `path` read-only.
    pub async fn open(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Self> {
        Self::open_with(driver, path, libc::O_RDONLY, 0).await
    }

    /// Creates (or truncates) `path` for reading and writing, mode 0644.
    pub async fn create(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Self> {
        Self::open_with(driver, path, libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC, 0o644).await
    }

    /// Opens `path` with `open(2)` flags and a creation mode
    /// (`IORING_OP_OPENAT`); close-on-exec is always added.
    pub async fn open_with(driver: &Driver<K>, path: impl AsRef<Path>, flags: i32, mode: u32) -> io::Result<Self> {
        let fd = driver.openat(At::CWD, cstring(path.as_ref())?, flags, mode).await?;
        Ok(File::from_fd(driver, fd))
    }

    /// Wraps an open descriptor.
    pub fn from_fd(driver: &Driver<K>, fd: OwnedFd) -> Self {
        File { fd: SharedFd::new(fd), driver: driver.clone(), poll: None }
    }

    /// Wraps a `std::fs::File`.
    pub fn from_std(driver: &Driver<K>, f: std::fs::File) -> Self {
        Self::from_fd(driver, f.into())
    }

    /// Reads into `buf` at `pos`; resolves to the count and the buffer.
    pub fn read_at<B: IoBufMut>(&self, buf: B, pos: u64) -> Op<Read<B>, K> {
        self.driver.op(Read::new(&self.fd, buf, pos))
    }

    /// Writes `buf`'s initialised bytes at `pos`.
    pub fn write_at<B: IoBuf>(&self, buf: B, pos: u64) -> Op<Write<B>, K> {
        self.driver.op(Write::new(&self.fd, buf, pos))
    }

    /// Scatter read at `pos`.
    pub fn readv_at<B: IoBufMut>(&self, bufs: Vec<B>, pos: u64) -> Op<Readv<B>, K> {
        self.driver.op(Readv::new(&self.fd, bufs, pos))
    }

    /// Gather write at `pos`.
    pub fn writev_at<B: IoBuf>(&self, bufs: Vec<B>, pos: u64) -> Op<Writev<B>, K> {
        self.driver.op(Writev::new(&self.fd, bufs, pos))
    }

    /// Fills all of `buf`'s capacity from `pos` on, or fails with
    /// `UnexpectedEof` (the buffer comes back either way).
    pub async fn read_exact_at<B: IoBufMut>(&self, buf: B, pos: u64) -> (io::Result<()>, B) {
        let total = buf.bytes_total();
        let mut filled = 0;
        let mut buf = buf;
        while filled < total {
            let (r, slice) = self.read_at(buf.slice(filled..), pos + filled as u64).await;
            buf = slice.into_inner();
            match r {
                Ok(0) => return (Err(io::ErrorKind::UnexpectedEof.into()), buf),
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// Writes all of `buf`'s initialised bytes from `pos` on.
    pub async fn write_all_at<B: IoBuf>(&self, buf: B, pos: u64) -> (io::Result<()>, B) {
        let total = buf.bytes_init();
        let mut done = 0;
        let mut buf = buf;
        while done < total {
            let (r, slice) = self.write_at(buf.slice(done..total), pos + done as u64).await;
            buf = slice.into_inner();
            match r {
                Ok(0) => return (Err(io::ErrorKind::WriteZero.into()), buf),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return (Err(e), buf),
            }
        }
        (Ok(()), buf)
    }

    /// `fsync(2)`: data and metadata.
    pub fn sync_all(&self) -> Op<Fsync, K> {
        self.driver.op(Fsync { fd: self.fd.clone(), flags: 0 })
    }

    /// `fdatasync(2)`: data, and the metadata needed to read it back.
    pub fn sync_data(&self) -> Op<Fsync, K> {
        self.driver.op(Fsync { fd: self.fd.clone(), flags: ring_sys::IORING_FSYNC_DATASYNC })
    }

    /// Truncates or extends the file to `len` bytes (`IORING_OP_FTRUNCATE`, 6.9).
    pub fn set_len(&self, len: u64) -> Op<Ftruncate, K> {
        self.driver.op(Ftruncate { fd: self.fd.clone(), len })
    }

    /// `statx(2)` of the open file (`AT_EMPTY_PATH`): its size, type,
    /// permissions, times and the rest, as a [`Metadata`].
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let f = ring_core::File::open(&d, "/etc/hostname").await?;
    ///     let m = f.metadata().await?;
    ///     assert!(m.is_file());
    ///     println!("{} bytes, modified {:?}", m.len(), m.modified()?);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn metadata(&self) -> io::Result<Metadata> {
        let path = CString::default();
        let op = Statx::new(At::from(self.fd.clone()), path, libc::AT_EMPTY_PATH, metadata::MASK);
        self.driver.op(op).await.map(Metadata::from_statx)
    }

    /// Closes the file through the ring and reports the kernel's result.
    /// If operations naming the file are still in flight (their futures
    /// were dropped), or other [`SharedFd`] handles of it live, the
    /// descriptor is closed when the last of them goes instead, and this
    /// returns `Ok(())`.
    pub async fn close(mut self) -> io::Result<()> {
        // Writes queued by the poll-based writer go out first, and their
        // failure is this close's; a read it left in flight is cancelled.
        if let Some(mut p) = self.poll.take() {
            let t = Target { fd: &self.fd, driver: &self.driver };
            core::future::poll_fn(|cx| p.poll_flush(&t, cx)).await?;
        }
        match self.fd.try_into_owned() {
            Ok(fd) => self.driver.close(fd).await,
            Err(_still_used) => Ok(()),
        }
    }

    /// The driver this file submits to.
    pub fn driver(&self) -> &Driver<K> {
        &self.driver
    }
}

impl<K: Kernel> AsFd for File<K> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl<K: Kernel> AsRawFd for File<K> {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.raw()
    }
}

impl<K: Kernel> AsSharedFd for File<K> {
    fn shared_fd(&self) -> SharedFd {
        self.fd.clone()
    }
}

impl<K: Kernel> TryFrom<File<K>> for OwnedFd {
    type Error = File<K>;

    /// The descriptor, if no operation naming it is in flight (and no
    /// other [`SharedFd`] of it lives).
    fn try_from(f: File<K>) -> Result<OwnedFd, File<K>> {
        let File { fd, driver, poll } = f;
        fd.try_into_owned().map_err(|fd| File { fd, driver, poll })
    }
}
