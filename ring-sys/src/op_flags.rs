//! The per-opcode flag families: the values of the flag word
//! (`io_uring_sqe.rw_flags` and its aliases), of `ioprio` for send, receive
//! and accept, of `len` for poll, of `addr` for `IORING_OP_MSG_RING`, and of
//! `cmd_op` for socket commands, plus the result bits some of them report.

// ---- IORING_OP_URING_CMD (sqe.uring_cmd_flags) ----

/// `uring_cmd_flags`: the command uses the registered buffer in
/// `buf_index`; Linux 6.1.
pub const IORING_URING_CMD_FIXED: u32 = 1 << 0;
/// The `uring_cmd_flags` bits open to applications; the top 8 bits are
/// kept for the kernel's own use. Linux 6.7.
pub const IORING_URING_CMD_MASK: u32 = IORING_URING_CMD_FIXED;

// ---- IORING_OP_FSYNC (sqe.fsync_flags) ----

/// `fsync_flags`: flush only the data and the metadata needed to read it
/// back, like `fdatasync(2)`; Linux 5.1.
pub const IORING_FSYNC_DATASYNC: u32 = 1 << 0;

// ---- timeouts (sqe.timeout_flags) ----

/// `timeout_flags`: the timespec is an absolute time, not a relative one; Linux 5.5.
pub const IORING_TIMEOUT_ABS: u32 = 1 << 0;
/// `timeout_flags` of `IORING_OP_TIMEOUT_REMOVE`: update the timeout
/// instead of removing it; Linux 5.11.
pub const IORING_TIMEOUT_UPDATE: u32 = 1 << 1;
/// `timeout_flags`: measure the timeout on `CLOCK_BOOTTIME`; Linux 5.15.
pub const IORING_TIMEOUT_BOOTTIME: u32 = 1 << 2;
/// `timeout_flags`: measure the timeout on `CLOCK_REALTIME`; Linux 5.15.
pub const IORING_TIMEOUT_REALTIME: u32 = 1 << 3;
/// `timeout_flags` of `IORING_OP_TIMEOUT_REMOVE`: update a linked timeout
/// (`IORING_OP_LINK_TIMEOUT`); Linux 5.15.
pub const IORING_LINK_TIMEOUT_UPDATE: u32 = 1 << 4;
/// `timeout_flags`: complete with 0 instead of `-ETIME` when the timeout
/// expires; Linux 5.16.
pub const IORING_TIMEOUT_ETIME_SUCCESS: u32 = 1 << 5;
/// `timeout_flags`: fire repeatedly, posting a CQE each time, for `off`
/// expirations (0 for unlimited); Linux 6.4.
pub const IORING_TIMEOUT_MULTISHOT: u32 = 1 << 6;
/// `timeout_flags`: `addr` holds the timeout in nanoseconds rather than
/// pointing to a timespec; Linux 7.1.
pub const IORING_TIMEOUT_IMMEDIATE_ARG: u32 = 1 << 7;
/// The `timeout_flags` bits that select the clock; Linux 5.15.
pub const IORING_TIMEOUT_CLOCK_MASK: u32 = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME;
/// The `timeout_flags` bits that select an update; Linux 5.15.
pub const IORING_TIMEOUT_UPDATE_MASK: u32 = IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE;

// ---- splice (sqe.splice_flags) ----

/// `splice_flags`: `splice_fd_in` is a registered file index, an
/// io_uring-only extension of the `splice(2)` flags in their top bit; Linux 5.7.
pub const SPLICE_F_FD_IN_FIXED: u32 = 1 << 31;

// ---- IORING_OP_POLL_ADD / POLL_REMOVE (sqe.len) ----

/// Poll command flag (in `len`, since the flag word holds the events):
/// keep polling and post a CQE with `IORING_CQE_F_MORE` for every event;
/// Linux 5.13.
pub const IORING_POLL_ADD_MULTI: u32 = 1 << 0;
/// Poll command flag of `IORING_OP_POLL_REMOVE`: update the events of the
/// poll request whose `user_data` is in `addr`; Linux 5.13.
pub const IORING_POLL_UPDATE_EVENTS: u32 = 1 << 1;
/// Poll command flag of `IORING_OP_POLL_REMOVE`: update the `user_data`
/// of that poll request to `off`; Linux 5.13.
pub const IORING_POLL_UPDATE_USER_DATA: u32 = 1 << 2;
/// Poll command flag: level-triggered rather than edge-triggered poll;
/// Linux 5.19.
pub const IORING_POLL_ADD_LEVEL: u32 = 1 << 3;

