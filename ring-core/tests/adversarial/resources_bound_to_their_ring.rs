//! Every kernel-side resource a safe API can hold belongs to the ring it was
//! registered with, and every safe API that takes one refuses another
//! ring's: an operation completes with `EXDEV` without reaching the kernel,
//! a call returns `Error::ForeignResource`.
//!
//! A resource is named to the kernel by a number that means something only
//! on its own ring (a buffer group id, a registered-buffer index, a file
//! table slot), and each ring has its own numbering: on another ring the
//! same number is another buffer, another file, or nothing. The attacks
//! here build two rings with the same numbers in use and hand one ring's
//! resource to the other. Kernel writes are detected with canaries: data
//! and buffers whose content is known, checked after the kernel is done.

use ring_core::fixed::{FixedBuffers, FixedError};
use ring_core::fixed_files::FixedFiles;
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{AsSharedFd, At, Builder, Driver, Error, Ring, Runtime};
use std::ffi::CString;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

// ---- scaffolding ----

/// A pipe: (read end, write end).
pub fn pipe() -> (Rc<OwnedFd>, Rc<OwnedFd>) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors nothing else owns.
    unsafe { (Rc::new(OwnedFd::from_raw_fd(fds[0])), Rc::new(OwnedFd::from_raw_fd(fds[1]))) }
}

/// Writes all of `data` to `fd`.
pub fn put(fd: &impl AsRawFd, data: &[u8]) {
    // SAFETY: writes from a live slice.
    let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    assert_eq!(n, data.len() as isize);
}

/// Polls `fut` to completion, turning `d` (the driver it runs on) between
/// polls. Bounded: a hang fails the test.
pub fn wait<F: Future + Unpin>(d: &Driver, mut fut: F) -> F::Output {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = Pin::new(&mut fut).poll(&mut cx) {
            return v;
        }
        assert!(Instant::now() < deadline, "the operation did not complete");
        d.park(Some(Duration::from_millis(10))).unwrap();
    }
}

/// Whether `r` is the refusal of a resource of another ring.
pub fn is_exdev<T>(r: &io::Result<T>) -> bool {
    matches!(r, Err(e) if e.raw_os_error() == Some(libc::EXDEV))
}

/// A temporary file with known content, removed when dropped.
pub struct TempFile(PathBuf);

impl TempFile {
    pub fn new(name: &str, content: &[u8]) -> TempFile {
        let p = std::env::temp_dir().join(format!("ring-core-adversarial-{}-{name}", std::process::id()));
        std::fs::write(&p, content).unwrap();
        TempFile(p)
    }

    pub fn cpath(&self) -> CString {
        CString::new(self.0.as_os_str().as_bytes()).unwrap()
    }

    pub fn contents(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap()
    }

