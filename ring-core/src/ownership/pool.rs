//! Provided-buffer rings as a safe pool: [`BufferPool`] and the owned
//! buffers it yields, [`PoolBuf`].
//!
//! A [`BufferPool`] registers a provided-buffer ring ([`BufRing`]) with the
//! driver's ring and hands all its buffers to the kernel. Operations that
//! select a buffer (`IOSQE_BUFFER_SELECT`, see `ops::bufsel`) hold the pool
//! by `Rc`, and each completion that reports a buffer
//! (`IORING_CQE_F_BUFFER`) becomes a [`PoolBuf`]: the bytes the kernel wrote,
//! owned by the caller until it is dropped, at which point the buffer goes
//! back into the ring (entry written, tail release-stored).
//!
//! Incremental consumption (`IOU_PBUF_RING_INC`, Linux 6.12) is supported:
//! a completion flagged `IORING_CQE_F_BUF_MORE` yields a [`PoolBuf`] over
//! the part of the buffer that completion filled, while the rest of the
//! buffer stays with the kernel; the buffer is recycled only when a
//! completion without `IORING_CQE_F_BUF_MORE` returned it *and* every
//! [`PoolBuf`] over any part of it was dropped. Bundles
//! (`IORING_RECVSEND_BUNDLE`) are resolved with [`BufferPool`]'s record of
//! the order in which buffers were pushed (see `PoolInner::take_bundle`).
//!
//! # Why this is sound
//!
//! *Who may touch a buffer.* Each buffer id is, at any moment, in exactly
//! one of three states: **with the kernel** (pushed into the ring and not
//! yet reported by a completion without `BUF_MORE`), **returned** (reported,
//! with some [`PoolBuf`]s possibly alive over it) or, transiently inside
//! `PoolInner::release`, **being recycled**. Rust code reads or writes
//! buffer memory only through a [`PoolBuf`], and a [`PoolBuf`] is only ever
//! built from a completion: it covers exactly the bytes that completion
//! says the kernel wrote (`[0, res)`, or, on an incremental ring, the next
//! `res` bytes after those of the previous completions for the same id,
//! which the kernel never writes again until the buffer is pushed anew).
//! So no Rust reference covers a byte the kernel may still write. A buffer
//! is pushed back into the ring only when it was returned and its count of
//! live [`PoolBuf`]s is zero, so no [`PoolBuf`] ever covers memory the
//! kernel was given again. Each completion is turned into a [`PoolBuf`] at
//! most once: the operations do it in their `complete`/`item`, and the
//! driver hands each completion to exactly one of those (or, for an
//! orphaned stream, to `Operation::orphaned_cqe`, which does the same and
//! drops the result, recycling the buffer).
//!
//! *Who keeps the memory alive.* The ring memory and the buffers belong to
//! the [`BufRing`] inside `PoolInner`, which is reference counted: the
//! [`BufferPool`] handle, every operation value that names the group (held
//! in the driver's table until its terminal completion, whatever happens to
//! its future), and every live [`PoolBuf`] hold a count. The group is
//! unregistered and the memory freed only when the last count goes, that
//! is, when no request naming the group is in the kernel (a request that
//! took a buffer writes it until its completion, which is the operation's
//! terminal one) and nobody can read a buffer. If at that moment the driver
//! is gone, shut down, or busy (the last holder dropped inside a driver
//! callback), the memory is leaked instead ([`BufRing`]'s `Drop` leaks a
//! ring that is still registered), which is always sound. An operation
//! whose future was forgotten, or that was leaked at teardown, keeps its
//! count forever: a leak, never a free.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::ownership::driver::Driver;
use crate::raw::cqueue::Cqe;
use crate::raw::register::{BufRing, BufRingConfig};
use crate::raw::ring_id::RingId;
use core::cell::{Cell, RefCell};
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;
use ring_sys::IORING_CQE_F_BUF_MORE;
use std::rc::Rc;

/// What unregisters the ring when the pool's last holder goes (type-erased
/// over the driver's [`Kernel`]).
type Release = Box<dyn FnOnce(BufRing)>;

