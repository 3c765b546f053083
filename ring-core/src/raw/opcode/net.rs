//! Sockets: creating, binding, listening, connecting, accepting, sending
//! and receiving (copying and zero-copy), shutting down.
//!
//! Every builder of the family, with every setter:
//!
//! ```
//! use ring_core::opcode::{Accept, Bind, Connect, Listen, Recv, RecvZc, Send, SendZc, Shutdown, Socket};
//! use std::os::fd::AsRawFd;
//!
//! # #[allow(unused_mut, unused_variables)]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let file = std::fs::File::open("/dev/null")?;
//! let fd = file.as_raw_fd();
//! let mut buf = [0u8; 64];
//! // SAFETY: these C structures are plain integers and pointers, for
//! // which all-zero is a valid value.
//! let mut sin: libc::sockaddr_in = unsafe { std::mem::zeroed() };
//! let mut sin_len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
//!
//! // Each builder takes its required fields in `new`, every optional one
//! // through its setter, and `build` gives the entry to push.
//! let accept = Accept::new(fd, (&raw mut sin).cast(), &raw mut sin_len)
//!     .flags(0)
//!     .file_index(0)
//!     .multishot(true)
//!     .ioprio(0)
//!     .build();
//! assert_eq!(accept.into_sqe().opcode, Accept::CODE);
//! let bind = Bind::new(fd, (&raw const sin).cast(), sin_len)
//!     .build();
//! assert_eq!(bind.into_sqe().opcode, Bind::CODE);
//! let connect = Connect::new(fd, (&raw const sin).cast(), sin_len)
//!     .build();
//! assert_eq!(connect.into_sqe().opcode, Connect::CODE);
//! let listen = Listen::new(fd, 0)
//!     .build();
//! assert_eq!(listen.into_sqe().opcode, Listen::CODE);
//! let recv = Recv::new(fd, buf.as_mut_ptr(), 64)
//!     .flags(0)
//!     .buf_group(0)
//!     .ioprio(0)
//!     .multishot(true)
//!     .bundle(true)
//!     .build();
//! assert_eq!(recv.into_sqe().opcode, Recv::CODE);
//! let recv_zc = RecvZc::new(fd, 0)
//!     .len(64)
//!     .flags(0)
//!     .build();
//! assert_eq!(recv_zc.into_sqe().opcode, RecvZc::CODE);
//! let send = Send::new(fd, buf.as_ptr(), 64)
//!     .flags(0)
//!     .dest_addr((&raw const sin).cast())
//!     .dest_addr_len(0)
//!     .ioprio(0)
//!     .buf_group(0)
//!     .bundle(true)
//!     .build();
//! assert_eq!(send.into_sqe().opcode, Send::CODE);
//! let send_zc = SendZc::new(fd, buf.as_ptr(), 64)
//!     .flags(0)
//!     .zc_flags(0)
//!     .buf_index(0)
//!     .dest_addr((&raw const sin).cast())
//!     .dest_addr_len(0)
//!     .build();
//! assert_eq!(send_zc.into_sqe().opcode, SendZc::CODE);
//! let shutdown = Shutdown::new(fd, 0)
//!     .build();
//! assert_eq!(shutdown.into_sqe().opcode, Shutdown::CODE);
//! let socket = Socket::new(0, 0, 0)
//!     .file_index(0)
//!     .build();
//! assert_eq!(socket.into_sqe().opcode, Socket::CODE);
//! # Ok(())
//! # }
//! ```

use super::{file_index, prio, ptr, sqe, sqe_on};
use crate::raw::types::{Entry, Target};
use ring_sys::*;

