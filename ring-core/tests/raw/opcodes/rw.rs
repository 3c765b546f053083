//! The read and write opcodes: plain, vectored, into registered buffers,
//! and the multishot read.

use super::*;

// ------------------------------------------------------- READV / WRITEV

#[test]
fn op01_readv() {
    let f = TempPath::with("readv", b"hello vectored world");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut a = [0u8; 5];
    let mut b = [0u8; 9];
    let iov = [
        libc::iovec { iov_base: a.as_mut_ptr().cast(), iov_len: a.len() },
        libc::iovec { iov_base: b.as_mut_ptr().cast(), iov_len: b.len() },
    ];
    let mut ring = ring();
    let e = Readv::new(raw(&file), iov.as_ptr(), 2).offset(1).build();
    // SAFETY: `iov`, `a` and `b` outlive the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    let c = one(&mut ring);
    assert_eq!(c.res, 14);
    assert_eq!(&a, b"ello ");
    assert_eq!(&b, b"vectored ");
}

#[test]
fn op02_writev() {
    let f = TempPath::with("writev", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let a = *b"first,";
    let b = *b"second";
    let iov = [
        libc::iovec { iov_base: a.as_ptr() as *mut _, iov_len: a.len() },
        libc::iovec { iov_base: b.as_ptr() as *mut _, iov_len: b.len() },
    ];
    let mut ring = ring();
    let e = Writev::new(raw(&file), iov.as_ptr(), 2).build();
    // SAFETY: `iov`, `a` and `b` outlive the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 12);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"first,second");
}

// ------------------------------------------------ READ_FIXED / WRITE_FIXED

#[test]
fn op04_read_fixed() {
    let f = TempPath::with("read_fixed", b"registered buffer contents");
    let file = std::fs::File::open(f.path()).unwrap();
    // Declared before the ring so it outlives the registration.
    let mut bufs = vec![vec![0u8; 4096]];
    let mut ring = ring();
    register_buffers(&ring, &mut bufs);
    let dst = bufs[0].as_mut_ptr().wrapping_add(100);
    let e = ReadFixed::new(raw(&file), dst, 10, 0).offset(11).build();
    // SAFETY: `dst .. dst + 10` lies in registered buffer 0, which lives
    // (and stays registered) until after the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(&bufs[0][100..110], b"buffer con");
}

#[test]
fn op05_write_fixed() {
    let f = TempPath::with("write_fixed", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    bufs[0][..12].copy_from_slice(b"fixed write!");
    let mut ring = ring();
    register_buffers(&ring, &mut bufs);
    let e = WriteFixed::new(raw(&file), bufs[0].as_ptr(), 12, 0).offset(3).build();
    // SAFETY: the source lies in registered buffer 0, alive and unmodified
    // until the completion reaped below.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 12);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"\0\0\0fixed write!");
}

// ---------------------------------------------------------- READ / WRITE

#[test]
fn op22_read() {
    let f = TempPath::with("read", b"0123456789");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut buf = [0u8; 4];
    let mut ring = ring();
    // SAFETY: `buf` outlives the completion.
    unsafe { ring.sq().push(&Read::new(raw(&file), buf.as_mut_ptr(), 4).offset(3).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 4);
    assert_eq!(&buf, b"3456");
}

#[test]
fn short_reads_past_eof() {
    let f = TempPath::with("short", b"0123456789");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut buf = [0u8; 100];
    let mut ring = ring();
    for (off, want) in [(0u64, 10i32), (5, 5), (10, 0), (50, 0)] {
        let e = Read::new(raw(&file), buf.as_mut_ptr(), 100).offset(off).build();
        // SAFETY: `buf` outlives the completion.
        unsafe { ring.sq().push(&e) }.unwrap();
        assert_eq!(one(&mut ring).res, want, "read of 100 bytes at {off}");
    }
    assert_eq!(&buf[..5], b"56789", "the last non-empty read");
}

#[test]
fn op23_write() {
    let f = TempPath::with("write", b"..........");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let data = *b"XYZ";
    let mut ring = ring();
    // SAFETY: `data` outlives the completion.
    unsafe { ring.sq().push(&Write::new(raw(&file), data.as_ptr(), 3).offset(4).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 3);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"....XYZ...");
}

// --------------------------------------------------------- READ_MULTISHOT

#[test]
fn op49_read_multishot() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_READ_MULTISHOT, "op49_read_multishot") {
        return;
    }
    let (r, w) = pipe();
    let br = BufRing::new(&ring, 4, 32, 7);
    // SAFETY: the buffer ring outlives the request, whose final completion
    // (after the cancel below) is reaped before `br` drops.
    unsafe { ring.sq().push(&ReadMulti::new(raw(&r), br.bgid()).build().user_data(1)) }.unwrap();
    ring.submit().unwrap();
    let mut seen = Vec::new();
    for chunk in [&b"aa"[..], b"bbb", b"cccc"] {
        write_fd(raw(&w), chunk);
        let c = one(&mut ring);
        assert!(c.more(), "multishot read without F_MORE: {c:?}");
        let bid = c.buffer_id().expect("a provided buffer");
        seen.push(br.buf(bid)[..c.res as usize].to_vec());
    }
    assert_eq!(seen, [b"aa".to_vec(), b"bbb".to_vec(), b"cccc".to_vec()]);
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&AsyncCancel::new(1).build().user_data(2)) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[0].more()), (ECANCELED, false));
    br.unregister(&ring);
}

// -------------------------------------------- READV_FIXED / WRITEV_FIXED

#[test]
fn op60_readv_fixed() {
    let f = TempPath::with("readv_fixed", b"scatter into registered memory");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    let mut ring = ring();
    if !supported(&ring, IORING_OP_READV_FIXED, "op60_readv_fixed") {
        return;
    }
    register_buffers(&ring, &mut bufs);
    let base = bufs[0].as_mut_ptr();
    let iov = [
        libc::iovec { iov_base: base.wrapping_add(10).cast(), iov_len: 8 },
        libc::iovec { iov_base: base.wrapping_add(1000).cast(), iov_len: 22 },
    ];
    // SAFETY: both iovecs lie in registered buffer 0, which (like `iov`)
    // outlives the completion.
    unsafe { ring.sq().push(&ReadvFixed::new(raw(&file), iov.as_ptr(), 2, 0).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 30);
    assert_eq!(&bufs[0][10..18], b"scatter ");
    assert_eq!(&bufs[0][1000..1022], b"into registered memory");
}

#[test]
fn op61_writev_fixed() {
    let f = TempPath::with("writev_fixed", b"");
    let file = std::fs::OpenOptions::new().write(true).open(f.path()).unwrap();
    let mut bufs = vec![vec![0u8; 4096]];
    bufs[0][..6].copy_from_slice(b"gather");
    bufs[0][2000..2005].copy_from_slice(b" done");
    let mut ring = ring();
    if !supported(&ring, IORING_OP_WRITEV_FIXED, "op61_writev_fixed") {
        return;
    }
    register_buffers(&ring, &mut bufs);
    let base = bufs[0].as_mut_ptr();
    let iov = [
        libc::iovec { iov_base: base.cast(), iov_len: 6 },
        libc::iovec { iov_base: base.wrapping_add(2000).cast(), iov_len: 5 },
    ];
    // SAFETY: both iovecs lie in registered buffer 0, alive and unmodified
    // until the completion.
    unsafe { ring.sq().push(&WritevFixed::new(raw(&file), iov.as_ptr(), 2, 0).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 11);
    assert_eq!(std::fs::read(f.path()).unwrap(), b"gather done");
}
