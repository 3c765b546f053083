//! Any operation as a future: [`Driver::op`] for an [`Operation`] value,
//! and [`Driver::submit_raw`], the `unsafe` escape hatch for an entry the
//! crate has no operation for, with the value that keeps its memory alive.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::handle::Driver;
use crate::ownership::driver::op::Op;
use crate::ownership::operation::Operation;
use crate::raw::cqueue::Cqe;
use ring_sys::io_uring_sqe;

/// # Any operation
///
/// An [`Operation`] value (see [`crate::ops`], whose values have public
/// constructors) as a future, and the `unsafe` escape hatch for an entry
/// the crate has no operation for.
///
/// ```
/// use ring_core::ops::Recv;
/// use std::io::Write;
/// use std::os::unix::net::UnixStream;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = UnixStream::pair()?;
/// (&a).write_all(b"hi")?;
/// let b = Rc::new(b);
/// let (n, buf) = rt.block_on(d.op(Recv::new(&b, Vec::with_capacity(8), 0)))?;
/// assert_eq!(&buf[..n?], b"hi");
///
/// // A raw entry with the value that keeps its memory alive: a NOP here.
/// // SAFETY: the entry touches no memory.
/// let raw = unsafe {
///     d.submit_raw((), |_| {
///         let mut sqe = ring_core::sys::io_uring_sqe::default();
///         sqe.opcode = ring_core::sys::IORING_OP_NOP;
///         sqe
///     })
/// };
/// let (cqe, ()) = rt.block_on(raw)?;
/// assert_eq!(cqe.result(), Ok(0));
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Starts `op` as a future. The operation is submitted on first poll.
    pub fn op<T: Operation>(&self, op: T) -> Op<T, K> {
        Op::new(self, op)
    }

    /// Submits any SQE together with the value that keeps its memory alive,
    /// as a future of the completion and the value.
    ///
    /// `build` is called with the value at its final address in the
    /// driver's table and returns the SQE (its `user_data` is replaced).
    ///
    /// # Safety
    ///
    /// The SQE must make the kernel touch only memory that `owned` owns
    /// (inline, or through heap pointers it owns) or `'static` memory, and
    /// for writes only memory nothing else can reach while the operation is
    /// in flight; it must not post more than one completion without
    /// `IORING_CQE_F_MORE` (the driver frees `owned` at the first
    /// completion without it). For example, a read into a `Vec<u8>` held by
    /// `owned`, with `addr` from `owned.as_mut_ptr()` inside `build`, is
    /// sound; a read into a stack array, or into a `Vec` the caller keeps a
    /// clone of the pointer to and reads concurrently, is not. File
    /// descriptors are looked up by the kernel when it issues the request;
    /// one closed and reused meanwhile names another file (not memory
    /// unsafety, but a logic error).
    pub unsafe fn submit_raw<T: 'static, F>(&self, owned: T, build: F) -> Op<RawOp<T, F>, K>
    where
        F: FnMut(&mut T) -> io_uring_sqe + 'static,
    {
        Op::new(self, RawOp { owned, build })
    }
}

/// An operation submitted with [`Driver::submit_raw`].
///
/// ```
/// use ring_core::driver::op::{Next, RawOp};
/// use ring_core::ops::TimeoutStream;
/// use ring_core::Op;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // SAFETY: the entry (a NOP) touches no memory.
/// let raw: Op<RawOp<u32, _>> = unsafe {
///     d.submit_raw(5u32, |_| ring_core::opcode::Nop::new().build().into_sqe())
/// };
/// let (cqe, kept) = rt.block_on(raw)?;
/// assert_eq!((cqe.result(), kept), (Ok(0), 5));
///
/// // `MultiOp::next` is a future of the stream's next item.
/// let mut ticks = d.ticks(std::time::Duration::from_millis(1), 1);
/// let next: Next<'_, TimeoutStream> = ticks.next();
/// assert!(rt.block_on(next)?.expect("one tick").is_ok());
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct RawOp<T, F> {
    owned: T,
    build: F,
}

// SAFETY: the contract of `Driver::submit_raw`, which the caller accepted,
// is this trait's contract.
unsafe impl<T: 'static, F: FnMut(&mut T) -> io_uring_sqe + 'static> Operation for RawOp<T, F> {
    type Output = (Cqe, T);

    fn prepare(&mut self) -> io_uring_sqe {
        (self.build)(&mut self.owned)
    }

    fn complete(self, result: Cqe, _last: Cqe) -> (Cqe, T) {
        (result, self.owned)
    }
}
