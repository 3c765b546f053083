//! The contract between an operation and the driver: an [`Operation`]
//! owns every byte its SQE points to, builds the SQE from itself once it
//! is at rest in the driver's table, and turns its completions into its
//! output; a [`Multishot`] operation turns each of a stream of completions
//! into an item.
//!
//! An operation of one's own: a read into an owned buffer as an
//! [`Operation`], a repeating timer as a [`Multishot`] stream. The polls
//! that a [`PollTarget`] can name later are the [`PollOperation`]s.
//!
//! ```
//! use ring_core::raw::opcode;
//! use ring_core::sys::{io_uring_sqe, IORING_TIMEOUT_MULTISHOT};
//! use ring_core::types::Timespec;
//! use ring_core::{Cqe, Multishot, Op, Operation, PollOperation, PollTarget};
//! use std::os::fd::{AsRawFd, RawFd};
//!
//! /// `read(2)` of the start of a descriptor the caller keeps open.
//! struct ReadStart {
//!     fd: RawFd,
//!     buf: Vec<u8>,
//! }
//!
//! // SAFETY: the SQE points only into `buf`, owned by the value, within
//! // its capacity.
//! unsafe impl Operation for ReadStart {
//!     type Output = (std::io::Result<usize>, Vec<u8>);
//!
//!     fn prepare(&mut self) -> io_uring_sqe {
//!         let cap = self.buf.capacity() as u32;
//!         opcode::Read::new(self.fd, self.buf.as_mut_ptr(), cap).offset(0).build().into_sqe()
//!     }
//!
//!     fn complete(mut self, result: Cqe, _last: Cqe) -> Self::Output {
//!         let r = result.result().map(|n| n as usize).map_err(|e| std::io::Error::from_raw_os_error(e.raw()));
//!         if let Ok(n) = r {
//!             // SAFETY: the kernel initialised the first `n` bytes.
//!             unsafe { self.buf.set_len(n) };
//!         }
//!         (r, self.buf)
//!     }
//! }
//!
//! /// A timer firing every millisecond, `count` times.
//! struct Every {
//!     ts: Timespec,
//!     count: u32,
//! }
//!
//! // SAFETY: the SQE points only at `ts`, owned by the value; `item`
//! // writes nothing the kernel reads.
//! unsafe impl Multishot for Every {
//!     type Item = bool; // whether the timer fired (a kernel before 6.4 refuses)
//!
//!     fn prepare(&mut self) -> io_uring_sqe {
//!         opcode::Timeout::new(&raw const self.ts).count(self.count).flags(IORING_TIMEOUT_MULTISHOT).build().into_sqe()
//!     }
//!
//!     fn item(&mut self, cqe: Cqe) -> Option<bool> {
//!         Some(cqe.result().is_err_and(|e| e.raw() == libc::ETIME))
//!     }
//! }
//!
//! /// The removal target of any poll in flight.
//! fn target_of<T: Operation + PollOperation>(op: &Op<T>) -> Option<PollTarget> {
//!     op.poll_target()
//! }
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let d = rt.driver().clone();
//! let file = std::fs::File::open("/proc/self/stat")?;
//! let (n, buf) = rt.block_on(d.op(ReadStart { fd: file.as_raw_fd(), buf: Vec::with_capacity(64) }))?;
//! assert_eq!(n?, buf.len());
//! let mut ticks = d.multishot_keep(Every { ts: Timespec::new(0, 1_000_000), count: 2 }, ());
//! let n = rt.block_on(async {
//!     let mut n = 0;
//!     while let Some(fired) = ticks.next().await {
//!         n += usize::from(fired);
//!     }
//!     n
//! })?;
//! assert!(n == 2 || n == 0);
//! let (_a, b) = std::os::unix::net::UnixStream::pair()?;
//! let poll = d.poll_add(&std::rc::Rc::new(b), libc::POLLIN as u32);
//! assert!(target_of(&poll).is_none(), "not submitted yet");
//! # Ok::<(), std::io::Error>(())
//! ```
#![allow(unsafe_code)]

use crate::raw::cqueue::Cqe;
use crate::raw::ring_id::RingId;
use ring_sys::io_uring_sqe;

