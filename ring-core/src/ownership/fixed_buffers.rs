//! Registered (fixed) buffers as safe handles: [`FixedBuffers`], a
//! registered buffer table that owns its memory, and [`FixedBuf`], the
//! exclusive lease of one slot that `read_fixed`, `write_fixed` and
//! `send_zc_fixed` take by value.
//!
//! # Why this is sound
//!
//! The table's memory (one page-aligned heap allocation per slot) belongs
//! to a reference-counted `FixedInner`, held by the [`FixedBuffers`] handle
//! and by every [`FixedBuf`] lease. A lease is exclusive (at most one per
//! slot, counted in the slot), gives Rust access to the slot's bytes only
//! while no operation holds it (an operation takes the lease by value, so
//! while the kernel reads or writes the slot nothing in Rust can reach it,
//! and it comes back with the output only after the terminal completion; a
//! zero-copy send's terminal completion is the notification). The SQE names
//! the slot by index *and* address, and both stay valid while the lease is
//! in the table: [`FixedBuffers::unregister`] and [`FixedBuffers::replace`]
//! refuse with [`FixedError::Leased`] while any lease of the affected slots
//! exists, so the kernel's table cannot change under a request in flight.
//! When the last holder goes (no lease, so no request uses the table), the
//! table is unregistered and the memory freed; if the driver is gone, shut
//! down or busy at that moment, the memory is leaked instead, since the
//! kernel may still have it pinned and registered.
//!
//! A table belongs to the ring it was registered with, and its slot
//! indices mean something else (or nothing) on any other ring: a lease
//! given to an operation of another driver makes it complete with `EXDEV`
//! without reaching the kernel, and [`FixedBuffers::unregister`] and
//! [`FixedBuffers::replace`] refuse another driver with
//! [`crate::Error::ForeignResource`]. Once unregistered, the table belongs
//! to no ring, and operations refuse its leases the same way.
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::AlignedBuf;
use crate::ownership::driver::{Driver, Shared};
use crate::raw::register::{MAX_BUFFERS, MAX_BUFFER_LEN};
use crate::raw::ring_id::RingId;
use core::cell::{Cell, RefCell};
use core::ops::{Deref, DerefMut};
use std::rc::{Rc, Weak};

/// Why a registered-buffer table refused a change.
#[derive(Debug)]
pub enum FixedError {
    /// A slot is leased (by the caller or by an operation in flight).
    Leased {
        /// The first leased slot found.
        index: u16,
    },
    /// The slot index is outside the table.
    OutOfRange {
        /// The index asked for.
        index: u16,
    },
    /// The kernel or the registration layer refused.
    Register(Error),
}

impl core::fmt::Display for FixedError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FixedError::Leased { index } => write!(f, "registered buffer {index} is leased"),
            FixedError::OutOfRange { index } => write!(f, "registered buffer {index} does not exist"),
            FixedError::Register(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FixedError {}

/// One slot: its memory and whether it is leased.
struct Slot {
    mem: AlignedBuf,
    leased: Cell<bool>,
}

/// What releases the table when its last holder goes (type-erased over the
/// driver's [`Kernel`]): returns whether it unregistered.
type Release = Box<dyn Fn() -> bool>;

struct FixedInner {
    slots: RefCell<Vec<Slot>>,
    release: Release,
    /// Set once the table was unregistered through [`FixedBuffers::unregister`].
    unregistered: Cell<bool>,
    /// The ring the table is registered with; `None` once unregistered.
    ring: Cell<Option<RingId>>,
}

impl Drop for FixedInner {
    fn drop(&mut self) {
        // No lease exists (each holds a count), so no request uses the
        // table. Unregister before the memory is freed; if that is not
        // possible now, leak the memory: the kernel keeps it pinned and
        // registered.
        if !self.unregistered.get() && !(self.release)() {
            for slot in self.slots.get_mut().drain(..) {
                core::mem::forget(slot.mem);
            }
        }
    }
}

/// A registered buffer table owning its memory; see the [module docs](self).
///
/// A slot is leased ([`FixedBuf`]) to one operation at a time and comes
/// back with its result; the table cannot be unregistered or a slot
/// replaced while a lease is out.
///
/// ```
/// use ring_core::fixed::{FixedBuf, FixedBuffers, FixedError};
///
/// let d = ring_core::Driver::new(8)?;
/// let table = FixedBuffers::new(&d, 2, 4096)?;
/// assert_eq!((table.len(), table.is_empty()), (2, false));
/// assert_eq!(table.ring_id(), Some(d.ring_id()));
///
/// let mut buf: FixedBuf = table.lease(0)?;
/// assert_eq!((buf.index(), buf.capacity(), buf.ring_id()), (0, 4096, Some(d.ring_id())));
/// buf[..5].copy_from_slice(b"hello");
/// buf.set_len(5); // a write sends these 5 bytes
/// assert!(table.is_leased(0));
/// assert!(matches!(table.lease(0), Err(FixedError::Leased { .. })));
/// assert!(matches!(table.replace(&d, 0, 8192), Err(FixedError::Leased { .. })));
/// drop(buf);
///
/// table.replace(&d, 1, 8192)?; // fresh memory for slot 1
/// table.unregister(&d)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FixedBuffers {
    inner: Rc<FixedInner>,
}

