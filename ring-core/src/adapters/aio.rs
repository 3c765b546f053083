//! [`AioContext`]: a bounded context for `O_DIRECT` file I/O with
//! page-aligned buffers, shaped like tokio-linux-aio's `AioContext`
//! (read, write, sync, datasync), on io_uring.
//!
//! # Backpressure
//!
//! The context has a fixed capacity: at most that many of its operations
//! are in flight at once. Each operation first takes a permit from a
//! counting semaphore; callers that find none wait in FIFO order, each in
//! its own future (there is no queue of submissions: a waiting call has
//! not built anything yet, and dropping it simply leaves the queue). A
//! released permit is handed directly to the first waiter, so a newcomer
//! cannot overtake the queue.
//!
//! The permit is not held by the caller's future but *by the operation*
//! (inside its value in the driver's table, next to its buffer), so it is
//! returned when the kernel's completion is seen and the operation value
//! is dropped, even if the caller's future was dropped or forgotten. The
//! capacity therefore bounds what the kernel has in flight, not merely the
//! futures that are still being polled.
//!
//! Buffers are [`AlignedBuf`]s (page-aligned address and length, as
//! `O_DIRECT` requires on most file systems), owned by the operation while
//! the kernel uses them and returned with the result. The file is passed
//! as anything [`AsSharedFd`] (an `Rc` of a `std::fs::File`, a
//! [`crate::File`]); each operation keeps a [`SharedFd`](crate::SharedFd)
//! of it until its completion, so the descriptor cannot be closed and
//! reused under a request.

use crate::buf::AlignedBuf;
use crate::driver::Driver;
use crate::kernel::{Kernel, Linux};
use crate::ops::{Fsync, KeepAlive, Read, Write};
use crate::shared_fd::AsSharedFd;
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;

/// One queued caller of [`Semaphore::acquire`].
struct Waiter {
    /// Set when a released permit was handed to this waiter.
    granted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// A counting semaphore with FIFO hand-off, single-threaded.
struct Semaphore {
    capacity: usize,
    available: Cell<usize>,
    held: Cell<usize>,
    peak: Cell<usize>,
    queue: RefCell<VecDeque<Rc<Waiter>>>,
}

impl Semaphore {
    fn take(self: &Rc<Self>) -> Permit {
        let held = self.held.get() + 1;
        debug_assert!(held <= self.capacity, "the capacity is never exceeded");
        self.held.set(held);
        self.peak.set(self.peak.get().max(held));
        Permit { sem: self.clone() }
    }

    fn release(&self) {
        self.held.set(self.held.get() - 1);
        let next = self.queue.borrow_mut().pop_front();
        match next {
            Some(w) => {
                // Hand the permit straight to the oldest waiter: it counts as
                // held from now on, so nobody else can take it meanwhile.
                let held = self.held.get() + 1;
                self.held.set(held);
                self.peak.set(self.peak.get().max(held));
                w.granted.set(true);
                let waker = w.waker.take();
                if let Some(waker) = waker {
                    // Foreign code, run with nothing borrowed; this runs in
                    // a permit's destructor, where a panic must not escape
                    // while the thread is already unwinding.
                    crate::executor::wake_in_drop(waker);
                }
            }
            None => self.available.set(self.available.get() + 1),
        }
    }
}

/// A unit of the context's capacity, held by an operation until its value
/// is dropped (after the kernel's completion).
struct Permit {
    sem: Rc<Semaphore>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.sem.release();
    }
}

