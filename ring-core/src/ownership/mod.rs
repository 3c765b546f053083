//! The ownership layer: operations that own every byte the kernel may
//! touch until the kernel says it is done.
//!
//! From the contract up: an [`Operation`](operation::Operation) owns its
//! memory and builds its SQE from it; the [`driver`] runs operations on a
//! ring, keeps each one's memory in a table until its terminal completion,
//! and hands out the futures that wait for them; [`buf`] are the buffers
//! an operation can own; [`shared_fd`] keeps a descriptor open while an
//! operation names it; [`ops`] are the safe operations, one file per
//! family of opcodes, as in [`opcode`](crate::raw::opcode); registered
//! resources are leases that a slot in use cannot be taken from
//! ([`fixed_buffers`], [`fixed_files`], [`pool`]).
//!
//! The layer is the only safe path to the kernel: the raw layer's `unsafe`
//! push is reached only with an SQE an operation built from a value
//! already at rest in the driver's table.

pub mod buf;
pub mod deadline;
pub mod driver;
pub mod fixed_buffers;
pub mod fixed_files;
pub mod operation;
pub mod ops;
pub mod pool;
pub mod shared_fd;
pub(crate) mod socket;
