//! Loom models of every submission-queue publish path of the shipped
//! `ring_core::SubmissionQueue`, beyond the `push` and `reserve` of plain
//! 64-byte rings that `loom_queues` (a, b) checks: `push_with` (the
//! driver's path for every single operation), `push_all` (the driver's path
//! for a linked chain, which must become visible to the kernel whole),
//! 128-byte entries on an `IORING_SETUP_SQE128` ring (`push`, which clears
//! the slot's second half, `push128`, and `reserve`/`fill`), 128-byte
//! entries on an `IORING_SETUP_SQE_MIXED` ring (`push128` with the NOP
//! filler at the end of the ring), and `rollback_to`.
//!
//! The kernel thread consumes with the kernel's orderings, like an SQPOLL
//! thread that may read the tail at any moment: acquire the tail, read the
//! entries below it, release the head. A weakened tail store, a slot
//! rewritten before the head showed it consumed, or a tail stored between
//! the members of a chain makes a model fail.
//!
//! Run with `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg ring_loom" cargo test -p verification --release --test 'loom_*'`.
#![cfg(ring_loom)]

#[path = "loom_support/mod.rs"]
mod support;

use loom::thread;
use ring_sys::{io_uring_sqe, io_uring_sqe128, IORING_OP_NOP, IORING_OP_NOP128, IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_LINK};
use std::sync::Arc;
use support::{bytes, model, nop, push, KernelSq, Rings, Seen, Shape, START};

/// A kernel thread that submits whenever it finds entries, until it has
/// read `n`; returns each submission's entries.
fn poller(r: &Arc<Rings>, array: bool, n: usize) -> thread::JoinHandle<Vec<Vec<Seen>>> {
    let r = r.clone();
    thread::spawn(move || {
        let mut k = KernelSq::at(r.shape.start, array);
        let mut subs = Vec::new();
        let mut seen = 0;
        while seen < n {
            let s = k.submit(&r);
            if s.is_empty() {
                thread::yield_now();
            } else {
                seen += s.len();
                subs.push(s);
            }
        }
        subs
    })
}

/// A kernel thread that submits once, whenever the scheduler runs it (the
/// tail may or may not cover what the application wrote by then).
fn submit_once(r: &Arc<Rings>, array: bool) -> thread::JoinHandle<Vec<Seen>> {
    let r = r.clone();
    thread::spawn(move || KernelSq::at(r.shape.start, array).submit(&r))
}

fn uds(s: &[Seen]) -> Vec<u64> {
    s.iter().map(Seen::user_data).collect()
}

/// `push_with`, the driver's path for a single operation: the entry is
/// built straight into its slot, and the kernel that acquires the tail
/// covering it reads it fully written (a causality violation on the cell
/// otherwise). A ring of two and three entries, so the third reuses slot 0
/// only after the kernel's head release.
#[test]
fn sq_push_with_published_before_tail() {
    model(|| {
        let r = Rings::new(2, 4);
        let mut sq = r.sq(true);
        let k = poller(&r, true, 3);
        for ud in [1, 2, 3] {
            // SAFETY: NOPs carry no pointer.
            while unsafe { sq.push_with(|| nop(ud)) }.is_err() {
                thread::yield_now();
            }
            sq.publish();
        }
        let subs = k.join().unwrap();
        assert_eq!(subs.concat().iter().map(Seen::user_data).collect::<Vec<_>>(), [1, 2, 3]);
    });
}

/// `push_all`, the driver's path for a linked chain: a NOP is published
/// first, then a chain of three (the first two with `IOSQE_IO_LINK`) is
/// written and published. The kernel thread polls the tail throughout, as
/// an SQPOLL thread does; no submission it makes may end inside the chain
/// (a tail stored between two members would let it run them unlinked).
/// Before the chain, an entry is written and rolled back with
/// `rollback_to`; the kernel never sees it.
#[test]
fn sq_push_all_chain_published_whole() {
    model(|| {
        let r = Rings::new(4, 8);
        let mut sq = r.sq(true);
        let k = poller(&r, true, 4);
        assert!(push(&mut sq, 1));
        sq.publish();
        // An entry written and then given up before publication.
        let mark = sq.local_tail();
        assert!(push(&mut sq, 99));
        assert_eq!(sq.unpublished(), 1);
        sq.rollback_to(mark);
        assert_eq!(sq.unpublished(), 0);
        let mut chain = [nop(7), nop(8), nop(9)];
        chain[0].flags = IOSQE_IO_LINK;
        chain[1].flags = IOSQE_IO_LINK;
        // The ring has four slots and holds at most one unconsumed entry.
        loop {
            // SAFETY: NOPs carry no pointer.
            if unsafe { sq.push_all(&chain) }.is_ok() {
                break;
            }
            thread::yield_now();
        }
        sq.publish();
        let subs = k.join().unwrap();
        for s in &subs {
            let last = s.last().expect("non-empty");
            assert!(last.sqe.flags & IOSQE_IO_LINK == 0, "a submission ended inside the chain: {subs:?}");
        }
        assert_eq!(uds(&subs.concat()), [1, 7, 8, 9], "{subs:?}");
    });
}

/// A pattern for the second half of a 128-byte entry.
const HI: [u8; 64] = [0x5a; 64];

fn sqe128(user_data: u64, opcode: u8) -> io_uring_sqe128 {
    io_uring_sqe128 { sqe: io_uring_sqe { opcode, user_data, ..Default::default() }, cmd_ext: HI }
}

