//! Process, futex, inter-ring and raw-command operations, legacy provided
//! buffers, the 128-byte opcodes, and [`KeepAlive`], which ties any value
//! (a permit, a handle) to an operation for as long as the kernel may use it.

use super::res;
use crate::cqueue::Cqe;
use crate::driver::Driver;
use crate::error::Error;
use crate::kernel::Kernel;
use crate::op::{MultiOp, Multishot, Op, Operation};
use crate::opcode;
use crate::probe::Probe;
use crate::shared_fd::{AsSharedFd, SharedFd};
use ring_sys::{futex_waitv, io_uring_sqe, FUTEX2_PRIVATE, FUTEX2_SIZE_U32};
use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// An operation together with something that must stay alive until the
/// kernel is done with it (a permit counting operations in flight, a
/// handle to a resource the request uses). The driver keeps the whole
/// value until the terminal completion, even if the future is dropped or
/// forgotten. (Operations that name a descriptor need no `KeepAlive`:
/// each holds a [`SharedFd`] of it already.)
#[derive(Debug)]
pub struct KeepAlive<T, R> {
    op: T,
    _keep: R,
}

impl<T, R: 'static> KeepAlive<T, R> {
    /// `op`, keeping `keep` alive until it has ended.
    pub fn new(op: T, keep: R) -> Self {
        KeepAlive { op, _keep: keep }
    }
}

// SAFETY: forwards `T`'s contract; `keep` is only held, never handed to
// the kernel.
unsafe impl<T: Operation, R: 'static> Operation for KeepAlive<T, R> {
    type Output = T::Output;
    const CQES: u32 = T::CQES;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.op.prepare()
    }

    fn refuse(&self, ring: crate::ring::RingId) -> Option<i32> {
        self.op.refuse(ring)
    }

    fn names(&self) -> Option<crate::op::PollTarget> {
        self.op.names()
    }

    // The entry size is `T`'s: without these two, a 128-byte operation
    // kept alive would be written as a 64-byte entry (refused nowhere, and
    // on a mixed ring the kernel would take the next entry as its second
    // half).
    fn is_128(&self) -> bool {
        self.op.is_128()
    }

    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        self.op.prepare128()
    }

    fn complete(self, result: Cqe, last: Cqe) -> T::Output {
        self.op.complete(result, last)
    }

    fn orphaned(self, result: Cqe, last: Cqe) {
        self.op.orphaned(result, last);
    }

    fn orphaned_cqe(&mut self, cqe: Cqe) {
        self.op.orphaned_cqe(cqe);
    }
}

// SAFETY: forwards `T`'s contract, as above.
unsafe impl<T: Multishot, R: 'static> Multishot for KeepAlive<T, R> {
    type Item = T::Item;
    const NAMEABLE: bool = T::NAMEABLE;

    fn prepare(&mut self) -> io_uring_sqe {
        self.op.prepare()
    }

    fn refuse(&self, ring: crate::ring::RingId) -> Option<i32> {
        self.op.refuse(ring)
    }

    fn item(&mut self, cqe: Cqe) -> Option<T::Item> {
        self.op.item(cqe)
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
    fn refuse(&self, _ring: crate::ring::RingId) -> Option<i32> {
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

/// A 32-bit futex word that operations can keep alive: a cheap clone of a
/// shared `AtomicU32`. The kernel only reads it (to compare for a wait)
/// and uses its address as the key, and Rust code changes it only through
/// atomics, so sharing it with an operation in flight is sound.
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
        self.0.load(Ordering::Acquire)
    }

    /// Stores `v`.
    pub fn store(&self, v: u32) {
        self.0.store(v, Ordering::Release)
    }

    fn as_ptr(&self) -> *const u32 {
        self.0.as_ptr().cast_const()
    }
}

/// Process-private, 32-bit futexes: the flags every futex here uses.
const FUTEX_FLAGS: u32 = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;

/// `FUTEX_WAIT` (`IORING_OP_FUTEX_WAIT`, 6.7) or `FUTEX_WAKE`
/// (`IORING_OP_FUTEX_WAKE`); see [`Driver::futex_wait`] and [`Driver::futex_wake`].
#[derive(Debug)]
pub struct FutexOp {
    futex: Futex,
    val: u64,
    mask: u64,
    wake: bool,
}

