//! What the running kernel can do, found by trying it on a private ring, for
//! tests that need a feature no opcode, register operation or feature bit
//! names. Each check returns whether the feature works and, when it does
//! not, prints why the calling test skips (all of itself or the part that
//! needs the feature), so the skip shows in the test's output with its
//! reason. None of them looks at the kernel's version.
//!
//! Each test binary that includes this module uses a different subset.
#![allow(dead_code)]

use ring_core::error::Error;
use ring_core::opcode::{Nop, Timeout};
use ring_core::register::CancelBuilder;
use ring_core::sys::*;
use ring_core::types::Timespec;
use ring_core::{Builder, Cqe, Ring};
use std::fmt::Display;
use std::time::{Duration, Instant};

/// Prints why `test` skips (all of it or a part).
pub fn skip(test: &str, why: impl Display) {
    println!("SKIP {test}: {why}");
}

/// Whether `e` is one of the typed errors that say the kernel lacks
/// something (as opposed to a refused argument or a failure).
pub fn is_unsupported(e: &Error) -> bool {
    matches!(
        e,
        Error::UnsupportedSetupFlag { .. }
            | Error::UnsupportedRegister { .. }
            | Error::UnsupportedOpcode { .. }
            | Error::Unsupported { .. }
    )
}

/// Builds `b`; when the kernel lacks what it asks for (a typed
/// "unsupported" error), prints why `test` skips and returns `None`. Any
/// other error fails the test.
pub fn build_or_skip(b: Builder, test: &str) -> Option<Ring> {
    match b.build() {
        Ok(r) => Some(r),
        Err(e) if is_unsupported(&e) => {
            skip(test, e);
            None
        }
        Err(e) => panic!("{test}: setup failed: {e:?}"),
    }
}

/// The next completion on `ring`, waiting at most `within`.
pub fn cqe_within(ring: &mut Ring, within: Duration) -> Option<Cqe> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(c) = ring.cq().pop() {
            return Some(c);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        match ring.submit_and_wait_timeout(1, deadline - now) {
            Ok(_) => {}
            Err(e) if e.is_transient() => {}
            Err(e) => panic!("io_uring_enter: {e}"),
        }
    }
}

/// Multishot timeouts (`IORING_TIMEOUT_MULTISHOT`, which the driver's tick
/// streams use): a 1 ms timeout that should fire twice must post a first
/// expiration flagged `IORING_CQE_F_MORE`. Kernels without it refuse the
/// flag with `-EINVAL`.
pub fn multishot_timeouts(test: &str) -> bool {
    let ts = Timespec::new(0, 1_000_000);
    let mut ring = Ring::new(4).expect("io_uring setup");
    let sqe = Timeout::new(&ts).count(2).flags(IORING_TIMEOUT_MULTISHOT).build().user_data(1);
    // SAFETY: `ts` outlives the request: the ring (declared after it) is
    // dropped first, which ends the timeout.
    unsafe { ring.sq().push(&sqe) }.expect("SQ has room");
    let c = cqe_within(&mut ring, Duration::from_secs(10)).expect("a timeout completes");
    let ok = c.res == -libc::ETIME && c.flags & IORING_CQE_F_MORE != 0;
    if !ok {
        skip(test, format_args!("no multishot timeouts here (IORING_TIMEOUT_MULTISHOT answered {c:?})"));
    }
    ok
}

/// Sync cancelation by opcode (`IORING_ASYNC_CANCEL_OP`), tried with a
/// poll on a private pipe in flight: "every read" must cancel nothing and
/// "every poll" exactly the poll. A kernel that refuses the flag (6.1
/// answers EINVAL), or ignores it, fails one of the two.
pub fn cancel_by_opcode(test: &str) -> bool {
    let (r, _w) = pipe();
    let mut ring = Ring::new(4).expect("io_uring setup");
    let poll = ring_core::opcode::PollAdd::new(std::os::fd::AsRawFd::as_raw_fd(&r), libc::POLLIN as u32).build();
    // SAFETY: a poll points at no memory; the pipe outlives the ring.
    unsafe { ring.sq().push(&poll.user_data(7)) }.expect("SQ has room");
    ring.submit().expect("submit");
    let second = Some(Duration::from_secs(1));
    let reads = ring.cancel_sync(&CancelBuilder::opcode(IORING_OP_READ).all(), second);
    let ok = matches!(reads, Ok(0))
        && matches!(ring.cancel_sync(&CancelBuilder::opcode(IORING_OP_POLL_ADD).all(), second), Ok(1));
    if !ok {
        skip(test, format_args!("no sync cancelation by opcode here (\"every read\" gave {reads:?})"));
    }
    ok
}

