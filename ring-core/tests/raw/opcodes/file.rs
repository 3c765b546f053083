//! The opcodes on an open file's data: syncing, allocating, advising,
//! truncating, and moving data between descriptors (splice, tee).

use super::*;

// ----------------------------------------------------------------- FSYNC

#[test]
fn op03_fsync() {
    let f = TempPath::with("fsync", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let data = *b"durable";
    let mut ring = ring();
    // A write linked to an fsync, then an fdatasync of the range: the
    // data is on the file (the durability itself cannot be observed from
    // here short of a power cut), and both syncs succeed after the write.
    let w = Write::new(raw(&file), data.as_ptr(), 7).build().user_data(1).flags(SqeFlags::IO_LINK);
    let s = Fsync::new(raw(&file)).build().user_data(2).flags(SqeFlags::IO_LINK);
    let d = Fsync::new(raw(&file)).flags(IORING_FSYNC_DATASYNC).len(7).build().user_data(3);
    // SAFETY: `data` outlives the completions reaped below; fsync points at nothing.
    unsafe { ring.sq().push_all(&[w.into_sqe(), s.into_sqe(), d.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 3);
    assert_eq!((v[0].res, v[1].res, v[2].res), (7, 0, 0));
    assert_eq!(std::fs::read(f.path()).unwrap(), b"durable");
}

// -------------------------------------------------------- SYNC_FILE_RANGE

#[test]
fn op08_sync_file_range() {
    let f = TempPath::with("sync_range", &[7u8; 8192]);
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut ring = ring();
    let how = libc::SYNC_FILE_RANGE_WAIT_BEFORE | libc::SYNC_FILE_RANGE_WRITE | libc::SYNC_FILE_RANGE_WAIT_AFTER;
    let e = SyncFileRange::new(raw(&file), 4096).offset(4096).flags(how).build();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&e) }.unwrap();
    // The effect (writeback of the range) is not observable from user
    // space; the kernel accepted and ran it, and the data is intact.
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read(f.path()).unwrap(), vec![7u8; 8192]);
}

// -------------------------------------------------------------- FALLOCATE

#[test]
fn op17_fallocate() {
    let f = TempPath::with("fallocate", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut ring = ring();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Fallocate::new(raw(&file), 1 << 20).build()) }.unwrap();
    let res = one(&mut ring).res;
    if res == -libc::EOPNOTSUPP {
        println!("SKIP op17_fallocate: the file system of {:?} has no fallocate", f.path());
        return;
    }
    assert_eq!(res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(m.len(), 1 << 20, "mode 0 extends the size");
    assert!(m.blocks() * 512 >= 1 << 20, "blocks allocated: {}", m.blocks());
    // KEEP_SIZE allocates past the end without changing the size.
    let e = Fallocate::new(raw(&file), 1 << 20).offset(1 << 20).mode(libc::FALLOC_FL_KEEP_SIZE).build();
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let m = std::fs::metadata(f.path()).unwrap();
    assert_eq!(m.len(), 1 << 20);
    assert!(m.blocks() * 512 >= 2 << 20, "blocks allocated: {}", m.blocks());
}

// ------------------------------------------------------ FADVISE / MADVISE

#[test]
fn op24_fadvise() {
    let f = TempPath::with("fadvise", &[0u8; 8192]);
    let file = std::fs::File::open(f.path()).unwrap();
    let mut ring = ring();
    // Advice is a hint with no observable effect guaranteed; the kernel
    // accepting each kind is what can be checked.
    for (ud, advice) in
        [(1, libc::POSIX_FADV_WILLNEED), (2, libc::POSIX_FADV_SEQUENTIAL), (3, libc::POSIX_FADV_DONTNEED)]
    {
        // SAFETY: points at no memory.
        unsafe { ring.sq().push(&Fadvise::new(raw(&file), 8192, advice).build().user_data(ud)) }.unwrap();
    }
    let v = sorted(&mut ring, 3);
    assert!(v.iter().all(|c| c.res == 0), "{v:?}");
    // An invalid advice is refused, which shows the advice reached the kernel.
    // SAFETY: as above.
    unsafe { ring.sq().push(&Fadvise::new(raw(&file), 8192, 12345).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EINVAL);
}

// ----------------------------------------------------------- SPLICE / TEE

#[test]
fn op30_splice() {
    let f = TempPath::with("splice", b"spliced through a pipe");
    let file = std::fs::File::open(f.path()).unwrap();
    let (r, w) = pipe();
    let out = TempPath::with("splice_out", b"");
    let outf = std::fs::OpenOptions::new().write(true).open(out.path()).unwrap();
    let mut ring = ring();
    // file -> pipe, linked to pipe -> other file.
    let a = Splice::new(raw(&file), 8, raw(&w), -1, 14).build().user_data(1).flags(SqeFlags::IO_LINK);
    let b = Splice::new(raw(&r), -1, raw(&outf), 0, 14).build().user_data(2);
    // SAFETY: splice points at no memory.
    unsafe { ring.sq().push_all(&[a.into_sqe(), b.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (14, 14));
    assert_eq!(std::fs::read(out.path()).unwrap(), b"through a pipe");
}

#[test]
fn op33_tee() {
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    write_fd(raw(&w1), b"duplicated");
    let mut ring = ring();
    // SAFETY: tee points at no memory.
    unsafe { ring.sq().push(&Tee::new(raw(&r1), raw(&w2), 10).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(read_fd(raw(&r2), 32), b"duplicated");
    assert_eq!(read_fd(raw(&r1), 32), b"duplicated", "tee does not consume its input");
}

// -------------------------------------------------------------- FTRUNCATE

#[test]
fn op55_ftruncate() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FTRUNCATE, "op55_ftruncate") {
        return;
    }
    let f = TempPath::with("ftruncate", b"0123456789");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&Ftruncate::new(raw(&file), 4).build().user_data(1)) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"0123");
    // SAFETY: as above.
    unsafe { ring.sq().push(&Ftruncate::new(raw(&file), 4096).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(std::fs::metadata(f.path()).unwrap().len(), 4096);
}
