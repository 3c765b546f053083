//! Rule: a count reported by a reader or writer the library did not write
//! (`PollRead`, `PollBufRead` and `PollWrite` are public traits any type
//! may implement) is checked against the buffer it was given: more than
//! that fails with `io::ErrorKind::InvalidData`, never a panic (a slice
//! past the buffer) and never a total counting bytes that were not copied.

use crate::hostile::panics;
use ring_core::io::{copy, BufReader, PollBufRead, PollRead, PollWrite};
use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits (every reader and writer here is ready).
fn now<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("the future waited; nothing here ever waits"),
    }
}

/// Yields `data` once, then end of file; `extra` is added to what each
/// `poll_read` reports.
struct Source {
    data: Vec<u8>,
    at: usize,
    extra: usize,
}

impl PollRead for Source {
    fn poll_read(&mut self, _: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Poll::Ready(Ok(n + self.extra))
    }
}

impl PollBufRead for Source {
    fn poll_fill_buf(&mut self, _: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        Poll::Ready(Ok(&self.data[self.at..]))
    }

    fn consume(&mut self, amt: usize) {
        self.at = (self.at + amt).min(self.data.len());
    }
}

/// Accepts everything and reports `claim(len)` bytes written.
struct Sink {
    claim: fn(usize) -> usize,
}

impl PollWrite for Sink {
    fn poll_write(&mut self, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok((self.claim)(buf.len())))
    }

    fn poll_flush(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// A writer that claims more than it was given ends the copy with
/// `InvalidData` (it used to make `copy` return `u64::MAX`).
#[test]
fn copy_refuses_a_writer_reporting_more_than_it_was_given() {
    for claim in [(|_| usize::MAX) as fn(usize) -> usize, |len| len + 1] {
        let mut from = Source { data: b"sixteen bytes!!!".to_vec(), at: 0, extra: 0 };
        let mut to = Sink { claim };
        let r = now(copy(&mut from, &mut to));
        assert_eq!(r.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidData));
    }
    // An honest writer copies everything.
    let mut from = Source { data: b"sixteen bytes!!!".to_vec(), at: 0, extra: 0 };
    let mut to = Sink { claim: |len| len };
    assert_eq!(now(copy(&mut from, &mut to)).unwrap(), 16);
}

/// A reader that claims more than the buffer it was given: `BufReader`
/// passes `InvalidData` on, and `read_exact` fails with it instead of
/// slicing past the caller's buffer (a panic inside the library).
#[test]
fn a_reader_reporting_more_than_the_buffer_is_invalid_data() {
    let mut r = BufReader::new(Source { data: b"abcdefgh".to_vec(), at: 0, extra: 5 });
    let mut four = [0u8; 4];
    let mut out = None;
    assert!(!panics(|| out = Some(now(r.read_exact(&mut four)))), "read_exact panicked on the reader's count");
    assert_eq!(out.unwrap().map_err(|e| e.kind()), Err(io::ErrorKind::InvalidData));
    let mut r = BufReader::new(Source { data: b"abcdefgh".to_vec(), at: 0, extra: 1 });
    let mut buf = [0u8; 4];
    let n = now(std::future::poll_fn(|cx| PollRead::poll_read(&mut r, cx, &mut buf)));
    assert_eq!(n.map_err(|e| e.kind()), Err(io::ErrorKind::InvalidData));
}
