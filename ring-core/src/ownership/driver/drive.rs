//! How the driver enters the kernel: the [`Drive`] trait, a caller's policy
//! for backpressure on the SQ, for submitting and for waiting, with the
//! driver's own behaviour as [`DefaultDrive`] and a spinning one as
//! [`BusyPoll`].
//!
//! A `Drive` decides *when* and *how* the kernel is entered, never *what*
//! it is handed: the driver writes every SQE from the operation at rest in
//! its table, keeps ownership of that memory until the terminal completion,
//! and reaps and routes every completion itself. The drive is only given an
//! [`Enter`], a capability that can submit what is written and wait for
//! completions (bounded by what the driver asked for), and nothing that
//! reaches an SQE, a CQE or the table. Its calls are foreign code, contained
//! as the submit strategy's are (see `docs/ownership.md`, "Foreign code").

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::strategy::{Batch, SubmitStrategy};
use crate::raw::ring::Ring;
use core::task::Poll;
use core::time::Duration;
use ring_sys::IORING_FEAT_EXT_ARG;
use std::time::Instant;

/// The driver's submission policy, pluggable: readying SQ space with
/// backpressure, entering the kernel to submit and wait, and hearing of the
/// completions processed (the shape of ringbahn's `Drive`).
///
/// Soundness never depends on an implementation: each method is foreign
/// code, called while the driver's state is borrowed, under
/// `catch_unwind`. A method that panics has its panic kept and raised by the
/// driver's next call that holds no outcome; the drive is then not asked
/// again and the driver behaves as [`DefaultDrive`]. None is asked during
/// teardown (which submits, cancels and waits by itself), and its own drop
/// is caught there. A call back into the driver from a method finds the
/// driver busy ([`Error::Reentrant`]). Whatever [`submit`](Drive::submit)
/// does, everything written is submitted before the turn ends (the driver
/// submits what the drive left), and it can wait only when and as long as
/// the driver asked.
///
/// ```
/// use ring_core::driver::{BusyPoll, DefaultDrive, Drive, Enter};
/// use ring_core::{Builder, Driver, Error};
/// use std::task::Poll;
/// use std::time::Duration;
///
/// /// Never blocks in the kernel for more than 10 ms at a time, and counts
/// /// completions.
/// #[derive(Default)]
/// struct Short {
///     seen: u64,
/// }
/// impl Drive for Short {
///     fn poll_ready_sq(&mut self, _free: u32, _needed: u32) -> Poll<()> {
///         Poll::Ready(()) // make room now by submitting
///     }
///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
///         enter.submit_and_wait_for(Duration::from_millis(10)).map(drop)
///     }
///     fn on_completions(&mut self, n: u32) {
///         self.seen += u64::from(n);
///     }
/// }
///
/// for d in [
///     Driver::with_drive(Builder::new(8).build()?, Short::default()),
///     Driver::with_drive(Builder::new(8).build()?, DefaultDrive::new(ring_core::driver::Batch::default())),
///     Driver::with_drive(Builder::new(8).build()?, BusyPoll::new(Duration::from_micros(50))),
/// ] {
///     let mut nop = std::pin::pin!(d.nop());
///     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///     while nop.as_mut().poll(&mut cx).is_pending() {
///         d.park(Some(Duration::from_millis(100)))?;
///     }
/// }
/// # use std::future::Future;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Drive {
    /// Asked when an operation is about to be written and the SQ has
    /// `free` entries, fewer than the `needed` ones. `Ready`: the driver
    /// makes room now by submitting. `Pending`: the operation is not
    /// written; it waits, first in the driver's queue, and the driver wakes
    /// it after its next turn (which submits everything, so the SQ has room
    /// then and this is not asked again for it). Unlike ringbahn's, this
    /// takes no `Context`: no waker of someone else's runs inside the
    /// driver. The default is `Ready`.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    /// use std::task::Poll;
    ///
    /// /// Lets an operation that finds the SQ full wait for the next turn
    /// /// rather than submit early.
    /// struct Patient;
    /// impl Drive for Patient {
    ///     fn poll_ready_sq(&mut self, _free: u32, _needed: u32) -> Poll<()> {
    ///         Poll::Pending
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, Patient)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # let _ = (Poll::Ready(()), None::<&mut Enter<'_>>, None::<Error>);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn poll_ready_sq(&mut self, free: u32, needed: u32) -> Poll<()> {
        let _ = (free, needed);
        Poll::Ready(())
    }

    /// Called after an SQE was written; `unsubmitted` entries are now
    /// waiting for the kernel. Return true to submit them now (the
    /// [`SubmitStrategy`] question). The default is false: submit at the
    /// next turn.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    /// use std::task::Poll;
    ///
    /// /// Submits between turns once four entries wait.
    /// struct Fours;
    /// impl Drive for Fours {
    ///     fn submit_now(&mut self, unsubmitted: u32) -> bool {
    ///         unsubmitted >= 4
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, Fours)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # let _ = (Poll::Ready(()), None::<&mut Enter<'_>>, None::<Error>);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn submit_now(&mut self, unsubmitted: u32) -> bool {
        let _ = unsubmitted;
        false
    }

    /// Whether [`submit_now`](Drive::submit_now) always returns false, so
    /// that the driver need not ask it after every SQE. Asked once, when
    /// the driver is built. The default is false, which is always correct.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    /// use std::task::Poll;
    ///
    /// /// Submits only when the driver turns: not asked after each SQE.
    /// struct AtPark;
    /// impl Drive for AtPark {
    ///     fn submits_only_at_park(&self) -> bool {
    ///         true
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, AtPark)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # let _ = (Poll::Ready(()), None::<&mut Enter<'_>>, None::<Error>);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn submits_only_at_park(&self) -> bool {
        false
    }

    /// One turn of the driver: enter the kernel through `enter` to submit
    /// what is written and, if [`Enter::may_wait`], wait for completions.
    /// The driver then reaps and routes every completion. An error is
    /// returned from the turn ([`Driver::park`](crate::Driver::park) or
    /// [`Driver::poll`](crate::Driver::poll)), except a transient one
    /// (interrupted, busy), which the driver counts and goes on. The
    /// default is [`Enter::submit_and_wait`].
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    /// use std::task::Poll;
    ///
    /// /// Submits, and waits only if nothing is ready yet.
    /// struct Lazy;
    /// impl Drive for Lazy {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         enter.submit()?;
    ///         if enter.ready() == 0 {
    ///             enter.submit_and_wait()?;
    ///         }
    ///         Ok(())
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, Lazy)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # let _ = (Poll::Ready(()), None::<&mut Enter<'_>>, None::<Error>);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
        enter.submit_and_wait().map(drop)
    }

    /// `n` completions (more than zero) were reaped and routed in the turn
    /// that just ran.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    /// use std::task::Poll;
    ///
    /// /// Counts completions.
    /// #[derive(Default)]
    /// struct Counts(u64);
    /// impl Drive for Counts {
    ///     fn on_completions(&mut self, n: u32) {
    ///         self.0 += u64::from(n);
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, Counts::default())?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # let _ = (Poll::Ready(()), None::<&mut Enter<'_>>, None::<Error>);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn on_completions(&mut self, n: u32) {
        let _ = n;
    }
}