/// An `IORING_SETUP_SQE128` ring of two slots (four 64-byte units), whose
/// second halves start dirty: `push128` writes both halves of slot 0,
/// `push` writes a 64-byte entry in slot 1 and clears its second half, and
/// `reserve`/`fill` (once the kernel gave slot 0 back) writes an entry in
/// place in slot 0 and clears the second half `push128` left there. The kernel reads both units of every slot below the
/// acquired tail, fully written (a causality violation on either cell
/// otherwise), and never another operation's command bytes.
#[test]
fn sq_sqe128_entries_published_whole() {
    model(|| {
        let r = Rings::with(Shape { sqe128: true, ..Shape::new(2, 4) });
        for unit in [1, 3] {
            // SAFETY: no other thread exists yet.
            r.sqes[unit].with_mut(|p| unsafe { p.cast::<[u8; 64]>().write([0xee; 64]) });
        }
        let mut sq = r.sq(true);
        let k = poller(&r, true, 3);
        // SAFETY: a NOP carries no pointer.
        assert!(unsafe { sq.push128(&sqe128(1, IORING_OP_NOP)) }.is_ok());
        assert!(push(&mut sq, 2));
        sq.publish();
        let mut b = loop {
            // SAFETY: NOPs carry no pointer.
            match unsafe { sq.reserve(1) } {
                Ok(b) => break b,
                Err(_) => thread::yield_now(),
            }
        };
        b.fill(|s| {
            s.opcode = IORING_OP_NOP;
            s.user_data = 3;
        })
        .expect("reserved");
        assert_eq!(b.commit(), 1);
        sq.publish();
        let seen = k.join().unwrap().concat();
        assert_eq!(uds(&seen), [1, 2, 3]);
        assert_eq!(seen[0].hi, Some(HI));
        assert_eq!(seen[1].hi, Some([0; 64]), "push left another entry's command bytes");
        assert_eq!(seen[2].hi, Some([0; 64]), "fill left another entry's command bytes");
    });
}

/// An `IORING_SETUP_SQE_MIXED` ring of four slots, starting at slot 2:
/// a 64-byte NOP in slot 2, then a 128-byte entry, which may not straddle
/// the end of the ring, so `push128` writes a NOP with
/// `IOSQE_CQE_SKIP_SUCCESS` in slot 3 and the entry in slots 0 and 1. One
/// tail store publishes the three; the kernel, submitting whenever it is
/// scheduled, sees all of them or none, each fully written.
#[test]
fn sq_mixed_push128_pads_the_ring_end() {
    model(|| {
        let r = Rings::with(Shape { sq_mixed: true, ..Shape::new(4, 8) });
        assert_eq!(START & 3, 2, "the model needs the first entry in slot 2");
        let mut sq = r.sq(false);
        let k = submit_once(&r, false);
        assert!(push(&mut sq, 1));
        // SAFETY: a NOP carries no pointer.
        assert!(unsafe { sq.push128(&sqe128(2, IORING_OP_NOP128)) }.is_ok());
        sq.publish();
        let seen = k.join().unwrap();
        if !seen.is_empty() {
            assert_eq!(seen.len(), 3, "{seen:?}");
            assert_eq!(seen[0].user_data(), 1);
            assert_eq!((seen[1].sqe.opcode, seen[1].sqe.flags), (IORING_OP_NOP, IOSQE_CQE_SKIP_SUCCESS));
            assert_eq!((seen[2].user_data(), seen[2].hi), (2, Some(HI)));
            assert_eq!(bytes(&seen[2].sqe)[0], IORING_OP_NOP128);
        }
    });
}

/// `push128` on a mixed ring reuses slots only after the kernel's head
/// showed them consumed: a ring of two, where each 128-byte entry takes
/// both slots, and two of them, so the second rewrites both slots the
/// kernel read the first from.
#[test]
fn sq_mixed_push128_reuses_slots_after_head() {
    model(|| {
        let r = Rings::with(Shape { sq_mixed: true, start: 0, ..Shape::new(2, 4) });
        let mut sq = r.sq(false);
        let k = poller(&r, false, 2);
        for ud in [1, 2] {
            // SAFETY: NOPs carry no pointer.
            while unsafe { sq.push128(&sqe128(ud, IORING_OP_NOP128)) }.is_err() {
                thread::yield_now();
            }
            sq.publish();
        }
        let seen = k.join().unwrap().concat();
        assert_eq!(uds(&seen), [1, 2]);
        assert!(seen.iter().all(|s| s.hi == Some(HI)));
    });
}

/// `push128` on a mixed ring checks room for the filler too: a ring of
/// four from slot 1, two NOPs published (slots 1 and 2) while the kernel
/// polls, then a 128-byte entry, which needs the filler in slot 3 and the
/// entry in slots 0 and 1, so it must wait until the kernel has consumed
/// slot 1 (three free slots, not two).
#[test]
fn sq_mixed_push128_waits_for_room_for_the_filler() {
    model(|| {
        let r = Rings::with(Shape { sq_mixed: true, start: 1, ..Shape::new(4, 8) });
        let mut sq = r.sq(false);
        let k = poller(&r, false, 4);
        assert!(push(&mut sq, 1));
        assert!(push(&mut sq, 2));
        sq.publish();
        // SAFETY: NOPs carry no pointer.
        while unsafe { sq.push128(&sqe128(3, IORING_OP_NOP128)) }.is_err() {
            thread::yield_now();
        }
        sq.publish();
        let seen = k.join().unwrap().concat();
        assert_eq!(uds(&seen)[..2], [1, 2]);
        assert_eq!(seen[2].sqe.flags, IOSQE_CQE_SKIP_SUCCESS);
        assert_eq!((seen[3].user_data(), seen[3].hi), (3, Some(HI)));
    });
}
