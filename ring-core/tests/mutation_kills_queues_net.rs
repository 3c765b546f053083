//! Tests written to kill survivors of the eleventh cargo-mutants pass over
//! `squeue.rs`, `cqueue.rs`, `net/` and `adapters/` (verification/MUTATIONS.md).
//! Each test names the mutants it kills; each kill was checked
//! by planting the mutant in a scratch copy and watching the test fail.
//!
//! The queue tests drive the raw layer directly (`Ring`, its
//! `SubmissionQueue` and `CompletionQueue`) and use 6.18's
//! `IORING_NOP_CQE32`, the one way a test can make the kernel post a
//! 32-byte completion carrying chosen words; they skip, with a printed
//! reason, on a kernel without it or without `IORING_SETUP_CQE_MIXED`.
//!
//! The socket tests run some rings on `Spy`, a `Kernel` that forwards to
//! `Linux` but looks at each SQE as it is submitted (to see an
//! `IORING_OP_CLOSE`, or to turn a SEND into a NOP failing with `EINTR`)
//! and can hide opcodes from the probe (so the `socket(2)` fallback of
//! kernels before 5.19 runs). The adapter tests drive `AioContext` and
//! `Uring` over pipes, whose reads stay in flight until the test writes.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use core::ffi::{c_uint, c_void};
use core::ptr::NonNull;
use ring_core::adapters::{AioContext, Uring, DEFAULT_BUFFER};
use ring_core::buf::AlignedBuf;
use ring_core::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use ring_core::opcode::Nop;
use ring_core::sys::*;
use ring_core::{Builder, Cqe, Driver, Kernel, Linux, Ring, Runtime};
use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::{Duration, Instant};

mod caps;

// ---- helpers ----

/// Builds a ring, or prints why the test skips.
fn build(what: &str, b: Builder) -> Option<Ring> {
    match b.build() {
        Ok(r) => Some(r),
        Err(e) => {
            println!("SKIP: {what} ring not available here: {e}");
            None
        }
    }
}

/// The two extra words a test's 32-byte NOP number `i` carries.
fn words(i: u64) -> [u64; 2] {
    [0x1000 + i, 0x2000_0000_0000 + i]
}

/// Pushes a NOP posting a 32-byte completion that carries `words(ud)`.
fn push_big_nop(ring: &mut Ring, ud: u64) {
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&Nop::new().cqe32(words(ud)).build().user_data(ud)) }.unwrap();
}

/// Pushes a plain NOP (a 16-byte completion on a mixed ring).
fn push_nop(ring: &mut Ring, ud: u64) {
    // SAFETY: a NOP carries no pointer.
    unsafe { ring.sq().push(&Nop::new().build().user_data(ud)) }.unwrap();
}

/// Submits, waits for `n` completions to be ready, and pops exactly `n`,
/// failing if `pop` reports the queue empty early or has one too many.
fn pop_exactly(ring: &mut Ring, n: u32) -> Vec<Cqe> {
    ring.submit_and_wait(n).unwrap();
    let mut out = Vec::new();
    for k in 0..n {
        match ring.cq().pop() {
            Some(c) => out.push(c),
            None => panic!("pop found nothing at completion {k} of {n}; got {out:?}"),
        }
    }
    assert_eq!(ring.cq().pop(), None, "one completion too many");
    out
}

/// Whether the kernel has `IORING_NOP_CQE32` (6.18): a probe NOP on `ring`.
fn has_nop_cqe32(ring: &mut Ring) -> bool {
    push_big_nop(ring, 0);
    let c = pop_exactly(ring, 1).pop().unwrap();
    if c.res == -libc::EINVAL {
        println!("SKIP: the kernel refused a NOP with IORING_NOP_CQE32 (EINVAL; added in 6.18)");
        return false;
    }
    assert_eq!((c.res, c.big), (0, words(0)));
    true
}

// ---- cqueue.rs ----

// Kills `cqueue.rs:189:51: replace << with >> in CompletionQueue::pop`: on a
// CQE32 ring the second half of slot `pos` is unit `2 * pos + 1`; with the
// mutant, the slots after the first read another slot's unit. The existing
// CQE32 test posts one big completion, at slot 0, where both agree.
#[test]
fn cqe32_ring_reads_the_second_half_of_every_slot() {
    let Some(mut ring) = build("CQE32", Builder::new(4).cqe32()) else { return };
    if !has_nop_cqe32(&mut ring) {
        return;
    }
    // Three rounds over 8 CQ slots (the CQ is twice the SQ), from slot 1 on.
    for round in 0..6u64 {
        for i in 0..4 {
            push_big_nop(&mut ring, 1 + round * 4 + i);
        }
        for c in pop_exactly(&mut ring, 4) {
            assert_eq!((c.res, c.big), (0, words(c.user_data)), "round {round}: {c:?}");
        }
    }
}

// Kills, on a CQE_MIXED ring, the mutants of the 32-byte path of
// `CompletionQueue::pop`:
// - `cqueue.rs:199:28: replace == with !=` (every 32-byte entry not at the
//   ring's last unit is refused: `pop` returns `None`),
// - `cqueue.rs:199:85: replace < with ==` and `with <=` (a 32-byte entry
//   that is the last one ready is refused),
// - `cqueue.rs:199:85: replace < with >` (a 32-byte entry followed by
//   others is refused),
// - `cqueue.rs:203:54: replace + with -` and `with *` (the second half read
//   from the wrong unit: the words differ, or `pos - 1` underflows at 0).
// Entries are checked one by one, with 16-byte ones in between so the big
// ones sit at odd and even units, and the ring wraps several times (the
// kernel then posts SKIP fillers, which `pop` passes over). The CQ has 16
// units, room for the 9 at most (4 big entries and a filler) of one batch.
#[test]
fn mixed_ring_pops_every_32_byte_completion_with_its_own_words() {
    let Some(mut ring) = build("CQE_MIXED", Builder::new(8).cqe_mixed()) else { return };
    if !has_nop_cqe32(&mut ring) {
        return;
    }
    let start = ring.cq().head();
    let mut units = 0u32;
    let mut ud = 1;
    for round in 0..12u64 {
        // Alone: the big entry is the only one ready.
        push_big_nop(&mut ring, ud);
        let c = pop_exactly(&mut ring, 1);
        assert_eq!((c[0].user_data, c[0].res, c[0].big), (ud, 0, words(ud)), "round {round}");
        ud += 1;
        units += 2;
        // Followed by others: small, big, big, small (pattern shifts with round).
        let kinds: [bool; 4] = [round % 2 == 0, true, true, round % 3 == 0];
        for (k, &big) in kinds.iter().enumerate() {
            if big {
                push_big_nop(&mut ring, ud + k as u64);
            } else {
                push_nop(&mut ring, ud + k as u64);
            }
        }
        let got = pop_exactly(&mut ring, 4);
        for (k, c) in got.iter().enumerate() {
            assert_eq!(c.user_data, ud + k as u64, "round {round}: in order, {got:?}");
            let want = if kinds[k] { words(c.user_data) } else { [0; 2] };
            assert_eq!((c.res, c.big), (0, want), "round {round}: {c:?}");
            units += if kinds[k] { 2 } else { 1 };
        }
        ud += 4;
    }
    let fillers = ring.cq().head().wrapping_sub(start) - units;
    assert!(fillers > 0, "the test meant to make the kernel post SKIP fillers");
}

