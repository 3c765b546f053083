//! The one echo client every echo server is measured with: a
//! single-threaded epoll loop (std and libc only, so it favours no stack)
//! that keeps `--conns` connections each with one message of
//! `--msg-size` bytes in flight: send it, wait until all of it has come
//! back (checking every byte), send the next.
//!
//! Usage: `load_echo [--port P] [--conns 64] [--msg-size 512]
//! [--warmup S] [--seconds S]`
//!
//! It prints `WARM` when the warm-up ends and `DONE` when the measured
//! window ends (the comparison script starts and stops the server's
//! window on these lines), then a `RESULT` line with the client's own
//! count of round trips, and exits.

use bench_harness::{Args, CountingAlloc, Record, Snapshot};
use std::io::{self, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Conn {
    stream: TcpStream,
    /// Bytes of the current message sent so far.
    sent: usize,
    /// Bytes of the current message received back so far.
    got: usize,
    /// The message's first byte, which differs per round so that a stale
    /// echo would be noticed.
    round: u8,
}

fn set_nonblocking(s: &TcpStream) {
    s.set_nonblocking(true).expect("O_NONBLOCK");
}

fn epoll_ctl(ep: i32, op: i32, fd: i32, events: u32, token: u64) {
    let mut ev = libc::epoll_event { events, u64: token };
    // SAFETY: a valid epoll_event for the duration of the call.
    let rc = unsafe { libc::epoll_ctl(ep, op, fd, &mut ev) };
    assert_eq!(rc, 0, "epoll_ctl: {}", io::Error::last_os_error());
}

/// Writes as much of the current message as the socket takes; returns
/// whether the message is now fully sent.
fn send_more(c: &mut Conn, msg: &mut [u8]) -> bool {
    msg[0] = c.round;
    while c.sent < msg.len() {
        // SAFETY: `msg[sent..]` is a valid readable slice.
        let n = unsafe {
            libc::send(c.stream.as_raw_fd(), msg[c.sent..].as_ptr().cast(), msg.len() - c.sent, libc::MSG_NOSIGNAL)
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::WouldBlock {
                return false;
            }
            panic!("send: {e}");
        }
        c.sent += n as usize;
    }
    true
}

fn main() {
    let args = Args::from_env();
    let port = args.num("--port", 7878) as u16;
    let conns = args.num("--conns", 64) as usize;
    let size = args.num("--msg-size", 512).max(1) as usize;
    let warmup = args.secs("--warmup", 1.0);
    let seconds = args.secs("--seconds", 5.0);

    // SAFETY: plain system call.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    assert!(ep >= 0, "epoll_create1: {}", io::Error::last_os_error());
    let mut cs: Vec<Conn> = Vec::with_capacity(conns);
    for i in 0..conns {
        let s = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
        s.set_nodelay(true).expect("TCP_NODELAY");
        set_nonblocking(&s);
        epoll_ctl(ep, libc::EPOLL_CTL_ADD, s.as_raw_fd(), libc::EPOLLIN as u32, i as u64);
        cs.push(Conn { stream: s, sent: 0, got: 0, round: 1 });
    }
    let mut msg: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
    let mut rbuf = vec![0u8; 64 * 1024];
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; conns.max(1)];
    for c in cs.iter_mut() {
        if !send_more(c, &mut msg) {
            epoll_ctl(ep, libc::EPOLL_CTL_MOD, c.stream.as_raw_fd(), (libc::EPOLLIN | libc::EPOLLOUT) as u32, 0);
        }
    }

    let start = Instant::now();
    let warm_at = start + warmup;
    let end_at = warm_at + seconds;
    let mut warm: Option<(Snapshot, u64)> = None;
    let mut trips = 0u64;
    let mut out = io::stdout();
    loop {
        // SAFETY: `events` is a valid array of its length.
        let n = unsafe { libc::epoll_wait(ep, events.as_mut_ptr(), events.len() as i32, 100) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            panic!("epoll_wait: {e}");
        }
        for ev in &events[..n as usize] {
            let i = ev.u64 as usize;
            let c = &mut cs[i];
            if ev.events & libc::EPOLLOUT as u32 != 0 && c.sent < size && send_more(c, &mut msg) {
                epoll_ctl(ep, libc::EPOLL_CTL_MOD, c.stream.as_raw_fd(), libc::EPOLLIN as u32, i as u64);
            }
            if ev.events & (libc::EPOLLIN | libc::EPOLLERR | libc::EPOLLHUP) as u32 == 0 {
                continue;
            }
            loop {
                let want = (size - c.got).min(rbuf.len());
                if want == 0 {
                    break;
                }
                // SAFETY: `rbuf[..want]` is a valid writable slice.
                let r = unsafe { libc::recv(c.stream.as_raw_fd(), rbuf.as_mut_ptr().cast(), want, 0) };
                if r < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::WouldBlock {
                        break;
                    }
                    panic!("recv: {e}");
                }
                if r == 0 {
                    panic!("the server closed connection {i}");
                }
                let r = r as usize;
                for (k, &b) in rbuf[..r].iter().enumerate() {
                    let pos = c.got + k;
                    let expect = if pos == 0 { c.round } else { msg[pos] };
                    assert_eq!(b, expect, "connection {i}: echoed byte {pos} differs");
                }
                c.got += r;
            }
            if c.got == size {
                trips += 1;
                c.got = 0;
                c.sent = 0;
                c.round = c.round.wrapping_add(1).max(1);
                if !send_more(c, &mut msg) {
                    epoll_ctl(
                        ep,
                        libc::EPOLL_CTL_MOD,
                        c.stream.as_raw_fd(),
                        (libc::EPOLLIN | libc::EPOLLOUT) as u32,
                        i as u64,
                    );
                }
            }
        }
        let now = Instant::now();
        if warm.is_none() && now >= warm_at {
            warm = Some((Snapshot::now(), trips));
            let _ = writeln!(out, "WARM");
            let _ = out.flush();
        }
        if now >= end_at {
            break;
        }
    }
    let _ = writeln!(out, "DONE");
    let _ = out.flush();
    let (s0, t0) = warm.unwrap_or((Snapshot::now(), trips));
    let m = s0.finish(trips - t0);
    Record::new("load_echo", "client", "echo").field("conns", conns).field("msg_size", size).window(&m).print();
    // Closing the sockets ends the server's connection tasks.
    drop(cs);
    // SAFETY: closes the epoll descriptor this function created.
    unsafe { libc::close(ep) };
    std::thread::sleep(Duration::from_millis(10));
}
