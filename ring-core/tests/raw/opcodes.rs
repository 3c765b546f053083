//! Every opcode, run for real against this machine's kernel through the
//! raw ring, checking what the operation DID (bytes in the file, the
//! peer's data, the directory on disk, the timer's timing, the woken
//! waiter) and not only that it returned non-negative.
//!
//! Each test is named after its opcode. A test that needs something the
//! kernel or the machine lacks prints `SKIP <test>: <reason>` and passes.
//! `docs/opcodes.md` maps every opcode to its builder and its test. The
//! tests are in child modules named as the builders' files in
//! `ring-core/src/raw/opcode/`; the NOPs and the queue behaviour are here.
//!
//! Every push is `unsafe`: each says why the memory the entry points to
//! outlives the kernel's use of it. The common pattern is that the memory
//! is a local declared before the entry, and the test reaps the
//! operation's final completion before the local goes out of scope.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use crate::caps;
use crate::support;

use ring_core::opcode::*;
use ring_core::sys::*;
use ring_core::types::{Fixed, Timespec};
use ring_core::{Builder, Cqe, SqeFlags};
use std::io::{Read as _, Write as _};
use std::net::{SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::os::fd::IntoRawFd;
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::rings::*;

mod cmd;
mod file;
mod fs;
mod msg_ring;
mod net;
mod poll;
mod process;
mod provide_buffers;
mod rw;
mod time;
mod xattr;

const ECANCELED: i32 = -libc::ECANCELED;

// ---------------------------------------------------------------- NOP (0)

#[test]
fn op00_nop() {
    let mut ring = ring();
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&Nop::new().build().user_data(7)) }.unwrap();
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (7, 0));

    // Injected result (6.10): the completion carries exactly the value.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().inject_result(-libc::EIO).build().user_data(8)) }.unwrap();
    let c = one(&mut ring);
    if c.res == -libc::EINVAL {
        println!("SKIP op00_nop flags: the kernel refused a NOP with IORING_NOP_INJECT_RESULT (EINVAL; added in 6.10)");
        return;
    }
    assert_eq!((c.user_data, c.res), (8, -libc::EIO));

    // File lookup (6.13): a closed descriptor fails the lookup with EBADF;
    // an open one succeeds, which shows the kernel really looked.
    let (r, _w) = pipe();
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().file(raw(&r)).build().user_data(9)) }.unwrap();
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().file(1_000_000).build().user_data(10)) }.unwrap();
    let v = sorted(&mut ring, 2);
    if v[0].res == -libc::EINVAL {
        println!("SKIP op00_nop file: the kernel refused a NOP with IORING_NOP_FILE (EINVAL; added in 6.13)");
    } else {
        assert_eq!((v[0].res, v[1].res), (0, -libc::EBADF));
    }

    // A 32-byte completion carrying the two words (6.18, CQE32 ring).
    let mut big = Builder::new(4).cqe32().build().expect("CQE32 ring");
    // SAFETY: as above.
    unsafe { big.sq().push(&Nop::new().cqe32([0x1111, 0x2222]).build().user_data(11)) }.unwrap();
    let c = one(&mut big);
    if c.res == -libc::EINVAL {
        println!("SKIP op00_nop cqe32: the kernel refused a NOP with IORING_NOP_CQE32 (EINVAL; added in 6.18)");
    } else {
        assert_eq!((c.res, c.big), (0, [0x1111, 0x2222]));
    }
}

// ------------------------------------------------- NOP128 / URING_CMD128

#[test]
fn op63_nop128() {
    let r = ring();
    if !supported(&r, IORING_OP_NOP128, "op63_nop128 (added in 6.19)") {
        return;
    }
    let mut ring = Builder::new(8).sqe_mixed().build().expect("SQE_MIXED ring");
    // Fill all but the last slot so that the 128-byte entry has to wrap,
    // which exercises push128's padding NOP too.
    for i in 0..7 {
        // SAFETY: NOPs point at no memory.
        unsafe { ring.sq().push(&Nop::new().build().user_data(i)) }.unwrap();
    }
    let _ = collect(&mut ring, 7);
    // SAFETY: as above.
    unsafe { ring.sq().push128(&Nop128::new().inject_result(77).build().user_data(100)) }.unwrap();
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (100, 77));
}

// ------------------------------------------------------- queue behaviour

#[test]
fn sq_full() {
    let mut ring = ring_core::Ring::new(8).unwrap();
    let cap = ring.sq().capacity();
    for i in 0..cap {
        // SAFETY: NOPs point at no memory.
        unsafe { ring.sq().push(&Nop::new().build().user_data(u64::from(i))) }.unwrap();
    }
    // SAFETY: as above.
    let full = unsafe { ring.sq().push(&Nop::new().build()) };
    assert_eq!(full, Err(ring_core::SqFull));
    assert_eq!(ring.submit().unwrap(), cap);
    let v = sorted(&mut ring, cap as usize);
    assert_eq!(v.iter().map(|c| c.user_data).collect::<Vec<_>>(), (0..u64::from(cap)).collect::<Vec<_>>());
    // SAFETY: as above.
    unsafe { ring.sq().push(&Nop::new().build()) }.expect("room again after submitting");
    let _ = one(&mut ring);
}

#[test]
fn cq_overflow_nodrop_loses_nothing() {
    let mut ring = Builder::new(8).cq_size(16).build().unwrap();
    assert!(ring.has_feature(IORING_FEAT_NODROP), "every supported kernel has NODROP");
    let cq = ring.cq().capacity() as u64;
    let rounds = 40u64;
    let per = u64::from(ring.sq().capacity());
    let total = rounds * per;
    let mut overflowed = false;
    // Submit many NOPs without reaping: far more than the CQ holds. With
    // NODROP the kernel parks the excess on its overflow list.
    for round in 0..rounds {
        for i in 0..per {
            let ud = round * per + i;
            // SAFETY: NOPs point at no memory.
            unsafe { ring.sq().push(&Nop::new().build().user_data(ud)) }.unwrap();
        }
        loop {
            match ring.submit() {
                Ok(_) => break,
                // An older kernel may refuse to submit while it cannot
                // flush the overflow; that is transient.
                Err(e) if e.is_transient() => {
                    ring.get_events().ok();
                }
                Err(e) => panic!("submit: {e}"),
            }
        }
        overflowed |= ring.sq().cq_overflow();
    }
    assert!(overflowed, "the CQ of {cq} never overflowed with {total} completions");
    // Now reap, entering with GETEVENTS to have the kernel flush the
    // overflow list into the CQ as room appears.
    let mut seen = vec![0u32; total as usize];
    let mut got = 0u64;
    let deadline = Instant::now() + PATIENCE;
    while got < total {
        assert!(Instant::now() < deadline, "only {got} of {total} completions arrived");
        while let Some(c) = ring.cq().pop() {
            assert_eq!(c.res, 0);
            seen[c.user_data as usize] += 1;
            got += 1;
        }
        if got < total {
            ring.get_events().unwrap();
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "every user_data exactly once");
    assert!(!ring.sq().cq_overflow(), "the overflow list is empty");
    assert_eq!(ring.cq().overflow(), 0, "nothing was dropped");
}
