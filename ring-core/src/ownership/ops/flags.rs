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
//! ("Caller flags and counts") gives the reason for each. Socket options
//! have allow-lists of their own ([`PLAIN_SOCKOPTS`](super::PLAIN_SOCKOPTS),
//! [`PLAIN_GETSOCKOPTS`](super::PLAIN_GETSOCKOPTS)), checked by
//! [`Driver::socket_cmd`](crate::Driver::socket_cmd).

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
