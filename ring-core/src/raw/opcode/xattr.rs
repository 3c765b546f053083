//! Extended attributes: setting and getting one by name, on an open file
//! or at a path.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{FGetXattr, FSetXattr, GetXattr, SetXattr};
//! use std::ffi::CString;
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let path = CString::new("/dev/null").unwrap();
//! let mut buf = [0u8; 64];
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let f_get_xattr = FGetXattr::new(fd, path.as_ptr(), buf.as_mut_ptr().cast(), 64)
//!     .build();
//! assert_eq!(f_get_xattr.into_sqe().opcode, FGetXattr::CODE);
//! let f_set_xattr = FSetXattr::new(fd, path.as_ptr(), buf.as_ptr().cast(), 64)
//!     .flags(0)
//!     .build();
//! assert_eq!(f_set_xattr.into_sqe().opcode, FSetXattr::CODE);
//! let get_xattr = GetXattr::new(path.as_ptr(), path.as_ptr(), buf.as_mut_ptr().cast(), 64)
//!     .build();
//! assert_eq!(get_xattr.into_sqe().opcode, GetXattr::CODE);
//! let set_xattr = SetXattr::new(path.as_ptr(), path.as_ptr(), buf.as_ptr().cast(), 64)
//!     .flags(0)
//!     .build();
//! assert_eq!(set_xattr.into_sqe().opcode, SetXattr::CODE);
//! # Ok(())
//! # }
//! ```

use super::{ptr, sqe, sqe_on};
use crate::raw::types::{Entry, Target};
use core::ffi::{c_char, c_void};

opcode! {
    /// Sets an extended attribute of an open file, like `fsetxattr(2)`:
    /// `io_uring_prep_fsetxattr(3)`. Linux 5.19.
    ///
    /// Required: the file, the NUL-terminated name (`user.foo`), the value
    /// and its length. The name and value must stay valid until the
    /// completion (the kernel copies them when the operation runs, which
    /// may be on a worker after submission).
    pub struct FSetXattr {
        fd: Target [impl Into<Target>],
        name: *const c_char,
        value: *const c_void,
        len: u32,
        ;;
        /// `XATTR_CREATE` or `XATTR_REPLACE`, or 0 for either; default 0.
        flags: i32 = 0,
    }

    pub const CODE = IORING_OP_FSETXATTR;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FSetXattr { fd, name, value, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(name));
        sqe.set_off(ptr(value));
        sqe.len = len;
        sqe.set_xattr_flags(flags as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Sets an extended attribute by path, like `setxattr(2)`:
    /// `io_uring_prep_setxattr(3)`. Linux 5.19.
    ///
    /// Required: the NUL-terminated path, the name, the value and its
    /// length; all must stay valid until the completion.
    pub struct SetXattr {
        path: *const c_char,
        name: *const c_char,
        value: *const c_void,
        len: u32,
        ;;
        /// `XATTR_CREATE` or `XATTR_REPLACE`, or 0 for either; default 0.
        flags: i32 = 0,
    }

    pub const CODE = IORING_OP_SETXATTR;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SetXattr { path, name, value, len, flags } = self;
        let mut sqe = sqe(Self::CODE, 0);
        sqe.set_addr(ptr(name));
        sqe.set_off(ptr(value));
        sqe.set_addr3(ptr(path));
        sqe.len = len;
        sqe.set_xattr_flags(flags as u32);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Reads an extended attribute of an open file, like `fgetxattr(2)`:
    /// `io_uring_prep_fgetxattr(3)`. Linux 5.19.
    ///
    /// Required: the file, the NUL-terminated name, the value buffer and
    /// its size (0 asks only for the size). The name and buffer must stay
    /// valid until the completion. The result is the value's length.
    pub struct FGetXattr {
        fd: Target [impl Into<Target>],
        name: *const c_char,
        value: *mut c_void,
        len: u32,
        ;;
    }

    pub const CODE = IORING_OP_FGETXATTR;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let FGetXattr { fd, name, value, len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(name));
        sqe.set_off(ptr(value));
        sqe.len = len;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Reads an extended attribute by path, like `getxattr(2)`:
    /// `io_uring_prep_getxattr(3)`. Linux 5.19.
    ///
    /// Required: the NUL-terminated path, the name, the value buffer and
    /// its size; all must stay valid until the completion. The result is
    /// the value's length.
    pub struct GetXattr {
        path: *const c_char,
        name: *const c_char,
        value: *mut c_void,
        len: u32,
        ;;
    }

    pub const CODE = IORING_OP_GETXATTR;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let GetXattr { path, name, value, len } = self;
        let mut sqe = sqe(Self::CODE, 0);
        sqe.set_addr(ptr(name));
        sqe.set_off(ptr(value));
        sqe.set_addr3(ptr(path));
        sqe.len = len;
        Entry::from_sqe(sqe)
    }
}
