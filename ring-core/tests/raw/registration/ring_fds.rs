//! Registered ring descriptors: the indices the kernel hands back, their
//! limits, descriptor 0, and a ring that keeps only its index.

use super::*;

/// `io_uring_enter(2)` through registered-ring index `index`, submitting
/// up to `to_submit` entries: how many it submitted.
fn enter_index(index: u32, to_submit: u32) -> Result<u32, Errno> {
    // SAFETY: no argument pointer; whatever ring the index names submits
    // only entries its owner published, which point at no memory here.
    unsafe {
        ring_core::sys::syscall::io_uring_enter2(
            index,
            to_submit,
            0,
            IORING_ENTER_REGISTERED_RING,
            core::ptr::null(),
            0,
        )
    }
}

/// Three rings registered in one call come back as three distinct indices, each
/// naming its own ring (entering through an index submits the one NOP only that
/// ring has published).
#[test]
fn registered_ring_indices_come_back_in_the_order_of_the_descriptors() {
    let a = Ring::new(4).unwrap();
    let mut rings: Vec<Ring> = (0..3).map(|_| Builder::new(4).register_ring_fd(false).build().unwrap()).collect();
    let fds: Vec<RawFd> = rings.iter().map(|r| r.fd().unwrap()).collect();
    let idx = a.register_ring_fds(&fds).unwrap();
    assert_eq!(idx.len(), 3);
    assert!(idx[0] != idx[1] && idx[1] != idx[2] && idx[0] != idx[2], "{idx:?}");
    for (i, ring) in rings.iter_mut().enumerate() {
        let mut s = io_uring_sqe::zeroed();
        s.opcode = IORING_OP_NOP;
        s.user_data = 50 + i as u64;
        push(ring, &s);
        ring.sq().publish();
        for (j, &index) in idx.iter().enumerate() {
            let want = u32::from(j == i);
            assert_eq!(enter_index(index, 1), Ok(want), "index {index} of ring {j}, NOP on ring {i}");
        }
        assert_eq!(reap(ring, 1), [(50 + i as u64, 0)]);
    }
    assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 3);
}

/// Sixteen descriptors fill the table (while a ring holds a slot of its own,
/// the kernel stops after fifteen), and sixteen indices are all removed, by the
/// ring that registered them. Runs on a thread of its own, whose table starts
/// empty.
#[test]
fn sixteen_ring_descriptors_and_sixteen_indices_are_not_too_many() {
    std::thread::spawn(|| {
        let a = Ring::new(4).unwrap();
        assert!(a.registered_index().is_some());
        let b = Builder::new(4).register_ring_fd(false).build().unwrap();
        let idx = a.register_ring_fds(&[b.fd().unwrap(); 16]).unwrap();
        assert_eq!(idx.len(), 15, "{idx:?}");
        assert_eq!(a.unregister_ring_fds(&idx).unwrap(), 15);
        drop(a);
        // `b` has no index of its own: with `a` gone it fills all sixteen
        // slots, and removes all sixteen in one call.
        let all = b.register_ring_fds(&[b.fd().unwrap(); 16]).unwrap();
        assert_eq!(all.len(), 16, "{all:?}");
        assert_eq!(b.unregister_ring_fds(&all).unwrap(), 16);
        for i in all {
            assert_eq!(enter_index(i, 0), Err(Errno::new(libc::EBADF)));
        }
    })
    .join()
    .unwrap();
}

/// Descriptor 0 is not refused as negative (the kernel refuses it as not a
/// ring).
#[test]
fn ring_descriptor_zero_goes_to_the_kernel() {
    let a = Ring::new(4).unwrap();
    let e = a.register_ring_fds(&[0]).unwrap_err();
    assert!(errno_of(&e).is_some(), "{e:?}");
}

/// A ring that exists only as its registered index refuses to give it up, and
/// keeps working through it.
#[test]
fn a_registered_fd_only_ring_keeps_its_index() {
    let mut ring = match Builder::new(4).registered_fd_only().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
            return;
        }
    };
    assert_eq!(ring.fd(), None);
    let index = ring.registered_index().unwrap();
    assert!(matches!(ring.unregister_ring_fd(), Err(Error::NotConfigured(_))));
    assert_eq!(ring.registered_index(), Some(index));
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_NOP;
    s.user_data = 9;
    push(&mut ring, &s);
    assert_eq!(reap(&mut ring, 1), [(9, 0)]);
}
