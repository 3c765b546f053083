//! Provided-buffer rings: `IORING_REGISTER_PBUF_RING` (22),
//! `IORING_UNREGISTER_PBUF_RING` (23) and `IORING_REGISTER_PBUF_STATUS`
//! (26).
//!
//! A provided-buffer ring is a third ring shared with the kernel, next to
//! the SQ and CQ: an array of [`io_uring_buf`] entries (address, length,
//! buffer id) that the application fills and publishes by storing a `u16`
//! tail, and that the kernel consumes from its private head. A request
//! submitted with `IOSQE_BUFFER_SELECT` and a buffer group (`sqe.buf_group`)
//! takes the next buffer of that group only when it has data to put in it,
//! and its completion reports the buffer id (`IORING_CQE_F_BUFFER`, id in
//! the upper 16 bits of `cqe.flags`). With incremental consumption
//! (`IOU_PBUF_RING_INC`, 6.12) one buffer serves several completions, each
//! continuing where the previous one stopped, flagged
//! `IORING_CQE_F_BUF_MORE` while the kernel keeps the buffer.
//!
//! Sharing rules, after `io_ring_buffer_select` and `io_kbuf_inc_commit`
//! in the kernel:
//! - the application writes entries at positions from the published tail
//!   on, then stores the tail with release ordering;
//! - the kernel loads the tail with acquire ordering, reads the entry at its
//!   head and advances the head privately (there is no shared head word;
//!   `IORING_REGISTER_PBUF_STATUS` reports it);
//! - with `IOU_PBUF_RING_INC` the kernel also writes the address and length
//!   of the entry at its head as it consumes it.
//!
//! The tail is the `resv` field of entry 0: the application must never
//! write that field as part of an entry. The entries and the tail are
//! written only by [`BufRingWriter`](super::BufRingWriter), the part of the
//! protocol that the loom models check.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::raw::memory::AnonMap;
use crate::raw::register::buf_ring_writer::BufRingWriter;
use crate::raw::ring_id::RingId;
use core::ptr::NonNull;
use ring_sys::*;

mod registration;

/// The most entries a provided-buffer ring can have: the kernel refuses
/// 65536 and more, since a `u16` head and tail could not tell a full ring
/// from an empty one, and the count must be a power of two.
pub const MAX_BUF_RING_ENTRIES: u16 = 1 << 15;

/// The largest group id a kernel-allocated buffer ring can have (2047):
/// the ring is mapped at `IORING_OFF_PBUF_RING | bgid << 16`, and the
/// kernel reads the group id from the offset's bits below
/// `IORING_OFF_MMAP_MASK`, eleven of them. Rings in user memory take any
/// `u16` group id.
pub const MAX_MAPPED_BGID: u16 = ((!IORING_OFF_MMAP_MASK & 0xffff_ffff) >> IORING_OFF_PBUF_SHIFT) as u16;

const _: () = assert!(MAX_MAPPED_BGID == 2047);

/// How to build a [`BufRing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufRingConfig {
    /// The buffer group id requests name in `sqe.buf_group`.
    pub bgid: u16,
    /// The number of ring entries: a power of two, at most
    /// [`MAX_BUF_RING_ENTRIES`].
    pub entries: u16,
    /// How many buffers the [`BufRing`] allocates and owns (ids
    /// `0..buf_count`), at most `entries`; 0 for a ring fed only with
    /// [`BufRing::push_raw`].
    pub buf_count: u16,
    /// The length of each owned buffer in bytes.
    pub buf_len: u32,
    /// Consume buffers incrementally (`IOU_PBUF_RING_INC`, Linux 6.12).
    pub incremental: bool,
    /// Let the kernel allocate the ring memory, which the application then
    /// maps (`IOU_PBUF_RING_MMAP`, Linux 6.4), instead of providing it.
    pub kernel_mapped: bool,
}