// ---- IORING_OP_ASYNC_CANCEL (sqe.cancel_flags) ----

/// `cancel_flags`: cancel every matching request, not just the first; Linux 5.19.
pub const IORING_ASYNC_CANCEL_ALL: u32 = 1 << 0;
/// `cancel_flags`: match requests on their file descriptor (`fd`) instead
/// of their `user_data`; Linux 5.19.
pub const IORING_ASYNC_CANCEL_FD: u32 = 1 << 1;
/// `cancel_flags`: match every request; Linux 5.19.
pub const IORING_ASYNC_CANCEL_ANY: u32 = 1 << 2;
/// `cancel_flags`: the `fd` to match is a registered file index; Linux 6.0.
pub const IORING_ASYNC_CANCEL_FD_FIXED: u32 = 1 << 3;
/// `cancel_flags`: match on `user_data` too (the default when no other key
/// is given); Linux 6.6.
pub const IORING_ASYNC_CANCEL_USERDATA: u32 = 1 << 4;
/// `cancel_flags`: match on the request's opcode (in `len`); Linux 6.6.
pub const IORING_ASYNC_CANCEL_OP: u32 = 1 << 5;

// ---- send / receive (sqe.ioprio) ----

/// Send/receive flag (in `ioprio`): arm poll first instead of trying the
/// transfer at once, for sockets that are expected to be unready; Linux 5.19.
pub const IORING_RECVSEND_POLL_FIRST: u32 = 1 << 0;
/// Receive flag (in `ioprio`): keep receiving into provided buffers,
/// posting a CQE with `IORING_CQE_F_MORE` for each; Linux 6.0.
pub const IORING_RECV_MULTISHOT: u32 = 1 << 1;
/// Send/receive flag (in `ioprio`): use the registered buffer in
/// `buf_index`; Linux 6.0.
pub const IORING_RECVSEND_FIXED_BUF: u32 = 1 << 2;
/// Zero-copy send flag (in `ioprio`): report in the notification CQE's
/// `res` whether the data was copied after all
/// (`IORING_NOTIF_USAGE_ZC_COPIED`); Linux 6.2.
pub const IORING_SEND_ZC_REPORT_USAGE: u32 = 1 << 3;
/// Send/receive flag (in `ioprio`), with `IOSQE_BUFFER_SELECT`: use as many
/// consecutive provided buffers as the transfer needs; the CQE gives the
/// first buffer ID and the byte count. Linux 6.10.
pub const IORING_RECVSEND_BUNDLE: u32 = 1 << 4;
/// Send flag (in `ioprio`): `addr` points to an iovec array and `len`
/// counts its entries, for `IORING_OP_SEND` and `IORING_OP_SEND_ZC`;
/// Linux 6.17.
pub const IORING_SEND_VECTORIZED: u32 = 1 << 5;

/// `cqe.res` bit of a zero-copy notification (with
/// `IORING_SEND_ZC_REPORT_USAGE`): at least part of the data was copied.
/// The other bits of that `res` are reserved. Linux 6.2.
pub const IORING_NOTIF_USAGE_ZC_COPIED: u32 = 1 << 31;

// ---- accept (sqe.ioprio) ----

/// Accept flag (in `ioprio`): keep accepting, posting a CQE with
/// `IORING_CQE_F_MORE` for each connection; Linux 5.19.
pub const IORING_ACCEPT_MULTISHOT: u32 = 1 << 0;
/// Accept flag (in `ioprio`): fail with `-EAGAIN` instead of waiting when
/// no connection is pending; Linux 6.10.
pub const IORING_ACCEPT_DONTWAIT: u32 = 1 << 1;
/// Accept flag (in `ioprio`): arm poll first instead of trying at once;
/// Linux 6.10.
pub const IORING_ACCEPT_POLL_FIRST: u32 = 1 << 2;

// ---- IORING_OP_MSG_RING ----

/// `IORING_OP_MSG_RING` command (in `addr`): post a CQE with `res = len`
/// and `user_data = off` to the target ring (C `enum
/// io_uring_msg_ring_flags`); Linux 6.0.
pub const IORING_MSG_DATA: u64 = 0;
/// `IORING_OP_MSG_RING` command (in `addr`): install one of this ring's
/// direct descriptors into the target ring; Linux 6.0.
pub const IORING_MSG_SEND_FD: u64 = 1;

