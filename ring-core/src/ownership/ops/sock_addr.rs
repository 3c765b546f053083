//! Socket addresses in kernel form: [`SockAddr`], a `sockaddr_storage` and
//! its length, owned by the operation that hands it to the kernel (to read,
//! as `bind` and `connect` do, or to fill, as `accept` and `recvmsg` do).
#![allow(unsafe_code)]

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// A socket address in kernel form (`sockaddr_storage` and its length),
/// owned by the operation that hands it to the kernel.
///
/// ```
/// use ring_core::ops::{AcceptMulti, Bind, Listen, SockAddr, Socket};
/// use ring_core::{MultiOp, Op};
/// use std::net::{SocketAddr, TcpListener};
/// use std::rc::Rc;
///
/// let v4 = SockAddr::from_std("127.0.0.1:80".parse().unwrap());
/// assert_eq!((v4.family(), v4.len()), (libc::AF_INET, std::mem::size_of::<libc::sockaddr_in>()));
/// assert_eq!(v4.as_socket_addr(), Some("127.0.0.1:80".parse().unwrap()));
/// assert!(!v4.is_empty() && v4.unix_path().is_none());
/// let unix = SockAddr::unix("/run/example.sock")?;
/// assert_eq!(unix.unix_path(), Some(&b"/run/example.sock"[..]));
/// let room = SockAddr::empty(); // for the kernel to fill
/// assert!(!room.is_empty() && room.family() == libc::AF_UNSPEC);
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// rt.block_on(async move {
///     // `bind` and `listen` are operations since 6.11 (`socket` 5.19):
///     // probe first.
///     if d.require(ring_core::sys::IORING_OP_LISTEN).is_err() {
///         println!("skipping: no bind or listen operations here");
///         return Ok(());
///     }
///     let socket: Op<Socket> = d.socket(libc::AF_INET, libc::SOCK_STREAM, 0);
///     let listener = Rc::new(TcpListener::from(socket.await?));
///     let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
///     d.op(Bind::new(&listener, any)).await?;
///     d.op(Listen::new(&listener, 16)).await?;
///     let mut incoming: MultiOp<AcceptMulti> = d.accept_multishot(&listener, 0);
///     let _client = std::net::TcpStream::connect(listener.local_addr()?)?;
///     let _conn = incoming.next().await.expect("a connection")?;
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct SockAddr {
    storage: libc::sockaddr_storage,
    pub(crate) len: libc::socklen_t,
}

impl core::fmt::Debug for SockAddr {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_socket_addr() {
            Some(a) => write!(f, "SockAddr({a})"),
            None => write!(f, "SockAddr(family {}, len {})", self.storage.ss_family, self.len),
        }
    }
}

impl SockAddr {
    /// An empty address with room for any family (for the kernel to fill).
    pub fn empty() -> Self {
        // SAFETY: sockaddr_storage is plain integers; all-zero is valid.
        let storage = unsafe { core::mem::zeroed::<libc::sockaddr_storage>() };
        SockAddr { storage, len: core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t }
    }

