//! `std::fs`-like free functions on a driver ([`read`], [`write`],
//! [`copy`], [`metadata`], [`symlink_metadata`]) and `File`'s
//! `read_to_end_at` and poll-based engine.

use super::{cstring, File, Metadata};
use crate::error::Error;
use crate::kernel::Kernel;
use crate::objects::io::engine::{Access, PollIo, Target};
use crate::objects::io::traits::{engine_traits, HasEngine, PollSeek};
use crate::ownership::buf::IoBuf;
use crate::ownership::driver::Driver;
use crate::ownership::ops::Statx;
use crate::ownership::shared_fd::At;
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::Poll;
use std::io;
use std::path::Path;

/// The size of each chunk [`copy`] reads and writes.
const COPY_CHUNK: usize = 256 * 1024;
/// How many chunks [`copy`] keeps in flight: reads of later chunks overlap
/// writes of earlier ones.
const COPY_DEPTH: usize = 8;

/// Reads the whole file at `path` (`openat`, `statx`, reads, `close`, all
/// through the ring).
///
/// The buffer is sized from the file's length before the first read, and
/// that allocation is fallible: a length that does not fit in memory fails
/// with `OutOfMemory` instead of aborting. For data whose length you do not
/// trust, read with a limit: [`File::read_to_end_at`].
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// rt.block_on(async {
///     let bytes = ring_core::fs::read(&d, "/etc/hostname").await?;
///     assert_eq!(bytes, std::fs::read("/etc/hostname")?);
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read<K: Kernel>(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let f = File::open(driver, path).await?;
    let len = f.metadata().await?.len();
    let mut buf = Vec::new();
    let hint = usize::try_from(len).unwrap_or(usize::MAX);
    buf.try_reserve_exact(hint).map_err(|_| Error::OutOfMemory { what: "file's contents", bytes: hint })?;
    let (r, buf) = f.read_to_end_at(buf, 0, usize::MAX).await;
    r?;
    f.close().await?;
    Ok(buf)
}

/// Creates (or truncates) the file at `path` and writes all of `contents`
/// into it, mode 0644 for a new file.
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-doc-write-{}", std::process::id()));
/// rt.block_on(async {
///     ring_core::fs::write(&d, &path, b"hello".to_vec()).await?;
///     assert_eq!(ring_core::fs::read(&d, &path).await?, b"hello");
///     Ok::<_, std::io::Error>(())
/// })??;
/// # std::fs::remove_file(path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn write<K: Kernel, B: IoBuf>(driver: &Driver<K>, path: impl AsRef<Path>, contents: B) -> io::Result<()> {
    let f = File::open_with(driver, path, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC, 0o644).await?;
    let (r, _) = f.write_all_at(contents, 0).await;
    r?;
    f.close().await
}

/// Copies the contents of the file at `from` to `to`, creating or
/// truncating `to` with `from`'s permission bits (as `open(2)` applies
/// them: less the umask). Returns the number of bytes copied.
///
/// Up to 8 chunks of 256 KiB are in flight at once, each read and then
/// written at its own offset, so reads of later chunks overlap writes of
/// earlier ones. The chunks cover the length `from` had when it was
/// opened; whatever follows (a file that grew, or one whose size `statx`
/// does not know, as in `/proc`) is then copied chunk by chunk to end of
/// file. `from` must be a regular file (else `InvalidInput`, as `std`).
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// let to = std::env::temp_dir().join(format!("ring-doc-copy-{}", std::process::id()));
/// rt.block_on(async {
///     let n = ring_core::fs::copy(&d, "/etc/hostname", &to).await?;
///     assert_eq!(n, std::fs::metadata("/etc/hostname")?.len());
///     Ok::<_, std::io::Error>(())
/// })??;
/// # std::fs::remove_file(to)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn copy<K: Kernel>(driver: &Driver<K>, from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let src = File::open(driver, from).await?;
    let meta = src.metadata().await?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "the source path is not a regular file"));
    }
    let mode = meta.mode() & 0o7777;
    let dst = File::open_with(driver, to, libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC, mode).await?;
    let len = meta.len();
    let mut copied = copy_pipelined(&src, &dst, len).await?;
    // Whatever lies past the measured length, one chunk at a time.
    let mut buf = Vec::new();
    buf.try_reserve_exact(COPY_CHUNK).map_err(|_| Error::OutOfMemory { what: "copy buffer", bytes: COPY_CHUNK })?;
    loop {
        let (r, b) = src.read_at(buf, copied).await;
        let n = r?;
        if n == 0 {
            break;
        }
        let (r, mut b) = dst.write_all_at(b, copied).await;
        r?;
        copied += n as u64;
        b.clear();
        buf = b;
    }
    src.close().await?;
    dst.close().await?;
    Ok(copied)
}

