//! Provided-buffer rings on the real kernel: round trips in user and
//! kernel-mapped memory, incremental consumption, flags and group ids
//! refused where the kernel lacks them, and checked input.

use super::*;

// ---- provided-buffer rings ----

fn select_read(ring: &mut Ring, fd: RawFd, bgid: u16, len: u32, user_data: u64) -> Cqe {
    let mut s = sqe(IORING_OP_READ, fd, user_data);
    s.flags = IOSQE_BUFFER_SELECT;
    s.set_buf_group(bgid);
    s.len = len;
    s.set_off(u64::MAX);
    push(ring, &s);
    next_cqe(ring)
}

fn buf_ring_round_trip(kernel_mapped: bool) {
    let mut ring = Ring::new(8).unwrap();
    let mut cfg = BufRingConfig::new(7, 8).buffers(4, 64);
    if kernel_mapped {
        cfg = cfg.kernel_mapped();
    }
    let mut br = ring.register_buf_ring(cfg).unwrap();
    assert!((0..4).all(|b| br.is_with_kernel(b)));
    let (r, w) = pipe();
    write_all(&w, b"hello");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 1);
    assert_eq!(c.res, 5);
    assert_ne!(c.flags & IORING_CQE_F_BUFFER, 0);
    let bid = c.buffer_id().unwrap();
    assert_eq!(bid, 0, "the kernel takes buffers in ring order");
    // SAFETY: the completion reported `bid` without BUF_MORE.
    let data = unsafe { br.take(bid) }.unwrap();
    assert_eq!(&data[..5], b"hello");
    if supports(&ring, IORING_REGISTER_PBUF_STATUS, "buffer ring status") {
        assert_eq!(ring.buf_ring_head(7).unwrap(), 1);
    }
    // A taken buffer goes back at the tail; the next read takes buffer 1.
    br.recycle(bid).unwrap();
    assert!(matches!(br.recycle(bid), Err(Error::InvalidArgument(_))));
    write_all(&w, b"world!");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 2);
    assert_eq!((c.res, c.buffer_id()), (6, Some(1)));
    // SAFETY: as above.
    assert_eq!(&unsafe { br.take(1) }.unwrap()[..6], b"world!");
    // SAFETY: refused: buffer 1 is no longer with the kernel.
    assert!(unsafe { br.take(1) }.is_err());
    ring.unregister_buf_ring(br).unwrap();
    // The group is gone.
    write_all(&w, b"x");
    let c = select_read(&mut ring, r.as_raw_fd(), 7, 64, 3);
    assert!(c.res < 0, "read without a group: {}", c.res);
}

#[test]
fn buf_ring_user_memory() {
    buf_ring_round_trip(false);
}

#[test]
fn buf_ring_kernel_mapped() {
    if !caps::kernel_mapped_buf_rings("buf_ring_kernel_mapped") {
        return;
    }
    buf_ring_round_trip(true);
}

/// A kernel-allocated buffer ring is mapped at an offset whose group id
/// field has eleven bits: group 0x8000 would be mapped as group 0 (its
/// entries written into group 0's ring), so groups above 2047 are refused
/// before anything is registered, and 2047 works.
#[test]
fn a_kernel_mapped_buffer_ring_refuses_a_group_id_its_mapping_cannot_carry() {
    let mut ring = Ring::new(4).unwrap();
    assert_eq!(MAX_MAPPED_BGID, 2047);
    if !caps::kernel_mapped_buf_rings("a_kernel_mapped_buffer_ring_refuses_a_group_id_its_mapping_cannot_carry") {
        return;
    }
    for bgid in [2048u16, 0x8000, u16::MAX] {
        let e = ring.register_buf_ring(BufRingConfig::new(bgid, 4).buffers(1, 64).kernel_mapped()).unwrap_err();
        assert!(matches!(e, Error::TooLong { max: 2047, .. }), "group {bgid:#x}: {e:?}");
        // Nothing was registered: a user-memory ring takes the same group.
        let br = ring.register_buf_ring(BufRingConfig::new(bgid, 4).buffers(1, 64)).unwrap();
        ring.unregister_buf_ring(br).unwrap();
    }
    let br = ring.register_buf_ring(BufRingConfig::new(2047, 4).buffers(1, 64).kernel_mapped()).unwrap();
    let (r, w) = pipe();
    write_all(&w, b"hi");
    let c = select_read(&mut ring, r.as_raw_fd(), 2047, 64, 1);
    assert_eq!((c.res, c.buffer_id()), (2, Some(0)));
    // SAFETY: the completion reported bytes 0..2 of buffer 0, written once.
    assert_eq!(unsafe { br.read(0, 0..2) }.unwrap(), b"hi");
    ring.unregister_buf_ring(br).unwrap();
}

