//! Registered files as safe handles: [`FixedFiles`], a sparse registered
//! file table with an allocation range, and [`FixedFd`], one direct
//! descriptor in it (a slot the kernel picked with
//! `IORING_FILE_INDEX_ALLOC` for an open, accept or socket; see
//! [`crate::ownership::ops::OpenAtDirect`] and its siblings).
//!
//! # Why this is sound (and why slots are never reused too early)
//!
//! A direct descriptor is an index into the ring's file table. Nothing
//! about memory safety depends on it (the kernel takes its own reference
//! to the file for every request), but a slot that is emptied and then
//! filled again by another open while a request naming it is still
//! waiting to be issued would make that request use the wrong file (bug
//! class 4.10, "descriptor closed and reused under an operation"). So:
//!
//! - A [`FixedFd`] is a reference-counted handle of its slot. Every
//!   operation that names the slot holds a clone of it (a *lease*) inside
//!   its value, which the driver keeps until the terminal completion,
//!   whether the future is awaited, dropped or forgotten.
//! - The slot is emptied only when the last holder goes: the user's
//!   handles *and* every operation's lease. It is emptied through the
//!   driver (`IORING_REGISTER_FILES_UPDATE` with -1, or explicitly with
//!   [`Driver::close_direct`](crate::Driver::close_direct), which is
//!   `IORING_OP_CLOSE` in its fixed-file form).
//! - If the driver cannot be reached at that moment (its state is
//!   borrowed because the destructor runs inside a driver call, or it is
//!   shut down), the slot is *left occupied*, never freed behind the
//!   driver's back, and recorded; [`FixedFiles`] retries the recorded
//!   closes before each new direct descriptor is requested and whenever
//!   another slot closes. An occupied slot cannot be handed out again by
//!   the kernel, so the worst case is a slot kept busy until the ring goes.
//! - A direct open or accept whose future was dropped but which still
//!   succeeded closes its new slot in [`Operation::orphaned`]
//!   (bug class 4.6).
//! - A table, and every [`FixedFd`] in it, belongs to the ring it was
//!   registered with: slot numbers mean other files (or none) on another
//!   ring. An operation of another driver given one completes with `EXDEV`
//!   without reaching the kernel, so it can neither do I/O on another
//!   ring's file nor adopt another ring's new slot into this table (whose
//!   drop would then empty a slot of this ring that a live handle names).
//! - While the table is registered, the slots of its allocation range
//!   belong to its direct descriptors: [`Driver::files_update`] refuses
//!   (with `EBUSY`) to replace or empty any of them, since a live
//!   [`FixedFd`] would then name another file.
//!
//! [`Operation::orphaned`]: crate::Operation::orphaned
//! [`Driver::files_update`]: crate::Driver::files_update

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::ownership::driver::{Driver, Shared};
use crate::raw::ring_id::RingId;
use crate::raw::types::Target;
use core::cell::{Cell, RefCell};
use core::ops::Range;
use std::rc::{Rc, Weak};

/// Empties one slot through the driver: `None` if the driver cannot be
/// reached now, `Some(ok)` once the kernel was asked.
type Clear = Box<dyn Fn(u32) -> Option<bool>>;

/// Unregisters the table through the driver; `false` if it cannot now.
type Release = Box<dyn Fn() -> bool>;

pub(crate) struct FilesInner {
    size: u32,
    alloc: Range<u32>,
    clear: Clear,
    release: Release,
    /// Slots whose last holder went while the driver could not be reached.
    pending: RefCell<Vec<u32>>,
    /// Slots held by a [`FixedFd`] (or waiting in `pending`).
    occupied: Cell<u32>,
    /// The ring the table is registered with.
    ring: RingId,
    /// The driver's record of the allocation range its direct descriptors
    /// come from (cleared when the table goes).
    reserved: Rc<Cell<Option<(u32, u32)>>>,
}

impl core::fmt::Debug for FilesInner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilesInner").field("size", &self.size).field("occupied", &self.occupied.get()).finish()
    }
}

impl FilesInner {
    /// [`crate::Operation::refuse`] for an operation that names this table
    /// or one of its slots.
    #[inline]
    pub(crate) fn refuse(&self, ring: RingId) -> Option<i32> {
        crate::ownership::ops::foreign(Some(self.ring), ring)
    }

    /// Retries the closes recorded in `pending`; returns how many are left.
    fn flush(&self) -> usize {
        let Ok(mut pending) = self.pending.try_borrow_mut() else { return 0 };
        pending.retain(|&slot| match (self.clear)(slot) {
            Some(_) => {
                self.occupied.set(self.occupied.get().saturating_sub(1));
                false
            }
            None => true,
        });
        pending.len()
    }

