//! Registered buffers: `IORING_REGISTER_BUFFERS` (0),
//! `IORING_UNREGISTER_BUFFERS` (1), `IORING_REGISTER_BUFFERS2` (15),
//! `IORING_REGISTER_BUFFERS_UPDATE` (16) and `IORING_REGISTER_CLONE_BUFFERS`
//! (30).
//!
//! The kernel pins the pages of each registered buffer once, at
//! registration, so that `READ_FIXED`, `WRITE_FIXED` and the other
//! fixed-buffer operations skip the per-request page lookup. A request names
//! a buffer by index (`sqe.buf_index`) and an address inside it
//! (`sqe.addr`); the kernel checks that the address range lies inside the
//! registered one and then works on the pinned pages.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use core::ffi::c_void;
use ring_sys::*;

/// The most buffers one ring's table holds (`IORING_MAX_REG_BUFFERS`).
pub const MAX_BUFFERS: usize = 1 << 14;

/// The longest buffer the kernel registers: 1 GiB (`SZ_1G` in
/// `io_validate_user_buf_range`).
pub const MAX_BUFFER_LEN: usize = 1 << 30;

/// Which buffers [`Ring::clone_buffers_from`] copies, and where to.
///
/// ```
/// use ring_core::register::CloneBuffers;
/// use ring_core::Ring;
///
/// let mut mem = vec![0u8; 4096];
/// let (a, b) = mem.split_at_mut(2048);
/// let iov = [
///     libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: a.len() },
///     libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() },
/// ];
/// let src = Ring::new(4)?;
/// let dst = Ring::new(4)?;
/// // SAFETY: `mem` outlives both registrations (the rings are dropped
/// // first), and nothing else uses it meanwhile.
/// unsafe { src.register_buffers(&iov) }?;
/// // One buffer, the second of the source, into slot 3 of a sparse table
/// // (offsets and counts: 6.13).
/// dst.register_buffers_sparse(4)?;
/// let how = CloneBuffers { src_offset: 1, dst_offset: 3, count: 1, replace: true };
/// // SAFETY: as above, for `dst` too.
/// match unsafe { dst.clone_buffers_from(&src, how) } {
///     Ok(()) => dst.unregister_buffers()?,
///     Err(e) => println!("no partial buffer cloning here: {e}"),
/// }
/// drop((src, dst));
/// # Ok::<(), ring_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CloneBuffers {
    /// The first source buffer (6.13).
    pub src_offset: u32,
    /// The first destination slot (6.13).
    pub dst_offset: u32,
    /// How many buffers to copy; 0 copies the whole source table (and then
    /// both offsets must be 0).
    pub count: u32,
    /// Replace buffers the destination has registered already
    /// (`IORING_REGISTER_DST_REPLACE`, 6.13); without it the destination
    /// must have no buffer table.
    pub replace: bool,
}

/// Checks a buffer table before the kernel sees it: the count, each
/// length, and the empty-slot rule (a null base must come with length 0).
fn check_iovecs(iovecs: &[libc::iovec]) -> Result<(), crate::error::Error> {
    if iovecs.is_empty() {
        return Err(Error::InvalidArgument("no buffers given"));
    }
    if iovecs.len() > MAX_BUFFERS {
        return Err(Error::TooLong { what: "registered buffer count", len: iovecs.len(), max: MAX_BUFFERS });
    }
    for iov in iovecs {
        if iov.iov_base.is_null() {
            if iov.iov_len != 0 {
                return Err(Error::InvalidArgument("a null buffer address must come with length 0 (an empty slot)"));
            }
            continue;
        }
        if iov.iov_len == 0 {
            return Err(Error::InvalidArgument("a registered buffer cannot be empty"));
        }
        if iov.iov_len > MAX_BUFFER_LEN {
            return Err(Error::TooLong { what: "registered buffer", len: iov.iov_len, max: MAX_BUFFER_LEN });
        }
        if (iov.iov_base as usize).checked_add(iov.iov_len).is_none() {
            return Err(Error::InvalidArgument("a registered buffer wraps around the address space"));
        }
    }
    Ok(())
}

