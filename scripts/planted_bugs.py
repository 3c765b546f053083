#!/usr/bin/env python3
"""Plants bugs one at a time in a scratch copy of the workspace and runs the
suites that should catch each; prints a table (planted change, expected,
suite that caught it, time). Changes that are NOT bugs must pass every suite.

Usage: scripts/planted-bugs.sh [--only NAME ...]
       scripts/planted-bugs.sh --check   (runs nothing: every plant's text is
                                          in its file, every suite's test exists)

Each plant is an exact text substitution in one file; if the text is not
found (the code moved), the plant is reported as STALE and the script fails,
so the list cannot silently rot.
"""
import os, shutil, signal, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.environ.get("PLANT_SCRATCH", "/tmp/ring-planted")
TARGET = os.path.join(ROOT, "target", "planted")
LOOM_TARGET = os.path.join(ROOT, "target", "planted-loom")
# Generous: a cold build of the suite plus its run; a hang past this counts as caught.
SUITE_TIMEOUT = int(os.environ.get("PLANT_SUITE_TIMEOUT", "240"))

def loom(pattern, test="loom_queues"):
    return ("loom " + pattern,
            ["cargo", "test", "-q", "-p", "verification", "--release", "--test", test, pattern],
            {"RUSTFLAGS": "--cfg ring_loom", "CARGO_TARGET_DIR": LOOM_TARGET, "LOOM_MAX_PREEMPTIONS": "2"})

SIM = ("sim_ring", ["cargo", "test", "-q", "-p", "verification", "--test", "sim_ring"], {})
PROP = ("prop_driver", ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "prop_driver"], {})
# Two binaries, a filter each: libtest runs the tests matching any filter
# given after `--` (cargo takes one before it).
DRIVER = ("ownership driver+stress",
          ["cargo", "test", "-q", "-p", "ring-core", "--test", "ownership", "--test", "stress", "--",
           "driver::", "random_drops_forgets_and_cancels_lose_nothing"], {})
OPCODES = ("raw opcodes", ["cargo", "test", "-q", "-p", "ring-core", "--test", "raw", "opcodes::"], {})
DESCRIPTORS = ("adversarial descriptors",
               ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "descriptors_outlive_their_operations"],
               {})
ADVERSARIAL = ("adversarial", ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial"], {})
REGISTER = ("raw register", ["cargo", "test", "-q", "-p", "ring-core", "--test", "raw", "register::"], {})
TASKS = ("runtime tasks", ["cargo", "test", "-q", "-p", "ring-core", "--test", "runtime", "tasks::"], {})
SYNC = ("runtime sync_channels", ["cargo", "test", "-q", "-p", "ring-core", "--test", "runtime", "sync_channels::"], {})
DEADLINES = ("adversarial deadlines",
             ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "deadlines_lose_no_buffer"], {})
SIM_CREDITLESS = ("sim_driver deadlines without credits",
                  ["cargo", "test", "-q", "-p", "verification", "--test", "sim_driver", "a_deadline_holds"], {})
CREDITLESS = ("adversarial deadlines without credits",
              ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "deadlines_hold_without_credits"], {})
SIM_RINGS = ("sim_registered_rings", ["cargo", "test", "-q", "-p", "verification", "--test", "sim_registered_rings"], {})
COMPLETION = ("completion_stream", ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "completion_stream"], {})
DISABLED = ("adversarial disabled ring",
            ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "operations_on_a_disabled_ring"], {})
SIM_DRIVER = ("sim_driver", ["cargo", "test", "-q", "-p", "verification", "--test", "sim_driver"], {})
# Teardown on a kernel that refuses IORING_REGISTER_SYNC_CANCEL: the path
# that a newer kernel's register call masks.
SIM_TEARDOWN = ("sim_driver teardown without sync cancel",
                ["cargo", "test", "-q", "-p", "verification", "--test", "sim_driver",
                 "without_sync_cancel_teardown_cancels"], {})
PROP_ZC = ("prop_driver zero-copy phases",
           ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "prop_driver", "zero_copy_sends"], {})
PROP_POOL = ("prop_driver orphaned pool streams",
             ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "prop_driver", "pool_streams"], {})
PROP_DRIVE = ("prop_driver drives",
              ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "prop_driver", "drive"], {})
PROP_FOREIGN = ("prop_driver two drivers",
                ["cargo", "test", "-q", "--release", "-p", "verification", "--test", "prop_driver", "resources_are_never"], {})
SAFE_PREPARE = ("safe_prepare", ["cargo", "test", "-q", "-p", "verification", "--test", "safe_prepare"], {})
CHAIN_SPY = ("sim_driver chains", ["cargo", "test", "-q", "-p", "verification", "--test", "sim_driver", "chains_become"], {})
ROUTING = ("routing_generations", ["cargo", "test", "-q", "-p", "verification", "--test", "routing_generations"], {})
SQE_BUILDERS = ("sqe_builders", ["cargo", "test", "-q", "-p", "verification", "--test", "sqe_builders"], {})
BAD_INPUT = ("adversarial bad input",
             ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "bad_input_is_a_typed_error"], {})
NAMED = ("adversarial typed handles",
         ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "operations_named_by_typed_handles"], {})
DRIVE = ("adversarial drive",
         ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "drive_is_foreign_code"], {})
STRATEGY = ("adversarial strategy",
            ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "submit_strategy_is_foreign_code"], {})
STATE = ("adversarial driver state",
         ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "checked_on_the_driver_they_start_on"], {})
COUNTS = ("adversarial foreign counts",
          ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "foreign_counts_are_checked"], {})
CORE_UNIT = ("ring-core unit", ["cargo", "test", "-q", "-p", "ring-core", "--lib"], {})
TAG_DOCS = ("ring-core doc (compile_fail)", ["cargo", "test", "-q", "-p", "ring-core", "--doc", "files_tags"], {})

PER_CORE = ("runtime per_core", ["cargo", "test", "-q", "-p", "ring-core", "--test", "runtime", "per_core::"], {})
ALLOCATIONS = ("ownership allocations",
               ["cargo", "test", "-q", "-p", "ring-core", "--test", "ownership", "allocations::"], {})
BACKING = ("io backing_memory", ["cargo", "test", "-q", "-p", "ring-core", "--test", "io", "backing_memory::"], {})
NAMED_RINGS = ("adversarial resources bound to their ring",
               ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial",
                "a_direct_descriptor_and_its_table_are_refused_by_another_driver"], {})
SEND_FIXED_DOC = ("ring-core doc MsgRingSendFixed",
                  ["cargo", "test", "-q", "-p", "ring-core", "--doc", "MsgRingSendFixed"], {})
# A lint, not a test: clippy with ring-core/clippy.toml refuses what it names.
CLIPPY = ("clippy ring-core", ["cargo", "clippy", "-q", "-p", "ring-core", "--all-targets", "--", "-D", "warnings"], {})

BOOK = ("book", ["cargo", "test", "-q", "-p", "verification", "--test", "book"], {})
POOL_UNIT = ("ring-core pool unit tests", ["cargo", "test", "-q", "-p", "ring-core", "--lib", "pool::"], {})
WAKERS_UNIT = ("ring-core waker table unit tests", ["cargo", "test", "-q", "-p", "ring-core", "--lib", "wakers::"], {})
DRIVE_UNIT = ("ring-core held-drive unit tests", ["cargo", "test", "-q", "-p", "ring-core", "--lib", "held_drive::tests"], {})
DEADLINE_UNIT = ("ring-core user-deadline unit tests",
                 ["cargo", "test", "-q", "-p", "ring-core", "--lib", "deadline_watch::tests"], {})
