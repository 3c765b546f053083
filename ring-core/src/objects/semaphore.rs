//! [`Semaphore`]: a fair counting semaphore for tasks on one thread, to
//! bound how much work is in flight (see [`crate::guide::limits`]).
//!
//! Waiters are served in FIFO order: a released permit goes straight to the
//! oldest waiter (held for it until it takes it), and no caller overtakes
//! the queue, not even a [`try_acquire`](Semaphore::try_acquire) that finds
//! permits free while someone waits. A waiter asking for several permits
//! holds up the ones behind it until it has them all, so a large request is
//! never starved by small ones.
//!
//! # Cancellation
//!
//! Dropping an acquire future never loses a permit: queued, it leaves the
//! queue (and the waiter behind it may then be served); granted but not yet
//! taken, it gives its permits back to the next waiter. Forgetting one
//! (`mem::forget`) leaks, as forgetting always may: its place in the queue
//! stays taken, and permits granted to it are never returned.
//!
//! A permit gives its permits back when dropped, to the oldest waiter first.
//! An [`OwnedPermit`] (from a `Rc<Semaphore>`) can move into an operation
//! with [`KeepAlive`](crate::ops::KeepAlive), so the permit is returned when
//! the kernel is done with the operation, even if the future awaiting it
//! was dropped: the bound then holds for what the kernel has in flight.
//!
//! The semaphore is single-threaded (`!Sync`): every waker is cloned,
//! woken and dropped with its state not borrowed, so a waker that calls
//! back into the semaphore, or panics, finds it consistent.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::rc::Rc;

/// One queued acquire.
struct Waiter {
    need: usize,
    /// The permits were handed to this waiter (it is out of the queue).
    granted: Cell<bool>,
    /// The semaphore was closed while it waited.
    closed: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

struct State {
    permits: usize,
    closed: bool,
    waiters: VecDeque<Rc<Waiter>>,
}

/// A fair counting semaphore; see the [module docs](self).
///
/// ```
/// use ring_core::semaphore::Semaphore;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let limit = Rc::new(Semaphore::new(2));
/// let peak = rt.block_on(async {
///     let running = Rc::new(std::cell::Cell::new(0));
///     let peak = Rc::new(std::cell::Cell::new(0));
///     let mut set = ring_core::task::JoinSet::new();
///     for _ in 0..10 {
///         let (limit, running, peak) = (limit.clone(), running.clone(), peak.clone());
///         set.spawn(async move {
///             let _permit = limit.acquire().await.unwrap();
///             running.set(running.get() + 1);
///             peak.set(peak.get().max(running.get()));
///             ring_core::task::yield_now().await;
///             running.set(running.get() - 1);
///         });
///     }
///     while set.join_next().await.is_some() {}
///     peak.get()
/// })?;
/// assert_eq!(peak, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Semaphore {
    state: RefCell<State>,
}

/// Why an acquire failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AcquireError {
    /// The semaphore was closed ([`Semaphore::close`]).
    Closed,
    /// More permits were asked for than a semaphore can hold
    /// ([`Semaphore::MAX_PERMITS`]): the request could never be met.
    TooMany {
        /// What was asked for.
        asked: usize,
    },
}

impl core::fmt::Display for AcquireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            AcquireError::Closed => f.write_str("the semaphore is closed"),
            AcquireError::TooMany { asked } => {
                write!(f, "{asked} permits asked for; a semaphore holds at most {}", Semaphore::MAX_PERMITS)
            }
        }
    }
}

impl std::error::Error for AcquireError {}

/// Why a `try_acquire` failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryAcquireError {
    /// Not enough permits free now, or others are waiting ahead.
    NoPermits,
    /// The semaphore was closed.
    Closed,
    /// More permits were asked for than a semaphore can hold.
    TooMany {
        /// What was asked for.
        asked: usize,
    },
}

impl core::fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TryAcquireError::NoPermits => f.write_str("no permits free now"),
            TryAcquireError::Closed => f.write_str("the semaphore is closed"),
            TryAcquireError::TooMany { asked } => {
                write!(f, "{asked} permits asked for; a semaphore holds at most {}", Semaphore::MAX_PERMITS)
            }
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// Wakes each waker, each call contained: a waker that panics does not keep
/// the others from being woken. The first panic is re-raised at the end,
/// unless the thread is already unwinding (then it is leaked: a second
/// panic would abort).
fn wake_all(wakers: Vec<Waker>) {
    let mut first = None;
    for w in wakers {
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || w.wake())) {
            if first.is_none() {
                first = Some(p);
            } else {
                core::mem::forget(p);
            }
        }
    }
    if let Some(p) = first {
        if std::thread::panicking() {
            core::mem::forget(p);
        } else {
            std::panic::resume_unwind(p);
        }
    }
}

