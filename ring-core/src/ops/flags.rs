//! The flags a safe operation accepts from its caller, as allow-lists.
//!
//! A flag word reaches the kernel as it is, and a few flags change what an
//! operation *means* in ways the ownership layer cannot see: which file the
//! kernel uses (`SPLICE_F_FD_IN_FIXED` turns the input descriptor number
//! into a slot of the ring's registered table), how long the kernel keeps
//! memory (`MSG_ZEROCOPY` on a plain send pins the buffer's pages past the
//! operation's only completion), what the result counts (`MSG_TRUNC` makes
//! a receive report bytes it never wrote: a datagram's full length, or on
//! TCP the bytes discarded), or how the control data is parsed
//! (`MSG_CMSG_COMPAT` reads it as the 32-bit layout, which hides an
//! `SCM_RIGHTS` message from the check of [`Msg`](super::Msg)). So every
//! safe operation that takes a flag word checks it against the list of
//! flags it can honour here, and an operation with any other bit set
//! completes with `EINVAL` through
//! [`Operation::refuse`](crate::Operation::refuse) (its buffers given back)
//! without reaching the kernel. The check is a mask and a compare.
//!
//! Flag words the kernel validates itself and that only select behaviour
//! of the file the caller named (`O_*` of `openat`, `AT_*` of `statx` and
//! `unlinkat`, `RENAME_*`, `XATTR_*`, `SYNC_FILE_RANGE_*`, `FALLOC_FL_*`,
//! `POSIX_FADV_*`, `SOCK_*` of `accept` and `socket`, pipe flags, poll
//! events, `waitid` options) pass through unchanged; `docs/ownership.md`
//! ("Caller flags and counts") gives the reason for each.

/// The `MSG_*` flags a send (`send`, `sendmsg`, `send_direct`, and the
/// sockets' writes) accepts. Each changes only how the kernel copies and
/// queues the bytes it was given, never how long it reads them.
/// `MSG_ZEROCOPY` is not here: the zero-copy operations
/// ([`SEND_ZC`]) keep their buffers until the kernel's notification.
pub const SEND: i32 = libc::MSG_DONTWAIT
    | libc::MSG_NOSIGNAL
    | libc::MSG_MORE
    | libc::MSG_WAITALL
    | libc::MSG_EOR
    | libc::MSG_OOB
    | libc::MSG_DONTROUTE
    | libc::MSG_CONFIRM
    | libc::MSG_FASTOPEN;

/// The `MSG_*` flags a zero-copy send (`send_zc`, `sendmsg_zc`,
/// `send_zc_fixed`) accepts: [`SEND`] and `MSG_ZEROCOPY`, which the kernel
/// sets for these operations anyway.
pub const SEND_ZC: i32 = SEND | libc::MSG_ZEROCOPY;

/// The `MSG_*` flags a receive (`recv`, `recvmsg`, `recv_direct`, the pool
/// receives and bundles, the sockets' reads) accepts. With each of them the
/// result counts bytes the kernel wrote into the buffers it was given.
/// `MSG_TRUNC` is not here: with it the result is the datagram's full
/// length (or, on TCP, the bytes discarded without being written), which
/// would mark bytes initialised that no one wrote and make a bundle claim
/// buffers the kernel still owns. A truncated datagram is still reported
/// without it: `recvmsg` sets `MSG_TRUNC` in [`Msg::flags`](super::Msg).
pub const RECV: i32 = libc::MSG_DONTWAIT
    | libc::MSG_PEEK
    | libc::MSG_WAITALL
    | libc::MSG_OOB
    | libc::MSG_ERRQUEUE
    | libc::MSG_CMSG_CLOEXEC;

