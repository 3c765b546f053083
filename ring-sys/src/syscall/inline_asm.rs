//! The io_uring system calls issued by an inline `syscall` / `svc #0`
//! instruction, with no function call between the caller and the kernel.
//!
//! Registers follow the Linux system-call convention of each architecture
//! (see `syscall(2)`, "Architecture calling conventions"):
//! - x86-64: number in `rax`, arguments in `rdi rsi rdx r10 r8 r9`, result in
//!   `rax`; the instruction clobbers `rcx` (return address) and `r11` (flags).
//! - aarch64: number in `x8`, arguments in `x0..x5`, result in `x0`.

use super::nr;
use crate::errno::Errno;
use crate::setup::io_uring_params;
use core::arch::asm;
use core::ffi::{c_int, c_uint, c_void};

/// Issues a system call with up to six arguments.
///
/// # Safety
///
/// The system call `n` with these arguments must be memory safe: every
/// pointer argument valid for what that call does with it.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
unsafe fn syscall6(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees the call's memory effects are sound. The
    // instruction itself only clobbers rcx and r11, declared here, and does
    // not touch the user stack.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") n as isize => ret,
            in("rdi") a0,
            in("rsi") a1,
            in("rdx") a2,
            in("r10") a3,
            in("r8") a4,
            in("r9") a5,
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack, preserves_flags)
        );
    }
    ret
}

/// Issues a system call with up to six arguments.
///
/// # Safety
///
/// The system call `n` with these arguments must be memory safe: every
/// pointer argument valid for what that call does with it.
#[cfg(target_arch = "aarch64")]
#[inline(always)]
unsafe fn syscall6(n: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize, a5: usize) -> isize {
    let ret: isize;
    // SAFETY: the caller guarantees the call's memory effects are sound. The
    // `svc` instruction clobbers nothing but x0, which carries the result.
    unsafe {
        asm!(
            "svc 0",
            in("x8") n,
            inlateout("x0") a0 as isize => ret,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            in("x4") a4,
            in("x5") a5,
            options(nostack, preserves_flags)
        );
    }
    ret
}

/// See [`crate::syscall::io_uring_setup`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_setup`].
#[inline(always)]
pub unsafe fn io_uring_setup(entries: u32, p: *mut io_uring_params) -> Result<c_int, Errno> {
    // SAFETY: forwarded contract; the kernel returns a small fd or -errno.
    let ret = unsafe { syscall6(nr::IO_URING_SETUP, entries as usize, p as usize, 0, 0, 0, 0) };
    Errno::from_ret(ret).map(|fd| fd as c_int)
}

/// See [`crate::syscall::io_uring_enter2`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_enter2`].
#[inline(always)]
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
        syscall6(
            nr::IO_URING_ENTER,
            fd as usize,
            to_submit as usize,
            min_complete as usize,
            flags as usize,
            arg as usize,
            argsz,
        )
    };
    Errno::from_ret(ret).map(|n| n as c_uint)
}

/// See [`crate::syscall::io_uring_register`].
///
/// # Safety
///
/// As for [`crate::syscall::io_uring_register`].
#[inline(always)]
pub unsafe fn io_uring_register(
    fd: c_uint,
    opcode: c_uint,
    arg: *const c_void,
    nr_args: c_uint,
) -> Result<c_uint, Errno> {
    // SAFETY: forwarded contract.
    let ret =
        unsafe { syscall6(nr::IO_URING_REGISTER, fd as usize, opcode as usize, arg as usize, nr_args as usize, 0, 0) };
    Errno::from_ret(ret).map(|n| n as c_uint)
}
