//! Commands passed through to a file's driver (uring_cmd).

use super::*;

// -------------------------------------------------------------- URING_CMD

#[test]
fn op46_uring_cmd() {
    let (a, b) = tcp_pair();
    (&a).write_all(b"12345").unwrap();
    assert!(poll_for(raw(&b), libc::POLLIN));
    let mut ring = ring();
    // SAFETY: SIOCINQ points at no memory.
    unsafe { ring.sq().push(&UringCmd::siocinq(raw(&b)).build()) }.unwrap();
    let res = one(&mut ring).res;
    if res == -libc::EOPNOTSUPP || res == -libc::EINVAL {
        println!("SKIP op46_uring_cmd: the kernel refused SIOCINQ through uring_cmd on a socket ({res}; socket commands were added in 6.7)");
        return;
    }
    assert_eq!(res, 5, "five bytes wait in the receive queue");

    let mut val: i32 = 0;
    let e = UringCmd::getsockopt(raw(&b), libc::SOL_SOCKET as u32, libc::SO_RCVBUF as u32, (&raw mut val).cast(), 4)
        .build();
    // SAFETY: `val` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 4, "getsockopt returns the option length");
    assert_eq!(val, sockopt_int(raw(&b), libc::SOL_SOCKET, libc::SO_RCVBUF));

    let on: i32 = 1;
    let e =
        UringCmd::setsockopt(raw(&b), libc::SOL_SOCKET as u32, libc::SO_KEEPALIVE as u32, (&raw const on).cast(), 4)
            .build();
    // SAFETY: `on` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    assert_eq!(sockopt_int(raw(&b), libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
}

#[test]
fn op64_uring_cmd128() {
    let r = ring();
    if !supported(&r, IORING_OP_URING_CMD128, "op64_uring_cmd128 (added in 6.19)") {
        return;
    }
    let (a, b) = tcp_pair();
    (&a).write_all(b"abc").unwrap();
    assert!(poll_for(raw(&b), libc::POLLIN));
    let mut ring = Builder::new(8).sqe_mixed().build().expect("SQE_MIXED ring");
    let e = UringCmd128::new(raw(&b), SOCKET_URING_OP_SIOCINQ).build();
    // SAFETY: SIOCINQ points at no memory.
    unsafe { ring.sq().push128(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 3);
}
