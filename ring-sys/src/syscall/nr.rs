//! System-call numbers. io_uring came after the kernel unified syscall
//! numbering for new calls, so they are the same on every architecture
//! except alpha (which this crate does not support through inline assembly).

/// `io_uring_setup`, Linux 5.1.
pub const IO_URING_SETUP: usize = 425;
/// `io_uring_enter`, Linux 5.1.
pub const IO_URING_ENTER: usize = 426;
/// `io_uring_register`, Linux 5.1.
pub const IO_URING_REGISTER: usize = 427;
