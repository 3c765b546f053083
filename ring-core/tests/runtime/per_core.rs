//! The thread-per-core runtime: cores with their own rings, work and
//! descriptors handed between them (woken by `MSG_RING`), `SO_REUSEPORT`
//! listeners, pinning, a shared io-wq, and shutdown with work in flight
//! and a core whose ring is full.

// An application of the library: ring-core's rule that atomics come from
// its `sync` module (ring-core/clippy.toml) is for the library's own code.
#![allow(clippy::disallowed_types)]

use ring_core::error::Error;
use ring_core::per_core::Builder;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

#[test]
fn cores_hand_work_and_descriptors_to_each_other() {
    let (a, b) = UnixStream::pair().unwrap();
    let b = Arc::new(Mutex::new(Some(OwnedFd::from(b))));
    let results = Arc::new(Mutex::new(Vec::new()));
    let (b2, results2) = (b.clone(), results.clone());
    let cores = Builder::new(2)
        .entries(32)
        .start(move |core| {
            let (b, results) = (b2.clone(), results2.clone());
            async move {
                if core.index() != 0 {
                    return;
                }
                // Work: runs on core 1's thread.
                let where_ = core.spawn_on(1, |_d| async { thread_name() }).await.unwrap().await.unwrap();
                // A descriptor: owned by the work on core 1, written there
                // through core 1's ring.
                let Some(fd) = b.lock().unwrap().take() else { return };
                let wrote = core
                    .send_fd_to(1, fd, |d, fd| async move {
                        let fd = Rc::new(fd);
                        let (n, _) = d.write_at(&fd, b"from core 1".to_vec(), 0).await;
                        n.map_err(|e| e.to_string())
                    })
                    .await
                    .unwrap()
                    .await
                    .unwrap();
                let bad = core.spawn_on(7, |_d| async {}).await;
                results.lock().unwrap().push((where_, wrote, matches!(bad, Err(Error::InvalidArgument(_)))));
            }
        })
        .unwrap();
    let mut got = [0u8; 11];
    (&a).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"from core 1");
    // From a thread that is no core: the per-core handle.
    let from_outside = cores.handle(1).unwrap().spawn(|_d| async { thread_name() }).join().unwrap();
    assert_eq!(from_outside, "ring-core-1");
    let start = Instant::now();
    while results.lock().unwrap().is_empty() {
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(1));
    }
    let (where_, wrote, bad) = results.lock().unwrap().pop().unwrap();
    assert_eq!(where_, "ring-core-1");
    assert_eq!(wrote, Ok(11));
    assert!(bad, "an index past the cores is a typed error");
    let reports = cores.shutdown().unwrap();
    assert_eq!(reports.iter().map(|r| (r.index, r.started)).collect::<Vec<_>>(), vec![(0, true), (1, true)]);
}

#[test]
fn reuseport_listeners_share_the_connections() {
    let addr = Arc::new(Mutex::new(None::<SocketAddr>));
    let accepted: Arc<[AtomicUsize; 2]> = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    let (addr2, accepted2) = (addr.clone(), accepted.clone());
    let cores = Builder::new(2)
        .listen_reuseport("127.0.0.1:0".parse().unwrap(), 128)
        .start(move |core| {
            let (addr, accepted) = (addr2.clone(), accepted2.clone());
            async move {
                let Some(l) = core.take_listener() else { return };
                *addr.lock().unwrap() = l.local_addr().ok();
                assert!(core.take_listener().is_none(), "one listener per core");
                loop {
                    let Ok((s, _)) = l.accept().await else { return };
                    accepted[core.index()].fetch_add(1, Ordering::SeqCst);
                    ring_core::task::spawn_local(async move {
                        let (n, buf) = s.read(Vec::with_capacity(64)).await;
                        if n.is_ok() {
                            let _ = s.write_all(buf).await;
                        }
                    });
                }
            }
        })
        .unwrap();
    let start = Instant::now();
    let addr = loop {
        if let Some(a) = *addr.lock().unwrap() {
            break a;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(1));
    };
    for i in 0..64u8 {
        let mut c = TcpStream::connect(addr).unwrap();
        c.write_all(&[i; 4]).unwrap();
        let mut back = [0u8; 4];
        c.read_exact(&mut back).unwrap();
        assert_eq!(back, [i; 4]);
    }
    let counts = [accepted[0].load(Ordering::SeqCst), accepted[1].load(Ordering::SeqCst)];
    assert_eq!(counts[0] + counts[1], 64);
    // The kernel hashes each connection's addresses to a listener: with 64
    // connections from distinct ports, both cores get some.
    assert!(counts[0] > 0 && counts[1] > 0, "{counts:?}");
    cores.shutdown().unwrap();
}