/// The `SPLICE_F_*` flags `splice` and `tee` accept (`SPLICE_F_MOVE`,
/// `SPLICE_F_NONBLOCK`, `SPLICE_F_MORE`, `SPLICE_F_GIFT`: hints about
/// pages the kernel moves between the two files).
/// `SPLICE_F_FD_IN_FIXED` is not here: it makes the kernel read the input
/// descriptor number as a slot of the ring's registered file table, a file
/// the caller did not name, outside the lease rules of
/// [`FixedFd`](crate::fixed_files::FixedFd).
pub const SPLICE: u32 = libc::SPLICE_F_MOVE | libc::SPLICE_F_NONBLOCK | libc::SPLICE_F_MORE | libc::SPLICE_F_GIFT;

/// `Some(EINVAL)` if `flags` has a bit outside `allowed`: the answer of an
/// operation's [`Operation::refuse`](crate::Operation::refuse).
#[inline]
pub(crate) fn refuse_msg(flags: i32, allowed: i32) -> Option<i32> {
    (flags & !allowed != 0).then_some(libc::EINVAL)
}

/// As [`refuse_msg`], for an unsigned flag word.
#[inline]
pub(crate) fn refuse_bits(flags: u32, allowed: u32) -> Option<i32> {
    (flags & !allowed != 0).then_some(libc::EINVAL)
}

/// The `(level, name)` pairs [`SocketCmd::SetOpt`](super::SocketCmd) accepts.
///
/// `setsockopt` is a door into every protocol of the kernel, and some
/// options read pointers or descriptor numbers out of their value, or hand
/// memory to the kernel for longer than the call: `SO_ATTACH_FILTER` and
/// `SO_ATTACH_REUSEPORT_CBPF` (and `PACKET_FANOUT_DATA`) read a program
/// through a pointer inside the value, `SO_ATTACH_BPF` names a program by
/// descriptor number, `XDP_UMEM_REG` and `RDS_GET_MR` register memory at an
/// address inside the value with the kernel for the socket's life. So only
/// options whose value is plain data (integers, `linger`, `timeval`, an
/// interface name, a multicast request) are accepted here; anything else
/// completes with `EINVAL` (use `setsockopt(2)` itself, whose contract is
/// the caller's).
pub fn setsockopt_allowed(level: i32, name: i32) -> bool {
    match level {
        libc::SOL_SOCKET => matches!(
            name,
            libc::SO_REUSEADDR
                | libc::SO_REUSEPORT
                | libc::SO_KEEPALIVE
                | libc::SO_DONTROUTE
                | libc::SO_BROADCAST
                | libc::SO_LINGER
                | libc::SO_OOBINLINE
                | libc::SO_SNDBUF
                | libc::SO_RCVBUF
                | libc::SO_SNDBUFFORCE
                | libc::SO_RCVBUFFORCE
                | libc::SO_RCVLOWAT
                | libc::SO_RCVTIMEO
                | libc::SO_SNDTIMEO
                | libc::SO_PRIORITY
                | libc::SO_MARK
                | libc::SO_TIMESTAMP
                | libc::SO_TIMESTAMPNS
                | libc::SO_TIMESTAMPING
                | libc::SO_PASSCRED
                | libc::SO_BINDTODEVICE
                | libc::SO_BINDTOIFINDEX
                | libc::SO_BUSY_POLL
                | libc::SO_INCOMING_CPU
                | libc::SO_ZEROCOPY
                | libc::SO_TXTIME
                | libc::SO_RXQ_OVFL
                | libc::SO_PEEK_OFF
                | libc::SO_MAX_PACING_RATE
        ),
        libc::IPPROTO_TCP => matches!(
            name,
            libc::TCP_NODELAY
                | libc::TCP_MAXSEG
                | libc::TCP_CORK
                | libc::TCP_KEEPIDLE
                | libc::TCP_KEEPINTVL
                | libc::TCP_KEEPCNT
                | libc::TCP_SYNCNT
                | libc::TCP_LINGER2
                | libc::TCP_DEFER_ACCEPT
                | libc::TCP_WINDOW_CLAMP
                | libc::TCP_QUICKACK
                | libc::TCP_CONGESTION
                | libc::TCP_USER_TIMEOUT
                | libc::TCP_NOTSENT_LOWAT
                | libc::TCP_FASTOPEN
                | libc::TCP_FASTOPEN_CONNECT
        ),
        libc::IPPROTO_IP => matches!(
            name,
            libc::IP_TOS
                | libc::IP_TTL
                | libc::IP_MULTICAST_TTL
                | libc::IP_MULTICAST_LOOP
                | libc::IP_MULTICAST_IF
                | libc::IP_ADD_MEMBERSHIP
                | libc::IP_DROP_MEMBERSHIP
                | libc::IP_PKTINFO
                | libc::IP_RECVTOS
                | libc::IP_RECVTTL
                | libc::IP_RECVERR
                | libc::IP_MTU_DISCOVER
                | libc::IP_FREEBIND
                | libc::IP_TRANSPARENT
                | libc::IP_BIND_ADDRESS_NO_PORT
        ),
        libc::IPPROTO_IPV6 => matches!(
            name,
            libc::IPV6_V6ONLY
                | libc::IPV6_UNICAST_HOPS
                | libc::IPV6_MULTICAST_HOPS
                | libc::IPV6_MULTICAST_LOOP
                | libc::IPV6_MULTICAST_IF
                | libc::IPV6_ADD_MEMBERSHIP
                | libc::IPV6_DROP_MEMBERSHIP
                | libc::IPV6_RECVPKTINFO
                | libc::IPV6_TCLASS
                | libc::IPV6_RECVTCLASS
                | libc::IPV6_RECVERR
                | libc::IPV6_MTU_DISCOVER
                | libc::IPV6_TRANSPARENT
        ),
        libc::IPPROTO_UDP => matches!(name, libc::UDP_CORK | libc::UDP_SEGMENT | libc::UDP_GRO),
        _ => false,
    }
}

