//! The wakers of the operations in flight, shared between operations that
//! wait on the same task.
//!
//! A `Waker` is usually a reference-counted pointer to a task, and cloning
//! or dropping one is an atomic read-modify-write (a locked instruction on
//! x86, tens of cycles). Storing a clone in every table entry, and waking
//! each entry's clone at its completion, would pay two or three of them per
//! operation, although a batch of operations is typically polled by one
//! task: thirty-two NOPs joined in one future all carry the same waker.
//!
//! So the table keeps each distinct waker once. An entry holds the index of
//! a waker here, and the waker holds a plain (non-atomic) count of the
//! entries that use it. Registering an operation whose waker "will wake"
//! the same task as the most recently registered one (`Waker::will_wake`,
//! a comparison of two pointers) only increments that count. A completion
//! marks its entry's waker as due; the driver wakes each due waker once per
//! turn, however many of its operations completed.
//!
//! The most recent waker is also the one whose operation was last
//! collected ([`release`](Wakers::release)): when many tasks take turns,
//! each one collecting its operation and starting the next in the same
//! poll, the next registration then matches it and needs neither a clone
//! nor a new entry, so that steady state allocates nothing however the
//! tasks interleave.
//!
//! Wakers are foreign code: cloning, waking or dropping one may panic or
//! call back into the driver. This table never runs any of it. It never
//! clones a waker: the driver clones outside its borrow and hands the clone
//! in ([`register_owned`](Wakers::register_owned)), and a waker that wakes
//! like one already stored ([`register_same`](Wakers::register_same), a
//! comparison of two pointers) needs no clone at all. Each stored waker is
//! behind an `Rc`, so that the due ones can be handed out for waking by a
//! plain (non-atomic) count, without cloning the waker itself, and woken by
//! reference once the driver's state is no longer borrowed. Wakers whose
//! count of users fell to zero are handed out to be dropped there too.
//!
//! The due list, which wakers to wake at the end of a turn, is in `due`.

mod due;

use core::task::{RawWakerVTable, Waker};
use std::rc::Rc;

/// No waker.
pub(crate) const NO_WAKER: u32 = u32::MAX;

struct Entry {
    /// `None` while the entry is free.
    waker: Option<Rc<Waker>>,
    /// The waker's data pointer and vtable, kept beside it so that
    /// [`Waker::will_wake`]'s comparison needs no load through the `Rc`
    /// (the vtable is null while the entry is free: never a waker's).
    data: *const (),
    vtable: *const RawWakerVTable,
    /// Table entries that use this waker.
    users: u32,
    /// On the `due` list and not yet handed out.
    due: bool,
    /// Next free entry, while free.
    next_free: u32,
}

impl Entry {
    /// Whether this entry holds a waker that wakes like `w`: what
    /// [`Waker::will_wake`] compares (the data pointer and the vtable),
    /// from the copies kept in the entry.
    #[inline(always)]
    fn wakes_like(&self, w: &Waker) -> bool {
        core::ptr::eq(self.vtable, w.vtable()) && self.data == w.data()
    }
}

/// The distinct wakers of the operations in flight.
pub(crate) struct Wakers {
    entries: Vec<Entry>,
    free_head: u32,
    /// The most recently registered waker: the first one tried.
    last: u32,
    /// Wakers with a completion to report, in the order they became due.
    due: Vec<u32>,
    /// The entry most recently stored or used for a waker whose data pointer
    /// falls in each slot: how a waker other than the most recent one is
    /// found (a task with a stream in flight, whose other operations
    /// interleave with other tasks'), without a clone. A stale or colliding
    /// slot only costs the clone the table would make without it.
    cache: [u32; CACHE_SLOTS],
}

/// Slots of [`Wakers::cache`]: a power of two, above the number of tasks
/// with operations in flight that a runtime usually has (connections).
const CACHE_SLOTS: usize = 256;

/// The cache slot of a waker's data pointer (a task's address: the low bits
/// are alignment, the next ones spread tasks apart).
#[inline(always)]
fn cache_slot(data: *const ()) -> usize {
    let a = data as usize;
    ((a >> 4) ^ (a >> 12)) & (CACHE_SLOTS - 1)
}

/// A waker the table let go of, to be dropped once the driver's state is no
/// longer borrowed.
pub(crate) type Retired = Rc<Waker>;

