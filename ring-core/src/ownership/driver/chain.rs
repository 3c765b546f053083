//! Linked chains: several operations that the kernel runs in order
//! (`IOSQE_IO_LINK`, or `IOSQE_IO_HARDLINK`), started together.
//!
//! A chain must reach the kernel whole: its SQEs are written consecutively
//! and published by one tail store, so a submission boundary never falls
//! inside it (bug class 2.4; `io_uring_enter(2)`: a chain ends at a
//! submission boundary). The driver therefore admits a chain only when it
//! has entries and CQ credits for every member at once, and it refuses a
//! chain longer than the SQ.
//!
//! Each member is then an ordinary table entry: it owns its memory until
//! its own terminal completion, and a member the kernel cancels because an
//! earlier one failed completes with `-ECANCELED` and gives its buffers back
//! like any other operation.
//!
//! A chain that cannot start (longer than the SQ, a 128-byte member, no room
//! in the SQ under SQPOLL, a shut-down driver) reached no part of the
//! kernel, and comes back whole as a [`ChainRefused`]: each member's value
//! is taken back with its [`Link`]. Starting runs in two steps for the same
//! all-or-nothing reason: every value moves into its table cell first
//! (which runs no operation code), then each member's `prepare` builds its
//! SQE; if one panics, a guard drops every value and frees every entry.

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::chain_start::{prepare, put, refuse, state_checks, take, ChainStart, Member};
use crate::ownership::driver::handle::Driver;
use crate::ownership::driver::hooks::orphan_hook;
use crate::ownership::driver::op::{Op, OpState};
use crate::ownership::driver::shared::{Shared, Unwinding};
use crate::ownership::operation::Operation;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::rc::Rc;

/// Identifies a member of a [`Chain`] and its type, to take its future from
/// the [`Started`] chain (or its value back from a [`ChainRefused`]).
#[derive(Debug)]
pub struct Link<T> {
    /// The chain this member was pushed into (see [`CHAIN_IDS`]).
    chain: u64,
    position: usize,
    _t: PhantomData<fn() -> T>,
}

// A link only names a member; copying one lets nothing be taken twice
// (whatever takes a member leaves `None` behind).
impl<T> Clone for Link<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Link<T> {}

/// Numbers every chain, so that a [`Link`] can only take its own member's
/// future from its own [`Started`] chain: taking a member of one chain with
/// the link of another would give an `Op<T>` over an entry holding some
/// other type, and `T`'s completion code would read the wrong value.
static CHAIN_IDS: crate::sync::process_wide::AtomicU64 = crate::sync::process_wide::AtomicU64::new(1);

/// A chain being put together; see [`Driver::chain`].
///
/// ```
/// use ring_core::driver::{Chain, ChainRefused, Link, StartChain, Started};
/// use ring_core::ops::{Fsync, Write};
/// use ring_core::Linux;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(4)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-chain-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::create(&path)?);
/// rt.block_on(async {
///     // A write, then an fsync that runs only if the write succeeded.
///     let mut chain: Chain<Linux> = d.chain();
///     assert!(chain.is_empty());
///     let write: Link<Write<Vec<u8>>> = chain.push(Write::new(&file, b"data".to_vec(), 0));
///     let sync = chain.push(Fsync::new(&file));
///     assert_eq!(chain.len(), 2);
///     let start: StartChain<Linux> = chain.start();
///     let mut started: Started<Linux> = start.await.map_err(ring_core::Error::from)?;
///     let (n, _buf) = started.take(write).expect("its own link").await;
///     assert_eq!(n?, 4);
///     started.take(sync).expect("its own link").await?;
///
///     // A chain longer than the SQ (4 entries) never reaches the kernel:
///     // it comes back whole, each value taken back by its link.
///     let mut chain = d.chain().hard();
///     let links: Vec<_> = (0..5).map(|_| chain.push(Fsync::new(&file))).collect();
///     let mut refused: ChainRefused<Linux> = chain.start().await.err().expect("too long");
///     println!("refused: {}", refused.error());
///     let _value: Fsync = refused.take(links[0]).expect("given back");
///     let mut chain = refused.into_chain();
///     assert!(chain.take_back(links[1]).is_some());
///     // `into_error` keeps only the reason.
///     let mut chain2 = d.chain();
///     for _ in 0..5 {
///         chain2.push(Fsync::new(&file));
///     }
///     let e = chain2.start().await.err().expect("too long").into_error();
///     assert!(matches!(e, ring_core::Error::TooLong { .. }), "{e:?}");
///     drop(chain);
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Chain<K: Kernel> {
    id: u64,
    shared: Rc<Shared<K>>,
    members: Vec<Member>,
    hard: bool,
    /// A member needs a 128-byte entry, which chains do not carry.
    has_128: bool,
}

