//! Listeners that share one address with `SO_REUSEPORT`, one per core:
//! the kernel spreads incoming connections across them (by a hash of the
//! connection's addresses), so each core accepts its own share without
//! any hand-off.

use crate::ownership::ops::SockAddr;
use crate::ownership::socket;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsFd;

/// A TCP listener on `addr` with `SO_REUSEADDR` and `SO_REUSEPORT` set
/// before `bind`, listening with `backlog`. Every listener bound this way
/// to the same address by the same user shares its connections.
pub fn bind_reuseport(addr: SocketAddr, backlog: i32) -> io::Result<std::net::TcpListener> {
    let family = match addr {
        SocketAddr::V4(_) => libc::AF_INET,
        SocketAddr::V6(_) => libc::AF_INET6,
    };
    let fd = socket::socket(family, libc::SOCK_STREAM)?;
    socket::set_int_option(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
    socket::set_int_option(fd.as_fd(), libc::SOL_SOCKET, libc::SO_REUSEPORT, 1)?;
    socket::bind(fd.as_fd(), &SockAddr::from(addr))?;
    socket::listen(fd.as_fd(), backlog.max(1))?;
    Ok(std::net::TcpListener::from(fd))
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
