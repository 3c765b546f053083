//! A ring: the file descriptor, the mapped memory, and the two queues.
#![allow(unsafe_code)]

use crate::error::{Call, Error, Result};
use crate::kernel::{Kernel, Linux};
use crate::raw::cqueue::CompletionQueue;
use crate::raw::layout;
use crate::raw::memory::{RegWaitRegion, RingMemory};
use crate::raw::ring_id::{self, RingId};
use crate::raw::squeue::SubmissionQueue;
use core::ffi::{c_uint, c_void};
use ring_sys::{io_uring_params, Errno};
use std::os::fd::RawFd;

/// An io_uring instance.
///
/// `Ring` is the raw layer: it owns the ring file descriptor and memory and
/// gives out the [`SubmissionQueue`] and [`CompletionQueue`], whose push is
/// `unsafe` because an SQE can point anywhere. The safe layer built on it is
/// [`crate::ownership::driver`].
///
/// The type parameter is the [`Kernel`] behind the ring: [`Linux`] (free of
/// cost) in normal use, or the verification crate's simulated kernel.
///
/// Dropping a ring unmaps its memory and closes its descriptor. Closing
/// does **not** retire operations in flight: the kernel may still be
/// reading and writing their buffers afterwards, which is why pushing is
/// `unsafe` here and why the ownership layer never frees an operation's
/// memory on teardown unless its completion was seen.
///
/// A ring is not `Send`: its registered index (see
/// [`registered_index`](Self::registered_index)) names it only in the
/// table of the thread that registered it, so the ring stays on that
/// thread.
///
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// send(ring_core::Ring::new(4).unwrap());
/// ```
///
/// A raw ring from set-up to completions, its registrations, and its
/// introspection:
///
/// ```
/// use ring_core::opcode::{Nop, Read};
/// use ring_core::register::CancelBuilder;
/// use ring_core::submit::{Timeout, Wait};
/// use ring_core::{Builder, Ring};
/// use std::os::fd::AsRawFd;
/// use std::time::Duration;
///
/// let mut ring = Ring::new(8)?;
/// // Sync cancellation and file allocation ranges below are Linux 6.0, as
/// // zero-copy sends are: probe that.
/// if !ring.probe()?.supported(ring_core::sys::IORING_OP_SEND_ZC) {
///     println!("skipping: this example needs Linux 6.0");
///     return Ok(());
/// }
/// assert!(ring.params().sq_entries >= 8 && ring.fd().is_some());
/// assert_eq!(ring.setup_flags() & ring_core::sys::IORING_SETUP_SQPOLL, 0);
/// assert_eq!(ring.has_feature(ring_core::sys::IORING_FEAT_NODROP), ring.features() & ring_core::sys::IORING_FEAT_NODROP != 0);
/// assert!(ring.id().get() > 0);
/// let _kernel: &ring_core::Linux = ring.kernel();
/// assert!(ring.probe()?.supported(ring_core::sys::IORING_OP_NOP));
///
/// // Entries in, completions out.
/// let nop = Nop::new().build().user_data(1).into_sqe();
/// // SAFETY: a NOP touches no memory.
/// unsafe { ring.sq().push(&nop) }.expect("room");
/// assert_eq!(ring.submit()?, 1);
/// ring.submit_and_wait(1)?;
/// let (_sq, cq) = ring.queues();
/// assert_eq!(cq.pop().map(|c| c.user_data), Some(1));
/// // Nothing in flight: each wait ends at its timeout, with nothing.
/// ring.submit_and_wait_timeout(1, Duration::from_millis(1))?;
/// let wait = Wait { want: 1, timeout: Some(Timeout::Relative(Duration::from_millis(1))), ..Wait::default() };
/// ring.submit_with(&wait)?;
/// assert!(ring.cq().pop().is_none());
/// assert_eq!(ring.get_events()?, 0);
/// assert_eq!(ring.sq_wait()?, 0); // room in the SQ already
/// assert_eq!(ring.cq().ready(), 0);
///
/// // The ring's own descriptor registered: `io_uring_enter` by index.
/// if ring.register_ring_fd()? {
///     assert!(ring.registered_index().is_some());
///     ring.unregister_ring_fd()?;
/// }
///
/// // A file table: registered, updated, given back; a sparse one with an
/// // allocation range for direct descriptors.
/// let file = std::fs::File::open("/dev/null")?;
/// ring.register_files(&[file.as_raw_fd(), -1])?;
/// assert_eq!(ring.update_files(1, &[file.as_raw_fd()])?, 1);
/// ring.unregister_files()?;
/// ring.register_files_sparse(8)?;
/// ring.register_file_alloc_range(0, 4)?;
/// ring.unregister_files()?;
///
/// // Registered buffers, sparse here.
/// ring.register_buffers_sparse(4)?;
/// ring.unregister_buffers()?;
///
/// // An eventfd signalled on each completion.
/// // SAFETY: eventfd takes two integers and touches no memory.
/// let efd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
/// assert!(efd >= 0);
/// ring.register_eventfd(efd)?;
/// ring.unregister_eventfd()?;
/// ring.register_eventfd_async(efd)?;
/// ring.unregister_eventfd()?;
/// // SAFETY: `efd` is ours and used no more.
/// unsafe { libc::close(efd) };
///
/// // Credentials to submit with, and io-wq limits.
/// let id = ring.register_personality()?;
/// ring.unregister_personality(id)?;
/// let limits = ring.iowq_max_workers()?;
/// ring.set_iowq_max_workers(Some(limits.bounded.max(1)), None)?;
///
/// // A read that never completes, cancelled synchronously.
/// let (r, _w) = std::os::unix::net::UnixStream::pair()?;
/// let mut out = [0u8; 8];
/// let read = Read::new(r.as_raw_fd(), out.as_mut_ptr(), 8).offset(u64::MAX).build().user_data(9).into_sqe();
/// // SAFETY: `out` and `r` outlive the read, which is cancelled and reaped
/// // below.
/// unsafe { ring.sq().push(&read) }.expect("room");
/// ring.submit()?;
/// assert_eq!(ring.cancel_sync(&CancelBuilder::user_data(9), Some(Duration::from_secs(1)))?, 0);
/// ring.submit_and_wait(1)?;
/// assert_eq!(ring.cq().pop().map(|c| c.res), Some(-libc::ECANCELED));
///
/// // A ring set up disabled runs nothing until enabled (5.10).
/// let mut later = Builder::new(4).r_disabled().build()?;
/// later.enable()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Registrations that newer kernels add, each tried and its refusal printed
/// on a kernel without it:
///
/// ```
/// use ring_core::register::{BufRingConfig, Clock, Napi, NapiTracking, Restriction};
/// use ring_core::{Builder, Ring};
/// use std::time::Duration;
///
/// let report = |what: &str, r: Result<(), ring_core::Error>| {
///     if let Err(e) = r {
///         println!("{what}: {e}");
///     }
/// };
/// let mut ring = Ring::new(8)?;
/// // Provided-buffer rings and ring-fd tables need 5.19 (socket
/// // operations came with it: probe those).
/// if !ring.probe()?.supported(ring_core::sys::IORING_OP_SOCKET) {
///     println!("skipping: this example needs Linux 5.19");
///     return Ok(());
/// }
/// // Provided-buffer rings (5.19), the kernel's head of one (6.8).
/// let bufs = ring.register_buf_ring(BufRingConfig::new(1, 8).buffers(8, 256))?;
/// report("buf_ring_head", ring.buf_ring_head(1).map(|head| assert_eq!(head, 0)));
/// println!("incremental buffer rings: {:?}", ring.buf_ring_flag_supported(ring_core::sys::IOU_PBUF_RING_INC));
/// ring.unregister_buf_ring(bufs)?;
/// report("unregister_buf_group", ring.unregister_buf_group(1).map(|_| ()).or(Ok(())));
/// // Registered buffers, tagged and updated (5.13).
/// let mut mem = vec![0u8; 4096];
/// let iov = [libc::iovec { iov_base: mem.as_mut_ptr().cast(), iov_len: mem.len() }];
/// // SAFETY: `mem` outlives the registration, which is dropped below before
/// // `mem` is, and nothing else uses it meanwhile.
/// unsafe {
///     ring.register_buffers(&iov)?;
///     ring.unregister_buffers()?;
///     ring.register_buffers_tags(&iov, &[0])?;
///     report("update_buffers", ring.update_buffers(0, &iov, None).map(|_| ()));
/// }
/// ring.unregister_buffers()?;
/// // Files with tags (5.13).
/// let file = std::fs::File::open("/dev/null")?;
/// let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
/// // SAFETY: no request uses the table, so no tag is posted early.
/// unsafe {
///     ring.register_files_tags(&[fd, -1], &[0, 0])?;
///     ring.update_files_tags(1, &[fd], &[0])?;
/// }
/// ring.unregister_files()?;
/// // The ring's own descriptor in its registered-ring table (5.18).
/// let indices = ring.register_ring_fds(&[ring.fd().expect("a descriptor")])?;
/// assert_eq!(ring.unregister_ring_fds(&indices)?, 1);
/// // io-wq CPU affinity (5.14).
/// // SAFETY: an all-zero cpu_set_t is an empty set; CPU 0 is within it.
/// let cpus = unsafe {
///     let mut cpus: libc::cpu_set_t = std::mem::zeroed();
///     libc::CPU_SET(0, &mut cpus);
///     cpus
/// };
/// report("register_iowq_aff", ring.register_iowq_aff(&cpus));
/// report("unregister_iowq_aff", ring.unregister_iowq_aff());
/// // What the kernel tells about sync cancellation, NAPI and itself.
/// println!("sync cancel combines user_data: {:?}", ring.sync_cancel_combines_user_data());
/// println!("sync cancel matches opcode: {:?}", ring.sync_cancel_matches_opcode());
/// println!("napi tracking modes: {:?}", ring.napi_has_tracking_modes());
/// report("query", ring.query().map(|_| ()));
/// report("register_clock", ring.register_clock(Clock::Boottime));
/// let napi = Napi { busy_poll_timeout: Duration::from_micros(10), prefer_busy_poll: false, tracking: NapiTracking::Static };
/// if ring.register_napi(&napi).is_ok() {
///     report("napi_add_static_id", ring.napi_add_static_id(1));
///     report("napi_del_static_id", ring.napi_del_static_id(1));
///     ring.unregister_napi()?;
/// }
/// // Growing the rings (6.13) and a region of wait arguments (6.13).
/// let mut resizable = Builder::new(4).defer_taskrun().build()?;
/// report("resize_rings", resizable.resize_rings(16, Some(32)));
/// report("register_wait_region", resizable.register_wait_region(2));
/// report("register_mem_region_owned", ring.register_mem_region_owned(4096, 0).map(|_| ()));
/// // Restrictions, only on a ring set up disabled.
/// let mut locked = Builder::new(4).r_disabled().build()?;
/// locked.register_restrictions(&[Restriction::SqeOp(ring_core::sys::IORING_OP_NOP)])?;
/// locked.enable()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Ring<K: Kernel = Linux> {
    pub(crate) sq: SubmissionQueue,
    pub(crate) cq: CompletionQueue,
    /// Who this ring is, for the resources registered with it.
    pub(crate) id: RingId,
    /// The ring file descriptor, or -1 with `IORING_SETUP_REGISTERED_FD_ONLY`.
    pub(crate) fd: RawFd,
    /// The ring's index in its own registered-ring table, when it has one;
    /// `io_uring_enter` then uses `IORING_ENTER_REGISTERED_RING`, which saves
    /// the kernel a file-table lookup (`fdget`) on every call.
    pub(crate) registered_index: Option<u32>,
    pub(crate) params: io_uring_params,
    pub(crate) memory: RingMemory,
    /// Memory for `IORING_ENTER_EXT_ARG_REG` waits, if registered.
    pub(crate) reg_wait: Option<RegWaitRegion>,
    /// What probes of the kernel's behaviour found, each asked at most once
    /// per ring (see `register::behaviour::Probed`).
    pub(crate) probed: crate::raw::register::behaviour::Probed,
    /// Whether the kernel accepts submissions: false from an
    /// `IORING_SETUP_R_DISABLED` setup until [`enable`](Self::enable)
    /// succeeds. The kernel answers `io_uring_enter` on a disabled ring with
    /// `EBADFD` and consumes nothing, so the driver refuses operations at
    /// start rather than let them wait for ever.
    pub(crate) enabled: bool,
    pub(crate) kernel: K,
}

