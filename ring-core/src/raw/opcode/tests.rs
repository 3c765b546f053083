//! Field placement of every builder, checked against where liburing's
//! `io_uring_prep_*` functions put each argument (see the comment on each
//! case), plus the opcode numbering.

use super::*;
use crate::raw::types::{Fixed, SqeFlags, Timespec};
use core::ffi::c_char;
use ring_sys::*;

/// A recognisable fake address; builders never dereference pointers.
const P: usize = 0x1000;

fn p<T>(off: usize) -> *mut T {
    (P + off) as *mut T
}

#[test]
fn codes_are_zero_to_sixty_four() {
    for (i, c) in ALL_CODES.iter().enumerate() {
        assert_eq!(usize::from(*c), i, "ALL_CODES is in opcode order");
    }
}

#[test]
fn every_builder_sets_its_opcode() {
    let ts: *const Timespec = p(0);
    let built: [u8; 63] = [
        Nop::new().build().opcode,
        Readv::new(1, p(0), 1).build().opcode,
        Writev::new(1, p(0), 1).build().opcode,
        Fsync::new(1).build().opcode,
        ReadFixed::new(1, p(0), 1, 0).build().opcode,
        WriteFixed::new(1, p(0), 1, 0).build().opcode,
        PollAdd::new(1, 1).build().opcode,
        PollRemove::new(1).build().opcode,
        SyncFileRange::new(1, 0).build().opcode,
        SendMsg::new(1, p(0)).build().opcode,
        RecvMsg::new(1, p(0)).build().opcode,
        Timeout::new(ts).build().opcode,
        TimeoutRemove::new(1).build().opcode,
        Accept::new(1, p(0), p(0)).build().opcode,
        AsyncCancel::new(1).build().opcode,
        LinkTimeout::new(ts).build().opcode,
        Connect::new(1, p(0), 16).build().opcode,
        Fallocate::new(1, 1).build().opcode,
        OpenAt::new(1, p(0)).build().opcode,
        Close::new(1).build().opcode,
        FilesUpdate::new(p(0), 1).build().opcode,
        Statx::new(1, p(0), p(0)).build().opcode,
        Read::new(1, p(0), 1).build().opcode,
        Write::new(1, p(0), 1).build().opcode,
        Fadvise::new(1, 1, 0).build().opcode,
        Madvise::new(p(0), 1, 0).build().opcode,
        Send::new(1, p(0), 1).build().opcode,
        Recv::new(1, p(0), 1).build().opcode,
        OpenAt2::new(1, p(0), p(0)).build().opcode,
        EpollCtl::new(1, 2, 1, p(0)).build().opcode,
        Splice::new(1, -1, 2, -1, 1).build().opcode,
        ProvideBuffers::new(p(0), 1, 1, 0, 0).build().opcode,
        RemoveBuffers::new(1, 0).build().opcode,
        Tee::new(1, 2, 1).build().opcode,
        Shutdown::new(1, 0).build().opcode,
        RenameAt::new(1, p(0), 1, p(0)).build().opcode,
        UnlinkAt::new(1, p(0)).build().opcode,
        MkdirAt::new(1, p(0)).build().opcode,
        SymlinkAt::new(p(0), 1, p(0)).build().opcode,
        LinkAt::new(1, p(0), 1, p(0)).build().opcode,
        MsgRing::new(1, 0, 0).build().opcode,
        FSetXattr::new(1, p(0), p(0), 1).build().opcode,
        SetXattr::new(p(0), p(0), p(0), 1).build().opcode,
        FGetXattr::new(1, p(0), p(0), 1).build().opcode,
        GetXattr::new(p(0), p(0), p(0), 1).build().opcode,
        Socket::new(2, 1, 0).build().opcode,
        UringCmd::new(1, 0).build().opcode,
        SendZc::new(1, p(0), 1).build().opcode,
        SendMsgZc::new(1, p(0)).build().opcode,
        ReadMulti::new(1, 0).build().opcode,
        WaitId::new(libc::P_ALL, 0, libc::WEXITED, p(0)).build().opcode,
        FutexWait::new(p(0), 0).build().opcode,
        FutexWake::new(p(0), 1).build().opcode,
        FutexWaitV::new(p(0), 1).build().opcode,
        FixedFdInstall::new(0).build().opcode,
        Ftruncate::new(1, 0).build().opcode,
        Bind::new(1, p(0), 16).build().opcode,
        Listen::new(1, 1).build().opcode,
        RecvZc::new(1, 0).build().opcode,
        EpollWait::new(1, p(0), 1).build().opcode,
        ReadvFixed::new(1, p(0), 1, 0).build().opcode,
        WritevFixed::new(1, p(0), 1, 0).build().opcode,
        Pipe::new(p(0)).build().opcode,
    ];
    for (i, op) in built.iter().enumerate() {
        assert_eq!(usize::from(*op), i);
    }
    assert_eq!(Nop128::new().build().sqe.opcode, IORING_OP_NOP128);
    assert_eq!(UringCmd128::new(1, 0).build().sqe.opcode, IORING_OP_URING_CMD128);
}

