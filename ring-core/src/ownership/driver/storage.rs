//! Where an operation's memory lives while the kernel may use it.
//!
//! Each table entry has one storage cell. When an operation starts, its
//! value (buffers, paths, iovec arrays, timespecs, ...) is moved into the
//! cell **before** its SQE is built, and the SQE's pointers are taken from
//! the value at that final address. The cell is not touched again until the
//! operation's terminal completion arrives, so nothing the kernel reads or
//! writes moves or is freed while it is in flight.
//!
//! The cells are one fixed allocation made when the driver starts and never
//! resized, so a cell's address never changes either. Values small enough
//! ([`INLINE`] bytes, alignment 16) are stored inline, which is what makes
//! `read`, `write` and `nop` allocation-free; larger ones are boxed.
//!
//! The cells are reached only through raw pointers (never through a `&mut`
//! to the whole array), so taking a value back out of one cell cannot
//! invalidate pointers the kernel holds into another.
#![allow(unsafe_code)]

use core::any::TypeId;
use core::cell::UnsafeCell;
use core::mem::{align_of, size_of, MaybeUninit};

/// Bytes available inline in a cell.
pub const INLINE: usize = 96;

#[repr(C, align(16))]
struct Bytes([MaybeUninit<u8>; INLINE]);

/// One cell: inline bytes, and what is stored in them.
struct Cell {
    bytes: Bytes,
    /// Which type is stored, and how; `None` when the cell is empty.
    kind: Option<&'static Stored>,
}

/// What a cell records about the value it holds: one constant record per
/// type, so storing a value writes a single pointer.
struct Stored {
    /// The stored type's `TypeId::of`, called only by the checked accessors
    /// (a function, because `TypeId::of` is not `const` on the supported
    /// toolchains).
    type_id: fn() -> TypeId,
    /// Whether the value is boxed (too large or too aligned for the cell).
    boxed: bool,
    drop_fn: unsafe fn(*mut u8, bool),
}

/// The [`Stored`] record of each type.
trait Record {
    const RECORD: &'static Stored;
}

impl<T: 'static> Record for T {
    const RECORD: &'static Stored =
        &Stored { type_id: TypeId::of::<T>, boxed: !fits_inline::<T>(), drop_fn: drop_stored::<T> };
}

/// Whether a `T` is stored in the cell's bytes (else it is boxed).
const fn fits_inline<T>() -> bool {
    size_of::<T>() <= INLINE && align_of::<T>() <= align_of::<Bytes>()
}

/// Drops the `T` stored at `p` (inline, or as a `Box<T>` pointer).
///
/// # Safety
///
/// `p` must hold a live `T` (or a live `Box<T>` if `boxed`), which is not
/// used afterwards.
unsafe fn drop_stored<T>(p: *mut u8, boxed: bool) {
    if boxed {
        // SAFETY: per the contract, `p` holds a Box<T> that is dropped once.
        drop(unsafe { p.cast::<Box<T>>().read() });
    } else {
        // SAFETY: per the contract, `p` holds a T that is dropped once.
        unsafe { p.cast::<T>().drop_in_place() };
    }
}

/// The fixed array of cells.
pub(crate) struct Storage {
    cells: *mut UnsafeCell<Cell>,
    len: usize,
}

impl Storage {
    /// `len` empty cells.
    pub(crate) fn new(len: usize) -> Self {
        let cells: Box<[UnsafeCell<Cell>]> = (0..len)
            .map(|_| UnsafeCell::new(Cell { bytes: Bytes([MaybeUninit::uninit(); INLINE]), kind: None }))
            .collect();
        Storage { len, cells: Box::into_raw(cells).cast() }
    }

    fn cell(&self, index: usize) -> *mut Cell {
        // Cannot fire from safe code: every index comes from the driver's
        // table, which has exactly as many entries as there are cells, never
        // from a caller. The check keeps a driver bug from becoming an
        // access outside the allocation.
        assert!(index < self.len, "storage index out of range");
        // SAFETY: `index < len`, inside the allocation.
        unsafe { self.cell_unchecked(index) }
    }

    /// [`cell`](Self::cell) without the bounds check, for the two calls
    /// every operation makes (`put` and `take_unchecked`), whose index comes
    /// from the driver's table of the same length.
    ///
    /// # Safety
    ///
    /// `index` must be below the number of cells.
    #[inline(always)]
    unsafe fn cell_unchecked(&self, index: usize) -> *mut Cell {
        debug_assert!(index < self.len, "storage index out of range");
        // SAFETY: per the contract, `index < len`: inside the allocation.
        unsafe { UnsafeCell::raw_get(self.cells.add(index)) }
    }