impl<K: Kernel> core::fmt::Debug for Ring<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ring")
            .field("fd", &self.fd)
            .field("registered_index", &self.registered_index)
            .field("sq_entries", &self.params.sq_entries)
            .field("cq_entries", &self.params.cq_entries)
            .field("flags", &format_args!("{:#x}", self.params.flags))
            .field("features", &format_args!("{:#x}", self.params.features))
            .finish_non_exhaustive()
    }
}

impl<K: Kernel> Ring<K> {
    /// Sets up the ring's memory and queues after a successful
    /// `io_uring_setup`. On error the descriptor is closed.
    pub(crate) fn from_setup(
        kernel: K,
        fd: RawFd,
        params: io_uring_params,
        no_mmap: Option<RingMemory>,
    ) -> Result<Self, crate::error::Error> {
        let registered_fd_only = params.flags & ring_sys::IORING_SETUP_REGISTERED_FD_ONLY != 0;
        let close = |kernel: &K| {
            if !registered_fd_only {
                kernel.close(fd);
            }
        };
        let memory = match no_mmap {
            Some(m) => m,
            None => match crate::raw::memory::map(&kernel, fd, &params) {
                Ok(m) => m,
                Err(e) => {
                    close(&kernel);
                    return Err(e);
                }
            },
        };
        let (sq_region, cq_region, sqes_region) = memory.regions();
        // SAFETY: the regions are the ring's live memory (mapped just now, or
        // provided for NO_MMAP and filled in by the kernel's setup), and they
        // stay alive as long as `memory`, which the ring owns.
        let pointers = unsafe { layout::pointers(&params, sq_region, cq_region, sqes_region) };
        let (sqp, cqp) = match pointers {
            Ok(p) => p,
            Err(e) => {
                // SAFETY: nothing uses the memory: the queues were not built.
                unsafe { memory.release(&kernel) };
                close(&kernel);
                return Err(e);
            }
        };
        let flags = params.flags;
        // SAFETY: the pointers describe this ring's live memory, which the
        // ring owns for as long as the queues exist, and the ring is their
        // only producer and consumer.
        let (sq, cq) = unsafe {
            (
                SubmissionQueue::new(
                    sqp,
                    flags & ring_sys::IORING_SETUP_SQE128 != 0,
                    flags & ring_sys::IORING_SETUP_SQE_MIXED != 0,
                ),
                CompletionQueue::new(
                    cqp,
                    flags & ring_sys::IORING_SETUP_CQE32 != 0,
                    flags & ring_sys::IORING_SETUP_CQE_MIXED != 0,
                ),
            )
        };
        // SAFETY: nothing has been published yet, so the kernel is not
        // reading the array.
        unsafe { sq.init_array() };
        let id = RingId::next();
        let registered_index = if registered_fd_only { Some(fd as u32) } else { None };
        if let Some(index) = registered_index {
            // The kernel registered the ring at a free index of this
            // thread's table. If ring-core's record gives that index to
            // another live ring, that ring's index was removed behind its
            // back and it would act on this one through it: refuse, and let
            // the new ring go (its index is all that holds it).
            if !ring_id::claim(kernel.registered_ring_table(), index, id) {
                let up = ring_sys::io_uring_rsrc_update { offset: index, resv: 0, data: 0 };
                // SAFETY: one valid io_uring_rsrc_update for the call's
                // duration; the index names the ring just set up.
                let _ = unsafe {
                    kernel.register(
                        index,
                        ring_sys::IORING_UNREGISTER_RING_FDS | ring_sys::IORING_REGISTER_USE_REGISTERED_RING,
                        (&raw const up).cast(),
                        1,
                    )
                };
                // SAFETY: nothing was published, and the queues die here.
                unsafe { memory.release(&kernel) };
                return Err(Error::ForeignResource {
                    what: "registered ring index (the kernel gave this ring an index recorded for another ring)",
                });
            }
        }
        Ok(Ring {
            sq,
            cq,
            id,
            fd: if registered_fd_only { -1 } else { fd },
            registered_index,
            params,
            memory,
            reg_wait: None,
            probed: crate::raw::register::behaviour::Probed::default(),
            enabled: params.flags & ring_sys::IORING_SETUP_R_DISABLED == 0,
            kernel,
        })
    }