#[test]
fn fixed_targets_set_fixed_file() {
    let e = Read::new(Fixed(3), p(0), 8).build();
    assert_eq!(e.fd, 3);
    assert_eq!(e.flags, IOSQE_FIXED_FILE);
    let e = Read::new(3, p(0), 8).build();
    assert_eq!(e.flags, 0);
    // Flags the caller adds keep the builder's.
    let e = Read::new(Fixed(3), p(0), 8).build().flags(SqeFlags::IO_LINK);
    assert_eq!(e.flags, IOSQE_FIXED_FILE | IOSQE_IO_LINK);
}

#[test]
fn rw_family() {
    // io_uring_prep_rw: fd, off, addr, len; readv2 adds rw_flags.
    let e = Readv::new(5, p(0), 3).offset(7).rw_flags(libc::RWF_NOWAIT).ioprio(2).build();
    assert_eq!((e.fd, e.off(), e.addr(), e.len), (5, 7, P as u64, 3));
    assert_eq!((e.rw_flags(), e.ioprio), (libc::RWF_NOWAIT, 2));
    // read_fixed / readv_fixed: buf_index.
    let e = ReadvFixed::new(5, p(0), 2, 9).build();
    assert_eq!((e.buf_index(), e.len), (9, 2));
    let e = WriteFixed::new(5, p(8), 4, 1).offset(u64::MAX).build();
    assert_eq!((e.addr(), e.off(), e.buf_index()), (P as u64 + 8, u64::MAX, 1));
    // fsync: fsync_flags, range in off/len.
    let e = Fsync::new(5).flags(IORING_FSYNC_DATASYNC).build();
    assert_eq!(e.fsync_flags(), IORING_FSYNC_DATASYNC);
    // sync_file_range: len, off, sync_range_flags.
    let e = SyncFileRange::new(5, 10).offset(20).flags(4).build();
    assert_eq!((e.len, e.off(), e.sync_range_flags()), (10, 20, 4));
    // fallocate: mode in len, offset in off, length in addr.
    let e = Fallocate::new(5, 1 << 40).offset(3).mode(1).build();
    assert_eq!((e.len, e.off(), e.addr()), (1, 3, 1 << 40));
    // fadvise: len (or addr for 64-bit), offset, advice.
    let e = Fadvise::new(5, 100, libc::POSIX_FADV_DONTNEED).offset(4).build();
    assert_eq!((e.len, e.addr(), e.off()), (100, 0, 4));
    assert_eq!(e.fadvise_advice(), libc::POSIX_FADV_DONTNEED as u32);
    let e = Fadvise::new(5, 1 << 33, 0).build();
    assert_eq!((e.len, e.addr()), (0, 1 << 33));
    // splice: fd = fd_out, off = off_out, splice_off_in, splice_fd_in.
    let e = Splice::new(Fixed(1), 5, 2, -1, 9).flags(1).build();
    assert_eq!((e.fd, e.off(), e.splice_off_in()), (2, u64::MAX, 5));
    assert_eq!((e.splice_fd_in(), e.len), (1, 9));
    assert_eq!(e.splice_flags(), 1 | SPLICE_F_FD_IN_FIXED);
    assert_eq!(e.flags, 0, "only the output uses IOSQE_FIXED_FILE");
    let e = Tee::new(1, Fixed(2), 9).build();
    assert_eq!((e.fd, e.splice_fd_in(), e.flags), (2, 1, IOSQE_FIXED_FILE));
    // read_multishot: buf_group, IOSQE_BUFFER_SELECT.
    let e = ReadMulti::new(5, 7).len(64).build();
    assert_eq!((e.buf_group(), e.len, e.flags), (7, 64, IOSQE_BUFFER_SELECT));
    // ftruncate: length in off.
    assert_eq!(Ftruncate::new(5, 99).build().off(), 99);
}

