//! NAPI busy polling: `IORING_REGISTER_NAPI` (27) and
//! `IORING_UNREGISTER_NAPI` (28).
//!
//! With NAPI busy polling on, a thread waiting for completions polls the
//! network device queues of the sockets its requests use instead of
//! sleeping until an interrupt, trading CPU time for latency. The kernel
//! must be built with `CONFIG_NET_RX_BUSY_POLL`; without it both operations
//! answer EOPNOTSUPP, which comes back as [`Error::UnsupportedRegister`].
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use core::time::Duration;
use ring_sys::*;

/// How the kernel finds the NAPI instances to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NapiTracking {
    /// From the sockets that requests use (`IO_URING_NAPI_TRACKING_DYNAMIC`;
    /// the only mode before 6.13).
    Dynamic,
    /// Only the NAPI ids added with [`Ring::napi_add_static_id`]
    /// (`IO_URING_NAPI_TRACKING_STATIC`, 6.13).
    Static,
    /// None: busy polling is off (`IO_URING_NAPI_TRACKING_INACTIVE`, 6.13).
    /// The kernel reports this mode (after [`Ring::unregister_napi`], or
    /// before any registration) but takes no registration in it:
    /// [`Ring::register_napi`] refuses it with [`Error::InvalidArgument`].
    Inactive,
}

/// NAPI busy-poll settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Napi {
    /// How long to busy poll per wait (microsecond resolution).
    pub busy_poll_timeout: Duration,
    /// Prefer busy polling to interrupts (`SO_PREFER_BUSY_POLL`).
    pub prefer_busy_poll: bool,
    /// Where the NAPI ids come from.
    pub tracking: NapiTracking,
}

impl Napi {
    fn to_raw(self) -> Result<io_uring_napi, crate::error::Error> {
        let us = u32::try_from(self.busy_poll_timeout.as_micros())
            .map_err(|_| Error::InvalidArgument("the busy-poll timeout must fit in u32 microseconds"))?;
        let op_param = match self.tracking {
            NapiTracking::Dynamic => IO_URING_NAPI_TRACKING_DYNAMIC,
            NapiTracking::Static => IO_URING_NAPI_TRACKING_STATIC,
            // `io_napi_register_napi` takes dynamic and static tracking
            // only and answers EINVAL to anything else; busy polling is
            // turned off by unregistering.
            NapiTracking::Inactive => {
                return Err(Error::InvalidArgument(
                    "NAPI tracking cannot be registered as inactive: unregister_napi turns busy polling off",
                ))
            }
        };
        Ok(io_uring_napi {
            busy_poll_to: us,
            prefer_busy_poll: u8::from(self.prefer_busy_poll),
            opcode: IO_URING_NAPI_REGISTER_OP,
            op_param,
            ..Default::default()
        })
    }

    fn from_raw(n: &io_uring_napi) -> Napi {
        let tracking = match n.op_param {
            IO_URING_NAPI_TRACKING_STATIC => NapiTracking::Static,
            IO_URING_NAPI_TRACKING_INACTIVE => NapiTracking::Inactive,
            // Before 6.13 the field was reserved and reads 0, which is
            // dynamic tracking, the only mode those kernels had.
            _ => NapiTracking::Dynamic,
        };
        Napi {
            busy_poll_timeout: Duration::from_micros(u64::from(n.busy_poll_to)),
            prefer_busy_poll: n.prefer_busy_poll != 0,
            tracking,
        }
    }
}

impl<K: Kernel> Ring<K> {
    /// Turns NAPI busy polling on with `napi` and returns the previous
    /// settings (`IORING_REGISTER_NAPI`, Linux 6.9; tracking modes 6.13).
    /// Rings set up with `IORING_SETUP_IOPOLL` cannot have it.
    ///
    /// [`NapiTracking::Inactive`] is refused with
    /// [`Error::InvalidArgument`] (see there). [`NapiTracking::Static`] on a
    /// kernel that has NAPI busy polling but no tracking modes (it reads
    /// the mode's field as reserved and answers EINVAL) fails with
    /// [`Error::Unsupported`], found by trying static tracking on a private
    /// ring once per ring; a kernel without NAPI busy polling at all gives
    /// [`Error::UnsupportedRegister`].
    pub fn register_napi(&self, napi: &Napi) -> Result<Napi, crate::error::Error> {
        let mut raw = napi.to_raw()?;
        match self.napi_call(IORING_REGISTER_NAPI, &mut raw) {
            Err(e) if napi.tracking != NapiTracking::Dynamic => Err(self.napi_tracking_refusal(e)),
            r => r.map(|()| Napi::from_raw(&raw)),
        }
    }

