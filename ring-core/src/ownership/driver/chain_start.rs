//! Starting a linked chain, all or nothing (see `chain.rs`): what the table
//! needs of each member with its type erased, and the start itself, which
//! admits the chain only with entries and credits for every member, moves
//! every value into its cell, builds every SQE, and publishes them with one
//! tail store; a member's `prepare` that panics leaves nothing behind.

#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::hooks::{Finisher, OrphanHook};
use crate::ownership::driver::inner::Inner;
use crate::ownership::driver::slot::{self, Slots};
use crate::ownership::driver::storage::Storage;
use crate::ownership::operation::Operation;
use core::any::Any;
use ring_sys::*;
use std::rc::Rc;

/// What starting one member needs, with the member's type erased.
pub(crate) struct Member {
    /// The operation, until it is placed in the table (`None` once taken
    /// back by its owner from a refused chain).
    pub(crate) value: Option<Box<dyn Any>>,
    /// Moves the value into cell `index` (no operation code runs).
    pub(crate) put: unsafe fn(&Storage, usize, Box<dyn Any>),
    /// Builds the SQE from the value in cell `index` (the operation's
    /// `prepare`, which may panic).
    pub(crate) prepare: unsafe fn(&Storage, usize) -> io_uring_sqe,
    /// Takes the value back out of cell `index`, for a chain that could not
    /// be pushed after all.
    pub(crate) take: unsafe fn(&Storage, usize) -> Option<Box<dyn Any>>,
    pub(crate) hook: OrphanHook,
    /// The operation's [`Operation::refuse`], asked before the chain starts.
    pub(crate) refuse: fn(&dyn Any, crate::raw::ring_id::RingId) -> Option<i32>,
    /// The operation's [`Operation::names`] and
    /// [`Operation::bare_file_slots`]: checks against the state of the
    /// driver, which may change before a member after the first is issued.
    pub(crate) state_checks: fn(&dyn Any) -> StateChecks,
    pub(crate) cqes: u32,
    pub(crate) multishot: bool,
    /// [`Operation::NAMEABLE`].
    pub(crate) nameable: bool,
}

/// # Safety
///
/// Cell `index` must be empty and not in use, `index` below the number of
/// cells, and `value` a `Box<T>`.
pub(super) unsafe fn put<T: Operation>(storage: &Storage, index: usize, value: Box<dyn Any>) {
    let value = value.downcast::<T>().unwrap_or_else(|_| unreachable!("a member's value has its member's type"));
    // SAFETY: per the contract.
    unsafe { storage.put(index, *value) };
}

/// # Safety
///
/// Cell `index` must hold the `T` just put there, which nothing else uses.
pub(super) unsafe fn prepare<T: Operation>(storage: &Storage, index: usize) -> io_uring_sqe {
    // SAFETY: per the contract the cell holds a `T`, at its final address.
    match unsafe { storage.get::<T>(index) } {
        // SAFETY: the pointer is to the live value, used by nothing else.
        Some(ptr) => unsafe { (*ptr).prepare() },
        None => unreachable!("the member was just put in its cell"),
    }
}

/// [`Operation::refuse`] of a member's value (`None` for a value of another
/// type, which a member never holds).
pub(super) fn refuse<T: Operation>(value: &dyn Any, ring: crate::raw::ring_id::RingId) -> Option<i32> {
    value.downcast_ref::<T>()?.refuse(ring)
}

/// What a member asks of the driver's own state when it starts.
#[derive(Clone, Copy, Default)]
pub(crate) struct StateChecks {
    pub(crate) names: Option<crate::ownership::operation::PollTarget>,
    pub(crate) slots: Option<(u32, u32)>,
}

impl StateChecks {
    pub(crate) fn any(&self) -> bool {
        self.names.is_some() || self.slots.is_some()
    }
}

/// [`StateChecks`] of a member's value.
pub(super) fn state_checks<T: Operation>(value: &dyn Any) -> StateChecks {
    value.downcast_ref::<T>().map(|v| StateChecks { names: v.names(), slots: v.bare_file_slots() }).unwrap_or_default()
}

