//! Memory the caller owns and shares, addressed by (offset, length)
//! regions: crosvm's `BackingMemory` and `MemRegion`.
//!
//! A virtual machine monitor does its guest's I/O into guest RAM, which is
//! one large mapping that many requests use at once, each on its own list
//! of ranges. [`BackingMemory`] is the contract such a memory signs (an
//! `unsafe` trait: the type promises where its bytes are and how long they
//! stay); an operation takes it as an `Arc<dyn BackingMemory>` together
//! with the regions it reads or writes ([`MemRegions`], bounds checked when
//! built), and keeps the `Arc` inside its value in the driver's table until
//! its terminal completion. Dropping or forgetting the future, or dropping
//! every other `Arc`, therefore never unmaps memory the kernel may still
//! write: the last `Arc` is the operation's, and it goes only after the
//! kernel said it was done (or, forgotten, never).
//!
//! Implemented for the crate's own [`Region`] and for [`MmapMemory`], a
//! mapping this crate made and unmaps when the last `Arc` goes.

use super::{IoBuf, IoBufMut, Region};
use crate::error::{Call, Error};
use crate::ownership::ops::IOV_MAX;
use core::ptr::NonNull;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;

/// Memory an operation may point the kernel at by offset, kept alive by
/// an `Arc` the operation holds until its terminal completion.
///
/// # Safety
///
/// Implementors promise that, for as long as the value exists:
///
/// - [`base`](BackingMemory::base) and [`size`](BackingMemory::size)
///   always return the same values;
/// - the `size` bytes from `base` are mapped, readable and writable (the
///   kernel may write any of them for a read request), and are released
///   only by the value's own `Drop`: no other code can unmap, free or
///   remap them while the value exists;
/// - no Rust reference (`&[u8]`, `&mut [u8]`) to any of those bytes exists
///   or can be made from safe code: the bytes are reached only through raw
///   pointers (as the kernel reaches them), so that a kernel write, or two
///   operations on overlapping regions, give unspecified contents but never
///   write through or under a reference.
///
/// `Send + Sync` because the memory is shared with the kernel and with
/// every operation that names it, on any thread.
pub unsafe trait BackingMemory: Send + Sync + 'static {
    /// The first byte.
    fn base(&self) -> *mut u8;

    /// How many bytes from [`base`](BackingMemory::base) the memory has.
    fn size(&self) -> usize;
}

// SAFETY: a `Region`'s bytes are one heap allocation of `UnsafeCell<u8>`s
// that never moves or changes size and is freed only when the region is
// dropped; Rust code reaches them only through volatile copies
// (`Region::read_at`/`write_at`), never by reference.
unsafe impl BackingMemory for Region {
    fn base(&self) -> *mut u8 {
        Region::base(self)
    }
    fn size(&self) -> usize {
        self.len()
    }
}

/// Checks that `len` bytes at `offset` lie inside `size` bytes.
fn in_bounds(what: &'static str, offset: u64, len: usize, size: usize) -> Result<usize, Error> {
    let out = || Error::OutOfBounds { what, offset, len, size };
    let start = usize::try_from(offset).map_err(|_| out())?;
    match start.checked_add(len) {
        Some(end) if end <= size => Ok(start),
        _ => Err(out()),
    }
}

