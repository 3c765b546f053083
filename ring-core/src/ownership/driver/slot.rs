//! The table of operations in flight, and how a completion finds its entry.
//!
//! Every operation occupies one entry. Its `user_data` is the entry's index
//! in the low 32 bits and the entry's generation in the high 32 bits; the
//! generation changes every time the entry is reused. A completion whose
//! generation does not match (a late completion of a cancelled request, a
//! duplicate, the tail of a multishot request) is recognised as stale and
//! can never reach the entry's new owner (bug class 3.9).

use super::hooks::{CqeHook, OrphanHook};
use super::wakers::NO_WAKER;
use crate::raw::cqueue::Cqe;
use std::collections::VecDeque;

/// `user_data` of the driver's own requests (cancellations, wake-up polls).
/// Index `u32::MAX` is never a table index.
pub(crate) const INTERNAL: u64 = u32::MAX as u64;
/// `user_data` of a wake-up posted by another ring with `IORING_OP_MSG_RING`
/// (or of the driver's eventfd poll).
pub const WAKE: u64 = (1 << 32) | u32::MAX as u64;

/// Splits a `user_data` into (index, generation).
#[inline(always)]
pub(crate) fn decode(user_data: u64) -> (u32, u32) {
    (user_data as u32, (user_data >> 32) as u32)
}

/// Builds the `user_data` of entry `index` at `generation`.
#[inline(always)]
pub(crate) fn encode(index: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(index)
}

/// Where an entry is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Unused; links to the next free entry.
    Free,
    /// Submitted; its owner (a future) is alive.
    InFlight,
    /// The terminal completion arrived; the owner has not collected it yet.
    Done,
    /// The owner is gone (dropped); the entry keeps the operation's memory
    /// until the terminal completion arrives, then frees it.
    Orphaned,
}

/// One entry: 128 bytes, two cache lines.
///
/// The layout is fixed (`repr(C)`) for speed. Everything every operation
/// touches (the scalars, the orphan hook and the last completion) is in the
/// first 64 bytes, one cache line since the entry is aligned to 64; what
/// only zero-copy sends and streams use is in the second (the stream is
/// boxed to fit). Left to the compiler, the 136-byte entry put the scalars
/// in its last 24 bytes, across a line boundary in most entries; ordering
/// it so took 2.6% off a NOP at batch 32 (see `docs/performance.md`,
/// round 5), because the entries are read again right after each system
/// call, when they are often no longer in the first-level cache.
#[derive(Debug)]
#[repr(C, align(64))]
pub(crate) struct Slot {
    pub(crate) generation: u32,
    pub(crate) next_free: u32,
    /// The owner's waker, an index into the driver's `Wakers`
    /// (`NO_WAKER` if none).
    pub(crate) waker: u32,
    /// CQ credits this entry holds until its terminal completion.
    pub(crate) credits: u32,
    pub(crate) phase: Phase,
    /// Whether `result` holds the first completion. Unset when the first
    /// completion was also the last: then `last` is the result too.
    pub(crate) has_result: bool,
    /// Whether this is a multishot operation (completions are queued).
    pub(crate) multishot: bool,
    /// A cancellation was asked for but not yet submitted.
    pub(crate) cancel_wanted: bool,
    /// A cancellation request is in the kernel.
    pub(crate) cancel_sent: bool,
    /// Whether the operation can be named by a [`crate::ownership::operation::PollTarget`]
    /// (a poll), and `serial` says which start it was.
    pub(crate) named: bool,
    /// Takes the operation's value out of its cell and packages its
    /// `orphaned` call, once the operation has ended without an owner. Set
    /// when the operation starts, for its type (the table is type-erased).
    pub(crate) orphan_hook: Option<OrphanHook>,
    /// The completion that ended the operation; valid once `phase` is
    /// `Done`.
    pub(crate) last: Cqe,
    /// The first completion (the result) of an operation that posts more
    /// than one (a zero-copy send); valid when `has_result`.
    pub(crate) result: Cqe,
    /// Completions not yet taken by a multishot owner (emptied when a
    /// multishot operation starts; other operations never use it). Boxed
    /// (one pointer instead of a `VecDeque`'s four words) so that the
    /// entry fits in two cache lines; only multishot operations pay for
    /// the extra allocation.
    #[allow(clippy::box_collection)]
    pub(crate) stream: Option<Box<VecDeque<Cqe>>>,
    /// Where an orphaned multishot operation's completions go; set for
    /// multishot operations only.
    pub(crate) cqe_hook: Option<CqeHook>,
    /// Which start of the driver put the operation here, when `named`: a
    /// number never reused (unlike the generation, which wraps after 2^32
    /// reuses of the entry), so that a [`crate::ownership::operation::PollTarget`] kept past
    /// its operation's end can never name a later one.
    pub(crate) serial: u64,
}

