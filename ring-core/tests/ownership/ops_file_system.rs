//! File-system operations and vectored fixed I/O: the kernel's refusals
//! reach the caller, flags asked for (close-on-exec, non-blocking) are
//! kept, and an operation dropped after it completed (its `orphaned` hook,
//! reached deterministically by `finish_unobserved`) closes the descriptor
//! it created, and never one it did not.

use crate::support;
use crate::support::{cpath, finish_unobserved, pipe, run_to_completion_unobserved, supported, temp_path};
use ring_core::fixed::FixedBuffers;
use ring_core::fixed_files::FixedFiles;
use ring_core::sys::*;
use ring_core::{At, Runtime};
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, IntoRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// How many of this process's descriptors name `path`.
fn fds_naming(path: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        if std::fs::read_link(e.path()).is_ok_and(|t| t == path) {
            n += 1;
        }
    }
    n
}

/// Segments past the registered buffer, or more than 1024 of them, are refused
/// with a typed error before anything reaches the kernel, for reads and writes,
/// and the lease and segments come back.
#[test]
fn vectored_fixed_io_refuses_segments_outside_the_buffer_or_too_many() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 1, 4096).unwrap();
    let (r, w) = pipe();
    let cases: [(&str, Vec<core::ops::Range<usize>>); 3] = [
        ("past the end", vec![0..10, 4000..4097]),
        ("inverted", vec![0..1, core::ops::Range { start: 10, end: 5 }]),
        ("1025 segments", (0..1025).map(|i| i..i + 1).collect()),
    ];
    for (what, segs) in cases {
        for write in [false, true] {
            let buf = table.lease(0).unwrap();
            let (res, back, segs_back) = if write {
                rt.block_on(d.writev_fixed(&w, buf, segs.clone(), 0)).unwrap()
            } else {
                rt.block_on(d.readv_fixed(&r, buf, segs.clone(), 0)).unwrap()
            };
            let e = res.expect_err(what);
            let typed = e.get_ref().and_then(|e| e.downcast_ref::<ring_core::Error>());
            assert!(
                matches!(typed, Some(ring_core::Error::TooLong { .. } | ring_core::Error::InvalidArgument(_))),
                "{what} (write: {write}) is refused with a typed error: {e:?}"
            );
            assert_eq!((back.index(), segs_back), (0, segs.clone()), "the lease and segments come back");
            assert_eq!(d.stats().started, 0, "nothing reached the kernel");
        }
    }
    // Segments inside the buffer are accepted (the operation is built).
    drop(d.readv_fixed(&r, table.lease(0).unwrap(), vec![0..4096, 0..0], 0));
    drop(d.writev_fixed(&w, table.lease(0).unwrap(), (0..1024).map(|i| i..i + 1).collect(), 0));
}

/// `fsync` and `fdatasync` reach the kernel as themselves and report its
/// answer: on a pipe they fail with EINVAL, on a file they succeed.
#[test]
fn fsync_of_a_pipe_fails_with_einval() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FSYNC, "fsync of a pipe") {
        return;
    }
    let (r, _w) = pipe();
    let path = temp_path("fsync");
    let file = Rc::new(std::fs::File::create(&path).unwrap());
    rt.block_on(async {
        assert_eq!(d.fsync(&r).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        assert_eq!(d.fdatasync(&r).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        d.fsync(&file).await.unwrap();
        d.fdatasync(&file).await.unwrap();
    })
    .unwrap();
    std::fs::remove_file(path).unwrap();
}

/// `fallocate` reaches the kernel as itself and reports its answer: the
/// file grows to the size asked for, and a pipe is refused with ESPIPE.
#[test]
fn fallocate_grows_a_file_and_refuses_a_pipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FALLOCATE, "fallocate") {
        return;
    }
    let path = temp_path("fallocate");
    let file =
        Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap());
    let (_r, w) = pipe();
    rt.block_on(async {
        d.fallocate(&file, 0, 4096, 8192).await.unwrap();
        assert_eq!(d.fallocate(&w, 0, 0, 4096).await.unwrap_err().raw_os_error(), Some(libc::ESPIPE));
    })
    .unwrap();
    assert_eq!(file.metadata().unwrap().len(), 4096 + 8192);
    std::fs::remove_file(path).unwrap();
}

/// Whether `fd` has `FD_CLOEXEC`.
fn cloexec(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFD only reads the descriptor's flags.
    let f = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFD) };
    assert!(f >= 0);
    f & libc::FD_CLOEXEC != 0
}

