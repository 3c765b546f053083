//! Resizing a ring: the largest sizes, entries outstanding against the new
//! sizes, entry-size modes kept, and rings whose memory the application
//! provides.

use super::*;

fn nop_sqe(user_data: u64) -> io_uring_sqe {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = IORING_OP_NOP;
    s.user_data = user_data;
    s
}

/// Whether this kernel resizes rings; prints why a test skips otherwise.
fn resizes() -> bool {
    let ring = Ring::new(4).unwrap();
    let ok = ring.probe().unwrap().register_op_supported(IORING_REGISTER_RESIZE_RINGS);
    if !ok {
        println!("skipping: the register probe finds no IORING_REGISTER_RESIZE_RINGS here (added in 6.13)");
    }
    ok
}

fn sizes<K: Kernel>(ring: &Ring<K>) -> (u32, u32) {
    (ring.params().sq_entries, ring.params().cq_entries)
}

/// The resize limits: an SQ of 0 or above `MAX_SQ`, a CQ of 0 or above
/// `MAX_CQ`, and a CQ smaller than the SQ are refused. Each limit is
/// accepted and one past it refused with the typed error, before the kernel.
#[test]
fn resize_accepts_the_largest_sizes_and_refuses_one_past_them() {
    if !resizes() {
        return;
    }
    let mut ring = Builder::new(4).defer_taskrun().build().unwrap();
    assert_eq!(ring.resize_rings(0, None).unwrap_err(), Error::RingSize { which: "sq", requested: 0, max: 32768 });
    assert_eq!(
        ring.resize_rings(32769, None).unwrap_err(),
        Error::RingSize { which: "sq", requested: 32769, max: 32768 }
    );
    assert_eq!(ring.resize_rings(8, Some(0)).unwrap_err(), Error::RingSize { which: "cq", requested: 0, max: 65536 });
    assert_eq!(
        ring.resize_rings(8, Some(65537)).unwrap_err(),
        Error::RingSize { which: "cq", requested: 65537, max: 65536 }
    );
    assert!(matches!(ring.resize_rings(8, Some(4)), Err(Error::InvalidArgument(_))));
    ring.resize_rings(8, Some(8)).unwrap();
    assert_eq!(sizes(&ring), (8, 8));
    ring.resize_rings(32768, Some(65536)).unwrap();
    assert_eq!(sizes(&ring), (32768, 65536));
    ring.resize_rings(4, None).unwrap();
    assert_eq!(sizes(&ring), (4, 8));
    push(&mut ring, &nop_sqe(1));
    assert_eq!(reap(&mut ring, 1), [(1, 0)]);
}

/// Twelve unreaped completions fit the default CQ of an 8-entry SQ (16, not 10
/// or 4); exactly as many unreaped completions as CQ entries, or unsubmitted
/// entries as SQ entries, fit, and one more is refused before the kernel.
#[test]
fn resize_counts_outstanding_entries_against_the_new_sizes() {
    if !resizes() {
        return;
    }
    let mut ring = Builder::new(16).defer_taskrun().build().unwrap();
    for i in 0..12 {
        push(&mut ring, &nop_sqe(i));
    }
    ring.submit_and_wait(12).unwrap();
    ring.resize_rings(8, None).unwrap();
    assert_eq!(sizes(&ring), (8, 16));
    assert_eq!(reap(&mut ring, 12), (0..12).map(|i| (i, 0)).collect::<Vec<_>>());

    for i in 0..8 {
        push(&mut ring, &nop_sqe(20 + i));
    }
    ring.submit_and_wait(8).unwrap();
    let e = ring.resize_rings(2, Some(4)).unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "unreaped CQEs for the new CQ size", len: 8, max: 4 }), "{e:?}");
    ring.resize_rings(4, Some(8)).unwrap();
    assert_eq!(reap(&mut ring, 8), (20..28).map(|i| (i, 0)).collect::<Vec<_>>());

    for i in 0..4 {
        push(&mut ring, &nop_sqe(30 + i));
    }
    let e = ring.resize_rings(2, Some(8)).unwrap_err();
    assert!(matches!(e, Error::TooLong { what: "unconsumed SQEs for the new SQ size", len: 4, max: 2 }), "{e:?}");
    ring.resize_rings(4, Some(8)).unwrap();
    assert_eq!(reap(&mut ring, 4), (30..34).map(|i| (i, 0)).collect::<Vec<_>>());
}

/// A resized ring keeps its entry-size modes: a ring without mixed entries
/// still refuses a 128-byte entry after the resize, and a mixed ring still
/// reads its 32-byte completions.
#[test]
fn a_resized_ring_keeps_its_entry_size_modes() {
    if !resizes() {
        return;
    }
    let mut plain = Builder::new(4).defer_taskrun().build().unwrap();
    plain.resize_rings(8, None).unwrap();
    let big = io_uring_sqe128 { sqe: nop_sqe(1), ..Default::default() };
    // SAFETY: a NOP carries no pointer; refused anyway on a 64-byte ring.
    assert!(unsafe { plain.sq().push128(&big) }.is_err(), "a 64-byte ring took a 128-byte entry after a resize");
    push(&mut plain, &nop_sqe(2));
    assert_eq!(reap(&mut plain, 1), [(2, 0)]);

    let mut mixed = match Builder::new(4).defer_taskrun().cqe_mixed().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping the CQE_MIXED half: {e}");
            return;
        }
    };
    mixed.resize_rings(8, None).unwrap();
    let words = [0x1111_2222, 0x3333_4444_5555];
    // SAFETY: a NOP carries no pointer.
    unsafe { mixed.sq().push(&ring_core::opcode::Nop::new().cqe32(words).build().user_data(7)) }.unwrap();
    push(&mut mixed, &nop_sqe(8));
    mixed.submit_and_wait(2).unwrap();
    let a = mixed.cq().pop().expect("the 32-byte completion");
    if a.res == -libc::EINVAL {
        println!("skipping the CQE_MIXED half: the kernel refused a NOP with IORING_NOP_CQE32 (EINVAL; added in 6.18)");
        return;
    }
    assert_eq!((a.user_data, a.res, a.big), (7, 0, words));
    let b = mixed.cq().pop().expect("the 16-byte completion");
    assert_eq!((b.user_data, b.res), (8, 0));
    assert!(mixed.cq().pop().is_none());
}

/// With every inherited flag (or their complement) the sizing would assume
/// 128-byte SQEs and 32-byte CQEs and ask for a 2 MiB huge page for 64 SQEs,
/// which this machine may not have; sized right, a page each is enough.
#[test]
fn a_no_mmap_ring_is_resized_into_memory_sized_for_its_own_entries() {
    if !resizes() {
        return;
    }
    let mut ring = match Builder::new(4).defer_taskrun().no_mmap().build() {
        Ok(r) => r,
        Err(e) => {
            println!("skipping: NO_MMAP ring not available: {e}");
            return;
        }
    };
    ring.resize_rings(64, Some(64)).unwrap();
    assert_eq!(sizes(&ring), (64, 64));
    for i in 0..64 {
        push(&mut ring, &nop_sqe(i));
    }
    assert_eq!(reap(&mut ring, 64).len(), 64);
}