/// # Linked chains
///
impl<K: Kernel> Driver<K> {
    /// Starts building a linked chain: its members run one after another,
    /// and if one fails (a negative result, or a short read or write) the
    /// kernel cancels the rest with `-ECANCELED`. With
    /// [`Chain::hard`], the rest run even after a failed result.
    ///
    /// ```
    /// use ring_core::ops::{Nop, Write};
    ///
    /// let rt = ring_core::Runtime::new(16)?;
    /// let d = rt.driver().clone();
    /// let (rx, tx) = std::os::unix::net::UnixStream::pair()?;
    /// let tx = std::rc::Rc::new(tx);
    /// rt.block_on(async move {
    ///     let mut chain = d.chain();
    ///     let first = chain.push(Write::new(&tx, b"one ", ring_core::ops::CURRENT_POSITION));
    ///     let second = chain.push(Write::new(&tx, b"two", ring_core::ops::CURRENT_POSITION));
    ///     let last = chain.push(Nop);
    ///     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
    ///     started.take(first).unwrap().await.0?;
    ///     started.take(second).unwrap().await.0?;
    ///     started.take(last).unwrap().await?;
    ///     Ok::<(), std::io::Error>(())
    /// })??;
    /// let mut got = [0u8; 7];
    /// std::io::Read::read_exact(&mut &rx, &mut got)?;
    /// assert_eq!(&got, b"one two");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn chain(&self) -> Chain<K> {
        Chain::new(self.shared.clone())
    }
}

impl<K: Kernel> Chain<K> {
    /// An empty chain on the driver of `shared` (for ring-core's own
    /// futures, which hold the shared state rather than a `Driver`).
    pub(crate) fn new(shared: Rc<Shared<K>>) -> Self {
        Chain {
            id: CHAIN_IDS.fetch_add(1, crate::sync::process_wide::ORDERING),
            shared,
            members: Vec::new(),
            hard: false,
            has_128: false,
        }
    }

    /// Appends `op` to the chain.
    pub fn push<T: Operation>(&mut self, op: T) -> Link<T> {
        let position = self.members.len();
        self.has_128 |= op.is_128();
        self.members.push(Member {
            value: Some(Box::new(op)),
            put: put::<T>,
            prepare: prepare::<T>,
            take: take::<T>,
            hook: orphan_hook::<T>,
            refuse: refuse::<T>,
            state_checks: state_checks::<T>,
            cqes: T::CQES.max(1),
            multishot: T::MULTISHOT,
            nameable: T::NAMEABLE,
        });
        Link { chain: self.id, position, _t: PhantomData }
    }

