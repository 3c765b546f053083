//! `IORING_OP_ASYNC_CANCEL`: finding the requests a cancellation names.

use crate::sim::request::Kind;
use crate::sim::state::{Post, SimState};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimState {
    /// `ASYNC_CANCEL`: finds the targets and cancels them, or (chaos)
    /// lets them win the race and complete with their real result.
    pub(crate) fn run_cancel(&mut self, ring: RawFd, key: u64, fd: RawFd, flags: u32) -> i32 {
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
