//! Waiting for permits: [`Semaphore::acquire`] and its kin, and the
//! futures they return, which queue in FIFO order and give back what they
//! were granted if dropped.

use super::permit::{OwnedPermit, Permit};
use super::{wake_all, AcquireError, Semaphore, Waiter};
use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::rc::Rc;

impl Semaphore {
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