    /// Links with `IOSQE_IO_HARDLINK`: a failed result does not cancel the
    /// rest (a failure to submit still does).
    pub fn hard(mut self) -> Self {
        self.hard = true;
        self
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the chain is empty.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value of member `link`, back from a chain that has not started
    /// (see [`ChainRefused`]). `None` if it was taken back already, or if
    /// `link` belongs to another chain. A chain with a member taken back is
    /// refused if started.
    pub fn take_back<T: Operation>(&mut self, link: Link<T>) -> Option<T> {
        if link.chain != self.id {
            return None;
        }
        let value = &mut self.members.get_mut(link.position)?.value;
        if !value.as_ref()?.is::<T>() {
            // Not reached: a link of this chain names a member of its type.
            return None;
        }
        value.take()?.downcast::<T>().ok().map(|b| *b)
    }

    /// Submits the chain once there is room for all of it; resolves to the
    /// started chain, from which each member's future is taken, or to the
    /// chain given back with the reason it cannot start.
    pub fn start(self) -> StartChain<K> {
        let refused = if self.has_128 {
            // Members are published as 64-byte entries by one tail store; a
            // 128-byte member would need the mixed-ring filler rules inside
            // a chain, which the kernel does not promise to honour.
            Some(Error::InvalidArgument("a 128-byte operation cannot be a chain member"))
        } else if self.members.iter().any(|m| m.value.is_none()) {
            Some(Error::InvalidArgument("a member of the chain was taken back"))
        } else {
            None
        };
        StartChain {
            id: self.id,
            shared: self.shared.clone(),
            hard: self.hard,
            chain: Some(self),
            ticket: None,
            refused,
        }
    }
}

/// The future returned by [`Chain::start`].
pub struct StartChain<K: Kernel> {
    id: u64,
    shared: Rc<Shared<K>>,
    hard: bool,
    /// The chain, until it starts or is refused.
    chain: Option<Chain<K>>,
    ticket: Option<u64>,
    /// Why the chain cannot start at all, if it cannot.
    refused: Option<Error>,
}

impl<K: Kernel> Unpin for StartChain<K> {}

impl<K: Kernel> Future for StartChain<K> {
    type Output = Result<Started<K>, ChainRefused<K>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(mut chain) = self.chain.take() else {
            let chain = Chain {
                id: self.id,
                shared: self.shared.clone(),
                members: Vec::new(),
                hard: self.hard,
                has_128: false,
            };
            let error = Error::InvalidArgument("chain polled after it started");
            return Poll::Ready(Err(ChainRefused { error, chain }));
        };
        if let Some(error) = self.refused.take() {
            return Poll::Ready(Err(ChainRefused { error, chain }));
        }
        self.shared.attend.check();
        // A member that may not start on this ring (it names a resource of
        // another) refuses the whole chain, before anything reaches the
        // kernel.
        //
        // A check against the driver's own state (the poll a removal
        // names, the file slots an update replaces) holds only until that
        // state changes, and a member after the first is issued only when
        // the one before it ends, which may be long after the chain started
        // (the poll ended and its entry reused, a file table registered and
        // a direct descriptor opened into the slot). Such operations may be
        // a chain's first member, issued at submission as a single
        // operation is, and checked here and in `start_chain` against the
        // driver the chain starts on; later members are refused.
        let ring = self.shared.ring;
        let refusal = chain.members.iter().enumerate().find_map(|(i, m)| {
            let v = m.value.as_deref()?;
            if let Some(errno) = (m.refuse)(v, ring) {
                return Some(member_refusal(errno));
            }
            let checks = (m.state_checks)(v);
            if i > 0 && checks.any() {
                return Some(Error::InvalidArgument(
                    "a poll removal or update, or a file-table update or install by slot number, may only be a \
                     chain's first member (its check of the driver's state would be stale when a later member is issued)",
                ));
            }
            self.shared.refuse_slots(checks.slots).map(member_refusal)
        });
        if let Some(error) = refusal {
            let ticket = self.ticket.take();
            self.shared.forget_ticket(ticket);
            return Poll::Ready(Err(ChainRefused { error, chain }));
        }
        let ticket = self.ticket.take();
        let members = core::mem::take(&mut chain.members);
        let shared = self.shared.clone();
        // As for a single operation: if a member's `prepare` panics, the
        // values are dropped as the panic leaves, with the state not borrowed.
        let unwinding = Unwinding(&shared);
        let r = match shared.inner.try_borrow_mut() {
            Ok(mut inner) => inner.start_chain(members, chain.hard, ticket),
            Err(_) => {
                // Polled from inside the driver (an operation's own code
                // calling back): nothing changed; the future polls again.
                chain.members = members;
                self.chain = Some(chain);
                self.ticket = ticket;
                core::mem::forget(unwinding);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        };
        core::mem::forget(unwinding);
        // Every outcome is recorded (the entries, or the members back)
        // before foreign code runs: the waiter's waker clone, or the side
        // work, whose panic is kept for the driver's next turn.
        match r {
            ChainStart::Wait(members, t) => {
                chain.members = members;
                self.chain = Some(chain);
                self.ticket = Some(t);
                self.shared.settle_wait(t, cx);
                Poll::Pending
            }
            ChainStart::Entries(entries) => {
                let started = Started {
                    id: self.id,
                    shared: self.shared.clone(),
                    entries: entries.into_iter().map(Some).collect(),
                };
                if self.shared.has_side_work() {
                    self.shared.after_collect();
                }
                Poll::Ready(Ok(started))
            }
            ChainStart::Failed(error, members) => {
                chain.members = members;
                if self.shared.has_side_work() {
                    self.shared.after_collect();
                }
                Poll::Ready(Err(ChainRefused { error, chain }))
            }
        }
    }
}

impl<K: Kernel> StartChain<K> {
    /// The chain back if it has not started (it is still waiting for room,
    /// or was never polled): nothing of it reached the kernel, and its
    /// place in the queue is given up. `None` once it started or resolved.
    pub(crate) fn withdraw(&mut self) -> Option<Chain<K>> {
        let chain = self.chain.take()?;
        self.shared.forget_ticket(self.ticket.take());
        Some(chain)
    }
}

impl<K: Kernel> Drop for StartChain<K> {
    fn drop(&mut self) {
        if self.chain.is_some() {
            self.shared.forget_ticket(self.ticket);
        }
    }
}

/// The error of a chain refused because of a member's errno.
fn member_refusal(errno: i32) -> Error {
    if errno == libc::EXDEV {
        Error::ForeignResource { what: "resource named by a chain member" }
    } else {
        Error::Syscall { call: crate::error::Call::Other("chain start"), errno: ring_sys::Errno::new(errno) }
    }
}

/// A chain that could not start, given back whole: none of its members
/// reached the kernel, and each member's value (its buffers) can be taken
/// back with [`take`](ChainRefused::take), or the chain started again with
/// [`into_chain`](ChainRefused::into_chain). Dropping it drops the values.
pub struct ChainRefused<K: Kernel> {
    error: Error,
    chain: Chain<K>,
}

impl<K: Kernel> ChainRefused<K> {
    /// Why the chain could not start.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The value of member `link` (see [`Chain::take_back`]).
    pub fn take<T: Operation>(&mut self, link: Link<T>) -> Option<T> {
        self.chain.take_back(link)
    }

