//! Commands for a file's driver (`uring_cmd`), raw in 64- and 128-byte
//! entries, and the socket commands (queue sizes, socket options).
#![allow(unsafe_code)]

use crate::error::Error;
use crate::kernel::Kernel;
use crate::ownership::driver::op::Op;
use crate::ownership::driver::Driver;
use crate::ownership::operation::Operation;
use crate::ownership::ops::res;
use crate::ownership::shared_fd::{AsSharedFd, SharedFd};
use crate::raw::cqueue::Cqe;
use crate::raw::opcode;
use ring_sys::*;
use std::io;

/// A raw `IORING_OP_URING_CMD` with an owned payload; see
/// [`Driver::uring_cmd`].
///
/// The raw commands as values, and a socket command built with its
/// constructor:
///
/// ```
/// use ring_core::ops::{SocketCmd, SocketCmdOp, UringCmd, UringCmd128};
/// use ring_core::{Builder, Op, Runtime};
/// use std::rc::Rc;
///
/// let rt = Runtime::new(8)?;
/// let d = rt.driver().clone();
/// // Socket commands since 6.7.
/// if d.require(ring_core::sys::IORING_OP_URING_CMD).is_err() {
///     println!("skipping: no socket commands here");
///     return Ok(());
/// }
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let client = Rc::new(std::net::TcpStream::connect(listener.local_addr()?)?);
/// let (server, _) = listener.accept()?;
/// std::io::Write::write_all(&mut &client.as_ref().try_clone()?, b"abc")?;
/// let server = Rc::new(server);
/// // SAFETY: SIOCINQ makes the kernel touch no memory and posts one
/// // completion.
/// let inq: Op<UringCmd> = unsafe { d.uring_cmd(&server, ring_core::sys::SOCKET_URING_OP_SIOCINQ, [0; 16], Vec::new()) };
/// match rt.block_on(inq)?.0 {
///     Ok(n) => assert!(n <= 3),
///     Err(e) => println!("SIOCINQ refused: {e}"),
/// }
/// // SAFETY: SO_RCVBUF's value is a plain integer.
/// let get = unsafe {
///     SocketCmdOp::new_unchecked(&server, SocketCmd::GetOpt {
///         level: libc::SOL_SOCKET,
///         name: libc::SO_RCVBUF,
///         value: Vec::with_capacity(4),
///     })
/// }?;
/// if let (Ok(n), _) = rt.block_on(d.op(get))? {
///     assert_eq!(n, 4);
/// }
///
/// // 128-byte commands need a ring of mixed entries (6.19).
/// if d.require(ring_core::sys::IORING_OP_URING_CMD128).is_err() {
///     println!("skipping: no 128-byte commands here");
///     return Ok(());
/// }
/// let wide = Runtime::with_ring(Builder::new(4).sqe_mixed().build()?, ring_core::driver::Batch::default())?;
/// // SAFETY: as above.
/// let inq: Op<UringCmd128> =
///     unsafe { wide.driver().uring_cmd128(&server, ring_core::sys::SOCKET_URING_OP_SIOCINQ, [0; 80], Vec::new()) };
/// let (r, _payload) = wide.block_on(inq)?;
/// println!("SIOCINQ through a 128-byte entry: {r:?}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

/// The socket commands of `IORING_OP_URING_CMD` (6.7); see
/// [`Driver::socket_cmd`].
#[derive(Debug)]
pub enum SocketCmd {
    /// `SIOCINQ`: bytes queued for reading.
    InQueue,
    /// `SIOCOUTQ`: bytes queued for sending, not yet acknowledged.
    OutQueue,
    /// `getsockopt(level, name)` into a buffer of this capacity
    /// ([`Driver::socket_cmd`] reads the `SOL_SOCKET` options of
    /// [`PLAIN_GETSOCKOPTS`]).
    GetOpt {
        /// `SOL_SOCKET`, `IPPROTO_TCP`, ...
        level: i32,
        /// `SO_RCVBUF`, `TCP_NODELAY`, ...
        name: i32,
        /// Receives the option's value; its capacity is offered.
        value: Vec<u8>,
    },
    /// `setsockopt(level, name, value)` ([`Driver::socket_cmd`] sets the
    /// options of [`PLAIN_SOCKOPTS`], whose values are plain data).
    SetOpt {
        /// `SOL_SOCKET`, `IPPROTO_TCP`, ...
        level: i32,
        /// `SO_RCVBUF`, `TCP_NODELAY`, ...
        name: i32,
        /// The option's value.
        value: Vec<u8>,
    },
}