/// The ring, as seen by a [`Drive`]: submitting and waiting, no access to
/// any entry.
pub(crate) trait EnterRing {
    fn submit(&mut self) -> Result<u32, Error>;
    fn submit_and_wait(&mut self, want: u32) -> Result<u32, Error>;
    fn submit_and_wait_timeout(&mut self, want: u32, timeout: Duration) -> Result<u32, Error>;
    fn has_ext_arg(&self) -> bool;
    fn unsubmitted(&self) -> u32;
    fn ready(&mut self) -> u32;
}

impl<K: Kernel> EnterRing for Ring<K> {
    fn submit(&mut self) -> Result<u32, Error> {
        Ring::submit(self)
    }
    fn submit_and_wait(&mut self, want: u32) -> Result<u32, Error> {
        Ring::submit_and_wait(self, want)
    }
    fn submit_and_wait_timeout(&mut self, want: u32, timeout: Duration) -> Result<u32, Error> {
        Ring::submit_and_wait_timeout(self, want, timeout)
    }
    fn has_ext_arg(&self) -> bool {
        self.has_feature(IORING_FEAT_EXT_ARG)
    }
    fn unsubmitted(&self) -> u32 {
        self.sq.len()
    }
    fn ready(&mut self) -> u32 {
        self.cq.ready()
    }
}

/// What a [`Drive`] may do in a turn: submit what the driver wrote, and
/// wait for completions only if the driver asked for a wait, for at most
/// one completion and at most the turn's timeout.
pub struct Enter<'a> {
    ring: &'a mut dyn EnterRing,
    may_wait: bool,
    /// When the turn's wait must end, if it has a timeout.
    deadline: Option<Instant>,
    /// Whether the drive entered (or asked to enter) the kernel.
    entered: bool,
}

impl<'a> Enter<'a> {
    pub(crate) fn new(ring: &'a mut dyn EnterRing, may_wait: bool, timeout: Option<Duration>) -> Self {
        // The clock is read only for a wait with a timeout.
        let deadline = if may_wait { timeout.and_then(|t| Instant::now().checked_add(t)) } else { None };
        Enter { ring, may_wait, deadline, entered: false }
    }

    /// Whether the drive submitted (or tried to).
    pub(crate) fn entered(&self) -> bool {
        self.entered
    }

    /// Whether the driver asked to wait: it is parking, something is in
    /// flight, and nothing reaped earlier is waiting to be woken.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         if !enter.may_wait() {
    ///             return enter.submit().map(drop);
    ///         }
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn may_wait(&self) -> bool {
        self.may_wait
    }

