//! Registered ring descriptors: `IORING_REGISTER_RING_FDS` (20) and
//! `IORING_UNREGISTER_RING_FDS` (21).
//!
//! Each thread has a small table of registered rings. An index in it can
//! stand for a ring descriptor in `io_uring_enter(2)`
//! (`IORING_ENTER_REGISTERED_RING`) and `io_uring_register(2)`
//! (`IORING_REGISTER_USE_REGISTERED_RING`), which saves the kernel a file
//! table lookup on every call. The table belongs to the thread that
//! registered, not to a ring: the same index means nothing on another
//! thread. [`Ring::register_ring_fd`] registers a ring with itself (the
//! builder does it by default); the methods here undo that and register
//! other rings.

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::ring::Ring;
use ring_sys::*;
use std::os::fd::RawFd;

/// The size of a thread's registered-ring table (`IO_RINGFD_REG_MAX`).
pub const MAX_REGISTERED_RINGS: usize = 16;

impl<K: Kernel> Ring<K> {
    /// Removes this ring from the calling thread's registered-ring table
    /// (`IORING_UNREGISTER_RING_FDS`, Linux 5.18); later calls use the
    /// descriptor. A ring set up with `IORING_SETUP_REGISTERED_FD_ONLY` has
    /// nothing but its index and cannot do this. A ring with no index is
    /// left as it is.
    pub fn unregister_ring_fd(&mut self) -> Result<()> {
        let Some(index) = self.registered_index else {
            return Ok(());
        };
        if self.fd < 0 {
            return Err(Error::NotConfigured(
                "a ring set up with IORING_SETUP_REGISTERED_FD_ONLY exists only as its registered index",
            ));
        }
        let up = io_uring_rsrc_update { offset: index, resv: 0, data: 0 };
        // SAFETY: one io_uring_rsrc_update read during the call. The call
        // goes through the index it removes, which is still valid until the
        // kernel has handled it.
        let n = unsafe { self.register_typed(IORING_UNREGISTER_RING_FDS, (&raw const up).cast(), 1) }?;
        if n != 1 {
            return Err(Error::InvalidArgument("the kernel did not unregister the ring's index"));
        }
        self.registered_index = None;
        Ok(())
    }

    /// Registers the ring descriptors `fds` (this ring's or other rings')
    /// in the calling thread's registered-ring table, each in a free index
    /// the kernel picks (`IORING_REGISTER_RING_FDS`, Linux 5.18), and
    /// returns the indices. The kernel stops at the first descriptor it
    /// cannot register (not a ring, table full) and returns the indices of
    /// the ones before it; if it registered none, the error is returned.
    pub fn register_ring_fds(&self, fds: &[RawFd]) -> Result<Vec<u32>> {
        if fds.is_empty() {
            return Err(Error::InvalidArgument("no ring descriptors given"));
        }
        if fds.len() > MAX_REGISTERED_RINGS {
            return Err(Error::TooLong { what: "registered ring count", len: fds.len(), max: MAX_REGISTERED_RINGS });
        }
        if let Some(&fd) = fds.iter().find(|&&fd| fd < 0) {
            return Err(Error::BadFd(fd));
        }
        let mut ups: Vec<io_uring_rsrc_update> =
            fds.iter().map(|&fd| io_uring_rsrc_update { offset: u32::MAX, resv: 0, data: fd as u64 }).collect();
        // SAFETY: `ups` is a live array of `len` updates, read and written
        // (the chosen indices) during the call.
        let n = unsafe { self.register_typed(IORING_REGISTER_RING_FDS, ups.as_mut_ptr().cast(), ups.len() as u32) }?;
        Ok(ups.iter().take(n as usize).map(|u| u.offset).collect())
    }

    /// Removes the registered-ring indices `indices` from the calling
    /// thread's table (`IORING_UNREGISTER_RING_FDS`, Linux 5.18) and returns
    /// how many were removed. This ring's own index is refused here: use
    /// [`unregister_ring_fd`](Self::unregister_ring_fd), which also stops
    /// the ring from using it.
    pub fn unregister_ring_fds(&self, indices: &[u32]) -> Result<u32> {
        if indices.is_empty() {
            return Err(Error::InvalidArgument("no ring indices given"));
        }
        if indices.len() > MAX_REGISTERED_RINGS {
            return Err(Error::TooLong {
                what: "registered ring count",
                len: indices.len(),
                max: MAX_REGISTERED_RINGS,
            });
        }
        if indices.iter().any(|&i| i as usize >= MAX_REGISTERED_RINGS) {
            return Err(Error::InvalidArgument("a registered ring index is at most 15"));
        }
        if self.registered_index.is_some_and(|own| indices.contains(&own)) {
            return Err(Error::InvalidArgument("this ring's own index: use unregister_ring_fd"));
        }
        let ups: Vec<io_uring_rsrc_update> =
            indices.iter().map(|&i| io_uring_rsrc_update { offset: i, resv: 0, data: 0 }).collect();
        // SAFETY: `ups` is a live array of `len` updates, read during the call.
        unsafe { self.register_typed(IORING_UNREGISTER_RING_FDS, ups.as_ptr().cast(), ups.len() as u32) }
    }
}
