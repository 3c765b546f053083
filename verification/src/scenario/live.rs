//! The live futures the actions act on, each a [`Live`]: a one-shot
//! operation, its explicit cancellation, a multishot stream, a stream
//! refused for another driver's pool, and a linked chain waiting to start.

use crate::scenario::world::{Live, World};
use crate::sim::SimKernel;
use ring_core::driver::{ChainRefused, StartChain, Started};
use ring_core::op::CancelOp;
use ring_core::{Cancelled, MultiOp, Op};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub(super) struct OneShot<T: ring_core::Operation> {
    pub(super) id: usize,
    pub(super) op: Op<T, SimKernel>,
    pub(super) judge: fn(usize, T::Output, bool, &mut World),
}

struct Cancelling<T: ring_core::Operation> {
    id: usize,
    op: CancelOp<T, SimKernel>,
    judge: fn(usize, T::Output, bool, &mut World),
}

pub(super) struct Stream<T: ring_core::Multishot> {
    pub(super) id: usize,
    pub(super) op: MultiOp<T, SimKernel>,
}

impl<T: ring_core::Operation> Live for OneShot<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(out) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        let OneShot { id, op, judge } = *self;
        w.cancel_asked[id] = true;
        Box::new(Cancelling { id, op: op.cancel(), judge })
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

impl<T: ring_core::Operation> Live for Cancelling<T> {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.op).poll(cx) {
            Poll::Ready(Cancelled::Completed(out)) => {
                (self.judge)(self.id, out, false, w);
                true
            }
            Poll::Ready(Cancelled::Cancelled(out)) => {
                (self.judge)(self.id, out, true, w);
                true
            }
            Poll::Pending => false,
        }
    }
    fn cancel(self: Box<Self>, _: &mut World) -> Box<dyn Live> {
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

impl<T: ring_core::Multishot> Live for Stream<T>
where
    T::Item: core::fmt::Debug,
{
    fn id(&self) -> usize {
        self.id
    }
    fn must_end(&self) -> bool {
        false
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        loop {
            match self.op.poll_next(cx) {
                Poll::Ready(Some(_item)) => continue,
                Poll::Ready(None) => {
                    w.outcomes[self.id] += 1;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
    }
    fn cancel(mut self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        w.cancel_asked[self.id] = true;
        self.op.cancel();
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

/// A pool stream given another driver's pool: refused before the kernel.
pub(super) struct Foreign {
    pub(super) id: usize,
    pub(super) op: MultiOp<ring_core::ops::ReadPoolMulti, SimKernel>,
}

impl Live for Foreign {
    fn id(&self) -> usize {
        self.id
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        loop {
            match self.op.poll_next(cx) {
                Poll::Ready(Some(Err(e))) => assert_eq!(
                    e.raw_os_error(),
                    Some(libc::EXDEV),
                    "op {}: a stream with another driver's pool failed otherwise: {e}",
                    self.id
                ),
                Poll::Ready(Some(Ok(b))) => panic!("op {}: a stream used another driver's pool: {b:?}", self.id),
                Poll::Ready(None) => {
                    w.outcomes[self.id] += 1;
                    return true;
                }
                Poll::Pending => return false,
            }
        }
    }
    fn cancel(mut self: Box<Self>, w: &mut World) -> Box<dyn Live> {
        w.cancel_asked[self.id] = true;
        self.op.cancel();
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        w.forgotten[self.id] = true;
        std::mem::forget(self);
    }
}

/// Takes one member's future out of a started chain.
pub(super) type Taker = Box<dyn FnOnce(&mut Started<SimKernel>) -> Box<dyn Live>>;

/// Takes one member's value back from a refused chain; true if it was
/// there.
pub(super) type Backer = Box<dyn FnOnce(&mut ChainRefused<SimKernel>) -> bool>;

/// A chain waiting to start (for CQ credits or entries): its members are
/// still inside the `StartChain` future.
pub(super) struct Starting {
    pub(super) ids: Vec<usize>,
    pub(super) start: StartChain<SimKernel>,
    /// For each member, its taker if the scenario takes its future.
    pub(super) takers: Vec<Option<Taker>>,
    /// For each member, how to take its value back if the chain is refused.
    pub(super) backers: Vec<Backer>,
}

impl Live for Starting {
    fn id(&self) -> usize {
        self.ids[0]
    }
    fn poll(&mut self, w: &mut World, cx: &mut Context<'_>) -> bool {
        match Pin::new(&mut self.start).poll(cx) {
            Poll::Pending => false,
            Poll::Ready(Ok(mut started)) => {
                w.report.chains_started += 1;
                for t in self.takers.drain(..).flatten() {
                    let l = t(&mut started);
                    w.spawned.push(l);
                }
                // The members not taken are orphaned here.
                drop(started);
                true
            }
            Poll::Ready(Err(mut e)) => {
                // Refused: nothing reached the kernel, and every member's
                // value (with its buffer) comes back, which is its outcome.
                let sq = w.entries as usize;
                for (&id, back) in self.ids.iter().zip(self.backers.drain(..)) {
                    assert!(back(&mut e), "op {id}: a refused chain did not give its value back");
                    w.outcomes[id] += 1;
                }
                let ok = match e.error() {
                    ring_core::Error::TooLong { .. } => self.ids.len() > sq,
                    ring_core::Error::SubmissionQueueFull => true,
                    _ => false,
                };
                assert!(ok, "chain of {} members on an SQ of {sq} refused: {e}", self.ids.len());
                w.report.chains_refused += 1;
                true
            }
        }
    }
    fn cancel(self: Box<Self>, _: &mut World) -> Box<dyn Live> {
        // Nothing in the kernel yet: nothing to cancel.
        self
    }
    fn forget(self: Box<Self>, w: &mut World) {
        // The members' values (and their buffers) are never dropped.
        for &id in &self.ids {
            w.forgotten[id] = true;
        }
        std::mem::forget(self);
    }
}
