//! Entering the kernel: submitting, waiting, and the flags that decide
//! whether a system call is needed at all.
//!
//! `io_uring_enter(2)` does three jobs: it submits published SQEs (unless
//! an SQPOLL thread does that), it waits for completions
//! (`IORING_ENTER_GETEVENTS`), and it runs deferred work (flushing
//! overflowed completions, running task work under `DEFER_TASKRUN`). The
//! rules applied here, and the bug each prevents:
//!
//! - The to-submit count is "written minus consumed", computed from the
//!   kernel's head, never from a local counter that assumed a previous call
//!   consumed everything (bug class 3.3). An error from enter therefore
//!   loses nothing: the entries stay published and the next enter submits them.
//! - Under SQPOLL the wake-up check runs on every path that published
//!   something, waiting or not (bug class 3.2), after a full fence (bug
//!   class 1.1).
//! - `IORING_SQ_CQ_OVERFLOW` or `IORING_SQ_TASKRUN` set means the next
//!   enter carries GETEVENTS, even if the caller did not ask to wait (bug
//!   class 3.1).
//! - Errors come back typed: EINTR, EAGAIN and EBUSY are transient
//!   ([`Error::is_transient`]); EBADR, a completion lost for lack of
//!   memory, is [`Error::CompletionLost`] (bug classes 3.4 and 3.5).
#![allow(unsafe_code)]

use crate::error::{Call, Error, Result};
use crate::kernel::Kernel;
use crate::raw::layout::RingRegion;
use crate::raw::memory::RegWaitRegion;
use crate::raw::ring::Ring;
use core::ffi::c_void;
use core::ptr::NonNull;
use core::time::Duration;
use ring_sys::*;

/// When a wait ends, if no completion arrives first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// After this long (`IORING_ENTER_EXT_ARG`, Linux 5.11).
    Relative(Duration),
    /// At this time on the ring's clock (`IORING_ENTER_ABS_TIMER`, 6.12;
    /// `CLOCK_MONOTONIC` unless changed with `IORING_REGISTER_CLOCK`).
    Absolute(Duration),
}

/// A wait with everything `io_uring_enter` can be told about it.
///
/// ```
/// use ring_core::submit::{Timeout, Wait};
/// use ring_core::Ring;
/// use std::time::Duration;
///
/// let mut ring = Ring::new(2)?;
/// // One completion, for at most a millisecond: none comes.
/// let wait = Wait { want: 1, timeout: Some(Timeout::Relative(Duration::from_millis(1))), ..Wait::default() };
/// ring.submit_with(&wait)?;
/// assert!(ring.cq().pop().is_none());
/// # Ok::<(), ring_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Wait<'a> {
    /// How many completions to wait for (0: only submit).
    pub want: u32,
    /// When to give up.
    pub timeout: Option<Timeout>,
    /// Wait at least this long for `want` completions before returning with
    /// fewer (`min_wait_usec`, `IORING_FEAT_MIN_TIMEOUT`, 6.12).
    pub min_wait: Option<Duration>,
    /// A signal mask to apply while waiting, as `ppoll(2)` does.
    pub sigmask: Option<&'a libc::sigset_t>,
    /// Do not count the wait as I/O wait (`IORING_ENTER_NO_IOWAIT`, 6.15).
    pub no_iowait: bool,
}

fn timespec(d: Duration) -> __kernel_timespec {
    __kernel_timespec { tv_sec: d.as_secs().min(i64::MAX as u64) as i64, tv_nsec: i64::from(d.subsec_nanos()) }
}

fn enter_error(e: ring_sys::Errno) -> Error {
    if e.raw() == libc::EBADR {
        Error::CompletionLost
    } else {
        Error::syscall(Call::Enter, e)
    }
}