    /// Turns NAPI busy polling off and returns the settings it had
    /// (`IORING_UNREGISTER_NAPI`, Linux 6.9).
    pub fn unregister_napi(&self) -> Result<Napi, crate::error::Error> {
        let mut raw = io_uring_napi::default();
        self.napi_call(IORING_UNREGISTER_NAPI, &mut raw)?;
        Ok(Napi::from_raw(&raw))
    }

    /// Adds NAPI id `id` to the polled list of a ring in
    /// [`NapiTracking::Static`] mode (`IO_URING_NAPI_STATIC_ADD_ID`, 6.13).
    /// On a kernel without tracking modes: [`Error::Unsupported`], as for
    /// [`register_napi`](Self::register_napi).
    pub fn napi_add_static_id(&self, id: u32) -> Result<(), crate::error::Error> {
        let mut raw = io_uring_napi { opcode: IO_URING_NAPI_STATIC_ADD_ID, op_param: id, ..Default::default() };
        self.napi_call(IORING_REGISTER_NAPI, &mut raw).map_err(|e| self.napi_tracking_refusal(e))
    }

    /// Removes NAPI id `id` from the polled list
    /// (`IO_URING_NAPI_STATIC_DEL_ID`, 6.13). On a kernel without tracking
    /// modes: [`Error::Unsupported`], as for
    /// [`register_napi`](Self::register_napi).
    pub fn napi_del_static_id(&self, id: u32) -> Result<(), crate::error::Error> {
        let mut raw = io_uring_napi { opcode: IO_URING_NAPI_STATIC_DEL_ID, op_param: id, ..Default::default() };
        self.napi_call(IORING_REGISTER_NAPI, &mut raw).map_err(|e| self.napi_tracking_refusal(e))
    }

    /// Whether this kernel's NAPI registration takes a tracking mode (and
    /// the static-id operations), as [`register_napi`](Self::register_napi)
    /// with [`NapiTracking::Static`] needs: found by registering static
    /// tracking on a private ring, once per ring. A kernel without NAPI busy
    /// polling gives [`Error::UnsupportedRegister`].
    pub fn napi_has_tracking_modes(&self) -> Result<bool, crate::error::Error> {
        self.probed.get_or_probe(super::behaviour::Behaviour::NapiTracking, || tracking_modes(&self.kernel))
    }

    /// Types `e`, the failure of a NAPI call that needs tracking modes: the
    /// plain EINVAL of a kernel without them becomes [`Error::Unsupported`].
    /// The same EINVAL also answers, on kernels with them, a static id on a
    /// ring not in static mode or an id that is not a NAPI id, so the probe
    /// decides; if it cannot run, `e` stays as it was.
    fn napi_tracking_refusal(&self, e: Error) -> Error {
        if super::behaviour::is_register_einval(&e) && matches!(self.napi_has_tracking_modes(), Ok(false)) {
            return Error::Unsupported {
                what: "NAPI static tracking",
                reason: "static tracking registered on a private ring was refused: this kernel's NAPI registration \
                         takes no tracking mode (added in Linux 6.13)",
            };
        }
        e
    }

    fn napi_call(&self, op: u32, raw: &mut io_uring_napi) -> Result<(), crate::error::Error> {
        // SAFETY: one io_uring_napi, read and written (the previous
        // settings) during the call.
        let r = unsafe { self.register_typed(op, (raw as *mut io_uring_napi).cast(), 1) };
        match r {
            // A kernel built without CONFIG_NET_RX_BUSY_POLL has the opcode
            // but answers EOPNOTSUPP: for this ring the operation does not
            // exist.
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::EOPNOTSUPP => {
                Err(Error::UnsupportedRegister { opcode: op, errno })
            }
            r => r.map(drop),
        }
    }
}

/// Probes whether `kernel`'s NAPI registration takes a tracking mode,
/// harmlessly: static tracking with no id and no busy-poll time is
/// registered on a private ring, which is dropped at once (its NAPI
/// settings go with it). A kernel with tracking modes accepts it; one
/// without reads the mode's field as reserved and answers EINVAL
/// (`io_register_napi` before 6.13).
pub(crate) fn tracking_modes<K: Kernel>(kernel: &K) -> Result<bool> {
    let ring = super::probe_ring::probe_ring(kernel)?;
    let mut raw =
        Napi { busy_poll_timeout: Duration::ZERO, prefer_busy_poll: false, tracking: NapiTracking::Static }.to_raw()?;
    match ring.napi_call(IORING_REGISTER_NAPI, &mut raw) {
        Ok(()) => Ok(true),
        Err(e) if super::behaviour::is_register_einval(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
