//! Many senders, one receiver, for tasks on one thread (`Rc`-based).
//!
//! [`channel`] is bounded: it holds at most `capacity` values, and a
//! [`Sender::send`] that finds it full waits for room, senders served in
//! the order they came (the channel's slots are a fair
//! [`Semaphore`]). That is the backpressure: a fast producer waits for a
//! slow consumer instead of growing a queue. [`unbounded_channel`] never
//! waits (and never bounds memory).
//!
//! ```
//! use ring_core::channel::mpsc;
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let got = rt.block_on(async {
//!     let (tx, mut rx) = mpsc::channel(2);
//!     for i in 0..3 {
//!         let tx = tx.clone();
//!         ring_core::task::spawn(async move {
//!             for j in 0..10 {
//!                 tx.send(i * 10 + j).await.unwrap();
//!             }
//!         });
//!     }
//!     drop(tx);
//!     let mut got = Vec::new();
//!     while let Some(v) = rx.recv().await {
//!         got.push(v);
//!     }
//!     got.sort();
//!     got
//! })?;
//! assert_eq!(got, (0..30).collect::<Vec<_>>());
//! # Ok::<(), std::io::Error>(())
//! ```

use super::{wake_contained, SendError, TryRecvError, TrySendError};
use crate::objects::semaphore::{AcquireOwned, Semaphore};
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::rc::Rc;

struct Chan<T> {
    queue: RefCell<VecDeque<T>>,
    /// The free slots of a bounded channel (`None`: unbounded). Closed when
    /// the receiver closes, which fails the waiting senders.
    slots: Option<Rc<Semaphore>>,
    capacity: usize,
    senders: Cell<usize>,
    rx_closed: Cell<bool>,
    rx_waker: Cell<Option<Waker>>,
}

impl<T> Chan<T> {
    fn new(slots: Option<Rc<Semaphore>>, capacity: usize) -> Rc<Self> {
        Rc::new(Chan {
            queue: RefCell::new(VecDeque::new()),
            slots,
            capacity,
            senders: Cell::new(1),
            rx_closed: Cell::new(false),
            rx_waker: Cell::new(None),
        })
    }

    /// Queues `v` (its slot already taken) and wakes the receiver.
    fn push(&self, v: T) {
        self.queue.borrow_mut().push_back(v);
        if let Some(w) = self.rx_waker.take() {
            w.wake();
        }
    }

    fn pop(&self) -> Option<T> {
        let v = self.queue.borrow_mut().pop_front()?;
        if let Some(slots) = &self.slots {
            // The slot is free again: the oldest waiting sender gets it.
            slots.add_permits(1);
        }
        Some(v)
    }

    fn drop_sender(&self) {
        let n = self.senders.get() - 1;
        self.senders.set(n);
        if n == 0 {
            wake_contained(self.rx_waker.take());
        }
    }

    fn close(&self) {
        self.rx_closed.set(true);
        if let Some(slots) = &self.slots {
            slots.close();
        }
    }
}

/// A bounded channel of `capacity` values (at least 1: a zero capacity is
/// taken as 1 rather than refused).
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Rc::new(Semaphore::new(capacity));
    let chan = Chan::new(Some(slots.clone()), capacity);
    (Sender { chan: chan.clone(), slots }, Receiver { chan })
}

/// An unbounded channel: sends never wait.
///
/// ```
/// use ring_core::channel::mpsc;
///
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// tx.send("a").unwrap();
/// tx.send("b").unwrap();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Ok("a"));
/// assert_eq!(rx.try_recv(), Ok("b"));
/// assert!(rx.try_recv().is_err());
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, Receiver<T>) {
    let chan = Chan::new(None, usize::MAX);
    (UnboundedSender { chan: chan.clone() }, Receiver { chan })
}

/// The sending half of a bounded channel; clone it for more senders.
///
/// ```
/// use ring_core::channel::mpsc::{self, Receiver, Recv, Send, Sender, UnboundedSender};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let (tx, mut rx): (Sender<u32>, Receiver<u32>) = mpsc::channel(2);
///     assert_eq!(tx.capacity(), 2);
///     let producer = ring_core::task::spawn({
///         let tx = tx.clone();
///         async move {
///             for i in 0..5 {
///                 // Waits while the channel is full.
///                 let send: Send<u32> = tx.send(i);
///                 send.await.unwrap();
///             }
///         }
///     });
///     let mut got = Vec::new();
///     while got.len() < 5 {
///         let next: Recv<'_, u32> = rx.recv();
///         got.push(next.await.expect("a sender remains"));
///     }
///     producer.await.unwrap();
///     assert_eq!(got, [0, 1, 2, 3, 4]);
///     assert!(rx.is_empty() && rx.len() == 0);
///     let polled = std::future::poll_fn(|cx| {
///         tx.try_send(9).unwrap();
///         rx.poll_recv(cx)
///     })
///     .await;
///     assert_eq!(polled, Some(9));
///     rx.close();
///     assert!(tx.is_closed());
///
///     let (utx, mut rx): (UnboundedSender<u32>, _) = mpsc::unbounded_channel();
///     utx.send(1).unwrap();
///     assert!(!utx.is_closed());
///     assert_eq!(rx.try_recv(), Ok(1));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Sender<T> {
    chan: Rc<Chan<T>>,
    slots: Rc<Semaphore>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.set(self.chan.senders.get() + 1);
        Sender { chan: self.chan.clone(), slots: self.slots.clone() }
    }
}

