//! The process's children and memory: waiting for a child, futexes, and
//! memory advice.
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::buf::AlignedBuf;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::file::Advice;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use crate::sync::kernel_word::{AtomicU32, FUTEX_LOAD, FUTEX_STORE};
use ring_sys::*;
use std::io;
use std::sync::Arc;

/// `madvise(2)` on an [`AlignedBuf`] the operation owns
/// (`IORING_OP_MADVISE`, 5.6); see [`Driver::madvise`].
///
/// Why only an owned, page-aligned buffer: `MADV_DONTNEED` zeroes the
/// pages, so advising memory that a live `&[u8]` points to would change it
/// under a shared reference, and advising a range that shares a page with
/// another allocation would zero that allocation too. An `AlignedBuf`
/// covers whole pages exclusively (its address and length are multiples of
/// its alignment, at least the page size is required below), and while the
/// operation holds it no reference to it exists.
#[derive(Debug)]
pub struct Madvise {
    buf: AlignedBuf,
    advice: Advice,
}

// SAFETY: the SQE names `self.buf`'s heap pages, owned exclusively by `self` and covering whole pages (checked in
// `Driver::madvise`); the allowed advice at most replaces their contents with zeros, and no reference to them exists
// until the buffer is handed back.
unsafe impl Operation for Madvise {
    /// The result and the buffer.
    type Output = (io::Result<()>, AlignedBuf);

    fn prepare(&mut self) -> io_uring_sqe {
        use crate::ownership::buf::IoBuf;
        opcode::Madvise::new(self.buf.stable_ptr().cast(), self.buf.bytes_total() as u64, self.advice.raw())
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result).map(drop), self.buf)
    }
}

/// `waitid(2)` (`IORING_OP_WAITID`, 6.7) into an owned `siginfo_t`; see
/// [`Driver::waitid`].
pub struct WaitId {
    idtype: libc::idtype_t,
    id: libc::id_t,
    options: i32,
    info: Box<libc::siginfo_t>,
    /// The pidfd of a `P_PIDFD` wait, held until the terminal completion:
    /// the kernel looks the number up when it issues the request, and a
    /// closed pidfd's number may by then name another child's.
    pidfd: Option<SharedFd>,
}

impl core::fmt::Debug for WaitId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitId").field("id", &self.id).field("options", &self.options).finish_non_exhaustive()
    }
}

impl WaitId {
    /// Whether this is a `P_PIDFD` wait whose pidfd is a bare number.
    fn bare_pidfd(&self) -> bool {
        self.idtype == libc::P_PIDFD && self.pidfd.is_none()
    }
}

// SAFETY: the SQE points at `self.info` (heap, owned), written by the
// kernel and reachable by nothing else while `self` is in the table.
unsafe impl Operation for WaitId {
    type Output = io::Result<ChildStatus>;

    fn prepare(&mut self) -> io_uring_sqe {
        let id = self.pidfd.as_ref().map_or(self.id, |fd| fd.raw() as libc::id_t);
        opcode::WaitId::new(self.idtype, id, self.options, &raw mut *self.info).build().into_sqe()
    }

    /// A `P_PIDFD` wait given a bare number (through
    /// [`Driver::waitid`]) is refused with `EINVAL`: the number names
    /// whichever pidfd has it when the kernel issues the request.
    fn refuse(&self, _ring: crate::raw::ring_id::RingId) -> Option<i32> {
        self.bare_pidfd().then_some(libc::EINVAL)
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        if self.bare_pidfd() {
            return Err(Error::InvalidArgument("a P_PIDFD wait names its pidfd with waitid_pidfd").into());
        }
        res(&result)?;
        let i = &*self.info;
        // SAFETY: for SIGCHLD information (what waitid fills in) the pid
        // and status members are the valid ones of the union.
        let (pid, status) = unsafe { (i.si_pid(), i.si_status()) };
        Ok(ChildStatus { pid, code: i.si_code, status })
    }
}

/// What `waitid` reported about a child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildStatus {
    /// The child's process id (0 if `WNOHANG` found none).
    pub pid: libc::pid_t,
    /// `CLD_EXITED`, `CLD_KILLED`, `CLD_DUMPED`, `CLD_STOPPED`, ...
    pub code: i32,
    /// The exit status, or the signal number.
    pub status: i32,
}

