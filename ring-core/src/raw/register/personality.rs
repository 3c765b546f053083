//! Credentials for requests: `IORING_REGISTER_PERSONALITY` (9) and
//! `IORING_UNREGISTER_PERSONALITY` (10).
//!
//! Registering a personality snapshots the calling task's credentials
//! (user, groups, capabilities, security labels) and returns an id; a
//! request whose `sqe.personality` carries that id runs with those
//! credentials instead of the submitter's. A server can register a
//! personality, drop privileges, and still issue chosen requests with the
//! old ones.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use ring_sys::*;

impl<K: Kernel> Ring<K> {
    /// Registers the calling task's current credentials and returns their id
    /// for `sqe.personality` (`IORING_REGISTER_PERSONALITY`, Linux 5.6). Ids
    /// are never 0, which means "the submitter's own".
    pub fn register_personality(&self) -> Result<u16, crate::error::Error> {
        // SAFETY: REGISTER_PERSONALITY takes no argument.
        let id = unsafe { self.register_typed(IORING_REGISTER_PERSONALITY, core::ptr::null(), 0) }?;
        u16::try_from(id).map_err(|_| Error::InvalidArgument("the kernel returned a personality id above u16::MAX"))
    }

    /// Drops the credentials registered under `id`
    /// (`IORING_UNREGISTER_PERSONALITY`, Linux 5.6). Requests already issued
    /// with it keep their own reference.
    pub fn unregister_personality(&self, id: u16) -> Result<(), crate::error::Error> {
        // SAFETY: the id travels in `nr_args`; there is no argument pointer.
        unsafe { self.register_typed(IORING_UNREGISTER_PERSONALITY, core::ptr::null(), u32::from(id)) }?;
        Ok(())
    }
}