impl Slot {
    fn new(next_free: u32) -> Self {
        Slot {
            generation: 0,
            phase: Phase::Free,
            next_free,
            waker: NO_WAKER,
            has_result: false,
            result: Cqe::default(),
            last: Cqe::default(),
            stream: None,
            multishot: false,
            credits: 0,
            cancel_wanted: false,
            cancel_sent: false,
            named: false,
            orphan_hook: None,
            cqe_hook: None,
            serial: 0,
        }
    }
}

// The layout above, checked when the crate is built.
const _: () = assert!(core::mem::size_of::<Slot>() == 128 && core::mem::align_of::<Slot>() == 64);

/// A fixed-size table of entries with a free list.
#[derive(Debug)]
pub(crate) struct Slots {
    slots: Box<[Slot]>,
    free_head: u32,
    in_use: u32,
}

const NONE: u32 = u32::MAX;

impl Slots {
    pub(crate) fn new(len: u32) -> Self {
        let slots = (0..len).map(|i| Slot::new(if i + 1 < len { i + 1 } else { NONE })).collect();
        Slots { slots, free_head: if len > 0 { 0 } else { NONE }, in_use: 0 }
    }

    pub(crate) fn len(&self) -> u32 {
        self.slots.len() as u32
    }

    pub(crate) fn in_use(&self) -> u32 {
        self.in_use
    }

    /// Takes a free entry for an operation that holds `credits` CQ credits;
    /// returns its index and new generation. `named` says whether a
    /// [`crate::ownership::operation::PollTarget`] may name the operation (its serial is then
    /// set by the caller).
    #[inline]
    pub(crate) fn alloc(&mut self, credits: u32, multishot: bool, named: bool) -> Option<(u32, u32)> {
        let index = self.free_head;
        if index == NONE {
            return None;
        }
        let slot = &mut self.slots[index as usize];
        self.free_head = slot.next_free;
        slot.generation = slot.generation.wrapping_add(1);
        slot.phase = Phase::InFlight;
        slot.next_free = NONE;
        slot.has_result = false;
        slot.waker = NO_WAKER;
        slot.multishot = multishot;
        slot.credits = credits;
        slot.cancel_wanted = false;
        slot.cancel_sent = false;
        slot.named = named;
        if multishot {
            if let Some(q) = slot.stream.as_mut() {
                q.clear();
            }
        }
        self.in_use += 1;
        Some((index, slot.generation))
    }

    /// Returns entry `index` to the free list. Its generation moves on at
    /// the next `alloc`, so completions for the old one are stale from now on.
    /// Returns the entry's waker index (`NO_WAKER` if none) for the caller
    /// to unregister.
    #[inline]
    #[must_use = "unregister the waker"]
    pub(crate) fn release(&mut self, index: u32) -> u32 {
        let slot = &mut self.slots[index as usize];
        debug_assert_ne!(slot.phase, Phase::Free);
        slot.phase = Phase::Free;
        let waker = core::mem::replace(&mut slot.waker, NO_WAKER);
        slot.next_free = self.free_head;
        self.free_head = index;
        self.in_use -= 1;
        waker
    }

