//! The servers each core runs: HTTP/1.1 keep-alive with its request parser,
//! and echo.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The fixed answer of core `core` to every request: the same length on
/// every core (the core as four hex digits), so a client counts answers by
/// their length.
pub fn http_response(core: usize) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\nX-Core: {:04x}\r\n\r\nHello, world!",
        core & 0xffff
    )
    .into_bytes()
}

/// What a client sends: a request as a small HTTP client would.
pub const HTTP_REQUEST: &[u8] =
    b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: per_core_scaling\r\nAccept: */*\r\n\r\n";

/// Why a request cannot be served.
#[derive(Debug)]
pub struct BadRequest(&'static str);

/// Where the head of the request at the front of `buf` ends (just past its
/// empty line), if it is complete.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(p) = buf[from..].iter().position(|&b| b == b'\n') {
        let nl = from + p;
        if nl >= 3 && &buf[nl - 3..=nl] == b"\r\n\r\n" {
            return Some(nl + 1);
        }
        from = nl + 1;
    }
    None
}

pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// Parses the request at the front of `buf`: `Ok(None)` while it is
/// incomplete, else its length (head and body) and whether the client asked
/// for the connection to close after it.
pub fn parse_request(buf: &[u8]) -> Result<Option<(usize, bool)>, BadRequest> {
    let Some(end) = head_end(buf) else {
        return if buf.len() > 64 * 1024 { Err(BadRequest("a request head over 64 KiB")) } else { Ok(None) };
    };
    let mut lines = buf[..end - 4].split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let request_line = lines.next().ok_or(BadRequest("no request line"))?;
    let mut parts = request_line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(BadRequest("a request line is a method, a target and a version"));
    };
    if method.is_empty() || !method.iter().all(u8::is_ascii_uppercase) {
        return Err(BadRequest("a bad method"));
    }
    if !(target.starts_with(b"/") || target == b"*") {
        return Err(BadRequest("a bad request target"));
    }
    let mut close = match version {
        b"HTTP/1.1" => false,
        b"HTTP/1.0" => true,
        _ => return Err(BadRequest("a version other than HTTP/1.0 or HTTP/1.1")),
    };
    let mut body = 0usize;
    for line in lines {
        let colon = line.iter().position(|&b| b == b':').ok_or(BadRequest("a header line without ':'"))?;
        let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
        if name.eq_ignore_ascii_case(b"content-length") {
            body = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.parse().ok())
                .ok_or(BadRequest("a bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case(b"connection") {
            if value.eq_ignore_ascii_case(b"close") {
                close = true;
            } else if value.eq_ignore_ascii_case(b"keep-alive") {
                close = false;
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(BadRequest("chunked bodies are not served here"));
        }
    }
    let total = end.checked_add(body).ok_or(BadRequest("a bad Content-Length"))?;
    Ok((buf.len() >= total).then_some((total, close)))
}

/// Parses every complete request at the front of `buf`, appending one
/// `response` per request to `out`: how many bytes were consumed, and
/// whether the connection closes after them.
pub fn answer(buf: &[u8], response: &[u8], out: &mut Vec<u8>) -> Result<(usize, bool), BadRequest> {
    let mut at = 0;
    while let Some((len, close)) = parse_request(&buf[at..])? {
        at += len;
        out.extend_from_slice(response);
        if close {
            return Ok((at, true));
        }
    }
    Ok((at, false))
}

pub async fn serve_http(s: ring_core::net::TcpStream, response: Arc<[u8]>, served: Arc<AtomicU64>) {
    let mut pending: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::with_capacity(64 * response.len());
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        let (n, b) = s.read(buf).await;
        buf = b;
        if !matches!(n, Ok(n) if n > 0) {
            return;
        }
        out.clear();
        // Requests are parsed where they landed; only an unfinished one is
        // copied aside until the rest arrives.
        let parsed = if pending.is_empty() {
            answer(&buf, &response, &mut out).map(|(used, close)| {
                pending.extend_from_slice(&buf[used..]);
                close
            })
        } else {
            pending.extend_from_slice(&buf);
            answer(&pending, &response, &mut out).map(|(used, close)| {
                pending.drain(..used);
                close
            })
        };
        let close = match parsed {
            Ok(close) => close,
            Err(BadRequest(why)) => {
                // The answers to the requests before the bad one, then a
                // 400 saying why, and the connection closes.
                let bad = format!(
                    "HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{why}",
                    why.len()
                );
                out.extend_from_slice(bad.as_bytes());
                let _ = s.write_all(out).await;
                return;
            }
        };
        if out.is_empty() {
            continue;
        }
        // Counted when handed to the kernel: a client may count an answer
        // before a long write has returned here.
        served.fetch_add((out.len() / response.len()) as u64, Ordering::Relaxed);
        let (r, o) = s.write_all(out).await;
        out = o;
        if r.is_err() || close {
            return;
        }
    }
}

pub async fn serve_echo(s: ring_core::net::TcpStream, core: usize) {
    let (r, _) = s.write_all((core as u16).to_le_bytes().to_vec()).await;
    if r.is_err() {
        return;
    }
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        let (n, b) = s.read(buf).await;
        if !matches!(n, Ok(n) if n > 0) {
            return;
        }
        let (r, mut b) = s.write_all(b).await;
        if r.is_err() {
            return;
        }
        b.clear();
        buf = b;
    }
}