impl core::fmt::Debug for FixedBuffers {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedBuffers").field("slots", &self.len()).finish()
    }
}

/// Checks a table's size before its memory is allocated: a count or a
/// length the kernel would refuse is refused here, before `count` buffers of
/// `len` bytes are allocated (and zeroed) for nothing.
fn check_sizes(count: usize, len: usize) -> Result<(), FixedError> {
    if count > MAX_BUFFERS {
        return Err(FixedError::Register(Error::TooLong {
            what: "registered buffer count",
            len: count,
            max: MAX_BUFFERS,
        }));
    }
    if len > MAX_BUFFER_LEN {
        return Err(FixedError::Register(Error::TooLong { what: "registered buffer", len, max: MAX_BUFFER_LEN }));
    }
    Ok(())
}

fn unregister_with<K: Kernel>(weak: &Weak<Shared<K>>) -> bool {
    weak.upgrade().and_then(|s| s.try_with_ring_mut(|r| r.unregister_buffers().is_ok())).unwrap_or(false)
}

impl FixedBuffers {
    /// Allocates `count` page-aligned buffers of `len` bytes (rounded up to
    /// a page) and registers them as `driver`'s buffer table
    /// (`IORING_REGISTER_BUFFERS`, 5.1). A ring has one table: this fails
    /// with `EBUSY` if one is registered.
    ///
    /// The sizes are checked before anything is allocated, against what the
    /// kernel registers: at most [`MAX_BUFFERS`] buffers of at most
    /// [`MAX_BUFFER_LEN`] bytes each ([`crate::Error::TooLong`]).
    pub fn new<K: Kernel + 'static>(driver: &Driver<K>, count: u16, len: usize) -> Result<Self, FixedError> {
        check_sizes(usize::from(count), len)?;
        let mut slots = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let mem = AlignedBuf::new(len).map_err(FixedError::Register)?;
            slots.push(Slot { mem, leased: Cell::new(false) });
        }
        let iovecs: Vec<libc::iovec> = slots
            .iter_mut()
            .map(|s| libc::iovec {
                iov_base: s.mem.as_mut_slice().as_mut_ptr().cast(),
                iov_len: s.mem.as_slice().len(),
            })
            .collect();
        let r = driver.ring_call(|ring| {
            // SAFETY: the buffers are heap allocations owned by the `FixedInner` built below, freed only after the
            // table was unregistered and no request uses it (see the module docs), and leaked otherwise.
            unsafe { ring.register_buffers(&iovecs) }
        });
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) | Err(e) => return Err(FixedError::Register(e)),
        }
        let weak = Rc::downgrade(&driver.shared);
        Ok(FixedBuffers {
            inner: Rc::new(FixedInner {
                slots: RefCell::new(slots),
                release: Box::new(move || unregister_with(&weak)),
                unregistered: Cell::new(false),
                ring: Cell::new(Some(driver.ring_id())),
            }),
        })
    }

    /// The ring the table is registered with (`None` once unregistered).
    pub fn ring_id(&self) -> Option<RingId> {
        self.inner.ring.get()
    }

    /// Refuses `driver` unless the table is registered with its ring.
    fn check_ring<K: Kernel>(&self, driver: &Driver<K>) -> Result<(), FixedError> {
        match self.inner.ring.get() {
            Some(r) if r == driver.ring_id() => Ok(()),
            Some(_) => Err(FixedError::Register(Error::ForeignResource { what: "registered buffer table" })),
            None => Err(FixedError::Register(Error::NotConfigured("the buffer table was unregistered"))),
        }
    }

    /// The number of slots.
    pub fn len(&self) -> usize {
        self.inner.slots.borrow().len()
    }

    /// Whether the table has no slots.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Leases slot `index` exclusively; fails if it is leased already (by
    /// the caller or by an operation in flight).
    pub fn lease(&self, index: u16) -> Result<FixedBuf, FixedError> {
        let slots = self.inner.slots.borrow();
        let slot = slots.get(usize::from(index)).ok_or(FixedError::OutOfRange { index })?;
        if slot.leased.replace(true) {
            return Err(FixedError::Leased { index });
        }
        let ptr = slot.mem.as_slice().as_ptr().cast_mut();
        let cap = slot.mem.as_slice().len();
        Ok(FixedBuf { inner: self.inner.clone(), index, ptr, cap, len: cap })
    }

    /// Whether slot `index` is leased.
    pub fn is_leased(&self, index: u16) -> bool {
        self.inner.slots.borrow().get(usize::from(index)).is_some_and(|s| s.leased.get())
    }

    /// Unregisters the table now (`IORING_UNREGISTER_BUFFERS`). Refused
    /// with [`FixedError::Leased`] while any slot is leased, so no request
    /// in flight loses its buffer. The memory is freed when the last handle
    /// goes. `driver` must be the one the table was registered with
    /// ([`crate::Error::ForeignResource`] otherwise: another driver's table
    /// is not this one).
    pub fn unregister<K: Kernel>(&self, driver: &Driver<K>) -> Result<(), FixedError> {
        self.check_ring(driver)?;
        if let Some(index) = self.first_leased(0..self.len()) {
            return Err(FixedError::Leased { index });
        }
        match driver.ring_call(|r| r.unregister_buffers()) {
            Ok(Ok(())) => {
                self.inner.unregistered.set(true);
                self.inner.ring.set(None);
                Ok(())
            }
            Ok(Err(e)) | Err(e) => Err(FixedError::Register(e)),
        }
    }

    /// Replaces the memory of slot `index` with a fresh zeroed buffer of
    /// `len` bytes (`IORING_REGISTER_BUFFERS_UPDATE`, 5.13). Refused with
    /// [`FixedError::Leased`] while the slot is leased. The old memory is
    /// leaked rather than freed: the kernel unpins it only after requests
    /// that used it finish, which no lease tracks any more. `driver` must
    /// be the one the table is registered with, as for
    /// [`unregister`](Self::unregister).
    pub fn replace<K: Kernel>(&self, driver: &Driver<K>, index: u16, len: usize) -> Result<(), FixedError> {
        self.check_ring(driver)?;
        if usize::from(index) >= self.len() {
            return Err(FixedError::OutOfRange { index });
        }
        if self.is_leased(index) {
            return Err(FixedError::Leased { index });
        }
        check_sizes(1, len)?;
        let mut mem = AlignedBuf::new(len).map_err(FixedError::Register)?;
        let iov = [libc::iovec { iov_base: mem.as_mut_slice().as_mut_ptr().cast(), iov_len: mem.as_slice().len() }];
        let r = driver.ring_call(|ring| {
            // SAFETY: `mem` moves into the slot below and is kept as the
            // table's memory is (see `new`).
            unsafe { ring.update_buffers(u32::from(index), &iov, None) }
        });
        match r {
            Ok(Ok(_)) => {
                let mut slots = self.inner.slots.borrow_mut();
                let old = core::mem::replace(&mut slots[usize::from(index)].mem, mem);
                core::mem::forget(old);
                Ok(())
            }
            Ok(Err(e)) | Err(e) => Err(FixedError::Register(e)),
        }
    }

    fn first_leased(&self, range: core::ops::Range<usize>) -> Option<u16> {
        let slots = self.inner.slots.borrow();
        range.into_iter().find(|&i| slots[i].leased.get()).map(|i| i as u16)
    }
}