/// Checks a tag array against its buffer or file table: one tag per entry,
/// and no tag on an empty slot (the kernel would refuse it with EINVAL).
pub(super) fn check_tags(
    tags: &[u64],
    entries: usize,
    empty: impl Fn(usize) -> bool,
) -> Result<(), crate::error::Error> {
    if tags.len() != entries {
        return Err(Error::InvalidArgument("there must be exactly one tag per entry"));
    }
    if tags.iter().enumerate().any(|(i, &t)| t != 0 && empty(i)) {
        return Err(Error::InvalidArgument("an empty slot cannot carry a tag"));
    }
    Ok(())
}

impl<K: Kernel> Ring<K> {
    /// Registers `iovecs` as the ring's fixed buffers
    /// (`IORING_REGISTER_BUFFERS`, Linux 5.1). An entry with a null base and
    /// length 0 leaves its slot empty. At most [`MAX_BUFFERS`] entries of at
    /// most [`MAX_BUFFER_LEN`] bytes each; a ring holds one table at a time.
    ///
    /// # Safety
    ///
    /// Each buffer must be valid for reads and writes and must not be freed
    /// or reused for other data while it is registered: until
    /// [`unregister_buffers`](Self::unregister_buffers) or an update
    /// replaces it, or until this ring is dropped, and in every case until
    /// every request that used it has completed. The kernel reads and writes
    /// the pinned pages whenever a fixed-buffer request names them, which is
    /// why memory handed back to the allocator while registered is unsound
    /// (the allocator places other objects in the same pages). Memory from
    /// an anonymous `mmap` that is `munmap`ed only loses the application's
    /// view: the pages stay pinned and are not reused until the kernel lets
    /// them go.
    pub unsafe fn register_buffers(&self, iovecs: &[libc::iovec]) -> Result<(), crate::error::Error> {
        check_iovecs(iovecs)?;
        // SAFETY: `iovecs` is a live array of `len` iovecs that the kernel
        // reads during the call; the buffers they name are kept per this
        // function's contract.
        unsafe { self.register_pinning(IORING_REGISTER_BUFFERS, iovecs.as_ptr().cast(), iovecs.len() as u32) }?;
        Ok(())
    }

    /// Registers `iovecs` with a tag each (`IORING_REGISTER_BUFFERS2`, Linux
    /// 5.13). When a buffer with a non-zero tag is replaced or emptied by an
    /// update and the kernel has dropped its last reference, the kernel
    /// posts a CQE whose `user_data` is the tag. Unregistering the whole
    /// table posts the tags on some kernels only (6.18 does; 6.1 and 6.12
    /// post nothing then), so do not wait for a tag after
    /// [`unregister_buffers`](Self::unregister_buffers): empty the slots
    /// with an update first where the tags matter.
    ///
    /// # Safety
    ///
    /// As for [`register_buffers`](Self::register_buffers); and, as for
    /// [`register_files_tags`](Self::register_files_tags), no tag may be the
    /// `user_data` of an operation a [`crate::Driver`] driving this ring has
    /// in flight when the kernel posts it.
    pub unsafe fn register_buffers_tags(
        &self,
        iovecs: &[libc::iovec],
        tags: &[u64],
    ) -> Result<(), crate::error::Error> {
        check_iovecs(iovecs)?;
        check_tags(tags, iovecs.len(), |i| iovecs[i].iov_base.is_null())?;
        let reg = io_uring_rsrc_register {
            nr: iovecs.len() as u32,
            data: iovecs.as_ptr() as u64,
            tags: tags.as_ptr() as u64,
            ..Default::default()
        };
        // SAFETY: `reg` names live arrays of `nr` iovecs and tags, read
        // during the call; `nr_args` is the structure's size, as BUFFERS2
        // expects. The buffers are kept per this function's contract.
        unsafe {
            self.register_pinning(
                IORING_REGISTER_BUFFERS2,
                (&raw const reg).cast(),
                core::mem::size_of::<io_uring_rsrc_register>() as u32,
            )
        }?;
        Ok(())
    }

