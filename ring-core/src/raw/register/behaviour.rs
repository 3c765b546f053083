//! Behaviours of the kernel that no opcode, register operation or setup
//! flag names, each found by trying it on a private ring, and the record a
//! ring keeps of what its probes found. Apart from the probes themselves so
//! that the ring can hold the record without depending on them.

use crate::error::{Call, Error, Result};

/// A behaviour of the kernel that no opcode, register operation or setup
/// flag names, found by trying it on a private ring (see each probe).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Behaviour {
    /// The sync cancel honours the user data next to another criterion
    /// (`cancel::user_data_criterion_honoured`).
    CancelUserData = 0,
    /// The sync cancel honours the opcode criterion
    /// (`cancel::opcode_criterion_honoured`).
    CancelOpcode = 1,
    /// NAPI registration takes a tracking mode (`napi::tracking_modes`).
    NapiTracking = 2,
    /// Provided-buffer rings in kernel memory (`buf_ring::flag_accepted`
    /// with `IOU_PBUF_RING_MMAP`).
    BufRingMapped = 3,
    /// Incremental provided-buffer rings (`buf_ring::flag_accepted` with
    /// `IOU_PBUF_RING_INC`).
    BufRingIncremental = 4,
}

/// What the probes of [`Behaviour`]s found for one ring, two bits each:
/// 0 not asked yet, 1 yes, 2 no. A probe sets up a private ring, so each is
/// asked at most once per ring; a probe that fails (for want of memory,
/// say) is asked again next time. Per ring rather than per process because
/// a ring runs on a [`Kernel`](crate::kernel::Kernel) of its own (the
/// simulated one among them).
#[derive(Debug, Default)]
pub(crate) struct Probed(core::cell::Cell<u32>);

impl Probed {
    /// Whether the kernel has `b`: what an earlier probe found, else what
    /// `probe` finds now (and is kept).
    pub(crate) fn get_or_probe(&self, b: Behaviour, probe: impl FnOnce() -> Result<bool>) -> Result<bool> {
        let shift = 2 * b as u32;
        match (self.0.get() >> shift) & 3 {
            1 => Ok(true),
            2 => Ok(false),
            _ => {
                let yes = probe()?;
                let word = self.0.get() & !(3 << shift);
                self.0.set(word | (if yes { 1 } else { 2 }) << shift);
                Ok(yes)
            }
        }
    }
}

/// Whether `e` is the plain `EINVAL` of a register call: the errno a kernel
/// gives for a flag or field it does not know, and for bad arguments alike.
pub(crate) fn is_register_einval(e: &Error) -> bool {
    matches!(e, Error::Syscall { call: Call::Register(_), errno } if errno.raw() == libc::EINVAL)
}
