//! The per-thread registered-ring table (`IORING_REGISTER_RING_FDS`): a
//! ring acts only on indices it registered, and no safe call removes or
//! replaces another ring's.
//!
//! The kernel lets any ring remove any index of the calling thread's table
//! and hands a freed index to the next ring that registers, so an index is
//! a name other code can change. A driver whose index was removed and given
//! to another ring would send its enter and register calls there,
//! including the unregistration that precedes freeing a buffer pool's
//! memory. Each test runs on a thread of its own, whose table starts empty,
//! so the indices are known.

use super::resources_bound_to_their_ring::{pipe, put, wait, Canaries};
use ring_core::pool::BufferPool;
use ring_core::register::BufRingConfig;
use ring_core::{Builder, Driver, Error, Ring};

/// Runs `f` on a fresh thread (an empty registered-ring table), passing on
/// its panic.
fn on_fresh_thread(f: impl FnOnce() + Send + 'static) {
    std::thread::spawn(f).join().unwrap();
}

fn foreign<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::ForeignResource { .. }))
}

/// Rule: no safe call can remove another ring's registered index. A plain
/// ring's `unregister_ring_fds` refuses the index of a driver on the same
/// thread (and of a second driver), so a ring registered afterwards gets a
/// free index instead of the driver's; the driver keeps working through
/// its own index; and when its buffer pool goes, the pool's group is
/// unregistered on the driver's ring, not on the other ring that has a
/// group of the same id. Canaries (buffers of the pool's size allocated
/// after its memory was given back) are never written.
#[test]
fn a_plain_ring_cannot_remove_a_drivers_index_or_take_it_over() {
    on_fresh_thread(|| {
        let d = Driver::new(8).unwrap();
        let d2 = Driver::new(8).unwrap();
        let plain = Builder::new(4).register_ring_fd(false).build().unwrap();
        assert_eq!(plain.registered_index(), None);
        let cfg = BufRingConfig::new(7, 4).buffers(4, 65536);
        let pool = BufferPool::new(&d, cfg).unwrap();

        // The drivers hold indices 0 and 1 of this thread's table.
        assert!(foreign(plain.unregister_ring_fds(&[0])), "a driver's index was removed");
        assert!(foreign(plain.unregister_ring_fds(&[1])), "a driver's index was removed");
        assert!(foreign(plain.unregister_ring_fds(&(0..16).collect::<Vec<u32>>())));

        // A new ring gets a free index, not a driver's.
        let x = Ring::new(4).unwrap();
        assert_eq!(x.registered_index(), Some(2));
        let xbr = x.register_buf_ring(BufRingConfig::new(7, 4).buffers(1, 64)).unwrap();

        // Both drivers still enter their own rings.
        wait(&d, d.nop()).unwrap();
        wait(&d2, d2.nop()).unwrap();

        // The pool's group goes from the driver's ring, not from `x`'s.
        drop(pool);
        let canaries = Canaries::new(8, 4 * 65536);
        assert!(crate::caps::group_registered(&x, 7), "x's group 7 is intact");
        let pool = BufferPool::new(&d, cfg).expect("the driver's group 7 was released");
        let (r, w) = pipe();
        put(&w, &[9u8; 4000]);
        let got = wait(&d, d.read_pool(&r, &pool, u64::MAX)).unwrap();
        assert_eq!(got.len(), 4000);
        canaries.assert_intact();
        x.unregister_buf_ring(xbr).unwrap();
    });
}

