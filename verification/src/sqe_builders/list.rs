//! Every raw builder with its required arguments and setters: a new opcode's
//! builder joins the list here.

use crate::sqe_builders::alias::Names;
use crate::sqe_builders::checks::{differs, fd_lands, mark};
use crate::sqe_builders::gen::{Arb, Bytes, Gen};
use core::ffi::{c_char, c_void};
use ring_core::opcode::*;
use ring_core::types::{Target, Timespec};
use ring_sys::*;
use std::os::fd::RawFd;

builders! {
    OpenAt { new(dirfd: RawFd, path: *const c_char) set(flags: i32, mode: libc::mode_t, file_index: u32) -> Entry }
    Close { new(fd: Target) set() -> Entry }
    FilesUpdate { new(fds: *const RawFd, len: u32) set(offset: i32) -> Entry }
    Statx { new(dirfd: RawFd, path: *const c_char, statxbuf: *mut libc::statx) set(flags: i32, mask: u32) -> Entry }
    OpenAt2 { new(dirfd: RawFd, path: *const c_char, how: *const open_how) set(file_index: u32) -> Entry }
    RenameAt { new(olddirfd: RawFd, oldpath: *const c_char, newdirfd: RawFd, newpath: *const c_char) set(flags: u32) -> Entry }
    UnlinkAt { new(dirfd: RawFd, path: *const c_char) set(flags: i32) -> Entry }
    MkdirAt { new(dirfd: RawFd, path: *const c_char) set(mode: libc::mode_t) -> Entry }
    SymlinkAt { new(target: *const c_char, newdirfd: RawFd, linkpath: *const c_char) set() -> Entry }
    LinkAt { new(olddirfd: RawFd, oldpath: *const c_char, newdirfd: RawFd, newpath: *const c_char) set(flags: i32) -> Entry }
    FSetXattr { new(fd: Target, name: *const c_char, value: *const c_void, len: u32) set(flags: i32) -> Entry }
    SetXattr { new(path: *const c_char, name: *const c_char, value: *const c_void, len: u32) set(flags: i32) -> Entry }
    FGetXattr { new(fd: Target, name: *const c_char, value: *mut c_void, len: u32) set() -> Entry }
    GetXattr { new(path: *const c_char, name: *const c_char, value: *mut c_void, len: u32) set() -> Entry }
    FixedFdInstall { new(fixed: u32) set(flags: u32) -> Entry }
    Pipe { new(fds: *mut [RawFd; 2]) set(flags: u32, file_index: u32) -> Entry }
    Nop { new() set(inject_result: i32, file: Target, fixed_buffer: u16, task_work: bool, cqe32: [u64; 2]) -> Entry }
    PollAdd { new(fd: Target, events: u32) set(multi: bool, level: bool) -> Entry }
    PollRemove { new(user_data: u64) set(new_events: u32, multi: bool, new_user_data: u64) -> Entry }
    Timeout { new(timespec: *const Timespec) set(count: u32, flags: u32) -> Entry }
    TimeoutRemove { new(user_data: u64) set(update: *const Timespec, flags: u32) -> Entry }
    AsyncCancel { new(user_data: u64) set(fd: Target, opcode: u8, match_user_data: bool, all: bool, any: bool) -> Entry }
    LinkTimeout { new(timespec: *const Timespec) set(flags: u32) -> Entry }
    Madvise { new(addr: *const c_void, len: u64, advice: i32) set() -> Entry }
    ProvideBuffers { new(addr: *mut u8, len: u32, nbufs: u32, bgid: u16, bid: u16) set() -> Entry }
    RemoveBuffers { new(nbufs: u32, bgid: u16) set() -> Entry }
    MsgRing { new(ring_fd: Target, result: i32, user_data: u64) set(flags: u32, cqe_flags: u32, send_fd: (u32, u32)) -> Entry }
    UringCmd { new(fd: Target, cmd_op: u32) set(cmd: [u8; 16], addr: u64, optlen: u32, buf_index: u16) -> Entry }
    WaitId { new(idtype: libc::idtype_t, id: libc::id_t, options: i32, infop: *mut libc::siginfo_t) set() -> Entry }
    FutexWait { new(futex: *const u32, val: u64) set(mask: u64, futex_flags: u32) -> Entry }
    FutexWake { new(futex: *const u32, count: u64) set(mask: u64, futex_flags: u32) -> Entry }
    FutexWaitV { new(futexv: *const futex_waitv, nr: u32) set() -> Entry }
    Nop128 { new() set(inject_result: i32) -> Entry128 }
    UringCmd128 { new(fd: Target, cmd_op: u32) set(cmd: [u8; 80], addr: u64, buf_index: u16) -> Entry128 }
    SendMsg { new(fd: Target, msg: *const libc::msghdr) set(flags: u32, ioprio: u16) -> Entry }
    RecvMsg { new(fd: Target, msg: *mut libc::msghdr) set(flags: u32, ioprio: u16, buf_group: u16, multishot: bool) -> Entry }
    Accept { new(fd: Target, addr: *mut libc::sockaddr, addrlen: *mut libc::socklen_t) set(flags: i32, file_index: u32, multishot: bool, ioprio: u16) -> Entry }
    Connect { new(fd: Target, addr: *const libc::sockaddr, addrlen: libc::socklen_t) set() -> Entry }
    Send { new(fd: Target, buf: *const u8, len: u32) set(flags: u32, dest_addr: *const libc::sockaddr, dest_addr_len: u16, ioprio: u16, buf_group: u16, bundle: bool) -> Entry }
    Recv { new(fd: Target, buf: *mut u8, len: u32) set(flags: u32, buf_group: u16, ioprio: u16, multishot: bool, bundle: bool) -> Entry }
    EpollCtl { new(epfd: RawFd, fd: RawFd, op: i32, event: *const libc::epoll_event) set() -> Entry }
    Shutdown { new(fd: Target, how: i32) set() -> Entry }
    Socket { new(domain: i32, socket_type: i32, protocol: i32) set(file_index: u32) -> Entry }
    SendZc { new(fd: Target, buf: *const u8, len: u32) set(flags: u32, zc_flags: u16, buf_index: u16, dest_addr: *const libc::sockaddr, dest_addr_len: u16) -> Entry }
    SendMsgZc { new(fd: Target, msg: *const libc::msghdr) set(flags: u32, zc_flags: u16) -> Entry }
    Bind { new(fd: Target, addr: *const libc::sockaddr, addrlen: libc::socklen_t) set() -> Entry }
    Listen { new(fd: Target, backlog: i32) set() -> Entry }
    RecvZc { new(fd: Target, ifq: u32) set(len: u32, flags: u32) -> Entry }
    EpollWait { new(fd: Target, events: *mut libc::epoll_event, max_events: u32) set() -> Entry }
    Readv { new(fd: Target, iovec: *const libc::iovec, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32, buf_group: u16) -> Entry }
    Writev { new(fd: Target, iovec: *const libc::iovec, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    Fsync { new(fd: Target) set(flags: u32, offset: u64, len: u32) -> Entry }
    ReadFixed { new(fd: Target, buf: *mut u8, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    WriteFixed { new(fd: Target, buf: *const u8, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    SyncFileRange { new(fd: Target, len: u32) set(offset: u64, flags: u32) -> Entry }
    Fallocate { new(fd: Target, len: u64) set(offset: u64, mode: i32) -> Entry }
    Read { new(fd: Target, buf: *mut u8, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32, buf_group: u16) -> Entry }
    Write { new(fd: Target, buf: *const u8, len: u32) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    Fadvise { new(fd: Target, len: u64, advice: i32) set(offset: u64) -> Entry }
    Splice { new(fd_in: Target, off_in: i64, fd_out: Target, off_out: i64, len: u32) set(flags: u32) -> Entry }
    Tee { new(fd_in: Target, fd_out: Target, len: u32) set(flags: u32) -> Entry }
    ReadMulti { new(fd: Target, buf_group: u16) set(len: u32, offset: u64) -> Entry }
    Ftruncate { new(fd: Target, len: u64) set() -> Entry }
    ReadvFixed { new(fd: Target, iovec: *const libc::iovec, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
    WritevFixed { new(fd: Target, iovec: *const libc::iovec, len: u32, buf_index: u16) set(offset: u64, ioprio: u16, rw_flags: i32) -> Entry }
}

/// Decodes and runs one case (the fuzz target's body): the first byte
/// picks the first builder, and each further run of bytes checks the next
/// builder with values drawn from them.
pub fn run_bytes(data: &[u8]) {
    let Some((&first, rest)) = data.split_first() else { return };
    let mut g = Gen::new(rest);
    let mut which = usize::from(first);
    loop {
        check(which, &mut g);
        if g.is_empty() {
            break;
        }
        which += 1;
    }
}