impl<K: Kernel> Ring<K> {
    /// Publishes written SQEs and enters the kernel if anything needs it.
    ///
    /// This is the single path every submit and wait goes through.
    #[inline(always)]
    fn enter(
        &mut self,
        want: u32,
        mut flags: u32,
        arg: *const c_void,
        argsz: usize,
    ) -> Result<u32, crate::error::Error> {
        let sqpoll = self.params.flags & IORING_SETUP_SQPOLL != 0;
        let to_submit = self.sq.publish();
        if sqpoll && to_submit > 0 && self.sq.needs_wakeup() {
            flags |= IORING_ENTER_SQ_WAKEUP;
        }
        if want > 0 || self.sq.flags() & (IORING_SQ_CQ_OVERFLOW | IORING_SQ_TASKRUN) != 0 {
            flags |= IORING_ENTER_GETEVENTS;
        }
        if flags == 0 && (sqpoll || to_submit == 0) {
            // Nothing to do in the kernel: no wait, no wake-up, and either
            // nothing to submit or a poll thread that submits by itself.
            return Ok(to_submit);
        }
        let (fd, reg) = self.enter_target();
        // SAFETY: `fd` is this ring's descriptor or registered index. The SQEs published above carry the contracts
        // their pushers accepted (`SubmissionQueue::push` is unsafe for that reason). `arg` is null or matches `flags`
        // and `argsz`, as each caller below ensures.
        let r = unsafe { self.kernel.enter(fd, to_submit, want, flags | reg, arg, argsz) };
        r.map_err(enter_error)
    }

    /// Submits published and written SQEs; returns how many the kernel
    /// consumed (under SQPOLL: how many were waiting for the poll thread).
    #[inline]
    pub fn submit(&mut self) -> Result<u32, crate::error::Error> {
        self.enter(0, 0, core::ptr::null(), 0)
    }

    /// Submits, then waits until at least `want` completions are ready.
    ///
    /// A signal can end the wait early with a transient EINTR error; a
    /// completion may also be posted to the CQ before `want` is reached.
    /// On an `IORING_SETUP_CQE_MIXED` ring the kernel counts 16-byte CQ
    /// slots, not completions: a 32-byte completion counts as two, so the
    /// wait can end with fewer than `want` completions ready.
    #[inline]
    pub fn submit_and_wait(&mut self, want: u32) -> Result<u32, crate::error::Error> {
        self.enter(want, 0, core::ptr::null(), 0)
    }

    /// Submits, then waits for `want` completions or until `timeout` passes,
    /// whichever is first. Needs `IORING_FEAT_EXT_ARG` (5.11).
    pub fn submit_and_wait_timeout(&mut self, want: u32, timeout: Duration) -> Result<u32, crate::error::Error> {
        self.submit_with(&Wait { want, timeout: Some(Timeout::Relative(timeout)), ..Wait::default() })
    }

    /// Submits and waits as `wait` says (timeouts, minimum wait, signal
    /// mask, no-iowait), using `IORING_ENTER_EXT_ARG`. A timeout that
    /// expires with nothing submitted returns `Ok(0)`.
    pub fn submit_with(&mut self, wait: &Wait<'_>) -> Result<u32, crate::error::Error> {
        let mut flags = 0;
        let needs_ext = wait.timeout.is_some() || wait.min_wait.is_some();
        if wait.no_iowait {
            if !self.has_feature(IORING_FEAT_NO_IOWAIT) {
                return Err(Error::NotConfigured("IORING_ENTER_NO_IOWAIT needs IORING_FEAT_NO_IOWAIT (6.15)"));
            }
            flags |= IORING_ENTER_NO_IOWAIT;
        }
        if !needs_ext {
            let (arg, size) = match wait.sigmask {
                Some(m) => ((m as *const libc::sigset_t).cast(), ring_sys::syscall::SIGSET_SIZE),
                None => (core::ptr::null(), 0),
            };
            return self.enter(wait.want, flags, arg, size);
        }
        if !self.has_feature(IORING_FEAT_EXT_ARG) {
            return Err(Error::NotConfigured("wait timeouts need IORING_FEAT_EXT_ARG (5.11)"));
        }
        let mut ts = __kernel_timespec::default();
        let mut arg = io_uring_getevents_arg::default();
        match wait.timeout {
            Some(Timeout::Relative(d)) => ts = timespec(d),
            Some(Timeout::Absolute(d)) => {
                ts = timespec(d);
                flags |= IORING_ENTER_ABS_TIMER;
            }
            None => {}
        }
        if wait.timeout.is_some() {
            arg.ts = (&raw const ts) as u64;
        }
        if let Some(m) = wait.min_wait {
            if !self.has_feature(IORING_FEAT_MIN_TIMEOUT) {
                return Err(Error::NotConfigured("min_wait needs IORING_FEAT_MIN_TIMEOUT (6.12)"));
            }
            arg.min_wait_usec = m.as_micros().min(u32::MAX as u128) as u32;
        }
        if let Some(m) = wait.sigmask {
            arg.sigmask = (m as *const libc::sigset_t) as u64;
            arg.sigmask_sz = ring_sys::syscall::SIGSET_SIZE as u32;
        }
        let r = self.enter(
            wait.want,
            flags | IORING_ENTER_EXT_ARG,
            (&raw const arg).cast(),
            core::mem::size_of::<io_uring_getevents_arg>(),
        );
        match r {
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::ETIME => Ok(0),
            r => r,
        }
    }

