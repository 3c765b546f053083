//! Extended attributes: setting and getting one by name, on an open file\n//! or at a path ([`XattrTarget`]).

#![allow(unsafe_code)]
use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::ffi::CString;
use std::io;

/// Where an extended attribute lives: an open file or a path.
#[derive(Debug)]
pub enum XattrTarget {
    /// The file open as this descriptor (`fsetxattr`/`fgetxattr`), kept
    /// open until the operation has ended.
    Fd(SharedFd),
    /// The file at this path, following symlinks (`setxattr`/`getxattr`).
    Path(CString),
}

/// `setxattr(2)`/`fsetxattr(2)` (`IORING_OP_SETXATTR`/`FSETXATTR`, 5.19);
/// see [`Driver::fsetxattr`] and [`Driver::setxattr`].
///
/// ```
/// use ring_core::ops::{GetXattr, SetXattr};
/// use ring_core::Op;
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-xattr-types-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::create(&path)?);
/// let name = CString::new("user.ring").unwrap();
/// rt.block_on(async {
///     let set: Op<SetXattr> = d.fsetxattr(&file, name.clone(), b"v".to_vec(), 0);
///     if let (Err(e), _) = set.await {
///         // Not every file system keeps user attributes.
///         println!("skipping: {e}");
///         return Ok(());
///     }
///     let get: Op<GetXattr> = d.fgetxattr(&file, name, 16);
///     assert_eq!(get.await?, b"v");
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct SetXattr {
    target: XattrTarget,
    name: CString,
    value: Vec<u8>,
    flags: i32,
}

// SAFETY: the SQE points at the path (if any), the name and the value,
// all heap memory owned by `self`; the kernel only reads them.
unsafe impl Operation for SetXattr {
    /// The result and the value, given back.
    type Output = (io::Result<()>, Vec<u8>);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = self.value.len().min(u32::MAX as usize) as u32;
        let v = self.value.as_ptr().cast();
        match &self.target {
            XattrTarget::Fd(fd) => {
                opcode::FSetXattr::new(fd.raw(), self.name.as_ptr(), v, len).flags(self.flags).build().into_sqe()
            }
            XattrTarget::Path(p) => {
                opcode::SetXattr::new(p.as_ptr(), self.name.as_ptr(), v, len).flags(self.flags).build().into_sqe()
            }
        }
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(drop), self.value)
    }
}

/// The longest extended attribute value (`XATTR_SIZE_MAX`, 64 KiB): the
/// kernel reads no more, so a larger buffer is never useful.
pub const XATTR_SIZE_MAX: usize = 1 << 16;

/// `getxattr(2)`/`fgetxattr(2)` (`IORING_OP_GETXATTR`/`FGETXATTR`, 5.19);
/// see [`Driver::fgetxattr`] and [`Driver::getxattr`].
#[derive(Debug)]
pub struct GetXattr {
    target: XattrTarget,
    name: CString,
    value: Vec<u8>,
}

// SAFETY: the SQE points at the path (if any) and the name (read) and at
// the spare capacity of `self.value` (heap, owned, written by the kernel
// and reachable by nothing else while `self` is in the table).
unsafe impl Operation for GetXattr {
    /// The value (its length is what the kernel wrote).
    type Output = io::Result<Vec<u8>>;

    fn prepare(&mut self) -> io_uring_sqe {
        self.value.clear();
        let len = self.value.capacity().min(u32::MAX as usize) as u32;
        let v = self.value.as_mut_ptr().cast();
        match &self.target {
            XattrTarget::Fd(fd) => opcode::FGetXattr::new(fd.raw(), self.name.as_ptr(), v, len).build().into_sqe(),
            XattrTarget::Path(p) => opcode::GetXattr::new(p.as_ptr(), self.name.as_ptr(), v, len).build().into_sqe(),
        }
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let n = res(&result)? as usize;
        // SAFETY: the kernel wrote the value's `n` bytes, at most the
        // capacity it was offered.
        unsafe { self.value.set_len(n.min(self.value.capacity())) };
        Ok(self.value)
    }
}

/// # Extended attributes
///
/// ```
/// use std::ffi::CString;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let path = std::env::temp_dir().join(format!("ring-core-doc-xattr-{}", std::process::id()));
/// let file = Rc::new(std::fs::File::create(&path)?);
/// let cpath = CString::new(path.to_str().unwrap()).unwrap();
/// let name = CString::new("user.ring").unwrap();
/// rt.block_on(async {
///     let (r, _value) = d.fsetxattr(&file, name.clone(), b"one".to_vec(), 0).await;
///     if let Err(e) = r {
///         // Not every file system keeps user attributes.
///         println!("skipping: {e}");
///         return Ok(());
///     }
///     assert_eq!(d.fgetxattr(&file, name.clone(), 64).await?, b"one");
///     let (r, _value) = d.setxattr(cpath.clone(), name.clone(), b"two".to_vec(), 0).await;
///     r?;
///     assert_eq!(d.getxattr(cpath, name, 64).await?, b"two");
///     Ok::<(), std::io::Error>(())
/// })??;
/// std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
impl<K: Kernel> Driver<K> {
    /// `fsetxattr(2)` (`IORING_OP_FSETXATTR`, 5.19); `flags` are
    /// `XATTR_CREATE`/`XATTR_REPLACE`.
    pub fn fsetxattr(&self, fd: &impl AsSharedFd, name: CString, value: Vec<u8>, flags: i32) -> Op<SetXattr, K> {
        self.op(SetXattr { target: XattrTarget::Fd(fd.shared_fd()), name, value, flags })
    }

    /// `setxattr(2)` (`IORING_OP_SETXATTR`, 5.19).
    pub fn setxattr(&self, path: CString, name: CString, value: Vec<u8>, flags: i32) -> Op<SetXattr, K> {
        self.op(SetXattr { target: XattrTarget::Path(path), name, value, flags })
    }

    /// `fgetxattr(2)` (`IORING_OP_FGETXATTR`, 5.19) into a buffer of
    /// `capacity` bytes (`ERANGE` if the value is longer). A capacity above
    /// [`XATTR_SIZE_MAX`] is lowered to it before anything is allocated, as
    /// the kernel itself does (no value is longer).
    pub fn fgetxattr(&self, fd: &impl AsSharedFd, name: CString, capacity: usize) -> Op<GetXattr, K> {
        let value = Vec::with_capacity(capacity.min(XATTR_SIZE_MAX));
        self.op(GetXattr { target: XattrTarget::Fd(fd.shared_fd()), name, value })
    }

    /// `getxattr(2)` (`IORING_OP_GETXATTR`, 5.19); the capacity as for
    /// [`fgetxattr`](Self::fgetxattr).
    pub fn getxattr(&self, path: CString, name: CString, capacity: usize) -> Op<GetXattr, K> {
        let value = Vec::with_capacity(capacity.min(XATTR_SIZE_MAX));
        self.op(GetXattr { target: XattrTarget::Path(path), name, value })
    }
}
