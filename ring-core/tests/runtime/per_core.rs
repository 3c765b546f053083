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
fn cores_pin_to_cpus_and_share_one_io_wq() {
    let cpus = Arc::new(Mutex::new(Vec::new()));
    let cpus2 = cpus.clone();
    let cores = Builder::new(2)
        .pin_to_cpus()
        .attach_wq(true)
        .start(move |core| {
            let cpus = cpus2.clone();
            async move {
                // SAFETY: an all-zero cpu_set_t is the empty set; the call
                // writes the thread's mask into it.
                let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
                // SAFETY: `set` is writable and of the size passed.
                assert_eq!(unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }, 0);
                // SAFETY: reads the set only.
                let n = unsafe { libc::CPU_COUNT(&set) };
                // Blocking work goes to the (shared) io-wq.
                let path =
                    std::env::temp_dir().join(format!("ring-per-core-wq-{}-{}", std::process::id(), core.index()));
                let ok = ring_core::fs::write(core.driver(), &path, b"wq").await.is_ok();
                let _ = std::fs::remove_file(path);
                cpus.lock().unwrap().push((core.index(), n, ok));
            }
        })
        .unwrap();
    let start = Instant::now();
    while cpus.lock().unwrap().len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(1));
    }
    for &(i, n, ok) in cpus.lock().unwrap().iter() {
        assert_eq!(n, 1, "core {i} pinned to one CPU");
        assert!(ok, "core {i} wrote through its ring");
    }
    cores.shutdown().unwrap();
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
    let handed = Arc::new(Mutex::new(None::<Result<u32, String>>));
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
                    for fd in readers.lock().unwrap().drain(..) {
                        let d = core.driver().clone();
                        ring_core::task::spawn_local(async move {
                            let fd = Rc::new(fd);
                            let _ = d.read(&fd, Vec::with_capacity(8)).await;
                        });
                    }
                    return;
                }
                // Core 0 hands work to the full core, which runs it.
                ring_core::time::sleep(Duration::from_millis(20)).await;
                let out = match core.spawn_on(1, |d| async move { d.stats().started }).await {
                    Ok(join) => join.await.map(|n| n as u32).map_err(|e| e.to_string()),
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
    let started = handed.lock().unwrap().take().unwrap().unwrap();
    assert!(started >= 3, "the reads the ring had room for were started: {started}");
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
    let full = reports.iter().find(|r| r.index == 1).unwrap();
    assert!(full.teardown.in_flight >= 1, "reads were in flight at shutdown: {:?}", full.teardown);
    assert_eq!(full.teardown.leaked, 0, "every read was cancelled before the deadline");
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
                    for fd in readers.lock().unwrap().drain(..) {
                        let d = core.driver().clone();
                        ring_core::task::spawn_local(async move {
                            let fd = Rc::new(fd);
                            let _ = d.read(&fd, Vec::with_capacity(8)).await;
                        });
                    }
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
