//! Registered files: `IORING_REGISTER_FILES` (2), `IORING_UNREGISTER_FILES`
//! (3), `IORING_REGISTER_FILES_UPDATE` (6), `IORING_REGISTER_FILES2` (13),
//! `IORING_REGISTER_FILES_UPDATE2` (14) and
//! `IORING_REGISTER_FILE_ALLOC_RANGE` (25).
//!
//! The kernel takes its own reference to each registered file, so closing
//! the descriptor afterwards does not affect the slot; a request uses a slot
//! with `IOSQE_FIXED_FILE` and the slot index in `sqe.fd`. Slots are also
//! the "direct descriptors" that `OPENAT`, `ACCEPT` and `SOCKET` can create
//! (`sqe.file_index`), and with `IORING_FILE_INDEX_ALLOC` the kernel picks a
//! free slot inside the allocation range.
//!
//! None of this keeps application memory, so every method here is safe,
//! except the two that attach tags: a tag is a completion the kernel posts
//! later with a `user_data` the caller chose, which could impersonate an
//! operation of a [`crate::Driver`] driving the ring.
#![allow(unsafe_code)]

use super::buffers::check_tags;
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use core::ffi::c_void;
use ring_sys::*;
use std::os::fd::RawFd;

/// The most slots a file table holds (`IORING_MAX_FIXED_FILES`); the
/// kernel also refuses more than the task's `RLIMIT_NOFILE`.
pub const MAX_FILES: usize = 1 << 20;

/// The soft `RLIMIT_NOFILE`, which also bounds the file table.
fn nofile_limit() -> usize {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit, which lives on our stack.
    let ok = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } == 0;
    if ok && lim.rlim_cur != libc::RLIM_INFINITY {
        usize::try_from(lim.rlim_cur).unwrap_or(MAX_FILES).min(MAX_FILES)
    } else {
        MAX_FILES
    }
}

/// Checks a table size against both limits.
fn check_table_size(n: usize) -> Result<(), crate::error::Error> {
    if n == 0 {
        return Err(Error::InvalidArgument("a file table needs at least one slot"));
    }
    if n > MAX_FILES {
        return Err(Error::TooLong { what: "registered file count", len: n, max: MAX_FILES });
    }
    let nofile = nofile_limit();
    if n > nofile {
        return Err(Error::TooLong { what: "registered file count (above RLIMIT_NOFILE)", len: n, max: nofile });
    }
    Ok(())
}

/// Checks descriptors: -1 is an empty slot, `IORING_REGISTER_FILES_SKIP`
/// (-2) leaves a slot as it is (updates only), anything else negative is bad.
fn check_fds(fds: &[RawFd], allow_skip: bool) -> Result<(), crate::error::Error> {
    for &fd in fds {
        let ok = fd >= -1 || (allow_skip && fd == IORING_REGISTER_FILES_SKIP);
        if !ok {
            return Err(Error::BadFd(fd));
        }
    }
    Ok(())
}

/// Checks an update of `n` slots from `offset`.
fn check_update(offset: u32, fds: &[RawFd]) -> Result<(), crate::error::Error> {
    if fds.is_empty() {
        return Err(Error::InvalidArgument("no descriptors given"));
    }
    if fds.len() > MAX_FILES {
        return Err(Error::TooLong { what: "file update count", len: fds.len(), max: MAX_FILES });
    }
    if offset.checked_add(fds.len() as u32).is_none() {
        return Err(Error::InvalidArgument("file update range overflows"));
    }
    check_fds(fds, true)
}

impl<K: Kernel> Ring<K> {
    /// Registers `fds` as the ring's file table (`IORING_REGISTER_FILES`,
    /// Linux 5.1); -1 leaves a slot empty (5.12). A ring holds one table at
    /// a time; it also becomes the direct-descriptor allocation range.
    pub fn register_files(&self, fds: &[RawFd]) -> Result<(), crate::error::Error> {
        check_table_size(fds.len())?;
        check_fds(fds, false)?;
        // SAFETY: `fds` is a live array of `len` descriptors, read during
        // the call.
        unsafe { self.register_typed(IORING_REGISTER_FILES, fds.as_ptr().cast(), fds.len() as u32) }?;
        Ok(())
    }

    /// Registers `fds` with a tag each (`IORING_REGISTER_FILES2`, Linux
    /// 5.13). When a file with a non-zero tag leaves its slot and the kernel
    /// drops its last reference, the kernel posts a CQE whose `user_data`
    /// is the tag. Unregistering the whole table posts the tags on some
    /// kernels only (6.18 does; 6.1 and 6.12 post nothing then), so do not
    /// wait for a tag after [`unregister_files`](Self::unregister_files).
    /// Empty slots (-1) cannot carry a tag.
    ///
    /// # Safety
    ///
    /// A tag is a completion posted later with a `user_data` the caller
    /// chose, which can impersonate an operation's: if this ring is (or is
    /// later handed to) a [`crate::Driver`], a file leaving its slot (an
    /// update, a direct descriptor opened or closed over it, a
    /// `files_update`) would end the driver's operation of that `user_data`
    /// early and hand back memory the kernel is still using. The caller
    /// promises that no tag is the `user_data` of an operation a `Driver`
    /// has in flight on this ring when the kernel posts it: the ring is
    /// never driven by a `Driver`, or every tag has index `u32::MAX` in its
    /// low 32 bits and a value of 2 or more in its high 32 bits, which no
    /// entry and no tag of the driver's own ever has (see
    /// [`crate::Op::user_data`]).
    ///
    /// ```compile_fail
    /// // Safe code cannot choose a completion's `user_data`.
    /// let ring = ring_core::Ring::new(4).unwrap();
    /// let _ = ring.register_files_tags(&[0], &[1 << 32]);
    /// ```
    pub unsafe fn register_files_tags(&self, fds: &[RawFd], tags: &[u64]) -> Result<(), crate::error::Error> {
        check_table_size(fds.len())?;
        check_fds(fds, false)?;
        check_tags(tags, fds.len(), |i| fds[i] == -1)?;
        let reg = io_uring_rsrc_register {
            nr: fds.len() as u32,
            data: fds.as_ptr() as u64,
            tags: tags.as_ptr() as u64,
            ..Default::default()
        };
        // SAFETY: `reg` names live arrays read during the call; `nr_args`
        // is its size, as FILES2 expects.
        unsafe {
            self.register_typed(
                IORING_REGISTER_FILES2,
                (&raw const reg).cast(),
                core::mem::size_of::<io_uring_rsrc_register>() as u32,
            )
        }?;
        Ok(())
    }

