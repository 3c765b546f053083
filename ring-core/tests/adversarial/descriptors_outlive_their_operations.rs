//! **Rule: an operation that names a descriptor keeps that descriptor alive
//! until its terminal completion; no safe call can make an operation's I/O
//! land on a file other than the one the caller named.**
//!
//! The kernel looks a descriptor number up when it *issues* a request, and
//! that can be long after the entry was written: under the `Batch` strategy
//! the entry is submitted at the next park; on an SQPOLL ring whenever the
//! poll thread reads it; a linked chain's later member only once the members
//! before it have finished. Each test here writes an entry, lets go of
//! everything the caller held — the future (dropped or forgotten) and the
//! caller's own handle of the file — opens another file, which takes the
//! lowest free number (the old one, had it been freed), and only then lets
//! the kernel issue the request. The I/O must land on the file the caller
//! named: its bytes there, none in the other; a read returns the named
//! file's data.
//!
//! Each test fails when the operations keep only the number (the old
//! behaviour): the other file then takes the number and receives the I/O.
//!
//! The attacks use safe code only. The one `unsafe` block creates an epoll
//! instance, for which the standard library has no API; it is the fixture,
//! not the attack.

use crate::support::{finish, poll_once, settle};
use ring_core::adapters::{AioContext, Uring};
use ring_core::buf::AlignedBuf;
use ring_core::driver::{Batch, SqPoll};
use ring_core::ops::{Read, Write};
use ring_core::{At, Builder, Driver, SharedFd};
use std::ffi::CString;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard};
use std::task::Poll;
use std::time::Duration;

/// The tests in this module take turns: each relies on the kernel handing
/// the lowest free number to the next descriptor opened, which another of
/// them opening or closing descriptors at the same moment could blur.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A scratch path unique to this process and test.
fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ring-adv-fd-{}-{name}", std::process::id()))
}

/// A file at `path` holding `data`, open for reading and writing.
fn file_with(path: &Path, data: &[u8]) -> std::fs::File {
    std::fs::write(path, data).unwrap();
    std::fs::OpenOptions::new().read(true).write(true).open(path).unwrap()
}

/// Removes the scratch files (and directories) when a test ends.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_dir_all(p);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// The verdict on a write: the named file holds `expected`, the other file
/// (which took the named one's number, had it been freed) holds what it
/// held before, and the other file could not take the number.
fn wrote_to_the_named_file(named: &Path, other: &Path, other_before: &[u8], expected: &[u8], reused: bool) {
    let took = if reused { "took" } else { "did not take" };
    let other_now = std::fs::read(other).unwrap();
    assert!(
        other_now == other_before,
        "the I/O landed on the other file (which {took} the named file's number): it holds {}",
        show(&other_now)
    );
    let named_now = std::fs::read(named).unwrap();
    assert!(named_now == expected, "the named file did not receive the I/O: it holds {}", show(&named_now));
    assert!(!reused, "the named file's number was freed while an operation still named it");
}

/// Bytes for a failure message: the text, shortened.
fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(40)]);
    format!("{} bytes, {text:?}{}", bytes.len(), if bytes.len() > 40 { "..." } else { "" })
}

/// A pipe made through the ring (`IORING_OP_PIPE`): the read and write
/// ends, or `None` (with the reason printed) on a kernel without it.
fn pipe(d: &Driver, test: &str) -> Option<(Rc<std::fs::File>, Rc<std::fs::File>)> {
    if let Err(e) = d.require(ring_core::sys::IORING_OP_PIPE) {
        println!("SKIP {test}: {e} (the opcode probe; added in 6.16)");
        return None;
    }
    let (r, w) = finish(d, d.pipe(0)).unwrap();
    Some((Rc::new(std::fs::File::from(r)), Rc::new(std::fs::File::from(w))))
}

/// An SQPOLL ring, or `None` (with the reason printed) where it cannot be set up.
fn sqpoll_ring(test: &str) -> Option<ring_core::Ring> {
    match Builder::new(16).sqpoll(Some(100)).build() {
        Ok(r) => Some(r),
        Err(e) => {
            println!("SKIP {test}: no SQPOLL ring here ({e})");
            None
        }
    }
}

