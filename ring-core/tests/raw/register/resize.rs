//! Resizing a ring on the real kernel: entries in flight, big entries, and
//! a ring whose memory the application provides.

use super::*;

// ---- resize ----

#[test]
fn resize_keeps_entries_in_flight() {
    let plain = Ring::new(4).unwrap();
    if !supports(&plain, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut plain = plain;
    assert!(matches!(plain.resize_rings(8, None), Err(Error::NotConfigured(_))));

    let mut ring = Builder::new(4).defer_taskrun().build().unwrap();
    let (r, w) = pipe();
    let mut buf = [0u8; 16];
    // In flight: a read with no data yet.
    push(&mut ring, &rw(IORING_OP_READ, r.as_raw_fd(), buf.as_mut_ptr(), 16, u64::MAX, 1));
    ring.submit().unwrap();
    // Completed, not reaped.
    for i in 10..13 {
        push(&mut ring, &nop(i));
    }
    ring.submit_and_wait(3).unwrap();
    // Written, not submitted.
    push(&mut ring, &nop(20));
    push(&mut ring, &nop(21));

    // Too small for what is outstanding: refused before the kernel.
    let e = ring.resize_rings(1, Some(2)).unwrap_err();
    assert!(matches!(e, Error::TooLong { .. }), "{e:?}");

    ring.resize_rings(32, Some(64)).unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (32, 64));
    assert_eq!(ring.sq().capacity(), 32);
    assert_eq!(ring.cq().capacity(), 64);

    write_all(&w, b"after resize");
    let cs = next_cqes(&mut ring, 6);
    let ids: Vec<u64> = cs.iter().map(|c| c.user_data).collect();
    assert_eq!(ids, [1, 10, 11, 12, 20, 21]);
    assert_eq!(cs[0].res, 12);
    assert_eq!(&buf[..12], b"after resize");

    // The new size is usable: more requests at once than the old SQ held.
    for i in 0..20 {
        push(&mut ring, &nop(100 + i));
    }
    let cs = next_cqes(&mut ring, 20);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), (100..120).collect::<Vec<_>>());

    // And back down, empty.
    ring.resize_rings(2, None).unwrap();
    assert_eq!((ring.params().sq_entries, ring.params().cq_entries), (2, 4));
    push(&mut ring, &nop(7));
    assert_eq!(next_cqe(&mut ring).user_data, 7);
}

#[test]
fn resize_big_entries() {
    let probe_ring = Ring::new(4).unwrap();
    if !supports(&probe_ring, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut ring = Builder::new(4).defer_taskrun().sqe128().cqe32().build().unwrap();
    for i in 0..3 {
        push(&mut ring, &nop(10 + i));
    }
    ring.submit_and_wait(3).unwrap();
    let big = io_uring_sqe128 { sqe: nop(20), ..Default::default() };
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push128(&big) }.unwrap();
    ring.resize_rings(16, None).unwrap();
    let cs = next_cqes(&mut ring, 4);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), [10, 11, 12, 20]);
    assert!(cs.iter().all(|c| c.res == 0));
}

#[test]
fn resize_no_mmap_ring() {
    let probe_ring = Ring::new(4).unwrap();
    if !supports(&probe_ring, IORING_REGISTER_RESIZE_RINGS, "ring resizing") {
        return;
    }
    let mut ring = match Builder::new(4).defer_taskrun().no_mmap().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping NO_MMAP resize: setup failed: {e}");
            return;
        }
    };
    for i in 0..4 {
        push(&mut ring, &nop(i));
    }
    ring.submit_and_wait(4).unwrap();
    push(&mut ring, &nop(9));
    ring.resize_rings(8, Some(16)).unwrap();
    let cs = next_cqes(&mut ring, 5);
    assert_eq!(cs.iter().map(|c| c.user_data).collect::<Vec<_>>(), [0, 1, 2, 3, 9]);
}