    /// Moves `value` into cell `index` and returns a pointer to it at its
    /// final address.
    ///
    /// # Safety
    ///
    /// `index` must be below the number of cells (the driver's table has
    /// as many entries as there are cells), and the cell must be empty and
    /// not in use by anything else.
    pub(crate) unsafe fn put<T: 'static>(&self, index: usize, value: T) -> *mut T {
        // SAFETY: per the contract, `index` is in range.
        let cell = unsafe { self.cell_unchecked(index) };
        // SAFETY: the caller guarantees exclusive use of an empty cell.
        unsafe {
            debug_assert!((*cell).kind.is_none());
            let bytes = (&raw mut (*cell).bytes).cast::<u8>();
            let ptr = if fits_inline::<T>() {
                bytes.cast::<T>().write(value);
                bytes.cast::<T>()
            } else {
                let b = Box::new(value);
                let raw = Box::into_raw(b);
                bytes.cast::<*mut T>().write(raw);
                raw
            };
            (*cell).kind = Some(<T as Record>::RECORD);
            ptr
        }
    }

    /// A pointer to the `T` in cell `index`, if it holds one.
    ///
    /// # Safety
    ///
    /// The cell must not be in use by anything that would conflict with
    /// the caller's use of the pointer.
    pub(crate) unsafe fn get<T: 'static>(&self, index: usize) -> Option<*mut T> {
        let cell = self.cell(index);
        // SAFETY: reading the cell's bookkeeping, which only the driver
        // (single-threaded) writes.
        unsafe {
            let stored = (*cell).kind?;
            if (stored.type_id)() != TypeId::of::<T>() {
                return None;
            }
            let bytes = (&raw mut (*cell).bytes).cast::<u8>();
            Some(if stored.boxed { bytes.cast::<*mut T>().read() } else { bytes.cast::<T>() })
        }
    }

    /// Moves the `T` out of cell `index`, leaving it empty; `None` (and the
    /// cell untouched) if it holds something else.
    ///
    /// # Safety
    ///
    /// The kernel must be done with the value: its operation's terminal
    /// completion has been seen.
    pub(crate) unsafe fn take<T: 'static>(&self, index: usize) -> Option<T> {
        let cell = self.cell(index);
        // SAFETY: per the contract nothing else uses the value any more;
        // `get` checked the type.
        unsafe {
            let ptr = self.get::<T>(index)?;
            let boxed = (*cell).kind.map(|k| k.boxed).unwrap_or(false);
            (*cell).kind = None;
            Some(if boxed { *Box::from_raw(ptr) } else { ptr.read() })
        }
    }

    /// Moves the `T` out of cell `index`, leaving it empty, without
    /// checking the stored type in release builds (the hot path of a
    /// completed operation, whose type is known by construction).
    ///
    /// # Safety
    ///
    /// As for [`take`](Self::take), `index` must be below the number of
    /// cells, and the cell must hold a `T`.
    #[inline]
    pub(crate) unsafe fn take_unchecked<T: 'static>(&self, index: usize) -> T {
        // SAFETY: per the contract, `index` is in range.
        let cell = unsafe { self.cell_unchecked(index) };
        // SAFETY: per the contract the cell holds a `T` (inline, or boxed as
        // recorded in `kind`) that nothing else uses any more.
        unsafe {
            let stored = (*cell).kind.take();
            debug_assert!(stored.is_some_and(|k| (k.type_id)() == TypeId::of::<T>()), "cell holds this type");
            let bytes = (&raw mut (*cell).bytes).cast::<u8>();
            if fits_inline::<T>() {
                bytes.cast::<T>().read()
            } else {
                *Box::from_raw(bytes.cast::<*mut T>().read())
            }
        }
    }

    /// Drops whatever cell `index` holds.
    ///
    /// # Safety
    ///
    /// As for [`take`](Self::take).
    pub(crate) unsafe fn clear(&self, index: usize) {
        let cell = self.cell(index);
        // SAFETY: per the contract nothing else uses the value any more.
        unsafe {
            if let Some(stored) = (*cell).kind.take() {
                (stored.drop_fn)((&raw mut (*cell).bytes).cast(), stored.boxed);
            }
        }
    }

    /// Frees the cells, dropping every value still stored. Each value's
    /// destructor is foreign code: it runs through `caught`, so that one
    /// that panics does not keep the others from being dropped.
    ///
    /// # Safety
    ///
    /// The kernel must be done with every value (no operation in flight).
    pub(crate) unsafe fn free(self, caught: &mut super::caught::Caught) {
        for i in 0..self.len {
            // SAFETY: per the contract. A destructor that panics leaves its
            // cell empty (`clear` empties it before dropping), so nothing is
            // dropped twice.
            caught.run(|| unsafe { self.clear(i) });
        }
        // SAFETY: the pointer came from Box::into_raw of a boxed slice of
        // this length, and is freed once (`self` is consumed).
        drop(unsafe { Box::from_raw(core::ptr::slice_from_raw_parts_mut(self.cells, self.len)) });
    }

    /// Gives the allocation up without freeing anything: what stays in
    /// flight in the kernel stays valid forever. This is teardown's last
    /// resort (see the driver's drop policy).
    pub(crate) fn leak(self) {
        // `Storage` has no destructor; dropping the handle frees nothing.
        // The allocation behind `cells` is simply never reclaimed.
        let Storage { cells, len } = self;
        let _ = (cells, len);
    }
}