/// NOP result injection (`IORING_NOP_INJECT_RESULT`): a NOP asked to
/// complete with 17 must do so. Kernels without it ignore the flag and
/// complete with 0.
pub fn nop_inject_result(test: &str) -> bool {
    let mut ring = Ring::new(4).expect("io_uring setup");
    let sqe = Nop::new().inject_result(17).build().user_data(1);
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&sqe) }.expect("SQ has room");
    let c = cqe_within(&mut ring, Duration::from_secs(10)).expect("a NOP completes");
    if c.res != 17 {
        skip(test, format_args!("no NOP result injection here (a NOP asked for 17 completed with {})", c.res));
    }
    c.res == 17
}

/// Whether `test` can rely on the sync cancel honouring the user data next
/// to another criterion ([`Ring::sync_cancel_combines_user_data`]).
pub fn cancel_combines_user_data(ring: &Ring, test: &str) -> bool {
    match ring.sync_cancel_combines_user_data() {
        Ok(true) => true,
        Ok(false) => {
            skip(test, "this kernel's sync cancel does not honour the user data next to another criterion");
            false
        }
        Err(e) => {
            skip(test, e);
            false
        }
    }
}

/// Bytes waiting to be read in the pipe or socket `fd` (`FIONREAD`).
pub fn unread(fd: &impl std::os::fd::AsRawFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) };
    assert_eq!(r, 0, "FIONREAD");
    n as usize
}

/// Waits (at most 10 s) until a read in flight has taken everything there
/// was to read in the pipe `fd`, and a little longer, for its completion to
/// be posted. A read that finds data waiting completes at once where the
/// kernel tries pipe reads without blocking; 6.1 does not, and hands the
/// read to an io-wq worker thread, so there the completion comes a moment
/// later from another thread. Tests that need it posted before they go on
/// wait here instead of sleeping a guessed time.
pub fn wait_drained(fd: &impl std::os::fd::AsRawFd) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while unread(fd) > 0 {
        assert!(Instant::now() < deadline, "the read in flight did not take the data within 10 s");
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(20));
}

/// Posts a completion with `user_data` (and result 0) into the ring
/// `target`: ring-less with `IORING_REGISTER_SEND_MSG_RING` where the
/// kernel has it, else with an `IORING_OP_MSG_RING` request from a private
/// ring (5.18). The target sees the same completion either way.
///
/// # Safety
///
/// As for [`ring_core::register::send_msg_ring_sync_fd`]: the completion
/// must not be mistaken by the target for one of its own requests in a way
/// that breaks its invariants.
pub unsafe fn post_msg_ring(target: std::os::fd::RawFd, user_data: u64) {
    // SAFETY: forwarded contract.
    match unsafe { ring_core::register::send_msg_ring_sync_fd(&ring_core::Linux, target, user_data, 0, None) } {
        Ok(()) => {}
        Err(e @ Error::UnsupportedRegister { .. }) => {
            println!("note: {e}; posting with IORING_OP_MSG_RING from a private ring instead");
            let mut ring = Ring::new(4).expect("io_uring setup");
            let sqe = ring_core::opcode::MsgRing::new(target, 0, user_data).build().user_data(1);
            // SAFETY: a message points at no memory.
            unsafe { ring.sq().push(&sqe) }.expect("SQ has room");
            let c = cqe_within(&mut ring, Duration::from_secs(10)).expect("MSG_RING completes");
            assert_eq!(c.res, 0, "MSG_RING: {c:?}");
        }
        Err(e) => panic!("send_msg_ring_sync_fd: {e:?}"),
    }
}

/// `IORING_OP_ASYNC_CANCEL` by opcode and user data
/// (`IORING_ASYNC_CANCEL_OP`), tried with a poll on a private pipe in
/// flight: asked for a read with the poll's user data it must find nothing
/// (`-ENOENT`), asked for a poll it must cancel the poll. A kernel that
/// refuses the flag, or accepts it without honouring it (nothing in flight
/// could not tell those apart), fails one of the two.
pub fn async_cancel_by_opcode(test: &str) -> bool {
    let (r, _w) = pipe();
    let mut ring = Ring::new(4).expect("io_uring setup");
    let poll = ring_core::opcode::PollAdd::new(std::os::fd::AsRawFd::as_raw_fd(&r), libc::POLLIN as u32).build();
    // SAFETY: a poll points at no memory; the pipe outlives the ring.
    unsafe { ring.sq().push(&poll.user_data(7)) }.expect("SQ has room");
    ring.submit().expect("submit");
    let mut ask = |op: u8| {
        let sqe = ring_core::opcode::AsyncCancel::new(7).opcode(op).build().user_data(100);
        // SAFETY: a cancel points at no memory.
        unsafe { ring.sq().push(&sqe) }.expect("SQ has room");
        // The cancel's own completion and the poll's, if it went, in
        // either order: everything that comes within the half second.
        let mut got = Vec::new();
        while let Some(c) = cqe_within(&mut ring, Duration::from_millis(500)) {
            got.push((c.user_data, c.res));
        }
        got
    };
    let read = ask(IORING_OP_READ);
    let ok = read == [(100, -libc::ENOENT)] && {
        let poll = ask(IORING_OP_POLL_ADD);
        poll.contains(&(100, 0)) && poll.contains(&(7, -libc::ECANCELED))
    };
    if !ok {
        skip(
            test,
            format_args!("no cancelation by opcode here (a cancel of a read with a poll's user data gave {read:?})"),
        );
    }
    ok
}

