//! [`JoinSet`]: a set of tasks joined in the order they finish.

use crate::runtime::executor::task::{AbortHandle, JoinError, JoinHandle, SpawnError, Spawner};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::task::Wake;

/// The finished members a set has not looked at yet, and who waits for one.
#[derive(Default)]
struct Ready {
    queue: VecDeque<usize>,
    waiter: Option<Waker>,
}

/// The waker a member's [`JoinHandle`] is polled with: it queues the
/// member's index and wakes whoever waits on the set.
struct MemberWaker {
    index: usize,
    ready: Arc<Mutex<Ready>>,
}

impl Wake for MemberWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let waiter = {
            let mut r = self.ready.lock().unwrap_or_else(|e| e.into_inner());
            r.queue.push_back(self.index);
            r.waiter.take()
        };
        // Foreign code, called with the lock released.
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

struct Member<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

/// A set of tasks on one runtime, joined in the order they finish.
///
/// [`spawn`](Self::spawn) adds a task (on the runtime running on this
/// thread), [`join_next`](Self::join_next) waits for the next one to
/// finish, [`abort_all`](Self::abort_all) stops them all (each then joins
/// as cancelled), and dropping the set aborts every task still in it: no
/// task outlives its set unless [`detach_all`](Self::detach_all) lets it.
/// Waiting costs nothing per member: a member that finishes queues itself.
///
/// ```
/// use ring_core::task::JoinSet;
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(64)?;
/// let order = rt.block_on(async {
///     let mut set = JoinSet::new();
///     for ms in [30u64, 10, 20] {
///         set.spawn(async move {
///             ring_core::time::sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut order = Vec::new();
///     while let Some(done) = set.join_next().await {
///         order.push(done.unwrap());
///     }
///     order
/// })?;
/// assert_eq!(order, [10, 20, 30]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct JoinSet<T> {
    members: Vec<Option<Member<T>>>,
    free: Vec<usize>,
    len: usize,
    ready: Arc<Mutex<Ready>>,
}