/// The future of a permit.
struct Acquire {
    sem: Rc<Semaphore>,
    waiter: Option<Rc<Waiter>>,
    done: bool,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        match &this.waiter {
            None => {
                // The waker is cloned *before* the permits are looked at: the
                // clone is foreign code, which may release a permit (drop
                // another operation) or take one. Between the look and the
                // queueing below no foreign code runs, so a permit released
                // meanwhile is either seen here as available or handed to
                // this waiter by `release`; it is never put back as
                // available behind the back of a waiter about to queue.
                let waker = cx.waker().clone();
                if this.sem.available.get() > 0 && this.sem.queue.borrow().is_empty() {
                    this.sem.available.set(this.sem.available.get() - 1);
                    this.done = true;
                    let permit = this.sem.take();
                    // Foreign code again, run once the permit is ours (a
                    // panic here releases it as it unwinds).
                    drop(waker);
                    return Poll::Ready(permit);
                }
                let w = Rc::new(Waiter { granted: Cell::new(false), waker: RefCell::new(Some(waker)) });
                this.sem.queue.borrow_mut().push_back(w.clone());
                this.waiter = Some(w);
                Poll::Pending
            }
            Some(w) if w.granted.get() => {
                this.done = true;
                // `release` already counted the permit as held.
                Poll::Ready(Permit { sem: this.sem.clone() })
            }
            Some(w) => {
                // The new waker is cloned, and the old one dropped, with the
                // waiter's cell not borrowed: both are foreign code. Either
                // may release a permit to this waiter, which then wakes (and
                // takes) the waker stored at that moment, possibly the old
                // one: so `granted` is looked at again after each of them.
                let w = w.clone();
                let new = cx.waker().clone();
                if w.granted.get() {
                    this.done = true;
                    let permit = Permit { sem: this.sem.clone() };
                    // Dropped once the permit is ours (a panic here releases
                    // it as it unwinds).
                    drop(new);
                    return Poll::Ready(permit);
                }
                let old = w.waker.replace(Some(new));
                drop(old);
                if w.granted.get() {
                    this.done = true;
                    return Poll::Ready(Permit { sem: this.sem.clone() });
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some(w) = self.waiter.take() {
            if w.granted.get() {
                // Granted but never taken: pass it on to the next waiter.
                drop(Permit { sem: self.sem.clone() });
            } else {
                self.sem.queue.borrow_mut().retain(|x| !Rc::ptr_eq(x, &w));
            }
        }
    }
}

/// A bounded context for (typically `O_DIRECT`) file I/O; see the
/// [module docs](self).
pub struct AioContext<K: Kernel = Linux> {
    driver: Driver<K>,
    sem: Rc<Semaphore>,
}

impl<K: Kernel> core::fmt::Debug for AioContext<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AioContext")
            .field("capacity", &self.sem.capacity)
            .field("in_flight", &self.sem.held.get())
            .field("waiting", &self.sem.queue.borrow().len())
            .finish()
    }
}

impl<K: Kernel> AioContext<K> {
    /// A context on `driver` that keeps at most `capacity` operations (at
    /// least 1) in flight.
    pub fn new(driver: &Driver<K>, capacity: usize) -> Self {
        let capacity = capacity.max(1);
        AioContext {
            driver: driver.clone(),
            sem: Rc::new(Semaphore {
                capacity,
                available: Cell::new(capacity),
                held: Cell::new(0),
                peak: Cell::new(0),
                queue: RefCell::new(VecDeque::new()),
            }),
        }
    }

    /// The most operations in flight at once.
    pub fn capacity(&self) -> usize {
        self.sem.capacity
    }

    /// Operations holding a permit now (submitted or about to be).
    pub fn in_flight(&self) -> usize {
        self.sem.held.get()
    }

    /// The most permits ever held at once (never above the capacity).
    pub fn peak(&self) -> usize {
        self.sem.peak.get()
    }

    /// Callers waiting for a permit.
    pub fn waiting(&self) -> usize {
        self.sem.queue.borrow().len()
    }

    fn acquire(&self) -> Acquire {
        Acquire { sem: self.sem.clone(), waiter: None, done: false }
    }

    /// Reads `buf.len()` bytes at `offset` (for `O_DIRECT`, a multiple of
    /// the device's logical block size) into `buf`; resolves to the count
    /// and the buffer.
    pub async fn read(&self, file: &impl AsSharedFd, offset: u64, buf: AlignedBuf) -> (io::Result<usize>, AlignedBuf) {
        let permit = self.acquire().await;
        let op = Read::new(file, buf, offset);
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// Writes all of `buf` at `offset`; resolves to the count and the buffer.
    pub async fn write(&self, file: &impl AsSharedFd, offset: u64, buf: AlignedBuf) -> (io::Result<usize>, AlignedBuf) {
        let permit = self.acquire().await;
        let op = Write::new(file, buf, offset);
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// `fsync(2)` of `file`, counted against the capacity.
    pub async fn sync(&self, file: &impl AsSharedFd) -> io::Result<()> {
        let permit = self.acquire().await;
        let op = Fsync { fd: file.shared_fd(), flags: 0 };
        self.driver.op(KeepAlive::new(op, permit)).await
    }

    /// `fdatasync(2)` of `file`, counted against the capacity.
    pub async fn datasync(&self, file: &impl AsSharedFd) -> io::Result<()> {
        let permit = self.acquire().await;
        let op = Fsync { fd: file.shared_fd(), flags: ring_sys::IORING_FSYNC_DATASYNC };
        self.driver.op(KeepAlive::new(op, permit)).await
    }
}
