//! Listeners that share one address with `SO_REUSEPORT`, one per core:
//! the kernel spreads incoming connections across them (by a hash of the
//! connection's addresses), so each core accepts its own share without
//! any hand-off.

use crate::error::{Call, Error};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, OwnedFd};

fn os_error(call: &'static str) -> io::Error {
    let errno = io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
    Error::syscall(Call::Other(call), ring_sys::Errno::new(errno)).into()
}

fn set_flag(fd: &OwnedFd, opt: i32) -> io::Result<()> {
    let one: libc::c_int = 1;
    // SAFETY: `one` outlives the call, which reads `size_of::<c_int>()`
    // bytes of it; `fd` is an open socket.
    let r = unsafe {
        libc::setsockopt(
            std::os::fd::AsRawFd::as_raw_fd(fd),
            libc::SOL_SOCKET,
            opt,
            (&raw const one).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r != 0 {
        return Err(os_error("setsockopt"));
    }
    Ok(())
}

/// A TCP listener on `addr` with `SO_REUSEADDR` and `SO_REUSEPORT` set
/// before `bind`, listening with `backlog`. Every listener bound this way
/// to the same address by the same user shares its connections.
pub fn bind_reuseport(addr: SocketAddr, backlog: i32) -> io::Result<std::net::TcpListener> {
    let family = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    // SAFETY: socket(2) has no memory effects; the result is checked.
    let raw = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(os_error("socket"));
    }
    // SAFETY: a fresh descriptor nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    set_flag(&fd, libc::SO_REUSEADDR)?;
    set_flag(&fd, libc::SO_REUSEPORT)?;
    let (storage, len) = sockaddr(&addr);
    // SAFETY: `storage` holds a valid address of `len` bytes for the call.
    if unsafe { libc::bind(std::os::fd::AsRawFd::as_raw_fd(&fd), (&raw const storage).cast(), len) } != 0 {
        return Err(os_error("bind"));
    }
    // SAFETY: listen(2) has no memory effects.
    if unsafe { libc::listen(std::os::fd::AsRawFd::as_raw_fd(&fd), backlog.max(1)) } != 0 {
        return Err(os_error("listen"));
    }
    Ok(std::net::TcpListener::from(fd))
}

fn sockaddr(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid (unspecified) address.
    let mut storage: libc::sockaddr_storage = unsafe { core::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than and aligned for any
            // socket address.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in>().write(sin) };
            core::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: as above.
            unsafe { (&raw mut storage).cast::<libc::sockaddr_in6>().write(sin6) };
            core::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// `count` listeners sharing `addr` (port 0: the port the first one got).
pub(crate) fn listeners(addr: SocketAddr, count: usize, backlog: i32) -> io::Result<Vec<std::net::TcpListener>> {
    let first = bind_reuseport(addr, backlog)?;
    let bound = first.local_addr()?;
    let mut all = Vec::with_capacity(count);
    all.push(first);
    for _ in 1..count {
        all.push(bind_reuseport(bound, backlog)?);
    }
    Ok(all)
}