// Kills `cqueue.rs:223:33: replace || with &&` and `cqueue.rs:223:28:
// replace == with !=` in `CompletionQueue::for_each` (a CQE32 or mixed
// ring sent down the 16-byte path, which reads the wrong units), and
// `cqueue.rs:225:19: replace += with -=` and `with *=` (the count the
// entry-by-entry path returns). Run on a CQE32 ring and on a mixed one,
// over several wraps, checking each entry and the count.
#[test]
fn for_each_reads_32_byte_and_mixed_rings_entry_by_entry() {
    for mixed in [false, true] {
        let b = if mixed { Builder::new(8).cqe_mixed() } else { Builder::new(8).cqe32() };
        let Some(mut ring) = build(if mixed { "CQE_MIXED" } else { "CQE32" }, b) else { continue };
        if !has_nop_cqe32(&mut ring) {
            return;
        }
        let mut ud = 1u64;
        for round in 0..8u64 {
            // Five completions: on the mixed ring, big and small alternate.
            for k in 0..5u64 {
                if !mixed || (k + round) % 2 == 0 {
                    push_big_nop(&mut ring, ud + k);
                } else {
                    push_nop(&mut ring, ud + k);
                }
            }
            ring.submit_and_wait(5).unwrap();
            let mut seen = Vec::new();
            let n = ring.cq().for_each(|c| seen.push(c));
            assert_eq!(n, 5, "mixed {mixed}, round {round}: the count handed out; {seen:?}");
            assert_eq!(seen.len(), 5, "mixed {mixed}, round {round}: {seen:?}");
            for (k, c) in seen.iter().enumerate() {
                let k = k as u64;
                let big = !mixed || (k + round) % 2 == 0;
                assert_eq!(c.user_data, ud + k, "mixed {mixed}, round {round}: {seen:?}");
                assert_eq!((c.res, c.big), (0, if big { words(ud + k) } else { [0; 2] }), "{c:?}");
            }
            ud += 5;
        }
    }
}

// ---- squeue.rs ----

// Kills `squeue.rs:441:9: replace SubmissionQueue::dropped -> u32 with 0`.
// The kernel counts an SQE as dropped when the SQ index array names a slot
// past the end of the SQE array (`io_get_sqe`); that needs no memory
// pressure, unlike the CQ overflow counter. The test maps the SQ ring a
// second time, writes an invalid index into the array slot the next push
// will use, and submits a NOP: the kernel consumes the position without
// running anything, and `dropped` must say so.
#[test]
fn an_invalid_sq_array_index_is_counted_as_dropped() {
    let Some(mut ring) = build("SQ array", Builder::new(4).no_sqarray(false)) else { return };
    assert_eq!(ring.setup_flags() & IORING_SETUP_NO_SQARRAY, 0, "the ring has an SQ index array");
    let Some(fd) = ring.fd() else {
        println!("SKIP: the ring has no descriptor to map its SQ ring through");
        return;
    };
    let p = *ring.params();
    let len = p.sq_off.array as usize + p.sq_entries as usize * 4;
    // SAFETY: a fresh shared mapping of the ring's SQ region, unmapped below;
    // no Rust reference into it is made.
    let base = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            fd,
            IORING_OFF_SQ_RING as libc::off_t,
        )
    };
    assert_ne!(base, libc::MAP_FAILED, "mmap of the SQ ring: {}", std::io::Error::last_os_error());
    let array = base.cast::<u8>().wrapping_add(p.sq_off.array as usize).cast::<u32>();
    assert_eq!(ring.sq().dropped(), 0);
    push_nop(&mut ring, 1);
    assert_eq!(pop_exactly(&mut ring, 1)[0].user_data, 1);
    let slot = ring.sq().local_tail() & (p.sq_entries - 1);
    // SAFETY: `slot < sq_entries`, inside the mapped array. Only the kernel
    // reads the array (ring-core wrote it once, at set-up), and only inside
    // the enter below, on this thread.
    let was = unsafe { array.add(slot as usize).read_volatile() };
    assert_eq!(was, slot, "ring-core maps each array slot to its own SQE");
    // SAFETY: as above.
    unsafe { array.add(slot as usize).write_volatile(p.sq_entries + 100) };
    push_nop(&mut ring, 2);
    ring.submit().unwrap();
    assert_eq!(ring.sq().dropped(), 1, "the entry with an invalid index was dropped");
    assert_eq!(ring.sq().space_left(), p.sq_entries, "the kernel consumed the dropped position");
    assert_eq!(ring.cq().pop(), None, "a dropped entry posts no completion");
    // SAFETY: as above; the identity mapping back.
    unsafe { array.add(slot as usize).write_volatile(slot) };
    // SAFETY: the mapping made above, no longer used.
    assert_eq!(unsafe { libc::munmap(base, len) }, 0);
    push_nop(&mut ring, 3);
    assert_eq!(pop_exactly(&mut ring, 1)[0].user_data, 3);
    assert_eq!(ring.sq().dropped(), 1);
}