    /// The chain, to start again later.
    pub fn into_chain(self) -> Chain<K> {
        self.chain
    }

    /// The reason, dropping the members' values.
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl<K: Kernel> core::fmt::Debug for ChainRefused<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainRefused").field("error", &self.error).field("members", &self.chain.len()).finish()
    }
}

impl<K: Kernel> core::fmt::Display for ChainRefused<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "linked chain of {} refused: {}", self.chain.len(), self.error)
    }
}

impl<K: Kernel> std::error::Error for ChainRefused<K> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<K: Kernel> From<ChainRefused<K>> for Error {
    fn from(r: ChainRefused<K>) -> Self {
        r.error
    }
}

/// A chain in the kernel. Take each member's future with
/// [`take`](Started::take); members not taken are orphaned when this is
/// dropped (their memory stays with the driver until their completions).
pub struct Started<K: Kernel> {
    id: u64,
    shared: Rc<Shared<K>>,
    entries: Vec<Option<(u32, u32)>>,
}

impl<K: Kernel> Started<K> {
    /// The future of member `link`. Returns `None` if it was taken already,
    /// or if `link` belongs to another chain.
    pub fn take<T: Operation>(&mut self, link: Link<T>) -> Option<Op<T, K>> {
        if link.chain != self.id {
            return None;
        }
        let (index, generation) = self.entries.get_mut(link.position)?.take()?;
        Some(Op { shared: self.shared.clone(), state: OpState::Submitted { index, generation }, cancel: false })
    }
}

impl<K: Kernel> Drop for Started<K> {
    fn drop(&mut self) {
        for (index, generation) in self.entries.drain(..).flatten() {
            self.shared.orphan(index, generation);
        }
    }
}
