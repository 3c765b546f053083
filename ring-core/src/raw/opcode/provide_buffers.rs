//! Classic provided buffers: handing buffers to the kernel by operation,
//! and taking them back (the buffer rings of
//! [`crate::raw::register::BufRing`] replace them).
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{ProvideBuffers, RemoveBuffers};
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut buf = [0u8; 64];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let provide_buffers = ProvideBuffers::new(buf.as_mut_ptr(), 64, 64, 0, 0)
//!     .build();
//! assert_eq!(provide_buffers.into_sqe().opcode, ProvideBuffers::CODE);
//! let remove_buffers = RemoveBuffers::new(64, 0)
//!     .build();
//! assert_eq!(remove_buffers.into_sqe().opcode, RemoveBuffers::CODE);
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe};
use crate::raw::types::Entry;

opcode! {
    /// Adds buffers to a classic provided-buffer group:
    /// `io_uring_prep_provide_buffers(3)`. Linux 5.7.
    ///
    /// Required: the start of `nbufs` contiguous buffers of `len` bytes
    /// each, `nbufs`, the group and the ID of the first buffer (the rest
    /// get consecutive IDs). The memory must stay valid until every buffer
    /// has been consumed and its completion reaped, or removed with
    /// [`RemoveBuffers`]. Buffer rings (`IORING_REGISTER_PBUF_RING`) are
    /// the faster replacement.
    pub struct ProvideBuffers {
        addr: *mut u8,
        len: u32,
        nbufs: u32,
        bgid: u16,
        bid: u16,
        ;;
    }

    pub const CODE = IORING_OP_PROVIDE_BUFFERS;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let ProvideBuffers { addr, len, nbufs, bgid, bid } = self;
        // The buffer count travels in the descriptor field.
        let mut sqe = sqe(Self::CODE, nbufs as i32);
        sqe.set_addr(ptr(addr));
        sqe.len = len;
        sqe.set_off(u64::from(bid));
        sqe.set_buf_group(bgid);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Removes up to `nbufs` buffers from a classic provided-buffer group:
    /// `io_uring_prep_remove_buffers(3)`. Linux 5.7.
    ///
    /// The result is the number removed; their memory is the
    /// application's again once this completes. Points at no memory.
    pub struct RemoveBuffers {
        nbufs: u32,
        bgid: u16,
        ;;
    }

    pub const CODE = IORING_OP_REMOVE_BUFFERS;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let RemoveBuffers { nbufs, bgid } = self;
        let mut sqe = sqe(Self::CODE, nbufs as i32);
        sqe.set_buf_group(bgid);
        Entry::from_sqe(sqe)
    }
}
