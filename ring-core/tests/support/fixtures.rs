//! Fixtures for the tests of the driver and the layers above it: skipping
//! on a kernel without an opcode, temporary paths and files, a loopback
//! address, and `Raw`, an operation made of one SQE.

use ring_core::sys::io_uring_sqe;
use ring_core::{Cqe, Driver, Operation};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Whether the kernel has `op`; prints why the test skips if not.
pub fn supported(d: &Driver, op: u8, test: &str) -> bool {
    match d.require(op) {
        Ok(()) => true,
        Err(e) => {
            println!("SKIP {test}: {e}");
            false
        }
    }
}

/// A path under the system temporary directory, the same for the same
/// `name` from the same test file, and distinct across files and
/// processes (the modules of a binary run their tests at the same time).
#[track_caller]
pub fn temp_path(name: &str) -> PathBuf {
    // The calling file's path below `tests/`, so that two modules of one
    // binary with the same file name (`driver/chains.rs`,
    // `admission/chains.rs`) get different paths.
    let file = std::panic::Location::caller().file();
    let file = file.rsplit_once("tests/").map_or(file, |(_, f)| f);
    let stem = file.trim_end_matches(".rs").replace('/', "-");
    std::env::temp_dir().join(format!("ring-core-{stem}-{}-{name}", std::process::id()))
}

/// A file at [`temp_path`]`(name)`, created empty (or truncated), open for
/// reading and writing.
#[track_caller]
pub fn temp_file(name: &str) -> (PathBuf, std::fs::File) {
    let path = temp_path(name);
    let f = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    (path, f)
}

/// A path as a NUL-terminated C string.
pub fn cpath(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

/// The loopback address with a port the kernel picks.
pub fn localhost() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Whether `fd` becomes readable within `ms` milliseconds.
pub fn readable_within(fd: &OwnedFd, ms: i32) -> bool {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    n == 1 && p.revents & libc::POLLIN != 0
}

/// An operation made of one SQE with no memory behind it; its output is
/// the `res` of its first and of its terminal completion.
pub struct Raw {
    pub sqe: io_uring_sqe,
    pub wide: bool,
}

impl Raw {
    pub fn new(opcode: u8) -> Self {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = opcode;
        Raw { sqe, wide: false }
    }
}

// SAFETY: the SQEs built here carry no pointer, so the kernel touches no
// memory of ours.
unsafe impl Operation for Raw {
    type Output = (i32, i32);

    fn prepare(&mut self) -> io_uring_sqe {
        self.sqe
    }

    fn is_128(&self) -> bool {
        self.wide
    }

    fn complete(self, result: Cqe, last: Cqe) -> (i32, i32) {
        (result.res, last.res)
    }
}

/// A driver on a ring of 32 entries that submits in batches (`Batch`): a
/// cancellation waits in the SQ until the next turn, the window the tests
/// of orphaned operations use.
pub fn batch_driver() -> Driver {
    Driver::with_ring(ring_core::Builder::new(32).build().unwrap(), ring_core::driver::Batch::default())
}

/// `count` buffers of `capacity` bytes, each filled with `marker`:
/// allocated right after an operation's buffer was freed, they would take
/// its memory, so a late write by the kernel would show in one of them.
pub fn canaries(marker: u8, count: usize, capacity: usize) -> Vec<Vec<u8>> {
    (0..count).map(|_| vec![marker; capacity]).collect()
}

/// Fails the test if any of `canaries` holds anything but `marker`.
#[track_caller]
pub fn assert_untouched(canaries: &[Vec<u8>], marker: u8, what: &str) {
    for (i, c) in canaries.iter().enumerate() {
        if let Some(at) = c.iter().position(|&b| b != marker) {
            panic!(
                "{what}: the kernel wrote into freed memory: canary {i} changed at byte {at} ({:?}...)",
                String::from_utf8_lossy(&c[at..(at + 24).min(c.len())])
            );
        }
    }
}

/// A connected pair of Unix stream sockets, the first shared through an
/// `Rc` so that operations naming it can hold it open.
pub fn unix_pair() -> (std::rc::Rc<std::os::unix::net::UnixStream>, std::os::unix::net::UnixStream) {
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    (std::rc::Rc::new(a), b)
}

/// Asserts that `r` is the error `errno`.
#[track_caller]
pub fn assert_errno<T: std::fmt::Debug>(r: std::io::Result<T>, errno: i32) {
    match r {
        Err(e) => assert_eq!(e.raw_os_error(), Some(errno), "{e}"),
        Ok(v) => panic!("expected errno {errno}, got Ok({v:?})"),
    }
}
