//! Registering and unregistering a provided-buffer ring with a [`Ring`]
//! (`IORING_REGISTER_PBUF_RING`, `IORING_UNREGISTER_PBUF_RING`), its head
//! (`IORING_REGISTER_PBUF_STATUS`), and the probe of its flags.
#![allow(unsafe_code)]

use super::{BufRing, BufRingConfig, RingMem, MAX_BUF_RING_ENTRIES, MAX_MAPPED_BGID};
use crate::error::{Error, Result};
use crate::kernel::Kernel;
use crate::raw::memory::AnonMap;
use crate::raw::register::buf_ring_writer::BufRingWriter;
use crate::raw::ring::Ring;
use ring_sys::*;

impl<K: Kernel> Ring<K> {
    /// Registers a provided-buffer ring as `config` describes and hands it
    /// every owned buffer (`IORING_REGISTER_PBUF_RING`, Linux 5.19;
    /// kernel-allocated memory 6.4, incremental consumption 6.12).
    ///
    /// See [`BufRing`] for how it is used and released.
    pub fn register_buf_ring(&self, config: BufRingConfig) -> Result<BufRing, crate::error::Error> {
        let entries = config.entries;
        if entries == 0 || !entries.is_power_of_two() {
            return Err(Error::InvalidArgument("buffer ring entries must be a power of two"));
        }
        if config.buf_count > entries {
            return Err(Error::TooLong {
                what: "owned buffer count",
                len: usize::from(config.buf_count),
                max: usize::from(entries),
            });
        }
        if config.buf_count > 0 && config.buf_len == 0 {
            return Err(Error::InvalidArgument("owned buffers cannot be empty"));
        }
        let ring_len = usize::from(entries) * core::mem::size_of::<io_uring_buf>();
        let bufs_len = usize::from(config.buf_count).checked_mul(config.buf_len as usize).ok_or(Error::TooLong {
            what: "buffer ring memory",
            len: usize::MAX,
            max: isize::MAX as usize,
        })?;
        if config.kernel_mapped && self.fd < 0 {
            return Err(Error::NotConfigured(
                "a kernel-allocated buffer ring is mapped from the ring descriptor, which this ring does not have",
            ));
        }
        // A kernel-allocated ring is mapped at an offset that carries the
        // group id in bits 16 and up, below the offset's type bits
        // (`IORING_OFF_MMAP_MASK`): the kernel decodes only those 11 bits,
        // so group 0x8000 would be mapped as group 0, and this ring would
        // write its entries into another group's ring. Such a group id
        // cannot be mapped correctly, and is refused before registering.
        if config.kernel_mapped && config.bgid > MAX_MAPPED_BGID {
            return Err(Error::TooLong {
                what: "group id of a kernel-allocated buffer ring",
                len: usize::from(config.bgid),
                max: usize::from(MAX_MAPPED_BGID),
            });
        }
        let bufs = if config.buf_count > 0 { Some(AnonMap::new(bufs_len, "buffer ring buffers")?) } else { None };
        let user_ring = if config.kernel_mapped { None } else { Some(AnonMap::new(ring_len, "buffer ring")?) };
        let reg = io_uring_buf_reg {
            ring_addr: user_ring.as_ref().map_or(0, |m| m.ptr.as_ptr() as u64),
            ring_entries: u32::from(entries),
            bgid: config.bgid,
            flags: config.flags(),
            ..Default::default()
        };
        // SAFETY: `reg` is read during the call. The ring memory it names
        // (if any) is a fresh page-aligned mapping that the BufRing built
        // below owns and frees only after unregistering it.
        unsafe { self.register_pinning(IORING_REGISTER_PBUF_RING, (&raw const reg).cast(), 1) }
            .map_err(|e| self.buf_ring_refusal(reg.flags, e))?;
        // From here on the kernel holds the group; every early return must
        // unregister it before the memory is freed.
        let ring = match user_ring {
            Some(m) => RingMem::User(m),
            None => {
                let off = IORING_OFF_PBUF_RING | (u64::from(config.bgid) << IORING_OFF_PBUF_SHIFT);
                let len = ring_len.next_multiple_of(crate::raw::memory::page_size());
                match self.kernel.map(self.fd, off, len) {
                    Ok(ptr) => RingMem::Kernel { ptr, len },
                    Err(errno) => {
                        let _ = self.unregister_buf_group(config.bgid);
                        return Err(Error::Syscall { call: crate::error::Call::Mmap, errno });
                    }
                }
            }
        };
        let base = match &ring {
            RingMem::User(m) => m.ptr,
            RingMem::Kernel { ptr, .. } => *ptr,
        };
        let mut br = BufRing {
            ring: Some(ring),
            // A fresh ring's memory is zeroed (ours by mmap, the kernel's by its allocator), so its tail is 0.
            // SAFETY: `base` starts `entries` page-aligned entries of ring memory the BufRing owns (unmapped only once
            // consumed by `unregister_buf_ring`); the tail is 0, as said; the BufRing's writer is the only producer.
            writer: unsafe { BufRingWriter::over_ring(base.cast(), entries, 0) },
            bufs,
            buf_len: config.buf_len,
            buf_count: config.buf_count,
            entries,
            bgid: config.bgid,
            flags: config.flags(),
            with_kernel: vec![0; usize::from(config.buf_count).div_ceil(64)],
            owner: self.id,
        };
        for bid in 0..config.buf_count {
            br.push(bid)?;
        }
        br.publish();
        Ok(br)
    }

