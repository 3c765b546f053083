//! Naming rings: the [`RingId`] every registered resource records, and the
//! per-thread record of which ring registered each index of the thread's
//! registered-ring table.
//!
//! A descriptor number or a registered-ring index can name another ring
//! once it is given up, and code outside ring-core can give an index up
//! behind a ring's back (see [`crate::raw::register`]'s `ring_fds`
//! methods). An id is never reused, so it is what resources and indices
//! are checked against.

use crate::sync::process_wide::AtomicU64;
use core::cell::RefCell;

/// The identity of one ring, unique in the process for its whole life.
///
/// Every resource registered with a ring (a buffer pool, a registered
/// buffer table, a file table and its direct descriptors, a buffer ring)
/// records the `RingId` of its ring, and every safe API that takes such a
/// resource refuses one of another ring. A descriptor number or a
/// registered-ring index would not do: both are reused once given up, so
/// they can name another ring later. Ids are never reused.
///
/// ```
/// let a = ring_core::Ring::new(2)?;
/// let b = ring_core::Ring::new(2)?;
/// assert_ne!(a.id(), b.id());
/// assert_ne!(a.id().get(), b.id().get());
/// # Ok::<(), ring_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RingId(u64);

impl RingId {
    /// The id as a number (distinct for every ring the process sets up).
    pub fn get(self) -> u64 {
        self.0
    }

    pub(crate) fn next() -> RingId {
        // Only uniqueness matters: nothing is published with the id.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        RingId(NEXT.fetch_add(1, crate::sync::process_wide::ORDERING))
    }
}

/// One index of a thread's registered-ring table and the ring that
/// registered it.
struct Claim {
    /// [`Kernel::registered_ring_table`] of the ring's kernel.
    table: u64,
    index: u32,
    ring: RingId,
}

std::thread_local! {
    /// The indices ring-core's rings registered on this thread (at most 16
    /// per table; a handful in practice), read and written only when an
    /// index is registered or removed, never on the enter path.
    static CLAIMS: RefCell<Vec<Claim>> = const { RefCell::new(Vec::new()) };
}

/// Records that `ring` registered `index` of `table` on this thread.
/// False, with nothing recorded, if the record gives the index to another
/// ring (or cannot be reached, during the thread's exit).
pub(crate) fn claim(table: u64, index: u32, ring: RingId) -> bool {
    CLAIMS
        .try_with(|c| {
            let mut c = c.borrow_mut();
            match c.iter().find(|x| x.table == table && x.index == index) {
                Some(x) => x.ring == ring,
                None => {
                    c.push(Claim { table, index, ring });
                    true
                }
            }
        })
        .unwrap_or(false)
}

/// The ring that registered `index` of `table` on this thread, if ring-core
/// knows of one.
pub(crate) fn owner(table: u64, index: u32) -> Option<RingId> {
    CLAIMS.try_with(|c| c.borrow().iter().find(|x| x.table == table && x.index == index).map(|x| x.ring)).ok()?
}

/// Forgets that `ring` registered `index` of `table`; returns whether it
/// had. A record of another ring is left as it is.
pub(crate) fn release(table: u64, index: u32, ring: RingId) -> bool {
    CLAIMS
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let before = c.len();
            c.retain(|x| !(x.table == table && x.index == index && x.ring == ring));
            c.len() != before
        })
        .unwrap_or(false)
}

/// Forgets every index `ring` registered in `table` on this thread and
/// returns them (empty once the thread's record is gone, during its exit).
pub(crate) fn release_all(table: u64, ring: RingId) -> Vec<u32> {
    CLAIMS
        .try_with(|c| {
            let mut c = c.borrow_mut();
            let mine = c.iter().filter(|x| x.table == table && x.ring == ring).map(|x| x.index).collect();
            c.retain(|x| !(x.table == table && x.ring == ring));
            mine
        })
        .unwrap_or_default()
}
