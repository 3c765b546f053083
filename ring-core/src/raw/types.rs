//! The small types the opcode builders ([`crate::raw::opcode`]) take and give:
//! the file an operation works on ([`Target`]), the `IOSQE_*` flags
//! ([`SqeFlags`]), the finished entries ([`Entry`], [`Entry128`]) and the
//! timespec timeouts point to ([`Timespec`]).
#![allow(unsafe_code)]

use core::ops::{BitAnd, BitOr, BitOrAssign, Deref, DerefMut};
use core::time::Duration;
use ring_sys::{__kernel_timespec, io_uring_sqe, io_uring_sqe128};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

/// The file an operation works on: an ordinary file descriptor, or an
/// index into the ring's registered file table (a "direct descriptor").
///
/// Builders accept `impl Into<Target>`, so a [`RawFd`], a [`BorrowedFd`]
/// or a [`Fixed`] can be passed directly. For a [`Target::Fixed`] the
/// builder sets `IOSQE_FIXED_FILE` itself (or, for the few opcodes that
/// name a registered file some other way, the flag that opcode uses).
///
/// The pieces of an entry: its target file, its flags, a timespec it
/// points to, and the 64- and 128-byte entries themselves.
///
/// ```
/// use ring_core::opcode::{Nop, Timeout};
/// use ring_core::types::{Entry, Entry128, Fixed, SqeFlags, Target, Timespec};
///
/// let plain = Target::from(3);
/// let slot = Target::from(Fixed(2)); // slot 2 of the registered file table
/// assert_eq!((plain.raw(), plain.is_fixed(), plain.sqe_flags()), (3, false, 0));
/// assert_eq!((slot.raw(), slot.is_fixed()), (2, true));
/// assert_eq!(slot.sqe_flags(), SqeFlags::FIXED_FILE.bits());
///
/// let flags = SqeFlags::IO_LINK.union(SqeFlags::ASYNC);
/// assert!(flags.contains(SqeFlags::ASYNC) && !flags.is_empty());
/// assert_eq!(SqeFlags::from_bits_retain(flags.bits()), flags);
///
/// let ts = Timespec::new(1, 500);
/// assert_eq!((ts.sec(), ts.nsec()), (1, 500));
/// assert_eq!(ts.into_raw().tv_nsec, 500);
/// let timer = Timeout::new(&raw const ts).build();
///
/// let entry: Entry = Nop::new().build().user_data(7).flags(flags).personality(0);
/// assert_eq!(entry.sqe_flags(), flags);
/// let sqe = entry.into_sqe();
/// assert_eq!(Entry::from_sqe(sqe).into_sqe().user_data, 7);
/// assert_eq!(timer.into_sqe().opcode, Timeout::CODE);
///
/// let wide = Entry128::from_entry(Nop::new().build()).with_cmd([1; 80]).user_data(8).flags(SqeFlags::ASYNC).personality(0);
/// assert_eq!(wide.cmd()[79], 1);
/// assert_eq!(Entry128::from_sqe(wide.into_sqe()).into_sqe().sqe.user_data, 8);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// A file descriptor of the submitting process.
    Fd(RawFd),
    /// An index into the registered file table (`IORING_REGISTER_FILES`).
    Fixed(u32),
}

impl Target {
    /// The value for `sqe.fd`: the descriptor or the table index.
    #[inline]
    pub const fn raw(self) -> i32 {
        match self {
            Target::Fd(fd) => fd,
            // The kernel reads `sqe.fd` as a signed int and then treats it
            // as an unsigned index, so the bit pattern is what matters.
            Target::Fixed(i) => i as i32,
        }
    }

    /// Whether this is a registered file index.
    #[inline]
    pub const fn is_fixed(self) -> bool {
        matches!(self, Target::Fixed(_))
    }

