//! Restrictions: the lists checked before the kernel, and the ring states
//! in which they are refused.

use super::*;

/// 107 restrictions reach the kernel, 108 are refused before it, on a ring and
/// for the task (which never reaches the kernel here), as is an unknown
/// register operation.
#[test]
fn restriction_lists_are_checked_against_107_entries_and_known_register_operations() {
    let list = vec![Restriction::SqeOp(IORING_OP_NOP); 108];
    let ring = Builder::new(4).r_disabled().build().unwrap();
    let e = ring.register_restrictions(&list).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "restriction count", len: 108, max: 107 });
    let e = register_task_restrictions(&Linux, &list).unwrap_err();
    assert_eq!(e, Error::TooLong { what: "restriction count", len: 108, max: 107 });
    let e = ring.register_restrictions(&[Restriction::RegisterOp(IORING_REGISTER_LAST as u8)]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let e = register_task_restrictions(&Linux, &[Restriction::RegisterOp(IORING_REGISTER_LAST as u8)]).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    // 107 pass the checks; the kernel decides (6.18 knows fewer opcodes
    // and refuses that many).
    if let Err(e) = ring.register_restrictions(&list[..107]) {
        assert!(!matches!(e, Error::TooLong { .. }), "{e:?}");
    }
}

/// A ring set up enabled is refused before the kernel, with the reason that it
/// was not set up disabled (the kernel's own EBADFD would be typed as "already
/// enabled").
#[test]
fn restrictions_on_a_ring_not_set_up_disabled_are_refused_before_the_kernel() {
    let ring = Ring::new(4).unwrap();
    let e = ring.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(e, Error::NotConfigured("restrictions need a ring set up with IORING_SETUP_R_DISABLED"));
}

/// Restrictions on a ring already enabled are refused as `NotConfigured`, not
/// as a bare errno, and a second list on a disabled ring keeps the kernel's
/// EBUSY.
#[test]
fn restrictions_after_enable_are_refused_as_not_configured() {
    let twice = Builder::new(4).r_disabled().build().unwrap();
    twice.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap();
    let e = twice.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EBUSY), "{e:?}");
    let mut ring = Builder::new(4).r_disabled().build().unwrap();
    ring.enable().unwrap();
    let e = ring.register_restrictions(&[Restriction::SqeOp(IORING_OP_NOP)]).unwrap_err();
    assert_eq!(e, Error::NotConfigured("restrictions must be registered before the ring is enabled"));
}
