//! Every memory ordering used on the shared rings, as a named constant.
//!
//! The contract comes from the kernel: the comment at the top of
//! `io_uring/io_uring.c`, `struct io_rings` in
//! `include/linux/io_uring_types.h`, and `io_uring(7)`. In short:
//!
//! - **SQ.** The application writes SQEs (and, without `NO_SQARRAY`, the
//!   index array), then stores the SQ tail with *release*. The kernel loads
//!   the tail with `smp_load_acquire`, reads the entries, and stores the
//!   SQ head with `smp_store_release` once it has copied them. The
//!   application loads the head with *acquire* before it rewrites a slot
//!   the kernel might still be reading.
//! - **CQ.** The kernel writes a CQE, then stores the CQ tail with
//!   `smp_store_release`. The application loads the tail with *acquire*,
//!   reads the entries, and stores the CQ head with *release* so the kernel
//!   cannot reuse a slot before the application has read it.
//! - **SQPOLL wake-up.** After publishing the tail the application must
//!   issue a full barrier before reading `IORING_SQ_NEED_WAKEUP`; the
//!   kernel thread sets the flag, issues `smp_mb()`, then re-reads the
//!   tail. With weaker orderings both sides can read stale values (the
//!   store-buffering shape) and the thread sleeps with work queued.
//!
//! Keeping each ordering a named constant serves two readers: the auditor,
//! who finds every decision in one file with its reason; and the
//! verification crate's planted-bug script, which weakens one constant at a
//! time and checks that a model fails.

use crate::sync::Ordering;

/// Loading the SQ head (written by the kernel). *Acquire*: pairs with the
/// kernel's `smp_store_release` of the head after it has read the SQEs, so
/// a slot is rewritten only after the kernel's reads of it are done.
///
/// Guarded by the loom models `loom_queues::b_sq_slot_reused_only_after_head_acquired`
/// and `loom_sq_paths::sq_push_with_published_before_tail`, which fail when
/// this is weakened (planted row "SQ head load Acquire -> Relaxed").
pub const SQ_HEAD_LOAD: Ordering = Ordering::Acquire;

/// Storing the SQ tail (written by the application). *Release*: pairs with
/// the kernel's `smp_load_acquire` of the tail (in `io_submit_sqes`, or in
/// the SQPOLL thread), so SQE and array writes are visible before the
/// kernel can see the new tail. Without SQPOLL the kernel reads the tail
/// only inside `io_uring_enter`, and the system call alone would order it;
/// release costs nothing on x86-64 and keeps one rule for both modes.
///
/// Guarded by the loom models `loom_queues::a_sqe_published_before_tail_no_sqarray`,
/// `loom_queues::a_sqe_batch_published_before_tail` and
/// `loom_sq_paths::sq_push_all_chain_published_whole` (planted row "SQ tail
/// store Release -> Relaxed (SQPOLL)"); `loom_queues::f_sq_tail_without_sqpoll`
/// is the control that shows the system call alone orders it.
pub const SQ_TAIL_STORE: Ordering = Ordering::Release;

/// Loading the SQ ring flags (`NEED_WAKEUP`, `CQ_OVERFLOW`, `TASKRUN`,
/// written by the kernel). *Relaxed*: the flags are hints that only decide
/// whether to call `io_uring_enter`; for `NEED_WAKEUP` the ordering that
/// matters is the full fence before this load ([`sqpoll_wakeup_fence`]).
///
/// Run by `loom_queues::e_cq_overflow_flag_visible_with_the_tail` and
/// `loom_cq_paths::hint_and_counter_words`; nothing weaker can be planted.
pub const SQ_FLAGS_LOAD: Ordering = Ordering::Relaxed;

/// Loading the CQ tail (written by the kernel). *Acquire*: pairs with the
/// kernel's `smp_store_release` of the tail after it wrote the CQE, so the
/// entry's contents are visible before it is read.
///
/// Guarded by the loom models `loom_queues::c_cqe_read_before_head_released`
/// and `loom_cq_paths::cq_drain_runs_read_before_head_released`, with the
/// other read paths of that file (planted row "CQ tail load Acquire ->
/// Relaxed").
pub const CQ_TAIL_LOAD: Ordering = Ordering::Acquire;

