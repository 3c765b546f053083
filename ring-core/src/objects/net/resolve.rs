//! `ToSocketAddrs` for `bind` and `connect`: resolve, then try each address
//! in turn, as the standard library does.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

/// Runs `attempt` on each address `addr` resolves to, in the order the
/// resolver gave them, until one succeeds; else returns the last failure.
///
/// Resolving a host name calls `getaddrinfo(3)`, which blocks the thread
/// (as `std::net::TcpStream::connect` does); an `IpAddr` and port, a
/// `SocketAddr` or a literal address string do not block.
pub(crate) async fn each_addr<A, T, F, Fut>(addr: A, mut attempt: F) -> io::Result<T>
where
    A: ToSocketAddrs,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match attempt(a).await {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "could not resolve to any addresses")))
}