// Kills `squeue.rs:533:16: replace - with + in SqBatch<'_>::filled`: a
// batch committed with fewer entries than it reserved counts, commits and
// publishes only the filled ones.
#[test]
fn a_partly_filled_batch_commits_only_its_filled_entries() {
    let mut ring = Ring::new(8).unwrap();
    for round in 0..5u64 {
        let tail = ring.sq().local_tail();
        // SAFETY: NOPs carry no pointer.
        let mut batch = unsafe { ring.sq().reserve(5) }.unwrap();
        assert_eq!((batch.filled(), batch.remaining()), (0, 5));
        for k in 0..2 {
            batch
                .fill(|sqe| {
                    sqe.opcode = IORING_OP_NOP;
                    sqe.user_data = round * 10 + k;
                })
                .unwrap();
        }
        assert_eq!((batch.filled(), batch.remaining()), (2, 3), "round {round}");
        assert_eq!(batch.commit(), 2, "round {round}");
        assert_eq!(ring.sq().local_tail(), tail.wrapping_add(2), "round {round}");
        assert_eq!(ring.sq().unpublished(), 2, "round {round}");
        let mut got: Vec<u64> = pop_exactly(&mut ring, 2).iter().map(|c| c.user_data).collect();
        got.sort_unstable();
        assert_eq!(got, [round * 10, round * 10 + 1], "round {round}");
    }
}

// Kills `squeue.rs:580:54: replace + with *` and `squeue.rs:580:59: replace
// << with >>` in `SqBatch::fill`: on an SQE128 ring the unit cleared after
// `f` ran must be the slot's second half; with either mutant, filling slot 0
// clears the entry `f` just wrote (the kernel then runs a NOP with
// `user_data` 0). The first batch is a single entry at slot 0, so the
// mutants fail before a later slot could be written out of bounds.
#[test]
fn batch_fill_on_an_sqe128_ring_keeps_the_entry_it_wrote() {
    let Some(mut ring) = build("SQE128", Builder::new(4).sqe128()) else { return };
    assert_eq!(ring.sq().local_tail() & 3, 0, "a new ring starts at slot 0");
    for round in 0..3u64 {
        let n = if round == 0 { 1 } else { 4 };
        // SAFETY: NOPs carry no pointer.
        let mut batch = unsafe { ring.sq().reserve(n) }.unwrap();
        for k in 0..u64::from(n) {
            batch
                .fill(|sqe| {
                    sqe.opcode = IORING_OP_NOP;
                    sqe.user_data = 100 + round * 10 + k;
                })
                .unwrap();
        }
        assert_eq!(batch.commit(), n);
        let mut got: Vec<u64> = pop_exactly(&mut ring, n).iter().map(|c| c.user_data).collect();
        got.sort_unstable();
        assert_eq!(got, (0..u64::from(n)).map(|k| 100 + round * 10 + k).collect::<Vec<_>>(), "round {round}");
    }
}

/// `Linux`, recording the flags of every `io_uring_enter`.
#[derive(Clone, Default)]
struct EnterLog {
    flags: Rc<RefCell<Vec<u32>>>,
}

// SAFETY: every call is forwarded unchanged to `Linux`.
unsafe impl Kernel for EnterLog {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        Linux.setup(entries, params)
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        self.flags.borrow_mut().push(flags);
        // SAFETY: forwarded contract.
        unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        unsafe { Linux.register(fd, opcode, arg, nr_args) }
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        Linux.map(fd, offset, len)
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        // SAFETY: forwarded contract.
        unsafe { Linux.unmap(ptr, len) }
    }

    fn close(&self, fd: RawFd) {
        Linux.close(fd)
    }
}

// Kills `squeue.rs:419:9: replace SubmissionQueue::needs_wakeup -> bool with
// true` and `squeue.rs:420:22: replace & with |` (which makes it true too).
// Under SQPOLL, a submit while the poll thread is awake is only the tail
// store: no system call. With either mutant every such submit enters the
// kernel with IORING_ENTER_SQ_WAKEUP, which the `Kernel` seam sees. The poll
// thread idles for 10 s before sleeping, so it is awake throughout; the test
// checks NEED_WAKEUP around each submit anyway and retries if it was set.
#[test]
fn a_submit_under_sqpoll_with_the_thread_awake_makes_no_system_call() {
    let log = EnterLog::default();
    let mut ring = match Builder::new(8).sqpoll(Some(10_000)).build_on(log.clone()) {
        Ok(r) => r,
        Err(e) => {
            println!("SKIP: SQPOLL ring not available here: {e}");
            return;
        }
    };
    let mut clean = 0;
    for i in 0..20u64 {
        log.flags.borrow_mut().clear();
        let asleep_before = ring.sq().flags() & IORING_SQ_NEED_WAKEUP != 0;
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        sqe.user_data = i;
        // SAFETY: a NOP carries no pointer.
        unsafe { ring.sq().push(&sqe) }.unwrap();
        // At least this one waits for the poll thread; the previous one may
        // still count, although its completion was reaped: the poll thread
        // stores the SQ head once its batch is submitted, after the batch's
        // inline completions were posted.
        assert!(ring.submit().unwrap() >= 1);
        let asleep_after = ring.sq().flags() & IORING_SQ_NEED_WAKEUP != 0;
        let enters = log.flags.borrow().clone();
        // Reap it (the poll thread submits on its own).
        let deadline = Instant::now() + Duration::from_secs(5);
        let c = loop {
            if let Some(c) = ring.cq().pop() {
                break c;
            }
            assert!(Instant::now() < deadline, "the poll thread never ran NOP {i}");
            std::thread::yield_now();
        };
        assert_eq!(c.user_data, i);
        if asleep_before || asleep_after {
            continue;
        }
        assert!(
            enters.iter().all(|f| f & IORING_ENTER_SQ_WAKEUP == 0),
            "submit {i} woke an awake poll thread: enter flags {enters:x?}"
        );
        clean += 1;
    }
    assert!(clean >= 10, "the poll thread was asleep too often to tell ({clean} clean submits of 20)");
}

// ---- net/ ----

/// What [`Spy`] saw and what it should change.
#[derive(Default)]
struct SpyState {
    params: Option<io_uring_params>,
    sq_ring: Option<NonNull<u8>>,
    sqes: Option<NonNull<u8>>,
    /// The opcode of every SQE submitted, in order.
    opcodes: Vec<u8>,
    /// Opcodes the probe reports as unsupported.
    hide: Vec<u8>,
    /// How many of the next SENDs to turn into NOPs failing with EINTR.
    eintr_sends: u32,
    /// How many were turned.
    eintr_done: u32,
}

