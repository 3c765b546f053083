//! **Rule: a descriptor named inside control data is held like any other
//! descriptor an operation names, and a received one is owned.** An
//! `SCM_RIGHTS` message carries descriptor numbers, which the kernel looks
//! up when it issues the send (under `Batch`, at the next park): the
//! auditor closed the file after starting the send, opened another, which
//! took the number, and the peer received the other file. A send now
//! accepts an `SCM_RIGHTS` message only if the `Msg` holds every number in
//! it (`Msg::with_fds`), and refuses any other (`EINVAL`), however the
//! message is hidden among others or malformed. A receive owns the
//! descriptors the kernel installed for it, close-on-exec.

use crate::support::{finish, poll_with};
use ring_core::ops::Msg;
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::Driver;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::rc::Rc;
use std::task::Waker;

const WORD: usize = core::mem::size_of::<usize>();
const HDR: usize = WORD + 8;

fn scratch(name: &str, data: &[u8]) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ring-adv-cmsg-{}-{name}", std::process::id()));
    std::fs::write(&p, data).unwrap();
    p
}

/// One control message in the kernel's layout: length, level, type, data,
/// padded to a multiple of the word size.
fn cmsg(level: i32, ty: i32, data: &[u8]) -> Vec<u8> {
    let len = HDR + data.len();
    let mut c = Vec::new();
    c.extend_from_slice(&len.to_ne_bytes());
    c.extend_from_slice(&level.to_ne_bytes());
    c.extend_from_slice(&ty.to_ne_bytes());
    c.extend_from_slice(data);
    c.resize(len.div_ceil(WORD) * WORD, 0);
    c
}

fn rights(fds: &[RawFd]) -> Vec<u8> {
    cmsg(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fds.iter().flat_map(|f| f.to_ne_bytes()).collect::<Vec<u8>>())
}

/// Whether `r` is a refusal: `EINVAL`, raw or as a typed
/// `ring_core::Error::InvalidArgument` (both of kind `InvalidInput`).
fn einval<T>(r: &std::io::Result<T>) -> bool {
    matches!(r, Err(e) if e.raw_os_error() == Some(libc::EINVAL)
        || (e.raw_os_error().is_none() && e.kind() == std::io::ErrorKind::InvalidInput))
}

/// Receives one message on `rx` and returns where its descriptors point.
fn receive_paths(d: &Driver, rx: &Rc<UnixStream>) -> Vec<PathBuf> {
    let msg = Msg::new(vec![Vec::<u8>::with_capacity(16)]).control(Vec::with_capacity(128));
    let (r, mut msg) = finish(d, &mut d.recvmsg(rx, msg, 0));
    r.unwrap();
    msg.take_received_fds()
        .iter()
        .map(|fd| std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap())
        .collect()
}

/// Rule: raw descriptor numbers in `SCM_RIGHTS` are refused. The auditor's
/// attack: the send is started (under `Batch` it is issued at the next
/// park), the file closed, another opened; the peer got the other file.
#[test]
fn scm_rights_with_a_number_the_message_does_not_hold_is_refused() {
    let named = scratch("named", b"named");
    let other = scratch("other", b"other");
    let d = Driver::new(8).unwrap();
    let (tx, _rx) = UnixStream::pair().unwrap();
    let tx = Rc::new(tx);
    let a = std::fs::File::open(&named).unwrap();
    let mut op = d.sendmsg(&tx, Msg::new(vec![b"x".to_vec()]).control(rights(&[a.as_raw_fd()])), 0);
    let first = poll_with(&mut op, Waker::noop());
    drop(a);
    let b = std::fs::File::open(&other).unwrap();
    let (r, msg) = match first {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => finish(&d, &mut op),
    };
    assert!(einval(&r), "a send naming a descriptor it does not hold: {r:?}");
    assert_eq!(msg.bufs[0], b"x", "the message comes back");
    assert_eq!(d.in_flight(), 0);
    drop(b);
    let _ = std::fs::remove_file(named);
    let _ = std::fs::remove_file(other);
}

