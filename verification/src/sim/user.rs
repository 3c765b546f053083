//! Reaching user memory from the simulated kernel.
//!
//! An SQE carries addresses as integers. Before the simulator reads or
//! writes one, it asks the tracking allocator ([`crate::alloc`]) whether
//! the range lies inside a live allocation. A range that is freed,
//! straddles a block, or lies in memory the tracker never saw is a
//! *violation*: it is recorded and the access is skipped (the operation
//! fails with `-EFAULT`), so a test can assert that the kernel never
//! touched freed memory without crashing first.
//!
//! The access itself goes through a pointer with the provenance the
//! application exposed (the default), or, in tracker mode, the one the
//! tracking allocator recorded (see [`tracker_provenance`]). When the
//! tracker is not installed there is no liveness check.

use super::request::{MemRange, Who};
use super::state::SimState;
use crate::alloc::{self, Lookup};

/// Which provenance the simulator uses to reach user memory.
///
/// The kernel reaches user memory through an address the application
/// turned into an integer (`ptr as u64`, which *exposes* the pointer's
/// provenance). The faithful model of that in Rust's abstract machine is
/// `ptr::with_exposed_provenance`, and it is the default: the access then
/// carries the very permission the application exposed, so Miri's aliasing
/// model (Stacked or Tree Borrows) judges it exactly as it would judge the
/// application's own access through its pointer.
///
/// Under Miri's `-Zmiri-strict-provenance` integers can never become
/// pointers. Setting `VERIFICATION_SIM_PROVENANCE=tracker` (forwarded with
/// `-Zmiri-env-forward`) makes the simulator use the pointer the tracking
/// allocator recorded for the block instead: valid provenance for the
/// allocation, but the allocation's *root* permission, whose use pops the
/// application's derived permissions (a `Box`'s, say) from the borrow
/// stack. That mode therefore runs with the aliasing model off
/// (`scripts/miri.sh` runs both modes).
fn tracker_provenance() -> bool {
    static MODE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MODE.get_or_init(|| std::env::var("VERIFICATION_SIM_PROVENANCE").is_ok_and(|v| v == "tracker"))
}

/// Turns an address the application exposed into a pointer, or `None` in
/// tracker mode, where integers must not become pointers.
fn exposed(addr: u64) -> Option<*mut u8> {
    if tracker_provenance() {
        None
    } else {
        Some(core::ptr::with_exposed_provenance_mut(addr as usize))
    }
}

/// A pointer to memory the application mapped itself (a provided-buffer
/// ring and its buffers), which the tracking allocator does not know, from
/// the address the application exposed; `None` in tracker mode, where
/// integers must not become pointers.
pub(crate) fn mapped_ptr(addr: u64) -> Option<*mut u8> {
    exposed(addr)
}

/// The pointer to use for a range the tracker found live at `tracked`.
fn live_ptr(addr: u64, tracked: *mut u8) -> *mut u8 {
    exposed(addr).unwrap_or(tracked)
}

impl SimState {
    fn violation(&mut self, who: Who, what: &str, addr: u64, len: usize, why: &str) {
        let msg = format!("user_data={:#x} op={}: {what} [{addr:#x}, +{len}) {why}", who.user_data, who.opcode_name());
        self.violations.push(msg);
    }

    /// Checks that `[addr, addr + len)` is live user memory and returns a
    /// pointer to it with the right provenance, or records a violation
    /// and returns `-EFAULT`.
    pub(crate) fn user_ptr(&mut self, who: Who, what: &str, addr: u64, len: usize) -> Result<*mut u8, i32> {
        if len == 0 {
            return Ok(core::ptr::NonNull::dangling().as_ptr());
        }
        if addr == 0 {
            // A null pointer is a clean EFAULT in the real kernel, not an
            // access to someone else's memory.
            return Err(-libc::EFAULT);
        }
        match alloc::lookup(addr as usize, len) {
            Lookup::Live(p) => Ok(live_ptr(addr, p)),
            Lookup::Freed => {
                self.violation(who, what, addr, len, "lies in freed memory");
                Err(-libc::EFAULT)
            }
            Lookup::Unknown => {
                self.violation(who, what, addr, len, "is not inside one live allocation");
                Err(-libc::EFAULT)
            }
            Lookup::Inactive => match exposed(addr) {
                Some(p) => Ok(p),
                None => {
                    self.violation(who, what, addr, len, "cannot be reached: install TrackingAlloc under Miri");
                    Err(-libc::EFAULT)
                }
            },
        }
    }