/// The exclusive lease of one registered buffer. Dereferences to its first
/// `len` bytes (all of them at first); operations take it by
/// value and give it back with their output.
pub struct FixedBuf {
    inner: Rc<FixedInner>,
    pub(crate) index: u16,
    pub(crate) ptr: *mut u8,
    pub(crate) cap: usize,
    pub(crate) len: usize,
}

impl FixedBuf {
    /// The slot index (`sqe.buf_index`).
    pub fn index(&self) -> u16 {
        self.index
    }

    /// The slot's size.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// The ring whose table the slot is in (`None` once the table was
    /// unregistered): operations of any other driver refuse the lease.
    pub fn ring_id(&self) -> Option<RingId> {
        self.inner.ring.get()
    }

    /// [`Operation::refuse`] for an operation that names this slot.
    #[inline]
    pub(crate) fn refuse(&self, ring: RingId) -> Option<i32> {
        crate::ownership::ops::foreign(self.inner.ring.get(), ring)
    }

    /// Sets how many bytes the lease covers (writes send this many; reads
    /// fill up to the capacity and set it to the count read).
    pub fn set_len(&mut self, len: usize) {
        self.len = len.min(self.cap);
    }
}

impl Deref for FixedBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `ptr` is the slot's memory, `cap >= len` bytes, alive while
        // `inner` is; the lease is exclusive and not in an operation (an
        // operation owns it by value), so the kernel does not write it now.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for FixedBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `deref`, and `&mut self` makes the access exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl core::fmt::Debug for FixedBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FixedBuf").field("index", &self.index).field("len", &self.len).finish()
    }
}

impl Drop for FixedBuf {
    fn drop(&mut self) {
        if let Some(slot) = self.inner.slots.borrow().get(usize::from(self.index)) {
            slot.leased.set(false);
        }
    }
}
