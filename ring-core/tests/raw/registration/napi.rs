//! Busy polling (NAPI): registration, static ids, tracking modes and their
//! typed refusals.

use super::*;

/// A NAPI id the kernel accepts as one (`napi_id_valid`: above `NR_CPUS`);
/// static tracking does not check that a device has it.
const NAPI_ID: u32 = 1 << 24;

/// Whether NAPI busy polling with `tracking` can be registered here (the
/// static and inactive modes are newer than NAPI itself: a kernel without
/// them refuses their fields); prints why a test skips otherwise.
fn napi_mode_available(ring: &Ring, tracking: NapiTracking) -> bool {
    let napi = Napi { busy_poll_timeout: core::time::Duration::ZERO, prefer_busy_poll: false, tracking };
    match ring.register_napi(&napi) {
        Ok(_) => {
            ring.unregister_napi().unwrap();
            true
        }
        Err(e) => {
            println!("skipping: NAPI busy polling with {tracking:?} tracking not available: {e}");
            false
        }
    }
}

/// The previous settings the kernel hands back name the tracking mode it had.
#[test]
fn napi_registration_hands_back_the_previous_tracking_mode() {
    let ring = Ring::new(4).unwrap();
    if !napi_mode_available(&ring, NapiTracking::Static) {
        return;
    }
    let us = core::time::Duration::from_micros;
    let stat = Napi { busy_poll_timeout: us(50), prefer_busy_poll: false, tracking: NapiTracking::Static };
    let dynamic = Napi { busy_poll_timeout: us(70), prefer_busy_poll: true, tracking: NapiTracking::Dynamic };
    // After `napi_available`'s unregistration the kernel's mode is inactive.
    let prev = ring.register_napi(&stat).unwrap();
    assert_eq!(prev.tracking, NapiTracking::Inactive, "{prev:?}");
    assert_eq!(ring.register_napi(&dynamic).unwrap(), stat);
    assert_eq!(ring.register_napi(&stat).unwrap(), dynamic);
    ring.unregister_napi().unwrap();
}

/// In static mode an id is added once (EEXIST the second time, a plain errno)
/// and deleted once (ENOENT the second time).
#[test]
fn static_napi_ids_are_added_and_deleted_once() {
    let ring = Ring::new(4).unwrap();
    if !napi_mode_available(&ring, NapiTracking::Static) {
        return;
    }
    let stat =
        Napi { busy_poll_timeout: core::time::Duration::ZERO, prefer_busy_poll: false, tracking: NapiTracking::Static };
    ring.register_napi(&stat).unwrap();
    ring.napi_add_static_id(NAPI_ID).unwrap();
    let e = ring.napi_add_static_id(NAPI_ID).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::EEXIST), "{e:?}");
    ring.napi_del_static_id(NAPI_ID).unwrap();
    let e = ring.napi_del_static_id(NAPI_ID).unwrap_err();
    assert_eq!(errno_of(&e), Some(libc::ENOENT), "{e:?}");
    ring.unregister_napi().unwrap();
}

/// Static tracking on a kernel whose NAPI registration takes no tracking
/// mode (6.9 to 6.12 read the mode's field as reserved and answer a bare
/// EINVAL) is the typed `Error::Unsupported`, as are the static-id
/// operations; inactive tracking, which no kernel registers, is refused
/// before the call on every kernel. Where the kernel has the modes, static
/// tracking is registered. A kernel without NAPI busy polling at all says
/// so with `UnsupportedRegister`.
#[test]
fn napi_tracking_modes_are_typed_where_the_kernel_lacks_them() {
    let ring = Ring::new(4).unwrap();
    let inactive = Napi {
        busy_poll_timeout: core::time::Duration::ZERO,
        prefer_busy_poll: false,
        tracking: NapiTracking::Inactive,
    };
    let e = ring.register_napi(&inactive).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    let stat = Napi { tracking: NapiTracking::Static, ..inactive };
    match ring.register_napi(&stat) {
        Ok(_) => {
            assert_eq!(ring.napi_has_tracking_modes(), Ok(true));
            ring.napi_add_static_id(NAPI_ID).unwrap();
            ring.unregister_napi().unwrap();
        }
        Err(e @ Error::Unsupported { .. }) => {
            assert_eq!(ring.napi_has_tracking_modes(), Ok(false));
            caps::skip("napi_tracking_modes_are_typed_where_the_kernel_lacks_them (static tracking)", &e);
            for e in [ring.napi_add_static_id(NAPI_ID).unwrap_err(), ring.napi_del_static_id(NAPI_ID).unwrap_err()] {
                assert!(matches!(e, Error::Unsupported { .. }), "a static id without tracking modes: {e:?}");
            }
        }
        Err(e @ Error::UnsupportedRegister { .. }) => {
            caps::skip("napi_tracking_modes_are_typed_where_the_kernel_lacks_them", &e);
        }
        Err(e) => panic!("static NAPI tracking: not a typed error for a missing mode: {e:?}"),
    }
}

/// A kernel built without `CONFIG_NET_RX_BUSY_POLL` knows the opcode but
/// answers EOPNOTSUPP, which is `UnsupportedRegister` for this ring. That
/// answer is played by [`Spy`] (this kernel has busy polling).
#[test]
fn napi_refused_with_eopnotsupp_is_unsupported() {
    let ring = Builder::new(4).build_on(Spy::failing(IORING_REGISTER_NAPI, libc::EOPNOTSUPP, false)).unwrap();
    let napi = Napi {
        busy_poll_timeout: core::time::Duration::ZERO,
        prefer_busy_poll: false,
        tracking: NapiTracking::Dynamic,
    };
    let e = ring.register_napi(&napi).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_NAPI, .. }), "{e:?}");
    let e = ring.napi_add_static_id(NAPI_ID).unwrap_err();
    assert!(matches!(e, Error::UnsupportedRegister { opcode: IORING_REGISTER_NAPI, .. }), "{e:?}");
}
