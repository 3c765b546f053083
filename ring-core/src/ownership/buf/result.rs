//! Results that keep the buffer on the error path too, so that `?` does
//! not lose it (tokio-linux-aio's `AioError { buffer, error }`).
//!
//! Every operation on an owned buffer resolves to `(io::Result<T>, B)`:
//! the buffer comes back whether the call succeeded or not. Written with
//! `?` on the first half, the tuple would drop the buffer on the error
//! path. [`BufResultExt::into_buf_result`] turns the tuple into a
//! [`BufResult`], whose error ([`BufError`]) carries the buffer, so a
//! function returning `BufResult` propagates both with `?`, and a function
//! returning `io::Result` still can (the buffer is then dropped, by the
//! caller's choice).
//!
//! ```
//! use ring_core::buf::{BufResult, BufResultExt};
//! # let rt = ring_core::Runtime::new(8)?;
//! # let d = rt.driver().clone();
//! let (a, b) = std::os::unix::net::UnixStream::pair()?;
//! let (a, b) = (std::rc::Rc::new(a), std::rc::Rc::new(b));
//!
//! // The buffer comes back through `?` on either path.
//! async fn echo_once(d: &ring_core::Driver, from: &std::rc::Rc<std::os::unix::net::UnixStream>, buf: Vec<u8>) -> BufResult<usize, Vec<u8>> {
//!     let (n, buf) = d.read_at(from, buf, 0).await.into_buf_result()?;
//!     d.write_at(from, buf, 0).await.into_buf_result().map(|(m, buf)| (m.min(n), buf))
//! }
//! rt.block_on(async {
//!     d.write_at(&b, b"ping".to_vec(), 0).await.0?;
//!     let (n, buf) = echo_once(&d, &a, Vec::with_capacity(16)).await?;
//!     assert_eq!(&buf[..n], b"ping");
//!
//!     // A failed call: the error and the buffer, apart.
//!     drop(b);
//!     let closed = std::rc::Rc::new(std::fs::File::open("/dev/null")?);
//!     let err = d.write_at(&closed, vec![1u8; 8], 0).await.into_buf_result().unwrap_err();
//!     let (error, buf) = err.into_parts();
//!     assert_eq!(buf.len(), 8);
//!     assert_eq!(error.raw_os_error(), Some(libc::EBADF));
//!     Ok::<_, std::io::Error>(())
//! })??;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;

/// The outcome of an operation on an owned buffer: the value and the
/// buffer, or a [`BufError`] with the buffer.
pub type BufResult<T, B> = Result<(T, B), BufError<B>>;

/// An I/O error together with the buffer of the operation that failed.
///
/// Converts into `io::Error` (dropping the buffer), so `?` works in a
/// function returning `io::Result` as well as in one returning
/// [`BufResult`].
///
/// ```
/// use ring_core::buf::{BufError, BufResult, BufResultExt};
/// use std::io;
///
/// // An operation's `(result, buffer)` pair as a `Result`, so that `?`
/// // works while the buffer stays reachable on the error path.
/// fn pair(fail: bool) -> (io::Result<usize>, Vec<u8>) {
///     if fail { (Err(io::Error::from_raw_os_error(libc::EIO)), vec![1]) } else { (Ok(3), vec![1, 2, 3]) }
/// }
/// let ok: BufResult<usize, Vec<u8>> = pair(false).into_buf_result();
/// assert_eq!(ok.unwrap(), (3, vec![1, 2, 3]));
/// let err = pair(true).into_buf_result().unwrap_err();
/// assert_eq!(err.error.raw_os_error(), Some(libc::EIO));
/// let err = err.map_buf(|b| b.len());
/// assert_eq!(err.into_buf(), 1);
/// let (e, buf) = BufError::new(io::Error::other("by hand"), [0u8; 2]).into_parts();
/// assert_eq!((e.to_string(), buf), ("by hand".to_string(), [0, 0]));
/// ```
pub struct BufError<B> {
    /// What went wrong.
    pub error: io::Error,
    /// The operation's buffer, given back.
    pub buf: B,
}

impl<B> BufError<B> {
    /// An error with its buffer.
    pub fn new(error: io::Error, buf: B) -> Self {
        BufError { error, buf }
    }

    /// The error and the buffer, apart.
    pub fn into_parts(self) -> (io::Error, B) {
        (self.error, self.buf)
    }

    /// The buffer.
    pub fn into_buf(self) -> B {
        self.buf
    }

    /// The same error with the buffer turned into another value (a
    /// buffer unwrapped from a `Slice`, for example).
    pub fn map_buf<C>(self, f: impl FnOnce(B) -> C) -> BufError<C> {
        BufError { error: self.error, buf: f(self.buf) }
    }
}

impl<B> core::fmt::Debug for BufError<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufError").field("error", &self.error).finish_non_exhaustive()
    }
}

impl<B> core::fmt::Display for BufError<B> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.error, f)
    }
}

impl<B> std::error::Error for BufError<B> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<B> From<BufError<B>> for io::Error {
    fn from(e: BufError<B>) -> io::Error {
        e.error
    }
}

/// Turns an operation's `(io::Result<T>, B)` into a [`BufResult`].
pub trait BufResultExt<T, B> {
    /// `Ok((value, buf))`, or `Err(BufError { error, buf })`.
    fn into_buf_result(self) -> BufResult<T, B>;
}

impl<T, B> BufResultExt<T, B> for (io::Result<T>, B) {
    fn into_buf_result(self) -> BufResult<T, B> {
        match self {
            (Ok(v), buf) => Ok((v, buf)),
            (Err(error), buf) => Err(BufError { error, buf }),
        }
    }
}
