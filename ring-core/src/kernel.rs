//! The seam between the ring and whatever plays the kernel.
//!
//! Everything ring-core asks of the kernel goes through [`Kernel`]: the
//! three io_uring system calls, and mapping and unmapping the ring memory.
//! [`Linux`] is the real kernel, a zero-sized type whose methods inline to
//! the system-call instructions of `ring_sys::syscall`, so the seam costs
//! nothing. The verification crate's simulated kernel implements the same
//! trait on ordinary memory, and then the same [`crate::Ring`] and the same
//! ownership layer run on top of it unchanged.
//!
//! A kernel of one's own: here one that counts the `io_uring_enter` calls
//! and hands every call on to [`Linux`].
//!
//! ```
//! use ring_core::sys::{io_uring_params, Errno};
//! use ring_core::{Builder, Kernel, Linux};
//! use std::cell::Cell;
//! use std::ffi::{c_uint, c_void};
//! use std::os::fd::RawFd;
//! use std::ptr::NonNull;
//! use std::rc::Rc;
//!
//! #[derive(Clone, Default)]
//! struct Counting(Rc<Cell<u32>>);
//!
//! // SAFETY: every call is Linux's own, unchanged.
//! unsafe impl Kernel for Counting {
//!     fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
//!         Linux.setup(entries, params)
//!     }
//!
//!     unsafe fn enter(
//!         &self,
//!         fd: c_uint,
//!         to_submit: u32,
//!         min_complete: u32,
//!         flags: u32,
//!         arg: *const c_void,
//!         argsz: usize,
//!     ) -> Result<u32, Errno> {
//!         self.0.set(self.0.get() + 1);
//!         // SAFETY: the caller's promise, passed on.
//!         unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
//!     }
//!
//!     unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
//!         // SAFETY: the caller's promise, passed on.
//!         unsafe { Linux.register(fd, opcode, arg, nr_args) }
//!     }
//!
//!     fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
//!         Linux.map(fd, offset, len)
//!     }
//!
//!     unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
//!         // SAFETY: the caller's promise, passed on.
//!         unsafe { Linux.unmap(ptr, len) }
//!     }
//!
//!     fn close(&self, fd: RawFd) {
//!         Linux.close(fd)
//!     }
//!
//!     fn registered_ring_table(&self) -> u64 {
//!         Linux.registered_ring_table()
//!     }
//! }
//!
//! let kernel = Counting::default();
//! let mut ring = Builder::new(4).build_on(kernel.clone())?;
//! let nop = ring_core::opcode::Nop::new().build().user_data(7).into_sqe();
//! // SAFETY: a NOP touches no memory.
//! unsafe { ring.sq().push(&nop) }.expect("room");
//! ring.submit_and_wait(1)?;
//! assert_eq!(ring.cq().pop().map(|c| c.user_data), Some(7));
//! assert!(kernel.0.get() >= 1, "one enter at least");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![allow(unsafe_code)]

use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_sys::{io_uring_params, Errno};
use std::os::fd::RawFd;

/// The kernel's side of io_uring, as ring-core uses it.
///
/// # Safety
///
/// ring-core trusts an implementation the way it trusts Linux:
/// - [`setup`](Kernel::setup) fills `params` with ring offsets that lie
///   inside the regions [`map`](Kernel::map) then returns for them, with the
///   sizes io_uring documents (ring-core checks the offsets against the
///   mapped length, but not, for example, that the SQ and CQ words are
///   distinct).
/// - A region returned by `map` stays valid, readable and writable, and
///   suitably aligned for the ring's atomics and entries, until it is passed
///   to [`unmap`](Kernel::unmap); the implementation accesses the shared
///   words with the orderings io_uring's contract states (see
///   [`crate::order`]).
/// - [`enter`](Kernel::enter) and [`register`](Kernel::register) access
///   user memory only as the real system calls would for the same
///   arguments.
pub unsafe trait Kernel {
    /// `io_uring_setup(2)`: creates a ring and returns its file descriptor.
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno>;

