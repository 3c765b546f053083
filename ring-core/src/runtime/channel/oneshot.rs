//! A channel for one value.
//!
//! ```
//! use ring_core::channel::oneshot;
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let v = rt.block_on(async {
//!     let (tx, rx) = oneshot::channel();
//!     ring_core::task::spawn(async move { tx.send(42).unwrap() });
//!     rx.await
//! })?;
//! assert_eq!(v, Ok(42));
//! # Ok::<(), std::io::Error>(())
//! ```

use super::{wake_contained, TryRecvError};
use core::cell::Cell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::rc::Rc;

struct Inner<T> {
    value: Cell<Option<T>>,
    /// The sender is gone (sent, or dropped).
    tx_done: Cell<bool>,
    /// The receiver is gone or closed.
    rx_closed: Cell<bool>,
    rx_waker: Cell<Option<Waker>>,
    tx_waker: Cell<Option<Waker>>,
}

/// A oneshot channel: [`Sender::send`] hands one value to the
/// [`Receiver`], which is a future of it.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Rc::new(Inner {
        value: Cell::new(None),
        tx_done: Cell::new(false),
        rx_closed: Cell::new(false),
        rx_waker: Cell::new(None),
        tx_waker: Cell::new(None),
    });
    (Sender { inner: Some(inner.clone()) }, Receiver { inner, done: false })
}

/// Stores a clone of the waker in `slot` unless the one there wakes the
/// same task. The clone and the old waker's drop are foreign code; no
/// borrow is held (the slot is a `Cell`).
fn register(slot: &Cell<Option<Waker>>, cx: &Context<'_>) {
    let old = slot.take();
    match old {
        Some(w) if w.will_wake(cx.waker()) => slot.set(Some(w)),
        old => {
            let new = cx.waker().clone();
            slot.set(Some(new));
            drop(old);
        }
    }
}

/// The sending half.
///
/// ```
/// use ring_core::channel::oneshot::{self, Closed, Receiver, RecvError, Sender};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let (tx, rx): (Sender<&str>, Receiver<&str>) = oneshot::channel();
///     ring_core::task::spawn(async move { tx.send("done").unwrap() });
///     assert_eq!(rx.await, Ok("done"));
///
///     // The sender learns that nobody waits any more.
///     let (mut tx, mut rx) = oneshot::channel::<u8>();
///     assert!(!tx.is_closed());
///     rx.close();
///     let closed: Closed<'_, u8> = tx.closed();
///     closed.await;
///     std::future::poll_fn(|cx| tx.poll_closed(cx)).await;
///     assert!(tx.is_closed());
///
///     // A sender dropped without sending.
///     let (tx, rx) = oneshot::channel::<u8>();
///     drop(tx);
///     let e: RecvError = rx.await.unwrap_err();
///     println!("{e}");
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Sender<T> {
    inner: Option<Rc<Inner<T>>>,
}

impl<T> Sender<T> {
    /// Sends `v`, or gives it back if the receiver is gone or closed.
    ///
    /// ```
    /// let (tx, rx) = ring_core::channel::oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(1).unwrap_err(), 1);
    /// ```
    pub fn send(mut self, v: T) -> Result<(), T> {
        let Some(inner) = self.inner.take() else { return Err(v) };
        let result = if inner.rx_closed.get() {
            Err(v)
        } else {
            inner.value.set(Some(v));
            Ok(())
        };
        // Either way the sender is done: a receiver still polled after
        // closing learns it.
        inner.tx_done.set(true);
        let w = inner.rx_waker.take();
        drop(inner);
        if let Some(w) = w {
            w.wake();
        }
        result
    }

    /// Whether the receiver is gone or closed (a send would fail).
    pub fn is_closed(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| i.rx_closed.get())
    }

    /// Resolves once the receiver is gone or closed (to stop work nobody
    /// will receive).
    ///
    /// ```
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let (mut tx, rx) = ring_core::channel::oneshot::channel::<()>();
    ///     drop(rx);
    ///     tx.closed().await;
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn closed(&mut self) -> Closed<'_, T> {
        Closed { tx: self }
    }

    /// [`closed`](Self::closed) as a poll function.
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = self.inner.as_ref() else { return Poll::Ready(()) };
        if inner.rx_closed.get() {
            return Poll::Ready(());
        }
        register(&inner.tx_waker, cx);
        if inner.rx_closed.get() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else { return };
        inner.tx_done.set(true);
        let w = inner.rx_waker.take();
        drop(inner);
        wake_contained(w);
    }
}

impl<T> core::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender").field("closed", &self.is_closed()).finish()
    }
}

/// The future of [`Sender::closed`].
#[must_use = "futures do nothing unless polled"]
pub struct Closed<'a, T> {
    tx: &'a mut Sender<T>,
}

impl<T> Future for Closed<'_, T> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.tx.poll_closed(cx)
    }
}

/// The sender dropped without sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecvError(());

impl core::fmt::Display for RecvError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("the sender was dropped without sending")
    }
}

impl std::error::Error for RecvError {}

/// The receiving half: a future of the value, or [`RecvError`] if the
/// sender was dropped without sending.
pub struct Receiver<T> {
    inner: Rc<Inner<T>>,
    done: bool,
}

impl<T> Receiver<T> {
    /// The value if it was sent, without waiting.
    ///
    /// ```
    /// use ring_core::channel::{oneshot, TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(3).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.inner.value.take() {
            Some(v) => {
                self.done = true;
                Ok(v)
            }
            None if self.inner.tx_done.get() => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses the value from now on (a later send fails and gives it
    /// back); a value already sent can still be received.
    pub fn close(&mut self) {
        self.inner.rx_closed.set(true);
        let w = self.inner.tx_waker.take();
        wake_contained(w);
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.done {
            return Poll::Pending;
        }
        loop {
            match self.try_recv() {
                Ok(v) => return Poll::Ready(Ok(v)),
                Err(TryRecvError::Disconnected) => {
                    self.done = true;
                    return Poll::Ready(Err(RecvError(())));
                }
                Err(TryRecvError::Empty) => {}
            }
            register(&self.inner.rx_waker, cx);
            // Sent (or dropped) while the waker was cloned: look again.
            if self.inner.tx_done.get() {
                continue;
            }
            return Poll::Pending;
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.inner.rx_closed.set(true);
        // A value sent and never received is dropped here, with nothing
        // borrowed.
        let v = self.inner.value.take();
        let w = self.inner.tx_waker.take();
        drop(v);
        wake_contained(w);
    }
}

impl<T> core::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
