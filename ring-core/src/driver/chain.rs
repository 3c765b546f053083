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

use super::{orphan_hook, Driver, OrphanHook, Shared};
use crate::driver::storage::Storage;
use crate::kernel::Kernel;
use crate::op::{Op, OpState, Operation};
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
use ring_sys::io_uring_sqe;
use std::rc::Rc;

/// Moves a member's value into cell `index` and builds its SQE there.
type Place = Box<dyn FnOnce(&Storage, usize) -> io_uring_sqe>;

/// What starting one member needs, with the member's type erased.
pub(crate) struct Member {
    /// Places the value and builds its SQE.
    pub(crate) place: Place,
    /// Takes the value back out of cell `index` (if the chain could not be
    /// pushed after all) and drops it.
    pub(crate) unplace: unsafe fn(&Storage, usize),
    pub(crate) hook: OrphanHook,
    pub(crate) cqes: u32,
    pub(crate) multishot: bool,
}

/// # Safety
///
/// Cell `index` must hold a `T` whose SQE was never published.
unsafe fn unplace<T: Operation>(storage: &Storage, index: usize) {
    // SAFETY: per the contract, the kernel never saw the value.
    drop(unsafe { storage.take::<T>(index) });
}

/// Identifies a member of a [`Chain`] and its type, to take its future from
/// the [`Started`] chain.
#[derive(Debug)]
pub struct Link<T> {
    /// The chain this member was pushed into (see [`CHAIN_IDS`]).
    chain: u64,
    position: usize,
    _t: PhantomData<fn() -> T>,
}

/// Numbers every chain, so that a [`Link`] can only take its own member's
/// future from its own [`Started`] chain: taking a member of one chain with
/// the link of another would give an `Op<T>` over an entry holding some
/// other type, and `T`'s completion code would read the wrong value.
static CHAIN_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A chain being put together; see [`Driver::chain`].
pub struct Chain<K: Kernel> {
    id: u64,
    shared: Rc<Shared<K>>,
    members: Vec<Member>,
    hard: bool,
    /// A member needs a 128-byte entry, which chains do not carry.
    has_128: bool,
}

impl<K: Kernel> Driver<K> {
    /// Starts building a linked chain: its members run one after another,
    /// and if one fails (a negative result, or a short read or write) the
    /// kernel cancels the rest with `-ECANCELED`. With
    /// [`Chain::hard`], the rest run even after a failed result.
    pub fn chain(&self) -> Chain<K> {
        Chain {
            id: CHAIN_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            shared: self.shared.clone(),
            members: Vec::new(),
            hard: false,
            has_128: false,
        }
    }
}

impl<K: Kernel> Chain<K> {
    /// Appends `op` to the chain.
    pub fn push<T: Operation>(&mut self, op: T) -> Link<T> {
        let position = self.members.len();
        self.has_128 |= op.is_128();
        self.members.push(Member {
            place: Box::new(move |storage: &Storage, index: usize| {
                // SAFETY: the driver hands us a free, empty cell, at an
                // index of its table (as long as the storage).
                let ptr = unsafe { storage.put(index, op) };
                // SAFETY: the value is at its final address and nothing else
                // uses it.
                unsafe { (*ptr).prepare() }
            }),
            unplace: unplace::<T>,
            hook: orphan_hook::<T>,
            cqes: T::CQES.max(1),
            multishot: T::MULTISHOT,
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

    /// Submits the chain once there is room for all of it; resolves to the
    /// started chain, from which each member's future is taken.
    pub fn start(self) -> StartChain<K> {
        if self.has_128 {
            // Members are published as 64-byte entries by one tail store; a
            // 128-byte member would need the mixed-ring filler rules inside
            // a chain, which the kernel does not promise to honour.
            return StartChain {
                id: self.id,
                shared: self.shared,
                members: None,
                hard: self.hard,
                ticket: None,
                refused: Some("a 128-byte operation cannot be a chain member"),
            };
        }
        StartChain {
            id: self.id,
            shared: self.shared,
            members: Some(self.members),
            hard: self.hard,
            ticket: None,
            refused: None,
        }
    }
}

/// The future returned by [`Chain::start`].
pub struct StartChain<K: Kernel> {
    id: u64,
    shared: Rc<Shared<K>>,
    members: Option<Vec<Member>>,
    hard: bool,
    ticket: Option<u64>,
    /// Why the chain cannot start at all, if it cannot.
    refused: Option<&'static str>,
}

impl<K: Kernel> Unpin for StartChain<K> {}

impl<K: Kernel> Future for StartChain<K> {
    type Output = crate::Result<Started<K>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if let Some(why) = self.refused.take() {
            return Poll::Ready(Err(crate::Error::InvalidArgument(why)));
        }
        let Some(members) = self.members.take() else {
            return Poll::Ready(Err(crate::Error::InvalidArgument("chain polled after it started")));
        };
        let ticket = self.ticket.take();
        let r = self.shared.inner.borrow_mut().start_chain(members, self.hard, ticket, cx);
        self.shared.wake_collected();
        match r {
            ChainStart::Wait(members, t) => {
                self.members = Some(members);
                self.ticket = Some(t);
                Poll::Pending
            }
            ChainStart::Entries(entries) => Poll::Ready(Ok(Started {
                id: self.id,
                shared: self.shared.clone(),
                entries: entries.into_iter().map(Some).collect(),
            })),
            ChainStart::Failed(e) => Poll::Ready(Err(e)),
        }
    }
}

impl<K: Kernel> Drop for StartChain<K> {
    fn drop(&mut self) {
        if self.members.is_some() {
            self.shared.forget_ticket(self.ticket);
        }
    }
}

/// What happened when a chain tried to start.
pub(crate) enum ChainStart {
    /// Every member is in the kernel at these (index, generation) pairs.
    Entries(Vec<(u32, u32)>),
    /// No room for all of it yet; it waits with this ticket.
    Wait(Vec<Member>, u64),
    /// It cannot start (driver shut down, or longer than the SQ).
    Failed(crate::Error),
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
