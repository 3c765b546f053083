//! The drive as the driver holds it: the crate's own drives by value,
//! asked directly, and a caller's boxed, as foreign code (see
//! [`HeldDrive`]); and the default drive's entry into the kernel, made on
//! the ring itself.

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::drive::{DefaultDrive, Drive};
use crate::ownership::driver::strategy::{Batch, Immediate, SqPoll, SubmitStrategy};
use crate::raw::ring::Ring;
use core::any::Any;
use core::time::Duration;
use ring_sys::IORING_FEAT_EXT_ARG;

/// The drive a driver holds, as it asks it. The default drive over one of
/// the crate's own strategies is the crate's own code, which never panics
/// and never calls back into the driver: the driver runs it directly, with
/// no dynamic call, no `catch_unwind` and no `Enter` (the common case,
/// and the cost of every turn). Any other drive, including the default one
/// over a caller's [`SubmitStrategy`], is foreign code: a `Box<dyn Drive>`
/// asked only through `Inner::ask_*` (`submitter.rs`), which contain it.
pub(crate) enum HeldDrive {
    /// [`DefaultDrive`] over [`Batch`], [`Immediate`] or [`SqPoll`].
    Own(OwnStrategy),
    /// A caller's drive, or the default one over a caller's strategy.
    Foreign(Box<dyn Drive>),
}

/// The crate's own submit strategies, held by value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OwnStrategy {
    Batch(Batch),
    Immediate,
    SqPoll,
}

impl OwnStrategy {
    /// [`SubmitStrategy::submit_now`] of the strategy held.
    #[inline(always)]
    pub(crate) fn submit_now(&mut self, unsubmitted: u32) -> bool {
        match self {
            OwnStrategy::Batch(b) => b.submit_now(unsubmitted),
            OwnStrategy::Immediate => Immediate.submit_now(unsubmitted),
            OwnStrategy::SqPoll => SqPoll.submit_now(unsubmitted),
        }
    }
}

impl HeldDrive {
    /// Holds `drive`: by value if it is the default drive over one of the
    /// crate's own strategies (told by its type alone, so that no caller's
    /// code is run to decide), boxed as foreign code otherwise.
    pub(crate) fn new<D: Drive + 'static>(drive: D) -> Self {
        let any: &dyn Any = &drive;
        if let Some(d) = any.downcast_ref::<DefaultDrive<Batch>>() {
            return HeldDrive::Own(OwnStrategy::Batch(d.strategy));
        }
        if any.is::<DefaultDrive<Immediate>>() {
            return HeldDrive::Own(OwnStrategy::Immediate);
        }
        if any.is::<DefaultDrive<SqPoll>>() {
            return HeldDrive::Own(OwnStrategy::SqPoll);
        }
        HeldDrive::Foreign(Box::new(drive))
    }

    /// Whether the drive is the caller's code (asked under `catch_unwind`).
    #[cfg(test)]
    pub(crate) fn is_foreign(&self) -> bool {
        matches!(self, HeldDrive::Foreign(_))
    }
}

/// The default drive's turn (`Enter::submit_and_wait`) on the ring
/// itself: submit, and if `want`, wait for one completion, for at most
/// `timeout` where the kernel can bound a wait. For the crate's own drives,
/// and for a drive that is no longer asked (teardown, or after its panic).
#[inline(always)]
pub(crate) fn enter_default<K: Kernel>(
    ring: &mut Ring<K>,
    want: bool,
    timeout: Option<Duration>,
) -> Result<u32, Error> {
    match (want, timeout) {
        (false, _) => ring.submit(),
        (true, Some(t)) if ring.has_feature(IORING_FEAT_EXT_ARG) => ring.submit_and_wait_timeout(1, t),
        (true, _) => ring.submit_and_wait(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ownership::driver::drive::BusyPoll;

    /// A strategy of the caller's: foreign code, however simple.
    struct Never;
    impl SubmitStrategy for Never {
        fn submit_now(&mut self, _: u32) -> bool {
            false
        }
    }

    /// A drive of the caller's with every method defaulted.
    struct Plain;
    impl Drive for Plain {}

    #[test]
    fn only_the_default_drive_over_the_crates_own_strategies_is_asked_directly() {
        for own in [
            HeldDrive::new(DefaultDrive::new(Batch::default())),
            HeldDrive::new(DefaultDrive::new(Batch { max: 8 })),
            HeldDrive::new(DefaultDrive::new(Immediate)),
            HeldDrive::new(DefaultDrive::new(SqPoll)),
        ] {
            assert!(!own.is_foreign());
        }
        for foreign in [
            HeldDrive::new(DefaultDrive::new(Never)),
            HeldDrive::new(Plain),
            HeldDrive::new(BusyPoll::new(Duration::ZERO)),
        ] {
            assert!(foreign.is_foreign(), "a caller's code (or a drive with its own turn) is contained");
        }
        // Held by value, each answers as its strategy does.
        let HeldDrive::Own(mut batch) = HeldDrive::new(DefaultDrive::new(Batch { max: 8 })) else {
            panic!("the default drive over Batch is the crate's own")
        };
        assert!(!batch.submit_now(7));
        assert!(batch.submit_now(8));
        let HeldDrive::Own(mut never_full) = HeldDrive::new(DefaultDrive::new(Batch::default())) else {
            panic!("the default drive over Batch is the crate's own")
        };
        assert!(!never_full.submit_now(u32::MAX - 1));
        let HeldDrive::Own(mut immediate) = HeldDrive::new(DefaultDrive::new(Immediate)) else {
            panic!("the default drive over Immediate is the crate's own")
        };
        assert!(immediate.submit_now(1));
        let HeldDrive::Own(mut sqpoll) = HeldDrive::new(DefaultDrive::new(SqPoll)) else {
            panic!("the default drive over SqPoll is the crate's own")
        };
        assert!(sqpoll.submit_now(1));
    }
}