/// The socket options whose value is plain data, as `(level, name)`: no
/// pointer the kernel follows, no descriptor number it looks up. The only
/// options [`Driver::socket_cmd`] sets (others need
/// [`Driver::socket_cmd_unchecked`]).
pub const PLAIN_SOCKOPTS: &[(i32, i32)] = &[
    (libc::SOL_SOCKET, libc::SO_DEBUG),
    (libc::SOL_SOCKET, libc::SO_REUSEADDR),
    (libc::SOL_SOCKET, libc::SO_REUSEPORT),
    (libc::SOL_SOCKET, libc::SO_DONTROUTE),
    (libc::SOL_SOCKET, libc::SO_BROADCAST),
    (libc::SOL_SOCKET, libc::SO_SNDBUF),
    (libc::SOL_SOCKET, libc::SO_RCVBUF),
    (libc::SOL_SOCKET, libc::SO_SNDBUFFORCE),
    (libc::SOL_SOCKET, libc::SO_RCVBUFFORCE),
    (libc::SOL_SOCKET, libc::SO_KEEPALIVE),
    (libc::SOL_SOCKET, libc::SO_OOBINLINE),
    (libc::SOL_SOCKET, libc::SO_NO_CHECK),
    (libc::SOL_SOCKET, libc::SO_PRIORITY),
    (libc::SOL_SOCKET, libc::SO_LINGER),
    (libc::SOL_SOCKET, libc::SO_PASSCRED),
    (libc::SOL_SOCKET, libc::SO_RCVLOWAT),
    (libc::SOL_SOCKET, libc::SO_RCVTIMEO),
    (libc::SOL_SOCKET, libc::SO_SNDTIMEO),
    (libc::SOL_SOCKET, libc::SO_TIMESTAMP),
    (libc::SOL_SOCKET, libc::SO_TIMESTAMPNS),
    (libc::SOL_SOCKET, libc::SO_MARK),
    (libc::SOL_SOCKET, libc::SO_RXQ_OVFL),
    (libc::SOL_SOCKET, libc::SO_PEEK_OFF),
    (libc::SOL_SOCKET, libc::SO_BUSY_POLL),
    (libc::SOL_SOCKET, libc::SO_INCOMING_CPU),
    (libc::SOL_SOCKET, libc::SO_ZEROCOPY),
    (libc::SOL_SOCKET, libc::SO_BINDTODEVICE),
    (libc::SOL_SOCKET, libc::SO_MAX_PACING_RATE),
    (libc::IPPROTO_TCP, libc::TCP_NODELAY),
    (libc::IPPROTO_TCP, libc::TCP_MAXSEG),
    (libc::IPPROTO_TCP, libc::TCP_CORK),
    (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE),
    (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL),
    (libc::IPPROTO_TCP, libc::TCP_KEEPCNT),
    (libc::IPPROTO_TCP, libc::TCP_SYNCNT),
    (libc::IPPROTO_TCP, libc::TCP_LINGER2),
    (libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT),
    (libc::IPPROTO_TCP, libc::TCP_WINDOW_CLAMP),
    (libc::IPPROTO_TCP, libc::TCP_QUICKACK),
    (libc::IPPROTO_TCP, libc::TCP_CONGESTION),
    (libc::IPPROTO_TCP, libc::TCP_USER_TIMEOUT),
    (libc::IPPROTO_TCP, libc::TCP_NOTSENT_LOWAT),
    (libc::IPPROTO_TCP, libc::TCP_FASTOPEN),
    (libc::IPPROTO_TCP, libc::TCP_FASTOPEN_CONNECT),
    (libc::IPPROTO_IP, libc::IP_TOS),
    (libc::IPPROTO_IP, libc::IP_TTL),
    (libc::IPPROTO_IP, libc::IP_RECVERR),
    (libc::IPPROTO_IP, libc::IP_MTU_DISCOVER),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_TTL),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_LOOP),
    (libc::IPPROTO_IP, libc::IP_MULTICAST_IF),
    (libc::IPPROTO_IP, libc::IP_ADD_MEMBERSHIP),
    (libc::IPPROTO_IP, libc::IP_DROP_MEMBERSHIP),
    (libc::IPPROTO_IP, libc::IP_FREEBIND),
    (libc::IPPROTO_IP, libc::IP_TRANSPARENT),
    (libc::IPPROTO_IP, libc::IP_PKTINFO),
    (libc::IPPROTO_IP, libc::IP_RECVTOS),
    (libc::IPPROTO_IP, libc::IP_RECVTTL),
    (libc::IPPROTO_IP, libc::IP_BIND_ADDRESS_NO_PORT),
    (libc::IPPROTO_IPV6, libc::IPV6_V6ONLY),
    (libc::IPPROTO_IPV6, libc::IPV6_UNICAST_HOPS),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP),
    (libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF),
    (libc::IPPROTO_IPV6, libc::IPV6_ADD_MEMBERSHIP),
    (libc::IPPROTO_IPV6, libc::IPV6_DROP_MEMBERSHIP),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO),
    (libc::IPPROTO_IPV6, libc::IPV6_TCLASS),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVTCLASS),
    (libc::IPPROTO_IPV6, libc::IPV6_RECVERR),
    (libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER),
    (libc::IPPROTO_UDP, libc::UDP_CORK),
    (libc::IPPROTO_UDP, libc::UDP_SEGMENT),
    (libc::IPPROTO_UDP, libc::UDP_GRO),
];