    /// How much longer the turn may wait (`None`: until a completion). Each
    /// wait through this `Enter` spends it: several waits in one turn
    /// together last at most the turn's timeout.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         let _longest: Option<std::time::Duration> = enter.timeout();
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// Entries written that the kernel has not consumed yet.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         if enter.unsubmitted() > 0 {
    ///             enter.submit()?;
    ///         }
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unsubmitted(&self) -> u32 {
        self.ring.unsubmitted()
    }

    /// Completions in the CQ, waiting to be reaped by the driver.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         enter.submit()?;
    ///         if enter.ready() > 0 {
    ///             return Ok(()); // the driver reaps them
    ///         }
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ready(&mut self) -> u32 {
        self.ring.ready()
    }

    /// Submits what is written, without waiting (enters the kernel only if
    /// something needs it); returns how many entries the kernel took.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         let _taken: u32 = enter.submit()?;
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit(&mut self) -> Result<u32, Error> {
        self.entered = true;
        self.ring.submit()
    }

    /// Submits, then, if [`may_wait`](Self::may_wait), waits for a
    /// completion or the turn's timeout. What the driver does by default.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         enter.submit_and_wait().map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit_and_wait(&mut self) -> Result<u32, Error> {
        self.entered = true;
        match (self.may_wait, self.timeout()) {
            (false, _) => self.ring.submit(),
            (true, Some(t)) if self.ring.has_ext_arg() => self.ring.submit_and_wait_timeout(1, t),
            (true, _) => self.ring.submit_and_wait(1),
        }
    }

    /// As [`submit_and_wait`](Self::submit_and_wait), waiting at most
    /// `limit` (and at most the turn's timeout). Without
    /// `IORING_FEAT_EXT_ARG` (5.11) a bounded wait is not available and this
    /// only submits.
    ///
    /// ```
    /// use ring_core::driver::{Drive, Enter};
    /// use ring_core::{Builder, Error, Runtime};
    ///
    /// struct D;
    /// impl Drive for D {
    ///     fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
    ///         enter.submit_and_wait_for(std::time::Duration::from_millis(5)).map(drop)
    ///     }
    /// }
    /// let rt = Runtime::with_drive(Builder::new(8).build()?, D)?;
    /// let _ = rt.block_on(rt.driver().nop())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submit_and_wait_for(&mut self, limit: Duration) -> Result<u32, Error> {
        self.entered = true;
        let t = self.timeout().map_or(limit, |t| t.min(limit));
        if self.may_wait && self.ring.has_ext_arg() {
            self.ring.submit_and_wait_timeout(1, t)
        } else {
            self.ring.submit()
        }
    }
}

/// The driver's own behaviour: make room in a full SQ by submitting, submit
/// after each SQE as the strategy `S` says, and at each turn submit and
/// wait for one completion. [`Driver::with_ring`](crate::Driver::with_ring)
/// uses it.
#[derive(Debug, Default, Clone, Copy)]
pub struct DefaultDrive<S = Batch> {
    /// When to submit between turns.
    pub strategy: S,
}

impl<S: SubmitStrategy> DefaultDrive<S> {
    /// The default behaviour with `strategy`.
    pub fn new(strategy: S) -> Self {
        DefaultDrive { strategy }
    }
}

impl<S: SubmitStrategy> Drive for DefaultDrive<S> {
    fn submit_now(&mut self, unsubmitted: u32) -> bool {
        self.strategy.submit_now(unsubmitted)
    }

    fn submits_only_at_park(&self) -> bool {
        self.strategy.submits_only_at_park()
    }
}

/// Busy-polling: submits only when the driver turns, and before blocking in
/// the kernel spins on the CQ for up to `spin` (entering without waiting
/// where the kernel needs it to run deferred completion work); it blocks
/// only if nothing arrived by then. For latency on a core of its own; it
/// burns CPU while it spins. A full SQ is made room in by submitting.
#[derive(Debug, Clone, Copy)]
pub struct BusyPoll {
    /// How long to spin before blocking.
    pub spin: Duration,
}

impl BusyPoll {
    /// Spins for up to `spin` before each blocking wait.
    pub fn new(spin: Duration) -> Self {
        BusyPoll { spin }
    }
}

impl Drive for BusyPoll {
    fn submits_only_at_park(&self) -> bool {
        true
    }

    fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
        enter.submit()?;
        if !enter.may_wait() || enter.ready() > 0 {
            return Ok(());
        }
        let start = Instant::now();
        let limit = enter.timeout().map_or(self.spin, |t| t.min(self.spin));
        while start.elapsed() < limit {
            // Enters only if the kernel has deferred work to run (or
            // something was written meanwhile); otherwise reads the CQ tail.
            enter.submit()?;
            if enter.ready() > 0 {
                return Ok(());
            }
            core::hint::spin_loop();
        }
        if enter.timeout().is_some_and(|t| t <= self.spin) {
            // The turn's whole timeout went on spinning.
            return Ok(());
        }
        enter.submit_and_wait().map(drop)
    }
}