/// A pipe (read end, write end).
pub fn pipe() -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors we own.
    unsafe { (std::os::fd::OwnedFd::from_raw_fd(fds[0]), std::os::fd::OwnedFd::from_raw_fd(fds[1])) }
}

/// Provided-buffer rings whose memory the kernel allocates
/// (`IOU_PBUF_RING_MMAP`): one registered and unregistered on a private
/// ring. Kernels without them refuse the flag, which the crate types as
/// `Error::Unsupported`.
pub fn kernel_mapped_buf_rings(test: &str) -> bool {
    let ring = Ring::new(4).expect("io_uring setup");
    let cfg = ring_core::register::BufRingConfig::new(1, 4).buffers(1, 64).kernel_mapped();
    match ring.register_buf_ring(cfg) {
        Ok(br) => {
            ring.unregister_buf_ring(br).expect("unregister the probe's buffer ring");
            true
        }
        Err(e) => {
            // The crate types a kernel without them; anything else is a failure.
            assert!(is_unsupported(&e), "a kernel-mapped buffer ring was refused with an untyped error: {e:?}");
            skip(test, format_args!("no kernel-mapped buffer rings here ({e})"));
            false
        }
    }
}

/// Whether the kernel supports opcode `op` (the opcode probe); prints why
/// `test` skips otherwise.
pub fn opcode(op: u8, test: &str) -> bool {
    let ring = Ring::new(2).expect("io_uring setup");
    match ring.probe().expect("IORING_REGISTER_PROBE").require(op) {
        Ok(()) => true,
        Err(e) => {
            skip(test, e);
            false
        }
    }
}

/// Whether a ring built by `b` can be set up here (the kernel has its
/// setup flags); prints why `test` skips otherwise.
pub fn setup(b: Builder, test: &str) -> bool {
    build_or_skip(b, test).is_some()
}

/// Whether rings register their own descriptor (`IORING_REGISTER_RING_FDS`),
/// as the builder does by default where the kernel can; prints why `test`
/// skips otherwise.
pub fn ring_fds(test: &str) -> bool {
    let ok = Ring::new(2).expect("io_uring setup").registered_index().is_some();
    if !ok {
        skip(test, "a ring set up here gets no registered index (no IORING_REGISTER_RING_FDS)");
    }
    ok
}

/// Incremental provided-buffer rings (`IOU_PBUF_RING_INC`): one registered
/// and unregistered on a private ring. Kernels without them refuse the
/// flag, which the crate types as `Error::Unsupported`.
pub fn incremental_buf_rings(test: &str) -> bool {
    let ring = Ring::new(4).expect("io_uring setup");
    let cfg = ring_core::register::BufRingConfig::new(1, 4).buffers(1, 64).incremental();
    match ring.register_buf_ring(cfg) {
        Ok(br) => {
            ring.unregister_buf_ring(br).expect("unregister the probe's buffer ring");
            true
        }
        Err(e) => {
            // The crate types a kernel without them; anything else is a failure.
            assert!(is_unsupported(&e), "a incremental buffer ring was refused with an untyped error: {e:?}");
            skip(test, format_args!("no incremental buffer rings here ({e})"));
            false
        }
    }
}

/// Whether the kernel answers `IORING_REGISTER_QUERY`'s opcode query;
/// prints why `test` skips otherwise.
pub fn query(test: &str) -> bool {
    let ok = ring_core::register::query_kernel(&ring_core::Linux).is_ok_and(|q| q.opcodes.is_some());
    if !ok {
        skip(test, "no IORING_REGISTER_QUERY here");
    }
    ok
}

/// Whether provided-buffer group `bgid` is registered on `ring`, in the
/// kernel's own words: its head (`IORING_REGISTER_PBUF_STATUS`, 6.8) where
/// the kernel has that; else a one-entry buffer ring registered for the
/// same group, which the kernel refuses with `EEXIST` while the group
/// exists (and which is unregistered again at once if it was accepted).
pub fn group_registered(ring: &Ring, bgid: u16) -> bool {
    match ring.buf_ring_head(bgid) {
        Ok(_) => return true,
        Err(Error::UnsupportedRegister { .. }) => {}
        Err(_) => return false,
    }
    let cfg = ring_core::register::BufRingConfig::new(bgid, 1).buffers(1, 64);
    match ring.register_buf_ring(cfg) {
        Ok(br) => {
            ring.unregister_buf_ring(br).expect("unregister the probe's buffer ring");
            false
        }
        Err(e) if e.errno().is_some_and(|e| e.raw() == libc::EEXIST) => true,
        Err(e) => panic!("registering a probe buffer ring for group {bgid}: {e:?}"),
    }
}
