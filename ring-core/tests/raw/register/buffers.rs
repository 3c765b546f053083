//! Registered buffers on the real kernel: reads and writes through them,
//! input checked before the kernel, sparse tables with updates and tags,
//! cloning between rings, and the memlock limit.

use super::*;

// ---- buffers ----

#[test]
fn fixed_buffers_read_and_write() {
    let mut ring = Ring::new(8).unwrap();
    let mut src = vec![0u8; 4096];
    let mut dst = vec![0u8; 4096];
    for (i, b) in src.iter_mut().enumerate() {
        *b = (i * 7) as u8;
    }
    let iovs = [iov(&mut src), iov(&mut dst)];
    // SAFETY: both vectors outlive the registration: they are unregistered
    // at the end of the test, after every fixed request completed.
    unsafe { ring.register_buffers(&iovs) }.unwrap();
    // A second table is refused: the ring holds one.
    // SAFETY: as above; the kernel refuses it anyway.
    let again = unsafe { ring.register_buffers(&iovs) }.unwrap_err();
    assert_eq!(syscall_errno(&again), Some(libc::EBUSY), "{again:?}");

    let file = memfd(&[]);
    let mut w = rw(IORING_OP_WRITE_FIXED, file.as_raw_fd(), src.as_ptr(), 3000, 0, 1);
    w.set_buf_index(0);
    push(&mut ring, &w);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (1, 3000));
    assert_eq!(pread(&file, 4096), src[..3000]);

    let mut r = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), dst.as_mut_ptr(), 3000, 0, 2);
    r.set_buf_index(1);
    push(&mut ring, &r);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (2, 3000));
    assert_eq!(dst[..3000], src[..3000]);

    // An address outside the named buffer is refused by the kernel.
    let mut bad = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), src.as_ptr(), 16, 0, 3);
    bad.set_buf_index(1);
    push(&mut ring, &bad);
    assert_eq!(next_cqe(&mut ring).res, -libc::EFAULT);

    ring.unregister_buffers().unwrap();
    let after = ring.unregister_buffers().unwrap_err();
    assert_eq!(syscall_errno(&after), Some(libc::ENXIO), "{after:?}");
}

#[test]
fn buffer_input_checked_before_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let dangling = libc::iovec { iov_base: 4096 as *mut libc::c_void, iov_len: 16 };
    let too_many = vec![dangling; MAX_BUFFERS + 1];
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&too_many) }.unwrap_err();
    assert!(matches!(e, Error::TooLong { max: MAX_BUFFERS, .. }), "{e:?}");
    let huge = libc::iovec { iov_base: 4096 as *mut libc::c_void, iov_len: MAX_BUFFER_LEN + 1 };
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[huge]) }.unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "registered buffer", .. }), "{e:?}");
    let null_with_len = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 8 };
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[null_with_len]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers(&[]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = ring.register_buffers_sparse(MAX_BUFFERS as u32 + 1).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");
}

#[test]
fn sparse_buffers_update_and_tags() {
    let mut ring = Ring::new(8).unwrap();
    ring.register_buffers_sparse(4).unwrap();
    let mut buf = vec![0u8; 64];
    let file = memfd(b"sparse slot two");
    // SAFETY: `buf` outlives its registration: the slot is emptied below,
    // after the read completed.
    let n = unsafe { ring.update_buffers(2, &[iov(&mut buf)], Some(&[77])) }.unwrap();
    assert_eq!(n, 1);
    let mut r = rw(IORING_OP_READ_FIXED, file.as_raw_fd(), buf.as_mut_ptr(), 64, 0, 5);
    r.set_buf_index(2);
    push(&mut ring, &r);
    let c = next_cqe(&mut ring);
    assert_eq!((c.user_data, c.res), (5, 15));
    assert_eq!(&buf[..15], b"sparse slot two");

    // Emptying the slot releases the tagged buffer: the kernel posts a CQE
    // carrying the tag.
    let empty = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 0 };
    // SAFETY: an empty slot names no memory.
    assert_eq!(unsafe { ring.update_buffers(2, &[empty], None) }.unwrap(), 1);
    ring.get_events().unwrap();
    let tag = next_cqe(&mut ring);
    assert_eq!((tag.user_data, tag.res), (77, 0));

    // A tag on an empty slot is refused before the kernel.
    ring.unregister_buffers().unwrap();
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buffers_tags(&[empty], &[1]) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");

    // Tagged registration, then the whole table unregistered: 6.18 posts
    // the tag then; 6.1 and 6.12 post no completion for a table
    // unregistered as a whole. Either way nothing else arrives.
    // SAFETY: `buf` outlives the registration, which ends just below.
    unsafe { ring.register_buffers_tags(&[iov(&mut buf)], &[88]) }.unwrap();
    ring.unregister_buffers().unwrap();
    ring.get_events().unwrap();
    tag_after_unregistration(&mut ring, 88);
}

