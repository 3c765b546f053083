//! Channels between tasks, and into a runtime from other threads.
//!
//! - [`oneshot`]: one value, from one task to another.
//! - [`mpsc`]: many senders, one receiver, on one thread: bounded (a full
//!   channel makes senders wait, in FIFO order: backpressure) or unbounded.
//!   `Rc`-based, no atomics.
//! - [`remote`]: a `Send` channel whose senders live on other threads and
//!   whose receiver is awaited on the runtime; a send wakes the receiving
//!   task through the runtime's cross-thread wake-up (its eventfd, when it
//!   is parked in the ring).
//!
//! Every waker is woken, and every value dropped, with no channel state
//! borrowed: a waker or destructor that calls back into the channel, or
//! panics, finds it consistent. A waker that panics when woken by a send
//! makes that send panic after the value is queued, never losing it.

pub mod mpsc;
pub mod oneshot;
pub mod remote;

use core::task::Waker;

/// Why a send failed: the receiving side is gone (or closed); the value is
/// given back.
#[derive(PartialEq, Eq, Clone, Copy)]
pub struct SendError<T>(pub T);

impl<T> core::fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> core::fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the receiver is gone or closed")
    }
}

impl<T> std::error::Error for SendError<T> {}

/// Why a `try_send` failed; the value is given back.
///
/// ```
/// use ring_core::channel::{mpsc, SendError, TryRecvError, TrySendError};
///
/// let (tx, mut rx) = mpsc::channel::<u8>(1);
/// tx.try_send(1).unwrap();
/// let full: TrySendError<u8> = tx.try_send(2).unwrap_err();
/// assert!(matches!(full, TrySendError::Full(2)));
/// assert_eq!(full.into_inner(), 2);
/// assert_eq!(rx.try_recv(), Ok(1));
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(rx);
/// assert!(matches!(tx.try_send(3), Err(TrySendError::Closed(3))));
///
/// let (utx, rx) = mpsc::unbounded_channel::<u8>();
/// drop(rx);
/// let SendError(back) = utx.send(4).unwrap_err();
/// assert_eq!(back, 4);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel is full now.
    Full(T),
    /// The receiver is gone or closed.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }
}

impl<T> core::fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> core::fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("the channel is full"),
            TrySendError::Closed(_) => f.write_str("the receiver is gone or closed"),
        }
    }
}

impl<T> std::error::Error for TrySendError<T> {}

/// Why a `try_recv` found nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing now; senders remain.
    Empty,
    /// Nothing, and nothing will come: every sender is gone.
    Disconnected,
}

impl core::fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("the channel is empty"),
            TryRecvError::Disconnected => f.write_str("the channel is empty and every sender is gone"),
        }
    }
}

impl std::error::Error for TryRecvError {}

/// Wakes `w` where the caller may be a destructor: a panic of the waker is
/// re-raised, unless the thread is already unwinding (a second panic would
/// abort), in which case it is leaked.
pub(crate) fn wake_contained(w: Option<Waker>) {
    let Some(w) = w else { return };
    if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || w.wake())) {
        if std::thread::panicking() {
            core::mem::forget(p);
        } else {
            std::panic::resume_unwind(p);
        }
    }
}
