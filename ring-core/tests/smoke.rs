//! The raw ring against this machine's kernel: set up, NOP, read, drop.

use ring_core::sys::*;
use ring_core::{Builder, Ring};

#[test]
fn nop_round_trip() {
    let mut ring = Ring::new(8).expect("io_uring setup");
    let mut sqe = io_uring_sqe::default();
    sqe.opcode = IORING_OP_NOP;
    sqe.user_data = 42;
    // SAFETY: a NOP points at no memory.
    unsafe { ring.sq().push(&sqe) }.unwrap();
    assert_eq!(ring.submit_and_wait(1).unwrap(), 1);
    let cqe = ring.cq().pop().expect("a completion");
    assert_eq!(cqe.user_data, 42);
    assert_eq!(cqe.res, 0);
    assert!(ring.cq().pop().is_none());
    println!("{ring:?}");
}

#[test]
fn without_registered_fd_and_sqarray() {
    let mut ring = Builder::new(4).register_ring_fd(false).no_sqarray(false).build().unwrap();
    assert!(ring.registered_index().is_none());
    for round in 0..10u64 {
        for i in 0..4u64 {
            let mut sqe = io_uring_sqe::default();
            sqe.opcode = IORING_OP_NOP;
            sqe.user_data = round * 10 + i;
            // SAFETY: a NOP points at no memory.
            unsafe { ring.sq().push(&sqe) }.unwrap();
        }
        ring.submit_and_wait(4).unwrap();
        let mut seen = Vec::new();
        while let Some(c) = ring.cq().pop() {
            seen.push(c.user_data);
        }
        seen.sort();
        assert_eq!(seen, (0..4).map(|i| round * 10 + i).collect::<Vec<_>>());
    }
}
