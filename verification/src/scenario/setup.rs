//! How the scenario's ring is set up: its flags ([`Mode`]), the size of
//! its CQ, and the drive of each driver ([`Setup`]).

use crate::scenario::drive::DriveSpec;

/// How the scenario's ring is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Default flags: completions are posted as operations run.
    Plain,
    /// `SINGLE_ISSUER | DEFER_TASKRUN`: completions appear only when the
    /// driver enters the kernel asking for events.
    DeferTaskrun,
    /// `SQPOLL`: a simulated poll thread consumes the SQ when it runs (at
    /// [`Action::SqpollStep`](crate::scenario::Action::SqpollStep), or when a wait needs it), and sleeps when
    /// idle, so submissions must wake it.
    SqPoll,
}

/// The scenario's ring: its [`Mode`] and the size of its CQ; and the
/// drives its two drivers enter the kernel through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setup {
    /// The set-up flags.
    pub mode: Mode,
    /// `Some(n)`: a CQ of `n` entries (`IORING_SETUP_CQSIZE`; at least the
    /// SQ's size, as the kernel requires). `None`: the kernel's default,
    /// twice the SQ.
    pub cq: Option<u32>,
    /// The drive of the scenario's driver and of the second one (each
    /// `DriveSpec::default()`, the driver's own behaviour, unless
    /// [`Setup::with_drives`] says otherwise).
    pub drives: [DriveSpec; 2],
}

impl Setup {
    /// A ring in `mode` whose CQ is as small as the kernel allows for an SQ
    /// of `entries` (as many entries as the SQ, and at least 2, so that a
    /// zero-copy send, which needs two CQ credits, can start): operations
    /// then wait for CQ credits, and a multishot stream's items (which take
    /// no credit of their own) overflow the CQ, so the simulated kernel
    /// parks them (`IORING_FEAT_NODROP`), sets `IORING_SQ_CQ_OVERFLOW` and
    /// flushes them on a later enter.
    pub fn tiny_cq(mode: Mode, entries: u32) -> Setup {
        Setup { mode, cq: Some(entries.max(2)), drives: Default::default() }
    }

    /// The same ring, its drivers entering the kernel through `drives`
    /// (the scenario's driver's, then the second one's).
    pub fn with_drives(self, drives: [DriveSpec; 2]) -> Setup {
        Setup { drives, ..self }
    }
}

impl From<Mode> for Setup {
    fn from(mode: Mode) -> Setup {
        Setup { mode, cq: None, drives: Default::default() }
    }
}