/// Rule: an index registered through a ring (`register_ring_fds`) is that
/// ring's to remove: another ring's `unregister_ring_fds` refuses it, the
/// ring that registered it may remove it, and dropping that ring removes
/// the rest, so the table does not fill up with indices nobody may remove.
#[test]
fn an_index_registered_through_a_ring_is_removed_only_by_that_ring() {
    on_fresh_thread(|| {
        let a = Ring::new(4).unwrap();
        assert_eq!(a.registered_index(), Some(0));
        let target = Builder::new(4).register_ring_fd(false).build().unwrap();
        let c = Builder::new(4).register_ring_fd(false).build().unwrap();
        let fd = target.fd().unwrap();
        // Fifteen more indices fill the table.
        let idx = a.register_ring_fds(&[fd; 15]).unwrap();
        assert_eq!(idx.len(), 15);
        assert!(foreign(c.unregister_ring_fds(&idx)), "another ring's indices were removed");
        assert!(foreign(c.unregister_ring_fds(&idx[..1])));
        assert!(foreign(target.unregister_ring_fds(&idx[..1])), "the ring an index names does not own it");
        assert_eq!(a.unregister_ring_fds(&idx[..1]).unwrap(), 1, "the registering ring removes its own");
        assert!(foreign(a.unregister_ring_fds(&idx[..1])), "and only once");
        drop(a);
        // Every index `a` registered went with it: the table is empty.
        let all = c.register_ring_fds(&[fd; 16]).unwrap();
        assert_eq!(all.len(), 16, "{all:?}");
        assert_eq!(c.unregister_ring_fds(&all).unwrap(), 16);
    });
}

/// Rule: a ring that exists only as its registered index
/// (`IORING_SETUP_REGISTERED_FD_ONLY`) keeps it: no other ring on the
/// thread can remove it (which would release the ring under its driver),
/// and the driver built on it keeps working.
#[test]
fn a_ring_that_is_only_an_index_keeps_it() {
    on_fresh_thread(|| {
        let only = match Builder::new(8).registered_fd_only().build() {
            Ok(r) => r,
            Err(e) => {
                println!("SKIP: IORING_SETUP_REGISTERED_FD_ONLY refused: {e}");
                return;
            }
        };
        assert_eq!((only.fd(), only.registered_index()), (None, Some(0)));
        let d = Driver::with_ring(only, ring_core::driver::Batch::default());
        let plain = Builder::new(4).register_ring_fd(false).build().unwrap();
        assert!(foreign(plain.unregister_ring_fds(&[0])), "the only name of a driver's ring was removed");
        let x = Ring::new(4).unwrap();
        assert_eq!(x.registered_index(), Some(1));
        for _ in 0..3 {
            wait(&d, d.nop()).unwrap();
        }
        let cfg = BufRingConfig::new(4, 2).buffers(2, 64);
        let pool = BufferPool::new(&d, cfg).unwrap();
        let xbr = x.register_buf_ring(cfg).unwrap();
        drop(pool);
        assert!(crate::caps::group_registered(&x, 4), "x's group is intact");
        BufferPool::new(&d, cfg).expect("the driver's group was released");
        x.unregister_buf_ring(xbr).unwrap();
    });
}

/// Rule: an index names a ring only in the table of the thread that
/// registered it. Drivers on two threads hold the same index number, each
/// in its own table; each one's pool and operations stay on its own ring,
/// and a plain ring on either thread can remove neither.
#[test]
fn drivers_on_two_threads_hold_the_same_index_apart() {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = (0..2u8)
        .map(|t| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let d = Driver::new(8).unwrap();
                let cfg = BufRingConfig::new(6, 4).buffers(4, 64);
                let pool = BufferPool::new(&d, cfg).unwrap();
                let plain = Builder::new(4).register_ring_fd(false).build().unwrap();
                barrier.wait();
                assert!(foreign(plain.unregister_ring_fds(&[0])));
                let (r, w) = pipe();
                for round in 0..20u8 {
                    put(&w, &[t, round]);
                    let got = wait(&d, d.read_pool(&r, &pool, u64::MAX)).unwrap();
                    assert_eq!(&got[..], [t, round]);
                }
                barrier.wait();
                drop(pool);
                BufferPool::new(&d, cfg).expect("this thread's driver released its own group");
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}
