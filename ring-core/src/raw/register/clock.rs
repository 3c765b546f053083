//! The clock of waits: `IORING_REGISTER_CLOCK` (29).
#![allow(unsafe_code)]

use crate::error::Result;
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use ring_sys::*;

/// A clock the kernel accepts for a ring's waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// `CLOCK_MONOTONIC`, the default: stops while the system is suspended.
    Monotonic,
    /// `CLOCK_BOOTTIME`: like monotonic, but keeps counting through suspend.
    Boottime,
}

impl Clock {
    /// The `clockid_t` value.
    pub fn id(self) -> libc::clockid_t {
        match self {
            Clock::Monotonic => libc::CLOCK_MONOTONIC,
            Clock::Boottime => libc::CLOCK_BOOTTIME,
        }
    }
}

impl<K: Kernel> Ring<K> {
    /// Selects the clock that wait timeouts of `io_uring_enter(2)` use, in
    /// particular absolute ones ([`crate::Timeout::Absolute`]), and the
    /// minimum wait time (`IORING_REGISTER_CLOCK`, Linux 6.12). Timeout
    /// requests (`IORING_OP_TIMEOUT`) choose their clock per request and are
    /// not affected.
    pub fn register_clock(&self, clock: Clock) -> Result<(), crate::error::Error> {
        let reg = io_uring_clock_register { clockid: clock.id() as u32, __resv: [0; 3] };
        // SAFETY: `reg` is read during the call; this operation takes
        // `nr_args` 0.
        unsafe { self.register_typed(IORING_REGISTER_CLOCK, (&raw const reg).cast(), 0) }?;
        Ok(())
    }
}
