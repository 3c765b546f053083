//! [`Metadata`]: what `statx(2)` says about a file, in `std`'s terms.

use std::fs::Permissions;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

/// The fields asked of `statx`: the basic ones and the birth time.
pub(crate) const MASK: u32 = libc::STATX_BASIC_STATS | libc::STATX_BTIME;

/// A file's metadata, from one `statx(2)` (`IORING_OP_STATX`): size, type,
/// permissions, owners, times, inode and device numbers.
///
/// Made by [`File::metadata`](super::File::metadata),
/// [`fs::metadata`](super::metadata) and
/// [`fs::symlink_metadata`](super::symlink_metadata). The raw structure
/// stays available ([`as_statx`](Self::as_statx)) for the fields `std`
/// does not name.
///
/// ```
/// # let rt = ring_core::Runtime::new(16)?;
/// # let d = rt.driver().clone();
/// rt.block_on(async {
///     let m = ring_core::fs::metadata(&d, "/").await?;
///     assert!(m.is_dir() && !m.is_file() && !m.is_symlink());
///     assert_eq!(m.ino(), std::os::unix::fs::MetadataExt::ino(&std::fs::metadata("/")?));
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct Metadata {
    raw: libc::statx,
}

impl core::fmt::Debug for Metadata {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Metadata")
            .field("len", &self.len())
            .field("mode", &format_args!("{:o}", self.mode()))
            .field("ino", &self.ino())
            .field("dev", &self.dev())
            .field("nlink", &self.nlink())
            .field("uid", &self.uid())
            .field("gid", &self.gid())
            .finish_non_exhaustive()
    }
}

/// Doc examples share this: the metadata of this crate's manifest.
macro_rules! doc_example {
    ($body:literal) => {
        concat!(
            "```\n",
            "# let rt = ring_core::Runtime::new(16)?;\n",
            "# let d = rt.driver().clone();\n",
            "# rt.block_on(async {\n",
            "let m = ring_core::fs::metadata(&d, \"/etc/hostname\").await?;\n",
            $body,
            "\n# Ok::<_, std::io::Error>(()) })??;\n",
            "# Ok::<(), std::io::Error>(())\n",
            "```"
        )
    };
}

impl Metadata {
    pub(crate) fn from_statx(raw: libc::statx) -> Self {
        Metadata { raw }
    }

    /// The size in bytes (`stx_size`).
    #[doc = doc_example!("assert_eq!(m.len(), std::fs::metadata(\"/etc/hostname\")?.len());")]
    pub fn len(&self) -> u64 {
        self.raw.stx_size
    }

