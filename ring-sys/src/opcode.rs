//! The request opcodes, `IORING_OP_*` (C `enum io_uring_op`), the values of
//! `io_uring_sqe.opcode`. Each opcode says which Linux version added it;
//! `IORING_REGISTER_PROBE` reports which ones the running kernel supports.

/// Opcode 0 does nothing and completes with 0; with `nop_flags` it can inject a result or exercise file, buffer and task-work paths. Linux 5.1.
pub const IORING_OP_NOP: u8 = 0;
/// Opcode 1 reads into an iovec array, like `preadv2(2)`. Linux 5.1.
pub const IORING_OP_READV: u8 = 1;
/// Opcode 2 writes from an iovec array, like `pwritev2(2)`. Linux 5.1.
pub const IORING_OP_WRITEV: u8 = 2;
/// Opcode 3 flushes a file to storage, like `fsync(2)` or, with `IORING_FSYNC_DATASYNC`, `fdatasync(2)`. Linux 5.1.
pub const IORING_OP_FSYNC: u8 = 3;
/// Opcode 4 reads into a registered buffer. Linux 5.1.
pub const IORING_OP_READ_FIXED: u8 = 4;
/// Opcode 5 writes from a registered buffer. Linux 5.1.
pub const IORING_OP_WRITE_FIXED: u8 = 5;
/// Opcode 6 waits for poll events on a file descriptor, once or (with `IORING_POLL_ADD_MULTI`) repeatedly. Linux 5.1.
pub const IORING_OP_POLL_ADD: u8 = 6;
/// Opcode 7 cancels or updates a pending `IORING_OP_POLL_ADD`. Linux 5.1.
pub const IORING_OP_POLL_REMOVE: u8 = 7;
/// Opcode 8 flushes a range of a file, like `sync_file_range(2)`. Linux 5.2.
pub const IORING_OP_SYNC_FILE_RANGE: u8 = 8;
/// Opcode 9 sends a message, like `sendmsg(2)`. Linux 5.3.
pub const IORING_OP_SENDMSG: u8 = 9;
/// Opcode 10 receives a message, like `recvmsg(2)`. Linux 5.3.
pub const IORING_OP_RECVMSG: u8 = 10;
/// Opcode 11 completes after a time or after a number of other completions. Linux 5.4.
pub const IORING_OP_TIMEOUT: u8 = 11;
/// Opcode 12 cancels or updates a pending `IORING_OP_TIMEOUT`. Linux 5.5.
pub const IORING_OP_TIMEOUT_REMOVE: u8 = 12;
/// Opcode 13 accepts a connection, like `accept4(2)`. Linux 5.5.
pub const IORING_OP_ACCEPT: u8 = 13;
/// Opcode 14 cancels other in-flight requests. Linux 5.5.
pub const IORING_OP_ASYNC_CANCEL: u8 = 14;
/// Opcode 15 bounds the time of the request it is linked behind. Linux 5.5.
pub const IORING_OP_LINK_TIMEOUT: u8 = 15;
/// Opcode 16 connects a socket, like `connect(2)`. Linux 5.5.
pub const IORING_OP_CONNECT: u8 = 16;
/// Opcode 17 allocates or deallocates file space, like `fallocate(2)`. Linux 5.6.
pub const IORING_OP_FALLOCATE: u8 = 17;
/// Opcode 18 opens a file, like `openat(2)`. Linux 5.6.
pub const IORING_OP_OPENAT: u8 = 18;
/// Opcode 19 closes a file descriptor or a direct descriptor slot. Linux 5.6.
pub const IORING_OP_CLOSE: u8 = 19;
/// Opcode 20 updates the registered file table from within the ring. Linux 5.6.
pub const IORING_OP_FILES_UPDATE: u8 = 20;
/// Opcode 21 queries file status, like `statx(2)`. Linux 5.6.
pub const IORING_OP_STATX: u8 = 21;
/// Opcode 22 reads into one buffer, like `pread(2)`. Linux 5.6.
pub const IORING_OP_READ: u8 = 22;
/// Opcode 23 writes from one buffer, like `pwrite(2)`. Linux 5.6.
pub const IORING_OP_WRITE: u8 = 23;
/// Opcode 24 declares a file access pattern, like `posix_fadvise(2)`. Linux 5.6.
pub const IORING_OP_FADVISE: u8 = 24;
/// Opcode 25 declares a memory access pattern, like `madvise(2)`. Linux 5.6.
pub const IORING_OP_MADVISE: u8 = 25;
/// Opcode 26 sends from one buffer, like `send(2)`. Linux 5.6.
pub const IORING_OP_SEND: u8 = 26;
/// Opcode 27 receives into one buffer, like `recv(2)`. Linux 5.6.
pub const IORING_OP_RECV: u8 = 27;
/// Opcode 28 opens a file with an `open_how`, like `openat2(2)`. Linux 5.6.
pub const IORING_OP_OPENAT2: u8 = 28;
/// Opcode 29 changes an epoll interest list, like `epoll_ctl(2)`. Linux 5.6.
pub const IORING_OP_EPOLL_CTL: u8 = 29;
/// Opcode 30 moves data between a pipe and a file, like `splice(2)`. Linux 5.7.
pub const IORING_OP_SPLICE: u8 = 30;
/// Opcode 31 adds buffers to a classic provided-buffer group. Linux 5.7.
pub const IORING_OP_PROVIDE_BUFFERS: u8 = 31;
/// Opcode 32 removes buffers from a classic provided-buffer group. Linux 5.7.
pub const IORING_OP_REMOVE_BUFFERS: u8 = 32;
/// Opcode 33 duplicates data between two pipes, like `tee(2)`. Linux 5.8.
pub const IORING_OP_TEE: u8 = 33;
/// Opcode 34 shuts down part of a connection, like `shutdown(2)`. Linux 5.11.
pub const IORING_OP_SHUTDOWN: u8 = 34;
/// Opcode 35 renames a file, like `renameat2(2)`. Linux 5.11.
pub const IORING_OP_RENAMEAT: u8 = 35;
/// Opcode 36 removes a file or directory, like `unlinkat(2)`. Linux 5.11.
pub const IORING_OP_UNLINKAT: u8 = 36;
/// Opcode 37 creates a directory, like `mkdirat(2)`. Linux 5.15.
pub const IORING_OP_MKDIRAT: u8 = 37;
/// Opcode 38 creates a symbolic link, like `symlinkat(2)`. Linux 5.15.
pub const IORING_OP_SYMLINKAT: u8 = 38;
/// Opcode 39 creates a hard link, like `linkat(2)`. Linux 5.15.
pub const IORING_OP_LINKAT: u8 = 39;
/// Opcode 40 posts a completion to, or passes a direct descriptor to, another ring. Linux 5.18.
pub const IORING_OP_MSG_RING: u8 = 40;
/// Opcode 41 sets an extended attribute of an open file, like `fsetxattr(2)`. Linux 5.19.
pub const IORING_OP_FSETXATTR: u8 = 41;
/// Opcode 42 sets an extended attribute by path, like `setxattr(2)`. Linux 5.19.
pub const IORING_OP_SETXATTR: u8 = 42;
/// Opcode 43 reads an extended attribute of an open file, like `fgetxattr(2)`. Linux 5.19.
pub const IORING_OP_FGETXATTR: u8 = 43;
/// Opcode 44 reads an extended attribute by path, like `getxattr(2)`. Linux 5.19.
pub const IORING_OP_GETXATTR: u8 = 44;
/// Opcode 45 creates a socket, like `socket(2)`, optionally as a direct descriptor. Linux 5.19.
pub const IORING_OP_SOCKET: u8 = 45;
/// Opcode 46 passes a driver- or socket-specific command (`cmd_op` plus the command area) to a file. Linux 5.19.
pub const IORING_OP_URING_CMD: u8 = 46;
/// Opcode 47 sends from one buffer without copying, posting a separate notification when the buffer is free. Linux 6.0.
pub const IORING_OP_SEND_ZC: u8 = 47;
/// Opcode 48 sends a message without copying, posting a separate notification when the buffers are free. Linux 6.1.
pub const IORING_OP_SENDMSG_ZC: u8 = 48;
/// Opcode 49 reads repeatedly from a pollable file into provided buffers. Linux 6.7.
pub const IORING_OP_READ_MULTISHOT: u8 = 49;
/// Opcode 50 waits for a child process state change, like `waitid(2)`. Linux 6.7.
pub const IORING_OP_WAITID: u8 = 50;
/// Opcode 51 waits on a futex, like `futex_wait(2)`. Linux 6.7.
pub const IORING_OP_FUTEX_WAIT: u8 = 51;
/// Opcode 52 wakes waiters of a futex, like `futex_wake(2)`. Linux 6.7.
pub const IORING_OP_FUTEX_WAKE: u8 = 52;
/// Opcode 53 waits on several futexes at once, like `futex_waitv(2)`. Linux 6.7.
pub const IORING_OP_FUTEX_WAITV: u8 = 53;
/// Opcode 54 installs a direct descriptor as a normal file descriptor. Linux 6.8.
pub const IORING_OP_FIXED_FD_INSTALL: u8 = 54;
/// Opcode 55 truncates a file, like `ftruncate(2)`. Linux 6.9.
pub const IORING_OP_FTRUNCATE: u8 = 55;
/// Opcode 56 binds a socket to an address, like `bind(2)`. Linux 6.11.
pub const IORING_OP_BIND: u8 = 56;
/// Opcode 57 marks a socket as listening, like `listen(2)`. Linux 6.11.
pub const IORING_OP_LISTEN: u8 = 57;
/// Opcode 58 receives into a zero-copy receive (zcrx) area. Linux 6.15.
pub const IORING_OP_RECV_ZC: u8 = 58;
/// Opcode 59 waits for epoll events, like `epoll_wait(2)`. Linux 6.15.
pub const IORING_OP_EPOLL_WAIT: u8 = 59;
/// Opcode 60 reads into an iovec array that lies within a registered buffer. Linux 6.15.
pub const IORING_OP_READV_FIXED: u8 = 60;
/// Opcode 61 writes from an iovec array that lies within a registered buffer. Linux 6.15.
pub const IORING_OP_WRITEV_FIXED: u8 = 61;
/// Opcode 62 creates a pipe, like `pipe2(2)`, optionally as direct descriptors. Linux 6.16.
pub const IORING_OP_PIPE: u8 = 62;
/// Opcode 63 does nothing, like `IORING_OP_NOP`, but occupies a 128-byte entry of a ring set up with `IORING_SETUP_SQE_MIXED`. Linux 6.19.
pub const IORING_OP_NOP128: u8 = 63;
/// Opcode 64 passes a command, like `IORING_OP_URING_CMD`, with an 80-byte command area in a 128-byte entry of a ring set up with `IORING_SETUP_SQE_MIXED`. Linux 6.19.
pub const IORING_OP_URING_CMD128: u8 = 64;
/// The number of opcodes this header knows, one past the highest (65). It is
/// not an operation, and the kernel's value grows with every new opcode.
/// Linux 5.5.
pub const IORING_OP_LAST: u8 = 65;

#[cfg(test)]
mod tests {
    use super::*;

    const _: () = assert!(IORING_OP_URING_CMD128 + 1 == IORING_OP_LAST);
    const _: () = assert!(IORING_OP_READ == 22);
}
