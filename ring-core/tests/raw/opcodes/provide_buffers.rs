//! The legacy provided buffers.

use super::*;

// ---------------------------------------- PROVIDE_BUFFERS / REMOVE_BUFFERS

#[test]
fn op31_provide_buffers() {
    let f = TempPath::with("provide", b"picked by the kernel");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut pool = vec![0u8; 4 * 32];
    let mut ring = ring();
    let e = ProvideBuffers::new(pool.as_mut_ptr(), 32, 4, 9, 100).build();
    // SAFETY: `pool` outlives every use: the one read below, and the
    // removal of the rest, both reaped before it drops.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert!(one(&mut ring).res >= 0);
    let e = Read::new(raw(&file), core::ptr::null_mut(), 32).buf_group(9).build().flags(SqeFlags::BUFFER_SELECT);
    // SAFETY: the kernel picks a buffer from `pool`, alive as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    let c = one(&mut ring);
    assert_eq!(c.res, 20);
    let bid = c.buffer_id().expect("IORING_CQE_F_BUFFER");
    assert!((100..104).contains(&bid), "buffer id {bid}");
    let at = usize::from(bid - 100) * 32;
    assert_eq!(&pool[at..at + 20], b"picked by the kernel");
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&RemoveBuffers::new(10, 9).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 3, "three buffers were left");
}

#[test]
fn op32_remove_buffers() {
    let f = TempPath::with("remove", b"data");
    let file = std::fs::File::open(f.path()).unwrap();
    let mut pool = vec![0u8; 2 * 16];
    let mut ring = ring();
    // SAFETY: `pool` outlives the provide and the removal reaped below.
    unsafe { ring.sq().push(&ProvideBuffers::new(pool.as_mut_ptr(), 16, 2, 4, 0).build()) }.unwrap();
    assert!(one(&mut ring).res >= 0);
    // SAFETY: points at no memory.
    unsafe { ring.sq().push(&RemoveBuffers::new(2, 4).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 2);
    // The group is empty now: a buffer-select read finds nothing.
    let e = Read::new(raw(&file), core::ptr::null_mut(), 16).buf_group(4).build().flags(SqeFlags::BUFFER_SELECT);
    // SAFETY: the group has no buffers, so nothing is pointed at.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::ENOBUFS);
}
