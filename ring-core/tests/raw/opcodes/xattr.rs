//! The extended-attribute opcodes, on a path and on a descriptor.

use super::*;

// ----------------------------------------------------------------- XATTR

/// Whether the file system of `f` takes `user.` extended attributes.
fn user_xattrs_work(f: &TempPath) -> bool {
    let p = f.c();
    // SAFETY: the path, name and value are valid for the call.
    let r = unsafe { libc::setxattr(p.as_ptr(), c"user.probe".as_ptr(), b"1".as_ptr().cast(), 1, 0) };
    if r != 0 {
        println!("SKIP xattr tests: user xattrs unsupported on {:?}: {}", f.path(), std::io::Error::last_os_error());
    }
    r == 0
}

#[test]
fn op41_fsetxattr() {
    let f = TempPath::with("fsetxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let file = std::fs::File::open(f.path()).unwrap();
    let value = *b"set via fd";
    let mut ring = ring();
    let e = FSetXattr::new(raw(&file), c"user.ring".as_ptr(), value.as_ptr().cast(), 10).build();
    // SAFETY: the name and value outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    let mut back = [0u8; 32];
    let p = f.c();
    // SAFETY: the buffer has room for 32 bytes.
    let n = unsafe { libc::getxattr(p.as_ptr(), c"user.ring".as_ptr(), back.as_mut_ptr().cast(), 32) };
    assert_eq!(&back[..n as usize], b"set via fd");
}

#[test]
fn op42_setxattr() {
    let f = TempPath::with("setxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    let value = *b"set via path";
    let mut ring = ring();
    let e =
        SetXattr::new(p.as_ptr(), c"user.ring".as_ptr(), value.as_ptr().cast(), 12).flags(libc::XATTR_CREATE).build();
    // SAFETY: the path, name and value outlive the completions.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // XATTR_CREATE a second time: it exists now.
    // SAFETY: as above.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EEXIST);
    let mut back = [0u8; 32];
    // SAFETY: the buffer has room for 32 bytes.
    let n = unsafe { libc::getxattr(p.as_ptr(), c"user.ring".as_ptr(), back.as_mut_ptr().cast(), 32) };
    assert_eq!(&back[..n as usize], b"set via path");
}

#[test]
fn op43_fgetxattr() {
    let f = TempPath::with("fgetxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    // SAFETY: valid strings and value for the call.
    let r = unsafe { libc::setxattr(p.as_ptr(), c"user.k".as_ptr(), b"round trip".as_ptr().cast(), 10, 0) };
    assert_eq!(r, 0);
    let file = std::fs::File::open(f.path()).unwrap();
    let mut back = [0u8; 32];
    let mut ring = ring();
    let e = FGetXattr::new(raw(&file), c"user.k".as_ptr(), back.as_mut_ptr().cast(), 32).build();
    // SAFETY: the name and buffer outlive the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 10);
    assert_eq!(&back[..10], b"round trip");
}

#[test]
fn op44_getxattr() {
    let f = TempPath::with("getxattr", b"");
    if !user_xattrs_work(&f) {
        return;
    }
    let p = f.c();
    let mut ring = ring();
    let value = *b"both ways";
    let set = SetXattr::new(p.as_ptr(), c"user.rt".as_ptr(), value.as_ptr().cast(), 9)
        .build()
        .user_data(1)
        .flags(SqeFlags::IO_LINK);
    let mut back = [0u8; 32];
    let get = GetXattr::new(p.as_ptr(), c"user.rt".as_ptr(), back.as_mut_ptr().cast(), 32).build().user_data(2);
    // SAFETY: the path, names, value and buffer outlive both completions.
    unsafe { ring.sq().push_all(&[set.into_sqe(), get.into_sqe()]) }.unwrap();
    let v = sorted(&mut ring, 2);
    assert_eq!((v[0].res, v[1].res), (0, 9));
    assert_eq!(&back[..9], b"both ways", "the value round-trips through the ring");
}