/// A chunk in flight: resolves to where it started, how much it asked
/// for, and its buffer (holding what was read and written).
type Chunk<'a> = Pin<Box<dyn Future<Output = io::Result<(u64, usize, Vec<u8>)>> + 'a>>;

/// Copies `[0, len)` with up to [`COPY_DEPTH`] chunks in flight; returns
/// where the copy stopped (`len`, or earlier if the file shrank).
async fn copy_pipelined<K: Kernel>(src: &File<K>, dst: &File<K>, len: u64) -> io::Result<u64> {
    let mut next = 0u64;
    let mut end = len;
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut flying: Vec<Chunk<'_>> = Vec::new();
    poll_fn(|cx| loop {
        while next < end && flying.len() < COPY_DEPTH {
            let at = next;
            let want = (end - at).min(COPY_CHUNK as u64) as usize;
            let mut buf = spare.pop().unwrap_or_default();
            buf.clear();
            if buf.try_reserve_exact(want).is_err() {
                return Poll::Ready(Err(Error::OutOfMemory { what: "copy buffer", bytes: want }.into()));
            }
            flying.push(Box::pin(async move {
                // Read the chunk whole (a short read is continued); a
                // chunk cut short by end of file is written as far as it
                // goes.
                let (r, buf) = src.read_exact_at(buf.slice(..want), at).await;
                let buf = buf.into_inner();
                match r {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {}
                    Err(e) => return Err(e),
                }
                let (r, buf) = dst.write_all_at(buf, at).await;
                r?;
                Ok((at, want, buf))
            }));
            next += want as u64;
        }
        if flying.is_empty() {
            return Poll::Ready(Ok(end));
        }
        let mut progressed = false;
        let mut i = 0;
        while i < flying.len() {
            match flying[i].as_mut().poll(cx) {
                Poll::Ready(r) => {
                    drop(flying.swap_remove(i));
                    let (at, want, buf) = r?;
                    if buf.len() < want {
                        // End of file before the measured length: the file
                        // shrank, and chunks past it read nothing.
                        end = end.min(at + buf.len() as u64);
                    }
                    spare.push(buf);
                    progressed = true;
                }
                Poll::Pending => i += 1,
            }
        }
        if !progressed {
            return Poll::Pending;
        }
    })
    .await
}

/// `statx(2)` of the file at `path`, following a final symbolic link.
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// rt.block_on(async {
///     let m = ring_core::fs::metadata(&d, "/etc/hostname").await?;
///     assert_eq!(m.len(), std::fs::metadata("/etc/hostname")?.len());
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn metadata<K: Kernel>(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Metadata> {
    stat(driver, path.as_ref(), 0).await
}

/// `statx(2)` of the file at `path`, without following a final symbolic
/// link (`AT_SYMLINK_NOFOLLOW`).
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// let link = std::env::temp_dir().join(format!("ring-doc-link-{}", std::process::id()));
/// std::os::unix::fs::symlink("/etc/hostname", &link)?;
/// rt.block_on(async {
///     assert!(ring_core::fs::symlink_metadata(&d, &link).await?.is_symlink());
///     assert!(ring_core::fs::metadata(&d, &link).await?.is_file());
///     Ok::<_, std::io::Error>(())
/// })??;
/// # std::fs::remove_file(link)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn symlink_metadata<K: Kernel>(driver: &Driver<K>, path: impl AsRef<Path>) -> io::Result<Metadata> {
    stat(driver, path.as_ref(), libc::AT_SYMLINK_NOFOLLOW).await
}

