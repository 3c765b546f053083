//! Sends on model sockets, plain and zero-copy (the result, then the
//! notification).

use crate::sim::request::{Kind, Who};
use crate::sim::state::{Obj, Post, Req, SimState};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimState {
    pub(super) fn send(&mut self, who: Who, fd: RawFd, addr: u64, len: usize) -> i32 {
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
    pub(super) fn run_send_zc(&mut self, who: Who, req: &mut Req) -> Option<(Post, bool)> {
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
}
