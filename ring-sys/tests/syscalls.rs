//! The three system calls on this machine's kernel, through both paths in
//! the same build: the inline `syscall` instruction and `libc::syscall`.

use ring_sys::syscall::{inline_asm, via_libc};
use ring_sys::*;

fn params() -> io_uring_params {
    io_uring_params::default()
}

#[test]
fn setup_enter_register_through_both_paths() {
    type Setup = unsafe fn(u32, *mut io_uring_params) -> Result<i32, Errno>;
    type Enter = unsafe fn(u32, u32, u32, u32, *const core::ffi::c_void, usize) -> Result<u32, Errno>;
    type Register = unsafe fn(u32, u32, *const core::ffi::c_void, u32) -> Result<u32, Errno>;
    let paths: [(&str, Setup, Enter, Register); 2] = [
        ("inline asm", inline_asm::io_uring_setup, inline_asm::io_uring_enter2, inline_asm::io_uring_register),
        ("libc::syscall", via_libc::io_uring_setup, via_libc::io_uring_enter2, via_libc::io_uring_register),
    ];
    for (name, setup, enter, register) in paths {
        let mut p = params();
        // SAFETY: `p` is a valid, exclusive io_uring_params.
        let fd = unsafe { setup(4, &mut p) }.unwrap_or_else(|e| panic!("{name}: setup: {e}"));
        assert!(fd >= 0);
        assert_eq!(p.sq_entries, 4, "{name}");
        assert_eq!(p.cq_entries, 8, "{name}");
        assert_ne!(p.features & IORING_FEAT_SINGLE_MMAP, 0, "{name}");
        // An enter with nothing to do returns 0.
        // SAFETY: no SQEs, no argument.
        assert_eq!(unsafe { enter(fd as u32, 0, 0, 0, core::ptr::null(), 0) }, Ok(0), "{name}");
        // The opcode probe through register.
        let mut buf = [0u64; 2 + 64];
        // SAFETY: a zeroed io_uring_probe with room for 64 ops.
        unsafe { register(fd as u32, IORING_REGISTER_PROBE, buf.as_mut_ptr().cast(), 64) }
            .unwrap_or_else(|e| panic!("{name}: probe: {e}"));
        // SAFETY: the kernel filled an io_uring_probe at the start of `buf`.
        let probe = unsafe { &*buf.as_ptr().cast::<io_uring_probe>() };
        assert!(probe.last_op >= IORING_OP_READ, "{name}: every kernel with this probe knows READ");
        // Errors come back as a positive errno, negated once.
        // SAFETY: an invalid descriptor; nothing is dereferenced.
        assert_eq!(unsafe { enter(u32::MAX, 0, 0, 0, core::ptr::null(), 0) }, Err(Errno::new(libc::EBADF)), "{name}");
        // SAFETY: closes the ring we created.
        unsafe { libc::close(fd) };
    }
}

#[test]
fn the_crate_level_functions_use_the_selected_path() {
    let mut p = params();
    // SAFETY: `p` is a valid, exclusive io_uring_params.
    let fd = unsafe { syscall::io_uring_setup(2, &mut p) }.unwrap();
    println!("system calls via {}", syscall::PATH);
    // SAFETY: closes the ring we created.
    unsafe { libc::close(fd) };
}
