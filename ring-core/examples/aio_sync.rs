//! tokio-linux-aio's shape on io_uring: a `Clone` AIO context shared by
//! several tasks, durable writes (`SyncLevel::Data` / `Full`), and
//! errors that carry the buffer, so `?` does not lose it.
//!
//! Run with `cargo run -p ring-core --example aio_sync`.

use ring_core::adapters::AioContext;
use ring_core::buf::{AlignedBuf, BufResult};
use ring_core::ops::SyncLevel;
use ring_core::{task, Runtime};
use std::rc::Rc;

/// Writes one durable record into `buf` at `slot`; the buffer comes back
/// on both paths.
async fn append(
    ctx: &AioContext,
    file: &Rc<std::fs::File>,
    slot: u64,
    mut buf: AlignedBuf,
    text: &str,
) -> BufResult<usize, AlignedBuf> {
    let n = text.len().min(buf.as_slice().len());
    buf.as_mut_slice()[..n].copy_from_slice(&text.as_bytes()[..n]);
    let (written, buf) = ctx.write_sync(file, slot * 4096, buf, SyncLevel::Data).await?;
    Ok((written, buf))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::temp_dir().join(format!("ring-aio-sync-{}", std::process::id()));
    let file = Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?);
    let rt = Runtime::new(64)?;
    let ctx = AioContext::new(rt.driver(), 4);
    rt.block_on(async {
        let mut writers = Vec::new();
        for i in 0..4u64 {
            let (ctx, file) = (ctx.clone(), file.clone());
            let buf = AlignedBuf::new(4096)?;
            writers.push(task::spawn_local(async move {
                append(&ctx, &file, i, buf, &format!("record {i}")).await.map(|(n, _)| n)
            }));
        }
        for w in writers {
            println!("durable write of {} bytes", w.await.map_err(|e| e.to_string())??);
        }
        println!("sync writes by {:?}", ctx.sync_method());

        // A failing write: the error and the buffer, apart.
        let read_only = Rc::new(std::fs::File::open(&path)?);
        if let Err(e) = append(&ctx, &read_only, 0, AlignedBuf::new(4096)?, "refused").await {
            println!("refused ({}); the buffer of {} bytes came back", e.error, e.buf.as_slice().len());
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })??;
    std::fs::remove_file(path)?;
    Ok(())
}