#[test]
fn cores_pin_to_cpus_and_attach_to_core_zeros_ring() {
    for attach in [true, false] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let cores = Builder::new(3)
            .pin_to_cpus()
            .attach_wq(attach)
            .start(move |core| {
                let seen = seen2.clone();
                async move {
                    // SAFETY: an all-zero cpu_set_t is the empty set; the call
                    // writes the thread's mask into it.
                    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
                    // SAFETY: `set` is writable and of the size passed.
                    let got = unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
                    assert_eq!(got, 0);
                    // SAFETY: reads the set only.
                    let n = unsafe { libc::CPU_COUNT(&set) };
                    let flags = core.driver().setup_flags().unwrap_or(0);
                    // Blocking work goes to this core's io-wq (one per thread
                    // since 5.12, attached or not).
                    let path = std::env::temp_dir().join(format!(
                        "ring-per-core-wq-{}-{}-{attach}",
                        std::process::id(),
                        core.index()
                    ));
                    let ok = ring_core::fs::write(core.driver(), &path, b"wq").await.is_ok();
                    let _ = std::fs::remove_file(path);
                    seen.lock().unwrap().push((core.index(), n, flags, ok));
                }
            })
            .unwrap();
        let start = Instant::now();
        while seen.lock().unwrap().len() < 3 {
            assert!(start.elapsed() < Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(1));
        }
        for &(i, n, flags, ok) in seen.lock().unwrap().iter() {
            assert_eq!(n, 1, "core {i} pinned to one CPU");
            assert!(ok, "core {i} wrote through its ring");
            // Core 0's ring is set up plainly; with `attach_wq`, every other
            // core's ring was accepted by the kernel with ATTACH_WQ and core
            // 0's descriptor as `wq_fd`, and runs with the flag.
            let attached = flags & ring_core::sys::IORING_SETUP_ATTACH_WQ != 0;
            assert_eq!(attached, attach && i > 0, "core {i}: setup flags {flags:#x}");
        }
        cores.shutdown().unwrap();
    }
}

#[test]
fn attach_wq_to_a_descriptor_that_is_no_ring_is_a_typed_error() {
    // The kernel checks `wq_fd` even where, as on every kernel since 5.12
    // without SQPOLL, it then shares nothing through it: a descriptor that
    // is not a ring is EINVAL, and a number that is no open descriptor
    // ENXIO [kernel: io_uring/sqpoll.c io_sq_offload_create].
    let not_a_ring = std::fs::File::open("/dev/null").unwrap();
    let e = ring_core::raw::setup::Builder::new(4).attach_wq(&not_a_ring).build().unwrap_err();
    assert_eq!(e.errno().map(|e| e.raw()), Some(libc::EINVAL), "{e}");
    // A number far above any descriptor this process has open (named
    // through `AsRawFd`, which promises nothing about it being open).
    struct NoDescriptor;
    impl std::os::fd::AsRawFd for NoDescriptor {
        fn as_raw_fd(&self) -> std::os::fd::RawFd {
            i32::MAX
        }
    }
    let e = ring_core::raw::setup::Builder::new(4).attach_wq(&NoDescriptor).build().unwrap_err();
    assert_eq!(e.errno().map(|e| e.raw()), Some(libc::ENXIO), "{e}");
    // And a ring's descriptor is accepted.
    let first = ring_core::Ring::new(4).unwrap();
    let second = ring_core::raw::setup::Builder::new(4).attach_wq_ring(&first).build().unwrap();
    assert_ne!(second.setup_flags() & ring_core::sys::IORING_SETUP_ATTACH_WQ, 0);
}

