//! Writes with a durability level: per-write `RWF_DSYNC` / `RWF_SYNC`
//! (`pwritev2(2)`'s flags, which `IORING_OP_WRITE` takes in `rw_flags`),
//! or, where the kernel refuses those flags, the write linked to an
//! `fsync` (tokio-linux-aio's `write_sync` and `SyncLevel`).

use super::{res, rw_len, Fsync};
use crate::kernel::Kernel;
use crate::ownership::buf::IoBuf;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use ring_sys::*;
use std::io;

/// How durable a write must be when it completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SyncLevel {
    /// An ordinary write: the data may still be only in the page cache.
    #[default]
    None,
    /// The data, and the metadata needed to read it back, are on stable
    /// storage (`RWF_DSYNC`, as `O_DSYNC` or `fdatasync(2)`).
    Data,
    /// The data and all of the file's metadata are on stable storage
    /// (`RWF_SYNC`, as `O_SYNC` or `fsync(2)`).
    Full,
}

impl SyncLevel {
    /// The `RWF_*` flag of this level (0 for [`SyncLevel::None`]).
    pub fn rwf(self) -> i32 {
        match self {
            SyncLevel::None => 0,
            SyncLevel::Data => libc::RWF_DSYNC,
            SyncLevel::Full => libc::RWF_SYNC,
        }
    }

    /// The `IORING_OP_FSYNC` flags that give this level after a plain
    /// write, or `None` for [`SyncLevel::None`].
    pub fn fsync_flags(self) -> Option<u32> {
        match self {
            SyncLevel::None => None,
            SyncLevel::Data => Some(IORING_FSYNC_DATASYNC),
            SyncLevel::Full => Some(0),
        }
    }
}

/// How a write reaches its [`SyncLevel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SyncMethod {
    /// The write carries `RWF_DSYNC` or `RWF_SYNC` (one request).
    Flags,
    /// The write is linked to an `fsync` (`IOSQE_IO_LINK`; two requests,
    /// the `fsync` cancelled if the write fails), for kernels or files
    /// that refuse the flags with `EOPNOTSUPP`.
    FsyncLink,
}

/// A write from an owned buffer with `RWF_*` flags of a [`SyncLevel`];
/// see [`Driver::write_at_sync`].
///
/// ```
/// use ring_core::ops::{SyncLevel, SyncMethod, WriteSync};
/// use std::rc::Rc;
///
/// assert_eq!(SyncLevel::Data.rwf(), libc::RWF_DSYNC);
/// assert_eq!(SyncLevel::Full.fsync_flags(), Some(0)); // a full fsync
/// assert_eq!(SyncLevel::None.fsync_flags(), None);
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-write-sync-{}", std::process::id()));
/// let file = Rc::new(std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&path)?);
/// let (n, _buf) = rt.block_on(d.op(WriteSync::new(&file, b"durable".to_vec(), 0, SyncLevel::Data)))?;
/// match n {
///     Ok(n) => assert_eq!(n, 7),
///     // This file refuses the flags: a write linked to an fsync instead
///     // (`SyncMethod::FsyncLink`, as `AioContext` chooses by itself).
///     Err(e) => println!("{e}: would use {:?}", SyncMethod::FsyncLink),
/// }
/// // A value never started gives its buffer back.
/// assert_eq!(WriteSync::new(&file, b"kept".to_vec(), 0, SyncLevel::Full).into_buf(), b"kept");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct WriteSync<B> {
    fd: SharedFd,
    buf: B,
    offset: u64,
    level: SyncLevel,
}

impl<B: IoBuf> WriteSync<B> {
    /// A write of `buf.bytes_init()` bytes to `fd` at `offset` that
    /// completes only once `level` is reached; the operation keeps `fd`
    /// open until it has ended.
    pub fn new(fd: &impl AsSharedFd, buf: B, offset: u64, level: SyncLevel) -> Self {
        WriteSync { fd: fd.shared_fd(), buf, offset, level }
    }

    /// The buffer, from a write that never started.
    pub fn into_buf(self) -> B {
        self.buf
    }
}

