//! The simulator's provided-buffer rings, through the raw ring: buffers
//! are taken in ring order and reported with their completions, an empty
//! group fails the read with `ENOBUFS`, and a buffer the kernel took and
//! writes after its group was unregistered is reported as a violation
//! (the detector the completion-stream target relies on for pools freed
//! too early).
#![cfg(not(ring_loom))]

use ring_core::register::BufRingConfig;
use ring_core::Builder;
use ring_sys::*;
use verification::sim::SimKernel;

#[global_allocator]
static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;

fn select_read(opcode: u8, fd: i32, group: u16, user_data: u64) -> io_uring_sqe {
    let mut sqe = io_uring_sqe { opcode, fd, user_data, flags: IOSQE_BUFFER_SELECT, ..Default::default() };
    sqe.set_buf_group(group);
    if opcode == IORING_OP_READ_MULTISHOT {
        sqe.set_off(u64::MAX);
    }
    sqe
}

#[test]
fn reads_take_buffers_in_ring_order_and_report_them() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let file = sim.add_file(b"provided buffers".to_vec());
    let br = ring.register_buf_ring(BufRingConfig::new(3, 2).buffers(2, 8)).unwrap();
    for ud in 0..3 {
        // SAFETY: the kernel writes only buffers of group 3, which `br` owns.
        unsafe { ring.sq().push(&select_read(IORING_OP_READ, file, 3, ud)) }.unwrap();
    }
    ring.submit_and_wait(3).unwrap();
    let mut got = Vec::new();
    while let Some(c) = ring.cq().pop() {
        got.push((c.user_data, c.res, c.buffer_id()));
    }
    got.sort();
    assert_eq!(got, [(0, 8, Some(0)), (1, 8, Some(1)), (2, -libc::ENOBUFS, None)]);
    for bid in [0, 1] {
        let b = br.buf_ptr(bid).unwrap().as_ptr().cast_const();
        // SAFETY: the completion that reported buffer `bid` was reaped, so
        // the kernel is done with its first 8 bytes, which it wrote.
        assert_eq!(unsafe { core::slice::from_raw_parts(b, 8) }, b"provided");
    }
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    ring.unregister_buf_ring(br).unwrap();
}

#[test]
fn a_buffer_written_after_its_group_was_unregistered_is_a_violation() {
    let sim = SimKernel::default();
    let mut ring = Builder::new(4).build_on(sim.clone()).unwrap();
    let (r, w) = sim.add_pipe();
    let br = ring.register_buf_ring(BufRingConfig::new(1, 2).buffers(2, 16)).unwrap();
    // A multishot read takes a buffer as soon as it starts, and holds it
    // while the pipe is empty.
    // SAFETY: the kernel writes only buffers of group 1, owned by `br`,
    // which is leaked below instead of freed.
    unsafe { ring.sq().push(&select_read(IORING_OP_READ_MULTISHOT, r, 1, 9)) }.unwrap();
    ring.submit().unwrap();
    // Unregistering the group while the read holds one of its buffers is
    // the early release a driver must never do; the memory is kept mapped
    // here (leaked), so the simulator's write is only reported.
    ring.unregister_buf_group(1).unwrap();
    core::mem::forget(br);
    sim.pipe_write(w, b"late");
    let v = sim.violations();
    assert!(v.iter().any(|m| m.contains("written after the group was unregistered")), "no violation reported: {v:?}");
}