/// A 32-bit futex word that operations can keep alive: a cheap clone of a
/// shared `AtomicU32`. The kernel only reads it (to compare for a wait)
/// and uses its address as the key, and Rust code changes it only through
/// atomics, so sharing it with an operation in flight is sound.
///
/// A futex word shared with the kernel, and the process operations as
/// values made by their [`Driver`] methods:
///
/// ```
/// use ring_core::buf::AlignedBuf;
/// use ring_core::ops::{Advice, ChildStatus, Futex, FutexWait, FutexWaitV, FutexWake, Madvise, WaitId};
/// use ring_core::Op;
/// use std::sync::atomic::Ordering;
///
/// let futex = Futex::new(0);
/// futex.store(1);
/// assert_eq!(futex.load(), 1);
/// futex.word().fetch_add(1, Ordering::Relaxed);
/// assert_eq!(futex.load(), 2);
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// rt.block_on(async move {
///     let advise: Op<Madvise> = d.madvise(AlignedBuf::new(8192)?, Advice::WillNeed)?;
///     advise.await.0?;
///     // waitid and futexes are operations since 6.7.
///     if d.require(ring_core::sys::IORING_OP_WAITID).is_err() {
///         println!("skipping: no waitid or futex operations here");
///         return Ok(());
///     }
///     let child = std::process::Command::new("true").spawn()?;
///     let wait: Op<WaitId> = d.waitid(libc::P_PID, child.id(), libc::WEXITED);
///     let st: ChildStatus = wait.await?;
///     assert_eq!((st.pid as u32, st.code, st.status), (child.id(), libc::CLD_EXITED, 0));
///     // The word holds 2, not 1: EAGAIN at once, as futex_wait(2).
///     let wait: Op<FutexWait> = d.futex_wait(&futex, 1);
///     assert_eq!(wait.await.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
///     let wake: Op<FutexWake> = d.futex_wake(&futex, 1);
///     assert_eq!(wake.await?, 0, "nobody waited");
///     let waitv: Op<FutexWaitV> = d.futex_waitv(&[(futex.clone(), 0)]);
///     assert_eq!(waitv.await.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Futex(Arc<AtomicU32>);

impl Futex {
    /// A futex word holding `v`.
    pub fn new(v: u32) -> Self {
        Futex(Arc::new(AtomicU32::new(v)))
    }

    /// The word.
    pub fn word(&self) -> &AtomicU32 {
        &self.0
    }

    /// Loads the value.
    pub fn load(&self) -> u32 {
        self.0.load(FUTEX_LOAD)
    }

    /// Stores `v`.
    pub fn store(&self, v: u32) {
        self.0.store(v, FUTEX_STORE)
    }

    fn as_ptr(&self) -> *const u32 {
        self.0.as_ptr().cast_const()
    }
}

/// Process-private, 32-bit futexes: the flags every futex here uses.
const FUTEX_FLAGS: u32 = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;

/// `FUTEX_WAIT` (`IORING_OP_FUTEX_WAIT`, 6.7): waits until `futex` is woken,
/// if it still holds the value expected; see [`Driver::futex_wait`].
#[derive(Debug)]
pub struct FutexWait {
    futex: Futex,
    expected: u64,
    mask: u64,
}