/// `Linux`, with a look at every SQE as it is submitted: it records the
/// opcodes, can turn a SEND into a NOP whose result is `-EINTR` (the
/// kernel's `IORING_NOP_INJECT_RESULT`), and can hide opcodes from the
/// probe, so the fallback paths for older kernels run.
#[derive(Clone, Default)]
struct Spy(Rc<RefCell<SpyState>>);

impl Spy {
    fn hiding(ops: &[u8]) -> Self {
        let s = Spy::default();
        s.0.borrow_mut().hide = ops.to_vec();
        s
    }

    fn saw(&self, op: u8) -> usize {
        self.0.borrow().opcodes.iter().filter(|&&o| o == op).count()
    }

    /// Looks at (and maybe rewrites) the entries in `[head, tail)` of the
    /// SQ, which the enter about to be made will submit.
    fn inspect(&self) {
        let mut st = self.0.borrow_mut();
        let (Some(p), Some(ring), Some(sqes)) = (st.params, st.sq_ring, st.sqes) else { return };
        let word = |off: u32| ring.as_ptr().wrapping_add(off as usize).cast::<u32>();
        // SAFETY: the offsets the kernel gave lie inside the mapped SQ ring;
        // the head is the kernel's (read atomically), the tail ring-core's,
        // stored on this thread before this enter.
        let (head, tail) = unsafe {
            (
                (*word(p.sq_off.head).cast::<std::sync::atomic::AtomicU32>())
                    .load(std::sync::atomic::Ordering::Acquire),
                word(p.sq_off.tail).read_volatile(),
            )
        };
        let mask = p.sq_entries - 1;
        let size = if p.flags & IORING_SETUP_SQE128 != 0 { 128 } else { 64 };
        let mut pos = head;
        while pos != tail {
            let idx = if p.flags & IORING_SETUP_NO_SQARRAY != 0 {
                pos & mask
            } else {
                // SAFETY: the array has `sq_entries` slots inside the ring.
                unsafe { word(p.sq_off.array).add((pos & mask) as usize).read_volatile() }
            };
            let sqe = sqes.as_ptr().wrapping_add(idx as usize * size).cast::<io_uring_sqe>();
            // SAFETY: `idx < sq_entries` (ring-core's identity array): inside the mapped SQE array; published,
            // not yet consumed, and the kernel reads it only in the enter that follows, on this thread.
            let mut e = unsafe { sqe.read() };
            st.opcodes.push(e.opcode);
            if e.opcode == IORING_OP_SEND && st.eintr_sends > 0 {
                st.eintr_sends -= 1;
                st.eintr_done += 1;
                let nop = Nop::new().inject_result(-libc::EINTR).build().user_data(e.user_data);
                let flags = e.flags;
                e = *nop;
                e.flags = flags;
                // SAFETY: as above.
                unsafe { sqe.write(e) };
            }
            pos = pos.wrapping_add(1);
        }
    }
}

// SAFETY: every call is forwarded to `Linux`; the only changes are a SEND
// entry rewritten into a NOP (which carries no pointer) before the kernel
// reads it, and opcodes cleared in a probe result.
unsafe impl Kernel for Spy {
    fn setup(&self, entries: u32, params: &mut io_uring_params) -> Result<RawFd, Errno> {
        let r = Linux.setup(entries, params);
        self.0.borrow_mut().params = Some(*params);
        r
    }

