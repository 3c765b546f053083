//! A channel into a runtime from other threads: [`Sender`] is `Send +
//! Sync + Clone` and is used from any thread; the [`Receiver`] is awaited
//! by a task (on the runtime, or under any executor).
//!
//! A send stores the value under the channel's lock and wakes the
//! receiving task's waker with the lock released; for a ring-core task that
//! is the runtime's cross-thread wake-up, which queues the task and, if the
//! runtime is parked in the ring, signals the eventfd it keeps a read on,
//! so the parked `io_uring_enter` returns (see [`crate::guide::threads`]).
//!
//! A bounded channel ([`channel`]) makes [`Sender::send`] block the calling
//! thread while it is full (it is meant for threads, not tasks; a task uses
//! [`Sender::try_send`]); [`unbounded`] never blocks.
//!
//! ```
//! use ring_core::channel::remote;
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let (tx, mut rx) = remote::channel(16);
//! let producer = std::thread::spawn(move || {
//!     for i in 0..100u32 {
//!         tx.send(i).unwrap();
//!     }
//! });
//! let sum = rt.block_on(async {
//!     let mut sum = 0;
//!     while let Some(v) = rx.recv().await {
//!         sum += v;
//!     }
//!     sum
//! })?;
//! producer.join().unwrap();
//! assert_eq!(sum, 4950);
//! # Ok::<(), std::io::Error>(())
//! ```

use super::{SendError, TryRecvError, TrySendError};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct State<T> {
    queue: VecDeque<T>,
    senders: usize,
    closed: bool,
    rx_waker: Option<Waker>,
}

struct Chan<T> {
    state: Mutex<State<T>>,
    /// Signalled when a bounded channel frees a slot, or closes.
    not_full: Condvar,
    capacity: usize,
}

impl<T> Chan<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn make<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan {
        state: Mutex::new(State { queue: VecDeque::new(), senders: 1, closed: false, rx_waker: None }),
        not_full: Condvar::new(),
        capacity,
    });
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// A bounded channel of `capacity` values (at least 1).
pub fn channel<T: Send>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    make(capacity.max(1))
}

/// An unbounded channel: sends never block.
///
/// ```
/// let (tx, mut rx) = ring_core::channel::remote::unbounded();
/// std::thread::spawn(move || tx.send(5).unwrap()).join().unwrap();
/// assert_eq!(rx.try_recv(), Ok(5));
/// ```
pub fn unbounded<T: Send>() -> (Sender<T>, Receiver<T>) {
    make(usize::MAX)
}

/// The sending half: `Send + Sync + Clone`, for any thread.
///
/// ```
/// use ring_core::channel::remote::{self, Receiver, Recv, Sender};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let (tx, mut rx): (Sender<u32>, Receiver<u32>) = remote::channel(4);
/// let producer = std::thread::spawn(move || {
///     for i in 0..10 {
///         tx.send(i).unwrap(); // blocks the thread while the channel is full
///     }
///     let _ = tx.try_send(10);
///     tx.is_closed()
/// });
/// let sum = rt.block_on(async {
///     let mut sum = 0;
///     loop {
///         let next: Recv<'_, u32> = rx.recv();
///         match next.await {
///             Some(v) => sum += v,
///             None => break sum, // every sender is gone
///         }
///     }
/// })?;
/// assert!(sum >= 45);
/// assert!(!producer.join().unwrap());
///
/// let (tx, mut rx) = remote::unbounded::<u8>();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_recv(), Ok(1));
/// let polled = rt.block_on(async {
///     tx.send(2).unwrap();
///     std::future::poll_fn(|cx| rx.poll_recv(cx)).await
/// })?;
/// assert_eq!(polled, Some(2));
/// rx.close();
/// assert!(tx.is_closed());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.lock().senders += 1;
        Sender { chan: self.chan.clone() }
    }
}

