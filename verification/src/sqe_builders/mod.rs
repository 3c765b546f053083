//! The SQE-builder target: arbitrary parameters for every raw builder in
//! `ring_core::opcode` (all 65 opcodes, every required argument and every
//! setter), and for the safe operations' `prepare` where a value can be
//! built without a driver. Shared by the fuzz target
//! (`fuzz/fuzz_targets/sqe_builders.rs`) and the plain test that runs it
//! over generated inputs and the checked-in seeds
//! (`tests/sqe_builders.rs`), which also checks that the list (`list.rs`) names
//! every builder and every field found in ring-core's sources.
//!
//! What is checked, for each builder and any values:
//!
//! - building never panics (every argument is taken as it is: the raw
//!   builders have no error path, and none may overflow or index out of
//!   bounds on a value the caller can pass);
//! - the entry carries the builder's opcode;
//! - nothing asked is lost: changing any one argument (by one bit, or to
//!   another value the input picks) changes the entry, so no argument is
//!   dropped, truncated or folded into another's value (the few encodings
//!   that cannot tell two values apart are the rules of [`alias`], each
//!   with its reason);
//! - what lands in the SQE is what was asked, where the place is common to
//!   every builder: a file argument named `fd` is `sqe.fd`, with
//!   `IOSQE_FIXED_FILE` exactly when it is a registered file;
//! - the setters are independent: applying them in another order, or one
//!   of them twice (the last value wins), builds the same entry;
//! - nothing else leaks in: bytes that no argument reaches keep their
//!   value whatever the arguments are.

mod alias;
#[macro_use]
mod checks;
mod gen;
mod list;

pub use alias::{alias, Names, FD_ELSEWHERE};
pub use gen::{Arb, Bytes, Gen};
pub use list::{check, run_bytes, BUILDERS};
