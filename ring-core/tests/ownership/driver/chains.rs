//! Linked chains: a member failing midway, chains too long or refused,
//! a member whose prepare panics, members not taken, link timeouts, and
//! links that belong to another chain.

use super::*;

#[test]
fn a_linked_chain_failing_midway_cancels_the_rest_and_returns_every_buffer() {
    use ring_core::ops::{Read, Write};
    let rt = Runtime::new(16).unwrap();
    let (path, file) = temp_file("chain");
    let file = Rc::new(file);
    // Open for writing only: a read from it fails with EBADF.
    let write_only = Rc::new(std::fs::OpenOptions::new().write(true).open(&path).unwrap());
    let d = rt.driver().clone();
    rt.block_on(async {
        // write 4 bytes, read from a descriptor not open for reading
        // (fails), then a write that the kernel must cancel.
        let mut chain = d.chain();
        let a = chain.push(Write::new(&file, b"abcd".to_vec(), 0));
        let b = chain.push(Read::new(&write_only, Vec::with_capacity(8), 0));
        let c = chain.push(Write::new(&file, b"zzzz".to_vec(), 4));
        let mut started = chain.start().await.unwrap();
        let (ra, ba) = started.take(a).unwrap().await;
        let (rb, bb) = started.take(b).unwrap().await;
        let (rc, bc) = started.take(c).unwrap().await;
        assert_eq!(ra.unwrap(), 4);
        assert_eq!(rb.unwrap_err().raw_os_error(), Some(libc::EBADF));
        assert_eq!(rc.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
        assert_eq!((ba, bb.capacity() >= 8, bc), (b"abcd".to_vec(), true, b"zzzz".to_vec()));
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"abcd", "the cancelled write never ran");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_chain_longer_than_the_sq_is_refused_with_a_typed_error() {
    let rt = Runtime::new(2).unwrap();
    let d = rt.driver().clone();
    let r = rt
        .block_on(async {
            let mut chain = d.chain();
            for _ in 0..3 {
                chain.push(ring_core::ops::Nop);
            }
            chain.start().await.map(|_| ()).map_err(ring_core::Error::from)
        })
        .unwrap();
    assert!(matches!(r, Err(ring_core::Error::TooLong { what: "linked chain", .. })), "{r:?}");
}

#[test]
fn a_refused_chain_gives_every_members_value_back() {
    // An SQ of two entries cannot carry a chain of three: it is refused
    // before anything reaches the kernel, and each member's buffer comes
    // back untouched, as a refused single operation's does.
    use ring_core::ops::{Read, Write};
    let rt = Runtime::new(2).unwrap();
    let d = rt.driver().clone();
    let (path, file) = temp_file("refused-chain");
    let file = Rc::new(file);
    rt.block_on(async {
        let mut chain = d.chain();
        let a = chain.push(Write::new(&file, b"first".to_vec(), 0));
        let b = chain.push(Read::new(&file, Vec::with_capacity(16), 0));
        let c = chain.push(Write::new(&file, b"third".to_vec(), 5));
        let mut refused = match chain.start().await {
            Ok(_) => panic!("a chain of three started on an SQ of two"),
            Err(r) => r,
        };
        assert!(matches!(refused.error(), ring_core::Error::TooLong { len: 3, max: 2, .. }), "{refused:?}");
        assert!(refused.to_string().contains("linked chain of 3 refused"), "{refused}");
        assert!(format!("{refused:?}").contains("members: 3"), "{refused:?}");
        let source = std::error::Error::source(&refused).expect("the reason is the source");
        assert_eq!(source.to_string(), refused.error().to_string());
        assert_eq!(d.in_flight(), 0, "nothing started");
        let wa = refused.take(a).expect("the first member's value").into_buf();
        let rb = refused.take(b).expect("the second member's value").into_buf();
        assert_eq!(wa, b"first".to_vec());
        assert!(rb.is_empty() && rb.capacity() >= 16, "the read's buffer comes back unread");
        assert!(refused.take(a).is_none(), "a value is given back once");
        // A chain with a member taken back is refused if started again; the
        // member still in it comes back then too.
        let mut again = match refused.into_chain().start().await {
            Ok(_) => panic!("a chain missing a member started"),
            Err(r) => r,
        };
        assert!(matches!(again.error(), ring_core::Error::InvalidArgument(_)), "{again:?}");
        let wc = again.take(c).expect("the third member's value").into_buf();
        assert_eq!(wc, b"third".to_vec());
    })
    .unwrap();
    assert!(std::fs::read(&path).unwrap().is_empty(), "no member ran");
    std::fs::remove_file(path).unwrap();
}

#[test]
fn a_chain_member_whose_prepare_panics_leaves_no_entry_behind() {
    // The chain's values are all in the table when a member's `prepare`
    // panics: every value is dropped once while unwinding and every entry
    // goes back to the free list (nothing was published).
    struct Counted(Rc<Cell<u32>>, bool);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    // SAFETY: a NOP (or nothing, when `prepare` panics) carries no pointer.
    unsafe impl ring_core::Operation for Counted {
        type Output = ();
        fn prepare(&mut self) -> ring_core::sys::io_uring_sqe {
            if self.1 {
                panic!("prepare failed");
            }
            ring_core::sys::io_uring_sqe { opcode: ring_core::sys::IORING_OP_NOP, ..Default::default() }
        }
        fn complete(self, _: ring_core::Cqe, _: ring_core::Cqe) {}
    }
    let d = ring_core::Driver::new(4).unwrap();
    let drops = Rc::new(Cell::new(0));
    let mut chain = d.chain();
    chain.push(Counted(drops.clone(), false));
    chain.push(Counted(drops.clone(), true));
    chain.push(Counted(drops.clone(), false));
    let mut start = chain.start();
    let waker = std::task::Waker::noop();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = std::pin::Pin::new(&mut start).poll(&mut std::task::Context::from_waker(waker));
    }));
    assert!(r.is_err(), "the panic reaches the caller");
    assert_eq!(drops.get(), 3, "each value was dropped once, by the unwind");
    assert_eq!(d.in_flight(), 0, "every entry went back to the free list");
    drop(start);
    // The driver goes on working: a chain of four fits in the freed entries.
    let mut chain = d.chain();
    let links: Vec<_> = (0..4).map(|_| chain.push(Counted(drops.clone(), false))).collect();
    let mut start = chain.start();
    let mut cx = std::task::Context::from_waker(waker);
    let std::task::Poll::Ready(Ok(mut started)) = std::pin::Pin::new(&mut start).poll(&mut cx) else {
        panic!("the chain did not start")
    };
    for link in links {
        let mut op = started.take(link).expect("own link");
        while std::pin::Pin::new(&mut op).poll(&mut cx).is_pending() {
            d.park(Some(Duration::from_millis(5))).unwrap();
        }
    }
    assert_eq!(drops.get(), 7);
    assert_eq!(d.in_flight(), 0);
}

