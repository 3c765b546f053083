//! Foreign code run by the driver: a waker, a destructor, an operation's
//! `orphaned`. Each call is caught, so that a panic in one does not keep the
//! others from running, and the first panic is kept to be re-raised where no
//! outcome is held. Apart from the driver's state because the table's storage
//! needs it to drop the values it still holds.

/// A panic payload caught from foreign code.
pub(super) type Payload = Box<dyn core::any::Any + Send>;

/// Runs foreign code (wakers, destructors, `Operation::orphaned`) so that a
/// panic in one call does not keep the others from running: each call is
/// caught, and the first payload kept for the caller to re-raise once all
/// of them ran (later ones are leaked rather than dropped, since dropping a
/// payload is foreign code too).
#[derive(Default)]
pub(crate) struct Caught(pub(super) Option<Payload>);

impl Caught {
    #[inline]
    pub(crate) fn run(&mut self, f: impl FnOnce()) {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            self.keep(p);
        }
    }

    pub(crate) fn keep(&mut self, p: Payload) {
        if self.0.is_none() {
            self.0 = Some(p);
        } else {
            core::mem::forget(p);
        }
    }
}
