//! Racing futures without a macro, handing back the ones that lost.
//!
//! [`race`] polls two futures and resolves with the first output *and the
//! other future*, unfinished, so that nothing it owns is lost: a losing
//! [`Op`](crate::Op) can be awaited on, or cancelled with
//! [`Op::cancel`](crate::Op::cancel), which gives its buffer back.
//! [`race3`] does the same for three. The futures must be `Unpin`
//! (operations are); pin others first (`std::pin::pin!(fut)` gives a
//! `Pin<&mut F>`, which is).
//!
//! The race is biased: the first future is polled first, so when both are
//! ready at the same poll, the first wins.
//!
//! ```
//! use ring_core::select::{race, Either};
//! use std::os::unix::net::UnixStream;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let rt = ring_core::Runtime::new(8)?;
//! let d = rt.driver().clone();
//! let (a, _b) = UnixStream::pair()?;
//! let a = Rc::new(a);
//! let buf = rt.block_on(async move {
//!     let read = d.recv(&a, Vec::with_capacity(512), 0);
//!     match race(read, d.sleep(Duration::from_millis(10))).await {
//!         Either::Left(((res, buf), _timer)) => res.map(|_| buf),
//!         // The timer won: cancel the read and take its buffer back.
//!         Either::Right((read, _)) => Ok::<_, std::io::Error>(read.cancel().await.into_inner().1),
//!     }
//! })?;
//! let buf: Vec<u8> = buf?;
//! assert_eq!(buf.capacity(), 512);
//! # Ok::<(), std::io::Error>(())
//! ```

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

/// One of two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either<L, R> {
    /// The first.
    Left(L),
    /// The second.
    Right(R),
}

/// One of three values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Either3<A, B, C> {
    /// The first.
    First(A),
    /// The second.
    Second(B),
    /// The third.
    Third(C),
}

/// Polls `a` and `b` until one is ready: its output with the other future
/// (see the [module docs](self)).
pub fn race<A, B>(a: A, b: B) -> Race<A, B>
where
    A: Future + Unpin,
    B: Future + Unpin,
{
    Race { both: Some((a, b)) }
}

/// Polls `a`, `b` and `c` until one is ready: its output with the two
/// others.
///
/// ```
/// use ring_core::select::{race3, Either3};
/// use std::time::Duration;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let winner = rt.block_on(async move {
///     let slow = d.sleep(Duration::from_secs(60));
///     let fast = d.sleep(Duration::from_millis(1));
///     let never = std::future::pending::<()>();
///     match race3(slow, fast, never).await {
///         Either3::Second((slow, _, _)) => {
///             // The loser's kernel timer is cancelled explicitly.
///             assert!(slow.cancel().await.was_cancelled());
///             2
///         }
///         _ => 0,
///     }
/// })?;
/// assert_eq!(winner, 2);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn race3<A, B, C>(a: A, b: B, c: C) -> Race3<A, B, C>
where
    A: Future + Unpin,
    B: Future + Unpin,
    C: Future + Unpin,
{
    Race3 { all: Some((a, b, c)) }
}

/// The future of [`race`].
///
/// ```
/// use ring_core::select::{race, race3, Either, Either3, Race, Race3};
/// use std::future::{pending, ready};
///
/// let rt = ring_core::Runtime::new(8)?;
/// rt.block_on(async {
///     let r: Race<_, _> = race(pending::<()>(), ready(2));
///     match r.await {
///         Either::Right((_loser, two)) => assert_eq!(two, 2),
///         Either::Left(_) => unreachable!(),
///     }
///     let r3: Race3<_, _, _> = race3(pending::<()>(), pending::<()>(), ready('c'));
///     assert!(matches!(r3.await, Either3::Third(_)));
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Race<A, B> {
    both: Option<(A, B)>,
}

impl<A: Future + Unpin, B: Future + Unpin> Future for Race<A, B> {
    type Output = Either<(A::Output, B), (A, B::Output)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Polled after it resolved: stays pending. Both are polled where
        // they lie, so a poll that unwinds loses neither.
        let Some((a, b)) = self.both.as_mut() else { return Poll::Pending };
        if let Poll::Ready(out) = Pin::new(a).poll(cx) {
            return match self.both.take() {
                Some((_, b)) => Poll::Ready(Either::Left((out, b))),
                None => Poll::Pending,
            };
        }
        if let Poll::Ready(out) = Pin::new(b).poll(cx) {
            return match self.both.take() {
                Some((a, _)) => Poll::Ready(Either::Right((a, out))),
                None => Poll::Pending,
            };
        }
        Poll::Pending
    }
}

/// The future of [`race3`].
#[must_use = "futures do nothing unless polled"]
#[derive(Debug)]
pub struct Race3<A, B, C> {
    all: Option<(A, B, C)>,
}

impl<A: Future + Unpin, B: Future + Unpin, C: Future + Unpin> Future for Race3<A, B, C> {
    type Output = Either3<(A::Output, B, C), (A, B::Output, C), (A, B, C::Output)>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some((a, b, c)) = self.all.as_mut() else { return Poll::Pending };
        if let Poll::Ready(out) = Pin::new(a).poll(cx) {
            return match self.all.take() {
                Some((_, b, c)) => Poll::Ready(Either3::First((out, b, c))),
                None => Poll::Pending,
            };
        }
        if let Poll::Ready(out) = Pin::new(b).poll(cx) {
            return match self.all.take() {
                Some((a, _, c)) => Poll::Ready(Either3::Second((a, out, c))),
                None => Poll::Pending,
            };
        }
        if let Poll::Ready(out) = Pin::new(c).poll(cx) {
            return match self.all.take() {
                Some((a, b, _)) => Poll::Ready(Either3::Third((a, b, out))),
                None => Poll::Pending,
            };
        }
        Poll::Pending
    }
}