/// # Safety
///
/// Cell `index` must hold a `T` whose SQE was never published.
pub(super) unsafe fn take<T: Operation>(storage: &Storage, index: usize) -> Option<Box<dyn Any>> {
    // SAFETY: per the contract, the kernel never saw the value.
    unsafe { storage.take::<T>(index) }.map(|v| Box::new(v) as Box<dyn Any>)
}

/// What happened when a chain tried to start.
pub(crate) enum ChainStart {
    /// Every member is in the kernel at these (index, generation) pairs.
    Entries(Vec<(u32, u32)>),
    /// No room for all of it yet; it waits with this ticket.
    Wait(Vec<Member>, u64),
    /// It cannot start (driver shut down, longer than the SQ, or no room in
    /// the SQ after submitting); nothing reached the kernel, and the members
    /// keep their values.
    Failed(Error, Vec<Member>),
}

/// Undoes the start of a chain whose members' values are in their cells
/// when a member's `prepare` panics: nothing was published, so every value
/// is taken out (to be dropped outside the borrow) and every entry freed.
struct UndoChain<'a> {
    storage: &'a Storage,
    slots: &'a mut Slots,
    finishers: &'a mut Vec<Finisher>,
    entries: &'a [(u32, u32)],
    members: &'a [Member],
    armed: bool,
}

impl Drop for UndoChain<'_> {
    fn drop(&mut self) {
        if self.armed {
            for (&(index, _), m) in self.entries.iter().zip(self.members) {
                // SAFETY: armed only until every SQE of the chain is built,
                // before any is published: the kernel holds no pointer into
                // any of the values, and each cell holds its member's type.
                if let Some(value) = unsafe { (m.take)(self.storage, index as usize) } {
                    self.finishers.push(Box::new(move || drop(value)));
                }
                self.slots.at(index).orphan_hook = None;
                // No member had a waker yet; nothing to unregister.
                let _ = self.slots.release(index);
            }
        }
    }
}