/// The premise of every test below: a closed descriptor's number goes to
/// the next descriptor opened. (Other test binaries' threads open files
/// too, so it is tried a few times; once is enough to show it.)
#[test]
fn a_closed_descriptors_number_goes_to_the_next_open() {
    let _t = turn();
    let path = scratch("premise");
    let _c = Cleanup(vec![path.clone()]);
    let reused = (0..20).any(|_| {
        let first = file_with(&path, b"");
        let n = first.as_raw_fd();
        drop(first);
        file_with(&path, b"").as_raw_fd() == n
    });
    assert!(reused, "twenty closes in a row, and the next open never took the number");
}

/// Path: the `Batch` strategy writes the entry at the first poll and
/// submits it only at the next park. The future is forgotten and the
/// caller's `Rc` dropped before the park.
#[test]
fn a_batched_write_forgotten_before_the_park_lands_on_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("batch-fg-named"), scratch("batch-fg-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = d.write_at(&named, b"for the named file".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending(), "written, waiting for the park");
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"for the named file", reused);
}

/// Path: `Batch`, as above, with the future dropped instead: the driver
/// orphans the send and queues a cancellation behind it, but a send on a
/// socket with room completes as it is issued, before the cancellation. A
/// new socket pair takes the lowest free numbers; the bytes reach the named
/// socket's peer.
#[test]
fn a_batched_send_dropped_before_the_park_reaches_the_named_socket() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let (named, named_peer) = UnixStream::pair().unwrap();
    let named = Rc::new(named);
    let number = named.as_raw_fd();
    let mut op = d.send(&named, b"to the named peer".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    drop(op);
    drop(named);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    received_by_the_named_peer(&named_peer, &other_peer, b"to the named peer", reused);
}

/// The verdict on a send: the named socket's peer received `expected`, the
/// other socket's peer nothing, and the other socket could not take the
/// named one's number.
fn received_by_the_named_peer(named_peer: &UnixStream, other_peer: &UnixStream, expected: &[u8], reused: bool) {
    let mut buf = [0u8; 64];
    other_peer.set_nonblocking(true).unwrap();
    if let Ok(n) = (&*other_peer).read(&mut buf) {
        panic!("the bytes went to another socket (which took the number: {reused}): {}", show(&buf[..n]));
    }
    named_peer.set_nonblocking(true).unwrap();
    let n = (&*named_peer).read(&mut buf).expect("the named peer received the bytes");
    assert_eq!(&buf[..n], expected);
    assert!(!reused, "the socket's number was freed while an operation still named it");
}

/// Path: `Batch`. Only the caller's handle goes; the future is kept and
/// awaited, and the read returns the named file's bytes.
#[test]
fn a_batched_read_whose_handle_was_dropped_reads_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("batch-read-named"), scratch("batch-read-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let named = Rc::new(file_with(&named_path, b"the named file's bytes"));
    let number = named.as_raw_fd();
    let mut op = d.read_at(&named, Vec::with_capacity(64), 0);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let other = file_with(&other_path, b"another file's bytes");
    let reused = other.as_raw_fd() == number;
    let (n, buf) = finish(&d, op);
    assert_eq!(&buf[..n.unwrap()], b"the named file's bytes", "the read came from another file");
    assert!(!reused, "the number was freed while the read still named it");
}

/// Path: `Batch`, the handle dropped before the operation was even polled
/// (it is still waiting in its future, not in the driver's table), then
/// forgotten after its first poll. `ftruncate` (6.9) shows that not only
/// reads and writes are covered.
#[test]
fn a_truncate_whose_handle_went_before_its_first_poll_truncates_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("trunc-named"), scratch("trunc-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_FTRUNCATE) {
        println!("SKIP truncate test: {e} (the opcode probe; added in 6.9)");
        return;
    }
    let full = d.credits();
    let named = Rc::new(file_with(&named_path, b"0123456789"));
    let number = named.as_raw_fd();
    let mut op = d.ftruncate(&named, 4);
    drop(named);
    let other = file_with(&other_path, b"abcdefghij");
    let reused = other.as_raw_fd() == number;
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"abcdefghij", b"0123", reused);
}

