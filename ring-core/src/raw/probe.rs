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
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::names::opcode_name;
use crate::raw::ring::Ring;
use core::ffi::c_uint;
use ring_sys::*;

/// What this kernel supports.
///
/// ```
/// use ring_core::{Probe, Ring};
///
/// let ring = Ring::new(2)?;
/// let probe = Probe::new(&ring)?;
/// assert!(probe.supported(ring_core::sys::IORING_OP_NOP));
/// assert!(probe.require(ring_core::sys::IORING_OP_NOP).is_ok());
/// assert!(probe.supported_count() >= 1 && probe.ops_known() >= 1);
/// assert_eq!(probe.features(), ring.features());
/// assert!(probe.has_feature(ring_core::sys::IORING_FEAT_SINGLE_MMAP) || probe.features() == 0);
/// let (known, exact) = probe.register_ops();
/// println!("register operations known: {known} (exactly: {exact})");
/// assert!(probe.register_op_supported(ring_core::sys::IORING_REGISTER_PROBE));
/// match probe.setup_flags() {
///     Some(flags) => println!("setup flags this kernel takes: {flags:#x}"),
///     None => println!("this kernel does not say which setup flags it takes"),
/// }
/// # Ok::<(), ring_core::Error>(())
/// ```
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
    pub fn new<K: Kernel>(ring: &Ring<K>) -> Result<Probe> {
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
        } else if let Some(n) = count_register_ops(ring.kernel()) {
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
    pub fn require(&self, op: u8) -> Result<()> {
        if self.supported(op) {
            Ok(())
        } else {
            Err(Error::UnsupportedOpcode { opcode: op, name: opcode_name(op) })
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

/// How many register opcodes the kernel knows: its own word when it can
/// give one ([`register_ops_exact`]), else the inference from the opcode
/// probe of `ring`, else unknown.
pub(crate) fn register_ops_known<K: Kernel>(kernel: &K, ring: Option<&Ring<K>>) -> Option<u32> {
    if let Some(n) = register_ops_exact(kernel) {
        return Some(n);
    }
    let probe = Probe::new(ring?).ok()?;
    Some(probe.register_ops().0)
}

/// How many register opcodes the kernel knows, in the kernel's own words:
/// its answer to `IO_URING_QUERY_OPCODES` (6.18 and later), else what one
/// harmless call per operation shows ([`count_register_ops`]); `None` when
/// neither can tell. Needs no ring.
pub(crate) fn register_ops_exact<K: Kernel>(kernel: &K) -> Option<u32> {
    match query_opcodes_blind(kernel) {
        Some(q) => Some(q.nr_register_opcodes),
        None => count_register_ops(kernel),
    }
}

/// A descriptor number no process can have open: the kernel caps
/// descriptors at `fs.nr_open`, which is at most 2^30 - 8 or so, far below
/// `i32::MAX`. It is not -1, which asks for a ring-less ("blind") call.
const CLOSED_FD: c_uint = i32::MAX as c_uint;

/// An opcode no kernel knows (register opcodes are numbered densely from 0
/// and number a few dozen).
const UNKNOWN_REGISTER_OP: u32 = 0xffff;

/// Counts the register opcodes the kernel knows without a ring and without
/// touching anything: `io_uring_register(CLOSED_FD, op, NULL, 0)` for each
/// opcode in turn. The kernel checks `opcode >= IORING_REGISTER_LAST`
/// (EINVAL) before it looks the descriptor up (EBADF) —
/// `SYSCALL_DEFINE4(io_uring_register)` in io_uring/register.c, since
/// 5.18 —, so EBADF means "known" and EINVAL "unknown", and no ring is
/// ever reached. Kernels that look the descriptor up first answer EBADF to
/// everything; the call with an opcode nobody knows tells those apart, and
/// for them (and for anything else unexpected) the answer is `None`.
pub(crate) fn count_register_ops<K: Kernel>(kernel: &K) -> Option<u32> {
    // SAFETY: with a null argument and no descriptor behind CLOSED_FD the
    // kernel reads and writes no user memory; it fails before any
    // operation runs.
    let knows = |op: u32| match unsafe { kernel.register(CLOSED_FD, op, core::ptr::null(), 0) } {
        Err(e) if e.raw() == libc::EBADF => Some(true),
        Err(e) if e.raw() == libc::EINVAL => Some(false),
        _ => None,
    };
    if knows(UNKNOWN_REGISTER_OP)? {
        return None;
    }
    let mut n = 0;
    while n < UNKNOWN_REGISTER_OP && knows(n)? {
        n += 1;
    }
    Some(n)
}

impl<K: Kernel> Ring<K> {
    /// What this kernel supports: opcodes (`IORING_REGISTER_PROBE`, Linux
    /// 5.6), features, and register operations (see [`crate::Probe`]).
    pub fn probe(&self) -> Result<Probe> {
        Probe::new(self)
    }
}

/// `IO_URING_QUERY_OPCODES` alone, quietly: `None` on any failure. Used to
/// type errors, so it must not fail itself.
pub(crate) fn query_opcodes_blind<K: Kernel>(kernel: &K) -> Option<io_uring_query_opcode> {
    let mut data = io_uring_query_opcode::default();
    let mut hdr = io_uring_query_hdr {
        query_data: (&raw mut data) as u64,
        query_op: IO_URING_QUERY_OPCODES,
        size: core::mem::size_of::<io_uring_query_opcode>() as u32,
        ..Default::default()
    };
    // SAFETY: one header pointing at a buffer of the stated size, both live
    // and accessed (written too) only during the call, which takes
    // `nr_args` 0.
    let r = unsafe { kernel.register(u32::MAX, IORING_REGISTER_QUERY, (&raw mut hdr).cast_const().cast(), 0) };
    (r.is_ok() && hdr.result == 0 && data.nr_register_opcodes != 0).then_some(data)
}