ORDER = "ring-core/src/order.rs"
CQ = "ring-core/src/raw/cqueue.rs"
SQ = "ring-core/src/raw/squeue/mod.rs"
SQ_BATCH = "ring-core/src/raw/squeue/batch.rs"
SQ_RESIZE = "ring-core/src/raw/squeue/resize.rs"
PLANTS = [
    # name, file, old, new, is_bug, suites
    ("SQ tail store Release -> Relaxed (SQPOLL)", ORDER,
     "pub const SQ_TAIL_STORE: Ordering = Ordering::Release;",
     "pub const SQ_TAIL_STORE: Ordering = Ordering::Relaxed;", True,
     [loom("a_sqe_published_before_tail"), loom("a_sqe_batch_published_before_tail")]),
    ("SQ head load Acquire -> Relaxed", ORDER,
     "pub const SQ_HEAD_LOAD: Ordering = Ordering::Acquire;",
     "pub const SQ_HEAD_LOAD: Ordering = Ordering::Relaxed;", True, [loom("b_sq_slot_reused")]),
    ("CQ tail load Acquire -> Relaxed", ORDER,
     "pub const CQ_TAIL_LOAD: Ordering = Ordering::Acquire;",
     "pub const CQ_TAIL_LOAD: Ordering = Ordering::Relaxed;", True, [loom("c_cqe_read_before_head"), loom("e_cq_overflow")]),
    ("CQ head store Release -> Relaxed", ORDER,
     "pub const CQ_HEAD_STORE: Ordering = Ordering::Release;",
     "pub const CQ_HEAD_STORE: Ordering = Ordering::Relaxed;", True, [loom("c_cqe_read_before_head")]),
    ("SQPOLL wake-up fence SeqCst -> AcqRel", ORDER,
     "pub const SQPOLL_FENCE: Ordering = Ordering::SeqCst;",
     "pub const SQPOLL_FENCE: Ordering = Ordering::AcqRel;", True, [loom("d_sqpoll_wakeup")]),
    ("buffer-ring tail store Release -> Relaxed", ORDER,
     "pub const BUF_RING_TAIL_STORE: Ordering = Ordering::Release;",
     "pub const BUF_RING_TAIL_STORE: Ordering = Ordering::Relaxed;", True, [loom("g_buf_ring")]),
    ("TASK_QUEUED_SET SeqCst -> Acquire (a waker's writes not released to the next poll)", ORDER,
     "pub const TASK_QUEUED_SET: Ordering = Ordering::SeqCst;",
     "pub const TASK_QUEUED_SET: Ordering = Ordering::Acquire;", True,
     [loom("runtime_task_woken_during", "loom_runtime")]),
    ("TASK_QUEUED_CLEAR AcqRel -> Release (a waker's writes not acquired by the next poll)", ORDER,
     "pub const TASK_QUEUED_CLEAR: Ordering = Ordering::AcqRel;",
     "pub const TASK_QUEUED_CLEAR: Ordering = Ordering::Release;", True,
     [loom("runtime_task_woken_during", "loom_runtime")]),
    ("executor park fence SeqCst -> AcqRel (cross-thread wake-up)", ORDER,
     "pub const PARK_FENCE: Ordering = Ordering::SeqCst;",
     "pub const PARK_FENCE: Ordering = Ordering::AcqRel;", True,
     [loom("h_cross_thread", "loom_handle"), loom("runtime_", "loom_runtime")]),
    ("CQ head released before the entry is read", "ring-core/src/raw/cqueue.rs",
     "            let cqe = unsafe { self.read_unit(pos << self.unit_shift) };",
     "            self.head_word().store(self.head.wrapping_add(1), order::CQ_HEAD_STORE);\n"
     "            let cqe = unsafe { self.read_unit(pos << self.unit_shift) };", True, [loom("c_cqe_read_before_head")]),
    ("CQ head released before the entry is read (for_each, the driver's reaping loop)", "ring-core/src/raw/cqueue.rs",
     "            let cqe = unsafe { self.read_unit(self.head & self.mask) };\n            self.release_to(self.head.wrapping_add(1));",
     "            self.release_to(self.head.wrapping_add(1));\n"
     "            let cqe = unsafe { self.read_unit(self.head.wrapping_sub(1) & self.mask) };", True,
     [loom("c_cqe_read_before_head_released_for_each")]),
    ("to_submit counts only newly published entries (lost on EBUSY / short submit)", "ring-core/src/raw/enter.rs",
     "        let to_submit = self.sq.publish();",
     "        let to_submit = self.sq.unpublished();\n        self.sq.publish();", True, [SIM, PROP]),
    ("index arithmetic without wrap-around", SQ,
     "        self.local_tail.wrapping_sub(self.cached_head)",
     "        self.local_tail - self.cached_head", True, [SIM]),
    ("buffer freed when its future is dropped", "ring-core/src/ownership/driver/cancel.rs",
     "            Phase::InFlight => {\n                slot.phase = Phase::Orphaned;\n",
     "            Phase::InFlight => {\n                slot.phase = Phase::Orphaned;\n"
     "                if let Some(s) = self.table.storage.as_ref() { unsafe { s.clear(index as usize) }; }\n", True, [PROP, DRIVER]),
    ("entries reused without a generation check", "ring-core/src/ownership/driver/slot.rs",
     "(slot.generation == generation && slot.phase != Phase::Free).then_some((index, slot))",
     "(slot.phase != Phase::Free).then_some((index, slot))", True, [DRIVER, PROP]),
    ("teardown frees while operations are in flight", "ring-core/src/ownership/driver/teardown.rs",
     "        let kernel_owns = inner.kernel_may_use_table();",
     "        let kernel_owns = false;", True, [DRIVER]),
    ("teardown's leaked flag not set (not a bug: the table is also read entry by entry)",
     "ring-core/src/ownership/driver/teardown.rs",
     "            self.leaked = true;",
     "            let _ = &self.leaked;", False, [DRIVER]),
    ("cancellations submitted without a CQ credit", "ring-core/src/ownership/driver/cancel.rs",
     "        while self.table.credits > 0 || (self.closed && self.table.internal == 0) {\n            let Some((index, generation)) = self.cancel_backlog.pop_front()",
     "        while true {\n            let Some((index, generation)) = self.cancel_backlog.pop_front()", True, [PROP, DRIVER]),
    ("teardown waits for a credit to cancel (every credit held by quiet reads: they leak)",
     "ring-core/src/ownership/driver/cancel.rs",
     "        while self.table.credits > 0 || (self.closed && self.table.internal == 0) {",
     "        while self.table.credits > 0 {", True, [SIM_TEARDOWN, PER_CORE]),
    ("the runtime parks unbounded while its eventfd read waits for a credit",
     "ring-core/src/runtime/executor/mod.rs",
     "let bound = if q.eventfd_armed.load(EVENTFD_ARMED) { None } else { Some(UNARMED_PARK) };",
     "let bound = None;", True, [PER_CORE]),
    ("a direct descriptor sent to another ring goes into a slot of the sender's choosing, replacing the file there",
     "ring-core/src/ownership/ops/msg_ring.rs",
     ".send_fd((self.fd.slot(), IORING_FILE_INDEX_ALLOC))",
     ".send_fd((self.fd.slot(), 0))", True, [PER_CORE]),
    ("a direct descriptor sent to another ring is accepted by another driver",
     "ring-core/src/ownership/ops/msg_ring.rs",
     "        self.fd.refuse(ring)",
     "        let _ = ring;\n        None", True, [NAMED_RINGS]),
    ("a direct descriptor sent to another ring posts a completion there (a user_data its driver may own)",
     "ring-core/src/ownership/ops/msg_ring.rs",
     "            .flags(IORING_MSG_RING_CQE_SKIP)",
     "            .flags(0)", True, [SEND_FIXED_DOC]),
    ("a backing-memory region may end past the memory",
     "ring-core/src/ownership/buf/backing.rs",
     "        Some(end) if end <= size => Ok(start),",
     "        Some(_) => Ok(start),", True, [BACKING]),
    ("an operation keeps only its descriptor's number (an Rc handle is not held)", "ring-core/src/ownership/shared_fd.rs",
     "impl<T: AsFd + 'static> AsSharedFd for Rc<T> {\n    #[inline]\n    fn shared_fd(&self) -> SharedFd {\n"
     "        SharedFd::from(self.clone())",
     "impl<T: AsFd + 'static> AsSharedFd for Rc<T> {\n    #[inline]\n    fn shared_fd(&self) -> SharedFd {\n"
     "        unsafe { SharedFd::borrow_raw(self.as_fd().as_raw_fd()) }", True, [DESCRIPTORS]),
    ("a ring may remove a registered-ring index it did not register", "ring-core/src/raw/register/ring_fds.rs",
     "        if indices.iter().any(|&i| owner(table, i) != Some(self.id)) {",
     "        if false && indices.iter().any(|&i| owner(table, i) != Some(self.id)) {", True, [ADVERSARIAL, SIM_RINGS]),
    ("a dropped ring leaves the registered-ring indices it registered", "ring-core/src/raw/ring.rs",
     "        for index in mine {\n            self.unregister_index(index);",
     "        for index in mine {\n            let _ = index;", True, [ADVERSARIAL, SIM_RINGS]),
    ("a ring takes over an index recorded for another ring", "ring-core/src/raw/ring_id.rs",
     "                Some(x) => x.ring == ring,",
     "                Some(_) => true,", True, [REGISTER]),
    ("memory released through the registered index", "ring-core/src/raw/ring.rs",
     "            Some(i) if self.fd < 0 => (i, ring_sys::IORING_REGISTER_USE_REGISTERED_RING),",
     "            Some(i) => (i, ring_sys::IORING_REGISTER_USE_REGISTERED_RING),", True, [REGISTER]),
    ("a buffer pool accepted by another driver", "ring-core/src/ownership/pool.rs",
     "        crate::ownership::ops::foreign(Some(self.ring), ring)",
     "        crate::ownership::ops::foreign(Some(ring), ring)", True, [PROP_FOREIGN, ADVERSARIAL]),
    ("a file table or direct descriptor accepted by another driver", "ring-core/src/ownership/fixed_files.rs",
     "        crate::ownership::ops::foreign(Some(self.ring), ring)",
     "        crate::ownership::ops::foreign(Some(ring), ring)", True, [ADVERSARIAL]),
    ("a registered-buffer lease accepted by another driver", "ring-core/src/ownership/fixed_buffers.rs",
     "        crate::ownership::ops::foreign(self.inner.ring.get(), ring)",
     "        crate::ownership::ops::foreign(Some(ring), ring)", True, [ADVERSARIAL]),
    ("a registered-buffer table unregistered through another driver", "ring-core/src/ownership/fixed_buffers.rs",
     "            Some(_) => Err(FixedError::Register(Error::ForeignResource { what: \"registered buffer table\" })),",
     "            Some(_) => Ok(()),", True, [ADVERSARIAL]),
    ("files_update replaces a direct descriptor's slot", "ring-core/src/ownership/driver/shared.rs",
     "        (count > 0 && u64::from(first) < u64::from(end) && u64::from(start) < last).then_some(libc::EBUSY)",
     "        (count > 0 && u64::from(first) < u64::from(end) && u64::from(start) < last && false).then_some(libc::EBUSY)",
     True, [ADVERSARIAL]),
    ("files_update names no slots (its offset is not checked)", "ring-core/src/ownership/ops/file_table.rs",
     "        Some((self.offset as u32, self.raw.len().min(u32::MAX as usize) as u32))", "        None", True,
     [STATE]),
    ("fixed_fd_install installs a direct descriptor's slot named by a bare number", "ring-core/src/ownership/ops/file_table.rs",
     "        self.fd.is_none().then_some((self.slot, 1))", "        None", True, [ADVERSARIAL]),
    ("a single operation's bare file slots are not checked by the driver it starts on",
     "ring-core/src/ownership/driver/shared.rs",
     "op.refuse(self.ring).or_else(|| self.refuse_slots(op.bare_file_slots()))", "op.refuse(self.ring)", True, [STATE]),
    ("a chain member after the first may depend on the driver's state (checked only at start)",
     "ring-core/src/ownership/driver/chain.rs", "            if i > 0 && checks.any() {", "            if false {", True,
     [STATE]),
    ("a chain's first member's bare file slots are not checked", "ring-core/src/ownership/driver/chain.rs",
     "            self.shared.refuse_slots(checks.slots).map(member_refusal)", "            None", True, [STATE]),
    ("a chain's first member may name a poll that ended", "ring-core/src/ownership/driver/chain_start.rs",
     "            if !self.table.slots.names(t.index, t.generation, t.serial) {", "            if false {", True,
     [STATE]),
    ("a P_PIDFD wait takes a bare pidfd number", "ring-core/src/ownership/ops/process.rs",
     "        self.bare_pidfd().then_some(libc::EINVAL)", "        None", True, [DESCRIPTORS]),
    ("a pidfd wait keeps only its pidfd's number", "ring-core/src/ownership/ops/process.rs",
     "pidfd: Some(pidfd.shared_fd()) })",
     "pidfd: Some(unsafe { SharedFd::borrow_raw(pidfd.shared_fd().raw()) }) })", True, [DESCRIPTORS]),
    ("a buffer ring accepted by another ring", "ring-core/src/raw/register/buf_ring/registration.rs",
     "        if buf_ring.owner != self.id {",
     "        if false {", True, [ADVERSARIAL]),
    # Foreign code: wakers, destructors and hooks may panic or call back.
    ("waker cloned inside the driver's borrow, before the claim is recorded", "ring-core/src/ownership/driver/admission.rs",
     "        match self.table.wakers.register_same(cx.waker()) {\n            Some(w) => slot.waker = w,",
     "        match Some(self.table.wakers.register_owned(cx.waker().clone(), &mut self.table.retired)) {\n"
     "            Some(w) => slot.waker = w,", True, [ADVERSARIAL, PROP]),
    ("the one-task turn leaves its waker marked due (its task is never listed, nor woken, again)",
     "ring-core/src/ownership/driver/wakers/due.rs",
     "        if core::mem::take(&mut e.due) {\n            e.waker.clone()", "        if e.due {\n            e.waker.clone()",
     True, [WAKERS_UNIT, DRIVER]),
    ("the one-task turn's wake is not caught (a panicking waker unwinds past the waker's last reference)",
     "ring-core/src/ownership/driver/side_work.rs",
     "                    caught.run(|| w.wake_by_ref());", "                    w.wake_by_ref();", True, [ADVERSARIAL]),
    ("a panicking wake skips the other wakers of the turn", "ring-core/src/ownership/driver/side_work.rs",
     "        caught.run(|| w.wake_by_ref());",
     "        w.wake_by_ref();", True, [ADVERSARIAL]),
    ("an orphan's panicking destructor skips the other orphans", "ring-core/src/ownership/driver/side_work.rs",
     "        for f in finishers {\n            caught.run(f);\n        }",
     "        for f in finishers {\n            f();\n        }", True, [ADVERSARIAL]),
    ("a join handle is not woken when its task ends", "ring-core/src/runtime/executor/task/join.rs",
     "        if let Some(w) = waker {\n            w.wake();\n        }\n    }\n}",
     "        drop(waker);\n    }\n}", True, [ADVERSARIAL]),
    ("provide_buffers allocates before checking its sizes", "ring-core/src/ownership/ops/provide_buffers.rs",
     "        let mut mem: Vec<u8> = Error::try_vec(\"provided buffer group\", total)?;\n        mem.resize(total, 0);",
     "        let mem = vec![0u8; len.saturating_mul(usize::from(nbufs))];", True, [ADVERSARIAL]),
    # One row per ring access path the loom models run as shipped
    # (verification/tests/loom_{cq,sq}_paths.rs, loom_resize.rs): each
    # weakens or reorders one path's access in place, as a bug in that path
    # alone would, rather than the shared constant in order.rs.
    ("CQ tail acquire relaxed on the drain path", CQ,
     "        let tail = self.sync_tail();\n        let n = tail.wrapping_sub(self.head);",
     "        self.cached_tail = self.tail_word().load(crate::sync::Ordering::Relaxed);\n"
     "        let tail = self.cached_tail;\n        let n = tail.wrapping_sub(self.head);", True,
     [loom("cq_drain", "loom_cq_paths")]),
    ("CQ tail acquire relaxed on the for_each path", CQ,
     "        let tail = self.sync_tail();\n        while self.head != tail {",
     "        self.cached_tail = self.tail_word().load(crate::sync::Ordering::Relaxed);\n"
     "        let tail = self.cached_tail;\n        while self.head != tail {", True,
     [loom("c_cqe_read_before_head_released_for_each")]),
    ("CQ tail acquire relaxed on the pop path (16-byte, 32-byte and mixed entries)", CQ,
     "            if self.head == self.cached_tail && self.sync_tail() == self.head {",
     "            if self.head == self.cached_tail && {\n"
     "                self.cached_tail = self.tail_word().load(crate::sync::Ordering::Relaxed);\n"
     "                self.cached_tail\n            } == self.head\n            {", True,
     [loom("cq_mixed_skip", "loom_cq_paths"), loom("cq_cqe32", "loom_cq_paths")]),
    ("CQ tail acquire relaxed on the ready path", CQ,
     "        self.sync_tail().wrapping_sub(self.head)\n    }",
     "        self.cached_tail = self.tail_word().load(crate::sync::Ordering::Relaxed);\n"
     "        self.cached_tail.wrapping_sub(self.head)\n    }", True,
     [loom("cq_ready", "loom_cq_paths")]),
    ("CQ head released before the entries are read (drain, a few ready)", CQ,
     "            let mut head = self.head;\n            while head != tail {",
     "            let mut head = self.head;\n            self.release_to(tail);\n            while head != tail {", True,
     [loom("cq_drain_few", "loom_cq_paths")]),
    ("CQ head released before the entries are read (drain, two runs)", CQ,
     "        unsafe { self.read_run(start, first, &mut f) };",
     "        self.release_to(tail);\n        unsafe { self.read_run(start, first, &mut f) };", True,
     [loom("cq_drain_runs", "loom_cq_paths")]),
    ("CQ head released before a 32-byte entry's second half is read (CQE32)", CQ,
     "            if self.unit_shift == 1 {\n                // SAFETY: as above; the second half of a 32-byte slot.\n",
     "            if self.unit_shift == 1 {\n"
     "                self.head_word().store(self.head.wrapping_add(1), order::CQ_HEAD_STORE);\n"
     "                // SAFETY: as above; the second half of a 32-byte slot.\n", True,
     [loom("cq_cqe32", "loom_cq_paths")]),
    ("CQ head released before a 32-byte entry's second half is read (mixed ring)", CQ,
     "                    // SAFETY: `pos + 1 <= mask` and inside `[head, tail)`.\n",
     "                    self.head_word().store(self.head.wrapping_add(2), order::CQ_HEAD_STORE);\n"
     "                    // SAFETY: `pos + 1 <= mask` and inside `[head, tail)`.\n", True,
     [loom("cq_mixed_big_entry", "loom_cq_paths")]),
    ("drain reads a mixed ring as 16-byte entries", CQ,
     "    pub fn drain(&mut self, mut f: impl FnMut(Cqe)) -> u32 {\n        if self.unit_shift == 1 || self.mixed {",
     "    pub fn drain(&mut self, mut f: impl FnMut(Cqe)) -> u32 {\n        if self.unit_shift == 1 {", True,
     [loom("cq_mixed_through_drain", "loom_cq_paths")]),
    ("SQ head acquire relaxed on the push_with path (the driver's single operations)", SQ,
     "    pub unsafe fn push_with(&mut self, build: impl FnOnce() -> io_uring_sqe) -> Result<(), SqFull> {\n"
     "        if !self.space_for(1) {",
     "    pub unsafe fn push_with(&mut self, build: impl FnOnce() -> io_uring_sqe) -> Result<(), SqFull> {\n"
     "        self.cached_head = self.head_word().load(crate::sync::Ordering::Relaxed);\n"
     "        if self.ptr.entries - self.len() < 1 {", True,
     [loom("sq_push_with", "loom_sq_paths")]),
    ("SQ head acquire relaxed on the publish path (its count refreshes the cached head)", SQ,
     "        self.sync_head();\n        self.len()\n",
     "        self.cached_head = self.head_word().load(crate::sync::Ordering::Relaxed);\n        self.len()\n", True,
     [loom("b_sq_slot_reused"), loom("sq_push_with", "loom_sq_paths")]),
    ("a linked chain published member by member (push_all)", SQ,
     "            unsafe { self.write_unit(slot << self.unit_shift, sqe) };\n"
     "            self.local_tail = self.local_tail.wrapping_add(1);\n        }\n        Ok(())",
     "            unsafe { self.write_unit(slot << self.unit_shift, sqe) };\n"
     "            self.local_tail = self.local_tail.wrapping_add(1);\n"
     "            self.tail_word().store(self.local_tail, order::SQ_TAIL_STORE);\n        }\n        Ok(())", True,
     [loom("sq_push_all_chain", "loom_sq_paths"), CHAIN_SPY]),
    ("the driver publishes a linked chain member by member", "ring-core/src/ownership/driver/chain_start.rs",
     "                if unsafe { ring.sq().push_all(&sqes) }.is_ok() {",
     "                if sqes.iter().all(|s| unsafe { ring.sq().push(s) }.is_ok() && { ring.sq().publish(); true }) {", True,
     [CHAIN_SPY]),
    ("push on an SQE128 ring leaves the slot's second half", SQ,
     "            // SAFETY: the same free slot's second unit.\n"
     "            unsafe { self.write_unit((slot << 1) + 1, &io_uring_sqe::default()) };",
     "            let _ = slot;", True,
     [loom("sq_sqe128", "loom_sq_paths")]),
    ("fill on an SQE128 ring leaves the slot's second half", SQ_BATCH,
     "        if self.sqe128 {\n", "        if false && self.sqe128 {\n", True,
     [loom("sq_sqe128", "loom_sq_paths")]),
    ("push128 on a mixed ring checks room for the entry but not the filler", SQ,
     "        let need = if at_end { 3 } else { 2 };", "        let need = 2;", True,
     [loom("sq_mixed_push128_waits", "loom_sq_paths")]),
    ("resize copies only the first half of a 128-byte SQE again", SQ_RESIZE,
     "        for unit in 0..2 {\n            // SAFETY: both units are inside their SQE arrays",
     "        for unit in 0..1 {\n            // SAFETY: both units are inside their SQE arrays", True,
     [loom("resize", "loom_resize")]),
    ("resize copies only the first half of a 32-byte CQE again", CQ,
     "        for unit in 0..2 {\n            // SAFETY: both units are inside their CQE arrays",
     "        for unit in 0..1 {\n            // SAFETY: both units are inside their CQE arrays", True,
     [loom("resize", "loom_resize")]),
    # Early releases of operations with more than one completion, and
    # routing paths that ignore the generation, caught by the
    # completion-stream target's corpus and cases (verification::cqe_stream).
    ("an orphaned zero-copy send released at its result, before its notification", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;\n            return;\n        };\n        let terminal = !cqe.more();",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;\n            return;\n        };\n"
     "        let terminal = !cqe.more() || (slot.phase == Phase::Orphaned && !slot.multishot);", True,
     [PROP_ZC, COMPLETION]),
    ("an orphaned multishot stream released at its next item, while the kernel holds a buffer of its pool", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;\n            return;\n        };\n        let terminal = !cqe.more();",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;\n            return;\n        };\n"
     "        let terminal = !cqe.more() || (slot.phase == Phase::Orphaned && slot.multishot);", True,
     [PROP_POOL, COMPLETION]),
    ("a single completion routed without its generation (the fast path)", "ring-core/src/ownership/driver/routing.rs",
     "            if let Some(slot) = self.slots.lookup_in_flight(cqe.user_data) {",
     "            let ud = match self.slots.iter_mut().nth(cqe.user_data as u32 as usize) {\n"
     "                Some((i, s)) if s.phase != Phase::Free => crate::ownership::driver::slot::encode(i, s.generation),\n"
     "                _ => cqe.user_data,\n            };\n"
     "            if let Some(slot) = self.slots.lookup_in_flight(ud) {", True,
     [ROUTING, COMPLETION]),
    ("the completion fast path takes an entry that is not in flight (an orphan's completion never frees it)",
     "ring-core/src/ownership/driver/slot.rs",
     "(slot.generation == generation && slot.phase == Phase::InFlight).then_some(slot)",
     "(slot.generation == generation && slot.phase != Phase::Free).then_some(slot)", True, [DRIVER, ADVERSARIAL]),
    ("a completion routed without its generation (streams, zero-copy, orphans: dispatch_other)", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;",
     "        let ud = match self.slots.iter_mut().nth(cqe.user_data as u32 as usize) {\n"
     "            Some((i, s)) if s.phase != Phase::Free => crate::ownership::driver::slot::encode(i, s.generation),\n"
     "            _ => cqe.user_data,\n        };\n"
     "        let Some((index, slot)) = self.slots.lookup(ud) else {\n            self.stats.stale += 1;", True,
     [ROUTING, COMPLETION]),
    ("a stream's completion routed without its generation (live streams only)", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;",
     "        let ud = match self.slots.iter_mut().nth(cqe.user_data as u32 as usize) {\n"
     "            Some((i, s)) if s.phase == Phase::InFlight && s.multishot => crate::ownership::driver::slot::encode(i, s.generation),\n"
     "            _ => cqe.user_data,\n        };\n"
     "        let Some((index, slot)) = self.slots.lookup(ud) else {\n            self.stats.stale += 1;", True,
     [ROUTING]),
    ("an orphan's completion routed without its generation (orphans only)", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;",
     "        let ud = match self.slots.iter_mut().nth(cqe.user_data as u32 as usize) {\n"
     "            Some((i, s)) if s.phase == Phase::Orphaned => crate::ownership::driver::slot::encode(i, s.generation),\n"
     "            _ => cqe.user_data,\n        };\n"
     "        let Some((index, slot)) = self.slots.lookup(ud) else {\n            self.stats.stale += 1;", True,
     [ROUTING]),
    ("a single-shot completion off the fast path routed without its generation (zero-copy result and notification)", "ring-core/src/ownership/driver/routing.rs",
     "        let Some((index, slot)) = self.slots.lookup(cqe.user_data) else {\n            self.stats.stale += 1;",
     "        let ud = match self.slots.iter_mut().nth(cqe.user_data as u32 as usize) {\n"
     "            Some((i, s)) if s.phase == Phase::InFlight && !s.multishot => crate::ownership::driver::slot::encode(i, s.generation),\n"
     "            _ => cqe.user_data,\n        };\n"
     "        let Some((index, slot)) = self.slots.lookup(ud) else {\n            self.stats.stale += 1;", True,
     [ROUTING]),
    ("a mixed CQ's 32-byte filler skipped as 16 bytes (its second half read as a completion)", CQ,
     "                    self.release_to(self.head.wrapping_add(if is_big { 2 } else { 1 }));",
     "                    self.release_to(self.head.wrapping_add(1));", True,
     [("regressions", ["cargo", "test", "-q", "-p", "verification", "--test", "regressions"], {}), COMPLETION]),
    # The SQE-builder target (verification::sqe_builders): an argument a
    # builder drops, and one it truncates.
    ("a builder drops an argument (Readv's buffer group)", "ring-core/src/raw/opcode/rw.rs",
     "        let Readv { fd, iovec, len, offset, ioprio, rw_flags, buf_group } = self;",
     "        let Readv { fd, iovec, len, offset, ioprio, rw_flags, buf_group: _ } = self;\n        let buf_group = 0;", True,
     [SQE_BUILDERS]),
    ("a builder truncates an argument (Madvise's 64-bit length into sqe.len)", "ring-core/src/raw/opcode/process.rs",
     "        match u32::try_from(len) {\n            Ok(l) => sqe.len = l,\n            Err(_) => sqe.set_off(len),\n        }",
     "        sqe.len = len as u32;", True,
     [SQE_BUILDERS]),
    # The safe-prepare target (verification::safe_prepare): an entry that
    # names more memory than its operation owns.
    ("a write sends its buffer's capacity, not its initialised bytes", "ring-core/src/ownership/ops/rw.rs",
     "        sqe.len = rw_len(self.buf.bytes_init());", "        sqe.len = rw_len(self.buf.bytes_total());", True,
     [SAFE_PREPARE]),
    ("a vectored read claims every iovec past IOV_MAX", "ring-core/src/ownership/ops/rw.rs",
     "        sqe.len = self.iovecs.len().min(IOV_MAX) as u32;", "        sqe.len = self.iovecs.len() as u32;", True,
     [SAFE_PREPARE]),
    ("permits: a waiter polled with a new waker is not looked at again after the clone", "ring-core/src/objects/semaphore/acquire.rs",
     "        // Granted or closed while the clone ran.\n        self.check(&w)",
     "        // Granted or closed while the clone ran.\n        let _ = &w;\n        Poll::Pending", True, [ADVERSARIAL]),
    # Caller flags and counts: no flag changes the file, the memory's lifetime or the meaning of a count.
    ("splice and tee accept SPLICE_F_FD_IN_FIXED from the caller", "ring-core/src/ownership/ops/flags.rs",
     "pub const SPLICE: u32 = libc::SPLICE_F_MOVE",
     "pub const SPLICE: u32 = (1 << 31) | libc::SPLICE_F_MOVE", True, [ADVERSARIAL]),
    ("plain sends accept MSG_ZEROCOPY", "ring-core/src/ownership/ops/flags.rs",
     "pub const SEND: i32 = libc::MSG_DONTWAIT",
     "pub const SEND: i32 = libc::MSG_ZEROCOPY | libc::MSG_DONTWAIT", True, [ADVERSARIAL]),
    ("receives (and bundles) accept MSG_TRUNC", "ring-core/src/ownership/ops/flags.rs",
     "pub const RECV: i32 = libc::MSG_DONTWAIT",
     "pub const RECV: i32 = libc::MSG_TRUNC | libc::MSG_DONTWAIT", True, [ADVERSARIAL]),
    ("Slice::set_init forwards a count past the slice's end", "ring-core/src/ownership/buf/slice.rs",
     "        let n = n.min(self.end - self.begin);",
     "        let n = n;", True, [ADVERSARIAL]),
    ("recvmsg hands back control padding the kernel never wrote", "ring-core/src/ownership/ops/msg.rs",
     "        self.msg.control.resize(cap, 0);",
     "        unsafe { self.msg.control.set_len(cap) };", True, [ADVERSARIAL]),
    ("a bundle's walk follows a stale successor past the newest push", "ring-core/src/ownership/pool.rs",
     "            let follows = next < self.count\n                && Some(bid) != st.last_pushed",
     "            let follows = next < self.count\n                || Some(bid) != st.last_pushed", True, [POOL_UNIT]),
    ("sendmsg passes SCM_RIGHTS numbers the message does not hold", "ring-core/src/ownership/ops/msg.rs",
     "        (walked.is_err() || refused).then_some(libc::EINVAL)",
     "        (false && (walked.is_err() || refused)).then_some(libc::EINVAL)", True, [ADVERSARIAL]),
    ("socket_cmd reads SO_GET_FILTER (the kernel writes up to eight times the buffer)", "ring-core/src/ownership/ops/cmd.rs",
     "            SocketCmd::GetOpt { name, .. } if !PLAIN_GETSOCKOPTS.contains(name) => {",
     "            SocketCmd::GetOpt { name, .. } if false && !PLAIN_GETSOCKOPTS.contains(name) => {", True, [ADVERSARIAL]),
    ("converting a std stream outside a runtime panics", "ring-core/src/runtime/from_std.rs",
     "            None => Err(NoRuntime::new(s)),",
     "            None => panic!(\"TcpStream::from outside a Runtime: {s:?}\"),", True, [ADVERSARIAL]),
    # Bad input, operations named by handles, completions with chosen user_data.
    ("readv_fixed panics on more than IOV_MAX segments (the assert it had)", "ring-core/src/ownership/ops/fixed.rs",
     "    if segments.len() > IOV_MAX {\n        return Some(Error::TooLong { what: \"segment count\", len: segments.len(), max: IOV_MAX });\n    }",
     "    assert!(segments.len() <= IOV_MAX, \"at most IOV_MAX (1024) segments\");", True, [BAD_INPUT]),
    ("readv_fixed takes a segment outside the registered buffer", "ring-core/src/ownership/ops/fixed.rs",
     "    if segments.iter().any(|s| s.start > s.end || s.end > cap) {",
     "    if false {", True, [BAD_INPUT]),
    ("readv/writev allocate and submit more than IOV_MAX iovecs", "ring-core/src/ownership/ops/rw.rs",
     "    if count > IOV_MAX {", "    if false {", True, [BAD_INPUT]),
    ("sendmsg/recvmsg allocate and submit more than IOV_MAX iovecs", "ring-core/src/ownership/ops/msg.rs",
     "    (n > IOV_MAX).then_some(libc::E2BIG)", "    (n > IOV_MAX && false).then_some(libc::E2BIG)", True, [BAD_INPUT]),
    ("socket_cmd sets any option (a value with a pointer the kernel follows)", "ring-core/src/ownership/ops/cmd.rs",
     "            SocketCmd::SetOpt { level, name, .. } if !PLAIN_SOCKOPTS.contains(&(*level, *name)) => {",
     "            SocketCmd::SetOpt { .. } if false => {", True, [BAD_INPUT]),
    ("AlignedBuf reports an allocation failure as a bad argument", "ring-core/src/ownership/buf/aligned.rs",
     ".ok_or(Error::OutOfMemory { what: \"aligned buffer\", bytes: size })?;",
     ".ok_or(Error::InvalidArgument(\"buffer length is zero or too large\"))?;", True, [BAD_INPUT]),
    ("Timespec::new wraps seconds above i64::MAX into a negative time", "ring-core/src/raw/types.rs",
     "        let sec = if sec > i64::MAX as u64 { i64::MAX } else { sec as i64 };",
     "        let sec = sec as i64;", True, [BAD_INPUT]),
    ("a poll target of another driver is accepted", "ring-core/src/ownership/driver/handle.rs",
     "        if target.ring != self.shared.ring {", "        if false {", True, [NAMED]),
    ("a poll target whose poll ended is accepted", "ring-core/src/ownership/driver/handle.rs",
     "        if inner.table.slots.names(target.index, target.generation, target.serial) {", "        if true {", True,
     [NAMED]),
    ("an operation starts on a ring still disabled", "ring-core/src/ownership/driver/handle.rs",
     "            not_open: disabled,", "            not_open: false,", True, [DISABLED]),
    ("a ring enabled through the driver stays refused", "ring-core/src/ownership/driver/inner.rs",
     "            self.disabled = !ring.is_enabled();", "            self.disabled = self.disabled || !ring.is_enabled();",
     True, [DISABLED]),
    ("a poll removal starts after its poll ended", "ring-core/src/ownership/driver/admission.rs",
     "            if !self.table.slots.names(t.index, t.generation, t.serial) {", "            if false {", True, [NAMED]),
    ("a poll target names its entry by generation only (no serial)", "ring-core/src/ownership/driver/slot.rs",
     ".is_some_and(|s| s.named && s.serial == serial && matches!(",
     ".is_some_and(|s| s.named && matches!(", True, [CORE_UNIT]),
    ("an entry keeps the nameable mark of its previous operation", "ring-core/src/ownership/driver/slot.rs",
     "        slot.named = named;", "        slot.named |= named;", True, [CORE_UNIT]),
    ("an update asks for a multishot poll on a single-shot one", "ring-core/src/ownership/ops/poll.rs",
     "            b = b.new_events(ev).multi(self.target.multishot);",
     "            b = b.new_events(ev).multi(true);", True, [CORE_UNIT]),
    ("tagged file registration is safe (a completion with a chosen user_data)", "ring-core/src/raw/register/files.rs",
     "    pub unsafe fn register_files_tags(", "    pub fn register_files_tags(", True, [TAG_DOCS]),
    ("tagged file update is safe (a completion with a chosen user_data)", "ring-core/src/raw/register/files.rs",
     "    pub unsafe fn update_files_tags(", "    pub fn update_files_tags(", True, [TAG_DOCS]),
    ("cancellations wait for a credit that only their targets can return (two streams on a CQ of two)",
     "ring-core/src/ownership/driver/cancel.rs",
     "        if self.table.credits == 0 && !self.cancel_backlog.is_empty() {\n            self.cancel_without_credit();",
     "        if self.table.credits == 0 && !self.cancel_backlog.is_empty() {\n            let _ = 0;", True,
     [SIM_DRIVER, DRIVER]),
    # The runtime's park and wake-up protocol as shipped
    # (verification/tests/loom_runtime.rs: WakeQueue, the wakers, the
    # handles' job queue, Scheduler::run_ready and executor::may_block).
    ("the executor looks for work before it announces that it parks", "ring-core/src/runtime/executor/mod.rs",
     "    queue.gate.announce_park();\n    !(queue.has_work() || remote.has_jobs() || main.is_woken())",
     "    let idle = !(queue.has_work() || remote.has_jobs() || main.is_woken());\n"
     "    queue.gate.announce_park();\n    idle", True,
     [loom("runtime_", "loom_runtime")]),
    ("a waker on another thread never signals a parked runtime", "ring-core/src/runtime/executor/task/wake.rs",
     "        if self.gate.needs_signal() {", "        if false && self.gate.needs_signal() {", True,
     [loom("runtime_", "loom_runtime")]),
    ("the park looks at woken tasks only (jobs from handles ignored)", "ring-core/src/runtime/executor/mod.rs",
     "    !(queue.has_work() || remote.has_jobs() || main.is_woken())",
     "    !(queue.has_work() || main.is_woken())", True,
     [loom("runtime_handle", "loom_runtime")]),
    ("an abort wakes its task before it marks it aborted", "ring-core/src/runtime/executor/task/abort.rs",
     "        self.inner.aborted.store(true, ABORTED);\n        self.inner.task.wake_by_ref();",
     "        self.inner.task.wake_by_ref();\n        self.inner.aborted.store(true, ABORTED);", True,
     [loom("runtime_task_aborted", "loom_runtime")]),
    ("a job looks at its handle's abort before it hands over its task", "ring-core/src/runtime/handle.rs",
     "        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(abort.clone());\n        if self.aborted.load(ABORTED) {",
     "        let aborted = self.aborted.load(ABORTED);\n"
     "        *self.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(abort.clone());\n        if aborted {", True,
     [loom("runtime_remote_abort", "loom_runtime")]),
    ("a task's queued flag cleared by a plain store (a waker's writes not acquired)", "ring-core/src/runtime/executor/task/scheduler.rs",
     "            task.waker.queued.swap(false, TASK_QUEUED_CLEAR);",
     "            task.waker.queued.store(false, crate::sync::Ordering::SeqCst);", True,
     [loom("runtime_task_woken_during", "loom_runtime")]),
    ("a task's queued flag cleared after its poll (a wake-up during the poll lost)", "ring-core/src/runtime/executor/task/scheduler.rs",
     "            task.waker.queued.swap(false, TASK_QUEUED_CLEAR);\n            let waker = Waker::from(task.waker.clone());\n            let mut cx = Context::from_waker(&waker);\n            let Ok(mut slot) = task.future.try_borrow_mut() else {\n                busy.push(task.waker.clone());\n                continue;\n            };\n            let Some(fut) = slot.as_mut() else { continue };\n            ran += 1;\n            let poll = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));\n",
     "            let waker = Waker::from(task.waker.clone());\n            let mut cx = Context::from_waker(&waker);\n            let Ok(mut slot) = task.future.try_borrow_mut() else {\n                busy.push(task.waker.clone());\n                continue;\n            };\n            let Some(fut) = slot.as_mut() else { continue };\n            ran += 1;\n            let poll = catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx)));\n            task.waker.queued.store(false, crate::sync::Ordering::SeqCst);\n", True,
     [loom("runtime_task_woken_during", "loom_runtime")]),
    ("the submit strategy's panic is not contained (it leaves a driver call or a destructor)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| strategy.submit_now(unsubmitted))) {\n"
     "            Ok(now) => now,\n"
     "            Err(p) => self.strategy_panicked(p),\n"
     "        }",
     "        strategy.submit_now(unsubmitted)", True, [STRATEGY, PROP_DRIVE]),
    # Only the default drive over the crate's own strategies is asked
    # directly; everything else is the caller's code, contained.
    ("a caller's drive is taken for one of the crate's own (asked directly, never contained)",
     "ring-core/src/ownership/driver/held_drive.rs",
     "        if any.is::<DefaultDrive<SqPoll>>() {", "        if true {", True, [DRIVE_UNIT, DRIVE]),
    ("a caller's drive is not asked for the turn (the default entry made for every drive)",
     "ring-core/src/ownership/driver/submitter.rs",
     "            HeldDrive::Foreign(_) => self.ask_foreign_submit(want, timeout),",
     "            HeldDrive::Foreign(_) => enter_default(ring, want, timeout),", True, [DRIVE]),
    ("a kept panic of the drive is not announced as side work (raised late, or never)",
     "ring-core/src/ownership/driver/submitter.rs",
     "            self.to_wake.push(core::task::Waker::noop().clone());", "", True, [STRATEGY, DRIVE]),
    ("the drive's SQ-room answer is not contained (its panic unwinds out of a start)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.poll_ready_sq(free, needed))) {\n"
     "            Ok(ready) => ready.is_ready(),\n"
     "            Err(p) => self.strategy_panicked(p),\n"
     "        }",
     "        drive.poll_ready_sq(free, needed).is_ready()", True, [DRIVE, PROP_DRIVE]),
    ("the drive's turn is not contained (its panic unwinds out of the driver's borrow)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.submit(&mut enter)));",
     "        let r = Ok::<_, crate::ownership::driver::caught::Payload>(drive.submit(&mut enter));", True,
     [DRIVE, PROP_DRIVE]),
    ("the drive's completion count is not contained",
     "ring-core/src/ownership/driver/submitter.rs",
     "        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drive.on_completions(n))) {\n"
     "            self.strategy_panicked(p);\n"
     "        }",
     "        drive.on_completions(n);", True, [DRIVE, PROP_DRIVE]),
    ("the driver trusts the drive to submit (what it left written never reaches the kernel)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        let ring = self.ring.as_mut().expect(\"checked above\");\n        if let Err(e) = ring.submit() {",
     "        let ring = self.ring.as_mut().expect(\"checked above\");\n        if let Err(e) = Ok::<u32, Error>(0) {", True,
     [DRIVE, PROP_DRIVE]),
    ("the driver submits what the drive left only when entries are written (a DEFER_TASKRUN ring's completions starve)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        let ring = self.ring.as_mut().expect(\"checked above\");\n        if let Err(e) = ring.submit() {",
     "        let ring = self.ring.as_mut().expect(\"checked above\");\n        if let Err(e) = if ring.sq.is_empty() { Ok(0) } else { ring.submit() } {", True,
     [PROP_DRIVE]),
    ("a drive can wait in a turn that asked for no wait (Driver::poll blocks)",
     "ring-core/src/ownership/driver/drive.rs",
     "            (false, _) => self.ring.submit(),", "            (false, _) => self.ring.submit_and_wait(1),", True, [DRIVE]),
    ("each wait of a drive gets the turn's whole timeout (several waits outlast it)",
     "ring-core/src/ownership/driver/drive.rs",
     "        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))",
     "        self.deadline.map(|_| Duration::from_millis(30))", True, [DRIVE]),
    ("a drive that panicked is asked again (its contract: never after a panic)",
     "ring-core/src/ownership/driver/submitter.rs",
     "        self.strategy_failed = true;\n        if self.strategy_panic.is_none() {",
     "        if self.strategy_panic.is_none() {", True, [PROP_DRIVE, DRIVE]),
    ("teardown asks the submit strategy (foreign code in a destructor's path)",
     "ring-core/src/ownership/driver/submitter.rs",
     "if self.closed || self.strategy_failed {", "if self.strategy_failed {", True, [STRATEGY, PROP_DRIVE]),
    ("the submit strategy's drop is not caught at teardown (a panic there aborts a thread already unwinding)",
     "ring-core/src/ownership/driver/teardown.rs",
     "        caught.run(move || drop(strategy));", "        drop(strategy);", True, [STRATEGY]),
    ("a panic of the submit strategy is kept but never raised (lost)", "ring-core/src/ownership/driver/side_work.rs",
     "            if let Some(p) = inner.strategy_panic.take() {\n                caught.keep(p);\n            }",
     "            if let Some(p) = inner.strategy_panic.take() {\n                core::mem::forget(p);\n            }", True,
     [STRATEGY, PROP_DRIVE]),
    ("a driver call from inside the driver says 'shut down' instead of Reentrant",
     "ring-core/src/ownership/driver/shared.rs",
     ".map_err(|_| Error::Reentrant)?;", ".map_err(|_| Error::NotConfigured(\"the driver is shut down\"))?;", True,
     [STRATEGY]),
    ("the state's drop trusts `closed` (teardown began) instead of the entries' phases",
     "ring-core/src/ownership/driver/teardown.rs",
     "        self.ring.is_none()\n    }\n\n    /// Whether the kernel may still use the table's memory, read from the\n    /// entries themselves: one still in the kernel (in flight or orphaned)\n    /// means it may, whatever else happened on the way here.\n    pub(super) fn kernel_may_use_table(&mut self) -> bool {\n        self.leaked || self.table.slots.iter_mut().any(|(_, s)| matches!(s.phase, Phase::InFlight | Phase::Orphaned))",
     "        self.closed\n    }\n\n    /// Whether the kernel may still use the table's memory, read from the\n    /// entries themselves: one still in the kernel (in flight or orphaned)\n    /// means it may, whatever else happened on the way here.\n    pub(super) fn kernel_may_use_table(&mut self) -> bool {\n        self.leaked", True, [CORE_UNIT]),
    ("a blocking remote join on the runtime's own thread waits (a silent deadlock)", "ring-core/src/runtime/handle.rs",
     "p @ Outcome::Pending(_) if own_thread => {", "p @ Outcome::Pending(_) if false => {", True,
     [("adversarial join handles",
       ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "join_handles"], {})]),
    ("SQ_REWIND reaches setup (the crate's queue would have the kernel reissue stale entries)", "ring-core/src/raw/setup_flags.rs",
     "    if has(IORING_SETUP_SQ_REWIND) {\n        // The kernel ignores",
     "    if false {\n        // The kernel ignores", True, [BAD_INPUT]),
    ("copy trusts a writer's count past the chunk it was given", "ring-core/src/objects/io/copy.rs",
     "Ok(n) => match super::traits::checked_count(n, chunk.len(), \"writer\") {",
     "Ok(n) => match Ok::<usize, io::Error>(n) {", True, [COUNTS]),
    ("BufReader passes on a reader's count past the buffer", "ring-core/src/objects/io/buf_reader.rs",
     "self.inner.poll_read(cx, buf).map(|r| r.and_then(|n| super::traits::checked_count(n, len, \"reader\")))",
     "self.inner.poll_read(cx, buf)", True, [COUNTS]),
    ("buffer freed when a deadline, an abort or a dropped JoinSet drops its operation", "ring-core/src/ownership/driver/cancel.rs",
     "            Phase::InFlight => {\n                slot.phase = Phase::Orphaned;\n",
     "            Phase::InFlight => {\n                slot.phase = Phase::Orphaned;\n"
     "                if let Some(s) = self.table.storage.as_ref() { unsafe { s.clear(index as usize) }; }\n", True, [DEADLINES]),
    ("an aborted task is polled on", "ring-core/src/runtime/executor/task/abort.rs",
     "        if self.abort.is_aborted() {\n            return Poll::Ready(None);\n        }",
     "", True, [TASKS]),
    ("a dropped JoinSet leaves its tasks running", "ring-core/src/runtime/task/join_set.rs",
     "    fn drop(&mut self) {\n        for m in self.members.iter().flatten() {\n            m.handle.abort();\n        }",
     "    fn drop(&mut self) {", True, [TASKS]),
    ("a dropped acquire keeps the permits granted to it", "ring-core/src/objects/semaphore/acquire.rs",
     "        if w.granted.get() {\n            sem.release(w.need);\n            return;\n        }",
     "        if w.granted.get() {\n            return;\n        }", True, [SYNC, ADVERSARIAL]),
    ("a channel wakes its receiver with its queue borrowed", "ring-core/src/runtime/channel/mpsc.rs",
     "        self.queue.borrow_mut().push_back(v);\n        if let Some(w) = self.rx_waker.take() {\n            w.wake();\n        }",
     "        let mut q = self.queue.borrow_mut();\n        q.push_back(v);\n"
     "        if let Some(w) = self.rx_waker.take() {\n            w.wake();\n        }\n        drop(q);", True, [ADVERSARIAL]),
    ("a blocking job's panic is not caught on its thread", "ring-core/src/runtime/task/blocking.rs",
     "    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {\n        Ok(v) => sender.send(v),\n        Err(p) => sender.panicked(p),\n    }",
     "    sender.send(f())", True, [ADVERSARIAL]),
    # Atomics only through ring-core's sync module (the loom switch): one
    # taken straight from std escapes the loom models, and clippy refuses it.
    ("the executor takes an atomic from std, past the loom switch", "ring-core/src/runtime/executor/task/wake.rs",
     "use crate::sync::{AtomicBool, AtomicUsize, Mutex};",
     "use crate::sync::{AtomicUsize, Mutex};\nuse std::sync::atomic::AtomicBool;", True, [CLIPPY]),
    ("a collected operation's waker is not kept as the most recent (an allocation per operation when tasks take turns)",
     "ring-core/src/ownership/driver/wakers.rs",
     "        self.cache[cache_slot(e.data)] = index;\n        let previous = core::mem::replace(&mut self.last, index);\n        self.free_if_idle(previous)",
     "        self.free_if_idle(index)", True,
     [ALLOCATIONS]),
    ("defer_taskrun without TASKRUN_FLAG (a busy runtime never runs deferred completions)", "ring-core/src/raw/setup.rs",
     "self.flag(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG)",
     "self.flag(IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)", True,
     [("raw setup_flags", ["cargo", "test", "-q", "-p", "ring-core", "--test", "raw", "setup_flags::"], {})]),
    ("the waker cache is not consulted (an allocation per operation when tasks with a stream in flight take turns)",
     "ring-core/src/ownership/driver/wakers.rs",
     "        let i = self.cache[cache_slot(w.data())];",
     "        let i = NO_WAKER;\n        let _ = cache_slot(w.data());", True,
     [ALLOCATIONS]),
    ("a stream's item does not make its task's waker the most recent (allocations when tasks answering their streams collide in the waker cache)",
     "ring-core/src/ownership/driver/collect.rs",
     "                if let Some(old) = self.table.wakers.touch(waker) {",
     "                if let Some(old) = None::<crate::ownership::driver::wakers::Retired>.filter(|_| waker == 0) {", True,
     [ALLOCATIONS]),
    ("the timed wrapper drops its operation's file-slot check", "ring-core/src/ownership/deadline.rs",
     "    fn bare_file_slots(&self) -> Option<(u32, u32)> {\n        self.0.bare_file_slots()\n    }",
     "    fn bare_file_slots(&self) -> Option<(u32, u32)> {\n        None\n    }", True, [STATE]),
    ("the timed wrapper drops its operation's poll target check", "ring-core/src/ownership/deadline.rs",
     "    fn names(&self) -> Option<crate::ownership::operation::PollTarget> {\n        self.0.names()\n    }",
     "    fn names(&self) -> Option<crate::ownership::operation::PollTarget> {\n        None\n    }", True, [STATE]),
    # A deadline holds while its operation (or its timer) waits for a
    # credit: user-space deadlines bound the park and end what never
    # reached the kernel.
    ("the park is not bounded by the deadlines of operations waiting for a credit",
     "ring-core/src/ownership/driver/shared.rs",
     "let (wait, timeout) = match self.earliest_user_deadline() {",
     "let (wait, timeout) = match None::<std::time::Instant> {", True, [CREDITLESS]),
    ("a user-space deadline kept is not seen by the turn (the earliest not kept on insert)",
     "ring-core/src/ownership/driver/deadline_watch.rs",
     "                self.key = Some(d.insert(at, waker));\n                self.shared.next_user_deadline.set(d.earliest());",
     "                self.key = Some(d.insert(at, waker));", True, [DEADLINE_UNIT, CREDITLESS]),
    ("a forgotten user-space deadline still bounds the park (the earliest not kept on removal)",
     "ring-core/src/ownership/driver/deadline_watch.rs",
     "                let old = d.remove(key);\n                self.shared.next_user_deadline.set(d.earliest());",
     "                let old = d.remove(key);", True, [DEADLINE_UNIT]),
    ("the turn fires no user-space deadline",
     "ring-core/src/ownership/driver/shared.rs",
     "        if self.earliest_user_deadline().is_some() {\n            self.fire_user_deadlines(&mut caught);",
     "        if false {\n            self.fire_user_deadlines(&mut caught);", True, [CREDITLESS]),
    ("a timed chain waiting for credits ignores its deadline", "ring-core/src/ownership/deadline.rs",
     "                        if Instant::now() < at {\n                            this.user.watch(at, cx);",
     "                        if true {\n                            this.user.watch(at, cx);", True, [CREDITLESS]),
    ("a racing timer waiting for a credit never fires", "ring-core/src/ownership/deadline.rs",
     "                        if !timer.never_submitted() {",
     "                        if true {", True, [CREDITLESS, SIM_CREDITLESS]),
    ("a sleep whose timer waits for a credit never ends", "ring-core/src/runtime/time/sleep.rs",
     "            Poll::Pending if timer.never_submitted() => {",
     "            Poll::Pending if timer.never_submitted() && false => {", True, [CREDITLESS]),
    ("registering a file table does not first submit the entries checked without it",
     "ring-core/src/ownership/fixed_files.rs",
     "            ring.submit_all(core::time::Duration::from_secs(1))?;\n",
     "", True, [STATE]),
    # The book's checker (verification/tests/book.rs): a claim's evidence
    # that does not exist, a helper named as the test, a broken anchor, a
    # commit hash in a chapter's prose.
    ("the book tags a claim with a test that does not exist", "docs/ownership.md",
     "::dropping_a_socket_reader_mid_read_keeps_its_buffer_for_the_kernel]",
     "::dropping_a_socket_reader_mid_read_keeps_its_buffer]", True, [BOOK]),
    ("the book tags a claim with a helper, not a test", "docs/multishot.md",
     "[test: ring-core/tests/io/net.rs::multishot_accept_200_connections]",
     "[test: ring-core/tests/io/net.rs::pattern]", True, [BOOK]),
    ("the book links to a heading that does not exist", "docs/README.md",
     "(#how-claims-are-tagged)", "(#how-claims-are-labelled)", True, [BOOK]),
    ("a chapter records the commit a figure was measured on", "docs/verification.md",
     "The ordering and lifecycle rows, each run with",
     "The ordering and lifecycle rows, re-run on commit 58d2cf1, each run with", True, [BOOK]),
    # The behaviour suites (ring-core/tests/raw/, ownership/, io/): one
    # module of each binary, by its path.
    ("openat's close-on-exec bit XORed in (a caller's own O_CLOEXEC clears it)", "ring-core/src/ownership/ops/fs.rs",
     "sqe.set_open_flags(self.flags as u32 | libc::O_CLOEXEC as u32);",
     "sqe.set_open_flags(self.flags as u32 ^ libc::O_CLOEXEC as u32);", True,
     [("ownership ops_file_system", ["cargo", "test", "-q", "-p", "ring-core", "--test", "ownership", "ops_file_system::"], {})]),
    ("setup_flag_name names every flag by the unknown bit's text", "ring-core/src/raw/setup_flags.rs",
     '.map_or("unknown IORING_SETUP_* bit", |(_, n, _)| n)',
     '.map_or("unknown IORING_SETUP_* bit", |_| "unknown IORING_SETUP_* bit")', True,
     [("raw setup", ["cargo", "test", "-q", "-p", "ring-core", "--test", "raw", "setup::"], {})]),
    ("AioContext::in_flight reports nothing in flight", "ring-core/src/objects/adapters/aio.rs",
     "        self.capacity - self.sem.available_permits()\n",
     "        self.capacity - self.sem.available_permits().max(self.capacity)\n", True,
     [("io aio_and_uring", ["cargo", "test", "-q", "-p", "ring-core", "--test", "io", "aio_and_uring::"], {})]),
    # Changes that are not bugs: every suite must still pass.
    ("CQ head load Relaxed -> Acquire (not a bug: only the app writes it)", ORDER,
     "pub const CQ_HEAD_LOAD: Ordering = Ordering::Relaxed;",
     "pub const CQ_HEAD_LOAD: Ordering = Ordering::Acquire;", False, [loom("c_cqe_read_before_head"), SIM]),
    ("SQ tail store Relaxed without SQPOLL (not a bug: the syscall orders it)", ORDER,
     "pub const SQ_TAIL_STORE: Ordering = Ordering::Release;",
     "pub const SQ_TAIL_STORE: Ordering = Ordering::Relaxed;", False, [loom("f_sq_tail_without_sqpoll"), SIM]),
    ("the eventfd flag EVENTFD_ARMED Relaxed (not a bug: one thread reads and writes it)", ORDER,
     "pub const EVENTFD_ARMED: Ordering = Ordering::SeqCst;",
     "pub const EVENTFD_ARMED: Ordering = Ordering::Relaxed;", False,
     [("runtime", ["cargo", "test", "-q", "-p", "ring-core", "--test", "runtime"], {})]),
    ("a blocking waiter's BLOCKING_GRANTED flag Relaxed (not a bug: the locks order it)", ORDER,
     "pub const BLOCKING_GRANTED: Ordering = Ordering::SeqCst;",
     "pub const BLOCKING_GRANTED: Ordering = Ordering::Relaxed;", False,
     [TASKS, ("adversarial permits and channels",
              ["cargo", "test", "-q", "-p", "ring-core", "--test", "adversarial", "permits_and_channels_survive_foreign_code"], {})]),
    ("resize's loads of the new ring words Relaxed (not a bug: the register call orders them)", SQ_RESIZE,
     "unsafe { (new.head.as_ref().load(order::SQ_HEAD_LOAD), new.tail.as_ref().load(order::SQ_TAIL_LOAD)) };",
     "unsafe { (new.head.as_ref().load(crate::sync::Ordering::Relaxed), new.tail.as_ref().load(order::SQ_TAIL_LOAD)) };",
     False, [loom("resize", "loom_resize")]),
]

