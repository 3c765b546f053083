//! The registered eventfd: it counts completions, and in its async form
//! only those of io-wq workers.

use super::*;

/// The eventfd counter, or 0 if it has not been signalled (EAGAIN).
fn eventfd_count(fd: &OwnedFd) -> u64 {
    let mut v = 0u64;
    // SAFETY: reads 8 bytes into `v`.
    let n = unsafe { libc::read(fd.as_raw_fd(), (&raw mut v).cast(), 8) };
    if n == 8 {
        v
    } else {
        assert_eq!(errno(), libc::EAGAIN);
        0
    }
}

// ---- eventfd ----

#[test]
fn eventfd_counts_completions() {
    let mut ring = Ring::new(4).unwrap();
    let efd = eventfd();
    assert!(matches!(ring.register_eventfd(-1), Err(Error::BadFd(-1))));
    ring.register_eventfd(efd.as_raw_fd()).unwrap();
    assert_eq!(syscall_errno(&ring.register_eventfd(efd.as_raw_fd()).unwrap_err()), Some(libc::EBUSY));
    push(&mut ring, &nop(1));
    next_cqe(&mut ring);
    assert!(eventfd_count(&efd) >= 1);
    ring.unregister_eventfd().unwrap();
    push(&mut ring, &nop(2));
    next_cqe(&mut ring);
    assert_eq!(eventfd_count(&efd), 0);
}

#[test]
fn eventfd_async_signals_worker_completions_only() {
    let mut ring = Ring::new(4).unwrap();
    let efd = eventfd();
    ring.register_eventfd_async(efd.as_raw_fd()).unwrap();
    // An inline completion does not signal.
    push(&mut ring, &nop(1));
    next_cqe(&mut ring);
    assert_eq!(eventfd_count(&efd), 0);
    // One completed by an io-wq worker does.
    let mut s = nop(2);
    s.flags = IOSQE_ASYNC;
    push(&mut ring, &s);
    next_cqe(&mut ring);
    assert!(eventfd_count(&efd) >= 1);
    ring.unregister_eventfd().unwrap();
}