    /// Enters with `IORING_ENTER_GETEVENTS` and no wait: flushes completions
    /// the kernel parked on overflow and runs deferred task work
    /// (`DEFER_TASKRUN`), so that they appear in the CQ.
    pub fn get_events(&mut self) -> Result<u32, crate::error::Error> {
        self.enter(0, IORING_ENTER_GETEVENTS, core::ptr::null(), 0)
    }

    /// Under SQPOLL, waits until the poll thread has made room in a full SQ
    /// (`IORING_ENTER_SQ_WAIT`, 5.10). Without SQPOLL, submits instead:
    /// that consumes the whole SQ.
    pub fn sq_wait(&mut self) -> Result<u32, crate::error::Error> {
        if self.params.flags & IORING_SETUP_SQPOLL == 0 {
            return self.submit();
        }
        self.enter(0, IORING_ENTER_SQ_WAIT, core::ptr::null(), 0)
    }

    /// Submits every entry written so far and returns once the kernel has
    /// consumed them all (under SQPOLL, waits for the poll thread, up to
    /// `patience`): for a registration that changes state the queued
    /// entries were checked against, so the kernel issues them first.
    /// `SubmissionQueueFull` if the poll thread did not get to them in time.
    pub(crate) fn submit_all(&mut self, patience: core::time::Duration) -> Result<(), crate::error::Error> {
        let until = std::time::Instant::now() + patience;
        loop {
            match self.submit() {
                Ok(_) => {}
                // Interrupted, or no room for completions yet: the entries
                // stay published; try again.
                Err(e) if e.is_transient() => {}
                Err(e) => return Err(e),
            }
            self.sq.sync_head();
            if self.sq.is_empty() {
                return Ok(());
            }
            if std::time::Instant::now() >= until {
                return Err(crate::error::Error::SubmissionQueueFull);
            }
            std::thread::sleep(core::time::Duration::from_micros(50));
        }
    }

    /// Enables a ring set up with `IORING_SETUP_R_DISABLED`
    /// (`IORING_REGISTER_ENABLE_RINGS`, 5.10).
    pub fn enable(&mut self) -> Result<(), crate::error::Error> {
        // SAFETY: ENABLE_RINGS takes no argument.
        unsafe { self.register_typed(IORING_REGISTER_ENABLE_RINGS, core::ptr::null(), 0) }?;
        self.enabled = true;
        Ok(())
    }

