//! No-ops, in 64- and 128-byte entries.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::raw::cqueue::Cqe;
use ring_sys::*;
use std::io;

/// `IORING_OP_NOP`; see [`crate::Driver::nop`].
///
/// ```
/// use ring_core::ops::{Nop, Nop128};
/// use ring_core::{Builder, Runtime};
///
/// let rt = Runtime::new(4)?;
/// rt.block_on(rt.driver().op(Nop))??;
///
/// // A 128-byte no-op needs a ring of 128-byte entries (or mixed ones).
/// let wide = Runtime::with_ring(Builder::new(4).sqe128().build()?, ring_core::driver::Batch::default())?;
/// match wide.block_on(wide.driver().op(Nop128))? {
///     Ok(()) => {}
///     Err(e) => println!("no 128-byte NOP here: {e}"),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Nop;

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Nop {
    type Output = io::Result<()>;

    #[inline]
    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_NOP;
        sqe
    }

    #[inline]
    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `IORING_OP_NOP128`; see [`Driver::nop128`].
#[derive(Debug)]
pub struct Nop128;

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Nop128 {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = ring_sys::IORING_OP_NOP128;
        sqe
    }

    fn is_128(&self) -> bool {
        true
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// # No-ops
///
/// ```
/// use ring_core::{Builder, Driver};
///
/// let d = Driver::new(4)?;
/// let rt_like = |d: &Driver| -> std::io::Result<()> {
///     let mut op = std::pin::pin!(d.nop());
///     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
///     loop {
///         if let std::task::Poll::Ready(r) = std::future::Future::poll(op.as_mut(), &mut cx) {
///             return r;
///         }
///         d.park(None)?;
///     }
/// };
/// rt_like(&d)?;
///
/// // A 128-byte no-op needs a ring of 128-byte entries.
/// let wide = Driver::with_ring(Builder::new(4).sqe128().build()?, ring_core::driver::Batch::default());
/// let mut op = std::pin::pin!(wide.nop128());
/// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let r = loop {
///     if let std::task::Poll::Ready(r) = std::future::Future::poll(op.as_mut(), &mut cx) {
///         break r;
///     }
///     wide.park(None)?;
/// };
/// match r {
///     Ok(()) => {}
///     Err(e) => println!("no 128-byte NOP here: {e}"),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// `IORING_OP_NOP`: completes with 0.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(d.nop())??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn nop(&self) -> Op<Nop, K> {
        self.op(Nop)
    }

    /// `IORING_OP_NOP128` (6.19): a NOP in a 128-byte entry, on rings set up
    /// with `IORING_SETUP_SQE_MIXED` (or `SQE128`). On a ring with neither
    /// it completes with `EINVAL` without reaching the kernel; on a kernel
    /// without the opcode, with the kernel's answer (see [`Driver::require`]).
    pub fn nop128(&self) -> Op<Nop128, K> {
        self.op(Nop128)
    }
}
