//! `File`: positioned reads and writes that stop at the end of the file or
//! at an error and continue after a short write, its descriptor and
//! metadata, and `close`.

use ring_core::fs::File;
use ring_core::Runtime;
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;

/// A file in a fresh directory, removed at the end.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> Self {
        let p = std::env::temp_dir().join(format!("ring-core-mk-builders-{}-{name}", std::process::id()));
        std::fs::write(&p, contents).unwrap();
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A read the kernel refuses (EBADF) fails at once. It also checks that reading
/// from an offset fills the buffer from there, and that a read that meets the
/// end of the file after a short first read fails with `UnexpectedEof` and
/// keeps the bytes it got.
#[test]
fn read_exact_at_fills_from_its_offset_and_stops_at_the_end_or_an_error() {
    let tmp = TempFile::new("read-exact", b"0123456789ab");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let f = File::open(&d, &tmp.0).await.unwrap();
        let (r, buf) = f.read_exact_at(Vec::with_capacity(4), 5).await;
        r.unwrap();
        assert_eq!(buf, b"5678");
        // Eight wanted from offset 8: four come, then the end of the file.
        let (r, buf) = f.read_exact_at(Vec::with_capacity(8), 8).await;
        assert_eq!(r.unwrap_err().kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(buf, b"89ab");
        let (r, buf) = f.read_exact_at(Vec::new(), 3).await;
        r.unwrap();
        assert!(buf.is_empty());
        let w = File::open_with(&d, &tmp.0, libc::O_WRONLY, 0).await.unwrap();
        let (r, _) = w.read_exact_at(Vec::with_capacity(4), 0).await;
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADF));
    })
    .unwrap();
}

/// The bytes land at the offset asked for, an empty write writes nothing and
/// succeeds, and a write the kernel refuses (EBADF) fails at once.
#[test]
fn write_all_at_writes_at_its_offset_and_stops_at_an_error() {
    let tmp = TempFile::new("write-all", b"..........");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    rt.block_on(async {
        let f = File::open_with(&d, &tmp.0, libc::O_RDWR, 0).await.unwrap();
        let (r, _) = f.write_all_at(b"abc".to_vec(), 4).await;
        r.unwrap();
        let (r, _) = f.write_all_at(Vec::new(), 1).await;
        r.unwrap();
        let ro = File::open(&d, &tmp.0).await.unwrap();
        let (r, _) = ro.write_all_at(b"x".to_vec(), 0).await;
        assert_eq!(r.unwrap_err().raw_os_error(), Some(libc::EBADF));
    })
    .unwrap();
    assert_eq!(std::fs::read(&tmp.0).unwrap(), b"....abc...");
}

/// The descriptor is the one wrapped, `close` closes it as one operation of the
/// ring (the driver counts it as started), and `Debug` names it. It also reads
/// the file's size through `metadata`. (The descriptor is moved to a number far
/// above what the tests open, so that no other thread is handed it between the
/// close and the check.)
#[test]
fn a_file_reports_its_descriptor_and_metadata_and_close_closes_it() {
    let tmp = TempFile::new("close", b"twelve bytes");
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let std_file = std::fs::File::open(&tmp.0).unwrap();
    let high = 901;
    // SAFETY: dup2 onto a number this process does not use.
    assert_eq!(unsafe { libc::dup2(std_file.as_raw_fd(), high) }, high);
    // SAFETY: `high` is a fresh descriptor we own.
    let owned = unsafe { OwnedFd::from_raw_fd(high) };
    rt.block_on(async {
        let f = File::from_fd(&d, owned);
        assert_eq!(f.as_raw_fd(), high);
        assert_eq!(f.as_fd().as_raw_fd(), high);
        assert_eq!(format!("{f:?}"), format!("File {{ fd: {high} }}"));
        assert_eq!(f.metadata().await.unwrap().len(), 12);
        let g = File::from_std(&d, std_file);
        assert_eq!(g.metadata().await.unwrap().len(), 12);
        let started = d.stats().started;
        f.close().await.unwrap();
        assert_eq!(d.stats().started, started + 1, "the close went through the ring");
    })
    .unwrap();
    // SAFETY: fcntl on a closed descriptor only reports EBADF.
    let rc = unsafe { libc::fcntl(high, libc::F_GETFD) };
    assert_eq!((rc, std::io::Error::last_os_error().raw_os_error()), (-1, Some(libc::EBADF)));
}

/// After a short write, the rest goes after the part written. A short write is
/// made with `RLIMIT_FSIZE`: a write that crosses the limit stops at it, and
/// the next write fails with `EFBIG` (`SIGXFSZ` is ignored for the test). A
/// faulty version writes the rest before the part written instead, where the
/// limit lets it through, and succeeds.
#[test]
fn write_all_at_continues_after_a_short_write_where_it_stopped() {
    let tmp = TempFile::new("short-write", b"");
    let limit: libc::rlim_t = 1 << 20;
    let mut saved = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut saved) }, 0);
    if saved.rlim_max < limit {
        println!("skipping: RLIMIT_FSIZE is already below 1 MiB");
        return;
    }
    // SAFETY: ignoring SIGXFSZ installs no handler.
    let old = unsafe { libc::signal(libc::SIGXFSZ, libc::SIG_IGN) };
    let lim = libc::rlimit { rlim_cur: limit, rlim_max: saved.rlim_max };
    // SAFETY: setrlimit reads one rlimit.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &lim) }, 0);
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let result = rt
        .block_on(async {
            let f = File::open_with(&d, &tmp.0, libc::O_RDWR, 0).await.unwrap();
            let (r, _) = f.write_all_at(vec![7u8; 100], limit - 10).await;
            r
        })
        .unwrap();
    // SAFETY: restores the limit and the disposition saved above.
    unsafe {
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &saved), 0);
        libc::signal(libc::SIGXFSZ, old);
    }
    assert_eq!(result.unwrap_err().raw_os_error(), Some(libc::EFBIG));
    let data = std::fs::read(&tmp.0).unwrap();
    assert_eq!(data.len() as u64, limit, "the ten bytes below the limit were written");
    assert_eq!(data[data.len() - 10..], [7; 10]);
    assert!(data[..data.len() - 10].iter().all(|&b| b == 0), "nothing was written before the offset");
}