/// A mapping of memory that this value owns and unmaps when dropped:
/// anonymous memory, or (through the `unsafe` [`map_file`](Self::map_file))
/// a shared mapping of a file. Share it as `Arc<MmapMemory>` (it is a
/// [`BackingMemory`]); Rust code reads and writes it only by copy
/// ([`read_at`](Self::read_at), [`write_at`](Self::write_at)).
///
/// A caller's memory, regions of it for a vectored operation, and one
/// slice of it for a single buffer:
///
/// ```
/// use ring_core::buf::{BackingMemory, MemRegion, MemRegions, MemSlice, MmapMemory};
/// use std::sync::Arc;
///
/// let mem = MmapMemory::anonymous(8192)?;
/// assert_eq!((mem.len(), mem.is_empty()), (8192, false));
/// assert_eq!(mem.size(), 8192);
/// assert!(!mem.base().is_null());
/// mem.write_at(4096, b"page two")?;
/// let mut out = [0u8; 8];
/// mem.read_at(4096, &mut out)?;
/// assert_eq!(&out, b"page two");
/// mem.flush()?; // msync: nothing to do for anonymous memory
///
/// // A file mapped shared: writes through the mapping reach the file.
/// let path = std::env::temp_dir().join(format!("ring-core-doc-mmap-{}", std::process::id()));
/// let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?;
/// file.set_len(4096)?;
/// // SAFETY: nothing else maps or truncates the file while `mapped` lives.
/// let mapped = unsafe { MmapMemory::map_file(&file, 0, 4096) }?;
/// mapped.write_at(0, b"mapped")?;
/// mapped.flush()?;
/// assert_eq!(&std::fs::read(&path)?[..6], b"mapped");
/// std::fs::remove_file(&path)?;
///
/// let mem: Arc<dyn BackingMemory> = Arc::new(mem);
/// let regions = MemRegions::new(mem.clone(), vec![MemRegion { offset: 0, len: 10 }, MemRegion { offset: 4096, len: 8 }])?;
/// assert_eq!((regions.regions().len(), regions.total_len()), (2, 18));
/// assert!(Arc::ptr_eq(regions.memory(), &mem));
/// let (_mem, list) = regions.into_parts();
/// assert_eq!(list[1], MemRegion { offset: 4096, len: 8 });
/// assert_eq!(MemRegions::one(mem.clone(), 0, 4096)?.total_len(), 4096);
/// assert!(MemRegions::one(mem.clone(), 8190, 4).is_err(), "past the end");
/// let slice = MemSlice::new(mem.clone(), 4096, 8)?;
/// assert!(Arc::ptr_eq(slice.memory(), &mem));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MmapMemory {
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; its bytes are
// only reached through raw pointers (volatile copies, the kernel), never
// through references, so sharing or sending the value races on no Rust
// object.
unsafe impl Send for MmapMemory {}
// SAFETY: as above.
unsafe impl Sync for MmapMemory {}

impl MmapMemory {
    fn map(len: usize, flags: i32, fd: i32, offset: u64) -> Result<Self, Error> {
        if len == 0 {
            return Err(Error::InvalidArgument("a mapping of zero bytes"));
        }
        if len > isize::MAX as usize {
            return Err(Error::TooLong { what: "mapping", len, max: isize::MAX as usize });
        }
        let off = libc::off_t::try_from(offset).map_err(|_| Error::InvalidArgument("a file offset past off_t"))?;
        // SAFETY: a new mapping chosen by the kernel (no fixed address), so no
        // existing memory is replaced; the result is checked below.
        let p = unsafe { libc::mmap(core::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, off) };
        if p == libc::MAP_FAILED {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
            return Err(Error::syscall(Call::Mmap, ring_sys::Errno::new(errno)));
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or(Error::InvalidArgument("mmap returned address zero"))?;
        Ok(MmapMemory { ptr, len })
    }

    /// `len` bytes of zeroed anonymous memory (`MAP_PRIVATE |
    /// MAP_ANONYMOUS`). Zero bytes is [`Error::InvalidArgument`]; more than
    /// `isize::MAX` is [`Error::TooLong`]; a refused mapping is
    /// [`Error::Syscall`] with the kernel's errno.
    pub fn anonymous(len: usize) -> Result<Self, Error> {
        Self::map(len, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0)
    }

    /// `len` bytes of `file` from `offset` (a multiple of the page size),
    /// mapped shared and writable (`MAP_SHARED`): what the kernel or
    /// [`write_at`](Self::write_at) writes into the mapping reaches the
    /// file. The file must be open for reading and writing. The mapping
    /// stays valid after `file` is closed.
    ///
    /// # Safety
    ///
    /// The file must stay at least `offset + len` bytes long while the
    /// mapping exists: a page past the end of the file raises `SIGBUS` when
    /// Rust code ([`read_at`](Self::read_at), [`write_at`](Self::write_at))
    /// touches it (the kernel's own I/O into such a page fails with
    /// `EFAULT` instead). The file's contents may change under the
    /// mapping at any time; that is allowed, as no reference to the bytes
    /// is ever made.
    pub unsafe fn map_file(file: &impl AsFd, offset: u64, len: usize) -> Result<Self, Error> {
        Self::map(len, libc::MAP_SHARED, file.as_fd().as_raw_fd(), offset)
    }

    /// The mapping's length.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a mapping has at least one byte.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Copies `out.len()` bytes at `offset` into `out`. A range outside the
    /// mapping is [`Error::OutOfBounds`] and copies nothing. An operation in
    /// flight on the same bytes makes the copied bytes unspecified (each is
    /// read once, by a volatile access), never undefined.
    pub fn read_at(&self, offset: u64, out: &mut [u8]) -> Result<(), Error> {
        let start = in_bounds("mapping read", offset, out.len(), self.len)?;
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `start + i < len`, inside the mapping this value owns;
            // a volatile byte read through a raw pointer makes no reference.
            *b = unsafe { self.ptr.as_ptr().add(start + i).read_volatile() };
        }
        Ok(())
    }

