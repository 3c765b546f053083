//! Asking the kernel what it supports: `IORING_REGISTER_QUERY` (35).
//!
//! The argument is a chain of [`io_uring_query_hdr`]s, each naming one
//! query and a buffer for its answer. The kernel walks the chain, answers
//! each query it knows into its buffer, and writes a result per header
//! (0, or `-EOPNOTSUPP` for a query it does not know), so one call asks
//! everything and a newer query on an older kernel fails alone. It needs no
//! ring, so it also works with fd -1 before any ring exists.
#![allow(unsafe_code)]

use crate::error::Result;
use crate::kernel::Kernel;
use crate::raw::register::call::register_blind;
use crate::raw::ring::Ring;
use core::ffi::c_void;
use ring_sys::*;

/// The answers to the queries this crate knows. A query the kernel did not
/// answer is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// `IO_URING_QUERY_OPCODES` (6.18): opcode counts and supported flags.
    pub opcodes: Option<io_uring_query_opcode>,
    /// `IO_URING_QUERY_ZCRX` (6.19): zero-copy receive capabilities.
    pub zcrx: Option<io_uring_query_zcrx>,
    /// `IO_URING_QUERY_SCQ` (6.19): the ring header's size and alignment.
    pub scq: Option<io_uring_query_scq>,
}

/// The buffers and the chain of one query call.
struct Chain {
    opcodes: io_uring_query_opcode,
    zcrx: io_uring_query_zcrx,
    scq: io_uring_query_scq,
    hdrs: [io_uring_query_hdr; 3],
}

fn header<T>(op: u32, data: &mut T) -> io_uring_query_hdr {
    io_uring_query_hdr {
        query_data: (data as *mut T) as u64,
        query_op: op,
        size: core::mem::size_of::<T>() as u32,
        ..Default::default()
    }
}

/// Runs the full query chain with `call` doing the system call.
fn run(
    call: impl FnOnce(*const c_void) -> Result<u32, crate::error::Error>,
) -> Result<QueryResult, crate::error::Error> {
    let mut c = Box::new(Chain {
        opcodes: io_uring_query_opcode::default(),
        zcrx: io_uring_query_zcrx::default(),
        scq: io_uring_query_scq::default(),
        hdrs: [io_uring_query_hdr::default(); 3],
    });
    let c = &mut *c;
    c.hdrs[0] = header(IO_URING_QUERY_OPCODES, &mut c.opcodes);
    c.hdrs[1] = header(IO_URING_QUERY_ZCRX, &mut c.zcrx);
    c.hdrs[2] = header(IO_URING_QUERY_SCQ, &mut c.scq);
    let next1 = (&raw mut c.hdrs[1]) as u64;
    let next2 = (&raw mut c.hdrs[2]) as u64;
    c.hdrs[0].next_entry = next1;
    c.hdrs[1].next_entry = next2;
    // The kernel writes the headers and the answers, so the pointer handed
    // to it is derived from a mutable place.
    call((&raw mut c.hdrs[0]).cast_const().cast())?;
    let ok = |h: &io_uring_query_hdr| h.result == 0;
    Ok(QueryResult {
        opcodes: ok(&c.hdrs[0]).then_some(c.opcodes),
        zcrx: ok(&c.hdrs[1]).then_some(c.zcrx),
        scq: ok(&c.hdrs[2]).then_some(c.scq),
    })
}

/// Asks the kernel behind `kernel` every query this crate knows, without a
/// ring (`IORING_REGISTER_QUERY` with fd -1, Linux 6.18). On older kernels
/// the operation itself is missing: [`crate::Error::UnsupportedRegister`].
pub fn query_kernel<K: Kernel>(kernel: &K) -> Result<QueryResult, crate::error::Error> {
    run(|arg| {
        // SAFETY: `arg` is the head of a chain of live headers whose data
        // buffers have the sizes they state; all are read and written only
        // during the call, which takes `nr_args` 0.
        unsafe { register_blind(kernel, IORING_REGISTER_QUERY, arg, 0, IORING_REGISTER_QUERY + 1) }
    })
}

impl<K: Kernel> Ring<K> {
    /// Asks the kernel every query this crate knows
    /// (`IORING_REGISTER_QUERY`, Linux 6.18), through this ring.
    pub fn query(&self) -> Result<QueryResult, crate::error::Error> {
        run(|arg| {
            // SAFETY: as in `query_kernel`; the ring only routes the call.
            unsafe { self.register_typed(IORING_REGISTER_QUERY, arg, 0) }
        })
    }
}