#[test]
fn bad_configurations_are_typed_errors_and_start_nothing() {
    let nothing = |_core: ring_core::per_core::Core| async {};
    for (b, what) in [
        (Builder::new(0), "zero cores"),
        (Builder::new(100_000), "too many cores"),
        (Builder::new(2).pin_to(vec![]), "no CPUs"),
        (Builder::new(2).pin_to(vec![1 << 20]), "a CPU past the set"),
        (Builder::new(2).core_entries(2, 8), "a core index past the cores"),
        (Builder::new(2).core_entries(1, 0), "a ring of zero entries"),
        (Builder::new(2).core_entries(1, 1 << 30), "a ring too large"),
        (Builder::new(2).fixed_files(4, 2..2), "an empty allocation range"),
        (Builder::new(2).fixed_files(4, 0..5), "an allocation range past the table"),
    ] {
        assert!(b.start(nothing).is_err(), "{what}");
    }
}

#[test]
fn shutdown_with_work_in_flight_and_a_core_whose_ring_is_full() {
    const READS: usize = 20;
    let pipes: Vec<(OwnedFd, OwnedFd)> = (0..READS)
        .map(|_| {
            let (r, w) = UnixStream::pair().unwrap();
            (OwnedFd::from(r), OwnedFd::from(w))
        })
        .collect();
    let readers = Arc::new(Mutex::new(pipes.iter().map(|(r, _)| r.try_clone().unwrap()).collect::<Vec<_>>()));
    type Look = (u64, u32, u32, u64);
    let handed = Arc::new(Mutex::new(None::<Result<Look, String>>));
    let (readers2, handed2) = (readers.clone(), handed.clone());
    // Core 1's ring: an SQ of 2 and a CQ of 4, one of whose slots the
    // runtime's eventfd read holds; 20 reads that never complete fill the
    // rest, and the others wait for credits.
    let cores = Builder::new(2)
        .entries(32)
        .core_entries(1, 2)
        .teardown_deadline(Duration::from_secs(5))
        .start(move |core| {
            let (readers, handed) = (readers2.clone(), handed2.clone());
            async move {
                if core.index() == 1 {
                    read_for_ever(core.driver(), &readers);
                    return;
                }
                // Core 0 hands work to the full core, which runs it.
                ring_core::time::sleep(Duration::from_millis(20)).await;
                let look = |d: ring_core::Driver| async move {
                    let s = d.stats();
                    (s.started, d.in_flight(), d.credits(), s.waited_for_credit)
                };
                let out = match core.spawn_on(1, look).await {
                    Ok(join) => join.await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                *handed.lock().unwrap() = Some(out);
            }
        })
        .unwrap();
    let start = Instant::now();
    while handed.lock().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(30), "the full core never ran the work");
        std::thread::sleep(Duration::from_millis(1));
    }
    let (started, in_flight, credits, waited) = handed.lock().unwrap().take().unwrap().unwrap();
    assert!(started >= 3, "the reads the ring had room for were started: {started}");
    // Both halves of the ring were full: more operations in the kernel than
    // the SQ's 2 entries (so the SQ filled and was submitted to make room
    // within one turn), no CQ credit left, and the other reads waiting for
    // one.
    assert!(in_flight > 2, "more in flight than the SQ holds: {in_flight}");
    assert_eq!(credits, 0, "every CQ credit taken");
    assert!(waited >= (READS as u64) - started, "the reads past the credits waited: {waited}");
    // And from outside, through the handle (woken by its eventfd, whose
    // read waits for a credit on this full ring: the runtime notices the
    // job by a bounded park).
    let job = cores.handle(1).unwrap().spawn(|_d| async { 7 });
    let start = Instant::now();
    while !job.is_finished_hint() {
        assert!(start.elapsed() < Duration::from_secs(20), "a job handed to the full core from outside never ran");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(job.join().unwrap(), 7);
    let reports = cores.shutdown().unwrap();
    // The teardown policy ran on each core, on its own thread: a report
    // from every core, none leaking, and the full one cancelling its reads
    // well within its deadline.
    assert_eq!(reports.iter().map(|r| (r.index, r.started)).collect::<Vec<_>>(), vec![(0, true), (1, true)]);
    for r in &reports {
        assert_eq!(r.teardown.leaked, 0, "core {} leaked: {:?}", r.index, r.teardown);
        assert!(r.teardown.waited < Duration::from_secs(5), "core {} waited out its deadline", r.index);
    }
    let full = reports.iter().find(|r| r.index == 1).unwrap();
    assert!(
        full.teardown.in_flight as u64 >= started.min(3),
        "the started reads were in flight at shutdown: {:?}",
        full.teardown
    );
    drop(pipes);
}