    unsafe fn enter(
        &self,
        fd: c_uint,
        to_submit: u32,
        min_complete: u32,
        flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, Errno> {
        if to_submit > 0 {
            self.inspect();
        }
        // SAFETY: forwarded contract.
        unsafe { Linux.enter(fd, to_submit, min_complete, flags, arg, argsz) }
    }

    unsafe fn register(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, Errno> {
        // SAFETY: forwarded contract.
        let r = unsafe { Linux.register(fd, opcode, arg, nr_args) };
        if opcode & !IORING_REGISTER_USE_REGISTERED_RING == IORING_REGISTER_PROBE && r.is_ok() {
            for &op in &self.0.borrow().hide {
                if u32::from(op) < nr_args {
                    // SAFETY: the probe buffer (16-byte header, then 8-byte
                    // ops, `nr_args` of them) the caller passed; the flags
                    // are the `u16` at byte 2 of an op.
                    unsafe {
                        let flags = arg.cast::<u8>().cast_mut().add(16 + 8 * usize::from(op) + 2).cast::<u16>();
                        flags.write_unaligned(flags.read_unaligned() & !IO_URING_OP_SUPPORTED);
                    }
                }
            }
        }
        r
    }

    fn map(&self, fd: RawFd, offset: u64, len: usize) -> Result<NonNull<u8>, Errno> {
        let r = Linux.map(fd, offset, len);
        if let Ok(p) = r {
            let mut st = self.0.borrow_mut();
            if offset == IORING_OFF_SQ_RING {
                st.sq_ring = Some(p);
            } else if offset == IORING_OFF_SQES {
                st.sqes = Some(p);
            }
        }
        r
    }

    unsafe fn unmap(&self, ptr: NonNull<u8>, len: usize) {
        let mut st = self.0.borrow_mut();
        if st.sq_ring == Some(ptr) {
            st.sq_ring = None;
        }
        if st.sqes == Some(ptr) {
            st.sqes = None;
        }
        drop(st);
        // SAFETY: forwarded contract.
        unsafe { Linux.unmap(ptr, len) }
    }

    fn close(&self, fd: RawFd) {
        Linux.close(fd)
    }
}

/// A runtime whose ring runs on `spy`.
fn spy_runtime(spy: &Spy) -> Runtime<Spy> {
    let ring = Builder::new(64).build_on(spy.clone()).expect("io_uring setup");
    Runtime::with_ring(ring, ring_core::driver::Immediate).expect("runtime")
}

fn localhost() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// An `int` socket option of `fd`.
fn sockopt(fd: RawFd, level: i32, name: i32) -> i32 {
    let mut v: i32 = -1;
    let mut len = core::mem::size_of::<i32>() as libc::socklen_t;
    // SAFETY: `v` and `len` are live and sized for an int option.
    let r = unsafe { libc::getsockopt(fd, level, name, (&raw mut v).cast(), &mut len) };
    assert_eq!(r, 0, "getsockopt: {}", std::io::Error::last_os_error());
    v
}

/// The device and inode `fd` names, if it is open.
fn identity(fd: RawFd) -> Option<(u64, u64)> {
    // SAFETY: fstat writes one stat, which lives on our stack; all-zero is
    // a valid stat.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: as above.
    (unsafe { libc::fstat(fd, &mut st) } == 0).then_some((st.st_dev, st.st_ino))
}

/// Whether `fd` still names the file it named when `was` was taken. A
/// closed descriptor's number can be reused at once by another test thread
/// of this binary, so being open is not enough to tell.
fn still_open(fd: RawFd, was: Option<(u64, u64)>) -> bool {
    was.is_some() && identity(fd) == was
}

/// Runs `f` for at most `limit`: `None` if the time ran out first (the
/// future is then dropped, its operation left to the driver).
async fn within<K: Kernel, F: Future>(d: &Driver<K>, limit: Duration, f: F) -> Option<F::Output> {
    let mut f = pin!(f);
    let mut t = pin!(d.sleep(limit));
    poll_fn(|cx| {
        if let Poll::Ready(v) = f.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if t.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// A connected pair of TCP streams on `d`.
async fn tcp_pair<K: Kernel>(d: &Driver<K>) -> (TcpStream<K>, TcpStream<K>) {
    let l = TcpListener::bind(d, localhost()).await.unwrap();
    let addr = l.local_addr().unwrap();
    let c = TcpStream::connect(d, addr).await.unwrap();
    let (s, _) = l.accept().await.unwrap();
    (c, s)
}

// Kills `net/mod.rs:111:27: replace match guard e.kind() ==
// io::ErrorKind::Interrupted with false in Sock<K>::write_all`: a send that
// fails with EINTR is retried, not reported. The `Spy` kernel turns the
// first SEND of `write_all` into a NOP failing with -EINTR; every byte must
// still arrive, for a TCP stream and a Unix stream.
#[test]
fn write_all_retries_a_send_interrupted_by_a_signal() {
    // The spy fakes the interruption with a NOP that injects -EINTR.
    if !caps::nop_inject_result("write_all_retries_a_send_interrupted_by_a_signal") {
        return;
    }
    let spy = Spy::default();
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    rt.block_on(async {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
        let (c, s) = tcp_pair(&d).await;
        let (u1, u2) = UnixStream::pair(&d).unwrap();
        for (name, r) in [("tcp", s.as_raw_fd()), ("unix", u2.as_raw_fd())] {
            spy.0.borrow_mut().eintr_sends = 1;
            let (res, _) =
                if name == "tcp" { c.write_all(data.clone()).await } else { u1.write_all(data.clone()).await };
            assert_eq!(
                spy.0.borrow().eintr_done,
                if name == "tcp" { 1 } else { 2 },
                "{name}: the spy interrupted one send"
            );
            res.unwrap_or_else(|e| panic!("{name}: write_all gave up on EINTR: {e}"));
            let mut got = vec![0u8; data.len()];
            let mut have = 0;
            while have < got.len() {
                // SAFETY: reads into the live tail of `got`.
                let n = unsafe { libc::read(r, got[have..].as_mut_ptr().cast(), got.len() - have) };
                assert!(n > 0, "{name}: read: {}", std::io::Error::last_os_error());
                have += n as usize;
            }
            assert!(got == data, "{name}: the bytes differ");
        }
    })
    .unwrap();
}

// Kills `net/mod.rs:111:27: replace match guard e.kind() ==
// io::ErrorKind::Interrupted with true in Sock<K>::write_all` and
// `net/mod.rs:111:36: replace == with !=` there: an error other than EINTR ends
// `write_all` with that error. Writing to a stream whose peer is gone
// fails with EPIPE (MSG_NOSIGNAL, so no signal); with the mutant it is
// retried for ever, which the deadline turns into a failure.
#[test]
fn write_all_to_a_closed_peer_reports_broken_pipe() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let (u1, u2) = UnixStream::pair(&d).unwrap();
        drop(u2);
        let r = within(&d, Duration::from_secs(2), u1.write_all(vec![1u8; 100])).await;
        let (res, buf) = r.expect("write_all kept retrying a failed send");
        assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
        assert_eq!(buf.len(), 100);
    })
    .unwrap();
}

// Kills `net/mod.rs:148:9: replace Sock<K>::set_opt -> io::Result<()> with
// Ok(())` and `net/tcp.rs:169:9: replace TcpStream<K>::set_nodelay ->
// io::Result<()> with Ok(())`: `TcpListener::bind` sets SO_REUSEADDR and `set_nodelay` sets and
// clears TCP_NODELAY, as `getsockopt` sees.
#[test]
fn socket_options_reach_the_socket() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        assert_ne!(sockopt(l.as_raw_fd(), libc::SOL_SOCKET, libc::SO_REUSEADDR), 0, "SO_REUSEADDR");
        let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
        assert_eq!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0);
        c.set_nodelay(true).unwrap();
        assert_ne!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0, "TCP_NODELAY set");
        c.set_nodelay(false).unwrap();
        assert_eq!(sockopt(c.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY), 0, "TCP_NODELAY cleared");
    })
    .unwrap();
}

// Kills `net/mod.rs:179:5: replace cvt -> io::Result<()> with Ok(())` and
// `net/mod.rs:179:10: replace < with >` in `cvt`: `getpeername` on a socket
// that is not connected fails with ENOTCONN, and `peer_addr` must say so
// (with either mutant the failure is ignored and the empty address comes
// back as InvalidData instead).
#[test]
fn peer_addr_of_an_unconnected_socket_is_enotconn() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    // SAFETY: socket has no memory effects.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0);
    // SAFETY: a fresh descriptor that nothing else owns.
    let s = TcpStream::from_fd(&d, unsafe { OwnedFd::from_raw_fd(fd) });
    let e = s.peer_addr().unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::ENOTCONN), "{e:?}");
    assert_eq!(s.local_addr().unwrap(), "0.0.0.0:0".parse::<SocketAddr>().unwrap());
}

// Kills `net/tcp.rs:80:9: replace <impl Debug for Incoming<K>>::fmt ->
// core::fmt::Result with Ok(Default::default())`.
#[test]
fn incoming_has_a_debug_form() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let inc = l.incoming();
        assert_eq!(format!("{inc:?}"), "Incoming { .. }");
    })
    .unwrap();
}

