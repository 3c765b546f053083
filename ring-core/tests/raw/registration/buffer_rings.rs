//! Provided-buffer rings: their configuration and limits, their memory
//! (mapped while registered, unmapped after), buffers larger than a page,
//! kernel-mapped rings, and rings told apart by their ring's index.

use super::*;

/// A registered ring reports what it was configured with.
#[test]
fn a_buffer_ring_reports_its_configuration() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(5, 8).buffers(3, 100)).unwrap();
    assert_eq!((br.bgid(), br.entries(), br.buf_count(), br.buf_len()), (5, 8, 3, 100));
    assert!(!br.is_incremental());
    ring.unregister_buf_ring(br).unwrap();
    match ring.register_buf_ring(BufRingConfig::new(6, 4).buffers(2, 64).incremental()) {
        Ok(br) => {
            assert!(br.is_incremental());
            assert_eq!((br.bgid(), br.entries(), br.buf_count(), br.buf_len()), (6, 4, 2, 64));
            ring.unregister_buf_ring(br).unwrap();
        }
        Err(e) => {
            assert!(caps::is_unsupported(&e), "{e:?}");
            println!("skipping the incremental half: {e}");
        }
    }
}

/// The largest ring the kernel takes, 32768 entries, is registered through the
/// raw call.
#[test]
fn the_largest_buffer_ring_is_32768_entries_and_registers() {
    assert_eq!(MAX_BUF_RING_ENTRIES, 32768);
    let ring = Ring::new(4).unwrap();
    let bytes = 32768 * core::mem::size_of::<io_uring_buf>();
    let mem = leaked_pages(bytes);
    // SAFETY: the memory is a leaked, page-aligned anonymous mapping of the
    // ring's size, never reused; no buffer is ever published into it.
    unsafe { ring.register_buf_ring_raw(mem.as_ptr().cast(), 32768, 3, 0) }.unwrap();
    ring.unregister_buf_group(3).unwrap();
    // SAFETY: refused before the kernel sees it.
    let e = unsafe { ring.register_buf_ring_raw(mem.as_ptr().cast(), 65536, 3, 0) }.unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
}

/// Reads `n` bytes at `addr` of this process without touching them
/// directly: `None` if they are not mapped readable.
fn peek(addr: *const u8, n: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; n];
    let local = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: n };
    let remote = libc::iovec { iov_base: addr as *mut c_void, iov_len: n };
    // SAFETY: process_vm_readv writes at most `n` bytes into `out` and only
    // reads the remote range through the kernel, which fails with EFAULT
    // instead of faulting if it is not mapped.
    let r = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    (r == n as isize).then_some(out)
}

/// Queues a buffer-select read of `fd` from group `bgid` and returns its
/// completion `(res, flags)`.
fn select_read<K: Kernel>(ring: &mut Ring<K>, fd: RawFd, bgid: u16, user_data: u64) -> (i32, u32) {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_READ;
    s.fd = fd;
    s.user_data = user_data;
    s.flags = IOSQE_BUFFER_SELECT;
    s.set_buf_group(bgid);
    s.len = 64;
    s.set_off(u64::MAX);
    push(ring, &s);
    let c = reap_cqe(ring);
    assert_eq!(c.user_data, user_data);
    (c.res, c.flags)
}

/// The next completion, failing after two seconds without one.
fn reap_cqe<K: Kernel>(ring: &mut Ring<K>) -> ring_core::Cqe {
    let deadline = std::time::Instant::now() + core::time::Duration::from_secs(2);
    loop {
        if let Some(c) = ring.cq().pop() {
            return c;
        }
        assert!(std::time::Instant::now() < deadline, "no completion");
        let wait = ring_core::Wait {
            want: 1,
            timeout: Some(ring_core::Timeout::Relative(core::time::Duration::from_millis(100))),
            ..Default::default()
        };
        match ring.submit_with(&wait) {
            Ok(_) => {}
            Err(e) if e.is_transient() || errno_of(&e) == Some(libc::ETIME) => {}
            Err(e) => panic!("submit_with: {e}"),
        }
    }
}