/// A pool of provided buffers registered with a [`Driver`]'s ring. Cheap to
/// clone (a reference-counted handle). See the [module docs](self).
///
/// ```
/// use ring_core::pool::{BufferPool, PoolBuf};
/// use ring_core::register::BufRingConfig;
/// use std::io::Write;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // Group 3: 8 ring entries, 4 buffers of 1 KiB.
/// let pool = BufferPool::new(&d, BufRingConfig::new(3, 8).buffers(4, 1024))?;
/// assert_eq!((pool.bgid(), pool.buffers(), pool.buf_len()), (3, 4, 1024));
/// assert_eq!((pool.ring_id(), pool.is_incremental()), (d.ring_id(), false));
/// assert_eq!(pool.with_kernel(), 4);
///
/// let (a, b) = std::os::unix::net::UnixStream::pair()?;
/// (&a).write_all(b"pooled")?;
/// let b = Rc::new(b);
/// let buf: PoolBuf = rt.block_on(d.recv_pool(&b, &pool, 0))??;
/// assert_eq!(&buf[..], b"pooled");
/// assert_eq!(buf.to_vec(), b"pooled");
/// let (_bid, _offset) = (buf.bid(), buf.offset());
/// assert_eq!(pool.with_kernel(), 3);
/// drop(buf); // back to the kernel
/// assert_eq!((pool.with_kernel(), pool.recycled()), (4, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BufferPool {
    pub(crate) inner: Rc<PoolInner>,
}

impl core::fmt::Debug for BufferPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufferPool")
            .field("bgid", &self.inner.bgid)
            .field("buffers", &self.inner.count)
            .field("buf_len", &self.inner.buf_len)
            .field("with_kernel", &self.with_kernel())
            .finish()
    }
}

/// Mutable bookkeeping of a pool.
struct State {
    /// `None` only once the pool is being released.
    ring: Option<BufRing>,
    /// Live [`PoolBuf`]s per buffer id.
    views: Vec<u32>,
    /// Whether a completion without `BUF_MORE` returned the buffer (and it
    /// was not recycled since).
    returned: Vec<bool>,
    /// On an incremental ring, how many bytes of each buffer completions
    /// have reported since it was last pushed.
    offset: Vec<u32>,
    /// The id pushed right after each id (ring order), to resolve bundles.
    next_pushed: Vec<u16>,
    /// The id pushed last.
    last_pushed: Option<u16>,
    /// The sequence number of each id's latest push (the ring position it
    /// was pushed at, counting every push): a bundle's buffers are
    /// consecutive pushes, so a successor whose number does not follow is
    /// a stale record (the id was pushed again since), and the walk stops.
    push_seq: Vec<u32>,
    /// The number the next push gets.
    next_seq: u32,
    /// Buffers pushed back into the ring after their first push.
    recycled: u64,
}

/// The shared part of a [`BufferPool`], held by the handle, by operations
/// and by [`PoolBuf`]s.
pub(crate) struct PoolInner {
    state: RefCell<State>,
    /// The start of buffer 0; buffer `bid` starts `bid * buf_len` later.
    base: NonNull<u8>,
    buf_len: u32,
    bgid: u16,
    count: u16,
    incremental: bool,
    /// The ring the group is registered with: on another ring the same
    /// group id names another group (or none), whose buffer ids this pool
    /// must never resolve.
    ring: RingId,
    release: Cell<Option<Release>>,
}