// Kills `net/mod.rs:166:9: replace Sock<K>::close -> io::Result<()> with
// Ok(())` and the same replacement in `TcpListener::close` (tcp.rs:68:9),
// `TcpStream::close` (tcp.rs:184:9), `UdpSocket::close` (udp.rs:91:9) and
// `UnixStream::close` (unix.rs:100:9): `close` closes the descriptor through the ring
// (IORING_OP_CLOSE, which the `Spy` kernel sees), not by dropping it. Each
// socket type's `close` is checked, and that the descriptor is closed after.
#[test]
fn close_goes_through_the_ring() {
    let spy = Spy::default();
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let (c, s) = {
            let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
            (c, l.accept().await.unwrap().0)
        };
        let u = UdpSocket::bind(&d, localhost()).await.unwrap();
        let (x, y) = UnixStream::pair(&d).unwrap();
        let path = std::env::temp_dir().join(format!("ring-core-mkqn-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let ul = UnixListener::bind(&d, &path).await.unwrap();
        let _ = std::fs::remove_file(&path);
        let mut closes = spy.saw(IORING_OP_CLOSE);
        let mut check = |what: &str, fd: RawFd, was: Option<(u64, u64)>| {
            assert_eq!(spy.saw(IORING_OP_CLOSE), closes + 1, "{what}: closed through the ring");
            closes += 1;
            assert!(!still_open(fd, was), "{what}: the descriptor is closed");
        };
        let fd = l.as_raw_fd();
        let was = identity(fd);
        l.close().await.unwrap();
        check("TcpListener", fd, was);
        let fd = c.as_raw_fd();
        let was = identity(fd);
        c.close().await.unwrap();
        check("TcpStream", fd, was);
        let fd = u.as_raw_fd();
        let was = identity(fd);
        u.close().await.unwrap();
        check("UdpSocket", fd, was);
        let fd = x.as_raw_fd();
        let was = identity(fd);
        x.close().await.unwrap();
        check("UnixStream", fd, was);
        drop((s, y, ul));
    })
    .unwrap();
}

// Kills `net/mod.rs:189:47: replace | with & in sys_socket` and
// `net/mod.rs:190:11: replace < with > in sys_socket`: with IORING_OP_SOCKET
// (and BIND and LISTEN) hidden from the probe, as on a kernel before 5.19,
// sockets are made with socket(2), close-on-exec, and work.
#[test]
fn sockets_without_the_socket_opcode_use_the_system_call() {
    let spy = Spy::hiding(&[IORING_OP_SOCKET, IORING_OP_BIND, IORING_OP_LISTEN]);
    let rt = spy_runtime(&spy);
    let d = rt.driver().clone();
    assert!(d.require(IORING_OP_SOCKET).is_err(), "the spy hides the opcode");
    rt.block_on(async {
        let l = TcpListener::bind(&d, localhost()).await.unwrap();
        let c = TcpStream::connect(&d, l.local_addr().unwrap()).await.unwrap();
        let (s, _) = l.accept().await.unwrap();
        let u = UdpSocket::bind(&d, localhost()).await.unwrap();
        for (what, fd) in [("listener", l.as_raw_fd()), ("stream", c.as_raw_fd()), ("udp", u.as_raw_fd())] {
            // SAFETY: F_GETFD has no memory effects.
            let fl = unsafe { libc::fcntl(fd, libc::F_GETFD) };
            assert_eq!(fl & libc::FD_CLOEXEC, libc::FD_CLOEXEC, "{what}: close-on-exec");
        }
        assert_eq!(sockopt(u.as_raw_fd(), libc::SOL_SOCKET, libc::SO_TYPE), libc::SOCK_DGRAM);
        let (r, _) = c.write_all(b"ping".to_vec()).await;
        r.unwrap();
        let (n, b) = s.read(Vec::with_capacity(8)).await;
        assert_eq!((n.unwrap(), &b[..]), (4, &b"ping"[..]));
    })
    .unwrap();
    assert_eq!(spy.saw(IORING_OP_SOCKET), 0, "no SOCKET entry was submitted");
}

// Kills `net/mod.rs:190:11: replace < with == in sys_socket` and `replace <
// with <=`: only a negative result of socket(2) is an error; 0 is a
// descriptor like any other, and it is the one socket(2) returns when
// standard input is closed. The test runs itself again as a child process
// (so closing descriptor 0 touches no other test), with SOCKET hidden from
// the probe; the child closes descriptor 0 and binds a UDP socket, which
// must get descriptor 0 and work.
#[test]
fn a_socket_made_by_the_system_call_may_be_descriptor_0() {
    const CHILD: &str = "RING_CORE_MKQN_FD0_CHILD";
    const NAME: &str = "a_socket_made_by_the_system_call_may_be_descriptor_0";
    if std::env::var_os(CHILD).is_some() {
        let spy = Spy::hiding(&[IORING_OP_SOCKET]);
        let rt = spy_runtime(&spy);
        let d = rt.driver().clone();
        // SAFETY: descriptor 0 is this child's standard input, /dev/null,
        // which nothing here uses.
        assert_eq!(unsafe { libc::close(0) }, 0);
        rt.block_on(async {
            let u = UdpSocket::bind(&d, localhost()).await.expect("bind with socket(2) returning 0");
            assert_eq!(u.as_raw_fd(), 0, "socket(2) returned the lowest free descriptor");
            let addr = u.local_addr().unwrap();
            let v = UdpSocket::bind(&d, localhost()).await.unwrap();
            let (r, _) = v.send_to(b"zero".to_vec(), addr).await;
            assert_eq!(r.unwrap(), 4);
            let (r, b) = u.recv_from(Vec::with_capacity(8)).await;
            assert_eq!((r.unwrap().0, &b[..]), (4, &b"zero"[..]));
        })
        .unwrap();
        println!("CHILD OK");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the test binary again");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("CHILD OK"), "the child failed:\n{text}");
}

// Kills `net/unix.rs:95:9: replace UnixStream<K>::shutdown -> io::Result<()>
// with Ok(())`: after `shutdown(Write)` the peer reads end of file, and
// after `shutdown(Read)` this end's own read returns 0 at once.
#[test]
fn unix_stream_shutdown_reaches_the_socket() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let (a, b) = UnixStream::pair(&d).unwrap();
        a.shutdown(std::net::Shutdown::Write).await.unwrap();
        let r = within(&d, Duration::from_secs(2), b.read(Vec::with_capacity(8))).await;
        let (n, _) = r.expect("the peer saw no end of file after shutdown(Write)");
        assert_eq!(n.unwrap(), 0);
        b.shutdown(std::net::Shutdown::Read).await.unwrap();
        let r = within(&d, Duration::from_secs(2), b.read(Vec::with_capacity(8))).await;
        let (n, _) = r.expect("a read after shutdown(Read) did not end");
        assert_eq!(n.unwrap(), 0);
    })
    .unwrap();
}

