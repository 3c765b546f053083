//! The state of a completion-stream run: the simulated kernel and the
//! driver, the operations in flight ([`Live`]) with what each outcome must
//! look like, and the steps that start and poll them.

use crate::cqe_stream::canary::{Canary, CANARY};
use crate::cqe_stream::steps::Start;
use crate::sim::SimKernel;
use ring_core::ops::{Nop, PollMulti, Read, ReadPool, ReadPoolMulti, SendZc};
use ring_core::pool::{BufferPool, PoolBuf};
use ring_core::register::BufRingConfig;
use ring_core::{Driver, MultiOp, Op, SharedFd};
use std::future::Future;
use std::os::fd::RawFd;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Length of the model file the reads read.
pub(super) const FILE_LEN: usize = 512;
/// Buffers per pool, and their length.
pub(super) const POOL_BUFS: u16 = 4;
pub(super) const POOL_BUF_LEN: u32 = 48;

pub(super) fn file_byte(i: usize) -> u8 {
    (i * 13 % 251) as u8 ^ 0x3c
}

/// The byte a pipe's `n`-th written byte holds.
pub(super) fn pipe_byte(pipe: usize, n: usize) -> u8 {
    (n * 7 + pipe * 31) as u8
}

/// A live operation and what its outcome must look like.
pub(super) enum Live {
    Read { op: Op<Read<Canary>, SimKernel>, off: usize, len: usize },
    PoolRead { op: Op<ReadPool, SimKernel>, off: usize },
    Poll { op: MultiOp<PollMulti, SimKernel> },
    PoolStream { op: MultiOp<ReadPoolMulti, SimKernel>, pipe: usize, got: usize },
    SendZc { op: Op<SendZc<Vec<u8>>, SimKernel>, len: usize },
    Nop { op: Op<Nop, SimKernel> },
}

impl Live {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Live::Read { .. } => "read",
            Live::PoolRead { .. } => "pool read",
            Live::Poll { .. } => "poll stream",
            Live::PoolStream { .. } => "pool stream",
            Live::SendZc { .. } => "zero-copy send",
            Live::Nop { .. } => "nop",
        }
    }

    pub(super) fn user_data(&self) -> Option<u64> {
        match self {
            Live::Read { op, .. } => op.user_data(),
            Live::PoolRead { op, .. } => op.user_data(),
            Live::SendZc { op, .. } => op.user_data(),
            Live::Nop { op } => op.user_data(),
            // A stream's `user_data` is not exposed; its entry's older
            // generations are still forged through `Forge::Stale` over every
            // entry used before.
            Live::Poll { .. } | Live::PoolStream { .. } => None,
        }
    }
}

/// The write end of the pipe a pool stream reads, and how many bytes
/// were written into it.
pub(super) struct Pipe {
    pub(super) write: RawFd,
    pub(super) written: usize,
}

/// The state of a run.
pub(super) struct World {
    pub(super) sim: SimKernel,
    pub(super) driver: Driver<SimKernel>,
    pub(super) ring: RawFd,
    pub(super) cq_entries: u32,
    pub(super) file: SharedFd,
    pub(super) pollable: SharedFd,
    pub(super) sock: SharedFd,
    pub(super) pool: Option<BufferPool>,
    pub(super) next_bgid: u16,
    pub(super) pipes: Vec<Pipe>,
    pub(super) live: Vec<Live>,
    /// Pool buffers the application holds, with the bytes they must keep.
    pub(super) held: Vec<(PoolBuf, Vec<u8>)>,
    /// Injected completions the driver must count as stale when it reaps
    /// them (not wake-ups, not fillers a mixed ring's reader skips).
    pub(super) forged_stale: u64,
    pub(super) forgotten: usize,
}

pub(super) fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

impl World {
    pub(super) fn check(&self, when: &str) {
        let v = self.sim.violations();
        assert!(v.is_empty(), "{when}: the simulated kernel saw {v:#?}");
        for (b, want) in &self.held {
            assert_eq!(&b[..], &want[..], "{when}: pool buffer {} changed while the application held it", b.bid());
        }
    }

    /// A turn of the driver: submit and reap without blocking, then a wait
    /// that asks for events and times out at once (on a `DEFER_TASKRUN`
    /// ring completions appear only in such an enter).
    pub(super) fn turn(&self) {
        let _ = self.driver.poll();
        let _ = self.driver.park(Some(Duration::ZERO));
    }

