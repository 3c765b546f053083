//! File-system, process, futex and inter-ring operations against this
//! machine's kernel, each checked for its effect.

use crate::support::supported;
use ring_core::buf::AlignedBuf;
use ring_core::fs::File;
use ring_core::ops::{Advice, Futex};
use ring_core::{At, Ring, Runtime, SharedFd};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

/// A fresh directory for one test, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ring-core-fsops-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    fn join(&self, s: &str) -> PathBuf {
        self.0.join(s)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn c(p: &Path) -> CString {
    CString::new(p.as_os_str().as_bytes()).unwrap()
}

/// A pipe whose ends are shared through `Rc`s, so that operations naming
/// them hold them open until they have ended.
fn os_pipe() -> (Rc<OwnedFd>, Rc<OwnedFd>) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors we own.
    unsafe { (Rc::new(OwnedFd::from_raw_fd(fds[0])), Rc::new(OwnedFd::from_raw_fd(fds[1]))) }
}

#[test]
fn file_round_trip_through_the_ring() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let dir = TempDir::new("file");
    let path = dir.join("data");
    rt.block_on(async move {
        let f = File::create(&d, &path).await.unwrap();
        let (r, _) = f.write_all_at(b"hello, file".to_vec(), 0).await;
        r.unwrap();
        let (r, _) = f.writev_at(vec![b" and ".to_vec(), b"vectors".to_vec()], 11).await;
        assert_eq!(r.unwrap(), 12);
        f.sync_data().await.unwrap();
        f.sync_all().await.unwrap();
        let (r, buf) = f.read_exact_at(Vec::with_capacity(23), 0).await;
        r.unwrap();
        assert_eq!(buf, b"hello, file and vectors");
        let (r, bufs) = f.readv_at(vec![Vec::with_capacity(5), Vec::with_capacity(6)], 0).await;
        assert_eq!(r.unwrap(), 11);
        assert_eq!((&bufs[0][..], &bufs[1][..]), (&b"hello"[..], &b", file"[..]));
        let (r, _) = f.read_exact_at(Vec::with_capacity(100), 0).await;
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        if supported(&d, ring_sys::IORING_OP_FTRUNCATE, "set_len") {
            f.set_len(5).await.unwrap();
            assert_eq!(f.metadata().await.unwrap().len(), 5);
        }
        f.close().await.unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap().len(),
            if d.require(ring_sys::IORING_OP_FTRUNCATE).is_ok() { 5 } else { 23 }
        );
        let f = File::open(&d, &path).await.unwrap();
        let (r, b) = f.read_at(Vec::with_capacity(5), 0).await;
        assert_eq!(&b[..r.unwrap()], b"hello");
        assert!(File::open(&d, dir.join("missing")).await.is_err());
    })
    .unwrap();
}

#[test]
fn directory_operations() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let dir = TempDir::new("dirs");
    rt.block_on(async move {
        let sub = dir.join("sub");
        d.mkdirat(At::CWD, c(&sub), 0o755).await.unwrap();
        assert!(sub.is_dir());
        let a = dir.join("a");
        std::fs::write(&a, b"content").unwrap();
        let b = dir.join("sub/b");
        d.renameat(At::CWD, c(&a), At::CWD, c(&b), 0).await.unwrap();
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"content");
        let hard = dir.join("hard");
        d.linkat(At::CWD, c(&b), At::CWD, c(&hard), 0).await.unwrap();
        assert_eq!(std::fs::read(&hard).unwrap(), b"content");
        let sym = dir.join("sym");
        d.symlinkat(c(&b), At::CWD, c(&sym)).await.unwrap();
        assert_eq!(std::fs::read_link(&sym).unwrap(), b);
        d.unlinkat(At::CWD, c(&b), 0).await.unwrap();
        assert!(!b.exists());
        d.unlinkat(At::CWD, c(&sub), libc::AT_REMOVEDIR).await.unwrap();
        assert!(!sub.exists());
        let e = d.unlinkat(At::CWD, c(&sub), libc::AT_REMOVEDIR).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    })
    .unwrap();
}

#[test]
fn xattr_round_trip_or_skip() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let dir = TempDir::new("xattr");
    let path = dir.join("x");
    std::fs::write(&path, b"").unwrap();
    let file = Rc::new(std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap());
    rt.block_on(async move {
        if !supported(&d, ring_sys::IORING_OP_FSETXATTR, "xattrs") {
            return;
        }
        let name = CString::new("user.ring").unwrap();
        let (r, _) = d.fsetxattr(&file, name.clone(), b"value-1".to_vec(), 0).await;
        if let Err(e) = r {
            if e.raw_os_error() == Some(libc::EOPNOTSUPP) {
                println!("skipping xattrs: {} has no user xattrs ({e})", dir.0.display());
                return;
            }
            panic!("fsetxattr: {e}");
        }
        let v = d.fgetxattr(&file, name.clone(), 64).await.unwrap();
        assert_eq!(v, b"value-1");
        let (r, _) = d.setxattr(c(&path), name.clone(), b"value-2".to_vec(), libc::XATTR_REPLACE).await;
        r.unwrap();
        let v = d.getxattr(c(&path), name.clone(), 64).await.unwrap();
        assert_eq!(v, b"value-2");
        let e = d.fgetxattr(&file, name, 2).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ERANGE));
    })
    .unwrap();
}

