//! Typed builders for every io_uring opcode, `IORING_OP_NOP` (0) through
//! `IORING_OP_URING_CMD128` (64).
//!
//! Each builder is a plain struct named after its opcode. `new` takes the
//! fields the operation cannot do without; chainable setters change the
//! optional ones, whose defaults each setter documents; `build` turns the
//! builder into an [`Entry`](crate::Entry) (or an [`Entry128`](crate::Entry128) for the 128-byte opcodes),
//! starting from an all-zero SQE so that every field the builder does not
//! set is zero, as the kernel requires of unused fields.
//!
//! ```no_run
//! use ring_core::{opcode, Ring, SqeFlags};
//!
//! let mut ring = Ring::new(8)?;
//! let mut buf = [0u8; 64];
//! let read = opcode::Read::new(0, buf.as_mut_ptr(), buf.len() as u32)
//!     .offset(0)
//!     .build()
//!     .user_data(1)
//!     .flags(SqeFlags::ASYNC);
//! // SAFETY: `buf` outlives the operation: we wait for its completion
//! // below before `buf` goes out of scope.
//! unsafe { ring.sq().push(&read) }.expect("the SQ has room");
//! ring.submit_and_wait(1)?;
//! let cqe = ring.cq().pop().expect("one completion");
//! # Ok::<(), ring_core::Error>(())
//! ```
//!
//! # What the builders do not check
//!
//! Building is safe: an entry is only bytes. Pushing it is `unsafe`
//! ([`SubmissionQueue::push`](crate::SubmissionQueue::push)), and every
//! builder documents what its pointers must point to and for how long. Two
//! lifetimes recur:
//!
//! - **Until the completion**: data buffers, iovec arrays, `msghdr`s,
//!   socket addresses the kernel writes, result structures (`statx`,
//!   `siginfo_t`, the `int[2]` of a pipe). The kernel reads or writes them
//!   while the operation runs, which can be long after submission.
//! - **Until submission**: arguments the kernel copies when it consumes
//!   the SQE. With `IORING_FEAT_SUBMIT_STABLE` (5.5) that holds for paths,
//!   `open_how`, timespecs of timeouts, epoll events of `EPOLL_CTL`,
//!   socket addresses of `CONNECT`/`BIND`, and so on; if the request is
//!   queued to an io-wq worker for other reasons the kernel has already
//!   copied them. Keeping them alive until the completion is always
//!   correct and is what the ownership layer does.
//!
//! # Families
//!
//! The builders are filed by family, under the same file names as the safe
//! operations of [`crate::ownership::ops`], and every opcode has the same
//! type name in both: `rw` (reads and writes), `file` (sync, allocate,
//! advise, truncate, splice, tee), `fs` (open, close, statx, names,
//! pipes, the file table), `xattr` (extended attributes), `net`
//! (sockets), `msg` (`sendmsg` and `recvmsg`), `poll`
//! (poll and epoll), `time` (timeouts and cancellation), `process`
//! (waitid, futexes, madvise), `msg_ring`, `cmd` (`uring_cmd`),
//! `provide_buffers` and `nop`. All are re-exported here.
//!
//! Each builder's documentation names the liburing function and man page
//! it corresponds to, so the kernel's own documentation can be looked up.
//! Field placements were cross-checked against liburing's `io_uring_prep_*`
//! functions and the Linux 7.0 uapi header.

use crate::raw::types::Target;
use ring_sys::io_uring_sqe;

/// The parameter type of a builder field: the declared type, or the
/// conversion type given in brackets after it.
macro_rules! param_ty {
    ($ty:ty) => {
        $ty
    };
    ($ty:ty, $arg:ty) => {
        $arg
    };
}

/// The stored value of a builder field: the argument itself, or its
/// [`IntoField`] conversion when the field declared a conversion type.
macro_rules! conv {
    ($v:ident) => {
        $v
    };
    ($v:ident, $arg:ty) => {
        $crate::raw::opcode::IntoField::into_field($v)
    };
}

/// How a builder argument becomes the field it sets: a file becomes a
/// [`Target`], and a value given to the setter of an optional field
/// (`Option<T>`) becomes `Some`.
pub(crate) trait IntoField<F> {
    /// Converts the argument.
    fn into_field(self) -> F;
}

