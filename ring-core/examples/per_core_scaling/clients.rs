//! The load generator: balanced connections and client threads that keep
//! batches in flight and count the answers by their length.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::servers::{http_response, HTTP_REQUEST};

/// How a workload's clients load the servers.
#[derive(Clone, Copy)]
pub struct Load {
    pub http: bool,
    /// Requests (or 64-byte messages) per batch, sent with one `write`.
    pub batch: usize,
    /// Batches in flight per connection.
    pub depth: usize,
    /// Connections per core.
    pub conns_per_core: usize,
    /// Client threads per core.
    pub threads_per_core: usize,
}

pub const ECHO_MESSAGE: usize = 64;

/// One client connection: its socket and the answer to one batch.
pub struct Conn {
    pub s: TcpStream,
    pub expect: Arc<[u8]>,
}

/// Opens connections to `addr` until each of the `cores` has `per_core` of
/// them, learning each one's core from its first answer (which is checked
/// byte for byte).
pub fn connect_balanced(
    addr: SocketAddr,
    cores: usize,
    per_core: usize,
    load: Load,
) -> std::io::Result<Vec<(usize, Conn)>> {
    let mut got: Vec<(usize, Conn)> = Vec::new();
    let mut per = vec![0usize; cores];
    let mut tries = 0;
    while got.len() < cores * per_core {
        tries += 1;
        if tries > 256 * cores * per_core {
            return Err(std::io::Error::other(format!("the kernel spread connections over the cores as {per:?}")));
        }
        let mut s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let (core, one) = if load.http {
            s.write_all(HTTP_REQUEST)?;
            let mut resp = vec![0u8; http_response(0).len()];
            s.read_exact(&mut resp)?;
            let text = String::from_utf8_lossy(&resp);
            let core = text
                .split("\r\n")
                .find_map(|l| l.strip_prefix("X-Core: "))
                .and_then(|h| usize::from_str_radix(h, 16).ok())
                .ok_or_else(|| std::io::Error::other(format!("an answer without its core: {text:?}")))?;
            if resp != http_response(core) {
                return Err(std::io::Error::other(format!("a wrong answer: {text:?}")));
            }
            (core, resp)
        } else {
            let mut hello = [0u8; 2];
            s.read_exact(&mut hello)?;
            (u16::from_le_bytes(hello) as usize, vec![0x5a; ECHO_MESSAGE])
        };
        if core >= cores {
            return Err(std::io::Error::other(format!("an answer from core {core} of {cores}")));
        }
        if per[core] == per_core {
            continue;
        }
        per[core] += 1;
        let expect: Arc<[u8]> = one.repeat(load.batch).into();
        got.push((core, Conn { s, expect }));
    }
    got.sort_by_key(|(core, _)| *core);
    Ok(got)
}

/// Reads exactly `len` bytes; with `discard`, the kernel drops them
/// without copying them out (`MSG_TRUNC` on TCP).
pub fn read_batch(s: &mut TcpStream, buf: &mut [u8], len: usize, discard: bool) -> std::io::Result<()> {
    let mut got = 0;
    while got < len {
        let n = if discard {
            // SAFETY: `buf` is writable for `len - got` bytes (`len` is at
            // most its length); with MSG_TRUNC the kernel writes nothing.
            let n = unsafe {
                libc::recv(s.as_raw_fd(), buf.as_mut_ptr().cast(), len - got, libc::MSG_TRUNC | libc::MSG_NOSIGNAL)
            };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            n as usize
        } else {
            s.read(&mut buf[got..len])?
        };
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        got += n;
    }
    Ok(())
}

pub fn client(
    mut conns: Vec<Conn>,
    request: Arc<[u8]>,
    per_batch: u64,
    depth: usize,
    stop: Arc<AtomicBool>,
    done: Arc<AtomicU64>,
) -> std::io::Result<()> {
    let mut buf = vec![0u8; conns.iter().map(|c| c.expect.len()).max().unwrap_or(0)];
    for c in &mut conns {
        for _ in 0..depth {
            c.s.write_all(&request)?;
        }
    }
    let mut batches = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for c in &mut conns {
            let len = c.expect.len();
            // One batch in 64 is copied out and checked.
            let check = batches % 64 == 0;
            read_batch(&mut c.s, &mut buf, len, !check)?;
            if check && buf[..len] != c.expect[..] {
                return Err(std::io::Error::other("a wrong answer"));
            }
            batches += 1;
            done.fetch_add(per_batch, Ordering::Relaxed);
            c.s.write_all(&request)?;
        }
    }
    Ok(())
}
