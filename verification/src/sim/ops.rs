//! The operations the simulated kernel models: how each SQE is prepared
//! (what it copies at submission, which user memory it holds) and how it
//! runs (what it reads and writes, and which completions it posts).
//!
//! Preparation happens while the SQE is consumed, as in the kernel's
//! `io_init_req` and the opcode's `prep`: paths, timespecs and iovec arrays
//! are copied then (`IORING_FEAT_SUBMIT_STABLE`). Data buffers are only
//! *held*; they are read or written when the operation runs, through the
//! raw pointers, so that a buffer freed too early is caught.

use super::request::{Access, Kind, MemRange, Who};
use super::state::{Obj, Post, Req, SimState};
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

    /// Readiness mask and edge counter of a pollable descriptor.
    fn readiness(&self, fd: RawFd) -> Option<(u32, u64)> {
        let pollin = libc::POLLIN as u32 | libc::POLLRDNORM as u32;
        let pollout = libc::POLLOUT as u32 | libc::POLLWRNORM as u32;
        Some(match self.objs.get(&fd)? {
            Obj::Pollable { ready, edge } => (*ready, *edge),
            Obj::PipeR(p) => {
                let p = &self.pipes[*p];
                let mut m = 0;
                if !p.buf.is_empty() {
                    m |= pollin;
                }
                if !p.writer_open {
                    m |= libc::POLLHUP as u32;
                }
                (m, p.edge)
            }
            Obj::PipeW(_) | Obj::Socket { .. } => (pollout, 0),
            Obj::File { .. } => (pollin | pollout, 0),
        })
    }

    /// A read or write: returns the result and whether it counts as a
    /// failure for a link chain (an error, or a short transfer), or `None`
    /// while it blocks (an empty pipe).
    fn run_rw(&mut self, who: Who, req: &mut Req) -> Option<(i32, bool)> {
        let Kind::Rw { fd, write, bufs, off } = &req.kind else { unreachable!() };
        let (fd, write, off) = (*fd, *write, *off);
        let bufs = bufs.clone();
        let total: usize = bufs.iter().map(|b| b.1).sum();
        let short = total > 1 && self.rng.chance(self.chaos.short_io);
        let limit = if short { 1 + self.rng.below(total as u64 - 1) as usize } else { total };
        let res = match self.objs.get(&fd) {
            None => -libc::EBADF,
            Some(Obj::File { inode, pos }) => {
                let (inode, pos) = (*inode, *pos);
                let at = if off == u64::MAX { pos } else { off } as usize;
                let r = if write {
                    self.file_write(who, inode, at, &bufs, limit)
                } else {
                    self.file_read(who, inode, at, &bufs, limit)
                };
                if let (Ok(n), true) = (r, off == u64::MAX) {
                    if let Some(Obj::File { pos, .. }) = self.objs.get_mut(&fd) {
                        *pos += n as u64;
                    }
                }
                r.map_or_else(|e| e, |n| n as i32)
            }
            Some(Obj::PipeR(p)) if !write => {
                let p = *p;
                let pipe = &self.pipes[p];
                if pipe.buf.is_empty() && pipe.writer_open {
                    return None;
                }
                let n = limit.min(pipe.buf.len());
                let data: Vec<u8> = self.pipes[p].buf.drain(..n).collect();
                match self.scatter(who, &bufs, &data) {
                    Ok(()) => n as i32,
                    Err(e) => e,
                }
            }
            Some(Obj::PipeW(p)) if write => {
                let p = *p;
                match self.gather(who, &bufs, limit) {
                    Ok(data) => {
                        let pipe = &mut self.pipes[p];
                        pipe.buf.extend(&data);
                        pipe.edge += 1;
                        self.changes += 1;
                        data.len() as i32
                    }
                    Err(e) => e,
                }
            }
            Some(Obj::Socket { .. }) if write => match self.gather(who, &bufs, limit) {
                Ok(data) => {
                    if let Some(Obj::Socket { sent }) = self.objs.get_mut(&fd) {
                        sent.extend(&data);
                    }
                    data.len() as i32
                }
                Err(e) => e,
            },
            Some(_) => -libc::EBADF,
        };
        let failed = res < 0 || res as usize != total;
        Some((res, failed))
    }

    /// Copies up to `limit` bytes out of the user buffers.
    fn gather(&mut self, who: Who, bufs: &[(u64, usize)], limit: usize) -> Result<Vec<u8>, i32> {
        let mut out = Vec::new();
        for &(addr, len) in bufs {
            let n = len.min(limit - out.len());
            if n == 0 {
                break;
            }
            out.extend(self.read_user(who, "source buffer", addr, n)?);
        }
        Ok(out)
    }

    /// Copies `data` into the user buffers, in order.
    fn scatter(&mut self, who: Who, bufs: &[(u64, usize)], data: &[u8]) -> Result<(), i32> {
        let mut done = 0;
        for &(addr, len) in bufs {
            let n = len.min(data.len() - done);
            if n == 0 {
                break;
            }
            self.write_user(who, "destination buffer", addr, &data[done..done + n])?;
            done += n;
        }
        Ok(())
    }

    fn file_read(
        &mut self,
        who: Who,
        inode: usize,
        at: usize,
        bufs: &[(u64, usize)],
        limit: usize,
    ) -> Result<usize, i32> {
        let data = &self.inodes[inode];
        let end = data.len().min(at.saturating_add(limit));
        let chunk = if at < end { data[at..end].to_vec() } else { Vec::new() };
        self.scatter(who, bufs, &chunk)?;
        Ok(chunk.len())
    }

    fn file_write(
        &mut self,
        who: Who,
        inode: usize,
        at: usize,
        bufs: &[(u64, usize)],
        limit: usize,
    ) -> Result<usize, i32> {
        let chunk = self.gather(who, bufs, limit)?;
        let data = &mut self.inodes[inode];
        if data.len() < at + chunk.len() {
            data.resize(at + chunk.len(), 0);
        }
        data[at..at + chunk.len()].copy_from_slice(&chunk);
        Ok(chunk.len())
    }

    fn send(&mut self, who: Who, fd: RawFd, addr: u64, len: usize) -> i32 {
        if !matches!(self.objs.get(&fd), Some(Obj::Socket { .. })) {
            return -libc::ENOTSOCK;
        }
        match self.read_user(who, "send buffer", addr, len) {
            Ok(data) => {
                if let Some(Obj::Socket { sent }) = self.objs.get_mut(&fd) {
                    sent.extend(&data);
                }
                len as i32
            }
            Err(e) => e,
        }
    }

    /// `SEND_ZC`: the result CQE (with `F_MORE`) first; the data is read
    /// and the `F_NOTIF` CQE posted when the notification is let go, which
    /// with `Chaos::shuffle_notifs` may be much later, across operations.
    fn run_send_zc(&mut self, who: Who, req: &mut Req) -> Option<(Post, bool)> {
        let Kind::SendZc { fd, addr, len, sent, notif } = &mut req.kind else { unreachable!() };
        let (fd, addr, len) = (*fd, *addr, *len);
        if sent.is_none() {
            if !matches!(self.objs.get(&fd), Some(Obj::Socket { .. })) {
                return Some((Post { user_data: 0, res: -libc::ENOTSOCK, flags: 0, big: None }, true));
            }
            if let Err(e) = self.user_ptr(who, "zero-copy buffer", addr, len) {
                return Some((Post { user_data: 0, res: e, flags: 0, big: None }, true));
            }
            let n = if len > 1 && self.rng.chance(self.chaos.short_io) {
                1 + self.rng.below(len as u64 - 1) as usize
            } else {
                len
            };
            *sent = Some(n as i32);
            self.post(
                req.ring,
                Post { user_data: req.user_data, res: n as i32, flags: IORING_CQE_F_MORE, big: None },
                true,
            );
        }
        if !*notif {
            return None;
        }
        // The kernel is done with the buffer only now: read it now.
        let n = sent.unwrap_or(0) as usize;
        if let Ok(data) = self.read_user(who, "zero-copy buffer at notification", addr, n) {
            if let Some(Obj::Socket { sent }) = self.objs.get_mut(&fd) {
                sent.extend(&data);
            }
        }
        Some((Post { user_data: 0, res: 0, flags: IORING_CQE_F_NOTIF, big: None }, false))
    }

    /// A request that reads into a provided buffer takes one when it
    /// becomes active (and a multishot one after each completion), and
    /// holds it until it writes it (see `pbuf.rs`).
    pub(crate) fn preselect(&mut self, id: u64) {
        let Some(req) = self.reqs.get(&id) else { return };
        let Kind::ReadSel { group, sel: None, .. } = req.kind else { return };
        let ring = req.ring;
        let taken = self.select_buffer(ring, group);
        if let Some(Req { kind: Kind::ReadSel { sel, .. }, .. }) = self.reqs.get_mut(&id) {
            *sel = taken;
        }
    }

    /// A read into a provided buffer, plain or multishot: from a model
    /// file (plain only), or a pipe (blocks while it is empty and open).
    /// A multishot read posts an item (`F_MORE`, the buffer's id) for each
    /// chunk and takes the next buffer; it ends at end of file (0), when
    /// the group has no buffer left (`-ENOBUFS`), or on an error.
    fn run_read_sel(&mut self, who: Who, req: &mut Req) -> Option<(Post, bool)> {
        let done = |res: i32| Post { user_data: 0, res, flags: 0, big: None };
        let ring = req.ring;
        loop {
            let Kind::ReadSel { fd, group, len, off, multi, sel } = &mut req.kind else { unreachable!() };
            let (fd, group, len, off, multi) = (*fd, *group, *len, *off, *multi);
            let data: Vec<u8> = match self.objs.get(&fd) {
                None => return Some((done(-libc::EBADF), true)),
                Some(Obj::File { .. }) if multi => return Some((done(-libc::EBADFD), true)),
                Some(&Obj::File { inode, pos }) => {
                    let at = if off == u64::MAX { pos } else { off } as usize;
                    let d = &self.inodes[inode];
                    d.get(at..).unwrap_or(&[]).to_vec()
                }
                Some(&Obj::PipeR(p)) => {
                    let pipe = &self.pipes[p];
                    if pipe.buf.is_empty() {
                        if pipe.writer_open {
                            return None;
                        }
                        // End of file: the buffer taken (if any) comes back
                        // with the terminal completion (`finish`).
                        return Some((done(0), false));
                    }
                    pipe.buf.iter().copied().collect()
                }
                Some(_) => return Some((done(-libc::EINVAL), true)),
            };
            if sel.is_none() {
                *sel = self.select_buffer(ring, group);
            }
            let Some(s) = *sel else {
                return Some((done(-libc::ENOBUFS), true));
            };
            let mut want = s.len as usize;
            if len > 0 {
                want = want.min(len as usize);
            }
            if want > 1 && self.rng.chance(self.chaos.short_io) {
                want = 1 + self.rng.below(want as u64 - 1) as usize;
            }
            let chunk = &data[..data.len().min(want)];
            let n = match self.write_selected(who, ring, s, chunk) {
                Ok(n) => n,
                Err(e) => return Some((done(e), true)),
            };
            match self.objs.get_mut(&fd) {
                Some(Obj::File { pos, .. }) if off == u64::MAX => *pos += n as u64,
                Some(&mut Obj::PipeR(p)) => {
                    self.pipes[p].buf.drain(..n);
                }
                _ => {}
            }
            if !multi {
                return Some((done(n as i32), false));
            }
            // A multishot item: the buffer goes out with it, and the next
            // one is taken now.
            self.post(
                ring,
                Post { user_data: req.user_data, res: n as i32, flags: IORING_CQE_F_MORE | s.cqe_flags(), big: None },
                true,
            );
            let next = self.select_buffer(ring, group);
            if let Kind::ReadSel { sel, .. } = &mut req.kind {
                *sel = next;
            }
        }
    }

    /// `ASYNC_CANCEL`: finds the targets and cancels them, or (chaos)
    /// lets them win the race and complete with their real result.
    pub(super) fn run_cancel(&mut self, ring: RawFd, key: u64, fd: RawFd, flags: u32) -> i32 {
        let any = flags & IORING_ASYNC_CANCEL_ANY != 0;
        let by_fd = flags & IORING_ASYNC_CANCEL_FD != 0;
        let all = flags & (IORING_ASYNC_CANCEL_ALL | IORING_ASYNC_CANCEL_ANY) != 0;
        let targets: Vec<u64> = self
            .reqs
            .values()
            .filter(|r| r.ring == ring && !r.linked && !matches!(r.kind, Kind::SendZc { sent: Some(_), .. }))
            .filter(|r| any || if by_fd { req_fd(&r.kind) == Some(fd) } else { r.user_data == key })
            .map(|r| r.id)
            .collect();
        let targets = if all { targets } else { targets.into_iter().take(1).collect() };
        if targets.is_empty() {
            return -libc::ENOENT;
        }
        let mut cancelled = 0;
        let mut raced = false;
        for id in targets {
            let Some(mut t) = self.reqs.remove(&id) else {
                continue;
            };
            if self.rng.chance(self.chaos.cancel_race) {
                // The target was already completing: it finishes with its
                // real result, if it can.
                t.hold = false;
                t.kind.allow_notif();
                match self.run(t) {
                    None => {
                        raced = true;
                        continue;
                    }
                    Some(back) => t = back,
                }
            }
            let p = Post { user_data: 0, res: -libc::ECANCELED, flags: 0, big: None };
            self.finish(t, p, true);
            cancelled += 1;
        }
        if all {
            cancelled
        } else if raced {
            -libc::EALREADY
        } else {
            0
        }
    }

    fn openat(&mut self, path: &[u8], flags: i32) -> i32 {
        let inode = match self.paths.get(path) {
            Some(&i) => {
                if flags & libc::O_TRUNC != 0 {
                    self.inodes[i].clear();
                }
                i
            }
            None if flags & libc::O_CREAT != 0 => {
                self.inodes.push(Vec::new());
                let i = self.inodes.len() - 1;
                self.paths.insert(path.to_vec(), i);
                i
            }
            None => return -libc::ENOENT,
        };
        let fd = self.alloc_fd();
        self.objs.insert(fd, Obj::File { inode, pos: 0 });
        fd
    }

    fn statx(&mut self, who: Who, dirfd: RawFd, path: &[u8], flags: u32, buf: u64) -> i32 {
        let size = if path.is_empty() && flags & libc::AT_EMPTY_PATH as u32 != 0 {
            match self.objs.get(&dirfd) {
                Some(Obj::File { inode, .. }) => self.inodes[*inode].len(),
                Some(_) => 0,
                None => return -libc::EBADF,
            }
        } else {
            match self.paths.get(path) {
                Some(&i) => self.inodes[i].len(),
                None => return -libc::ENOENT,
            }
        };
        // SAFETY: `statx` is a plain C struct of integers; all-zero is valid.
        let mut st: libc::statx = unsafe { core::mem::zeroed() };
        st.stx_mask = libc::STATX_BASIC_STATS;
        st.stx_size = size as u64;
        st.stx_mode = (libc::S_IFREG | 0o644) as u16;
        st.stx_nlink = 1;
        st.stx_blksize = 4096;
        // SAFETY: `st` is a live, initialised struct; viewing it as bytes
        // is valid (it is plain integers with no padding that matters).
        let bytes =
            unsafe { core::slice::from_raw_parts((&raw const st).cast::<u8>(), core::mem::size_of::<libc::statx>()) };
        match self.write_user(who, "statx buffer", buf, bytes) {
            Ok(()) => 0,
            Err(e) => e,
        }
    }
}

/// The descriptor a request works on, for `IORING_ASYNC_CANCEL_FD`.
fn req_fd(k: &Kind) -> Option<RawFd> {
    match k {
        Kind::Rw { fd, .. }
        | Kind::Fsync { fd }
        | Kind::Poll { fd, .. }
        | Kind::SendZc { fd, .. }
        | Kind::Send { fd, .. }
        | Kind::Close { fd }
        | Kind::ReadSel { fd, .. } => Some(*fd),
        _ => None,
    }
}
