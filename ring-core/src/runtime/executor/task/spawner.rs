//! Spawning onto a runtime from its own thread: [`Spawner`] and
//! [`SpawnError`].

use super::join::{JoinError, JoinHandle};
use super::scheduler::Scheduler;
use core::future::Future;
use std::rc::Weak;

/// Why a task could not be spawned.
///
/// ```
/// use ring_core::driver::Immediate;
/// use ring_core::executor::{AbortHandle, JoinError, JoinHandle, SpawnError, Spawner};
/// use ring_core::{Builder, Runtime};
///
/// // Outside `block_on` there is no runtime to spawn on.
/// assert_eq!(ring_core::task::try_spawn(async {}).err(), Some(SpawnError::NoRuntime));
///
/// // A runtime on a ring of one's own, submitting every entry at once.
/// let rt = Runtime::with_ring(Builder::new(16).build()?, Immediate)?;
/// let spawner: Spawner = rt.spawner();
/// assert!(spawner.is_alive());
/// rt.block_on(async {
///     let task: JoinHandle<()> = ring_core::task::spawn(std::future::pending());
///     let abort: AbortHandle = task.abort_handle();
///     assert!(!task.is_finished() && !abort.is_aborted());
///     abort.abort();
///     let e: JoinError = task.await.unwrap_err();
///     assert!(e.is_cancelled() && abort.is_aborted());
///
///     let boom = ring_core::task::spawn(async { panic!("boom") });
///     let payload = boom.await.unwrap_err().into_panic().expect("a panic");
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// })?;
/// drop(rt);
/// assert!(!spawner.is_alive());
/// assert_eq!(spawner.try_spawn(async {}).err(), Some(SpawnError::RuntimeGone));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// No ring-core runtime runs on this thread: the call was made outside
    /// [`Runtime::block_on`](crate::Runtime::block_on) (an external loop
    /// such as tokio has its own `spawn_local`).
    NoRuntime,
    /// The runtime this spawner belongs to was dropped.
    RuntimeGone,
}

impl core::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpawnError::NoRuntime => f.write_str(
                "no ring_core runtime on this thread: spawn from inside Runtime::block_on, or use Runtime::spawn",
            ),
            SpawnError::RuntimeGone => f.write_str("the runtime was dropped"),
        }
    }
}

impl std::error::Error for SpawnError {}

/// Spawns tasks onto a runtime from its own thread (it is not `Send`).
///
/// ```
/// use ring_core::Runtime;
///
/// let rt = Runtime::new(8)?;
/// let spawner = rt.spawner();
/// let task = spawner.spawn(async { 7 });
/// assert_eq!(rt.block_on(task)?.unwrap(), 7);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Spawner {
    pub(crate) scheduler: Weak<Scheduler>,
}

impl Spawner {
    /// Spawns `fut` onto the runtime; it runs while the runtime is in
    /// `block_on`. If the runtime was dropped, the future is dropped and the
    /// handle reports a cancelled [`JoinError`] (see
    /// [`try_spawn`](Self::try_spawn) to tell beforehand).
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.scheduler.upgrade() {
            Some(s) => s.spawn_local(fut, false),
            None => {
                drop(fut);
                JoinHandle::ready(Err(JoinError::cancelled()))
            }
        }
    }

    /// Spawns `fut`, or fails with [`SpawnError::RuntimeGone`] (dropping
    /// `fut`) if the runtime was dropped.
    ///
    /// ```
    /// use ring_core::task::SpawnError;
    /// use ring_core::Runtime;
    ///
    /// let rt = Runtime::new(8)?;
    /// let spawner = rt.spawner();
    /// drop(rt);
    /// assert_eq!(spawner.try_spawn(async {}).unwrap_err(), SpawnError::RuntimeGone);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn try_spawn<F>(&self, fut: F) -> Result<JoinHandle<F::Output>, SpawnError>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.scheduler.upgrade() {
            Some(s) => Ok(s.spawn_local(fut, false)),
            None => Err(SpawnError::RuntimeGone),
        }
    }

    /// Whether the runtime is still there.
    pub fn is_alive(&self) -> bool {
        self.scheduler.strong_count() > 0
    }
}

impl core::fmt::Debug for Spawner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Spawner").field("alive", &self.is_alive()).finish()
    }
}