// SAFETY: the SQE points at the futex word, kept alive by the `Arc` that
// `self` holds; the kernel only reads it (and uses its address as a key).
unsafe impl Operation for FutexWait {
    /// 0 once woken.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        let p = self.futex.as_ptr();
        opcode::FutexWait::new(p, self.expected).mask(self.mask).futex_flags(FUTEX_FLAGS).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

/// `FUTEX_WAKE` (`IORING_OP_FUTEX_WAKE`, 6.7): wakes up to `count` waiters of
/// `futex`; see [`Driver::futex_wake`].
#[derive(Debug)]
pub struct FutexWake {
    futex: Futex,
    count: u64,
    mask: u64,
}

// SAFETY: as for `FutexWait`: the word is kept alive by `self` and only read.
unsafe impl Operation for FutexWake {
    /// How many waiters were woken.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        let p = self.futex.as_ptr();
        opcode::FutexWake::new(p, self.count).mask(self.mask).futex_flags(FUTEX_FLAGS).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

/// `futex_waitv(2)` (`IORING_OP_FUTEX_WAITV`, 6.7) over owned futexes; see
/// [`Driver::futex_waitv`].
#[derive(Debug)]
pub struct FutexWaitV {
    _futexes: Vec<Futex>,
    waitv: Vec<futex_waitv>,
    /// The count asked for, if above [`FUTEX_WAITV_MAX`] (then `waitv` is
    /// empty, and the kernel refuses the request).
    too_long: usize,
}

// SAFETY: the SQE points at `self.waitv` (heap, owned, only read), whose
// entries point at the futex words kept alive by the `Arc`s in
// `self.futexes`, only read.
unsafe impl Operation for FutexWaitV {
    /// The index of the futex that was woken.
    type Output = io::Result<usize>;

    fn prepare(&mut self) -> io_uring_sqe {
        let nr = self.waitv.len().min(u32::MAX as usize) as u32;
        opcode::FutexWaitV::new(self.waitv.as_ptr(), nr).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<usize> {
        if self.too_long > 0 {
            return Err(Error::TooLong { what: "futex wait vector", len: self.too_long, max: FUTEX_WAITV_MAX }.into());
        }
        res(&result).map(|i| i as usize)
    }
}

/// The most futexes one `futex_waitv` waits on.
const FUTEX_WAITV_MAX: usize = ring_sys::FUTEX_WAITV_MAX as usize;

/// # Processes, futexes and memory advice
///
/// ```
/// use ring_core::buf::AlignedBuf;
/// use ring_core::ops::{Advice, Futex};
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// rt.block_on(async move {
///     let (r, _buf) = d.madvise(AlignedBuf::new(8192)?, Advice::WillNeed)?.await;
///     r?;
///
///     // waitid and futexes are operations since 6.7.
///     if d.require(ring_core::sys::IORING_OP_WAITID).is_err() {
///         println!("skipping: no waitid or futex operations here");
///         return Ok(());
///     }
///     let child = std::process::Command::new("true").spawn()?;
///     let st = d.waitid(libc::P_PID, child.id(), libc::WEXITED).await?;
///     assert_eq!((st.pid as u32, st.status), (child.id(), 0));
///
///     let futex = Futex::new(0);
///     let waiter = ring_core::task::spawn(d.futex_wait(&futex, 0));
///     ring_core::task::yield_now().await; // the wait is submitted first
///     futex.store(1);
///     d.futex_wake(&futex, 1).await?;
///     match waiter.await.expect("the waiter ran") {
///         Ok(_) => {}
///         // The wake came first: the futex no longer held 0.
///         Err(e) => assert_eq!(e.raw_os_error(), Some(libc::EAGAIN)),
///     }
///     // None of these holds its expected value: EAGAIN at once.
///     let r = d.futex_waitv(&[(Futex::new(5), 4), (futex.clone(), 0)]).await;
///     assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EAGAIN));
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`waitid_pidfd`](Self::waitid_pidfd) waits on a pidfd the same way.
impl<K: Kernel> Driver<K> {
    /// `madvise(2)` of the whole of `buf` (`IORING_OP_MADVISE`, 5.6); see
    /// [`Madvise`] for why the operation takes an owned, page-aligned
    /// buffer. Fails with `EINVAL` (without reaching the kernel's memory)
    /// if the buffer's alignment is below the page size.
    pub fn madvise(&self, buf: AlignedBuf, advice: Advice) -> io::Result<Op<Madvise, K>> {
        // SAFETY: sysconf has no memory effects.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        if buf.alignment() < page {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        Ok(self.op(Madvise { buf, advice }))
    }

