//! The operations the simulated kernel models: how each SQE is prepared
//! (what it copies at submission, which user memory it holds) and how it
//! runs (what it reads and writes, and which completions it posts).
//!
//! Preparation happens while the SQE is consumed, as in the kernel's
//! `io_init_req` and the opcode's `prep`: paths, timespecs and iovec arrays
//! are copied then (`IORING_FEAT_SUBMIT_STABLE`). Data buffers are only
//! *held*; they are read or written when the operation runs, through the
//! raw pointers, so that a buffer freed too early is caught.
//!
//! This file prepares and dispatches; each family runs in its own file:
//! reads and writes (`rw.rs`), sends (`net.rs`), polls' readiness
//! (`poll.rs`), reads that select a provided buffer (`select.rs`),
//! cancellation (`cancel.rs`), and the file system (`fs.rs`).

mod cancel;
mod fs;
mod net;
mod poll;
mod rw;
mod select;

use crate::sim::request::{Access, Kind, MemRange, Who};
use crate::sim::state::{Obj, Post, Req, SimState};
use ring_sys::*;
use std::os::fd::RawFd;
use std::time::Duration;

impl SimState {
    /// Prepares a request from a consumed SQE (`err`: it already failed).
    pub(crate) fn prep(&mut self, ring: RawFd, sqe: &io_uring_sqe, err: Option<i32>) -> Req {
        let id = self.next_id;
        self.next_id += 1;
        let who = Who { user_data: sqe.user_data, opcode: sqe.opcode };
        let mut held = Vec::new();
        let kind = match err {
            Some(e) => Kind::Fail(e),
            None => self.prep_kind(ring, sqe, who, &mut held).unwrap_or_else(Kind::Fail),
        };
        for r in &held {
            self.check_live(who, "buffer at submission", *r);
        }
        Req {
            id,
            ring,
            user_data: sqe.user_data,
            opcode: sqe.opcode,
            flags: sqe.flags,
            kind,
            held,
            chain: None,
            linked: false,
            hold: false,
        }
    }