/// `msg_ring_flags`: post no CQE to the target ring (only meaningful for
/// `IORING_MSG_SEND_FD`); Linux 6.0.
pub const IORING_MSG_RING_CQE_SKIP: u32 = 1 << 0;
/// `msg_ring_flags`: use `file_index` as the `flags` of the CQE posted to
/// the target ring; Linux 6.3.
pub const IORING_MSG_RING_FLAGS_PASS: u32 = 1 << 1;

// ---- IORING_OP_FIXED_FD_INSTALL (sqe.install_fd_flags) ----

/// `install_fd_flags`: do not set close-on-exec on the new descriptor; Linux 6.8.
pub const IORING_FIXED_FD_NO_CLOEXEC: u32 = 1 << 0;

// ---- IORING_OP_NOP (sqe.nop_flags) ----

/// `nop_flags`: complete with `len` as the result instead of 0; Linux 6.10.
pub const IORING_NOP_INJECT_RESULT: u32 = 1 << 0;
/// `nop_flags`: look up the file `fd` (to measure that cost). This flag is
/// in the kernel's header but not in liburing's copy. Linux 6.13.
pub const IORING_NOP_FILE: u32 = 1 << 1;
/// `nop_flags`: with `IORING_NOP_FILE`, `fd` is a registered file index.
/// Kernel header only. Linux 6.13.
pub const IORING_NOP_FIXED_FILE: u32 = 1 << 2;
/// `nop_flags`: look up the registered buffer `buf_index`. Kernel header
/// only. Linux 6.13.
pub const IORING_NOP_FIXED_BUFFER: u32 = 1 << 3;
/// `nop_flags`: complete through task work rather than inline. Kernel
/// header only. Linux 6.17.
pub const IORING_NOP_TW: u32 = 1 << 4;
/// `nop_flags`: post a 32-byte CQE (which needs `IORING_SETUP_CQE32` or
/// `IORING_SETUP_CQE_MIXED`) whose extra words come from the SQE;
/// Linux 6.18.
pub const IORING_NOP_CQE32: u32 = 1 << 5;

// ---- socket commands (sqe.cmd_op of IORING_OP_URING_CMD on a socket) ----

/// Socket command: return the number of unread bytes, like the `SIOCINQ`
/// ioctl (C `enum io_uring_socket_op`); Linux 6.7.
pub const SOCKET_URING_OP_SIOCINQ: u32 = 0;
/// Socket command: return the number of unsent bytes, like the `SIOCOUTQ`
/// ioctl; Linux 6.7.
pub const SOCKET_URING_OP_SIOCOUTQ: u32 = 1;
/// Socket command: `getsockopt(2)` with `level`, `optname`, `optval` and
/// `optlen`; Linux 6.7.
pub const SOCKET_URING_OP_GETSOCKOPT: u32 = 2;
/// Socket command: `setsockopt(2)` with `level`, `optname`, `optval` and
/// `optlen`; Linux 6.7.
pub const SOCKET_URING_OP_SETSOCKOPT: u32 = 3;
/// Socket command: report transmit timestamps from the socket error queue
/// as 32-byte CQEs holding an [`crate::io_timespec`]; Linux 6.17.
pub const SOCKET_URING_OP_TX_TIMESTAMP: u32 = 4;
/// Socket command: return the socket's local or peer address, like
/// `getsockname(2)` and `getpeername(2)`; Linux 6.19.
pub const SOCKET_URING_OP_GETSOCKNAME: u32 = 5;

/// The bit of `cqe.flags` of a `SOCKET_URING_OP_TX_TIMESTAMP` completion
/// that says the timestamp came from the hardware (`IORING_CQE_F_TSTAMP_HW`);
/// Linux 6.17.
pub const IORING_TIMESTAMP_HW_SHIFT: u32 = 16;
/// The shift of the timestamp type (`SCM_TSTAMP_*`) in `cqe.flags` of a
/// `SOCKET_URING_OP_TX_TIMESTAMP` completion; Linux 6.17.
pub const IORING_TIMESTAMP_TYPE_SHIFT: u32 = IORING_TIMESTAMP_HW_SHIFT + 1;