/// `openat` always opens close-on-exec, also when the caller asked for
/// `O_CLOEXEC` itself (`^` would clear it).
#[test]
fn openat_is_close_on_exec_whether_or_not_asked() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT, "openat close-on-exec") {
        return;
    }
    let null = cpath(Path::new("/dev/null"));
    rt.block_on(async {
        for flags in [libc::O_RDONLY, libc::O_RDONLY | libc::O_CLOEXEC] {
            let fd = d.openat(At::CWD, null.clone(), flags, 0).await.unwrap();
            assert!(cloexec(&fd), "flags {flags:#x}");
        }
    })
    .unwrap();
}

/// A file opened by an `openat` whose future was dropped after it completed is
/// closed (no descriptor of this process names it).
#[test]
fn an_orphaned_openat_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT, "orphaned openat") {
        return;
    }
    let path = temp_path("orphan-openat");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    finish_unobserved(&d, d.openat(At::CWD, cpath(&path), libc::O_RDONLY, 0));
    assert_eq!(fds_naming(&path), 0, "the orphan's descriptor was closed");
    // The check sees a descriptor that is open.
    let fd = rt.block_on(d.openat(At::CWD, cpath(&path), libc::O_RDONLY, 0)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop(fd);
    std::fs::remove_file(path).unwrap();
}

/// The descriptor `openat2` returns is the named file (a NOP would hand back
/// descriptor 0).
#[test]
fn openat2_opens_the_named_file() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT2, "openat2") {
        return;
    }
    let path = temp_path("openat2");
    std::fs::write(&path, b"openat2").unwrap();
    let how = open_how { flags: libc::O_RDONLY as u64, mode: 0, resolve: 0 };
    // Kept as a number until checked: a faulty version's descriptor 0 is not
    // ours to close.
    let fd = rt.block_on(d.openat2(At::CWD, cpath(&path), how)).unwrap().unwrap().into_raw_fd();
    // SAFETY: fstat writes one `stat` into the live local.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: as above; `st` is valid for writes.
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    let meta = std::fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((st.st_dev, st.st_ino), (meta.dev(), meta.ino()), "descriptor {fd} names the file");
    // SAFETY: `fd` is the descriptor openat2 just opened for us.
    drop(unsafe { OwnedFd::from_raw_fd(fd) });
    std::fs::remove_file(path).unwrap();
}

/// As for `openat` above: a file opened by an `openat2` whose future was
/// dropped after it completed is closed.
#[test]
fn an_orphaned_openat2_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_OPENAT2, "orphaned openat2") {
        return;
    }
    let path = temp_path("orphan-openat2");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    let how = open_how { flags: libc::O_RDONLY as u64, mode: 0, resolve: 0 };
    finish_unobserved(&d, d.openat2(At::CWD, cpath(&path), how));
    assert_eq!(fds_naming(&path), 0, "the orphan's descriptor was closed");
    let fd = rt.block_on(d.openat2(At::CWD, cpath(&path), how)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop(fd);
    std::fs::remove_file(path).unwrap();
}

/// A duplicate of `fd` at the lowest free number at or above `min`, which
/// no other thread of the test binary reaches (they hold a few dozen).
fn dup_high(fd: &impl AsRawFd, min: i32) -> OwnedFd {
    // SAFETY: F_DUPFD_CLOEXEC creates a new descriptor; no memory is involved.
    let n = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) };
    assert!(n >= min, "F_DUPFD_CLOEXEC: {}", std::io::Error::last_os_error());
    // SAFETY: a fresh descriptor nothing else owns.
    unsafe { OwnedFd::from_raw_fd(n) }
}

/// A close whose future is dropped after the kernel closed the descriptor must
/// not close it again, since by then the number may name another file (here one
/// put there on purpose, with `dup2`).
#[test]
fn an_orphaned_close_does_not_close_the_number_again() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_CLOSE, "orphaned close") {
        return;
    }
    let (r, w) = pipe();
    let victim = dup_high(&r, 700);
    let n = victim.as_raw_fd();
    let mut close = d.close(victim);
    run_to_completion_unobserved(&d, &mut close);
    // SAFETY: F_GETFD only reads the descriptor table.
    assert_eq!(unsafe { libc::fcntl(n, libc::F_GETFD) }, -1, "the kernel closed {n}");
    // The number now names the pipe's write end.
    // SAFETY: `n` is free (just closed) and far above what other threads use.
    assert_eq!(unsafe { libc::dup2(w.as_raw_fd(), n) }, n);
    drop(close);
    d.poll().unwrap();
    // SAFETY: as above.
    assert_ne!(unsafe { libc::fcntl(n, libc::F_GETFD) }, -1, "{n} is still open");
    // SAFETY: `n` is the descriptor dup2 made, still open (checked); we own it.
    let replacement = unsafe { OwnedFd::from_raw_fd(n) };
    support::write_all(&replacement, b"!");
    let mut got = [0u8; 1];
    std::fs::File::from(Rc::try_unwrap(r).unwrap()).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"!");
    drop(replacement);
}