    /// Copies `data` into the mapping at `offset`. A range outside the
    /// mapping is [`Error::OutOfBounds`] and copies nothing.
    pub fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), Error> {
        let start = in_bounds("mapping write", offset, data.len(), self.len)?;
        for (i, b) in data.iter().enumerate() {
            // SAFETY: as in `read_at`, for a write.
            unsafe { self.ptr.as_ptr().add(start + i).write_volatile(*b) };
        }
        Ok(())
    }

    /// `msync(MS_SYNC)`: writes a file mapping's dirty pages to the file.
    pub fn flush(&self) -> Result<(), Error> {
        // SAFETY: the range is exactly this value's mapping; msync writes
        // pages back and changes no memory.
        if unsafe { libc::msync(self.ptr.as_ptr().cast(), self.len, libc::MS_SYNC) } != 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
            return Err(Error::syscall(Call::Other("msync"), ring_sys::Errno::new(errno)));
        }
        Ok(())
    }
}

impl Drop for MmapMemory {
    fn drop(&mut self) {
        // The value is dropped when the last `Arc` goes, and every
        // operation that points the kernel into the mapping holds one of
        // those until its terminal completion, so no request can still
        // reach these pages.
        // SAFETY: exactly the mapping `map` made, unmapped once.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

// SAFETY: the mapping never moves or changes size, is writable, is
// unmapped only by `Drop`, and Rust code reaches it only through volatile
// copies.
unsafe impl BackingMemory for MmapMemory {
    fn base(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }
    fn size(&self) -> usize {
        self.len
    }
}

/// A range of a [`BackingMemory`]: `len` bytes at `offset`, as crosvm's
/// `MemRegion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemRegion {
    /// Where the range starts, from the memory's base.
    pub offset: u64,
    /// How many bytes.
    pub len: usize,
}

/// One memory and a list of its regions, checked to lie inside it: what a
/// vectored operation on caller-owned memory reads into or writes from
/// ([`crate::ownership::driver::Driver::read_mem_at`], [`crate::ownership::driver::Driver::write_mem_at`]).
///
/// Holds the `Arc` of the memory; the operation that takes this value keeps
/// it until its terminal completion and gives it back with the result.
#[derive(Clone)]
pub struct MemRegions {
    mem: Arc<dyn BackingMemory>,
    regions: Vec<MemRegion>,
}

impl core::fmt::Debug for MemRegions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemRegions").field("size", &self.mem.size()).field("regions", &self.regions).finish()
    }
}