// SAFETY: as for `Write`: the SQE points only at `self.buf`'s stable
// memory, which the kernel only reads, `bytes_init` bytes long; the flags
// change only when the completion is posted.
unsafe impl<B: IoBuf> Operation for WriteSync<B> {
    type Output = (io::Result<usize>, B);

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_WRITE;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.buf.stable_ptr() as u64);
        sqe.len = rw_len(self.buf.bytes_init());
        sqe.set_off(self.offset);
        sqe.set_rw_flags(self.level.rwf());
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.buf)
    }
}

/// # Durable writes
///
/// A write that completes once its data are on stable storage, by the
/// write's own flags or by a write linked to an `fsync`.
///
/// ```
/// use ring_core::ops::SyncLevel;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-durable-{}", std::process::id()));
/// let file = Rc::new(std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&path)?);
/// rt.block_on(async {
///     let (n, buf) = d.write_at_sync(&file, b"flags".to_vec(), 0, SyncLevel::Data).await;
///     if let Err(e) = n {
///         println!("the file refuses RWF_DSYNC: {e}");
///     }
///     let (n, _buf) = d.write_at_sync_linked(&file, buf, 5, SyncLevel::Full).await;
///     assert_eq!(n?, 5);
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Writes all of `buf` to `fd` at `offset` and completes once the
    /// data are durable to `level` (`RWF_DSYNC` / `RWF_SYNC` on the
    /// write, 4.7's `pwritev2` flags, which every io_uring kernel knows).
    /// A file that refuses the flags completes with `EOPNOTSUPP`; then
    /// [`write_at_sync_linked`](Self::write_at_sync_linked) gives the same
    /// guarantee with two requests. [`crate::objects::adapters::AioContext::write_sync`]
    /// chooses between them by itself.
    pub fn write_at_sync<B: IoBuf>(
        &self,
        fd: &impl AsSharedFd,
        buf: B,
        offset: u64,
        level: SyncLevel,
    ) -> Op<WriteSync<B>, K> {
        self.op(WriteSync::new(fd, buf, offset, level))
    }

    /// As [`write_at_sync`](Self::write_at_sync), by a plain write linked
    /// to an `fsync` (`fdatasync` for [`SyncLevel::Data`]): the kernel
    /// starts the `fsync` only once the write succeeded, and cancels it
    /// otherwise. Resolves to the write's count (or the `fsync`'s error)
    /// and the buffer. A chain the driver cannot start (no room, a shut
    /// down driver) resolves to its error and the buffer.
    pub async fn write_at_sync_linked<B: IoBuf>(
        &self,
        fd: &impl AsSharedFd,
        buf: B,
        offset: u64,
        level: SyncLevel,
    ) -> (io::Result<usize>, B) {
        self.write_then_fsync(WriteSync::new(fd, buf, offset, SyncLevel::None), fd.shared_fd(), level, |f| f).await
    }

    /// The write and its `fsync` as one chain; `wrap` may give the `fsync`
    /// something to hold until its completion (a permit).
    pub(crate) async fn write_then_fsync<B: IoBuf, F: Operation<Output = io::Result<()>>>(
        &self,
        write: WriteSync<B>,
        fd: SharedFd,
        level: SyncLevel,
        wrap: impl FnOnce(Fsync) -> F,
    ) -> (io::Result<usize>, B) {
        let Some(flags) = level.fsync_flags() else {
            return self.op(write).await;
        };
        let mut chain = self.chain();
        let w = chain.push(write);
        let s = chain.push(wrap(Fsync { fd, flags }));
        let mut started = match chain.start().await {
            Ok(started) => started,
            Err(mut refused) => {
                let buf = refused.take(w).map(WriteSync::into_buf);
                let error = io::Error::from(refused.into_error());
                // Each member is taken back once, and the chain was built
                // here with the write as its first member.
                return match buf {
                    Some(buf) => (Err(error), buf),
                    None => unreachable!("the write is the chain's own first member"),
                };
            }
        };
        let (Some(w), Some(s)) = (started.take(w), started.take(s)) else {
            unreachable!("both members of a chain just started are there to take")
        };
        let (n, buf) = w.await;
        let synced = s.await;
        match (n, synced) {
            (Ok(n), Ok(())) => (Ok(n), buf),
            (Err(e), _) | (Ok(_), Err(e)) => (Err(e), buf),
        }
    }
}
