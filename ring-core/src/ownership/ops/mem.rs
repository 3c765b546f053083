//! Vectored reads and writes over regions of caller-owned memory (a
//! [`BackingMemory`](crate::ownership::buf::BackingMemory)): crosvm's
//! `read_to_mem`/`write_from_mem`. Each operation holds the memory's `Arc`
//! and the descriptor's [`SharedFd`] in its value, so both outlive the
//! request however its future ends.

use super::{res, IOV_MAX};
use crate::kernel::Kernel;
use crate::ownership::buf::MemRegions;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use ring_sys::*;
use std::io;

/// A scatter read from a file into regions of one memory; see
/// [`Driver::read_mem_at`].
///
/// ```
/// use ring_core::buf::{MemRegion, MemRegions, MmapMemory};
/// use ring_core::ops::{ReadMem, WriteMem};
/// use std::sync::Arc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let mem = Arc::new(MmapMemory::anonymous(4096)?);
/// mem.write_at(0, b"hello world")?;
/// let path = std::env::temp_dir().join(format!("ring-core-doc-mem-{}", std::process::id()));
/// let file = std::rc::Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?);
/// // "world" then "hello" in one vectored write, read back into one region.
/// let out = MemRegions::new(mem.clone(), vec![MemRegion { offset: 6, len: 5 }, MemRegion { offset: 0, len: 5 }])?;
/// let (n, _) = rt.block_on(d.op(WriteMem::new(&file, out, 0)))?;
/// assert_eq!(n?, 10);
/// let back = MemRegions::new(mem.clone(), vec![MemRegion { offset: 100, len: 10 }])?;
/// let (n, _) = rt.block_on(d.op(ReadMem::new(&file, back, 0)))?;
/// assert_eq!(n?, 10);
/// let mut got = [0u8; 10];
/// mem.read_at(100, &mut got)?;
/// assert_eq!(&got, b"worldhello");
/// std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ReadMem {
    fd: SharedFd,
    mem: MemRegions,
    iovecs: Vec<libc::iovec>,
    offset: u64,
}

impl ReadMem {
    /// A read from `fd` at `offset` filling the regions of `mem` in order.
    pub fn new(fd: &impl AsSharedFd, mem: MemRegions, offset: u64) -> Self {
        ReadMem { fd: fd.shared_fd(), mem, iovecs: Vec::new(), offset }
    }
}

// SAFETY: each iovec points inside the memory (`MemRegions::new` checked
// every region against its size), which the `Arc` inside `self.mem` keeps
// mapped and unmoved until this value is dropped, after the terminal
// completion; the memory is writable and no Rust reference to it exists
// (the `BackingMemory` contract). The iovec array is owned by `self` and
// not touched again until the completion.
unsafe impl Operation for ReadMem {
    type Output = (io::Result<usize>, MemRegions);

    fn prepare(&mut self) -> io_uring_sqe {
        self.mem.iovecs(&mut self.iovecs);
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_READV;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.iovecs.as_ptr() as u64);
        // `MemRegions::new` refused more than `IOV_MAX` regions.
        sqe.len = self.iovecs.len().min(IOV_MAX) as u32;
        sqe.set_off(self.offset);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.mem)
    }
}

/// A gather write to a file from regions of one memory; see
/// [`Driver::write_mem_at`].
#[derive(Debug)]
pub struct WriteMem {
    fd: SharedFd,
    mem: MemRegions,
    iovecs: Vec<libc::iovec>,
    offset: u64,
}

impl WriteMem {
    /// A write to `fd` at `offset` of the regions of `mem`, in order.
    pub fn new(fd: &impl AsSharedFd, mem: MemRegions, offset: u64) -> Self {
        WriteMem { fd: fd.shared_fd(), mem, iovecs: Vec::new(), offset }
    }
}

// SAFETY: as for `ReadMem`; the kernel only reads the regions.
unsafe impl Operation for WriteMem {
    type Output = (io::Result<usize>, MemRegions);

    fn prepare(&mut self) -> io_uring_sqe {
        self.mem.iovecs(&mut self.iovecs);
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = IORING_OP_WRITEV;
        sqe.fd = self.fd.raw();
        sqe.set_addr(self.iovecs.as_ptr() as u64);
        sqe.len = self.iovecs.len().min(IOV_MAX) as u32;
        sqe.set_off(self.offset);
        sqe
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.mem)
    }
}

/// # Reading and writing memory the caller owns
///
/// Vectored reads and writes over regions of memory the caller maps and
/// shares ([`MemRegions`]), kept alive by the operation.
impl<K: Kernel> Driver<K> {
    /// Reads from `fd` at `offset` into the regions of a caller's memory,
    /// in order (`IORING_OP_READV`, 5.1); resolves to the count and the
    /// regions. The memory's `Arc` stays in the operation until its
    /// terminal completion, so the memory outlives the request even if
    /// the future is dropped or forgotten.
    ///
    /// ```
    /// use ring_core::buf::{MemRegion, MemRegions, MmapMemory};
    /// use std::sync::Arc;
    /// # let rt = ring_core::Runtime::new(8)?;
    /// # let d = rt.driver().clone();
    /// let mem = Arc::new(MmapMemory::anonymous(8192)?);
    /// let regions = MemRegions::new(mem.clone(), vec![
    ///     MemRegion { offset: 4096, len: 3 },
    ///     MemRegion { offset: 0, len: 2 },
    /// ])?;
    /// let (r, w) = std::os::unix::net::UnixStream::pair()?;
    /// std::io::Write::write_all(&mut &w, b"hello")?;
    /// let r = std::rc::Rc::new(r);
    /// let (n, _regions) = rt.block_on(d.read_mem_at(&r, regions, 0))?;
    /// assert_eq!(n?, 5);
    /// let mut out = [0u8; 3];
    /// mem.read_at(4096, &mut out)?;
    /// assert_eq!(&out, b"hel");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_mem_at(&self, fd: &impl AsSharedFd, mem: MemRegions, offset: u64) -> Op<ReadMem, K> {
        self.op(ReadMem::new(fd, mem, offset))
    }

    /// Writes the regions of a caller's memory, in order, to `fd` at
    /// `offset` (`IORING_OP_WRITEV`, 5.1); resolves to the count and the
    /// regions. The memory is kept as for [`read_mem_at`](Self::read_mem_at).
    ///
    /// ```
    /// use ring_core::buf::{MemRegion, MemRegions, MmapMemory};
    /// use std::sync::Arc;
    /// # let rt = ring_core::Runtime::new(8)?;
    /// # let d = rt.driver().clone();
    /// let mem = Arc::new(MmapMemory::anonymous(4096)?);
    /// mem.write_at(10, b"abc")?;
    /// let regions = MemRegions::new(mem, vec![MemRegion { offset: 10, len: 3 }])?;
    /// let (r, w) = std::os::unix::net::UnixStream::pair()?;
    /// let w = std::rc::Rc::new(w);
    /// let (n, _regions) = rt.block_on(d.write_mem_at(&w, regions, 0))?;
    /// assert_eq!(n?, 3);
    /// let mut got = [0u8; 3];
    /// std::io::Read::read_exact(&mut &r, &mut got)?;
    /// assert_eq!(&got, b"abc");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_mem_at(&self, fd: &impl AsSharedFd, mem: MemRegions, offset: u64) -> Op<WriteMem, K> {
        self.op(WriteMem::new(fd, mem, offset))
    }
}