    /// The submission queue.
    #[inline(always)]
    pub fn sq(&mut self) -> &mut SubmissionQueue {
        &mut self.sq
    }

    /// The completion queue.
    #[inline(always)]
    pub fn cq(&mut self) -> &mut CompletionQueue {
        &mut self.cq
    }

    /// Both queues at once, for code that pushes and reaps in one loop.
    #[inline(always)]
    pub fn queues(&mut self) -> (&mut SubmissionQueue, &mut CompletionQueue) {
        (&mut self.sq, &mut self.cq)
    }

    /// The parameters the kernel returned from setup (sizes, offsets,
    /// features, and the flags the ring runs with).
    pub fn params(&self) -> &io_uring_params {
        &self.params
    }

    /// The setup flags (`IORING_SETUP_*`) the ring runs with.
    pub fn setup_flags(&self) -> u32 {
        self.params.flags
    }

    /// Whether the ring accepts submissions: false for a ring set up with
    /// `IORING_SETUP_R_DISABLED` until [`enable`](Self::enable) succeeds.
    ///
    /// ```
    /// let ring = ring_core::Builder::new(8).build().unwrap();
    /// assert!(ring.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The kernel's feature flags (`IORING_FEAT_*`).
    pub fn features(&self) -> u32 {
        self.params.features
    }

