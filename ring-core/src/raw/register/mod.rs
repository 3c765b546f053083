//! Typed registration: one method on [`Ring`] for every
//! `io_uring_register(2)` operation, from `IORING_REGISTER_BUFFERS` (0) to
//! `IORING_REGISTER_BPF_FILTER` (37).
//!
//! Every method checks its input before the kernel sees it (counts, lengths,
//! alignment, descriptors), so a request the kernel would certainly refuse
//! comes back as [`Error::TooLong`], [`Error::InvalidArgument`] or
//! [`Error::BadFd`] and never as a panic. What the kernel refuses comes back
//! typed as well:
//!
//! - [`Error::UnsupportedRegister`] when this kernel does not know the
//!   operation: it answered `EINVAL` or `EOPNOTSUPP` and the operation lies
//!   beyond the register opcodes it knows (asked with
//!   `IORING_REGISTER_QUERY` on 6.18 and later, with one harmless ring-less
//!   call per operation before, see
//!   [`crate::raw::probe::Probe::register_op_supported`]). The ring-less
//!   operations (`send_msg_ring_sync_fd`, `register_task_restrictions`,
//!   `register_task_bpf_filter`) are typed the same way without a ring,
//!   and also when a kernel without their ring-less form took the -1 for a
//!   descriptor (`EBADF`);
//! - [`Error::MemlockLimit`] when pinning memory failed for
//!   `RLIMIT_MEMLOCK`;
//! - [`Error::Syscall`] with [`Call::Register`] and the errno otherwise.
//!
//! Registration goes through the ring's registered index
//! (`IORING_REGISTER_USE_REGISTERED_RING`) whenever the ring has one, as
//! [`Ring::register_raw`] does, except for the calls after which memory or
//! a registered file is given up (unregistering buffers, buffer rings and
//! files, replacing buffers and files): those go through the ring's
//! descriptor when it has one. An index is a name that code outside
//! ring-core can remove from the thread's table and see handed to another
//! ring, and memory must never be freed on the strength of a call that
//! landed on another ring; the descriptor belongs to the ring and no safe
//! code can close it.
//!
//! # Memory the kernel keeps
//!
//! A registration that leaves the kernel holding on to application memory
//! after the call returns (registered buffers, provided-buffer rings,
//! memory regions, zero-copy receive areas) is an `unsafe fn` whose
//! `# Safety` section says what must stay valid and until when. Where an
//! owning wrapper is natural it is provided as well and is safe:
//! [`BufRing`] owns a provided-buffer ring and its buffers, and
//! [`MemRegion`] owns a registered memory region. Closing a ring does not
//! retire its requests synchronously, so "until the ring is dropped" below
//! always means "until the ring is dropped and every request still running
//! in it has finished".
//!
//! See `docs/registration.md` for the table of operations and methods.
//!
//! [`Ring`]: crate::raw::ring::Ring
//! [`Ring::register_raw`]: crate::raw::ring::Ring::register_raw
//! [`Error::TooLong`]: crate::error::Error::TooLong
//! [`Error::InvalidArgument`]: crate::error::Error::InvalidArgument
//! [`Error::BadFd`]: crate::error::Error::BadFd
//! [`Error::UnsupportedRegister`]: crate::error::Error::UnsupportedRegister
//! [`Error::MemlockLimit`]: crate::error::Error::MemlockLimit
//! [`Error::Syscall`]: crate::error::Error::Syscall
//! [`Call::Register`]: crate::error::Call::Register

pub(crate) mod behaviour;
mod bpf;
mod buf_ring;
mod buf_ring_writer;
mod buffers;
mod call;
mod cancel;
mod clock;
mod eventfd;
mod files;
mod iowq;
mod msg_ring;
mod napi;
mod personality;
mod probe_ring;
mod query;
mod region;
mod resize;
mod restrictions;
pub(crate) mod ring_fds;
mod zcrx;

pub use bpf::{register_task_bpf_filter, BpfFilter};
pub use buf_ring::{BufRing, BufRingConfig, MAX_BUF_RING_ENTRIES, MAX_MAPPED_BGID};
pub use buf_ring_writer::{BufRingPointers, BufRingWriter};
pub use buffers::{CloneBuffers, MAX_BUFFERS, MAX_BUFFER_LEN};
pub use cancel::CancelBuilder;
pub use clock::Clock;
pub use files::MAX_FILES;
pub use iowq::IowqMaxWorkers;
pub use msg_ring::send_msg_ring_sync_fd;
pub use napi::{Napi, NapiTracking};
pub use query::{query_kernel, QueryResult};
pub use region::MemRegion;
#[doc(hidden)]
pub use resize::recopy_big_entries;
pub use restrictions::{register_task_restrictions, Restriction};
pub use ring_fds::MAX_REGISTERED_RINGS;
pub use zcrx::{ZcrxArea, ZcrxIfq, ZcrxIfqConfig, ZcrxRefill};
