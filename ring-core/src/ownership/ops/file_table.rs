//! Operations on the ring's registered-file table: `IORING_OP_FILES_UPDATE`
//! from owned descriptors, and `IORING_OP_FIXED_FD_INSTALL`, which turns a
//! direct descriptor back into an ordinary one. Both are checked against the
//! state of the driver they start on (`Operation::bare_file_slots`).
#![allow(unsafe_code)]

use crate::ownership::operation::Operation;
use crate::ownership::ops::{owned_fd, res};
use crate::ownership::shared_fd::SharedFd;
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::io;
use std::os::fd::{OwnedFd, RawFd};

/// Updates the registered-file table (`IORING_OP_FILES_UPDATE`, 5.6)
/// from owned descriptors; see [`Driver::files_update`](crate::ownership::driver::Driver::files_update).
#[derive(Debug)]
pub struct FilesUpdate {
    /// The descriptors, held open until the kernel has taken its own
    /// reference to each (when it issues the request, which may be after
    /// the future was dropped).
    pub(super) files: Vec<Option<SharedFd>>,
    /// Their numbers, `-1` for a slot to clear: the array the SQE names.
    pub(super) raw: Vec<RawFd>,
    pub(super) offset: i32,
}

// SAFETY: the SQE points at `self.raw`'s heap array, owned by `self` and
// read by nothing else while `self` is in the table: the kernel reads it,
// and with `IORING_FILE_INDEX_ALLOC` as the offset also writes the slots it
// picked into it (`io_files_update_with_index_alloc`). Each number in it is
// kept open by the `SharedFd` beside it until the terminal completion; the
// kernel takes its own reference to each file, so the descriptors may be
// closed afterwards.
unsafe impl Operation for FilesUpdate {
    /// How many slots were updated, and the descriptors.
    type Output = (io::Result<usize>, Vec<Option<SharedFd>>);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = self.raw.len().min(u32::MAX as usize) as u32;
        opcode::FilesUpdate::new(self.raw.as_ptr(), len).offset(self.offset).build().into_sqe()
    }

    /// The slots it replaces or empties, which the driver it starts on
    /// checks against its registered `FixedFiles` table's allocation range
    /// (refused with `EBUSY` if they meet: those slots belong to direct
    /// descriptors, which would then name another file). Letting the kernel
    /// pick free slots (`IORING_FILE_INDEX_ALLOC` as the offset) touches no
    /// occupied slot and names none.
    fn bare_file_slots(&self) -> Option<(u32, u32)> {
        if self.offset as u32 == ring_sys::IORING_FILE_INDEX_ALLOC || self.raw.is_empty() {
            return None;
        }
        Some((self.offset as u32, self.raw.len().min(u32::MAX as usize) as u32))
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(|n| n as usize), self.files)
    }
}

/// Installs a direct descriptor as a normal one
/// (`IORING_OP_FIXED_FD_INSTALL`, 6.8); see [`Driver::fixed_fd_install`](crate::ownership::driver::Driver::fixed_fd_install).
#[derive(Debug)]
pub struct FixedFdInstall {
    pub(super) slot: u32,
    pub(super) flags: u32,
    /// The direct descriptor named, when the slot was named by one: held
    /// until the terminal completion, so the slot keeps its file.
    pub(super) fd: Option<crate::ownership::fixed_files::FixedFd>,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for FixedFdInstall {
    type Output = io::Result<OwnedFd>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::FixedFdInstall::new(self.slot).flags(self.flags).build().into_sqe()
    }

    /// A direct descriptor of another ring is refused with `EXDEV`.
    fn refuse(&self, ring: crate::raw::ring_id::RingId) -> Option<i32> {
        self.fd.as_ref().and_then(|fd| fd.refuse(ring))
    }

    /// A bare slot number is checked by the driver it starts on: inside its
    /// registered `FixedFiles` table's allocation range it is refused with
    /// `EBUSY`, since that slot belongs to a direct descriptor, and a number
    /// kept past its descriptor's close would name the next file put there
    /// (name it by its [`FixedFd`](crate::ownership::fixed_files::FixedFd)
    /// instead, [`Driver::fixed_fd_install_direct`](crate::ownership::driver::Driver::fixed_fd_install_direct)).
    fn bare_file_slots(&self) -> Option<(u32, u32)> {
        self.fd.is_none().then_some((self.slot, 1))
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<OwnedFd> {
        owned_fd(&result)
    }

    fn orphaned(self, result: Cqe, _: Cqe) {
        drop(owned_fd(&result));
    }
}