impl Semaphore {
    /// The most permits a semaphore holds; larger counts are lowered to it.
    pub const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore with `permits` permits (at most
    /// [`MAX_PERMITS`](Self::MAX_PERMITS); more is lowered to that).
    pub fn new(permits: usize) -> Self {
        Semaphore {
            state: RefCell::new(State {
                permits: permits.min(Self::MAX_PERMITS),
                closed: false,
                waiters: VecDeque::new(),
            }),
        }
    }

    /// Permits free now (not counting those granted to waiters).
    pub fn available_permits(&self) -> usize {
        self.state.borrow().permits
    }

    /// Callers waiting in the queue.
    pub fn waiting(&self) -> usize {
        self.state.borrow().waiters.len()
    }

    /// Adds `n` permits (the total saturates at
    /// [`MAX_PERMITS`](Self::MAX_PERMITS)), serving waiters in order.
    ///
    /// ```
    /// use ring_core::semaphore::Semaphore;
    ///
    /// let s = Semaphore::new(0);
    /// s.add_permits(3);
    /// assert_eq!(s.available_permits(), 3);
    /// ```
    pub fn add_permits(&self, n: usize) {
        let wake = {
            let mut s = self.state.borrow_mut();
            s.permits = s.permits.saturating_add(n).min(Self::MAX_PERMITS);
            Self::grant(&mut s)
        };
        wake_all(wake);
    }

    /// Hands free permits to the waiters at the head of the queue, in
    /// order; returns their wakers, to wake once the state is released.
    fn grant(s: &mut State) -> Vec<Waker> {
        let mut wake = Vec::new();
        while s.waiters.front().is_some_and(|w| w.need <= s.permits) {
            let Some(w) = s.waiters.pop_front() else { break };
            s.permits -= w.need;
            w.granted.set(true);
            let waker = w.waker.borrow_mut().take();
            wake.extend(waker);
        }
        wake
    }

    /// Closes the semaphore: waiters and later acquires fail with
    /// [`AcquireError::Closed`]. Permits already held stay valid (and are
    /// returned as usual).
    ///
    /// ```
    /// use ring_core::semaphore::{Semaphore, TryAcquireError};
    ///
    /// let s = Semaphore::new(1);
    /// s.close();
    /// assert!(s.is_closed());
    /// assert_eq!(s.try_acquire().unwrap_err(), TryAcquireError::Closed);
    /// ```
    pub fn close(&self) {
        let waiters = {
            let mut s = self.state.borrow_mut();
            s.closed = true;
            core::mem::take(&mut s.waiters)
        };
        let mut wake = Vec::new();
        for w in waiters {
            w.closed.set(true);
            let waker = w.waker.borrow_mut().take();
            wake.extend(waker);
        }
        wake_all(wake);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.state.borrow().closed
    }

    /// Takes `n` permits now, if they are free and nobody waits ahead.
    fn try_take(&self, n: usize) -> Result<(), TryAcquireError> {
        if n > Self::MAX_PERMITS {
            return Err(TryAcquireError::TooMany { asked: n });
        }
        let mut s = self.state.borrow_mut();
        if s.closed {
            return Err(TryAcquireError::Closed);
        }
        if !s.waiters.is_empty() || s.permits < n {
            return Err(TryAcquireError::NoPermits);
        }
        s.permits -= n;
        Ok(())
    }

    /// Gives `n` permits back (a permit dropped, a granted acquire dropped).
    fn release(&self, n: usize) {
        let wake = {
            let Ok(mut s) = self.state.try_borrow_mut() else {
                // Not reached: no foreign code runs while the state is
                // borrowed, so no permit can be dropped then.
                return;
            };
            s.permits = s.permits.saturating_add(n).min(Self::MAX_PERMITS);
            Self::grant(&mut s)
        };
        wake_all(wake);
    }

    /// A permit, or waits for one in FIFO order.
    ///
    /// ```
    /// use ring_core::semaphore::Semaphore;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let s = Semaphore::new(1);
    /// rt.block_on(async {
    ///     let p = s.acquire().await.unwrap();
    ///     assert_eq!(s.available_permits(), 0);
    ///     drop(p);
    ///     assert_eq!(s.available_permits(), 1);
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.acquire_many(1)
    }

    /// `n` permits at once, or waits for them in FIFO order (holding up the
    /// waiters behind it). `n` above [`MAX_PERMITS`](Self::MAX_PERMITS)
    /// fails with [`AcquireError::TooMany`]; `n == 0` succeeds at once
    /// unless the semaphore is closed.
    pub fn acquire_many(&self, n: usize) -> Acquire<'_> {
        Acquire { sem: self, wait: Wait { need: n, waiter: None, done: false } }
    }

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

    /// A permit that owns a reference to the semaphore, so it can move into
    /// a task or an operation ([`KeepAlive`](crate::ops::KeepAlive)).
    ///
    /// ```
    /// use ring_core::semaphore::Semaphore;
    /// use std::rc::Rc;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let s = Rc::new(Semaphore::new(1));
    /// rt.block_on(async {
    ///     let permit = s.acquire_owned().await.unwrap();
    ///     let task = ring_core::task::spawn(async move {
    ///         let _held = permit;
    ///     });
    ///     task.await.unwrap();
    /// })?;
    /// assert_eq!(s.available_permits(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn acquire_owned(self: &Rc<Self>) -> AcquireOwned {
        self.acquire_many_owned(1)
    }

    /// `n` permits, owned (see [`acquire_many`](Self::acquire_many)).
    pub fn acquire_many_owned(self: &Rc<Self>, n: usize) -> AcquireOwned {
        AcquireOwned { sem: self.clone(), wait: Wait { need: n, waiter: None, done: false } }
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

impl core::fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.state.try_borrow() {
            Ok(s) => f
                .debug_struct("Semaphore")
                .field("permits", &s.permits)
                .field("waiting", &s.waiters.len())
                .field("closed", &s.closed)
                .finish(),
            Err(_) => f.write_str("Semaphore { .. }"),
        }
    }
}

