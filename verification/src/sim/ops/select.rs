//! Reads that select a provided buffer (`IOSQE_BUFFER_SELECT`, and the
//! multishot read).

use crate::sim::request::{Kind, Who};
use crate::sim::state::{Obj, Post, Req, SimState};
use ring_sys::*;

impl SimState {
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
    pub(super) fn run_read_sel(&mut self, who: Who, req: &mut Req) -> Option<(Post, bool)> {
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
}