/// The `SOL_SOCKET` options [`Driver::socket_cmd`] reads (getsockopt, the
/// only level the kernel answers through `uring_cmd`): those whose value the
/// kernel writes within the length it is given. `SO_GET_FILTER` is not
/// here: the kernel reads its length as a count of 8-byte filter
/// instructions, not bytes, and writes up to eight times the buffer's
/// capacity. Others need [`Driver::socket_cmd_unchecked`].
pub const PLAIN_GETSOCKOPTS: &[i32] = &[
    libc::SO_TYPE,
    libc::SO_ERROR,
    libc::SO_DOMAIN,
    libc::SO_PROTOCOL,
    libc::SO_ACCEPTCONN,
    libc::SO_REUSEADDR,
    libc::SO_REUSEPORT,
    libc::SO_KEEPALIVE,
    libc::SO_DONTROUTE,
    libc::SO_BROADCAST,
    libc::SO_LINGER,
    libc::SO_OOBINLINE,
    libc::SO_SNDBUF,
    libc::SO_RCVBUF,
    libc::SO_RCVLOWAT,
    libc::SO_SNDLOWAT,
    libc::SO_RCVTIMEO,
    libc::SO_SNDTIMEO,
    libc::SO_PRIORITY,
    libc::SO_MARK,
    libc::SO_TIMESTAMP,
    libc::SO_TIMESTAMPNS,
    libc::SO_TIMESTAMPING,
    libc::SO_PASSCRED,
    libc::SO_PEERCRED,
    libc::SO_PEERNAME,
    libc::SO_BINDTODEVICE,
    libc::SO_BINDTOIFINDEX,
    libc::SO_BUSY_POLL,
    libc::SO_INCOMING_CPU,
    libc::SO_INCOMING_NAPI_ID,
    libc::SO_COOKIE,
    libc::SO_ZEROCOPY,
    libc::SO_TXTIME,
    libc::SO_RXQ_OVFL,
    libc::SO_PEEK_OFF,
    libc::SO_MAX_PACING_RATE,
];

/// A socket `IORING_OP_URING_CMD`; see [`Driver::socket_cmd`].
///
/// The operation holds the socket's descriptor (a [`SharedFd`]), checked
/// to be a socket when the operation was made. A `uring_cmd` is
/// interpreted by whatever file the descriptor names, and another file
/// type (a device driver) could read pointers out of the command bytes;
/// holding the descriptor open means the number cannot be closed and
/// reused for such a file while the command is in flight, so the check
/// stays true.
#[derive(Debug)]
pub struct SocketCmdOp {
    fd: SharedFd,
    cmd: SocketCmd,
}