impl Wakers {
    pub(crate) fn new() -> Self {
        Wakers {
            entries: Vec::new(),
            free_head: NO_WAKER,
            last: NO_WAKER,
            due: Vec::new(),
            cache: [NO_WAKER; CACHE_SLOTS],
        }
    }

    /// Registers one more user of the most recently registered waker if `w`
    /// wakes like it, and returns its index; `None` if registering `w`
    /// needs a clone of it (which the caller makes outside the driver's
    /// borrow, then hands to [`register_owned`](Self::register_owned)).
    #[inline]
    pub(crate) fn register_same(&mut self, w: &Waker) -> Option<u32> {
        if let Some(e) = self.entries.get_mut(self.last as usize) {
            if e.wakes_like(w) {
                e.users += 1;
                return Some(self.last);
            }
        }
        self.register_cached(w)
    }

    /// [`register_same`](Self::register_same) for a waker other than the
    /// most recent one: the entry the cache names for `w`'s data pointer,
    /// if it still holds a waker that wakes like `w` (a freed entry holds
    /// none, and a reused one is compared like any other).
    #[inline(never)]
    fn register_cached(&mut self, w: &Waker) -> Option<u32> {
        let i = self.cache[cache_slot(w.data())];
        let e = self.entries.get_mut(i as usize)?;
        if e.wakes_like(w) {
            e.users += 1;
            return Some(i);
        }
        None
    }

    /// Registers one user of `w`, a clone the caller made, and returns its
    /// index. A waker this replaces as the most recent one, if nobody uses
    /// it any more, goes to `retired`, to be dropped outside the driver's
    /// borrow; so does `w` itself if an equivalent waker is stored already.
    #[cold]
    pub(crate) fn register_owned(&mut self, w: Waker, retired: &mut Vec<Retired>) -> u32 {
        if let Some(i) = self.register_same(&w) {
            retired.push(Rc::new(w));
            return i;
        }
        let entry = Entry {
            data: w.data(),
            vtable: w.vtable(),
            waker: Some(Rc::new(w)),
            users: 1,
            due: false,
            next_free: NO_WAKER,
        };
        // The previous most recent waker may have been kept after its last
        // user left (see `unregister`); it is not the most recent any more.
        self.release_idle(retired);
        let index = if self.free_head != NO_WAKER {
            let i = self.free_head;
            let e = &mut self.entries[i as usize];
            self.free_head = e.next_free;
            // The entry replaced is free: it holds no waker to drop here.
            *e = entry;
            i
        } else {
            self.entries.push(entry);
            (self.entries.len() - 1) as u32
        };
        self.last = index;
        if let Some(e) = self.entries.get(index as usize) {
            self.cache[cache_slot(e.data)] = index;
        }
        index
    }

    /// Moves a user of waker `index` to one that wakes like `w` (the
    /// operation was polled again, perhaps by another task), if that needs
    /// no clone: `w` wakes like waker `index` itself, or like the most
    /// recent one. Returns the new index, or `None` if a clone of `w` is
    /// needed (see [`update_owned`](Self::update_owned)). A waker that lost
    /// its last user goes to `retired`.
    #[inline]
    pub(crate) fn update_same(&mut self, index: u32, w: &Waker, retired: &mut Vec<Retired>) -> Option<u32> {
        if self.entries.get(index as usize).is_some_and(|e| e.wakes_like(w)) {
            return Some(index);
        }
        let new = self.register_same(w)?;
        if let Some(old) = self.unregister(index) {
            retired.push(old);
        }
        Some(new)
    }

    /// Moves a user of waker `index` (`NO_WAKER` for none) to `w`, a clone
    /// the caller made. Returns the new index.
    #[cold]
    pub(crate) fn update_owned(&mut self, index: u32, w: Waker, retired: &mut Vec<Retired>) -> u32 {
        let new = self.register_owned(w, retired);
        if let Some(old) = self.unregister(index) {
            retired.push(old);
        }
        new
    }

