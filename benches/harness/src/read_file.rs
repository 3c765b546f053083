//! The file the read workloads read: its size, where it is, how it is
//! made and opened (page cache or `O_DIRECT`), the offsets each task
//! reads, and 4 KiB-aligned blocks for `O_DIRECT`.

use crate::Args;
use std::alloc::Layout;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Size of the read benchmarks' file: 1 GiB.
pub const FILE_SIZE: u64 = 1 << 30;

/// Size of one read.
pub const BLOCK: u64 = 4096;

/// Where the read benchmarks' file lives unless `--file` says otherwise.
pub fn default_file() -> PathBuf {
    std::env::temp_dir().join("ring-bench-1g.bin")
}

/// The read file named by `--file`, or the default.
pub fn file_arg(args: &Args) -> PathBuf {
    args.value("--file").map(Into::into).unwrap_or_else(default_file)
}

/// Creates `path` with `size` bytes of non-zero data if it is missing or
/// has another size.
pub fn ensure_file(path: &Path, size: u64) -> io::Result<()> {
    let fresh = std::fs::metadata(path).map(|m| m.len() != size).unwrap_or(true);
    if fresh {
        let mut f = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(path)?;
        let mut chunk = vec![0u8; 1 << 20];
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x as u8) | 1;
        }
        let mut written = 0;
        while written < size {
            let n = chunk.len().min((size - written) as usize);
            f.write_all(&chunk[..n])?;
            written += n as u64;
        }
        f.sync_all()?;
    }
    Ok(())
}

/// Opens `path`, creating it with `size` bytes of non-zero data if it is
/// missing or has another size, then reads it end to end so that every page
/// is in the page cache right before the measurement (this machine's guest
/// drops pages untouched for about 30 seconds).
pub fn page_cache_file(path: &Path, size: u64) -> io::Result<File> {
    ensure_file(path, size)?;
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    if total != size {
        return Err(io::Error::other(format!("{} has {total} bytes, expected {size}", path.display())));
    }
    let mut one = [0u8; 1];
    f.read_at(&mut one, 0)?;
    Ok(f)
}

/// Prepares the read file for a run: with `direct`, creates it if needed
/// and opens it with `O_DIRECT` (reads then go to the disk, whatever the
/// page cache holds); otherwise loads it into the page cache and opens it
/// plainly. Each stack's binary then opens the path its own way; this
/// descriptor is only kept open so the check stays true.
pub fn prepare_file(path: &Path, direct: bool) -> io::Result<File> {
    if direct {
        ensure_file(path, FILE_SIZE)?;
        OpenOptions::new().read(true).custom_flags(libc::O_DIRECT).open(path)
    } else {
        page_cache_file(path, FILE_SIZE)
    }
}

/// `open(2)` flags for the read file: `O_RDONLY`, plus `O_DIRECT` when asked.
pub fn open_flags(direct: bool) -> i32 {
    libc::O_RDONLY | libc::O_CLOEXEC | if direct { libc::O_DIRECT } else { 0 }
}

/// Opens the read file with std, with `O_DIRECT` when asked.
pub fn open_std(path: &Path, direct: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true);
    if direct {
        o.custom_flags(libc::O_DIRECT);
    }
    o.open(path)
}

/// A xorshift64* generator of block-aligned offsets in a file. The C
/// programs in `benches/c/` use the same generator and seed, so every stack
/// reads the same sequence of blocks (each task of an async stack starts
/// its own generator from a seed derived from its index).
#[derive(Debug, Clone)]
pub struct Offsets {
    state: u64,
    blocks: u64,
}

impl Offsets {
    /// The seed every stack uses.
    pub const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

    /// Offsets of `BLOCK`-sized blocks in a file of `size` bytes.
    pub fn new(size: u64) -> Self {
        Offsets { state: Self::SEED, blocks: (size / BLOCK).max(1) }
    }

    /// The generator of task `i` of a stack that runs one task per slot.
    pub fn for_task(size: u64, i: u64) -> Self {
        let mut o = Offsets::new(size);
        o.state ^= (i + 1).wrapping_mul(0xd134_2543_de82_ef95);
        if o.state == 0 {
            o.state = Self::SEED;
        }
        o
    }

    /// The next offset.
    #[inline(always)]
    pub fn next_offset(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) % self.blocks) * BLOCK
    }
}

/// One `BLOCK`-sized, `BLOCK`-aligned heap buffer, as `O_DIRECT` needs.
/// Peers' binaries implement their stack's buffer traits for it.
#[derive(Debug)]
pub struct AlignedBlock {
    ptr: std::ptr::NonNull<u8>,
    /// Bytes the last read filled (the peers' buffer traits track it).
    pub init: usize,
}

impl AlignedBlock {
    const LAYOUT: Layout = match Layout::from_size_align(BLOCK as usize, BLOCK as usize) {
        Ok(l) => l,
        Err(_) => panic!("a 4 KiB block layout is valid"),
    };

    /// A zeroed block.
    pub fn new() -> Self {
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(Self::LAYOUT) };
        let ptr = std::ptr::NonNull::new(p).unwrap_or_else(|| std::alloc::handle_alloc_error(Self::LAYOUT));
        AlignedBlock { ptr, init: 0 }
    }

    /// The buffer's address.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// The buffer's address, for writing.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The buffer's size.
    pub const fn capacity(&self) -> usize {
        BLOCK as usize
    }

    /// The whole block as a mutable slice.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: the allocation is BLOCK bytes, zero-initialised, owned by self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), BLOCK as usize) }
    }
}

impl Default for AlignedBlock {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for AlignedBlock {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::LAYOUT) };
    }
}

// SAFETY: the block is uniquely owned heap memory, like a `Box<[u8]>`.
unsafe impl Send for AlignedBlock {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_offsets_differ_and_stay_in_the_file() {
        let mut a = Offsets::for_task(FILE_SIZE, 0);
        let mut b = Offsets::for_task(FILE_SIZE, 1);
        let (x, y) = (a.next_offset(), b.next_offset());
        assert_ne!(x, y);
        for _ in 0..1000 {
            let o = a.next_offset();
            assert!(o % BLOCK == 0 && o + BLOCK <= FILE_SIZE);
        }
    }
}