    /// Polls live operation `i`; returns true if it finished (and was judged).
    pub(super) fn poll(&mut self, i: usize) -> bool {
        let mut cx = cx();
        let live = &mut self.live[i];
        match live {
            Live::Read { op, off, len } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready((r, buf)) => {
                    let (off, len) = (*off, *len);
                    let n = match r {
                        Ok(n) => n,
                        Err(e) => {
                            assert!(is_kernel_error(&e), "a read failed with {e}");
                            0
                        }
                    };
                    assert!(n <= len, "a read of {len} returned {n}");
                    let want = &file()[off.min(FILE_LEN)..(off + n).min(FILE_LEN)];
                    assert_eq!(&buf.data[..], want, "a read returned bytes that are not the file's at {off}");
                    assert!(buf.tail().iter().all(|&b| b == CANARY), "a read wrote past its {n} bytes");
                    true
                }
            },
            Live::PoolRead { op, off } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready(r) => {
                    let off = *off;
                    match r {
                        Ok(b) => {
                            assert!(b.len() <= POOL_BUF_LEN as usize);
                            let want = &file()[off.min(FILE_LEN)..(off + b.len()).min(FILE_LEN)];
                            assert_eq!(&b[..], want, "a pool read's buffer {} does not hold the file's bytes", b.bid());
                            let want = want.to_vec();
                            self.held.push((b, want));
                        }
                        Err(e) => assert!(is_kernel_error(&e), "a pool read failed with {e}"),
                    }
                    true
                }
            },
            Live::Poll { op } => loop {
                match op.poll_next(&mut cx) {
                    Poll::Pending => return false,
                    Poll::Ready(None) => return true,
                    Poll::Ready(Some(Ok(mask))) => {
                        let allowed = (libc::POLLIN | libc::POLLRDNORM | libc::POLLERR | libc::POLLHUP) as u32;
                        assert!(mask != 0 && mask & !allowed == 0, "a poll stream delivered the mask {mask:#x}");
                    }
                    Poll::Ready(Some(Err(e))) => assert!(is_kernel_error(&e), "a poll stream failed with {e}"),
                }
            },
            Live::PoolStream { op, pipe, got } => loop {
                match op.poll_next(&mut cx) {
                    Poll::Pending => return false,
                    Poll::Ready(None) => return true,
                    Poll::Ready(Some(Ok(b))) => {
                        let want: Vec<u8> = (*got..*got + b.len()).map(|n| pipe_byte(*pipe, n)).collect();
                        assert_eq!(&b[..], &want[..], "a pool stream's item is not the pipe's next bytes");
                        *got += b.len();
                        self.held.push((b, want));
                    }
                    Poll::Ready(Some(Err(e))) => assert!(is_kernel_error(&e), "a pool stream failed with {e}"),
                }
            },
            Live::SendZc { op, len } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready((r, buf)) => {
                    if let Ok(n) = r {
                        assert!(n <= *len, "a send of {len} reported {n}");
                    } else if let Err(e) = r {
                        assert!(is_kernel_error(&e), "a send failed with {e}");
                    }
                    assert!(buf.len() == *len && buf.iter().all(|&b| b == 0x5a), "a send's buffer came back changed");
                    true
                }
            },
            Live::Nop { op } => match core::pin::Pin::new(op).poll(&mut cx) {
                Poll::Pending => false,
                Poll::Ready(r) => {
                    assert!(r.is_ok(), "a NOP failed with {r:?}");
                    true
                }
            },
        }
    }

    pub(super) fn poll_at(&mut self, k: u8) {
        if self.live.is_empty() {
            return;
        }
        let i = usize::from(k) % self.live.len();
        if self.poll(i) {
            self.live.swap_remove(i);
        }
    }

    pub(super) fn start(&mut self, s: Start) {
        let d = self.driver.clone();
        let live = match s {
            Start::Read { off, len } => {
                let off = usize::from(off) % FILE_LEN;
                let len = usize::from(len).max(1);
                let op = d.op(Read::new(&self.file, Canary::new(len + 8), off as u64));
                Live::Read { op, off, len: len + 8 }
            }
            Start::PoolRead { off } => {
                let Some(pool) = &self.pool else { return };
                let off = usize::from(off) % FILE_LEN;
                Live::PoolRead { op: d.read_pool(&self.file, pool, off as u64), off }
            }
            Start::Poll => Live::Poll { op: d.poll_multishot(&self.pollable, libc::POLLIN as u32) },
            Start::PoolStream => {
                let Some(pool) = &self.pool else { return };
                let (read, write) = self.sim.add_pipe();
                self.pipes.push(Pipe { write, written: 0 });
                let pipe = self.pipes.len() - 1;
                Live::PoolStream { op: d.read_pool_multishot(&sim_fd(read), pool), pipe, got: 0 }
            }
            Start::SendZc { len } => {
                let len = usize::from(len).max(1);
                Live::SendZc { op: d.op(SendZc::new(&self.sock, vec![0x5a; len], 0)), len }
            }
            Start::Nop => Live::Nop { op: d.op(Nop) },
        };
        self.live.push(live);
        let i = self.live.len() - 1;
        if self.poll(i) {
            self.live.swap_remove(i);
        }
    }
}

/// A handle on descriptor `fd` of the simulated kernel, for operations
/// submitted to it.
pub(super) fn sim_fd(fd: RawFd) -> SharedFd {
    // SAFETY: `fd` names an object of the simulated kernel that the run
    // never closes (only pipes' write ends, which no operation names, are
    // closed), so it stays open for every operation naming it; the handle
    // only ever reaches operations on that kernel, never a real system
    // call, and dropping it closes nothing.
    unsafe { SharedFd::borrow_raw(fd) }
}

pub(super) fn file() -> &'static [u8] {
    static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    FILE.get_or_init(|| (0..FILE_LEN).map(file_byte).collect())
}

/// Errors the kernel may report for the operations here (a cancellation,
/// a pool run dry, a stream ended by the simulator's chaos, an interrupted
/// or timed-out wait).
pub(super) fn is_kernel_error(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::ECANCELED | libc::ENOBUFS | libc::EINTR | libc::ETIME | libc::EAGAIN | libc::EALREADY)
    )
}

pub(super) fn new_pool(driver: &Driver<SimKernel>, bgid: u16) -> BufferPool {
    BufferPool::new(driver, BufRingConfig::new(bgid, POOL_BUFS).buffers(POOL_BUFS, POOL_BUF_LEN))
        .expect("a pool on the simulated kernel")
}
