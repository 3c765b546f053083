//! The private ring a probe of a kernel behaviour (see `behaviour.rs`)
//! runs on, so that nothing of the caller's ring is touched.

use crate::error::Result;
use crate::kernel::Kernel;
use crate::raw::ring::Ring;
use crate::raw::setup::Builder;

/// A private one-entry ring on `kernel` for a probe: nothing the caller
/// owns is touched, and dropping it undoes whatever the probe registered.
/// Without the SQ array flag and a registered descriptor, the two setup
/// features a kernel may lack, so that any kernel sets it up.
pub(crate) fn probe_ring<K: Kernel>(kernel: &K) -> Result<Ring<&K>> {
    Builder::new(1).no_sqarray(false).register_ring_fd(false).build_on(kernel)
}
