//! Everything that is neither file data, file system nor socket: no-ops,
//! poll, timeouts and cancellation, memory advice, classic provided
//! buffers, ring-to-ring messages, driver commands, child processes and
//! futexes.

use super::{file_index, poll_mask, ptr, sqe, sqe_on};
use crate::types::{set_cmd16, Entry, Entry128, Target, Timespec};
use core::ffi::c_void;
use ring_sys::*;

opcode! {
    /// Does nothing and completes with 0: `io_uring_prep_nop(3)`. Linux 5.1.
    ///
    /// The optional fields exercise paths of the kernel (6.10 and later)
    /// without side effects: an injected result, a file or registered
    /// buffer lookup, completion through task work, a 32-byte completion.
    /// Points at no memory.
    pub struct Nop {
        ;;
        /// Complete with this result instead of 0 (`IORING_NOP_INJECT_RESULT`,
        /// 6.10); default: none.
        inject_result: Option<i32> [i32] = None,
        /// Look up this file first (`IORING_NOP_FILE`, with
        /// `IORING_NOP_FIXED_FILE` for a registered one, 6.13), failing
        /// with `EBADF` if it does not exist; default: none.
        file: Option<Target> [impl Into<Target>] = None,
        /// Look up this registered buffer first (`IORING_NOP_FIXED_BUFFER`,
        /// 6.13); default: none.
        fixed_buffer: Option<u16> [u16] = None,
        /// Complete through task work (`IORING_NOP_TW`, 6.17); default false.
        task_work: bool = false,
        /// Post a 32-byte completion carrying these two words
        /// (`IORING_NOP_CQE32`, 6.18; needs a `CQE32` or `CQE_MIXED`
        /// ring); default: none.
        cqe32: Option<[u64; 2]> [[u64; 2]] = None,
    }

    pub const CODE = IORING_OP_NOP;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Nop { inject_result, file, fixed_buffer, task_work, cqe32 } = self;
        Entry::from_sqe(nop_sqe(Self::CODE, inject_result, file, fixed_buffer, task_work, cqe32))
    }
}

impl Default for Nop {
    /// A plain NOP, as [`Nop::new`].
    fn default() -> Self {
        Nop::new()
    }
}

/// The SQE of a NOP or NOP128 with the given `nop_flags` options.
fn nop_sqe(
    code: u8,
    inject_result: Option<i32>,
    file: Option<Target>,
    fixed_buffer: Option<u16>,
    task_work: bool,
    cqe32: Option<[u64; 2]>,
) -> io_uring_sqe {
    let mut sqe = sqe(code, -1);
    let mut flags = 0;
    if let Some(r) = inject_result {
        flags |= IORING_NOP_INJECT_RESULT;
        sqe.len = r as u32;
    }
    if let Some(t) = file {
        // The NOP names a registered file through its own flag, not
        // through IOSQE_FIXED_FILE: the opcode has no file of its own.
        flags |= IORING_NOP_FILE;
        if t.is_fixed() {
            flags |= IORING_NOP_FIXED_FILE;
        }
        sqe.fd = t.raw();
    }
    if let Some(b) = fixed_buffer {
        flags |= IORING_NOP_FIXED_BUFFER;
        sqe.set_buf_index(b);
    }
    if task_work {
        flags |= IORING_NOP_TW;
    }
    if let Some([a, b]) = cqe32 {
        flags |= IORING_NOP_CQE32;
        sqe.set_off(a);
        sqe.set_addr(b);
    }
    sqe.set_nop_flags(flags);
    sqe
}