    /// Whether the kernel reported `feature` (an `IORING_FEAT_*` bit).
    pub fn has_feature(&self, feature: u32) -> bool {
        self.params.features & feature == feature
    }

    /// The ring's file descriptor, or `None` when it was set up with
    /// `IORING_SETUP_REGISTERED_FD_ONLY` and exists only as a registered index.
    pub fn fd(&self) -> Option<RawFd> {
        (self.fd >= 0).then_some(self.fd)
    }

    /// The ring's registered index, when it is registered with itself.
    pub fn registered_index(&self) -> Option<u32> {
        self.registered_index
    }

    /// The ring's identity, which the resources registered with it record.
    pub fn id(&self) -> RingId {
        self.id
    }

    /// The kernel behind the ring.
    pub fn kernel(&self) -> &K {
        &self.kernel
    }

    /// The descriptor (or registered index) and the extra flag to pass to
    /// `io_uring_enter`.
    #[inline(always)]
    pub(crate) fn enter_target(&self) -> (c_uint, u32) {
        match self.registered_index {
            Some(i) => (i, ring_sys::IORING_ENTER_REGISTERED_RING),
            None => (self.fd as c_uint, 0),
        }
    }

    /// The descriptor (or registered index) and the opcode bit to pass to
    /// `io_uring_register`. `io_uring_register` accepts a registered index
    /// only from Linux 6.3 (`IORING_FEAT_REG_REG_RING`), although
    /// `io_uring_enter` does from 5.18; on kernels in between, register
    /// calls go through the descriptor.
    #[inline]
    pub(crate) fn register_target(&self) -> (c_uint, u32) {
        match self.registered_index {
            Some(i) if self.fd < 0 || self.params.features & ring_sys::IORING_FEAT_REG_REG_RING != 0 => {
                (i, ring_sys::IORING_REGISTER_USE_REGISTERED_RING)
            }
            _ => (self.fd as c_uint, 0),
        }
    }