    /// `waitid(2)` (`IORING_OP_WAITID`, 6.7): `idtype` is `P_PID`,
    /// `P_PGID` or `P_ALL`; `options` include `WEXITED`. A `P_PIDFD` wait
    /// names a descriptor, which the kernel looks up only when it issues the
    /// request, so it takes the pidfd itself:
    /// [`waitid_pidfd`](Self::waitid_pidfd). Given `P_PIDFD` here, the
    /// operation completes with [`Error::InvalidArgument`] without reaching
    /// the kernel.
    pub fn waitid(&self, idtype: libc::idtype_t, id: libc::id_t, options: i32) -> Op<WaitId, K> {
        // SAFETY: siginfo_t is plain integers; all-zero is valid.
        let info = Box::new(unsafe { core::mem::zeroed::<libc::siginfo_t>() });
        self.op(WaitId { idtype, id, options, info, pidfd: None })
    }

    /// `waitid(P_PIDFD, pidfd, ..)` (`IORING_OP_WAITID`, 6.7): waits for the
    /// child `pidfd` refers to. The operation holds the pidfd open until it
    /// has ended, so its number cannot name another child's meanwhile.
    ///
    /// ```
    /// use std::os::fd::{FromRawFd, OwnedFd};
    /// use std::rc::Rc;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// if d.require(ring_core::sys::IORING_OP_WAITID).is_err() {
    ///     println!("skipping: no waitid operation here (6.7)");
    ///     return Ok(());
    /// }
    /// let child = std::process::Command::new("true").spawn()?;
    /// // SAFETY: pidfd_open takes two integers and touches no memory of ours.
    /// let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    /// if fd < 0 {
    ///     println!("skipping: no pidfd_open here");
    ///     return Ok(());
    /// }
    /// // SAFETY: a fresh descriptor, owned here.
    /// let pidfd = Rc::new(unsafe { OwnedFd::from_raw_fd(fd as i32) });
    /// let st = rt.block_on(d.waitid_pidfd(&pidfd, libc::WEXITED))??;
    /// assert_eq!((st.pid as u32, st.status), (child.id(), 0));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn waitid_pidfd(&self, pidfd: &impl AsSharedFd, options: i32) -> Op<WaitId, K> {
        // SAFETY: siginfo_t is plain integers; all-zero is valid.
        let info = Box::new(unsafe { core::mem::zeroed::<libc::siginfo_t>() });
        self.op(WaitId { idtype: libc::P_PIDFD, id: 0, options, info, pidfd: Some(pidfd.shared_fd()) })
    }

    /// Waits until `futex` is woken, if it holds `expected`
    /// (`IORING_OP_FUTEX_WAIT`, 6.7); completes with `EAGAIN` at once if
    /// it does not.
    pub fn futex_wait(&self, futex: &Futex, expected: u32) -> Op<FutexWait, K> {
        self.op(FutexWait { futex: futex.clone(), expected: u64::from(expected), mask: u64::from(u32::MAX) })
    }

    /// Wakes up to `count` waiters of `futex` (`IORING_OP_FUTEX_WAKE`, 6.7).
    pub fn futex_wake(&self, futex: &Futex, count: u32) -> Op<FutexWake, K> {
        self.op(FutexWake { futex: futex.clone(), count: u64::from(count), mask: u64::from(u32::MAX) })
    }

    /// Waits on several futexes at once (`IORING_OP_FUTEX_WAITV`, 6.7),
    /// each with the value it must hold; resolves to the index of the one
    /// woken.
    pub fn futex_waitv(&self, futexes: &[(Futex, u32)]) -> Op<FutexWaitV, K> {
        if futexes.len() > FUTEX_WAITV_MAX {
            // Refused by the kernel (`EINVAL`); nothing is allocated for a
            // vector it would never read, and the completion reports it as
            // too long.
            return self.op(FutexWaitV { _futexes: Vec::new(), waitv: Vec::new(), too_long: futexes.len() });
        }
        let waitv = futexes
            .iter()
            .map(|(f, v)| futex_waitv {
                val: u64::from(*v),
                uaddr: f.as_ptr() as u64,
                flags: FUTEX_FLAGS,
                __reserved: 0,
            })
            .collect();
        self.op(FutexWaitV { _futexes: futexes.iter().map(|(f, _)| f.clone()).collect(), waitv, too_long: 0 })
    }
}
