//! What the running kernel supports: opcodes, features, setup flags and
//! register operations, by name, for gating code at run time.
//!
//! Opcodes come from `IORING_REGISTER_PROBE` (5.6), which reports each
//! opcode the kernel knows with `IO_URING_OP_SUPPORTED`. Features come from
//! the ring's `io_uring_params.features`. Register operations are asked
//! with `IORING_REGISTER_QUERY` (6.18); on older kernels one harmless
//! ring-less call per operation shows which ones the kernel knows, and only
//! where even that cannot tell (kernels before 5.18) is support inferred
//! from the highest opcode the kernel reports (see
//! [`Probe::register_op_supported`]).

use crate::error::Result;
use crate::kernel::Kernel;
use crate::ring::Ring;
use ring_sys::*;

/// Every opcode: value, kernel name, and the Linux version that added it.
pub const OPCODES: [(u8, &str, &str); 65] = [
    (IORING_OP_NOP, "IORING_OP_NOP", "5.1"),
    (IORING_OP_READV, "IORING_OP_READV", "5.1"),
    (IORING_OP_WRITEV, "IORING_OP_WRITEV", "5.1"),
    (IORING_OP_FSYNC, "IORING_OP_FSYNC", "5.1"),
    (IORING_OP_READ_FIXED, "IORING_OP_READ_FIXED", "5.1"),
    (IORING_OP_WRITE_FIXED, "IORING_OP_WRITE_FIXED", "5.1"),
    (IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD", "5.1"),
    (IORING_OP_POLL_REMOVE, "IORING_OP_POLL_REMOVE", "5.1"),
    (IORING_OP_SYNC_FILE_RANGE, "IORING_OP_SYNC_FILE_RANGE", "5.2"),
    (IORING_OP_SENDMSG, "IORING_OP_SENDMSG", "5.3"),
    (IORING_OP_RECVMSG, "IORING_OP_RECVMSG", "5.3"),
    (IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT", "5.4"),
    (IORING_OP_TIMEOUT_REMOVE, "IORING_OP_TIMEOUT_REMOVE", "5.5"),
    (IORING_OP_ACCEPT, "IORING_OP_ACCEPT", "5.5"),
    (IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL", "5.5"),
    (IORING_OP_LINK_TIMEOUT, "IORING_OP_LINK_TIMEOUT", "5.5"),
    (IORING_OP_CONNECT, "IORING_OP_CONNECT", "5.5"),
    (IORING_OP_FALLOCATE, "IORING_OP_FALLOCATE", "5.6"),
    (IORING_OP_OPENAT, "IORING_OP_OPENAT", "5.6"),
    (IORING_OP_CLOSE, "IORING_OP_CLOSE", "5.6"),
    (IORING_OP_FILES_UPDATE, "IORING_OP_FILES_UPDATE", "5.6"),
    (IORING_OP_STATX, "IORING_OP_STATX", "5.6"),
    (IORING_OP_READ, "IORING_OP_READ", "5.6"),
    (IORING_OP_WRITE, "IORING_OP_WRITE", "5.6"),
    (IORING_OP_FADVISE, "IORING_OP_FADVISE", "5.6"),
    (IORING_OP_MADVISE, "IORING_OP_MADVISE", "5.6"),
    (IORING_OP_SEND, "IORING_OP_SEND", "5.6"),
    (IORING_OP_RECV, "IORING_OP_RECV", "5.6"),
    (IORING_OP_OPENAT2, "IORING_OP_OPENAT2", "5.6"),
    (IORING_OP_EPOLL_CTL, "IORING_OP_EPOLL_CTL", "5.6"),
    (IORING_OP_SPLICE, "IORING_OP_SPLICE", "5.7"),
    (IORING_OP_PROVIDE_BUFFERS, "IORING_OP_PROVIDE_BUFFERS", "5.7"),
    (IORING_OP_REMOVE_BUFFERS, "IORING_OP_REMOVE_BUFFERS", "5.7"),
    (IORING_OP_TEE, "IORING_OP_TEE", "5.8"),
    (IORING_OP_SHUTDOWN, "IORING_OP_SHUTDOWN", "5.11"),
    (IORING_OP_RENAMEAT, "IORING_OP_RENAMEAT", "5.11"),
    (IORING_OP_UNLINKAT, "IORING_OP_UNLINKAT", "5.11"),
    (IORING_OP_MKDIRAT, "IORING_OP_MKDIRAT", "5.15"),
    (IORING_OP_SYMLINKAT, "IORING_OP_SYMLINKAT", "5.15"),
    (IORING_OP_LINKAT, "IORING_OP_LINKAT", "5.15"),
    (IORING_OP_MSG_RING, "IORING_OP_MSG_RING", "5.18"),
    (IORING_OP_FSETXATTR, "IORING_OP_FSETXATTR", "5.19"),
    (IORING_OP_SETXATTR, "IORING_OP_SETXATTR", "5.19"),
    (IORING_OP_FGETXATTR, "IORING_OP_FGETXATTR", "5.19"),
    (IORING_OP_GETXATTR, "IORING_OP_GETXATTR", "5.19"),
    (IORING_OP_SOCKET, "IORING_OP_SOCKET", "5.19"),
    (IORING_OP_URING_CMD, "IORING_OP_URING_CMD", "5.19"),
    (IORING_OP_SEND_ZC, "IORING_OP_SEND_ZC", "6.0"),
    (IORING_OP_SENDMSG_ZC, "IORING_OP_SENDMSG_ZC", "6.1"),
    (IORING_OP_READ_MULTISHOT, "IORING_OP_READ_MULTISHOT", "6.7"),
    (IORING_OP_WAITID, "IORING_OP_WAITID", "6.7"),
    (IORING_OP_FUTEX_WAIT, "IORING_OP_FUTEX_WAIT", "6.7"),
    (IORING_OP_FUTEX_WAKE, "IORING_OP_FUTEX_WAKE", "6.7"),
    (IORING_OP_FUTEX_WAITV, "IORING_OP_FUTEX_WAITV", "6.7"),
    (IORING_OP_FIXED_FD_INSTALL, "IORING_OP_FIXED_FD_INSTALL", "6.8"),
    (IORING_OP_FTRUNCATE, "IORING_OP_FTRUNCATE", "6.9"),
    (IORING_OP_BIND, "IORING_OP_BIND", "6.11"),
    (IORING_OP_LISTEN, "IORING_OP_LISTEN", "6.11"),
    (IORING_OP_RECV_ZC, "IORING_OP_RECV_ZC", "6.15"),
    (IORING_OP_EPOLL_WAIT, "IORING_OP_EPOLL_WAIT", "6.15"),
    (IORING_OP_READV_FIXED, "IORING_OP_READV_FIXED", "6.15"),
    (IORING_OP_WRITEV_FIXED, "IORING_OP_WRITEV_FIXED", "6.15"),
    (IORING_OP_PIPE, "IORING_OP_PIPE", "6.16"),
    (IORING_OP_NOP128, "IORING_OP_NOP128", "6.19"),
    (IORING_OP_URING_CMD128, "IORING_OP_URING_CMD128", "6.19"),
];

/// Every register operation: value, kernel name, and the Linux version
/// that added it.
pub const REGISTER_OPS: [(u32, &str, &str); 38] = [
    (IORING_REGISTER_BUFFERS, "IORING_REGISTER_BUFFERS", "5.1"),
    (IORING_UNREGISTER_BUFFERS, "IORING_UNREGISTER_BUFFERS", "5.1"),
    (IORING_REGISTER_FILES, "IORING_REGISTER_FILES", "5.1"),
    (IORING_UNREGISTER_FILES, "IORING_UNREGISTER_FILES", "5.1"),
    (IORING_REGISTER_EVENTFD, "IORING_REGISTER_EVENTFD", "5.2"),
    (IORING_UNREGISTER_EVENTFD, "IORING_UNREGISTER_EVENTFD", "5.2"),
    (IORING_REGISTER_FILES_UPDATE, "IORING_REGISTER_FILES_UPDATE", "5.5"),
    (IORING_REGISTER_EVENTFD_ASYNC, "IORING_REGISTER_EVENTFD_ASYNC", "5.6"),
    (IORING_REGISTER_PROBE, "IORING_REGISTER_PROBE", "5.6"),
    (IORING_REGISTER_PERSONALITY, "IORING_REGISTER_PERSONALITY", "5.6"),
    (IORING_UNREGISTER_PERSONALITY, "IORING_UNREGISTER_PERSONALITY", "5.6"),
    (IORING_REGISTER_RESTRICTIONS, "IORING_REGISTER_RESTRICTIONS", "5.10"),
    (IORING_REGISTER_ENABLE_RINGS, "IORING_REGISTER_ENABLE_RINGS", "5.10"),
    (IORING_REGISTER_FILES2, "IORING_REGISTER_FILES2", "5.13"),
    (IORING_REGISTER_FILES_UPDATE2, "IORING_REGISTER_FILES_UPDATE2", "5.13"),
    (IORING_REGISTER_BUFFERS2, "IORING_REGISTER_BUFFERS2", "5.13"),
    (IORING_REGISTER_BUFFERS_UPDATE, "IORING_REGISTER_BUFFERS_UPDATE", "5.13"),
    (IORING_REGISTER_IOWQ_AFF, "IORING_REGISTER_IOWQ_AFF", "5.14"),
    (IORING_UNREGISTER_IOWQ_AFF, "IORING_UNREGISTER_IOWQ_AFF", "5.14"),
    (IORING_REGISTER_IOWQ_MAX_WORKERS, "IORING_REGISTER_IOWQ_MAX_WORKERS", "5.15"),
    (IORING_REGISTER_RING_FDS, "IORING_REGISTER_RING_FDS", "5.18"),
    (IORING_UNREGISTER_RING_FDS, "IORING_UNREGISTER_RING_FDS", "5.18"),
    (IORING_REGISTER_PBUF_RING, "IORING_REGISTER_PBUF_RING", "5.19"),
    (IORING_UNREGISTER_PBUF_RING, "IORING_UNREGISTER_PBUF_RING", "5.19"),
    (IORING_REGISTER_SYNC_CANCEL, "IORING_REGISTER_SYNC_CANCEL", "6.0"),
    (IORING_REGISTER_FILE_ALLOC_RANGE, "IORING_REGISTER_FILE_ALLOC_RANGE", "6.0"),
    (IORING_REGISTER_PBUF_STATUS, "IORING_REGISTER_PBUF_STATUS", "6.8"),
    (IORING_REGISTER_NAPI, "IORING_REGISTER_NAPI", "6.9"),
    (IORING_UNREGISTER_NAPI, "IORING_UNREGISTER_NAPI", "6.9"),
    (IORING_REGISTER_CLOCK, "IORING_REGISTER_CLOCK", "6.12"),
    (IORING_REGISTER_CLONE_BUFFERS, "IORING_REGISTER_CLONE_BUFFERS", "6.12"),
    (IORING_REGISTER_SEND_MSG_RING, "IORING_REGISTER_SEND_MSG_RING", "6.13"),
    (IORING_REGISTER_ZCRX_IFQ, "IORING_REGISTER_ZCRX_IFQ", "6.15"),
    (IORING_REGISTER_RESIZE_RINGS, "IORING_REGISTER_RESIZE_RINGS", "6.13"),
    (IORING_REGISTER_MEM_REGION, "IORING_REGISTER_MEM_REGION", "6.13"),
    (IORING_REGISTER_QUERY, "IORING_REGISTER_QUERY", "6.18"),
    (IORING_REGISTER_ZCRX_CTRL, "IORING_REGISTER_ZCRX_CTRL", "6.19"),
    (IORING_REGISTER_BPF_FILTER, "IORING_REGISTER_BPF_FILTER", "7.0"),
];

/// Every feature flag: bit, kernel name, and the Linux version that added it.
pub const FEATURES: [(u32, &str, &str); 18] = [
    (IORING_FEAT_SINGLE_MMAP, "IORING_FEAT_SINGLE_MMAP", "5.4"),
    (IORING_FEAT_NODROP, "IORING_FEAT_NODROP", "5.5"),
    (IORING_FEAT_SUBMIT_STABLE, "IORING_FEAT_SUBMIT_STABLE", "5.5"),
    (IORING_FEAT_RW_CUR_POS, "IORING_FEAT_RW_CUR_POS", "5.6"),
    (IORING_FEAT_CUR_PERSONALITY, "IORING_FEAT_CUR_PERSONALITY", "5.6"),
    (IORING_FEAT_FAST_POLL, "IORING_FEAT_FAST_POLL", "5.7"),
    (IORING_FEAT_POLL_32BITS, "IORING_FEAT_POLL_32BITS", "5.9"),
    (IORING_FEAT_SQPOLL_NONFIXED, "IORING_FEAT_SQPOLL_NONFIXED", "5.11"),
    (IORING_FEAT_EXT_ARG, "IORING_FEAT_EXT_ARG", "5.11"),
    (IORING_FEAT_NATIVE_WORKERS, "IORING_FEAT_NATIVE_WORKERS", "5.12"),
    (IORING_FEAT_RSRC_TAGS, "IORING_FEAT_RSRC_TAGS", "5.13"),
    (IORING_FEAT_CQE_SKIP, "IORING_FEAT_CQE_SKIP", "5.17"),
    (IORING_FEAT_LINKED_FILE, "IORING_FEAT_LINKED_FILE", "5.17"),
    (IORING_FEAT_REG_REG_RING, "IORING_FEAT_REG_REG_RING", "6.3"),
    (IORING_FEAT_RECVSEND_BUNDLE, "IORING_FEAT_RECVSEND_BUNDLE", "6.10"),
    (IORING_FEAT_MIN_TIMEOUT, "IORING_FEAT_MIN_TIMEOUT", "6.12"),
    (IORING_FEAT_RW_ATTR, "IORING_FEAT_RW_ATTR", "6.14"),
    (IORING_FEAT_NO_IOWAIT, "IORING_FEAT_NO_IOWAIT", "6.15"),
];

/// Every enter flag: bit, kernel name, and the Linux version that added it.
pub const ENTER_FLAGS: [(u32, &str, &str); 8] = [
    (IORING_ENTER_GETEVENTS, "IORING_ENTER_GETEVENTS", "5.1"),
    (IORING_ENTER_SQ_WAKEUP, "IORING_ENTER_SQ_WAKEUP", "5.1"),
    (IORING_ENTER_SQ_WAIT, "IORING_ENTER_SQ_WAIT", "5.10"),
    (IORING_ENTER_EXT_ARG, "IORING_ENTER_EXT_ARG", "5.11"),
    (IORING_ENTER_REGISTERED_RING, "IORING_ENTER_REGISTERED_RING", "5.18"),
    (IORING_ENTER_ABS_TIMER, "IORING_ENTER_ABS_TIMER", "6.12"),
    (IORING_ENTER_EXT_ARG_REG, "IORING_ENTER_EXT_ARG_REG", "6.13"),
    (IORING_ENTER_NO_IOWAIT, "IORING_ENTER_NO_IOWAIT", "6.15"),
];

/// The kernel name of an opcode.
pub fn opcode_name(op: u8) -> &'static str {
    OPCODES.get(op as usize).map_or("unknown IORING_OP_*", |o| o.1)
}

/// The kernel name of a register operation.
pub fn register_op_name(op: u32) -> &'static str {
    let op = op & !IORING_REGISTER_USE_REGISTERED_RING;
    REGISTER_OPS.get(op as usize).map_or("unknown IORING_REGISTER_*", |o| o.1)
}

/// What this kernel supports.
#[derive(Clone)]
pub struct Probe {
    /// One past the highest opcode the kernel knows (`last_op + 1`).
    ops_known: u16,
    /// `IO_URING_OP_SUPPORTED` per opcode, for opcodes `0..256`.
    supported: [bool; 256],
    /// The ring's feature flags.
    features: u32,
    /// How many register opcodes the kernel knows: its own word
    /// (`IORING_REGISTER_QUERY`, or one call per operation), else inferred.
    register_ops: u32,
    /// Whether `register_ops` came from the kernel (true) or was inferred.
    register_ops_exact: bool,
    /// Supported setup flags, if the kernel said so.
    setup_flags: Option<u64>,
}

impl core::fmt::Debug for Probe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let ops: Vec<&str> = (0..=u8::MAX).filter(|&o| self.supported(o)).map(opcode_name).collect();
        f.debug_struct("Probe")
            .field("opcodes", &ops)
            .field("features", &format_args!("{:#x}", self.features))
            .field("register_ops", &self.register_ops)
            .finish()
    }
}