    /// `io_uring_enter(2)` in its six-argument form.
    ///
    /// # Safety
    ///
    /// As for [`ring_sys::syscall::io_uring_enter2`].
    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno>;

    /// `io_uring_register(2)`.
    ///
    /// # Safety
    ///
    /// As for [`ring_sys::syscall::io_uring_register`].
    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno>;

    /// Maps `len` bytes of the ring `fd` at mmap offset `offset`
    /// (`IORING_OFF_SQ_RING`, `IORING_OFF_CQ_RING`, `IORING_OFF_SQES`, or a
    /// provided-buffer ring offset).
    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno>;

    /// Unmaps a region returned by [`map`](Kernel::map).
    ///
    /// # Safety
    ///
    /// `ptr` and `len` must be exactly a region `map` returned, not yet
    /// unmapped, and nothing may use it afterwards.
    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize);

    /// Closes a ring file descriptor returned by [`setup`](Kernel::setup).
    ///
    /// Closing does not retire requests in flight: the kernel may keep
    /// working on them (and on their buffers) after `close` returns.
    fn close(&self, fd: RawFd);

    /// Which registered-ring table (`IORING_REGISTER_RING_FDS`) the rings
    /// of this kernel share on a thread. Linux keeps one table per thread,
    /// so every [`Linux`] value answers the same; a simulated kernel that
    /// keeps tables of its own answers a key no other kernel value uses
    /// while it lives. Ring-core records, per thread and per key, which
    /// ring registered each index (see [`crate::Ring::unregister_ring_fds`]),
    /// so two kernels must share a key only if they share the table.
    fn registered_ring_table(&self) -> u64 {
        0
    }
}

/// The running Linux kernel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Linux;

// SAFETY: these methods are the real system calls; Linux honours the
// io_uring contract the trait states.
unsafe impl Kernel for Linux {
    #[inline]
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        // SAFETY: `params` is a valid, exclusive io_uring_params for the
        // call. With NO_MMAP its user_addr fields were set by the ring
        // builder to memory that outlives the ring (see `crate::raw::memory`).
        unsafe { ring_sys::syscall::io_uring_setup(entries, params) }
    }

    #[inline(always)]
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
        unsafe { ring_sys::syscall::io_uring_enter2(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    #[inline]
    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { ring_sys::syscall::io_uring_register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        // SAFETY: a fresh shared mapping chosen by the kernel; it aliases no
        // Rust object. MAP_POPULATE pre-faults the ring pages so the first
        // submissions do not take page faults.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                fd,
                offset as libc::off_t,
            )
        };
        if ptr == libc::MAP_FAILED {
            // SAFETY: errno is thread-local and was just set by mmap.
            return Err(Errno::new(unsafe { *libc::__errno_location() }));
        }
        NonNull::new(ptr.cast()).ok_or(Errno::new(libc::ENOMEM))
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: the caller passes a region `map` returned and stops using it.
        unsafe { libc::munmap(ptr.as_ptr().cast(), len) };
    }

    fn close(&self, fd: RawFd) {
        // SAFETY: the ring owns `fd` and closes it once.
        unsafe { libc::close(fd) };
    }
}

// SAFETY: every method forwards to `K`, which honours the contract; a
// reference adds nothing. This lets ring-core set up a short-lived ring on
// the same kernel as an existing one (a behaviour probe) without owning it.
unsafe impl<K: Kernel + ?Sized> Kernel for &K {
    #[inline]
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        (**self).setup(entries, params)
    }

    #[inline(always)]
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
        unsafe { (**self).enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    #[inline]
    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { (**self).register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        (**self).map(fd, offset, len)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: forwarded contract.
        unsafe { (**self).unmap(ptr, len) }
    }

    fn close(&self, fd: RawFd) {
        (**self).close(fd)
    }
}
