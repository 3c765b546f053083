//! The completion queue: where the kernel posts the outcome of each
//! operation and the application reaps it.
//!
//! The CQ is a single-producer (kernel), single-consumer (application)
//! ring with free-running `u32` head and tail, like the SQ. The application
//! copies an entry out of its slot and only then gives the slot back by
//! storing the head with release ordering; no reference into the ring ever
//! escapes this module, so nothing can read a slot after the kernel was
//! allowed to overwrite it (bug class 1.4).
#![allow(unsafe_code)]

use crate::order;
use crate::raw::layout::CqPointers;
use crate::sync::AtomicU32;
use ring_sys::io_uring_cqe;

/// One completion, copied out of the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cqe {
    /// The `user_data` of the SQE this completes.
    pub user_data: u64,
    /// The result: a non-negative value, or `-errno`.
    pub res: i32,
    /// `IORING_CQE_F_*` flags, and the buffer ID in the upper 16 bits with
    /// `IORING_CQE_F_BUFFER`.
    pub flags: u32,
    /// The second 16 bytes of a 32-byte completion (`IORING_SETUP_CQE32`,
    /// or `IORING_CQE_F_32` on a mixed ring); zero otherwise.
    pub big: [u64; 2],
}

impl Cqe {
    /// The result as `Ok(value)` or `Err(errno)`: the kernel's negative
    /// result is negated here, in one place (bug class 3.6).
    #[inline]
    pub fn result(&self) -> Result<u32, ring_sys::Errno> {
        if self.res < 0 {
            Err(ring_sys::Errno::new(-self.res))
        } else {
            Ok(self.res as u32)
        }
    }

    /// `IORING_CQE_F_MORE`: the same request will post more completions.
    #[inline]
    pub fn more(&self) -> bool {
        self.flags & ring_sys::IORING_CQE_F_MORE != 0
    }

    /// `IORING_CQE_F_NOTIF`: a zero-copy send's notification that the
    /// kernel no longer uses the buffer.
    #[inline]
    pub fn notif(&self) -> bool {
        self.flags & ring_sys::IORING_CQE_F_NOTIF != 0
    }

    /// The provided buffer the kernel picked, with `IORING_CQE_F_BUFFER`.
    #[inline]
    pub fn buffer_id(&self) -> Option<u16> {
        if self.flags & ring_sys::IORING_CQE_F_BUFFER != 0 {
            Some((self.flags >> ring_sys::IORING_CQE_BUFFER_SHIFT) as u16)
        } else {
            None
        }
    }
}

/// The application's side of a completion ring.
///
/// ```
/// use ring_core::opcode::Nop;
/// use ring_core::{Cqe, Ring};
///
/// let mut ring = Ring::new(4)?;
/// for i in 0..4u64 {
///     let e = Nop::new().build().user_data(i).into_sqe();
///     // SAFETY: NOPs touch no memory.
///     unsafe { ring.sq().push(&e) }.expect("room");
/// }
/// ring.submit_and_wait(4)?;
/// let cq = ring.cq();
/// assert!(cq.capacity() >= 8);
/// assert_eq!(cq.sync_tail().wrapping_sub(cq.head()), 4);
/// assert_eq!(cq.ready(), 4);
/// let first: Cqe = cq.pop().expect("a completion");
/// assert_eq!(first.result(), Ok(0));
/// assert!(!first.more() && !first.notif() && first.buffer_id().is_none());
/// // Up to what is ready, one call each: `for_each` stops at what it saw,
/// // `drain` also takes what arrives meanwhile.
/// let mut seen = Vec::new();
/// assert_eq!(cq.for_each(|c| seen.push(c.user_data)), 3);
/// assert_eq!(seen, [1, 2, 3]);
/// assert_eq!(cq.drain(|_| {}), 0);
/// assert_eq!(cq.overflow(), 0);
/// // With an eventfd registered, its signalling can be switched off (5.8).
/// let was_on = cq.set_eventfd_enabled(false);
/// cq.set_eventfd_enabled(was_on);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CompletionQueue {
    ptr: CqPointers,
    /// Our head: only we write the shared head, so this is always equal to it.
    head: u32,
    /// The most recent tail we loaded with acquire.
    cached_tail: u32,
    /// `entries - 1`.
    mask: u32,
    /// log2 of 16-byte units per entry: 1 with `IORING_SETUP_CQE32`.
    unit_shift: u32,
    /// `IORING_SETUP_CQE_MIXED`: 16- and 32-byte entries share the ring.
    mixed: bool,
}