#[test]
fn fs_family() {
    // openat: dfd, path in addr, mode in len, open_flags, file_index + 1.
    let e = OpenAt::new(libc::AT_FDCWD, p(0)).flags(libc::O_CREAT).mode(0o644).file_index(3).build();
    assert_eq!((e.fd, e.addr(), e.len), (libc::AT_FDCWD, P as u64, 0o644));
    assert_eq!((e.open_flags(), e.file_index()), (libc::O_CREAT as u32, 4));
    let e = OpenAt::new(1, p(0)).file_index(IORING_FILE_INDEX_ALLOC).build();
    assert_eq!(e.file_index(), IORING_FILE_INDEX_ALLOC);
    // openat2: how in off, sizeof(how) in len.
    let e = OpenAt2::new(1, p(0), p(64)).build();
    assert_eq!((e.off(), e.len), (P as u64 + 64, 24));
    // close_direct: fd 0, file_index + 1, no IOSQE_FIXED_FILE.
    let e = Close::new(Fixed(2)).build();
    assert_eq!((e.fd, e.file_index(), e.flags), (0, 3, 0));
    assert_eq!(Close::new(9).build().fd, 9);
    // statx: path in addr, buffer in off, mask in len.
    let e = Statx::new(1, p(0), p(8)).mask(0xfff).flags(libc::AT_EMPTY_PATH).build();
    assert_eq!((e.addr(), e.off(), e.len), (P as u64, P as u64 + 8, 0xfff));
    assert_eq!(e.statx_flags(), libc::AT_EMPTY_PATH as u32);
    // renameat / linkat: newdfd in len, newpath in off.
    let e = RenameAt::new(1, p(0), 2, p(8)).flags(1).build();
    assert_eq!((e.fd, e.addr(), e.len, e.off(), e.rename_flags()), (1, P as u64, 2, P as u64 + 8, 1));
    let e = LinkAt::new(1, p(0), 2, p(8)).flags(4).build();
    assert_eq!((e.len, e.off(), e.hardlink_flags()), (2, P as u64 + 8, 4));
    // symlinkat: target in addr, fd = newdirfd, linkpath in off.
    let e = SymlinkAt::new(p(0), 3, p(8)).build();
    assert_eq!((e.fd, e.addr(), e.off()), (3, P as u64, P as u64 + 8));
    // mkdirat: mode in len; unlinkat: unlink_flags.
    assert_eq!(MkdirAt::new(1, p(0)).mode(0o700).build().len, 0o700);
    let e = UnlinkAt::new(1, p(0)).flags(libc::AT_REMOVEDIR).build();
    assert_eq!(e.unlink_flags(), libc::AT_REMOVEDIR as u32);
    // xattr: name in addr, value in off, path in addr3, size in len.
    let e = SetXattr::new(p::<c_char>(16), p(0), p(8), 5).flags(1).build();
    assert_eq!((e.addr(), e.off(), e.addr3(), e.len), (P as u64, P as u64 + 8, P as u64 + 16, 5));
    assert_eq!((e.fd, e.xattr_flags()), (0, 1));
    let e = FGetXattr::new(4, p(0), p(8), 5).build();
    assert_eq!((e.fd, e.addr(), e.off(), e.addr3()), (4, P as u64, P as u64 + 8, 0));
    // files_update: fds in addr, count in len, offset in off.
    let e = FilesUpdate::new(p(0), 2).offset(5).build();
    assert_eq!((e.fd, e.addr(), e.len, e.off()), (-1, P as u64, 2, 5));
    // fixed_fd_install: IOSQE_FIXED_FILE, install_fd_flags.
    let e = FixedFdInstall::new(3).flags(IORING_FIXED_FD_NO_CLOEXEC).build();
    assert_eq!((e.fd, e.flags, e.install_fd_flags()), (3, IOSQE_FIXED_FILE, 1));
    // pipe: fds in addr, pipe_flags, file_index.
    let e = Pipe::new(p(0)).flags(libc::O_CLOEXEC as u32).file_index(IORING_FILE_INDEX_ALLOC).build();
    assert_eq!((e.fd, e.addr(), e.pipe_flags()), (0, P as u64, libc::O_CLOEXEC as u32));
    assert_eq!(e.file_index(), IORING_FILE_INDEX_ALLOC);
}

