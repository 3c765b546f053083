//! The drive each of the scenario's drivers enters the kernel through (a
//! `ring_core::driver::Drive`): the driver's default with one of its
//! submission strategies, busy-polling, or either of those behind a script
//! that makes it hostile (it refuses SQ room for a while, submits early, or
//! never enters the kernel, fails its turns, and panics at a chosen call).
//!
//! Whatever the drive does, the invariants the scenario checks still hold,
//! and the driver keeps the drive's own contract (`Drive`'s documentation):
//! it does not ask the drive again after a panic, never asks it during
//! teardown, and raises its panic once. Every scripted drive records its
//! calls in a [`DriveLog`], which the oracle reads; an unscripted one is
//! the library's own, as it ships.

use crate::hostile::DrivePanic;
use crate::sim::SimKernel;
use ring_core::driver::{Batch, BusyPoll, DefaultDrive, Drive, Enter, Immediate, SqPoll};
use ring_core::{Driver, Error, Ring};
use std::cell::Cell;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

/// The drive under the script: one the library ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// `DefaultDrive` with `Batch { max }` (0: `Batch::default()`, which
    /// submits only when the driver turns).
    Batch(u8),
    /// `DefaultDrive` with `Immediate`: every SQE submitted as written.
    Immediate,
    /// `DefaultDrive` with the `SqPoll` strategy (on any ring: publishing
    /// and entering only when the poll thread sleeps, or a plain submit).
    SqPoll,
    /// `BusyPoll`, spinning up to this many microseconds before it blocks.
    BusyPoll(u8),
}

/// How a scripted drive's turn enters the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnterStyle {
    /// Submits only, never waits (the driver's turn returns at once).
    SubmitOnly,
    /// Never enters the kernel and says it did its work: the driver must
    /// submit what was written itself.
    Never,
    /// Every other turn, fails with an error without entering the kernel
    /// (the other turns are the base's).
    Fails,
    /// Submits, then waits at most a millisecond, twice.
    WaitsTwice,
}

/// What a scripted drive does instead of its [`Base`]; the default changes
/// nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Script {
    /// `poll_ready_sq` answers `Pending` to its first this many questions.
    pub pending: u8,
    /// `Some(n)`: `submit_now` says to submit once `n` entries wait (0:
    /// never), whatever the base says; the driver then asks it after every
    /// SQE.
    pub early: Option<u8>,
    /// How its turn enters the kernel (`None`: as the base does).
    pub enter: Option<EnterStyle>,
    /// It panics (with a [`DrivePanic`]) at this call of any of its methods
    /// (counted from 1).
    pub panic_at: Option<u8>,
}

/// The drive of one of the scenario's drivers: a base and a script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DriveSpec {
    /// The library's drive underneath.
    pub base: Base,
    /// What is done instead of it.
    pub script: Script,
}

impl Default for DriveSpec {
    /// The driver's own default: `DefaultDrive` with `Batch::default()`.
    fn default() -> Self {
        DriveSpec { base: Base::Batch(0), script: Script::default() }
    }
}

impl DriveSpec {
    /// One of a fixed set of drives, from any byte (for the fuzzer): the
    /// four bases unscripted, and scripts that wait, submit early, never
    /// enter, fail, wait twice, and panic.
    pub fn from_byte(b: u8) -> DriveSpec {
        let base = match b % 5 {
            0 => Base::Batch(0),
            1 => Base::Batch(2),
            2 => Base::Immediate,
            3 => Base::SqPoll,
            _ => Base::BusyPoll(20),
        };
        let script = match b / 5 % 6 {
            0 => Script::default(),
            1 => Script { pending: 3, ..Script::default() },
            2 => Script { early: Some(1), enter: Some(EnterStyle::Never), ..Script::default() },
            3 => Script { enter: Some(EnterStyle::Fails), pending: 1, ..Script::default() },
            4 => Script { enter: Some(EnterStyle::WaitsTwice), early: Some(0), ..Script::default() },
            _ => Script { panic_at: Some(b / 30 + 1), pending: 2, ..Script::default() },
        };
        DriveSpec { base, script }
    }
}

/// What a drive saw of the driver, for the oracle.
#[derive(Debug, Default)]
pub(super) struct DriveLog {
    /// Which driver (0 or 1), carried by its panic.
    which: usize,
    /// Calls of its methods so far (`submits_only_at_park` not counted).
    pub(super) calls: Cell<u32>,
    /// Whether it panicked.
    pub(super) panicked: Cell<bool>,
    /// Calls made after it panicked.
    pub(super) after_panic: Cell<u32>,
    /// Set by the scenario just before the driver's last handle goes:
    /// teardown runs from then on.
    pub(super) closing: Cell<bool>,
    /// Calls made while `closing`.
    pub(super) in_teardown: Cell<u32>,
}

