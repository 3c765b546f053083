//! The simulated kernel behind the `ring_core::Kernel` seam: the four
//! system calls and the ring's memory, forwarded to the simulator.

use super::SimKernel;
use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_sys::*;
use std::os::fd::RawFd;

// SAFETY: setup reports `mem::RingMem`'s offsets, inside the regions `map` returns (with or without SINGLE_MMAP), with io_uring's
// sizes; a region stays allocated until the ring is closed and unmapped; shared words use the kernel's orderings (`state.rs`,
// `mem.rs`); user memory is touched only as the real operations would, after the tracking allocator vouches for it.
unsafe impl ring_core::Kernel for SimKernel {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        self.setup_inner(entries, params).map_err(Errno::new)
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { self.enter_inner(fd, to_submit, min_complete, flags, arg, argsz) }.map_err(Errno::new)
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        self.register_inner(fd, opcode, arg, nr_args).map_err(Errno::new)
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        let mut st = self.lock();
        let r = st.rings.get_mut(&fd).filter(|r| !r.closed).ok_or(Errno::new(libc::EBADF))?;
        let m = r.mem.as_ref().ok_or(Errno::new(libc::EBADF))?;
        let region = match offset {
            IORING_OFF_SQ_RING | IORING_OFF_CQ_RING => &m.rings,
            IORING_OFF_SQES => &m.sqes,
            _ => return Err(Errno::new(libc::EINVAL)),
        };
        if len == 0 || len > region.len() {
            return Err(Errno::new(libc::EINVAL));
        }
        let base = region.base;
        r.maps += 1;
        Ok(base)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, _len: usize) {
        let mut st = self.lock();
        let found = st
            .rings
            .values_mut()
            .find(|r| r.mem.as_ref().is_some_and(|m| m.rings.base == ptr || m.sqes.base == ptr) && r.maps > 0);
        match found {
            Some(r) => {
                r.maps -= 1;
                if r.closed && r.maps == 0 {
                    r.mem = None;
                }
            }
            None => st.violations.push(format!("unmap of {ptr:p}, which is no mapped ring region")),
        }
    }

    fn registered_ring_table(&self) -> u64 {
        self.shared.table_key
    }

    fn close(&self, fd: RawFd) {
        let mut st = self.lock();
        if st.rings.contains_key(&fd) {
            st.close_ring(fd);
            drop(st);
            self.shared.cv.notify_all();
            let handle = {
                let mut threads = self.shared.threads.lock().unwrap_or_else(|e| e.into_inner());
                threads.iter().position(|(r, _)| *r == fd).map(|i| threads.swap_remove(i).1)
            };
            if let Some(h) = handle {
                let _ = h.join();
            }
        } else {
            st.close_obj(fd);
        }
    }
}
