//! The ABI of `ring-sys` checked against a C compiler: a small C program
//! that includes `<linux/io_uring.h>` prints the `sizeof`, `_Alignof` and
//! `offsetof` of every struct and field, and the value of every constant,
//! and each line is compared with what this crate says.
//!
//! The C source and the Rust expectations come from one list, [`table`], so
//! that they cannot drift apart. Each entry has a tier:
//!
//! - `Both`: the same name in old and new headers;
//! - `Old`: a name only older headers use (a field renamed since, such as
//!   `io_sqring_offsets.resv2`, now `user_addr`), mapped to our field at the
//!   same offset;
//! - `New`: a name only the Linux 7.0 headers have.
//!
//! Macros are always guarded with `#ifdef`, so a header that lacks one just
//! skips it. Enum members and struct fields cannot be guarded, so the list
//! only puts in `Both` those present in the system header of the machine
//! this was written on (Debian 12, `linux-libc-dev` 6.1.x).
//!
//! `system_header` compiles `Both` + `Old` against the system's headers.
//! `uapi_7_header` compiles `Both` + `New` against a Linux 7.0 header tree
//! when `RING_SYS_UAPI_INCLUDE` names one (a directory holding
//! `linux/io_uring.h`, `linux/io_uring/query.h` and
//! `linux/io_uring/bpf_filter.h`, for example liburing's
//! `src/include/liburing` copies laid out that way), and is skipped
//! otherwise. Both are skipped, with a message, when there is no `cc`.
//!
//! The list is in the child module `table`, the C program that prints what
//! the header says in `c_program`; the tests are here.

use std::path::PathBuf;

use c_program::check;
use table::{table, Tier};

mod c_program;
mod table;

#[test]
fn system_header() {
    check("system", &[Tier::Both, Tier::Old], None, &[]);
}

#[test]
fn uapi_7_header() {
    let Some(dir) = std::env::var_os("RING_SYS_UAPI_INCLUDE").map(PathBuf::from) else {
        println!("skipping: set RING_SYS_UAPI_INCLUDE to a Linux 7.0 uapi include tree to check the New entries");
        return;
    };
    check("uapi-7.0", &[Tier::Both, Tier::New], Some(&dir), &["linux/io_uring/query.h", "linux/io_uring/bpf_filter.h"]);
}

#[test]
fn table_is_complete_for_the_families() {
    // Every opcode and register opcode appears in the list exactly once,
    // whatever its tier.
    let table = table();
    let ops = table.iter().filter(|e| e.expr.starts_with("IORING_OP_")).count();
    let regs = table
        .iter()
        .filter(|e| e.expr.starts_with("IORING_REGISTER_") || e.expr.starts_with("IORING_UNREGISTER_"))
        .count();
    assert_eq!(ops, 65 + 1, "IORING_OP_* entries (with IORING_OP_LAST)");
    // 38 opcodes, LAST, USE_REGISTERED_RING, FILES_SKIP, SRC_REGISTERED, DST_REPLACE.
    assert_eq!(regs, 38 + 5, "IORING_REGISTER_* entries");
}