// SAFETY: the SQE points at the futex word, kept alive by the `Arc` that
// `self` holds; the kernel only reads it (and uses its address as a key).
unsafe impl Operation for FutexOp {
    /// For a wait, 0 once woken; for a wake, how many waiters were woken.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        let p = self.futex.as_ptr();
        if self.wake {
            opcode::FutexWake::new(p, self.val).mask(self.mask).futex_flags(FUTEX_FLAGS).build().into_sqe()
        } else {
            opcode::FutexWait::new(p, self.val).mask(self.mask).futex_flags(FUTEX_FLAGS).build().into_sqe()
        }
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

/// The most futexes one `futex_waitv` waits on.
const FUTEX_WAITV_MAX: usize = ring_sys::FUTEX_WAITV_MAX as usize;

/// The most buffer ids one group holds (`MAX_BIDS_PER_BGID`).
const MAX_BIDS_PER_BGID: u32 = 1 << 16;

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

/// `IORING_OP_MSG_RING` (5.18): posts a completion on another ring, or
/// passes it a direct descriptor; see [`Driver::msg_ring`] and
/// [`Driver::msg_ring_fd`].
#[derive(Debug)]
pub struct MsgRing {
    ring_fd: SharedFd,
    result: i32,
    user_data: u64,
    send_fd: Option<(u32, u32)>,
}

// SAFETY: the SQE carries no pointer: the data travels in the SQE, and a
// passed descriptor is a slot in this ring's registered table.
unsafe impl Operation for MsgRing {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut b = opcode::MsgRing::new(self.ring_fd.raw(), self.result, self.user_data);
        if let Some(pair) = self.send_fd {
            b = b.send_fd(pair);
        }
        b.build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// A raw `IORING_OP_URING_CMD` with an owned payload; see
/// [`Driver::uring_cmd`].
#[derive(Debug)]
pub struct UringCmd {
    fd: SharedFd,
    cmd_op: u32,
    cmd: [u8; 16],
    payload: Vec<u8>,
}

// SAFETY: `addr` points at `self.payload` (heap, owned, `capacity` bytes);
// the caller of `Driver::uring_cmd` promised that the file's command reads
// or writes no memory other than that payload (see its `# Safety`).
unsafe impl Operation for UringCmd {
    /// The command's result and the payload.
    type Output = (io::Result<u32>, Vec<u8>);

    fn prepare(&mut self) -> io_uring_sqe {
        let len = self.payload.capacity().min(u32::MAX as usize) as u32;
        opcode::UringCmd::new(self.fd.raw(), self.cmd_op)
            .cmd(self.cmd)
            .addr(self.payload.as_mut_ptr() as u64)
            .optlen(len)
            .build()
            .into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result), self.payload)
    }
}

/// Memory handed to the kernel as a legacy provided-buffer group
/// (`IORING_OP_PROVIDE_BUFFERS`, 5.7).
///
/// **Leaked by design.** The kernel keeps pointers into a provided group
/// after the provide operation completed, and writes into a buffer
/// whenever a buffer-selecting operation picks it; even
/// `IORING_OP_REMOVE_BUFFERS` does not stop an operation that already
/// picked one from writing into it. Nothing in Rust can observe when the
/// last such write happened, so the memory is never freed: dropping a
/// `BufferGroup` frees nothing, and the memory stays valid for the life of
/// the process. Use the ring-mapped pools for memory that must be
/// reclaimed.
#[derive(Debug)]
pub struct BufferGroup {
    base: *mut u8,
    len: usize,
    nbufs: u16,
    bgid: u16,
    bid: u16,
}

impl BufferGroup {
    /// The group id.
    pub fn bgid(&self) -> u16 {
        self.bgid
    }

    /// How many buffers the group was given.
    pub fn count(&self) -> u16 {
        self.nbufs
    }

    /// The size of each buffer.
    pub fn buf_len(&self) -> usize {
        self.len
    }

    /// Copies the first `n` bytes of buffer `bid` (as given in a
    /// completion's flags) into a new vector.
    ///
    /// # Safety
    ///
    /// Buffer `bid` must have been selected by an operation that has
    /// completed (the kernel wrote it and gave it to you) and must not
    /// have been provided again since: otherwise the kernel may be writing
    /// it while it is copied.
    pub unsafe fn copy_out(&self, bid: u16, n: usize) -> Option<Vec<u8>> {
        let i = bid.checked_sub(self.bid)?;
        if i >= self.nbufs {
            return None;
        }
        let n = n.min(self.len);
        // SAFETY: buffer `i` lies inside the leaked allocation, which is
        // never freed; the caller promised the kernel is not writing it.
        Some(unsafe { core::slice::from_raw_parts(self.base.add(usize::from(i) * self.len), n) }.to_vec())
    }
}

