//! Timeouts: sleeping on the ring's clock, a deadline linked to another
//! operation, and a stream of ticks.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::{MultiOp, Op};
use crate::ownership::driver::Driver;
use crate::ownership::operation::{Multishot, Operation};
use crate::ownership::ops::res;
use crate::raw::cqueue::Cqe;
use core::time::Duration;
use ring_sys::*;
use std::io;

fn timespec(d: Duration) -> __kernel_timespec {
    __kernel_timespec { tv_sec: d.as_secs().min(i64::MAX as u64) as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

/// A kernel timer; see [`crate::Driver::sleep`] and [`crate::Driver::timeout`].
#[derive(Debug)]
pub struct Timeout {
    ts: __kernel_timespec,
    flags: u32,
    count: u32,
}

impl Timeout {
    /// Fires `d` from now.
    pub fn relative(d: Duration) -> Self {
        Timeout { ts: timespec(d), flags: 0, count: 0 }
    }

    /// Fires at `at` on `CLOCK_MONOTONIC`.
    pub fn absolute(at: Duration) -> Self {
        Timeout { ts: timespec(at), flags: IORING_TIMEOUT_ABS, count: 0 }
    }

    /// Also completes once `count` other completions were posted.
    pub fn with_count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address.
unsafe impl Operation for Timeout {
    /// `Ok(true)` when the time ran out, `Ok(false)` when the count was reached.
    type Output = io::Result<bool>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_off(u64::from(self.count));
        sqe.set_timeout_flags(self.flags);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<bool> {
        if result.res == -libc::ETIME {
            Ok(true)
        } else {
            res(&result).map(|_| false)
        }
    }
}

/// A timeout on the operation linked before it (`IORING_OP_LINK_TIMEOUT`,
/// 5.5): pushed into a [`crate::ownership::driver::Chain`] right after the operation it
/// guards, it cancels that operation if it has not completed after `d`.
///
/// Its output is `Ok(true)` if the timer fired (the guarded operation then
/// completes with `-ECANCELED`), `Ok(false)` if the guarded operation
/// finished first (the timer is then cancelled: the kernel answers
/// `-ECANCELED` for it, reported here as `Ok(false)`).
#[derive(Debug)]
pub struct LinkTimeout {
    ts: __kernel_timespec,
    flags: u32,
}

impl LinkTimeout {
    /// Times out the previous chain member `d` after the kernel issues it.
    pub fn new(d: Duration) -> Self {
        LinkTimeout { ts: timespec(d), flags: 0 }
    }

    /// Times out the previous chain member at `deadline` on
    /// `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`, accepted for linked
    /// timeouts since they were added in 5.5): a deadline already passed
    /// fires as soon as the member is issued. See
    /// [`crate::time::monotonic`] for an `Instant`'s value on that clock.
    pub fn at(deadline: Duration) -> Self {
        LinkTimeout { ts: timespec(deadline), flags: IORING_TIMEOUT_ABS }
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address;
// the kernel copies it when it arms the timer, and the driver keeps `self`
// until the timer's own completion anyway.
unsafe impl Operation for LinkTimeout {
    type Output = io::Result<bool>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_LINK_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_timeout_flags(self.flags);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<bool> {
        match -result.res {
            libc::ETIME => Ok(true),
            libc::ECANCELED | libc::EALREADY | 0 => Ok(false),
            _ => res(&result).map(|_| false),
        }
    }
}

/// A repeating kernel timer; see [`crate::Driver::ticks`].
///
/// Timers as values: relative or absolute on `CLOCK_MONOTONIC`, one
/// that also completes after a count of other completions, a linked
/// timeout with a deadline, and a repeating timer:
///
/// ```
/// use ring_core::ops::{LinkTimeout, Recv, Timeout, TimeoutStream};
/// use ring_core::MultiOp;
/// use std::rc::Rc;
/// use std::time::{Duration, Instant};
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let (a, _b) = std::os::unix::net::UnixStream::pair()?;
/// let a = Rc::new(a);
/// rt.block_on(async {
///     assert!(d.op(Timeout::relative(Duration::from_millis(1))).await?);
///     let soon = ring_core::time::monotonic(Instant::now() + Duration::from_millis(1));
///     assert!(d.op(Timeout::absolute(soon)).await?);
///     // Completes after one other completion (the NOP), before its time.
///     let counted = ring_core::task::spawn({
///         let d = d.clone();
///         async move { d.op(Timeout::relative(Duration::from_secs(5)).with_count(1)).await }
///     });
///     ring_core::task::yield_now().await;
///     d.nop().await?;
///     assert!(!counted.await.expect("the timer ran")?, "ended by the count");
///     // A receive that never completes, cut at a deadline.
///     let mut chain = d.chain();
///     let recv = chain.push(Recv::new(&a, Vec::with_capacity(8), 0));
///     let deadline = ring_core::time::monotonic(Instant::now() + Duration::from_millis(5));
///     let timer = chain.push(LinkTimeout::at(deadline));
///     let mut started = chain.start().await.map_err(ring_core::Error::from)?;
///     assert!(started.take(recv).expect("its link").await.0.is_err());
///     assert!(started.take(timer).expect("its link").await?);
///     let mut ticks: MultiOp<TimeoutStream> = d.ticks(Duration::from_millis(1), 2);
///     let mut n = 0;
///     while let Some(tick) = ticks.next().await {
///         tick?;
///         n += 1;
///     }
///     assert_eq!(n, 2);
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TimeoutStream {
    ts: __kernel_timespec,
    count: u32,
}

impl TimeoutStream {
    pub(crate) fn new(interval: Duration, count: u32) -> Self {
        TimeoutStream { ts: timespec(interval), count }
    }
}

// SAFETY: the SQE points at `self.ts`, inside `self` at its final address.
unsafe impl Multishot for TimeoutStream {
    type Item = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_TIMEOUT;
        sqe.fd = -1;
        sqe.set_addr((&raw const self.ts) as u64);
        sqe.len = 1;
        sqe.set_off(u64::from(self.count));
        sqe.set_timeout_flags(IORING_TIMEOUT_MULTISHOT);
        sqe
    }

    fn item(&mut self, cqe: Cqe) -> Option<io::Result<()>> {
        if cqe.res == -libc::ETIME {
            Some(Ok(()))
        } else {
            Some(res(&cqe).map(drop))
        }
    }
}

/// # Timers and timeouts
///
impl<K: Kernel> Driver<K> {
    /// Completes after `d` (`IORING_OP_TIMEOUT`, 5.4), a timer kept by the
    /// kernel: the executor parks in the ring until it fires.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let fired = rt.block_on(d.sleep(std::time::Duration::from_millis(1)))??;
    /// assert!(fired);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn sleep(&self, d: Duration) -> Op<Timeout, K> {
        self.op(Timeout::relative(d))
    }

    /// Completes at `at` on `CLOCK_MONOTONIC` (`IORING_TIMEOUT_ABS`).
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// let at = ring_core::time::monotonic(std::time::Instant::now() + std::time::Duration::from_millis(1));
    /// assert!(rt.block_on(d.sleep_until(at))??);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn sleep_until(&self, at: Duration) -> Op<Timeout, K> {
        self.op(Timeout::absolute(at))
    }

    /// Completes after `d`, or once `count` other completions have been
    /// posted, whichever is first (`IORING_OP_TIMEOUT` with a count).
    /// Resolves to `Ok(true)` if the time ran out, `Ok(false)` on the count.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// // Fires on time: nothing else completes meanwhile.
    /// assert!(rt.block_on(d.timeout(std::time::Duration::from_millis(1), 100))??);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn timeout(&self, d: Duration, count: u32) -> Op<Timeout, K> {
        self.op(Timeout::relative(d).with_count(count))
    }

    /// A stream of ticks every `interval` (`IORING_TIMEOUT_MULTISHOT`,
    /// 6.4); `count` ticks, or forever with 0.
    ///
    /// ```
    /// # let rt = ring_core::Runtime::new(16)?;
    /// # let d = rt.driver().clone();
    /// rt.block_on(async {
    ///     let mut ticks = d.ticks(std::time::Duration::from_millis(1), 3);
    ///     let mut n = 0;
    ///     while let Some(t) = ticks.next().await {
    ///         t?;
    ///         n += 1;
    ///     }
    ///     assert_eq!(n, 3);
    ///     Ok::<(), std::io::Error>(())
    /// })??;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn ticks(&self, interval: Duration, count: u32) -> MultiOp<TimeoutStream, K> {
        MultiOp::new(self, TimeoutStream::new(interval, count))
    }
}