impl MemRegions {
    /// `regions` of `mem`, each checked: one that does not lie inside the
    /// memory (its end past the memory's size, or overflowing) is
    /// [`Error::OutOfBounds`]; more regions than one request carries
    /// ([`IOV_MAX`]) is [`Error::TooLong`]. Nothing reaches the kernel for
    /// a refused list.
    pub fn new(mem: Arc<dyn BackingMemory>, regions: Vec<MemRegion>) -> Result<Self, Error> {
        if regions.len() > IOV_MAX {
            return Err(Error::TooLong { what: "memory region count", len: regions.len(), max: IOV_MAX });
        }
        let size = mem.size();
        for r in &regions {
            in_bounds("backing memory region", r.offset, r.len, size)?;
        }
        Ok(MemRegions { mem, regions })
    }

    /// One region of `mem`, checked as [`new`](Self::new) checks each.
    pub fn one(mem: Arc<dyn BackingMemory>, offset: u64, len: usize) -> Result<Self, Error> {
        Self::new(mem, vec![MemRegion { offset, len }])
    }

    /// The memory.
    pub fn memory(&self) -> &Arc<dyn BackingMemory> {
        &self.mem
    }

    /// The regions, in order.
    pub fn regions(&self) -> &[MemRegion] {
        &self.regions
    }

    /// The total length of the regions.
    pub fn total_len(&self) -> usize {
        self.regions.iter().fold(0usize, |a, r| a.saturating_add(r.len))
    }

    /// The memory and the regions, apart.
    pub fn into_parts(self) -> (Arc<dyn BackingMemory>, Vec<MemRegion>) {
        (self.mem, self.regions)
    }

    /// The iovecs of the regions: each inside the memory (checked by
    /// `new`), at the address the memory keeps for as long as `self`
    /// holds its `Arc`.
    pub(crate) fn iovecs(&self, out: &mut Vec<libc::iovec>) {
        out.clear();
        let base = self.mem.base();
        for r in &self.regions {
            // `new` checked that `offset + len <= size`, so the offset fits
            // in usize and the pointer stays inside the memory.
            out.push(libc::iovec { iov_base: base.wrapping_add(r.offset as usize).cast(), iov_len: r.len });
        }
    }
}

/// One region of a [`BackingMemory`] as an ordinary buffer ([`IoBuf`],
/// [`IoBufMut`]), for every operation that takes one (reads, writes,
/// sends, receives). Holds the memory's `Arc`.
#[derive(Clone)]
pub struct MemSlice {
    mem: Arc<dyn BackingMemory>,
    start: usize,
    len: usize,
}

impl core::fmt::Debug for MemSlice {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemSlice").field("start", &self.start).field("len", &self.len).finish()
    }
}

impl MemSlice {
    /// `len` bytes of `mem` at `offset`; outside the memory is
    /// [`Error::OutOfBounds`].
    pub fn new(mem: Arc<dyn BackingMemory>, offset: u64, len: usize) -> Result<Self, Error> {
        let start = in_bounds("backing memory slice", offset, len, mem.size())?;
        Ok(MemSlice { mem, start, len })
    }

    /// The memory.
    pub fn memory(&self) -> &Arc<dyn BackingMemory> {
        &self.mem
    }
}

// SAFETY: the pointer is inside the memory (checked by `new`), which the
// `Arc` keeps mapped for as long as this value exists and which never
// moves (the `BackingMemory` contract). All of the range counts as
// initialised: the memory is mapped and holds bytes.
unsafe impl IoBuf for MemSlice {
    fn stable_ptr(&self) -> *const u8 {
        self.mem.base().wrapping_add(self.start)
    }
    fn bytes_init(&self) -> usize {
        self.len
    }
    fn bytes_total(&self) -> usize {
        self.len
    }
}

// SAFETY: as above; the memory is writable and no Rust reference to its
// bytes exists (the `BackingMemory` contract), so kernel writes alias none.
unsafe impl IoBufMut for MemSlice {
    fn stable_mut_ptr(&mut self) -> *mut u8 {
        self.mem.base().wrapping_add(self.start)
    }
    unsafe fn set_init(&mut self, _n: usize) {}
}
