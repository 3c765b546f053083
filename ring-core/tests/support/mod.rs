//! Helpers shared by the integration tests, one module for every binary:
//! here a pipe, a counting waker and a buffer that counts its drops, for
//! tests of the driver and the layers above it; in [`rings`], scaffolding
//! for tests on the raw ring (completions, temporary files, pipes and
//! loopback sockets, registered files and buffers, a provided-buffer ring).
//! Each test binary uses a different subset of them.
#![allow(dead_code)]

pub mod alloc;
mod fixtures;
mod poll;
pub mod rings;
pub mod spy;

// Each binary uses a different subset.
#[allow(unused_imports)]
pub use fixtures::*;
#[allow(unused_imports)]
pub use poll::*;

use std::cell::Cell;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// A pipe: (read end, write end), each shared through an `Rc`, so that
/// operations naming an end can hold it open until they have ended.
pub fn pipe() -> (Rc<OwnedFd>, Rc<OwnedFd>) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors we own.
    unsafe { (Rc::new(OwnedFd::from_raw_fd(fds[0])), Rc::new(OwnedFd::from_raw_fd(fds[1]))) }
}

pub fn write_all(fd: &impl AsRawFd, data: &[u8]) {
    // SAFETY: writes from a live slice.
    let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    assert_eq!(n, data.len() as isize);
}

/// A buffer that counts how often it was dropped.
pub struct Counted {
    pub data: Vec<u8>,
    pub drops: Rc<Cell<u32>>,
}

// SAFETY: forwards to the Vec's heap memory, which is stable across moves.
unsafe impl ring_core::buf::IoBuf for Counted {
    fn stable_ptr(&self) -> *const u8 {
        self.data.as_ptr()
    }
    fn bytes_init(&self) -> usize {
        self.data.len()
    }
    fn bytes_total(&self) -> usize {
        self.data.capacity()
    }
}

// SAFETY: as above.
unsafe impl ring_core::buf::IoBufMut for Counted {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.data.as_mut_ptr()
    }
    unsafe fn set_init(&mut self, n: usize) {
        // SAFETY: forwarded contract.
        unsafe { ring_core::buf::IoBufMut::set_init(&mut self.data, n) }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

/// A waker that counts how often it was woken.
pub struct Count(pub AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker and its counter.
pub fn counter() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count(AtomicUsize::new(0)));
    let w = Waker::from(c.clone());
    (c, w)
}

/// Polls `op` once (which submits it) and turns the driver until its
/// completion has arrived (its waker was woken), without collecting the
/// output. Dropping `op` afterwards hands that completion to the
/// operation's `orphaned` hook.
pub fn run_to_completion_unobserved<F: std::future::Future + Unpin>(d: &ring_core::Driver, op: &mut F) {
    let (count, waker) = counter();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::pin::Pin::new(&mut *op).poll(&mut cx).is_pending(), "submitted on the first poll");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while count.0.load(Ordering::SeqCst) == 0 {
        assert!(std::time::Instant::now() < deadline, "the operation's completion never arrived");
        d.park(Some(std::time::Duration::from_millis(10))).unwrap();
    }
}

/// [`run_to_completion_unobserved`], then drops the future, and lets the
/// driver run what that deferred.
pub fn finish_unobserved<F: std::future::Future + Unpin>(d: &ring_core::Driver, mut op: F) {
    run_to_completion_unobserved(d, &mut op);
    drop(op);
    d.poll().unwrap();
}

/// The variable that tells a test it runs in a child process started by
/// [`child`].
pub const CHILD: &str = "RING_CORE_TEST_CHILD";

/// Whether this process is a child started by [`child`].
pub fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Runs this test binary again, as a child with [`CHILD`] set and no
/// standard input, with only the test `name` (its path in the binary,
/// `module::test`), and returns its output. For tests that must change
/// something process-wide, such as a resource limit or descriptor 0. Fails
/// the calling test if the child ran no test, because `--exact` with a name
/// that matches nothing would otherwise pass without running anything.
pub fn child(name: &str) -> std::process::Output {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("running 1 test"), "the child ran no test named {name}: {stdout}");
    out
}

/// [`child`], and whether the test passed there (printing the child's
/// output if not).
pub fn run_as_child(name: &str) -> bool {
    let out = child(name);
    if !out.status.success() {
        println!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    }
    out.status.success()
}
