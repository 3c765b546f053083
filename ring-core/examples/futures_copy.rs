//! Receives a file over TCP with `futures::io::copy`: the socket is a
//! `futures_io::AsyncRead` and the file a `futures_io::AsyncWrite`
//! (ring-core's `futures-io` feature), both driven by ring-core's own
//! runtime. Then sends the file back the same way and checks the echo.
//!
//! ```text
//! cargo run --release -p ring-core --features futures-io --example futures_copy
//! ```

use futures_util::io::{copy, AsyncWriteExt};
use ring_core::fs::File;
use ring_core::net::{TcpListener, TcpStream};
use ring_core::Runtime;
use std::time::Instant;

const SIZE: usize = 32 * 1024 * 1024;

fn main() -> std::io::Result<()> {
    let rt = Runtime::new(256)?;
    let d = rt.driver().clone();
    let path = std::env::temp_dir().join(format!("ring-futures-copy-{}", std::process::id()));
    let data: Vec<u8> = (0..SIZE as u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let start = Instant::now();
    let echoed = rt.block_on(async {
        let listener = TcpListener::bind(&d, "127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // The sender: writes the payload, closes its write side, then
        // reads the echo back to end of file.
        let payload = data.clone();
        let d2 = d.clone();
        let sender = rt.spawn(async move {
            let mut s = TcpStream::connect(&d2, addr).await?;
            // `write_all` and `close` are also names of the socket's own
            // owned-buffer methods: call the trait's through the trait.
            AsyncWriteExt::write_all(&mut s, &payload).await?;
            AsyncWriteExt::close(&mut s).await?;
            // A `Vec<u8>` is an AsyncWrite too.
            let mut back = Vec::with_capacity(SIZE);
            copy(&mut s, &mut back).await?;
            Ok::<_, std::io::Error>(back)
        });
        let (mut conn, _) = listener.accept().await?;
        // Socket -> file.
        let mut file = File::create(&d, &path).await?;
        let received = copy(&mut conn, &mut file).await?;
        file.close().await?;
        // File -> socket, then end the stream.
        let mut file = File::open(&d, &path).await?;
        let sent = copy(&mut file, &mut conn).await?;
        AsyncWriteExt::close(&mut conn).await?;
        println!("received {received} bytes into {}, sent {sent} back", path.display());
        sender.await.map_err(|_| std::io::Error::other("the sender task failed"))?
    })??;
    let secs = start.elapsed().as_secs_f64();
    println!("round trip of {SIZE} bytes in {secs:.3} s ({:.0} MiB/s each way)", SIZE as f64 / secs / 1048576.0);
    assert!(echoed == data, "the echo differs");
    println!("verified: the echo is identical");
    std::fs::remove_file(path)?;
    Ok(())
}
