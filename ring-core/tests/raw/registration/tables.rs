//! The registered file and buffer tables: their limits (RLIMIT_NOFILE,
//! the kernel maximum, the memlock limit), checked updates, and tags.

use super::*;

/// The soft `RLIMIT_NOFILE` of this process, if finite.
fn nofile() -> Option<usize> {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) }, 0);
    (lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur as usize)
}

/// A file table as large as `RLIMIT_NOFILE` is registered, one slot more
/// is refused before the kernel as above the limit, and so is `MAX_FILES`
/// itself (above the limit here), while `MAX_FILES + 1` is refused as
/// above the kernel's maximum.
#[test]
fn file_tables_are_checked_against_rlimit_nofile_and_the_kernel_maximum() {
    let Some(limit) = nofile().filter(|&n| n < MAX_FILES) else {
        println!("skipping: RLIMIT_NOFILE is not below MAX_FILES here");
        return;
    };
    let ring = Ring::new(4).unwrap();
    let above = "registered file count (above RLIMIT_NOFILE)";
    let e = ring.register_files_sparse(limit as u32 + 1).unwrap_err();
    assert_eq!(e, Error::TooLong { what: above, len: limit + 1, max: limit });
    let e = ring.register_files_sparse(MAX_FILES as u32).unwrap_err();
    assert_eq!(e, Error::TooLong { what: above, len: MAX_FILES, max: limit });
    let e = ring.register_files_sparse(MAX_FILES as u32 + 1).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "registered file count", len: MAX_FILES + 1, max: MAX_FILES });
    ring.register_files_sparse(limit as u32).unwrap();
    ring.unregister_files().unwrap();
}

/// An update of `MAX_FILES` descriptors is not too long and one of
/// `MAX_FILES + 1` is; a skip is an update's own value, and no other negative
/// number is a descriptor. The kernel answers the first, ring-core refuses
/// the others.
#[test]
fn file_updates_are_checked_for_length_and_descriptors() {
    let ring = Ring::new(4).unwrap();
    ring.register_files_sparse(4).unwrap();
    let skips = vec![IORING_REGISTER_FILES_SKIP; MAX_FILES + 1];
    let e = ring.update_files(0, &skips).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "file update count", len: MAX_FILES + 1, max: MAX_FILES });
    let e = ring.update_files(0, &skips[..MAX_FILES]).unwrap_err();
    assert!(errno_of(&e).is_some(), "refused before the kernel: {e:?}");
    assert_eq!(ring.update_files(0, &[-5]).unwrap_err(), Error::BadFd(-5));
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(0, &[-5], &[0]) }.unwrap_err(), Error::BadFd(-5));
    ring.unregister_files().unwrap();
    assert_eq!(ring.register_files(&[IORING_REGISTER_FILES_SKIP]).unwrap_err(), Error::BadFd(-2));
}

/// Reads through registered slot `slot`: the bytes a pipe in it gives.
fn read_slot<K: Kernel>(ring: &mut Ring<K>, slot: RawFd, user_data: u64) -> Vec<u8> {
    let buf: &'static mut [u8; 16] = Box::leak(Box::new([0u8; 16]));
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_READ;
    s.fd = slot;
    s.flags = IOSQE_FIXED_FILE;
    s.user_data = user_data;
    s.set_addr(buf.as_mut_ptr() as u64);
    s.len = 16;
    s.set_off(u64::MAX);
    push(ring, &s);
    let c = reap(ring, 1);
    assert_eq!(c[0].0, user_data);
    assert!(c[0].1 >= 0, "read through slot {slot}: {}", c[0].1);
    buf[..c[0].1 as usize].to_vec()
}

