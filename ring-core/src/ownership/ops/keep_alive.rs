//! [`KeepAlive`], which ties any value (a permit, a handle) to an operation
//! for as long as the operation is in flight.
#![allow(unsafe_code)]

use crate::kernel::Kernel;
use crate::ownership::driver::op::MultiOp;
use crate::ownership::driver::Driver;
use crate::ownership::operation::{Multishot, Operation};
use crate::raw::cqueue::Cqe;
use ring_sys::*;

/// An operation together with something that must stay alive until the
/// kernel is done with it (a permit counting operations in flight, a
/// handle to a resource the request uses). The driver keeps the whole
/// value until the terminal completion, even if the future is dropped or
/// forgotten. (Operations that name a descriptor need no `KeepAlive`:
/// each holds a [`SharedFd`](crate::ownership::shared_fd::SharedFd) of it
/// already.)
///
/// ```
/// use ring_core::ops::{KeepAlive, Read};
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let file = Rc::new(std::fs::File::open("/proc/self/stat")?);
/// // A read that also keeps a value of the caller's (here a label) until
/// // its terminal completion, even if the future is dropped first.
/// let op = KeepAlive::new(Read::new(&file, Vec::with_capacity(64), 0), String::from("stat"));
/// let (n, buf) = rt.block_on(d.op(op))?;
/// assert!(n? > 0 && !buf.is_empty());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct KeepAlive<T, R> {
    op: T,
    _keep: R,
}

impl<T, R: 'static> KeepAlive<T, R> {
    /// `op`, keeping `keep` alive until it has ended.
    pub fn new(op: T, keep: R) -> Self {
        KeepAlive { op, _keep: keep }
    }
}

// SAFETY: forwards `T`'s contract; `keep` is only held, never handed to
// the kernel.
unsafe impl<T: Operation, R: 'static> Operation for KeepAlive<T, R> {
    type Output = T::Output;
    const CQES: u32 = T::CQES;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.op.prepare()
    }

    fn refuse(&self, ring: crate::raw::ring_id::RingId) -> Option<i32> {
        self.op.refuse(ring)
    }

    fn names(&self) -> Option<crate::ownership::operation::PollTarget> {
        self.op.names()
    }

    fn bare_file_slots(&self) -> Option<(u32, u32)> {
        self.op.bare_file_slots()
    }

    // The entry size is `T`'s: without these two, a 128-byte operation
    // kept alive would be written as a 64-byte entry (refused nowhere, and
    // on a mixed ring the kernel would take the next entry as its second
    // half).
    fn is_128(&self) -> bool {
        self.op.is_128()
    }

    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        self.op.prepare128()
    }

    fn complete(self, result: Cqe, last: Cqe) -> T::Output {
        self.op.complete(result, last)
    }

    fn orphaned(self, result: Cqe, last: Cqe) {
        self.op.orphaned(result, last);
    }

    fn orphaned_cqe(&mut self, cqe: Cqe) {
        self.op.orphaned_cqe(cqe);
    }
}

// SAFETY: forwards `T`'s contract, as above.
unsafe impl<T: Multishot, R: 'static> Multishot for KeepAlive<T, R> {
    type Item = T::Item;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.op.prepare()
    }

    fn refuse(&self, ring: crate::raw::ring_id::RingId) -> Option<i32> {
        self.op.refuse(ring)
    }

    fn item(&mut self, cqe: Cqe) -> Option<T::Item> {
        self.op.item(cqe)
    }
}

/// # Keeping values alive with an operation
///
/// ```
/// use ring_core::ops::PollMulti;
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// // A readiness stream that also keeps `a` open until it ends.
/// let a = Rc::new(a);
/// let mut events = d.multishot_keep(PollMulti::new(&b, libc::POLLIN as u32), a.clone());
/// (&*a).write_all(b"x")?;
/// rt.block_on(async {
///     assert!(events.next().await.expect("an event")? & libc::POLLIN as u32 != 0);
///     events.cancel();
///     while events.next().await.is_some() {}
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// A stream of `op`'s items, keeping `keep` alive until it ends.
    pub fn multishot_keep<T: Multishot, R: 'static>(&self, op: T, keep: R) -> MultiOp<KeepAlive<T, R>, K> {
        MultiOp::new(self, KeepAlive::new(op, keep))
    }
}