impl Probe {
    /// Probes the kernel behind `ring`.
    pub fn new<K: Kernel>(ring: &Ring<K>) -> Result<Probe, crate::Error> {
        // io_uring_probe (16 bytes) followed by 256 io_uring_probe_op (8 bytes each).
        let mut buf = [0u64; 2 + 256];
        // SAFETY: `buf` is a zeroed, 8-aligned buffer of an io_uring_probe
        // with room for 256 ops, as `nr_args = 256` tells the kernel; it is
        // written during the call only.
        unsafe { ring.register_raw(IORING_REGISTER_PROBE, buf.as_mut_ptr().cast(), 256) }?;
        // SAFETY: the buffer holds an io_uring_probe the kernel filled in;
        // every bit pattern is valid for its integer fields.
        let hdr = unsafe { &*buf.as_ptr().cast::<io_uring_probe>() };
        let mut supported = [false; 256];
        let n = usize::from(hdr.ops_len).min(256);
        for (i, word) in buf[2..2 + n].iter().enumerate() {
            // SAFETY: each 8-byte word is one io_uring_probe_op.
            let op = unsafe { &*(word as *const u64).cast::<io_uring_probe_op>() };
            if op.flags & IO_URING_OP_SUPPORTED != 0 {
                supported[i] = true;
            }
        }
        let ops_known = u16::from(hdr.last_op) + 1;
        let mut probe = Probe {
            ops_known,
            supported,
            features: ring.features(),
            register_ops: inferred_register_ops(ops_known),
            register_ops_exact: false,
            setup_flags: None,
        };
        if let Some(q) = query_opcodes(ring) {
            probe.register_ops = q.nr_register_opcodes;
            probe.register_ops_exact = true;
            probe.setup_flags = Some(q.ring_setup_flags);
        } else if let Some(n) = crate::register::count_register_ops(ring.kernel()) {
            probe.register_ops = n;
            probe.register_ops_exact = true;
        }
        Ok(probe)
    }

