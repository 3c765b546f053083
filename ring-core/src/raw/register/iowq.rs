//! The async worker pool (io-wq): `IORING_REGISTER_IOWQ_AFF` (17),
//! `IORING_UNREGISTER_IOWQ_AFF` (18) and `IORING_REGISTER_IOWQ_MAX_WORKERS`
//! (19).
//!
//! io-wq workers are threads of the task that submits (named
//! `iou-wrk-<tid>`), or of the SQPOLL thread; requests that cannot complete
//! without blocking run there. Both settings apply to the workers of the
//! calling thread (or of the ring's SQPOLL thread), not to other threads
//! that share the ring.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use ring_sys::*;

/// The io-wq worker limits: bounded workers serve requests with a bounded
/// execution time (regular file and block I/O), unbounded ones the rest
/// (sockets, pipes, anything that can wait forever).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IowqMaxWorkers {
    /// The limit of bounded workers (index `IO_WQ_BOUND`).
    pub bounded: u32,
    /// The limit of unbounded workers (index `IO_WQ_UNBOUND`).
    pub unbounded: u32,
}

/// The largest limit the kernel accepts (`INT_MAX`).
const MAX_WORKERS_LIMIT: u32 = i32::MAX as u32;

impl<K: Kernel> Ring<K> {
    /// Restricts the io-wq workers to the CPUs in `cpus`
    /// (`IORING_REGISTER_IOWQ_AFF`, Linux 5.14).
    pub fn register_iowq_aff(&self, cpus: &libc::cpu_set_t) -> Result<(), crate::error::Error> {
        let size = core::mem::size_of::<libc::cpu_set_t>() as u32;
        // SAFETY: `cpus` is a live cpu_set_t of `size` bytes (the kernel
        // reads at most that many, as `nr_args` says), read during the call.
        unsafe { self.register_typed(IORING_REGISTER_IOWQ_AFF, (cpus as *const libc::cpu_set_t).cast(), size) }?;
        Ok(())
    }

    /// Lets the io-wq workers run on every CPU of the task again
    /// (`IORING_UNREGISTER_IOWQ_AFF`, Linux 5.14).
    pub fn unregister_iowq_aff(&self) -> Result<(), crate::error::Error> {
        // SAFETY: UNREGISTER_IOWQ_AFF takes no argument.
        unsafe { self.register_typed(IORING_UNREGISTER_IOWQ_AFF, core::ptr::null(), 0) }?;
        Ok(())
    }

    /// The current io-wq worker limits (`IORING_REGISTER_IOWQ_MAX_WORKERS`
    /// with both values 0, which changes nothing; Linux 5.15). Both read 0
    /// while the calling thread has no worker pool yet.
    pub fn iowq_max_workers(&self) -> Result<IowqMaxWorkers, crate::error::Error> {
        self.max_workers([0, 0])
    }

    /// Sets the io-wq worker limits that are `Some` and returns the previous
    /// ones (`IORING_REGISTER_IOWQ_MAX_WORKERS`, Linux 5.15). A limit must
    /// be at least 1 (0 is the kernel's "unchanged", spelt `None` here) and
    /// at most `i32::MAX`.
    pub fn set_iowq_max_workers(
        &self,
        bounded: Option<u32>,
        unbounded: Option<u32>,
    ) -> Result<IowqMaxWorkers, crate::error::Error> {
        for v in [bounded, unbounded].into_iter().flatten() {
            if v == 0 {
                return Err(Error::InvalidArgument("a worker limit of 0 means \"unchanged\": pass None"));
            }
            if v > MAX_WORKERS_LIMIT {
                return Err(Error::InvalidArgument("a worker limit must be at most i32::MAX"));
            }
        }
        self.max_workers([bounded.unwrap_or(0), unbounded.unwrap_or(0)])
    }

    fn max_workers(&self, mut values: [u32; 2]) -> Result<IowqMaxWorkers, crate::error::Error> {
        // SAFETY: two `u32`s, read and written during the call, as
        // `nr_args = 2` says.
        unsafe { self.register_typed(IORING_REGISTER_IOWQ_MAX_WORKERS, values.as_mut_ptr().cast(), 2) }?;
        Ok(IowqMaxWorkers { bounded: values[IO_WQ_BOUND as usize], unbounded: values[IO_WQ_UNBOUND as usize] })
    }
}