    fn prep_kind(&mut self, ring: RawFd, sqe: &io_uring_sqe, who: Who, held: &mut Vec<MemRange>) -> Result<Kind, i32> {
        const KNOWN_FLAGS: u8 = IOSQE_FIXED_FILE
            | IOSQE_IO_DRAIN
            | IOSQE_IO_LINK
            | IOSQE_IO_HARDLINK
            | IOSQE_ASYNC
            | IOSQE_BUFFER_SELECT
            | IOSQE_CQE_SKIP_SUCCESS;
        if sqe.flags & !KNOWN_FLAGS != 0 {
            return Err(-libc::EINVAL);
        }
        if sqe.flags & IOSQE_FIXED_FILE != 0 {
            // No registered files are modelled.
            return Err(-libc::EBADF);
        }
        let select = sqe.flags & IOSQE_BUFFER_SELECT != 0;
        if select || sqe.opcode == IORING_OP_READ_MULTISHOT {
            // Provided buffers: plain and multishot reads only (see `pbuf.rs`).
            let multi = match sqe.opcode {
                IORING_OP_READ => false,
                IORING_OP_READ_MULTISHOT => true,
                _ => return Err(-libc::EOPNOTSUPP),
            };
            if !select {
                return Err(-libc::EINVAL);
            }
            let (group, len, off) = (sqe.buf_group(), sqe.len, sqe.off());
            return Ok(Kind::ReadSel { fd: sqe.fd, group, len, off, multi, sel: None });
        }
        let ring_flags = self.rings.get(&ring).map_or(0, |r| r.flags);
        let kind = match sqe.opcode {
            IORING_OP_NOP | IORING_OP_NOP128 => {
                let nf = sqe.nop_flags();
                let res = if nf & IORING_NOP_INJECT_RESULT != 0 { sqe.len as i32 } else { 0 };
                let big = if ring_flags & IORING_SETUP_CQE32 != 0 {
                    Some([sqe.addr(), sqe.addr2()])
                } else if nf & IORING_NOP_CQE32 != 0 {
                    if ring_flags & IORING_SETUP_CQE_MIXED == 0 {
                        return Err(-libc::EINVAL);
                    }
                    Some([sqe.addr(), sqe.addr2()])
                } else {
                    None
                };
                Kind::Nop { res, big }
            }
            IORING_OP_READ | IORING_OP_WRITE => {
                // A kernel (or file) without the `RWF_*` flags refuses the
                // request before it starts, as `kiocb_set_rw_flags` does.
                if self.cfg.rw_flags_unsupported && sqe.rw_flags() != 0 {
                    return Err(-libc::EOPNOTSUPP);
                }
                let write = sqe.opcode == IORING_OP_WRITE;
                let access = if write { Access::Read } else { Access::Write };
                held.push(MemRange { addr: sqe.addr(), len: sqe.len as usize, access });
                Kind::Rw { fd: sqe.fd, write, bufs: vec![(sqe.addr(), sqe.len as usize)], off: sqe.off() }
            }
            IORING_OP_READV | IORING_OP_WRITEV => {
                let write = sqe.opcode == IORING_OP_WRITEV;
                let access = if write { Access::Read } else { Access::Write };
                if sqe.len > 1024 {
                    return Err(-libc::EINVAL);
                }
                let mut bufs = Vec::new();
                for i in 0..u64::from(sqe.len) {
                    let at = sqe.addr().wrapping_add(i * 16);
                    let iov: libc::iovec = self.read_value(who, "iovec", at)?;
                    // The iovec holds a pointer, with its provenance: the
                    // kernel using its address later is a use of that
                    // pointer, so expose it (see `user.rs`).
                    let base = iov.iov_base.expose_provenance() as u64;
                    held.push(MemRange { addr: base, len: iov.iov_len, access });
                    bufs.push((base, iov.iov_len));
                }
                Kind::Rw { fd: sqe.fd, write, bufs, off: sqe.off() }
            }
            IORING_OP_FSYNC => Kind::Fsync { fd: sqe.fd },
            IORING_OP_TIMEOUT => {
                let tf = sqe.timeout_flags();
                let known = IORING_TIMEOUT_ABS | IORING_TIMEOUT_ETIME_SUCCESS | IORING_TIMEOUT_CLOCK_MASK;
                if sqe.len != 1 || tf & !known != 0 {
                    return Err(-libc::EINVAL);
                }
                let ts: __kernel_timespec = self.read_value(who, "timespec", sqe.addr())?;
                if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
                    return Err(-libc::EINVAL);
                }
                Kind::Timeout {
                    ts: Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32),
                    abs: tf & IORING_TIMEOUT_ABS != 0,
                    count: sqe.off() as u32,
                    etime_ok: tf & IORING_TIMEOUT_ETIME_SUCCESS != 0,
                    deadline: None,
                    target: None,
                }
            }
            IORING_OP_POLL_ADD => {
                if sqe.len & !IORING_POLL_ADD_MULTI != 0 {
                    return Err(-libc::EINVAL);
                }
                Kind::Poll {
                    fd: sqe.fd,
                    mask: sqe.poll32_events(),
                    multi: sqe.len & IORING_POLL_ADD_MULTI != 0,
                    seen: None,
                }
            }
            IORING_OP_ASYNC_CANCEL => {
                let cf = sqe.cancel_flags();
                let known = IORING_ASYNC_CANCEL_ALL
                    | IORING_ASYNC_CANCEL_FD
                    | IORING_ASYNC_CANCEL_ANY
                    | IORING_ASYNC_CANCEL_USERDATA;
                if cf & !known != 0 {
                    return Err(-libc::EINVAL);
                }
                Kind::Cancel { key: sqe.addr(), fd: sqe.fd, flags: cf }
            }
            IORING_OP_SEND_ZC | IORING_OP_SEND => {
                held.push(MemRange { addr: sqe.addr(), len: sqe.len as usize, access: Access::Read });
                if sqe.opcode == IORING_OP_SEND {
                    Kind::Send { fd: sqe.fd, addr: sqe.addr(), len: sqe.len as usize }
                } else {
                    let notif = !self.chaos.shuffle_notifs;
                    Kind::SendZc { fd: sqe.fd, addr: sqe.addr(), len: sqe.len as usize, sent: None, notif }
                }
            }
            IORING_OP_OPENAT => {
                let path = self.read_cstr(who, sqe.addr())?;
                Kind::Openat { path, flags: sqe.open_flags() as i32 }
            }
            IORING_OP_CLOSE => Kind::Close { fd: sqe.fd },
            IORING_OP_STATX => {
                let path = self.read_cstr(who, sqe.addr())?;
                let buf = sqe.addr2();
                held.push(MemRange { addr: buf, len: core::mem::size_of::<libc::statx>(), access: Access::Write });
                Kind::Statx { dirfd: sqe.fd, path, flags: sqe.statx_flags(), buf }
            }
            // Every other opcode, known to Linux or not, is refused at
            // preparation, as the kernel refuses an opcode it lacks.
            _ => return Err(-libc::EINVAL),
        };
        Ok(kind)
    }

    /// Runs a request as far as it can go now. Returns it if it is still
    /// in flight, or `None` once it finished (its terminal CQE posted).
    pub(crate) fn run(&mut self, mut req: Req) -> Option<Req> {
        let who = Who { user_data: req.user_data, opcode: req.opcode };
        let done = |res: i32| Post { user_data: 0, res, flags: 0, big: None };
        let outcome: Option<(Post, bool)> = match &mut req.kind {
            Kind::Fail(e) => Some((done(*e), true)),
            Kind::Nop { res, big } => Some((Post { user_data: 0, res: *res, flags: 0, big: *big }, *res < 0)),
            Kind::Fsync { fd } => {
                let ok = matches!(self.objs.get(fd), Some(Obj::File { .. }));
                let res = if ok { 0 } else { -libc::EBADF };
                Some((done(res), res < 0))
            }
            Kind::Rw { .. } => self.run_rw(who, &mut req).map(|res| (done(res.0), res.1)),
            Kind::Timeout { deadline, target, etime_ok, .. } => {
                let completions = self.rings.get(&req.ring).map_or(0, |r| r.completions);
                if target.is_some_and(|t| completions >= t) {
                    Some((done(0), false))
                } else if deadline.is_some_and(|d| self.now >= d) {
                    Some((done(-libc::ETIME), !*etime_ok))
                } else {
                    None
                }
            }
            Kind::Poll { fd, mask, multi, seen } => {
                let (fd, mask, multi) = (*fd, *mask, *multi);
                let Some((ready, edge)) = self.readiness(fd) else {
                    return self.end(req, done(-libc::EBADF), true);
                };
                let events = ready & (mask | libc::POLLERR as u32 | libc::POLLHUP as u32);
                if events == 0 || *seen == Some(edge) {
                    None
                } else if !multi {
                    Some((done(events as i32), false))
                } else {
                    *seen = Some(edge);
                    if self.rng.chance(self.chaos.end_multishot) {
                        // The stream ends early: silently (the event without
                        // MORE) or with an error.
                        let p = if self.rng.below(2) == 0 { done(events as i32) } else { done(-libc::ENOBUFS) };
                        Some((p, p.res < 0))
                    } else {
                        self.post(
                            req.ring,
                            Post { user_data: req.user_data, res: events as i32, flags: IORING_CQE_F_MORE, big: None },
                            true,
                        );
                        None
                    }
                }
            }
            Kind::Cancel { key, fd, flags } => {
                let (key, fd, flags) = (*key, *fd, *flags);
                let res = self.run_cancel(req.ring, key, fd, flags);
                Some((done(res), res < 0))
            }
            Kind::Send { fd, addr, len } => {
                let (fd, addr, len) = (*fd, *addr, *len);
                let res = self.send(who, fd, addr, len);
                Some((done(res), res < 0 || res as usize != len))
            }
            Kind::SendZc { .. } => self.run_send_zc(who, &mut req),
            Kind::ReadSel { .. } => self.run_read_sel(who, &mut req),
            Kind::Openat { path, flags } => {
                let (path, flags) = (path.clone(), *flags);
                let res = self.openat(&path, flags);
                Some((done(res), res < 0))
            }
            Kind::Close { fd } => {
                let fd = *fd;
                let res = if self.rings.contains_key(&fd) || !self.close_obj(fd) { -libc::EBADF } else { 0 };
                Some((done(res), res < 0))
            }
            Kind::Statx { dirfd, path, flags, buf } => {
                let (dirfd, path, flags, buf) = (*dirfd, path.clone(), *flags, *buf);
                let res = self.statx(who, dirfd, &path, flags, buf);
                Some((done(res), res < 0))
            }
        };
        match outcome {
            None => Some(req),
            Some((p, failed)) => self.end(req, p, failed),
        }
    }

    fn end(&mut self, req: Req, p: Post, failed: bool) -> Option<Req> {
        self.finish(req, p, failed);
        None
    }
}