    /// The `sqe.flags` bits this target needs: `IOSQE_FIXED_FILE` for a
    /// registered file, nothing for a plain descriptor.
    #[inline]
    pub const fn sqe_flags(self) -> u8 {
        match self {
            Target::Fd(_) => 0,
            Target::Fixed(_) => ring_sys::IOSQE_FIXED_FILE,
        }
    }
}

impl From<RawFd> for Target {
    #[inline]
    fn from(fd: RawFd) -> Self {
        Target::Fd(fd)
    }
}

impl From<BorrowedFd<'_>> for Target {
    #[inline]
    fn from(fd: BorrowedFd<'_>) -> Self {
        Target::Fd(fd.as_raw_fd())
    }
}

impl From<Fixed> for Target {
    #[inline]
    fn from(f: Fixed) -> Self {
        Target::Fixed(f.0)
    }
}

/// An index into the ring's registered file table, for passing to a
/// builder where a file is expected: `Read::new(Fixed(3), ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fixed(pub u32);

/// The `IOSQE_*` flags of an SQE, as a set.
///
/// A hand-written bit set over `u8` (the crate depends on nothing but
/// `ring-sys` and `libc`). Combine with `|`; [`Entry::flags`] ORs a set
/// into an entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SqeFlags(u8);

impl SqeFlags {
    /// No flags.
    pub const EMPTY: SqeFlags = SqeFlags(0);
    /// `IOSQE_FIXED_FILE`: `sqe.fd` is a registered file index. Builders
    /// set it themselves for a [`Target::Fixed`]. Linux 5.1.
    pub const FIXED_FILE: SqeFlags = SqeFlags(ring_sys::IOSQE_FIXED_FILE);
    /// `IOSQE_IO_DRAIN`: start only after every earlier entry completed,
    /// and hold back later ones until this one completes. Linux 5.2.
    pub const IO_DRAIN: SqeFlags = SqeFlags(ring_sys::IOSQE_IO_DRAIN);
    /// `IOSQE_IO_LINK`: the next entry starts only after this one
    /// succeeds; if this one fails, the rest of the chain completes with
    /// `-ECANCELED`. Linux 5.3.
    pub const IO_LINK: SqeFlags = SqeFlags(ring_sys::IOSQE_IO_LINK);
    /// `IOSQE_IO_HARDLINK`: like `IO_LINK`, but the chain goes on even if
    /// this entry fails. Linux 5.5.
    pub const IO_HARDLINK: SqeFlags = SqeFlags(ring_sys::IOSQE_IO_HARDLINK);
    /// `IOSQE_ASYNC`: skip the non-blocking attempt and queue the request
    /// to an io-wq worker at once. Linux 5.6.
    pub const ASYNC: SqeFlags = SqeFlags(ring_sys::IOSQE_ASYNC);
    /// `IOSQE_BUFFER_SELECT`: take the buffer from the provided-buffer
    /// group in `buf_group` when the request runs. Linux 5.7.
    pub const BUFFER_SELECT: SqeFlags = SqeFlags(ring_sys::IOSQE_BUFFER_SELECT);
    /// `IOSQE_CQE_SKIP_SUCCESS`: post no completion if the request
    /// succeeds. Linux 5.17.
    pub const CQE_SKIP_SUCCESS: SqeFlags = SqeFlags(ring_sys::IOSQE_CQE_SKIP_SUCCESS);

    /// The set with exactly these bits, known to this crate or not.
    #[inline]
    pub const fn from_bits_retain(bits: u8) -> Self {
        SqeFlags(bits)
    }