impl<T> Sender<T> {
    /// Sends `v`, waiting for a free slot (in FIFO order with the other
    /// waiting senders); gives `v` back if the receiver is gone or closed.
    /// Dropping the future gives up its place (and a slot granted to it)
    /// and drops `v`.
    ///
    /// ```
    /// use ring_core::channel::mpsc;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send(1).await.unwrap();
    ///     // The channel is full: this send waits until the receiver takes one.
    ///     let second = ring_core::task::spawn(async move { tx.send(2).await.is_ok() });
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    ///     assert!(second.await.unwrap());
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn send(&self, v: T) -> Send<T> {
        Send { chan: self.chan.clone(), value: Some(v), acquire: self.slots.acquire_owned() }
    }

    /// Sends `v` if a slot is free now.
    ///
    /// ```
    /// use ring_core::channel::{mpsc, TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        if self.chan.rx_closed.get() {
            return Err(TrySendError::Closed(v));
        }
        match self.slots.try_acquire() {
            Ok(permit) => {
                permit.forget();
                self.chan.push(v);
                Ok(())
            }
            Err(crate::objects::semaphore::TryAcquireError::NoPermits) => Err(TrySendError::Full(v)),
            Err(_) => Err(TrySendError::Closed(v)),
        }
    }

    /// Whether the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.rx_closed.get()
    }

    /// The channel's capacity.
    pub fn capacity(&self) -> usize {
        self.chan.capacity
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> core::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender").field("capacity", &self.chan.capacity).finish_non_exhaustive()
    }
}

/// The future of [`Sender::send`].
#[must_use = "futures do nothing unless polled"]
pub struct Send<T> {
    chan: Rc<Chan<T>>,
    value: Option<T>,
    acquire: AcquireOwned,
}

impl<T> Unpin for Send<T> {}

impl<T> Future for Send<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.value.is_none() {
            // Polled after it resolved: stays pending.
            return Poll::Pending;
        }
        match Pin::new(&mut this.acquire).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(permit)) => {
                // The slot now belongs to the value; the receiver frees it.
                permit.forget();
                let Some(v) = this.value.take() else { return Poll::Pending };
                if this.chan.rx_closed.get() {
                    // Closed between the grant and now: the slot is useless
                    // (the channel is closed for good), the value comes back.
                    return Poll::Ready(Err(SendError(v)));
                }
                this.chan.push(v);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(_)) => match this.value.take() {
                Some(v) => Poll::Ready(Err(SendError(v))),
                None => Poll::Pending,
            },
        }
    }
}

/// The sending half of an unbounded channel.
pub struct UnboundedSender<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        self.chan.senders.set(self.chan.senders.get() + 1);
        UnboundedSender { chan: self.chan.clone() }
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `v` at once; gives it back if the receiver is gone or closed.
    pub fn send(&self, v: T) -> Result<(), SendError<T>> {
        if self.chan.rx_closed.get() {
            return Err(SendError(v));
        }
        self.chan.push(v);
        Ok(())
    }

    /// Whether the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.rx_closed.get()
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> core::fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

/// The receiving half (of either kind of channel).
pub struct Receiver<T> {
    chan: Rc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The next value, or `None` once every sender is gone and the channel
    /// is empty (or it was closed and is empty). Dropping the future loses
    /// nothing.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { rx: self }
    }

    /// [`recv`](Self::recv) as a poll function.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        loop {
            match self.try_recv() {
                Ok(v) => return Poll::Ready(Some(v)),
                Err(TryRecvError::Disconnected) => return Poll::Ready(None),
                Err(TryRecvError::Empty) => {}
            }
            let old = self.chan.rx_waker.take();
            match old {
                Some(w) if w.will_wake(cx.waker()) => self.chan.rx_waker.set(Some(w)),
                old => {
                    // Cloned and dropped with nothing borrowed (the slot is
                    // a `Cell`).
                    let new = cx.waker().clone();
                    self.chan.rx_waker.set(Some(new));
                    drop(old);
                }
            }
            // A value (or the last sender's drop) may have come while the
            // waker was cloned.
            if !self.chan.queue.borrow().is_empty() || self.disconnected() {
                continue;
            }
            return Poll::Pending;
        }
    }

    fn disconnected(&self) -> bool {
        self.chan.senders.get() == 0 || self.chan.rx_closed.get()
    }

    /// The next value if there is one now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.chan.pop() {
            Some(v) => Ok(v),
            None if self.disconnected() => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses further values: senders (and those waiting for a slot) get
    /// theirs back; values already queued can still be received.
    ///
    /// ```
    /// use ring_core::channel::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::channel(4);
    /// tx.try_send(1).unwrap();
    /// rx.close();
    /// assert!(tx.try_send(2).is_err());
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Values queued now.
    pub fn len(&self) -> usize {
        self.chan.queue.borrow().len()
    }

    /// Whether no value is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.close();
        // Values never received are dropped here, with nothing borrowed.
        let rest = core::mem::take(&mut *self.chan.queue.borrow_mut());
        drop(rest);
    }
}

impl<T> core::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receiver").field("queued", &self.len()).finish()
    }
}

/// The future of [`Receiver::recv`].
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
}

impl<T> Future for Recv<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }
}