#[test]
fn net_family() {
    // sendmsg/recvmsg: msg in addr, len 1, msg_flags; multishot in ioprio.
    let e = RecvMsg::new(3, p(0)).flags(2).buf_group(4).multishot(true).build();
    assert_eq!((e.addr(), e.len, e.msg_flags(), e.buf_group()), (P as u64, 1, 2, 4));
    assert_eq!(u32::from(e.ioprio), IORING_RECV_MULTISHOT);
    assert_eq!(e.flags, IOSQE_BUFFER_SELECT);
    // accept: addr, addrlen in off, accept_flags, file_index, multishot ioprio.
    let e = Accept::new(3, p(0), p(8))
        .flags(libc::SOCK_NONBLOCK)
        .file_index(IORING_FILE_INDEX_ALLOC)
        .multishot(true)
        .build();
    assert_eq!((e.addr(), e.off()), (P as u64, P as u64 + 8));
    assert_eq!(e.accept_flags(), libc::SOCK_NONBLOCK as u32);
    assert_eq!((e.file_index(), u32::from(e.ioprio)), (IORING_FILE_INDEX_ALLOC, IORING_ACCEPT_MULTISHOT));
    // connect / bind: addr, addrlen by value in off.
    let e = Connect::new(3, p(0), 16).build();
    assert_eq!((e.addr(), e.off()), (P as u64, 16));
    let e = Bind::new(3, p(0), 28).build();
    assert_eq!((e.addr(), e.off()), (P as u64, 28));
    // listen: backlog in len; shutdown: how in len.
    assert_eq!(Listen::new(3, 128).build().len, 128);
    assert_eq!(Shutdown::new(3, libc::SHUT_WR).build().len, libc::SHUT_WR as u32);
    // send / sendto: buf, len, msg_flags, dest in addr2 + addr_len.
    let e = Send::new(3, p(0), 9).flags(0x40).dest_addr(p(32)).dest_addr_len(16).build();
    assert_eq!((e.addr(), e.len, e.msg_flags()), (P as u64, 9, 0x40));
    assert_eq!((e.off(), e.addr_len()), (P as u64 + 32, 16));
    // recv multishot / bundle.
    let e = Recv::new(3, core::ptr::null_mut(), 0).buf_group(1).multishot(true).bundle(true).build();
    assert_eq!(u32::from(e.ioprio), IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE);
    assert_eq!((e.flags, e.buf_group()), (IOSQE_BUFFER_SELECT, 1));
    // socket: domain in fd, type in off, protocol in len, file_index.
    let e = Socket::new(libc::AF_INET, libc::SOCK_STREAM, 6).file_index(0).build();
    assert_eq!((e.fd, e.off(), e.len, e.file_index()), (libc::AF_INET, libc::SOCK_STREAM as u64, 6, 1));
    // send_zc: zc flags in ioprio, FIXED_BUF + buf_index.
    let e = SendZc::new(3, p(0), 9).zc_flags(IORING_SEND_ZC_REPORT_USAGE as u16).buf_index(2).build();
    assert_eq!(u32::from(e.ioprio), IORING_SEND_ZC_REPORT_USAGE | IORING_RECVSEND_FIXED_BUF);
    assert_eq!(e.buf_index(), 2);
    let e = SendMsgZc::new(3, p(0)).flags(1).build();
    assert_eq!((e.addr(), e.len, e.msg_flags()), (P as u64, 1, 1));
    // epoll_ctl: epfd in fd, fd in off, op in len, event in addr.
    let e = EpollCtl::new(7, 8, libc::EPOLL_CTL_ADD, p(0)).build();
    assert_eq!((e.fd, e.off(), e.len, e.addr()), (7, 8, libc::EPOLL_CTL_ADD as u32, P as u64));
    // epoll_wait: events in addr, maxevents in len.
    let e = EpollWait::new(7, p(0), 16).build();
    assert_eq!((e.fd, e.addr(), e.len), (7, P as u64, 16));
    // recv_zc: zcrx_ifq_idx, always multishot.
    let e = RecvZc::new(3, 2).build();
    assert_eq!((e.zcrx_ifq_idx(), u32::from(e.ioprio)), (2, IORING_RECV_MULTISHOT));
}

