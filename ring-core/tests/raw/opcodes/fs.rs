//! The file-system opcodes: opening, closing, inspecting, renaming,
//! linking and removing paths, the registered-file table, and pipes.

use super::*;
use std::os::fd::AsRawFd;

// ----------------------------------------------------------- OPENAT/CLOSE

#[test]
fn op18_openat() {
    let f = TempPath::new("openat");
    let path = f.c();
    let mut ring = ring();
    let e = OpenAt::new(libc::AT_FDCWD, path.as_ptr())
        .flags(libc::O_CREAT | libc::O_WRONLY | libc::O_CLOEXEC)
        .mode(0o600)
        .build();
    // SAFETY: `path` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    let file = std::fs::File::from(own(one(&mut ring).res));
    (&file).write_all(b"opened by io_uring").unwrap();
    assert_eq!(std::fs::read(f.path()).unwrap(), b"opened by io_uring");
    assert_eq!(std::fs::metadata(f.path()).unwrap().mode() & 0o777, 0o600);

    // Into a direct descriptor slot the kernel picks; read through it.
    register_files(&ring, &[-1, -1, -1]);
    let e = OpenAt::new(libc::AT_FDCWD, path.as_ptr()).file_index(IORING_FILE_INDEX_ALLOC).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    let slot = one(&mut ring).res;
    assert!((0..3).contains(&slot), "allocated slot {slot}");
    let mut buf = [0u8; 6];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(slot as u32), buf.as_mut_ptr(), 6).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 6);
    assert_eq!(&buf, b"opened");
}

#[test]
fn op19_close() {
    // The pipe's only write end is closed by the ring: its read end then
    // reads end-of-file at once. (Asking whether the number is still open
    // would race with other tests of this binary, which may be handed the
    // same number as soon as it is free.)
    let f = TempPath::with("close", b"abc");
    let (r, w) = pipe();
    // SAFETY: F_SETFL on a descriptor we own.
    assert_eq!(unsafe { libc::fcntl(r.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) }, 0);
    let fd = w.into_raw_fd();
    let mut ring = ring();
    // SAFETY: points at no memory; `fd` is ours to close.
    unsafe { ring.sq().push(&Close::new(fd).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let mut byte = [0u8; 1];
    // SAFETY: `byte` is valid for one byte.
    let n = unsafe { libc::read(r.as_raw_fd(), byte.as_mut_ptr().cast(), 1) };
    assert_eq!(n, 0, "the write end is still open after CLOSE (a read would block)");

    // Closing a direct descriptor empties its slot.
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&ring, &[raw(&file)]);
    // SAFETY: as above.
    unsafe { ring.sq().push(&Close::new(Fixed(0)).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let mut buf = [0u8; 3];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(0), buf.as_mut_ptr(), 3).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EBADF);
    assert!(fd_is_open(raw(&file)), "closing the slot leaves the process's descriptor");
}

// ----------------------------------------------------------- FILES_UPDATE

#[test]
fn op20_files_update() {
    let f = TempPath::with("files_update", b"through slot two");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut ring = ring();
    register_files(&ring, &[-1, -1, -1, -1]);
    let fds = [raw(&file)];
    // SAFETY: `fds` outlives the completion.
    unsafe { ring.sq().push(&FilesUpdate::new(fds.as_ptr(), 1).offset(2).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 1);
    let mut buf = [0u8; 16];
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(Fixed(2), buf.as_mut_ptr(), 16).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 16);
    assert_eq!(&buf, b"through slot two");
    // Slot 1 stayed empty.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Read::new(Fixed(1), buf.as_mut_ptr(), 16).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EBADF);
}

// ------------------------------------------------------------------ STATX

#[test]
fn op21_statx() {
    let f = TempPath::with("statx", &[1u8; 1234]);
    let path = f.c();
    // SAFETY: statx is plain integers; all-zero is valid.
    let mut st: libc::statx = unsafe { core::mem::zeroed() };
    let mut ring = ring();
    let e = Statx::new(libc::AT_FDCWD, path.as_ptr(), &mut st).mask(libc::STATX_BASIC_STATS).build();
    // SAFETY: `path` and `st` outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(st.stx_size, m.len());
    assert_eq!(st.stx_ino, m.ino());
    assert_eq!(u32::from(st.stx_mode), m.mode());
    assert_eq!(u64::from(st.stx_nlink), m.nlink());
    assert_eq!(st.stx_uid, m.uid());
}

// ----------------------------------------------------------------- OPENAT2

#[test]
fn op28_openat2() {
    let dir = TempPath::new("openat2");
    std::fs::create_dir(dir.path()).unwrap();
    std::fs::write(dir.path().join("inside"), b"beneath").unwrap();
    let dirf = std::fs::File::open(dir.path()).unwrap();
    let mut ring = ring();
    let how = open_how { flags: (libc::O_RDONLY | libc::O_CLOEXEC) as u64, mode: 0, resolve: RESOLVE_BENEATH };
    let inside = c"inside";
    let escape = c"../outside";
    // SAFETY: the paths and `how` outlive the completions.
    unsafe {
        ring.sq().push(&OpenAt2::new(raw(&dirf), inside.as_ptr(), &how).build().user_data(1)).unwrap();
        ring.sq().push(&OpenAt2::new(raw(&dirf), escape.as_ptr(), &how).build().user_data(2)).unwrap();
    }
    let v = sorted(&mut ring, 2);
    let f = std::fs::File::from(own(v[0].res));
    let mut s = String::new();
    (&f).read_to_string(&mut s).unwrap();
    assert_eq!(s, "beneath");
    assert_eq!(v[1].res, -libc::EXDEV, "RESOLVE_BENEATH refused to leave the directory");
}

// ------------------------------------------------ names: RENAME, UNLINK ...

#[test]
fn op35_renameat() {
    let from = TempPath::with("rename_from", b"moved");
    let to = TempPath::new("rename_to");
    let (a, b) = (from.c(), to.c());
    let mut ring = ring();
    let e = RenameAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).build();
    // SAFETY: the paths outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert!(!from.path().exists());
    assert_eq!(std::fs::read(to.path()).unwrap(), b"moved");
    // RENAME_NOREPLACE refuses to overwrite.
    std::fs::write(from.path(), b"again").unwrap();
    let e = RenameAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).flags(libc::RENAME_NOREPLACE).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EEXIST);
}