    /// Whether the kernel supports opcode `op`.
    pub fn supported(&self, op: u8) -> bool {
        self.supported[usize::from(op)]
    }

    /// Returns `Err(UnsupportedOpcode)` naming `op` if the kernel lacks it.
    pub fn require(&self, op: u8) -> Result<(), crate::Error> {
        if self.supported(op) {
            Ok(())
        } else {
            Err(crate::Error::UnsupportedOpcode { opcode: op, name: opcode_name(op) })
        }
    }

    /// One past the highest opcode the kernel knows.
    pub fn ops_known(&self) -> u16 {
        self.ops_known
    }

    /// How many opcodes the kernel supports.
    pub fn supported_count(&self) -> usize {
        self.supported.iter().filter(|s| **s).count()
    }

    /// The ring's `IORING_FEAT_*` flags.
    pub fn features(&self) -> u32 {
        self.features
    }

    /// Whether the kernel has feature `f` (an `IORING_FEAT_*` bit).
    pub fn has_feature(&self, f: u32) -> bool {
        self.features & f == f
    }

    /// Whether the kernel supports register operation `op`.
    ///
    /// With `IORING_REGISTER_QUERY` (6.18) the kernel says how many register
    /// opcodes it knows. Before that, one call per operation with a
    /// descriptor nobody has open asks it: the kernel refuses an opcode it
    /// does not know (EINVAL) before it looks at the descriptor (EBADF), so
    /// the answer is exact and no ring is touched. Kernels before 5.18 look
    /// at the descriptor first; for them the count is inferred from the
    /// opcode probe, since each kernel series added opcodes and register
    /// operations together, and a backported kernel can make that inference
    /// wrong (calling the operation and reading its error is then the final
    /// word). [`register_ops`](Self::register_ops) says which it was.
    pub fn register_op_supported(&self, op: u32) -> bool {
        op < self.register_ops
    }