/// The waiting part shared by [`Acquire`] and [`AcquireOwned`].
struct Wait {
    need: usize,
    waiter: Option<Rc<Waiter>>,
    done: bool,
}

impl Wait {
    fn poll(&mut self, sem: &Semaphore, cx: &mut Context<'_>) -> Poll<Result<(), AcquireError>> {
        if self.done {
            // Polled after it resolved: stays pending.
            return Poll::Pending;
        }
        let Some(w) = self.waiter.clone() else {
            if self.need > Semaphore::MAX_PERMITS {
                self.done = true;
                return Poll::Ready(Err(AcquireError::TooMany { asked: self.need }));
            }
            let w = {
                let mut s = sem.state.borrow_mut();
                if s.closed {
                    self.done = true;
                    return Poll::Ready(Err(AcquireError::Closed));
                }
                if s.waiters.is_empty() && s.permits >= self.need {
                    s.permits -= self.need;
                    self.done = true;
                    return Poll::Ready(Ok(()));
                }
                let w = Rc::new(Waiter {
                    need: self.need,
                    granted: Cell::new(false),
                    closed: Cell::new(false),
                    waker: RefCell::new(None),
                });
                s.waiters.push_back(w.clone());
                w
            };
            // The place in the queue is recorded before the waker is cloned
            // (foreign code, with nothing borrowed): a clone that panics
            // leaves a queued waiter that this future's drop removes.
            self.waiter = Some(w.clone());
            let waker = cx.waker().clone();
            *w.waker.borrow_mut() = Some(waker);
            return self.check(&w);
        };
        if let Poll::Ready(r) = self.check(&w) {
            return Poll::Ready(r);
        }
        // Still waiting: the waker is replaced if it changed, the clone and
        // the old waker's drop made with nothing borrowed.
        let same = w.waker.borrow().as_ref().is_some_and(|old| old.will_wake(cx.waker()));
        if !same {
            let new = cx.waker().clone();
            let old = w.waker.borrow_mut().replace(new);
            drop(old);
        }
        // Granted or closed while the clone ran.
        self.check(&w)
    }

    fn check(&mut self, w: &Rc<Waiter>) -> Poll<Result<(), AcquireError>> {
        if w.granted.get() {
            self.waiter = None;
            self.done = true;
            Poll::Ready(Ok(()))
        } else if w.closed.get() {
            self.waiter = None;
            self.done = true;
            Poll::Ready(Err(AcquireError::Closed))
        } else {
            Poll::Pending
        }
    }

    /// The acquire is dropped: it leaves the queue, or gives back the
    /// permits granted to it.
    fn cancel(&mut self, sem: &Semaphore) {
        let Some(w) = self.waiter.take() else { return };
        if w.granted.get() {
            sem.release(w.need);
            return;
        }
        let wake = {
            let Ok(mut s) = sem.state.try_borrow_mut() else { return };
            s.waiters.retain(|x| !Rc::ptr_eq(x, &w));
            // The waiter may have held up smaller requests behind it.
            Semaphore::grant(&mut s)
        };
        // Its own waker is dropped here, with nothing borrowed.
        drop(w);
        wake_all(wake);
    }
}

/// The future of [`Semaphore::acquire`] and [`Semaphore::acquire_many`].
#[must_use = "futures do nothing unless polled"]
pub struct Acquire<'a> {
    sem: &'a Semaphore,
    wait: Wait,
}

impl<'a> Future for Acquire<'a> {
    type Output = Result<Permit<'a>, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.wait.poll(this.sem, cx).map(|r| r.map(|()| Permit { sem: this.sem, n: this.wait.need }))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        self.wait.cancel(self.sem);
    }
}

impl core::fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Acquire").field("need", &self.wait.need).finish_non_exhaustive()
    }
}

/// The future of [`Semaphore::acquire_owned`].
#[must_use = "futures do nothing unless polled"]
pub struct AcquireOwned {
    sem: Rc<Semaphore>,
    wait: Wait,
}

impl Future for AcquireOwned {
    type Output = Result<OwnedPermit, AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.wait.poll(&this.sem, cx).map(|r| r.map(|()| OwnedPermit { sem: this.sem.clone(), n: this.wait.need }))
    }
}

impl Drop for AcquireOwned {
    fn drop(&mut self) {
        self.wait.cancel(&self.sem);
    }
}

impl core::fmt::Debug for AcquireOwned {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AcquireOwned").field("need", &self.wait.need).finish_non_exhaustive()
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
    sem: &'a Semaphore,
    n: usize,
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
    sem: Rc<Semaphore>,
    n: usize,
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
