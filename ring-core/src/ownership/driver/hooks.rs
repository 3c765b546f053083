//! The hooks an entry of the type-erased table keeps for its operation's type:
//! what runs when an orphan ends, what hands an orphaned stream its
//! completions, and what drops a value that never reached the kernel. Each is
//! monomorphised where the operation's type is known (a start, a chain push)
//! and called where it is not (completion routing, teardown).

#![allow(unsafe_code)]

use crate::ownership::driver::storage::Storage;
use crate::ownership::operation::Operation;
use crate::raw::cqueue::Cqe;

/// Work to run once the driver's state is no longer borrowed: an orphaned
/// operation's `Operation::orphaned`, which drops values whose destructors
/// may call back into the driver (a buffer pool recycling, a future).
pub(super) type Finisher = Box<dyn FnOnce()>;

/// Takes an orphaned operation's value out of its cell and packages
/// `T::orphaned` to run later (monomorphised per operation type and kept in
/// the entry, since the table is type-erased).
pub(super) type OrphanHook = unsafe fn(&Storage, usize, Cqe, Cqe) -> Option<Finisher>;

/// # Safety
///
/// Cell `index` must hold a `T` whose operation has ended.
pub(super) unsafe fn orphan_hook<T: Operation>(
    storage: &Storage,
    index: usize,
    result: Cqe,
    last: Cqe,
) -> Option<Finisher> {
    // SAFETY: per the contract, the kernel is done with the value.
    let op = unsafe { storage.take::<T>(index) }?;
    Some(Box::new(move || op.orphaned(result, last)))
}

/// Hands one completion of an orphaned multishot operation to
/// `T::orphaned_cqe` (monomorphised per operation type, like [`OrphanHook`]).
pub(super) type CqeHook = unsafe fn(&Storage, usize, Cqe);

/// # Safety
///
/// Cell `index` must hold a live `T` that nothing else references during
/// the call.
pub(super) unsafe fn cqe_hook<T: Operation>(storage: &Storage, index: usize, cqe: Cqe) {
    // SAFETY: per the contract, the cell holds a `T` nobody else uses now.
    if let Some(op) = unsafe { storage.get::<T>(index) } {
        // SAFETY: `op` points at the live value in its cell.
        unsafe { (*op).orphaned_cqe(cqe) };
    }
}

/// Takes a value that never reached the kernel out of its cell and
/// packages its drop as a [`Finisher`]: the value's destructor is foreign
/// code, so it runs once the driver's state is no longer borrowed.
pub(super) type DropLater = unsafe fn(&Storage, usize) -> Option<Finisher>;

/// # Safety
///
/// Cell `index` must hold a `T` whose SQE was never published.
pub(super) unsafe fn drop_later<T: Operation>(storage: &Storage, index: usize) -> Option<Finisher> {
    // SAFETY: per the contract, the kernel never saw the value.
    let op = unsafe { storage.take::<T>(index) }?;
    Some(Box::new(move || drop(op)))
}