#[test]
fn misc_family() {
    // nop flags.
    let e = Nop::new().inject_result(-5).file(Fixed(2)).fixed_buffer(1).cqe32([8, 9]).build();
    let want =
        IORING_NOP_INJECT_RESULT | IORING_NOP_FILE | IORING_NOP_FIXED_FILE | IORING_NOP_FIXED_BUFFER | IORING_NOP_CQE32;
    assert_eq!(e.nop_flags(), want);
    assert_eq!((e.len as i32, e.fd, e.buf_index(), e.off(), e.addr()), (-5, 2, 1, 8, 9));
    assert_eq!(e.flags, 0, "NOP names a fixed file with its own flag");
    // poll_add / poll_multishot: poll32_events, len = MULTI.
    let e = PollAdd::new(3, libc::POLLIN as u32).multi(true).build();
    assert_eq!((e.poll32_events(), e.len), (libc::POLLIN as u32, IORING_POLL_ADD_MULTI));
    // poll_remove / poll_update: old in addr, new in off, flags in len.
    let e = PollRemove::new(11).build();
    assert_eq!((e.addr(), e.len, e.fd), (11, 0, -1));
    let e = PollRemove::new(11).new_user_data(12).new_events(1).build();
    assert_eq!((e.addr(), e.off(), e.poll32_events()), (11, 12, 1));
    assert_eq!(e.len, IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA);
    // timeout: ts in addr, len 1, count in off.
    let e = Timeout::new(p(0)).count(3).flags(IORING_TIMEOUT_ABS).build();
    assert_eq!((e.addr(), e.len, e.off(), e.timeout_flags()), (P as u64, 1, 3, IORING_TIMEOUT_ABS));
    // timeout_update: user_data in addr, ts in off, UPDATE flag.
    let e = TimeoutRemove::new(4).update(p(0)).build();
    assert_eq!((e.addr(), e.off(), e.timeout_flags()), (4, P as u64, IORING_TIMEOUT_UPDATE));
    assert_eq!(TimeoutRemove::new(4).build().timeout_flags(), 0);
    // link_timeout: ts in addr, len 1.
    let e = LinkTimeout::new(p(0)).build();
    assert_eq!((e.addr(), e.len), (P as u64, 1));
    // cancel64 / cancel_fd.
    let e = AsyncCancel::new(42).all(true).build();
    assert_eq!((e.addr(), e.cancel_flags()), (42, IORING_ASYNC_CANCEL_ALL));
    let e = AsyncCancel::by_fd(Fixed(3)).build();
    assert_eq!((e.fd, e.cancel_flags()), (3, IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED));
    let e = AsyncCancel::new(42).opcode(IORING_OP_READ).build();
    assert_eq!(e.cancel_flags(), IORING_ASYNC_CANCEL_OP | IORING_ASYNC_CANCEL_USERDATA);
    assert_eq!(e.len, u32::from(IORING_OP_READ));
    assert_eq!(AsyncCancel::any_request().build().cancel_flags(), IORING_ASYNC_CANCEL_ANY);
    // madvise: addr, len, advice; 64-bit length in off.
    let e = Madvise::new(p(0), 4096, libc::MADV_WILLNEED).build();
    assert_eq!((e.addr(), e.len, e.fadvise_advice()), (P as u64, 4096, libc::MADV_WILLNEED as u32));
    assert_eq!(Madvise::new(p(0), 1 << 33, 0).build().off(), 1 << 33);
    // provide_buffers: nr in fd, addr, len, bid in off, buf_group.
    let e = ProvideBuffers::new(p(0), 64, 8, 3, 10).build();
    assert_eq!((e.fd, e.addr(), e.len, e.off(), e.buf_group()), (8, P as u64, 64, 10, 3));
    let e = RemoveBuffers::new(8, 3).build();
    assert_eq!((e.fd, e.buf_group()), (8, 3));
    // msg_ring: len = res, off = user_data; send-fd: addr3 = src, file_index.
    let e = MsgRing::new(5, 17, 99).cqe_flags(0x100).build();
    assert_eq!((e.fd, e.len, e.off(), e.addr()), (5, 17, 99, IORING_MSG_DATA));
    assert_eq!((e.msg_ring_flags(), e.file_index()), (IORING_MSG_RING_FLAGS_PASS, 0x100));
    let e = MsgRing::new(5, 17, 99).send_fd((2, IORING_FILE_INDEX_ALLOC)).build();
    assert_eq!((e.addr(), e.addr3(), e.file_index(), e.len), (IORING_MSG_SEND_FD, 2, IORING_FILE_INDEX_ALLOC, 0));
    // cmd_sock: level/optname in addr, optval in addr3, optlen.
    let e = UringCmd::getsockopt(3, 1, 7, p(0), 4).build();
    assert_eq!((e.cmd_op(), e.level(), e.optname()), (SOCKET_URING_OP_GETSOCKOPT, 1, 7));
    assert_eq!((e.optval(), e.optlen()), (P as u64, 4));
    let e = UringCmd::new(3, 9).buf_index(2).build();
    assert_eq!((e.uring_cmd_flags(), e.buf_index()), (IORING_URING_CMD_FIXED, 2));
    // waitid: id in fd, idtype in len, options in file_index, infop in off.
    let e = WaitId::new(libc::P_PID, 77, libc::WEXITED, p(0)).build();
    assert_eq!((e.fd, e.len, e.file_index(), e.off()), (77, libc::P_PID, libc::WEXITED as u32, P as u64));
    // futex_wait/wake: futex flags in fd, addr, val in off, mask in addr3.
    let e = FutexWait::new(p(0), 5).build();
    assert_eq!(
        (e.fd as u32, e.addr(), e.off(), e.addr3()),
        (FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, P as u64, 5, 0xffff_ffff)
    );
    assert_eq!(e.futex_flags(), 0);
    let e = FutexWake::new(p(0), 1).mask(3).build();
    assert_eq!((e.off(), e.addr3()), (1, 3));
    let e = FutexWaitV::new(p(0), 2).build();
    assert_eq!((e.fd, e.addr(), e.len), (0, P as u64, 2));
    // 128-byte entries.
    let e = Nop128::new().inject_result(3).build();
    assert_eq!((e.sqe.nop_flags(), e.sqe.len), (IORING_NOP_INJECT_RESULT, 3));
    let mut cmd = [0u8; 80];
    cmd[79] = 1;
    let e = UringCmd128::new(3, 4).cmd(cmd).build();
    assert_eq!((e.sqe.cmd_op(), e.cmd_ext[63]), (4, 1));
}