/// `path` spelled relative to the working directory.
fn relative_to_cwd(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap();
    let mut rel = PathBuf::new();
    for _ in cwd.components().skip(1) {
        rel.push("..");
    }
    rel.join(path.strip_prefix("/").unwrap())
}

/// With no directory descriptor, relative paths resolve against the working
/// directory (`AT_FDCWD`), not against descriptor 0.
#[test]
fn relative_paths_without_a_directory_resolve_against_the_working_directory() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_MKDIRAT, "relative mkdirat") || !supported(&d, IORING_OP_RENAMEAT, "ditto") {
        return;
    }
    let base = temp_path("relative");
    let _ = std::fs::remove_dir_all(&base);
    let (a, b) = (relative_to_cwd(&base.join("a")), relative_to_cwd(&base.join("b")));
    std::fs::create_dir(&base).unwrap();
    rt.block_on(async {
        d.mkdirat(At::CWD, cpath(&a), 0o755).await.unwrap();
        d.renameat(At::CWD, cpath(&a), At::CWD, cpath(&b), 0).await.unwrap();
        d.unlinkat(At::CWD, cpath(&b), libc::AT_REMOVEDIR).await.unwrap();
    })
    .unwrap();
    assert!(std::fs::read_dir(&base).unwrap().next().is_none(), "made, renamed and removed");
    std::fs::remove_dir(&base).unwrap();
}

/// The kernel's refusals come back as errors.
#[test]
fn directory_operations_report_the_kernels_refusals() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    for (op, name) in [
        (IORING_OP_RENAMEAT, "renameat"),
        (IORING_OP_MKDIRAT, "mkdirat"),
        (IORING_OP_SYMLINKAT, "symlinkat"),
        (IORING_OP_LINKAT, "linkat"),
    ] {
        if !supported(&d, op, name) {
            return;
        }
    }
    let base = temp_path("refusals");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir(&base).unwrap();
    let file = base.join("file");
    std::fs::write(&file, b"x").unwrap();
    let missing = base.join("missing");
    let errno = |r: std::io::Result<()>| r.unwrap_err().raw_os_error();
    rt.block_on(async {
        assert_eq!(errno(d.renameat(At::CWD, cpath(&missing), At::CWD, cpath(&file), 0).await), Some(libc::ENOENT));
        assert_eq!(errno(d.mkdirat(At::CWD, cpath(&base), 0o755).await), Some(libc::EEXIST));
        assert_eq!(errno(d.symlinkat(cpath(&missing), At::CWD, cpath(&file)).await), Some(libc::EEXIST));
        assert_eq!(
            errno(d.linkat(At::CWD, cpath(&missing), At::CWD, cpath(&base.join("l")), 0).await),
            Some(libc::ENOENT)
        );
    })
    .unwrap();
    std::fs::remove_dir_all(&base).unwrap();
}

/// Truncating a pipe fails with EINVAL, advice on a pipe with ESPIPE.
#[test]
fn ftruncate_and_fadvise_of_a_pipe_fail() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (_r, w) = pipe();
    rt.block_on(async {
        if supported(&d, IORING_OP_FTRUNCATE, "ftruncate of a pipe") {
            assert_eq!(d.ftruncate(&w, 0).await.unwrap_err().raw_os_error(), Some(libc::EINVAL));
        }
        if supported(&d, IORING_OP_FADVISE, "fadvise of a pipe") {
            let e = d.fadvise(&w, 0, 4096, libc::POSIX_FADV_DONTNEED).await.unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ESPIPE));
        }
    })
    .unwrap();
}

/// `sync_file_range` of a pipe fails with ESPIPE.
#[test]
fn sync_file_range_of_a_pipe_fails_with_espipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SYNC_FILE_RANGE, "sync_file_range of a pipe") {
        return;
    }
    let (_r, w) = pipe();
    let e = rt.block_on(d.sync_file_range(&w, 0, 4096, libc::SYNC_FILE_RANGE_WRITE)).unwrap().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ESPIPE));
}