    /// Empties `slot` now, or records it for a later retry.
    fn close_slot(&self, slot: u32) {
        match (self.clear)(slot) {
            Some(_) => {
                self.occupied.set(self.occupied.get().saturating_sub(1));
                // The driver is reachable: a good moment for earlier ones.
                self.flush();
            }
            None => {
                // `pending` is never borrowed across a call that could drop
                // a descriptor; if it were, the slot would simply stay
                // occupied until the ring goes, which is safe.
                if let Ok(mut p) = self.pending.try_borrow_mut() {
                    p.push(slot);
                }
            }
        }
    }
}

impl Drop for FilesInner {
    fn drop(&mut self) {
        // No FixedFd exists any more (each holds a count), so no request
        // names a slot. Unregistering is only tidiness: if the driver cannot
        // be reached, the kernel drops the table with the ring.
        self.flush();
        let _ = (self.release)();
        // No direct descriptor of this table is left to protect.
        self.reserved.set(None);
    }
}

/// A sparse registered file table whose allocation range the kernel hands
/// out as direct descriptors; see the [module docs](self).
///
/// Cheap to clone (a reference-counted handle). A ring has one file
/// table: creating a second one on the same driver fails with `EBUSY`.
///
/// ```
/// use ring_core::fixed_files::{FixedFd, FixedFiles};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // 16 slots; the kernel hands out 0..8 as direct descriptors.
/// let Ok(files) = FixedFiles::new(&d, 16, 0..8) else {
///     println!("skipping: no file allocation range (6.0) here");
///     return Ok(());
/// };
/// assert_eq!((files.size(), files.alloc_range(), files.ring_id()), (16, 0..8, d.ring_id()));
/// let fd: FixedFd = rt.block_on(d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0))??;
/// assert!(files.alloc_range().contains(&fd.slot()));
/// assert_eq!((files.occupied(), fd.ring_id()), (1, d.ring_id()));
/// let _target = fd.target(); // for the raw builders (`Target::Fixed`)
/// assert!(fd.is_unique());
/// let again = fd.clone();
/// assert!(!fd.is_unique());
/// assert_eq!(again.files().size(), 16);
/// drop((fd, again)); // the last handle empties the slot
/// files.flush_pending();
/// assert_eq!((files.occupied(), files.pending_closes()), (0, 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FixedFiles {
    pub(crate) inner: Rc<FilesInner>,
}

impl core::fmt::Debug for FixedFiles {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedFiles")
            .field("size", &self.inner.size)
            .field("alloc", &self.inner.alloc)
            .field("occupied", &self.inner.occupied.get())
            .finish()
    }
}

fn clear_with<K: Kernel>(weak: &Weak<Shared<K>>, slot: u32) -> Option<bool> {
    weak.upgrade()?.try_with_ring_mut(|r| r.update_files(slot, &[-1]).is_ok())
}

fn release_with<K: Kernel>(weak: &Weak<Shared<K>>) -> bool {
    weak.upgrade().and_then(|s| s.try_with_ring_mut(|r| r.unregister_files().is_ok())).unwrap_or(false)
}

impl FixedFiles {
    /// Registers a sparse table of `size` empty slots with `driver`'s ring
    /// (`IORING_REGISTER_FILES2` with `IORING_RSRC_REGISTER_SPARSE`, 5.19)
    /// and restricts the slots the kernel allocates for direct descriptors
    /// to `alloc` (`IORING_REGISTER_FILE_ALLOC_RANGE`, 6.0). Slots outside
    /// the range stay free for the caller's own use.
    pub fn new<K: Kernel + 'static>(
        driver: &Driver<K>,
        size: u32,
        alloc: Range<u32>,
    ) -> Result<Self, crate::error::Error> {
        if alloc.start >= alloc.end || alloc.end > size {
            return Err(Error::InvalidArgument("the allocation range must be a non-empty part of the table"));
        }
        let r = driver.ring_call(|ring| {
            // Entries written but not yet submitted (a batching strategy
            // holds them until the next turn) were checked against the
            // driver with no table registered (a `files_update` may name a
            // slot of the range reserved below): the kernel issues them
            // first, as the checks assumed.
            ring.submit_all(core::time::Duration::from_secs(1))?;
            ring.register_files_sparse(size)?;
            if let Err(e) = ring.register_file_alloc_range(alloc.start, alloc.end - alloc.start) {
                let _ = ring.unregister_files();
                return Err(e);
            }
            Ok(())
        });
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) | Err(e) => return Err(e),
        }
        let clear_weak = Rc::downgrade(&driver.shared);
        let release_weak = clear_weak.clone();
        let reserved = driver.shared.reserved_files.clone();
        reserved.set(Some((alloc.start, alloc.end)));
        Ok(FixedFiles {
            inner: Rc::new(FilesInner {
                size,
                alloc,
                clear: Box::new(move |slot| clear_with(&clear_weak, slot)),
                release: Box::new(move || release_with(&release_weak)),
                pending: RefCell::new(Vec::new()),
                occupied: Cell::new(0),
                ring: driver.ring_id(),
                reserved,
            }),
        })
    }

    /// The ring the table is registered with; operations of any other
    /// driver refuse it and its direct descriptors.
    pub fn ring_id(&self) -> RingId {
        self.inner.ring
    }

    /// The number of slots in the table.
    pub fn size(&self) -> u32 {
        self.inner.size
    }

    /// The slots the kernel allocates direct descriptors from.
    pub fn alloc_range(&self) -> Range<u32> {
        self.inner.alloc.clone()
    }

    /// Slots currently occupied by direct descriptors this table handed
    /// out: held by a [`FixedFd`] or an operation's lease, or whose close
    /// is still pending.
    pub fn occupied(&self) -> u32 {
        self.inner.occupied.get()
    }

    /// Slots whose close had to be deferred because the driver could not
    /// be reached when their last holder went.
    pub fn pending_closes(&self) -> usize {
        self.inner.pending.borrow().len()
    }

    /// Retries the deferred closes now; returns how many are still pending.
    /// (This also happens by itself whenever a direct descriptor is
    /// requested or another slot closes.)
    pub fn flush_pending(&self) -> usize {
        self.inner.flush()
    }
}

