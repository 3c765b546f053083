//! Registered files on the real kernel: reads through them, updates with
//! tags, and the allocation range for direct descriptors.

use super::*;

// ---- files ----

#[test]
fn fixed_files_read_update_and_tags() {
    let mut ring = Ring::new(8).unwrap();
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    ring.register_files(&[r1.as_raw_fd(), -1]).unwrap();
    write_all(&w1, b"abc");
    let mut buf = [0u8; 16];
    let mut s = rw(IORING_OP_READ, 0, buf.as_mut_ptr(), 16, u64::MAX, 1);
    s.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &s);
    let c = next_cqe(&mut ring);
    assert_eq!(c.res, 3);
    assert_eq!(&buf[..3], b"abc");

    // Fill the empty slot through FILES_UPDATE and read through it.
    assert_eq!(ring.update_files(1, &[r2.as_raw_fd()]).unwrap(), 1);
    write_all(&w2, b"second");
    let mut s = rw(IORING_OP_READ, 1, buf.as_mut_ptr(), 16, u64::MAX, 2);
    s.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &s);
    assert_eq!(next_cqe(&mut ring).res, 6);
    assert_eq!(&buf[..6], b"second");

    // FILES_UPDATE2 with a tag, then replace: the tag comes back as a CQE.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(0, &[r2.as_raw_fd()], &[55]) }.unwrap(), 1);
    assert_eq!(ring.update_files(0, &[-1]).unwrap(), 1);
    ring.get_events().unwrap();
    assert_eq!(next_cqe(&mut ring).user_data, 55);

    // Skipping leaves the slot alone.
    assert_eq!(ring.update_files(0, &[IORING_REGISTER_FILES_SKIP, IORING_REGISTER_FILES_SKIP]).unwrap(), 2);
    ring.unregister_files().unwrap();
    assert_eq!(syscall_errno(&ring.unregister_files().unwrap_err()), Some(libc::ENXIO));

    // Tagged registration (the tag after unregistration as for buffers,
    // see `sparse_buffers_update_and_tags`), checked input.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    unsafe { ring.register_files_tags(&[r1.as_raw_fd()], &[66]) }.unwrap();
    ring.unregister_files().unwrap();
    ring.get_events().unwrap();
    tag_after_unregistration(&mut ring, 66);
    assert!(matches!(ring.register_files(&[-5]), Err(Error::BadFd(-5))));
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert!(matches!(unsafe { ring.register_files_tags(&[-1], &[3]) }, Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_files(&[]), Err(Error::InvalidArgument(_))));
    let e = ring.register_files_sparse(MAX_FILES as u32 + 1).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn file_alloc_range_and_direct_openat() {
    let mut ring = Ring::new(8).unwrap();
    ring.register_files_sparse(16).unwrap();
    ring.register_file_alloc_range(8, 4).unwrap();
    assert!(matches!(ring.register_file_alloc_range(u32::MAX, 2), Err(Error::InvalidArgument(_))));
    let file = memfd(b"direct descriptor");
    let path = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd())).unwrap();
    let mut slots = Vec::new();
    for i in 0..2u64 {
        let mut o = sqe(IORING_OP_OPENAT, libc::AT_FDCWD, 100 + i);
        o.set_addr(path.as_ptr() as u64);
        o.set_open_flags(libc::O_RDONLY as u32);
        o.set_file_index(IORING_FILE_INDEX_ALLOC);
        push(&mut ring, &o);
        let c = next_cqe(&mut ring);
        assert!((8..12).contains(&c.res), "slot {} outside the range 8..12", c.res);
        slots.push(c.res);
    }
    assert_ne!(slots[0], slots[1]);
    // The slot is a working descriptor.
    let mut buf = [0u8; 32];
    let mut r = rw(IORING_OP_READ, slots[1], buf.as_mut_ptr(), 32, 0, 7);
    r.flags = IOSQE_FIXED_FILE;
    push(&mut ring, &r);
    assert_eq!(next_cqe(&mut ring).res, 17);
    assert_eq!(&buf[..17], b"direct descriptor");
}
