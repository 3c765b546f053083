//! `io_uring_register` on the simulated kernel.

use super::SimKernel;
use core::ffi::{c_uint, c_void};
use ring_sys::*;
use std::os::fd::RawFd;

impl SimKernel {
    pub(super) fn register_inner(&self, fd: c_uint, opcode: u32, arg: *const c_void, nr_args: u32) -> Result<u32, i32> {
        let mut st = self.lock();
        let use_reg = opcode & IORING_REGISTER_USE_REGISTERED_RING != 0;
        let op = opcode & !IORING_REGISTER_USE_REGISTERED_RING;
        if use_reg && st.cfg.features & IORING_FEAT_REG_REG_RING == 0 {
            return Err(libc::EINVAL);
        }
        let ring = st.ring_fd(fd, use_reg).ok_or(libc::EBADF)?;
        match op {
            IORING_REGISTER_RING_FDS | IORING_UNREGISTER_RING_FDS => {
                if !st.cfg.register_ring_fds {
                    return Err(libc::EINVAL);
                }
                if arg.is_null() || nr_args == 0 || nr_args > 16 {
                    return Err(libc::EINVAL);
                }
                let ups = arg.cast::<io_uring_rsrc_update>().cast_mut();
                if op == IORING_UNREGISTER_RING_FDS {
                    // The kernel only reads the entries of an unregister
                    // (`io_ringfd_unregister` copies each from user memory
                    // and writes nothing back), so they may be read-only
                    // memory; each must name a slot and carry no data.
                    for i in 0..nr_args as usize {
                        // SAFETY: the caller passes `nr_args` valid
                        // io_uring_rsrc_update entries for the call's
                        // duration (the contract of `Kernel::register`).
                        let u = unsafe { ups.add(i).read() };
                        if u.resv != 0 || u.data != 0 || u.offset >= 16 {
                            // As the kernel: the count done so far, or the
                            // error if none was.
                            return if i > 0 { Ok(i as u32) } else { Err(libc::EINVAL) };
                        }
                        if let Some(table) = st.reg_rings.get_mut(&std::thread::current().id()) {
                            table.remove(&u.offset);
                        }
                    }
                    return Ok(nr_args);
                }
                for i in 0..nr_args as usize {
                    // A register writes each entry's slot back, as the
                    // kernel does.
                    // SAFETY: the caller passes `nr_args` valid, writable
                    // entries for the call (`Kernel::register`'s contract).
                    let u = unsafe { &mut *ups.add(i) };
                    let target = u.data as RawFd;
                    if !st.rings.contains_key(&target) {
                        return Err(libc::EBADF);
                    }
                    // The calling thread's table; a taken slot is refused
                    // with EBUSY, as `io_ring_add_registered_file` does.
                    let table = st.reg_rings.entry(std::thread::current().id()).or_default();
                    let idx = if u.offset == u32::MAX {
                        (0..16).find(|i| !table.contains_key(i)).ok_or(libc::EBUSY)?
                    } else if u.offset >= 16 || table.contains_key(&u.offset) {
                        return Err(if u.offset >= 16 { libc::EINVAL } else { libc::EBUSY });
                    } else {
                        u.offset
                    };
                    table.insert(idx, target);
                    u.offset = idx;
                }
                Ok(nr_args)
            }
            IORING_REGISTER_SYNC_CANCEL => {
                // `io_sync_cancel`: one argument, known flags, zero padding;
                // the targets are cancelled as `IORING_OP_ASYNC_CANCEL`
                // would, and the call posts no completion of its own.
                if !st.cfg.sync_cancel || arg.is_null() || nr_args != 1 {
                    return Err(libc::EINVAL);
                }
                // SAFETY: the caller passes one valid io_uring_sync_cancel_reg
                // for the call's duration (`Kernel::register`'s contract).
                let reg = unsafe { arg.cast::<io_uring_sync_cancel_reg>().read() };
                let known = IORING_ASYNC_CANCEL_ALL
                    | IORING_ASYNC_CANCEL_FD
                    | IORING_ASYNC_CANCEL_ANY
                    | IORING_ASYNC_CANCEL_USERDATA;
                if reg.flags & !known != 0 || reg.pad != [0; 7] || reg.pad2 != [0; 3] {
                    return Err(libc::EINVAL);
                }
                match st.run_cancel(ring, reg.addr, reg.fd, reg.flags) {
                    n if n >= 0 => Ok(n as u32),
                    // A target that was already completing: the kernel waits
                    // for it up to the timeout; here it has finished by now,
                    // so only a zero timeout reports the wait as expired.
                    e if e == -libc::EALREADY => {
                        if reg.timeout.tv_sec == 0 && reg.timeout.tv_nsec == 0 {
                            Err(libc::ETIME)
                        } else {
                            Ok(0)
                        }
                    }
                    e => Err(-e),
                }
            }
            IORING_REGISTER_PBUF_RING => st.register_pbuf(ring, arg, nr_args),
            IORING_UNREGISTER_PBUF_RING => st.unregister_pbuf(ring, arg, nr_args),
            IORING_REGISTER_ENABLE_RINGS => {
                let r = st.rings.get_mut(&ring).expect("checked");
                if !r.disabled {
                    return Err(libc::EBADFD);
                }
                r.disabled = false;
                Ok(0)
            }
            _ => Err(libc::EINVAL),
        }
    }
}
