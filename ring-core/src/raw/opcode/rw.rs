//! Reads and writes: plain, vectored, into registered buffers (whole or
//! vectored inside one) and multishot.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{Read, ReadFixed, ReadMulti, Readv, ReadvFixed, Write, WriteFixed, Writev, WritevFixed};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let mut buf = [0u8; 64];
//! let iov = [libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() }];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let read = Read::new(fd, buf.as_mut_ptr(), 64)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .buf_group(0)
//!     .build();
//! assert_eq!(read.into_sqe().opcode, Read::CODE);
//! let read_fixed = ReadFixed::new(fd, buf.as_mut_ptr(), 64, 0)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(read_fixed.into_sqe().opcode, ReadFixed::CODE);
//! let read_multi = ReadMulti::new(fd, 0)
//!     .len(64)
//!     .offset(0)
//!     .build();
//! assert_eq!(read_multi.into_sqe().opcode, ReadMulti::CODE);
//! let readv = Readv::new(fd, iov.as_ptr(), 64)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .buf_group(0)
//!     .build();
//! assert_eq!(readv.into_sqe().opcode, Readv::CODE);
//! let readv_fixed = ReadvFixed::new(fd, iov.as_ptr(), 64, 0)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(readv_fixed.into_sqe().opcode, ReadvFixed::CODE);
//! let write = Write::new(fd, buf.as_ptr(), 64)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(write.into_sqe().opcode, Write::CODE);
//! let write_fixed = WriteFixed::new(fd, buf.as_ptr(), 64, 0)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(write_fixed.into_sqe().opcode, WriteFixed::CODE);
//! let writev = Writev::new(fd, iov.as_ptr(), 64)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(writev.into_sqe().opcode, Writev::CODE);
//! let writev_fixed = WritevFixed::new(fd, iov.as_ptr(), 64, 0)
//!     .offset(0)
//!     .ioprio(0)
//!     .rw_flags(0)
//!     .build();
//! assert_eq!(writev_fixed.into_sqe().opcode, WritevFixed::CODE);
//!
//! // A read pushed and run on a raw ring.
//! let stat = std::fs::File::open("/proc/self/stat")?;
//! let mut out = [0u8; 32];
//! let mut ring = ring_core::Ring::new(4)?;
//! let entry = Read::new(stat.as_raw_fd(), out.as_mut_ptr(), out.len() as u32).build().user_data(2).into_sqe();
//! // SAFETY: `out` and `stat` outlive the read, whose completion is
//! // awaited below.
//! unsafe { ring.sq().push(&entry) }.expect("the SQ has room");
//! ring.submit_and_wait(1)?;
//! let cqe = ring.cq().pop().expect("its completion");
//! assert!(cqe.user_data == 2 && cqe.res > 0);
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;

