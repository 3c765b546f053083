//! The raw layer: the rings exactly as the kernel shares them.
//!
//! From the shared memory up: [`layout`] turns the offsets the kernel
//! gives into typed pointers; [`memory`](self) owns the mappings; the
//! [`squeue`] and [`cqueue`] are the only code that reads or writes the
//! shared ring words and entries; a [`ring`] owns a ring's descriptor,
//! memory and queues; [`setup`] creates one from every setup flag,
//! checked (`setup_flags.rs`: the flags' names and the rules between them); [`enter`] submits and waits; [`probe`] asks what the kernel
//! supports; [`opcode`] builds every SQE ([`types`] are the small types
//! the builders take); [`register`] is one method for every register
//! operation.
//!
//! Pushing an SQE is `unsafe` (an SQE can point anywhere); everything else
//! here is safe. Nothing here knows of the layers above.

pub mod cqueue;
pub mod enter;
pub mod layout;
pub(crate) mod memory;
pub mod opcode;
pub mod probe;
pub mod register;
pub mod ring;
pub mod ring_id;
pub mod setup;
mod setup_flags;
pub mod squeue;
pub mod types;
