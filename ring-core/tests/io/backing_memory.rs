//! I/O into caller-owned memory (crosvm's `BackingMemory` and
//! `MemRegion`s): vectored reads and writes over regions of one memory,
//! bounds checked with typed errors, and the memory kept alive by the
//! operation until its terminal completion.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use crate::support::{poll_once, temp_path};
use ring_core::buf::{BackingMemory, MemRegion, MemRegions, MemSlice, MmapMemory, Region};
use ring_core::error::Error;
use ring_core::Runtime;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn reads_land_in_the_regions_of_an_mmapped_file_in_order() {
    let path = temp_path("mapped");
    let file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    file.set_len(8192).unwrap();
    // SAFETY: the file is this test's own and stays 8192 bytes long.
    let mem = Arc::new(unsafe { MmapMemory::map_file(&file, 0, 8192) }.unwrap());
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (a, b) = UnixStream::pair().unwrap();
    (&b).write_all(b"abcdefgh").unwrap();
    let a = Rc::new(a);
    let regions =
        MemRegions::new(mem.clone(), vec![MemRegion { offset: 4096, len: 3 }, MemRegion { offset: 10, len: 5 }])
            .unwrap();
    let (n, back) = rt.block_on(d.read_mem_at(&a, regions, 0)).unwrap();
    assert_eq!(n.unwrap(), 8);
    assert_eq!(back.regions().len(), 2);
    mem.flush().unwrap();
    let on_disk = std::fs::read(&path).unwrap();
    assert_eq!(&on_disk[4096..4099], b"abc");
    assert_eq!(&on_disk[10..15], b"defgh");
    // And back out: a gather write of the same regions to a socket.
    let (n, _) = rt.block_on(d.write_mem_at(&a, back, 0)).unwrap();
    assert_eq!(n.unwrap(), 8);
    let mut got = [0u8; 8];
    std::io::Read::read_exact(&mut &b, &mut got).unwrap();
    assert_eq!(&got, b"abcdefgh");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_region_outside_the_memory_is_a_typed_error() {
    let mem: Arc<dyn BackingMemory> = Arc::new(MmapMemory::anonymous(4096).unwrap());
    let bad = |offset: u64, len: usize| {
        MemRegions::new(mem.clone(), vec![MemRegion { offset: 0, len: 1 }, MemRegion { offset, len }])
    };
    for (offset, len) in [(4096, 1), (4095, 2), (0, 4097), (u64::MAX, 1), (1, usize::MAX), (u64::MAX, usize::MAX)] {
        match bad(offset, len) {
            Err(Error::OutOfBounds { offset: o, len: l, size: 4096, .. }) => assert_eq!((o, l), (offset, len)),
            other => panic!("({offset}, {len}): {other:?}"),
        }
    }
    assert!(bad(4095, 1).is_ok());
    assert!(bad(4096, 0).is_ok());
    let many = vec![MemRegion { offset: 0, len: 1 }; ring_core::ops::IOV_MAX + 1];
    assert!(matches!(MemRegions::new(mem.clone(), many), Err(Error::TooLong { .. })));
    assert!(matches!(MemSlice::new(mem.clone(), 4000, 97), Err(Error::OutOfBounds { .. })));
    assert!(MemSlice::new(mem.clone(), 4000, 96).is_ok());
    assert!(matches!(MmapMemory::anonymous(0), Err(Error::InvalidArgument(_))));
    assert!(matches!(MmapMemory::anonymous(usize::MAX), Err(Error::TooLong { .. })));
    let m = MmapMemory::anonymous(16).unwrap();
    assert!(matches!(m.read_at(10, &mut [0; 7]), Err(Error::OutOfBounds { .. })));
    assert!(matches!(m.write_at(u64::MAX, &[1]), Err(Error::OutOfBounds { .. })));
    assert!(m.write_at(15, &[1]).is_ok());
}

/// A memory that records when it is dropped.
struct Tracked {
    region: Arc<Region>,
    dropped: Arc<AtomicBool>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

// SAFETY: delegates to the region, which this value keeps alive.
unsafe impl BackingMemory for Tracked {
    fn base(&self) -> *mut u8 {
        BackingMemory::base(&*self.region)
    }
    fn size(&self) -> usize {
        self.region.len()
    }
}

#[test]
fn the_memory_outlives_a_dropped_read_until_its_completion() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let region = Region::new(64).unwrap();
    let dropped = Arc::new(AtomicBool::new(false));
    let mem = Arc::new(Tracked { region: region.clone(), dropped: dropped.clone() });
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let regions = MemRegions::one(mem, 8, 16).unwrap();
    rt.block_on(async {
        let mut fut = d.read_mem_at(&a, regions, 0);
        assert!(poll_once(&mut fut).is_pending());
        // The caller's last handle on the memory goes with the future; the
        // operation's does not.
        drop(fut);
    })
    .unwrap();
    assert!(!dropped.load(Ordering::SeqCst), "memory freed while the kernel may write it");
    // The read may have been cancelled by now; data written afterwards
    // lands in the region or nowhere, and the memory goes only once the
    // operation has ended.
    let _ = (&b).write_all(b"late data");
    let start = Instant::now();
    while !dropped.load(Ordering::SeqCst) {
        rt.block_on(ring_core::time::sleep(Duration::from_millis(1))).unwrap();
        assert!(start.elapsed() < Duration::from_secs(10), "the operation never released the memory");
    }
    // Forgotten, the future leaks the memory with the entry: never freed.
    let dropped2 = Arc::new(AtomicBool::new(false));
    let mem2 = Arc::new(Tracked { region, dropped: dropped2.clone() });
    rt.block_on(async {
        let mut fut = d.read_mem_at(&a, MemRegions::one(mem2, 0, 64).unwrap(), 0);
        assert!(poll_once(&mut fut).is_pending());
        std::mem::forget(fut);
    })
    .unwrap();
    rt.block_on(ring_core::time::sleep(Duration::from_millis(5))).unwrap();
    assert!(!dropped2.load(Ordering::SeqCst));
}

#[test]
fn a_mem_slice_is_an_ordinary_buffer() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let mem = Arc::new(MmapMemory::anonymous(4096).unwrap());
    mem.write_at(100, b"slice").unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let a = Rc::new(a);
    let slice = MemSlice::new(mem.clone(), 100, 5).unwrap();
    let (n, _) = rt.block_on(d.write_at(&a, slice, 0)).unwrap();
    assert_eq!(n.unwrap(), 5);
    let mut got = [0u8; 5];
    std::io::Read::read_exact(&mut &b, &mut got).unwrap();
    assert_eq!(&got, b"slice");
}
