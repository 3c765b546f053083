//! Values that cross the raw layer: every error's errno and I/O kind and
//! which are transient, SQE flag sets, entries through every conversion,
//! timespecs, the NOP and poll builders' fields, and the real kernel's
//! `close`.

use crate::support;
use core::time::Duration;
use ring_core::error::Call;
use ring_core::opcode::{Nop, PollAdd, PollRemove, UringCmd};
use ring_core::sys::*;
use ring_core::types::Timespec;
use ring_core::{Builder, Entry, Entry128, Error, Kernel, Linux, Ring, SqeFlags};
use std::os::fd::AsRawFd;

/// Every variant of [`Error`] the crate can return, with the errno its
/// `errno()` must report.
fn every_error() -> Vec<(Error, i32)> {
    let e = |n| Errno::new(n);
    vec![
        (Error::RingSize { which: "sq", requested: 0, max: 32768 }, libc::EINVAL),
        (Error::UnsupportedSetupFlag { flag: "IORING_SETUP_SQE_MIXED", errno: e(libc::EINVAL) }, libc::EINVAL),
        (Error::SetupFlagConflict { flag: "IORING_SETUP_SQ_AFF", reason: "needs IORING_SETUP_SQPOLL" }, libc::EINVAL),
        (Error::MemlockLimit { limit: 65536, errno: e(libc::ENOMEM) }, libc::ENOMEM),
        (Error::Unavailable { errno: e(libc::EPERM) }, libc::EPERM),
        (Error::UnsupportedOpcode { opcode: 64, name: "IORING_OP_URING_CMD128" }, libc::EOPNOTSUPP),
        (Error::UnsupportedRegister { opcode: 33, errno: e(libc::EINVAL) }, libc::EINVAL),
        (Error::Unsupported { what: "a combination", reason: "ignored here" }, libc::EOPNOTSUPP),
        (Error::NotConfigured("registered waits"), libc::EINVAL),
        (Error::TooLong { what: "buffer", len: 5, max: 4 }, libc::E2BIG),
        (Error::BadFd(-3), libc::EBADF),
        (Error::InvalidArgument("slot"), libc::EINVAL),
        (Error::SubmissionQueueFull, libc::EBUSY),
        (Error::CompletionLost, libc::EBADR),
        (Error::Syscall { call: Call::Enter, errno: e(libc::EINTR) }, libc::EINTR),
        (Error::Syscall { call: Call::Register(1), errno: e(libc::ENOMEM) }, libc::ENOMEM),
    ]
}

/// Every variant reports its own errno, and a `std::io::Error` made from it has
/// that errno's kind and the same message.
#[test]
fn every_error_reports_its_own_errno_and_io_kind() {
    for (err, errno) in every_error() {
        assert_eq!(err.errno(), Some(Errno::new(errno)), "{err:?}");
        let kind = std::io::Error::from_raw_os_error(errno).kind();
        let io: std::io::Error = err.clone().into();
        assert_eq!(io.kind(), kind, "{err:?}");
        assert_eq!(io.get_ref().map(|e| e.to_string()), Some(err.to_string()));
    }
}

/// EINTR, EAGAIN and EBUSY from a system call and a full SQ are transient;
/// other errnos and every other variant are not.
#[test]
fn only_interruptions_shortages_and_a_full_queue_are_transient() {
    for n in [libc::EINTR, libc::EAGAIN, libc::EBUSY] {
        assert!(Error::Syscall { call: Call::Enter, errno: Errno::new(n) }.is_transient(), "{n}");
    }
    assert!(Error::SubmissionQueueFull.is_transient());
    for n in [libc::EINVAL, libc::EBADF, libc::ENOMEM] {
        assert!(!Error::Syscall { call: Call::Enter, errno: Errno::new(n) }.is_transient(), "{n}");
    }
    for (err, _) in every_error() {
        let expect = matches!(err, Error::SubmissionQueueFull)
            || matches!(err, Error::Syscall { errno, .. } if errno.raw() == libc::EINTR);
        assert_eq!(err.is_transient(), expect, "{err:?}");
    }
}

