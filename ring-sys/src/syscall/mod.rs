//! The three io_uring system calls, as thin `unsafe fn`s.
//!
//! Each wrapper is the C call it names and nothing more: it passes its
//! arguments through unchanged and turns the kernel's `-errno` into
//! [`Errno`]. They are `#[inline(always)]` down to the `syscall` (x86-64) or
//! `svc #0` (aarch64) instruction, because where that instruction sits is
//! measurable: inside a non-inlined call, such as glibc's `syscall()`, an
//! `io_uring_enter` costs 150-200 ns more on the machines this project is
//! measured on (see `docs/` and `benches/`).
//!
//! Two paths are compiled side by side:
//! - [`inline_asm`] issues the instruction directly (x86-64 and aarch64);
//! - [`via_libc`] goes through `libc::syscall`, and works everywhere Linux does.
//!
//! The crate-level functions below pick [`inline_asm`] where it exists,
//! unless the `libc-syscall` cargo feature asks for [`via_libc`]. Both
//! modules are public so that tests and benchmarks can call each one
//! explicitly in the same build.
//!
//! # Safety (for the whole module)
//!
//! The kernel reads and writes the memory these calls name: the parameter
//! block of `io_uring_setup`, the signal mask or extended argument of
//! `io_uring_enter`, and whatever `arg` of `io_uring_register` points to
//! (buffers, file tables, probe structures, rings). Every pointer must be
//! valid for the access the man page describes, for the duration of the
//! call, and, where the man page says so (registered buffers, provided
//! buffer rings, regions), for as long as the registration lasts.

use crate::errno::Errno;
use crate::setup::io_uring_params;
use core::ffi::{c_int, c_uint, c_void};

#[cfg(all(not(feature = "libc-syscall"), any(target_arch = "x86_64", target_arch = "aarch64")))]
use inline_asm as path;
#[cfg(any(feature = "libc-syscall", not(any(target_arch = "x86_64", target_arch = "aarch64"))))]
use via_libc as path;

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
pub mod inline_asm;
pub mod nr;
pub mod via_libc;

/// Which system-call path the crate-level wrappers use in this build.
pub const PATH: &str = if cfg!(all(not(feature = "libc-syscall"), any(target_arch = "x86_64", target_arch = "aarch64")))
{
    "inline asm"
} else {
    "libc::syscall"
};

/// `int io_uring_setup(u32 entries, struct io_uring_params *p);`
///
/// Creates an io_uring instance with room for at least `entries`
/// submission queue entries and returns its file descriptor. The kernel
/// reads the flags and options in `*p` and fills in the ring offsets and
/// features. Linux 5.1. See `io_uring_setup(2)`.
///
/// # Safety
///
/// `p` must point to a valid, writable `io_uring_params` for the call.
/// With `IORING_SETUP_NO_MMAP`, `p.sq_off.user_addr` and `p.cq_off.user_addr`
/// must point to memory that stays mapped and unused by anything else for
/// the life of the ring. With `IORING_SETUP_ATTACH_WQ`, `p.wq_fd` is read as
/// a ring file descriptor.
#[inline(always)]
pub unsafe fn io_uring_setup(entries: u32, p: *mut io_uring_params) -> Result<c_int, Errno> {
    // SAFETY: the caller upholds this function's contract, which is the
    // contract of the path's function.
    unsafe { path::io_uring_setup(entries, p) }
}

/// `int io_uring_enter(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags, sigset_t *sig);`
///
/// Submits up to `to_submit` new SQEs and, with `IORING_ENTER_GETEVENTS`,
/// waits until `min_complete` CQEs are available. Returns how many SQEs the
/// kernel consumed. Linux 5.1. See `io_uring_enter(2)`.
///
/// # Safety
///
/// `fd` must be an io_uring file descriptor (or, with
/// `IORING_ENTER_REGISTERED_RING`, a registered ring index). `sig` must be
/// null or point to a valid `sigset_t` of `_NSIG / 8` bytes. Every SQE the
/// call submits must satisfy its own opcode's contract: any buffer, path or
/// structure it points to stays valid until the kernel is done with it.
/// `flags` must not contain `IORING_ENTER_EXT_ARG` (use [`io_uring_enter2`]).
#[inline(always)]
pub unsafe fn io_uring_enter(
    fd: c_uint,
    to_submit: c_uint,
    min_complete: c_uint,
    flags: c_uint,
    sig: *const libc::sigset_t,
) -> Result<c_uint, Errno> {
    // SAFETY: as for `io_uring_enter2` with `argsz` the kernel's sigset size.
    unsafe { path::io_uring_enter2(fd, to_submit, min_complete, flags, sig.cast(), SIGSET_SIZE) }
}

/// The size the kernel expects for a signal mask argument: `_NSIG / 8`.
pub const SIGSET_SIZE: usize = 64 / 8;

/// `int io_uring_enter2(unsigned int fd, unsigned int to_submit, unsigned int min_complete, unsigned int flags, void *arg, size_t argsz);`
///
/// The six-argument form of `io_uring_enter(2)`. With
/// `IORING_ENTER_EXT_ARG` (Linux 5.11), `arg` points to an
/// `io_uring_getevents_arg` and `argsz` is its size; with
/// `IORING_ENTER_EXT_ARG_REG` (Linux 6.13) `arg` is an offset into the
/// registered wait region and `argsz` the size of one `io_uring_reg_wait`.
/// Without either flag `arg` is a signal mask and `argsz` its size.
///
/// # Safety
///
/// As for [`io_uring_enter`]; additionally `arg` must be whatever `flags`
/// says it is, valid for `argsz` bytes for the duration of the call (the
/// kernel copies it in before returning), or null.
#[inline(always)]
pub unsafe fn io_uring_enter2(
    fd: c_uint,
    to_submit: c_uint,
    min_complete: c_uint,
    flags: c_uint,
    arg: *const c_void,
    argsz: usize,
) -> Result<c_uint, Errno> {
    // SAFETY: the caller upholds this function's contract.
    unsafe { path::io_uring_enter2(fd, to_submit, min_complete, flags, arg, argsz) }
}

/// `int io_uring_register(unsigned int fd, unsigned int opcode, void *arg, unsigned int nr_args);`
///
/// Registers or unregisters resources (buffers, files, eventfds, rings,
/// restrictions, ...) with a ring, or queries it. The meaning of `arg` and
/// `nr_args` depends on `opcode` (`IORING_REGISTER_*`); OR-ing
/// `IORING_REGISTER_USE_REGISTERED_RING` into `opcode` makes `fd` a
/// registered ring index. Returns the opcode's non-negative result.
/// Linux 5.1. See `io_uring_register(2)`.
///
/// # Safety
///
/// `fd` must be an io_uring file descriptor (or registered index, see
/// above), or -1 for the opcodes that take none (`IORING_REGISTER_SEND_MSG_RING`,
/// `IORING_REGISTER_QUERY`). `arg` must point to what `opcode` expects, with
/// `nr_args` elements, valid for the access the man page describes. Memory
/// that a registration keeps (registered buffers, buffer rings, regions)
/// must stay valid and must not be freed until it is unregistered or the
/// ring is gone.
#[inline(always)]
pub unsafe fn io_uring_register(
    fd: c_uint,
    opcode: c_uint,
    arg: *const c_void,
    nr_args: c_uint,
) -> Result<c_uint, Errno> {
    // SAFETY: the caller upholds this function's contract.
    unsafe { path::io_uring_register(fd, opcode, arg, nr_args) }
}