#[test]
fn op36_unlinkat() {
    let f = TempPath::with("unlink", b"x");
    let d = TempPath::new("unlink_dir");
    std::fs::create_dir(d.path()).unwrap();
    let (fp, dp) = (f.c(), d.c());
    let mut ring = ring();
    // SAFETY: the paths outlive the completions.
    unsafe {
        ring.sq().push(&UnlinkAt::new(libc::AT_FDCWD, fp.as_ptr()).build().user_data(1)).unwrap();
        ring.sq()
            .push(&UnlinkAt::new(libc::AT_FDCWD, dp.as_ptr()).flags(libc::AT_REMOVEDIR).build().user_data(2))
            .unwrap();
    }
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 0));
    assert!(!f.path().exists() && !d.path().exists());
}

#[test]
fn op37_mkdirat() {
    let d = TempPath::new("mkdir");
    let p = d.c();
    let mut ring = ring();
    // SAFETY: the path outlives the completion.
    unsafe { ring.sq().push(&MkdirAt::new(libc::AT_FDCWD, p.as_ptr()).mode(0o700).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(d.path()).unwrap();
    assert!(m.is_dir());
    assert_eq!(m.mode() & 0o777, 0o700);
}

#[test]
fn op38_symlinkat() {
    let l = TempPath::new("symlink");
    let lp = l.c();
    let target = c"/some/where/else";
    let mut ring = ring();
    let e = SymlinkAt::new(target.as_ptr(), libc::AT_FDCWD, lp.as_ptr()).build();
    // SAFETY: the strings outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read_link(l.path()).unwrap(), std::path::Path::new("/some/where/else"));
}

#[test]
fn op39_linkat() {
    let f = TempPath::with("link_src", b"shared inode");
    let l = TempPath::new("link_dst");
    let (a, b) = (f.c(), l.c());
    let mut ring = ring();
    let e = LinkAt::new(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr()).build();
    // SAFETY: the paths outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let (m1, m2) = (std::fs::metadata(f.path()).unwrap(), std::fs::metadata(l.path()).unwrap());
    assert_eq!(m1.ino(), m2.ino());
    assert_eq!(m1.nlink(), 2);
}

// ------------------------------------------------------ FIXED_FD_INSTALL

#[test]
fn op54_fixed_fd_install() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FIXED_FD_INSTALL, "op54_fixed_fd_install") {
        return;
    }
    let f = TempPath::with("install", b"installed");
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&ring, &[raw(&file)]);
    drop(file); // The slot keeps its own reference to the file.
                // SAFETY: points at no memory.
    unsafe { ring.sq().push(&FixedFdInstall::new(0).build()) }.unwrap();
    let fd = own(one(&mut ring).res);
    // SAFETY: F_GETFD inspects the descriptor table only.
    let cloexec = unsafe { libc::fcntl(raw(&fd), libc::F_GETFD) } & libc::FD_CLOEXEC != 0;
    assert!(cloexec, "installed close-on-exec by default");
    let mut s = String::new();
    std::fs::File::from(fd).read_to_string(&mut s).unwrap();
    assert_eq!(s, "installed");
}

// ------------------------------------------------------------------ PIPE

#[test]
fn op62_pipe() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_PIPE, "op62_pipe") {
        return;
    }
    let mut fds = [-1; 2];
    let e = Pipe::new(&mut fds).flags(libc::O_CLOEXEC as u32).build();
    // SAFETY: `fds` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let (r, w) = (own(fds[0]), own(fds[1]));
    write_fd(raw(&w), b"through the new pipe");
    assert_eq!(read_fd(raw(&r), 64), b"through the new pipe");

    // As direct descriptors: splice through the registered pair.
    register_files(&ring, &[-1, -1, -1, -1]);
    let mut slots = [-1; 2];
    let e = Pipe::new(&mut slots).file_index(IORING_FILE_INDEX_ALLOC).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let data = *b"direct";
    let mut back = [0u8; 6];
    let wr = Write::new(Fixed(slots[1] as u32), data.as_ptr(), 6)
        .offset(u64::MAX)
        .build()
        .user_data(1)
        .flags(SqeFlags::IO_LINK);
    let rd = Read::new(Fixed(slots[0] as u32), back.as_mut_ptr(), 6).offset(u64::MAX).build().user_data(2);
    // SAFETY: `data` and `back` outlive both completions.
    unsafe { ring.sq().push_all(&[wr.into_sqe(), rd.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (6, 6));
    assert_eq!(&back, b"direct");
}
