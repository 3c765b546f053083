//! [`SharedFd`]: a descriptor that an operation keeps open until it has
//! ended; [`AsSharedFd`], the types that can hand one out; and [`At`], the
//! directory a path-taking operation resolves against.
//!
//! # Why an operation must own its descriptor
//!
//! A request carries a descriptor *number*, and the kernel looks the number
//! up when it **issues** the request, not when the entry is written. That
//! can be much later: under the default [`Batch`](crate::ownership::driver::Batch)
//! strategy the entry is submitted at the next park; under SQPOLL whenever
//! the poll thread gets to it; a linked chain's later members, and anything
//! behind an `IO_DRAIN`, only when what comes before them has finished. If
//! the descriptor is closed in the meantime and the number is handed to the
//! next `open`, `accept` or `socket` — which it is, since the kernel always
//! picks the lowest free number — the request reads, writes, truncates or
//! splices *that* file. A borrow cannot prevent this, because a future can
//! be dropped or forgotten while its request is still queued, which ends the
//! borrow but not the request.
//!
//! So every safe operation that names a descriptor holds a [`SharedFd`]
//! inside its value, which the driver keeps until the terminal completion
//! (also when the future is dropped or forgotten: a forgotten operation's
//! value, descriptor included, stays in the table until the driver goes;
//! the descriptor is never closed early). A `SharedFd` is an owning handle:
//! cloning it is one reference-count increment, and the descriptor is closed
//! when the last handle — the caller's or an operation's — goes.
//!
//! # Why `&std::fs::File` is not accepted
//!
//! A plain `File` is closed as soon as its owner drops it, so an operation
//! cannot share it. Duplicating it (`dup(2)`) for every operation would
//! work, at two system calls an operation, but closing a duplicate releases
//! every POSIX record lock (`fcntl(F_SETLK)`) the process holds on the file,
//! a surprising side effect of an ordinary read. Wrap the file once instead:
//! `Rc::new(file)`, `SharedFd::new(file)`, or
//! [`ring_core::File::from_std`](crate::objects::fs::File::from_std).
#![allow(unsafe_code)]

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::rc::Rc;
use std::sync::Arc;

/// An open descriptor and whatever keeps it open: cheap to clone, and what
/// every safe operation naming a descriptor holds until it has ended.
///
/// The number is cached: an open descriptor's number never changes, and
/// while any clone of the handle lives the descriptor stays open, so the
/// number keeps naming the same file. What keeps it open is one of:
///
/// - an [`OwnedFd`] of its own ([`SharedFd::new`]), closed with the last
///   clone;
/// - the caller's `Rc<T>` or `Arc<T>` of any [`AsFd`] type (`From`), with
///   no allocation: the handle is a clone of that `Rc`/`Arc`;
/// - nothing, for a descriptor open for the life of the process
///   ([`SharedFd::from_static`]: the standard streams, a leaked file), or
///   one the caller vouches for ([`SharedFd::borrow_raw`], `unsafe`).
///
/// A `SharedFd` is not `Send` (most handles share an `Rc`): operations run
/// on their driver's thread.
///
/// ```
/// use ring_core::{AsSharedFd, At, SharedFd};
/// use std::os::fd::AsFd;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // Owned: closed with the last clone.
/// let fd = SharedFd::new(std::fs::File::open("/proc/self/stat")?);
/// let (n, _) = rt.block_on(d.read_at(&fd, Vec::with_capacity(16), 0))?;
/// n?;
/// let _number = fd.raw();
/// let file = fd.try_into_owned().expect("no clone left");
/// // From an `Rc` of anything `AsFd`, with no allocation.
/// let rc = Rc::new(std::fs::File::from(file));
/// let handle: SharedFd = rc.shared_fd();
/// assert_eq!(handle.raw(), std::os::fd::AsRawFd::as_raw_fd(&*rc));
/// // Open for the life of the process: a leaked file.
/// let leaked: &'static std::fs::File = Box::leak(Box::new(std::fs::File::open("/dev/null")?));
/// let _null = SharedFd::from_static(leaked.as_fd());
/// // SAFETY: `rc` keeps the descriptor open longer than `borrowed` lives.
/// let borrowed = unsafe { SharedFd::borrow_raw(handle.raw()) };
/// drop(borrowed);
///
/// // A directory to resolve paths in, or the current one.
/// let dir = Rc::new(std::fs::File::open(std::env::temp_dir())?);
/// let at = At::dir(&dir);
/// assert!(at.fd().is_some() && At::CWD.fd().is_none());
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedFd {
    repr: Repr,
}

/// The number, next to what keeps it open. One flat enum, so the handle is
/// three words (the tag and the number share the first), and an operation
/// holding one still fits the driver's inline storage.
#[derive(Clone)]
enum Repr {
    /// Open for the life of the process, or vouched for by the caller.
    Static(RawFd),
    /// Owned by the handle, so that [`SharedFd::try_into_owned`] can give
    /// it back.
    Owned(RawFd, Rc<OwnedFd>),
    /// Kept open by the caller's `Rc<T>`, held only to be dropped last.
    Local { fd: RawFd, _keep: Rc<dyn AsFd> },
    /// Kept open by the caller's `Arc<T>`, held only to be dropped last.
    Sync { fd: RawFd, _keep: Arc<dyn AsFd + Send + Sync> },
}

