//! Starting what an action asks for: an operation of a [`Kind`] on either
//! driver, or a linked chain as a [`ChainSpec`] describes it, each with the
//! oracle's judge of its outcome.

use crate::scenario::action::{ChainSpec, Kind, Member};
use crate::scenario::live::{Backer, Foreign, OneShot, Starting, Stream, Taker};
use crate::scenario::oracle::{
    judge_member_nop, judge_member_read, judge_member_sleep, judge_member_write, judge_nop, judge_read_file,
    judge_read_pipe, judge_send, judge_sleep, judge_write,
};
use crate::scenario::world::{sim_fd, ChainRec, Live, World, OFFSETS, REGION};
use ring_core::ops::{Nop, Read, SendZc, Timeout, Write};
use std::time::Duration;

/// Creates operation `k`'s future on driver `which` (0: the scenario's
/// driver, 1: the second one).
pub(super) fn submit(w: &mut World, which: usize, k: Kind) -> Box<dyn Live> {
    let id = w.new_op();
    let d = if which == 0 { w.driver.clone() } else { w.other.clone() };
    let l: Box<dyn Live> = match k {
        Kind::Nop => Box::new(OneShot { id, op: d.op(Nop), judge: judge_nop }),
        Kind::ReadFile { off, len } => {
            OFFSETS.with(|o| o.borrow_mut()[id] = off as usize);
            let b = w.buf(id, Vec::with_capacity(len as usize));
            Box::new(OneShot { id, op: d.op(Read::new(&sim_fd(w.src), b, u64::from(off))), judge: judge_read_file })
        }
        Kind::WriteFile { len } => {
            let b = w.buf(id, vec![id as u8 | 0x80; len as usize]);
            let off = (id % 256 * REGION) as u64;
            Box::new(OneShot { id, op: d.op(Write::new(&sim_fd(w.dst), b, off)), judge: judge_write })
        }
        Kind::ReadPipe { len } => {
            let b = w.buf(id, Vec::with_capacity(len as usize));
            Box::new(OneShot { id, op: d.op(Read::new(&sim_fd(w.pipe.0), b, u64::MAX)), judge: judge_read_pipe })
        }
        Kind::Sleep { ms } => Box::new(OneShot {
            id,
            op: d.op(Timeout::relative(Duration::from_millis(u64::from(ms)))),
            judge: judge_sleep,
        }),
        Kind::Poll => Box::new(Stream { id, op: d.poll_multishot(&sim_fd(w.pollable), libc::POLLIN as u32) }),
        Kind::Ticks { n } => Box::new(Stream { id, op: d.ticks(Duration::from_millis(3), u32::from(n)) }),
        Kind::SendZc { len } => {
            let b = w.buf(id, vec![0x5a; len as usize]);
            Box::new(OneShot { id, op: d.op(SendZc::new(&sim_fd(w.sock), b, 0)), judge: judge_send })
        }
        Kind::PoolStream => {
            let pool = w.pool(which).clone();
            Box::new(Stream { id, op: d.read_pool_multishot(&sim_fd(w.pipe.0), &pool) })
        }
        Kind::ForeignPoolStream => {
            let pool = w.pool(1 - which).clone();
            Box::new(Foreign { id, op: d.read_pool_multishot(&sim_fd(w.pipe.0), &pool) })
        }
    };
    l
}

/// Builds the chain `spec` describes and its (not yet polled) start.
pub(super) fn start_chain(w: &mut World, spec: ChainSpec) -> Box<dyn Live> {
    let c = w.chains.len();
    let mut chain = w.driver.chain();
    if spec.hard {
        chain = chain.hard();
    }
    let mut ids = Vec::new();
    let mut takers: Vec<Option<Taker>> = Vec::new();
    let mut backers: Vec<Backer> = Vec::new();
    for (i, m) in spec.members.into_iter().enumerate() {
        let id = w.new_op();
        w.member[id] = Some(c);
        ids.push(id);
        let t: Taker = match m {
            Member::Nop => {
                let link = chain.push(Nop);
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_nop })
                })
            }
            Member::ReadFile { off, len } => {
                OFFSETS.with(|o| o.borrow_mut()[id] = off as usize);
                let b = w.buf(id, Vec::with_capacity(len as usize));
                w.want[id] = b.data.capacity();
                let link = chain.push(Read::new(&sim_fd(w.src), b, u64::from(off)));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_read })
                })
            }
            Member::WriteFile { len } => {
                let b = w.buf(id, vec![id as u8 | 0x80; len as usize]);
                w.want[id] = len as usize;
                let off = (id % 256 * REGION) as u64;
                let link = chain.push(Write::new(&sim_fd(w.dst), b, off));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_write })
                })
            }
            Member::Sleep { ms } => {
                let link = chain.push(Timeout::relative(Duration::from_millis(u64::from(ms))));
                backers.push(Box::new(move |r| r.take(link).is_some()));
                Box::new(move |s| {
                    Box::new(OneShot { id, op: s.take(link).expect("own link"), judge: judge_member_sleep })
                })
            }
        };
        takers.push((spec.take >> i & 1 == 1).then_some(t));
    }
    w.chains.push(ChainRec { ops: ids.clone(), hard: spec.hard });
    Box::new(Starting { ids, start: chain.start(), takers, backers })
}