    /// How many register opcodes the kernel knows, and whether the kernel
    /// said so (`true`: asked with `IORING_REGISTER_QUERY` or one call per
    /// operation) or it was inferred from the opcode count (`false`).
    pub fn register_ops(&self) -> (u32, bool) {
        (self.register_ops, self.register_ops_exact)
    }

    /// The setup flags the kernel accepts, if it could say (6.18+).
    pub fn setup_flags(&self) -> Option<u64> {
        self.setup_flags
    }
}

/// The number of register opcodes a kernel knows, inferred from the
/// number of request opcodes it knows (both grew release by release).
fn inferred_register_ops(ops_known: u16) -> u32 {
    // `ops_known` is the last opcode plus one. Where several releases share
    // an opcode count, the count of the oldest of them is taken, so that an
    // operation is never claimed for a kernel that may lack it.
    match ops_known {
        0..=8 => 4,    // 5.1
        9..=16 => 6,   // 5.2 - 5.4
        17..=29 => 7,  // 5.5
        30..=34 => 11, // 5.6 - 5.10 (RESTRICTIONS 5.10 shares 5.8's count)
        35..=37 => 13, // 5.11 - 5.14
        38..=40 => 20, // 5.15 - 5.17
        41..=46 => 22, // 5.18
        47 => 24,      // 5.19
        48..=54 => 26, // 6.0 - 6.7
        55 => 27,      // 6.8
        56..=58 => 29, // 6.9 - 6.14 (CLOCK 6.12 and RESIZE 6.13 share 6.11's count)
        59..=64 => 35, // 6.15 - 6.18 (6.18 answers QUERY: 36)
        65 => 37,      // 6.19
        _ => 38,       // 7.0 and later
    }
}

/// Asks the kernel `IO_URING_QUERY_OPCODES` (6.18+); `None` if it cannot.
fn query_opcodes<K: Kernel>(ring: &Ring<K>) -> Option<io_uring_query_opcode> {
    let mut data = io_uring_query_opcode::default();
    let mut hdr = io_uring_query_hdr {
        next_entry: 0,
        query_data: (&raw mut data) as u64,
        query_op: IO_URING_QUERY_OPCODES,
        size: core::mem::size_of::<io_uring_query_opcode>() as u32,
        ..Default::default()
    };
    // `nr_args` must be 0: the kernel refuses anything else with EINVAL.
    // SAFETY: one query header pointing to a query_opcode buffer of the
    // stated size, both live and written only during the call.
    let r = unsafe { ring.register_raw(IORING_REGISTER_QUERY, (&raw mut hdr).cast(), 0) };
    match r {
        Ok(_) if hdr.result >= 0 => Some(data),
        _ => None,
    }
}