impl BufferPool {
    /// Registers a provided-buffer ring with `driver`'s ring as `config`
    /// describes (it must own at least one buffer: `config.buf_count > 0`)
    /// and gives every buffer to the kernel.
    ///
    /// Fails as [`crate::Ring::register_buf_ring`] does (for example with
    /// `EEXIST` if the group id is taken), or with
    /// [`Error::NotConfigured`] if the driver is shut down.
    pub fn new<K: Kernel + 'static>(driver: &Driver<K>, config: BufRingConfig) -> Result<Self, crate::error::Error> {
        if config.buf_count == 0 || config.buf_len == 0 {
            return Err(Error::InvalidArgument("a buffer pool needs at least one non-empty buffer"));
        }
        let ring = driver.ring_call(|r| r.register_buf_ring(config))??;
        let base = ring.buf_ptr(0).expect("the ring owns buffers (checked above)");
        let n = usize::from(config.buf_count);
        // The initial pushes were ids 0, 1, ..., in that order.
        let next_pushed = (0..config.buf_count).map(|b| b.wrapping_add(1)).collect();
        let weak = Rc::downgrade(&driver.shared);
        let release: Release = Box::new(move |ring: BufRing| {
            // If the driver is gone, shut down or busy, `ring` is dropped
            // unregistered, which leaks its memory (sound; see the module docs).
            if let Some(shared) = weak.upgrade() {
                let _ = shared.try_with_ring_mut(move |r| r.unregister_buf_ring(ring));
            }
        });
        Ok(BufferPool {
            inner: Rc::new(PoolInner {
                state: RefCell::new(State {
                    ring: Some(ring),
                    views: vec![0; n],
                    returned: vec![false; n],
                    offset: vec![0; n],
                    next_pushed,
                    last_pushed: Some(config.buf_count - 1),
                    push_seq: (0..u32::from(config.buf_count)).collect(),
                    next_seq: u32::from(config.buf_count),
                    recycled: 0,
                }),
                base,
                buf_len: config.buf_len,
                bgid: config.bgid,
                count: config.buf_count,
                incremental: config.incremental,
                ring: driver.ring_id(),
                release: Cell::new(Some(release)),
            }),
        })
    }

    /// The buffer group id operations name.
    pub fn bgid(&self) -> u16 {
        self.inner.bgid
    }

    /// The ring the pool is registered with; operations on any other
    /// driver refuse it (they complete with `EXDEV`, see
    /// [`crate::Operation::refuse`]).
    pub fn ring_id(&self) -> RingId {
        self.inner.ring
    }

    /// The number of buffers.
    pub fn buffers(&self) -> u16 {
        self.inner.count
    }

    /// The length of each buffer.
    pub fn buf_len(&self) -> u32 {
        self.inner.buf_len
    }

    /// Whether buffers are consumed incrementally (`IOU_PBUF_RING_INC`).
    pub fn is_incremental(&self) -> bool {
        self.inner.incremental
    }

    /// How many buffers are with the kernel (in the ring, or taken by a
    /// request whose completion was not processed yet).
    pub fn with_kernel(&self) -> u16 {
        let st = self.inner.state.borrow();
        st.returned.iter().filter(|r| !**r).count() as u16
    }

    /// How many times a buffer was given back to the kernel after use.
    pub fn recycled(&self) -> u64 {
        self.inner.state.borrow().recycled
    }
}

impl PoolInner {
    pub(crate) fn bgid(&self) -> u16 {
        self.bgid
    }

    /// [`crate::Operation::refuse`] for an operation selecting from this
    /// pool's group.
    #[inline]
    pub(crate) fn refuse(&self, ring: RingId) -> Option<i32> {
        crate::ownership::ops::foreign(Some(self.ring), ring)
    }

    pub(crate) fn buf_len(&self) -> u32 {
        self.buf_len
    }

    /// Turns the buffer a completion reports into a [`PoolBuf`] (`None` if
    /// the completion reports no buffer of this pool). Must be called at
    /// most once per completion.
    pub(crate) fn take(self: &Rc<Self>, cqe: &Cqe) -> Option<PoolBuf> {
        let bid = cqe.buffer_id()?;
        self.take_one(bid, cqe.res.max(0) as u32, cqe.flags & IORING_CQE_F_BUF_MORE != 0)
    }

    /// Records that the kernel wrote `n` bytes into buffer `bid` and
    /// returns them as a [`PoolBuf`].
    ///
    /// On an incremental ring the buffer counts as returned only when the
    /// completion has no `BUF_MORE` *and* the buffer is used up: the
    /// kernel advances its head past an incremental buffer only once it is
    /// consumed to the end (`io_kbuf_inc_commit`), and a zero-length
    /// completion without `BUF_MORE` leaves the buffer in the ring, so
    /// trusting the flag alone could put the buffer in the ring twice.
    fn take_one(self: &Rc<Self>, bid: u16, n: u32, more: bool) -> Option<PoolBuf> {
        if bid >= self.count {
            return None;
        }
        let mut st = self.state.borrow_mut();
        let i = usize::from(bid);
        if st.returned[i] {
            // The buffer is not with the kernel (a completion returned it and
            // it was not pushed again): a second report of it cannot come
            // from the kernel, and a view of it could alias a live one or
            // put it in the ring twice when dropped.
            debug_assert!(false, "a completion reported buffer {bid}, which the kernel does not have");
            return None;
        }
        let start = if self.incremental { st.offset[i].min(self.buf_len) } else { 0 };
        let len = n.min(self.buf_len - start);
        let returned = if self.incremental {
            st.offset[i] = start + len;
            !more && start + len == self.buf_len
        } else {
            true
        };
        if returned {
            st.returned[i] = true;
        }
        st.views[i] += 1;
        drop(st);
        Some(PoolBuf { pool: self.clone(), bid, start, len })
    }

