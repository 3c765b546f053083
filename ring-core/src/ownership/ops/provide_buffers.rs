//! Classic provided buffers: a group of buffers handed to the kernel by
//! operation and taken back (see [`crate::ownership::pool`] for the buffer
//! rings that replace them).
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::io;

/// The most buffer ids one group holds (`MAX_BIDS_PER_BGID`).
const MAX_BIDS_PER_BGID: u32 = 1 << 16;

/// Memory handed to the kernel as a legacy provided-buffer group
/// (`IORING_OP_PROVIDE_BUFFERS`, 5.7).
///
/// **Leaked by design.** The kernel keeps pointers into a provided group
/// after the provide operation completed, and writes into a buffer
/// whenever a buffer-selecting operation picks it; even
/// `IORING_OP_REMOVE_BUFFERS` does not stop an operation that already
/// picked one from writing into it. Nothing in Rust can observe when the
/// last such write happened, so the memory is never freed: dropping a
/// `BufferGroup` frees nothing, and the memory stays valid for the life of
/// the process. Use the ring-mapped pools for memory that must be
/// reclaimed.
///
/// ```
/// use ring_core::ops::{BufferGroup, ProvideBuffers, RemoveBuffers};
/// use ring_core::Op;
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// let b = Rc::new(b);
/// rt.block_on(async {
///     let provide: Op<ProvideBuffers> = d.provide_buffers(64, 4, 7, 0)?;
///     let group: BufferGroup = provide.await?;
///     assert_eq!((group.bgid(), group.count(), group.buf_len()), (7, 4, 64));
///     // A raw receive that selects a buffer of group 7.
///     (&a).write_all(b"picked")?;
///     let fd = std::os::fd::AsRawFd::as_raw_fd(&*b);
///     // SAFETY: the SQE points at no memory of ours (the kernel writes a
///     // buffer of group 7, which `group` keeps allocated), and `b`, held by
///     // the operation, stays open until its completion.
///     let recv = unsafe {
///         d.submit_raw(b.clone(), move |_| {
///             let mut sqe = ring_core::opcode::Recv::new(fd, std::ptr::null_mut(), 64).buf_group(7).build().into_sqe();
///             sqe.flags |= ring_core::sys::IOSQE_BUFFER_SELECT;
///             sqe
///         })
///     };
///     let (cqe, _b) = recv.await;
///     let n = cqe.result().map_err(|e| std::io::Error::from_raw_os_error(e.raw()))? as usize;
///     let bid = cqe.buffer_id().expect("a selected buffer");
///     // SAFETY: the receive completed and buffer `bid` was not provided again.
///     assert_eq!(unsafe { group.copy_out(bid, n) }.as_deref(), Some(&b"picked"[..]));
///     let remove: Op<RemoveBuffers> = d.remove_buffers(3, 7);
///     assert_eq!(remove.await?, 3, "the three left in the group");
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })??;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct BufferGroup {
    base: *mut u8,
    len: usize,
    nbufs: u16,
    bgid: u16,
    bid: u16,
}

impl BufferGroup {
    /// The group id.
    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    /// How many buffers the group was given.
    pub fn count(&self) -> u16 {
        self.nbufs
    }

    /// The size of each buffer.
    pub fn buf_len(&self) -> usize {
        self.len
    }

    /// Copies the first `n` bytes of buffer `bid` (as given in a
    /// completion's flags) into a new vector.
    ///
    /// # Safety
    ///
    /// Buffer `bid` must have been selected by an operation that has
    /// completed (the kernel wrote it and gave it to you) and must not
    /// have been provided again since: otherwise the kernel may be writing
    /// it while it is copied.
    pub unsafe fn copy_out(&self, bid: u16, n: usize) -> Option<Vec<u8>> {
        let i = bid.checked_sub(self.bid)?;
        if i >= self.nbufs {
            return None;
        }
        let n = n.min(self.len);
        // SAFETY: buffer `i` lies inside the leaked allocation, which is
        // never freed; the caller promised the kernel is not writing it.
        Some(unsafe { core::slice::from_raw_parts(self.base.add(usize::from(i) * self.len), n) }.to_vec())
    }
}