/// `IORING_OP_PROVIDE_BUFFERS`; see [`Driver::provide_buffers`].
#[derive(Debug)]
pub struct ProvideBuffers {
    group: Option<BufferGroup>,
}

// SAFETY: the SQE points at memory leaked for the life of the process (see
// `BufferGroup`), which nothing in Rust reads except through the unsafe
// `copy_out` under its contract.
unsafe impl Operation for ProvideBuffers {
    type Output = io::Result<BufferGroup>;

    fn prepare(&mut self) -> io_uring_sqe {
        let g = self.group.as_ref().expect("present until completion");
        opcode::ProvideBuffers::new(g.base, g.len as u32, u32::from(g.nbufs), g.bgid, g.bid).build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        res(&result)?;
        Ok(self.group.take().expect("present until completion"))
    }
}

/// `IORING_OP_REMOVE_BUFFERS`; see [`Driver::remove_buffers`].
#[derive(Debug)]
pub struct RemoveBuffers {
    nbufs: u32,
    bgid: u16,
}

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for RemoveBuffers {
    /// How many buffers were removed.
    type Output = io::Result<u32>;

    fn prepare(&mut self) -> io_uring_sqe {
        opcode::RemoveBuffers::new(self.nbufs, self.bgid).build().into_sqe()
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<u32> {
        res(&result)
    }
}

/// `IORING_OP_NOP128`; see [`Driver::nop128`].
#[derive(Debug)]
pub struct Nop128;

// SAFETY: the SQE carries no pointer.
unsafe impl Operation for Nop128 {
    type Output = io::Result<()>;

    fn prepare(&mut self) -> io_uring_sqe {
        let mut sqe = io_uring_sqe::default();
        sqe.opcode = ring_sys::IORING_OP_NOP128;
        sqe
    }

    fn is_128(&self) -> bool {
        true
    }

    fn complete(self, result: Cqe, _: Cqe) -> io::Result<()> {
        res(&result).map(drop)
    }
}

/// `IORING_OP_URING_CMD128`; see [`Driver::uring_cmd128`].
pub struct UringCmd128 {
    fd: SharedFd,
    cmd_op: u32,
    cmd: [u8; 80],
    payload: Vec<u8>,
}

impl core::fmt::Debug for UringCmd128 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UringCmd128").field("fd", &self.fd).field("cmd_op", &self.cmd_op).finish_non_exhaustive()
    }
}

// SAFETY: the SQE points at `self.payload`'s heap allocation (stable while
// `self` is in the table); what the command does with its 80 bytes is the
// caller's promise in `Driver::uring_cmd128`'s contract.
unsafe impl Operation for UringCmd128 {
    /// The result, and the payload back.
    type Output = (io::Result<u32>, Vec<u8>);

    fn prepare(&mut self) -> io_uring_sqe {
        self.prepare128().sqe
    }

    fn is_128(&self) -> bool {
        true
    }

    fn prepare128(&mut self) -> ring_sys::io_uring_sqe128 {
        let mut big = ring_sys::io_uring_sqe128::default();
        big.sqe.opcode = ring_sys::IORING_OP_URING_CMD128;
        big.sqe.fd = self.fd.raw();
        big.sqe.set_cmd_op(self.cmd_op);
        big.sqe.set_addr(self.payload.as_mut_ptr() as u64);
        big.sqe.set_optlen(self.payload.capacity().min(u32::MAX as usize) as u32);
        // The command area starts at `addr3` (byte 48) and runs 80 bytes
        // into the second half of the entry.
        let area = big.cmd_ptr();
        // SAFETY: `cmd_ptr` is valid for the 80-byte command area of `big`.
        unsafe { core::ptr::copy_nonoverlapping(self.cmd.as_ptr(), area, 80) };
        big
    }

    fn complete(self, result: Cqe, _: Cqe) -> Self::Output {
        (res(&result), self.payload)
    }
}

/// Probing, processes, futexes, messages between rings, device commands
/// and legacy provided buffers.
impl<K: Kernel> Driver<K> {
    /// What the kernel behind this driver supports.
    pub fn probe(&self) -> crate::Result<Probe, crate::Error> {
        self.ring_mut(|r| Probe::new(r)).unwrap_or(Err(crate::Error::NotConfigured("the driver was shut down")))
    }