    /// The descriptor (or, for a ring that has none, its registered index)
    /// and the opcode bit for register calls after which memory or a file
    /// slot is given up. An index is a name that code outside ring-core can
    /// remove and hand to another ring (see `register::ring_fds`); the
    /// descriptor is owned by this ring, and no safe code can close it.
    #[inline]
    pub(crate) fn release_target(&self) -> (c_uint, u32) {
        match self.registered_index {
            Some(i) if self.fd < 0 => (i, ring_sys::IORING_REGISTER_USE_REGISTERED_RING),
            _ => (self.fd as c_uint, 0),
        }
    }

    /// `io_uring_register(2)` on this ring, through its registered index
    /// when it has one.
    ///
    /// # Safety
    ///
    /// As for [`ring_sys::syscall::io_uring_register`]: `arg` must point to
    /// what `opcode` expects, with `nr_args` elements, and memory a
    /// registration keeps must outlive it.
    pub unsafe fn register_raw(
        &self,
        opcode: u32,
        arg: *const c_void,
        nr_args: u32,
    ) -> Result<u32, crate::error::Error> {
        let (fd, bit) = self.register_target();
        // SAFETY: forwarded contract; `fd` is this ring's descriptor or index.
        unsafe { self.kernel.register(fd, opcode | bit, arg, nr_args) }.map_err(|e| register_error(opcode, e))
    }