    /// The bits, as `sqe.flags` holds them.
    #[inline]
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether every bit of `other` is in this set.
    #[inline]
    pub const fn contains(self, other: SqeFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of the two sets, usable in constants.
    #[inline]
    pub const fn union(self, other: SqeFlags) -> Self {
        SqeFlags(self.0 | other.0)
    }
}

impl BitOr for SqeFlags {
    type Output = SqeFlags;
    #[inline]
    fn bitor(self, rhs: SqeFlags) -> SqeFlags {
        SqeFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for SqeFlags {
    #[inline]
    fn bitor_assign(&mut self, rhs: SqeFlags) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for SqeFlags {
    type Output = SqeFlags;
    #[inline]
    fn bitand(self, rhs: SqeFlags) -> SqeFlags {
        SqeFlags(self.0 & rhs.0)
    }
}

impl core::fmt::Debug for SqeFlags {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        const NAMES: [(SqeFlags, &str); 7] = [
            (SqeFlags::FIXED_FILE, "FIXED_FILE"),
            (SqeFlags::IO_DRAIN, "IO_DRAIN"),
            (SqeFlags::IO_LINK, "IO_LINK"),
            (SqeFlags::IO_HARDLINK, "IO_HARDLINK"),
            (SqeFlags::ASYNC, "ASYNC"),
            (SqeFlags::BUFFER_SELECT, "BUFFER_SELECT"),
            (SqeFlags::CQE_SKIP_SUCCESS, "CQE_SKIP_SUCCESS"),
        ];
        f.write_str("SqeFlags(")?;
        let mut first = true;
        let mut rest = self.0;
        for (flag, name) in NAMES {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
                rest &= !flag.0;
            }
        }
        if rest != 0 {
            if !first {
                f.write_str(" | ")?;
            }
            write!(f, "{rest:#x}")?;
        } else if first {
            f.write_str("empty")?;
        }
        f.write_str(")")
    }
}

/// A finished 64-byte submission entry, as a builder's `build` returns it.
///
/// It dereferences to the [`io_uring_sqe`] it wraps, so
/// `ring.sq().push(&entry)` works by deref coercion, and any field the
/// builders do not cover can still be changed through the `set_*`
/// accessors of `io_uring_sqe`.
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct Entry(io_uring_sqe);

impl Entry {
    /// Wraps a raw SQE.
    #[inline]
    pub const fn from_sqe(sqe: io_uring_sqe) -> Self {
        Entry(sqe)
    }

    /// The raw SQE.
    #[inline]
    pub const fn into_sqe(self) -> io_uring_sqe {
        self.0
    }

    /// Sets the value the completion carries back in `cqe.user_data`.
    #[inline]
    #[must_use]
    pub const fn user_data(mut self, user_data: u64) -> Self {
        self.0.user_data = user_data;
        self
    }

    /// ORs `flags` into the entry's `IOSQE_*` flags (it never clears the
    /// flags the builder set, such as `IOSQE_FIXED_FILE`).
    #[inline]
    #[must_use]
    pub const fn flags(mut self, flags: SqeFlags) -> Self {
        self.0.flags |= flags.0;
        self
    }

    /// Issues the request with the credentials registered under `id`
    /// (`IORING_REGISTER_PERSONALITY`); 0, the default, means the
    /// submitter's own. Linux 5.6.
    #[inline]
    #[must_use]
    pub const fn personality(mut self, id: u16) -> Self {
        self.0.personality = id;
        self
    }

    /// The entry's `IOSQE_*` flags.
    #[inline]
    pub const fn sqe_flags(&self) -> SqeFlags {
        SqeFlags(self.0.flags)
    }
}

impl Deref for Entry {
    type Target = io_uring_sqe;
    #[inline]
    fn deref(&self) -> &io_uring_sqe {
        &self.0
    }
}

impl DerefMut for Entry {
    #[inline]
    fn deref_mut(&mut self) -> &mut io_uring_sqe {
        &mut self.0
    }
}

impl From<io_uring_sqe> for Entry {
    #[inline]
    fn from(sqe: io_uring_sqe) -> Self {
        Entry(sqe)
    }
}

impl From<Entry> for io_uring_sqe {
    #[inline]
    fn from(e: Entry) -> Self {
        e.0
    }
}

impl core::fmt::Debug for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Entry").field(&self.0).finish()
    }
}

