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
use core::task::Waker;
use std::collections::VecDeque;
use std::rc::Rc;

mod acquire;
mod permit;

pub use acquire::{Acquire, AcquireOwned};
pub use permit::{OwnedPermit, Permit};

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