/// Path: SQPOLL. On an SQPOLL ring driven with the `Batch` strategy the
/// entry becomes visible to the poll thread only when the park publishes
/// the tail, and the poll thread issues it some time after that.
#[test]
fn an_sqpoll_write_forgotten_before_it_is_published_lands_on_the_named_file() {
    let _t = turn();
    let Some(ring) = sqpoll_ring("SQPOLL batched write") else { return };
    let (named_path, other_path) = (scratch("sqpoll-named"), scratch("sqpoll-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::with_ring(ring, Batch::default());
    let full = d.credits();
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = d.write_at(&named, b"through the poll thread".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"through the poll thread", reused);
}

/// Path: SQPOLL with its own strategy (the tail is published at once, and
/// the poll thread takes the chain), and a linked chain: the write is the
/// second member, behind a read of a socket that has nothing to read. The
/// kernel issues the write only once the read completes, long after the
/// caller forgot the write and dropped the file.
#[test]
fn an_sqpoll_chained_write_behind_a_slow_read_lands_on_the_named_file() {
    let _t = turn();
    let Some(ring) = sqpoll_ring("SQPOLL chained write") else { return };
    let (named_path, other_path) = (scratch("sqpoll-chain-named"), scratch("sqpoll-chain-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::with_ring(ring, SqPoll);
    chained_write_behind_a_slow_read(&d, &named_path, &other_path);
}

/// Path: a linked chain's second member behind a slow first one (the
/// default `Batch` strategy: the chain is submitted at the first park, and
/// the second member waits in the kernel for the first).
#[test]
fn a_chained_write_behind_a_slow_read_lands_on_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("chain-named"), scratch("chain-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    chained_write_behind_a_slow_read(&d, &named_path, &other_path);
}

fn chained_write_behind_a_slow_read(d: &Driver, named_path: &Path, other_path: &Path) {
    let full = d.credits();
    let (gate, opener) = UnixStream::pair().unwrap();
    let gate = Rc::new(gate);
    let named = Rc::new(file_with(named_path, b""));
    let number = named.as_raw_fd();
    let mut chain = d.chain();
    // Exactly the two bytes the gate will let through: a short read would
    // break the link, and the write would never run.
    let first = chain.push(Read::new(&gate, Vec::with_capacity(2), u64::MAX));
    let second = chain.push(Write::new(&named, b"after the gate".to_vec(), 0));
    let mut started = finish(d, chain.start()).unwrap();
    let mut read = started.take(first).unwrap();
    let write = started.take(second).unwrap();
    std::mem::forget(write);
    drop(named);
    // Let the chain reach the kernel and the read block there.
    for _ in 0..3 {
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    assert!(poll_once(&mut read).is_pending(), "the gate is closed");
    let other = file_with(other_path, b"");
    let reused = other.as_raw_fd() == number;
    (&opener).write_all(b"go").unwrap();
    let (n, _) = finish(d, read);
    assert_eq!(n.unwrap(), 2);
    settle(d, full);
    wrote_to_the_named_file(named_path, other_path, b"", b"after the gate", reused);
}

/// Path: `Batch`; the descriptor is an `openat`'s directory. The caller
/// drops its handle of directory `one` before the open is submitted, then
/// opens directory `two`; the open still resolves in `one`.
#[test]
fn an_openat_relative_to_a_dropped_directory_opens_in_the_named_directory() {
    let _t = turn();
    let (one, two) = (scratch("dir-one"), scratch("dir-two"));
    let _c = Cleanup(vec![one.clone(), two.clone()]);
    for (dir, data) in [(&one, b"in one"), (&two, b"in two")] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("x"), data).unwrap();
    }
    let d = Driver::new(16).unwrap();
    let dir = Rc::new(std::fs::File::open(&one).unwrap());
    let number = dir.as_raw_fd();
    let mut op = d.openat(&dir, CString::new("x").unwrap(), libc::O_RDONLY, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(dir);
    let other = std::fs::File::open(&two).unwrap();
    let reused = other.as_raw_fd() == number;
    let fd = finish(&d, op).unwrap();
    let mut got = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut got).unwrap();
    assert_eq!(got, b"in one", "the open resolved in another directory");
    assert!(!reused, "the directory's number was freed while the open still named it");
}

/// Path: `Batch`; the descriptor is an `unlinkat`'s directory, the
/// future is forgotten and the caller's handle dropped before the park.
#[test]
fn an_unlinkat_forgotten_before_the_park_removes_from_the_named_directory() {
    let _t = turn();
    let (one, two) = (scratch("unlink-one"), scratch("unlink-two"));
    let _c = Cleanup(vec![one.clone(), two.clone()]);
    for dir in [&one, &two] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("x"), b"x").unwrap();
    }
    let d = Driver::new(16).unwrap();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_UNLINKAT) {
        println!("SKIP unlinkat test: {e} (the opcode probe; added in 5.11)");
        return;
    }
    let full = d.credits();
    let dir = Rc::new(std::fs::File::open(&one).unwrap());
    let number = dir.as_raw_fd();
    let mut unlink = d.unlinkat(At::dir(&dir), CString::new("x").unwrap(), 0);
    assert!(poll_once(&mut unlink).is_pending());
    std::mem::forget(unlink);
    drop(dir);
    let other = std::fs::File::open(&two).unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    assert!(two.join("x").exists(), "the unlink removed a file of another directory");
    assert!(!one.join("x").exists(), "the named directory's file is still there");
    assert!(!reused, "the directory's number was freed while the unlink still named it");
}

