//! Copies a file through the ring with pipelined reads and writes: up to
//! `DEPTH` chunks are in flight at once, each read and then written at the
//! same offset, so reads of later chunks overlap writes of earlier ones.
//!
//! ```text
//! cargo run --release -p ring-core --example cp -- SRC DST
//! ```
//! With no arguments it copies a generated 64 MiB temporary file and checks
//! the copy byte for byte.

use ring_core::fs::File;
use ring_core::Runtime;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

const CHUNK: usize = 256 * 1024;
const DEPTH: usize = 16;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (src, dst, generated) = match args.as_slice() {
        [s, d] => (PathBuf::from(s), PathBuf::from(d), false),
        _ => {
            let dir = std::env::temp_dir();
            let src = dir.join(format!("ring-cp-src-{}", std::process::id()));
            let data: Vec<u8> = (0..64 * 1024 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
            std::fs::write(&src, data)?;
            (src, dir.join(format!("ring-cp-dst-{}", std::process::id())), true)
        }
    };
    let rt = Runtime::new(256)?;
    let d = rt.driver().clone();
    let sp = rt.spawner();
    let start = Instant::now();
    let total = rt.block_on(async move {
        let input = Rc::new(File::open(&d, &src).await?);
        let output = Rc::new(File::create(&d, &dst).await?);
        let len = input.metadata().await?.stx_size;
        let mut in_flight = VecDeque::new();
        let mut offset = 0u64;
        while offset < len || !in_flight.is_empty() {
            // Keep the pipeline full, then wait for the oldest chunk.
            while offset < len && in_flight.len() < DEPTH {
                let (i, o) = (input.clone(), output.clone());
                let at = offset;
                in_flight.push_back(
                    sp.spawn(async move {
                        let want = (len - at).min(CHUNK as u64) as usize;
                        let (r, buf) = i.read_exact_at(Vec::with_capacity(want), at).await;
                        r?;
                        let (r, _) = o.write_all_at(buf, at).await;
                        r
                    })
                    .expect("the runtime is running"),
                );
                offset += CHUNK as u64;
            }
            if let Some(h) = in_flight.pop_front() {
                h.await.map_err(|_| std::io::Error::other("copy task failed"))??;
            }
        }
        output.sync_all().await?;
        Ok::<_, std::io::Error>((len, src, dst))
    })??;
    let (len, src, dst) = total;
    let secs = start.elapsed().as_secs_f64();
    println!("copied {len} bytes in {secs:.3} s ({:.0} MiB/s)", len as f64 / secs / 1048576.0);
    if generated {
        assert!(std::fs::read(&src)? == std::fs::read(&dst)?, "the copy differs");
        println!("verified: the copy is identical");
        std::fs::remove_file(src)?;
        std::fs::remove_file(dst)?;
    }
    Ok(())
}