    /// Removes one user of waker `index` (`NO_WAKER` is ignored). Returns
    /// the waker if that was its last user, for the caller to drop outside
    /// the driver's borrow (a foreign waker's destructor may call back into
    /// the driver). The most recently registered waker is kept even then,
    /// since its task is the likeliest to start the next operation (a task
    /// awaiting one operation at a time would otherwise clone and drop its
    /// waker for every operation); `register_owned` lets it go when another
    /// waker takes its place, and `release_idle` at the driver's next turn.
    #[inline]
    #[must_use = "drop the waker outside the driver's borrow"]
    pub(crate) fn unregister(&mut self, index: u32) -> Option<Retired> {
        let e = self.entries.get_mut(index as usize)?;
        debug_assert!(e.users > 0, "unregistering a waker nobody uses");
        e.users -= 1;
        if e.users > 0 {
            return None;
        }
        // Its due mark (if any) goes: nobody is left to wake.
        e.due = false;
        if index == self.last {
            return None;
        }
        self.free_if_idle(index)
    }

    /// Removes the user of waker `index` whose operation ended and was
    /// collected (`NO_WAKER` is ignored). As [`unregister`](Self::unregister),
    /// except that the waker becomes the most recent one, and is kept even
    /// if that was its last user: the task that collects an operation is
    /// the one most likely to start the next, in the same poll (a
    /// connection's task reads, then writes, then reads again). When many
    /// tasks take turns, the most recently *registered* waker is another
    /// task's by then, and without this each operation would clone its
    /// task's waker and store it anew (an allocation for its shared cell),
    /// whether the task had no other operation in flight or kept one (a
    /// multishot receive) that still uses the waker. The waker this one
    /// replaces as the most recent, if nobody uses it, is returned, to be
    /// dropped outside the driver's borrow.
    #[inline]
    #[must_use = "drop the waker outside the driver's borrow"]
    pub(crate) fn release(&mut self, index: u32) -> Option<Retired> {
        let e = self.entries.get_mut(index as usize)?;
        debug_assert!(e.users > 0, "releasing a waker nobody uses");
        e.users -= 1;
        if e.users == 0 {
            // Its due mark (if any) goes: nobody is left to wake.
            e.due = false;
        }
        if index == self.last {
            return None;
        }
        self.make_most_recent(index)
    }

    /// The rest of [`release`](Self::release) for a waker that was not the
    /// most recent one (out of line: a task awaiting its operations one at
    /// a time, or many of them at once, collects each with the most recent
    /// waker).
    #[inline(never)]
    fn make_most_recent(&mut self, index: u32) -> Option<Retired> {
        let e = self.entries.get(index as usize)?;
        self.cache[cache_slot(e.data)] = index;
        let previous = core::mem::replace(&mut self.last, index);
        self.free_if_idle(previous)
    }

    /// Makes waker `index` the most recent one, as [`release`](Self::release)
    /// does for a collected operation, without removing a user: a stream
    /// delivered an item to its task, which is the one likeliest to start
    /// an operation next, in the same poll (a connection's task answers
    /// what its multishot receive brought). Otherwise that operation finds
    /// another task's waker as the most recent and depends on the cache,
    /// where tasks whose data pointers collide evict each other, so each
    /// such operation cloned its task's waker into a new `Rc`. The waker
    /// this one replaces as the most recent, if nobody uses it, is
    /// returned, to be dropped outside the driver's borrow.
    #[inline]
    #[must_use = "drop the waker outside the driver's borrow"]
    pub(crate) fn touch(&mut self, index: u32) -> Option<Retired> {
        if index == self.last {
            return None;
        }
        // A free entry (no waker) is never made the most recent.
        let e = self.entries.get(index as usize).filter(|e| e.waker.is_some())?;
        let slot = cache_slot(e.data);
        let previous = core::mem::replace(&mut self.last, index);
        self.cache[slot] = index;
        self.free_if_idle(previous)
    }

    /// Frees waker entry `index` if it holds a waker nobody uses, and
    /// returns the waker (to be dropped outside the driver's borrow). The
    /// caller makes sure `index` is not the most recent one any more.
    #[inline]
    fn free_if_idle(&mut self, index: u32) -> Option<Retired> {
        let e = self.entries.get_mut(index as usize)?;
        if e.users > 0 {
            return None;
        }
        let w = e.waker.take()?;
        e.vtable = core::ptr::null();
        e.due = false;
        e.next_free = self.free_head;
        self.free_head = index;
        Some(w)
    }