# The commit under test, fixed when the run starts: a commit made while the
# run is going must not mix two trees (every file comes from this commit,
# including the pristine text each plant starts from).
COMMIT = None


def sync_scratch():
    """Exports the committed tree (HEAD, pinned in COMMIT) into the scratch
    directory, so uncommitted work in progress never leaks into the
    experiment; files that did not change keep their timestamps, so cargo
    rebuilds only what a plant touches."""
    import io, tarfile
    global COMMIT
    COMMIT = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.strip()
    data = subprocess.run(["git", "archive", COMMIT], cwd=ROOT, check=True, capture_output=True).stdout
    os.makedirs(SCRATCH, exist_ok=True)
    kept = set()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for m in tar.getmembers():
            if not m.isfile():
                continue
            kept.add(os.path.normpath(m.name))
            dst = os.path.join(SCRATCH, m.name)
            content = tar.extractfile(m).read()
            if os.path.exists(dst) and open(dst, "rb").read() == content:
                continue
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(content)
    # A file the tree no longer has (a test target moved into a folder, a
    # module renamed) must not stay behind: cargo would still build it.
    for d, dirs, files in os.walk(SCRATCH):
        dirs[:] = [x for x in dirs if x != "target"]
        for name in files:
            rel = os.path.relpath(os.path.join(d, name), SCRATCH)
            if rel not in kept:
                os.remove(os.path.join(SCRATCH, rel))


