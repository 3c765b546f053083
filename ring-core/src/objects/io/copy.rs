//! [`copy`]: everything from a buffered reader into a writer.

use super::{PollBufRead, PollWrite};
use core::future::poll_fn;
use core::task::{ready, Poll};
use std::io;

/// Copies everything `reader` yields until end of file into `writer`, then
/// flushes `writer`; returns the number of bytes copied.
///
/// The bytes go from the reader's own buffer into the writer's (one copy
/// in user space, as `std::io::copy` makes); each side keeps one operation
/// in flight, so reading the next chunk overlaps writing the last. A
/// failure of either side ends the copy with that error; a writer that
/// reports more bytes than it was given fails it with `InvalidData`.
///
/// ```
/// use ring_core::net::UnixStream;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let d = rt.driver().clone();
/// let (mut from, peer) = UnixStream::pair(&d)?;
/// let (mut to, out) = UnixStream::pair(&d)?;
/// let n = rt.block_on(async {
///     peer.write_all(b"through the ring").await.0?;
///     drop(peer);
///     let n = ring_core::io::copy(&mut from, &mut to).await?;
///     let (r, got) = out.read(Vec::with_capacity(64)).await;
///     assert_eq!(&got[..r?], b"through the ring");
///     Ok::<_, std::io::Error>(n)
/// })??;
/// assert_eq!(n, 16);
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: PollBufRead + ?Sized,
    W: PollWrite + ?Sized,
{
    let mut total = 0u64;
    poll_fn(|cx| loop {
        let chunk = match ready!(reader.poll_fill_buf(cx)) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        };
        if chunk.is_empty() {
            return writer.poll_flush(cx);
        }
        let n = match ready!(writer.poll_write(cx, chunk)) {
            Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
            Ok(n) => match super::traits::checked_count(n, chunk.len(), "writer") {
                Ok(n) => n,
                Err(e) => return Poll::Ready(Err(e)),
            },
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Poll::Ready(Err(e)),
        };
        reader.consume(n);
        total += n as u64;
    })
    .await?;
    Ok(total)
}
