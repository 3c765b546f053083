//! Reading to the end with a limit: [`LimitExceeded`], and the
//! owned-buffer loop shared by the sockets' and files' `read_to_end`.

use crate::error::Error;
use crate::ownership::buf::{IoBuf, Slice};
use core::fmt;
use core::future::Future;
use std::io;

/// The error inside the `io::Error` (kind `FileTooLarge`) of a
/// `read_to_end` or [`fs::read`](crate::objects::fs::read) whose data is longer than
/// the limit the caller gave, or than memory allows.
///
/// The limit is checked before each allocation, so a hostile peer or a
/// huge file can make the read fail, never make it allocate past the
/// limit (or abort the process).
///
/// ```
/// use ring_core::io::LimitExceeded;
/// use ring_core::net::UnixStream;
///
/// let rt = ring_core::Runtime::new(16)?;
/// let (a, b) = UnixStream::pair(rt.driver())?;
/// rt.block_on(async {
///     b.write_all(b"more than eight bytes").await.0?;
///     drop(b);
///     let (r, buf) = a.read_to_end(Vec::new(), 8).await;
///     let e = r.unwrap_err();
///     assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
///     let why = e.get_ref().and_then(|e| e.downcast_ref::<LimitExceeded>()).unwrap();
///     assert_eq!(why.limit, 8);
///     assert_eq!(buf, b"more tha"); // the first `limit` bytes
///     Ok::<_, std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LimitExceeded {
    /// The most bytes the call was allowed to read.
    pub limit: usize,
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the data is longer than the limit of {} bytes", self.limit)
    }
}

impl std::error::Error for LimitExceeded {}

impl From<LimitExceeded> for io::Error {
    fn from(e: LimitExceeded) -> io::Error {
        io::Error::new(io::ErrorKind::FileTooLarge, e)
    }
}

pub(crate) fn limit_exceeded(limit: usize) -> io::Error {
    LimitExceeded { limit }.into()
}

fn no_memory(n: usize) -> io::Error {
    Error::OutOfMemory { what: "read_to_end buffer", bytes: n }.into()
}

/// The smallest growth of the buffer.
const MIN_GROW: usize = 8 * 1024;
/// A read that only checks for end of file once the buffer's size hint is
/// exactly filled, so that a file whose size was known is not followed by
/// a second buffer as large.
const PROBE: usize = 32;

/// Reads until end of file, appending to `buf`, through owned-buffer
/// reads: `read(slice, done)` reads into `slice` (the spare room of the
/// buffer or a small probe) the bytes that follow the `done` already read.
/// Never holds more than `limit + 1` new bytes; past `limit`, fails with
/// [`LimitExceeded`] leaving the first `limit` of them in the buffer.
pub(crate) async fn read_to_end_owned<F, Fut>(
    mut buf: Vec<u8>,
    limit: usize,
    mut read: F,
) -> (io::Result<usize>, Vec<u8>)
where
    F: FnMut(Slice<Vec<u8>>, usize) -> Fut,
    Fut: Future<Output = (io::Result<usize>, Slice<Vec<u8>>)>,
{
    let start = buf.len();
    // One byte past the limit tells a longer stream from one of exactly
    // `limit` bytes.
    let allowed = limit.saturating_add(1);
    let mut probed = false;
    loop {
        let got = buf.len() - start;
        if got > limit {
            buf.truncate(start + limit);
            return (Err(limit_exceeded(limit)), buf);
        }
        let room = allowed - got;
        if buf.len() == buf.capacity() {
            if got > 0 && !probed {
                // The buffer was sized by a hint (a file's size, the
                // caller's capacity): check for more before doubling it.
                probed = true;
                let probe = Vec::with_capacity(PROBE.min(room));
                let (r, p) = read(probe.slice(..), got).await;
                let p = p.into_inner();
                match r {
                    Ok(0) => return (Ok(got), buf),
                    Ok(_) => {
                        if buf.try_reserve(p.len()).is_err() {
                            return (Err(no_memory(p.len())), buf);
                        }
                        buf.extend_from_slice(&p);
                        continue;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return (Err(e), buf),
                }
            }
            let grow = got.max(MIN_GROW).min(room);
            if buf.try_reserve_exact(grow).is_err() {
                return (Err(no_memory(grow)), buf);
            }
        }
        let len = buf.len();
        let end = buf.capacity().min(len.saturating_add(room));
        let (r, slice) = read(buf.slice(len..end), got).await;
        buf = slice.into_inner();
        match r {
            Ok(0) => return (Ok(buf.len() - start), buf),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (Err(e), buf),
        }
    }
}