impl BufRingConfig {
    /// A ring of `entries` entries for group `bgid`, with no owned buffers.
    pub fn new(bgid: u16, entries: u16) -> Self {
        BufRingConfig { bgid, entries, buf_count: 0, buf_len: 0, incremental: false, kernel_mapped: false }
    }

    /// With `count` owned buffers of `len` bytes each.
    pub fn buffers(mut self, count: u16, len: u32) -> Self {
        self.buf_count = count;
        self.buf_len = len;
        self
    }

    /// With incremental consumption (`IOU_PBUF_RING_INC`).
    pub fn incremental(mut self) -> Self {
        self.incremental = true;
        self
    }

    /// With ring memory the kernel allocates (`IOU_PBUF_RING_MMAP`). The
    /// group id must then be at most [`MAX_MAPPED_BGID`] (2047), the
    /// largest the mapping offset can carry; registering a larger one is
    /// refused with [`Error::TooLong`].
    pub fn kernel_mapped(mut self) -> Self {
        self.kernel_mapped = true;
        self
    }

    /// The `IOU_PBUF_RING_*` flags.
    pub fn flags(&self) -> u16 {
        (if self.incremental { IOU_PBUF_RING_INC } else { 0 })
            | (if self.kernel_mapped { IOU_PBUF_RING_MMAP } else { 0 })
    }
}

/// Who provides the ring memory.
#[derive(Debug)]
enum RingMem {
    /// Memory this ring mapped and registered (the kernel pins it).
    User(AnonMap),
    /// The kernel's memory, mapped from the ring descriptor; unmapped with
    /// the [`Kernel`](crate::kernel::Kernel) that mapped it.
    Kernel { ptr: NonNull<u8>, len: usize },
}

/// A provided-buffer ring registered with a [`Ring`](crate::raw::ring::Ring), owning its ring
/// memory and its buffers.
///
/// Created by [`Ring::register_buf_ring`](crate::raw::ring::Ring::register_buf_ring), released by
/// [`Ring::unregister_buf_ring`](crate::raw::ring::Ring::unregister_buf_ring). The buffers are handed to the kernel with
/// [`push`](Self::push) and [`publish`](Self::publish) (or
/// [`recycle`](Self::recycle), which does both) and taken back, once a
/// completion reported them, with [`take`](Self::take).
///
/// # Lifetime
///
/// Only [`Ring::unregister_buf_ring`](crate::raw::ring::Ring::unregister_buf_ring) frees the memory, after the kernel
/// has confirmed the unregistration. **Dropping a `BufRing` that is still
/// registered leaks its ring and its buffers**: the kernel may still hand
/// them to requests, and the ring is not reachable from here to unregister
/// them. Leaking is always sound; freeing might not be. If the ring is
/// dropped first, the kernel drops the registration with it and the
/// `BufRing` can only be leaked.
///
/// Requests that have already taken a buffer write into it until they
/// complete, even after the group is unregistered. Pushing an SQE with
/// `IOSQE_BUFFER_SELECT` is `unsafe` ([`crate::SubmissionQueue::push`]),
/// and its contract includes keeping the group's buffers valid: do not pass
/// the `BufRing` to `unregister_buf_ring` while such a request is in flight.
#[derive(Debug)]
pub struct BufRing {
    /// The ring memory; `None` only while `unregister_buf_ring` frees it.
    ring: Option<RingMem>,
    /// Writes entries into the ring memory and publishes its tail.
    writer: BufRingWriter,
    bufs: Option<AnonMap>,
    buf_len: u32,
    buf_count: u16,
    entries: u16,
    bgid: u16,
    flags: u16,
    /// Whether each owned buffer is with the kernel (pushed and not taken
    /// back), one bit per buffer id.
    with_kernel: Vec<u64>,
    /// The ring this group belongs to (an identity no other ring ever has,
    /// unlike its descriptor number or registered index, which are reused).
    owner: RingId,
}

// SAFETY: the BufRing is the only owner of its memory; moving it to another
// thread moves that ownership. The kernel side does not care which thread
// writes the tail.
unsafe impl Send for BufRing {}

