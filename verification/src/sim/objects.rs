//! The model world the operations act on: files (by descriptor and by
//! path), pipes, pollable descriptors and sockets.

use super::state::{Obj, Pipe};
use super::SimKernel;
use std::os::fd::RawFd;

impl SimKernel {
    // ---- model files ----

    /// A regular file holding `data`; returns its descriptor.
    pub fn add_file(&self, data: impl Into<Vec<u8>>) -> RawFd {
        let mut st = self.lock();
        st.inodes.push(data.into());
        let inode = st.inodes.len() - 1;
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::File { inode, pos: 0 });
        fd
    }

    /// A file reachable by `path` (for OPENAT and STATX), not opened.
    pub fn add_path(&self, path: &str, data: impl Into<Vec<u8>>) {
        let mut st = self.lock();
        st.inodes.push(data.into());
        let inode = st.inodes.len() - 1;
        st.paths.insert(path.as_bytes().to_vec(), inode);
    }

    /// The contents of the file behind `fd`.
    pub fn file_data(&self, fd: RawFd) -> Option<Vec<u8>> {
        let st = self.lock();
        match st.objs.get(&fd) {
            Some(Obj::File { inode, .. }) => Some(st.inodes[*inode].clone()),
            _ => None,
        }
    }

    /// The contents of the file at `path`.
    pub fn path_data(&self, path: &str) -> Option<Vec<u8>> {
        let st = self.lock();
        st.paths.get(path.as_bytes()).map(|&i| st.inodes[i].clone())
    }

    /// A pipe; returns (read end, write end). A read of an empty pipe
    /// blocks until data is written or the write end is closed.
    pub fn add_pipe(&self) -> (RawFd, RawFd) {
        let mut st = self.lock();
        st.pipes.push(Pipe { writer_open: true, ..Pipe::default() });
        let p = st.pipes.len() - 1;
        let r = st.alloc_fd();
        st.objs.insert(r, Obj::PipeR(p));
        let w = st.alloc_fd();
        st.objs.insert(w, Obj::PipeW(p));
        (r, w)
    }

    /// Writes into a pipe from outside (another process), waking readers.
    pub fn pipe_write(&self, write_end: RawFd, data: &[u8]) {
        let mut st = self.lock();
        if let Some(Obj::PipeW(p)) = st.objs.get(&write_end) {
            let p = *p;
            st.pipes[p].buf.extend(data);
            st.pipes[p].edge += 1;
            st.changes += 1;
        }
        st.settle();
    }

    /// A descriptor the test makes ready with [`set_ready`](Self::set_ready).
    pub fn add_pollable(&self) -> RawFd {
        let mut st = self.lock();
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::Pollable { ready: 0, edge: 0 });
        fd
    }

    /// Sets the readiness of a pollable descriptor (a new edge: multishot
    /// polls post again), and runs what it wakes.
    pub fn set_ready(&self, fd: RawFd, mask: u32) {
        let mut st = self.lock();
        if let Some(Obj::Pollable { ready, edge }) = st.objs.get_mut(&fd) {
            *ready = mask;
            *edge += 1;
            st.changes += 1;
        }
        st.settle();
    }

    /// A socket that records what is sent to it.
    pub fn add_socket(&self) -> RawFd {
        let mut st = self.lock();
        let fd = st.alloc_fd();
        st.objs.insert(fd, Obj::Socket { sent: Vec::new() });
        fd
    }

    /// Everything sent to a socket so far.
    pub fn socket_data(&self, fd: RawFd) -> Vec<u8> {
        match self.lock().objs.get(&fd) {
            Some(Obj::Socket { sent }) => sent.clone(),
            _ => Vec::new(),
        }
    }

    /// Closes a model descriptor from outside the ring.
    pub fn close_fd(&self, fd: RawFd) -> bool {
        let mut st = self.lock();
        let r = st.close_obj(fd);
        st.settle();
        r
    }

    /// Whether `fd` names an open model object.
    pub fn is_open(&self, fd: RawFd) -> bool {
        self.lock().objs.contains_key(&fd)
    }
}
