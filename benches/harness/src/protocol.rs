//! The network workloads' protocol: the fixed HTTP response, the request
//! parser every server shares, and the address a server listens on.

use crate::measure::add_ops;
use crate::Args;
use std::io::{self, Write};

/// The one answer of every HTTP server: 13 bytes of body, kept alive.
pub const HTTP_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\n\r\nHello, world!";

/// Counts complete request heads (each ended by an empty line) in `buf`,
/// returning how many and where the unfinished remainder starts. Every
/// HTTP server of every stack parses with this function and answers each
/// request with [`HTTP_RESPONSE`] (pipelined requests in order).
pub fn complete_requests(buf: &[u8]) -> (usize, usize) {
    let (mut n, mut start) = (0, 0);
    while let Some(i) = find_blank_line(&buf[start..]) {
        n += 1;
        start += i + 4;
    }
    (n, start)
}

fn find_blank_line(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n")
}

/// An HTTP connection's state: the bytes of an unfinished request head
/// carried over between reads, and the answer being built. Fed each read,
/// it returns the bytes to write (empty if no request was complete).
#[derive(Debug, Default)]
pub struct HttpConn {
    pending: Vec<u8>,
    out: Vec<u8>,
}

impl HttpConn {
    /// A connection with room for 16 pipelined answers.
    pub fn new() -> Self {
        HttpConn { pending: Vec::new(), out: Vec::with_capacity(HTTP_RESPONSE.len() * 16) }
    }

    /// Parses `input` (the bytes just read) and fills `out` with one answer
    /// per complete request; counts the requests with [`add_ops`]. Returns
    /// how many requests were complete.
    pub fn feed_into(&mut self, input: &[u8], out: &mut Vec<u8>) -> usize {
        out.clear();
        let reqs = if self.pending.is_empty() {
            let (n, rest) = complete_requests(input);
            self.pending.extend_from_slice(&input[rest..]);
            n
        } else {
            self.pending.extend_from_slice(input);
            let (n, rest) = complete_requests(&self.pending);
            self.pending.drain(..rest);
            n
        };
        for _ in 0..reqs {
            out.extend_from_slice(HTTP_RESPONSE);
        }
        add_ops(reqs as u64);
        reqs
    }

    /// [`feed_into`](Self::feed_into) into the connection's own buffer.
    pub fn feed(&mut self, input: &[u8]) -> &[u8] {
        let mut out = std::mem::take(&mut self.out);
        self.feed_into(input, &mut out);
        self.out = out;
        &self.out
    }
}

/// The address every server listens on: 127.0.0.1 and `--port`.
pub fn listen_addr(args: &Args, default_port: u16) -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], args.num("--port", u64::from(default_port)) as u16))
}

/// Announces that a server listens, for the comparison script, which waits
/// for this line before it starts the load.
pub fn ready(addr: std::net::SocketAddr) {
    let mut out = io::stdout().lock();
    let _ = writeln!(out, "READY\t{addr}");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_across_reads() {
        let mut c = HttpConn::new();
        let req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        assert_eq!(c.feed(req).len(), HTTP_RESPONSE.len());
        let mut two = req.to_vec();
        two.extend_from_slice(req);
        assert_eq!(c.feed(&two[..10]).len(), 0);
        assert_eq!(c.feed(&two[10..40]).len(), HTTP_RESPONSE.len());
        assert_eq!(c.feed(&two[40..]).len(), HTTP_RESPONSE.len());
        assert!(c.pending.is_empty());
    }
}
