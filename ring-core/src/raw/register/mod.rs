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
//!
//! A provided-buffer ring, a synchronous cancellation, the ring's clock,
//! restrictions on a disabled ring, and what the kernel says it supports:
//!
//! ```
//! use ring_core::opcode::Recv;
//! use ring_core::register::{
//!     query_kernel, BufRing, BufRingConfig, CancelBuilder, Clock, IowqMaxWorkers, Napi, NapiTracking, QueryResult,
//!     Restriction,
//! };
//! use ring_core::{Builder, Ring, SqeFlags};
//! use std::io::Write;
//! use std::os::fd::AsRawFd;
//! use std::time::Duration;
//!
//! let mut ring = Ring::new(8)?;
//! // Provided-buffer rings are 5.19, as socket operations are: probe those.
//! if !ring.probe()?.supported(ring_core::sys::IORING_OP_SOCKET) {
//!     println!("skipping: this example needs Linux 5.19");
//!     return Ok(());
//! }
//! // Four 64-byte buffers in group 5, handed to the kernel (5.19).
//! let config = BufRingConfig::new(5, 4).buffers(4, 64);
//! assert_eq!(config.flags(), 0);
//! let _incremental = BufRingConfig::new(6, 4).buffers(4, 64).incremental(); // 6.12
//! let _kernel_mapped = BufRingConfig::new(7, 4).kernel_mapped(); // 6.4
//! let mut bufs: BufRing = ring.register_buf_ring(config)?;
//! assert_eq!((bufs.bgid(), bufs.entries(), bufs.buf_count(), bufs.buf_len()), (5, 4, 4, 64));
//! assert!(!bufs.is_incremental() && bufs.ring_id() == ring.id());
//! assert!(bufs.is_with_kernel(0) && bufs.buf_ptr(0).is_some());
//! // A receive that picks one of them.
//! let (a, b) = std::os::unix::net::UnixStream::pair()?;
//! (&a).write_all(b"pool")?;
//! let recv = Recv::new(b.as_raw_fd(), std::ptr::null_mut(), 64).buf_group(5).build().flags(SqeFlags::BUFFER_SELECT);
//! // SAFETY: the kernel writes only a buffer of group 5, which `bufs`
//! // keeps registered; `b` stays open until the completion.
//! unsafe { ring.sq().push(&recv.into_sqe()) }.expect("room");
//! ring.submit_and_wait(1)?;
//! let cqe = ring.cq().pop().expect("its completion");
//! let bid = cqe.buffer_id().expect("a selected buffer");
//! // SAFETY: the completion reported `bid`, the kernel is done with it.
//! assert_eq!(&unsafe { bufs.read(bid, 0..4) }?[..], b"pool");
//! // SAFETY: as above, taken once for this completion.
//! let whole = unsafe { bufs.take(bid) }?;
//! assert_eq!(&whole[..4], b"pool");
//! bufs.recycle(bid)?; // back to the kernel, published
//! assert!(bufs.is_with_kernel(bid));
//! ring.unregister_buf_ring(bufs)?;
//!
//! // Cancellation criteria, combined (6.6 for more than one).
//! let what = CancelBuilder::fd(b.as_raw_fd()).and_user_data(9).and_opcode(ring_core::sys::IORING_OP_RECV).all();
//! assert_ne!(what.flags(), 0);
//! assert_eq!(what.to_raw(Some(Duration::from_millis(1))).fd, b.as_raw_fd());
//! for one in [CancelBuilder::user_data(9), CancelBuilder::opcode(ring_core::sys::IORING_OP_RECV), CancelBuilder::fixed_fd(0), CancelBuilder::any().and_fd(b.as_raw_fd())] {
//!     let _ = one.to_raw(None);
//! }
//! assert_eq!(ring.cancel_sync(&CancelBuilder::user_data(9), None).ok(), None, "nothing to cancel");
//!
//! // The clock of waits, and the io-wq limits.
//! assert_eq!(Clock::Boottime.id(), libc::CLOCK_BOOTTIME);
//! if let Err(e) = ring.register_clock(Clock::Monotonic) {
//!     println!("no clock registration here (6.12): {e}");
//! }
//! let limits: IowqMaxWorkers = ring.iowq_max_workers()?;
//! println!("io-wq workers: {} bounded, {} unbounded", limits.bounded, limits.unbounded);
//!
//! // Restrictions, on a ring set up disabled (5.10).
//! let mut locked = Builder::new(4).r_disabled().build()?;
//! let allowed = [Restriction::SqeOp(ring_core::sys::IORING_OP_NOP), Restriction::RegisterOp(ring_core::sys::IORING_REGISTER_PROBE as u8)];
//! assert_eq!(allowed[0].to_raw().opcode, ring_core::sys::IORING_RESTRICTION_SQE_OP as u16);
//! locked.register_restrictions(&allowed)?;
//! locked.enable()?;
//!
//! // Busy polling of the network (6.9), where the kernel has it.
//! let napi = Napi { busy_poll_timeout: Duration::from_micros(50), prefer_busy_poll: false, tracking: NapiTracking::Dynamic };
//! match ring.register_napi(&napi) {
//!     Ok(_previous) => drop(ring.unregister_napi()?),
//!     Err(e) => println!("no NAPI registration here: {e}"),
//! }
//! // What this kernel supports, asked without a ring (6.18).
//! match query_kernel(&ring_core::Linux) {
//!     Ok(found) => {
//!         let found: QueryResult = found;
//!         println!("opcodes: {:?}", found.opcodes.map(|o| o.nr_request_opcodes));
//!     }
//!     Err(e) => println!("no query here: {e}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
