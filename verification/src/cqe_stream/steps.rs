//! What a completion-stream case is made of: its ring ([`Config`]) and its
//! steps ([`Step`]): operations started, completions forged and injected.

/// How the CQ is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CqMode {
    /// 16-byte entries.
    Plain,
    /// `IORING_SETUP_CQE32`.
    Cqe32,
    /// `IORING_SETUP_CQE_MIXED`.
    Mixed,
}

/// The ring and simulator the run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// SQ entries (the CQ has twice as many).
    pub entries: u32,
    /// Entry sizes of the CQ.
    pub cq: CqMode,
    /// `IORING_SETUP_DEFER_TASKRUN`: completions, injected ones too, wait
    /// for an enter that asks for events.
    pub defer: bool,
    /// The simulator's chaos seed.
    pub seed: u64,
}

/// An operation to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// A read of `len` bytes of the file at `off` into a buffer whose spare
    /// capacity holds canary bytes.
    Read {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A read at `off` into a buffer the kernel takes from the pool.
    PoolRead {
        /// Offset.
        off: u16,
    },
    /// A multishot poll of the pollable descriptor.
    Poll,
    /// A multishot read of a fresh pipe into pool buffers.
    PoolStream,
    /// A zero-copy send of `len` bytes.
    SendZc {
        /// Length.
        len: u8,
    },
    /// A NOP.
    Nop,
}

/// Which `user_data` an injected completion carries (see the module
/// documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forge {
    /// An older generation of the entry of live operation `k` (modulo the
    /// number live), or of any entry used before when none is live.
    Stale(u8),
    /// Generation 0 of entry `index`.
    Gen0(u8),
    /// Entry `index` past the table (`cq_entries + index`), generation `gen`.
    PastTable(u32, u32),
    /// The wake-up tag.
    Wake,
    /// These bytes, made stale if they name an entry's current generation
    /// (the generation is replaced by 0), or the wake-up tag if they are
    /// the internal tag.
    Raw(u64),
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Start an operation (its first poll submits it).
    Start(Start),
    /// Poll live operation `k`.
    Poll(u8),
    /// Drop live operation `k` (orphaning it if it is in flight).
    Drop(u8),
    /// `mem::forget` live operation `k` (at most one per four CQ entries,
    /// less one: a forgotten operation holds its table entry for ever).
    Forget(u8),
    /// Inject a completion.
    Inject {
        /// Its `user_data`.
        to: Forge,
        /// Its result.
        res: i32,
        /// Its flags.
        flags: u32,
        /// The second half of a 32-byte entry.
        big: Option<[u64; 2]>,
    },
    /// Release held completions (all, or a random half), and held
    /// zero-copy notifications.
    Release(bool),
    /// Write `n` bytes into pool stream `k`'s pipe.
    PipeWrite(u8, u8),
    /// Make the pollable descriptor readable (a new edge).
    Ready,
    /// Advance the virtual clock.
    Advance(u8),
    /// A turn of the driver (reap, wake, submit).
    Turn,
    /// Drop the pool buffers the application holds (recycling them).
    DropBufs,
    /// Drop the application's handle of the current pool (operations keep
    /// it alive) and make a new one for later operations.
    NewPool,
}
