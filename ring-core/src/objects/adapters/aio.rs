//! [`AioContext`]: a bounded context for `O_DIRECT` file I/O with
//! page-aligned buffers, shaped like tokio-linux-aio's `AioContext`
//! (read, write, sync, datasync), on io_uring.
//!
//! # Backpressure
//!
//! The context has a fixed capacity: at most that many of its operations
//! are in flight at once. Each operation first takes a permit from a
//! counting semaphore; callers that find none wait in FIFO order, each in
//! its own future (there is no queue of submissions: a waiting call has
//! not built anything yet, and dropping it simply leaves the queue). A
//! released permit is handed directly to the first waiter, so a newcomer
//! cannot overtake the queue.
//!
//! The permit is not held by the caller's future but *by the operation*
//! (inside its value in the driver's table, next to its buffer), so it is
//! returned when the kernel's completion is seen and the operation value
//! is dropped, even if the caller's future was dropped or forgotten. The
//! capacity therefore bounds what the kernel has in flight, not merely the
//! futures that are still being polled.
//!
//! Buffers are [`AlignedBuf`]s (page-aligned address and length, as
//! `O_DIRECT` requires on most file systems), owned by the operation while
//! the kernel uses them and returned with the result. The file is passed
//! as anything [`AsSharedFd`] (an `Rc` of a `std::fs::File`, a
//! [`crate::File`]); each operation keeps a [`SharedFd`](crate::SharedFd)
//! of it until its completion, so the descriptor cannot be closed and
//! reused under a request.
//!
//! # Sharing and durability
//!
//! The context is `Clone`: every clone shares the driver, the capacity and
//! its permits, so the tasks that issue I/O each hold one, as with
//! tokio-linux-aio. [`write_sync`](AioContext::write_sync) writes with a
//! [`SyncLevel`]: per-write `RWF_DSYNC`/`RWF_SYNC` where the file takes
//! them, the write linked to an `fsync` where it answers `EOPNOTSUPP`
//! (learnt once per context and shared by its clones). It returns a
//! [`BufResult`], whose error carries the buffer, so `?` keeps it.

use crate::kernel::{Kernel, Linux};
use crate::objects::semaphore::{OwnedPermit, Semaphore};
use crate::ownership::buf::{AlignedBuf, BufResult, BufResultExt};
use crate::ownership::driver::Driver;
use crate::ownership::ops::{Fsync, KeepAlive, Read, SyncLevel, SyncMethod, Write, WriteSync};
use crate::ownership::shared_fd::AsSharedFd;
use core::cell::Cell;
use std::io;
use std::rc::Rc;

/// A bounded context for (typically `O_DIRECT`) file I/O; see the
/// [module docs](self). Clones share the driver, the capacity and its
/// permits.
///
/// ```
/// use ring_core::adapters::aio::AioContext;
/// use ring_core::buf::AlignedBuf;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-aio-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::options().read(true).write(true).create(true).truncate(true).open(&path)?);
/// let aio = AioContext::new(&d, 4); // at most 4 requests in flight
/// assert_eq!((aio.capacity(), aio.in_flight(), aio.waiting()), (4, 0, 0));
/// rt.block_on(async {
///     let mut buf = AlignedBuf::new(4096)?;
///     buf.as_mut_slice().fill(7);
///     let (n, _buf) = aio.write(&file, 0, buf).await;
///     assert_eq!(n?, 4096);
///     aio.datasync(&file).await?;
///     aio.sync(&file).await?;
///     let (n, buf) = aio.read(&file, 0, AlignedBuf::new(4096)?).await;
///     assert_eq!(n?, 4096);
///     assert!(buf.as_slice().iter().all(|b| *b == 7));
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?
/// .map_err(|e| std::io::Error::other(e.to_string()))?;
/// assert!(aio.peak() >= 1);
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct AioContext<K: Kernel = Linux> {
    driver: Driver<K>,
    sem: Rc<Semaphore>,
    capacity: usize,
    peak: Rc<Cell<usize>>,
    /// How sync writes reach their level: `None` until the first one
    /// learnt whether the kernel takes the `RWF_*` flags.
    sync: Rc<Cell<Option<SyncMethod>>>,
}

impl<K: Kernel> Clone for AioContext<K> {
    fn clone(&self) -> Self {
        AioContext {
            driver: self.driver.clone(),
            sem: self.sem.clone(),
            capacity: self.capacity,
            peak: self.peak.clone(),
            sync: self.sync.clone(),
        }
    }
}