    /// Unregisters `buf_ring` (`IORING_UNREGISTER_PBUF_RING`, Linux 5.19)
    /// and frees its memory.
    ///
    /// If `buf_ring` belongs to another ring ([`Error::ForeignResource`];
    /// this ring's group of the same id is left alone), or the kernel
    /// refuses, the error is returned and `buf_ring` is dropped, which leaks
    /// its memory (see [`BufRing`]).
    pub fn unregister_buf_ring(&self, buf_ring: BufRing) -> Result<(), crate::error::Error> {
        if buf_ring.owner != self.id {
            return Err(Error::ForeignResource { what: "buffer ring" });
        }
        self.unregister_buf_group(buf_ring.bgid)?;
        let mut buf_ring = buf_ring;
        let ring = buf_ring.ring.take();
        let bufs = buf_ring.bufs.take();
        drop(buf_ring);
        if let Some(RingMem::Kernel { ptr, len }) = ring {
            // SAFETY: the region was mapped by `self.kernel.map` in
            // `register_buf_ring` and is unmapped once; the BufRing, the only
            // user of the mapping, has been consumed.
            unsafe { self.kernel.unmap(ptr, len) };
        }
        // The user ring memory and the buffers are unmapped as `ring` and
        // `bufs` drop here: the kernel has let the group go, and requests
        // still holding a buffer are covered by their pushers' contracts.
        drop(ring);
        drop(bufs);
        Ok(())
    }

    /// Registers caller memory at `ring_addr` as the provided-buffer ring of
    /// group `bgid` with `entries` entries and `IOU_PBUF_RING_*` `flags`
    /// (`IORING_REGISTER_PBUF_RING`, Linux 5.19). Without
    /// `IOU_PBUF_RING_MMAP`, `ring_addr` must be page-aligned; with it,
    /// `ring_addr` must be null and the ring is mapped from the ring
    /// descriptor at `IORING_OFF_PBUF_RING | bgid << IORING_OFF_PBUF_SHIFT`.
    ///
    /// # Safety
    ///
    /// The `entries * 16` bytes at `ring_addr` must stay valid, and not be
    /// reused for other data, until
    /// [`unregister_buf_group`](Self::unregister_buf_group) succeeds or the
    /// ring is dropped (the kernel pins them, so an anonymous mapping may be
    /// unmapped earlier; heap memory may not be freed). Every buffer
    /// published into the ring must be valid for writes until the request
    /// that takes it completes.
    pub unsafe fn register_buf_ring_raw(
        &self,
        ring_addr: *mut io_uring_buf_ring,
        entries: u32,
        bgid: u16,
        flags: u16,
    ) -> Result<(), crate::error::Error> {
        if entries == 0 || !entries.is_power_of_two() || entries > u32::from(MAX_BUF_RING_ENTRIES) {
            return Err(Error::InvalidArgument("buffer ring entries must be a power of two of at most 32768"));
        }
        if flags & IOU_PBUF_RING_MMAP != 0 {
            if !ring_addr.is_null() {
                return Err(Error::InvalidArgument("a kernel-allocated buffer ring takes no address"));
            }
        } else if ring_addr.is_null() || (ring_addr as usize) % crate::raw::memory::page_size() != 0 {
            return Err(Error::InvalidArgument("buffer ring memory must be page-aligned"));
        }
        let reg =
            io_uring_buf_reg { ring_addr: ring_addr as u64, ring_entries: entries, bgid, flags, ..Default::default() };
        // SAFETY: `reg` is read during the call; the memory it names is kept
        // per this function's contract.
        unsafe { self.register_pinning(IORING_REGISTER_PBUF_RING, (&raw const reg).cast(), 1) }
            .map_err(|e| self.buf_ring_refusal(flags, e))?;
        Ok(())
    }

    /// Whether this kernel takes provided-buffer rings with the
    /// `IOU_PBUF_RING_*` flag `flag` ([`IOU_PBUF_RING_MMAP`], 6.4, or
    /// [`IOU_PBUF_RING_INC`], 6.12): found by registering a one-entry ring
    /// with that flag alone on a private ring, once per ring. Any other
    /// flag is [`Error::InvalidArgument`].
    pub fn buf_ring_flag_supported(&self, flag: u16) -> Result<bool, crate::error::Error> {
        let behaviour = match flag {
            IOU_PBUF_RING_MMAP => crate::raw::register::behaviour::Behaviour::BufRingMapped,
            IOU_PBUF_RING_INC => crate::raw::register::behaviour::Behaviour::BufRingIncremental,
            _ => return Err(Error::InvalidArgument("not an IOU_PBUF_RING_* flag")),
        };
        self.probed.get_or_probe(behaviour, || flag_accepted(&self.kernel, flag))
    }