    /// Registers a table of `nr` empty buffer slots
    /// (`IORING_REGISTER_BUFFERS2` with `IORING_RSRC_REGISTER_SPARSE`, Linux
    /// 5.19), to be filled with [`update_buffers`](Self::update_buffers).
    pub fn register_buffers_sparse(&self, nr: u32) -> Result<(), crate::error::Error> {
        if nr == 0 {
            return Err(Error::InvalidArgument("a sparse buffer table needs at least one slot"));
        }
        if nr as usize > MAX_BUFFERS {
            return Err(Error::TooLong { what: "registered buffer count", len: nr as usize, max: MAX_BUFFERS });
        }
        let reg = io_uring_rsrc_register { nr, flags: IORING_RSRC_REGISTER_SPARSE, ..Default::default() };
        // SAFETY: a sparse registration names no memory; `reg` is read
        // during the call and `nr_args` is its size.
        unsafe {
            self.register_typed(
                IORING_REGISTER_BUFFERS2,
                (&raw const reg).cast(),
                core::mem::size_of::<io_uring_rsrc_register>() as u32,
            )
        }?;
        Ok(())
    }

    /// Replaces the registered buffers in slots `offset..offset +
    /// iovecs.len()` (`IORING_REGISTER_BUFFERS_UPDATE`, Linux 5.13), with
    /// optional tags. A null base with length 0 empties its slot. Returns how
    /// many slots were updated: the kernel stops at the first entry it
    /// cannot register and reports the ones before it.
    ///
    /// # Safety
    ///
    /// The new buffers are registered: as for
    /// [`register_buffers`](Self::register_buffers). The buffers they
    /// replace stay in use by requests already issued with them, until
    /// those complete. Tags follow the rule of
    /// [`register_buffers_tags`](Self::register_buffers_tags).
    pub unsafe fn update_buffers(
        &self,
        offset: u32,
        iovecs: &[libc::iovec],
        tags: Option<&[u64]>,
    ) -> Result<u32, crate::error::Error> {
        check_iovecs(iovecs)?;
        if offset.checked_add(iovecs.len() as u32).is_none() {
            return Err(Error::InvalidArgument("buffer update range overflows"));
        }
        if let Some(tags) = tags {
            check_tags(tags, iovecs.len(), |i| iovecs[i].iov_base.is_null())?;
        }
        let up = io_uring_rsrc_update2 {
            offset,
            data: iovecs.as_ptr() as u64,
            tags: tags.map_or(0, |t| t.as_ptr() as u64),
            nr: iovecs.len() as u32,
            ..Default::default()
        };
        // SAFETY: `up` names live arrays read during the call; `nr_args` is
        // its size, as BUFFERS_UPDATE expects. The buffers are kept per this
        // function's contract.
        let r = unsafe {
            self.register_releasing(
                IORING_REGISTER_BUFFERS_UPDATE,
                (&raw const up).cast(),
                core::mem::size_of::<io_uring_rsrc_update2>() as u32,
            )
        };
        // As `register_pinning`: ENOMEM is the locked-memory budget.
        match r {
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::ENOMEM => {
                Err(crate::raw::register::call::memlock_error(IORING_REGISTER_BUFFERS_UPDATE, errno))
            }
            r => r,
        }
    }

    /// Unregisters every buffer (`IORING_UNREGISTER_BUFFERS`, Linux 5.1).
    /// Requests already issued with a fixed buffer keep it until they
    /// complete; the kernel unpins each buffer after its last user.
    pub fn unregister_buffers(&self) -> Result<(), crate::error::Error> {
        // SAFETY: UNREGISTER_BUFFERS takes no argument.
        unsafe { self.register_releasing(IORING_UNREGISTER_BUFFERS, core::ptr::null::<c_void>(), 0) }?;
        Ok(())
    }