/// A splice with explicit offsets reads and writes the files there, not at
/// their positions (0).
#[test]
fn splice_honours_explicit_offsets_on_both_sides() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_SPLICE, "splice with offsets") {
        return;
    }
    let (src_path, dst_path) = (temp_path("splice-src"), temp_path("splice-dst"));
    std::fs::write(&src_path, b"0123456789").unwrap();
    std::fs::write(&dst_path, b"..........").unwrap();
    let src = Rc::new(std::fs::File::open(&src_path).unwrap());
    let dst = Rc::new(std::fs::OpenOptions::new().write(true).open(&dst_path).unwrap());
    let (r, w) = pipe();
    rt.block_on(async {
        assert_eq!(d.splice(&src, Some(3), &w, None, 4, 0).await.unwrap(), 4);
        assert_eq!(d.splice(&r, None, &dst, Some(5), 4, 0).await.unwrap(), 4);
    })
    .unwrap();
    assert_eq!(std::fs::read(&dst_path).unwrap(), b".....3456.");
    std::fs::remove_file(src_path).unwrap();
    std::fs::remove_file(dst_path).unwrap();
}

/// Whether `fd` has `O_NONBLOCK`.
fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL only reads the file's status flags.
    let f = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(f >= 0);
    f & libc::O_NONBLOCK != 0
}

/// Both ends of a pipe are close-on-exec whatever the flags (also when
/// `O_CLOEXEC` is passed), and the other flags are kept.
#[test]
fn pipe_ends_are_close_on_exec_and_keep_the_flags_asked_for() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_PIPE, "pipe flags") {
        return;
    }
    rt.block_on(async {
        for flags in [0, libc::O_CLOEXEC, libc::O_NONBLOCK] {
            let (r, w) = d.pipe(flags as u32).await.unwrap();
            assert!(cloexec(&r) && cloexec(&w), "flags {flags:#x}");
            let nb = flags == libc::O_NONBLOCK;
            assert_eq!((nonblocking(&r), nonblocking(&w)), (nb, nb), "flags {flags:#x}");
        }
    })
    .unwrap();
}

/// How many descriptors this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A pipe created by an operation whose future was dropped after it completed
/// has both ends closed. A pipe has no name to look for, so the test counts
/// descriptors, in a child process that runs this test alone (other tests'
/// threads open descriptors at any time).
#[test]
fn an_orphaned_pipe_that_completed_closes_both_ends() {
    const NAME: &str = "ops_file_system::an_orphaned_pipe_that_completed_closes_both_ends";
    if !support::in_child() {
        let out = support::child(NAME);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "child: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("1 passed"), "the child ran the test: {stdout}");
        return;
    }
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_PIPE, "orphaned pipe") {
        return;
    }
    let before = open_fds();
    finish_unobserved(&d, d.pipe(0));
    assert_eq!(open_fds(), before, "both ends of the orphan's pipe were closed");
    // The count sees a pipe that is open.
    let ends = rt.block_on(d.pipe(0)).unwrap().unwrap();
    assert_eq!(open_fds(), before + 2);
    drop(ends);
}

/// A descriptor installed from a direct slot by an operation whose future was
/// dropped after it completed is closed.
#[test]
fn an_orphaned_fixed_fd_install_that_completed_closes_its_descriptor() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    if !supported(&d, IORING_OP_FIXED_FD_INSTALL, "orphaned fixed fd install")
        || !supported(&d, IORING_OP_OPENAT, "ditto")
    {
        return;
    }
    let files = FixedFiles::new(&d, 4, 0..4).unwrap();
    let path = temp_path("fd-install");
    std::fs::write(&path, b"x").unwrap();
    let path = path.canonicalize().unwrap();
    let direct = rt.block_on(d.openat_direct(&files, At::CWD, cpath(&path), libc::O_RDONLY, 0)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 0, "a direct descriptor is not in the process's table");
    finish_unobserved(&d, d.fixed_fd_install_direct(&direct));
    assert_eq!(fds_naming(&path), 0, "the orphan's installed descriptor was closed");
    let fd = rt.block_on(d.fixed_fd_install_direct(&direct)).unwrap().unwrap();
    assert_eq!(fds_naming(&path), 1);
    drop((fd, direct));
    std::fs::remove_file(path).unwrap();
}
