//! The rule for operations relative to a directory: an openat and an
//! unlinkat whose directory handle was dropped act in the named directory.

use super::*;

/// Path: `Batch`; the descriptor is an `openat`'s directory. The caller
/// drops its handle of directory `one` before the open is submitted, then
/// opens directory `two`; the open still resolves in `one`.
#[test]
fn an_openat_relative_to_a_dropped_directory_opens_in_the_named_directory() {
    let _t = turn();
    let (one, two) = (scratch("dir-one"), scratch("dir-two"));
    let _c = Cleanup(vec![one.clone(), two.clone()]);
    for (dir, data) in [(&one, b"in one"), (&two, b"in two")] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("x"), data).unwrap();
    }
    let d = Driver::new(16).unwrap();
    let dir = Rc::new(std::fs::File::open(&one).unwrap());
    let number = dir.as_raw_fd();
    let mut op = d.openat(&dir, CString::new("x").unwrap(), libc::O_RDONLY, 0);
    assert!(poll_once(&mut op).is_pending());
    drop(dir);
    let other = std::fs::File::open(&two).unwrap();
    let reused = other.as_raw_fd() == number;
    let fd = finish(&d, op).unwrap();
    let mut got = Vec::new();
    std::fs::File::from(fd).read_to_end(&mut got).unwrap();
    assert_eq!(got, b"in one", "the open resolved in another directory");
    assert!(!reused, "the directory's number was freed while the open still named it");
}

/// Path: `Batch`; the descriptor is an `unlinkat`'s directory, the
/// future is forgotten and the caller's handle dropped before the park.
#[test]
fn an_unlinkat_forgotten_before_the_park_removes_from_the_named_directory() {
    let _t = turn();
    let (one, two) = (scratch("unlink-one"), scratch("unlink-two"));
    let _c = Cleanup(vec![one.clone(), two.clone()]);
    for dir in [&one, &two] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("x"), b"x").unwrap();
    }
    let d = Driver::new(16).unwrap();
    if let Err(e) = d.require(ring_core::sys::IORING_OP_UNLINKAT) {
        println!("SKIP unlinkat test: {e} (the opcode probe; added in 5.11)");
        return;
    }
    let full = d.credits();
    let dir = Rc::new(std::fs::File::open(&one).unwrap());
    let number = dir.as_raw_fd();
    let mut unlink = d.unlinkat(At::dir(&dir), CString::new("x").unwrap(), 0);
    assert!(poll_once(&mut unlink).is_pending());
    std::mem::forget(unlink);
    drop(dir);
    let other = std::fs::File::open(&two).unwrap();
    let reused = other.as_raw_fd() == number;
    settle(&d, full);
    assert!(two.join("x").exists(), "the unlink removed a file of another directory");
    assert!(!one.join("x").exists(), "the named directory's file is still there");
    assert!(!reused, "the directory's number was freed while the unlink still named it");
}
