//! The typed errors of ring-core.
//!
//! Bad input never panics inside the library: each way a request can be
//! wrong has its own variant that says what was wrong, and every variant
//! converts into `std::io::Error` (keeping the errno where there is one) for
//! callers that only want `?`.

use core::fmt;
use ring_sys::Errno;
use std::io;

/// Which step talked to the kernel when an [`Error::Syscall`] happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Call {
    /// `io_uring_setup(2)`.
    Setup,
    /// `io_uring_enter(2)`.
    Enter,
    /// `io_uring_register(2)` with this `IORING_REGISTER_*` opcode.
    Register(u32),
    /// `mmap(2)` of a ring region.
    Mmap,
    /// Another libc call (eventfd, pipe, ...), named.
    Other(&'static str),
}

/// Everything that can go wrong in ring-core.
///
/// ```
/// use ring_core::error::{Call, Error, Result};
///
/// // Bad input is a typed error, never a panic.
/// let e: Error = ring_core::buf::AlignedBuf::with_alignment(4096, 3).unwrap_err();
/// assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
/// assert_eq!(e.errno().map(|e| e.raw()), Some(libc::EINVAL)); // the errno it stands for
/// assert!(!e.is_transient());
///
/// // What the kernel said, and which call said it.
/// let busy = Error::Syscall { call: Call::Enter, errno: ring_core::sys::Errno::new(libc::EBUSY) };
/// assert!(busy.is_transient());
/// assert_eq!(busy.errno().map(|e| e.raw()), Some(libc::EBUSY));
/// // Into `io::Error` for `?` in I/O code (the typed error inside).
/// let io: std::io::Error = busy.into();
/// println!("{io}");
///
/// fn ring_of(entries: u32) -> Result<ring_core::Ring> {
///     ring_core::Ring::new(entries)
/// }
/// assert!(ring_of(4).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A ring size outside what the kernel accepts. `which` is `"sq"` or `"cq"`.
    RingSize {
        /// Which ring the size was for.
        which: &'static str,
        /// What was asked for.
        requested: u32,
        /// The largest size the kernel accepts (without `IORING_SETUP_CLAMP`).
        max: u32,
    },
    /// The running kernel rejected a setup flag it does not know.
    UnsupportedSetupFlag {
        /// The flag's kernel name, for example `"IORING_SETUP_SQE_MIXED"`.
        flag: &'static str,
        /// What the kernel said.
        errno: Errno,
    },
    /// Setup flags that cannot be combined as asked (the kernel would say EINVAL).
    SetupFlagConflict {
        /// The flag that cannot be used.
        flag: &'static str,
        /// Why, in words: which flag it needs or excludes.
        reason: &'static str,
    },
    /// The ring's memory could not be locked: `RLIMIT_MEMLOCK` is too low
    /// (kernels before 5.12 charge ring memory to it).
    MemlockLimit {
        /// The soft limit in bytes at the time of the failure.
        limit: u64,
        /// What the kernel said.
        errno: Errno,
    },
    /// io_uring is not available: the kernel lacks it (ENOSYS) or the
    /// administrator disabled it (`kernel.io_uring_disabled`, EPERM).
    Unavailable {
        /// What the kernel said.
        errno: Errno,
    },
    /// The running kernel does not support this opcode (found by the probe).
    UnsupportedOpcode {
        /// The `IORING_OP_*` value.
        opcode: u8,
        /// Its kernel name.
        name: &'static str,
    },
    /// The running kernel does not support this register operation.
    UnsupportedRegister {
        /// The `IORING_REGISTER_*` value.
        opcode: u32,
        /// What the kernel said.
        errno: Errno,
    },
    /// The running kernel cannot do what was asked, as a probe of its
    /// behaviour showed (it accepts the request but would not honour it, or
    /// refuses it), where no opcode, register operation or setup flag names
    /// the gap.
    Unsupported {
        /// What was asked for.
        what: &'static str,
        /// What the kernel lacks, in words.
        reason: &'static str,
    },
    /// The ring was set up without a feature or mode this call needs.
    NotConfigured(&'static str),
    /// A buffer or count larger than the kernel accepts in the field it goes in.
    TooLong {
        /// What was too long ("buffer", "iovec count", ...).
        what: &'static str,
        /// Its length.
        len: usize,
        /// The largest the kernel accepts.
        max: usize,
    },
    /// Memory for a buffer of this size could not be allocated (the size
    /// is within what the kernel accepts; the allocator refused it).
    OutOfMemory {
        /// What was being allocated.
        what: &'static str,
        /// How many bytes were asked for.
        bytes: usize,
    },
    /// A file descriptor that is negative or otherwise cannot be right.
    BadFd(i32),
    /// An argument out of its documented range.
    InvalidArgument(&'static str),
    /// A range (an offset and a length) that does not lie inside the memory
    /// it names: a region of a [`BackingMemory`](crate::buf::BackingMemory)
    /// past its end, or whose end overflows. Nothing was done with it.
    OutOfBounds {
        /// What the range was of ("backing memory region", ...).
        what: &'static str,
        /// The range's offset.
        offset: u64,
        /// The range's length.
        len: usize,
        /// The size of the memory it names.
        size: usize,
    },
    /// The submission queue has no free entry.
    SubmissionQueueFull,
    /// A driver call made from inside the driver: from foreign code it was
    /// running while its state was borrowed (an operation's own code, or a
    /// destructor). Nothing was done; the same call made afterwards works.
    Reentrant,
    /// A resource that belongs to another ring was given to this one: a
    /// buffer pool or buffer ring, a registered buffer table or one of its
    /// leases, a file table or a direct descriptor, or a registered-ring
    /// index this ring did not register. Nothing was done with it. (An
    /// operation given one completes with `EXDEV`, this variant's errno,
    /// without reaching the kernel.)
    ForeignResource {
        /// What kind of resource.
        what: &'static str,
    },
    /// A handle named an operation that has already ended (its terminal
    /// completion was seen), so there is nothing left to act on; nothing
    /// was done. The kernel answers the same request with `ENOENT`, this
    /// variant's errno.
    Ended {
        /// What kind of operation.
        what: &'static str,
    },
    /// The kernel dropped a completion (`EBADR` from `io_uring_enter`): the
    /// CQ overflowed on a kernel without `IORING_FEAT_NODROP` or it could
    /// not allocate the overflow entry.
    CompletionLost,
    /// A system call failed with an errno that has no variant of its own.
    Syscall {
        /// Which call.
        call: Call,
        /// What the kernel said.
        errno: Errno,
    },
}

/// `Result` with ring-core's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// The errno behind this error, if the kernel gave one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::UnsupportedSetupFlag { errno, .. }
            | Error::MemlockLimit { errno, .. }
            | Error::Unavailable { errno }
            | Error::UnsupportedRegister { errno, .. }
            | Error::Syscall { errno, .. } => Some(*errno),
            Error::CompletionLost => Some(Errno::new(libc::EBADR)),
            Error::SubmissionQueueFull => Some(Errno::new(libc::EBUSY)),
            Error::Reentrant => Some(Errno::new(libc::EDEADLK)),
            Error::ForeignResource { .. } => Some(Errno::new(libc::EXDEV)),
            Error::Ended { .. } => Some(Errno::new(libc::ENOENT)),
            Error::BadFd(_) => Some(Errno::new(libc::EBADF)),
            Error::UnsupportedOpcode { .. } | Error::Unsupported { .. } => Some(Errno::new(libc::EOPNOTSUPP)),
            Error::TooLong { .. } => Some(Errno::new(libc::E2BIG)),
            Error::OutOfMemory { .. } => Some(Errno::new(libc::ENOMEM)),
            _ => Some(Errno::new(libc::EINVAL)),
        }
    }

    /// Whether retrying the same call later can succeed: the kernel was
    /// interrupted (EINTR), short of resources (EAGAIN), or had no room for
    /// completions (EBUSY). Nothing already published to the ring is lost by
    /// any of them.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::Syscall { errno, .. }
                if matches!(errno.raw(), libc::EINTR | libc::EAGAIN | libc::EBUSY)
        ) || matches!(self, Error::SubmissionQueueFull)
    }

    pub(crate) fn syscall(call: Call, errno: Errno) -> Self {
        Error::Syscall { call, errno }
    }

    /// A vector of `len` elements of `T`, allocated without aborting: a
    /// length whose size overflows is [`Error::TooLong`], an allocation the
    /// allocator refuses is [`Error::OutOfMemory`] (never a panic or an
    /// abort, as `Vec::with_capacity` would).
    pub(crate) fn try_vec<T>(what: &'static str, len: usize) -> Result<Vec<T>> {
        let bytes = len.checked_mul(core::mem::size_of::<T>()).filter(|&b| b <= isize::MAX as usize);
        let Some(bytes) = bytes else {
            return Err(Error::TooLong { what, len, max: isize::MAX as usize / core::mem::size_of::<T>().max(1) });
        };
        let mut v = Vec::new();
        v.try_reserve_exact(len).map_err(|_| Error::OutOfMemory { what, bytes })?;
        Ok(v)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::RingSize { which, requested, max } => write!(
                f,
                "{which} ring size {requested} is out of range: the kernel accepts 1..={max} (or set IORING_SETUP_CLAMP)"
            ),
            Error::UnsupportedSetupFlag { flag, errno } => {
                write!(f, "this kernel does not support setup flag {flag} ({errno})")
            }
            Error::SetupFlagConflict { flag, reason } => write!(f, "setup flag {flag}: {reason}"),
            Error::MemlockLimit { limit, errno } => write!(
                f,
                "RLIMIT_MEMLOCK ({limit} bytes) is too low for the ring's memory ({errno}); raise it with `ulimit -l` or use a smaller ring"
            ),
            Error::Unavailable { errno } => write!(
                f,
                "io_uring is not available on this system ({errno}); check the kernel config and sysctl kernel.io_uring_disabled"
            ),
            Error::UnsupportedOpcode { opcode, name } => {
                write!(f, "opcode {name} ({opcode}) is not supported on this kernel")
            }
            Error::UnsupportedRegister { opcode, errno } => write!(
                f,
                "register operation {} ({opcode}) is not supported on this kernel ({errno})",
                crate::names::register_op_name(*opcode)
            ),
            Error::Unsupported { what, reason } => write!(f, "{what} is not supported: {reason}"),
            Error::NotConfigured(what) => write!(f, "the ring was not set up for this: {what}"),
            Error::TooLong { what, len, max } => {
                write!(f, "{what} of length {len} is longer than the kernel accepts ({max})")
            }
            Error::OutOfMemory { what, bytes } => write!(f, "could not allocate {bytes} bytes for the {what}"),
            Error::BadFd(fd) => write!(f, "bad file descriptor {fd}"),
            Error::InvalidArgument(what) => write!(f, "invalid argument: {what}"),
            Error::OutOfBounds { what, offset, len, size } => write!(
                f,
                "{what} at offset {offset} of length {len} is not inside the {size} bytes it names"
            ),
            Error::SubmissionQueueFull => write!(f, "the submission queue is full"),
            Error::Reentrant => write!(f, "called from inside the driver, while it was running other code"),
            Error::ForeignResource { what } => write!(f, "the {what} belongs to another ring"),
            Error::Ended { what } => write!(f, "the {what} named has already ended"),
            Error::CompletionLost => write!(
                f,
                "the kernel dropped a completion (EBADR): the completion queue overflowed without IORING_FEAT_NODROP"
            ),
            Error::Syscall { call, errno } => write!(f, "{call:?} failed: {errno}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for io::Error {
    fn from(e: Error) -> io::Error {
        let kind_errno = match &e {
            Error::Syscall { errno, .. } | Error::UnsupportedSetupFlag { errno, .. } => {
                return io::Error::new(io::Error::from_raw_os_error(errno.raw()).kind(), e)
            }
            _ => e.errno(),
        };
        match kind_errno {
            Some(errno) => io::Error::new(io::Error::from_raw_os_error(errno.raw()).kind(), e),
            None => io::Error::other(e),
        }
    }
}