/// `IORING_OP_PROVIDE_BUFFERS`; see [`Driver::provide_buffers`].
#[derive(Debug)]
pub struct ProvideBuffers {
    group: Option<BufferGroup>,
}

// SAFETY: the SQE points at memory leaked for the life of the process (see
// `BufferGroup`), which nothing in Rust reads except through the unsafe
// `copy_out` under its contract.
unsafe impl Operation for ProvideBuffers {
    type Output = io::Result<BufferGroup>;

    fn prepare(&mut self) -> io_uring_sqe {
        let g = self.group.as_ref().expect("present until completion");
        opcode::ProvideBuffers::new(g.base, g.len as u32, u32::from(g.nbufs), g.bgid, g.bid).build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        res(&result)?;
        Ok(self.group.take().expect("present until completion"))
    }
}

/// `IORING_OP_REMOVE_BUFFERS`; see [`Driver::remove_buffers`].
#[derive(Debug)]
pub struct RemoveBuffers {
    nbufs: u32,
    bgid: u16,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for RemoveBuffers {
    /// How many buffers were removed.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::RemoveBuffers::new(self.nbufs, self.bgid).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

/// # Legacy provided buffers
///
/// Groups of buffers given to the kernel by an operation (5.7); the
/// ring-mapped [`BufferPool`](crate::pool::BufferPool) is the modern form.
///
/// ```
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// rt.block_on(async {
///     let group = d.provide_buffers(512, 4, 9, 0)?.await?;
///     assert_eq!((group.bgid(), group.count(), group.buf_len()), (9, 4, 512));
///     assert_eq!(d.remove_buffers(4, 9).await?, 4);
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// Gives the kernel `nbufs` buffers of `len` bytes each as group
    /// `bgid`, with ids from `bid` (`IORING_OP_PROVIDE_BUFFERS`, 5.7). The
    /// memory is allocated here and leaked by design; see [`BufferGroup`].
    ///
    /// The sizes are checked before anything is allocated, against what the
    /// kernel accepts (`io_provide_buffers_prep`): `len` and `nbufs` not
    /// zero, `len` at most `u32::MAX` (it goes in the SQE's 32-bit `len`),
    /// ids `bid..bid + nbufs` within the group's 65536
    /// ([`Error::InvalidArgument`], [`Error::TooLong`]); an allocation the
    /// allocator refuses is [`Error::OutOfMemory`].
    pub fn provide_buffers(&self, len: usize, nbufs: u16, bgid: u16, bid: u16) -> Result<Op<ProvideBuffers, K>, Error> {
        if len == 0 || nbufs == 0 {
            return Err(Error::InvalidArgument("provided buffers need a length and a count above zero"));
        }
        if len > u32::MAX as usize {
            return Err(Error::TooLong { what: "provided buffer", len, max: u32::MAX as usize });
        }
        if u32::from(bid) + u32::from(nbufs) > MAX_BIDS_PER_BGID {
            return Err(Error::TooLong {
                what: "provided buffer ids (bid + nbufs)",
                len: usize::from(bid) + usize::from(nbufs),
                max: MAX_BIDS_PER_BGID as usize,
            });
        }
        // At most 2^32 * 2^16 bytes: it fits a 64-bit `usize`; on a smaller
        // one the multiplication is checked.
        let total = len.checked_mul(usize::from(nbufs)).ok_or(Error::TooLong {
            what: "provided buffer group",
            len: usize::MAX,
            max: isize::MAX as usize,
        })?;
        let mut mem: Vec<u8> = Error::try_vec("provided buffer group", total)?;
        mem.resize(total, 0);
        let base = Box::leak(mem.into_boxed_slice()).as_mut_ptr();
        Ok(self.op(ProvideBuffers { group: Some(BufferGroup { base, len, nbufs, bgid, bid }) }))
    }

    /// Removes up to `nbufs` buffers from group `bgid`
    /// (`IORING_OP_REMOVE_BUFFERS`, 5.7). The memory stays leaked; see
    /// [`BufferGroup`].
    pub fn remove_buffers(&self, nbufs: u32, bgid: u16) -> Op<RemoveBuffers, K> {
        self.op(RemoveBuffers { nbufs, bgid })
    }
}
