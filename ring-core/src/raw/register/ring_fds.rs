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
//!
//! # Who may remove an index
//!
//! The kernel lets any ring remove any index of the calling thread's table
//! (`io_ringfd_unregister` only checks the bounds), and hands a freed index
//! to the next ring that registers. An index is therefore a name that other
//! code can change: a ring whose index was removed and given to another ring
//! would send its enter and register calls, including the ones that release
//! memory, to that other ring. So ring-core records, per thread, which ring
//! registered each index ([`claim`](crate::raw::ring_id::claim)), and every ring acts only on indices
//! it registered itself:
//!
//! - [`Ring::unregister_ring_fds`] refuses an index this ring did not
//!   register (with [`Error::ForeignResource`]), and its own index (which
//!   [`Ring::unregister_ring_fd`] gives up);
//! - an index the kernel hands out but the record still gives to another
//!   live ring (code outside ring-core removed it behind that ring's back)
//!   is not used: it is unregistered again and the ring keeps its
//!   descriptor;
//! - a ring removes, when dropped, the indices it registered, and only those.
//!
//! A `Ring` is not `Send`, so it is always used on the thread whose table
//! holds its index.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use crate::raw::ring_id::{claim, owner, release};
use core::ffi::c_uint;
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
    pub fn unregister_ring_fd(&mut self) -> Result<(), crate::error::Error> {
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
        release(self.kernel.registered_ring_table(), index, self.id);
        self.registered_index = None;
        Ok(())
    }

    /// Registers the ring descriptors `fds` (this ring's or other rings')
    /// in the calling thread's registered-ring table, each in a free index
    /// the kernel picks (`IORING_REGISTER_RING_FDS`, Linux 5.18), and
    /// returns the indices. The kernel stops at the first descriptor it
    /// cannot register (not a ring, table full) and returns the indices of
    /// the ones before it; if it registered none, the error is returned.
    pub fn register_ring_fds(&self, fds: &[RawFd]) -> Result<Vec<u32>, crate::error::Error> {
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
        // Each index now belongs to this ring: only it may remove it. One
        // that the record still gives to another ring was taken from that
        // ring behind ring-core's back; it is given up again (see the module
        // documentation).
        let table = self.kernel.registered_ring_table();
        let mut out = Vec::with_capacity(n as usize);
        for u in ups.iter().take(n as usize) {
            if claim(table, u.offset, self.id) {
                out.push(u.offset);
            } else {
                self.unregister_index(u.offset);
            }
        }
        if out.is_empty() {
            return Err(Error::ForeignResource { what: "registered ring index (recorded for another ring)" });
        }
        Ok(out)
    }

    /// Removes the registered-ring indices `indices` from the calling
    /// thread's table (`IORING_UNREGISTER_RING_FDS`, Linux 5.18) and returns
    /// how many were removed. Only indices this ring registered with
    /// [`register_ring_fds`](Self::register_ring_fds) are accepted: any
    /// other index (another ring's own, or one registered through another
    /// ring or by code outside ring-core) is refused with
    /// [`Error::ForeignResource`], and nothing is removed. This ring's own
    /// index is refused too: use
    /// [`unregister_ring_fd`](Self::unregister_ring_fd), which also stops
    /// the ring from using it.
    pub fn unregister_ring_fds(&self, indices: &[u32]) -> Result<u32, crate::error::Error> {
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
        let table = self.kernel.registered_ring_table();
        if indices.iter().any(|&i| owner(table, i) != Some(self.id)) {
            return Err(Error::ForeignResource { what: "registered ring index (not registered through this ring)" });
        }
        let ups: Vec<io_uring_rsrc_update> =
            indices.iter().map(|&i| io_uring_rsrc_update { offset: i, resv: 0, data: 0 }).collect();
        // SAFETY: `ups` is a live array of `len` updates, read during the call.
        let n = unsafe { self.register_typed(IORING_UNREGISTER_RING_FDS, ups.as_ptr().cast(), ups.len() as u32) }?;
        // The kernel handles the entries in order and stops at the first it
        // refuses; the ones before it are gone.
        for &i in indices.iter().take(n as usize) {
            release(table, i, self.id);
        }
        Ok(n)
    }

    /// Removes index `index` of the calling thread's table through this
    /// ring's descriptor (or, for a ring that has none, its own index),
    /// ignoring the answer: for indices this ring registered and gives up.
    pub(crate) fn unregister_index(&self, index: u32) {
        let up = io_uring_rsrc_update { offset: index, resv: 0, data: 0 };
        let (fd, bit) = if self.fd >= 0 {
            (self.fd as c_uint, 0)
        } else {
            match self.registered_index {
                Some(own) => (own, IORING_REGISTER_USE_REGISTERED_RING),
                None => return,
            }
        };
        // SAFETY: one valid io_uring_rsrc_update, read during the call.
        let _ = unsafe { self.kernel.register(fd, IORING_UNREGISTER_RING_FDS | bit, (&raw const up).cast(), 1) };
    }
}
