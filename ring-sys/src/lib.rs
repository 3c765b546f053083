//! The Linux io_uring kernel ABI, as of the Linux 7.0 uapi header
//! `include/uapi/linux/io_uring.h`, and its three system calls.
//!
//! Everything here carries the kernel's own name (`io_uring_sqe`,
//! `IORING_OP_READ`, `IORING_SETUP_SQPOLL`) and says in its documentation
//! which Linux version added it, so that code written against this crate
//! reads like the man pages and like liburing. There are no safe
//! abstractions here and nothing allocates: the rings, the builders and the
//! ownership rules live in `ring-core`.
//!
//! Every struct's size, alignment and field offsets are proven by this
//! crate's tests against an independent oracle (the `linux-raw-sys` crate,
//! and the C header of the machine the tests run on).
#![no_std]
#![warn(missing_docs)]
#![allow(non_camel_case_types, non_upper_case_globals)]

mod errno;
pub mod syscall;

pub use errno::Errno;

// ---- ABI modules (kernel structs and constants), re-exported flat ----
// ABI-MODULES-BEGIN
mod bpf;
pub use bpf::*;
mod buf_ring;
pub use buf_ring::*;
mod cqe;
pub use cqe::*;
mod enter;
pub use enter::*;
mod op_flags;
pub use op_flags::*;
mod opcode;
pub use opcode::*;
mod query;
pub use query::*;
mod register;
pub use register::*;
mod restriction;
pub use restriction::*;
mod setup;
pub use setup::*;
mod sqe;
pub use sqe::*;
mod sqe_unions;
pub use sqe_unions::*;
mod types;
pub use types::*;
mod zcrx;
pub use zcrx::*;
// ABI-MODULES-END
