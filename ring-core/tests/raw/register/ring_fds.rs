//! Registered ring descriptors on the real kernel: registering another
//! ring, indices freed by foreign code, and a pool released through the
//! descriptor.

use super::*;

// ---- registered ring descriptors ----

#[test]
fn ring_fds_register_other_ring() {
    let mut a = Ring::new(4).unwrap();
    let b = Builder::new(4).register_ring_fd(false).build().unwrap();
    let idx = a.register_ring_fds(&[b.fd().unwrap()]).unwrap();
    assert_eq!(idx.len(), 1);
    let enter = |i: u32| {
        // SAFETY: a bare enter with nothing to submit or wait for.
        unsafe { ring_core::sys::syscall::io_uring_enter2(i, 0, 0, IORING_ENTER_REGISTERED_RING, core::ptr::null(), 0) }
    };
    assert_eq!(enter(idx[0]), Ok(0));
    if let Some(own) = a.registered_index() {
        assert!(matches!(a.unregister_ring_fds(&[own]), Err(Error::InvalidArgument(_))));
    }
    assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 1);
    assert_eq!(enter(idx[0]).unwrap_err().raw(), libc::EBADF);
    assert!(matches!(a.register_ring_fds(&[-1]), Err(Error::BadFd(-1))));
    assert!(matches!(a.register_ring_fds(&[0; 17]), Err(Error::TooLong { .. })));
    // A non-ring descriptor is refused by the kernel.
    let (r, _w) = pipe();
    assert!(a.register_ring_fds(&[r.as_raw_fd()]).is_err());

    // Dropping the ring's own index: it keeps working through its fd.
    a.unregister_ring_fd().unwrap();
    assert_eq!(a.registered_index(), None);
    push(&mut a, &nop(4));
    assert_eq!(next_cqe(&mut a).user_data, 4);
    a.register_ring_fd().unwrap();
}

/// Removes index `index` of this thread's registered-ring table with a raw
/// system call through `fd`, as code outside ring-core (another io_uring
/// library on the thread) can.
fn foreign_unregister_index(fd: RawFd, index: u32) {
    let up = io_uring_rsrc_update { offset: index, resv: 0, data: 0 };
    // SAFETY: one valid io_uring_rsrc_update, read during the call.
    let r = unsafe {
        ring_core::sys::syscall::io_uring_register(fd as u32, IORING_UNREGISTER_RING_FDS, (&raw const up).cast(), 1)
    };
    assert_eq!(r, Ok(1));
}

/// Registers ring `fd` at index `index` of this thread's table with a raw
/// system call, as code outside ring-core can.
fn foreign_register_index(fd: RawFd, index: u32) {
    let mut up = io_uring_rsrc_update { offset: index, resv: 0, data: fd as u64 };
    // SAFETY: one valid io_uring_rsrc_update, read and written during the call.
    let r = unsafe {
        ring_core::sys::syscall::io_uring_register(
            fd as u32,
            IORING_REGISTER_RING_FDS,
            (&raw mut up).cast_const().cast(),
            1,
        )
    };
    assert_eq!(r, Ok(1));
}

/// A ring never takes over an index that ring-core recorded for another
/// live ring: if code outside ring-core removed a driver's index, the next
/// ring the kernel offers it to gives it up and keeps its descriptor, so
/// the driver's calls through its (now empty) index fail instead of
/// landing on that ring.
#[test]
fn a_ring_does_not_take_an_index_foreign_code_freed() {
    std::thread::spawn(|| {
        let d = ring_core::Driver::new(4).unwrap();
        let plain = Builder::new(4).register_ring_fd(false).build().unwrap();
        foreign_unregister_index(plain.fd().unwrap(), 0);
        let x = Ring::new(4).unwrap();
        assert_eq!(x.registered_index(), None, "x took the index recorded for the driver");
        let idx = plain.register_ring_fds(&[x.fd().unwrap()]).unwrap_or_default();
        assert!(!idx.contains(&0), "{idx:?}");
        x.probe().expect("x works through its descriptor");
        drop(d);
    })
    .join()
    .unwrap();
}

/// Memory is given up only on the strength of a call that went to the
/// ring's own descriptor: even when code outside ring-core moved a
/// driver's registered index to another ring, dropping the driver's buffer
/// pool unregisters the pool's group on the driver's ring, and the other
/// ring's group of the same id stays.
#[test]
fn a_pool_is_released_through_the_descriptor_whatever_became_of_the_index() {
    std::thread::spawn(|| {
        let d = ring_core::Driver::new(4).unwrap();
        let cfg = BufRingConfig::new(7, 4).buffers(4, 64);
        let pool = ring_core::pool::BufferPool::new(&d, cfg).unwrap();
        let x = Builder::new(4).register_ring_fd(false).build().unwrap();
        foreign_unregister_index(x.fd().unwrap(), 0);
        foreign_register_index(x.fd().unwrap(), 0);
        let xbr = x.register_buf_ring(cfg).unwrap();
        drop(pool);
        assert!(caps::group_registered(&x, 7), "x's group 7 was unregistered by the driver's pool");
        x.unregister_buf_ring(xbr).unwrap();
        drop(d);
    })
    .join()
    .unwrap();
}