    /// The kernel form of an IPv4 or IPv6 address.
    pub fn from_std(addr: SocketAddr) -> Self {
        let mut s = SockAddr::empty();
        match addr {
            SocketAddr::V4(a) => {
                let sin = libc::sockaddr_in {
                    sin_family: libc::AF_INET as libc::sa_family_t,
                    sin_port: a.port().to_be(),
                    sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(a.ip().octets()) },
                    sin_zero: [0; 8],
                };
                // SAFETY: sockaddr_storage is larger than and aligned for
                // every sockaddr type; we write one sockaddr_in at its start.
                unsafe { (&raw mut s.storage).cast::<libc::sockaddr_in>().write(sin) };
                s.len = core::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            }
            SocketAddr::V6(a) => {
                let sin6 = libc::sockaddr_in6 {
                    sin6_family: libc::AF_INET6 as libc::sa_family_t,
                    sin6_port: a.port().to_be(),
                    sin6_flowinfo: a.flowinfo().to_be(),
                    sin6_addr: libc::in6_addr { s6_addr: a.ip().octets() },
                    sin6_scope_id: a.scope_id(),
                };
                // SAFETY: as above, for a sockaddr_in6.
                unsafe { (&raw mut s.storage).cast::<libc::sockaddr_in6>().write(sin6) };
                s.len = core::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t;
            }
        }
        s
    }

    /// A Unix-domain address for `path` (a file-system path; an abstract
    /// address starts with a NUL byte). Fails if the path does not fit in
    /// `sun_path`.
    pub fn unix(path: impl AsRef<Path>) -> io::Result<Self> {
        let bytes = path.as_ref().as_os_str().as_bytes();
        let mut s = SockAddr::empty();
        // SAFETY: sockaddr_un fits in and is aligned for sockaddr_storage.
        let sun = unsafe { &mut *(&raw mut s.storage).cast::<libc::sockaddr_un>() };
        if bytes.len() >= sun.sun_path.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "path too long for sockaddr_un"));
        }
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (d, b) in sun.sun_path.iter_mut().zip(bytes) {
            *d = *b as libc::c_char;
        }
        let base = core::mem::offset_of!(libc::sockaddr_un, sun_path);
        // A path name is NUL-terminated; an abstract one is its exact length.
        let extra = usize::from(bytes.first().is_some_and(|&b| b != 0));
        s.len = (base + bytes.len() + extra) as libc::socklen_t;
        Ok(s)
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`, ...).
    pub fn family(&self) -> i32 {
        i32::from(self.storage.ss_family)
    }

    /// The length the kernel reported (or that was given).
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the address is empty (the kernel reported no address).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The IPv4 or IPv6 address, if it is one.
    pub fn as_socket_addr(&self) -> Option<SocketAddr> {
        match self.family() {
            libc::AF_INET if self.len() >= core::mem::size_of::<libc::sockaddr_in>() => {
                // SAFETY: the family says the storage holds a sockaddr_in.
                let sin = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_in>() };
                let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
                Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
            }
            libc::AF_INET6 if self.len() >= core::mem::size_of::<libc::sockaddr_in6>() => {
                // SAFETY: the family says the storage holds a sockaddr_in6.
                let sin6 = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_in6>() };
                let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
                Some(SocketAddr::V6(SocketAddrV6::new(
                    ip,
                    u16::from_be(sin6.sin6_port),
                    u32::from_be(sin6.sin6_flowinfo),
                    sin6.sin6_scope_id,
                )))
            }
            _ => None,
        }
    }

    /// The path bytes of a Unix-domain address (empty for an unnamed one).
    pub fn unix_path(&self) -> Option<&[u8]> {
        if self.family() != libc::AF_UNIX {
            return None;
        }
        // SAFETY: the family says the storage holds a sockaddr_un.
        let sun = unsafe { &*(&raw const self.storage).cast::<libc::sockaddr_un>() };
        let base = core::mem::offset_of!(libc::sockaddr_un, sun_path);
        let n = self.len().saturating_sub(base).min(sun.sun_path.len());
        // SAFETY: c_char and u8 have the same layout; `n` is within sun_path.
        let bytes = unsafe { core::slice::from_raw_parts(sun.sun_path.as_ptr().cast::<u8>(), n) };
        Some(bytes.strip_suffix(&[0]).unwrap_or(bytes))
    }

    pub(crate) fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }

    pub(crate) fn set_len(&mut self, len: libc::socklen_t) {
        self.len = len.min(core::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t);
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut libc::sockaddr {
        (&raw mut self.storage).cast()
    }
}

impl From<SocketAddr> for SockAddr {
    fn from(a: SocketAddr) -> Self {
        SockAddr::from_std(a)
    }
}