/// Storing the CQ head (written by the application). *Release*: pairs with
/// the kernel's load of the head when it checks for space, so every read of
/// an entry happens before the kernel may overwrite its slot.
///
/// Guarded by the loom model `loom_queues::c_cqe_read_before_head_released`
/// (planted row "CQ head store Release -> Relaxed").
pub const CQ_HEAD_STORE: Ordering = Ordering::Release;

/// Loading the CQ head. *Relaxed*: only the application writes it, so the
/// owning thread reads back its own store (liburing `a4d619a2` reverted an
/// acquire here for that reason).
///
/// No model can fail on it: it is the weakest ordering, on a word only this
/// thread writes (`loom_queues::c_cqe_read_before_head_released` runs it).
pub const CQ_HEAD_LOAD: Ordering = Ordering::Relaxed;

/// Loading the SQ tail. *Relaxed*: only the application writes it.
///
/// No model can fail on it: it is the weakest ordering, on a word only this
/// thread writes (`loom_sq_paths::sq_push_all_chain_published_whole` runs it).
pub const SQ_TAIL_LOAD: Ordering = Ordering::Relaxed;

/// Loading the CQ overflow counter or the SQ dropped counter, which are
/// statistics the kernel writes. *Relaxed*: nothing is read on their account.
///
/// Run by the loom model `loom_cq_paths::hint_and_counter_words`.
pub const COUNTER_LOAD: Ordering = Ordering::Relaxed;

/// Reading and writing the application-owned CQ ring flags
/// (`IORING_CQ_EVENTFD_DISABLED`). *Relaxed*: the kernel reads the word
/// with `READ_ONCE` when it is about to signal the eventfd; a late
/// observation costs at most one spurious or missed notification, which
/// the flag explicitly tolerates.
///
/// Run by the loom model `loom_cq_paths::hint_and_counter_words`.
pub const CQ_FLAGS_RMW: Ordering = Ordering::Relaxed;

/// Storing a provided-buffer ring's tail (a `u16`, written by the
/// application). *Release*: pairs with the kernel's `smp_load_acquire` of
/// the tail in `io_ring_buffer_select`, so the buffer entries written
/// before it are visible first (liburing `c44319a6`).
///
/// There is no head to load on the application's side: the kernel keeps a
/// provided-buffer ring's head to itself (readable only through the
/// `IORING_REGISTER_PBUF_STATUS` system call). Rewriting an entry is still
/// ordered after the kernel's read of it: the application re-adds a buffer
/// only after the completion that returned it (read after the CQ tail's
/// acquire), the kernel takes entries in ring order, and a ring holding
/// each buffer at most once never has more buffers than entries, so the
/// entry being rewritten was taken no later than the returned buffer's own.
///
/// Guarded by the loom models `loom_queues::g_buf_ring_entries_published_before_tail`
/// and `loom_buf_ring::g_buf_ring_slot_reused_only_after_its_completion`
/// (planted row "buffer-ring tail store Release -> Relaxed").
pub const BUF_RING_TAIL_STORE: Ordering = Ordering::Release;

/// The full barrier between storing the SQ tail and loading
/// `IORING_SQ_NEED_WAKEUP` under SQPOLL.
///
/// The SQPOLL thread, before sleeping, sets `NEED_WAKEUP`, issues
/// `smp_mb()`, and re-checks the SQ tail. The application stores the tail
/// and then checks the flag. This is the store-buffering litmus shape: with
/// only acquire/release each side may read the other's old value, the
/// thread sleeps, and the application does not wake it (liburing #541,
/// tokio-rs/io-uring #197). A sequentially consistent fence on each side
/// forbids that outcome. It is written as a fence, not as a SeqCst load,
/// both because that is what the kernel pairs with and because loom models
/// fences exactly (it treats SeqCst accesses as AcqRel).
#[inline(always)]
pub fn sqpoll_wakeup_fence() {
    crate::sync::fence(SQPOLL_FENCE);
}