    /// Turns a bundle completion (`IORING_RECVSEND_BUNDLE`: `res` bytes in
    /// consecutive ring entries starting with the reported id) into its
    /// buffers, in order. Must be called at most once per completion.
    ///
    /// The kernel fills the buffers it took in ring order, each to its end
    /// (on an incremental ring, from where the previous completions left
    /// it) except the last, and commits as many as it filled
    /// (`io_bundle_nbufs`, `io_kbuf_inc_commit`); the walk does the same
    /// along the push order. The ids after the first are found in
    /// `next_pushed`: the ring order is the push order, and an id's
    /// successor is recorded when the next push happens, and is overwritten
    /// only when the id is pushed again, which requires it to have been
    /// returned, that is, this completion to have been processed.
    ///
    /// The count must not be able to overstate what was placed: the
    /// operations refuse `MSG_TRUNC` (see [`crate::ops::flags::RECV`]),
    /// with which the kernel reports a datagram's full length. Should a
    /// count still run past what the kernel can have taken, the walk stops
    /// there rather than hand out a buffer the kernel still owns: at the
    /// newest push (a successor whose push number does not follow is not
    /// in the ring after this one) and at a buffer already returned.
    /// A bundle completion of zero bytes consumed no buffer (the kernel
    /// commits `io_bundle_nbufs(.., 0) == 0` entries even though it sets
    /// `IORING_CQE_F_BUFFER`), so it yields none.
    pub(crate) fn take_bundle(self: &Rc<Self>, cqe: &Cqe) -> Vec<PoolBuf> {
        let Some(mut bid) = cqe.buffer_id() else { return Vec::new() };
        if cqe.res <= 0 {
            return Vec::new();
        }
        let more = cqe.flags & IORING_CQE_F_BUF_MORE != 0;
        let mut left = cqe.res as u32;
        let mut out = Vec::new();
        while bid < self.count {
            let start =
                if self.incremental { self.state.borrow().offset[usize::from(bid)].min(self.buf_len) } else { 0 };
            let room = self.buf_len - start;
            let last = left <= room;
            let Some(buf) = self.take_one(bid, left.min(room), last && more) else { break };
            out.push(buf);
            if last {
                break;
            }
            left -= room;
            let st = self.state.borrow();
            let next = st.next_pushed[usize::from(bid)];
            let follows = next < self.count
                && Some(bid) != st.last_pushed
                && st.push_seq[usize::from(next)] == st.push_seq[usize::from(bid)].wrapping_add(1)
                && !st.returned[usize::from(next)];
            if !follows {
                break;
            }
            bid = next;
        }
        out
    }

    /// An empty [`PoolBuf`] that holds no buffer (for a completion of zero
    /// bytes that reported none, such as end of file).
    pub(crate) fn empty(self: &Rc<Self>) -> PoolBuf {
        PoolBuf { pool: self.clone(), bid: NO_BUFFER, start: 0, len: 0 }
    }

    /// Drops one view of `bid` and recycles the buffer if it was returned
    /// and that was the last view.
    fn release(&self, bid: u16) {
        if bid == NO_BUFFER {
            return;
        }
        let mut st = self.state.borrow_mut();
        let i = usize::from(bid);
        st.views[i] -= 1;
        if st.views[i] > 0 || !st.returned[i] {
            return;
        }
        st.returned[i] = false;
        st.offset[i] = 0;
        let Some(ring) = st.ring.as_mut() else { return };
        // SAFETY: a completion without `BUF_MORE` reported `bid` (`returned`), so the kernel is done with it, and
        // `take` was not called for that completion before: `returned` is cleared here, in the same step. The slice it
        // returns is dropped at once; no other reference to the buffer exists (its view count is zero).
        let taken = unsafe { ring.take(bid) }.map(drop);
        // Pushing cannot fail: the id is an owned buffer and was just taken
        // back, so it is not in the ring.
        if taken.is_ok() && ring.recycle(bid).is_ok() {
            if let Some(last) = st.last_pushed {
                st.next_pushed[usize::from(last)] = bid;
            }
            st.last_pushed = Some(bid);
            st.push_seq[i] = st.next_seq;
            st.next_seq = st.next_seq.wrapping_add(1);
            st.recycled += 1;
        }
    }
}

impl Drop for PoolInner {
    fn drop(&mut self) {
        // The last holder is gone: no operation naming the group is in the
        // kernel and no PoolBuf exists (each holds a count).
        let ring = self.state.get_mut().ring.take();
        if let (Some(ring), Some(release)) = (ring, self.release.take()) {
            release(ring);
        }
    }
}

/// The id of an empty [`PoolBuf`] that holds no buffer (never a real id:
/// a pool has at most 32768 buffers).
const NO_BUFFER: u16 = u16::MAX;

