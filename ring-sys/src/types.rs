//! Types from other uapi headers that io_uring requests carry: the kernel
//! timespec, `open_how` (openat2), `futex_waitv` (futex_waitv), the
//! `__kernel_rwf_t` flag word, and the two result layouts io_uring defines
//! for specific operations (`io_uring_recvmsg_out`, `io_timespec`).

/// Generates `pub const fn zeroed() -> Self` for plain-integer `repr(C)`
/// types, each given with the Linux version that added it.
///
/// Every type passed here must consist only of integers, arrays of integers,
/// and other types this macro accepts, so that the all-zero bit pattern is
/// a valid value and no byte is left uninitialised.
macro_rules! impl_zeroed {
    ($($ty:ident => $ver:literal),* $(,)?) => {$(
        impl $ty {
            #[doc = concat!("Returns an all-zero `", stringify!($ty), "`, the state the kernel expects for every field the caller does not set. Linux ", $ver, ".")]
            #[inline]
            #[must_use]
            pub const fn zeroed() -> Self {
                // SAFETY: the type is `repr(C)` and made only of integers (and arrays or unions of integers), for which
                // the all-zero bit pattern is a valid value; `mem::zeroed` also zeroes any padding, so no byte is left
                // uninitialised.
                unsafe { core::mem::zeroed() }
            }
        }
    )*};
}
pub(crate) use impl_zeroed;

/// The type of `io_uring_sqe.rw_flags`: a C `int` holding `RWF_*` flags, as
/// `preadv2(2)` takes them; from `linux/fs.h`, used by io_uring since
/// Linux 5.1.
pub type __kernel_rwf_t = i32;

/// A 64-bit timespec, the time layout every io_uring timeout uses
/// (`IORING_OP_TIMEOUT`, `IORING_OP_LINK_TIMEOUT`, `io_uring_getevents_arg.ts`,
/// `io_uring_reg_wait.ts`); from `linux/time_types.h`, Linux 5.1.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct __kernel_timespec {
    /// Whole seconds.
    pub tv_sec: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub tv_nsec: i64,
}

/// The extended open arguments of `openat2(2)`, pointed to by `addr2` of an
/// `IORING_OP_OPENAT2` SQE (with `len` holding its size); from
/// `linux/openat2.h`, Linux 5.6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct open_how {
    /// The `O_*` open flags.
    pub flags: u64,
    /// The file mode used when a file is created.
    pub mode: u64,
    /// `RESOLVE_*` flags restricting how the path is resolved.
    pub resolve: u64,
}

/// `open_how.resolve`: fail rather than cross a mount point; Linux 5.6.
pub const RESOLVE_NO_XDEV: u64 = 0x01;
/// `open_how.resolve`: refuse to follow magic links such as `/proc/self/fd/N`; Linux 5.6.
pub const RESOLVE_NO_MAGICLINKS: u64 = 0x02;
/// `open_how.resolve`: refuse to follow any symbolic link; Linux 5.6.
pub const RESOLVE_NO_SYMLINKS: u64 = 0x04;
/// `open_how.resolve`: fail if resolution would leave the starting directory; Linux 5.6.
pub const RESOLVE_BENEATH: u64 = 0x08;
/// `open_how.resolve`: treat the starting directory as the root for the lookup; Linux 5.6.
pub const RESOLVE_IN_ROOT: u64 = 0x10;
/// `open_how.resolve`: only succeed if the lookup can be served from the dentry cache
/// (and fail with `EAGAIN` otherwise); Linux 5.12.
pub const RESOLVE_CACHED: u64 = 0x20;

/// One futex of a vectored wait, an array of which `addr` of an
/// `IORING_OP_FUTEX_WAITV` SQE points to; from `linux/futex.h`, Linux 5.16
/// (usable with io_uring since Linux 6.7).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct futex_waitv {
    /// The value the futex word is expected to hold.
    pub val: u64,
    /// The user address of the futex word.
    pub uaddr: u64,
    /// `FUTEX2_*` flags: the size of the futex word and whether it is private.
    pub flags: u32,
    /// Reserved, must be zero.
    pub __reserved: u32,
}