/// After the drop, the buffers are still mapped with what they held, and a read
/// that selects from the group lands in one.
#[test]
fn a_buffer_ring_dropped_while_registered_keeps_its_buffers_mapped() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(11, 2).buffers(2, 64)).unwrap();
    let first = br.buf_ptr(0).unwrap().as_ptr();
    let second = br.buf_ptr(1).unwrap().as_ptr();
    let marker = *b"\xa5\x5akept\x0f\xf0";
    // SAFETY: buffer 1 is a live 64-byte part of the ring's buffer mapping,
    // and no request is in flight, so the kernel does not write it now.
    unsafe { second.copy_from_nonoverlapping(marker.as_ptr(), 8) };
    drop(br);
    // Still mapped, and still ours: a mapping another test thread placed
    // at a freed address would not hold the marker.
    assert_eq!(peek(second, 8).as_deref(), Some(&marker[..]), "the buffers were unmapped");
    let (r, w) = pipe();
    // SAFETY: writes 8 bytes from a live array.
    assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"leak me!".as_ptr().cast(), 8) }, 8);
    let (res, flags) = select_read(&mut ring, r.as_raw_fd(), 11, 1);
    assert_eq!(res, 8, "the kernel could not write the selected buffer");
    assert_eq!(flags >> IORING_CQE_BUFFER_SHIFT, 0);
    assert_eq!(peek(first, 8).as_deref(), Some(&b"leak me!"[..]));
}

/// Once a buffer ring is unregistered, its buffers are unmapped. The bytes are
/// read through the kernel, so a test thread that mapped something at the same
/// address meanwhile cannot make it fault; such a mapping would not hold the
/// marker written here.
#[test]
fn unregistering_a_buffer_ring_unmaps_its_buffers() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(12, 2).buffers(2, 64)).unwrap();
    let first = br.buf_ptr(1).unwrap().as_ptr();
    let marker = *b"\x5a\xa5unmap\x0f";
    // SAFETY: buffer 1 is a live 64-byte part of the ring's buffer mapping,
    // and no request is in flight, so the kernel does not write it now.
    unsafe { first.copy_from_nonoverlapping(marker.as_ptr(), 8) };
    assert_eq!(peek(first, 8).as_deref(), Some(&marker[..]));
    ring.unregister_buf_ring(br).unwrap();
    assert_ne!(peek(first, 8).as_deref(), Some(&marker[..]), "the buffers are still mapped");
}

/// An id one past the owned buffers is not an owned buffer, also when the owned
/// count is a multiple of 64 (the bitmap has no word for it) or 0 (no bitmap).
#[test]
fn the_id_past_the_owned_buffers_is_never_with_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(13, 64).buffers(64, 16)).unwrap();
    assert!(br.is_with_kernel(63));
    assert!(!br.is_with_kernel(64));
    ring.unregister_buf_ring(br).unwrap();
    let br = ring.register_buf_ring(BufRingConfig::new(14, 4)).unwrap();
    assert!(!br.is_with_kernel(0));
    ring.unregister_buf_ring(br).unwrap();
}

/// A 512-entry ring needs two pages, and every one of its 512 owned buffers is
/// handed to the kernel and taken back by reads in ring order, the last one
/// from the second page.
#[test]
fn a_buffer_ring_larger_than_a_page_serves_every_entry() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    let mut br = ring.register_buf_ring(BufRingConfig::new(15, 512).buffers(512, 8)).unwrap();
    let (r, w) = pipe();
    for bid in 0..512u16 {
        let data = [bid as u8, (bid >> 8) as u8, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee];
        // SAFETY: writes 8 bytes from a live array.
        assert_eq!(unsafe { libc::write(w.as_raw_fd(), data.as_ptr().cast(), 8) }, 8);
        let (res, flags) = select_read(&mut ring, r.as_raw_fd(), 15, 100 + u64::from(bid));
        assert_eq!(res, 8, "buffer {bid}");
        assert_eq!((flags >> IORING_CQE_BUFFER_SHIFT) as u16, bid);
        // SAFETY: the completion reported `bid` (not incremental).
        assert_eq!(unsafe { br.take(bid) }.unwrap(), &data);
    }
    ring.unregister_buf_ring(br).unwrap();
}

/// A ring that has only its registered index cannot map a kernel-allocated
/// buffer ring, and says so before registering anything.
#[test]
fn a_kernel_mapped_buffer_ring_needs_a_ring_descriptor() {
    let ring = match Builder::new(4).registered_fd_only().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    let e = ring.register_buf_ring(BufRingConfig::new(16, 4).kernel_mapped()).unwrap_err();
    assert!(matches!(e, Error::NotConfigured(_)), "{e:?}");
    // Nothing was registered: the group is free for a ring in user memory.
    let br = ring.register_buf_ring(BufRingConfig::new(16, 4)).unwrap();
    ring.unregister_buf_ring(br).unwrap();
}

