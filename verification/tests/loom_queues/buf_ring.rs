//! Provided-buffer ring entries are published before its tail (model g).

use super::*;

// ---- (g) provided-buffer ring entries are published before its tail ----

/// Guards `order::BUF_RING_TAIL_STORE` (bug class 1.6): the shipped
/// `BufRingWriter` (what `BufRing::push` and `BufRing::publish` run) writes
/// two buffer entries, then stores the ring's `u16` tail; the kernel
/// (`io_ring_buffer_select`) acquires the tail and reads the entries below
/// it. The entry cells and the tail are loom objects allocated here and
/// handed to the writer through `BufRingPointers`, as a real `BufRing`
/// hands it its mapped memory (where the tail is entry 0's `resv`). The
/// tail starts at `u16::MAX`, so the two writes use slots 1 and 0 and the
/// publish wraps.
#[test]
fn g_buf_ring_entries_published_before_tail() {
    /// The `u16` tail starts at its maximum, so the publish wraps it.
    const BUF_START: u16 = u16::MAX;
    /// The entries the application writes, as (addr, len, bid).
    const BUFS: [(u64, u32, u16); 2] = [(0x1000, 64, 5), (0x2000, 32, 6)];

    struct BufRingMem {
        entries: Box<[UnsafeCell<io_uring_buf>]>,
        tail: AtomicU16,
    }
    // SAFETY: the entry cells are only accessed through loom's
    // `with`/`with_mut`, which loom checks; the tail is a loom atomic.
    unsafe impl Sync for BufRingMem {}
    // SAFETY: as above.
    unsafe impl Send for BufRingMem {}

    model(|| {
        let m = Arc::new(BufRingMem {
            entries: (0..2).map(|_| UnsafeCell::new(io_uring_buf::default())).collect(),
            tail: AtomicU16::new(BUF_START),
        });
        let k = {
            let m = m.clone();
            thread::spawn(move || {
                let head = BUF_START;
                // `smp_load_acquire(&br->tail)`.
                let tail = m.tail.load(Ordering::Acquire);
                let mut seen = Vec::new();
                let mut pos = head;
                while pos != tail {
                    let slot = usize::from(pos & 1);
                    // SAFETY: the entry is below the acquired tail, so the application's writes of it happen before this
                    // read, unless its tail store is too weak, which loom then reports as a causality violation here.
                    seen.push(m.entries[slot].with(|p| unsafe { ((*p).addr, (*p).len, (*p).bid) }));
                    pos = pos.wrapping_add(1);
                }
                seen
            })
        };
        let p = BufRingPointers { entries: NonNull::from(&*m.entries).cast(), tail: NonNull::from(&m.tail), count: 2 };
        // SAFETY: the pointers name live loom objects owned by `m`, alive as long as the writer; two entries, a power of
        // two; this thread is the only producer, and the tail starts where it was last published.
        let mut w = unsafe { BufRingWriter::new(p, BUF_START) };
        for (addr, len, bid) in BUFS {
            // SAFETY: the ring of two holds nothing before the first write
            // and one entry before the second; the addresses are never
            // dereferenced (the modelled kernel only reads the entries).
            unsafe { w.write_entry(addr, len, bid) };
        }
        w.publish();
        let seen = k.join().unwrap();
        assert!(seen.is_empty() || seen == BUFS, "kernel saw {seen:?}");
    });
}