opcode! {
    /// Waits for poll events on a file, once or repeatedly:
    /// `io_uring_prep_poll_add(3)` and `io_uring_prep_poll_multishot(3)`.
    /// Linux 5.1 (multishot 5.13).
    ///
    /// Required: the file and the `POLL*` event mask. The result is the
    /// mask of ready events. A multishot poll posts a completion with
    /// `IORING_CQE_F_MORE` for every event until it is removed or fails.
    /// Points at no memory.
    pub struct PollAdd {
        fd: Target [impl Into<Target>],
        events: u32,
        ;;
        /// Stay armed after each event (`IORING_POLL_ADD_MULTI`); default false.
        multi: bool = false,
        /// Level-triggered instead of edge-triggered
        /// (`IORING_POLL_ADD_LEVEL`, 5.19); default false.
        level: bool = false,
    }

    pub const CODE = IORING_OP_POLL_ADD;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let PollAdd { fd, events, multi, level } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_poll32_events(poll_mask(events));
        let mut flags = 0;
        if multi {
            flags |= IORING_POLL_ADD_MULTI;
        }
        if level {
            flags |= IORING_POLL_ADD_LEVEL;
        }
        sqe.len = flags;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes a pending poll, or updates its events or `user_data`:
    /// `io_uring_prep_poll_remove(3)` and `io_uring_prep_poll_update(3)`.
    /// Linux 5.1 (update 5.13).
    ///
    /// Required: the `user_data` of the poll request. Removal completes the
    /// poll with `-ECANCELED` and this request with 0 (or `-ENOENT` if no
    /// such poll is pending). With either update set, the poll is changed
    /// in place instead. Points at no memory.
    pub struct PollRemove {
        user_data: u64,
        ;;
        /// Update the poll's events to this mask; default: no update.
        new_events: Option<u32> [u32] = None,
        /// With `new_events`: make the updated poll multishot; default false.
        multi: bool = false,
        /// Update the poll's `user_data` to this value; default: no update.
        new_user_data: Option<u64> [u64] = None,
    }

    pub const CODE = IORING_OP_POLL_REMOVE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let PollRemove { user_data, new_events, multi, new_user_data } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = 0;
        if let Some(ev) = new_events {
            flags |= IORING_POLL_UPDATE_EVENTS;
            sqe.set_poll32_events(poll_mask(ev));
            if multi {
                flags |= IORING_POLL_ADD_MULTI;
            }
        }
        if let Some(ud) = new_user_data {
            flags |= IORING_POLL_UPDATE_USER_DATA;
            sqe.set_off(ud);
        }
        sqe.len = flags;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Completes after a time, or after `count` other completions,
    /// whichever is first: `io_uring_prep_timeout(3)`. Linux 5.4
    /// (absolute 5.5, clocks 5.15, multishot 6.4).
    ///
    /// Required: the time. The result is `-ETIME` when the time expires,
    /// 0 when the count is reached, `-ECANCELED` when removed. With
    /// `IORING_TIMEOUT_ETIME_SUCCESS` the result of an expiry is still
    /// `-ETIME`, but it does not count as a failure, so a chain linked
    /// after the timeout goes on instead of being cancelled. The timespec must stay valid
    /// until submission (the kernel copies it in its prep step).
    pub struct Timeout {
        timespec: *const Timespec,
        ;;
        /// Complete after this many other completions; 0 (the default)
        /// means only the time counts. With `IORING_TIMEOUT_MULTISHOT` it
        /// is instead the number of expirations, 0 for unlimited.
        count: u32 = 0,
        /// `IORING_TIMEOUT_*` flags: `ABS`, `BOOTTIME`, `REALTIME`,
        /// `ETIME_SUCCESS` (5.16), `MULTISHOT`; default 0 (relative,
        /// monotonic).
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TIMEOUT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Timeout { timespec, count, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(timespec));
        // One timespec; the kernel insists on exactly 1.
        sqe.len = 1;
        sqe.set_off(u64::from(count));
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes a pending timeout, or updates its time:
    /// `io_uring_prep_timeout_remove(3)` and `io_uring_prep_timeout_update(3)`.
    /// Linux 5.5 (update 5.11, linked-timeout update 5.15).
    ///
    /// Required: the `user_data` of the timeout. Removal completes it with
    /// `-ECANCELED`. With [`update`](Self::update), the timeout keeps
    /// running with the new time instead; the timespec must stay valid
    /// until submission.
    pub struct TimeoutRemove {
        user_data: u64,
        ;;
        /// Update the timeout to this time (`IORING_TIMEOUT_UPDATE`);
        /// default: remove it.
        update: Option<*const Timespec> [*const Timespec] = None,
        /// Further `IORING_TIMEOUT_*` flags of an update: `ABS`, a clock,
        /// or `IORING_LINK_TIMEOUT_UPDATE` to update a linked timeout;
        /// default 0. A plain removal must have none.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TIMEOUT_REMOVE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let TimeoutRemove { user_data, update, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = flags;
        if let Some(ts) = update {
            sqe.set_off(ptr(ts));
            flags |= IORING_TIMEOUT_UPDATE;
        }
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Cancels in-flight requests: `io_uring_prep_cancel64(3)` and
    /// `io_uring_prep_cancel_fd(3)`. Linux 5.5 (fd, any, all 5.19; fixed
    /// fd 6.0; opcode and combined keys 6.6).
    ///
    /// Required: the `user_data` of the request to cancel. The constructors
    /// [`by_fd`](Self::by_fd), [`by_opcode`](Self::by_opcode) and
    /// [`any_request`](Self::any_request) match on other keys instead;
    /// every key given must match. The result is 0 (or, with `all`, the
    /// number cancelled) and `-ENOENT` if nothing matched, `-EALREADY` if
    /// the match was already running; the cancelled request completes
    /// with `-ECANCELED`. Points at no memory.
    pub struct AsyncCancel {
        user_data: u64,
        ;;
        /// Match requests on this file (`IORING_ASYNC_CANCEL_FD`, with
        /// `_FD_FIXED` for a registered one); default: any file.
        fd: Option<Target> [impl Into<Target>] = None,
        /// Match requests with this opcode (`IORING_ASYNC_CANCEL_OP`);
        /// default: any opcode.
        opcode: Option<u8> [u8] = None,
        /// Whether `user_data` must match too; default true, cleared by
        /// the `by_*` and `any_request` constructors.
        match_user_data: bool = true,
        /// Cancel every match, not just the first (`IORING_ASYNC_CANCEL_ALL`);
        /// default false.
        all: bool = false,
        /// Match every request (`IORING_ASYNC_CANCEL_ANY`); default false.
        any: bool = false,
    }

    pub const CODE = IORING_OP_ASYNC_CANCEL;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let AsyncCancel { user_data, fd, opcode, match_user_data, all, any } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(user_data);
        let mut flags = 0;
        if let Some(t) = fd {
            flags |= IORING_ASYNC_CANCEL_FD;
            if t.is_fixed() {
                flags |= IORING_ASYNC_CANCEL_FD_FIXED;
            }
            sqe.fd = t.raw();
        }
        if let Some(op) = opcode {
            flags |= IORING_ASYNC_CANCEL_OP;
            sqe.len = u32::from(op);
        }
        // `user_data` is the default key; with another key it must be
        // asked for explicitly.
        if match_user_data && (fd.is_some() || opcode.is_some()) {
            flags |= IORING_ASYNC_CANCEL_USERDATA;
        }
        if all {
            flags |= IORING_ASYNC_CANCEL_ALL;
        }
        if any {
            flags |= IORING_ASYNC_CANCEL_ANY;
        }
        sqe.set_cancel_flags(flags);
        Entry::from_sqe(sqe)
    }
}

impl AsyncCancel {
    /// Cancels the request(s) working on `fd`, whatever their `user_data`.
    pub fn by_fd(fd: impl Into<Target>) -> Self {
        AsyncCancel::new(0).fd(fd).match_user_data(false)
    }

    /// Cancels the request(s) with opcode `op` (Linux 6.6).
    pub fn by_opcode(op: u8) -> Self {
        AsyncCancel::new(0).opcode(op).match_user_data(false)
    }

    /// Cancels any request; with [`all`](Self::all), every request.
    pub fn any_request() -> Self {
        AsyncCancel::new(0).any(true).match_user_data(false)
    }
}

opcode! {
    /// Bounds the time of the request before it in a link chain:
    /// `io_uring_prep_link_timeout(3)`. Linux 5.5.
    ///
    /// Push it right after an entry carrying `SqeFlags::IO_LINK`. If the
    /// time expires first, that request is cancelled (completing with
    /// `-ECANCELED`, or `-EINTR` for some) and this one completes with
    /// `-ETIME`; otherwise this one completes with `-ECANCELED`. The
    /// timespec must stay valid until submission.
    pub struct LinkTimeout {
        timespec: *const Timespec,
        ;;
        /// `IORING_TIMEOUT_*` flags (`ABS`, a clock); default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_LINK_TIMEOUT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let LinkTimeout { timespec, flags } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(timespec));
        sqe.len = 1;
        sqe.set_timeout_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Declares a memory access pattern, like `madvise(2)`:
    /// `io_uring_prep_madvise(3)` / `io_uring_prep_madvise64(3)`. Linux 5.6.
    ///
    /// Required: the start of the range (page-aligned), its length and the
    /// `MADV_*` advice. The range must stay mapped until the completion.
    /// Advice is only a hint for most values; success says the kernel
    /// accepted it. A length that does not fit in 32 bits goes in
    /// `sqe.off`, which only Linux 6.8 and later read.
    pub struct Madvise {
        addr: *const c_void,
        len: u64,
        advice: i32,
        ;;
    }

    pub const CODE = IORING_OP_MADVISE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Madvise { addr, len, advice } = self;
        let mut sqe = sqe(Self::CODE, -1);
        sqe.set_addr(ptr(addr));
        match u32::try_from(len) {
            Ok(l) => sqe.len = l,
            Err(_) => sqe.set_off(len),
        }
        sqe.set_fadvise_advice(advice as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Adds buffers to a classic provided-buffer group:
    /// `io_uring_prep_provide_buffers(3)`. Linux 5.7.
    ///
    /// Required: the start of `nbufs` contiguous buffers of `len` bytes
    /// each, `nbufs`, the group and the ID of the first buffer (the rest
    /// get consecutive IDs). The memory must stay valid until every buffer
    /// has been consumed and its completion reaped, or removed with
    /// [`RemoveBuffers`]. Buffer rings (`IORING_REGISTER_PBUF_RING`) are
    /// the faster replacement.
    pub struct ProvideBuffers {
        addr: *mut u8,
        len: u32,
        nbufs: u32,
        bgid: u16,
        bid: u16,
        ;;
    }

    pub const CODE = IORING_OP_PROVIDE_BUFFERS;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let ProvideBuffers { addr, len, nbufs, bgid, bid } = self;
        // The buffer count travels in the descriptor field.
        let mut sqe = sqe(Self::CODE, nbufs as i32);
        sqe.set_addr(ptr(addr));
        sqe.len = len;
        sqe.set_off(u64::from(bid));
        sqe.set_buf_group(bgid);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes up to `nbufs` buffers from a classic provided-buffer group:
    /// `io_uring_prep_remove_buffers(3)`. Linux 5.7.
    ///
    /// The result is the number removed; their memory is the
    /// application's again once this completes. Points at no memory.
    pub struct RemoveBuffers {
        nbufs: u32,
        bgid: u16,
        ;;
    }

    pub const CODE = IORING_OP_REMOVE_BUFFERS;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let RemoveBuffers { nbufs, bgid } = self;
        let mut sqe = sqe(Self::CODE, nbufs as i32);
        sqe.set_buf_group(bgid);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Posts a completion to another ring, or passes it a registered file:
    /// `io_uring_prep_msg_ring(3)`, `io_uring_prep_msg_ring_cqe_flags(3)`,
    /// `io_uring_prep_msg_ring_fd(3)` and `io_uring_prep_msg_ring_fd_alloc(3)`.
    /// Linux 5.18 (send-fd 6.0, flag passing 6.3).
    ///
    /// Required: the target ring's descriptor (or its index in this ring's
    /// registered files), the `res` and the `user_data` of the completion
    /// the target ring receives. This request completes with 0 on success.
    /// Points at no memory.
    pub struct MsgRing {
        ring_fd: Target [impl Into<Target>],
        result: i32,
        user_data: u64,
        ;;
        /// `IORING_MSG_RING_CQE_SKIP` (no completion on the target, for
        /// send-fd); default 0.
        flags: u32 = 0,
        /// The `flags` of the target's completion
        /// (`IORING_MSG_RING_FLAGS_PASS`); default: none (0).
        cqe_flags: Option<u32> [u32] = None,
        /// Instead of a plain message, install this ring's registered file
        /// `.0` into the target ring's slot `.1` (or
        /// `IORING_FILE_INDEX_ALLOC`). The target's completion carries
        /// `user_data` and, as its result, 0 or the allocated slot;
        /// `result` and `cqe_flags` are not sent (the kernel wants 0 in
        /// `len`, and passes no flags with a file). Default: none.
        send_fd: Option<(u32, u32)> [(u32, u32)] = None,
    }

    pub const CODE = IORING_OP_MSG_RING;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let MsgRing { ring_fd, result, user_data, flags, cqe_flags, send_fd } = self;
        let mut sqe = sqe_on(Self::CODE, ring_fd);
        sqe.set_off(user_data);
        let mut flags = flags;
        match send_fd {
            None => {
                sqe.set_addr(IORING_MSG_DATA);
                sqe.len = result as u32;
                if let Some(f) = cqe_flags {
                    flags |= IORING_MSG_RING_FLAGS_PASS;
                    sqe.set_file_index(f);
                }
            }
            Some((src, dst)) => {
                sqe.set_addr(IORING_MSG_SEND_FD);
                sqe.set_addr3(u64::from(src));
                sqe.set_file_index(file_index(Some(dst)));
            }
        }
        sqe.set_msg_ring_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Passes a driver- or socket-specific command to a file (NVMe
    /// passthrough, ublk, sockets): `io_uring_prep_uring_cmd(3)` and
    /// `io_uring_prep_cmd_sock(3)`. Linux 5.19 (socket commands 6.7).
    ///
    /// Required: the file and the command number (`SOCKET_URING_OP_*` for
    /// sockets). The 16-byte command area and the other fields mean what
    /// the command defines; [`siocinq`](Self::siocinq),
    /// [`getsockopt`](Self::getsockopt) and friends fill them for the
    /// socket commands. On a ring set up with `IORING_SETUP_SQE128` use
    /// [`build128`](Self::build128), which gives the 80-byte area. Whatever
    /// memory the command points at must stay valid until the completion.
    pub struct UringCmd {
        fd: Target [impl Into<Target>],
        cmd_op: u32,
        ;;
        /// The first 16 bytes of the command area; default all zero.
        cmd: [u8; 16] = [0; 16],
        /// The `addr` word (a socket option's level and name, or a
        /// `getsockname` address); default 0.
        addr: u64 = 0,
        /// The `optlen` word (a socket option's length, or `getsockname`'s
        /// peer flag); default 0.
        optlen: u32 = 0,
        /// Use registered buffer `n` (`IORING_URING_CMD_FIXED`, 6.1);
        /// default: none.
        buf_index: Option<u16> [u16] = None,
    }

    pub const CODE = IORING_OP_URING_CMD;

    /// Builds the 64-byte entry.
    pub fn build(self) -> Entry {
        let UringCmd { fd, cmd_op, cmd, addr, optlen, buf_index } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_cmd_op(cmd_op);
        sqe.set_addr(addr);
        sqe.set_optlen(optlen);
        set_cmd16(&mut sqe, cmd);
        if let Some(i) = buf_index {
            sqe.set_uring_cmd_flags(IORING_URING_CMD_FIXED);
            sqe.set_buf_index(i);
        }
        Entry::from_sqe(sqe)
    }
}

impl UringCmd {
    /// Builds the 128-byte entry for a ring set up with
    /// `IORING_SETUP_SQE128`, with the last 64 bytes of the command area
    /// zero; fill them with [`Entry128::with_cmd`].
    pub fn build128(self) -> Entry128 {
        Entry128::from_entry(self.build())
    }

    /// `SOCKET_URING_OP_SIOCINQ`: the result is the number of bytes
    /// waiting to be read, like the `SIOCINQ` ioctl.
    pub fn siocinq(fd: impl Into<Target>) -> Self {
        UringCmd::new(fd, SOCKET_URING_OP_SIOCINQ)
    }

    /// `SOCKET_URING_OP_SIOCOUTQ`: the result is the number of bytes not
    /// yet sent, like the `SIOCOUTQ` ioctl.
    pub fn siocoutq(fd: impl Into<Target>) -> Self {
        UringCmd::new(fd, SOCKET_URING_OP_SIOCOUTQ)
    }

    /// `SOCKET_URING_OP_GETSOCKOPT`: like `getsockopt(2)` into
    /// `optval .. optval + optlen` (which must stay valid until the
    /// completion); the result is the option's length. The kernel supports
    /// only `SOL_SOCKET` options here.
    pub fn getsockopt(fd: impl Into<Target>, level: u32, optname: u32, optval: *mut c_void, optlen: u32) -> Self {
        Self::sockopt(fd, SOCKET_URING_OP_GETSOCKOPT, level, optname, ptr(optval), optlen)
    }

    /// `SOCKET_URING_OP_SETSOCKOPT`: like `setsockopt(2)` from
    /// `optval .. optval + optlen` (valid until the completion).
    pub fn setsockopt(fd: impl Into<Target>, level: u32, optname: u32, optval: *const c_void, optlen: u32) -> Self {
        Self::sockopt(fd, SOCKET_URING_OP_SETSOCKOPT, level, optname, ptr(optval), optlen)
    }

    /// A socket option command: level and name in `addr` (as the
    /// `{ level, optname }` pair of 32-bit words), the value's address at
    /// the start of the command area (`optval`), its length in `optlen`.
    fn sockopt(fd: impl Into<Target>, op: u32, level: u32, optname: u32, optval: u64, optlen: u32) -> Self {
        let mut pair = [0u8; 8];
        pair[..4].copy_from_slice(&level.to_ne_bytes());
        pair[4..].copy_from_slice(&optname.to_ne_bytes());
        let mut cmd = [0u8; 16];
        cmd[..8].copy_from_slice(&optval.to_ne_bytes());
        UringCmd::new(fd, op).addr(u64::from_ne_bytes(pair)).optlen(optlen).cmd(cmd)
    }
}

opcode! {
    /// Waits for a child process to change state, like `waitid(2)`:
    /// `io_uring_prep_waitid(3)`. Linux 6.7.
    ///
    /// Required: the id type (`P_PID`, `P_PGID`, `P_ALL`, `P_PIDFD`), the
    /// id, the `W*` options (`WEXITED` and friends) and where to store the
    /// `siginfo_t` (may be null), which must stay valid until the
    /// completion. The result is 0.
    pub struct WaitId {
        idtype: libc::idtype_t,
        id: libc::id_t,
        options: i32,
        infop: *mut libc::siginfo_t,
        ;;
    }

    pub const CODE = IORING_OP_WAITID;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let WaitId { idtype, id, options, infop } = self;
        let mut sqe = sqe(Self::CODE, id as i32);
        // `idtype_t` is unsigned on most Linux targets and signed on
        // Android; the kernel reads the bits as an unsigned word either way.
        #[allow(clippy::unnecessary_cast)]
        let which = idtype as u32;
        sqe.len = which;
        sqe.set_file_index(options as u32);
        sqe.set_off(ptr(infop));
        Entry::from_sqe(sqe)
    }
}

/// The futex2 flags the futex builders default to: a 32-bit futex private
/// to this process.
const FUTEX_DEFAULT_FLAGS: u32 = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;

/// A futex mask matching every waiter (`FUTEX_BITSET_MATCH_ANY`).
const FUTEX_MATCH_ANY: u64 = 0xffff_ffff;

opcode! {
    /// Waits on a futex while it holds `val`, like `futex_wait(2)`:
    /// `io_uring_prep_futex_wait(3)`. Linux 6.7.
    ///
    /// Required: the futex word and the value it must hold for the wait to
    /// start (otherwise the result is `-EAGAIN`). The result is 0 once
    /// woken. The futex word must stay valid until the completion.
    pub struct FutexWait {
        futex: *const u32,
        val: u64,
        ;;
        /// The wait's bit mask (only wakes with an overlapping mask wake
        /// it); default all ones (`FUTEX_BITSET_MATCH_ANY`).
        mask: u64 = FUTEX_MATCH_ANY,
        /// `FUTEX2_*` flags; default `FUTEX2_SIZE_U32 | FUTEX2_PRIVATE`.
        futex_flags: u32 = FUTEX_DEFAULT_FLAGS,
    }

    pub const CODE = IORING_OP_FUTEX_WAIT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWait { futex, val, mask, futex_flags } = self;
        // The futex2 flags travel in the descriptor field; the SQE's own
        // `futex_flags` word is reserved and must stay 0.
        let mut sqe = sqe(Self::CODE, futex_flags as i32);
        sqe.set_addr(ptr(futex));
        sqe.set_off(val);
        sqe.set_addr3(mask);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Wakes up to `count` waiters of a futex, like `futex_wake(2)`:
    /// `io_uring_prep_futex_wake(3)`. Linux 6.7.
    ///
    /// Required: the futex word and the most waiters to wake. The result
    /// is the number woken. The futex word must stay valid until the
    /// completion.
    pub struct FutexWake {
        futex: *const u32,
        count: u64,
        ;;
        /// Wake only waiters whose mask overlaps this one; default all ones.
        mask: u64 = FUTEX_MATCH_ANY,
        /// `FUTEX2_*` flags; default `FUTEX2_SIZE_U32 | FUTEX2_PRIVATE`.
        futex_flags: u32 = FUTEX_DEFAULT_FLAGS,
    }

    pub const CODE = IORING_OP_FUTEX_WAKE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWake { futex, count, mask, futex_flags } = self;
        let mut sqe = sqe(Self::CODE, futex_flags as i32);
        sqe.set_addr(ptr(futex));
        sqe.set_off(count);
        sqe.set_addr3(mask);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Waits on several futexes at once, like `futex_waitv(2)`:
    /// `io_uring_prep_futex_waitv(3)`. Linux 6.7.
    ///
    /// Required: the array of [`futex_waitv`] and its length (at most
    /// `FUTEX_WAITV_MAX`). The array and the futex words must stay valid
    /// until the completion. The result is the index of the futex that
    /// woke the wait.
    pub struct FutexWaitV {
        futexv: *const futex_waitv,
        nr: u32,
        ;;
    }

    pub const CODE = IORING_OP_FUTEX_WAITV;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FutexWaitV { futexv, nr } = self;
        let mut sqe = sqe(Self::CODE, 0);
        sqe.set_addr(ptr(futexv));
        sqe.len = nr;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Does nothing, in a 128-byte entry of a ring set up with
    /// `IORING_SETUP_SQE_MIXED`: `io_uring_prep_nop128(3)`. Linux 6.19.
    ///
    /// Push it with [`SubmissionQueue::push128`](crate::SubmissionQueue::push128).
    /// Points at no memory.
    pub struct Nop128 {
        ;;
        /// Complete with this result instead of 0; default: none.
        inject_result: Option<i32> [i32] = None,
    }

    pub const CODE = IORING_OP_NOP128;

    /// Builds the 128-byte entry.
    pub fn build(self) -> Entry128 {
        let Nop128 { inject_result } = self;
        Entry128::from_entry(Entry::from_sqe(nop_sqe(
            Self::CODE,
            inject_result,
            None,
            None,
            false,
            None,
        )))
    }
}

impl Default for Nop128 {
    /// A plain NOP128, as [`Nop128::new`].
    fn default() -> Self {
        Nop128::new()
    }
}

opcode! {
    /// Passes a command with an 80-byte command area, in a 128-byte entry
    /// of a ring set up with `IORING_SETUP_SQE_MIXED`:
    /// `io_uring_prep_uring_cmd128(3)`. Linux 6.19.
    ///
    /// As [`UringCmd`], with the whole 80-byte area. Push it with
    /// [`SubmissionQueue::push128`](crate::SubmissionQueue::push128).
    pub struct UringCmd128 {
        fd: Target [impl Into<Target>],
        cmd_op: u32,
        ;;
        /// The 80-byte command area; default all zero.
        cmd: [u8; 80] = [0; 80],
        /// The `addr` word; default 0.
        addr: u64 = 0,
        /// Use registered buffer `n` (`IORING_URING_CMD_FIXED`); default: none.
        buf_index: Option<u16> [u16] = None,
    }

    pub const CODE = IORING_OP_URING_CMD128;

    /// Builds the 128-byte entry.
    pub fn build(self) -> Entry128 {
        let UringCmd128 { fd, cmd_op, cmd, addr, buf_index } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_cmd_op(cmd_op);
        sqe.set_addr(addr);
        if let Some(i) = buf_index {
            sqe.set_uring_cmd_flags(IORING_URING_CMD_FIXED);
            sqe.set_buf_index(i);
        }
        Entry128::from_entry(Entry::from_sqe(sqe)).with_cmd(cmd)
    }
}
