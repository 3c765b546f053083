//! Rule: a check against a driver's own state (the file-table slots that
//! belong to its direct descriptors, the poll a removal names) is made by
//! the driver the operation starts on, never by the one whose method built
//! it; wrappers (a timeout) forward it; and an operation whose start
//! depends on such state may only be a chain's first member (a later member
//! is issued only when the one before it ends, when the state may have
//! changed), so a later one refuses the whole chain.

use crate::resources_bound_to_their_ring::{pipe, put, wait, TempFile};
use ring_core::fixed_files::{FixedFd, FixedFiles};
use ring_core::{At, Driver, Error, SharedFd};
use std::rc::Rc;
use std::time::Duration;

/// `d` with a file table whose slot 0 holds a direct descriptor on `named`.
fn table_with(d: &Driver, named: &TempFile) -> (FixedFiles, FixedFd) {
    let files = FixedFiles::new(d, 4, 0..4).unwrap();
    let fd = wait(d, d.openat_direct(&files, At::CWD, named.cpath(), libc::O_RDONLY, 0)).unwrap();
    (files, fd)
}

fn reads(d: &Driver, fd: &FixedFd) -> Vec<u8> {
    let (r, buf) = wait(d, d.read_direct(fd, Vec::with_capacity(64), 0));
    r.unwrap();
    buf
}

/// A `files_update` built by a driver with no file table, started on one
/// whose slot belongs to a direct descriptor: refused with `EBUSY` by the
/// driver it starts on, alone, as a chain's first member and under a
/// timeout; the descriptor keeps naming its file.
#[test]
fn files_update_is_checked_by_the_driver_it_starts_on() {
    let named = TempFile::new("state-named", b"NAMED-FILE");
    let other = TempFile::new("state-other", b"OTHER-FILE");
    let d1 = Driver::new(8).unwrap();
    let d2 = Driver::new(8).unwrap();
    let (_files, fd) = table_with(&d2, &named);
    let o = SharedFd::new(std::fs::File::open(other_path(&other)).unwrap());
    let slot = fd.slot() as i32;

    let v = d1.files_update(vec![Some(o.clone())], slot).into_operation().ok().unwrap();
    let (r, _) = wait(&d2, d2.op(v));
    assert_eq!(r.map_err(|e| e.raw_os_error()), Err(Some(libc::EBUSY)), "alone");

    let mut chain = d2.chain();
    chain.push(d1.files_update(vec![Some(o.clone())], slot).into_operation().ok().unwrap());
    let refused = wait(&d2, chain.start());
    assert!(refused.is_err(), "as a chain's first member");

    let timed = d1.files_update(vec![Some(o.clone())], slot).into_operation().ok().unwrap();
    let (r, _) = wait(&d2, Box::pin(d2.op(timed).with_timeout(Duration::from_secs(5)))).into_inner();
    assert_eq!(r.map_err(|e| e.raw_os_error()), Err(Some(libc::EBUSY)), "under a timeout");

    assert_eq!(reads(&d2, &fd), b"NAMED-FILE", "the direct descriptor names another file");
}

/// `fixed_fd_install` of a bare slot number, built on a driver with no
/// file table and started on one whose slot belongs to a direct
/// descriptor: refused with `EBUSY`.
#[test]
fn fixed_fd_install_is_checked_by_the_driver_it_starts_on() {
    let named = TempFile::new("state-install", b"NAMED-FILE");
    let d1 = Driver::new(8).unwrap();
    let d2 = Driver::new(8).unwrap();
    let (_files, fd) = table_with(&d2, &named);
    let v = d1.fixed_fd_install(fd.slot()).into_operation().ok().unwrap();
    let r = wait(&d2, d2.op(v));
    assert_eq!(r.map(|_| ()).map_err(|e| e.raw_os_error()), Err(Some(libc::EBUSY)));
}

