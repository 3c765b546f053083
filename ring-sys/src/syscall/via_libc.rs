//! The io_uring system calls through `libc::syscall`, the portable path.
//!
//! `libc::syscall` is an ordinary (non-inlined) C function that returns -1
//! and sets `errno` on failure, so each wrapper reads `errno` back and
//! returns it as [`Errno`].

use crate::errno::Errno;
use crate::setup::io_uring_params;
use core::ffi::{c_int, c_long, c_uint, c_void};

/// Reads the calling thread's `errno` after a failed libc call.
#[inline(always)]
fn last_errno() -> Errno {
    // SAFETY: `__errno_location` returns a pointer to the calling thread's
    // errno, valid for the life of the thread.
    Errno::new(unsafe { *libc::__errno_location() })
}

/// Turns libc's `-1 and errno` convention into a `Result`.
#[inline(always)]
fn check(ret: c_long) -> Result<usize, Errno> {
    if ret < 0 {
        Err(last_errno())
    } else {
        Ok(ret as usize)
    }
}

/// See [`crate::syscall::io_uring_setup`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_setup`].
#[inline]
pub unsafe fn io_uring_setup(entries: u32, p: *mut io_uring_params) -> Result<c_int, Errno> {
    // SAFETY: forwarded contract.
    let ret = unsafe { libc::syscall(libc::SYS_io_uring_setup, entries as c_long, p) };
    check(ret).map(|fd| fd as c_int)
}

/// See [`crate::syscall::io_uring_enter2`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_enter2`].
#[inline]
pub unsafe fn io_uring_enter2(
    fd: c_uint,
    to_submit: c_uint,
    min_complete: c_uint,
    flags: c_uint,
    arg: *const c_void,
    argsz: usize,
) -> Result<c_uint, Errno> {
    // SAFETY: forwarded contract.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_io_uring_enter,
            fd as c_long,
            to_submit as c_long,
            min_complete as c_long,
            flags as c_long,
            arg,
            argsz,
        )
    };
    check(ret).map(|n| n as c_uint)
}

/// See [`crate::syscall::io_uring_register`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_register`].
#[inline]
pub unsafe fn io_uring_register(
    fd: c_uint,
    opcode: c_uint,
    arg: *const c_void,
    nr_args: c_uint,
) -> Result<c_uint, Errno> {
    // SAFETY: forwarded contract.
    let ret =
        unsafe { libc::syscall(libc::SYS_io_uring_register, fd as c_long, opcode as c_long, arg, nr_args as c_long) };
    check(ret).map(|n| n as c_uint)
}
