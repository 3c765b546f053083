//! Tasks, wakers and join handles: the wake queue and its wakers
//! (`wake.rs`), the scheduler that polls woken tasks (`scheduler.rs`), a
//! caught panic (`catch_unwind.rs`), a task's outcome and its handle
//! (`join.rs`), aborting (`abort.rs`), and spawning (`spawner.rs`).

mod abort;
mod catch_unwind;
mod join;
mod scheduler;
mod spawner;
mod wake;

pub use abort::AbortHandle;
pub(crate) use catch_unwind::CatchUnwind;
pub use join::{JoinError, JoinHandle};
pub(crate) use scheduler::Scheduler;
pub use spawner::{SpawnError, Spawner};
pub(crate) use wake::{main_waker, MainWaker, WakeQueue, RUNNING};