    /// Records a violation if a range an operation is about to hold is not
    /// live at submission (the application passed a dangling pointer).
    pub(crate) fn check_live(&mut self, who: Who, what: &str, r: MemRange) {
        let _ = self.user_ptr(who, what, r.addr, r.len);
    }

    /// Copies `len` bytes of user memory out.
    pub(crate) fn read_user(&mut self, who: Who, what: &str, addr: u64, len: usize) -> Result<Vec<u8>, i32> {
        let p = self.user_ptr(who, what, addr, len)?;
        let mut v = vec![0u8; len];
        // SAFETY: `p` is valid for `len` bytes of reads (a live allocation
        // per the tracker, or the application's own exposed pointer), and
        // `v` is a fresh buffer of `len` bytes.
        unsafe { core::ptr::copy_nonoverlapping(p, v.as_mut_ptr(), len) };
        Ok(v)
    }

    /// Copies `data` into user memory.
    pub(crate) fn write_user(&mut self, who: Who, what: &str, addr: u64, data: &[u8]) -> Result<(), i32> {
        let p = self.user_ptr(who, what, addr, data.len())?;
        // SAFETY: `p` is valid for `data.len()` bytes of writes (as in
        // `read_user`); the application handed this range to the kernel
        // for writing and does not touch it until the completion.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), p, data.len()) };
        Ok(())
    }

    /// Reads a plain value (a timespec, an iovec) from user memory.
    pub(crate) fn read_value<T: Copy>(&mut self, who: Who, what: &str, addr: u64) -> Result<T, i32> {
        let p = self.user_ptr(who, what, addr, core::mem::size_of::<T>())?;
        // SAFETY: valid for `size_of::<T>()` bytes of reads; `T` is one of
        // the kernel ABI's plain-integer structs, valid for any bytes.
        // The read is unaligned-tolerant.
        Ok(unsafe { p.cast::<T>().read_unaligned() })
    }

    /// Reads a NUL-terminated path (at most 4096 bytes) from user memory.
    pub(crate) fn read_cstr(&mut self, who: Who, addr: u64) -> Result<Vec<u8>, i32> {
        if addr == 0 {
            return Err(-libc::EFAULT);
        }
        let (p, avail) = match alloc::block_from(addr as usize) {
            Some((p, avail)) => (live_ptr(addr, p), avail),
            None if !alloc::is_active() && !cfg!(miri) => (exposed(addr).ok_or(-libc::EFAULT)?, 4096),
            None => {
                let why = match alloc::lookup(addr as usize, 1) {
                    Lookup::Freed => "lies in freed memory",
                    _ => "is not inside one live allocation",
                };
                self.violation(who, "path", addr, 1, why);
                return Err(-libc::EFAULT);
            }
        };
        let mut out = Vec::new();
        for i in 0..avail.min(4096) {
            // SAFETY: `i < avail`, the bytes left in the block (or, without
            // the tracker, within the path length the application promised).
            let b = unsafe { p.add(i).read() };
            if b == 0 {
                return Ok(out);
            }
            out.push(b);
        }
        self.violation(who, "path", addr, avail, "has no NUL terminator inside its allocation");
        Err(-libc::EFAULT)
    }

    /// Reads a system call argument (the timespec of an `EXT_ARG` wait)
    /// that the application passed by address. Stack memory is fine here,
    /// since the call reads it synchronously; under Miri's strict
    /// provenance only tracked memory can be reached, and `None` means the
    /// value could not be read.
    pub(crate) fn read_arg<T: Copy>(&mut self, addr: u64) -> Option<T> {
        let len = core::mem::size_of::<T>();
        let p = match alloc::lookup(addr as usize, len) {
            Lookup::Live(p) => live_ptr(addr, p),
            Lookup::Freed => {
                self.violations.push(format!("io_uring_enter argument [{addr:#x}, +{len}) lies in freed memory"));
                return None;
            }
            Lookup::Unknown | Lookup::Inactive => exposed(addr)?,
        };
        // SAFETY: the application passed this address to the system call
        // as a readable `T` for the duration of the call; `T` is a plain
        // kernel ABI struct.
        Some(unsafe { p.cast::<T>().read_unaligned() })
    }
}
