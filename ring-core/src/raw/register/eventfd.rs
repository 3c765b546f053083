//! Completion notification through an eventfd: `IORING_REGISTER_EVENTFD`
//! (4), `IORING_UNREGISTER_EVENTFD` (5) and `IORING_REGISTER_EVENTFD_ASYNC`
//! (7).
//!
//! The kernel takes its own reference to the eventfd, so the descriptor may
//! be closed after registering. Signalling can be paused without
//! unregistering through the CQ ring flag `IORING_CQ_EVENTFD_DISABLED`
//! ([`crate::CompletionQueue::set_eventfd_enabled`]).
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use ring_sys::*;
use std::os::fd::RawFd;

impl<K: Kernel> Ring<K> {
    /// Registers `fd`, an eventfd, to be signalled whenever the kernel posts
    /// completions (`IORING_REGISTER_EVENTFD`, Linux 5.2). A ring has at most
    /// one (EBUSY otherwise).
    pub fn register_eventfd(&self, fd: RawFd) -> Result<(), crate::error::Error> {
        self.eventfd(IORING_REGISTER_EVENTFD, fd)
    }

    /// Registers `fd` to be signalled only for completions posted from the
    /// kernel's async workers (io-wq), not for those that complete inline
    /// or through task work (`IORING_REGISTER_EVENTFD_ASYNC`, Linux 5.6).
    pub fn register_eventfd_async(&self, fd: RawFd) -> Result<(), crate::error::Error> {
        self.eventfd(IORING_REGISTER_EVENTFD_ASYNC, fd)
    }

    fn eventfd(&self, op: u32, fd: RawFd) -> Result<(), crate::error::Error> {
        if fd < 0 {
            return Err(Error::BadFd(fd));
        }
        let fd: i32 = fd;
        // SAFETY: one `int` read during the call, as `nr_args = 1` says.
        unsafe { self.register_typed(op, (&raw const fd).cast(), 1) }?;
        Ok(())
    }

    /// Unregisters the eventfd (`IORING_UNREGISTER_EVENTFD`, Linux 5.2);
    /// ENXIO if there was none.
    pub fn unregister_eventfd(&self) -> Result<(), crate::error::Error> {
        // SAFETY: UNREGISTER_EVENTFD takes no argument.
        unsafe { self.register_typed(IORING_UNREGISTER_EVENTFD, core::ptr::null(), 0) }?;
        Ok(())
    }
}
