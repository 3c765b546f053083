//! Poll-based I/O: [`PollRead`], [`PollBufRead`], [`PollWrite`] and
//! [`PollSeek`], implemented natively by [`File`](crate::objects::fs::File),
//! [`TcpStream`](crate::objects::net::TcpStream), [`UnixStream`](crate::objects::net::UnixStream)
//! and the [`Uring`](crate::objects::adapters::Uring) adapter; a [`BufReader`] with
//! line helpers; [`copy`]; and, behind cargo features, the ecosystem's
//! traits on the same types.
//!
//! # Owned buffers behind borrowed slices
//!
//! The kernel never sees the caller's slice. Each object has two internal,
//! owned buffers, allocated on first use (at most
//! [`DEFAULT_BUFFER`](crate::objects::adapters::DEFAULT_BUFFER) bytes each unless set
//! otherwise with `set_buffer_capacity`):
//!
//! - **Reads** fill the read buffer with one operation (a `recv` on a
//!   socket, a `read` elsewhere) of up to its capacity, and hand its bytes
//!   out by copying ([`PollRead::poll_read`]) or by reference
//!   ([`PollBufRead::poll_fill_buf`] and [`PollBufRead::consume`]). While
//!   the read is in flight the buffer is inside the operation, which the
//!   driver's table owns (see `docs/ownership.md`).
//! - **Writes** copy the caller's bytes into the write buffer and hand that
//!   to a write operation. [`PollWrite::poll_write`] returns `Ready(Ok(n))`
//!   **once the write is queued** (handed to the driver), not once it has
//!   completed; a later `poll_write` waits for it, continues a short write
//!   with the rest of the bytes, and returns its failure if it failed.
//!   [`PollWrite::poll_flush`] waits until every queued byte is written and
//!   reports a failure; [`PollWrite::poll_close`] flushes and then, on a
//!   socket, shuts the write side down (`shutdown(SHUT_WR)`). Flushing never
//!   syncs a file to its device: use [`File::sync_all`](crate::objects::fs::File::sync_all).
//!
//! # What happens to bytes in flight
//!
//! - A read future dropped mid-read (a timeout, a `select!`) cancels
//!   nothing: the operation stays in the object, and the next read returns
//!   its bytes first, so a stream's data is neither lost nor reordered.
//! - A write future dropped while `poll_write` was waiting for an earlier
//!   write took none of its bytes (they were not accepted), so retrying with
//!   the same or other bytes is correct.
//! - **Dropping the object** with a read in flight orphans the read: the
//!   driver cancels it, keeps its buffer until the kernel's terminal
//!   completion, then frees it. Bytes the kernel had already received into
//!   it are discarded with the object, as bytes in a socket's receive queue
//!   are when the socket is closed. Dropping it with a queued write cancels
//!   that write too, and the kernel may or may not have written it:
//!   **flush (or close) before dropping**, as with any buffered writer.
//!   Forgetting the object (`mem::forget`) leaks both buffers with their
//!   operations; the kernel never writes into memory Rust has reused.
//!
//! # Order between reads and writes
//!
//! On a socket, a pipe or the `Uring` adapter the two directions are
//! independent. A [`File`](crate::objects::fs::File) has one cursor for both, like
//! `std::fs::File`: a read first waits for the queued write (so it sees the
//! written bytes), and a write or a seek that moves the cursor discards the
//! bytes read ahead (they are read again from the file if asked for).
//!
//! # Mixing with the owned-buffer methods
//!
//! The objects' owned-buffer methods (`stream.read(buf)`, `file.read_at(buf,
//! pos)`, ...) start their own operations and know nothing of the bytes the
//! poll methods buffered. Use one style per direction at a time.
//!
//! # The ecosystem's traits (cargo features)
//!
//! | feature | implements |
//! |---|---|
//! | `futures-io` | `futures_io::{AsyncRead, AsyncBufRead, AsyncWrite}` for the four types; `AsyncSeek` for `File` |
//! | `futures-core` | `futures_core::Stream` for [`MultiOp`](crate::MultiOp) (the multishot streams: `ticks`, `poll_multishot`, receives from a pool, ...), [`Incoming`](crate::objects::net::Incoming) and [`Lines`] |
//! | `tokio` | `tokio::io::{AsyncRead, AsyncBufRead, AsyncWrite}` for the four types; `AsyncSeek` for `File` (tokio with no default features: the traits only) |
//!
//! None of them is on by default; the default build depends on `ring-sys`
//! and `libc` only.

mod buf_reader;
mod copy;
pub(crate) mod engine;
mod limit;
pub(crate) mod traits;

#[cfg(feature = "futures-io")]
mod compat_futures_io;
#[cfg(feature = "futures-core")]
mod compat_stream;
#[cfg(feature = "tokio")]
mod compat_tokio;

pub use buf_reader::{BufReader, Lines};
pub use copy::copy;
pub(crate) use limit::read_to_end_owned;
pub use limit::LimitExceeded;
pub use traits::{PollBufRead, PollRead, PollSeek, PollWrite};