#[test]
fn advice_and_range_sync() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let dir = TempDir::new("advice");
    let path = dir.join("f");
    std::fs::write(&path, vec![7u8; 8192]).unwrap();
    let file = Rc::new(std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap());
    rt.block_on(async move {
        d.fadvise(&file, 0, 8192, libc::POSIX_FADV_SEQUENTIAL).await.unwrap();
        d.sync_file_range(&file, 0, 8192, libc::SYNC_FILE_RANGE_WRITE).await.unwrap();
        // MADV_DONTNEED on memory the operation owns: afterwards it reads as zeros.
        let mut buf = AlignedBuf::new(8192).unwrap();
        buf.as_mut_slice().fill(0xAB);
        let (r, buf) = d.madvise(buf, Advice::DontNeed).unwrap().await;
        r.unwrap();
        assert!(buf.as_slice().iter().all(|&b| b == 0));
        let (r, _) = d.madvise(buf, Advice::WillNeed).unwrap().await;
        r.unwrap();
        let small = AlignedBuf::with_alignment(64, 64).unwrap();
        assert!(d.madvise(small, Advice::DontNeed).is_err());
    })
    .unwrap();
}

#[test]
fn splice_tee_and_pipe_move_bytes() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let dir = TempDir::new("splice");
    let path = dir.join("src");
    std::fs::write(&path, b"spliced bytes").unwrap();
    let src = Rc::new(std::fs::File::open(&path).unwrap());
    rt.block_on(async move {
        let (r1, w1) = os_pipe();
        let n = d.splice(&src, Some(0), &w1, None, 13, 0).await.unwrap();
        assert_eq!(n, 13);
        let (r2, w2) = os_pipe();
        let n = d.tee(&r1, &w2, 13, 0).await.unwrap();
        assert_eq!(n, 13);
        let (r, a) = d.read(&r1, Vec::with_capacity(32)).await;
        assert_eq!(&a[..r.unwrap()], b"spliced bytes");
        let (r, b) = d.read(&r2, Vec::with_capacity(32)).await;
        assert_eq!(&b[..r.unwrap()], b"spliced bytes");
        if supported(&d, ring_sys::IORING_OP_PIPE, "pipe") {
            let (rd, wr) = d.pipe(0).await.unwrap();
            let (rd, wr) = (SharedFd::new(rd), SharedFd::new(wr));
            let (r, _) = d.write(&wr, b"through a ring pipe".to_vec()).await;
            assert_eq!(r.unwrap(), 19);
            drop(wr);
            let (r, b) = d.read(&rd, Vec::with_capacity(64)).await;
            assert_eq!(&b[..r.unwrap()], b"through a ring pipe");
            let (r, _) = d.read(&rd, Vec::with_capacity(64)).await;
            assert_eq!(r.unwrap(), 0, "the write end is closed");
        }
    })
    .unwrap();
}

#[test]
fn futex_wake_wakes_a_waiter_and_waitv() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let sp = rt.spawner();
    rt.block_on(async move {
        if !supported(&d, ring_sys::IORING_OP_FUTEX_WAIT, "futex") {
            return;
        }
        let f = Futex::new(0);
        // Wrong expected value: EAGAIN at once.
        let e = d.futex_wait(&f, 1).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EAGAIN));
        let (d2, f2) = (d.clone(), f.clone());
        let waiter = sp.try_spawn(async move { d2.futex_wait(&f2, 0).await }).unwrap();
        // Let the waiter reach the kernel, then wake it.
        let mut woke = 0;
        for _ in 0..100 {
            d.sleep(Duration::from_millis(2)).await.unwrap();
            f.store(1);
            woke = d.futex_wake(&f, 1).await.unwrap();
            if woke == 1 {
                break;
            }
            f.store(0);
        }
        assert_eq!(woke, 1);
        assert_eq!(waiter.await.unwrap().unwrap(), 0);
        // waitv: waiting on two, woken through the second.
        let (a, b) = (Futex::new(5), Futex::new(6));
        let (d3, a2, b2) = (d.clone(), a.clone(), b.clone());
        let w = sp.try_spawn(async move { d3.futex_waitv(&[(a2, 5), (b2, 6)]).await }).unwrap();
        let mut woke = 0;
        for _ in 0..100 {
            d.sleep(Duration::from_millis(2)).await.unwrap();
            woke = d.futex_wake(&b, 1).await.unwrap();
            if woke == 1 {
                break;
            }
        }
        assert_eq!(woke, 1);
        assert_eq!(w.await.unwrap().unwrap(), 1);
        drop(a);
    })
    .unwrap();
}