    /// Registers the ring's descriptor with itself
    /// (`IORING_REGISTER_RING_FDS`, Linux 5.18) so that every later enter
    /// and register call can skip the descriptor lookup. The builder does
    /// this by default; returns whether it worked.
    pub fn register_ring_fd(&mut self) -> Result<bool, crate::error::Error> {
        if self.registered_index.is_some() {
            return Ok(true);
        }
        let mut up = ring_sys::io_uring_rsrc_update { offset: u32::MAX, resv: 0, data: self.fd as u64 };
        // SAFETY: one valid io_uring_rsrc_update, read and written during
        // the call only.
        let r = unsafe {
            self.kernel.register(self.fd as c_uint, ring_sys::IORING_REGISTER_RING_FDS, (&raw mut up).cast(), 1)
        };
        match r {
            Ok(1) => {
                // An index the record gives to another live ring was removed
                // behind that ring's back; this ring does not take it over
                // (see `register::ring_fds`) and keeps using its descriptor.
                if !ring_id::claim(self.kernel.registered_ring_table(), up.offset, self.id) {
                    self.unregister_index(up.offset);
                    return Ok(false);
                }
                self.registered_index = Some(up.offset);
                Ok(true)
            }
            Ok(_) | Err(_) => Ok(false),
        }
    }
}

/// Maps a register failure to a typed error. The kernel answers an opcode
/// it does not know with EINVAL (and EOPNOTSUPP for a feature compiled out
/// or a device that cannot do it), which it also uses for bad arguments, so
/// the raw call reports the errno as it is; the typed register API in
/// `crate::raw::register` refines it into `Error::UnsupportedRegister` when the
/// kernel does not know the operation.
pub(crate) fn register_error(opcode: u32, e: Errno) -> Error {
    Error::syscall(Call::Register(opcode), e)
}

impl<K: Kernel> Drop for Ring<K> {
    fn drop(&mut self) {
        // SAFETY: the queues die with the ring, so nothing uses the memory
        // after this. The kernel keeps its own references to ring pages
        // until its teardown completes.
        unsafe { self.memory.release(&self.kernel) };
        if let Some(rw) = self.reg_wait.take() {
            rw.release();
        }
        // The indices this ring registered on this thread, its own last:
        // each holds a reference to a ring, and only this ring may remove
        // them (see `register::ring_fds`). An index the record no longer
        // gives to this ring is left alone: removing it would remove
        // another ring's.
        let table = self.kernel.registered_ring_table();
        let mut mine = ring_id::release_all(table, self.id);
        mine.retain(|&i| Some(i) != self.registered_index);
        for index in mine {
            self.unregister_index(index);
        }
        if self.fd >= 0 {
            if let Some(index) = self.registered_index {
                // The registration holds a reference to the ring in this
                // thread's table of registered rings (16 slots): without
                // this, closing the descriptor would leave the ring alive,
                // and its slot taken, until the thread exits. A `Ring` is
                // not `Send`, so this is the thread that registered it.
                self.unregister_index(index);
            }
            self.kernel.close(self.fd);
        } else if let Some(index) = self.registered_index {
            // A REGISTERED_FD_ONLY ring exists only as an index: dropping
            // the registration is what releases it.
            self.unregister_index(index);
        }
    }
}
