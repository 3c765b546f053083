//! Readiness of the model descriptors, for polls.

use crate::sim::state::{Obj, SimState};
use std::os::fd::RawFd;

impl SimState {
    /// Readiness mask and edge counter of a pollable descriptor.
    pub(super) fn readiness(&self, fd: RawFd) -> Option<(u32, u64)> {
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
}
