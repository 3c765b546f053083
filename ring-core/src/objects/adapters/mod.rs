//! Adapters that put familiar interfaces on the ownership layer:
//!
//! - [`Uring`]: any std I/O object (file, socket, pipe) with
//!   `async fn read(&mut self, &mut [u8])` and `async fn write(&mut self,
//!   &[u8])`, copying through internal owned buffers the kernel reads and
//!   writes, so borrowed slices never reach the kernel (ringbahn-style).
//! - [`AioContext`]: a bounded context for `O_DIRECT` file I/O with
//!   page-aligned buffers, whose capacity applies backpressure
//!   (tokio-linux-aio-style).

pub mod aio;
pub mod uring;

pub use aio::AioContext;
pub use uring::{Uring, DEFAULT_BUFFER};