    /// Registers `slots` wait descriptors for [`submit_and_wait_registered`](Self::submit_and_wait_registered).
    /// The ring must still be disabled (`IORING_SETUP_R_DISABLED`); the
    /// builder's [`registered_waits`](crate::Builder::registered_waits) arranges that.
    pub fn register_wait_region(&mut self, slots: u32) -> Result<(), crate::error::Error> {
        if self.reg_wait.is_some() {
            return Err(Error::InvalidArgument("a wait region is already registered"));
        }
        let size = core::mem::size_of::<io_uring_reg_wait>();
        // SAFETY: sysconf has no memory effects.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
        // One slot more than asked for: the last slot of the region cannot be
        // used (see below).
        let len = (slots as usize).max(1).saturating_add(1).saturating_mul(size).div_ceil(page) * page;
        if len > page {
            return Err(Error::TooLong { what: "registered wait slots", len: slots as usize, max: page / size - 1 });
        }
        // SAFETY: a fresh anonymous mapping aliases nothing.
        let ptr = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_POPULATE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(Error::syscall(Call::Mmap, ring_sys::Errno::new(libc::ENOMEM)));
        }
        let base = NonNull::new(ptr.cast::<u8>()).ok_or(Error::InvalidArgument("mmap returned null"))?;
        // The last slot is not offered. The kernel bounds the offset it is
        // given with `array_index_nospec(offset, region_size - slot_size)`
        // (`io_get_ext_arg_reg`, io_uring/io_uring.c), which maps an offset
        // equal to that bound, the last slot's, to 0: a wait on the last slot
        // runs with slot 0's arguments (measured on 6.18: a 200 ms wait on
        // slot 63 ended after slot 0's 5 ms; on a fresh ring it never ended).
        let region = RegWaitRegion { region: RingRegion { base, len }, slots: (len / size) as u32 - 1 };
        let desc = io_uring_region_desc {
            user_addr: ptr as u64,
            size: len as u64,
            flags: IORING_MEM_REGION_TYPE_USER,
            ..Default::default()
        };
        let reg = io_uring_mem_region_reg {
            region_uptr: (&raw const desc) as u64,
            flags: IORING_MEM_REGION_REG_WAIT_ARG,
            ..Default::default()
        };
        // SAFETY: `reg` points to a valid region descriptor naming memory we own, which stays mapped until the ring is
        // dropped. The kernel pins the pages, so unmapping our view at drop cannot let it write into memory that is
        // reused.
        // Through the register classifier: a kernel before 6.13 does not
        // know IORING_REGISTER_MEM_REGION, and says so with a bare EINVAL.
        match unsafe { self.register_typed(IORING_REGISTER_MEM_REGION, (&raw const reg).cast(), 1) } {
            Ok(_) => {
                self.reg_wait = Some(region);
                Ok(())
            }
            Err(e) => {
                region.release();
                Err(e)
            }
        }
    }

    /// Submits and waits using registered wait descriptor `slot`
    /// (`IORING_ENTER_EXT_ARG_REG`, 6.13), which saves the kernel copying
    /// the wait arguments in on every call.
    pub fn submit_and_wait_registered(
        &mut self,
        want: u32,
        slot: u32,
        timeout: Option<Duration>,
    ) -> Result<u32, crate::error::Error> {
        let Some(rw) = &self.reg_wait else {
            return Err(Error::NotConfigured("no registered wait region (Builder::registered_waits)"));
        };
        if slot >= rw.slots {
            return Err(Error::InvalidArgument("registered wait slot out of range"));
        }
        let size = core::mem::size_of::<io_uring_reg_wait>();
        let mut w = io_uring_reg_wait::default();
        if let Some(d) = timeout {
            w.ts = timespec(d);
            w.flags = IORING_REG_WAIT_TS;
        }
        // SAFETY: `slot < slots`, so the slot lies inside the mapping, which
        // is 8-aligned (page-aligned base, 64-byte slots). The kernel reads it
        // only during our own enter calls, on this thread.
        unsafe { rw.region.base.as_ptr().add(slot as usize * size).cast::<io_uring_reg_wait>().write_volatile(w) };
        let r = self.enter(
            want,
            IORING_ENTER_EXT_ARG | IORING_ENTER_EXT_ARG_REG,
            (slot as usize * size) as *const c_void,
            size,
        );
        match r {
            Err(Error::Syscall { errno, .. }) if errno.raw() == libc::ETIME => Ok(0),
            r => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::raw::layout::RingRegion;
    use crate::raw::memory::RegWaitRegion;
    use core::ptr::NonNull;

    /// The name the test gives its memfd, so that `/proc/self/maps` shows
    /// exactly the test's mapping and nothing another test thread maps into
    /// the hole after the release.
    const NAME: &str = "ring-core-wait-region-release-test";

    /// Whether any mapping of the test's memfd is still in this process.
    fn memfd_mapped() -> bool {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
        maps.lines().any(|line| line.contains(NAME))
    }

    #[test]
    fn release_unmaps_the_wait_region() {
        // SAFETY: sysconf has no memory effects.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let name = std::ffi::CString::new(NAME).unwrap();
        // SAFETY: memfd_create reads the NUL-terminated name and returns a new descriptor.
        let fd = unsafe { libc::memfd_create(name.as_ptr(), 0) };
        assert!(fd >= 0);
        // SAFETY: ftruncate sizes the memfd this test owns.
        assert_eq!(unsafe { libc::ftruncate(fd, page as libc::off_t) }, 0);
        // SAFETY: a fresh shared mapping of the test's own memfd aliases nothing. A file-backed mapping is used
        // (not an anonymous one) because other test threads may map anonymous memory into the hole the release
        // leaves, which an address-based check would mistake for the region.
        let ptr = unsafe {
            libc::mmap(core::ptr::null_mut(), page, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, fd, 0)
        };
        // SAFETY: the mapping holds its own reference to the file; the descriptor is the test's.
        unsafe { libc::close(fd) };
        assert_ne!(ptr, libc::MAP_FAILED);
        let base = NonNull::new(ptr.cast::<u8>()).unwrap();
        assert!(memfd_mapped());
        RegWaitRegion { region: RingRegion { base, len: page }, slots: 64 }.release();
        assert!(!memfd_mapped(), "release left the wait region mapped");
    }
}
