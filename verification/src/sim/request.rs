//! What a request is, as the simulated kernel models it: its kind (with
//! what it copied at submission), the user memory it holds, the provided
//! buffer it took, and who it is in a violation message.

use ring_sys::*;
use std::os::fd::RawFd;
use std::time::Duration;

/// The model of one request.
#[derive(Debug)]
pub(crate) enum Kind {
    /// `IORING_OP_NOP` (and `NOP128`): completes with `res`.
    Nop { res: i32, big: Option<[u64; 2]> },
    /// Reads and writes, plain and vectored: `bufs` are the user ranges.
    Rw { fd: RawFd, write: bool, bufs: Vec<(u64, usize)>, off: u64 },
    /// `IORING_OP_FSYNC`.
    Fsync { fd: RawFd },
    /// `IORING_OP_TIMEOUT`: fires at `deadline` or after `count` other
    /// completions. `rel` is the relative time until armed.
    Timeout { ts: Duration, abs: bool, count: u32, etime_ok: bool, deadline: Option<Duration>, target: Option<u64> },
    /// `IORING_OP_POLL_ADD`: `seen` is the last readiness edge reported.
    Poll { fd: RawFd, mask: u32, multi: bool, seen: Option<u64> },
    /// `IORING_OP_ASYNC_CANCEL`.
    Cancel { key: u64, fd: RawFd, flags: u32 },
    /// `IORING_OP_SEND_ZC`: `sent` once the result CQE is out; `notif`
    /// when the notification may be posted.
    SendZc { fd: RawFd, addr: u64, len: usize, sent: Option<i32>, notif: bool },
    /// `IORING_OP_SEND`.
    Send { fd: RawFd, addr: u64, len: usize },
    /// `IORING_OP_OPENAT`, with the path copied at submission.
    Openat { path: Vec<u8>, flags: i32 },
    /// `IORING_OP_CLOSE`.
    Close { fd: RawFd },
    /// `IORING_OP_STATX`: the path was copied; `buf` is written.
    Statx { dirfd: RawFd, path: Vec<u8>, flags: u32, buf: u64 },
    /// `IORING_OP_READ` with `IOSQE_BUFFER_SELECT` (`multi`: false) and
    /// `IORING_OP_READ_MULTISHOT` (`multi`: true): reads into a buffer
    /// taken from provided-buffer group `group` (see `pbuf.rs`), at most
    /// `len` bytes (0: the buffer's length). `sel` is the buffer taken and
    /// not yet written.
    ReadSel { fd: RawFd, group: u16, len: u32, off: u64, multi: bool, sel: Option<Selected> },
    /// Failed at submission (unknown opcode, bad argument): completes with
    /// this error, and stops the batch unless it links on.
    Fail(i32),
}

impl Kind {
    /// Arms the request when it becomes active (timeouts start counting).
    pub fn arm(&mut self, now: Duration, completions: u64) {
        if let Kind::Timeout { ts, abs, count, deadline, target, .. } = self {
            *deadline = Some(if *abs { *ts } else { now + *ts });
            *target = (*count > 0).then(|| completions + u64::from(*count));
        }
    }

    pub fn deadline(&self) -> Option<Duration> {
        match self {
            Kind::Timeout { deadline, .. } => *deadline,
            _ => None,
        }
    }

    /// A zero-copy send whose result is out and whose notification is held.
    pub fn notif_waiting(&self) -> bool {
        matches!(self, Kind::SendZc { sent: Some(_), notif: false, .. })
    }

    /// The provided buffer the request holds, if any.
    pub fn selected(&self) -> Option<Selected> {
        match self {
            Kind::ReadSel { sel, .. } => *sel,
            _ => None,
        }
    }

    pub fn allow_notif(&mut self) {
        if let Kind::SendZc { notif, .. } = self {
            *notif = true;
        }
    }
}

/// A provided buffer a request took and has not written yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Selected {
    pub group: u16,
    pub epoch: u64,
    pub addr: u64,
    pub len: u32,
    pub bid: u16,
}

impl Selected {
    /// The CQE flags that report this buffer.
    pub fn cqe_flags(&self) -> u32 {
        IORING_CQE_F_BUFFER | (u32::from(self.bid) << IORING_CQE_BUFFER_SHIFT)
    }
}

/// Who is accessing user memory, for violation messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Who {
    pub user_data: u64,
    pub opcode: u8,
}

/// Which way the kernel accesses a range of user memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The kernel reads the range (the source of a write or send).
    Read,
    /// The kernel writes the range (the destination of a read).
    Write,
}

/// A range of user memory an operation in flight holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemRange {
    /// The first address.
    pub addr: u64,
    /// The length in bytes.
    pub len: usize,
    /// Whether the kernel reads or writes it.
    pub access: Access,
}

impl Who {
    /// The opcode's kernel name without its `IORING_OP_` prefix, for
    /// violation messages (the same table the probe reports from).
    pub fn opcode_name(&self) -> &'static str {
        let name = ring_core::names::opcode_name(self.opcode);
        name.strip_prefix("IORING_OP_").unwrap_or(name)
    }
}
