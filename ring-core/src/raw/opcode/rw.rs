//! Reading, writing and moving file data: plain, vectored, registered
//! buffer and multishot reads and writes, syncs, allocation, advice,
//! truncation, splice and tee.

use super::{ptr, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;

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
    /// Flushes a file to storage, like `fsync(2)`, or with
    /// `IORING_FSYNC_DATASYNC` like `fdatasync(2)`: `io_uring_prep_fsync(3)`.
    /// Linux 5.1.
    ///
    /// Required: the file. Points at no memory. The kernel flushes the
    /// range `offset .. offset + len`, where `len == 0` means "to the end";
    /// the defaults flush the whole file.
    pub struct Fsync {
        fd: Target [impl Into<Target>],
        ;;
        /// `IORING_FSYNC_*` flags; default 0 (a full `fsync`).
        flags: u32 = 0,
        /// Start of the range to flush; default 0.
        offset: u64 = 0,
        /// Length of the range to flush, 0 for "to the end"; default 0.
        len: u32 = 0,
    }

    pub const CODE = IORING_OP_FSYNC;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fsync { fd, flags, offset, len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_fsync_flags(flags);
        sqe.set_off(offset);
        sqe.len = len;
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
    /// Flushes part of a file, like `sync_file_range(2)`:
    /// `io_uring_prep_sync_file_range(3)`. Linux 5.2.
    ///
    /// Required: the file and the length of the range (0: to the end).
    /// Points at no memory.
    pub struct SyncFileRange {
        fd: Target [impl Into<Target>],
        len: u32,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
        /// `SYNC_FILE_RANGE_*` flags; default 0, which (as for the system
        /// call) starts and waits for nothing: pass
        /// `SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
        /// SYNC_FILE_RANGE_WAIT_AFTER` to write the range out.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_SYNC_FILE_RANGE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SyncFileRange { fd, len, offset, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.len = len;
        sqe.set_off(offset);
        sqe.set_sync_range_flags(flags);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Allocates or deallocates file space, like `fallocate(2)`:
    /// `io_uring_prep_fallocate(3)`. Linux 5.6.
    ///
    /// Required: the file and the length of the range. Points at no memory.
    pub struct Fallocate {
        fd: Target [impl Into<Target>],
        len: u64,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
        /// `FALLOC_FL_*` mode; default 0 (allocate and extend the size).
        mode: i32 = 0,
    }

    pub const CODE = IORING_OP_FALLOCATE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fallocate { fd, len, offset, mode } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        // The 64-bit length travels in `addr`, the mode in `len`.
        sqe.set_addr(len);
        sqe.len = mode as u32;
        sqe.set_off(offset);
        Entry::from_sqe(sqe)
    }
}

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
    /// Declares a file access pattern, like `posix_fadvise(2)`:
    /// `io_uring_prep_fadvise(3)` / `io_uring_prep_fadvise64(3)`. Linux 5.6.
    ///
    /// Required: the file, the length of the range (0: to the end) and the
    /// `POSIX_FADV_*` advice. Points at no memory. Advice is only a hint:
    /// success says the kernel accepted it, not that anything changed.
    ///
    /// A length that fits in 32 bits goes in `sqe.len`, which every kernel
    /// reads; a longer one goes in `sqe.addr`, which only Linux 6.8 and
    /// later read (older kernels fail it with `EINVAL`).
    pub struct Fadvise {
        fd: Target [impl Into<Target>],
        len: u64,
        advice: i32,
        ;;
        /// Start of the range; default 0.
        offset: u64 = 0,
    }

    pub const CODE = IORING_OP_FADVISE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Fadvise { fd, len, advice, offset } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        match u32::try_from(len) {
            Ok(l) => sqe.len = l,
            Err(_) => sqe.set_addr(len),
        }
        sqe.set_fadvise_advice(advice as u32);
        sqe.set_off(offset);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Moves data between two files, one of which must be a pipe, like
    /// `splice(2)`: `io_uring_prep_splice(3)`. Linux 5.7.
    ///
    /// Required: input file and offset, output file and offset, and the
    /// byte count. An offset of -1 means "the file position" (and must be
    /// -1 for a pipe). Points at no memory.
    ///
    /// A registered input file is marked with `SPLICE_F_FD_IN_FIXED` in the
    /// splice flags, a registered output file with `IOSQE_FIXED_FILE`; the
    /// builder does both.
    pub struct Splice {
        fd_in: Target [impl Into<Target>],
        off_in: i64,
        fd_out: Target [impl Into<Target>],
        off_out: i64,
        len: u32,
        ;;
        /// `SPLICE_F_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_SPLICE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Splice { fd_in, off_in, fd_out, off_out, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd_out);
        sqe.set_off(off_out as u64);
        sqe.set_splice_off_in(off_in as u64);
        sqe.set_splice_fd_in(fd_in.raw());
        sqe.len = len;
        let fixed_in = if fd_in.is_fixed() { SPLICE_F_FD_IN_FIXED } else { 0 };
        sqe.set_splice_flags(flags | fixed_in);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Duplicates pipe data without consuming it, like `tee(2)`:
    /// `io_uring_prep_tee(3)`. Linux 5.8.
    ///
    /// Required: the input pipe, the output pipe and the byte count.
    /// Registered files are marked as for [`Splice`]. Points at no memory.
    pub struct Tee {
        fd_in: Target [impl Into<Target>],
        fd_out: Target [impl Into<Target>],
        len: u32,
        ;;
        /// `SPLICE_F_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_TEE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Tee { fd_in, fd_out, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd_out);
        sqe.set_splice_fd_in(fd_in.raw());
        sqe.len = len;
        let fixed_in = if fd_in.is_fixed() { SPLICE_F_FD_IN_FIXED } else { 0 };
        sqe.set_splice_flags(flags | fixed_in);
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

opcode! {
    /// Truncates (or extends) a file to `len` bytes, like `ftruncate(2)`:
    /// `io_uring_prep_ftruncate(3)`. Linux 6.9.
    ///
    /// Required: the file and the new length. Points at no memory.
    pub struct Ftruncate {
        fd: Target [impl Into<Target>],
        len: u64,
        ;;
    }

    pub const CODE = IORING_OP_FTRUNCATE;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Ftruncate { fd, len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_off(len);
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