impl<T> Sender<T> {
    /// Queues `v` and wakes the receiver, with the lock released.
    fn push(&self, mut s: MutexGuard<'_, State<T>>, v: T) {
        s.queue.push_back(v);
        let w = s.rx_waker.take();
        drop(s);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Sends `v`, blocking the calling thread while a bounded channel is
    /// full; gives `v` back if the receiver is gone or closed. Do not call
    /// it from a task on the receiving runtime (it could wait for that very
    /// runtime): use [`try_send`](Self::try_send) there.
    pub fn send(&self, v: T) -> Result<(), SendError<T>> {
        let mut s = self.chan.lock();
        loop {
            if s.closed {
                return Err(SendError(v));
            }
            if s.queue.len() < self.chan.capacity {
                self.push(s, v);
                return Ok(());
            }
            s = self.chan.not_full.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// As [`send`](Self::send), waiting at most `d` for room
    /// ([`TrySendError::Full`] after that).
    ///
    /// ```
    /// use ring_core::channel::{remote, TrySendError};
    /// use std::time::Duration;
    ///
    /// let (tx, _rx) = remote::channel(1);
    /// tx.send(1).unwrap();
    /// assert_eq!(tx.send_timeout(2, Duration::from_millis(1)), Err(TrySendError::Full(2)));
    /// ```
    pub fn send_timeout(&self, v: T, d: Duration) -> Result<(), TrySendError<T>> {
        let until = Instant::now().checked_add(d);
        let mut s = self.chan.lock();
        loop {
            if s.closed {
                return Err(TrySendError::Closed(v));
            }
            if s.queue.len() < self.chan.capacity {
                self.push(s, v);
                return Ok(());
            }
            let left = match until {
                Some(u) => match u.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return Err(TrySendError::Full(v)),
                },
                None => Duration::from_secs(3600),
            };
            s = self.chan.not_full.wait_timeout(s, left).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// Sends `v` if there is room now, without blocking.
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        let s = self.chan.lock();
        if s.closed {
            return Err(TrySendError::Closed(v));
        }
        if s.queue.len() >= self.chan.capacity {
            return Err(TrySendError::Full(v));
        }
        self.push(s, v);
        Ok(())
    }

    /// Whether the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.lock().closed
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let w = {
            let mut s = self.chan.lock();
            s.senders -= 1;
            if s.senders == 0 {
                s.rx_waker.take()
            } else {
                None
            }
        };
        super::wake_contained(w);
    }
}

impl<T> core::fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender").field("capacity", &self.chan.capacity).finish_non_exhaustive()
    }
}

/// The receiving half, awaited by one task.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> Receiver<T> {
    /// The next value, or `None` once every sender is gone (or the channel
    /// was closed) and the channel is empty. Dropping the future loses
    /// nothing.
    pub fn recv(&mut self) -> Recv<'_, T> {
        Recv { rx: self }
    }

    /// [`recv`](Self::recv) as a poll function.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        match self.try_recv() {
            Ok(v) => return Poll::Ready(Some(v)),
            Err(TryRecvError::Disconnected) => return Poll::Ready(None),
            Err(TryRecvError::Empty) => {}
        }
        {
            let s = self.chan.lock();
            if s.rx_waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                return Poll::Pending;
            }
        }
        // The clone and the old waker's drop are foreign code: made with
        // the lock released; a value sent meanwhile is found below.
        let w = cx.waker().clone();
        let old = self.chan.lock().rx_waker.replace(w);
        drop(old);
        match self.try_recv() {
            Ok(v) => Poll::Ready(Some(v)),
            Err(TryRecvError::Disconnected) => Poll::Ready(None),
            Err(TryRecvError::Empty) => Poll::Pending,
        }
    }

    /// The next value if there is one now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut s = self.chan.lock();
        match s.queue.pop_front() {
            Some(v) => {
                drop(s);
                self.chan.not_full.notify_one();
                Ok(v)
            }
            None if s.senders == 0 || s.closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Refuses further values; senders blocked on a full channel return
    /// with theirs. Values already queued can still be received.
    pub fn close(&mut self) {
        self.chan.lock().closed = true;
        self.chan.not_full.notify_all();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let rest = {
            let mut s = self.chan.lock();
            s.closed = true;
            let w = s.rx_waker.take();
            (core::mem::take(&mut s.queue), w)
        };
        self.chan.not_full.notify_all();
        // Values never received, and the waker, dropped with the lock
        // released.
        drop(rest);
    }
}

impl<T> core::fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
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
