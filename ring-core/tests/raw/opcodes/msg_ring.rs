//! Messages from one ring to another.

use super::*;

// --------------------------------------------------------------- MSG_RING

#[test]
fn op40_msg_ring() {
    let mut a = ring();
    let mut b = ring();
    let b_fd = b.fd().expect("ring descriptor");
    // A data message: B gets a completion A made up.
    let e = MsgRing::new(b_fd, 4242, 0xabc).build().user_data(1);
    // SAFETY: points at no memory.
    unsafe { a.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut a).res, 0);
    let c = one(&mut b);
    assert_eq!((c.user_data, c.res), (0xabc, 4242));

    // With flags passed through (6.3).
    let e = MsgRing::new(b_fd, 1, 0xdef).cqe_flags(0x100).build();
    // SAFETY: as above.
    unsafe { a.sq().push(&e) }.unwrap();
    let r = one(&mut a).res;
    if r == 0 {
        let c = one(&mut b);
        assert_eq!((c.user_data, c.flags), (0xdef, 0x100));
    } else {
        println!("SKIP op40_msg_ring flags: the kernel refused IORING_MSG_RING_FLAGS_PASS ({r}; added in 6.3)");
    }

    // Passing a registered file (6.0): B reads the file through the slot.
    let f = TempPath::with("msg_ring", b"passed between rings");
    let file = std::fs::File::open(f.path()).unwrap();
    register_files(&a, &[raw(&file)]);
    register_files(&b, &[-1, -1]);
    let e = MsgRing::new(b_fd, 0, 0x5eed).send_fd((0, IORING_FILE_INDEX_ALLOC)).build();
    // SAFETY: as above.
    unsafe { a.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut a).res, 0);
    let c = one(&mut b);
    assert_eq!(c.user_data, 0x5eed);
    let slot = c.res;
    assert!((0..2).contains(&slot));
    let mut buf = [0u8; 20];
    // SAFETY: `buf` outlives the completion.
    unsafe { b.sq().push(&Read::new(Fixed(slot as u32), buf.as_mut_ptr(), 20).build()) }.unwrap();
    assert_eq!(one(&mut b).res, 20);
    assert_eq!(&buf, b"passed between rings");
}