impl BufRing {
    /// The buffer group id.
    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    /// The ring the group is registered with.
    pub fn ring_id(&self) -> RingId {
        self.owner
    }

    /// The number of ring entries.
    pub fn entries(&self) -> u16 {
        self.entries
    }

    /// The number of owned buffers (ids `0..buf_count`).
    pub fn buf_count(&self) -> u16 {
        self.buf_count
    }

    /// The length of each owned buffer.
    pub fn buf_len(&self) -> u32 {
        self.buf_len
    }

    /// Whether buffers are consumed incrementally (`IOU_PBUF_RING_INC`).
    pub fn is_incremental(&self) -> bool {
        self.flags & IOU_PBUF_RING_INC != 0
    }

    /// Whether owned buffer `bid` is with the kernel (pushed, not taken
    /// back); `false` for ids that are not owned buffers.
    pub fn is_with_kernel(&self, bid: u16) -> bool {
        bid < self.buf_count && self.with_kernel[usize::from(bid / 64)] & (1 << (bid % 64)) != 0
    }

    fn set_with_kernel(&mut self, bid: u16, on: bool) {
        let word = &mut self.with_kernel[usize::from(bid / 64)];
        if on {
            *word |= 1 << (bid % 64);
        } else {
            *word &= !(1 << (bid % 64));
        }
    }

    /// The start of owned buffer `bid`, or `None` if `bid` is not one.
    pub fn buf_ptr(&self, bid: u16) -> Option<NonNull<u8>> {
        let bufs = self.bufs.as_ref()?;
        if bid >= self.buf_count {
            return None;
        }
        let off = usize::from(bid) * self.buf_len as usize;
        // SAFETY: `bid < buf_count`, so the offset lies inside the buffer
        // mapping of `buf_count * buf_len` bytes.
        Some(unsafe { bufs.ptr.add(off) })
    }

    /// Hands owned buffer `bid` to the kernel: writes its entry at the
    /// private tail. It becomes visible at the next [`publish`](Self::publish).
    ///
    /// Fails if `bid` is not an owned buffer or is already with the kernel,
    /// so no buffer is ever in the ring twice.
    pub fn push(&mut self, bid: u16) -> Result<(), crate::error::Error> {
        if bid >= self.buf_count {
            return Err(Error::InvalidArgument("not an owned buffer id of this ring"));
        }
        if self.is_with_kernel(bid) {
            return Err(Error::InvalidArgument("the buffer is already with the kernel"));
        }
        let addr = self.buf_ptr(bid).map_or(0, |p| p.as_ptr() as u64);
        // The ring has room: `bid` is not in it (`with_kernel`), each owned buffer is in it at most once, and raw pushes
        // keep the total at most `entries` by the contract of `push_raw`.
        // SAFETY: room, as just said; the `buf_len` bytes at `addr` are buffer `bid` of the buffer mapping, which is
        // unmapped only after the group is unregistered (or leaked).
        unsafe { self.writer.write_entry(addr, self.buf_len, bid) };
        self.set_with_kernel(bid, true);
        Ok(())
    }

    /// Hands caller memory to the kernel as buffer `bid`: writes its entry
    /// at the private tail, visible at the next [`publish`](Self::publish).
    /// `bid` must not be an owned buffer id (`>= buf_count`).
    ///
    /// # Safety
    ///
    /// `addr` must be valid for writes of `len` bytes, and not read or
    /// written by anything else, from now until the completion that reports
    /// `bid` (for incremental rings: the one without `IORING_CQE_F_BUF_MORE`)
    /// has been reaped, or, if no request takes it, until the group is
    /// unregistered and the requests using it have completed. The ring must
    /// have room: at most `entries` buffers may be in it at once, counting
    /// owned ones.
    pub unsafe fn push_raw(&mut self, bid: u16, addr: NonNull<u8>, len: u32) -> Result<(), crate::error::Error> {
        if bid < self.buf_count {
            return Err(Error::InvalidArgument("raw buffer ids must not overlap the owned ones"));
        }
        // SAFETY: the memory is valid for the kernel's writes, and the ring
        // has room, per this function's contract.
        unsafe { self.writer.write_entry(addr.as_ptr() as u64, len, bid) };
        Ok(())
    }