impl<T: 'static> Default for JoinSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> JoinSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        JoinSet { members: Vec::new(), free: Vec::new(), len: 0, ready: Arc::default() }
    }

    /// Spawns `fut` onto the runtime running on this thread and adds it to
    /// the set.
    ///
    /// # Panics
    ///
    /// Outside a runtime's `block_on`, as [`super::spawn`] (see
    /// [`try_spawn`](Self::try_spawn)).
    #[track_caller]
    pub fn spawn<F>(&mut self, fut: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn(fut))
    }

    /// [`spawn`](Self::spawn), or [`SpawnError::NoRuntime`] outside a
    /// runtime.
    ///
    /// ```
    /// use ring_core::task::{JoinSet, SpawnError};
    ///
    /// let mut set = JoinSet::new();
    /// assert_eq!(set.try_spawn(async {}).unwrap_err(), SpawnError::NoRuntime);
    /// assert!(set.is_empty());
    /// ```
    pub fn try_spawn<F>(&mut self, fut: F) -> Result<AbortHandle, SpawnError>
    where
        F: Future<Output = T> + 'static,
    {
        super::try_spawn(fut).map(|h| self.insert(h))
    }

    /// Spawns `fut` with `spawner` (from outside `block_on`) and adds it.
    ///
    /// ```
    /// use ring_core::task::JoinSet;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let mut set = JoinSet::new();
    /// set.spawn_on(async { 1 }, &rt.spawner());
    /// assert_eq!(rt.block_on(set.join_next())?.unwrap().unwrap(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn spawn_on<F>(&mut self, fut: F, spawner: &Spawner) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(spawner.spawn(fut))
    }

    /// Adds a task spawned elsewhere.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.members.push(None);
                self.members.len() - 1
            }
        };
        let waker = Waker::from(Arc::new(MemberWaker { index, ready: self.ready.clone() }));
        self.members[index] = Some(Member { handle, waker });
        self.len += 1;
        // Polled once so that its handle holds the member's waker; a task
        // that already finished (a spawn refused) queues itself here.
        self.poll_member(index);
        abort
    }

    /// Polls member `index`'s handle with its own waker; its outcome, if
    /// there, is taken and the member removed.
    fn poll_member(&mut self, index: usize) -> Option<Result<T, JoinError>> {
        let member = self.members.get_mut(index)?.as_mut()?;
        let waker = member.waker.clone();
        let mut cx = Context::from_waker(&waker);
        match Pin::new(&mut member.handle).poll(&mut cx) {
            Poll::Ready(out) => {
                self.members[index] = None;
                self.free.push(index);
                self.len -= 1;
                Some(out)
            }
            Poll::Pending => None,
        }
    }

    /// The number of tasks in the set (not joined yet).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set has no tasks.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Waits for the next task to finish and returns its outcome, or `None`
    /// if the set is empty. Dropping the future loses nothing: the task
    /// stays in the set.
    pub fn join_next(&mut self) -> JoinNext<'_, T> {
        JoinNext { set: self }
    }

    /// The outcome of a task that has finished, if one has, without
    /// waiting (`None` also when the set is empty).
    ///
    /// ```
    /// use ring_core::task::JoinSet;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     set.spawn(async { 1 });
    ///     assert!(set.try_join_next().is_none(), "not run yet");
    ///     ring_core::task::yield_now().await;
    ///     assert_eq!(set.try_join_next().unwrap().unwrap(), 1);
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        loop {
            let index = self.ready.lock().unwrap_or_else(|e| e.into_inner()).queue.pop_front()?;
            if let Some(out) = self.poll_member(index) {
                return Some(out);
            }
        }
    }

    /// [`join_next`](Self::join_next) as a poll function.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        loop {
            if self.len == 0 {
                return Poll::Ready(None);
            }
            let next = self.ready.lock().unwrap_or_else(|e| e.into_inner()).queue.pop_front();
            match next {
                Some(index) => {
                    if let Some(out) = self.poll_member(index) {
                        return Poll::Ready(Some(out));
                    }
                    // A wake-up without an outcome (the handle re-armed
                    // its waker): look at the next.
                }
                None => {
                    {
                        let r = self.ready.lock().unwrap_or_else(|e| e.into_inner());
                        if !r.queue.is_empty() {
                            continue;
                        }
                        if r.waiter.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                            return Poll::Pending;
                        }
                    }
                    // The waker is cloned with the lock released (foreign
                    // code), then stored; the one it replaces is dropped
                    // the same way. A member that finished meanwhile is
                    // found by the loop.
                    let w = cx.waker().clone();
                    let (old, found) = {
                        let mut r = self.ready.lock().unwrap_or_else(|e| e.into_inner());
                        if r.queue.is_empty() {
                            (r.waiter.replace(w), false)
                        } else {
                            (Some(w), true)
                        }
                    };
                    drop(old);
                    if found || !self.ready.lock().unwrap_or_else(|e| e.into_inner()).queue.is_empty() {
                        continue;
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Aborts every task in the set (see [`JoinHandle::abort`]); they stay
    /// in the set and join as cancelled (or with their output, if they had
    /// finished).
    ///
    /// ```
    /// use ring_core::task::JoinSet;
    /// use std::time::Duration;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// rt.block_on(async {
    ///     let mut set = JoinSet::new();
    ///     for _ in 0..3 {
    ///         set.spawn(ring_core::time::sleep(Duration::from_secs(3600)));
    ///     }
    ///     set.abort_all();
    ///     while let Some(r) = set.join_next().await {
    ///         assert!(r.unwrap_err().is_cancelled());
    ///     }
    /// })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn abort_all(&mut self) {
        for m in self.members.iter().flatten() {
            m.handle.abort();
        }
    }

    /// Aborts every task and waits until each has been dropped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Empties the set without aborting: the tasks run on, detached.
    pub fn detach_all(&mut self) {
        self.members.clear();
        self.free.clear();
        self.len = 0;
        self.ready.lock().unwrap_or_else(|e| e.into_inner()).queue.clear();
    }
}

impl<T> Drop for JoinSet<T> {
    /// Aborts every task still in the set.
    fn drop(&mut self) {
        for m in self.members.iter().flatten() {
            m.handle.abort();
        }
    }
}

impl<T> core::fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

/// The future of [`JoinSet::join_next`].
///
/// ```
/// use ring_core::task::{JoinNext, JoinSet};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let mut set = JoinSet::new();
///     assert!(set.is_empty());
///     for i in 0..3 {
///         set.spawn(async move { i });
///     }
///     assert_eq!(set.len(), 3);
///     let next: JoinNext<'_, i32> = set.join_next();
///     assert!(next.await.expect("a task").is_ok());
///     let polled = std::future::poll_fn(|cx| set.poll_join_next(cx)).await;
///     assert!(polled.expect("a task").is_ok());
///     // The rest: aborted and waited for, or left running.
///     set.shutdown().await;
///     assert!(set.is_empty());
///     set.spawn(std::future::pending::<i32>());
///     set.detach_all();
///     assert!(set.is_empty());
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct JoinNext<'a, T> {
    set: &'a mut JoinSet<T>,
}

impl<T: 'static> Future for JoinNext<'_, T> {
    type Output = Option<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.set.poll_join_next(cx)
    }
}