// SAFETY: raw pointers into ring memory that is not tied to a thread;
// moving the (single) consumer to another thread is sound.
unsafe impl Send for CompletionQueue {}

impl CompletionQueue {
    /// Builds the queue over the given ring memory, starting at the current
    /// shared head.
    ///
    /// # Safety
    ///
    /// `ptr` must describe live ring memory that stays valid for the life of
    /// the queue, and this queue must be the only consumer of the ring.
    pub unsafe fn new(ptr: CqPointers, cqe32: bool, mixed: bool) -> Self {
        // SAFETY: live ring words per this function's contract.
        let head = unsafe { ptr.head.as_ref() }.load(order::CQ_HEAD_LOAD);
        CompletionQueue { ptr, head, cached_tail: head, mask: ptr.entries - 1, unit_shift: u32::from(cqe32), mixed }
    }

    #[inline(always)]
    fn tail_word(&self) -> &AtomicU32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.tail.as_ref() }
    }

    #[inline(always)]
    fn head_word(&self) -> &AtomicU32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.head.as_ref() }
    }

    /// The ring's number of entries.
    #[inline]
    pub fn capacity(&self) -> u32 {
        self.ptr.entries
    }

    /// Reloads the kernel's tail.
    ///
    /// Acquire ([`order::CQ_TAIL_LOAD`]): pairs with the kernel's
    /// `smp_store_release` of the tail, so every entry in `[head, tail)` is
    /// fully written before we read it (bug class 1.5).
    #[inline(always)]
    pub fn sync_tail(&mut self) -> u32 {
        self.cached_tail = self.tail_word().load(order::CQ_TAIL_LOAD);
        self.cached_tail
    }

    /// Completions ready to reap (reloads the tail).
    #[inline]
    pub fn ready(&mut self) -> u32 {
        self.sync_tail().wrapping_sub(self.head)
    }

    /// Reads the 16-byte unit `unit`.
    ///
    /// # Safety
    ///
    /// `unit` must be in the CQE array and inside `[head, tail)` for an
    /// acquired tail, so the kernel has finished writing it and will not
    /// write it again before we store a head past it.
    #[inline(always)]
    unsafe fn read_unit(&self, unit: u32) -> io_uring_cqe {
        // SAFETY: per this function's contract.
        unsafe { (*self.ptr.cqes.as_ptr().add(unit as usize)).with(|p| p.read()) }
    }

    /// Reads the 16-byte unit `unit` as the two `u64`s of a big CQE's tail.
    ///
    /// # Safety
    ///
    /// As for [`read_unit`](Self::read_unit).
    #[inline(always)]
    unsafe fn read_big(&self, unit: u32) -> [u64; 2] {
        // SAFETY: per this function's contract; a 16-byte, 8-aligned unit
        // holds two `u64`s and every bit pattern is valid for them.
        unsafe { (*self.ptr.cqes.as_ptr().add(unit as usize)).with(|p| p.cast::<[u64; 2]>().read()) }
    }

    /// Gives slots up to `head` back to the kernel.
    ///
    /// Release ([`order::CQ_HEAD_STORE`]): every read of an entry before
    /// this store happens before the kernel may overwrite its slot.
    #[inline(always)]
    fn release_to(&mut self, head: u32) {
        self.head = head;
        self.head_word().store(head, order::CQ_HEAD_STORE);
    }

    /// Takes the next completion, if any, copying it out of the ring and
    /// then giving its slot back. Filler entries of a mixed ring
    /// (`IORING_CQE_F_SKIP`) are skipped.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Cqe> {
        loop {
            if self.head == self.cached_tail && self.sync_tail() == self.head {
                return None;
            }
            let pos = self.head & self.mask;
            // SAFETY: `head != tail` for an acquired tail, so the entry at
            // `head` is complete; `pos << shift` (and `+ 1` for a big entry)
            // is inside the array of `entries << shift` units.
            let cqe = unsafe { self.read_unit(pos << self.unit_shift) };
            let mut big = [0u64; 2];
            let mut units = 1;
            if self.unit_shift == 1 {
                // SAFETY: as above; the second half of a 32-byte slot.
                big = unsafe { self.read_big((pos << 1) + 1) };
            } else if self.mixed {
                let is_big = cqe.flags & ring_sys::IORING_CQE_F_32 != 0;
                // The kernel never lets a 32-byte entry straddle the end of
                // the ring (it posts a SKIP filler instead), so the second
                // half is the next unit; checked anyway.
                if is_big && (pos == self.mask || self.cached_tail.wrapping_sub(self.head) < 2) {
                    return None;
                }
                if cqe.flags & ring_sys::IORING_CQE_F_SKIP != 0 {
                    // A filler is skipped whole: the kernel's own are 16
                    // bytes, but one posted through `IORING_OP_MSG_RING`
                    // with `IORING_MSG_RING_FLAGS_PASS` carries the flags it
                    // was given, and with `IORING_CQE_F_32` among them it is
                    // a 32-byte entry whose second half is no completion.
                    self.release_to(self.head.wrapping_add(if is_big { 2 } else { 1 }));
                    continue;
                }
                if is_big {
                    // SAFETY: `pos + 1 <= mask` and inside `[head, tail)`.
                    big = unsafe { self.read_big(pos + 1) };
                    units = 2;
                }
            }
            self.release_to(self.head.wrapping_add(units));
            return Some(Cqe { user_data: cqe.user_data, res: cqe.res, flags: cqe.flags, big });
        }
    }

    /// Hands every completion ready now (as of one acquire load of the
    /// tail) to `f`, in order, giving each slot back to the kernel *before*
    /// `f` sees the entry (it was copied out first). Unlike
    /// [`drain`](Self::drain), which gives the whole run back at the end, a
    /// panicking `f` therefore neither loses the entries after it (they stay
    /// in the ring for the next call) nor sees the ones before it again.
    /// That makes it the reaping loop for callers whose `f` runs foreign
    /// code, such as the driver's dispatch. Returns the number handed out.
    #[inline(always)]
    pub fn for_each(&mut self, mut f: impl FnMut(Cqe)) -> u32 {
        let mut n = 0;
        if self.unit_shift == 1 || self.mixed {
            while let Some(cqe) = self.pop() {
                n += 1;
                f(cqe);
            }
            return n;
        }
        let tail = self.sync_tail();
        while self.head != tail {
            // SAFETY: `head` is in `[self.head, tail)` for an acquired tail:
            // the kernel finished writing the entry, and it is not ours to
            // overwrite until the head store below.
            let cqe = unsafe { self.read_unit(self.head & self.mask) };
            self.release_to(self.head.wrapping_add(1));
            n += 1;
            f(Cqe { user_data: cqe.user_data, res: cqe.res, flags: cqe.flags, big: [0; 2] });
        }
        n
    }

    /// Calls `f` on every completion ready now and returns how many there
    /// were, storing the head once at the end (cheaper than [`pop`](Self::pop)
    /// in a loop when completions arrive in batches).
    #[inline]
    pub fn drain(&mut self, mut f: impl FnMut(Cqe)) -> u32 {
        if self.unit_shift == 1 || self.mixed {
            let mut n = 0;
            while let Some(cqe) = self.pop() {
                f(cqe);
                n += 1;
            }
            return n;
        }
        let tail = self.sync_tail();
        let n = tail.wrapping_sub(self.head);
        if n == 0 {
            return 0;
        }
        if n < 4 {
            // A few entries: the masked loop, whose setup is cheaper than
            // the runs' below.
            let mut head = self.head;
            while head != tail {
                // SAFETY: `head` is in `[self.head, tail)` for an acquired
                // tail, and no head past it has been stored yet.
                let cqe = unsafe { self.read_unit(head & self.mask) };
                head = head.wrapping_add(1);
                f(Cqe { user_data: cqe.user_data, res: cqe.res, flags: cqe.flags, big: [0; 2] });
            }
            self.release_to(tail);
            return n;
        }
        // The ready entries as at most two contiguous runs of the array (the
        // second when they wrap past its end), so the loops walk a pointer
        // instead of masking every position.
        let start = self.head & self.mask;
        let first = n.min(self.ptr.entries - start);
        // SAFETY: the runs `[start, start + first)` and `[0, n - first)` are inside the array (`start + first <=
        // entries`, `n <= entries`) and hold exactly the slots of the positions in `[self.head, tail)` for an acquired
        // tail; no head past them has been stored yet.
        unsafe { self.read_run(start, first, &mut f) };
        if first != n {
            // SAFETY: as above, the wrapped part.
            unsafe { self.read_run(0, n - first, &mut f) };
        }
        self.release_to(tail);
        n
    }

    /// Calls `f` on the 16-byte entries in units `[from, from + len)`.
    ///
    /// # Safety
    ///
    /// Every unit in the range must satisfy [`read_unit`](Self::read_unit)'s
    /// contract.
    #[inline(always)]
    unsafe fn read_run(&self, from: u32, len: u32, f: &mut impl FnMut(Cqe)) {
        for unit in from..from + len {
            // SAFETY: per this function's contract.
            let cqe = unsafe { self.read_unit(unit) };
            f(Cqe { user_data: cqe.user_data, res: cqe.res, flags: cqe.flags, big: [0; 2] });
        }
    }

    /// How many completions the kernel had to drop or park because the CQ
    /// was full.
    pub fn overflow(&self) -> u32 {
        // SAFETY: ring memory outlives the queue (contract of `new`).
        unsafe { self.ptr.overflow.as_ref() }.load(order::COUNTER_LOAD)
    }

    /// Turns eventfd notifications for this ring on or off
    /// (`IORING_CQ_EVENTFD_DISABLED`). Returns false on kernels without CQ
    /// ring flags (before 5.8).
    pub fn set_eventfd_enabled(&self, enabled: bool) -> bool {
        let Some(flags) = self.ptr.flags else {
            return false;
        };
        // SAFETY: ring memory outlives the queue (contract of `new`).
        let flags = unsafe { flags.as_ref() };
        if enabled {
            flags.fetch_and(!ring_sys::IORING_CQ_EVENTFD_DISABLED, order::CQ_FLAGS_RMW);
        } else {
            flags.fetch_or(ring_sys::IORING_CQ_EVENTFD_DISABLED, order::CQ_FLAGS_RMW);
        }
        true
    }

    /// The current head (equal to the shared head).
    #[inline]
    pub fn head(&self) -> u32 {
        self.head
    }
}