// ---- adapters/ ----

/// A pipe: (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: fresh descriptors we own.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// Writes `data` into `fd` with write(2).
fn put(fd: &OwnedFd, data: &[u8]) {
    // SAFETY: writes from a live slice.
    let n = unsafe { libc::write(fd.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    assert_eq!(n, data.len() as isize);
}

/// Lets the runtime run everything that is ready (a short sleep on the ring).
async fn settle<K: Kernel>(d: &Driver<K>) {
    d.sleep(Duration::from_millis(20)).await.ok();
}

// The AioContext's semaphore, step by step: capacity 2, reads of empty
// pipes (each stays in flight until its pipe gets data). Kills
// `aio.rs:123:24: replace match guard w.granted.get() with true in
// <impl Future for Acquire>::poll`, `aio.rs:138:9: replace <impl Drop for
// Acquire>::drop with ()`, `aio.rs:146:56: delete ! in <impl Drop for
// Acquire>::drop`, `aio.rs:161:9: replace <impl Debug for AioContext<K>>::fmt
// with Ok(Default::default())`, `aio.rs:193:9: replace
// AioContext<K>::in_flight -> usize with 0` and `aio.rs:203:9: replace
// AioContext<K>::waiting -> usize with 0`: each count is checked after
// every step, the permits go to the waiters in order, a waiter
// dropped while queued leaves the queue, a waiter polled again before its
// turn keeps waiting, and a permit granted to a waiter that is dropped
// before it takes it comes back.
#[test]
fn aio_context_hands_out_permits_in_order_and_counts_them() {
    let rt = Runtime::new(64).unwrap();
    let d = rt.driver().clone();
    let ctx = Rc::new(AioContext::new(&d, 2));
    let pipes: Vec<(Rc<OwnedFd>, OwnedFd)> = (0..5)
        .map(|_| {
            let (r, w) = pipe();
            (Rc::new(r), w)
        })
        .collect();
    let done: Rc<RefCell<Vec<usize>>> = Rc::default();
    let state = |ctx: &AioContext| (ctx.in_flight(), ctx.waiting(), ctx.peak());
    rt.block_on(async {
        assert_eq!(ctx.capacity(), 2);
        assert_eq!(state(&ctx), (0, 0, 0));
        assert_eq!(format!("{ctx:?}"), "AioContext { capacity: 2, in_flight: 0, waiting: 0 }");
        // Reads 0..3 as tasks; 0 and 1 take the permits, 2 and 3 queue.
        let mut tasks = Vec::new();
        for (i, (file, _)) in pipes.iter().enumerate().take(4) {
            let (ctx, file, done) = (ctx.clone(), file.clone(), done.clone());
            tasks.push(rt.spawn(async move {
                let (n, buf) = ctx.read(&file, 0, AlignedBuf::new(4096).unwrap()).await;
                assert_eq!(n.unwrap(), 1, "read {i}");
                assert_eq!(buf.as_slice()[0], i as u8);
                done.borrow_mut().push(i);
            }));
        }
        settle(&d).await;
        assert_eq!(state(&ctx), (2, 2, 2));
        assert_eq!(format!("{ctx:?}"), "AioContext { capacity: 2, in_flight: 2, waiting: 2 }");
        // A fifth read, polled by hand: it queues behind 2 and 3.
        let mut fifth = Box::pin(ctx.read(&pipes[4].0, 0, AlignedBuf::new(4096).unwrap()));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(fifth.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 3, 2));
        // Data for 3 first: it has no permit yet, so nothing completes.
        put(&pipes[3].1, &[3]);
        settle(&d).await;
        assert!(done.borrow().is_empty());
        // Read 0 ends: its permit goes to the oldest waiter, 2 (not 3, whose
        // data is ready).
        put(&pipes[0].1, &[0]);
        settle(&d).await;
        assert_eq!(*done.borrow(), [0]);
        assert_eq!(state(&ctx), (2, 2, 2), "the permit went straight to a waiter");
        // Read 1 ends: the permit goes to 3, which completes at once and
        // hands its permit to the fifth read, never polled since: granted
        // but not taken.
        put(&pipes[1].1, &[1]);
        settle(&d).await;
        assert_eq!(*done.borrow(), [0, 1, 3]);
        assert_eq!(state(&ctx), (2, 0, 2), "2 in flight, the fifth granted");
        // Dropping the fifth before it takes its permit gives it back.
        drop(fifth);
        assert_eq!(state(&ctx), (1, 0, 2), "the granted permit came back");
        put(&pipes[2].1, &[2]);
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(*done.borrow(), [0, 1, 3, 2]);
        assert_eq!(state(&ctx), (0, 0, 2));
        // Both permits are free again: two reads start at once.
        let a = ctx.read(&pipes[0].0, 0, AlignedBuf::new(4096).unwrap());
        let b = ctx.read(&pipes[1].0, 0, AlignedBuf::new(4096).unwrap());
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        assert!(a.as_mut().poll(&mut cx).is_pending() && b.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 0, 2));
        // A third one queues; dropped while queued, it leaves the queue.
        let mut c = Box::pin(ctx.read(&pipes[2].0, 0, AlignedBuf::new(4096).unwrap()));
        assert!(c.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(&ctx), (2, 1, 2));
        // Polled again before any permit is free, it still waits: its read
        // has not started, so data in its pipe does not complete it.
        assert!(c.as_mut().poll(&mut cx).is_pending());
        put(&pipes[2].1, &[2]);
        settle(&d).await;
        assert!(c.as_mut().poll(&mut cx).is_pending(), "a waiter polled again took a permit never granted to it");
        assert_eq!(state(&ctx), (2, 1, 2));
        drop(c);
        assert_eq!(state(&ctx), (2, 0, 2), "a dropped waiter leaves the queue");
        put(&pipes[0].1, &[0]);
        put(&pipes[1].1, &[1]);
        assert_eq!(a.await.0.unwrap(), 1);
        assert_eq!(b.await.0.unwrap(), 1);
        assert_eq!(state(&ctx), (0, 0, 2));
    })
    .unwrap();
}

