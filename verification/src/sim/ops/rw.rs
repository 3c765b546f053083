//! Reads and writes of model files and pipes, through the user's buffers
//! and iovec arrays.

use crate::sim::request::{Kind, Who};
use crate::sim::state::{Obj, Req, SimState};

impl SimState {
    /// A read or write: returns the result and whether it counts as a
    /// failure for a link chain (an error, or a short transfer), or `None`
    /// while it blocks (an empty pipe).
    pub(super) fn run_rw(&mut self, who: Who, req: &mut Req) -> Option<(i32, bool)> {
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
    pub(super) fn gather(&mut self, who: Who, bufs: &[(u64, usize)], limit: usize) -> Result<Vec<u8>, i32> {
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
    pub(super) fn scatter(&mut self, who: Who, bufs: &[(u64, usize)], data: &[u8]) -> Result<(), i32> {
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

    pub(super) fn file_read(
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

    pub(super) fn file_write(
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
}