/// Two tagged files go into slots 1 and 2, are read through those slots, and
/// post their tags when replaced.
#[test]
fn tagged_file_updates_fill_the_slots_they_name_and_post_their_tags() {
    use std::os::fd::AsRawFd;
    let mut ring = Ring::new(8).unwrap();
    ring.register_files_sparse(4).unwrap();
    let (r1, w1) = pipe();
    let (r2, w2) = pipe();
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(1, &[r1.as_raw_fd(), r2.as_raw_fd()], &[71, 72]) }.unwrap(), 2);
    // SAFETY: writes from live arrays.
    unsafe {
        assert_eq!(libc::write(w1.as_raw_fd(), b"one".as_ptr().cast(), 3), 3);
        assert_eq!(libc::write(w2.as_raw_fd(), b"two!".as_ptr().cast(), 4), 4);
    }
    assert_eq!(read_slot(&mut ring, 1, 1), b"one");
    assert_eq!(read_slot(&mut ring, 2, 2), b"two!");
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert!(matches!(unsafe { ring.update_files_tags(3, &[-1], &[9]) }, Err(Error::InvalidArgument(_))));
    // Descriptor 0 with a tag is a valid update; emptying slots 1..4 then
    // releases all three tagged files.
    // SAFETY: a raw ring no Driver drives: no tag can impersonate an operation.
    assert_eq!(unsafe { ring.update_files_tags(3, &[0], &[73]) }.unwrap(), 1);
    assert_eq!(ring.update_files(1, &[-1, -1, -1]).unwrap(), 3);
    ring.get_events().unwrap();
    assert_eq!(reap(&mut ring, 3), [(71, 0), (72, 0), (73, 0)]);
}

/// A table of exactly `MAX_BUFFERS` entries (empty slots) is registered, as is
/// a sparse one, and a buffer of exactly `MAX_BUFFER_LEN` bytes reaches the
/// kernel (which cannot pin this reserved, inaccessible range, and says so
/// itself).
#[test]
fn buffer_tables_of_the_maximum_size_and_buffers_of_the_maximum_length_reach_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let empty = libc::iovec { iov_base: core::ptr::null_mut(), iov_len: 0 };
    // SAFETY: empty slots name no memory.
    unsafe { ring.register_buffers(&vec![empty; MAX_BUFFERS]) }.unwrap();
    ring.unregister_buffers().unwrap();
    ring.register_buffers_sparse(MAX_BUFFERS as u32).unwrap();
    ring.unregister_buffers().unwrap();
    // SAFETY: reserves address space only: no access, no memory behind it.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            MAX_BUFFER_LEN,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    let huge = libc::iovec { iov_base: p, iov_len: MAX_BUFFER_LEN };
    // SAFETY: the kernel cannot pin inaccessible pages, so nothing is
    // registered; the reservation is leaked, never reused.
    let e = unsafe { ring.register_buffers(&[huge]) }.unwrap_err();
    assert!(errno_of(&e).is_some(), "refused before the kernel: {e:?}");
}

/// `ENOMEM` from a pinning registration is `MemlockLimit` only while
/// `RLIMIT_MEMLOCK` is finite; with no limit it is the plain errno. The
/// `ENOMEM` is played by [`Spy`] (this process has `CAP_IPC_LOCK`, so the
/// kernel charges it nothing). The unlimited half needs a process allowed to
/// lift its hard limit (`CAP_SYS_RESOURCE`), and is skipped, with a message,
/// elsewhere.
#[test]
fn enomem_from_pinning_is_a_memlock_limit_only_under_a_finite_limit() {
    let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut old) }, 0);
    let ring = Builder::new(4).build_on(Spy::failing(IORING_REGISTER_BUFFERS, libc::ENOMEM, false)).unwrap();
    let mut buf = vec![0u8; 64];
    let iov = [libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }];
    // SAFETY: the spy refuses the call; nothing is registered.
    let finite = unsafe { ring.register_buffers(&iov) }.unwrap_err();
    if old.rlim_cur != libc::RLIM_INFINITY {
        assert!(matches!(finite, Error::MemlockLimit { limit, .. } if limit == old.rlim_cur), "{finite:?}");
    }
    let unlimited = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: setrlimit reads one rlimit; only this test binary's process
    // is affected, and no other test of it reads the limit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } != 0 {
        println!("skipping the unlimited half: cannot lift RLIMIT_MEMLOCK");
        return;
    }
    // SAFETY: as above.
    let e = unsafe { ring.register_buffers(&iov) }.unwrap_err();
    // SAFETY: restores the limit read above.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &old) }, 0);
    assert!(matches!(e, Error::Syscall { .. }), "{e:?}");
    assert_eq!(errno_of(&e), Some(libc::ENOMEM));
}
