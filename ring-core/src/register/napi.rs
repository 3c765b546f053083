//! NAPI busy polling: `IORING_REGISTER_NAPI` (27) and
//! `IORING_UNREGISTER_NAPI` (28).
//!
//! With NAPI busy polling on, a thread waiting for completions polls the
//! network device queues of the sockets its requests use instead of
//! sleeping until an interrupt, trading CPU time for latency. The kernel
//! must be built with `CONFIG_NET_RX_BUSY_POLL`; without it both operations
//! answer EOPNOTSUPP, which comes back as [`Error::UnsupportedRegister`].

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::ring::Ring;
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
    fn to_raw(self) -> Result<io_uring_napi, crate::Error> {
        let us = u32::try_from(self.busy_poll_timeout.as_micros())
            .map_err(|_| Error::InvalidArgument("the busy-poll timeout must fit in u32 microseconds"))?;
        let op_param = match self.tracking {
            NapiTracking::Dynamic => IO_URING_NAPI_TRACKING_DYNAMIC,
            NapiTracking::Static => IO_URING_NAPI_TRACKING_STATIC,
            NapiTracking::Inactive => IO_URING_NAPI_TRACKING_INACTIVE,
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
    pub fn register_napi(&self, napi: &Napi) -> Result<Napi, crate::Error> {
        let mut raw = napi.to_raw()?;
        self.napi_call(IORING_REGISTER_NAPI, &mut raw)?;
        Ok(Napi::from_raw(&raw))
    }

    /// Turns NAPI busy polling off and returns the settings it had
    /// (`IORING_UNREGISTER_NAPI`, Linux 6.9).
    pub fn unregister_napi(&self) -> Result<Napi, crate::Error> {
        let mut raw = io_uring_napi::default();
        self.napi_call(IORING_UNREGISTER_NAPI, &mut raw)?;
        Ok(Napi::from_raw(&raw))
    }

    /// Adds NAPI id `id` to the polled list of a ring in
    /// [`NapiTracking::Static`] mode (`IO_URING_NAPI_STATIC_ADD_ID`, 6.13).
    pub fn napi_add_static_id(&self, id: u32) -> Result<(), crate::Error> {
        let mut raw = io_uring_napi { opcode: IO_URING_NAPI_STATIC_ADD_ID, op_param: id, ..Default::default() };
        self.napi_call(IORING_REGISTER_NAPI, &mut raw)
    }

    /// Removes NAPI id `id` from the polled list
    /// (`IO_URING_NAPI_STATIC_DEL_ID`, 6.13).
    pub fn napi_del_static_id(&self, id: u32) -> Result<(), crate::Error> {
        let mut raw = io_uring_napi { opcode: IO_URING_NAPI_STATIC_DEL_ID, op_param: id, ..Default::default() };
        self.napi_call(IORING_REGISTER_NAPI, &mut raw)
    }

    fn napi_call(&self, op: u32, raw: &mut io_uring_napi) -> Result<(), crate::Error> {
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
