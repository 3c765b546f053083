//! Tests written to kill survivors of the eleventh cargo-mutants pass over
//! `squeue.rs`, `cqueue.rs`, `net/` and `adapters/` (docs/verification.md,
//! section 6). Each test names the mutants it kills; each kill was checked
//! by planting the mutant in a scratch copy and watching the test fail.
//!
//! The queue tests drive the raw layer directly (`Ring`, its
//! `SubmissionQueue` and `CompletionQueue`) and use 6.18's
//! `IORING_NOP_CQE32`, the one way a test can make the kernel post a
//! 32-byte completion carrying chosen words; they skip, with a printed
//! reason, on a kernel without it or without `IORING_SETUP_CQE_MIXED`.

use ring_core::opcode::Nop;
use ring_core::{Builder, Cqe, Ring};

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
        println!("SKIP: IORING_NOP_CQE32 needs Linux 6.18");
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
