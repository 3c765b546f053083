//! The error a system call reports.

use core::fmt;

/// A positive `errno` value returned by one of the io_uring system calls.
///
/// The kernel returns `-errno` in the result register; the wrappers in
/// [`crate::syscall`] negate it exactly once, here, so no caller has to
/// remember which sign it holds (a class of bug several peers shipped).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Errno(i32);

impl Errno {
    /// Wraps a positive errno value.
    #[inline]
    pub const fn new(raw: i32) -> Self {
        Errno(raw)
    }

    /// The positive errno value, as `std::io::Error::from_raw_os_error` takes it.
    #[inline]
    pub const fn raw(self) -> i32 {
        self.0
    }

    /// Decodes a raw system-call return value: `-4095..=-1` is an error,
    /// anything else is a result.
    #[inline(always)]
    pub const fn from_ret(ret: isize) -> Result<usize, Errno> {
        if ret < 0 && ret >= -4095 {
            Err(Errno(-ret as i32))
        } else {
            Ok(ret as usize)
        }
    }

    /// The symbolic name of the common errno values io_uring returns, for messages.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            libc::EPERM => "EPERM",
            libc::ENOENT => "ENOENT",
            libc::EINTR => "EINTR",
            libc::EIO => "EIO",
            libc::ENXIO => "ENXIO",
            libc::E2BIG => "E2BIG",
            libc::EBADF => "EBADF",
            libc::EAGAIN => "EAGAIN",
            libc::ENOMEM => "ENOMEM",
            libc::EACCES => "EACCES",
            libc::EFAULT => "EFAULT",
            libc::EBUSY => "EBUSY",
            libc::EEXIST => "EEXIST",
            libc::ENODEV => "ENODEV",
            libc::EINVAL => "EINVAL",
            libc::ENFILE => "ENFILE",
            libc::EMFILE => "EMFILE",
            libc::ENOSPC => "ENOSPC",
            libc::EPIPE => "EPIPE",
            libc::ERANGE => "ERANGE",
            libc::ENOSYS => "ENOSYS",
            libc::EBADR => "EBADR",
            libc::ENOBUFS => "ENOBUFS",
            libc::EOPNOTSUPP => "EOPNOTSUPP",
            libc::ETIME => "ETIME",
            libc::EOVERFLOW => "EOVERFLOW",
            libc::EALREADY => "EALREADY",
            libc::ECANCELED => "ECANCELED",
            libc::EBADFD => "EBADFD",
            _ => return None,
        })
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Errno({name})"),
            None => write!(f, "Errno({})", self.0),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (errno {})", self.0),
            None => write!(f, "errno {}", self.0),
        }
    }
}
