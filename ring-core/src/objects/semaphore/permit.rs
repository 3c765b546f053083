//! Permits held, given back when dropped: [`Permit`], [`OwnedPermit`], and
//! [`Semaphore::try_acquire`] and its kin, which take them without waiting.

use super::{Semaphore, TryAcquireError};
use std::rc::Rc;

impl Semaphore {
    /// A permit now, or [`TryAcquireError::NoPermits`] if none is free or
    /// others wait ahead.
    ///
    /// ```
    /// use ring_core::semaphore::{Semaphore, TryAcquireError};
    ///
    /// let s = Semaphore::new(1);
    /// let p = s.try_acquire().unwrap();
    /// assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    /// drop(p);
    /// assert!(s.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<Permit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// `n` permits now (see [`try_acquire`](Self::try_acquire)).
    pub fn try_acquire_many(&self, n: usize) -> Result<Permit<'_>, TryAcquireError> {
        self.try_take(n).map(|()| Permit { sem: self, n })
    }

    /// An owned permit now (see [`try_acquire`](Self::try_acquire)).
    pub fn try_acquire_owned(self: &Rc<Self>) -> Result<OwnedPermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// `n` owned permits now.
    pub fn try_acquire_many_owned(self: &Rc<Self>, n: usize) -> Result<OwnedPermit, TryAcquireError> {
        self.try_take(n).map(|()| OwnedPermit { sem: self.clone(), n })
    }
}

/// Permits borrowed from a [`Semaphore`], given back when dropped.
///
/// ```
/// use ring_core::semaphore::{
///     Acquire, AcquireError, AcquireOwned, OwnedPermit, Permit, Semaphore, TryAcquireError,
/// };
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let sem = Rc::new(Semaphore::new(3));
///     let acquire: Acquire<'_> = sem.acquire_many(2);
///     let two: Permit<'_> = acquire.await.unwrap();
///     assert_eq!((two.num_permits(), sem.available_permits()), (2, 1));
///     assert_eq!(sem.try_acquire_many(2).unwrap_err(), TryAcquireError::NoPermits);
///     drop(two);
///
///     // Owned permits hold the semaphore, for a task to keep.
///     let owned: AcquireOwned = sem.acquire_many_owned(2);
///     let p: OwnedPermit = owned.await.unwrap();
///     assert_eq!((p.num_permits(), p.semaphore().available_permits()), (2, 1));
///     let one = sem.try_acquire_owned().unwrap();
///     assert!(sem.try_acquire_many_owned(1).is_err());
///     assert_eq!(sem.waiting(), 0);
///     one.forget(); // the permit is not given back
///     drop(p);
///     assert_eq!(sem.available_permits(), 2);
///     sem.try_acquire().unwrap().forget();
///     assert_eq!(sem.available_permits(), 1);
///
///     sem.close();
///     assert!(sem.is_closed());
///     assert_eq!(sem.acquire().await.unwrap_err(), AcquireError::Closed);
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct Permit<'a> {
    pub(super) sem: &'a Semaphore,
    pub(super) n: usize,
}

impl Permit<'_> {
    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// Keeps the permits out of the semaphore for good (its capacity
    /// shrinks by them).
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release(self.n);
        }
    }
}

impl core::fmt::Debug for Permit<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Permit").field("n", &self.n).finish()
    }
}

/// Permits of a `Rc<Semaphore>`, given back when dropped; `'static`, so it
/// can move into a task or an operation.
#[must_use = "the permit is given back as soon as it is dropped"]
pub struct OwnedPermit {
    pub(super) sem: Rc<Semaphore>,
    pub(super) n: usize,
}

impl OwnedPermit {
    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.n
    }

    /// The semaphore.
    pub fn semaphore(&self) -> &Rc<Semaphore> {
        &self.sem
    }

    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.n = 0;
    }
}

impl Drop for OwnedPermit {
    fn drop(&mut self) {
        if self.n > 0 {
            self.sem.release(self.n);
        }
    }
}

impl core::fmt::Debug for OwnedPermit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OwnedPermit").field("n", &self.n).finish()
    }
}