impl<K: Kernel> Inner<K> {
    /// Starts every member of a chain at once, or none (see `chain.rs`).
    pub(crate) fn start_chain(&mut self, members: Vec<Member>, hard: bool, ticket: Option<u64>) -> ChainStart {
        if self.closed {
            return ChainStart::Failed(Error::NotConfigured("the driver is shut down"), members);
        }
        if self.disabled {
            // The kernel would consume none of the chain's entries (see
            // `Inner::disabled`), so the chain is refused before it starts.
            let why = "the ring is disabled (IORING_SETUP_R_DISABLED): enable it before starting operations";
            return ChainStart::Failed(Error::NotConfigured(why), members);
        }
        // The first member is issued when the chain is submitted, as a
        // single operation is, so its check of the poll it names is made
        // here as `start` makes it (the others were refused by `Chain`).
        if let Some(t) = members.first().and_then(|m| m.value.as_deref().and_then(|v| (m.state_checks)(v).names)) {
            if !self.table.slots.names(t.index, t.generation, t.serial) {
                return ChainStart::Failed(Error::Ended { what: "poll operation" }, members);
            }
        }
        let n = members.len() as u32;
        let need: u32 = members.iter().map(|m| m.cqes).sum();
        let sq_cap = self.ring.as_ref().map_or(0, |r| r.params.sq_entries);
        if n == 0 {
            return ChainStart::Entries(Vec::new());
        }
        if n > sq_cap || n > self.table.slots.len() || need > self.table.slots.len() {
            let error = Error::TooLong {
                what: "linked chain",
                len: n as usize,
                max: sq_cap.min(self.table.slots.len()) as usize,
            };
            return ChainStart::Failed(error, members);
        }
        let queued_ahead = ticket.is_none() && !self.waiters.is_empty();
        if queued_ahead || self.table.credits < need || self.table.slots.len() - self.table.slots.in_use() < n {
            self.table.stats.waited_for_credit += 1;
            let t = ticket.unwrap_or_else(|| {
                self.next_ticket += 1;
                self.next_ticket
            });
            self.queue_waiter(t, ticket.is_some());
            return ChainStart::Wait(members, t);
        }
        if let Some(t) = ticket {
            if let Some(w) = self.remove_waiter(t) {
                self.table.retired.push(Rc::new(w));
            }
        }
        let link = if hard { IOSQE_IO_HARDLINK } else { IOSQE_IO_LINK };
        let mut members = members;
        let Some(storage) = self.table.storage.as_ref() else {
            // Not reached: the storage exists until teardown, which sets `closed`.
            return ChainStart::Failed(Error::NotConfigured("the driver is shut down"), members);
        };
        // First every value moves into its cell, which runs none of the
        // operations' code, so nothing can fail half-way.
        let mut entries = Vec::with_capacity(n as usize);
        for m in &mut members {
            let (index, generation) =
                self.table.slots.alloc(m.cqes, m.multishot, m.nameable).expect("room for every member (checked above)");
            let value = m.value.take().expect("a chain with a member taken back is refused by `Chain::start`");
            // SAFETY: the entry was just allocated, so its cell is empty and
            // unused, and the table and the storage have the same length;
            // `value` is the member's own type (`Chain::push` stored both).
            unsafe { (m.put)(storage, index as usize, value) };
            if m.nameable {
                self.table.serials += 1;
                self.table.slots.at(index).serial = self.table.serials;
            }
            let slot = self.table.slots.at(index);
            slot.orphan_hook = Some(m.hook);
            slot.cqe_hook = None;
            entries.push((index, generation));
        }
        // Then each member's `prepare` builds its SQE from its value at rest.
        // That is the operations' own code: if one panics, the guard drops
        // every value again and frees the entries while unwinding (nothing
        // was published).
        let mut sqes = Vec::with_capacity(n as usize);
        {
            let mut undo = UndoChain {
                storage,
                slots: &mut self.table.slots,
                finishers: &mut self.table.finishers,
                entries: &entries,
                members: &members,
                armed: true,
            };
            let last = entries.len() - 1;
            for (i, (m, &(index, generation))) in members.iter().zip(&entries).enumerate() {
                // SAFETY: the cell holds the member's value, just put there, which nothing else uses.
                let mut sqe = unsafe { (m.prepare)(storage, index as usize) };
                sqe.user_data = slot::encode(index, generation);
                if i != last {
                    sqe.flags |= link;
                }
                sqes.push(sqe);
            }
            undo.armed = false;
        }
        // All or nothing: submit what is queued to make room, then write the
        // whole chain and publish it with one tail store.
        let pushed = {
            let ring = self.ring.as_mut().expect("not closed");
            let mut ok = false;
            // Without SQPOLL one `sq_wait` submits everything queued. Under
            // SQPOLL it waits only while the SQ is full, so a chain that needs
            // more room than the poll thread has freed yet is refused with
            // `SubmissionQueueFull` (a known limit; nothing is lost).
            for _ in 0..3 {
                // SAFETY: each SQE was built by its member's `prepare` from a
                // value now at rest in the table (the Operation contract).
                if unsafe { ring.sq().push_all(&sqes) }.is_ok() {
                    ok = true;
                    break;
                }
                self.table.stats.enters += 1;
                if let Err(e) = ring.sq_wait() {
                    if !e.is_transient() {
                        break;
                    }
                }
            }
            ok
        };
        if !pushed {
            // Nothing of the chain was published: every value goes back to
            // its member, for the chain's owner to take back.
            for (m, &(index, _)) in members.iter_mut().zip(&entries) {
                let storage = self.table.storage.as_ref().expect("storage exists until teardown");
                // SAFETY: the cell holds the member's value, whose SQE was never published.
                m.value = unsafe { (m.take)(storage, index as usize) };
                self.table.slots.at(index).orphan_hook = None;
                self.table.free_entry(index);
            }
            return ChainStart::Failed(Error::SubmissionQueueFull, members);
        }
        self.table.credits -= need;
        self.table.stats.started += u64::from(n);
        if !self.submit_at_park_only {
            self.maybe_submit();
        }
        self.wake_first_waiter();
        ChainStart::Entries(entries)
    }
}