    pub fn open(&self) -> Rc<std::fs::File> {
        Rc::new(std::fs::OpenOptions::new().read(true).write(true).open(&self.0).unwrap())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Buffers of a known pattern, allocated where freed memory would be
/// reused, and checked once the kernel is done: a kernel write into memory
/// Rust gave back shows up as a changed canary.
pub struct Canaries(Vec<Vec<u8>>);

impl Canaries {
    pub fn new(count: usize, len: usize) -> Canaries {
        Canaries((0..count).map(|i| vec![0xA5 ^ i as u8; len]).collect())
    }

    pub fn assert_intact(&self) {
        for (i, c) in self.0.iter().enumerate() {
            assert!(c.iter().all(|&b| b == 0xA5 ^ i as u8), "canary {i} was written");
        }
    }
}

// ---- buffer pools ----

/// Rule: a buffer pool belongs to the ring it was registered with. Each
/// operation of another driver that selects from it (`read_pool`,
/// `recv_pool` and the four multishot streams, also when the stream's
/// value is taken back and restarted with `multishot_keep`) completes with
/// `EXDEV` without reaching the kernel. Started, it would take a buffer of
/// that ring's group of the same id, and the pool would turn the reported
/// buffer id into a `PoolBuf` over its own buffer, which its own kernel
/// still owns and writes, or which another `PoolBuf` already covers.
#[test]
fn a_buffer_pool_is_refused_by_another_driver() {
    let a = Driver::new(8).unwrap();
    let b = Driver::new(8).unwrap();
    assert_ne!(a.ring_id(), b.ring_id());
    let cfg = BufRingConfig::new(3, 4).buffers(4, 64);
    let pool_a = BufferPool::new(&a, cfg).unwrap();
    let pool_b = BufferPool::new(&b, cfg).unwrap();
    assert_eq!(pool_a.ring_id(), a.ring_id());

    let (r, w) = pipe();
    put(&w, b"for b's own buffers");
    let got = wait(&b, b.read_pool(&r, &pool_a, u64::MAX));
    assert!(is_exdev(&got), "a pool of another ring was used: {got:?}");
    assert_eq!((pool_a.with_kernel(), pool_b.with_kernel()), (4, 4), "no buffer changed hands");
    // Nothing was read: the data waits for b's own pool.
    let own = wait(&b, b.read_pool(&r, &pool_b, u64::MAX)).unwrap();
    assert_eq!(&own[..], b"for b's own buffers");
    drop(own);

    let (x, y) = UnixStream::pair().map(|(x, y)| (Rc::new(x), Rc::new(y))).unwrap();
    put(&x, b"queued");
    let got = wait(&b, b.recv_pool(&y, &pool_a, 0));
    assert!(is_exdev(&got), "{got:?}");

    let mut s = b.recv_pool_multishot(&y, &pool_a, 0);
    let first = wait(&b, s.next());
    assert!(matches!(&first, Some(r) if is_exdev(r)), "{first:?}");
    assert!(wait(&b, s.next()).is_none(), "a refused stream ends after its error");

    let mut s = b.recv_bundle_multishot(&y, &pool_a, 0);
    let first = wait(&b, s.next());
    assert!(matches!(&first, Some(r) if is_exdev(r)), "{first:?}");

    let mut s = b.recvmsg_pool_multishot(&y, &pool_a, 0, 0, 0);
    let first = wait(&b, s.next());
    assert!(matches!(&first, Some(r) if is_exdev(r)), "{first:?}");

    put(&w, b"pipe data");
    let mut s = b.read_pool_multishot(&r, &pool_a);
    let first = wait(&b, s.next());
    assert!(matches!(&first, Some(r) if is_exdev(r)), "{first:?}");

    // A stream's value taken back from its own driver and restarted on
    // another still names its pool's ring.
    let mut s = a.recv_pool_multishot(&y, &pool_a, 0);
    s.cancel();
    assert!(wait(&a, s.next()).is_none());
    let value = s.into_inner().expect("the value of a stream cancelled before it started");
    let mut kept = b.multishot_keep(value, ());
    let first = wait(&b, kept.next());
    assert!(matches!(&first, Some(r) if is_exdev(r)), "{first:?}");

    // Everything is still where it was: both messages wait in the socket,
    // the pipe data in the pipe, and each pool has all its buffers.
    assert_eq!((pool_a.with_kernel(), pool_b.with_kernel()), (4, 4));
    let got = wait(&b, b.recv_pool(&y, &pool_b, 0)).unwrap();
    assert_eq!(&got[..], b"queued");
    drop(got);
    let got = wait(&a, a.read_pool(&r, &pool_a, u64::MAX)).unwrap();
    assert_eq!(&got[..], b"pipe data");
}

// ---- registered files and direct descriptors ----

/// Rule: a file table and its direct descriptors belong to the ring they
/// were registered with. Another driver refuses them with `EXDEV`: I/O
/// through `a`'s descriptor on `b` would use `b`'s slot of the same number
/// (another file), closing it there would close `b`'s file, and a direct
/// open, accept or socket on `c` given `a`'s table would adopt `c`'s new
/// slot into `a`'s table, whose drop would then empty `a`'s slot of that
/// number under a live descriptor.
#[test]
fn a_direct_descriptor_and_its_table_are_refused_by_another_driver() {
    let a = Driver::new(16).unwrap();
    let b = Driver::new(16).unwrap();
    let c = Driver::new(16).unwrap();
    let files_a = FixedFiles::new(&a, 8, 0..8).unwrap();
    let files_b = FixedFiles::new(&b, 8, 0..8).unwrap();
    let _files_c = FixedFiles::new(&c, 8, 0..8).unwrap();
    let fa = TempFile::new("direct-a", b"AAAA");
    let fb = TempFile::new("direct-b", b"BBBB");
    let da = wait(&a, a.openat_direct(&files_a, At::CWD, fa.cpath(), libc::O_RDWR, 0)).unwrap();
    let db = wait(&b, b.openat_direct(&files_b, At::CWD, fb.cpath(), libc::O_RDWR, 0)).unwrap();
    assert_eq!(da.slot(), db.slot(), "the attack needs the same slot number on both rings");
    assert_eq!(da.ring_id(), a.ring_id());

    let (r, buf) = wait(&b, b.read_direct(&da, Vec::with_capacity(8), 0));
    assert!(is_exdev(&r), "read b's file through a's descriptor: {r:?} {buf:?}");
    let (r, _) = wait(&b, b.write_direct(&da, b"XXXX".to_vec(), 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, _) = wait(&b, b.send_direct(&da, b"XXXX".to_vec(), 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, _) = wait(&b, b.recv_direct(&da, Vec::with_capacity(8), 0));
    assert!(is_exdev(&r), "{r:?}");
    let r = wait(&b, b.connect_direct(&da, std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
    assert!(is_exdev(&r), "{r:?}");
    // Sent to a third ring through `b`: the kernel would send `b`'s file of
    // the same slot number.
    let third = Ring::new(4).unwrap();
    third.register_files_sparse(2).unwrap();
    // SAFETY: `third` outlives the handle, which only this call uses.
    let third_fd = unsafe { ring_core::SharedFd::borrow_raw(third.fd().unwrap()) };
    let r = wait(&b, b.msg_ring_send_fixed(&third_fd, &da));
    assert!(is_exdev(&r), "{r:?}");
    assert_eq!(fb.contents(), b"BBBB", "b's file is untouched");

    // Allocating requests on `c` given `a`'s table.
    let r = wait(&c, c.openat_direct(&files_a, At::CWD, fb.cpath(), libc::O_RDONLY, 0));
    assert!(is_exdev(&r), "{r:?}");
    let r = wait(&c, c.socket_direct(&files_a, libc::AF_INET, libc::SOCK_STREAM, 0));
    assert!(is_exdev(&r), "{r:?}");
    let listener = Rc::new(std::net::TcpListener::bind("127.0.0.1:0").unwrap());
    let _peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let r = wait(&c, c.accept_direct(&listener, &files_a));
    assert!(is_exdev(&r), "{r:?}");
    assert_eq!(files_a.occupied(), 1, "nothing was adopted into a's table");

    // `a`'s descriptor still names `a`'s file.
    let (r, buf) = wait(&a, a.read_direct(&da, Vec::with_capacity(8), 0));
    assert_eq!(r.unwrap(), 4);
    assert_eq!(&buf[..], b"AAAA");

    // Closing `a`'s descriptor through `b` is refused too (the handle goes,
    // emptying `a`'s slot through `a`), and `b`'s own descriptor of the same
    // slot number still reads `b`'s file.
    let op = b.close_direct(da).expect("the only handle");
    let r = wait(&b, op);
    assert!(is_exdev(&r), "{r:?}");
    let (r, buf) = wait(&b, b.read_direct(&db, Vec::with_capacity(8), 0));
    assert_eq!(r.unwrap(), 4);
    assert_eq!(&buf[..], b"BBBB");
    assert_eq!(fa.contents(), b"AAAA");
}

/// Rule: while a `FixedFiles` table is registered, the slots of its
/// allocation range belong to its direct descriptors: `files_update`
/// refuses (with `EBUSY`, without reaching the kernel) to replace or empty
/// any of them, since a live `FixedFd` would then name another file. The
/// table's other slots stay the caller's.
#[test]
fn files_update_cannot_replace_a_direct_descriptors_slot() {
    let a = Driver::new(16).unwrap();
    let files = FixedFiles::new(&a, 8, 0..4).unwrap();
    let fa = TempFile::new("update-a", b"AAAA");
    let fb = TempFile::new("update-b", b"BBBB");
    let da = wait(&a, a.openat_direct(&files, At::CWD, fa.cpath(), libc::O_RDONLY, 0)).unwrap();
    let other = fb.open();
    let ebusy = |r: &io::Result<usize>| matches!(r, Err(e) if e.raw_os_error() == Some(libc::EBUSY));

    let (r, _) = wait(&a, a.files_update(vec![Some(other.shared_fd())], da.slot() as i32));
    assert!(ebusy(&r), "the slot of a live descriptor was replaced: {r:?}");
    let (r, _) = wait(&a, a.files_update(vec![None], da.slot() as i32));
    assert!(ebusy(&r), "the slot of a live descriptor was emptied: {r:?}");
    // A range that only overlaps the allocation range is refused as well.
    let (r, _) = wait(&a, a.files_update(vec![None, None, None, None], 3));
    assert!(ebusy(&r), "{r:?}");

    let (r, buf) = wait(&a, a.read_direct(&da, Vec::with_capacity(8), 0));
    assert_eq!(r.unwrap(), 4);
    assert_eq!(&buf[..], b"AAAA", "the descriptor still names its file");

    // Slots outside the allocation range are the caller's.
    let (r, _) = wait(&a, a.files_update(vec![Some(other.shared_fd())], 6));
    assert_eq!(r.unwrap(), 1);
}

/// Rule: a bare slot number cannot turn a direct descriptor's slot into a
/// process descriptor: `fixed_fd_install(slot)` on a slot of a registered
/// `FixedFiles` table's allocation range is refused (`EBUSY`, without
/// reaching the kernel), since a number kept past its descriptor's close
/// names the next file opened into the slot. The descriptor itself names
/// its file (`fixed_fd_install_direct`), on its own ring only.
#[test]
fn a_bare_slot_number_cannot_install_a_direct_descriptors_file() {
    let a = Driver::new(16).unwrap();
    if let Err(e) = a.require(ring_core::sys::IORING_OP_FIXED_FD_INSTALL) {
        println!("SKIP: {e} (the opcode probe; added in 6.8)");
        return;
    }
    let files = FixedFiles::new(&a, 8, 0..4).unwrap();
    let fa = TempFile::new("install-a", b"AAAA");
    let fb = TempFile::new("install-b", b"BBBB");
    let da = wait(&a, a.openat_direct(&files, At::CWD, fa.cpath(), libc::O_RDONLY, 0)).unwrap();
    let slot = da.slot();
    // The number, kept while its descriptor is closed and the slot reused.
    drop(da);
    let db = wait(&a, a.openat_direct(&files, At::CWD, fb.cpath(), libc::O_RDONLY, 0)).unwrap();
    assert_eq!(db.slot(), slot, "the kernel reused the slot");
    let r = wait(&a, a.fixed_fd_install(slot));
    assert!(matches!(&r, Err(e) if e.raw_os_error() == Some(libc::EBUSY)), "{r:?}");
    // Named by its descriptor, the slot's file is installed.
    let fd = std::rc::Rc::new(wait(&a, a.fixed_fd_install_direct(&db)).unwrap());
    let (r, buf) = wait(&a, a.read_at(&fd, Vec::with_capacity(8), 0));
    assert_eq!((r.unwrap(), &buf[..]), (4, &b"BBBB"[..]));
    // Another driver refuses the descriptor.
    let b = Driver::new(16).unwrap();
    let _files_b = FixedFiles::new(&b, 8, 0..4).unwrap();
    let r = wait(&b, b.fixed_fd_install_direct(&db));
    assert!(is_exdev(&r), "{r:?}");
}

// ---- registered buffers ----

/// Rule: a registered buffer table and its leases belong to the ring they
/// were registered with. Another driver refuses a lease (`EXDEV`, the lease
/// given back) and refuses to unregister or replace the table
/// (`Error::ForeignResource`): it would unregister or change its own table,
/// under its own leases, and the table it was given would free its memory
/// while still registered. Once unregistered, a table belongs to no ring.
#[test]
fn a_registered_buffer_table_and_its_leases_are_refused_by_another_driver() {
    let a = Driver::new(8).unwrap();
    let b = Driver::new(8).unwrap();
    let fixed_a = FixedBuffers::new(&a, 2, 4096).unwrap();
    let fixed_b = FixedBuffers::new(&b, 2, 4096).unwrap();
    assert_eq!(fixed_a.ring_id(), Some(a.ring_id()));
    let file = TempFile::new("fixed", &[b'F'; 4096]);
    let f = file.open();

    let la = fixed_a.lease(0).unwrap();
    let (r, la) = wait(&b, b.read_fixed(&f, la, 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, la) = wait(&b, b.write_fixed(&f, la, 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, la) = wait(&b, b.send_zc_fixed(&f, la, 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, la, _) = wait(&b, b.readv_fixed(&f, la, vec![0..8, 8..16], 0));
    assert!(is_exdev(&r), "{r:?}");
    let (r, la, _) = wait(&b, b.writev_fixed(&f, la, vec![0..8, 8..16], 0));
    assert!(is_exdev(&r), "{r:?}");
    assert_eq!(la.index(), 0, "the lease came back each time");
    assert_eq!(file.contents(), [b'F'; 4096], "nothing was written");

    // `b` holds a lease of its own table, in a read that has not finished.
    let (pr, pw) = pipe();
    let lb = fixed_b.lease(1).unwrap();
    let mut in_flight = b.read_fixed(&pr, lb, u64::MAX);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(Pin::new(&mut in_flight).poll(&mut cx).is_pending());
    b.poll().unwrap();
    let foreign = |r: Result<(), FixedError>| matches!(r, Err(FixedError::Register(Error::ForeignResource { .. })));
    assert!(foreign(fixed_a.unregister(&b)), "a's table unregistered through b");
    assert!(foreign(fixed_a.replace(&b, 1, 4096)), "a's table changed through b");
    // `b`'s table is intact: its read finishes into its own buffer.
    put(&pw, b"into b's slot 1");
    let (r, lb) = wait(&b, in_flight);
    assert_eq!(r.unwrap(), 15);
    assert_eq!(&lb[..], b"into b's slot 1");
    drop(lb);

    // On its own ring the lease works.
    let (r, la) = wait(&a, a.read_fixed(&f, la, 0));
    assert_eq!(r.unwrap(), 4096);
    assert!(la.iter().all(|&x| x == b'F'));
    drop(la);
    // Unregistered, the table belongs to no ring: its leases are refused.
    fixed_a.unregister(&a).unwrap();
    assert_eq!(fixed_a.ring_id(), None);
    let la = fixed_a.lease(0).unwrap();
    let (r, _) = wait(&a, a.read_fixed(&f, la, 0));
    assert!(is_exdev(&r), "{r:?}");
    assert!(matches!(fixed_a.replace(&a, 0, 4096), Err(FixedError::Register(Error::NotConfigured(_)))));
}

// ---- buffer rings of the raw layer ----

/// Rule: a `BufRing` belongs to its ring by an identity no other ring ever
/// has, not by descriptor number: a ring that reuses the number of a
/// dropped ring's descriptor refuses the dropped ring's buffer ring
/// (`Error::ForeignResource`), instead of unregistering its own group of
/// the same id and freeing the other ring's memory.
#[test]
fn a_buffer_ring_is_refused_by_a_ring_that_reuses_its_descriptor_number() {
    let cfg = BufRingConfig::new(5, 4).buffers(2, 64);
    // Other tests open descriptors concurrently; retry until the number is
    // reused (it nearly always is at once: Linux hands out the lowest).
    for _ in 0..50 {
        let a = Ring::new(4).unwrap();
        let fd = a.fd();
        let x = a.register_buf_ring(cfg).unwrap();
        drop(a);
        let b = Ring::new(4).unwrap();
        if b.fd() != fd {
            continue;
        }
        let y = b.register_buf_ring(cfg).unwrap();
        let e = b.unregister_buf_ring(x).unwrap_err();
        assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
        assert!(crate::caps::group_registered(&b, 5), "b's own group 5 is still registered");
        b.unregister_buf_ring(y).unwrap();
        return;
    }
    println!("SKIP: no ring reused the descriptor number of a dropped one in 50 tries");
}

/// Rule: as above, across threads. A `BufRing` is `Send`; moved to another
/// thread, it is refused there by a ring with the same descriptor (none:
/// both exist only as registered indices) and the same index (0, each in
/// its own thread's table).
#[test]
fn a_buffer_ring_moved_to_another_thread_is_refused_there() {
    let (tx, rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let owner = std::thread::spawn(move || {
        let a = match Builder::new(4).registered_fd_only().build() {
            Ok(a) => a,
            Err(e) => {
                println!("SKIP: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
                tx.send(None).unwrap();
                return;
            }
        };
        assert_eq!(a.registered_index(), Some(0), "a fresh thread's first index");
        tx.send(Some(a.register_buf_ring(BufRingConfig::new(9, 4).buffers(2, 64)).unwrap())).unwrap();
        // `a` (and so its group) lives until the other side is done.
        done_rx.recv().unwrap();
    });
    let other = std::thread::spawn(move || {
        let Some(x) = rx.recv().unwrap() else { return };
        let b = Builder::new(4).registered_fd_only().build().unwrap();
        assert_eq!(b.registered_index(), Some(0));
        let y = b.register_buf_ring(BufRingConfig::new(9, 4).buffers(2, 64)).unwrap();
        let e = b.unregister_buf_ring(x).unwrap_err();
        assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
        assert!(crate::caps::group_registered(&b, 9), "b's own group 9 is still registered");
        b.unregister_buf_ring(y).unwrap();
    });
    let r = other.join();
    done_tx.send(()).unwrap_or(());
    owner.join().unwrap();
    r.unwrap();
}

// ---- the runtime's ring, named from other threads ----

/// Rule: a ring is never named by a number that can come to name another
/// ring. A `Handle` posts its `MSG_RING` wake-ups to a descriptor of its
/// own; after the runtime's driver is shut down (its ring descriptor
/// closed and the number free), no ring that reuses the number receives a
/// completion it did not ask for.
#[test]
fn a_handle_never_posts_into_a_ring_that_reused_its_runtimes_descriptor() {
    let rt = Runtime::new(8).unwrap();
    let h = rt.handle();
    let mut from = Ring::new(4).unwrap();
    rt.driver().shutdown();
    // Whichever number the runtime's ring had is now taken by one of these.
    let mut others: Vec<Ring> = (0..8).map(|_| Ring::new(4).unwrap()).collect();
    let join = h.spawn_via_msg_ring(&mut from, |_d| async {});
    drop(join);
    std::thread::sleep(Duration::from_millis(50));
    for (i, r) in others.iter_mut().enumerate() {
        r.submit().unwrap();
        assert!(r.cq().pop().is_none(), "ring {i} received a message meant for the runtime");
    }
    assert!(from.cq().pop().is_none(), "the message was posted");
    drop(rt);
}

/// Rule: the checks hold on the simplest layout as well: a raw ring and a
/// driver on one thread, each with resources of the same numbers. The
/// raw ring's calls act on the raw ring and the driver's on the driver's
/// ring; the canaries (buffers of the pool's size, allocated after the
/// pool's memory was given back) are never written.
#[test]
fn a_raw_ring_and_a_driver_on_one_thread_keep_their_groups_apart() {
    let d = Driver::new(8).unwrap();
    let raw = Ring::new(4).unwrap();
    let cfg = BufRingConfig::new(11, 4).buffers(4, 65536);
    let pool = BufferPool::new(&d, cfg).unwrap();
    let br = raw.register_buf_ring(cfg).unwrap();
    drop(pool);
    let canaries = Canaries::new(8, 4 * 65536);
    // The raw ring's group is intact, and the driver's is gone (a new pool
    // of the same id registers).
    assert!(crate::caps::group_registered(&raw, 11), "the raw ring's group");
    let pool = BufferPool::new(&d, cfg).expect("the driver's group 11 was released");
    let (r, w) = pipe();
    put(&w, &[7u8; 1000]);
    let got = wait(&d, d.read_pool(&r, &pool, u64::MAX)).unwrap();
    assert_eq!(got.len(), 1000);
    canaries.assert_intact();
    raw.unregister_buf_ring(br).unwrap();
}
