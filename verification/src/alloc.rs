//! A global allocator that knows which heap ranges are live.
//!
//! The simulated kernel reads and writes user memory through the addresses
//! in SQEs, exactly as the real kernel does. To report "the kernel touched
//! freed memory" without Miri, a test binary installs [`TrackingAlloc`]:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: verification::alloc::TrackingAlloc = verification::alloc::TrackingAlloc;
//! ```
//!
//! Every live block is kept in a sorted table, so the simulator can ask
//! whether a byte range lies inside one live allocation ([`lookup`]). Freed
//! blocks are poisoned (filled with `0xDD`) and held in a quarantine for a
//! while before they go back to the system allocator, so that an address
//! freed by the program is not immediately reused by a new allocation and
//! a late access to it is recognised as one ([`Lookup::Freed`]).
//!
//! The table also serves provenance: the simulator is handed plain integer
//! addresses (an SQE stores `u64`s), and under Miri's strict provenance an
//! integer cannot be turned back into a pointer. The table keeps the
//! pointer each block was allocated with, and [`Lookup::Live`] returns that
//! pointer moved to the requested address (`with_addr`), which carries the
//! block's provenance.
//!
//! The allocator never allocates through itself: its bookkeeping memory
//! comes straight from [`System`], under a lock that is never held while
//! calling back into user code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// The global allocator wrapper. Install it with `#[global_allocator]` in
/// a test binary; it forwards to [`System`] and records every block.
#[derive(Debug, Default, Clone, Copy)]
pub struct TrackingAlloc;

/// Whether the tracker has seen an allocation, so is installed.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// How many freed blocks the quarantine holds before releasing the oldest.
const QUARANTINE_BLOCKS: usize = 4096;
/// How many freed bytes the quarantine holds before releasing the oldest.
const QUARANTINE_BYTES: usize = 16 << 20;
/// The byte freed memory is filled with.
pub const POISON: u8 = 0xDD;

/// One block: its base pointer (with the provenance the allocator gave it)
/// and its layout.
#[derive(Clone, Copy)]
struct Block {
    ptr: *mut u8,
    size: usize,
    align: usize,
}

impl Block {
    fn start(&self) -> usize {
        self.ptr.addr()
    }

    fn end(&self) -> usize {
        self.ptr.addr() + self.size
    }
}

/// A growable array of blocks whose storage comes from [`System`].
struct RawVec {
    ptr: *mut Block,
    len: usize,
    cap: usize,
}

impl RawVec {
    const fn new() -> Self {
        RawVec { ptr: core::ptr::null_mut(), len: 0, cap: 0 }
    }

    /// Makes room for one more element; false if the system is out of memory.
    fn reserve_one(&mut self) -> bool {
        if self.len < self.cap {
            return true;
        }
        let new_cap = (self.cap * 2).max(256);
        let Ok(layout) = Layout::array::<Block>(new_cap) else {
            return false;
        };
        // SAFETY: `layout` has a non-zero size (at least 256 blocks).
        let new = unsafe { System.alloc(layout) }.cast::<Block>();
        if new.is_null() {
            return false;
        }
        if !self.ptr.is_null() {
            // SAFETY: the old buffer holds `len` initialised blocks, the new
            // one has room for `new_cap > len`; they do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(self.ptr, new, self.len) };
            let old = Layout::array::<Block>(self.cap).expect("was valid when allocated");
            // SAFETY: `ptr` was allocated by `System` with exactly `old`.
            unsafe { System.dealloc(self.ptr.cast(), old) };
        }
        self.ptr = new;
        self.cap = new_cap;
        true
    }

    fn as_slice(&self) -> &[Block] {
        if self.ptr.is_null() {
            return &[];
        }
        // SAFETY: `ptr` holds `len` initialised blocks, and the table lock
        // (held by every caller) keeps anyone else from changing them.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    fn insert(&mut self, at: usize, b: Block) -> bool {
        if !self.reserve_one() {
            return false;
        }
        // SAFETY: `at <= len < cap`; shifting `len - at` blocks up by one
        // stays inside the buffer, and slot `at` is then written.
        unsafe {
            core::ptr::copy(self.ptr.add(at), self.ptr.add(at + 1), self.len - at);
            self.ptr.add(at).write(b);
        }
        self.len += 1;
        true
    }

    fn remove(&mut self, at: usize) -> Block {
        assert!(at < self.len);
        // SAFETY: `at < len`: read the block, then shift the tail down.
        let b = unsafe {
            let b = self.ptr.add(at).read();
            core::ptr::copy(self.ptr.add(at + 1), self.ptr.add(at), self.len - at - 1);
            b
        };
        self.len -= 1;
        b
    }
}

/// The live blocks (sorted by address) and the quarantine (oldest first).
struct Table {
    live: RawVec,
    quarantine: RawVec,
    quarantine_bytes: usize,
    /// Trusted non-heap ranges (stack, statics) registered by tests.
    trusted: RawVec,
}

// SAFETY: the table holds raw pointers to heap blocks it does not
// dereference except to poison a block being freed by its owner; it is
// only reached through the `TABLE` mutex.
unsafe impl Send for Table {}

static TABLE: Mutex<Table> =
    Mutex::new(Table { live: RawVec::new(), quarantine: RawVec::new(), quarantine_bytes: 0, trusted: RawVec::new() });

fn table() -> std::sync::MutexGuard<'static, Table> {
    // A panic never happens while the lock is held (nothing in here panics
    // short of a broken invariant), but recover from poisoning anyway: the
    // allocator must keep working.
    TABLE.lock().unwrap_or_else(|e| e.into_inner())
}

