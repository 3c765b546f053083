//! One forwarding kernel for the tests that watch or steer the system calls
//! ring-core makes. [`Spy`] hands every call to its [`Watch`], whose methods
//! forward to [`Linux`] unchanged unless a test's watch overrides them: a
//! watch names only the calls it records, refuses or changes.

use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_core::sys::{io_uring_params, Errno};
use ring_core::{Kernel, Linux};
use std::os::fd::RawFd;

/// What a test does around the system calls of a ring built on
/// [`Spy`]`(watch)`. Each method defaults to the call on [`Linux`].
///
/// # Safety
///
/// The contract of [`Kernel`], which [`Spy`] implements by these methods:
/// an override either forwards the call to [`Linux`] with arguments that
/// keep that contract (the caller's, or flags the kernel checks itself), or
/// fails it before anything is created; what it reads or writes through a
/// pointer argument is memory the kernel may read or write in that call.
pub unsafe trait Watch {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        Linux.setup(entries, params)
    }

    /// # Safety
    ///
    /// As for [`Kernel::enter`].
    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        // SAFETY: the caller's contract, forwarded.
        unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    /// # Safety
    ///
    /// As for [`Kernel::register`].
    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: the caller's contract, forwarded.
        unsafe { Linux.register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        Linux.map(fd, offset, len)
    }

    /// # Safety
    ///
    /// As for [`Kernel::unmap`].
    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { Linux.unmap(ptr, len) }
    }
}

/// A kernel that is [`Linux`] seen through the watch `W`.
#[derive(Clone, Default)]
pub struct Spy<W>(pub W);

impl<W> std::ops::Deref for Spy<W> {
    type Target = W;
    fn deref(&self) -> &W {
        &self.0
    }
}

// SAFETY: setup, enter, register, map and unmap are the watch's, which
// keeps the contract by `Watch`'s own; close is Linux's.
unsafe impl<W: Watch> Kernel for Spy<W> {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        self.0.setup(entries, params)
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
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.0.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.0.register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        self.0.map(fd, offset, len)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: the caller's contract, forwarded.
        unsafe { self.0.unmap(ptr, len) }
    }

    fn close(&self, fd: RawFd) {
        Linux.close(fd)
    }
}