impl SocketCmdOp {
    /// A socket command on `fd`, to start alone or as a chain member (see
    /// [`Driver::socket_cmd`], which makes one of these): fails with
    /// `ENOTSOCK` if `fd` is not a socket, and with
    /// [`Error::InvalidArgument`] (inside the `io::Error`) for a socket
    /// option outside [`PLAIN_SOCKOPTS`] / [`PLAIN_GETSOCKOPTS`].
    pub fn new(fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Self> {
        match &cmd {
            SocketCmd::SetOpt { level, name, .. } if !PLAIN_SOCKOPTS.contains(&(*level, *name)) => {
                return Err(Error::InvalidArgument(
                    "setsockopt of an option not known to carry plain data (see PLAIN_SOCKOPTS and socket_cmd_unchecked)",
                )
                .into());
            }
            SocketCmd::GetOpt { level, .. } if *level != libc::SOL_SOCKET => {
                return Err(Error::InvalidArgument(
                    "getsockopt through uring_cmd is answered at SOL_SOCKET only (see socket_cmd_unchecked)",
                )
                .into());
            }
            SocketCmd::GetOpt { name, .. } if !PLAIN_GETSOCKOPTS.contains(name) => {
                return Err(crate::error::Error::InvalidArgument(
                    "getsockopt of an option not known to write within its length (see PLAIN_GETSOCKOPTS and \
                     socket_cmd_unchecked)",
                )
                .into());
            }
            _ => {}
        }
        // SAFETY: the option, if any, carries plain data (checked above).
        unsafe { Self::new_unchecked(fd, cmd) }
    }

    /// [`new`](Self::new) for any socket option (see
    /// [`Driver::socket_cmd_unchecked`]).
    ///
    /// # Safety
    ///
    /// For a setsockopt or getsockopt, the option's value must make the
    /// kernel read or write no memory other than the value itself (no
    /// pointer inside it that the option follows) and name no descriptor
    /// by number (the kernel would look it up when it issues the request,
    /// when the number may name another file).
    pub unsafe fn new_unchecked(fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Self> {
        let fd = fd.shared_fd();
        // SAFETY: fstat writes one `stat` into the zeroed value during the call.
        let mut st = unsafe { core::mem::zeroed::<libc::stat>() };
        // SAFETY: as above; `fd` is open (held by the handle).
        if unsafe { libc::fstat(fd.raw(), &mut st) } < 0 {
            return Err(io::Error::last_os_error());
        }
        if st.st_mode & libc::S_IFMT != libc::S_IFSOCK {
            return Err(io::Error::from_raw_os_error(libc::ENOTSOCK));
        }
        Ok(SocketCmdOp { fd, cmd })
    }
}

// SAFETY: the descriptor is held open by `self` and is a socket (fstat-checked at creation; an open descriptor keeps naming
// the same file), so the socket `uring_cmd` handler reads the command. SIOCINQ/SIOCOUTQ carry no pointer; the sockopt variants point at `value`'s heap memory, owned by `self`:
// getsockopt offers its capacity (kernel-written, reachable by nothing else meanwhile), setsockopt its length (only read).
// The option's value holds no pointer the kernel follows and no descriptor number: `Driver::socket_cmd` lets through only
// `PLAIN_SOCKOPTS` and `SOL_SOCKET` reads, and `Driver::socket_cmd_unchecked`'s caller promises it.
unsafe impl Operation for SocketCmdOp {
    /// The command's result (a byte count, or the option's length for
    /// getsockopt) and the command with its (filled) buffer.
    type Output = (io::Result<u32>, SocketCmd);

    fn prepare(&mut self) -> io_uring_sqe {
        let fd = self.fd.raw();
        let b = match &mut self.cmd {
            SocketCmd::InQueue => opcode::UringCmd::siocinq(fd),
            SocketCmd::OutQueue => opcode::UringCmd::siocoutq(fd),
            SocketCmd::GetOpt { level, name, value } => {
                value.clear();
                let cap = value.capacity().min(u32::MAX as usize) as u32;
                opcode::UringCmd::getsockopt(fd, *level as u32, *name as u32, value.as_mut_ptr().cast(), cap)
            }
            SocketCmd::SetOpt { level, name, value } => {
                let len = value.len().min(u32::MAX as usize) as u32;
                opcode::UringCmd::setsockopt(fd, *level as u32, *name as u32, value.as_ptr().cast(), len)
            }
        };
        b.build().into_sqe()
    }

    fn complete(mut self, result: Cqe, _: Cqe) -> Self::Output {
        let r = res(&result);
        if let (Ok(n), SocketCmd::GetOpt { value, .. }) = (&r, &mut self.cmd) {
            // SAFETY: the kernel wrote the option's `n` bytes (at most the
            // capacity it was offered).
            unsafe { value.set_len((*n as usize).min(value.capacity())) };
        }
        (r, self.cmd)
    }
}

/// # Device and socket commands (`uring_cmd`)
///
/// ```
/// use ring_core::ops::SocketCmd;
/// use std::rc::Rc;
///
/// let rt = ring_core::Runtime::new(8)?;
/// let d = rt.driver().clone();
/// let s = Rc::new(std::net::TcpListener::bind("127.0.0.1:0")?);
/// rt.block_on(async {
///     // Socket commands since 6.7.
///     if d.require(ring_core::sys::IORING_OP_URING_CMD).is_err() {
///         return Ok(());
///     }
///     let set = SocketCmd::SetOpt {
///         level: libc::SOL_SOCKET,
///         name: libc::SO_KEEPALIVE,
///         value: 1i32.to_ne_bytes().to_vec(),
///     };
///     let (r, _) = d.socket_cmd(&s, set)?.await;
///     if let Err(e) = r {
///         println!("skipping: socket commands refused: {e}");
///         return Ok(());
///     }
///     let get = SocketCmd::GetOpt { level: libc::SOL_SOCKET, name: libc::SO_KEEPALIVE, value: Vec::with_capacity(4) };
///     let (n, cmd) = d.socket_cmd(&s, get)?.await;
///     assert_eq!(n?, 4);
///     let SocketCmd::GetOpt { value, .. } = cmd else { unreachable!() };
///     assert_eq!(value, 1i32.to_ne_bytes());
///     Ok::<(), std::io::Error>(())
/// })??;
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// [`socket_cmd_unchecked`](Self::socket_cmd_unchecked),
/// [`uring_cmd`](Self::uring_cmd) and [`uring_cmd128`](Self::uring_cmd128)
/// are `unsafe`: the command's meaning is the file's.
impl<K: Kernel> Driver<K> {
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
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// if d.require(ring_core::sys::IORING_OP_URING_CMD).is_err() {
    ///     println!("skipping: no uring_cmd here");
    ///     return Ok(());
    /// }
    /// let (a, b) = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|a| Ok((a, std::net::UdpSocket::bind("127.0.0.1:0")?)))?;
    /// a.send_to(b"abc", b.local_addr()?)?;
    /// let b = Rc::new(b);
    /// // SAFETY: SIOCOUTQ makes the kernel touch no memory and posts one
    /// // completion.
    /// let op = unsafe { d.uring_cmd(&b, ring_core::sys::SOCKET_URING_OP_SIOCOUTQ, [0; 16], Vec::new()) };
    /// let (r, _payload) = rt.block_on(op)?;
    /// println!("bytes not yet sent: {r:?}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub unsafe fn uring_cmd(
        &self,
        fd: &impl AsSharedFd,
        cmd_op: u32,
        cmd: [u8; 16],
        payload: Vec<u8>,
    ) -> Op<UringCmd, K> {
        self.op(UringCmd { fd: fd.shared_fd(), cmd_op, cmd, payload })
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
    ///
    /// ```
    /// use ring_core::{Builder, Runtime};
    /// use std::rc::Rc;
    ///
    /// let probe = Runtime::new(4)?;
    /// if probe.driver().require(ring_core::sys::IORING_OP_URING_CMD128).is_err() {
    ///     println!("skipping: no 128-byte commands here (6.19)");
    ///     return Ok(());
    /// }
    /// let rt = Runtime::with_ring(Builder::new(4).sqe_mixed().build()?, ring_core::driver::Batch::default())?;
    /// let s = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
    /// // SAFETY: SIOCINQ makes the kernel touch no memory and posts one
    /// // completion.
    /// let op = unsafe { rt.driver().uring_cmd128(&s, ring_core::sys::SOCKET_URING_OP_SIOCINQ, [0; 80], Vec::new()) };
    /// let (r, _payload) = rt.block_on(op)?;
    /// println!("SIOCINQ: {r:?}");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub unsafe fn uring_cmd128(
        &self,
        fd: &impl AsSharedFd,
        cmd_op: u32,
        cmd: [u8; 80],
        payload: Vec<u8>,
    ) -> Op<UringCmd128, K> {
        self.op(UringCmd128 { fd: fd.shared_fd(), cmd_op, cmd, payload })
    }

    /// A socket command through `IORING_OP_URING_CMD` (6.7): `SIOCINQ`,
    /// `SIOCOUTQ`, getsockopt or setsockopt. The operation holds the
    /// descriptor open (see [`SocketCmdOp`] for why); fails with `ENOTSOCK`
    /// if `fd` is not a socket, before anything is submitted.
    ///
    /// Some socket options carry more than data in their value: a pointer
    /// the kernel follows (`SO_ATTACH_FILTER`'s program, the counters
    /// netfilter's `IPT_SO_SET_REPLACE` writes back), or a descriptor
    /// number it looks up (`SO_ATTACH_BPF`). Given through safe code, such
    /// a value would let the kernel read or write memory Rust freed or lent
    /// elsewhere. So a setsockopt is accepted only for the options on
    /// [`PLAIN_SOCKOPTS`], whose values are plain data, and a getsockopt only
    /// at `SOL_SOCKET` (the one level the kernel answers through
    /// `uring_cmd`) for the options of [`PLAIN_GETSOCKOPTS`], which the
    /// kernel writes within the length it is given (`SO_GET_FILTER` would
    /// write up to eight times the buffer); anything else fails with
    /// [`crate::Error::InvalidArgument`] (inside the `io::Error`) before
    /// anything is submitted. [`socket_cmd_unchecked`](Self::socket_cmd_unchecked)
    /// takes any option.
    pub fn socket_cmd(&self, fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Op<SocketCmdOp, K>> {
        Ok(self.op(SocketCmdOp::new(fd, cmd)?))
    }

    /// [`socket_cmd`](Self::socket_cmd) for any socket option.
    ///
    /// # Safety
    ///
    /// For a setsockopt or getsockopt, the option's value must make the
    /// kernel read or write no memory other than the value itself (no
    /// pointer inside it that the option follows) and name no descriptor
    /// by number (the kernel would look it up when it issues the request,
    /// when the number may name another file).
    ///
    /// ```
    /// use ring_core::ops::SocketCmd;
    /// use std::rc::Rc;
    ///
    /// let rt = ring_core::Runtime::new(8)?;
    /// let d = rt.driver().clone();
    /// if d.require(ring_core::sys::IORING_OP_URING_CMD).is_err() {
    ///     println!("skipping: no socket commands here");
    ///     return Ok(());
    /// }
    /// let s = Rc::new(std::net::UdpSocket::bind("127.0.0.1:0")?);
    /// let get = SocketCmd::GetOpt { level: libc::SOL_SOCKET, name: libc::SO_SNDBUF, value: Vec::with_capacity(4) };
    /// // SAFETY: SO_SNDBUF's value is a plain integer, no pointer, no descriptor.
    /// let (n, cmd) = rt.block_on(unsafe { d.socket_cmd_unchecked(&s, get) }?)?;
    /// match n {
    ///     Ok(n) => assert_eq!(n, 4),
    ///     Err(e) => println!("getsockopt refused: {e}"),
    /// }
    /// drop(cmd);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub unsafe fn socket_cmd_unchecked(&self, fd: &impl AsSharedFd, cmd: SocketCmd) -> io::Result<Op<SocketCmdOp, K>> {
        // SAFETY: the caller's promise, passed on.
        Ok(self.op(unsafe { SocketCmdOp::new_unchecked(fd, cmd) }?))
    }
}
