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

mod epoll;
mod io_objects;
mod paths;
mod processes_and_messages;
mod splice_and_tee;

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
