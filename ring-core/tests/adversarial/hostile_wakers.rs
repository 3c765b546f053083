//! Rule: foreign code (a waker's `clone`, `wake` or `drop`) may panic or
//! call back into the driver at any point where the library calls it; the
//! library never panics because of it (no double borrow of its state), never
//! loses an operation's outcome because of it, and its state stays
//! consistent (every entry and credit comes back).
//!
//! The points where the driver calls a waker: the clone when an operation
//! starts, when it waits for a credit, when it is polled again by another
//! task (single-shot, stream, chain); the wake of every due waker after a
//! turn, of waiters when room frees, of everyone at teardown; the drop of a
//! waker replaced or let go of.
//!
//! The tests are in child modules named for the callback that misbehaves:
//! `at_clone`, `at_wake` and `at_drop` (a waker's), and `orphan_values`
//! (the `Drop` of a value the driver drops for an orphaned operation).

use std::ffi::CString;

mod at_clone;
mod at_drop;
mod at_wake;
mod orphan_values;

fn temp_file(tag: &str) -> CString {
    let p = std::env::temp_dir().join(format!("ring-adversarial-{tag}-{}", std::process::id()));
    std::fs::write(&p, b"canary").unwrap();
    CString::new(p.into_os_string().into_encoded_bytes()).unwrap()
}