    /// Whether the size is 0.
    #[doc = doc_example!("assert_eq!(m.is_empty(), m.len() == 0);")]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn file_type(&self) -> u32 {
        u32::from(self.raw.stx_mode) & libc::S_IFMT
    }

    /// Whether it is a regular file.
    #[doc = doc_example!("assert!(m.is_file());")]
    pub fn is_file(&self) -> bool {
        self.file_type() == libc::S_IFREG
    }

    /// Whether it is a directory.
    #[doc = doc_example!("assert!(!m.is_dir());")]
    pub fn is_dir(&self) -> bool {
        self.file_type() == libc::S_IFDIR
    }

    /// Whether it is a symbolic link (only from
    /// [`symlink_metadata`](super::symlink_metadata), which does not follow one).
    #[doc = doc_example!("assert!(!m.is_symlink());")]
    pub fn is_symlink(&self) -> bool {
        self.file_type() == libc::S_IFLNK
    }

    /// The permission bits, as `std::fs::Permissions`.
    #[doc = doc_example!("use std::os::unix::fs::PermissionsExt;\nassert_eq!(m.permissions().mode(), m.mode() & 0o7777);")]
    pub fn permissions(&self) -> Permissions {
        Permissions::from_mode(u32::from(self.raw.stx_mode) & 0o7777)
    }

    /// The whole mode: file type and permission bits (`stx_mode`).
    #[doc = doc_example!("assert_eq!(m.mode() & libc::S_IFMT, libc::S_IFREG);")]
    pub fn mode(&self) -> u32 {
        u32::from(self.raw.stx_mode)
    }

    /// The last modification time (`stx_mtime`).
    #[doc = doc_example!("assert!(m.modified()? <= std::time::SystemTime::now());")]
    pub fn modified(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_MTIME, self.raw.stx_mtime)
    }

    /// The last access time (`stx_atime`).
    #[doc = doc_example!("let _ = m.accessed()?;")]
    pub fn accessed(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_ATIME, self.raw.stx_atime)
    }

    /// The creation (birth) time (`stx_btime`). Fails with `Unsupported`
    /// where the file system does not record it.
    #[doc = doc_example!("match m.created() {\n    Ok(t) => println!(\"born {t:?}\"),\n    Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::Unsupported),\n}")]
    pub fn created(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_BTIME, self.raw.stx_btime)
    }

    /// The inode's last status change time (`stx_ctime`).
    #[doc = doc_example!("let _ = m.changed()?;")]
    pub fn changed(&self) -> io::Result<SystemTime> {
        self.time(libc::STATX_CTIME, self.raw.stx_ctime)
    }

    /// The inode number.
    #[doc = doc_example!("assert!(m.ino() != 0);")]
    pub fn ino(&self) -> u64 {
        self.raw.stx_ino
    }

    /// The device the file is on (as `st_dev`: `makedev(major, minor)`).
    #[doc = doc_example!("use std::os::unix::fs::MetadataExt;\nassert_eq!(m.dev(), std::fs::metadata(\"/etc/hostname\")?.dev());")]
    pub fn dev(&self) -> u64 {
        libc::makedev(self.raw.stx_dev_major, self.raw.stx_dev_minor)
    }

    /// The device a device file stands for (as `st_rdev`), 0 for others.
    #[doc = doc_example!("assert_eq!(m.rdev(), 0);")]
    pub fn rdev(&self) -> u64 {
        libc::makedev(self.raw.stx_rdev_major, self.raw.stx_rdev_minor)
    }

    /// The number of hard links.
    #[doc = doc_example!("assert!(m.nlink() >= 1);")]
    pub fn nlink(&self) -> u64 {
        u64::from(self.raw.stx_nlink)
    }

    /// The owner's user id.
    #[doc = doc_example!("let _uid = m.uid();")]
    pub fn uid(&self) -> u32 {
        self.raw.stx_uid
    }

    /// The owner's group id.
    #[doc = doc_example!("let _gid = m.gid();")]
    pub fn gid(&self) -> u32 {
        self.raw.stx_gid
    }

    /// The preferred I/O block size.
    #[doc = doc_example!("assert!(m.blksize() > 0);")]
    pub fn blksize(&self) -> u64 {
        u64::from(self.raw.stx_blksize)
    }

    /// The number of 512-byte blocks allocated.
    #[doc = doc_example!("let _blocks = m.blocks();")]
    pub fn blocks(&self) -> u64 {
        self.raw.stx_blocks
    }

    /// The raw `statx` structure.
    #[doc = doc_example!("assert_eq!(m.as_statx().stx_size, m.len());")]
    pub fn as_statx(&self) -> &libc::statx {
        &self.raw
    }

    /// A timestamp as a `SystemTime`, if the kernel filled it in.
    fn time(&self, bit: u32, ts: libc::statx_timestamp) -> io::Result<SystemTime> {
        if self.raw.stx_mask & bit == 0 {
            return Err(io::Error::new(io::ErrorKind::Unsupported, "the file system does not record this time"));
        }
        let nanos = Duration::from_nanos(u64::from(ts.tv_nsec.min(999_999_999)));
        let t = if ts.tv_sec >= 0 {
            SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(ts.tv_sec as u64)).and_then(|t| t.checked_add(nanos))
        } else {
            // Before the epoch: the seconds count down, the nanoseconds up.
            SystemTime::UNIX_EPOCH
                .checked_sub(Duration::from_secs(ts.tv_sec.unsigned_abs()))
                .and_then(|t| t.checked_add(nanos))
        };
        t.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "a timestamp outside what SystemTime holds"))
    }
}

impl From<libc::statx> for Metadata {
    /// Wraps a `statx` result (from [`Driver::statx`](crate::Driver::statx)).
    fn from(raw: libc::statx) -> Self {
        Metadata { raw }
    }
}
