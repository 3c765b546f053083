//! Provided-buffer rings (`IORING_REGISTER_PBUF_RING`): registration, and
//! the kernel's side of buffer selection for `IORING_OP_READ` with
//! `IOSQE_BUFFER_SELECT` and `IORING_OP_READ_MULTISHOT`.
//!
//! Only rings in application memory are modelled (not `IOU_PBUF_RING_MMAP`,
//! nor incremental consumption, `IOU_PBUF_RING_INC`, both refused with
//! `EINVAL`). As in `io_ring_buffer_select`, the simulator loads the
//! ring's `u16` tail (entry 0's `resv`) with acquire ordering, reads the
//! entry at its private head, and moves the head on (commits the buffer)
//! when a request takes it. A request takes its buffer when it becomes
//! active (a multishot read takes the next one after each completion), as a
//! read punted to an io-wq worker does, and holds it until it writes it:
//! the window in which a pool freed too early would leave the kernel
//! holding the address of unmapped memory.
//!
//! The application unregisters a group before freeing its memory (a
//! `BufRing` still registered is leaked, never freed), so a request that
//! writes a buffer of a group unregistered since it took the buffer is
//! writing memory that may be gone: that is recorded as a violation and
//! the write is skipped. A buffer lies in memory the application mapped,
//! which the tracking allocator does not know; a buffer the tracker knows
//! as freed is a violation too.

use super::request::{Selected, Who};
use super::state::{PBuf, SimState};
use super::user::mapped_ptr;
use crate::alloc::{self, Lookup};
use core::ffi::c_void;
use core::sync::atomic::{AtomicU16, Ordering};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimState {
    /// Reads the argument of a (un)registration.
    fn buf_reg(arg: *const c_void, nr_args: u32) -> Result<io_uring_buf_reg, i32> {
        if arg.is_null() || nr_args != 1 {
            return Err(libc::EINVAL);
        }
        // SAFETY: the caller passes an `io_uring_buf_reg` for the call's
        // duration (the contract of `Kernel::register`).
        let reg = unsafe { arg.cast::<io_uring_buf_reg>().read_unaligned() };
        if reg.resv.iter().any(|&r| r != 0) {
            return Err(libc::EINVAL);
        }
        Ok(reg)
    }

    /// `IORING_REGISTER_PBUF_RING`.
    pub(crate) fn register_pbuf(&mut self, ring: RawFd, arg: *const c_void, nr_args: u32) -> Result<u32, i32> {
        let reg = Self::buf_reg(arg, nr_args)?;
        if reg.flags != 0 || reg.min_left != 0 {
            // Kernel-allocated and incremental rings are not modelled.
            return Err(libc::EINVAL);
        }
        if !reg.ring_entries.is_power_of_two() || reg.ring_entries > 32768 {
            return Err(libc::EINVAL);
        }
        if reg.ring_addr == 0 || reg.ring_addr % 4096 != 0 {
            return Err(libc::EFAULT);
        }
        if self.pbufs.contains_key(&(ring, reg.bgid)) {
            return Err(libc::EEXIST);
        }
        self.pbuf_epoch += 1;
        let p = PBuf { addr: reg.ring_addr, entries: reg.ring_entries, head: 0, epoch: self.pbuf_epoch };
        self.pbufs.insert((ring, reg.bgid), p);
        Ok(0)
    }

    /// `IORING_UNREGISTER_PBUF_RING`.
    pub(crate) fn unregister_pbuf(&mut self, ring: RawFd, arg: *const c_void, nr_args: u32) -> Result<u32, i32> {
        let reg = Self::buf_reg(arg, nr_args)?;
        if reg.ring_addr != 0 || reg.ring_entries != 0 || reg.flags != 0 {
            return Err(libc::EINVAL);
        }
        self.pbufs.remove(&(ring, reg.bgid)).map(|_| 0).ok_or(libc::ENOENT)
    }

    /// Takes the next buffer of `group` (`io_ring_buffer_select`, with the
    /// head committed at once), or `None` if the ring is empty or the group
    /// is not registered.
    pub(crate) fn select_buffer(&mut self, ring: RawFd, group: u16) -> Option<Selected> {
        let pb = self.pbufs.get_mut(&(ring, group))?;
        let tail_at = mapped_ptr(pb.addr + 14)?;
        // SAFETY: the application registered `entries` entries of ring
        // memory at `addr`, 4096-aligned (checked at registration), and
        // keeps them mapped while the group is registered (it unregisters
        // before it frees); the tail is entry 0's `resv`, a 2-aligned
        // `u16` that the application stores atomically.
        let tail = unsafe { (*tail_at.cast::<AtomicU16>()).load(Ordering::Acquire) };
        if tail == pb.head {
            return None;
        }
        let slot = u64::from(pb.head) & u64::from(pb.entries - 1);
        let entry = mapped_ptr(pb.addr + slot * 16)?.cast::<io_uring_buf>();
        // SAFETY: `slot < entries`, so the entry is inside the ring memory;
        // it lies below the acquired tail, so the application wrote it
        // before its release store of the tail. Only the three fields are
        // read, never entry 0's `resv` (the tail) non-atomically.
        let (addr, len, bid) = unsafe {
            (
                (&raw const (*entry).addr).read_volatile(),
                (&raw const (*entry).len).read_volatile(),
                (&raw const (*entry).bid).read_volatile(),
            )
        };
        pb.head = pb.head.wrapping_add(1);
        Some(Selected { group, epoch: pb.epoch, addr, len, bid })
    }

    /// Writes `data` (at most the buffer's length of it) into a buffer a
    /// request took, and returns how many bytes were written; `-EFAULT`,
    /// with a violation recorded, if the buffer's group was unregistered
    /// since it was taken or the tracker knows the memory as freed.
    pub(crate) fn write_selected(&mut self, who: Who, ring: RawFd, sel: Selected, data: &[u8]) -> Result<usize, i32> {
        let n = data.len().min(sel.len as usize);
        let registered = self.pbufs.get(&(ring, sel.group)).is_some_and(|p| p.epoch == sel.epoch);
        if !registered {
            if self.rings.get(&ring).is_some_and(|r| r.closed) {
                // The ring is gone; a real kernel cancelled the request.
                return Err(-libc::ECANCELED);
            }
            self.violations.push(format!(
                "user_data={:#x} op={}: provided buffer {} of group {} [{:#x}, +{n}) written after the group was \
                 unregistered (its memory may be freed)",
                who.user_data,
                who.opcode_name(),
                sel.bid,
                sel.group,
                sel.addr
            ));
            return Err(-libc::EFAULT);
        }
        if n == 0 {
            return Ok(0);
        }
        if matches!(alloc::lookup(sel.addr as usize, n), Lookup::Freed) {
            self.violations.push(format!(
                "user_data={:#x}: provided buffer {} [{:#x}, +{n}) lies in freed memory",
                who.user_data, sel.bid, sel.addr
            ));
            return Err(-libc::EFAULT);
        }
        let Some(p) = mapped_ptr(sel.addr) else {
            self.violations.push("provided buffers cannot be reached without exposed provenance".into());
            return Err(-libc::EFAULT);
        };
        // SAFETY: the group is still registered, so the application keeps
        // the buffer's memory mapped, and the buffer was taken from the ring
        // by this request: nothing else writes it, and the application
        // reads it only after the completion that reports it.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), p, n) };
        Ok(n)
    }
}