#[test]
fn chain_members_not_taken_are_orphaned_and_freed_after_their_completions() {
    use ring_core::ops::Read;
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    let drops = Rc::new(Cell::new(0));
    let d = rt.driver().clone();
    let credits_before = d.credits();
    rt.block_on(async {
        let mut chain = d.chain();
        assert!(chain.is_empty());
        let _a = chain.push(ring_core::ops::Nop);
        let _b = chain.push(Read::new(&r, Counted { data: Vec::with_capacity(4), drops: drops.clone() }, u64::MAX));
        assert_eq!(chain.len(), 2);
        let started = chain.start().await.unwrap();
        // Neither member is taken: dropping the started chain orphans both.
        drop(started);
    })
    .unwrap();
    assert_eq!(drops.get(), 0, "the read is still in the kernel");
    write_all(&w, b"abcd");
    let deadline = Instant::now() + Duration::from_secs(5);
    while drops.get() == 0 && Instant::now() < deadline {
        rt.driver().park(Some(Duration::from_millis(5))).unwrap();
    }
    assert_eq!(drops.get(), 1, "freed once, after its completion");
    assert_eq!(d.credits(), credits_before, "every credit came back");
}

#[test]
fn a_link_timeout_cancels_the_operation_it_guards() {
    use ring_core::ops::{LinkTimeout, Read};
    let rt = Runtime::new(8).unwrap();
    let (r, w) = pipe();
    let d = rt.driver().clone();
    let start = Instant::now();
    let ((res, buf), fired) = rt
        .block_on(async {
            let mut chain = d.chain();
            let read = chain.push(Read::new(&r, Vec::<u8>::with_capacity(8), u64::MAX));
            let timer = chain.push(LinkTimeout::new(Duration::from_millis(30)));
            let mut started = chain.start().await.unwrap();
            let read = started.take(read).unwrap().await;
            let fired = started.take(timer).unwrap().await.unwrap();
            (read, fired)
        })
        .unwrap();
    assert!(fired, "the timer fired");
    assert_eq!(res.unwrap_err().raw_os_error(), Some(libc::ECANCELED));
    assert!(buf.capacity() >= 8, "the buffer came back");
    assert!(start.elapsed() >= Duration::from_millis(25));
    // And when the guarded read wins, the timer reports that it did not fire.
    write_all(&w, b"quick");
    let ((res, buf), fired) = rt
        .block_on(async {
            let mut chain = d.chain();
            let read = chain.push(Read::new(&r, Vec::<u8>::with_capacity(8), u64::MAX));
            let timer = chain.push(LinkTimeout::new(Duration::from_secs(5)));
            let mut started = chain.start().await.unwrap();
            let read = started.take(read).unwrap().await;
            (read, started.take(timer).unwrap().await.unwrap())
        })
        .unwrap();
    assert_eq!((res.unwrap(), &buf[..], fired), (5, &b"quick"[..], false));
}

#[test]
fn a_link_from_another_chain_takes_nothing() {
    use ring_core::ops::Read;
    let rt = Runtime::new(8).unwrap();
    let d = rt.driver().clone();
    let (r, w) = pipe();
    write_all(&w, b"x");
    rt.block_on(async {
        let mut a = d.chain();
        let read_link = a.push(Read::new(&r, Vec::<u8>::with_capacity(4), u64::MAX));
        let mut b = d.chain();
        let nop_link = b.push(ring_core::ops::Nop);
        let mut started_b = b.start().await.unwrap();
        // The read's link names position 0, which in chain `b` holds a NOP:
        // taking it there would give an Op<Read> over a NOP's entry.
        assert!(started_b.take(read_link).is_none(), "a link only works on its own chain");
        started_b.take(nop_link).unwrap().await.unwrap();
        drop(a);
    })
    .unwrap();
}