/// An operation whose memory the driver owns while the kernel uses it.
///
/// # Safety
///
/// [`prepare`](Operation::prepare) is called once the value sits at its final
/// address in the driver's table, and the value is not moved or dropped
/// until the operation's terminal completion (the first one without
/// `IORING_CQE_F_MORE`) has been seen. Implementors promise that the SQE
/// it returns makes the kernel read or write only:
///
/// - memory owned by `self` (inline, or on the heap through owned
///   pointers), within what `self` owns, or `'static` memory;
/// - for writes, memory nothing else can read or write while `self` is in
///   the table (owned buffers, not shared references into Rust objects);
///
/// and that it names no resource (a registered buffer or file index) that
/// could be released while the operation is in flight, unless `self` holds
/// what keeps it registered. A resource registered with a ring means
/// something else (or nothing) on another ring: an operation that names
/// one says which ring it belongs to in [`refuse`](Operation::refuse).
pub unsafe trait Operation: 'static {
    /// What the operation resolves to (typically the result with the
    /// operation's buffers).
    type Output;

    /// Completion-queue entries the operation can post before its terminal
    /// one, plus one; the driver never admits more operations than the CQ
    /// can hold. 1 for single-shot operations, 2 for zero-copy sends (the
    /// result and the notification).
    const CQES: u32 = 1;

    /// Whether completions are queued as a stream ([`MultiOp`]) rather than
    /// kept as one result. Set by the multishot adapter only.
    #[doc(hidden)]
    const MULTISHOT: bool = false;

    /// Whether a [`PollTarget`] may name this operation (the polls; see
    /// [`PollOperation`]). Set by ring-core's own polls only.
    #[doc(hidden)]
    const NAMEABLE: bool = false;

    /// The operation of this driver that this one acts on, if it acts on
    /// one (a poll removal or update). The driver starts it only while that
    /// operation is in flight, and refuses it otherwise (it completes with
    /// `ENOENT` without reaching the kernel). Set by ring-core's own
    /// operations only.
    #[doc(hidden)]
    fn names(&self) -> Option<PollTarget> {
        None
    }

    /// The slots of the ring's registered file table that this operation
    /// replaces or names by their bare numbers, as `(first, count)`, if it
    /// does (a `files_update` at an offset, a `fixed_fd_install` of a slot
    /// number). The driver it starts on refuses it (`EBUSY`, without
    /// reaching the kernel) if any of them belongs to the allocation range
    /// of the `FixedFiles` table registered with that driver's ring: those
    /// slots belong to direct descriptors. Like [`names`](Operation::names),
    /// a check against the state of the driver the operation starts on,
    /// never against the one that built it. Set by ring-core's own
    /// operations only.
    #[doc(hidden)]
    fn bare_file_slots(&self) -> Option<(u32, u32)> {
        None
    }

    /// Builds the SQE from `self` at its final address. `user_data` is
    /// overwritten by the driver. Runs inside the driver, with its state
    /// borrowed: it must not call back into it (a call that does is refused
    /// or deferred, see `docs/ownership.md`, "Foreign code"); if it panics,
    /// nothing was published and the value is dropped as the panic leaves.
    fn prepare(&mut self) -> io_uring_sqe;

    /// Whether the operation must not start on the ring `ring`, and if so
    /// the errno it completes with instead. The driver asks before
    /// anything reaches the kernel (alone or in a chain, which is then
    /// refused whole); a refused operation completes through
    /// [`complete`](Operation::complete) with that errno and its values.
    ///
    /// Operations that name a resource registered with one ring (a buffer
    /// group, a registered buffer, a direct descriptor or its table)
    /// return `Some(EXDEV)` for every other ring: the same index names
    /// another resource there, or none. The default refuses no ring.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        let _ = ring;
        None
    }

    /// Whether this operation needs a 128-byte SQE (the `*128` opcodes on
    /// an `IORING_SETUP_SQE_MIXED` ring, or a command using the extended
    /// area on an `IORING_SETUP_SQE128` ring). The driver then calls
    /// [`prepare128`](Operation::prepare128) instead of `prepare`, and
    /// refuses the operation (it completes with `-EINVAL`, never reaching the
    /// kernel) on a ring set up with neither flag.
    fn is_128(&self) -> bool {
        false
    }

    /// Builds the 128-byte SQE, under the same contract as `prepare`. The
    /// default puts `prepare`'s entry in the first half and zeroes the rest.
    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        ring_sys::io_uring_sqe128 { sqe: self.prepare(), ..Default::default() }
    }

    /// Turns the completion into the output, giving the memory back.
    /// `result` is the first completion (the operation's result); `last`
    /// is the terminal one (the same, except for zero-copy sends, where it
    /// is the notification).
    fn complete(self, result: Cqe, last: Cqe) -> Self::Output;

    /// Called instead of [`complete`](Operation::complete) when the owner
    /// was gone before the operation ended. The default drops `self`;
    /// operations that create resources (an opened or accepted descriptor)
    /// release them here so a cancelled-but-successful operation leaks
    /// nothing (bug class 4.6).
    fn orphaned(self, result: Cqe, last: Cqe)
    where
        Self: Sized,
    {
        let _ = (result, last);
    }

    /// Called, for a multishot operation whose owner (the stream) is gone,
    /// with each completion the owner never received, in order and exactly
    /// once, including the terminal one (before
    /// [`orphaned`](Operation::orphaned)). The default ignores it; streams
    /// turn it into an item and drop that, so a provided buffer it reports
    /// is recycled. Runs inside the driver, with its state borrowed: it must
    /// not call back into it (a call that does is refused or deferred).
    fn orphaned_cqe(&mut self, cqe: Cqe) {
        let _ = cqe;
    }
}

