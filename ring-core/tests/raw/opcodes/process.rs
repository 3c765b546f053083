//! The opcodes on processes and memory: waitid, futexes and madvise.

use super::*;

#[test]
fn op25_madvise() {
    let len = 2 * 4096;
    // SAFETY: a fresh anonymous private mapping aliases nothing.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(p, libc::MAP_FAILED);
    // SAFETY: the mapping is `len` writable bytes.
    unsafe { core::ptr::write_bytes(p.cast::<u8>(), 0xaa, len) };
    let mut ring = ring();
    // SAFETY: the range stays mapped until after the completion.
    unsafe { ring.sq().push(&Madvise::new(p, len as u64, libc::MADV_DONTNEED).build()) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // MADV_DONTNEED on private anonymous memory is not just a hint: the
    // pages are dropped and read back as zeros.
    // SAFETY: the mapping is `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) };
    assert!(bytes.iter().all(|&b| b == 0), "pages still hold the old data");
    // SAFETY: unmapping our own mapping, no longer used.
    unsafe { libc::munmap(p, len) };
}

// ----------------------------------------------------------------- WAITID

#[test]
fn op50_waitid() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_WAITID, "op50_waitid") {
        return;
    }
    // The ring's WAITID reaps the child; `Child::wait` would then find
    // nothing to wait for, so the lint's advice does not apply.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new("sh").args(["-c", "exit 3"]).spawn().expect("spawn sh");
    let pid = child.id();
    // SAFETY: siginfo_t is plain data; all-zero is valid.
    let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
    let e = WaitId::new(libc::P_PID, pid, libc::WEXITED, &mut info).build();
    // SAFETY: `info` outlives the completion.
    unsafe { ring.sq().push(&e) }.unwrap();
    assert_eq!(one(&mut ring).res, 0);
    // SAFETY: waitid filled a SIGCHLD siginfo, whose pid and status fields
    // these accessors read.
    let (spid, status) = unsafe { (info.si_pid(), info.si_status()) };
    assert_eq!((spid as u32, status), (pid, 3));
    assert_eq!(info.si_code, libc::CLD_EXITED);
}

// ---------------------------------------------------------------- FUTEXES

fn futex_syscall(word: &AtomicU32, op: i32, val: u32, timeout: Option<&libc::timespec>) -> i64 {
    let ts = timeout.map_or(core::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: `word` is a live, aligned u32; `ts` is null or a live timespec.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), op, val, ts, 0usize, 0u32) }
}

#[test]
fn op51_futex_wait() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAIT, "op51_futex_wait") {
        return;
    }
    let word = AtomicU32::new(0);
    // A wait whose expected value is stale fails at once with EAGAIN.
    // SAFETY: `word` outlives the completion.
    unsafe { ring.sq().push(&FutexWait::new(word.as_ptr(), 1).build().user_data(1)) }.unwrap();
    assert_eq!(one(&mut ring).res, -libc::EAGAIN);
    // A real wait: armed at submission, woken by an ordinary futex wake.
    // SAFETY: as above; the wait is woken and reaped below.
    unsafe { ring.sq().push(&FutexWait::new(word.as_ptr(), 0).build().user_data(2)) }.unwrap();
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)), "futex wait completed unwoken");
    let woke = futex_syscall(&word, libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 1, None);
    assert_eq!(woke, 1, "the wake found the ring's waiter");
    let c = one(&mut ring);
    assert_eq!((c.user_data, c.res), (2, 0));
}

#[test]
fn op52_futex_wake() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAKE, "op52_futex_wake") {
        return;
    }
    let word = Arc::new(AtomicU32::new(0));
    let w2 = Arc::clone(&word);
    // A thread blocks in FUTEX_WAIT (bounded, so a failure cannot hang).
    let waiter = std::thread::spawn(move || {
        let ts = libc::timespec { tv_sec: 5, tv_nsec: 0 };
        futex_syscall(&w2, libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG, 0, Some(&ts))
    });
    // Wake through the ring until the wake reports it woke someone (the
    // thread may not be waiting yet on the first tries).
    let deadline = Instant::now() + PATIENCE;
    let woken = loop {
        // SAFETY: `word` outlives the completion.
        unsafe { ring.sq().push(&FutexWake::new(word.as_ptr(), 1).build()) }.unwrap();
        let n = one(&mut ring).res;
        if n != 0 || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(woken, 1);
    assert_eq!(waiter.join().unwrap(), 0, "the waiter returned from a wake, not a timeout");
}

#[test]
fn op53_futex_waitv() {
    let mut ring = ring();
    if !supported(&ring, IORING_OP_FUTEX_WAITV, "op53_futex_waitv") {
        return;
    }
    let words = [AtomicU32::new(0), AtomicU32::new(0)];
    let flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
    let v = [
        futex_waitv { val: 0, uaddr: words[0].as_ptr() as u64, flags, __reserved: 0 },
        futex_waitv { val: 0, uaddr: words[1].as_ptr() as u64, flags, __reserved: 0 },
    ];
    // SAFETY: `v` and `words` outlive the completion, reaped below.
    unsafe { ring.sq().push(&FutexWaitV::new(v.as_ptr(), 2).build()) }.unwrap();
    ring.submit().unwrap();
    assert!(quiet_for(&mut ring, Duration::from_millis(10)));
    assert_eq!(futex_syscall(&words[1], libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG, 1, None), 1);
    assert_eq!(one(&mut ring).res, 1, "the index of the futex that was woken");
}
