//! What the kernel says it supports: the opcode probe, the query
//! interface, and the register-operation probe checked against what works.

use super::*;

// ---- probe, query ----

#[test]
fn probe_lists_nop_and_read() {
    let ring = Ring::new(4).unwrap();
    let probe = ring.probe().unwrap();
    assert!(probe.supported(IORING_OP_NOP));
    assert!(probe.supported(IORING_OP_READ));
    assert!(probe.register_op_supported(IORING_REGISTER_BUFFERS));
}

#[test]
fn query_reports_opcodes() {
    let ring = Ring::new(4).unwrap();
    match ring.query() {
        Ok(q) => {
            let op = q.opcodes.expect("IO_URING_QUERY_OPCODES is the first query");
            let probe = ring.probe().unwrap();
            assert_eq!(op.nr_request_opcodes, u32::from(probe.ops_known()));
            assert!(op.nr_register_opcodes > IORING_REGISTER_MEM_REGION);
            assert_ne!(op.ring_setup_flags & u64::from(IORING_SETUP_DEFER_TASKRUN), 0);
            println!("query: {op:?}; zcrx {:?}, scq {:?}", q.zcrx, q.scq);
            let blind = query_kernel(&ring_core::Linux).unwrap();
            assert_eq!(blind.opcodes, q.opcodes);
        }
        Err(e) => {
            assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_QUERY, .. }), "{e:?}");
            println!("skipping the query: {e}");
        }
    }
}

/// The register-operation probe is exact where the kernel can say (every
/// kernel this crate is tested on; `IORING_REGISTER_QUERY` from 6.18, one
/// harmless call per operation before), and never reports an operation
/// that works as missing: clock registration and buffer cloning, which
/// 6.12 has but an inference from its opcode count would deny, are tried
/// here and must be reported exactly as they behave.
#[test]
fn the_register_probe_reports_what_works() {
    let src = Ring::new(4).unwrap();
    let dst = Ring::new(4).unwrap();
    let probe = src.probe().unwrap();
    println!("register operations: {:?}", probe.register_ops());
    let clock = src.register_clock(Clock::Monotonic);
    match &clock {
        Ok(()) => {}
        Err(e) => assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_CLOCK, .. }), "{e:?}"),
    }
    assert_eq!(probe.register_op_supported(IORING_REGISTER_CLOCK), clock.is_ok(), "clock: {clock:?}");
    let mut buf = vec![0u8; 64];
    // SAFETY: `buf` outlives both registrations, which end below.
    unsafe { src.register_buffers(&[iov(&mut buf)]) }.unwrap();
    // SAFETY: as above.
    let clone = unsafe { dst.clone_buffers_from(&src, CloneBuffers::default()) };
    match &clone {
        Ok(()) => dst.unregister_buffers().unwrap(),
        Err(e) => assert!(matches!(e, Error::UnsupportedRegister { .. }), "{e:?}"),
    }
    assert_eq!(probe.register_op_supported(IORING_REGISTER_CLONE_BUFFERS), clone.is_ok(), "clone: {clone:?}");
    src.unregister_buffers().unwrap();
}