impl Table {
    /// The index of the last block starting at or before `addr`.
    fn floor(blocks: &[Block], addr: usize) -> Option<usize> {
        let i = blocks.partition_point(|b| b.start() <= addr);
        i.checked_sub(1)
    }

    fn containing(blocks: &[Block], addr: usize, len: usize) -> Option<Block> {
        let i = Self::floor(blocks, addr)?;
        let b = blocks[i];
        let end = addr.checked_add(len)?;
        (end <= b.end() && (len > 0 || addr < b.end() || b.size == 0)).then_some(b)
    }

    fn overlapping(blocks: &[Block], addr: usize, len: usize) -> Option<Block> {
        blocks.iter().find(|b| b.start() < addr.saturating_add(len.max(1)) && addr < b.end()).copied()
    }
}

// SAFETY: every method forwards to `System` with the caller's layout and returns what it returns; the bookkeeping never
// hands out memory. A block is returned to `System` (from the quarantine) with the layout it was allocated with.
unsafe impl GlobalAlloc for TrackingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract (non-zero size).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ACTIVE.store(true, Ordering::Relaxed);
            let mut t = table();
            let blocks = t.live.as_slice();
            let at = blocks.partition_point(|b| b.start() < p.addr());
            // If the bookkeeping cannot grow, the block is simply untracked:
            // lookups then report it as unknown rather than failing the program.
            let _ = t.live.insert(at, Block { ptr: p, size: layout.size(), align: layout.align() });
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut t = table();
        let blocks = t.live.as_slice();
        let found = blocks.binary_search_by(|b| b.start().cmp(&ptr.addr())).ok();
        if let Some(i) = found {
            t.live.remove(i);
        }
        // SAFETY: the caller gives back a block it owns, `layout.size()`
        // bytes long; nothing may use it any more, so poisoning it is ours
        // to do.
        unsafe { core::ptr::write_bytes(ptr, POISON, layout.size()) };
        let b = Block { ptr, size: layout.size(), align: layout.align() };
        if found.is_some() && t.quarantine.reserve_one() {
            let at = t.quarantine.len;
            let _ = t.quarantine.insert(at, b);
            t.quarantine_bytes += b.size;
            while t.quarantine.len > QUARANTINE_BLOCKS || t.quarantine_bytes > QUARANTINE_BYTES {
                let old = t.quarantine.remove(0);
                t.quarantine_bytes -= old.size;
                // SAFETY: `old` was allocated by `System` with this size and
                // alignment and has been freed by its owner.
                unsafe { System.dealloc(old.ptr, Layout::from_size_align_unchecked(old.size, old.align)) };
            }
        } else {
            // SAFETY: forwarded contract.
            unsafe { System.dealloc(ptr, layout) };
        }
    }
}

/// What the tracker knows about a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The range lies inside one live allocation (or a trusted range); the
    /// pointer is the first byte, with that allocation's provenance.
    Live(*mut u8),
    /// The range overlaps a block that was freed (still in quarantine).
    Freed,
    /// The range straddles the end of a live allocation or lies in memory
    /// the tracker has never seen (stack, statics, or a block freed so long
    /// ago that it left the quarantine).
    Unknown,
    /// The tracker is not installed in this binary.
    Inactive,
}

/// Whether [`TrackingAlloc`] is the global allocator of this binary.
pub fn is_active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Classifies `[addr, addr + len)`.
pub fn lookup(addr: usize, len: usize) -> Lookup {
    let t = table();
    if let Some(b) = Table::containing(t.trusted.as_slice(), addr, len) {
        return Lookup::Live(b.ptr.with_addr(addr));
    }
    if !is_active() {
        return Lookup::Inactive;
    }
    if let Some(b) = Table::containing(t.live.as_slice(), addr, len) {
        return Lookup::Live(b.ptr.with_addr(addr));
    }
    if Table::overlapping(t.quarantine.as_slice(), addr, len).is_some() {
        return Lookup::Freed;
    }
    Lookup::Unknown
}

/// The live allocation (or trusted range) containing `addr`, as a pointer
/// to `addr` and the number of bytes from `addr` to the block's end.
pub fn block_from(addr: usize) -> Option<(*mut u8, usize)> {
    let t = table();
    for blocks in [t.trusted.as_slice(), t.live.as_slice()] {
        if let Some(b) = Table::containing(blocks, addr, 1) {
            return Some((b.ptr.with_addr(addr), b.end() - addr));
        }
    }
    None
}

/// Declares `len` bytes at `ptr` (stack or static memory a test hands to
/// the simulated kernel) as valid user memory, until [`untrust`] is called
/// with the same pointer.
///
/// # Safety
///
/// `ptr` must be valid for reads and writes of `len` bytes for as long as
/// the range stays trusted: the simulated kernel will access it through
/// this pointer when an operation names it.
pub unsafe fn trust(ptr: *mut u8, len: usize) {
    let mut t = table();
    let blocks = t.trusted.as_slice();
    let at = blocks.partition_point(|b| b.start() < ptr.addr());
    let _ = t.trusted.insert(at, Block { ptr, size: len, align: 1 });
}

/// Withdraws a range declared with [`trust`].
pub fn untrust(ptr: *mut u8) {
    let mut t = table();
    let blocks = t.trusted.as_slice();
    if let Some(i) = blocks.iter().position(|b| b.ptr.addr() == ptr.addr()) {
        t.trusted.remove(i);
    }
}

/// The number of live blocks the tracker knows about (for tests of the tracker).
pub fn live_blocks() -> usize {
    table().live.len
}