impl SharedFd {
    /// Takes ownership of `fd` (an [`OwnedFd`], a `std::fs::File`, a
    /// socket, ...); it is closed when the last clone goes.
    pub fn new(fd: impl Into<OwnedFd>) -> Self {
        let fd: OwnedFd = fd.into();
        SharedFd { repr: Repr::Owned(fd.as_raw_fd(), Rc::new(fd)) }
    }

    /// A descriptor that stays open for the life of the process: the
    /// standard streams, or a file leaked with `Box::leak`. Holding it
    /// keeps nothing alive, because nothing can close it.
    pub fn from_static(fd: BorrowedFd<'static>) -> Self {
        SharedFd { repr: Repr::Static(fd.as_raw_fd()) }
    }

    /// A handle that keeps nothing open, for a descriptor whose lifetime
    /// the caller manages.
    ///
    /// # Safety
    ///
    /// `fd` must be an open descriptor, and the caller must keep it open
    /// (not close it, nor let anything else close it) until every
    /// operation naming it — this handle or any clone of it — has ended:
    /// its future resolved, or the driver torn down. A future dropped or
    /// forgotten does **not** end its operation. Closing it earlier lets
    /// the kernel issue the operation on whatever file reuses the number.
    /// The handle also lends the number through [`AsFd`], with the same
    /// promise. (Under a [`Kernel`](crate::Kernel) other than the real
    /// one, "open" means open in that kernel, and the handle must then not
    /// be lent to a real system call.)
    pub unsafe fn borrow_raw(fd: RawFd) -> Self {
        SharedFd { repr: Repr::Static(fd) }
    }

    /// The descriptor, if this handle owns it ([`SharedFd::new`]) and no
    /// clone is left (no operation naming it is in flight); else the
    /// handle, unchanged.
    pub fn try_into_owned(self) -> Result<OwnedFd, SharedFd> {
        match self.repr {
            Repr::Owned(raw, rc) => Rc::try_unwrap(rc).map_err(|rc| SharedFd { repr: Repr::Owned(raw, rc) }),
            repr => Err(SharedFd { repr }),
        }
    }

    /// The descriptor's number (the same as [`AsRawFd::as_raw_fd`], and
    /// usable where the trait is not in scope).
    #[inline]
    pub fn raw(&self) -> RawFd {
        match self.repr {
            Repr::Static(fd) | Repr::Owned(fd, _) | Repr::Local { fd, .. } | Repr::Sync { fd, .. } => fd,
        }
    }
}

impl<T: AsFd + 'static> From<Rc<T>> for SharedFd {
    /// Shares the caller's `Rc` (no allocation): the descriptor stays open
    /// while any operation holds a clone, and `T` is dropped with the last.
    fn from(rc: Rc<T>) -> Self {
        // The number `T` lends from `&T` names a descriptor `T` keeps open
        // (safe code can only lend what it holds), so it stays open while
        // `T` lives and is not mutably borrowed, and while this `Rc` clone
        // lives `T` is neither dropped nor borrowed mutably.
        let fd = rc.as_fd().as_raw_fd();
        SharedFd { repr: Repr::Local { fd, _keep: rc } }
    }
}

impl<T: AsFd + Send + Sync + 'static> From<Arc<T>> for SharedFd {
    /// Shares the caller's `Arc` (no allocation), as for an `Rc`.
    fn from(arc: Arc<T>) -> Self {
        let fd = arc.as_fd().as_raw_fd();
        SharedFd { repr: Repr::Sync { fd, _keep: arc } }
    }
}

impl From<OwnedFd> for SharedFd {
    fn from(fd: OwnedFd) -> Self {
        SharedFd::new(fd)
    }
}

impl AsFd for SharedFd {
    #[inline]
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the descriptor is open while this handle lives: it owns
        // it, holds what owns it, or it is open for the life of the process
        // (or the caller of `borrow_raw` promised to keep it open).
        unsafe { BorrowedFd::borrow_raw(self.raw()) }
    }
}

impl AsRawFd for SharedFd {
    #[inline]
    fn as_raw_fd(&self) -> RawFd {
        self.raw()
    }
}

impl fmt::Debug for SharedFd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.repr {
            Repr::Static(_) => "static",
            Repr::Owned(..) => "owned",
            Repr::Local { .. } => "rc",
            Repr::Sync { .. } => "arc",
        };
        f.debug_struct("SharedFd").field("fd", &self.raw()).field("kept_by", &how).finish()
    }
}