/// The set algebra is checked on flags with and without common bits, and the
/// text of every shape of set.
#[test]
fn sqe_flag_sets_combine_compare_and_print() {
    let link = SqeFlags::IO_LINK;
    let drain = SqeFlags::IO_DRAIN;
    let both = link | drain;
    assert_eq!(both.bits(), IOSQE_IO_LINK | IOSQE_IO_DRAIN);
    assert_eq!(link.union(drain), both);
    assert_eq!((both | link).bits(), both.bits(), "OR with a common bit keeps it");
    assert_eq!(both.union(link).bits(), both.bits());
    let mut acc = link;
    acc |= drain;
    acc |= drain;
    assert_eq!(acc, both);
    assert_eq!((both & link).bits(), IOSQE_IO_LINK);
    assert_eq!((both & SqeFlags::ASYNC).bits(), 0);
    assert!(both.contains(link) && both.contains(drain) && both.contains(SqeFlags::EMPTY));
    assert!(!link.contains(both));
    assert!(!link.contains(drain));
    assert!(SqeFlags::EMPTY.is_empty() && SqeFlags::default().is_empty());
    assert!(!link.is_empty());
    assert_eq!(SqeFlags::from_bits_retain(0xff).bits(), 0xff);
    assert_eq!(SqeFlags::from_bits_retain(IOSQE_ASYNC), SqeFlags::ASYNC);

    assert_eq!(format!("{:?}", SqeFlags::EMPTY), "SqeFlags(empty)");
    assert_eq!(format!("{:?}", SqeFlags::FIXED_FILE), "SqeFlags(FIXED_FILE)");
    assert_eq!(format!("{both:?}"), "SqeFlags(IO_DRAIN | IO_LINK)");
    assert_eq!(format!("{:?}", SqeFlags::from_bits_retain(0x80)), "SqeFlags(0x80)");
    assert_eq!(
        format!("{:?}", SqeFlags::CQE_SKIP_SUCCESS | SqeFlags::BUFFER_SELECT | SqeFlags::from_bits_retain(0x80)),
        "SqeFlags(BUFFER_SELECT | CQE_SKIP_SUCCESS | 0x80)"
    );
}

/// An entry keeps what it was built from and what its setters add through every
/// conversion, a field set through `DerefMut` stays set, and the kernel runs
/// exactly that entry.
#[test]
fn an_entry_keeps_its_fields_through_every_conversion() {
    let built = Nop::new().build().user_data(41).personality(0).flags(SqeFlags::IO_LINK).flags(SqeFlags::ASYNC);
    assert_eq!(built.sqe_flags(), SqeFlags::IO_LINK | SqeFlags::ASYNC);
    assert_eq!(built.flags, IOSQE_IO_LINK | IOSQE_ASYNC);
    assert_eq!((built.opcode, built.user_data), (IORING_OP_NOP, 41));
    let raw: io_uring_sqe = built.into();
    assert_eq!((raw.opcode, raw.user_data, raw.flags), (IORING_OP_NOP, 41, IOSQE_IO_LINK | IOSQE_ASYNC));
    let raw2 = built.into_sqe();
    assert_eq!((raw2.user_data, raw2.flags), (41, raw.flags));
    let mut back = Entry::from(raw);
    assert_eq!(back.user_data, 41);
    back.user_data = 42;
    assert_eq!(back.user_data, 42);
    assert_eq!(Entry::from_sqe(raw).user_data, 41);
    assert_eq!(built.personality(3).personality, 3);
    let dbg = format!("{built:?}");
    assert!(dbg.starts_with("Entry("), "{dbg}");

    let mut ring = Ring::new(4).unwrap();
    let e = Nop::new().build().user_data(43);
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    assert_eq!(ring.cq().pop().unwrap().user_data, 43);
}