/// A finished 128-byte submission entry, for `IORING_OP_NOP128` and
/// `IORING_OP_URING_CMD128` (on `IORING_SETUP_SQE_MIXED` rings) and for
/// `IORING_OP_URING_CMD` on rings set up with `IORING_SETUP_SQE128`.
/// Push it with [`SubmissionQueue::push128`](crate::SubmissionQueue::push128).
#[repr(transparent)]
#[derive(Clone, Copy, Debug)]
pub struct Entry128(io_uring_sqe128);

impl Entry128 {
    /// Wraps a raw 128-byte SQE.
    #[inline]
    pub const fn from_sqe(sqe: io_uring_sqe128) -> Self {
        Entry128(sqe)
    }

    /// Extends a 64-byte entry with 64 zero bytes.
    #[inline]
    pub const fn from_entry(e: Entry) -> Self {
        Entry128(io_uring_sqe128 { sqe: e.0, cmd_ext: [0; 64] })
    }

    /// The raw 128-byte SQE.
    #[inline]
    pub const fn into_sqe(self) -> io_uring_sqe128 {
        self.0
    }

    /// Sets the value the completion carries back in `cqe.user_data`.
    #[inline]
    #[must_use]
    pub const fn user_data(mut self, user_data: u64) -> Self {
        self.0.sqe.user_data = user_data;
        self
    }

    /// ORs `flags` into the entry's `IOSQE_*` flags.
    #[inline]
    #[must_use]
    pub const fn flags(mut self, flags: SqeFlags) -> Self {
        self.0.sqe.flags |= flags.0;
        self
    }

    /// Issues the request with the registered credentials `id`; Linux 5.6.
    #[inline]
    #[must_use]
    pub const fn personality(mut self, id: u16) -> Self {
        self.0.sqe.personality = id;
        self
    }

    /// The 80-byte command area of a `uring_cmd` (byte 48 to the end).
    #[inline]
    pub fn cmd(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        out[..16].copy_from_slice(&self.first_cmd_bytes());
        out[16..].copy_from_slice(&self.0.cmd_ext);
        out
    }

    /// Replaces the 80-byte command area of a `uring_cmd`.
    #[inline]
    #[must_use]
    pub fn with_cmd(mut self, cmd: [u8; 80]) -> Self {
        let mut lo = [0u8; 16];
        lo.copy_from_slice(&cmd[..16]);
        set_cmd16(&mut self.0.sqe, lo);
        self.0.cmd_ext.copy_from_slice(&cmd[16..]);
        self
    }

    fn first_cmd_bytes(&self) -> [u8; 16] {
        let a = self.0.sqe.addr3().to_ne_bytes();
        let b = self.0.sqe.attr_type_mask().to_ne_bytes();
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&a);
        out[8..].copy_from_slice(&b);
        out
    }
}

/// Writes the 16 command bytes that lie inside a 64-byte SQE (bytes
/// 48..64, the `addr3` union) through the safe accessors, as two native-
/// endian words, so that the bytes land in memory in the order given.
pub(crate) fn set_cmd16(sqe: &mut io_uring_sqe, cmd: [u8; 16]) {
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    a.copy_from_slice(&cmd[..8]);
    b.copy_from_slice(&cmd[8..]);
    // `attr_ptr` is the first word of the union and `attr_type_mask` the
    // second, so together they cover all 16 bytes.
    sqe.set_attr_ptr(u64::from_ne_bytes(a));
    sqe.set_attr_type_mask(u64::from_ne_bytes(b));
}

impl Deref for Entry128 {
    type Target = io_uring_sqe128;
    #[inline]
    fn deref(&self) -> &io_uring_sqe128 {
        &self.0
    }
}

impl DerefMut for Entry128 {
    #[inline]
    fn deref_mut(&mut self) -> &mut io_uring_sqe128 {
        &mut self.0
    }
}

impl From<Entry> for Entry128 {
    #[inline]
    fn from(e: Entry) -> Self {
        Entry128::from_entry(e)
    }
}

/// A timeout's time, in the layout the kernel reads
/// (`struct __kernel_timespec`). Timeout builders take a pointer to one.
#[repr(transparent)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timespec(__kernel_timespec);