    /// The entry a completion is for, if its generation is current.
    #[inline]
    pub(crate) fn lookup(&mut self, user_data: u64) -> Option<(u32, &mut Slot)> {
        let (index, generation) = decode(user_data);
        let slot = self.slots.get_mut(index as usize)?;
        (slot.generation == generation && slot.phase != Phase::Free).then_some((index, slot))
    }

    /// The entry a completion is for if its generation is current and its
    /// operation is in flight: [`lookup`](Self::lookup) with the phase
    /// the completion's common path wants, tested once.
    #[inline(always)]
    pub(crate) fn lookup_in_flight(&mut self, user_data: u64) -> Option<&mut Slot> {
        let (index, generation) = decode(user_data);
        let slot = self.slots.get_mut(index as usize)?;
        (slot.generation == generation && slot.phase == Phase::InFlight).then_some(slot)
    }

    /// Entry `index` if it is at `generation`.
    #[inline]
    pub(crate) fn get(&mut self, index: u32, generation: u32) -> Option<&mut Slot> {
        let slot = self.slots.get_mut(index as usize)?;
        (slot.generation == generation && slot.phase != Phase::Free).then_some(slot)
    }

    /// Whether `target` names the operation in entry `index` at
    /// `generation`, started with serial `serial`, and the kernel may still
    /// have it (in flight, or orphaned and not ended): the only operation a
    /// poll removal or update built from the target may act on.
    #[inline]
    pub(crate) fn names(&mut self, index: u32, generation: u32, serial: u64) -> bool {
        self.get(index, generation)
            .is_some_and(|s| s.named && s.serial == serial && matches!(s.phase, Phase::InFlight | Phase::Orphaned))
    }

    /// Entry `index`, which the caller knows to be live (just allocated).
    #[inline]
    pub(crate) fn at(&mut self, index: u32) -> &mut Slot {
        &mut self.slots[index as usize]
    }

    /// Every entry, for teardown.
    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut Slot)> {
        self.slots.iter_mut().enumerate().map(|(i, s)| (i as u32, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_tags_name_no_table_entry() {
        // Index `u32::MAX` is never a table index, so neither tag can reach
        // an entry, and a wake-up is not mistaken for an internal request.
        assert_eq!(decode(INTERNAL), (u32::MAX, 0));
        assert_eq!(decode(WAKE), (u32::MAX, 1));
        assert_eq!(encode(u32::MAX, 1), WAKE);
        assert_eq!(decode(encode(7, 9)), (7, 9));
    }

    /// A poll target names its poll by entry, generation and serial: after
    /// 2^32 reuses of the entry the generation comes back, and only the
    /// serial tells the poll that holds the entry then from the one the
    /// target named.
    #[test]
    fn a_target_names_its_poll_even_after_the_generation_wrapped() {
        let mut t = Slots::new(1);
        let (i, g) = t.alloc(1, false, true).unwrap();
        t.at(i).serial = 1;
        assert!(t.names(i, g, 1));
        let _ = t.release(i);
        assert!(!t.names(i, g, 1), "ended");
        // 2^32 reuses later, in one step: the entry is back at generation `g`.
        t.at(i).generation = g.wrapping_sub(1);
        let (j, h) = t.alloc(1, false, true).unwrap();
        assert_eq!((j, h), (i, g));
        t.at(j).serial = 2;
        assert!(!t.names(i, g, 1), "another poll holds the entry at the same generation");
        assert!(t.names(j, h, 2));
        // An operation no target may name is never named.
        let _ = t.release(j);
        t.at(j).generation = g.wrapping_sub(1);
        let _ = t.alloc(1, false, false).unwrap();
        assert!(!t.names(i, g, 2));
    }
}
