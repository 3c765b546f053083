//! A simulated io_uring kernel that the unchanged ring-core runs on.
//!
//! [`SimKernel`] implements [`ring_core::Kernel`], so
//! `ring_core::Builder::new(n).build_on(sim.clone())` gives a real
//! `ring_core::Ring<SimKernel>`, and `ring_core::Driver::with_ring` a real
//! driver, over memory laid out exactly as Linux lays out a ring (see
//! [`WordLayout`]). The handle is a cheap clone of one shared state: the ring owns
//! one clone, the test keeps another to inject faults and inspect what
//! happened.
//!
//! # What is modelled
//!
//! - **Setup**: the `IORING_SETUP_*` flags ring-core uses (SQPOLL, CQSIZE,
//!   CLAMP, SUBMIT_ALL, COOP/DEFER_TASKRUN, TASKRUN_FLAG, SQE128, CQE32,
//!   SQE/CQE_MIXED, SINGLE_ISSUER, NO_SQARRAY, R_DISABLED) with the
//!   kernel's rules between them; `IORING_FEAT_*` as configured
//!   ([`SimConfig::features`]), including whether the rings share one
//!   mapping (`SINGLE_MMAP`). NO_MMAP, REGISTERED_FD_ONLY, IOPOLL and
//!   ATTACH_WQ are refused with `EINVAL`.
//! - **Registered rings**: `IORING_REGISTER_RING_FDS` and its unregister,
//!   with one table of sixteen indices per calling thread, shared by every
//!   ring used on that thread, as `current->io_uring` is.
//! - **Enter**: consuming SQEs through the index array (or directly with
//!   NO_SQARRAY), honouring `to_submit`; stopping a batch at a request
//!   that fails preparation (unless SUBMIT_ALL); GETEVENTS with
//!   `min_complete`; `EXT_ARG` timeouts on the virtual clock; SQ_WAKEUP and
//!   SQ_WAIT under SQPOLL; flushing overflowed completions and running
//!   deferred task work on GETEVENTS.
//! - **Operations** (`ops`): NOP, READ/WRITE/READV/WRITEV on model files
//!   and pipes (a pipe read blocks until written), FSYNC, TIMEOUT (clock or
//!   count), POLL_ADD (single and multishot), ASYNC_CANCEL, SEND and
//!   SEND_ZC (result with `F_MORE`, then `F_NOTIF`), OPENAT, CLOSE, STATX;
//!   link chains (`IOSQE_IO_LINK`, `IOSQE_IO_HARDLINK`) and
//!   `IOSQE_CQE_SKIP_SUCCESS`. Every other opcode fails with `-EINVAL`.
//!   A submission the application bounds (its `to_submit`, or under
//!   SQPOLL what it published) that ends inside a chain is reported
//!   ([`SimKernel::split_chains`]): chains do not span submission
//!   boundaries, so such a chain runs as two.
//! - **Provided buffers** (`pbuf`): rings in application memory
//!   (`IORING_REGISTER_PBUF_RING`), selected by `IORING_OP_READ` with
//!   `IOSQE_BUFFER_SELECT` and by `IORING_OP_READ_MULTISHOT` on pipes; a
//!   buffer written after its group was unregistered is a violation.
//! - **Injected completions** ([`SimKernel::inject_cqe`]): any completion
//!   posted into a ring's CQ, as another ring's `MSG_RING` or a stale or
//!   forged completion would be.
//! - **Faults** ([`Chaos`], [`EnterFault`]): held completions released in
//!   any order, short reads and writes, failed and short enters, a CQ that
//!   overflows, multishot streams that end early, zero-copy notifications
//!   out of order, cancellations that lose the race, dropped completions
//!   (`EBADR`), an SQPOLL thread that sleeps and consumes slowly, and
//!   DEFER_TASKRUN completions that appear only on GETEVENTS. A short
//!   submission may stop inside a link chain, as the kernel's does when it
//!   cannot allocate a request, unless `Chaos::whole_chains`.
//! - **Memory**: every request records the user ranges it holds
//!   ([`SimKernel::inflight`]) and really reads or writes them when it
//!   runs; with [`crate::alloc::TrackingAlloc`] installed, an access to
//!   memory that is not live is reported ([`SimKernel::violations`])
//!   instead of performed.
//!
//! # Time
//!
//! The simulator never sleeps. It keeps a virtual clock ([`SimKernel::now`],
//! [`SimKernel::advance`]). When a wait cannot be satisfied with what is
//! ready, "time passes": held operations are released (with
//! `Chaos::auto_release`), held notifications are posted, and the clock
//! jumps to the next timeout's deadline or to the wait's own `EXT_ARG`
//! deadline, which then fails the wait with `ETIME`. If nothing at all can
//! happen, a real kernel would block forever; the simulator records a
//! *stall* ([`SimKernel::stalls`]) and returns `EINTR` instead. Under Miri
//! the `EXT_ARG` timespec (on ring-core's stack, reachable only by address)
//! cannot be read with strict provenance, and such a timeout simply
//! expires when nothing else can happen.

pub mod chaos;
mod config;
mod control;
mod enter;
mod inspect;
mod kernel;
mod mem;
mod objects;
pub use mem::WordLayout;
mod cq;
mod lifecycle;
pub(crate) mod ops;
mod pbuf;
mod register;
mod request;
mod setup;
mod sq;
mod state;
mod user;

pub use chaos::{Chaos, EnterFault, Rng};
pub use config::{SimConfig, SimStats, SIM_FEATURES};
pub use request::{Access, MemRange};

use state::SimState;
use std::os::fd::RawFd;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// Where a request in flight stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InflightState {
    /// Waiting for its predecessor in a link chain.
    Linked,
    /// Held by chaos until released.
    Held,
    /// Running or blocked (a pipe, a poll, a timer).
    Active,
    /// A zero-copy send whose result is out, waiting to post its notification.
    AwaitingNotif,
}

/// A request in flight, as the test sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inflight {
    /// Its `user_data`.
    pub user_data: u64,
    /// Its opcode.
    pub opcode: u8,
    /// Its state.
    pub state: InflightState,
    /// The user memory it holds until its terminal completion.
    pub held: Vec<MemRange>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<SimState>,
    /// Signalled when the SQPOLL thread made progress or was woken.
    cv: Condvar,
    /// SQPOLL threads by ring.
    threads: Mutex<Vec<(RawFd, JoinHandle<()>)>>,
    /// Tells this kernel's per-thread registered-ring tables apart from
    /// every other kernel's (see `Kernel::registered_ring_table`).
    table_key: u64,
}

/// A handle to a simulated kernel. Clones share the same kernel.
#[derive(Debug, Clone)]
pub struct SimKernel {
    shared: Arc<Shared>,
}

impl Default for SimKernel {
    fn default() -> Self {
        SimKernel::new(SimConfig::default())
    }
}

impl SimKernel {
    /// A kernel configured by `cfg`, with no chaos.
    pub fn new(cfg: SimConfig) -> SimKernel {
        SimKernel {
            shared: Arc::new(Shared {
                state: Mutex::new(SimState::new(cfg)),
                cv: Condvar::new(),
                threads: Mutex::new(Vec::new()),
                table_key: {
                    // Linux's tables are key 0.
                    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                },
            }),
        }
    }

    /// A default kernel whose ring indices start at `start`.
    pub fn starting_at(start: u32) -> SimKernel {
        SimKernel::new(SimConfig { start_index: start, ..SimConfig::default() })
    }

    fn lock(&self) -> MutexGuard<'_, SimState> {
        // A panicking test must not hide the simulator from the next
        // assertion (or from the ring's drop): recover from poisoning.
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