/// An `O_PATH` descriptor: open, but refused by the kernel for any I/O
/// (`fget` skips path-only files), so an fsync of it fails with `EBADF`.
fn path_only() -> Rc<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    Rc::new(std::fs::OpenOptions::new().read(true).custom_flags(libc::O_PATH).open("/").unwrap())
}

// Kills `aio.rs:238:9: replace AioContext<K>::sync -> io::Result<()> with
// Ok(())` and `aio.rs:245:9: replace AioContext<K>::datasync ->
// io::Result<()> with Ok(())`: the fsync's result is returned (EBADF for a
// descriptor the kernel refuses for I/O), and each holds a permit until it
// completes.
#[test]
fn aio_context_sync_and_datasync_return_the_kernel_result() {
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let ctx = AioContext::new(&d, 1);
    let bad = path_only();
    let path = std::env::temp_dir().join(format!("ring-core-mkqn-sync-{}", std::process::id()));
    let good = Rc::new(std::fs::File::create(&path).unwrap());
    rt.block_on(async {
        assert_eq!(ctx.sync(&bad).await.unwrap_err().raw_os_error(), Some(libc::EBADF));
        assert_eq!(ctx.datasync(&bad).await.unwrap_err().raw_os_error(), Some(libc::EBADF));
        ctx.sync(&good).await.unwrap();
        ctx.datasync(&good).await.unwrap();
        assert_eq!((ctx.in_flight(), ctx.peak()), (0, 1));
    })
    .unwrap();
    std::fs::remove_file(path).unwrap();
}

// `Uring` over a pipe, with every count checked. Kills `uring.rs:52:38:
// replace * with +` (DEFAULT_BUFFER 1088: one read or write then moves at
// most that much), `uring.rs:75:9: replace <impl Debug for Uring<T, K>>::fmt
// with Ok(Default::default())` and `uring.rs:119:9: replace
// Uring<T, K>::has_pending -> bool with true`. It checks the buffer size,
// the `Debug` form, `buffered` and `has_pending` before, during and after a
// read abandoned
// mid-flight, reads and writes of empty slices (which start nothing),
// counts bounded by the capacity, and `read_exact`/`write_all` across
// several internal transfers.
#[test]
fn uring_counts_every_byte_and_every_pending_operation() {
    assert_eq!(DEFAULT_BUFFER, 64 * 1024);
    let rt = Runtime::new(32).unwrap();
    let d = rt.driver().clone();
    let (rx, tx) = pipe();
    let rfd = rx.as_raw_fd();
    let mut r = Uring::new(&d, rx);
    let mut w = Uring::with_capacity(&d, std::fs::File::from(tx), 10);
    rt.block_on(async {
        assert_eq!((r.buffered(), r.has_pending()), (0, false));
        assert_eq!(format!("{r:?}"), format!("Uring {{ fd: {rfd}, buffered: 0, reading: false, writing: false }}"));
        // Empty slices: nothing starts.
        assert_eq!(r.read(&mut []).await.unwrap(), 0);
        assert_eq!(w.write(&[]).await.unwrap(), 0);
        assert!(!r.has_pending() && !w.has_pending());
        // A write moves at most the capacity.
        let data: Vec<u8> = (0..25u8).collect();
        assert_eq!(w.write(&data).await.unwrap(), 10);
        assert!(!w.has_pending());
        // A read abandoned mid-flight stays pending, then its bytes come
        // first.
        {
            let mut big = [0u8; 64];
            let mut fut = pin!(r.read(&mut big));
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            // The 10 bytes are already in the pipe: poll until the read is
            // submitted, then drop the future before it can finish.
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
        assert!(r.has_pending(), "the abandoned read is still in flight");
        assert_eq!(r.buffered(), 0, "nothing is buffered before the read completes");
        assert!(format!("{r:?}").contains("reading: true"), "{r:?}");
        let mut three = [0u8; 3];
        assert_eq!(r.read(&mut three).await.unwrap(), 3);
        assert_eq!(three, [0, 1, 2]);
        assert!(!r.has_pending());
        assert_eq!(r.buffered(), 7, "the rest of the abandoned read's 10 bytes");
        assert!(format!("{r:?}").contains("buffered: 7"), "{r:?}");
        let mut four = [0u8; 4];
        assert_eq!(r.read(&mut four).await.unwrap(), 4);
        assert_eq!((four, r.buffered()), ([3, 4, 5, 6], 3));
        let mut more = [0u8; 64];
        assert_eq!(r.read(&mut more).await.unwrap(), 3, "only what is buffered, no new read");
        assert_eq!(&more[..3], [7, 8, 9]);
        assert_eq!(r.buffered(), 0);
        // write_all over three transfers of at most 10, read_exact over
        // reads that each return what the pipe holds.
        w.write_all(&data[10..]).await.unwrap();
        let mut rest = [0u8; 15];
        r.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest[..], &data[10..]);
        assert_eq!((r.buffered(), r.has_pending(), w.has_pending()), (0, false, false));
        // A large write through the default-sized reader's peer: one read
        // returns at most DEFAULT_BUFFER bytes.
        let (rx2, tx2) = pipe();
        let mut r2 = Uring::new(&d, rx2);
        let mut w2 = Uring::new(&d, std::fs::File::from(tx2));
        // SAFETY: F_SETPIPE_SZ has no memory effects.
        unsafe { libc::fcntl(w2.get_ref().as_raw_fd(), libc::F_SETPIPE_SZ, 256 * 1024) };
        let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(w2.write(&big).await.unwrap(), DEFAULT_BUFFER, "one write moves the whole buffer");
        let mut got = vec![0u8; 100_000];
        assert_eq!(r2.read(&mut got).await.unwrap(), DEFAULT_BUFFER);
        assert!(got[..DEFAULT_BUFFER] == big[..DEFAULT_BUFFER]);
        // End of file: read_exact reports it.
        drop(w2);
        let mut tail = [0u8; 8];
        assert_eq!(r2.read_exact(&mut tail).await.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
    })
    .unwrap();
}