/// Path: `Batch`; the descriptor is a splice's *input*. The caller drops
/// the named file before the splice is submitted and opens another; the
/// pipe receives the named file's bytes.
#[test]
fn a_splice_from_a_dropped_file_moves_the_named_files_bytes() {
    let _t = turn();
    let (named_path, other_path) = (scratch("splice-in-named"), scratch("splice-in-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let Some((rd, wr)) = pipe(&d, "splice input") else { return };
    let named = Rc::new(file_with(&named_path, b"named bytes"));
    let number = named.as_raw_fd();
    let mut op = d.splice(&named, Some(0), &wr, None, 11, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let other = file_with(&other_path, b"other bytes");
    let reused = other.as_raw_fd() == number;
    assert_eq!(finish(&d, op).unwrap(), 11);
    let mut got = [0u8; 11];
    (&*rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"named bytes", "the splice read another file");
    assert!(!reused, "the input's number was freed while the splice still named it");
}

/// Path: `Batch`; the descriptor is a splice's *output*, and the future is
/// forgotten.
#[test]
fn a_splice_into_a_dropped_file_forgotten_before_the_park_writes_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("splice-out-named"), scratch("splice-out-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let Some((rd, wr)) = pipe(&d, "splice output") else { return };
    let full = d.credits();
    (&*wr).write_all(b"spliced").unwrap();
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = d.splice(&rd, None, &named, Some(0), 7, 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"spliced", reused);
}

/// Path: `Batch`; the descriptor is a tee's input pipe. The caller drops
/// its read end before the tee is submitted; a new pipe, whose read end
/// takes the lowest free number, holds other bytes. The tee copies the
/// named pipe's bytes.
#[test]
fn a_tee_from_a_dropped_pipe_copies_the_named_pipes_bytes() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let Some((named_rd, named_wr)) = pipe(&d, "tee") else { return };
    let Some((out_rd, out_wr)) = pipe(&d, "tee") else { return };
    (&*named_wr).write_all(b"named").unwrap();
    let number = named_rd.as_raw_fd();
    let mut op = d.tee(&named_rd, &out_wr, 5, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(named_rd);
    let (other_rd, other_wr) = pipe(&d, "tee").unwrap();
    (&*other_wr).write_all(b"other").unwrap();
    let reused = other_rd.as_raw_fd() == number;
    assert_eq!(finish(&d, op).unwrap(), 5);
    let mut got = [0u8; 5];
    (&*out_rd).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"named", "the tee copied another pipe");
    assert!(!reused, "the input's number was freed while the tee still named it");
}

/// A new epoll instance (the fixture; see the module documentation).
fn epoll() -> Rc<OwnedFd> {
    // SAFETY: epoll_create1 takes no pointer and returns a new descriptor
    // or -1, checked below.
    let fd: RawFd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(fd >= 0, "epoll_create1: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` was just created and nothing else owns it.
    Rc::new(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Whether `fd` becomes readable within a short while, asked through the
/// ring (a poll that is cancelled if it has not fired).
fn readable_soon(d: &Driver, fd: &impl ring_core::AsSharedFd) -> bool {
    let mut poll = d.poll_add(fd, libc::POLLIN as u32);
    for _ in 0..20 {
        if let Poll::Ready(r) = poll_once(&mut poll) {
            return r.is_ok();
        }
        d.park(Some(Duration::from_millis(5))).unwrap();
    }
    let r = finish(d, poll.cancel());
    matches!(r, ring_core::Cancelled::Completed(Ok(_)))
}

/// Path: `Batch`; the descriptor is `epoll_ctl`'s *target*. The caller
/// drops the socket before the registration is submitted; a new socket
/// takes the lowest free number and is made readable. The epoll instance
/// must not report it: the registration was of the named socket (which
/// goes away with the operation).
#[test]
fn an_epoll_ctl_whose_target_was_dropped_never_registers_another_file() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let ep = epoll();
    let (named, _named_peer) = UnixStream::pair().unwrap();
    let named = Rc::new(named);
    let number = named.as_raw_fd();
    let mut op = d.epoll_ctl(&ep, &named, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 42);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    finish(&d, op).expect("the named socket was registered");
    (&other_peer).write_all(b"ready").unwrap();
    assert!(!readable_soon(&d, &ep), "the epoll instance watches another socket");
    assert!(!reused, "the target's number was freed while the registration still named it");
}

/// Path: `Batch`; the descriptor is `epoll_ctl`'s *epoll instance*. The
/// caller drops it before the registration is submitted; a new epoll
/// instance takes the lowest free number. The registration must not land
/// in it.
#[test]
fn an_epoll_ctl_whose_epoll_instance_was_dropped_never_registers_into_another() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let (watched, watched_peer) = UnixStream::pair().unwrap();
    let watched = Rc::new(watched);
    (&watched_peer).write_all(b"ready").unwrap();
    let named = epoll();
    let number = named.as_raw_fd();
    let mut op = d.epoll_ctl(&named, &watched, libc::EPOLL_CTL_ADD, libc::EPOLLIN as u32, 7);
    assert!(poll_once(&mut op).is_pending());
    drop(named);
    let other = epoll();
    let reused = other.as_raw_fd() == number;
    finish(&d, op).expect("registered in the named instance");
    assert!(!readable_soon(&d, &other), "the registration landed in another epoll instance");
    assert!(!reused, "the instance's number was freed while the registration still named it");
}

/// Path: `Batch`; the crate's own [`ring_core::File`]. A write is
/// forgotten and the file dropped; another file is opened.
#[test]
fn a_ring_file_dropped_with_a_forgotten_write_still_receives_it() {
    let _t = turn();
    let (named_path, other_path) = (scratch("file-named"), scratch("file-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let named = ring_core::File::from_std(&d, file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = named.write_at(b"through ring_core::File".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"through ring_core::File", reused);
}

/// Path: `Batch`; [`ring_core::File::close`] with a write in flight (its
/// future forgotten). `close` finds the write still holding the descriptor,
/// leaves it open and reports success; the number stays taken until the
/// write has ended.
#[test]
fn closing_a_ring_file_with_a_write_in_flight_leaves_the_descriptor_to_the_write() {
    let _t = turn();
    let (named_path, other_path) = (scratch("close-named"), scratch("close-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let named = ring_core::File::from_std(&d, file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut op = named.write_at(b"before the close".to_vec(), 0);
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    let mut close = Box::pin(named.close());
    assert!(matches!(poll_once(&mut close), Poll::Ready(Ok(()))), "nothing to close yet");
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", b"before the close", reused);
}

/// Path: `Batch`; the crate's [`ring_core::net::UnixStream`]. A send is
/// forgotten and the stream dropped; a new socket pair takes the lowest
/// free numbers. The bytes reach the named stream's peer, not the new one.
#[test]
fn a_ring_socket_dropped_with_a_forgotten_send_sends_to_its_own_peer() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let (named, named_peer) = UnixStream::pair().unwrap();
    let named = ring_core::net::UnixStream::from_std(&d, named);
    let number = named.as_raw_fd();
    let mut op = named.write(b"to the named peer".to_vec());
    assert!(poll_once(&mut op).is_pending());
    std::mem::forget(op);
    drop(named);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    received_by_the_named_peer(&named_peer, &other_peer, b"to the named peer", reused);
}

/// Path: `Batch`; the [`Uring`] adapter over a socket. A write's future
/// is dropped (the operation stays in the adapter), then the adapter
/// itself, with the caller's only handle of the socket: the driver orphans
/// the write (a send on a socket with room completes as it is issued, before
/// the cancellation the driver sends behind it). A new socket pair takes
/// the lowest free numbers; the bytes reach the named socket's peer.
#[test]
fn a_dropped_uring_adapters_write_reaches_its_own_socket() {
    let _t = turn();
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let (named, named_peer) = UnixStream::pair().unwrap();
    let mut adapter = Uring::new(&d, named);
    let number = adapter.get_ref().as_raw_fd();
    {
        let mut w = Box::pin(adapter.write(b"through the adapter"));
        assert!(poll_once(&mut w).is_pending());
    }
    assert!(adapter.has_pending());
    drop(adapter);
    let (other, other_peer) = UnixStream::pair().unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    received_by_the_named_peer(&named_peer, &other_peer, b"through the adapter", reused);
}

/// Path: `Batch`; the [`AioContext`] adapter. The write's future is
/// forgotten after it started, and the caller's `Rc` dropped.
#[test]
fn a_forgotten_aio_context_write_lands_on_the_named_file() {
    let _t = turn();
    let (named_path, other_path) = (scratch("aio-named"), scratch("aio-other"));
    let _c = Cleanup(vec![named_path.clone(), other_path.clone()]);
    let d = Driver::new(16).unwrap();
    let full = d.credits();
    let ctx = AioContext::new(&d, 4);
    let named = Rc::new(file_with(&named_path, b""));
    let number = named.as_raw_fd();
    let mut buf = AlignedBuf::new(4096).unwrap();
    buf.as_mut_slice().fill(b'a');
    let mut w = Box::pin(ctx.write(&named, 0, buf));
    assert!(poll_once(&mut w).is_pending());
    assert_eq!(ctx.in_flight(), 1, "the write started");
    std::mem::forget(w);
    drop(named);
    let other = file_with(&other_path, b"");
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    wrote_to_the_named_file(&named_path, &other_path, b"", &[b'a'; 4096], reused);
}

/// A descriptor open for the life of the process needs nothing to keep it
/// open: the standard streams and a leaked file are accepted as they are.
#[test]
fn process_lifetime_descriptors_are_accepted_without_a_keeper() {
    let d = Driver::new(16).unwrap();
    let leaked: &'static std::fs::File = Box::leak(Box::new(std::fs::File::open("/dev/null").unwrap()));
    let static_fd = SharedFd::from_static(std::os::fd::AsFd::as_fd(leaked));
    let (n, _) = finish(&d, d.read(&static_fd, Vec::with_capacity(8)));
    assert_eq!(n.unwrap(), 0, "/dev/null reads as empty");
    let (n, _) = finish(&d, d.write(&std::io::stderr(), Vec::new()));
    assert_eq!(n.unwrap(), 0);
}

/// `pidfd_open(2)` of `pid`.
fn pidfd_open(pid: u32) -> OwnedFd {
    // SAFETY: pidfd_open has no memory effects; the result is checked.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    assert!(fd >= 0, "pidfd_open: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor this test owns.
    unsafe { OwnedFd::from_raw_fd(fd as RawFd) }
}

/// Path: a `P_PIDFD` wait names a pidfd, which the kernel looks up when it
/// issues the request (at the next park under `Batch`). A bare number is
/// refused (`waitid` with `P_PIDFD`); `waitid_pidfd` holds the pidfd, so
/// the caller's handle can go and another child's pidfd cannot take the
/// number: the wait reaps the named child, not the other one.
#[test]
fn a_pidfd_wait_whose_handle_was_dropped_reaps_the_named_child() {
    let _t = turn();
    let d = Driver::new(8).unwrap();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_WAITID) {
        println!("SKIP: {e} (the opcode probe; added in 6.7)");
        return;
    }
    let mut named = std::process::Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
    let mut other = std::process::Command::new("sh").args(["-c", "exit 5"]).spawn().unwrap();
    let pa = pidfd_open(named.id());
    let r = finish(&d, d.waitid(libc::P_PIDFD, pa.as_raw_fd() as libc::id_t, libc::WEXITED));
    let e = r.expect_err("a bare pidfd number is refused");
    let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
    assert!(matches!(typed, Some(ring_core::Error::InvalidArgument(_))), "{e}");
    assert_eq!(d.stats().started, 0, "the bare number never reached the kernel");

    let pa = Rc::new(pa);
    let n = pa.as_raw_fd();
    let mut wait = d.waitid_pidfd(&pa, libc::WEXITED);
    assert!(poll_once(&mut wait).is_pending(), "written, not yet submitted");
    drop(pa);
    let pb = pidfd_open(other.id());
    let reused = pb.as_raw_fd() == n;
    let st = finish(&d, wait).unwrap();
    assert_eq!(
        (st.pid as u32, st.status),
        (named.id(), 3),
        "the wait reaped another child (whose pidfd {} the named one's number)",
        if reused { "took" } else { "did not take" }
    );
    assert!(!reused, "the named pidfd's number was freed while a wait still named it");
    // The other child is still there for its owner to reap.
    assert_eq!(other.wait().unwrap().code(), Some(5));
    assert!(named.try_wait().is_err(), "already reaped by the ring");
    drop(pb);
}

/// Path: descriptors passed in a message's control data (`SCM_RIGHTS`)
/// are numbers the kernel looks up when it issues the send: one closed
/// meanwhile, its number taken by another file, would send that file to
/// the peer. A message whose control data passes descriptors is refused
/// (`Error::InvalidArgument`, the message back, nothing submitted); other
/// control data still goes out.
#[test]
fn a_message_passing_descriptors_by_number_is_refused() {
    let _t = turn();
    let d = Driver::new(8).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let passed = std::fs::File::open("/dev/null").unwrap();
    let hdr = core::mem::size_of::<libc::cmsghdr>();
    let control = |level: i32, ty: i32, data: &[u8]| {
        // SAFETY: cmsghdr is plain integers; all-zero is valid.
        let mut c: libc::cmsghdr = unsafe { core::mem::zeroed() };
        c.cmsg_len = (hdr + data.len()) as _;
        c.cmsg_level = level;
        c.cmsg_type = ty;
        // SAFETY: the header's bytes, read as bytes.
        let mut bytes = unsafe { core::slice::from_raw_parts((&raw const c).cast::<u8>(), hdr) }.to_vec();
        bytes.extend_from_slice(data);
        bytes.resize(bytes.len().next_multiple_of(core::mem::size_of::<usize>()), 0);
        bytes
    };
    let fd_bytes = passed.as_raw_fd().to_ne_bytes();
    // SCM_RIGHTS first, or after another control message.
    let mut second = control(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[0; 12]);
    second.extend(control(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes));
    for c in [control(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fd_bytes), second] {
        let msg = ring_core::ops::Msg::new(vec![b"x".to_vec()]).control(c.clone());
        let (r, back) = finish(&d, d.sendmsg(&a, msg, 0));
        let e = r.expect_err("refused");
        let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
        assert!(matches!(typed, Some(ring_core::Error::InvalidArgument(_))), "{e}");
        assert_eq!(back.control, c, "the message comes back");
    }
    assert_eq!(d.stats().started, 0, "nothing was submitted");
    // A message without descriptors is sent.
    let (r, _) = finish(&d, d.sendmsg(&a, ring_core::ops::Msg::new(vec![b"y".to_vec()]), 0));
    assert_eq!(r.unwrap(), 1);
    let mut got = [0u8; 1];
    (&b).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"y");
}