impl<T: Into<Target>> IntoField<Target> for T {
    #[inline(always)]
    fn into_field(self) -> Target {
        self.into()
    }
}

impl<T: Into<U>, U> IntoField<Option<U>> for T {
    #[inline(always)]
    fn into_field(self) -> Option<U> {
        Some(self.into())
    }
}

/// Declares one opcode builder.
///
/// ```text
/// opcode! {
///     /// Docs of the struct.
///     pub struct Name {
///         required: Type [ConversionType],   // `new` argument, `.into()`-ed
///         other: Type,
///         ;;
///         /// Docs of the setter, with the default.
///         optional: Type [SetterArgType] = default,
///     }
///     pub const CODE = IORING_OP_NAME;
///     pub fn build(self) -> Entry { ... }
/// }
/// ```
///
/// `build` should destructure `self` exhaustively (`let Name { a, b, .. }`
/// is forbidden by convention, not by the macro), so that adding a field
/// without wiring it into the SQE fails to compile with an "unused
/// variable" or "missing field" error under `-D warnings`.
macro_rules! opcode {
    (
        $(#[$outer:meta])*
        pub struct $name:ident {
            $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty $([$rarg:ty])? ),* $(,)?
            ;;
            $( $(#[$ometa:meta])* $ofield:ident : $oty:ty $([$oarg:ty])? = $odefault:expr ),* $(,)?
        }

        pub const CODE = $code:ident;

        $(#[$bmeta:meta])*
        pub fn build($self:ident) -> $ret:ty $build:block
    ) => {
        $(#[$outer])*
        #[derive(Debug, Clone, Copy)]
        #[must_use = "a builder does nothing until it is built and pushed"]
        pub struct $name {
            $( $(#[$rmeta])* $rfield: $rty, )*
            $( $ofield: $oty, )*
        }

        impl $name {
            #[doc = concat!("The opcode this builder produces, `", stringify!($code), "`.")]
            pub const CODE: u8 = ring_sys::$code;

            /// Creates the builder from its required fields (the order of
            /// the arguments follows the struct documentation); the
            /// optional fields start at the defaults their setters state.
            #[inline]
            #[allow(clippy::too_many_arguments)]
            pub fn new($( $rfield: param_ty!($rty $(, $rarg)?) ),*) -> Self {
                $name {
                    $( $rfield: conv!($rfield $(, $rarg)?), )*
                    $( $ofield: $odefault, )*
                }
            }

            $(
                $(#[$ometa])*
                #[inline]
                pub fn $ofield(mut self, $ofield: param_ty!($oty $(, $oarg)?)) -> Self {
                    self.$ofield = conv!($ofield $(, $oarg)?);
                    self
                }
            )*

            $(#[$bmeta])*
            #[inline]
            pub fn build($self) -> $ret $build
        }
    };
}

mod cmd;
mod file;
mod fs;
mod msg;
mod msg_ring;
mod net;
mod nop;
mod poll;
mod process;
mod provide_buffers;
mod rw;
mod time;
mod xattr;

pub use cmd::*;
pub use file::*;
pub use fs::*;
pub use msg::*;
pub use msg_ring::*;
pub use net::*;
pub use nop::*;
pub use poll::*;
pub use process::*;
pub use provide_buffers::*;
pub use rw::*;
pub use time::*;
pub use xattr::*;

/// A zeroed SQE with `opcode` and `fd` set.
#[inline(always)]
fn sqe(opcode: u8, fd: i32) -> io_uring_sqe {
    let mut s = io_uring_sqe::zeroed();
    s.opcode = opcode;
    s.fd = fd;
    s
}

/// A zeroed SQE for `opcode` on `target`, with `IOSQE_FIXED_FILE` set when
/// the target is a registered file.
#[inline(always)]
fn sqe_on(opcode: u8, target: Target) -> io_uring_sqe {
    let mut s = sqe(opcode, target.raw());
    s.flags = target.sqe_flags();
    s
}

/// A user pointer as the kernel's `__u64`.
#[inline(always)]
fn ptr<T>(p: *const T) -> u64 {
    p as usize as u64
}

/// Encodes a direct-descriptor slot for `sqe.file_index`: the kernel
/// reads slot `n` as `n + 1` (0 meaning "no slot"), except for
/// `IORING_FILE_INDEX_ALLOC`, which it takes as is. Slot `u32::MAX - 1`
/// therefore has no encoding of its own (it would read as
/// `IORING_FILE_INDEX_ALLOC`); no registered file table is that large (the
/// kernel's limit is 1 << 20 slots), so it never names a slot.
#[inline(always)]
fn file_index(slot: Option<u32>) -> u32 {
    match slot {
        None => 0,
        Some(ring_sys::IORING_FILE_INDEX_ALLOC) => ring_sys::IORING_FILE_INDEX_ALLOC,
        Some(n) => n.wrapping_add(1),
    }
}

/// `ioprio` bits as the 16-bit SQE field holds them; every
/// `IORING_RECVSEND_*`/`IORING_ACCEPT_*` flag fits in 16 bits.
#[inline(always)]
const fn prio(flag: u32) -> u16 {
    flag as u16
}

/// The 32-bit poll mask as the kernel reads it from `poll32_events`: on
/// big-endian machines its two 16-bit halves are swapped, because the
/// field grew from the 16-bit `poll_events` whose bytes it must keep.
#[inline(always)]
fn poll_mask(events: u32) -> u32 {
    if cfg!(target_endian = "big") {
        events.rotate_left(16)
    } else {
        events
    }
}

/// Every builder's opcode, in opcode order. The constant check below
/// proves they are `0..=64`, each exactly once.
pub const ALL_CODES: [u8; 65] = [
    Nop::CODE,
    Readv::CODE,
    Writev::CODE,
    Fsync::CODE,
    ReadFixed::CODE,
    WriteFixed::CODE,
    PollAdd::CODE,
    PollRemove::CODE,
    SyncFileRange::CODE,
    SendMsg::CODE,
    RecvMsg::CODE,
    Timeout::CODE,
    TimeoutRemove::CODE,
    Accept::CODE,
    AsyncCancel::CODE,
    LinkTimeout::CODE,
    Connect::CODE,
    Fallocate::CODE,
    OpenAt::CODE,
    Close::CODE,
    FilesUpdate::CODE,
    Statx::CODE,
    Read::CODE,
    Write::CODE,
    Fadvise::CODE,
    Madvise::CODE,
    Send::CODE,
    Recv::CODE,
    OpenAt2::CODE,
    EpollCtl::CODE,
    Splice::CODE,
    ProvideBuffers::CODE,
    RemoveBuffers::CODE,
    Tee::CODE,
    Shutdown::CODE,
    RenameAt::CODE,
    UnlinkAt::CODE,
    MkdirAt::CODE,
    SymlinkAt::CODE,
    LinkAt::CODE,
    MsgRing::CODE,
    FSetXattr::CODE,
    SetXattr::CODE,
    FGetXattr::CODE,
    GetXattr::CODE,
    Socket::CODE,
    UringCmd::CODE,
    SendZc::CODE,
    SendMsgZc::CODE,
    ReadMulti::CODE,
    WaitId::CODE,
    FutexWait::CODE,
    FutexWake::CODE,
    FutexWaitV::CODE,
    FixedFdInstall::CODE,
    Ftruncate::CODE,
    Bind::CODE,
    Listen::CODE,
    RecvZc::CODE,
    EpollWait::CODE,
    ReadvFixed::CODE,
    WritevFixed::CODE,
    Pipe::CODE,
    Nop128::CODE,
    UringCmd128::CODE,
];

// Every opcode the header knows has exactly one builder: 65 codes, all
// below `IORING_OP_LAST`, none repeated (so together they are 0..=64).
const _: () = {
    assert!(ALL_CODES.len() == ring_sys::IORING_OP_LAST as usize);
    let mut seen = [false; ALL_CODES.len()];
    let mut i = 0;
    while i < ALL_CODES.len() {
        let c = ALL_CODES[i] as usize;
        assert!(c < ALL_CODES.len(), "opcode out of range");
        assert!(!seen[c], "opcode with two builders");
        seen[c] = true;
        i += 1;
    }
};

#[cfg(test)]
mod tests;