pub(crate) struct FdInner {
    slot: u32,
    files: Rc<FilesInner>,
    /// Set once an explicit `IORING_OP_CLOSE` emptied the slot.
    closed: Cell<bool>,
}

impl Drop for FdInner {
    fn drop(&mut self) {
        // The last holder (user handle or operation lease) is gone: no
        // request names the slot any more, so it can be emptied.
        if !self.closed.get() {
            self.files.close_slot(self.slot);
        }
    }
}

/// A direct descriptor: one occupied slot of a [`FixedFiles`] table.
///
/// Cloning makes another handle of the same slot. The slot is emptied when
/// the last handle *and* the last operation naming it are gone; see the
/// [module docs](self).
#[derive(Clone)]
pub struct FixedFd {
    pub(crate) inner: Rc<FdInner>,
}

impl core::fmt::Debug for FixedFd {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedFd").field("slot", &self.inner.slot).finish()
    }
}

impl FixedFd {
    /// Takes ownership of `slot`, which the kernel just filled for `files`.
    pub(crate) fn adopt(files: &Rc<FilesInner>, slot: u32) -> FixedFd {
        files.occupied.set(files.occupied.get() + 1);
        FixedFd { inner: Rc::new(FdInner { slot, files: files.clone(), closed: Cell::new(false) }) }
    }

    /// The slot index (what goes into `sqe.fd` with `IOSQE_FIXED_FILE`).
    pub fn slot(&self) -> u32 {
        self.inner.slot
    }

    /// The slot as a builder [`Target`] (for the raw layer; the handle
    /// must then be kept alive until that request completes).
    pub fn target(&self) -> Target {
        Target::Fixed(self.inner.slot)
    }

    /// The ring whose table the slot is in; operations of any other
    /// driver refuse it (they complete with `EXDEV`).
    pub fn ring_id(&self) -> RingId {
        self.inner.files.ring
    }

    /// [`crate::Operation::refuse`] for an operation that names this slot.
    #[inline]
    pub(crate) fn refuse(&self, ring: RingId) -> Option<i32> {
        self.inner.files.refuse(ring)
    }

    /// The table the slot belongs to.
    pub fn files(&self) -> FixedFiles {
        FixedFiles { inner: self.inner.files.clone() }
    }

    /// Whether this is the only holder of the slot (no clone and no
    /// operation in flight names it).
    pub fn is_unique(&self) -> bool {
        Rc::strong_count(&self.inner) == 1
    }

    /// Records that an explicit close emptied the slot, so dropping the
    /// last holder does not empty it again (it may belong to a new
    /// descriptor by then).
    pub(crate) fn mark_closed(&self) {
        if !self.inner.closed.replace(true) {
            let files = &self.inner.files;
            files.occupied.set(files.occupied.get().saturating_sub(1));
        }
    }
}

/// Retries deferred closes before a new slot is requested, so a slot whose
/// close was deferred is free again as soon as possible.
pub(crate) fn before_alloc(files: &FixedFiles) -> Rc<FilesInner> {
    files.inner.flush();
    files.inner.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_inner_debug_names_size_and_occupied() {
        let inner = FilesInner {
            size: 4,
            alloc: 0..4,
            clear: Box::new(|_| None),
            release: Box::new(|| false),
            pending: RefCell::new(Vec::new()),
            occupied: Cell::new(0),
            ring: crate::raw::ring::Ring::new(2).unwrap().id(),
            reserved: Rc::new(Cell::new(None)),
        };
        assert_eq!(format!("{inner:?}"), "FilesInner { size: 4, occupied: 0 }");
    }
}
