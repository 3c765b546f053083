//! The submission and completion queues on the real kernel: 32-byte and
//! mixed completion rings read entry by entry (through 6.18's
//! `IORING_NOP_CQE32`, skipped with a printed reason where missing),
//! dropped SQ-array indices, partly filled batches, and when a submit under
//! SQPOLL makes a system call (seen by `EnterLog`, a forwarding kernel).

use crate::support::spy::{Spy, Watch};
use core::ffi::{c_uint, c_void};
use ring_core::opcode::Nop;
use ring_core::sys::*;
use ring_core::{Builder, Cqe, Kernel, Linux, Ring};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

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

// On a CQE32 ring the second half of slot `pos` is unit `2 * pos + 1`; with a
// faulty version, the slots after the first read another slot's unit. The
// existing CQE32 test posts one big completion, at slot 0, where both agree.
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

// On a CQE_MIXED ring, `CompletionQueue::pop` takes every 32-byte entry
// wherever it sits (not only at the ring's last unit, also when it is the
// last one ready or is followed by others) and reads its second half from
// the unit after it.
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

// Run on a CQE32 ring and on a mixed one, over several wraps, checking each
// entry and the count.
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

// The kernel counts an SQE as dropped when the SQ index array names a slot past
// the end of the SQE array (`io_get_sqe`); that needs no memory pressure,
// unlike the CQ overflow counter. The test maps the SQ ring a second time,
// writes an invalid index into the array slot the next push will use, and
// submits a NOP: the kernel consumes the position without running anything, and
// `dropped` must say so.
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

// A batch committed with fewer entries than it reserved counts, commits and
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

// On an SQE128 ring the unit cleared after `f` ran must be the slot's second
// half; with either faulty version, filling slot 0 clears the entry `f` just
// wrote (the kernel then runs a NOP with `user_data` 0). The first batch is a
// single entry at slot 0, so the faulty versions fail before a later slot could
// be written out of bounds.
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

/// A watch recording the flags of every `io_uring_enter`.
#[derive(Clone, Default)]
struct EnterLog {
    flags: Rc<RefCell<Vec<u32>>>,
}

// SAFETY: every call is forwarded unchanged to `Linux`.
unsafe impl Watch for EnterLog {
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
}

// Under SQPOLL, a submit while the poll thread is awake is only the tail store:
// no system call. With either faulty version every such submit enters the
// kernel with IORING_ENTER_SQ_WAKEUP, which the `Kernel` seam sees. The poll
// thread idles for 10 s before sleeping, so it is awake throughout; the test
// checks NEED_WAKEUP around each submit anyway and retries if it was set.
#[test]
fn a_submit_under_sqpoll_with_the_thread_awake_makes_no_system_call() {
    let log = EnterLog::default();
    let mut ring = match Builder::new(8).sqpoll(Some(10_000)).build_on(Spy(log.clone())) {
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