impl DriveLog {
    /// A log for driver `which`.
    pub(super) fn new(which: usize) -> Rc<DriveLog> {
        Rc::new(DriveLog { which, ..DriveLog::default() })
    }
}

/// A base drive behind a script, logging every call.
struct Scripted {
    base: Box<dyn Drive>,
    script: Script,
    /// `poll_ready_sq` questions answered so far.
    asked: u32,
    /// Turns so far.
    turns: u32,
    log: Rc<DriveLog>,
}

impl Scripted {
    /// Logs a call, and panics if this is the call the script names.
    fn call(&mut self) {
        let log = &self.log;
        if log.closing.get() {
            log.in_teardown.set(log.in_teardown.get() + 1);
        }
        if log.panicked.get() {
            log.after_panic.set(log.after_panic.get() + 1);
        }
        let n = log.calls.get() + 1;
        log.calls.set(n);
        // Never while unwinding (a second panic would abort the test by
        // the drive's doing, not the driver's), and never in teardown,
        // where the call is already the violation the oracle reports.
        if self.script.panic_at.is_some_and(|p| u32::from(p) == n)
            && !log.panicked.get()
            && !log.closing.get()
            && !std::thread::panicking()
        {
            log.panicked.set(true);
            std::panic::panic_any(DrivePanic(log.which));
        }
    }
}

impl Drive for Scripted {
    fn poll_ready_sq(&mut self, free: u32, needed: u32) -> Poll<()> {
        self.call();
        self.asked += 1;
        if self.asked <= u32::from(self.script.pending) {
            return Poll::Pending;
        }
        self.base.poll_ready_sq(free, needed)
    }

    fn submit_now(&mut self, unsubmitted: u32) -> bool {
        self.call();
        match self.script.early {
            Some(0) => false,
            Some(n) => unsubmitted >= u32::from(n),
            None => self.base.submit_now(unsubmitted),
        }
    }

    fn submits_only_at_park(&self) -> bool {
        match self.script.early {
            Some(n) => n == 0,
            None => self.base.submits_only_at_park(),
        }
    }

    fn submit(&mut self, enter: &mut Enter<'_>) -> Result<(), Error> {
        self.call();
        self.turns += 1;
        match self.script.enter {
            Some(EnterStyle::Fails) if self.turns % 2 == 1 => {
                Err(Error::InvalidArgument("the scenario's drive fails its turn"))
            }
            None | Some(EnterStyle::Fails) => self.base.submit(enter),
            Some(EnterStyle::SubmitOnly) => enter.submit().map(drop),
            Some(EnterStyle::Never) => Ok(()),
            Some(EnterStyle::WaitsTwice) => {
                enter.submit_and_wait_for(Duration::from_millis(1))?;
                enter.submit_and_wait_for(Duration::from_millis(1)).map(drop)
            }
        }
    }

    fn on_completions(&mut self, n: u32) {
        self.call();
        self.base.on_completions(n);
    }
}

/// A driver on `ring` that enters the kernel through the drive `spec`
/// describes. Unscripted, the library's drive is handed over as it ships,
/// so that the driver's own path for the crate's drives (asked directly,
/// not contained as foreign code) runs too; scripted, it is wrapped, and
/// logs into `log`.
pub(super) fn driver_on(ring: Ring<SimKernel>, spec: DriveSpec, log: Rc<DriveLog>) -> Driver<SimKernel> {
    if spec.script != Script::default() {
        return Driver::with_drive(ring, drive(spec, log));
    }
    match spec.base {
        Base::Batch(0) => Driver::with_drive(ring, DefaultDrive::new(Batch::default())),
        Base::Batch(max) => Driver::with_drive(ring, DefaultDrive::new(Batch { max: u32::from(max) })),
        Base::Immediate => Driver::with_drive(ring, DefaultDrive::new(Immediate)),
        Base::SqPoll => Driver::with_drive(ring, DefaultDrive::new(SqPoll)),
        Base::BusyPoll(us) => Driver::with_drive(ring, BusyPoll::new(Duration::from_micros(u64::from(us)))),
    }
}

/// The drive `spec` describes, logging into `log`.
fn drive(spec: DriveSpec, log: Rc<DriveLog>) -> impl Drive {
    let base: Box<dyn Drive> = match spec.base {
        Base::Batch(0) => Box::new(DefaultDrive::new(Batch::default())),
        Base::Batch(max) => Box::new(DefaultDrive::new(Batch { max: u32::from(max) })),
        Base::Immediate => Box::new(DefaultDrive::new(Immediate)),
        Base::SqPoll => Box::new(DefaultDrive::new(SqPoll)),
        Base::BusyPoll(us) => Box::new(BusyPoll::new(Duration::from_micros(u64::from(us)))),
    };
    Scripted { base, script: spec.script, asked: 0, turns: 0, log }
}
