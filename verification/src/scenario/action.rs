//! What a scenario is made of: the [`Action`]s (user actions and kernel
//! behaviours), the operations they start ([`Kind`]) and the linked chains
//! ([`ChainSpec`] of [`Member`]s).

/// An operation the scenario can start.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `IORING_OP_NOP`.
    Nop,
    /// A read of `len` bytes of the read-only file at `off`.
    ReadFile {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A write of `len` bytes into the operation's own region of the
    /// write-only file.
    WriteFile {
        /// Length.
        len: u8,
    },
    /// A read of up to `len` bytes from a pipe (blocks until written).
    ReadPipe {
        /// Length.
        len: u8,
    },
    /// A timeout of `ms` milliseconds of virtual time.
    Sleep {
        /// Milliseconds.
        ms: u8,
    },
    /// A multishot poll on a model descriptor.
    Poll,
    /// A multishot timeout ticking `n` times.
    Ticks {
        /// Ticks.
        n: u8,
    },
    /// A zero-copy send of `len` bytes.
    SendZc {
        /// Length.
        len: u8,
    },
    /// A multishot read of the pipe into buffers of the driver's current
    /// buffer pool (made on first use; [`Action::NewPool`] drops the
    /// application's handle of it, so that only the operations using it
    /// keep it alive).
    PoolStream,
    /// A multishot pool read on this driver with the *other* driver's pool
    /// (a resource of another ring): it must be refused (`EXDEV`) before
    /// anything reaches the kernel.
    ForeignPoolStream,
}

/// An operation that can be a member of a linked chain: the kinds whose
/// failure the reference model can judge (a read or write that comes back
/// short, a timeout that expires, a cancellation).
#[derive(Debug, Clone)]
pub enum Member {
    /// `IORING_OP_NOP`: fails only when cancelled.
    Nop,
    /// A read of `len` bytes of the read-only file at `off` (short, so
    /// failed, past the end of the file or by `Chaos::short_io`).
    ReadFile {
        /// Offset.
        off: u16,
        /// Length.
        len: u8,
    },
    /// A write of `len` bytes into the member's own region of the
    /// write-only file (short by `Chaos::short_io`).
    WriteFile {
        /// Length.
        len: u8,
    },
    /// A timeout of `ms` milliseconds: it always fails (`-ETIME`).
    Sleep {
        /// Milliseconds.
        ms: u8,
    },
}

/// A linked chain to start ([`Action::Chain`]).
#[derive(Debug, Clone)]
pub struct ChainSpec {
    /// The members, in order (two or three; a chain longer than the SQ is
    /// refused by the driver).
    pub members: Vec<Member>,
    /// `IOSQE_IO_HARDLINK` (`Chain::hard`): a failure does not cancel the rest.
    pub hard: bool,
    /// Bit `i` set: member `i`'s future is taken from the started chain
    /// and becomes a live future; the others are orphaned when the
    /// `Started` chain is dropped.
    pub take: u8,
}

/// One step of a scenario: a user action or a kernel behaviour.
#[derive(Debug, Clone)]
pub enum Action {
    /// Create an operation's future (it starts on its first poll).
    Submit(Kind),
    /// Build a linked chain and start it (polled once at once; if it must
    /// wait for CQ credits or entries it stays a live future that later
    /// polls start). The futures taken from it are live futures like the
    /// others.
    Chain(ChainSpec),
    /// Poll the live future picked by the index (modulo the count) once.
    Poll(u8),
    /// Poll the live future picked by the first byte once, with a hostile
    /// waker of the kind the second byte picks
    /// ([`crate::hostile::Hostility::from_byte`]).
    PollHostile(u8, u8),
    /// Drop a live future.
    Drop(u8),
    /// `mem::forget` a live future.
    Forget(u8),
    /// Turn a live future into its explicit cancellation.
    Cancel(u8),
    /// `Driver::poll`: submit and reap without waiting.
    Turn,
    /// `Driver::park` with a short timeout.
    Park,
    /// The kernel completes a random subset of held operations.
    ReleaseSome,
    /// The kernel completes every held operation.
    ReleaseAll,
    /// The kernel posts held zero-copy notifications.
    ReleaseNotifs,
    /// Another process writes three bytes of this value into the pipe.
    PipeWrite(u8),
    /// The polled descriptor becomes readable.
    SetReady,
    /// Virtual time passes.
    Advance(u8),
    /// The simulated SQPOLL thread takes a turn (a no-op without SQPOLL).
    SqpollStep,
    /// Start an operation on the second driver (another ring on the same
    /// thread and the same simulated kernel, each with its registered-ring
    /// index in the thread's table); its future joins the same live table.
    SubmitOther(Kind),
    /// Drop the application's handle of each driver's current buffer pool:
    /// pool streams still running keep theirs alive, alone (the next pool
    /// stream makes a new pool, with a new group id).
    NewPool,
    /// `Driver::poll` on the second driver.
    TurnOther,
    /// A zero-copy send driven to a phase and dropped there (orphaned):
    /// 0 before it is submitted; 1 submitted and its result posted but not
    /// reaped (it reaches the orphan); 2 with its result reaped and its
    /// notification still to come; 3 after a turn more.
    SendZcPhase(u8),
}