    /// Copies registered buffers from `src` into this ring's table
    /// (`IORING_REGISTER_CLONE_BUFFERS`, Linux 6.12; offsets, counts and
    /// replacing 6.13). Both rings then refer to the same pinned pages, which
    /// is faster than registering them again and charges no more locked
    /// memory. Both rings must belong to the same user and address space.
    ///
    /// # Safety
    ///
    /// The cloned buffers become registered with this ring too: the
    /// contract under which they were registered with `src` (see
    /// [`register_buffers`](Self::register_buffers)) now lasts until they
    /// are also unregistered from this ring, or this ring is dropped.
    ///
    /// ```
    /// use ring_core::register::CloneBuffers;
    /// use ring_core::Ring;
    ///
    /// let mut mem = vec![0u8; 4096];
    /// let iov = [libc::iovec { iov_base: mem.as_mut_ptr().cast(), iov_len: mem.len() }];
    /// let src = Ring::new(4)?;
    /// let dst = Ring::new(4)?;
    /// // SAFETY: `mem` outlives both registrations (the rings are dropped
    /// // first), and nothing else uses it meanwhile.
    /// unsafe { src.register_buffers(&iov) }?;
    /// // The whole table, into slot 0 onwards of an empty one (6.12).
    /// // SAFETY: as above, for `dst` too.
    /// match unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) } {
    ///     Ok(()) => dst.unregister_buffers()?,
    ///     Err(e) => println!("no buffer cloning here: {e}"),
    /// }
    /// drop((src, dst));
    /// # Ok::<(), ring_core::Error>(())
    /// ```
    pub unsafe fn clone_buffers_from<K2: Kernel>(
        &self,
        src: &Ring<K2>,
        how: CloneBuffers,
    ) -> Result<(), crate::error::Error> {
        if how.count == 0 && (how.src_offset != 0 || how.dst_offset != 0) {
            return Err(Error::InvalidArgument("cloning at an offset needs an explicit count"));
        }
        if how.count as usize > MAX_BUFFERS {
            return Err(Error::TooLong { what: "cloned buffer count", len: how.count as usize, max: MAX_BUFFERS });
        }
        let dst_end = how.dst_offset.checked_add(how.count);
        if how.src_offset.checked_add(how.count).is_none() || dst_end.is_none() {
            return Err(Error::InvalidArgument("clone range overflows"));
        }
        if dst_end.is_some_and(|e| e as usize > MAX_BUFFERS) {
            return Err(Error::TooLong {
                what: "cloned buffer range end",
                len: dst_end.unwrap_or(0) as usize,
                max: MAX_BUFFERS,
            });
        }
        // The source is named by its registered index when it has one (both
        // rings live on this thread, whose registered-ring table holds it),
        // else by its descriptor.
        let (src_fd, src_flag) = match (src.registered_index(), src.fd()) {
            (Some(i), _) => (i, IORING_REGISTER_SRC_REGISTERED),
            (None, Some(fd)) => (fd as u32, 0),
            (None, None) => {
                return Err(Error::NotConfigured("the source ring has neither a descriptor nor a registered index"))
            }
        };
        let arg = io_uring_clone_buffers {
            src_fd,
            flags: src_flag | if how.replace { IORING_REGISTER_DST_REPLACE } else { 0 },
            src_off: how.src_offset,
            dst_off: how.dst_offset,
            nr: how.count,
            ..Default::default()
        };
        // SAFETY: `arg` is read during the call; the buffers it clones are
        // kept per this function's contract.
        unsafe { self.register_typed(IORING_REGISTER_CLONE_BUFFERS, (&raw const arg).cast(), 1) }?;
        Ok(())
    }
}
