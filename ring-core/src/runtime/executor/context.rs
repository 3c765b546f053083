//! What "the current runtime" means on a thread: a stack of entries, one
//! per loop that drives a driver here (a [`Runtime::block_on`] in
//! progress, or an external loop such as
//! [`compat::tokio::drive`](crate::compat)), the innermost on top.
//!
//! The free functions ([`crate::task::spawn`], [`crate::time::sleep`],
//! [`crate::task::spawn_blocking`], ...) look here. An entry is removed by
//! the guard that pushed it, whatever the order guards are dropped in, and
//! the value it held (a driver handle, whose last drop may tear the driver
//! down and so run foreign code) is dropped with the stack not borrowed.
//!
//! [`Runtime::block_on`]: crate::Runtime::block_on

use super::task::Spawner;
use crate::kernel::Linux;
use crate::ownership::driver::Driver;
use crate::runtime::task::blocking::BlockingPool;
use core::any::Any;
use core::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

/// One loop driving a driver on this thread.
#[derive(Clone)]
pub(crate) struct Entry {
    /// The runtime's spawner (`None` for an external loop, which has no
    /// tasks of its own: its executor spawns them).
    pub(crate) spawner: Option<Spawner>,
    /// The driver (a `Driver<K>`, type-erased so runtimes on any kernel
    /// can push one; the free functions use it only on the real kernel).
    pub(crate) driver: Rc<dyn Any>,
    /// The runtime's pool for blocking work, if it has one.
    pub(crate) blocking: Option<Arc<BlockingPool>>,
}

struct Slot {
    id: u64,
    entry: Entry,
}

thread_local! {
    static STACK: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

/// Removes its entry when dropped.
pub(crate) struct Guard {
    id: u64,
    /// Not `Send`: the entry is on this thread's stack.
    _local: core::marker::PhantomData<*const ()>,
}

/// Pushes `entry` as the innermost loop of this thread.
pub(crate) fn enter(entry: Entry) -> Guard {
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    STACK.with(|s| s.borrow_mut().push(Slot { id, entry }));
    Guard { id, _local: core::marker::PhantomData }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let removed = STACK
            .try_with(|s| {
                let mut s = s.borrow_mut();
                let at = s.iter().rposition(|slot| slot.id == self.id)?;
                Some(s.remove(at))
            })
            .ok()
            .flatten();
        // Dropped here, with the stack not borrowed: the driver handle's
        // drop may tear the driver down, which runs foreign code.
        drop(removed);
    }
}

/// The innermost entry, cloned (no foreign code runs for the clone).
pub(crate) fn current() -> Option<Entry> {
    STACK.try_with(|s| s.borrow().last().map(|slot| slot.entry.clone())).ok().flatten()
}

/// The innermost entry with a spawner (a runtime's `block_on`).
pub(crate) fn current_runtime() -> Option<Entry> {
    STACK
        .try_with(|s| s.borrow().iter().rev().find(|slot| slot.entry.spawner.is_some()).map(|slot| slot.entry.clone()))
        .ok()
        .flatten()
}

/// The innermost driver on the real kernel.
pub(crate) fn current_driver() -> Option<Driver<Linux>> {
    let entry = current()?;
    entry.driver.downcast_ref::<Driver<Linux>>().cloned()
}