/// The ordering of [`sqpoll_wakeup_fence`]. Must be `SeqCst`.
///
/// Guarded by the loom model `loom_queues::d_sqpoll_wakeup_is_never_lost`
/// (planted row "SQPOLL wake-up fence SeqCst -> AcqRel").
pub const SQPOLL_FENCE: Ordering = Ordering::SeqCst;

/// The full barrier of the executor's park hand-off
/// ([`crate::runtime::executor::gate::ParkGate`]): between the runtime's "parked"
/// store and its last look for work, and between a waker's publication of
/// work and its look at "parked". Must be `SeqCst`, for the same
/// store-buffering reason as [`SQPOLL_FENCE`].
///
/// Guarded by the loom model `loom_handle::h_cross_thread_wakeup_is_never_lost`
/// (planted row "executor park fence SeqCst -> AcqRel (cross-thread wake-up)").
pub const PARK_FENCE: Ordering = Ordering::SeqCst;

// The runtime's own words.
//
// The constants below order words the runtime shares between threads
// through the `sync` shim: no kernel reads them, and each pairs with an
// access of another thread in this process (named with it). The loom models
// of `verification/tests/loom_runtime.rs` and `loom_handle.rs` run the code
// that uses them as it ships, and `verification/coverage/access_sites.md`
// gives each access site its models. Words the kernel reads by address (a
// futex word) and process-wide counters in `static`s are outside loom's
// reach by construction; their orderings are in `crate::sync::kernel_word`
// and `crate::sync::process_wide`, next to their types.

/// The runtime's "parked" flag (`ParkGate`), every access: stored `true`
/// when the runtime announces a park and `false` when it ends, loaded by a
/// waker after it published work. *Relaxed*: the two [`PARK_FENCE`]s order
/// it (the runtime's store before its last look for work, the waker's
/// publication before its load); the flag carries nothing of its own.
///
/// Run by the loom models `loom_handle::h_cross_thread_wakeup_is_never_lost`,
/// `loom_runtime::runtime_task_woken_from_another_thread_while_parking` and
/// the other models of that file; nothing weaker can be planted (the
/// fence's row weakens what orders it).
pub const PARKED_FLAG: Ordering = Ordering::Relaxed;

/// The length of a queue kept beside it for a look without its lock: the
/// wake queue's ready tasks (`WakeQueue`) and a runtime's jobs from
/// handles (`Remote`). Stored under the queue's lock by every push and pop,
/// loaded without it by the runtime (`has_work`, `has_jobs`). *Relaxed*:
/// the lock orders the queue itself; a look that misses a push is covered
/// by the park hand-off, whose fences ([`PARK_FENCE`]) order the pusher's
/// store before its look at the "parked" flag and the runtime's announce
/// before its look at the length.
///
/// Run by the loom models `loom_runtime::runtime_task_woken_from_another_thread_while_parking`
/// and `loom_runtime::runtime_handle_job_while_parking`; nothing weaker can
/// be planted.
pub const QUEUE_LEN: Ordering = Ordering::Relaxed;

/// A task waker's swap of the task's "queued" flag to `true`
/// (`TaskWaker::wake_by_ref`): only the waker that finds it clear queues
/// the task. *SeqCst* (an RMW, so exactly one waker queues it); its release
/// half pairs with the acquire of [`TASK_QUEUED_CLEAR`], so a waker that
/// found the task still queued has its writes seen by the poll that follows.
///
/// Run by the loom models `loom_runtime::runtime_task_woken_from_another_thread_while_parking`
/// and `loom_runtime::runtime_task_woken_during_its_poll_runs_again`, which
/// fails when this is weakened (planted row "TASK_QUEUED_SET SeqCst ->
/// Acquire (a waker's writes not released to the next poll)").
pub const TASK_QUEUED_SET: Ordering = Ordering::SeqCst;