#[test]
fn clone_buffers_between_rings() {
    let src = Ring::new(4).unwrap();
    let mut dst = Ring::new(4).unwrap();
    if !supports(&src, IORING_REGISTER_CLONE_BUFFERS, "buffer cloning") {
        return;
    }
    let mut buf = b"cloned into another ring".to_vec();
    // SAFETY: `buf` stays alive until both registrations end: the test
    // unregisters both tables at its end, after every request completed.
    unsafe { src.register_buffers(&[iov(&mut buf)]) }.unwrap();
    // SAFETY: as above; the clone is unregistered below, before `buf` dies.
    unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) }.unwrap();
    let file = memfd(&[]);
    let mut w = rw(IORING_OP_WRITE_FIXED, file.as_raw_fd(), buf.as_ptr(), buf.len(), 0, 9);
    w.set_buf_index(0);
    push(&mut dst, &w);
    assert_eq!(next_cqe(&mut dst).res, buf.len() as i32);
    assert_eq!(pread(&file, 64), buf);
    // Cloning again without replace is refused: the table exists.
    // SAFETY: refused by the kernel.
    let e = unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) }.unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EBUSY), "{e:?}");
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { dst.clone_buffers_from(&src, CloneBuffers { src_offset: 1, ..Default::default() }) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    dst.unregister_buffers().unwrap();
    src.unregister_buffers().unwrap();
}

// ---- locked-memory accounting ----

/// Drops `CAP_IPC_LOCK` from the calling thread's effective set (Linux
/// capabilities are per thread), so that rings it creates charge pinned
/// memory to `RLIMIT_MEMLOCK`. Returns false if that was not possible.
fn drop_ipc_lock_here() -> bool {
    #[repr(C)]
    struct Header {
        version: u32,
        pid: i32,
    }
    #[repr(C)]
    #[derive(Clone, Copy, Default)]
    struct Data {
        effective: u32,
        permitted: u32,
        inheritable: u32,
    }
    const VERSION_3: u32 = 0x2008_0522;
    const CAP_IPC_LOCK: u32 = 14;
    let mut hdr = Header { version: VERSION_3, pid: 0 };
    let mut data = [Data::default(); 2];
    // SAFETY: capget writes two Data entries for a version-3 header.
    if unsafe { libc::syscall(libc::SYS_capget, &raw mut hdr, data.as_mut_ptr()) } != 0 {
        return false;
    }
    data[0].effective &= !(1 << CAP_IPC_LOCK);
    // SAFETY: capset reads the header and two Data entries; it changes only
    // the calling thread's capabilities.
    unsafe { libc::syscall(libc::SYS_capset, &raw mut hdr, data.as_ptr()) == 0 }
}

#[test]
fn buffer_registration_over_memlock_is_typed() {
    std::thread::spawn(|| {
        if !drop_ipc_lock_here() {
            println!("skipping the RLIMIT_MEMLOCK check: cannot drop CAP_IPC_LOCK");
            return;
        }
        // Declared before the ring, so it would outlive a registration.
        let mut buf = vec![0u8; 1 << 20];
        let ring = Ring::new(4).unwrap();
        let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes one rlimit.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut old) }, 0);
        let low = libc::rlimit { rlim_cur: 64 * 1024, rlim_max: old.rlim_max };
        // SAFETY: setrlimit reads one rlimit. The limit is process-wide, but
        // only rings created by threads without CAP_IPC_LOCK (this one) are
        // charged against it, and it is restored right after.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &low) }, 0);
        // SAFETY: `buf` outlives the ring, so any registration.
        let r = unsafe { ring.register_buffers(&[iov(&mut buf)]) };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &old) }, 0);
        match r {
            Err(Error::MemlockLimit { limit, errno }) => {
                assert_eq!((limit, errno.raw()), (64 * 1024, libc::ENOMEM));
            }
            other => panic!("expected MemlockLimit, got {other:?}"),
        }
    })
    .join()
    .unwrap();
}