impl<K: Kernel> core::fmt::Debug for AioContext<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AioContext")
            .field("capacity", &self.capacity)
            .field("in_flight", &self.in_flight())
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// Sync writes: found out, or fixed by hand.
///
/// ```
/// use ring_core::adapters::aio::AioContext;
/// use ring_core::buf::AlignedBuf;
/// use ring_core::ops::{SyncLevel, SyncMethod};
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-aio-sync-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::options().write(true).create(true).truncate(true).open(&path)?);
/// let aio = AioContext::new(&d, 4);
/// assert_eq!(aio.sync_method(), None, "not found out yet");
/// rt.block_on(async {
///     let (n, _buf) = aio.write_sync(&file, 0, AlignedBuf::new(4096)?, SyncLevel::Data).await?;
///     assert_eq!(n, 4096);
///     assert!(aio.sync_method().is_some(), "found out by the first sync write");
///     // Or fixed by hand, for a file system known to refuse the flags.
///     aio.set_sync_method(SyncMethod::FsyncLink);
///     let (n, _buf) = aio.write_sync(&file, 4096, AlignedBuf::new(4096)?, SyncLevel::Full).await?;
///     assert_eq!(n, 4096);
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?
/// .map_err(|e| std::io::Error::other(e.to_string()))?;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> AioContext<K> {
    /// A context on `driver` that keeps at most `capacity` operations (at
    /// least 1) in flight.
    pub fn new(driver: &Driver<K>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        AioContext {
            driver: driver.clone(),
            sem: Rc::new(Semaphore::new(capacity)),
            capacity,
            peak: Rc::new(Cell::new(0)),
            sync: Rc::new(Cell::new(None)),
        }
    }

    /// The most operations in flight at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Operations holding a permit now (submitted or about to be; a permit
    /// granted to a waiter that has not taken it yet counts).
    pub fn in_flight(&self) -> usize {
        self.capacity - self.sem.available_permits()
    }

    /// The most permits ever held at once (never above the capacity).
    pub fn peak(&self) -> usize {
        self.peak.get()
    }

    /// Callers waiting for a permit.
    pub fn waiting(&self) -> usize {
        self.sem.waiting()
    }

    /// A permit, held by the operation it is moved into.
    async fn acquire(&self) -> OwnedPermit {
        let permit = match self.sem.acquire_owned().await {
            Ok(p) => p,
            // Not reached: the context never closes its semaphore, and asks
            // for one permit at a time.
            Err(_) => std::future::pending().await,
        };
        self.peak.set(self.peak.get().max(self.in_flight()));
        permit
    }

    /// Reads `buf.len()` bytes at `offset` (for `O_DIRECT`, a multiple of
    /// the device's logical block size) into `buf`; resolves to the count
    /// and the buffer.
    pub async fn read(&self, file: &impl AsSharedFd, offset: u64, buf: AlignedBuf) -> (io::Result<usize>, AlignedBuf) {
        let permit = self.acquire().await;
        let op = Read::new(file, buf, offset);
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// Writes all of `buf` at `offset`; resolves to the count and the buffer.
    pub async fn write(&self, file: &impl AsSharedFd, offset: u64, buf: AlignedBuf) -> (io::Result<usize>, AlignedBuf) {
        let permit = self.acquire().await;
        let op = Write::new(file, buf, offset);
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// Writes all of `buf` at `offset` and completes once the data are
    /// durable to `level`; resolves to the count and the buffer, or a
    /// [`BufError`](crate::ownership::buf::BufError) with the buffer.
    ///
    /// [`SyncLevel::Data`] and [`SyncLevel::Full`] are one write with
    /// `RWF_DSYNC` or `RWF_SYNC` where the file takes them; the first sync
    /// write the kernel refuses with `EOPNOTSUPP` switches the context
    /// (and its clones) to a write linked to an `fsync`, and is itself
    /// redone that way. Either way the operation holds one permit.
    pub async fn write_sync(
        &self,
        file: &impl AsSharedFd,
        offset: u64,
        buf: AlignedBuf,
        level: SyncLevel,
    ) -> BufResult<usize, AlignedBuf> {
        let method = if level == SyncLevel::None { Some(SyncMethod::Flags) } else { self.sync.get() };
        if method != Some(SyncMethod::FsyncLink) {
            let permit = self.acquire().await;
            let op = WriteSync::new(file, buf, offset, level);
            let (r, buf) = self.driver.op(KeepAlive::new(op, permit)).await;
            match r {
                Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) && method.is_none() => {
                    self.sync.set(Some(SyncMethod::FsyncLink));
                    return self.write_linked(file, offset, buf, level).await.into_buf_result();
                }
                r => {
                    if r.is_ok() && level != SyncLevel::None {
                        self.sync.set(Some(SyncMethod::Flags));
                    }
                    return (r, buf).into_buf_result();
                }
            }
        }
        self.write_linked(file, offset, buf, level).await.into_buf_result()
    }

    /// The write and an `fsync` as one linked chain; the `fsync` holds the
    /// permit, so it is returned at the chain's last completion.
    async fn write_linked(
        &self,
        file: &impl AsSharedFd,
        offset: u64,
        buf: AlignedBuf,
        level: SyncLevel,
    ) -> (io::Result<usize>, AlignedBuf) {
        let permit = self.acquire().await;
        let write = WriteSync::new(file, buf, offset, SyncLevel::None);
        self.driver.write_then_fsync(write, file.shared_fd(), level, move |f| KeepAlive::new(f, permit)).await
    }

    /// How sync writes reach their level: `None` until the first sync
    /// write found out, or as set by [`set_sync_method`](Self::set_sync_method).
    pub fn sync_method(&self) -> Option<SyncMethod> {
        self.sync.get()
    }

    /// Fixes how sync writes reach their level (for this context and its
    /// clones), instead of finding out at the first one:
    /// [`SyncMethod::FsyncLink`] for a file system known to refuse the
    /// flags, or to measure one against the other.
    pub fn set_sync_method(&self, method: SyncMethod) {
        self.sync.set(Some(method));
    }

    /// `fsync(2)` of `file`, counted against the capacity.
    pub async fn sync(&self, file: &impl AsSharedFd) -> io::Result<()> {
        let permit = self.acquire().await;
        let op = Fsync { fd: file.shared_fd(), flags: 0 };
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// `fdatasync(2)` of `file`, counted against the capacity.
    pub async fn datasync(&self, file: &impl AsSharedFd) -> io::Result<()> {
        let permit = self.acquire().await;
        let op = Fsync { fd: file.shared_fd(), flags: ring_sys::IORING_FSYNC_DATASYNC };
        self.driver.op(KeepAlive::new(op, permit)).await
    }
}
