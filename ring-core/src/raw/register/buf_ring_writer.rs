//! The application's side of a provided-buffer ring: writing entries at a
//! private tail and publishing them with one store of the shared `u16`
//! tail.
//!
//! [`BufRing`](super::BufRing) owns the ring memory and the buffers and
//! decides which buffer goes in when; [`BufRingWriter`] is the only code
//! that touches the shared ring, and it does so through typed pointers
//! ([`BufRingPointers`]), as [`crate::raw::squeue::SubmissionQueue`] does
//! through [`crate::raw::layout::SqPointers`]. A real ring builds those pointers
//! from its mapped memory ([`BufRingWriter::over_ring`]), where the tail is
//! the `resv` field of entry 0; a loom model builds them from separately
//! allocated loom cells and a loom `AtomicU16`
//! ([`BufRingWriter::new`]), and the same writer code is model-checked
//! against a simulated kernel (see [`crate::sync`]).
//!
//! The protocol, after `io_ring_buffer_select` in the kernel: the
//! application writes entries at positions from the published tail on,
//! then stores the tail with release ordering; the kernel loads the tail
//! with acquire ordering and reads the entries below it.
#![allow(unsafe_code)]

use crate::order;
use crate::sync::{AtomicU16, UnsafeCell};
use core::ptr::NonNull;
use ring_sys::{io_uring_buf, io_uring_buf_ring};

/// Pointers to a provided-buffer ring's entries and tail.
///
/// Who writes what:
/// - `entries`: the application writes an entry's `addr`, `len` and `bid`
///   before the release store of the tail that covers it; the kernel reads
///   an entry after it acquires such a tail and, with `IOU_PBUF_RING_INC`,
///   also rewrites `addr` and `len` of the entry at its head as it consumes
///   it. Nobody writes an entry's `resv`.
/// - `tail`: the application; the kernel only reads it. On a real ring it
///   is the `resv` field of entry 0, so `tail` points inside `entries[0]`.
#[derive(Debug, Clone, Copy)]
pub struct BufRingPointers {
    /// The entry array.
    pub entries: NonNull<UnsafeCell<io_uring_buf>>,
    /// The shared tail.
    pub tail: NonNull<AtomicU16>,
    /// The number of entries (a power of two, at most
    /// [`MAX_BUF_RING_ENTRIES`](super::MAX_BUF_RING_ENTRIES)).
    pub count: u16,
}

/// The application's side of a provided-buffer ring: a private tail, the
/// entries it writes there, and the store that publishes them.
///
/// Positions are free-running `u16` counters (bug class 2.2): the tail
/// wraps at 65536, which is a multiple of every ring size, so `tail & mask`
/// stays the right slot across the wrap and no position is ever compared
/// with `<`.
#[derive(Debug)]
pub struct BufRingWriter {
    ptr: BufRingPointers,
    /// `count - 1`.
    mask: u16,
    /// The next position to write. Entries in `[published tail, tail)` are
    /// written but not yet visible to the kernel.
    tail: u16,
}

// SAFETY: the writer holds raw pointers into ring memory that is not tied
// to a thread; moving the (single) producer to another thread is sound, and
// the kernel does not care which thread stores the tail.
unsafe impl Send for BufRingWriter {}

impl BufRingWriter {
    /// Builds the writer over the given entries and tail, starting at
    /// position `tail`, which must be the tail last published (a loom model
    /// may start it anywhere, for example at `u16::MAX`, to cross the wrap).
    ///
    /// # Safety
    ///
    /// `ptr.entries` must point to `ptr.count` entry cells and `ptr.tail`
    /// to the tail word, all live for as long as the writer is used;
    /// `ptr.count` must be a power of two and not 0. The writer must be
    /// the only producer: nothing else writes the tail or the entries from
    /// the published tail on. Where the tail overlays entry 0 (a real
    /// ring), it must be exactly that entry's `resv` field.
    pub unsafe fn new(ptr: BufRingPointers, tail: u16) -> BufRingWriter {
        BufRingWriter { ptr, mask: ptr.count.wrapping_sub(1), tail }
    }