/// An owned buffer from a [`BufferPool`]: the bytes one completion reported.
/// Dereferences to `[u8]`; goes back to the kernel when dropped.
pub struct PoolBuf {
    pool: Rc<PoolInner>,
    bid: u16,
    start: u32,
    len: u32,
}

impl PoolBuf {
    /// The buffer id (`u16::MAX` for an empty buffer that holds none, as at
    /// end of file).
    pub fn bid(&self) -> u16 {
        self.bid
    }

    /// Where in the buffer these bytes start (non-zero only on incremental
    /// rings, after earlier completions for the same buffer).
    pub fn offset(&self) -> usize {
        self.start as usize
    }

    /// The bytes, as a `Vec`, leaving the buffer to be recycled.
    pub fn to_vec(&self) -> Vec<u8> {
        self.deref().to_vec()
    }

    fn ptr(&self) -> *mut u8 {
        if self.bid == NO_BUFFER {
            return NonNull::dangling().as_ptr();
        }
        let off = usize::from(self.bid) * self.pool.buf_len as usize + self.start as usize;
        // SAFETY: `bid < count` and `start + len <= buf_len`, so the offset
        // lies inside the buffer mapping of `count * buf_len` bytes, which
        // lives while `self.pool` does.
        unsafe { self.pool.base.as_ptr().add(off) }
    }
}

impl Deref for PoolBuf {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the kernel wrote these `len` bytes (a completion said so; an empty PoolBuf has a dangling, aligned
        // pointer and length 0) and does not write them again until the buffer is pushed anew, which waits for this
        // PoolBuf's drop; no `&mut` to them exists elsewhere (each completion's range is handed out once).
        unsafe { core::slice::from_raw_parts(self.ptr(), self.len as usize) }
    }
}

impl DerefMut for PoolBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `deref`; `&mut self` makes the access exclusive,
        // and the range belongs to this PoolBuf alone.
        unsafe { core::slice::from_raw_parts_mut(self.ptr(), self.len as usize) }
    }
}

impl AsRef<[u8]> for PoolBuf {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl core::fmt::Debug for PoolBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PoolBuf").field("bid", &self.bid).field("offset", &self.start).field("len", &self.len).finish()
    }
}

impl Drop for PoolBuf {
    fn drop(&mut self) {
        self.pool.release(self.bid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring_sys::{IORING_CQE_BUFFER_SHIFT, IORING_CQE_F_BUFFER};

    /// A completion that reports `res` bytes starting with buffer `bid`,
    /// made up: no operation runs, the pool's bookkeeping is what is tested.
    fn reported(bid: u16, res: i32) -> Cqe {
        Cqe { res, flags: IORING_CQE_F_BUFFER | (u32::from(bid) << IORING_CQE_BUFFER_SHIFT), ..Cqe::default() }
    }

    /// A bundle whose count runs past the newest push never wraps around
    /// onto a buffer it already handed out (or one the kernel still has):
    /// the walk stops at the last buffer pushed. After buffer 0 was
    /// recycled, the ring order is 1, 2, 3, 0, and the successor recorded
    /// for 0 (1, from the first round) is stale.
    #[test]
    fn a_bundle_walk_stops_at_the_newest_push() {
        let d = Driver::new(4).unwrap();
        let pool = BufferPool::new(&d, BufRingConfig::new(41, 4).buffers(4, 64)).unwrap();
        let p = &pool.inner;
        drop(p.take(&reported(0, 10)).unwrap());
        assert_eq!(pool.recycled(), 1);
        let bufs = p.take_bundle(&reported(1, 64 * 10));
        let ids: Vec<u16> = bufs.iter().map(PoolBuf::bid).collect();
        assert_eq!(ids, [1, 2, 3, 0], "the walk follows the ring order and stops at the newest push");
        drop(bufs);
        assert_eq!(pool.recycled(), 5);
    }

    /// A bundle takes consecutive buffers once each; a count running past
    /// the last buffer ever pushed stops there; every buffer goes back once.
    #[test]
    fn a_buffer_is_handed_out_once_per_push() {
        let d = Driver::new(4).unwrap();
        let pool = BufferPool::new(&d, BufRingConfig::new(42, 4).buffers(4, 64)).unwrap();
        let p = &pool.inner;
        let first = p.take_bundle(&reported(0, 64 * 2));
        assert_eq!(first.iter().map(PoolBuf::bid).collect::<Vec<_>>(), [0, 1]);
        let second = p.take_bundle(&reported(2, 64 * 4));
        assert_eq!(second.iter().map(PoolBuf::bid).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(pool.with_kernel(), 0);
        drop((first, second));
        assert_eq!(pool.with_kernel(), 4);
    }
}