/// The `(level, name)` pairs [`SocketCmd::GetOpt`](super::SocketCmd)
/// accepts: `SOL_SOCKET` options (the only level the kernel's socket
/// command serves) whose value the kernel writes within the length it is
/// given. `SO_GET_FILTER` is not here: the kernel reads its length as a
/// count of 8-byte filter instructions, not bytes, and writes up to eight
/// times the buffer's capacity.
pub fn getsockopt_allowed(level: i32, name: i32) -> bool {
    level == libc::SOL_SOCKET
        && matches!(
            name,
            libc::SO_TYPE
                | libc::SO_ERROR
                | libc::SO_DOMAIN
                | libc::SO_PROTOCOL
                | libc::SO_ACCEPTCONN
                | libc::SO_REUSEADDR
                | libc::SO_REUSEPORT
                | libc::SO_KEEPALIVE
                | libc::SO_DONTROUTE
                | libc::SO_BROADCAST
                | libc::SO_LINGER
                | libc::SO_OOBINLINE
                | libc::SO_SNDBUF
                | libc::SO_RCVBUF
                | libc::SO_RCVLOWAT
                | libc::SO_SNDLOWAT
                | libc::SO_RCVTIMEO
                | libc::SO_SNDTIMEO
                | libc::SO_PRIORITY
                | libc::SO_MARK
                | libc::SO_TIMESTAMP
                | libc::SO_TIMESTAMPNS
                | libc::SO_TIMESTAMPING
                | libc::SO_PASSCRED
                | libc::SO_PEERCRED
                | libc::SO_PEERNAME
                | libc::SO_BINDTODEVICE
                | libc::SO_BINDTOIFINDEX
                | libc::SO_BUSY_POLL
                | libc::SO_INCOMING_CPU
                | libc::SO_INCOMING_NAPI_ID
                | libc::SO_COOKIE
                | libc::SO_ZEROCOPY
                | libc::SO_TXTIME
                | libc::SO_RXQ_OVFL
                | libc::SO_PEEK_OFF
                | libc::SO_MAX_PACING_RATE
        )
}