    /// Builds the writer over a real ring's memory, `count` entries at
    /// `ring`, whose tail is the `resv` field of entry 0
    /// ([`io_uring_buf_ring::tail_ptr`]). Not for `--cfg ring_loom`
    /// builds, whose cells and atomics cannot overlay plain memory; loom
    /// models use [`new`](Self::new).
    ///
    /// # Safety
    ///
    /// `ring` must be the start of `count * 16` bytes of ring memory (a
    /// power of two of entries, not 0), aligned to 16 bytes, live for as
    /// long as the writer is used, whose tail field holds `tail`; this
    /// writer must be its only producer, and the tail must only ever be
    /// accessed atomically on the application's side.
    pub unsafe fn over_ring(ring: NonNull<io_uring_buf_ring>, count: u16, tail: u16) -> BufRingWriter {
        let tail_ptr = io_uring_buf_ring::tail_ptr(ring.as_ptr());
        let ptr = BufRingPointers {
            // `UnsafeCell` is `repr(transparent)` over the entry outside
            // loom builds, so the ring memory is an array of cells.
            entries: ring.cast(),
            // SAFETY: byte 14 of a non-null ring pointer is non-null
            // (the ring spans at least one 16-byte entry).
            tail: unsafe { NonNull::new_unchecked(tail_ptr.cast::<AtomicU16>()) },
            count,
        };
        // SAFETY: the entries and the tail are live ring memory per this
        // function's contract; the tail is 2-aligned (byte 14 of 16-aligned
        // memory) and has the size and layout of an `AtomicU16`.
        unsafe { BufRingWriter::new(ptr, tail) }
    }

    /// The private tail: the position the next entry is written at.
    #[inline]
    pub fn tail(&self) -> u16 {
        self.tail
    }

    /// The number of entries of the ring.
    #[inline]
    pub fn capacity(&self) -> u16 {
        self.ptr.count
    }

    #[inline(always)]
    fn tail_word(&self) -> &AtomicU16 {
        // SAFETY: the tail word outlives the writer (contract of `new`).
        unsafe { self.ptr.tail.as_ref() }
    }

    /// Writes an entry for buffer `bid` (`len` bytes at `addr`) at the
    /// private tail and advances it. The kernel does not see it until
    /// [`publish`](Self::publish).
    ///
    /// Only the entry's `addr`, `len` and `bid` are written, one field at a
    /// time through raw pointers: the `resv` field of entry 0 is the tail
    /// on a real ring, which the kernel may be reading, so no write and no
    /// plain reference may cover it.
    ///
    /// # Safety
    ///
    /// The ring must have room: fewer than `capacity` entries written and
    /// not yet consumed by the kernel before this one, so the slot written
    /// is not one the kernel may still read. Once published, the kernel
    /// may write `len` bytes at `addr` until the completion that reports
    /// `bid` (or, for incremental rings, the last one for it), so that
    /// memory must stay valid and otherwise unused until then.
    #[inline]
    pub unsafe fn write_entry(&mut self, addr: u64, len: u32, bid: u16) {
        let slot = usize::from(self.tail & self.mask);
        // `with_mut` hands out a raw pointer; the `&UnsafeCell` behind it allows the kernel's reads of entry 0's `resv`
        // (the tail), and only the three field places are formed from it, so nothing writes `resv` or claims exclusive
        // access to it. The stores are volatile because the memory is shared with the kernel; the tail's release store
        // orders them.
        // SAFETY: `slot < count`, so the cell is one of the ring's entries (contract of `new`); by this function's
        // contract the kernel does not read it: it lies at or past the published tail, and the ring has room.
        unsafe {
            (*self.ptr.entries.as_ptr().add(slot)).with_mut(|e| {
                (&raw mut (*e).addr).write_volatile(addr);
                (&raw mut (*e).len).write_volatile(len);
                (&raw mut (*e).bid).write_volatile(bid);
            });
        }
        self.tail = self.tail.wrapping_add(1);
    }

    /// Publishes every entry written since the last publish by storing the
    /// private tail in the shared one.
    ///
    /// Release ([`order::BUF_RING_TAIL_STORE`]): pairs with the kernel's
    /// `smp_load_acquire` of the tail in `io_ring_buffer_select`, so the
    /// entries written before are visible to the kernel before the tail
    /// that covers them (bug class 1.6).
    #[inline]
    pub fn publish(&self) {
        self.tail_word().store(self.tail, order::BUF_RING_TAIL_STORE);
    }
}