/// A `files_update` as a later chain member is issued only when the
/// member before it ends, after a file table may have been registered and
/// a direct descriptor opened into the slot: such a chain is refused
/// whole, before anything reaches the kernel.
#[test]
fn a_state_check_is_refused_as_a_later_chain_member() {
    let named = TempFile::new("state-late", b"NAMED-FILE");
    let other = TempFile::new("state-late-other", b"OTHER-FILE");
    let d = Driver::new(8).unwrap();
    drop(FixedFiles::new(&d, 4, 0..4).unwrap());
    let (r, _w) = pipe();
    let o = SharedFd::new(std::fs::File::open(other_path(&other)).unwrap());
    let mut chain = d.chain().hard();
    chain.push(d.read(&r, Vec::<u8>::with_capacity(8)).into_operation().ok().unwrap());
    chain.push(d.files_update(vec![Some(o)], 0).into_operation().ok().unwrap());
    let refused = wait(&d, chain.start());
    let Err(refused) = refused else {
        // Started: show what it would have done, then fail.
        let files = FixedFiles::new(&d, 4, 0..4);
        let fd = files.as_ref().ok().map(|f| wait(&d, d.openat_direct(f, At::CWD, named.cpath(), 0, 0)));
        put(&*_w, b"go");
        panic!("a files_update was accepted as a later chain member (descriptor: {:?})", fd.map(|r| r.is_ok()));
    };
    assert!(matches!(refused.error(), Error::InvalidArgument(_)), "{}", refused.error());
    assert_eq!(d.in_flight(), 0, "nothing of the chain reached the kernel");
    let _ = named;
}

/// A poll removal under a timeout (a chain of the removal and its timer)
/// is checked as a single removal is: the poll it names ended, so it never
/// reaches the kernel.
#[test]
fn a_timed_poll_removal_names_only_a_poll_in_flight() {
    let d = Driver::new(8).unwrap();
    let (r, w) = pipe();
    let mut poll = d.poll_add(&r, libc::POLLIN as u32);
    let _ = wait_once(&d, &mut poll);
    let target = poll.poll_target().expect("the poll is in flight");
    let removal = d.poll_remove(target).unwrap().into_operation().ok().unwrap();
    put(&*w, b"x");
    wait(&d, &mut poll).unwrap();
    let started = d.stats().started;
    let out = wait(&d, Box::pin(d.op(removal).with_timeout(Duration::from_secs(5)))).into_inner();
    assert!(out.is_err(), "the removal of a poll that ended succeeded");
    assert_eq!(d.stats().started, started, "the removal of a poll that ended reached the kernel");
    let _: &Rc<_> = &r;
}

fn other_path(t: &TempFile) -> std::path::PathBuf {
    std::path::PathBuf::from(t.cpath().into_string().unwrap())
}

/// Polls once and turns the driver once (the operation is submitted).
fn wait_once<F: std::future::Future + Unpin>(d: &Driver, f: &mut F) -> std::task::Poll<F::Output> {
    let r = std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    d.poll().unwrap();
    r
}

/// A `files_update` checked while the driver had no file table, its entry
/// written but not yet submitted (the default strategy holds it until the
/// next turn), then a table registered whose allocation range covers the
/// slot: the registration submits what is queued first, so the kernel
/// issues the update before the table exists (it fails, `ENXIO`) and it
/// never lands in a slot reserved for direct descriptors; the first
/// direct descriptor then gets slot 0.
#[test]
fn a_registration_submits_what_was_checked_before_it() {
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Waker};
    let named = TempFile::new("state-queued", b"QUEUED-FILE");
    let d = Driver::new(8).unwrap();
    d.poll().unwrap();
    let f = SharedFd::new(std::fs::File::open(other_path(&named)).unwrap());
    let mut update = d.files_update(vec![Some(f)], 0);
    assert!(Pin::new(&mut update).poll(&mut Context::from_waker(Waker::noop())).is_pending());
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    let (r, _) = wait(&d, update);
    assert!(r.is_err(), "the update reached the kernel after the table was registered: {r:?}");
    let fd = wait(&d, d.openat_direct(&files, At::CWD, named.cpath(), libc::O_RDONLY, 0)).unwrap();
    assert_eq!(fd.slot(), 0, "slot 0 was taken by the update");
    assert_eq!(reads(&d, &fd), b"QUEUED-FILE");
}