/// Copies the outstanding 32-byte CQEs again, whole, from the CQ of a ring
/// before a resize to the CQ after it: kernels without a later upstream fix
/// copy only the first 16 bytes of each (see [`crate::raw::register`]'s
/// resize). Every entry is copied one 16-byte unit at a time through the
/// `sync` cells, like every other access to the entries, so the loom model
/// of a resize runs this code.
///
/// # Safety
///
/// Both pointers describe live CQs of a ring set up with
/// `IORING_SETUP_CQE32` (two 16-byte units per slot), in distinct memory,
/// that nothing else accesses during the call; `new` holds the head and
/// tail the kernel carried over.
#[doc(hidden)]
pub unsafe fn recopy_big_cqes(old: &CqPointers, new: &CqPointers) {
    // SAFETY: live ring words per this function's contract.
    let (head, tail) =
        unsafe { (new.head.as_ref().load(order::CQ_HEAD_LOAD), new.tail.as_ref().load(order::CQ_TAIL_LOAD)) };
    let mut pos = head;
    while pos != tail {
        let from = ((pos & (old.entries - 1)) as usize) << 1;
        let to = ((pos & (new.entries - 1)) as usize) << 1;
        for unit in 0..2 {
            // SAFETY: both units are inside their CQE arrays (`entries`
            // slots of two 16-byte units each), the arrays are distinct
            // mappings, and nothing else accesses them now.
            unsafe {
                let v = (*old.cqes.as_ptr().add(from + unit)).with(|p| p.read());
                (*new.cqes.as_ptr().add(to + unit)).with_mut(|p| p.write(v));
            }
        }
        pos = pos.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::Cqe;
    use ring_sys::*;

    #[test]
    fn cqe_helpers_decode_the_kernel_fields() {
        let c =
            Cqe { user_data: 1, res: 7, flags: IORING_CQE_F_BUFFER | (513 << IORING_CQE_BUFFER_SHIFT), big: [0; 2] };
        assert_eq!(c.buffer_id(), Some(513));
        assert_eq!(c.result().unwrap(), 7);
        assert!(!c.more() && !c.notif());
        let c = Cqe { flags: 513 << IORING_CQE_BUFFER_SHIFT, ..c };
        assert_eq!(c.buffer_id(), None, "no IORING_CQE_F_BUFFER, no buffer");
        let c = Cqe { res: -libc::ECANCELED, flags: IORING_CQE_F_MORE | IORING_CQE_F_NOTIF, ..c };
        assert_eq!(c.result().unwrap_err().raw(), libc::ECANCELED, "the errno is negated once");
        assert!(c.more() && c.notif());
        let c = Cqe { res: 0, ..c };
        assert_eq!(c.result().unwrap(), 0, "zero is a result, not an error");
    }
}