#[test]
fn waitid_reaps_a_child() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        if !supported(&d, ring_sys::IORING_OP_WAITID, "waitid") {
            return;
        }
        // The child is reaped by the ring's waitid below, not by `wait()`.
        #[allow(clippy::zombie_processes)]
        let child = std::process::Command::new("sh").args(["-c", "exit 7"]).spawn().unwrap();
        let pid = child.id();
        let st = d.waitid(libc::P_PID, pid, libc::WEXITED).await.unwrap();
        assert_eq!(st.pid as u32, pid);
        assert_eq!(st.code, libc::CLD_EXITED);
        assert_eq!(st.status, 7);
        // Reaped: a second wait finds no such child.
        let e = d.waitid(libc::P_PID, pid, libc::WEXITED).await.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ECHILD));
    })
    .unwrap();
}

#[test]
fn msg_ring_posts_on_the_other_ring() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let mut other = Ring::new(8).unwrap();
    let fd = other.fd().expect("a ring with a descriptor");
    // SAFETY: borrowed only for this test, while `other` is alive.
    let target = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
    rt.block_on(async move {
        // SAFETY: `other` is a raw ring no Driver drives.
        unsafe { d.msg_ring(&target, 1234, 0xfeed) }.await.unwrap();
    })
    .unwrap();
    let cqe = other.cq().pop().expect("the message arrived");
    assert_eq!((cqe.res, cqe.user_data), (1234, 0xfeed));
}

#[test]
fn provided_buffers_files_update_and_refused_128() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async move {
        let g = d.provide_buffers(256, 4, 77, 0).unwrap().await.unwrap();
        assert_eq!((g.bgid(), g.count()), (77, 4));
        assert_eq!(d.remove_buffers(4, 77).await.unwrap(), 4);
        // The group is empty now: nothing more to remove (an error or 0).
        if let Ok(n) = d.remove_buffers(1, 77).await {
            assert_eq!(n, 0);
        }

        // Registered files: install a pipe's read end at slot 0 with
        // FILES_UPDATE, then turn the slot back into a normal descriptor.
        // SAFETY: registering a new, independent sparse file table touches none
        // of the driver's queues or completions.
        let sparse = unsafe { d.with_ring_mut(|r| r.register_files_sparse(4)) }.unwrap();
        if let Err(e) = sparse {
            println!("skipping files_update: {e}");
        } else {
            let (rd, wr) = os_pipe();
            let (r, _) = d.files_update(vec![Some(SharedFd::from(rd.clone()))], 0).await;
            assert_eq!(r.unwrap(), 1);
            if supported(&d, ring_sys::IORING_OP_FIXED_FD_INSTALL, "fixed_fd_install") {
                let installed = SharedFd::new(d.fixed_fd_install(0).await.unwrap());
                drop(rd);
                let (r, _) = d.write(&wr, b"via slot".to_vec()).await;
                r.unwrap();
                let (r, b) = d.read(&installed, Vec::with_capacity(16)).await;
                assert_eq!(&b[..r.unwrap()], b"via slot");
            }
        }

        let e = d.nop128().await.unwrap_err();
        println!("nop128: {e}");
        // SAFETY: the command is refused before the kernel sees it (this
        // ring has 64-byte entries), and its payload is owned by the op.
        let (r, _) = unsafe { d.uring_cmd128(&std::io::stdin(), 0, [0; 80], Vec::new()) }.await;
        let e = r.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EINVAL), "refused on a 64-byte ring");
        println!("uring_cmd128: {e}");
    })
    .unwrap();
}

/// `openat2` adds `O_CLOEXEC` like `openat`, `pipe`, `socket` and `accept`:
/// no descriptor the safe layer opens is inherited by a child unless the
/// caller clears the flag.
#[test]
fn openat2_is_close_on_exec_whether_or_not_asked() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, ring_core::sys::IORING_OP_OPENAT2, "openat2") {
        return;
    }
    rt.block_on(async {
        for flags in [libc::O_RDONLY, libc::O_RDONLY | libc::O_CLOEXEC] {
            let how = ring_core::sys::open_how { flags: flags as u64, ..Default::default() };
            let fd = d.openat2(At::CWD, c(Path::new("/dev/null")), how).await.unwrap();
            // SAFETY: F_GETFD on a descriptor we own reads its flags.
            let fd_flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
            assert_ne!(fd_flags & libc::FD_CLOEXEC, 0, "flags {flags:#x}");
        }
    })
    .unwrap();
}