/// Whether this kernel has `IORING_OP_MSG_RING` (5.18): without it,
/// hand-offs wake their core through its eventfd instead.
fn msg_ring_supported() -> bool {
    ring_core::Ring::new(2)
        .and_then(|r| r.probe())
        .map(|p| p.supported(ring_core::sys::IORING_OP_MSG_RING))
        .unwrap_or(false)
}

#[test]
fn a_full_core_keeps_the_others_serving() {
    if !msg_ring_supported() {
        println!("note: this kernel has no IORING_OP_MSG_RING; hand-offs are woken through the eventfd");
    }
    const READS: usize = 20;
    let pairs: Vec<(OwnedFd, OwnedFd)> = (0..READS)
        .map(|_| {
            let (r, w) = UnixStream::pair().unwrap();
            (OwnedFd::from(r), OwnedFd::from(w))
        })
        .collect();
    let readers = Arc::new(Mutex::new(pairs.iter().map(|(r, _)| r.try_clone().unwrap()).collect::<Vec<_>>()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = Arc::new(Mutex::new(Some(listener)));
    let (readers2, listener2) = (readers.clone(), listener.clone());
    // Core 1's ring has an SQ of 2 (4 CQ credits): its 20 reads that never
    // complete keep every credit taken and the others waiting. Core 0 serves
    // echo connections meanwhile.
    let cores = Builder::new(2)
        .entries(64)
        .core_entries(1, 2)
        .teardown_deadline(Duration::from_secs(5))
        .start(move |core| {
            let (readers, listener) = (readers2.clone(), listener2.clone());
            async move {
                if core.index() == 1 {
                    read_for_ever(core.driver(), &readers);
                    return;
                }
                let Some(l) = listener.lock().unwrap().take() else { return };
                let l = ring_core::net::TcpListener::from_std(core.driver(), l);
                while let Ok((s, _)) = l.accept().await {
                    ring_core::task::spawn_local(async move {
                        let mut buf = Vec::with_capacity(64);
                        loop {
                            let (n, b) = s.read(buf).await;
                            if !matches!(n, Ok(n) if n > 0) {
                                return;
                            }
                            let (r, mut b) = s.write_all(b).await;
                            if r.is_err() {
                                return;
                            }
                            b.clear();
                            buf = b;
                        }
                    });
                }
            }
        })
        .unwrap();
    // Core 1 is full: its reads wait for credits.
    let start = Instant::now();
    let waited = loop {
        let w = cores.handle(1).unwrap().spawn(|d| async move { d.stats().waited_for_credit }).join().unwrap();
        if w > 0 || start.elapsed() > Duration::from_secs(20) {
            break w;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(waited > 0, "core 1's reads never waited for a credit: its ring was not full");
    // Core 0 serves, while core 1 stays full.
    let start = Instant::now();
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for i in 0..500u32 {
        c.write_all(&i.to_le_bytes()).unwrap();
        let mut back = [0u8; 4];
        c.read_exact(&mut back).unwrap();
        assert_eq!(u32::from_le_bytes(back), i);
    }
    let served = start.elapsed();
    drop(c);
    let still = cores.handle(1).unwrap().spawn(|d| async move { d.stats().completed }).join().unwrap();
    println!("core 0 served 500 round trips in {served:?} while core 1 was full ({still} completions on core 1)");
    let reports = cores.shutdown().unwrap();
    let full = reports.iter().find(|r| r.index == 1).unwrap();
    assert!(full.teardown.in_flight >= 1, "core 1's reads were in flight at shutdown: {:?}", full.teardown);
    assert_eq!(full.teardown.leaked, 0, "every read was cancelled before the deadline");
    drop(pairs);
}

#[test]
fn a_direct_descriptor_moves_to_another_cores_table() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = Arc::new(Mutex::new(Some(listener)));
    type Seen = Result<(String, bool, Vec<u8>, u32), String>;
    let seen = Arc::new(Mutex::new(None::<Option<(Seen, u32)>>));
    let (listener2, seen2) = (listener.clone(), seen.clone());
    let cores = Builder::new(2)
        .fixed_files(8, 0..8)
        .start(move |core| {
            let (listener, seen) = (listener2.clone(), seen2.clone());
            async move {
                if core.index() != 0 {
                    return;
                }
                let Some(files) = core.fixed_files().cloned() else {
                    *seen.lock().unwrap() = Some(None);
                    return;
                };
                let l = listener.lock().unwrap().take().unwrap();
                let l = ring_core::net::TcpListener::from_std(core.driver(), l);
                // The connection, accepted straight into core 0's table.
                let fd = core.driver().accept_direct(&l, &files).await.unwrap().0;
                let handed = core.send_fixed_to(1, fd, |d, fd| async move {
                    let (n, buf) = d.recv_direct(&fd, Vec::with_capacity(16), 0).await;
                    let n = n.map_err(|e| e.to_string())?;
                    let (w, _) = d.send_direct(&fd, b"from core 1".to_vec(), 0).await;
                    w.map_err(|e| e.to_string())?;
                    let occupied = fd.files().occupied();
                    Ok((thread_name(), fd.ring_id() == d.ring_id(), buf[..n].to_vec(), occupied))
                });
                let out = match handed.await {
                    Ok(job) => job.await.map_err(|e| e.to_string()).and_then(|r| r),
                    Err((e, _fd)) => Err(e.to_string()),
                };
                *seen.lock().unwrap() = Some(Some((out, files.occupied())));
            }
        })
        .unwrap();
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    c.write_all(b"to core 0").unwrap();
    let start = Instant::now();
    while seen.lock().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(20), "the hand-off never finished");
        std::thread::sleep(Duration::from_millis(1));
    }
    let Some((out, left_on_0)) = seen.lock().unwrap().take().unwrap() else {
        println!("skipping: no sparse file tables with an allocation range (6.0) here");
        return;
    };
    let (thread, own_table, got, occupied_on_1) = out.unwrap();
    assert_eq!(thread, "ring-core-1");
    assert!(own_table, "the descriptor belongs to core 1's table there");
    assert_eq!(got, b"to core 0", "core 1 read the connection core 0 accepted");
    assert_eq!(occupied_on_1, 1, "core 1 adopted the slot the kernel filled");
    assert_eq!(left_on_0, 0, "core 0 gave its slot up");
    let mut back = [0u8; 11];
    c.read_exact(&mut back).unwrap();
    assert_eq!(&back, b"from core 1");
    cores.shutdown().unwrap();
}

#[test]
fn a_descriptor_that_cannot_be_sent_comes_back_with_a_typed_error() {
    type Seen = Option<Vec<(String, bool)>>;
    let seen = Arc::new(Mutex::new(None::<Seen>));
    let seen2 = seen.clone();
    // Core 1's table has one slot, which it fills itself: the kernel finds
    // no free slot there and replaces none.
    let cores = Builder::new(2)
        .fixed_files(1, 0..1)
        .start(move |core| {
            let seen = seen2.clone();
            async move {
                let Some(files) = core.fixed_files().cloned() else {
                    *seen.lock().unwrap() = Some(None);
                    return;
                };
                let d = core.driver().clone();
                let mine = d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0).await.unwrap();
                if core.index() == 1 {
                    // Held for the core's life.
                    std::future::pending::<()>().await;
                    drop(mine);
                    return;
                }
                ring_core::time::sleep(Duration::from_millis(50)).await;
                let mut out = Vec::new();
                let mut fd = mine;
                for to in [1, 0, 9] {
                    match core.send_fixed_to(to, fd, |_d, _fd| async {}).await {
                        Ok(_) => panic!("a descriptor went to core {to}"),
                        Err((e, back)) => {
                            let errno = e.errno().map(|e| e.raw());
                            out.push((e.to_string(), errno == Some(libc::ENFILE)));
                            fd = back;
                        }
                    }
                }
                assert_eq!(fd.files().occupied(), 1, "the descriptor came back each time");
                *seen.lock().unwrap() = Some(Some(out));
            }
        })
        .unwrap();
    let start = Instant::now();
    while seen.lock().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(1));
    }
    let Some(out) = seen.lock().unwrap().take().unwrap() else {
        println!("skipping: no sparse file tables with an allocation range (6.0) here");
        return;
    };
    assert!(out[0].1, "a full table on the target is ENFILE: {}", out[0].0);
    assert!(out[1].0.contains("another core") && out[2].0.contains("another core"), "{out:?}");
    cores.shutdown().unwrap();

    // Without tables, `send_fixed_to` is not configured (a table made on
    // the side does not count).
    let said = Arc::new(Mutex::new(None::<String>));
    let said2 = said.clone();
    let cores = Builder::new(2)
        .start(move |core| {
            let said = said2.clone();
            async move {
                assert!(core.fixed_files().is_none());
                if core.index() != 0 {
                    return;
                }
                let Ok(files) = ring_core::fixed_files::FixedFiles::new(core.driver(), 2, 0..2) else {
                    *said.lock().unwrap() = Some(String::new());
                    return;
                };
                let d = core.driver().clone();
                let fd = d.socket_direct(&files, libc::AF_INET, libc::SOCK_DGRAM, 0).await.unwrap();
                let e = match core.send_fixed_to(1, fd, |_d, _fd| async {}).await {
                    Ok(_) => "sent".to_string(),
                    Err((e, _)) => format!("{e:?}"),
                };
                *said.lock().unwrap() = Some(e);
            }
        })
        .unwrap();
    let start = Instant::now();
    while said.lock().unwrap().is_none() {
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(1));
    }
    let e = said.lock().unwrap().take().unwrap();
    assert!(e.is_empty() || e.starts_with("NotConfigured"), "{e}");
    cores.shutdown().unwrap();
}

/// Spawns, on the calling core, a read of each descriptor in `readers` that
/// never completes (nothing writes to them): each holds one CQ credit of
/// that core's ring until teardown cancels it.
fn read_for_ever(driver: &ring_core::Driver, readers: &Mutex<Vec<OwnedFd>>) {
    for fd in readers.lock().unwrap().drain(..) {
        let d = driver.clone();
        ring_core::task::spawn_local(async move {
            let fd = Rc::new(fd);
            let _ = d.read(&fd, Vec::with_capacity(8)).await;
        });
    }
}