/// A 128-byte entry keeps the 64-byte entry it extends, the flags of both, its
/// setters and its whole 80-byte command area, and a ring with 128-byte entries
/// runs it.
#[test]
fn a_big_entry_keeps_its_fields_and_its_command_area() {
    let mut cmd = [0u8; 80];
    for (i, b) in cmd.iter_mut().enumerate() {
        *b = i as u8 + 1;
    }
    let base = Nop::new().build().user_data(9);
    let big = Entry128::from(base).flags(SqeFlags::IO_DRAIN).personality(2).with_cmd(cmd);
    assert_eq!(big.cmd(), cmd);
    assert_eq!(
        (big.sqe.opcode, big.sqe.user_data, big.sqe.flags, big.sqe.personality),
        (IORING_OP_NOP, 9, IOSQE_IO_DRAIN, 2)
    );
    assert_eq!(big.cmd_ext[..], cmd[16..]);
    let raw = big.into_sqe();
    assert_eq!(raw.cmd_ext[63], 80);
    let again = Entry128::from_sqe(raw);
    assert_eq!(again.cmd(), cmd);
    assert_eq!(Entry128::from_entry(base).user_data(10).sqe.user_data, 10);
    assert_eq!(Entry128::from_entry(base).cmd(), [0; 80]);
    let mut m = Entry128::from_entry(base);
    m.sqe.user_data = 11;
    assert_eq!(m.sqe.user_data, 11);
    let flags = Entry128::from_entry(base.flags(SqeFlags::IO_LINK)).flags(SqeFlags::ASYNC).sqe.flags;
    assert_eq!(flags, IOSQE_IO_LINK | IOSQE_ASYNC);

    let mut ring = Builder::new(4).sqe128().build().unwrap();
    let e = UringCmd::new(-1, 0).build128().user_data(12);
    assert_eq!(e.sqe.opcode, IORING_OP_URING_CMD);
    // SAFETY: the command names no file and no memory; the kernel refuses it.
    unsafe { ring.sq().push128(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.user_data, 12);
    assert!(c.res < 0, "a uring_cmd on descriptor -1 fails: {}", c.res);
}

/// A time keeps its seconds and nanoseconds from a `Duration` and from the raw
/// structure.
#[test]
fn a_timespec_keeps_its_seconds_and_nanoseconds() {
    let t = Timespec::from(Duration::new(7, 250));
    assert_eq!((t.sec(), t.nsec()), (7, 250));
    let raw = t.into_raw();
    assert_eq!((raw.tv_sec, raw.tv_nsec), (7, 250));
    let back = Timespec::from(__kernel_timespec { tv_sec: 3, tv_nsec: 999_999_999 });
    assert_eq!((back.sec(), back.nsec()), (3, 999_999_999));
    assert_eq!(Timespec::new(2, 5), Timespec::from(Duration::new(2, 5)));
    assert_eq!(Timespec::from(Duration::MAX).sec(), i64::MAX);
}

/// The descriptor is closed. (A descriptor number far above what the tests open
/// is used, so that no other thread can be handed it between the close and the
/// check.)
#[test]
fn the_real_kernel_closes_the_descriptor_it_is_given() {
    let (r, _w) = support::pipe();
    let high = 900;
    // SAFETY: dup2 onto a number this process does not use.
    assert_eq!(unsafe { libc::dup2(r.as_raw_fd(), high) }, high);
    Linux.close(high);
    // SAFETY: fcntl on a closed descriptor only reports EBADF.
    let rc = unsafe { libc::fcntl(high, libc::F_GETFD) };
    assert_eq!((rc, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EBADF)));
}

/// A poll for `POLLOUT` carries `POLLOUT`, in a new poll and in a poll update,
/// and the kernel completes it on the writable end of an empty pipe.
#[test]
fn a_poll_asks_the_kernel_for_the_events_it_was_given() {
    let out = libc::POLLOUT as u32;
    assert_eq!(PollAdd::new(3, out).build().poll32_events(), out);
    assert_eq!(PollAdd::new(3, out | libc::POLLIN as u32).build().poll32_events(), out | libc::POLLIN as u32);
    assert_eq!(PollRemove::new(1).new_events(out).build().poll32_events(), out);

    let (_r, w) = support::pipe();
    let mut ring = Ring::new(4).unwrap();
    let e = PollAdd::new(w.as_raw_fd(), out).build().user_data(21);
    // SAFETY: a poll carries no pointer; the pipe outlives the request.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait_timeout(1, Duration::from_secs(10)).unwrap();
    let c = ring.cq().pop().expect("an empty pipe is writable at once");
    assert_eq!(c.user_data, 21);
    assert_ne!(c.res as u32 & out, 0, "res {:#x}", c.res);
}

/// A NOP names no file (`fd = -1`, as liburing's `io_uring_prep_nop` sets
/// it, which the opcode tests' field placement follows), and a NOP asked to
/// complete through task work carries `IORING_NOP_TW`. The kernel runs the
/// task-work NOP where it has the flag (6.17).
#[test]
fn a_nop_names_no_file_and_asks_for_task_work_when_told() {
    assert_eq!(Nop::new().build().fd, -1);
    assert_eq!(Nop::new().build().nop_flags(), 0);
    let e = Nop::new().task_work(true).build();
    assert_eq!((e.fd, e.nop_flags()), (-1, IORING_NOP_TW));
    let e = Nop::new().task_work(true).inject_result(-7).build();
    assert_eq!(e.nop_flags(), IORING_NOP_TW | IORING_NOP_INJECT_RESULT);

    let mut ring = Ring::new(4).unwrap();
    let e = Nop::new().task_work(true).inject_result(5).build().user_data(31);
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&e) }.unwrap();
    ring.submit_and_wait(1).unwrap();
    let c = ring.cq().pop().unwrap();
    assert_eq!(c.user_data, 31);
    if c.res == -libc::EINVAL {
        println!("skipping the kernel half: the kernel refused a NOP with IORING_NOP_TW (EINVAL; added in 6.17)");
    } else {
        assert_eq!(c.res, 5);
    }
}