    /// Registers a table of `nr` empty file slots (`IORING_REGISTER_FILES2`
    /// with `IORING_RSRC_REGISTER_SPARSE`, Linux 5.19), for direct
    /// descriptors or later updates.
    pub fn register_files_sparse(&self, nr: u32) -> Result<(), crate::error::Error> {
        check_table_size(nr as usize)?;
        let reg = io_uring_rsrc_register { nr, flags: IORING_RSRC_REGISTER_SPARSE, ..Default::default() };
        // SAFETY: a sparse registration names no memory; `reg` is read
        // during the call and `nr_args` is its size.
        unsafe {
            self.register_typed(
                IORING_REGISTER_FILES2,
                (&raw const reg).cast(),
                core::mem::size_of::<io_uring_rsrc_register>() as u32,
            )
        }?;
        Ok(())
    }

    /// Replaces the files in slots `offset..offset + fds.len()`
    /// (`IORING_REGISTER_FILES_UPDATE`, Linux 5.5): -1 empties a slot and
    /// `IORING_REGISTER_FILES_SKIP` leaves it. Returns how many slots were
    /// processed; the kernel stops at the first descriptor it cannot take.
    pub fn update_files(&self, offset: u32, fds: &[RawFd]) -> Result<u32, crate::error::Error> {
        check_update(offset, fds)?;
        let up = io_uring_files_update { offset, resv: 0, fds: fds.as_ptr() as u64 };
        // SAFETY: `up` names a live array of `nr_args` descriptors, read
        // during the call.
        unsafe { self.register_releasing(IORING_REGISTER_FILES_UPDATE, (&raw const up).cast(), fds.len() as u32) }
    }

    /// As [`update_files`](Self::update_files), with a tag for each new file
    /// (`IORING_REGISTER_FILES_UPDATE2`, Linux 5.13). Slots set to -1 or
    /// skipped cannot carry a tag.
    ///
    /// # Safety
    ///
    /// As for [`register_files_tags`](Self::register_files_tags): no tag may
    /// impersonate an operation of a [`crate::Driver`] driving this ring.
    ///
    /// ```compile_fail
    /// // Safe code cannot choose a completion's `user_data`.
    /// let ring = ring_core::Ring::new(4).unwrap();
    /// let _ = ring.update_files_tags(0, &[0], &[1 << 32]);
    /// ```
    pub unsafe fn update_files_tags(
        &self,
        offset: u32,
        fds: &[RawFd],
        tags: &[u64],
    ) -> Result<u32, crate::error::Error> {
        check_update(offset, fds)?;
        check_tags(tags, fds.len(), |i| fds[i] < 0)?;
        let up = io_uring_rsrc_update2 {
            offset,
            data: fds.as_ptr() as u64,
            tags: tags.as_ptr() as u64,
            nr: fds.len() as u32,
            ..Default::default()
        };
        // SAFETY: `up` names live arrays read during the call; `nr_args` is
        // its size, as FILES_UPDATE2 expects.
        unsafe {
            self.register_releasing(
                IORING_REGISTER_FILES_UPDATE2,
                (&raw const up).cast(),
                core::mem::size_of::<io_uring_rsrc_update2>() as u32,
            )
        }
    }

    /// Unregisters the file table (`IORING_UNREGISTER_FILES`, Linux 5.1).
    /// Requests already issued with a fixed file keep their reference until
    /// they complete.
    pub fn unregister_files(&self) -> Result<(), crate::error::Error> {
        // SAFETY: UNREGISTER_FILES takes no argument.
        unsafe { self.register_releasing(IORING_UNREGISTER_FILES, core::ptr::null::<c_void>(), 0) }?;
        Ok(())
    }

    /// Restricts the slots the kernel picks for `IORING_FILE_INDEX_ALLOC`
    /// to `offset..offset + len` (`IORING_REGISTER_FILE_ALLOC_RANGE`, Linux
    /// 6.0). The range must lie inside the registered file table.
    pub fn register_file_alloc_range(&self, offset: u32, len: u32) -> Result<(), crate::error::Error> {
        if offset.checked_add(len).is_none() {
            return Err(Error::InvalidArgument("file allocation range overflows"));
        }
        let range = io_uring_file_index_range { off: offset, len, resv: 0 };
        // SAFETY: `range` is read during the call; this operation takes
        // `nr_args` 0.
        unsafe { self.register_typed(IORING_REGISTER_FILE_ALLOC_RANGE, (&raw const range).cast(), 0) }?;
        Ok(())
    }
}