def pristine_text(path):
    return subprocess.run(["git", "show", COMMIT + ":" + path], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def run_suite(suite):
    name, cmd, extra = suite
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", TARGET)
    env.update(extra)
    env.setdefault("PROPTEST_CASES", "64")
    t = time.time()
    # In a session of its own, so that a hang can be killed whole: cargo's
    # test binary is a grandchild, which killing cargo alone leaves running.
    p = subprocess.Popen(cmd, cwd=SCRATCH, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    try:
        stdout, stderr = p.communicate(timeout=SUITE_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        # A suite that hangs under the plant (a lost submission waits
        # forever) has caught it as surely as an assertion.
        return "fail", time.time() - t, "timeout"
    r = subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr)
    out = r.stdout + r.stderr
    # A run that never reached a test (a compile or cargo error) proves
    # nothing either way: report it, never count it as a catch.
    started = "running " in out  # the test harness started: compilation succeeded
    if cmd[1] == "clippy":
        # A lint suite: a refusal by a lint is the catch; any other error is not.
        if r.returncode != 0 and "clippy::" not in out and "disallowed" not in out:
            return "build-error", time.time() - t, out
        return ("pass" if r.returncode == 0 else "fail"), time.time() - t, out
    if r.returncode != 0 and not started:
        return "build-error", time.time() - t, out
    if "running 0 tests" in out and "test result" in out and r.returncode == 0:
        return "no-test", time.time() - t, out
    return ("pass" if r.returncode == 0 else "fail"), time.time() - t, out

def suite_filters(cmd):
    """The test-name filters of a cargo test command: its positional words
    after the package and targets, and those after `--` (the test harness
    runs the tests matching any of them)."""
    out, skip = [], False
    for w in cmd[2:]:
        if w == "--":
            continue
        if skip:
            skip = False
            continue
        if w in ("-p", "--test", "--features", "--target"):
            skip = True
            continue
        if not w.startswith("-"):
            out.append(w)
    return out


def test_paths(crate, targets):
    """Every `module::fn` (or `fn`) path defined in the given test targets
    (a target `t` is `tests/t.rs`, or `tests/t/main.rs` with its modules)."""
    import glob, re
    files = []
    for t in targets:
        single = os.path.join(ROOT, crate, "tests", t + ".rs")
        if os.path.exists(single):
            files.append((single, ""))
        for f in glob.glob(os.path.join(ROOT, crate, "tests", t, "**", "*.rs"), recursive=True):
            rel = os.path.relpath(f, os.path.join(ROOT, crate, "tests", t))[:-3]
            files.append((f, "" if rel == "main" else rel.replace(os.sep, "::").removesuffix("::mod") + "::"))
    out = []
    for f, prefix in files:
        for m in re.finditer(r"\bfn (\w+)", open(f).read()):
            out.append(prefix + m.group(1))
    return out


def check():
    """Every plant applies to the tree as it is (its text is found in its
    file), and every suite names test targets and packages that exist."""
    problems = []
    names = set()
    for name, path, old, new, is_bug, suites in PLANTS:
        if name in names:
            problems.append(f"{name}: two rows of this name")
        names.add(name)
        full = os.path.join(ROOT, path)
        if not os.path.exists(full):
            problems.append(f"{name}: no file {path}")
            continue
        if old not in open(full).read():
            problems.append(f"{name}: its text is not in {path} (the code moved: update the row)")
        for label, cmd, _env in suites:
            pkg = cmd[cmd.index("-p") + 1] if "-p" in cmd else None
            crate = {"ring-core": "ring-core", "verification": "verification", "ring-sys": "ring-sys"}.get(pkg)
            for i, w in enumerate(cmd):
                if w == "--test" and crate:
                    t = cmd[i + 1]
                    if not (os.path.exists(os.path.join(ROOT, crate, "tests", t + ".rs"))
                            or os.path.exists(os.path.join(ROOT, crate, "tests", t, "main.rs"))):
                        problems.append(f"{name}: suite {label} names a test target {crate}/tests/{t} that does not exist")
            filters = suite_filters(cmd)
            targets = [cmd[i + 1] for i, w in enumerate(cmd) if w == "--test"]
            if crate and filters and targets:
                tests = test_paths(crate, targets)
                for f in filters:
                    if not any(f in t for t in tests):
                        problems.append(f"{name}: suite {label} filters on {f!r}, which names no test of its targets")
    for p in problems:
        print(p)
    print(f"{len(PLANTS)} plants checked, {len(problems)} problems")
    sys.exit(1 if problems else 0)

def main():
    if "--check" in sys.argv:
        check()
    only = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else None
    sync_scratch()
    rows, ok = [], True
    for name, path, old, new, is_bug, suites in PLANTS:
        if only and not any(o.lower() in name.lower() for o in only):
            continue
        pristine = pristine_text(path)
        if old not in pristine:
            rows.append((name, "bug" if is_bug else "not a bug", "-", "STALE (text not found)", 0.0))
            ok = False
            continue
        with open(os.path.join(SCRATCH, path), "w") as f:
            f.write(pristine.replace(old, new, 1))
        caught, total, verdict = None, 0.0, None
        try:
            for suite in suites:
                res, dt, out = run_suite(suite)
                total += dt
                if res == "build-error":
                    verdict = "BUILD ERROR in " + suite[0]
                    sys.stderr.write(out[-3000:])
                    break
                if res == "no-test":
                    verdict = "NO TEST matched " + suite[0]
                    break
                if res == "fail":
                    caught = suite[0] + (" (hang)" if out == "timeout" else "")
                    if is_bug:
                        break
        finally:
            with open(os.path.join(SCRATCH, path), "w") as f:
                f.write(pristine)
        if verdict is None:
            if is_bug:
                verdict = "caught" if caught else "MISSED"
            else:
                verdict = "passes (correct)" if not caught else "FALSE ALARM"
        ok &= verdict in ("caught", "passes (correct)")
        rows.append((name, "bug" if is_bug else "not a bug", caught or "-", verdict, total))
        print(f"  {name}: {verdict} ({caught or '-'}, {total:.0f}s)", flush=True)
    w = max(len(r[0]) for r in rows) if rows else 10
    print("\n| planted change".ljust(w + 3) + " | kind      | caught by          | result            | time |")
    print("|" + "-" * (w + 2) + "|-----------|--------------------|-------------------|------|")
    for n, k, c, v, t in rows:
        print(f"| {n.ljust(w)} | {k.ljust(9)} | {c.ljust(18)} | {v.ljust(17)} | {t:4.0f}s |")
    sys.exit(0 if ok else 1)

if __name__ == "__main__":
    main()
