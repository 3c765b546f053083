//! I/O into an mmap'd file, crosvm style: one shared memory (here a
//! file mapping, as guest RAM would be), a list of (offset, length)
//! regions of it, and vectored reads and writes that keep the mapping
//! alive until the kernel is done with it.
//!
//! Run with `cargo run -p ring-core --example mmap_io`.

use ring_core::buf::{MemRegion, MemRegions, MmapMemory};
use ring_core::Runtime;
use std::rc::Rc;
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir();
    let src_path = dir.join(format!("ring-mmap-io-src-{}", std::process::id()));
    let map_path = dir.join(format!("ring-mmap-io-map-{}", std::process::id()));
    std::fs::write(&src_path, b"first part|second part")?;

    // The "guest memory": two pages of a file, mapped shared.
    let map_file = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&map_path)?;
    map_file.set_len(8192)?;
    // SAFETY: this program owns the file and never shrinks it while the
    // mapping exists.
    let mem = Arc::new(unsafe { MmapMemory::map_file(&map_file, 0, 8192) }?);

    let rt = Runtime::new(16)?;
    let d = rt.driver().clone();
    let src = Rc::new(std::fs::File::open(&src_path)?);
    rt.block_on(async {
        // Scatter the source into two regions, one in each page.
        let regions =
            MemRegions::new(mem.clone(), vec![MemRegion { offset: 0, len: 11 }, MemRegion { offset: 4096, len: 11 }])?;
        let (n, regions) = d.read_mem_at(&src, regions, 0).await;
        println!("read {} bytes into {} regions", n?, regions.regions().len());

        // A region past the mapping is refused before anything is submitted.
        let refused = MemRegions::one(mem.clone(), 8190, 16);
        println!("a region past the end: {}", refused.unwrap_err());

        // Gather the same regions back out, reversed, into another file.
        let out_path = std::env::temp_dir().join(format!("ring-mmap-io-out-{}", std::process::id()));
        let out = Rc::new(std::fs::File::create(&out_path)?);
        let (mem_, mut list) = regions.into_parts();
        list.reverse();
        let (n, _) = d.write_mem_at(&out, MemRegions::new(mem_, list)?, 0).await;
        println!("wrote {} bytes: {:?}", n?, String::from_utf8_lossy(&std::fs::read(&out_path)?));
        std::fs::remove_file(out_path)?;
        Ok::<_, Box<dyn std::error::Error>>(())
    })??;

    mem.flush()?;
    let on_disk = std::fs::read(&map_path)?;
    println!("page 0 of the file: {:?}", String::from_utf8_lossy(&on_disk[..11]));
    println!("page 1 of the file: {:?}", String::from_utf8_lossy(&on_disk[4096..4107]));
    std::fs::remove_file(src_path)?;
    std::fs::remove_file(map_path)?;
    Ok(())
}