/// A multishot operation: one SQE, a stream of completions, each with
/// `IORING_CQE_F_MORE` except the last.
///
/// # Safety
///
/// As for [`Operation`]: the SQE touches only memory `self` owns (or
/// `'static` memory), which the driver keeps until the completion without
/// `IORING_CQE_F_MORE`. In addition, [`item`](Multishot::item) runs while
/// the operation may still be in flight, so it must not write memory the
/// kernel may be reading or writing.
pub unsafe trait Multishot: 'static {
    /// What each completion becomes.
    type Item;

    /// As [`Operation::NAMEABLE`].
    #[doc(hidden)]
    const NAMEABLE: bool = false;

    /// Builds the SQE from `self` at its final address.
    fn prepare(&mut self) -> io_uring_sqe;

    /// As [`Operation::refuse`]. A refused stream yields one item, made by
    /// [`item`](Multishot::item) from a completion carrying the errno and
    /// no flags, and then ends.
    fn refuse(&self, ring: RingId) -> Option<i32> {
        let _ = ring;
        None
    }

    /// Turns one completion into an item (`None` to skip it). Called
    /// exactly once per completion: for the stream's owner (with the
    /// driver's state not borrowed, while the stream keeps its claim), or,
    /// once the owner is gone, by the driver (inside its borrow), which
    /// drops the item at once; there it must not call back into the driver
    /// (a call that does is refused or deferred).
    fn item(&mut self, cqe: Cqe) -> Option<Self::Item>;
}

/// Adapts a [`Multishot`] to the driver's [`Operation`] table entry.
pub(crate) struct Streaming<T>(pub(crate) T);

// SAFETY: forwards `T`'s contract; `complete`/`orphaned` only hand `T`
// back or drop it after the terminal completion.
unsafe impl<T: Multishot> Operation for Streaming<T> {
    type Output = T;
    const MULTISHOT: bool = true;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.0.prepare()
    }

    fn refuse(&self, ring: RingId) -> Option<i32> {
        self.0.refuse(ring)
    }

    fn complete(self, _: Cqe, _: Cqe) -> T {
        self.0
    }

    fn orphaned_cqe(&mut self, cqe: Cqe) {
        // Nobody will receive the item; dropping it releases what it holds
        // (a provided buffer goes back to its ring, a descriptor is closed).
        drop(self.0.item(cqe));
    }
}

/// Names one poll operation of one driver, for
/// [`Driver::poll_remove`](crate::Driver::poll_remove) and
/// [`Driver::poll_update`](crate::Driver::poll_update); from
/// [`Op::poll_target`](crate::ownership::driver::op::Op::poll_target) or
/// [`MultiOp::poll_target`](crate::ownership::driver::op::MultiOp::poll_target).
///
/// The kernel names a request by its `user_data` only, and a number names
/// different operations over time (an entry is reused) and on different
/// rings (every driver numbers its entries alike): a removal given a bare
/// number, taken from another driver or made up, would remove whichever
/// poll of this driver has that number now. A `PollTarget` records the
/// driver's ring ([`RingId`]), the entry and its generation, and the serial
/// of the start that put the poll there (never reused, unlike a generation,
/// which wraps); the driver acts on it only while that very poll is in
/// flight. Another driver's target is refused with
/// [`Error::ForeignResource`](crate::Error::ForeignResource), a target
/// whose poll has ended with [`Error::Ended`](crate::Error::Ended).
///
/// ```
/// use ring_core::PollTarget;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let a = Rc::new(a);
/// rt.block_on(async {
///     let mut events = d.poll_multishot(&a, libc::POLLIN as u32);
///     // Submitted at its first poll.
///     std::future::poll_fn(|cx| {
///         let _ = events.poll_next(cx);
///         std::task::Poll::Ready(())
///     })
///     .await;
///     let target: PollTarget = events.poll_target().expect("in flight");
///     assert!(target.is_multishot() && target.ring_id() == d.ring_id());
///     d.poll_remove(target)?.await?;
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTarget {
    pub(crate) ring: RingId,
    pub(crate) index: u32,
    pub(crate) generation: u32,
    pub(crate) serial: u64,
    pub(crate) multishot: bool,
}

impl PollTarget {
    /// The ring of the driver the poll belongs to.
    pub fn ring_id(&self) -> RingId {
        self.ring
    }

    /// Whether the poll is multishot ([`Driver::poll_multishot`](crate::Driver::poll_multishot)).
    pub fn is_multishot(&self) -> bool {
        self.multishot
    }
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// The operations a [`PollTarget`] can name: ring-core's polls,
/// [`PollAdd`](crate::ownership::ops::PollAdd) and [`PollMulti`](crate::ownership::ops::PollMulti).
/// Sealed.
pub trait PollOperation: sealed::Sealed {}
