//! The file system: `OPENAT` and `STATX` on the model paths.

use crate::sim::request::Who;
use crate::sim::state::{Obj, SimState};
use std::os::fd::RawFd;

impl SimState {
    pub(super) fn openat(&mut self, path: &[u8], flags: i32) -> i32 {
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

    pub(super) fn statx(&mut self, who: Who, dirfd: RawFd, path: &[u8], flags: u32, buf: u64) -> i32 {
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
