//! Socket system calls made directly rather than through the ring, as safe
//! functions over descriptors and [`SockAddr`]s: for kernels without the
//! ring's socket opcodes (`IORING_OP_SOCKET` 5.19, `BIND` and `LISTEN`
//! 6.11), and for what io_uring has no opcode for (socket pairs, names,
//! options). The I/O objects use them; none of them lends memory beyond
//! the call.
#![allow(unsafe_code)]

use crate::ownership::ops::SockAddr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

fn cvt(r: i32) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// `socket(2)`, close-on-exec.
pub(crate) fn socket(domain: i32, ty: i32) -> io::Result<OwnedFd> {
    // SAFETY: socket has no memory effects.
    let fd = unsafe { libc::socket(domain, ty | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `socketpair(2)` of two connected Unix-domain stream sockets,
/// close-on-exec.
pub(crate) fn unix_stream_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair writes two descriptors into the array.
    cvt(unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0, fds.as_mut_ptr()) })?;
    // SAFETY: two fresh descriptors that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// `bind(2)`.
pub(crate) fn bind(fd: BorrowedFd<'_>, addr: &SockAddr) -> io::Result<()> {
    // SAFETY: the address is a valid sockaddr of `len` bytes, read during
    // the call only.
    cvt(unsafe { libc::bind(fd.as_raw_fd(), addr.as_ptr(), addr.len() as libc::socklen_t) })
}

/// `listen(2)`.
pub(crate) fn listen(fd: BorrowedFd<'_>, backlog: i32) -> io::Result<()> {
    // SAFETY: no memory is passed.
    cvt(unsafe { libc::listen(fd.as_raw_fd(), backlog) })
}

/// `getsockname(2)`.
pub(crate) fn local_addr(fd: BorrowedFd<'_>) -> io::Result<SockAddr> {
    let mut a = SockAddr::empty();
    let mut len = a.len() as libc::socklen_t;
    // SAFETY: `a` has room for `len` bytes; the kernel writes the address
    // and its length during the call.
    cvt(unsafe { libc::getsockname(fd.as_raw_fd(), a.as_mut_ptr(), &mut len) })?;
    a.set_len(len);
    Ok(a)
}

/// `getpeername(2)`.
pub(crate) fn peer_addr(fd: BorrowedFd<'_>) -> io::Result<SockAddr> {
    let mut a = SockAddr::empty();
    let mut len = a.len() as libc::socklen_t;
    // SAFETY: as for `local_addr`.
    cvt(unsafe { libc::getpeername(fd.as_raw_fd(), a.as_mut_ptr(), &mut len) })?;
    a.set_len(len);
    Ok(a)
}

/// `setsockopt(2)` of an `int` option.
pub(crate) fn set_int_option(fd: BorrowedFd<'_>, level: i32, name: i32, value: i32) -> io::Result<()> {
    // SAFETY: the option value is a live int, read during the call.
    cvt(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            core::mem::size_of::<i32>() as libc::socklen_t,
        )
    })
}