impl Timespec {
    /// A time of `sec` seconds and `nsec` nanoseconds (`nsec` should be
    /// below one billion; the kernel rejects larger values with `EINVAL`).
    /// Seconds beyond what the kernel's signed field holds are clamped to
    /// its largest value (a time that never comes), as
    /// `From<Duration>` clamps them, rather than wrapped into a negative
    /// time the kernel would refuse.
    #[inline]
    pub const fn new(sec: u64, nsec: u32) -> Self {
        let sec = if sec > i64::MAX as u64 { i64::MAX } else { sec as i64 };
        Timespec(__kernel_timespec { tv_sec: sec, tv_nsec: nsec as i64 })
    }

    /// Whole seconds.
    #[inline]
    pub const fn sec(&self) -> i64 {
        self.0.tv_sec
    }

    /// Nanoseconds.
    #[inline]
    pub const fn nsec(&self) -> i64 {
        self.0.tv_nsec
    }

    /// The raw kernel structure.
    #[inline]
    pub const fn into_raw(self) -> __kernel_timespec {
        self.0
    }
}

impl From<Duration> for Timespec {
    #[inline]
    fn from(d: Duration) -> Self {
        Timespec(__kernel_timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        })
    }
}

impl From<__kernel_timespec> for Timespec {
    #[inline]
    fn from(ts: __kernel_timespec) -> Self {
        Timespec(ts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_compose() {
        let f = SqeFlags::IO_LINK | SqeFlags::ASYNC;
        assert!(f.contains(SqeFlags::IO_LINK));
        assert!(!f.contains(SqeFlags::IO_DRAIN));
        assert_eq!(f.bits(), ring_sys::IOSQE_IO_LINK | ring_sys::IOSQE_ASYNC);
        assert_eq!(format!("{f:?}"), "SqeFlags(IO_LINK | ASYNC)");
        assert_eq!(format!("{:?}", SqeFlags::EMPTY), "SqeFlags(empty)");
        assert_eq!(format!("{:?}", SqeFlags::from_bits_retain(0x80)), "SqeFlags(0x80)");
    }

    #[test]
    fn entry_setters_or_flags() {
        let e = Entry::from_sqe(io_uring_sqe::zeroed())
            .flags(SqeFlags::FIXED_FILE)
            .flags(SqeFlags::IO_LINK)
            .user_data(7)
            .personality(3);
        assert_eq!(e.flags, ring_sys::IOSQE_FIXED_FILE | ring_sys::IOSQE_IO_LINK);
        assert_eq!(e.user_data, 7);
        assert_eq!(e.personality, 3);
    }

    #[test]
    fn cmd_area_round_trips() {
        let mut cmd = [0u8; 80];
        for (i, b) in cmd.iter_mut().enumerate() {
            *b = i as u8;
        }
        let mut e = Entry128::from_entry(Entry::from_sqe(io_uring_sqe::zeroed())).with_cmd(cmd);
        assert_eq!(e.cmd(), cmd);
        // The bytes must sit where the kernel reads them: byte 48 onwards.
        let p = e.cmd_ptr();
        // SAFETY: `cmd_ptr` of a 128-byte SQE is valid for 80 bytes.
        let first = unsafe { p.read() };
        // SAFETY: as above; 79 is the last byte of the area.
        let last = unsafe { p.add(79).read() };
        assert_eq!((first, last), (0, 79));
    }

    #[test]
    fn targets() {
        assert_eq!(Target::from(5), Target::Fd(5));
        assert_eq!(Target::from(Fixed(2)), Target::Fixed(2));
        assert!(Target::Fixed(2).is_fixed());
        assert_eq!(Target::Fixed(2).sqe_flags(), ring_sys::IOSQE_FIXED_FILE);
        let fd = std::io::stdin();
        let b = std::os::fd::AsFd::as_fd(&fd);
        assert_eq!(Target::from(b), Target::Fd(0));
    }
}
