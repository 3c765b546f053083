//! Copies a file through the ring with `ring_core::fs::copy`, which keeps
//! up to 8 chunks of 256 KiB in flight, each read and then written at its
//! own offset, so reads of later chunks overlap writes of earlier ones.
//!
//! ```text
//! cargo run --release -p ring-core --example cp -- SRC DST
//! ```
//! With no arguments it copies a generated 64 MiB temporary file and checks
//! the copy byte for byte (read back with `ring_core::fs::read`).

use ring_core::{fs, Runtime};
use std::path::PathBuf;
use std::time::Instant;

/// Copies `src` to `dst` through the ring and makes the copy durable;
/// returns the byte count.
fn copy(rt: &Runtime, src: &PathBuf, dst: &PathBuf) -> std::io::Result<u64> {
    let d = rt.driver().clone();
    rt.block_on(async {
        let len = fs::copy(&d, src, dst).await?;
        // Durable before we report it: the copy's bytes are on the device.
        fs::File::open_with(&d, dst, libc::O_WRONLY, 0).await?.sync_all().await?;
        Ok::<_, std::io::Error>(len)
    })?
}

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
    let start = Instant::now();
    let len = copy(&rt, &src, &dst)?;
    let secs = start.elapsed().as_secs_f64();
    println!("copied {len} bytes in {secs:.3} s ({:.0} MiB/s)", len as f64 / secs / 1048576.0);
    if generated {
        let same =
            rt.block_on(async { Ok::<_, std::io::Error>(fs::read(&d, &src).await? == fs::read(&d, &dst).await?) })??;
        assert!(same, "the copy differs");
        println!("verified: the copy is identical");
        std::fs::remove_file(src)?;
        std::fs::remove_file(dst)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn copies_a_file_byte_for_byte() {
        let dir = std::env::temp_dir();
        let src = dir.join(format!("ring-cp-test-src-{}", std::process::id()));
        let dst = dir.join(format!("ring-cp-test-dst-{}", std::process::id()));
        let data: Vec<u8> = (0..3 * 1024 * 1024 + 17u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &data).unwrap();
        let rt = super::Runtime::new(64).unwrap();
        assert_eq!(super::copy(&rt, &src, &dst).unwrap(), data.len() as u64);
        assert_eq!(std::fs::read(&dst).unwrap(), data);
        std::fs::remove_file(src).unwrap();
        std::fs::remove_file(dst).unwrap();
    }
}