async fn stat<K: Kernel>(driver: &Driver<K>, path: &Path, flags: i32) -> io::Result<Metadata> {
    let op = Statx::new(At::CWD, cstring(path)?, flags, super::metadata::MASK);
    driver.op(op).await.map(Metadata::from_statx)
}

impl<K: Kernel> HasEngine<K> for File<K> {
    fn engine(&mut self) -> (&mut PollIo<K>, Target<'_, K>) {
        let io = self.poll.get_or_insert_with(|| {
            Box::new(PollIo::new(Access::Positioned, crate::objects::io::engine::DEFAULT_BUFFER))
        });
        (io, Target { fd: &self.fd, driver: &self.driver })
    }
}

impl<K: Kernel> File<K> {
    /// Reads from `pos` to end of file, appending to `buf`, but at most
    /// `limit` bytes: a longer file fails with
    /// [`LimitExceeded`](crate::objects::io::LimitExceeded) (kind `FileTooLarge`),
    /// the first `limit` bytes in the buffer. The buffer grows as bytes
    /// arrive and never past `limit` (plus a 32-byte probe), so a file
    /// that is larger than you expected cannot make it allocate more.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let f = ring_core::File::open(&d, "/etc/hostname").await?;
    ///     let (n, name) = f.read_to_end_at(Vec::new(), 0, 4096).await;
    ///     assert_eq!(n?, name.len());
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn read_to_end_at(&self, buf: Vec<u8>, pos: u64, limit: usize) -> (io::Result<usize>, Vec<u8>) {
        crate::objects::io::read_to_end_owned(buf, limit, |slice, done| {
            self.read_at(slice, pos.saturating_add(done as u64))
        })
        .await
    }

    /// The poll-based cursor: where the next [`PollRead`](crate::objects::io::PollRead)
    /// read or [`PollWrite`](crate::objects::io::PollWrite) write happens. It starts
    /// at 0, whatever the descriptor's own file offset (which the
    /// positioned reads and writes neither read nor move); move it with
    /// [`PollSeek`].
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// use ring_core::io::PollRead;
    /// rt.block_on(async {
    ///     let mut f = ring_core::File::open(&d, "/etc/hostname").await?;
    ///     let mut two = [0u8; 2];
    ///     std::future::poll_fn(|cx| f.poll_read(cx, &mut two)).await?;
    ///     assert_eq!(f.position(), 2);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn position(&self) -> u64 {
        self.poll.as_ref().map_or(0, |p| p.position())
    }

    /// Sets the size of the poll-based reader's and writer's internal
    /// buffers: the most one read (read-ahead) or write through them
    /// transfers. Applies to buffers allocated from now on; clamped to
    /// 1 byte .. [`MAX_RW_COUNT`](crate::ownership::ops::MAX_RW_COUNT). The default is [`DEFAULT_BUFFER`](crate::objects::adapters::DEFAULT_BUFFER).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let mut f = ring_core::File::open(&d, "/etc/hostname").await?;
    ///     f.set_buffer_capacity(1 << 20);
    ///     assert_eq!(f.buffer_capacity(), 1 << 20);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn set_buffer_capacity(&mut self, capacity: usize) {
        self.engine().0.set_capacity(capacity)
    }

    /// The size of the poll-based reader's and writer's internal buffers.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let f = ring_core::File::open(&d, "/etc/hostname").await?;
    ///     assert_eq!(f.buffer_capacity(), ring_core::adapters::DEFAULT_BUFFER);
    ///     Ok::<_, std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn buffer_capacity(&self) -> usize {
        self.poll.as_ref().map_or(crate::objects::io::engine::DEFAULT_BUFFER, |p| p.capacity())
    }
}

engine_traits!([K: Kernel] File<K>);

impl<K: Kernel> PollSeek for File<K> {
    fn poll_seek(
        &mut self,
        cx: &mut core::task::Context<'_>,
        pos: std::io::SeekFrom,
    ) -> core::task::Poll<io::Result<u64>> {
        let (io, t) = self.engine();
        io.poll_seek(&t, cx, pos)
    }
}