/// The scheduler's swap of a task's "queued" flag back to `false`, before
/// each poll of the task (`Scheduler::run_ready`). *AcqRel*: it reads the
/// waker's `swap(true)` ([`TASK_QUEUED_SET`]) or a later value and so
/// acquires what that waker published before waking; a plain store would
/// not.
///
/// Guarded by the loom model `loom_runtime::runtime_task_woken_during_its_poll_runs_again`
/// (planted rows "TASK_QUEUED_CLEAR AcqRel -> Release (a waker's writes not
/// acquired by the next poll)", "a task's queued flag cleared by a plain
/// store (a waker's writes not acquired)" and "a task's queued flag cleared
/// after its poll (a wake-up during the poll lost)").
pub const TASK_QUEUED_CLEAR: Ordering = Ordering::AcqRel;

/// The main future's "woken" flag (`MainWaker`), every access: set before
/// the first poll and swapped to `true` by its waker on any thread, swapped
/// back to `false` by the runtime before each poll, loaded by the runtime's
/// looks before it parks. *SeqCst*: the swaps are RMWs, so each wake-up is
/// consumed once and only the first since the last poll signals; the
/// runtime's look after announcing a park and the waker's swap before its
/// look at "parked" are ordered by the [`PARK_FENCE`]s, as in the park
/// gate's own model.
///
/// Run by the loom model `loom_runtime::runtime_main_future_woken_from_another_thread_while_parking`
/// (planted rows "the executor looks for work before it announces that it
/// parks" and "a waker on another thread never signals a parked runtime").
/// Weakened to Relaxed the model still passes: it checks that no wake-up
/// is lost, which the fences ensure, not that a waker's writes before its
/// wake-up are visible to the poll that follows, which SeqCst's release
/// and acquire halves give.
pub const MAIN_WOKEN: Ordering = Ordering::SeqCst;

/// An abort flag, every access: a task's (`AbortHandle`, stored by `abort`
/// before the wake-up that queues the task, loaded before each poll of it)
/// and a remote handle's (`RemoteJoinHandle::abort` stores it before it
/// takes the lock that finds the task; the job loads it after it published
/// the task under that lock, `RemoteState::attach`, and before it starts,
/// `Sender::is_aborted`). *SeqCst*, though in each case a lock orders the
/// store before the load that must see it: the wake queue's, between the
/// store, the wake-up that queues the task and the pop before its poll; the
/// handle's task lock, which either the handle takes after the job
/// published the task (and finds it), or the job takes after the handle
/// stored the flag (and sees it).
///
/// Run by the loom models `loom_runtime::runtime_task_aborted_from_another_thread_while_parking`
/// and `loom_runtime::runtime_remote_abort_races_the_job_that_spawns_its_task`
/// (planted rows "an abort wakes its task before it marks it aborted" and
/// "a job looks at its handle's abort before it hands over its task").
pub const ABORTED: Ordering = Ordering::SeqCst;

/// The runtime's "eventfd read in the kernel" flag (`WakeQueue::eventfd_armed`),
/// every access: stored by the runtime's own eventfd task and loaded by
/// `block_on` before it parks, both on the runtime's thread. *SeqCst*,
/// though no other thread touches the word and any ordering would do: it
/// lives in the shared wake queue only because that is where the runtime's
/// wake-up state is.
///
/// No model can fail on it: no other thread runs it. The planted row "the
/// eventfd flag EVENTFD_ARMED Relaxed (not a bug: one thread reads and
/// writes it)" is the control that shows the runtime's tests pass with it
/// weakened.
pub const EVENTFD_ARMED: Ordering = Ordering::SeqCst;

/// A blocking-pool waiter's "granted" flag (`runtime/task/blocking.rs`),
/// every access: stored by the thread that frees a place in the queue,
/// under the pool's lock, before it takes the waiter's waker from the
/// waiter's own lock; loaded under the pool's lock, or by the waiting
/// handle after it stored its waker under the waiter's lock. *SeqCst*,
/// though the locks order every store before the load that must see it
/// (either the granting thread takes the stored waker and wakes it, or the
/// handle's load comes after the grant's unlock).
///
/// No model can fail on it: no loom model runs the pool, and the locks
/// order every access. The planted row "a blocking waiter's
/// BLOCKING_GRANTED flag Relaxed (not a bug: the locks order it)" is the
/// control that shows its tests pass with it weakened.
pub const BLOCKING_GRANTED: Ordering = Ordering::SeqCst;