    /// `Err(UnsupportedOpcode)` if the kernel lacks `opcode` (an
    /// `IORING_OP_*` value): check before relying on an operation newer
    /// than the oldest kernel you support. An unsupported operation that
    /// is submitted anyway completes with the kernel's `EINVAL` or
    /// `EOPNOTSUPP`.
    pub fn require(&self, opcode: u8) -> crate::Result<(), crate::Error> {
        self.probe()?.require(opcode)
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
    pub fn waitid_pidfd(&self, pidfd: &impl AsSharedFd, options: i32) -> Op<WaitId, K> {
        // SAFETY: siginfo_t is plain integers; all-zero is valid.
        let info = Box::new(unsafe { core::mem::zeroed::<libc::siginfo_t>() });
        self.op(WaitId { idtype: libc::P_PIDFD, id: 0, options, info, pidfd: Some(pidfd.shared_fd()) })
    }

    /// Waits until `futex` is woken, if it holds `expected`
    /// (`IORING_OP_FUTEX_WAIT`, 6.7); completes with `EAGAIN` at once if
    /// it does not.
    pub fn futex_wait(&self, futex: &Futex, expected: u32) -> Op<FutexOp, K> {
        self.op(FutexOp { futex: futex.clone(), val: u64::from(expected), mask: u64::from(u32::MAX), wake: false })
    }

    /// Wakes up to `count` waiters of `futex` (`IORING_OP_FUTEX_WAKE`, 6.7).
    pub fn futex_wake(&self, futex: &Futex, count: u32) -> Op<FutexOp, K> {
        self.op(FutexOp { futex: futex.clone(), val: u64::from(count), mask: u64::from(u32::MAX), wake: true })
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

    /// Posts a completion with `result` and `user_data` on the ring whose
    /// descriptor is `ring_fd` (`IORING_OP_MSG_RING`, 5.18).
    ///
    /// # Safety
    ///
    /// A completion with a chosen `user_data` can impersonate another
    /// operation's: if the target ring belongs to a [`Driver`] (this one or
    /// any other) and `user_data` is one of its operations' (see
    /// [`crate::Op::user_data`]), that operation would end early and hand
    /// back memory the kernel is still using. The caller promises that the
    /// target ring is not driven by a `Driver`, or that `user_data` is not
    /// the `user_data` of an operation in flight there (for example a value
    /// with index `u32::MAX`, which no entry ever has).
    pub unsafe fn msg_ring(&self, ring_fd: &impl AsSharedFd, result: i32, user_data: u64) -> Op<MsgRing, K> {
        self.op(MsgRing { ring_fd: ring_fd.shared_fd(), result, user_data, send_fd: None })
    }

    /// Passes this ring's direct descriptor `src_slot` to slot `dst_slot`
    /// of the ring `ring_fd` (`IORING_MSG_SEND_FD`, 6.0), which gets a
    /// completion with `user_data`.
    ///
    /// # Safety
    ///
    /// A completion with a chosen `user_data` can impersonate another
    /// operation's: if the target ring belongs to a [`Driver`] (this one or
    /// any other) and `user_data` is one of its operations' (see
    /// [`crate::Op::user_data`]), that operation would end early and hand
    /// back memory the kernel is still using. The caller promises that the
    /// target ring is not driven by a `Driver`, or that `user_data` is not
    /// the `user_data` of an operation in flight there (for example a value
    /// with index `u32::MAX`, which no entry ever has).
    pub unsafe fn msg_ring_fd(
        &self,
        ring_fd: &impl AsSharedFd,
        src_slot: u32,
        dst_slot: u32,
        user_data: u64,
    ) -> Op<MsgRing, K> {
        self.op(MsgRing { ring_fd: ring_fd.shared_fd(), result: 0, user_data, send_fd: Some((src_slot, dst_slot)) })
    }

    /// A raw `IORING_OP_URING_CMD` (5.19) on `fd`: the 16 inline command
    /// bytes `cmd`, and `payload` (its capacity) in `addr`/`optlen`. For
    /// sockets use the safe [`Driver::socket_cmd`].
    ///
    /// # Safety
    ///
    /// The file's `uring_cmd` handler interprets `cmd` as it likes, and
    /// may take pointers from it. The caller promises that for this file
    /// and `cmd_op`, the command makes the kernel read or write no memory
    /// other than `payload`'s allocation (up to its capacity), and posts a
    /// single completion.
    pub unsafe fn uring_cmd(
        &self,
        fd: &impl AsSharedFd,
        cmd_op: u32,
        cmd: [u8; 16],
        payload: Vec<u8>,
    ) -> Op<UringCmd, K> {
        self.op(UringCmd { fd: fd.shared_fd(), cmd_op, cmd, payload })
    }

    /// Gives the kernel `nbufs` buffers of `len` bytes each as group
    /// `bgid`, with ids from `bid` (`IORING_OP_PROVIDE_BUFFERS`, 5.7). The
    /// memory is allocated here and leaked by design; see [`BufferGroup`].
    ///
    /// The sizes are checked before anything is allocated, against what the
    /// kernel accepts (`io_provide_buffers_prep`): `len` and `nbufs` not
    /// zero, `len` at most `u32::MAX` (it goes in the SQE's 32-bit `len`),
    /// ids `bid..bid + nbufs` within the group's 65536
    /// ([`Error::InvalidArgument`], [`Error::TooLong`]); an allocation the
    /// allocator refuses is [`Error::OutOfMemory`].
    pub fn provide_buffers(&self, len: usize, nbufs: u16, bgid: u16, bid: u16) -> Result<Op<ProvideBuffers, K>, Error> {
        if len == 0 || nbufs == 0 {
            return Err(Error::InvalidArgument("provided buffers need a length and a count above zero"));
        }
        if len > u32::MAX as usize {
            return Err(Error::TooLong { what: "provided buffer", len, max: u32::MAX as usize });
        }
        if u32::from(bid) + u32::from(nbufs) > MAX_BIDS_PER_BGID {
            return Err(Error::TooLong {
                what: "provided buffer ids (bid + nbufs)",
                len: usize::from(bid) + usize::from(nbufs),
                max: MAX_BIDS_PER_BGID as usize,
            });
        }
        // At most 2^32 * 2^16 bytes: it fits a 64-bit `usize`; on a smaller
        // one the multiplication is checked.
        let total = len.checked_mul(usize::from(nbufs)).ok_or(Error::TooLong {
            what: "provided buffer group",
            len: usize::MAX,
            max: isize::MAX as usize,
        })?;
        let mut mem: Vec<u8> = Error::try_vec("provided buffer group", total)?;
        mem.resize(total, 0);
        let base = Box::leak(mem.into_boxed_slice()).as_mut_ptr();
        Ok(self.op(ProvideBuffers { group: Some(BufferGroup { base, len, nbufs, bgid, bid }) }))
    }

    /// Removes up to `nbufs` buffers from group `bgid`
    /// (`IORING_OP_REMOVE_BUFFERS`, 5.7). The memory stays leaked; see
    /// [`BufferGroup`].
    pub fn remove_buffers(&self, nbufs: u32, bgid: u16) -> Op<RemoveBuffers, K> {
        self.op(RemoveBuffers { nbufs, bgid })
    }

    /// `IORING_OP_NOP128` (6.19): a NOP in a 128-byte entry, on rings set up
    /// with `IORING_SETUP_SQE_MIXED` (or `SQE128`). On a ring with neither
    /// it completes with `EINVAL` without reaching the kernel; on a kernel
    /// without the opcode, with the kernel's answer (see [`Driver::require`]).
    pub fn nop128(&self) -> Op<Nop128, K> {
        self.op(Nop128)
    }

    /// `IORING_OP_URING_CMD128` (6.19): a raw command whose 80-byte command
    /// area is `cmd`, with `payload` (its capacity) in `addr`/`optlen`, on
    /// rings set up with `IORING_SETUP_SQE_MIXED`.
    ///
    /// # Safety
    ///
    /// As for [`Driver::uring_cmd`]: for this file and `cmd_op`, the command
    /// makes the kernel read or write no memory other than `payload`'s
    /// allocation (up to its capacity), and posts a single completion.
    pub unsafe fn uring_cmd128(
        &self,
        fd: &impl AsSharedFd,
        cmd_op: u32,
        cmd: [u8; 80],
        payload: Vec<u8>,
    ) -> Op<UringCmd128, K> {
        self.op(UringCmd128 { fd: fd.shared_fd(), cmd_op, cmd, payload })
    }

    /// A stream of `op`'s items, keeping `keep` alive until it ends.
    pub fn multishot_keep<T: Multishot, R: 'static>(&self, op: T, keep: R) -> MultiOp<KeepAlive<T, R>, K> {
        MultiOp::new(self, KeepAlive::new(op, keep))
    }
}