/// Rule: the descriptors given to `Msg::with_fds` are held until the send
/// has ended: the caller's own handle closed after the send started, and
/// other files opened meanwhile, the peer receives the file named.
#[test]
fn with_fds_sends_the_file_it_named_whatever_happens_to_the_callers_handle() {
    let named = scratch("with-fds", b"named");
    let other = scratch("with-fds-other", b"other");
    let d = Driver::new(8).unwrap();
    let (tx, rx) = UnixStream::pair().unwrap();
    let (tx, rx) = (Rc::new(tx), Rc::new(rx));
    let a = Rc::new(std::fs::File::open(&named).unwrap());
    let mut op = d.sendmsg(&tx, Msg::new(vec![b"x".to_vec()]).with_fds(&[&a]), 0);
    assert!(poll_with(&mut op, Waker::noop()).is_pending(), "under Batch the send waits for the next park");
    drop(a);
    let others: Vec<std::fs::File> = (0..4).map(|_| std::fs::File::open(&other).unwrap()).collect();
    let (r, msg) = finish(&d, &mut op);
    assert_eq!(r.unwrap(), 1);
    assert_eq!(msg.fds().len(), 1);
    drop(msg);
    assert_eq!(receive_paths(&d, &rx), std::slice::from_ref(&named), "the peer received another file");
    drop(others);
    let _ = std::fs::remove_file(named);
    let _ = std::fs::remove_file(other);
}

/// Rule: an `SCM_RIGHTS` message is found wherever the kernel would find
/// it: after other messages, next to held numbers, and control data the
/// kernel would call malformed is refused as a whole.
#[test]
fn hidden_or_malformed_rights_are_refused() {
    let d = Driver::new(8).unwrap();
    let (tx, _rx) = UnixStream::pair().unwrap();
    let tx = Rc::new(tx);
    let held = Rc::new(std::fs::File::open("/dev/null").unwrap());
    let stray = std::fs::File::open("/dev/null").unwrap();
    let creds = {
        // SAFETY: getpid/getuid/getgid have no preconditions.
        let ucred = unsafe { [libc::getpid() as u32, libc::getuid(), libc::getgid()] };
        cmsg(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &ucred.iter().flat_map(|v| v.to_ne_bytes()).collect::<Vec<u8>>())
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("after credentials", [creds.clone(), rights(&[stray.as_raw_fd()])].concat()),
        ("next to a held number", rights(&[held.as_raw_fd(), stray.as_raw_fd()])),
        ("a length past the end", {
            let mut c = rights(&[held.as_raw_fd()]);
            c[..WORD].copy_from_slice(&4096usize.to_ne_bytes());
            c
        }),
        ("a length shorter than its header", {
            let mut c = rights(&[held.as_raw_fd()]);
            c[..WORD].copy_from_slice(&4usize.to_ne_bytes());
            c
        }),
    ];
    for (what, control) in cases {
        let msg = Msg::new(vec![b"x".to_vec()]).with_fds(&[&held]);
        // The caller's control data replaces the message `with_fds` built;
        // the message still holds `held`.
        let msg = msg.control(control);
        let (r, _) = finish(&d, &mut d.sendmsg(&tx, msg, 0));
        assert!(einval(&r), "{what}: {r:?}");
    }
    // Held numbers only, with credentials before them: accepted.
    let control = [creds, rights(&[held.as_raw_fd()])].concat();
    let msg = Msg::new(vec![b"x".to_vec()]).with_fds(&[&held]).control(control);
    let (r, _) = finish(&d, &mut d.sendmsg(&tx, msg, 0));
    assert_eq!(r.unwrap(), 1);
    drop(stray);
}

/// Rule: the descriptors a multishot `recvmsg` receives are owned by the
/// message, close-on-exec, and closed with it unless taken.
#[test]
fn a_multishot_recvmsg_owns_the_descriptors_it_receives() {
    let d = Driver::new(16).unwrap();
    let (tx, rx) = UnixStream::pair().unwrap();
    let (tx, rx) = (Rc::new(tx), Rc::new(rx));
    let path = scratch("multishot", b"m");
    let f = Rc::new(std::fs::File::open(&path).unwrap());
    let (r, _) = finish(&d, &mut d.sendmsg(&tx, Msg::new(vec![b"y".to_vec()]).with_fds(&[&f]), 0));
    r.unwrap();
    let pool = BufferPool::new(&d, BufRingConfig::new(51, 4).buffers(4, 512)).unwrap();
    let mut stream = d.recvmsg_pool_multishot(&rx, &pool, 0, 64, 0);
    let mut m = finish(&d, &mut Box::pin(stream.next())).expect("an item").expect("a message");
    assert_eq!(m.payload(), b"y");
    let fds = m.take_received_fds();
    assert_eq!(fds.len(), 1);
    assert_eq!(std::fs::read_link(format!("/proc/self/fd/{}", fds[0].as_raw_fd())).unwrap(), path);
    // SAFETY: F_GETFD reads the flags of a descriptor this test owns.
    let fl = unsafe { libc::fcntl(fds[0].as_raw_fd(), libc::F_GETFD) };
    assert_eq!(fl & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    drop((m, stream));
    let _ = std::fs::remove_file(path);
}