/// A type that can hand out a [`SharedFd`] of its descriptor: what every
/// safe operation naming a descriptor takes.
///
/// Implemented for [`SharedFd`], `Rc<T>` and `Arc<T>` of any [`AsFd`] type,
/// `BorrowedFd<'static>`, the standard streams, and this crate's I/O
/// objects ([`File`](crate::objects::fs::File) and the [`net`](crate::objects::net) types).
/// Not for `&std::fs::File`, `OwnedFd` or a socket by reference: see the
/// [module documentation](self) for why, and wrap it once instead.
///
/// The trait is safe to implement: a `SharedFd` can only be made by safe
/// constructors that keep the descriptor open, or by the `unsafe`
/// [`SharedFd::borrow_raw`] under its contract.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot keep its descriptor open while an operation naming it is in flight",
    label = "the operation needs a descriptor it can hold until the kernel is done",
    note = "wrap the file or socket once and pass that: `Rc::new(x)`, `SharedFd::new(x)`, or this crate's own types (`ring_core::File::from_std`, `ring_core::net::TcpStream::from_std`, ...)",
    note = "the kernel looks a descriptor number up when it issues the request, which may be after the future is dropped or forgotten; by then a closed number may name another file"
)]
pub trait AsSharedFd {
    /// A handle that keeps the descriptor open for as long as it lives.
    fn shared_fd(&self) -> SharedFd;
}

impl AsSharedFd for SharedFd {
    #[inline]
    fn shared_fd(&self) -> SharedFd {
        self.clone()
    }
}

impl<T: AsSharedFd + ?Sized> AsSharedFd for &T {
    #[inline]
    fn shared_fd(&self) -> SharedFd {
        (**self).shared_fd()
    }
}

impl<T: AsFd + 'static> AsSharedFd for Rc<T> {
    #[inline]
    fn shared_fd(&self) -> SharedFd {
        SharedFd::from(self.clone())
    }
}

impl<T: AsFd + Send + Sync + 'static> AsSharedFd for Arc<T> {
    #[inline]
    fn shared_fd(&self) -> SharedFd {
        SharedFd::from(self.clone())
    }
}

impl AsSharedFd for BorrowedFd<'static> {
    #[inline]
    fn shared_fd(&self) -> SharedFd {
        SharedFd::from_static(*self)
    }
}

/// The standard streams' descriptors (0, 1, 2) belong to the process and
/// no safe code closes them, so the handle keeps nothing alive.
macro_rules! std_stream {
    ($ty:ty) => {
        impl AsSharedFd for $ty {
            fn shared_fd(&self) -> SharedFd {
                // SAFETY: the standard stream's descriptor is open for the
                // life of the process; the standard library treats it so,
                // and closing it takes `unsafe` code.
                unsafe { SharedFd::borrow_raw(self.as_fd().as_raw_fd()) }
            }
        }
    };
}
std_stream!(std::io::Stdin);
std_stream!(std::io::Stdout);
std_stream!(std::io::Stderr);

/// The directory a path-taking operation (`openat`, `statx`, `renameat`,
/// ...) resolves a relative path against: the current working directory
/// ([`At::CWD`], `AT_FDCWD`), or an open directory, which the operation
/// keeps open until it has ended.
///
/// Anything that is [`AsSharedFd`] converts by reference, so both read
/// naturally: `driver.openat(At::CWD, path, ..)` and
/// `driver.openat(&dir, path, ..)`. The current directory is looked up when
/// the kernel issues the request, as `openat(AT_FDCWD, ..)` does.
#[derive(Clone, Debug)]
pub struct At(Option<SharedFd>);

impl At {
    /// The current working directory (`AT_FDCWD`).
    pub const CWD: At = At(None);

    /// Relative to the open directory `dir`.
    pub fn dir(dir: &impl AsSharedFd) -> At {
        At(Some(dir.shared_fd()))
    }

    /// The directory's descriptor, or `None` for the current directory.
    pub fn fd(&self) -> Option<&SharedFd> {
        self.0.as_ref()
    }

    /// The value for `sqe.fd`: the directory's number, or `AT_FDCWD`.
    #[inline]
    pub(crate) fn raw(&self) -> RawFd {
        self.0.as_ref().map_or(libc::AT_FDCWD, SharedFd::raw)
    }
}

impl<T: AsSharedFd + ?Sized> From<&T> for At {
    fn from(dir: &T) -> At {
        At(Some(dir.shared_fd()))
    }
}

impl From<SharedFd> for At {
    fn from(dir: SharedFd) -> At {
        At(Some(dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_is_three_words() {
        // Operations hold one next to their buffer, inside the driver's
        // inline storage; a bigger handle would push common operations
        // onto the heap.
        assert_eq!(core::mem::size_of::<SharedFd>(), 3 * core::mem::size_of::<usize>());
    }

    #[test]
    fn an_owned_handle_gives_its_descriptor_back_only_when_unique() {
        let fd = SharedFd::new(std::fs::File::open("/dev/null").unwrap());
        let raw = fd.raw();
        let clone = fd.clone();
        let fd = fd.try_into_owned().unwrap_err();
        drop(clone);
        let owned = fd.try_into_owned().unwrap();
        assert_eq!(owned.as_raw_fd(), raw);
    }

    #[test]
    fn the_current_directory_is_at_fdcwd() {
        assert_eq!(At::CWD.raw(), libc::AT_FDCWD);
        let f = Rc::new(std::fs::File::open("/").unwrap());
        assert_eq!(At::from(&f).raw(), f.as_raw_fd());
    }
}