opcode! {
    /// Read into one buffer, like `pread(2)`: `io_uring_prep_read(3)`. Linux 5.6.
    ///
    /// Required: the file, the destination and its length.
    ///
    /// `buf .. buf + len` must stay valid and must not be read or written
    /// by anything else until the completion. The result is the number of
    /// bytes read: fewer than `len` at end of file, 0 past it.
    pub struct Read {
        fd: Target [impl Into<Target>],
        buf: *mut u8,
        len: u32,
        ;;
        /// The file offset; default 0. `u64::MAX` (-1) reads at and
        /// advances the file position (`IORING_FEAT_RW_CUR_POS`, 5.6),
        /// which is what pipes and sockets need.
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
        /// The provided-buffer group to read into when the entry carries
        /// `SqeFlags::BUFFER_SELECT` (then `buf` should be null and `len`
        /// the most to read); default 0.
        buf_group: u16 = 0,
    }

    pub const CODE = IORING_OP_READ;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Read { fd, buf, len, offset, ioprio, rw_flags, buf_group } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        sqe.set_buf_group(buf_group);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Write from one buffer, like `pwrite(2)`: `io_uring_prep_write(3)`. Linux 5.6.
    ///
    /// Required: the file, the source and its length. The buffer must stay
    /// valid and unmodified until the completion.
    pub struct Write {
        fd: Target [impl Into<Target>],
        buf: *const u8,
        len: u32,
        ;;
        /// The file offset; default 0 (`u64::MAX` for the file position).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_WRITE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Write { fd, buf, len, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Vectored read, like `preadv2(2)`: `io_uring_prep_readv2(3)`. Linux 5.1.
    ///
    /// Required: the file, the iovec array and its length.
    ///
    /// The iovec array and every buffer it names must stay valid and
    /// unaliased until the completion (the kernel may copy the array at
    /// submission, but the buffers are written while the read runs). The
    /// result is the number of bytes read, which may be short at end of file.
    pub struct Readv {
        fd: Target [impl Into<Target>],
        iovec: *const libc::iovec,
        len: u32,
        ;;
        /// The file offset; default 0. `u64::MAX` (-1) reads at and
        /// advances the file position (`IORING_FEAT_RW_CUR_POS`, 5.6).
        offset: u64 = 0,
        /// The I/O priority, as `ioprio_set(2)` encodes it; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags, as `preadv2(2)` takes them; default 0.
        rw_flags: i32 = 0,
        /// The provided-buffer group to read into, used when the entry
        /// carries `SqeFlags::BUFFER_SELECT` (then `iovec` holds one
        /// entry giving the length); default 0.
        buf_group: u16 = 0,
    }

    pub const CODE = IORING_OP_READV;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Readv { fd, iovec, len, offset, ioprio, rw_flags, buf_group } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(iovec));
        sqe.len = len;
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        sqe.set_buf_group(buf_group);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Vectored write, like `pwritev2(2)`: `io_uring_prep_writev2(3)`. Linux 5.1.
    ///
    /// Required: the file, the iovec array and its length.
    ///
    /// The iovec array and the buffers it names must stay valid, and the
    /// buffers unmodified, until the completion. The result is the number
    /// of bytes written.
    pub struct Writev {
        fd: Target [impl Into<Target>],
        iovec: *const libc::iovec,
        len: u32,
        ;;
        /// The file offset; default 0. `u64::MAX` (-1) writes at and
        /// advances the file position (5.6).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags, as `pwritev2(2)` takes them; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_WRITEV;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Writev { fd, iovec, len, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(iovec));
        sqe.len = len;
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Read into a registered buffer: `io_uring_prep_read_fixed(3)`. Linux 5.1.
    ///
    /// Required: the file, the destination, its length, and the index of
    /// the registered buffer (`IORING_REGISTER_BUFFERS`) that contains
    /// `buf .. buf + len`.
    ///
    /// The registered buffer must stay registered, and the range unaliased,
    /// until the completion.
    pub struct ReadFixed {
        fd: Target [impl Into<Target>],
        buf: *mut u8,
        len: u32,
        buf_index: u16,
        ;;
        /// The file offset; default 0 (`u64::MAX` for the file position).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_READ_FIXED;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let ReadFixed { fd, buf, len, buf_index, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_buf_index(buf_index);
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Write from a registered buffer: `io_uring_prep_write_fixed(3)`. Linux 5.1.
    ///
    /// Required: the file, the source, its length, and the index of the
    /// registered buffer that contains it. The buffer must stay registered
    /// and unmodified until the completion.
    pub struct WriteFixed {
        fd: Target [impl Into<Target>],
        buf: *const u8,
        len: u32,
        buf_index: u16,
        ;;
        /// The file offset; default 0 (`u64::MAX` for the file position).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_WRITE_FIXED;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let WriteFixed { fd, buf, len, buf_index, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_buf_index(buf_index);
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Vectored read into memory inside a registered buffer:
    /// `io_uring_prep_readv_fixed(3)`. Linux 6.15.
    ///
    /// Required: the file, the iovec array, its length and the registered
    /// buffer index. Every iovec must lie within that registered buffer;
    /// the array and the buffer must stay valid until the completion.
    pub struct ReadvFixed {
        fd: Target [impl Into<Target>],
        iovec: *const libc::iovec,
        len: u32,
        buf_index: u16,
        ;;
        /// The file offset; default 0 (`u64::MAX` for the file position).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_READV_FIXED;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let ReadvFixed { fd, iovec, len, buf_index, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(iovec));
        sqe.len = len;
        sqe.set_buf_index(buf_index);
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Vectored write from memory inside a registered buffer:
    /// `io_uring_prep_writev_fixed(3)`. Linux 6.15.
    ///
    /// Required: the file, the iovec array, its length and the registered
    /// buffer index. As for [`ReadvFixed`], with the data left unmodified.
    pub struct WritevFixed {
        fd: Target [impl Into<Target>],
        iovec: *const libc::iovec,
        len: u32,
        buf_index: u16,
        ;;
        /// The file offset; default 0 (`u64::MAX` for the file position).
        offset: u64 = 0,
        /// The I/O priority; default 0.
        ioprio: u16 = 0,
        /// `RWF_*` flags; default 0.
        rw_flags: i32 = 0,
    }

    pub const CODE = IORING_OP_WRITEV_FIXED;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let WritevFixed { fd, iovec, len, buf_index, offset, ioprio, rw_flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(iovec));
        sqe.len = len;
        sqe.set_buf_index(buf_index);
        sqe.set_off(offset);
        sqe.ioprio = ioprio;
        sqe.set_rw_flags(rw_flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Reads repeatedly from a pollable file (pipe, socket, eventfd, tty)
    /// into provided buffers, posting one completion per read with
    /// `IORING_CQE_F_MORE` while it stays armed:
    /// `io_uring_prep_read_multishot(3)`. Linux 6.7.
    ///
    /// Required: the file and the provided-buffer group (a buffer ring,
    /// `IORING_REGISTER_PBUF_RING`). The builder sets
    /// `IOSQE_BUFFER_SELECT`, which the opcode requires. Each completion
    /// names the buffer it filled (`cqe.flags >> IORING_CQE_BUFFER_SHIFT`);
    /// the buffers must stay valid until the request's final completion
    /// (the one without `IORING_CQE_F_MORE`).
    pub struct ReadMulti {
        fd: Target [impl Into<Target>],
        buf_group: u16,
        ;;
        /// The most to read per completion, 0 for the buffer's size; default 0.
        len: u32 = 0,
        /// The file offset; default 0 (ignored by the pipes and sockets
        /// this opcode is meant for, which have no position).
        offset: u64 = 0,
    }

    pub const CODE = IORING_OP_READ_MULTISHOT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let ReadMulti { fd, buf_group, len, offset } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.flags |= IOSQE_BUFFER_SELECT;
        sqe.set_buf_group(buf_group);
        sqe.len = len;
        sqe.set_off(offset);
        Entry::from_sqe(sqe)
    }
}
