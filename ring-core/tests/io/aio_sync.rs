//! tokio-linux-aio's shape on io_uring: a `Clone` context shared by
//! tasks, writes with a durability level (`RWF_DSYNC`/`RWF_SYNC`, or a
//! linked `fsync`), and results whose error carries the buffer.

use crate::support::temp_path;
use ring_core::adapters::AioContext;
use ring_core::buf::{AlignedBuf, BufResultExt};
use ring_core::ops::{SyncLevel, SyncMethod};
use ring_core::{task, Runtime};
use std::rc::Rc;

fn filled(byte: u8) -> AlignedBuf {
    let mut b = AlignedBuf::new(4096).unwrap();
    b.as_mut_slice().fill(byte);
    b
}

#[test]
fn clones_share_the_capacity_and_its_permits() {
    let path = temp_path("clones");
    let file =
        Rc::new(std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap());
    let rt = Runtime::new(64).unwrap();
    let ctx = AioContext::new(rt.driver(), 2);
    rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..8u8 {
            // Each task holds its own clone, as tokio-linux-aio's users do.
            let ctx = ctx.clone();
            let file = file.clone();
            tasks.push(task::spawn_local(async move {
                ctx.write_sync(&file, u64::from(i) * 4096, filled(i), SyncLevel::None).await.map(|(n, _)| n)
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 4096);
        }
    })
    .unwrap();
    let other = ctx.clone();
    assert!(ctx.peak() <= 2 && ctx.peak() >= 1, "peak {}", ctx.peak());
    assert_eq!(other.peak(), ctx.peak(), "clones see one capacity");
    assert_eq!((ctx.in_flight(), other.in_flight(), other.capacity()), (0, 0, 2));
    let data = std::fs::read(&path).unwrap();
    for i in 0..8usize {
        assert!(data[i * 4096..(i + 1) * 4096].iter().all(|&b| b == i as u8));
    }
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn every_sync_level_writes_its_data_by_either_method() {
    let rt = Runtime::new(16).unwrap();
    for method in [None, Some(SyncMethod::FsyncLink), Some(SyncMethod::Flags)] {
        let path = temp_path(&format!("levels-{method:?}"));
        let file = Rc::new(
            std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap(),
        );
        let ctx = AioContext::new(rt.driver(), 4);
        if let Some(m) = method {
            ctx.set_sync_method(m);
        }
        for (i, level) in [SyncLevel::None, SyncLevel::Data, SyncLevel::Full].into_iter().enumerate() {
            let (n, buf) =
                rt.block_on(ctx.write_sync(&file, i as u64 * 4096, filled(b'a' + i as u8), level)).unwrap().unwrap();
            assert_eq!((n, buf.as_slice()[0]), (4096, b'a' + i as u8));
        }
        // This kernel takes the flags on a regular file: the first sync
        // write found that out, unless the method was fixed.
        assert_eq!(ctx.sync_method(), Some(method.unwrap_or(SyncMethod::Flags)));
        assert_eq!(ctx.in_flight(), 0);
        let data = std::fs::read(&path).unwrap();
        assert_eq!(data.len(), 3 * 4096);
        assert!(data[4096..8192].iter().all(|&b| b == b'b') && data[8192..].iter().all(|&b| b == b'c'));
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn a_failed_sync_write_gives_its_buffer_back_through_the_error() {
    let rt = Runtime::new(16).unwrap();
    // Open for reading only: the write fails with EBADF, and under the
    // linked method the fsync behind it is cancelled.
    let file = Rc::new(std::fs::File::open("/dev/null").unwrap());
    for method in [SyncMethod::Flags, SyncMethod::FsyncLink] {
        let ctx = AioContext::new(rt.driver(), 1);
        ctx.set_sync_method(method);
        let err = rt.block_on(ctx.write_sync(&file, 0, filled(7), SyncLevel::Data)).unwrap().unwrap_err();
        assert_eq!(err.error.raw_os_error(), Some(libc::EBADF), "{method:?}");
        let (_, buf) = err.into_parts();
        assert!(buf.as_slice().iter().all(|&b| b == 7));
        assert_eq!(ctx.in_flight(), 0, "{method:?}: the permit came back");
        // `?` in a function returning io::Result converts the error.
        let via_io: std::io::Result<()> = rt
            .block_on(async {
                ctx.write_sync(&file, 0, filled(1), SyncLevel::Full).await.map(drop).map_err(Into::into)
            })
            .unwrap();
        assert_eq!(via_io.unwrap_err().raw_os_error(), Some(libc::EBADF));
    }
}

#[test]
fn any_operations_output_becomes_a_buf_result() {
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let null = Rc::new(std::fs::File::open("/dev/null").unwrap());
    let r = rt.block_on(d.write_at(&null, vec![3u8; 10], 0)).unwrap().into_buf_result();
    let e = r.unwrap_err();
    assert_eq!(e.buf, vec![3u8; 10]);
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("BufError"), "{shown}");
    let e2 = e.map_buf(|v| v.len());
    assert_eq!(e2.into_buf(), 10);
    let ok = rt.block_on(d.read_at(&null, Vec::with_capacity(4), 0)).unwrap().into_buf_result().unwrap();
    assert_eq!(ok.0, 0);
}
