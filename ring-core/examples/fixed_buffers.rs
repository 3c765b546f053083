//! Registered buffers: a `FixedBuffers` table of four 64 KiB slots, written
//! to a file with `WRITE_FIXED` and `WRITEV_FIXED` and read back with
//! `READ_FIXED` and `READV_FIXED`, every byte checked.
//!
//! Run with `cargo run --release -p ring-core --example fixed_buffers`.

use ring_core::fixed::FixedBuffers;
use ring_core::Runtime;
use std::io;
use std::rc::Rc;

const SLOT: usize = 64 * 1024;

fn main() -> io::Result<()> {
    let rt = Runtime::new(32)?;
    let d = rt.driver().clone();
    let table = FixedBuffers::new(&d, 4, SLOT).map_err(io::Error::other)?;
    let path = std::env::temp_dir().join(format!("ring-core-fixed-buffers-{}", std::process::id()));
    // Shared with each operation, which keeps it open until the kernel is done.
    let file = Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path)?);
    rt.block_on(async {
        // One slot per quarter of the file, each with its own pattern.
        for slot in 0..2u16 {
            let mut buf = table.lease(slot).map_err(io::Error::other)?;
            buf.iter_mut().enumerate().for_each(|(i, b)| *b = (i as u16 ^ slot) as u8);
            let (n, _buf) = d.write_fixed(&file, buf, u64::from(slot) * SLOT as u64).await;
            assert_eq!(n?, SLOT);
        }
        for slot in 0..2u16 {
            let buf = table.lease(2 + slot).map_err(io::Error::other)?;
            let (n, buf) = d.read_fixed(&file, buf, u64::from(slot) * SLOT as u64).await;
            assert_eq!(n?, SLOT);
            assert!(buf.iter().enumerate().all(|(i, b)| *b == (i as u16 ^ slot) as u8), "slot {slot} read back wrong");
        }
        println!("write_fixed/read_fixed: 2 x {} KiB verified", SLOT / 1024);

        // Gather two pieces of slot 0 into one write, then scatter them back
        // into slot 1 (`IORING_OP_{WRITEV,READV}_FIXED`, Linux 6.15).
        let src = table.lease(0).map_err(io::Error::other)?;
        let expect: Vec<u8> = [&src[0..1000], &src[40_000..41_000]].concat();
        let (n, _src, _) = d.writev_fixed(&file, src, vec![0..1000, 40_000..41_000], 0).await;
        match n {
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::EOPNOTSUPP)) => {
                println!("writev_fixed is not supported by this kernel ({e}); skipped");
                return Ok(());
            }
            n => assert_eq!(n?, 2000),
        }
        let dst = table.lease(1).map_err(io::Error::other)?;
        let (n, dst, segs) = d.readv_fixed(&file, dst, vec![10..1010, 5000..6000], 0).await;
        assert_eq!(n?, 2000);
        let got: Vec<u8> = segs.iter().flat_map(|s| dst[s.clone()].iter().copied()).collect();
        assert!(got == expect, "readv_fixed segments differ");
        println!("writev_fixed/readv_fixed: 2 segments of 1000 bytes verified");
        Ok::<_, io::Error>(())
    })??;
    std::fs::remove_file(path)?;
    Ok(())
}