    /// Lets go of the most recent waker if nobody uses it any more. Called
    /// whenever the driver turns, so an idle waker is kept only between one
    /// operation's end and the next one's start on the same task, never
    /// indefinitely: a waker may own its task, and the task a handle to
    /// the driver, which would otherwise be kept alive by its own table.
    pub(crate) fn release_idle(&mut self, retired: &mut Vec<Retired>) {
        let last = self.last;
        if self.entries.get(last as usize).is_some_and(|e| e.users == 0) {
            self.last = NO_WAKER;
            if let Some(w) = self.free_if_idle(last) {
                retired.push(w);
            }
        }
    }

    /// Takes every waker out (teardown): each is returned to be woken, so
    /// that whoever waits on an operation finds the driver closed.
    pub(crate) fn take_all(&mut self, out: &mut Vec<Rc<Waker>>) {
        self.due.clear();
        for e in &mut self.entries {
            e.due = false;
            e.users = 0;
            if let Some(w) = e.waker.take() {
                out.push(w);
            }
        }
        self.entries.clear();
        self.free_head = NO_WAKER;
        self.last = NO_WAKER;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    pub(super) struct Count(pub(super) AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Registers `w` as the driver does: without a clone if it wakes like
    /// the most recent waker, else with a clone made by the caller.
    pub(super) fn register(t: &mut Wakers, w: &Waker, retired: &mut Vec<Retired>) -> u32 {
        t.register_same(w).unwrap_or_else(|| t.register_owned(w.clone(), retired))
    }

    #[test]
    fn one_waker_is_stored_once_and_woken_once_per_turn() {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        let w = Waker::from(c.clone());
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let a = register(&mut t, &w, &mut retired);
        assert_eq!(t.register_same(&w), Some(a), "the second registration needs no clone");
        let b = a;
        // One clone in the table (plus ours and the Arc in `c`).
        assert_eq!(Arc::strong_count(&c), 3);
        t.mark_due(a);
        t.mark_due(b);
        let mut out = Vec::new();
        t.take_due(&mut out);
        assert_eq!(out.len(), 1);
        // Handed out by reference count: no clone of the waker itself.
        assert_eq!(Arc::strong_count(&c), 3);
        out.drain(..).for_each(|w| w.wake_by_ref());
        assert_eq!(c.0.load(Ordering::SeqCst), 1);
        assert!(t.unregister(a).is_none());
        // The most recent waker outlives its last user, for the next
        // operation of the same task: registering again clones nothing.
        assert!(t.unregister(b).is_none());
        assert_eq!(Arc::strong_count(&c), 3);
        assert_eq!(t.register_same(&w), Some(a));
        assert_eq!(Arc::strong_count(&c), 3);
        assert!(t.unregister(a).is_none());
        // Another waker takes its place: the idle one is handed out.
        let other = Waker::from(Arc::new(Count(AtomicUsize::new(0))));
        assert_eq!(t.register_same(&other), None, "another waker needs a clone");
        t.register_owned(other.clone(), &mut retired);
        assert_eq!(retired.len(), 1);
        retired.clear();
        assert_eq!(Arc::strong_count(&c), 2);
        assert!(retired.is_empty());
    }

    #[test]
    fn a_collected_operations_waker_is_kept_for_its_tasks_next_operation() {
        let (ca, cb) = (Arc::new(Count(AtomicUsize::new(0))), Arc::new(Count(AtomicUsize::new(0))));
        let (wa, wb) = (Waker::from(ca.clone()), Waker::from(cb.clone()));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let a = register(&mut t, &wa, &mut retired);
        let b = register(&mut t, &wb, &mut retired);
        // Task a collects its operation: b is the most recent registration,
        // yet a's waker stays, and a's next operation needs no clone.
        assert!(t.release(a).is_none(), "b is in use: nothing to retire");
        assert_eq!(t.register_same(&wa), Some(a));
        assert_eq!(Arc::strong_count(&ca), 3, "no clone made");
        // b collects, and a's operation is still in flight: nothing retired.
        assert!(t.release(b).is_none());
        assert_eq!(t.register_same(&wb), Some(b));
        // a collects and starts nothing: the turn lets its waker go.
        assert!(t.release(b).is_none());
        assert!(t.release(a).is_some(), "b became idle when a took its place");
        t.release_idle(&mut retired);
        assert_eq!(retired.len(), 1);
        retired.clear();
        assert_eq!(Arc::strong_count(&ca), 2);
        assert_eq!(Arc::strong_count(&cb), 2);
    }

    #[test]
    fn a_waker_still_used_by_a_stream_is_found_for_its_tasks_next_operation() {
        let (wa, wb) =
            (Waker::from(Arc::new(Count(AtomicUsize::new(0)))), Waker::from(Arc::new(Count(AtomicUsize::new(0)))));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        // Task a keeps a stream in flight and starts an operation; task b
        // registers after it.
        let stream = register(&mut t, &wa, &mut retired);
        assert_eq!(t.register_same(&wa), Some(stream));
        register(&mut t, &wb, &mut retired);
        // a collects its operation; the stream still uses the waker, and a's
        // next operation finds it without a clone or a second entry.
        assert!(t.release(stream).is_none());
        assert_eq!(t.register_same(&wa), Some(stream));
        assert_eq!(t.entries.iter().filter(|e| e.waker.is_some()).count(), 2);
    }

    #[test]
    fn a_streams_item_makes_its_tasks_waker_the_one_found_first() {
        let (wa, wb) =
            (Waker::from(Arc::new(Count(AtomicUsize::new(0)))), Waker::from(Arc::new(Count(AtomicUsize::new(0)))));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        // Task a's stream is in flight; task b registered after it, and a's
        // cache slot now names another entry (a collision).
        let stream = register(&mut t, &wa, &mut retired);
        let other = register(&mut t, &wb, &mut retired);
        t.cache[cache_slot(wa.data())] = other;
        assert_eq!(t.register_same(&wa), None, "without the item, a's next operation needs a clone");
        // The stream hands a its item: a's next operation finds its waker.
        assert!(t.touch(stream).is_none(), "b's waker is still used");
        assert_eq!(t.register_same(&wa), Some(stream));
        assert_eq!(t.entries[stream as usize].users, 2);
        // Touching the most recent waker, or none, changes nothing.
        assert!(t.touch(stream).is_none());
        assert!(t.touch(NO_WAKER).is_none());
        assert_eq!(t.last, stream);
    }

    #[test]
    fn a_touch_hands_out_the_idle_waker_it_replaces() {
        let (wa, wb) =
            (Waker::from(Arc::new(Count(AtomicUsize::new(0)))), Waker::from(Arc::new(Count(AtomicUsize::new(0)))));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let stream = register(&mut t, &wa, &mut retired);
        // b's operation is collected: its waker is kept as the most recent
        // with no user left.
        let b = register(&mut t, &wb, &mut retired);
        assert!(t.release(b).is_none());
        let idle = t.touch(stream).expect("b's idle waker is handed out");
        assert!(idle.will_wake(&wb));
        assert!(t.entries[b as usize].waker.is_none(), "b's entry is free");
    }

    #[test]
    fn an_owned_clone_like_the_stored_one_is_retired() {
        let c = Arc::new(Count(AtomicUsize::new(0)));
        let w = Waker::from(c.clone());
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let a = register(&mut t, &w, &mut retired);
        assert_eq!(t.register_owned(w.clone(), &mut retired), a);
        assert_eq!(retired.len(), 1, "the duplicate goes out to be dropped");
        assert!(t.unregister(a).is_none());
        assert!(t.unregister(a).is_none());
    }

    #[test]
    fn different_wakers_get_different_entries_and_freed_ones_are_reused() {
        let c1 = Arc::new(Count(AtomicUsize::new(0)));
        let c2 = Arc::new(Count(AtomicUsize::new(0)));
        let (w1, w2) = (Waker::from(c1.clone()), Waker::from(c2.clone()));
        let mut t = Wakers::new();
        let mut retired = Vec::new();
        let a = register(&mut t, &w1, &mut retired);
        let b = register(&mut t, &w2, &mut retired);
        assert_ne!(a, b);
        // Marked, then freed before the turn: nobody is woken.
        t.mark_due(a);
        drop(t.unregister(a).expect("not the most recent: freed"));
        let c = register(&mut t, &w2, &mut retired);
        assert_eq!(c, b);
        assert_eq!(t.update_same(c, &w1, &mut retired), None, "w1 is no longer stored: a clone is needed");
        let d = t.update_owned(c, w1.clone(), &mut retired);
        assert!(retired.is_empty(), "b still has a user");
        assert_eq!(d, a, "the freed entry is reused");
        assert_eq!(t.update_same(d, &w1, &mut retired), Some(d));
        let mut out = Vec::new();
        t.take_due(&mut out);
        assert!(out.is_empty());
        t.take_all(&mut out);
        assert_eq!(out.len(), 2);
    }
}