    /// Types `e`, a failed registration of a provided-buffer ring with
    /// `flags`: a kernel that does not know a flag answers a plain EINVAL
    /// (it reads the flags as padding before 6.4, and refuses unknown bits
    /// since), as it does for arguments it refuses, so the probe of each
    /// flag asked for decides. A flag the kernel lacks becomes
    /// [`Error::Unsupported`]; otherwise, or if no probe can run, `e` stays.
    fn buf_ring_refusal(&self, flags: u16, e: Error) -> Error {
        if !crate::raw::register::behaviour::is_register_einval(&e) {
            return e;
        }
        if flags & IOU_PBUF_RING_MMAP != 0 && matches!(self.buf_ring_flag_supported(IOU_PBUF_RING_MMAP), Ok(false)) {
            return Error::Unsupported {
                what: "a provided-buffer ring in kernel memory (IOU_PBUF_RING_MMAP)",
                reason: "a private ring refused a one-entry buffer ring with IOU_PBUF_RING_MMAP: this kernel \
                         does not allocate buffer rings (added in Linux 6.4)",
            };
        }
        if flags & IOU_PBUF_RING_INC != 0 && matches!(self.buf_ring_flag_supported(IOU_PBUF_RING_INC), Ok(false)) {
            return Error::Unsupported {
                what: "an incremental provided-buffer ring (IOU_PBUF_RING_INC)",
                reason: "a private ring refused a one-entry buffer ring with IOU_PBUF_RING_INC: this kernel \
                         does not consume buffers incrementally (added in Linux 6.12)",
            };
        }
        e
    }

    /// Unregisters the provided-buffer ring of group `bgid`
    /// (`IORING_UNREGISTER_PBUF_RING`, Linux 5.19). The kernel stops handing
    /// out its buffers; freeing a [`BufRing`]'s memory is
    /// [`unregister_buf_ring`](Self::unregister_buf_ring)'s job.
    pub fn unregister_buf_group(&self, bgid: u16) -> Result<(), crate::error::Error> {
        let reg = io_uring_buf_reg { bgid, ..Default::default() };
        // SAFETY: `reg` is read during the call. Through the descriptor:
        // `unregister_buf_ring` frees the memory on the strength of the
        // answer.
        unsafe { self.register_releasing(IORING_UNREGISTER_PBUF_RING, (&raw const reg).cast(), 1) }?;
        Ok(())
    }

    /// The kernel's head of the provided-buffer ring of group `bgid`: the
    /// position of the next buffer it will take (`IORING_REGISTER_PBUF_STATUS`,
    /// Linux 6.8). Entries from the head up to the published tail are still
    /// available to the kernel.
    pub fn buf_ring_head(&self, bgid: u16) -> Result<u16, crate::error::Error> {
        let mut st = io_uring_buf_status { buf_group: u32::from(bgid), ..Default::default() };
        // SAFETY: one io_uring_buf_status, read and written during the call.
        unsafe { self.register_typed(IORING_REGISTER_PBUF_STATUS, (&raw mut st).cast_const().cast(), 1) }?;
        Ok(st.head as u16)
    }
}

/// Probes whether `kernel` takes a provided-buffer ring with the
/// `IOU_PBUF_RING_*` flag `flag` and no other, harmlessly: a one-entry ring
/// for group 0 is registered on a private ring, which is dropped at once
/// (the group goes with it). With [`IOU_PBUF_RING_MMAP`] the kernel
/// allocates the ring memory; otherwise it is a private page, unmapped only
/// after the private ring is gone. A kernel that does not know the flag
/// answers EINVAL.
pub(crate) fn flag_accepted<K: Kernel>(kernel: &K, flag: u16) -> Result<bool> {
    let user = if flag & IOU_PBUF_RING_MMAP == 0 { Some(AnonMap::new(1, "probe buffer ring")?) } else { None };
    // Declared after the memory, so dropped before it.
    let ring = crate::raw::register::probe_ring::probe_ring(kernel)?;
    let reg = io_uring_buf_reg {
        ring_addr: user.as_ref().map_or(0, |m| m.ptr.as_ptr() as u64),
        ring_entries: 1,
        bgid: 0,
        flags: flag,
        ..Default::default()
    };
    // SAFETY: `reg` is read during the call; the page it names (if any)
    // stays mapped until the private ring, and with it the registration,
    // is gone (`ring` is dropped before `user`).
    match unsafe { ring.register_pinning(IORING_REGISTER_PBUF_RING, (&raw const reg).cast(), 1) } {
        Ok(_) => Ok(true),
        Err(e) if crate::raw::register::behaviour::is_register_einval(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