opcode! {
    /// Creates a socket, like `socket(2)`: `io_uring_prep_socket(3)`,
    /// `io_uring_prep_socket_direct(3)` and
    /// `io_uring_prep_socket_direct_alloc(3)`. Linux 5.19.
    ///
    /// Required: domain, type (with `SOCK_NONBLOCK`/`SOCK_CLOEXEC` OR-ed in
    /// as for the system call; `SOCK_CLOEXEC` is invalid with a direct
    /// slot) and protocol. Points at no memory. The result is the new
    /// descriptor or the direct slot.
    pub struct Socket {
        domain: i32,
        socket_type: i32,
        protocol: i32,
        ;;
        /// Create the socket in a direct descriptor slot, or
        /// `IORING_FILE_INDEX_ALLOC`; default: an ordinary descriptor.
        file_index: Option<u32> [u32] = None,
    }

    pub const CODE = IORING_OP_SOCKET;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Socket { domain, socket_type, protocol, file_index: slot } = self;
        let mut sqe = sqe(Self::CODE, domain);
        sqe.set_off(socket_type as u32 as u64);
        sqe.len = protocol as u32;
        sqe.set_file_index(file_index(slot));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Binds a socket to an address, like `bind(2)`: `io_uring_prep_bind(3)`.
    /// Linux 6.11.
    ///
    /// Required: the socket, the address and its length. The address must
    /// stay valid until the completion.
    pub struct Bind {
        fd: Target [impl Into<Target>],
        addr: *const libc::sockaddr,
        addrlen: libc::socklen_t,
        ;;
    }

    pub const CODE = IORING_OP_BIND;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Bind { fd, addr, addrlen } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(addr));
        sqe.set_off(u64::from(addrlen));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Marks a socket as accepting connections, like `listen(2)`:
    /// `io_uring_prep_listen(3)`. Linux 6.11.
    ///
    /// Required: the socket and the backlog. Points at no memory.
    pub struct Listen {
        fd: Target [impl Into<Target>],
        backlog: i32,
        ;;
    }

    pub const CODE = IORING_OP_LISTEN;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Listen { fd, backlog } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.len = backlog as u32;
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Accepts a connection, like `accept4(2)`: `io_uring_prep_accept(3)`,
    /// `io_uring_prep_accept_direct(3)`, `io_uring_prep_multishot_accept(3)`
    /// and `io_uring_prep_multishot_accept_direct(3)`. Linux 5.5
    /// (direct 5.15, multishot 5.19).
    ///
    /// Required: the listening socket, and where to store the peer address
    /// and its length (both may be null). The address and length must stay
    /// valid until the completion (in multishot mode, until the final
    /// one; every completion overwrites them). The result is the new
    /// descriptor, or the direct slot.
    pub struct Accept {
        fd: Target [impl Into<Target>],
        addr: *mut libc::sockaddr,
        addrlen: *mut libc::socklen_t,
        ;;
        /// `SOCK_NONBLOCK` / `SOCK_CLOEXEC` for the new socket; default 0.
        /// `SOCK_CLOEXEC` is invalid with a direct slot.
        flags: i32 = 0,
        /// Accept into a direct descriptor slot, or
        /// `IORING_FILE_INDEX_ALLOC` (the only choice in multishot mode);
        /// default: an ordinary descriptor.
        file_index: Option<u32> [u32] = None,
        /// Keep accepting, one completion per connection with
        /// `IORING_CQE_F_MORE`; default false.
        multishot: bool = false,
        /// Other `IORING_ACCEPT_*` flags (`DONTWAIT`, `POLL_FIRST`, 6.10); default 0.
        ioprio: u16 = 0,
    }

    pub const CODE = IORING_OP_ACCEPT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Accept { fd, addr, addrlen, flags, file_index: slot, multishot, ioprio } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(addr));
        sqe.set_off(ptr(addrlen));
        sqe.set_accept_flags(flags as u32);
        sqe.set_file_index(file_index(slot));
        sqe.ioprio = ioprio;
        if multishot {
            sqe.ioprio |= prio(IORING_ACCEPT_MULTISHOT);
        }
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Connects a socket, like `connect(2)`: `io_uring_prep_connect(3)`.
    /// Linux 5.5.
    ///
    /// Required: the socket, the address and its length. The address must
    /// stay valid until the completion (the kernel copies it when the
    /// operation first runs, which is at submission unless it is queued).
    pub struct Connect {
        fd: Target [impl Into<Target>],
        addr: *const libc::sockaddr,
        addrlen: libc::socklen_t,
        ;;
    }

    pub const CODE = IORING_OP_CONNECT;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Connect { fd, addr, addrlen } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(addr));
        sqe.set_off(u64::from(addrlen));
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Sends from one buffer, like `send(2)`, or `sendto(2)` with
    /// [`dest_addr`](Self::dest_addr): `io_uring_prep_send(3)`,
    /// `io_uring_prep_sendto(3)`, `io_uring_prep_send_bundle(3)`.
    /// Linux 5.6 (destination address 6.0, bundles 6.10).
    ///
    /// Required: the socket, the data and its length. The data (and the
    /// destination address) must stay valid until the completion. The
    /// result is the number of bytes sent.
    pub struct Send {
        fd: Target [impl Into<Target>],
        buf: *const u8,
        len: u32,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// The destination of an unconnected datagram socket; default null.
        dest_addr: *const libc::sockaddr = core::ptr::null(),
        /// The length of `dest_addr`; default 0.
        dest_addr_len: u16 = 0,
        /// Other `IORING_RECVSEND_*` flags; default 0.
        ioprio: u16 = 0,
        /// The provided-buffer group a bundle sends from; default 0.
        buf_group: u16 = 0,
        /// Send as many buffers of `buf_group` as are queued, as one
        /// request (`IORING_RECVSEND_BUNDLE`, with `IOSQE_BUFFER_SELECT`,
        /// which the builder sets; `buf` should then be null); default false.
        bundle: bool = false,
    }

    pub const CODE = IORING_OP_SEND;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Send { fd, buf, len, flags, dest_addr, dest_addr_len, ioprio, buf_group, bundle } =
            self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_msg_flags(flags);
        sqe.set_off(ptr(dest_addr));
        sqe.set_addr_len(dest_addr_len);
        sqe.ioprio = ioprio;
        sqe.set_buf_group(buf_group);
        if bundle {
            sqe.ioprio |= prio(IORING_RECVSEND_BUNDLE);
            sqe.flags |= IOSQE_BUFFER_SELECT;
        }
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Receives into one buffer, like `recv(2)`: `io_uring_prep_recv(3)`
    /// and `io_uring_prep_recv_multishot(3)`. Linux 5.6 (multishot 6.0,
    /// bundles 6.10).
    ///
    /// Required: the socket, the buffer and its length. The buffer must
    /// stay valid and unaliased until the completion. With provided
    /// buffers (`SqeFlags::BUFFER_SELECT`, or multishot) `buf` should be
    /// null and the kernel names the buffer it used in the completion.
    pub struct Recv {
        fd: Target [impl Into<Target>],
        buf: *mut u8,
        len: u32,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// The provided-buffer group; default 0.
        buf_group: u16 = 0,
        /// Other `IORING_RECVSEND_*` flags; default 0.
        ioprio: u16 = 0,
        /// Keep receiving into buffers of `buf_group`, one completion with
        /// `IORING_CQE_F_MORE` per receive; sets `IOSQE_BUFFER_SELECT`,
        /// which multishot requires. Default false.
        multishot: bool = false,
        /// Fill as many consecutive buffers of `buf_group` as the data
        /// needs in one completion (`IORING_RECVSEND_BUNDLE`, sets
        /// `IOSQE_BUFFER_SELECT`); default false.
        bundle: bool = false,
    }

    pub const CODE = IORING_OP_RECV;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Recv { fd, buf, len, flags, buf_group, ioprio, multishot, bundle } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_msg_flags(flags);
        sqe.set_buf_group(buf_group);
        sqe.ioprio = ioprio;
        if multishot {
            sqe.ioprio |= prio(IORING_RECV_MULTISHOT);
            sqe.flags |= IOSQE_BUFFER_SELECT;
        }
        if bundle {
            sqe.ioprio |= prio(IORING_RECVSEND_BUNDLE);
            sqe.flags |= IOSQE_BUFFER_SELECT;
        }
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Sends from one buffer without copying it: `io_uring_prep_send_zc(3)`
    /// and `io_uring_prep_send_zc_fixed(3)`. Linux 6.0.
    ///
    /// Required: the socket, the data and its length. Usually posts two
    /// completions with the same `user_data`: the result (with
    /// `IORING_CQE_F_MORE`), then a notification (`IORING_CQE_F_NOTIF`)
    /// once the kernel no longer reads the buffer. The data must stay
    /// valid and unmodified until that notification, not just the result.
    pub struct SendZc {
        fd: Target [impl Into<Target>],
        buf: *const u8,
        len: u32,
        ;;
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
        /// `IORING_RECVSEND_POLL_FIRST`, `IORING_SEND_ZC_REPORT_USAGE`; default 0.
        zc_flags: u16 = 0,
        /// Send from registered buffer `n` (`IORING_RECVSEND_FIXED_BUF`);
        /// `buf .. buf + len` must lie inside it. Default: none.
        buf_index: Option<u16> [u16] = None,
        /// The destination of an unconnected socket; default null.
        dest_addr: *const libc::sockaddr = core::ptr::null(),
        /// The length of `dest_addr`; default 0.
        dest_addr_len: u16 = 0,
    }

    pub const CODE = IORING_OP_SEND_ZC;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let SendZc { fd, buf, len, flags, zc_flags, buf_index, dest_addr, dest_addr_len } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_addr(ptr(buf));
        sqe.len = len;
        sqe.set_msg_flags(flags);
        sqe.ioprio = zc_flags;
        if let Some(i) = buf_index {
            sqe.ioprio |= prio(IORING_RECVSEND_FIXED_BUF);
            sqe.set_buf_index(i);
        }
        sqe.set_off(ptr(dest_addr));
        sqe.set_addr_len(dest_addr_len);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Receives into a zero-copy receive area (zcrx) registered with
    /// `IORING_REGISTER_ZCRX_IFQ`; liburing has no prep helper (its tests
    /// build the SQE by hand). Linux 6.15.
    ///
    /// Required: the socket and the zcrx queue index. Always multishot:
    /// each completion is a 32-byte CQE whose second half is an
    /// [`io_uring_zcrx_cqe`] locating the data in the area, which the
    /// application hands back through the refill queue. Needs a ring set
    /// up with `IORING_SETUP_CQE32` (or `CQE_MIXED`) and a NIC with header
    /// split and flow steering. Points at no memory of its own.
    pub struct RecvZc {
        fd: Target [impl Into<Target>],
        ifq: u32,
        ;;
        /// The most bytes to receive over the request's life, 0 for no
        /// limit; default 0.
        len: u32 = 0,
        /// `MSG_*` flags; default 0.
        flags: u32 = 0,
    }

    pub const CODE = IORING_OP_RECV_ZC;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let RecvZc { fd, ifq, len, flags } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.set_zcrx_ifq_idx(ifq);
        sqe.len = len;
        sqe.set_msg_flags(flags);
        sqe.ioprio = prio(IORING_RECV_MULTISHOT);
        Entry::from_sqe(sqe)
    }
}

opcode! {
    /// Shuts down part of a full-duplex connection, like `shutdown(2)`:
    /// `io_uring_prep_shutdown(3)`. Linux 5.11.
    ///
    /// Required: the socket and `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
    /// Points at no memory.
    pub struct Shutdown {
        fd: Target [impl Into<Target>],
        how: i32,
        ;;
    }

    pub const CODE = IORING_OP_SHUTDOWN;

    /// Builds the entry.
    pub fn build(self) -> Entry {
        let Shutdown { fd, how } = self;
        let mut sqe = sqe_on(Self::CODE, fd);
        sqe.len = how as u32;
        Entry::from_sqe(sqe)
    }
}