/// A provided-buffer ring in kernel memory (6.4) or consumed
/// incrementally (6.12), asked of a kernel without it (6.1 reads the flags
/// as padding and answers a bare EINVAL, 6.4 to 6.11 refuse the
/// incremental bit the same way), is the typed `Error::Unsupported`, found
/// by the crate's probe; where the kernel has it, the ring is registered.
#[test]
fn buffer_ring_flags_are_typed_where_the_kernel_lacks_them() {
    let ring = Ring::new(4).unwrap();
    for (flag, name) in [(IOU_PBUF_RING_MMAP, "kernel-mapped"), (IOU_PBUF_RING_INC, "incremental")] {
        let mut cfg = BufRingConfig::new(30, 4).buffers(1, 64);
        cfg = if flag == IOU_PBUF_RING_MMAP { cfg.kernel_mapped() } else { cfg.incremental() };
        match ring.register_buf_ring(cfg) {
            Ok(br) => {
                assert_eq!(ring.buf_ring_flag_supported(flag), Ok(true));
                ring.unregister_buf_ring(br).unwrap();
            }
            Err(e @ Error::Unsupported { .. }) => {
                assert_eq!(ring.buf_ring_flag_supported(flag), Ok(false));
                caps::skip(&format!("buffer_ring_flags_are_typed_where_the_kernel_lacks_them ({name})"), &e);
                // The raw form is typed the same way.
                let addr =
                    if flag == IOU_PBUF_RING_MMAP { core::ptr::null_mut() } else { leaked_pages(1).as_ptr().cast() };
                // SAFETY: no memory, or a leaked page that is never reused.
                let e = unsafe { ring.register_buf_ring_raw(addr, 1, 31, flag) };
                assert!(matches!(e, Err(Error::Unsupported { .. })), "{e:?}");
            }
            Err(e) => panic!("{name} buffer ring: not a typed error for a missing flag: {e:?}"),
        }
    }
}

#[test]
fn buf_ring_incremental() {
    let mut ring = Ring::new(8).unwrap();
    let br = match ring.register_buf_ring(BufRingConfig::new(9, 2).buffers(1, 64).incremental()) {
        Ok(br) => br,
        Err(e) => {
            assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
            println!("skipping incremental buffer rings: {e}");
            return;
        }
    };
    assert!(br.is_incremental());
    let (r, w) = pipe();
    write_all(&w, b"abc");
    let c = select_read(&mut ring, r.as_raw_fd(), 9, 64, 1);
    assert_eq!((c.res, c.buffer_id()), (3, Some(0)));
    assert_ne!(c.flags & IORING_CQE_F_BUF_MORE, 0, "the kernel keeps a partly used buffer");
    write_all(&w, b"defg");
    let c = select_read(&mut ring, r.as_raw_fd(), 9, 64, 2);
    assert_eq!((c.res, c.buffer_id()), (4, Some(0)));
    assert_ne!(c.flags & IORING_CQE_F_BUF_MORE, 0);
    // SAFETY: the two completions reported bytes 0..3 and 3..7 of buffer 0,
    // and the kernel writes each part once.
    assert_eq!(unsafe { br.read(0, 0..7) }.unwrap(), b"abcdefg");
    if supports(&ring, IORING_REGISTER_PBUF_STATUS, "buffer ring status") {
        assert_eq!(ring.buf_ring_head(9).unwrap(), 0, "a partly used buffer stays at the head");
    }
    ring.unregister_buf_ring(br).unwrap();
}

#[test]
fn buf_ring_input_checked() {
    let ring = Ring::new(4).unwrap();
    let other = Ring::new(4).unwrap();
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 3)), Err(Error::InvalidArgument(_))));
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 4).buffers(5, 8)), Err(Error::TooLong { .. })));
    assert!(matches!(ring.register_buf_ring(BufRingConfig::new(1, 4).buffers(2, 0)), Err(Error::InvalidArgument(_))));
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buf_ring_raw((page() + 16) as *mut io_uring_buf_ring, 4, 1, 0) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // A second ring for the same group is refused by the kernel.
    let br = ring.register_buf_ring(BufRingConfig::new(2, 4)).unwrap();
    let e = ring.register_buf_ring(BufRingConfig::new(2, 4)).unwrap_err();
    assert_eq!(syscall_errno(&e), Some(libc::EEXIST), "{e:?}");
    // Another ring cannot unregister it (the BufRing is then leaked).
    let e = other.unregister_buf_ring(br).unwrap_err();
    assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
    ring.unregister_buf_group(2).unwrap();
}