    /// Publishes every entry written since the last publish by storing the
    /// tail.
    ///
    /// Release ([`crate::order::BUF_RING_TAIL_STORE`]): pairs with the
    /// kernel's `smp_load_acquire` of the tail in `io_ring_buffer_select`,
    /// so the entries written before are visible to the kernel before the
    /// tail that covers them.
    pub fn publish(&mut self) {
        self.writer.publish();
    }

    /// [`push`](Self::push) then [`publish`](Self::publish): gives a buffer
    /// taken back with [`take`](Self::take) to the kernel again.
    pub fn recycle(&mut self, bid: u16) -> Result<(), crate::error::Error> {
        self.push(bid)?;
        self.publish();
        Ok(())
    }

    /// Takes owned buffer `bid` back from the kernel and returns it whole
    /// (the completion's `res` says how many bytes the kernel wrote, from
    /// the start, or from where the previous completion stopped on an
    /// incremental ring).
    ///
    /// # Safety
    ///
    /// A completion of a request that selected from this group reported
    /// `bid` (`IORING_CQE_F_BUFFER`) without `IORING_CQE_F_BUF_MORE`, so the
    /// kernel is done with the buffer, and `take` has not been called for
    /// that completion yet. Calling it for a buffer that is still in the
    /// ring would let the kernel write into memory the returned slice
    /// covers.
    pub unsafe fn take(&mut self, bid: u16) -> Result<&mut [u8], crate::error::Error> {
        if !self.is_with_kernel(bid) {
            return Err(Error::InvalidArgument("the buffer is not with the kernel"));
        }
        self.set_with_kernel(bid, false);
        let ptr = self.buf_ptr(bid).ok_or(Error::InvalidArgument("not an owned buffer id of this ring"))?;
        // SAFETY: the buffer lies inside the owned mapping, and per this
        // function's contract the kernel no longer writes it; `&mut self`
        // keeps it from being pushed again while the slice lives.
        Ok(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), self.buf_len as usize) })
    }

    /// Reads `range` of owned buffer `bid` while the buffer may still be
    /// with the kernel, as on an incremental ring after a completion with
    /// `IORING_CQE_F_BUF_MORE`.
    ///
    /// # Safety
    ///
    /// Completions of this group reported the kernel's writes covering
    /// `range` of buffer `bid` (each consumed part of an incremental buffer
    /// is written once), and the buffer has not been pushed again since, so
    /// the kernel does not write those bytes while the slice lives.
    pub unsafe fn read(&self, bid: u16, range: core::ops::Range<usize>) -> Result<&[u8], crate::error::Error> {
        let ptr = self.buf_ptr(bid).ok_or(Error::InvalidArgument("not an owned buffer id of this ring"))?;
        if range.start > range.end || range.end > self.buf_len as usize {
            return Err(Error::InvalidArgument("range outside the buffer"));
        }
        // SAFETY: the range lies inside the buffer (checked), and per this
        // function's contract nothing writes it while the slice lives.
        Ok(unsafe { core::slice::from_raw_parts(ptr.as_ptr().add(range.start), range.len()) })
    }
}

impl Drop for BufRing {
    /// Leaks the memory of a ring that is still registered (see
    /// [`BufRing`]). The kernel may still hand its buffers to requests,
    /// which write them through their user addresses, so that address range
    /// must never be reused. The ring memory is left mapped with them: the
    /// kernel reaches it through pinned pages, so unmapping it would be
    /// sound, but keeping the group's memory together costs one small
    /// mapping and keeps the rule simple.
    fn drop(&mut self) {
        if let Some(RingMem::User(m)) = self.ring.take() {
            m.leak();
        }
        if let Some(b) = self.bufs.take() {
            b.leak();
        }
    }
}