/// A buffer ring belongs to its ring by the ring's identity, not by the
/// registered index it had when the buffer ring was registered: a ring
/// that gave up its registered index afterwards still owns the buffer ring
/// and unregisters it.
#[test]
fn a_ring_that_dropped_its_index_still_unregisters_its_buffer_ring() {
    let mut ring = Ring::new(4).unwrap();
    assert!(ring.registered_index().is_some());
    let br = ring.register_buf_ring(BufRingConfig::new(17, 4).buffers(2, 16)).unwrap();
    ring.unregister_ring_fd().unwrap();
    ring.unregister_buf_ring(br).unwrap();
    // The group is gone. Kernels say so differently: ENOENT (no such
    // group) on 6.12 and later; EINVAL on 6.1, which keeps a table entry
    // for each group id below 64 and answers that the emptied entry is not
    // a buffer ring.
    let e = ring.unregister_buf_group(17).unwrap_err();
    assert!(matches!(errno_of(&e), Some(libc::ENOENT | libc::EINVAL)), "{e:?}");
}

/// A buffer ring of one is refused by the other, which keeps its own group of
/// the same id, and is unregistered by its owner.
#[test]
fn rings_without_descriptors_tell_their_buffer_rings_apart_by_index() {
    use std::os::fd::AsRawFd;
    let (a, mut b) = match (Builder::new(4).registered_fd_only().build(), Builder::new(4).registered_fd_only().build())
    {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    let a_br = a.register_buf_ring(BufRingConfig::new(18, 4).buffers(2, 16)).unwrap();
    let b_br = b.register_buf_ring(BufRingConfig::new(18, 4).buffers(2, 16)).unwrap();
    let e = b.unregister_buf_ring(a_br).unwrap_err();
    assert!(matches!(e, Error::ForeignResource { .. }), "{e:?}");
    // `b`'s group 18 is intact.
    let (r, w) = pipe();
    // SAFETY: writes 2 bytes from a live array.
    assert_eq!(unsafe { libc::write(w.as_raw_fd(), b"ok".as_ptr().cast(), 2) }, 2);
    assert_eq!(select_read(&mut b, r.as_raw_fd(), 18, 1).0, 2);
    b.unregister_buf_ring(b_br).unwrap();
    // `a_br` was leaked by the refusal; `a`'s group is unregistered by id.
    a.unregister_buf_group(18).unwrap();
}

/// A writer over an 8-entry ring reports 8, and its private tail moves with
/// each entry written, across the `u16` wrap, while the shared tail moves only
/// when published.
#[test]
fn a_buffer_ring_writer_reports_its_capacity_and_private_tail() {
    let mem = leaked_pages(8 * core::mem::size_of::<io_uring_buf>());
    let ring: NonNull<io_uring_buf_ring> = mem.cast();
    let shared = || {
        // SAFETY: the tail is the 2-byte `resv` field of entry 0, inside the
        // live mapping; nothing writes it concurrently.
        unsafe { io_uring_buf_ring::tail_ptr(ring.as_ptr()).read_volatile() }
    };
    // SAFETY: a leaked, page-aligned, zeroed mapping of 8 entries whose tail
    // is 0; this writer is its only producer and no kernel reads it.
    let mut w = unsafe { BufRingWriter::over_ring(ring, 8, 0) };
    assert_eq!((w.capacity(), w.tail()), (8, 0));
    for i in 0..3u16 {
        // SAFETY: the ring has room (3 of 8 entries) and nothing reads them.
        unsafe { w.write_entry(0x1000 * u64::from(i + 1), 64, i) };
    }
    assert_eq!((w.tail(), shared()), (3, 0));
    w.publish();
    assert_eq!(shared(), 3);
    // SAFETY: as above, and the tail word holds 65534 before the writer
    // starts there.
    unsafe { io_uring_buf_ring::tail_ptr(ring.as_ptr()).write_volatile(65534) };
    // SAFETY: as above; the tail word holds 65534.
    let mut w = unsafe { BufRingWriter::over_ring(ring, 8, 65534) };
    for i in 0..4u16 {
        // SAFETY: as above.
        unsafe { w.write_entry(0x9000, 16, i) };
    }
    assert_eq!(w.tail(), 2);
    w.publish();
    assert_eq!(shared(), 2);
}
