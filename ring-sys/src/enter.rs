//! `io_uring_enter(2)`: the `IORING_ENTER_*` flags and the two extended
//! argument layouts (`io_uring_getevents_arg`, `io_uring_reg_wait`).

use crate::types::{__kernel_timespec, impl_zeroed};

/// `io_uring_enter(2)` flag: wait until `min_complete` completions are
/// available; Linux 5.1.
pub const IORING_ENTER_GETEVENTS: u32 = 1 << 0;
/// `io_uring_enter(2)` flag: wake the sleeping SQ poll thread; Linux 5.1.
pub const IORING_ENTER_SQ_WAKEUP: u32 = 1 << 1;
/// `io_uring_enter(2)` flag: wait until the SQ ring has free entries (with
/// `IORING_SETUP_SQPOLL`); Linux 5.10.
pub const IORING_ENTER_SQ_WAIT: u32 = 1 << 2;
/// `io_uring_enter(2)` flag: the last two arguments are an
/// [`io_uring_getevents_arg`] and its size rather than a signal mask;
/// Linux 5.11.
pub const IORING_ENTER_EXT_ARG: u32 = 1 << 3;
/// `io_uring_enter(2)` flag: `fd` is an index into the registered ring
/// descriptors (`IORING_REGISTER_RING_FDS`); Linux 5.18.
pub const IORING_ENTER_REGISTERED_RING: u32 = 1 << 4;
/// `io_uring_enter(2)` flag: the wait timeout is an absolute time on the
/// ring's clock (`IORING_REGISTER_CLOCK`) rather than a relative one;
/// Linux 6.12.
pub const IORING_ENTER_ABS_TIMER: u32 = 1 << 5;
/// `io_uring_enter(2)` flag: the argument is the byte offset of an
/// [`io_uring_reg_wait`] in the registered wait region
/// (`IORING_MEM_REGION_REG_WAIT_ARG`) and the size that of one entry;
/// Linux 6.13.
pub const IORING_ENTER_EXT_ARG_REG: u32 = 1 << 6;
/// `io_uring_enter(2)` flag: do not account the wait as I/O wait time;
/// Linux 6.15.
pub const IORING_ENTER_NO_IOWAIT: u32 = 1 << 7;

/// The extended argument of `io_uring_enter(2)` with
/// `IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG`. Linux 5.11;
/// `min_wait_usec` from 6.12 (previously `pad`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_getevents_arg {
    /// The user address of the signal mask to wait with, or 0.
    pub sigmask: u64,
    /// The size of the signal mask in bytes.
    pub sigmask_sz: u32,
    /// How long to wait, in microseconds, before returning with fewer than
    /// `min_complete` completions once at least one arrived; 0 for no
    /// minimum. Linux 6.12.
    pub min_wait_usec: u32,
    /// The user address of a [`__kernel_timespec`] timeout, or 0 for none.
    pub ts: u64,
}

/// `io_uring_reg_wait.flags`: `ts` holds a timeout; Linux 6.13.
pub const IORING_REG_WAIT_TS: u32 = 1 << 0;

/// One wait descriptor in the registered wait region, which
/// `io_uring_enter(2)` with `IORING_ENTER_EXT_ARG_REG` names by offset.
/// Linux 6.13.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_reg_wait {
    /// The timeout, if `flags` has `IORING_REG_WAIT_TS`.
    pub ts: __kernel_timespec,
    /// As [`io_uring_getevents_arg::min_wait_usec`].
    pub min_wait_usec: u32,
    /// `IORING_REG_WAIT_*` flags.
    pub flags: u32,
    /// The user address of the signal mask to wait with, or 0.
    pub sigmask: u64,
    /// The size of the signal mask in bytes.
    pub sigmask_sz: u32,
    /// Reserved, must be zero.
    pub pad: [u32; 3],
    /// Reserved, must be zero.
    pub pad2: [u64; 2],
}

impl_zeroed!(
    io_uring_getevents_arg => "5.11",
    io_uring_reg_wait => "6.13",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::size_of;

    const _: () = assert!(size_of::<io_uring_getevents_arg>() == 24);
    const _: () = assert!(size_of::<io_uring_reg_wait>() == 64);
}