/// `futex_waitv.flags` / `futex_flags`: the futex word is 8 bits wide; Linux 6.7.
pub const FUTEX2_SIZE_U8: u32 = 0x00;
/// `futex_waitv.flags` / `futex_flags`: the futex word is 16 bits wide; Linux 6.7.
pub const FUTEX2_SIZE_U16: u32 = 0x01;
/// `futex_waitv.flags` / `futex_flags`: the futex word is 32 bits wide, the only size
/// the kernel implements so far; Linux 6.7.
pub const FUTEX2_SIZE_U32: u32 = 0x02;
/// `futex_waitv.flags` / `futex_flags`: the futex word is 64 bits wide; Linux 6.7.
pub const FUTEX2_SIZE_U64: u32 = 0x03;
/// The bits of the futex2 flags that hold the `FUTEX2_SIZE_*` value; Linux 6.7.
pub const FUTEX2_SIZE_MASK: u32 = 0x03;
/// futex2 flag: the futex word is followed by a NUMA node id; defined in
/// Linux 6.7 and implemented in Linux 6.16.
pub const FUTEX2_NUMA: u32 = 0x04;
/// futex2 flag: place the futex by the memory policy of its address; Linux 6.16.
pub const FUTEX2_MPOL: u32 = 0x08;
/// futex2 flag: the futex is private to the process (`FUTEX_PRIVATE_FLAG`); Linux 6.7.
pub const FUTEX2_PRIVATE: u32 = 128;
/// The largest number of futexes one vectored wait accepts; Linux 5.16.
pub const FUTEX_WAITV_MAX: u32 = 128;

/// The header the kernel writes at the start of each buffer a multishot
/// `IORING_OP_RECVMSG` fills; the name, the control data and the payload
/// follow it. Linux 6.0.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_uring_recvmsg_out {
    /// Length of the source address the kernel had, which may exceed what was copied.
    pub namelen: u32,
    /// Length of the control data the kernel had, which may exceed what was copied.
    pub controllen: u32,
    /// Length of the payload the kernel had, which may exceed what was copied.
    pub payloadlen: u32,
    /// The `msg_flags` of the received message (`MSG_TRUNC`, `MSG_CTRUNC`, ...).
    pub flags: u32,
}

/// A timestamp as two unsigned 64-bit words, which a
/// `SOCKET_URING_OP_TX_TIMESTAMP` completion carries in the second half of
/// its 32-byte CQE. Linux 6.17.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct io_timespec {
    /// Whole seconds.
    pub tv_sec: u64,
    /// Nanoseconds.
    pub tv_nsec: u64,
}

impl_zeroed!(
    __kernel_timespec => "5.1",
    open_how => "5.6",
    futex_waitv => "5.16",
    io_uring_recvmsg_out => "6.0",
    io_timespec => "6.17",
);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, size_of};

    const _: () = assert!(size_of::<__kernel_timespec>() == 16);
    const _: () = assert!(size_of::<open_how>() == 24);
    const _: () = assert!(size_of::<futex_waitv>() == 24);
    const _: () = assert!(size_of::<io_uring_recvmsg_out>() == 16);
    const _: () = assert!(size_of::<io_timespec>() == 16);
    const _: () = assert!(size_of::<__kernel_rwf_t>() == 4);
    const _: () = assert!(align_of::<open_how>() == align_of::<u64>());

    #[test]
    fn zeroed_is_default() {
        assert_eq!(__kernel_timespec::zeroed(), __kernel_timespec::default());
        assert_eq!(open_how::zeroed(), open_how::default());
        assert_eq!(futex_waitv::zeroed(), futex_waitv::default());
    }
}
